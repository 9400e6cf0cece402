/*
 * test_set.c -- the intset (util/intset.h) on its own; set values of the
 * storage engines through the storage interface (store/set.h): no commands,
 * no sessions; and the typed C API's set calls (aikv.h) on a memory store.
 *
 * The contract of every operation is written once (ENGINE_TEST, see
 * engine_fixture.h) and runs on the memory engine (store/mem/set.c, suite
 * set) and on the SQLite engine (store/sqlite/set.c, suite sqlite_set, a
 * store file of its own under /tmp): WRONGTYPE and missing keys, binary
 * members, the intset/hashtable encodings at their thresholds and the
 * conversions between them (as Redis 7.0 picks them), key order of
 * intsets, SPOP/SRANDMEMBER counts and re-encoding, SSCAN while the set
 * grows, the algebra, 20k- and 100k-member sets, and random streams of
 * operations checked against reference models (a sorted array for the
 * intset; presence flags over a pool of candidate members for sets, with
 * the encoding modelled too). On SQLite the streams also reopen the store
 * now and then.
 *
 * Only for the SQLite engine: persistence across close/reopen, rollback,
 * the order it hands members out in (integers ascending, then bytes), and
 * SSCAN's paging by member hash (COUNT, cursors past the end, runs of equal
 * hashes). Streams are fixed xorshift sequences, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/set.h"
#include "util/clock.h"
#include "util/intset.h"
#include "util/num.h"
#include "engine_fixture.h"

/* ---------------------------------------------------------------- helpers */

/* xs(), xs_seed(): engine_fixture.h. */

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

#define SO (e->ops->set)

static void engine_opened(void)
{
    cr_assert(SO, "the %s engine has no set operations", e->ops->name);
}

ENGINE_SUITES(set, .timeout = 120);

static const ak_slice KEY = {"s", 1};

static int keytype(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    return ki.type;
}

static ak_encoding encoding(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_SET);
    return ki.encoding;
}

static int exists(ak_slice key)
{
    return keytype(key) != AIKV_TYPE_NONE;
}

static size_t addv(ak_slice key, const char *const *m, size_t n)
{
    ak_slice v[64];
    cr_assert(n <= 64);
    for (size_t i = 0; i < n; i++)
        v[i] = S(m[i]);
    size_t added = 99;
    cr_assert_eq(SO->add(e, 0, key, v, n, &added), AK_OK);
    return added;
}

