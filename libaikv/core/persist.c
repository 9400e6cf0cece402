/*
 * persist.c -- snapshots of the memory engine in the SQLite engine's file
 * format (see persist.h), and Redis's machinery around them: SAVE, BGSAVE,
 * save rules, the snapshot before shutdown, loading at start.
 *
 * Copying (ak_engine_copy) knows nothing of either engine: it scans the
 * source a step at a time, collecting the names of the step (an engine's
 * slices die at its next call), then copies each key with the type-level
 * operations. A collection streams out of the source through a callback
 * that batches its elements (copied: the callback's slices die when it
 * returns) and writes each full batch to the destination on the spot --
 * allowed, since the callback belongs to the other engine. Nothing is ever
 * deleted from the source: expired keys are recognised with `peek`, which
 * has no side effect, so a source opened read-only works; the one race
 * left (a key expiring between peek and read, which a read-only engine
 * fails to delete) is recognised and forgiven.
 *
 * Invariants:
 *   - The snapshot file is replaced only by rename(): it always holds a
 *     whole snapshot, the old or the new one.
 *   - A finished snapshot is in rollback-journal mode with no -wal file
 *     beside it, so that it is one self-contained file (read-only opens
 *     create nothing); the SQLite engine switches it to WAL when it opens
 *     it for writing.
 *   - At most one BGSAVE child; while it runs, the cron only watches it
 *     (no rule, no scheduled save starts another), as in Redis.
 */
#include "persist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../store/hash.h"
#include "../store/list.h"
#include "../store/set.h"
#include "../store/zset.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "core.h"

#define BATCH_ITEMS 1024
#define BATCH_BYTES (1u << 20)
#define BGSAVE_RETRY_DELAY 5 /* seconds, Redis's CONFIG_BGSAVE_RETRY_DELAY */
#define MAX_RULES 64

