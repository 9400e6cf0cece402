/*
 * test_zset.c -- sorted-set values of the memory engine (store/mem/zset.c)
 * through the storage interface (store/zset.h), on their own: no commands,
 * no sessions.
 *
 * Both encodings are exercised: the default thresholds keep small sets in a
 * listpack, zset-max-listpack-entries 0 puts every set in the skiplist.
 * Random streams of operations are checked against a reference model (a
 * sorted array searched linearly), and the skiplist's invariants (order,
 * spans, backward links, the member dict) are verified along the way with
 * mem_zset_check(). The random streams are fixed xorshift sequences, so a
 * failure reproduces.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "store/store.h"
#include "store/zset.h"

int mem_zset_check(ak_engine *e, int db, ak_slice key);

/* ---------------------------------------------------------------- fixture */

static ak_config cfg;
static ak_engine *e;
static const struct ak_zset_ops *Z;

static void setup(void)
{
    ak_config_defaults(&cfg);
    e = ak_mem_engine_new(2);
    e->cfg = &cfg;
    Z = e->ops->zset;
    cr_assert(Z, "the memory engine has no zset operations");
}

static void teardown(void)
{
    e->ops->close(e);
    ak_config_free(&cfg);
}

TestSuite(zset, .init = setup, .fini = teardown);

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

static const ak_slice KEY = {"z", 1};

static int add(const char *m, double score, unsigned flags, ak_zadd_result *res)
{
    ak_zelem el = {S(m), score};
    ak_zadd_result tmp;
    return Z->add(e, 0, KEY, &el, 1, flags, res ? res : &tmp);
}

static void add_ok(const char *m, double score)
{
    cr_assert_eq(add(m, score, 0, NULL), AK_OK);
}

static ak_encoding encoding(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_ZSET);
    return ki.encoding;
}

static int key_exists(ak_slice key)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    return ki.type != AIKV_TYPE_NONE;
}

static size_t card(ak_slice key)
{
    size_t n = 0;
    int rc = Z->card(e, 0, key, &n);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    return n;
}

static int score_of(const char *m, double *s)
{
    ak_slice mm = S(m);
    unsigned char found = 0;
    Z->score(e, 0, KEY, &mm, 1, s, &found);
    return found;
}

static void check(ak_slice key)
{
    int rc = mem_zset_check(e, 0, key);
    cr_assert_eq(rc, 0, "zset invariant %d broken", rc);
}

/* Collected output of a range/pop/random call. */
typedef struct out {
    char m[4096][24];
    double s[4096];
    size_t n;
} out;

static out got;

static void collect(void *ctx, ak_slice m, double score)
{
    out *o = ctx;
    cr_assert_lt(o->n, 4096);
    cr_assert_lt(m.len, 24);
    memcpy(o->m[o->n], m.p, m.len);
    o->m[o->n][m.len] = '\0';
    o->s[o->n++] = score;
}

static ak_zrange by_rank(long long start, long long stop, int rev)
{
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = AK_ZBY_RANK;
    r.start = start;
    r.stop = stop;
    r.rev = rev;
    r.limit = -1;
    return r;
}

static ak_zrange by_score(double min, int minex, double max, int maxex, int rev, long long off,
                          long long lim)
{
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = AK_ZBY_SCORE;
    r.score = (ak_zscore_range){min, max, minex, maxex};
    r.rev = rev;
    r.offset = off;
    r.limit = lim;
    return r;
}

static ak_zlex_bound lexb(const char *s)
{
    ak_zlex_bound b = {AK_ZLEX_VALUE, 0, {NULL, 0}};
    if (!strcmp(s, "-") || !strcmp(s, "+")) {
        b.inf = s[0] == '-' ? AK_ZLEX_NEG_INF : AK_ZLEX_POS_INF;
        b.ex = 1;
    } else {
        b.ex = s[0] == '(';
        b.v = ak_slice_of(s + 1, strlen(s) - 1);
    }
    return b;
}

static ak_zrange by_lex(const char *min, const char *max, int rev, long long off, long long lim)
{
    ak_zrange r;
    memset(&r, 0, sizeof r);
    r.by = AK_ZBY_LEX;
    r.lex.min = lexb(min);
    r.lex.max = lexb(max);
    r.rev = rev;
    r.offset = off;
    r.limit = lim;
    return r;
}

static void range(ak_slice key, ak_zrange r)
{
    got.n = 0;
    int rc = Z->range(e, 0, key, &r, collect, &got);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
}

static void expect_members(const char *want)
{
    char buf[8192] = "";
    for (size_t i = 0; i < got.n; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, got.m[i]);
    }
    cr_assert_str_eq(buf, want);
}

/* Both encodings run the same scenario. */
static void use_skiplist(void)
{
    cfg.zset_max_listpack_entries = 0;
}

/* ---------------------------------------------------------------- basics */

