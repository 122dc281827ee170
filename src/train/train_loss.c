/* rnnamp trainer: ESR + DC loss with pre-filter. See train_loss.h. */
#include "train_loss.h"

#include <math.h>
#include <string.h>

#define AW_TAPS  101
#define LOSS_EPS 1e-10

/* Impulse response of one first-order section b0 + b1 z^-1 over
 * a0 + a1 z^-1, applied in place to x[n]. */
static void first_order(double *x, int n, double b0, double b1, double a0,
                        double a1)
{
    double xp = 0.0, yp = 0.0;
    for (int i = 0; i < n; i++) {
        double y = (b0 * x[i] + b1 * xp - a1 * yp) / a0;
        xp = x[i];
        yp = y;
        x[i] = y;
    }
}

/* A-weighting (IEC 61672 analog poles) by the bilinear transform, as an
 * FIR of AW_TAPS taps, unity gain at 1 kHz. */
static void a_weighting_fir(double rate, double *h)
{
    const double f[4] = {20.598997, 107.65265, 737.86223, 12194.217};
    double w[6] = {f[0], f[0], f[1], f[2], f[3], f[3]};
    double K = 2.0 * rate;
    for (int i = 0; i < 6; i++)
        w[i] *= 2.0 * M_PI;
    memset(h, 0, AW_TAPS * sizeof *h);
    h[0] = 1.0;
    /* four zeros at s = 0, each paired with a pole: s / (s + w) */
    for (int i = 0; i < 4; i++)
        first_order(h, AW_TAPS, K, -K, K + w[i], w[i] - K);
    /* two remaining poles: 1 / (s + w) */
    for (int i = 4; i < 6; i++)
        first_order(h, AW_TAPS, 1.0, 1.0, K + w[i], w[i] - K);
    double re = 0.0, im = 0.0;
    for (int k = 0; k < AW_TAPS; k++) {
        re += h[k] * cos(2.0 * M_PI * 1000.0 * k / rate);
        im -= h[k] * sin(2.0 * M_PI * 1000.0 * k / rate);
    }
    double g = sqrt(re * re + im * im);
    for (int k = 0; k < AW_TAPS; k++)
        h[k] /= g > 0.0 ? g : 1.0;
}

void rnnamp_loss_init(rnnamp_loss *l, double pre_emph, int a_weighting,
                      double rate, double dc_weight)
{
    memset(l, 0, sizeof *l);
    l->dc_weight = dc_weight;
    double pe[2] = {1.0, -pre_emph};
    int npe = pre_emph != 0.0 ? 2 : 1;
    if (!a_weighting || rate <= 0.0) {
        l->n_taps = npe;
        for (int k = 0; k < npe; k++)
            l->h[k] = (float)pe[k];
        return;
    }
    double aw[AW_TAPS];
    a_weighting_fir(rate, aw);
    l->n_taps = AW_TAPS + npe - 1;
    for (int k = 0; k < l->n_taps; k++) {
        double s = 0.0;
        for (int j = 0; j < npe; j++)
            if (k - j >= 0 && k - j < AW_TAPS)
                s += pe[j] * aw[k - j];
        l->h[k] = (float)s;
    }
}

/* Filtered value of column s of x at step t (t >= n_taps - 1). */
static inline double filt(const rnnamp_loss *l, const float *x, int t, int b,
                          int s)
{
    double v = 0.0;
    for (int k = 0; k < l->n_taps; k++)
        v += (double)l->h[k] * x[(size_t)(t - k) * b + s];
    return v;
}

void rnnamp_loss_norm_add(const rnnamp_loss *l, const float *t, int T, int b,
                          rnnamp_loss_norm *n)
{
    for (int s = 0; s < b; s++) {
        for (int i = 0; i < T; i++) {
            double v = t[(size_t)i * b + s];
            n->e_raw += v * v;
            if (i >= l->n_taps - 1) {
                double f = filt(l, t, i, b, s);
                n->e_filt += f * f;
            }
        }
    }
    n->n_seq += b;
    n->T = T;
}

double rnnamp_loss_eval(const rnnamp_loss *l, const rnnamp_loss_norm *n,
                        const float *y, const float *t, int T, int b, float *dy)
{
    double ef = n->e_filt + LOSS_EPS, er = n->e_raw + LOSS_EPS;
    double loss = 0.0;
    int k0 = l->n_taps - 1;
    if (dy)
        memset(dy, 0, (size_t)T * b * sizeof(float));
    for (int s = 0; s < b; s++) {
        /* ESR part: e_f[i] = sum_k h[k] e[i - k] for i >= k0 */
        for (int i = k0; i < T; i++) {
            double e = 0.0;
            for (int k = 0; k < l->n_taps; k++) {
                size_t idx = (size_t)(i - k) * b + s;
                e += (double)l->h[k] * ((double)y[idx] - t[idx]);
            }
            loss += e * e / ef;
            if (dy) {
                double g = 2.0 * e / ef;
                for (int k = 0; k < l->n_taps; k++)
                    dy[(size_t)(i - k) * b + s] += (float)(g * l->h[k]);
            }
        }
        /* DC part: T * mean_e^2 / e_raw (see header) */
        if (l->dc_weight != 0.0) {
            double m = 0.0;
            for (int i = 0; i < T; i++) {
                size_t idx = (size_t)i * b + s;
                m += (double)y[idx] - t[idx];
            }
            m /= T;
            loss += l->dc_weight * T * m * m / er;
            if (dy) {
                float g = (float)(l->dc_weight * 2.0 * m / er);
                for (int i = 0; i < T; i++)
                    dy[(size_t)i * b + s] += g;
            }
        }
    }
    return loss;
}
