/* rnnamp: convolver kernels, portable C. */
#include "vec_scalar.h"
#define RNNAMP_FIR_NAME  rnnamp_fir_scalar
#define RNNAMP_CMAC_NAME rnnamp_cmac_scalar
#include "conv_kernel_body.h"
