/*
 * zset.h -- the sorted-set operations of the storage interface.
 *
 * A sorted set maps members (binary strings) to scores (doubles, never NaN)
 * and is ordered by (score, member): equal scores order their members
 * bytewise (memcmp, a shorter prefix first). Every operation below is native
 * to the engine: it finds, counts and walks by rank, score or lex range in
 * O(log n) plus the size of its output, and never loads or rewrites a whole
 * set to change part of it.
 *
 * Conventions (see store.h for the common rules):
 *   - Return AK_OK, AK_NOTFOUND (no such key; outputs say "empty"),
 *     AK_WRONGTYPE, or an AIKV_* error.
 *   - Members are handed out through ak_scored_fn (slices valid during the
 *     call only). A callback must not call the engine.
 *   - A write that leaves a set empty deletes the key.
 *   - Ranges follow Redis's ZRANGE family exactly, including its behaviour
 *     on lex ranges over members with different scores (a linear walk in
 *     the compact encoding, a skiplist descent otherwise).
 */
#ifndef AK_STORE_ZSET_H
#define AK_STORE_ZSET_H

#include <string.h>

#include "store.h"

/* ---------------------------------------------------------------- ranges */

/* A score interval: min <= s <= max, each end exclusive if its flag says
 * so. Either end may be +/-inf. */
typedef struct ak_zscore_range {
    double min, max;
    int minex, maxex;
} ak_zscore_range;

/* One end of a lex interval: a member value, or "-" / "+" (below / above
 * every string; these count as exclusive, as in Redis). */
enum { AK_ZLEX_VALUE = 0, AK_ZLEX_NEG_INF = -1, AK_ZLEX_POS_INF = 1 };
typedef struct ak_zlex_bound {
    int inf;   /* AK_ZLEX_VALUE, AK_ZLEX_NEG_INF, AK_ZLEX_POS_INF */
    int ex;    /* exclusive: "(" (and "-", "+") */
    ak_slice v; /* the value when inf == AK_ZLEX_VALUE */
} ak_zlex_bound;

typedef struct ak_zlex_range {
    ak_zlex_bound min, max;
} ak_zlex_range;

/* Compares a member with a lex bound (<0, 0, >0), "-"/"+" as infinities. */
static inline int ak_zlex_cmp(ak_slice m, const ak_zlex_bound *b)
{
    if (b->inf)
        return -b->inf;
    size_t n = m.len < b->v.len ? m.len : b->v.len;
    int c = n ? memcmp(m.p, b->v.p, n) : 0;
    if (c)
        return c;
    return m.len < b->v.len ? -1 : m.len > b->v.len;
}
/* member >= min (> when exclusive) / member <= max (< when exclusive). */
static inline int ak_zlex_gte_min(ak_slice m, const ak_zlex_range *r)
{
    int c = ak_zlex_cmp(m, &r->min);
    return r->min.ex ? c > 0 : c >= 0;
}
static inline int ak_zlex_lte_max(ak_slice m, const ak_zlex_range *r)
{
    int c = ak_zlex_cmp(m, &r->max);
    return r->max.ex ? c < 0 : c <= 0;
}
/* 1 if no string can be inside: min > max, or min == max with an exclusive
 * end ("-" "-" included, as in Redis). */
static inline int ak_zlex_empty(const ak_zlex_range *r)
{
    int c;
    if (r->min.inf || r->max.inf)
        c = r->min.inf == r->max.inf ? 0 : r->min.inf == AK_ZLEX_NEG_INF || r->max.inf == AK_ZLEX_POS_INF ? -1 : 1;
    else
        c = ak_zlex_cmp(r->min.v, &r->max);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}
