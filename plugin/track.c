/* rnnamp plugin: crossfaded tracks of models and IRs (see track.h). */
#include "track.h"

#include <string.h>

void rnnamp_track_init(rnnamp_track *t, uint32_t fade)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->pending, NULL);
    atomic_init(&t->next_seq, 0u);
    rnnamp_shared_path_init(&t->path);
    rnnamp_ramp_init(&t->xfade, 1.0f, fade);
}

uint32_t rnnamp_track_new_seq(rnnamp_track *t)
{
    return atomic_fetch_add(&t->next_seq, 1u) + 1u;
}

int rnnamp_track_superseded(rnnamp_track *t, uint32_t seq)
{
    return seq < atomic_load(&t->next_seq);
}

void rnnamp_track_publish(rnnamp_track *t, rnnamp_item *it)
{
    rnnamp_item *head = atomic_load(&t->pending);
    do {
        it->next = head;
    } while (!atomic_compare_exchange_weak(&t->pending, &head, it));
}

void rnnamp_shared_path_init(rnnamp_shared_path *p)
{
    atomic_init(&p->gen, 0u);
    for (size_t i = 0; i < RNNAMP_SLOT_PATH_MAX; i++)
        atomic_init(&p->path[i], '\0');
}

void rnnamp_shared_path_read(rnnamp_shared_path *p, char *buf, size_t len)
{
    if (!len)
        return;
    for (;;) {
        unsigned g1 = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (g1 & 1u)
            continue; /* the writer is writing: a few hundred cycles at most */
        size_t i = 0;
        for (; i + 1 < len && i + 1 < RNNAMP_SLOT_PATH_MAX; i++) {
            buf[i] = atomic_load_explicit(&p->path[i], memory_order_acquire);
            if (!buf[i])
                break;
        }
        buf[i] = '\0';
        /* ordered after the acquire loads above */
        if (atomic_load_explicit(&p->gen, memory_order_relaxed) == g1)
            return;
    }
}

void rnnamp_shared_path_write(rnnamp_shared_path *p, const char *path)
{
    const unsigned g = atomic_load_explicit(&p->gen, memory_order_relaxed);
    atomic_store_explicit(&p->gen, g + 1u, memory_order_relaxed);
    /* release stores: a reader that sees a new byte also sees g + 1 */
    size_t i = 0;
    for (; i + 1 < RNNAMP_SLOT_PATH_MAX && path[i]; i++)
        atomic_store_explicit(&p->path[i], path[i], memory_order_release);
    atomic_store_explicit(&p->path[i], '\0', memory_order_release);
    atomic_store_explicit(&p->gen, g + 2u, memory_order_release);
}

void rnnamp_track_read_path(rnnamp_track *t, char *buf, size_t len)
{
    rnnamp_shared_path_read(&t->path, buf, len);
}

void rnnamp_item_to_garbage(rnnamp_item **garbage, rnnamp_item *it)
{
    if (!it)
        return;
    it->next = *garbage;
    *garbage = it;
}

rnnamp_item *rnnamp_track_take(rnnamp_track *t, rnnamp_item **garbage)
{
    rnnamp_item *list = atomic_exchange(&t->pending, NULL);
    rnnamp_item *best = NULL;
    while (list) {
        rnnamp_item *it = list;
        list = it->next;
        it->next = NULL;
        if (it->seq <= t->installed_seq || (best && it->seq <= best->seq)) {
            rnnamp_item_to_garbage(garbage, it);
            continue;
        }
        rnnamp_item_to_garbage(garbage, best);
        best = it;
    }
    if (best)
        t->installed_seq = best->seq;
    return best;
}

static void start_fade(rnnamp_track *t, rnnamp_item *it)
{
    t->old = t->cur;
    t->cur = it;
    t->fading = 1;
    rnnamp_ramp_set(&t->xfade, 0.0f);
    rnnamp_ramp_to(&t->xfade, 1.0f);
}

static void finish_fade(rnnamp_track *t, rnnamp_item **garbage)
{
    t->fading = 0;
    rnnamp_item_to_garbage(garbage, t->old);
    t->old = NULL;
    if (t->cur && !t->cur->plays) {
        rnnamp_item_to_garbage(garbage, t->cur); /* faded to "none" */
        t->cur = NULL;
    }
}

void rnnamp_track_install(rnnamp_track *t, rnnamp_item *it,
                          rnnamp_item **garbage)
{
    if (!it->ok) {
        rnnamp_item_to_garbage(garbage, it);
        return;
    }
    rnnamp_shared_path_write(&t->path, it->path);
    if (!it->plays && !t->cur && !t->fading) {
        rnnamp_item_to_garbage(garbage, it); /* clearing while none plays */
        return;
    }
    if (t->fading) {
        rnnamp_item_to_garbage(garbage, t->queued);
        t->queued = it;
    } else {
        start_fade(t, it);
    }
}

void rnnamp_track_start_queued(rnnamp_track *t)
{
    if (t->fading || !t->queued)
        return;
    rnnamp_item *q = t->queued;
    t->queued = NULL;
    start_fade(t, q);
}

void rnnamp_track_fade_curve(rnnamp_track *t, float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        x[i] = rnnamp_ramp_next(&t->xfade);
}

void rnnamp_track_fade_end(rnnamp_track *t, rnnamp_item **garbage)
{
    if (t->fading && rnnamp_ramp_done(&t->xfade))
        finish_fade(t, garbage);
}

void rnnamp_track_settle(rnnamp_track *t, rnnamp_item **garbage)
{
    if (t->fading)
        finish_fade(t, garbage);
    if (t->queued) {
        rnnamp_track_start_queued(t);
        finish_fade(t, garbage);
    }
    rnnamp_ramp_set(&t->xfade, 1.0f);
}
