/*
 * hash.h -- the storage interface of hash values (Redis's hash type).
 *
 * One table of type-level operations that every engine implements natively
 * (the memory engine in store/mem/hash.c; a SQLite engine later with one row
 * per field). Commands (cmd/hash.c) and the typed C API (core/api_hash.c)
 * call only these.
 *
 * Conventions, beside store.h's:
 *   - Return codes: AK_OK (the key exists, or was created by a write),
 *     AK_NOTFOUND (no such key; nothing was called back, nothing written),
 *     AK_WRONGTYPE (the key holds another type; nothing changed), or an
 *     AIKV_* code for a failed arithmetic operation.
 *   - A field that is missing in an existing hash is not an error: the
 *     value slice handed out for it has p == NULL. A present field's slice
 *     has p != NULL, even when it is empty.
 *   - Slices (and what callbacks receive) stay valid until the next call on
 *     the engine; callbacks must not call the engine.
 *   - The engine deletes the key when its last field is deleted, and picks
 *     and converts encodings itself (OBJECT ENCODING reports them).
 *   - The engine never signals key modifications: the command layer does.
 */
#ifndef AK_STORE_HASH_H
#define AK_STORE_HASH_H

#include "store.h"

/* getall `what` bits: which halves of each pair the caller wants (the
 * other slice may be empty). */
#define AK_HASH_FIELDS 0x1
#define AK_HASH_VALUES 0x2

struct ak_hash_ops {
    /* HSET / HMSET / HSETNX: sets npairs pairs fv[2i] -> fv[2i+1], creating
     * the key if missing. nx: fields that exist keep their value. A field
     * given twice takes the later value. *added (may be NULL) = number of
     * fields created. */
    int (*set)(ak_engine *e, int db, ak_slice key, const ak_slice *fv, size_t npairs, int nx,
               size_t *added);
    /* HGET: AK_OK with *val (val->p NULL if the field is missing). */
    int (*get)(ak_engine *e, int db, ak_slice key, ak_slice field, ak_slice *val);
    /* HMGET: fn(ctx, fields[i], value) for every i in order; value.p is
     * NULL for a missing field. AK_NOTFOUND calls nothing. */
    int (*mget)(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
                ak_pair_fn fn, void *ctx);
    /* HDEL: *deleted (may be NULL) = fields that existed and were removed;
     * the key goes when it is left empty. */
    int (*del)(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
               size_t *deleted);
    /* HEXISTS: *exists = 0 or 1. */
    int (*exists)(ak_engine *e, int db, ak_slice key, ak_slice field, int *exists);
    /* HLEN: *n = number of fields. */
    int (*len)(ak_engine *e, int db, ak_slice key, uint64_t *n);
    /* HSTRLEN: *len = length of the value, 0 if the field is missing. */
    int (*strlen)(ak_engine *e, int db, ak_slice key, ak_slice field, size_t *len);
    /* HGETALL / HKEYS / HVALS: fn(ctx, field, value) for every pair, in the
     * encoding's order (insertion order for the compact encoding). `what`
     * (AK_HASH_FIELDS | AK_HASH_VALUES) says which slices are wanted. */
    int (*getall)(ak_engine *e, int db, ak_slice key, unsigned what, ak_pair_fn fn, void *ctx);
    /* HINCRBY: adds `by` to the field's integer value (0 if missing),
     * creating key and field as needed. AIKV_NOTNUM: the value is not an
     * integer; AIKV_OVERFLOW: the sum would not fit; nothing changes then. */
    int (*incrby)(ak_engine *e, int db, ak_slice key, ak_slice field, long long by,
                  long long *result);
    /* HINCRBYFLOAT: adds `by` (finite) to the field's value as long double and
     * stores the sum as text (ak_ld2str, human friendly) in buf (at least
     * AK_LD_STR_CAP bytes), *len its length. AIKV_NOTNUM: the value is not a
     * float; AIKV_RANGE: the sum is NaN or infinite; nothing changes then. */
    int (*incrbyfloat)(ak_engine *e, int db, ak_slice key, ak_slice field, long double by,
                       char *buf, size_t *len);
    /* HRANDFIELD: count > 0 gives min(count, HLEN) distinct fields; count < 0
     * gives exactly -count fields picked independently (repetitions
     * allowed); count 0 gives nothing. fn(ctx, field, value) for each; the
     * value slice is filled only when withvalues. */
    int (*randfield)(ak_engine *e, int db, ak_slice key, long long count, int withvalues,
                     ak_pair_fn fn, void *ctx);
    /* HSCAN step: hands out the pairs of one or more buckets from `cursor`,
     * about `count` items (a field and a value are two items, as Redis
     * counts them) and at most count*10 buckets; *next = 0 when done. The
     * compact encoding hands out everything with *next = 0, whatever the
     * cursor, as Redis does. */
    int (*scan)(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                ak_pair_fn fn, void *ctx, uint64_t *next);
};

#endif
