/* rnnamp: which vector kernel this CPU runs.
 *
 * Every module with per-ISA kernels (the engine, the convolver, the
 * trainer) compiles one body per instruction set over the vec_*.h layer
 * in this folder and asks here which one to run. The shipped build never
 * assumes more than the baseline of the architecture (SSE2 on x86-64,
 * Advanced SIMD (NEON) on aarch64).
 *
 * Threads: any. The functions read the CPU (cpuid, xgetbv) and, for the
 * valgrind check, the environment; call them when building, not from the
 * audio thread. Memory: nothing is allocated.
 */
#ifndef RNNAMP_CPU_H
#define RNNAMP_CPU_H

typedef enum {
    RNNAMP_KERNEL_AUTO = 0, /* best the CPU supports (runtime dispatch) */
    RNNAMP_KERNEL_SCALAR,   /* portable C */
    RNNAMP_KERNEL_SSE2,     /* x86-64 baseline */
    RNNAMP_KERNEL_AVX2,     /* AVX2 + FMA */
    RNNAMP_KERNEL_AVX512,   /* AVX-512 F, VL, DQ, BW (with AVX2 + FMA) */
    RNNAMP_KERNEL_NEON,     /* aarch64 Advanced SIMD (baseline there) */
    RNNAMP_KERNEL_N         /* count, not a kernel */
} rnnamp_kernel;

/* Best kernel this CPU supports: on x86-64 AVX-512 if the CPU has F, VL,
 * DQ and BW and the OS saves the ZMM state (xgetbv), and the program does
 * not run under valgrind (which cannot decode AVX-512); else AVX2 + FMA
 * (CPU and OS YMM state); else SSE2. NEON on aarch64; scalar elsewhere. */
rnnamp_kernel rnnamp_kernel_best(void);

/* 1 if this CPU (and OS) runs kernel k, else 0. AUTO and SCALAR: 1. */
int rnnamp_kernel_supported(rnnamp_kernel k);

/* "avx512", "avx2+fma", "sse2", "neon", "scalar" or "auto". */
const char *rnnamp_kernel_name(rnnamp_kernel k);

/* The kernel named name (the names above, and "avx2" for avx2+fma), or
 * -1 if none is. Whether this CPU runs it is rnnamp_kernel_supported(). */
int rnnamp_kernel_parse(const char *name);

/* Float lanes of kernel k's vectors: 16, 8, 4 or 1 (AUTO: 0). */
int rnnamp_kernel_lanes(rnnamp_kernel k);

/* 1 if the program runs under valgrind. */
int rnnamp_under_valgrind(void);

#endif
