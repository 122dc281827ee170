/* rnnamp: SSE2 kernels (x86-64 baseline): recurrent stack and WaveNet. */
#include "vec_sse2.h"
#define RNNAMP_RUN_NAME rnnamp_run_sse2
#include "kernel_body.h"
#define RNNAMP_WN_RUN_NAME rnnamp_wn_run_sse2
#include "wavenet_body.h"
