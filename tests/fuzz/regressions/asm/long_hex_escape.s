# Found by fuzz_asm: a \x escape with many hex digits overflowed int
# (UBSan); GNU as keeps the low 8 bits of the value.
	.data
s:
	.ascii "\X0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA|\x141"
