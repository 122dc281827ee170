/* rnnamp trainer: the training loop. See trainer.h.
 *
 * A batch of B segments is split into S fixed shards (S = max(4, threads),
 * at most B); worker threads claim the next unstarted shard, so the
 * arithmetic does not depend on the thread count, and a thread that the
 * system slows down does not hold the other one up for long. Per TBPTT chunk:
 * phase 1 fills the inputs and runs the forward pass of every shard, the main
 * thread adds the loss normalisers in shard order, phase 2 runs loss + backward
 * per shard, then the main thread sums the shard gradients in order, clips and
 * steps Adam.
 */
#include "trainer.h"
#include "error.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "train_adam.h"
#include "train_cells.h"
#include "train_loss.h"

/* Shards per batch at least (more than threads: dynamic load balance). */
#define SHARDS_MIN 4

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- deterministic random numbers (splitmix64) ---- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rand_uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- config ---- */

void rnnamp_train_config_default(rnnamp_train_config *c, int rate)
{
    memset(c, 0, sizeof *c);
    c->arch = RNNAMP_LSTM;
    c->hidden = 16;
    c->layers = 1;
    c->epochs = 10000;
    c->minutes = 10.0;
    /* Many small Adam steps: 8 segments of ~1/6 s in 512-sample chunks
     * (4096 samples per step). On the demo pair (data/demo/regions.txt,
     * LSTM-16, 1 minute on 2 busy cores) this reached a validation ESR of
     * 0.0016, against 0.11 with 32 segments of 0.5 s in 2048-sample chunks
     * (16 times the audio per step, so 16 times fewer steps). */
    c->batch = 8;
    c->tbptt = 512;
    c->warmup = 1024;
    int sixth = rate > 0 ? rate / 6 : 8000;
    int chunks = (sixth + c->tbptt / 2) / c->tbptt;
    c->segment = (chunks < 1 ? 1 : chunks) * c->tbptt;
    c->lr = 4e-3;
    c->lr_min = 1e-5;
    c->plateau_factor = 0.5;
    c->plateau_patience = 5;
    c->early_stop = 20;
    c->grad_clip = 1.0;
    c->pre_emph = 0.85;
    c->dc_weight = 1.0;
    c->train_rms = 0.25;
    c->seed = 1;
    c->threads = 2;
    c->checkpoint_every = 60.0;
}

int rnnamp_train_config_check(const rnnamp_train_config *c, char *err,
                              size_t errlen)
{
    if (c->arch != RNNAMP_LSTM && c->arch != RNNAMP_GRU &&
        c->arch != RNNAMP_RNN) {
        rnnamp_seterr(err, errlen, "--arch: must be lstm, gru or rnn");
        return -1;
    }
    if (c->hidden < 1 || c->hidden > RNNAMP_MAX_HIDDEN) {
        rnnamp_seterr(err, errlen, "--hidden %d: must be 1 to %d", c->hidden,
               RNNAMP_MAX_HIDDEN);
        return -1;
    }
    if (c->layers < 1 || c->layers > RNNAMP_MAX_LAYERS - 1) {
        rnnamp_seterr(err, errlen, "--layers %d: must be 1 to %d", c->layers,
               RNNAMP_MAX_LAYERS - 1);
        return -1;
    }
    if (c->epochs < 1) {
        rnnamp_seterr(err, errlen, "--epochs %d: must be at least 1", c->epochs);
        return -1;
    }
    if (!(c->minutes >= 0.0)) {
        rnnamp_seterr(err, errlen, "--minutes %g: must be 0 (no limit) or more",
               c->minutes);
        return -1;
    }
    if (c->batch < 1 || c->batch > 4096) {
        rnnamp_seterr(err, errlen, "--batch %d: must be 1 to 4096", c->batch);
        return -1;
    }
    if (c->tbptt < 1 || c->tbptt > 65536) {
        rnnamp_seterr(err, errlen, "--tbptt %d: must be 1 to 65536", c->tbptt);
        return -1;
    }
    if (c->segment < c->tbptt || c->segment % c->tbptt) {
        rnnamp_seterr(err, errlen,
               "--segment %d: must be a multiple of the TBPTT chunk (%d)",
               c->segment, c->tbptt);
        return -1;
    }
    if (c->warmup < 0) {
        rnnamp_seterr(err, errlen, "--warmup %d: must be 0 or more", c->warmup);
        return -1;
    }
    if (!(c->lr > 0.0 && c->lr < 1.0)) {
        rnnamp_seterr(err, errlen, "--lr %g: must be between 0 and 1", c->lr);
        return -1;
    }
    if (c->threads < 1 || c->threads > 64) {
        rnnamp_seterr(err, errlen, "--threads %d: must be 1 to 64", c->threads);
        return -1;
    }
    if (!(c->grad_clip >= 0.0) || !(c->pre_emph >= 0.0 && c->pre_emph < 1.0) ||
        !(c->dc_weight >= 0.0) || !(c->train_rms >= 0.0)) {
        rnnamp_seterr(err, errlen,
               "bad loss settings (grad clip >= 0, 0 <= pre-emphasis < 1, "
               "DC weight >= 0, training RMS >= 0)");
        return -1;
    }
    return 0;
}

