/* rnnamp LV2 plugin: plays an RNN amp model file and a cabinet IR.
 *
 * Thin glue over src/: model_slot.c loads and runs a model, ir_slot.c
 * loads an IR and builds its convolver, track.c crossfades either kind of
 * switch, smoother.c and dc_blocker.c give the click-free parts. Structure
 * after the LV2 book's eg-sampler: run() turns a patch:Set (of the model
 * or of the IR) into a worker request; work() loads the file into a slot
 * (on the worker thread); work_response() only publishes the slot on its
 * track's lock-free stack; run() installs the newest slot at the start of a
 * block, crossfades old and new over ~50 ms, and sends the old slot back to
 * the worker to be freed.
 *
 * Model folders (program.h, dir_slot.h): a patch:Set of #modelDir, a
 * change of the program port, or a MIDI Program Change / CC 20 / CC 21 on
 * the control port make run() ask the worker for program k of the folder
 * (MSG_LOAD_DIR); the worker lists the folder and loads that file into a
 * model slot, which then goes the way of any model.
 *
 * Mono and stereo: one descriptor per URI (RNNAMP_URI, RNNAMP_STEREO_URI)
 * on the same code; instantiate takes the channel count from the URI. A
 * slot the worker loads plays every channel on one copy of the model's
 * weights and the IR's spectra (rnnamp_slot_add_channels,
 * rnnamp_ir_slot_add_channels); run() plans each chunk once (ramps and
 * crossfades rendered into curves, plan_chunk) and then runs each channel
 * through the same plan with its own gate, DC blocker, dry delay line and
 * engine/convolver state (channel_chunk), so the channels switch together
 * and each plays what the mono plugin plays for its input.
 *
 * Signal: input gain -> noise gate -> input calibration -> model -> DC
 * blocker -> IR (times ir_gain, faded in and out by ir_enabled) -> output
 * gain; bypass mixes in the dry input. The gate (src/dsp/noise_gate.c)
 * sees the interface's level after input gain, so its threshold does not
 * move with the model; calibration is per model slot (model_slot.c: each
 * model states its own input level) and multiplies after the input gain,
 * as NAM's plugin adds the two in dB.
 *
 * Ardour may call work_response re-entrantly inside schedule_work (export)
 * and from the GUI thread (presets). Both are fine: work_response touches
 * nothing but the atomic stacks, and run() orders results by request number
 * rather than by arrival.
 *
 * The state restore path never touches run()'s data either (it pushes onto
 * the same stacks), so state:threadSafeRestore holds. save() reads the
 * playing model's and IR's paths from seqlocks of atomic bytes that run()
 * writes (no lock on the audio thread, no data race).
 *
 * Nothing on the audio thread formats text: the statuses run() sets itself
 * are fixed strings copied with rnnamp_strcopy; the worker formats the rest.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>

#include "dc_blocker.h"
#include "denormals.h"
#include "dir_slot.h"
#include "ir_slot.h"
#include "model_slot.h"
#include "noise_gate.h"
#include "program.h"
#include "smoother.h"
#include "strcopy.h"
#include "track.h"
#include "uris.h"

#define CHUNK        256  /* samples processed at a time */
#define KNOB_STEP    32   /* knob smoothing updates every 32 samples */
#define DRY_DELAY    1024 /* dry delay line (>= any resampler latency) */
#define KNOB_SECONDS 0.02 /* knob smoothing time constant */
#define FADE_SECONDS 0.05 /* crossfade and bypass fade */
#define GAIN_SECONDS 0.02 /* gain ramps */
#define DC_CORNER_HZ 5.0
#define KNOB_DEFAULT                                                           \
    RNNAMP_SLOT_KNOB_DEFAULT /* as the knob ports in the ttl                   \
                              */
/* input_gain, output_gain and ir_gain range (dB), as ttl/rnnamp.ttl
 * states it */
#define GAIN_DB_MIN (-24.0f)
#define GAIN_DB_MAX 24.0f
/* interface_dbu range and default (dBu at 0 dBFS), as the ttl */
#define DBU_MIN     (-20.0f)
#define DBU_MAX     30.0f
#define DBU_DEFAULT 12.0f
#define IR_SEP      "; " /* between the model's and the IR's status */
/* the status sent to the host: the model's, then the IR's */
#define STATUS_OUT_MAX (2 * RNNAMP_SLOT_STATUS_MAX + sizeof IR_SEP)

/* Largest message run() writes on notify: the sequence header and five
 * patch:Set events (model path, IR path, folder, name, status), each at
 * most 128 bytes of atoms around its string (see notify_set).
 * ttl/rnnamp.ttl asks the host for NOTIFY_MIN_SIZE bytes (rsz:minimumSize)
 * on the notify port. */
#define NOTIFY_MIN_SIZE 32768
#define NOTIFY_MAX_MESSAGE                                                     \
    (sizeof(LV2_Atom_Sequence) + 5 * 128 + 3 * RNNAMP_SLOT_PATH_MAX +          \
     RNNAMP_SLOT_NAME_MAX + STATUS_OUT_MAX)
_Static_assert(NOTIFY_MAX_MESSAGE <= NOTIFY_MIN_SIZE,
               "rsz:minimumSize of the notify port is too small");

typedef enum {
    PORT_IN = 0,
    PORT_OUT,
    PORT_CONTROL,
    PORT_NOTIFY,
    PORT_INPUT_GAIN,
    PORT_OUTPUT_GAIN,
    PORT_KNOB1,
    PORT_KNOB2,
    PORT_DC_BLOCK,
    PORT_NORMALIZE,
    PORT_ENABLED,
    PORT_LATENCY,
    PORT_KNOB3, /* added later: appended so that saved sessions still fit */
    PORT_IR_ENABLED, /* appended with the cabinet IR */
    PORT_IR_GAIN,
    PORT_PROGRAM, /* appended with model folders */
    PORT_CALIBRATE,
    PORT_INTERFACE_DBU,
    PORT_GATE_THRESHOLD,
    PORT_SIZE, /* a NAM SlimmableContainer's size (A2), 0..1 */
    PORT_COUNT
} port_index;

/* The stereo plugin's ports: the mono plugin's at the same indices (port
 * 0 and 1 are the left channel), then the right channel's audio ports at
 * STEREO_IN_R and STEREO_OUT_R. A port the mono plugin gains later
 * (index >= STEREO_IN_R) comes after those: stereo index = mono index +
 * 2. */
enum { STEREO_IN_R = 20, STEREO_OUT_R = 21 };
_Static_assert((int)PORT_COUNT >= (int)STEREO_IN_R,
               "stereo ports past the mono ones");

/* Worker messages. A LOAD, LOAD_IR or LOAD_DIR message is followed by
 * path_len bytes (the path with its terminating NUL), then ctx_len bytes
 * (a MSG_LOAD from restore: the folder programs are taken from, with its
 * NUL; usually none). MSG_LOAD_DIR: path is the folder, program the
 * program to load. */
enum { MSG_LOAD = 1, MSG_FREE = 2, MSG_LOAD_IR = 3, MSG_LOAD_DIR = 4 };

