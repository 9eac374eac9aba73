/* The hooks of the library of JIT'd code (jit/libc/libc.h) in the kernel:
 * stdout and stderr are the running test's output (frames on serial),
 * data files are multiboot modules named "data:NAME", exit and abort end
 * the payload through its catch point; and the arguments payloads get,
 * from the module "args:". */
#include "kernel.h"
#include "multiboot.h"
#include "libc/libc.h"
#include "kernel/payload.h"

/* Both streams go where the test's stdout goes: one serial line, in the
 * order the program wrote. */
void
lc_write(int fd, const char *s, size_t n)
{
	(void)fd;
	while (n--)
		putchar(*s++);
}

/* The module of a data file: "data:NAME" for a path ending in NAME (a
 * program opens "tests/data/x.txt" on the host and "x.txt" in the kernel
 * alike). */
static int
find_module(const char *want, const void **buf, size_t *len)
{
	const char *name;
	int i;

	for (i = 0; i < mb_module_count(); i++) {
		mb_module(i, buf, len, &name);
		if (strcmp(name, want) == 0)
			return 0;
	}
	return -1;
}

int
lc_data_open(const char *path, const char **buf, size_t *len, void **owned)
{
	char want[MB_NAME_MAX + sizeof JB_DATA_MODULE_PREFIX];
	const char *base;
	const void *p;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(want, sizeof want, JB_DATA_MODULE_PREFIX "%s", base);
	*owned = NULL;
	if (!*base || find_module(want, &p, len) != 0)
		return -1;
	*buf = p;
	return 0;
}

void
lc_data_close(void *owned)
{
	(void)owned;
}

int payload_aborted;

void
lc_exit_hook(int status)
{
	trap_exit(status);
}

/* The runner reads payload_aborted after the catch point returns: the
 * payload fails with "abort called" whatever the status. */
void
lc_abort_hook(void)
{
	payload_aborted = 1;
	trap_exit(134);
}

/* argv of a payload: its name, then each NUL-terminated string of the
 * module "args:" (its last string may lack the NUL). */
int
payload_argv(const char *name, char **argv, int max)
{
	static char copy[4096];
	const void *p;
	size_t len, i;
	int argc;

	argc = 0;
	argv[argc++] = (char *)name;
	if (find_module(JB_ARGS_MODULE, &p, &len) == 0) {
		if (len > sizeof copy - 1)
			len = sizeof copy - 1;
		memcpy(copy, p, len);
		copy[len] = 0;
		for (i = 0; i < len && argc < max - 1; i += strlen(copy + i) + 1)
			argv[argc++] = copy + i;
	}
	argv[argc] = NULL;
	return argc;
}
