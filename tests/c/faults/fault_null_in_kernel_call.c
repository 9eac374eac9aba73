/* strlen(NULL): the fault is in a kernel (or libc) function, frame 0,
 * reported as called from the payload's line that called it (the
 * "frame N: FUNCTION" comments say which). */
// # expect fault: #PF
#include <stdio.h>
#include <string.h>

static const char *volatile text;

static unsigned long measure(const char *s)
{
	unsigned long n = strlen(s);        /* frame 1: measure */
	printf("length %lu\n", n);
	return n;
}

static unsigned long (*volatile how)(const char *) = measure;

int main(void)
{
	printf("measuring\n");
	return (int)how(text);              /* frame 2: main */
}
