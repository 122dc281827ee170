/* rnnamp: convolver kernels, aarch64 NEON (baseline there). */
#include "vec_neon.h"
#define RNNAMP_FIR_NAME  rnnamp_fir_neon
#define RNNAMP_CMAC_NAME rnnamp_cmac_neon
#include "conv_kernel_body.h"
