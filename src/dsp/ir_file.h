/* rnnamp: impulse response files (cabinet IRs) made ready to convolve.
 *
 * rnnamp_ir_load reads an IR file through libsndfile (WAV, FLAC, AIFF,
 * OGG and whatever else it reads), takes the first channel of a
 * multichannel file, resamples it to the host rate with libsamplerate
 * (SRC_SINC_BEST_QUALITY, converter flushed so that the tail is kept) when
 * the rates differ, and normalises it to unit energy (sum h^2 = 1), so that
 * IRs of different loudness play at comparable levels.
 *
 * A resampled IR has ceil(frames * host_rate / file_rate) taps; a sample at
 * position p of the file lands at p * host_rate / file_rate.
 *
 * Threads: any non-real-time thread (the plugin's worker, restore, tools);
 * it reads a file and allocates. Calls on different rnnamp_ir are
 * independent.
 * Memory: on success ir->h is allocated here and owned by the caller, who
 * releases it with rnnamp_ir_free (which also accepts a zeroed or failed
 * rnnamp_ir).
 */
#ifndef RNNAMP_IR_FILE_H
#define RNNAMP_IR_FILE_H

#include <stddef.h>

/* Longest IR accepted, in seconds at the host rate. */
#define RNNAMP_IR_MAX_SECONDS 10.0

typedef enum {
    RNNAMP_IR_OK = 0,
    RNNAMP_IR_ERR_OPEN,     /* cannot open the file (missing, no access) */
    RNNAMP_IR_ERR_FORMAT,   /* not an audio file libsndfile reads */
    RNNAMP_IR_ERR_EMPTY,    /* no samples */
    RNNAMP_IR_ERR_SILENT,   /* all zeros, or a non-finite sample */
    RNNAMP_IR_ERR_TOO_LONG, /* longer than RNNAMP_IR_MAX_SECONDS */
    RNNAMP_IR_ERR_MEMORY,   /* out of memory */
    RNNAMP_IR_ERR_RESAMPLE, /* libsamplerate failed or a bad rate */
} rnnamp_ir_status;

typedef struct {
    float *h;           /* taps at the host rate, sum h^2 = 1 */
    size_t taps;        /* number of taps */
    double rate;        /* host rate the taps are at */
    double file_rate;   /* the file's sample rate */
    size_t file_frames; /* frames in the file */
    int file_channels;  /* channels in the file (the first one is used) */
    double file_gain;   /* the normalisation factor applied (1/sqrt(E)) */
} rnnamp_ir;

/* Load path for a host running at host_rate (Hz) into ir. Returns
 * RNNAMP_IR_OK, or another status with a message naming the file and the
 * problem in err (errlen bytes); ir then holds nothing to free (but
 * rnnamp_ir_free is still fine). Not real-time safe. */
rnnamp_ir_status rnnamp_ir_load(const char *path, double host_rate,
                                rnnamp_ir *ir, char *err, size_t errlen);

/* Release ir->h and zero ir. NULL is fine. */
void rnnamp_ir_free(rnnamp_ir *ir);

#endif
