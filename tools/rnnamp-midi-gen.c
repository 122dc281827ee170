/* rnnamp-midi-gen: write a deterministic standard MIDI file of guitar-like
 * playing (strummed chords, single-note lines, palm-muted chugs, bends and
 * sustained notes at varied velocities) for tools/make-demo-data.sh.
 *
 * Usage: rnnamp-midi-gen [--seconds S] [--seed N] out.mid
 *
 * The same seed and length always give the same bytes. The file is format 0,
 * one track, 480 ticks per quarter at 120 BPM (1 tick = 1/960 s). Channels:
 * 0 clean electric guitar (GM program 27), 1 muted guitar (28), 2 jazz
 * guitar (26), 3 clean guitar used for pitch bends (27).
 *
 * Memory: everything is freed before exit. Single-threaded.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_write.h"
#include "capture_signal.h"
#include "cli.h"
#include "model.h"

#define TICKS_PER_SEC 960.0

typedef struct {
    uint32_t tick;
    uint32_t order; /* insertion order: keeps sorting stable */
    uint8_t bytes[3];
    uint8_t len;
} midi_event;

typedef struct {
    midi_event *ev;
    size_t n, cap;
    uint32_t order;
    uint64_t rng;
} midi_song;

static uint32_t rng_next(midi_song *s)
{
    /* 64-bit LCG (Knuth MMIX), upper bits. */
    s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(s->rng >> 33);
}

/* Uniform integer in [lo, hi]. */
static int rng_int(midi_song *s, int lo, int hi)
{
    return lo + (int)(rng_next(s) % (uint32_t)(hi - lo + 1));
}

static int add_event(midi_song *s, double t, uint8_t b0, uint8_t b1, uint8_t b2,
                     uint8_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        midi_event *ev = realloc(s->ev, cap * sizeof *ev);
        if (!ev)
            return -1;
        s->ev = ev;
        s->cap = cap;
    }
    midi_event *e = &s->ev[s->n++];
    e->tick = (uint32_t)(t * TICKS_PER_SEC + 0.5);
    e->order = s->order++;
    e->bytes[0] = b0;
    e->bytes[1] = b1;
    e->bytes[2] = b2;
    e->len = len;
    return 0;
}

static int note(midi_song *s, int ch, double t, double dur, int key, int vel)
{
    if (key < 0 || key > 127)
        return 0;
    if (vel < 1)
        vel = 1;
    if (vel > 127)
        vel = 127;
    if (add_event(s, t, (uint8_t)(0x90 | ch), (uint8_t)key, (uint8_t)vel, 3))
        return -1;
    return add_event(s, t + dur, (uint8_t)(0x80 | ch), (uint8_t)key, 64, 3);
}

/* Pitch bend: value -1..1 of the default +-2 semitone range. */
static int bend(midi_song *s, int ch, double t, double v)
{
    int b = 8192 + (int)(v * 8191.0);
    if (b < 0)
        b = 0;
    if (b > 16383)
        b = 16383;
    return add_event(s, t, (uint8_t)(0xE0 | ch), (uint8_t)(b & 0x7f),
                     (uint8_t)(b >> 7), 3);
}

