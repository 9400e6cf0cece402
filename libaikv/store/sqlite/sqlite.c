/*
 * sqlite.c -- the SQLite engine: the file, its schema, statements,
 * transactions, the keyspace and string values. The collection types live
 * in list.c, hash.c, set.c and zset.c (see sqlite.h for the shared rules,
 * docs/storage.md for the schema as a user reads it).
 *
 * A key is a row of `keys`; a string's bytes are in that row (one B-tree
 * descent for GET), a collection's elements in its type's table under the
 * key's row id. Row ids are AUTOINCREMENT so that an id is never reused:
 * the elements of a deleted large collection are removed in the
 * background (the `trash` table lists them) and must never surface in a
 * new key that happened to get the same id.
 */
#include "sqlite.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../util/alloc.h"
#include "../../util/clock.h"
#include "../../util/num.h"

#define APPLICATION_ID 0x41694b76 /* "AiKv" */
/* Collections with more elements than this are deleted in the background. */
#define PURGE_INLINE 1000
#define PURGE_CHUNK 2000
#define EXPIRE_BATCH 20

static const char SCHEMA[] =
    "CREATE TABLE keys("
    "  id     INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  db     INTEGER NOT NULL,"
    "  key    BLOB NOT NULL,"
    "  type   INTEGER NOT NULL,"
    "  enc    INTEGER NOT NULL,"
    "  expire INTEGER,"
    "  count  INTEGER NOT NULL DEFAULT 0,"
    "  lo     INTEGER NOT NULL DEFAULT 0,"
    "  hi     INTEGER NOT NULL DEFAULT 0,"
    "  atime  INTEGER NOT NULL DEFAULT 0,"
    "  value  BLOB);"
    "CREATE UNIQUE INDEX keys_name ON keys(db, key);"
    "CREATE INDEX keys_expire ON keys(expire) WHERE expire IS NOT NULL;"
    "CREATE TABLE list_items(kid INTEGER NOT NULL, pos INTEGER NOT NULL, value BLOB NOT NULL,"
    "  PRIMARY KEY(kid, pos)) WITHOUT ROWID;"
    "CREATE TABLE hash_fields(kid INTEGER NOT NULL, field BLOB NOT NULL, value BLOB NOT NULL,"
    "  seq INTEGER NOT NULL, PRIMARY KEY(kid, field)) WITHOUT ROWID;"
    "CREATE INDEX hash_order ON hash_fields(kid, seq);"
    "CREATE TABLE set_members(kid INTEGER NOT NULL, member NOT NULL,"
    "  PRIMARY KEY(kid, member)) WITHOUT ROWID;"
    "CREATE TABLE zset_members(kid INTEGER NOT NULL, member BLOB NOT NULL, score NOT NULL,"
    "  PRIMARY KEY(kid, member)) WITHOUT ROWID;"
    "CREATE INDEX zset_order ON zset_members(kid, score, member);"
    "CREATE TABLE trash(kid INTEGER PRIMARY KEY, type INTEGER NOT NULL);"
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE functions(name BLOB PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta VALUES('format', 'aikv');";

/* The element table of each collection type, and its second key column. */
typedef struct elem_table {
    const char *purge, *copy;
} elem_table;

static const elem_table *elem_table_of(int type)
{
    static const elem_table list = {
        "DELETE FROM list_items WHERE kid = ?1 AND pos IN "
        "(SELECT pos FROM list_items WHERE kid = ?1 LIMIT ?2)",
        "INSERT INTO list_items(kid, pos, value) SELECT ?2, pos, value FROM list_items WHERE kid = ?1"};
    static const elem_table hash = {
        "DELETE FROM hash_fields WHERE kid = ?1 AND field IN "
        "(SELECT field FROM hash_fields WHERE kid = ?1 LIMIT ?2)",
        "INSERT INTO hash_fields(kid, field, value, seq) "
        "SELECT ?2, field, value, seq FROM hash_fields WHERE kid = ?1"};
    static const elem_table set = {
        "DELETE FROM set_members WHERE kid = ?1 AND member IN "
        "(SELECT member FROM set_members WHERE kid = ?1 LIMIT ?2)",
        "INSERT INTO set_members(kid, member) SELECT ?2, member FROM set_members WHERE kid = ?1"};
    static const elem_table zset = {
        "DELETE FROM zset_members WHERE kid = ?1 AND member IN "
        "(SELECT member FROM zset_members WHERE kid = ?1 LIMIT ?2)",
        "INSERT INTO zset_members(kid, member, score) "
        "SELECT ?2, member, score FROM zset_members WHERE kid = ?1"};
    switch (type) {
    case AIKV_TYPE_LIST:
        return &list;
    case AIKV_TYPE_HASH:
        return &hash;
    case AIKV_TYPE_SET:
        return &set;
    case AIKV_TYPE_ZSET:
        return &zset;
    }
    return NULL;
}

/* ---------------------------------------------------------------- errors */

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return AIKV_NOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return AIKV_CORRUPT;
    case SQLITE_CANTOPEN:
        return AIKV_CANTOPEN;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
        return AIKV_IOERR;
    case SQLITE_TOOBIG:
        return AIKV_TOOBIG;
    }
    return AIKV_ERROR;
}

int sq_fail(sq_engine *s, int rc)
{
    int code = map_rc(rc);
    if (!s->base.error) {
        s->base.error = code;
        snprintf(s->base.errmsg, sizeof s->base.errmsg, "storage error: %s",
                 sqlite3_errmsg(s->db));
    }
    return code;
}

/* ---------------------------------------------------------------- statements */

static sqlite3_stmt *prepare_raw(sq_engine *s, const char *sql)
{
    size_t cap = s->capcache;
    size_t i = ((uintptr_t)sql >> 4) & (cap - 1);
    while (s->cache[i].sql && s->cache[i].sql != sql)
        i = (i + 1) & (cap - 1);
    if (s->cache[i].sql)
        return s->cache[i].stmt;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        /* The SQL is the engine's own: failing to prepare it means the
         * file's schema is not ours (checked at open) or a bug. */
        fprintf(stderr, "aikv: cannot prepare \"%s\": %s\n", sql, sqlite3_errmsg(s->db));
        abort();
    }
    s->cache[i].sql = sql;
    s->cache[i].stmt = st;
    if (++s->ncache * 2 > cap) {
        sq_cached *old = s->cache;
        s->capcache = cap * 2;
        s->cache = ak_calloc(s->capcache, sizeof *s->cache);
        s->ncache = 0;
        for (size_t j = 0; j < cap; j++) {
            if (!old[j].sql)
                continue;
            size_t k = ((uintptr_t)old[j].sql >> 4) & (s->capcache - 1);
            while (s->cache[k].sql)
                k = (k + 1) & (s->capcache - 1);
            s->cache[k] = old[j];
            s->ncache++;
        }
        ak_free(old);
    }
    return st;
}

static void load_counts(sq_engine *s);

