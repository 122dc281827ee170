/* rnnamp tests: model folders in the LV2 plugin, through lilv
 * (src/host/lv2_host.c): the #modelDir parameter, the program port, MIDI
 * Program Change and CC 20/21 on the control port, errors, state, no
 * allocation in run(), and rnnamp-render --model-dir.
 *
 * The folder holds copies of three shipped preset models (a.json,
 * b.json, c.json), a corrupt model and a text file. Each check runs a
 * second plugin instance (the reference) that is sent the model files
 * themselves (#model) at the same blocks: the two outputs must be
 * bitwise equal, which holds only if the folder instance played the
 * right file, switched at the same block and crossfaded the same way.
 *
 * LV2_PATH is not set for this test: the host finds the bundle in the
 * build tree by itself.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_count.h"
#include "audio_io.h"
#include "lv2_host.h"
#include "plugin_test_host.h"
#include "model.h"
#include "test_util.h"

#define BLOCK 256
#define STEP  4800 /* samples run after each change: 0.1 s */

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-test-folders")

static char folder[400], file_a[500], file_b[500], file_c[500];
static float *x; /* STEP samples of test signal */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_msg(in && out, "copy %s -> %s", from, to);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;)
        ck_assert(fwrite(buf, 1, n, out) == n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

static void put_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    char p[600];
    tmpdir_setup();
    snprintf(folder, sizeof folder, "%s/models", tmpdir);
    ck_assert_int_eq(mkdir(folder, 0755), 0);
    snprintf(file_a, sizeof file_a, "%s/a.json", folder);
    snprintf(file_b, sizeof file_b, "%s/b.json", folder);
    snprintf(file_c, sizeof file_c, "%s/c.json", folder);
    snprintf(p, sizeof p, "%s/presets/rnnamp-demo.lv2/demo-lstm8.json",
             RNNAMP_SOURCE_DIR);
    copy_file(p, file_a);
    snprintf(p, sizeof p, "%s/presets/rnnamp-combo-clean.lv2/combo-clean.json",
             RNNAMP_SOURCE_DIR);
    copy_file(p, file_b);
    snprintf(p, sizeof p, "%s/presets/rnnamp-fuzzface.lv2/fuzzface.json",
             RNNAMP_SOURCE_DIR);
    copy_file(p, file_c);
    snprintf(p, sizeof p, "%s/broken.json", folder);
    put_text(p, "{\"layers\": [");
    snprintf(p, sizeof p, "%s/notes.txt", folder);
    put_text(p, "amps for the gig\n");
    x = malloc(STEP * sizeof *x);
    for (size_t i = 0; i < STEP; i++) /* guitar-level chord tones */
        x[i] = 0.3f * (float)(sin(2 * M_PI * 110.0 * i / 48000.0) +
                              0.5 * sin(2 * M_PI * 330.0 * i / 48000.0));
}

static void teardown(void)
{
    free(x);
    tmpdir_teardown();
}

/* ---- helpers ---------------------------------------------------------- */

static rnnamp_lv2_host *host(int threaded)
{
    return test_host_new(NULL, 48000.0, threaded, 8192);
}

static void midi(rnnamp_lv2_host *h, uint8_t b0, uint8_t b1, uint8_t b2)
{
    char err[256];
    const uint8_t m[3] = {b0, b1, b2};
    const uint32_t n = (b0 & 0xF0) == 0xC0 ? 2 : 3;
    ck_assert_msg(rnnamp_lv2_host_send_midi(h, m, n, err, sizeof err) == 0,
                  "%s", err);
}

static const char *status(rnnamp_lv2_host *h)
{
    const char *s = rnnamp_lv2_host_property(h, RNNAMP__status);
    return s ? s : "(none)";
}

/* Run h and the reference r on STEP samples of x, block by block; their
 * outputs must be bitwise equal. Returns the RMS of h's output. */
