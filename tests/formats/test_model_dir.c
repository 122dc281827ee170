/* rnnamp tests: model folders (src/model/model_dir.c): which files are
 * programs, in which order, what the listing says about the others.
 *
 * The folder holds links to the shipped presets' model files under other
 * names, a corrupt model, a text file, a subfolder and a hidden file.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "model_dir.h"
#include "test_util.h"

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-test-model-dir")

static void put_link(const char *preset_file, const char *name)
{
    char from[1024], to[600];
    snprintf(from, sizeof from, "%s/presets/%s", RNNAMP_SOURCE_DIR,
             preset_file);
    snprintf(to, sizeof to, "%s/%s", tmpdir, name);
    ck_assert_msg(symlink(from, to) == 0, "symlink %s", to);
}

static void put_text(const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    ck_assert(f);
    fputs(text, f);
    fclose(f);
}

/* The folder every test starts from. */
static void make_folder(void)
{
    char p[600];
    put_link("rnnamp-demo.lv2/demo-lstm8.json", "01 demo.json");
    put_link("rnnamp-fuzzface.lv2/fuzzface.json", "02 fuzz.NAM");
    put_text("03 broken.json", "{\"layers\": [");
    put_link("rnnamp-combo-clean.lv2/combo-clean.json", "04 combo.aidax");
    put_link("rnnamp-od-low.lv2/od-low.json", "Lead.json");
    put_text("notes.txt", "my amps\n");
    put_link("rnnamp-demo.lv2/demo-lstm8.json", ".hidden.json");
    snprintf(p, sizeof p, "%s/sub.json", tmpdir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
}

/* Programs in byte order of the names, the rest skipped with a reason. */
START_TEST(t_listing)
{
    char err[RNNAMP_ERR_LEN], buf[2048], want[2048];
    make_folder();
    rnnamp_model_dir *d = rnnamp_model_dir_scan(tmpdir, err, sizeof err);
    ck_assert_msg(d, "%s", err);
    ck_assert_int_eq(d->n_programs, 4);
    ck_assert_int_eq(d->n_skipped, 3);
    rnnamp_model_dir_describe(d, buf, sizeof buf);
    ck_assert_str_eq(buf,
                     "4 models: 0 01 demo.json, 1 02 fuzz.NAM, 2 04 "
                     "combo.aidax, 3 Lead.json; skipped 3: 03 broken.json "
                     "(invalid JSON at line 1, column 12: ']' expected near "
                     "end of file), notes.txt (not a model file), "
                     "sub.json (a folder)");
    ck_assert_int_eq(
        rnnamp_model_dir_program_path(d, 2, buf, sizeof buf, err, sizeof err),
        0);
    snprintf(want, sizeof want, "%s/04 combo.aidax", tmpdir);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(
        rnnamp_model_dir_program_path(d, 4, buf, sizeof buf, err, sizeof err),
        -1);
    snprintf(want, sizeof want,
             "program 4: model folder %s holds only 4 models (programs 0..3)",
             tmpdir);
    ck_assert_str_eq(err, want);
    ck_assert(rnnamp_model_dir_current(d, tmpdir));
    rnnamp_model_dir_free(d);
}
END_TEST

/* A folder that cannot be read, an empty one, a short status buffer. */
START_TEST(t_bad_folders)
{
    char err[RNNAMP_ERR_LEN], p[600], want[800], buf[40];
    snprintf(p, sizeof p, "%s/nope", tmpdir);
    ck_assert_ptr_null(rnnamp_model_dir_scan(p, err, sizeof err));
    snprintf(want, sizeof want, "model folder %s: No such file or directory",
             p);
    ck_assert_str_eq(err, want);
    put_text("notes.txt", "x");
    snprintf(p, sizeof p, "%s/notes.txt", tmpdir);
    ck_assert_ptr_null(rnnamp_model_dir_scan(p, err, sizeof err));
    snprintf(want, sizeof want, "model folder %s: not a folder", p);
    ck_assert_str_eq(err, want);

    rnnamp_model_dir *d = rnnamp_model_dir_scan(tmpdir, err, sizeof err);
    ck_assert_msg(d, "%s", err);
    ck_assert_int_eq(d->n_programs, 0);
    ck_assert_int_eq(
        rnnamp_model_dir_program_path(d, 0, p, sizeof p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "holds no model file"), "%s", err);
    rnnamp_model_dir_free(d);

    make_folder();
    d = rnnamp_model_dir_scan(tmpdir, err, sizeof err);
    ck_assert_msg(d, "%s", err);
    rnnamp_model_dir_describe(d, buf, sizeof buf);
    ck_assert_str_eq(buf, "4 models: 0 01 demo.json, 1 02 fuzz....");
    rnnamp_model_dir_free(d);
}
END_TEST

/* A file added to the folder makes the listing stale. */
START_TEST(t_current)
{
    char err[RNNAMP_ERR_LEN];
    make_folder();
    rnnamp_model_dir *d = rnnamp_model_dir_scan(tmpdir, err, sizeof err);
    ck_assert_msg(d, "%s", err);
    ck_assert(rnnamp_model_dir_current(d, tmpdir));
    struct timespec ts = {0, 20 * 1000 * 1000}; /* past the mtime's grain */
    nanosleep(&ts, NULL);
    put_link("rnnamp-ts9-high.lv2/ts9-high.json", "00 ts9.json");
    ck_assert(!rnnamp_model_dir_current(d, tmpdir));
    rnnamp_model_dir_free(d);
    d = rnnamp_model_dir_scan(tmpdir, err, sizeof err);
    ck_assert_msg(d, "%s", err);
    ck_assert_int_eq(d->n_programs, 5);
    ck_assert_str_eq(d->entries[0].name, "00 ts9.json");
    ck_assert_int_eq(d->entries[0].program, 0);
    rnnamp_model_dir_free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model-dir");
    TCase *tc = tcase_create("listing");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_listing);
    tcase_add_test(tc, t_bad_folders);
    tcase_add_test(tc, t_current);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