static void begin(sq_engine *s)
{
    static const char SQL[] = "BEGIN";
    sqlite3_stmt *st = prepare_raw(s, SQL);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        sq_fail(s, rc);
        return;
    }
    s->in_txn = 1;
    s->wrote = 0;
    /* Another process (aikv-cli --file, sqlite3) may have written since
     * our last transaction: then the cached key counts are stale. */
    static const char VERSION[] = "PRAGMA data_version";
    st = prepare_raw(s, VERSION);
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (v != s->data_version) {
            if (s->data_version)
                s->base.foreign_writes++;
            s->data_version = v;
            s->libver_known = 0;
            load_counts(s);
        }
    } else {
        sqlite3_reset(st);
    }
}

sqlite3_stmt *sq_prep(sq_engine *s, const char *sql)
{
    if (!s->in_txn)
        begin(s);
    return prepare_raw(s, sql);
}

int sq_step(sq_engine *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        sq_fail(s, rc);
    return rc;
}

void sq_reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int sq_run(sq_engine *s, sqlite3_stmt *st)
{
    int rc = sq_step(s, st);
    sq_reset(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return AK_OK;
    return map_rc(rc);
}

void sq_bind_member(sqlite3_stmt *st, int i, ak_slice m)
{
    long long v;
    if (m.len <= 20 && m.len > 0 && ak_str2ll(m.p, m.len, &v))
        sqlite3_bind_int64(st, i, v);
    else
        sq_bind_slice(st, i, m);
}

ak_slice sq_column_member(sqlite3_stmt *st, int col, char *buf)
{
    if (sqlite3_column_type(st, col) == SQLITE_INTEGER) {
        size_t n = ak_ll2str(buf, 21, sqlite3_column_int64(st, col));
        return ak_slice_of(buf, n);
    }
    return sq_column_slice(st, col);
}

ak_slice sq_keep(sq_engine *s, int slot, ak_slice v)
{
    /* Two halves of one buffer would move when it grows: keep two. */
    char **buf = slot ? &s->keep2 : &s->keep;
    size_t *cap = slot ? &s->keep2cap : &s->keepcap;
    if (v.len + 1 > *cap) {
        *cap = v.len + 1 < 256 ? 256 : v.len + 1;
        ak_free(*buf);
        *buf = ak_malloc(*cap);
    }
    if (v.len)
        memcpy(*buf, v.p, v.len);
    (*buf)[v.len] = '\0';
    return ak_slice_of(*buf, v.len);
}

uint64_t sq_rand(sq_engine *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return s->rng = x;
}

/* ---------------------------------------------------------------- transactions */

static int sq_commit(ak_engine *e)
{
    sq_engine *s = SQ(e);
    if (!s->in_txn)
        return AK_OK;
    static const char SQL[] = "COMMIT";
    sqlite3_stmt *st = prepare_raw(s, SQL);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        int code = sq_fail(s, rc);
        e->ops->rollback(e);
        return code;
    }
    s->in_txn = 0;
    s->sp_depth = 0;
    if (s->wrote) {
        s->commits++;
        if (s->durability == AK_DURABILITY_FULL)
            s->syncs++;
    }
    s->wrote = 0;
    return AK_OK;
}

