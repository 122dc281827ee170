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
 * 4e-7 in float. Its derivative is 1 - tanh^2 to within a few 1e-7.
 *
 * Written as tanh(x) = C x a(y) b(y) / q(y), y = x^2, where a and b are
 * the monic cubics whose roots are the numerator's (three negative roots
 * in a, the positive one and the complex pair in b) and q is the monic
 * denominator. Monic cubics by Horner's rule start with y + a2 and need no
 * constant in a register, so each costs 3 instructions; a and b run side
 * by side and q beside them, so the dependency chain is about as short as
 * Estrin's scheme on the expanded numerator, with 5 operations fewer (16
 * against 21; a sigmoid, which folds C into its own constants, 16 against
 * 22). tools/tanh-coefficients.py derives the coefficients from the
 * expanded rational and measures both forms' error. */
#define VF_TANH_LIM 7.90531110763549805f
#define VF_TANH_C   (-2.3039842572442238e-10f)

/* x clamped to [-lim, lim]. */
static inline vf vf_tanh_clamp_(vf x)
{
    const vf lim = vf_set1(VF_TANH_LIM);
    return vf_min(vf_max(x, vf_sub(vf_set1(0.f), lim)), lim);
}

/* xk a(y) b(y) / q(y) for y = x^2 of a clamped x: tanh(x) when xk = C x,
 * tanh(x) / C when xk = x. */
static inline vf vf_tanh_rational_(vf xk, vf y)
{
    vf a = vf_add(y, vf_set1(206.59466724032148f));
    a = vf_fmadd(y, a, vf_set1(8348.816169695661f));
    a = vf_fmadd(y, a, vf_set1(63251.30036629053f));
    vf b = vf_add(y, vf_set1(-931.0987034105034f));
    b = vf_fmadd(y, b, vf_set1(495687.890238715f));
    b = vf_fmadd(y, b, vf_set1(-280234968.13134104f));
    vf q = vf_add(y, vf_set1(98.92249135429026f)); /* >= q0 > 0 */
    q = vf_fmadd(y, q, vf_set1(1893.1097353750383f));
    q = vf_fmadd(y, q, vf_set1(4083.86472176871f));
    return vf_quot(vf_mul(vf_mul(xk, a), b), q);
}

static inline vf vf_tanh(vf x)
{
    x = vf_tanh_clamp_(x);
    return vf_tanh_rational_(vf_mul(x, vf_set1(VF_TANH_C)), vf_mul(x, x));
}

/* k sigmoid(2x) = k (1 + tanh(x)) / 2, on the same rational (C folded
 * into the constants). Callers that pre-scale their input by 0.5 (the
 * engine's packed gate rows) call it with k = 1; k = VF_TANH_C pairs it with
 * vf_tanh_div_c. */
static inline vf vf_sigmoid_half_times(vf x, float k)
{
    x = vf_tanh_clamp_(x);
    return vf_fmadd(vf_tanh_rational_(x, vf_mul(x, x)),
                    vf_set1(0.5f * k * VF_TANH_C), vf_set1(0.5f * k));
}

static inline vf vf_sigmoid_half(vf x)
{
    return vf_sigmoid_half_times(x, 1.f);
}

/* tanh(x) / VF_TANH_C, a multiply fewer than vf_tanh: an LSTM's products
 * of a sigmoid gate and a tanh are the same with C moved from the tanh to
 * the gate, vf_sigmoid_half_times(v, VF_TANH_C) * vf_tanh_div_c(x). */
static inline vf vf_tanh_div_c(vf x)
{
    x = vf_tanh_clamp_(x);
    return vf_tanh_rational_(x, vf_mul(x, x));
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
    return vf_sigmoid_half(vf_mul(x, vf_set1(0.5f)));
}

#endif
