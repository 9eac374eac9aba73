/* exit(3) two calls deep: the payload ends there with status 3. */
#include <stdio.h>
#include <stdlib.h>

static void
leave(int depth)
{
	if (depth == 0) {
		printf("leaving with 3\n");
		exit(3);
	}
	leave(depth - 1);
}

int
main(void)
{
	leave(2);
	printf("not reached\n");
	return 0;
}
