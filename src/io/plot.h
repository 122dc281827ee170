/* rnnamp trainer: PNG report of a training run (cairo).
 *
 * Top: training loss (blue) and validation ESR (red) per epoch, log scale,
 * one grid line per decade. Bottom: target (black) vs prediction (orange)
 * on a short clip. No text (no fontconfig); test_esr is for a future
 * caption.
 * Written atomically. Without cairo (RNNAMP_HAVE_CAIRO undefined) the
 * function returns -1 with "built without cairo".
 *
 * Threads: any non-real-time thread.
 */
#ifndef RNNAMP_PLOT_H
#define RNNAMP_PLOT_H

#include <stddef.h>

int rnnamp_plot_write(const char *path, const double *train_loss,
                      const double *val_esr, int n_epochs, const float *target,
                      const float *pred, size_t n_clip, double test_esr,
                      char *err, size_t errlen);

#endif
