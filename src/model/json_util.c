/* rnnamp: JSON helpers for the model-format parsers. See json_util.h. */
#include "json_util.h"
#include "model_io.h" /* RNNAMP_SELFTEST_MAX_SAMPLES */

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rnnamp_jerr(const rnnamp_jctx *c, const char *fmt, ...)
{
    if (!c || !c->err || !c->errlen)
        return;
    int n = snprintf(c->err, c->errlen, "%s: ", c->name ? c->name : "?");
    if (n < 0 || (size_t)n >= c->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Upper bound of the number of JSON values in the text: every value other
 * than the first is preceded by ',' or opens a container. */
static size_t count_values(const char *s, size_t len)
{
    size_t n = 1;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == ',' || ch == '[' || ch == '{') {
            n++;
        }
    }
    return n;
}

json_t *rnnamp_json_parse(const char *data, size_t len, const rnnamp_jctx *c)
{
    size_t nv = count_values(data, len);
    if (nv > RNNAMP_JSON_MAX_VALUES) {
        rnnamp_jerr(c,
                    "too many JSON values (about %zu; a model file has at "
                    "most %u: enough for %d layers of %d units, %d inputs "
                    "and a %d-sample reference batch)",
                    nv, RNNAMP_JSON_MAX_VALUES, RNNAMP_MAX_LAYERS - 1,
                    RNNAMP_MAX_HIDDEN, RNNAMP_MAX_INPUTS,
                    RNNAMP_SELFTEST_MAX_SAMPLES);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        rnnamp_jerr(c, "invalid JSON at line %d, column %d: %s", je.line,
                    je.column, je.text);
        return NULL;
    }
    return root;
}

int rnnamp_json_number(const json_t *v, double *out)
{
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v))
        d = json_real_value(v);
    else
        return -1;
    if (!isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* Member `key` of obj into *v: 0 when present and not null; when missing
 * 1 if optional, else -1 with a message. */
static int member(const json_t *obj, const char *key, const char *what,
                  int optional, const json_t **v, const rnnamp_jctx *c)
{
    *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (*v && !json_is_null(*v))
        return 0;
    if (optional)
        return 1;
    rnnamp_jerr(c, "%s: missing '%s'", what, key);
    return -1;
}

int rnnamp_json_get_int(const json_t *obj, const char *key, const char *what,
                        long lo, long hi, int optional, long *out,
                        const rnnamp_jctx *c)
{
    const json_t *v;
    int r = member(obj, key, what, optional, &v, c);
    if (r != 0)
        return r;
    double d;
    if (json_is_boolean(v)) {
        d = json_is_true(v) ? 1 : 0;
    } else if (rnnamp_json_number(v, &d) != 0 || d != floor(d)) {
        char shape[64];
        rnnamp_json_shape(v, shape, sizeof shape);
        rnnamp_jerr(c, "%s: '%s' must be an integer (got %s)", what, key,
                    shape);
        return -1;
    }
    if (d < (double)lo || d > (double)hi) {
        rnnamp_jerr(c, "%s: '%s' is %.0f, must be %ld to %ld", what, key, d, lo,
                    hi);
        return -1;
    }
    *out = (long)d;
    return 0;
}

int rnnamp_json_get_double(const json_t *obj, const char *key, const char *what,
                           int optional, int allow_string, double *out,
                           const rnnamp_jctx *c)
{
    const json_t *v;
    int r = member(obj, key, what, optional, &v, c);
    if (r != 0)
        return r;
    double d;
    if (allow_string && json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        d = strtod(s, &end);
        while (*end == ' ')
            end++;
        if (end == s || *end || !isfinite(d)) {
            rnnamp_jerr(c, "%s: '%s' is \"%.40s\", not a finite number", what,
                        key, s);
            return -1;
        }
    } else if (rnnamp_json_number(v, &d) != 0) {
        char shape[64];
        rnnamp_json_shape(v, shape, sizeof shape);
        rnnamp_jerr(c, "%s: '%s' must be a finite number (got %s)", what, key,
                    shape);
        return -1;
    }
    *out = d;
    return 0;
}

void rnnamp_json_get_str(const json_t *obj, const char *key, char *buf,
                         size_t len)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_string(v) && len)
        snprintf(buf, len, "%s", json_string_value(v));
}

