/* rnnamp tools: a small offline LV2 host on lilv (see lv2_host.h). */
#include "lv2_host.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <limits.h>
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "error.h"

#define SEQ_SIZE  65536u /* bytes per atom port buffer */
#define MAX_PROPS 16     /* patch:Set values remembered from notify */
#define REQ_RING  65536u /* bytes of queued worker requests (power of 2) */
#define PROP_LEN  8192

typedef enum { P_OTHER, P_AUDIO, P_CONTROL, P_ATOM, P_CV } port_kind;

typedef struct {
    port_kind kind;
    int is_input;
    const char *symbol; /* owned by lilv */
    float value, min, max, def;
    int has_min, has_max;
    float *audio;            /* P_AUDIO / P_CV */
    LV2_Atom_Sequence *atom; /* P_ATOM (aligned storage) */
} port;

/* A worker message (request or response). */
typedef struct wmsg {
    struct wmsg *next;
    uint32_t size;
    unsigned char data[];
} wmsg;

typedef struct {
    LV2_URID prop;
    char value[PROP_LEN];
    unsigned long serial; /* when it was last set */
} prop_value;

struct rnnamp_lv2_host {
    rnnamp_lv2_host_opts o;
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    const LV2_Worker_Interface *iface;
    char name[256];
    uint32_t n_ports;
    port *ports;
    int audio_in, audio_out, control_in, notify_out, latency_port;
    float *silence, *scratch;

    /* urid map (any thread) */
    pthread_mutex_t map_lock;
    char **uris;
    uint32_t n_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Log_Log log;
    LV2_Worker_Schedule schedule;
    LV2_Options_Option options[6];
    int32_t opt_min, opt_max, opt_nominal, opt_seq;
    float opt_rate;
    LV2_Feature f_map, f_unmap, f_log, f_sched, f_opts, f_bounded, f_rt;
    const LV2_Feature *features[8];

    /* worker */
    pthread_t thread;
    int thread_running, stopping, busy, held;
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    /* requests: a preallocated byte ring of [uint32 size][data] records, so
     * that schedule_work never allocates on the audio thread */
    unsigned char *req_ring;
    uint32_t req_rd, req_wr; /* free-running byte indices */
    wmsg *responses;         /* FIFO list, filled by the worker thread */

    /* control input messages queued for the next run */
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame seq_frame;
    unsigned char *pending;
    uint32_t pending_len;

    prop_value props[MAX_PROPS];
    unsigned long serial;
    LV2_URID u_path, u_string, u_urid, u_seq, u_chunk, u_object, u_set, u_get,
        u_property, u_value, u_subject, u_int, u_float, u_midi;
};

/* ---- urid ---------------------------------------------------------- */

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    rnnamp_lv2_host *h = handle;
    pthread_mutex_lock(&h->map_lock);
    LV2_URID id = 0;
    for (uint32_t i = 0; i < h->n_uris; i++)
        if (!strcmp(h->uris[i], uri)) {
            id = i + 1;
            break;
        }
    if (!id) {
        char **n = realloc(h->uris, (h->n_uris + 1) * sizeof *n);
        char *s = strdup(uri);
        if (n && s) {
            h->uris = n;
            h->uris[h->n_uris++] = s;
            id = h->n_uris;
        } else {
            if (n)
                h->uris = n;
            free(s);
        }
    }
    pthread_mutex_unlock(&h->map_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID id)
{
    rnnamp_lv2_host *h = handle;
    pthread_mutex_lock(&h->map_lock);
    const char *s = (id >= 1 && id <= h->n_uris) ? h->uris[id - 1] : NULL;
    pthread_mutex_unlock(&h->map_lock);
    return s;
}

