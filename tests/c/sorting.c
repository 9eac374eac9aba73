/* Quicksort, heapsort and binary search over ints and strings. */
#include <stdio.h>
#include <string.h>

static void qs(int *a, int lo, int hi)
{
	if (lo >= hi)
		return;
	int p = a[(lo + hi) / 2], i = lo, j = hi;
	while (i <= j) {
		while (a[i] < p) i++;
		while (a[j] > p) j--;
		if (i <= j) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
	}
	qs(a, lo, j);
	qs(a, i, hi);
}
static void sift(long *a, int n, int i)
{
	for (;;) {
		int m = i, l = 2 * i + 1, r = l + 1;
		if (l < n && a[l] > a[m]) m = l;
		if (r < n && a[r] > a[m]) m = r;
		if (m == i) return;
		long t = a[i]; a[i] = a[m]; a[m] = t;
		i = m;
	}
}
static void heapsort(long *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--) sift(a, n, i);
	for (int k = n - 1; k > 0; k--) { long t = a[0]; a[0] = a[k]; a[k] = t; sift(a, k, 0); }
}
static int bsearch_int(const int *a, int n, int key)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (a[mid] == key) return mid;
		if (a[mid] < key) lo = mid + 1; else hi = mid - 1;
	}
	return -1;
}
static void sort_strings(const char **s, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(s[i], s[j]) > 0) { const char *t = s[i]; s[i] = s[j]; s[j] = t; }
}

int main(void)
{
	int a[50];
	long b[50];
	unsigned x = 7;
	for (int i = 0; i < 50; i++) {
		x = x * 69069u + 1;
		a[i] = (int)(x >> 20) - 2048;
		b[i] = (long)x * 3 - 5000000000L;
	}
	qs(a, 0, 49);
	heapsort(b, 50);
	for (int i = 0; i < 50; i += 7)
		printf("%d %ld\n", a[i], b[i]);
	printf("%d %d\n", bsearch_int(a, 50, a[33]), bsearch_int(a, 50, 99999));
	const char *w[] = { "pear", "apple", "fig", "banana", "cherry", "apricot" };
	sort_strings(w, 6);
	for (int i = 0; i < 6; i++)
		printf("%s ", w[i]);
	printf("\n");
	return 0;
}
