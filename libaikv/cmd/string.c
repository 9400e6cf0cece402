/*
 * string.c -- the string commands: GET SET and their variants, counters,
 * ranges, LCS.
 *
 * Handlers parse and validate every argument before touching the store, so
 * a syntax error never leaves a half-applied write. Operations shared with
 * the typed C API (aikv_set, aikv_incrby, ...) are the ak_op_* functions.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/num.h"
#include "cmds.h"

/* ---------------------------------------------------------------- helpers */

/* Reads a string key for a command: replies WRONGTYPE and returns -1 for
 * another type; 0 = missing, 1 = *val set. */
static int read_string(ak_session *c, ak_slice key, ak_slice *val)
{
    int rc = ak_eng(c)->ops->str_get(ak_eng(c), c->db, key, val);
    ak_count_lookup(c, rc); /* a key of another type is a hit */
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return -1;
    }
    return rc == AK_OK;
}

static int too_long(ak_store *st, size_t len)
{
    return (unsigned long long)len > (unsigned long long)st->cfg.proto_max_bulk_len;
}

static int check_length(ak_session *c, size_t len)
{
    if (too_long(c->st, len)) {
        ak_reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- SET family */

enum { FOR_SET, FOR_GETEX };

/* Redis's parseExtendedStringArgumentsOrReply(): the options from argv[from]
 * on. Returns 0 after replying a syntax error. *expire_arg is the index of
 * the time argument (0 if none). */
static int parse_set_options(ak_session *c, int from, int mode, unsigned *flags, int *expire_arg)
{
    *flags = 0;
    *expire_arg = 0;
    for (int j = from; j < c->argc; j++) {
        int has_next = j + 1 < c->argc;
        unsigned f = *flags;
        if (mode == FOR_SET && ak_arg_is(c, j, "nx") && !(f & AK_SET_XX)) {
            *flags |= AK_SET_NX;
        } else if (mode == FOR_SET && ak_arg_is(c, j, "xx") && !(f & AK_SET_NX)) {
            *flags |= AK_SET_XX;
        } else if (mode == FOR_SET && ak_arg_is(c, j, "get")) {
            *flags |= AK_SET_GET;
        } else if (mode == FOR_SET && ak_arg_is(c, j, "keepttl") && !(f & AK_SET_EXPIRES)) {
            *flags |= AK_SET_KEEPTTL;
        } else if (mode == FOR_GETEX && ak_arg_is(c, j, "persist") && !(f & AK_SET_EXPIRES)) {
            *flags |= AK_SET_PERSIST;
        } else {
            static const struct {
                const char *word;
                unsigned flag;
            } units[] = {{"ex", AK_SET_EX}, {"px", AK_SET_PX}, {"exat", AK_SET_EXAT}, {"pxat", AK_SET_PXAT}};
            unsigned hit = 0;
            for (size_t u = 0; u < 4; u++)
                if (ak_arg_is(c, j, units[u].word))
                    hit = units[u].flag;
            /* The same unit may repeat (last wins); different ones clash. */
            if (!hit || !has_next || (f & (AK_SET_KEEPTTL | AK_SET_PERSIST)) ||
                (f & AK_SET_EXPIRES & ~hit)) {
                ak_reply_error(c, AK_ERR_SYNTAX);
                return 0;
            }
            *flags |= hit;
            *expire_arg = ++j;
        }
    }
    return 1;
}

/* Converts the time argument to an absolute ms time, Redis's checks and
 * messages included. Returns 0 after replying. */
static int expire_arg_ms(ak_session *c, int arg, unsigned unit, int64_t *when)
{
    long long v;
    if (!ak_arg_ll(c, arg, &v))
        return 0;
    int seconds = unit & (AK_SET_EX | AK_SET_EXAT);
    int relative = unit & (AK_SET_EX | AK_SET_PX);
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        ak_reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
        return 0;
    }
    if (seconds)
        v *= 1000;
    if (relative) {
        int64_t now = ak_mstime();
        if (v > LLONG_MAX - now) {
            ak_reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
            return 0;
        }
        v += now;
    }
    *when = v;
    return 1;
}

int ak_op_set(ak_store *st, int db, ak_slice key, ak_slice val, unsigned flags, int64_t when,
                  ak_old_fn *on_old, void *ctx, int *applied)
{
    ak_engine *e = st->engine;
    int exists;
    if (flags & AK_SET_GET) {
        ak_slice old;
        int rc = e->ops->str_get(e, db, key, &old);
        if (rc == AK_WRONGTYPE)
            return AK_WRONGTYPE;
        exists = rc == AK_OK;
        on_old(ctx, exists ? &old : NULL);
    } else if (flags & (AK_SET_NX | AK_SET_XX)) {
        ak_keyinfo ki;
        e->ops->lookup(e, db, key, AK_LOOKUP_NOTOUCH, &ki);
        exists = ki.type != AIKV_TYPE_NONE;
    } else {
        exists = 0;
    }
    if (((flags & AK_SET_NX) && exists) || ((flags & AK_SET_XX) && !exists)) {
        *applied = 0;
        return AK_OK;
    }
    int64_t expire = when != AK_NO_EXPIRE ? when : (flags & AK_SET_KEEPTTL) ? AK_KEEP_TTL : AK_NO_EXPIRE;
    e->ops->str_set(e, db, key, val, expire, 0);
    ak_signal_key(st, db, key);
    *applied = 1;
    return AK_OK;
}

static void old_to_reply(void *ctx, const ak_slice *old)
{
    ak_out *o = ctx;
    if (old)
        ak_out_bulk(o, old->p, old->len);
    else
        ak_out_null(o);
}

static void set_generic(ak_session *c, ak_slice key, ak_slice val, unsigned flags, int64_t when)
{
    int applied;
    if (ak_op_set(c->st, c->db, key, val, flags, when, old_to_reply, &c->out, &applied) ==
        AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (flags & AK_SET_GET)
        return; /* the old value was the reply */
    if (applied)
        ak_reply_ok(c);
    else
        ak_out_null(&c->out);
}

void ak_cmd_set(ak_session *c)
{
    unsigned flags;
    int earg;
    int64_t when = AK_NO_EXPIRE;
    if (!parse_set_options(c, 3, FOR_SET, &flags, &earg))
        return;
    if (earg && !expire_arg_ms(c, earg, flags & AK_SET_EXPIRES, &when))
        return;
    if (!check_length(c, c->argvlen[2]))
        return;
    set_generic(c, ak_arg(c, 1), ak_arg(c, 2), flags, when);
}

void ak_cmd_setnx(ak_session *c)
{
    int applied;
    ak_op_set(c->st, c->db, ak_arg(c, 1), ak_arg(c, 2), AK_SET_NX, AK_NO_EXPIRE, NULL, NULL, &applied);
    ak_out_integer(&c->out, applied);
}

static void setex_generic(ak_session *c, unsigned unit)
{
    int64_t when;
    if (!expire_arg_ms(c, 2, unit, &when))
        return;
    set_generic(c, ak_arg(c, 1), ak_arg(c, 3), 0, when);
}

void ak_cmd_setex(ak_session *c)
{
    setex_generic(c, AK_SET_EX);
}

void ak_cmd_psetex(ak_session *c)
{
    setex_generic(c, AK_SET_PX);
}

void ak_cmd_getset(ak_session *c)
{
    set_generic(c, ak_arg(c, 1), ak_arg(c, 2), AK_SET_GET, AK_NO_EXPIRE);
}

void ak_cmd_get(ak_session *c)
{
    ak_slice v;
    int rc = read_string(c, ak_arg(c, 1), &v);
    if (rc == 1)
        ak_out_bulk(&c->out, v.p, v.len);
    else if (rc == 0)
        ak_out_null(&c->out);
}

void ak_cmd_getdel(ak_session *c)
{
    ak_slice v;
    int rc = read_string(c, ak_arg(c, 1), &v);
    if (rc == 0)
        ak_out_null(&c->out);
    if (rc != 1)
        return;
    ak_out_bulk(&c->out, v.p, v.len);
    ak_eng(c)->ops->del(ak_eng(c), c->db, ak_arg(c, 1));
    ak_signal_key(c->st, c->db, ak_arg(c, 1));
}

void ak_cmd_getex(ak_session *c)
{
    unsigned flags;
    int earg;
    int64_t when = AK_NO_EXPIRE;
    if (!parse_set_options(c, 2, FOR_GETEX, &flags, &earg))
        return;
    /* Redis validates the time only once the key is known to be a string. */
    ak_slice key = ak_arg(c, 1), v;
    int rc = read_string(c, key, &v);
    if (rc == 0)
        ak_out_null(&c->out);
    if (rc != 1)
        return;
    if (earg && !expire_arg_ms(c, earg, flags & AK_SET_EXPIRES, &when))
        return;
    /* The engine's slice may not survive the TTL change: reply first. */
    ak_out_bulk(&c->out, v.p, v.len);
    ak_engine *e = ak_eng(c);
    if (when != AK_NO_EXPIRE && when <= ak_mstime()) {
        e->ops->del(e, c->db, key); /* an absolute time already past */
        ak_signal_key(c->st, c->db, key);
    } else if (when != AK_NO_EXPIRE || (flags & AK_SET_PERSIST)) {
        ak_keyinfo ki;
        e->ops->lookup(e, c->db, key, AK_LOOKUP_NOTOUCH, &ki);
        if (when != AK_NO_EXPIRE || ki.expire != AK_NO_EXPIRE) {
            e->ops->set_expire(e, c->db, key, when);
            ak_signal_key(c->st, c->db, key);
        }
    }
}

void ak_cmd_mget(ak_session *c)
{
    ak_out_array(&c->out, (size_t)c->argc - 1);
    for (int i = 1; i < c->argc; i++) {
        ak_slice v;
        int rc = ak_eng(c)->ops->str_get(ak_eng(c), c->db, ak_arg(c, i), &v);
        ak_count_lookup(c, rc);
        if (rc == AK_OK)
            ak_out_bulk(&c->out, v.p, v.len);
        else
            ak_out_null(&c->out);
    }
}

static void mset_generic(ak_session *c, int nx)
{
    if (c->argc % 2 == 0) {
        ak_reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    ak_engine *e = ak_eng(c);
    if (nx) {
        for (int i = 1; i < c->argc; i += 2) {
            ak_keyinfo ki;
            e->ops->lookup(e, c->db, ak_arg(c, i), AK_LOOKUP_NOTOUCH, &ki);
            if (ki.type != AIKV_TYPE_NONE) {
                ak_out_integer(&c->out, 0);
                return;
            }
        }
    }
    for (int i = 1; i < c->argc; i += 2) {
        e->ops->str_set(e, c->db, ak_arg(c, i), ak_arg(c, i + 1), AK_NO_EXPIRE, 0);
        ak_signal_key(c->st, c->db, ak_arg(c, i));
    }
    if (nx)
        ak_out_integer(&c->out, 1);
    else
        ak_reply_ok(c);
}

void ak_cmd_mset(ak_session *c)
{
    mset_generic(c, 0);
}

void ak_cmd_msetnx(ak_session *c)
{
    mset_generic(c, 1);
}

/* ---------------------------------------------------------------- counters */

int ak_op_incrby(ak_store *st, int db, ak_slice key, long long by, long long *result)
{
    ak_engine *e = st->engine;
    ak_slice v;
    long long cur = 0;
    int rc = e->ops->str_get(e, db, key, &v);
    if (rc == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (rc == AK_OK && !ak_str2ll(v.p, v.len, &cur))
        return AIKV_NOTNUM;
    if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) || (by > 0 && cur > 0 && by > LLONG_MAX - cur))
        return AIKV_OVERFLOW;
    cur += by;
    char buf[24];
    size_t n = ak_ll2str(buf, sizeof buf, cur);
    e->ops->str_set(e, db, key, ak_slice_of(buf, n), AK_KEEP_TTL, 0);
    ak_signal_key(st, db, key);
    *result = cur;
    return AK_OK;
}

static void incr_generic(ak_session *c, long long by)
{
    long long result;
    int rc = ak_op_incrby(c->st, c->db, ak_arg(c, 1), by, &result);
    if (rc == AK_OK)
        ak_out_integer(&c->out, result);
    else if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AIKV_NOTNUM)
        ak_reply_error(c, AK_ERR_NOTINT);
    else
        ak_reply_error(c, AK_ERR_OVERFLOW);
}

void ak_cmd_incr(ak_session *c)
{
    incr_generic(c, 1);
}

void ak_cmd_decr(ak_session *c)
{
    incr_generic(c, -1);
}

void ak_cmd_incrby(ak_session *c)
{
    long long by;
    if (ak_arg_ll(c, 2, &by))
        incr_generic(c, by);
}

void ak_cmd_decrby(ak_session *c)
{
    long long by;
    if (!ak_arg_ll(c, 2, &by))
        return;
    if (by == LLONG_MIN) {
        ak_reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

int ak_op_incrbyfloat(ak_store *st, int db, ak_slice key, long double by, char *buf,
                      size_t *len, long double *result)
{
    ak_engine *e = st->engine;
    ak_slice v;
    long double cur = 0;
    int rc = e->ops->str_get(e, db, key, &v);
    if (rc == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (rc == AK_OK && !ak_str2ld(v.p, v.len, &cur))
        return AIKV_NOTNUM;
    cur += by;
    if (isnan(cur) || isinf(cur))
        return AIKV_RANGE;
    size_t n = ak_ld2str(buf, AK_LD_STR_CAP, cur, 1);
    e->ops->str_set(e, db, key, ak_slice_of(buf, n), AK_KEEP_TTL, AK_STR_NOINT);
    ak_signal_key(st, db, key);
    *len = n;
    *result = cur;
    return AK_OK;
}

void ak_cmd_incrbyfloat(ak_session *c)
{
    long double by, result, cur;
    /* Redis checks the key (type, then value) before the increment. */
    ak_slice v;
    int found = read_string(c, ak_arg(c, 1), &v);
    if (found < 0)
        return;
    if ((found && !ak_str2ld(v.p, v.len, &cur)) || !ak_str2ld(c->argv[2], c->argvlen[2], &by)) {
        ak_reply_error(c, AK_ERR_NOTFLOAT);
        return;
    }
    char *buf = ak_malloc(AK_LD_STR_CAP);
    size_t n;
    int rc = ak_op_incrbyfloat(c->st, c->db, ak_arg(c, 1), by, buf, &n, &result);
    if (rc == AK_OK)
        ak_out_bulk(&c->out, buf, n);
    else if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AIKV_NOTNUM)
        ak_reply_error(c, AK_ERR_NOTFLOAT);
    else
        ak_reply_error(c, "ERR increment would produce NaN or Infinity");
    ak_free(buf);
}

/* ---------------------------------------------------------------- length, ranges */

int ak_op_append(ak_store *st, int db, ak_slice key, ak_slice val, size_t *newlen)
{
    ak_engine *e = st->engine;
    ak_slice cur;
    int rc = e->ops->str_get(e, db, key, &cur);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (too_long(st, (rc == AK_OK ? cur.len : 0) + val.len))
        return AIKV_TOOBIG;
    e->ops->str_append(e, db, key, val, newlen);
    ak_signal_key(st, db, key);
    return AK_OK;
}

int ak_op_setrange(ak_store *st, int db, ak_slice key, size_t off, ak_slice val, size_t *newlen)
{
    ak_engine *e = st->engine;
    ak_slice cur;
    int rc = e->ops->str_get(e, db, key, &cur);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (val.len == 0) { /* nothing to write: report the length, create nothing */
        *newlen = rc == AK_OK ? cur.len : 0;
        return AK_OK;
    }
    if (too_long(st, off) || too_long(st, off + val.len))
        return AIKV_TOOBIG;
    e->ops->str_setrange(e, db, key, off, val, newlen);
    ak_signal_key(st, db, key);
    return AK_OK;
}

/* The reply of APPEND and SETRANGE. */
static void reply_length(ak_session *c, int rc, size_t len)
{
    if (rc == AK_OK)
        ak_out_integer(&c->out, (long long)len);
    else if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
}

void ak_cmd_append(ak_session *c)
{
    size_t len = 0;
    int rc = ak_op_append(c->st, c->db, ak_arg(c, 1), ak_arg(c, 2), &len);
    reply_length(c, rc, len);
}

void ak_cmd_strlen(ak_session *c)
{
    ak_slice v;
    int rc = read_string(c, ak_arg(c, 1), &v);
    if (rc >= 0)
        ak_out_integer(&c->out, rc ? (long long)v.len : 0);
}

int ak_range_resolve(long long start, long long end, size_t n, size_t *from, size_t *count)
{
    long long len = (long long)n;
    *from = *count = 0;
    if (start < 0 && end < 0 && start > end)
        return 0;
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (start > end || len == 0)
        return 0;
    *from = (size_t)start;
    *count = (size_t)(end - start + 1);
    return 1;
}

void ak_cmd_getrange(ak_session *c)
{
    long long start, end;
    if (!ak_arg_ll(c, 2, &start) || !ak_arg_ll(c, 3, &end))
        return;
    ak_slice v;
    int rc = read_string(c, ak_arg(c, 1), &v);
    if (rc < 0)
        return;
    size_t from, count;
    if (rc == 0 || !ak_range_resolve(start, end, v.len, &from, &count))
        ak_out_bulk(&c->out, "", 0);
    else
        ak_out_bulk(&c->out, v.p + from, count);
}

void ak_cmd_setrange(ak_session *c)
{
    long long off;
    if (!ak_arg_ll(c, 2, &off))
        return;
    if (off < 0) {
        ak_reply_error(c, "ERR offset is out of range");
        return;
    }
    size_t len = 0;
    int rc = ak_op_setrange(c->st, c->db, ak_arg(c, 1), (size_t)off, ak_arg(c, 3), &len);
    reply_length(c, rc, len);
}

/* ---------------------------------------------------------------- LCS */

void ak_cmd_lcs(ak_session *c)
{
    int getlen = 0, getidx = 0, withmatchlen = 0;
    long long minmatchlen = 0;
    /* Both values are copied: the engine's slices last one call only. Redis
     * checks the keys' types before the options. */
    char *s[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    ak_engine *e = ak_eng(c);
    for (int k = 0; k < 2; k++) {
        ak_slice v;
        int rc = e->ops->str_get(e, c->db, ak_arg(c, 1 + k), &v);
        if (rc == AK_WRONGTYPE) {
            ak_reply_error(c, "ERR The specified keys must contain string values");
            goto out;
        }
        s[k] = rc == AK_OK ? ak_memdup(v.p, v.len) : ak_memdup("", 0);
        n[k] = rc == AK_OK ? v.len : 0;
    }
    for (int j = 3; j < c->argc; j++) {
        if (ak_arg_is(c, j, "idx")) {
            getidx = 1;
        } else if (ak_arg_is(c, j, "len")) {
            getlen = 1;
        } else if (ak_arg_is(c, j, "withmatchlen")) {
            withmatchlen = 1;
        } else if (ak_arg_is(c, j, "minmatchlen") && j + 1 < c->argc) {
            if (!ak_arg_ll(c, ++j, &minmatchlen))
                goto out;
            if (minmatchlen < 0)
                minmatchlen = 0;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            goto out;
        }
    }
    if (getlen && getidx) {
        ak_reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        goto out;
    }
    const char *a = s[0], *b = s[1];
    size_t alen = n[0], blen = n[1];
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1 ||
        cells * sizeof(uint32_t) > (unsigned long long)c->st->cfg.proto_max_bulk_len) {
        ak_reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        goto out;
    }
    /* dp[i][j] = LCS length of a[0..i) and b[0..j). */
    uint32_t *dp = ak_malloc((size_t)cells * sizeof(uint32_t));
#define DP(i, j) dp[(size_t)(i) * (blen + 1) + (j)]
    for (size_t i = 0; i <= alen; i++) {
        for (size_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                DP(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                DP(i, j) = DP(i - 1, j - 1) + 1;
            else
                DP(i, j) = DP(i - 1, j) > DP(i, j - 1) ? DP(i - 1, j) : DP(i, j - 1);
        }
    }
    uint32_t total = DP(alen, blen);
    if (getlen) {
        ak_out_integer(&c->out, total);
        ak_free(dp);
        goto out;
    }
    /* Walk back from the end, collecting the common string and, for IDX,
     * the ranges of contiguous matches (reported last to first). */
    char *result = ak_malloc(total + 1);
    size_t idx = total, i = alen, j = blen, matches = 0, mark = 0;
    size_t astart = alen, aend = 0, bstart = 0, bend = 0;
    if (getidx) {
        ak_out_map(&c->out, 2);
        ak_out_bulk_cstr(&c->out, "matches");
        mark = ak_out_defer(&c->out);
    }
    while (i > 0 && j > 0) {
        int emit = 0;
        if (a[i - 1] == b[j - 1]) {
            result[--idx] = a[i - 1];
            if (astart == alen) {
                astart = aend = i - 1;
                bstart = bend = j - 1;
            } else if (astart == i && bstart == j) {
                astart--;
                bstart--;
            } else {
                emit = 1;
            }
            if (astart == 0 || bstart == 0)
                emit = 1;
            i--;
            j--;
        } else {
            if (DP(i - 1, j) > DP(i, j - 1))
                i--;
            else
                j--;
            if (astart != alen)
                emit = 1;
        }
        if (emit) {
            size_t mlen = aend - astart + 1;
            if (getidx && (minmatchlen == 0 || mlen >= (size_t)minmatchlen)) {
                ak_out_array(&c->out, 2 + (size_t)withmatchlen);
                ak_out_array(&c->out, 2);
                ak_out_integer(&c->out, (long long)astart);
                ak_out_integer(&c->out, (long long)aend);
                ak_out_array(&c->out, 2);
                ak_out_integer(&c->out, (long long)bstart);
                ak_out_integer(&c->out, (long long)bend);
                if (withmatchlen)
                    ak_out_integer(&c->out, (long long)mlen);
                matches++;
            }
            astart = alen;
        }
    }
#undef DP
    if (getidx) {
        ak_out_set_deferred(&c->out, mark, '*', matches);
        ak_out_bulk_cstr(&c->out, "len");
        ak_out_integer(&c->out, total);
    } else {
        ak_out_bulk(&c->out, result, total);
    }
    ak_free(result);
    ak_free(dp);
out:
    ak_free(s[0]);
    ak_free(s[1]);
}