/* ---- log ----------------------------------------------------------- */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                       va_list ap)
{
    rnnamp_lv2_host *h = handle;
    const char *t = unmap_uri(h, type);
    int is_err =
        t && (!strcmp(t, LV2_LOG__Error) || !strcmp(t, LV2_LOG__Warning));
    if (h->o.quiet && !is_err)
        return 0;
    fprintf(stderr, "%s: ", is_err ? "plugin error" : "plugin");
    return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- worker -------------------------------------------------------- */

static wmsg *msg_new(uint32_t size, const void *data)
{
    wmsg *m = malloc(sizeof *m + size);
    if (!m)
        return NULL;
    m->next = NULL;
    m->size = size;
    memcpy(m->data, data, size);
    return m;
}

static void list_append(wmsg **list, wmsg *m)
{
    while (*list)
        list = &(*list)->next;
    *list = m;
}

static LV2_Worker_Status respond_sync(LV2_Worker_Respond_Handle handle,
                                      uint32_t size, const void *data)
{
    rnnamp_lv2_host *h = handle;
    /* as Ardour does during export: respond re-entrantly, right away */
    if (h->iface->work_response)
        return h->iface->work_response(lilv_instance_get_handle(h->instance),
                                       size, data);
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status respond_threaded(LV2_Worker_Respond_Handle handle,
                                          uint32_t size, const void *data)
{
    rnnamp_lv2_host *h = handle;
    wmsg *m = msg_new(size, data);
    if (!m)
        return LV2_WORKER_ERR_NO_SPACE;
    pthread_mutex_lock(&h->wlock);
    list_append(&h->responses, m);
    pthread_mutex_unlock(&h->wlock);
    return LV2_WORKER_SUCCESS;
}

static void ring_put(rnnamp_lv2_host *h, const void *data, uint32_t n)
{
    const unsigned char *d = data;
    for (uint32_t i = 0; i < n; i++)
        h->req_ring[(h->req_wr++) & (REQ_RING - 1)] = d[i];
}

static void ring_get(rnnamp_lv2_host *h, void *data, uint32_t n)
{
    unsigned char *d = data;
    for (uint32_t i = 0; i < n; i++)
        d[i] = h->req_ring[(h->req_rd++) & (REQ_RING - 1)];
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle,
                                       uint32_t size, const void *data)
{
    rnnamp_lv2_host *h = handle;
    if (!h->iface)
        return LV2_WORKER_ERR_UNKNOWN;
    if (!h->o.threaded_worker)
        return h->iface->work(lilv_instance_get_handle(h->instance),
                              respond_sync, h, size, data);
    pthread_mutex_lock(&h->wlock);
    if (REQ_RING - (h->req_wr - h->req_rd) < size + sizeof size) {
        pthread_mutex_unlock(&h->wlock);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    ring_put(h, &size, sizeof size);
    ring_put(h, data, size);
    pthread_cond_broadcast(&h->wcond);
    pthread_mutex_unlock(&h->wlock);
    return LV2_WORKER_SUCCESS;
}

static void *worker_main(void *arg)
{
    rnnamp_lv2_host *h = arg;
    pthread_mutex_lock(&h->wlock);
    for (;;) {
        while ((h->req_rd == h->req_wr || h->held) && !h->stopping)
            pthread_cond_wait(&h->wcond, &h->wlock);
        if (h->req_rd == h->req_wr && h->stopping)
            break;
        uint32_t size;
        ring_get(h, &size, sizeof size);
        unsigned char *m = malloc(size ? size : 1);
        if (m)
            ring_get(h, m, size);
        else
            h->req_rd += size; /* drop it */
        h->busy = 1;
        pthread_mutex_unlock(&h->wlock);
        if (m)
            h->iface->work(lilv_instance_get_handle(h->instance),
                           respond_threaded, h, size, m);
        free(m);
        pthread_mutex_lock(&h->wlock);
        h->busy = 0;
        pthread_cond_broadcast(&h->wcond);
    }
    pthread_mutex_unlock(&h->wlock);
    return NULL;
}

void rnnamp_lv2_host_worker_idle(rnnamp_lv2_host *h)
{
    if (!h->thread_running)
        return;
    pthread_mutex_lock(&h->wlock);
    while (h->req_rd != h->req_wr || h->busy)
        pthread_cond_wait(&h->wcond, &h->wlock);
    pthread_mutex_unlock(&h->wlock);
}

void rnnamp_lv2_host_worker_hold(rnnamp_lv2_host *h, int hold)
{
    pthread_mutex_lock(&h->wlock);
    h->held = hold;
    pthread_cond_broadcast(&h->wcond);
    pthread_mutex_unlock(&h->wlock);
}

/* Deliver queued responses to the plugin (audio thread side). */
static void deliver_responses(rnnamp_lv2_host *h)
{
    if (!h->thread_running)
        return;
    pthread_mutex_lock(&h->wlock);
    wmsg *list = h->responses;
    h->responses = NULL;
    pthread_mutex_unlock(&h->wlock);
    while (list) {
        wmsg *m = list;
        list = m->next;
        if (h->iface->work_response)
            h->iface->work_response(lilv_instance_get_handle(h->instance),
                                    m->size, m->data);
        free(m);
    }
    if (h->iface->end_run)
        h->iface->end_run(lilv_instance_get_handle(h->instance));
}

/* ---- set-up -------------------------------------------------------- */

static void *aligned_zero(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
        return NULL;
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

static int setup_ports(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    LilvWorld *w = h->world;
    LilvNode *audio = lilv_new_uri(w, LV2_CORE__AudioPort);
    LilvNode *control = lilv_new_uri(w, LV2_CORE__ControlPort);
    LilvNode *atom = lilv_new_uri(w, LV2_ATOM__AtomPort);
    LilvNode *cv = lilv_new_uri(w, LV2_CORE__CVPort);
    LilvNode *input = lilv_new_uri(w, LV2_CORE__InputPort);
    LilvNode *optional = lilv_new_uri(w, LV2_CORE__connectionOptional);
    LilvNode *rep_lat = lilv_new_uri(w, LV2_CORE__reportsLatency);
    int rc = 0;
    h->n_ports = lilv_plugin_get_num_ports(h->plugin);
    h->ports = calloc(h->n_ports ? h->n_ports : 1, sizeof *h->ports);
    float *mins = calloc(h->n_ports + 1, sizeof *mins);
    float *maxs = calloc(h->n_ports + 1, sizeof *maxs);
    float *defs = calloc(h->n_ports + 1, sizeof *defs);
    h->audio_in = h->audio_out = h->control_in = h->notify_out = -1;
    h->latency_port = -1;
    if (!h->ports || !mins || !maxs || !defs) {
        rnnamp_seterr(err, errlen, "out of memory");
        rc = -1;
        goto done;
    }
    lilv_plugin_get_port_ranges_float(h->plugin, mins, maxs, defs);
    for (uint32_t i = 0; i < h->n_ports && rc == 0; i++) {
        const LilvPort *lp = lilv_plugin_get_port_by_index(h->plugin, i);
        port *p = &h->ports[i];
        p->symbol = lilv_node_as_string(lilv_port_get_symbol(h->plugin, lp));
        p->is_input = lilv_port_is_a(h->plugin, lp, input);
        p->min = mins[i];
        p->max = maxs[i];
        p->def = defs[i];
        p->has_min = !isnan(mins[i]);
        p->has_max = !isnan(maxs[i]);
        if (lilv_port_is_a(h->plugin, lp, audio)) {
            p->kind = P_AUDIO;
            p->audio = aligned_zero(h->o.max_block * sizeof(float));
            if (!p->audio)
                rc = -1;
            if (p->is_input && h->audio_in < 0)
                h->audio_in = (int)i;
            if (!p->is_input && h->audio_out < 0)
                h->audio_out = (int)i;
        } else if (lilv_port_is_a(h->plugin, lp, control)) {
            p->kind = P_CONTROL;
            p->value = isnan(defs[i]) ? (p->has_min ? mins[i] : 0.0f) : defs[i];
            if (!p->is_input && lilv_port_has_property(h->plugin, lp, rep_lat))
                h->latency_port = (int)i;
        } else if (lilv_port_is_a(h->plugin, lp, atom)) {
            p->kind = P_ATOM;
            p->atom = aligned_zero(SEQ_SIZE);
            if (!p->atom)
                rc = -1;
            if (p->is_input && h->control_in < 0)
                h->control_in = (int)i;
            if (!p->is_input && h->notify_out < 0)
                h->notify_out = (int)i;
        } else if (lilv_port_is_a(h->plugin, lp, cv)) {
            p->kind = P_CV;
            p->audio = aligned_zero(h->o.max_block * sizeof(float));
            if (!p->audio)
                rc = -1;
        } else if (!lilv_port_has_property(h->plugin, lp, optional)) {
            rnnamp_seterr(err, errlen,
                          "port '%s' has a type this host does not "
                          "support",
                          p->symbol);
            rc = -1;
        }
    }
    if (rc == 0 && h->audio_in < 0) {
        rnnamp_seterr(
            err, errlen,
            "plugin <%s> (%s) has no audio input: it is an instrument "
            "or generator, not an effect",
            h->o.plugin_uri, h->name);
        rc = -1;
    } else if (rc == 0 && h->audio_out < 0) {
        rnnamp_seterr(err, errlen,
                      "plugin <%s> (%s) has no audio output (an analyser?)",
                      h->o.plugin_uri, h->name);
        rc = -1;
    } else if (rc != 0 && !err[0]) {
        rnnamp_seterr(err, errlen, "out of memory");
    }
done:
    free(mins);
    free(maxs);
    free(defs);
    lilv_node_free(audio);
    lilv_node_free(control);
    lilv_node_free(atom);
    lilv_node_free(cv);
    lilv_node_free(input);
    lilv_node_free(optional);
    lilv_node_free(rep_lat);
    return rc;
}

static void connect_ports(rnnamp_lv2_host *h)
{
    for (uint32_t i = 0; i < h->n_ports; i++) {
        port *p = &h->ports[i];
        void *buf = NULL;
        switch (p->kind) {
        case P_AUDIO:
        case P_CV: buf = p->audio; break;
        case P_CONTROL: buf = &p->value; break;
        case P_ATOM: buf = p->atom; break;
        default: break;
        }
        lilv_instance_connect_port(h->instance, i, buf);
    }
}

/* lilv crashes on relative folders in LV2_PATH: make them absolute. */
static void absolute_lv2_path(void)
{
    const char *env = getenv("LV2_PATH");
    if (!env || !*env)
        return;
    size_t cap = strlen(env) * 2 + 8192, off = 0;
    char *out = malloc(cap), *copy = strdup(env);
    if (!out || !copy) {
        free(out);
        free(copy);
        return;
    }
    out[0] = '\0';
    for (char *save = NULL, *part = strtok_r(copy, ":", &save); part;
         part = strtok_r(NULL, ":", &save)) {
        char abs[4096];
        const char *use = part;
        if (part[0] != '/' && realpath(part, abs))
            use = abs;
        if (off + strlen(use) + 2 >= cap)
            break;
        off +=
            (size_t)snprintf(out + off, cap - off, "%s%s", off ? ":" : "", use);
    }
    setenv("LV2_PATH", out, 1);
    free(out);
    free(copy);
}

/* ---- the rnnamp bundle without LV2_PATH ---------------------------- */

#ifndef RNNAMP_LV2DIR
#define RNNAMP_LV2DIR "/usr/local/lib/lv2"
#endif
#ifndef RNNAMP_LV2DIR_FROM_BINDIR
#define RNNAMP_LV2DIR_FROM_BINDIR "../lib/lv2"
#endif

enum { OWN_NONE = 0, OWN_BUILD = 1, OWN_INSTALLED = 2 };

/* 1 if dir/rel exists. */
static int exists_in(const char *dir, const char *rel)
{
    char p[PATH_MAX + 64];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s", dir, rel) < (int)sizeof p &&
           stat(p, &st) == 0;
}

/* The folder of LV2 bundles that goes with this program, into out[len]:
 * in a build tree (the executable at most 3 folders below one holding
 * build.ninja and lv2/rnnamp.lv2), its lv2 folder (OWN_BUILD); installed,
 * RNNAMP_LV2DIR_FROM_BINDIR next to the executable, or else RNNAMP_LV2DIR,
 * when it holds rnnamp.lv2 (OWN_INSTALLED); else OWN_NONE. */
static int own_lv2_dir(char *out, size_t len)
{
    char exe[PATH_MAX], d[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        snprintf(d, sizeof d, "%s", exe);
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(d, '/');
            if (!slash || slash == d)
                break;
            *slash = '\0';
            if (up > 0 && exists_in(d, "build.ninja") &&
                exists_in(d, "lv2/rnnamp.lv2/manifest.ttl") &&
                snprintf(out, len, "%s/lv2", d) < (int)len)
                return OWN_BUILD;
        }
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (snprintf(d, sizeof d, "%s/%s", exe, RNNAMP_LV2DIR_FROM_BINDIR) <
                    (int)sizeof d &&
                exists_in(d, "rnnamp.lv2/manifest.ttl") && len >= PATH_MAX &&
                realpath(d, out))
                return OWN_INSTALLED;
        }
    }
    if (exists_in(RNNAMP_LV2DIR, "rnnamp.lv2/manifest.ttl")) {
        snprintf(out, len, "%s", RNNAMP_LV2DIR);
        return OWN_INSTALLED;
    }
    return OWN_NONE;
}

/* Load every bundle (*.lv2 folder) of dir into the world. */
static void load_bundles_in(LilvWorld *w, const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return;
    for (struct dirent *de; (de = readdir(dd));) {
        const size_t l = strlen(de->d_name);
        char b[PATH_MAX + 300];
        if (de->d_name[0] == '.' || l < 4 || strcmp(de->d_name + l - 4, ".lv2"))
            continue;
        /* a bundle URI ends in '/' */
        if (snprintf(b, sizeof b, "%s/%s/", dir, de->d_name) >= (int)sizeof b)
            continue;
        LilvNode *u = lilv_new_file_uri(w, NULL, b);
        if (u)
            lilv_world_load_bundle(w, u);
        lilv_node_free(u);
    }
    closedir(dd);
}

/* Load the LV2 world: LV2_PATH when set; otherwise lilv's default folders
 * and the bundles that go with this program (own_lv2_dir): a build tree's
 * before the default folders (it wins over an installed copy), an
 * installed one when the default folders lack rnnamp. Writes the folder
 * used into own[len] ("" none). */
static void load_world(LilvWorld *w, char *own, size_t len)
{
    const char *env = getenv("LV2_PATH");
    own[0] = '\0';
    const int kind = env && *env ? OWN_NONE : own_lv2_dir(own, len);
    if (kind == OWN_BUILD)
        load_bundles_in(w, own);
    lilv_world_load_all(w);
    if (kind != OWN_INSTALLED)
        return;
    LilvNode *uri = lilv_new_uri(w, RNNAMP_URI);
    if (!lilv_plugins_get_by_uri(lilv_world_get_all_plugins(w), uri))
        load_bundles_in(w, own);
    lilv_node_free(uri);
}

/* Instantiate, start the worker thread if asked, connect and activate. */
static int start_instance(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    h->instance = lilv_plugin_instantiate(h->plugin, h->o.rate, h->features);
    if (!h->instance) {
        rnnamp_seterr(
            err, errlen,
            "plugin <%s> (%s) failed to instantiate at %g Hz (see its "
            "messages above)",
            h->o.plugin_uri, h->name, h->o.rate);
        return -1;
    }
    h->iface =
        lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
    if (h->o.threaded_worker && h->iface) {
        h->stopping = 0;
        if (pthread_create(&h->thread, NULL, worker_main, h) != 0) {
            rnnamp_seterr(err, errlen, "cannot start the worker thread");
            return -1;
        }
        h->thread_running = 1;
    }
    connect_ports(h);
    lilv_instance_activate(h->instance);
    return 0;
}

/* Stop the worker thread, hand over its last answers (so the plugin can
 * free what they carry), deactivate and free the instance. */
static void stop_instance(rnnamp_lv2_host *h)
{
    if (h->thread_running) {
        pthread_mutex_lock(&h->wlock);
        h->stopping = 1;
        pthread_cond_broadcast(&h->wcond);
        pthread_mutex_unlock(&h->wlock);
        pthread_join(h->thread, NULL);
        h->thread_running = 0;
    }
    if (h->instance) {
        wmsg *list = h->responses;
        h->responses = NULL;
        while (list) {
            wmsg *m = list;
            list = m->next;
            if (h->iface && h->iface->work_response)
                h->iface->work_response(lilv_instance_get_handle(h->instance),
                                        m->size, m->data);
            free(m);
        }
        lilv_instance_deactivate(h->instance);
        lilv_instance_free(h->instance);
        h->instance = NULL;
        h->iface = NULL;
    }
}

/* Step 1: the host struct with its options, locks and callbacks. */
static rnnamp_lv2_host *host_alloc(const rnnamp_lv2_host_opts *opts, char *err,
                                   size_t errlen)
{
    rnnamp_lv2_host *h = calloc(1, sizeof *h);
    if (!h) {
        rnnamp_seterr(err, errlen, "out of memory");
        return NULL;
    }
    h->o = *opts;
    if (!h->o.plugin_uri)
        h->o.plugin_uri = RNNAMP_URI;
    if (!h->o.max_block)
        h->o.max_block = 8192;
    if (!(h->o.rate > 0.0) || h->o.rate > 1e6) {
        rnnamp_seterr(err, errlen, "bad sample rate %g", h->o.rate);
        free(h);
        return NULL;
    }
    pthread_mutex_init(&h->map_lock, NULL);
    pthread_mutex_init(&h->wlock, NULL);
    pthread_cond_init(&h->wcond, NULL);
    h->map.handle = h;
    h->map.map = map_uri;
    h->unmap.handle = h;
    h->unmap.unmap = unmap_uri;
    h->log.handle = h;
    h->log.printf = log_printf;
    h->log.vprintf = log_vprintf;
    h->schedule.handle = h;
    h->schedule.schedule_work = schedule_work;
    return h;
}

/* Step 2: the URIDs the host itself uses, and its forge. */
static void map_urids(rnnamp_lv2_host *h)
{
    h->u_path = map_uri(h, LV2_ATOM__Path);
    h->u_string = map_uri(h, LV2_ATOM__String);
    h->u_urid = map_uri(h, LV2_ATOM__URID);
    h->u_seq = map_uri(h, LV2_ATOM__Sequence);
    h->u_chunk = map_uri(h, LV2_ATOM__Chunk);
    h->u_object = map_uri(h, LV2_ATOM__Object);
    h->u_set = map_uri(h, LV2_PATCH__Set);
    h->u_get = map_uri(h, LV2_PATCH__Get);
    h->u_property = map_uri(h, LV2_PATCH__property);
    h->u_value = map_uri(h, LV2_PATCH__value);
    h->u_subject = map_uri(h, LV2_PATCH__subject);
    h->u_int = map_uri(h, LV2_ATOM__Int);
    h->u_float = map_uri(h, LV2_ATOM__Float);
    h->u_midi = map_uri(h, LV2_MIDI__MidiEvent);
    lv2_atom_forge_init(&h->forge, &h->map);
}

/* Step 3: the options and the features offered to the plugin. */
static void setup_features(rnnamp_lv2_host *h)
{
    h->opt_rate = (float)h->o.rate;
    h->opt_min = 1;
    h->opt_max = (int32_t)h->o.max_block;
    h->opt_nominal = (int32_t)(h->o.max_block < 256 ? h->o.max_block : 256);
    h->opt_seq = (int32_t)SEQ_SIZE;
    LV2_Options_Option o[6] = {
        {LV2_OPTIONS_INSTANCE, 0, map_uri(h, LV2_PARAMETERS__sampleRate),
         sizeof(float), h->u_float, &h->opt_rate},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(h, LV2_BUF_SIZE__minBlockLength),
         sizeof(int32_t), h->u_int, &h->opt_min},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(h, LV2_BUF_SIZE__maxBlockLength),
         sizeof(int32_t), h->u_int, &h->opt_max},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(h, LV2_BUF_SIZE__nominalBlockLength),
         sizeof(int32_t), h->u_int, &h->opt_nominal},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(h, LV2_BUF_SIZE__sequenceSize),
         sizeof(int32_t), h->u_int, &h->opt_seq},
        {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL}};
    memcpy(h->options, o, sizeof o);
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->f_sched = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
    h->f_opts = (LV2_Feature){LV2_OPTIONS__options, h->options};
    h->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    h->f_rt = (LV2_Feature){LV2_CORE__hardRTCapable, NULL};
    const LV2_Feature *f[8] = {&h->f_map,   &h->f_unmap, &h->f_log,
                               &h->f_sched, &h->f_opts,  &h->f_bounded,
                               &h->f_rt,    NULL};
    memcpy(h->features, f, sizeof f);
}