static void sq_rollback(ak_engine *e)
{
    sq_engine *s = SQ(e);
    if (sqlite3_get_autocommit(s->db) == 0) {
        static const char SQL[] = "ROLLBACK";
        sqlite3_stmt *st = prepare_raw(s, SQL);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    s->in_txn = 0;
    s->wrote = 0;
    s->sp_depth = 0;
    s->libver_known = 0;
    /* The in-memory key counts followed the undone writes. */
    load_counts(s);
}

/* Savepoints are SQLite's, named by depth inside the open transaction. */
static uint64_t sq_savepoint(ak_engine *e)
{
    sq_engine *s = SQ(e);
    if (!s->in_txn)
        begin(s);
    char sql[48];
    snprintf(sql, sizeof sql, "SAVEPOINT sp%llu", (unsigned long long)(s->sp_depth + 1));
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sq_fail(s, rc);
    return ++s->sp_depth;
}

static void sq_rollback_to(ak_engine *e, uint64_t sp)
{
    sq_engine *s = SQ(e);
    if (sp == 0 || sp > s->sp_depth || sqlite3_get_autocommit(s->db))
        return; /* the transaction already failed and was rolled back */
    char sql[64];
    snprintf(sql, sizeof sql, "ROLLBACK TO sp%llu", (unsigned long long)sp);
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sq_fail(s, rc);
    s->sp_depth = sp;
    s->libver_known = 0;
    load_counts(s);
}

static void sq_release(ak_engine *e, uint64_t sp)
{
    sq_engine *s = SQ(e);
    if (sp == 0 || sp > s->sp_depth)
        return;
    s->sp_depth = sp - 1;
    if (sqlite3_get_autocommit(s->db))
        return;
    char sql[48];
    snprintf(sql, sizeof sql, "RELEASE sp%llu", (unsigned long long)sp);
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sq_fail(s, rc);
}

/* ---------------------------------------------------------------- keys */

static void load_counts(sq_engine *s)
{
    memset(s->nkeys, 0, (size_t)s->base.ndb * sizeof *s->nkeys);
    static const char SQL[] = "SELECT db, count(*) FROM keys GROUP BY db";
    sqlite3_stmt *st = prepare_raw(s, SQL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t db = sqlite3_column_int64(st, 0);
        if (db >= 0 && db < s->base.ndb)
            s->nkeys[db] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
}

/* Expiry's time (store.h), also the access times written meanwhile. */
static int64_t now_ms(void)
{
    return ak_expiry_now();
}

static void fill_key(sqlite3_stmt *st, int db, sq_key *k)
{
    k->id = sqlite3_column_int64(st, 0);
    k->db = db;
    k->type = sqlite3_column_int(st, 1);
    k->enc = sqlite3_column_int(st, 2);
    k->expire = sqlite3_column_type(st, 3) == SQLITE_NULL ? AK_NO_EXPIRE : sqlite3_column_int64(st, 3);
    k->count = sqlite3_column_int64(st, 4);
    k->lo = sqlite3_column_int64(st, 5);
    k->hi = sqlite3_column_int64(st, 6);
}

/* Deletes the key's row and reports the expiry. */
static void expire_key(sq_engine *s, sq_key *k, ak_slice key)
{
    if (s->base.on_expired)
        s->base.on_expired(s->base.owner, k->db, key);
    sq_key_delete(s, k);
}

int sq_key_get(sq_engine *s, int db, ak_slice key, aikv_type_t type, sq_key *k)
{
    static const char SQL[] =
        "SELECT id, type, enc, expire, count, lo, hi FROM keys WHERE db = ?1 AND key = ?2";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    int rc = sq_step(s, st);
    if (rc != SQLITE_ROW) {
        sq_reset(st);
        k->id = 0;
        return AK_NOTFOUND;
    }
    fill_key(st, db, k);
    sq_reset(st);
    if (k->expire != AK_NO_EXPIRE && k->expire <= now_ms()) {
        expire_key(s, k, key);
        k->id = 0;
        return AK_NOTFOUND;
    }
    if (type != AIKV_TYPE_NONE && k->type != (int)type)
        return AK_WRONGTYPE;
    return AK_OK;
}

int sq_key_create(sq_engine *s, int db, ak_slice key, aikv_type_t type, int enc, sq_key *k)
{
    static const char SQL[] =
        "INSERT INTO keys(db, key, type, enc, atime) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    sqlite3_bind_int(st, 3, (int)type);
    sqlite3_bind_int(st, 4, enc);
    sqlite3_bind_int64(st, 5, now_ms());
    int rc = sq_run(s, st);
    memset(k, 0, sizeof *k);
    if (rc != AK_OK)
        return rc;
    sq_wrote(s);
    k->id = sqlite3_last_insert_rowid(s->db);
    k->db = db;
    k->type = (int)type;
    k->enc = enc;
    k->expire = AK_NO_EXPIRE;
    s->nkeys[db]++;
    return AK_OK;
}

int sq_key_save(sq_engine *s, const sq_key *k)
{
    static const char SQL[] =
        "UPDATE keys SET enc = ?2, count = ?3, lo = ?4, hi = ?5, atime = ?6 WHERE id = ?1";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int64(st, 1, k->id);
    sqlite3_bind_int(st, 2, k->enc);
    sqlite3_bind_int64(st, 3, k->count);
    sqlite3_bind_int64(st, 4, k->lo);
    sqlite3_bind_int64(st, 5, k->hi);
    sqlite3_bind_int64(st, 6, now_ms());
    sq_wrote(s);
    return sq_run(s, st);
}

/* Removes up to `limit` element rows of a (deleted) key; how many went. */
static int64_t purge(sq_engine *s, int64_t kid, int type, int64_t limit)
{
    const elem_table *t = elem_table_of(type);
    if (!t)
        return 0;
    sqlite3_stmt *st = sq_prep(s, t->purge);
    sqlite3_bind_int64(st, 1, kid);
    sqlite3_bind_int64(st, 2, limit);
    if (sq_run(s, st) != AK_OK)
        return 0;
    return sqlite3_changes(s->db);
}

int sq_key_delete(sq_engine *s, sq_key *k)
{
    static const char DEL[] = "DELETE FROM keys WHERE id = ?1";
    static const char TRASH[] = "INSERT INTO trash(kid, type) VALUES(?1, ?2)";
    sq_wrote(s);
    if (k->type != AIKV_TYPE_STRING) {
        if (k->count <= PURGE_INLINE) {
            purge(s, k->id, k->type, PURGE_INLINE + 1);
        } else {
            sqlite3_stmt *st = sq_prep(s, TRASH);
            sqlite3_bind_int64(st, 1, k->id);
            sqlite3_bind_int(st, 2, k->type);
            sq_run(s, st);
            s->trash_pending = 1;
        }
    }
    sqlite3_stmt *st = sq_prep(s, DEL);
    sqlite3_bind_int64(st, 1, k->id);
    int rc = sq_run(s, st);
    if (rc == AK_OK && k->db >= 0 && k->db < s->base.ndb && s->nkeys[k->db] > 0)
        s->nkeys[k->db]--;
    k->id = 0;
    return rc;
}

/* Background removal of deleted collections' elements, up to `budget` rows. */
static void purge_trash(sq_engine *s, int64_t budget)
{
    static const char NEXT[] = "SELECT kid, type FROM trash LIMIT 1";
    static const char DONE[] = "DELETE FROM trash WHERE kid = ?1";
    while (budget > 0 && s->trash_pending && !s->base.error) {
        sqlite3_stmt *st = sq_prep(s, NEXT);
        if (sq_step(s, st) != SQLITE_ROW) {
            sq_reset(st);
            s->trash_pending = 0;
            return;
        }
        int64_t kid = sqlite3_column_int64(st, 0);
        int type = sqlite3_column_int(st, 1);
        sq_reset(st);
        int64_t want = budget;
        int64_t n = purge(s, kid, type, want);
        sq_wrote(s);
        budget -= n;
        if (n < want) { /* the last of them went */
            st = sq_prep(s, DONE);
            sqlite3_bind_int64(st, 1, kid);
            sq_run(s, st);
        }
    }
}

/* ---------------------------------------------------------------- keyspace ops */

static void sq_lookup(ak_engine *e, int db, ak_slice key, int flags, ak_keyinfo *ki)
{
    sq_engine *s = SQ(e);
    memset(ki, 0, sizeof *ki);
    ki->type = AIKV_TYPE_NONE;
    ki->expire = AK_NO_EXPIRE;
    sq_key k;
    if (sq_key_get(s, db, key, AIKV_TYPE_NONE, &k) != AK_OK)
        return;
    static const char SQL[] = "SELECT atime, CASE WHEN enc = 1 THEN value END FROM keys WHERE id = ?1";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int64(st, 1, k.id);
    int64_t atime = 0;
    long long iv = -1;
    if (sq_step(s, st) == SQLITE_ROW) {
        atime = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            ak_slice v = sq_column_slice(st, 1);
            if (!ak_str2ll(v.p, v.len, &iv))
                iv = -1;
        }
    }
    sq_reset(st);
    int64_t now = now_ms();
    ki->type = (aikv_type_t)k.type;
    ki->encoding = (ak_encoding)k.enc;
    ki->expire = k.expire;
    ki->idle_ms = now > atime ? now - atime : 0;
    ki->refcount = ak_string_refcount(k.enc, iv);
    if (!(flags & AK_LOOKUP_NOTOUCH) && !e->notouch) {
        static const char TOUCH[] = "UPDATE keys SET atime = ?2 WHERE id = ?1";
        st = sq_prep(s, TOUCH);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, now);
        sq_wrote(s);
        sq_run(s, st);
    }
}

static int sq_peek(ak_engine *e, int db, ak_slice key)
{
    sq_engine *s = SQ(e);
    static const char SQL[] = "SELECT expire FROM keys WHERE db = ?1 AND key = ?2";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    int r = AK_KEY_ABSENT;
    if (sq_step(s, st) == SQLITE_ROW) {
        r = AK_KEY_LIVE;
        if (sqlite3_column_type(st, 0) != SQLITE_NULL && sqlite3_column_int64(st, 0) <= now_ms())
            r = AK_KEY_EXPIRED;
    }
    sq_reset(st);
    return r;
}

static int sq_del(ak_engine *e, int db, ak_slice key)
{
    sq_engine *s = SQ(e);
    sq_key k;
    if (sq_key_get(s, db, key, AIKV_TYPE_NONE, &k) != AK_OK)
        return 0;
    return sq_key_delete(s, &k) == AK_OK;
}

static uint64_t sq_dbsize(ak_engine *e, int db)
{
    return (uint64_t)SQ(e)->nkeys[db];
}

