/*
 * api_zset.c -- the typed C API of aikv.h for sorted sets.
 *
 * As api.c: validate the arguments, take the store lock, run the operation
 * the command runs (ak_op_zadd / ak_op_zrem of cmd/zset.c for writes, which
 * also signal the key; the engine's zset operations for reads), copy out
 * what the caller keeps, unlock. Ranges come back as an aikv_reply_t array
 * built while the engine hands the members out, scores as DOUBLE replies
 * carrying Redis's text of the number.
 */
#include <math.h>
#include <string.h>

#include "../cmd/cmds.h"
#include "../store/zset.h"
#include "../util/alloc.h"
#include "../util/num.h"
#include "api.h"
#include "core.h"
#include "resp.h"


static const struct ak_zset_ops *zops(aikv_db_t *db)
{
    return db->st->engine->ops->zset;
}

AIKV_API int aikv_zadd(aikv_db_t *db, const void *key, size_t klen, const void *member,
                       size_t mlen, double score, unsigned flags, int *result, double *newscore)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(member, mlen, "member");
    if (flags & ~(unsigned)(AIKV_ZADD_NX | AIKV_ZADD_XX | AIKV_ZADD_GT | AIKV_ZADD_LT | AIKV_ZADD_INCR))
        return ak_set_error(AIKV_MISUSE, "aikv_zadd: unknown flags");
    if ((flags & AIKV_ZADD_NX) && (flags & AIKV_ZADD_XX))
        return ak_set_error(AIKV_MISUSE, "XX and NX options at the same time are not compatible");
    if (((flags & AIKV_ZADD_NX) && (flags & (AIKV_ZADD_GT | AIKV_ZADD_LT))) ||
        ((flags & AIKV_ZADD_GT) && (flags & AIKV_ZADD_LT)))
        return ak_set_error(AIKV_MISUSE, "GT, LT, and/or NX options at the same time are not compatible");
    if (isnan(score))
        return ak_set_error(AIKV_NOTNUM, "value is not a valid float");
    unsigned f = ((flags & AIKV_ZADD_NX) ? AK_ZADD_NX : 0) | ((flags & AIKV_ZADD_XX) ? AK_ZADD_XX : 0) |
                 ((flags & AIKV_ZADD_GT) ? AK_ZADD_GT : 0) | ((flags & AIKV_ZADD_LT) ? AK_ZADD_LT : 0) |
                 ((flags & AIKV_ZADD_INCR) ? AK_ZADD_INCR : 0);
    ak_zelem el = {ak_slice_of(member, mlen), score};
    ak_zadd_result res;
    ak_store_lock(db->st);
    int rc = ak_op_zadd(db->st, db->index, ak_slice_of(key, klen), &el, 1, f, &res);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (rc == AIKV_NOTNUM)
        return ak_set_error(AIKV_NOTNUM, "resulting score is not a number (NaN)");
    if (result)
        *result = !res.processed ? AIKV_ZADD_REFUSED
                  : res.added    ? AIKV_ZADD_ADDED
                  : res.updated  ? AIKV_ZADD_UPDATED
                                 : AIKV_ZADD_SAME;
    if (newscore && res.processed)
        *newscore = res.score;
    return AIKV_OK;
}

AIKV_API int aikv_zscore(aikv_db_t *db, const void *key, size_t klen, const void *member,
                         size_t mlen, double *score, int *found)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(member, mlen, "member");
    if (!found)
        return ak_set_error(AIKV_MISUSE, "aikv_zscore: found is NULL");
    ak_slice m = ak_slice_of(member, mlen);
    double s = 0;
    unsigned char f = 0;
    ak_store_lock(db->st);
    int rc = zops(db)->score(db->st->engine, db->index, ak_slice_of(key, klen), &m, 1, &s, &f);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *found = f;
    if (f && score)
        *score = s;
    return AIKV_OK;
}

AIKV_API int aikv_zrem(aikv_db_t *db, const void *key, size_t klen, const void *member,
                       size_t mlen, int *removed)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(member, mlen, "member");
    ak_slice m = ak_slice_of(member, mlen);
    size_t n = 0;
    ak_store_lock(db->st);
    int rc = ak_op_zrem(db->st, db->index, ak_slice_of(key, klen), &m, 1, &n);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (removed)
        *removed = n > 0;
    return AIKV_OK;
}

