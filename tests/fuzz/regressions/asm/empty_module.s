# Found by the sanitized host twin: a module without a byte made the
# loader place its sections at NULL + offset.  It now gets a page.
	.text
empty:
