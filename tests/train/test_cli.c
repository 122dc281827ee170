/* rnnamp-train command line: bad input gives a clear message naming the
 * file/option and leaves no output; a good run writes a model that passes
 * its load-time self-test, a PNG and an LV2 preset bundle. */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_io.h"
#include "engine.h"
#include "model_io.h"

#include "test_util.h"

static char dir[256];

static void path(char *b, size_t n, const char *name)
{
    snprintf(b, n, "%s/%s", dir, name);
}

/* Run rnnamp-train with args; returns the exit code, output in out. */
static int train(const char *args, char *out, size_t n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s/tools/rnnamp-train %s 2>&1", dir,
             RNNAMP_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_wav(const char *name, const float *x, size_t n, int rate)
{
    char p[512], err[RNNAMP_ERR_LEN];
    path(p, sizeof p, name);
    ck_assert_msg(rnnamp_audio_write(p, x, n, 1, rate, err, sizeof err) == 0,
                  "%s", err);
}

static void make_files(void)
{
    if (!test_tmpdir_make(dir, sizeof dir, "rnnamp-cli")) {
        fprintf(stderr, "cannot make a temporary folder\n");
        exit(EXIT_FAILURE);
    }
    size_t n = 4 * 8000;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    uint32_t s = 3;
    float lp = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        lp += 0.4f * ((float)(s >> 8) / 8388608.0f - 1.0f - lp);
        x[i] = 0.4f * lp;
        st += 0.5f * (tanhf(2.0f * x[i]) - st);
        y[i] = st;
    }
    write_wav("di.wav", x, n, 8000);
    write_wav("amp.wav", y, n, 8000);
    write_wav("amp44.wav", y, n, 44100);
    write_wav("short.wav", y, n / 2, 8000);
    memset(x, 0, n * sizeof(float));
    write_wav("silent.wav", x, n, 8000);
    /* a float WAV with a NaN, written past audio_io's checks */
    char p[512];
    path(p, sizeof p, "nan.wav");
    SF_INFO info = {0};
    info.samplerate = 8000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    ck_assert_ptr_nonnull(f);
    y[100] = NAN;
    sf_writef_float(f, y, (sf_count_t)n);
    sf_close(f);
    path(p, sizeof p, "notaudio.wav");
    FILE *t = fopen(p, "w");
    fputs("this is not audio\n", t);
    fclose(t);
    free(x);
    free(y);
}

static void expect_error(const char *args, int code, const char *a,
                         const char *b)
{
    char out[8192];
    int rc = train(args, out, sizeof out);
    ck_assert_msg(rc == code, "'%s': exit %d, want %d; output:\n%s", args, rc,
                  code, out);
    ck_assert_msg(strstr(out, a) != NULL, "'%s': message lacks '%s':\n%s", args,
                  a, out);
    if (b)
        ck_assert_msg(strstr(out, b) != NULL, "'%s': message lacks '%s':\n%s",
                      args, b, out);
    ck_assert_msg(strstr(out, "Segmentation") == NULL, "crash:\n%s", out);
    char p[512];
    path(p, sizeof p, "bad.json");
    ck_assert_msg(!test_file_exists(p), "'%s' left an output file", args);
}

