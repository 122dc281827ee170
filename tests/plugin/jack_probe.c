/* rnnamp tests: a tiny JACK client that plays files into ports, records
 * other ports, aligns each recording with an expected file and compares.
 *
 *   jack_probe PLAY.wav EXPECT.wav TO_PORT FROM_PORT
 *              [PLAY2.wav EXPECT2.wav TO_PORT2 FROM_PORT2 ...]
 *              TIMEOUT_S MAX_ESR
 *
 * For each group of four (a channel; up to MAX_CH): plays PLAY.wav (mono,
 * at the server's rate) into TO_PORT after 1 s of silence, records
 * FROM_PORT, then finds the lag (0..16384 samples) at which the recording
 * best matches EXPECT.wav (the offline render of the same input) and
 * prints the error-to-signal ratio (ESR) there. All channels play in the
 * same cycles. Exit 0 if every channel's ESR <= MAX_ESR, 1 on a mismatch,
 * 2 on set-up errors (with a message).
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
#define MAX_CH  2

typedef struct {
    jack_port_t *out, *in;
    float *play, *expect, *rec;
    size_t play_len, n_exp;
} channel;

typedef struct {
    channel ch[MAX_CH];
    int n_ch;
    size_t lead, total;
    atomic_size_t pos;
} probe;

static int process(jack_nframes_t n, void *arg)
{
    probe *p = arg;
    const size_t pos0 = atomic_load(&p->pos);
    for (int c = 0; c < p->n_ch; c++) {
        channel *ch = &p->ch[c];
        float *o = jack_port_get_buffer(ch->out, n);
        const float *i = jack_port_get_buffer(ch->in, n);
        size_t pos = pos0;
        for (jack_nframes_t k = 0; k < n; k++, pos++) {
            float v = 0.0f;
            if (pos >= p->lead && pos - p->lead < ch->play_len)
                v = ch->play[pos - p->lead];
            o[k] = v;
            if (pos < p->total)
                ch->rec[pos] = i[k];
        }
    }
    atomic_store(&p->pos, pos0 + n);
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

/* Best-aligned ESR of channel c's recording against its expected file
 * (printed); returns the ESR. */
static double compare(const probe *p, int c)
{
    const channel *ch = &p->ch[c];
    /* the expected signal starts at p->lead + lag in the recording */
    size_t n = ch->n_exp < ch->play_len ? ch->n_exp : ch->play_len;
    double den = 0.0;
    for (size_t i = 0; i < n; i++)
        den += (double)ch->expect[i] * ch->expect[i];
    double best = INFINITY;
    size_t best_lag = 0;
    for (size_t lag = 0; lag < MAX_LAG; lag++) {
        double num = 0.0;
        const float *y = ch->rec + p->lead + lag;
        for (size_t i = 0; i < n && num < best * den; i++) {
            double d = (double)y[i] - ch->expect[i];
            num += d * d;
        }
        if (num / den < best) {
            best = num / den;
            best_lag = lag;
        }
    }
    double max_err = 0.0;
    for (size_t i = 0; i < n; i++)
        max_err = fmax(max_err, fabs((double)ch->rec[p->lead + best_lag + i] -
                                     ch->expect[i]));
    printf("jack_probe: channel %d: best lag %zu samples, ESR %.3g, max "
           "|error| %.3g\n",
           c + 1, best_lag, best, max_err);
    return best;
}

/* Read channel c's files (argv: PLAY EXPECT); 0, or 2 on errors. */
static int load_channel(channel *ch, char **argv, int *rate)
{
    int r2;
    ch->play = read_mono(argv[0], &ch->play_len, rate);
    ch->expect = ch->play ? read_mono(argv[1], &ch->n_exp, &r2) : NULL;
    return ch->play && ch->expect ? 0 : 2;
}

