/* rnnamp-capture: the standard capture signal. See capture_signal.h. */
#include "capture_signal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_eval.h"
#include "error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- deterministic random numbers (splitmix64) ------------------------ */

typedef struct {
    uint64_t s;
} sig_rng;

static uint64_t rng_u64(sig_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double rng_uni(sig_rng *r)
{
    return (double)(rng_u64(r) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static int rng_int(sig_rng *r, int lo, int hi)
{
    return lo + (int)(rng_u64(r) % (uint64_t)(hi - lo + 1));
}

/* ---- small filters ----------------------------------------------------- */

typedef struct {
    double b0, b1, b2, a1, a2, z1, z2;
} biquad;

/* RBJ cookbook low-pass. */
static void biquad_lowpass(biquad *q, double fc, double Q, int rate)
{
    double w = 2.0 * M_PI * fc / rate, cw = cos(w), al = sin(w) / (2.0 * Q);
    double a0 = 1.0 + al;
    q->b0 = (1.0 - cw) / 2.0 / a0;
    q->b1 = (1.0 - cw) / a0;
    q->b2 = q->b0;
    q->a1 = -2.0 * cw / a0;
    q->a2 = (1.0 - al) / a0;
    q->z1 = q->z2 = 0.0;
}

static double biquad_run(biquad *q, double x)
{
    double y = q->b0 * x + q->z1;
    q->z1 = q->b1 * x - q->a1 * y + q->z2;
    q->z2 = q->b2 * x - q->a2 * y;
    return y;
}

static void normalize_peak(float *x, size_t n, double peak_db)
{
    float pk = 0.0f;
    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) > pk)
            pk = fabsf(x[i]);
    if (pk <= 0.0f)
        return;
    float g = (float)(pow(10.0, peak_db / 20.0) / pk);
    for (size_t i = 0; i < n; i++)
        x[i] *= g;
}

/* Raised-cosine fade in and out over f samples. */
static void fade(float *x, size_t n, size_t f)
{
    if (2 * f > n)
        f = n / 2;
    for (size_t i = 0; i < f; i++) {
        float g = (float)(0.5 - 0.5 * cos(M_PI * (double)i / (double)f));
        x[i] *= g;
        x[n - 1 - i] *= g;
    }
}

/* ---- plucked-string guitar (extended Karplus-Strong) ------------------- */

typedef struct {
    double start, dur; /* seconds */
    int key;           /* MIDI key */
    double amp;        /* 0..1 */
    double dark;       /* 0 (bright pick) .. 1 (soft, dark) */
    double t60;        /* ring time while held, seconds */
} pluck;

/* Add one plucked string to out (n samples). */
/* Where the string is picked: 8-25 % of its length, in samples of the
 * period M. */
static int pick_position(int M, sig_rng *r)
{
    return 1 + (int)((0.08 + 0.17 * (rng_uni(r) * 0.5 + 0.5)) * M);
}

/* Version 1 excitation: one period of low-passed noise with a
 * pick-position comb: a flat harmonic spectrum, much brighter than a real
 * string (its DI is strongest at 1-3 kHz). */
static void noise_burst(double *e, int M, double dark, sig_rng *r)
{
    double lp = 0.0, a = 0.35 + 0.6 * dark;
    for (int i = 0; i < M; i++) {
        lp = (1.0 - a) * rng_uni(r) + a * lp;
        e[i] = lp;
    }
    int pick = pick_position(M, r);
    for (int i = M - 1; i >= pick; i--)
        e[i] -= e[i - pick];
}

/* Version 2 excitation: the string's displacement when the pick lets go, a
 * triangle peaking at the pick position (harmonics fall as 1/k^2, with the
 * pick-position notches), softened by the pick (a one-pole low-pass, darker
 * for softer picking) and with a little noise. The magnetic pickup's
 * velocity response (the first difference in pluck_render) makes it 1/k,
 * as measured on real DI. */
static void pluck_shape(double *e, int M, double dark, sig_rng *r)
{
    int pick = pick_position(M, r);
    double lp = 0.0, a = 0.5 + 0.45 * dark, noise = 0.02 * (1.0 - dark);
    for (int i = 0; i < M; i++) {
        double tri =
            i < pick ? (double)i / pick : (double)(M - i) / (double)(M - pick);
        lp = (1.0 - a) * (tri + noise * rng_uni(r)) + a * lp;
        e[i] = lp;
    }
}

static void pluck_render(const pluck *p, float *out, size_t n, int rate,
                         int version, sig_rng *r)
{
    double f = 440.0 * pow(2.0, (p->key - 69) / 12.0);
    double period = rate / f - 0.5; /* the averaging loop filter adds 0.5 */
    int M = (int)period;
    double fr = period - M;
    if (M < 4)
        return;
    size_t s0 = (size_t)(p->start * rate);
    size_t held = (size_t)(p->dur * rate);
    size_t len = held + (size_t)(0.15 * rate);
    if (s0 >= n)
        return;
    if (s0 + len > n)
        len = n - s0;
    int L = M + 2;
    double *y = calloc((size_t)L, sizeof *y);
    double *e = calloc((size_t)M, sizeof *e);
    if (!y || !e) {
        free(y);
        free(e);
        return;
    }
    double mean = 0.0;
    if (version >= 2)
        pluck_shape(e, M, p->dark, r);
    else
        noise_burst(e, M, p->dark, r);
    for (int i = 0; i < M; i++)
        mean += e[i];
    mean /= M;
    double g_hold = pow(10.0, -3.0 / (f * p->t60));
    double g_damp = pow(10.0, -3.0 / (f * 0.05));
    double vprev = 0.0, yprev = 0.0;
    double vel_gain = 1.0 / (2.0 * sin(M_PI * f / rate));
    int w = 0; /* write index; y[w - k] is k samples ago */
    for (size_t i = 0; i < len; i++) {
        int i1 = (w - M + 2 * L) % L, i2 = (w - M - 1 + 2 * L) % L;
        double v = (1.0 - fr) * y[i1] + fr * y[i2];
        double g = i < held ? g_hold : g_damp;
        double ex = i < (size_t)M ? (e[i] - mean) * p->amp : 0.0;
        double yn = ex + g * 0.5 * (v + vprev);
        vprev = v;
        y[w] = yn;
        w = (w + 1) % L;
        /* Version 2: a velocity pickup (first difference, scaled so that
         * the fundamental keeps about its level). */
        out[s0 + i] += (float)(version >= 2 ? (yn - yprev) * vel_gain : yn);
        yprev = yn;
    }
    free(y);
    free(e);
}

/* Open-position and barre chord shapes, as MIDI keys low to high (-1: string
 * not played). */
const int capture_chord_shapes[CAPTURE_N_CHORD_SHAPES][6] = {
    {40, 47, 52, 56, 59, 64}, /* E  */
    {45, 52, 57, 61, 64, -1}, /* A  */
    {50, 57, 62, 66, -1, -1}, /* D  */
    {43, 47, 50, 55, 59, 67}, /* G  */
    {48, 52, 55, 60, 64, -1}, /* C  */
    {45, 52, 57, 60, 64, -1}, /* Am */
    {40, 47, 52, 55, 59, 64}, /* Em */
    {41, 48, 53, 57, 60, 65}, /* F  */
    {47, 54, 59, 62, 66, -1}, /* Bm */
};
#define N_SHAPES CAPTURE_N_CHORD_SHAPES

typedef struct {
    pluck *p;
    size_t n, cap;
} pluck_list;

static int add_pluck(pluck_list *l, double start, double dur, int key,
                     double vel, double t60)
{
    if (key < 28 || key > 96)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        pluck *np = realloc(l->p, cap * sizeof *np);
        if (!np)
            return -1;
        l->p = np;
        l->cap = cap;
    }
    if (vel < 0.05)
        vel = 0.05;
    if (vel > 1.0)
        vel = 1.0;
    l->p[l->n++] = (pluck){start, dur, key, vel * vel, 1.0 - vel, t60};
    return 0;
}

