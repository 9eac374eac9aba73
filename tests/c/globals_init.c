/* Global initializers: pointers into other globals, tables of strings, nested structs. */
#include <stdio.h>

static int table[8] = { 1, 1, 2, 3, 5, 8, 13, 21 };
static int *middle = &table[4];
static int *const ends[2] = { &table[0], &table[7] };
static const char *words[] = { "zero", "one", "two", "three" };
static const char greeting[] = "hello, world";
static const char *tail = greeting + 7;
static long addr_as_int = (long)&table[2];
struct node { int v; struct node *next; };
static struct node n3 = { 3, 0 };
static struct node n2 = { 2, &n3 };
static struct node n1 = { 1, &n2 };
struct cfg { const char *name; int vals[3]; double scale; struct node *head; };
static struct cfg cfgs[] = {
	{ "first", { 1, 2, 3 }, 0.5, &n1 },
	{ "second", { 4 }, -2.0, &n2 },
};
static long long big = 0x123456789ABCDEFll;
static unsigned char bytes[5] = { 255, 0, 7 };
static float ratios[3] = { 0.25f, 1e-3f };
int counter = 10;
int *counter_ptr = &counter;
static int (*fn)(const char *, ...) = printf;
static char matrix[2][3] = { "ab", "cd" };
static short shorts[] = { -1, 2, -3 };

int main(void)
{
	printf("%d %d %d %d\n", *middle, middle[1], *ends[0], *ends[1]);
	printf("%s %s %s\n", words[3], tail, words[1]);
	printf("%d\n", *(int *)addr_as_int);
	for (struct node *n = &n1; n; n = n->next)
		printf("%d ", n->v);
	printf("\n");
	for (int i = 0; i < 2; i++)
		printf("%s %d %d %d %.1f %d\n", cfgs[i].name, cfgs[i].vals[0], cfgs[i].vals[1],
		       cfgs[i].vals[2], cfgs[i].scale, cfgs[i].head->v);
	printf("%llx %d %d %d %d %d\n", big, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]);
	printf("%.4f %.4f %.4f\n", ratios[0], ratios[1], ratios[2]);
	(*counter_ptr)++;
	fn("%d %s %s %d %d\n", counter, matrix[0], matrix[1], shorts[0], shorts[2]);
	return 0;
}
