/*
 * zset.c -- sorted sets on the SQLite engine (the operations of
 * store/zset.h, in SQL).
 *
 * A set is the rows of zset_members(kid, member BLOB, score) for its key:
 * the primary key (kid, member) finds a member, the index zset_order
 * (kid, score, member) is the set's order. SQLite compares BLOBs with
 * memcmp and then by length, which is exactly the sorted-set member
 * order, so ORDER BY score, member walks a set as Redis's skiplist does.
 * Members are always bound as BLOBs (never as integers: "10" must sort
 * after "1" and before "2").
 *
 * Scores: an integral score of at most 2^53 in magnitude is bound as an
 * INTEGER (SQLite stores it in as few bytes as it needs, none for 0 and 1;
 * it compares numerically with the REAL ones), any other as a REAL,
 * +/-inf included. NaN never reaches the
 * table. -0 is bound as a REAL -0: it keeps its sign only if the score
 * column has no REAL affinity (a REAL column turns -0.0 into the integer
 * 0, as its space optimisation). Like Redis's listpack, the compact
 * encoding stores -0 as 0 whatever the column does; the skiplist keeps it.
 *
 * Encodings are bookkeeping in the key row (k.enc), with the memory
 * engine's rules (mem/zset.c): a new key is a listpack (a skiplist with
 * AK_ZADD_BIG), and it becomes a skiplist for good when an insertion would
 * make it hold more than zset-max-listpack-entries members or a member
 * longer than zset-max-listpack-value bytes. Rows are the same in both.
 *
 * Cost of each operation (n = members, m = elements handed out or removed):
 *   add, rem, score           O(log n) per element (primary key)
 *   card                      O(1) (the key row's count)
 *   count (ZCOUNT)            O(log n + m): SQLite counts an index range
 *                             row by row (it has no order-statistic tree)
 *   rank                      O(log n + rank), counted from the end asked
 *                             for (ZREVRANK of a top member is cheap)
 *   range by rank             O(log n + offset + m), the offset counted
 *                             from whichever end of the set is nearer
 *   range by score            O(log n + offset + m) (LIMIT/OFFSET)
 *   range/count/rem by lex    O(log n + offset + m) when every score is
 *                             equal (Redis's documented use); otherwise
 *                             O(n): see "lex ranges" below
 *   remrange by rank          O(log n + offset + m) (the window's ends are
 *                             found by OFFSET from the nearer end)
 *   remrange by score         O(log n + m)
 *   pop                       O(log n + m)
 *   random                    O(n) at worst: a uniform draw needs an
 *                             OFFSET into the set
 *   scan                      O(log n + count) per step when the previous
 *                             step is remembered, else O(cursor + count)
 *
 * Lex ranges over members with different scores. Redis walks its
 * structure and tests each member against the bounds: the listpack walks
 * linearly (zzlFirstInLexRange and friends), the skiplist descends. Since
 * (score, member) order is not member order then, the answer depends on
 * the walk. Both engines' rules are reproduced here with a walk in set
 * order that tests members in C with the interface's own predicates:
 *   - listpack: exactly Redis's linear walks (first element >= min from
 *     the start, last element <= max from the end, then onwards while in
 *     range); ZLEXCOUNT counts the walk.
 *   - skiplist: Redis's descents visit nodes of random levels, so on such
 *     sets even Redis (and the memory engine) give run-dependent answers.
 *     This engine answers as a skiplist whose nodes all have level 1: the
 *     descent becomes a forward walk from the head (the last element <= max
 *     is the one before the first that is not); ZLEXCOUNT uses Redis's
 *     rank arithmetic on those ends; ZREMRANGEBYLEX skips the range check,
 *     as zslDeleteRangeByLex does.
 * When the lowest and the highest score are equal (two O(log n) probes),
 * member order is set order, every walk agrees, and the index does the
 * work: score = S AND member in [lo, hi).
 *
 * Lex bounds in SQL: "(v" as a lower bound is member >= v||0x00 (the
 * smallest string after v), "[v" as an upper bound is member < v||0x00;
 * "-" is member >= x'' and "+" drops the upper bound.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../zset.h"
#include "sqlite.h"

/* ---------------------------------------------------------------- statements */

/* Every SELECT hands out (member, score) as columns 0 and 1. */
static const char SQL_SCORE[] = "SELECT score FROM zset_members WHERE kid=?1 AND member=?2";
static const char SQL_INSERT_NEW[] =
    "INSERT OR IGNORE INTO zset_members(kid, member, score) VALUES(?1, ?2, ?3)";
static const char SQL_UPDATE[] = "UPDATE zset_members SET score=?3 WHERE kid=?1 AND member=?2";
static const char SQL_DELETE[] = "DELETE FROM zset_members WHERE kid=?1 AND member=?2";