/* Version 2's fifth kind of playing: a riff on the low strings (E2 to
 * E3), single notes and power chords, palm-muted or let ring; this is where
 * real DI has most of its energy (100-300 Hz). Returns the time after it. */
static double low_riff(pluck_list *l, double t, sig_rng *r, int *fail)
{
    int root = 40 + rng_int(r, 0, 5), n = rng_int(r, 8, 20);
    double grid = 0.125 + 0.0625 * rng_int(r, 0, 3);
    for (int i = 0; i < n; i++) {
        static const int riff[8] = {0, 0, 3, 5, 0, 7, 5, 10};
        int key = root + riff[rng_int(r, 0, 7)];
        int muted = rng_int(r, 0, 2) != 0, chord = rng_int(r, 0, 3) == 0;
        double vel = 0.35 + 0.65 * (rng_uni(r) * 0.5 + 0.5);
        double dur = muted ? grid * 0.7 : grid * rng_int(r, 1, 3);
        double t60 = muted ? 0.15 : 2.0;
        *fail |= add_pluck(l, t, dur, key, vel, t60);
        if (chord)
            *fail |= add_pluck(l, t + 0.005, dur, key + 7, vel - 0.05, t60);
        t += muted ? grid : dur;
    }
    return t;
}

/* Write the note list for seconds of playing (version: see
 * capture_guitar_render). */
