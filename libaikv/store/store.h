/*
 * store.h -- the storage engine interface.
 *
 * Commands never touch a data structure: they call these operations, which
 * each engine (memory now, SQLite later) implements natively. The interface
 * is type-level -- "append to this string", "set this TTL" -- rather than a
 * blob get/put, so that an on-disk engine never rewrites a whole value to
 * change part of it. Later data types add their own groups of operations
 * (list_*, hash_*, set_*, zset_*, stream_*) to this table.
 *
 * Rules every engine keeps:
 *   - Expired keys do not exist: every operation checks the key's TTL first
 *     and deletes an expired key (reporting it through on_expired) before
 *     acting, so callers never see one.
 *   - Slices returned by an engine (values, keys) stay valid until the next
 *     call on the same engine. Callers copy what they keep.
 *   - Return codes: AK_OK, AK_NOTFOUND (no such key), AK_WRONGTYPE, or an
 *     AIKV_* error. A found/not-found answer is never an error.
 *   - The engine does not signal key modifications: the command layer does,
 *     once per logical write (see core/signal.h).
 *   - A storage failure (disk full, I/O error, corruption) inside an
 *     operation is recorded in ak_engine.error / errmsg (the first one of
 *     the transaction); the operation returns as if it did nothing. The
 *     core checks `error` after each command, rolls the transaction back
 *     and replies with the error instead.
 */
#ifndef AK_STORE_H
#define AK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/clock.h"

#include "../../aikv.h"

typedef struct ak_slice {
    const char *p;
    size_t len;
} ak_slice;

static inline ak_slice ak_slice_of(const void *p, size_t len)
{
    ak_slice s = {(const char *)p, len};
    return s;
}

/* Internal return codes, beside the public AIKV_* ones. */
enum { AK_OK = 0, AK_NOTFOUND = -1, AK_WRONGTYPE = -2 };

/* Object encodings, named as OBJECT ENCODING reports them. */
typedef enum ak_encoding {
    AK_ENC_RAW = 0,
    AK_ENC_INT,
    AK_ENC_EMBSTR,
    AK_ENC_LISTPACK,
    AK_ENC_QUICKLIST,
    AK_ENC_HASHTABLE,
    AK_ENC_INTSET,
    AK_ENC_SKIPLIST,
    AK_ENC_STREAM
} ak_encoding;

const char *ak_encoding_name(ak_encoding e);

/* Redis's choice of a string's encoding, which every engine reports: INT
 * for a canonical 64-bit integer (unless flags has AK_STR_NOINT), EMBSTR up
 * to 44 bytes, RAW beyond (and after APPEND/SETRANGE). *ll gets the
 * integer when INT. */
int ak_string_encoding(ak_slice v, int flags, long long *ll);
/* OBJECT REFCOUNT of an INT string: Redis shares 0..9999. */
#define AK_SHARED_INTEGERS 10000
static inline int ak_string_refcount(int enc, long long v)
{
    return enc == AK_ENC_INT && v >= 0 && v < AK_SHARED_INTEGERS ? 0x7fffffff : 1;
}

#define AK_NO_EXPIRE (-1)
#define AK_KEEP_TTL (-2)

typedef struct ak_keyinfo {
    aikv_type_t type;    /* AIKV_TYPE_NONE when the key does not exist */
    ak_encoding encoding;
    int64_t expire;      /* absolute ms, or AK_NO_EXPIRE */
    int64_t idle_ms;     /* time since last access */
    int refcount;        /* OBJECT REFCOUNT (shared small integers: INT_MAX) */
} ak_keyinfo;

/* str_set flags */
#define AK_STR_NOINT 0x1 /* keep the text as text (INCRBYFLOAT results, as Redis) */

/* peek results */
enum { AK_KEY_ABSENT = 0, AK_KEY_LIVE = 1, AK_KEY_EXPIRED = 2 };

/* lookup flags */
#define AK_LOOKUP_NOTOUCH 0x1 /* do not update the access time */

/* Called for each key during scans; returns nothing. */
typedef void (*ak_key_fn)(void *ctx, ak_slice key, aikv_type_t type);

/* Callbacks through which collection operations hand out elements; the
 * slices are valid during the call only. */
typedef void (*ak_elem_fn)(void *ctx, ak_slice elem);                  /* list items, set members */
typedef void (*ak_pair_fn)(void *ctx, ak_slice field, ak_slice value);  /* hash fields */
typedef void (*ak_scored_fn)(void *ctx, ak_slice member, double score); /* sorted-set members */

