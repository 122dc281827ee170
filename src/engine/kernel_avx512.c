/* rnnamp: AVX-512 kernels (F, VL, DQ, BW; 16 lanes, 32 registers):
 * recurrent stack and WaveNet. Built with -mavx512f -mavx512vl -mavx512dq
 * -mavx512bw -mavx2 -mfma; engine.c selects them only when
 * rnnamp_kernel_supported(RNNAMP_KERNEL_AVX512). */
#include "vec_avx512.h"
/* 32 registers: the gate update of up to 32 units stays in the loop */
#define KB_INLINE_MAX   32
#define RNNAMP_RUN_NAME rnnamp_run_avx512
#include "kernel_body.h"
#define RNNAMP_WN_RUN_NAME rnnamp_wn_run_avx512
#include "wavenet_body.h"
