/*
 * set.c -- set values of the SQLite engine (store/set.h), in SQL.
 *
 * A set is the rows of set_members(kid, member), PRIMARY KEY (kid, member),
 * WITHOUT ROWID: clustered on (kid, member), so a set is one contiguous run
 * of the B-tree. A canonical integer member ("12", "-7": what ak_str2ll
 * accepts) is stored as an SQLite INTEGER, anything else as a BLOB
 * (sq_bind_member); SQLite orders integers numerically ahead of every blob,
 * so the primary-key order of an all-integer set is the ascending order of
 * Redis's intset, for free. The key row keeps the member count in k.count.
 *
 *   SADD / SREM / SISMEMBER   INSERT OR IGNORE / DELETE / point lookup:
 *                             one B-tree descent per member       O(log n)
 *   SCARD                     k.count                              O(1)
 *   SMEMBERS                  a range scan in key order             O(n)
 *   SRANDMEMBER / SPOP        random ranks fetched by OFFSET (see "random
 *                             members"): a B-tree has no rank index O(n)
 *   SSCAN (hashtable)         the members in hash order from the cursor
 *                             (see "SSCAN")                         O(n) a step
 *   SINTER / SINTERCARD       the smallest set scanned in key order, each
 *                             member looked up in the others, smallest
 *                             first; LIMIT for SINTERCARD   O(|smallest| k log n)
 *   SUNION                    two sets: a merge of two key-order scans
 *                             (compound UNION, no sort)              O(N)
 *                             more: SELECT DISTINCT, one sort        O(N log N)
 *   SDIFF                     the first set scanned in key order, each member
 *                             looked up in the others (NOT EXISTS) when they
 *                             are much bigger than it, else the others
 *                             materialised once into a temporary index
 *                             (NOT IN)          O(|first| k log n) or O(N log N)
 *
 * The algebra's statements are fixed texts (cached like every statement):
 * beyond two sets, the key ids are bound as a JSON array and read with
 * json_each() (built into SQLite since 3.38). Results come out in key
 * order, so an intset's result is ascending as in Redis and the memory
 * engine (both walk an intset in order).
 *
 * Encodings follow Redis 7.0 exactly (OBJECT ENCODING shows them), as the
 * memory engine does (store/mem/set.c):
 *   - a new set is an intset if its first member is a canonical integer;
 *   - adding a non-integer, or a new integer that takes the count past
 *     set-max-intset-entries (read from the configuration at each write,
 *     capped at 2^30), makes it a hashtable for good;
 *   - an SPOP with a count that leaves at most a fifth of the popped count
 *     re-encodes what remains (Redis rebuilds it as a new set): an intset
 *     if every member left is an integer and they are few enough.
 * While a set is an intset every row's member is an INTEGER.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../../util/dict.h"
#include "../../util/num.h"
#include "../set.h"
#include "sqlite.h"

#define INTSET_HARD_MAX (1u << 30) /* Redis: intset internals limit */
#define SPOP_MOVE_STRATEGY_MUL 5   /* Redis t_set.c */

/* ---------------------------------------------------------------- statements */

static const char SQL_INSERT[] = "INSERT OR IGNORE INTO set_members(kid, member) VALUES(?1, ?2)";
static const char SQL_DELETE[] = "DELETE FROM set_members WHERE kid = ?1 AND member = ?2";
static const char SQL_HAS[] = "SELECT 1 FROM set_members WHERE kid = ?1 AND member = ?2";
static const char SQL_ALL[] = "SELECT member FROM set_members WHERE kid = ?1 ORDER BY member";
static const char SQL_AT[] =
    "SELECT member FROM set_members WHERE kid = ?1 ORDER BY member LIMIT 1 OFFSET ?2";
static const char SQL_AFTER[] =
    "SELECT member FROM set_members WHERE kid = ?1 AND member > ?2 ORDER BY member "
    "LIMIT 1 OFFSET ?3";
static const char SQL_POP_AT[] =
    "DELETE FROM set_members WHERE kid = ?1 AND member = "
    "(SELECT member FROM set_members WHERE kid = ?1 ORDER BY member LIMIT 1 OFFSET ?2) "
    "RETURNING member";
/* Integers sort ahead of blobs: the greatest member is an INTEGER only if
 * they all are. */
static const char SQL_ALL_INTS[] =
    "SELECT typeof(member) = 'integer' FROM set_members WHERE kid = ?1 "
    "ORDER BY member DESC LIMIT 1";

