/* rnnamp: run-time choice of the convolver kernels (see conv_kernel.h). */
#include "conv_kernel.h"

int rnnamp_conv_kernels_get(rnnamp_kernel k, rnnamp_conv_kernels *out)
{
    if (k == RNNAMP_KERNEL_AUTO)
        k = rnnamp_kernel_best();
    if (!rnnamp_kernel_supported(k))
        return -1;
    switch (k) {
    case RNNAMP_KERNEL_SCALAR:
        *out = (rnnamp_conv_kernels){rnnamp_fir_scalar, rnnamp_cmac_scalar};
        return 0;
#if defined(__x86_64__) || defined(_M_X64)
    case RNNAMP_KERNEL_SSE2:
        *out = (rnnamp_conv_kernels){rnnamp_fir_sse2, rnnamp_cmac_sse2};
        return 0;
    case RNNAMP_KERNEL_AVX2:
        *out = (rnnamp_conv_kernels){rnnamp_fir_avx2, rnnamp_cmac_avx2};
        return 0;
    case RNNAMP_KERNEL_AVX512:
        *out = (rnnamp_conv_kernels){rnnamp_fir_avx512, rnnamp_cmac_avx512};
        return 0;
#endif
#if defined(__aarch64__)
    case RNNAMP_KERNEL_NEON:
        *out = (rnnamp_conv_kernels){rnnamp_fir_neon, rnnamp_cmac_neon};
        return 0;
#endif
    default: return -1;
    }
}
