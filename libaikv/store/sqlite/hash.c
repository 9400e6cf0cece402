/*
 * hash.c -- hash values of the SQLite engine (store/hash.h), one row per
 * field:
 *
 *   hash_fields(kid, field, value, seq)  PRIMARY KEY (kid, field), WITHOUT
 *                                        ROWID; index (kid, seq)
 *
 * A new field takes seq = k.hi and k.hi moves on; updating a field keeps its
 * seq. So seq order is the order in which the fields were first set, which
 * is what Redis's listpack keeps: HGETALL of a listpack-encoded hash reads in
 * seq order, and every later seq belongs to a later field (seqs are never
 * reused, even after an HDEL). Because (kid, seq) is indexed and the primary
 * key rides in every index of a WITHOUT ROWID table, that index also covers
 * `field`: HKEYS in seq order and seq lookups read the index alone.
 *
 * Encodings (OBJECT ENCODING) copy store/mem/hash.c exactly, but they are
 * only a label here: the rows are the same for both. A new hash is
 * LISTPACK; a write of a pair (a new field, or an update without NX)
 * converts it to HASHTABLE when the field or the value is longer than
 * hash-max-listpack-value, when the listpack would pass 1 GiB (estimated,
 * see lp_would_overflow), or when the hash then has more than
 * hash-max-listpack-entries fields. Never back. The thresholds are read from
 * e->cfg at every write.
 *
 * Cost of each operation (n = fields of the hash, m = fields named or
 * handed out):
 *   HSET/HSETNX/HINCRBY*  one UPSERT per pair: O(m log n)
 *   HGET/HEXISTS/HSTRLEN  one primary-key lookup: O(log n)
 *   HMGET/HDEL            one lookup/delete per field: O(m log n)
 *   HLEN                  the count in the key row: O(1)
 *   HGETALL/HKEYS/HVALS   hashtable: one range of the primary key, O(n);
 *                         listpack: the seq index's range and, for values,
 *                         a primary-key lookup per field (O(n log n) on at
 *                         most hash-max-listpack-entries fields)
 *   HSCAN                 listpack: everything, as above; hashtable: a range
 *                         of the seq index from the cursor plus a lookup per
 *                         pair for its value: O(count log n)
 *   HRANDFIELD            O(m log n) while few fields were deleted, else
 *                         O(n) (index only) plus O(m log n): see its section
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../../util/num.h"
#include "../hash.h"
#include "sqlite.h"

/* A listpack never grows past this (Redis's LISTPACK_MAX_SAFETY_SIZE). */
#define LP_SAFETY_SIZE (1u << 30)

/* ---------------------------------------------------------------- statements */

static const char SQL_VALUE[] = "SELECT value FROM hash_fields WHERE kid = ?1 AND field = ?2";
static const char SQL_VALUE_LEN[] =
    "SELECT length(value) FROM hash_fields WHERE kid = ?1 AND field = ?2";
/* RETURNING seq tells a created field (seq = the one offered) from an
 * updated one (its old seq, always smaller), in one statement. */
static const char SQL_UPSERT[] = "INSERT INTO hash_fields (kid, field, value, seq) "
                                 "VALUES (?1, ?2, ?3, ?4) "
                                 "ON CONFLICT (kid, field) DO UPDATE SET value = excluded.value "
                                 "RETURNING seq";
static const char SQL_INSERT_NX[] = "INSERT INTO hash_fields (kid, field, value, seq) "
                                    "VALUES (?1, ?2, ?3, ?4) "
                                    "ON CONFLICT (kid, field) DO NOTHING";
static const char SQL_DELETE[] = "DELETE FROM hash_fields WHERE kid = ?1 AND field = ?2";
static const char SQL_ALL_SEQ[] =
    "SELECT field, value FROM hash_fields WHERE kid = ?1 ORDER BY seq";
static const char SQL_FIELDS_SEQ[] = "SELECT field FROM hash_fields WHERE kid = ?1 ORDER BY seq";
/* Hashtable: any order will do, so the clustered primary key's. The ORDER
 * BY is free (no sort) and keeps HKEYS in HGETALL's order: without it the
 * planner reads fields-only from the covering seq index instead. */
