/*
 * list.c -- the list commands: pushes and pops at both ends, positional
 * access (LINDEX LSET LINSERT LRANGE), removal (LREM LTRIM), search (LPOS),
 * and the moves between lists (LMOVE RPOPLPUSH LMPOP). The blocking
 * variants are not here.
 *
 * Handlers validate their arguments in the order Redis 7.0 does -- which
 * for LINDEX and LSET means the key is looked up before the index is
 * parsed -- then call the engine's list operations (store/list.h) and reply.
 * Moves are composed of single-key operations: check both keys, pop, push.
 */
#include <limits.h>
#include <string.h>

#include "../store/list.h"
#include "../util/alloc.h"
#include "../util/num.h"
#include "cmds.h"

/* ---------------------------------------------------------------- helpers */

static const struct ak_list_ops *lops(ak_session *c)
{
    return ak_eng(c)->ops->list;
}

static void out_array(void *ctx, size_t n)
{
    ak_out_array(ctx, n);
}

static void out_bulk(void *ctx, ak_slice v)
{
    ak_out_bulk(ctx, v.p, v.len);
}

/* LEFT or RIGHT, else a syntax error. */
static int parse_where(ak_session *c, int i, int *where)
{
    if (ak_arg_is(c, i, "left"))
        *where = AK_LIST_HEAD;
    else if (ak_arg_is(c, i, "right"))
        *where = AK_LIST_TAIL;
    else {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return 0;
    }
    return 1;
}

/* A silent integer parse, for commands that look the key up first. */
static int parse_ll(ak_session *c, int i, long long *v)
{
    return ak_str2ll(c->argv[i], c->argvlen[i], v);
}

/* ---------------------------------------------------------------- shared operations */

int ak_op_list_push(ak_store *st, int db, ak_slice key, int where, const ak_slice *vals, size_t n,
                    int xx, size_t *len)
{
    ak_engine *e = st->engine;
    size_t l = 0;
    int rc = e->ops->list->push(e, db, key, where, vals, n, xx, &l);
    if (rc == AK_OK)
        ak_signal_key_changes(st, db, key, n);
    if (len)
        *len = rc == AK_OK ? l : 0;
    return rc;
}

/* Relays a pop's callbacks, keeping the count. */
typedef struct pop_relay {
    void (*begin)(void *ctx, size_t n);
    ak_elem_fn fn;
    void *ctx;
    size_t n;
} pop_relay;

static void relay_begin(void *ctx, size_t n)
{
    pop_relay *p = ctx;
    p->n = n;
    if (p->begin)
        p->begin(p->ctx, n);
}

static void relay_elem(void *ctx, ak_slice v)
{
    pop_relay *p = ctx;
    p->fn(p->ctx, v);
}

int ak_op_list_pop(ak_store *st, int db, ak_slice key, int where, size_t count,
                   void (*begin)(void *ctx, size_t n), ak_elem_fn fn, void *ctx)
{
    ak_engine *e = st->engine;
    pop_relay p = {begin, fn, ctx, 0};
    int rc = e->ops->list->pop(e, db, key, where, count, relay_begin, relay_elem, &p);
    if (rc == AK_OK)
        ak_signal_key_changes(st, db, key, p.n);
    return rc;
}

/* ---------------------------------------------------------------- push, pop */

static void push_generic(ak_session *c, int where, int xx)
{
    size_t n = (size_t)c->argc - 2, len;
    ak_slice *vals = ak_malloc(n * sizeof *vals);
    for (size_t i = 0; i < n; i++)
        vals[i] = ak_arg(c, (int)i + 2);
    int rc = ak_op_list_push(c->st, c->db, ak_arg(c, 1), where, vals, n, xx, &len);
    ak_free(vals);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)len);
}

void ak_cmd_lpush(ak_session *c)
{
    push_generic(c, AK_LIST_HEAD, 0);
}

void ak_cmd_rpush(ak_session *c)
{
    push_generic(c, AK_LIST_TAIL, 0);
}

void ak_cmd_lpushx(ak_session *c)
{
    push_generic(c, AK_LIST_HEAD, 1);
}