const char *rnnamp_esr_grade(double esr)
{
    /* NAM's trainer thresholds (nam/train/core.py) */
    if (esr < 0.01)
        return "Great!";
    if (esr < 0.035)
        return "Not bad!";
    if (esr < 0.1)
        return "This might sound OK.";
    if (esr < 0.3)
        return "This probably won't sound great.";
    return "Something seems to have gone wrong.";
}

void rnnamp_train_result_free(rnnamp_train_result *r)
{
    free(r->train_loss);
    free(r->val_hist);
    r->train_loss = r->val_hist = NULL;
    r->n_epochs = 0;
}

/* ---- shards: one group of sequences and its workspaces ---- */

typedef struct {
    const rnnamp_pair *p;
    long start;  /* sample index of step 0 (may be < 0: zeros) */
    long valid0; /* eval: first step that counts */
    long valid1; /* eval: one past the last step that counts */
} seq_src;

/* Each shard on its own cache lines: threads write their shards' fields. */
typedef struct {
    _Alignas(64) int b;
    seq_src *src;
    rnnamp_cell_ws *ws[RNNAMP_MAX_LAYERS];
    float *x, *tgt, *yh, *y, *dy;
    float *grad;
    rnnamp_loss_norm norm;
    double loss;
    double *err_acc, *tgt_acc; /* eval, per sequence */
} shard;

typedef struct ctx {
    const rnnamp_model *m;
    int n_rec;
    int n_in;
    int S;
    shard *sh;
    int T;
    int threads;
    float in_scale, out_scale; /* training level (see train_rms) */
    const rnnamp_loss *loss;
    rnnamp_loss_norm norm;
    /* current job */
    long t0;
    int Tc;
    int phase; /* 1 forward (+norm), 2 loss+backward, 3 forward+eval acc */
} ctx;

static void ctx_free(ctx *c)
{
    if (!c->sh)
        return;
    for (int i = 0; i < c->S; i++) {
        shard *s = &c->sh[i];
        for (int l = 0; l < c->n_rec; l++)
            rnnamp_cell_ws_free(s->ws[l]);
        free(s->x);
        free(s->tgt);
        free(s->yh);
        free(s->y);
        free(s->dy);
        free(s->grad);
        free(s->err_acc);
        free(s->tgt_acc);
    }
    free(c->sh);
    c->sh = NULL;
}

/* Shards of sizes splitting B as evenly as possible; src has B entries. */
static int ctx_init(ctx *c, const rnnamp_model *m, int B, int S, int T,
                    int threads, int with_grad, seq_src *src)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->n_rec = m->n_layers - 1;
    c->n_in = m->n_inputs;
    if (S > B)
        S = B;
    c->S = S;
    c->T = T;
    c->threads = threads;
    c->in_scale = c->out_scale = 1.0f;
    c->sh = aligned_alloc(_Alignof(shard), (size_t)S * sizeof *c->sh);
    if (!c->sh)
        return -1;
    memset(c->sh, 0, (size_t)S * sizeof *c->sh);
    int off = 0;
    for (int i = 0; i < S; i++) {
        shard *s = &c->sh[i];
        s->b = B / S + (i < B % S ? 1 : 0);
        s->src = src + off;
        off += s->b;
        size_t tb = (size_t)T * (size_t)s->b;
        for (int l = 0; l < c->n_rec; l++) {
            const rnnamp_layer *L = &m->layers[l];
            s->ws[l] = rnnamp_cell_ws_new(L->type, L->n_in, L->n_out, T, s->b);
            if (!s->ws[l])
                goto oom;
        }
        s->x = malloc(tb * (size_t)c->n_in * sizeof(float));
        s->tgt = malloc(tb * sizeof(float));
        s->yh = malloc(tb * sizeof(float));
        s->y = malloc(tb * sizeof(float));
        s->dy = malloc(tb * sizeof(float));
        s->err_acc = calloc((size_t)s->b, sizeof(double));
        s->tgt_acc = calloc((size_t)s->b, sizeof(double));
        if (!s->x || !s->tgt || !s->yh || !s->y || !s->dy || !s->err_acc ||
            !s->tgt_acc)
            goto oom;
        if (with_grad) {
            s->grad = malloc(m->n_params * sizeof(float));
            if (!s->grad)
                goto oom;
        }
    }
    return 0;
oom:
    ctx_free(c);
    return -1;
}

static void shard_reset_state(const ctx *c, shard *s)
{
    for (int l = 0; l < c->n_rec; l++)
        rnnamp_cell_reset(&c->m->layers[l], s->ws[l]);
}

static void shard_fill(const ctx *c, shard *s)
{
    int b = s->b, ni = c->n_in;
    for (int k = 0; k < b; k++) {
        const seq_src *q = &s->src[k];
        const rnnamp_pair *p = q->p;
        for (int t = 0; t < c->Tc; t++) {
            long idx = q->start + c->t0 + t;
            int in = idx >= 0 && (size_t)idx < p->n;
            float *x = s->x + ((size_t)t * b + k) * ni;
            x[0] = in ? c->in_scale * p->input[idx] : 0.0f;
            for (int j = 1; j < ni; j++)
                x[j] = p->knobs[j - 1];
            s->tgt[(size_t)t * b + k] =
                in ? c->out_scale * p->target[idx] : 0.0f;
        }
    }
}

