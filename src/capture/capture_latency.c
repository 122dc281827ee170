/* rnnamp-capture: latency from impulse onsets. See capture_latency.h. */
#include "capture_latency.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

#define ONSET_FRACTION 1e-2
#define BASE_LEN       64 /* samples before the impulse for the baseline */
#define MAX_IMPULSES   64
#define MAX_WINDOW     8192

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int capture_measure_latency(const float *y, size_t n, const size_t *pos,
                            int n_imp, int max_latency, char *err,
                            size_t errlen)
{
    int onsets[MAX_IMPULSES];
    int n_on = 0;
    if (n_imp > MAX_IMPULSES)
        n_imp = MAX_IMPULSES;
    for (int k = 0; k < n_imp; k++) {
        size_t p = pos[k];
        if (p < BASE_LEN || p + (size_t)max_latency >= n)
            continue;
        /* Baseline: a straight line fitted to the samples before the
         * impulse (the previous impulse's tail may still be decaying),
         * extrapolated; pre = largest residual there (noise floor). */
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = -BASE_LEN; i < 0; i++) {
            double v = y[(ptrdiff_t)p + i];
            sx += i, sy += v, sxx += (double)i * i, sxy += i * v;
        }
        double slope = (BASE_LEN * sxy - sx * sy) / (BASE_LEN * sxx - sx * sx);
        double icpt = (sy - slope * sx) / BASE_LEN;
        double pre = 0.0;
        for (int i = -BASE_LEN; i < 0; i++)
            pre = fmax(pre, fabs(y[(ptrdiff_t)p + i] - (icpt + slope * i)));
        /* Deviation from the baseline, smoothed with a 4-tap binomial
         * (1 3 3 1)/8 that nulls the sample-rate/2 pre-ringing of
         * linear-phase oversampling filters, which is not latency. */
        double dev[MAX_WINDOW];
        int w = max_latency + 4 < MAX_WINDOW ? max_latency + 4 : MAX_WINDOW;
        double peak = 0.0;
        for (int j = 0; j < w && p + (size_t)j < n; j++) {
            double d = 0.0;
            static const double k4[4] = {1.0, 3.0, 3.0, 1.0};
            for (int t = 0; t < 4; t++) {
                ptrdiff_t q = (ptrdiff_t)j + t - 3;
                d += k4[t] * (y[(ptrdiff_t)p + q] - (icpt + slope * q));
            }
            dev[j] = fabs(d / 8.0);
            peak = fmax(peak, dev[j]);
        }
        if (peak < 1e-5 || peak < 100.0 * pre)
            continue; /* no clear response to this impulse */
        double thr = fmax(fmax(ONSET_FRACTION * peak, 20.0 * pre), 1e-7);
        for (int j = 0; j < w; j++)
            if (dev[j] >= thr) {
                /* The smoother responds up to 3 samples before the raw
                 * onset: take the first raw sample nearby that is as
                 * large as a step that would reach thr after smoothing. */
                int on = j;
                for (int k = j >= 3 ? j - 3 : 0; k <= j; k++) {
                    double r = fabs(y[p + (size_t)k] - (icpt + slope * k));
                    if (r >= 8.0 * thr) {
                        on = k;
                        break;
                    }
                }
                onsets[n_on++] = on;
                break;
            }
    }
    if (n_on < (n_imp + 1) / 2) {
        rnnamp_seterr(err, errlen,
                      "cannot measure latency: the target responds to only %d "
                      "of %d impulses within %d samples (is it silent, gated, "
                      "or a delay/reverb?)",
                      n_on, n_imp, max_latency);
        return -1;
    }
    qsort(onsets, (size_t)n_on, sizeof *onsets, cmp_int);
    return onsets[n_on / 2];
}

int capture_refine_latency(const float *x, const float *y, size_t start,
                           size_t end, int onset, int max_latency,
                           int *peak_lag)
{
    double best = 0.0, at_onset = 0.0;
    int best_lag = onset;
    int last = onset + 256 < max_latency ? onset + 256 : max_latency;
    for (int L = onset; L <= last; L++) {
        double c = 0.0;
        for (size_t t = start; t < end; t++)
            c += (double)x[t] * y[t + (size_t)L];
        if (L == onset)
            at_onset = fabs(c);
        if (fabs(c) > best) {
            best = fabs(c);
            best_lag = L;
        }
    }
    if (peak_lag)
        *peak_lag = best_lag;
    if (best <= 0.0 || at_onset >= 0.5 * best)
        return onset;
    return best_lag - 2 > onset ? best_lag - 2 : onset;
}