/* ?1 the smallest set, ?2 the other one, ?3 the limit (-1: none). */
static const char SQL_INTER2[] =
    "SELECT a.member FROM set_members AS a WHERE a.kid = ?1 AND EXISTS "
    "(SELECT 1 FROM set_members AS b WHERE b.kid = ?2 AND b.member = a.member) "
    "ORDER BY a.member LIMIT ?3";
/* ?2 the others as a JSON array of key ids, smallest first: a member
 * missing somewhere is rejected early. */
static const char SQL_INTER[] =
    "SELECT a.member FROM set_members AS a WHERE a.kid = ?1 AND NOT EXISTS "
    "(SELECT 1 FROM json_each(?2) AS j WHERE NOT EXISTS "
    "(SELECT 1 FROM set_members AS b WHERE b.kid = j.value AND b.member = a.member)) "
    "ORDER BY a.member LIMIT ?3";
/* Two sets: both are read in key order and merged (no sort). */
static const char SQL_UNION2[] =
    "SELECT member FROM set_members WHERE kid = ?1 UNION "
    "SELECT member FROM set_members WHERE kid = ?2 ORDER BY 1";
/* ?1 every set (JSON array of key ids): one sort of all their members. */
static const char SQL_UNION[] =
    "SELECT DISTINCT member FROM set_members WHERE kid IN (SELECT value FROM json_each(?1)) "
    "ORDER BY member";
/* ?1 the first set, ?2 the others. Probing: each member of the first
 * looked up in the others (biggest first: the likeliest to hold it). */
static const char SQL_DIFF_PROBE1[] =
    "SELECT a.member FROM set_members AS a WHERE a.kid = ?1 AND NOT EXISTS "
    "(SELECT 1 FROM set_members AS b WHERE b.kid = ?2 AND b.member = a.member) "
    "ORDER BY a.member";
static const char SQL_DIFF_PROBE[] =
    "SELECT a.member FROM set_members AS a WHERE a.kid = ?1 AND NOT EXISTS "
    "(SELECT 1 FROM json_each(?2) AS j, set_members AS b "
    "WHERE b.kid = j.value AND b.member = a.member) "
    "ORDER BY a.member";
/* Building: the others' members materialised once into a temporary
 * index, which each member of the first is looked up in. */
static const char SQL_DIFF_BUILD[] =
    "SELECT member FROM set_members WHERE kid = ?1 AND member NOT IN "
    "(SELECT member FROM set_members WHERE kid IN (SELECT value FROM json_each(?2))) "
    "ORDER BY member";

/* ---------------------------------------------------------------- helpers */

static int is_int(ak_slice v)
{
    long long ll;
    return v.len > 0 && v.len <= 20 && ak_str2ll(v.p, v.len, &ll);
}

static int64_t max_intset(const sq_engine *s)
{
    long long v = s->base.cfg ? s->base.cfg->set_max_intset_entries : 512;
    return v >= (long long)INTSET_HARD_MAX ? (int64_t)INTSET_HARD_MAX : (int64_t)v;
}

/* A LIMIT or OFFSET value: SQLite's are signed, and a negative LIMIT means
 * none. */
static int64_t as_limit(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? -1 : (int64_t)v;
}

/* Steps a SELECT to the end, handing column 0 of each row to fn as a
 * member; resets it. The number of rows. */
static uint64_t emit_rows(sq_engine *s, sqlite3_stmt *st, ak_elem_fn fn, void *ctx)
{
    char buf[24];
    uint64_t n = 0;
    while (sq_step(s, st) == SQLITE_ROW) {
        fn(ctx, sq_column_member(st, 0, buf));
        n++;
    }
    sq_reset(st);
    return n;
}

static void emit_all(sq_engine *s, const sq_key *k, ak_elem_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_prep(s, SQL_ALL);
    sqlite3_bind_int64(st, 1, k->id);
    emit_rows(s, st, fn, ctx);
}

/* A growable byte buffer: members copied out of rows. */
typedef struct bytes {
    char *p;
    size_t len, cap;
} bytes;

static size_t bytes_add(bytes *b, ak_slice v)
{
    size_t at = b->len;
    if (b->len + v.len > b->cap) {
        b->cap = (b->len + v.len) * 2 + 64;
        b->p = ak_realloc(b->p, b->cap);
    }
    if (v.len)
        memcpy(b->p + b->len, v.p, v.len);
    b->len += v.len;
    return at;
}

static ak_slice bytes_at(const bytes *b, size_t at, size_t len)
{
    return ak_slice_of(b->p ? b->p + at : "", len);
}

