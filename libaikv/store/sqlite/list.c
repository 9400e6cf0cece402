/*
 * list.c -- list values of the SQLite engine (store/list.h), in SQL.
 *
 * A list is the rows of list_items(kid, pos, value), PRIMARY KEY (kid, pos),
 * WITHOUT ROWID: clustered on (kid, pos), so a list is one contiguous run of
 * the B-tree in order. The key row keeps the positions of the head and the
 * tail element in k.lo and k.hi and the length in k.count, and the
 * positions are contiguous: element i (from the head) is at pos lo + i,
 * hi = lo + count - 1. That makes the common operations index lookups:
 *
 *   push        INSERT at lo - 1 or hi + 1                  O(log n) each
 *   pop         SELECT + DELETE of a pos range at an end     O(log n + k)
 *   LLEN        k.count                                      O(1)
 *   LINDEX/LSET point lookup / UPDATE at lo + index          O(log n)
 *   LRANGE      pos BETWEEN lo + start AND lo + stop         O(log n + k)
 *   LTRIM       DELETE of the two pos ranges outside         O(log n + removed)
 *
 * Searches compare values, which have no index (one would double the
 * table), so they scan the list from the end Redis scans from and stop as
 * soon as they can (LIMIT): LPOS, the pivot of LINSERT, the matches of
 * LREM -- O(n) like Redis's.
 *
 * LINSERT and LREM change the middle, which must stay gapless: one side of
 * the gap moves by one position, the cheaper side, so O(min(i, n - i))
 * rows move (each move rewrites the row: a few microseconds). SQLite
 * checks the primary key row by row during an UPDATE, so shifting a run in
 * place collides unless the rows are rewritten in the right order. SQLite
 * rewrites them in ascending key order, which suits a move down; a move up
 * goes through a parking range outside the list known to be free (first
 * there, then into place: twice the work), and so does a move down should
 * it ever collide (see move_run). "Cheaper" counts that: the side that
 * would move down is chosen while it has at most twice the rows of the
 * side that would move up. LREM of several elements renumbers the side
 * with fewer rows through the parking range in two statements, whatever
 * the number of gaps.
 *
 * Positions start at 0 for a new list and drift by one per push/pop: a
 * queue fed at one end and drained at the other moves by one position per
 * element, which 64 bits never exhaust.
 *
 * Every list is AK_ENC_QUICKLIST, as in Redis 7.0.
 */
#include <stdint.h>
#include <string.h>

#include "../list.h"
#include "sqlite.h"

/* ---------------------------------------------------------------- SQL */

static const char SQL_INSERT[] = "INSERT INTO list_items(kid, pos, value) VALUES (?1, ?2, ?3)";
static const char SQL_GET[] = "SELECT value FROM list_items WHERE kid = ?1 AND pos = ?2";
static const char SQL_SETVAL[] = "UPDATE list_items SET value = ?3 WHERE kid = ?1 AND pos = ?2";
static const char SQL_RANGE_ASC[] =
    "SELECT value FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3 ORDER BY pos";
static const char SQL_RANGE_DESC[] =
    "SELECT value FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3 ORDER BY pos DESC";
static const char SQL_DELETE_RANGE[] =
    "DELETE FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3";
/* Adds ?1 to the positions of a range. */
static const char SQL_SHIFT[] =
    "UPDATE list_items SET pos = pos + ?1 WHERE kid = ?2 AND pos BETWEEN ?3 AND ?4";

/* Matches in a pos range, in scan order, after skipping ?5, at most ?4
 * (-1: all). */
static const char SQL_FIND_ASC[] =
    "SELECT pos FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3 AND value = ?6 "
    "ORDER BY pos LIMIT ?4 OFFSET ?5";
static const char SQL_FIND_DESC[] =
    "SELECT pos FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3 AND value = ?6 "
    "ORDER BY pos DESC LIMIT ?4 OFFSET ?5";
/* LREM: how many of the first ?3 matches (-1: all) from the head / the
 * tail, and the positions of the first and last of them. */
static const char SQL_MATCHES_ASC[] =
    "SELECT count(*), min(pos), max(pos) FROM (SELECT pos FROM list_items "
    "WHERE kid = ?1 AND value = ?2 ORDER BY pos LIMIT ?3)";
static const char SQL_MATCHES_DESC[] =
    "SELECT count(*), min(pos), max(pos) FROM (SELECT pos FROM list_items "
    "WHERE kid = ?1 AND value = ?2 ORDER BY pos DESC LIMIT ?3)";
