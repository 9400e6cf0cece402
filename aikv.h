/*
 * aikv.h -- the whole public API of libaikv.
 *
 * libaikv is Redis's data model as an embeddable C library. A store is opened
 * with aikv_open() and used through handles:
 *
 *   aikv_db_t       a view of one logical database (0..databases-1) of a
 *                   store. aikv_open() returns the view of database 0; the
 *                   other views come from aikv_db_select() and are owned by
 *                   the store.
 *   aikv_session_t  per-client state (selected database, protocol 2 or 3,
 *                   name, authentication) for running any Redis command with
 *                   aikv_command() / aikv_command_argv().
 *   aikv_reply_t    one tagged tree holding a reply of any RESP3 type, freed
 *                   as a whole by aikv_reply_free().
 *
 * Conventions
 *   - Every function that can fail returns an int result code: AIKV_OK (0) or
 *     one of the AIKV_* codes below. "Not found" is not an error: it is
 *     AIKV_OK with the output set to say so (NULL value, 0 count, -2 TTL...).
 *   - aikv_errmsg() gives the text of the last failure on the calling thread.
 *   - Keys and values are (pointer, length) pairs and binary safe. The library
 *     copies what it keeps: input buffers may be freed when a call returns.
 *   - Every buffer the library hands out is freed by aikv_free(); replies by
 *     aikv_reply_free(). Destructors accept NULL.
 *   - Times are milliseconds since the Unix epoch (absolute) or milliseconds
 *     (relative), as int64_t.
 *
 * Thread safety
 *   A store may be shared by threads. Every call on a store, through any of
 *   its aikv_db_t views or sessions, takes the store's mutex: calls run one at
 *   a time and each is atomic. A session is not itself synchronised beyond
 *   that: use one session from one thread at a time. aikv_errmsg() and
 *   aikv_errstr() are thread safe.
 */
#ifndef AIKV_H
#define AIKV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AIKV_API __attribute__((visibility("default")))
#else
#define AIKV_API
#endif

/* Compile-time version; aikv_libversion*() give the linked library's. */
#define AIKV_VERSION "0.1.0"
#define AIKV_VERSION_NUMBER 1000 /* major*1000000 + minor*1000 + patch */
/* The Redis version whose behaviour AiKv follows (reported by INFO, HELLO). */
#define AIKV_REDIS_VERSION "7.0.15"

AIKV_API const char *aikv_libversion(void);
AIKV_API int aikv_libversion_number(void);

/* ---------------------------------------------------------------- result codes
 * One list, so that the codes and aikv_errstr() cannot drift apart. */
#define AIKV_RESULT_CODES(X)                                                     \
    X(AIKV_OK, 0, "not an error")                                                \
    X(AIKV_ERROR, 1, "error")                                                    \
    X(AIKV_NOMEM, 2, "out of memory")                                            \
    X(AIKV_MISUSE, 3, "library routine called incorrectly")                      \
    X(AIKV_WRONGTYPE, 4, "operation against a key holding the wrong kind of value") \
    X(AIKV_NOTNUM, 5, "value is not a number or out of range")                   \
    X(AIKV_OVERFLOW, 6, "increment or decrement would overflow")                 \
    X(AIKV_NOKEY, 7, "no such key")                                              \
    X(AIKV_RANGE, 8, "argument out of range")                                    \
    X(AIKV_CANTOPEN, 9, "unable to open the store")                              \
    X(AIKV_IOERR, 10, "disk I/O error")                                          \
    X(AIKV_CORRUPT, 11, "the store file is malformed")                           \
    X(AIKV_TOOBIG, 12, "string or value too big")

enum {
#define AIKV_X_(name, value, text) name = value,
    AIKV_RESULT_CODES(AIKV_X_)
#undef AIKV_X_
};

/* Static English text of a result code; never NULL. */
AIKV_API const char *aikv_errstr(int rc);

/* The message of the last failed call made by this thread (more precise than
 * aikv_errstr(), e.g. naming the file that could not be opened). Owned by
 * the library, valid until the thread's next call. `db` may be NULL. */
