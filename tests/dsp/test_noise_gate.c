/* Noise gate tests (src/dsp/noise_gate.c): timing of attack, hold and
 * release in samples at 48 and 44.1 kHz; hysteresis; bit-exact passthrough
 * when off; no step in the output beyond the input's own plus |x| / attack;
 * block-size independence; threshold clamping; NaN input; no allocation. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "noise_gate.h"
#include "test_util.h"

#define RATE 48000.0

static float db_lin(double db)
{
    return (float)pow(10.0, db / 20.0);
}

/* A 220 Hz sine at amplitude amp, n samples. */
static float *sine(size_t n, double amp)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2.0 * M_PI * 220.0 * (double)i / RATE));
    return x;
}

/* Run x through g one sample at a time, recording the gain after each. */
static void run_gains(rnnamp_noise_gate *g, const float *x, float *y,
                      float *gain, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rnnamp_noise_gate_process(g, x + i, y + i, 1);
        gain[i] = g->gain;
    }
}

START_TEST(times_in_samples)
{
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, 48000.0);
    ck_assert_uint_eq(g.attack, 48);
    ck_assert_uint_eq(g.hold, 2400);
    ck_assert_uint_eq(g.release, 4800);
    rnnamp_noise_gate_init(&g, 44100.0);
    ck_assert_uint_eq(g.attack, 44);
    ck_assert_uint_eq(g.hold, 2205);
    ck_assert_uint_eq(g.release, 4410);
    rnnamp_noise_gate_set_threshold(&g, -40.0f);
    ck_assert_float_eq(g.open_lin, db_lin(-40.0));
    ck_assert_float_eq(g.close_lin, db_lin(-46.0));
}
END_TEST

/* Loud, then quiet below the close level: the output is the input for
 * hold samples after the last loud one, then falls to exactly 0 at
 * hold + release. */
START_TEST(closes_after_hold_and_release)
{
    const size_t loud = 4800, n = 20000;
    float *x = sine(n, 0.5);
    for (size_t i = loud; i < n; i++)
        x[i] *= db_lin(-70.0) / 0.5f; /* -70 dB: below -46 */
    float *y = malloc(n * sizeof *y), *gain = malloc(n * sizeof *gain);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -40.0f);
    run_gains(&g, x, y, gain, n);
    size_t k = 0; /* the last sample at or above the close level */
    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) >= g.close_lin)
            k = i;
    ck_assert_uint_lt(k, loud);
    ck_assert_uint_gt(k, loud - 300);
    for (size_t i = 0; i <= k + g.hold; i++) {
        ck_assert_float_eq(gain[i], 1.0f);
        ck_assert(y[i] == x[i]);
    }
    ck_assert_float_eq_tol(gain[k + g.hold + 1], 1.0f - 1.0f / 4800.0f, 1e-6);
    ck_assert_float_eq_tol(gain[k + g.hold + 2400], 0.5f, 1e-4);
    ck_assert_float_gt(gain[k + g.hold + g.release - 1], 0.0f);
    ck_assert_float_lt(gain[k + g.hold + g.release - 1], 1.5f / 4800.0f);
    for (size_t i = k + g.hold + g.release; i < n; i++) {
        ck_assert(gain[i] == 0.0f);
        ck_assert(y[i] == 0.0f);
    }
    free(x);
    free(y);
    free(gain);
}
END_TEST

/* From shut, the first sample at or above the threshold opens it; the
 * gain is 1 exactly `attack` samples later, counting that sample. */
START_TEST(opens_within_attack)
{
    const size_t quiet = 12000, n = 16000;
    float *x = sine(n, 0.25);
    for (size_t i = 0; i < quiet; i++)
        x[i] = 0.0f;
    float *y = malloc(n * sizeof *y), *gain = malloc(n * sizeof *gain);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -30.0f);
    run_gains(&g, x, y, gain, n);
    ck_assert(gain[quiet - 1] == 0.0f); /* 2400 + 4800 < 12000 */
    size_t k = quiet;
    while (fabsf(x[k]) < g.open_lin)
        k++;
    ck_assert(gain[k - 1] == 0.0f);
    ck_assert_float_eq_tol(gain[k], 1.0f / 48.0f, 1e-7);
    ck_assert_float_lt(gain[k + g.attack - 2], 1.0f);
    for (size_t i = k + g.attack - 1; i < n; i++) {
        ck_assert(gain[i] == 1.0f);
        ck_assert(y[i] == x[i]);
    }
    free(x);
    free(y);
    free(gain);
}
END_TEST

/* A level between the close level and the threshold keeps the state:
 * an open gate stays open, a shut one stays shut. */