/* Step 4: the LV2 world (plus extra_bundle) and the plugin in it. */
static int find_plugin(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    absolute_lv2_path();
    h->world = lilv_world_new();
    if (!h->world) {
        rnnamp_seterr(err, errlen, "cannot create the LV2 world");
        return -1;
    }
    char own[PATH_MAX];
    load_world(h->world, own, sizeof own);
    if (h->o.extra_bundle && *h->o.extra_bundle) {
        /* a bundle URI must end in '/' */
        char path[4200];
        size_t l = strlen(h->o.extra_bundle);
        snprintf(path, sizeof path, "%s%s", h->o.extra_bundle,
                 h->o.extra_bundle[l - 1] == '/' ? "" : "/");
        LilvNode *b = lilv_new_file_uri(h->world, NULL, path);
        if (b)
            lilv_world_load_bundle(h->world, b);
        lilv_node_free(b);
    }
    LilvNode *uri = lilv_new_uri(h->world, h->o.plugin_uri);
    h->plugin =
        uri ? lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world), uri)
            : NULL;
    lilv_node_free(uri);
    if (!h->plugin) {
        rnnamp_seterr(err, errlen,
                      "no such LV2 plugin is installed: <%s> (run lv2ls to "
                      "list them, or set LV2_PATH; now %s%s%s)",
                      h->o.plugin_uri,
                      getenv("LV2_PATH") ? getenv("LV2_PATH") : "unset",
                      own[0] ? "; also looked in " : "", own);
        return -1;
    }
    snprintf(h->name, sizeof h->name, "%s", h->o.plugin_uri);
    LilvNode *name = lilv_plugin_get_name(h->plugin);
    if (name)
        snprintf(h->name, sizeof h->name, "%s", lilv_node_as_string(name));
    lilv_node_free(name);
    return 0;
}