typedef struct {
    uint32_t type; /* MSG_LOAD (model), MSG_LOAD_IR or MSG_LOAD_DIR */
    uint32_t seq;
    float knobs[RNNAMP_SLOT_KNOBS];
    float size; /* the size port (SlimmableContainer submodel) */
    uint32_t path_len;
    uint32_t ctx_len;
    int32_t program;
} load_msg;

/* A load request as built by make_load_msg (only the first
 * sizeof(load_msg) + path_len bytes are sent). */
typedef struct {
    load_msg h;
    char path[RNNAMP_SLOT_PATH_MAX];
} load_request;

/* A loaded item (MSG_LOAD/MSG_LOAD_IR answers) or one to free (MSG_FREE);
 * item->kind says which slot type it heads. */
typedef struct {
    uint32_t type;
    uint32_t pad;
    rnnamp_item *item;
} item_msg;

typedef struct {
    /* features, queried once in instantiate */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    rnnamp_uris uris;
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame notify_frame; /* the notify sequence, in run() */
    double rate;

    const char *uri; /* the plugin's (mono or stereo) */
    int channels;    /* 1 (mono) or 2 (stereo) */

    /* ports */
    const float *in[RNNAMP_MAX_CHANNELS];
    float *out[RNNAMP_MAX_CHANNELS];
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *ctl[PORT_COUNT];
    float *latency;

    /* the model and the IR: shared parts are atomics (track.h), the rest
     * is run()'s */
    rnnamp_track model, ir;
    rnnamp_program prog;   /* the model folder's program (program.h) */
    rnnamp_dir_cache dirs; /* the worker's folder listing (dir_slot.h) */

    /* owned by run() */
    rnnamp_item *garbage; /* to be sent to the worker for freeing */
    rnnamp_ramp in_gain, out_gain, norm_mix, wet, dc_mix, ir_on, ir_gain;
    int ir_idle; /* the IR was off (convolver not run) */
    rnnamp_dc_blocker dc[RNNAMP_MAX_CHANNELS];
    rnnamp_noise_gate gate[RNNAMP_MAX_CHANNELS];
    int cal_on;     /* calibrate port, 0 or 1 */
    float cal_dbu;  /* interface_dbu port, clamped */
    int send_state; /* tell the host the model/status on notify */
    char status[RNNAMP_SLOT_STATUS_MAX];    /* the model's */
    char ir_status[RNNAMP_SLOT_STATUS_MAX]; /* the IR's ("" : no IR) */
    char status_out[STATUS_OUT_MAX];        /* both, as sent */
    char name[RNNAMP_SLOT_NAME_MAX];
    float knobs[RNNAMP_SLOT_KNOBS]; /* smoothed knob values */
    float knob_coef;                /* one-pole step per KNOB_STEP */
    uint32_t size_asked;            /* seq of the slot last reloaded for
                                     * the size port (0: none) */
    uint64_t frame;                 /* samples run since activate */
    /* recent input of each channel, for the delayed dry */
    float dry_line[RNNAMP_MAX_CHANNELS][DRY_DELAY];
    uint32_t dry_pos;
    /* the chunk's input of each channel (copied before any output is
     * written: a host may give an output the buffer of another channel's
     * input) */
    float x[RNNAMP_MAX_CHANNELS][CHUNK];
    /* one channel's signal at a time */
    float dry[CHUNK], drive[CHUNK], a[CHUNK], b[CHUNK], blocked[CHUNK];
    float c[CHUNK], d[CHUNK]; /* IR outputs */
    /* the chunk's control curves, the same for every channel (chunk_plan) */
    float cv_in[CHUNK], cv_out[CHUNK], cv_norm[CHUNK], cv_mx[CHUNK];
    float cv_dc[CHUNK], cv_irg[CHUNK], cv_ix[CHUNK], cv_ion[CHUNK];
    float cv_wet[CHUNK];
} Plugin;

/* What one chunk does, decided once and rendered into the cv_ curves
 * (each ramp advanced once per chunk) so that every channel gets the same
 * gains, mixes and crossfades. NULL curves: constant. */
typedef struct {
    int bypass;        /* fully bypassed: dry only, nothing else runs */
    const float *norm; /* normalisation amount 0..1; NULL: 0 */
    const float *mx;   /* model crossfade; NULL: not fading */
    const float *dcm;  /* DC blocker mix; NULL: dc_on */
    int dc_on;         /* 1: blocked signal, 0: unblocked */
    int ir;            /* 1: run the IR */
    const float *irg;  /* IR gain; NULL: 1 */
    const float *ix;   /* IR crossfade; NULL: not fading */
    const float *ion;  /* IR on/off mix; NULL: on */
    const float *wet;  /* bypass mix; NULL: wet */
} chunk_plan;

/* ---- helpers usable from any thread ---------------------------------- */

static rnnamp_slot *as_slot(rnnamp_item *it)
{
    return (rnnamp_slot *)it; /* the item is the slot's first member */
}

static rnnamp_ir_slot *as_ir(rnnamp_item *it)
{
    return (rnnamp_ir_slot *)it;
}

/* The track a load message type or an item kind belongs to. */
static rnnamp_track *track_of(Plugin *self, uint32_t kind_or_type)
{
    return kind_or_type == MSG_LOAD_IR || kind_or_type == RNNAMP_ITEM_IR
               ? &self->ir
               : &self->model;
}

/* The one builder of the worker's load message: fills m for path (len
 * bytes, need not be NUL-terminated). Returns the number of bytes to
 * schedule, or 0 if the path does not fit. Any thread (bounded copy, no
 * formatting). */
static uint32_t make_load_msg(load_request *m, uint32_t type, uint32_t seq,
                              const float *knobs, float size, const char *path,
                              size_t len)
{
    if (len > 0 && path[len - 1] == '\0')
        len--;
    if (len >= sizeof m->path)
        return 0;
    memset(&m->h, 0, sizeof m->h);
    m->h.type = type;
    m->h.seq = seq;
    memcpy(m->h.knobs, knobs, sizeof m->h.knobs);
    m->h.size = size;
    memcpy(m->path, path, len);
    m->path[len] = '\0';
    m->h.path_len = (uint32_t)len + 1;
    return (uint32_t)(sizeof m->h + len + 1);
}

/* ---- audio thread ----------------------------------------------------- */

/* A status run() sets itself: a fixed string, sent on the next run. */
static void set_status(Plugin *self, const char *msg)
{
    rnnamp_strcopy(self->status, sizeof self->status, msg);
    self->send_state = 1;
}

static void set_ir_status(Plugin *self, const char *msg)
{
    rnnamp_strcopy(self->ir_status, sizeof self->ir_status, msg);
    self->send_state = 1;
}

/* Hand garbage to the worker; keeps what the host refuses for later. */
static void flush_garbage(Plugin *self)
{
    while (self->garbage) {
        rnnamp_item *it = self->garbage;
        rnnamp_item *next = it->next; /* a synchronous host frees it at once */
        item_msg m = {MSG_FREE, 0, it};
        if (self->schedule->schedule_work(self->schedule->handle, sizeof m,
                                          &m) != LV2_WORKER_SUCCESS)
            return;
        self->garbage = next;
    }
}

