/* A division by zero two calls deep: the report names the line of the
 * division, the backtrace the lines of the calls (the "frame N: FUNCTION"
 * comments say which; tests/test_debug_lines.py reads them). The calls
 * go through volatile function pointers so that neither clang nor the
 * JIT's inliner folds the frames away. */
// # expect fault: #DE
#include <stdio.h>

static int divide(int a, int b)
{
	return a / b;                       /* frame 0: divide */
}

static int (*volatile op)(int, int) = divide;

static int apply(int x, int y)
{
	int r = op(x, y);                   /* frame 1: apply */
	printf("not reached %d\n", r);
	return r + 1;
}

int main(void)
{
	int (*volatile f)(int, int) = apply;

	printf("dividing\n");
	return f(10, 0);                    /* frame 2: main */
}