START_TEST(hysteresis_holds_state)
{
    const size_t n = 48000;
    float *x = sine(n, db_lin(-43.0)); /* between -46 and -40 */
    float *y = malloc(n * sizeof *y), *gain = malloc(n * sizeof *gain);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -40.0f);
    run_gains(&g, x, y, gain, n); /* starts open */
    for (size_t i = 0; i < n; i++)
        ck_assert(gain[i] == 1.0f && y[i] == x[i]);
    /* shut it with silence, then the same level */
    float *z = calloc(n, sizeof *z);
    run_gains(&g, z, y, gain, n);
    ck_assert(gain[n - 1] == 0.0f && !g.open);
    run_gains(&g, x, y, gain, n);
    for (size_t i = 0; i < n; i++)
        ck_assert(gain[i] == 0.0f && y[i] == 0.0f);
    /* 6.5 dB louder (above -40) opens it */
    for (size_t i = 0; i < n; i++)
        x[i] *= db_lin(6.5);
    run_gains(&g, x, y, gain, n);
    ck_assert(gain[n - 1] == 1.0f && g.open);
    free(x);
    free(z);
    free(y);
    free(gain);
}
END_TEST

/* Off (the default, -100 and NaN): the output is the input bit for bit,
 * in place or not, whatever the signal. */
START_TEST(off_is_bit_exact)
{
    const size_t n = 10000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint32_t s = 99;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) *
               (i % 3000 < 1500 ? 1e-6f : 0.9f);
    }
    const float offs[3] = {-100.0f, -150.0f, NAN};
    for (int k = 0; k < 3; k++) {
        rnnamp_noise_gate g;
        rnnamp_noise_gate_init(&g, RATE);
        ck_assert(g.off);
        rnnamp_noise_gate_set_threshold(&g, offs[k]);
        ck_assert(g.off);
        ck_assert_float_eq(g.threshold_db, -100.0f);
        rnnamp_noise_gate_process(&g, x, y, (uint32_t)n);
        ck_assert(!memcmp(x, y, n * sizeof *x));
        memcpy(y, x, n * sizeof *x);
        rnnamp_noise_gate_process(&g, y, y, (uint32_t)n);
        ck_assert(!memcmp(x, y, n * sizeof *x));
    }
    free(x);
    free(y);
}
END_TEST

/* Turned off while shut: the gain rises to 1 over the attack, then the
 * output is the input exactly. Turned on: starts open. */
START_TEST(switching_off_and_on)
{
    const size_t n = 20000;
    float *z = calloc(n, sizeof *z);
    float *x = sine(n, 0.001);
    float *y = malloc(n * sizeof *y), *gain = malloc(n * sizeof *gain);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -20.0f);
    ck_assert(!g.off && g.open && g.gain == 1.0f);
    run_gains(&g, z, y, gain, n);
    ck_assert(gain[n - 1] == 0.0f);
    rnnamp_noise_gate_set_threshold(&g, -100.0f);
    run_gains(&g, x, y, gain, n);
    ck_assert_float_eq_tol(gain[0], 1.0f / 48.0f, 1e-7);
    ck_assert(gain[46] < 1.0f && gain[47] == 1.0f);
    for (size_t i = 47; i < n; i++)
        ck_assert(y[i] == x[i]);
    /* on again at a threshold above the signal: open, then shut after
     * hold + release (the signal never reaches the close level) */
    rnnamp_noise_gate_set_threshold(&g, 0.0f);
    ck_assert(!g.off && g.open);
    run_gains(&g, x, y, gain, n);
    ck_assert(gain[g.hold - 1] == 1.0f);
    ck_assert(gain[g.hold + g.release - 1] == 0.0f);
    ck_assert(gain[g.hold + g.release - 2] > 0.0f);
    /* clamped: above 0 dBFS is 0 dBFS */
    rnnamp_noise_gate_set_threshold(&g, 12.0f);
    ck_assert_float_eq(g.threshold_db, 0.0f);
    ck_assert_float_eq(g.open_lin, 1.0f);
    free(z);
    free(x);
    free(y);
    free(gain);
}
END_TEST

/* Notes that start and die away through the threshold: no output step
 * bigger than the input's steepest plus |x| / attack. */
