/*
 * zset.c -- sorted-set values of the memory engine, with Redis's two
 * encodings (OBJECT ENCODING reports them):
 *
 *   LISTPACK  one lp (util/lp.h) of member,score entry pairs sorted by
 *             (score, member). Used while the set has at most
 *             zset-max-listpack-entries members of at most
 *             zset-max-listpack-value bytes; everything is a linear walk.
 *             A score entry is the decimal text of a small integer
 *             (-999999..9999999, at most 7 bytes: most real scores) or the
 *             8 raw bytes of the double, so it is never re-parsed as text.
 *             -0 is stored as 0, as Redis's listpack does.
 *   SKIPLIST  Pugh's skiplist with Redis's refinements (equal scores ordered
 *             by member, backward links at level 0, spans for O(log n)
 *             ranks), plus an intrusive dict (util/dict.h) from member to
 *             node. The node is shared: it is the dict entry and the
 *             skiplist element, one allocation holding the chain link, the
 *             score, the backward link, the forward links, the spans and the
 *             member bytes. The span of level 0 is always 1 and is not
 *             stored. Spans are 32-bit: a set holds at most 2^32-1 members.
 *
 * Conversion happens when an insertion would break a listpack limit
 * (checked at every write against the live configuration); a skiplist is
 * never converted back, except that a new key starts as a listpack.
 *
 * Lex ranges reproduce Redis's algorithms (a linear walk in a listpack, a
 * descent in the skiplist) so that they agree with it even on sets whose
 * scores differ, where the answer depends on the walk.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../../util/lp.h"
#include "../zset.h"
#include "mem.h"

/* ---------------------------------------------------------------- randomness */

static _Thread_local uint64_t rng_state;

static uint64_t zrand(void)
{
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        rng_state = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&rng_state;
        if (!rng_state)
            rng_state = 1;
    }
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t zrand_below(size_t n)
{
    return (size_t)(zrand() % n);
}

/* ---------------------------------------------------------------- comparisons */

static int mcmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

/* (s1, m1) against (s2, m2) in the set's order. */
static int elem_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2)
{
    if (s1 < s2)
        return -1;
    if (s1 > s2)
        return 1;
    return mcmp(m1, l1, m2, l2);
}

/* ---------------------------------------------------------------- listpack encoding */

#define SCORE_BIN 8
#define LP_SAFE_BYTES (1u << 30)

