/*
 * hash.c -- the hash commands: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS
 * HLEN HSTRLEN HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 *
 * Handlers parse and validate every argument, then call the engine's hash
 * operations (store/hash.h), then reply; the writes shared with the typed C
 * API (aikv_hset, aikv_hdel, aikv_hincrby) are the ak_op_h* functions.
 * Reads count keyspace hits and misses as Redis's lookupKeyRead does: a key
 * that exists is a hit, whatever its type.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../store/hash.h"
#include "../util/alloc.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "cmds.h"

/* ---------------------------------------------------------------- helpers */

static const struct ak_hash_ops *hops(ak_store *st)
{
    return st->engine->ops->hash;
}

/* ---------------------------------------------------------------- shared operations */

int ak_op_hset(ak_store *st, int db, ak_slice key, const ak_slice *fv, size_t npairs, int nx,
               size_t *added)
{
    size_t n = 0;
    int rc = hops(st)->set(st->engine, db, key, fv, npairs, nx, &n);
    if (rc != AK_OK)
        return rc;
    /* HSETNX on an existing field changes nothing and signals nothing. */
    if (!nx || n)
        ak_signal_key(st, db, key);
    if (added)
        *added = n;
    return AK_OK;
}

int ak_op_hdel(ak_store *st, int db, ak_slice key, const ak_slice *fields, size_t n,
               size_t *deleted)
{
    size_t d = 0;
    int rc = hops(st)->del(st->engine, db, key, fields, n, &d);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (d)
        ak_signal_key(st, db, key);
    if (deleted)
        *deleted = d;
    return AK_OK;
}

int ak_op_hincrby(ak_store *st, int db, ak_slice key, ak_slice field, long long by,
                  long long *result)
{
    int rc = hops(st)->incrby(st->engine, db, key, field, by, result);
    if (rc == AK_OK)
        ak_signal_key(st, db, key);
    return rc;
}

int ak_op_hincrbyfloat(ak_store *st, int db, ak_slice key, ak_slice field, long double by,
                       char *buf, size_t *len)
{
    if (isnan(by) || isinf(by))
        return AIKV_RANGE;
    int rc = hops(st)->incrbyfloat(st->engine, db, key, field, by, buf, len);
    if (rc == AK_OK)
        ak_signal_key(st, db, key);
    return rc;
}

/* ---------------------------------------------------------------- HSET HSETNX HMSET */

static void hset_generic(ak_session *c, int hmset)
{
    if (c->argc % 2 == 1) {
        ak_reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    ak_slice *fv = ak_args(c, 2);
    size_t added = 0;
    int rc = ak_op_hset(c->st, c->db, ak_arg(c, 1), fv, (size_t)(c->argc - 2) / 2, 0, &added);
    ak_free(fv);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (hmset)
        ak_reply_ok(c);
    else
        ak_out_integer(&c->out, (long long)added);
}

void ak_cmd_hset(ak_session *c)
{
    hset_generic(c, 0);
}

void ak_cmd_hmset(ak_session *c)
{
    hset_generic(c, 1);
}

void ak_cmd_hsetnx(ak_session *c)
{
    ak_slice fv[2] = {ak_arg(c, 2), ak_arg(c, 3)};
    size_t added = 0;
    if (ak_op_hset(c->st, c->db, ak_arg(c, 1), fv, 1, 1, &added) == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)added);
}

/* ---------------------------------------------------------------- HGET HMGET HDEL */

void ak_cmd_hget(ak_session *c)
{
    ak_slice v = {NULL, 0};
    int rc = hops(c->st)->get(ak_eng(c), c->db, ak_arg(c, 1), ak_arg(c, 2), &v);
    if (!ak_read_ok(c, rc))
        return;
    if (rc == AK_OK && v.p)
        ak_out_bulk(&c->out, v.p, v.len);
    else
        ak_out_null(&c->out);
}

static void value_or_null(void *ctx, ak_slice field, ak_slice value)
{
    ak_out *o = ctx;
    if (value.p)
        ak_out_bulk(o, value.p, value.len);
    else
        ak_out_null(o);
}

void ak_cmd_hmget(ak_session *c)
{
    size_t n = (size_t)c->argc - 2;
    ak_slice *fields = ak_args(c, 2);
    size_t mark = ak_out_defer(&c->out);
    int rc = hops(c->st)->mget(ak_eng(c), c->db, ak_arg(c, 1), fields, n, value_or_null, &c->out);
    ak_free(fields);
    if (!ak_read_ok(c, rc))
        return;
    if (rc == AK_NOTFOUND)
        for (size_t i = 0; i < n; i++)
            ak_out_null(&c->out);
    ak_out_set_deferred(&c->out, mark, '*', n);
}

