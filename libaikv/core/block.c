/*
 * block.c -- blocking commands (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP...).
 *
 * A blocking command first acts like its non-blocking twin. When every key
 * it names is missing it calls ak_block(): the session is recorded as a
 * waiter of each key, with its own copy of the command, and gets no reply.
 *
 *   - The store keeps one registry entry per waited-on (db, key), with its
 *     waiters in arrival order (the WATCH registry's shape, core/multi.c).
 *   - ak_signal_key() -- every write -- puts a waited-on key on the ready
 *     list. At the outermost unlock (after the command, the EXEC or the
 *     script that wrote it, before the commit) ak_block_serve() walks the
 *     ready keys: each waiter whose key now holds the type it waits for
 *     runs its command again, in arrival order, until the key is gone.
 *     Served commands write too (BLMOVE's destination), so the walk goes on
 *     until no key is ready. This is Redis 7.2's way (the command is re-run,
 *     so served replies are exactly the non-blocking command's).
 *   - A served, timed-out or CLIENT UNBLOCKed session gets its reply in its
 *     output buffer; the server is told through conn_ops->unblocked and
 *     resumes the connection (its pipelined commands) after the current
 *     event. The server keeps the timers.
 *   - An embedded session (aikv_command) sleeps on a condition variable with
 *     the store unlocked (ak_block_wait); whichever thread writes the key
 *     serves it. With the SQLite engine it also looks again every 100 ms, as
 *     another process may write the file.
 *   - Inside MULTI/EXEC, a script or an embedded transaction nothing blocks
 *     (ak_block_allowed): the command answers as on a timeout at once.
 */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/num.h"
#include "command.h"
#include "core.h"
#include "resp.h"

/* One waited-on (db, key): a registry entry. */
typedef struct bkey {
    ak_dnode node; /* first: the dict links it */
    uint64_t hash;
    struct waiter *head, *tail;
    int db;
    int ready; /* on the store's ready list */
    size_t idlen;
    char id[]; /* db as 4 bytes, then the key (core/multi.c's ids) */
} bkey;

/* One session waiting on one key. */
typedef struct waiter {
    struct waiter *prev, *next;
    bkey *k;
    ak_session *c;
    int arg; /* the key's argument index in the command */
} waiter;

struct ak_block {
    ak_mcmd cmd;   /* run again when a key is ready */
    int ready_arg; /* while it runs again: the argument index of that key */
    int type;      /* AK_BLOCK_LIST / AK_BLOCK_ZSET */
    int64_t deadline_ms;
    int nkeys;
    waiter w[]; /* one per distinct key */
};

static uint64_t bkey_hash(const ak_dnode *n)
{
    return ((const bkey *)n)->hash;
}

static int bkey_eq(const ak_dnode *n, const void *id, size_t len)
{
    const bkey *k = (const bkey *)n;
    return k->idlen == len && memcmp(k->id, id, len) == 0;
}

static const ak_dtype bkey_type = {bkey_hash, bkey_eq};

void ak_block_registry_init(ak_store *st)
{
    ak_dict_init(&st->blocking, &bkey_type);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&st->unblocked, &attr);
    pthread_condattr_destroy(&attr);
}

void ak_block_registry_free(ak_store *st)
{
    /* Sessions stop waiting when freed: the registry is empty by now. */
    ak_dict_clear(&st->blocking, NULL, NULL);
    for (size_t i = 0; i < st->ready.n; i++)
        ak_free(st->ready.ids[i]);
    ak_free(st->ready.ids);
    ak_free(st->ready.lens);
    pthread_cond_destroy(&st->unblocked);
}

static bkey *find_key(ak_store *st, const char *id, size_t len)
{
    return (bkey *)ak_dict_find(&st->blocking, id, len, ak_hash(id, len));
}

static ak_slice bkey_key(const bkey *k)
{
    return ak_slice_of(k->id + 4, k->idlen - 4);
}

/* ---------------------------------------------------------------- arguments */

int ak_arg_timeout(ak_session *c, int i, int64_t *deadline_ms)
{
    long double secs;
    if (!ak_str2ld(c->argv[i], c->argvlen[i], &secs)) {
        ak_reply_error(c, "ERR timeout is not a float or out of range");
        return 0;
    }
    /* Redis 7.0: (long long)ceill(ms), a cast that gives LLONG_MIN on x86-64
     * for what does not fit (inf included): "negative", as there. A small
     * negative value rounds up to 0: no timeout. */
    long double ms = ceill(secs * 1000.0L);
    long long t = ms > -9223372036854775808.0L && ms < 9223372036854775808.0L ? (long long)ms
                                                                              : LLONG_MIN;
    if (t < 0) {
        ak_reply_error(c, "ERR timeout is negative");
        return 0;
    }
    int64_t now = ak_mstime();
    if (t > LLONG_MAX - now)
        t = LLONG_MAX - now; /* Redis would overflow; this is forever too */
    *deadline_ms = t > 0 ? now + t : 0;
    return 1;
}