/* Step 5: refuse a plugin that requires a feature we do not provide. */
static int check_required_features(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    int rc = 0;
    LilvNodes *req = lilv_plugin_get_required_features(h->plugin);
    LILV_FOREACH(nodes, i, req)
    {
        const char *r = lilv_node_as_uri(lilv_nodes_get(req, i));
        int have = 0;
        for (int k = 0; h->features[k]; k++)
            if (!strcmp(h->features[k]->URI, r))
                have = 1;
        if (!have) {
            rnnamp_seterr(err, errlen,
                          "plugin <%s> requires feature <%s>, which "
                          "this host does not provide",
                          h->o.plugin_uri, r);
            rc = -1;
            break;
        }
    }
    lilv_nodes_free(req);
    return rc;
}

rnnamp_lv2_host *rnnamp_lv2_host_new(const rnnamp_lv2_host_opts *opts,
                                     char *err, size_t errlen)
{
    rnnamp_lv2_host *h = host_alloc(opts, err, errlen);
    if (!h)
        return NULL;
    map_urids(h);
    setup_features(h);
    if (find_plugin(h, err, errlen) != 0 ||
        check_required_features(h, err, errlen) != 0 ||
        setup_ports(h, err, errlen) != 0)
        goto fail;
    h->silence = aligned_zero(h->o.max_block * sizeof(float));
    h->scratch = aligned_zero(h->o.max_block * sizeof(float));
    h->pending = aligned_zero(SEQ_SIZE);
    h->req_ring = aligned_zero(REQ_RING);
    if (!h->silence || !h->scratch || !h->pending || !h->req_ring) {
        rnnamp_seterr(err, errlen, "out of memory");
        goto fail;
    }
    if (start_instance(h, err, errlen) != 0)
        goto fail;
    return h;
fail:
    rnnamp_lv2_host_free(h);
    return NULL;
}