typedef struct aikv_db aikv_db_t;
AIKV_API const char *aikv_errmsg(aikv_db_t *db);

/* Frees a buffer returned by the library. NULL is a no-op. */
AIKV_API void aikv_free(void *p);

/* ---------------------------------------------------------------- opening */

typedef struct aikv_options {
    int version;   /* set to AIKV_OPTIONS_VERSION */
    int databases; /* number of logical databases; 0 = 16 */
    /* Since version 2 (SQLite engine only): */
    int durability;        /* AIKV_DURABILITY_*; 0 = NORMAL */
    long long cache_bytes; /* SQLite page cache; 0 = 64 MiB */
} aikv_options_t;
#define AIKV_OPTIONS_VERSION 2

/* When a committed write reaches the disk (docs/storage.md). */
#define AIKV_DURABILITY_NORMAL 1 /* WAL fsynced at checkpoints: survives a crash of
                                    the process, a power cut may lose the last writes */
#define AIKV_DURABILITY_FULL 2   /* fsync before each commit returns */
#define AIKV_DURABILITY_OFF 3    /* never fsync */

/* Opens a store and sets *out to the view of its database 0.
 *   path NULL or ":memory:"  in-memory engine.
 *   any other path           SQLite engine on that file, created if missing
 *                            (docs/storage.md has its schema). Each call
 *                            (or aikv_command) is one transaction, committed
 *                            before it returns; when that commit fails (a
 *                            full disk, an I/O error) the call returns the
 *                            error (AIKV_IOERR...), applied nothing and hands
 *                            out no result. AIKV_CANTOPEN, AIKV_CORRUPT
 *                            (not an AiKv store, truncated) or AIKV_IOERR
 *                            with aikv_errmsg() saying why.
 * opts may be NULL for the defaults (version 1 options are accepted). On
 * failure *out is NULL. */
AIKV_API int aikv_open(const char *path, const aikv_options_t *opts, aikv_db_t **out);

/* Closes the store `db` belongs to: every view and session of it becomes
 * invalid (sessions must be freed first). NULL is a no-op. */
AIKV_API void aikv_close(aikv_db_t *db);

/* ---------------------------------------------------------------- transactions */

/* Embedded transactions, all-or-nothing on both engines (the SQLite engine:
 * one SQLite transaction; the memory engine: an undo log that copies each
 * key the first time the transaction reaches it).
 *
 * aikv_begin opens a transaction on db's store (every database of it) and
 * keeps the store locked until aikv_commit or aikv_rollback: the calling
 * thread goes on using the store (typed API and sessions alike) and sees
 * its own writes; other threads' calls wait until the transaction ends, so
 * they never see a part of it, and other processes reading a SQLite store
 * see it only once committed. The thread that begins must end it.
 *
 * aikv_begin: AIKV_MISUSE if this thread already has one open.
 * aikv_commit: makes every write since aikv_begin durable. AIKV_MISUSE
 *   without a transaction. If storage failed during the transaction (or at
 *   the commit), nothing is applied and the error code is returned
 *   (aikv_errmsg says why).
 * aikv_rollback: undoes every write since aikv_begin. AIKV_MISUSE without
 *   a transaction. */
AIKV_API int aikv_begin(aikv_db_t *db);
AIKV_API int aikv_commit(aikv_db_t *db);
AIKV_API int aikv_rollback(aikv_db_t *db);

/* The view of logical database `index` of db's store, or NULL if out of
 * range. Owned by the store: never pass it to aikv_close() on its own. */
AIKV_API aikv_db_t *aikv_db_select(aikv_db_t *db, int index);

/* The index of the logical database this view addresses. */
AIKV_API int aikv_db_index(const aikv_db_t *db);

/* ---------------------------------------------------------------- types */

typedef enum aikv_type {
    AIKV_TYPE_NONE = 0, /* no such key */
    AIKV_TYPE_STRING,
    AIKV_TYPE_LIST,
    AIKV_TYPE_SET,
    AIKV_TYPE_ZSET,
    AIKV_TYPE_HASH,
    AIKV_TYPE_STREAM
} aikv_type_t;