static void scenario_basic(ak_encoding want)
{
    add_ok("b", 2);
    add_ok("a", 1);
    add_ok("c", 3);
    add_ok("bb", 2);
    cr_assert_eq(encoding(KEY), want);
    cr_assert_eq(card(KEY), 4);
    double s;
    cr_assert(score_of("bb", &s));
    cr_assert_eq(s, 2);
    cr_assert_not(score_of("nope", &s));
    range(KEY, by_rank(0, -1, 0));
    expect_members("a b bb c");
    range(KEY, by_rank(0, -1, 1));
    expect_members("c bb b a");
    range(KEY, by_rank(1, 2, 0));
    expect_members("b bb");
    range(KEY, by_rank(-2, 100, 1));
    expect_members("b a");
    range(KEY, by_rank(5, 10, 0));
    expect_members("");
    range(KEY, by_rank(-100, 0, 0));
    expect_members("a");
    int found;
    size_t rank;
    cr_assert_eq(Z->rank(e, 0, KEY, S("bb"), 0, &found, &rank, &s), AK_OK);
    cr_assert(found && rank == 2 && s == 2);
    cr_assert_eq(Z->rank(e, 0, KEY, S("bb"), 1, &found, &rank, &s), AK_OK);
    cr_assert(found && rank == 1);
    cr_assert_eq(Z->rank(e, 0, KEY, S("zz"), 0, &found, &rank, &s), AK_OK);
    cr_assert_not(found);
    check(KEY);
}

Test(zset, small_set_is_a_listpack_ordered_by_score_then_member)
{
    scenario_basic(AK_ENC_LISTPACK);
}

Test(zset, skiplist_orders_by_score_then_member)
{
    use_skiplist();
    scenario_basic(AK_ENC_SKIPLIST);
}

Test(zset, missing_key_answers_notfound_and_empty)
{
    size_t n = 9;
    cr_assert_eq(Z->card(e, 0, KEY, &n), AK_NOTFOUND);
    cr_assert_eq(n, 0);
    range(KEY, by_rank(0, -1, 0));
    cr_assert_eq(got.n, 0);
    size_t removed = 9;
    ak_slice m = S("a");
    cr_assert_eq(Z->rem(e, 0, KEY, &m, 1, &removed), AK_NOTFOUND);
    cr_assert_eq(removed, 0);
    cr_assert_not(key_exists(KEY));
}

Test(zset, other_type_is_wrongtype)
{
    e->ops->str_set(e, 0, KEY, S("v"), AK_NO_EXPIRE, 0);
    size_t n;
    cr_assert_eq(Z->card(e, 0, KEY, &n), AK_WRONGTYPE);
    cr_assert_eq(add("a", 1, 0, NULL), AK_WRONGTYPE);
    ak_zrange r = by_rank(0, -1, 0);
    cr_assert_eq(Z->range(e, 0, KEY, &r, collect, &got), AK_WRONGTYPE);
}

/* ---------------------------------------------------------------- conversions */

Test(zset, converts_to_skiplist_past_max_entries)
{
    cfg.zset_max_listpack_entries = 4;
    for (int i = 0; i < 4; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add_ok(m, i);
    }
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    add_ok("m0", 10); /* an update never converts */
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    add_ok("m4", 4);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    check(KEY);
    range(KEY, by_rank(0, -1, 0));
    expect_members("m1 m2 m3 m4 m0");
    /* Shrinking back does not convert back. */
    size_t removed;
    ak_slice ms[3] = {S("m1"), S("m2"), S("m3")};
    Z->rem(e, 0, KEY, ms, 3, &removed);
    cr_assert_eq(removed, 3);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
}

Test(zset, converts_to_skiplist_for_a_long_member)
{
    cfg.zset_max_listpack_value = 8;
    add_ok("12345678", 1);
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    add_ok("123456789", 2);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    range(KEY, by_rank(0, -1, 0));
    expect_members("12345678 123456789");
    check(KEY);
}

Test(zset, new_key_with_zero_max_entries_is_a_skiplist)
{
    use_skiplist();
    add_ok("a", 1);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
}

Test(zset, listpack_keeps_exact_scores)
{
    double scores[] = {0.1, -3, 1e300, -1e-300, 9999999, 10000000, -999999, -1000000, 123456.5,
                       INFINITY, -INFINITY, 4503599627370496.0, 5e-324};
    char m[8];
    for (size_t i = 0; i < sizeof scores / sizeof *scores; i++) {
        snprintf(m, sizeof m, "s%zu", i);
        add_ok(m, scores[i]);
    }
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    for (size_t i = 0; i < sizeof scores / sizeof *scores; i++) {
        double s;
        snprintf(m, sizeof m, "s%zu", i);
        cr_assert(score_of(m, &s));
        cr_assert_eq(s, scores[i], "%s: %.17g != %.17g", m, s, scores[i]);
    }
    check(KEY);
}

Test(zset, listpack_stores_minus_zero_as_zero_like_redis)
{
    add_ok("a", -0.0);
    double s;
    cr_assert(score_of("a", &s));
    cr_assert_not(signbit(s));
}

Test(zset, skiplist_keeps_minus_zero)
{
    use_skiplist();
    add_ok("a", -0.0);
    double s;
    cr_assert(score_of("a", &s));
    cr_assert(signbit(s));
}

