/*
 * hash.c -- hash values of the memory engine (store/hash.h), with Redis's
 * two encodings (OBJECT ENCODING reports them):
 *
 *   LISTPACK   field, value, field, value... in one lp (util/lp.h), in
 *              insertion order. Used while the hash has at most
 *              hash-max-listpack-entries fields and no field or value longer
 *              than hash-max-listpack-value bytes.
 *   HASHTABLE  an intrusive dict (util/dict.h) of hnode: ONE allocation per
 *              field, holding the chain link and the field and value bytes
 *              inline: [next][varint flen][field][varint vlen][value]. A new
 *              value that does not fit the node's allocation gets a new node
 *              put in the old one's place. With short fields and values a
 *              node is a 32- or 48-byte malloc chunk: 1M fields "field:N" ->
 *              "value:N" take 48 bytes each with the bucket array, against
 *              72 for Redis 7.0 (dictEntry + two sds + bucket).
 *
 * A listpack becomes a hashtable when a write would break either limit
 * (thresholds read from e->cfg at every write, so CONFIG SET applies to the
 * next write), and never goes back, as in Redis. A hash that loses its last
 * field is deleted with its key.
 *
 * Invariants: a listpack holds an even number of entries (field, value) and
 * no field twice; no hash is ever empty; HRANDFIELD and HSCAN of a listpack
 * see insertion order, as Redis's do.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../util/alloc.h"
#include "../../util/lp.h"
#include "../../util/num.h"
#include "../../core/config.h"
#include "../hash.h"
#include "../../util/varint.h"
#include "mem.h"

/* A listpack never grows past this (Redis's LISTPACK_MAX_SAFETY_SIZE). */
#define LP_SAFETY_SIZE (1u << 30)

/* ---------------------------------------------------------------- randomness */

/* SipHash of a counter under the process's random seed: a cheap PRF, good
 * enough for HRANDFIELD and not predictable by clients. */