void ak_cmd_rpushx(ak_session *c)
{
    push_generic(c, AK_LIST_TAIL, 1);
}

static void pop_generic(ak_session *c, int where)
{
    if (c->argc > 3) {
        ak_reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    ak_slice key = ak_arg(c, 1);
    if (c->argc == 2) {
        int rc = ak_op_list_pop(c->st, c->db, key, where, 1, NULL, out_bulk, &c->out);
        if (rc == AK_WRONGTYPE)
            ak_reply_error(c, AK_ERR_WRONGTYPE);
        else if (rc == AK_NOTFOUND)
            ak_out_null(&c->out);
        return;
    }
    long long count;
    if (!ak_arg_ll_range(c, 2, 0, LLONG_MAX, &count, "ERR value is out of range, must be positive"))
        return;
    int rc;
    if (count == 0) { /* an empty array for a list, nothing popped */
        size_t len;
        rc = lops(c)->len(ak_eng(c), c->db, key, &len);
        if (rc == AK_OK)
            ak_out_empty_array(&c->out);
    } else {
        rc = ak_op_list_pop(c->st, c->db, key, where, (size_t)count, out_array, out_bulk, &c->out);
    }
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AK_NOTFOUND)
        ak_out_null_array(&c->out);
}

void ak_cmd_lpop(ak_session *c)
{
    pop_generic(c, AK_LIST_HEAD);
}

void ak_cmd_rpop(ak_session *c)
{
    pop_generic(c, AK_LIST_TAIL);
}

/* ---------------------------------------------------------------- reading */

void ak_cmd_llen(ak_session *c)
{
    size_t len = 0;
    int rc = lops(c)->len(ak_eng(c), c->db, ak_arg(c, 1), &len);
    ak_count_lookup(c, rc);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else
        ak_out_integer(&c->out, (long long)len);
}

void ak_cmd_lrange(ak_session *c)
{
    long long start, stop;
    if (!ak_arg_ll(c, 2, &start) || !ak_arg_ll(c, 3, &stop))
        return;
    int rc = lops(c)->range(ak_eng(c), c->db, ak_arg(c, 1), start, stop, out_array, out_bulk,
                            &c->out);
    ak_count_lookup(c, rc);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AK_NOTFOUND)
        ak_out_empty_array(&c->out);
}

void ak_cmd_lindex(ak_session *c)
{
    ak_slice key = ak_arg(c, 1), v;
    long long index;
    int rc;
    if (parse_ll(c, 2, &index)) {
        rc = lops(c)->index(ak_eng(c), c->db, key, index, &v);
    } else { /* Redis looks the key up before it parses the index */
        size_t len;
        rc = lops(c)->len(ak_eng(c), c->db, key, &len);
        if (rc == AK_OK) {
            ak_count_lookup(c, rc);
            ak_reply_error(c, AK_ERR_NOTINT);
            return;
        }
    }
    ak_count_lookup(c, rc);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AK_OK)
        ak_out_bulk(&c->out, v.p, v.len);
    else
        ak_out_null(&c->out);
}

/* ---------------------------------------------------------------- writing */

void ak_cmd_lset(ak_session *c)
{
    ak_slice key = ak_arg(c, 1);
    long long index;
    int rc;
    if (parse_ll(c, 2, &index)) {
        rc = lops(c)->set(ak_eng(c), c->db, key, index, ak_arg(c, 3));
    } else { /* the key is looked up first */
        size_t len;
        rc = lops(c)->len(ak_eng(c), c->db, key, &len);
        if (rc == AK_OK) {
            ak_reply_error(c, AK_ERR_NOTINT);
            return;
        }
    }
    switch (rc) {
    case AK_OK:
        ak_signal_key(c->st, c->db, key);
        ak_reply_ok(c);
        break;
    case AK_WRONGTYPE:
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        break;
    case AK_NOTFOUND:
        ak_reply_error(c, AK_ERR_NOKEY);
        break;
    default:
        ak_reply_error(c, "ERR index out of range");
    }
}