int rnnamp_lv2_host_reinstantiate(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    if (h->o.threaded_worker) {
        rnnamp_seterr(err, errlen,
                      "reinstantiate: needs the synchronous worker");
        return -1;
    }
    stop_instance(h);
    h->pending_len = 0;
    memset(h->props, 0, sizeof h->props);
    return start_instance(h, err, errlen);
}

void rnnamp_lv2_host_free(rnnamp_lv2_host *h)
{
    if (!h)
        return;
    stop_instance(h);
    for (uint32_t i = 0; h->ports && i < h->n_ports; i++) {

        free(h->ports[i].audio);
        free(h->ports[i].atom);
    }
    free(h->ports);
    free(h->silence);
    free(h->scratch);
    free(h->pending);
    free(h->req_ring);
    if (h->world)
        lilv_world_free(h->world);
    for (uint32_t i = 0; i < h->n_uris; i++)
        free(h->uris[i]);
    free(h->uris);
    pthread_mutex_destroy(&h->map_lock);
    pthread_mutex_destroy(&h->wlock);
    pthread_cond_destroy(&h->wcond);
    free(h);
}

/* ---- controls ------------------------------------------------------ */

static port *find_port(const rnnamp_lv2_host *h, const char *sym)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (!strcmp(h->ports[i].symbol, sym))
            return &h->ports[i];
    return NULL;
}

int rnnamp_lv2_host_set_control(rnnamp_lv2_host *h, const char *sym, float val,
                                char *err, size_t errlen)
{
    port *p = find_port(h, sym);
    if (!p || p->kind != P_CONTROL || !p->is_input) {
        size_t off = (size_t)snprintf(
            err, errlen, "unknown control port '%s'; the plugin has:", sym);
        for (uint32_t i = 0; i < h->n_ports && off < errlen; i++)
            if (h->ports[i].kind == P_CONTROL && h->ports[i].is_input)
                off += (size_t)snprintf(err + off, errlen - off, " %s",
                                        h->ports[i].symbol);
        return -1;
    }
    if (!isfinite(val) || (p->has_min && val < p->min) ||
        (p->has_max && val > p->max)) {
        rnnamp_seterr(err, errlen, "value %g for '%s' is out of range %g..%g",
                      val, sym, p->has_min ? p->min : -INFINITY,
                      p->has_max ? p->max : INFINITY);
        return -1;
    }
    p->value = val;
    return 0;
}

