/* rnnamp: run-time choice of the vector kernel (see cpu.h). */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define RNNAMP_CPU_X86 1
#include <cpuid.h>
#endif

#ifdef RNNAMP_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

/* Valgrind's client request when its header was there at build time
 * (a no-op instruction sequence natively); without it, the preload
 * library valgrind puts in LD_PRELOAD of every program it runs. */
int rnnamp_under_valgrind(void)
{
#ifdef RNNAMP_HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        return 1;
#endif
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload") != NULL;
}

#ifdef RNNAMP_CPU_X86
/* XCR0, the state components the OS saves (Intel SDM vol. 1, 13.3). */
static unsigned long long xcr0(void)
{
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

enum { X86_SSE2 = 1, X86_AVX2 = 2, X86_AVX512 = 4 };

/* The kernel families this CPU and OS run, as X86_* bits. */
static int x86_features(void)
{
    unsigned a, b, c, d;
    int f = X86_SSE2;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    const int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx || __get_cpuid_max(0, NULL) < 7)
        return f;
    const unsigned long long x = xcr0();
    __cpuid_count(7, 0, a, b, c, d);
    /* XCR0 bits 1, 2: SSE and AVX (YMM upper halves) state */
    const int ymm_os = (x & 0x6) == 0x6;
    const int avx2 = (b >> 5) & 1;
    if (ymm_os && avx2 && fma)
        f |= X86_AVX2;
    /* bits 5, 6, 7: opmask, ZMM0-15 upper halves, ZMM16-31 */
    const int zmm_os = (x & 0xe6) == 0xe6;
    const int a512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) &&
                     ((b >> 31) & 1); /* F, DQ, BW, VL */
    if ((f & X86_AVX2) && zmm_os && a512 && !rnnamp_under_valgrind())
        f |= X86_AVX512;
    return f;
}
#endif

int rnnamp_kernel_supported(rnnamp_kernel k)
{
    switch (k) {
    case RNNAMP_KERNEL_AUTO:
    case RNNAMP_KERNEL_SCALAR: return 1;
#ifdef RNNAMP_CPU_X86
    case RNNAMP_KERNEL_SSE2: return 1;
    case RNNAMP_KERNEL_AVX2: return (x86_features() & X86_AVX2) != 0;
    case RNNAMP_KERNEL_AVX512: return (x86_features() & X86_AVX512) != 0;
#endif
#if defined(__aarch64__)
    case RNNAMP_KERNEL_NEON: return 1;
#endif
    default: return 0;
    }
}

rnnamp_kernel rnnamp_kernel_best(void)
{
#ifdef RNNAMP_CPU_X86
    const int f = x86_features();
    if (f & X86_AVX512)
        return RNNAMP_KERNEL_AVX512;
    if (f & X86_AVX2)
        return RNNAMP_KERNEL_AVX2;
    return RNNAMP_KERNEL_SSE2;
#elif defined(__aarch64__)
    return RNNAMP_KERNEL_NEON;
#else
    return RNNAMP_KERNEL_SCALAR;
#endif
}

const char *rnnamp_kernel_name(rnnamp_kernel k)
{
    switch (k) {
    case RNNAMP_KERNEL_AVX512: return "avx512";
    case RNNAMP_KERNEL_AVX2: return "avx2+fma";
    case RNNAMP_KERNEL_SSE2: return "sse2";
    case RNNAMP_KERNEL_NEON: return "neon";
    case RNNAMP_KERNEL_SCALAR: return "scalar";
    default: return "auto";
    }
}

int rnnamp_kernel_parse(const char *name)
{
    if (!strcmp(name, "avx2"))
        return RNNAMP_KERNEL_AVX2;
    for (int k = 0; k < RNNAMP_KERNEL_N; k++)
        if (!strcmp(name, rnnamp_kernel_name((rnnamp_kernel)k)))
            return k;
    return -1;
}

int rnnamp_kernel_lanes(rnnamp_kernel k)
{
    switch (k) {
    case RNNAMP_KERNEL_AVX512: return 16;
    case RNNAMP_KERNEL_AVX2: return 8;
    case RNNAMP_KERNEL_SSE2:
    case RNNAMP_KERNEL_NEON: return 4;
    case RNNAMP_KERNEL_SCALAR: return 1;
    default: return 0;
    }
}
