/* The hooks of the library of JIT'd code (jit/libc/libc.h) in the host
 * twin: stdout and stderr are the process's, data files are files of the
 * file system read whole at fopen, exit and abort end the process. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "libc/libc.h"

/* stderr is unbuffered and stdout is not: flushing stdout first keeps
 * the two in the order the program wrote them, as on the kernel's one
 * serial line. */
void
lc_write(int fd, const char *s, size_t n)
{
	if (fd == 2) {
		fflush(stdout);
		fwrite(s, 1, n, stderr);
	} else {
		fwrite(s, 1, n, stdout);
	}
}

int
lc_data_open(const char *path, const char **buf, size_t *len, void **owned)
{
	FILE *f;
	char *p, *q;
	size_t n, cap;

	f = fopen(path, "rb");
	if (!f)
		return -1;
	cap = 1 << 12;
	n = 0;
	p = malloc(cap);
	while (p) {
		n += fread(p + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		q = realloc(p, cap);
		if (!q)
			free(p);
		p = q;
	}
	if (!p || ferror(f)) {
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = p;
	*len = n;
	*owned = p;
	return 0;
}

void
lc_data_close(void *owned)
{
	free(owned);
}

void
lc_exit_hook(int status)
{
	fflush(stdout);
	exit(status);
}

/* As the kernel says it: the program's own words, then the status a
 * SIGABRT gives in the shell. */
void
lc_abort_hook(void)
{
	fflush(stdout);
	fprintf(stderr, "jitrun: abort called\n");
	fflush(stderr);
	_exit(128 + 6);
}
