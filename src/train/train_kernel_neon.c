/* rnnamp trainer: aarch64 NEON kernels (baseline there: no flags, no
 * check). */
#include "vec_neon.h"
#define RNNAMP_TK_NAME rnnamp_tk_neon
#include "train_kernel_body.h"