/* Walks in set order: LIMIT ?2 (-1: all) OFFSET ?3. */
static const char SQL_ASC[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 ORDER BY score, member LIMIT ?2 OFFSET ?3";
static const char SQL_DESC[] = "SELECT member, score FROM zset_members WHERE kid=?1 "
                               "ORDER BY score DESC, member DESC LIMIT ?2 OFFSET ?3";

/* Ranks: the elements before / after (score ?2, member ?3). Two plain
 * ranges count several times faster than one row-value range, which
 * compares (score, member) for every entry it counts. */
static const char SQL_COUNT_BEFORE[] =
    "SELECT (SELECT count(*) FROM zset_members WHERE kid=?1 AND score<?2) + "
    "(SELECT count(*) FROM zset_members WHERE kid=?1 AND score=?2 AND member<?3)";
static const char SQL_COUNT_AFTER[] =
    "SELECT (SELECT count(*) FROM zset_members WHERE kid=?1 AND score>?2) + "
    "(SELECT count(*) FROM zset_members WHERE kid=?1 AND score=?2 AND member>?3)";

/* Score ranges, as closed intervals [?2, ?3] (see score_bounds). */
static const char SQL_SCORE_COUNT[] =
    "SELECT count(*) FROM zset_members WHERE kid=?1 AND score>=?2 AND score<=?3";
static const char SQL_SCORE_ASC[] = "SELECT member, score FROM zset_members WHERE kid=?1 AND "
                                    "score>=?2 AND score<=?3 ORDER BY score, member LIMIT ?4 OFFSET ?5";
static const char SQL_SCORE_DESC[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 AND score>=?2 AND score<=?3 "
    "ORDER BY score DESC, member DESC LIMIT ?4 OFFSET ?5";
static const char SQL_SCORE_DEL[] =
    "DELETE FROM zset_members WHERE kid=?1 AND score>=?2 AND score<=?3";

/* Lex ranges on a set whose scores are all ?2: member >= ?3 and, in the
 * _HI forms, member < ?4. LIMIT ?5 OFFSET ?6. */
static const char SQL_LEX_ASC_HI[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3 AND "
    "member<?4 ORDER BY score, member LIMIT ?5 OFFSET ?6";
static const char SQL_LEX_ASC[] = "SELECT member, score FROM zset_members WHERE kid=?1 AND "
                                  "score=?2 AND member>=?3 ORDER BY score, member LIMIT ?5 OFFSET ?6";
static const char SQL_LEX_DESC_HI[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3 AND "
    "member<?4 ORDER BY score DESC, member DESC LIMIT ?5 OFFSET ?6";
static const char SQL_LEX_DESC[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3 "
    "ORDER BY score DESC, member DESC LIMIT ?5 OFFSET ?6";
static const char SQL_LEX_COUNT_HI[] =
    "SELECT count(*) FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3 AND member<?4";
static const char SQL_LEX_COUNT[] =
    "SELECT count(*) FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3";
static const char SQL_LEX_DEL_HI[] =
    "DELETE FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3 AND member<?4";
static const char SQL_LEX_DEL[] =
    "DELETE FROM zset_members WHERE kid=?1 AND score=?2 AND member>=?3";

/* Removal of a stretch of the order, between copied positions. */
static const char SQL_DEL_UPTO[] =
    "DELETE FROM zset_members WHERE kid=?1 AND (score, member) <= (?2, ?3)";
static const char SQL_DEL_FROM[] =
    "DELETE FROM zset_members WHERE kid=?1 AND (score, member) >= (?2, ?3)";
static const char SQL_DEL_BETWEEN[] = "DELETE FROM zset_members WHERE kid=?1 AND "
                                      "(score, member) >= (?2, ?3) AND (score, member) <= (?4, ?5)";
static const char SQL_DEL_BEFORE[] = "DELETE FROM zset_members WHERE kid=?1 AND "
                                     "(score, member) >= (?2, ?3) AND (score, member) < (?4, ?5)";

/* Member (primary-key) order, for random draws and scans. */
static const char SQL_PK[] =
    "SELECT member, score FROM zset_members WHERE kid=?1 ORDER BY member LIMIT ?2 OFFSET ?3";
static const char SQL_PK_AFTER[] = "SELECT member, score FROM zset_members WHERE kid=?1 AND "
                                   "member>?2 ORDER BY member LIMIT ?3";

/* ---------------------------------------------------------------- helpers */

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

static int step_ok(int rc)
{
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* See the file comment: integral scores as INTEGERs, -0 and the rest as
 * REALs. */
static void bind_score(sqlite3_stmt *st, int i, double d)
{
    if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d &&
        !(d == 0 && signbit(d)))
        sqlite3_bind_int64(st, i, (int64_t)d);
    else
        sqlite3_bind_double(st, i, d);
}

/* The score a set in encoding `enc` keeps: a listpack has no -0. */
static double stored_score(int enc, double d)
{
    return enc == AK_ENC_LISTPACK && d == 0 ? 0.0 : d;
}

static ak_slice col_member(sqlite3_stmt *st)
{
    return sq_column_slice(st, 0);
}

static double col_score(sqlite3_stmt *st)
{
    return sqlite3_column_double(st, 1);
}

static long long sql_limit(long long limit)
{
    return limit < 0 ? -1 : limit;
}

/* A copied position in the order (score, member), for statements run after
 * the row it came from is gone. */
typedef struct zpos {
    double score;
    char *p;
    size_t len, cap;
} zpos;

static void zpos_set(zpos *z, ak_slice m, double score)
{
    if (m.len + 1 > z->cap) {
        z->cap = m.len + 1;
        z->p = ak_realloc(z->p, z->cap);
    }
    if (m.len)
        memcpy(z->p, m.p, m.len);
    z->len = m.len;
    z->score = score;
}

static ak_slice zpos_member(const zpos *z)
{
    return ak_slice_of(z->p ? z->p : "", z->len);
}

static void zpos_free(zpos *z)
{
    ak_free(z->p);
}

static void bind_pos(sqlite3_stmt *st, int i, const zpos *z)
{
    bind_score(st, i, z->score);
    sq_bind_slice(st, i + 1, zpos_member(z));
}

/* Copied elements, for output that cannot be handed out row by row. */
typedef struct zbuf {
    char *bytes;
    size_t blen, bcap;
    struct zent {
        size_t off, len;
        double score;
    } *ent;
    size_t n, cap;
} zbuf;

static void zbuf_push(zbuf *b, ak_slice m, double score)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->ent = ak_realloc(b->ent, b->cap * sizeof *b->ent);
    }
    if (b->blen + m.len > b->bcap) {
        size_t cap = b->bcap ? b->bcap * 2 : 256;
        while (cap < b->blen + m.len)
            cap *= 2;
        b->bytes = ak_realloc(b->bytes, cap);
        b->bcap = cap;
    }
    if (m.len)
        memcpy(b->bytes + b->blen, m.p, m.len);
    b->ent[b->n].off = b->blen;
    b->ent[b->n].len = m.len;
    b->ent[b->n].score = score;
    b->blen += m.len;
    b->n++;
}

static void zbuf_emit(const zbuf *b, size_t i, ak_scored_fn fn, void *ctx)
{
    fn(ctx, ak_slice_of(b->bytes ? b->bytes + b->ent[i].off : "", b->ent[i].len), b->ent[i].score);
}

static void zbuf_free(zbuf *b)
{
    ak_free(b->bytes);
    ak_free(b->ent);
}

/* The element at 0-based rank `rank` (len elements), reached from the
 * nearer end. 1 with *z filled; 0 if there is none or on failure. */
static int row_at(sq_engine *s, const sq_key *k, size_t rank, zpos *z)
{
    size_t len = (size_t)k->count;
    if (rank >= len)
        return 0;
    int back = len - 1 - rank < rank;
    sqlite3_stmt *st = sq_prep(s, back ? SQL_DESC : SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, 1);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(back ? len - 1 - rank : rank));
    int found = sq_step(s, st) == SQLITE_ROW;
    if (found)
        zpos_set(z, col_member(st), col_score(st));
    sq_reset(st);
    return found;
}

/* The lowest and highest elements: their scores, and whether the lowest is
 * <= the lex max and the highest >= the lex min (Redis's
 * zzlIsInLexRange / zslIsInLexRange, with r = NULL: scores only). 0 on
 * failure or an empty set. */
typedef struct zends {
    double first, last;
    int in_lex;
} zends;

static int ends(sq_engine *s, const sq_key *k, const ak_zlex_range *r, zends *z)
{
    int le = 1, ge = 1;
    sqlite3_stmt *st = sq_prep(s, SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, 1);
    sqlite3_bind_int64(st, 3, 0);
    if (sq_step(s, st) != SQLITE_ROW) {
        sq_reset(st);
        return 0;
    }
    z->first = col_score(st);
    if (r)
        le = ak_zlex_lte_max(col_member(st), r);
    sq_reset(st);
    st = sq_prep(s, SQL_DESC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, 1);
    sqlite3_bind_int64(st, 3, 0);
    if (sq_step(s, st) != SQLITE_ROW) {
        sq_reset(st);
        return 0;
    }
    z->last = col_score(st);
    if (r)
        ge = ak_zlex_gte_min(col_member(st), r);
    sq_reset(st);
    z->in_lex = le && ge;
    return 1;
}

/* A score interval as the closed interval [*lo, *hi] (an exclusive end
 * moves to the next double inward); 0 when nothing can be inside. */
static int score_bounds(const ak_zscore_range *r, double *lo, double *hi)
{
    if (ak_zscore_empty(r))
        return 0;
    if ((r->minex && r->min == INFINITY) || (r->maxex && r->max == -INFINITY))
        return 0;
    *lo = r->minex ? nextafter(r->min, INFINITY) : r->min;
    *hi = r->maxex ? nextafter(r->max, -INFINITY) : r->max;
    return *lo <= *hi;
}

/* A lex interval as SQL bounds: member >= lo, and member < hi when has_hi
 * (see the file comment). Owns the copies it makes. */
typedef struct lexsql {
    ak_slice lo, hi;
    int has_hi;
    char *blo, *bhi;
} lexsql;

static ak_slice with_nul(ak_slice v, char **buf)
{
    *buf = ak_malloc(v.len + 1);
    if (v.len)
        memcpy(*buf, v.p, v.len);
    (*buf)[v.len] = '\0';
    return ak_slice_of(*buf, v.len + 1);
}

/* Only for a range that is not ak_zlex_empty(): its min is not "+" and its
 * max is not "-". */
static void lexsql_init(lexsql *q, const ak_zlex_range *r)
{
    memset(q, 0, sizeof *q);
    if (r->min.inf == AK_ZLEX_NEG_INF)
        q->lo = ak_slice_of("", 0);
    else
        q->lo = r->min.ex ? with_nul(r->min.v, &q->blo) : r->min.v;
    if (r->max.inf != AK_ZLEX_POS_INF) {
        q->has_hi = 1;
        q->hi = r->max.ex ? r->max.v : with_nul(r->max.v, &q->bhi);
    }
}

static void lexsql_bind(const lexsql *q, sqlite3_stmt *st, int64_t kid, double score)
{
    sqlite3_bind_int64(st, 1, kid);
    sqlite3_bind_double(st, 2, score);
    sq_bind_slice(st, 3, q->lo);
    if (q->has_hi)
        sq_bind_slice(st, 4, q->hi);
}

static void lexsql_free(lexsql *q)
{
    ak_free(q->blo);
    ak_free(q->bhi);
}

/* After removals: the key goes with its last element. removed == count
 * may leave the rows in place (the callers skip the DELETE then): the key
 * is deleted with its count intact, which sq_key_delete() uses to purge
 * the rows inline or in the background. */
static void after_removal(sq_engine *s, sq_key *k, size_t removed)
{
    if (!removed)
        return;
    sq_wrote(s);
    if ((int64_t)removed >= k->count) {
        sq_key_delete(s, k);
        return;
    }
    k->count -= (int64_t)removed;
    sq_key_save(s, k);
}

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

/* ---------------------------------------------------------------- add, rem, score */

enum { Z_ADDED = 1, Z_UPDATED = 2, Z_NOP = 4, Z_NAN = 8, Z_FAIL = 16 };

/* 1 found (*cur), 0 missing, -1 failure. */
static int lookup(sq_engine *s, int64_t kid, ak_slice m, double *cur)
{
    sqlite3_stmt *st = sq_prep(s, SQL_SCORE);
    sqlite3_bind_int64(st, 1, kid);
    sq_bind_slice(st, 2, m);
    int rc = sq_step(s, st);
    if (rc == SQLITE_ROW)
        *cur = sqlite3_column_double(st, 0);
    sq_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* INSERT OR IGNORE: 1 inserted, 0 the member was there, -1 failure. */
static int insert(sq_engine *s, const sq_key *k, ak_slice m, double score, int enc)
{
    sqlite3_stmt *st = sq_prep(s, SQL_INSERT_NEW);
    sqlite3_bind_int64(st, 1, k->id);
    sq_bind_slice(st, 2, m);
    bind_score(st, 3, stored_score(enc, score));
    if (sq_run(s, st) != AK_OK)
        return -1;
    sq_wrote(s);
    return sqlite3_changes(s->db) > 0;
}

/* One element of ZADD (Redis's zsetAdd): Z_* flags. */
static int add_one(sq_engine *s, sq_key *k, ak_slice m, double score, unsigned flags,
                   size_t max_entries, size_t max_value, double *newscore)
{
    int incr = flags & AK_ZADD_INCR, nx = flags & AK_ZADD_NX, xx = flags & AK_ZADD_XX;
    int gt = flags & AK_ZADD_GT, lt = flags & AK_ZADD_LT;
    /* The encoding once this member is in, if it is new. */
    int enc_new = k->enc;
    if (enc_new == AK_ENC_LISTPACK && ((uint64_t)k->count + 1 > max_entries || m.len > max_value))
        enc_new = AK_ENC_SKIPLIST;
    double cur = 0;
    int found;
    if (!xx && !incr) {
        /* Most ZADDs add new members: one statement does it. */
        int r = insert(s, k, m, score, enc_new);
        if (r < 0)
            return Z_FAIL;
        if (r) {
            k->count++;
            k->enc = enc_new;
            *newscore = score;
            return Z_ADDED;
        }
        if (nx)
            return Z_NOP;
    }
    found = lookup(s, k->id, m, &cur);
    if (found < 0)
        return Z_FAIL;
    if (!found) {
        if (xx)
            return Z_NOP;
        int r = insert(s, k, m, score, enc_new);
        if (r <= 0)
            return Z_FAIL;
        k->count++;
        k->enc = enc_new;
        *newscore = score;
        return Z_ADDED;
    }
    if (nx)
        return Z_NOP;
    if (incr) {
        score += cur;
        if (isnan(score))
            return Z_NAN;
    }
    if ((lt && score >= cur) || (gt && score <= cur))
        return Z_NOP;
    *newscore = score;
    if (score == cur)
        return 0;
    sqlite3_stmt *st = sq_prep(s, SQL_UPDATE);
    sqlite3_bind_int64(st, 1, k->id);
    sq_bind_slice(st, 2, m);
    bind_score(st, 3, stored_score(k->enc, score));
    if (sq_run(s, st) != AK_OK)
        return Z_FAIL;
    sq_wrote(s);
    return Z_UPDATED;
}

static int zs_add(ak_engine *e, int db, ak_slice key, const ak_zelem *el, size_t n, unsigned flags,
                  ak_zadd_result *res)
{
    sq_engine *s = SQ(e);
    sq_key k;
    memset(res, 0, sizeof *res);
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (rc != AK_OK) {
        /* Every element is new then: XX refuses them all, anything else
         * adds the first one, so the key is never left empty. */
        if ((flags & AK_ZADD_XX) || n == 0)
            return AK_OK;
        int enc = (flags & AK_ZADD_BIG) ? AK_ENC_SKIPLIST : AK_ENC_LISTPACK;
        if (sq_key_create(s, db, key, AIKV_TYPE_ZSET, enc, &k) != AK_OK)
            return AK_OK; /* recorded in s->err */
        sq_wrote(s);
    }
    int64_t count0 = k.count;
    int enc0 = k.enc;
    size_t max_entries = cfg_entries(e), max_value = cfg_value(e);
    rc = AK_OK;
    for (size_t i = 0; i < n; i++) {
        double ns = 0;
        int out = add_one(s, &k, el[i].member, el[i].score, flags, max_entries, max_value, &ns);
        if (out & Z_FAIL)
            return AK_OK;
        if (out & Z_NAN) {
            rc = AIKV_NOTNUM; /* INCR has one element: nothing changed */
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
    if (k.count == 0)
        sq_key_delete(s, &k);
    else if (k.count != count0 || k.enc != enc0)
        sq_key_save(s, &k);
    return rc;
}

static int zs_rem(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                  size_t *removed)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *removed = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    size_t gone = 0;
    for (size_t i = 0; i < n && (int64_t)gone < k.count; i++) {
        sqlite3_stmt *st = sq_prep(s, SQL_DELETE);
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_slice(st, 2, members[i]);
        if (sq_run(s, st) != AK_OK)
            return AK_OK;
        gone += (size_t)sqlite3_changes(s->db);
    }
    after_removal(s, &k, gone);
    *removed = gone;
    return AK_OK;
}

static int zs_score(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                    double *scores, unsigned char *found)
{
    sq_engine *s = SQ(e);
    sq_key k;
    memset(found, 0, n);
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        found[i] = lookup(s, k.id, members[i], &scores[i]) > 0;
    return AK_OK;
}

static int zs_card(ak_engine *e, int db, ak_slice key, size_t *n)
{
    sq_key k;
    *n = 0;
    int rc = sq_key_get(SQ(e), db, key, AIKV_TYPE_ZSET, &k);
    if (rc == AK_OK)
        *n = (size_t)k.count;
    return rc;
}

/* ---------------------------------------------------------------- counting, ranks */

static int64_t count_query(sq_engine *s, sqlite3_stmt *st)
{
    int64_t n = 0;
    if (sq_step(s, st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sq_reset(st);
    return n;
}

static int zs_count(ak_engine *e, int db, ak_slice key, const ak_zscore_range *r, size_t *n)
{
    sq_engine *s = SQ(e);
    sq_key k;
    double lo, hi;
    *n = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK || !score_bounds(r, &lo, &hi))
        return rc;
    sqlite3_stmt *st = sq_prep(s, SQL_SCORE_COUNT);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_double(st, 2, lo);
    sqlite3_bind_double(st, 3, hi);
    *n = (size_t)count_query(s, st);
    return AK_OK;
}

/* The forward walk of a lex range over mixed scores, from the head:
 *   first  index of the first element >= min (-1: none), and first_le
 *          whether it is also <= max;
 *   stop   index of the first element that is not <= max (len: none), and
 *          before_ge whether the element before it is >= min.
 * Stops as soon as both are known. 0 on failure. */
typedef struct lexwalk {
    long long first, stop;
    int first_le, before_ge;
} lexwalk;

static int lex_walk(sq_engine *s, const sq_key *k, const ak_zlex_range *r, lexwalk *w)
{
    w->first = -1;
    w->stop = k->count;
    w->first_le = w->before_ge = 0;
    int prev_ge = 0, have_stop = 0;
    sqlite3_stmt *st = sq_prep(s, SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, -1);
    sqlite3_bind_int64(st, 3, 0);
    long long i = 0;
    int rc;
    while ((rc = sq_step(s, st)) == SQLITE_ROW) {
        ak_slice m = col_member(st);
        int ge = ak_zlex_gte_min(m, r);
        int le = ak_zlex_lte_max(m, r);
        if (w->first < 0 && ge) {
            w->first = i;
            w->first_le = le;
        }
        if (!have_stop && !le) {
            have_stop = 1;
            w->stop = i;
            w->before_ge = i > 0 && prev_ge;
        }
        if (w->first >= 0 && have_stop)
            break;
        prev_ge = ge;
        i++;
    }
    if (!have_stop)
        w->before_ge = prev_ge && k->count > 0;
    sq_reset(st);
    return step_ok(rc);
}

static int zs_lexcount(ak_engine *e, int db, ak_slice key, const ak_zlex_range *r, long long *n)
{
    sq_engine *s = SQ(e);
    sq_key k;
    zends z;
    *n = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK || ak_zlex_empty(r))
        return rc;
    if (!ends(s, &k, r, &z) || !z.in_lex)
        return AK_OK;
    if (z.first == z.last) {
        lexsql q;
        lexsql_init(&q, r);
        sqlite3_stmt *st = sq_prep(s, q.has_hi ? SQL_LEX_COUNT_HI : SQL_LEX_COUNT);
        lexsql_bind(&q, st, k.id, z.first);
        *n = count_query(s, st);
        lexsql_free(&q);
        return AK_OK;
    }
    if (k.enc == AK_ENC_LISTPACK) {
        /* zzl: from the first element >= min, count while <= max. */
        sqlite3_stmt *st = sq_prep(s, SQL_ASC);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        int started = 0;
        long long cnt = 0;
        while (sq_step(s, st) == SQLITE_ROW) {
            ak_slice m = col_member(st);
            if (!started) {
                if (!ak_zlex_gte_min(m, r))
                    continue;
                started = 1;
            }
            if (!ak_zlex_lte_max(m, r))
                break;
            cnt++;
        }
        sq_reset(st);
        *n = cnt;
        return AK_OK;
    }
    /* zsl: rank arithmetic on the first and last elements in range. */
    lexwalk w;
    if (!lex_walk(s, &k, r, &w) || w.first < 0 || !w.first_le)
        return AK_OK;
    long long len = k.count, rf = w.first + 1;
    *n = len - (rf - 1);
    if (w.stop > 0 && w.before_ge)
        *n -= len - w.stop; /* the last in range has rank stop */
    return AK_OK;
}

static int zs_rank(ak_engine *e, int db, ak_slice key, ak_slice member, int rev, int *found,
                   size_t *rank, double *score)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *found = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    double sc;
    if (lookup(s, k.id, member, &sc) <= 0)
        return AK_OK;
    /* O(rank): SQLite counts the index entries on the asked side. */
    sqlite3_stmt *st = sq_prep(s, rev ? SQL_COUNT_AFTER : SQL_COUNT_BEFORE);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_double(st, 2, sc);
    sq_bind_slice(st, 3, member);
    int rs = sq_step(s, st);
    if (rs == SQLITE_ROW) {
        *rank = (size_t)sqlite3_column_int64(st, 0);
        *score = sc;
        *found = 1;
    }
    sq_reset(st);
    return AK_OK;
}

/* ---------------------------------------------------------------- ranges */

/* Runs a prepared SELECT of (member, score), handing out every row. */
static void emit_rows(sq_engine *s, sqlite3_stmt *st, ak_scored_fn fn, void *ctx)
{
    while (sq_step(s, st) == SQLITE_ROW)
        fn(ctx, col_member(st), col_score(st));
    sq_reset(st);
}

static void range_rank(sq_engine *s, const sq_key *k, const ak_zrange *r, ak_scored_fn fn,
                       void *ctx)
{
    size_t from, to, len = (size_t)k->count;
    if (!rank_window(r->start, r->stop, len, &from, &to))
        return;
    size_t n = to - from + 1, far = len - 1 - to;
    if (far + n < from) {
        /* Nearer from the other end: walk it backwards, then hand the
         * copies out in the order asked for. */
        zbuf b = {0};
        sqlite3_stmt *st = sq_prep(s, r->rev ? SQL_ASC : SQL_DESC);
        sqlite3_bind_int64(st, 1, k->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)far);
        while (sq_step(s, st) == SQLITE_ROW)
            zbuf_push(&b, col_member(st), col_score(st));
        sq_reset(st);
        for (size_t i = b.n; i-- > 0;)
            zbuf_emit(&b, i, fn, ctx);
        zbuf_free(&b);
        return;
    }
    sqlite3_stmt *st = sq_prep(s, r->rev ? SQL_DESC : SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)from);
    emit_rows(s, st, fn, ctx);
}

/* Nothing to hand out, whatever the range: a negative offset (Redis
 * selects nothing), LIMIT 0, or an offset past the last element. */
static int past_end(const sq_key *k, const ak_zrange *r)
{
    return r->offset < 0 || r->limit == 0 || (uint64_t)r->offset >= (uint64_t)k->count;
}

static void range_score(sq_engine *s, const sq_key *k, const ak_zrange *r, ak_scored_fn fn,
                        void *ctx)
{
    double lo, hi;
    if (past_end(k, r) || !score_bounds(&r->score, &lo, &hi))
        return;
    sqlite3_stmt *st = sq_prep(s, r->rev ? SQL_SCORE_DESC : SQL_SCORE_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_double(st, 2, lo);
    sqlite3_bind_double(st, 3, hi);
    sqlite3_bind_int64(st, 4, sql_limit(r->limit));
    sqlite3_bind_int64(st, 5, r->offset);
    emit_rows(s, st, fn, ctx);
}

/* A lex range over mixed scores, walked as Redis walks (file comment). */
static void range_lex_walk(sq_engine *s, const sq_key *k, const ak_zrange *r, ak_scored_fn fn,
                           void *ctx)
{
    const ak_zlex_range *lx = &r->lex;
    long long start = 0; /* rows skipped before the walk begins */
    if (r->rev && k->enc != AK_ENC_LISTPACK) {
        /* The level-1 skiplist's last element <= max is the one before
         * the first that is not. */
        lexwalk w;
        if (!lex_walk(s, k, lx, &w) || w.stop == 0)
            return;
        start = k->count - w.stop;
    }
    sqlite3_stmt *st = sq_prep(s, r->rev ? SQL_DESC : SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, -1);
    sqlite3_bind_int64(st, 3, start);
    int started = 0;
    long long skip = r->offset, lim = r->limit;
    while (sq_step(s, st) == SQLITE_ROW) {
        ak_slice m = col_member(st);
        /* Forwards: find the first >= min (it must be <= max), skip, then
         * go on while <= max. Backwards the same with the roles swapped. */
        int in_far = r->rev ? ak_zlex_lte_max(m, lx) : ak_zlex_gte_min(m, lx);
        int in_near = r->rev ? ak_zlex_gte_min(m, lx) : ak_zlex_lte_max(m, lx);
        if (!started) {
            if (!in_far)
                continue;
            if (!in_near)
                break;
            started = 1;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        if (!in_near)
            break;
        fn(ctx, m, col_score(st));
        if (lim > 0 && --lim == 0)
            break;
    }
    sq_reset(st);
}

static void range_lex(sq_engine *s, const sq_key *k, const ak_zrange *r, ak_scored_fn fn,
                      void *ctx)
{
    zends z;
    if (past_end(k, r) || ak_zlex_empty(&r->lex))
        return;
    if (!ends(s, k, &r->lex, &z) || !z.in_lex)
        return;
    if (z.first != z.last) {
        range_lex_walk(s, k, r, fn, ctx);
        return;
    }
    lexsql q;
    lexsql_init(&q, &r->lex);
    const char *sql = r->rev ? (q.has_hi ? SQL_LEX_DESC_HI : SQL_LEX_DESC)
                             : (q.has_hi ? SQL_LEX_ASC_HI : SQL_LEX_ASC);
    sqlite3_stmt *st = sq_prep(s, sql);
    lexsql_bind(&q, st, k->id, z.first);
    sqlite3_bind_int64(st, 5, sql_limit(r->limit));
    sqlite3_bind_int64(st, 6, r->offset);
    emit_rows(s, st, fn, ctx);
    lexsql_free(&q);
}

static int zs_range(ak_engine *e, int db, ak_slice key, const ak_zrange *r, ak_scored_fn fn,
                    void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    if (r->by == AK_ZBY_RANK)
        range_rank(s, &k, r, fn, ctx);
    else if (r->by == AK_ZBY_SCORE)
        range_score(s, &k, r, fn, ctx);
    else
        range_lex(s, &k, r, fn, ctx);
    return AK_OK;
}

/* ---------------------------------------------------------------- removing ranges */

/* Runs a DELETE; the rows it removed, or 0 on failure. */
static size_t run_delete(sq_engine *s, sqlite3_stmt *st)
{
    if (sq_run(s, st) != AK_OK)
        return 0;
    return (size_t)sqlite3_changes(s->db);
}

static size_t remrange_rank(sq_engine *s, sq_key *k, const ak_zrange *r)
{
    size_t from, to, len = (size_t)k->count;
    if (!rank_window(r->start, r->stop, len, &from, &to))
        return 0;
    size_t n = to - from + 1;
    if (n == len)
        return len; /* the caller deletes the key */
    zpos a = {0}, b = {0};
    size_t got = 0;
    sqlite3_stmt *st;
    if (from == 0) {
        if (row_at(s, k, to, &b)) {
            st = sq_prep(s, SQL_DEL_UPTO);
            sqlite3_bind_int64(st, 1, k->id);
            bind_pos(st, 2, &b);
            got = run_delete(s, st);
        }
    } else if (to == len - 1) {
        if (row_at(s, k, from, &a)) {
            st = sq_prep(s, SQL_DEL_FROM);
            sqlite3_bind_int64(st, 1, k->id);
            bind_pos(st, 2, &a);
            got = run_delete(s, st);
        }
    } else if (row_at(s, k, from, &a) && row_at(s, k, to, &b)) {
        st = sq_prep(s, SQL_DEL_BETWEEN);
        sqlite3_bind_int64(st, 1, k->id);
        bind_pos(st, 2, &a);
        bind_pos(st, 4, &b);
        got = run_delete(s, st);
    }
    zpos_free(&a);
    zpos_free(&b);
    return got;
}

static size_t remrange_score(sq_engine *s, sq_key *k, const ak_zrange *r)
{
    double lo, hi;
    zends z;
    if (!score_bounds(&r->score, &lo, &hi) || !ends(s, k, NULL, &z))
        return 0;
    if (z.first >= lo && z.last <= hi)
        return (size_t)k->count; /* everything: the caller deletes the key */
    sqlite3_stmt *st = sq_prep(s, SQL_SCORE_DEL);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_double(st, 2, lo);
    sqlite3_bind_double(st, 3, hi);
    return run_delete(s, st);
}

/* Mixed scores: from the first element >= min, remove while <= max (with
 * the listpack's range check first; zslDeleteRangeByLex has none). */
static size_t remrange_lex_walk(sq_engine *s, sq_key *k, const ak_zlex_range *lx)
{
    zpos a = {0}, b = {0};
    int started = 0, have_end = 0;
    size_t n = 0;
    sqlite3_stmt *st = sq_prep(s, SQL_ASC);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, -1);
    sqlite3_bind_int64(st, 3, 0);
    int rc;
    while ((rc = sq_step(s, st)) == SQLITE_ROW) {
        ak_slice m = col_member(st);
        if (!started) {
            if (!ak_zlex_gte_min(m, lx))
                continue;
            started = 1;
            zpos_set(&a, m, col_score(st));
        }
        if (!ak_zlex_lte_max(m, lx)) {
            zpos_set(&b, m, col_score(st)); /* the first one kept */
            have_end = 1;
            break;
        }
        n++;
    }
    sq_reset(st);
    size_t got = 0;
    if (step_ok(rc) && n) {
        if ((int64_t)n == k->count) {
            got = n;
        } else {
            st = sq_prep(s, have_end ? SQL_DEL_BEFORE : SQL_DEL_FROM);
            sqlite3_bind_int64(st, 1, k->id);
            bind_pos(st, 2, &a);
            if (have_end)
                bind_pos(st, 4, &b);
            got = run_delete(s, st);
        }
    }
    zpos_free(&a);
    zpos_free(&b);
    return got;
}

static size_t remrange_lex(sq_engine *s, sq_key *k, const ak_zlex_range *lx)
{
    zends z;
    if (ak_zlex_empty(lx) || !ends(s, k, lx, &z))
        return 0;
    if (z.first != z.last) {
        if (k->enc == AK_ENC_LISTPACK && !z.in_lex)
            return 0;
        return remrange_lex_walk(s, k, lx);
    }
    lexsql q;
    lexsql_init(&q, lx);
    sqlite3_stmt *st = sq_prep(s, q.has_hi ? SQL_LEX_DEL_HI : SQL_LEX_DEL);
    lexsql_bind(&q, st, k->id, z.first);
    size_t got = run_delete(s, st);
    lexsql_free(&q);
    return got;
}

static int zs_remrange(ak_engine *e, int db, ak_slice key, const ak_zrange *r, size_t *removed)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *removed = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    size_t n;
    if (r->by == AK_ZBY_RANK)
        n = remrange_rank(s, &k, r);
    else if (r->by == AK_ZBY_SCORE)
        n = remrange_score(s, &k, r);
    else
        n = remrange_lex(s, &k, &r->lex);
    /* n == count: the key goes with its rows (sq_key_delete). */
    after_removal(s, &k, n);
    *removed = n;
    return AK_OK;
}

/* ---------------------------------------------------------------- pop, random, scan */

static int zs_pop(ak_engine *e, int db, ak_slice key, int max, size_t count, ak_scored_fn fn,
                  void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    size_t len = (size_t)k.count;
    if (count > len)
        count = len;
    if (count == 0)
        return AK_OK;
    zpos last = {0};
    size_t got = 0;
    sqlite3_stmt *st = sq_prep(s, max ? SQL_DESC : SQL_ASC);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)count);
    sqlite3_bind_int64(st, 3, 0);
    while (got < count && sq_step(s, st) == SQLITE_ROW) {
        ak_slice m = col_member(st);
        double sc = col_score(st);
        fn(ctx, m, sc);
        if (++got == count && count < len)
            zpos_set(&last, m, sc);
    }
    sq_reset(st);
    if (got == count && count < len) {
        st = sq_prep(s, max ? SQL_DEL_FROM : SQL_DEL_UPTO);
        sqlite3_bind_int64(st, 1, k.id);
        bind_pos(st, 2, &last);
        got = run_delete(s, st);
    } else if (got != len) {
        got = 0; /* a failed step: recorded */
    }
    zpos_free(&last);
    after_removal(s, &k, got);
    return AK_OK;
}

