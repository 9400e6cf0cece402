/*
 * keyspace.c -- the memory engine: logical databases, key entries, expiry,
 * and the generic key operations of the storage interface. Values live in
 * one file per type (string.c, ...), reached through mem_vtype.
 *
 * Per logical database:
 *   keys     intrusive dict of mkey nodes (see mem.h); a 10-byte key fits a
 *            48-byte malloc chunk.
 *   expires  intrusive dict of mexp nodes {mkey*, when}, only for keys that
 *            have a TTL (mkey.has_expire says so, so keys without one never
 *            pay the second lookup). Active expiry samples this dict.
 * Both dicts hash the key bytes with the same function, so one hash serves
 * both lookups.
 *
 * Invariants: every mkey reachable from `keys` is live or lazily expirable;
 * has_expire == (an mexp for it is in `expires`); values are owned by their
 * mkey and freed with it.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "mem.h"

#include "../../util/alloc.h"
#include "../../util/clock.h"

/* ---------------------------------------------------------------- dict types */

static uint64_t key_hash(const ak_dnode *n)
{
    const mkey *k = (const mkey *)n;
    return ak_hash(k->key, k->klen);
}

static int key_eq(const ak_dnode *n, const void *key, size_t len)
{
    const mkey *k = (const mkey *)n;
    return k->klen == len && memcmp(k->key, key, len) == 0;
}

static uint64_t exp_hash(const ak_dnode *n)
{
    const mexp *x = (const mexp *)n;
    return ak_hash(x->k->key, x->k->klen);
}

static int exp_eq(const ak_dnode *n, const void *key, size_t len)
{
    return key_eq(&((const mexp *)n)->k->node, key, len);
}

static const ak_dtype keys_type = {key_hash, key_eq};
static const ak_dtype expires_type = {exp_hash, exp_eq};

/* ---------------------------------------------------------------- values */

static uint32_t lru_clock(void)
{
    return (uint32_t)((ak_mstime() / 1000) & LRU_MAX);
}

void mem_touch(mem_engine *m, mkey *k)
{
    if (!m->base.notouch)
        k->lru = lru_clock();
}

static const mem_vtype *const vtypes[] = {
    [AIKV_TYPE_STRING] = &mem_string_vtype, [AIKV_TYPE_LIST] = &mem_list_vtype,
    [AIKV_TYPE_HASH] = &mem_hash_vtype,     [AIKV_TYPE_SET] = &mem_set_vtype,
    [AIKV_TYPE_ZSET] = &mem_zset_vtype,
};

static void free_value(mkey *k)
{
    const mem_vtype *t = k->type < sizeof vtypes / sizeof *vtypes ? vtypes[k->type] : NULL;
    if (t && k->v.p)
        t->free(k);
    k->v.p = NULL;
}

void mem_replace_value(mem_engine *m, mkey *k)
{
    (void)m;
    free_value(k);
}

static void copy_value(mkey *d, const mkey *k)
{
    d->type = k->type;
    vtypes[k->type]->dup(d, k);
}

/* ---------------------------------------------------------------- keys */

static mkey *mkey_new(ak_slice key)
{
    mkey *k = ak_malloc(sizeof(mkey) + key.len);
    k->node.next = NULL;
    k->v.p = NULL;
    k->klen = (uint32_t)key.len;
    k->lru = lru_clock();
    k->type = AIKV_TYPE_NONE;
    k->enc = AK_ENC_RAW;
    k->has_expire = 0;
    memcpy(k->key, key.p, key.len);
    return k;
}

static int64_t get_expire(mdb *d, const mkey *k, uint64_t h)
{
    if (!k->has_expire)
        return AK_NO_EXPIRE;
    mexp *x = (mexp *)ak_dict_find(&d->expires, k->key, k->klen, h);
    return x ? x->when : AK_NO_EXPIRE;
}

static void set_expire(mdb *d, mkey *k, uint64_t h, int64_t when)
{
    if (when == AK_NO_EXPIRE) {
        if (k->has_expire) {
            ak_free(ak_dict_unlink(&d->expires, k->key, k->klen, h));
            k->has_expire = 0;
        }
        return;
    }
    if (k->has_expire) {
        mexp *x = (mexp *)ak_dict_find(&d->expires, k->key, k->klen, h);
        x->when = when;
        return;
    }
    mexp *x = ak_malloc(sizeof *x);
    x->node.next = NULL;
    x->k = k;
    x->when = when;
    ak_dict_insert(&d->expires, &x->node, h);
    k->has_expire = 1;
}

