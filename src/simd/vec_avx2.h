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
/* a / b to about 1 ulp: the 12-bit reciprocal estimate r and one Newton
 * step folded into the product (t + t (1 - b r), t = a r). Shorter and
 * pipelined, where the divider is neither. */
static inline vf vf_quot(vf a, vf b)
{
    const vf r = _mm256_rcp_ps(b);
    const vf t = vf_mul(a, r);
    return vf_fmadd(t, vf_fnmadd(b, r, vf_set1(1.0f)), t);
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