/* Sets up to this size are copied whole for draws with repetition. */
#define RAND_COPY_MAX 1024
/* Draws with repetition from larger sets go in batches of this many. */
#define RAND_BATCH 1024

typedef struct draw {
    uint64_t pos;
    size_t order;
} draw;

static int draw_cmp(const void *a, const void *b)
{
    const draw *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* `count` independent draws, handed out in the order drawn. */
static void random_repeated(sq_engine *s, const sq_key *k, size_t count, ak_scored_fn fn,
                            void *ctx)
{
    uint64_t len = (uint64_t)k->count;
    sqlite3_stmt *st;
    if (len <= RAND_COPY_MAX) {
        zbuf b = {0};
        st = sq_prep(s, SQL_PK);
        sqlite3_bind_int64(st, 1, k->id);
        sqlite3_bind_int64(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        while (sq_step(s, st) == SQLITE_ROW)
            zbuf_push(&b, col_member(st), col_score(st));
        sq_reset(st);
        for (size_t i = 0; i < count && b.n; i++)
            zbuf_emit(&b, (size_t)(sq_rand(s) % b.n), fn, ctx);
        zbuf_free(&b);
        return;
    }
    /* A batch of positions, sorted, found in one walk from the lowest. */
    draw *d = ak_malloc(RAND_BATCH * sizeof *d);
    size_t *slot = ak_malloc(RAND_BATCH * sizeof *slot);
    for (size_t done = 0; done < count;) {
        size_t nb = count - done < RAND_BATCH ? count - done : RAND_BATCH;
        for (size_t i = 0; i < nb; i++) {
            d[i].pos = sq_rand(s) % len;
            d[i].order = i;
            slot[i] = SIZE_MAX;
        }
        qsort(d, nb, sizeof *d, draw_cmp);
        zbuf b = {0};
        st = sq_prep(s, SQL_PK);
        sqlite3_bind_int64(st, 1, k->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(d[nb - 1].pos - d[0].pos + 1));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)d[0].pos);
        uint64_t pos = d[0].pos;
        size_t j = 0;
        while (j < nb && sq_step(s, st) == SQLITE_ROW) {
            if (d[j].pos == pos) {
                zbuf_push(&b, col_member(st), col_score(st));
                while (j < nb && d[j].pos == pos)
                    slot[d[j++].order] = b.n - 1;
            }
            pos++;
        }
        sq_reset(st);
        for (size_t i = 0; i < nb; i++)
            if (slot[i] != SIZE_MAX)
                zbuf_emit(&b, slot[i], fn, ctx);
        zbuf_free(&b);
        if (j < nb)
            break; /* the walk failed (recorded) */
        done += nb;
    }
    ak_free(d);
    ak_free(slot);
}