int rnnamp_lv2_host_get_control(const rnnamp_lv2_host *h, const char *sym,
                                float *val)
{
    port *p = find_port(h, sym);
    if (!p || p->kind != P_CONTROL)
        return -1;
    *val = p->value;
    return 0;
}

const char *rnnamp_lv2_host_name(const rnnamp_lv2_host *h)
{
    return h->name;
}

const char *rnnamp_lv2_host_control_input(const rnnamp_lv2_host *h, int i)
{
    for (uint32_t k = 0; k < h->n_ports; k++)
        if (h->ports[k].kind == P_CONTROL && h->ports[k].is_input && i-- == 0)
            return h->ports[k].symbol;
    return NULL;
}

int rnnamp_lv2_host_control_range(const rnnamp_lv2_host *h, const char *sym,
                                  float *min, float *max, float *def)
{
    const port *p = find_port(h, sym);
    if (!p || p->kind != P_CONTROL || !p->is_input)
        return -1;
    *min = p->has_min ? p->min : NAN;
    *max = p->has_max ? p->max : NAN;
    *def = p->def;
    return 0;
}

uint32_t rnnamp_lv2_host_latency(const rnnamp_lv2_host *h)
{
    if (h->latency_port < 0)
        return 0;
    float v = h->ports[h->latency_port].value;
    return v > 0.0f && isfinite(v) ? (uint32_t)lrintf(v) : 0;
}

/* ---- atom messages ------------------------------------------------- */

static int queue_room(rnnamp_lv2_host *h, char *err, size_t errlen)
{
    if (h->control_in < 0) {
        rnnamp_seterr(err, errlen,
                      "plugin <%s> has no atom control input for "
                      "patch messages",
                      h->o.plugin_uri);
        return -1;
    }
    if (h->pending_len == 0) {
        lv2_atom_forge_set_buffer(&h->forge, h->pending, SEQ_SIZE);
        lv2_atom_forge_sequence_head(&h->forge, &h->seq_frame, 0);
    } else {
        /* continue the sequence where we left off */
        lv2_atom_forge_set_buffer(&h->forge, h->pending, SEQ_SIZE);
        h->forge.offset = h->pending_len;
        /* a buffer forge's ref is the atom's address (buf + offset), as
         * lv2_atom_forge_raw returns it: the sequence is at offset 0 */
        lv2_atom_forge_push(&h->forge, &h->seq_frame,
                            (LV2_Atom_Forge_Ref)h->pending);
    }
    return 0;
}

static void queue_done(rnnamp_lv2_host *h)
{
    h->pending_len = h->forge.offset;
    lv2_atom_forge_pop(&h->forge, &h->seq_frame);
}

int rnnamp_lv2_host_set_path(rnnamp_lv2_host *h, const char *prop_uri,
                             const char *path, char *err, size_t errlen)
{
    return rnnamp_lv2_host_set_path_of(h, NULL, prop_uri, path, err, errlen);
}

int rnnamp_lv2_host_set_path_of(rnnamp_lv2_host *h, const char *subject_uri,
                                const char *prop_uri, const char *path,
                                char *err, size_t errlen)
{
    if (queue_room(h, err, errlen) != 0)
        return -1;
    if (h->pending_len + strlen(path) + 256 > SEQ_SIZE) {
        rnnamp_seterr(err, errlen, "too many messages queued");
        return -1;
    }
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(&h->forge, 0);
    lv2_atom_forge_object(&h->forge, &frame, 0, h->u_set);
    if (subject_uri) {
        lv2_atom_forge_key(&h->forge, h->u_subject);
        lv2_atom_forge_urid(&h->forge, map_uri(h, subject_uri));
    }
    lv2_atom_forge_key(&h->forge, h->u_property);
    lv2_atom_forge_urid(&h->forge, map_uri(h, prop_uri));
    lv2_atom_forge_key(&h->forge, h->u_value);
    lv2_atom_forge_path(&h->forge, path, (uint32_t)strlen(path) + 1);
    lv2_atom_forge_pop(&h->forge, &frame);
    queue_done(h);
    return 0;
}

int rnnamp_lv2_host_send_midi(rnnamp_lv2_host *h, const uint8_t *msg,
                              uint32_t size, char *err, size_t errlen)
{
    if (queue_room(h, err, errlen) != 0)
        return -1;
    if (size == 0 || size > 256 || h->pending_len + size + 64 > SEQ_SIZE) {
        rnnamp_seterr(err, errlen, "MIDI message of %u bytes does not fit",
                      size);
        return -1;
    }
    lv2_atom_forge_frame_time(&h->forge, 0);
    lv2_atom_forge_atom(&h->forge, size, h->u_midi);
    lv2_atom_forge_write(&h->forge, msg, size);
    queue_done(h);
    return 0;
}

void rnnamp_lv2_host_get_all(rnnamp_lv2_host *h)
{
    char err[64];
    if (queue_room(h, err, sizeof err) != 0 || h->pending_len + 64 > SEQ_SIZE)
        return;
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(&h->forge, 0);
    lv2_atom_forge_object(&h->forge, &frame, 0, h->u_get);
    lv2_atom_forge_pop(&h->forge, &frame);
    queue_done(h);
}

static void remember(rnnamp_lv2_host *h, LV2_URID prop, const char *s,
                     uint32_t len)
{
    prop_value *slot = NULL;
    for (int i = 0; i < MAX_PROPS && !slot; i++)
        if (h->props[i].prop == prop || h->props[i].prop == 0)
            slot = &h->props[i];
    if (!slot)
        return;
    slot->prop = prop;
    if (len >= PROP_LEN)
        len = PROP_LEN - 1;
    memcpy(slot->value, s, len);
    slot->value[len] = '\0';
    slot->serial = ++h->serial;
}

