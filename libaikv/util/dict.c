/*
 * dict.c -- intrusive hash table with incremental rehashing (see dict.h),
 * and the keyed hash (SipHash-1-2) that every table of the library uses.
 *
 * Layout. Two tables of bucket heads; each bucket is a singly linked chain
 * of caller-owned nodes. Sizes are 0 or a power of two, so a bucket index is
 * hash & (size - 1).
 *
 * Invariants the code relies on:
 *   - Not rehashing (rehashidx == -1): every node is in table[0]; table[1]
 *     is NULL with size and used 0.
 *   - Rehashing: table[0] buckets below rehashidx are empty (already moved);
 *     every new node goes to table[1]; table[0] is never grown or replaced.
 *     When table[0] is empty, table[1] becomes table[0].
 *   - pauserehash > 0 (an iterator or a scan step is live): no bucket moves
 *     between tables, so a walk over the buckets sees each node once. Inserts
 *     may still start a rehash (allocate table[1]) because that moves
 *     nothing; the new nodes then land in table[1].
 *   - A node is in exactly one bucket; used[t] counts the nodes of table t.
 *   - Walks read a node's next pointer before handing the node out, so a
 *     scan callback or an iterator's caller may unlink (and free) the node
 *     it was given; unlinking any other node during the walk is not
 *     allowed. Nodes inserted during a walk may or may not be seen.
 *
 * Bounded work. Each find/insert/unlink moves at most one bucket (and looks
 * at no more than 10 empty ones), ak_dict_random() probes a bounded number
 * of random buckets before falling back to a linear walk, and
 * ak_dict_sample() takes at most 10 * count steps.
 *
 * Randomness for ak_dict_random()/ak_dict_sample() comes from a per-thread
 * splitmix64 state seeded from the hash seed: no global libc state, no
 * locks, and reproducible runs when the seed is fixed.
 */
#include "dict.h"

#include <assert.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"

#define AK_DICT_MIN_SIZE 4
/* Empty buckets one rehash step may skip over, per bucket asked for. */
#define AK_DICT_EMPTY_VISITS 10
/* Random probes ak_dict_random() makes before walking linearly. */
#define AK_DICT_RANDOM_PROBES 64

/* ---------------------------------------------------------------- SipHash-1-2
 *
 * SipHash (Aumasson & Bernstein) with c = 1 compression round per 8-byte
 * block and d = 2 finalization rounds, as Redis uses for its dicts: strong
 * enough that a client who does not know the seed cannot pick colliding
 * keys, and about twice as fast as SipHash-2-4. The round counts are macros
 * only so that the code can be checked against the published 2-4 vectors. */
#ifndef AK_SIP_CROUNDS
#define AK_SIP_CROUNDS 1
#endif
#ifndef AK_SIP_DROUNDS
#define AK_SIP_DROUNDS 2
#endif

/* Until ak_hash_seed() is called: a fixed seed (tests, tools). */
static uint8_t hash_seed[16] = {0x61, 0x69, 0x6b, 0x76, 0x2d, 0x73, 0x65, 0x65,
                                0x64, 0x2d, 0x64, 0x65, 0x66, 0x61, 0x75, 0x6c};

static inline uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint8_t ascii_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

#define SIPROUND(v0, v1, v2, v3)                                                 \
    do {                                                                         \
        v0 += v1;                                                                \
        v1 = rotl64(v1, 13);                                                     \
        v1 ^= v0;                                                                \
        v0 = rotl64(v0, 32);                                                     \
        v2 += v3;                                                                \
        v3 = rotl64(v3, 16);                                                     \
        v3 ^= v2;                                                                \
        v0 += v3;                                                                \
        v3 = rotl64(v3, 21);                                                     \
        v3 ^= v0;                                                                \
        v2 += v1;                                                                \
        v1 = rotl64(v1, 17);                                                     \
        v1 ^= v2;                                                                \
        v2 = rotl64(v2, 32);                                                     \
    } while (0)

/* One function for both variants: `lower` is a constant at each call site,
 * so the compiler drops the per-byte test from the case-sensitive path. */
