/* rnnamp: functions written once over the vector primitives (vf, vf_*) of
 * the including vec_scalar.h / vec_sse2.h / vec_avx2.h / vec_avx512.h /
 * vec_neon.h. Included at the end of each of them; do not include it
 * directly.
 *
 * Every vec_*.h gives the same primitives: VW (float lanes), vf, vf_load /
 * vf_store (unaligned), vf_load_a (p 32-byte aligned: the engine's packed
 * weights, a multiple of 8 floats from a 64-byte aligned block), vf_set1,
 * vf_add, vf_sub, vf_mul, vf_fmadd (a b + c), vf_fnmadd (c - a b), vf_min,
 * vf_max, vf_div, vf_quot (a / b to about 1 ulp, by a division or a
 * reciprocal estimate and a Newton step, whichever the ISA runs faster),
 * vf_hsum, and
 * vf_load_part / vf_store_part (the first n lanes); this file adds
 * vf_load_n / vf_store_n (n lanes, or the whole vector) on them.
 *
 * This is THE float tanh approximation of the project, used by the engine's
 * kernels (kernel_body.h) and the trainer's (train_kernel_body.h), and the
 * sigmoid built on it.
 * Pure functions: no memory, no state; safe on the real-time path. */
#ifndef RNNAMP_VEC_MATH_H
#define RNNAMP_VEC_MATH_H

/* Rational minimax approximation of tanh on [-7.9, 7.9] (odd degree-13
 * over even degree-6 polynomial), clamped outside; max abs error about
 * 1e-7 in float. Its derivative is 1 - tanh^2 to within a few 1e-7.
 * Both polynomials in y = x^2 are evaluated by Estrin's scheme (pairs
 * joined by y^2 and y^4), which shortens the dependency chain, and the
 * quotient by vf_quot. */
static inline vf vf_tanh(vf x)
{
    const vf lim = vf_set1(7.90531110763549805f);
    x = vf_min(vf_max(x, vf_sub(vf_set1(0.f), lim)), lim);
    const vf y = vf_mul(x, x);
    const vf y2 = vf_mul(y, y);
    const vf y4 = vf_mul(y2, y2);
    /* p(y) = p0 + p1 y + ... + p6 y^6 */
    vf p01 = vf_fmadd(y, vf_set1(6.37261928875436e-04f),
                      vf_set1(4.89352455891786e-03f));
    vf p23 = vf_fmadd(y, vf_set1(5.12229709037114e-08f),
                      vf_set1(1.48572235717979e-05f));
    vf p45 = vf_fmadd(y, vf_set1(2.00018790482477e-13f),
                      vf_set1(-8.60467152213735e-11f));
    vf p46 = vf_fmadd(y2, vf_set1(-2.76076847742355e-16f), p45);
    vf p03 = vf_fmadd(y2, p23, p01);
    vf p = vf_fmadd(y4, p46, p03);
    /* q(y) = q0 + q1 y + q2 y^2 + q3 y^3, >= q0 > 0 */
    vf q01 = vf_fmadd(y, vf_set1(2.26843463243900e-03f),
                      vf_set1(4.89352518554385e-03f));
    vf q23 = vf_fmadd(y, vf_set1(1.19825839466702e-06f),
                      vf_set1(1.18534705686654e-04f));
    vf q = vf_fmadd(y2, q23, q01);
    return vf_quot(vf_mul(x, p), q);
}

/* The first n lanes of p (n >= VW: the whole vector), and the store of
 * them: the partial last block of a row that is not a multiple of VW. */
static inline vf vf_load_n(const float *p, int n)
{
    return n >= VW ? vf_load(p) : vf_load_part(p, n);
}

static inline void vf_store_n(float *p, vf v, int n)
{
    if (n >= VW)
        vf_store(p, v);
    else
        vf_store_part(p, v, n);
}

/* sigmoid(x) = (1 + tanh(x / 2)) / 2 on vf_tanh; derivative s (1 - s). */
static inline vf vf_sigmoid(vf x)
{
    const vf h = vf_set1(0.5f);
    return vf_fmadd(vf_tanh(vf_mul(x, h)), h, h);
}

#endif
