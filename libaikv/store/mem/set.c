/*
 * set.c -- set values of the memory engine (the operations of store/set.h),
 * with Redis 7.0's two encodings (OBJECT ENCODING reports them):
 *
 *   INTSET     an ak_intset (util/intset.h): a sorted array of 2/4/8-byte
 *              integers, while every member is a canonical integer (the
 *              text ak_str2ll accepts and ak_ll2str gives back) and there are
 *              at most set-max-intset-entries of them (capped at 2^30 as in
 *              Redis). Members are handed out as their decimal text.
 *   HASHTABLE  an ak_dict of snode: one allocation per member, the chain
 *              link followed by a 1-byte length (or 0xff and an 8-byte
 *              length) and the member bytes, so a 13-byte member costs a
 *              32-byte malloc chunk plus its bucket pointer.
 *
 * Conversions follow Redis exactly, because OBJECT ENCODING shows them:
 *   - a new set is an intset if its first member is an integer;
 *   - adding a non-integer, or an integer past the limit, converts an intset
 *     to a hashtable for good (removals never convert back);
 *   - SPOP with a count that leaves at most a fifth of the popped count
 *     rebuilds the remaining members as a new set (Redis's "remaining set"
 *     strategy), which is an intset again when they qualify;
 *   - result sets of the algebra start as intsets, like Redis's
 *     createIntsetObject() destinations.
 * The limit is read from the configuration at every write, so CONFIG SET
 * applies to the next change.
 *
 * Inside this file a set value is a `sobj` {encoding, pointer}; mkey holds
 * the same two fields (enc, v.p), loaded and stored around each operation.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../../util/intset.h"
#include "../../util/num.h"
#include "../set.h"
#include "mem.h"

#define INTSET_HARD_MAX (1u << 30) /* Redis: intset internals limit */
#define SPOP_MOVE_STRATEGY_MUL 5   /* Redis t_set.c */
#define SRANDMEMBER_SUB_STRATEGY_MUL 3

/* ---------------------------------------------------------------- randomness */

/* A keyed hash of a counter: cheap, seeded with the process's random hash
 * seed like the dicts, and private to the thread. */
static _Thread_local uint64_t rng_counter;

static uint64_t rng(void)
{
    uint64_t c = rng_counter++;
    return ak_hash(&c, sizeof c);
}

static uint64_t rng_below(uint64_t n)
{
    return rng() % n;
}

/* ---------------------------------------------------------------- hashtable nodes */

#define LONG_LEN 0xff

typedef struct snode {
    ak_dnode node;     /* first, as dict.h requires */
    unsigned char m[]; /* 1-byte length (< 0xff) or 0xff + 8-byte length; bytes */
} snode;

static inline ak_slice snode_member(const snode *n)
{
    if (n->m[0] != LONG_LEN)
        return ak_slice_of(n->m + 1, n->m[0]);
    uint64_t len;
    memcpy(&len, n->m + 1, sizeof len);
    return ak_slice_of(n->m + 9, (size_t)len);
}

static size_t snode_size(size_t len)
{
    return sizeof(snode) + (len < LONG_LEN ? 1 : 9) + len;
}

static snode *snode_new(ak_slice v)
{
    snode *n = ak_malloc(snode_size(v.len));
    size_t hdr = 1;
    n->node.next = NULL;
    if (v.len < LONG_LEN) {
        n->m[0] = (unsigned char)v.len;
    } else {
        uint64_t len = v.len;
        n->m[0] = LONG_LEN;
        memcpy(n->m + 1, &len, sizeof len);
        hdr = 9;
    }
    if (v.len)
        memcpy(n->m + hdr, v.p, v.len);
    return n;
}

static uint64_t snode_hash(const ak_dnode *d)
{
    ak_slice s = snode_member((const snode *)d);
    return ak_hash(s.p, s.len);
}

static int snode_eq(const ak_dnode *d, const void *key, size_t len)
{
    ak_slice s = snode_member((const snode *)d);
    return s.len == len && (len == 0 || memcmp(s.p, key, len) == 0);
}

