/*
 * test_dict.c -- the intrusive hash table and its hash (util/dict.h).
 *
 * Nodes come from a pool indexed by id and a flag array says which ids are
 * in the dict: the reference every operation is checked against. The
 * random streams are fixed xorshift sequences, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dict.h"

/* ---------------------------------------------------------------- fixture */

typedef struct tnode {
    ak_dnode link; /* first member, as dict.h requires */
    uint32_t id;
    uint32_t len;
    char key[16];
} tnode;

static uint64_t tnode_hash(const ak_dnode *n)
{
    const tnode *t = (const tnode *)n;
    return ak_hash(t->key, t->len);
}

static int tnode_keyeq(const ak_dnode *n, const void *key, size_t len)
{
    const tnode *t = (const tnode *)n;
    return t->len == len && memcmp(t->key, key, len) == 0;
}

static const ak_dtype tnode_type = {tnode_hash, tnode_keyeq};

typedef struct fixture {
    ak_dict d;
    tnode *pool;
    unsigned char *present; /* reference: 1 if pool[id] is linked */
    uint32_t n;
    uint64_t count;
} fixture;

static void fx_init(fixture *f, uint32_t n)
{
    ak_dict_init(&f->d, &tnode_type);
    f->pool = calloc(n, sizeof(*f->pool));
    f->present = calloc(n, 1);
    cr_assert(f->pool && f->present);
    f->n = n;
    f->count = 0;
    for (uint32_t i = 0; i < n; i++) {
        f->pool[i].id = i;
        f->pool[i].len = (uint32_t)snprintf(f->pool[i].key, sizeof(f->pool[i].key), "key:%u", i);
    }
}

static void fx_free(fixture *f)
{
    ak_dict_clear(&f->d, NULL, NULL);
    free(f->pool);
    free(f->present);
}

static uint64_t key_hash(fixture *f, uint32_t id)
{
    return ak_hash(f->pool[id].key, f->pool[id].len);
}

static ak_dnode *fx_find(fixture *f, uint32_t id)
{
    return ak_dict_find(&f->d, f->pool[id].key, f->pool[id].len, key_hash(f, id));
}

static void fx_insert(fixture *f, uint32_t id)
{
    cr_assert(!f->present[id]);
    ak_dict_insert(&f->d, &f->pool[id].link, key_hash(f, id));
    f->present[id] = 1;
    f->count++;
}

static void fx_unlink(fixture *f, uint32_t id)
{
    ak_dnode *n = ak_dict_unlink(&f->d, f->pool[id].key, f->pool[id].len, key_hash(f, id));
    cr_assert_eq(n, f->present[id] ? &f->pool[id].link : NULL, "unlink of id %u", id);
    if (f->present[id]) {
        f->present[id] = 0;
        f->count--;
    }
}

/* Finishes any rehash (bounded: each call moves at least one bucket). */
static void fx_finish_rehash(fixture *f)
{
    for (uint64_t i = 0; ak_dict_rehash(&f->d, 1000); i++)
        cr_assert(i <= f->d.size[0], "rehash does not finish");
}

static int is_pow2(uint64_t x)
{
    return x && (x & (x - 1)) == 0;
}

/* The dict holds exactly the ids the reference says, each once. */
static void fx_check(fixture *f)
{
    unsigned char *seen = calloc(f->n, 1);
    cr_assert(seen);
    uint64_t visited = 0;
    ak_dict_iter it;
    ak_dict_iter_start(&it, &f->d);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it));) {
        tnode *t = (tnode *)n;
        cr_assert(t >= f->pool && t < f->pool + f->n);
        cr_assert(f->present[t->id], "id %u iterated but not present", t->id);
        cr_assert(!seen[t->id], "id %u iterated twice", t->id);
        seen[t->id] = 1;
        visited++;
    }
    ak_dict_iter_end(&it);
    cr_assert_eq(visited, f->count);
    cr_assert_eq(ak_dict_size(&f->d), f->count);
    free(seen);
}

/* xorshift64*: a fixed, reproducible stream per test. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return rnd_state * 0x2545f4914f6cdd1dULL;
}

/* ---------------------------------------------------------------- hashing */