static size_t score_enc(double d, char buf[SCORE_BIN])
{
    if (d > -1e6 && d < 1e7 && d == (double)(long long)d) {
        long long v = (long long)d;
        char tmp[8];
        size_t n = 0;
        int neg = v < 0;
        unsigned long long u = neg ? (unsigned long long)-v : (unsigned long long)v;
        do {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        size_t o = 0;
        if (neg)
            buf[o++] = '-';
        while (n)
            buf[o++] = tmp[--n];
        return o;
    }
    memcpy(buf, &d, SCORE_BIN);
    return SCORE_BIN;
}

static double score_dec(const char *p, size_t len)
{
    if (len == SCORE_BIN) {
        double d;
        memcpy(&d, p, SCORE_BIN);
        return d;
    }
    size_t i = 0;
    int neg = 0;
    if (p[0] == '-') {
        neg = 1;
        i = 1;
    }
    long long v = 0;
    for (; i < len; i++)
        v = v * 10 + (p[i] - '0');
    return (double)(neg ? -v : v);
}

static ak_slice lp_slice(const lp *l, size_t at)
{
    size_t n;
    const char *p = lp_get(l, at, &n);
    return ak_slice_of(p, n);
}

static double lp_score(const lp *l, size_t at)
{
    size_t n;
    const char *p = lp_get(l, at, &n);
    return score_dec(p, n);
}

static size_t zlp_len(const lp *l)
{
    return lp_count(l) / 2;
}

/* Pair navigation: e is a member's cursor. */
static size_t zlp_next(const lp *l, size_t e)
{
    return lp_next(l, lp_next(l, e));
}

static size_t zlp_prev(const lp *l, size_t e)
{
    size_t s = lp_prev(l, e);
    return s == LP_END ? LP_END : lp_prev(l, s);
}

static double zlp_score_of(const lp *l, size_t e)
{
    return lp_score(l, lp_next(l, e));
}

static size_t zlp_find(const lp *l, ak_slice m, double *score)
{
    size_t first = lp_first(l);
    if (first == LP_END)
        return LP_END;
    size_t e = lp_find(l, first, m.p, m.len, 1);
    if (e != LP_END && score)
        *score = zlp_score_of(l, e);
    return e;
}

static lp *zlp_insert(lp *l, ak_slice m, double score)
{
    size_t e;
    for (e = lp_first(l); e != LP_END; e = zlp_next(l, e)) {
        ak_slice em = lp_slice(l, e);
        if (elem_cmp(zlp_score_of(l, e), em.p, em.len, score, m.p, m.len) > 0)
            break;
    }
    char buf[SCORE_BIN];
    size_t n = score_enc(score, buf);
    size_t w;
    l = lp_insert(l, e, buf, n, &w);
    return lp_insert(l, w, m.p, m.len, NULL);
}

/* Redis's zzlIsInRange / zzlFirstInRange / zzlLastInRange. */
static int zlp_in_score_range(const lp *l, const ak_zscore_range *r)
{
    if (ak_zscore_empty(r))
        return 0;
    size_t last = lp_seek(l, -2);
    if (last == LP_END || !ak_zscore_gte_min(zlp_score_of(l, last), r))
        return 0;
    return ak_zscore_lte_max(zlp_score_of(l, lp_first(l)), r);
}

static size_t zlp_first_in_score(const lp *l, const ak_zscore_range *r)
{
    if (!zlp_in_score_range(l, r))
        return LP_END;
    for (size_t e = lp_first(l); e != LP_END; e = zlp_next(l, e)) {
        double s = zlp_score_of(l, e);
        if (ak_zscore_gte_min(s, r))
            return ak_zscore_lte_max(s, r) ? e : LP_END;
    }
    return LP_END;
}

static size_t zlp_last_in_score(const lp *l, const ak_zscore_range *r)
{
    if (!zlp_in_score_range(l, r))
        return LP_END;
    for (size_t e = lp_seek(l, -2); e != LP_END; e = zlp_prev(l, e)) {
        double s = zlp_score_of(l, e);
        if (ak_zscore_lte_max(s, r))
            return ak_zscore_gte_min(s, r) ? e : LP_END;
    }
    return LP_END;
}

/* Redis's zzlIsInLexRange / zzlFirstInLexRange / zzlLastInLexRange. */
static int zlp_in_lex_range(const lp *l, const ak_zlex_range *r)
{
    if (ak_zlex_empty(r))
        return 0;
    size_t last = lp_seek(l, -2);
    if (last == LP_END || !ak_zlex_gte_min(lp_slice(l, last), r))
        return 0;
    return ak_zlex_lte_max(lp_slice(l, lp_first(l)), r);
}

static size_t zlp_first_in_lex(const lp *l, const ak_zlex_range *r)
{
    if (!zlp_in_lex_range(l, r))
        return LP_END;
    for (size_t e = lp_first(l); e != LP_END; e = zlp_next(l, e)) {
        ak_slice m = lp_slice(l, e);
        if (ak_zlex_gte_min(m, r))
            return ak_zlex_lte_max(m, r) ? e : LP_END;
    }
    return LP_END;
}

static size_t zlp_last_in_lex(const lp *l, const ak_zlex_range *r)
{
    if (!zlp_in_lex_range(l, r))
        return LP_END;
    for (size_t e = lp_seek(l, -2); e != LP_END; e = zlp_prev(l, e)) {
        ak_slice m = lp_slice(l, e);
        if (ak_zlex_lte_max(m, r))
            return ak_zlex_gte_min(m, r) ? e : LP_END;
    }
    return LP_END;
}

/* ---------------------------------------------------------------- skiplist */

#define ZSL_MAXLEVEL 32

/* Followed in memory by: znode *fwd[level]; uint32_t span[level - 1];
 * char member[len]. */
typedef struct znode {
    ak_dnode hn; /* the dict's chain link: first member */
    double score;
    struct znode *back;
    uint32_t len;
    uint32_t level;
} znode;

typedef struct zsl {
    ak_dict dict;
    znode *header, *tail;
    size_t length;
    int level;
} zsl;

static inline znode **zfwd(const znode *n)
{
    return (znode **)(n + 1);
}

static inline uint32_t *zspans(const znode *n)
{
    return (uint32_t *)((char *)(n + 1) + sizeof(znode *) * n->level);
}

static inline size_t zspan(const znode *n, int i)
{
    return i ? zspans(n)[i - 1] : 1;
}

static inline void zset_span(znode *n, int i, size_t v)
{
    if (i)
        zspans(n)[i - 1] = (uint32_t)v;
}

static inline char *zmem(const znode *n)
{
    return (char *)(n + 1) + sizeof(znode *) * n->level + sizeof(uint32_t) * (n->level - 1);
}

static inline ak_slice zslice(const znode *n)
{
    return ak_slice_of(zmem(n), n->len);
}

static znode *znode_new(int level, double score, const char *m, size_t len)
{
    size_t sz = sizeof(znode) + sizeof(znode *) * (size_t)level + sizeof(uint32_t) * (size_t)(level - 1) + len;
    znode *n = ak_malloc(sz);
    n->hn.next = NULL;
    n->score = score;
    n->back = NULL;
    n->len = (uint32_t)len;
    n->level = (uint32_t)level;
    memset(zfwd(n), 0, sizeof(znode *) * (size_t)level + sizeof(uint32_t) * (size_t)(level - 1));
    if (len)
        memcpy(zmem(n), m, len);
    return n;
}

static uint64_t znode_hash(const ak_dnode *d)
{
    const znode *n = (const znode *)d;
    return ak_hash(zmem(n), n->len);
}

static int znode_eq(const ak_dnode *d, const void *key, size_t len)
{
    const znode *n = (const znode *)d;
    return n->len == len && (len == 0 || memcmp(zmem(n), key, len) == 0);
}

static const ak_dtype zdict_type = {znode_hash, znode_eq};

static zsl *zsl_new(void)
{
    zsl *zs = ak_malloc(sizeof *zs);
    ak_dict_init(&zs->dict, &zdict_type);
    zs->header = znode_new(ZSL_MAXLEVEL, 0, NULL, 0);
    zs->tail = NULL;
    zs->length = 0;
    zs->level = 1;
    return zs;
}

static void zsl_free(zsl *zs)
{
    znode *n = zfwd(zs->header)[0];
    while (n) {
        znode *next = zfwd(n)[0];
        ak_free(n);
        n = next;
    }
    ak_dict_clear(&zs->dict, NULL, NULL);
    ak_free(zs->header);
    ak_free(zs);
}

static int zsl_random_level(void)
{
    int level = 1;
    while (level < ZSL_MAXLEVEL && (zrand() & 0xFFFF) < 0xFFFF / 4)
        level++;
    return level;
}

static inline int node_cmp(const znode *n, double score, const char *m, size_t len)
{
    return elem_cmp(n->score, zmem(n), n->len, score, m, len);
}

/* Links node x (score, member and level set) at its place. */
static void zsl_link(zsl *zs, znode *x)
{
    znode *update[ZSL_MAXLEVEL];
    size_t rank[ZSL_MAXLEVEL];
    const char *m = zmem(x);
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--) {
        rank[i] = i == zs->level - 1 ? 0 : rank[i + 1];
        while (zfwd(n)[i] && node_cmp(zfwd(n)[i], x->score, m, x->len) < 0) {
            rank[i] += zspan(n, i);
            n = zfwd(n)[i];
        }
        update[i] = n;
    }
    int level = (int)x->level;
    if (level > zs->level) {
        for (int i = zs->level; i < level; i++) {
            rank[i] = 0;
            update[i] = zs->header;
            zset_span(zs->header, i, zs->length);
        }
        zs->level = level;
    }
    for (int i = 0; i < level; i++) {
        zfwd(x)[i] = zfwd(update[i])[i];
        zfwd(update[i])[i] = x;
        zset_span(x, i, zspan(update[i], i) - (rank[0] - rank[i]));
        zset_span(update[i], i, (rank[0] - rank[i]) + 1);
    }
    for (int i = level; i < zs->level; i++)
        zset_span(update[i], i, zspan(update[i], i) + 1);
    x->back = update[0] == zs->header ? NULL : update[0];
    if (zfwd(x)[0])
        zfwd(x)[0]->back = x;
    else
        zs->tail = x;
    zs->length++;
}