/* ---------------------------------------------------------------- single-key operations */

static int set_add(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                   size_t *added)
{
    sq_engine *s = SQ(e);
    sq_key k;
    if (added)
        *added = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc == AK_WRONGTYPE || n == 0)
        return rc;
    if (rc == AK_NOTFOUND &&
        sq_key_create(s, db, key, AIKV_TYPE_SET,
                      is_int(members[0]) ? AK_ENC_INTSET : AK_ENC_HASHTABLE, &k) != AK_OK)
        return AK_NOTFOUND;
    int enc = k.enc;
    size_t count = 0;
    sqlite3_stmt *st = sq_prep(s, SQL_INSERT);
    for (size_t i = 0; i < n; i++) {
        /* A non-integer is never in an intset: it is new and converts it. */
        if (enc == AK_ENC_INTSET && !is_int(members[i]))
            enc = AK_ENC_HASHTABLE;
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_member(st, 2, members[i]);
        if (sq_step(s, st) != SQLITE_DONE) {
            sq_reset(st);
            return AK_OK; /* recorded; the core rolls back */
        }
        count += sqlite3_changes(s->db) > 0;
        sq_reset(st);
    }
    /* Redis converts when an added integer takes the count past the limit;
     * the count only grows here, so checking the end is the same. */
    if (enc == AK_ENC_INTSET && count > 0 && k.count + (int64_t)count > max_intset(s))
        enc = AK_ENC_HASHTABLE;
    if (count > 0 || enc != k.enc) {
        sq_wrote(s);
        k.count += (int64_t)count;
        k.enc = enc;
        sq_key_save(s, &k);
    }
    if (added)
        *added = count;
    return AK_OK;
}

static int set_rem(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                   size_t *removed)
{
    sq_engine *s = SQ(e);
    sq_key k;
    if (removed)
        *removed = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc != AK_OK)
        return rc;
    int64_t count = 0;
    sqlite3_stmt *st = sq_prep(s, SQL_DELETE);
    for (size_t i = 0; i < n && count < k.count; i++) {
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_member(st, 2, members[i]);
        if (sq_step(s, st) != SQLITE_DONE) {
            sq_reset(st);
            return AK_OK;
        }
        count += sqlite3_changes(s->db) > 0;
        sq_reset(st);
    }
    if (count > 0) {
        sq_wrote(s);
        k.count -= count;
        if (k.count == 0)
            sq_key_delete(s, &k);
        else
            sq_key_save(s, &k);
    }
    if (removed)
        *removed = (size_t)count;
    return AK_OK;
}

static int set_ismember(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                        unsigned char *is)
{
    sq_engine *s = SQ(e);
    sq_key k;
    memset(is, 0, n);
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc != AK_OK)
        return rc;
    sqlite3_stmt *st = sq_prep(s, SQL_HAS);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_member(st, 2, members[i]);
        is[i] = sq_step(s, st) == SQLITE_ROW;
        sq_reset(st);
    }
    return AK_OK;
}

static int set_card(ak_engine *e, int db, ak_slice key, uint64_t *n)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *n = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc == AK_OK)
        *n = (uint64_t)k.count;
    return rc;
}

static int set_members(ak_engine *e, int db, ak_slice key, ak_elem_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc == AK_OK)
        emit_all(s, &k, fn, ctx);
    return rc;
}

/* ---------------------------------------------------------------- random members */

/*
 * A B-tree has no rank index, so a uniform pick is a rank drawn at random
 * and the row at that OFFSET: O(n) to skip to it (SQLite skips rows inside
 * the VM, without handing them out). Several picks draw their ranks first,
 * sort them, and fetch them in one pass: either a walk of the whole set
 * (many picks) or a chain of "member > previous LIMIT 1 OFFSET gap" steps
 * (few picks), each resuming where the last stopped -- one skip through
 * the set in all, plus a descent per pick.
 */

/* One member picked uniformly: the row at a random offset. */
static void emit_one_random(sq_engine *s, const sq_key *k, ak_elem_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_prep(s, SQL_AT);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, (int64_t)(sq_rand(s) % (uint64_t)k->count));
    emit_rows(s, st, fn, ctx);
}

/* Members fetched by rank: the bytes, and member i at (at[i], len[i]). */
typedef struct picked {
    bytes b;
    size_t *at, *len;
    size_t n;
} picked;