static double run_both(rnnamp_lv2_host *h, rnnamp_lv2_host *r)
{
    float y0[BLOCK], y1[BLOCK];
    double e = 0.0;
    for (size_t done = 0; done < STEP; done += BLOCK) {
        const uint32_t k = STEP - done < BLOCK ? STEP - done : BLOCK;
        rnnamp_lv2_host_run(h, x + done, y0, k);
        rnnamp_lv2_host_run(r, x + done, y1, k);
        for (uint32_t i = 0; i < k; i++) {
            ck_assert_msg(y0[i] == y1[i],
                          "sample %zu: %.9g, reference %.9g (status: %s)",
                          done + i, y0[i], y1[i], status(h));
            e += (double)y0[i] * y0[i];
        }
    }
    return sqrt(e / STEP);
}

/* ---- tests ------------------------------------------------------------ */

/* Program K of the folder is the K-th loadable file in name order; the
 * status lists the folder. */
START_TEST(t_programs)
{
    char want[1200];
    for (int k = 0; k < 3; k++) {
        rnnamp_lv2_host *h = host(0), *r = host(0);
        set(h, "program", (float)k);
        send_path(h, RNNAMP__modelDir, folder);
        send_path(r, RNNAMP__model, k == 0 ? file_a : k == 1 ? file_b : file_c);
        const double rms = run_both(h, r);
        ck_assert_msg(rms > 0.01, "program %d is silent (%g)", k, rms);
        snprintf(want, sizeof want,
                 "; program %d of folder %s: 3 models: 0 a.json, 1 b.json, 2 "
                 "c.json; skipped 2: broken.json (invalid JSON at line 1, "
                 "column 12: ']' expected near end of file), notes.txt (not "
                 "a model file)",
                 k, folder);
        ck_assert_msg(strstr(status(h), want), "%s", status(h));
        ck_assert_str_eq(rnnamp_lv2_host_property(h, RNNAMP__modelDir), folder);
        rnnamp_lv2_host_free(h);
        rnnamp_lv2_host_free(r);
    }
}
END_TEST

/* MIDI Program Change, CC 20/21 and the port: the last change wins. */
START_TEST(t_midi)
{
    rnnamp_lv2_host *h = host(0), *r = host(0);
    send_path(h, RNNAMP__modelDir, folder);
    send_path(r, RNNAMP__model, file_a);
    run_both(h, r);
    ck_assert_msg(strstr(status(h), "program 0 of folder"), "%s", status(h));

    /* each step: MIDI bytes (or a port value), the file that must play */
    static const struct {
        uint8_t b0, b1, b2;
        float port; /* >= 0: set the port instead */
        char file;  /* 'a'.. 'c'; 0: no change */
        const char *status;
    } steps[] = {
        {0xC0, 2, 0, -1, 'c', "program 2 of folder"},    /* PC 2 */
        {0xB3, 20, 127, -1, 'a', "program 0 of folder"}, /* next: wraps */
        {0xB0, 21, 127, -1, 'c', "program 2 of folder"}, /* previous: wraps */
        {0xB0, 21, 100, -1, 'b', "program 1 of folder"}, /* previous */
        {0xB0, 20, 0, -1, 0, "program 1 of folder"},     /* release: no-op */
        {0xB0, 7, 127, -1, 0, "program 1 of folder"},    /* volume: no-op */
        {0xC5, 7, 0, -1, 0, "error: program 7: model folder "},
        {0, 0, 0, 2.0f, 'c', "program 2 of folder"},  /* the port moves */
        {0xC0, 0, 0, -1, 'a', "program 0 of folder"}, /* MIDI after it */
        {0, 0, 0, 2.0f, 0, "program 0 of folder"},    /* port unchanged */
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i].port >= 0.0f)
            set(h, "program", steps[i].port);
        else
            midi(h, steps[i].b0, steps[i].b1, steps[i].b2);
        if (steps[i].file)
            send_path(r, RNNAMP__model,
                      steps[i].file == 'a'   ? file_a
                      : steps[i].file == 'b' ? file_b
                                             : file_c);
        run_both(h, r);
        ck_assert_msg(strstr(status(h), steps[i].status), "step %zu: %s", i,
                      status(h));
    }
    rnnamp_lv2_host_free(h);
    rnnamp_lv2_host_free(r);
}
END_TEST