/* Register channel c's ports (0, or 2 on errors). */
static int register_channel(jack_client_t *cl, channel *ch, int c)
{
    char name[16];
    snprintf(name, sizeof name, "out%d", c + 1);
    ch->out = jack_port_register(cl, name, JACK_DEFAULT_AUDIO_TYPE,
                                 JackPortIsOutput, 0);
    snprintf(name, sizeof name, "in%d", c + 1);
    ch->in = jack_port_register(cl, name, JACK_DEFAULT_AUDIO_TYPE,
                                JackPortIsInput, 0);
    return ch->out && ch->in ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 7 || (argc - 3) % 4 || (argc - 3) / 4 > MAX_CH) {
        fprintf(stderr, "usage: jack_probe PLAY.wav EXPECT.wav TO_PORT "
                        "FROM_PORT [PLAY2.wav EXPECT2.wav TO_PORT2 "
                        "FROM_PORT2] TIMEOUT_S MAX_ESR\n");
        return 2;
    }
    double timeout = atof(argv[argc - 2]), max_esr = atof(argv[argc - 1]);
    static probe p;
    p.n_ch = (argc - 3) / 4;
    int r1 = 0;
    for (int c = 0; c < p.n_ch; c++)
        if (load_channel(&p.ch[c], argv + 1 + 4 * c, &r1) != 0)
            return 2;

    jack_status_t st;
    jack_client_t *cl =
        jack_client_open("rnnamp-probe", JackNoStartServer, &st);
    if (!cl) {
        fprintf(stderr,
                "jack_probe: cannot connect to the JACK server "
                "(status 0x%x)\n",
                (unsigned)st);
        return 2;
    }
    jack_nframes_t rate = jack_get_sample_rate(cl);
    if ((int)rate != r1) {
        fprintf(stderr, "jack_probe: server runs at %u Hz, %s is at %d Hz\n",
                rate, argv[1], r1);
        jack_client_close(cl);
        return 2;
    }
    p.lead = rate;
    for (int c = 0; c < p.n_ch; c++) {
        size_t t = p.lead + p.ch[c].play_len + MAX_LAG + rate / 4;
        p.total = t > p.total ? t : p.total;
    }
    int bad = 0;
    for (int c = 0; c < p.n_ch; c++) {
        p.ch[c].rec = calloc(p.total, sizeof *p.ch[c].rec);
        bad |= !p.ch[c].rec || register_channel(cl, &p.ch[c], c);
    }
    atomic_init(&p.pos, 0);
    if (bad || jack_set_process_callback(cl, process, &p) != 0) {
        fprintf(stderr, "jack_probe: cannot set up ports\n");
        jack_client_close(cl);
        return 2;
    }
    /* position 0 is our first cycle; the 1 s lead of silence leaves time
     * to connect before the files start */
    if (jack_activate(cl) != 0) {
        fprintf(stderr, "jack_probe: cannot activate\n");
        jack_client_close(cl);
        return 2;
    }
    for (int c = 0; c < p.n_ch; c++) {
        char **a = argv + 3 + 4 * c;
        if (jack_connect(cl, jack_port_name(p.ch[c].out), a[0]) != 0 ||
            jack_connect(cl, a[1], jack_port_name(p.ch[c].in)) != 0) {
            fprintf(stderr, "jack_probe: cannot connect %s -> %s -> %s\n",
                    jack_port_name(p.ch[c].out), a[0], a[1]);
            jack_client_close(cl);
            return 2;
        }
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
            jack_client_close(cl);
            return 2;
        }
    }
    jack_deactivate(cl);
    jack_client_close(cl);

    int ok = 1;
    for (int c = 0; c < p.n_ch; c++)
        ok &= compare(&p, c) <= max_esr;
    printf("jack_probe: limit ESR %.3g: %s\n", max_esr,
           ok ? "match" : "MISMATCH");
    for (int c = 0; c < p.n_ch; c++) {
        free(p.ch[c].rec);
        free(p.ch[c].play);
        free(p.ch[c].expect);
    }
    return ok ? 0 : 1;
}
