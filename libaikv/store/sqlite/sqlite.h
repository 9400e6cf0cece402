/*
 * sqlite.h -- the SQLite engine's shared internals.
 *
 * The engine keeps every database of a store in one SQLite file (schema in
 * docs/storage.md, created by sqlite.c): a `keys` table with one row per
 * key (its name, type, encoding, expiry, element count, and a string's
 * value), and one table per collection type whose rows are the elements,
 * keyed by the key's row id (`kid`). Each type's file (list.c, hash.c,
 * set.c, zset.c) implements that type's operations table with SQL only:
 * no operation loads a whole collection to change part of it.
 *
 * Transactions: the first statement an operation prepares opens a
 * transaction (BEGIN) if none is open; it stays open until the core calls
 * the engine's commit (after each embedded call or command, or once per
 * event-loop turn in the server: group commit). An SQLite error inside an
 * operation is recorded in ak_engine.error (the first one wins) and the
 * operation returns whatever "nothing happened" means for it; the core
 * then rolls the transaction back and turns the command's reply into the
 * error (see ak_engine.error in store.h).
 *
 * The schema (version SQ_SCHEMA_VERSION in PRAGMA user_version):
 *
 *   keys(id INTEGER PRIMARY KEY, db, key BLOB, type, enc, expire, count,
 *        lo, hi, value BLOB)           UNIQUE (db, key); index on expire
 *   list_items(kid, pos, value)        PRIMARY KEY (kid, pos); the list is
 *                                      the rows lo..hi in pos order, no gaps
 *   hash_fields(kid, field, value, seq) PRIMARY KEY (kid, field); index
 *                                      (kid, seq): insertion order
 *   set_members(kid, member)           PRIMARY KEY (kid, member); member is
 *                                      an INTEGER or a BLOB (sq_bind_member)
 *   zset_members(kid, member, score)   PRIMARY KEY (kid, member); index
 *                                      (kid, score, member)
 *   functions(name, code)              the FUNCTION libraries (format 2)
 *
 * The element tables are WITHOUT ROWID (clustered on their primary key).
 *
 * Rules for the type files:
 *   - sq_key_get() first: it deletes an expired key, checks the type and
 *     fills an sq_key with the row's metadata. Keep k->count exact, pick
 *     k->enc with Redis's thresholds (e->cfg) and sticky conversions, and
 *     call sq_key_save() after changing them; when the last element goes,
 *     sq_key_delete() instead.
 *   - Statements come from sq_prep() with a `static const char` SQL text:
 *     they are prepared once per connection and cached by that pointer.
 *     Step with sq_step(), finish with sq_reset() (always, also on errors:
 *     an unreset statement holds a read lock).
 *   - Slices handed out "until the next engine call" must be copied with
 *     sq_keep() before the statement is reset; slices handed to callbacks
 *     may point into the current row.
 */
#ifndef AK_SQLITE_H
#define AK_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>

#include "../store.h"

#define SQ_SCHEMA_VERSION 2

/* One cached statement: the SQL text's address is its identity. */
typedef struct sq_cached {
    const char *sql;
    sqlite3_stmt *stmt;
} sq_cached;

typedef struct sq_engine {
    ak_engine base;
    uint64_t serial; /* unique in the process, never reused (zset.c's scan marks) */
    sqlite3 *db;
    char *path;
    int in_txn;      /* a transaction is open */
    uint64_t sp_depth; /* savepoints open inside it */
    int durability;  /* AK_DURABILITY_* */
    uint64_t commits, syncs; /* committed write transactions; of them, fsynced */
    int wrote;       /* the open transaction wrote something */
    sq_cached *cache;
    size_t ncache, capcache;
    char *keep, *keep2; /* sq_keep()'s buffers (slots 0 and 1) */
    size_t keepcap, keep2cap;
    uint64_t rng;    /* sq_rand()'s state */
    int64_t *nkeys;  /* keys per database (DBSIZE), reloaded after a rollback
                        or another process's write (data_version) */
    int64_t data_version;
    /* The checkpointer thread and its connection (sqlite.c). */
    sqlite3 *ckpt_db;
    pthread_t ckpt_thread;
    pthread_mutex_t ckpt_lock;
    pthread_cond_t ckpt_cond;
    int ckpt_stop;
    int trash_pending; /* deleted collections' elements wait in `trash` */
    int no_functions;  /* a format-1 file opened read-only: no functions table */
    int64_t libver;    /* lib_version, while libver_known: dropped by a rollback, a
                          lib_put and another process's write (data_version) */
    int libver_known;
} sq_engine;