/* Fills update[] with the last node before (score, m) at each level. */
static void zsl_find_update(zsl *zs, double score, const char *m, size_t len, znode **update)
{
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--) {
        while (zfwd(n)[i] && node_cmp(zfwd(n)[i], score, m, len) < 0)
            n = zfwd(n)[i];
        update[i] = n;
    }
}

static void zsl_unlink(zsl *zs, znode *x, znode **update)
{
    for (int i = 0; i < zs->level; i++) {
        if (zfwd(update[i])[i] == x) {
            zset_span(update[i], i, zspan(update[i], i) + zspan(x, i) - 1);
            zfwd(update[i])[i] = zfwd(x)[i];
        } else {
            zset_span(update[i], i, zspan(update[i], i) - 1);
        }
    }
    if (zfwd(x)[0])
        zfwd(x)[0]->back = x->back;
    else
        zs->tail = x->back;
    while (zs->level > 1 && zfwd(zs->header)[zs->level - 1] == NULL)
        zs->level--;
    zs->length--;
}

/* Inserts a member that is not present; h = ak_hash() of it. */
static znode *zsl_insert_h(zsl *zs, double score, ak_slice m, uint64_t h)
{
    znode *x = znode_new(zsl_random_level(), score, m.p, m.len);
    zsl_link(zs, x);
    ak_dict_insert(&zs->dict, &x->hn, h);
    return x;
}

static znode *zsl_insert(zsl *zs, double score, ak_slice m)
{
    return zsl_insert_h(zs, score, m, ak_hash(m.p, m.len));
}

static znode *zsl_find_h(zsl *zs, ak_slice m, uint64_t h)
{
    return (znode *)ak_dict_find(&zs->dict, m.p, m.len, h);
}

static znode *zsl_find(zsl *zs, ak_slice m)
{
    return zsl_find_h(zs, m, ak_hash(m.p, m.len));
}

/* Unlinks x from both structures and frees it. */
static void zsl_delete(zsl *zs, znode *x, znode **update)
{
    znode *up[ZSL_MAXLEVEL];
    if (!update) {
        zsl_find_update(zs, x->score, zmem(x), x->len, up);
        update = up;
    }
    zsl_unlink(zs, x, update);
    ak_dict_unlink(&zs->dict, zmem(x), x->len, ak_hash(zmem(x), x->len));
    ak_free(x);
}

static void zsl_update_score(zsl *zs, znode *x, double score)
{
    if ((x->back == NULL || x->back->score < score) &&
        (zfwd(x)[0] == NULL || zfwd(x)[0]->score > score)) {
        x->score = score; /* stays in place */
        return;
    }
    znode *update[ZSL_MAXLEVEL];
    zsl_find_update(zs, x->score, zmem(x), x->len, update);
    zsl_unlink(zs, x, update);
    x->score = score;
    zsl_link(zs, x);
}

/* 1-based rank of node x. */
static size_t zsl_rank(const zsl *zs, const znode *x)
{
    size_t rank = 0;
    const znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--) {
        while (zfwd(n)[i] && node_cmp(zfwd(n)[i], x->score, zmem(x), x->len) <= 0) {
            rank += zspan(n, i);
            n = zfwd(n)[i];
        }
        if (n == x)
            return rank;
    }
    return 0;
}

/* The node of 1-based rank `rank`, or NULL. */
static znode *zsl_at(const zsl *zs, size_t rank)
{
    size_t traversed = 0;
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--) {
        while (zfwd(n)[i] && traversed + zspan(n, i) <= rank) {
            traversed += zspan(n, i);
            n = zfwd(n)[i];
        }
        if (traversed == rank)
            return n == zs->header ? NULL : n;
    }
    return NULL;
}

static znode *zsl_first(const zsl *zs)
{
    return zfwd(zs->header)[0];
}

/* Redis's zslIsInRange / zslFirstInRange / zslLastInRange, with the rank
 * of the node found. */
static int zsl_in_score_range(const zsl *zs, const ak_zscore_range *r)
{
    if (ak_zscore_empty(r))
        return 0;
    if (!zs->tail || !ak_zscore_gte_min(zs->tail->score, r))
        return 0;
    return ak_zscore_lte_max(zsl_first(zs)->score, r);
}

static znode *zsl_first_in_score(const zsl *zs, const ak_zscore_range *r, size_t *rank)
{
    if (!zsl_in_score_range(zs, r))
        return NULL;
    size_t rk = 0;
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--)
        while (zfwd(n)[i] && !ak_zscore_gte_min(zfwd(n)[i]->score, r)) {
            rk += zspan(n, i);
            n = zfwd(n)[i];
        }
    n = zfwd(n)[0];
    if (!n || !ak_zscore_lte_max(n->score, r))
        return NULL;
    *rank = rk + 1;
    return n;
}

