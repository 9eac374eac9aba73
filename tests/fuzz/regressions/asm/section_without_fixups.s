# Found by the sanitized host twin: a section without fixups made the
# assembler compute NULL + 0 (UBSan: applying zero offset to null pointer).
	.data
	.balign 8
x:
	.quad 1
