/* rnnamp trainer: PNG report. See plot.h. */
#include "plot.h"
#include "error.h"

#include <math.h>
#include <stdio.h>

#include "atomic_write.h"
#include "trainer.h"

#ifdef RNNAMP_HAVE_CAIRO
#include <cairo.h>

#define W    RNNAMP_PLOT_WIDTH
#define H    RNNAMP_PLOT_HEIGHT
#define FONT "DejaVu Sans"

/* A plot area in pixels and the data range it shows (y in log10 units
 * when logy). */
typedef struct {
    double x, y, w, h;
    double xlo, xhi, ylo, yhi;
    int logy;
} panel;

typedef struct {
    const char *name;
    double r, g, b;
} legend_entry;

static double px_of(const panel *p, double x)
{
    return p->x + p->w * (x - p->xlo) / (p->xhi - p->xlo);
}

static double py_of(const panel *p, double y)
{
    const double v = p->logy ? log10(y) : y;
    return p->y + p->h - p->h * (v - p->ylo) / (p->yhi - p->ylo);
}

/* Text s with its anchor point at (x, y): ax, ay are fractions of its
 * width and height (0, 0: top left; 0.5, 0.5: centre). */
static void text(cairo_t *cr, double x, double y, const char *s, double ax,
                 double ay)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - ax * e.width - e.x_bearing,
                  y - ay * e.height - e.y_bearing);
    cairo_show_text(cr, s);
}

/* Text s turned a quarter to the left, centred on (x, y). */
static void vtext(cairo_t *cr, double x, double y, const char *s)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, s, 0.5, 0.5);
    cairo_restore(cr);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* A step of 1, 2 or 5 times a power of ten giving at most max_ticks
 * ticks over span (> 0); at least min_step. */
static double nice_step(double span, int max_ticks, double min_step)
{
    const double raw = span / max_ticks;
    const double p = pow(10.0, floor(log10(raw)));
    double step = 10.0 * p;
    if (raw <= p)
        step = p;
    else if (raw <= 2.0 * p)
        step = 2.0 * p;
    else if (raw <= 5.0 * p)
        step = 5.0 * p;
    return step < min_step ? min_step : step;
}

/* Grid, frame, tick labels and axis labels of p. x ticks every nice step
 * (at least xmin_step); y ticks: one per decade (logy) or a nice step. */
static void axes(cairo_t *cr, const panel *p, const char *xlabel,
                 const char *ylabel, double xmin_step)
{
    char buf[32];
    cairo_set_line_width(cr, 1.0);
    font(cr, 13, 0);
    const double xs = nice_step(p->xhi - p->xlo, 10, xmin_step);
    for (double v = ceil(p->xlo / xs) * xs; v <= p->xhi + 1e-9 * xs; v += xs) {
        const double px = floor(px_of(p, v)) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, px, p->y);
        cairo_line_to(cr, px, p->y + p->h);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-9 * xs ? 0.0 : v);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text(cr, px, p->y + p->h + 6, buf, 0.5, 0.0);
    }
    const double ys = p->logy ? 1.0 : nice_step(p->yhi - p->ylo, 6, 0.0);
    for (double v = ceil(p->ylo / ys) * ys; v <= p->yhi + 1e-9 * ys; v += ys) {
        const double py =
            floor(p->y + p->h - p->h * (v - p->ylo) / (p->yhi - p->ylo)) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, p->x, py);
        cairo_line_to(cr, p->x + p->w, py);
        cairo_stroke(cr);
        const double shown = p->logy ? pow(10.0, v) : v;
        snprintf(buf, sizeof buf, "%g", fabs(shown) < 1e-9 * ys ? 0.0 : shown);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text(cr, p->x - 8, py, buf, 1.0, 0.5);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_stroke(cr);
    font(cr, 15, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, p->x + p->w / 2, p->y + p->h + 30, xlabel, 0.5, 0.0);
    vtext(cr, p->x - 68, p->y + p->h / 2, ylabel);
}