/* Unlinks k from its database and frees it with its value. */
static void delete_key(mdb *d, mkey *k, uint64_t h)
{
    if (k->has_expire)
        ak_free(ak_dict_unlink(&d->expires, k->key, k->klen, h));
    ak_dict_unlink(&d->keys, k->key, k->klen, h);
    free_value(k);
    ak_free(k);
}

static void expire_now(mem_engine *m, int db, mkey *k, uint64_t h)
{
    /* The hook may look at the key: tell it before the bytes are freed. */
    if (m->base.on_expired)
        m->base.on_expired(m->base.owner, db, ak_slice_of(k->key, k->klen));
    delete_key(&m->dbs[db], k, h);
}

/* The live key, or NULL (an expired key is deleted on the way). Every
 * operation reaches its keys through here, so this is where an open
 * savepoint records them (undo.c). */
static mkey *find_live(mem_engine *m, int db, ak_slice key, uint64_t h)
{
    mdb *d = &m->dbs[db];
    mkey *k = (mkey *)ak_dict_find(&d->keys, key.p, key.len, h);
    if (k && k->has_expire) {
        int64_t when = get_expire(d, k, h);
        if (when != AK_NO_EXPIRE && when <= ak_expiry_now()) {
            expire_now(m, db, k, h);
            k = NULL;
        }
    }
    if (m->sp_depth && !m->sp_depth_restoring && !m->base.reading)
        mem_undo_note_key(m, db, key, h, k, k ? get_expire(d, k, h) : AK_NO_EXPIRE);
    return k;
}

mkey *mem_detached_copy(const mkey *k)
{
    mkey *c = mkey_new(ak_slice_of(k->key, k->klen));
    c->type = k->type;
    c->lru = k->lru;
    copy_value(c, k);
    return c;
}

void mem_free_detached(mkey *k)
{
    free_value(k);
    ak_free(k);
}

void mem_restore_key(mem_engine *m, int db, ak_slice key, mkey *saved, int64_t expire)
{
    mdb *d = &m->dbs[db];
    uint64_t h = ak_hash(key.p, key.len);
    mkey *cur = (mkey *)ak_dict_find(&d->keys, key.p, key.len, h);
    if (cur)
        delete_key(d, cur, h);
    if (!saved)
        return;
    saved->has_expire = 0;
    ak_dict_insert(&d->keys, &saved->node, h);
    set_expire(d, saved, h, expire);
}

static mkey *insert_new(mdb *d, ak_slice key, uint64_t h)
{
    mkey *k = mkey_new(key);
    ak_dict_insert(&d->keys, &k->node, h);
    return k;
}

void mem_set_expire_of(mem_engine *m, int db, mkey *k, uint64_t h, int64_t when)
{
    set_expire(&m->dbs[db], k, h, when);
}

mkey *mem_find(mem_engine *m, int db, ak_slice key, uint64_t *h)
{
    *h = ak_hash(key.p, key.len);
    return find_live(m, db, key, *h);
}

int mem_find_typed(mem_engine *m, int db, ak_slice key, aikv_type_t type, mkey **out,
                   uint64_t *h)
{
    mkey *k = mem_find(m, db, key, h);
    if (k && k->type != type)
        return AK_WRONGTYPE;
    *out = k;
    return AK_OK;
}

mkey *mem_add(mem_engine *m, int db, ak_slice key, uint64_t h, aikv_type_t type, int enc, void *v)
{
    mkey *k = insert_new(&m->dbs[db], key, h);
    k->type = type;
    k->enc = (uint32_t)enc;
    k->v.p = v;
    return k;
}

void mem_remove(mem_engine *m, int db, mkey *k, uint64_t h)
{
    delete_key(&m->dbs[db], k, h);
}

static void mem_lookup(ak_engine *e, int db, ak_slice key, int flags, ak_keyinfo *ki)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h = ak_hash(key.p, key.len);
    mkey *k = find_live(m, db, key, h);
    memset(ki, 0, sizeof *ki);
    if (!k) {
        ki->type = AIKV_TYPE_NONE;
        ki->expire = AK_NO_EXPIRE;
        return;
    }
    uint32_t now = lru_clock();
    ki->type = (aikv_type_t)k->type;
    ki->encoding = (ak_encoding)k->enc;
    ki->expire = get_expire(&m->dbs[db], k, h);
    ki->idle_ms = (int64_t)((now - k->lru) & LRU_MAX) * 1000;
    ki->refcount = ak_string_refcount(k->enc, k->enc == AK_ENC_INT ? k->v.i : 0);
    if (!(flags & AK_LOOKUP_NOTOUCH) && !m->base.notouch)
        k->lru = now;
}