Test(hash, siphash12_matches_reference_vectors)
{
    /* Key 00..0f, message 00..len-1, as in the SipHash paper's vectors;
     * values from an independent implementation with c = 1, d = 2 (the same
     * code gives the paper's 2-4 vectors with 2 and 4 rounds). */
    static const struct {
        size_t len;
        uint64_t h;
    } cases[] = {
        {0, 0xcea28b51565c12e2ULL},  {1, 0x94aaf38c34ce7ba6ULL},  {7, 0xf03c4cbcf492b05aULL},
        {8, 0x606845b4d093af74ULL},  {9, 0xe304e78271c74a56ULL},  {15, 0xec8f61bc1c8966a6ULL},
        {16, 0x1311f4dfe747a751ULL}, {63, 0xff6d07afacbad6d9ULL},
    };
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    ak_hash_seed(key);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(ak_hash(msg, cases[i].len), cases[i].h, "len %zu", cases[i].len);
}

Test(hash, seed_changes_hashes)
{
    uint8_t s1[16] = {1}, s2[16] = {2};
    const char *k = "user:1000";
    ak_hash_seed(s1);
    uint64_t a = ak_hash(k, strlen(k));
    uint64_t an = ak_hash_nocase(k, strlen(k));
    cr_assert_eq(ak_hash(k, strlen(k)), a, "same seed, same hash");
    ak_hash_seed(s2);
    cr_assert_neq(ak_hash(k, strlen(k)), a);
    cr_assert_neq(ak_hash_nocase(k, strlen(k)), an);
    ak_hash_seed(s1);
    cr_assert_eq(ak_hash(k, strlen(k)), a);
}

Test(hash, length_is_part_of_the_hash)
{
    static const char zeros[16] = {0};
    for (size_t len = 0; len < 16; len++)
        cr_expect_neq(ak_hash(zeros, len), ak_hash(zeros, len + 1), "len %zu", len);
    /* An empty key may come as (NULL, 0). */
    cr_expect_eq(ak_hash(NULL, 0), ak_hash("", 0));
    cr_expect_eq(ak_hash_nocase(NULL, 0), ak_hash("", 0));
}