static znode *zsl_last_in_score(const zsl *zs, const ak_zscore_range *r, size_t *rank)
{
    if (!zsl_in_score_range(zs, r))
        return NULL;
    size_t rk = 0;
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--)
        while (zfwd(n)[i] && ak_zscore_lte_max(zfwd(n)[i]->score, r)) {
            rk += zspan(n, i);
            n = zfwd(n)[i];
        }
    if (n == zs->header || !ak_zscore_gte_min(n->score, r))
        return NULL;
    *rank = rk;
    return n;
}

static int zsl_in_lex_range(const zsl *zs, const ak_zlex_range *r)
{
    if (ak_zlex_empty(r))
        return 0;
    if (!zs->tail || !ak_zlex_gte_min(zslice(zs->tail), r))
        return 0;
    return ak_zlex_lte_max(zslice(zsl_first(zs)), r);
}

static znode *zsl_first_in_lex(const zsl *zs, const ak_zlex_range *r, size_t *rank)
{
    if (!zsl_in_lex_range(zs, r))
        return NULL;
    size_t rk = 0;
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--)
        while (zfwd(n)[i] && !ak_zlex_gte_min(zslice(zfwd(n)[i]), r)) {
            rk += zspan(n, i);
            n = zfwd(n)[i];
        }
    n = zfwd(n)[0];
    if (!n || !ak_zlex_lte_max(zslice(n), r))
        return NULL;
    *rank = rk + 1;
    return n;
}

static znode *zsl_last_in_lex(const zsl *zs, const ak_zlex_range *r, size_t *rank)
{
    if (!zsl_in_lex_range(zs, r))
        return NULL;
    size_t rk = 0;
    znode *n = zs->header;
    for (int i = zs->level - 1; i >= 0; i--)
        while (zfwd(n)[i] && ak_zlex_lte_max(zslice(zfwd(n)[i]), r)) {
            rk += zspan(n, i);
            n = zfwd(n)[i];
        }
    if (n == zs->header || !ak_zlex_gte_min(zslice(n), r))
        return NULL;
    *rank = rk;
    return n;
}

static zsl *zsl_from_lp(const lp *l)
{
    zsl *zs = zsl_new();
    for (size_t e = lp_first(l); e != LP_END; e = zlp_next(l, e))
        zsl_insert(zs, zlp_score_of(l, e), lp_slice(l, e));
    return zs;
}

/* ---------------------------------------------------------------- values */

static void zset_free(mkey *k)
{
    if (k->enc == AK_ENC_LISTPACK)
        lp_free(k->v.p);
    else
        zsl_free(k->v.p);
}

static void zset_dup(mkey *d, const mkey *k)
{
    d->enc = k->enc;
    if (k->enc == AK_ENC_LISTPACK) {
        d->v.p = lp_dup(k->v.p);
        return;
    }
    const zsl *src = k->v.p;
    zsl *zs = zsl_new();
    for (znode *n = zsl_first(src); n; n = zfwd(n)[0])
        zsl_insert(zs, n->score, zslice(n));
    d->v.p = zs;
}

const mem_vtype mem_zset_vtype = {zset_free, zset_dup};

static size_t zcard(const mkey *k)
{
    return k->enc == AK_ENC_LISTPACK ? zlp_len(k->v.p) : ((const zsl *)k->v.p)->length;
}

static size_t cfg_entries(const ak_engine *e)
{
    long long v = e->cfg ? e->cfg->zset_max_listpack_entries : 128;
    return v < 0 ? 0 : (size_t)v;
}

static size_t cfg_value(const ak_engine *e)
{
    long long v = e->cfg ? e->cfg->zset_max_listpack_value : 64;
    return v < 0 ? 0 : (size_t)v;
}

static void convert_to_skiplist(mkey *k)
{
    lp *l = k->v.p;
    k->v.p = zsl_from_lp(l);
    k->enc = AK_ENC_SKIPLIST;
    lp_free(l);
}

/* The zset at key, touched: AK_OK, AK_NOTFOUND or AK_WRONGTYPE. */
static int get_zset(ak_engine *e, int db, ak_slice key, mkey **out, uint64_t *h)
{
    mem_engine *m = (mem_engine *)e;
    int rc = mem_find_typed(m, db, key, AIKV_TYPE_ZSET, out, h);
    if (rc != AK_OK)
        return rc;
    if (!*out)
        return AK_NOTFOUND;
    mem_touch(m, *out);
    return AK_OK;
}

/* After removals: delete an emptied key, let a big dict shrink. */
static void after_removal(ak_engine *e, int db, mkey *k, uint64_t h)
{
    if (zcard(k) == 0)
        mem_remove((mem_engine *)e, db, k, h);
    else if (k->enc == AK_ENC_SKIPLIST)
        ak_dict_shrink(&((zsl *)k->v.p)->dict);
}

/* ---------------------------------------------------------------- add, rem, score */

enum { Z_ADDED = 1, Z_UPDATED = 2, Z_NOP = 4 };