static uint64_t sq_expires(ak_engine *e, int db)
{
    sq_engine *s = SQ(e);
    static const char SQL[] = "SELECT count(*) FROM keys WHERE expire IS NOT NULL AND db = ?1";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    uint64_t n = 0;
    if (sq_step(s, st) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(st, 0);
    sq_reset(st);
    return n;
}

static int64_t sq_avg_ttl(ak_engine *e, int db)
{
    sq_engine *s = SQ(e);
    static const char SQL[] =
        "SELECT avg(expire - ?2) FROM keys WHERE expire IS NOT NULL AND expire > ?2 AND db = ?1";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sqlite3_bind_int64(st, 2, now_ms());
    int64_t n = 0;
    if (sq_step(s, st) == SQLITE_ROW)
        n = (int64_t)sqlite3_column_double(st, 0);
    sq_reset(st);
    return n;
}

static int write_expire(sq_engine *s, int64_t id, int64_t when)
{
    static const char SQL[] = "UPDATE keys SET expire = ?2 WHERE id = ?1";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int64(st, 1, id);
    if (when == AK_NO_EXPIRE)
        sqlite3_bind_null(st, 2);
    else
        sqlite3_bind_int64(st, 2, when);
    sq_wrote(s);
    return sq_run(s, st);
}

static int sq_set_expire(ak_engine *e, int db, ak_slice key, int64_t when)
{
    sq_engine *s = SQ(e);
    sq_key k;
    if (sq_key_get(s, db, key, AIKV_TYPE_NONE, &k) != AK_OK)
        return AK_NOTFOUND;
    write_expire(s, k.id, when);
    return AK_OK;
}

static int relocate(sq_engine *s, int sdb, ak_slice src, int ddb, ak_slice dst, int replace,
                    int move)
{
    sq_key k, old;
    if (sq_key_get(s, sdb, src, AIKV_TYPE_NONE, &k) != AK_OK)
        return AK_NOTFOUND;
    if (sq_key_get(s, ddb, dst, AIKV_TYPE_NONE, &old) == AK_OK || old.id) {
        if (old.id == k.id)
            return 1;
        if (!replace)
            return 0;
        sq_key_delete(s, &old);
    }
    sq_wrote(s);
    if (move) {
        static const char SQL[] = "UPDATE keys SET db = ?2, key = ?3 WHERE id = ?1";
        sqlite3_stmt *st = sq_prep(s, SQL);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int(st, 2, ddb);
        sq_bind_slice(st, 3, dst);
        if (sq_run(s, st) != AK_OK)
            return 0;
        s->nkeys[sdb]--;
        s->nkeys[ddb]++;
        return 1;
    }
    static const char COPY[] =
        "INSERT INTO keys(db, key, type, enc, expire, count, lo, hi, atime, value) "
        "SELECT ?2, ?3, type, enc, expire, count, lo, hi, ?4, value FROM keys WHERE id = ?1";
    sqlite3_stmt *st = sq_prep(s, COPY);
    sqlite3_bind_int64(st, 1, k.id);
    sqlite3_bind_int(st, 2, ddb);
    sq_bind_slice(st, 3, dst);
    sqlite3_bind_int64(st, 4, now_ms());
    if (sq_run(s, st) != AK_OK)
        return 0;
    int64_t to = sqlite3_last_insert_rowid(s->db);
    s->nkeys[ddb]++;
    const elem_table *t = elem_table_of(k.type);
    if (t) {
        st = sq_prep(s, t->copy);
        sqlite3_bind_int64(st, 1, k.id);
        sqlite3_bind_int64(st, 2, to);
        sq_run(s, st);
    }
    return 1;
}

static int sq_rename(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace)
{
    return relocate(SQ(e), sdb, src, ddb, dst, replace, 1);
}

static int sq_copy(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace)
{
    return relocate(SQ(e), sdb, src, ddb, dst, replace, 0);
}

static void sq_swapdb(ak_engine *e, int a, int b)
{
    sq_engine *s = SQ(e);
    /* Through a number no database uses: (db, key) stays unique at every
     * row of each statement. */
    static const char SQL[] = "UPDATE keys SET db = ?2 WHERE db = ?1";
    int steps[3][2] = {{a, -1}, {b, a}, {-1, b}};
    sq_wrote(s);
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = sq_prep(s, SQL);
        sqlite3_bind_int(st, 1, steps[i][0]);
        sqlite3_bind_int(st, 2, steps[i][1]);
        if (sq_run(s, st) != AK_OK)
            return;
    }
    int64_t t = s->nkeys[a];
    s->nkeys[a] = s->nkeys[b];
    s->nkeys[b] = t;
}

static void sq_flush(ak_engine *e, int db, int async)
{
    (void)async; /* the elements always go in the background */
    sq_engine *s = SQ(e);
    static const char TRASH_DB[] =
        "INSERT INTO trash(kid, type) SELECT id, type FROM keys WHERE db = ?1 AND type <> 1";
    static const char DEL_DB[] = "DELETE FROM keys WHERE db = ?1";
    static const char TRASH_ALL[] = "INSERT INTO trash(kid, type) SELECT id, type FROM keys WHERE type <> 1";
    static const char DEL_ALL[] = "DELETE FROM keys";
    sq_wrote(s);
    sqlite3_stmt *st = sq_prep(s, db < 0 ? TRASH_ALL : TRASH_DB);
    if (db >= 0)
        sqlite3_bind_int(st, 1, db);
    if (sq_run(s, st) != AK_OK)
        return;
    st = sq_prep(s, db < 0 ? DEL_ALL : DEL_DB);
    if (db >= 0)
        sqlite3_bind_int(st, 1, db);
    if (sq_run(s, st) != AK_OK)
        return;
    s->trash_pending = 1;
    if (db < 0)
        memset(s->nkeys, 0, (size_t)e->ndb * sizeof *s->nkeys);
    else
        s->nkeys[db] = 0;
}

/* SCAN walks the rows of every database in row id order, SCAN_ROWS rows a
 * step (a range of the table's own B-tree: O(log n) to start), and hands
 * out those of `db`; the cursor is the next id to look at. Keys present
 * for the whole scan are returned exactly once. */
#define SCAN_ROWS 64
static uint64_t sq_scan(ak_engine *e, int db, uint64_t cursor, ak_key_fn fn, void *ctx)
{
    sq_engine *s = SQ(e);
    static const char SQL[] =
        "SELECT id, key, type, expire, db FROM keys WHERE id >= ?1 ORDER BY id LIMIT ?2";
    sqlite3_stmt *st = sq_prep(s, SQL);
    if (cursor > (uint64_t)INT64_MAX)
        cursor = 0;
    sqlite3_bind_int64(st, 1, (int64_t)cursor);
    sqlite3_bind_int(st, 2, SCAN_ROWS);
    int64_t now = now_ms(), last = -1;
    int n = 0;
    while (sq_step(s, st) == SQLITE_ROW) {
        last = sqlite3_column_int64(st, 0);
        n++;
        if (sqlite3_column_int(st, 4) != db)
            continue;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL && sqlite3_column_int64(st, 3) <= now)
            continue;
        fn(ctx, sq_column_slice(st, 1), (aikv_type_t)sqlite3_column_int(st, 2));
    }
    sq_reset(st);
    return n < SCAN_ROWS ? 0 : (uint64_t)last + 1;
}