/* Series y(i) = v[i] (or fv[i]) at x = x0 + i * dx, clipped to p; values
 * that are not finite (or <= 0 on a log axis) break the line. */
static void series(cairo_t *cr, const panel *p, const double *v,
                   const float *fv, size_t n, double x0, double dx)
{
    int started = 0;
    cairo_save(cr);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_clip(cr);
    for (size_t i = 0; i < n; i++) {
        const double y = v ? v[i] : (double)fv[i];
        if (!isfinite(y) || (p->logy && !(y > 0.0))) {
            started = 0;
            continue;
        }
        const double px = px_of(p, x0 + dx * (double)i), py = py_of(p, y);
        if (started)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        started = 1;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* NAM's grade thresholds as dashed lines, each labelled (right, below
 * it) with the grade of the ESRs under it; the worst grade above the
 * last. */
static void grade_lines(cairo_t *cr, const panel *p)
{
    const double dash[2] = {6.0, 4.0};
    font(cr, 12, 0);
    for (int i = 0; i < RNNAMP_ESR_GRADE_BOUNDS; i++) {
        const double b = rnnamp_esr_grade_bound(i);
        const double py = floor(py_of(p, b)) + 0.5; /* on a pixel row */
        if (py < p->y || py > p->y + p->h)
            continue;
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_dash(cr, dash, 2, 0.0);
        cairo_move_to(cr, p->x, py);
        cairo_line_to(cr, p->x + p->w, py);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0.0);
        char buf[96];
        snprintf(buf, sizeof buf, "ESR < %g: %s", b,
                 rnnamp_esr_grade(0.99 * b));
        text(cr, p->x + p->w - 6, py + 3, buf, 1.0, 0.0);
        if (i == RNNAMP_ESR_GRADE_BOUNDS - 1 && py - 18 > p->y)
            text(cr, p->x + p->w - 6, py - 3, rnnamp_esr_grade(b), 1.0, 1.0);
    }
}

/* A legend in one row above p, right-aligned with it: a line of each
 * colour and its name. Outside the plot area, so it hides no data. */
static void legend(cairo_t *cr, const panel *p, const legend_entry *e, int n)
{
    font(cr, 14, 0);
    double x = p->x + p->w;
    const double cy = p->y - 12;
    for (int i = n - 1; i >= 0; i--) {
        cairo_text_extents_t te;
        cairo_text_extents(cr, e[i].name, &te);
        x -= te.x_advance;
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x, cy, e[i].name, 0.0, 0.5);
        cairo_set_source_rgb(cr, e[i].r, e[i].g, e[i].b);
        cairo_set_line_width(cr, 3.0);
        cairo_move_to(cr, x - 36, cy);
        cairo_line_to(cr, x - 8, cy);
        cairo_stroke(cr);
        x -= 56;
    }
}

/* The log10 range of the ESR axis: the data's decades, widened to show
 * NAM's grade lines with room below the lowest; at most 8 decades. */
static void esr_range(const rnnamp_plot_data *d, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (int i = 0; i < d->n_epochs; i++) {
        const double v[2] = {d->train_loss[i], d->val_esr[i]};
        for (int k = 0; k < 2; k++)
            if (v[k] > 0 && isfinite(v[k])) {
                a = fmin(a, log10(v[k]));
                b = fmax(b, log10(v[k]));
            }
    }
    *lo = fmin(isfinite(a) ? floor(a) : -3.0, -3.0);
    *hi = fmax(isfinite(b) ? ceil(b) : 0.0, 0.0);
    *lo = fmax(*lo, *hi - 8.0);
}