/* Redis's name of a type ("string", "list", ..., "none"). */
AIKV_API const char *aikv_type_name(aikv_type_t t);

/* ---------------------------------------------------------------- strings */

/* SET options. Pass NULL to aikv_set() for a plain SET. */
#define AIKV_SET_NX 0x01      /* only if the key does not exist */
#define AIKV_SET_XX 0x02      /* only if the key exists */
#define AIKV_SET_KEEPTTL 0x04 /* keep the key's TTL instead of clearing it */
#define AIKV_SET_GET 0x08     /* return the old value in opt->old */
#define AIKV_SET_PX 0x10      /* expire is relative, in ms */
#define AIKV_SET_PXAT 0x20    /* expire is absolute, ms since the epoch */

typedef struct aikv_setopt {
    unsigned flags;  /* AIKV_SET_* */
    int64_t expire;  /* with AIKV_SET_PX or AIKV_SET_PXAT; must be > 0 */
    int applied;     /* out: 1 if the value was written, 0 if NX/XX said no */
    char *old;       /* out, AIKV_SET_GET: the previous value or NULL; aikv_free() it */
    size_t oldlen;   /* out: its length */
} aikv_setopt_t;

/* SET key value [NX|XX] [GET] [PX|PXAT|KEEPTTL]. opt may be NULL.
 * AIKV_WRONGTYPE only with AIKV_SET_GET and an existing non-string key.
 * AIKV_RANGE for a non-positive or overflowing expire, AIKV_MISUSE for
 * contradictory flags. */
AIKV_API int aikv_set(aikv_db_t *db, const void *key, size_t klen, const void *val,
                      size_t vlen, aikv_setopt_t *opt);

/* GET: *val is a NUL-terminated copy (aikv_free() it), or NULL when the key
 * does not exist. AIKV_WRONGTYPE for a non-string key. */
AIKV_API int aikv_get(aikv_db_t *db, const void *key, size_t klen, char **val, size_t *vlen);

/* INCRBY / DECRBY (by < 0): *result (may be NULL) is the new value.
 * AIKV_NOTNUM if the value is not an integer, AIKV_OVERFLOW on overflow. */
AIKV_API int aikv_incrby(aikv_db_t *db, const void *key, size_t klen, int64_t by,
                         int64_t *result);

/* INCRBYFLOAT. AIKV_NOTNUM for a non-float value or a NaN/inf result. */
AIKV_API int aikv_incrbyfloat(aikv_db_t *db, const void *key, size_t klen, double by,
                              double *result);

/* APPEND: *newlen (may be NULL) is the string's length afterwards. */
AIKV_API int aikv_append(aikv_db_t *db, const void *key, size_t klen, const void *val,
                         size_t vlen, size_t *newlen);

/* STRLEN: 0 for a missing key. */
AIKV_API int aikv_strlen(aikv_db_t *db, const void *key, size_t klen, size_t *len);

/* GETRANGE with Redis's index rules (negative = from the end, inclusive
 * end). *out is a NUL-terminated copy, "" when the range is empty. */
AIKV_API int aikv_getrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                           int64_t end, char **out, size_t *outlen);

/* SETRANGE: zero-pads up to offset. AIKV_TOOBIG past proto-max-bulk-len. */
AIKV_API int aikv_setrange(aikv_db_t *db, const void *key, size_t klen, size_t offset,
                           const void *val, size_t vlen, size_t *newlen);

/* ---------------------------------------------------------------- keys */

/* DEL: *deleted (may be NULL) is 1 if the key existed. */
AIKV_API int aikv_del(aikv_db_t *db, const void *key, size_t klen, int *deleted);

/* EXISTS: *exists is 0 or 1. */
AIKV_API int aikv_exists(aikv_db_t *db, const void *key, size_t klen, int *exists);

/* TYPE: AIKV_TYPE_NONE for a missing key. */
AIKV_API int aikv_type(aikv_db_t *db, const void *key, size_t klen, aikv_type_t *type);