static int sq_random_key(ak_engine *e, int db, ak_slice *out)
{
    sq_engine *s = SQ(e);
    /* A small database: a uniform pick by offset in the name index. A
     * large one: the first key at or after a random row id, O(log n) but
     * favouring keys that follow gaps in the ids. */
    static const char RANGE[] = "SELECT min(id), max(id) FROM keys";
    static const char BY_ID[] =
        "SELECT id, type, enc, expire, count, lo, hi, key FROM keys "
        "WHERE db = ?1 AND id >= ?2 ORDER BY id LIMIT 1";
    static const char BY_OFFSET[] =
        "SELECT id, type, enc, expire, count, lo, hi, key FROM keys "
        "WHERE db = ?1 LIMIT 1 OFFSET ?2";
    for (int tries = 0; tries < 100 && s->nkeys[db] > 0; tries++) {
        int small = s->nkeys[db] <= 10000;
        int64_t from = (int64_t)(sq_rand(s) % (uint64_t)s->nkeys[db]);
        if (!small) {
            sqlite3_stmt *st = sq_prep(s, RANGE);
            int64_t lo = 0, hi = 0;
            if (sq_step(s, st) == SQLITE_ROW) {
                lo = sqlite3_column_int64(st, 0);
                hi = sqlite3_column_int64(st, 1);
            }
            sq_reset(st);
            from = lo + (int64_t)(sq_rand(s) % (uint64_t)(hi - lo + 1));
        }
        for (int pass = 0; pass < 2; pass++, from = 0) {
            sqlite3_stmt *st = sq_prep(s, small ? BY_OFFSET : BY_ID);
            sqlite3_bind_int(st, 1, db);
            sqlite3_bind_int64(st, 2, from);
            if (sq_step(s, st) == SQLITE_ROW) {
                sq_key k;
                fill_key(st, db, &k);
                ak_slice key = sq_keep(s, 0, sq_column_slice(st, 7));
                sq_reset(st);
                if (k.expire != AK_NO_EXPIRE && k.expire <= now_ms()) {
                    expire_key(s, &k, key);
                    break;
                }
                *out = key;
                return AK_OK;
            }
            sq_reset(st);
            if (small) {
                /* An offset past the end: the count was stale (another
                 * process wrote). Count again and draw again. */
                load_counts(s);
                break;
            }
        }
    }
    return AK_NOTFOUND;
}

static void expire_cycle(sq_engine *s, int64_t deadline)
{
    static const char SQL[] =
        "SELECT id, type, enc, expire, count, lo, hi, key, db FROM keys "
        "WHERE expire IS NOT NULL AND expire <= ?1 ORDER BY expire LIMIT ?2";
    for (int round = 0; round < 1000 && !s->base.error; round++) {
        sqlite3_stmt *st = sq_prep(s, SQL);
        sqlite3_bind_int64(st, 1, now_ms());
        sqlite3_bind_int(st, 2, EXPIRE_BATCH);
        sq_key victims[EXPIRE_BATCH];
        char *names[EXPIRE_BATCH];
        size_t lens[EXPIRE_BATCH];
        int n = 0;
        while (n < EXPIRE_BATCH && sq_step(s, st) == SQLITE_ROW) {
            int db = sqlite3_column_int(st, 8);
            fill_key(st, db, &victims[n]);
            ak_slice key = sq_column_slice(st, 7);
            names[n] = ak_malloc(key.len + 1);
            memcpy(names[n], key.p, key.len);
            lens[n] = key.len;
            n++;
        }
        sq_reset(st);
        for (int i = 0; i < n; i++) {
            if (victims[i].db >= 0 && victims[i].db < s->base.ndb)
                expire_key(s, &victims[i], ak_slice_of(names[i], lens[i]));
            ak_free(names[i]);
        }
        if (n < EXPIRE_BATCH || ak_monotonic_us() >= deadline)
            break;
    }
}

static void sq_cron(ak_engine *e, int64_t budget_us)
{
    sq_engine *s = SQ(e);
    if (e->error)
        return; /* the transaction failed: the core rolls it back first */
    int64_t deadline = ak_monotonic_us() + budget_us;
    if (!e->no_active_expire)
        expire_cycle(s, deadline);
    if (s->trash_pending)
        purge_trash(s, PURGE_CHUNK);
}

static size_t sq_memory(ak_engine *e)
{
    (void)e;
    return (size_t)sqlite3_memory_used();
}

/* ---------------------------------------------------------------- strings */

static int string_enc(ak_slice v, int flags)
{
    long long ll;
    return ak_string_encoding(v, flags, &ll);
}

static int sq_str_get(ak_engine *e, int db, ak_slice key, ak_slice *val)
{
    sq_engine *s = SQ(e);
    static const char SQL[] =
        "SELECT id, type, enc, expire, count, lo, hi, value FROM keys WHERE db = ?1 AND key = ?2";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    if (sq_step(s, st) != SQLITE_ROW) {
        sq_reset(st);
        return AK_NOTFOUND;
    }
    sq_key k;
    fill_key(st, db, &k);
    if (k.expire != AK_NO_EXPIRE && k.expire <= now_ms()) {
        sq_reset(st);
        expire_key(s, &k, key);
        return AK_NOTFOUND;
    }
    if (k.type != AIKV_TYPE_STRING) {
        sq_reset(st);
        return AK_WRONGTYPE;
    }
    *val = sq_keep(s, 0, sq_column_slice(st, 7));
    sq_reset(st);
    return AK_OK;
}

/* Writes a string value into an existing string key's row or a new row. */
static int put_string(sq_engine *s, int db, ak_slice key, sq_key *k, ak_slice val, int enc,
                      int64_t expire)
{
    static const char UPD[] =
        "UPDATE keys SET value = ?2, enc = ?3, atime = ?4, "
        "expire = CASE WHEN ?5 THEN expire ELSE ?6 END WHERE id = ?1";
    static const char INS[] =
        "INSERT INTO keys(db, key, type, enc, expire, atime, value) VALUES(?1, ?2, 1, ?3, ?4, ?5, ?6)";
    sq_wrote(s);
    sqlite3_stmt *st;
    if (k->id) {
        st = sq_prep(s, UPD);
        sqlite3_bind_int64(st, 1, k->id);
        sq_bind_slice(st, 2, val);
        sqlite3_bind_int(st, 3, enc);
        sqlite3_bind_int64(st, 4, now_ms());
        sqlite3_bind_int(st, 5, expire == AK_KEEP_TTL);
        if (expire >= 0)
            sqlite3_bind_int64(st, 6, expire);
        else
            sqlite3_bind_null(st, 6);
        return sq_run(s, st);
    }
    st = sq_prep(s, INS);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    sqlite3_bind_int(st, 3, enc);
    if (expire >= 0)
        sqlite3_bind_int64(st, 4, expire);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now_ms());
    sq_bind_slice(st, 6, val);
    int rc = sq_run(s, st);
    if (rc == AK_OK)
        s->nkeys[db]++;
    return rc;
}

