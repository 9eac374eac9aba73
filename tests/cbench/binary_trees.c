/* binary-trees: build complete binary trees with malloc, count their
 * nodes, free them; many short-lived trees and one long-lived one. */
#include <stdio.h>
#include <stdlib.h>

struct node {
	struct node *left, *right;
};

static struct node *make(int depth)
{
	struct node *n = malloc(sizeof *n);
	if (!n) {
		printf("FAIL: out of memory\n");
		exit(1);
	}
	if (depth > 0) {
		n->left = make(depth - 1);
		n->right = make(depth - 1);
	} else {
		n->left = n->right = 0;
	}
	return n;
}

static long check(const struct node *n)
{
	return n->left ? 1 + check(n->left) + check(n->right) : 1;
}

static void release(struct node *n)
{
	if (n->left) {
		release(n->left);
		release(n->right);
	}
	free(n);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	int max_depth = 12 + (scale > 1) + (scale > 3);
	int ok = 1;

	struct node *stretch = make(max_depth + 1);
	long c = check(stretch);
	printf("stretch tree of depth %d\t check: %ld\n", max_depth + 1, c);
	ok &= c == (2L << (max_depth + 1)) - 1;
	release(stretch);

	struct node *long_lived = make(max_depth);
	for (int d = 4; d <= max_depth; d += 2) {
		long iters = 1L << (max_depth - d + 4), sum = 0;
		for (long i = 0; i < iters; i++) {
			struct node *t = make(d);
			sum += check(t);
			release(t);
		}
		printf("%ld\t trees of depth %d\t check: %ld\n", iters, d, sum);
		ok &= sum == iters * ((2L << d) - 1);
	}
	c = check(long_lived);
	printf("long lived tree of depth %d\t check: %ld\n", max_depth, c);
	ok &= c == (2L << max_depth) - 1;
	release(long_lived);
	printf("%s\n", ok ? "ok" : "FAIL: wrong node count");
	return ok ? 0 : 1;
}
