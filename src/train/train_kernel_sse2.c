/* rnnamp trainer: SSE2 kernels (x86-64 baseline), built with -msse2. */
#include "vec_sse2.h"
#define RNNAMP_TK_NAME rnnamp_tk_sse2
#include "train_kernel_body.h"