/* Expire conditions (Redis 7), combined with one time unit flag. */
#define AIKV_EXPIRE_NX 0x01 /* only if the key has no TTL */
#define AIKV_EXPIRE_XX 0x02 /* only if the key has a TTL */
#define AIKV_EXPIRE_GT 0x04 /* only if the new TTL is greater */
#define AIKV_EXPIRE_LT 0x08 /* only if the new TTL is less */
#define AIKV_EXPIRE_AT 0x10 /* `ms` is absolute (PEXPIREAT) instead of relative */

/* PEXPIRE / PEXPIREAT with NX/XX/GT/LT. *applied (may be NULL) is 1 if the
 * TTL was set (or the key deleted because the time is in the past), 0 if
 * the key does not exist or a condition said no. */
AIKV_API int aikv_expire(aikv_db_t *db, const void *key, size_t klen, int64_t ms,
                         unsigned flags, int *applied);

/* PTTL: remaining ms, -1 if the key has no TTL, -2 if it does not exist. */
AIKV_API int aikv_pttl(aikv_db_t *db, const void *key, size_t klen, int64_t *ttl_ms);

/* TTL in seconds (rounded as Redis does), -1 / -2 as for aikv_pttl(). */
AIKV_API int aikv_ttl(aikv_db_t *db, const void *key, size_t klen, int64_t *ttl_s);

/* PEXPIRETIME: absolute expiry in ms, -1 no TTL, -2 no key. */
AIKV_API int aikv_pexpiretime(aikv_db_t *db, const void *key, size_t klen, int64_t *when_ms);

/* PERSIST: *applied is 1 if a TTL was removed. */
AIKV_API int aikv_persist(aikv_db_t *db, const void *key, size_t klen, int *applied);

/* RENAME (nx = 0) or RENAMENX (nx = 1). AIKV_NOKEY if `key` does not exist.
 * *applied (may be NULL) is 0 when RENAMENX found newkey present. */
AIKV_API int aikv_rename(aikv_db_t *db, const void *key, size_t klen, const void *newkey,
                         size_t newklen, int nx, int *applied);

/* SCAN cursor [MATCH pattern] [COUNT count]. Start with cursor 0; the scan
 * is complete when *next is 0. Every key present during the whole scan is
 * returned at least once. pattern may be NULL (all keys); count 0 = 10.
 * *keys is an AIKV_REPLY_ARRAY of AIKV_REPLY_STRING (aikv_reply_free()). */
typedef struct aikv_reply aikv_reply_t;
AIKV_API int aikv_scan(aikv_db_t *db, uint64_t cursor, const char *pattern, size_t count,
                       uint64_t *next, aikv_reply_t **keys);

/* DBSIZE of this view's database. */
AIKV_API int aikv_dbsize(aikv_db_t *db, uint64_t *n);

/* ---------------------------------------------------------------- hashes
 * Fields and values are binary safe. A hash never exists empty: it is
 * created by its first field and deleted with its last one. Every function
 * returns AIKV_WRONGTYPE (and changes nothing) when the key holds another
 * type. */

/* HSET key field value: creates the key and the field as needed, or
 * replaces the field's value. *added (may be NULL) is 1 if the field is new,
 * 0 if it was updated. */
AIKV_API int aikv_hset(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, const void *val, size_t vlen, int *added);

/* HGET: *val is a NUL-terminated copy of the value (aikv_free() it), or NULL
 * when the key or the field does not exist. vlen may be NULL. */
AIKV_API int aikv_hget(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, char **val, size_t *vlen);

/* HDEL key field: *deleted (may be NULL) is 1 if the field existed. The key
 * is deleted with its last field. */
AIKV_API int aikv_hdel(aikv_db_t *db, const void *key, size_t klen, const void *field,
                       size_t flen, int *deleted);

/* HGETALL: *out is an AIKV_REPLY_ARRAY of AIKV_REPLY_STRING elements
 * field, value, field, value... (empty for a missing key), freed with
 * aikv_reply_free(). The order of the pairs is unspecified (it is insertion
 * order while the hash is small). */