static const char SQL_DELETE_MATCHES[] =
    "DELETE FROM list_items WHERE kid = ?1 AND pos BETWEEN ?2 AND ?3 AND value = ?4";
/* LREM's compaction: renumber the rows after ?2 to ?3 + 1, ?3 + 2, ... in
 * order, or the rows before ?2 to ?3 - 1, ?3 - 2, ... in reverse order. */
static const char SQL_PACK_AFTER[] =
    "UPDATE list_items SET pos = ?3 + r.rn FROM (SELECT pos AS p, row_number() OVER "
    "(ORDER BY pos) AS rn FROM list_items WHERE kid = ?1 AND pos > ?2) AS r "
    "WHERE list_items.kid = ?1 AND list_items.pos = r.p";
static const char SQL_PACK_BEFORE[] =
    "UPDATE list_items SET pos = ?3 - r.rn FROM (SELECT pos AS p, row_number() OVER "
    "(ORDER BY pos DESC) AS rn FROM list_items WHERE kid = ?1 AND pos < ?2) AS r "
    "WHERE list_items.kid = ?1 AND list_items.pos = r.p";

/* ---------------------------------------------------------------- helpers */

/* The list at key: AK_OK with *k, AK_NOTFOUND, AK_WRONGTYPE. */
static int get_list(sq_engine *s, int db, ak_slice key, sq_key *k)
{
    return sq_key_get(s, db, key, AIKV_TYPE_LIST, k);
}

/* Redis's index: negative counts from the tail. 1 with the 0-based index
 * in *out when it falls inside a list of len elements. */
static int abs_index(long long index, int64_t len, int64_t *out)
{
    if (index < 0)
        index += len;
    if (index < 0 || index >= len)
        return 0;
    *out = index;
    return 1;
}

/* Redis's range clamping: 1 with the first index and the number of
 * elements, 0 when the range is empty. */
static int resolve(long long start, long long stop, int64_t len, int64_t *from, int64_t *n)
{
    *from = *n = 0;
    if (start < 0)
        start = len + start;
    if (stop < 0)
        stop = len + stop;
    if (start < 0)
        start = 0;
    if (start > stop || start >= len)
        return 0;
    if (stop >= len)
        stop = len - 1;
    *from = start;
    *n = stop - start + 1;
    return 1;
}

static int run_range(sq_engine *s, const char *sql, int64_t kid, int64_t a, int64_t b)
{
    sqlite3_stmt *st = sq_prep(s, sql);
    sqlite3_bind_int64(st, 1, kid);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    return sq_run(s, st);
}

static int shift(sq_engine *s, int64_t kid, int64_t a, int64_t b, int64_t delta)
{
    sqlite3_stmt *st = sq_prep(s, SQL_SHIFT);
    sqlite3_bind_int64(st, 1, delta);
    sqlite3_bind_int64(st, 2, kid);
    sqlite3_bind_int64(st, 3, a);
    sqlite3_bind_int64(st, 4, b);
    return sq_run(s, st);
}

/* Moves the rows at [a, b] by delta (+1 or -1, the slot beyond the run in
 * that direction being free) through the parking range that starts at
 * `park`, which must be free and overlap neither [a, b] nor [a + delta,
 * b + delta].
 *
 * A move down is first tried as one UPDATE: SQLite collects the rows to
 * change and then rewrites them in ascending key order, so each row's new
 * slot has just been vacated. That order is SQLite's implementation, not a
 * promise: if the UPDATE ever hits the primary key, SQLite undoes the
 * statement (and only the statement) and the move goes through the
 * parking range instead. Moving up in ascending order would collide at
 * once, so it always parks. */
static int move_run(sq_engine *s, int64_t kid, int64_t a, int64_t b, int64_t delta, int64_t park)
{
    if (a > b)
        return AK_OK;
    if (delta < 0) {
        sqlite3_stmt *st = sq_prep(s, SQL_SHIFT);
        sqlite3_bind_int64(st, 1, delta);
        sqlite3_bind_int64(st, 2, kid);
        sqlite3_bind_int64(st, 3, a);
        sqlite3_bind_int64(st, 4, b);
        int rc = sqlite3_step(st); /* not sq_step: a conflict is no failure here */
        sq_reset(st);
        if (rc == SQLITE_DONE)
            return AK_OK;
        if ((rc & 0xff) != SQLITE_CONSTRAINT)
            return sq_fail(s, rc);
    }
    int rc = shift(s, kid, a, b, park - a);
    if (rc == AK_OK)
        rc = shift(s, kid, park, park + (b - a), a + delta - park);
    return rc;
}

