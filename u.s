.text
	subq $-129, %rcx
