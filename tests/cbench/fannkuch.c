/* fannkuch-redux: for every permutation of 1..n, count the pancake flips
 * until 1 is in front; report the maximum and a signed checksum.
 * Permutations in the order of the counting (Heap-like) algorithm. */
#include <stdio.h>
#include <stdlib.h>

static int fannkuch(int n, int *checksum)
{
	int perm[16], perm1[16], count[16];
	int max_flips = 0, sum = 0, r = n, nperm = 0;

	for (int i = 0; i < n; i++)
		perm1[i] = i;
	for (;;) {
		while (r != 1) {
			count[r - 1] = r;
			r--;
		}
		for (int i = 0; i < n; i++)
			perm[i] = perm1[i];
		int flips = 0;
		int k;
		while ((k = perm[0]) != 0) {
			for (int i = 0, j = k; i < j; i++, j--) {
				int t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
			flips++;
		}
		if (flips > max_flips)
			max_flips = flips;
		sum += (nperm % 2 == 0) ? flips : -flips;
		/* next permutation */
		for (;;) {
			if (r == n) {
				*checksum = sum;
				return max_flips;
			}
			int p0 = perm1[0];
			for (int i = 0; i < r; i++)
				perm1[i] = perm1[i + 1];
			perm1[r] = p0;
			count[r]--;
			if (count[r] > 0)
				break;
			r++;
		}
		nperm++;
	}
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	int n = 9 + (scale > 1);
	int checksum, flips = 0;
	for (int round = 0; round < (scale > 2 ? scale - 1 : 1); round++)
		flips = fannkuch(n, &checksum);
	printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, flips);
	/* known values of the sequence: 30 flips for n = 9, 38 for n = 10 */
	int ok = (n == 9 && flips == 30 && checksum == 8629) || (n == 10 && flips == 38);
	printf("%s\n", ok ? "ok" : "FAIL: wrong flip count");
	return ok ? 0 : 1;
}