static float knob_value(const float *p)
{
    float v = p ? *p : KNOB_DEFAULT;
    if (!isfinite(v))
        return KNOB_DEFAULT;
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* The size port, 0..1 (1 when unconnected or not a number). */
static float current_size(const Plugin *self)
{
    const float *p = self->ctl[PORT_SIZE];
    float v = p ? *p : 1.0f;
    if (!isfinite(v))
        return 1.0f;
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

static void current_knobs(const Plugin *self, float *k)
{
    static const port_index knob_port[RNNAMP_SLOT_KNOBS] = {
        PORT_KNOB1, PORT_KNOB2, PORT_KNOB3};
    for (int i = 0; i < RNNAMP_SLOT_KNOBS; i++)
        k[i] = knob_value(self->ctl[knob_port[i]]);
}

/* Ask the worker to load path (len bytes, need not be NUL-terminated) as
 * the model (MSG_LOAD) or the IR (MSG_LOAD_IR). */
static void request_load(Plugin *self, uint32_t type, const char *path,
                         uint32_t len)
{
    load_request m;
    float knobs[RNNAMP_SLOT_KNOBS];
    current_knobs(self, knobs);
    const uint32_t seq = rnnamp_track_new_seq(track_of(self, type));
    const uint32_t size =
        make_load_msg(&m, type, seq, knobs, current_size(self), path, len);
    m.h.program = self->prog.program;
    void (*say)(Plugin *, const char *) =
        type == MSG_LOAD_IR ? set_ir_status : set_status;
    if (!size) {
        say(self, type == MSG_LOAD_IR ? "IR error: IR path too long"
                                      : "error: model path too long");
        return;
    }
    if (self->schedule->schedule_work(self->schedule->handle, size, &m) !=
        LV2_WORKER_SUCCESS)
        say(self, type == MSG_LOAD_IR
                      ? "IR error: the host's worker refused the load request"
                      : "error: the host's worker refused the load request");
}

/* Point a model slot's calibration ramp at its factor for the current
 * calibrate and interface_dbu (jump: at once, for a slot about to fade
 * in). */
static void calibrate_slot(Plugin *self, rnnamp_item *it, int jump)
{
    rnnamp_slot *s = as_slot(it);
    if (!s)
        return;
    const float f = rnnamp_slot_calibration(s, self->cal_on, self->cal_dbu);
    for (int c = 0; c < s->n_channels; c++) {
        if (jump)
            rnnamp_ramp_set(&s->ch[c].cal, f);
        else
            rnnamp_ramp_to(&s->ch[c].cal, f);
    }
}

/* Ask the worker for the current program of the model folder (none set:
 * nothing). */
static void request_program(Plugin *self)
{
    const char *dir = rnnamp_program_req_dir(&self->prog);
    if (dir)
        request_load(self, MSG_LOAD_DIR, dir, (uint32_t)strlen(dir));
}

/* A container whose size port left the range its playing submodel
 * covers: reload the file at the new size (crossfaded like any switch).
 * Once per slot, and never over a newer request. */
static void follow_size(Plugin *self)
{
    rnnamp_item *it = self->model.queued ? self->model.queued : self->model.cur;
    if (!it || !it->plays || it->seq == self->size_asked ||
        rnnamp_track_superseded(&self->model, it->seq))
        return;
    const rnnamp_slot *s = as_slot(it);
    const float v = current_size(self);
    if (v >= s->size_lo && v < s->size_hi)
        return;
    self->size_asked = it->seq;
    if (s->origin.dir[0]) /* a folder's program: reload it from there */
        request_program(self);
    else
        request_load(self, MSG_LOAD, it->path, (uint32_t)strlen(it->path));
}

/* Take results from the stacks. The newest request wins; a failed newest
 * request keeps the playing model (IR) and reports the error. */
static void install_pending(Plugin *self)
{
    rnnamp_item *m = rnnamp_track_take(&self->model, &self->garbage);
    if (m) {
        calibrate_slot(self, m, 1);
        rnnamp_program_answer(&self->prog, as_slot(m),
                              !rnnamp_track_superseded(&self->model, m->seq),
                              m->ok);
        set_status(self, m->status);
        if (m->ok)
            rnnamp_strcopy(self->name, sizeof self->name, as_slot(m)->name);
        rnnamp_track_install(&self->model, m, &self->garbage);
    }
    rnnamp_item *r = rnnamp_track_take(&self->ir, &self->garbage);
    if (r) {
        set_ir_status(self, r->status);
        rnnamp_track_install(&self->ir, r, &self->garbage);
    }
}

/* Channel c's wet signal of one model slot (NULL or none = the dry
 * signal) into out; n <= CHUNK */
static void slot_wet(Plugin *self, rnnamp_item *it, int c, const float *drive,
                     float *out, uint32_t n, const float *norm)
{
    rnnamp_slot *s = as_slot(it);
    if (!s || !s->ch[0].engine) {
        memcpy(out, self->dry, n * sizeof *out);
        return;
    }
    rnnamp_slot_process(s, c, drive, out, n, self->knobs);
    if (s->norm_lin != 1.0f && norm) {
        const float d = s->norm_lin - 1.0f;
        for (uint32_t i = 0; i < n; i++)
            out[i] *= 1.0f + norm[i] * d;
    }
}

/* Channel c's output of one IR slot (NULL or none: straight through),
 * times gain[] (NULL: 1). */
static void ir_wet(rnnamp_item *it, int c, const float *in, float *out,
                   uint32_t n, const float *gain)
{
    rnnamp_ir_slot *s = as_ir(it);
    if (!s || !s->conv[0]) {
        memcpy(out, in, n * sizeof *out);
        return;
    }
    rnnamp_convolver_process(s->conv[c], in, out, n);
    if (gain)
        for (uint32_t i = 0; i < n; i++)
            out[i] *= gain[i];
}

static void ir_reset(rnnamp_item *it)
{
    rnnamp_ir_slot *s = as_ir(it);
    for (int c = 0; s && s->conv[0] && c < s->n_channels; c++)
        rnnamp_convolver_reset(s->conv[c]);
}

/* One-pole smoothing of the knobs, stepped at fixed sample positions
 * (multiples of KNOB_STEP since activate) so that the output does not
 * depend on the host's block sizes. */
static void step_knobs(Plugin *self)
{
    float target[RNNAMP_SLOT_KNOBS];
    current_knobs(self, target);
    for (int i = 0; i < RNNAMP_SLOT_KNOBS; i++) {
        float d = target[i] - self->knobs[i];
        self->knobs[i] =
            fabsf(d) < 1e-5f ? target[i] : self->knobs[i] + d * self->knob_coef;
    }
}

static int uses_knobs(const Plugin *self)
{
    const rnnamp_slot *c = as_slot(self->model.cur);
    const rnnamp_slot *o = as_slot(self->model.old);
    return (c && c->n_knobs > 0) || (o && o->n_knobs > 0);
}

/* The next n values of ramp r into cv. */
static void render(rnnamp_ramp *r, float *cv, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cv[i] = rnnamp_ramp_next(r);
}

/* The next n values of r into cv, unless r rests at `rest`: then NULL. */
static const float *render_unless(rnnamp_ramp *r, float rest, float *cv,
                                  uint32_t n)
{
    if (rnnamp_ramp_done(r) && r->value == rest)
        return NULL;
    render(r, cv, n);
    return cv;
}

/* The cabinet IR's part of the plan: crossfaded while switching IRs, faded
 * in and out by ir_enabled; once off, the convolvers rest (and start from
 * silence when turned on again). */
static void plan_ir(Plugin *self, uint32_t n, chunk_plan *p)
{
    rnnamp_track *t = &self->ir;
    if (!t->cur) { /* no IR: straight through, ramps at their targets */
        rnnamp_ramp_set(&self->ir_on, self->ir_on.target);
        rnnamp_ramp_set(&self->ir_gain, self->ir_gain.target);
        return;
    }
    if (rnnamp_ramp_done(&self->ir_on) && self->ir_on.value == 0.0f) {
        rnnamp_track_settle(t, &self->garbage);
        rnnamp_ramp_set(&self->ir_gain, self->ir_gain.target);
        self->ir_idle = 1;
        return;
    }
    if (self->ir_idle) {
        ir_reset(t->cur);
        ir_reset(t->old);
        self->ir_idle = 0;
    }
    p->ir = 1;
    p->irg = render_unless(&self->ir_gain, 1.0f, self->cv_irg, n);
    if (t->fading) {
        rnnamp_track_fade_curve(t, self->cv_ix, n);
        p->ix = self->cv_ix;
    }
    if (!rnnamp_ramp_done(&self->ir_on)) {
        render(&self->ir_on, self->cv_ion, n);
        p->ion = self->cv_ion;
    }
}

/* Decide the chunk (n samples) for all channels: advance every ramp and
 * crossfade once, into the cv_ curves. */
static void plan_chunk(Plugin *self, uint32_t n, chunk_plan *p)
{
    memset(p, 0, sizeof *p);
    if (rnnamp_ramp_done(&self->wet) && self->wet.value == 0.0f) {
        p->bypass = 1; /* dry only, nets rest */
        return;
    }
    render(&self->in_gain, self->cv_in, n);
    p->norm = render_unless(&self->norm_mix, 0.0f, self->cv_norm, n);
    if (self->model.fading) {
        rnnamp_track_fade_curve(&self->model, self->cv_mx, n);
        p->mx = self->cv_mx;
    }
    if (rnnamp_ramp_done(&self->dc_mix)) {
        p->dc_on = self->dc_mix.value == 1.0f;
    } else {
        render(&self->dc_mix, self->cv_dc, n);
        p->dcm = self->cv_dc;
    }
    plan_ir(self, n, p);
    render(&self->out_gain, self->cv_out, n);
    if (!rnnamp_ramp_done(&self->wet)) {
        render(&self->wet, self->cv_wet, n);
        p->wet = self->cv_wet;
    }
}

/* The DC blocker (channel c's) on self->a; it always runs so that
 * switching it is seamless. */
static void dc_stage(Plugin *self, int c, uint32_t n, const chunk_plan *p)
{
    rnnamp_dc_blocker_process(&self->dc[c], self->a, self->blocked, n);
    if (p->dcm) {
        for (uint32_t i = 0; i < n; i++)
            self->a[i] = rnnamp_mix(self->a[i], self->blocked[i], p->dcm[i]);
    } else if (p->dc_on) {
        memcpy(self->a, self->blocked, n * sizeof *self->a);
    }
}

/* The model (crossfaded while switching) and the IR on channel c's
 * self->drive into self->a. */
static void wet_stages(Plugin *self, int c, uint32_t n, const chunk_plan *p)
{
    slot_wet(self, self->model.cur, c, self->drive, self->a, n, p->norm);
    if (p->mx) {
        slot_wet(self, self->model.old, c, self->drive, self->b, n, p->norm);
        for (uint32_t i = 0; i < n; i++)
            self->a[i] = rnnamp_mix(self->b[i], self->a[i], p->mx[i]);
    }
    dc_stage(self, c, n, p);
    if (!p->ir)
        return;
    ir_wet(self->ir.cur, c, self->a, self->c, n, p->irg);
    if (p->ix) {
        ir_wet(self->ir.old, c, self->a, self->d, n, p->irg);
        for (uint32_t i = 0; i < n; i++)
            self->c[i] = rnnamp_mix(self->d[i], self->c[i], p->ix[i]);
    }
    if (p->ion) {
        for (uint32_t i = 0; i < n; i++)
            self->a[i] = rnnamp_mix(self->a[i], self->c[i], p->ion[i]);
    } else {
        memcpy(self->a, self->c, n * sizeof *self->a);
    }
}

/* Channel c: its input self->x[c] through the plan into out. */
static void channel_chunk(Plugin *self, int c, float *out, uint32_t n,
                          uint32_t lat, const chunk_plan *p)
{
    /* the dry signal is delayed by the latency we report, so that bypass
     * and "no model" stay aligned with the wet path */
    const float *in = self->x[c];
    float *line = self->dry_line[c];
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t pos = self->dry_pos + i;
        line[pos % DRY_DELAY] = in[i];
        self->dry[i] = line[(pos + DRY_DELAY - lat) % DRY_DELAY];
    }
    if (p->bypass) {
        memcpy(out, self->dry, n * sizeof *out);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        self->drive[i] = in[i] * self->cv_in[i];
    rnnamp_noise_gate_process(&self->gate[c], self->drive, self->drive, n);
    wet_stages(self, c, n, p);
    for (uint32_t i = 0; i < n; i++)
        self->a[i] *= self->cv_out[i];
    if (p->wet) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = rnnamp_mix(self->dry[i], self->a[i], p->wet[i]);
    } else {
        memcpy(out, self->a, n * sizeof *out);
    }
    for (uint32_t i = 0; i < n; i++)
        if (!isfinite(out[i]))
            out[i] = 0.0f;
}

/* Samples [at, at + n) of every channel (n <= CHUNK). */
static void process_chunk(Plugin *self, uint32_t at, uint32_t n)
{
    const rnnamp_slot *cur = as_slot(self->model.cur);
    const uint32_t lat = cur && cur->latency < DRY_DELAY ? cur->latency : 0;
    chunk_plan p;
    plan_chunk(self, n, &p);
    for (int c = 0; c < self->channels; c++)
        memcpy(self->x[c], self->in[c] + at, n * sizeof(float));
    for (int c = 0; c < self->channels; c++)
        channel_chunk(self, c, self->out[c] + at, n, lat, &p);
    self->dry_pos += n;
    rnnamp_track_fade_end(&self->model, &self->garbage);
    rnnamp_track_fade_end(&self->ir, &self->garbage);
}

static float port_or(const float *p, float def)
{
    return (p && isfinite(*p)) ? *p : def;
}

/* A gain port's value (dB) clamped to its range, as a linear target. */
static float gain_target(const float *p)
{
    float db = port_or(p, 0.0f);
    db = db < GAIN_DB_MIN ? GAIN_DB_MIN : db > GAIN_DB_MAX ? GAIN_DB_MAX : db;
    return db == 0.0f ? 1.0f : rnnamp_db_to_lin(db);
}

/* A toggle port (lv2:toggled) as a ramp target, 0 or 1. */
static float toggle_target(const float *p, float def)
{
    return port_or(p, def) > 0.5f ? 1.0f : 0.0f; /* halfway between */
}

/* Read the control ports into ramp targets. */
static void read_controls(Plugin *self)
{
    rnnamp_ramp_to(&self->in_gain, gain_target(self->ctl[PORT_INPUT_GAIN]));
    rnnamp_ramp_to(&self->out_gain, gain_target(self->ctl[PORT_OUTPUT_GAIN]));
    rnnamp_ramp_to(&self->dc_mix,
                   toggle_target(self->ctl[PORT_DC_BLOCK], 1.0f));
    rnnamp_ramp_to(&self->norm_mix,
                   toggle_target(self->ctl[PORT_NORMALIZE], 0.0f));
    rnnamp_ramp_to(&self->wet, toggle_target(self->ctl[PORT_ENABLED], 1.0f));
    rnnamp_ramp_to(&self->ir_on,
                   toggle_target(self->ctl[PORT_IR_ENABLED], 1.0f));
    rnnamp_ramp_to(&self->ir_gain, gain_target(self->ctl[PORT_IR_GAIN]));
    for (int c = 0; c < self->channels; c++)
        rnnamp_noise_gate_set_threshold(
            &self->gate[c],
            port_or(self->ctl[PORT_GATE_THRESHOLD], RNNAMP_GATE_OFF_DB));
    float dbu = port_or(self->ctl[PORT_INTERFACE_DBU], DBU_DEFAULT);
    self->cal_dbu = dbu < DBU_MIN ? DBU_MIN : dbu > DBU_MAX ? DBU_MAX : dbu;
    self->cal_on = toggle_target(self->ctl[PORT_CALIBRATE], 0.0f) == 1.0f;
    calibrate_slot(self, self->model.cur, 0);
    calibrate_slot(self, self->model.old, 0);
}

/* Write patch:Set <property> <value> to notify. */
static void notify_set(Plugin *self, LV2_URID prop, LV2_URID type,
                       const char *str)
{
    LV2_Atom_Forge *f = &self->forge;
    LV2_Atom_Forge_Frame frame;
    /* write the whole event or nothing: a half-written one would corrupt
     * the sequence (event header + object + two keys + padding) */
    const size_t need = 128 + strlen(str);
    if (f->size < f->offset || f->size - f->offset < need)
        return;
    if (!lv2_atom_forge_frame_time(f, 0))
        return;
    if (!lv2_atom_forge_object(f, &frame, 0, self->uris.patch_Set))
        return;
    lv2_atom_forge_key(f, self->uris.patch_property);
    lv2_atom_forge_urid(f, prop);
    lv2_atom_forge_key(f, self->uris.patch_value);
    lv2_atom_forge_typed_string(f, type, str, (uint32_t)strlen(str));
    lv2_atom_forge_pop(f, &frame);
}

/* The model's status, then the IR's when there is one (bounded copies). */
static const char *compose_status(Plugin *self)
{
    char *o = self->status_out;
    const size_t cap = sizeof self->status_out;
    size_t k = rnnamp_strcopy(o, cap, self->status);
    if (self->ir_status[0]) {
        k += rnnamp_strcopy(o + k, cap - k, IR_SEP);
        rnnamp_strcopy(o + k, cap - k, self->ir_status);
    }
    return o;
}

static void send_state(Plugin *self)
{
    char path[RNNAMP_SLOT_PATH_MAX];
    rnnamp_track_read_path(&self->model, path, sizeof path);
    notify_set(self, self->uris.model, self->uris.atom_Path, path);
    rnnamp_track_read_path(&self->ir, path, sizeof path);
    notify_set(self, self->uris.ir, self->uris.atom_Path, path);
    notify_set(self, self->uris.model_dir, self->uris.atom_Path,
               self->prog.dir);
    notify_set(self, self->uris.model_name, self->uris.atom_String, self->name);
    notify_set(self, self->uris.status, self->uris.atom_String,
               compose_status(self));
}

/* patch:subject of a message: absent, or this plugin (as a URID or as a
 * URI string). Messages about another subject are not for us. */
static int for_this_plugin(const Plugin *self, const LV2_Atom *subject)
{
    const rnnamp_uris *u = &self->uris;
    const size_t len = strlen(self->uri) + 1;
    if (!subject)
        return 1;
    if (subject->type == u->atom_URID)
        return ((const LV2_Atom_URID *)subject)->body == u->plugin;
    if (subject->type == u->atom_URI && subject->size >= len)
        return !strncmp(LV2_ATOM_BODY_CONST(subject), self->uri, len);
    return 0;
}

/* patch:Set of the model folder: ask for its current program. */
static void handle_set_dir(Plugin *self, const LV2_Atom *value)
{
    const rnnamp_uris *u = &self->uris;
    if (value->type != u->atom_Path && value->type != u->atom_String) {
        set_status(self,
                   "error: patch:Set of the model folder needs an atom:Path");
        return;
    }
    const int r = rnnamp_program_set_dir(
        &self->prog, (const char *)LV2_ATOM_BODY_CONST(value), value->size);
    if (r > 0)
        request_program(self);
    else if (r < 0)
        set_status(self, "error: model folder path too long");
    else
        self->send_state = 1; /* no folder any more */
}

static void handle_set(Plugin *self, const LV2_Atom_Object *obj)
{
    const rnnamp_uris *u = &self->uris;
    const LV2_Atom *subject = NULL, *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, u->patch_subject, &subject, u->patch_property,
                        &property, u->patch_value, &value, 0);
    if (!for_this_plugin(self, subject) || !property ||
        property->type != u->atom_URID || !value)
        return; /* not ours: ignore */
    const LV2_URID prop = ((const LV2_Atom_URID *)property)->body;
    if (prop != u->model && prop != u->ir && prop != u->model_dir)
        return;
    const int is_ir = prop == u->ir;
    if (prop == u->model_dir) {
        handle_set_dir(self, value);
        return;
    }
    if (value->type != u->atom_Path && value->type != u->atom_String) {
        if (is_ir)
            set_ir_status(self,
                          "IR error: patch:Set of the IR needs an atom:Path");
        else
            set_status(self,
                       "error: patch:Set of the model needs an atom:Path");
        return;
    }
    request_load(self, is_ir ? MSG_LOAD_IR : MSG_LOAD,
                 (const char *)LV2_ATOM_BODY_CONST(value), value->size);
}