START_TEST(bad_inputs)
{
    make_files();
    expect_error("--input missing.wav --target amp.wav -o bad.json", 1,
                 "missing.wav", NULL);
    expect_error("--input notaudio.wav --target amp.wav -o bad.json", 1,
                 "notaudio.wav", NULL);
    expect_error("--input di.wav --target amp44.wav -o bad.json", 1, "44100",
                 "8000");
    expect_error("--input di.wav --target short.wav -o bad.json", 1, "shorter",
                 "short.wav");
    expect_error("--input silent.wav --target amp.wav -o bad.json", 1, "silent",
                 "silent.wav");
    expect_error("--input di.wav --target nan.wav -o bad.json", 1, "nan.wav",
                 NULL);
    expect_error("--input di.wav --target amp.wav -o bad.json --hidden 0", 2,
                 "--hidden", NULL);
    expect_error("--input di.wav --target amp.wav -o bad.json --arch xyz", 2,
                 "--arch", NULL);
    expect_error("--input di.wav --target amp.wav -o bad.json --kernel mmx", 2,
                 "--kernel mmx", "auto, scalar, sse2, avx2, avx512 or neon");
    expect_error("--input di.wav --target amp.wav -o bad.json --post-fir -1", 2,
                 "--post-fir", NULL);
    expect_error("--input di.wav --target amp.wav -o bad.json --pre-fir 16385",
                 2, "--pre-fir", NULL);
    expect_error("--pair di.wav:amp.wav:1.5 -o bad.json", 2, "--pair", NULL);
    expect_error("--input di.wav -o bad.json", 2, "--target", NULL);
    expect_error("--input di.wav --target amp.wav -o bad.json "
                 "--log nodir/log.csv",
                 2, "--log nodir/log.csv", NULL);
}
END_TEST

