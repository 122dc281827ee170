/* rnnamp: functions written once over the vector primitives (vf, vf_*) of
 * the including vec_scalar.h / vec_sse2.h / vec_avx2.h. Included at the end
 * of each of them; do not include it directly.
 *
 * This is THE float tanh approximation of the project, used by the engine's
 * kernels (kernel_body.h) and the trainer's (train_kernel_body.h), and the
 * sigmoid built on it.
 * Pure functions: no memory, no state; safe on the real-time path. */
#ifndef RNNAMP_VEC_MATH_H
#define RNNAMP_VEC_MATH_H

/* Rational minimax approximation of tanh on [-7.9, 7.9] (odd degree-13
 * over even degree-6 polynomial), clamped outside; max abs error about
 * 1e-7 in float. Its derivative is 1 - tanh^2 to within a few 1e-7. */
static inline vf vf_tanh(vf x)
{
    const vf lim = vf_set1(7.90531110763549805f);
    x = vf_min(vf_max(x, vf_sub(vf_set1(0.f), lim)), lim);
    vf x2 = vf_mul(x, x);
    vf p = vf_fmadd(x2, vf_set1(-2.76076847742355e-16f),
                    vf_set1(2.00018790482477e-13f));
    p = vf_fmadd(x2, p, vf_set1(-8.60467152213735e-11f));
    p = vf_fmadd(x2, p, vf_set1(5.12229709037114e-08f));
    p = vf_fmadd(x2, p, vf_set1(1.48572235717979e-05f));
    p = vf_fmadd(x2, p, vf_set1(6.37261928875436e-04f));
    p = vf_fmadd(x2, p, vf_set1(4.89352455891786e-03f));
    p = vf_mul(x, p);
    vf q = vf_fmadd(x2, vf_set1(1.19825839466702e-06f),
                    vf_set1(1.18534705686654e-04f));
    q = vf_fmadd(x2, q, vf_set1(2.26843463243900e-03f));
    q = vf_fmadd(x2, q, vf_set1(4.89352518554385e-03f));
    return vf_div(p, q);
}

/* sigmoid(x) = (1 + tanh(x / 2)) / 2 on vf_tanh; derivative s (1 - s). */
static inline vf vf_sigmoid(vf x)
{
    const vf h = vf_set1(0.5f);
    return vf_fmadd(vf_tanh(vf_mul(x, h)), h, h);
}

#endif