void rnnamp_json_shape(const json_t *v, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int depth = 0; depth < 8 && json_is_array(v); depth++) {
        int w = snprintf(buf + off, len - off, "[%zu]", json_array_size(v));
        if (w < 0 || (size_t)w >= len - off)
            return;
        off += (size_t)w;
        v = json_array_get(v, 0);
    }
    if (off && !v)
        return;
    const char *t = "null";
    if (json_is_object(v))
        t = "object";
    else if (json_is_string(v))
        t = "string";
    else if (json_is_number(v))
        t = "number";
    else if (json_is_boolean(v))
        t = "boolean";
    if (off)
        snprintf(buf + off, len - off, " of %s", t);
    else
        snprintf(buf, len, "%s", t);
}

static void dims_str(const int *dims, int ndims, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndims && off < len; i++) {
        int w = snprintf(buf + off, len - off, "[%d]", dims[i]);
        if (w < 0)
            return;
        off += (size_t)w;
    }
}

/* Convert one JSON value to a float, or explain why not. */
static int to_float(const json_t *v, float *out, const char *what, size_t index,
                    const rnnamp_jctx *c)
{
    double d;
    if (json_is_integer(v)) {
        d = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        d = json_real_value(v);
    } else {
        char shape[64];
        rnnamp_json_shape(v, shape, sizeof shape);
        if (json_is_string(v))
            rnnamp_jerr(c,
                        "%s: value %zu is the string \"%.20s\", not a "
                        "finite number",
                        what, index, json_string_value(v));
        else
            rnnamp_jerr(c, "%s: value %zu is %s, not a number", what, index,
                        shape);
        return -1;
    }
    if (!isfinite(d) || fabs(d) > FLT_MAX) {
        rnnamp_jerr(c, "%s: value %zu (%g) is not a finite float number", what,
                    index, d);
        return -1;
    }
    *out = (float)d;
    return 0;
}

int rnnamp_json_floats(const json_t *v, const int *dims, int ndims, float *out,
                       const char *what, const rnnamp_jctx *c)
{
    char want[64], got[96];
    dims_str(dims, ndims, want, sizeof want);
    /* Check the whole shape first so the message shows both shapes. */
    int ok = 1;
    if (ndims < 1 || ndims > 3) {
        ok = 0;
    } else if (!json_is_array(v) || json_array_size(v) != (size_t)dims[0]) {
        ok = 0;
    } else if (ndims >= 2) {
        for (int i = 0; ok && i < dims[0]; i++) {
            const json_t *r = json_array_get(v, (size_t)i);
            if (!json_is_array(r) || json_array_size(r) != (size_t)dims[1]) {
                ok = 0;
                break;
            }
            for (int j = 0; ndims == 3 && j < dims[1]; j++) {
                const json_t *q = json_array_get(r, (size_t)j);
                if (!json_is_array(q) ||
                    json_array_size(q) != (size_t)dims[2]) {
                    ok = 0;
                    break;
                }
            }
        }
    }
    if (!ok) {
        rnnamp_json_shape(v, got, sizeof got);
        rnnamp_jerr(c, "%s: wrong size: expected %s, got %s", what, want, got);
        return -1;
    }
    size_t k = 0;
    if (ndims == 1) {
        for (int i = 0; i < dims[0]; i++, k++)
            if (to_float(json_array_get(v, (size_t)i), &out[k], what, k, c))
                return -1;
    } else if (ndims == 2) {
        for (int i = 0; i < dims[0]; i++) {
            const json_t *r = json_array_get(v, (size_t)i);
            for (int j = 0; j < dims[1]; j++, k++)
                if (to_float(json_array_get(r, (size_t)j), &out[k], what, k, c))
                    return -1;
        }
    } else {
        for (int i = 0; i < dims[0]; i++) {
            const json_t *r = json_array_get(v, (size_t)i);
            for (int j = 0; j < dims[1]; j++) {
                const json_t *q = json_array_get(r, (size_t)j);
                for (int l = 0; l < dims[2]; l++, k++)
                    if (to_float(json_array_get(q, (size_t)l), &out[k], what, k,
                                 c))
                        return -1;
            }
        }
    }
    return 0;
}

