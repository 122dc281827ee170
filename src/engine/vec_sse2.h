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

#endif
