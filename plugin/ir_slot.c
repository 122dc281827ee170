/* rnnamp plugin: a cabinet IR made ready to play (see ir_slot.h). */
#include "ir_slot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ir_file.h"
#include "strcopy.h"

/* "IR loaded <file>: <taps> taps at <rate> Hz[, resampled from <rate>
 * Hz][, first of <n> channels]" */
static void describe(rnnamp_ir_slot *s, const rnnamp_ir *ir)
{
    const char *base = strrchr(s->item.path, '/');
    char resampled[64] = "", channels[64] = "";
    if (fabs(ir->file_rate - ir->rate) > 1e-9 * ir->rate)
        snprintf(resampled, sizeof resampled, ", resampled from %g Hz",
                 ir->file_rate);
    if (ir->file_channels > 1)
        snprintf(channels, sizeof channels, ", first of %d channels",
                 ir->file_channels);
    snprintf(s->item.status, sizeof s->item.status,
             "IR loaded %s: %zu taps at %g Hz%s%s",
             base ? base + 1 : s->item.path, ir->taps, ir->rate, resampled,
             channels);
}

rnnamp_ir_slot *rnnamp_ir_slot_load(const char *path, double host_rate,
                                    uint32_t seq)
{
    rnnamp_ir_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->item.seq = seq;
    s->item.kind = RNNAMP_ITEM_IR;
    s->n_channels = 1;
    if (!path || !path[0]) {
        s->item.ok = 1; /* no IR: status stays empty */
        return s;
    }
    if (strlen(path) >= sizeof s->item.path) {
        rnnamp_seterr(s->item.status, sizeof s->item.status,
                      "IR error: IR path is too long (%zu bytes, at most %d)",
                      strlen(path), RNNAMP_SLOT_PATH_MAX - 1);
        return s;
    }
    rnnamp_strcopy(s->item.path, sizeof s->item.path, path);
    char err[RNNAMP_ERR_LEN + RNNAMP_SLOT_PATH_MAX] = "";
    rnnamp_ir ir;
    if (rnnamp_ir_load(path, host_rate, &ir, err, sizeof err) != RNNAMP_IR_OK) {
        rnnamp_seterr(s->item.status, sizeof s->item.status, "IR error: %s",
                      err);
        return s;
    }
    s->conv[0] = rnnamp_convolver_new(ir.h, ir.taps, NULL, err, sizeof err);
    if (!s->conv[0]) {
        rnnamp_seterr(s->item.status, sizeof s->item.status, "IR error: %s: %s",
                      path, err);
        rnnamp_ir_free(&ir);
        return s;
    }
    describe(s, &ir);
    rnnamp_ir_free(&ir);
    s->item.ok = 1;
    s->item.plays = 1;
    return s;
}

int rnnamp_ir_slot_add_channels(rnnamp_ir_slot *s, int channels)
{
    if (channels > RNNAMP_MAX_CHANNELS)
        channels = RNNAMP_MAX_CHANNELS;
    for (int c = s->n_channels; c < channels; c++) {
        char err[RNNAMP_ERR_LEN] = "";
        if (s->conv[0] && !(s->conv[c] = rnnamp_convolver_new_shared(
                                s->conv[0], err, sizeof err))) {
            rnnamp_seterr(s->item.status, sizeof s->item.status,
                          "IR error: %s: channel %d: %s", s->item.path, c + 1,
                          err);
            s->item.ok = 0;
            s->item.plays = 0;
            return -1;
        }
        s->n_channels = c + 1;
    }
    return 0;
}

void rnnamp_ir_slot_free(rnnamp_ir_slot *s)
{
    if (!s)
        return;
    for (int c = RNNAMP_MAX_CHANNELS - 1; c >= 0; c--)
        rnnamp_convolver_free(s->conv[c]); /* clones before conv[0] */
    free(s);
}
