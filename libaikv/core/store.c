/*
 * store.c -- opening and closing stores, the store lock, periodic work,
 * the key-modified signal, and result codes / error messages.
 *
 * A store is reached through aikv_db views (one per logical database,
 * allocated with the store) and through sessions. The mutex makes every
 * public call atomic with respect to the others; handlers run under it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../script/script.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/dict.h"
#include "command.h"
#include "core.h"
#include "persist.h"

/* ---------------------------------------------------------------- errors */

static _Thread_local char last_error[512];

int ak_set_error(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return rc;
}

AIKV_API const char *aikv_errstr(int rc)
{
    switch (rc) {
#define AIKV_X_(name, value, text) \
    case value:                    \
        return text;
        AIKV_RESULT_CODES(AIKV_X_)
#undef AIKV_X_
    }
    return "unknown result code";
}

AIKV_API const char *aikv_errmsg(aikv_db_t *db)
{
    (void)db;
    return last_error[0] ? last_error : "not an error";
}

AIKV_API const char *aikv_libversion(void)
{
    return AIKV_VERSION;
}

AIKV_API int aikv_libversion_number(void)
{
    return AIKV_VERSION_NUMBER;
}

AIKV_API void aikv_free(void *p)
{
    ak_free(p);
}

AIKV_API const char *aikv_type_name(aikv_type_t t)
{
    static const char *const names[] = {"none", "string", "list", "set", "zset", "hash", "stream"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "none";
}

/* ---------------------------------------------------------------- locking */

void ak_store_lock(ak_store *st)
{
    pthread_mutex_lock(&st->lock);
    st->lock_depth++;
}

/* The outermost unlock ends an embedded call: what it wrote is committed
 * (commands have committed already, in ak_session_exec, where a failure
 * can still change the reply). */
int ak_store_unlock(ak_store *st)
{
    int rc = AIKV_OK;
    /* The waiters of the keys just written run before the commit, so that
     * what they take is committed with what was written. */
    if (st->lock_depth == 1 && st->ready.n)
        ak_block_serve(st);
    if (--st->lock_depth == 0 && !st->group_commit) {
        ak_engine *e = st->engine;
        rc = ak_store_commit(st);
        if (rc != AIKV_OK) {
            ak_set_error(rc, "%s", e->errmsg[0] ? e->errmsg : aikv_errstr(rc));
            e->errmsg[0] = '\0';
        }
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int ak_api_unlock(ak_store *st)
{
    ak_engine *e = st->engine;
    if (st->lock_depth > 1 && e->error) {
        /* Inside aikv_begin: the transaction is lost, aikv_commit will say
         * so too; this call already failed. */
        int rc = e->error;
        ak_set_error(rc, "%s", e->errmsg[0] ? e->errmsg : aikv_errstr(rc));
        ak_store_unlock(st);
        return rc;
    }
    return ak_store_unlock(st);
}

uint64_t ak_store_savepoint(ak_store *st)
{
    ak_engine *e = st->engine;
    return e->ops->savepoint ? e->ops->savepoint(e) : 0;
}

void ak_store_rollback_to(ak_store *st, uint64_t sp)
{
    ak_engine *e = st->engine;
    if (sp && e->ops->rollback_to)
        e->ops->rollback_to(e, sp);
}

void ak_store_release(ak_store *st, uint64_t sp)
{
    ak_engine *e = st->engine;
    if (sp && e->ops->release)
        e->ops->release(e, sp);
}

/* ---------------------------------------------------------------- transactions */

/* An embedded transaction keeps the store's lock from aikv_begin to its
 * end: the thread that began it goes on calling (the lock is recursive),
 * other threads wait. Nothing is committed in between. */
AIKV_API int aikv_begin(aikv_db_t *db)
{
    if (!db)
        return ak_set_error(AIKV_MISUSE, "aikv_begin: db is NULL");
    ak_store *st = db->st;
    ak_store_lock(st);
    if (st->txn_sp) {
        ak_store_unlock(st);
        return ak_set_error(AIKV_MISUSE, "aikv_begin: a transaction is already open");
    }
    /* Whatever an earlier call left uncommitted is not part of it. */
    int rc = ak_store_commit(st);
    if (rc != AIKV_OK) {
        ak_store_unlock(st);
        return ak_set_error(rc, "%s", st->engine->errmsg);
    }
    st->txn_sp = ak_store_savepoint(st);
    if (!st->txn_sp)
        st->txn_sp = 1; /* an engine without savepoints: nothing to undo */
    st->txn_failed = 0;
    return AIKV_OK; /* the lock stays taken */
}

/* Ends the open transaction: commit (rollback = 0) or undo everything. */
static int end_txn(aikv_db_t *db, int rollback, const char *fn)
{
    if (!db)
        return ak_set_error(AIKV_MISUSE, "%s: db is NULL", fn);
    ak_store *st = db->st;
    ak_store_lock(st);
    if (!st->txn_sp) {
        ak_store_unlock(st);
        return ak_set_error(AIKV_MISUSE, "%s: no transaction is open", fn);
    }
    ak_engine *e = st->engine;
    int rc = st->txn_failed;
    if (rc) {
        /* Storage failed inside: settle() rolled the engine's transaction
         * back; whatever ran since goes too. */
        if (e->ops->rollback)
            e->ops->rollback(e);
        e->error = 0;
    } else if (rollback && !e->error) {
        ak_store_rollback_to(st, st->txn_sp);
    }
    ak_store_release(st, st->txn_sp);
    if (!rc)
        rc = ak_store_commit(st); /* rolls back instead if a typed call failed */
    if (rc != AIKV_OK) {
        ak_set_error(rc, "transaction rolled back: %s",
                     e->errmsg[0] ? e->errmsg : aikv_errstr(rc));
        e->errmsg[0] = '\0';
    }
    st->txn_sp = 0;
    st->txn_failed = 0;
    ak_store_unlock(st); /* this call's */
    ak_store_unlock(st); /* aikv_begin's */
    return rc;
}

AIKV_API int aikv_commit(aikv_db_t *db)
{
    return end_txn(db, 0, "aikv_commit");
}

AIKV_API int aikv_rollback(aikv_db_t *db)
{
    return end_txn(db, 1, "aikv_rollback");
}

int ak_store_commit(ak_store *st)
{
    ak_engine *e = st->engine;
    int rc = AIKV_OK;
    if (e->ops->commit && e->error) {
        rc = e->error;
        e->ops->rollback(e);
    } else if (e->ops->commit) {
        rc = e->ops->commit(e);
    }
    e->error = 0;
    return rc;
}

/* ---------------------------------------------------------------- signals */

void ak_signal_key_changes(ak_store *st, int db, ak_slice key, uint64_t changes)
{
    st->stats.dirty += changes;
    ak_watch_touch(st, db, key, 0);
    ak_block_signal(st, db, key);
}

void ak_signal_key(ak_store *st, int db, ak_slice key)
{
    ak_signal_key_changes(st, db, key, 1);
}

void ak_signal_db(ak_store *st, int db)
{
    st->stats.dirty++;
    ak_watch_touch_db(st, db, -1);
}

void ak_signal_swapdb(ak_store *st, int a, int b)
{
    st->stats.dirty += 2;
    ak_watch_touch_db(st, a, b);
    ak_watch_touch_db(st, b, a);
    /* The waiters of either database may find their keys now (Redis's
     * scanDatabaseForReadyKeys). */
    ak_block_signal_db(st, a);
    ak_block_signal_db(st, b);
}

/* The engine calls this before it frees an expired key: a signal like any
 * deletion, except for a watcher that saw the key already expired. */
static void on_expired(void *owner, int db, ak_slice key)
{
    ak_store *st = owner;
    st->stats.expired_keys++;
    st->stats.dirty++;
    ak_watch_touch(st, db, key, 1);
}

/* ---------------------------------------------------------------- cron */

static void sample_metrics(ak_store *st, int64_t now)
{
    uint64_t cur[3] = {st->stats.commands, st->stats.net_input_bytes, st->stats.net_output_bytes};
    int64_t dt = now - st->inst.last_us;
    if (st->inst.last_us && dt > 0) {
        for (int i = 0; i < 3; i++)
            st->inst.samples[i][st->inst.idx] = (double)(cur[i] - st->inst.last[i]) * 1e6 / (double)dt;
        st->inst.idx = (st->inst.idx + 1) % 16;
    }
    st->inst.last_us = now;
    memcpy(st->inst.last, cur, sizeof cur);
}

double ak_store_inst(const ak_store *st, int i)
{
    double sum = 0;
    for (int j = 0; j < 16; j++)
        sum += st->inst.samples[i][j];
    return sum / 16;
}

void ak_store_cron(ak_store *st)
{
    int64_t now = ak_monotonic_us();
    st->last_cron_us = now;
    if (now - st->inst.last_us >= 100000)
        sample_metrics(st, now);
    size_t used = ak_used_memory();
    if (used > st->used_memory_peak)
        st->used_memory_peak = used;
    /* A quarter of each period at most, as Redis's active expiry. */
    int64_t budget = 1000000 / st->cfg.hz / 4;
    st->engine->ops->cron(st->engine, budget);
    /* BGSAVE children and save rules (core/persist.c). */
    ak_persist_cron(st);
    /* A file shared with other processes (SQLite) may have been written by
     * one of them: blocked clients look at their keys again. */
    if (st->nblocked && st->engine->ops->commit)
        ak_block_signal_db(st, -1);
}

/* ---------------------------------------------------------------- open/close */

static void seed_hash_once(void)
{
    uint8_t seed[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(seed, 1, sizeof seed, f) != sizeof seed) {
        /* No urandom: fall back to time and address entropy. */
        int64_t t = ak_ustime();
        uintptr_t a = (uintptr_t)&seed;
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &a, sizeof a < 8 ? sizeof a : 8);
    }
    if (f)
        fclose(f);
    ak_hash_seed(seed);
}

static void random_hex(char out[41])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[20];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(raw, 1, sizeof raw, f) != sizeof raw) {
        uint64_t x = (uint64_t)ak_ustime() ^ (uint64_t)(uintptr_t)out;
        for (int i = 0; i < 20; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            raw[i] = (uint8_t)(x >> 56);
        }
    }
    if (f)
        fclose(f);
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[40] = '\0';
}

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

