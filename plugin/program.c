/* rnnamp plugin: which program of the model folder plays (program.h). */
#include "program.h"

#include <math.h>
#include <string.h>

#include "strcopy.h"

void rnnamp_program_init(rnnamp_program *p)
{
    memset(p, 0, sizeof *p);
    rnnamp_shared_path_init(&p->saved_dir);
    atomic_init(&p->saved_program, 0);
    atomic_init(&p->saved_from_dir, 0);
    atomic_init(&p->resync, 0);
    p->n_models = -1;
}

/* A port value as a program (NaN/Inf: -1). */
static int port_program(float v)
{
    if (!isfinite(v))
        return -1;
    const float r = roundf(v);
    return r < 0.0f                     ? 0
           : r > RNNAMP_PROGRAMS - 1.0f ? RNNAMP_PROGRAMS - 1
                                        : (int)r;
}

void rnnamp_program_activate(rnnamp_program *p, const float *port)
{
    if (port && isfinite(*port)) {
        p->port_seen = *port;
        p->program = port_program(*port);
    }
}

int rnnamp_program_port(rnnamp_program *p, const float *port)
{
    if (atomic_exchange(&p->resync, 0)) {
        if (port && isfinite(*port))
            p->port_seen = *port;
        return 0;
    }
    if (!port || !isfinite(*port) || *port == p->port_seen)
        return 0;
    p->port_seen = *port;
    const int k = port_program(*port);
    if (k == p->program)
        return 0;
    p->program = k;
    return 1;
}

/* The program CC 20 (dir > 0) or CC 21 (dir < 0) steps to. */
static int step(const rnnamp_program *p, int dir)
{
    const int n = p->n_models > 0 ? p->n_models : RNNAMP_PROGRAMS;
    if (dir > 0)
        return p->program + 1 >= n ? 0 : p->program + 1;
    if (p->program <= 0)
        return n - 1;
    return p->program > n - 1 ? n - 1 : p->program - 1;
}

int rnnamp_program_midi(rnnamp_program *p, const uint8_t *msg, uint32_t size)
{
    if (size < 2)
        return 0;
    int k = -1;
    const uint8_t kind = msg[0] & 0xF0u;
    if (kind == 0xC0u) {
        k = msg[1] & 0x7F;
    } else if (kind == 0xB0u && size >= 3 && msg[2] >= RNNAMP_CC_ON) {
        if (msg[1] == RNNAMP_CC_NEXT)
            k = step(p, 1);
        else if (msg[1] == RNNAMP_CC_PREV)
            k = step(p, -1);
    }
    if (k < 0 || k == p->program)
        return 0;
    p->program = k;
    return 1;
}

int rnnamp_program_set_dir(rnnamp_program *p, const char *path, uint32_t len)
{
    len = (uint32_t)strnlen(path, len); /* the atom may hold NULs after it */
    if (len >= sizeof p->req_dir)
        return -1;
    memcpy(p->req_dir, path, len);
    p->req_dir[len] = '\0';
    if (len)
        return 1;
    /* no folder: the playing model stays, as a plain model file */
    p->dir[0] = '\0';
    p->n_models = -1;
    rnnamp_shared_path_write(&p->saved_dir, "");
    atomic_store(&p->saved_from_dir, 0);
    return 0;
}

const char *rnnamp_program_req_dir(const rnnamp_program *p)
{
    return p->req_dir[0] ? p->req_dir : NULL;
}

void rnnamp_program_answer(rnnamp_program *p, const rnnamp_slot *s, int newest,
                           int ok)
{
    const rnnamp_slot_origin *o = &s->origin;
    if (!o->dir[0]) { /* a plain model file */
        if (ok)
            atomic_store(&p->saved_from_dir, 0);
        return;
    }
    if (o->n_models >= 0 || !o->from_dir) {
        /* a folder that could be read (or a restored model's folder) */
        rnnamp_strcopy(p->dir, sizeof p->dir, o->dir);
        p->n_models = o->n_models;
        rnnamp_shared_path_write(&p->saved_dir, p->dir);
        if (newest) {
            rnnamp_strcopy(p->req_dir, sizeof p->req_dir, o->dir);
            p->program = o->program;
        }
    } else if (newest) {
        /* a folder that cannot be read: back to the one that plays */
        rnnamp_strcopy(p->req_dir, sizeof p->req_dir, p->dir);
    }
    if (ok) {
        atomic_store(&p->saved_program, o->program);
        atomic_store(&p->saved_from_dir, o->from_dir);
    }
}

void rnnamp_program_read(rnnamp_program *p, char *dir, size_t len, int *program,
                         int *from_dir)
{
    rnnamp_shared_path_read(&p->saved_dir, dir, len);
    *program = atomic_load(&p->saved_program);
    *from_dir = atomic_load(&p->saved_from_dir) && dir[0];
}

void rnnamp_program_resync(rnnamp_program *p)
{
    atomic_store(&p->resync, 1);
}
