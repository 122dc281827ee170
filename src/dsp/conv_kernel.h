/* rnnamp: the convolver's inner loops, one body (conv_kernel_body.h)
 * compiled per instruction set (portable C, SSE2, AVX2+FMA, AVX-512,
 * NEON) and chosen at
 * run time, like the engine's kernels.
 *
 * Threads: all functions are real-time safe and reentrant.
 * Memory: they work on the caller's buffers only.
 */
#ifndef RNNAMP_CONV_KERNEL_H
#define RNNAMP_CONV_KERNEL_H

#include "cpu.h" /* rnnamp_kernel */

/* Direct-form FIR: y[i] = sum_{k < taps} h[k] x[i - k] for 0 <= i < n;
 * x[-(taps - 1)] .. x[n - 1] must be readable. */
typedef void (*rnnamp_fir_fn)(const float *h, int taps, const float *x,
                              float *y, int n);

/* Complex multiply-accumulate over n interleaved (re, im) values:
 * acc[i] += a[i] * b[i]. */
typedef void (*rnnamp_cmac_fn)(float *acc, const float *a, const float *b,
                               int n);

typedef struct {
    rnnamp_fir_fn fir;
    rnnamp_cmac_fn cmac;
} rnnamp_conv_kernels;

/* The kernels for k (RNNAMP_KERNEL_AUTO: the best this CPU runs). Returns
 * 0, or -1 when this CPU cannot run k. */
int rnnamp_conv_kernels_get(rnnamp_kernel k, rnnamp_conv_kernels *out);

void rnnamp_fir_scalar(const float *h, int taps, const float *x, float *y,
                       int n);
void rnnamp_cmac_scalar(float *acc, const float *a, const float *b, int n);
#if defined(__x86_64__) || defined(_M_X64)
void rnnamp_fir_sse2(const float *h, int taps, const float *x, float *y, int n);
void rnnamp_cmac_sse2(float *acc, const float *a, const float *b, int n);
void rnnamp_fir_avx2(const float *h, int taps, const float *x, float *y, int n);
void rnnamp_cmac_avx2(float *acc, const float *a, const float *b, int n);
void rnnamp_fir_avx512(const float *h, int taps, const float *x, float *y,
                       int n);
void rnnamp_cmac_avx512(float *acc, const float *a, const float *b, int n);
#endif
#if defined(__aarch64__)
void rnnamp_fir_neon(const float *h, int taps, const float *x, float *y, int n);
void rnnamp_cmac_neon(float *acc, const float *a, const float *b, int n);
#endif

#endif
