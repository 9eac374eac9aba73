# Shift counts outside 0..63 (undefined in C) are an error.
	.data
x:
	.quad 1<<64