static inline int ak_zscore_gte_min(double s, const ak_zscore_range *r)
{
    return r->minex ? s > r->min : s >= r->min;
}
static inline int ak_zscore_lte_max(double s, const ak_zscore_range *r)
{
    return r->maxex ? s < r->max : s <= r->max;
}
static inline int ak_zscore_empty(const ak_zscore_range *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

typedef enum ak_zby { AK_ZBY_RANK = 0, AK_ZBY_SCORE, AK_ZBY_LEX } ak_zby;

/* What ZRANGE selects.
 *   AK_ZBY_RANK   start..stop inclusive, Redis indexes (negative counts
 *                 from the end); with rev, index 0 is the highest element.
 *                 offset/limit are ignored.
 *   AK_ZBY_SCORE  the elements in `score`, lowest first (highest first
 *                 with rev), skipping `offset` of them (offset < 0 selects
 *                 nothing, as in Redis), at most `limit` (< 0: no limit).
 *   AK_ZBY_LEX    likewise over `lex`. */
typedef struct ak_zrange {
    ak_zby by;
    int rev;
    long long start, stop;
    ak_zscore_range score;
    ak_zlex_range lex;
    long long offset, limit;
} ak_zrange;

/* ---------------------------------------------------------------- adding */

/* add flags: Redis's ZADD options. GT/LT/NX only restrict updates of
 * existing members (NX refuses them all); XX refuses new members. */
#define AK_ZADD_NX 0x01
#define AK_ZADD_XX 0x02
#define AK_ZADD_GT 0x04
#define AK_ZADD_LT 0x08
#define AK_ZADD_INCR 0x10 /* the score is an increment (one element only) */
/* A hint for a key this call creates: it will be large, so an engine with
 * encodings starts it in the one for large sets (Redis builds STORE results
 * that way, which is visible: a listpack would turn a -0 score into 0). */
#define AK_ZADD_BIG 0x20

typedef struct ak_zelem {
    ak_slice member;
    double score;
} ak_zelem;

typedef struct ak_zadd_result {
    size_t added;     /* members that were new */
    size_t updated;   /* existing members whose score changed */
    size_t processed; /* elements no condition refused */
    double score;     /* the score of the last processed element (INCR's reply) */
} ak_zadd_result;

/* ---------------------------------------------------------------- the table */

struct ak_zset_ops {
    /* ZADD: applies the n elements in order, creating the key if needed
     * (not with XX alone refusing everything: a key is never left empty).
     * AK_OK with *res; AK_WRONGTYPE; AIKV_NOTNUM when INCR produced NaN
     * (inf + -inf), in which case nothing changed. */
    int (*add)(ak_engine *e, int db, ak_slice key, const ak_zelem *elems, size_t n,
               unsigned flags, ak_zadd_result *res);
    /* ZREM: *removed = how many of the members were present. */
    int (*rem)(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed);
    /* ZSCORE/ZMSCORE: for each member, found[i] (0/1) and scores[i]. */
    int (*score)(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                 double *scores, unsigned char *found);
    /* ZCARD. */
    int (*card)(ak_engine *e, int db, ak_slice key, size_t *n);
    /* ZCOUNT / ZLEXCOUNT. ZLEXCOUNT follows Redis's rank arithmetic, which
     * can go below zero on sets whose scores differ: hence the signed count. */
    int (*count)(ak_engine *e, int db, ak_slice key, const ak_zscore_range *r, size_t *n);
    int (*lexcount)(ak_engine *e, int db, ak_slice key, const ak_zlex_range *r, long long *n);
    /* ZRANK/ZREVRANK: *found, the 0-based rank (from the highest with rev)
     * and the member's score. */
    int (*rank)(ak_engine *e, int db, ak_slice key, ak_slice member, int rev, int *found,
                size_t *rank, double *score);
    /* ZRANGE family: calls fn for each selected element, in order. */
    int (*range)(ak_engine *e, int db, ak_slice key, const ak_zrange *r, ak_scored_fn fn,
                 void *ctx);
    /* ZREMRANGEBYRANK/BYSCORE/BYLEX: r->rev, offset and limit are ignored. */
    int (*remrange)(ak_engine *e, int db, ak_slice key, const ak_zrange *r, size_t *removed);
    /* ZPOPMIN/ZPOPMAX: removes up to count elements from the low (max = 0)
     * or high end, handing each to fn (before it is freed), lowest first for
     * min and highest first for max. */
    int (*pop)(ak_engine *e, int db, ak_slice key, int max, size_t count, ak_scored_fn fn,
               void *ctx);
    /* ZRANDMEMBER: `count` random elements; distinct when `unique` (all of
     * them, in order, when count >= the size), else drawn independently. */
    int (*random)(ak_engine *e, int db, ak_slice key, size_t count, int unique,
                  ak_scored_fn fn, void *ctx);
    /* ZSCAN: one call; `count` is a hint of how many elements to visit.
     * *next = 0 when the walk is complete. Every element present for the
     * whole scan is returned at least once. */
    int (*scan)(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                ak_scored_fn fn, void *ctx, uint64_t *next);
    /* Moves a set to the encoding for large sets, if the engine has
     * encodings. SORT does this, as Redis does (OBJECT ENCODING shows it). */
    int (*make_large)(ak_engine *e, int db, ak_slice key);
};

#endif
