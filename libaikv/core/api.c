/*
 * api.c -- the typed C API of aikv.h (strings, keys, TTLs, SCAN).
 *
 * Each function validates its arguments, takes the store lock, and runs the
 * same operation the corresponding command runs (the ak_op_* functions of
 * cmd/, or the engine directly where the command adds nothing), so the C
 * API and the protocol cannot drift apart.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd/cmds.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "api.h"
#include "core.h"
#include "resp.h"


static ak_engine *engine(aikv_db_t *db)
{
    return db->st->engine;
}

/* ---------------------------------------------------------------- strings */

typedef struct old_copy {
    char *p;
    size_t len;
} old_copy;

static void keep_old(void *ctx, const ak_slice *old)
{
    old_copy *oc = ctx;
    if (old) {
        oc->p = ak_memdup(old->p, old->len);
        oc->len = old->len;
    }
}

AIKV_API int aikv_set(aikv_db_t *db, const void *key, size_t klen, const void *val, size_t vlen,
                      aikv_setopt_t *opt)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!val && vlen)
        return ak_set_error(AIKV_MISUSE, "aikv_set: val is NULL");
    unsigned flags = opt ? opt->flags : 0;
    if ((flags & AIKV_SET_NX) && (flags & AIKV_SET_XX))
        return ak_set_error(AIKV_MISUSE, "aikv_set: NX and XX together");
    int units = !!(flags & AIKV_SET_PX) + !!(flags & AIKV_SET_PXAT) + !!(flags & AIKV_SET_KEEPTTL);
    if (units > 1)
        return ak_set_error(AIKV_MISUSE, "aikv_set: more than one of PX, PXAT, KEEPTTL");
    int64_t when = AK_NO_EXPIRE;
    if (flags & (AIKV_SET_PX | AIKV_SET_PXAT)) {
        int64_t e = opt->expire;
        if (e <= 0)
            return ak_set_error(AIKV_RANGE, "invalid expire time in 'set' command");
        if (flags & AIKV_SET_PX) {
            int64_t now = ak_mstime();
            if (e > INT64_MAX - now)
                return ak_set_error(AIKV_RANGE, "invalid expire time in 'set' command");
            e += now;
        }
        when = e;
    }
    if ((unsigned long long)vlen > (unsigned long long)db->st->cfg.proto_max_bulk_len)
        return ak_set_error(AIKV_TOOBIG, "string exceeds maximum allowed size (proto-max-bulk-len)");
    unsigned f = ((flags & AIKV_SET_NX) ? AK_SET_NX : 0) | ((flags & AIKV_SET_XX) ? AK_SET_XX : 0) |
                 ((flags & AIKV_SET_GET) ? AK_SET_GET : 0) |
                 ((flags & AIKV_SET_KEEPTTL) ? AK_SET_KEEPTTL : 0);
    old_copy oc = {NULL, 0};
    int applied = 0;
    ak_store_lock(db->st);
    int rc = ak_op_set(db->st, db->index, ak_slice_of(key, klen), ak_slice_of(val, vlen), f, when,
                       keep_old, &oc, &applied);
    int serr = ak_api_unlock(db->st);
    if (serr) {
        ak_free(oc.p);
        return serr;
    }
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (opt) {
        opt->applied = applied;
        opt->old = oc.p;
        opt->oldlen = oc.len;
    } else {
        ak_free(oc.p);
    }
    return AIKV_OK;
}

AIKV_API int aikv_get(aikv_db_t *db, const void *key, size_t klen, char **val, size_t *vlen)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!val)
        return ak_set_error(AIKV_MISUSE, "aikv_get: val is NULL");
    *val = NULL;
    if (vlen)
        *vlen = 0;
    ak_slice v;
    ak_store_lock(db->st);
    int rc = engine(db)->ops->str_get(engine(db), db->index, ak_slice_of(key, klen), &v);
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