static const ak_dtype set_dtype = {snode_hash, snode_eq};

static void free_snode(ak_dnode *n, void *ctx)
{
    (void)ctx;
    ak_free(n);
}

static ak_dict *ht_new(void)
{
    ak_dict *d = ak_malloc(sizeof *d);
    ak_dict_init(d, &set_dtype);
    return d;
}

static void ht_free(ak_dict *d)
{
    ak_dict_clear(d, free_snode, NULL);
    ak_free(d);
}

static int ht_add(ak_dict *d, ak_slice v)
{
    uint64_t h = ak_hash(v.p, v.len);
    if (ak_dict_find(d, v.p, v.len, h))
        return 0;
    ak_dict_insert(d, &snode_new(v)->node, h);
    return 1;
}

static int ht_has(ak_dict *d, ak_slice v)
{
    return ak_dict_find(d, v.p, v.len, ak_hash(v.p, v.len)) != NULL;
}

static int ht_remove(ak_dict *d, ak_slice v)
{
    ak_dnode *n = ak_dict_unlink(d, v.p, v.len, ak_hash(v.p, v.len));
    ak_free(n);
    return n != NULL;
}

/* ---------------------------------------------------------------- set objects */

typedef struct sobj {
    unsigned enc; /* AK_ENC_INTSET or AK_ENC_HASHTABLE */
    void *p;      /* ak_intset * or ak_dict * */
} sobj;

/* A member as iteration hands it out: its text, and its value when it comes
 * from an intset (so intset-to-intset tests skip the parse). */
typedef struct selem {
    ak_slice v;
    int is_int;
    long long ll;
    snode *node; /* hashtable member: its node */
} selem;

static sobj sobj_of(const mkey *k)
{
    sobj s = {k->enc, k->v.p};
    return s;
}

static void sobj_store(mkey *k, sobj s)
{
    k->enc = s.enc;
    k->v.p = s.p;
}

static int as_int(ak_slice v, long long *ll)
{
    return v.len > 0 && v.len <= 20 && ak_str2ll(v.p, v.len, ll);
}

static size_t max_intset(const mem_engine *m)
{
    long long v = m->base.cfg ? m->base.cfg->set_max_intset_entries : 512;
    return v >= (long long)INTSET_HARD_MAX ? INTSET_HARD_MAX : (size_t)v;
}

static uint64_t sobj_card(const sobj *s)
{
    if (s->enc == AK_ENC_INTSET)
        return ak_intset_len(s->p);
    return ak_dict_size(s->p);
}

static sobj sobj_new_intset(void)
{
    sobj s = {AK_ENC_INTSET, ak_intset_new()};
    return s;
}

/* Redis's setTypeCreate(): the encoding the first member asks for. */
static sobj sobj_new_for(ak_slice first)
{
    long long ll;
    if (as_int(first, &ll))
        return sobj_new_intset();
    sobj s = {AK_ENC_HASHTABLE, ht_new()};
    return s;
}

static void sobj_free(sobj *s)
{
    if (s->enc == AK_ENC_INTSET)
        ak_intset_free(s->p);
    else
        ht_free(s->p);
    s->p = NULL;
}

static void to_hashtable(sobj *s)
{
    ak_intset *is = s->p;
    ak_dict *d = ht_new();
    char buf[24];
    for (uint32_t i = 0; i < ak_intset_len(is); i++) {
        size_t n = ak_ll2str(buf, sizeof buf, ak_intset_get(is, i));
        ak_dict_insert(d, &snode_new(ak_slice_of(buf, n))->node, ak_hash(buf, n));
    }
    ak_intset_free(is);
    s->enc = AK_ENC_HASHTABLE;
    s->p = d;
}

static int intset_add(const mem_engine *m, sobj *s, long long ll)
{
    int added;
    s->p = ak_intset_add(s->p, ll, &added);
    if (added && ak_intset_len(s->p) > max_intset(m))
        to_hashtable(s);
    return added;
}