START_TEST(no_clicks)
{
    const size_t n = 4 * 48000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint32_t s = 7;
    for (size_t i = 0; i < n; i++) {
        const double t = (double)(i % 48000) / RATE; /* a note a second */
        s = s * 1664525u + 1013904223u;
        const double noise = 3e-4 * ((double)(s >> 8) / 16777216.0 - 0.5);
        x[i] = (float)(0.6 * exp(-t / 0.06) *
                           sin(2.0 * M_PI * 110.0 * (double)i / RATE) +
                       noise);
    }
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -40.0f);
    rnnamp_noise_gate_process(&g, x, y, (uint32_t)n);
    double dx = 0.0, dy = 0.0, peak = 0.0;
    int closed = 0;
    for (size_t i = 1; i < n; i++) {
        dx = fmax(dx, fabs((double)x[i] - x[i - 1]));
        dy = fmax(dy, fabs((double)y[i] - y[i - 1]));
        peak = fmax(peak, fabs((double)x[i]));
        closed += y[i] == 0.0f && x[i] != 0.0f;
    }
    ck_assert_msg(dy <= dx + peak / 48.0 + 1e-6,
                  "output step %g, input step %g, peak %g", dy, dx, peak);
    /* shut between notes: from ~0.29 s (below -46 dB) + 0.15 s on */
    ck_assert_int_gt(closed, 4 * 24000);
    free(x);
    free(y);
}
END_TEST

/* Any block sizes give the same output as one call. */
START_TEST(block_size_independent)
{
    const size_t n = 60000;
    float *x = sine(n, 0.3);
    for (size_t i = 0; i < n; i++)
        x[i] *= (float)((i / 9000) % 2); /* bursts of 9000 */
    float *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
    rnnamp_noise_gate a, b;
    rnnamp_noise_gate_init(&a, RATE);
    rnnamp_noise_gate_init(&b, RATE);
    rnnamp_noise_gate_set_threshold(&a, -50.0f);
    rnnamp_noise_gate_set_threshold(&b, -50.0f);
    rnnamp_noise_gate_process(&a, x, y1, (uint32_t)n);
    uint32_t s = 3;
    for (size_t done = 0; done < n;) {
        s = s * 1664525u + 1013904223u;
        size_t k = 1 + (s >> 8) % 700;
        k = k > n - done ? n - done : k;
        rnnamp_noise_gate_process(&b, x + done, y2 + done, (uint32_t)k);
        done += k;
    }
    ck_assert(!memcmp(y1, y2, n * sizeof *y1));
    free(x);
    free(y1);
    free(y2);
}
END_TEST

/* NaN and infinite input: the gain stays a number in 0..1; NaN does not
 * open a shut gate. */
START_TEST(non_finite_input)
{
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    rnnamp_noise_gate_set_threshold(&g, -60.0f);
    float z[8000] = {0}, y[8000];
    rnnamp_noise_gate_process(&g, z, y, 8000);
    ck_assert(g.gain == 0.0f);
    float bad[4] = {NAN, NAN, NAN, NAN};
    rnnamp_noise_gate_process(&g, bad, y, 4);
    ck_assert(g.gain == 0.0f && !g.open);
    float inf[2] = {INFINITY, -INFINITY};
    rnnamp_noise_gate_process(&g, inf, y, 2);
    ck_assert(g.open && g.gain > 0.0f && g.gain <= 1.0f);
}
END_TEST

START_TEST(process_does_not_allocate)
{
    if (!ALLOC_COUNT_AVAILABLE)
        return;
    const size_t n = 4096;
    float *x = sine(n, 0.5), *y = malloc(n * sizeof *y);
    rnnamp_noise_gate g;
    rnnamp_noise_gate_init(&g, RATE);
    alloc_count_begin();
    rnnamp_noise_gate_set_threshold(&g, -30.0f);
    rnnamp_noise_gate_process(&g, x, y, (uint32_t)n);
    rnnamp_noise_gate_set_threshold(&g, -100.0f);
    rnnamp_noise_gate_process(&g, x, y, (uint32_t)n);
    const long allocs = alloc_count_end();
    ck_assert_int_eq(allocs, 0);
    alloc_count_begin(); /* the counter counts */
    void *volatile p = malloc(16);
    free(p);
    ck_assert_int_eq(alloc_count_end(), 2);
    free(x);
    free(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("noise_gate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, times_in_samples);
    tcase_add_test(tc, closes_after_hold_and_release);
    tcase_add_test(tc, opens_within_attack);
    tcase_add_test(tc, hysteresis_holds_state);
    tcase_add_test(tc, off_is_bit_exact);
    tcase_add_test(tc, switching_off_and_on);
    tcase_add_test(tc, no_clicks);
    tcase_add_test(tc, block_size_independent);
    tcase_add_test(tc, non_finite_input);
    tcase_add_test(tc, process_does_not_allocate);
    suite_add_tcase(s, tc);
    return test_run_suite_nofork(s);
}
