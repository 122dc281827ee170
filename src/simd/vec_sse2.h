/* rnnamp: 4-wide SSE2 vectors (x86-64 baseline, no FMA). */
#ifndef RNNAMP_VEC_SSE2_H
#define RNNAMP_VEC_SSE2_H

#include <emmintrin.h>

#define VW 4
typedef __m128 vf;
static inline vf vf_load(const float *p)
{
    return _mm_loadu_ps(p);
}
/* p on the engine's 8-float grid (see vec_math.h), so 16-byte aligned:
 * an aligned load, which mulps / addps can take as a memory operand. */
static inline vf vf_load_a(const float *p)
{
    return _mm_load_ps(p);
}
static inline void vf_store(float *p, vf v)
{
    _mm_storeu_ps(p, v);
}
static inline vf vf_set1(float x)
{
    return _mm_set1_ps(x);
}
static inline vf vf_add(vf a, vf b)
{
    return _mm_add_ps(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return _mm_sub_ps(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return _mm_mul_ps(a, b);
}
static inline vf vf_fmadd(vf a, vf b, vf c)
{
    return _mm_add_ps(_mm_mul_ps(a, b), c);
}
static inline vf vf_min(vf a, vf b)
{
    return _mm_min_ps(a, b);
}
static inline vf vf_max(vf a, vf b)
{
    return _mm_max_ps(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return _mm_div_ps(a, b);
}
static inline float vf_hsum(vf a)
{
    __m128 s = _mm_add_ps(a, _mm_movehl_ps(a, a));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* c - a * b */
static inline vf vf_fnmadd(vf a, vf b, vf c)
{
    return _mm_sub_ps(c, _mm_mul_ps(a, b));
}
/* a / b to about 1 ulp: the 12-bit reciprocal estimate r and one Newton
 * step folded into the product (t + t (1 - b r), t = a r); divps is slow
 * on the CPUs this path is for. */
static inline vf vf_quot(vf a, vf b)
{
    const vf r = _mm_rcp_ps(b);
    const vf t = _mm_mul_ps(a, r);
    return _mm_add_ps(
        t, _mm_mul_ps(t, _mm_sub_ps(_mm_set1_ps(1.0f), _mm_mul_ps(b, r))));
}
/* The first n (0 < n < VW) lanes of p, the others 0; and the matching
 * store of the first n lanes. Touch no memory past p + n. */
static inline vf vf_load_part(const float *p, int n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int k = 0; k < n && k < 4; k++)
        t[k] = p[k];
    return _mm_loadu_ps(t);
}
static inline void vf_store_part(float *p, vf v, int n)
{
    float t[4];
    _mm_storeu_ps(t, v);
    for (int k = 0; k < n && k < 4; k++)
        p[k] = t[k];
}

#include "vec_math.h"

#endif
