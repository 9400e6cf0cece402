/*
 * zset.c -- the sorted-set commands: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD
 * ZCOUNT ZLEXCOUNT ZRANK ZREVRANK, the ZRANGE family (and ZRANGESTORE),
 * ZREMRANGEBY*, ZPOPMIN ZPOPMAX ZMPOP, ZRANDMEMBER, the set algebra (ZUNION
 * ZINTER ZDIFF, their STORE forms, ZINTERCARD) and ZSCAN.
 *
 * Handlers parse and validate every argument before the store is touched,
 * in Redis's order (so the same bad call gets the same error), then call
 * the engine's zset operations (store/zset.h) and reply. Scores print as
 * Redis 7.0 prints them (ak_out_double: "%.17g", inf, -inf; RESP3 doubles).
 *
 * Multi-key commands are composed here from single-key operations: the set
 * algebra reads its inputs through the zset and set tables (a plain set is a
 * sorted set whose scores are all 1), and the STORE forms delete the
 * destination and add the sorted result in one batch, so a destination that
 * is also an input is read before it is replaced. Results order by (score,
 * member), ties by member: they are deterministic.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/set.h"
#include "../store/zset.h"
#include "../util/alloc.h"
#include "../util/dict.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "cmds.h"

#define ERR_NOTFLOAT "ERR value is not a valid float"
#define ERR_RANGE_FLOAT "ERR min or max is not a float"
#define ERR_RANGE_LEX "ERR min or max not valid string range item"
#define ERR_NAN "ERR resulting score is not a number (NaN)"
#define ERR_POSITIVE "ERR value is out of range, must be positive"

/* ---------------------------------------------------------------- helpers */

static const struct ak_zset_ops *zops(ak_session *c)
{
    return ak_eng(c)->ops->zset;
}

/* Replies WRONGTYPE for AK_WRONGTYPE; returns 1 when it did. */
static int wrongtype(ak_session *c, int rc)
{
    if (rc != AK_WRONGTYPE)
        return 0;
    ak_reply_error(c, AK_ERR_WRONGTYPE);
    return 1;
}

/* A copy of an argument with a NUL after it (Redis's arguments are C
 * strings: strtod stops at an embedded NUL, and so do we). */
typedef struct cbuf {
    char small[64];
    char *p;
} cbuf;

static const char *cbuf_make(cbuf *b, const char *s, size_t len)
{
    b->p = len < sizeof b->small ? b->small : ak_malloc(len + 1);
    memcpy(b->p, s, len);
    b->p[len] = '\0';
    return b->p;
}

static void cbuf_done(cbuf *b)
{
    if (b->p != b->small)
        ak_free(b->p);
}

/* ---------------------------------------------------------------- range parsing */

/* One end of a score range, as Redis's zslParseRange(): "(" makes it
 * exclusive, then strtod must consume the whole (C) string; leading spaces,
 * hex and "" (= 0) are accepted, NaN is not. */
static int parse_score_item(const char *s, size_t len, double *v, int *ex)
{
    cbuf b;
    const char *p = cbuf_make(&b, s, len);
    *ex = 0;
    if (p[0] == '(') {
        p++;
        *ex = 1;
    }
    char *end;
    double d = strtod(p, &end);
    int ok = *end == '\0' && !isnan(d);
    cbuf_done(&b);
    if (ok)
        *v = d;
    return ok;
}

static int parse_score_range(ak_session *c, int min, int max, ak_zscore_range *r)
{
    if (!parse_score_item(c->argv[min], c->argvlen[min], &r->min, &r->minex) ||
        !parse_score_item(c->argv[max], c->argvlen[max], &r->max, &r->maxex)) {
        ak_reply_error(c, ERR_RANGE_FLOAT);
        return 0;
    }
    return 1;
}

/* Redis's zslParseLexRangeItem(): "+", "-", "(value" or "[value". */
static int parse_lex_item(const char *p, size_t len, ak_zlex_bound *b)
{
    if (len == 0)
        return 0;
    b->v = ak_slice_of(p + 1, len - 1);
    switch (p[0]) {
    case '+':
    case '-':
        if (len > 1 && p[1] != '\0')
            return 0;
        b->inf = p[0] == '+' ? AK_ZLEX_POS_INF : AK_ZLEX_NEG_INF;
        b->ex = 1;
        return 1;
    case '(':
        b->inf = AK_ZLEX_VALUE;
        b->ex = 1;
        return 1;
    case '[':
        b->inf = AK_ZLEX_VALUE;
        b->ex = 0;
        return 1;
    }
    return 0;
}

static int parse_lex_range(ak_session *c, int min, int max, ak_zlex_range *r)
{
    if (!parse_lex_item(c->argv[min], c->argvlen[min], &r->min) ||
        !parse_lex_item(c->argv[max], c->argvlen[max], &r->max)) {
        ak_reply_error(c, ERR_RANGE_LEX);
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- collected elements */

/* Elements copied out of the engine: member bytes in one buffer (offsets,
 * since it grows), scores beside them. */
typedef struct zent {
    size_t off, len;
    double score;
    int alive;
} zent;

typedef struct zvec {
    char *bytes;
    size_t blen, bcap;
    zent *ent;
    size_t n, cap;
} zvec;

static void zvec_free(zvec *v)
{
    ak_free(v->bytes);
    ak_free(v->ent);
    memset(v, 0, sizeof *v);
}

static void zvec_push(zvec *v, ak_slice m, double score)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->ent = ak_realloc(v->ent, v->cap * sizeof(zent));
    }
    if (v->blen + m.len > v->bcap) {
        size_t cap = v->bcap ? v->bcap * 2 : 256;
        while (cap < v->blen + m.len)
            cap *= 2;
        v->bytes = ak_realloc(v->bytes, cap);
        v->bcap = cap;
    }
    if (m.len)
        memcpy(v->bytes + v->blen, m.p, m.len);
    v->ent[v->n++] = (zent){v->blen, m.len, score, 1};
    v->blen += m.len;
}