/* Adds a member; 1 if it was new. An element from an intset iteration skips
 * the integer parse. */
static int sobj_add_elem(const mem_engine *m, sobj *s, const selem *e)
{
    if (s->enc == AK_ENC_INTSET) {
        long long ll = e->ll;
        if (e->is_int || as_int(e->v, &ll))
            return intset_add(m, s, ll);
        to_hashtable(s);
    }
    return ht_add(s->p, e->v);
}

static int sobj_add(const mem_engine *m, sobj *s, ak_slice v)
{
    selem e = {v, 0, 0, NULL};
    return sobj_add_elem(m, s, &e);
}

static int sobj_has_elem(const sobj *s, const selem *e)
{
    if (s->enc == AK_ENC_INTSET) {
        long long ll = e->ll;
        return (e->is_int || as_int(e->v, &ll)) && ak_intset_find(s->p, ll);
    }
    return ht_has(s->p, e->v);
}

static int sobj_has(const sobj *s, ak_slice v)
{
    selem e = {v, 0, 0, NULL};
    return sobj_has_elem(s, &e);
}

static int sobj_remove_elem(sobj *s, const selem *e)
{
    if (s->enc == AK_ENC_INTSET) {
        long long ll = e->ll;
        int removed = 0;
        if (e->is_int || as_int(e->v, &ll))
            s->p = ak_intset_remove(s->p, ll, &removed);
        return removed;
    }
    return ht_remove(s->p, e->v);
}

static int sobj_remove(sobj *s, ak_slice v)
{
    selem e = {v, 0, 0, NULL};
    return sobj_remove_elem(s, &e);
}

static sobj sobj_dup(const sobj *s)
{
    sobj c = {s->enc, NULL};
    if (s->enc == AK_ENC_INTSET) {
        c.p = ak_intset_dup(s->p);
        return c;
    }
    ak_dict *d = ht_new();
    ak_dict_iter it;
    ak_dict_iter_start(&it, s->p);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it)) != NULL;) {
        ak_slice v = snode_member((snode *)n);
        size_t size = snode_size(v.len);
        snode *copy = ak_malloc(size);
        memcpy(copy, n, size);
        copy->node.next = NULL;
        ak_dict_insert(d, &copy->node, ak_hash(v.p, v.len));
    }
    ak_dict_iter_end(&it);
    c.p = d;
    return c;
}

/* ---------------------------------------------------------------- iteration */

typedef struct siter {
    const sobj *s;
    uint32_t i;
    ak_dict_iter it;
    char buf[24];
} siter;

static void siter_start(siter *it, const sobj *s)
{
    it->s = s;
    it->i = 0;
    if (s->enc == AK_ENC_HASHTABLE)
        ak_dict_iter_start(&it->it, s->p);
}

/* The next member into *e (valid until the next call), or 0 at the end. The
 * current hashtable member may be unlinked before the next call. */
static int siter_next(siter *it, selem *e)
{
    if (it->s->enc == AK_ENC_INTSET) {
        const ak_intset *is = it->s->p;
        if (it->i >= ak_intset_len(is))
            return 0;
        e->ll = ak_intset_get(is, it->i++);
        e->is_int = 1;
        e->node = NULL;
        e->v = ak_slice_of(it->buf, ak_ll2str(it->buf, sizeof it->buf, e->ll));
        return 1;
    }
    ak_dnode *n = ak_dict_iter_next(&it->it);
    if (!n)
        return 0;
    e->node = (snode *)n;
    e->is_int = 0;
    e->v = snode_member(e->node);
    return 1;
}

static void siter_end(siter *it)
{
    if (it->s->enc == AK_ENC_HASHTABLE)
        ak_dict_iter_end(&it->it);
}

static void sobj_each(const sobj *s, ak_elem_fn fn, void *ctx)
{
    siter it;
    selem e;
    siter_start(&it, s);
    while (siter_next(&it, &e))
        fn(ctx, e.v);
    siter_end(&it);
}