static int zs_random(ak_engine *e, int db, ak_slice key, size_t count, int unique,
                     ak_scored_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    uint64_t len = (uint64_t)k.count;
    if (count == 0 || len == 0)
        return AK_OK;
    sqlite3_stmt *st;
    if (unique && count >= len) {
        /* All of them, in order. */
        st = sq_prep(s, SQL_ASC);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        emit_rows(s, st, fn, ctx);
    } else if (count == 1) {
        st = sq_prep(s, SQL_PK);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, 1);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)(sq_rand(s) % len));
        emit_rows(s, st, fn, ctx);
    } else if (unique) {
        /* Selection sampling (Knuth's algorithm S) in member order: each
         * row is taken with probability wanted / left, so every subset of
         * `count` is equally likely; stops once it has them. */
        st = sq_prep(s, SQL_PK);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        uint64_t seen = 0, taken = 0;
        while (taken < count && sq_step(s, st) == SQLITE_ROW) {
            if (sq_rand(s) % (len - seen) < count - taken) {
                fn(ctx, col_member(st), col_score(st));
                taken++;
            }
            seen++;
        }
        sq_reset(st);
    } else {
        random_repeated(s, &k, count, fn, ctx);
    }
    return AK_OK;
}

/* A skiplist-encoded set is scanned in member (primary-key) order, and the
 * cursor is the offset of the next member. OFFSET costs O(cursor), so the
 * last few scans remember (per thread) where they stopped: a step whose
 * cursor is the one a remembered step returned resumes after that step's
 * last member, in O(log n), which also keeps Redis's guarantee under
 * concurrent changes. A step that falls back to OFFSET (forgotten, or a
 * cursor from elsewhere) may skip an element if members were deleted
 * during the scan, or return one twice if some were added. A mark names
 * its engine by serial, not address: an engine opened later at the same
 * address never resumes another's scan. Marks left by other threads stay
 * until overwritten (SCAN_MEMORY per thread). */
