/* rnnamp: a folder of model files, numbered as programs (model_dir.h). */
#include "model_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "error.h"
#include "model.h"
#include "model_io.h"
#include "strcopy.h"

static int cmp_entry(const void *a, const void *b)
{
    const rnnamp_model_dir_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* 1 if name ends in an extension the model loaders accept. */
static int model_extension(const char *name)
{
    static const char *const ext[] = {".nam", ".json", ".aidax"};
    const size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        const size_t k = strlen(ext[i]);
        if (n > k && !strcasecmp(name + n - k, ext[i]))
            return 1;
    }
    return 0;
}

/* Join folder and name into buf[len]; -1 if it does not fit. */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
    const size_t l = strlen(dir);
    const char *sep = l && dir[l - 1] == '/' ? "" : "/";
    const int r = snprintf(buf, len, "%s%s%s", dir, sep, name);
    return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* The loader's message without the file's path in front (the listing
 * names the file already). */
static void short_reason(char *why, size_t len, const char *err,
                         const char *path)
{
    const size_t l = strlen(path);
    if (!strncmp(err, path, l) && !strncmp(err + l, ": ", 2))
        err += l + 2;
    rnnamp_strcopy(why, len, err);
}

/* Decide whether entry e (a file of folder dir) is the next program. */
static void classify(rnnamp_model_dir *d, rnnamp_model_dir_entry *e)
{
    char path[4096], err[RNNAMP_ERR_LEN];
    struct stat st;
    e->program = -1;
    if (join(path, sizeof path, d->path, e->name) != 0) {
        rnnamp_strcopy(e->why, sizeof e->why, "path too long");
    } else if (stat(path, &st) != 0) {
        rnnamp_strcopy(e->why, sizeof e->why, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        rnnamp_strcopy(e->why, sizeof e->why, "a folder");
    } else if (!S_ISREG(st.st_mode) || !model_extension(e->name)) {
        rnnamp_strcopy(e->why, sizeof e->why, "not a model file");
    } else if (d->n_programs >= RNNAMP_MODEL_DIR_PROGRAMS) {
        rnnamp_strcopy(e->why, sizeof e->why, "after program 127, not read");
    } else {
        rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
        if (m && rnnamp_model_validate(m, err, sizeof err) == 0)
            e->program = d->n_programs++;
        else
            short_reason(e->why, sizeof e->why, err, path);
        rnnamp_model_free(m);
    }
    if (e->program < 0)
        d->n_skipped++;
}

/* Read the names of dir (not "." / "..", no hidden files) into d. */
static int read_names(rnnamp_model_dir *d, DIR *dir, char *err, size_t errlen)
{
    size_t cap = 0;
    for (struct dirent *de; (de = readdir(dir));) {
        if (de->d_name[0] == '.')
            continue;
        if (d->n_entries == cap) {
            size_t nc = cap ? 2 * cap : 32;
            rnnamp_model_dir_entry *ne = realloc(d->entries, nc * sizeof *ne);
            if (!ne)
                goto oom;
            d->entries = ne;
            cap = nc;
        }
        rnnamp_model_dir_entry *e = &d->entries[d->n_entries];
        memset(e, 0, sizeof *e);
        e->name = strdup(de->d_name);
        if (!e->name)
            goto oom;
        d->n_entries++;
    }
    return 0;
oom:
    rnnamp_seterr(err, errlen, "model folder %s: out of memory", d->path);
    return -1;
}

rnnamp_model_dir *rnnamp_model_dir_scan(const char *path, char *err,
                                        size_t errlen)
{
    struct stat st;
    if (!path || !path[0]) {
        rnnamp_seterr(err, errlen, "model folder: empty path");
        return NULL;
    }
    if (stat(path, &st) != 0) {
        rnnamp_seterr(err, errlen, "model folder %s: %s", path,
                      strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        rnnamp_seterr(err, errlen, "model folder %s: not a folder", path);
        return NULL;
    }
    DIR *dir = opendir(path);
    if (!dir) {
        rnnamp_seterr(err, errlen, "model folder %s: %s", path,
                      strerror(errno));
        return NULL;
    }
    rnnamp_model_dir *d = calloc(1, sizeof *d);
    if (d)
        d->path = strdup(path);
    if (!d || !d->path) {
        rnnamp_seterr(err, errlen, "model folder %s: out of memory", path);
        closedir(dir);
        rnnamp_model_dir_free(d);
        return NULL;
    }
    d->mtime = st.st_mtim;
    const int rc = read_names(d, dir, err, errlen);
    closedir(dir);
    if (rc != 0) {
        rnnamp_model_dir_free(d);
        return NULL;
    }
    if (d->n_entries)
        qsort(d->entries, d->n_entries, sizeof *d->entries, cmp_entry);
    for (size_t i = 0; i < d->n_entries; i++)
        classify(d, &d->entries[i]);
    return d;
}

void rnnamp_model_dir_free(rnnamp_model_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_entries; i++)
        free(d->entries[i].name);
    free(d->entries);
    free(d->path);
    free(d);
}

int rnnamp_model_dir_current(const rnnamp_model_dir *d, const char *path)
{
    struct stat st;
    if (!d || !path || strcmp(d->path, path) != 0 || stat(path, &st) != 0)
        return 0;
    return st.st_mtim.tv_sec == d->mtime.tv_sec &&
           st.st_mtim.tv_nsec == d->mtime.tv_nsec;
}

int rnnamp_model_dir_program_path(const rnnamp_model_dir *d, int k, char *buf,
                                  size_t len, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->n_entries; i++) {
        if (d->entries[i].program != k)
            continue;
        if (join(buf, len, d->path, d->entries[i].name) == 0)
            return 0;
        rnnamp_seterr(err, errlen, "model folder %s: path of %s too long",
                      d->path, d->entries[i].name);
        return -1;
    }
    if (d->n_programs == 0)
        rnnamp_seterr(err, errlen,
                      "model folder %s holds no model file (.nam, .json, "
                      ".aidax that loads)",
                      d->path);
    else
        rnnamp_seterr(err, errlen,
                      "program %d: model folder %s holds only %d model%s "
                      "(programs 0..%d)",
                      k, d->path, d->n_programs, d->n_programs == 1 ? "" : "s",
                      d->n_programs - 1);
    return -1;
}

