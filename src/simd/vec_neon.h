/* rnnamp: 4-wide aarch64 Advanced SIMD (NEON) vectors with fused
 * multiply-add. NEON is part of the aarch64 baseline, so the *_neon.c
 * kernels need no special flags and no runtime check. */
#ifndef RNNAMP_VEC_NEON_H
#define RNNAMP_VEC_NEON_H

#include <arm_neon.h>

#define VW 4
typedef float32x4_t vf;
static inline vf vf_load(const float *p)
{
    return vld1q_f32(p);
}
/* p on the engine's 8-float grid (see vec_math.h); ldr q has no alignment
 * penalty worth a separate form. */
static inline vf vf_load_a(const float *p)
{
    return vld1q_f32(p);
}
static inline void vf_store(float *p, vf v)
{
    vst1q_f32(p, v);
}
static inline vf vf_set1(float x)
{
    return vdupq_n_f32(x);
}
static inline vf vf_add(vf a, vf b)
{
    return vaddq_f32(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return vsubq_f32(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return vmulq_f32(a, b);
}
static inline vf vf_fmadd(vf a, vf b, vf c)
{
    return vfmaq_f32(c, a, b);
}
static inline vf vf_min(vf a, vf b)
{
    return vminq_f32(a, b);
}
static inline vf vf_max(vf a, vf b)
{
    return vmaxq_f32(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return vdivq_f32(a, b);
}
static inline float vf_hsum(vf a)
{
    return vaddvq_f32(a);
}

/* c - a * b */
static inline vf vf_fnmadd(vf a, vf b, vf c)
{
    return vfmsq_f32(c, a, b);
}
/* a / b to about 1 ulp: the 8-bit reciprocal estimate, two Newton steps
 * (frecps computes 2 - b r) and the product: pipelined, unlike fdiv on
 * Cortex-A53/A72 class cores. */
static inline vf vf_quot(vf a, vf b)
{
    vf r = vrecpeq_f32(b);
    r = vmulq_f32(r, vrecpsq_f32(b, r));
    r = vmulq_f32(r, vrecpsq_f32(b, r));
    return vmulq_f32(a, r);
}
/* The first n (0 < n < VW) lanes of p, the others 0; and the matching
 * store of the first n lanes. Touch no memory past p + n. */
static inline vf vf_load_part(const float *p, int n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int k = 0; k < n && k < 4; k++)
        t[k] = p[k];
    return vld1q_f32(t);
}
static inline void vf_store_part(float *p, vf v, int n)
{
    float t[4];
    vst1q_f32(t, v);
    for (int k = 0; k < n && k < 4; k++)
        p[k] = t[k];
}

#include "vec_math.h"

#endif
