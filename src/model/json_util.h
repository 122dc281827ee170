/* rnnamp: small helpers shared by the JSON model-format parsers
 * (format_aidax.c, format_guitarml.c, format_nam.c).
 *
 * They parse JSON text with size limits, read numbers strictly (finite,
 * representable as float) and read numeric arrays of an expected shape,
 * reporting "<file>: <what>: expected ..., got ..." on any mismatch.
 *
 * Threads: any non-real-time thread (they allocate through jansson).
 * Memory: rnnamp_json_parse returns a jansson reference the caller releases
 * with json_decref(); the other functions write into caller buffers and own
 * nothing. No global state.
 */
#ifndef RNNAMP_JSON_UTIL_H
#define RNNAMP_JSON_UTIL_H

#include <stddef.h>

#include <jansson.h>

#include "model.h"

/* Most JSON values (numbers, arrays, objects, strings) a model file may
 * hold: what the largest legal model needs (model.h limits), rounded up.
 * The limit stops a small file made of "0,0,0,..." from turning into
 * hundreds of megabytes of parser nodes (jansson spends ~50 bytes a value).
 *
 * The largest legal model: RNNAMP_MAX_INPUTS = 4 inputs, RNNAMP_MAX_LAYERS
 * - 1 = 7 recurrent layers of the widest cell (LSTM, 4 gates) of
 * RNNAMP_MAX_HIDDEN = 128 units, then the dense head 128 -> 1. Numbers,
 * taking each format's worst case:
 *   w_ih          4*128*4 + 6 * 4*128*128      =   395 264
 *   w_hh          7 * 4*128*128                =   458 752
 *   biases        7 * 2 * 4*128 (GuitarML: ih and hh; AIDA-X, NAM: one)
 *                                              =     7 168
 *   h0, c0        7 * 2*128 (AIDA-X extension, NAM)
 *                                              =     1 792
 *   head          128 + 1                      =       129
 *   FIR stages    2 * RNNAMP_MAX_FIR (AIDA-X extension, hybrid models)
 *                                              =    32 768
 *                                       weights  =   895 873
 * Arrays around them: at most one per matrix row (GuitarML [512][128]
 * rows) + a few per layer: 7 * (512 + 512 + 8) + 16 = 7 240, bounded by
 *                                                      8 192
 * Self-test batch (model_io.h RNNAMP_SELFTEST_MAX_SAMPLES): 16384 frames of
 * 4 inputs in one array each + 16384 outputs: 16384 * (4 + 1 + 1)
 *                                              =    98 304
 *                                        total  = 1 002 369
 * Rounded up to 2^20 = 1 048 576, which leaves 46 207 values for the
 * metadata, keys and layer objects (a real file has < 100 of those). A
 * file with a longer reference batch than this allows is refused. */
#define RNNAMP_JSON_MAX_VALUES (1024u * 1024u)

/* Where a parser reports errors: messages are prefixed with "name: ". */
typedef struct {
    const char *name; /* file name or label; never NULL */
    char *err;        /* may be NULL */
    size_t errlen;
} rnnamp_jctx;

/* Write "name: <formatted message>" into c->err. */
void rnnamp_jerr(const rnnamp_jctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parse JSON text (need not be NUL-terminated). Rejects duplicate keys and
 * more than RNNAMP_JSON_MAX_VALUES values. On a syntax error the message
 * names the line and column. Returns a new reference or NULL. */
json_t *rnnamp_json_parse(const char *data, size_t len, const rnnamp_jctx *c);

/* A finite JSON number (integer or real) as double. Strings such as "NaN"
 * are not numbers. Returns 0, or -1 (no message). */
int rnnamp_json_number(const json_t *v, double *out);

/* Member `key` of object obj as an integer in lo..hi. `what` names the
 * object in messages (e.g. "config"). If the member is missing: returns 1
 * and leaves *out untouched when optional, else -1 with a message. A real
 * with an integral value (2.0) is accepted. Returns 0 when read. */
int rnnamp_json_get_int(const json_t *obj, const char *key, const char *what,
                        long lo, long hi, int optional, long *out,
                        const rnnamp_jctx *c);

/* Member `key` as a finite number; missing: 1 if optional, else -1 with a
 * message. A string holding a number ("48000") is accepted when
 * allow_string is set. Returns 0 when read. */
int rnnamp_json_get_double(const json_t *obj, const char *key, const char *what,
                           int optional, int allow_string, double *out,
                           const rnnamp_jctx *c);

/* Copy member `key` (a string) into buf if present and a string. */
void rnnamp_json_get_str(const json_t *obj, const char *key, char *buf,
                         size_t len);

/* Describe the shape of a JSON value for messages: "[12][48]", "number",
 * "string", "object", "[]" ... (follows the first element of arrays). */
void rnnamp_json_shape(const json_t *v, char *buf, size_t len);

/* Read a numeric array of exactly the given shape (ndims 1..3, row-major)
 * into out (dims[0]*...*dims[ndims-1] floats). Every value must be a finite
 * number that fits a float. `what` names the array in messages, e.g.
 * "layer 0 (lstm) weights[1] (U)". Returns 0 or -1 with a message. */
int rnnamp_json_floats(const json_t *v, const int *dims, int ndims, float *out,
                       const char *what, const rnnamp_jctx *c);

/* Count the numbers in a numeric array nested to any depth (max 4).
 * Returns the count, or -1 with a message if something is not a number or
 * an array. */
long rnnamp_json_count_numbers(const json_t *v, const char *what,
                               const rnnamp_jctx *c);

/* Flatten a nested numeric array (as counted above) into out, which holds
 * n floats. Returns 0 or -1 with a message (non-finite, out of range). */
int rnnamp_json_flatten(const json_t *v, float *out, size_t n, const char *what,
                        const rnnamp_jctx *c);

/* The optional "metadata" object of root into *md: returns 1 when it is
 * absent or null, 0 when it is an object (its "name", when a string, is
 * copied into mt->name), -1 with a message when it is something else. */
int rnnamp_json_get_metadata(const json_t *root, rnnamp_meta *mt,
                             const json_t **md, const rnnamp_jctx *c);

/* Read the NAM level metadata of the object md (may be NULL): "loudness",
 * "input_level_dbu", "output_level_dbu", each optional, each a finite
 * number when present; sets the values and their has_* flags in mt.
 * Returns 0, or -1 with an error reported through c. */
int rnnamp_json_get_levels(const json_t *md, rnnamp_meta *mt,
                           const rnnamp_jctx *c);

#endif