int ak_block_allowed(ak_session *c)
{
    if (c->block)
        return 1; /* run again for a ready key: it may go on waiting */
    return !(c->flags & (AK_CLIENT_DENY_BLOCKING | AK_CLIENT_MULTI)) && c->st->lock_depth == 1;
}

/* ---------------------------------------------------------------- waiting */

void ak_block_keys(const ak_session *c, int *first, int *nkeys)
{
    if (c->block && c->block->ready_arg) {
        *first = c->block->ready_arg;
        *nkeys = 1;
    }
}

void ak_block(ak_session *c, int type, int first, int nkeys, int64_t deadline_ms)
{
    ak_store *st = c->st;
    c->flags |= AK_CLIENT_BLOCKED;
    if (c->block)
        return;
    struct ak_block *b = ak_calloc(1, sizeof *b + sizeof(waiter) * (size_t)nkeys);
    ak_mcmd_copy(&b->cmd, c->cmd, c->argc, c->argv, c->argvlen);
    b->type = type;
    b->deadline_ms = deadline_ms;
    for (int i = 0; i < nkeys; i++) {
        ak_slice key = ak_arg(c, first + i);
        char buf[256];
        size_t len;
        char *id = ak_key_id(c->db, key, buf, sizeof buf, &len);
        bkey *k = find_key(st, id, len);
        if (!k) {
            k = ak_calloc(1, sizeof *k + len);
            memcpy(k->id, id, len);
            k->idlen = len;
            k->db = c->db;
            k->hash = ak_hash(k->id, len);
            ak_dict_insert(&st->blocking, &k->node, k->hash);
        }
        if (id != buf)
            ak_free(id);
        /* BLPOP k k 0 waits once on k: had this command named k already,
         * k's last waiter would be this session (nobody else runs meanwhile). */
        if (k->tail && k->tail->c == c)
            continue;
        waiter *w = &b->w[b->nkeys++];
        w->k = k;
        w->c = c;
        w->arg = first + i;
        w->prev = k->tail;
        if (k->tail)
            k->tail->next = w;
        else
            k->head = w;
        k->tail = w;
    }
    c->block = b;
    st->nblocked++;
    if (deadline_ms)
        st->nblocked_timeout++;
}

/* Takes c off every key it waits on and frees its record. */
static void unlink_block(ak_session *c)
{
    ak_store *st = c->st;
    struct ak_block *b = c->block;
    for (int i = 0; i < b->nkeys; i++) {
        waiter *w = &b->w[i];
        bkey *k = w->k;
        if (w->prev)
            w->prev->next = w->next;
        else
            k->head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        else
            k->tail = w->prev;
        if (!k->head) {
            /* A ready id left behind finds no entry and is skipped. */
            ak_dict_unlink(&st->blocking, k->id, k->idlen, k->hash);
            ak_free(k);
        }
    }
    st->nblocked--;
    if (b->deadline_ms)
        st->nblocked_timeout--;
    ak_free(b->cmd.argv);
    ak_free(b);
    c->block = NULL;
    c->flags &= ~AK_CLIENT_BLOCKED;
}

/* c's wait is over and its reply written from mark. */
static void finish(ak_session *c, size_t mark, int wrote)
{
    unlink_block(c);
    if (c->conn && c->conn_ops && c->conn_ops->unblocked)
        c->conn_ops->unblocked(c->conn, mark, wrote);
    else
        pthread_cond_broadcast(&c->st->unblocked);
}

/* Puts k on the store's ready list (once until it is served). Touches
 * nothing of the registry dict, so it may run while iterating it. */
static void mark_ready(ak_store *st, bkey *k)
{
    if (k->ready)
        return;
    k->ready = 1;
    if (st->ready.n == st->ready.cap) {
        st->ready.cap = st->ready.cap ? st->ready.cap * 2 : 8;
        st->ready.ids = ak_realloc(st->ready.ids, sizeof(char *) * st->ready.cap);
        st->ready.lens = ak_realloc(st->ready.lens, sizeof(size_t) * st->ready.cap);
    }
    st->ready.ids[st->ready.n] = ak_memdup(k->id, k->idlen);
    st->ready.lens[st->ready.n++] = k->idlen;
}

void ak_block_signal(ak_store *st, int db, ak_slice key)
{
    if (ak_dict_size(&st->blocking) == 0)
        return;
    char buf[256];
    size_t len;
    char *id = ak_key_id(db, key, buf, sizeof buf, &len);
    bkey *k = find_key(st, id, len);
    if (id != buf)
        ak_free(id);
    if (k)
        mark_ready(st, k);
}

