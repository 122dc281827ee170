/* rnnamp trainer: loading and checking training pairs. See dataset.h.
 *
 * Region file format (one region per line, '#' starts a comment):
 *     train 0 150
 *     val   150 165.5
 *     test  165.5 180
 * Times are seconds from the start of the (aligned) pair; several lines
 * per split are allowed; "train" and "val" are required. */
#include "dataset.h"
#include "error.h"
#include "strcopy.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "audio_io.h"

static void note(const rnnamp_dataset_opts *o, int warn, const char *fmt, ...)
{
    if (!o || !o->msg)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->msg(o->msg_user, warn, buf);
}

void rnnamp_dataset_opts_default(rnnamp_dataset_opts *o)
{
    memset(o, 0, sizeof *o);
    o->channel = -1;
    o->val_frac = 0.1;
    o->test_frac = 0.1;
    o->align = 1;
    o->max_latency_ms = 100.0;
}

void rnnamp_dataset_init(rnnamp_dataset *d)
{
    memset(d, 0, sizeof *d);
}

void rnnamp_dataset_free(rnnamp_dataset *d)
{
    for (int i = 0; i < d->n_pairs; i++) {
        free(d->pairs[i].input);
        free(d->pairs[i].target);
    }
    free(d->pairs);
    memset(d, 0, sizeof *d);
}

size_t rnnamp_dataset_split_samples(const rnnamp_dataset *d, rnnamp_split s)
{
    size_t n = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[s]; k++)
            n += d->pairs[i].spans[s][k].end - d->pairs[i].spans[s][k].start;
    return n;
}

typedef struct {
    double peak, rms, mean;
    size_t clipped;
} level_stats;

static level_stats stats(const float *x, size_t n)
{
    level_stats s = {0};
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        sum += v;
        sq += v * v;
        if (fabs(v) > s.peak)
            s.peak = fabs(v);
        if (fabs(v) >= 0.999)
            s.clipped++;
    }
    s.mean = n ? sum / (double)n : 0;
    s.rms = n ? sqrt(sq / (double)n) : 0;
    return s;
}

/* Checks common to input and target; -1 on all-silent audio. */
static int check_levels(const float *x, size_t n, const char *what,
                        const char *name, int rate,
                        const rnnamp_dataset_opts *o, char *err, size_t errlen)
{
    level_stats s = stats(x, n);
    if (s.peak < 1e-6) {
        rnnamp_seterr(err, errlen,
                      "%s: the %s is silent (peak %.1f dBFS): nothing to learn "
                      "from",
                      name, what, s.peak > 0 ? 20 * log10(s.peak) : -INFINITY);
        return -1;
    }
    if (s.clipped > n / 10000 + 1)
        note(o, 1,
             "%s: the %s clips (%zu samples at full scale): lower the "
             "recording level",
             name, what, s.clipped);
    if (fabs(s.mean) > 0.01)
        note(o, 1, "%s: the %s has a DC offset of %.3f", name, what, s.mean);
    if (s.rms < 0.00316) /* -50 dBFS */
        note(o, 1, "%s: the %s is very quiet (%.1f dBFS RMS)", name, what,
             20 * log10(s.rms));
    (void)rate;
    return 0;
}