static ak_slice zvec_member(const zvec *v, size_t i)
{
    /* all-empty members leave the buffer unallocated */
    return ak_slice_of(v->bytes ? v->bytes + v->ent[i].off : "", v->ent[i].len);
}

static void collect_scored(void *ctx, ak_slice m, double score)
{
    zvec_push(ctx, m, score);
}

/* Orders entries by (score, member), as a sorted set does. */
static int zent_cmp(const void *a, const void *b, void *arg)
{
    const zent *x = a, *y = b;
    const char *bytes = arg;
    if (x->score < y->score)
        return -1;
    if (x->score > y->score)
        return 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(bytes + x->off, bytes + y->off, n) : 0;
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Drops the dead entries, keeping the order. */
static void zvec_compact(zvec *v)
{
    size_t w = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->ent[i].alive)
            v->ent[w++] = v->ent[i];
    v->n = w;
}

/* ---------------------------------------------------------------- replying */

/* Writes elements as the ZRANGE family does: member, then the score when
 * asked (RESP3: a [member, score] pair per element). */
typedef struct emitter {
    ak_out *o;
    int withscores, nested;
    size_t n;
} emitter;

static void emitter_init(emitter *em, ak_session *c, int withscores)
{
    em->o = &c->out;
    em->withscores = withscores;
    em->nested = withscores && c->out.resp >= 3;
    em->n = 0;
}

static void emit_scored(void *ctx, ak_slice m, double score)
{
    emitter *em = ctx;
    if (em->nested)
        ak_out_array(em->o, 2);
    ak_out_bulk(em->o, m.p, m.len);
    if (em->withscores)
        ak_out_double(em->o, score);
    em->n++;
}

static size_t emitter_items(const emitter *em)
{
    return em->withscores && !em->nested ? em->n * 2 : em->n;
}

static void reply_zvec(ak_session *c, const zvec *v, int withscores)
{
    emitter em;
    emitter_init(&em, c, withscores);
    ak_out_array(&c->out, withscores && !em.nested ? v->n * 2 : v->n);
    for (size_t i = 0; i < v->n; i++)
        emit_scored(&em, zvec_member(v, i), v->ent[i].score);
}

/* Replaces dst by the elements of v (sorted and distinct) and replies with
 * their number; an empty result deletes dst. `big` asks for the large
 * encoding from the start, as Redis builds some results (see the callers). */
static void store_zvec(ak_session *c, ak_slice dst, const zvec *v, int big)
{
    ak_engine *e = ak_eng(c);
    int existed = e->ops->del(e, c->db, dst);
    if (v->n) {
        ak_zelem *el = ak_malloc(v->n * sizeof *el);
        for (size_t i = 0; i < v->n; i++) {
            el[i].member = zvec_member(v, i);
            el[i].score = v->ent[i].score;
        }
        ak_zadd_result res;
        zops(c)->add(e, c->db, dst, el, v->n, big ? AK_ZADD_BIG : 0, &res);
        ak_free(el);
    }
    if (v->n || existed)
        ak_signal_key(c->st, c->db, dst);
    ak_out_integer(&c->out, (long long)v->n);
}

/* ---------------------------------------------------------------- ZADD ZINCRBY */

int ak_op_zadd(ak_store *st, int db, ak_slice key, const struct ak_zelem *el, size_t n,
               unsigned flags, struct ak_zadd_result *res)
{
    ak_engine *e = st->engine;
    int rc = e->ops->zset->add(e, db, key, el, n, flags, res);
    if (rc == AK_OK && (res->added || res->updated))
        ak_signal_key(st, db, key);
    return rc;
}

/* Redis's zaddGenericCommand(); ZINCRBY is ZADD with INCR forced (so
 * "ZINCRBY key nx member" is a syntax error there too). */
static void zadd_generic(ak_session *c, unsigned flags)
{
    int idx = 2, ch = 0;
    for (; idx < c->argc; idx++) {
        if (ak_arg_is(c, idx, "nx"))
            flags |= AK_ZADD_NX;
        else if (ak_arg_is(c, idx, "xx"))
            flags |= AK_ZADD_XX;
        else if (ak_arg_is(c, idx, "ch"))
            ch = 1;
        else if (ak_arg_is(c, idx, "incr"))
            flags |= AK_ZADD_INCR;
        else if (ak_arg_is(c, idx, "gt"))
            flags |= AK_ZADD_GT;
        else if (ak_arg_is(c, idx, "lt"))
            flags |= AK_ZADD_LT;
        else
            break;
    }
    int rest = c->argc - idx;
    if (rest == 0 || rest % 2) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    size_t n = (size_t)rest / 2;
    if ((flags & AK_ZADD_NX) && (flags & AK_ZADD_XX)) {
        ak_reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & AK_ZADD_GT) && (flags & AK_ZADD_NX)) || ((flags & AK_ZADD_LT) && (flags & AK_ZADD_NX)) ||
        ((flags & AK_ZADD_GT) && (flags & AK_ZADD_LT))) {
        ak_reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & AK_ZADD_INCR) && n > 1) {
        ak_reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    ak_zelem *el = ak_malloc(n * sizeof *el);
    for (size_t i = 0; i < n; i++) {
        int a = idx + 2 * (int)i;
        if (!ak_str2d(c->argv[a], c->argvlen[a], &el[i].score)) {
            ak_reply_error(c, ERR_NOTFLOAT);
            ak_free(el);
            return;
        }
        el[i].member = ak_arg(c, a + 1);
    }
    ak_zadd_result res;
    int rc = ak_op_zadd(c->st, c->db, ak_arg(c, 1), el, n, flags, &res);
    ak_free(el);
    if (wrongtype(c, rc))
        return;
    if (rc == AIKV_NOTNUM) {
        ak_reply_error(c, ERR_NAN);
        return;
    }
    if (flags & AK_ZADD_INCR) {
        if (res.processed)
            ak_out_double(&c->out, res.score);
        else
            ak_out_null(&c->out);
    } else {
        ak_out_integer(&c->out, (long long)(ch ? res.added + res.updated : res.added));
    }
}

