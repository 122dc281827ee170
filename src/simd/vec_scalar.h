/* rnnamp: "vector" of one float, for the portable kernel. */
#ifndef RNNAMP_VEC_SCALAR_H
#define RNNAMP_VEC_SCALAR_H

#define VW 1
typedef float vf;
static inline vf vf_load(const float *p)
{
    return *p;
}
static inline vf vf_load_a(const float *p)
{
    return *p;
}
static inline void vf_store(float *p, vf v)
{
    *p = v;
}
static inline vf vf_set1(float x)
{
    return x;
}
static inline vf vf_add(vf a, vf b)
{
    return a + b;
}
static inline vf vf_sub(vf a, vf b)
{
    return a - b;
}
static inline vf vf_mul(vf a, vf b)
{
    return a * b;
}
static inline vf vf_fmadd(vf a, vf b, vf c)
{
    return a * b + c;
}
static inline vf vf_min(vf a, vf b)
{
    return a < b ? a : b;
}
static inline vf vf_max(vf a, vf b)
{
    return a > b ? a : b;
}
static inline vf vf_div(vf a, vf b)
{
    return a / b;
}
static inline float vf_hsum(vf a)
{
    return a;
}

/* c - a * b */
static inline vf vf_fnmadd(vf a, vf b, vf c)
{
    return c - a * b;
}
/* a / b */
static inline vf vf_quot(vf a, vf b)
{
    return a / b;
}
/* The first n (0 < n < VW) lanes of p, the others 0; and the matching
 * store of the first n lanes. With VW 1 a partial vector never occurs. */
static inline vf vf_load_part(const float *p, int n)
{
    return n > 0 ? *p : 0.0f;
}
static inline void vf_store_part(float *p, vf v, int n)
{
    if (n > 0)
        *p = v;
}

#include "vec_math.h"

#endif