void ak_cmd_hdel(ak_session *c)
{
    ak_slice *fields = ak_args(c, 2);
    size_t deleted = 0;
    int rc = ak_op_hdel(c->st, c->db, ak_arg(c, 1), fields, (size_t)c->argc - 2, &deleted);
    ak_free(fields);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)deleted);
}

/* ---------------------------------------------------------------- HLEN HEXISTS HSTRLEN */

void ak_cmd_hlen(ak_session *c)
{
    uint64_t n = 0;
    int rc = hops(c->st)->len(ak_eng(c), c->db, ak_arg(c, 1), &n);
    if (ak_read_ok(c, rc))
        ak_out_integer(&c->out, (long long)n);
}

void ak_cmd_hexists(ak_session *c)
{
    int exists = 0;
    int rc = hops(c->st)->exists(ak_eng(c), c->db, ak_arg(c, 1), ak_arg(c, 2), &exists);
    if (ak_read_ok(c, rc))
        ak_out_integer(&c->out, exists);
}

void ak_cmd_hstrlen(ak_session *c)
{
    size_t len = 0;
    int rc = hops(c->st)->strlen(ak_eng(c), c->db, ak_arg(c, 1), ak_arg(c, 2), &len);
    if (ak_read_ok(c, rc))
        ak_out_integer(&c->out, (long long)len);
}

/* ---------------------------------------------------------------- HKEYS HVALS HGETALL */

typedef struct getall_ctx {
    ak_out *out;
    unsigned what;
    size_t n;
} getall_ctx;

static void getall_emit(void *ctx, ak_slice field, ak_slice value)
{
    getall_ctx *g = ctx;
    if (g->what & AK_HASH_FIELDS)
        ak_out_bulk(g->out, field.p, field.len);
    if (g->what & AK_HASH_VALUES)
        ak_out_bulk(g->out, value.p, value.len);
    g->n++;
}

static void getall_generic(ak_session *c, unsigned what)
{
    getall_ctx g = {&c->out, what, 0};
    size_t mark = ak_out_defer(&c->out);
    int rc = hops(c->st)->getall(ak_eng(c), c->db, ak_arg(c, 1), what, getall_emit, &g);
    if (!ak_read_ok(c, rc))
        return;
    /* A missing key is an empty map (HGETALL) or array, as in Redis. */
    ak_out_set_deferred(&c->out, mark, what == (AK_HASH_FIELDS | AK_HASH_VALUES) ? '%' : '*',
                        g.n);
}

void ak_cmd_hkeys(ak_session *c)
{
    getall_generic(c, AK_HASH_FIELDS);
}

void ak_cmd_hvals(ak_session *c)
{
    getall_generic(c, AK_HASH_VALUES);
}

void ak_cmd_hgetall(ak_session *c)
{
    getall_generic(c, AK_HASH_FIELDS | AK_HASH_VALUES);
}

/* ---------------------------------------------------------------- HINCRBY HINCRBYFLOAT */

void ak_cmd_hincrby(ak_session *c)
{
    long long by, result = 0;
    if (!ak_arg_ll(c, 3, &by))
        return;
    int rc = ak_op_hincrby(c->st, c->db, ak_arg(c, 1), ak_arg(c, 2), by, &result);
    if (rc == AK_OK)
        ak_out_integer(&c->out, result);
    else if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AIKV_NOTNUM)
        ak_reply_error(c, "ERR hash value is not an integer");
    else
        ak_reply_error(c, AK_ERR_OVERFLOW);
}

void ak_cmd_hincrbyfloat(ak_session *c)
{
    long double by;
    if (!ak_str2ld(c->argv[3], c->argvlen[3], &by)) {
        ak_reply_error(c, AK_ERR_NOTFLOAT);
        return;
    }
    if (isnan(by) || isinf(by)) {
        ak_reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    char *buf = ak_malloc(AK_LD_STR_CAP);
    size_t n = 0;
    int rc = ak_op_hincrbyfloat(c->st, c->db, ak_arg(c, 1), ak_arg(c, 2), by, buf, &n);
    if (rc == AK_OK)
        ak_out_bulk(&c->out, buf, n);
    else if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AIKV_NOTNUM)
        ak_reply_error(c, "ERR hash value is not a float");
    else
        ak_reply_error(c, "ERR increment would produce NaN or Infinity");
    ak_free(buf);
}

/* ---------------------------------------------------------------- HRANDFIELD */