static int parse_regions(rnnamp_pair *p, const char *path, char *err,
                         size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rnnamp_seterr(err, errlen, "--regions %s: cannot open: %s", path,
                      strerror(errno));
        return -1;
    }
    memset(p->n_spans, 0, sizeof p->n_spans);
    char line[512];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char name[32];
        double a, b;
        int k = sscanf(line, "%31s %lf %lf", name, &a, &b);
        if (k <= 0)
            continue;
        rnnamp_split s;
        if (k != 3) {
            rnnamp_seterr(
                err, errlen,
                "--regions %s line %d: expected \"train|val|test START "
                "END\" (seconds)",
                path, ln);
            goto fail;
        }
        if (!strcmp(name, "train"))
            s = RNNAMP_SPLIT_TRAIN;
        else if (!strcmp(name, "val") || !strcmp(name, "validation"))
            s = RNNAMP_SPLIT_VAL;
        else if (!strcmp(name, "test"))
            s = RNNAMP_SPLIT_TEST;
        else {
            rnnamp_seterr(
                err, errlen,
                "--regions %s line %d: unknown split \"%s\" (train, val "
                "or test)",
                path, ln, name);
            goto fail;
        }
        double len_s = (double)p->n / p->rate;
        if (!(a >= 0 && b > a && a < len_s)) {
            rnnamp_seterr(
                err, errlen,
                "--regions %s line %d: region %g..%g s is empty or outside "
                "the audio (%.2f s)",
                path, ln, a, b, len_s);
            goto fail;
        }
        if (p->n_spans[s] == RNNAMP_MAX_SPANS) {
            rnnamp_seterr(err, errlen, "--regions %s: more than %d %s regions",
                          path, RNNAMP_MAX_SPANS, name);
            goto fail;
        }
        size_t st = (size_t)(a * p->rate), en = (size_t)(b * p->rate);
        if (en > p->n)
            en = p->n;
        p->spans[s][p->n_spans[s]++] = (rnnamp_span){st, en};
    }
    fclose(f);
    if (!p->n_spans[RNNAMP_SPLIT_TRAIN] || !p->n_spans[RNNAMP_SPLIT_VAL]) {
        rnnamp_seterr(
            err, errlen,
            "--regions %s: needs at least one \"train\" and one \"val\" "
            "region",
            path);
        return -1;
    }
    return 0;
fail:
    fclose(f);
    return -1;
}

static int split_by_fraction(rnnamp_pair *p, const rnnamp_dataset_opts *o,
                             char *err, size_t errlen)
{
    double v = o->val_frac, t = o->test_frac;
    if (!(v > 0 && t >= 0 && v + t < 0.9)) {
        rnnamp_seterr(
            err, errlen,
            "validation fraction %g and test fraction %g: need val > 0, "
            "test >= 0 and val + test < 0.9",
            v, t);
        return -1;
    }
    size_t n = p->n;
    size_t te = (size_t)((double)n * (1.0 - t));
    size_t ve = (size_t)((double)n * (1.0 - t - v));
    memset(p->n_spans, 0, sizeof p->n_spans);
    p->spans[RNNAMP_SPLIT_TRAIN][0] = (rnnamp_span){0, ve};
    p->spans[RNNAMP_SPLIT_VAL][0] = (rnnamp_span){ve, te};
    p->n_spans[RNNAMP_SPLIT_TRAIN] = p->n_spans[RNNAMP_SPLIT_VAL] = 1;
    if (te < n) {
        p->spans[RNNAMP_SPLIT_TEST][0] = (rnnamp_span){te, n};
        p->n_spans[RNNAMP_SPLIT_TEST] = 1;
    }
    return 0;
}

/* Knobs, sample rate, pair count and lengths of a new pair, and the levels
 * of its audio, are fit for the dataset. */
static int check_pair(const rnnamp_dataset *d, const char *name,
                      const float *input, const float *target, size_t n_input,
                      size_t n_target, int rate, const float *knobs,
                      int n_knobs, const rnnamp_dataset_opts *opts, char *err,
                      size_t errlen)
{
    if (n_knobs < 0 || n_knobs > RNNAMP_MAX_KNOBS) {
        rnnamp_seterr(err, errlen, "%s: %d knob values: must be 0 to %d", name,
                      n_knobs, RNNAMP_MAX_KNOBS);
        return -1;
    }
    for (int k = 0; k < n_knobs; k++)
        if (!(knobs[k] >= 0.0f && knobs[k] <= 1.0f)) {
            rnnamp_seterr(err, errlen,
                          "%s: knob value %g must be between 0 and 1", name,
                          (double)knobs[k]);
            return -1;
        }
    if (d->n_pairs > 0 && n_knobs != d->n_knobs) {
        rnnamp_seterr(
            err, errlen,
            "%s: %d knob value(s) but the first pair has %d: every pair "
            "needs the same number of knobs",
            name, n_knobs, d->n_knobs);
        return -1;
    }
    if (d->n_pairs > 0 && rate != d->rate) {
        rnnamp_seterr(
            err, errlen,
            "%s: sample rate %d Hz differs from the first pair's %d Hz", name,
            rate, d->rate);
        return -1;
    }
    if (d->n_pairs == RNNAMP_MAX_PAIRS) {
        rnnamp_seterr(err, errlen, "%s: too many pairs (at most %d)", name,
                      RNNAMP_MAX_PAIRS);
        return -1;
    }
    if (n_target < n_input) {
        rnnamp_seterr(
            err, errlen,
            "%s: the target is shorter than the input (%.3f s vs %.3f "
            "s): it must cover the whole input",
            name, (double)n_target / rate, (double)n_input / rate);
        return -1;
    }
    if (n_target - n_input > (size_t)rate)
        note(opts, 1,
             "%s: the target is %.2f s longer than the input; the extra "
             "part is ignored",
             name, (double)(n_target - n_input) / rate);
    if (check_levels(input, n_input, "input", name, rate, opts, err, errlen) ||
        check_levels(target, n_target, "target", name, rate, opts, err, errlen))
        return -1;
    return 0;
}

