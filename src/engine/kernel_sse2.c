/* rnnamp: SSE2 kernel (x86-64 baseline). */
#include "vec_sse2.h"
#define RNNAMP_RUN_NAME rnnamp_run_sse2
#include "kernel_body.h"
