/* rnnamp: portable C kernel (any CPU, e.g. aarch64 Raspberry Pi / MOD). */
#include "vec_scalar.h"
#define RNNAMP_RUN_NAME rnnamp_run_scalar
#include "kernel_body.h"