static const char SQL_ALL_PK[] =
    "SELECT field, value FROM hash_fields WHERE kid = ?1 ORDER BY field";
static const char SQL_FIELDS_PK[] = "SELECT field FROM hash_fields WHERE kid = ?1 ORDER BY field";
/* Lookups by seq name the index: without statistics the planner prefers a
 * scan of the primary key's (kid = ?) range for `seq = ?`, which is O(n). */
static const char SQL_SCAN[] = "SELECT field, value, seq FROM hash_fields INDEXED BY hash_order "
                               "WHERE kid = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3";
static const char SQL_AT_SEQ[] =
    "SELECT field, value FROM hash_fields INDEXED BY hash_order WHERE kid = ?1 AND seq = ?2";
static const char SQL_FIELD_AT_SEQ[] =
    "SELECT field FROM hash_fields INDEXED BY hash_order WHERE kid = ?1 AND seq = ?2";
static const char SQL_SEQS[] =
    "SELECT seq FROM hash_fields INDEXED BY hash_order WHERE kid = ?1 ORDER BY seq";
static const char SQL_LP_BYTES[] =
    "SELECT total(length(field) + length(value)) FROM hash_fields WHERE kid = ?1";

/* ---------------------------------------------------------------- helpers */

static const ak_slice NONE = {NULL, 0};  /* a missing field's value */
static const ak_slice EMPTY = {"", 0};   /* an unwanted half of a pair */

static int hash_key(sq_engine *s, int db, ak_slice key, sq_key *k)
{
    return sq_key_get(s, db, key, AIKV_TYPE_HASH, k);
}

/* A present value that stays valid until the next engine call: never a NULL
 * pointer, even when empty. */
static ak_slice keep_value(sq_engine *s, ak_slice v)
{
    if (v.len == 0)
        return EMPTY;
    return sq_keep(s, 0, v);
}

/* Whether a listpack holding the hash's pairs plus (f, v) could pass
 * LP_SAFETY_SIZE, as mem's fit_pair asks lp_bytes(). The listpack does not
 * exist here, so its size is estimated: the bytes of every field and value
 * plus 9 bytes of entry header and back-length each (what a long entry
 * takes) and the 7-byte frame. Only a configuration whose limits allow a
 * listpack near 1 GiB pays for the O(n) sum; with the defaults (512 x 64
 * bytes) the bound answers at once. (The bound assumes the stored pairs are
 * within today's hash-max-listpack-value: after lowering it, a listpack near
 * 1 GiB built under the old limit could be missed; and like any estimate
 * this may convert a little before or after the memory engine would.) */
static int lp_would_overflow(sq_engine *s, const sq_key *k, ak_slice f, ak_slice v, int *err)
{
    uint64_t maxv = (uint64_t)s->base.cfg->hash_max_listpack_value;
    if (maxv < LP_SAFETY_SIZE) {
        uint64_t per_pair = 2 * maxv + 2 * 9;
        if ((uint64_t)k->count + 1 <= (LP_SAFETY_SIZE - 64) / per_pair)
            return 0;
    }
    sqlite3_stmt *st = sq_prep(s, SQL_LP_BYTES);
    sqlite3_bind_int64(st, 1, k->id);
    double bytes = 0;
    int rc = sq_step(s, st);
    if (rc == SQLITE_ROW)
        bytes = sqlite3_column_double(st, 0);
    else
        *err = sq_fail(s, rc);
    sq_reset(st);
    bytes += 18.0 * (double)k->count + 7;
    return bytes + (double)f.len + (double)v.len + 32 > (double)LP_SAFETY_SIZE;
}

/* Writes one pair (nx: only if the field is new). *created = 1 for a new
 * field. Applies the listpack limits to a pair that was written, as mem's
 * set_pair: the lengths first, then the count (after an update too, so that
 * a lowered threshold applies at the next write). k's count, hi and enc
 * change; the caller saves k. AK_OK or the AIKV_* error. */