static uint64_t rnd(void)
{
    static _Thread_local uint64_t ctr;
    ctr++;
    return ak_hash(&ctr, sizeof ctr);
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

/* ---------------------------------------------------------------- hashtable nodes */

typedef struct hnode {
    ak_dnode node;
    unsigned char data[]; /* varint flen, field, varint vlen, value */
} hnode;

static ak_slice hn_field(const hnode *n)
{
    size_t len, h = ak_varint_get(n->data, &len);
    return ak_slice_of(n->data + h, len);
}

/* Offset in data[] of the value's length varint. */
static size_t hn_value_off(const hnode *n)
{
    size_t len, h = ak_varint_get(n->data, &len);
    return h + len;
}

static ak_slice hn_value(const hnode *n)
{
    size_t off = hn_value_off(n), len;
    off += ak_varint_get(n->data + off, &len);
    return ak_slice_of(n->data + off, len);
}

static size_t hn_size(size_t flen, size_t vlen)
{
    return sizeof(hnode) + ak_varint_size(flen) + flen + ak_varint_size(vlen) + vlen;
}

static void hn_put_value(hnode *n, size_t off, ak_slice v)
{
    off += ak_varint_put(n->data + off, v.len);
    if (v.len)
        memcpy(n->data + off, v.p, v.len);
}

static hnode *hn_new(ak_slice f, ak_slice v)
{
    hnode *n = ak_malloc(hn_size(f.len, v.len));
    n->node.next = NULL;
    size_t off = ak_varint_put(n->data, f.len);
    if (f.len)
        memcpy(n->data + off, f.p, f.len);
    hn_put_value(n, off + f.len, v);
    return n;
}

static uint64_t hn_hash(const ak_dnode *d)
{
    ak_slice f = hn_field((const hnode *)d);
    return ak_hash(f.p, f.len);
}

static int hn_eq(const ak_dnode *d, const void *key, size_t len)
{
    ak_slice f = hn_field((const hnode *)d);
    return f.len == len && (len == 0 || memcmp(f.p, key, len) == 0);
}

static const ak_dtype hnode_type = {hn_hash, hn_eq};

static ak_dict *ht_new(void)
{
    ak_dict *d = ak_malloc(sizeof *d);
    ak_dict_init(d, &hnode_type);
    return d;
}

static void free_hnode(ak_dnode *n, void *ctx)
{
    ak_free(n);
}

static void ht_free(ak_dict *d)
{
    ak_dict_clear(d, free_hnode, NULL);
    ak_free(d);
}

/* Replaces the value of node n (hash h) in d; returns the node now in place. */
static hnode *ht_set_value(ak_dict *d, hnode *n, uint64_t h, ak_slice v)
{
    size_t off = hn_value_off(n);
    size_t need = sizeof(hnode) + off + ak_varint_size(v.len) + v.len;
    size_t have = ak_alloc_size(n);
    /* Rewrite in place when the chunk fits and would not waste much. */
    if (need <= have && have - need < 32) {
        hn_put_value(n, off, v);
        return n;
    }
    hnode *r = ak_malloc(need);
    memcpy(r->data, n->data, off);
    hn_put_value(r, off, v);
    ak_dict_replace(d, &n->node, &r->node, h);
    ak_free(n);
    return r;
}

/* Adds or updates a field; returns 1 if it was created. */
static int ht_set(ak_dict *d, ak_slice f, ak_slice v, int nx)
{
    uint64_t h = ak_hash(f.p, f.len);
    hnode *n = (hnode *)ak_dict_find(d, f.p, f.len, h);
    if (n) {
        if (!nx)
            ht_set_value(d, n, h, v);
        return 0;
    }
    ak_dict_insert(d, &hn_new(f, v)->node, h);
    return 1;
}

static hnode *ht_find(ak_dict *d, ak_slice f)
{
    return (hnode *)ak_dict_find(d, f.p, f.len, ak_hash(f.p, f.len));
}

/* ---------------------------------------------------------------- listpack helpers */

/* Cursor of the field's entry, or LP_END. */
static size_t lp_field(const lp *l, ak_slice f)
{
    return lp_find(l, lp_first(l), f.p, f.len, 1);
}

static ak_slice lp_slice(const lp *l, size_t at)
{
    size_t len;
    const char *p = lp_get(l, at, &len);
    return ak_slice_of(p, len);
}

static ak_dict *lp_to_ht(const lp *l)
{
    ak_dict *d = ht_new();
    for (size_t at = lp_first(l); at != LP_END;) {
        size_t vat = lp_next(l, at);
        ak_slice f = lp_slice(l, at), v = lp_slice(l, vat);
        ak_dict_insert(d, &hn_new(f, v)->node, ak_hash(f.p, f.len));
        at = lp_next(l, vat);
    }
    return d;
}

/* ---------------------------------------------------------------- values */

static void hash_free(mkey *k)
{
    if (k->enc == AK_ENC_LISTPACK)
        lp_free(k->v.p);
    else
        ht_free(k->v.p);
}

static void hash_dup(mkey *dst, const mkey *src)
{
    dst->enc = src->enc;
    if (src->enc == AK_ENC_LISTPACK) {
        dst->v.p = lp_dup(src->v.p);
        return;
    }
    ak_dict *s = src->v.p, *d = ht_new();
    ak_dict_iter it;
    ak_dict_iter_start(&it, s);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it));) {
        hnode *h = (hnode *)n;
        size_t sz = hn_size(hn_field(h).len, hn_value(h).len);
        hnode *c = ak_malloc(sz);
        memcpy(c, h, sz);
        c->node.next = NULL;
        ak_dict_insert(d, &c->node, hn_hash(&c->node));
    }
    ak_dict_iter_end(&it);
    dst->v.p = d;
}

const mem_vtype mem_hash_vtype = {hash_free, hash_dup};

static void convert(mkey *k)
{
    lp *l = k->v.p;
    k->v.p = lp_to_ht(l);
    k->enc = AK_ENC_HASHTABLE;
    lp_free(l);
}