Test(hash, nocase_folds_ascii_letters_only)
{
    static const struct {
        const char *a, *b;
        int equal;
    } cases[] = {
        {"HeLLo", "hello", 1},
        {"A Longer Key Spanning Blocks 0123", "a longer key spanning blocks 0123", 1},
        {"ABCDEFGH", "abcdefgh", 1}, /* exactly one block */
        {"[", "{", 0},               /* 0x5b vs 0x7b: not letters */
        {"@", "`", 0},
        {"\xc4", "\xe4", 0}, /* Latin-1 A/a umlaut: not ASCII */
        {"hello", "hellp", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t ha = ak_hash_nocase(cases[i].a, strlen(cases[i].a));
        uint64_t hb = ak_hash_nocase(cases[i].b, strlen(cases[i].b));
        cr_expect_eq(ha == hb, cases[i].equal, "%s vs %s", cases[i].a, cases[i].b);
    }
    /* Folding is lowercasing: the same as hashing the lowercase key. */
    cr_expect_eq(ak_hash_nocase("MiXeD:Key", 9), ak_hash("mixed:key", 9));
}

/* ---------------------------------------------------------------- find, insert, unlink */

Test(dict, empty_dict_finds_nothing)
{
    ak_dict d;
    ak_dict_init(&d, &tnode_type);
    cr_assert_eq(ak_dict_size(&d), 0);
    cr_assert_null(ak_dict_find(&d, "x", 1, ak_hash("x", 1)));
    cr_assert_null(ak_dict_unlink(&d, "x", 1, ak_hash("x", 1)));
    cr_assert_null(ak_dict_random(&d));
    ak_dnode *out[4];
    cr_assert_eq(ak_dict_sample(&d, out, 4), 0);
    cr_assert_eq(ak_dict_scan(&d, 0, NULL, NULL), 0);
    cr_assert_eq(ak_dict_mem(&d), 0);
    ak_dict_shrink(&d);
    cr_assert_eq(ak_dict_rehash(&d, 10), 0);
    ak_dict_clear(&d, NULL, NULL);
}

Test(dict, random_operations_match_reference, .timeout = 60)
{
    fixture f;
    fx_init(&f, 50000);
    int saw_rehash = 0, saw_shrink = 0;
    for (int op = 0; op < 200000; op++) {
        uint32_t id = (uint32_t)(rnd() % f.n);
        switch (rnd() % 4) {
        case 0:
        case 1:
            if (!f.present[id]) {
                cr_assert_null(fx_find(&f, id));
                fx_insert(&f, id);
            }
            break;
        case 2:
            fx_unlink(&f, id);
            break;
        default:
            cr_assert_eq(fx_find(&f, id), f.present[id] ? &f.pool[id].link : NULL,
                         "find of id %u at op %d", id, op);
        }
        /* Phases: grow to ~2/3 full, then mostly delete. */
        if (op == 120000) {
            for (uint32_t i = 0; i < f.n; i++)
                if (f.present[i] && rnd() % 16)
                    fx_unlink(&f, i);
        }
        if (op % 1000 == 0) {
            uint64_t before = f.d.size[0];
            ak_dict_shrink(&f.d);
            if (ak_dict_is_rehashing(&f.d) && f.d.size[1] < before)
                saw_shrink = 1;
        }
        saw_rehash |= ak_dict_is_rehashing(&f.d);
        cr_assert_eq(ak_dict_size(&f.d), f.count);
    }
    cr_assert(saw_rehash && saw_shrink, "the run must exercise both rehash directions");
    fx_check(&f);
    for (uint32_t i = 0; i < f.n; i++)
        cr_assert_eq(fx_find(&f, i), f.present[i] ? &f.pool[i].link : NULL, "id %u", i);
    fx_free(&f);
}

Test(dict, binary_keys_are_distinct)
{
    /* Keys differing only after a NUL, or only in length. */
    static const char *keys[] = {"a\0b", "a\0c", "a", "a\0", ""};
    static const size_t lens[] = {3, 3, 1, 2, 0};
    tnode nodes[5];
    ak_dict d;
    ak_dict_init(&d, &tnode_type);
    for (int i = 0; i < 5; i++) {
        nodes[i].id = (uint32_t)i;
        nodes[i].len = (uint32_t)lens[i];
        memcpy(nodes[i].key, keys[i], lens[i]);
        ak_dict_insert(&d, &nodes[i].link, ak_hash(keys[i], lens[i]));
    }
    for (int i = 0; i < 5; i++)
        cr_expect_eq(ak_dict_find(&d, keys[i], lens[i], ak_hash(keys[i], lens[i])),
                     &nodes[i].link, "key %d", i);
    ak_dict_clear(&d, NULL, NULL);
}

Test(dict, grows_by_powers_of_two_while_finding_everything)
{
    fixture f;
    fx_init(&f, 20000);
    int rehashes = 0;
    for (uint32_t i = 0; i < f.n; i++) {
        int was = ak_dict_is_rehashing(&f.d);
        fx_insert(&f, i);
        if (!was && ak_dict_is_rehashing(&f.d)) {
            rehashes++;
            cr_assert_eq(f.d.size[1], 2 * f.d.size[0], "grows to the next power of two");
        }
        cr_assert(is_pow2(f.d.size[0]) && f.d.size[0] >= 4);
        if (ak_dict_is_rehashing(&f.d)) {
            /* Elements on both sides of rehashidx stay reachable. */
            for (int k = 0; k < 4; k++) {
                uint32_t j = (uint32_t)(rnd() % (i + 1));
                cr_assert_eq(fx_find(&f, j), &f.pool[j].link, "id %u while rehashing", j);
            }
        }
    }
    cr_assert_geq(rehashes, 10, "4 -> 32768 takes 13 doublings");
    fx_finish_rehash(&f);
    cr_assert(f.d.size[0] >= f.count / 2 && f.d.size[0] <= 4 * f.count);
    cr_assert_eq(ak_dict_mem(&f.d), f.d.size[0] * sizeof(ak_dnode *));
    fx_check(&f);
    fx_free(&f);
}

Test(dict, shrinks_below_one_eighth_and_works_while_shrinking)
{
    fixture f;
    fx_init(&f, 4096);
    for (uint32_t i = 0; i < f.n; i++)
        fx_insert(&f, i);
    fx_finish_rehash(&f);
    uint64_t big = f.d.size[0];

    /* Fill 1/8 exactly: not yet. */
    for (uint32_t i = (uint32_t)(big / 8); i < f.n; i++)
        fx_unlink(&f, i);
    ak_dict_shrink(&f.d);
    cr_assert(!ak_dict_is_rehashing(&f.d) && f.d.size[0] == big, "fill 1/8 keeps the table");

    fx_unlink(&f, 0);
    ak_dict_shrink(&f.d);
    cr_assert(ak_dict_is_rehashing(&f.d));
    cr_assert_eq(f.d.size[1], big / 8, "next power of two >= used");

    /* Work against the dict while buckets move. */
    for (uint32_t i = 1; i < 40; i++)
        fx_unlink(&f, i);
    for (uint32_t i = 2000; i < 2020; i++)
        fx_insert(&f, i);
    cr_assert(ak_dict_is_rehashing(&f.d), "still rehashing: the test must overlap it");
    for (uint32_t i = 0; i < f.n; i++)
        cr_assert_eq(fx_find(&f, i), f.present[i] ? &f.pool[i].link : NULL, "id %u", i);
    fx_finish_rehash(&f);
    cr_assert_eq(f.d.size[0], big / 8);
    fx_check(&f);

    /* Emptied, it shrinks to the minimum of 4 buckets, not below. */
    for (uint32_t i = 0; i < f.n; i++)
        fx_unlink(&f, i);
    ak_dict_shrink(&f.d);
    fx_finish_rehash(&f);
    cr_assert_eq(f.d.size[0], 4);
    ak_dict_shrink(&f.d);
    cr_assert(!ak_dict_is_rehashing(&f.d) && f.d.size[0] == 4);
    fx_check(&f);
    fx_free(&f);
}

Test(dict, rehash_ms_finishes_a_rehash)
{
    fixture f;
    fx_init(&f, 70000);
    /* Stop right after a growth starts (65536 -> 131072). */
    for (uint32_t i = 0; i < f.n && !(ak_dict_is_rehashing(&f.d) && f.d.size[0] >= 65536); i++)
        fx_insert(&f, i);
    cr_assert(ak_dict_is_rehashing(&f.d));
    int moved = 0;
    for (int i = 0; i < 100 && ak_dict_is_rehashing(&f.d); i++)
        moved += ak_dict_rehash_ms(&f.d, 100);
    cr_assert(!ak_dict_is_rehashing(&f.d));
    cr_assert_gt(moved, 0);
    fx_check(&f);
    fx_free(&f);
}

Test(dict, replace_puts_new_node_in_old_place)
{
    fixture f;
    fx_init(&f, 300);
    for (uint32_t i = 0; i < 200; i++)
        fx_insert(&f, i);
    /* Replace nodes while a rehash is in progress, from either table. */
    while (!ak_dict_is_rehashing(&f.d))
        fx_insert(&f, (uint32_t)f.count);
    static tnode copies[200];
    for (uint32_t i = 0; i < 200; i++) {
        copies[i] = f.pool[i];
        ak_dict_replace(&f.d, &f.pool[i].link, &copies[i].link, key_hash(&f, i));
        f.pool[i].link.next = (ak_dnode *)0x1; /* the old node must not be used */
    }
    for (uint32_t i = 0; i < 200; i++)
        cr_assert_eq(fx_find(&f, i), &copies[i].link, "id %u", i);
    cr_assert_eq(ak_dict_size(&f.d), f.count);
    ak_dict_clear(&f.d, NULL, NULL);
    free(f.pool);
    free(f.present);
}

static void count_free(ak_dnode *n, void *ctx)
{
    (void)n;
    (*(int *)ctx)++;
}

Test(dict, clear_frees_every_node_and_leaves_dict_reusable)
{
    fixture f;
    fx_init(&f, 1000);
    for (uint32_t i = 0; i < 700; i++)
        fx_insert(&f, i);
    int freed = 0;
    ak_dict_clear(&f.d, count_free, &freed);
    cr_assert_eq(freed, 700);
    cr_assert_eq(ak_dict_size(&f.d), 0);
    cr_assert(!ak_dict_is_rehashing(&f.d));
    cr_assert_eq(ak_dict_mem(&f.d), 0);
    memset(f.present, 0, f.n);
    f.count = 0;
    for (uint32_t i = 0; i < 10; i++)
        fx_insert(&f, i);
    fx_check(&f);
    fx_free(&f);
}

/* ---------------------------------------------------------------- scan */

typedef struct scan_ctx {
    fixture *f;
    unsigned *seen;
    int unlink_odd;
} scan_ctx;

static void scan_cb(ak_dnode *n, void *p)
{
    scan_ctx *c = p;
    tnode *t = (tnode *)n;
    cr_assert(c->f->present[t->id], "scan returned id %u, which is not in the dict", t->id);
    c->seen[t->id]++;
    if (c->unlink_odd && t->id % 2)
        fx_unlink(c->f, t->id);
}

Test(dict, scan_returns_every_stable_element_across_growth_and_shrink, .timeout = 60)
{
    const uint32_t stable = 3000;
    fixture f;
    fx_init(&f, 60000);
    scan_ctx c = {&f, calloc(f.n, sizeof(unsigned)), 0};
    cr_assert(c.seen);
    for (uint32_t i = 0; i < stable; i++)
        fx_insert(&f, i);
    fx_finish_rehash(&f);

    int grew = 0, shrank = 0, scanned_while_rehashing = 0;
    uint32_t next_volatile = stable;
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = ak_dict_scan(&f.d, cursor, scan_cb, &c);
        calls++;
        cr_assert_lt(calls, 1000000, "scan does not terminate");
        scanned_while_rehashing |= ak_dict_is_rehashing(&f.d);

        if (calls < 300) {
            /* Grow: volatile keys arrive between calls. */
            for (int k = 0; k < 150 && next_volatile < f.n; k++)
                fx_insert(&f, next_volatile++);
        } else if (calls < 600) {
            /* Shrink: most volatile keys leave, the owner shrinks. */
            for (int k = 0; k < 1000; k++) {
                uint32_t id = stable + (uint32_t)(rnd() % (f.n - stable));
                if (f.present[id])
                    fx_unlink(&f, id);
            }
            uint64_t before = f.d.size[0];
            ak_dict_shrink(&f.d);
            if (ak_dict_is_rehashing(&f.d) && f.d.size[1] < before)
                shrank = 1;
        }
        if (ak_dict_is_rehashing(&f.d) && f.d.size[1] > f.d.size[0])
            grew = 1;
        if (rnd() % 4 == 0)
            ak_dict_rehash(&f.d, 1);
    } while (cursor != 0);

    cr_assert(grew && shrank && scanned_while_rehashing,
              "the scan must overlap growth (%d) and shrinking (%d)", grew, shrank);
    for (uint32_t i = 0; i < stable; i++)
        cr_assert_geq(c.seen[i], 1, "stable id %u not returned", i);
    free(c.seen);
    fx_free(&f);
}

