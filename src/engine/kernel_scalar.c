/* rnnamp: portable C kernels (any CPU, e.g. aarch64 Raspberry Pi / MOD):
 * recurrent stack and WaveNet. */
#include "vec_scalar.h"
#define RNNAMP_RUN_NAME rnnamp_run_scalar
#include "kernel_body.h"
#define RNNAMP_WN_RUN_NAME rnnamp_wn_run_scalar
#include "wavenet_body.h"