AIKV_API int aikv_hgetall(aikv_db_t *db, const void *key, size_t klen, aikv_reply_t **out);

/* HLEN: number of fields, 0 for a missing key. */
AIKV_API int aikv_hlen(aikv_db_t *db, const void *key, size_t klen, uint64_t *n);

/* HINCRBY: adds `by` to the field's integer value (a missing key or field
 * counts as 0); *result (may be NULL) is the new value. AIKV_NOTNUM if the
 * value is not an integer, AIKV_OVERFLOW if the sum would overflow; nothing
 * changes then. */
AIKV_API int aikv_hincrby(aikv_db_t *db, const void *key, size_t klen, const void *field,
                          size_t flen, int64_t by, int64_t *result);

/* ---------------------------------------------------------------- lists
 * Elements are binary safe. Indexes are Redis's: 0 is the head, -1 the
 * tail. A list never exists empty: it is created by its first push and
 * deleted with its last element. Every function returns AIKV_WRONGTYPE (and
 * changes nothing) when the key holds another type. */

/* LPUSH key v1 v2 ...: inserts the n values at the head, one after the
 * other (so the last value ends up first), creating the key if needed.
 * vals[i] has vlens[i] bytes; vlens may be NULL when every value is a
 * NUL-terminated string. *len (may be NULL) is the length afterwards.
 * AIKV_MISUSE when n is 0. */
AIKV_API int aikv_lpush(aikv_db_t *db, const void *key, size_t klen, const void *const *vals,
                        const size_t *vlens, size_t n, size_t *len);

/* RPUSH: as aikv_lpush(), appending at the tail in order. */
AIKV_API int aikv_rpush(aikv_db_t *db, const void *key, size_t klen, const void *const *vals,
                        const size_t *vlens, size_t n, size_t *len);

/* LPOP key count: removes up to `count` elements from the head. *out is an
 * AIKV_REPLY_ARRAY of AIKV_REPLY_STRING in the order they were popped
 * (aikv_reply_free() it), empty when count is 0, or NULL when the key does
 * not exist. The key is deleted with its last element. */
AIKV_API int aikv_lpop(aikv_db_t *db, const void *key, size_t klen, size_t count,
                       aikv_reply_t **out);

/* RPOP key count: as aikv_lpop(), from the tail. */
AIKV_API int aikv_rpop(aikv_db_t *db, const void *key, size_t klen, size_t count,
                       aikv_reply_t **out);

/* LLEN: number of elements, 0 for a missing key. */
AIKV_API int aikv_llen(aikv_db_t *db, const void *key, size_t klen, uint64_t *n);

/* LRANGE key start stop (inclusive; negative counts from the tail; out of
 * range indexes are clamped as Redis does). *out is an AIKV_REPLY_ARRAY of
 * AIKV_REPLY_STRING, empty for a missing key or an empty range. */
AIKV_API int aikv_lrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                         int64_t stop, aikv_reply_t **out);

/* LINDEX: *val is a NUL-terminated copy of the element at `index`
 * (aikv_free() it), or NULL when the key does not exist or the index is
 * outside the list. vlen may be NULL. */
AIKV_API int aikv_lindex(aikv_db_t *db, const void *key, size_t klen, int64_t index, char **val,
                         size_t *vlen);

/* ---------------------------------------------------------------- sets
 * Members are binary safe. A set never exists empty: it is created by its
 * first member and deleted with its last one. Every function returns
 * AIKV_WRONGTYPE (and changes nothing) when the key holds another type. */

/* SADD key m1 m2 ...: adds the n members, creating the key if needed.
 * members[i] has lens[i] bytes; lens may be NULL when every member is a
 * NUL-terminated string. *added (may be NULL) is the number of members that
 * were not in the set before. AIKV_MISUSE when n is 0. */
AIKV_API int aikv_sadd(aikv_db_t *db, const void *key, size_t klen, const void *const *members,
                       const size_t *lens, size_t n, size_t *added);