static void handle_event(Plugin *self, const LV2_Atom_Event *ev)
{
    const rnnamp_uris *u = &self->uris;
    if (ev->body.type == u->midi_MidiEvent) {
        if (rnnamp_program_midi(&self->prog, LV2_ATOM_BODY_CONST(&ev->body),
                                ev->body.size))
            request_program(self);
        return;
    }
    if (ev->body.type != u->atom_Object)
        return;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
    if (obj->body.otype == u->patch_Set) {
        handle_set(self, obj);
    } else if (obj->body.otype == u->patch_Get) {
        const LV2_Atom *subject = NULL;
        lv2_atom_object_get(obj, u->patch_subject, &subject, 0);
        if (for_this_plugin(self, subject))
            self->send_state = 1;
    }
}

/* Audio thread. */
static void run(LV2_Handle instance, uint32_t n_samples)
{
    Plugin *self = instance;
    const rnnamp_fpmode fpmode = rnnamp_denormals_off();
    if (self->notify) {
        const uint32_t cap = self->notify->atom.size;
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, cap);
        lv2_atom_forge_sequence_head(&self->forge, &self->notify_frame, 0);
    }
    if (rnnamp_program_port(&self->prog, self->ctl[PORT_PROGRAM]))
        request_program(self); /* before the block's MIDI: last one wins */
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH(self->control, ev)
        {
            handle_event(self, ev);
        }
    }
    rnnamp_track_start_queued(&self->model);
    rnnamp_track_start_queued(&self->ir);
    read_controls(self); /* first: a model installed now starts at the
                          * calibration of this block's ports */
    install_pending(self);
    follow_size(self);

    int connected = 1;
    for (int c = 0; c < self->channels; c++)
        connected = connected && self->in[c] && self->out[c];
    if (connected) {
        for (uint32_t done = 0; done < n_samples;) {
            uint32_t k = n_samples - done < CHUNK ? n_samples - done : CHUNK;
            if (uses_knobs(self)) {
                uint32_t to_step =
                    KNOB_STEP - (uint32_t)(self->frame % KNOB_STEP);
                if (to_step == KNOB_STEP)
                    step_knobs(self);
                if (k > to_step)
                    k = to_step;
            }
            process_chunk(self, done, k);
            self->frame += k;
            done += k;
        }
    }
    if (self->latency) {
        const rnnamp_slot *cur = as_slot(self->model.cur);
        *self->latency = cur ? (float)cur->latency : 0.0f;
    }
    if (self->send_state && self->notify) {
        send_state(self);
        self->send_state = 0;
    }
    flush_garbage(self);
    rnnamp_denormals_restore(fpmode);
}