/* Converts a listpack hash that could not take this pair. */
static void fit_pair(const ak_config *cfg, mkey *k, ak_slice f, ak_slice v)
{
    if (k->enc != AK_ENC_LISTPACK)
        return;
    long long max = cfg->hash_max_listpack_value;
    if ((long long)f.len > max || (long long)v.len > max ||
        lp_bytes(k->v.p) + f.len + v.len + 32 > LP_SAFETY_SIZE)
        convert(k);
}

/* Converts a listpack hash that has outgrown hash-max-listpack-entries. */
static void fit_count(const ak_config *cfg, mkey *k)
{
    if (k->enc == AK_ENC_LISTPACK &&
        (long long)(lp_count(k->v.p) / 2) > cfg->hash_max_listpack_entries)
        convert(k);
}

/* The hash at key for reading: AK_OK with *out, AK_NOTFOUND, AK_WRONGTYPE. */
static int find_hash(mem_engine *m, int db, ak_slice key, mkey **out, uint64_t *h)
{
    mkey *k;
    uint64_t hh;
    if (mem_find_typed(m, db, key, AIKV_TYPE_HASH, &k, h ? h : &hh) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (!k)
        return AK_NOTFOUND;
    mem_touch(m, k);
    *out = k;
    return AK_OK;
}

/* The hash at key for writing, created empty (as a listpack) if missing. */
static int write_hash(mem_engine *m, int db, ak_slice key, mkey **out)
{
    uint64_t h;
    int rc = find_hash(m, db, key, out, &h);
    if (rc == AK_NOTFOUND) {
        *out = mem_add(m, db, key, h, AIKV_TYPE_HASH, AK_ENC_LISTPACK, lp_new());
        rc = AK_OK;
    }
    return rc;
}

/* Sets one pair in a hash of either encoding; returns 1 if created. */
static int set_pair(const ak_config *cfg, mkey *k, ak_slice f, ak_slice v, int nx)
{
    if (k->enc == AK_ENC_LISTPACK) {
        size_t at = lp_field(k->v.p, f);
        if (at != LP_END && nx)
            return 0;
        fit_pair(cfg, k, f, v);
        if (k->enc == AK_ENC_LISTPACK) {
            lp *l = k->v.p;
            int created = at == LP_END;
            if (created) {
                l = lp_append(l, f.p, f.len);
                k->v.p = lp_append(l, v.p, v.len);
            } else {
                k->v.p = lp_replace(l, lp_next(l, at), v.p, v.len);
            }
            /* After an update too: Redis checks the count at every write of
             * a field, so a lowered threshold applies to the next one. */
            fit_count(cfg, k);
            return created;
        }
    }
    return ht_set(k->v.p, f, v, nx);
}

/* The value of a field: p == NULL if missing. */
static ak_slice field_value(mkey *k, ak_slice f)
{
    ak_slice none = {NULL, 0};
    if (k->enc == AK_ENC_LISTPACK) {
        lp *l = k->v.p;
        size_t at = lp_field(l, f);
        return at == LP_END ? none : lp_slice(l, lp_next(l, at));
    }
    hnode *n = ht_find(k->v.p, f);
    return n ? hn_value(n) : none;
}

static uint64_t hash_len(const mkey *k)
{
    if (k->enc == AK_ENC_LISTPACK)
        return lp_count(k->v.p) / 2;
    return ak_dict_size(k->v.p);
}

/* ---------------------------------------------------------------- operations */

static int mem_hash_set(ak_engine *e, int db, ak_slice key, const ak_slice *fv, size_t npairs,
                        int nx, size_t *added)
{
    mkey *k;
    if (added)
        *added = 0;
    if (npairs == 0) /* never create an empty hash */
        return find_hash((mem_engine *)e, db, key, &k, NULL) == AK_WRONGTYPE ? AK_WRONGTYPE
                                                                          : AK_OK;
    int rc = write_hash((mem_engine *)e, db, key, &k);
    if (rc != AK_OK)
        return rc;
    size_t n = 0;
    /* Redis checks every argument's length before the first insertion; the
     * final encoding is the same when each pair is checked as it comes,
     * since conversion is one-way and (without nx) every pair is written. */
    for (size_t i = 0; i < npairs; i++)
        n += (size_t)set_pair(e->cfg, k, fv[2 * i], fv[2 * i + 1], nx);
    if (added)
        *added = n;
    return AK_OK;
}

static int mem_hash_get(ak_engine *e, int db, ak_slice key, ak_slice field, ak_slice *val)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    if (rc == AK_OK)
        *val = field_value(k, field);
    return rc;
}