static void picked_init(picked *p, size_t n)
{
    memset(&p->b, 0, sizeof p->b);
    p->at = ak_malloc((n ? n : 1) * sizeof *p->at);
    p->len = ak_malloc((n ? n : 1) * sizeof *p->len);
    p->n = n;
}

static void picked_free(picked *p)
{
    ak_free(p->b.p);
    ak_free(p->at);
    ak_free(p->len);
}

static ak_slice picked_get(const picked *p, size_t i)
{
    return bytes_at(&p->b, p->at[i], p->len[i]);
}

/* Fetches the members at ranks r[0..n) (ascending, repeats allowed) into
 * p (initialised for n). 1 if all were fetched, 0 if a step failed
 * (recorded). */
static int fetch_ranks(sq_engine *s, const sq_key *k, const uint64_t *r, size_t n, picked *p)
{
    char buf[24];
    size_t i = 0;
    if (n > (uint64_t)k->count / 3) {
        /* Many picks: one walk over the set. */
        sqlite3_stmt *st = sq_prep(s, SQL_ALL);
        sqlite3_bind_int64(st, 1, k->id);
        for (uint64_t rank = 0; i < n && sq_step(s, st) == SQLITE_ROW; rank++) {
            if (r[i] != rank)
                continue;
            ak_slice m = sq_column_member(st, 0, buf);
            size_t where = bytes_add(&p->b, m);
            for (; i < n && r[i] == rank; i++) {
                p->at[i] = where;
                p->len[i] = m.len;
            }
        }
        sq_reset(st);
        return i == n;
    }
    /* Few picks: each fetch resumes after the previous member, bound from
     * its own copy (p->b may move while a statement runs). */
    bytes prev = {0};
    int ok = 1;
    for (; i < n && ok; i++) {
        if (i > 0 && r[i] == r[i - 1]) {
            p->at[i] = p->at[i - 1];
            p->len[i] = p->len[i - 1];
            continue;
        }
        sqlite3_stmt *st;
        if (i == 0) {
            st = sq_prep(s, SQL_AT);
            sqlite3_bind_int64(st, 1, k->id);
            sqlite3_bind_int64(st, 2, (int64_t)r[0]);
        } else {
            st = sq_prep(s, SQL_AFTER);
            sqlite3_bind_int64(st, 1, k->id);
            sq_bind_member(st, 2, bytes_at(&prev, 0, prev.len));
            sqlite3_bind_int64(st, 3, (int64_t)(r[i] - r[i - 1] - 1));
        }
        ok = sq_step(s, st) == SQLITE_ROW;
        if (ok) {
            ak_slice m = sq_column_member(st, 0, buf);
            p->at[i] = bytes_add(&p->b, m);
            p->len[i] = m.len;
        }
        sq_reset(st);
        if (ok) {
            prev.len = 0;
            bytes_add(&prev, picked_get(p, i));
        }
    }
    ak_free(prev.p);
    return ok;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* want (< size) distinct ranks of 0..size-1, ascending, into r. */
static void distinct_ranks(sq_engine *s, uint64_t size, size_t want, uint64_t *r)
{
    if (want > size / 3) {
        /* Selection sampling (Knuth's algorithm S): one pass. */
        size_t got = 0;
        for (uint64_t i = 0; got < want; i++)
            if (sq_rand(s) % (size - i) < want - got)
                r[got++] = i;
        return;
    }
    /* Few of many: draw, sort, drop repeats, draw again for the gaps. */
    size_t got = 0;
    while (got < want) {
        for (size_t i = got; i < want; i++)
            r[i] = sq_rand(s) % size;
        qsort(r, want, sizeof *r, cmp_u64);
        got = 0;
        for (size_t i = 0; i < want; i++)
            if (got == 0 || r[i] != r[got - 1])
                r[got++] = r[i];
    }
}

/* A random order of 0..n-1 (Fisher-Yates), so distinct picks do not come
 * out in key order. */
static size_t *shuffled(sq_engine *s, size_t n)
{
    size_t *o = ak_malloc((n ? n : 1) * sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(sq_rand(s) % i), tmp = o[i - 1];
        o[i - 1] = o[j];
        o[j] = tmp;
    }
    return o;
}

/* want (1 < want < count) distinct members, fetched into p in a random
 * order (order[i] is the index of the i-th). 0 on failure. */
static int pick_distinct(sq_engine *s, const sq_key *k, size_t want, picked *p, size_t **order)
{
    uint64_t *r = ak_malloc(want * sizeof *r);
    distinct_ranks(s, (uint64_t)k->count, want, r);
    picked_init(p, want);
    int ok = fetch_ranks(s, k, r, want, p);
    ak_free(r);
    *order = shuffled(s, want);
    return ok;
}

/* `picks` independent picks with picks >= count: every member is read once
 * into memory (the reply is larger anyway), then picked from. */
static void emit_repeated_from_all(sq_engine *s, const sq_key *k, uint64_t picks, ak_elem_fn fn,
                                   void *ctx)
{
    size_t n = (size_t)k->count;
    uint64_t *r = ak_malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = i;
    picked p;
    picked_init(&p, n);
    if (fetch_ranks(s, k, r, n, &p))
        for (uint64_t i = 0; i < picks; i++)
            fn(ctx, picked_get(&p, (size_t)(sq_rand(s) % n)));
    picked_free(&p);
    ak_free(r);
}

typedef struct draw {
    uint64_t rank;
    size_t slot; /* the pick's place in the reply */
} draw;

static int by_rank(const void *a, const void *b)
{
    uint64_t x = ((const draw *)a)->rank, y = ((const draw *)b)->rank;
    return x < y ? -1 : x > y;
}

/* 1 < picks < count independent picks: ranks drawn, fetched in rank
 * order, handed out in the order they were drawn. */
static void emit_repeated(sq_engine *s, const sq_key *k, size_t picks, ak_elem_fn fn, void *ctx)
{
    draw *d = ak_malloc(picks * sizeof *d);
    uint64_t *r = ak_malloc(picks * sizeof *r);
    for (size_t i = 0; i < picks; i++) {
        d[i].rank = sq_rand(s) % (uint64_t)k->count;
        d[i].slot = i;
    }
    qsort(d, picks, sizeof *d, by_rank);
    for (size_t i = 0; i < picks; i++)
        r[i] = d[i].rank;
    picked p;
    picked_init(&p, picks);
    if (fetch_ranks(s, k, r, picks, &p)) {
        size_t *at = ak_malloc(picks * sizeof *at), *len = ak_malloc(picks * sizeof *len);
        for (size_t i = 0; i < picks; i++) {
            at[d[i].slot] = p.at[i];
            len[d[i].slot] = p.len[i];
        }
        for (size_t i = 0; i < picks; i++)
            fn(ctx, bytes_at(&p.b, at[i], len[i]));
        ak_free(at);
        ak_free(len);
    }
    picked_free(&p);
    ak_free(r);
    ak_free(d);
}

static int set_random(ak_engine *e, int db, ak_slice key, long long count, ak_elem_fn fn,
                      void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc != AK_OK || count == 0)
        return rc;
    uint64_t size = (uint64_t)k.count;
    if (count < 0) {
        /* Independent picks: -count of them, repetitions allowed. */
        uint64_t picks = (uint64_t)(-(count + 1)) + 1;
        if (picks == 1)
            emit_one_random(s, &k, fn, ctx);
        else if (picks >= size)
            emit_repeated_from_all(s, &k, picks, fn, ctx);
        else
            emit_repeated(s, &k, (size_t)picks, fn, ctx);
        return AK_OK;
    }
    if ((uint64_t)count >= size) {
        emit_all(s, &k, fn, ctx);
    } else if (count == 1) {
        emit_one_random(s, &k, fn, ctx);
    } else {
        picked p;
        size_t *order;
        if (pick_distinct(s, &k, (size_t)count, &p, &order))
            for (size_t i = 0; i < p.n; i++)
                fn(ctx, picked_get(&p, order[i]));
        ak_free(order);
        picked_free(&p);
    }
    return AK_OK;
}