static inline uint64_t siphash(const uint8_t *in, size_t len, const uint8_t k[16], int lower)
{
    uint64_t k0 = load_le64(k), k1 = load_le64(k + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = len & ~(size_t)7;
    uint8_t blk[8];

    /* Indexing rather than pointer arithmetic: (NULL, 0) is a valid key. */
    for (size_t off = 0; off < full; off += 8) {
        uint64_t m;
        if (lower) {
            for (int i = 0; i < 8; i++)
                blk[i] = ascii_lower(in[off + i]);
            m = load_le64(blk);
        } else {
            m = load_le64(in + off);
        }
        v3 ^= m;
        for (int i = 0; i < AK_SIP_CROUNDS; i++)
            SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }

    /* Last block: the 0..7 remaining bytes, the length in the top byte. */
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)(lower ? ascii_lower(in[full + i]) : in[full + i]) << (8 * i);
    v3 ^= b;
    for (int i = 0; i < AK_SIP_CROUNDS; i++)
        SIPROUND(v0, v1, v2, v3);
    v0 ^= b;

    v2 ^= 0xff;
    for (int i = 0; i < AK_SIP_DROUNDS; i++)
        SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---------------------------------------------------------------- randomness */

static _Thread_local uint64_t rng_state;
static _Thread_local int rng_seeded;

static uint64_t rng_next(void)
{
    if (!rng_seeded) {
        rng_state = load_le64(hash_seed) ^ rotl64(load_le64(hash_seed + 8), 29);
        rng_seeded = 1;
    }
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Not thread safe: call it once at startup, before any table is used. The
 * calling thread's random stream restarts from the new seed; threads that
 * already drew numbers keep their streams (any stream will do). */
void ak_hash_seed(const uint8_t seed[16])
{
    memcpy(hash_seed, seed, sizeof(hash_seed));
    rng_seeded = 0;
}

uint64_t ak_hash(const void *key, size_t len)
{
    return siphash(key, len, hash_seed, 0);
}

uint64_t ak_hash_nocase(const void *key, size_t len)
{
    return siphash(key, len, hash_seed, 1);
}

/* ---------------------------------------------------------------- sizing */

static uint64_t next_pow2(uint64_t n)
{
    uint64_t s = AK_DICT_MIN_SIZE;
    while (s < n && s < (UINT64_C(1) << 62))
        s <<= 1;
    return s;
}

/* Makes the table `want` buckets (rounded up to a power of two): directly if
 * the dict has no table yet, else by starting a rehash into table[1]. Does
 * nothing while a rehash is already running or if the nodes would not fit. */
static void resize_to(ak_dict *d, uint64_t want)
{
    if (ak_dict_is_rehashing(d))
        return;
    uint64_t size = next_pow2(want);
    if (d->used[0] > size || size == d->size[0])
        return;
    ak_dnode **t = ak_calloc((size_t)size, sizeof(*t));
    if (!d->table[0]) {
        d->table[0] = t;
        d->size[0] = size;
        return;
    }
    d->table[1] = t;
    d->size[1] = size;
    d->used[1] = 0;
    d->rehashidx = 0;
}

static void expand_if_needed(ak_dict *d)
{
    if (ak_dict_is_rehashing(d))
        return;
    if (d->size[0] == 0)
        resize_to(d, AK_DICT_MIN_SIZE);
    else if (d->used[0] >= d->size[0])
        resize_to(d, d->used[0] * 2);
}

void ak_dict_shrink(ak_dict *d)
{
    if (ak_dict_is_rehashing(d) || d->size[0] <= AK_DICT_MIN_SIZE)
        return;
    if (d->used[0] * 8 >= d->size[0])
        return;
    resize_to(d, d->used[0] < AK_DICT_MIN_SIZE ? AK_DICT_MIN_SIZE : d->used[0]);
}

/* ---------------------------------------------------------------- rehashing */

/* Moves up to n non-empty buckets from table[0] to table[1], visiting at most
 * n * AK_DICT_EMPTY_VISITS empty ones. Ignores pauserehash: callers check.
 * Returns 1 if rehashing goes on; *moved counts the buckets moved. */
static int rehash_buckets(ak_dict *d, int n, int *moved)
{
    uint64_t empty_visits = (uint64_t)n * AK_DICT_EMPTY_VISITS;
    if (!ak_dict_is_rehashing(d))
        return 0;

    while (n-- > 0 && d->used[0] != 0) {
        assert((uint64_t)d->rehashidx < d->size[0]);
        while (d->table[0][d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--empty_visits == 0)
                return 1;
        }
        uint64_t mask = d->size[1] - 1;
        ak_dnode *n0 = d->table[0][d->rehashidx];
        while (n0) {
            ak_dnode *next = n0->next;
            uint64_t idx = d->type->hash(n0) & mask;
            n0->next = d->table[1][idx];
            d->table[1][idx] = n0;
            d->used[0]--;
            d->used[1]++;
            n0 = next;
        }
        d->table[0][d->rehashidx] = NULL;
        d->rehashidx++;
        (*moved)++;
    }

    if (d->used[0] == 0) {
        ak_free(d->table[0]);
        d->table[0] = d->table[1];
        d->size[0] = d->size[1];
        d->used[0] = d->used[1];
        d->table[1] = NULL;
        d->size[1] = 0;
        d->used[1] = 0;
        d->rehashidx = -1;
        return 0;
    }
    return 1;
}

static inline void rehash_step(ak_dict *d)
{
    int moved = 0;
    if (d->pauserehash == 0 && ak_dict_is_rehashing(d))
        rehash_buckets(d, 1, &moved);
}

int ak_dict_rehash(ak_dict *d, int n)
{
    int moved = 0;
    if (d->pauserehash > 0)
        return ak_dict_is_rehashing(d);
    return rehash_buckets(d, n, &moved);
}

int ak_dict_rehash_ms(ak_dict *d, int ms)
{
    int moved = 0;
    if (d->pauserehash > 0)
        return 0;
    int64_t until = ak_monotonic_us() + (int64_t)ms * 1000;
    while (rehash_buckets(d, 100, &moved)) {
        if (ak_monotonic_us() >= until)
            break;
    }
    return moved;
}

/* ---------------------------------------------------------------- lifecycle */

void ak_dict_init(ak_dict *d, const ak_dtype *type)
{
    d->type = type;
    d->table[0] = d->table[1] = NULL;
    d->size[0] = d->size[1] = 0;
    d->used[0] = d->used[1] = 0;
    d->rehashidx = -1;
    d->pauserehash = 0;
}

void ak_dict_clear(ak_dict *d, void (*free_node)(ak_dnode *, void *), void *ctx)
{
    for (int t = 0; t < 2; t++) {
        for (uint64_t i = 0; free_node && i < d->size[t]; i++) {
            ak_dnode *n = d->table[t][i];
            while (n) {
                ak_dnode *next = n->next;
                free_node(n, ctx);
                n = next;
            }
        }
        ak_free(d->table[t]);
        d->table[t] = NULL;
        d->size[t] = d->used[t] = 0;
    }
    /* pauserehash is left alone: clearing under a live iterator is the
     * caller's bug, and the iterator's end must still balance its start. */
    d->rehashidx = -1;
}

size_t ak_dict_mem(const ak_dict *d)
{
    return (size_t)(d->size[0] + d->size[1]) * sizeof(ak_dnode *);
}

/* ---------------------------------------------------------------- find, insert, unlink */

ak_dnode *ak_dict_find(ak_dict *d, const void *key, size_t len, uint64_t hash)
{
    if (ak_dict_size(d) == 0)
        return NULL;
    rehash_step(d);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0)
            break;
        for (ak_dnode *n = d->table[t][hash & (d->size[t] - 1)]; n; n = n->next)
            if (d->type->keyeq(n, key, len))
                return n;
        if (!ak_dict_is_rehashing(d))
            break;
    }
    return NULL;
}