Test(dict, scan_of_still_dict_returns_each_element_once)
{
    fixture f;
    fx_init(&f, 5000);
    scan_ctx c = {&f, calloc(f.n, sizeof(unsigned)), 0};
    cr_assert(c.seen);
    for (uint32_t i = 0; i < f.n; i++)
        fx_insert(&f, i);
    fx_finish_rehash(&f);
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = ak_dict_scan(&f.d, cursor, scan_cb, &c);
        cr_assert_leq(++calls, f.d.size[0], "one call per bucket at most");
    } while (cursor != 0);
    for (uint32_t i = 0; i < f.n; i++)
        cr_assert_eq(c.seen[i], 1, "id %u returned %u times", i, c.seen[i]);
    free(c.seen);
    fx_free(&f);
}

Test(dict, scan_callback_may_unlink_the_node_it_gets)
{
    fixture f;
    fx_init(&f, 5000);
    scan_ctx c = {&f, calloc(f.n, sizeof(unsigned)), 1};
    cr_assert(c.seen);
    for (uint32_t i = 0; i < f.n; i++)
        fx_insert(&f, i);
    cr_assert(ak_dict_is_rehashing(&f.d), "scan this one mid-rehash");
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = ak_dict_scan(&f.d, cursor, scan_cb, &c);
        cr_assert_lt(++calls, 100000);
    } while (cursor != 0);
    for (uint32_t i = 0; i < f.n; i++)
        cr_assert_eq(c.seen[i], 1, "id %u", i);
    cr_assert_eq(ak_dict_size(&f.d), f.n / 2);
    fx_check(&f);
    free(c.seen);
    fx_free(&f);
}

