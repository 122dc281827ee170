/* rnnamp: audio file I/O through libsndfile.
 *
 * Threads: any non-real-time thread. Memory: rnnamp_audio_read() returns a
 * malloc'ed buffer the caller frees with rnnamp_audio_free().
 */
#ifndef RNNAMP_AUDIO_IO_H
#define RNNAMP_AUDIO_IO_H

#include <stddef.h>

typedef struct {
    float *data; /* interleaved frames * channels */
    size_t frames;
    int channels;
    int rate;
} rnnamp_audio;

/* Read any libsndfile format as float. Refuses empty files, files that are
 * not audio, and NaN/Inf samples, with a message naming the file. */
int rnnamp_audio_read(const char *path, rnnamp_audio *a, char *err,
                      size_t errlen);

/* Copy channel ch (0-based) of a into a new malloc'ed mono buffer. */
float *rnnamp_audio_channel(const rnnamp_audio *a, int ch);

void rnnamp_audio_free(rnnamp_audio *a);

/* Write a float WAV (32-bit float PCM) atomically. */
int rnnamp_audio_write(const char *path, const float *data, size_t frames,
                       int channels, int rate, char *err, size_t errlen);

#endif