/* ---- worker thread ---------------------------------------------------- */

/* Free a model slot or an IR slot. Non-real-time threads. */
static void item_free(rnnamp_item *it)
{
    if (it && it->kind == RNNAMP_ITEM_IR)
        rnnamp_ir_slot_free(as_ir(it));
    else if (it)
        rnnamp_slot_free(as_slot(it));
}

/* Load path as a model (MSG_LOAD; with ctx, a folder to take programs
 * from later), an IR (MSG_LOAD_IR) or program h->program of the folder
 * path (MSG_LOAD_DIR); NULL only when memory runs out. Non-real-time
 * threads (worker, restore). */
static rnnamp_item *item_load(Plugin *self, const load_msg *h, const char *path,
                              const char *ctx)
{
    if (h->type == MSG_LOAD_IR) {
        rnnamp_ir_slot *s = rnnamp_ir_slot_load(path, self->rate, h->seq);
        if (s)
            rnnamp_ir_slot_add_channels(s, self->channels); /* fails into s */
        return s ? &s->item : NULL;
    }
    rnnamp_slot *s =
        h->type == MSG_LOAD_DIR
            ? rnnamp_dir_slot_load(&self->dirs, path, h->program, self->rate,
                                   h->knobs, h->size, h->seq)
            : rnnamp_slot_load(path, self->rate, h->knobs, h->size, h->seq);
    if (s)
        rnnamp_slot_add_channels(s, self->channels); /* fails into s */
    if (s && h->type == MSG_LOAD && ctx && ctx[0]) {
        rnnamp_strcopy(s->origin.dir, sizeof s->origin.dir, ctx);
        s->origin.program = h->program;
        s->origin.n_models = -1;
    }
    return s ? &s->item : NULL;
}

