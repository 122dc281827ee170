/* rnnamp trainer: the one place that picks the kernels for this CPU. See
 * train_kernel.h. */
#include "train_kernel.h"

#include "cpu.h"

extern const rnnamp_tk_ops rnnamp_tk_scalar;
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_TK_X86 1
extern const rnnamp_tk_ops rnnamp_tk_sse2;
extern const rnnamp_tk_ops rnnamp_tk_avx2;
extern const rnnamp_tk_ops rnnamp_tk_avx512;
#else
#define HAVE_TK_X86 0
#endif
#if defined(__aarch64__)
extern const rnnamp_tk_ops rnnamp_tk_neon;
#endif

const rnnamp_tk_ops *rnnamp_tk_ops_for(rnnamp_tk_isa isa)
{
    switch (isa) {
    case RNNAMP_TK_SCALAR: return &rnnamp_tk_scalar;
#if HAVE_TK_X86
    case RNNAMP_TK_SSE2: return &rnnamp_tk_sse2;
    case RNNAMP_TK_AVX2:
        return rnnamp_kernel_supported(RNNAMP_KERNEL_AVX2) ? &rnnamp_tk_avx2
                                                           : NULL;
    case RNNAMP_TK_AVX512:
        /* (never under valgrind, which cannot decode AVX-512) */
        return rnnamp_kernel_supported(RNNAMP_KERNEL_AVX512) ? &rnnamp_tk_avx512
                                                             : NULL;
#endif
#if defined(__aarch64__)
    case RNNAMP_TK_NEON: return &rnnamp_tk_neon;
#endif
    default: return NULL;
    }
}

rnnamp_tk_isa rnnamp_tk_isa_best(void)
{
    for (int k = RNNAMP_TK_N_ISA - 1; k > 0; k--)
        if (rnnamp_tk_ops_for((rnnamp_tk_isa)k))
            return (rnnamp_tk_isa)k;
    return RNNAMP_TK_SCALAR;
}

const rnnamp_tk_ops *rnnamp_tk_ops_best(void)
{
    return rnnamp_tk_ops_for(rnnamp_tk_isa_best());
}

const char *rnnamp_tk_isa_name(rnnamp_tk_isa isa)
{
    switch (isa) {
    case RNNAMP_TK_SCALAR: return "scalar";
    case RNNAMP_TK_SSE2: return "sse2";
    case RNNAMP_TK_AVX2: return "avx2+fma";
    case RNNAMP_TK_NEON: return "neon";
    case RNNAMP_TK_AVX512: return "avx512";
    default: return "?";
    }
}