static int mem_hash_mget(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
                         ak_pair_fn fn, void *ctx)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    if (rc != AK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        fn(ctx, fields[i], field_value(k, fields[i]));
    return AK_OK;
}

static int mem_hash_del(ak_engine *e, int db, ak_slice key, const ak_slice *fields, size_t n,
                        size_t *deleted)
{
    mem_engine *m = (mem_engine *)e;
    mkey *k;
    uint64_t h;
    size_t gone = 0;
    int rc = find_hash(m, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    for (size_t i = 0; i < n && hash_len(k) > 0; i++) {
        ak_slice f = fields[i];
        if (k->enc == AK_ENC_LISTPACK) {
            size_t at = lp_field(k->v.p, f);
            if (at != LP_END) {
                k->v.p = lp_delete(k->v.p, at, 2);
                gone++;
            }
        } else {
            ak_dnode *d = ak_dict_unlink(k->v.p, f.p, f.len, ak_hash(f.p, f.len));
            if (d) {
                ak_free(d);
                gone++;
            }
        }
    }
    if (hash_len(k) == 0)
        mem_remove(m, db, k, h);
    else if (k->enc == AK_ENC_HASHTABLE && gone)
        ak_dict_shrink(k->v.p);
    if (deleted)
        *deleted = gone;
    return AK_OK;
}

static int mem_hash_exists(ak_engine *e, int db, ak_slice key, ak_slice field, int *exists)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    *exists = rc == AK_OK && field_value(k, field).p != NULL;
    return rc;
}

static int mem_hash_len(ak_engine *e, int db, ak_slice key, uint64_t *n)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    *n = rc == AK_OK ? hash_len(k) : 0;
    return rc;
}

static int mem_hash_strlen(ak_engine *e, int db, ak_slice key, ak_slice field, size_t *len)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    *len = rc == AK_OK ? field_value(k, field).len : 0;
    return rc;
}

static void emit_node(hnode *n, int withvalues, ak_pair_fn fn, void *ctx)
{
    ak_slice none = {"", 0};
    fn(ctx, hn_field(n), withvalues ? hn_value(n) : none);
}

/* Every pair of a hash, in the encoding's order; values as empty slices
 * unless `values`. */
static void each_pair(mkey *k, int values, ak_pair_fn fn, void *ctx)
{
    ak_slice none = {"", 0};
    if (k->enc == AK_ENC_LISTPACK) {
        lp *l = k->v.p;
        for (size_t at = lp_first(l); at != LP_END;) {
            size_t vat = lp_next(l, at);
            fn(ctx, lp_slice(l, at), values ? lp_slice(l, vat) : none);
            at = lp_next(l, vat);
        }
        return;
    }
    ak_dict_iter it;
    ak_dict_iter_start(&it, k->v.p);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it));)
        emit_node((hnode *)n, values, fn, ctx);
    ak_dict_iter_end(&it);
}

static int mem_hash_getall(ak_engine *e, int db, ak_slice key, unsigned what, ak_pair_fn fn,
                           void *ctx)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    if (rc == AK_OK)
        each_pair(k, 1, fn, ctx);
    return rc;
}

/* HINCRBY*: the current value of a field (*k NULL when the key is
 * missing; nothing is created until the new value is known to be good). */
static int number_field(mem_engine *m, int db, ak_slice key, ak_slice field, mkey **k,
                        ak_slice *v)
{
    int rc = find_hash(m, db, key, k, NULL);
    if (rc == AK_WRONGTYPE)
        return rc;
    if (rc == AK_NOTFOUND)
        *k = NULL;
    ak_slice none = {NULL, 0};
    *v = *k ? field_value(*k, field) : none;
    return AK_OK;
}

