/* rnnamp trainer: the training loop. See trainer.h.
 *
 * A batch of B segments is split into S fixed shards (S = max(4, threads),
 * at most B); worker threads claim the next unstarted shard, so the
 * arithmetic does not depend on the thread count, and a thread that the
 * system slows down does not hold the other one up for long. Per TBPTT chunk:
 * phase 1 fills the inputs and runs the forward pass of every shard, the main
 * thread adds the loss normalisers in shard order, phase 2 runs loss + backward
 * per shard, then the main thread sums the shard gradients in order, clips and
 * steps Adam. The worker threads are a pool started once per run (and per
 * rnnamp_train_eval_esr call), woken for each phase and joined at the end.
 *
 * A run is a sequence of steps on one `run` state: count_batches,
 * run_setup, run_resume, run_epochs (run_batches, run_end_epoch), run_finish.
 */
#include "trainer.h"
#include "error.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "fir_fit.h"
#include "train_adam.h"
#include "train_cells.h"
#include "train_fir.h"
#include "train_kernel.h"
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
    c->restarts = 3;
    c->restart_decay = 0.7;
    c->grad_clip = 1.0;
    c->pre_emph = 0.85;
    c->dc_weight = 1.0;
    c->train_rms = 0.25;
    c->seed = 1;
    c->threads = 2;
    c->kernel = -1;
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
    if (c->kernel < -1 || c->kernel >= RNNAMP_TK_N_ISA ||
        (c->kernel >= 0 && !rnnamp_tk_ops_for((rnnamp_tk_isa)c->kernel))) {
        rnnamp_seterr(err, errlen, "--kernel %s: not available on this CPU",
                      c->kernel >= 0 && c->kernel < RNNAMP_TK_N_ISA
                          ? rnnamp_tk_isa_name((rnnamp_tk_isa)c->kernel)
                          : "?");
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
    if (c->pre_fir < 0 || c->pre_fir > RNNAMP_MAX_FIR) {
        rnnamp_seterr(err, errlen, "--pre-fir %d: must be 0 to %d", c->pre_fir,
                      RNNAMP_MAX_FIR);
        return -1;
    }
    if (c->post_fir < 0 || c->post_fir > RNNAMP_MAX_FIR) {
        rnnamp_seterr(err, errlen, "--post-fir %d: must be 0 to %d",
                      c->post_fir, RNNAMP_MAX_FIR);
        return -1;
    }
    if (c->epochs < 1) {
        rnnamp_seterr(err, errlen, "--epochs %d: must be at least 1",
                      c->epochs);
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
        rnnamp_seterr(
            err, errlen,
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
    if (c->restarts < 0 ||
        !(c->restart_decay > 0.0 && c->restart_decay <= 1.0)) {
        rnnamp_seterr(err, errlen,
                      "--restarts %d, --restart-decay %g: restarts must be 0 "
                      "or more, the decay more than 0 and at most 1",
                      c->restarts, c->restart_decay);
        return -1;
    }
    if (c->threads < 1 || c->threads > 64) {
        rnnamp_seterr(err, errlen, "--threads %d: must be 1 to 64", c->threads);
        return -1;
    }
    if (!(c->grad_clip >= 0.0) || !(c->pre_emph >= 0.0 && c->pre_emph < 1.0) ||
        !(c->dc_weight >= 0.0) || !(c->train_rms >= 0.0)) {
        rnnamp_seterr(
            err, errlen,
            "bad loss settings (grad clip >= 0, 0 <= pre-emphasis < 1, "
            "DC weight >= 0, training RMS >= 0)");
        return -1;
    }
    return 0;
}

/* NAM's trainer thresholds (nam/train/core.py) and its words */
static const double grade_bound[RNNAMP_ESR_GRADE_BOUNDS] = {0.01, 0.035, 0.1,
                                                            0.3};
static const char *const grade_name[RNNAMP_ESR_GRADE_BOUNDS + 1] = {
    "Great!", "Not bad!", "This might sound OK.",
    "This probably won't sound great.", "Something seems to have gone wrong."};

const char *rnnamp_esr_grade(double esr)
{
    int i = 0; /* the first bound above esr (NaN: none, the worst) */
    while (i < RNNAMP_ESR_GRADE_BOUNDS && !(esr < grade_bound[i]))
        i++;
    return grade_name[i];
}

double rnnamp_esr_grade_bound(int i)
{
    return i >= 0 && i < RNNAMP_ESR_GRADE_BOUNDS ? grade_bound[i] : NAN;
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

/* Each shard on its own cache lines: threads write their shards' fields.
 * Its buffers are one allocation (mem), carved by shard_carve. */
typedef struct {
    _Alignas(64) int b;
    seq_src *src;
    rnnamp_cell_ws *ws[RNNAMP_MAX_LAYERS];
    void *mem;
    float *x, *tgt, *yh, *y, *dy;
    /* hybrid models (train_fir.h): xa [(pre - 1 + T)][b] the scaled audio
     * with its pre-FIR history, re [(post - 1 + T)][b] the network output
     * r with its post-FIR history (carried across chunks), du = dL/du,
     * dr = dL/dr [T][b], dx0 = dL/dx of layer 0 [T][b][n_in]; NULL when
     * the model has no such stage. */
    float *xa, *re, *du, *dr, *dx0;
    float *grad;
    rnnamp_loss_norm norm;
    double loss;
    double *err_acc, *tgt_acc; /* eval, per sequence */
} shard;

struct pool;

typedef struct ctx {
    const rnnamp_model *m;
    int n_rec;
    int n_in;
    int pre, post; /* FIR taps (0 = no stage) */
    int S;
    shard *sh;
    int T;
    struct pool *pool;         /* the threads that run the phases */
    float in_scale, out_scale; /* training level (see train_rms) */
    const rnnamp_loss *loss;
    rnnamp_loss_norm norm;
    /* current job */
    long t0;
    int Tc;
    int phase; /* 1 forward (+norm), 2 loss+backward, 3 forward+eval acc */
} ctx;

/* ---- one allocation, carved into 64-byte aligned arrays ---- */

typedef struct {
    char *base; /* NULL: only count */
    size_t off;
} carver;

static void *carve(carver *k, size_t bytes)
{
    void *p = k->base && bytes ? k->base + k->off : NULL;
    k->off += (bytes + 63) / 64 * 64;
    return p;
}

/* Allocate (zeroed) what carving with a NULL base counted. */
static void *carve_alloc(const carver *k)
{
    size_t n = k->off ? k->off : 64;
    void *p = aligned_alloc(64, n);
    if (p)
        memset(p, 0, n);
    return p;
}

static size_t shard_carve(shard *s, char *base, const ctx *c, size_t n_grad)
{
    carver k = {base, 0};
    int T = c->T, n_in = c->n_in;
    size_t tb = (size_t)T * (size_t)s->b, fl = sizeof(float);
    size_t b = (size_t)s->b;
    s->xa = c->pre ? carve(&k, (size_t)(c->pre - 1 + T) * b * fl) : NULL;
    s->re = c->post ? carve(&k, (size_t)(c->post - 1 + T) * b * fl) : NULL;
    s->dr = c->post && n_grad ? carve(&k, tb * fl) : NULL;
    s->du = c->pre && n_grad ? carve(&k, tb * fl) : NULL;
    s->dx0 = c->pre && n_grad ? carve(&k, tb * (size_t)n_in * fl) : NULL;
    s->x = carve(&k, tb * (size_t)n_in * fl);
    s->tgt = carve(&k, tb * fl);
    s->yh = carve(&k, tb * fl);
    s->y = carve(&k, tb * fl);
    s->dy = carve(&k, tb * fl);
    s->grad = carve(&k, n_grad * fl);
    s->err_acc = carve(&k, (size_t)s->b * sizeof(double));
    s->tgt_acc = carve(&k, (size_t)s->b * sizeof(double));
    return k.off;
}

static void ctx_free(ctx *c)
{
    if (!c->sh)
        return;
    for (int i = 0; i < c->S; i++) {
        shard *s = &c->sh[i];
        for (int l = 0; l < c->n_rec; l++)
            rnnamp_cell_ws_free(s->ws[l]);
        free(s->mem);
    }
    free(c->sh);
    c->sh = NULL;
}

/* The trainer kernels cfg asks for; NULL = the workspace's own choice (the
 * fastest this CPU runs). */
static const rnnamp_tk_ops *run_kernels(const rnnamp_train_config *cfg)
{
    return cfg->kernel >= 0 ? rnnamp_tk_ops_for((rnnamp_tk_isa)cfg->kernel)
                            : NULL;
}

/* Shards of sizes splitting B as evenly as possible; src has B entries. */
static int ctx_init(ctx *c, const rnnamp_model *m, int B, int S, int T,
                    struct pool *pool, int with_grad, seq_src *src,
                    const rnnamp_tk_ops *tk)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->n_rec = m->n_layers - 1;
    c->n_in = m->n_inputs;
    c->pre = m->pre_taps;
    c->post = m->post_taps;
    if (S > B)
        S = B;
    c->S = S;
    c->T = T;
    c->pool = pool;
    c->in_scale = c->out_scale = 1.0f;
    c->sh = aligned_alloc(_Alignof(shard), (size_t)S * sizeof *c->sh);
    if (!c->sh)
        return -1;
    memset(c->sh, 0, (size_t)S * sizeof *c->sh);
    size_t n_grad = with_grad ? m->n_params : 0;
    int off = 0;
    for (int i = 0; i < S; i++) {
        shard *s = &c->sh[i];
        s->b = B / S + (i < B % S ? 1 : 0);
        s->src = src + off;
        off += s->b;
        for (int l = 0; l < c->n_rec; l++) {
            const rnnamp_layer *L = &m->layers[l];
            s->ws[l] = rnnamp_cell_ws_new(L->type, L->n_in, L->n_out, T, s->b);
            if (!s->ws[l])
                goto oom;
            if (tk)
                s->ws[l]->tk = tk;
        }
        carver k = {NULL, shard_carve(s, NULL, c, n_grad)};
        s->mem = carve_alloc(&k);
        if (!s->mem)
            goto oom;
        shard_carve(s, s->mem, c, n_grad);
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
    if (s->re) /* r before the sequence's first step: silence */
        memset(s->re, 0, (size_t)(c->post - 1) * s->b * sizeof(float));
}

/* Pre-FIR: the scaled audio of the chunk and the pre - 1 samples before
 * it, read from the pair (zeros outside it), into xa; u = pre * x into
 * the audio column of s->x. */
static void shard_fill_pre(const ctx *c, shard *s)
{
    int b = s->b, h = c->pre - 1;
    for (int k = 0; k < b; k++) {
        const seq_src *q = &s->src[k];
        const rnnamp_pair *p = q->p;
        for (int t = -h; t < c->Tc; t++) {
            long idx = q->start + c->t0 + t;
            int in = idx >= 0 && (size_t)idx < p->n;
            s->xa[(size_t)(t + h) * b + k] =
                in ? c->in_scale * p->input[idx] : 0.0f;
        }
    }
    float *u = s->yh; /* scratch: the forward pass writes yh later */
    const float *xe = s->xa + (size_t)h * b;
    rnnamp_fir_forward(c->m->pre_fir, c->pre, xe, u, c->Tc, b);
    for (size_t r = 0; r < (size_t)c->Tc * b; r++)
        s->x[r * c->n_in] = u[r];
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
    if (c->pre)
        shard_fill_pre(c, s);
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
    float *r = c->post ? s->re + (size_t)(c->post - 1) * s->b : s->y;
    for (int i = 0; i < rows; i++)
        r[i] = s->yh[i] + (c->m->skip ? s->x[(size_t)i * c->n_in] : 0.0f);
    if (c->post)
        rnnamp_fir_forward(c->m->post_fir, c->post, r, s->y, c->Tc, s->b);
}

static void shard_carry(const ctx *c, shard *s)
{
    for (int l = 0; l < c->n_rec; l++)
        rnnamp_cell_carry(s->ws[l], c->Tc);
    if (c->post)
        rnnamp_fir_carry(s->re, c->post, c->Tc, s->b);
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
    float *dr = s->dy; /* dL/dr */
    if (c->post) {
        dr = s->dr;
        rnnamp_fir_backward(m->post_fir, c->post,
                            s->re + (size_t)(c->post - 1) * s->b, s->dy, c->Tc,
                            s->b, s->grad + (m->post_fir - m->params), dr);
    }
    if (c->pre) /* the skip path's share of dL/du */
        for (int i = 0; i < rows; i++)
            s->du[i] = m->skip ? dr[i] : 0.0f;
    float *dtop = c->n_rec > 0 ? s->ws[c->n_rec - 1]->dh : NULL;
    /* the head is linear: dr keeps its values (dense_backward overwrites
     * it with the pre-activation gradient) */
    rnnamp_dense_backward(&m->layers[c->n_rec], &g, layer_input(c, s, c->n_rec),
                          s->yh, dr, dtop, rows);
    for (int l = c->n_rec - 1; l >= 0; l--) {
        g = rnnamp_layer_rebase(&m->layers[l], m->params, s->grad);
        rnnamp_cell_backward(&m->layers[l], &g, s->ws[l], layer_input(c, s, l),
                             c->Tc, l > 0 ? s->ws[l - 1]->dh : s->dx0);
    }
    if (c->pre) {
        for (int i = 0; i < rows; i++)
            s->du[i] += s->dx0[(size_t)i * c->n_in];
        rnnamp_fir_backward(m->pre_fir, c->pre,
                            s->xa + (size_t)(c->pre - 1) * s->b, s->du, c->Tc,
                            s->b, s->grad + (m->pre_fir - m->params), NULL);
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

/* Claim and run shards until none is left. */
static void run_shards(const ctx *c, atomic_int *next)
{
    for (int i; (i = atomic_fetch_add(next, 1)) < c->S;)
        shard_job(c, &c->sh[i]);
}

/* ---- worker threads: started once, woken per phase ----
 *
 * A phase of one TBPTT chunk lasts tens to hundreds of microseconds, about
 * as long as waking a sleeping thread through the kernel. So both sides
 * first poll atomics, then keep polling but give the CPU away between polls
 * (sched_yield: when the machine is busier than the pool has cores, the
 * thread being waited for may need this one's core), and only after
 * POOL_SPIN_NS sleep on the condition variables. Every sleep re-checks its
 * condition under the mutex, and every wake-up is sent under it, so no
 * wake-up is lost. */

#define POOL_MAX        64
#define POOL_SPIN_NS    2000000L
#define POOL_SPIN_PURE  64 /* polls before the first yield */
#define POOL_SPIN_CHECK 16 /* yielding polls between clock reads */

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* a new job (gen changed) or quit */
    pthread_cond_t idle; /* the last worker finished the job */
    pthread_t th[POOL_MAX];
    int threads;       /* as asked: decides the shard count, not the results */
    int n;             /* worker threads running; the caller is one more */
    atomic_long gen;   /* job number */
    atomic_int active; /* workers still on job gen */
    atomic_int quit;   /* 1: workers return */
    const ctx *_Atomic job;
    atomic_int next; /* next shard of the job to claim */
} pool;

static long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Poll done(p, arg) until it holds (returns 1) or POOL_SPIN_NS pass
 * (returns 0): POOL_SPIN_PURE polls, then a sched_yield() before each. */
static int pool_spin(pool *p, int (*done)(pool *, long), long arg)
{
    for (int i = 0; i < POOL_SPIN_PURE; i++)
        if (done(p, arg))
            return 1;
    long t0 = mono_ns();
    for (int i = 1;; i++) {
        sched_yield();
        if (done(p, arg))
            return 1;
        if (i % POOL_SPIN_CHECK == 0 && mono_ns() - t0 > POOL_SPIN_NS)
            return 0;
    }
}

static int pool_has_job(pool *p, long seen)
{
    return atomic_load_explicit(&p->quit, memory_order_acquire) ||
           atomic_load_explicit(&p->gen, memory_order_acquire) != seen;
}

static int pool_all_idle(pool *p, long unused)
{
    (void)unused;
    return atomic_load_explicit(&p->active, memory_order_acquire) == 0;
}

static void *pool_worker(void *arg)
{
    pool *p = arg;
    long seen = 0;
    for (;;) {
        if (!pool_spin(p, pool_has_job, seen)) {
            pthread_mutex_lock(&p->mu);
            while (!pool_has_job(p, seen))
                pthread_cond_wait(&p->wake, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit))
            break;
        seen = atomic_load(&p->gen);
        run_shards(atomic_load(&p->job), &p->next);
        if (atomic_fetch_sub(&p->active, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->idle);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

/* Start threads - 1 workers (fewer if the system refuses some: the
 * caller's thread then does more of the work; results do not change). */
static void pool_start(pool *p, int threads)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->idle, NULL);
    atomic_init(&p->next, 0);
    atomic_init(&p->gen, 0);
    atomic_init(&p->active, 0);
    atomic_init(&p->quit, 0);
    atomic_init(&p->job, NULL);
    p->threads = threads;
    int want = threads - 1 < POOL_MAX ? threads - 1 : POOL_MAX;
    while (p->n < want &&
           pthread_create(&p->th[p->n], NULL, pool_worker, p) == 0)
        p->n++;
}

static void pool_stop(pool *p)
{
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int k = 0; k < p->n; k++)
        pthread_join(p->th[k], NULL);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
}

/* Run c's current phase on every shard: the workers and this thread claim
 * shards; returns when all are done. */
static void run_parallel(ctx *c)
{
    pool *p = c->pool;
    atomic_store(&p->job, c);
    atomic_store(&p->next, 0);
    atomic_store(&p->active, p->n);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_shards(c, &p->next);
    if (pool_spin(p, pool_all_idle, 0))
        return;
    pthread_mutex_lock(&p->mu);
    while (!pool_all_idle(p, 0))
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- evaluation ---- */

#define EVAL_PIECE   32768
#define EVAL_PREROLL 4096
#define EVAL_SEQS    32

/* Pieces of at most EVAL_PIECE samples of the split's spans, each with
 * EVAL_PREROLL samples before it that do not count; src NULL: only count. */
static size_t eval_pieces(const rnnamp_dataset *d, rnnamp_split split,
                          seq_src *src)
{
    size_t np = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[split]; k++) {
            rnnamp_span sp = d->pairs[i].spans[split][k];
            for (size_t a = sp.start; a < sp.end; a += EVAL_PIECE, np++) {
                size_t b = a + EVAL_PIECE < sp.end ? a + EVAL_PIECE : sp.end;
                if (src)
                    src[np] =
                        (seq_src){&d->pairs[i], (long)a - EVAL_PREROLL,
                                  EVAL_PREROLL, EVAL_PREROLL + (long)(b - a)};
            }
        }
    return np;
}

/* Run the B pieces at src; their squared error and target sums go to e and
 * t. Returns -1 when out of memory. */
static int eval_group(const rnnamp_model *m, pool *p, float in_scale,
                      float out_scale, seq_src *src, int B, double *e,
                      double *t)
{
    const int T = 2048;
    long total = EVAL_PREROLL + EVAL_PIECE;
    int S = p->threads < SHARDS_MIN ? SHARDS_MIN : p->threads;
    rnnamp_loss dummy;
    rnnamp_loss_init(&dummy, 0.0, 0, 0.0, 0.0);
    ctx c;
    if (ctx_init(&c, m, B, S, T, p, 0, src, NULL) != 0)
        return -1;
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
            e[k] = c.sh[i].err_acc[j];
            t[k] = c.sh[i].tgt_acc[j];
        }
    ctx_free(&c);
    return 0;
}

/* ESR with input and target scaled (a model trained at that level). */
static double eval_esr_scaled(const rnnamp_model *m, const rnnamp_dataset *d,
                              rnnamp_split split, pool *p, float in_scale,
                              float out_scale)
{
    size_t np = eval_pieces(d, split, NULL);
    if (!np)
        return NAN;
    carver k = {NULL, 0};
    carve(&k, np * sizeof(seq_src));
    carve(&k, 2 * np * sizeof(double));
    void *mem = carve_alloc(&k);
    if (!mem)
        return NAN;
    k = (carver){mem, 0};
    seq_src *src = carve(&k, np * sizeof(seq_src));
    double *e = carve(&k, 2 * np * sizeof(double)), *t = e + np;
    eval_pieces(d, split, src);
    int ok = 1;
    for (size_t g0 = 0; g0 < np && ok; g0 += EVAL_SEQS) {
        int B = (int)(np - g0 < EVAL_SEQS ? np - g0 : EVAL_SEQS);
        ok = eval_group(m, p, in_scale, out_scale, src + g0, B, e + g0,
                        t + g0) == 0;
    }
    double err = 0.0, tgt = 0.0;
    for (size_t i = 0; i < np; i++) {
        err += e[i];
        tgt += t[i];
    }
    free(mem);
    if (!ok)
        return NAN;
    return err / (tgt > 1e-20 ? tgt : 1e-20);
}

double rnnamp_train_eval_esr(const rnnamp_model *m, const rnnamp_dataset *d,
                             rnnamp_split split, int threads)
{
    pool p;
    pool_start(&p, threads);
    double e = eval_esr_scaled(m, d, split, &p, 1.0f, 1.0f);
    pool_stop(&p);
    return e;
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
 * column takes in_scale, the linear head 1 / out_scale. Hybrid models need
 * nothing more: both FIR stages are linear, so they commute with the
 * scales (the network sees pre * (s x) = s (pre * x)), and with skip (which
 * hybrids always have) in_scale = out_scale, so the skip path u is in the
 * same units as the head's output and y = post * r scales as r. */
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
                d->n_pairs,     d->n_knobs,
                c->pre_fir,     c->post_fir};
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
    int hybrid = c->pre_fir > 0 || c->post_fir > 0;
    rnnamp_model *m =
        rnnamp_model_new_fir(n_inputs, c->layers + 1, sp, hybrid || c->skip,
                             c->pre_fir, c->post_fir, err, errlen);
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
    /* FIR stages start as unit impulses; run_setup fits the post-FIR */
    if (m->pre_fir)
        m->pre_fir[0] = 1.0f;
    if (m->post_fir)
        m->post_fir[0] = 1.0f;
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
    int restarts;        /* warm restarts made */
    int restart_bad;     /* restarts in a row without improvement */
    double restart_best; /* best_val at the last restart */
    double best_val;
    int best_epoch;
    double elapsed0; /* seconds before this process started */
    epoch_acc acc;
} loop_state;

/* Everything one training run holds. Buffers: src, gsum and best are one
 * allocation (mem); adam, the context and the thread pool their own. */
typedef struct {
    const rnnamp_train_config *cfg;
    const rnnamp_dataset *d;
    rnnamp_train_result *res;
    rnnamp_train_progress_fn cb;
    void *user;
    char *err;
    size_t errlen;
    rnnamp_model *m;
    rnnamp_loss loss;
    rnnamp_adam adam;
    ctx c;
    pool pool;
    int pool_on;
    void *mem;
    seq_src *src;
    float *gsum, *best;
    loop_state st;
    uint64_t fp;
    long seg_len; /* warm-up + segment */
    int n_batches;
    double t_start, t_ck, budget;
    long samples;
    double last_val;
    rnnamp_stop_reason stop;
    int stopping;
} run;

static double run_elapsed(const run *r)
{
    return r->st.elapsed0 + now_s() - r->t_start;
}

/* Write the checkpoint of st (the run's state, or a variant of it). */
static int save_checkpoint(const run *r, const loop_state *st, double elapsed)
{
    const rnnamp_model *m = r->m;
    rnnamp_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.fingerprint = r->fp;
    ck.epoch = st->epoch;
    ck.batch = st->batch;
    ck.adam_step = r->adam.step;
    ck.lr = r->adam.lr;
    ck.plateau_best = st->plateau.best;
    ck.plateau_bad = st->plateau.bad;
    ck.early_bad = st->early_bad;
    ck.restarts = st->restarts;
    ck.restart_bad = st->restart_bad;
    ck.restart_best = st->restart_best;
    ck.best_val = st->best_val;
    ck.best_epoch = st->best_epoch;
    ck.elapsed = elapsed;
    ck.epoch_loss_sum = st->acc.train_sum;
    ck.epoch_loss_n = st->acc.train_n;
    ck.n_params = m->n_params;
    ck.params = m->params;
    ck.adam_m = r->adam.m;
    ck.adam_v = r->adam.v;
    ck.best_params = r->best;
    ck.n_hist = r->res->n_epochs;
    ck.train_hist = r->res->train_loss;
    ck.val_hist = r->res->val_hist;
    return rnnamp_checkpoint_write(r->cfg->checkpoint_path, &ck, r->err,
                                   r->errlen);
}

/* Training samples in spans long enough for a segment (capped by
 * max_train_seconds) -> batches per epoch; -1 if there are none. */
static int count_batches(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    const rnnamp_dataset *d = r->d;
    r->seg_len = (long)cfg->warmup + cfg->segment;
    size_t usable = 0;
    for (int i = 0; i < d->n_pairs; i++)
        for (int k = 0; k < d->pairs[i].n_spans[RNNAMP_SPLIT_TRAIN]; k++) {
            rnnamp_span sp = d->pairs[i].spans[RNNAMP_SPLIT_TRAIN][k];
            if ((long)(sp.end - sp.start) >= r->seg_len)
                usable += sp.end - sp.start;
        }
    if (!usable) {
        rnnamp_seterr(r->err, r->errlen,
                      "the training audio is too short: each training region "
                      "needs at least %.2f s (warm-up + segment, --segment)",
                      (double)r->seg_len / d->rate);
        return -1;
    }
    if (cfg->max_train_seconds > 0 &&
        usable > (size_t)cfg->max_train_seconds * (size_t)d->rate)
        usable = (size_t)cfg->max_train_seconds * (size_t)d->rate;
    r->n_batches = (int)(usable / ((size_t)cfg->segment * cfg->batch));
    if (r->n_batches < 1)
        r->n_batches = 1;
    return 0;
}

/* A hybrid model's post-FIR starts as the least-squares fit of the
 * training spans, input -> target (with skip both are scaled alike, so
 * this is also the fit at the training level); its ESR goes to the
 * result. A failed fit (silent input) keeps the unit impulse. */
static int fit_post(run *r)
{
    rnnamp_model *m = r->m;
    if (!m->post_fir)
        return 0;
    rnnamp_fir_fit *f = rnnamp_fir_fit_new(m->post_taps);
    int rc = f ? 0 : -1;
    for (int i = 0; i < r->d->n_pairs && rc == 0; i++) {
        const rnnamp_pair *p = &r->d->pairs[i];
        for (int k = 0; k < p->n_spans[RNNAMP_SPLIT_TRAIN] && rc == 0; k++) {
            rnnamp_span sp = p->spans[RNNAMP_SPLIT_TRAIN][k];
            size_t end = sp.end < p->n ? sp.end : p->n;
            if (end > sp.start)
                rc = rnnamp_fir_fit_add(f, p->input + sp.start,
                                        p->target + sp.start, end - sp.start);
        }
    }
    if (rc != 0) {
        rnnamp_fir_fit_free(f);
        rnnamp_seterr(r->err, r->errlen, "out of memory fitting the post-FIR");
        return -1;
    }
    char ferr[RNNAMP_ERR_LEN];
    double esr = NAN;
    if (rnnamp_fir_fit_solve(f, m->post_taps, m->post_fir, &esr, ferr,
                             sizeof ferr) == 0) {
        r->res->linear_taps = m->post_taps;
        r->res->linear_esr = esr;
    } else {
        memset(m->post_fir, 0, (size_t)m->post_taps * sizeof(float));
        m->post_fir[0] = 1.0f;
    }
    rnnamp_fir_fit_free(f);
    return 0;
}

/* Model, loss, optimiser, buffers, shards, threads, training level. */
static int run_setup(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    r->m = build_model(cfg, 1 + r->d->n_knobs, r->err, r->errlen);
    if (!r->m || fit_post(r) != 0)
        return -1;
    size_t np = r->m->n_params;
    openblas_set_num_threads(1);
    rnnamp_loss_init(&r->loss, cfg->pre_emph, cfg->a_weighting, r->d->rate,
                     cfg->dc_weight);
    carver k = {NULL, 0};
    carve(&k, (size_t)cfg->batch * sizeof(seq_src));
    carve(&k, 2 * np * sizeof(float));
    r->mem = carve_alloc(&k);
    int S = cfg->threads < SHARDS_MIN ? SHARDS_MIN : cfg->threads;
    pool_start(&r->pool, cfg->threads);
    r->pool_on = 1;
    if (!r->mem || rnnamp_adam_init(&r->adam, np, cfg->lr) != 0) {
        rnnamp_seterr(r->err, r->errlen, "out of memory setting up training");
        return -1;
    }
    k = (carver){r->mem, 0};
    r->src = carve(&k, (size_t)cfg->batch * sizeof(seq_src));
    r->gsum = carve(&k, 2 * np * sizeof(float));
    r->best = r->gsum + np;
    if (ctx_init(&r->c, r->m, cfg->batch, S, cfg->tbptt, &r->pool, 1, r->src,
                 run_kernels(cfg)) != 0) {
        rnnamp_seterr(r->err, r->errlen, "out of memory setting up training");
        return -1;
    }
    r->adam.weight_decay = cfg->weight_decay;
    r->c.loss = &r->loss;
    r->c.in_scale = level_scale(cfg->train_rms, train_rms_of(r->d, 0));
    r->c.out_scale = r->m->skip
                         ? r->c.in_scale
                         : level_scale(cfg->train_rms, train_rms_of(r->d, 1));
    memcpy(r->best, r->m->params, np * sizeof(float));
    rnnamp_plateau_init(&r->st.plateau, cfg->plateau_patience,
                        cfg->plateau_factor, cfg->lr_min);
    r->st.best_val = INFINITY;
    r->st.best_epoch = -1;
    r->fp = fingerprint(cfg, r->d, np);
    return 0;
}

static void run_free(run *r)
{
    if (r->pool_on)
        pool_stop(&r->pool);
    rnnamp_adam_free(&r->adam);
    ctx_free(&r->c);
    free(r->mem);
    rnnamp_model_free(r->m);
}

/* Take the state of ck (read from the checkpoint) into the run. */
static int resume_state(run *r, const rnnamp_checkpoint *ck)
{
    size_t nb = r->m->n_params * sizeof(float);
    memcpy(r->m->params, ck->params, nb);
    memcpy(r->adam.m, ck->adam_m, nb);
    memcpy(r->adam.v, ck->adam_v, nb);
    memcpy(r->best, ck->best_params, nb);
    r->adam.step = ck->adam_step;
    r->adam.lr = ck->lr;
    loop_state *st = &r->st;
    st->epoch = ck->epoch;
    st->batch = ck->batch;
    st->plateau.best = ck->plateau_best;
    st->plateau.bad = ck->plateau_bad;
    st->early_bad = ck->early_bad;
    st->restarts = ck->restarts;
    st->restart_bad = ck->restart_bad;
    st->restart_best = ck->restart_best;
    st->best_val = ck->best_val;
    st->best_epoch = ck->best_epoch;
    st->elapsed0 = ck->elapsed;
    st->acc.train_sum = ck->epoch_loss_sum;
    st->acc.train_n = ck->epoch_loss_n;
    if (ck->n_hist > 0) {
        if (grow_hist(r->res, ck->n_hist) != 0) {
            rnnamp_seterr(r->err, r->errlen, "out of memory");
            return -1;
        }
        memcpy(r->res->train_loss, ck->train_hist,
               (size_t)ck->n_hist * sizeof(double));
        memcpy(r->res->val_hist, ck->val_hist,
               (size_t)ck->n_hist * sizeof(double));
        r->res->n_epochs = ck->n_hist;
    }
    return 0;
}

/* --resume: continue from the checkpoint, which must match the run. */
static int run_resume(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    rnnamp_checkpoint ck;
    if (rnnamp_checkpoint_read(cfg->checkpoint_path, &ck, r->err, r->errlen) !=
        0)
        return -1;
    int rc = -1;
    if (ck.fingerprint != r->fp || ck.n_params != r->m->n_params)
        rnnamp_seterr(r->err, r->errlen,
                      "--resume: checkpoint %s was made with other data or "
                      "settings; start without --resume or use the same "
                      "options",
                      cfg->checkpoint_path);
    else
        rc = resume_state(r, &ck);
    rnnamp_checkpoint_free(&ck);
    return rc;
}

/* Report progress at epoch_frac of the current epoch (done: at its end,
 * after validation). Returns non-zero when the callback asks to stop. */
static int report(const run *r, double epoch_frac, int done, double train_loss,
                  double val_esr)
{
    if (!r->cb)
        return 0;
    const rnnamp_train_config *cfg = r->cfg;
    double el = run_elapsed(r), spent = now_s() - r->t_start;
    rnnamp_train_progress p = {0};
    p.epoch = r->st.epoch;
    p.max_epochs = cfg->epochs;
    p.epoch_frac = epoch_frac;
    p.epoch_done = done;
    p.train_loss = train_loss;
    p.val_esr = val_esr;
    p.best_val_esr = r->st.best_val;
    p.best_epoch = r->st.best_epoch;
    p.lr = r->adam.lr;
    p.restarts = r->st.restarts;
    p.elapsed = el;
    double per_epoch =
        spent / ((double)r->samples /
                 ((double)r->n_batches * cfg->batch * (double)r->seg_len));
    p.eta = fmin(per_epoch * ((cfg->epochs - r->st.epoch) - epoch_frac),
                 r->budget - el);
    p.samples_per_sec = (double)r->samples / spent;
    return r->cb(&p, r->user);
}

/* The remaining batches of the epoch; stops early on the callback, the
 * stop flag or the time budget. Returns -1 on a checkpoint error. */
static int run_batches(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    loop_state *st = &r->st;
    for (; st->batch < r->n_batches; st->batch++) {
        pick_segments(cfg, r->d, st->epoch, st->batch, r->seg_len, r->src);
        double l = train_batch(&r->c, cfg, r->m, &r->adam, r->gsum);
        r->samples += (long)cfg->batch * r->seg_len;
        st->acc.train_sum += l;
        st->acc.train_n++;
        if (report(r, (double)(st->batch + 1) / r->n_batches, 0,
                   st->acc.train_sum / (double)st->acc.train_n, r->last_val))
            r->stopping = 1;
        if (cfg->stop && *cfg->stop)
            r->stopping = 1;
        double el = run_elapsed(r);
        if (el >= r->budget) {
            r->stopping = 1;
            r->stop = RNNAMP_STOP_TIME;
        }
        if (r->stopping) {
            if (r->stop != RNNAMP_STOP_TIME)
                r->stop = RNNAMP_STOP_INTERRUPTED;
            st->batch++;
            return 0;
        }
        if (cfg->checkpoint_path && cfg->checkpoint_every > 0 &&
            now_s() - r->t_ck >= cfg->checkpoint_every) {
            loop_state s2 = *st;
            s2.batch = st->batch + 1;
            if (save_checkpoint(r, &s2, el) != 0)
                return -1;
            r->t_ck = now_s();
        }
    }
    return 0;
}

static double run_eval_val(run *r)
{
    return eval_esr_scaled(r->m, r->d, RNNAMP_SPLIT_VAL, &r->pool,
                           r->c.in_scale, r->c.out_scale);
}

/* Stopped mid-epoch: save where we are and keep the weights if they
 * validate better. */
static int run_stop_mid_epoch(run *r)
{
    if (r->cfg->checkpoint_path &&
        save_checkpoint(r, &r->st, run_elapsed(r)) != 0)
        return -1;
    double v = run_eval_val(r);
    if (v < r->st.best_val) {
        r->st.best_val = v;
        r->st.best_epoch = r->st.epoch;
        memcpy(r->best, r->m->params, r->m->n_params * sizeof(float));
    }
    return 0;
}

/* Validate, record the epoch, keep the best weights, adapt the step. */
static int run_validate(run *r)
{
    loop_state *st = &r->st;
    rnnamp_train_result *res = r->res;
    size_t nb = r->m->n_params * sizeof(float);
    double v = run_eval_val(r);
    r->last_val = v;
    if (grow_hist(res, res->n_epochs + 1) != 0) {
        rnnamp_seterr(r->err, r->errlen, "out of memory");
        return -1;
    }
    res->train_loss[res->n_epochs] =
        st->acc.train_n ? st->acc.train_sum / (double)st->acc.train_n : NAN;
    res->val_hist[res->n_epochs] = v;
    res->n_epochs++;
    if (isfinite(v) && v < st->best_val) {
        st->best_val = v;
        st->best_epoch = st->epoch;
        st->early_bad = 0;
        memcpy(r->best, r->m->params, nb);
    } else {
        st->early_bad++;
    }
    if (!isfinite(v)) {
        /* diverged: go back to the best weights with a smaller step */
        memcpy(r->m->params, r->best, nb);
        r->adam.lr = fmax(r->adam.lr * 0.5, r->cfg->lr_min);
    } else {
        rnnamp_plateau_update(&st->plateau, v, &r->adam.lr);
    }
    return 0;
}

/* Relative gain of the best validation ESR that makes a restart count as
 * productive (as the plateau's threshold). */
#define RESTART_GAIN 1e-3

/* Warm restarts are on: a time budget and restarts > 0. */
static int restarts_on(const rnnamp_train_config *cfg)
{
    return cfg->minutes > 0.0 && cfg->restarts > 0;
}

/* The learning-rate cycle has ended: early_stop * 2^u epochs without a new
 * best (u = unproductive restarts in a row, at most 10), or more than
 * plateau_patience of them with the rate at lr_min. */
static int cycle_ended(const run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    int bad = r->st.early_bad;
    int grow = r->st.restart_bad < 10 ? r->st.restart_bad : 10;
    return (double)bad >= (double)cfg->early_stop * (double)(1 << grow) ||
           (r->adam.lr <= cfg->lr_min && bad > cfg->plateau_patience);
}

/* End of a cycle: count whether the last restart improved the best
 * validation ESR; after cfg->restarts unproductive ones in a row return 1
 * (a real plateau), else restart from the best weights with fresh Adam
 * moments and a raised learning rate and return 0. */
static int run_restart(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    loop_state *st = &r->st;
    if (st->restarts > 0) {
        if (st->best_val < st->restart_best * (1.0 - RESTART_GAIN))
            st->restart_bad = 0;
        else
            st->restart_bad++;
    }
    if (st->restart_bad >= cfg->restarts)
        return 1;
    st->restarts++;
    st->restart_best = st->best_val;
    size_t np = r->m->n_params;
    memcpy(r->m->params, r->best, np * sizeof(float));
    memset(r->adam.m, 0, np * sizeof(float));
    memset(r->adam.v, 0, np * sizeof(float));
    r->adam.step = 0;
    double lr = cfg->lr * pow(cfg->restart_decay, st->restarts);
    r->adam.lr = fmax(lr, fmin(cfg->lr, 10.0 * cfg->lr_min));
    rnnamp_plateau_init(&st->plateau, cfg->plateau_patience,
                        cfg->plateau_factor, cfg->lr_min);
    st->plateau.best = st->best_val;
    st->early_bad = 0;
    return 0;
}

/* After an epoch's validation: early stop, or (with a budget) warm
 * restart / stop at a real plateau. */
static void run_schedule(run *r)
{
    if (!restarts_on(r->cfg)) {
        if (r->st.early_bad >= r->cfg->early_stop) {
            r->stopping = 1;
            r->stop = RNNAMP_STOP_EARLY;
        }
        return;
    }
    if (cycle_ended(r) && run_restart(r)) {
        r->stopping = 1;
        r->stop = RNNAMP_STOP_PLATEAU;
    }
}

/* End of an epoch: validate, report, decide whether to stop. */
static int run_end_epoch(run *r)
{
    const rnnamp_train_config *cfg = r->cfg;
    loop_state *st = &r->st;
    if (run_validate(r) != 0)
        return -1;
    double el = run_elapsed(r);
    if (report(r, 1.0, 1, r->res->train_loss[r->res->n_epochs - 1],
               r->last_val))
        r->stopping = 1;
    st->epoch++;
    st->batch = 0;
    st->acc.train_sum = 0;
    st->acc.train_n = 0;
    if (cfg->stop && *cfg->stop)
        r->stopping = 1;
    if (r->stopping)
        r->stop = RNNAMP_STOP_INTERRUPTED;
    run_schedule(r);
    if (el >= r->budget) {
        r->stopping = 1;
        r->stop = RNNAMP_STOP_TIME;
    }
    if (r->stopping && cfg->checkpoint_path && save_checkpoint(r, st, el) != 0)
        return -1;
    return 0;
}

/* Epochs until done or stopped. */
static int run_epochs(run *r)
{
    r->t_start = now_s();
    r->t_ck = r->t_start;
    r->budget = r->cfg->minutes > 0 ? r->cfg->minutes * 60.0 : INFINITY;
    r->stop = RNNAMP_STOP_EPOCHS;
    r->last_val =
        r->res->n_epochs ? r->res->val_hist[r->res->n_epochs - 1] : NAN;
    while (r->st.epoch < r->cfg->epochs && !r->stopping) {
        if (run_batches(r) != 0)
            return -1;
        if (r->st.batch < r->n_batches && r->stopping)
            return run_stop_mid_epoch(r);
        if (run_end_epoch(r) != 0)
            return -1;
    }
    if (r->cfg->checkpoint_path && !r->stopping &&
        save_checkpoint(r, &r->st, run_elapsed(r)) != 0)
        return -1;
    return 0;
}

/* The best weights at the original level, the result, the test ESR. */
static rnnamp_model *run_finish(run *r)
{
    rnnamp_model *m = r->m;
    rnnamp_train_result *res = r->res;
    memcpy(m->params, r->best, m->n_params * sizeof(float));
    fold_scales(m, r->c.in_scale, r->c.out_scale);
    res->val_esr = r->st.best_val;
    res->best_epoch = r->st.best_epoch;
    res->epochs_run = r->st.epoch;
    res->restarts = r->st.restarts;
    res->seconds = run_elapsed(r);
    res->stop = r->stop;
    double te =
        eval_esr_scaled(m, r->d, RNNAMP_SPLIT_TEST, &r->pool, 1.0f, 1.0f);
    res->test_esr = isfinite(te) ? te : r->st.best_val;
    m->meta.sample_rate = r->d->rate;
    m->meta.has_esr = 1;
    m->meta.esr = res->test_esr;
    r->m = NULL; /* the caller's now */
    return m;
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
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.d = d;
    r.res = res;
    r.cb = cb;
    r.user = user;
    r.err = err;
    r.errlen = errlen;
    int rc = -1;
    if (count_batches(&r) == 0 && run_setup(&r) == 0 &&
        (!cfg->resume || !cfg->checkpoint_path || run_resume(&r) == 0) &&
        run_epochs(&r) == 0) {
        *out = run_finish(&r);
        rc = 0;
    }
    run_free(&r);
    if (rc != 0)
        rnnamp_train_result_free(res);
    return rc;
}