/* A folder that cannot be read, and a file that no longer loads: the
 * playing model stays and the status says why. */
START_TEST(t_errors)
{
    char nope[500], want[800];
    rnnamp_lv2_host *h = host(0), *r = host(0);
    send_path(h, RNNAMP__modelDir, folder);
    send_path(r, RNNAMP__model, file_a);
    run_both(h, r);

    snprintf(nope, sizeof nope, "%s/nope", tmpdir);
    send_path(h, RNNAMP__modelDir, nope);
    run_both(h, r);
    snprintf(want, sizeof want,
             "error: model folder %s: No such file or directory", nope);
    ck_assert_str_eq(status(h), want);
    /* program changes still go to the folder that plays */
    midi(h, 0xC0, 1, 0);
    send_path(r, RNNAMP__model, file_b);
    run_both(h, r);
    ck_assert_msg(strstr(status(h), "program 1 of folder"), "%s", status(h));
    ck_assert_str_eq(rnnamp_lv2_host_property(h, RNNAMP__modelDir), folder);

    /* c.json breaks after the folder was listed (the folder's mtime stays:
     * the cached listing still counts it) */
    put_text(file_c, "{\"layers\": 3}");
    midi(h, 0xC0, 2, 0);
    run_both(h, r);
    ck_assert_msg(!strncmp(status(h), "error: ", 7) &&
                      strstr(status(h), "c.json") &&
                      strstr(status(h), "; program 2 of folder"),
                  "%s", status(h));

    /* an empty folder path leaves folder mode: b stays, programs do
     * nothing */
    send_path(h, RNNAMP__modelDir, "");
    run_both(h, r);
    ck_assert_str_eq(rnnamp_lv2_host_property(h, RNNAMP__modelDir), "");
    midi(h, 0xC0, 0, 0);
    run_both(h, r);
    rnnamp_lv2_host_free(h);
    rnnamp_lv2_host_free(r);
}
END_TEST

/* Saved with the session: the folder and the program (chosen by MIDI,
 * so the port's saved value is stale); restored with and without a
 * worker, also into an instance whose port was elsewhere. */