/* The common SET: a new key or a live string, in one statement. 1 if it
 * did the work, 0 when the key holds something else (another type, or an
 * expired key) and the general path must. */
static int set_string_fast(sq_engine *s, int db, ak_slice key, ak_slice val, int enc,
                           int64_t expire)
{
    static const char SQL[] =
        "INSERT INTO keys(db, key, type, enc, expire, atime, value) "
        "VALUES(?1, ?2, 1, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(db, key) DO UPDATE SET value = excluded.value, enc = excluded.enc, "
        "atime = excluded.atime, expire = CASE WHEN ?7 THEN expire ELSE excluded.expire END "
        "WHERE type = 1 AND (expire IS NULL OR expire > ?5)";
    int64_t now = now_ms();
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int(st, 1, db);
    sq_bind_slice(st, 2, key);
    sqlite3_bind_int(st, 3, enc);
    if (expire >= 0)
        sqlite3_bind_int64(st, 4, expire);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    sq_bind_slice(st, 6, val);
    sqlite3_bind_int(st, 7, expire == AK_KEEP_TTL);
    int64_t before = sqlite3_last_insert_rowid(s->db);
    if (sq_run(s, st) != AK_OK)
        return 1; /* recorded: the core answers with the error */
    if (sqlite3_changes(s->db) == 0)
        return 0;
    sq_wrote(s);
    /* An upsert that updated leaves the last inserted row id alone; ids
     * only grow (AUTOINCREMENT), so a change means a new key. */
    if (sqlite3_last_insert_rowid(s->db) != before)
        s->nkeys[db]++;
    return 1;
}

static int sq_str_set(ak_engine *e, int db, ak_slice key, ak_slice val, int64_t expire, int flags)
{
    sq_engine *s = SQ(e);
    if (set_string_fast(s, db, key, val, string_enc(val, flags), expire))
        return AK_OK;
    sq_key k;
    if (sq_key_get(s, db, key, AIKV_TYPE_NONE, &k) == AK_OK && k.type != AIKV_TYPE_STRING) {
        /* Another type is replaced: its elements go, its TTL may stay. */
        int64_t old = k.expire;
        sq_key_delete(s, &k);
        if (expire == AK_KEEP_TTL)
            expire = old;
    }
    put_string(s, db, key, &k, val, string_enc(val, flags), expire);
    return AK_OK;
}

static int sq_str_append(ak_engine *e, int db, ak_slice key, ak_slice val, size_t *newlen)
{
    sq_engine *s = SQ(e);
    sq_key k;
    int rc = sq_key_get(s, db, key, AIKV_TYPE_STRING, &k);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (rc == AK_NOTFOUND) {
        put_string(s, db, key, &k, val, string_enc(val, 0), AK_NO_EXPIRE);
        *newlen = val.len;
        return AK_OK;
    }
    static const char SQL[] =
        "UPDATE keys SET value = CAST(value || ?2 AS BLOB), enc = ?3, atime = ?4 WHERE id = ?1 "
        "RETURNING length(value)";
    sqlite3_stmt *st = sq_prep(s, SQL);
    sqlite3_bind_int64(st, 1, k.id);
    sq_bind_slice(st, 2, val);
    sqlite3_bind_int(st, 3, AK_ENC_RAW);
    sqlite3_bind_int64(st, 4, now_ms());
    sq_wrote(s);
    *newlen = 0;
    if (sq_step(s, st) == SQLITE_ROW)
        *newlen = (size_t)sqlite3_column_int64(st, 0);
    sq_reset(st);
    return AK_OK;
}

static int sq_str_setrange(ak_engine *e, int db, ak_slice key, size_t off, ak_slice val,
                           size_t *newlen)
{
    sq_engine *s = SQ(e);
    ak_slice cur = {"", 0};
    int rc = sq_str_get(e, db, key, &cur);
    if (rc == AK_WRONGTYPE)
        return rc;
    size_t len = cur.len > off + val.len ? cur.len : off + val.len;
    char *buf = ak_malloc(len ? len : 1);
    if (cur.len)
        memcpy(buf, cur.p, cur.len);
    if (off > cur.len)
        memset(buf + cur.len, 0, off - cur.len);
    if (val.len)
        memcpy(buf + off, val.p, val.len);
    /* The key is a live string or absent now: one upsert writes it. */
    set_string_fast(s, db, key, ak_slice_of(buf, len), AK_ENC_RAW, AK_KEEP_TTL);
    ak_free(buf);
    *newlen = len;
    return AK_OK;
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void sq_stats(ak_engine *e, ak_engine_stats *out)
{
    sq_engine *s = SQ(e);
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    out->path = s->path;
    out->durability = s->durability;
    out->commits = s->commits;
    out->syncs = s->syncs;
    out->file_bytes = file_size(s->path) + file_size(wal);
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *out);

/* ---------------------------------------------------------------- checkpoints */

/* The WAL is copied back into the database file by a thread of its own,
 * on its own connection, a few times a second. SQLite's automatic
 * checkpoint would run inside the committing call, and with synchronous
 * NORMAL each checkpoint fsyncs twice: under write load that is most
 * commits stalling the event loop. A PASSIVE checkpoint never blocks the
 * writer or readers. */
#define CHECKPOINT_MS 250
#define CHECKPOINT_WRITER_PAGES 4096 /* 16 MiB of 4 KiB pages */

static void *checkpointer_main(void *arg)
{
    sq_engine *s = arg;
    pthread_mutex_lock(&s->ckpt_lock);
    while (!s->ckpt_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += CHECKPOINT_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->ckpt_cond, &s->ckpt_lock, &ts);
        if (s->ckpt_stop)
            break;
        pthread_mutex_unlock(&s->ckpt_lock);
        int log = 0, done = 0;
        sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        pthread_mutex_lock(&s->ckpt_lock);
    }
    pthread_mutex_unlock(&s->ckpt_lock);
    return NULL;
}

/* After each commit, on the writer's connection. Under a steady write load
 * the thread's checkpoints never quite catch up with the WAL's end, and a
 * WAL starts over only once it was copied whole: it would grow without
 * end (and every page read searches it). So past a size the writer itself
 * finishes the copy -- little is left by then -- between two of its
 * transactions, and its next transaction starts the WAL over. PASSIVE:
 * a reader in another process delays this, never blocks it. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)arg;
    if (pages >= CHECKPOINT_WRITER_PAGES)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static void checkpointer_start(sq_engine *s)
{
    if (sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(s->ckpt_db);
        s->ckpt_db = NULL;
        return; /* SQLite's automatic checkpoints stay on */
    }
    sqlite3_busy_timeout(s->ckpt_db, 1000);
    /* A connection learns the file is in WAL mode when it first reads it;
     * until then a checkpoint on it does nothing. */
    int64_t v;
    if (pragma_int(s->ckpt_db, "PRAGMA schema_version", &v) != SQLITE_OK) {
        sqlite3_close(s->ckpt_db);
        s->ckpt_db = NULL;
        return;
    }
    pthread_mutex_init(&s->ckpt_lock, NULL);
    pthread_cond_init(&s->ckpt_cond, NULL);
    if (pthread_create(&s->ckpt_thread, NULL, checkpointer_main, s) != 0) {
        sqlite3_close(s->ckpt_db);
        s->ckpt_db = NULL;
        return;
    }
    sqlite3_wal_autocheckpoint(s->db, 0);
    sqlite3_wal_hook(s->db, wal_hook, s);
}

