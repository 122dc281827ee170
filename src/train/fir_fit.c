/* rnnamp trainer: least-squares FIR fit (see fir_fit.h). */
#include "fir_fit.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MAX_FIT_TAPS 65536
#define RIDGE        1e-9 /* times R[0][0], on the diagonal */

/* LAPACK (OpenBLAS): Cholesky solve of a symmetric positive definite
 * system; the last argument is Fortran's hidden length of uplo. */
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a,
            const int *lda, double *b, const int *ldb, int *info, size_t len);

struct rnnamp_fir_fit {
    int max_taps;
    int L;         /* FFT length */
    double *r, *p; /* autocorrelation, cross-correlation: max_taps each */
    double yy;     /* sum of y^2 */
    double *u, *v; /* L: input window; block / correlation */
    fftw_complex *U, *V;
    fftw_plan fu, fv, inv;
};

rnnamp_fir_fit *rnnamp_fir_fit_new(int max_taps)
{
    if (max_taps < 1 || max_taps > MAX_FIT_TAPS)
        return NULL;
    rnnamp_fir_fit *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->max_taps = max_taps;
    f->L = 1;
    while (f->L < 4 * max_taps || f->L < 65536)
        f->L <<= 1;
    const size_t L = (size_t)f->L, nc = L / 2 + 1;
    f->r = calloc((size_t)max_taps, sizeof *f->r);
    f->p = calloc((size_t)max_taps, sizeof *f->p);
    f->u = fftw_malloc(L * sizeof *f->u);
    f->v = fftw_malloc(L * sizeof *f->v);
    f->U = fftw_malloc(nc * sizeof *f->U);
    f->V = fftw_malloc(nc * sizeof *f->V);
    if (!f->r || !f->p || !f->u || !f->v || !f->U || !f->V) {
        rnnamp_fir_fit_free(f);
        return NULL;
    }
    f->fu = fftw_plan_dft_r2c_1d(f->L, f->u, f->U, FFTW_ESTIMATE);
    f->fv = fftw_plan_dft_r2c_1d(f->L, f->v, f->V, FFTW_ESTIMATE);
    f->inv = fftw_plan_dft_c2r_1d(f->L, f->V, f->v, FFTW_ESTIMATE);
    if (!f->fu || !f->fv || !f->inv) {
        rnnamp_fir_fit_free(f);
        return NULL;
    }
    return f;
}

void rnnamp_fir_fit_free(rnnamp_fir_fit *f)
{
    if (!f)
        return;
    if (f->fu)
        fftw_destroy_plan(f->fu);
    if (f->fv)
        fftw_destroy_plan(f->fv);
    if (f->inv)
        fftw_destroy_plan(f->inv);
    fftw_free(f->u);
    fftw_free(f->v);
    fftw_free(f->U);
    fftw_free(f->V);
    free(f->r);
    free(f->p);
    free(f);
}

/* acc[k] += sum_m w[m] x[m - k] for k < max_taps, where the block w (len
 * samples) sits at offset T - 1 of v and U is the spectrum of the input
 * window: V = FFT(v) * conj(U), then back. */
static void correlate(rnnamp_fir_fit *f, const float *w, size_t len,
                      double *acc)
{
    const size_t L = (size_t)f->L, T = (size_t)f->max_taps;
    memset(f->v, 0, L * sizeof *f->v);
    for (size_t i = 0; i < len; i++)
        f->v[T - 1 + i] = w[i];
    fftw_execute(f->fv);
    for (size_t b = 0; b <= L / 2; b++) {
        const double vr = f->V[b][0], vi = f->V[b][1];
        const double ur = f->U[b][0], ui = f->U[b][1];
        f->V[b][0] = vr * ur + vi * ui;
        f->V[b][1] = vi * ur - vr * ui;
    }
    fftw_execute(f->inv);
    for (size_t k = 0; k < T; k++)
        acc[k] += f->v[k] / (double)L;
}

int rnnamp_fir_fit_add(rnnamp_fir_fit *f, const float *x, const float *y,
                       size_t n)
{
    const size_t L = (size_t)f->L, T = (size_t)f->max_taps;
    const size_t B = L - 2 * T; /* new samples per block */
    for (size_t a = 0; a < n; a += B) {
        const size_t len = n - a < B ? n - a : B;
        /* u[i] = x[a - (T - 1) + i]: the block and the T - 1 before it */
        memset(f->u, 0, L * sizeof *f->u);
        for (size_t i = 0; i < len + T - 1; i++) {
            const long idx = (long)(a + i) - (long)(T - 1);
            if (idx >= 0 && (size_t)idx < n)
                f->u[i] = x[idx];
        }
        fftw_execute(f->fu);
        correlate(f, x + a, len, f->r);
        correlate(f, y + a, len, f->p);
        for (size_t i = 0; i < len; i++)
            f->yy += (double)y[a + i] * y[a + i];
    }
    return 0;
}

/* sum (y - h*x)^2 = yy - 2 h.p + h' R h, with R Toeplitz from r */
static double residual(const rnnamp_fir_fit *f, const double *h, int taps)
{
    double hp = 0.0, hrh = 0.0;
    for (int i = 0; i < taps; i++) {
        hp += h[i] * f->p[i];
        double ri = 0.0;
        for (int j = 0; j < taps; j++)
            ri += f->r[abs(i - j)] * h[j];
        hrh += h[i] * ri;
    }
    return f->yy - 2.0 * hp + hrh;
}

int rnnamp_fir_fit_solve(const rnnamp_fir_fit *f, int taps, float *h,
                         double *esr, char *err, size_t errlen)
{
    if (taps < 1 || taps > f->max_taps) {
        rnnamp_seterr(err, errlen, "FIR fit of %d taps: must be 1 to %d", taps,
                      f->max_taps);
        return -1;
    }
    if (!(f->r[0] > 0.0) || !(f->yy > 0.0)) {
        rnnamp_seterr(err, errlen,
                      "FIR fit: the input or the target is silent");
        return -1;
    }
    const size_t n = (size_t)taps;
    double *A = malloc(n * n * sizeof *A), *b = malloc(n * sizeof *b);
    if (!A || !b) {
        free(A);
        free(b);
        rnnamp_seterr(err, errlen, "FIR fit: out of memory (%d taps)", taps);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            A[i * n + j] = f->r[i > j ? i - j : j - i];
        A[i * n + i] += RIDGE * f->r[0];
        b[i] = f->p[i];
    }
    const int N = taps, one = 1;
    int info = 0;
    dposv_("L", &N, &one, A, &N, b, &N, &info, 1);
    free(A);
    if (info != 0) {
        free(b);
        rnnamp_seterr(err, errlen, "FIR fit: LAPACK dposv failed (info %d)",
                      info);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        h[i] = (float)b[i];
    if (esr)
        *esr = fmax(0.0, residual(f, b, taps)) / f->yy;
    free(b);
    return 0;
}