static int compose(pluck_list *l, double seconds, int version, sig_rng *r)
{
    static const int penta[5] = {0, 3, 5, 7, 10};
    double t = 0.05;
    int fail = 0, last = -1;
    while (t < seconds - 1.0 && !fail) {
        int kind;
        do
            kind = rng_int(r, 0, version >= 2 ? 5 : 3);
        while (kind == last);
        last = kind;
        if (kind >= 4) { /* version 2: a third of the phrases */
            t = low_riff(l, t, r, &fail);
        } else if (kind == 0) { /* strummed chords */
            const int *c = capture_chord_shapes[rng_int(r, 0, N_SHAPES - 1)];
            double base = 0.3 + 0.6 * (rng_uni(r) * 0.5 + 0.5);
            for (int k = 0; k < 4; k++) {
                double dur = 0.25 * rng_int(r, 1, 4);
                double spread = 0.006 + 0.003 * rng_int(r, 0, 4);
                int down = !(k & 1);
                for (int i = 0; i < 6; i++) {
                    int idx = down ? i : 5 - i;
                    if (c[idx] >= 0)
                        fail |=
                            add_pluck(l, t + spread * i, dur, c[idx],
                                      base + 0.1 * rng_uni(r) - 0.03 * i, 2.5);
                }
                t += dur;
            }
        } else if (kind == 1) { /* single-note line */
            int root = 40 + rng_int(r, 0, 12), step = rng_int(r, 0, 14);
            int n = rng_int(r, 8, 20);
            for (int i = 0; i < n; i++) {
                step += rng_int(r, -2, 2);
                step = step < 0 ? 1 : step > 18 ? 17 : step;
                int key = root + 12 * (step / 5) + penta[step % 5];
                double dur = 0.08 + 0.06 * rng_int(r, 0, 6);
                fail |= add_pluck(l, t, dur * 0.9, key,
                                  0.25 + 0.75 * (rng_uni(r) * 0.5 + 0.5), 1.5);
                t += dur;
            }
        } else if (kind == 2) { /* palm-muted chugs */
            int root = 40 + rng_int(r, 0, 7), n = rng_int(r, 8, 24);
            double grid = 0.125 + 0.0625 * rng_int(r, 0, 2);
            for (int i = 0; i < n; i++) {
                int open = rng_int(r, 0, 4) == 0;
                double vel = 0.4 + 0.6 * (rng_uni(r) * 0.5 + 0.5);
                double dur = open ? 2 * grid : grid * 0.6;
                double t60 = open ? 1.5 : 0.12;
                fail |= add_pluck(l, t, dur, root, vel, t60);
                fail |= add_pluck(l, t + 0.004, dur, root + 7, vel - 0.05, t60);
                if (rng_int(r, 0, 1))
                    fail |=
                        add_pluck(l, t + 0.008, dur, root + 12, vel - 0.1, t60);
                t += grid;
            }
        } else { /* a chord or a note left to ring, soft or loud */
            const int *c = capture_chord_shapes[rng_int(r, 0, N_SHAPES - 1)];
            double vel = rng_int(r, 0, 1) ? 0.2 + 0.2 * (rng_uni(r) + 1)
                                          : 0.85 + 0.07 * (rng_uni(r) + 1);
            double dur = 2.0 + 0.5 * rng_int(r, 0, 3);
            if (rng_int(r, 0, 1)) {
                for (int i = 0; i < 6; i++)
                    if (c[i] >= 0)
                        fail |=
                            add_pluck(l, t + 0.012 * i, dur, c[i], vel, 4.0);
            } else {
                fail |= add_pluck(l, t, dur, c[0] + 12, vel, 4.0);
            }
            t += dur + 0.2;
        }
        t += 0.05 * rng_int(r, 0, 4);
    }
    return fail ? -1 : 0;
}