static int write_pair(sq_engine *s, sq_key *k, ak_slice f, ak_slice v, int nx, int *created)
{
    const ak_config *cfg = s->base.cfg;
    int too_long = 0, err = AK_OK;
    *created = 0;
    if (k->enc == AK_ENC_LISTPACK)
        too_long = (long long)f.len > cfg->hash_max_listpack_value ||
                   (long long)v.len > cfg->hash_max_listpack_value ||
                   lp_would_overflow(s, k, f, v, &err);
    if (err != AK_OK)
        return err;

    sqlite3_stmt *st = sq_prep(s, nx ? SQL_INSERT_NX : SQL_UPSERT);
    sqlite3_bind_int64(st, 1, k->id);
    sq_bind_slice(st, 2, f);
    sq_bind_slice(st, 3, v);
    sqlite3_bind_int64(st, 4, k->hi);
    int written;
    if (nx) {
        int rc = sq_run(s, st);
        if (rc != AK_OK)
            return rc;
        written = *created = sqlite3_changes(s->db) > 0;
    } else {
        int rc = sq_step(s, st);
        if (rc != SQLITE_ROW) {
            sq_reset(st);
            return sq_fail(s, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc);
        }
        *created = sqlite3_column_int64(st, 0) == k->hi;
        written = 1;
        sq_reset(st);
    }
    if (*created) {
        k->count++;
        k->hi++;
    }
    if (written && k->enc == AK_ENC_LISTPACK &&
        (too_long || k->count > cfg->hash_max_listpack_entries))
        k->enc = AK_ENC_HASHTABLE;
    return AK_OK;
}

/* Calls fn for every pair of the hash in the encoding's order (seq order
 * for a listpack, as its insertion order; primary-key order otherwise). */
static void each_pair(sq_engine *s, const sq_key *k, int values, ak_pair_fn fn, void *ctx)
{
    const char *sql;
    if (k->enc == AK_ENC_LISTPACK)
        sql = values ? SQL_ALL_SEQ : SQL_FIELDS_SEQ;
    else
        sql = values ? SQL_ALL_PK : SQL_FIELDS_PK;
    sqlite3_stmt *st = sq_prep(s, sql);
    sqlite3_bind_int64(st, 1, k->id);
    /* Bounded by the rows of one key. */
    while (sq_step(s, st) == SQLITE_ROW)
        fn(ctx, sq_column_slice(st, 0), values ? sq_column_slice(st, 1) : EMPTY);
    sq_reset(st);
}

/* ---------------------------------------------------------------- operations */

static int sq_hash_set(ak_engine *e, int db, ak_slice key, const ak_slice *fv, size_t npairs,
                       int nx, size_t *added)
{
    sq_engine *s = SQ(e);
    sq_key k;
    if (added)
        *added = 0;
    int rc = hash_key(s, db, key, &k);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (npairs == 0) /* never create an empty hash */
        return AK_OK;
    if (rc == AK_NOTFOUND && sq_key_create(s, db, key, AIKV_TYPE_HASH, AK_ENC_LISTPACK, &k) != AK_OK)
        return AK_OK; /* recorded: the core rolls back */
    sq_wrote(s);
    size_t n = 0;
    for (size_t i = 0; i < npairs; i++) {
        int created;
        if (write_pair(s, &k, fv[2 * i], fv[2 * i + 1], nx, &created) != AK_OK)
            return AK_OK;
        n += (size_t)created;
    }
    if (sq_key_save(s, &k) != AK_OK)
        return AK_OK;
    if (added)
        *added = n;
    return AK_OK;
}

static int sq_hash_get(ak_engine *e, int db, ak_slice key, ak_slice field, ak_slice *val)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *val = NONE;
    int rc = hash_key(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    sqlite3_stmt *st = sq_prep(s, SQL_VALUE);
    sqlite3_bind_int64(st, 1, k.id);
    sq_bind_slice(st, 2, field);
    if (sq_step(s, st) == SQLITE_ROW)
        *val = keep_value(s, sq_column_slice(st, 0));
    sq_reset(st);
    return AK_OK;
}

static int sq_hash_mget(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
                        ak_pair_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = hash_key(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    sqlite3_stmt *st = sq_prep(s, SQL_VALUE);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_slice(st, 2, fields[i]);
        if (sq_step(s, st) == SQLITE_ROW)
            fn(ctx, fields[i], sq_column_slice(st, 0));
        else
            fn(ctx, fields[i], NONE);
        sq_reset(st);
    }
    return AK_OK;
}