static int mem_peek(ak_engine *e, int db, ak_slice key)
{
    mem_engine *m = (mem_engine *)e;
    mdb *d = &m->dbs[db];
    uint64_t h = ak_hash(key.p, key.len);
    mkey *k = (mkey *)ak_dict_find(&d->keys, key.p, key.len, h);
    if (!k)
        return AK_KEY_ABSENT;
    int64_t when = get_expire(d, k, h);
    return when != AK_NO_EXPIRE && when <= ak_expiry_now() ? AK_KEY_EXPIRED : AK_KEY_LIVE;
}

static int mem_del(ak_engine *e, int db, ak_slice key)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h = ak_hash(key.p, key.len);
    mkey *k = find_live(m, db, key, h);
    if (!k)
        return 0;
    delete_key(&m->dbs[db], k, h);
    return 1;
}

static uint64_t mem_dbsize(ak_engine *e, int db)
{
    return ak_dict_size(&((mem_engine *)e)->dbs[db].keys);
}

static uint64_t mem_expires(ak_engine *e, int db)
{
    return ak_dict_size(&((mem_engine *)e)->dbs[db].expires);
}

static int64_t mem_avg_ttl(ak_engine *e, int db)
{
    return ((mem_engine *)e)->dbs[db].avg_ttl;
}

static int mem_set_expire(ak_engine *e, int db, ak_slice key, int64_t when)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h = ak_hash(key.p, key.len);
    mkey *k = find_live(m, db, key, h);
    if (!k)
        return AK_NOTFOUND;
    set_expire(&m->dbs[db], k, h, when);
    return AK_OK;
}

/* Shared by rename and copy: `move` hands src's value over, else copies. */
static int relocate(mem_engine *m, int sdb, ak_slice src, int ddb, ak_slice dst, int replace,
                    int move)
{
    uint64_t sh = ak_hash(src.p, src.len);
    uint64_t dh = ak_hash(dst.p, dst.len);
    mkey *k = find_live(m, sdb, src, sh);
    if (!k)
        return AK_NOTFOUND;
    mkey *old = find_live(m, ddb, dst, dh);
    if (old == k)
        return 1; /* RENAME k k: nothing to do */
    if (old) {
        if (!replace)
            return 0;
        delete_key(&m->dbs[ddb], old, dh);
    }
    int64_t when = get_expire(&m->dbs[sdb], k, sh);
    mkey *n = insert_new(&m->dbs[ddb], dst, dh);
    if (move) {
        n->type = k->type;
        n->enc = k->enc;
        n->v = k->v;
        n->lru = k->lru;
        k->v.p = NULL;
        k->type = AIKV_TYPE_NONE;
        delete_key(&m->dbs[sdb], k, sh);
    } else {
        copy_value(n, k);
    }
    set_expire(&m->dbs[ddb], n, dh, when);
    return 1;
}

static int mem_rename(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace)
{
    return relocate((mem_engine *)e, sdb, src, ddb, dst, replace, 1);
}

static int mem_copy(ak_engine *e, int sdb, ak_slice src, int ddb, ak_slice dst, int replace)
{
    return relocate((mem_engine *)e, sdb, src, ddb, dst, replace, 0);
}

static void mem_swapdb(ak_engine *e, int a, int b)
{
    mem_engine *m = (mem_engine *)e;
    if (m->sp_depth)
        mem_undo_note_swap(m, a, b);
    mdb t = m->dbs[a];
    m->dbs[a] = m->dbs[b];
    m->dbs[b] = t;
}

static void free_key_node(ak_dnode *n, void *ctx)
{
    mkey *k = (mkey *)n;
    free_value(k);
    ak_free(k);
}

static void free_exp_node(ak_dnode *n, void *ctx)
{
    ak_free(n);
}

static void flush_db(mdb *d)
{
    ak_dict_clear(&d->expires, free_exp_node, NULL);
    ak_dict_clear(&d->keys, free_key_node, NULL);
    d->avg_ttl = 0;
}