void ak_cmd_linsert(ak_session *c)
{
    int after;
    if (ak_arg_is(c, 2, "after"))
        after = 1;
    else if (ak_arg_is(c, 2, "before"))
        after = 0;
    else {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    long long len;
    ak_slice key = ak_arg(c, 1);
    int rc = lops(c)->insert(ak_eng(c), c->db, key, after, ak_arg(c, 3), ak_arg(c, 4), &len);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (rc == AK_NOTFOUND) {
        ak_out_integer(&c->out, 0);
        return;
    }
    if (len >= 0)
        ak_signal_key_changes(c->st, c->db, key, 1);
    ak_out_integer(&c->out, len);
}

void ak_cmd_lrem(ak_session *c)
{
    long long count;
    if (!ak_arg_ll(c, 2, &count))
        return;
    size_t removed = 0;
    ak_slice key = ak_arg(c, 1);
    int rc = lops(c)->rem(ak_eng(c), c->db, key, count, ak_arg(c, 3), &removed);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (removed)
        ak_signal_key_changes(c->st, c->db, key, removed);
    ak_out_integer(&c->out, (long long)removed);
}

void ak_cmd_ltrim(ak_session *c)
{
    long long start, stop;
    if (!ak_arg_ll(c, 2, &start) || !ak_arg_ll(c, 3, &stop))
        return;
    ak_slice key = ak_arg(c, 1);
    size_t removed = 0;
    int rc = lops(c)->trim(ak_eng(c), c->db, key, start, stop, &removed);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (rc == AK_OK)
        ak_signal_key_changes(c->st, c->db, key, removed);
    ak_reply_ok(c);
}

/* ---------------------------------------------------------------- LPOS */

typedef struct pos_ctx {
    ak_out *out;
    int array;           /* COUNT given: every position is written */
    long long first;     /* without COUNT: the match, or -1 */
    size_t n;
} pos_ctx;

static void pos_found(void *ctx, long long index)
{
    pos_ctx *p = ctx;
    if (p->array)
        ak_out_integer(p->out, index);
    else
        p->first = index;
    p->n++;
}

void ak_cmd_lpos(ak_session *c)
{
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (ak_arg_is(c, j, "rank") && more) {
            if (!ak_arg_ll(c, ++j, &rank))
                return;
            if (rank == 0) {
                ak_reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, "
                                  "2 from the second ... or use negative to start from the end "
                                  "of the list");
                return;
            }
        } else if (ak_arg_is(c, j, "count") && more) {
            if (!ak_arg_ll_range(c, ++j, 0, LLONG_MAX, &count, "ERR COUNT can't be negative"))
                return;
        } else if (ak_arg_is(c, j, "maxlen") && more) {
            if (!ak_arg_ll_range(c, ++j, 0, LLONG_MAX, &maxlen, "ERR MAXLEN can't be negative"))
                return;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    size_t limit = count == -1 ? 1 : (size_t)count;
    if (rank == LLONG_MIN) {
        /* Redis 7.0 negates the rank in a long: LONG_MIN stays negative, so
         * every match from the tail qualifies and COUNT never stops it. */
        rank = -1;
        if (count != -1)
            limit = 0;
    }
    pos_ctx p = {&c->out, count != -1, -1, 0};
    size_t mark = ak_out_defer(&c->out);
    int rc = lops(c)->pos(ak_eng(c), c->db, ak_arg(c, 1), ak_arg(c, 2), rank, limit,
                          (size_t)maxlen, pos_found, &p);
    ak_count_lookup(c, rc);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (p.array)
        ak_out_set_deferred(&c->out, mark, '*', p.n);
    else if (p.n)
        ak_out_integer(&c->out, p.first);
    else
        ak_out_null(&c->out);
}

/* ---------------------------------------------------------------- moves */

typedef struct elem_copy {
    char *p;
    size_t len;
} elem_copy;

static void copy_elem(void *ctx, ak_slice v)
{
    elem_copy *e = ctx;
    e->p = ak_memdup(v.p, v.len);
    e->len = v.len;
}

/* LMOVE src dst from to: pops at `from` of src, pushes at `to` of dst. */
static void move_generic(ak_session *c, ak_slice src, ak_slice dst, int from, int to)
{
    ak_engine *e = ak_eng(c);
    size_t len;
    int rc = lops(c)->len(e, c->db, src, &len);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    if (rc == AK_NOTFOUND) {
        ak_out_null(&c->out);
        return;
    }
    ak_keyinfo ki;
    e->ops->lookup(e, c->db, dst, AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type != AIKV_TYPE_NONE && ki.type != AIKV_TYPE_LIST) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return;
    }
    int same = src.len == dst.len && memcmp(src.p, dst.p, src.len) == 0;
    if (same && (from == to || len == 1)) {
        /* Popping and pushing back at the same end, or rotating a single
         * element, leaves the list as it was (and its TTL with it). */
        ak_slice v;
        lops(c)->index(e, c->db, src, from == AK_LIST_HEAD ? 0 : -1, &v);
        ak_out_bulk(&c->out, v.p, v.len);
        ak_signal_key(c->st, c->db, src);
        return;
    }
    /* One change for Redis's dirty counter, both keys signalled. */
    elem_copy el = {NULL, 0};
    lops(c)->pop(e, c->db, src, from, 1, NULL, copy_elem, &el);
    ak_slice v = ak_slice_of(el.p, el.len);
    lops(c)->push(e, c->db, dst, to, &v, 1, 0, NULL);
    ak_signal_key_changes(c->st, c->db, src, 1);
    ak_signal_key_changes(c->st, c->db, dst, 0);
    ak_out_bulk(&c->out, el.p, el.len);
    ak_free(el.p);
}

