/* rnnamp trainer: the training loop (library API used by rnnamp-train and
 * rnnamp-capture).
 *
 * Recipe (Wright et al. 2019/2020, as NAM's LSTM trainer): random segments
 * of each training span, batched; each segment starts with a warm-up that
 * gets no gradient, then truncated BPTT chunks, one Adam step per chunk;
 * loss = ESR after pre-emphasis 1 - 0.85 z^-1 (optionally A-weighted) plus
 * a DC term; gradient clipping; reduce-on-plateau and early stopping on
 * the validation ESR (with a time budget: warm restarts from the best
 * weights until the budget or a real plateau); best-validation weights are
 * returned.
 *
 * Determinism: for a given seed, config and data the result is bit-exact
 * for thread counts 1 and 2 (the batch is always split into the same
 * shards; threads only decide who computes which shard).
 *
 * Threads: call from any non-real-time thread; it starts its own worker
 * threads (cfg->threads - 1, once per call, woken for each phase, joined
 * before it returns). The progress callback runs on the calling thread.
 * Memory: *out is a new model owned by the caller (rnnamp_model_free);
 * result histories are freed with rnnamp_train_result_free().
 */
#ifndef RNNAMP_TRAINER_H
#define RNNAMP_TRAINER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "model.h"

typedef struct {
    /* architecture */
    rnnamp_layer_type arch; /* RNNAMP_LSTM (default), RNNAMP_GRU, RNNAMP_RNN */
    int hidden;             /* default 16 */
    int layers;             /* recurrent layers, default 1 */
    int skip;               /* 1: y = x + net(x); default 0 */
    /* Hybrid model (model.h): taps of a learned pre-FIR before the network
     * and of a post-FIR after it, 0..RNNAMP_MAX_FIR, default 0 (none).
     * Either > 0 forces skip = 1, so the model starts as the linear path:
     * pre-FIR a unit impulse, post-FIR the least-squares fit of the
     * training spans (fir_fit.h), the network near zero. The taps are
     * trained jointly with the network, with exact gradients. */
    int pre_fir, post_fir;
    /* schedule */
    int epochs;            /* max epochs, default 10000 (time-limited) */
    double minutes;        /* wall-clock budget, 0 = none; default 10 */
    int batch;             /* segments per batch, default 8 */
    int segment;           /* samples per segment after warm-up, default
                              rate/6 rounded to tbptt (8192 at 48 kHz) */
    int warmup;            /* samples without gradient, default 1024 */
    int tbptt;             /* truncated-BPTT chunk, default 512 */
    double lr;             /* Adam learning rate, default 4e-3 */
    double lr_min;         /* default 1e-5 */
    double plateau_factor; /* default 0.5 */
    int plateau_patience;  /* epochs without improvement, default 5 */
    int early_stop;        /* epochs without improvement, default 20 */
    /* Warm restarts, only with a time budget (minutes > 0): a cycle ends
     * after early_stop * 2^u epochs without a new best (u = unproductive
     * restarts in a row, so a stuck run gets ever longer cycles), or after
     * more than plateau_patience of them at lr_min. Training then restarts from
     * the best weights with fresh Adam moments and the learning rate lr *
     * restart_decay^n for the n-th restart (at least min(lr, 10 * lr_min)), and
     * stops only at the budget, the epoch limit or after `restarts` restarts in
     * a row that brought no improvement of the best validation ESR by 0.1 %
     * (RNNAMP_STOP_PLATEAU). restarts = 0 or no budget: early stopping as
     * above. */
    int restarts;         /* default 3 */
    double restart_decay; /* 0 < x <= 1, default 0.7 */
    double grad_clip;     /* global L2 norm, 0 = off; default 1.0 */
    double weight_decay;  /* default 0 */
    /* loss */
    double pre_emph;  /* default 0.85 */
    int a_weighting;  /* default 0 */
    double dc_weight; /* default 1.0 */
    /* level: train on input and target scaled to this RMS (measured over
     * the training spans; with skip both use the input's scale) and fold
     * the scales back into the first layer's audio column and the head.
     * DI-level audio (RMS ~0.02) otherwise needs large input weights that
     * Adam's small absolute steps take very long to reach. 0 = off;
     * default 0.25 */
    double train_rms;
    /* misc */
    uint64_t seed; /* default 1 */
    int threads;   /* default 2 */
    int kernel;    /* trainer kernels: -1 = the fastest this CPU runs (default),
                      else an rnnamp_tk_isa (train_kernel.h), for tests and
                      benchmarks of the slower paths */
    int max_train_seconds; /* use at most this much training audio per
                              epoch (random segments), 0 = all */
    /* checkpoints (NULL = none): written every checkpoint_every seconds
     * and when stopping; resume = 1 continues from checkpoint_path. */
    const char *checkpoint_path;
    double checkpoint_every; /* seconds, default 60 */
    int resume;
    /* Set to non-zero (e.g. from a SIGINT handler) to stop cleanly after
     * the current chunk; the best model so far is returned. May be NULL. */
    volatile sig_atomic_t *stop;
} rnnamp_train_config;