/* ---------------------------------------------------------------- SPOP */

/* Redis rebuilds the members a large SPOP leaves as a new set: an intset
 * when they are all integers and few enough. */
static void reencode_remaining(sq_engine *s, sq_key *k)
{
    int want_intset = k->count <= max_intset(s);
    if (k->enc == AK_ENC_INTSET) {
        if (!want_intset)
            k->enc = AK_ENC_HASHTABLE;
        return;
    }
    if (!want_intset)
        return;
    sqlite3_stmt *st = sq_prep(s, SQL_ALL_INTS);
    sqlite3_bind_int64(st, 1, k->id);
    if (sq_step(s, st) == SQLITE_ROW && sqlite3_column_int(st, 0))
        k->enc = AK_ENC_INTSET;
    sq_reset(st);
}

/* Pops `count` (1 < count < k->count) members picked at random; how many
 * went. */
static uint64_t pop_many(sq_engine *s, const sq_key *k, size_t count, ak_elem_fn fn, void *ctx)
{
    picked p;
    size_t *order;
    uint64_t popped = 0;
    if (pick_distinct(s, k, count, &p, &order)) {
        sqlite3_stmt *st = sq_prep(s, SQL_DELETE);
        for (size_t i = 0; i < p.n; i++) {
            ak_slice m = picked_get(&p, order[i]);
            sqlite3_bind_int64(st, 1, k->id);
            sq_bind_member(st, 2, m);
            int rc = sq_step(s, st);
            sq_reset(st);
            if (rc != SQLITE_DONE)
                break;
            fn(ctx, m);
            popped++;
        }
    }
    ak_free(order);
    picked_free(&p);
    return popped;
}