#define SCAN_MEMORY 8

typedef struct scan_mark {
    uint64_t serial; /* the engine's (0: a free slot) */
    int64_t kid;
    uint64_t cursor; /* the cursor that step returned */
    zpos last;       /* the last member it handed out */
} scan_mark;

static _Thread_local scan_mark scan_marks[SCAN_MEMORY];
static _Thread_local unsigned scan_clock;

static scan_mark *scan_find(const sq_engine *s, int64_t kid, uint64_t cursor)
{
    for (int i = 0; i < SCAN_MEMORY; i++)
        if (scan_marks[i].serial == s->serial && scan_marks[i].kid == kid &&
            scan_marks[i].cursor == cursor && cursor)
            return &scan_marks[i];
    return NULL;
}

void sq_zset_forget_scans(const sq_engine *s)
{
    for (int i = 0; i < SCAN_MEMORY; i++) {
        if (scan_marks[i].serial == s->serial) {
            zpos_free(&scan_marks[i].last);
            memset(&scan_marks[i], 0, sizeof scan_marks[i]);
        }
    }
}

static int zs_scan(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                   ak_scored_fn fn, void *ctx, uint64_t *next)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *next = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc != AK_OK)
        return rc;
    sqlite3_stmt *st;
    if (k.enc == AK_ENC_LISTPACK) {
        st = sq_prep(s, SQL_ASC);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        emit_rows(s, st, fn, ctx);
        return AK_OK;
    }
    if (count == 0)
        count = 1;
    if (count > INT32_MAX)
        count = INT32_MAX;
    scan_mark *mk = scan_find(s, k.id, cursor);
    if (mk) {
        st = sq_prep(s, SQL_PK_AFTER);
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_slice(st, 2, zpos_member(&mk->last));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)count + 1);
    } else {
        if (cursor > INT64_MAX)
            return AK_OK;
        mk = &scan_marks[scan_clock++ % SCAN_MEMORY];
        st = sq_prep(s, SQL_PK);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)count + 1);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)cursor);
    }
    /* One row past the page tells whether the walk is over. The new mark
     * is built aside: the old one may be bound to the statement. */
    zpos last = {0};
    size_t got = 0;
    int more = 0;
    while (sq_step(s, st) == SQLITE_ROW) {
        if (got == count) {
            more = 1;
            break;
        }
        ak_slice m = col_member(st);
        fn(ctx, m, col_score(st));
        if (++got == count)
            zpos_set(&last, m, 0);
    }
    sq_reset(st);
    zpos_free(&mk->last);
    memset(mk, 0, sizeof *mk);
    if (more) {
        *next = cursor + got;
        mk->serial = s->serial;
        mk->kid = k.id;
        mk->cursor = *next;
        mk->last = last;
    } else {
        zpos_free(&last);
    }
    return AK_OK;
}

static int zs_make_large(ak_engine *e, int db, ak_slice key)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_ZSET, &k);
    if (rc == AK_OK && k.enc == AK_ENC_LISTPACK) {
        k.enc = AK_ENC_SKIPLIST;
        sq_wrote(s);
        sq_key_save(s, &k);
    }
    return rc;
}

const struct ak_zset_ops sq_zset_ops = {
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