/* Which side of a gap to move: 1 to move the `down` rows down (one pass
 * in move_run) rather than the `up` rows up (two passes). */
static int cheaper_down(int64_t down, int64_t up)
{
    return down <= 2 * up;
}

/* ---------------------------------------------------------------- push, pop */

static int list_push(ak_engine *e, int db, ak_slice key, int where, const ak_slice *vals, size_t n,
                     int xx, size_t *len)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (rc == AK_NOTFOUND) {
        if (xx || n == 0)
            return AK_NOTFOUND;
        if (sq_key_create(s, db, key, AIKV_TYPE_LIST, AK_ENC_QUICKLIST, &k) != AK_OK)
            return AK_NOTFOUND;
    }
    if (n == 0) { /* nothing to add to an existing list */
        if (len)
            *len = (size_t)k.count;
        return AK_OK;
    }
    if (k.count == 0) { /* a new list: the first element goes to position 0 */
        k.lo = 0;
        k.hi = -1;
    }
    sq_wrote(s);
    sqlite3_stmt *st = sq_prep(s, SQL_INSERT);
    for (size_t i = 0; i < n; i++) {
        int64_t pos = where == AK_LIST_HEAD ? k.lo - 1 : k.hi + 1;
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, pos);
        sq_bind_slice(st, 3, vals[i]);
        if (sq_step(s, st) != SQLITE_DONE) {
            sq_reset(st);
            return AK_NOTFOUND;
        }
        sq_reset(st);
        if (where == AK_LIST_HEAD)
            k.lo = pos;
        else
            k.hi = pos;
        k.count++;
    }
    sq_reset(st);
    sq_key_save(s, &k);
    if (len)
        *len = (size_t)k.count;
    return AK_OK;
}

static int list_pop(ak_engine *e, int db, ak_slice key, int where, size_t count,
                    ak_count_fn begin, ak_elem_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t n = count < (uint64_t)k.count ? (int64_t)count : k.count;
    int64_t a = where == AK_LIST_HEAD ? k.lo : k.hi - n + 1;
    int64_t b = a + n - 1;
    if (begin)
        begin(ctx, (size_t)n);
    sqlite3_stmt *st = sq_prep(s, where == AK_LIST_HEAD ? SQL_RANGE_ASC : SQL_RANGE_DESC);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    int step;
    while ((step = sq_step(s, st)) == SQLITE_ROW)
        if (fn)
            fn(ctx, sq_column_slice(st, 0));
    sq_reset(st);
    if (step != SQLITE_DONE)
        return AK_OK;
    sq_wrote(s);
    if (n == k.count) { /* k.count still says how many rows go with the key */
        sq_key_delete(s, &k);
        return AK_OK;
    }
    k.count -= n;
    if (run_range(s, SQL_DELETE_RANGE, k.id, a, b) != AK_OK)
        return AK_OK;
    if (where == AK_LIST_HEAD)
        k.lo += n;
    else
        k.hi -= n;
    sq_key_save(s, &k);
    return AK_OK;
}

/* ---------------------------------------------------------------- reading */

static int list_len(ak_engine *e, int db, ak_slice key, size_t *len)
{
    sq_key k;
    int rc = get_list(SQ(e), db, key, &k);
    if (rc == AK_OK)
        *len = (size_t)k.count;
    return rc;
}

static int list_range(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                      ak_count_fn begin, ak_elem_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t from, n;
    resolve(start, stop, k.count, &from, &n);
    if (begin)
        begin(ctx, (size_t)n);
    if (n == 0)
        return AK_OK;
    sqlite3_stmt *st = sq_prep(s, SQL_RANGE_ASC);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, k.lo + from);
    sqlite3_bind_int64(st, 3, k.lo + from + n - 1);
    while (sq_step(s, st) == SQLITE_ROW)
        fn(ctx, sq_column_slice(st, 0));
    sq_reset(st);
    return AK_OK;
}

static int list_index(ak_engine *e, int db, ak_slice key, long long index, ak_slice *out)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t i;
    if (!abs_index(index, k.count, &i))
        return AIKV_RANGE;
    sqlite3_stmt *st = sq_prep(s, SQL_GET);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, k.lo + i);
    if (sq_step(s, st) == SQLITE_ROW) {
        *out = sq_keep(s, 0, sq_column_slice(st, 0));
    } else {
        /* Only a storage failure (recorded) gets here: the rows are gapless. */
        *out = ak_slice_of("", 0);
        rc = AIKV_RANGE;
    }
    sq_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- writing */

