/* rnnamp trainer: portable C kernels (any CPU). */
#include "vec_scalar.h"
#define RNNAMP_TK_NAME rnnamp_tk_scalar
#include "train_kernel_body.h"
