/* rnnamp trainer: checkpoint files. See checkpoint.h. */
#include "checkpoint.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_write.h"

#define CK_MAGIC   "RNNAMPCK"
#define CK_VERSION 2u

/* The scalar part, in file order. */
#define CK_SCALARS(X)                                                          \
    X(fingerprint)                                                             \
    X(epoch)                                                                   \
    X(batch)                                                                   \
    X(adam_step)                                                               \
    X(lr)                                                                      \
    X(plateau_best)                                                            \
    X(plateau_bad)                                                             \
    X(early_bad)                                                               \
    X(restarts)                                                                \
    X(restart_bad)                                                             \
    X(restart_best)                                                            \
    X(best_val)                                                                \
    X(best_epoch)                                                              \
    X(elapsed)                                                                 \
    X(epoch_loss_sum)                                                          \
    X(epoch_loss_n)                                                            \
    X(n_params)                                                                \
    X(n_hist)

int rnnamp_checkpoint_write(const char *path, const rnnamp_checkpoint *c,
                            char *err, size_t errlen)
{
    rnnamp_atomic a;
    FILE *f = rnnamp_atomic_fopen(&a, path, err, errlen);
    if (!f)
        return -1;
    uint32_t ver = CK_VERSION;
    int ok = fwrite(CK_MAGIC, 1, 8, f) == 8 && fwrite(&ver, 4, 1, f) == 1;
#define W(field) ok = ok && fwrite(&c->field, sizeof c->field, 1, f) == 1;
    CK_SCALARS(W)
#undef W
    size_t np = (size_t)c->n_params, nh = (size_t)c->n_hist;
    ok = ok && fwrite(c->params, sizeof(float), np, f) == np &&
         fwrite(c->adam_m, sizeof(float), np, f) == np &&
         fwrite(c->adam_v, sizeof(float), np, f) == np &&
         fwrite(c->best_params, sizeof(float), np, f) == np;
    if (nh)
        ok = ok && fwrite(c->train_hist, sizeof(double), nh, f) == nh &&
             fwrite(c->val_hist, sizeof(double), nh, f) == nh;
    ok = ok && fwrite(CK_MAGIC, 1, 8, f) == 8;
    return rnnamp_atomic_fclose(&a, f, ok, err, errlen);
}

int rnnamp_checkpoint_read(const char *path, rnnamp_checkpoint *c, char *err,
                           size_t errlen)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        rnnamp_seterr(err, errlen, "checkpoint %s: cannot open: %s", path,
                      strerror(errno));
        return -1;
    }
    char magic[8];
    uint32_t ver = 0;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, CK_MAGIC, 8) != 0 ||
        fread(&ver, 4, 1, f) != 1) {
        rnnamp_seterr(err, errlen, "checkpoint %s: not an rnnamp checkpoint",
                      path);
        fclose(f);
        return -1;
    }
    if (ver != CK_VERSION) {
        rnnamp_seterr(
            err, errlen,
            "checkpoint %s: version %u, this program reads version %u", path,
            ver, CK_VERSION);
        fclose(f);
        return -1;
    }
    int ok = 1;
#define R(field) ok = ok && fread(&c->field, sizeof c->field, 1, f) == 1;
    CK_SCALARS(R)
#undef R
    if (!ok || c->n_params == 0 || c->n_params > (1u << 26) || c->n_hist < 0 ||
        c->n_hist > 1000000) {
        rnnamp_seterr(err, errlen, "checkpoint %s: truncated or damaged header",
                      path);
        fclose(f);
        memset(c, 0, sizeof *c);
        return -1;
    }
    size_t np = (size_t)c->n_params, nh = (size_t)c->n_hist;
    c->params = malloc(np * sizeof(float));
    c->adam_m = malloc(np * sizeof(float));
    c->adam_v = malloc(np * sizeof(float));
    c->best_params = malloc(np * sizeof(float));
    c->train_hist = malloc((nh ? nh : 1) * sizeof(double));
    c->val_hist = malloc((nh ? nh : 1) * sizeof(double));
    ok = c->params && c->adam_m && c->adam_v && c->best_params &&
         c->train_hist && c->val_hist;
    ok = ok && fread(c->params, sizeof(float), np, f) == np &&
         fread(c->adam_m, sizeof(float), np, f) == np &&
         fread(c->adam_v, sizeof(float), np, f) == np &&
         fread(c->best_params, sizeof(float), np, f) == np;
    if (nh)
        ok = ok && fread(c->train_hist, sizeof(double), nh, f) == nh &&
             fread(c->val_hist, sizeof(double), nh, f) == nh;
    ok = ok && fread(magic, 1, 8, f) == 8 && !memcmp(magic, CK_MAGIC, 8);
    fclose(f);
    if (!ok) {
        rnnamp_seterr(err, errlen, "checkpoint %s: truncated or damaged", path);
        rnnamp_checkpoint_free(c);
        return -1;
    }
    return 0;
}

void rnnamp_checkpoint_free(rnnamp_checkpoint *c)
{
    free(c->params);
    free(c->adam_m);
    free(c->adam_v);
    free(c->best_params);
    free(c->train_hist);
    free(c->val_hist);
    memset(c, 0, sizeof *c);
}