static void plog(const ak_store *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plog(const ak_store *st, int level, const char *fmt, ...)
{
    if (!st->log)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->log(level, "%s", msg);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int64_t now_s(void)
{
    return ak_mstime() / 1000;
}

/* The engine that writes through to its file (SQLite) rather than holding
 * the data in memory. */
static int is_durable(const ak_store *st)
{
    return st->engine->ops->commit != NULL;
}

/* ---------------------------------------------------------------- batches */

/* Elements on their way to the destination: slices into `arena`, which is
 * only reused after a flush, so they stay valid until then. */
typedef struct batch {
    ak_engine *dst;
    int db;
    ak_slice key;
    aikv_type_t type;
    unsigned zflags;
    ak_slice *v;   /* list items, set members, hash fields and values (2 per pair) */
    ak_zelem *z;   /* sorted-set members */
    size_t n;      /* elements (pairs for a hash) */
    char *arena;
    size_t used, acap;
    int rc;        /* the first failed write */
} batch;

static void batch_init(batch *b)
{
    memset(b, 0, sizeof *b);
    b->v = ak_malloc(2 * BATCH_ITEMS * sizeof *b->v);
    b->z = ak_malloc(BATCH_ITEMS * sizeof *b->z);
    b->acap = BATCH_BYTES;
    b->arena = ak_malloc(b->acap);
}

static void batch_free(batch *b)
{
    ak_free(b->v);
    ak_free(b->z);
    ak_free(b->arena);
}

static void batch_start(batch *b, ak_engine *dst, int db, ak_slice key, aikv_type_t type,
                        unsigned zflags)
{
    b->dst = dst;
    b->db = db;
    b->key = key;
    b->type = type;
    b->zflags = zflags;
    b->n = b->used = 0;
    b->rc = AK_OK;
}

static void batch_flush(batch *b)
{
    if (!b->n)
        return;
    ak_engine *d = b->dst;
    int rc = AK_OK;
    switch (b->type) {
    case AIKV_TYPE_LIST:
        rc = d->ops->list->push(d, b->db, b->key, AK_LIST_TAIL, b->v, b->n, 0, NULL);
        break;
    case AIKV_TYPE_HASH:
        rc = d->ops->hash->set(d, b->db, b->key, b->v, b->n, 0, NULL);
        break;
    case AIKV_TYPE_SET:
        rc = d->ops->set->add(d, b->db, b->key, b->v, b->n, NULL);
        break;
    case AIKV_TYPE_ZSET: {
        ak_zadd_result res;
        rc = d->ops->zset->add(d, b->db, b->key, b->z, b->n, b->zflags, &res);
        break;
    }
    default:
        break;
    }
    if (rc != AK_OK && b->rc == AK_OK)
        b->rc = rc;
    b->n = b->used = 0;
}

/* Room for `len` bytes of the next element, flushing first if the batch
 * is full. A single element larger than the arena gets an arena of its
 * own size (the batch is empty then). */
static char *batch_room(batch *b, size_t len)
{
    if (b->n == BATCH_ITEMS || b->used + len > b->acap) {
        batch_flush(b);
        if (len > b->acap) {
            ak_free(b->arena);
            b->acap = len;
            b->arena = ak_malloc(b->acap);
        }
    }
    char *p = b->arena + b->used;
    b->used += len;
    return p;
}

static ak_slice batch_copy(char *to, ak_slice s)
{
    if (s.len)
        memcpy(to, s.p, s.len);
    return ak_slice_of(to, s.len);
}

static void on_elem(void *ctx, ak_slice elem)
{
    batch *b = ctx;
    char *p = batch_room(b, elem.len);
    b->v[b->n++] = batch_copy(p, elem);
}

static void on_pair(void *ctx, ak_slice field, ak_slice value)
{
    batch *b = ctx;
    char *p = batch_room(b, field.len + value.len);
    b->v[2 * b->n] = batch_copy(p, field);
    b->v[2 * b->n + 1] = batch_copy(p + field.len, value);
    b->n++;
}

static void on_scored(void *ctx, ak_slice member, double score)
{
    batch *b = ctx;
    char *p = batch_room(b, member.len);
    b->z[b->n].member = batch_copy(p, member);
    b->z[b->n].score = score;
    b->n++;
}

/* ---------------------------------------------------------------- scan steps */

/* The key names of one SCAN step, copied (offsets into buf, which grows). */
typedef struct names {
    char *buf;
    size_t used, cap;
    size_t *off, *len;
    size_t n, ncap;
} names;

static void on_key(void *ctx, ak_slice key, aikv_type_t type)
{
    (void)type;
    names *nm = ctx;
    if (nm->used + key.len > nm->cap) {
        size_t cap = nm->cap ? nm->cap : 4096;
        while (cap < nm->used + key.len)
            cap *= 2;
        nm->buf = ak_realloc(nm->buf, cap);
        nm->cap = cap;
    }
    if (nm->n == nm->ncap) {
        nm->ncap = nm->ncap ? nm->ncap * 2 : 64;
        nm->off = ak_realloc(nm->off, nm->ncap * sizeof *nm->off);
        nm->len = ak_realloc(nm->len, nm->ncap * sizeof *nm->len);
    }
    if (key.len)
        memcpy(nm->buf + nm->used, key.p, key.len);
    nm->off[nm->n] = nm->used;
    nm->len[nm->n] = key.len;
    nm->used += key.len;
    nm->n++;
}

/* ---------------------------------------------------------------- copying */

/* A read of src found the key gone although peek saw it live: it expired
 * in between. An engine deletes such a key lazily; a read-only one fails
 * to and records the failed write, which is no error of the copy. */
static void forgive_expiry(ak_engine *src, int db, ak_slice key)
{
    if (src->error && src->ops->peek(src, db, key) == AK_KEY_EXPIRED) {
        if (src->ops->rollback)
            src->ops->rollback(src);
        src->error = 0;
        src->errmsg[0] = '\0';
    }
}

/* Copies one key; 1 if it was copied, 0 if it had expired (or vanished).
 * replace: dst may hold the key already (else only a list, which SCAN
 * may hand out twice, must be cleared: the other types' writes are
 * idempotent). */
static int copy_key(ak_engine *src, ak_engine *dst, int db, ak_slice key, batch *b, int replace)
{
    if (src->ops->peek(src, db, key) != AK_KEY_LIVE)
        return 0;
    ak_keyinfo ki;
    src->ops->lookup(src, db, key, AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type == AIKV_TYPE_NONE) {
        forgive_expiry(src, db, key);
        return 0;
    }
    if (ki.expire != AK_NO_EXPIRE && ki.expire <= ak_mstime())
        return 0;
    if (replace || ki.type == AIKV_TYPE_LIST)
        dst->ops->del(dst, db, key);
    int rc;
    switch (ki.type) {
    case AIKV_TYPE_STRING: {
        ak_slice val;
        rc = src->ops->str_get(src, db, key, &val);
        /* val stays valid: the next call is on the other engine. */
        if (rc == AK_OK)
            rc = dst->ops->str_set(dst, db, key, val, ki.expire, 0);
        break;
    }
    case AIKV_TYPE_LIST:
        batch_start(b, dst, db, key, ki.type, 0);
        rc = src->ops->list->range(src, db, key, 0, -1, NULL, on_elem, b);
        break;
    case AIKV_TYPE_HASH:
        batch_start(b, dst, db, key, ki.type, 0);
        rc = src->ops->hash->getall(src, db, key, AK_HASH_FIELDS | AK_HASH_VALUES, on_pair, b);
        break;
    case AIKV_TYPE_SET:
        batch_start(b, dst, db, key, ki.type, 0);
        rc = src->ops->set->members(src, db, key, on_elem, b);
        break;
    case AIKV_TYPE_ZSET: {
        /* A skiplist stays a skiplist: a listpack would lose a -0 score,
         * and OBJECT ENCODING would change. */
        batch_start(b, dst, db, key, ki.type, ki.encoding == AK_ENC_SKIPLIST ? AK_ZADD_BIG : 0);
        ak_zrange r;
        memset(&r, 0, sizeof r);
        r.by = AK_ZBY_RANK;
        r.start = 0;
        r.stop = -1;
        rc = src->ops->zset->range(src, db, key, &r, on_scored, b);
        break;
    }
    default:
        return 0; /* a type this build cannot copy (streams): left out */
    }
    if (ki.type != AIKV_TYPE_STRING) {
        batch_flush(b);
        if (rc == AK_OK && b->rc != AK_OK)
            rc = b->rc;
    }
    if (rc == AK_NOTFOUND) {
        forgive_expiry(src, db, key);
        dst->ops->del(dst, db, key);
        return 0;
    }
    if (rc != AK_OK) {
        if (!dst->error) {
            dst->error = rc > 0 ? rc : AIKV_ERROR;
            snprintf(dst->errmsg, sizeof dst->errmsg, "copying a key failed: %s",
                     rc > 0 ? aikv_errstr(rc) : "wrong type");
        }
        return 0;
    }
    if (ki.type != AIKV_TYPE_STRING && ki.expire != AK_NO_EXPIRE)
        dst->ops->set_expire(dst, db, key, ki.expire);
    return 1;
}

static int engine_error(ak_engine *e, const char *what, char *err, size_t errlen)
{
    seterr(err, errlen, "%s: %s", what, e->errmsg[0] ? e->errmsg : aikv_errstr(e->error));
    return e->error;
}

static void on_lib(void *ctx, ak_slice name, ak_slice code)
{
    ak_engine *dst = ctx;
    if (!dst->error)
        dst->ops->lib_put(dst, name, code);
}

/* The FUNCTION libraries: the destination ends with the source's. */
static int copy_libs(ak_engine *src, ak_engine *dst, char *err, size_t errlen)
{
    dst->ops->lib_put(dst, ak_slice_of(NULL, 0), ak_slice_of(NULL, 0));
    src->ops->lib_each(src, on_lib, dst);
    if (src->error)
        return engine_error(src, "reading", err, errlen);
    if (dst->error)
        return engine_error(dst, "writing", err, errlen);
    return AIKV_OK;
}

int ak_engine_copy(ak_engine *src, ak_engine *dst, ak_copy_stats *stats, char *err,
                   size_t errlen)
{
    ak_copy_stats cs = {0, 0};
    if (stats)
        *stats = cs;
    if (src == dst || dst->ndb < src->ndb) {
        seterr(err, errlen, "cannot copy %d databases into %d", src->ndb, dst->ndb);
        return AIKV_MISUSE;
    }
    batch b;
    batch_init(&b);
    names nm;
    memset(&nm, 0, sizeof nm);
    int rc = AIKV_OK;
    for (int db = 0; db < src->ndb && rc == AIKV_OK; db++) {
        /* stored counts the expired keys too (SCAN hands out only the
         * others): the difference is what expiry left out. */
        uint64_t stored = src->ops->dbsize(src, db), copied = 0;
        /* Into an empty database (a new snapshot, a load at start) there
         * is nothing to replace, and the count is the database's size
         * (SCAN may hand a key out twice). */
        int replace = dst->ops->dbsize(dst, db) > 0;
        uint64_t cursor = 0;
        do {
            nm.n = nm.used = 0;
            cursor = src->ops->scan(src, db, cursor, on_key, &nm);
            for (size_t i = 0; i < nm.n; i++) {
                ak_slice key = ak_slice_of(nm.buf + nm.off[i], nm.len[i]);
                copied += (uint64_t)copy_key(src, dst, db, key, &b, replace);
                if (src->error || dst->error)
                    break;
            }
            if (src->error) {
                rc = engine_error(src, "reading", err, errlen);
            } else if (dst->error) {
                rc = engine_error(dst, "writing", err, errlen);
            }
        } while (cursor && rc == AIKV_OK);
        if (!replace)
            copied = dst->ops->dbsize(dst, db);
        cs.keys += copied;
        cs.expired += stored > copied ? stored - copied : 0;
    }
    if (rc == AIKV_OK)
        rc = copy_libs(src, dst, err, errlen);
    if (rc == AIKV_OK && dst->ops->commit) {
        rc = dst->ops->commit(dst);
        if (rc != AIKV_OK)
            seterr(err, errlen, "committing: %s", dst->errmsg[0] ? dst->errmsg : aikv_errstr(rc));
    } else if (rc != AIKV_OK && dst->ops->rollback) {
        dst->ops->rollback(dst);
    }
    if (rc != AIKV_OK) {
        /* The caller gets the error here; the engines are clean for reuse. */
        src->error = dst->error = 0;
        if (src->ops->rollback)
            src->ops->rollback(src);
    }
    batch_free(&b);
    ak_free(nm.buf);
    ak_free(nm.off);
    ak_free(nm.len);
    if (stats)
        *stats = cs;
    return rc;
}

/* ---------------------------------------------------------------- files */

void ak_persist_path(const ak_store *st, char *buf, size_t len)
{
    const char *dir = st->cfg.dir && st->cfg.dir[0] ? st->cfg.dir : ".";
    const char *name = st->cfg.dbfilename && st->cfg.dbfilename[0] ? st->cfg.dbfilename
                                                                    : "dump.aikv";
    if (name[0] == '/')
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}

/* The temp file of process pid, beside path. */
static void temp_path(const char *path, long pid, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    snprintf(buf, len, "%.*stemp-%ld.aikv", dirlen, path, pid);
}

/* Removes an SQLite file and its companions. */
static void remove_db_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int journal_mode_row(void *ctx, int ncol, char **vals, char **cols)
{
    (void)cols;
    snprintf(ctx, 16, "%s", ncol > 0 && vals[0] ? vals[0] : "");
    return 0;
}

/* Makes the closed temp file one self-contained file: its WAL folded in
 * and gone (rollback-journal mode), synced. */
static int seal_file(const char *tmp, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    char mode[16] = "";
    int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", journal_mode_row, mode, NULL);
    /* The pragma answers the mode in force: a refusal is not an error. */
    if (rc != SQLITE_OK || strcmp(mode, "delete") != 0) {
        seterr(err, errlen, "sealing '%s': %s", tmp,
               rc != SQLITE_OK ? (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))
                               : "the write-ahead log could not be folded in");
        sqlite3_close(db);
        return AIKV_IOERR;
    }
    sqlite3_close(db);
    if (fsync_path(tmp, 0) != 0) {
        seterr(err, errlen, "fsync of '%s': %s", tmp, strerror(errno));
        return AIKV_IOERR;
    }
    return AIKV_OK;
}

int ak_store_save(ak_store *st, const char *path, char *err, size_t errlen)
{
    char tmp[PATH_MAX + 32];
    temp_path(path, (long)getpid(), tmp, sizeof tmp);
    remove_db_files(tmp); /* a leftover of a crashed process with our pid */
    ak_sqlite_opts so = {AK_DURABILITY_FULL, st->cfg.sqlite_cache_size / 1024, 0};
    ak_engine *dst = NULL;
    char why[512] = "";
    int rc = ak_sqlite_engine_open(tmp, st->ndb, &so, &dst, why, sizeof why);
    if (rc != AIKV_OK) {
        seterr(err, errlen, "Failed opening the temp snapshot file %s: %s", tmp, why);
        remove_db_files(tmp);
        return rc;
    }
    dst->cfg = &st->cfg;
    ak_copy_stats cs;
    rc = ak_engine_copy(st->engine, dst, &cs, why, sizeof why);
    dst->ops->close(dst);
    if (rc != AIKV_OK) {
        seterr(err, errlen, "Write error saving DB on disk: %s", why);
        remove_db_files(tmp);
        return rc;
    }
    if ((rc = seal_file(tmp, why, sizeof why)) != AIKV_OK) {
        seterr(err, errlen, "Write error saving DB on disk: %s", why);
        remove_db_files(tmp);
        return rc;
    }
    if (rename(tmp, path) != 0) {
        seterr(err, errlen, "Error moving temp DB file %s on the final destination %s: %s", tmp,
               path, strerror(errno));
        remove_db_files(tmp);
        return AIKV_IOERR;
    }
    /* The rename itself must survive a crash. */
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    fsync_path(dir, 1);
    st->stats.dirty = 0;
    st->lastsave_s = now_s();
    st->persist.last_failed = 0;
    plog(st, AK_LOG_NOTICE, "DB saved on disk (%llu keys)", (unsigned long long)cs.keys);
    return AIKV_OK;
}

int ak_store_load(ak_store *st, const char *path, ak_copy_stats *stats, char *err,
                  size_t errlen)
{
    ak_copy_stats cs = {0, 0};
    if (stats)
        *stats = cs;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return AK_NOTFOUND;
        seterr(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return AIKV_CANTOPEN;
    }
    if (!S_ISREG(sb.st_mode)) {
        seterr(err, errlen, "'%s' is not a regular file", path);
        return AIKV_CANTOPEN;
    }
    ak_sqlite_opts so = {AK_DURABILITY_NORMAL, 0, 1};
    ak_engine *src = NULL;
    char why[512] = "";
    int rc = ak_sqlite_engine_open(path, st->ndb, &so, &src, why, sizeof why);
    if (rc != AIKV_OK) {
        seterr(err, errlen, "%s", why);
        return rc;
    }
    src->cfg = &st->cfg;
    rc = ak_engine_copy(src, st->engine, &cs, why, sizeof why);
    src->ops->close(src);
    if (rc != AIKV_OK) {
        seterr(err, errlen, "'%s': %s", path, why);
        return rc;
    }
    st->persist.load_keys = cs.keys;
    st->persist.load_expired = cs.expired;
    st->stats.dirty = 0;
    if (stats)
        *stats = cs;
    return AIKV_OK;
}

/* ---------------------------------------------------------------- SAVE */

/* SAVE with the SQLite engine: what is committed is on disk already; fold
 * the WAL into the file so that the file alone holds everything. */
static int checkpoint(ak_store *st, char *err, size_t errlen)
{
    ak_engine *e = st->engine;
    int rc = ak_store_commit(st);
    if (rc != AIKV_OK) {
        seterr(err, errlen, "commit failed: %s", e->errmsg[0] ? e->errmsg : aikv_errstr(rc));
        return rc;
    }
    if (!e->ops->stats)
        return AIKV_OK;
    ak_engine_stats es;
    memset(&es, 0, sizeof es);
    e->ops->stats(e, &es);
    if (!es.path || !es.path[0])
        return AIKV_OK;
    /* A connection of our own: the engine's is opaque. Checkpoints work
     * across connections of the same file. */
    sqlite3 *db = NULL;
    int src = sqlite3_open_v2(es.path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (src == SQLITE_OK) {
        sqlite3_busy_timeout(db, 1000);
        /* A connection learns the file is in WAL mode when it first reads
         * it; until then a checkpoint does nothing. */
        src = sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    /* BUSY: a reader keeps part of the WAL; what is committed is durable
     * all the same. */
    if (src != SQLITE_OK && src != SQLITE_BUSY) {
        seterr(err, errlen, "checkpoint of '%s' failed: %s", es.path,
               db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
        sqlite3_close(db);
        return AIKV_IOERR;
    }
    sqlite3_close(db);
    st->stats.dirty = 0;
    st->lastsave_s = now_s();
    st->persist.last_failed = 0;
    plog(st, AK_LOG_NOTICE, "DB saved on disk (checkpoint of %s)", es.path);
    return AIKV_OK;
}

int ak_persist_save(ak_store *st, char *err, size_t errlen)
{
    if (is_durable(st))
        return checkpoint(st, err, errlen);
    char path[PATH_MAX];
    ak_persist_path(st, path, sizeof path);
    int rc = ak_store_save(st, path, err, errlen);
    if (rc != AIKV_OK)
        plog(st, AK_LOG_WARNING, "%s", err);
    return rc;
}

/* ---------------------------------------------------------------- BGSAVE */

int ak_persist_child_running(const ak_store *st)
{
    return st->persist.child_pid != 0;
}

void ak_persist_allow_fork(ak_store *st)
{
    st->persist.can_fork = 1;
}

int ak_persist_forks(const ak_store *st)
{
    return st->persist.can_fork && !is_durable(st);
}

void ak_persist_schedule(ak_store *st)
{
    st->persist.scheduled = 1;
}

/* The child holds no socket of the parent's: a child that outlives a
 * killed parent must not keep its port (as Redis's
 * closeChildUnusedResourceAfterFork). Closing a copy leaves the parent's
 * connections as they are. */
static void close_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        struct stat sb;
        if (fd > 2 && fd != self && fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode))
            close(fd);
    }
    closedir(d);
}

/* The child: write the snapshot and leave without running anything of the
 * parent's (no atexit handlers, no stdio flush, no event loop). */
static void __attribute__((noreturn)) child_main(ak_store *st, const char *path)
{
    /* The parent's signal handlers write to its event loop's pipe: the
     * child must not. SIGUSR1 is how the parent stops it. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    close_sockets();
    char err[768] = "";
    int rc = ak_store_save(st, path, err, sizeof err);
    if (rc != AIKV_OK)
        plog(st, AK_LOG_WARNING, "%s", err);
    _exit(rc == AIKV_OK ? 0 : 1);
}

int ak_persist_bgsave(ak_store *st, char *err, size_t errlen)
{
    int64_t now = now_s();
    st->persist.saves++;
    if (!ak_persist_forks(st)) {
        /* In the foreground: an embedded store (fork() in a threaded
         * process is unsafe), or the SQLite engine (nothing to copy). */
        int rc = ak_persist_save(st, err, errlen);
        st->persist.last_try_s = now;
        st->persist.last_failed = rc != AIKV_OK;
        st->persist.last_time_sec = now_s() - now + 1;
        return rc;
    }
    char path[PATH_MAX];
    ak_persist_path(st, path, sizeof path);
    st->persist.dirty_at_fork = st->stats.dirty;
    st->persist.last_try_s = now;
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0)
        child_main(st, path);
    if (pid < 0) {
        st->persist.last_failed = 1;
        seterr(err, errlen, "Can't save in background: fork: %s", strerror(errno));
        plog(st, AK_LOG_WARNING, "%s", err);
        return AIKV_IOERR;
    }
    plog(st, AK_LOG_NOTICE, "Background saving started by pid %ld", (long)pid);
    st->persist.child_pid = (long)pid;
    st->persist.child_start_s = now;
    return AIKV_OK;
}