static inline sq_engine *SQ(ak_engine *e)
{
    return (sq_engine *)e;
}

/* ---------------------------------------------------------------- statements */

/* The cached statement for `sql` (a string literal or static array: its
 * address is the cache key), ready to bind. Opens a transaction first if
 * none is open. Never NULL (a statement that does not prepare is a bug:
 * the engine aborts with the SQL and SQLite's message). */
sqlite3_stmt *sq_prep(sq_engine *s, const char *sql);
/* sqlite3_step(): SQLITE_ROW or SQLITE_DONE; anything else is recorded in
 * s->err (with the message) and returned. */
int sq_step(sq_engine *s, sqlite3_stmt *st);
/* Resets the statement and clears its bindings. */
void sq_reset(sqlite3_stmt *st);
/* Steps a statement that returns no rows to completion and resets it:
 * AK_OK, or the AIKV_* error (also recorded in s->err). */
int sq_run(sq_engine *s, sqlite3_stmt *st);
/* Records an SQLite failure (rc, and the connection's message) in s->err if
 * none is recorded yet; returns the AIKV_* code. */
int sq_fail(sq_engine *s, int rc);
/* Marks the transaction as writing (so commit fsyncs per `durability`). */
static inline void sq_wrote(sq_engine *s)
{
    s->wrote = 1;
}

/* Binding helpers. */
static inline void sq_bind_slice(sqlite3_stmt *st, int i, ak_slice v)
{
    /* A zero-length blob, never NULL: "" is a value. */
    sqlite3_bind_blob(st, i, v.len ? v.p : "", (int)v.len, SQLITE_STATIC);
}
static inline ak_slice sq_column_slice(sqlite3_stmt *st, int col)
{
    const void *p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    ak_slice s = {p ? (const char *)p : "", (size_t)n};
    return s;
}

/* Set members and similar: a canonical integer ("12", "-7") is stored as an
 * SQLite INTEGER (smaller, and ordered numerically ahead of every blob, like
 * an intset), anything else as a BLOB. sq_column_member() gives the same
 * bytes back; buf must hold 21 bytes and live as long as the slice. */
void sq_bind_member(sqlite3_stmt *st, int i, ak_slice m);
ak_slice sq_column_member(sqlite3_stmt *st, int col, char *buf);

/* Copies bytes into the engine's keep buffer so that they stay valid until
 * the next engine call (the statement they came from may be reset). Two
 * regions may be kept at once: `slot` 0 or 1. */
ak_slice sq_keep(sq_engine *s, int slot, ak_slice v);

/* A pseudo-random 64-bit number (xorshift; seeded at open). */
uint64_t sq_rand(sq_engine *s);

/* ---------------------------------------------------------------- keys */

typedef struct sq_key {
    int64_t id;      /* the keys row id (0: no such key) */
    int db;
    int type;        /* aikv_type_t */
    int enc;         /* ak_encoding */
    int64_t expire;  /* absolute ms, or AK_NO_EXPIRE */
    int64_t count;   /* elements of a collection */
    int64_t lo, hi;  /* type-specific: list positions of the first and last
                        element; a hash's next insertion sequence in hi */
} sq_key;

/* Finds a live key (deleting it first if its TTL passed, reporting it to
 * on_expired). type AIKV_TYPE_NONE accepts any type. AK_OK with *k filled,
 * AK_NOTFOUND (k->id = 0), or AK_WRONGTYPE. */
int sq_key_get(sq_engine *s, int db, ak_slice key, aikv_type_t type, sq_key *k);
/* Inserts a new key row for a key that does not exist (count 0, lo = hi =
 * 0, no expiry) and fills *k. AK_OK or an AIKV_* error. */
int sq_key_create(sq_engine *s, int db, ak_slice key, aikv_type_t type, int enc, sq_key *k);
/* Writes k->enc, count, lo, hi back to the key's row. */
int sq_key_save(sq_engine *s, const sq_key *k);
/* Deletes the key's row and its elements (a large collection's elements
 * go in the background, a chunk per cron step). k->count must still say
 * how many element rows there are: it picks inline or background. */
int sq_key_delete(sq_engine *s, sq_key *k);

/* The operations tables of the types, defined in list.c, hash.c, set.c,
 * zset.c. */
extern const struct ak_list_ops sq_list_ops;
extern const struct ak_hash_ops sq_hash_ops;
extern const struct ak_set_ops sq_set_ops;
extern const struct ak_zset_ops sq_zset_ops;

/* Frees the calling thread's ZSCAN marks of s (zset.c), at close. */
void sq_zset_forget_scans(const sq_engine *s);

#endif
