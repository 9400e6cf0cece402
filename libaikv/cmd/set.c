/*
 * set.c -- the set commands: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD
 * SPOP SRANDMEMBER SMOVE, the algebra (SINTER SUNION SDIFF, their STORE
 * forms, SINTERCARD) and SSCAN.
 *
 * Handlers parse and validate every argument first, then call the set
 * operations of the storage interface (store/set.h), then reply. Replies
 * whose length is known only at the end (members handed out by the engine)
 * use a deferred header. Redis's order of checks is kept where it shows:
 * SPOP/SRANDMEMBER/SSCAN validate their count or cursor before looking the
 * key up, SSCAN its options after.
 *
 * The ...STORE forms collect the result, then replace the destination:
 * deleted when the result is empty, else recreated (so it loses any TTL,
 * as with Redis's setKey()).
 *
 * Keyspace statistics follow Redis: reads (lookupKeyRead) count a hit or
 * a miss per key, a key of the wrong type being a hit; writes count
 * nothing.
 */
#include <limits.h>
#include <string.h>

#include "../store/set.h"
#include "../util/alloc.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "cmds.h"

/* ---------------------------------------------------------------- helpers */

static const struct ak_set_ops *sops(ak_session *c)
{
    return ak_eng(c)->ops->set;
}

/* Members written to the reply as the engine hands them out. */
typedef struct emit {
    ak_out *out;
    size_t n;
} emit;

static void emit_bulk(void *ctx, ak_slice v)
{
    emit *em = ctx;
    ak_out_bulk(em->out, v.p, v.len);
    em->n++;
}

static void count_only(void *ctx, ak_slice v)
{
    (void)v;
    (*(uint64_t *)ctx)++;
}

/* ---------------------------------------------------------------- operations (C API too) */

int ak_op_sadd(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *added)
{
    size_t a = 0;
    int rc = st->engine->ops->set->add(st->engine, db, key, members, n, &a);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (a > 0)
        ak_signal_key(st, db, key);
    if (added)
        *added = a;
    return AK_OK;
}

int ak_op_srem(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed)
{
    size_t r = 0;
    int rc = st->engine->ops->set->rem(st->engine, db, key, members, n, &r);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (r > 0)
        ak_signal_key(st, db, key);
    if (removed)
        *removed = r;
    return AK_OK;
}

/* ---------------------------------------------------------------- SADD SREM SMOVE */

void ak_cmd_sadd(ak_session *c)
{
    ak_slice *m = ak_args(c, 2);
    size_t added;
    int rc = ak_op_sadd(c->st, c->db, ak_arg(c, 1), m, (size_t)c->argc - 2, &added);
    ak_free(m);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)added);
}

void ak_cmd_srem(ak_session *c)
{
    ak_slice *m = ak_args(c, 2);
    size_t removed;
    int rc = ak_op_srem(c->st, c->db, ak_arg(c, 1), m, (size_t)c->argc - 2, &removed);
    ak_free(m);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)removed);
}