static void read_notify(rnnamp_lv2_host *h)
{
    if (h->notify_out < 0)
        return;
    const LV2_Atom_Sequence *seq = h->ports[h->notify_out].atom;
    if (seq->atom.type != h->u_seq ||
        seq->atom.size > SEQ_SIZE - sizeof(LV2_Atom))
        return;
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        if (ev->body.type != h->u_object)
            continue;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype != h->u_set)
            continue;
        const LV2_Atom *property = NULL, *value = NULL;
        lv2_atom_object_get(obj, h->u_property, &property, h->u_value, &value,
                            0);
        if (!property || property->type != h->u_urid || !value)
            continue;
        if (value->type != h->u_string && value->type != h->u_path)
            continue;
        const char *s = LV2_ATOM_BODY_CONST(value);
        uint32_t len = (uint32_t)strnlen(s, value->size);
        remember(h, ((const LV2_Atom_URID *)property)->body, s, len);
    }
}

const char *rnnamp_lv2_host_property(const rnnamp_lv2_host *h,
                                     const char *prop_uri)
{
    LV2_URID u = map_uri((rnnamp_lv2_host *)h, prop_uri);
    for (int i = 0; i < MAX_PROPS; i++)
        if (h->props[i].prop == u)
            return h->props[i].value;
    return NULL;
}

static unsigned long prop_serial(const rnnamp_lv2_host *h, LV2_URID u)
{
    for (int i = 0; i < MAX_PROPS; i++)
        if (h->props[i].prop == u)
            return h->props[i].serial;
    return 0;
}

/* ---- running ------------------------------------------------------- */

/* Fill the audio inputs: in[k] (NULL: silence) for the k-th audio input
 * in port order (k < n_in; later ones silent), or, with mono, in[0] for
 * the first (every one with mono_to_all_inputs). */
static void fill_inputs(rnnamp_lv2_host *h, const float *const *in, int n_in,
                        int mono, uint32_t n)
{
    int k = 0;
    for (uint32_t i = 0; i < h->n_ports; i++) {
        port *p = &h->ports[i];
        if (p->kind != P_AUDIO || !p->is_input)
            continue;
        const float *src = NULL;
        if (!mono)
            src = k < n_in ? in[k] : NULL;
        else if ((int)i == h->audio_in || h->o.mono_to_all_inputs)
            src = in[0];
        else
            continue;
        k++;
        if (src)
            memcpy(p->audio, src, n * sizeof *src);
        else
            memset(p->audio, 0, n * sizeof *src);
    }
}

/* Copy the k-th audio output (port order) into out[k] (NULL: skip), k <
 * n_out. */
static void read_outputs(rnnamp_lv2_host *h, float *const *out, int n_out,
                         uint32_t n)
{
    int k = 0;
    for (uint32_t i = 0; i < h->n_ports && k < n_out; i++) {
        port *p = &h->ports[i];
        if (p->kind != P_AUDIO || p->is_input)
            continue;
        if (out[k])
            memcpy(out[k], p->audio, n * sizeof *out[k]);
        k++;
    }
}

/* One block; mono: in[0] and out[0] as rnnamp_lv2_host_run. */
static int run_io(rnnamp_lv2_host *h, const float *const *in, int n_in,
                  float *const *out, int n_out, int mono, uint32_t n)
{
    if (n > h->o.max_block || !h->instance) /* a failed reinstantiate */
        return -1;
    deliver_responses(h);
    fill_inputs(h, in, n_in, mono, n);
    for (uint32_t i = 0; i < h->n_ports; i++) {
        port *p = &h->ports[i];
        if (p->kind != P_ATOM)
            continue;
        if (p->is_input) {
            if ((int)i == h->control_in && h->pending_len) {
                memcpy(p->atom, h->pending, h->pending_len);
                h->pending_len = 0;
            } else {
                p->atom->atom.type = h->u_seq;
                p->atom->atom.size = sizeof(LV2_Atom_Sequence_Body);
                p->atom->body.unit = 0;
                p->atom->body.pad = 0;
            }
        } else {
            p->atom->atom.type = h->u_chunk;
            p->atom->atom.size = SEQ_SIZE - sizeof(LV2_Atom);
        }
    }
    if (h->o.run_hook)
        h->o.run_hook(h->o.run_hook_ctx, 1);
    lilv_instance_run(h->instance, n);
    if (h->o.run_hook)
        h->o.run_hook(h->o.run_hook_ctx, 0);
    read_outputs(h, out, n_out, n);
    read_notify(h);
    return 0;
}

int rnnamp_lv2_host_run(rnnamp_lv2_host *h, const float *in, float *out,
                        uint32_t n)
{
    /* the first audio output: the first in port order */
    return run_io(h, &in, 1, &out, 1, 1, n);
}

int rnnamp_lv2_host_run_channels(rnnamp_lv2_host *h, const float *const *in,
                                 int n_in, float *const *out, int n_out,
                                 uint32_t n)
{
    return run_io(h, in, n_in, out, n_out, 0, n);
}