static int set_pop(ak_engine *e, int db, ak_slice key, uint64_t count, ak_elem_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc != AK_OK || count == 0)
        return rc;
    sq_wrote(s);
    if (count >= (uint64_t)k.count) {
        emit_all(s, &k, fn, ctx);
        sq_key_delete(s, &k);
        return AK_OK;
    }
    uint64_t popped;
    if (count == 1) {
        /* RETURNING hands out the deleted row. */
        sqlite3_stmt *st = sq_prep(s, SQL_POP_AT);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, (int64_t)(sq_rand(s) % (uint64_t)k.count));
        popped = emit_rows(s, st, fn, ctx);
    } else {
        popped = pop_many(s, &k, (size_t)count, fn, ctx);
    }
    if (s->base.error || popped == 0)
        return AK_OK;
    k.count -= (int64_t)popped;
    if ((uint64_t)k.count * SPOP_MOVE_STRATEGY_MUL <= count)
        reencode_remaining(s, &k);
    sq_key_save(s, &k);
    return AK_OK;
}

/* ---------------------------------------------------------------- SSCAN */

/*
 * A hashtable set is scanned in the order of a 63-bit hash of its members
 * (SipHash, util/dict.h, never 0), and the cursor is the hash the next step
 * starts from -- Redis's idea (its cursor walks hash buckets) without an
 * index: each step reads the key's rows, hashes them and keeps the
 * smallest hashes at or past the cursor (a bounded sort). So:
 *   - a member present during the whole scan is handed out at least once
 *     (deleting or adding others moves nothing: the cursor is not a rank);
 *   - members added during the scan land before or after the cursor at
 *     random, so a set growing while it is scanned still finishes, as in
 *     Redis (an order by member would chase members added at the end);
 *   - members sharing the hash at a page's end are all handed out in that
 *     step (some perhaps twice), so the cursor always moves forward.
 * A step costs O(n) (every row is hashed), so a step hands out at least
 * 1/256 of the set, whatever COUNT asks (Redis treats COUNT as a hint too):
 * a whole scan is then at most ~256 steps of O(n), not n/COUNT of them.
 *
 * SQLite has no hash function: the engine registers aikv_member_hash()
 * on its connection the first time a scan needs it.
 */
#define SCAN_MIN_FRACTION 256

/* The inner LIMIT keeps SQLite from flattening the subquery, which would
 * compute the hash twice for half the rows. */
static const char SQL_SCAN[] =
    "SELECT member, h FROM (SELECT member, aikv_member_hash(member) AS h FROM set_members "
    "WHERE kid = ?1 LIMIT -1) WHERE h >= ?2 ORDER BY h LIMIT ?3";
static const char HASH_FN[] = "aikv_member_hash";

static void member_hash_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t h;
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) {
        int64_t v = sqlite3_value_int64(argv[0]);
        h = ak_hash(&v, sizeof v);
    } else {
        const void *p = sqlite3_value_blob(argv[0]);
        h = ak_hash(p ? p : "", (size_t)sqlite3_value_bytes(argv[0]));
    }
    h >>= 1;
    sqlite3_result_int64(cx, h ? (int64_t)h : 1);
}

/* Registers aikv_member_hash() unless the connection has it (a failed
 * prepare tells: the engine keeps no flag for it). 0 on failure
 * (recorded). */
static int have_hash_fn(sq_engine *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT aikv_member_hash(0)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_finalize(st);
        return 1;
    }
    int rc = sqlite3_create_function_v2(s->db, HASH_FN, 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                        NULL, member_hash_fn, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sq_fail(s, rc);
        return 0;
    }
    return 1;
}

/* One step from hash `from`: hands out the first `page` members in hash
 * order (page < 0: no limit) and returns the hash after them in *next (0:
 * none left). With `only_equal`, hands out just the members whose hash is
 * `from`. *last = the hash of the last member handed out. 1 if the page
 * ended inside a run of equal hashes. */