static int sq_hash_del(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
                       size_t *deleted)
{
    sq_engine *s = SQ(e);
    sq_key k;
    size_t gone = 0;
    if (deleted)
        *deleted = 0;
    int rc = hash_key(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    sqlite3_stmt *st = sq_prep(s, SQL_DELETE);
    for (size_t i = 0; i < n && k.count > 0; i++) {
        sqlite3_bind_int64(st, 1, k.id);
        sq_bind_slice(st, 2, fields[i]);
        if (sq_run(s, st) != AK_OK)
            return AK_OK;
        if (sqlite3_changes(s->db) > 0) {
            gone++;
            k.count--;
        }
    }
    if (gone) {
        sq_wrote(s);
        if ((k.count == 0 ? sq_key_delete(s, &k) : sq_key_save(s, &k)) != AK_OK)
            return AK_OK;
    }
    if (deleted)
        *deleted = gone;
    return AK_OK;
}

/* The value's length into *len; 1 if the field exists. */
static int value_len(sq_engine *s, const sq_key *k, ak_slice field, size_t *len)
{
    sqlite3_stmt *st = sq_prep(s, SQL_VALUE_LEN);
    sqlite3_bind_int64(st, 1, k->id);
    sq_bind_slice(st, 2, field);
    int found = sq_step(s, st) == SQLITE_ROW;
    *len = found ? (size_t)sqlite3_column_int64(st, 0) : 0;
    sq_reset(st);
    return found;
}

static int sq_hash_exists(ak_engine *e, int db, ak_slice key, ak_slice field, int *exists)
{
    sq_engine *s = SQ(e);
    sq_key k;
    size_t len;
    *exists = 0;
    int rc = hash_key(s, db, key, &k);
    if (rc == AK_OK)
        *exists = value_len(s, &k, field, &len);
    return rc;
}

static int sq_hash_len(ak_engine *e, int db, ak_slice key, uint64_t *n)
{
    sq_key k;
    int rc = hash_key(SQ(e), db, key, &k);
    *n = rc == AK_OK ? (uint64_t)k.count : 0;
    return rc;
}

static int sq_hash_strlen(ak_engine *e, int db, ak_slice key, ak_slice field, size_t *len)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *len = 0;
    int rc = hash_key(s, db, key, &k);
    if (rc == AK_OK)
        value_len(s, &k, field, len);
    return rc;
}

static int sq_hash_getall(ak_engine *e, int db, ak_slice key, unsigned what, ak_pair_fn fn,
                          void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = hash_key(s, db, key, &k);
    if (rc == AK_OK)
        each_pair(s, &k, (what & AK_HASH_VALUES) != 0, fn, ctx);
    return rc;
}

/* ---------------------------------------------------------------- HINCRBY HINCRBYFLOAT */

/* Redis's rules, as mem/hash.c: the key's type first, then the current
 * value (0 when the key or the field is missing); nothing is created until
 * the new value is known to be good. */

/* Reads the field into *num through parse(); *k gets the key (k->id 0 when
 * missing). AK_OK, AK_WRONGTYPE, AIKV_NOTNUM, or a storage error. */
typedef int (*parse_fn)(const char *p, size_t len, void *out);

static int parse_ll(const char *p, size_t len, void *out)
{
    return ak_str2ll(p, len, out);
}

static int parse_ld(const char *p, size_t len, void *out)
{
    return ak_str2ld(p, len, out);
}

static int number_field(sq_engine *s, int db, ak_slice key, ak_slice field, sq_key *k,
                        parse_fn parse, void *num)
{
    int rc = hash_key(s, db, key, k);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (rc == AK_NOTFOUND) {
        k->id = 0;
        return AK_OK;
    }
    sqlite3_stmt *st = sq_prep(s, SQL_VALUE);
    sqlite3_bind_int64(st, 1, k->id);
    sq_bind_slice(st, 2, field);
    int step = sq_step(s, st);
    rc = AK_OK;
    if (step == SQLITE_ROW) {
        ak_slice v = sq_column_slice(st, 0);
        if (!parse(v.p, v.len, num))
            rc = AIKV_NOTNUM;
    } else if (step != SQLITE_DONE) {
        rc = sq_fail(s, step);
    }
    sq_reset(st);
    return rc;
}