/* A random member of a non-empty set (text in buf for an intset). */
static void sobj_random(const sobj *s, selem *e, char *buf, size_t cap)
{
    if (s->enc == AK_ENC_INTSET) {
        const ak_intset *is = s->p;
        e->ll = ak_intset_get(is, (uint32_t)rng_below(ak_intset_len(is)));
        e->is_int = 1;
        e->node = NULL;
        e->v = ak_slice_of(buf, ak_ll2str(buf, cap, e->ll));
        return;
    }
    e->node = (snode *)ak_dict_random(s->p);
    e->is_int = 0;
    e->v = snode_member(e->node);
}

/* ---------------------------------------------------------------- value type */

static void set_free(mkey *k)
{
    sobj s = sobj_of(k);
    sobj_free(&s);
}

static void set_dup(mkey *d, const mkey *k)
{
    sobj s = sobj_of(k);
    sobj_store(d, sobj_dup(&s));
}

const mem_vtype mem_set_vtype = {set_free, set_dup};

/* ---------------------------------------------------------------- lookups */

/* The set at key: AK_OK with *k (touched), AK_NOTFOUND, AK_WRONGTYPE. */
static int find_set(mem_engine *m, int db, ak_slice key, mkey **k, uint64_t *h)
{
    int rc = mem_find_typed(m, db, key, AIKV_TYPE_SET, k, h);
    if (rc != AK_OK)
        return rc;
    if (!*k)
        return AK_NOTFOUND;
    mem_touch(m, *k);
    return AK_OK;
}

/* After removals: the key goes when empty, a sparse table shrinks. */
static void after_removal(mem_engine *m, int db, mkey *k, uint64_t h)
{
    sobj s = sobj_of(k);
    if (sobj_card(&s) == 0)
        mem_remove(m, db, k, h);
    else if (s.enc == AK_ENC_HASHTABLE)
        ak_dict_shrink(s.p);
}

/* ---------------------------------------------------------------- single-key operations */

static int set_add(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                   size_t *added)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    if (added)
        *added = 0;
    if (mem_find_typed(m, db, key, AIKV_TYPE_SET, &k, &h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (n == 0)
        return k ? AK_OK : AK_NOTFOUND;
    if (k) {
        mem_touch(m, k);
    } else {
        sobj s = sobj_new_for(members[0]);
        k = mem_add(m, db, key, h, AIKV_TYPE_SET, (int)s.enc, s.p);
    }
    sobj s = sobj_of(k);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (size_t)sobj_add(m, &s, members[i]);
    sobj_store(k, s);
    if (added)
        *added = count;
    return AK_OK;
}

static int set_rem(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                   size_t *removed)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    if (removed)
        *removed = 0;
    int rc = find_set(m, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    sobj s = sobj_of(k);
    size_t count = 0;
    for (size_t i = 0; i < n && sobj_card(&s) > 0; i++)
        count += (size_t)sobj_remove(&s, members[i]);
    sobj_store(k, s);
    after_removal(m, db, k, h);
    if (removed)
        *removed = count;
    return AK_OK;
}

static int set_ismember(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                        unsigned char *is)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    memset(is, 0, n);
    int rc = find_set(m, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    sobj s = sobj_of(k);
    for (size_t i = 0; i < n; i++)
        is[i] = (unsigned char)sobj_has(&s, members[i]);
    return AK_OK;
}

static int set_card(ak_engine *e, int db, ak_slice key, uint64_t *n)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    *n = 0;
    int rc = find_set(m, db, key, &k, &h);
    if (rc == AK_OK) {
        sobj s = sobj_of(k);
        *n = sobj_card(&s);
    }
    return rc;
}

static int set_members(ak_engine *e, int db, ak_slice key, ak_elem_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    int rc = find_set(m, db, key, &k, &h);
    if (rc == AK_OK) {
        sobj s = sobj_of(k);
        sobj_each(&s, fn, ctx);
    }
    return rc;
}