void ak_dict_insert(ak_dict *d, ak_dnode *n, uint64_t hash)
{
    rehash_step(d);
    expand_if_needed(d);
    int t = ak_dict_is_rehashing(d) ? 1 : 0;
    ak_dnode **b = &d->table[t][hash & (d->size[t] - 1)];
    n->next = *b;
    *b = n;
    d->used[t]++;
}

ak_dnode *ak_dict_unlink(ak_dict *d, const void *key, size_t len, uint64_t hash)
{
    if (ak_dict_size(d) == 0)
        return NULL;
    rehash_step(d);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0)
            break;
        for (ak_dnode **pp = &d->table[t][hash & (d->size[t] - 1)]; *pp; pp = &(*pp)->next) {
            ak_dnode *n = *pp;
            if (d->type->keyeq(n, key, len)) {
                *pp = n->next;
                n->next = NULL;
                d->used[t]--;
                return n;
            }
        }
        if (!ak_dict_is_rehashing(d))
            break;
    }
    return NULL;
}

void ak_dict_replace(ak_dict *d, ak_dnode *old, ak_dnode *repl, uint64_t hash)
{
    /* No rehash step: the caller may hold pointers into the chain. */
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0)
            break;
        for (ak_dnode **pp = &d->table[t][hash & (d->size[t] - 1)]; *pp; pp = &(*pp)->next) {
            if (*pp == old) {
                repl->next = old->next;
                *pp = repl;
                return;
            }
        }
    }
    assert(!"ak_dict_replace: node not in the dict");
}

