/* rnnamp-capture command line: the capture signal it writes, and a clear
 * error (non-zero exit, a message naming the problem, no output file) for
 * each kind of bad input: unknown plugin URI, a plugin with no mono audio
 * path, an unknown control symbol, values out of range, bad options; and
 * --probe's numbers for a linear plugin.
 * Needs mda-lv2 and guitarix-lv2 (Debian packages). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio_io.h"
#include "test_util.h"

#define TOOL RNNAMP_BUILD_DIR "/tools/rnnamp-capture"
#define TS9  "'http://guitarix.sourceforge.net/plugins/gxts9#ts9sim'"

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-capture-cli")

/* Run TOOL with args; returns the exit status, stderr text in out. */
static int run(const char *args, char *out, size_t len)
{
    char cmd[4096], errf[512];
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >/dev/null 2>'%s'", tmpdir,
             TOOL, args, errf);
    int st = system(cmd);
    FILE *f = fopen(errf, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The command must fail, print want, and leave no model file. */
static void expect_error(const char *args, const char *want)
{
    char out[8192], full[4096], model[512];
    snprintf(full, sizeof full, "%s -o model.json --epochs 1", args);
    int rc = run(full, out, sizeof out);
    ck_assert_msg(rc != 0, "'%s' succeeded", args);
    ck_assert_msg(strstr(out, want) != NULL, "'%s': expected \"%s\" in:\n%s",
                  args, want, out);
    snprintf(model, sizeof model, "%s/model.json", tmpdir);
    ck_assert_msg(!test_file_exists(model), "'%s' left a model file", args);
}

START_TEST(unknown_uri)
{
    expect_error("--plugin http://example.org/no-such-plugin",
                 "--plugin: no such LV2 plugin is installed: "
                 "<http://example.org/no-such-plugin>");
}
END_TEST

START_TEST(no_mono_audio_path)
{
    /* MDA DX10 is a synth: no audio input */
    expect_error("--plugin http://drobilla.net/plugins/mda/DX10",
                 "has no audio input");
}
END_TEST

START_TEST(unknown_control)
{
    expect_error("--plugin " TS9 " --set drive=0.5",
                 "--set drive: plugin "
                 "<http://guitarix.sourceforge.net/plugins/gxts9#ts9sim> has "
                 "no control input 'drive'; its controls are: fslider0_ "
                 "fslider1_ fslider2_");
    expect_error("--plugin " TS9 " --sweep gain=0:1:3",
                 "has no control input 'gain'");
}
END_TEST

START_TEST(out_of_range)
{
    expect_error("--plugin " TS9 " --set fslider2_=1.5",
                 "--set fslider2_=1.5: out of range");
    expect_error("--plugin " TS9 " --set fslider2_=1.5", "allows 0 to 1");
    expect_error("--plugin " TS9 " --sweep fslider0_=-30:0:3",
                 "fslider0_=-30: out of range");
}
END_TEST

START_TEST(bad_options)
{
    expect_error("--plugin " TS9 " --set fslider2_=abc",
                 "--set: 'abc' is not a number");
    expect_error("--plugin " TS9 " --set =1", "expected symbol=value");
    expect_error("--plugin " TS9 " --sweep fslider2_=1:0:3",
                 "expected symbol=min:max:steps with min < max");
    expect_error("--plugin " TS9 " --sweep fslider2_=0:1:1",
                 "steps must be 2 to 9");
    expect_error("--plugin " TS9 " --hidden 0",
                 "--hidden 0: must be a whole number from 1 to");
    expect_error("--plugin " TS9 " --test-di missing.wav", "missing.wav");
    expect_error("", "--plugin URI is required");
}
END_TEST

START_TEST(write_signal)
{
    char out[8192], path[512], err[512];
    ck_assert_int_eq(
        run("--write-signal sig.wav --rate 44100", out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/sig.wav", tmpdir);
    rnnamp_audio a;
    ck_assert_msg(rnnamp_audio_read(path, &a, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(a.rate, 44100);
    ck_assert_int_eq(a.channels, 1);
    /* 0.5 s silence, then 8 impulses of 0.5, 0.25 s apart */
    for (size_t i = 0; i < 22050; i++)
        ck_assert_float_eq(a.data[i], 0.0f);
    for (int k = 0; k < 8; k++) {
        size_t p = 22050 + (size_t)k * 11025;
        ck_assert_float_eq(a.data[p], 0.5f);
        ck_assert_float_eq(a.data[p + 1], 0.0f);
        ck_assert_float_eq(a.data[p - 1], 0.0f);
    }
    /* about 213 s in all (180 s of training guitar by default); every
     * sample finite and within -1..1; the test clip (last 10 s before
     * 0.25 s of silence) peaks at -10 dBFS */
    ck_assert_msg(a.frames > 211 * 44100 && a.frames < 215 * 44100, "%zu",
                  a.frames);
    float pk = 0.0f;
    for (size_t i = 0; i < a.frames; i++) {
        ck_assert(isfinite(a.data[i]) && fabsf(a.data[i]) <= 1.0f);
        if (i >= a.frames - 44100 / 4 - 10 * 44100 && i < a.frames - 44100 / 4)
            pk = fmaxf(pk, fabsf(a.data[i]));
    }
    ck_assert_double_eq_tol(20.0 * log10(pk), -10.0, 0.01);
    rnnamp_audio_free(&a);
    /* bad rate */
    ck_assert_int_ne(run("--write-signal x.wav --rate 100", out, sizeof out),
                     0);
    ck_assert_msg(
        strstr(out, "--rate 100: must be a whole number from 8000 to 384000") !=
            NULL,
        "%s", out);
}
END_TEST

/* --probe: the linear probe of mda RezFilter (a resonant low-pass, linear
 * at these settings: 7.9e-6 at 256 taps on the 60 s signal) and the recipe
 * it gives (--guitar-only changes its material); no model is written. */
START_TEST(probe_mode)
{
    char out[8192];
    ck_assert_int_eq(
        run("--probe --plugin http://drobilla.net/plugins/mda/RezFilter "
            "--set freq=0.45 --set res=0.6 --set env_vcf=0.5 "
            "--set lfo_vcf=0.5 --set output=0.5 --guitar-seconds 5",
            out, sizeof out),
        0);
    const char *t = strstr(out, "      256 ");
    double e256 = 1.0, explained = 0.0;
    int needed = 0;
    ck_assert_msg(t && sscanf(t, " 256 %lf", &e256) == 1, "%s", out);
    ck_assert_msg(e256 < 1e-4, "256 taps: ESR %g", e256);
    t = strstr(out, "a linear filter explains ");
    ck_assert_msg(t && sscanf(t,
                              "a linear filter explains %lf %% of the "
                              "target; %d taps needed",
                              &explained, &needed) == 2,
                  "%s", out);
    ck_assert_double_gt(explained, 99.99);
    ck_assert_int_eq(needed, 256);
    ck_assert_msg(
        strstr(out, "recipe for a nearly linear target: pre-FIR 0 "
                    "taps, post-FIR 256 taps, hidden 8, skip on, trains "
                    "on the whole signal, stops early on a plateau") != NULL,
        "%s", out);
    char model[512];
    snprintf(model, sizeof model, "%s/model.json", tmpdir);
    ck_assert(!test_file_exists(model));
    ck_assert_int_ne(run("--probe", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "--plugin URI is required") != NULL, "%s", out);
    /* --guitar-only changes the material the recipe left whole */
    ck_assert_int_eq(
        run("--probe --plugin http://drobilla.net/plugins/mda/RezFilter "
            "--guitar-seconds 5 --guitar-only",
            out, sizeof out),
        0);
    ck_assert_msg(strstr(out, "trains on the guitar only") != NULL, "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capture-cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unknown_uri);
    tcase_add_test(tc, no_mono_audio_path);
    tcase_add_test(tc, unknown_control);
    tcase_add_test(tc, out_of_range);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, write_signal);
    tcase_add_test(tc, probe_mode);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