typedef struct rand_ctx {
    ak_out *out;
    int withvalues;
    size_t n;
} rand_ctx;

static void rand_emit(void *ctx, ak_slice field, ak_slice value)
{
    rand_ctx *rc = ctx;
    /* RESP3: WITHVALUES pairs are 2-element arrays (Redis 7.0); RESP2 flat. */
    if (rc->withvalues && rc->out->resp >= 3)
        ak_out_array(rc->out, 2);
    ak_out_bulk(rc->out, field.p, field.len);
    if (rc->withvalues)
        ak_out_bulk(rc->out, value.p, value.len);
    rc->n++;
}

static void one_field(void *ctx, ak_slice field, ak_slice value)
{
    ak_out_bulk(ctx, field.p, field.len);
}

void ak_cmd_hrandfield(ak_session *c)
{
    ak_engine *e = ak_eng(c);
    if (c->argc == 2) {
        /* One field, as a bulk string; a missing key is a null. */
        int rc = hops(c->st)->randfield(e, c->db, ak_arg(c, 1), -1, 0, one_field, &c->out);
        if (ak_read_ok(c, rc) && rc == AK_NOTFOUND)
            ak_out_null(&c->out);
        return;
    }
    long long count;
    if (!ak_arg_ll(c, 2, &count))
        return;
    if (count < -LLONG_MAX) {
        ak_reply_errorf(c, "ERR value is out of range, value must between %lld and %lld",
                        -LLONG_MAX, LLONG_MAX);
        return;
    }
    int withvalues = 0;
    if (c->argc > 4 || (c->argc == 4 && !ak_arg_is(c, 3, "withvalues"))) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    if (c->argc == 4) {
        withvalues = 1;
        if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
            ak_reply_error(c, "ERR value is out of range");
            return;
        }
    }
    rand_ctx rc = {&c->out, withvalues, 0};
    size_t mark = ak_out_defer(&c->out);
    int r = hops(c->st)->randfield(e, c->db, ak_arg(c, 1), count, withvalues, rand_emit, &rc);
    if (!ak_read_ok(c, r))
        return;
    ak_out_set_deferred(&c->out, mark, '*', withvalues && c->out.resp < 3 ? rc.n * 2 : rc.n);
}

/* ---------------------------------------------------------------- HSCAN */

typedef struct scan_ctx {
    ak_out items; /* the pairs, written as they come */
    const char *pat;
    size_t plen;
    size_t n;
} scan_ctx;

static void scan_emit(void *ctx, ak_slice field, ak_slice value)
{
    scan_ctx *sc = ctx;
    if (sc->pat && !ak_glob_match(sc->pat, sc->plen, field.p, field.len, 0))
        return;
    ak_out_bulk(&sc->items, field.p, field.len);
    ak_out_bulk(&sc->items, value.p, value.len);
    sc->n += 2;
}

void ak_cmd_hscan(ak_session *c)
{
    uint64_t cursor;
    if (!ak_arg_cursor(c, 2, &cursor))
        return;
    /* Redis looks the key up before it reads the options. */
    uint64_t len;
    int rc = hops(c->st)->len(ak_eng(c), c->db, ak_arg(c, 1), &len);
    if (!ak_read_ok(c, rc))
        return;
    if (rc == AK_NOTFOUND) {
        ak_out_array(&c->out, 2);
        ak_out_bulk_cstr(&c->out, "0");
        ak_out_array(&c->out, 0);
        return;
    }
    scan_ctx sc = {{0}, NULL, 0, 0};
    long long count = 10;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (ak_arg_is(c, j, "count") && more) {
            if (!ak_arg_ll(c, ++j, &count))
                return;
            if (count < 1) {
                ak_reply_error(c, AK_ERR_SYNTAX);
                return;
            }
        } else if (ak_arg_is(c, j, "match") && more) {
            j++;
            sc.pat = c->argv[j];
            sc.plen = c->argvlen[j];
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    if (sc.pat && sc.plen == 1 && sc.pat[0] == '*')
        sc.pat = NULL;
    ak_out_init(&sc.items, c->out.resp);
    uint64_t next = 0;
    hops(c->st)->scan(ak_eng(c), c->db, ak_arg(c, 1), cursor, (size_t)count, scan_emit, &sc,
                      &next);
    ak_out_array(&c->out, 2);
    char cur[24];
    ak_out_bulk(&c->out, cur, ak_ull2str(cur, sizeof cur, next));
    ak_out_array(&c->out, sc.n);
    if (sc.items.len)
        ak_out_append(&c->out, sc.items.buf, sc.items.len);
    ak_out_free(&sc.items);
}
