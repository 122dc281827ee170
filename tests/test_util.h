/* rnnamp tests: small shared helpers (header-only).
 *
 *  - test_run_suite(s) / test_run_suite_nofork(s): THE runner a test
 *    main() ends with: `return test_run_suite(s);`;
 *  - TEST_TMPDIR_FIXTURE(var, "prefix"): a fresh temporary folder for each
 *    test of a TCase (test_tmpdir_make / test_tmpdir_remove underneath);
 *  - TEST_FOR_EACH_KERNEL(k) / test_log_kernels(): every vector kernel
 *    this CPU runs, and a log line naming the ones it ran and skipped;
 *  - ../shared paths, skip code, CSV reader. */
#ifndef RNNAMP_TEST_UTIL_H
#define RNNAMP_TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu.h"

/* Exit code meson treats as "skipped". tools/run-tests.sh turns any skip
 * into a failure when CI=true. */
#define TEST_SKIP_CODE 77

/* Loop k over every concrete kernel (scalar, SSE2, AVX2, AVX-512, NEON)
 * that this CPU runs; the others are skipped (test_log_kernels says so). */
#define TEST_FOR_EACH_KERNEL(k)                                                \
    for (rnnamp_kernel k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N;          \
         k = (rnnamp_kernel)(k + 1))                                           \
        if (rnnamp_kernel_supported(k))

/* Print, for the test log, which kernels test runs on this machine and
 * which it skips because this CPU (or OS, or valgrind) lacks them. */
static inline void test_log_kernels(const char *test)
{
    printf("%s: kernels run:", test);
    for (int k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N; k++)
        if (rnnamp_kernel_supported((rnnamp_kernel)k))
            printf(" %s", rnnamp_kernel_name((rnnamp_kernel)k));
    printf("; skipped (not on this CPU):");
    int none = 1;
    for (int k = RNNAMP_KERNEL_SCALAR; k < RNNAMP_KERNEL_N; k++)
        if (!rnnamp_kernel_supported((rnnamp_kernel)k)) {
            printf(" %s", rnnamp_kernel_name((rnnamp_kernel)k));
            none = 0;
        }
    printf("%s\n", none ? " none" : "");
    fflush(stdout);
}

/* Path of a file under ../shared/ (the developers' shared material). */
static inline const char *test_shared_path(char *buf, size_t len,
                                           const char *rel)
{
    snprintf(buf, len, "%s/%s", RNNAMP_SHARED_DIR, rel);
    return buf;
}

static inline int test_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Call at the start of a test program that needs ../shared: exits with the
 * skip code and a reason when it is missing. */
static inline void test_require_shared(void)
{
    char p[4096];
    test_shared_path(p, sizeof p, "models/README.md");
    if (!test_file_exists(p)) {
        fprintf(stderr,
                "SKIP: %s is missing; the shared model files live in "
                "../shared next to the project (see README, Tests)\n",
                p);
        exit(TEST_SKIP_CODE);
    }
}

/* Make a fresh temporary folder "/tmp/<prefix>-XXXXXX" into buf; returns
 * buf, or NULL if it could not be made. */
static inline char *test_tmpdir_make(char *buf, size_t len, const char *prefix)
{
    snprintf(buf, len, "/tmp/%s-XXXXXX", prefix);
    return mkdtemp(buf);
}

/* Remove a folder made by test_tmpdir_make and all it holds; 0 on success. */
static inline int test_tmpdir_remove(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Run a command line whose first word is one of the project's built
 * programs: under meson's exe wrapper when it sets one (a cross build's
 * qemu-user, MESON_EXE_WRAPPER), else as it is. Returns system()'s
 * status. */
static inline int test_run_tool(const char *cmd)
{
    const char *w = getenv("MESON_EXE_WRAPPER");
    if (!w || !*w)
        return system(cmd);
    size_t n = strlen(w) + strlen(cmd) + 2;
    char *full = malloc(n);
    if (!full)
        return -1;
    snprintf(full, n, "%s %s", w, cmd);
    int st = system(full);
    free(full);
    return st;
}

/* Define `static char var[256]` and the Check fixture pair var##_setup /
 * var##_teardown that make a fresh "/tmp/<prefix>-XXXXXX" into var before
 * each test and remove it (and all it holds) after:
 *   TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-fmt-bad")
 *   ...
 *   tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown); */
#define TEST_TMPDIR_FIXTURE(var, prefix)                                       \
    static char var[256];                                                      \
    static void var##_setup(void)                                              \
    {                                                                          \
        ck_assert_ptr_nonnull(test_tmpdir_make(var, sizeof var, prefix));      \
    }                                                                          \
    static void var##_teardown(void)                                           \
    {                                                                          \
        ck_assert_int_eq(test_tmpdir_remove(var), 0);                          \
    }

/* Run every test of s with Check's normal output, free the runner (and s)
 * and return main()'s exit status: EXIT_SUCCESS if all passed, else
 * EXIT_FAILURE. Tests fork unless CK_FORK=no is set. */
static inline int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The same without forking (for tests that share process state, e.g.
 * mounts or a thread-local allocation counter across tests). */
static inline int test_run_suite_nofork(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Read a CSV of numbers (comma or whitespace separated, '#' comments and
 * a non-numeric header line skipped) into a malloc'ed array; *n gets the
 * count of numbers, *cols the numbers on the first data row. */
static inline double *test_read_csv(const char *path, size_t *n, int *cols)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1024, cnt = 0;
    double *v = malloc(cap * sizeof *v);
    char line[65536];
    *cols = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *p = line;
        int c = 0;
        for (;;) {
            while (*p == ',' || *p == ' ' || *p == '\t')
                p++;
            if (*p == '\n' || *p == '\r' || *p == '\0')
                break;
            char *e;
            double d = strtod(p, &e);
            if (e == p)
                break;
            if (cnt == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            v[cnt++] = d;
            c++;
            p = e;
        }
        if (c && !*cols)
            *cols = c;
    }
    fclose(f);
    *n = cnt;
    return v;
}

#endif
