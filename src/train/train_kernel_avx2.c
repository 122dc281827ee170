/* rnnamp trainer: AVX2 + FMA kernels, built with -mavx2 -mfma; reached only
 * through rnnamp_tk_ops_for() after the CPU check. */
#include "vec_avx2.h"
#define RNNAMP_TK_NAME rnnamp_tk_avx2
#include "train_kernel_body.h"