/* ---------------------------------------------------------------- random members */

/* A set of non-zero 64-bit values (open addressing), to pick distinct
 * members: intset indexes + 1 or hashtable node addresses. */
typedef struct pickset {
    uint64_t *slot;
    size_t mask;
} pickset;

static void pickset_init(pickset *ps, size_t n)
{
    size_t size = 16;
    while (size < n * 2)
        size <<= 1;
    ps->slot = ak_calloc(size, sizeof(uint64_t));
    ps->mask = size - 1;
}

/* 1 if v was added, 0 if already present. */
static int pickset_add(pickset *ps, uint64_t v)
{
    size_t i = (size_t)(v * 0x9e3779b97f4a7c15ULL >> 17) & ps->mask;
    while (ps->slot[i]) {
        if (ps->slot[i] == v)
            return 0;
        i = (i + 1) & ps->mask;
    }
    ps->slot[i] = v;
    return 1;
}

static int pickset_has(const pickset *ps, uint64_t v)
{
    size_t i = (size_t)(v * 0x9e3779b97f4a7c15ULL >> 17) & ps->mask;
    while (ps->slot[i]) {
        if (ps->slot[i] == v)
            return 1;
        i = (i + 1) & ps->mask;
    }
    return 0;
}

static uint64_t elem_id(const selem *e, uint32_t index)
{
    return e->node ? (uint64_t)(uintptr_t)e->node : (uint64_t)index + 1;
}

/* Hands out `want` distinct members of s (want < card) chosen uniformly by
 * selection sampling (Knuth's algorithm S): one pass, members in the
 * encoding's order. Members already in `skip` (may be NULL) are not
 * candidates; `left` counts the candidates. */
static void sample_pass(const sobj *s, uint64_t want, uint64_t left, const pickset *skip,
                        ak_elem_fn fn, void *ctx)
{
    siter it;
    selem e;
    uint32_t index = 0;
    siter_start(&it, s);
    while (want > 0 && siter_next(&it, &e)) {
        uint64_t id = elem_id(&e, index++);
        if (skip && pickset_has(skip, id))
            continue;
        if (rng_below(left) < want) {
            fn(ctx, e.v);
            want--;
        }
        left--;
    }
    siter_end(&it);
}

static int set_random(ak_engine *eng, int db, ak_slice key, long long count, ak_elem_fn fn,
                      void *ctx)
{
    mem_engine *m = (mem_engine *)eng;
    uint64_t h;
    mkey *k;
    int rc = find_set(m, db, key, &k, &h);
    if (rc != AK_OK || count == 0)
        return rc;
    sobj s = sobj_of(k);
    uint64_t size = sobj_card(&s);
    char buf[24];
    selem e;
    if (count < 0) {
        /* Independent picks: -count of them, repetitions allowed. */
        uint64_t n = (uint64_t)(-(count + 1)) + 1;
        for (uint64_t i = 0; i < n; i++) {
            sobj_random(&s, &e, buf, sizeof buf);
            fn(ctx, e.v);
        }
        return AK_OK;
    }
    uint64_t want = (uint64_t)count;
    if (want >= size) {
        sobj_each(&s, fn, ctx);
        return AK_OK;
    }
    if (want * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
        sample_pass(&s, want, size, NULL, fn, ctx);
        return AK_OK;
    }
    /* Few members of many: random picks, skipping repeats. The hashtable's
     * random pick is not perfectly uniform, so after a generous number of
     * tries the rest comes from one sampling pass over the others. */
    pickset ps;
    pickset_init(&ps, (size_t)want);
    uint64_t got = 0, tries = 0, max_tries = want * 16 + 64;
    while (got < want && tries++ < max_tries) {
        uint32_t index = 0;
        if (s.enc == AK_ENC_INTSET) {
            index = (uint32_t)rng_below(size);
            e.ll = ak_intset_get(s.p, index);
            e.node = NULL;
            e.v = ak_slice_of(buf, ak_ll2str(buf, sizeof buf, e.ll));
        } else {
            sobj_random(&s, &e, buf, sizeof buf);
        }
        if (pickset_add(&ps, elem_id(&e, index))) {
            fn(ctx, e.v);
            got++;
        }
    }
    if (got < want)
        sample_pass(&s, want - got, size - got, &ps, fn, ctx);
    ak_free(ps.slot);
    return AK_OK;
}