/* ---------------------------------------------------------------- iterators */

Test(dict, iterator_allows_unlinking_current_node)
{
    fixture f;
    fx_init(&f, 5000);
    for (uint32_t i = 0; i < f.n; i++)
        fx_insert(&f, i);
    cr_assert(ak_dict_is_rehashing(&f.d), "iterate across both tables");
    int64_t idx = f.d.rehashidx;

    unsigned char *seen = calloc(f.n, 1);
    cr_assert(seen);
    uint64_t visited = 0;
    ak_dict_iter it;
    ak_dict_iter_start(&it, &f.d);
    for (ak_dnode *n; (n = ak_dict_iter_next(&it));) {
        tnode *t = (tnode *)n;
        cr_assert(!seen[t->id], "id %u twice", t->id);
        seen[t->id] = 1;
        visited++;
        if (t->id % 2) {
            fx_unlink(&f, t->id);
            t->link.next = (ak_dnode *)0x1; /* as if freed */
        }
        /* Finds and explicit rehash calls must not move buckets now. */
        fx_find(&f, (uint32_t)(rnd() % f.n));
        ak_dict_rehash(&f.d, 10);
        cr_assert_eq(f.d.rehashidx, idx, "rehashing is paused");
    }
    ak_dict_iter_end(&it);
    cr_assert_eq(visited, f.n);
    cr_assert_eq(f.d.pauserehash, 0);
    /* Rehashing resumes. */
    fx_find(&f, 0);
    cr_assert(f.d.rehashidx != idx);
    for (uint32_t i = 0; i < f.n; i++)
        if (i % 2)
            cr_assert_null(fx_find(&f, i));
    free(seen);
    fx_check(&f);
    fx_free(&f);
}

