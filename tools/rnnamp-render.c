/* rnnamp-render: run the rnnamp LV2 plugin (or any LV2 plugin) over a file.
 *
 *   rnnamp-render [--plugin URI] [--preset URI | --model FILE]
 *                 [--set sym=val ...] [--rate R] [--block N]
 *                 [--threaded-worker] [--quiet] in.wav out.wav
 *
 * An offline host on lilv (tools/lv2_host.c). The plugin runs at --rate
 * (default: the input file's rate; the file must be at that rate). A model
 * is sent as a patch:Set on the control input, as a real host does; the
 * tool then runs silence until the plugin reports its status, then 0.5 s
 * more (crossfade and DC blocker settle), and only then renders the file. The
 * output (mono, 32-bit float WAV, at the same rate) is written atomically
 * and is not delayed: the plugin's reported latency is compensated.
 *
 * Exit status: 0 on success, 1 on any error (message on stderr; for a model
 * that fails to load, the plugin's status text).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "lv2_host.h"

#define MAX_SETS 32
/* Silence run after the model is in so that the plugin's 50 ms crossfade
 * from dry is over and the DC blocker (5 Hz, 32 ms time constant) has
 * settled on the model's output offset before the file starts. */
#define SETTLE_SECONDS 0.5

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rnnamp-render [--plugin URI] [--preset URI | --model FILE]\n"
        "                     [--set sym=val ...] [--rate R] [--block N]\n"
        "                     [--threaded-worker] [--quiet] in.wav "
        "out.wav\n"
        "  --plugin URI       LV2 plugin to run (default %s)\n"
        "  --preset URI       apply an LV2 preset (port values and state)\n"
        "  --model FILE       model file for the rnnamp plugin (patch:Set)\n"
        "  --set sym=val      set a control port, e.g. --set "
        "input_gain=-6\n"
        "  --rate R           host sample rate; the input must be at R Hz\n"
        "  --block N          block length 1..8192 (default 256)\n"
        "  --threaded-worker  run the plugin's worker in its own thread\n"
        "  --quiet            do not print the plugin's notes\n",
        RNNAMP_URI);
}