/* SREM key m1 m2 ...: removes the n members (arguments as aikv_sadd()).
 * *removed (may be NULL) is the number that were present; 0 for a missing
 * key. The key is deleted with its last member. AIKV_MISUSE when n is 0. */
AIKV_API int aikv_srem(aikv_db_t *db, const void *key, size_t klen, const void *const *members,
                       const size_t *lens, size_t n, size_t *removed);

/* SISMEMBER: *is is 1 if the member is in the set, 0 if not or if the key
 * does not exist. */
AIKV_API int aikv_sismember(aikv_db_t *db, const void *key, size_t klen, const void *member,
                            size_t mlen, int *is);

/* SMEMBERS: *out is an AIKV_REPLY_ARRAY of AIKV_REPLY_STRING, one per
 * member in no particular order (empty for a missing key), freed with
 * aikv_reply_free(). */
AIKV_API int aikv_smembers(aikv_db_t *db, const void *key, size_t klen, aikv_reply_t **out);

/* SCARD: number of members, 0 for a missing key. */
AIKV_API int aikv_scard(aikv_db_t *db, const void *key, size_t klen, uint64_t *n);

/* ---------------------------------------------------------------- sorted sets
 * Members are binary safe; scores are doubles, never NaN (+/-inf are
 * allowed). A sorted set is ordered by score, equal scores by member bytes
 * (memcmp, a shorter prefix first); it is created by its first member and
 * deleted with its last one. Every function returns AIKV_WRONGTYPE (and
 * changes nothing) when the key holds another type. */

/* aikv_zadd() conditions (Redis's ZADD options). */
#define AIKV_ZADD_NX 0x01   /* only add new members, never update one */
#define AIKV_ZADD_XX 0x02   /* only update existing members, never add one */
#define AIKV_ZADD_GT 0x04   /* update only to a greater score (new members are added) */
#define AIKV_ZADD_LT 0x08   /* update only to a smaller score (new members are added) */
#define AIKV_ZADD_INCR 0x10 /* add `score` to the current one (a new member gets `score`) */

/* What aikv_zadd() did, in *result. */
#define AIKV_ZADD_REFUSED (-1) /* a condition said no: nothing changed */
#define AIKV_ZADD_SAME 0       /* the member already had that score */
#define AIKV_ZADD_ADDED 1      /* the member is new */
#define AIKV_ZADD_UPDATED 2    /* the member's score changed */

/* ZADD key [NX|XX] [GT|LT] [INCR] score member: adds the member or sets its
 * score, creating the key as needed. *result (may be NULL) is one of the
 * AIKV_ZADD_ results above; *newscore (may be NULL) is the member's score
 * afterwards, left untouched when refused. AIKV_NOTNUM when score is NaN or
 * when INCR adds inf to -inf (nothing changes then); AIKV_MISUSE for NX
 * with XX, GT or LT, or GT with LT. */
AIKV_API int aikv_zadd(aikv_db_t *db, const void *key, size_t klen, const void *member,
                       size_t mlen, double score, unsigned flags, int *result, double *newscore);

/* ZSCORE: *found is 1 and *score the member's score, or *found is 0 when the
 * key or the member does not exist. score may be NULL. */
AIKV_API int aikv_zscore(aikv_db_t *db, const void *key, size_t klen, const void *member,
                         size_t mlen, double *score, int *found);

/* ZREM key member: *removed (may be NULL) is 1 if the member was present.
 * The key is deleted with its last member. */
AIKV_API int aikv_zrem(aikv_db_t *db, const void *key, size_t klen, const void *member,
                       size_t mlen, int *removed);

/* ZCARD: number of members, 0 for a missing key. */
AIKV_API int aikv_zcard(aikv_db_t *db, const void *key, size_t klen, uint64_t *n);

/* ZRANK (rev = 0, lowest score first) or ZREVRANK (rev = 1): *rank is the
 * member's 0-based position, or -1 when the key or the member does not
 * exist. */