/* Append s to buf[len] at *off; on overflow end buf with "..." */
static void append(char *buf, size_t len, size_t *off, const char *s)
{
    static const char dots[] = "...";
    if (*off >= len)
        return; /* truncated already */
    const size_t n = strlen(s);
    if (*off + n < len) {
        memcpy(buf + *off, s, n + 1);
        *off += n;
        return;
    }
    rnnamp_strcopy(buf + *off, len - *off, s);
    if (len > sizeof dots)
        memcpy(buf + len - sizeof dots, dots, sizeof dots);
    *off = len;
}

void rnnamp_model_dir_describe(const rnnamp_model_dir *d, char *buf, size_t len)
{
    char item[RNNAMP_MODEL_DIR_WHY + 300];
    size_t off = 0;
    if (!len)
        return;
    buf[0] = '\0';
    snprintf(item, sizeof item, "%d model%s", d->n_programs,
             d->n_programs == 1 ? "" : "s");
    append(buf, len, &off, item);
    int first = 1;
    for (size_t i = 0; i < d->n_entries; i++) {
        const rnnamp_model_dir_entry *e = &d->entries[i];
        if (e->program < 0)
            continue;
        snprintf(item, sizeof item, "%s%d %s", first ? ": " : ", ", e->program,
                 e->name);
        append(buf, len, &off, item);
        first = 0;
    }
    if (!d->n_skipped)
        return;
    snprintf(item, sizeof item, "; skipped %d:", d->n_skipped);
    append(buf, len, &off, item);
    first = 1;
    for (size_t i = 0; i < d->n_entries; i++) {
        const rnnamp_model_dir_entry *e = &d->entries[i];
        if (e->program >= 0)
            continue;
        snprintf(item, sizeof item, "%s %s (%s)", first ? "" : ",", e->name,
                 e->why);
        append(buf, len, &off, item);
        first = 0;
    }
}