/* Writes the new text of a HINCRBY* field, creating the key if needed. */
static int store_number(sq_engine *s, int db, ak_slice key, sq_key *k, ak_slice field,
                        ak_slice text)
{
    int rc, created;
    if (k->id == 0 && (rc = sq_key_create(s, db, key, AIKV_TYPE_HASH, AK_ENC_LISTPACK, k)) != AK_OK)
        return rc;
    sq_wrote(s);
    if ((rc = write_pair(s, k, field, text, 0, &created)) != AK_OK)
        return rc;
    return sq_key_save(s, k);
}

static int sq_hash_incrby(ak_engine *e, int db, ak_slice key, ak_slice field, long long by,
                          long long *result)
{
    sq_engine *s = SQ(e);
    sq_key k;
    long long cur = 0;
    int rc = number_field(s, db, key, field, &k, parse_ll, &cur);
    if (rc != AK_OK)
        return rc;
    if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) || (by > 0 && cur > 0 && by > LLONG_MAX - cur))
        return AIKV_OVERFLOW;
    cur += by;
    char buf[24];
    size_t n = ak_ll2str(buf, sizeof buf, cur);
    if ((rc = store_number(s, db, key, &k, field, ak_slice_of(buf, n))) != AK_OK)
        return rc;
    *result = cur;
    return AK_OK;
}

static int sq_hash_incrbyfloat(ak_engine *e, int db, ak_slice key, ak_slice field,
                               long double by, char *buf, size_t *len)
{
    sq_engine *s = SQ(e);
    sq_key k;
    long double cur = 0;
    int rc = number_field(s, db, key, field, &k, parse_ld, &cur);
    if (rc != AK_OK)
        return rc;
    cur += by;
    if (isnan(cur) || isinf(cur))
        return AIKV_RANGE;
    *len = ak_ld2str(buf, AK_LD_STR_CAP, cur, 1);
    return store_number(s, db, key, &k, field, ak_slice_of(buf, *len));
}

/* ---------------------------------------------------------------- HRANDFIELD */

/*
 * Uniform picks without reading the whole hash. Seqs are unique per hash
 * and lie in [0, k.hi), so a random seq looked up through the (kid, seq)
 * index, and drawn again when it is a hole (a deleted field's), is a
 * uniform pick among the live fields: O(log n) per try, k.hi / count tries
 * expected. When HDELs have left many holes, reading every live seq once
 * (the index alone, sequentially: far cheaper per row than a lookup) and
 * picking from that array costs less; reject_cheaper() weighs the two for
 * the number of picks wanted. As mem/hash.c and Redis:
 *   - count < 0: -count independent picks;
 *   - count >= HLEN: every pair, in the encoding's order;
 *   - a listpack: one pass of selection sampling in seq order (Redis's
 *     lpRandomPairsUnique hands out listpack order too);
 *   - otherwise distinct picks, in random order.
 */

/* A seq lookup costs about this many sequential index rows (measured:
 * ~5 us against ~0.15 us on a hash larger than the page cache). */
#define LOOKUP_COST 32

static uint64_t rand_below(sq_engine *s, uint64_t n)
{
    return n ? sq_rand(s) % n : 0;
}

static int reject_cheaper(const sq_key *k, uint64_t picks)
{
    double tries = (double)k->hi / (double)k->count;
    return (double)picks * tries * LOOKUP_COST <
           (double)k->count + (double)picks * LOOKUP_COST;
}

/* Draws allowed for one pick before giving up on rejection: the chance of
 * running out is (1 - count/hi)^budget, below 1e-27. */
static uint64_t pick_budget(const sq_key *k)
{
    return 64 * (uint64_t)((k->hi + k->count - 1) / k->count);
}

/* Hands out the pair with this seq: 1, 0 if there is none, -1 after a
 * storage failure (recorded). */
