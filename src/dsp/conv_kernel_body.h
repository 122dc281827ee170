/* rnnamp: convolver kernel body, included once per instruction set after
 * a vec_*.h header and with RNNAMP_FIR_NAME and RNNAMP_CMAC_NAME defined
 * (see conv_kernel.h for what the functions do). */
#include "conv_kernel.h"

/* Eight outputs (one vector) at a time: each tap is broadcast and
 * multiplied with the input shifted by that tap, so no horizontal sums.
 * Two accumulators hide the FMA latency. */
void RNNAMP_FIR_NAME(const float *h, int taps, const float *x, float *y, int n)
{
    int i = 0;
    for (; i + VW <= n; i += VW) {
        vf a0 = vf_set1(0.f), a1 = vf_set1(0.f);
        int k = 0;
        for (; k + 2 <= taps; k += 2) {
            a0 = vf_fmadd(vf_set1(h[k]), vf_load(x + i - k), a0);
            a1 = vf_fmadd(vf_set1(h[k + 1]), vf_load(x + i - k - 1), a1);
        }
        if (k < taps)
            a0 = vf_fmadd(vf_set1(h[k]), vf_load(x + i - k), a0);
        vf_store(y + i, vf_add(a0, a1));
    }
    for (; i < n; i++) {
        float s = 0.f;
        for (int k = 0; k < taps; k++)
            s += h[k] * x[i - k];
        y[i] = s;
    }
}

/* Plain C: the compiler vectorises it for the instruction set this file
 * is built for. */
void RNNAMP_CMAC_NAME(float *restrict acc, const float *restrict a,
                      const float *restrict b, int n)
{
    for (int i = 0; i < n; i++) {
        const float ar = a[2 * i], ai = a[2 * i + 1];
        const float br = b[2 * i], bi = b[2 * i + 1];
        acc[2 * i] += ar * br - ai * bi;
        acc[2 * i + 1] += ar * bi + ai * br;
    }
}