typedef struct ak_engine ak_engine;

/* The time expiry is judged by: the wall clock, or while a script runs the
 * moment it started (ak_expiry_frozen_ms, set by script/lua.c), so that a
 * key does not expire in the middle of a script, as in Redis. Per thread:
 * the script's thread holds the store. */
extern _Thread_local int64_t ak_expiry_frozen_ms;
static inline int64_t ak_expiry_now(void)
{
    return ak_expiry_frozen_ms ? ak_expiry_frozen_ms : ak_mstime();
}

typedef struct ak_engine_stats {
    const char *path;     /* the store file */
    int durability;       /* AK_DURABILITY_* */
    uint64_t commits;     /* write transactions committed */
    uint64_t syncs;       /* of them, synced to disk before the reply */
    int64_t file_bytes;   /* size of the file and its WAL */
} ak_engine_stats;

/* Each collection type has its own table of operations, in its own header
 * (store/list.h, store/hash.h, store/set.h, store/zset.h). */
struct ak_list_ops;
struct ak_hash_ops;
struct ak_set_ops;
struct ak_zset_ops;

typedef struct ak_engine_ops {
    const char *name;
    void (*close)(ak_engine *e);

    /* ---- keyspace ---- */
    /* Fills ki (type NONE if missing). Never fails. */
    void (*lookup)(ak_engine *e, int db, ak_slice key, int flags, ak_keyinfo *ki);
    /* Whether the key is stored, with no side effect at all (no lazy
     * expiry, no access time): AK_KEY_ABSENT, AK_KEY_LIVE, or AK_KEY_EXPIRED
     * (still stored, its TTL passed). The one exception to "expired keys do
     * not exist": WATCH must see the keyspace as Redis's dict holds it. */
    int (*peek)(ak_engine *e, int db, ak_slice key);
    /* 1 if the key existed and was deleted. */
    int (*del)(ak_engine *e, int db, ak_slice key);
    uint64_t (*dbsize)(ak_engine *e, int db);
    uint64_t (*expires)(ak_engine *e, int db);  /* keys with a TTL */
    int64_t (*avg_ttl)(ak_engine *e, int db);   /* estimate, ms; 0 if unknown */
    /* when = absolute ms or AK_NO_EXPIRE. AK_NOTFOUND if no key. A time in
     * the past is the caller's business (it deletes instead). */
    int (*set_expire)(ak_engine *e, int db, ak_slice key, int64_t when);
    /* Moves src (db sdb) to dst (db ddb), replacing dst if `replace`, keeping
     * the TTL. AK_NOTFOUND if src is missing; 0 if dst exists and !replace;
     * 1 when moved. Covers RENAME, RENAMENX and MOVE. */
    int (*rename)(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace);
    /* COPY: like rename but src stays. Same returns. */
    int (*copy)(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace);
    void (*swapdb)(ak_engine *e, int a, int b);
    /* db = -1 flushes every database. async: free the contents in the
     * background (the keys are gone at once either way). */
    void (*flush)(ak_engine *e, int db, int async);
    /* One SCAN step; returns the next cursor (0 = done). */
    uint64_t (*scan)(ak_engine *e, int db, uint64_t cursor, ak_key_fn fn, void *ctx);
    /* A random live key into *out (valid until the next call); AK_NOTFOUND if empty. */
    int (*random_key)(ak_engine *e, int db, ak_slice *out);
    /* Background work (active expiry, rehashing) for about budget_us. */
    void (*cron)(ak_engine *e, int64_t budget_us);
    /* Bytes of memory the engine holds for its data (INFO used_memory_dataset). */
    size_t (*memory)(ak_engine *e);

    /* ---- strings ---- */
    /* AK_OK with *val, AK_NOTFOUND, AK_WRONGTYPE. */
    int (*str_get)(ak_engine *e, int db, ak_slice key, ak_slice *val);
    /* Creates or replaces the key with a string. expire: absolute ms,
     * AK_NO_EXPIRE (clears any TTL) or AK_KEEP_TTL. flags: AK_STR_*. */
    int (*str_set)(ak_engine *e, int db, ak_slice key, ak_slice val, int64_t expire, int flags);
    /* APPEND (creating the key if missing); AK_WRONGTYPE. */
    int (*str_append)(ak_engine *e, int db, ak_slice key, ak_slice val, size_t *newlen);
    /* SETRANGE: writes val at off, zero-padding; creates the key if missing. */
    int (*str_setrange)(ak_engine *e, int db, ak_slice key, size_t off, ak_slice val,
                        size_t *newlen);

    /* ---- transactions (NULL in an engine without them) ----
     * Operations run inside the engine's current transaction, which the
     * engine opens itself when the first operation needs one. commit makes
     * everything since then durable (per the durability setting) and
     * returns AK_OK or the AIKV_* error, after which the transaction is
     * rolled back; rollback discards it. Both are no-ops with none open. */
    int (*commit)(ak_engine *e);
    void (*rollback)(ak_engine *e);
    /* Savepoints (embedded transactions, scripts): savepoint opens one
     * inside the current transaction and returns its handle (> 0);
     * rollback_to undoes every write since it opened (it stays open);
     * release closes it and those opened inside it, keeping their writes
     * for the enclosing transaction. */
    uint64_t (*savepoint)(ak_engine *e);
    void (*rollback_to)(ak_engine *e, uint64_t sp);
    void (*release)(ak_engine *e, uint64_t sp);
    /* INFO storage: what an engine with a file reports (NULL: none). */
    void (*stats)(ak_engine *e, struct ak_engine_stats *out);

    /* ---- function libraries (FUNCTION LOAD), kept with the data ----
     * A library is its name and its code; the engine stores them, the
     * core compiles them (script/function.c). lib_put stores or replaces
     * `name` (code.p NULL: deletes it; name.p NULL: deletes every library),
     * inside the current transaction and its savepoints like any write;
     * AK_OK or an AIKV_* error. lib_each hands out every library in name
     * order (slices valid during the call). lib_version changes with
     * every change of the libraries -- this store's or, in a file, another
     * process's -- and goes back with a rollback that undoes one, so that
     * equal versions mean equal libraries. */
    int (*lib_put)(ak_engine *e, ak_slice name, ak_slice code);
    void (*lib_each)(ak_engine *e, ak_pair_fn fn, void *ctx);
    uint64_t (*lib_version)(ak_engine *e);

    /* ---- collections ---- */
    const struct ak_list_ops *list;
    const struct ak_hash_ops *hash;
    const struct ak_set_ops *set;
    const struct ak_zset_ops *zset;
} ak_engine_ops;