/* Fill in the defaults above. rate is the data's sample rate. */
void rnnamp_train_config_default(rnnamp_train_config *c, int rate);

/* Check a config; -1 with a message naming the option on error
 * (e.g. "--hidden 0: must be 1 to 128"). */
int rnnamp_train_config_check(const rnnamp_train_config *c, char *err,
                              size_t errlen);

typedef struct {
    int epoch; /* 0-based epoch being run */
    int max_epochs;
    double epoch_frac; /* 0..1 within this epoch */
    int epoch_done;    /* 1: this report ends an epoch (val_esr valid) */
    double train_loss; /* running mean loss of this epoch */
    double val_esr;    /* last validation ESR (NaN before the first) */
    double best_val_esr;
    int best_epoch;
    double lr;
    int restarts;   /* warm restarts so far */
    double elapsed; /* seconds, including time before a resume */
    double eta;     /* seconds, estimate; < 0 unknown */
    double samples_per_sec;
} rnnamp_train_progress;

/* Return non-zero to stop training (like cfg->stop). */
typedef int (*rnnamp_train_progress_fn)(const rnnamp_train_progress *p,
                                        void *user);

typedef enum {
    RNNAMP_STOP_EPOCHS = 0,  /* ran all epochs */
    RNNAMP_STOP_TIME,        /* time budget used */
    RNNAMP_STOP_EARLY,       /* early stopping (no improvement) */
    RNNAMP_STOP_INTERRUPTED, /* stop flag or callback */
    RNNAMP_STOP_MIN_LR,      /* learning rate reached lr_min and stalled */
    RNNAMP_STOP_PLATEAU      /* `restarts` warm restarts in a row brought
                                no improvement */
} rnnamp_stop_reason;

typedef struct {
    double val_esr;  /* best validation ESR */
    double test_esr; /* ESR of the returned model on the test split */
    int best_epoch;
    int epochs_run;
    int restarts; /* warm restarts made */
    double seconds;
    rnnamp_stop_reason stop;
    double *train_loss; /* per epoch, n_epochs entries, owned */
    double *val_hist;   /* per epoch validation ESR, owned */
    int n_epochs;
    /* hybrid models with a post-FIR: ESR of the least-squares linear fit
     * the post-FIR started from, over the training spans (the baseline
     * the network must beat); linear_taps = 0 when there was no fit */
    int linear_taps;
    double linear_esr;
} rnnamp_train_result;

void rnnamp_train_result_free(rnnamp_train_result *r);

/* Train a model on d. Returns 0 and a new model in *out (the weights with
 * the best validation ESR; meta.sample_rate and meta.esr set), or -1 with a
 * message in err. An interrupted run still returns 0 with the best model
 * so far (res->stop says why it stopped). cb may be NULL. */
int rnnamp_train_run(const rnnamp_train_config *cfg, const rnnamp_dataset *d,
                     rnnamp_train_progress_fn cb, void *user,
                     rnnamp_model **out, rnnamp_train_result *res, char *err,
                     size_t errlen);

/* ESR of model m on split s of d, streaming each span from the initial
 * state (uses the training forward pass, batched over spans/pieces).
 * Returns NaN if the split is empty. */
double rnnamp_train_eval_esr(const rnnamp_model *m, const rnnamp_dataset *d,
                             rnnamp_split s, int threads);

/* NAM's verbal grade for an ESR ("Great!", "Not bad!", ...). */
const char *rnnamp_esr_grade(double esr);

/* NAM's grade thresholds, ascending (0.01, 0.035, 0.1, 0.3): an ESR below
 * bound i and at or above bound i-1 gets grade i; at or above the last,
 * the worst grade. i in 0..RNNAMP_ESR_GRADE_BOUNDS-1 (else NaN). */
#define RNNAMP_ESR_GRADE_BOUNDS 4
double rnnamp_esr_grade_bound(int i);

#endif