/* ---------------------------------------------------------------- scan
 *
 * The cursor is a bucket index whose bits are incremented from the top
 * (reverse binary). Masking a cursor with a smaller table's mask gives the
 * bucket that all of its "expansions" in a larger table came from, so the
 * buckets already visited stay visited when the table grows or shrinks
 * between two calls: every node present for the whole scan is returned at
 * least once (some may be returned twice after a shrink). While rehashing,
 * one call visits a bucket of the smaller table and every bucket of the
 * larger table that it expands to. */

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

/* Calls fn on every node of a chain; fn may unlink the node it is given. */
static void emit_chain(ak_dnode *n, void (*fn)(ak_dnode *, void *), void *ctx)
{
    while (n) {
        ak_dnode *next = n->next;
        fn(n, ctx);
        n = next;
    }
}

uint64_t ak_dict_scan(ak_dict *d, uint64_t v, void (*fn)(ak_dnode *, void *), void *ctx)
{
    if (ak_dict_size(d) == 0)
        return 0;

    /* fn may call ak_dict_find() and friends: keep the buckets still. */
    d->pauserehash++;

    if (!ak_dict_is_rehashing(d)) {
        uint64_t m0 = d->size[0] - 1;
        emit_chain(d->table[0][v & m0], fn, ctx);
        /* Set the bits above the mask so the reversed increment carries
         * through the masked bits only. */
        v |= ~m0;
        v = rev64(v);
        v++;
        v = rev64(v);
    } else {
        int small = d->size[0] <= d->size[1] ? 0 : 1;
        int big = 1 - small;
        uint64_t m0 = d->size[small] - 1;
        uint64_t m1 = d->size[big] - 1;

        emit_chain(d->table[small][v & m0], fn, ctx);
        /* Every bucket of the larger table that expands v & m0. */
        do {
            emit_chain(d->table[big][v & m1], fn, ctx);
            v |= ~m1;
            v = rev64(v);
            v++;
            v = rev64(v);
        } while (v & (m0 ^ m1));
    }

    d->pauserehash--;
    return v;
}

/* ---------------------------------------------------------------- random, sample */

