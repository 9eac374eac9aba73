# Found by fuzz_asm: "callq 0" (no symbol) made a fixup for symbol -1,
# read out of bounds when resolved.  Now an error.
	.text
f:
	callq 0