void ak_cmd_zadd(ak_session *c)
{
    zadd_generic(c, 0);
}

void ak_cmd_zincrby(ak_session *c)
{
    zadd_generic(c, AK_ZADD_INCR);
}

/* ---------------------------------------------------------------- ZREM ZSCORE ZMSCORE ZCARD */

int ak_op_zrem(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed)
{
    ak_engine *e = st->engine;
    int rc = e->ops->zset->rem(e, db, key, members, n, removed);
    if (rc == AK_OK && *removed)
        ak_signal_key(st, db, key);
    return rc;
}

void ak_cmd_zrem(ak_session *c)
{
    size_t n = (size_t)c->argc - 2, removed = 0;
    ak_slice *m = ak_malloc(n * sizeof *m);
    for (size_t i = 0; i < n; i++)
        m[i] = ak_arg(c, 2 + (int)i);
    int rc = ak_op_zrem(c->st, c->db, ak_arg(c, 1), m, n, &removed);
    ak_free(m);
    if (!wrongtype(c, rc))
        ak_out_integer(&c->out, (long long)removed);
}

void ak_cmd_zscore(ak_session *c)
{
    ak_slice m = ak_arg(c, 2);
    double score;
    unsigned char found;
    int rc = zops(c)->score(ak_eng(c), c->db, ak_arg(c, 1), &m, 1, &score, &found);
    ak_count_lookup(c, rc);
    if (wrongtype(c, rc))
        return;
    if (found)
        ak_out_double(&c->out, score);
    else
        ak_out_null(&c->out);
}

void ak_cmd_zmscore(ak_session *c)
{
    size_t n = (size_t)c->argc - 2;
    ak_slice *m = ak_malloc(n * sizeof *m);
    double *scores = ak_malloc(n * sizeof *scores);
    unsigned char *found = ak_malloc(n);
    for (size_t i = 0; i < n; i++)
        m[i] = ak_arg(c, 2 + (int)i);
    int rc = zops(c)->score(ak_eng(c), c->db, ak_arg(c, 1), m, n, scores, found);
    ak_count_lookup(c, rc);
    if (!wrongtype(c, rc)) {
        ak_out_array(&c->out, n);
        for (size_t i = 0; i < n; i++) {
            if (found[i])
                ak_out_double(&c->out, scores[i]);
            else
                ak_out_null(&c->out);
        }
    }
    ak_free(m);
    ak_free(scores);
    ak_free(found);
}

void ak_cmd_zcard(ak_session *c)
{
    size_t n;
    int rc = zops(c)->card(ak_eng(c), c->db, ak_arg(c, 1), &n);
    ak_count_lookup(c, rc);
    if (!wrongtype(c, rc))
        ak_out_integer(&c->out, (long long)n);
}

/* ---------------------------------------------------------------- ZCOUNT ZLEXCOUNT ZRANK */

void ak_cmd_zcount(ak_session *c)
{
    ak_zscore_range r;
    if (!parse_score_range(c, 2, 3, &r))
        return;
    size_t n;
    int rc = zops(c)->count(ak_eng(c), c->db, ak_arg(c, 1), &r, &n);
    ak_count_lookup(c, rc);
    if (!wrongtype(c, rc))
        ak_out_integer(&c->out, (long long)n);
}

void ak_cmd_zlexcount(ak_session *c)
{
    ak_zlex_range r;
    if (!parse_lex_range(c, 2, 3, &r))
        return;
    long long n;
    int rc = zops(c)->lexcount(ak_eng(c), c->db, ak_arg(c, 1), &r, &n);
    ak_count_lookup(c, rc);
    if (!wrongtype(c, rc))
        ak_out_integer(&c->out, n);
}