void ak_cmd_smove(ak_session *c)
{
    ak_engine *e = ak_eng(c);
    ak_slice src = ak_arg(c, 1), dst = ak_arg(c, 2), member = ak_arg(c, 3);
    uint64_t n;
    /* A missing source is 0 whatever the destination holds (as Redis). */
    int rc = sops(c)->card(e, c->db, src, &n);
    if (rc == AK_NOTFOUND) {
        ak_out_integer(&c->out, 0);
        return;
    }
    if (rc == AK_WRONGTYPE || sops(c)->card(e, c->db, dst, &n) == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (src.len == dst.len && memcmp(src.p, dst.p, src.len) == 0) {
        unsigned char is;
        sops(c)->ismember(e, c->db, src, &member, 1, &is);
        ak_out_integer(&c->out, is);
        return;
    }
    size_t removed;
    sops(c)->rem(e, c->db, src, &member, 1, &removed);
    if (!removed) {
        ak_out_integer(&c->out, 0);
        return;
    }
    sops(c)->add(e, c->db, dst, &member, 1, NULL);
    ak_signal_key(c->st, c->db, src);
    ak_signal_key(c->st, c->db, dst);
    ak_out_integer(&c->out, 1);
}

/* ---------------------------------------------------------------- membership, size, members */

void ak_cmd_sismember(ak_session *c)
{
    ak_slice m = ak_arg(c, 2);
    unsigned char is;
    if (ak_read_ok(c, sops(c)->ismember(ak_eng(c), c->db, ak_arg(c, 1), &m, 1, &is)))
        ak_out_integer(&c->out, is);
}

void ak_cmd_smismember(ak_session *c)
{
    size_t n = (size_t)c->argc - 2;
    ak_slice *m = ak_args(c, 2);
    unsigned char *is = ak_malloc(n);
    if (ak_read_ok(c, sops(c)->ismember(ak_eng(c), c->db, ak_arg(c, 1), m, n, is))) {
        ak_out_array(&c->out, n);
        for (size_t i = 0; i < n; i++)
            ak_out_integer(&c->out, is[i]);
    }
    ak_free(is);
    ak_free(m);
}

void ak_cmd_scard(ak_session *c)
{
    uint64_t n;
    if (ak_read_ok(c, sops(c)->card(ak_eng(c), c->db, ak_arg(c, 1), &n)))
        ak_out_integer(&c->out, (long long)n);
}

void ak_cmd_smembers(ak_session *c)
{
    emit em = {&c->out, 0};
    size_t mark = ak_out_defer(&c->out);
    if (ak_read_ok(c, sops(c)->members(ak_eng(c), c->db, ak_arg(c, 1), emit_bulk, &em)))
        ak_out_set_deferred(&c->out, mark, '~', em.n);
}

/* ---------------------------------------------------------------- SPOP SRANDMEMBER */

void ak_cmd_spop(ak_session *c)
{
    ak_slice key = ak_arg(c, 1);
    if (c->argc > 3) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    emit em = {&c->out, 0};
    if (c->argc == 2) {
        int rc = sops(c)->pop(ak_eng(c), c->db, key, 1, emit_bulk, &em);
        if (rc == AK_WRONGTYPE)
            ak_reply_error(c, AK_ERR_WRONGTYPE);
        else if (rc == AK_NOTFOUND)
            ak_out_null(&c->out);
        else
            ak_signal_key(c->st, c->db, key);
        return;
    }
    long long count;
    if (!ak_arg_ll_range(c, 2, 0, LLONG_MAX, &count, "ERR value is out of range, must be positive"))
        return;
    size_t mark = ak_out_defer(&c->out);
    int rc = sops(c)->pop(ak_eng(c), c->db, key, (uint64_t)count, emit_bulk, &em);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    ak_out_set_deferred(&c->out, mark, '~', em.n);
    if (em.n > 0)
        ak_signal_key(c->st, c->db, key);
}

void ak_cmd_srandmember(ak_session *c)
{
    ak_slice key = ak_arg(c, 1);
    if (c->argc > 3) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    emit em = {&c->out, 0};
    if (c->argc == 2) {
        int rc = sops(c)->random(ak_eng(c), c->db, key, 1, emit_bulk, &em);
        if (ak_read_ok(c, rc) && rc == AK_NOTFOUND)
            ak_out_null(&c->out);
        return;
    }
    long long count;
    if (!ak_arg_ll(c, 2, &count))
        return;
    if (count == LLONG_MIN) {
        ak_reply_error(c, "ERR value is out of range, value must between -9223372036854775807 "
                          "and 9223372036854775807");
        return;
    }
    size_t mark = ak_out_defer(&c->out);
    if (ak_read_ok(c, sops(c)->random(ak_eng(c), c->db, key, count, emit_bulk, &em)))
        ak_out_set_deferred(&c->out, mark, '*', em.n);
}

/* ---------------------------------------------------------------- algebra */

enum { OP_INTER, OP_UNION, OP_DIFF };

/* Redis looks every source key up before computing (lookupKeyRead: hits
 * and misses counted), and stops at the first of another type. */
static int check_sources(ak_session *c, const ak_slice *keys, size_t n)
{
    ak_engine *e = ak_eng(c);
    for (size_t i = 0; i < n; i++) {
        ak_keyinfo ki;
        e->ops->lookup(e, c->db, keys[i], AK_LOOKUP_NOTOUCH, &ki);
        ak_count_lookup(c, ki.type != AIKV_TYPE_NONE ? AK_OK : AK_NOTFOUND);
        if (ki.type != AIKV_TYPE_NONE && ki.type != AIKV_TYPE_SET) {
            ak_reply_error(c, AK_ERR_WRONGTYPE);
            return 0;
        }
    }
    return 1;
}

static int run_op(ak_session *c, int op, const ak_slice *keys, size_t n, uint64_t limit,
                  ak_elem_fn fn, void *ctx)
{
    ak_engine *e = ak_eng(c);
    if (op == OP_INTER)
        return sops(c)->inter(e, c->db, keys, n, limit, fn, ctx);
    if (op == OP_UNION)
        return sops(c)->unite(e, c->db, keys, n, fn, ctx);
    return sops(c)->diff(e, c->db, keys, n, fn, ctx);
}

static void algebra_reply(ak_session *c, int op)
{
    ak_slice *keys = ak_args(c, 1);
    size_t n = (size_t)c->argc - 1;
    if (check_sources(c, keys, n)) {
        emit em = {&c->out, 0};
        size_t mark = ak_out_defer(&c->out);
        if (run_op(c, op, keys, n, 0, emit_bulk, &em) == AK_WRONGTYPE)
            ak_reply_error(c, AK_ERR_WRONGTYPE);
        else
            ak_out_set_deferred(&c->out, mark, '~', em.n);
    }
    ak_free(keys);
}

/* A result collected for a ...STORE: member bytes back to back, and their
 * lengths. */
typedef struct result {
    char *buf;
    size_t len, cap;
    size_t *lens;
    size_t n, ncap;
} result;

static void collect(void *ctx, ak_slice v)
{
    result *r = ctx;
    if (r->len + v.len > r->cap) {
        r->cap = (r->len + v.len) * 2 + 64;
        r->buf = ak_realloc(r->buf, r->cap);
    }
    if (v.len)
        memcpy(r->buf + r->len, v.p, v.len);
    r->len += v.len;
    if (r->n == r->ncap) {
        r->ncap = r->ncap ? r->ncap * 2 : 16;
        r->lens = ak_realloc(r->lens, r->ncap * sizeof *r->lens);
    }
    r->lens[r->n++] = v.len;
}

static void algebra_store(ak_session *c, int op)
{
    ak_engine *e = ak_eng(c);
    ak_slice dst = ak_arg(c, 1);
    ak_slice *keys = ak_args(c, 2);
    size_t n = (size_t)c->argc - 2;
    result r = {0};
    if (!check_sources(c, keys, n))
        goto out;
    if (run_op(c, op, keys, n, 0, collect, &r) == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        goto out;
    }
    int deleted = e->ops->del(e, c->db, dst);
    if (r.n > 0) {
        ak_slice *members = ak_malloc(r.n * sizeof *members);
        size_t off = 0;
        for (size_t i = 0; i < r.n; i++) {
            /* all-empty members leave the buffer unallocated */
            members[i] = ak_slice_of(r.buf ? r.buf + off : "", r.lens[i]);
            off += r.lens[i];
        }
        sops(c)->add(e, c->db, dst, members, r.n, NULL);
        ak_free(members);
    }
    /* Only a change is signalled: an empty result over a missing
     * destination leaves WATCH alone (Redis 7.0). */
    if (r.n > 0 || deleted)
        ak_signal_key(c->st, c->db, dst);
    ak_out_integer(&c->out, (long long)r.n);
out:
    ak_free(r.buf);
    ak_free(r.lens);
    ak_free(keys);
}

void ak_cmd_sinter(ak_session *c)
{
    algebra_reply(c, OP_INTER);
}

void ak_cmd_sunion(ak_session *c)
{
    algebra_reply(c, OP_UNION);
}

void ak_cmd_sdiff(ak_session *c)
{
    algebra_reply(c, OP_DIFF);
}

void ak_cmd_sinterstore(ak_session *c)
{
    algebra_store(c, OP_INTER);
}

void ak_cmd_sunionstore(ak_session *c)
{
    algebra_store(c, OP_UNION);
}

void ak_cmd_sdiffstore(ak_session *c)
{
    algebra_store(c, OP_DIFF);
}

void ak_cmd_sintercard(ak_session *c)
{
    long long numkeys, limit = 0;
    if (!ak_arg_ll_range(c, 1, 1, LLONG_MAX, &numkeys, "ERR numkeys should be greater than 0"))
        return;
    if (numkeys > c->argc - 2) {
        ak_reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (ak_arg_is(c, j, "limit") && j + 1 < c->argc) {
            if (!ak_arg_ll_range(c, ++j, 0, LLONG_MAX, &limit, "ERR LIMIT can't be negative"))
                return;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    ak_slice *keys = ak_args(c, 2);
    uint64_t card = 0;
    if (check_sources(c, keys, (size_t)numkeys)) {
        if (sops(c)->inter(ak_eng(c), c->db, keys, (size_t)numkeys, (uint64_t)limit, count_only,
                           &card) == AK_WRONGTYPE)
            ak_reply_error(c, AK_ERR_WRONGTYPE);
        else
            ak_out_integer(&c->out, (long long)card);
    }
    ak_free(keys);
}

/* ---------------------------------------------------------------- SSCAN */

typedef struct scan_acc {
    result r;
    const char *pat;
    size_t plen;
} scan_acc;

static void scan_keep(void *ctx, ak_slice v)
{
    scan_acc *a = ctx;
    if (a->pat && !ak_glob_match(a->pat, a->plen, v.p, v.len, 0))
        return;
    collect(&a->r, v);
}

void ak_cmd_sscan(ak_session *c)
{
    ak_slice key = ak_arg(c, 1);
    uint64_t cursor;
    if (!ak_arg_cursor(c, 2, &cursor))
        return;
    /* Options are read after the key is found: note the first error. */
    long long count = 10;
    scan_acc a = {{0}, NULL, 0};
    const char *bad = NULL;
    for (int j = 3; j < c->argc && !bad; j++) {
        int more = j + 1 < c->argc;
        if (ak_arg_is(c, j, "count") && more) {
            if (!ak_str2ll(c->argv[j + 1], c->argvlen[j + 1], &count))
                bad = AK_ERR_NOTINT;
            else if (count < 1)
                bad = AK_ERR_SYNTAX;
            j++;
        } else if (ak_arg_is(c, j, "match") && more) {
            j++;
            a.pat = c->argv[j];
            a.plen = c->argvlen[j];
        } else {
            bad = AK_ERR_SYNTAX;
        }
    }
    if (a.pat && a.plen == 1 && a.pat[0] == '*')
        a.pat = NULL;
    if (bad) {
        uint64_t n;
        int rc = sops(c)->card(ak_eng(c), c->db, key, &n);
        if (!ak_read_ok(c, rc))
            return;
        if (rc == AK_NOTFOUND) {
            ak_out_array(&c->out, 2);
            ak_out_bulk(&c->out, "0", 1);
            ak_out_array(&c->out, 0);
        } else {
            ak_reply_error(c, bad);
        }
        return;
    }
    uint64_t next = 0;
    int rc = sops(c)->scan(ak_eng(c), c->db, key, cursor, (uint64_t)count, scan_keep, &a, &next);
    if (ak_read_ok(c, rc)) {
        char buf[24];
        ak_out_array(&c->out, 2);
        ak_out_bulk(&c->out, buf, ak_ull2str(buf, sizeof buf, next));
        ak_out_array(&c->out, a.r.n);
        size_t off = 0;
        for (size_t i = 0; i < a.r.n; i++) {
            ak_out_bulk(&c->out, a.r.buf ? a.r.buf + off : "", a.r.lens[i]);
            off += a.r.lens[i];
        }
    }
    ak_free(a.r.buf);
    ak_free(a.r.lens);
}