AIKV_API int aikv_zrank(aikv_db_t *db, const void *key, size_t klen, const void *member,
                        size_t mlen, int rev, int64_t *rank);

/* Range flags. */
#define AIKV_ZRANGE_REV 0x01        /* highest score first */
#define AIKV_ZRANGE_WITHSCORES 0x02 /* each member is followed by its score */
#define AIKV_ZRANGE_MINEX 0x04      /* aikv_zrangebyscore: exclude min itself */
#define AIKV_ZRANGE_MAXEX 0x08      /* aikv_zrangebyscore: exclude max itself */

/* ZRANGE key start stop [REV] [WITHSCORES]: positions start..stop inclusive,
 * negative ones counting from the end (-1 is the last), clamped as Redis
 * does; with AIKV_ZRANGE_REV position 0 is the highest score. *out is an
 * AIKV_REPLY_ARRAY (aikv_reply_free() it; empty for a missing key or an
 * empty range) of AIKV_REPLY_STRING members, each followed with
 * AIKV_ZRANGE_WITHSCORES by an AIKV_REPLY_DOUBLE score (dval, and its text
 * as Redis prints it in str). */
AIKV_API int aikv_zrange(aikv_db_t *db, const void *key, size_t klen, int64_t start,
                         int64_t stop, unsigned flags, aikv_reply_t **out);

/* ZRANGEBYSCORE key min max [LIMIT offset count] (ZREVRANGEBYSCORE with
 * AIKV_ZRANGE_REV: then highest first, but min is still the low end):
 * members whose score is within [min, max] (open ends with
 * AIKV_ZRANGE_MINEX / MAXEX; +/-INFINITY for no bound), skipping the first
 * `offset` of them and returning at most `count` (count < 0: all). *out as
 * for aikv_zrange(). AIKV_NOTNUM if min or max is NaN; AIKV_RANGE for a
 * negative offset. */
AIKV_API int aikv_zrangebyscore(aikv_db_t *db, const void *key, size_t klen, double min,
                                double max, unsigned flags, int64_t offset, int64_t count,
                                aikv_reply_t **out);

/* ---------------------------------------------------------------- scripting
 * Lua scripts as Redis 7.0 runs them (EVAL; docs/scripting.md): the script
 * sees KEYS and ARGV, calls commands with redis.call() on the session's
 * store, and runs atomically: every other call on the store waits for it.
 * Scripts are cached under the SHA-1 of their body. In an embedded store a
 * script runs until it ends (busy-reply-threshold and SCRIPT KILL need the
 * server's event loop). Functions (FUNCTION LOAD, kept in the store with
 * the data) are called the same way with AIKV_EVAL_FUNCTION. */

#define AIKV_EVAL_SHA 0x01 /* `script` is the SHA-1 (40 hex digits) of a cached
                              script: EVALSHA */
#define AIKV_EVAL_RO 0x02  /* read-only: write commands fail (EVAL_RO, FCALL_RO) */
#define AIKV_EVAL_FUNCTION 0x04 /* `script` is the name of a loaded function: FCALL */

struct aikv_session; /* aikv_session_t, below */

/* EVAL script numkeys arg... on session s: args[0..nargs) holds the
 * numkeys keys followed by the other arguments, args[i] of arglens[i]
 * bytes (arglens may be NULL when they are NUL-terminated strings); script
 * is slen bytes. *out is the reply (aikv_reply_free() it): the script's
 * result in the session's protocol, or an AIKV_REPLY_ERROR for a failing
 * script, an unknown SHA-1 ("NOSCRIPT ...") or function ("ERR Function not
 * found"), or numkeys < 0 or > nargs. AIKV_MISUSE (and *out NULL) for NULL
 * s, script or out, unknown flags, AIKV_EVAL_SHA with AIKV_EVAL_FUNCTION,
 * nargs < 0, or args NULL with nargs > 0. */
AIKV_API int aikv_eval(struct aikv_session *s, const char *script, size_t slen, unsigned flags,
                       int numkeys, int nargs, const char *const *args, const size_t *arglens,
                       aikv_reply_t **out);

