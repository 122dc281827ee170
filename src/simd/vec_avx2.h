/* rnnamp: 8-wide AVX2 + FMA vectors. Compiled only into kernel_avx2.c
 * (built with -mavx2 -mfma) and reached only after a runtime CPU check. */
#ifndef RNNAMP_VEC_AVX2_H
#define RNNAMP_VEC_AVX2_H

#include <immintrin.h>

#define VW 8
typedef __m256 vf;
static inline vf vf_load(const float *p)
{
    return _mm256_loadu_ps(p);
}
/* p on the engine's 8-float grid (see vec_math.h), so 32-byte aligned. */
static inline vf vf_load_a(const float *p)
{
    return _mm256_load_ps(p);
}
static inline void vf_store(float *p, vf v)
{
    _mm256_storeu_ps(p, v);
}
static inline vf vf_set1(float x)
{
    return _mm256_set1_ps(x);
}
static inline vf vf_add(vf a, vf b)
{
    return _mm256_add_ps(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return _mm256_sub_ps(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return _mm256_mul_ps(a, b);
}
static inline vf vf_fmadd(vf a, vf b, vf c)
{
    return _mm256_fmadd_ps(a, b, c);
}
static inline vf vf_min(vf a, vf b)
{
    return _mm256_min_ps(a, b);
}
static inline vf vf_max(vf a, vf b)
{
    return _mm256_max_ps(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return _mm256_div_ps(a, b);
}
static inline float vf_hsum(vf a)
{
    __m128 s =
        _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* c - a * b */
static inline vf vf_fnmadd(vf a, vf b, vf c)
{
    return _mm256_fnmadd_ps(a, b, c);
}
/* a / b. A division: on our Zen 4 machines it ran as fast as the 12-bit
 * reciprocal estimate with a Newton step for 32 units and more and at most
 * 6 % slower for 8-16 (GRU-8 32.3 against 30.4 ns), with three fewer
 * instructions a call (callgrind tables, issue 14's instruction targets). */
static inline vf vf_quot(vf a, vf b)
{
    return _mm256_div_ps(a, b);
}
/* The first n (0 < n < VW) lanes of p, the others 0; and the matching
 * store of the first n lanes. Touch no memory past p + n (masked). */
static inline __m256i vf_mask_(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf vf_load_part(const float *p, int n)
{
    return _mm256_maskload_ps(p, vf_mask_(n));
}
static inline void vf_store_part(float *p, vf v, int n)
{
    _mm256_maskstore_ps(p, vf_mask_(n), v);
}

#include "vec_math.h"

#endif