static int emit_seq(sq_engine *s, const sq_key *k, int64_t seq, int withvalues, ak_pair_fn fn,
                    void *ctx)
{
    sqlite3_stmt *st = sq_prep(s, withvalues ? SQL_AT_SEQ : SQL_FIELD_AT_SEQ);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int64(st, 2, seq);
    int rc = sq_step(s, st), found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (found > 0)
        fn(ctx, sq_column_slice(st, 0), withvalues ? sq_column_slice(st, 1) : EMPTY);
    sq_reset(st);
    return found;
}

/* The live seqs in order: exactly k->count of them, or NULL after a
 * storage failure (recorded). */
static int64_t *load_seqs(sq_engine *s, const sq_key *k)
{
    int64_t *seqs = ak_malloc((size_t)k->count * sizeof *seqs);
    sqlite3_stmt *st = sq_prep(s, SQL_SEQS);
    sqlite3_bind_int64(st, 1, k->id);
    int64_t i = 0;
    int rc = SQLITE_DONE;
    while (i < k->count && (rc = sq_step(s, st)) == SQLITE_ROW)
        seqs[i++] = sqlite3_column_int64(st, 0);
    sq_reset(st);
    if (i != k->count) { /* a storage failure, or a count that lies */
        sq_fail(s, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
        ak_free(seqs);
        return NULL;
    }
    return seqs;
}

/* One pick by rejection: 1, 0 if the budget ran out, -1 after a storage
 * failure. */
static int reject_pick(sq_engine *s, const sq_key *k, int withvalues, ak_pair_fn fn, void *ctx)
{
    uint64_t budget = pick_budget(k);
    for (uint64_t t = 0; t < budget; t++) {
        int found = emit_seq(s, k, (int64_t)rand_below(s, (uint64_t)k->hi), withvalues, fn, ctx);
        if (found)
            return found;
    }
    return 0;
}

/* n picks with repetitions, in random order. */
static void rand_repeated(sq_engine *s, const sq_key *k, uint64_t n, int withvalues,
                          ak_pair_fn fn, void *ctx)
{
    if (reject_cheaper(k, n)) {
        for (; n > 0; n--) {
            int found = reject_pick(s, k, withvalues, fn, ctx);
            if (found < 0)
                return;
            if (found == 0)
                break; /* unlucky: finish from the array */
        }
        if (n == 0)
            return;
    }
    int64_t *seqs = load_seqs(s, k);
    if (!seqs)
        return;
    for (uint64_t j = 0; j < n; j++)
        if (emit_seq(s, k, seqs[rand_below(s, (uint64_t)k->count)], withvalues, fn, ctx) < 0)
            break;
    ak_free(seqs);
}

/* n < count distinct fields of a listpack in seq order: Knuth's algorithm S
 * over one pass of the rows. */
static void rand_distinct_ordered(sq_engine *s, const sq_key *k, uint64_t n, int withvalues,
                                  ak_pair_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_prep(s, withvalues ? SQL_ALL_SEQ : SQL_FIELDS_SEQ);
    sqlite3_bind_int64(st, 1, k->id);
    uint64_t size = (uint64_t)k->count, left = n;
    for (uint64_t j = 0; j < size && left && sq_step(s, st) == SQLITE_ROW; j++) {
        if (rand_below(s, size - j) < left) {
            fn(ctx, sq_column_slice(st, 0), withvalues ? sq_column_slice(st, 1) : EMPTY);
            left--;
        }
    }
    sq_reset(st);
}

/* n < count distinct fields of a hashtable, in random order. */
static void rand_distinct(sq_engine *s, const sq_key *k, uint64_t n, int withvalues,
                          ak_pair_fn fn, void *ctx)
{
    uint64_t size = (uint64_t)k->count;
    if (n * 3 <= size && reject_cheaper(k, n)) {
        /* Few of many: random seqs, duplicates dropped through an
         * open-addressing set of the seqs handed out (load <= 1/2; at most
         * a third of the draws of live seqs repeat one). The draws are
         * bounded: running out (p < 1e-27) hands out fewer fields. */
        uint64_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        int64_t *seen = ak_malloc((size_t)cap * sizeof *seen);
        for (uint64_t i = 0; i < cap; i++)
            seen[i] = -1;
        uint64_t got = 0, tries = 0, max_tries = n * 2 * pick_budget(k);
        while (got < n && tries++ < max_tries) {
            int64_t seq = (int64_t)rand_below(s, (uint64_t)k->hi);
            uint64_t i = ((uint64_t)seq * 0x9e3779b97f4a7c15ULL) & (cap - 1);
            while (seen[i] >= 0 && seen[i] != seq)
                i = (i + 1) & (cap - 1);
            if (seen[i] == seq)
                continue;
            int found = emit_seq(s, k, seq, withvalues, fn, ctx);
            if (found < 0)
                break;
            if (found) {
                seen[i] = seq;
                got++;
            }
        }
        ak_free(seen);
        return;
    }
    /* Many of them, or a hash with many holes: a partial Fisher-Yates
     * shuffle of the live seqs. */
    int64_t *seqs = load_seqs(s, k);
    if (!seqs)
        return;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t j = i + rand_below(s, size - i);
        int64_t t = seqs[i];
        seqs[i] = seqs[j];
        seqs[j] = t;
        if (emit_seq(s, k, seqs[i], withvalues, fn, ctx) < 0)
            break;
    }
    ak_free(seqs);
}

