/* rnnamp: convolver kernels, SSE2 (x86-64 baseline). */
#include "vec_sse2.h"
#define RNNAMP_FIR_NAME  rnnamp_fir_sse2
#define RNNAMP_CMAC_NAME rnnamp_cmac_sse2
#include "conv_kernel_body.h"