int ak_store_open(const char *path, const ak_config *cfg, ak_store **out)
{
    *out = NULL;
    pthread_once(&seed_once, seed_hash_once);
    ak_commands_init();
    ak_engine *engine;
    if (path && strcmp(path, ":memory:") != 0) {
        char err[512];
        ak_sqlite_opts so = {cfg->durability, cfg->sqlite_cache_size / 1024, 0,
                             cfg->sqlite_max_size};
        int rc = ak_sqlite_engine_open(path, cfg->databases, &so, &engine, err, sizeof err);
        if (rc != AIKV_OK)
            return ak_set_error(rc, "%s", err);
    } else {
        engine = ak_mem_engine_new(cfg->databases);
    }

    ak_store *st = ak_calloc(1, sizeof *st);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    /* Recursive: a handler may call back into the store (scripts, later). */
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&st->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    ak_config_copy(&st->cfg, cfg);
    st->ndb = cfg->databases;
    st->engine = engine;
    st->engine->on_expired = on_expired;
    st->engine->cfg = &st->cfg;
    st->engine->owner = st;
    st->views = ak_calloc((size_t)st->ndb, sizeof *st->views);
    for (int i = 0; i < st->ndb; i++) {
        st->views[i].st = st;
        st->views[i].index = i;
    }
    st->cmdstats = ak_calloc((size_t)ak_cmd_ids(), sizeof *st->cmdstats);
    ak_watch_registry_init(st);
    ak_block_registry_init(st);
    st->next_client_id = 1;
    st->start_ms = ak_mstime();
    st->lastsave_s = st->start_ms / 1000;
    st->last_cron_us = ak_monotonic_us();
    random_hex(st->run_id);
    random_hex(st->replid);
    st->used_memory_startup = st->used_memory_peak = ak_used_memory();
    *out = st;
    return AIKV_OK;
}