static int sq_hash_randfield(ak_engine *e, int db, ak_slice key, long long count, int withvalues,
                             ak_pair_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = hash_key(s, db, key, &k);
    if (rc != AK_OK || count == 0)
        return rc;
    uint64_t size = (uint64_t)k.count;
    int uniq = count > 0;
    uint64_t n = uniq ? (uint64_t)count : (uint64_t)0 - (uint64_t)count;
    if (!uniq)
        rand_repeated(s, &k, n, withvalues, fn, ctx);
    else if (n >= size)
        each_pair(s, &k, withvalues, fn, ctx);
    else if (k.enc == AK_ENC_LISTPACK)
        rand_distinct_ordered(s, &k, n, withvalues, fn, ctx);
    else
        rand_distinct(s, &k, n, withvalues, fn, ctx);
    return AK_OK;
}

/* ---------------------------------------------------------------- HSCAN */

/* A listpack hands out everything at once, as Redis. A hashtable pages
 * through the seq index: the cursor is the next seq to visit. Fields keep
 * their seq when updated and new ones take larger seqs, so a field present
 * from the first call to the last is handed out exactly once (Redis
 * promises at least once); a field added meanwhile may or may not be. */
static int sq_hash_scan(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                        ak_pair_fn fn, void *ctx, uint64_t *next)
{
    sq_engine *s = SQ(e);
    sq_key k;
    *next = 0;
    int rc = hash_key(s, db, key, &k);
    if (rc != AK_OK)
        return rc;
    if (k.enc == AK_ENC_LISTPACK) {
        each_pair(s, &k, 1, fn, ctx);
        return AK_OK;
    }
    if (cursor >= (uint64_t)k.hi)
        return AK_OK;
    /* count is in items, two per pair. */
    uint64_t pairs = (uint64_t)(count / 2 + (count & 1));
    if (pairs == 0)
        pairs = 1;
    if (pairs > INT64_MAX)
        pairs = INT64_MAX;
    sqlite3_stmt *st = sq_prep(s, SQL_SCAN);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int64(st, 2, (int64_t)cursor);
    sqlite3_bind_int64(st, 3, (int64_t)pairs);
    uint64_t got = 0;
    int64_t last = -1;
    while (sq_step(s, st) == SQLITE_ROW) {
        fn(ctx, sq_column_slice(st, 0), sq_column_slice(st, 1));
        last = sqlite3_column_int64(st, 2);
        got++;
    }
    sq_reset(st);
    if (got == pairs && last + 1 < k.hi)
        *next = (uint64_t)last + 1;
    return AK_OK;
}

const struct ak_hash_ops sq_hash_ops = {
    .set = sq_hash_set,
    .get = sq_hash_get,
    .mget = sq_hash_mget,
    .del = sq_hash_del,
    .exists = sq_hash_exists,
    .len = sq_hash_len,
    .strlen = sq_hash_strlen,
    .getall = sq_hash_getall,
    .incrby = sq_hash_incrby,
    .incrbyfloat = sq_hash_incrbyfloat,
    .randfield = sq_hash_randfield,
    .scan = sq_hash_scan,
};
