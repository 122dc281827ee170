/* rnnamp trainer: LV2 preset bundles. See lv2_preset.h. */
#include "lv2_preset.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_write.h"

/* File-name-safe slug of label: letters, digits, '-', '_'. */
static void slug(const char *label, char *out, size_t len)
{
    size_t j = 0;
    for (const char *p = label; *p && j + 1 < len; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        out[j++] = ok ? ch : '_';
    }
    if (!j)
        out[j++] = 'p';
    out[j] = '\0';
}

/* Turtle string literal body: escape backslash, quote, newlines. */
static void ttl_escape(const char *s, char *out, size_t len)
{
    size_t j = 0;
    for (; *s && j + 3 < len; s++) {
        if (*s == '"' || *s == '\\') {
            out[j++] = '\\';
            out[j++] = *s;
        } else if (*s == '\n' || *s == '\r') {
            out[j++] = ' ';
        } else {
            out[j++] = *s;
        }
    }
    out[j] = '\0';
}

static char *read_all(const char *path, size_t *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        rnnamp_seterr(err, errlen, "%s: cannot open: %s", path,
                      strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        rnnamp_seterr(err, errlen, "%s: read failed", path);
        return NULL;
    }
    *n = len;
    return b;
}

/* The name a copy of src gets in a bundle: a file-name-safe version of
 * its base name, extension kept. */
static void bundle_name(const char *src, char *file, size_t filelen)
{
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    slug(base, file, filelen);
    /* keep the extension's dot */
    const char *dot = strrchr(base, '.');
    if (dot && strlen(file) > strlen(dot))
        file[strlen(file) - strlen(dot)] = '.';
}

/* Copy the file src to dir/file (atomically). */
static int copy_into(const char *dir, const char *src, const char *file,
                     char *err, size_t errlen)
{
    size_t n = 0;
    char *data = read_all(src, &n, err, errlen);
    if (!data)
        return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = rnnamp_write_file_atomic(path, data, n, err, errlen);
    free(data);
    return rc != 0 ? -1 : 0;
}

int rnnamp_lv2_preset_write(const char *dir, const char *label,
                            const char *model_path, char *err, size_t errlen)
{
    return rnnamp_lv2_preset_write_ir(dir, label, model_path, NULL, err,
                                      errlen);
}

int rnnamp_lv2_preset_write_ir(const char *dir, const char *label,
                               const char *model_path, const char *ir_path,
                               char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rnnamp_seterr(err, errlen, "--lv2-bundle %s: cannot create: %s", dir,
                      strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rnnamp_seterr(err, errlen, "--lv2-bundle %s: not a directory", dir);
        return -1;
    }
    char name[128], lab[512], path[4200], buf[8192];
    slug(label, name, sizeof name);
    ttl_escape(label, lab, sizeof lab);
    char model_file[256], ir_file[256], ir_line[512] = "";
    bundle_name(model_path, model_file, sizeof model_file);
    if (ir_path) {
        bundle_name(ir_path, ir_file, sizeof ir_file);
        if (strcmp(ir_file, model_file) == 0) {
            rnnamp_seterr(err, errlen,
                          "%s: the IR would have the model's file name %s",
                          ir_path, model_file);
            return -1;
        }
        snprintf(ir_line, sizeof ir_line, " ;\n\t\t<%s> <%s>", RNNAMP__ir,
                 ir_file);
    }
    if (copy_into(dir, model_path, model_file, err, errlen) != 0 ||
        (ir_path && copy_into(dir, ir_path, ir_file, err, errlen) != 0))
        return -1;

    snprintf(path, sizeof path, "%s/%s.ttl", dir, name);
    int len = snprintf(buf, sizeof buf,
                       "@prefix atom: <http://lv2plug.in/ns/ext/atom#> .\n"
                       "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
                       "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                       "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                       ".\n"
                       "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
                       "\n"
                       "<%s.ttl>\n"
                       "\ta pset:Preset ;\n"
                       "\tlv2:appliesTo <%s> ,\n\t\t<%s> ;\n"
                       "\trdfs:label \"%s\" ;\n"
                       "\tstate:state [\n"
                       "\t\t<%s> <%s>%s\n"
                       "\t] .\n",
                       name, RNNAMP_URI, RNNAMP_STEREO_URI, lab, RNNAMP__model,
                       model_file, ir_line);
    if (len < 0 || (size_t)len >= sizeof buf ||
        rnnamp_write_file_atomic(path, buf, (size_t)len, err, errlen) != 0) {
        if (len < 0 || (size_t)len >= sizeof buf)
            rnnamp_seterr(err, errlen, "%s: preset text too long", path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/manifest.ttl", dir);
    len = snprintf(buf, sizeof buf,
                   "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
                   "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   "\n"
                   "<%s.ttl>\n"
                   "\ta pset:Preset ;\n"
                   "\tlv2:appliesTo <%s> ,\n\t\t<%s> ;\n"
                   "\trdfs:seeAlso <%s.ttl> .\n",
                   name, RNNAMP_URI, RNNAMP_STEREO_URI, name);
    if (len < 0 || (size_t)len >= sizeof buf)
        return -1;
    return rnnamp_write_file_atomic(path, buf, (size_t)len, err, errlen);
}