/* Load the file of a MSG_LOAD or MSG_LOAD_IR message and respond with the
 * slot. Worker thread. A request older than the newest one given out for
 * the same track is dropped: when the host's worker lags behind a burst of
 * requests only the last is loaded (run() would discard the others
 * anyway). */
static LV2_Worker_Status work_load(Plugin *self,
                                   LV2_Worker_Respond_Function respond,
                                   LV2_Worker_Respond_Handle handle,
                                   uint32_t size, const void *data)
{
    load_msg h;
    if (size < sizeof h)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&h, data, sizeof h);
    const char *path = (const char *)data + sizeof h;
    const char *ctx = path + h.path_len;
    if (h.path_len == 0 || sizeof h + h.path_len > size ||
        path[h.path_len - 1] != '\0' ||
        h.ctx_len > size - sizeof h - h.path_len ||
        (h.ctx_len && ctx[h.ctx_len - 1] != '\0'))
        return LV2_WORKER_ERR_UNKNOWN;
    if (rnnamp_track_superseded(track_of(self, h.type), h.seq)) {
        lv2_log_note(&self->logger,
                     "rnnamp: skipped %s: a newer load was requested\n", path);
        return LV2_WORKER_SUCCESS;
    }
    rnnamp_item *it = item_load(self, &h, path, h.ctx_len ? ctx : NULL);
    if (!it) {
        lv2_log_error(&self->logger, "rnnamp: out of memory loading %s\n",
                      path);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    if (!it->ok)
        lv2_log_error(&self->logger, "rnnamp: %s\n", it->status);
    else if (it->status[0])
        lv2_log_note(&self->logger, "rnnamp: %s\n", it->status);
    item_msg r = {h.type, 0, it};
    if (respond(handle, sizeof r, &r) != LV2_WORKER_SUCCESS) {
        lv2_log_error(&self->logger,
                      "rnnamp: host dropped the response "
                      "for %s\n",
                      path);
        item_free(it);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

/* Worker thread: loads (work_load) and frees retired slots. */
static LV2_Worker_Status work(LV2_Handle instance,
                              LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size,
                              const void *data)
{
    Plugin *self = instance;
    uint32_t type = 0;
    if (size < sizeof type)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&type, data, sizeof type);
    if (type == MSG_FREE && size >= sizeof(item_msg)) {
        item_msg m;
        memcpy(&m, data, sizeof m);
        item_free(m.item);
        return LV2_WORKER_SUCCESS;
    }
    if (type == MSG_LOAD || type == MSG_LOAD_IR || type == MSG_LOAD_DIR)
        return work_load(self, respond, handle, size, data);
    return LV2_WORKER_ERR_UNKNOWN;
}

/* Audio thread, or whatever thread the host delivers responses on (Ardour:
 * inside schedule_work, or its GUI thread). Only publishes. */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size,
                                       const void *data)
{
    Plugin *self = instance;
    if (size < sizeof(item_msg))
        return LV2_WORKER_ERR_UNKNOWN;
    item_msg m;
    memcpy(&m, data, sizeof m);
    if ((m.type != MSG_LOAD && m.type != MSG_LOAD_IR &&
         m.type != MSG_LOAD_DIR) ||
        !m.item)
        return LV2_WORKER_ERR_UNKNOWN;
    rnnamp_track_publish(track_of(self, (uint32_t)m.item->kind), m.item);
    return LV2_WORKER_SUCCESS;
}

/* ---- state (non-real-time threads) ------------------------------------ */

/* Give back a path from state:mapPath (its freePath, or free()). */
static void free_mapped(LV2_State_Free_Path *free_path, char *p)
{
    if (!p)
        return;
    if (free_path)
        free_path->free_path(free_path->handle, p);
    else
        free(p);
}

/* Store path under key (abstract, via state:mapPath when the host gives
 * it). Host/GUI thread. */