void ak_cmd_lmove(ak_session *c)
{
    int from, to;
    if (!parse_where(c, 3, &from) || !parse_where(c, 4, &to))
        return;
    move_generic(c, ak_arg(c, 1), ak_arg(c, 2), from, to);
}

void ak_cmd_rpoplpush(ak_session *c)
{
    move_generic(c, ak_arg(c, 1), ak_arg(c, 2), AK_LIST_TAIL, AK_LIST_HEAD);
}

typedef struct mpop_ctx {
    ak_out *out;
    ak_slice key;
} mpop_ctx;

static void mpop_begin(void *ctx, size_t n)
{
    mpop_ctx *m = ctx;
    ak_out_array(m->out, 2);
    ak_out_bulk(m->out, m->key.p, m->key.len);
    ak_out_array(m->out, n);
}

/* BLPOP's [key, element]. */
static void bpop_begin(void *ctx, size_t n)
{
    (void)n;
    mpop_ctx *m = ctx;
    ak_out_array(m->out, 2);
    ak_out_bulk(m->out, m->key.p, m->key.len);
}

static void mpop_elem(void *ctx, ak_slice v)
{
    mpop_ctx *m = ctx;
    ak_out_bulk(m->out, v.p, v.len);
}

/* [B]LMPOP's arguments from numkeys (argv[nk]): numkeys key [key ...]
 * LEFT|RIGHT [COUNT count]. Replies with the error and returns 0 when bad. */
static int lmpop_args(ak_session *c, int nk, int *nkeys, int *where, long long *count)
{
    long long numkeys;
    *count = -1;
    if (!ak_arg_ll_range(c, nk, 1, LLONG_MAX, &numkeys, "ERR numkeys should be greater than 0"))
        return 0;
    if (numkeys > c->argc - nk - 2) { /* the direction would be past the end */
        ak_reply_error(c, AK_ERR_SYNTAX);
        return 0;
    }
    int wi = nk + 1 + (int)numkeys;
    if (!parse_where(c, wi, where))
        return 0;
    for (int j = wi + 1; j < c->argc; j++) {
        if (*count == -1 && ak_arg_is(c, j, "count") && j + 1 < c->argc) {
            if (!ak_arg_ll_range(c, ++j, 1, LLONG_MAX, count, "ERR count should be greater than 0"))
                return 0;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return 0;
        }
    }
    if (*count == -1)
        *count = 1;
    *nkeys = (int)numkeys;
    return 1;
}

