/* rnnamp-render: run the rnnamp LV2 plugin (or any LV2 plugin) over a file.
 *
 *   rnnamp-render [--plugin URI] [--preset URI | --model FILE |
 *                 --model-dir DIR] [--ir FILE] [--set sym=val ...] [--rate R]
 * [--block N]
 *                 [--threaded-worker] [--quiet] in.wav out.wav
 *
 * An offline host on lilv (src/host/lv2_host.h). The plugin runs at --rate
 * (default: the input file's rate; the file must be at that rate). A model
 * (and a cabinet IR, --ir) is sent as a patch:Set on the control input, as
 * a real host does; so is a model folder (--model-dir), whose program the
 * `program` port chooses (--set program=K: its K-th loadable model file in
 * name order); the tool then runs silence until the plugin reports
 * its status (with the IR in, when one was given), then 0.5 s
 * more (crossfade and DC blocker settle), and only then renders the file. The
 * output (32-bit float WAV, at the same rate) is written atomically and is
 * not delayed: the plugin's reported latency is compensated.
 *
 * Channels: a plugin with one audio input gets the file's first channel and
 * its first audio output is written (mono). A plugin with several inputs
 * (the stereo rnnamp, a stereo effect) gets channel k on input k, or a mono
 * file on every input as a host's mono track would feed it, and every audio
 * output is written, one channel each.
 *
 * Exit status: 0 on success, 1 on any error (message on stderr; for a model
 * or IR that fails to load, the plugin's status text).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "cli.h"
#include "lv2_host.h"
#include "model.h"

#define MAX_SETS 32
/* Audio ports rnnamp-render feeds and writes at most. */
#define RNNAMP_RENDER_MAX_CH 8
/* Silence run after the model is in so that the plugin's 50 ms crossfade
 * from dry is over and the DC blocker (5 Hz, 32 ms time constant) has
 * settled on the model's output offset before the file starts. */
#define SETTLE_SECONDS 0.5

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rnnamp-render [--plugin URI]\n"
        "                     [--preset URI | --model FILE | --model-dir "
        "DIR]\n"
        "                     [--ir FILE] [--set sym=val ...] [--rate R] "
        "[--block N]\n"
        "                     [--threaded-worker] [--quiet] in.wav "
        "out.wav\n"
        "  --plugin URI       LV2 plugin to run (default %s)\n"
        "  --preset URI       apply an LV2 preset (port values and state)\n"
        "  --model FILE       model file for the rnnamp plugin (patch:Set)\n"
        "  --model-dir DIR    model folder for the rnnamp plugin (patch:Set);\n"
        "                     --set program=K plays its K-th loadable model\n"
        "                     file in name order (default 0)\n"
        "  --ir FILE          cabinet IR for the rnnamp plugin (patch:Set; "
        "WAV,\n"
        "                     FLAC, AIFF, OGG; first channel; resampled to\n"
        "                     the rate, unit energy); rendering starts once\n"
        "                     it is in\n"
        "  --set sym=val      set a control port, e.g. --set "
        "input_gain=-6\n"
        "  --rate R           host sample rate; the input must be at R Hz\n"
        "  --block N          block length 1..8192 (default 256)\n"
        "  --threaded-worker  run the plugin's worker in its own thread\n"
        "  --quiet            do not print the plugin's notes\n"
        "A plugin with several audio inputs (the #stereo rnnamp) gets channel "
        "k of\nin.wav on input k (a mono file on all) and all its outputs "
        "are written.\n",
        RNNAMP_URI);
}

#define PROG "rnnamp-render"

typedef struct {
    const char *plugin, *preset, *model, *model_dir, *ir;
    const char *sets[MAX_SETS];
    int n_sets, threaded, quiet;
    double rate; /* 0: the input file's */
    int block;
    const char *in, *out;
} render_args;

#define OFF(f) offsetof(render_args, f)

static const cli_option option_table[] = {
    {"plugin", 0, CLI_STRING, 0, 0, OFF(plugin), 0},
    {"preset", 0, CLI_STRING, 0, 0, OFF(preset), 0},
    {"model", 0, CLI_STRING, 0, 0, OFF(model), 0},
    {"model-dir", 0, CLI_STRING, 0, 0, OFF(model_dir), 0},
    {"ir", 0, CLI_STRING, 0, 0, OFF(ir), 0},
    {"set", 0, CLI_CALL, 0, 0, 0, 0},
    {"rate", 0, CLI_DOUBLE, 8000.0, 768000.0, OFF(rate), 0},
    {"block", 0, CLI_INT, 1, 8192, OFF(block), 0},
    {"threaded-worker", 0, CLI_FLAG, 0, 0, OFF(threaded), 0},
    {"quiet", 0, CLI_FLAG, 0, 0, OFF(quiet), 0},
    {NULL, 0, CLI_FLAG, 0, 0, 0, 0},
};