static long count_rec(const json_t *v, int depth)
{
    if (json_is_number(v))
        return 1;
    if (!json_is_array(v) || depth >= 4)
        return -1;
    long n = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        long k = count_rec(json_array_get(v, i), depth + 1);
        if (k < 0)
            return -1;
        n += k;
    }
    return n;
}

long rnnamp_json_count_numbers(const json_t *v, const char *what,
                               const rnnamp_jctx *c)
{
    long n = json_is_array(v) ? count_rec(v, 0) : -1;
    if (n < 0) {
        char shape[64];
        rnnamp_json_shape(v, shape, sizeof shape);
        rnnamp_jerr(c,
                    "%s: must be an array of numbers (nested at most 4 deep), "
                    "got %s",
                    what, shape);
    }
    return n;
}

static int flatten_rec(const json_t *v, float *out, size_t n, size_t *k,
                       int depth, const char *what, const rnnamp_jctx *c)
{
    if (json_is_array(v)) {
        if (depth >= 4) {
            rnnamp_jerr(c, "%s: arrays nested too deep", what);
            return -1;
        }
        for (size_t i = 0; i < json_array_size(v); i++)
            if (flatten_rec(json_array_get(v, i), out, n, k, depth + 1, what,
                            c))
                return -1;
        return 0;
    }
    if (*k >= n) {
        rnnamp_jerr(c, "%s: more values than expected (%zu)", what, n);
        return -1;
    }
    if (to_float(v, &out[*k], what, *k, c))
        return -1;
    (*k)++;
    return 0;
}

int rnnamp_json_flatten(const json_t *v, float *out, size_t n, const char *what,
                        const rnnamp_jctx *c)
{
    size_t k = 0;
    if (flatten_rec(v, out, n, &k, 0, what, c))
        return -1;
    if (k != n) {
        rnnamp_jerr(c, "%s: expected %zu values, got %zu", what, n, k);
        return -1;
    }
    return 0;
}

int rnnamp_json_get_metadata(const json_t *root, rnnamp_meta *mt,
                             const json_t **md, const rnnamp_jctx *c)
{
    *md = json_object_get(root, "metadata");
    if (!*md || json_is_null(*md))
        return 1;
    if (!json_is_object(*md)) {
        rnnamp_jerr(c, "'metadata' must be an object");
        return -1;
    }
    rnnamp_json_get_str(*md, "name", mt->name, sizeof mt->name);
    return 0;
}

int rnnamp_json_get_levels(const json_t *md, rnnamp_meta *mt,
                           const rnnamp_jctx *c)
{
    int r = rnnamp_json_get_double(md, "loudness", "metadata", 1, 0,
                                   &mt->loudness_db, c);
    if (r < 0)
        return -1;
    mt->has_loudness = r == 0;
    r = rnnamp_json_get_double(md, "input_level_dbu", "metadata", 1, 0,
                               &mt->input_level_dbu, c);
    if (r < 0)
        return -1;
    mt->has_input_level = r == 0;
    r = rnnamp_json_get_double(md, "output_level_dbu", "metadata", 1, 0,
                               &mt->output_level_dbu, c);
    if (r < 0)
        return -1;
    mt->has_output_level = r == 0;
    return 0;
}