static void checkpointer_stop(sq_engine *s)
{
    if (!s->ckpt_db)
        return;
    pthread_mutex_lock(&s->ckpt_lock);
    s->ckpt_stop = 1;
    pthread_cond_signal(&s->ckpt_cond);
    pthread_mutex_unlock(&s->ckpt_lock);
    pthread_join(s->ckpt_thread, NULL);
    sqlite3_close(s->ckpt_db);
    s->ckpt_db = NULL;
    pthread_cond_destroy(&s->ckpt_cond);
    pthread_mutex_destroy(&s->ckpt_lock);
}

/* ---------------------------------------------------------------- open/close */

static void sq_close(ak_engine *e)
{
    sq_engine *s = SQ(e);
    if (s->in_txn)
        sq_commit(e);
    checkpointer_stop(s);
    sq_zset_forget_scans(s);
    for (size_t i = 0; i < s->capcache; i++)
        if (s->cache[i].stmt)
            sqlite3_finalize(s->cache[i].stmt);
    sqlite3_close(s->db);
    ak_free(s->cache);
    ak_free(s->keep);
    ak_free(s->keep2);
    ak_free(s->nkeys);
    ak_free(s->path);
    ak_free(s);
}

/* ---------------------------------------------------------------- function libraries */

static int sq_lib_put(ak_engine *e, ak_slice name, ak_slice code)
{
    static const char DEL_ALL[] = "DELETE FROM functions";
    static const char DEL[] = "DELETE FROM functions WHERE name = ?1";
    static const char PUT[] = "INSERT INTO functions(name, code) VALUES(?1, ?2) "
                              "ON CONFLICT(name) DO UPDATE SET code = excluded.code";
    sq_engine *s = SQ(e);
    static const char BUMP[] = "INSERT INTO meta(name, value) VALUES('functions_version', 1) "
                               "ON CONFLICT(name) DO UPDATE SET value = value + 1";
    sqlite3_stmt *st = sq_prep(s, !name.p ? DEL_ALL : !code.p ? DEL : PUT);
    if (name.p)
        sq_bind_slice(st, 1, name);
    if (name.p && code.p)
        sq_bind_slice(st, 2, code);
    sq_wrote(s);
    s->libver_known = 0;
    int rc = sq_run(s, st);
    return rc == AK_OK ? sq_run(s, sq_prep(s, BUMP)) : rc;
}

/* The version lives in meta ('functions_version'), bumped by every lib_put
 * in its transaction: another process's change shows, a rollback undoes.
 * It is read once and cached until something may have changed it, so that
 * FCALL, which asks on every call, costs no statement. */
static uint64_t sq_lib_version(ak_engine *e)
{
    static const char SQL[] = "SELECT value FROM meta WHERE name = 'functions_version'";
    sq_engine *s = SQ(e);
    if (!s->in_txn)
        begin(s); /* notices another process's writes */
    if (!s->libver_known) {
        sqlite3_stmt *st = sq_prep(s, SQL);
        s->libver = sq_step(s, st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sq_reset(st);
        s->libver_known = !s->base.error;
    }
    return (uint64_t)s->libver;
}

static void sq_lib_each(ak_engine *e, ak_pair_fn fn, void *ctx)
{
    static const char SQL[] = "SELECT name, code FROM functions ORDER BY name";
    sq_engine *s = SQ(e);
    if (s->no_functions)
        return;
    sqlite3_stmt *st = sq_prep(s, SQL);
    while (sq_step(s, st) == SQLITE_ROW)
        fn(ctx, sq_column_slice(st, 0), sq_column_slice(st, 1));
    sq_reset(st);
}

static const ak_engine_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .lookup = sq_lookup,
    .peek = sq_peek,
    .del = sq_del,
    .dbsize = sq_dbsize,
    .expires = sq_expires,
    .avg_ttl = sq_avg_ttl,
    .set_expire = sq_set_expire,
    .rename = sq_rename,
    .copy = sq_copy,
    .swapdb = sq_swapdb,
    .flush = sq_flush,
    .scan = sq_scan,
    .random_key = sq_random_key,
    .cron = sq_cron,
    .memory = sq_memory,
    .str_get = sq_str_get,
    .str_set = sq_str_set,
    .str_append = sq_str_append,
    .str_setrange = sq_str_setrange,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .rollback_to = sq_rollback_to,
    .release = sq_release,
    .stats = sq_stats,
    .lib_put = sq_lib_put,
    .lib_each = sq_lib_each,
    .lib_version = sq_lib_version,
    .list = &sq_list_ops,
    .hash = &sq_hash_ops,
    .set = &sq_set_ops,
    .zset = &sq_zset_ops,
};

/* Runs one SQL text (no rows wanted); 0 or the SQLite code. */
static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A file shorter than its header says (cut by a copy or a full disk) is
 * refused at open. Only without a WAL, which may hold the missing pages. */
static int check_length(const char *path, char *errbuf, size_t errlen)
{
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat ws, fs;
    if ((stat(wal, &ws) == 0 && ws.st_size > 0) || stat(path, &fs) != 0 || fs.st_size < 100)
        return AIKV_OK;
    unsigned char h[100];
    FILE *f = fopen(path, "rb");
    if (!f)
        return AIKV_OK;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n != sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return AIKV_OK; /* SQLite itself says what is wrong */
    uint32_t psize = (uint32_t)h[16] << 8 | h[17];
    if (psize == 1)
        psize = 65536;
    uint32_t pages = be32(h + 28);
    if (pages == 0 || be32(h + 24) != be32(h + 92))
        return AIKV_OK; /* the header's size is not valid: SQLite uses the file's */
    if ((unsigned long long)fs.st_size < (unsigned long long)pages * psize) {
        snprintf(errbuf, errlen, "'%s' is truncated: %lld bytes, its header says %llu", path,
                 (long long)fs.st_size, (unsigned long long)pages * psize);
        return AIKV_CORRUPT;
    }
    return AIKV_OK;
}

/* Creates the schema in an empty file, or checks that the file is a store
 * of a version this build reads (and migrates an older one). */
