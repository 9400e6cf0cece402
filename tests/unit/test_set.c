/*
 * test_set.c -- the intset (util/intset.h) on its own, and set values of the
 * memory engine (store/mem/set.c) through the storage interface
 * (store/set.h): no commands, no sessions.
 *
 * Both encodings and the conversions between them are exercised; random
 * streams of operations are checked against reference models (a sorted
 * array for the intset, presence flags over a pool of candidate members for
 * sets). The streams are fixed xorshift sequences, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "store/set.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/intset.h"
#include "util/num.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t xs_state;

static uint64_t xs(void)
{
    uint64_t x = xs_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return xs_state = x;
}

static void xs_seed(uint64_t s)
{
    xs_state = s ? s : 88172645463325252ULL;
}

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

/* ---------------------------------------------------------------- intset */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void intset_matches(const ak_intset *is, const int64_t *ref, uint32_t n)
{
    cr_assert_eq(ak_intset_len(is), n);
    cr_assert_eq(ak_intset_bytes(is), sizeof(ak_intset) + (size_t)n * is->width);
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(ak_intset_get(is, i), ref[i], "element %u", i);
}

Test(intset, new_is_empty_and_two_bytes_wide)
{
    ak_intset *is = ak_intset_new();
    cr_assert_eq(ak_intset_len(is), 0);
    cr_assert_eq(is->width, 2);
    cr_assert(!ak_intset_find(is, 0));
    ak_intset_free(is);
}

Test(intset, widths_grow_with_the_values_and_never_shrink)
{
    ak_intset *is = ak_intset_new();
    int added;
    is = ak_intset_add(is, 5, &added);
    cr_assert(added);
    is = ak_intset_add(is, -32768, NULL);
    cr_assert_eq(is->width, 2);
    is = ak_intset_add(is, 32768, NULL);
    cr_assert_eq(is->width, 4);
    is = ak_intset_add(is, INT64_MIN, NULL);
    cr_assert_eq(is->width, 8);
    int64_t ref[] = {INT64_MIN, -32768, 5, 32768};
    intset_matches(is, ref, 4);
    int removed;
    is = ak_intset_remove(is, INT64_MIN, &removed);
    cr_assert(removed);
    cr_assert_eq(is->width, 8);
    is = ak_intset_add(is, 5, &added);
    cr_assert(!added);
    ak_intset_free(is);
}

Test(intset, upgrade_appends_positive_and_prepends_negative)
{
    ak_intset *is = ak_intset_new();
    for (int v = -3; v <= 3; v++)
        is = ak_intset_add(is, v, NULL);
    is = ak_intset_add(is, 1LL << 40, NULL);
    is = ak_intset_add(is, -(1LL << 20), NULL);
    int64_t ref[] = {-(1LL << 20), -3, -2, -1, 0, 1, 2, 3, 1LL << 40};
    intset_matches(is, ref, 9);
    cr_assert_eq(is->width, 8);
    ak_intset_free(is);
}

Test(intset, removing_a_value_wider_than_the_set_is_a_noop)
{
    ak_intset *is = ak_intset_add(ak_intset_new(), 1, NULL);
    int removed = 1;
    is = ak_intset_remove(is, 1LL << 40, &removed);
    cr_assert(!removed);
    cr_assert_eq(ak_intset_len(is), 1);
    ak_intset_free(is);
}

Test(intset, filter_keeps_the_marked_elements_in_order)
{
    ak_intset *is = ak_intset_new();
    for (int v = 0; v < 10; v++)
        is = ak_intset_add(is, v * 100000, NULL);
    unsigned char keep[10] = {1, 0, 0, 1, 1, 0, 1, 0, 0, 1};
    is = ak_intset_filter(is, keep);
    int64_t ref[] = {0, 300000, 400000, 600000, 900000};
    intset_matches(is, ref, 5);
    ak_intset *d = ak_intset_dup(is);
    intset_matches(d, ref, 5);
    ak_intset_free(d);
    ak_intset_free(is);
}

