/* rnnamp: audio file I/O through libsndfile. See audio_io.h. */
#include "audio_io.h"
#include "error.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_write.h"

int rnnamp_audio_read(const char *path, rnnamp_audio *a, char *err,
                      size_t errlen)
{
    memset(a, 0, sizeof *a);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) {
        rnnamp_seterr(err, errlen, "%s: cannot read audio: %s", path,
                      sf_strerror(NULL));
        return -1;
    }
    if (info.frames <= 0 || info.channels <= 0) {
        rnnamp_seterr(err, errlen, "%s: the file holds no audio", path);
        sf_close(sf);
        return -1;
    }
    if (info.frames > (sf_count_t)(1u << 30) / info.channels) {
        rnnamp_seterr(err, errlen, "%s: too long (%lld frames)", path,
                      (long long)info.frames);
        sf_close(sf);
        return -1;
    }
    size_t n = (size_t)info.frames * (size_t)info.channels;
    float *d = malloc(n * sizeof(float));
    if (!d) {
        rnnamp_seterr(err, errlen, "%s: out of memory", path);
        sf_close(sf);
        return -1;
    }
    sf_command(sf, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    sf_count_t got = sf_readf_float(sf, d, info.frames);
    sf_close(sf);
    if (got != info.frames) {
        rnnamp_seterr(err, errlen,
                      "%s: read %lld of %lld frames (truncated file?)", path,
                      (long long)got, (long long)info.frames);
        free(d);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(d[i])) {
            rnnamp_seterr(
                err, errlen, "%s: sample %zu (channel %zu) is NaN or infinite",
                path, i / (size_t)info.channels, i % (size_t)info.channels);
            free(d);
            return -1;
        }
    }
    a->data = d;
    a->frames = (size_t)info.frames;
    a->channels = info.channels;
    a->rate = info.samplerate;
    return 0;
}

float *rnnamp_audio_channel(const rnnamp_audio *a, int ch)
{
    if (ch < 0 || ch >= a->channels)
        return NULL;
    float *m = malloc((a->frames ? a->frames : 1) * sizeof(float));
    if (!m)
        return NULL;
    for (size_t i = 0; i < a->frames; i++)
        m[i] = a->data[i * (size_t)a->channels + (size_t)ch];
    return m;
}

void rnnamp_audio_free(rnnamp_audio *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

int rnnamp_audio_write(const char *path, const float *data, size_t frames,
                       int channels, int rate, char *err, size_t errlen)
{
    rnnamp_atomic at;
    if (rnnamp_atomic_begin(&at, path, err, errlen) != 0)
        return -1;
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *sf = sf_open(at.tmp, SFM_WRITE, &info);
    if (!sf) {
        rnnamp_seterr(err, errlen, "%s: cannot write audio: %s", path,
                      sf_strerror(NULL));
        rnnamp_atomic_abort(&at);
        return -1;
    }
    sf_count_t w = sf_writef_float(sf, data, (sf_count_t)frames);
    int bad = w != (sf_count_t)frames;
    if (sf_close(sf) != 0)
        bad = 1;
    if (bad) {
        rnnamp_seterr(err, errlen,
                      "%s: write failed (disk full?); nothing replaced", path);
        rnnamp_atomic_abort(&at);
        return -1;
    }
    return rnnamp_atomic_commit(&at, err, errlen);
}
