/* A bytecode interpreter's dispatch loop: a small stack machine with a
 * switch over opcodes, running a program (emitted below with patched
 * jumps) that counts the primes below a bound by trial division and sums
 * them; checked against the same computation in C. */
#include <stdio.h>
#include <stdlib.h>

enum op {
	PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, DUP, POP, HALT
};

struct insn {
	enum op op;
	int arg;
};

static long run(const struct insn *code, long *vars)
{
	long stack[64];
	int sp = 0, pc = 0;
	for (;;) {
		const struct insn *i = &code[pc++];
		switch (i->op) {
		case PUSH: stack[sp++] = i->arg; break;
		case LOAD: stack[sp++] = vars[i->arg]; break;
		case STORE: vars[i->arg] = stack[--sp]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
		case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
		case JZ: if (stack[--sp] == 0) pc = i->arg; break;
		case JMP: pc = i->arg; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case POP: sp--; break;
		case HALT: return sp ? stack[sp - 1] : 0;
		}
	}
}

static struct insn code[128];
static int ncode;

static int emit(enum op op, int arg)
{
	code[ncode].op = op;
	code[ncode].arg = arg;
	return ncode++;
}

static void patch(int at)
{
	code[at].arg = ncode;
}

enum { N, D, COUNT, SUM, BOUND, ISPRIME };

/* x = x + k */
static void incr(int var, int k)
{
	emit(LOAD, var);
	emit(PUSH, k);
	emit(ADD, 0);
	emit(STORE, var);
}

static void compile_primes(void)
{
	emit(PUSH, 2); emit(STORE, N);
	emit(PUSH, 0); emit(STORE, COUNT);
	emit(PUSH, 0); emit(STORE, SUM);
	int outer = ncode;
	emit(LOAD, N); emit(LOAD, BOUND); emit(LT, 0);
	int to_done = emit(JZ, 0);
	emit(PUSH, 2); emit(STORE, D);
	emit(PUSH, 1); emit(STORE, ISPRIME);
	int inner = ncode;
	emit(LOAD, D); emit(DUP, 0); emit(MUL, 0);
	emit(LOAD, N); emit(PUSH, 1); emit(ADD, 0); emit(LT, 0);
	int to_end_inner = emit(JZ, 0);
	emit(LOAD, N); emit(LOAD, D); emit(MOD, 0);
	int to_composite = emit(JZ, 0);
	incr(D, 1);
	emit(JMP, inner);
	patch(to_composite);
	emit(PUSH, 0); emit(STORE, ISPRIME);
	patch(to_end_inner);
	emit(LOAD, ISPRIME);
	int to_skip = emit(JZ, 0);
	incr(COUNT, 1);
	emit(LOAD, SUM); emit(LOAD, N); emit(ADD, 0); emit(STORE, SUM);
	patch(to_skip);
	incr(N, 1);
	emit(JMP, outer);
	patch(to_done);
	emit(LOAD, SUM);
	emit(HALT, 0);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	long vars[8] = {0};
	vars[BOUND] = 40000L * scale;
	compile_primes();
	long sum = run(code, vars);
	printf("%ld primes below %ld, sum %ld (%d instructions)\n", vars[COUNT], vars[BOUND],
	       sum, ncode);

	long count = 0, check = 0;
	for (long n = 2; n < vars[BOUND]; n++) {
		int prime = 1;
		for (long d = 2; d * d < n + 1; d++)
			if (n % d == 0) {
				prime = 0;
				break;
			}
		if (prime) {
			count++;
			check += n;
		}
	}
	int ok = count == vars[COUNT] && check == sum;
	printf("%s\n", ok ? "ok" : "FAIL: interpreter disagrees with C");
	return ok ? 0 : 1;
}