Test(zset, copy_duplicates_both_encodings)
{
    for (int enc = 0; enc < 2; enc++) {
        cfg.zset_max_listpack_entries = enc ? 0 : 128;
        e->ops->del(e, 0, KEY);
        e->ops->del(e, 0, S("copy"));
        for (int i = 0; i < 50; i++) {
            char m[8];
            snprintf(m, sizeof m, "m%02d", i);
            add_ok(m, i % 7);
        }
        cr_assert_eq(e->ops->copy(e, 0, KEY, 0, S("copy"), 0), 1);
        cr_assert_eq(encoding(S("copy")), encoding(KEY));
        check(S("copy"));
        out a;
        range(KEY, by_rank(0, -1, 0));
        a = got;
        range(S("copy"), by_rank(0, -1, 0));
        cr_assert_eq(a.n, got.n);
        for (size_t i = 0; i < a.n; i++) {
            cr_assert_str_eq(a.m[i], got.m[i]);
            cr_assert_eq(a.s[i], got.s[i]);
        }
    }
}

/* ---------------------------------------------------------------- ZADD semantics */

static void scenario_flags(void)
{
    ak_zadd_result r;
    cr_assert_eq(add("a", 1, AK_ZADD_XX, &r), AK_OK);
    cr_assert_eq(r.processed, 0);
    cr_assert_not(key_exists(KEY), "XX on a missing key creates nothing");
    cr_assert_eq(add("a", 5, 0, &r), AK_OK);
    cr_assert(r.added == 1 && r.processed == 1 && r.score == 5);
    cr_assert_eq(add("a", 7, AK_ZADD_NX, &r), AK_OK);
    cr_assert(r.added == 0 && r.updated == 0 && r.processed == 0);
    cr_assert_eq(add("a", 3, AK_ZADD_GT, &r), AK_OK);
    cr_assert(r.updated == 0 && r.processed == 0);
    cr_assert_eq(add("a", 9, AK_ZADD_GT, &r), AK_OK);
    cr_assert(r.updated == 1 && r.score == 9);
    cr_assert_eq(add("a", 9, AK_ZADD_LT, &r), AK_OK);
    cr_assert(r.processed == 0, "LT with an equal score is refused");
    cr_assert_eq(add("a", 9, 0, &r), AK_OK);
    cr_assert(r.processed == 1 && r.updated == 0, "same score: processed, not updated");
    cr_assert_eq(add("b", 1, AK_ZADD_GT | AK_ZADD_XX, &r), AK_OK);
    cr_assert_eq(r.processed, 0);
    cr_assert_eq(add("b", 1, AK_ZADD_GT, &r), AK_OK);
    cr_assert_eq(r.added, 1, "GT still adds new members");
    cr_assert_eq(add("a", 1.5, AK_ZADD_INCR, &r), AK_OK);
    cr_assert(r.processed && r.score == 10.5);
    cr_assert_eq(add("a", -1, AK_ZADD_INCR | AK_ZADD_GT, &r), AK_OK);
    cr_assert_eq(r.processed, 0);
    cr_assert_eq(add("n", -0.5, AK_ZADD_INCR, &r), AK_OK);
    cr_assert(r.added == 1 && r.score == -0.5);
    cr_assert_eq(add("i", INFINITY, 0, &r), AK_OK);
    cr_assert_eq(add("i", -INFINITY, AK_ZADD_INCR, &r), AIKV_NOTNUM);
    double s;
    cr_assert(score_of("i", &s) && isinf(s) && s > 0, "NaN leaves the score alone");
    range(KEY, by_rank(0, -1, 0));
    expect_members("n b a i");
    check(KEY);
}

Test(zset, zadd_conditions_listpack)
{
    scenario_flags();
}

Test(zset, zadd_conditions_skiplist)
{
    use_skiplist();
    scenario_flags();
}

Test(zset, zadd_batch_counts_added_and_updated)
{
    ak_zelem el[4] = {{S("a"), 1}, {S("b"), 2}, {S("a"), 3}, {S("c"), 4}};
    ak_zadd_result r;
    cr_assert_eq(Z->add(e, 0, KEY, el, 4, 0, &r), AK_OK);
    cr_assert_eq(r.added, 3);
    cr_assert_eq(r.updated, 1);
    cr_assert_eq(r.processed, 4);
    range(KEY, by_rank(0, -1, 0));
    expect_members("b a c");
}

/* ---------------------------------------------------------------- ranges */

static void fill_numbers(int n)
{
    for (int i = 1; i <= n; i++) {
        char m[8];
        snprintf(m, sizeof m, "n%02d", i);
        add_ok(m, i);
    }
}