/* Input of recurrent layer l (or of the head for l == n_rec). */
static const float *layer_input(const ctx *c, const shard *s, int l)
{
    (void)c;
    if (l == 0)
        return s->x;
    return s->ws[l - 1]->h + (size_t)s->b * s->ws[l - 1]->H;
}

static void shard_forward(const ctx *c, shard *s)
{
    int rows = c->Tc * s->b;
    for (int l = 0; l < c->n_rec; l++)
        rnnamp_cell_forward(&c->m->layers[l], s->ws[l], layer_input(c, s, l),
                            c->Tc);
    rnnamp_dense_forward(&c->m->layers[c->n_rec], layer_input(c, s, c->n_rec),
                         s->yh, rows);
    for (int r = 0; r < rows; r++)
        s->y[r] = s->yh[r] + (c->m->skip ? s->x[(size_t)r * c->n_in] : 0.0f);
}

static void shard_carry(const ctx *c, shard *s)
{
    for (int l = 0; l < c->n_rec; l++)
        rnnamp_cell_carry(s->ws[l], c->Tc);
}

static void shard_backward(const ctx *c, shard *s)
{
    const rnnamp_model *m = c->m;
    int rows = c->Tc * s->b;
    memset(s->grad, 0, m->n_params * sizeof(float));
    s->loss =
        rnnamp_loss_eval(c->loss, &c->norm, s->y, s->tgt, c->Tc, s->b, s->dy);
    rnnamp_layer g =
        rnnamp_layer_rebase(&m->layers[c->n_rec], m->params, s->grad);
    float *dtop = c->n_rec > 0 ? s->ws[c->n_rec - 1]->dh : NULL;
    rnnamp_dense_backward(&m->layers[c->n_rec], &g, layer_input(c, s, c->n_rec),
                          s->yh, s->dy, dtop, rows);
    for (int l = c->n_rec - 1; l >= 0; l--) {
        g = rnnamp_layer_rebase(&m->layers[l], m->params, s->grad);
        rnnamp_cell_backward(&m->layers[l], &g, s->ws[l], layer_input(c, s, l),
                             c->Tc, l > 0 ? s->ws[l - 1]->dh : NULL);
    }
}

static void shard_eval_acc(const ctx *c, shard *s)
{
    for (int k = 0; k < s->b; k++) {
        const seq_src *q = &s->src[k];
        double e = 0, tt = 0;
        for (int t = 0; t < c->Tc; t++) {
            long step = c->t0 + t;
            if (step < q->valid0 || step >= q->valid1)
                continue;
            size_t i = (size_t)t * s->b + k;
            double d = (double)s->y[i] - s->tgt[i];
            e += d * d;
            tt += (double)s->tgt[i] * s->tgt[i];
        }
        s->err_acc[k] += e;
        s->tgt_acc[k] += tt;
    }
}

static void shard_job(const ctx *c, shard *s)
{
    switch (c->phase) {
    case 1:
        shard_fill(c, s);
        shard_forward(c, s);
        memset(&s->norm, 0, sizeof s->norm);
        rnnamp_loss_norm_add(c->loss, s->tgt, c->Tc, s->b, &s->norm);
        break;
    case 2:
        shard_backward(c, s);
        shard_carry(c, s);
        break;
    case 3:
        shard_fill(c, s);
        shard_forward(c, s);
        shard_eval_acc(c, s);
        shard_carry(c, s);
        break;
    case 4: /* warm-up: forward only */
        shard_fill(c, s);
        shard_forward(c, s);
        shard_carry(c, s);
        break;
    }
}

typedef struct {
    const ctx *c;
    atomic_int *next; /* next shard to claim */
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    for (int i; (i = atomic_fetch_add(w->next, 1)) < w->c->S;)
        shard_job(w->c, &w->c->sh[i]);
    return NULL;
}

static void run_parallel(ctx *c)
{
    int nt = c->threads < c->S ? c->threads : c->S;
    pthread_t th[64];
    worker_arg wa[64];
    int started[64] = {0};
    atomic_int next;
    atomic_init(&next, 0);
    for (int k = 0; k < nt; k++)
        wa[k] = (worker_arg){c, &next};
    for (int k = 1; k < nt; k++)
        started[k] = pthread_create(&th[k], NULL, worker, &wa[k]) == 0;
    worker(&wa[0]);
    for (int k = 1; k < nt; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else /* could not start a thread: do its share here */
            worker(&wa[k]);
    }
}

/* ---- evaluation ---- */

#define EVAL_PIECE   32768
#define EVAL_PREROLL 4096
#define EVAL_SEQS    32

