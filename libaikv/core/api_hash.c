/*
 * api_hash.c -- the typed C API of aikv.h for hashes.
 *
 * As api.c: validate the arguments, take the store lock, run the operation
 * the command runs (ak_op_h* of cmd/hash.c for writes, which also signal the
 * key; the engine's hash operations for reads), copy out what the caller
 * keeps, unlock.
 */
#include <string.h>

#include "../cmd/cmds.h"
#include "../store/hash.h"
#include "../util/alloc.h"
#include "api.h"
#include "core.h"
#include "resp.h"


static const struct ak_hash_ops *hops(aikv_db_t *db)
{
    return db->st->engine->ops->hash;
}

AIKV_API int aikv_hset(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, const void *val, size_t vlen, int *added)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(field, flen, "field");
    CHECK_BUF(val, vlen, "val");
    ak_slice fv[2] = {ak_slice_of(field, flen), ak_slice_of(val, vlen)};
    size_t n = 0;
    ak_store_lock(db->st);
    int rc = ak_op_hset(db->st, db->index, ak_slice_of(key, klen), fv, 1, 0, &n);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (added)
        *added = (int)n;
    return AIKV_OK;
}

AIKV_API int aikv_hget(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, char **val, size_t *vlen)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(field, flen, "field");
    if (!val)
        return ak_set_error(AIKV_MISUSE, "aikv_hget: val is NULL");
    *val = NULL;
    if (vlen)
        *vlen = 0;
    ak_slice v = {NULL, 0};
    ak_store_lock(db->st);
    int rc = hops(db)->get(db->st->engine, db->index, ak_slice_of(key, klen),
                           ak_slice_of(field, flen), &v);
    if (rc == AK_OK && v.p) {
        *val = ak_memdup(v.p, v.len);
        if (vlen)
            *vlen = v.len;
    }
    int serr = ak_api_unlock(db->st);
    if (serr) {
        ak_free(*val);
        *val = NULL;
        if (vlen)
            *vlen = 0;
        return serr;
    }
    return rc == AK_WRONGTYPE ? wrongtype() : AIKV_OK;
}

AIKV_API int aikv_hdel(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, int *deleted)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(field, flen, "field");
    ak_slice f = ak_slice_of(field, flen);
    size_t n = 0;
    ak_store_lock(db->st);
    int rc = ak_op_hdel(db->st, db->index, ak_slice_of(key, klen), &f, 1, &n);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (deleted)
        *deleted = (int)n;
    return AIKV_OK;
}

typedef struct pairs_acc {
    aikv_reply_t *arr;
    size_t cap;
} pairs_acc;

static void add_str(pairs_acc *a, ak_slice s)
{
    if (a->arr->elements == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->arr->element = ak_realloc(a->arr->element, a->cap * sizeof(aikv_reply_t *));
    }
    a->arr->element[a->arr->elements++] = ak_reply_new_str(AIKV_REPLY_STRING, s.p, s.len);
}

static void add_pair(void *ctx, ak_slice field, ak_slice value)
{
    add_str(ctx, field);
    add_str(ctx, value);
}

AIKV_API int aikv_hgetall(aikv_db_t *db, const void *key, size_t klen, aikv_reply_t **out)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_hgetall: out is NULL");
    pairs_acc a = {ak_reply_new(AIKV_REPLY_ARRAY), 0};
    ak_store_lock(db->st);
    int rc = hops(db)->getall(db->st->engine, db->index, ak_slice_of(key, klen),
                              AK_HASH_FIELDS | AK_HASH_VALUES, add_pair, &a);
    int serr = ak_api_unlock(db->st);
    if (serr || rc == AK_WRONGTYPE) {
        aikv_reply_free(a.arr);
        if (serr)
            return serr;
        *out = NULL;
        return wrongtype();
    }
    *out = a.arr;
    return AIKV_OK;
}

AIKV_API int aikv_hlen(aikv_db_t *db, const void *key, size_t klen, uint64_t *n)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!n)
        return ak_set_error(AIKV_MISUSE, "aikv_hlen: n is NULL");
    uint64_t len = 0;
    ak_store_lock(db->st);
    int rc = hops(db)->len(db->st->engine, db->index, ak_slice_of(key, klen), &len);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *n = rc == AK_OK ? len : 0;
    return AIKV_OK;
}

AIKV_API int aikv_hincrby(aikv_db_t *db, const void *key, size_t klen, const void *field,
                          size_t flen, int64_t by, int64_t *result)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(field, flen, "field");
    long long r = 0;
    ak_store_lock(db->st);
    int rc = ak_op_hincrby(db->st, db->index, ak_slice_of(key, klen), ak_slice_of(field, flen),
                           by, &r);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    switch (rc) {
    case AK_OK:
        if (result)
            *result = r;
        return AIKV_OK;
    case AK_WRONGTYPE:
        return wrongtype();
    case AIKV_NOTNUM:
        return ak_set_error(rc, "hash value is not an integer");
    case AIKV_OVERFLOW:
        return ak_set_error(rc, "increment or decrement would overflow");
    }
    return ak_set_error(rc, "%s", aikv_errstr(rc));
}