/* Tell what the alignment found and warn about doubtful pairs. */
static void note_alignment(const rnnamp_dataset_opts *opts, const char *name,
                           const rnnamp_align_result *ar, int rate, int max_lag)
{
    note(opts, 0, "%s: latency %d samples (%.2f ms)%s, correlation %.2f", name,
         ar->lag, 1000.0 * ar->lag / rate,
         ar->inverted ? ", polarity inverted" : "", ar->correlation);
    if (ar->lag != 0 || ar->inverted)
        note(opts, 0, "%s: corrected%s%s", name, ar->lag ? " the latency" : "",
             ar->inverted ? (ar->lag ? " and the polarity" : " the polarity")
                          : "");
    if (abs(ar->lag) >= max_lag && max_lag > 0)
        note(opts, 1,
             "%s: the latency is at the edge of the search range (%.0f "
             "ms): are these files a matching pair?",
             name, opts->max_latency_ms);
    if (ar->correlation < 0.2)
        note(opts, 1,
             "%s: the target hardly follows the input (correlation "
             "%.2f): time-based effects (delay, reverb, modulation) or "
             "unrelated files? An RNN cannot learn those well",
             name, ar->correlation);
}

/* Find the latency and polarity of target against input (opts->align);
 * sets p->latency, inverted, correlation. */
static int align_pair(rnnamp_pair *p, const char *name, const float *input,
                      const float *target, size_t n_input, size_t n_target,
                      const rnnamp_dataset_opts *opts, char *err, size_t errlen)
{
    p->correlation = 1.0;
    if (!opts->align)
        return 0;
    rnnamp_align_result ar;
    int max_lag = (int)(opts->max_latency_ms * 1e-3 * p->rate);
    if (rnnamp_align_find(input, n_input, target, n_target, max_lag, 0, &ar) !=
        0) {
        rnnamp_seterr(err, errlen, "%s: out of memory while aligning", name);
        return -1;
    }
    p->latency = ar.lag;
    p->inverted = ar.inverted;
    p->correlation = ar.correlation;
    note_alignment(opts, name, &ar, p->rate, max_lag);
    return 0;
}

/* p->input, p->target: new copies of the aligned overlap, input[i] <->
 * target[i + latency], the target's polarity corrected. */
static int copy_aligned(rnnamp_pair *p, const char *name, const float *input,
                        const float *target, size_t n_input, size_t n_target,
                        char *err, size_t errlen)
{
    long lag = p->latency;
    size_t in0 = lag < 0 ? (size_t)(-lag) : 0, tg0 = lag > 0 ? (size_t)lag : 0;
    size_t n = n_input - in0;
    if (n_target - tg0 < n)
        n = n_target - tg0;
    if (n < (size_t)p->rate / 2) {
        rnnamp_seterr(err, errlen,
                      "%s: only %.2f s of audio: at least 0.5 s is needed "
                      "(a few minutes is best)",
                      name, (double)n / p->rate);
        return -1;
    }
    p->n = n;
    p->input = malloc(n * sizeof(float));
    p->target = malloc(n * sizeof(float));
    if (!p->input || !p->target) {
        free(p->input);
        free(p->target);
        rnnamp_seterr(err, errlen, "%s: out of memory", name);
        return -1;
    }
    float sign = p->inverted ? -1.0f : 1.0f;
    for (size_t i = 0; i < n; i++) {
        p->input[i] = input[in0 + i];
        p->target[i] = sign * target[tg0 + i];
    }
    return 0;
}

/* Append p with n_knobs knob values (its buffers move into d). */
static int append_pair(rnnamp_dataset *d, const rnnamp_pair *p, int n_knobs,
                       const char *name, char *err, size_t errlen)
{
    rnnamp_pair *np = realloc(d->pairs, (size_t)(d->n_pairs + 1) * sizeof *np);
    if (!np) {
        rnnamp_seterr(err, errlen, "%s: out of memory", name);
        return -1;
    }
    d->pairs = np;
    d->pairs[d->n_pairs++] = *p;
    d->n_knobs = n_knobs;
    d->rate = p->rate;
    return 0;
}

