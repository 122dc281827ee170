/* rnnamp trainer: AVX-512 kernels (F, VL, DQ, BW; 16 lanes), built with
 * -mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma; reached only
 * through rnnamp_tk_ops_for() after the CPU and OS check (cpu.h), and never
 * under valgrind. */
#include "vec_avx512.h"
#define RNNAMP_TK_NAME rnnamp_tk_avx512
#include "train_kernel_body.h"