/* One element of ZADD (Redis's zsetAdd). Returns -1 when INCR gives NaN. */
static int add_one(ak_engine *e, mkey *k, ak_slice mb, double score, unsigned flags, int *out,
                   double *newscore)
{
    int incr = flags & AK_ZADD_INCR, nx = flags & AK_ZADD_NX, xx = flags & AK_ZADD_XX;
    int gt = flags & AK_ZADD_GT, lt = flags & AK_ZADD_LT;
    *out = 0;
    if (k->enc == AK_ENC_LISTPACK) {
        lp *l = k->v.p;
        double cur;
        size_t at = zlp_find(l, mb, &cur);
        if (at != LP_END) {
            if (nx) {
                *out = Z_NOP;
                return 0;
            }
            if (incr) {
                score += cur;
                if (isnan(score))
                    return -1;
            }
            if ((lt && score >= cur) || (gt && score <= cur)) {
                *out = Z_NOP;
                return 0;
            }
            *newscore = score;
            if (score != cur) {
                l = lp_delete(l, at, 2);
                k->v.p = zlp_insert(l, mb, score);
                *out = Z_UPDATED;
            }
            return 0;
        }
        if (xx) {
            *out = Z_NOP;
            return 0;
        }
        if (zlp_len(l) + 1 > cfg_entries(e) || mb.len > cfg_value(e) ||
            lp_bytes(l) + mb.len + 64 > LP_SAFE_BYTES) {
            convert_to_skiplist(k);
        } else {
            k->v.p = zlp_insert(l, mb, score);
            *newscore = score;
            *out = Z_ADDED;
            return 0;
        }
    }
    zsl *zs = k->v.p;
    uint64_t h = ak_hash(mb.p, mb.len);
    znode *x = zsl_find_h(zs, mb, h);
    if (x) {
        double cur = x->score;
        if (nx) {
            *out = Z_NOP;
            return 0;
        }
        if (incr) {
            score += cur;
            if (isnan(score))
                return -1;
        }
        if ((lt && score >= cur) || (gt && score <= cur)) {
            *out = Z_NOP;
            return 0;
        }
        *newscore = score;
        if (score != cur) {
            zsl_update_score(zs, x, score);
            *out = Z_UPDATED;
        }
        return 0;
    }
    if (xx) {
        *out = Z_NOP;
        return 0;
    }
    zsl_insert_h(zs, score, mb, h);
    *newscore = score;
    *out = Z_ADDED;
    return 0;
}

static int zs_add(ak_engine *e, int db, ak_slice key, const ak_zelem *el, size_t n, unsigned flags,
                  ak_zadd_result *res)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    memset(res, 0, sizeof *res);
    if (mem_find_typed(m, db, key, AIKV_TYPE_ZSET, &k, &h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (!k) {
        if ((flags & AK_ZADD_XX) || n == 0)
            return AK_OK;
        if (flags & AK_ZADD_BIG)
            k = mem_add(m, db, key, h, AIKV_TYPE_ZSET, AK_ENC_SKIPLIST, zsl_new());
        else
            k = mem_add(m, db, key, h, AIKV_TYPE_ZSET, AK_ENC_LISTPACK, lp_new());
    } else {
        mem_touch(m, k);
    }
    int rc = AK_OK;
    for (size_t i = 0; i < n; i++) {
        int out;
        double ns = 0;
        if (add_one(e, k, el[i].member, el[i].score, flags, &out, &ns) < 0) {
            rc = AIKV_NOTNUM;
            break;
        }
        if (out & Z_ADDED)
            res->added++;
        if (out & Z_UPDATED)
            res->updated++;
        if (!(out & Z_NOP)) {
            res->processed++;
            res->score = ns;
        }
    }
    if (zcard(k) == 0)
        mem_remove(m, db, k, h);
    return rc;
}

static int zs_rem(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                  size_t *removed)
{
    uint64_t h;
    mkey *k;
    *removed = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    for (size_t i = 0; i < n && zcard(k) > 0; i++) {
        if (k->enc == AK_ENC_LISTPACK) {
            size_t at = zlp_find(k->v.p, members[i], NULL);
            if (at != LP_END) {
                k->v.p = lp_delete(k->v.p, at, 2);
                (*removed)++;
            }
        } else {
            znode *x = zsl_find(k->v.p, members[i]);
            if (x) {
                zsl_delete(k->v.p, x, NULL);
                (*removed)++;
            }
        }
    }
    after_removal(e, db, k, h);
    return AK_OK;
}

static int zs_score(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                    double *scores, unsigned char *found)
{
    uint64_t h;
    mkey *k;
    memset(found, 0, n);
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (k->enc == AK_ENC_LISTPACK) {
            found[i] = zlp_find(k->v.p, members[i], &scores[i]) != LP_END;
        } else {
            znode *x = zsl_find(k->v.p, members[i]);
            if (x) {
                found[i] = 1;
                scores[i] = x->score;
            }
        }
    }
    return AK_OK;
}

static int zs_card(ak_engine *e, int db, ak_slice key, size_t *n)
{
    uint64_t h;
    mkey *k;
    *n = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc == AK_OK)
        *n = zcard(k);
    return rc;
}

/* ---------------------------------------------------------------- counting, ranks */

static int zs_count(ak_engine *e, int db, ak_slice key, const ak_zscore_range *r, size_t *n)
{
    uint64_t h;
    mkey *k;
    *n = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        for (size_t at = zlp_first_in_score(l, r); at != LP_END; at = zlp_next(l, at)) {
            if (!ak_zscore_lte_max(zlp_score_of(l, at), r))
                break;
            (*n)++;
        }
        return AK_OK;
    }
    const zsl *zs = k->v.p;
    size_t rf, rl;
    if (zsl_first_in_score(zs, r, &rf) && zsl_last_in_score(zs, r, &rl))
        *n = rl - rf + 1;
    return AK_OK;
}

static int zs_lexcount(ak_engine *e, int db, ak_slice key, const ak_zlex_range *r, long long *n)
{
    uint64_t h;
    mkey *k;
    *n = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        for (size_t at = zlp_first_in_lex(l, r); at != LP_END; at = zlp_next(l, at)) {
            if (!ak_zlex_lte_max(lp_slice(l, at), r))
                break;
            (*n)++;
        }
        return AK_OK;
    }
    /* Redis's arithmetic: the count from the first element in range to the
     * end, minus what lies after the last one. */
    const zsl *zs = k->v.p;
    size_t rf, rl;
    if (zsl_first_in_lex(zs, r, &rf)) {
        long long len = (long long)zs->length;
        *n = len - ((long long)rf - 1);
        if (zsl_last_in_lex(zs, r, &rl))
            *n -= len - (long long)rl;
    }
    return AK_OK;
}

