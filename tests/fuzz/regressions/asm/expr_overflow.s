# Found by fuzz_asm: constant expressions overflowed int64_t (UBSan:
# signed integer overflow); they now wrap like GNU as.  Shift counts
# outside 0..63 are an error.
	.data
x:
	.quad 4612811918334230528*2
	.quad 9223372036854775807+1
	.quad -9223372036854775807-2
