/* IR files (src/dsp/ir_file.c): unit energy, resampling (length and the
 * position of a delayed impulse), the first channel of a multichannel
 * file, FLAC, and an error naming the file for each way a file can be
 * unusable. The files are written here with libsndfile. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "ir_file.h"
#include "test_util.h"

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-test-ir")

/* Write frames x channels interleaved samples as a file of format fmt. */
static void write_file(const char *path, const float *x, size_t frames,
                       int channels, int rate, int fmt)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = channels;
    info.format = fmt;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ck_assert_msg(sf, "%s: %s", path, sf_strerror(NULL));
    ck_assert_int_eq(sf_writef_float(sf, x, (sf_count_t)frames),
                     (sf_count_t)frames);
    sf_close(sf);
}

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static double energy(const float *h, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e += (double)h[i] * h[i];
    return e;
}

static size_t peak(const float *h, size_t n)
{
    size_t p = 0;
    for (size_t i = 1; i < n; i++)
        if (fabsf(h[i]) > fabsf(h[p]))
            p = i;
    return p;
}

/* A decaying noise IR at the host rate: loaded unchanged but for one gain,
 * and that gain makes the energy 1. */
START_TEST(t_unit_energy)
{
    const size_t n = 1000;
    float *x = malloc(n * sizeof *x);
    uint32_t s = 99u;
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * expf(-(float)i / 200);
        e += (double)x[i] * x[i];
    }
    char p[300], err[1024];
    path_in(p, sizeof p, "noise.wav");
    write_file(p, x, n, 1, 48000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    rnnamp_ir ir;
    ck_assert_int_eq(rnnamp_ir_load(p, 48000.0, &ir, err, sizeof err),
                     RNNAMP_IR_OK);
    ck_assert_uint_eq(ir.taps, n);
    ck_assert_uint_eq(ir.file_frames, n);
    ck_assert_int_eq(ir.file_channels, 1);
    ck_assert(ir.file_rate == 48000.0 && ir.rate == 48000.0);
    ck_assert_msg(fabs(energy(ir.h, ir.taps) - 1.0) < 1e-6, "energy %.9f",
                  energy(ir.h, ir.taps));
    ck_assert(fabs(ir.file_gain - 1.0 / sqrt(e)) < 1e-9 / sqrt(e));
    double worst = 0.0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(ir.h[i] - x[i] / sqrt(e)));
    ck_assert_msg(worst < 1e-6, "shape changed by %g", worst);
    rnnamp_ir_free(&ir);
    ck_assert_ptr_null(ir.h);
    rnnamp_ir_free(NULL);
    free(x);
}
END_TEST

/* 44.1 kHz -> 48 kHz: ceil(frames * 48000 / 44100) taps, an impulse at
 * 10 ms stays at 10 ms (441 -> 480), energy 1. And 96 kHz -> 48 kHz. */
