/* 150,000 bytes of output, past the default [run] output_limit (128K):
 * the kernel prints the first 131,072 and fails the test with the count
 * (tests/test_program_output.py). */
#include <stdio.h>

int main(void)
{
	int i, j;

	for (i = 0; i < 3000; i++) {
		printf("%05d ", i);
		for (j = 0; j < 43; j++)
			putchar('x');
		putchar('\n');
	}
	return 0;
}