static int counter_error(int rc)
{
    switch (rc) {
    case AK_WRONGTYPE:
        return wrongtype();
    case AIKV_NOTNUM:
        return ak_set_error(rc, "value is not a number or out of range");
    case AIKV_OVERFLOW:
        return ak_set_error(rc, "increment or decrement would overflow");
    case AIKV_RANGE:
        return ak_set_error(AIKV_NOTNUM, "increment would produce NaN or Infinity");
    }
    return rc;
}

AIKV_API int aikv_incrby(aikv_db_t *db, const void *key, size_t klen, int64_t by, int64_t *result)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    long long r = 0;
    ak_store_lock(db->st);
    int rc = ak_op_incrby(db->st, db->index, ak_slice_of(key, klen), by, &r);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc != AK_OK)
        return counter_error(rc);
    if (result)
        *result = r;
    return AIKV_OK;
}

AIKV_API int aikv_incrbyfloat(aikv_db_t *db, const void *key, size_t klen, double by,
                              double *result)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    /* `by` goes through its shortest decimal text, as if typed to
     * INCRBYFLOAT: 0.1 adds the long double nearest 0.1, not the double
     * nearest 0.1 (which would print 10.5 + 0.1 as 10.60000000000000001). */
    char text[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, by);
        if (strtod(text, NULL) == by)
            break;
    }
    long double lby;
    if (!ak_str2ld(text, strlen(text), &lby))
        return ak_set_error(AIKV_NOTNUM, "increment would produce NaN or Infinity");
    char *buf = ak_malloc(AK_LD_STR_CAP);
    size_t n;
    long double r = 0;
    ak_store_lock(db->st);
    int rc = ak_op_incrbyfloat(db->st, db->index, ak_slice_of(key, klen), lby, buf, &n, &r);
    int serr = ak_api_unlock(db->st);
    ak_free(buf);
    if (serr)
        return serr;
    if (rc != AK_OK)
        return counter_error(rc);
    if (result)
        *result = (double)r;
    return AIKV_OK;
}

static int length_result(int rc, size_t n, size_t *newlen)
{
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (rc == AIKV_TOOBIG)
        return ak_set_error(rc, "string exceeds maximum allowed size (proto-max-bulk-len)");
    if (newlen)
        *newlen = n;
    return AIKV_OK;
}

AIKV_API int aikv_append(aikv_db_t *db, const void *key, size_t klen, const void *val,
                         size_t vlen, size_t *newlen)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    size_t n = 0;
    ak_store_lock(db->st);
    int rc = ak_op_append(db->st, db->index, ak_slice_of(key, klen), ak_slice_of(val, vlen), &n);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    return length_result(rc, n, newlen);
}

AIKV_API int aikv_strlen(aikv_db_t *db, const void *key, size_t klen, size_t *len)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    ak_slice v;
    ak_store_lock(db->st);
    int rc = engine(db)->ops->str_get(engine(db), db->index, ak_slice_of(key, klen), &v);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (len)
        *len = rc == AK_OK ? v.len : 0;
    return AIKV_OK;
}

AIKV_API int aikv_getrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                           int64_t end, char **out, size_t *outlen)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_getrange: out is NULL");
    ak_slice v;
    size_t from = 0, count = 0;
    ak_store_lock(db->st);
    int rc = engine(db)->ops->str_get(engine(db), db->index, ak_slice_of(key, klen), &v);
    if (rc == AK_OK && ak_range_resolve(start, end, v.len, &from, &count))
        *out = ak_memdup(v.p + from, count);
    else
        *out = ak_memdup("", 0), count = 0;
    int serr = ak_api_unlock(db->st);
    if (serr || rc == AK_WRONGTYPE) {
        ak_free(*out);
        *out = NULL;
        return serr ? serr : wrongtype();
    }
    if (outlen)
        *outlen = count;
    return AIKV_OK;
}

AIKV_API int aikv_setrange(aikv_db_t *db, const void *key, size_t klen, size_t offset,
                           const void *val, size_t vlen, size_t *newlen)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    size_t n = 0;
    ak_store_lock(db->st);
    int rc = ak_op_setrange(db->st, db->index, ak_slice_of(key, klen), offset,
                            ak_slice_of(val, vlen), &n);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    return length_result(rc, n, newlen);
}