START_TEST(t_resampled)
{
    const size_t n = 2205; /* 50 ms at 44.1 kHz */
    float *x = calloc(n, sizeof *x);
    x[441] = 0.5f;
    char p[300], err[1024];
    path_in(p, sizeof p, "imp44.wav");
    write_file(p, x, n, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    rnnamp_ir ir;
    ck_assert_int_eq(rnnamp_ir_load(p, 48000.0, &ir, err, sizeof err),
                     RNNAMP_IR_OK);
    ck_assert_uint_eq(ir.taps, 2400);
    /* whole-number lengths are not rounded up (882 * 48000 / 44100 = 960) */
    rnnamp_ir ir2;
    write_file(p, x, 882, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ck_assert_int_eq(rnnamp_ir_load(p, 48000.0, &ir2, err, sizeof err),
                     RNNAMP_IR_OK);
    ck_assert_uint_eq(ir2.taps, 960);
    ck_assert_uint_eq(peak(ir2.h, ir2.taps), 480);
    rnnamp_ir_free(&ir2);
    ck_assert_uint_eq(ir.file_frames, n);
    ck_assert(ir.file_rate == 44100.0);
    ck_assert_uint_eq(peak(ir.h, ir.taps), 480);
    ck_assert_msg(fabs(energy(ir.h, ir.taps) - 1.0) < 1e-6, "energy %.9f",
                  energy(ir.h, ir.taps));
    /* band-limited: the peak holds most of the energy, the rest is the
     * resampling filter's ringing close to it */
    ck_assert(ir.h[480] > 0.9f);
    double far = 0.0;
    for (size_t i = 0; i < ir.taps; i++)
        if (i < 380 || i > 580)
            far += (double)ir.h[i] * ir.h[i];
    ck_assert_msg(far < 1e-4, "energy far from the impulse %g", far);
    rnnamp_ir_free(&ir);

    /* the tail is kept: an impulse in the last sample survives */
    memset(x, 0, n * sizeof *x);
    x[n - 1] = 1.0f;
    write_file(p, x, n, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ck_assert_int_eq(rnnamp_ir_load(p, 96000.0, &ir, err, sizeof err),
                     RNNAMP_IR_OK);
    ck_assert_uint_eq(ir.taps, (size_t)ceil(n * 96000.0 / 44100.0));
    ck_assert_uint_ge(peak(ir.h, ir.taps), ir.taps - 4);
    ck_assert(fabs(energy(ir.h, ir.taps) - 1.0) < 1e-6);
    rnnamp_ir_free(&ir);
    free(x);
}
END_TEST

/* Stereo file: the first channel (impulse at 10) is taken, not the second
 * (impulse at 100); FLAC reads the same way. */
START_TEST(t_first_channel)
{
    const size_t n = 512;
    float *x = calloc(2 * n, sizeof *x);
    x[2 * 10] = 0.25f;
    x[2 * 100 + 1] = 0.75f;
    const char *names[2] = {"stereo.wav", "stereo.flac"};
    const int fmts[2] = {SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                         SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    for (int f = 0; f < 2; f++) {
        char p[300], err[1024];
        path_in(p, sizeof p, names[f]);
        write_file(p, x, n, 2, 48000, fmts[f]);
        rnnamp_ir ir;
        ck_assert_msg(rnnamp_ir_load(p, 48000.0, &ir, err, sizeof err) ==
                          RNNAMP_IR_OK,
                      "%s", err);
        ck_assert_int_eq(ir.file_channels, 2);
        ck_assert_uint_eq(ir.taps, n);
        ck_assert(fabsf(ir.h[10] - 1.0f) < 1e-6f);
        ck_assert(ir.h[100] == 0.0f);
        ck_assert(fabs(energy(ir.h, ir.taps) - 1.0) < 1e-6);
        rnnamp_ir_free(&ir);
    }
    free(x);
}
END_TEST

/* Load path and expect status st with an error naming the file and
 * holding `why`. */
static void expect_error(const char *path, double rate, rnnamp_ir_status st,
                         const char *why)
{
    char err[1024] = "";
    rnnamp_ir ir;
    ck_assert_int_eq(rnnamp_ir_load(path, rate, &ir, err, sizeof err), st);
    ck_assert_ptr_null(ir.h);
    ck_assert_msg(strstr(err, path), "error lacks the file: %s", err);
    ck_assert_msg(strstr(err, why), "error lacks '%s': %s", why, err);
    rnnamp_ir_free(&ir);
}

START_TEST(t_errors)
{
    char p[300];
    path_in(p, sizeof p, "missing.wav");
    expect_error(p, 48000.0, RNNAMP_IR_ERR_OPEN, "cannot open");
    expect_error(tmpdir, 48000.0, RNNAMP_IR_ERR_OPEN, "folder");

    path_in(p, sizeof p, "text.wav");
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not audio at all, just some words in a file\n", f);
    fclose(f);
    expect_error(p, 48000.0, RNNAMP_IR_ERR_FORMAT, "not an audio file");

    float z[4800] = {0};
    path_in(p, sizeof p, "empty.wav");
    write_file(p, z, 0, 1, 48000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    expect_error(p, 48000.0, RNNAMP_IR_ERR_EMPTY, "empty");

    path_in(p, sizeof p, "zeros.wav");
    write_file(p, z, 4800, 1, 48000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    expect_error(p, 48000.0, RNNAMP_IR_ERR_SILENT, "all samples zero");

    z[7] = NAN;
    path_in(p, sizeof p, "nan.wav");
    write_file(p, z, 4800, 1, 48000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    expect_error(p, 48000.0, RNNAMP_IR_ERR_SILENT, "sample 7 is not finite");

    /* 10.5 s at 8 kHz: refused for being longer than 10 s */
    const size_t n = 84000;
    float *x = calloc(n, sizeof *x);
    x[0] = 1.0f;
    path_in(p, sizeof p, "long.wav");
    write_file(p, x, n, 1, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    expect_error(p, 48000.0, RNNAMP_IR_ERR_TOO_LONG, "too long: 10.50 s");
    /* while 10 s exactly is fine */
    write_file(p, x, 80000, 1, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    char err[1024];
    rnnamp_ir ir;
    ck_assert_msg(rnnamp_ir_load(p, 8000.0, &ir, err, sizeof err) ==
                      RNNAMP_IR_OK,
                  "%s", err);
    ck_assert_uint_eq(ir.taps, 80000);
    rnnamp_ir_free(&ir);
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ir_file");
    TCase *tc = tcase_create("ir_file");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_unit_energy);
    tcase_add_test(tc, t_resampled);
    tcase_add_test(tc, t_first_channel);
    tcase_add_test(tc, t_errors);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