static int zs_rank(ak_engine *e, int db, ak_slice key, ak_slice member, int rev, int *found,
                   size_t *rank, double *score)
{
    uint64_t h;
    mkey *k;
    *found = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    size_t len = zcard(k), r = 0;
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        size_t at;
        for (at = lp_first(l); at != LP_END; at = zlp_next(l, at), r++) {
            ak_slice m = lp_slice(l, at);
            if (m.len == member.len && (m.len == 0 || !memcmp(m.p, member.p, m.len)))
                break;
        }
        if (at == LP_END)
            return AK_OK;
        *score = zlp_score_of(l, at);
    } else {
        const zsl *zs = k->v.p;
        znode *x = zsl_find(k->v.p, member);
        if (!x)
            return AK_OK;
        r = zsl_rank(zs, x) - 1;
        *score = x->score;
    }
    *found = 1;
    *rank = rev ? len - 1 - r : r;
    return AK_OK;
}

/* ---------------------------------------------------------------- ranges */

/* Redis's index sanitising: 0 when the range is empty, else from..to. */
static int rank_window(long long start, long long stop, size_t len, size_t *from, size_t *to)
{
    long long llen = (long long)len;
    if (start < 0)
        start += llen;
    if (stop < 0)
        stop += llen;
    if (start < 0)
        start = 0;
    if (start > stop || start >= llen)
        return 0;
    if (stop >= llen)
        stop = llen - 1;
    *from = (size_t)start;
    *to = (size_t)stop;
    return 1;
}

static void lp_range(const lp *l, const ak_zrange *r, ak_scored_fn fn, void *ctx)
{
    size_t len = zlp_len(l);
    int rev = r->rev;
    if (r->by == AK_ZBY_RANK) {
        size_t from, to;
        if (!rank_window(r->start, r->stop, len, &from, &to))
            return;
        size_t n = to - from + 1;
        size_t at = rev ? lp_seek(l, -2 - 2 * (long)from) : lp_seek(l, 2 * (long)from);
        for (; n-- && at != LP_END; at = rev ? zlp_prev(l, at) : zlp_next(l, at))
            fn(ctx, lp_slice(l, at), zlp_score_of(l, at));
        return;
    }
    if (r->offset < 0 || (r->offset > 0 && (unsigned long long)r->offset >= len))
        return;
    size_t at;
    if (r->by == AK_ZBY_SCORE)
        at = rev ? zlp_last_in_score(l, &r->score) : zlp_first_in_score(l, &r->score);
    else
        at = rev ? zlp_last_in_lex(l, &r->lex) : zlp_first_in_lex(l, &r->lex);
    for (long long off = r->offset; at != LP_END && off > 0; off--)
        at = rev ? zlp_prev(l, at) : zlp_next(l, at);
    for (long long lim = r->limit; at != LP_END && lim != 0; lim = lim > 0 ? lim - 1 : lim) {
        ak_slice m = lp_slice(l, at);
        double s = zlp_score_of(l, at);
        int in;
        if (r->by == AK_ZBY_SCORE)
            in = rev ? ak_zscore_gte_min(s, &r->score) : ak_zscore_lte_max(s, &r->score);
        else
            in = rev ? ak_zlex_gte_min(m, &r->lex) : ak_zlex_lte_max(m, &r->lex);
        if (!in)
            break;
        fn(ctx, m, s);
        at = rev ? zlp_prev(l, at) : zlp_next(l, at);
    }
}

static void zsl_range(const zsl *zs, const ak_zrange *r, ak_scored_fn fn, void *ctx)
{
    size_t len = zs->length;
    int rev = r->rev;
    znode *x;
    if (r->by == AK_ZBY_RANK) {
        size_t from, to;
        if (!rank_window(r->start, r->stop, len, &from, &to))
            return;
        size_t n = to - from + 1;
        x = rev ? zsl_at(zs, len - from) : zsl_at(zs, from + 1);
        for (; n-- && x; x = rev ? x->back : zfwd(x)[0])
            fn(ctx, zslice(x), x->score);
        return;
    }
    if (r->offset < 0 || (r->offset > 0 && (unsigned long long)r->offset >= len))
        return;
    size_t rank = 0;
    if (r->by == AK_ZBY_SCORE)
        x = rev ? zsl_last_in_score(zs, &r->score, &rank) : zsl_first_in_score(zs, &r->score, &rank);
    else
        x = rev ? zsl_last_in_lex(zs, &r->lex, &rank) : zsl_first_in_lex(zs, &r->lex, &rank);
    if (x && r->offset > 0) {
        size_t off = (size_t)r->offset;
        if (rev)
            x = rank > off ? zsl_at(zs, rank - off) : NULL;
        else
            x = rank + off <= len ? zsl_at(zs, rank + off) : NULL;
    }
    for (long long lim = r->limit; x && lim != 0; lim = lim > 0 ? lim - 1 : lim) {
        int in;
        if (r->by == AK_ZBY_SCORE)
            in = rev ? ak_zscore_gte_min(x->score, &r->score) : ak_zscore_lte_max(x->score, &r->score);
        else
            in = rev ? ak_zlex_gte_min(zslice(x), &r->lex) : ak_zlex_lte_max(zslice(x), &r->lex);
        if (!in)
            break;
        fn(ctx, zslice(x), x->score);
        x = rev ? x->back : zfwd(x)[0];
    }
}

static int zs_range(ak_engine *e, int db, ak_slice key, const ak_zrange *r, ak_scored_fn fn,
                    void *ctx)
{
    uint64_t h;
    mkey *k;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    if (k->enc == AK_ENC_LISTPACK)
        lp_range(k->v.p, r, fn, ctx);
    else
        zsl_range(k->v.p, r, fn, ctx);
    return AK_OK;
}

