/* 2-D vector math on structs of floats: clang passes them as <2 x float>. */
#include <stdio.h>

typedef struct { float x, y; } vec2;

static vec2 v_add(vec2 a, vec2 b) { return (vec2){ a.x + b.x, a.y + b.y }; }
static vec2 v_scale(vec2 a, float k) { return (vec2){ a.x * k, a.y * k }; }
static vec2 v_perp(vec2 a) { return (vec2){ -a.y, a.x }; }
static float v_dot(vec2 a, vec2 b) { return a.x * b.x + a.y * b.y; }
static vec2 v_swap(vec2 a) { return (vec2){ a.y, a.x }; }
static vec2 v_lerp(vec2 a, vec2 b, float t) { return v_add(v_scale(a, 1 - t), v_scale(b, t)); }

int main(void)
{
	vec2 pos = { 0, 0 }, vel = { 1.5f, -0.5f };
	for (int i = 0; i < 16; i++) {
		pos = v_add(pos, vel);
		vel = v_add(v_scale(vel, 0.9f), v_scale(v_perp(vel), 0.1f));
	}
	printf("%.4f %.4f %.4f %.4f\n", pos.x, pos.y, vel.x, vel.y);
	vec2 s = v_swap(pos), l = v_lerp(pos, s, 0.25f);
	printf("%.4f %.4f %.4f %.4f\n", s.x, s.y, l.x, l.y);
	vec2 pts[5] = { { 1, 2 }, { 3, 4 }, { -1, 0.5f }, { 2, 2 }, { 0, -3 } };
	float best = -1e30f;
	int arg = -1;
	for (int i = 0; i < 5; i++) {
		float d = v_dot(pts[i], (vec2){ 0.6f, 0.8f });
		if (d > best) { best = d; arg = i; }
	}
	printf("%d %.3f\n", arg, best);
	return 0;
}
