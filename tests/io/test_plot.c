/* Plot tests (src/io/plot.c): the trainer's PNG has the documented size,
 * text in the title, axis-label and legend places, the two loss curves and
 * the two clip curves in their colours, and NAM's four grade lines; a
 * path that cannot be written gives an error naming it. Built without
 * cairo, the function must say so. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "test_util.h"

#ifdef RNNAMP_HAVE_CAIRO
#include <cairo.h>
#endif

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-test-plot")

#define EPOCHS 60
#define CLIP   2048

/* A run whose losses fall from 0.5 to ~0.002 (the ESR axis then spans
 * 1e-3..1, the grade lines inside), and a clip at 48 kHz. */
static int write_report(const char *path, char *err, size_t errlen)
{
    static double tl[EPOCHS], ve[EPOCHS];
    static float t[CLIP], p[CLIP];
    for (int i = 0; i < EPOCHS; i++) {
        tl[i] = 0.5 * exp(-0.09 * i) + 0.0015;
        ve[i] = 0.6 * exp(-0.08 * i) + 0.003;
    }
    for (int i = 0; i < CLIP; i++) {
        t[i] = (float)(0.7 * sin(2 * M_PI * 220.0 * i / 48000.0));
        p[i] = 0.9f * t[i] + 0.05f;
    }
    const rnnamp_plot_data d = {"Test amp", tl, ve, EPOCHS, t,
                                p,          CLIP, 48000.0, 0.0123};
    return rnnamp_plot_write(path, &d, err, errlen);
}

#ifdef RNNAMP_HAVE_CAIRO
typedef struct {
    const uint32_t *px;
    int stride; /* in pixels */
} image;

/* Pixels in [x0,x1) x [y0,y1) for which want(r, g, b) holds. */
static int count(const image *im, int x0, int y0, int x1, int y1,
                 int (*want)(int, int, int))
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const uint32_t v = im->px[y * im->stride + x];
            n += want((v >> 16) & 255, (v >> 8) & 255, v & 255);
        }
    return n;
}

static int dark(int r, int g, int b)
{
    return r < 100 && g < 100 && b < 100;
}
static int blue(int r, int g, int b)
{
    return b > 180 && r < 90 && g < 140;
}
static int red(int r, int g, int b)
{
    return r > 180 && g < 100 && b < 80;
}
static int orange(int r, int g, int b)
{
    return r > 220 && g > 110 && g < 170 && b < 60;
}
static int mid_grey(int r, int g, int b)
{
    return r > 95 && r < 140 && abs(r - g) < 4 && abs(g - b) < 4;
}

START_TEST(png_is_readable)
{
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/report.png", tmpdir);
    ck_assert_msg(write_report(path, err, sizeof err) == 0, "%s", err);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(cairo_image_surface_get_width(s), RNNAMP_PLOT_WIDTH);
    ck_assert_int_eq(cairo_image_surface_get_height(s), RNNAMP_PLOT_HEIGHT);
    cairo_surface_flush(s);
    const image im = {(const uint32_t *)cairo_image_surface_get_data(s),
                      cairo_image_surface_get_stride(s) / 4};
    const int w = RNNAMP_PLOT_WIDTH;
    /* text: the title, the ESR axis label (turned), the epoch label, the
     * loss legend, the time label; and nothing dark in the margin right
     * of the plots */
    const int title = count(&im, 200, 8, w - 200, 44, dark);
    const int ylabel = count(&im, 15, 150, 50, 330, dark);
    const int xlabel = count(&im, 500, 415, 700, 445, dark);
    const int leg = count(&im, 600, 48, w - 40, 68, dark);
    const int tlabel = count(&im, 500, 795, 700, 825, dark);
    fprintf(stderr,
            "dark pixels: title %d, ESR label %d, epoch label %d, legend "
            "%d, time label %d\n",
            title, ylabel, xlabel, leg, tlabel);
    ck_assert_int_gt(title, 400);
    ck_assert_int_gt(ylabel, 100);
    ck_assert_int_gt(xlabel, 60);
    ck_assert_int_gt(leg, 200);
    ck_assert_int_gt(tlabel, 60);
    ck_assert_int_eq(count(&im, w - 20, 0, w, RNNAMP_PLOT_HEIGHT, dark), 0);
    /* curves: training (blue) and validation (red) in the loss panel, the
     * prediction (orange) and the target (black) in the clip panel */
    const int nb = count(&im, 100, 70, w - 40, 390, blue);
    const int nr = count(&im, 100, 70, w - 40, 390, red);
    const int no = count(&im, 100, 500, w - 40, 770, orange);
    const int nk = count(&im, 100, 500, w - 40, 770, dark);
    fprintf(stderr, "curve pixels: blue %d, red %d, orange %d, black %d\n", nb,
            nr, no, nk);
    ck_assert_int_gt(nb, 1000);
    ck_assert_int_gt(nr, 1000);
    ck_assert_int_gt(no, 3000);
    ck_assert_int_gt(nk, 3000);
    /* NAM's grade lines: four dashed rows of mid grey across the loss
     * panel (runs of adjacent rows count once) */
    int lines = 0, prev = 0;
    for (int y = 70; y < 390; y++) {
        const int on = count(&im, 100, y, w - 40, y + 1, mid_grey) > 400;
        lines += on && !prev;
        prev = on;
    }
    ck_assert_int_eq(lines, 4);
    cairo_surface_destroy(s);
}
END_TEST
#endif

START_TEST(unwritable_path_names_it)
{
    char path[512], err[1024] = "";
    snprintf(path, sizeof path, "%s/no/such/dir/report.png", tmpdir);
    ck_assert_int_eq(write_report(path, err, sizeof err), -1);
    ck_assert_msg(strstr(err, path), "%s", err);
#ifndef RNNAMP_HAVE_CAIRO
    ck_assert_msg(strstr(err, "built without cairo"), "%s", err);
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("png");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
#ifdef RNNAMP_HAVE_CAIRO
    tcase_add_test(tc, png_is_readable);
#endif
    tcase_add_test(tc, unwritable_path_names_it);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