static LV2_State_Status store_path(Plugin *self, const char *path, LV2_URID key,
                                   LV2_State_Store_Function store,
                                   LV2_State_Handle handle,
                                   const LV2_Feature *const *features)
{
    if (!path[0])
        return LV2_STATE_SUCCESS; /* nothing loaded: no key (an empty path
                                   * would come back from Ardour as the
                                   * state file itself) */
    LV2_State_Map_Path *map_path =
        lv2_features_data(features, LV2_STATE__mapPath);
    LV2_State_Free_Path *free_path =
        lv2_features_data(features, LV2_STATE__freePath);
    char *apath = NULL;
    if (path[0] && map_path)
        apath = map_path->abstract_path(map_path->handle, path);
    const char *v = apath ? apath : path;
    LV2_State_Status st =
        store(handle, key, v, strlen(v) + 1, self->uris.atom_Path,
              LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    free_mapped(free_path, apath);
    return st;
}

/* Host/GUI thread: store the playing model's and IR's paths (no key for
 * what is not loaded; restore() takes a missing key as "none"). With a
 * model folder: the folder and the program; the model's path only when
 * the playing model is not that program (a model file set after the
 * folder). */
static LV2_State_Status save(LV2_Handle instance,
                             LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    Plugin *self = instance;
    char path[RNNAMP_SLOT_PATH_MAX], dir[RNNAMP_SLOT_PATH_MAX];
    int program = 0, from_dir = 0;
    rnnamp_program_read(&self->prog, dir, sizeof dir, &program, &from_dir);
    rnnamp_track_read_path(&self->model, path, sizeof path);
    LV2_State_Status st = LV2_STATE_SUCCESS;
    if (!from_dir)
        st = store_path(self, path, self->uris.model, store, handle, features);
    if (st == LV2_STATE_SUCCESS && dir[0]) {
        const int32_t k = program;
        st = store_path(self, dir, self->uris.model_dir, store, handle,
                        features);
        if (st == LV2_STATE_SUCCESS)
            st = store(handle, self->uris.program, &k, sizeof k,
                       self->uris.atom_Int,
                       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    }
    if (st != LV2_STATE_SUCCESS)
        return st;
    rnnamp_track_read_path(&self->ir, path, sizeof path);
    return store_path(self, path, self->uris.ir, store, handle, features);
}

/* The path a state holds under key (what: "model" or "IR", for messages),
 * absolute, into path[RNNAMP_SLOT_PATH_MAX] ("" when the state has none).
 * Host/GUI thread. */
static LV2_State_Status
restored_path(Plugin *self, LV2_URID key, const char *what,
              LV2_State_Retrieve_Function retrieve, LV2_State_Handle handle,
              const LV2_Feature *const *features, char *path)
{
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, key, &size, &type, &vflags);
    path[0] = '\0';
    if (value && type != self->uris.atom_Path &&
        type != self->uris.atom_String) {
        lv2_log_error(&self->logger,
                      "rnnamp: state: %s path has the wrong type\n", what);
        return LV2_STATE_ERR_BAD_TYPE;
    }
    if (!value || size == 0 || !value[0])
        return LV2_STATE_SUCCESS;
    char tmp[RNNAMP_SLOT_PATH_MAX];
    size_t n = strnlen(value, size);
    if (n >= sizeof tmp) {
        lv2_log_error(&self->logger, "rnnamp: state: %s path too long\n", what);
        return LV2_STATE_ERR_UNKNOWN;
    }
    memcpy(tmp, value, n);
    tmp[n] = '\0';
    LV2_State_Map_Path *map_path =
        lv2_features_data(features, LV2_STATE__mapPath);
    char *abs =
        map_path ? map_path->absolute_path(map_path->handle, tmp) : NULL;
    const char *use = abs ? abs : tmp;
    const int fits = strlen(use) < RNNAMP_SLOT_PATH_MAX;
    if (fits)
        rnnamp_strcopy(path, RNNAMP_SLOT_PATH_MAX, use);
    free_mapped(lv2_features_data(features, LV2_STATE__freePath), abs);
    if (!fits) {
        lv2_log_error(&self->logger, "rnnamp: state: %s path too long\n", what);
        return LV2_STATE_ERR_UNKNOWN;
    }
    return LV2_STATE_SUCCESS;
}

/* The program a state holds (0 when none or not an atom:Int). */
static int restored_program(Plugin *self, LV2_State_Retrieve_Function retrieve,
                            LV2_State_Handle handle)
{
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const void *v = retrieve(handle, self->uris.program, &size, &type, &vflags);
    int32_t k = 0;
    if (!v || type != self->uris.atom_Int || size != sizeof k)
        return 0;
    memcpy(&k, v, sizeof k);
    return k < 0 ? 0 : k >= RNNAMP_PROGRAMS ? RNNAMP_PROGRAMS - 1 : (int)k;
}

/* A worker message for a restored item: type, path, the folder programs
 * are taken from (ctx, "" none), program. Returns its size, 0 if the
 * paths do not fit. */
typedef struct {
    load_msg h;
    char body[2 * RNNAMP_SLOT_PATH_MAX];
} restore_request;

static uint32_t make_restore_msg(restore_request *m, uint32_t type,
                                 uint32_t seq, const char *path,
                                 const char *ctx, int program)
{
    const size_t lp = strlen(path) + 1, lc = ctx[0] ? strlen(ctx) + 1 : 0;
    if (lp + lc > sizeof m->body)
        return 0;
    memset(&m->h, 0, sizeof m->h);
    m->h.type = type;
    m->h.seq = seq;
    for (int i = 0; i < RNNAMP_SLOT_KNOBS; i++)
        m->h.knobs[i] = KNOB_DEFAULT;
    m->h.size = 1.0f; /* the size port's default; run() reloads at its value */
    m->h.path_len = (uint32_t)lp;
    m->h.ctx_len = (uint32_t)lc;
    m->h.program = program;
    memcpy(m->body, path, lp);
    memcpy(m->body + lp, ctx, lc);
    return (uint32_t)(sizeof m->h + lp + lc);
}

/* Hand a restored path to the worker, or load it here when the host gives
 * no worker (as Ardour does). Either way the slot reaches run() through
 * its track's pending stack only. ctx and program: see make_restore_msg.
 * Host/GUI thread. */
static LV2_State_Status restore_load(Plugin *self, uint32_t type,
                                     const char *path, const char *ctx,
                                     int program,
                                     const LV2_Feature *const *features)
{
    rnnamp_track *t = track_of(self, type);
    restore_request m;
    const uint32_t size =
        make_restore_msg(&m, type, rnnamp_track_new_seq(t), path, ctx, program);
    if (!size)
        return LV2_STATE_ERR_UNKNOWN;
    LV2_Worker_Schedule *schedule =
        lv2_features_data(features, LV2_WORKER__schedule);
    if (schedule && schedule->schedule_work(schedule->handle, size, &m) ==
                        LV2_WORKER_SUCCESS)
        return LV2_STATE_SUCCESS;
    /* no worker (or it refused): load here */
    rnnamp_item *it = item_load(self, &m.h, path, ctx);
    if (!it)
        return LV2_STATE_ERR_UNKNOWN;
    if (!it->ok)
        lv2_log_error(&self->logger, "rnnamp: restore: %s\n", it->status);
    rnnamp_track_publish(t, it);
    return LV2_STATE_SUCCESS;
}

/* Host/GUI thread: load the state's model and IR (a state without an IR
 * clears it, as one without a model clears the model). With a model
 * folder and no model file: the folder's program; with both: the model
 * file, and the folder for later program changes. */
static LV2_State_Status restore(LV2_Handle instance,
                                LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    Plugin *self = instance;
    char model[RNNAMP_SLOT_PATH_MAX], ir[RNNAMP_SLOT_PATH_MAX];
    char dir[RNNAMP_SLOT_PATH_MAX];
    LV2_State_Status st = restored_path(self, self->uris.model, "model",
                                        retrieve, handle, features, model);
    if (st == LV2_STATE_SUCCESS)
        st = restored_path(self, self->uris.ir, "IR", retrieve, handle,
                           features, ir);
    if (st == LV2_STATE_SUCCESS)
        st = restored_path(self, self->uris.model_dir, "model folder", retrieve,
                           handle, features, dir);
    if (st != LV2_STATE_SUCCESS)
        return st;
    const int program = restored_program(self, retrieve, handle);
    rnnamp_program_resync(&self->prog);
    if (dir[0] && !model[0])
        st = restore_load(self, MSG_LOAD_DIR, dir, "", program, features);
    else
        st = restore_load(self, MSG_LOAD, model, dir, program, features);
    if (st != LV2_STATE_SUCCESS)
        return st;
    return restore_load(self, MSG_LOAD_IR, ir, "", 0, features);
}

/* ---- life cycle (instantiation thread) -------------------------------- */

/* Host thread: features (queried once), URIDs, ramps. */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path,
                              const LV2_Feature *const *features)
{
    (void)bundle_path;
    Plugin *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->uri = descriptor->URI;
    self->channels = strcmp(descriptor->URI, RNNAMP_STEREO_URI) ? 1 : 2;
    LV2_Log_Log *log = NULL;
    const char *missing = lv2_features_query(
        features, LV2_LOG__log, &log, false, LV2_URID__map, &self->map, true,
        LV2_WORKER__schedule, &self->schedule, true, NULL);
    lv2_log_logger_init(&self->logger, self->map, log);
    if (missing) {
        lv2_log_error(&self->logger, "rnnamp: host lacks feature <%s>\n",
                      missing);
        free(self);
        return NULL;
    }
    if (!(rate > 0.0) || !isfinite(rate)) {
        lv2_log_error(&self->logger, "rnnamp: bad sample rate %g\n", rate);
        free(self);
        return NULL;
    }
    rnnamp_uris_map(&self->uris, self->map);
    self->uris.plugin = self->map->map(self->map->handle, self->uri);
    lv2_atom_forge_init(&self->forge, self->map);
    self->rate = rate;

    const uint32_t fade = (uint32_t)(FADE_SECONDS * rate);
    const uint32_t gain = (uint32_t)(GAIN_SECONDS * rate);
    rnnamp_track_init(&self->model, fade);
    rnnamp_track_init(&self->ir, fade);
    rnnamp_program_init(&self->prog);
    rnnamp_dir_cache_init(&self->dirs);
    rnnamp_ramp_init(&self->wet, 1.0f, fade);
    rnnamp_ramp_init(&self->in_gain, 1.0f, gain);
    rnnamp_ramp_init(&self->out_gain, 1.0f, gain);
    rnnamp_ramp_init(&self->norm_mix, 0.0f, fade);
    rnnamp_ramp_init(&self->dc_mix, 1.0f, fade);
    rnnamp_ramp_init(&self->ir_on, 1.0f, fade);
    rnnamp_ramp_init(&self->ir_gain, 1.0f, gain);
    for (int c = 0; c < self->channels; c++) {
        rnnamp_dc_blocker_init(&self->dc[c], DC_CORNER_HZ, rate);
        rnnamp_noise_gate_init(&self->gate[c], rate);
    }
    self->knob_coef =
        (float)(1.0 - exp(-(double)KNOB_STEP / (KNOB_SECONDS * rate)));
    for (int i = 0; i < RNNAMP_SLOT_KNOBS; i++)
        self->knobs[i] = KNOB_DEFAULT;
    rnnamp_strcopy(self->status, sizeof self->status, "no model (dry)");
    return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    Plugin *self = instance;
    if (self->channels > 1) {
        if (port == STEREO_IN_R || port == STEREO_OUT_R) {
            if (port == STEREO_IN_R)
                self->in[1] = data;
            else
                self->out[1] = data;
            return;
        }
        if (port > STEREO_OUT_R)
            port -= 2; /* a mono port appended later */
    }
    switch ((port_index)port) {
    case PORT_IN: self->in[0] = data; break;
    case PORT_OUT: self->out[0] = data; break;
    case PORT_CONTROL: self->control = data; break;
    case PORT_NOTIFY: self->notify = data; break;
    case PORT_LATENCY: self->latency = data; break;
    default:
        if (port < PORT_COUNT)
            self->ctl[port] = data;
        break;
    }
}

