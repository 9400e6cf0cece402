/*
 * multi.c -- the machinery of transactions: the MULTI queue of a session
 * and the store's WATCH registry. The commands are in cmd/multi.c; dispatch
 * (core/session.c) queues commands while a MULTI is open.
 *
 * The queue holds copies of each command's arguments (the caller's argv
 * lives only as long as one ak_session_exec call) and the command it
 * resolved to, so EXEC runs it through ak_session_call() like dispatch.
 *
 * WATCH, as Redis 7.0's multi.c:
 *   - The store keeps one dict entry per watched (db, key) -- the dict's key
 *     is the db index (4 bytes) followed by the key bytes -- listing the
 *     sessions watching it; each session keeps its own list of those watches
 *     for UNWATCH and for being freed. Both lists are intrusive: one
 *     allocation per watch, one per watched key.
 *   - ak_signal_key() marks every watcher of (db, key) DIRTY_CAS. When the
 *     registry is empty (nearly always) that costs one test per write.
 *   - A key that was already expired when it was watched (still stored, its
 *     TTL passed) is "missing" to the watcher: its deletion is no change, and
 *     EXEC's expiry check skips it (Redis's watchedKey.expired).
 *   - FLUSHDB/FLUSHALL/SWAPDB dirty the watchers of the keys that are stored
 *     in the database being emptied or in the one replacing it (SWAPDB),
 *     except where the watcher's view stays "missing": a key watched while
 *     expired that leaves or is replaced by an expired one, or a missing
 *     key replaced by an expired one (which the watch then marks expired).
 *   - EXEC fails (null) when a watched key has expired by the time it runs,
 *     even if nothing has deleted it yet.
 * Invariant: an entry exists iff its watcher list is non-empty.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "command.h"
#include "core.h"

/* ---------------------------------------------------------------- the queue */

void ak_mcmd_copy(ak_mcmd *m, const ak_cmd *cmd, int argc, const char *const *argv,
                  const size_t *argvlen)
{
    size_t bytes = 0;
    for (int i = 0; i < argc; i++)
        bytes += argvlen[i] + 1;
    /* One block: argv pointers, lengths, then the NUL-terminated bytes. */
    size_t head = (sizeof(char *) + sizeof(size_t)) * (size_t)argc;
    char *block = ak_malloc(head + bytes);
    m->cmd = cmd;
    m->argc = argc;
    m->argv = (char **)block;
    m->argvlen = (size_t *)(block + sizeof(char *) * (size_t)argc);
    char *p = block + head;
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i], argvlen[i]);
        p[argvlen[i]] = '\0';
        m->argv[i] = p;
        m->argvlen[i] = argvlen[i];
        p += argvlen[i] + 1;
    }
}

void ak_multi_flag_error(ak_session *c)
{
    if (c->flags & AK_CLIENT_MULTI)
        c->flags |= AK_CLIENT_DIRTY_EXEC;
}

void ak_multi_queue(ak_session *c, const ak_cmd *cmd)
{
    /* A transaction that cannot run keeps nothing (EXEC only discards). */
    if (c->flags & (AK_CLIENT_DIRTY_CAS | AK_CLIENT_DIRTY_EXEC))
        return;
    if (c->mq_count == c->mq_cap) {
        c->mq_cap = c->mq_cap ? c->mq_cap * 2 : 2;
        c->mq = ak_realloc(c->mq, sizeof *c->mq * (size_t)c->mq_cap);
    }
    ak_mcmd *m = &c->mq[c->mq_count++];
    ak_mcmd_copy(m, cmd, c->argc, c->argv, c->argvlen);
    for (int i = 0; i < c->argc; i++)
        c->mq_mem += c->argvlen[i];
    /* CLIENT LIST's multi-mem, as Redis counts it: argument bytes plus one
     * pointer per argument. */
    c->mq_mem += sizeof(void *) * (size_t)c->argc;
}

void ak_multi_discard(ak_session *c)
{
    for (int i = 0; i < c->mq_count; i++)
        ak_free(c->mq[i].argv);
    ak_free(c->mq);
    c->mq = NULL;
    c->mq_count = c->mq_cap = 0;
    c->mq_mem = 0;
    c->flags &= ~(AK_CLIENT_MULTI | AK_CLIENT_DIRTY_CAS | AK_CLIENT_DIRTY_EXEC);
    ak_unwatch_all(c);
}

void ak_multi_exec_abort(ak_session *c, const char *why)
{
    ak_multi_discard(c);
    /* Redis passes the reason without its "-ERR " (the formatted rejections)
     * but with any other code (NOAUTH). */
    if (!strncmp(why, "ERR ", 4))
        why += 4;
    ak_reply_errorf(c, "EXECABORT Transaction discarded because of: %s", why);
}

/* ---------------------------------------------------------------- WATCH */

/* One watched (db, key): a registry entry. */
typedef struct watched {
    ak_dnode node; /* first: the dict links it */
    uint64_t hash;
    struct ak_watch *watchers;
    int db;
    size_t idlen;
    char id[]; /* db as 4 bytes, then the key */
} watched;

/* One session's watch of one key: on the entry's list and the session's. */
struct ak_watch {
    struct ak_watch *prev, *next; /* the entry's watchers */
    struct ak_watch *next_own;    /* the session's watches */
    watched *w;
    ak_session *c;
    int expired; /* the key was already expired when watched */
};

static uint64_t watched_hash(const ak_dnode *n)
{
    return ((const watched *)n)->hash;
}

static int watched_eq(const ak_dnode *n, const void *id, size_t len)
{
    const watched *w = (const watched *)n;
    return w->idlen == len && memcmp(w->id, id, len) == 0;
}