static size_t lp_remrange(mkey *k, const ak_zrange *r)
{
    lp *l = k->v.p;
    size_t n = 0;
    if (r->by == AK_ZBY_RANK) {
        size_t from, to;
        if (!rank_window(r->start, r->stop, zlp_len(l), &from, &to))
            return 0;
        n = to - from + 1;
        k->v.p = lp_delete(l, lp_seek(l, 2 * (long)from), 2 * n);
        return n;
    }
    size_t at = r->by == AK_ZBY_SCORE ? zlp_first_in_score(l, &r->score) : zlp_first_in_lex(l, &r->lex);
    while (at != LP_END && lp_next(l, at) != LP_END) {
        int in = r->by == AK_ZBY_SCORE ? ak_zscore_lte_max(zlp_score_of(l, at), &r->score)
                                       : ak_zlex_lte_max(lp_slice(l, at), &r->lex);
        if (!in)
            break;
        l = lp_delete(l, at, 2); /* the next pair now starts at `at` */
        n++;
        if (at >= lp_bytes(l))
            at = LP_END;
    }
    k->v.p = l;
    return n;
}

static size_t zsl_remrange(zsl *zs, const ak_zrange *r)
{
    znode *update[ZSL_MAXLEVEL];
    size_t n = 0;
    znode *x = zs->header;
    if (r->by == AK_ZBY_RANK) {
        size_t from, to;
        if (!rank_window(r->start, r->stop, zs->length, &from, &to))
            return 0;
        size_t start = from + 1, end = to + 1, traversed = 0;
        for (int i = zs->level - 1; i >= 0; i--) {
            while (zfwd(x)[i] && traversed + zspan(x, i) < start) {
                traversed += zspan(x, i);
                x = zfwd(x)[i];
            }
            update[i] = x;
        }
        traversed++;
        x = zfwd(x)[0];
        while (x && traversed <= end) {
            znode *next = zfwd(x)[0];
            zsl_delete(zs, x, update);
            n++;
            traversed++;
            x = next;
        }
        return n;
    }
    for (int i = zs->level - 1; i >= 0; i--) {
        while (zfwd(x)[i] && (r->by == AK_ZBY_SCORE ? !ak_zscore_gte_min(zfwd(x)[i]->score, &r->score)
                                                    : !ak_zlex_gte_min(zslice(zfwd(x)[i]), &r->lex)))
            x = zfwd(x)[i];
        update[i] = x;
    }
    x = zfwd(x)[0];
    while (x && (r->by == AK_ZBY_SCORE ? ak_zscore_lte_max(x->score, &r->score)
                                       : ak_zlex_lte_max(zslice(x), &r->lex))) {
        znode *next = zfwd(x)[0];
        zsl_delete(zs, x, update);
        n++;
        x = next;
    }
    return n;
}

static int zs_remrange(ak_engine *e, int db, ak_slice key, const ak_zrange *r, size_t *removed)
{
    uint64_t h;
    mkey *k;
    *removed = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    *removed = k->enc == AK_ENC_LISTPACK ? lp_remrange(k, r) : zsl_remrange(k->v.p, r);
    after_removal(e, db, k, h);
    return AK_OK;
}

/* ---------------------------------------------------------------- pop, random, scan */

static int zs_pop(ak_engine *e, int db, ak_slice key, int max, size_t count, ak_scored_fn fn,
                  void *ctx)
{
    uint64_t h;
    mkey *k;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    size_t len = zcard(k);
    if (count > len)
        count = len;
    if (k->enc == AK_ENC_LISTPACK) {
        lp *l = k->v.p;
        size_t at = max ? lp_seek(l, -2) : lp_first(l);
        for (size_t i = 0; i < count; i++, at = max ? zlp_prev(l, at) : zlp_next(l, at))
            fn(ctx, lp_slice(l, at), zlp_score_of(l, at));
        if (count)
            k->v.p = lp_delete(l, max ? lp_seek(l, -2 * (long)count) : lp_first(l), 2 * count);
    } else {
        zsl *zs = k->v.p;
        for (size_t i = 0; i < count; i++) {
            znode *x = max ? zs->tail : zsl_first(zs);
            fn(ctx, zslice(x), x->score);
            zsl_delete(zs, x, NULL);
        }
    }
    after_removal(e, db, k, h);
    return AK_OK;
}

/* Element i (0-based, in order) through a table built once: listpack
 * cursors or skiplist nodes. */
typedef struct zindex {
    const mkey *k;
    size_t *at;  /* listpack cursors */
    znode **nodes; /* skiplist nodes, when the whole set is indexed */
} zindex;

static void emit_at(const zindex *ix, size_t i, ak_scored_fn fn, void *ctx)
{
    if (ix->k->enc == AK_ENC_LISTPACK) {
        const lp *l = ix->k->v.p;
        fn(ctx, lp_slice(l, ix->at[i]), zlp_score_of(l, ix->at[i]));
    } else {
        const znode *x = ix->nodes ? ix->nodes[i] : zsl_at(ix->k->v.p, i + 1);
        fn(ctx, zslice(x), x->score);
    }
}

/* A set of distinct indexes for sampling (open addressing, +1 stored). */
static int seen_add(size_t *slots, size_t mask, size_t v)
{
    size_t i = (v * 0x9e3779b97f4a7c15ULL) & mask;
    while (slots[i]) {
        if (slots[i] == v + 1)
            return 0;
        i = (i + 1) & mask;
    }
    slots[i] = v + 1;
    return 1;
}