#define ADD(key, ...)                                                     \
    addv(key, (const char *const[]){__VA_ARGS__},                         \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static size_t add1(ak_slice key, const char *m)
{
    return addv(key, &m, 1);
}

static void add_range(ak_slice key, long long from, long long to)
{
    for (long long i = from; i < to; i++) {
        char buf[24];
        ak_slice v = ak_slice_of(buf, ak_ll2str(buf, sizeof buf, i));
        cr_assert_eq(SO->add(e, 0, key, &v, 1, NULL), AK_OK);
    }
}

/* Members "0".."n-1" (text: "t0".."t<n-1>"), one call each. */
static void fill(ak_slice key, int n, int text)
{
    for (int i = 0; i < n; i++) {
        char b[24];
        snprintf(b, sizeof b, text ? "t%d" : "%d", i);
        add1(key, b);
    }
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
    if (m.len)
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

static int bag_count_mem(const bag *b, const char *m, size_t len)
{
    int c = 0;
    for (size_t i = 0; i < b->n; i++)
        c += b->len[i] == len && memcmp(b->v[i], m, len) == 0;
    return c;
}

static int bag_count(const bag *b, const char *m)
{
    return bag_count_mem(b, m, strlen(m));
}

static int bag_distinct(const bag *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (bag_count_mem(b, b->v[i], b->len[i]) != 1)
            return 0;
    return 1;
}

/* The bag is exactly these members, in this order. */
static void bag_is(const bag *b, const char *const *want, size_t n)
{
    cr_assert_eq(b->n, n, "got %zu members, want %zu", b->n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(b->v[i], want[i], "member %zu", i);
}

#define BAG_IS(b, ...)                                                    \
    bag_is(b, (const char *const[]){__VA_ARGS__},                         \
           sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The bag holds exactly these members, in any order. */
static void bag_has_all(const bag *b, const char *const *want, size_t n)
{
    cr_assert_eq(b->n, n, "got %zu members, want %zu", b->n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(bag_count(b, want[i]), 1, "member %s", want[i]);
}

#define BAG_HAS(b, ...)                                                   \
    bag_has_all(b, (const char *const[]){__VA_ARGS__},                    \
                sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The bag holds exactly these members; on SQLite in this order too (its
 * hashtable hands integers out ascending, then the others bytewise). The
 * memory engine's hashtable goes in hash order: any order there. */
#define BAG_IS_ON_SQLITE(b, ...) (is_sqlite() ? BAG_IS(b, __VA_ARGS__) : BAG_HAS(b, __VA_ARGS__))

static bag members_of(ak_slice key)
{
    bag b = {0};
    int rc = SO->members(e, 0, key, bag_add, &b);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    return b;
}

static void count_call(void *ctx, ak_slice m)
{
    (void)m;
    (*(int *)ctx)++;
}

/* ---------------------------------------------------------------- basic operations */

ENGINE_TEST(set, add_creates_the_key_and_counts_new_members)
{
    cr_assert_eq(ADD(KEY, "a", "b", "a"), 2);
    cr_assert_eq(ADD(KEY, "b", "c"), 1);
    cr_assert_eq(keytype(KEY), AIKV_TYPE_SET);
    cr_assert_eq(card(KEY), 3);
    bag b = members_of(KEY);
    BAG_HAS(&b, "a", "b", "c");
    bag_free(&b);
    cr_assert_eq(ADD(KEY, "c", "a"), 0);
    cr_assert_eq(card(KEY), 3);
    size_t added = 99;
    cr_assert_eq(SO->add(e, 0, KEY, NULL, 0, &added), AK_OK);
    cr_assert_eq(added, 0);
    cr_assert_eq(SO->add(e, 0, S("nosuch"), NULL, 0, &added), AK_NOTFOUND);
    cr_assert(!exists(S("nosuch")));
    cr_assert_eq(SO->add(e, 0, S("other"), (ak_slice[]){S("x")}, 1, NULL), AK_OK);
    commit();
}

ENGINE_TEST(set, members_are_binary_safe)
{
    ak_slice v[] = {{"", 0}, {"\0", 1}, {"\0\xff", 2}, {"a b", 3}};
    size_t added;
    cr_assert_eq(SO->add(e, 0, KEY, v, 4, &added), AK_OK);
    cr_assert_eq(added, 4);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    unsigned char is[5];
    ak_slice q[] = {{"", 0}, {"\0", 1}, {"\0\xff", 2}, {"\xff", 1}, {"a b", 3}};
    cr_assert_eq(SO->ismember(e, 0, KEY, q, 5, is), AK_OK);
    cr_assert(is[0] && is[1] && is[2] && !is[3] && is[4]);
    bag b = members_of(KEY);
    cr_assert_eq(b.n, 4);
    cr_assert_eq(bag_count_mem(&b, "", 0), 1);
    cr_assert_eq(bag_count_mem(&b, "\0", 1), 1);
    cr_assert_eq(bag_count_mem(&b, "\0\xff", 2), 1);
    bag_free(&b);
    /* A long member. */
    size_t big = 100000;
    char *m = malloc(big);
    memset(m, 'm', big);
    ak_slice bv = ak_slice_of(m, big);
    cr_assert_eq(SO->add(e, 0, KEY, &bv, 1, &added), AK_OK);
    cr_assert_eq(added, 1);
    cr_assert_eq(SO->ismember(e, 0, KEY, &bv, 1, is), AK_OK);
    cr_assert(is[0]);
    b = members_of(KEY);
    cr_assert_eq(bag_count_mem(&b, m, big), 1);
    bag_free(&b);
    free(m);
    /* The empty member alone makes a hashtable set. */
    ak_slice empty = {"", 0};
    cr_assert_eq(SO->add(e, 0, S("e"), &empty, 1, &added), AK_OK);
    cr_assert_eq(encoding(S("e")), AK_ENC_HASHTABLE);
    b = members_of(S("e"));
    cr_assert_eq(b.n, 1);
    cr_assert_eq(b.len[0], 0);
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, long_members_round_trip)
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

ENGINE_TEST(set, integer_lookalikes_are_distinct_members)
{
    cr_assert_eq(ADD(KEY, "1", "01", "-0", "+1", " 1", "1 ", "1.0"), 7);
    cr_assert_eq(card(KEY), 7);
    ADD(S("i"), "1", "2");
    unsigned char is[5];
    ak_slice q[] = {S("1"), S("01"), S("+1"), S("1.0"), S("2")};
    cr_assert_eq(SO->ismember(e, 0, S("i"), q, 5, is), AK_OK);
    cr_assert(is[0] && !is[1] && !is[2] && !is[3] && is[4]);
    cr_assert_eq(rem1(S("i"), "01"), 0);
    cr_assert_eq(rem1(S("i"), "+1"), 0);
    cr_assert_eq(rem1(KEY, "01"), 1);
    cr_assert(has(KEY, "1"));
    cr_assert_eq(card(KEY), 6);
    commit();
}

ENGINE_TEST(set, rem_counts_present_members_and_deletes_the_empty_key)
{
    ADD(KEY, "a", "b", "c");
    ak_slice v[] = {S("a"), S("a"), S("zz")};
    size_t removed = 99;
    cr_assert_eq(SO->rem(e, 0, KEY, v, 3, &removed), AK_OK);
    cr_assert_eq(removed, 1);
    bag b = members_of(KEY);
    BAG_HAS(&b, "b", "c");
    bag_free(&b);
    ak_slice w[] = {S("b"), S("c"), S("b")};
    cr_assert_eq(SO->rem(e, 0, KEY, w, 3, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    cr_assert(!exists(KEY));
    cr_assert_eq(SO->rem(e, 0, KEY, w, 1, &removed), AK_NOTFOUND);
    cr_assert_eq(removed, 0);
    /* An intset too. */
    add1(S("i"), "5");
    cr_assert_eq(rem1(S("i"), "5"), 1);
    cr_assert(!exists(S("i")));
    commit();
    cr_assert_eq(card(KEY), 0);
}

ENGINE_TEST(set, last_removal_deletes_the_key)
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

ENGINE_TEST(set, missing_key_answers_notfound)
{
    ak_slice k = S("nosuch"), m = S("a");
    unsigned char is = 9;
    uint64_t n = 9, next = 9;
    size_t cnt = 9;
    int calls = 0;
    cr_assert_eq(SO->rem(e, 0, k, &m, 1, &cnt), AK_NOTFOUND);
    cr_assert_eq(cnt, 0);
    cr_assert_eq(SO->ismember(e, 0, k, &m, 1, &is), AK_NOTFOUND);
    cr_assert_eq(is, 0);
    cr_assert_eq(SO->card(e, 0, k, &n), AK_NOTFOUND);
    cr_assert_eq(n, 0);
    cr_assert_eq(SO->members(e, 0, k, count_call, &calls), AK_NOTFOUND);
    cr_assert_eq(SO->random(e, 0, k, 3, count_call, &calls), AK_NOTFOUND);
    cr_assert_eq(SO->random(e, 0, k, -3, count_call, &calls), AK_NOTFOUND);
    cr_assert_eq(SO->pop(e, 0, k, 3, count_call, &calls), AK_NOTFOUND);
    cr_assert_eq(SO->pop(e, 0, k, 0, count_call, &calls), AK_NOTFOUND);
    cr_assert_eq(SO->scan(e, 0, k, 0, 10, count_call, &calls, &next), AK_NOTFOUND);
    cr_assert_eq(next, 0);
    cr_assert_eq(calls, 0);
    cr_assert(!exists(k));
    commit();
}

ENGINE_TEST(set, every_operation_refuses_another_type)
{
    cr_assert_eq(e->ops->str_set(e, 0, S("str"), S("x"), AK_NO_EXPIRE, 0), AK_OK);
    ak_slice k = S("str"), m = S("a");
    unsigned char is = 9;
    uint64_t n = 9, next = 9;
    size_t cnt = 9;
    int calls = 0;
    cr_assert_eq(SO->add(e, 0, k, &m, 1, &cnt), AK_WRONGTYPE);
    cr_assert_eq(cnt, 0);
    cr_assert_eq(SO->add(e, 0, k, &m, 0, &cnt), AK_WRONGTYPE);
    cr_assert_eq(SO->rem(e, 0, k, &m, 1, &cnt), AK_WRONGTYPE);
    cr_assert_eq(SO->ismember(e, 0, k, &m, 1, &is), AK_WRONGTYPE);
    cr_assert_eq(is, 0);
    cr_assert_eq(SO->card(e, 0, k, &n), AK_WRONGTYPE);
    cr_assert_eq(SO->members(e, 0, k, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->random(e, 0, k, 3, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->random(e, 0, k, -3, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->random(e, 0, k, 0, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->pop(e, 0, k, 0, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->pop(e, 0, k, 2, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->pop(e, 0, k, 3, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->scan(e, 0, k, 0, 10, count_call, &calls, &next), AK_WRONGTYPE);
    /* The algebra checks every key before handing anything out. */
    ak_slice keys1[2] = {S("nosuch"), k};
    cr_assert_eq(SO->inter(e, 0, keys1, 2, 0, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->unite(e, 0, keys1, 2, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->diff(e, 0, keys1, 2, count_call, &calls), AK_WRONGTYPE);
    ADD(S("a"), "1", "2");
    ak_slice keys[] = {S("a"), S("nosuch"), k};
    cr_assert_eq(SO->inter(e, 0, keys, 3, 0, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->unite(e, 0, keys, 3, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(SO->diff(e, 0, keys, 3, count_call, &calls), AK_WRONGTYPE);
    ak_slice keys2[] = {k, S("a")};
    cr_assert_eq(SO->diff(e, 0, keys2, 2, count_call, &calls), AK_WRONGTYPE);
    cr_assert_eq(calls, 0);
    ak_slice v;
    cr_assert_eq(e->ops->str_get(e, 0, k, &v), AK_OK);
    cr_assert(v.len == 1 && v.p[0] == 'x');
    commit();
}

ENGINE_TEST(set, members_of_each_database_are_apart)
{
    ak_slice m = S("a");
    cr_assert_eq(SO->add(e, 1, KEY, &m, 1, NULL), AK_OK);
    cr_assert_eq(card(KEY), 0);
    uint64_t n;
    cr_assert_eq(SO->card(e, 1, KEY, &n), AK_OK);
    cr_assert_eq(n, 1);
    commit();
}

ENGINE_TEST(set, expired_set_is_missing)
{
    ADD(KEY, "a", "b");
    cr_assert_eq(e->ops->set_expire(e, 0, KEY, ak_mstime() + 1), AK_OK);
    commit();
    usleep(5000);
    cr_assert_eq(card(KEY), 0);
    cr_assert_eq(add1(KEY, "c"), 1);
    bag b = members_of(KEY);
    BAG_IS(&b, "c");
    bag_free(&b);
    commit();
}

/* Both directions: a change to the source leaves the copy alone, and a
 * change to the copy leaves the source alone. */
ENGINE_TEST(set, copy_and_rename_keep_members_and_encoding)
{
    ADD(S("i"), "3", "1", "2");
    ADD(S("h"), "a", "b", "1");
    cr_assert_eq(e->ops->copy(e, 0, S("i"), 0, S("i2"), 0), 1);
    cr_assert_eq(e->ops->copy(e, 0, S("h"), 0, S("h2"), 0), 1);
    cr_assert_eq(encoding(S("i2")), AK_ENC_INTSET);
    cr_assert_eq(encoding(S("h2")), AK_ENC_HASHTABLE);
    rem1(S("h"), "a");
    cr_assert(has(S("h2"), "a"));
    cr_assert(has(S("h2"), "1"));
    cr_assert(has(S("i2"), "2"));
    add1(S("h2"), "c");
    cr_assert_eq(card(S("h")), 2);
    cr_assert_eq(card(S("h2")), 4);
    cr_assert_eq(e->ops->rename(e, 0, S("i2"), 1, S("moved"), 0), 1);
    uint64_t n;
    cr_assert_eq(SO->card(e, 1, S("moved"), &n), AK_OK);
    cr_assert_eq(n, 3);
    commit();
}

/* ---------------------------------------------------------------- encodings and order */

ENGINE_TEST(set, integer_members_make_an_intset)
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

ENGINE_TEST(set, integer_set_is_an_ascending_intset)
{
    ADD(KEY, "30", "-5", "10", "0");
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    bag b = members_of(KEY);
    BAG_IS(&b, "-5", "0", "10", "30");
    bag_free(&b);
    ADD(S("w"), "1", "40000", "3000000000", "9223372036854775807", "-9223372036854775808",
        "-40000");
    cr_assert_eq(encoding(S("w")), AK_ENC_INTSET);
    b = members_of(S("w"));
    BAG_IS(&b, "-9223372036854775808", "-40000", "1", "40000", "3000000000",
           "9223372036854775807");
    bag_free(&b);
    cr_assert(has(S("w"), "3000000000"));
    cr_assert(!has(S("w"), "2999999999"));
    commit();
}

ENGINE_TEST(set, non_canonical_integers_make_a_hashtable)
{
    static const char *const odd[] = {"01", "-0", "+1", " 1", "1 ", "1.0", "1.5", "a", "abc",
                                      "9223372036854775808", "-9223372036854775809", ""};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%zu", i);
        ADD(S(key), "1", "2");
        cr_assert_eq(encoding(S(key)), AK_ENC_INTSET);
        cr_assert_eq(add1(S(key), odd[i]), 1, "%s", odd[i]);
        cr_assert_eq(encoding(S(key)), AK_ENC_HASHTABLE, "member '%s'", odd[i]);
        cr_assert(has(S(key), odd[i]));
        cr_assert(has(S(key), "1"));
        cr_assert_eq(card(S(key)), 3);
        bag b = members_of(S(key));
        BAG_HAS(&b, "1", "2", odd[i]);
        bag_free(&b);
    }
    ADD(S("t"), "1", "a");
    cr_assert_eq(encoding(S("t")), AK_ENC_HASHTABLE);
    ADD(S("u"), "a", "1");
    cr_assert_eq(encoding(S("u")), AK_ENC_HASHTABLE);
    commit();
}

ENGINE_TEST(set, first_text_member_makes_a_hashtable)
{
    add1(KEY, "x");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
}

ENGINE_TEST(set, intset_converts_past_the_configured_limit)
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

ENGINE_TEST(set, intset_converts_past_max_entries_and_never_back)
{
    add_range(KEY, 0, 512);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(add1(KEY, "511"), 0);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(add1(KEY, "512"), 1);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    cr_assert_eq(card(KEY), 513);
    cr_assert(has(KEY, "300"));
    cr_assert_eq(rem1(KEY, "512"), 1);
    cr_assert_eq(rem1(KEY, "511"), 1);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    /* one add of many members past the limit */
    const char *m[600];
    char buf[600][8];
    for (int i = 0; i < 600; i++) {
        snprintf(buf[i], sizeof buf[i], "%d", i);
        m[i] = buf[i];
    }
    ak_slice v[600];
    for (int i = 0; i < 600; i++)
        v[i] = S(m[i]);
    cr_assert_eq(SO->add(e, 0, S("big"), v, 512, NULL), AK_OK);
    cr_assert_eq(encoding(S("big")), AK_ENC_INTSET);
    cr_assert_eq(SO->add(e, 0, S("big2"), v, 513, NULL), AK_OK);
    cr_assert_eq(encoding(S("big2")), AK_ENC_HASHTABLE);
    ADD(S("h"), "1", "2", "a");
    rem1(S("h"), "a");
    cr_assert_eq(encoding(S("h")), AK_ENC_HASHTABLE);
    commit();
}

ENGINE_TEST(set, limit_zero_means_hashtable_from_the_start)
{
    cfg.set_max_intset_entries = 0;
    add1(KEY, "1");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    cr_assert(has(KEY, "1"));
}

ENGINE_TEST(set, max_intset_entries_applies_at_the_next_write)
{
    ADD(KEY, "1", "2", "3", "4", "5");
    cfg.set_max_intset_entries = 3;
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(add1(KEY, "5"), 0);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(rem1(KEY, "5"), 1);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(add1(KEY, "6"), 1);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    ADD(S("t"), "1", "2", "3");
    cr_assert_eq(encoding(S("t")), AK_ENC_INTSET);
    ADD(S("u"), "1", "2", "3", "4");
    cr_assert_eq(encoding(S("u")), AK_ENC_HASHTABLE);
    cfg.set_max_intset_entries = 0;
    ADD(S("z"), "1");
    cr_assert_eq(encoding(S("z")), AK_ENC_HASHTABLE);
    bag b = members_of(S("z"));
    BAG_IS(&b, "1");
    bag_free(&b);
    commit();
}

/* ---------------------------------------------------------------- SRANDMEMBER */

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

ENGINE_TEST(set, random_members_positive_distinct_negative_exact)
{
    long long counts[] = {0, 1, 5, 33, 34, 99, 100, 101, -1, -5, -300};
    for (int text = 0; text < 2; text++)
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
            check_random(100, text, counts[i]);
}

ENGINE_TEST(set, random_positive_count_is_distinct)
{
    for (int enc = 0; enc < 2; enc++) {
        ak_slice key = enc ? S("h") : S("i");
        add_range(key, 1, 101);
        if (enc)
            add1(key, "x");
        uint64_t size = card(key);
        cr_assert_eq(encoding(key), enc ? AK_ENC_HASHTABLE : AK_ENC_INTSET);
        static const long long counts[] = {1, 2, 10, 33, 34, 60, 99, 100, 101, 1000,
                                           9223372036854775807LL};
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
            bag b = {0};
            cr_assert_eq(SO->random(e, 0, key, counts[i], bag_add, &b), AK_OK);
            uint64_t want = (uint64_t)counts[i] < size ? (uint64_t)counts[i] : size;
            cr_assert_eq(b.n, want, "count %lld", counts[i]);
            cr_assert(bag_distinct(&b));
            for (size_t j = 0; j < b.n; j++)
                cr_assert(has(key, b.v[j]));
            bag_free(&b);
        }
        cr_assert_eq(card(key), size);
    }
    int calls = 0;
    cr_assert_eq(SO->random(e, 0, S("i"), 0, count_call, &calls), AK_OK);
    cr_assert_eq(calls, 0);
    commit();
}

ENGINE_TEST(set, random_whole_intset_is_ascending)
{
    ADD(KEY, "3", "1", "2");
    bag b = {0};
    cr_assert_eq(SO->random(e, 0, KEY, 3, bag_add, &b), AK_OK);
    BAG_IS(&b, "1", "2", "3");
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, random_negative_count_repeats)
{
    ADD(KEY, "a", "b");
    bag b = {0};
    cr_assert_eq(SO->random(e, 0, KEY, -50, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 50);
    int na = bag_count(&b, "a"), nb = bag_count(&b, "b");
    cr_assert_eq(na + nb, 50);
    cr_assert(na > 0 && nb > 0);
    bag_free(&b);
    /* fewer picks than members, and a single pick */
    add_range(S("big"), 0, 1000);
    for (long long c = -1; c >= -999; c = c * 3 - 1) {
        cr_assert_eq(SO->random(e, 0, S("big"), c, bag_add, &b), AK_OK);
        cr_assert_eq(b.n, (size_t)-c);
        for (size_t j = 0; j < b.n; j++) {
            long long v;
            cr_assert(ak_str2ll(b.v[j], b.len[j], &v) && v >= 0 && v < 1000);
        }
        bag_free(&b);
    }
    /* -999 picks of 1000: drawn order, not key order (all but impossible
     * to come out sorted) */
    cr_assert_eq(SO->random(e, 0, S("big"), -999, bag_add, &b), AK_OK);
    int sorted = 1;
    for (size_t j = 1; j < b.n; j++)
        sorted = sorted && atoll(b.v[j - 1]) <= atoll(b.v[j]);
    cr_assert(!sorted);
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, random_members_cover_the_set)
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

ENGINE_TEST(set, random_picks_reach_every_member)
{
    for (int i = 0; i < 20; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add1(KEY, m);
    }
    bag b = {0};
    for (int i = 0; i < 500; i++)
        cr_assert_eq(SO->random(e, 0, KEY, 1, bag_add, &b), AK_OK);
    for (int i = 0; i < 20; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        cr_assert(bag_count(&b, m) > 0, "%s never picked", m);
    }
    bag_free(&b);
    commit();
}

/* ---------------------------------------------------------------- SPOP */

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

ENGINE_TEST(set, pop_hands_out_distinct_members_and_removes_them)
{
    uint64_t counts[] = {0, 1, 2, 10, 50, 83, 84, 99, 100, 1000};
    for (int text = 0; text < 2; text++)
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
            check_pop(100, text, counts[i]);
}

ENGINE_TEST(set, pop_removes_what_it_hands_out)
{
    for (int enc = 0; enc < 2; enc++) {
        ak_slice key = enc ? S("h") : S("i");
        if (enc)
            add1(key, "a");
        add_range(key, 2, 101);
        uint64_t left = card(key);
        static const uint64_t counts[] = {1, 5, 30};
        for (size_t i = 0; i < 3; i++) {
            bag b = {0};
            cr_assert_eq(SO->pop(e, 0, key, counts[i], bag_add, &b), AK_OK);
            cr_assert_eq(b.n, counts[i]);
            cr_assert(bag_distinct(&b));
            for (size_t j = 0; j < b.n; j++)
                cr_assert(!has(key, b.v[j]), "%s still there", b.v[j]);
            left -= counts[i];
            cr_assert_eq(card(key), left);
            bag_free(&b);
        }
        bag b = members_of(key);
        cr_assert_eq(b.n, left);
        bag_free(&b);
    }
    int calls = 0;
    cr_assert_eq(SO->pop(e, 0, S("h"), 0, count_call, &calls), AK_OK);
    cr_assert_eq(calls, 0);
    cr_assert_eq(card(S("h")), 64);
    commit();
}

ENGINE_TEST(set, pop_of_everything_deletes_the_key)
{
    ADD(KEY, "1", "2", "3");
    bag b = {0};
    cr_assert_eq(SO->pop(e, 0, KEY, 3, bag_add, &b), AK_OK);
    BAG_IS(&b, "1", "2", "3");
    bag_free(&b);
    cr_assert(!exists(KEY));
    ADD(KEY, "a", "2", "3");
    cr_assert_eq(SO->pop(e, 0, KEY, 1000, bag_add, &b), AK_OK);
    BAG_HAS(&b, "a", "2", "3");
    bag_free(&b);
    cr_assert(!exists(KEY));
    ADD(KEY, "5");
    cr_assert_eq(SO->pop(e, 0, KEY, 1, bag_add, &b), AK_OK);
    BAG_IS(&b, "5");
    bag_free(&b);
    cr_assert(!exists(KEY));
    commit();
}

ENGINE_TEST(set, large_pop_rebuilds_the_rest_as_an_intset)
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

ENGINE_TEST(set, large_pop_of_an_intset_past_a_lowered_limit_makes_a_hashtable)
{
    fill(KEY, 100, 0);
    cfg.set_max_intset_entries = 3;
    bag b = {0};
    SO->pop(e, 0, KEY, 90, bag_add, &b);
    cr_assert_eq(card(KEY), 10);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    bag_free(&b);
}

ENGINE_TEST(set, large_pop_reencodes_the_rest)
{
    /* Redis rebuilds what remains when remaining * 5 <= count. */
    add_range(KEY, 1, 100);
    add1(KEY, "a");
    rem1(KEY, "a");
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    cr_assert_eq(SO->pop(e, 0, KEY, 90, count_call, &(int){0}), AK_OK);
    cr_assert_eq(encoding(KEY), AK_ENC_INTSET);
    cr_assert_eq(card(KEY), 9);
    bag b = members_of(KEY);
    for (size_t j = 1; j < b.n; j++)
        cr_assert(atoll(b.v[j - 1]) < atoll(b.v[j]));
    bag_free(&b);
    /* a small pop keeps the hashtable */
    add_range(S("h"), 1, 100);
    add1(S("h"), "a");
    rem1(S("h"), "a");
    cr_assert_eq(SO->pop(e, 0, S("h"), 10, count_call, &(int){0}), AK_OK);
    cr_assert_eq(encoding(S("h")), AK_ENC_HASHTABLE);
    /* a non-integer left keeps it a hashtable */
    ADD(S("m"), "a");
    add_range(S("m"), 1, 100);
    while (card(S("m")) > 1)
        cr_assert_eq(SO->pop(e, 0, S("m"), 1, count_call, &(int){0}), AK_OK);
    cr_assert_eq(encoding(S("m")), AK_ENC_HASHTABLE);
    /* too many left for an intset: hashtable, even from an intset */
    add_range(S("j"), 0, 12);
    cr_assert_eq(encoding(S("j")), AK_ENC_INTSET);
    cfg.set_max_intset_entries = 1;
    cr_assert_eq(SO->pop(e, 0, S("j"), 10, count_call, &(int){0}), AK_OK);
    cr_assert_eq(card(S("j")), 2);
    cr_assert_eq(encoding(S("j")), AK_ENC_HASHTABLE);
    commit();
}

/* ---------------------------------------------------------------- SSCAN */

ENGINE_TEST(set, scan_of_an_intset_is_one_step)
{
    fill(KEY, 50, 0);
    bag b = {0};
    uint64_t next = 99;
    cr_assert_eq(SO->scan(e, 0, KEY, 777, 1, bag_add, &b, &next), AK_OK);
    cr_assert_eq(next, 0);
    cr_assert_eq(b.n, 50);
    bag_free(&b);
}

ENGINE_TEST(set, scan_of_an_intset_hands_out_everything)
{
    add_range(KEY, 0, 100);
    bag b = {0};
    uint64_t next = 9;
    cr_assert_eq(SO->scan(e, 0, KEY, 0, 1, bag_add, &b, &next), AK_OK);
    cr_assert_eq(next, 0);
    cr_assert_eq(b.n, 100);
    cr_assert_str_eq(b.v[0], "0");
    cr_assert_str_eq(b.v[99], "99");
    bag_free(&b);
    cr_assert_eq(SO->scan(e, 0, KEY, 12345, 10, bag_add, &b, &next), AK_OK);
    cr_assert_eq(next, 0);
    cr_assert_eq(b.n, 100);
    bag_free(&b);
    commit();
}

static bag scan_all(ak_slice key, uint64_t count, int *calls)
{
    bag b = {0};
    uint64_t cursor = 0;
    *calls = 0;
    do {
        int rc = SO->scan(e, 0, key, cursor, count, bag_add, &b, &cursor);
        cr_assert(rc == AK_OK || (rc == AK_NOTFOUND && cursor == 0 && *calls == 0));
        cr_assert(++*calls < 100000);
    } while (cursor != 0);
    return b;
}

ENGINE_TEST(set, scan_of_a_hashtable_visits_every_member)
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

ENGINE_TEST(set, scan_returns_members_present_throughout_despite_additions)
{
    for (int i = 0; i < 300; i++) {
        char m[16];
        snprintf(m, sizeof m, "keep%d", i);
        add1(KEY, m);
    }
    bag b = {0};
    uint64_t cursor = 0;
    int calls = 0;
    do {
        cr_assert_eq(SO->scan(e, 0, KEY, cursor, 20, bag_add, &b, &cursor), AK_OK);
        calls++;
        for (int i = 0; i < 40; i++) {
            char m[32];
            /* some sort before the cursor, some after */
            snprintf(m, sizeof m, "%s%d_%d", i % 2 ? "new" : "a", calls, i);
            add1(KEY, m);
        }
    } while (cursor != 0 && calls < 10000);
    for (int i = 0; i < 300; i++) {
        char m[16];
        snprintf(m, sizeof m, "keep%d", i);
        cr_assert(bag_count(&b, m) >= 1, "%s missed", m);
    }
    bag_free(&b);
    commit();
}

/* ---------------------------------------------------------------- algebra */

static void abc(void)
{
    ADD(S("a"), "1", "2", "3", "4");      /* intset */
    ADD(S("b"), "2", "3", "5", "x");      /* hashtable */
    ADD(S("c"), "3", "4", "5", "x", "y"); /* hashtable */
}

static bag run_inter(const char *const *k, size_t n, uint64_t limit)
{
    ak_slice keys[16];
    cr_assert(n <= 16);
    for (size_t i = 0; i < n; i++)
        keys[i] = S(k[i]);
    bag b = {0};
    cr_assert_eq(SO->inter(e, 0, keys, n, limit, bag_add, &b), AK_OK);
    return b;
}

static bag run_op(int op, const char *const *k, size_t n)
{
    ak_slice keys[16];
    cr_assert(n <= 16);
    for (size_t i = 0; i < n; i++)
        keys[i] = S(k[i]);
    bag b = {0};
    int rc = op == 0   ? SO->inter(e, 0, keys, n, 0, bag_add, &b)
             : op == 1 ? SO->unite(e, 0, keys, n, bag_add, &b)
                       : SO->diff(e, 0, keys, n, bag_add, &b);
    cr_assert_eq(rc, AK_OK);
    return b;
}

#define KEYS(...) (const char *const[]){__VA_ARGS__}, \
    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

ENGINE_TEST(set, inter)
{
    abc();
    bag b = run_op(0, KEYS("a", "b"));
    BAG_IS(&b, "2", "3");
    bag_free(&b);
    b = run_op(0, KEYS("b", "c"));
    BAG_HAS(&b, "3", "5", "x");
    bag_free(&b);
    b = run_op(0, KEYS("a", "b", "c"));
    BAG_IS(&b, "3");
    bag_free(&b);
    b = run_op(0, KEYS("a"));
    BAG_IS(&b, "1", "2", "3", "4");
    bag_free(&b);
    b = run_op(0, KEYS("a", "a", "a"));
    BAG_IS(&b, "1", "2", "3", "4");
    bag_free(&b);
    b = run_op(0, KEYS("c", "b", "c", "b"));
    BAG_HAS(&b, "3", "5", "x");
    bag_free(&b);
    b = run_op(0, KEYS("a", "nosuch"));
    cr_assert_eq(b.n, 0);
    b = run_op(0, KEYS("nosuch"));
    cr_assert_eq(b.n, 0);
    /* SINTERCARD's limit */
    b = run_inter(KEYS("c"), 2);
    cr_assert_eq(b.n, 2);
    bag_free(&b);
    b = run_inter(KEYS("c"), 100);
    cr_assert_eq(b.n, 5);
    bag_free(&b);
    b = run_inter(KEYS("a", "c"), 1);
    BAG_IS(&b, "3");
    bag_free(&b);
    b = run_inter(KEYS("a", "c"), UINT64_MAX);
    BAG_IS(&b, "3", "4");
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, unite)
{
    abc();
    bag b = run_op(1, KEYS("a", "b"));
    BAG_IS_ON_SQLITE(&b, "1", "2", "3", "4", "5", "x");
    bag_free(&b);
    b = run_op(1, KEYS("a", "nosuch", "c"));
    BAG_HAS(&b, "1", "2", "3", "4", "5", "x", "y");
    bag_free(&b);
    b = run_op(1, KEYS("b", "b"));
    BAG_HAS(&b, "2", "3", "5", "x");
    bag_free(&b);
    b = run_op(1, KEYS("nosuch", "nosuch2"));
    cr_assert_eq(b.n, 0);
    ADD(S("i2"), "10", "-1");
    b = run_op(1, KEYS("a", "i2"));
    BAG_IS_ON_SQLITE(&b, "-1", "1", "2", "3", "4", "10");
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, diff)
{
    abc();
    bag b = run_op(2, KEYS("a", "b"));
    BAG_IS(&b, "1", "4");
    bag_free(&b);
    b = run_op(2, KEYS("a", "b", "c"));
    BAG_IS(&b, "1");
    bag_free(&b);
    b = run_op(2, KEYS("c", "a"));
    BAG_HAS(&b, "5", "x", "y");
    bag_free(&b);
    b = run_op(2, KEYS("a", "nosuch"));
    BAG_IS(&b, "1", "2", "3", "4");
    bag_free(&b);
    b = run_op(2, KEYS("nosuch", "a"));
    cr_assert_eq(b.n, 0);
    b = run_op(2, KEYS("a", "a"));
    cr_assert_eq(b.n, 0);
    b = run_op(2, KEYS("a", "b", "a"));
    cr_assert_eq(b.n, 0);
    b = run_op(2, KEYS("c", "b", "b"));
    BAG_HAS(&b, "4", "y");
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, algebra_with_missing_and_repeated_keys)
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

ENGINE_TEST(set, diff_of_a_big_set_against_many_small_ones)
{
    /* 2000 members against 10 sets of two (one of them from the big set). */
    for (int i = 0; i < 2000; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add1(S("big"), m);
    }
    const char *keys[11] = {"big"};
    char names[10][8];
    for (int i = 0; i < 10; i++) {
        char m[8];
        snprintf(names[i], sizeof names[i], "small%d", i);
        snprintf(m, sizeof m, "m%d", i);
        ADD(S(names[i]), m, "other");
        keys[i + 1] = names[i];
    }
    bag b = run_op(2, keys, 11);
    cr_assert_eq(b.n, 1990);
    cr_assert(bag_distinct(&b));
    for (int i = 0; i < 10; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        cr_assert_eq(bag_count(&b, m), 0);
    }
    bag_free(&b);
    b = run_op(2, KEYS("small0", "big"));
    BAG_IS(&b, "other");
    bag_free(&b);
    /* 3000 members against 11 sets of one. */
    fill(S("big3"), 3000, 1);
    ak_slice k[12];
    char snames[12][8];
    k[0] = S("big3");
    for (int i = 1; i < 12; i++) {
        snprintf(snames[i], sizeof snames[i], "s%d", i);
        k[i] = S(snames[i]);
        char m[24];
        snprintf(m, sizeof m, "t%d", i);
        add1(k[i], m);
    }
    SO->diff(e, 0, k, 12, bag_add, &b);
    cr_assert_eq(b.n, 3000 - 11);
    cr_assert_eq(bag_count(&b, "t0"), 1);
    cr_assert_eq(bag_count(&b, "t5"), 0);
    bag_free(&b);
    commit();
}

ENGINE_TEST(set, algebra_results_stored_back_keep_redis_encodings)
{
    /* What SINTERSTORE & co do: collect, then add to a new key. */
    abc();
    static const struct { int op; const char *k1, *k2; ak_encoding enc; } cases[] = {
        {0, "b", "c", AK_ENC_HASHTABLE}, /* 3 5 x */
        {2, "b", "c", AK_ENC_INTSET},    /* 2 */
        {0, "a", "b", AK_ENC_INTSET},    /* 2 3 */
        {1, "a", "a", AK_ENC_INTSET},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bag b = run_op(cases[i].op, (const char *const[]){cases[i].k1, cases[i].k2}, 2);
        ak_slice v[8];
        for (size_t j = 0; j < b.n; j++)
            v[j] = ak_slice_of(b.v[j], b.len[j]);
        char dst[8];
        snprintf(dst, sizeof dst, "d%zu", i);
        cr_assert_eq(SO->add(e, 0, S(dst), v, b.n, NULL), AK_OK);
        cr_assert_eq(encoding(S(dst)), cases[i].enc, "case %zu", i);
        bag_free(&b);
    }
    commit();
}

ENGINE_TEST(set, inter_of_large_intsets_is_ascending)
{
    for (int i = 0; i < 3000; i += 2) {
        char m[8];
        snprintf(m, sizeof m, "%d", i);
        add1(S("x"), m);
    }
    for (int i = 0; i < 3000; i += 3) {
        char m[8];
        snprintf(m, sizeof m, "%d", i);
        add1(S("y"), m);
    }
    bag b = run_op(0, KEYS("x", "y"));
    cr_assert_eq(b.n, 500);
    cr_assert(bag_distinct(&b));
    for (size_t j = 0; j < b.n; j++) {
        cr_assert_eq(atoll(b.v[j]) % 6, 0, "%s", b.v[j]);
        /* SQLite only: in ascending order (1500 and 1000 members make
         * hashtables, which SQLite hands out in key order; the memory
         * engine's go in hash order). */
        if (is_sqlite())
            cr_assert_eq(atoll(b.v[j]), (long long)j * 6);
    }
    bag_free(&b);
    commit();
}

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
ENGINE_TEST(set, algebra_matches_the_model)
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
        commit();
    }
}

/* ---------------------------------------------------------------- random streams vs a model */

/* One key: a pool of candidate members, integers (intset material) and
 * texts; presence flags and a sticky "converted to a hashtable" flag. */
#define ONE_POOL 400
static char one_pool[ONE_POOL][24];

static void make_one_pool(int ints_only)
{
    for (int i = 0; i < ONE_POOL; i++) {
        if (ints_only || i % 3 != 0)
            ak_ll2str(one_pool[i], sizeof one_pool[i], (long long)(i * 7919) - 1000000 * (i % 5));
        else
            snprintf(one_pool[i], sizeof one_pool[i], "m:%d", i);
    }
}

static int one_pool_is_int(int i)
{
    long long ll;
    return ak_str2ll(one_pool[i], strlen(one_pool[i]), &ll);
}

typedef struct one_model {
    unsigned char present[ONE_POOL];
    uint64_t n;
    int ht; /* converted to a hashtable (sticky until the key goes) */
} one_model;

static void one_model_check(const one_model *md, ak_slice key)
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
        for (int j = 0; j < ONE_POOL && found < 0; j++)
            if (strcmp(one_pool[j], b.v[i]) == 0)
                found = j;
        cr_assert(found >= 0 && md->present[found], "unexpected member %s", b.v[i]);
    }
    cr_assert(bag_distinct(&b));
    bag_free(&b);
}

static void one_key_stream(int ints_only, uint64_t seed)
{
    make_one_pool(ints_only);
    xs_seed(seed);
    cfg.set_max_intset_entries = 64;
    one_model md = {{0}, 0, 0};
    for (int step = 0; step < 6000; step++) {
        int i = (int)(xs() % ONE_POOL);
        switch (xs() % 6) {
        case 0:
        case 1:
        case 2: {
            size_t added = add1(KEY, one_pool[i]);
            cr_assert_eq(added, !md.present[i], "add %s", one_pool[i]);
            if (!md.present[i]) {
                md.present[i] = 1;
                md.n++;
                if (!one_pool_is_int(i) || md.n > (uint64_t)cfg.set_max_intset_entries)
                    md.ht = 1;
            }
            break;
        }
        case 3:
        case 4: {
            size_t removed = rem1(KEY, one_pool[i]);
            cr_assert_eq(removed, md.present[i], "rem %s", one_pool[i]);
            if (md.present[i]) {
                md.present[i] = 0;
                if (--md.n == 0)
                    md.ht = 0;
            }
            break;
        }
        default:
            cr_assert_eq(has(KEY, one_pool[i]), md.present[i], "ismember %s", one_pool[i]);
        }
        if (step % 97 == 0)
            one_model_check(&md, KEY);
        if (step % 500 == 0)
            commit();
    }
    one_model_check(&md, KEY);
}

ENGINE_TEST(set, random_operations_on_integers_match_the_model)
{
    one_key_stream(1, 777);
}

ENGINE_TEST(set, random_operations_on_mixed_members_match_the_model)
{
    one_key_stream(0, 4242);
}

/* Three keys and every operation, with set-max-intset-entries changing on
 * the way (the encoding is modelled too). */
enum { NKEYS = 3, POOL = 40 };

static const char *pool[POOL];
static size_t pool_len[POOL];

static void pool_init(void)
{
    static char buf[POOL][16];
    static const char *const fixed[] = {"01", "+1", "-0", "", "a", "b", "c", "x y",
                                        "9223372036854775807", "-9223372036854775808",
                                        "9223372036854775808", "zz"};
    size_t nf = sizeof fixed / sizeof *fixed, i;
    for (i = 0; i < nf; i++) {
        pool[i] = fixed[i];
        pool_len[i] = strlen(fixed[i]);
    }
    for (int v = -8; i < POOL; i++, v++) {
        snprintf(buf[i], sizeof buf[i], "%d", v * 7);
        pool[i] = buf[i];
        pool_len[i] = strlen(buf[i]);
    }
    /* a member with a NUL byte */
    pool[11] = "z\0z";
    pool_len[11] = 3;
}

static int pool_index(ak_slice m)
{
    for (int i = 0; i < POOL; i++)
        if (pool_len[i] == m.len && memcmp(pool[i], m.p, m.len) == 0)
            return i;
    return -1;
}

static int pool_is_int(int i)
{
    long long v;
    return pool_len[i] > 0 && pool_len[i] <= 20 && ak_str2ll(pool[i], pool_len[i], &v);
}

typedef struct model {
    unsigned char in[NKEYS][POOL];
    int count[NKEYS];
    ak_encoding enc[NKEYS];
} model;

static const char *const knames[NKEYS + 1] = {"k0", "k1", "k2", "missing"};

/* A bag of members (from the engine) vs the model's flags. */
static void bag_matches(const bag *b, const unsigned char *want, const char *what)
{
    unsigned char seen[POOL] = {0};
    size_t expect = 0;
    for (int i = 0; i < POOL; i++)
        expect += want[i];
    cr_assert_eq(b->n, expect, "%s: %zu members, want %zu", what, b->n, expect);
    for (size_t j = 0; j < b->n; j++) {
        int i = pool_index(ak_slice_of(b->v[j], b->len[j]));
        cr_assert(i >= 0 && want[i] && !seen[i], "%s: unexpected member '%s'", what, b->v[j]);
        seen[i] = 1;
    }
}

static void check_key(const model *md, int k)
{
    ak_slice key = S(knames[k]);
    cr_assert_eq(card(key), (uint64_t)md->count[k]);
    if (md->count[k] == 0) {
        cr_assert(!exists(key), "%s should be gone", knames[k]);
        return;
    }
    cr_assert_eq(encoding(key), md->enc[k], "%s encoding", knames[k]);
    bag b = members_of(key);
    bag_matches(&b, md->in[k], knames[k]);
    if (md->enc[k] == AK_ENC_INTSET)
        for (size_t j = 1; j < b.n; j++)
            cr_assert(atoll(b.v[j - 1]) < atoll(b.v[j]), "intset order");
    bag_free(&b);
}

static void model_add(model *md, int k, const int *idx, size_t n, int64_t max)
{
    if (md->count[k] == 0)
        md->enc[k] = pool_is_int(idx[0]) ? AK_ENC_INTSET : AK_ENC_HASHTABLE;
    for (size_t i = 0; i < n; i++) {
        int added = !md->in[k][idx[i]];
        if (md->enc[k] == AK_ENC_INTSET && !pool_is_int(idx[i]))
            md->enc[k] = AK_ENC_HASHTABLE;
        md->in[k][idx[i]] = 1;
        md->count[k] += added;
        if (added && md->enc[k] == AK_ENC_INTSET && md->count[k] > max)
            md->enc[k] = AK_ENC_HASHTABLE;
    }
}

static void model_after_pop(model *md, int k, uint64_t popped, int64_t max)
{
    if ((uint64_t)md->count[k] * 5 > popped || md->count[k] == 0)
        return;
    int want = md->count[k] <= max, all_ints = 1;
    for (int i = 0; i < POOL; i++)
        if (md->in[k][i] && !pool_is_int(i))
            all_ints = 0;
    if (md->enc[k] == AK_ENC_INTSET)
        md->enc[k] = want ? AK_ENC_INTSET : AK_ENC_HASHTABLE;
    else if (want && all_ints)
        md->enc[k] = AK_ENC_INTSET;
}

ENGINE_TEST(set, random_operations_match_a_model)
{
    pool_init();
    xs_seed(4242);
    model md;
    memset(&md, 0, sizeof md);
    for (int step = 0; step < 20000; step++) {
        if (step % 2000 == 1000)
            cfg.set_max_intset_entries = (long long)(xs() % 12);
        int64_t max = cfg.set_max_intset_entries;
        int k = (int)(xs() % NKEYS);
        ak_slice key = S(knames[k]);
        uint64_t r = xs() % 100;
        if (r < 35) {
            int idx[6];
            ak_slice v[6];
            size_t n = 1 + xs() % 6;
            size_t expect = 0;
            unsigned char fresh[POOL];
            memcpy(fresh, md.in[k], POOL);
            for (size_t i = 0; i < n; i++) {
                idx[i] = (int)(xs() % POOL);
                v[i] = ak_slice_of(pool[idx[i]], pool_len[idx[i]]);
                if (!fresh[idx[i]]) {
                    fresh[idx[i]] = 1;
                    expect++;
                }
            }
            size_t added;
            cr_assert_eq(SO->add(e, 0, key, v, n, &added), AK_OK);
            cr_assert_eq(added, expect, "step %d add", step);
            model_add(&md, k, idx, n, max);
        } else if (r < 55) {
            ak_slice v[4];
            int idx[4];
            size_t n = 1 + xs() % 4, expect = 0;
            for (size_t i = 0; i < n; i++) {
                idx[i] = (int)(xs() % POOL);
                v[i] = ak_slice_of(pool[idx[i]], pool_len[idx[i]]);
            }
            for (size_t i = 0; i < n; i++)
                if (md.in[k][idx[i]]) {
                    md.in[k][idx[i]] = 0;
                    md.count[k]--;
                    expect++;
                }
            size_t removed;
            int rc = SO->rem(e, 0, key, v, n, &removed);
            cr_assert_eq(removed, expect, "step %d rem", step);
            cr_assert(rc == AK_OK || (rc == AK_NOTFOUND && expect == 0));
        } else if (r < 62) {
            ak_slice v[POOL];
            unsigned char is[POOL];
            for (int i = 0; i < POOL; i++)
                v[i] = ak_slice_of(pool[i], pool_len[i]);
            SO->ismember(e, 0, key, v, POOL, is);
            for (int i = 0; i < POOL; i++)
                cr_assert_eq(is[i], md.in[k][i], "step %d ismember %d", step, i);
        } else if (r < 72) {
            uint64_t count = xs() % 6;
            if (xs() % 8 == 0)
                count = (uint64_t)md.count[k] - (uint64_t)(md.count[k] > 2);
            bag b = {0};
            int rc = SO->pop(e, 0, key, count, bag_add, &b);
            cr_assert_eq(rc, md.count[k] ? AK_OK : AK_NOTFOUND);
            uint64_t want = count < (uint64_t)md.count[k] ? count : (uint64_t)md.count[k];
            cr_assert_eq(b.n, want, "step %d pop", step);
            for (size_t j = 0; j < b.n; j++) {
                int i = pool_index(ak_slice_of(b.v[j], b.len[j]));
                cr_assert(i >= 0 && md.in[k][i], "step %d popped a stranger", step);
                md.in[k][i] = 0;
                md.count[k]--;
            }
            if (count > 0)
                model_after_pop(&md, k, count, max);
            bag_free(&b);
        } else if (r < 80) {
            long long count = (long long)(xs() % 13) - 6;
            bag b = {0};
            int rc = SO->random(e, 0, key, count, bag_add, &b);
            cr_assert_eq(rc, md.count[k] ? AK_OK : AK_NOTFOUND);
            size_t want = !md.count[k] ? 0
                          : count < 0   ? (size_t)-count
                          : (size_t)(count < md.count[k] ? count : md.count[k]);
            cr_assert_eq(b.n, want, "step %d random %lld", step, count);
            if (count > 0)
                cr_assert(bag_distinct(&b));
            for (size_t j = 0; j < b.n; j++) {
                int i = pool_index(ak_slice_of(b.v[j], b.len[j]));
                cr_assert(i >= 0 && md.in[k][i], "step %d random stranger", step);
            }
            bag_free(&b);
        } else if (r < 95) {
            /* algebra over 1..4 keys, with repeats and a missing one */
            int op = (int)(xs() % 3);
            size_t n = 1 + xs() % 4;
            int ks[4];
            ak_slice keys[4];
            for (size_t i = 0; i < n; i++) {
                ks[i] = (int)(xs() % (NKEYS + 1));
                keys[i] = S(knames[ks[i]]);
            }
            unsigned char want[POOL];
            for (int m = 0; m < POOL; m++) {
                int in0 = ks[0] < NKEYS && md.in[ks[0]][m], all = in0, any = in0, rest = 0;
                for (size_t i = 1; i < n; i++) {
                    int x = ks[i] < NKEYS && md.in[ks[i]][m];
                    all = all && x;
                    any = any || x;
                    rest = rest || x;
                }
                want[m] = (unsigned char)(op == 0 ? all : op == 1 ? any : in0 && !rest);
            }
            uint64_t limit = op == 0 && xs() % 3 == 0 ? 1 + xs() % 3 : 0;
            bag b = {0};
            int rc = op == 0   ? SO->inter(e, 0, keys, n, limit, bag_add, &b)
                     : op == 1 ? SO->unite(e, 0, keys, n, bag_add, &b)
                               : SO->diff(e, 0, keys, n, bag_add, &b);
            cr_assert_eq(rc, AK_OK);
            if (limit) {
                size_t full = 0;
                for (int m = 0; m < POOL; m++)
                    full += want[m];
                cr_assert_eq(b.n, full < limit ? full : limit, "step %d limit", step);
                cr_assert(bag_distinct(&b));
                for (size_t j = 0; j < b.n; j++) {
                    int i = pool_index(ak_slice_of(b.v[j], b.len[j]));
                    cr_assert(i >= 0 && want[i]);
                }
            } else {
                bag_matches(&b, want, "algebra");
            }
            bag_free(&b);
        } else {
            int calls;
            bag b = scan_all(key, 1 + xs() % 5, &calls);
            bag_matches(&b, md.in[k], "scan");
            bag_free(&b);
        }
        if (step % 50 == 0)
            commit();
        if (step % 4000 == 3999)
            persist_point();
        if (step % 97 == 0)
            for (int i = 0; i < NKEYS; i++)
                check_key(&md, i);
    }
    for (int i = 0; i < NKEYS; i++)
        check_key(&md, i);
    commit();
}

/* ---------------------------------------------------------------- larger sets */

ENGINE_TEST(set, twenty_thousand_members)
{
    enum { N = 20000 };
    char (*names)[12] = malloc(N * sizeof *names);
    ak_slice *v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "m%d", i);
        v[i] = S(names[i]);
    }
    size_t added;
    for (int i = 0; i < N; i += 1000) {
        cr_assert_eq(SO->add(e, 0, KEY, v + i, 1000, &added), AK_OK);
        cr_assert_eq(added, 1000);
    }
    commit();
    cr_assert_eq(card(KEY), N);
    cr_assert_eq(encoding(KEY), AK_ENC_HASHTABLE);
    bag b = members_of(KEY);
    cr_assert_eq(b.n, N);
    bag_free(&b);
    int calls;
    b = scan_all(KEY, 100, &calls);
    cr_assert_eq(b.n, N);
    cr_assert(calls <= N / 100 && calls > 1);
    bag_free(&b);
    /* remove the even ones */
    ak_slice *even = malloc(N / 2 * sizeof *even);
    for (int i = 0; i < N / 2; i++)
        even[i] = v[2 * i];
    size_t removed;
    cr_assert_eq(SO->rem(e, 0, KEY, even, N / 2, &removed), AK_OK);
    cr_assert_eq(removed, N / 2);
    cr_assert_eq(card(KEY), N / 2);
    cr_assert(has(KEY, "m1"));
    cr_assert(!has(KEY, "m2"));
    /* the algebra against a small set, both ways */
    ADD(S("small"), "m1", "m2", "m3", "zz");
    b = run_op(0, KEYS("small", "s"));
    BAG_HAS(&b, "m1", "m3");
    bag_free(&b);
    b = run_op(2, KEYS("s", "small"));
    cr_assert_eq(b.n, N / 2 - 2);
    bag_free(&b);
    b = run_op(2, KEYS("small", "s"));
    BAG_HAS(&b, "m2", "zz");
    bag_free(&b);
    b = run_op(1, KEYS("small", "s"));
    cr_assert_eq(b.n, N / 2 + 2);
    cr_assert(bag_distinct(&b));
    bag_free(&b);
    /* random picks and pops */
    b = (bag){0};
    cr_assert_eq(SO->random(e, 0, KEY, 100, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 100);
    cr_assert(bag_distinct(&b));
    bag_free(&b);
    cr_assert_eq(SO->random(e, 0, KEY, -3000, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 3000);
    bag_free(&b);
    cr_assert_eq(SO->pop(e, 0, KEY, 1000, bag_add, &b), AK_OK);
    cr_assert_eq(b.n, 1000);
    cr_assert(bag_distinct(&b));
    bag_free(&b);
    cr_assert_eq(card(KEY), N / 2 - 1000);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(SO->pop(e, 0, KEY, 1, count_call, &(int){0}), AK_OK);
    cr_assert_eq(card(KEY), N / 2 - 1100);
    commit();
    persist_point();
    b = members_of(KEY);
    cr_assert_eq(b.n, N / 2 - 1100);
    cr_assert(bag_distinct(&b));
    bag_free(&b);
    free(even);
    free(v);
    free(names);
    commit();
}

ENGINE_TEST(set, hundred_thousand_members)
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

/* ---------------------------------------------------------------- SQLite engine only */

/* SQLite's hashtable hands members out in key order: integers ascending,
 * then the others bytewise. The memory engine's goes in hash order. */
SQLITE_TEST(set, hashtable_lists_integers_first_ascending)
{
    ADD(KEY, "b", "10", "a", "-3", "2");
    bag b = members_of(KEY);
    BAG_IS(&b, "-3", "2", "10", "a", "b");
    bag_free(&b);
    commit();
}

/* SSCAN on SQLite pages by member hash: the cursor is the hash to go on
 * from, a step hands out at least COUNT members (and at least 1/256 of the
 * set), and a cursor past every hash finishes. The memory engine's cursor
 * is a dict bucket walk with none of these numbers. */
SQLITE_TEST(set, scan_of_a_hashtable_pages_through)
{
    for (int i = 0; i < 1000; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add1(KEY, m);
    }
    static const uint64_t counts[] = {0, 1, 10, 100, 999, 1000, 5000, UINT64_MAX};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int calls;
        bag b = scan_all(KEY, counts[c], &calls);
        cr_assert_eq(b.n, 1000, "count %llu", (unsigned long long)counts[c]);
        cr_assert(bag_distinct(&b));
        /* at least COUNT a step (more for a large set: 1/256 of it) */
        uint64_t per = counts[c] ? counts[c] : 1;
        cr_assert((uint64_t)calls <= (per >= 1000 ? 1 : (1000 + per - 1) / per));
        cr_assert(calls > 1 || per >= 1000);
        bag_free(&b);
    }
    /* any cursor is a place to go on from; one past every hash (63 bits)
     * finishes the scan */
    bag b = {0};
    uint64_t next = 9;
    cr_assert_eq(SO->scan(e, 0, KEY, 5000, 10, bag_add, &b, &next), AK_OK);
    cr_assert(b.n >= 10);
    bag_free(&b);
    static const uint64_t past[] = {(uint64_t)INT64_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(SO->scan(e, 0, KEY, past[i], 10, bag_add, &b, &next), AK_OK);
        cr_assert_eq(next, 0);
        cr_assert_eq(b.n, 0);
    }
    /* a step never hands out less than 1/256 of the set */
    for (int i = 1000; i < 6000; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add1(KEY, m);
    }
    cr_assert_eq(SO->scan(e, 0, KEY, 0, 1, bag_add, &b, &next), AK_OK);
    cr_assert(b.n >= 6000 / 256 && next != 0);
    bag_free(&b);
    int calls;
    b = scan_all(KEY, 1, &calls);
    cr_assert_eq(b.n, 6000);
    cr_assert(bag_distinct(&b));
    cr_assert(calls <= 6000 / (6000 / 256) + 1);
    bag_free(&b);
    commit();
}

/* A deliberately weak member hash (1..3 from the length), registered on
 * the connection before the engine registers its own, so that a scan meets
 * long runs of equal hashes. */
static void weak_hash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int64(cx, 1 + sqlite3_value_bytes(argv[0]) % 3);
}

SQLITE_TEST(set, scan_hands_out_every_member_of_a_run_of_equal_hashes)
{
    cr_assert_eq(sqlite3_create_function_v2(SQ(e)->db, "aikv_member_hash", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, weak_hash,
                                            NULL, NULL, NULL),
                 SQLITE_OK);
    char m[64];
    for (int i = 0; i < 300; i++) {
        snprintf(m, sizeof m, "%.*s%d", i % 7, "xxxxxxx", i);
        add1(KEY, m);
    }
    for (uint64_t count = 1; count <= 400; count = count * 3 + 1) {
        int calls;
        bag b = scan_all(KEY, count, &calls);
        cr_assert(calls <= 3, "%d calls", calls); /* one per distinct hash at most */
        for (int i = 0; i < 300; i++) {
            snprintf(m, sizeof m, "%.*s%d", i % 7, "xxxxxxx", i);
            cr_assert(bag_count(&b, m) >= 1, "%s missed with COUNT %llu", m,
                      (unsigned long long)count);
        }
        bag_free(&b);
    }
    commit();
}

SQLITE_TEST(set, sets_survive_close_and_reopen)
{
    ADD(S("i"), "3", "1", "2");
    ADD(S("h"), "a", "1", "");
    add_range(S("big"), 0, 600);
    reopen();
    cr_assert_eq(encoding(S("i")), AK_ENC_INTSET);
    cr_assert_eq(encoding(S("h")), AK_ENC_HASHTABLE);
    cr_assert_eq(encoding(S("big")), AK_ENC_HASHTABLE);
    bag b = members_of(S("i"));
    BAG_IS(&b, "1", "2", "3");
    bag_free(&b);
    b = members_of(S("h"));
    BAG_HAS(&b, "1", "a", "");
    bag_free(&b);
    cr_assert_eq(card(S("big")), 600);
    cr_assert(has(S("big"), "599"));
    /* Changes after reopening persist too. */
    cr_assert_eq(rem1(S("i"), "2"), 1);
    cr_assert_eq(SO->pop(e, 0, S("big"), 100, count_call, &(int){0}), AK_OK);
    reopen();
    b = members_of(S("i"));
    BAG_IS(&b, "1", "3");
    bag_free(&b);
    cr_assert_eq(card(S("big")), 500);
    b = members_of(S("big"));
    cr_assert_eq(b.n, 500);
    bag_free(&b);
}

SQLITE_TEST(set, rollback_undoes_changes)
{
    ADD(KEY, "a", "b");
    commit();
    ADD(KEY, "c");
    rem1(KEY, "a");
    ADD(S("new"), "1");
    e->ops->rollback(e);
    cr_assert(!exists(S("new")));
    bag b = members_of(KEY);
    BAG_HAS(&b, "a", "b");
    bag_free(&b);
    cr_assert_eq(card(KEY), 2);
    commit();
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