float *capture_guitar_render(int rate, double seconds, unsigned seed,
                             double peak_db, int version, size_t *n)
{
    *n = (size_t)(seconds * rate);
    float *x = calloc(*n ? *n : 1, sizeof *x);
    pluck_list l = {0};
    sig_rng r = {0x5EED0000ULL + seed};
    if (!x || compose(&l, seconds, version, &r)) {
        free(x);
        free(l.p);
        return NULL;
    }
    for (size_t i = 0; i < l.n; i++)
        pluck_render(&l.p[i], x, *n, rate, version, &r);
    free(l.p);
    /* Pickup: resonant low-pass (version 1: 2.8 kHz, Q 1.3; version 2: a
     * pickup and cable picked per seed, 2.2-5 kHz, Q 0.8-2.5), kept below
     * Nyquist, and a DC blocker (one-pole high-pass near 20 Hz). */
    biquad pu, cable;
    double fc = 2800.0, Q = 1.3;
    if (version >= 2) {
        fc = 1400.0 + 1400.0 * (rng_uni(&r) * 0.5 + 0.5);
        Q = 0.7 + 0.9 * (rng_uni(&r) * 0.5 + 0.5);
    }
    fc = fc < 0.4 * rate ? fc : 0.4 * rate;
    biquad_lowpass(&pu, fc, Q, rate);
    /* Version 2: the string's faster loss of high partials and the
     * cable, a second low-pass an octave above (kept below Nyquist). */
    double fc2 = 1.5 * fc < 0.45 * rate ? 1.5 * fc : 0.45 * rate;
    biquad_lowpass(&cable, fc2, 0.7071, rate);
    double hp_x = 0.0, hp_y = 0.0, R = 1.0 - 2.0 * M_PI * 20.0 / rate;
    for (size_t i = 0; i < *n; i++) {
        double v = biquad_run(&pu, x[i]);
        if (version >= 2)
            v = biquad_run(&cable, v);
        hp_y = v - hp_x + R * hp_y;
        hp_x = v;
        x[i] = (float)hp_y;
    }
    fade(x, *n, (size_t)(0.005 * rate));
    normalize_peak(x, *n, peak_db);
    return x;
}

/* ---- test signals ------------------------------------------------------ */

/* Exponential sine sweep f1..f2 over n samples, peak amp. */
static void sweep(float *x, size_t n, int rate, double f1, double f2,
                  double amp)
{
    double T = (double)n / rate, k = log(f2 / f1);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        x[i] = (float)(amp *
                       sin(2.0 * M_PI * f1 * T / k * (exp(t / T * k) - 1.0)));
    }
    fade(x, n, (size_t)(0.02 * rate));
}

/* Pink noise by the Voss-McCartney method: 16 random rows, row k updated
 * every 2^k samples, plus a white row. */
static void pink(float *x, size_t n, sig_rng *r)
{
    double rows[16] = {0}, sum = 0.0;
    for (int k = 0; k < 16; k++) {
        rows[k] = rng_uni(r);
        sum += rows[k];
    }
    for (size_t i = 0; i < n; i++) {
        size_t c = i + 1;
        int k = 0;
        while (!(c & 1) && k < 15) {
            c >>= 1;
            k++;
        }
        sum -= rows[k];
        rows[k] = rng_uni(r);
        sum += rows[k];
        x[i] = (float)(sum + rng_uni(r));
    }
}

static void white_lp(float *x, size_t n, int rate, sig_rng *r)
{
    biquad q;
    biquad_lowpass(&q, 8000.0 < 0.4 * rate ? 8000.0 : 0.4 * rate, 0.707, rate);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)biquad_run(&q, rng_uni(r));
}

/* Peak limiter to ceiling c: the gain min(1, c / |x|), held with a
 * release of about 60 ms and ramped down over about 2 ms ahead of each
 * peak (a backward pass), so |x| <= c after it without clicks. Returns -1
 * when out of memory. */