static void scenario_score_ranges(void)
{
    fill_numbers(10);
    range(KEY, by_score(3, 0, 5, 0, 0, 0, -1));
    expect_members("n03 n04 n05");
    range(KEY, by_score(3, 1, 5, 1, 0, 0, -1));
    expect_members("n04");
    range(KEY, by_score(3, 0, 5, 0, 1, 0, -1));
    expect_members("n05 n04 n03");
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 0, 2, 3));
    expect_members("n03 n04 n05");
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 1, 2, 3));
    expect_members("n08 n07 n06");
    range(KEY, by_score(4, 0, 6, 0, 0, 2, 5));
    expect_members("n06");
    range(KEY, by_score(4, 0, 6, 0, 0, 3, 5));
    expect_members("");
    range(KEY, by_score(4, 0, 6, 0, 0, -1, 5));
    expect_members("");
    range(KEY, by_score(4, 0, 6, 0, 0, 0, 0));
    expect_members("");
    range(KEY, by_score(6, 0, 4, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(5, 1, 5, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(10.5, 0, 20, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(-5, 0, 0.5, 0, 0, 0, -1));
    expect_members("");
    size_t n;
    ak_zscore_range r = {2, 9, 1, 0};
    cr_assert_eq(Z->count(e, 0, KEY, &r, &n), AK_OK);
    cr_assert_eq(n, 7);
    r = (ak_zscore_range){20, 30, 0, 0};
    cr_assert_eq(Z->count(e, 0, KEY, &r, &n), AK_OK);
    cr_assert_eq(n, 0);
}

Test(zset, score_ranges_listpack)
{
    scenario_score_ranges();
}

Test(zset, score_ranges_skiplist)
{
    use_skiplist();
    scenario_score_ranges();
}

static void scenario_lex_ranges(void)
{
    const char *ms[] = {"a", "b", "c", "d", "e", "ee", "f"};
    for (size_t i = 0; i < 7; i++)
        add_ok(ms[i], 0);
    range(KEY, by_lex("-", "+", 0, 0, -1));
    expect_members("a b c d e ee f");
    range(KEY, by_lex("[b", "(e", 0, 0, -1));
    expect_members("b c d");
    range(KEY, by_lex("(b", "[e", 0, 0, -1));
    expect_members("c d e");
    range(KEY, by_lex("[e", "(f", 0, 0, -1));
    expect_members("e ee");
    range(KEY, by_lex("-", "+", 1, 1, 2));
    expect_members("ee e");
    range(KEY, by_lex("+", "-", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("-", "-", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[c", "[c", 0, 0, -1));
    expect_members("c");
    range(KEY, by_lex("(c", "[c", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[z", "+", 0, 0, -1));
    expect_members("");
    ak_zrange r = by_lex("[b", "[ee", 0, 0, -1);
    long long n;
    cr_assert_eq(Z->lexcount(e, 0, KEY, &r.lex, &n), AK_OK);
    cr_assert_eq(n, 5);
    size_t removed;
    r = by_lex("(b", "[e", 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    range(KEY, by_rank(0, -1, 0));
    expect_members("a b ee f");
    check(KEY);
}

Test(zset, lex_ranges_listpack)
{
    scenario_lex_ranges();
}

Test(zset, lex_ranges_skiplist)
{
    use_skiplist();
    scenario_lex_ranges();
}

Test(zset, listpack_lex_range_over_mixed_scores_walks_linearly_like_redis)
{
    /* In score order: c(1) a(2) b(3). Redis's listpack walk takes the first
     * element >= min, then goes on while <= max. */
    add_ok("c", 1);
    add_ok("a", 2);
    add_ok("b", 3);
    range(KEY, by_lex("[b", "+", 0, 0, -1));
    expect_members("c a b");
    range(KEY, by_lex("-", "[b", 0, 0, -1));
    expect_members("");
    long long n;
    ak_zrange r = by_lex("[b", "+", 0, 0, -1);
    Z->lexcount(e, 0, KEY, &r.lex, &n);
    cr_assert_eq(n, 3);
}

static void scenario_remrange_pop(void)
{
    fill_numbers(10);
    size_t removed;
    ak_zrange r = by_rank(-2, -1, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    r = by_score(2, 1, 4, 0, 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    r = by_rank(5, 1, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 0);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n01 n02 n05 n06 n07 n08");
    check(KEY);
    got.n = 0;
    cr_assert_eq(Z->pop(e, 0, KEY, 0, 2, collect, &got), AK_OK);
    expect_members("n01 n02");
    got.n = 0;
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 3, collect, &got), AK_OK);
    expect_members("n08 n07 n06");
    cr_assert_eq(got.s[0], 8);
    check(KEY);
    got.n = 0;
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 100, collect, &got), AK_OK);
    expect_members("n05");
    cr_assert_not(key_exists(KEY), "the last pop deletes the key");
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 1, collect, &got), AK_NOTFOUND);
    fill_numbers(3);
    r = by_score(-INFINITY, 0, INFINITY, 0, 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert_not(key_exists(KEY));
}

Test(zset, remrange_and_pop_listpack)
{
    scenario_remrange_pop();
}

Test(zset, remrange_and_pop_skiplist)
{
    use_skiplist();
    scenario_remrange_pop();
}

static void scenario_random(void)
{
    fill_numbers(20);
    /* Distinct, when asked for fewer than there are (both strategies). */
    size_t counts[] = {1, 5, 7, 15, 19};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        got.n = 0;
        cr_assert_eq(Z->random(e, 0, KEY, counts[c], 1, collect, &got), AK_OK);
        cr_assert_eq(got.n, counts[c]);
        for (size_t i = 0; i < got.n; i++) {
            double s;
            cr_assert(score_of(got.m[i], &s) && s == got.s[i]);
            for (size_t j = 0; j < i; j++)
                cr_assert_str_neq(got.m[i], got.m[j]);
        }
    }
    got.n = 0;
    Z->random(e, 0, KEY, 100, 1, collect, &got);
    cr_assert_eq(got.n, 20, "all of them, once");
    got.n = 0;
    Z->random(e, 0, KEY, 500, 0, collect, &got);
    cr_assert_eq(got.n, 500, "with repetitions: exactly count");
    /* Every member turns up in 500 draws out of 20 (the chance one does
     * not is 20 * (19/20)^500, about 1e-10). */
    int seen[21] = {0};
    for (size_t i = 0; i < got.n; i++)
        seen[atoi(got.m[i] + 1)] = 1;
    for (int i = 1; i <= 20; i++)
        cr_assert(seen[i], "n%02d never drawn", i);
}

Test(zset, random_members_listpack)
{
    scenario_random();
}

Test(zset, random_members_skiplist)
{
    use_skiplist();
    scenario_random();
}

Test(zset, scan_visits_every_member_of_a_skiplist)
{
    use_skiplist();
    fill_numbers(99);
    static int seen[100];
    memset(seen, 0, sizeof seen);
    uint64_t cursor = 0;
    int steps = 0;
    do {
        got.n = 0;
        cr_assert_eq(Z->scan(e, 0, KEY, cursor, 10, collect, &got, &cursor), AK_OK);
        for (size_t i = 0; i < got.n; i++) {
            int k = atoi(got.m[i] + 1);
            cr_assert_eq(got.s[i], k);
            seen[k] = 1;
        }
        cr_assert_lt(++steps, 1000);
    } while (cursor != 0);
    for (int i = 1; i <= 99; i++)
        cr_assert(seen[i], "n%02d not scanned", i);
}

Test(zset, scan_of_a_listpack_is_one_call)
{
    fill_numbers(5);
    uint64_t next = 77;
    got.n = 0;
    cr_assert_eq(Z->scan(e, 0, KEY, 0, 1, collect, &got, &next), AK_OK);
    cr_assert_eq(next, 0);
    expect_members("n01 n02 n03 n04 n05");
}

/* ---------------------------------------------------------------- large sets */

Test(zset, large_skiplist_ranks_and_ranges, .timeout = 60)
{
    enum { N = 100000 };
    char m[16];
    for (int i = 0; i < N; i++) {
        /* Inserted out of order, scores with many ties. */
        int k = (int)(((long long)i * 7919) % N);
        snprintf(m, sizeof m, "m%06d", k);
        ak_zelem el = {S(m), (double)(k / 10)};
        ak_zadd_result r;
        cr_assert_eq(Z->add(e, 0, KEY, &el, 1, 0, &r), AK_OK);
        cr_assert_eq(r.added, 1);
    }
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    cr_assert_eq(card(KEY), N);
    check(KEY);
    for (int k = 0; k < N; k += 997) {
        int found;
        size_t rank;
        double s;
        snprintf(m, sizeof m, "m%06d", k);
        cr_assert_eq(Z->rank(e, 0, KEY, S(m), 0, &found, &rank, &s), AK_OK);
        cr_assert(found && rank == (size_t)k && s == k / 10);
        cr_assert_eq(Z->rank(e, 0, KEY, S(m), 1, &found, &rank, &s), AK_OK);
        cr_assert_eq(rank, (size_t)(N - 1 - k));
    }
    range(KEY, by_rank(50000, 50002, 0));
    expect_members("m050000 m050001 m050002");
    range(KEY, by_rank(0, 1, 1));
    expect_members("m099999 m099998");
    range(KEY, by_score(4000, 0, 4000, 0, 0, 0, -1));
    cr_assert_eq(got.n, 10);
    cr_assert_str_eq(got.m[0], "m040000");
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 0, 77777, 2));
    expect_members("m077777 m077778");
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 1, 77777, 2));
    expect_members("m022222 m022221");
    size_t n;
    ak_zscore_range sr = {100, 199, 0, 1};
    Z->count(e, 0, KEY, &sr, &n);
    cr_assert_eq(n, 990);
    /* Remove every other member by rank windows and re-check. */
    size_t removed;
    ak_zrange r = by_rank(0, N / 2 - 1, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, N / 2);
    check(KEY);
    int found;
    size_t rank;
    double s;
    Z->rank(e, 0, KEY, S("m060000"), 0, &found, &rank, &s);
    cr_assert(found && rank == 10000);
}

/* ---------------------------------------------------------------- random vs model */

static uint64_t rng = 88172645463325252ULL;

static uint64_t xs(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int rnd(int n)
{
    return (int)(xs() % (uint64_t)n);
}

typedef struct mel {
    char m[16];
    double s;
} mel;

static mel model[512];
static size_t mn;

static int mel_cmp(const void *a, const void *b)
{
    const mel *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return strcmp(x->m, y->m);
}

static int model_find(const char *m)
{
    for (size_t i = 0; i < mn; i++)
        if (!strcmp(model[i].m, m))
            return (int)i;
    return -1;
}

static void model_set(const char *m, double s)
{
    int i = model_find(m);
    if (i < 0) {
        i = (int)mn++;
        strcpy(model[i].m, m);
    }
    model[i].s = s;
    qsort(model, mn, sizeof *model, mel_cmp);
}

static void model_del_at(size_t i)
{
    memmove(&model[i], &model[i + 1], (mn - i - 1) * sizeof *model);
    mn--;
}

static const double SCORES[] = {0, 1, 1, 2, 2.5, -1, -7.25, 100, 1e9, -1e-9, INFINITY, -INFINITY, 3};

static void expect_model_range(size_t from, size_t to, int rev)
{
    /* got must equal model[from..to) (reversed with rev). */
    cr_assert_eq(got.n, to - from, "range size %zu != %zu", got.n, to - from);
    for (size_t i = 0; i < got.n; i++) {
        size_t k = rev ? to - 1 - i : from + i;
        cr_assert_str_eq(got.m[i], model[k].m);
        cr_assert_eq(got.s[i], model[k].s);
    }
}

static void random_vs_model(int steps)
{
    mn = 0;
    char m[16];
    for (int step = 0; step < steps; step++) {
        int op = rnd(12);
        snprintf(m, sizeof m, "k%d", rnd(300));
        if (op <= 3) { /* add / update */
            double s = SCORES[rnd(sizeof SCORES / sizeof *SCORES)];
            ak_zadd_result r;
            cr_assert_eq(add(m, s, 0, &r), AK_OK);
            int was = model_find(m) >= 0;
            cr_assert_eq(r.added, (size_t)!was);
            model_set(m, s);
        } else if (op == 4) { /* incr */
            double by = rnd(5) - 2;
            int i = model_find(m);
            double want = i < 0 ? by : model[i].s + by;
            ak_zadd_result r;
            cr_assert_eq(add(m, by, AK_ZADD_INCR, &r), AK_OK);
            cr_assert_eq(r.score, want);
            model_set(m, want);
        } else if (op == 5) { /* rem */
            size_t removed;
            ak_slice s = S(m);
            int rc = Z->rem(e, 0, KEY, &s, 1, &removed);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            int i = model_find(m);
            cr_assert_eq(removed, (size_t)(i >= 0));
            if (i >= 0)
                model_del_at((size_t)i);
        } else if (op == 6) { /* rank range */
            long long a = rnd(40) - 20, b = rnd(40) - 20;
            int rev = rnd(2);
            range(KEY, by_rank(a, b, rev));
            long long len = (long long)mn, s0 = a < 0 ? a + len : a, s1 = b < 0 ? b + len : b;
            if (s0 < 0)
                s0 = 0;
            if (s0 > s1 || s0 >= len) {
                cr_assert_eq(got.n, 0);
            } else {
                if (s1 >= len)
                    s1 = len - 1;
                if (rev)
                    expect_model_range((size_t)(len - 1 - s1), (size_t)(len - s0), 1);
                else
                    expect_model_range((size_t)s0, (size_t)s1 + 1, 0);
            }
        } else if (op == 7) { /* score range with limit */
            double lo = SCORES[rnd(13)], hi = SCORES[rnd(13)];
            int lx = rnd(2), hx = rnd(2), rev = rnd(2);
            long long off = rnd(4), lim = rnd(5) - 1;
            range(KEY, by_score(lo, lx, hi, hx, rev, off, lim));
            size_t from = 0, to;
            while (from < mn && !(lx ? model[from].s > lo : model[from].s >= lo))
                from++;
            to = from;
            while (to < mn && (hx ? model[to].s < hi : model[to].s <= hi))
                to++;
            size_t cnt = to - from;
            size_t skip = (size_t)off < cnt ? (size_t)off : cnt;
            size_t take = cnt - skip;
            if (lim >= 0 && (size_t)lim < take)
                take = (size_t)lim;
            if (rev)
                expect_model_range(to - skip - take, to - skip, 1);
            else
                expect_model_range(from + skip, from + skip + take, 0);
            size_t n;
            ak_zscore_range sr = {lo, hi, lx, hx};
            int rc = Z->count(e, 0, KEY, &sr, &n);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            cr_assert_eq(n, cnt);
        } else if (op == 8) { /* rank of a member */
            int found;
            size_t rank;
            double s;
            int rc = Z->rank(e, 0, KEY, S(m), 0, &found, &rank, &s);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            int i = model_find(m);
            cr_assert_eq(found, i >= 0);
            if (i >= 0)
                cr_assert(rank == (size_t)i && s == model[i].s);
        } else if (op == 9) { /* remrange by score */
            double lo = SCORES[rnd(13)], hi = SCORES[rnd(13)];
            ak_zrange r = by_score(lo, 0, hi, 1, 0, 0, -1);
            size_t removed;
            int rc = Z->remrange(e, 0, KEY, &r, &removed);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            size_t want = 0;
            for (size_t i = 0; i < mn;) {
                if (model[i].s >= lo && model[i].s < hi) {
                    model_del_at(i);
                    want++;
                } else {
                    i++;
                }
            }
            cr_assert_eq(removed, want);
        } else if (op == 10 && rnd(8) == 0) { /* pop a few */
            int max = rnd(2);
            size_t cnt = (size_t)rnd(4);
            got.n = 0;
            int rc = Z->pop(e, 0, KEY, max, cnt, collect, &got);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            size_t want = cnt < mn ? cnt : mn;
            cr_assert_eq(got.n, want);
            for (size_t i = 0; i < want; i++) {
                size_t k = max ? mn - 1 : 0;
                cr_assert_str_eq(got.m[i], model[k].m);
                model_del_at(k);
            }
        } else { /* remrange by rank */
            if (rnd(10))
                continue;
            long long a = rnd(10) - 5, b = rnd(10) - 5;
            ak_zrange r = by_rank(a, b, 0);
            size_t removed;
            int rc = Z->remrange(e, 0, KEY, &r, &removed);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            long long len = (long long)mn, s0 = a < 0 ? a + len : a, s1 = b < 0 ? b + len : b;
            if (s0 < 0)
                s0 = 0;
            size_t want = 0;
            if (!(s0 > s1 || s0 >= len)) {
                if (s1 >= len)
                    s1 = len - 1;
                want = (size_t)(s1 - s0 + 1);
                for (size_t i = 0; i < want; i++)
                    model_del_at((size_t)s0);
            }
            cr_assert_eq(removed, want);
        }
        cr_assert_eq(card(KEY), mn, "step %d: card %zu != model %zu", step, card(KEY), mn);
        cr_assert_eq(key_exists(KEY), mn > 0);
        if (step % 500 == 0) {
            check(KEY);
            range(KEY, by_rank(0, -1, 0));
            expect_model_range(0, mn, 0);
        }
    }
    check(KEY);
    range(KEY, by_rank(0, -1, 0));
    expect_model_range(0, mn, 0);
}

Test(zset, random_operations_match_model_listpack, .timeout = 120)
{
    cfg.zset_max_listpack_entries = 100000; /* stays a listpack throughout */
    random_vs_model(20000);
    if (mn)
        cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
}

Test(zset, random_operations_match_model_skiplist, .timeout = 120)
{
    use_skiplist();
    random_vs_model(20000);
    if (mn)
        cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
}

Test(zset, random_operations_match_model_across_conversion, .timeout = 120)
{
    cfg.zset_max_listpack_entries = 64; /* converts once the set grows */
    random_vs_model(20000);
}

/* Lex ranges on equal scores, random bounds, against the model. */
static int lex_in(const char *m, const char *min, const char *max)
{
    int gte = !strcmp(min, "-") ? 1 : !strcmp(min, "+") ? 0
              : min[0] == '(' ? strcmp(m, min + 1) > 0 : strcmp(m, min + 1) >= 0;
    int lte = !strcmp(max, "+") ? 1 : !strcmp(max, "-") ? 0
              : max[0] == '(' ? strcmp(m, max + 1) < 0 : strcmp(m, max + 1) <= 0;
    return gte && lte;
}

static void random_lex(void)
{
    mn = 0;
    static const char *bounds[] = {"-", "+", "[k1", "(k1", "[k5", "(k5", "[k", "(k", "[k3x", "[k9", "(k9"};
    char m[16];
    for (int step = 0; step < 5000; step++) {
        snprintf(m, sizeof m, "k%d", rnd(100));
        if (rnd(3)) {
            add_ok(m, 0);
            model_set(m, 0);
        } else {
            size_t removed;
            ak_slice s = S(m);
            Z->rem(e, 0, KEY, &s, 1, &removed);
            int i = model_find(m);
            if (i >= 0)
                model_del_at((size_t)i);
        }
        const char *lo = bounds[rnd(11)], *hi = bounds[rnd(11)];
        int rev = rnd(2);
        long long off = rnd(3), lim = rnd(4) - 1;
        range(KEY, by_lex(lo, hi, rev, off, lim));
        size_t from = 0, to;
        while (from < mn && !lex_in(model[from].m, lo, "+"))
            from++;
        to = from;
        while (to < mn && lex_in(model[to].m, lo, hi))
            to++;
        size_t cnt = to - from, skip = (size_t)off < cnt ? (size_t)off : cnt, take = cnt - skip;
        if (lim >= 0 && (size_t)lim < take)
            take = (size_t)lim;
        if (rev)
            expect_model_range(to - skip - take, to - skip, 1);
        else
            expect_model_range(from + skip, from + skip + take, 0);
        long long n = 0;
        ak_zrange r = by_lex(lo, hi, 0, 0, -1);
        Z->lexcount(e, 0, KEY, &r.lex, &n);
        cr_assert_eq(n, (long long)cnt);
    }
    check(KEY);
}

Test(zset, random_lex_ranges_match_model_listpack, .timeout = 60)
{
    cfg.zset_max_listpack_entries = 1000;
    random_lex();
}

Test(zset, random_lex_ranges_match_model_skiplist, .timeout = 60)
{
    use_skiplist();
    random_lex();
}

/* ---------------------------------------------------------------- the typed C API */

Test(zset_api, zadd_results_and_conditions)
{
    aikv_db_t *db;
    cr_assert_eq(aikv_open(":memory:", NULL, &db), AIKV_OK);
    int res = 99;
    double s = 0;
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 1.5, 0, &res, &s), AIKV_OK);
    cr_assert(res == AIKV_ZADD_ADDED && s == 1.5);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 1.5, 0, &res, &s), AIKV_OK);
    cr_assert_eq(res, AIKV_ZADD_SAME);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 3, AIKV_ZADD_NX, &res, &s), AIKV_OK);
    cr_assert(res == AIKV_ZADD_REFUSED && s == 1.5, "refused leaves newscore alone");
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 2, AIKV_ZADD_INCR, &res, &s), AIKV_OK);
    cr_assert(res == AIKV_ZADD_UPDATED && s == 3.5);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, NAN, 0, &res, &s), AIKV_NOTNUM);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 1, AIKV_ZADD_NX | AIKV_ZADD_XX, NULL, NULL),
                 AIKV_MISUSE);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 1, AIKV_ZADD_GT | AIKV_ZADD_LT, NULL, NULL),
                 AIKV_MISUSE);
    cr_assert_eq(aikv_zadd(db, "k", 1, "a", 1, 1, AIKV_ZADD_NX | AIKV_ZADD_GT, NULL, NULL),
                 AIKV_MISUSE);
    cr_assert_eq(aikv_zadd(db, "k", 1, NULL, 1, 1, 0, NULL, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_zadd(NULL, "k", 1, "a", 1, 1, 0, NULL, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_zadd(db, "i", 1, "a", 1, INFINITY, 0, NULL, NULL), AIKV_OK);
    cr_assert_eq(aikv_zadd(db, "i", 1, "a", 1, -INFINITY, AIKV_ZADD_INCR, NULL, NULL), AIKV_NOTNUM);
    int found = 0;
    cr_assert_eq(aikv_zscore(db, "i", 1, "a", 1, &s, &found), AIKV_OK);
    cr_assert(found && isinf(s) && s > 0);
    cr_assert_eq(aikv_zadd(db, "n", 1, "a", 1, 1, AIKV_ZADD_XX, &res, NULL), AIKV_OK);
    cr_assert_eq(res, AIKV_ZADD_REFUSED);
    uint64_t n = 9;
    cr_assert_eq(aikv_zcard(db, "n", 1, &n), AIKV_OK);
    cr_assert_eq(n, 0);
    aikv_close(db);
}

Test(zset_api, reads_ranges_and_removal)
{
    aikv_db_t *db;
    cr_assert_eq(aikv_open(":memory:", NULL, &db), AIKV_OK);
    const char *ms[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(aikv_zadd(db, "k", 1, ms[i], 1, i * 0.5, 0, NULL, NULL), AIKV_OK);
    int64_t rank;
    cr_assert_eq(aikv_zrank(db, "k", 1, "c", 1, 0, &rank), AIKV_OK);
    cr_assert_eq(rank, 2);
    cr_assert_eq(aikv_zrank(db, "k", 1, "c", 1, 1, &rank), AIKV_OK);
    cr_assert_eq(rank, 1);
    cr_assert_eq(aikv_zrank(db, "k", 1, "x", 1, 0, &rank), AIKV_OK);
    cr_assert_eq(rank, -1);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_zrange(db, "k", 1, 1, -1, AIKV_ZRANGE_REV | AIKV_ZRANGE_WITHSCORES, &r),
                 AIKV_OK);
    cr_assert_eq(r->elements, 6);
    cr_assert_str_eq(r->element[0]->str, "c");
    cr_assert_eq(r->element[1]->type, AIKV_REPLY_DOUBLE);
    cr_assert_eq(r->element[1]->dval, 1.0);
    cr_assert_str_eq(r->element[1]->str, "1");
    cr_assert_str_eq(r->element[3]->str, "0.5");
    aikv_reply_free(r);
    cr_assert_eq(aikv_zrangebyscore(db, "k", 1, 0.5, 1.5, AIKV_ZRANGE_MINEX, 0, -1, &r), AIKV_OK);
    cr_assert_eq(r->elements, 2);
    cr_assert_str_eq(r->element[0]->str, "c");
    cr_assert_str_eq(r->element[1]->str, "d");
    aikv_reply_free(r);
    cr_assert_eq(aikv_zrangebyscore(db, "k", 1, -INFINITY, INFINITY, AIKV_ZRANGE_REV, 1, 2, &r),
                 AIKV_OK);
    cr_assert_eq(r->elements, 2);
    cr_assert_str_eq(r->element[0]->str, "c");
    aikv_reply_free(r);
    r = NULL;
    cr_assert_eq(aikv_zrangebyscore(db, "k", 1, 0, 1, 0, -1, -1, &r), AIKV_RANGE);
    cr_assert_null(r);
    cr_assert_eq(aikv_zrangebyscore(db, "k", 1, NAN, 1, 0, 0, -1, &r), AIKV_NOTNUM);
    cr_assert_eq(aikv_zrange(db, "missing", 7, 0, -1, 0, &r), AIKV_OK);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    int removed = 0;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(aikv_zrem(db, "k", 1, ms[i], 1, &removed), AIKV_OK);
        cr_assert_eq(removed, 1);
    }
    cr_assert_eq(aikv_zrem(db, "k", 1, "a", 1, &removed), AIKV_OK);
    cr_assert_eq(removed, 0);
    int exists = 1;
    aikv_exists(db, "k", 1, &exists);
    cr_assert_eq(exists, 0, "the last ZREM deletes the key");
    cr_assert_eq(aikv_set(db, "s", 1, "v", 1, NULL), AIKV_OK);
    int found;
    double s;
    cr_assert_eq(aikv_zscore(db, "s", 1, "a", 1, &s, &found), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_zrange(db, "s", 1, 0, -1, 0, &r), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_zadd(db, "s", 1, "a", 1, 1, 0, NULL, NULL), AIKV_WRONGTYPE);
    aikv_close(db);
}