static int zs_random(ak_engine *e, int db, ak_slice key, size_t count, int unique,
                     ak_scored_fn fn, void *ctx)
{
    uint64_t h;
    mkey *k;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    size_t len = zcard(k);
    zindex ix = {k, NULL, NULL};
    int whole = unique && (count >= len || count * 3 > len);
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        ix.at = ak_malloc(sizeof(size_t) * len);
        size_t i = 0;
        for (size_t at = lp_first(l); at != LP_END; at = zlp_next(l, at))
            ix.at[i++] = at;
    } else if (whole) {
        ix.nodes = ak_malloc(sizeof(znode *) * len);
        size_t i = 0;
        for (znode *x = zsl_first(k->v.p); x; x = zfwd(x)[0])
            ix.nodes[i++] = x;
    }
    if (!unique) {
        for (size_t i = 0; i < count; i++)
            emit_at(&ix, zrand_below(len), fn, ctx);
    } else if (count >= len) {
        for (size_t i = 0; i < len; i++)
            emit_at(&ix, i, fn, ctx);
    } else if (whole) {
        /* Many of them: a partial Fisher-Yates shuffle of all indexes. */
        size_t *perm = ak_malloc(sizeof(size_t) * len);
        for (size_t i = 0; i < len; i++)
            perm[i] = i;
        for (size_t i = 0; i < count; i++) {
            size_t j = i + zrand_below(len - i);
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            emit_at(&ix, perm[i], fn, ctx);
        }
        ak_free(perm);
    } else {
        /* Few of them: draw until `count` distinct indexes were seen. */
        size_t cap = 16;
        while (cap < count * 2)
            cap *= 2;
        size_t *slots = ak_calloc(cap, sizeof(size_t));
        for (size_t got = 0; got < count;) {
            size_t i = zrand_below(len);
            if (seen_add(slots, cap - 1, i)) {
                emit_at(&ix, i, fn, ctx);
                got++;
            }
        }
        ak_free(slots);
    }
    ak_free(ix.at);
    ak_free(ix.nodes);
    return AK_OK;
}

typedef struct scan_ctx {
    ak_scored_fn fn;
    void *ctx;
    size_t seen;
} scan_ctx;

static void scan_node(ak_dnode *d, void *arg)
{
    scan_ctx *sc = arg;
    const znode *x = (const znode *)d;
    sc->fn(sc->ctx, zslice(x), x->score);
    sc->seen++;
}

static int zs_scan(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                   ak_scored_fn fn, void *ctx, uint64_t *next)
{
    uint64_t h;
    mkey *k;
    *next = 0;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        for (size_t at = lp_first(l); at != LP_END; at = zlp_next(l, at))
            fn(ctx, lp_slice(l, at), zlp_score_of(l, at));
        return AK_OK;
    }
    scan_ctx sc = {fn, ctx, 0};
    size_t steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10; /* buckets to visit at most */
    do {
        cursor = ak_dict_scan(&((zsl *)k->v.p)->dict, cursor, scan_node, &sc);
    } while (cursor != 0 && sc.seen < count && --steps > 0);
    *next = cursor;
    return AK_OK;
}

/* ---------------------------------------------------------------- checking */

/* Verifies a sorted set's invariants (order, spans, links, the dict); for
 * tests. 0 if the key is missing or consistent, else a code saying what
 * is broken. */
int mem_zset_check(ak_engine *e, int db, ak_slice key);
int mem_zset_check(ak_engine *e, int db, ak_slice key)
{
    uint64_t h;
    mkey *k;
    if (mem_find_typed((mem_engine *)e, db, key, AIKV_TYPE_ZSET, &k, &h) != AK_OK || !k)
        return 0;
    if (k->enc == AK_ENC_LISTPACK) {
        const lp *l = k->v.p;
        if (lp_count(l) % 2)
            return 1;
        size_t prev = LP_END;
        for (size_t at = lp_first(l); at != LP_END; prev = at, at = zlp_next(l, at)) {
            if (prev != LP_END) {
                ak_slice a = lp_slice(l, prev), b = lp_slice(l, at);
                if (elem_cmp(zlp_score_of(l, prev), a.p, a.len, zlp_score_of(l, at), b.p, b.len) >= 0)
                    return 2;
            }
        }
        return zlp_len(l) == 0 ? 3 : 0;
    }
    const zsl *zs = k->v.p;
    if (zs->length == 0 || ak_dict_size(&zs->dict) != zs->length)
        return 4;
    size_t n = 0;
    const znode *prev = NULL;
    for (const znode *x = zsl_first(zs); x; prev = x, x = zfwd(x)[0]) {
        n++;
        if (x->back != prev)
            return 5;
        if (prev && elem_cmp(prev->score, zmem(prev), prev->len, x->score, zmem(x), x->len) >= 0)
            return 6;
        if (zsl_find((zsl *)zs, zslice(x)) != x)
            return 7;
        if (zsl_rank(zs, x) != n || zsl_at(zs, n) != x)
            return 8;
    }
    if (n != zs->length || zs->tail != prev)
        return 9;
    /* Every level's spans add up to the distance between linked nodes. */
    for (int i = 1; i < zs->level; i++) {
        size_t pos = 0;
        for (const znode *x = zs->header; zfwd(x)[i]; x = zfwd(x)[i]) {
            pos += zspan(x, i);
            if (zsl_rank(zs, zfwd(x)[i]) != pos)
                return 10;
        }
    }
    for (int i = zs->level; i < ZSL_MAXLEVEL; i++)
        if (zfwd(zs->header)[i])
            return 11;
    return 0;
}

/* ---------------------------------------------------------------- table */

static int zs_make_large(ak_engine *e, int db, ak_slice key)
{
    mkey *k;
    uint64_t h;
    int rc = get_zset(e, db, key, &k, &h);
    if (rc == AK_OK && k->enc == AK_ENC_LISTPACK)
        convert_to_skiplist(k);
    return rc;
}

const struct ak_zset_ops mem_zset_ops = {
    .add = zs_add,
    .rem = zs_rem,
    .score = zs_score,
    .card = zs_card,
    .count = zs_count,
    .lexcount = zs_lexcount,
    .rank = zs_rank,
    .range = zs_range,
    .remrange = zs_remrange,
    .pop = zs_pop,
    .random = zs_random,
    .scan = zs_scan,
    .make_large = zs_make_large,
};