Test(dict, iterator_on_empty_dict_ends_at_once)
{
    ak_dict d;
    ak_dict_init(&d, &tnode_type);
    ak_dict_iter it;
    ak_dict_iter_start(&it, &d);
    cr_assert_null(ak_dict_iter_next(&it));
    cr_assert_null(ak_dict_iter_next(&it));
    ak_dict_iter_end(&it);
    cr_assert_eq(d.pauserehash, 0);
}

/* ---------------------------------------------------------------- random, sample */

static void assert_member(fixture *f, ak_dnode *n)
{
    cr_assert_not_null(n);
    tnode *t = (tnode *)n;
    cr_assert(t >= f->pool && t < f->pool + f->n);
    cr_assert(f->present[t->id], "id %u is not in the dict", t->id);
}

Test(dict, random_returns_members_and_reaches_all)
{
    fixture f;
    fx_init(&f, 2000);
    for (uint32_t i = 0; i < 8; i++)
        fx_insert(&f, i);
    unsigned hits[8] = {0};
    for (int k = 0; k < 4000; k++) {
        ak_dnode *n = ak_dict_random(&f.d);
        assert_member(&f, n);
        hits[((tnode *)n)->id]++;
    }
    for (int i = 0; i < 8; i++)
        cr_expect_gt(hits[i], 0, "id %d never drawn", i);

    /* Across a rehash, too. */
    for (uint32_t i = 8; i < f.n; i++) {
        fx_insert(&f, i);
        if (ak_dict_is_rehashing(&f.d))
            assert_member(&f, ak_dict_random(&f.d));
    }
    fx_free(&f);
}

Test(dict, random_finds_the_only_node_of_a_sparse_table)
{
    fixture f;
    fx_init(&f, 50000);
    for (uint32_t i = 0; i < f.n; i++)
        fx_insert(&f, i);
    fx_finish_rehash(&f);
    for (uint32_t i = 1; i < f.n; i++)
        fx_unlink(&f, i);
    /* 1 node in 65536 buckets, never shrunk: random probes mostly miss. */
    for (int k = 0; k < 20; k++)
        cr_assert_eq(ak_dict_random(&f.d), &f.pool[0].link);
    ak_dnode *out[8];
    for (int k = 0; k < 20; k++) {
        size_t got = ak_dict_sample(&f.d, out, 8);
        cr_assert_leq(got, 1);
        if (got)
            cr_assert_eq(out[0], &f.pool[0].link);
    }
    fx_free(&f);
}

Test(dict, sample_returns_members_up_to_count)
{
    fixture f;
    fx_init(&f, 10000);
    for (uint32_t i = 0; i < 5; i++)
        fx_insert(&f, i);
    ak_dnode *out[32];
    size_t got = ak_dict_sample(&f.d, out, 32);
    cr_assert(got > 0 && got <= 5, "got %zu", got);
    for (size_t k = 0; k < got; k++)
        assert_member(&f, out[k]);

    size_t total = 0;
    for (uint32_t i = 5; i < f.n; i++) {
        fx_insert(&f, i);
        if (i % 97)
            continue;
        got = ak_dict_sample(&f.d, out, 20);
        cr_assert_leq(got, 20);
        total += got;
        for (size_t k = 0; k < got; k++)
            assert_member(&f, out[k]);
    }
    cr_assert_gt(total, 0);
    cr_assert_eq(ak_dict_sample(&f.d, out, 0), 0);
    fx_free(&f);
}
