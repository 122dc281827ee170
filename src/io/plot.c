/* rnnamp trainer: PNG report. See plot.h. */
#include "plot.h"
#include "error.h"

#include <math.h>
#include <stdio.h>

#include "atomic_write.h"

#ifdef RNNAMP_HAVE_CAIRO
#include <cairo.h>
#endif

#ifdef RNNAMP_HAVE_CAIRO
#define W 1000
#define H 700

/* Draw series v[0..n) as a line in box (x0,y0,w,h) for y range lo..hi. */
static void line(cairo_t *cr, const double *v, const float *fv, size_t n,
                 double x0, double y0, double w, double h, double lo, double hi,
                 int logy)
{
    int started = 0;
    for (size_t i = 0; i < n; i++) {
        double y = v ? v[i] : (double)fv[i];
        if (logy)
            y = y > 0 ? log10(y) : NAN;
        if (!isfinite(y))
            continue;
        double px = x0 + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
        double py = y0 + h - h * (y - lo) / (hi - lo);
        if (py < y0)
            py = y0;
        if (py > y0 + h)
            py = y0 + h;
        if (!started)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
        started = 1;
    }
    cairo_stroke(cr);
}

/* Frame with horizontal grid lines (one per decade / quarter). No text:
 * cairo's toy text pulls in fontconfig, whose caches never free. */
static void frame(cairo_t *cr, double x, double y, double w, double h,
                  int lines)
{
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1.0);
    for (int i = 1; i < lines; i++) {
        cairo_move_to(cr, x, y + h * i / lines);
        cairo_line_to(cr, x + w, y + h * i / lines);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
}
#endif

int rnnamp_plot_write(const char *path, const double *train_loss,
                      const double *val_esr, int n_epochs, const float *target,
                      const float *pred, size_t n_clip, double test_esr,
                      char *err, size_t errlen)
{
#ifndef RNNAMP_HAVE_CAIRO
    (void)train_loss;
    (void)val_esr;
    (void)n_epochs;
    (void)target;
    (void)pred;
    (void)n_clip;
    (void)test_esr;
    rnnamp_seterr(err, errlen, "%s: not written: built without cairo", path);
    return -1;
#else
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    /* loss curves */
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n_epochs; i++) {
        double v[2] = {train_loss[i], val_esr[i]};
        for (int k = 0; k < 2; k++)
            if (v[k] > 0 && isfinite(v[k])) {
                lo = fmin(lo, log10(v[k]));
                hi = fmax(hi, log10(v[k]));
            }
    }
    if (!(hi > lo)) {
        lo = -4;
        hi = 0;
    }
    lo = floor(lo);
    hi = ceil(hi) + (ceil(hi) == floor(lo) ? 1 : 0);
    frame(cr, 60, 40, W - 100, 260, (int)(hi - lo));
    cairo_set_line_width(cr, 2.0);
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.9);
    line(cr, train_loss, NULL, (size_t)n_epochs, 60, 40, W - 100, 260, lo, hi,
         1);
    cairo_set_source_rgb(cr, 0.9, 0.2, 0.1);
    line(cr, val_esr, NULL, (size_t)n_epochs, 60, 40, W - 100, 260, lo, hi, 1);

    /* target vs prediction */
    double a = 1e-6;
    for (size_t i = 0; i < n_clip; i++)
        a = fmax(a, fmax(fabsf(target[i]), fabsf(pred[i])));
    (void)test_esr;
    frame(cr, 60, 360, W - 100, 300, 4);
    cairo_set_line_width(cr, 1.5);
    cairo_set_source_rgb(cr, 0, 0, 0);
    line(cr, NULL, target, n_clip, 60, 360, W - 100, 300, -a, a, 0);
    cairo_set_source_rgb(cr, 1.0, 0.55, 0.0);
    line(cr, NULL, pred, n_clip, 60, 360, W - 100, 300, -a, a, 0);
    cairo_destroy(cr);

    rnnamp_atomic at;
    if (rnnamp_atomic_begin(&at, path, err, errlen) != 0) {
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_status_t s = cairo_surface_write_to_png(sf, at.tmp);
    cairo_surface_destroy(sf);
    if (s != CAIRO_STATUS_SUCCESS) {
        rnnamp_seterr(err, errlen, "%s: cannot write PNG: %s", path,
               cairo_status_to_string(s));
        rnnamp_atomic_abort(&at);
        return -1;
    }
    return rnnamp_atomic_commit(&at, err, errlen);
#endif
}
