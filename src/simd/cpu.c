/* rnnamp: run-time choice of the vector kernel (see cpu.h). */
#include "cpu.h"

rnnamp_kernel rnnamp_kernel_best(void)
{
#if defined(__x86_64__) || defined(_M_X64)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return RNNAMP_KERNEL_AVX2;
    return RNNAMP_KERNEL_SSE2;
#else
    return RNNAMP_KERNEL_SCALAR;
#endif
}

const char *rnnamp_kernel_name(rnnamp_kernel k)
{
    switch (k) {
    case RNNAMP_KERNEL_AVX2: return "avx2+fma";
    case RNNAMP_KERNEL_SSE2: return "sse2";
    case RNNAMP_KERNEL_SCALAR: return "scalar";
    default: return "auto";
    }
}