static int check_schema(sq_engine *s, int readonly, char *errbuf, size_t errlen)
{
    int64_t appid = 0, version = 0, tables = 0;
    int rc = pragma_int(s->db, "PRAGMA application_id", &appid);
    if (rc == SQLITE_OK)
        rc = pragma_int(s->db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = pragma_int(s->db, "SELECT count(*) FROM sqlite_schema", &tables);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "'%s' is not an AiKv store: %s", s->path, sqlite3_errmsg(s->db));
        return map_rc(rc) == AIKV_IOERR ? AIKV_IOERR : AIKV_CORRUPT;
    }
    if (tables == 0 && appid == 0) {
        if (readonly) {
            snprintf(errbuf, errlen, "'%s' is empty, and opened read-only", s->path);
            return AIKV_CANTOPEN;
        }
        char setup[128];
        snprintf(setup, sizeof setup, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                 APPLICATION_ID, SQ_SCHEMA_VERSION);
        if ((rc = exec(s->db, "BEGIN")) == SQLITE_OK && (rc = exec(s->db, SCHEMA)) == SQLITE_OK &&
            (rc = exec(s->db, setup)) == SQLITE_OK)
            rc = exec(s->db, "COMMIT");
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errlen, "cannot create the store '%s': %s", s->path,
                     sqlite3_errmsg(s->db));
            exec(s->db, "ROLLBACK");
            return map_rc(rc);
        }
        return AIKV_OK;
    }
    if (appid != APPLICATION_ID) {
        snprintf(errbuf, errlen, "'%s' is an SQLite database but not an AiKv store", s->path);
        return AIKV_CORRUPT;
    }
    if (version > SQ_SCHEMA_VERSION || version < 1) {
        snprintf(errbuf, errlen,
                 "'%s' has store format %lld; this build reads formats 1 to %d", s->path,
                 (long long)version, SQ_SCHEMA_VERSION);
        return AIKV_CANTOPEN;
    }
    /* Migrations from older formats, one step per version, each in its own
     * transaction ending with PRAGMA user_version = N. */
    if (version == 1 && readonly) {
        s->no_functions = 1; /* read as it is: a format-1 file has no libraries */
    } else if (version == 1) {
        if ((rc = exec(s->db, "BEGIN IMMEDIATE")) == SQLITE_OK &&
            (rc = exec(s->db, "CREATE TABLE functions(name BLOB PRIMARY KEY, code BLOB NOT NULL)"
                              " WITHOUT ROWID; PRAGMA user_version = 2;")) == SQLITE_OK)
            rc = exec(s->db, "COMMIT");
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errlen, "cannot upgrade '%s' to store format 2: %s", s->path,
                     sqlite3_errmsg(s->db));
            exec(s->db, "ROLLBACK");
            return map_rc(rc);
        }
    }
    int code = check_length(s->path, errbuf, errlen);
    if (code != AIKV_OK)
        return code;
    /* Read the first page of every table: a truncated or damaged file is
     * refused now rather than failing on a later command. */
    static const char *const probes[] = {
        "SELECT count(*) FROM (SELECT 1 FROM keys LIMIT 1)",
        "SELECT count(*) FROM (SELECT 1 FROM list_items LIMIT 1)",
        "SELECT count(*) FROM (SELECT 1 FROM hash_fields LIMIT 1)",
        "SELECT count(*) FROM (SELECT 1 FROM set_members LIMIT 1)",
        "SELECT count(*) FROM (SELECT 1 FROM zset_members LIMIT 1)",
        "SELECT count(*) FROM keys",
    };
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        int64_t n;
        rc = pragma_int(s->db, probes[i], &n);
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errlen, "'%s' is damaged: %s", s->path, sqlite3_errmsg(s->db));
            return map_rc(rc) == AIKV_IOERR ? AIKV_IOERR : AIKV_CORRUPT;
        }
    }
    return AIKV_OK;
}

int ak_sqlite_engine_open(const char *path, int ndb, const ak_sqlite_opts *opts, ak_engine **out,
                          char *errbuf, size_t errlen)
{
    *out = NULL;
    ak_sqlite_opts def = {AK_DURABILITY_NORMAL, 0, 0, 0};
    if (!opts)
        opts = &def;
    static uint64_t serials;
    sq_engine *s = ak_calloc(1, sizeof *s);
    s->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
    s->base.ops = &sq_ops;
    s->base.ndb = ndb;
    s->path = ak_strdup(path);
    s->durability = opts->durability;
    s->capcache = 64;
    s->cache = ak_calloc(s->capcache, sizeof *s->cache);
    s->nkeys = ak_calloc((size_t)ndb, sizeof *s->nkeys);
    s->rng = (uint64_t)ak_ustime() * 0x9E3779B97F4A7C15ULL | 1;
    int flags = SQLITE_OPEN_NOMUTEX | (opts->readonly ? SQLITE_OPEN_READONLY
                                                       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    int code = AIKV_OK;
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot open '%s': %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        code = map_rc(rc) == AIKV_NOMEM ? AIKV_NOMEM : AIKV_CANTOPEN;
        goto fail;
    }
    /* INFO and errors name the file by its absolute path (the file itself
     * may not exist yet: SQLite creates it at the first write). */
    char cwd[4096];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd) + strlen(path) + 2;
        ak_free(s->path);
        s->path = ak_malloc(n);
        snprintf(s->path, n, "%s/%s", cwd, path);
    }
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_busy_timeout(s->db, 5000);
    if ((code = check_schema(s, opts->readonly, errbuf, errlen)) != AIKV_OK)
        goto fail;
    if (!opts->readonly) {
        char sql[256];
        static const char *const sync[] = {"OFF", "NORMAL", "FULL"};
        int d = opts->durability < 0 || opts->durability > 2 ? 1 : opts->durability;
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; "
                 "PRAGMA journal_size_limit = 67108864;",
                 sync[d]);
        if ((rc = exec(s->db, sql)) != SQLITE_OK) {
            snprintf(errbuf, errlen, "cannot set up '%s': %s", path, sqlite3_errmsg(s->db));
            code = map_rc(rc);
            goto fail;
        }
    }
    if (opts->max_bytes > 0) {
        /* Past this size writes fail with SQLITE_FULL, as on a full disk. */
        int64_t psize = 4096;
        pragma_int(s->db, "PRAGMA page_size", &psize);
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
                 (long long)(opts->max_bytes / (psize > 0 ? psize : 4096)));
        exec(s->db, sql);
    }
    if (opts->cache_kib > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%lld", (long long)opts->cache_kib);
        exec(s->db, sql);
    }
    exec(s->db, "PRAGMA temp_store = MEMORY");
    if (!opts->readonly)
        checkpointer_start(s);
    load_counts(s);
    int64_t trash = 0;
    pragma_int(s->db, "SELECT count(*) FROM (SELECT 1 FROM trash LIMIT 1)", &trash);
    s->trash_pending = trash > 0;
    *out = &s->base;
    return AIKV_OK;
fail:
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
    for (size_t i = 0; i < s->capcache; i++)
        if (s->cache[i].stmt)
            sqlite3_finalize(s->cache[i].stmt);
    ak_free(s->cache);
    ak_free(s->nkeys);
    ak_free(s->path);
    ak_free(s);
    return code;
}