static int scan_page(sq_engine *s, int64_t kid, int64_t from, int64_t page, int only_equal,
                     ak_elem_fn fn, void *ctx, int64_t *last, uint64_t *next)
{
    char buf[24];
    int64_t got = 0;
    int tie = 0;
    *next = 0;
    sqlite3_stmt *st = sq_prep(s, SQL_SCAN);
    sqlite3_bind_int64(st, 1, kid);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, page < 0 || page == INT64_MAX ? -1 : page + 1);
    while (sq_step(s, st) == SQLITE_ROW) {
        int64_t h = sqlite3_column_int64(st, 1);
        if (only_equal ? h != from : page >= 0 && got >= page) {
            if (!only_equal && h == *last)
                tie = 1;
            else
                *next = (uint64_t)h;
            break;
        }
        fn(ctx, sq_column_member(st, 0, buf));
        *last = h;
        got++;
    }
    sq_reset(st);
    return tie;
}

static int set_scan(ak_engine *e, int db, ak_slice key, uint64_t cursor, uint64_t count,
                    ak_elem_fn fn, void *ctx, uint64_t *next)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *next = 0;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_SET, &k);
    if (rc != AK_OK)
        return rc;
    if (k.enc == AK_ENC_INTSET) {
        emit_all(s, &k, fn, ctx);
        return AK_OK;
    }
    /* Hashes are 1..INT64_MAX: a larger cursor has nothing left. */
    if (cursor > (uint64_t)INT64_MAX || !have_hash_fn(s))
        return AK_OK;
    uint64_t min_page = (uint64_t)k.count / SCAN_MIN_FRACTION;
    int64_t page = as_limit(count > min_page ? count : min_page);
    if (page == 0)
        page = 1;
    int64_t last = 0;
    if (scan_page(s, k.id, (int64_t)cursor, page, 0, fn, ctx, &last, next))
        scan_page(s, k.id, last, -1, 1, fn, ctx, &last, next);
    return AK_OK;
}

/* ---------------------------------------------------------------- algebra */

typedef struct src {
    int64_t id;    /* 0: the key is missing */
    int64_t count;
} src;

/* Looks every key up first: AK_WRONGTYPE if one holds another type (before
 * anything is handed out); else srcs[i] and *missing. */
static int load_sets(sq_engine *s, int db, const ak_slice *keys, size_t n, src *srcs,
                     size_t *missing)
{
    *missing = 0;
    for (size_t i = 0; i < n; i++) {
        sq_key k;
        int rc = sq_key_get(s, db, keys[i], AIKV_TYPE_SET, &k);
        if (rc == AK_WRONGTYPE)
            return rc;
        srcs[i].id = rc == AK_OK ? k.id : 0;
        srcs[i].count = rc == AK_OK ? k.count : 0;
        *missing += rc != AK_OK;
    }
    return AK_OK;
}

static int by_count_asc(const void *a, const void *b)
{
    const src *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_count_desc(const void *a, const void *b)
{
    return by_count_asc(b, a);
}

/* Drops missing sets and repeats of a key (the array is sorted so that
 * repeats are adjacent, or `sorted` is 0 and every pair is compared); the
 * number left. */
static size_t distinct_sets(src *v, size_t n, int sorted)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = v[i].id == 0;
        if (sorted)
            dup = dup || (out > 0 && v[out - 1].id == v[i].id);
        else
            for (size_t j = 0; j < out && !dup; j++)
                dup = v[j].id == v[i].id;
        if (!dup)
            v[out++] = v[i];
    }
    return out;
}

/* The key ids of v[0..n) as a JSON array, NUL-terminated (ak_free it). */
static char *json_ids(const src *v, size_t n)
{
    char *j = ak_malloc(n * 22 + 3), *p = j;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        p += ak_ll2str(p, 22, (long long)v[i].id);
    }
    *p++ = ']';
    *p = '\0';
    return j;
}

static void bind_json(sqlite3_stmt *st, int i, const char *json)
{
    sqlite3_bind_text(st, i, json, -1, SQLITE_STATIC);
}