void rnnamp_lv2_host_audio_ports(const rnnamp_lv2_host *h, int *n_in,
                                 int *n_out)
{
    *n_in = *n_out = 0;
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (h->ports[i].kind == P_AUDIO)
            ++*(h->ports[i].is_input ? n_in : n_out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

long rnnamp_lv2_host_wait_property(rnnamp_lv2_host *h, const char *prop_uri,
                                   uint32_t block, double timeout_s)
{
    LV2_URID u = map_uri(h, prop_uri);
    unsigned long before = prop_serial(h, u);
    long ran = 0;
    double t0 = now_s();
    if (block == 0 || block > h->o.max_block)
        block = h->o.max_block < 256 ? h->o.max_block : 256;
    for (int i = 0;; i++) {
        rnnamp_lv2_host_run(h, NULL, h->scratch, block);
        ran += block;
        if (prop_serial(h, u) != before)
            return ran;
        if (h->thread_running) {
            if (now_s() - t0 > timeout_s)
                return -1;
            rnnamp_lv2_host_worker_idle(h);
        } else if (i >= 1000) {
            return -1;
        }
    }
}

/* ---- presets and state --------------------------------------------- */

static void set_port_value(const char *sym, void *user, const void *value,
                           uint32_t size, uint32_t type)
{
    rnnamp_lv2_host *h = user;
    port *p = find_port(h, sym);
    if (!p || p->kind != P_CONTROL || !p->is_input)
        return;
    if (type == h->u_float && size == sizeof(float))
        p->value = *(const float *)value;
    else if (type == h->u_int && size == sizeof(int32_t))
        p->value = (float)*(const int32_t *)value;
    else if (type == map_uri(h, LV2_ATOM__Double) && size == sizeof(double))
        p->value = (float)*(const double *)value;
}

static const void *get_port_value(const char *sym, void *user, uint32_t *size,
                                  uint32_t *type)
{
    rnnamp_lv2_host *h = user;
    port *p = find_port(h, sym);
    if (!p || p->kind != P_CONTROL || !p->is_input) {
        *size = *type = 0;
        return NULL;
    }
    *size = sizeof(float);
    *type = h->u_float;
    return &p->value;
}

/* What rnnamp_lv2_host_state_value collects. */
typedef struct {
    const rnnamp_lv2_host *h;
    LV2_URID key;
    char *buf;
    size_t len;
    int found;
} state_peek;

static LV2_State_Status peek_store(LV2_State_Handle handle, uint32_t key,
                                   const void *value, size_t size,
                                   uint32_t type, uint32_t flags)
{
    (void)flags;
    state_peek *pk = handle;
    if (key == pk->key && type == pk->h->u_int && size == sizeof(int32_t) &&
        pk->len) {
        int32_t v;
        memcpy(&v, value, sizeof v);
        snprintf(pk->buf, pk->len, "%d", (int)v);
        pk->found = 1;
        return LV2_STATE_SUCCESS;
    }
    if (key != pk->key || (type != pk->h->u_path && type != pk->h->u_string) ||
        !pk->len)
        return LV2_STATE_SUCCESS;
    size_t n = strnlen(value, size);
    if (n >= pk->len)
        n = pk->len - 1;
    memcpy(pk->buf, value, n);
    pk->buf[n] = '\0';
    pk->found = 1;
    return LV2_STATE_SUCCESS;
}

int rnnamp_lv2_host_state_value(rnnamp_lv2_host *h, const char *prop_uri,
                                char *buf, size_t len)
{
    const LV2_State_Interface *st =
        h->instance ? lilv_instance_get_extension_data(h->instance,
                                                       LV2_STATE__interface)
                    : NULL;
    if (!st || !st->save)
        return -1;
    state_peek pk = {h, map_uri(h, prop_uri), buf, len, 0};
    const LV2_Feature *f[1] = {NULL};
    if (len)
        buf[0] = '\0';
    st->save(lilv_instance_get_handle(h->instance), peek_store, &pk,
             LV2_STATE_IS_POD, f);
    return pk.found ? 0 : 1;
}

/* Apply a state; responses of a synchronous or threaded worker are picked
 * up by the next run. */
static int restore(rnnamp_lv2_host *h, LilvState *state, int with_worker)
{
    const LV2_Feature *f[4] = {&h->f_map, &h->f_log, NULL, NULL};
    if (with_worker)
        f[2] = &h->f_sched;
    lilv_state_restore(state, h->instance, set_port_value, h, 0, f);
    return 0;
}

int rnnamp_lv2_host_apply_preset(rnnamp_lv2_host *h, const char *uri, char *err,
                                 size_t errlen)
{
    LilvNode *node = lilv_new_uri(h->world, uri);
    if (node)
        lilv_world_load_resource(h->world, node); /* the preset's own file */
    LilvState *state =
        node ? lilv_state_new_from_world(h->world, &h->map, node) : NULL;
    if (!state) {
        /* list the presets we know for this plugin */
        size_t off = (size_t)snprintf(
            err, errlen, "unknown preset <%s>; presets for <%s>:", uri,
            h->o.plugin_uri);
        LilvNode *pset = lilv_new_uri(h->world, LV2_PRESETS__Preset);
        LilvNodes *presets = lilv_plugin_get_related(h->plugin, pset);
        LILV_FOREACH(nodes, i, presets)
        {
            if (off < errlen)
                off += (size_t)snprintf(
                    err + off, errlen - off, " <%s>",
                    lilv_node_as_uri(lilv_nodes_get(presets, i)));
        }
        lilv_nodes_free(presets);
        lilv_node_free(pset);
        lilv_node_free(node);
        return -1;
    }
    lilv_node_free(node);
    restore(h, state, 1);
    lilv_state_free(state);
    return 0;
}

int rnnamp_lv2_host_save_state(rnnamp_lv2_host *h, const char *dir, char *err,
                               size_t errlen)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rnnamp_seterr(err, errlen, "cannot create %s: %s", dir,
                      strerror(errno));
        return -1;
    }
    const LV2_Feature *f[3] = {&h->f_map, &h->f_log, NULL};
    LilvState *state = lilv_state_new_from_instance(
        h->plugin, h->instance, &h->map, NULL, dir, dir, dir, get_port_value, h,
        LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, f);
    if (!state) {
        rnnamp_seterr(err, errlen, "could not take the plugin's state");
        return -1;
    }
    int rc = lilv_state_save(h->world, &h->map, &h->unmap, state, NULL, dir,
                             "state.ttl");
    lilv_state_free(state);
    if (rc != 0) {
        rnnamp_seterr(err, errlen, "could not write the state to %s", dir);
        return -1;
    }
    return 0;
}

int rnnamp_lv2_host_restore_state(rnnamp_lv2_host *h, const char *dir,
                                  int with_worker, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/state.ttl", dir);
    LilvState *state = lilv_state_new_from_file(h->world, &h->map, NULL, path);
    if (!state) {
        rnnamp_seterr(err, errlen, "cannot read a state from %s", path);
        return -1;
    }
    restore(h, state, with_worker);
    lilv_state_free(state);
    return 0;
}