/* ---------------------------------------------------------------- SPOP */

/* Pops `want` (< card) members of an intset chosen by selection sampling. */
static void pop_intset(sobj *s, uint64_t want, ak_elem_fn fn, void *ctx)
{
    ak_intset *is = s->p;
    uint32_t len = ak_intset_len(is);
    unsigned char *keep = ak_malloc(len);
    char buf[24];
    uint64_t left = len;
    for (uint32_t i = 0; i < len; i++, left--) {
        keep[i] = 1;
        if (want > 0 && rng_below(left) < want) {
            keep[i] = 0;
            want--;
            fn(ctx, ak_slice_of(buf, ak_ll2str(buf, sizeof buf, ak_intset_get(is, i))));
        }
    }
    s->p = ak_intset_filter(is, keep);
    ak_free(keep);
}

/* Pops `want` (< card) members of a hashtable in one sampling pass. */
static void pop_hashtable_pass(sobj *s, uint64_t want, ak_elem_fn fn, void *ctx)
{
    ak_dict *d = s->p;
    uint64_t left = ak_dict_size(d);
    ak_dict_iter it;
    ak_dict_iter_start(&it, d);
    for (ak_dnode *n; want > 0 && (n = ak_dict_iter_next(&it)) != NULL; left--) {
        if (rng_below(left) >= want)
            continue;
        want--;
        ak_slice v = snode_member((snode *)n);
        fn(ctx, v);
        ak_dict_unlink(d, v.p, v.len, ak_hash(v.p, v.len));
        ak_free(n);
    }
    ak_dict_iter_end(&it);
}

/* Redis rebuilds the members left by a large SPOP as a new set: an intset
 * again when they are all integers and few enough. */
static void reencode_remaining(const mem_engine *m, sobj *s)
{
    uint64_t card = sobj_card(s);
    int want_intset = card <= max_intset(m);
    if (s->enc == AK_ENC_INTSET) {
        if (!want_intset)
            to_hashtable(s);
        return;
    }
    if (!want_intset)
        return;
    ak_intset *is = ak_intset_new();
    siter it;
    selem e;
    int all_ints = 1;
    siter_start(&it, s);
    while (all_ints && siter_next(&it, &e)) {
        long long ll;
        if (as_int(e.v, &ll))
            is = ak_intset_add(is, ll, NULL);
        else
            all_ints = 0;
    }
    siter_end(&it);
    if (!all_ints) {
        ak_intset_free(is);
        return;
    }
    ht_free(s->p);
    s->enc = AK_ENC_INTSET;
    s->p = is;
}

static int set_pop(ak_engine *eng, int db, ak_slice key, uint64_t count, ak_elem_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)eng;
    uint64_t h;
    mkey *k;
    int rc = find_set(m, db, key, &k, &h);
    if (rc != AK_OK || count == 0)
        return rc;
    sobj s = sobj_of(k);
    uint64_t size = sobj_card(&s);
    if (count >= size) {
        sobj_each(&s, fn, ctx);
        mem_remove(m, db, k, h);
        return AK_OK;
    }
    uint64_t remaining = size - count;
    if (s.enc == AK_ENC_INTSET) {
        pop_intset(&s, count, fn, ctx);
    } else if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
        /* Few of many: random picks, one at a time. */
        char buf[24];
        selem e;
        for (uint64_t i = 0; i < count; i++) {
            sobj_random(&s, &e, buf, sizeof buf);
            fn(ctx, e.v);
            ak_dict_unlink(s.p, e.v.p, e.v.len, ak_hash(e.v.p, e.v.len));
            ak_free(e.node);
        }
    } else {
        pop_hashtable_pass(&s, count, fn, ctx);
    }
    if (remaining * SPOP_MOVE_STRATEGY_MUL <= count)
        reencode_remaining(m, &s);
    sobj_store(k, s);
    after_removal(m, db, k, h);
    return AK_OK;
}