static int set_inter(ak_engine *e, int db, const ak_slice *keys, size_t n, uint64_t limit,
                     ak_elem_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    src *v = ak_malloc(n * sizeof *v);
    size_t missing;
    int rc = load_sets(s, db, keys, n, v, &missing);
    if (rc == AK_OK && missing == 0) {
        /* Scan the smallest; probe the others from the smallest up. */
        qsort(v, n, sizeof *v, by_count_asc);
        size_t m = distinct_sets(v, n, 1);
        char *others = m > 2 ? json_ids(v + 1, m - 1) : NULL;
        sqlite3_stmt *st = sq_prep(s, m == 1 ? SQL_ALL : m == 2 ? SQL_INTER2 : SQL_INTER);
        sqlite3_bind_int64(st, 1, v[0].id);
        if (m == 2)
            sqlite3_bind_int64(st, 2, v[1].id);
        else if (m > 2)
            bind_json(st, 2, others);
        uint64_t got = 0;
        char buf[24];
        /* SQL_ALL has no LIMIT: count here (SINTERCARD of one key). */
        if (m > 1)
            sqlite3_bind_int64(st, 3, limit ? as_limit(limit) : -1);
        while ((!limit || got < limit) && sq_step(s, st) == SQLITE_ROW) {
            fn(ctx, sq_column_member(st, 0, buf));
            got++;
        }
        sq_reset(st);
        ak_free(others);
    }
    ak_free(v);
    return rc;
}

static int set_unite(ak_engine *e, int db, const ak_slice *keys, size_t n, ak_elem_fn fn,
                     void *ctx)
{
    sq_engine *s = SQ(e);
    src *v = ak_malloc(n * sizeof *v);
    size_t missing;
    int rc = load_sets(s, db, keys, n, v, &missing);
    if (rc == AK_OK) {
        size_t m = distinct_sets(v, n, 0);
        if (m == 1) {
            sq_key k = {.id = v[0].id};
            emit_all(s, &k, fn, ctx);
        } else if (m == 2) {
            sqlite3_stmt *st = sq_prep(s, SQL_UNION2);
            sqlite3_bind_int64(st, 1, v[0].id);
            sqlite3_bind_int64(st, 2, v[1].id);
            emit_rows(s, st, fn, ctx);
        } else if (m > 2) {
            char *all = json_ids(v, m);
            sqlite3_stmt *st = sq_prep(s, SQL_UNION);
            bind_json(st, 1, all);
            emit_rows(s, st, fn, ctx);
            ak_free(all);
        }
    }
    ak_free(v);
    return rc;
}

static int set_diff(ak_engine *e, int db, const ak_slice *keys, size_t n, ak_elem_fn fn,
                    void *ctx)
{
    sq_engine *s = SQ(e);
    src *v = ak_malloc(n * sizeof *v);
    size_t missing;
    int rc = load_sets(s, db, keys, n, v, &missing);
    if (rc != AK_OK || v[0].id == 0)
        goto out;
    /* The first set minus itself is empty. */
    for (size_t i = 1; i < n; i++)
        if (v[i].id == v[0].id)
            goto out;
    size_t others = distinct_sets(v + 1, n - 1, 0);
    if (others == 0) {
        sq_key k = {.id = v[0].id};
        emit_all(s, &k, fn, ctx);
        goto out;
    }
    /* Probing costs a B-tree descent per member of the first set and other
     * set (fewer when a member is found early); building costs an insert
     * per member of the others plus a cheap lookup per member of the
     * first. Measured, a descent costs about four inserts: probe only when
     * the others are much bigger than the first. */
    uint64_t rest = 0;
    for (size_t i = 1; i <= others; i++)
        rest += (uint64_t)v[i].count;
    int probe = (uint64_t)v[0].count * others * 4 < rest;
    sqlite3_stmt *st;
    char *json = NULL;
    if (probe && others == 1) {
        st = sq_prep(s, SQL_DIFF_PROBE1);
        sqlite3_bind_int64(st, 2, v[1].id);
    } else {
        if (probe)
            qsort(v + 1, others, sizeof *v, by_count_desc);
        json = json_ids(v + 1, others);
        st = sq_prep(s, probe ? SQL_DIFF_PROBE : SQL_DIFF_BUILD);
        bind_json(st, 2, json);
    }
    sqlite3_bind_int64(st, 1, v[0].id);
    emit_rows(s, st, fn, ctx);
    ak_free(json);
out:
    ak_free(v);
    return rc;
}

/* ---------------------------------------------------------------- table */

const struct ak_set_ops sq_set_ops = {
    .add = set_add,
    .rem = set_rem,
    .ismember = set_ismember,
    .card = set_card,
    .members = set_members,
    .random = set_random,
    .pop = set_pop,
    .scan = set_scan,
    .inter = set_inter,
    .unite = set_unite,
    .diff = set_diff,
};