/* FLUSHDB/FLUSHALL ASYNC: the databases' contents are handed to a detached
 * thread that frees them, so the caller does not wait for millions of
 * free() calls. The keys are gone for everyone from the moment of the call. */
typedef struct lazy_free {
    int n;
    mdb dbs[];
} lazy_free;

static void *lazy_free_main(void *arg)
{
    lazy_free *lf = arg;
    for (int i = 0; i < lf->n; i++)
        flush_db(&lf->dbs[i]);
    ak_free(lf);
    return NULL;
}

void mem_free_db(mdb *d)
{
    flush_db(d);
}

static void mem_flush(ak_engine *e, int db, int async)
{
    mem_engine *m = (mem_engine *)e;
    int first = db < 0 ? 0 : db, last = db < 0 ? e->ndb - 1 : db;
    if (m->sp_depth) {
        /* The contents go to the undo log, whole: a rollback puts them back. */
        for (int i = first; i <= last; i++) {
            mem_undo_note_flush(m, i, &m->dbs[i]);
            ak_dict_init(&m->dbs[i].keys, &keys_type);
            ak_dict_init(&m->dbs[i].expires, &expires_type);
            m->dbs[i].avg_ttl = 0;
        }
        return;
    }
    if (async) {
        int n = last - first + 1;
        lazy_free *lf = ak_malloc(sizeof *lf + (size_t)n * sizeof(mdb));
        lf->n = n;
        for (int i = first; i <= last; i++) {
            lf->dbs[i - first] = m->dbs[i];
            ak_dict_init(&m->dbs[i].keys, &keys_type);
            ak_dict_init(&m->dbs[i].expires, &expires_type);
            m->dbs[i].avg_ttl = 0;
        }
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, lazy_free_main, lf);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            lazy_free_main(lf); /* no thread to be had: free here */
        return;
    }
    for (int i = first; i <= last; i++)
        flush_db(&m->dbs[i]);
}

typedef struct scan_filter {
    mdb *d;
    int64_t now;
    ak_key_fn fn;
    void *ctx;
} scan_filter;

static void scan_live(ak_dnode *n, void *arg)
{
    scan_filter *sf = arg;
    mkey *k = (mkey *)n;
    if (k->has_expire) {
        int64_t when = get_expire(sf->d, k, ak_hash(k->key, k->klen));
        if (when != AK_NO_EXPIRE && when <= sf->now)
            return;
    }
    sf->fn(sf->ctx, ak_slice_of(k->key, k->klen), (aikv_type_t)k->type);
}

static uint64_t mem_scan(ak_engine *e, int db, uint64_t cursor, ak_key_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)e;
    scan_filter sf = {&m->dbs[db], ak_expiry_now(), fn, ctx};
    return ak_dict_scan(&m->dbs[db].keys, cursor, scan_live, &sf);
}

static int mem_random_key(ak_engine *e, int db, ak_slice *out)
{
    mem_engine *m = (mem_engine *)e;
    mdb *d = &m->dbs[db];
    /* Expired keys met on the way are deleted; when every key is volatile
     * and expired this ends once the database is empty. */
    for (int tries = 0; tries < 1000; tries++) {
        mkey *k = (mkey *)ak_dict_random(&d->keys);
        if (!k)
            return AK_NOTFOUND;
        uint64_t h = ak_hash(k->key, k->klen);
        if (find_live(m, db, ak_slice_of(k->key, k->klen), h) == k) {
            *out = ak_slice_of(k->key, k->klen);
            return AK_OK;
        }
    }
    return AK_NOTFOUND;
}

/* Active expiry, Redis's sampling cycle: take up to 20 keys with a TTL from a
 * random place, delete the expired ones, and go on while more than a quarter
 * of a sample was expired and time is left. */
#define EXPIRE_SAMPLE 20