static int parse_double(const char *opt, const char *s, double *v)
{
    char *e;
    errno = 0;
    *v = strtod(s, &e);
    if (errno || e == s || *e || !isfinite(*v)) {
        fprintf(stderr, "rnnamp-render: %s: '%s' is not a number\n", opt, s);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *plugin = NULL, *preset = NULL, *model = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0, threaded = 0, quiet = 0;
    double rate = 0.0, blockd = 256.0;
    const char *files[2];
    int n_files = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--threaded-worker")) {
            threaded = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--plugin") || !strcmp(a, "--preset") ||
                   !strcmp(a, "--model") || !strcmp(a, "--set") ||
                   !strcmp(a, "--rate") || !strcmp(a, "--block")) {
            if (!has_val) {
                fprintf(stderr, "rnnamp-render: %s needs a value\n", a);
                return 1;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--plugin"))
                plugin = v;
            else if (!strcmp(a, "--preset"))
                preset = v;
            else if (!strcmp(a, "--model"))
                model = v;
            else if (!strcmp(a, "--set")) {
                if (n_sets == MAX_SETS) {
                    fprintf(stderr, "rnnamp-render: too many --set (max %d)\n",
                            MAX_SETS);
                    return 1;
                }
                sets[n_sets++] = v;
            } else if (!strcmp(a, "--rate")) {
                if (parse_double(a, v, &rate) != 0)
                    return 1;
                if (rate < 8000.0 || rate > 768000.0) {
                    fprintf(stderr,
                            "rnnamp-render: --rate %g is outside "
                            "8000..768000\n",
                            rate);
                    return 1;
                }
            } else {
                if (parse_double(a, v, &blockd) != 0)
                    return 1;
                if (blockd < 1 || blockd > 8192 || blockd != floor(blockd)) {
                    fprintf(stderr,
                            "rnnamp-render: --block %s must be a whole "
                            "number 1..8192\n",
                            v);
                    return 1;
                }
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "rnnamp-render: unknown option '%s'\n", a);
            usage(stderr);
            return 1;
        } else if (n_files < 2) {
            files[n_files++] = a;
        } else {
            fprintf(stderr, "rnnamp-render: unexpected argument '%s'\n", a);
            return 1;
        }
    }
    if (n_files != 2) {
        usage(stderr);
        return 1;
    }
    if (preset && model) {
        fprintf(stderr, "rnnamp-render: give --preset or --model, not both\n");
        return 1;
    }
    if (model) {
        FILE *f = fopen(model, "rb");
        if (!f) {
            fprintf(stderr, "rnnamp-render: --model %s: %s\n", model,
                    strerror(errno));
            return 1;
        }
        fclose(f);
    }

    char err[4096] = "";
    rnnamp_audio in;
    if (rnnamp_audio_read(files[0], &in, err, sizeof err) != 0) {
        fprintf(stderr, "rnnamp-render: %s\n", err);
        return 1;
    }
    if (rate == 0.0)
        rate = in.rate;
    if (fabs(rate - in.rate) > 0.5) {
        fprintf(stderr,
                "rnnamp-render: %s is at %d Hz but --rate is %g; resample "
                "the file first (e.g. sox in.wav -r %g out.wav)\n",
                files[0], in.rate, rate, rate);
        rnnamp_audio_free(&in);
        return 1;
    }
    if (in.channels > 1 && !quiet)
        fprintf(stderr, "rnnamp-render: %s has %d channels, using the first\n",
                files[0], in.channels);
    float *x = rnnamp_audio_channel(&in, 0);
    size_t n = in.frames;
    rnnamp_audio_free(&in);
    if (!x) {
        fprintf(stderr, "rnnamp-render: out of memory\n");
        return 1;
    }

    uint32_t block = (uint32_t)blockd;
    rnnamp_lv2_host_opts o = {0};
    o.plugin_uri = plugin;
    o.rate = rate;
    o.max_block = block;
    o.threaded_worker = threaded;
    o.quiet = quiet;
    rnnamp_lv2_host *h = rnnamp_lv2_host_new(&o, err, sizeof err);
    if (!h) {
        fprintf(stderr, "rnnamp-render: %s\n", err);
        free(x);
        return 1;
    }
    int rc = 1;
    float *y = NULL;
    int is_rnnamp = !plugin || !strcmp(plugin, RNNAMP_URI);
    if (preset &&
        rnnamp_lv2_host_apply_preset(h, preset, err, sizeof err) != 0) {
        fprintf(stderr, "rnnamp-render: %s\n", err);
        goto out;
    }
    for (int i = 0; i < n_sets; i++) {
        char sym[256];
        const char *eq = strchr(sets[i], '=');
        double v;
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof sym) {
            fprintf(stderr, "rnnamp-render: --set '%s' is not sym=value\n",
                    sets[i]);
            goto out;
        }
        memcpy(sym, sets[i], (size_t)(eq - sets[i]));
        sym[eq - sets[i]] = '\0';
        if (parse_double("--set", eq + 1, &v) != 0)
            goto out;
        if (rnnamp_lv2_host_set_control(h, sym, (float)v, err, sizeof err) !=
            0) {
            fprintf(stderr, "rnnamp-render: --set: %s\n", err);
            goto out;
        }
    }
    if (model && !is_rnnamp) {
        fprintf(stderr, "rnnamp-render: --model only works with the rnnamp "
                        "plugin\n");
        goto out;
    }
    if (model || (preset && is_rnnamp)) {
        if (model && rnnamp_lv2_host_set_path(h, RNNAMP__model, model,
                                              err, sizeof err) != 0) {
            fprintf(stderr, "rnnamp-render: %s\n", err);
            goto out;
        }
        if (!model) {
            /* the preset's restore may have queued a load: let it finish
             * so that the answer to patch:Get is the preset's model */
            rnnamp_lv2_host_worker_idle(h);
            rnnamp_lv2_host_get_all(h);
        }
        if (rnnamp_lv2_host_wait_property(h, RNNAMP__status, block,
                                          30.0) < 0) {
            fprintf(stderr, "rnnamp-render: the plugin did not report a "
                            "model status (timeout)\n");
            goto out;
        }
        const char *st = rnnamp_lv2_host_property(h, RNNAMP__status);
        if (!st || strncmp(st, "loaded", 6) != 0) {
            fprintf(stderr, "rnnamp-render: model failed to load: %s\n",
                    st ? st : "(no status)");
            goto out;
        }
        if (!quiet)
            fprintf(stderr, "rnnamp-render: %s\n", st);
    }
    /* let fades and ramps settle on silence */
    uint32_t settle = (uint32_t)ceil(SETTLE_SECONDS * rate);
    for (uint32_t done = 0; done < settle; done += block)
        rnnamp_lv2_host_run(h, NULL, NULL, block);

    uint32_t lat = rnnamp_lv2_host_latency(h);
    y = malloc((n + lat) * sizeof *y);
    if (!y) {
        fprintf(stderr, "rnnamp-render: out of memory\n");
        goto out;
    }
    size_t total = n + lat;
    for (size_t done = 0; done < total;) {
        uint32_t k = (uint32_t)(total - done < block ? total - done : block);
        const float *src = NULL;
        float tmp[8192];
        if (done < n) {
            size_t avail = n - done;
            if (avail >= k) {
                src = x + done;
            } else {
                memcpy(tmp, x + done, avail * sizeof *tmp);
                memset(tmp + avail, 0, (k - avail) * sizeof *tmp);
                src = tmp;
            }
        }
        rnnamp_lv2_host_run(h, src, y + done, k);
        done += k;
    }
    if (rnnamp_audio_write(files[1], y + lat, n, 1, (int)lrint(rate), err,
                           sizeof err) != 0) {
        fprintf(stderr, "rnnamp-render: %s\n", err);
        goto out;
    }
    rc = 0;
out:
    rnnamp_lv2_host_free(h);
    free(x);
    free(y);
    return rc;
}