/* Writes the new text of a HINCRBY* field, creating the key if needed.
 * Unlike HSET, Redis checks the lengths for the listpack limit only as the
 * field is written: the same thing for a single pair. */
static void store_number(mem_engine *m, int db, ak_slice key, mkey *k, ak_slice field,
                         ak_slice text)
{
    if (!k)
        write_hash(m, db, key, &k);
    set_pair(m->base.cfg, k, field, text, 0);
}

static int mem_hash_incrby(ak_engine *e, int db, ak_slice key, ak_slice field, long long by,
                           long long *result)
{
    mem_engine *m = (mem_engine *)e;
    mkey *k;
    ak_slice v;
    long long cur = 0;
    int rc = number_field(m, db, key, field, &k, &v);
    if (rc != AK_OK)
        return rc;
    if (v.p && !ak_str2ll(v.p, v.len, &cur))
        return AIKV_NOTNUM;
    if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) || (by > 0 && cur > 0 && by > LLONG_MAX - cur))
        return AIKV_OVERFLOW;
    cur += by;
    char buf[24];
    size_t n = ak_ll2str(buf, sizeof buf, cur);
    store_number(m, db, key, k, field, ak_slice_of(buf, n));
    *result = cur;
    return AK_OK;
}

static int mem_hash_incrbyfloat(ak_engine *e, int db, ak_slice key, ak_slice field,
                                long double by, char *buf, size_t *len)
{
    mem_engine *m = (mem_engine *)e;
    mkey *k;
    ak_slice v;
    long double cur = 0;
    int rc = number_field(m, db, key, field, &k, &v);
    if (rc != AK_OK)
        return rc;
    if (v.p && !ak_str2ld(v.p, v.len, &cur))
        return AIKV_NOTNUM;
    cur += by;
    if (isnan(cur) || isinf(cur))
        return AIKV_RANGE;
    *len = ak_ld2str(buf, AK_LD_STR_CAP, cur, 1);
    store_number(m, db, key, k, field, ak_slice_of(buf, *len));
    return AK_OK;
}

/* ---------------------------------------------------------------- HRANDFIELD */

/* A random node, fairer than ak_dict_random() (which favours nodes alone
 * in their bucket): one of a sample of consecutive nodes, as Redis's
 * dictGetFairRandomKey(). */
#define FAIR_SAMPLE 15

static hnode *fair_random(ak_dict *d)
{
    ak_dnode *sample[FAIR_SAMPLE];
    size_t n = ak_dict_sample(d, sample, FAIR_SAMPLE);
    if (n == 0)
        return (hnode *)ak_dict_random(d);
    return (hnode *)sample[rnd_below(n)];
}

/* count distinct nodes of a dict of size > count, in random order. */
static void ht_rand_distinct(ak_dict *d, uint64_t count, int withvalues, ak_pair_fn fn,
                             void *ctx)
{
    uint64_t size = ak_dict_size(d);
    if (count * 3 > size) {
        /* Many of them: take all, then a partial Fisher-Yates shuffle. */
        hnode **all = ak_malloc((size_t)size * sizeof *all);
        uint64_t i = 0;
        ak_dict_iter it;
        ak_dict_iter_start(&it, d);
        for (ak_dnode *n; (n = ak_dict_iter_next(&it));)
            all[i++] = (hnode *)n;
        ak_dict_iter_end(&it);
        for (i = 0; i < count; i++) {
            uint64_t j = i + rnd_below(size - i);
            hnode *t = all[i];
            all[i] = all[j];
            all[j] = t;
            emit_node(all[i], withvalues, fn, ctx);
        }
        ak_free(all);
        return;
    }
    /* Few of them: random picks, duplicates dropped through an
     * open-addressing set of node pointers (load <= 1/2). */
    uint64_t cap = 16;
    while (cap < count * 2)
        cap <<= 1;
    hnode **seen = ak_calloc((size_t)cap, sizeof *seen);
    uint64_t got = 0;
    while (got < count) {
        hnode *n = fair_random(d);
        uint64_t s = ((uintptr_t)n >> 4) * 0x9e3779b97f4a7c15ULL;
        uint64_t i = s & (cap - 1);
        while (seen[i] && seen[i] != n)
            i = (i + 1) & (cap - 1);
        if (seen[i])
            continue;
        seen[i] = n;
        got++;
        emit_node(n, withvalues, fn, ctx);
    }
    ak_free(seen);
}