Test(intset, random_operations_match_a_sorted_reference)
{
    xs_seed(12345);
    enum { MAX = 3000 };
    int64_t ref[MAX];
    uint32_t n = 0;
    ak_intset *is = ak_intset_new();
    for (int step = 0; step < 20000; step++) {
        /* Mostly small values; sometimes 32- and 64-bit ones. */
        int64_t v;
        uint64_t r = xs();
        switch (r % 8) {
        case 0: v = (int64_t)(xs() % 200000) - 100000; break;
        case 1: v = (int64_t)xs(); break;
        default: v = (int64_t)(xs() % 400) - 200; break;
        }
        int64_t *hit = n ? bsearch(&v, ref, n, sizeof *ref, cmp_i64) : NULL;
        if ((r >> 8) % 3 != 0 && n < MAX) {
            int added;
            is = ak_intset_add(is, v, &added);
            cr_assert_eq(added, hit == NULL, "add %lld", (long long)v);
            if (!hit) {
                ref[n++] = v;
                qsort(ref, n, sizeof *ref, cmp_i64);
            }
        } else {
            int removed;
            is = ak_intset_remove(is, v, &removed);
            cr_assert_eq(removed, hit != NULL, "remove %lld", (long long)v);
            if (hit) {
                memmove(hit, hit + 1, (size_t)(ref + n - hit - 1) * sizeof *ref);
                n--;
            }
        }
        int expect = n > 0 && bsearch(&v, ref, n, sizeof *ref, cmp_i64) != NULL;
        cr_assert_eq(ak_intset_find(is, v), expect);
        if (step % 500 == 0)
            intset_matches(is, ref, n);
    }
    intset_matches(is, ref, n);
    ak_intset_free(is);
}

/* ---------------------------------------------------------------- engine fixture */

static ak_config cfg;
static ak_engine *e;
static const struct ak_set_ops *SO;
static size_t mem_before;

static void setup(void)
{
    mem_before = ak_used_memory();
    ak_config_defaults(&cfg);
    e = ak_mem_engine_new(2);
    e->cfg = &cfg;
    SO = e->ops->set;
    cr_assert(SO, "the memory engine has no set operations");
}

/* Closes the engine and checks that everything it allocated went back: a
 * leak fails the test (a failed assertion in .fini would not). */
static void finish(void)
{
    e->ops->close(e);
    e = NULL;
    ak_config_free(&cfg);
    cr_assert_eq(ak_used_memory(), mem_before, "leaked %zd bytes",
                 (ssize_t)(ak_used_memory() - mem_before));
}

static void teardown(void)
{
    if (e) { /* the test failed before finish() */
        e->ops->close(e);
        ak_config_free(&cfg);
    }
}

/* A test of the suite: the body, then the leak check. */
#define SET_TEST(name)                   \
    static void name##_body(void);       \
    Test(set, name) { name##_body(); finish(); } \
    static void name##_body(void)

TestSuite(set, .init = setup, .fini = teardown);

static const ak_slice KEY = {"s", 1};

static ak_encoding encoding(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_SET);
    return ki.encoding;
}

static int exists(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    return ki.type != AIKV_TYPE_NONE;
}

static size_t add1(ak_slice key, const char *m)
{
    ak_slice v = S(m);
    size_t added = 99;
    cr_assert_eq(SO->add(e, 0, key, &v, 1, &added), AK_OK);
    return added;
}

static size_t rem1(ak_slice key, const char *m)
{
    ak_slice v = S(m);
    size_t removed = 99;
    int rc = SO->rem(e, 0, key, &v, 1, &removed);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    return removed;
}

static int has(ak_slice key, const char *m)
{
    ak_slice v = S(m);
    unsigned char is = 9;
    int rc = SO->ismember(e, 0, key, &v, 1, &is);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    return is;
}

static uint64_t card(ak_slice key)
{
    uint64_t n = 99;
    int rc = SO->card(e, 0, key, &n);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    return n;
}

/* Collected members (copies), for checks. */
typedef struct bag {
    char **v;
    size_t *len;
    size_t n, cap;
} bag;

static void bag_add(void *ctx, ak_slice m)
{
    bag *b = ctx;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->v = realloc(b->v, b->cap * sizeof *b->v);
        b->len = realloc(b->len, b->cap * sizeof *b->len);
        cr_assert(b->v && b->len);
    }
    b->v[b->n] = malloc(m.len + 1);
    cr_assert(b->v[b->n]);
    memcpy(b->v[b->n], m.p, m.len);
    b->v[b->n][m.len] = '\0';
    b->len[b->n++] = m.len;
}

static void bag_free(bag *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i]);
    free(b->v);
    free(b->len);
    memset(b, 0, sizeof *b);
}

static int bag_count(const bag *b, const char *m)
{
    int c = 0;
    for (size_t i = 0; i < b->n; i++)
        c += strcmp(b->v[i], m) == 0;
    return c;
}

