/* rnnamp: convolver kernels, AVX2 + FMA; chosen only after
 * __builtin_cpu_supports("avx2") and ("fma"). */
#include "vec_avx2.h"
#define RNNAMP_FIR_NAME  rnnamp_fir_avx2
#define RNNAMP_CMAC_NAME rnnamp_cmac_avx2
#include "conv_kernel_body.h"