/* ESR with input and target scaled (a model trained at that level). */
static double eval_esr_scaled(const rnnamp_model *m, const rnnamp_dataset *d,
                              rnnamp_split split, int threads, float in_scale,
                              float out_scale)
{
    size_t n_pieces = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[split]; k++) {
            rnnamp_span sp = d->pairs[i].spans[split][k];
            n_pieces += (sp.end - sp.start + EVAL_PIECE - 1) / EVAL_PIECE;
        }
    if (!n_pieces)
        return NAN;
    seq_src *src = calloc(n_pieces, sizeof *src);
    double *e = calloc(n_pieces, sizeof *e), *t = calloc(n_pieces, sizeof *t);
    if (!src || !e || !t) {
        free(src);
        free(e);
        free(t);
        return NAN;
    }
    size_t np = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[split]; k++) {
            rnnamp_span sp = d->pairs[i].spans[split][k];
            for (size_t a = sp.start; a < sp.end; a += EVAL_PIECE) {
                size_t b = a + EVAL_PIECE < sp.end ? a + EVAL_PIECE : sp.end;
                src[np++] =
                    (seq_src){&d->pairs[i], (long)a - EVAL_PREROLL,
                              EVAL_PREROLL, EVAL_PREROLL + (long)(b - a)};
            }
        }
    const int T = 2048;
    long total = EVAL_PREROLL + EVAL_PIECE;
    int S = threads < SHARDS_MIN ? SHARDS_MIN : threads;
    rnnamp_loss dummy;
    rnnamp_loss_init(&dummy, 0.0, 0, 0.0, 0.0);
    double err = 0.0, tgt = 0.0;
    int ok = 1;
    for (size_t g0 = 0; g0 < np && ok; g0 += EVAL_SEQS) {
        int B = (int)(np - g0 < EVAL_SEQS ? np - g0 : EVAL_SEQS);
        ctx c;
        if (ctx_init(&c, m, B, S, T, threads, 0, src + g0) != 0) {
            ok = 0;
            break;
        }
        c.loss = &dummy;
        c.in_scale = in_scale;
        c.out_scale = out_scale;
        for (int i = 0; i < c.S; i++)
            shard_reset_state(&c, &c.sh[i]);
        for (long t0 = 0; t0 < total; t0 += T) {
            c.t0 = t0;
            c.Tc = (int)(total - t0 < T ? total - t0 : T);
            c.phase = 3;
            run_parallel(&c);
        }
        int k = 0;
        for (int i = 0; i < c.S; i++)
            for (int j = 0; j < c.sh[i].b; j++, k++) {
                e[g0 + k] = c.sh[i].err_acc[j];
                t[g0 + k] = c.sh[i].tgt_acc[j];
            }
        ctx_free(&c);
    }
    for (size_t i = 0; i < np; i++) {
        err += e[i];
        tgt += t[i];
    }
    free(src);
    free(e);
    free(t);
    if (!ok)
        return NAN;
    return err / (tgt > 1e-20 ? tgt : 1e-20);
}

double rnnamp_train_eval_esr(const rnnamp_model *m, const rnnamp_dataset *d,
                             rnnamp_split split, int threads)
{
    return eval_esr_scaled(m, d, split, threads, 1.0f, 1.0f);
}

/* RMS of the input or the target over the training spans. */
static double train_rms_of(const rnnamp_dataset *d, int target)
{
    double e = 0.0;
    size_t n = 0;
    for (int i = 0; i < d->n_pairs; i++) {
        const rnnamp_pair *p = &d->pairs[i];
        const float *x = target ? p->target : p->input;
        for (int k = 0; k < p->n_spans[RNNAMP_SPLIT_TRAIN]; k++) {
            rnnamp_span sp = p->spans[RNNAMP_SPLIT_TRAIN][k];
            for (size_t j = sp.start; j < sp.end && j < p->n; j++)
                e += (double)x[j] * x[j];
            n += sp.end - sp.start;
        }
    }
    return n ? sqrt(e / (double)n) : 0.0;
}

/* Scale that brings rms to want (1 when off or silent), limited. */
static float level_scale(double want, double rms)
{
    if (!(want > 0.0) || !(rms > 1e-9))
        return 1.0f;
    return (float)fmin(fmax(want / rms, 1e-3), 1e4);
}

/* Fold the training scales into the model: the first layer's audio
 * column takes in_scale, the linear head 1 / out_scale. */
static void fold_scales(rnnamp_model *m, float in_scale, float out_scale)
{
    rnnamp_layer *first = &m->layers[0];
    int rows = first->type == RNNAMP_DENSE
                   ? first->n_out
                   : rnnamp_layer_gates(first->type) * first->n_out;
    for (int r = 0; r < rows; r++)
        first->w_ih[(size_t)r * (size_t)first->n_in] *= in_scale;
    rnnamp_layer *head = &m->layers[m->n_layers - 1];
    float inv = 1.0f / out_scale;
    for (int i = 0; i < head->n_out * head->n_in; i++)
        head->w_ih[i] *= inv;
    for (int i = 0; i < head->n_out; i++)
        head->b_ih[i] *= inv;
}