static int limit_peaks(float *x, size_t n, int rate, double c)
{
    float *g = malloc((n ? n : 1) * sizeof *g);
    if (!g)
        return -1;
    double rel = 1.0 - exp(-1.0 / (0.060 * rate));
    double att = 1.0 - exp(-1.0 / (0.002 * rate));
    double v = 1.0;
    for (size_t i = 0; i < n; i++) {
        double want = fabs(x[i]) > c ? c / fabs(x[i]) : 1.0;
        v += (1.0 - v) * rel;
        v = fmin(v, want);
        g[i] = (float)v;
    }
    v = 1.0;
    for (size_t i = n; i-- > 0;) {
        v += (1.0 - v) * att;
        v = fmin(v, g[i]);
        x[i] *= (float)v;
    }
    free(g);
    return 0;
}

/* Raise x to RMS rms with peaks at most peak_db dBFS: scaled up, its
 * attacks limited (limit_peaks), a few times over since the limiter lowers
 * the RMS. The synthetic guitar's crest factor (about 26 dB) becomes that
 * of hot, hard-played DI (19-22 dB, as the shared real DI clips). */
static int hot_level(float *x, size_t n, int rate, double rms, double peak_db,
                     int version)
{
    double c = pow(10.0, peak_db / 20.0);
    /* version 1 stopped after 4 rounds; version 2's guitar, with more
     * sustained low notes, needs more to reach the RMS within 0.2 %. */
    for (int it = 0; it < (version >= 2 ? 12 : 4); it++) {
        double e = 0.0;
        for (size_t i = 0; i < n; i++)
            e += (double)x[i] * x[i];
        if (e <= 0.0)
            return 0;
        float k = (float)(rms / sqrt(e / (double)n));
        for (size_t i = 0; i < n; i++)
            x[i] *= k;
        if (limit_peaks(x, n, rate, c))
            return -1;
    }
    return 0;
}

/* Render seconds of guitar (seed, peak_db; hot_rms > 0: raised to that RMS
 * with peaks at most peak_db, see hot_level) into s->x at *p (at most up
 * to n) and advance *p. On failure frees s and returns -1 with a
 * message. */
static int put_guitar(capture_signal *s, size_t *p, size_t n, double seconds,
                      unsigned seed, double peak_db, double hot_rms, char *err,
                      size_t errlen)
{
    size_t m;
    float *g =
        capture_guitar_render(s->rate, seconds, seed, peak_db, s->version, &m);
    if (g && hot_rms > 0.0 &&
        hot_level(g, m, s->rate, hot_rms, peak_db, s->version)) {
        free(g);
        g = NULL;
    }
    if (!g) {
        capture_signal_free(s);
        rnnamp_seterr(err, errlen, "out of memory for the capture signal");
        return -1;
    }
    if (*p + m > n)
        m = n - *p;
    memcpy(s->x + *p, g, m * sizeof *g);
    free(g);
    *p += m;
    return 0;
}

