/*
 * persist.h -- persistence for the memory engine, in the SQLite engine's
 * file format (core/persist.c).
 *
 * A snapshot is an SQLite-engine store file: the memory engine writes one
 * by copying its keys into a fresh SQLite engine, and reads one back by
 * copying out of the file opened read-only. So a snapshot opens as a store
 * with `--storage sqlite`, and an SQLite store loads into the memory
 * engine. Everything goes through the engines' operations tables
 * (ak_engine_copy), never through either engine's internals.
 *
 * Redis's RDB machinery, with the same commands and INFO fields: SAVE
 * (synchronous), BGSAVE (a fork()ed child writes the file while the parent
 * serves; the store cron reaps it), `save` rules that start a BGSAVE, and
 * the snapshot SHUTDOWN and SIGTERM take before exiting. An SQLite-engine
 * store is durable by itself: there SAVE checkpoints the WAL into the file
 * and SHUTDOWN has nothing to write.
 */
#ifndef AK_PERSIST_H
#define AK_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

typedef struct ak_store ak_store;

typedef struct ak_copy_stats {
    uint64_t keys;    /* keys copied */
    uint64_t expired; /* keys left out because their TTL had passed */
} ak_copy_stats;

/* Copies every live key of every database of src into the same database of
 * dst (dst->ndb >= src->ndb), with its type, contents and TTL, through the
 * two operations tables only; a key dst already holds is replaced. Expired
 * keys are skipped (and counted), never deleted from src by the copy. Large
 * collections stream in batches. dst's transaction is committed at the end.
 * The engines must be two different objects; src is read with
 * AK_LOOKUP_NOTOUCH and may be read-only. dst->cfg must be set (encoding
 * thresholds). Returns AIKV_OK, or the first storage error of either engine
 * with its message in err. *stats (may be NULL) is filled either way. */
int ak_engine_copy(ak_engine *src, ak_engine *dst, ak_copy_stats *stats, char *err,
                   size_t errlen);

/* The snapshot file of a store: cfg.dir/cfg.dbfilename (dbfilename alone
 * when it is absolute). The server makes cfg.dir absolute at start. */
void ak_persist_path(const ak_store *st, char *buf, size_t len);

/* Writes a snapshot of st (whose engine is the memory engine) to `path`:
 * a temp file "temp-<pid>.aikv" in the same directory, written by the
 * SQLite engine (durability full), committed, closed, fsynced and renamed
 * over path, so path always holds a whole snapshot; the temp file is
 * removed on failure. On success the store's dirty counter is reset and
 * lastsave set, as Redis's rdbSave(). Store locked. AIKV_OK or the error,
 * its message in err. */
int ak_store_save(ak_store *st, const char *path, char *err, size_t errlen);

/* Loads the store file at `path` (a snapshot, or an SQLite-engine store)
 * into st's engine, opening it read-only: AK_NOTFOUND when there is no
 * such file, AIKV_OK, or the error (a damaged file: AIKV_CORRUPT...) with
 * its message in err; after an error the store may hold part of the
 * file's keys (the server exits). *stats (may be NULL) gets the counts,
 * which INFO also reports (rdb_last_load_keys_loaded/expired). Store
 * locked. */
int ak_store_load(ak_store *st, const char *path, ak_copy_stats *stats, char *err,
                  size_t errlen);

/* SAVE: with the memory engine, ak_store_save() to ak_persist_path();
 * with the SQLite engine, a commit and a WAL checkpoint (the data is on
 * disk already). The caller counts it in rdb_saves (SAVE does, SHUTDOWN
 * does not, as Redis). Store locked. */
int ak_persist_save(ak_store *st, char *err, size_t errlen);

/* BGSAVE: forks a child that writes the snapshot (a store opened by the
 * server: ak_persist_allow_fork()); an embedded store, or the SQLite
 * engine, saves in the foreground instead. AIKV_OK when the save started
 * (or, in the foreground, succeeded). A child already running is the
 * caller's check (ak_persist_child_running). Store locked. */
int ak_persist_bgsave(ak_store *st, char *err, size_t errlen);
int ak_persist_child_running(const ak_store *st);
/* BGSAVE inside EXEC (or SCHEDULE while one runs): the cron starts it. */
void ak_persist_schedule(ak_store *st);
/* 1 if BGSAVE forks in this store (else it saves in the foreground). */
int ak_persist_forks(const ak_store *st);

/* Called by the server: BGSAVE and the save rules may fork() (only a
 * single-threaded process should). */
void ak_persist_allow_fork(ak_store *st);

/* The store cron's part: reaps a finished BGSAVE child (updating dirty,
 * lastsave, the status), starts a scheduled BGSAVE, and starts one when a
 * `save` rule is met (memory engine). Store locked. */
void ak_persist_cron(ak_store *st);

/* Shutdown's persistence step (SHUTDOWN, SIGTERM): kills a BGSAVE child;
 * then, with the memory engine, saves when AK_SHUTDOWN_SAVE is given, or
 * when `save` rules exist and AK_SHUTDOWN_NOSAVE is not. A failed save
 * returns its error unless AK_SHUTDOWN_FORCE (then AIKV_OK). Store locked. */
#define AK_SHUTDOWN_SAVE 0x1
#define AK_SHUTDOWN_NOSAVE 0x2
#define AK_SHUTDOWN_FORCE 0x4
int ak_persist_shutdown(ak_store *st, unsigned flags);

/* FLUSHALL, after the flush: as Redis, kills a BGSAVE child and, with
 * `save` rules, writes the (empty) snapshot at once (which resets the
 * dirty counter, as in Redis 7.0). Store locked. */
void ak_persist_flushall(ak_store *st);

/* The `save` setting parsed: up to max (seconds, changes) rules; returns
 * how many there are (more than max: only the first max are stored). */
typedef struct ak_save_rule {
    long long seconds;
    int changes;
} ak_save_rule;
int ak_save_rules(const char *save, ak_save_rule *rules, int max);

#endif
