/* rnnamp: AVX2 + FMA kernels (recurrent stack and WaveNet). Built with
 * -mavx2 -mfma; engine.c selects them only after __builtin_cpu_supports
 * ("avx2") and ("fma"). */
#include "vec_avx2.h"
#define RNNAMP_RUN_NAME rnnamp_run_avx2
#include "kernel_body.h"
#define RNNAMP_WN_RUN_NAME rnnamp_wn_run_avx2
#include "wavenet_body.h"