/* ---------------------------------------------------------------- SSCAN */

typedef struct scan_ctx {
    ak_elem_fn fn;
    void *ctx;
    uint64_t seen;
} scan_ctx;

static void scan_node(ak_dnode *n, void *arg)
{
    scan_ctx *sc = arg;
    sc->fn(sc->ctx, snode_member((snode *)n));
    sc->seen++;
}

static int set_scan(ak_engine *eng, int db, ak_slice key, uint64_t cursor, uint64_t count,
                    ak_elem_fn fn, void *ctx, uint64_t *next)
{
    mem_engine *m = (mem_engine *)eng;
    uint64_t h;
    mkey *k;
    *next = 0;
    int rc = find_set(m, db, key, &k, &h);
    if (rc != AK_OK)
        return rc;
    sobj s = sobj_of(k);
    if (s.enc == AK_ENC_INTSET) {
        sobj_each(&s, fn, ctx);
        return AK_OK;
    }
    if (count == 0)
        count = 1;
    uint64_t steps = count > UINT64_MAX / 10 ? UINT64_MAX : count * 10;
    scan_ctx sc = {fn, ctx, 0};
    do {
        cursor = ak_dict_scan(s.p, cursor, scan_node, &sc);
    } while (cursor != 0 && --steps > 0 && sc.seen < count);
    *next = cursor;
    return AK_OK;
}

/* ---------------------------------------------------------------- algebra */

/* Looks every key up: AK_WRONGTYPE if one holds another type; else
 * sets[i] is the key's set (p NULL if missing) and *missing counts them. */
static int load_sets(mem_engine *m, int db, const ak_slice *keys, size_t n, sobj *sets,
                     size_t *missing)
{
    *missing = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h;
        mkey *k;
        if (mem_find_typed(m, db, keys[i], AIKV_TYPE_SET, &k, &h) == AK_WRONGTYPE)
            return AK_WRONGTYPE;
        sets[i].enc = AK_ENC_INTSET;
        sets[i].p = NULL;
        if (k) {
            mem_touch(m, k);
            sets[i] = sobj_of(k);
        } else {
            (*missing)++;
        }
    }
    return AK_OK;
}

static int by_card_asc(const void *a, const void *b)
{
    uint64_t x = sobj_card(a), y = sobj_card(b);
    return x < y ? -1 : x > y;
}

static int by_card_desc(const void *a, const void *b)
{
    return by_card_asc(b, a);
}

static int set_inter(ak_engine *eng, int db, const ak_slice *keys, size_t n, uint64_t limit,
                     ak_elem_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)eng;
    sobj *sets = ak_malloc(n * sizeof *sets);
    size_t missing;
    int rc = load_sets(m, db, keys, n, sets, &missing);
    if (rc != AK_OK || missing > 0) {
        ak_free(sets);
        return rc;
    }
    /* Walk the smallest set; test the others from the smallest up, so a
     * member that is missing somewhere is rejected early. */
    qsort(sets, n, sizeof *sets, by_card_asc);
    siter it;
    selem e;
    uint64_t found = 0;
    siter_start(&it, &sets[0]);
    while (siter_next(&it, &e)) {
        size_t j = 1;
        while (j < n && (sets[j].p == sets[0].p || sobj_has_elem(&sets[j], &e)))
            j++;
        if (j < n)
            continue;
        fn(ctx, e.v);
        if (limit && ++found >= limit)
            break;
    }
    siter_end(&it);
    ak_free(sets);
    return AK_OK;
}