START_TEST(good_run_and_full_disk)
{
    make_files();
    char out[16384], p[512], err[RNNAMP_ERR_LEN];
    int rc = train("--input di.wav --target amp.wav -o m.json --epochs 2 "
                   "--batch 4 --segment 1024 --tbptt 256 --warmup 64 "
                   "--hidden 8 --lv2-bundle m.preset.lv2 --name 'Test amp' "
                   "--log m.csv",
                   out, sizeof out);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "test ESR"));
    ck_assert_msg(strstr(out, "time to validation ESR 5%: "), "%s", out);
    /* --log: header and one line per epoch with its validation ESR */
    path(p, sizeof p, "m.csv");
    FILE *lf = fopen(p, "r");
    ck_assert_ptr_nonnull(lf);
    char line[512];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, lf));
    ck_assert_str_eq(line, "epoch,seconds,train_loss,val_esr,best_val_esr,lr,"
                           "samples_per_s\n");
    double best_seen = INFINITY;
    for (int e = 1; e <= 2; e++) {
        int ep;
        double sec, loss, val, best, lr, sps;
        ck_assert_ptr_nonnull(fgets(line, sizeof line, lf));
        ck_assert_int_eq(sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf", &ep, &sec,
                                &loss, &val, &best, &lr, &sps),
                         7);
        ck_assert_int_eq(ep, e);
        ck_assert(sec > 0 && sps > 0 && lr > 0 && val > 0 && isfinite(val));
        best_seen = fmin(best_seen, val);
        ck_assert_double_eq_tol(best, best_seen, 1e-5 * best_seen);
    }
    ck_assert_ptr_null(fgets(line, sizeof line, lf));
    fclose(lf);
    path(p, sizeof p, "m.json");
    rnnamp_model *m = rnnamp_model_load(p, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_uint_eq(m->n_batch, 2048);
    double me = 1;
    ck_assert_int_eq(rnnamp_engine_selftest(m, 1e-4, &me, err, sizeof err), 0);
    ck_assert(m->meta.sample_rate == 8000);
    rnnamp_model_free(m);
    path(p, sizeof p, "m.png");
    ck_assert(test_file_exists(p));
    path(p, sizeof p, "m.preset.lv2/manifest.ttl");
    ck_assert(test_file_exists(p));
    {
        /* the preset applies to the mono and the stereo plugin */
        FILE *mf = fopen(p, "r");
        ck_assert_ptr_nonnull(mf);
        char man[2048];
        size_t k = fread(man, 1, sizeof man - 1, mf);
        man[k] = 0;
        fclose(mf);
        ck_assert_msg(strstr(man, "lv2:appliesTo <http://rnnamp.org/plugins/"
                                  "rnnamp> ,\n\t\t<http://rnnamp.org/"
                                  "plugins/rnnamp#stereo> ;"),
                      "%s", man);
    }
    path(p, sizeof p, "m.preset.lv2/Test_amp.ttl");
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    char ttl[4096];
    size_t n = fread(ttl, 1, sizeof ttl - 1, f);
    ttl[n] = 0;
    fclose(f);
    ck_assert_ptr_nonnull(
        strstr(ttl, "<http://rnnamp.org/plugins/rnnamp#model> <m.json>"));
    path(p, sizeof p, "m.preset.lv2/m.json");
    ck_assert(test_file_exists(p));

    /* a knob model from two pairs: two inputs, self-test passes */
    rc = train("--pair di.wav:amp.wav:0 --pair di.wav:di.wav:1 -o k.json "
               "--epochs 1 --batch 4 --segment 1024 --tbptt 256 --warmup 64 "
               "--hidden 6",
               out, sizeof out);
    ck_assert_msg(rc == 0, "knob run: exit %d:\n%s", rc, out);
    path(p, sizeof p, "k.json");
    m = rnnamp_model_load(p, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_int_eq(m->n_inputs, 2);
    ck_assert_int_eq(rnnamp_engine_selftest(m, 1e-4, &me, err, sizeof err), 0);
    rnnamp_model_free(m);
    /* a hybrid: the linear fit's ESR is reported, the file has both FIR
     * stages and passes its self-test */
    rc = train("--input di.wav --target amp.wav -o h.json --epochs 1 "
               "--batch 4 --segment 1024 --tbptt 256 --warmup 64 --hidden 6 "
               "--pre-fir 3 --post-fir 40",
               out, sizeof out);
    ck_assert_msg(rc == 0, "hybrid run: exit %d:\n%s", rc, out);
    double lin = -1;
    const char *lf_line = strstr(out, "linear fit (40 taps): ESR ");
    ck_assert_msg(lf_line && sscanf(lf_line + 26, "%lf", &lin) == 1, "%s", out);
    ck_assert(lin >= 0 && lin < 1);
    path(p, sizeof p, "h.json");
    m = rnnamp_model_load(p, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_int_eq(m->pre_taps, 3);
    ck_assert_int_eq(m->post_taps, 40);
    ck_assert_int_eq(m->skip, 1);
    ck_assert_int_eq(rnnamp_engine_selftest(m, 1e-4, &me, err, sizeof err), 0);
    rnnamp_model_free(m);
    /* knob counts must agree */
    rc = train("--pair di.wav:amp.wav:0 --pair di.wav:di.wav:1,0.5 -o k2.json",
               out, sizeof out);
    ck_assert_msg(rc == 1 && strstr(out, "knob"), "exit %d:\n%s", rc, out);

    /* full disk: a 64 KiB tmpfs holding a good old model; a big model does
     * not fit, the old file must stay intact and no temporary is left */
    char mnt[512];
    path(mnt, sizeof mnt, "full");
    mkdir(mnt, 0777);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
        fprintf(stderr, "note: cannot mount a tmpfs here; full-disk case "
                        "not run\n");
        return;
    }
    path(p, sizeof p, "full/big.json");
    f = fopen(p, "w");
    fputs("OLD", f);
    fclose(f);
    rc = train("--input di.wav --target amp.wav -o full/big.json --epochs 1 "
               "--batch 2 --segment 512 --tbptt 256 --warmup 0 --hidden 64",
               out, sizeof out);
    ck_assert_msg(rc == 1, "exit %d on a full disk:\n%s", rc, out);
    int named = strstr(out, "big.json") || strstr(out, "big.ckpt");
    f = fopen(p, "r");
    n = fread(ttl, 1, sizeof ttl - 1, f);
    ttl[n] = 0;
    fclose(f);
    ck_assert_str_eq(ttl, "OLD");
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "ls -A %s | grep -v -x big.json | grep -v "
             "big.ckpt | grep -q .",
             mnt);
    int leftovers = system(cmd) == 0;
    umount(mnt);
    ck_assert_msg(named, "the error does not name the file:\n%s", out);
    ck_assert_msg(!leftovers, "temporary files left on the full disk");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_inputs);
    tcase_add_test(tc, good_run_and_full_disk);
    suite_add_tcase(s, tc);
    int rc = test_run_suite_nofork(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s/full", dir);
    umount(cmd); /* in case a failed check left it mounted */
    if (dir[0] && test_tmpdir_remove(dir) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return rc;
}