/* ---------------------------------------------------------------- keys */

AIKV_API int aikv_del(aikv_db_t *db, const void *key, size_t klen, int *deleted)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    ak_store_lock(db->st);
    int d = engine(db)->ops->del(engine(db), db->index, ak_slice_of(key, klen));
    if (d)
        ak_signal_key(db->st, db->index, ak_slice_of(key, klen));
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (deleted)
        *deleted = d;
    return AIKV_OK;
}

static int keyinfo(aikv_db_t *db, const void *key, size_t klen, ak_keyinfo *ki)
{
    ak_store_lock(db->st);
    engine(db)->ops->lookup(engine(db), db->index, ak_slice_of(key, klen), AK_LOOKUP_NOTOUCH, ki);
    return ak_api_unlock(db->st);
}

AIKV_API int aikv_exists(aikv_db_t *db, const void *key, size_t klen, int *exists)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!exists)
        return ak_set_error(AIKV_MISUSE, "aikv_exists: exists is NULL");
    ak_keyinfo ki;
    int serr = keyinfo(db, key, klen, &ki);
    if (serr)
        return serr;
    *exists = ki.type != AIKV_TYPE_NONE;
    return AIKV_OK;
}

AIKV_API int aikv_type(aikv_db_t *db, const void *key, size_t klen, aikv_type_t *type)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!type)
        return ak_set_error(AIKV_MISUSE, "aikv_type: type is NULL");
    ak_keyinfo ki;
    int serr = keyinfo(db, key, klen, &ki);
    if (serr)
        return serr;
    *type = ki.type;
    return AIKV_OK;
}

AIKV_API int aikv_expire(aikv_db_t *db, const void *key, size_t klen, int64_t ms, unsigned flags,
                         int *applied)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if ((flags & AIKV_EXPIRE_NX) && (flags & (AIKV_EXPIRE_XX | AIKV_EXPIRE_GT | AIKV_EXPIRE_LT)))
        return ak_set_error(AIKV_MISUSE, "NX and XX, GT or LT options at the same time are not compatible");
    if ((flags & AIKV_EXPIRE_GT) && (flags & AIKV_EXPIRE_LT))
        return ak_set_error(AIKV_MISUSE, "GT and LT options at the same time are not compatible");
    int64_t when = ms;
    if (!(flags & AIKV_EXPIRE_AT)) {
        int64_t now = ak_mstime();
        if (ms > INT64_MAX - now)
            return ak_set_error(AIKV_RANGE, "invalid expire time");
        when = now + ms;
    }
    int a;
    ak_store_lock(db->st);
    ak_op_expire(db->st, db->index, ak_slice_of(key, klen), when, flags, &a);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (applied)
        *applied = a;
    return AIKV_OK;
}

AIKV_API int aikv_pttl(aikv_db_t *db, const void *key, size_t klen, int64_t *ttl_ms)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!ttl_ms)
        return ak_set_error(AIKV_MISUSE, "aikv_pttl: ttl_ms is NULL");
    ak_store_lock(db->st);
    *ttl_ms = ak_op_pttl(db->st, db->index, ak_slice_of(key, klen));
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    return AIKV_OK;
}

AIKV_API int aikv_ttl(aikv_db_t *db, const void *key, size_t klen, int64_t *ttl_s)
{
    int64_t ms;
    int rc = aikv_pttl(db, key, klen, &ms);
    if (rc == AIKV_OK && ttl_s)
        *ttl_s = ms < 0 ? ms : (ms + 500) / 1000;
    return rc;
}

AIKV_API int aikv_pexpiretime(aikv_db_t *db, const void *key, size_t klen, int64_t *when_ms)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    if (!when_ms)
        return ak_set_error(AIKV_MISUSE, "aikv_pexpiretime: when_ms is NULL");
    ak_keyinfo ki;
    int serr = keyinfo(db, key, klen, &ki);
    if (serr)
        return serr;
    *when_ms = ki.type == AIKV_TYPE_NONE ? -2 : ki.expire == AK_NO_EXPIRE ? -1 : ki.expire;
    return AIKV_OK;
}

