/* rnnamp trainer: PNG report of a training run (cairo).
 *
 * RNNAMP_PLOT_WIDTH x RNNAMP_PLOT_HEIGHT pixels, white background:
 *  - a title (the model's name, the test ESR and NAM's grade for it);
 *  - top: training loss (blue) and validation ESR (red) per epoch on a
 *    log-scale ESR axis (one labelled grid line per decade), x axis the
 *    epoch; NAM's grade thresholds (rnnamp_esr_grade_bound) as dashed grey
 *    lines, each labelled with the grade of the band below it; a legend;
 *  - bottom: target (black) and prediction (orange) on a short test clip,
 *    x axis the time in milliseconds, y axis the amplitude (1 = full
 *    scale); a legend.
 * Text goes through cairo's toy font API (fontconfig, "DejaVu Sans" or the
 * system's sans-serif). Fontconfig keeps its configuration and caches for
 * the life of the process: one-time allocations that LeakSanitizer
 * reports and tests/lsan.supp suppresses.
 * Written atomically. Without cairo (RNNAMP_HAVE_CAIRO undefined) the
 * function returns -1 with "built without cairo".
 *
 * Threads: any non-real-time thread. Memory: nothing kept; the caller owns
 * the data.
 */
#ifndef RNNAMP_PLOT_H
#define RNNAMP_PLOT_H

#include <stddef.h>

#define RNNAMP_PLOT_WIDTH  1200
#define RNNAMP_PLOT_HEIGHT 860

typedef struct {
    const char *title;        /* the model's name; NULL or "": none */
    const double *train_loss; /* n_epochs values (<= 0, NaN: not drawn) */
    const double *val_esr;    /* n_epochs values */
    int n_epochs;
    const float *target; /* n_clip samples of the test clip */
    const float *pred;   /* the model's output on it */
    size_t n_clip;
    double rate;     /* Hz of the clip (time axis); <= 0: samples */
    double test_esr; /* shown in the title with its grade; NaN: not */
} rnnamp_plot_data;

/* Draw d into a PNG at path. Returns 0, or -1 with a message naming path
 * in err. */
int rnnamp_plot_write(const char *path, const rnnamp_plot_data *d, char *err,
                      size_t errlen);

#endif