/* ---------------------------------------------------------------- replies */

/* Reply types; the numbers are hiredis's, so bindings can share code. */
typedef enum aikv_reply_type {
    AIKV_REPLY_STRING = 1,  /* bulk string: str, len */
    AIKV_REPLY_ARRAY = 2,   /* element[0..elements) */
    AIKV_REPLY_INTEGER = 3, /* integer */
    AIKV_REPLY_NIL = 4,     /* RESP2 null bulk / null array, RESP3 null */
    AIKV_REPLY_STATUS = 5,  /* simple string: str, len */
    AIKV_REPLY_ERROR = 6,   /* error: str, len (e.g. "ERR syntax error") */
    AIKV_REPLY_DOUBLE = 7,  /* dval, and its text in str, len */
    AIKV_REPLY_BOOL = 8,    /* integer is 0 or 1 */
    AIKV_REPLY_MAP = 9,     /* element holds key, value, key, value... */
    AIKV_REPLY_SET = 10,    /* element[] */
    AIKV_REPLY_ATTR = 11,   /* attribute map, like MAP */
    AIKV_REPLY_PUSH = 12,   /* out-of-band push: element[] */
    AIKV_REPLY_BIGNUM = 13, /* big number as text: str, len */
    AIKV_REPLY_VERB = 14    /* verbatim string: vtype ("txt"), str, len */
} aikv_reply_type_t;

struct aikv_reply {
    int type;                   /* aikv_reply_type_t */
    long long integer;          /* INTEGER, BOOL */
    double dval;                /* DOUBLE */
    size_t len;                 /* length of str */
    char *str;                  /* STRING STATUS ERROR DOUBLE BIGNUM VERB; NUL-terminated */
    char vtype[4];              /* VERB: "txt", "mkd" */
    size_t elements;            /* ARRAY MAP SET ATTR PUSH: number of elements */
    struct aikv_reply **element;
};

/* Frees a reply and everything below it. Sub-replies are never freed alone.
 * NULL is a no-op. */
AIKV_API void aikv_reply_free(aikv_reply_t *r);

/* ---------------------------------------------------------------- sessions */

typedef struct aikv_session aikv_session_t;

/* A new session on db's store, with db's index selected and RESP2, like a
 * fresh connection. NULL if out of memory. */
AIKV_API aikv_session_t *aikv_session_new(aikv_db_t *db);

/* Frees a session. NULL is a no-op. */
AIKV_API void aikv_session_free(aikv_session_t *s);

/* Runs one command, formatted like hiredis's redisCommand():
 *   %s  a NUL-terminated string        %b  a (const void *, size_t) pair
 *   %d  an int                         %lld  a long long
 *   %%  a literal %
 * Arguments are separated by spaces in fmt; %s and %b are binary safe and
 * may contain spaces. Returns the reply (aikv_reply_free() it); command
 * errors are AIKV_REPLY_ERROR replies. NULL only when out of memory or when
 * fmt is malformed (see aikv_errmsg()).
 *
 * A blocking command (BLPOP, BLMOVE, BZPOPMIN...) that finds nothing puts
 * the calling thread to sleep, with the store unlocked, until another
 * thread's write serves it (waiters are served in arrival order), its
 * timeout passes (an AIKV_REPLY_NIL reply) or CLIENT UNBLOCK ends it; with
 * the SQLite engine a write by another process is seen within 100 ms.
 * Inside aikv_begin it never blocks: it answers as on a timeout at once. */
AIKV_API aikv_reply_t *aikv_command(aikv_session_t *s, const char *fmt, ...);

/* Runs one command given as argc arguments. argvlen may be NULL when every
 * argument is a NUL-terminated string. Otherwise as aikv_command(). */
AIKV_API aikv_reply_t *aikv_command_argv(aikv_session_t *s, int argc, const char *const *argv,
                                         const size_t *argvlen);

/* The logical database the session has selected. */
AIKV_API int aikv_session_db(const aikv_session_t *s);

#ifdef __cplusplus
}
#endif
#endif /* AIKV_H */