static void draw_losses(cairo_t *cr, const rnnamp_plot_data *d)
{
    panel p = {100, 70, W - 140, 320, 1, 2, 0, 0, 1};
    if (d->n_epochs > 1)
        p.xhi = d->n_epochs;
    else {
        p.xlo = 0.5;
        p.xhi = 1.5;
    }
    esr_range(d, &p.ylo, &p.yhi);
    axes(cr, &p, "epoch", "ESR (log scale)", 1.0);
    grade_lines(cr, &p);
    cairo_set_line_width(cr, 2.0);
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.9);
    series(cr, &p, d->train_loss, NULL, (size_t)d->n_epochs, 1.0, 1.0);
    cairo_set_source_rgb(cr, 0.9, 0.2, 0.1);
    series(cr, &p, d->val_esr, NULL, (size_t)d->n_epochs, 1.0, 1.0);
    const legend_entry e[2] = {
        {"training loss (pre-emphasised ESR)", 0.1, 0.3, 0.9},
        {"validation ESR", 0.9, 0.2, 0.1}};
    legend(cr, &p, e, 2);
}

static void draw_clip(cairo_t *cr, const rnnamp_plot_data *d)
{
    const int ms = d->rate > 0.0;
    const double dx = ms ? 1000.0 / d->rate : 1.0;
    double a = 1e-6;
    for (size_t i = 0; i < d->n_clip; i++)
        a = fmax(a, fmax(fabsf(d->target[i]), fabsf(d->pred[i])));
    a *= 1.05;
    panel p = {100, 500, W - 140, 270, 0, 1, -a, a, 0};
    if (d->n_clip > 1)
        p.xhi = dx * (double)(d->n_clip - 1);
    axes(cr, &p, ms ? "time (ms)" : "time (samples)",
         "amplitude (1 = full scale)", ms ? 0.0 : 1.0);
    cairo_set_line_width(cr, 1.5);
    cairo_set_source_rgb(cr, 0, 0, 0);
    series(cr, &p, NULL, d->target, d->n_clip, 0.0, dx);
    cairo_set_source_rgb(cr, 1.0, 0.55, 0.0);
    series(cr, &p, NULL, d->pred, d->n_clip, 0.0, dx);
    const legend_entry e[2] = {{"target (test clip)", 0, 0, 0},
                               {"prediction", 1.0, 0.55, 0.0}};
    legend(cr, &p, e, 2);
}

static void draw_titles(cairo_t *cr, const rnnamp_plot_data *d)
{
    char buf[512];
    const char *name = d->title && d->title[0] ? d->title : "rnnamp-train";
    if (isfinite(d->test_esr))
        snprintf(buf, sizeof buf, "%s: test ESR %.4g (%s)", name, d->test_esr,
                 rnnamp_esr_grade(d->test_esr));
    else
        snprintf(buf, sizeof buf, "%s", name);
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 22, 1);
    text(cr, W / 2.0, 14, buf, 0.5, 0.0);
    font(cr, 16, 1);
    text(cr, 100, 48, "Loss per epoch", 0.0, 0.0);
    text(cr, 100, 478, "Target and prediction", 0.0, 0.0);
}
#endif

int rnnamp_plot_write(const char *path, const rnnamp_plot_data *d, char *err,
                      size_t errlen)
{
#ifndef RNNAMP_HAVE_CAIRO
    (void)d;
    rnnamp_seterr(err, errlen, "%s: not written: built without cairo", path);
    return -1;
#else
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw_titles(cr, d);
    draw_losses(cr, d);
    draw_clip(cr, d);
    cairo_status_t s = cairo_status(cr);
    cairo_destroy(cr);
    if (s != CAIRO_STATUS_SUCCESS) {
        rnnamp_seterr(err, errlen, "%s: cannot draw: %s", path,
                      cairo_status_to_string(s));
        cairo_surface_destroy(sf);
        return -1;
    }

    rnnamp_atomic at;
    if (rnnamp_atomic_begin(&at, path, err, errlen) != 0) {
        cairo_surface_destroy(sf);
        return -1;
    }
    s = cairo_surface_write_to_png(sf, at.tmp);
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
