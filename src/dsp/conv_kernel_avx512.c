/* rnnamp: convolver kernels, AVX-512 (F, VL, DQ, BW); chosen only when
 * rnnamp_kernel_supported(RNNAMP_KERNEL_AVX512). */
#include "vec_avx512.h"
#define RNNAMP_FIR_NAME  rnnamp_fir_avx512
#define RNNAMP_CMAC_NAME rnnamp_cmac_avx512
#include "conv_kernel_body.h"
