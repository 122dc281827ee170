/* rnnamp trainer: training checkpoints for exact resume.
 *
 * A checkpoint holds everything the training loop needs to continue as if
 * it had never stopped: weights, Adam moments and step, learning rate,
 * plateau, early-stopping and warm-restart state, the position (epoch, next
 * batch), the best weights so far and the loss history. Segment choice is a
 * pure function of (seed, epoch, batch), so no RNG stream needs saving. Binary,
 * little-endian host order, versioned; written atomically.
 *
 * Threads: any non-real-time thread. Memory: rnnamp_checkpoint_read
 * allocates the arrays; free with rnnamp_checkpoint_free.
 */
#ifndef RNNAMP_CHECKPOINT_H
#define RNNAMP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t fingerprint; /* hash of config and data; must match to resume */
    int32_t epoch;        /* epoch to continue */
    int32_t batch;        /* next batch within that epoch */
    int64_t adam_step;
    double lr;
    double plateau_best;
    int32_t plateau_bad;
    int32_t early_bad;   /* epochs without a new best */
    int32_t restarts;    /* warm restarts made */
    int32_t restart_bad; /* restarts in a row without improvement */
    double restart_best; /* best validation ESR at the last restart */
    double best_val;
    int32_t best_epoch;
    double elapsed;
    double epoch_loss_sum;
    int64_t epoch_loss_n;
    uint64_t n_params;
    float *params, *adam_m, *adam_v, *best_params; /* n_params each */
    int32_t n_hist;
    double *train_hist, *val_hist; /* n_hist each */
} rnnamp_checkpoint;

/* Write atomically. Returns 0, or -1 with a message naming the file. */
int rnnamp_checkpoint_write(const char *path, const rnnamp_checkpoint *c,
                            char *err, size_t errlen);

/* Read. Returns 0, or -1 with a message (missing file, not a checkpoint,
 * truncated, other version). */
int rnnamp_checkpoint_read(const char *path, rnnamp_checkpoint *c, char *err,
                           size_t errlen);

/* Free the arrays of a checkpoint filled by rnnamp_checkpoint_read. */
void rnnamp_checkpoint_free(rnnamp_checkpoint *c);

#endif