static int list_set(ak_engine *e, int db, ak_slice key, long long index, ak_slice val)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t i;
    if (!abs_index(index, k.count, &i))
        return AIKV_RANGE;
    sq_wrote(s);
    sqlite3_stmt *st = sq_prep(s, SQL_SETVAL);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, k.lo + i);
    sq_bind_slice(st, 3, val);
    sq_run(s, st);
    return AK_OK;
}

/* The position of the first (asc) or last (!asc) element of [a, b] equal
 * to v after skipping `skip` of them: 1 with *pos, 0 if none (or failure). */
static int find_first(sq_engine *s, int64_t kid, int64_t a, int64_t b, ak_slice v, int asc,
                      int64_t skip, int64_t *pos)
{
    sqlite3_stmt *st = sq_prep(s, asc ? SQL_FIND_ASC : SQL_FIND_DESC);
    sqlite3_bind_int64(st, 1, kid);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    sqlite3_bind_int64(st, 4, 1);
    sqlite3_bind_int64(st, 5, skip);
    sq_bind_slice(st, 6, v);
    int found = sq_step(s, st) == SQLITE_ROW;
    if (found)
        *pos = sqlite3_column_int64(st, 0);
    sq_reset(st);
    return found;
}

static int list_insert(ak_engine *e, int db, ak_slice key, int after, ak_slice pivot,
                       ak_slice val, long long *len)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t p;
    *len = -1;
    if (!find_first(s, k.id, k.lo, k.hi, pivot, 1, 0, &p))
        return AK_OK;
    /* i elements go before the new one; the cheaper side moves. */
    int64_t i = p - k.lo + (after ? 1 : 0), pos;
    sq_wrote(s);
    if (cheaper_down(i, k.count - i)) {
        /* [lo, lo + i - 1] down by one, parked below lo - 1. */
        if (move_run(s, k.id, k.lo, k.lo + i - 1, -1, k.lo - i - 1) != AK_OK)
            return AK_OK;
        pos = k.lo + i - 1;
        k.lo--;
    } else {
        /* [lo + i, hi] up by one, parked above hi + 1. */
        if (move_run(s, k.id, k.lo + i, k.hi, +1, k.hi + 2) != AK_OK)
            return AK_OK;
        pos = k.lo + i;
        k.hi++;
    }
    sqlite3_stmt *st = sq_prep(s, SQL_INSERT);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, pos);
    sq_bind_slice(st, 3, val);
    if (sq_run(s, st) != AK_OK)
        return AK_OK;
    k.count++;
    sq_key_save(s, &k);
    *len = k.count;
    return AK_OK;
}

