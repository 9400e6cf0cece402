/*
 * mem.c -- the in-memory engine: keyspace, expiry and strings.
 *
 * Layout of a logical database:
 *   keys     intrusive dict of mkey nodes. An mkey is one allocation holding
 *            the chain link, the value, the access clock, the type and
 *            encoding bits and the key bytes; a 10-byte key fits a 48-byte
 *            malloc chunk.
 *   expires  intrusive dict of mexp nodes {mkey*, when}, only for keys that
 *            have a TTL (mkey.has_expire says so, so keys without one never
 *            pay the second lookup). Active expiry samples this dict.
 * Both dicts hash the key bytes with the same function, so one hash serves
 * both lookups.
 *
 * String values (Redis's encodings, reported by OBJECT ENCODING):
 *   INT     the value is a canonical 64-bit integer, stored in the mkey
 *           itself (no allocation); shared-integer refcount for 0..9999.
 *   EMBSTR  an mstr of up to 44 bytes, written by SET and never modified.
 *   RAW     an mstr that is longer, or that APPEND/SETRANGE changed; it may
 *           have spare capacity (the allocator's usable size tells it).
 *
 * Invariants: every mkey reachable from `keys` is live or lazily expirable;
 * has_expire == (an mexp for it is in `expires`); values are owned by their
 * mkey and freed with it.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "../../util/alloc.h"
#include "../../util/clock.h"
#include "../../util/dict.h"
#include "../../util/num.h"
#include "../store.h"

#define EMBSTR_MAX 44
#define SHARED_INTEGERS 10000
#define LRU_BITS 24
#define LRU_MAX ((1u << LRU_BITS) - 1)

typedef struct mstr {
    size_t len;
    char data[]; /* len bytes + NUL */
} mstr;

typedef struct mkey {
    ak_dnode node;
    union {
        mstr *s;
        long long i;
        void *p;
    } v;
    uint32_t klen;
    uint32_t lru : LRU_BITS; /* seconds clock of the last access */
    uint32_t type : 3;       /* aikv_type_t */
    uint32_t enc : 4;        /* ak_encoding */
    uint32_t has_expire : 1;
    char key[];
} mkey;

typedef struct mexp {
    ak_dnode node;
    mkey *k;
    int64_t when;
} mexp;

typedef struct mdb {
    ak_dict keys;
    ak_dict expires;
    int64_t avg_ttl;
} mdb;

typedef struct mem_engine {
    ak_engine base;
    mdb *dbs;
    int cron_db;       /* next database the active expiry visits */
    char ibuf[24];     /* text of an INT value handed out as a slice */
} mem_engine;

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

static void touch(mem_engine *m, mkey *k)
{
    if (!m->base.notouch)
        k->lru = lru_clock();
}

static mstr *mstr_new(const char *p, size_t len)
{
    mstr *s = ak_malloc(sizeof(mstr) + len + 1);
    s->len = len;
    if (len)
        memcpy(s->data, p, len);
    s->data[len] = '\0';
    return s;
}

static size_t mstr_cap(const mstr *s)
{
    return ak_alloc_size(s) - sizeof(mstr) - 1;
}

/* Makes room for `len` bytes, growing greedily like sds so repeated APPENDs
 * are amortised O(1). New bytes are not initialised. */
static mstr *mstr_grow(mstr *s, size_t len)
{
    if (len <= mstr_cap(s))
        return s;
    size_t want = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
    return ak_realloc(s, sizeof(mstr) + want + 1);
}

static void free_value(mkey *k)
{
    switch (k->type) {
    case AIKV_TYPE_STRING:
        if (k->enc != AK_ENC_INT)
            ak_free(k->v.s);
        break;
    default:
        break;
    }
    k->v.p = NULL;
}

/* Stores a string value in k with Redis's choice of encoding. */
static void set_string(mkey *k, ak_slice val, int flags)
{
    long long ll;
    k->type = AIKV_TYPE_STRING;
    if (!(flags & AK_STR_NOINT) && val.len <= 20 && ak_str2ll(val.p, val.len, &ll)) {
        k->enc = AK_ENC_INT;
        k->v.i = ll;
    } else {
        k->enc = val.len <= EMBSTR_MAX ? AK_ENC_EMBSTR : AK_ENC_RAW;
        k->v.s = mstr_new(val.p, val.len);
    }
}

/* Turns an INT or EMBSTR value into a RAW one that may be modified. */
static void make_raw(mkey *k)
{
    if (k->enc == AK_ENC_INT) {
        char buf[24];
        size_t n = ak_ll2str(buf, sizeof buf, k->v.i);
        k->v.s = mstr_new(buf, n);
    }
    k->enc = AK_ENC_RAW;
}

static ak_slice string_slice(mem_engine *m, const mkey *k)
{
    if (k->enc == AK_ENC_INT) {
        size_t n = ak_ll2str(m->ibuf, sizeof m->ibuf, k->v.i);
        return ak_slice_of(m->ibuf, n);
    }
    return ak_slice_of(k->v.s->data, k->v.s->len);
}

