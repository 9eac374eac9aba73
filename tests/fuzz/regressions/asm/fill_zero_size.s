# Found by fuzz_asm: a zero-size .fill in a section with no bytes yet
# made the assembler compute NULL + 0 (UBSan).
	.data
x:
	.fill 64,0,0
