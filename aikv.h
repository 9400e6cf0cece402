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
} aikv_options_t;
#define AIKV_OPTIONS_VERSION 1

/* Opens a store and sets *out to the view of its database 0.
 *   path NULL or ":memory:"  in-memory engine.
 *   any other path           SQLite engine on that file. This build has no
 *                            SQLite engine yet: AIKV_CANTOPEN with a message.
 * opts may be NULL for the defaults. On failure *out is NULL. */
AIKV_API int aikv_open(const char *path, const aikv_options_t *opts, aikv_db_t **out);

/* Closes the store `db` belongs to: every view and session of it becomes
 * invalid (sessions must be freed first). NULL is a no-op. */
AIKV_API void aikv_close(aikv_db_t *db);

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
 * fmt is malformed (see aikv_errmsg()). */
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