static void activate(LV2_Handle instance)
{
    Plugin *self = instance;
    /* controls jump to their values: no ramps from the defaults */
    read_controls(self);
    rnnamp_ramp_set(&self->in_gain, self->in_gain.target);
    rnnamp_ramp_set(&self->out_gain, self->out_gain.target);
    rnnamp_ramp_set(&self->dc_mix, self->dc_mix.target);
    rnnamp_ramp_set(&self->norm_mix, self->norm_mix.target);
    rnnamp_ramp_set(&self->wet, self->wet.target);
    rnnamp_ramp_set(&self->ir_on, self->ir_on.target);
    rnnamp_ramp_set(&self->ir_gain, self->ir_gain.target);
    for (int c = 0; c < self->channels; c++) {
        rnnamp_dc_blocker_reset(&self->dc[c]);
        rnnamp_noise_gate_reset(&self->gate[c]);
    }
    calibrate_slot(self, self->model.cur, 1);
    rnnamp_program_activate(&self->prog, self->ctl[PORT_PROGRAM]);
    current_knobs(self, self->knobs);
    self->frame = 0;
}

static void free_list(rnnamp_item *it)
{
    while (it) {
        rnnamp_item *next = it->next;
        item_free(it);
        it = next;
    }
}

static void free_track(rnnamp_track *t)
{
    free_list(atomic_exchange(&t->pending, NULL));
    item_free(t->cur);
    item_free(t->old);
    item_free(t->queued);
}

static void cleanup(LV2_Handle instance)
{
    Plugin *self = instance;
    free_track(&self->model);
    free_track(&self->ir);
    free_list(self->garbage);
    rnnamp_dir_cache_free(&self->dirs);
    free(self);
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    static const LV2_State_Interface state = {save, restore};
    if (!strcmp(uri, LV2_WORKER__interface))
        return &worker;
    if (!strcmp(uri, LV2_STATE__interface))
        return &state;
    return NULL;
}

/* The mono and the stereo plugin: the same code, instantiate tells them
 * apart by URI. */
static const LV2_Descriptor descriptors[] = {
    {RNNAMP_URI, instantiate, connect_port, activate, run, NULL, cleanup,
     extension_data},
    {RNNAMP_STEREO_URI, instantiate, connect_port, activate, run, NULL, cleanup,
     extension_data},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index < sizeof descriptors / sizeof *descriptors
               ? &descriptors[index]
               : NULL;
}