void ak_block_signal_db(ak_store *st, int db)
{
    if (ak_dict_size(&st->blocking) == 0)
        return;
    ak_dict_iter it;
    ak_dict_iter_start(&it, &st->blocking);
    for (ak_dnode *node; (node = ak_dict_iter_next(&it)) != NULL;) {
        bkey *k = (bkey *)node;
        if (db == -1 || k->db == db)
            mark_ready(st, k);
    }
    ak_dict_iter_end(&it);
}

/* ---------------------------------------------------------------- serving */

static int holds_type(ak_store *st, int db, ak_slice key, int type)
{
    ak_keyinfo ki;
    st->engine->ops->lookup(st->engine, db, key, AK_LOOKUP_NOTOUCH, &ki);
    return type == AK_BLOCK_LIST ? ki.type == AIKV_TYPE_LIST : ki.type == AIKV_TYPE_ZSET;
}

/* Runs c's command again for the key at argument `arg`; it replies, or
 * goes on waiting. */
static void serve_one(ak_session *c, int arg)
{
    ak_store *st = c->st;
    struct ak_block *b = c->block;
    b->ready_arg = arg;
    size_t mark = c->out.len;
    uint64_t dirty = st->stats.dirty;
    c->flags &= ~AK_CLIENT_BLOCKED;
    c->argc = b->cmd.argc;
    c->argv = (const char *const *)b->cmd.argv;
    c->argvlen = b->cmd.argvlen;
    ak_session_call(c, b->cmd.cmd);
    c->argv = NULL;
    c->argvlen = NULL;
    c->cmd = NULL;
    if (!(c->flags & AK_CLIENT_BLOCKED))
        finish(c, mark, st->stats.dirty != dirty);
    else
        b->ready_arg = 0;
}

/* Serves the waiters of k in arrival order while the key holds what they
 * wait for. Serving a waiter frees k with its last waiter. */
static void serve_key(ak_store *st, bkey *k)
{
    int db = k->db;
    for (waiter *w = k->head, *next; w; w = next) {
        next = w->next; /* serving w's session unlinks only its own waiters */
        ak_session *c = w->c;
        if (holds_type(st, db, bkey_key(k), c->block->type))
            serve_one(c, w->arg);
    }
}

void ak_block_serve(ak_store *st)
{
    while (st->ready.n) {
        char **ids = st->ready.ids;
        size_t *lens = st->ready.lens, n = st->ready.n;
        st->ready.ids = NULL;
        st->ready.lens = NULL;
        st->ready.n = st->ready.cap = 0;
        for (size_t i = 0; i < n; i++) {
            bkey *k = find_key(st, ids[i], lens[i]);
            if (k) {
                k->ready = 0;
                serve_key(st, k);
            }
            ak_free(ids[i]);
        }
        ak_free(ids);
        ak_free(lens);
    }
}

/* ---------------------------------------------------------------- ending */

int ak_block_cancel(ak_session *c, int error)
{
    if (!c->block)
        return 0;
    size_t mark = c->out.len;
    if (error)
        ak_reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
        ak_out_null_array(&c->out);
    /* The command counts once, when it ends (Redis's updateStatsOnUnblock). */
    ak_cmdstat *cs = &c->st->cmdstats[c->block->cmd.cmd->id];
    cs->calls++;
    if (error)
        cs->failed++;
    c->st->stats.commands++;
    finish(c, mark, 0);
    return 1;
}

void ak_block_forget(ak_session *c)
{
    if (c->block)
        unlink_block(c);
}

int64_t ak_block_deadline(const ak_session *c)
{
    return c->block ? c->block->deadline_ms : 0;
}

void ak_block_wait(ak_session *c)
{
    ak_store *st = c->st;
    /* Nothing of this command is left to commit; other threads use the
     * engine while this one sleeps. */
    if (!st->group_commit)
        ak_store_commit(st);
    while (c->flags & AK_CLIENT_BLOCKED) {
        int64_t now = ak_mstime(), deadline = c->block->deadline_ms;
        if (deadline && now >= deadline) {
            ak_block_cancel(c, 0);
            break;
        }
        int64_t wait = deadline && deadline - now < 100 ? deadline - now : 100;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        /* The store's lock is held once here (ak_block_allowed): the wait
         * releases it for the other threads. */
        int depth = st->lock_depth;
        st->lock_depth = 0;
        pthread_cond_timedwait(&st->unblocked, &st->lock, &ts);
        st->lock_depth = depth;
        if ((c->flags & AK_CLIENT_BLOCKED) && st->engine->ops->commit) {
            /* Another process may have written the file meanwhile. */
            struct ak_block *b = c->block;
            for (int i = 0; i < b->nkeys; i++)
                mark_ready(st, b->w[i].k);
            ak_block_serve(st);
        }
    }
}