static void expire_cycle(mem_engine *m, int64_t deadline)
{
    int ndb = m->base.ndb;
    for (int visited = 0; visited < ndb; visited++) {
        int db = m->cron_db;
        m->cron_db = (m->cron_db + 1) % ndb;
        mdb *d = &m->dbs[db];
        for (;;) {
            if (ak_dict_size(&d->expires) == 0)
                break;
            ak_dnode *sample[EXPIRE_SAMPLE];
            size_t n = ak_dict_sample(&d->expires, sample, EXPIRE_SAMPLE);
            int64_t now = ak_mstime();
            size_t expired = 0, ttl_samples = 0;
            int64_t ttl_sum = 0;
            /* Collect first: deleting invalidates the other sampled nodes'
             * positions only through unlink, which is by key, so it is safe,
             * but a node may be sampled twice, hence the re-check by key. */
            mkey *victims[EXPIRE_SAMPLE];
            for (size_t i = 0; i < n; i++) {
                mexp *x = (mexp *)sample[i];
                if (x->when <= now) {
                    int dup = 0;
                    for (size_t j = 0; j < expired; j++)
                        dup |= victims[j] == x->k;
                    if (!dup)
                        victims[expired++] = x->k;
                } else {
                    ttl_sum += x->when - now;
                    ttl_samples++;
                }
            }
            for (size_t i = 0; i < expired; i++) {
                mkey *k = victims[i];
                expire_now(m, db, k, ak_hash(k->key, k->klen));
            }
            if (ttl_samples) {
                int64_t avg = ttl_sum / (int64_t)ttl_samples;
                d->avg_ttl = d->avg_ttl ? (d->avg_ttl / 50) * 49 + avg / 50 : avg;
            }
            if (expired * 4 <= n || ak_monotonic_us() >= deadline)
                break;
        }
        if (ak_monotonic_us() >= deadline)
            break;
    }
}

static void mem_cron(ak_engine *e, int64_t budget_us)
{
    mem_engine *m = (mem_engine *)e;
    int64_t start = ak_monotonic_us();
    int64_t deadline = start + budget_us;
    if (!e->no_active_expire)
        expire_cycle(m, deadline);
    for (int i = 0; i < e->ndb; i++) {
        mdb *d = &m->dbs[i];
        ak_dict_shrink(&d->keys);
        ak_dict_shrink(&d->expires);
        if (ak_monotonic_us() < deadline) {
            if (ak_dict_is_rehashing(&d->keys))
                ak_dict_rehash_ms(&d->keys, 1);
            if (ak_dict_is_rehashing(&d->expires))
                ak_dict_rehash_ms(&d->expires, 1);
        }
    }
}

/* ---------------------------------------------------------------- engine */

static void mem_close(ak_engine *e)
{
    mem_engine *m = (mem_engine *)e;
    mem_undo_release(m, 1);
    ak_free(m->undo);
    ak_free(m->sp_stack);
    mem_flush(e, -1, 0);
    mem_libs_free(&m->libs);
    ak_free(m->dbs);
    ak_free(m);
}

static uint64_t mem_savepoint(ak_engine *e)
{
    return mem_undo_savepoint((mem_engine *)e);
}

static void mem_rollback_to(ak_engine *e, uint64_t sp)
{
    mem_undo_rollback((mem_engine *)e, sp);
}

static void mem_release(ak_engine *e, uint64_t sp)
{
    mem_undo_release((mem_engine *)e, sp);
}

static const ak_engine_ops mem_ops = {
    .name = "memory",
    .savepoint = mem_savepoint,
    .rollback_to = mem_rollback_to,
    .release = mem_release,
    .close = mem_close,
    .lookup = mem_lookup,
    .peek = mem_peek,
    .del = mem_del,
    .dbsize = mem_dbsize,
    .expires = mem_expires,
    .avg_ttl = mem_avg_ttl,
    .set_expire = mem_set_expire,
    .rename = mem_rename,
    .copy = mem_copy,
    .swapdb = mem_swapdb,
    .flush = mem_flush,
    .scan = mem_scan,
    .random_key = mem_random_key,
    .cron = mem_cron,
    .str_get = mem_str_get,
    .str_set = mem_str_set,
    .str_append = mem_str_append,
    .str_setrange = mem_str_setrange,
    .lib_put = mem_lib_put,
    .lib_each = mem_lib_each,
    .lib_version = mem_lib_version,
    .list = &mem_list_ops,
    .hash = &mem_hash_ops,
    .set = &mem_set_ops,
    .zset = &mem_zset_ops,
};

ak_engine *ak_mem_engine_new(int ndb)
{
    mem_engine *m = ak_calloc(1, sizeof *m);
    m->base.ops = &mem_ops;
    m->base.ndb = ndb;
    m->dbs = ak_calloc((size_t)ndb, sizeof(mdb));
    for (int i = 0; i < ndb; i++) {
        ak_dict_init(&m->dbs[i].keys, &keys_type);
        ak_dict_init(&m->dbs[i].expires, &expires_type);
    }
    return &m->base;
}