static int bag_distinct(const bag *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (bag_count(b, b->v[i]) != 1)
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- encodings */

SET_TEST(integer_members_make_an_intset)
{
    cr_assert_eq(add1(KEY, "3"), 1);
    cr_assert_eq(add1(KEY, "-9223372036854775808"), 1);
    cr_assert_eq(add1(KEY, "3"), 0);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(card(KEY), 2);
    cr_assert(has(KEY, "3"));
    cr_assert(!has(KEY, "03"));
    cr_assert(!has(KEY, "x"));
}

SET_TEST(non_canonical_integers_make_a_hashtable)
{
    const char *texts[] = {"01", "-0", "+1", " 1", "1 ", "1.0", "", "9223372036854775808", "abc"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char name[8];
        snprintf(name, sizeof name, "k%zu", i);
        ak_slice key = S(name);
        add1(key, "7");
        cr_assert_eq(encoding(key), AK_ENC_INTSET);
        cr_assert_eq(add1(key, texts[i]), 1, "%s", texts[i]);
        cr_assert_eq(encoding(key), AK_ENC_HASHTABLE, "%s", texts[i]);
        cr_assert(has(key, texts[i]));
        cr_assert(has(key, "7"));
        cr_assert_eq(card(key), 2);
    }
}

SET_TEST(first_text_member_makes_a_hashtable)
{
    add1(KEY, "x");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
}

SET_TEST(intset_converts_past_the_configured_limit)
{
    cfg.set_max_intset_entries = 4;
    ak_slice v[4] = {S("1"), S("2"), S("3"), S("4")};
    size_t added;
    cr_assert_eq(SO->add(e, 0, KEY, v, 4, &added), AK_OK);
    cr_assert_eq(added, 4);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    add1(KEY, "4");
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    add1(KEY, "5");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    for (int i = 1; i <= 5; i++) {
        char b[4];
        snprintf(b, sizeof b, "%d", i);
        cr_assert(has(KEY, b));
    }
    /* removals never convert back */
    rem1(KEY, "5");
    rem1(KEY, "4");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
}

SET_TEST(limit_zero_means_hashtable_from_the_start)
{
    cfg.set_max_intset_entries = 0;
    add1(KEY, "1");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    cr_assert(has(KEY, "1"));
}

SET_TEST(last_removal_deletes_the_key)
{
    add1(KEY, "1");
    add1(KEY, "a");
    cr_assert_eq(rem1(KEY, "1"), 1);
    cr_assert_eq(rem1(KEY, "zz"), 0);
    cr_assert(exists(KEY));
    cr_assert_eq(rem1(KEY, "a"), 1);
    cr_assert(!exists(KEY));
    cr_assert_eq(rem1(KEY, "a"), 0);
    cr_assert_eq(card(KEY), 0);
}

SET_TEST(long_members_round_trip)
{
    size_t sizes[] = {0, 1, 254, 255, 256, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char *m = malloc(sizes[i] + 1);
        cr_assert(m);
        memset(m, 'a' + (int)i, sizes[i]);
        m[sizes[i]] = '\0';
        cr_assert_eq(add1(KEY, m), 1);
        cr_assert(has(KEY, m));
        free(m);
    }
    bag b = {0};
    cr_assert_eq(SO->members(e, 0, KEY, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 6);
    size_t total = 0;
    for (size_t i = 0; i < b.n; i++)
        total += b.len[i];
    cr_assert_eq(total, 0 + 1 + 254 + 255 + 256 + 70000);
    bag_free(&b);
}

SET_TEST(every_operation_refuses_another_type)
{
    e->ops->str_set(e, 0, KEY, S("x"), AK_NO_EXPIRE, 0);
    ak_slice v = S("1");
    size_t n;
    unsigned char is;
    uint64_t c, next;
    bag b = {0};
    cr_assert_eq(SO->add(e, 0, KEY, &v, 1, &n), AK_WRONGTYPE);
    cr_assert_eq(SO->rem(e, 0, KEY, &v, 1, &n), AK_WRONGTYPE);
    cr_assert_eq(SO->ismember(e, 0, KEY, &v, 1, &is), AK_WRONGTYPE);
    cr_assert_eq(SO->card(e, 0, KEY, &c), AK_WRONGTYPE);
    cr_assert_eq(SO->members(e, 0, KEY, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(SO->random(e, 0, KEY, 3, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(SO->pop(e, 0, KEY, 3, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(SO->scan(e, 0, KEY, 0, 10, bag_add, &b, &next), AK_WRONGTYPE);
    ak_slice keys[2] = {S("nosuch"), KEY};
    cr_assert_eq(SO->inter(e, 0, keys, 2, 0, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(SO->unite(e, 0, keys, 2, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(SO->diff(e, 0, keys, 2, bag_add, &b), AK_WRONGTYPE);
    cr_assert_eq(b.n, 0);
    ak_slice val;
    cr_assert_eq(e->ops->str_get(e, 0, KEY, &val), AK_OK);
}

SET_TEST(missing_key_answers_notfound)
{
    ak_slice v = S("1");
    size_t n = 5;
    unsigned char is = 7;
    uint64_t c = 5, next = 5;
    bag b = {0};
    cr_assert_eq(SO->rem(e, 0, KEY, &v, 1, &n), AK_NOTFOUND);
    cr_assert_eq(n, 0);
    cr_assert_eq(SO->ismember(e, 0, KEY, &v, 1, &is), AK_NOTFOUND);
    cr_assert_eq(is, 0);
    cr_assert_eq(SO->card(e, 0, KEY, &c), AK_NOTFOUND);
    cr_assert_eq(c, 0);
    cr_assert_eq(SO->members(e, 0, KEY, bag_add, &b), AK_NOTFOUND);
    cr_assert_eq(SO->random(e, 0, KEY, -3, bag_add, &b), AK_NOTFOUND);
    cr_assert_eq(SO->pop(e, 0, KEY, 3, bag_add, &b), AK_NOTFOUND);
    cr_assert_eq(SO->scan(e, 0, KEY, 0, 10, bag_add, &b, &next), AK_NOTFOUND);
    cr_assert_eq(next, 0);
    cr_assert_eq(b.n, 0);
    cr_assert(!exists(KEY));
}

SET_TEST(copy_duplicates_both_encodings)
{
    add1(S("i"), "1");
    add1(S("i"), "2");
    add1(S("h"), "a");
    add1(S("h"), "1");
    cr_assert_eq(e->ops->copy(e, 0, S("i"), 0, S("i2"), 0), 1);
    cr_assert_eq(e->ops->copy(e, 0, S("h"), 0, S("h2"), 0), 1);
    cr_assert_eq(encoding(S("i2")), AK_ENC_INTSET);
    cr_assert_eq(encoding(S("h2")), AK_ENC_HASHTABLE);
    rem1(S("h"), "a");
    cr_assert(has(S("h2"), "a"));
    cr_assert(has(S("h2"), "1"));
    cr_assert(has(S("i2"), "2"));
    cr_assert_eq(card(S("h2")), 2);
}

/* ---------------------------------------------------------------- random streams vs a model */

/* A pool of candidate members: integers (intset material) and texts. */
#define POOL 400
static char pool[POOL][24];

static void make_pool(int ints_only)
{
    for (int i = 0; i < POOL; i++) {
        if (ints_only || i % 3 != 0)
            ak_ll2str(pool[i], sizeof pool[i], (long long)(i * 7919) - 1000000 * (i % 5));
        else
            snprintf(pool[i], sizeof pool[i], "m:%d", i);
    }
}

static int pool_is_int(int i)
{
    long long ll;
    return ak_str2ll(pool[i], strlen(pool[i]), &ll);
}

typedef struct model {
    unsigned char present[POOL];
    uint64_t n;
    int ht; /* converted to a hashtable (sticky until the key goes) */
} model;

static void model_check(const model *md, ak_slice key)
{
    cr_assert_eq(card(key), md->n);
    if (md->n == 0) {
        cr_assert(!exists(key));
        return;
    }
    cr_assert_eq(encoding(key), md->ht ? AK_ENC_HASHTABLE : AK_ENC_INTSET);
    bag b = {0};
    cr_assert_eq(SO->members(e, 0, key, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, md->n);
    for (size_t i = 0; i < b.n; i++) {
        int found = -1;
        for (int j = 0; j < POOL && found < 0; j++)
            if (strcmp(pool[j], b.v[i]) == 0)
                found = j;
        cr_assert(found >= 0 && md->present[found], "unexpected member %s", b.v[i]);
    }
    cr_assert(bag_distinct(&b));
    bag_free(&b);
}

static void random_stream(int ints_only, uint64_t seed)
{
    make_pool(ints_only);
    xs_seed(seed);
    cfg.set_max_intset_entries = 64;
    model md = {{0}, 0, 0};
    for (int step = 0; step < 6000; step++) {
        int i = (int)(xs() % POOL);
        switch (xs() % 6) {
        case 0:
        case 1:
        case 2: {
            size_t added = add1(KEY, pool[i]);
            cr_assert_eq(added, !md.present[i], "add %s", pool[i]);
            if (!md.present[i]) {
                md.present[i] = 1;
                md.n++;
                if (!pool_is_int(i) || md.n > (uint64_t)cfg.set_max_intset_entries)
                    md.ht = 1;
            }
            break;
        }
        case 3:
        case 4: {
            size_t removed = rem1(KEY, pool[i]);
            cr_assert_eq(removed, md.present[i], "rem %s", pool[i]);
            if (md.present[i]) {
                md.present[i] = 0;
                if (--md.n == 0)
                    md.ht = 0;
            }
            break;
        }
        default:
            cr_assert_eq(has(KEY, pool[i]), md.present[i], "ismember %s", pool[i]);
        }
        if (step % 97 == 0)
            model_check(&md, KEY);
    }
    model_check(&md, KEY);
}

SET_TEST(random_operations_on_integers_match_the_model)
{
    random_stream(1, 777);
}

SET_TEST(random_operations_on_mixed_members_match_the_model)
{
    random_stream(0, 4242);
}

/* ---------------------------------------------------------------- SPOP, SRANDMEMBER */

static void fill(ak_slice key, int n, int text)
{
    for (int i = 0; i < n; i++) {
        char b[24];
        snprintf(b, sizeof b, text ? "t%d" : "%d", i);
        add1(key, b);
    }
}

static void check_pop(int n, int text, uint64_t count)
{
    ak_slice key = S("p");
    fill(key, n, text);
    bag b = {0};
    cr_assert_eq(SO->pop(e, 0, key, count, bag_add, &b), AK_OK);
    uint64_t want = count < (uint64_t)n ? count : (uint64_t)n;
    cr_assert_eq(b.n, want, "n %d count %llu", n, (unsigned long long)count);
    cr_assert(bag_distinct(&b));
    for (size_t i = 0; i < b.n; i++)
        cr_assert(!has(key, b.v[i]), "popped %s still there", b.v[i]);
    cr_assert_eq(card(key), (uint64_t)n - want);
    cr_assert_eq(exists(key), want < (uint64_t)n);
    bag_free(&b);
    e->ops->del(e, 0, key);
}

SET_TEST(pop_hands_out_distinct_members_and_removes_them)
{
    uint64_t counts[] = {0, 1, 2, 10, 50, 83, 84, 99, 100, 1000};
    for (int text = 0; text < 2; text++)
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
            check_pop(100, text, counts[i]);
}

SET_TEST(large_pop_rebuilds_the_rest_as_an_intset)
{
    fill(KEY, 100, 0);
    add1(KEY, "x");
    rem1(KEY, "x");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    bag b = {0};
    SO->pop(e, 0, KEY, 95, bag_add, &b); /* 5 left: 5 * 5 <= 95 */
    cr_assert_eq(card(KEY), 5);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    bag_free(&b);
    /* a small pop keeps the encoding */
    e->ops->del(e, 0, KEY);
    fill(KEY, 100, 0);
    add1(KEY, "x");
    rem1(KEY, "x");
    SO->pop(e, 0, KEY, 10, bag_add, &b);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    bag_free(&b);
}

SET_TEST(large_pop_of_an_intset_past_a_lowered_limit_makes_a_hashtable)
{
    fill(KEY, 100, 0);
    cfg.set_max_intset_entries = 3;
    bag b = {0};
    SO->pop(e, 0, KEY, 90, bag_add, &b);
    cr_assert_eq(card(KEY), 10);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    bag_free(&b);
}

static void check_random(int n, int text, long long count)
{
    ak_slice key = S("r");
    fill(key, n, text);
    bag b = {0};
    cr_assert_eq(SO->random(e, 0, key, count, bag_add, &b), AK_OK);
    uint64_t want = count < 0 ? (uint64_t)-count : count < n ? (uint64_t)count : (uint64_t)n;
    cr_assert_eq(b.n, want, "n %d count %lld", n, count);
    if (count > 0)
        cr_assert(bag_distinct(&b));
    for (size_t i = 0; i < b.n; i++)
        cr_assert(has(key, b.v[i]));
    cr_assert_eq(card(key), (uint64_t)n);
    bag_free(&b);
    e->ops->del(e, 0, key);
}

SET_TEST(random_members_positive_distinct_negative_exact)
{
    long long counts[] = {0, 1, 5, 33, 34, 99, 100, 101, -1, -5, -300};
    for (int text = 0; text < 2; text++)
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
            check_random(100, text, counts[i]);
}

SET_TEST(random_members_cover_the_set)
{
    for (int text = 0; text < 2; text++) {
        fill(KEY, 20, text);
        bag b = {0};
        SO->random(e, 0, KEY, -2000, bag_add, &b);
        for (int i = 0; i < 20; i++) {
            char m[24];
            snprintf(m, sizeof m, text ? "t%d" : "%d", i);
            cr_assert(bag_count(&b, m) > 0, "%s never picked", m);
        }
        bag_free(&b);
        e->ops->del(e, 0, KEY);
    }
}

/* ---------------------------------------------------------------- SSCAN */

SET_TEST(scan_of_an_intset_is_one_step)
{
    fill(KEY, 50, 0);
    bag b = {0};
    uint64_t next = 99;
    cr_assert_eq(SO->scan(e, 0, KEY, 777, 1, bag_add, &b, &next), AK_OK);
    cr_assert_eq(next, 0);
    cr_assert_eq(b.n, 50);
    bag_free(&b);
}

SET_TEST(scan_of_a_hashtable_visits_every_member)
{
    fill(KEY, 5000, 1);
    bag b = {0};
    uint64_t cursor = 0;
    int calls = 0;
    do {
        size_t before = b.n;
        cr_assert_eq(SO->scan(e, 0, KEY, cursor, 10, bag_add, &b, &cursor), AK_OK);
        cr_assert(b.n - before <= 200, "one step handed out %zu", b.n - before);
        /* members added during the scan do not break it */
        if (calls % 50 == 0) {
            char m[24];
            snprintf(m, sizeof m, "late%d", calls);
            add1(KEY, m);
        }
        cr_assert(++calls < 100000);
    } while (cursor != 0);
    cr_assert(calls > 10);
    /* one call walks buckets until it has about `count` members */
    bag first = {0};
    cr_assert_eq(SO->scan(e, 0, KEY, 0, 100, bag_add, &first, &cursor), AK_OK);
    cr_assert(first.n >= 100 && first.n < 150, "%zu members", first.n);
    cr_assert_neq(cursor, 0);
    bag_free(&first);
    for (int i = 0; i < 5000; i++) {
        char m[24];
        snprintf(m, sizeof m, "t%d", i);
        cr_assert(bag_count(&b, m) >= 1, "%s not scanned", m);
    }
    bag_free(&b);
}

/* ---------------------------------------------------------------- algebra */

/* Member i of the universe: "t<i>" for odd i in text rounds, else "<i>".
 * ints_only sets pick even members only, so they stay intsets. */
static void make_random_set(ak_slice key, unsigned char *present, int universe, int text,
                            int ints_only)
{
    e->ops->del(e, 0, key);
    for (int i = 0; i < universe; i++) {
        present[i] = xs() % 3 == 0 && !(ints_only && text && i % 2);
        if (present[i]) {
            char m[24];
            snprintf(m, sizeof m, text && i % 2 ? "t%d" : "%d", i);
            add1(key, m);
        }
    }
}

static void check_result(const bag *b, const unsigned char *expect, int universe, int text)
{
    int n = 0;
    for (int i = 0; i < universe; i++) {
        char m[24];
        snprintf(m, sizeof m, text && i % 2 ? "t%d" : "%d", i);
        cr_assert_eq(bag_count(b, m), expect[i], "member %s", m);
        n += expect[i];
    }
    cr_assert_eq(b->n, (size_t)n);
}

/* Random sets over one universe of members (integers only, or integers and
 * texts mixed so that some sets are intsets and others hashtables). */
SET_TEST(algebra_matches_the_model)
{
    enum { U = 200, K = 3 };
    xs_seed(2024);
    ak_slice keys[K] = {S("a"), S("b"), S("c")};
    unsigned char present[K][U], expect[U];
    for (int round = 0; round < 30; round++) {
        int text = round % 2;
        for (int k = 0; k < K; k++)
            make_random_set(keys[k], present[k], U, text, k == round % 3);
        if (text && exists(keys[round % 3]))
            cr_assert_eq(encoding(keys[round % 3]), AK_ENC_INTSET);
        bag b = {0};
        for (int i = 0; i < U; i++)
            expect[i] = present[0][i] & present[1][i] & present[2][i];
        SO->inter(e, 0, keys, K, 0, bag_add, &b);
        check_result(&b, expect, U, text);
        bag_free(&b);
        for (int i = 0; i < U; i++)
            expect[i] = present[0][i] | present[1][i] | present[2][i];
        SO->unite(e, 0, keys, K, bag_add, &b);
        check_result(&b, expect, U, text);
        bag_free(&b);
        for (int i = 0; i < U; i++)
            expect[i] = present[0][i] & !present[1][i] & !present[2][i];
        SO->diff(e, 0, keys, K, bag_add, &b);
        check_result(&b, expect, U, text);
        bag_free(&b);
    }
}

SET_TEST(algebra_with_missing_and_repeated_keys)
{
    fill(S("a"), 10, 0);
    bag b = {0};
    ak_slice k1[2] = {S("a"), S("nosuch")};
    SO->inter(e, 0, k1, 2, 0, bag_add, &b);
    cr_assert_eq(b.n, 0);
    SO->unite(e, 0, k1, 2, bag_add, &b);
    cr_assert_eq(b.n, 10);
    bag_free(&b);
    SO->diff(e, 0, k1, 2, bag_add, &b);
    cr_assert_eq(b.n, 10);
    bag_free(&b);
    ak_slice k2[2] = {S("a"), S("a")};
    SO->diff(e, 0, k2, 2, bag_add, &b);
    cr_assert_eq(b.n, 0);
    SO->inter(e, 0, k2, 2, 0, bag_add, &b);
    cr_assert_eq(b.n, 10);
    bag_free(&b);
    SO->inter(e, 0, k2, 2, 4, bag_add, &b);
    cr_assert_eq(b.n, 4);
    bag_free(&b);
    ak_slice k3[1] = {S("nosuch")};
    cr_assert_eq(SO->diff(e, 0, k3, 1, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 0);
}

SET_TEST(diff_of_a_big_set_against_many_small_ones)
{
    fill(S("big"), 3000, 1);
    ak_slice keys[12];
    char names[12][8];
    keys[0] = S("big");
    for (int i = 1; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "s%d", i);
        keys[i] = S(names[i]);
        char m[24];
        snprintf(m, sizeof m, "t%d", i);
        add1(keys[i], m);
    }
    bag b = {0};
    SO->diff(e, 0, keys, 12, bag_add, &b);
    cr_assert_eq(b.n, 3000 - 11);
    cr_assert_eq(bag_count(&b, "t0"), 1);
    cr_assert_eq(bag_count(&b, "t5"), 0);
    bag_free(&b);
}

/* ---------------------------------------------------------------- large */

SET_TEST(hundred_thousand_members)
{
    enum { N = 100000 };
    ak_slice v[1000];
    char buf[1000][16];
    for (int base = 0; base < N; base += 1000) {
        for (int i = 0; i < 1000; i++) {
            int len = snprintf(buf[i], sizeof buf[i], "member:%d", base + i);
            v[i] = ak_slice_of(buf[i], (size_t)len);
        }
        size_t added;
        cr_assert_eq(SO->add(e, 0, KEY, v, 1000, &added), AK_OK);
        cr_assert_eq(added, 1000);
    }
    cr_assert_eq(card(KEY), N);
    cr_assert(has(KEY, "member:99999"));
    cr_assert(!has(KEY, "member:100000"));
    for (int base = 0; base < N; base += 2000) {
        for (int i = 0; i < 1000; i++) {
            int len = snprintf(buf[i], sizeof buf[i], "member:%d", base + i);
            v[i] = ak_slice_of(buf[i], (size_t)len);
        }
        size_t removed;
        SO->rem(e, 0, KEY, v, 1000, &removed);
        cr_assert_eq(removed, 1000);
    }
    cr_assert_eq(card(KEY), N / 2);
    cr_assert(!has(KEY, "member:0"));
    cr_assert(has(KEY, "member:1000"));
    bag b = {0};
    SO->pop(e, 0, KEY, N / 2 - 10, bag_add, &b);
    cr_assert_eq(b.n, N / 2 - 10);
    cr_assert_eq(card(KEY), 10);
    bag_free(&b);
}

/* ---------------------------------------------------------------- typed C API (aikv.h) */

static aikv_db_t *adb;

static void api_setup(void)
{
    cr_assert_eq(aikv_open(":memory:", NULL, &adb), AIKV_OK);
}

static void api_teardown(void)
{
    aikv_close(adb);
}

TestSuite(set_api, .init = api_setup, .fini = api_teardown);

Test(set_api, sadd_srem_count_what_changed)
{
    const char *m[] = {"a", "b", "a"};
    size_t n = 99;
    cr_assert_eq(aikv_sadd(adb, "k", 1, (const void *const *)m, NULL, 3, &n), AIKV_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(aikv_sadd(adb, "k", 1, (const void *const *)m, NULL, 1, NULL), AIKV_OK);
    uint64_t c = 0;
    cr_assert_eq(aikv_scard(adb, "k", 1, &c), AIKV_OK);
    cr_assert_eq(c, 2);
    const char *r[] = {"a", "zz"};
    cr_assert_eq(aikv_srem(adb, "k", 1, (const void *const *)r, NULL, 2, &n), AIKV_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(aikv_srem(adb, "nosuch", 6, (const void *const *)r, NULL, 2, &n), AIKV_OK);
    cr_assert_eq(n, 0);
}

Test(set_api, binary_members_with_lengths)
{
    const char *m[] = {"x\0y", ""};
    size_t lens[] = {3, 0};
    size_t n = 0;
    cr_assert_eq(aikv_sadd(adb, "k", 1, (const void *const *)m, lens, 2, &n), AIKV_OK);
    cr_assert_eq(n, 2);
    int is = 0;
    cr_assert_eq(aikv_sismember(adb, "k", 1, "x\0y", 3, &is), AIKV_OK);
    cr_assert_eq(is, 1);
    cr_assert_eq(aikv_sismember(adb, "k", 1, "x", 1, &is), AIKV_OK);
    cr_assert_eq(is, 0);
    cr_assert_eq(aikv_sismember(adb, "k", 1, NULL, 0, &is), AIKV_OK);
    cr_assert_eq(is, 1);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_smembers(adb, "k", 1, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 2);
    size_t total = r->element[0]->len + r->element[1]->len;
    cr_assert_eq(total, 3);
    aikv_reply_free(r);
}

Test(set_api, missing_key_is_an_empty_set)
{
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_smembers(adb, "nosuch", 6, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    uint64_t c = 5;
    cr_assert_eq(aikv_scard(adb, "nosuch", 6, &c), AIKV_OK);
    cr_assert_eq(c, 0);
    int is = 5;
    cr_assert_eq(aikv_sismember(adb, "nosuch", 6, "a", 1, &is), AIKV_OK);
    cr_assert_eq(is, 0);
}

Test(set_api, wrong_type_and_misuse)
{
    cr_assert_eq(aikv_set(adb, "str", 3, "v", 1, NULL), AIKV_OK);
    const char *m[] = {"a"};
    size_t n;
    uint64_t c;
    int is;
    aikv_reply_t *r = (aikv_reply_t *)1;
    cr_assert_eq(aikv_sadd(adb, "str", 3, (const void *const *)m, NULL, 1, &n), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_srem(adb, "str", 3, (const void *const *)m, NULL, 1, &n), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_sismember(adb, "str", 3, "a", 1, &is), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_scard(adb, "str", 3, &c), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_smembers(adb, "str", 3, &r), AIKV_WRONGTYPE);
    cr_assert_null(r);
    cr_assert(strstr(aikv_errmsg(adb), "WRONGTYPE"));
    cr_assert_eq(aikv_sadd(adb, "k", 1, (const void *const *)m, NULL, 0, &n), AIKV_MISUSE);
    cr_assert_eq(aikv_sadd(adb, "k", 1, NULL, NULL, 1, &n), AIKV_MISUSE);
    const char *holes[] = {"a", NULL};
    cr_assert_eq(aikv_sadd(adb, "k", 1, (const void *const *)holes, NULL, 2, &n), AIKV_MISUSE);
    cr_assert_eq(aikv_sadd(NULL, "k", 1, (const void *const *)m, NULL, 1, &n), AIKV_MISUSE);
    cr_assert_eq(aikv_scard(adb, "k", 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_smembers(adb, "k", 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_sismember(adb, "k", 1, "a", 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_scard(adb, "k", 1, &c), AIKV_OK);
    cr_assert_eq(c, 0, "a failed call changed nothing");
}

/* rdb_changes_since_last_save from INFO persistence. */
static long long changes(aikv_session_t *s)
{
    aikv_reply_t *r = aikv_command(s, "INFO persistence");
    cr_assert(r && r->str);
    const char *p = strstr(r->str, "rdb_changes_since_last_save:");
    cr_assert_not_null(p);
    long long v = atoll(p + strlen("rdb_changes_since_last_save:"));
    aikv_reply_free(r);
    return v;
}

Test(set_api, only_real_changes_signal_the_key)
{
    aikv_session_t *s = aikv_session_new(adb);
    cr_assert_not_null(s);
    const char *m[] = {"a"};
    size_t n;
    long long before = changes(s);
    aikv_sadd(adb, "k", 1, (const void *const *)m, NULL, 1, &n);
    cr_assert_eq(changes(s), before + 1);
    aikv_sadd(adb, "k", 1, (const void *const *)m, NULL, 1, &n); /* already there */
    const char *z[] = {"zz"};
    aikv_srem(adb, "k", 1, (const void *const *)z, NULL, 1, &n);  /* not there */
    cr_assert_eq(changes(s), before + 1);
    aikv_srem(adb, "k", 1, (const void *const *)m, NULL, 1, &n);
    cr_assert_eq(changes(s), before + 2);
    aikv_session_free(s);
}