static void add_all(const mem_engine *m, sobj *dst, const sobj *src)
{
    siter it;
    selem e;
    siter_start(&it, src);
    while (siter_next(&it, &e))
        sobj_add_elem(m, dst, &e);
    siter_end(&it);
}

static int set_unite(ak_engine *eng, int db, const ak_slice *keys, size_t n, ak_elem_fn fn,
                     void *ctx)
{
    mem_engine *m = (mem_engine *)eng;
    sobj *sets = ak_malloc(n * sizeof *sets);
    size_t missing;
    int rc = load_sets(m, db, keys, n, sets, &missing);
    if (rc != AK_OK) {
        ak_free(sets);
        return rc;
    }
    /* Distinct sets present: one needs no merging. */
    size_t distinct = 0, only = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sets[i].p)
            continue;
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = sets[j].p == sets[i].p;
        if (!dup) {
            distinct++;
            only = i;
        }
    }
    if (distinct == 1) {
        sobj_each(&sets[only], fn, ctx);
    } else if (distinct > 1) {
        sobj acc = sobj_new_intset();
        for (size_t i = 0; i < n; i++)
            if (sets[i].p)
                add_all(m, &acc, &sets[i]);
        sobj_each(&acc, fn, ctx);
        sobj_free(&acc);
    }
    ak_free(sets);
    return AK_OK;
}

static int set_diff(ak_engine *eng, int db, const ak_slice *keys, size_t n, ak_elem_fn fn,
                    void *ctx)
{
    mem_engine *m = (mem_engine *)eng;
    sobj *sets = ak_malloc(n * sizeof *sets);
    size_t missing;
    int rc = load_sets(m, db, keys, n, sets, &missing);
    if (rc != AK_OK || !sets[0].p) {
        ak_free(sets);
        return rc;
    }
    /* The other sets present; the first set minus itself is empty. */
    size_t others = 0;
    uint64_t work_one, work_two = sobj_card(&sets[0]);
    for (size_t i = 1; i < n; i++) {
        if (!sets[i].p)
            continue;
        if (sets[i].p == sets[0].p) {
            ak_free(sets);
            return AK_OK;
        }
        work_two += sobj_card(&sets[i]);
        sets[1 + others++] = sets[i];
    }
    /* Redis's choice: test each member of the first set against every other
     * (cost |first| * sets, halved for early exits), or copy the first and
     * remove the members of the others (cost: every member). */
    work_one = sobj_card(&sets[0]) * (uint64_t)(others + 1) / 2;
    siter it;
    selem e;
    if (others == 0) {
        sobj_each(&sets[0], fn, ctx);
    } else if (work_one <= work_two) {
        /* Biggest first: the likeliest to hold the member. */
        qsort(sets + 1, others, sizeof *sets, by_card_desc);
        siter_start(&it, &sets[0]);
        while (siter_next(&it, &e)) {
            size_t j = 1;
            while (j <= others && !sobj_has_elem(&sets[j], &e))
                j++;
            if (j > others)
                fn(ctx, e.v);
        }
        siter_end(&it);
    } else {
        sobj acc = sobj_dup(&sets[0]);
        for (size_t i = 1; i <= others && sobj_card(&acc) > 0; i++) {
            siter_start(&it, &sets[i]);
            while (siter_next(&it, &e) && sobj_card(&acc) > 0)
                sobj_remove_elem(&acc, &e);
            siter_end(&it);
        }
        sobj_each(&acc, fn, ctx);
        sobj_free(&acc);
    }
    ak_free(sets);
    return AK_OK;
}

/* ---------------------------------------------------------------- table */

const struct ak_set_ops mem_set_ops = {
    .add = set_add,
    .rem = set_rem,
    .ismember = set_ismember,
    .card = set_card,
    .members = set_members,
    .random = set_random,
    .pop = set_pop,
    .scan = set_scan,
    .inter = set_inter,
    .unite = set_unite,
    .diff = set_diff,
};