static const ak_dtype watched_type = {watched_hash, watched_eq};

void ak_watch_registry_init(ak_store *st)
{
    ak_dict_init(&st->watched, &watched_type);
}

void ak_watch_registry_free(ak_store *st)
{
    ak_dict_clear(&st->watched, NULL, NULL);
}

char *ak_key_id(int db, ak_slice key, char *buf, size_t cap, size_t *len)
{
    *len = 4 + key.len;
    char *id = *len <= cap ? buf : ak_malloc(*len);
    uint32_t d = (uint32_t)db;
    for (int i = 0; i < 4; i++)
        id[i] = (char)(d >> (8 * i));
    if (key.len)
        memcpy(id + 4, key.p, key.len);
    return id;
}

static watched *find_watched(ak_store *st, int db, ak_slice key)
{
    char buf[256];
    size_t len;
    char *id = ak_key_id(db, key, buf, sizeof buf, &len);
    watched *w = (watched *)ak_dict_find(&st->watched, id, len, ak_hash(id, len));
    if (id != buf)
        ak_free(id);
    return w;
}

static int key_state(ak_store *st, int db, ak_slice key)
{
    return st->engine->ops->peek(st->engine, db, key);
}

void ak_watch_key(ak_session *c, ak_slice key)
{
    ak_store *st = c->st;
    watched *w = find_watched(st, c->db, key);
    if (w) {
        for (struct ak_watch *x = w->watchers; x; x = x->next)
            if (x->c == c)
                return; /* already watched */
    } else {
        size_t len;
        w = ak_malloc(sizeof *w + 4 + key.len);
        w->node.next = NULL;
        w->watchers = NULL;
        w->db = c->db;
        ak_key_id(c->db, key, w->id, 4 + key.len, &len);
        w->idlen = len;
        w->hash = ak_hash(w->id, len);
        ak_dict_insert(&st->watched, &w->node, w->hash);
    }
    struct ak_watch *x = ak_malloc(sizeof *x);
    x->w = w;
    x->c = c;
    x->expired = key_state(st, c->db, key) == AK_KEY_EXPIRED;
    /* After the peek: it is what brings the engine up to date. */
    if (!c->watching)
        c->watch_foreign = st->engine->foreign_writes;
    x->prev = NULL;
    x->next = w->watchers;
    if (w->watchers)
        w->watchers->prev = x;
    w->watchers = x;
    x->next_own = c->watching;
    c->watching = x;
}

void ak_unwatch_all(ak_session *c)
{
    ak_store *st = c->st;
    struct ak_watch *x = c->watching, *next;
    for (; x; x = next) {
        next = x->next_own;
        watched *w = x->w;
        if (x->prev)
            x->prev->next = x->next;
        else
            w->watchers = x->next;
        if (x->next)
            x->next->prev = x->prev;
        if (!w->watchers) {
            ak_dict_unlink(&st->watched, w->id, w->idlen, w->hash);
            ak_free(w);
        }
        ak_free(x);
    }
    c->watching = NULL;
}

static ak_slice watched_key(const watched *w)
{
    return ak_slice_of(w->id + 4, w->idlen - 4);
}

int ak_watch_any_expired(ak_session *c)
{
    for (struct ak_watch *x = c->watching; x; x = x->next_own) {
        if (x->expired)
            continue; /* expired before WATCH: it was "missing" all along */
        if (key_state(c->st, x->w->db, watched_key(x->w)) == AK_KEY_EXPIRED)
            return 1;
    }
    return 0;
}

int ak_watch_foreign(ak_session *c)
{
    if (!c->watching)
        return 0;
    /* A read brings the engine's view (and its count) up to date. */
    key_state(c->st, c->watching->w->db, watched_key(c->watching->w));
    return c->st->engine->foreign_writes != c->watch_foreign;
}

void ak_watch_touch(ak_store *st, int db, ak_slice key, int expiring)
{
    if (ak_dict_size(&st->watched) == 0)
        return;
    watched *w = find_watched(st, db, key);
    if (!w)
        return;
    for (struct ak_watch *x = w->watchers; x; x = x->next) {
        if (x->expired) {
            /* Watched while already expired: the key leaving the store is
             * no logical change; from then on it is a missing key. */
            if (expiring || key_state(st, db, key) == AK_KEY_ABSENT) {
                x->expired = 0;
                continue;
            }
        }
        x->c->flags |= AK_CLIENT_DIRTY_CAS;
    }
}

void ak_watch_touch_db(ak_store *st, int db, int with)
{
    if (ak_dict_size(&st->watched) == 0)
        return;
    ak_dict_iter it;
    ak_dict_iter_start(&it, &st->watched);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it)) != NULL;) {
        watched *w = (watched *)n;
        if (db != -1 && w->db != db)
            continue;
        ak_slice key = watched_key(w);
        int here = key_state(st, w->db, key) != AK_KEY_ABSENT;
        int there = with >= 0 ? key_state(st, with, key) : AK_KEY_ABSENT;
        if (!here && there == AK_KEY_ABSENT)
            continue;
        for (struct ak_watch *x = w->watchers; x; x = x->next) {
            if (x->expired) {
                /* Watched as missing (expired): it stays missing when the
                 * key goes away or is replaced by another expired one. */
                if (there == AK_KEY_ABSENT) {
                    x->expired = 0;
                    continue;
                }
                if (there == AK_KEY_EXPIRED)
                    continue;
            } else if (!here && there == AK_KEY_EXPIRED) {
                /* A missing key replaced by an expired one: still missing. */
                x->expired = 1;
                continue;
            }
            x->c->flags |= AK_CLIENT_DIRTY_CAS;
        }
    }
    ak_dict_iter_end(&it);
}