static int cmp_event(const void *a, const void *b)
{
    const midi_event *x = a, *y = b;
    if (x->tick != y->tick)
        return x->tick < y->tick ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* Chord shapes: the capture signal's (capture_signal.h), in this order.
 * The first is Em, not E: the file data/demo was made from has always
 * played Em there, and the same seed must keep giving the same bytes. */
static const int chord_order[] = {6, 1, 2, 3, 4, 5, 6, 7, 8};
#define N_CHORDS (sizeof chord_order / sizeof chord_order[0])

static const int *chord(midi_song *s)
{
    return capture_chord_shapes[chord_order[rng_int(s, 0, (int)N_CHORDS - 1)]];
}

static const int pentatonic[] = {0, 3, 5, 7, 10};

/* A bar of strummed chords, returns the time after it. */
static double section_strum(midi_song *s, double t, int *fail)
{
    const int *c = chord(s);
    int ch = rng_int(s, 0, 3) == 0 ? 2 : 0;
    int base_vel = rng_int(s, 35, 120);
    for (int k = 0; k < 4; k++) {
        double dur = 0.25 + 0.25 * rng_int(s, 0, 3);
        int down = (k % 2) == 0;
        double spread = 0.006 + 0.003 * rng_int(s, 0, 4);
        int vel = base_vel + rng_int(s, -20, 15);
        for (int i = 0; i < 6; i++) {
            int idx = down ? i : 5 - i;
            if (c[idx] < 0)
                continue;
            *fail |= note(s, ch, t + spread * i, dur, c[idx],
                          vel - 3 * i + rng_int(s, -6, 6));
        }
        t += dur;
    }
    return t + 0.05 * rng_int(s, 0, 4);
}

/* A run of single notes on a pentatonic scale. */
static double section_lead(midi_song *s, double t, int *fail)
{
    int root = 40 + rng_int(s, 0, 12);
    int n = rng_int(s, 8, 20);
    int step = rng_int(s, 0, 14);
    for (int i = 0; i < n; i++) {
        step += rng_int(s, -2, 2);
        if (step < 0)
            step = 1;
        if (step > 18)
            step = 17;
        int key = root + 12 * (step / 5) + pentatonic[step % 5];
        double dur = 0.08 + 0.06 * rng_int(s, 0, 6);
        int vel = rng_int(s, 30, 127);
        *fail |= note(s, 0, t, dur * (0.7 + 0.1 * rng_int(s, 0, 3)), key, vel);
        t += dur;
    }
    return t + 0.2;
}

/* Palm-muted chugs: short low power chords on the muted-guitar program. */
static double section_chug(midi_song *s, double t, int *fail)
{
    int root = 40 + rng_int(s, 0, 7);
    int n = rng_int(s, 8, 24);
    double grid = 0.125 + 0.0625 * rng_int(s, 0, 2);
    for (int i = 0; i < n; i++) {
        int vel = rng_int(s, 50, 127);
        double dur = grid * (0.3 + 0.1 * rng_int(s, 0, 3));
        int ch = rng_int(s, 0, 4) == 0 ? 0 : 1; /* an open hit now and then */
        if (ch == 0)
            dur = grid * 2;
        *fail |= note(s, ch, t, dur, root, vel);
        *fail |= note(s, ch, t + 0.004, dur, root + 7, vel - 8);
        if (rng_int(s, 0, 1))
            *fail |= note(s, ch, t + 0.008, dur, root + 12, vel - 12);
        t += grid;
    }
    return t + 0.15;
}

/* Bent notes on channel 3: bend up, hold, release. */
static double section_bend(midi_song *s, double t, int *fail)
{
    int n = rng_int(s, 2, 4);
    for (int i = 0; i < n; i++) {
        int key = 55 + rng_int(s, 0, 17);
        double dur = 0.6 + 0.2 * rng_int(s, 0, 4);
        int vel = rng_int(s, 60, 120);
        *fail |= bend(s, 3, t, 0.0);
        *fail |= note(s, 3, t, dur, key, vel);
        double amount = rng_int(s, 0, 1) ? 1.0 : 0.5; /* whole or half step */
        for (int k = 1; k <= 12; k++)
            *fail |= bend(s, 3, t + 0.1 + 0.02 * k, amount * k / 12.0);
        for (int k = 1; k <= 8; k++)
            *fail |=
                bend(s, 3, t + dur - 0.2 + 0.02 * k, amount * (1.0 - k / 8.0));
        t += dur + 0.05;
    }
    *fail |= bend(s, 3, t, 0.0);
    return t + 0.1;
}

/* One long chord or note left to ring out at a soft or loud level. */
static double section_sustain(midi_song *s, double t, int *fail)
{
    const int *c = chord(s);
    int vel = rng_int(s, 0, 1) ? rng_int(s, 20, 50) : rng_int(s, 100, 127);
    double dur = 2.0 + 0.5 * rng_int(s, 0, 4);
    if (rng_int(s, 0, 1)) {
        for (int i = 0; i < 6; i++)
            if (c[i] >= 0)
                *fail |= note(s, 0, t + 0.012 * i, dur, c[i], vel);
    } else {
        *fail |= note(s, 0, t, dur, c[0] + 12, vel);
    }
    return t + dur + 0.3;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Variable-length quantity; returns bytes written (<= 4). */
static size_t put_vlq(uint8_t *p, uint32_t v)
{
    uint8_t tmp[5];
    size_t n = 0;
    tmp[n++] = (uint8_t)(v & 0x7f);
    while ((v >>= 7) && n < 5)
        tmp[n++] = (uint8_t)(0x80 | (v & 0x7f));
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/* Serialize to a malloc'ed SMF image; *len gets its size. */
static uint8_t *serialize(midi_song *s, size_t *len)
{
    qsort(s->ev, s->n, sizeof *s->ev, cmp_event);
    size_t cap = 64 + s->n * 8;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t p = 0;
    memcpy(buf, "MThd", 4);
    put_be32(buf + 4, 6);
    buf[8] = 0, buf[9] = 0;   /* format 0 */
    buf[10] = 0, buf[11] = 1; /* one track */
    buf[12] = 480 >> 8, buf[13] = 480 & 0xff;
    p = 14;
    memcpy(buf + p, "MTrk", 4);
    size_t len_pos = p + 4;
    p += 8;
    /* Tempo 500000 us per quarter (120 BPM). */
    static const uint8_t tempo[] = {0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20};
    memcpy(buf + p, tempo, sizeof tempo);
    p += sizeof tempo;
    uint32_t last = 0;
    for (size_t i = 0; i < s->n; i++) {
        p += put_vlq(buf + p, s->ev[i].tick - last);
        last = s->ev[i].tick;
        memcpy(buf + p, s->ev[i].bytes, s->ev[i].len);
        p += s->ev[i].len;
    }
    static const uint8_t eot[] = {0x00, 0xFF, 0x2F, 0x00};
    memcpy(buf + p, eot, sizeof eot);
    p += sizeof eot;
    put_be32(buf + len_pos, (uint32_t)(p - len_pos - 4));
    *len = p;
    return buf;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: rnnamp-midi-gen [--seconds S] [--seed N] out.mid\n"
               "Writes a deterministic guitar-like standard MIDI file.\n");
}

#define PROG "rnnamp-midi-gen"

typedef struct {
    double seconds;
    uint64_t seed;
} gen_args;

static const cli_option option_table[] = {
    {"seconds", 0, CLI_DOUBLE, 1.0, 3600.0, offsetof(gen_args, seconds), 0},
    {"seed", 0, CLI_U64, 0, (double)ULONG_MAX, offsetof(gen_args, seed), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

int main(int argc, char **argv)
{
    gen_args a = {50.0, 1};
    int r = cli_parse(PROG, option_table, &a, NULL, argc, argv);
    if (r > 0) {
        usage(stdout);
        return 0;
    }
    if (!r && argc - optind > 1)
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind + 1]);
    if (r || argc - optind != 1) {
        usage(stderr);
        return 2;
    }
    const char *out = argv[optind];
    double seconds = a.seconds;
    unsigned long seed = (unsigned long)a.seed;

    midi_song s = {0};
    s.rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed;
    int fail = 0;
    /* Program changes: clean, muted, jazz, clean (bends). */
    static const uint8_t progs[4] = {27, 28, 26, 27};
    for (int ch = 0; ch < 4; ch++)
        fail |= add_event(&s, 0.0, (uint8_t)(0xC0 | ch), progs[ch], 0, 2);
    double t = 0.25;
    int last = -1;
    while (t < seconds - 3.0 && !fail) {
        int kind;
        do
            kind = rng_int(&s, 0, 4);
        while (kind == last);
        last = kind;
        switch (kind) {
        case 0: t = section_strum(&s, t, &fail); break;
        case 1: t = section_lead(&s, t, &fail); break;
        case 2: t = section_chug(&s, t, &fail); break;
        case 3: t = section_bend(&s, t, &fail); break;
        default: t = section_sustain(&s, t, &fail); break;
        }
    }
    size_t len = 0;
    uint8_t *buf = fail ? NULL : serialize(&s, &len);
    free(s.ev);
    if (!buf) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    char err[RNNAMP_ERR_LEN];
    int rc = rnnamp_write_file_atomic(out, buf, len, err, sizeof err);
    free(buf);
    if (rc) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    return 0;
}
