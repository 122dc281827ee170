/* rnnamp: aarch64 NEON kernels (4 lanes with fused multiply-add; Raspberry
 * Pi 3/4/5, MOD Dwarf): recurrent stack and WaveNet. NEON is aarch64's
 * baseline: no flags, no check. */
#include "vec_neon.h"
#define RNNAMP_RUN_NAME rnnamp_run_neon
#include "kernel_body.h"
#define RNNAMP_WN_RUN_NAME rnnamp_wn_run_neon
#include "wavenet_body.h"
