/*
 * api_list.c -- the typed C API of aikv.h for lists.
 *
 * As api.c: validate the arguments, take the store lock, run the operation
 * the command runs (ak_op_list_push/pop of cmd/list.c for writes, which also
 * signal the key; the engine's list operations for reads), copy out what the
 * caller keeps, unlock. Lists of elements come back as an aikv_reply_t
 * array, built while the engine streams them.
 */
#include <string.h>

#include "../cmd/cmds.h"
#include "../store/list.h"
#include "../util/alloc.h"
#include "api.h"
#include "core.h"
#include "resp.h"


static const struct ak_list_ops *lops(aikv_db_t *db)
{
    return db->st->engine->ops->list;
}

/* ---------------------------------------------------------------- building arrays */

static void arr_begin(void *ctx, size_t n)
{
    aikv_reply_t *a = ctx;
    a->element = n ? ak_malloc(n * sizeof(aikv_reply_t *)) : NULL;
}

static void arr_add(void *ctx, ak_slice v)
{
    aikv_reply_t *a = ctx;
    a->element[a->elements++] = ak_reply_new_str(AIKV_REPLY_STRING, v.p, v.len);
}

/* ---------------------------------------------------------------- push, pop */

static int push_generic(aikv_db_t *db, const void *key, size_t klen, const void *const *vals,
                        const size_t *vlens, size_t n, size_t *len, int where, const char *fn)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (n == 0 || !vals)
        return ak_set_error(AIKV_MISUSE, "%s: no values", fn);
    for (size_t i = 0; i < n; i++)
        if (!vals[i] && (!vlens || vlens[i]))
            return ak_set_error(AIKV_MISUSE, "%s: vals[%zu] is NULL", fn, i);
    ak_slice *v = ak_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = ak_slice_of(vals[i], vlens ? vlens[i] : strlen(vals[i]));
    size_t l = 0;
    ak_store_lock(db->st);
    int rc = ak_op_list_push(db->st, db->index, ak_slice_of(key, klen), where, v, n, 0, &l);
    int serr = ak_api_unlock(db->st);
    ak_free(v);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (len)
        *len = l;
    return AIKV_OK;
}

AIKV_API int aikv_lpush(aikv_db_t *db, const void *key, size_t klen, const void *const *vals,
                        const size_t *vlens, size_t n, size_t *len)
{
    return push_generic(db, key, klen, vals, vlens, n, len, AK_LIST_HEAD, "aikv_lpush");
}

AIKV_API int aikv_rpush(aikv_db_t *db, const void *key, size_t klen, const void *const *vals,
                        const size_t *vlens, size_t n, size_t *len)
{
    return push_generic(db, key, klen, vals, vlens, n, len, AK_LIST_TAIL, "aikv_rpush");
}

static int pop_generic(aikv_db_t *db, const void *key, size_t klen, size_t count,
                       aikv_reply_t **out, int where, const char *fn)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    aikv_reply_t *a = ak_reply_new(AIKV_REPLY_ARRAY);
    ak_slice k = ak_slice_of(key, klen);
    int rc;
    ak_store_lock(db->st);
    if (count == 0) { /* as LPOP key 0: nothing popped, but the key is checked */
        size_t len;
        rc = lops(db)->len(db->st->engine, db->index, k, &len);
    } else {
        rc = ak_op_list_pop(db->st, db->index, k, where, count, arr_begin, arr_add, a);
    }
    int serr = ak_api_unlock(db->st);
    if (serr || rc != AK_OK) {
        aikv_reply_free(a);
        if (serr)
            return serr;
        return rc == AK_WRONGTYPE ? wrongtype() : AIKV_OK;
    }
    *out = a;
    return AIKV_OK;
}

AIKV_API int aikv_lpop(aikv_db_t *db, const void *key, size_t klen, size_t count,
                       aikv_reply_t **out)
{
    return pop_generic(db, key, klen, count, out, AK_LIST_HEAD, "aikv_lpop");
}

AIKV_API int aikv_rpop(aikv_db_t *db, const void *key, size_t klen, size_t count,
                       aikv_reply_t **out)
{
    return pop_generic(db, key, klen, count, out, AK_LIST_TAIL, "aikv_rpop");
}

/* ---------------------------------------------------------------- reading */

AIKV_API int aikv_llen(aikv_db_t *db, const void *key, size_t klen, uint64_t *n)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!n)
        return ak_set_error(AIKV_MISUSE, "aikv_llen: n is NULL");
    size_t len = 0;
    ak_store_lock(db->st);
    int rc = lops(db)->len(db->st->engine, db->index, ak_slice_of(key, klen), &len);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *n = rc == AK_OK ? len : 0;
    return AIKV_OK;
}

AIKV_API int aikv_lrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                         int64_t stop, aikv_reply_t **out)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_lrange: out is NULL");
    *out = NULL;
    aikv_reply_t *a = ak_reply_new(AIKV_REPLY_ARRAY);
    ak_store_lock(db->st);
    int rc = lops(db)->range(db->st->engine, db->index, ak_slice_of(key, klen), start, stop,
                             arr_begin, arr_add, a);
    int serr = ak_api_unlock(db->st);
    if (serr || rc == AK_WRONGTYPE) {
        aikv_reply_free(a);
        if (serr)
            return serr;
        return wrongtype();
    }
    *out = a;
    return AIKV_OK;
}

AIKV_API int aikv_lindex(aikv_db_t *db, const void *key, size_t klen, int64_t index, char **val,
                         size_t *vlen)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!val)
        return ak_set_error(AIKV_MISUSE, "aikv_lindex: val is NULL");
    *val = NULL;
    if (vlen)
        *vlen = 0;
    ak_slice v;
    ak_store_lock(db->st);
    int rc = lops(db)->index(db->st->engine, db->index, ak_slice_of(key, klen), index, &v);
    if (rc == AK_OK) {
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