int rnnamp_dataset_add_buffers(rnnamp_dataset *d, const char *name,
                               const float *input, const float *target,
                               size_t n_input, size_t n_target, int rate,
                               const float *knobs, int n_knobs,
                               const rnnamp_dataset_opts *opts, char *err,
                               size_t errlen)
{
    rnnamp_dataset_opts defo;
    if (!opts) {
        rnnamp_dataset_opts_default(&defo);
        opts = &defo;
    }
    if (check_pair(d, name, input, target, n_input, n_target, rate, knobs,
                   n_knobs, opts, err, errlen) != 0)
        return -1;
    rnnamp_pair p;
    memset(&p, 0, sizeof p);
    rnnamp_strcopy(p.name, sizeof p.name, name);
    p.rate = rate;
    for (int k = 0; k < n_knobs; k++)
        p.knobs[k] = knobs[k];
    if (align_pair(&p, name, input, target, n_input, n_target, opts, err,
                   errlen) != 0 ||
        copy_aligned(&p, name, input, target, n_input, n_target, err, errlen) !=
            0)
        return -1;
    int rc = opts->regions ? parse_regions(&p, opts->regions, err, errlen)
                           : split_by_fraction(&p, opts, err, errlen);
    if (rc != 0 || append_pair(d, &p, n_knobs, name, err, errlen) != 0) {
        free(p.input);
        free(p.target);
        return -1;
    }
    return 0;
}

/* Read one file and pick its channel. */
static float *load_mono(const char *path, const char *what,
                        const rnnamp_dataset_opts *o, size_t *n, int *rate,
                        char *err, size_t errlen)
{
    rnnamp_audio a;
    char e2[RNNAMP_ERR_LEN];
    if (rnnamp_audio_read(path, &a, e2, sizeof e2) != 0) {
        rnnamp_seterr(err, errlen, "%s file: %s", what, e2);
        return NULL;
    }
    if (a.channels > 1 && o->channel < 0) {
        rnnamp_seterr(err, errlen,
                      "%s file %s has %d channels: choose one with --channel N "
                      "(1 to %d)",
                      what, path, a.channels, a.channels);
        rnnamp_audio_free(&a);
        return NULL;
    }
    int ch = o->channel < 0 ? 0 : o->channel;
    if (ch >= a.channels) {
        rnnamp_seterr(err, errlen,
                      "--channel %d: %s file %s has only %d channel(s)", ch + 1,
                      what, path, a.channels);
        rnnamp_audio_free(&a);
        return NULL;
    }
    float *x = rnnamp_audio_channel(&a, ch);
    *n = a.frames;
    *rate = a.rate;
    rnnamp_audio_free(&a);
    if (!x)
        rnnamp_seterr(err, errlen, "%s: out of memory", path);
    return x;
}

int rnnamp_dataset_add_files(rnnamp_dataset *d, const char *input_path,
                             const char *target_path, const float *knobs,
                             int n_knobs, const rnnamp_dataset_opts *opts,
                             char *err, size_t errlen)
{
    rnnamp_dataset_opts defo;
    if (!opts) {
        rnnamp_dataset_opts_default(&defo);
        opts = &defo;
    }
    size_t nx = 0, ny = 0;
    int rx = 0, ry = 0;
    float *x = load_mono(input_path, "input", opts, &nx, &rx, err, errlen);
    if (!x)
        return -1;
    float *y = load_mono(target_path, "target", opts, &ny, &ry, err, errlen);
    if (!y) {
        free(x);
        return -1;
    }
    int rc = -1;
    if (rx != ry) {
        rnnamp_seterr(
            err, errlen,
            "sample rates differ: input %s is %d Hz, target %s is %d Hz "
            "(resample one of them)",
            input_path, rx, target_path, ry);
    } else {
        char name[512];
        snprintf(name, sizeof name, "%s -> %s", input_path, target_path);
        rc = rnnamp_dataset_add_buffers(d, name, x, y, nx, ny, rx, knobs,
                                        n_knobs, opts, err, errlen);
    }
    free(x);
    free(y);
    return rc;
}
