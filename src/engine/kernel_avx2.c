/* rnnamp: AVX2 + FMA kernel. Built with -mavx2 -mfma; engine.c selects it
 * only after __builtin_cpu_supports("avx2") and ("fma"). */
#include "vec_avx2.h"
#define RNNAMP_RUN_NAME rnnamp_run_avx2
#include "kernel_body.h"