/* ---- training ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fingerprint(const rnnamp_train_config *c,
                            const rnnamp_dataset *d, size_t n_params)
{
    uint64_t h = 0xcbf29ce484222325ull;
    int iv[] = {(int)c->arch,   c->hidden,
                c->layers,      c->skip,
                c->batch,       c->segment,
                c->warmup,      c->tbptt,
                c->a_weighting, c->max_train_seconds,
                d->n_pairs,     d->n_knobs};
    double dv[] = {c->lr,        c->pre_emph,       c->dc_weight,
                   c->grad_clip, c->plateau_factor, c->weight_decay,
                   c->train_rms};
    h = fnv(h, iv, sizeof iv);
    h = fnv(h, dv, sizeof dv);
    h = fnv(h, &c->seed, sizeof c->seed);
    h = fnv(h, &n_params, sizeof n_params);
    for (int i = 0; i < d->n_pairs; i++) {
        const rnnamp_pair *p = &d->pairs[i];
        h = fnv(h, &p->n, sizeof p->n);
        h = fnv(h, p->input, (p->n < 4096 ? p->n : 4096) * sizeof(float));
        h = fnv(h, p->target, (p->n < 4096 ? p->n : 4096) * sizeof(float));
        h = fnv(h, p->spans, sizeof p->spans);
    }
    return h;
}

static rnnamp_model *build_model(const rnnamp_train_config *c, int n_inputs,
                                 char *err, size_t errlen)
{
    rnnamp_layer_spec sp[RNNAMP_MAX_LAYERS];
    for (int i = 0; i < c->layers; i++)
        sp[i] = (rnnamp_layer_spec){c->arch, c->hidden, RNNAMP_ACT_LINEAR};
    sp[c->layers] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    rnnamp_model *m =
        rnnamp_model_new(n_inputs, c->layers + 1, sp, c->skip, err, errlen);
    if (!m)
        return NULL;
    /* PyTorch's default initialisation: U(-1/sqrt(H), 1/sqrt(H)) for
     * recurrent weights and biases, U(-1/sqrt(n_in), ..) for the head. */
    uint64_t s = c->seed * 0x2545F4914F6CDD1Dull + 17;
    for (int l = 0; l < m->n_layers; l++) {
        rnnamp_layer *L = &m->layers[l];
        int rec = L->type != RNNAMP_DENSE;
        double k = 1.0 / sqrt(rec ? (double)L->n_out : (double)L->n_in);
        size_t n = rnnamp_layer_param_count(L->type, L->n_in, L->n_out);
        size_t n_state = rec ? (size_t)L->n_out * (L->c0 ? 2 : 1) : 0;
        for (size_t i = 0; i < n - n_state; i++)
            L->w_ih[i] = (float)((2.0 * rand_uniform(&s) - 1.0) * k);
    }
    return m;
}

/* Pick the batch's segments: a pure function of (seed, epoch, batch). */
static void pick_segments(const rnnamp_train_config *c, const rnnamp_dataset *d,
                          int epoch, int batch, long len, seq_src *src)
{
    uint64_t s = c->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(epoch + 1)) ^
                 (0xD1B54A32D192ED03ull * (uint64_t)(batch + 1));
    splitmix(&s);
    double total = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[RNNAMP_SPLIT_TRAIN]; k++) {
            rnnamp_span sp = d->pairs[i].spans[RNNAMP_SPLIT_TRAIN][k];
            if ((long)(sp.end - sp.start) >= len)
                total += (double)(sp.end - sp.start - (size_t)len + 1);
        }
    for (int q = 0; q < c->batch; q++) {
        double r = rand_uniform(&s) * total;
        const rnnamp_pair *bp = NULL;
        long start = 0;
        for (int i = 0; i < d->n_pairs; i++)
            for (int k = 0; k < d->pairs[i].n_spans[RNNAMP_SPLIT_TRAIN]; k++) {
                rnnamp_span sp = d->pairs[i].spans[RNNAMP_SPLIT_TRAIN][k];
                if ((long)(sp.end - sp.start) < len)
                    continue;
                double w = (double)(sp.end - sp.start - (size_t)len + 1);
                if (!bp || r >= 0.0) { /* last eligible span if r rounds */
                    bp = &d->pairs[i];
                    double o = r < w ? r : w - 1.0;
                    start = (long)sp.start + (long)(o > 0.0 ? o : 0.0);
                }
                r -= w;
            }
        src[q] = (seq_src){bp, start, 0, len};
    }
}

typedef struct {
    double train_sum;
    long train_n;
} epoch_acc;

