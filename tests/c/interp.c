/* A small stack-machine interpreter driven by a switch. */
#include <stdio.h>

enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, PRINT, HALT, OVER, DROP };

static long run(const int *code)
{
	long stack[64];
	int sp = 0, pc = 0, steps = 0;
	for (;;) {
		steps++;
		switch (code[pc++]) {
		case PUSH: stack[sp++] = code[pc++]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case OVER: stack[sp] = stack[sp - 2]; sp++; break;
		case DROP: sp--; break;
		case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
		case DEC: stack[sp - 1]--; break;
		case JNZ: { int target = code[pc++]; if (stack[--sp]) pc = target; break; }
		case PRINT: printf("%ld\n", stack[sp - 1]); break;
		case HALT: return steps;
		}
	}
}

int main(void)
{
	/* factorial of 15: acc n -> loop: acc *= n; n--; while n */
	static const int fact[] = { PUSH, 1, PUSH, 15, SWAP, OVER, MUL, SWAP, DEC, DUP, JNZ, 4,
				    DROP, PRINT, HALT };
	printf("steps %ld\n", run(fact));
	static const int sum[] = { PUSH, 0, PUSH, 1000, DUP, JNZ, 8, HALT, SWAP, OVER, ADD, SWAP,
				   DEC, DUP, JNZ, 8, DROP, PRINT, HALT };
	printf("steps %ld\n", run(sum));
	return 0;
}
