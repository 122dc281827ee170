/* rnnamp: 16-wide AVX-512 vectors (F, VL, DQ, BW). Compiled only into the
 * *_avx512.c kernels (built with -mavx512f -mavx512vl -mavx512dq
 * -mavx512bw -mavx2 -mfma) and reached only after the runtime check in
 * cpu.c (CPU flags, OS ZMM state by xgetbv, not under valgrind). */
#ifndef RNNAMP_VEC_AVX512_H
#define RNNAMP_VEC_AVX512_H

#include <immintrin.h>

#define VW 16
typedef __m512 vf;
static inline vf vf_load(const float *p)
{
    return _mm512_loadu_ps(p);
}
/* p on the engine's 8-float grid (see vec_math.h): 32-byte aligned only,
 * so an unaligned load; EVEX instructions take it as a memory operand. */
static inline vf vf_load_a(const float *p)
{
    return _mm512_loadu_ps(p);
}
static inline void vf_store(float *p, vf v)
{
    _mm512_storeu_ps(p, v);
}
static inline vf vf_set1(float x)
{
    return _mm512_set1_ps(x);
}
static inline vf vf_add(vf a, vf b)
{
    return _mm512_add_ps(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return _mm512_sub_ps(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return _mm512_mul_ps(a, b);
}
static inline vf vf_fmadd(vf a, vf b, vf c)
{
    return _mm512_fmadd_ps(a, b, c);
}
static inline vf vf_min(vf a, vf b)
{
    return _mm512_min_ps(a, b);
}
static inline vf vf_max(vf a, vf b)
{
    return _mm512_max_ps(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return _mm512_div_ps(a, b);
}
static inline float vf_hsum(vf a)
{
    __m256 s =
        _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
    __m128 q =
        _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
}

/* c - a * b */
static inline vf vf_fnmadd(vf a, vf b, vf c)
{
    return _mm512_fnmadd_ps(a, b, c);
}
/* [a_high | a_low]: the two 8-lane halves swapped (16-lane only; the
 * engine's 8-unit layers carry two gates a vector). */
static inline vf vf_swap_halves(vf a)
{
    return _mm512_shuffle_f32x4(a, a, 0x4e);
}
/* a / b. A division: on our AVX-512 machines (AMD Zen 4) it measured
 * faster than rcp14 with a Newton step for LSTM-32 and 64 (fewer
 * instructions; the divider keeps up) and equal for small layers. */
static inline vf vf_quot(vf a, vf b)
{
    return _mm512_div_ps(a, b);
}
/* The first n (0 < n < VW) lanes of p, the others 0; and the matching
 * store of the first n lanes. Touch no memory past p + n. Eight lanes (the
 * tail of every padded width that is not a multiple of 16) move as a
 * 256-bit load or store: unlike masked ones, those forward to and from
 * neighbouring loads and stores without a stall. Others are masked. */
static inline vf vf_load_part(const float *p, int n)
{
    if (n == 8)
        return _mm512_zextps256_ps512(_mm256_loadu_ps(p));
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
}
static inline void vf_store_part(float *p, vf v, int n)
{
    if (n == 8)
        _mm256_storeu_ps(p, _mm512_castps512_ps256(v));
    else
        _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), v);
}

#include "vec_math.h"

#endif