int capture_signal_make(capture_signal *s, int rate, double guitar_seconds,
                        int version, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (version < 1 || version > CAPTURE_SIGNAL_VERSION) {
        rnnamp_seterr(err, errlen,
                      "capture signal version %d: this rnnamp makes versions "
                      "1 to %d",
                      version, CAPTURE_SIGNAL_VERSION);
        return -1;
    }
    if (rate < 8000 || rate > 384000) {
        rnnamp_seterr(err, errlen, "--rate %d: must be 8000 to 384000 Hz",
                      rate);
        return -1;
    }
    if (!(guitar_seconds >= 5.0 && guitar_seconds <= 600.0)) {
        rnnamp_seterr(err, errlen,
                      "guitar length %g s: must be 5 to 600 seconds",
                      guitar_seconds);
        return -1;
    }
    const size_t R = (size_t)rate;
    const double test_seconds = 10.0;
    const size_t n_sweep = 3 * R, gap = (size_t)(0.3 * R);
    const size_t n_pink = (size_t)(1.5 * R), n_white = R;
    size_t n = R / 2 + CAPTURE_N_IMPULSES * (R / 4) + R / 2 +
               3 * (n_sweep + gap) + 3 * (n_pink + n_white + 2 * gap) +
               (size_t)(guitar_seconds * R) + 16 + R / 2 +
               (size_t)(test_seconds * R) + R / 4 + 16;
    s->x = calloc(n, sizeof *s->x);
    if (!s->x) {
        rnnamp_seterr(err, errlen, "out of memory for the capture signal");
        return -1;
    }
    s->rate = rate;
    s->version = version;
    size_t p = R / 2;
    s->impulse_spacing = R / 4;
    for (int i = 0; i < CAPTURE_N_IMPULSES; i++) {
        s->impulse_pos[i] = p;
        s->x[p] = 0.5f;
        p += R / 4;
    }
    p += R / 2;
    s->train_start = p;
    static const double sweep_db[3] = {-40.0, -26.0, -14.0};
    for (int i = 0; i < 3; i++) {
        sweep(s->x + p, n_sweep, rate, 20.0, 0.45 * rate,
              pow(10.0, sweep_db[i] / 20.0));
        p += n_sweep + gap;
    }
    s->noise_start = p;
    sig_rng r = {0xC0FFEEULL};
    static const double noise_db[3] = {-36.0, -24.0, -12.0};
    for (int i = 0; i < 3; i++) {
        pink(s->x + p, n_pink, &r);
        fade(s->x + p, n_pink, R / 100);
        normalize_peak(s->x + p, n_pink, noise_db[i]);
        p += n_pink + gap;
        white_lp(s->x + p, n_white, rate, &r);
        fade(s->x + p, n_white, R / 100);
        normalize_peak(s->x + p, n_white, noise_db[i] - 4.0);
        p += n_white + gap;
    }
    /* Training guitar in sections of about 7.5 s at different levels: peak
     * dBFS, and for the two hot sections the RMS they are raised to. */
    s->guitar_start = p;
    static const double level_db[8] = {-10.0, -3.0,  -16.0, -6.0,
                                       -1.0,  -12.0, -20.0, -4.0};
    static const double hot_rms[8] = {0, CAPTURE_HOT_RMS, 0, 0, 0.1, 0, 0, 0};
    int n_sec = (int)ceil(guitar_seconds / 7.5);
    double sec_len = guitar_seconds / n_sec;
    for (int i = 0; i < n_sec; i++) {
        if (put_guitar(s, &p, n, sec_len, 100u + (unsigned)i, level_db[i % 8],
                       hot_rms[i % 8], err, errlen))
            return -1;
    }
    s->train_end = p;
    p += R / 2;
    s->test_start = p;
    if (put_guitar(s, &p, n, test_seconds, 7u, -10.0, 0.0, err, errlen))
        return -1;
    s->test_end = p;
    s->n = s->test_end + R / 4;
    return 0;
}

void capture_signal_free(capture_signal *s)
{
    free(s->x);
    memset(s, 0, sizeof *s);
}

int capture_input_make(capture_input *in, const capture_signal *s,
                       const char *const *files, int n_files, int rate,
                       char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    if (n_files < 0 || n_files > CAPTURE_MAX_DI) {
        rnnamp_seterr(err, errlen, "at most %d --di files", CAPTURE_MAX_DI);
        return -1;
    }
    float *di[CAPTURE_MAX_DI] = {0};
    size_t n = s->n;
    int rc = 0;
    for (int i = 0; i < n_files && !rc; i++) {
        di[i] =
            capture_read_mono_at(files[i], rate, &in->di_len[i], err, errlen);
        rc = di[i] ? 0 : -1;
        n += (size_t)rate / 2 + in->di_len[i];
    }
    in->x = rc ? NULL : calloc(n, sizeof *in->x);
    if (in->x) {
        memcpy(in->x, s->x, s->n * sizeof *in->x);
        size_t p = s->n;
        for (int i = 0; i < n_files; i++) {
            p += (size_t)rate / 2;
            memcpy(in->x + p, di[i], in->di_len[i] * sizeof *in->x);
            in->di_start[i] = p;
            p += in->di_len[i];
        }
        in->n = n;
        in->n_di = n_files;
    } else if (!rc) {
        rnnamp_seterr(err, errlen, "out of memory");
        rc = -1;
    }
    for (int i = 0; i < n_files; i++)
        free(di[i]);
    return rc;
}

void capture_input_free(capture_input *in)
{
    free(in->x);
    memset(in, 0, sizeof *in);
}