START_TEST(t_state)
{
    char sdir[400], err[1024], v[1024];
    snprintf(sdir, sizeof sdir, "%s/state", tmpdir);
    rnnamp_lv2_host *h = host(0);
    send_path(h, RNNAMP__modelDir, folder);
    rnnamp_lv2_host_run(h, x, NULL, BLOCK);
    midi(h, 0xC0, 2, 0);
    rnnamp_lv2_host_run(h, x, NULL, BLOCK);
    ck_assert_int_eq(
        rnnamp_lv2_host_state_value(h, RNNAMP__modelDir, v, sizeof v), 0);
    ck_assert_str_eq(v, folder);
    ck_assert_int_eq(
        rnnamp_lv2_host_state_value(h, RNNAMP__program, v, sizeof v), 0);
    ck_assert_str_eq(v, "2");
    /* the program plays, so no model file is stored */
    ck_assert_int_eq(rnnamp_lv2_host_state_value(h, RNNAMP__model, v, sizeof v),
                     1);
    ck_assert_msg(rnnamp_lv2_host_save_state(h, sdir, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_lv2_host_free(h);

    for (int with_worker = 0; with_worker < 2; with_worker++) {
        rnnamp_lv2_host *q = host(0), *r = host(0);
        if (with_worker) {
            /* a running instance with the folder, the port at 1: the
             * restore sets the port to its saved 0, which must not count
             * as a change (the saved program 2 plays) */
            send_path(q, RNNAMP__modelDir, folder);
            set(q, "program", 1.0f);
            send_path(r, RNNAMP__model, file_b);
            run_both(q, r);
            ck_assert_msg(strstr(status(q), "program 1 of folder"), "%s",
                          status(q));
        }
        ck_assert_msg(rnnamp_lv2_host_restore_state(q, sdir, with_worker, err,
                                                    sizeof err) == 0,
                      "%s", err);
        float port = -1.0f;
        ck_assert(rnnamp_lv2_host_get_control(q, "program", &port) == 0);
        ck_assert(port == 0.0f); /* the saved, stale value */
        send_path(r, RNNAMP__model, file_c);
        run_both(q, r);
        ck_assert_msg(strstr(status(q), "program 2 of folder"), "%s",
                      status(q));
        /* and the folder is there for the next program change */
        midi(q, 0xB0, 21, 127);
        send_path(r, RNNAMP__model, file_b);
        run_both(q, r);
        rnnamp_lv2_host_free(q);
        rnnamp_lv2_host_free(r);
    }
}
END_TEST

/* A model file set after the folder: the state keeps both; the file
 * plays after a restore, the folder's programs stay reachable. */
START_TEST(t_state_file_and_folder)
{
    char sdir[400], err[1024], v[1024], other[500];
    snprintf(sdir, sizeof sdir, "%s/state", tmpdir);
    snprintf(other, sizeof other, "%s/other.json", tmpdir);
    copy_file(file_b, other);
    rnnamp_lv2_host *h = host(0);
    send_path(h, RNNAMP__modelDir, folder);
    rnnamp_lv2_host_run(h, x, NULL, BLOCK);
    send_path(h, RNNAMP__model, other);
    rnnamp_lv2_host_run(h, x, NULL, BLOCK);
    ck_assert_int_eq(rnnamp_lv2_host_state_value(h, RNNAMP__model, v, sizeof v),
                     0);
    ck_assert_str_eq(v, other);
    ck_assert_int_eq(
        rnnamp_lv2_host_state_value(h, RNNAMP__modelDir, v, sizeof v), 0);
    ck_assert_str_eq(v, folder);
    ck_assert_msg(rnnamp_lv2_host_save_state(h, sdir, err, sizeof err) == 0,
                  "%s", err);
    rnnamp_lv2_host_free(h);

    rnnamp_lv2_host *q = host(0), *r = host(0);
    ck_assert_msg(rnnamp_lv2_host_restore_state(q, sdir, 1, err, sizeof err) ==
                      0,
                  "%s", err);
    send_path(r, RNNAMP__model, other);
    run_both(q, r);
    ck_assert_msg(!strstr(status(q), "program"), "%s", status(q));
    midi(q, 0xC0, 2, 0);
    send_path(r, RNNAMP__model, file_c);
    run_both(q, r);
    ck_assert_msg(strstr(status(q), "program 2 of folder"), "%s", status(q));
    rnnamp_lv2_host_free(q);
    rnnamp_lv2_host_free(r);
}
END_TEST

/* Switching by MIDI and by the port with the worker on its own thread:
 * run() allocates nothing. The worker is held while run() is counted, so
 * that only run()'s allocations count. */
START_TEST(t_no_alloc)
{
    rnnamp_lv2_host *h = host(1);
    float y[BLOCK];
    send_path(h, RNNAMP__modelDir, folder);
    rnnamp_lv2_host_run(h, x, y, BLOCK);
    rnnamp_lv2_host_worker_idle(h);
    allocs = 0;
    for (int i = 0; i < 30; i++) {
        if (i % 5 == 4)
            set(h, "program", (float)(i % 3));
        else if (i % 2)
            midi(h, 0xC0, (uint8_t)(i % 4), 0); /* 3: no such program */
        else
            midi(h, 0xB0, i % 4 ? 20 : 21, 127);
        for (int b = 0; b < 3; b++) {
            rnnamp_lv2_host_worker_hold(h, 1);
            rnnamp_lv2_host_run(h, x + b * BLOCK, y, BLOCK);
            rnnamp_lv2_host_worker_hold(h, 0);
            rnnamp_lv2_host_worker_idle(h);
        }
    }
    ck_assert_int_eq(allocs, 0);
    /* the counter counts */
    count_hook(NULL, 1);
    void *volatile p = malloc(16);
    free(p);
    count_hook(NULL, 0);
    ck_assert_int_eq(allocs, 2);
    rnnamp_lv2_host_get_all(h);
    rnnamp_lv2_host_run(h, x, y, BLOCK);
    ck_assert_msg(strstr(status(h), "program ") && !strstr(status(h), "error"),
                  "%s", status(h));
    rnnamp_lv2_host_free(h);
}
END_TEST

#ifdef RNNAMP_RENDER
/* Read a mono render. */
static float *read_wav(const char *path, size_t *n)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_audio a;
    ck_assert_msg(rnnamp_audio_read(path, &a, err, sizeof err) == 0, "%s", err);
    float *y = rnnamp_audio_channel(&a, 0);
    *n = a.frames;
    rnnamp_audio_free(&a);
    return y;
}

/* rnnamp-render --model-dir DIR --set program=K plays exactly what
 * --model does on the K-th file; with LV2_PATH unset (main()), so the
 * build tree's bundle is found next to the tool. */
START_TEST(t_render)
{
    char in[500], o0[500], o1[500], cmd[3000], err[RNNAMP_ERR_LEN];
    const char *files[3] = {file_a, file_b, file_c};
    snprintf(in, sizeof in, "%s/in.wav", tmpdir);
    ck_assert(rnnamp_audio_write(in, x, STEP, 1, 48000, err, sizeof err) == 0);
    float *prev = NULL;
    for (int k = 0; k < 3; k++) {
        snprintf(o0, sizeof o0, "%s/dir%d.wav", tmpdir, k);
        snprintf(o1, sizeof o1, "%s/file%d.wav", tmpdir, k);
        snprintf(cmd, sizeof cmd,
                 "'%s' --quiet --model-dir '%s' --set program=%d '%s' '%s'",
                 RNNAMP_RENDER, folder, k, in, o0);
        ck_assert_int_eq(test_run_tool(cmd), 0);
        snprintf(cmd, sizeof cmd, "'%s' --quiet --model '%s' '%s' '%s'",
                 RNNAMP_RENDER, files[k], in, o1);
        ck_assert_int_eq(test_run_tool(cmd), 0);
        size_t n0, n1;
        float *y0 = read_wav(o0, &n0), *y1 = read_wav(o1, &n1);
        ck_assert_uint_eq(n0, STEP);
        ck_assert_uint_eq(n1, STEP);
        ck_assert_msg(!memcmp(y0, y1, STEP * sizeof *y0),
                      "program %d differs from %s", k, files[k]);
        if (prev) { /* and the programs differ from each other */
            double d = 0.0;
            for (size_t i = 0; i < STEP; i++)
                d = fmax(d, fabs((double)y0[i] - prev[i]));
            ck_assert_msg(d > 0.01, "programs %d and %d sound alike", k - 1, k);
        }
        free(prev);
        prev = y0;
        free(y1);
    }
    free(prev);
    /* a program the folder lacks: an error naming it */
    snprintf(cmd, sizeof cmd,
             "'%s' --quiet --model-dir '%s' --set program=3 '%s' '%s' "
             "2>'%s/err.txt'",
             RNNAMP_RENDER, folder, in, o0, tmpdir);
    ck_assert_int_ne(test_run_tool(cmd), 0);
}
END_TEST
#endif

int main(void)
{
    unsetenv("LV2_PATH"); /* the host must find the bundle by itself */
    Suite *s = suite_create("folders");
    TCase *tc = tcase_create("folders");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_programs);
    tcase_add_test(tc, t_midi);
    tcase_add_test(tc, t_errors);
    tcase_add_test(tc, t_state);
    tcase_add_test(tc, t_state_file_and_folder);
    tcase_add_test(tc, t_no_alloc);
#ifdef RNNAMP_RENDER
    tcase_add_test(tc, t_render);
#endif
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
