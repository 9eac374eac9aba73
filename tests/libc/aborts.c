/* abort() ends the payload failed: "abort called" in the kernel, status
 * 134 under jitrun, after what the program wrote. */
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
	fprintf(stdout, "about to abort\n");
	abort();
}
