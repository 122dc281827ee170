/* rnnamp trainer: training data — input/target pairs, checks, splits.
 *
 * A dataset is a list of pairs. Each pair is one DI recording and the
 * matching amp/target recording, already aligned (latency and polarity
 * corrected, see align.h), plus the knob values it was recorded at. Every
 * pair is split by time into train / validation / test spans (by fraction,
 * test at the end, or from a region file).
 *
 * Threads: any non-real-time thread; a dataset is read-only once built and
 * may then be read from several threads.
 * Memory: the dataset owns every pair's sample buffers; free with
 * rnnamp_dataset_free(). Functions that add pairs copy what they are given.
 * Errors: -1 with a message in err that names the file(s) and the problem.
 */
#ifndef RNNAMP_DATASET_H
#define RNNAMP_DATASET_H

#include <stddef.h>

#include "model.h"

#define RNNAMP_MAX_KNOBS (RNNAMP_MAX_INPUTS - 1)
#define RNNAMP_MAX_SPANS 16
#define RNNAMP_MAX_PAIRS 64

/* Half-open sample range [start, end) within a pair. */
typedef struct {
    size_t start, end;
} rnnamp_span;

typedef enum {
    RNNAMP_SPLIT_TRAIN = 0,
    RNNAMP_SPLIT_VAL,
    RNNAMP_SPLIT_TEST,
    RNNAMP_N_SPLITS
} rnnamp_split;

typedef struct {
    char name[512]; /* "di.wav -> amp.wav", for messages */
    float *input;   /* n aligned samples, owned */
    float *target;  /* n aligned samples, owned */
    size_t n;
    int rate;
    float knobs[RNNAMP_MAX_KNOBS];
    int latency;        /* samples the target lagged the input (corrected) */
    int inverted;       /* 1: target polarity was inverted (corrected) */
    double correlation; /* normalised cross-correlation peak, 0..1 */
    rnnamp_span spans[RNNAMP_N_SPLITS][RNNAMP_MAX_SPANS];
    int n_spans[RNNAMP_N_SPLITS];
} rnnamp_pair;

typedef struct {
    rnnamp_pair *pairs; /* owned array of n_pairs */
    int n_pairs;
    int n_knobs; /* the same for every pair; fixed by the first pair */
    int rate;    /* the same for every pair; fixed by the first pair */
} rnnamp_dataset;

/* Called with one human-readable line (no trailing newline) for each
 * warning or note found while loading. May be NULL. */
typedef void (*rnnamp_msg_fn)(void *user, int is_warning, const char *msg);

typedef struct {
    int channel;           /* -1: files must be mono; else 0-based channel */
    double val_frac;       /* default 0.1 */
    double test_frac;      /* default 0.1 (the end of each pair) */
    const char *regions;   /* region file path or NULL (see dataset.c) */
    int align;             /* 1 (default): detect and correct latency and
                              polarity; 0: use the files as they are */
    double max_latency_ms; /* search range for alignment, default 100 */
    rnnamp_msg_fn msg;     /* warnings / notes, may be NULL */
    void *msg_user;
} rnnamp_dataset_opts;

void rnnamp_dataset_opts_default(rnnamp_dataset_opts *o);

/* Empty dataset (no allocation). */
void rnnamp_dataset_init(rnnamp_dataset *d);

/* Read input and target files (any libsndfile format), check them, align
 * them and add them as one pair with the given knob values (n_knobs 0..3).
 * Errors: unreadable / non-audio files, different sample rates (names both
 * files and rates), a target shorter than the input, all-silent audio,
 * multi-channel files without opts->channel, a knob count that differs from
 * earlier pairs. Warnings (through opts->msg): clipping, DC offset, very
 * quiet audio, low correlation (time-based effects?), length mismatch. */
int rnnamp_dataset_add_files(rnnamp_dataset *d, const char *input_path,
                             const char *target_path, const float *knobs,
                             int n_knobs, const rnnamp_dataset_opts *opts,
                             char *err, size_t errlen);

/* Same checks for audio already in memory (e.g. a fresh capture). The
 * buffers are copied. name is used in messages. */
int rnnamp_dataset_add_buffers(rnnamp_dataset *d, const char *name,
                               const float *input, const float *target,
                               size_t n_input, size_t n_target, int rate,
                               const float *knobs, int n_knobs,
                               const rnnamp_dataset_opts *opts, char *err,
                               size_t errlen);

/* Total samples of one split over all pairs. */
size_t rnnamp_dataset_split_samples(const rnnamp_dataset *d, rnnamp_split s);

void rnnamp_dataset_free(rnnamp_dataset *d);

#endif
