/* rnnamp trainer: FIR stages of hybrid models. See train_fir.h. */
#include "train_fir.h"

#include <cblas.h>
#include <string.h>

void rnnamp_fir_forward(const float *h, int P, const float *xe, float *y, int T,
                        int b)
{
    int n = T * b;
    memset(y, 0, (size_t)n * sizeof(float));
    for (int j = 0; j < P; j++)
        if (h[j] != 0.0f)
            cblas_saxpy(n, h[j], xe - (ptrdiff_t)j * b, 1, y, 1);
}

void rnnamp_fir_backward(const float *h, int P, const float *xe,
                         const float *dy, int T, int b, float *dh, float *dx)
{
    int n = T * b;
    for (int j = 0; j < P; j++)
        dh[j] += cblas_sdot(n, dy, 1, xe - (ptrdiff_t)j * b, 1);
    if (!dx)
        return;
    memset(dx, 0, (size_t)n * sizeof(float));
    for (int j = 0; j < P && j < T; j++)
        cblas_saxpy(n - j * b, h[j], dy + (size_t)j * b, 1, dx, 1);
}

void rnnamp_fir_carry(float *base, int P, int T, int b)
{
    if (P > 1)
        memmove(base, base + (size_t)T * b,
                (size_t)(P - 1) * b * sizeof(float));
}