AIKV_API int aikv_persist(aikv_db_t *db, const void *key, size_t klen, int *applied)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    ak_keyinfo ki;
    int a = 0;
    ak_store_lock(db->st);
    ak_engine *e = engine(db);
    e->ops->lookup(e, db->index, ak_slice_of(key, klen), AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type != AIKV_TYPE_NONE && ki.expire != AK_NO_EXPIRE) {
        e->ops->set_expire(e, db->index, ak_slice_of(key, klen), AK_NO_EXPIRE);
        ak_signal_key(db->st, db->index, ak_slice_of(key, klen));
        a = 1;
    }
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (applied)
        *applied = a;
    return AIKV_OK;
}

AIKV_API int aikv_rename(aikv_db_t *db, const void *key, size_t klen, const void *newkey,
                         size_t newklen, int nx, int *applied)
{
    CHECK_DB(db);
    CHECK_KEY(key, klen);
    CHECK_KEY(newkey, newklen);
    ak_slice src = ak_slice_of(key, klen), dst = ak_slice_of(newkey, newklen);
    int same = klen == newklen && (klen == 0 || memcmp(key, newkey, klen) == 0);
    int rc;
    ak_store_lock(db->st);
    ak_engine *e = engine(db);
    if (same) {
        ak_keyinfo ki;
        e->ops->lookup(e, db->index, src, AK_LOOKUP_NOTOUCH, &ki);
        rc = ki.type == AIKV_TYPE_NONE ? AK_NOTFOUND : !nx;
    } else {
        rc = e->ops->rename(e, db->index, src, db->index, dst, !nx);
        if (rc == 1) {
            ak_signal_key(db->st, db->index, src);
            ak_signal_key(db->st, db->index, dst);
        }
    }
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_NOTFOUND)
        return ak_set_error(AIKV_NOKEY, "no such key");
    if (applied)
        *applied = rc == 1;
    return AIKV_OK;
}

typedef struct scan_acc {
    aikv_reply_t *arr;
    size_t cap;
    const char *pat;
    size_t plen;
} scan_acc;

static void scan_add(void *ctx, ak_slice key, aikv_type_t type)
{
    scan_acc *a = ctx;
    (void)type;
    if (a->pat && !ak_glob_match(a->pat, a->plen, key.p, key.len, 0))
        return;
    if (a->arr->elements == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->arr->element = ak_realloc(a->arr->element, a->cap * sizeof(aikv_reply_t *));
    }
    a->arr->element[a->arr->elements++] = ak_reply_new_str(AIKV_REPLY_STRING, key.p, key.len);
}

AIKV_API int aikv_scan(aikv_db_t *db, uint64_t cursor, const char *pattern, size_t count,
                       uint64_t *next, aikv_reply_t **keys)
{
    CHECK_DB(db);
    if (!next || !keys)
        return ak_set_error(AIKV_MISUSE, "aikv_scan: next and keys must not be NULL");
    if (count == 0)
        count = 10;
    scan_acc a = {ak_reply_new(AIKV_REPLY_ARRAY), 0, pattern, pattern ? strlen(pattern) : 0};
    if (a.pat && a.plen == 1 && a.pat[0] == '*')
        a.pat = NULL;
    ak_store_lock(db->st);
    ak_engine *e = engine(db);
    size_t steps = count * 10;
    do {
        cursor = e->ops->scan(e, db->index, cursor, scan_add, &a);
    } while (cursor != 0 && a.arr->elements < count && --steps > 0);
    int serr = ak_api_unlock(db->st);
    if (serr) {
        aikv_reply_free(a.arr);
        return serr;
    }
    *next = cursor;
    *keys = a.arr;
    return AIKV_OK;
}

AIKV_API int aikv_dbsize(aikv_db_t *db, uint64_t *n)
{
    CHECK_DB(db);
    if (!n)
        return ak_set_error(AIKV_MISUSE, "aikv_dbsize: n is NULL");
    ak_store_lock(db->st);
    *n = engine(db)->ops->dbsize(engine(db), db->index);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    return AIKV_OK;
}
