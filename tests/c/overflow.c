/* Overflow-checking arithmetic (llvm.*.with.overflow) at several widths. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
	int32_t i32s[] = { 0, 1, -1, 46341, INT32_MAX, INT32_MIN, 65536, -46341 };
	int n = sizeof i32s / sizeof i32s[0];
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			int32_t r;
			int a = __builtin_add_overflow(i32s[i], i32s[j], &r);
			int s = __builtin_sub_overflow(i32s[i], i32s[j], &r);
			int m = __builtin_mul_overflow(i32s[i], i32s[j], &r);
			uint32_t u;
			int ua = __builtin_add_overflow((uint32_t)i32s[i], (uint32_t)i32s[j], &u);
			int us = __builtin_sub_overflow((uint32_t)i32s[i], (uint32_t)i32s[j], &u);
			int um = __builtin_mul_overflow((uint32_t)i32s[i], (uint32_t)i32s[j], &u);
			printf("%d%d%d%d%d%d ", a, s, m, ua, us, um);
		}
		printf("\n");
	}
	int64_t i64s[] = { 0, 3, -1, 3037000500LL, INT64_MAX, INT64_MIN, 1LL << 32, -(1LL << 62) };
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			int64_t r;
			uint64_t u;
			printf("%d%d%d%d%d%d ", __builtin_add_overflow(i64s[i], i64s[j], &r),
			       __builtin_sub_overflow(i64s[i], i64s[j], &r),
			       __builtin_mul_overflow(i64s[i], i64s[j], &r),
			       __builtin_add_overflow((uint64_t)i64s[i], (uint64_t)i64s[j], &u),
			       __builtin_sub_overflow((uint64_t)i64s[i], (uint64_t)i64s[j], &u),
			       __builtin_mul_overflow((uint64_t)i64s[i], (uint64_t)i64s[j], &u));
		}
		printf("\n");
	}
	int16_t h;
	uint8_t b;
	int o1 = __builtin_add_overflow((int16_t)30000, (int16_t)3000, &h);
	int o2 = __builtin_mul_overflow((uint8_t)20, (uint8_t)13, &b);
	printf("%d %d %d %d\n", o1, h, o2, b);
	return 0;
}