/* Pops up to count elements from the first non-empty list of argv[first ..
 * first+nkeys): AK_OK with the reply [key, [elements]] -- or with bpop, the
 * [key, element] of BLPOP --, AK_NOTFOUND with nothing written, or
 * AK_WRONGTYPE (replied) for a key of another type before it. */
static int mpop_first(ak_session *c, int first, int nkeys, int where, long long count, int bpop)
{
    for (int i = first; i < first + nkeys; i++) {
        mpop_ctx m = {&c->out, ak_arg(c, i)};
        int rc = ak_op_list_pop(c->st, c->db, m.key, where, (size_t)count,
                                bpop ? bpop_begin : mpop_begin, mpop_elem, &m);
        if (rc == AK_WRONGTYPE)
            ak_reply_error(c, AK_ERR_WRONGTYPE);
        if (rc != AK_NOTFOUND)
            return rc;
    }
    return AK_NOTFOUND;
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void ak_cmd_lmpop(ak_session *c)
{
    int nkeys, where;
    long long count;
    if (lmpop_args(c, 1, &nkeys, &where, &count) &&
        mpop_first(c, 2, nkeys, where, count, 0) == AK_NOTFOUND)
        ak_out_null_array(&c->out);
}

/* ---------------------------------------------------------------- blocking */

/* Redis's blockingPopGenericCommand(): as [LR]POP / LMPOP on the first
 * non-empty list, else the client waits (or, where it cannot, gets a null
 * at once). count -1: BLPOP/BRPOP's reply. */
static void bpop_generic(ak_session *c, int first, int nkeys, int where, int timeout_arg,
                         long long count)
{
    int64_t deadline;
    if (!ak_arg_timeout(c, timeout_arg, &deadline))
        return;
    int from = first, n = nkeys;
    ak_block_keys(c, &from, &n);
    if (mpop_first(c, from, n, where, count < 0 ? 1 : count, count < 0) != AK_NOTFOUND)
        return;
    if (ak_block_allowed(c))
        ak_block(c, AK_BLOCK_LIST, first, nkeys, deadline);
    else
        ak_out_null_array(&c->out);
}

/* BLPOP|BRPOP key [key ...] timeout */
void ak_cmd_blpop(ak_session *c)
{
    bpop_generic(c, 1, c->argc - 2, AK_LIST_HEAD, c->argc - 1, -1);
}

void ak_cmd_brpop(ak_session *c)
{
    bpop_generic(c, 1, c->argc - 2, AK_LIST_TAIL, c->argc - 1, -1);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the
 * arguments are checked before the timeout, as Redis. */
void ak_cmd_blmpop(ak_session *c)
{
    int nkeys, where;
    long long count;
    if (lmpop_args(c, 2, &nkeys, &where, &count))
        bpop_generic(c, 3, nkeys, where, 1, count);
}

/* Redis's blmoveGenericCommand(): LMOVE when the source exists, else the
 * client waits on it (or, where it cannot, gets a null bulk at once). */
static void bmove_generic(ak_session *c, int from, int to, int timeout_arg)
{
    int64_t deadline;
    if (!ak_arg_timeout(c, timeout_arg, &deadline))
        return;
    size_t len;
    int rc = lops(c)->len(ak_eng(c), c->db, ak_arg(c, 1), &len);
    if (rc == AK_WRONGTYPE)
        ak_reply_error(c, AK_ERR_WRONGTYPE);
    else if (rc == AK_OK)
        move_generic(c, ak_arg(c, 1), ak_arg(c, 2), from, to);
    else if (ak_block_allowed(c))
        ak_block(c, AK_BLOCK_LIST, 1, 1, deadline);
    else
        ak_out_null(&c->out);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
void ak_cmd_blmove(ak_session *c)
{
    int from, to;
    if (parse_where(c, 3, &from) && parse_where(c, 4, &to))
        bmove_generic(c, from, to, 5);
}

/* BRPOPLPUSH source destination timeout */
void ak_cmd_brpoplpush(ak_session *c)
{
    bmove_generic(c, AK_LIST_TAIL, AK_LIST_HEAD, 3);
}