/* One batch: warm-up then TBPTT chunks, one Adam step per chunk. */
static double train_batch(ctx *c, const rnnamp_train_config *cfg,
                          rnnamp_model *m, rnnamp_adam *adam, float *gsum)
{
    for (int i = 0; i < c->S; i++)
        shard_reset_state(c, &c->sh[i]);
    long t0 = 0;
    for (; t0 < cfg->warmup; t0 += cfg->tbptt) {
        c->t0 = t0;
        c->Tc = (int)(cfg->warmup - t0 < cfg->tbptt ? cfg->warmup - t0
                                                    : cfg->tbptt);
        c->phase = 4;
        run_parallel(c);
    }
    t0 = cfg->warmup;
    double loss_sum = 0;
    int n = 0;
    for (long k = 0; k < cfg->segment; k += cfg->tbptt, n++) {
        c->t0 = t0 + k;
        c->Tc = cfg->tbptt;
        c->phase = 1;
        run_parallel(c);
        memset(&c->norm, 0, sizeof c->norm);
        for (int i = 0; i < c->S; i++) {
            c->norm.e_filt += c->sh[i].norm.e_filt;
            c->norm.e_raw += c->sh[i].norm.e_raw;
            c->norm.n_seq += c->sh[i].norm.n_seq;
            c->norm.T = c->sh[i].norm.T;
        }
        c->phase = 2;
        run_parallel(c);
        double loss = 0;
        memcpy(gsum, c->sh[0].grad, m->n_params * sizeof(float));
        loss += c->sh[0].loss;
        for (int i = 1; i < c->S; i++) {
            const float *g = c->sh[i].grad;
            for (size_t j = 0; j < m->n_params; j++)
                gsum[j] += g[j];
            loss += c->sh[i].loss;
        }
        rnnamp_grad_clip(gsum, m->n_params, cfg->grad_clip);
        rnnamp_adam_step(adam, m->params, gsum);
        loss_sum += isfinite(loss) ? loss : 0.0;
    }
    return n ? loss_sum / n : 0.0;
}

static int grow_hist(rnnamp_train_result *r, int n)
{
    double *a = realloc(r->train_loss, (size_t)n * sizeof(double));
    if (!a)
        return -1;
    r->train_loss = a;
    double *b = realloc(r->val_hist, (size_t)n * sizeof(double));
    if (!b)
        return -1;
    r->val_hist = b;
    return 0;
}

typedef struct {
    int epoch, batch;
    rnnamp_plateau plateau;
    int early_bad;
    double best_val;
    int best_epoch;
    double elapsed0; /* seconds before this process started */
    epoch_acc acc;
} loop_state;

static int save_checkpoint(const rnnamp_train_config *cfg, uint64_t fp,
                           const loop_state *st, const rnnamp_model *m,
                           const rnnamp_adam *adam, const float *best,
                           const rnnamp_train_result *r, double elapsed,
                           char *err, size_t errlen)
{
    rnnamp_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.fingerprint = fp;
    ck.epoch = st->epoch;
    ck.batch = st->batch;
    ck.adam_step = adam->step;
    ck.lr = adam->lr;
    ck.plateau_best = st->plateau.best;
    ck.plateau_bad = st->plateau.bad;
    ck.early_bad = st->early_bad;
    ck.best_val = st->best_val;
    ck.best_epoch = st->best_epoch;
    ck.elapsed = elapsed;
    ck.epoch_loss_sum = st->acc.train_sum;
    ck.epoch_loss_n = st->acc.train_n;
    ck.n_params = m->n_params;
    ck.params = m->params;
    ck.adam_m = adam->m;
    ck.adam_v = adam->v;
    ck.best_params = (float *)best;
    ck.n_hist = r->n_epochs;
    ck.train_hist = r->train_loss;
    ck.val_hist = r->val_hist;
    return rnnamp_checkpoint_write(cfg->checkpoint_path, &ck, err, errlen);
}

