/* Output the serial framing must bring back byte for byte
 * (tests/test_program_output.py): lines a KTAP reader would take for its
 * own, bytes that are not UTF-8, whitespace at line ends, control bytes,
 * a line longer than any frame, and no newline at the end. */
#include <stdio.h>

int main(void)
{
	int i;

	printf("KTAP version 1\n1..1\n");
	printf("Subtest: x\n# Subtest: y\n    # Subtest: z\n");
	printf("ok 1 not a check\nnot ok 2 not a failure # SKIP\n");
	printf("PANIC: not a panic\n");
	printf("backtrace #0 not a frame\n");
	printf("out 3: not a frame\n# out 3: nor this\\\n");
	printf("\xff\xfe not UTF-8 \x80\xc3\x28, UTF-8 \xc3\xa9\n");
	printf("trailing tabs\t\t\ntrailing spaces   \n \t \n");
	printf("\r\n\a\x1b[31mescape\x1b[0m\x7f\n");
	putchar(0);
	printf(" after a NUL\n\n\n");
	for (i = 0; i < 5000; i++)
		putchar('a' + i % 26);
	putchar('\n');
	for (i = 0; i < 128; i++)
		putchar('b');
	printf("\nbackslash \\ and \\x41 and \\t at the end\\\n");
	printf("no newline at the end");
	return 0;
}
