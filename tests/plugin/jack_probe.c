/* rnnamp tests: a tiny JACK client that plays a file into a port, records
 * another port, aligns the recording with an expected file and compares.
 *
 *   jack_probe PLAY.wav EXPECT.wav TO_PORT FROM_PORT TIMEOUT_S MAX_ESR
 *
 * Plays PLAY.wav (mono, at the server's rate) into TO_PORT after 1 s of
 * silence, records FROM_PORT, then finds the lag (0..16384 samples) at
 * which the recording best matches EXPECT.wav (the offline render of the
 * same input) and prints the error-to-signal ratio (ESR) there. Exit 0 if
 * ESR <= MAX_ESR, 1 on mismatch, 2 on set-up errors (with a message).
 *
 * Threads: JACK's process thread only copies between preallocated
 * buffers; the main thread waits (with a timeout) and compares.
 */
#include <jack/jack.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio_io.h"

#define MAX_LAG 16384

typedef struct {
    jack_port_t *out, *in;
    const float *play;
    size_t play_len, lead, total;
    float *rec;
    atomic_size_t pos;
} probe;

static int process(jack_nframes_t n, void *arg)
{
    probe *p = arg;
    float *o = jack_port_get_buffer(p->out, n);
    const float *i = jack_port_get_buffer(p->in, n);
    size_t pos = atomic_load(&p->pos);
    for (jack_nframes_t k = 0; k < n; k++, pos++) {
        float v = 0.0f;
        if (pos >= p->lead && pos - p->lead < p->play_len)
            v = p->play[pos - p->lead];
        o[k] = v;
        if (pos < p->total)
            p->rec[pos] = i[k];
    }
    atomic_store(&p->pos, pos);
    return 0;
}

static float *read_mono(const char *path, size_t *n, int *rate)
{
    rnnamp_audio a;
    char err[512];
    if (rnnamp_audio_read(path, &a, err, sizeof err) != 0) {
        fprintf(stderr, "jack_probe: %s\n", err);
        return NULL;
    }
    float *x = rnnamp_audio_channel(&a, 0);
    *n = a.frames;
    *rate = a.rate;
    rnnamp_audio_free(&a);
    return x;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: jack_probe PLAY.wav EXPECT.wav TO_PORT "
                        "FROM_PORT TIMEOUT_S MAX_ESR\n");
        return 2;
    }
    double timeout = atof(argv[5]), max_esr = atof(argv[6]);
    probe p;
    memset(&p, 0, sizeof p);
    size_t n_exp;
    int r1, r2;
    float *play = read_mono(argv[1], &p.play_len, &r1);
    float *expect = play ? read_mono(argv[2], &n_exp, &r2) : NULL;
    if (!play || !expect)
        return 2;
    p.play = play;

    jack_status_t st;
    jack_client_t *c = jack_client_open("rnnamp-probe", JackNoStartServer, &st);
    if (!c) {
        fprintf(stderr,
                "jack_probe: cannot connect to the JACK server "
                "(status 0x%x)\n",
                (unsigned)st);
        return 2;
    }
    jack_nframes_t rate = jack_get_sample_rate(c);
    if ((int)rate != r1) {
        fprintf(stderr, "jack_probe: server runs at %u Hz, %s is at %d Hz\n",
                rate, argv[1], r1);
        jack_client_close(c);
        return 2;
    }
    p.lead = rate;
    p.total = p.lead + p.play_len + MAX_LAG + rate / 4;
    p.rec = calloc(p.total, sizeof *p.rec);
    p.out = jack_port_register(c, "out", JACK_DEFAULT_AUDIO_TYPE,
                               JackPortIsOutput, 0);
    p.in = jack_port_register(c, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput,
                              0);
    atomic_init(&p.pos, 0);
    if (!p.rec || !p.out || !p.in ||
        jack_set_process_callback(c, process, &p) != 0) {
        fprintf(stderr, "jack_probe: cannot set up ports\n");
        jack_client_close(c);
        return 2;
    }
    /* position 0 is our first cycle; the 1 s lead of silence leaves time
     * to connect before the file starts */
    if (jack_activate(c) != 0) {
        fprintf(stderr, "jack_probe: cannot activate\n");
        jack_client_close(c);
        return 2;
    }
    if (jack_connect(c, jack_port_name(p.out), argv[3]) != 0 ||
        jack_connect(c, argv[4], jack_port_name(p.in)) != 0) {
        fprintf(stderr, "jack_probe: cannot connect %s -> %s -> %s\n",
                jack_port_name(p.out), argv[3], argv[4]);
        jack_client_close(c);
        return 2;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&p.pos) < p.total) {
        usleep(10000);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) + 1e-9 * (t.tv_nsec - t0.tv_nsec) >
            timeout) {
            fprintf(stderr,
                    "jack_probe: timeout after %.0f s (%zu of %zu "
                    "frames)\n",
                    timeout, atomic_load(&p.pos), p.total);
            jack_client_close(c);
            return 2;
        }
    }
    jack_deactivate(c);
    jack_client_close(c);

    /* the expected signal starts at p.lead + lag in the recording */
    size_t n = n_exp < p.play_len ? n_exp : p.play_len;
    double den = 0.0;
    for (size_t i = 0; i < n; i++)
        den += (double)expect[i] * expect[i];
    double best = INFINITY;
    size_t best_lag = 0;
    for (size_t lag = 0; lag < MAX_LAG; lag++) {
        double num = 0.0;
        const float *y = p.rec + p.lead + lag;
        for (size_t i = 0; i < n && num < best * den; i++) {
            double d = (double)y[i] - expect[i];
            num += d * d;
        }
        if (num / den < best) {
            best = num / den;
            best_lag = lag;
        }
    }
    double max_err = 0.0;
    for (size_t i = 0; i < n; i++)
        max_err = fmax(max_err,
                       fabs((double)p.rec[p.lead + best_lag + i] - expect[i]));
    printf("jack_probe: best lag %zu samples, ESR %.3g, max |error| %.3g "
           "(limit ESR %.3g)\n",
           best_lag, best, max_err, max_esr);
    free(p.rec);
    free(play);
    free(expect);
    return best <= max_esr ? 0 : 1;
}