/* ZRANK/ZREVRANK key member [WITHSCORE] (WITHSCORE is Redis 7.2's). */
static void zrank_generic(ak_session *c, int rev)
{
    int withscore = 0;
    if (c->argc > 4) {
        ak_reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    if (c->argc == 4) {
        if (!ak_arg_is(c, 3, "withscore")) {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
        withscore = 1;
    }
    int found;
    size_t rank;
    double score;
    int rc = zops(c)->rank(ak_eng(c), c->db, ak_arg(c, 1), ak_arg(c, 2), rev, &found, &rank, &score);
    ak_count_lookup(c, rc);
    if (wrongtype(c, rc))
        return;
    if (!found) {
        if (withscore)
            ak_out_null_array(&c->out);
        else
            ak_out_null(&c->out);
        return;
    }
    if (withscore) {
        ak_out_array(&c->out, 2);
        ak_out_integer(&c->out, (long long)rank);
        ak_out_double(&c->out, score);
    } else {
        ak_out_integer(&c->out, (long long)rank);
    }
}

void ak_cmd_zrank(ak_session *c)
{
    zrank_generic(c, 0);
}

void ak_cmd_zrevrank(ak_session *c)
{
    zrank_generic(c, 1);
}

/* ---------------------------------------------------------------- the ZRANGE family */

#define AUTO (-1)

/* Redis's zrangeGenericCommand(): argv[argstart] is the source key, then
 * min and max, then the options. `by` and `rev` are fixed by the legacy
 * commands (ZRANGEBYSCORE...) and AUTO for ZRANGE/ZRANGESTORE, which take
 * BYSCORE/BYLEX/REV as options. With `store`, argv[1] is the destination. */
static void zrange_generic(ak_session *c, int argstart, int store, int by, int rev)
{
    int minidx = argstart + 1, maxidx = argstart + 2;
    int withscores = 0;
    long long offset = 0, limit = -1;
    for (int j = argstart + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (!store && ak_arg_is(c, j, "withscores")) {
            withscores = 1;
        } else if (ak_arg_is(c, j, "limit") && left >= 2) {
            if (!ak_arg_ll(c, j + 1, &offset) || !ak_arg_ll(c, j + 2, &limit))
                return;
            j += 2;
        } else if (rev == AUTO && ak_arg_is(c, j, "rev")) {
            rev = 1;
        } else if (by == AUTO && ak_arg_is(c, j, "bylex")) {
            by = AK_ZBY_LEX;
        } else if (by == AUTO && ak_arg_is(c, j, "byscore")) {
            by = AK_ZBY_SCORE;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    if (rev == AUTO)
        rev = 0;
    if (by == AUTO)
        by = AK_ZBY_RANK;
    /* Redis tests the value, so LIMIT x -1 passes with a rank range. */
    if (limit != -1 && by == AK_ZBY_RANK) {
        ak_reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && by == AK_ZBY_LEX) {
        ak_reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    if (rev && by != AK_ZBY_RANK) { /* the range is given as max, min */
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = (ak_zby)by;
    r.rev = rev;
    r.offset = offset;
    r.limit = limit;
    if (by == AK_ZBY_RANK) {
        if (!ak_arg_ll(c, minidx, &r.start) || !ak_arg_ll(c, maxidx, &r.stop))
            return;
    } else if (by == AK_ZBY_SCORE) {
        if (!parse_score_range(c, minidx, maxidx, &r.score))
            return;
    } else if (!parse_lex_range(c, minidx, maxidx, &r.lex)) {
        return;
    }
    ak_slice src = ak_arg(c, argstart);
    int rc;
    if (store) {
        zvec v = {0};
        rc = zops(c)->range(ak_eng(c), c->db, src, &r, collect_scored, &v);
        ak_count_lookup(c, rc);
        /* Redis starts the destination as a listpack unless a rank range
         * says it will be larger, then adds one element at a time. */
        if (!wrongtype(c, rc))
            store_zvec(c, ak_arg(c, 1), &v,
                       by == AK_ZBY_RANK && (long long)v.n > c->st->cfg.zset_max_listpack_entries);
        zvec_free(&v);
        return;
    }
    emitter em;
    emitter_init(&em, c, withscores);
    size_t mark = ak_out_defer(&c->out);
    rc = zops(c)->range(ak_eng(c), c->db, src, &r, emit_scored, &em);
    ak_count_lookup(c, rc);
    if (wrongtype(c, rc))
        return; /* nothing was written after the mark */
    ak_out_set_deferred(&c->out, mark, '*', emitter_items(&em));
}

void ak_cmd_zrange(ak_session *c)
{
    zrange_generic(c, 1, 0, AUTO, AUTO);
}

void ak_cmd_zrangestore(ak_session *c)
{
    zrange_generic(c, 2, 1, AUTO, AUTO);
}

void ak_cmd_zrevrange(ak_session *c)
{
    zrange_generic(c, 1, 0, AK_ZBY_RANK, 1);
}

void ak_cmd_zrangebyscore(ak_session *c)
{
    zrange_generic(c, 1, 0, AK_ZBY_SCORE, 0);
}

void ak_cmd_zrevrangebyscore(ak_session *c)
{
    zrange_generic(c, 1, 0, AK_ZBY_SCORE, 1);
}

void ak_cmd_zrangebylex(ak_session *c)
{
    zrange_generic(c, 1, 0, AK_ZBY_LEX, 0);
}

void ak_cmd_zrevrangebylex(ak_session *c)
{
    zrange_generic(c, 1, 0, AK_ZBY_LEX, 1);
}

/* ---------------------------------------------------------------- ZREMRANGEBY* */

static void zremrange_generic(ak_session *c, ak_zby by)
{
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = by;
    r.limit = -1;
    if (by == AK_ZBY_RANK) {
        if (!ak_arg_ll(c, 2, &r.start) || !ak_arg_ll(c, 3, &r.stop))
            return;
    } else if (by == AK_ZBY_SCORE) {
        if (!parse_score_range(c, 2, 3, &r.score))
            return;
    } else if (!parse_lex_range(c, 2, 3, &r.lex)) {
        return;
    }
    size_t removed;
    int rc = zops(c)->remrange(ak_eng(c), c->db, ak_arg(c, 1), &r, &removed);
    if (wrongtype(c, rc))
        return;
    if (removed)
        ak_signal_key(c->st, c->db, ak_arg(c, 1));
    ak_out_integer(&c->out, (long long)removed);
}

void ak_cmd_zremrangebyrank(ak_session *c)
{
    zremrange_generic(c, AK_ZBY_RANK);
}

void ak_cmd_zremrangebyscore(ak_session *c)
{
    zremrange_generic(c, AK_ZBY_SCORE);
}

void ak_cmd_zremrangebylex(ak_session *c)
{
    zremrange_generic(c, AK_ZBY_LEX);
}

/* ---------------------------------------------------------------- ZPOPMIN ZPOPMAX ZMPOP */

/* The first of nkeys keys from argv[first] that exists: its index, -1 when
 * none does, -2 after a WRONGTYPE reply (a key of another type before it). */
static int zpop_find(ak_session *c, int first, int nkeys, size_t *card)
{
    for (int i = 0; i < nkeys; i++) {
        int rc = zops(c)->card(ak_eng(c), c->db, ak_arg(c, first + i), card);
        if (wrongtype(c, rc))
            return -2;
        if (rc == AK_OK)
            return first + i;
    }
    return -1;
}

enum { ZPOP_PLAIN, ZPOP_MPOP, ZPOP_BLOCKING };

/* Redis's genericZpopCommand() on the key argv[k] of `card` members, with
 * the reply of the command: ZPOPMIN/MAX [member, score...] (nested pairs in
 * RESP3 with a count; count -1 = no COUNT argument), ZMPOP/BZMPOP [key,
 * [[member, score]...]], BZPOPMIN/MAX [key, member, score]. */
static void zpop_reply(ak_session *c, int k, size_t card, int max, long long count, int mode)
{
    if (count == 0) {
        ak_out_empty_array(&c->out);
        return;
    }
    size_t want = count < 0 ? 1 : (size_t)count;
    size_t n = want < card ? want : card;
    emitter em;
    emitter_init(&em, c, 1);
    em.nested = mode == ZPOP_MPOP || (mode == ZPOP_PLAIN && c->out.resp >= 3 && count != -1);
    if (mode == ZPOP_MPOP) {
        ak_out_array(&c->out, 2);
        ak_out_bulk(&c->out, c->argv[k], c->argvlen[k]);
        ak_out_array(&c->out, n);
    } else if (mode == ZPOP_BLOCKING) {
        ak_out_array(&c->out, 3);
        ak_out_bulk(&c->out, c->argv[k], c->argvlen[k]);
    } else {
        ak_out_array(&c->out, em.nested ? n : n * 2);
    }
    zops(c)->pop(ak_eng(c), c->db, ak_arg(c, k), max, n, emit_scored, &em);
    ak_signal_key(c->st, c->db, ak_arg(c, k));
}

/* Pops from the first of keys that exists (a key of another type is an
 * error); none: ZMPOP's null or ZPOPMIN's empty array. */
static void zpop_generic(ak_session *c, int first, int nkeys, int max, long long count, int mpop)
{
    size_t card = 0;
    int k = zpop_find(c, first, nkeys, &card);
    if (k == -2)
        return;
    if (k < 0) {
        if (mpop)
            ak_out_null_array(&c->out);
        else
            ak_out_empty_array(&c->out);
        return;
    }
    zpop_reply(c, k, card, max, count, mpop ? ZPOP_MPOP : ZPOP_PLAIN);
}

/* Redis's blockingGenericZpopCommand(): as ZPOP/ZMPOP when a key exists,
 * else the client waits (or, where it cannot, gets a null at once). */
static void bzpop_generic(ak_session *c, int first, int nkeys, int max, int timeout_arg,
                          long long count, int mode)
{
    int64_t deadline;
    if (!ak_arg_timeout(c, timeout_arg, &deadline))
        return;
    size_t card = 0;
    int from = first, n = nkeys;
    ak_block_keys(c, &from, &n);
    int k = zpop_find(c, from, n, &card);
    if (k == -2)
        return;
    if (k >= 0)
        zpop_reply(c, k, card, max, count, mode);
    else if (ak_block_allowed(c))
        ak_block(c, AK_BLOCK_ZSET, first, nkeys, deadline);
    else
        ak_out_null_array(&c->out);
}

static void zpopminmax(ak_session *c, int max)
{
    long long count = -1;
    if (c->argc > 3) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    if (c->argc == 3 && !ak_arg_ll_range(c, 2, 0, LLONG_MAX, &count, ERR_POSITIVE))
        return;
    zpop_generic(c, 1, 1, max, count, 0);
}

void ak_cmd_zpopmin(ak_session *c)
{
    zpopminmax(c, 0);
}

void ak_cmd_zpopmax(ak_session *c)
{
    zpopminmax(c, 1);
}

/* [B]ZMPOP's arguments from numkeys (argv[nk]): numkeys key [key ...]
 * MIN|MAX [COUNT count]. Replies with the error and returns 0 when bad. */
static int zmpop_args(ak_session *c, int nk, int *nkeys, int *max, long long *count)
{
    long long numkeys;
    *count = -1;
    if (!ak_arg_ll_range(c, nk, 1, LLONG_MAX, &numkeys, "ERR numkeys should be greater than 0"))
        return 0;
    if (numkeys > c->argc - nk - 2) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return 0;
    }
    int where = nk + 1 + (int)numkeys;
    if (ak_arg_is(c, where, "min")) {
        *max = 0;
    } else if (ak_arg_is(c, where, "max")) {
        *max = 1;
    } else {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return 0;
    }
    for (int j = where + 1; j < c->argc; j++) {
        if (*count == -1 && ak_arg_is(c, j, "count") && j + 1 < c->argc) {
            j++;
            if (!ak_arg_ll_range(c, j, 1, LLONG_MAX, count, "ERR count should be greater than 0"))
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

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void ak_cmd_zmpop(ak_session *c)
{
    int nkeys, max;
    long long count;
    if (zmpop_args(c, 1, &nkeys, &max, &count))
        zpop_generic(c, 2, nkeys, max, count, 1);
}

/* ---------------------------------------------------------------- BZPOPMIN BZPOPMAX BZMPOP */

/* BZPOPMIN|BZPOPMAX key [key ...] timeout */
void ak_cmd_bzpopmin(ak_session *c)
{
    bzpop_generic(c, 1, c->argc - 2, 0, c->argc - 1, -1, ZPOP_BLOCKING);
}

void ak_cmd_bzpopmax(ak_session *c)
{
    bzpop_generic(c, 1, c->argc - 2, 1, c->argc - 1, -1, ZPOP_BLOCKING);
}

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the
 * arguments are checked before the timeout, as Redis. */
void ak_cmd_bzmpop(ak_session *c)
{
    int nkeys, max;
    long long count;
    if (zmpop_args(c, 2, &nkeys, &max, &count))
        bzpop_generic(c, 3, nkeys, max, 1, count, ZPOP_MPOP);
}

/* ---------------------------------------------------------------- ZRANDMEMBER */

void ak_cmd_zrandmember(ak_session *c)
{
    ak_slice key = ak_arg(c, 1);
    if (c->argc == 2) {
        size_t card;
        int rc = zops(c)->card(ak_eng(c), c->db, key, &card);
        ak_count_lookup(c, rc);
        if (wrongtype(c, rc))
            return;
        if (rc == AK_NOTFOUND) {
            ak_out_null(&c->out);
            return;
        }
        emitter em;
        emitter_init(&em, c, 0);
        zops(c)->random(ak_eng(c), c->db, key, 1, 1, emit_scored, &em);
        return;
    }
    long long count;
    if (!ak_arg_ll(c, 2, &count))
        return;
    if (count == LLONG_MIN) {
        ak_reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return;
    }
    int withscores = 0;
    if (c->argc > 4 || (c->argc == 4 && !ak_arg_is(c, 3, "withscores"))) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    if (c->argc == 4) {
        withscores = 1;
        if (count < -(LLONG_MAX / 2) || count > LLONG_MAX / 2) {
            ak_reply_error(c, "ERR value is out of range");
            return;
        }
    }
    size_t card;
    int rc = zops(c)->card(ak_eng(c), c->db, key, &card);
    ak_count_lookup(c, rc);
    if (wrongtype(c, rc))
        return;
    if (rc == AK_NOTFOUND || count == 0) {
        ak_out_empty_array(&c->out);
        return;
    }
    int unique = count > 0;
    size_t n = unique ? (size_t)count : (size_t)-count;
    emitter em;
    emitter_init(&em, c, withscores);
    size_t mark = ak_out_defer(&c->out);
    zops(c)->random(ak_eng(c), c->db, key, n, unique, emit_scored, &em);
    ak_out_set_deferred(&c->out, mark, '*', emitter_items(&em));
}

/* ---------------------------------------------------------------- set algebra */

enum { OP_UNION, OP_INTER, OP_DIFF };
enum { AGG_SUM, AGG_MIN, AGG_MAX };

typedef struct zsrc {
    ak_slice key;
    aikv_type_t type; /* AIKV_TYPE_ZSET, AIKV_TYPE_SET, or NONE (missing) */
    uint64_t card;
    double weight;
    size_t pos; /* position on the command line (stable sort) */
} zsrc;

static int zsrc_by_card(const void *a, const void *b)
{
    const zsrc *x = a, *y = b;
    if (x->card != y->card)
        return x->card < y->card ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Redis's zunionInterAggregate(): a SUM that gives NaN (inf + -inf) is 0;
 * MIN/MAX keep the current value against NaN. */
static void aggregate(double *target, double v, int agg)
{
    if (agg == AGG_SUM) {
        *target += v;
        if (isnan(*target))
            *target = 0.0;
    } else if (agg == AGG_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

typedef struct weigh_ctx {
    zvec *v;
    double weight;
} weigh_ctx;

static void collect_weighted(void *ctx, ak_slice m, double score)
{
    weigh_ctx *w = ctx;
    double s = w->weight * score;
    zvec_push(w->v, m, isnan(s) ? 0.0 : s);
}

static void collect_member(void *ctx, ak_slice m)
{
    weigh_ctx *w = ctx;
    double s = w->weight;
    zvec_push(w->v, m, isnan(s) ? 0.0 : s);
}

/* All elements of a source, scores times its weight (NaN -> 0). */
static void zsrc_collect(ak_session *c, const zsrc *s, zvec *v)
{
    ak_engine *e = ak_eng(c);
    weigh_ctx w = {v, s->weight};
    if (s->type == AIKV_TYPE_ZSET) {
        ak_zrange r;
        memset(&r, 0, sizeof r);
        r.by = AK_ZBY_RANK;
        r.start = 0;
        r.stop = -1;
        zops(c)->range(e, c->db, s->key, &r, collect_weighted, &w);
    } else if (s->type == AIKV_TYPE_SET) {
        e->ops->set->members(e, c->db, s->key, collect_member, &w);
    }
}

/* Looks members up in a source: found[i] and the raw score (1 for sets). */
static void zsrc_lookup(ak_session *c, const zsrc *s, const ak_slice *m, size_t n, double *scores,
                        unsigned char *found)
{
    ak_engine *e = ak_eng(c);
    if (s->type == AIKV_TYPE_ZSET) {
        zops(c)->score(e, c->db, s->key, m, n, scores, found);
    } else if (s->type == AIKV_TYPE_SET) {
        e->ops->set->ismember(e, c->db, s->key, m, n, found);
        for (size_t i = 0; i < n; i++)
            scores[i] = 1.0;
    } else {
        memset(found, 0, n);
    }
}

/* Open-addressing index of a zvec's members (union accumulator). */
typedef struct zmap {
    size_t *slots; /* entry index + 1, 0 = empty */
    size_t cap;
} zmap;

static size_t *zmap_slot(zmap *mp, const zvec *v, ak_slice m, uint64_t h)
{
    size_t i = (size_t)h & (mp->cap - 1);
    for (;;) {
        size_t *s = &mp->slots[i];
        if (!*s)
            return s;
        ak_slice o = zvec_member(v, *s - 1);
        if (o.len == m.len && (m.len == 0 || !memcmp(o.p, m.p, m.len)))
            return s;
        i = (i + 1) & (mp->cap - 1);
    }
}

static void zmap_grow(zmap *mp, const zvec *v)
{
    size_t cap = mp->cap ? mp->cap * 2 : 64;
    size_t *old = mp->slots, oldcap = mp->cap;
    mp->slots = ak_calloc(cap, sizeof(size_t));
    mp->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i]) {
            ak_slice m = zvec_member(v, old[i] - 1);
            *zmap_slot(mp, v, m, ak_hash(m.p, m.len)) = old[i];
        }
    ak_free(old);
}

/* ZUNION: every source's elements merged into acc. */
static void do_union(ak_session *c, zsrc *src, size_t n, int agg, zvec *acc)
{
    zmap mp = {NULL, 0};
    zvec tmp = {0};
    for (size_t i = 0; i < n; i++) {
        if (src[i].card == 0)
            continue;
        tmp.n = tmp.blen = 0;
        zsrc_collect(c, &src[i], &tmp);
        for (size_t j = 0; j < tmp.n; j++) {
            ak_slice m = zvec_member(&tmp, j);
            if ((acc->n + 1) * 2 > mp.cap)
                zmap_grow(&mp, acc);
            size_t *slot = zmap_slot(&mp, acc, m, ak_hash(m.p, m.len));
            if (*slot) {
                aggregate(&acc->ent[*slot - 1].score, tmp.ent[j].score, agg);
            } else {
                zvec_push(acc, m, tmp.ent[j].score);
                *slot = acc->n;
            }
        }
    }
    zvec_free(&tmp);
    ak_free(mp.slots);
}

/* ZINTER (and ZINTERCARD): the smallest source's elements, checked against
 * every other source in batches; stops once `limit` (> 0) survived. */
static void do_inter(ak_session *c, zsrc *src, size_t n, int agg, size_t limit, zvec *acc)
{
    if (src[0].card == 0)
        return;
    zsrc_collect(c, &src[0], acc);
    size_t batch = limit ? 256 : acc->n;
    ak_slice *m = ak_malloc((batch ? batch : 1) * sizeof *m);
    double *scores = ak_malloc((batch ? batch : 1) * sizeof *scores);
    unsigned char *found = ak_malloc(batch ? batch : 1);
    size_t survived = 0;
    for (size_t from = 0; from < acc->n; from += batch) {
        size_t cnt = acc->n - from < batch ? acc->n - from : batch;
        for (size_t j = 1; j < n; j++) {
            size_t k = 0;
            for (size_t i = 0; i < cnt; i++)
                if (acc->ent[from + i].alive)
                    m[k++] = zvec_member(acc, from + i);
            if (!k)
                break;
            zsrc_lookup(c, &src[j], m, k, scores, found);
            k = 0;
            for (size_t i = 0; i < cnt; i++) {
                zent *en = &acc->ent[from + i];
                if (!en->alive)
                    continue;
                if (found[k])
                    aggregate(&en->score, scores[k] * src[j].weight, agg);
                else
                    en->alive = 0;
                k++;
            }
        }
        for (size_t i = 0; i < cnt; i++)
            survived += acc->ent[from + i].alive;
        if (limit && survived >= limit) {
            for (size_t i = from + cnt; i < acc->n; i++)
                acc->ent[i].alive = 0;
            break;
        }
    }
    ak_free(m);
    ak_free(scores);
    ak_free(found);
    zvec_compact(acc);
}

/* ZDIFF: the first source's elements found in no other source. */
static void do_diff(ak_session *c, zsrc *src, size_t n, zvec *acc)
{
    if (src[0].card == 0)
        return;
    zsrc_collect(c, &src[0], acc);
    size_t cnt = acc->n;
    ak_slice *m = ak_malloc((cnt ? cnt : 1) * sizeof *m);
    double *scores = ak_malloc((cnt ? cnt : 1) * sizeof *scores);
    unsigned char *found = ak_malloc(cnt ? cnt : 1);
    for (size_t j = 1; j < n; j++) {
        if (src[j].card == 0)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++)
            if (acc->ent[i].alive)
                m[k++] = zvec_member(acc, i);
        if (!k)
            break;
        zsrc_lookup(c, &src[j], m, k, scores, found);
        k = 0;
        for (size_t i = 0; i < cnt; i++)
            if (acc->ent[i].alive && found[k++])
                acc->ent[i].alive = 0;
    }
    ak_free(m);
    ak_free(scores);
    ak_free(found);
    zvec_compact(acc);
}

/* Redis's zunionInterDiffGenericCommand(). dst is the destination's
 * argument index (0: reply instead); cardonly is ZINTERCARD. */
static void zsetop_generic(ak_session *c, int dst, int op, int cardonly)
{
    ak_engine *e = ak_eng(c);
    int nk = dst ? 2 : 1;
    long long setnum;
    if (!ak_arg_ll(c, nk, &setnum))
        return;
    if (setnum < 1) {
        ak_reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", c->cmd->name);
        return;
    }
    if (setnum > c->argc - nk - 1) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    size_t n = (size_t)setnum;
    zsrc *src = ak_calloc(n, sizeof *src);
    for (size_t i = 0; i < n; i++) {
        ak_keyinfo ki;
        src[i].key = ak_arg(c, nk + 1 + (int)i);
        src[i].weight = 1.0;
        src[i].pos = i;
        e->ops->lookup(e, c->db, src[i].key, 0, &ki);
        ak_count_lookup(c, ki.type == AIKV_TYPE_NONE ? AK_NOTFOUND : AK_OK);
        if (ki.type != AIKV_TYPE_NONE && ki.type != AIKV_TYPE_ZSET && ki.type != AIKV_TYPE_SET) {
            ak_reply_error(c, AK_ERR_WRONGTYPE);
            ak_free(src);
            return;
        }
        src[i].type = ki.type;
    }
    int agg = AGG_SUM, withscores = 0;
    long long limit = 0;
    int j = nk + 1 + (int)n;
    while (j < c->argc) {
        int remaining = c->argc - j;
        if (op != OP_DIFF && !cardonly && remaining >= setnum + 1 && ak_arg_is(c, j, "weights")) {
            j++;
            for (size_t i = 0; i < n; i++, j++) {
                if (!ak_str2d(c->argv[j], c->argvlen[j], &src[i].weight)) {
                    ak_reply_error(c, "ERR weight value is not a float");
                    ak_free(src);
                    return;
                }
            }
        } else if (op != OP_DIFF && !cardonly && remaining >= 2 && ak_arg_is(c, j, "aggregate")) {
            j++;
            if (ak_arg_is(c, j, "sum")) {
                agg = AGG_SUM;
            } else if (ak_arg_is(c, j, "min")) {
                agg = AGG_MIN;
            } else if (ak_arg_is(c, j, "max")) {
                agg = AGG_MAX;
            } else {
                ak_reply_error(c, AK_ERR_SYNTAX);
                ak_free(src);
                return;
            }
            j++;
        } else if (!dst && !cardonly && ak_arg_is(c, j, "withscores")) {
            j++;
            withscores = 1;
        } else if (cardonly && remaining >= 2 && ak_arg_is(c, j, "limit")) {
            j++;
            if (!ak_str2ll(c->argv[j], c->argvlen[j], &limit) || limit < 0) {
                ak_reply_error(c, "ERR LIMIT can't be negative");
                ak_free(src);
                return;
            }
            j++;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            ak_free(src);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (src[i].type == AIKV_TYPE_ZSET) {
            size_t card = 0;
            zops(c)->card(e, c->db, src[i].key, &card);
            src[i].card = card;
        } else if (src[i].type == AIKV_TYPE_SET) {
            e->ops->set->card(e, c->db, src[i].key, &src[i].card);
        }
    }
    /* Smallest first (the order SUM adds in, as Redis); DIFF keeps its first. */
    if (op != OP_DIFF)
        qsort(src, n, sizeof *src, zsrc_by_card);
    zvec acc = {0};
    if (op == OP_UNION)
        do_union(c, src, n, agg, &acc);
    else if (op == OP_INTER)
        do_inter(c, src, n, agg, cardonly ? (size_t)limit : 0, &acc);
    else
        do_diff(c, src, n, &acc);
    ak_free(src);
    if (cardonly) {
        size_t cnt = acc.n;
        if (limit && cnt > (size_t)limit)
            cnt = (size_t)limit;
        ak_out_integer(&c->out, (long long)cnt);
        zvec_free(&acc);
        return;
    }
    if (acc.n > 1)
        qsort_r(acc.ent, acc.n, sizeof(zent), zent_cmp, acc.bytes);
    if (dst) {
        /* Redis builds the result as a skiplist and converts it when it
         * is small enough for a listpack. */
        size_t maxlen = 0;
        for (size_t i = 0; i < acc.n; i++)
            maxlen = acc.ent[i].len > maxlen ? acc.ent[i].len : maxlen;
        int big = (long long)acc.n > c->st->cfg.zset_max_listpack_entries ||
                  (long long)maxlen > c->st->cfg.zset_max_listpack_value;
        store_zvec(c, ak_arg(c, dst), &acc, big);
    } else {
        reply_zvec(c, &acc, withscores);
    }
    zvec_free(&acc);
}

void ak_cmd_zunion(ak_session *c)
{
    zsetop_generic(c, 0, OP_UNION, 0);
}

void ak_cmd_zinter(ak_session *c)
{
    zsetop_generic(c, 0, OP_INTER, 0);
}

void ak_cmd_zdiff(ak_session *c)
{
    zsetop_generic(c, 0, OP_DIFF, 0);
}

void ak_cmd_zunionstore(ak_session *c)
{
    zsetop_generic(c, 1, OP_UNION, 0);
}

void ak_cmd_zinterstore(ak_session *c)
{
    zsetop_generic(c, 1, OP_INTER, 0);
}

void ak_cmd_zdiffstore(ak_session *c)
{
    zsetop_generic(c, 1, OP_DIFF, 0);
}

void ak_cmd_zintercard(ak_session *c)
{
    zsetop_generic(c, 0, OP_INTER, 1);
}

/* ---------------------------------------------------------------- ZSCAN */

void ak_cmd_zscan(ak_session *c)
{
    uint64_t cursor;
    if (!ak_arg_cursor(c, 2, &cursor))
        return;
    ak_slice key = ak_arg(c, 1);
    size_t card;
    int rc = zops(c)->card(ak_eng(c), c->db, key, &card);
    ak_count_lookup(c, rc);
    if (wrongtype(c, rc))
        return;
    if (rc == AK_NOTFOUND) {
        ak_out_array(&c->out, 2);
        ak_out_bulk(&c->out, "0", 1);
        ak_out_array(&c->out, 0);
        return;
    }
    long long count = 10;
    const char *pat = NULL;
    size_t plen = 0;
    for (int j = 3; j < c->argc;) {
        int left = c->argc - j;
        if (ak_arg_is(c, j, "count") && left >= 2) {
            if (!ak_arg_ll(c, j + 1, &count))
                return;
            if (count < 1) {
                ak_reply_error(c, AK_ERR_SYNTAX);
                return;
            }
            j += 2;
        } else if (ak_arg_is(c, j, "match") && left >= 2) {
            pat = c->argv[j + 1];
            plen = c->argvlen[j + 1];
            if (plen == 1 && pat[0] == '*')
                pat = NULL;
            j += 2;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    zvec v = {0};
    uint64_t next;
    zops(c)->scan(ak_eng(c), c->db, key, cursor, (size_t)count, collect_scored, &v, &next);
    size_t keep = 0;
    for (size_t i = 0; i < v.n; i++) {
        ak_slice m = zvec_member(&v, i);
        v.ent[i].alive = !pat || ak_glob_match(pat, plen, m.p, m.len, 0);
        keep += v.ent[i].alive;
    }
    ak_out_array(&c->out, 2);
    ak_out_bulk_ll(&c->out, (long long)next);
    ak_out_array(&c->out, keep * 2);
    for (size_t i = 0; i < v.n; i++) {
        if (!v.ent[i].alive)
            continue;
        char buf[64];
        size_t len = ak_d2str(buf, sizeof buf, v.ent[i].score);
        ak_slice m = zvec_member(&v, i);
        ak_out_bulk(&c->out, m.p, m.len);
        ak_out_bulk(&c->out, buf, len);
    }
    zvec_free(&v);
}
