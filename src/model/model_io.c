/* rnnamp: load model files of any supported format. See model_io.h.
 *
 * Reads the file (with size and type checks before reading), parses JSON
 * once, detects the format from the content, dispatches to the format
 * parser, validates, and replays the embedded reference batch if any. */
#include "model_io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "format_aidax.h"
#include "format_guitarml.h"
#include "format_nam.h"
#include "json_util.h"

/* Model name from a path: basename without extension. */
static void name_from_path(const char *path, char *buf, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(buf, len, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
}

/* Replay the first RNNAMP_SELFTEST_MAX_SAMPLES frames of input_batch and
 * compare with output_batch. */
static int run_selftest(rnnamp_model *m, const rnnamp_jctx *c)
{
    /* A shallow view of m with a shorter batch: the engine reads only. */
    rnnamp_model head = *m;
    if (head.n_batch > RNNAMP_SELFTEST_MAX_SAMPLES)
        head.n_batch = RNNAMP_SELFTEST_MAX_SAMPLES;
    double ss = 0;
    for (size_t i = 0; i < head.n_batch; i++)
        ss += (double)m->output_batch[i] * m->output_batch[i];
    double rms = sqrt(ss / (double)head.n_batch);
    double tol = RNNAMP_SELFTEST_REL_TOL * fmax(rms, 1e-4);
    double max_err = -1;
    char eerr[RNNAMP_ERR_LEN] = "";
    int r = rnnamp_engine_selftest(&head, tol, &max_err, eerr, sizeof eerr);
    if (r == 1)
        return 0;
    if (r == 0) {
        m->meta.has_selftest = 1;
        m->meta.selftest_max_err = max_err;
        return 0;
    }
    if (max_err > tol || !isfinite(max_err))
        rnnamp_jerr(c,
                    "self-test failed: replaying the file's input_batch gives "
                    "a max error of %.3g against its output_batch (RMS %.3g, "
                    "limit %.3g); the weights do not match their declared "
                    "layout",
                    max_err, rms, tol);
    else
        rnnamp_jerr(c, "self-test could not run: %s", eerr);
    return -1;
}

rnnamp_model *rnnamp_model_load_buffer(const char *data, size_t len,
                                       const char *name, char *err,
                                       size_t errlen)
{
    rnnamp_jctx c = {name ? name : "(buffer)", err, errlen};
    if (!data || !len) {
        rnnamp_jerr(&c, "the file is empty");
        return NULL;
    }
    if (len > RNNAMP_MAX_MODEL_FILE) {
        rnnamp_jerr(&c, "too large (%zu bytes; model files are at most %u MB)",
                    len, RNNAMP_MAX_MODEL_FILE / (1024u * 1024u));
        return NULL;
    }
    /* A UTF-8 byte order mark (some Windows editors add one) is not JSON. */
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
        data += 3;
        len -= 3;
    }
    json_t *root = rnnamp_json_parse(data, len, &c);
    if (!root)
        return NULL;
    rnnamp_model *m = NULL;
    if (!json_is_object(root)) {
        rnnamp_jerr(&c, "not a model file: the top level must be a JSON "
                        "object");
    } else if (rnnamp_nam_detect(root)) {
        m = rnnamp_nam_from_json(root, &c);
    } else if (rnnamp_guitarml_detect(root)) {
        m = rnnamp_guitarml_from_json(root, &c);
    } else if (rnnamp_aidax_detect(root)) {
        m = rnnamp_aidax_from_json(root, &c);
    } else {
        rnnamp_jerr(&c,
                    "not a recognised model file: expected an AIDA-X/RTNeural "
                    "'layers' list, GuitarML 'model_data' and 'state_dict', "
                    "or a NAM 'architecture'");
    }
    json_decref(root);
    if (!m)
        return NULL;
    char verr[RNNAMP_ERR_LEN];
    if (rnnamp_model_validate(m, verr, sizeof verr) != 0) {
        rnnamp_jerr(&c, "invalid model: %s", verr);
        rnnamp_model_free(m);
        return NULL;
    }
    if (!m->meta.name[0] && name)
        name_from_path(name, m->meta.name, sizeof m->meta.name);
    if (m->n_batch && run_selftest(m, &c) != 0) {
        rnnamp_model_free(m);
        return NULL;
    }
    return m;
}

rnnamp_model *rnnamp_model_load(const char *path, char *err, size_t errlen)
{
    rnnamp_jctx c = {path ? path : "(no path)", err, errlen};
    if (!path || !*path) {
        rnnamp_jerr(&c, "no model file given");
        return NULL;
    }
    /* O_NONBLOCK: opening a FIFO must not hang; no effect on files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        rnnamp_jerr(&c, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rnnamp_jerr(&c, "cannot stat: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        rnnamp_jerr(&c, "is a directory, not a model file");
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        rnnamp_jerr(&c, "is not a regular file");
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        rnnamp_jerr(&c, "the file is empty");
        close(fd);
        return NULL;
    }
    if ((unsigned long long)st.st_size > RNNAMP_MAX_MODEL_FILE) {
        rnnamp_jerr(&c, "too large (%.1f MB; model files are at most %u MB)",
                    (double)st.st_size / (1024.0 * 1024.0),
                    RNNAMP_MAX_MODEL_FILE / (1024u * 1024u));
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size);
    if (!buf) {
        rnnamp_jerr(&c, "out of memory reading %zu bytes", size);
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rnnamp_jerr(&c, "read error: %s", strerror(errno));
            break;
        }
        if (r == 0) {
            rnnamp_jerr(&c, "the file shrank while it was being read");
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    rnnamp_model *m = NULL;
    if (got == size)
        m = rnnamp_model_load_buffer(buf, size, path, err, errlen);
    free(buf);
    return m;
}

void rnnamp_model_summary(const rnnamp_model *m, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    if (!m) {
        snprintf(buf, len, "(no model)");
        return;
    }
    char desc[160];
    rnnamp_model_describe(m, desc, sizeof desc);
    const rnnamp_meta *mt = &m->meta;
    char rate[48] = "rate unknown";
    if (mt->sample_rate > 0)
        snprintf(rate, sizeof rate, "%.0f Hz%s", mt->sample_rate,
                 mt->sample_rate_assumed ? " (assumed)" : "");
    char test[64] = "no self-test data";
    if (mt->has_selftest)
        snprintf(test, sizeof test, "self-test max error %.2g",
                 mt->selftest_max_err);
    snprintf(buf, len, "%s '%s': %s, %s, %s",
             mt->source_format[0] ? mt->source_format : "model", mt->name, desc,
             rate, test);
}