/* A deep copy of k's value into the fresh key d. */
static void copy_value(mkey *d, const mkey *k)
{
    d->type = k->type;
    d->enc = k->enc;
    switch (k->type) {
    case AIKV_TYPE_STRING:
        if (k->enc == AK_ENC_INT)
            d->v.i = k->v.i;
        else
            d->v.s = mstr_new(k->v.s->data, k->v.s->len);
        break;
    default:
        d->v.p = NULL;
        break;
    }
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

/* The live key, or NULL (an expired key is deleted on the way). */
static mkey *find_live(mem_engine *m, int db, ak_slice key, uint64_t h)
{
    mdb *d = &m->dbs[db];
    mkey *k = (mkey *)ak_dict_find(&d->keys, key.p, key.len, h);
    if (k && k->has_expire) {
        int64_t when = get_expire(d, k, h);
        if (when != AK_NO_EXPIRE && when <= ak_mstime()) {
            expire_now(m, db, k, h);
            return NULL;
        }
    }
    return k;
}

static mkey *insert_new(mdb *d, ak_slice key, uint64_t h)
{
    mkey *k = mkey_new(key);
    ak_dict_insert(&d->keys, &k->node, h);
    return k;
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
    ki->refcount = (k->enc == AK_ENC_INT && k->v.i >= 0 && k->v.i < SHARED_INTEGERS) ? INT_MAX : 1;
    if (!(flags & AK_LOOKUP_NOTOUCH) && !m->base.notouch)
        k->lru = now;
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

static void mem_flush(ak_engine *e, int db, int async)
{
    mem_engine *m = (mem_engine *)e;
    int first = db < 0 ? 0 : db, last = db < 0 ? e->ndb - 1 : db;
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
    scan_filter sf = {&m->dbs[db], ak_mstime(), fn, ctx};
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

/* ---------------------------------------------------------------- strings */

static int mem_str_get(ak_engine *e, int db, ak_slice key, ak_slice *val)
{
    mem_engine *m = (mem_engine *)e;
    mkey *k = find_live(m, db, key, ak_hash(key.p, key.len));
    if (!k)
        return AK_NOTFOUND;
    if (k->type != AIKV_TYPE_STRING)
        return AK_WRONGTYPE;
    touch(m, k);
    *val = string_slice(m, k);
    return AK_OK;
}

static int mem_str_set(ak_engine *e, int db, ak_slice key, ak_slice val, int64_t expire,
                       int flags)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h = ak_hash(key.p, key.len);
    mdb *d = &m->dbs[db];
    mkey *k = find_live(m, db, key, h);
    if (k) {
        free_value(k);
        touch(m, k);
    } else {
        k = insert_new(d, key, h);
    }
    set_string(k, val, flags);
    if (expire != AK_KEEP_TTL)
        set_expire(d, k, h, expire);
    return AK_OK;
}

/* The key as a RAW string to modify, created empty when missing. */
static int writable_string(mem_engine *m, int db, ak_slice key, mkey **out)
{
    uint64_t h = ak_hash(key.p, key.len);
    mkey *k = find_live(m, db, key, h);
    if (k && k->type != AIKV_TYPE_STRING)
        return AK_WRONGTYPE;
    if (!k) {
        k = insert_new(&m->dbs[db], key, h);
        k->type = AIKV_TYPE_STRING;
        k->enc = AK_ENC_RAW;
        k->v.s = mstr_new("", 0);
    }
    make_raw(k);
    touch(m, k);
    *out = k;
    return AK_OK;
}

static int mem_str_append(ak_engine *e, int db, ak_slice key, ak_slice val, size_t *newlen)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h = ak_hash(key.p, key.len);
    if (!find_live(m, db, key, h)) {
        /* A new key is a plain SET, with SET's choice of encoding. */
        set_string(insert_new(&m->dbs[db], key, h), val, 0);
        *newlen = val.len;
        return AK_OK;
    }
    mkey *k;
    int rc = writable_string((mem_engine *)e, db, key, &k);
    if (rc != AK_OK)
        return rc;
    mstr *s = mstr_grow(k->v.s, k->v.s->len + val.len);
    memcpy(s->data + s->len, val.p, val.len);
    s->len += val.len;
    s->data[s->len] = '\0';
    k->v.s = s;
    *newlen = s->len;
    return AK_OK;
}

static int mem_str_setrange(ak_engine *e, int db, ak_slice key, size_t off, ak_slice val,
                            size_t *newlen)
{
    mkey *k;
    int rc = writable_string((mem_engine *)e, db, key, &k);
    if (rc != AK_OK)
        return rc;
    mstr *s = k->v.s;
    size_t end = off + val.len;
    if (end > s->len) {
        s = mstr_grow(s, end);
        memset(s->data + s->len, 0, end - s->len);
        s->len = end;
        s->data[end] = '\0';
    }
    memcpy(s->data + off, val.p, val.len);
    k->v.s = s;
    *newlen = s->len;
    return AK_OK;
}

/* ---------------------------------------------------------------- engine */

static void mem_close(ak_engine *e)
{
    mem_engine *m = (mem_engine *)e;
    mem_flush(e, -1, 0);
    ak_free(m->dbs);
    ak_free(m);
}

static const ak_engine_ops mem_ops = {
    .name = "memory",
    .close = mem_close,
    .lookup = mem_lookup,
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