void ak_store_close(ak_store *st)
{
    if (!st)
        return;
    while (st->clients)
        ak_session_destroy(st->clients);
    ak_script_free(st);
    ak_functions_free(st);
    ak_watch_registry_free(st);
    ak_block_registry_free(st);
    st->engine->ops->close(st->engine);
    for (ak_errstat *e = st->errstats, *n; e; e = n) {
        n = e->next;
        ak_free(e);
    }
    ak_free(st->cmdstats);
    ak_free(st->views);
    ak_config_free(&st->cfg);
    pthread_mutex_destroy(&st->lock);
    ak_free(st);
}

AIKV_API int aikv_open(const char *path, const aikv_options_t *opts, aikv_db_t **out)
{
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_open: out is NULL");
    *out = NULL;
    ak_config cfg;
    ak_config_defaults(&cfg);
    if (opts) {
        if (opts->version != 1 && opts->version != AIKV_OPTIONS_VERSION) {
            ak_config_free(&cfg);
            return ak_set_error(AIKV_MISUSE, "aikv_open: unknown options version %d", opts->version);
        }
        if (opts->databases < 0) {
            ak_config_free(&cfg);
            return ak_set_error(AIKV_MISUSE, "aikv_open: databases must be positive");
        }
        if (opts->databases > 0)
            cfg.databases = opts->databases;
        if (opts->version >= 2) {
            static const int durability[] = {AK_DURABILITY_NORMAL, AK_DURABILITY_NORMAL,
                                             AK_DURABILITY_FULL, AK_DURABILITY_OFF};
            if (opts->durability < 0 || opts->durability > AIKV_DURABILITY_OFF ||
                opts->cache_bytes < 0) {
                ak_config_free(&cfg);
                return ak_set_error(AIKV_MISUSE, "aikv_open: bad durability or cache_bytes");
            }
            cfg.durability = durability[opts->durability];
            if (opts->cache_bytes > 0)
                cfg.sqlite_cache_size = opts->cache_bytes;
        }
    }
    ak_store *st;
    int rc = ak_store_open(path, &cfg, &st);
    ak_config_free(&cfg);
    if (rc != AIKV_OK)
        return rc;
    *out = &st->views[0];
    return AIKV_OK;
}

AIKV_API void aikv_close(aikv_db_t *db)
{
    if (db)
        ak_store_close(db->st);
}

AIKV_API aikv_db_t *aikv_db_select(aikv_db_t *db, int index)
{
    if (!db || index < 0 || index >= db->st->ndb)
        return NULL;
    return &db->st->views[index];
}

AIKV_API int aikv_db_index(const aikv_db_t *db)
{
    return db ? db->index : -1;
}