AIKV_API int aikv_zcard(aikv_db_t *db, const void *key, size_t klen, uint64_t *n)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!n)
        return ak_set_error(AIKV_MISUSE, "aikv_zcard: n is NULL");
    size_t c = 0;
    ak_store_lock(db->st);
    int rc = zops(db)->card(db->st->engine, db->index, ak_slice_of(key, klen), &c);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *n = c;
    return AIKV_OK;
}

AIKV_API int aikv_zrank(aikv_db_t *db, const void *key, size_t klen, const void *member,
                        size_t mlen, int rev, int64_t *rank)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(member, mlen, "member");
    if (!rank)
        return ak_set_error(AIKV_MISUSE, "aikv_zrank: rank is NULL");
    int found = 0;
    size_t r = 0;
    double s;
    ak_store_lock(db->st);
    int rc = zops(db)->rank(db->st->engine, db->index, ak_slice_of(key, klen),
                            ak_slice_of(member, mlen), rev != 0, &found, &r, &s);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *rank = found ? (int64_t)r : -1;
    return AIKV_OK;
}

/* ---------------------------------------------------------------- ranges */

typedef struct range_acc {
    aikv_reply_t *arr;
    size_t cap;
    int withscores;
} range_acc;

static void acc_push(range_acc *a, aikv_reply_t *r)
{
    if (a->arr->elements == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->arr->element = ak_realloc(a->arr->element, a->cap * sizeof(aikv_reply_t *));
    }
    a->arr->element[a->arr->elements++] = r;
}

static void acc_add(void *ctx, ak_slice m, double score)
{
    range_acc *a = ctx;
    acc_push(a, ak_reply_new_str(AIKV_REPLY_STRING, m.p, m.len));
    if (a->withscores) {
        char buf[64];
        size_t n = ak_d2str(buf, sizeof buf, score);
        aikv_reply_t *d = ak_reply_new_str(AIKV_REPLY_DOUBLE, buf, n);
        d->dval = score;
        acc_push(a, d);
    }
}

static int run_range(aikv_db_t *db, const void *key, size_t klen, const ak_zrange *r,
                     int withscores, aikv_reply_t **out)
{
    range_acc a = {ak_reply_new(AIKV_REPLY_ARRAY), 0, withscores};
    ak_store_lock(db->st);
    int rc = zops(db)->range(db->st->engine, db->index, ak_slice_of(key, klen), r, acc_add, &a);
    int serr = ak_api_unlock(db->st);
    if (serr || rc == AK_WRONGTYPE) {
        aikv_reply_free(a.arr);
        if (serr)
            return serr;
        return wrongtype();
    }
    *out = a.arr;
    return AIKV_OK;
}

AIKV_API int aikv_zrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                         int64_t stop, unsigned flags, aikv_reply_t **out)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_zrange: out is NULL");
    *out = NULL;
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = AK_ZBY_RANK;
    r.rev = (flags & AIKV_ZRANGE_REV) != 0;
    r.start = start;
    r.stop = stop;
    r.limit = -1;
    return run_range(db, key, klen, &r, (flags & AIKV_ZRANGE_WITHSCORES) != 0, out);
}

AIKV_API int aikv_zrangebyscore(aikv_db_t *db, const void *key, size_t klen, double min,
                                double max, unsigned flags, int64_t offset, int64_t count,
                                aikv_reply_t **out)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_zrangebyscore: out is NULL");
    *out = NULL;
    if (isnan(min) || isnan(max))
        return ak_set_error(AIKV_NOTNUM, "min or max is not a float");
    if (offset < 0)
        return ak_set_error(AIKV_RANGE, "aikv_zrangebyscore: negative offset");
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = AK_ZBY_SCORE;
    r.rev = (flags & AIKV_ZRANGE_REV) != 0;
    r.score.min = min;
    r.score.max = max;
    r.score.minex = (flags & AIKV_ZRANGE_MINEX) != 0;
    r.score.maxex = (flags & AIKV_ZRANGE_MAXEX) != 0;
    r.offset = offset;
    r.limit = count < 0 ? -1 : count;
    return run_range(db, key, klen, &r, (flags & AIKV_ZRANGE_WITHSCORES) != 0, out);
}