static int mem_hash_randfield(ak_engine *e, int db, ak_slice key, long long count, int withvalues,
                              ak_pair_fn fn, void *ctx)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    if (rc != AK_OK || count == 0)
        return rc;
    uint64_t size = hash_len(k);
    int uniq = count > 0;
    uint64_t n = uniq ? (uint64_t)count : (uint64_t)0 - (uint64_t)count;
    ak_slice none = {"", 0};
    if (k->enc == AK_ENC_LISTPACK) {
        lp *l = k->v.p;
        if (uniq && n >= size) {
            each_pair(k, withvalues, fn, ctx);
            return AK_OK;
        }
        /* Cursors of every field, so each pick is O(1). */
        size_t *at = ak_malloc((size_t)size * sizeof *at);
        size_t i = 0;
        for (size_t c = lp_first(l); c != LP_END; c = lp_next(l, lp_next(l, c)))
            at[i++] = c;
        if (!uniq) {
            for (uint64_t j = 0; j < n; j++) {
                size_t c = at[rnd_below(size)];
                fn(ctx, lp_slice(l, c), withvalues ? lp_slice(l, lp_next(l, c)) : none);
            }
        } else {
            /* Selection sampling (Knuth's algorithm S): n distinct fields
             * in listpack order, as Redis's lpRandomPairsUnique. */
            uint64_t left = n;
            for (uint64_t j = 0; j < size && left; j++) {
                if (rnd_below(size - j) < left) {
                    fn(ctx, lp_slice(l, at[j]),
                       withvalues ? lp_slice(l, lp_next(l, at[j])) : none);
                    left--;
                }
            }
        }
        ak_free(at);
        return AK_OK;
    }
    ak_dict *d = k->v.p;
    if (!uniq) {
        for (uint64_t j = 0; j < n; j++)
            emit_node(fair_random(d), withvalues, fn, ctx);
    } else if (n >= size) {
        each_pair(k, withvalues, fn, ctx);
    } else {
        ht_rand_distinct(d, n, withvalues, fn, ctx);
    }
    return AK_OK;
}

/* ---------------------------------------------------------------- HSCAN */

typedef struct scan_ctx {
    ak_pair_fn fn;
    void *ctx;
    size_t items;
} scan_ctx;

static void scan_node(ak_dnode *n, void *arg)
{
    scan_ctx *sc = arg;
    sc->fn(sc->ctx, hn_field((hnode *)n), hn_value((hnode *)n));
    sc->items += 2;
}

static int mem_hash_scan(ak_engine *e, int db, ak_slice key, uint64_t cursor, size_t count,
                         ak_pair_fn fn, void *ctx, uint64_t *next)
{
    mkey *k;
    int rc = find_hash((mem_engine *)e, db, key, &k, NULL);
    *next = 0;
    if (rc != AK_OK)
        return rc;
    if (k->enc == AK_ENC_LISTPACK) {
        each_pair(k, 1, fn, ctx);
        return AK_OK;
    }
    scan_ctx sc = {fn, ctx, 0};
    /* Redis's loop: buckets until `count` items, at most count*10 buckets. */
    size_t steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    do {
        cursor = ak_dict_scan(k->v.p, cursor, scan_node, &sc);
    } while (cursor && steps-- && sc.items < count);
    *next = cursor;
    return AK_OK;
}

const struct ak_hash_ops mem_hash_ops = {
    .set = mem_hash_set,
    .get = mem_hash_get,
    .mget = mem_hash_mget,
    .del = mem_hash_del,
    .exists = mem_hash_exists,
    .len = mem_hash_len,
    .strlen = mem_hash_strlen,
    .getall = mem_hash_getall,
    .incrby = mem_hash_incrby,
    .incrbyfloat = mem_hash_incrbyfloat,
    .randfield = mem_hash_randfield,
    .scan = mem_hash_scan,
};