/* --set sym=val (repeatable; checked once the plugin is loaded). */
static int on_set(void *dst, const cli_option *opt, const char *arg, int argc,
                  char **argv)
{
    (void)opt;
    (void)argc;
    (void)argv;
    render_args *a = dst;
    if (a->n_sets == MAX_SETS) {
        fprintf(stderr, PROG ": too many --set (max %d)\n", MAX_SETS);
        return -1;
    }
    a->sets[a->n_sets++] = arg;
    return 0;
}

/* Returns 0 ok, 1 help printed, -1 error. */
static int parse_args(int argc, char **argv, render_args *a)
{
    memset(a, 0, sizeof *a);
    a->block = 256;
    int r = cli_parse(PROG, option_table, a, on_set, argc, argv);
    if (r > 0)
        usage(stdout);
    if (r)
        return r;
    if (argc - optind > 2) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind + 2]);
        return -1;
    }
    if (argc - optind != 2) {
        usage(stderr);
        return -1;
    }
    a->in = argv[optind];
    a->out = argv[optind + 1];
    if (!!a->preset + !!a->model + !!a->model_dir > 1) {
        fprintf(stderr,
                PROG ": give one of --preset, --model and --model-dir\n");
        return -1;
    }
    DIR *d = a->model_dir ? opendir(a->model_dir) : NULL;
    if (a->model_dir && !d) {
        fprintf(stderr, PROG ": --model-dir %s: %s\n", a->model_dir,
                strerror(errno));
        return -1;
    }
    if (d)
        closedir(d);
    FILE *f = a->model ? fopen(a->model, "rb") : NULL;
    if (a->model && !f) {
        fprintf(stderr, PROG ": --model %s: %s\n", a->model, strerror(errno));
        return -1;
    }
    if (f)
        fclose(f);
    return 0;
}

/* The input file, which must be at --rate (when given; a->rate becomes
 * the file's rate otherwise). Returns 0, or -1 after a message. */
