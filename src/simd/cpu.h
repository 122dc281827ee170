/* rnnamp: which vector kernel this CPU runs.
 *
 * Every module with per-ISA kernels (the engine, the convolver, the
 * trainer) compiles one body per instruction set over the vec_*.h layer
 * in this folder and asks here which one to run. The shipped build never
 * assumes more than the baseline of the architecture (SSE2 on x86-64).
 *
 * Threads: any, the audio thread too. Memory: nothing is allocated.
 */
#ifndef RNNAMP_CPU_H
#define RNNAMP_CPU_H

typedef enum {
    RNNAMP_KERNEL_AUTO = 0, /* best the CPU supports (runtime dispatch) */
    RNNAMP_KERNEL_SCALAR,   /* portable C */
    RNNAMP_KERNEL_SSE2,     /* x86-64 baseline */
    RNNAMP_KERNEL_AVX2      /* AVX2 + FMA */
} rnnamp_kernel;

/* Best kernel this CPU supports. */
rnnamp_kernel rnnamp_kernel_best(void);

/* "avx2+fma", "sse2", "scalar" or "auto". */
const char *rnnamp_kernel_name(rnnamp_kernel k);

#endif