static int list_rem(ak_engine *e, int db, ak_slice key, long long count, ak_slice val,
                    size_t *removed)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *removed = 0;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    /* Which matches go: the first |count| from the chosen end, all for 0.
     * They are exactly the matches between the first and the last of them. */
    int64_t limit = count == 0 ? -1 : count > 0 ? count : (int64_t)(-(unsigned long long)count);
    if (limit < 0 && count != 0) /* -LLONG_MIN */
        limit = -1;
    sqlite3_stmt *st = sq_prep(s, count >= 0 ? SQL_MATCHES_ASC : SQL_MATCHES_DESC);
    sqlite3_bind_int64(st, 1, k.id);
    sq_bind_slice(st, 2, val);
    sqlite3_bind_int64(st, 3, limit);
    int64_t m = 0, first = 0, last = 0;
    if (sq_step(s, st) == SQLITE_ROW) {
        m = sqlite3_column_int64(st, 0);
        first = sqlite3_column_int64(st, 1);
        last = sqlite3_column_int64(st, 2);
    }
    sq_reset(st);
    if (m == 0)
        return AK_OK;
    sq_wrote(s);
    if (m == k.count) { /* every element matched */
        *removed = (size_t)m;
        sq_key_delete(s, &k);
        return AK_OK;
    }
    st = sq_prep(s, SQL_DELETE_MATCHES);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, first);
    sqlite3_bind_int64(st, 3, last);
    sq_bind_slice(st, 4, val);
    if (sq_run(s, st) != AK_OK)
        return AK_OK;
    if (m == 1) {
        /* One gap at index i: the cheaper side closes it. */
        int64_t i = first - k.lo;
        if (cheaper_down(k.count - 1 - i, i)) {
            if (move_run(s, k.id, first + 1, k.hi, -1, k.lo - (k.hi - first) - 1) != AK_OK)
                return AK_OK;
            k.hi--;
        } else {
            if (move_run(s, k.id, k.lo, first - 1, +1, k.hi + 1) != AK_OK)
                return AK_OK;
            k.lo++;
        }
        k.count--;
        *removed = 1;
        sq_key_save(s, &k);
        return AK_OK;
    }
    /* Close the gaps on the side with fewer rows to move: the rows after
     * `first` move down (lo stays), or the rows before `last` move up (hi
     * stays). Both renumber through the free range beyond the list's end
     * and then shift back into place. */
    int64_t moved; /* rows that move */
    if (k.hi - first <= last - k.lo) {
        moved = k.hi - first - (m - 1);
        if (moved > 0) {
            st = sq_prep(s, SQL_PACK_AFTER);
            sqlite3_bind_int64(st, 1, k.id);
            sqlite3_bind_int64(st, 2, first);
            sqlite3_bind_int64(st, 3, k.hi);
            if (sq_run(s, st) != AK_OK ||
                shift(s, k.id, k.hi + 1, k.hi + moved, first - 1 - k.hi) != AK_OK)
                return AK_OK;
        }
        k.hi -= m;
    } else {
        moved = last - k.lo - (m - 1);
        if (moved > 0) {
            st = sq_prep(s, SQL_PACK_BEFORE);
            sqlite3_bind_int64(st, 1, k.id);
            sqlite3_bind_int64(st, 2, last);
            sqlite3_bind_int64(st, 3, k.lo);
            if (sq_run(s, st) != AK_OK ||
                shift(s, k.id, k.lo - moved, k.lo - 1, last + 1 - k.lo) != AK_OK)
                return AK_OK;
        }
        k.lo += m;
    }
    k.count -= m;
    *removed = (size_t)m;
    sq_key_save(s, &k);
    return AK_OK;
}

static int list_trim(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                     size_t *removed)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *removed = 0;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    int64_t from, n;
    if (!resolve(start, stop, k.count, &from, &n)) {
        sq_wrote(s);
        *removed = (size_t)k.count;
        sq_key_delete(s, &k);
        return AK_OK;
    }
    if (n == k.count)
        return AK_OK;
    sq_wrote(s);
    int64_t lo = k.lo + from, hi = lo + n - 1;
    if (lo > k.lo && run_range(s, SQL_DELETE_RANGE, k.id, k.lo, lo - 1) != AK_OK)
        return AK_OK;
    if (hi < k.hi && run_range(s, SQL_DELETE_RANGE, k.id, hi + 1, k.hi) != AK_OK)
        return AK_OK;
    *removed = (size_t)(k.count - n);
    k.lo = lo;
    k.hi = hi;
    k.count = n;
    sq_key_save(s, &k);
    return AK_OK;
}

/* ---------------------------------------------------------------- LPOS */

static int list_pos(ak_engine *e, int db, ak_slice key, ak_slice elem, long long rank,
                    size_t count, size_t maxlen, ak_index_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = get_list(s, db, key, &k);
    if (rc != AK_OK || k.count == 0 || rank == 0)
        return rc;
    int asc = rank > 0;
    /* -rank - 1 without overflow, also for LLONG_MIN. */
    int64_t skip = asc ? rank - 1 : (int64_t)(-(unsigned long long)rank - 1);
    int64_t span = maxlen == 0 || maxlen > (uint64_t)k.count ? k.count : (int64_t)maxlen;
    int64_t a = asc ? k.lo : k.hi - span + 1;
    int64_t b = asc ? k.lo + span - 1 : k.hi;
    int64_t limit = count == 0 || count > INT64_MAX ? -1 : (int64_t)count;
    sqlite3_stmt *st = sq_prep(s, asc ? SQL_FIND_ASC : SQL_FIND_DESC);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    sqlite3_bind_int64(st, 4, limit);
    sqlite3_bind_int64(st, 5, skip);
    sq_bind_slice(st, 6, elem);
    while (sq_step(s, st) == SQLITE_ROW)
        fn(ctx, (long long)(sqlite3_column_int64(st, 0) - k.lo));
    sq_reset(st);
    return AK_OK;
}

/* ---------------------------------------------------------------- table */

const struct ak_list_ops sq_list_ops = {
    .push = list_push,
    .pop = list_pop,
    .len = list_len,
    .range = list_range,
    .index = list_index,
    .set = list_set,
    .insert = list_insert,
    .rem = list_rem,
    .trim = list_trim,
    .pos = list_pos,
};