static int read_input(render_args *a, rnnamp_audio *in)
{
    char err[RNNAMP_ERR_LEN];
    if (rnnamp_audio_read(a->in, in, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    if (a->rate == 0.0)
        a->rate = in->rate;
    if (fabs(a->rate - in->rate) > 0.5) {
        fprintf(stderr,
                PROG ": %s is at %d Hz but --rate is %g; resample the file "
                     "first (e.g. sox in.wav -r %g out.wav)\n",
                a->in, in->rate, a->rate, a->rate);
        rnnamp_audio_free(in);
        return -1;
    }
    return 0;
}

/* The channels the plugin is fed and the outputs written (see the top of
 * the file): nx input buffers (channels of `in`, split), ny outputs. */
typedef struct {
    float *x[RNNAMP_RENDER_MAX_CH];
    int nx, ny;
    int pin; /* the plugin's audio inputs */
} render_io;

static void io_free(render_io *io)
{
    for (int k = 0; k < io->nx; k++)
        free(io->x[k]);
}

/* Split `in` into the plugin's inputs. Returns 0, or -1 after a message. */
static int io_setup(const render_args *a, const rnnamp_lv2_host *h,
                    const rnnamp_audio *in, render_io *io)
{
    int pin, pout;
    rnnamp_lv2_host_audio_ports(h, &pin, &pout);
    memset(io, 0, sizeof *io);
    io->pin = pin;
    io->nx = pin > 1 && in->channels > 1 ? in->channels : 1;
    io->ny = pin > 1 ? pout : 1;
    if (io->nx > pin)
        io->nx = pin;
    if (pin > RNNAMP_RENDER_MAX_CH || io->ny > RNNAMP_RENDER_MAX_CH) {
        fprintf(stderr,
                PROG ": the plugin has %d audio inputs and %d outputs; "
                     "at most %d are supported\n",
                pin, pout, RNNAMP_RENDER_MAX_CH);
        return -1;
    }
    if (in->channels > io->nx && !a->quiet)
        fprintf(stderr, PROG ": %s has %d channels, using the first %d\n",
                a->in, in->channels, io->nx);
    if (pin > 1 && in->channels == 1 && !a->quiet)
        fprintf(stderr, PROG ": %s is mono: it feeds all %d inputs\n", a->in,
                pin);
    if (pin > io->nx && in->channels > 1 && !a->quiet)
        fprintf(stderr,
                PROG ": %s has %d channels for %d inputs: the others "
                     "get silence\n",
                a->in, in->channels, pin);
    for (int k = 0; k < io->nx; k++)
        if (!(io->x[k] = rnnamp_audio_channel(in, k))) {
            io->nx = k;
            io_free(io);
            fprintf(stderr, PROG ": out of memory\n");
            return -1;
        }
    return 0;
}

/* Apply each --set sym=val. Returns 0, or -1 after a message. */
static int apply_sets(const render_args *a, rnnamp_lv2_host *h)
{
    char err[RNNAMP_ERR_LEN];
    for (int i = 0; i < a->n_sets; i++) {
        char sym[256];
        const char *s = a->sets[i], *eq = strchr(s, '=');
        double v;
        if (!eq || eq == s || (size_t)(eq - s) >= sizeof sym) {
            fprintf(stderr, PROG ": --set '%s' is not sym=value\n", s);
            return -1;
        }
        memcpy(sym, s, (size_t)(eq - s));
        sym[eq - s] = '\0';
        if (cli_number(PROG, "--set", eq + 1, &v) != 0)
            return -1;
        if (rnnamp_lv2_host_set_control(h, sym, (float)v, err, sizeof err)) {
            fprintf(stderr, PROG ": --set: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* The plugin at --rate with --preset and --set applied. */
static rnnamp_lv2_host *open_plugin(const render_args *a)
{
    char err[4096] = "";
    rnnamp_lv2_host_opts o = {0};
    o.plugin_uri = a->plugin;
    o.rate = a->rate;
    o.max_block = (uint32_t)a->block;
    o.threaded_worker = a->threaded;
    o.quiet = a->quiet;
    rnnamp_lv2_host *h = rnnamp_lv2_host_new(&o, err, sizeof err);
    if (!h) {
        fprintf(stderr, PROG ": %s\n", err);
        return NULL;
    }
    if (a->preset &&
        rnnamp_lv2_host_apply_preset(h, a->preset, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        goto fail;
    }
    if (apply_sets(a, h))
        goto fail;
    return h;
fail:
    rnnamp_lv2_host_free(h);
    return NULL;
}

/* Run until the plugin reports a status with the model in (and, with
 * --ir, the IR in or refused). Returns the status, or NULL on timeout. */
static const char *wait_status(const render_args *a, rnnamp_lv2_host *h)
{
    for (int tries = 0; tries < 100; tries++) {
        if (rnnamp_lv2_host_wait_property(h, RNNAMP__status, (uint32_t)a->block,
                                          30.0) < 0)
            return NULL;
        const char *st = rnnamp_lv2_host_property(h, RNNAMP__status);
        if (!st || !a->ir)
            return st;
        const char *ir = rnnamp_lv2_host_property(h, RNNAMP__ir);
        if (strstr(st, "IR error") ||
            (ir && !strcmp(ir, a->ir) && strstr(st, "IR loaded")))
            return st;
    }
    return NULL;
}

/* --model and --ir (or an rnnamp preset's): send them and wait until the
 * plugin reports them loaded. Returns 0, or -1 after a message. */
static int load_model(const render_args *a, rnnamp_lv2_host *h)
{
    char err[4096] = "";
    int is_rnnamp = !a->plugin || !strcmp(a->plugin, RNNAMP_URI) ||
                    !strcmp(a->plugin, RNNAMP_STEREO_URI);
    if ((a->model || a->model_dir || a->ir) && !is_rnnamp) {
        fprintf(stderr, PROG ": --model, --model-dir and --ir only work with "
                             "the rnnamp plugin\n");
        return -1;
    }
    if (!a->model && !a->model_dir && !a->ir && !(a->preset && is_rnnamp))
        return 0;
    if ((a->model && rnnamp_lv2_host_set_path(h, RNNAMP__model, a->model, err,
                                              sizeof err) != 0) ||
        (a->model_dir &&
         rnnamp_lv2_host_set_path(h, RNNAMP__modelDir, a->model_dir, err,
                                  sizeof err) != 0) ||
        (a->ir && rnnamp_lv2_host_set_path(h, RNNAMP__ir, a->ir, err,
                                           sizeof err) != 0)) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    if (!a->model && a->preset) {
        /* the preset's restore may have queued a load: let it finish so
         * that the answer to patch:Get is the preset's model */
        rnnamp_lv2_host_worker_idle(h);
        rnnamp_lv2_host_get_all(h);
    }
    const char *st = wait_status(a, h);
    if (!st) {
        fprintf(stderr, PROG ": the plugin did not report a model status "
                             "(timeout)\n");
        return -1;
    }
    if ((a->model || a->model_dir || a->preset) &&
        strncmp(st, "loaded", 6) != 0) {
        fprintf(stderr, PROG ": model failed to load: %s\n", st);
        return -1;
    }
    if (a->ir && !strstr(st, "IR loaded")) {
        fprintf(stderr, PROG ": IR failed to load: %s\n", st);
        return -1;
    }
    if (!a->quiet)
        fprintf(stderr, PROG ": %s\n", st);
    return 0;
}

/* One block of k frames from frame `done` of the io's inputs (zero past
 * n): a mono file on every input when io->nx is 1 and the plugin has more
 * (src[k] NULL: silence). Output channel c goes to y[c] + done. */
static void run_block(rnnamp_lv2_host *h, const render_io *io, size_t n,
                      size_t done, uint32_t k, float *const *y, float *tmp)
{
    const float *src[RNNAMP_RENDER_MAX_CH] = {NULL};
    float *dst[RNNAMP_RENDER_MAX_CH] = {NULL};
    for (int c = 0; c < io->nx; c++) {
        if (done < n && n - done >= k) {
            src[c] = io->x[c] + done;
        } else if (done < n) {
            float *t = tmp + (size_t)c * k;
            memcpy(t, io->x[c] + done, (n - done) * sizeof *t);
            memset(t + (n - done), 0, (k - (n - done)) * sizeof *t);
            src[c] = t;
        }
    }
    for (int c = 0; c < io->ny; c++)
        dst[c] = y[c] + done;
    if (io->pin <= 1) {
        rnnamp_lv2_host_run(h, src[0], dst[0], k);
        return;
    }
    int nin = io->nx;
    if (nin == 1) /* a mono file: on every input */
        for (nin = 1; nin < io->pin; nin++)
            src[nin] = src[0];
    rnnamp_lv2_host_run_channels(h, src, nin, dst, io->ny, k);
}

/* Let fades and ramps settle on silence, run the io's inputs (then the
 * plugin's latency in silence) and write the outputs without the
 * latency. */
static int render(const render_args *a, rnnamp_lv2_host *h, const render_io *io,
                  size_t n)
{
    uint32_t block = (uint32_t)a->block;
    uint32_t settle = (uint32_t)ceil(SETTLE_SECONDS * a->rate);
    for (uint32_t done = 0; done < settle; done += block)
        rnnamp_lv2_host_run_channels(h, NULL, 0, NULL, 0, block);
    uint32_t lat = rnnamp_lv2_host_latency(h);
    size_t total = n + lat;
    int ny = io->ny;
    float *y = malloc((size_t)ny * total * sizeof *y);
    float *il = malloc((size_t)ny * n * sizeof *il);
    float *tmp = malloc((size_t)io->nx * block * sizeof *tmp);
    float *yc[RNNAMP_RENDER_MAX_CH];
    int rc = -1;
    if (!y || !il || !tmp) {
        fprintf(stderr, PROG ": out of memory\n");
        goto out;
    }
    for (int c = 0; c < ny; c++)
        yc[c] = y + (size_t)c * total;
    for (size_t done = 0; done < total;) {
        uint32_t k = (uint32_t)(total - done < block ? total - done : block);
        run_block(h, io, n, done, k, yc, tmp);
        done += k;
    }
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ny; c++)
            il[i * (size_t)ny + (size_t)c] = yc[c][lat + i];
    char err[4096] = "";
    rc = rnnamp_audio_write(a->out, il, n, ny, (int)lrint(a->rate), err,
                            sizeof err);
    if (rc)
        fprintf(stderr, PROG ": %s\n", err);
    rc = rc ? -1 : 0;
out:
    free(y);
    free(il);
    free(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    render_args a;
    int r = parse_args(argc, argv, &a);
    if (r)
        return r > 0 ? 0 : 1;
    rnnamp_audio in;
    if (read_input(&a, &in))
        return 1;
    render_io io = {0};
    rnnamp_lv2_host *h = open_plugin(&a);
    int rc = !h || io_setup(&a, h, &in, &io) || load_model(&a, h) ||
             render(&a, h, &io, in.frames);
    rnnamp_lv2_host_free(h);
    io_free(&io);
    rnnamp_audio_free(&in);
    return rc;
}