/* Hook the engine calls when it removes an expired key (lazily or in its
 * cron), so the core can count it and signal watchers. */
typedef void (*ak_expired_fn)(void *owner, int db, ak_slice key);

struct ak_config;

struct ak_engine {
    const ak_engine_ops *ops;
    const struct ak_config *cfg; /* the store's settings (encoding thresholds) */
    int ndb;
    int notouch;  /* set by dispatch for CLIENT NO-TOUCH: reads keep access times */
    int no_active_expire; /* DEBUG SET-ACTIVE-EXPIRE 0: the cron leaves expired keys */
    int reading;          /* set by dispatch while a command that never writes runs:
                             an engine's undo log need not record what it reaches */
    ak_expired_fn on_expired;
    void *owner;
    uint64_t foreign_writes; /* commits of other processes seen so far (a shared
                                SQLite file): WATCH cannot tell their keys */
    int error;          /* AIKV_* code of the first storage failure, 0 if none */
    char errmsg[256];   /* its message */
};

/* The memory engine (store/mem). */
ak_engine *ak_mem_engine_new(int ndb);

/* The SQLite engine (store/sqlite): the store file at `path`, created if
 * missing. */
enum { AK_DURABILITY_OFF = 0, AK_DURABILITY_NORMAL = 1, AK_DURABILITY_FULL = 2 };
typedef struct ak_sqlite_opts {
    int durability;      /* AK_DURABILITY_*: synchronous OFF / NORMAL / FULL */
    int64_t cache_kib;   /* page cache size (KiB); 0 = SQLite's default */
    int readonly;        /* open read-only (another process writes) */
    int64_t max_bytes;   /* the file may not grow past this (SQLITE_FULL); 0 = no limit */
} ak_sqlite_opts;
/* AK_OK with *out, or an AIKV_* code with the message in errbuf. */
int ak_sqlite_engine_open(const char *path, int ndb, const ak_sqlite_opts *opts, ak_engine **out,
                          char *errbuf, size_t errlen);

#endif