int rnnamp_train_run(const rnnamp_train_config *cfg, const rnnamp_dataset *d,
                     rnnamp_train_progress_fn cb, void *user,
                     rnnamp_model **out, rnnamp_train_result *res, char *err,
                     size_t errlen)
{
    *out = NULL;
    memset(res, 0, sizeof *res);
    if (rnnamp_train_config_check(cfg, err, errlen) != 0)
        return -1;
    if (!d || d->n_pairs < 1) {
        rnnamp_seterr(err, errlen, "no training data");
        return -1;
    }
    long seg_len = (long)cfg->warmup + cfg->segment;
    size_t usable = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[RNNAMP_SPLIT_TRAIN]; k++) {
            rnnamp_span sp = d->pairs[i].spans[RNNAMP_SPLIT_TRAIN][k];
            if ((long)(sp.end - sp.start) >= seg_len)
                usable += sp.end - sp.start;
        }
    if (!usable) {
        rnnamp_seterr(err, errlen,
               "the training audio is too short: each training region needs "
               "at least %.2f s (warm-up + segment, --segment)",
               (double)seg_len / d->rate);
        return -1;
    }
    if (cfg->max_train_seconds > 0 &&
        usable > (size_t)cfg->max_train_seconds * (size_t)d->rate)
        usable = (size_t)cfg->max_train_seconds * (size_t)d->rate;
    int n_batches = (int)(usable / ((size_t)cfg->segment * cfg->batch));
    if (n_batches < 1)
        n_batches = 1;

    rnnamp_model *m = build_model(cfg, 1 + d->n_knobs, err, errlen);
    if (!m)
        return -1;
    openblas_set_num_threads(1);
    rnnamp_loss loss;
    rnnamp_loss_init(&loss, cfg->pre_emph, cfg->a_weighting, d->rate,
                     cfg->dc_weight);
    rnnamp_adam adam;
    seq_src *src = calloc((size_t)cfg->batch, sizeof *src);
    float *gsum = malloc(m->n_params * sizeof(float));
    float *best = malloc(m->n_params * sizeof(float));
    ctx c;
    memset(&c, 0, sizeof c);
    int S = cfg->threads < SHARDS_MIN ? SHARDS_MIN : cfg->threads;
    int rc = -1;
    if (rnnamp_adam_init(&adam, m->n_params, cfg->lr) != 0 || !src || !gsum ||
        !best ||
        ctx_init(&c, m, cfg->batch, S, cfg->tbptt, cfg->threads, 1, src) != 0) {
        rnnamp_seterr(err, errlen, "out of memory setting up training");
        goto done_noadam;
    }
    adam.weight_decay = cfg->weight_decay;
    c.loss = &loss;
    c.in_scale = level_scale(cfg->train_rms, train_rms_of(d, 0));
    c.out_scale = cfg->skip ? c.in_scale
                            : level_scale(cfg->train_rms, train_rms_of(d, 1));
    memcpy(best, m->params, m->n_params * sizeof(float));

    loop_state st;
    memset(&st, 0, sizeof st);
    rnnamp_plateau_init(&st.plateau, cfg->plateau_patience, cfg->plateau_factor,
                        cfg->lr_min);
    st.best_val = INFINITY;
    st.best_epoch = -1;
    uint64_t fp = fingerprint(cfg, d, m->n_params);
    if (cfg->resume && cfg->checkpoint_path) {
        rnnamp_checkpoint ck;
        if (rnnamp_checkpoint_read(cfg->checkpoint_path, &ck, err, errlen) != 0)
            goto done;
        if (ck.fingerprint != fp || ck.n_params != m->n_params) {
            rnnamp_seterr(err, errlen,
                   "--resume: checkpoint %s was made with other data or "
                   "settings; start without --resume or use the same options",
                   cfg->checkpoint_path);
            rnnamp_checkpoint_free(&ck);
            goto done;
        }
        memcpy(m->params, ck.params, m->n_params * sizeof(float));
        memcpy(adam.m, ck.adam_m, m->n_params * sizeof(float));
        memcpy(adam.v, ck.adam_v, m->n_params * sizeof(float));
        memcpy(best, ck.best_params, m->n_params * sizeof(float));
        adam.step = ck.adam_step;
        adam.lr = ck.lr;
        st.epoch = ck.epoch;
        st.batch = ck.batch;
        st.plateau.best = ck.plateau_best;
        st.plateau.bad = ck.plateau_bad;
        st.early_bad = ck.early_bad;
        st.best_val = ck.best_val;
        st.best_epoch = ck.best_epoch;
        st.elapsed0 = ck.elapsed;
        st.acc.train_sum = ck.epoch_loss_sum;
        st.acc.train_n = ck.epoch_loss_n;
        if (ck.n_hist > 0) {
            if (grow_hist(res, ck.n_hist) != 0) {
                rnnamp_checkpoint_free(&ck);
                rnnamp_seterr(err, errlen, "out of memory");
                goto done;
            }
            memcpy(res->train_loss, ck.train_hist,
                   (size_t)ck.n_hist * sizeof(double));
            memcpy(res->val_hist, ck.val_hist,
                   (size_t)ck.n_hist * sizeof(double));
            res->n_epochs = ck.n_hist;
        }
        rnnamp_checkpoint_free(&ck);
    }

    double t_start = now_s(), t_ck = t_start;
    double budget = cfg->minutes > 0 ? cfg->minutes * 60.0 : INFINITY;
    rnnamp_stop_reason stop = RNNAMP_STOP_EPOCHS;
    int stopping = 0;
    long samples = 0;
    double last_val = res->n_epochs ? res->val_hist[res->n_epochs - 1] : NAN;
    while (st.epoch < cfg->epochs && !stopping) {
        for (; st.batch < n_batches; st.batch++) {
            pick_segments(cfg, d, st.epoch, st.batch, seg_len, src);
            double l = train_batch(&c, cfg, m, &adam, gsum);
            samples += (long)cfg->batch * seg_len;
            st.acc.train_sum += l;
            st.acc.train_n++;
            double el = st.elapsed0 + now_s() - t_start;
            if (cb) {
                rnnamp_train_progress p = {0};
                p.epoch = st.epoch;
                p.max_epochs = cfg->epochs;
                p.epoch_frac = (double)(st.batch + 1) / n_batches;
                p.train_loss = st.acc.train_sum / (double)st.acc.train_n;
                p.val_esr = last_val;
                p.best_val_esr = st.best_val;
                p.best_epoch = st.best_epoch;
                p.lr = adam.lr;
                p.elapsed = el;
                double per_epoch =
                    (now_s() - t_start) /
                    ((double)samples /
                     ((double)n_batches * cfg->batch * (double)seg_len));
                double eta =
                    per_epoch * ((cfg->epochs - st.epoch) - p.epoch_frac);
                p.eta = fmin(eta, budget - el);
                p.samples_per_sec = (double)samples / (now_s() - t_start);
                if (cb(&p, user))
                    stopping = 1;
            }
            if (cfg->stop && *cfg->stop)
                stopping = 1;
            if (el >= budget) {
                stopping = 1;
                stop = RNNAMP_STOP_TIME;
            }
            if (stopping) {
                if (stop != RNNAMP_STOP_TIME)
                    stop = RNNAMP_STOP_INTERRUPTED;
                st.batch++;
                break;
            }
            if (cfg->checkpoint_path && cfg->checkpoint_every > 0 &&
                now_s() - t_ck >= cfg->checkpoint_every) {
                loop_state s2 = st;
                s2.batch = st.batch + 1;
                if (save_checkpoint(cfg, fp, &s2, m, &adam, best, res, el, err,
                                    errlen) != 0)
                    goto done;
                t_ck = now_s();
            }
        }
        if (st.batch < n_batches && stopping) {
            /* stopped mid-epoch: save where we are, finish below */
            if (cfg->checkpoint_path &&
                save_checkpoint(cfg, fp, &st, m, &adam, best, res,
                                st.elapsed0 + now_s() - t_start, err,
                                errlen) != 0)
                goto done;
            double v = eval_esr_scaled(m, d, RNNAMP_SPLIT_VAL, cfg->threads,
                                       c.in_scale, c.out_scale);
            if (v < st.best_val) {
                st.best_val = v;
                st.best_epoch = st.epoch;
                memcpy(best, m->params, m->n_params * sizeof(float));
            }
            break;
        }
        /* end of epoch */
        double v = eval_esr_scaled(m, d, RNNAMP_SPLIT_VAL, cfg->threads,
                                   c.in_scale, c.out_scale);
        last_val = v;
        if (grow_hist(res, res->n_epochs + 1) != 0) {
            rnnamp_seterr(err, errlen, "out of memory");
            goto done;
        }
        res->train_loss[res->n_epochs] =
            st.acc.train_n ? st.acc.train_sum / (double)st.acc.train_n : NAN;
        res->val_hist[res->n_epochs] = v;
        res->n_epochs++;
        if (isfinite(v) && v < st.best_val) {
            st.best_val = v;
            st.best_epoch = st.epoch;
            st.early_bad = 0;
            memcpy(best, m->params, m->n_params * sizeof(float));
        } else {
            st.early_bad++;
        }
        if (!isfinite(v)) {
            /* diverged: go back to the best weights with a smaller step */
            memcpy(m->params, best, m->n_params * sizeof(float));
            adam.lr = fmax(adam.lr * 0.5, cfg->lr_min);
        } else {
            rnnamp_plateau_update(&st.plateau, v, &adam.lr);
        }
        double el = st.elapsed0 + now_s() - t_start;
        if (cb) {
            rnnamp_train_progress p = {0};
            p.epoch = st.epoch;
            p.max_epochs = cfg->epochs;
            p.epoch_frac = 1.0;
            p.epoch_done = 1;
            p.train_loss = res->train_loss[res->n_epochs - 1];
            p.val_esr = v;
            p.best_val_esr = st.best_val;
            p.best_epoch = st.best_epoch;
            p.lr = adam.lr;
            p.elapsed = el;
            double per_epoch =
                (now_s() - t_start) /
                ((double)samples /
                 ((double)n_batches * cfg->batch * (double)seg_len));
            p.eta = fmin(per_epoch * (cfg->epochs - st.epoch - 1), budget - el);
            p.samples_per_sec = (double)samples / (now_s() - t_start);
            if (cb(&p, user))
                stopping = 1;
        }
        st.epoch++;
        st.batch = 0;
        st.acc.train_sum = 0;
        st.acc.train_n = 0;
        if (cfg->stop && *cfg->stop)
            stopping = 1;
        if (stopping)
            stop = RNNAMP_STOP_INTERRUPTED;
        if (st.early_bad >= cfg->early_stop) {
            stopping = 1;
            stop = RNNAMP_STOP_EARLY;
        }
        if (el >= budget) {
            stopping = 1;
            stop = RNNAMP_STOP_TIME;
        }
        if (stopping && cfg->checkpoint_path &&
            save_checkpoint(cfg, fp, &st, m, &adam, best, res, el, err,
                            errlen) != 0)
            goto done;
    }
    if (cfg->checkpoint_path && !stopping &&
        save_checkpoint(cfg, fp, &st, m, &adam, best, res,
                        st.elapsed0 + now_s() - t_start, err, errlen) != 0)
        goto done;

    memcpy(m->params, best, m->n_params * sizeof(float));
    fold_scales(m, c.in_scale, c.out_scale);
    res->val_esr = st.best_val;
    res->best_epoch = st.best_epoch;
    res->epochs_run = st.epoch;
    res->seconds = st.elapsed0 + now_s() - t_start;
    res->stop = stop;
    double te = rnnamp_train_eval_esr(m, d, RNNAMP_SPLIT_TEST, cfg->threads);
    res->test_esr = isfinite(te) ? te : st.best_val;
    m->meta.sample_rate = d->rate;
    m->meta.has_esr = 1;
    m->meta.esr = res->test_esr;
    *out = m;
    m = NULL;
    rc = 0;
done:
    rnnamp_adam_free(&adam);
done_noadam:
    ctx_free(&c);
    free(src);
    free(gsum);
    free(best);
    rnnamp_model_free(m);
    if (rc != 0)
        rnnamp_train_result_free(res);
    return rc;
}
