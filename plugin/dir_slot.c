/* rnnamp plugin: loading program k of a model folder (see dir_slot.h). */
#include "dir_slot.h"

#include <stdio.h>
#include <string.h>

#include "strcopy.h"

void rnnamp_dir_cache_init(rnnamp_dir_cache *c)
{
    pthread_mutex_init(&c->lock, NULL);
    c->dir = NULL;
}

void rnnamp_dir_cache_free(rnnamp_dir_cache *c)
{
    rnnamp_model_dir_free(c->dir);
    c->dir = NULL;
    pthread_mutex_destroy(&c->lock);
}

/* A slot that plays nothing and carries an error: the playing model stays
 * (track.h drops failed items). NULL when memory runs out. */
static rnnamp_slot *failed_slot(const char *status, double host_rate,
                                uint32_t seq)
{
    rnnamp_slot *s = rnnamp_slot_load("", host_rate, NULL, 1.0f, seq);
    if (!s)
        return NULL;
    s->item.ok = 0;
    rnnamp_strcopy(s->item.status, sizeof s->item.status, status);
    return s;
}

/* Under the cache's lock: the listing of dir (listed again if needed),
 * program's path into path[] and the folder's description into desc[].
 * Returns the number of programs, or -1 when the folder cannot be read
 * (message in err) and -2 when it has no such program (message in err). */
static int pick(rnnamp_dir_cache *c, const char *dir, int program, char *path,
                size_t path_len, char *desc, size_t desc_len, char *err,
                size_t errlen)
{
    pthread_mutex_lock(&c->lock);
    if (!rnnamp_model_dir_current(c->dir, dir)) {
        rnnamp_model_dir_free(c->dir);
        c->dir = rnnamp_model_dir_scan(dir, err, errlen);
    }
    int n = -1;
    if (c->dir) {
        n = c->dir->n_programs;
        rnnamp_model_dir_describe(c->dir, desc, desc_len);
        if (rnnamp_model_dir_program_path(c->dir, program, path, path_len, err,
                                          errlen) != 0)
            n = -2 - n; /* <= -2: the count stays recoverable */
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

rnnamp_slot *rnnamp_dir_slot_load(rnnamp_dir_cache *c, const char *dir,
                                  int program, double host_rate,
                                  const float *knobs, float size, uint32_t seq)
{
    char path[RNNAMP_SLOT_PATH_MAX], desc[RNNAMP_SLOT_STATUS_MAX];
    char msg[RNNAMP_SLOT_STATUS_MAX];
    char err[RNNAMP_SLOT_STATUS_MAX] = "";
    desc[0] = '\0';
    const int n = pick(c, dir, program, path, sizeof path, desc, sizeof desc,
                       err, sizeof err);
    rnnamp_slot *s;
    if (n < 0) {
        snprintf(msg, sizeof msg, "error: %s%s%s", err, desc[0] ? "; " : "",
                 desc);
        s = failed_slot(msg, host_rate, seq);
    } else {
        s = rnnamp_slot_load(path, host_rate, knobs, size, seq);
    }
    if (!s)
        return NULL;
    rnnamp_strcopy(s->origin.dir, sizeof s->origin.dir, dir);
    s->origin.program = program;
    s->origin.from_dir = 1;
    s->origin.n_models = n >= 0 ? n : n == -1 ? -1 : -2 - n;
    if (n >= 0) {
        /* the model's status, then where it comes from */
        size_t k = strlen(s->item.status);
        snprintf(s->item.status + k, sizeof s->item.status - k,
                 "; program %d of folder %s: %s", program, dir, desc);
    }
    return s;
}