ak_dnode *ak_dict_random(ak_dict *d)
{
    if (ak_dict_size(d) == 0)
        return NULL;
    rehash_step(d);

    /* Buckets numbered across both tables: [0, size0) is table[0] and
     * [size0, size0 + size1) table[1]; below rehashidx all are empty. */
    uint64_t lo = ak_dict_is_rehashing(d) ? (uint64_t)d->rehashidx : 0;
    uint64_t slots = d->size[0] + d->size[1] - lo;
    ak_dnode *n = NULL;
#define BUCKET(h) ((h) < d->size[0] ? d->table[0][h] : d->table[1][(h) - d->size[0]])
    for (int i = 0; i < AK_DICT_RANDOM_PROBES && !n; i++) {
        uint64_t h = lo + rng_next() % slots;
        n = BUCKET(h);
    }
    /* A very sparse table: the first non-empty bucket after a random one
     * (slightly biased, but bounded by the number of buckets). */
    if (!n) {
        uint64_t start = rng_next() % slots;
        for (uint64_t k = 0; k < slots && !n; k++) {
            uint64_t h = lo + (start + k) % slots;
            n = BUCKET(h);
        }
    }
#undef BUCKET
    assert(n);

    uint64_t chainlen = 0;
    for (ak_dnode *p = n; p; p = p->next)
        chainlen++;
    for (uint64_t skip = rng_next() % chainlen; skip; skip--)
        n = n->next;
    return n;
}

size_t ak_dict_sample(ak_dict *d, ak_dnode **out, size_t count)
{
    if (ak_dict_size(d) < count)
        count = (size_t)ak_dict_size(d);
    if (count == 0)
        return 0;
    uint64_t maxsteps = (uint64_t)count * 10;

    /* Rehash work proportional to the sample, as a find per node would. */
    for (size_t j = 0; j < count && ak_dict_is_rehashing(d) && d->pauserehash == 0; j++)
        rehash_step(d);

    int tables = ak_dict_is_rehashing(d) ? 2 : 1;
    uint64_t maxmask = d->size[0] - 1;
    if (tables > 1 && d->size[1] - 1 > maxmask)
        maxmask = d->size[1] - 1;

    uint64_t i = rng_next() & maxmask;
    uint64_t emptylen = 0; /* consecutive empty buckets seen */
    size_t stored = 0;
    while (stored < count && maxsteps--) {
        for (int t = 0; t < tables; t++) {
            /* Buckets of table[0] below rehashidx are empty. If this index
             * is also past the end of table[1] (shrinking), nothing lives
             * here in either table: jump to rehashidx. */
            if (tables == 2 && t == 0 && i < (uint64_t)d->rehashidx) {
                if (i >= d->size[1])
                    i = (uint64_t)d->rehashidx;
                else
                    continue;
            }
            if (i >= d->size[t])
                continue;
            ak_dnode *n = d->table[t][i];
            if (!n) {
                /* A run of empty buckets: jump somewhere else. */
                if (++emptylen >= 5 && emptylen > count) {
                    i = rng_next() & maxmask;
                    emptylen = 0;
                }
                continue;
            }
            emptylen = 0;
            for (; n; n = n->next) {
                out[stored++] = n;
                if (stored == count)
                    return stored;
            }
        }
        i = (i + 1) & maxmask;
    }
    return stored;
}

/* ---------------------------------------------------------------- iterators */

void ak_dict_iter_start(ak_dict_iter *it, ak_dict *d)
{
    it->d = d;
    it->table = 0;
    it->index = -1;
    it->cur = it->next = NULL;
    d->pauserehash++;
}

ak_dnode *ak_dict_iter_next(ak_dict_iter *it)
{
    ak_dict *d = it->d;
    /* `next` is read before `cur` is handed out, so the caller may unlink
     * (and free) cur; it must not unlink any other node. */
    while (!it->next) {
        it->index++;
        if ((uint64_t)it->index >= d->size[it->table]) {
            if (it->table == 0 && ak_dict_is_rehashing(d)) {
                it->table = 1;
                it->index = 0;
            } else {
                it->index = (int64_t)d->size[it->table];
                it->cur = NULL;
                return NULL;
            }
        }
        it->next = d->table[it->table][it->index];
    }
    it->cur = it->next;
    it->next = it->cur->next;
    return it->cur;
}

void ak_dict_iter_end(ak_dict_iter *it)
{
    if (!it->d)
        return;
    assert(it->d->pauserehash > 0);
    it->d->pauserehash--;
    it->d = NULL;
    it->cur = it->next = NULL;
}