/* Redis's backgroundSaveDoneHandlerDisk(). */
static void child_done(ak_store *st, int status)
{
    long pid = st->persist.child_pid;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        plog(st, AK_LOG_NOTICE, "Background saving terminated with success");
        uint64_t before = st->persist.dirty_at_fork;
        st->stats.dirty = st->stats.dirty > before ? st->stats.dirty - before : 0;
        st->lastsave_s = now_s();
        st->persist.last_failed = 0;
    } else if (WIFEXITED(status)) {
        plog(st, AK_LOG_WARNING, "Background saving error");
        st->persist.last_failed = 1;
    } else {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        plog(st, AK_LOG_WARNING, "Background saving terminated by signal %d", sig);
        char path[PATH_MAX], tmp[PATH_MAX + 32];
        ak_persist_path(st, path, sizeof path);
        temp_path(path, pid, tmp, sizeof tmp);
        remove_db_files(tmp);
        /* SIGUSR1 is how a save is cancelled on purpose: not an error. */
        if (sig != SIGUSR1)
            st->persist.last_failed = 1;
    }
    st->persist.last_time_sec = now_s() - st->persist.child_start_s + 1;
    st->persist.child_pid = 0;
    st->persist.child_start_s = 0;
}

static void reap_child(ak_store *st)
{
    int status = 0;
    pid_t r = waitpid((pid_t)st->persist.child_pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return;
    if (r < 0) {
        plog(st, AK_LOG_WARNING, "waitpid() returned an error: %s. child_pid = %ld",
             strerror(errno), st->persist.child_pid);
        status = 1 << 8; /* as an exit with status 1 */
    }
    child_done(st, status);
}

/* Stops the child (SIGUSR1, then SIGKILL if it lingers), waits for it and
 * removes its temp file. */
static void kill_child(ak_store *st)
{
    pid_t pid = (pid_t)st->persist.child_pid;
    kill(pid, SIGUSR1);
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 500 && r == 0; i++) { /* 5 s */
        r = waitpid(pid, &status, WNOHANG);
        if (r == 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    ak_persist_path(st, path, sizeof path);
    temp_path(path, (long)pid, tmp, sizeof tmp);
    remove_db_files(tmp);
    st->persist.last_time_sec = now_s() - st->persist.child_start_s + 1;
    st->persist.child_pid = 0;
    st->persist.child_start_s = 0;
}

/* ---------------------------------------------------------------- save rules */

int ak_save_rules(const char *save, ak_save_rule *rules, int max)
{
    int n = 0;
    const char *p = save ? save : "";
    while (*p) {
        char *end;
        long long secs = strtoll(p, &end, 10);
        if (end == p)
            break;
        p = end;
        long long changes = strtoll(p, &end, 10);
        if (end == p)
            break;
        p = end;
        if (n < max) {
            rules[n].seconds = secs;
            rules[n].changes = (int)changes;
        }
        n++;
    }
    return n;
}

void ak_persist_cron(ak_store *st)
{
    if (st->persist.child_pid) {
        reap_child(st);
        return;
    }
    if (is_durable(st))
        return;
    int64_t now = now_s();
    int may_retry = now - st->persist.last_try_s > BGSAVE_RETRY_DELAY || !st->persist.last_failed;
    char err[768];
    if (st->persist.scheduled && may_retry) {
        if (ak_persist_bgsave(st, err, sizeof err) == AIKV_OK || !ak_persist_forks(st))
            st->persist.scheduled = 0;
        return;
    }
    ak_save_rule rules[MAX_RULES];
    int n = ak_save_rules(st->cfg.save, rules, MAX_RULES);
    for (int i = 0; i < n && i < MAX_RULES; i++) {
        const ak_save_rule *r = &rules[i];
        if ((long long)st->stats.dirty >= r->changes && now - st->lastsave_s > r->seconds &&
            may_retry) {
            plog(st, AK_LOG_NOTICE, "%d changes in %lld seconds. Saving...", r->changes,
                 r->seconds);
            ak_persist_bgsave(st, err, sizeof err);
            break;
        }
    }
}

/* ---------------------------------------------------------------- shutdown */

int ak_persist_shutdown(ak_store *st, unsigned flags)
{
    if (st->persist.child_pid) {
        plog(st, AK_LOG_WARNING, "There is a child saving a snapshot. Killing it!");
        kill_child(st);
    }
    if (is_durable(st))
        return AIKV_OK; /* every write is committed: nothing to save */
    ak_save_rule rule;
    int rules = ak_save_rules(st->cfg.save, &rule, 1) > 0;
    if (!((rules && !(flags & AK_SHUTDOWN_NOSAVE)) || (flags & AK_SHUTDOWN_SAVE)))
        return AIKV_OK;
    plog(st, AK_LOG_NOTICE, "Saving the final snapshot before exiting.");
    char err[768];
    int rc = ak_persist_save(st, err, sizeof err);
    if (rc == AIKV_OK)
        return AIKV_OK;
    if (flags & AK_SHUTDOWN_FORCE) {
        plog(st, AK_LOG_WARNING, "Error trying to save the DB. Exit anyway.");
        return AIKV_OK;
    }
    plog(st, AK_LOG_WARNING, "Error trying to save the DB, can't exit.");
    return rc;
}

void ak_persist_flushall(ak_store *st)
{
    if (st->persist.child_pid) {
        plog(st, AK_LOG_NOTICE, "Background saving killed by FLUSHALL");
        kill_child(st);
    }
    ak_save_rule rule;
    if (is_durable(st) || ak_save_rules(st->cfg.save, &rule, 1) == 0)
        return;
    char err[768];
    ak_persist_save(st, err, sizeof err);
}
