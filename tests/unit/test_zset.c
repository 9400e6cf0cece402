/*
 * test_zset.c -- sorted-set values of the storage engines through the
 * storage interface (store/zset.h), on their own: no commands, no sessions;
 * and the typed C API's sorted-set calls (aikv.h) on a memory store.
 *
 * The contract of every operation is written once (ENGINE_TEST, see
 * engine_fixture.h) and runs on the memory engine (store/mem/zset.c, suite
 * zset) and on the SQLite engine (store/sqlite/zset.c, suite sqlite_zset, a
 * store file of its own under /tmp), in both encodings: the default
 * thresholds keep small sets in a listpack, zset-max-listpack-entries 0
 * puts every set in the skiplist. Covered: every operation, WRONGTYPE and
 * missing keys, the listpack/skiplist thresholds and sticky conversion,
 * exact scores, +/-inf and -0, ZADD's conditions and NaN, rank/score/lex
 * ranges, lex ranges over mixed scores in a listpack (Redis's linear walk),
 * ZRANDMEMBER's counts and fairness, ZSCAN while the set changes, a large
 * skiplist (100k members in memory, 20k on SQLite), and random streams of
 * operations checked against a reference model (a sorted array searched
 * linearly). On the memory engine the skiplist's invariants (order, spans,
 * backward links, the member dict) are verified along the way with
 * mem_zset_check(); on SQLite the tests reopen the store where they check
 * what was written.
 *
 * Only for the SQLite engine: persistence across close/reopen, rollback, a
 * storage failure, ZSCAN's cursor (an offset), lex ranges over mixed scores
 * in a skiplist (the descents of a level-1 skiplist, checked against a
 * transliteration of Redis's zsl* functions), and random streams run
 * against the memory engine fed the same operations. The streams are fixed
 * xorshift sequences, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/zset.h"
#include "engine_fixture.h"

int mem_zset_check(ak_engine *e, int db, ak_slice key);

/* ---------------------------------------------------------------- helpers */

/* n values from xs() (engine_fixture.h). */
static int rnd(int n)
{
    return (int)(xs() % (uint64_t)n);
}

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

/* ---------------------------------------------------------------- fixture */

#define Z (e->ops->zset)

static void engine_opened(void)
{
    cr_assert(Z, "the %s engine has no zset operations", e->ops->name);
}

ENGINE_SUITES(zset, .timeout = 120);

/* Collected output of a range/pop/random/scan call. */
typedef struct item {
    char *p;
    size_t len;
    double s;
} item;

typedef struct out {
    item *v;
    size_t n, cap;
} out;

static out got, got2;

static void out_reset(out *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->v[i].p);
    o->n = 0;
}

static void out_free(out *o)
{
    out_reset(o);
    free(o->v);
    o->v = NULL;
    o->cap = 0;
}

static void out_push(out *o, ak_slice m, double s)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->v = realloc(o->v, o->cap * sizeof *o->v);
    }
    item *it = &o->v[o->n++];
    it->p = malloc(m.len + 1);
    if (m.len)
        memcpy(it->p, m.p, m.len);
    it->p[m.len] = '\0';
    it->len = m.len;
    it->s = s;
}

static void collect(void *ctx, ak_slice m, double s)
{
    out_push(ctx, m, s);
}

static const ak_slice KEY = {"z", 1};

static int add_to(ak_engine *en, ak_slice key, const char *m, double score, unsigned flags,
                  ak_zadd_result *res)
{
    ak_zelem el = {S(m), score};
    ak_zadd_result tmp;
    return en->ops->zset->add(en, 0, key, &el, 1, flags, res ? res : &tmp);
}

static int add(const char *m, double score, unsigned flags, ak_zadd_result *res)
{
    return add_to(e, KEY, m, score, flags, res);
}

static void add_ok(const char *m, double score)
{
    cr_assert_eq(add(m, score, 0, NULL), AK_OK);
}

static ak_encoding encoding_of(ak_engine *en, ak_slice key)
{
    ak_keyinfo ki;
    en->ops->lookup(en, 0, key, AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_ZSET);
    return ki.encoding;
}

static ak_encoding encoding(ak_slice key)
{
    return encoding_of(e, key);
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

/* The memory engine's skiplist invariants (order, spans, backward links,
 * the member dict: mem_zset_check). The SQLite engine has no skiplist in
 * memory: nothing to check there. */
static void check(ak_slice key)
{
    if (is_sqlite())
        return;
    int rc = mem_zset_check(e, 0, key);
    cr_assert_eq(rc, 0, "zset invariant %d broken", rc);
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

static int range_on(ak_engine *en, ak_slice key, ak_zrange r, out *o)
{
    out_reset(o);
    int rc = en->ops->zset->range(en, 0, key, &r, collect, o);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND || rc == AK_WRONGTYPE);
    return rc;
}

static void range(ak_slice key, ak_zrange r)
{
    range_on(e, key, r, &got);
}

static void expect_members(const char *want)
{
    char buf[8192] = "";
    for (size_t i = 0; i < got.n; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, got.v[i].p);
    }
    cr_assert_str_eq(buf, want);
}

static void same_output(const out *a, const out *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu elements, memory engine %zu", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert(a->v[i].len == b->v[i].len && !memcmp(a->v[i].p, b->v[i].p, a->v[i].len),
                  "%s: element %zu is %s, memory engine %s", what, i, a->v[i].p, b->v[i].p);
        cr_assert_eq(a->v[i].s, b->v[i].s, "%s: score of %s", what, a->v[i].p);
    }
}

/* Both encodings run the same scenarios. */
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
    range(KEY, by_rank(3, 3, 0)); /* reached from the far end */
    expect_members("c");
    range(KEY, by_rank(3, 3, 1));
    expect_members("a");
    int found;
    size_t rank;
    cr_assert_eq(Z->rank(e, 0, KEY, S("bb"), 0, &found, &rank, &s), AK_OK);
    cr_assert(found && rank == 2 && s == 2);
    cr_assert_eq(Z->rank(e, 0, KEY, S("bb"), 1, &found, &rank, &s), AK_OK);
    cr_assert(found && rank == 1);
    cr_assert_eq(Z->rank(e, 0, KEY, S("zz"), 0, &found, &rank, &s), AK_OK);
    cr_assert_not(found);
    /* ZMSCORE: several at once, some missing. */
    ak_slice ms[3] = {S("c"), S("x"), S("a")};
    double sc[3];
    unsigned char fd[3];
    cr_assert_eq(Z->score(e, 0, KEY, ms, 3, sc, fd), AK_OK);
    cr_assert(fd[0] && !fd[1] && fd[2] && sc[0] == 3 && sc[2] == 1);
    check(KEY);
    commit();
}

ENGINE_TEST(zset, small_set_is_a_listpack_ordered_by_score_then_member)
{
    scenario_basic(AK_ENC_LISTPACK);
}

ENGINE_TEST(zset, skiplist_orders_by_score_then_member)
{
    use_skiplist();
    scenario_basic(AK_ENC_SKIPLIST);
}

ENGINE_TEST(zset, missing_key_answers_notfound_and_empty)
{
    size_t n = 9;
    cr_assert_eq(Z->card(e, 0, KEY, &n), AK_NOTFOUND);
    cr_assert_eq(n, 0);
    cr_assert_eq(range_on(e, KEY, by_rank(0, -1, 0), &got), AK_NOTFOUND);
    cr_assert_eq(got.n, 0);
    size_t removed = 9;
    ak_slice m = S("a");
    cr_assert_eq(Z->rem(e, 0, KEY, &m, 1, &removed), AK_NOTFOUND);
    cr_assert_eq(removed, 0);
    double s;
    unsigned char f = 9;
    cr_assert_eq(Z->score(e, 0, KEY, &m, 1, &s, &f), AK_NOTFOUND);
    cr_assert_eq(f, 0);
    ak_zscore_range sr = {-INFINITY, INFINITY, 0, 0};
    cr_assert_eq(Z->count(e, 0, KEY, &sr, &n), AK_NOTFOUND);
    long long ln = 9;
    ak_zrange lr = by_lex("-", "+", 0, 0, -1);
    cr_assert_eq(Z->lexcount(e, 0, KEY, &lr.lex, &ln), AK_NOTFOUND);
    cr_assert_eq(ln, 0);
    int found = 9;
    size_t rank;
    cr_assert_eq(Z->rank(e, 0, KEY, m, 0, &found, &rank, &s), AK_NOTFOUND);
    cr_assert_eq(found, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &lr, &removed), AK_NOTFOUND);
    cr_assert_eq(Z->pop(e, 0, KEY, 0, 3, collect, &got), AK_NOTFOUND);
    cr_assert_eq(Z->random(e, 0, KEY, 3, 1, collect, &got), AK_NOTFOUND);
    uint64_t next = 9;
    cr_assert_eq(Z->scan(e, 0, KEY, 0, 10, collect, &got, &next), AK_NOTFOUND);
    cr_assert_eq(next, 0);
    cr_assert_eq(Z->make_large(e, 0, KEY), AK_NOTFOUND);
    cr_assert_eq(got.n, 0);
    cr_assert_not(key_exists(KEY));
    /* ZADD with nothing to add creates nothing. */
    ak_zadd_result res;
    cr_assert_eq(Z->add(e, 0, KEY, NULL, 0, 0, &res), AK_OK);
    cr_assert_not(key_exists(KEY));
    commit();
}

ENGINE_TEST(zset, other_type_is_wrongtype)
{
    e->ops->str_set(e, 0, KEY, S("v"), AK_NO_EXPIRE, 0);
    size_t n;
    cr_assert_eq(Z->card(e, 0, KEY, &n), AK_WRONGTYPE);
    cr_assert_eq(add("a", 1, 0, NULL), AK_WRONGTYPE);
    cr_assert_eq(range_on(e, KEY, by_rank(0, -1, 0), &got), AK_WRONGTYPE);
    ak_slice m = S("a");
    size_t removed;
    cr_assert_eq(Z->rem(e, 0, KEY, &m, 1, &removed), AK_WRONGTYPE);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 1, collect, &got), AK_WRONGTYPE);
    cr_assert_eq(Z->make_large(e, 0, KEY), AK_WRONGTYPE);
    ak_slice v;
    cr_assert_eq(e->ops->str_get(e, 0, KEY, &v), AK_OK, "the string is untouched");
    commit();
}

ENGINE_TEST(zset, binary_members_and_the_empty_member)
{
    use_skiplist();
    ak_zelem el[4] = {{ak_slice_of("a\0b", 3), 1}, {ak_slice_of("", 0), 1},
                      {ak_slice_of("a\0", 2), 1}, {ak_slice_of("\xff", 1), 1}};
    ak_zadd_result r;
    cr_assert_eq(Z->add(e, 0, KEY, el, 4, 0, &r), AK_OK);
    cr_assert_eq(r.added, 4);
    range(KEY, by_rank(0, -1, 0));
    cr_assert_eq(got.n, 4);
    cr_assert_eq(got.v[0].len, 0);
    cr_assert(got.v[1].len == 2 && !memcmp(got.v[1].p, "a\0", 2));
    cr_assert(got.v[2].len == 3 && !memcmp(got.v[2].p, "a\0b", 3));
    cr_assert(got.v[3].len == 1 && got.v[3].p[0] == '\xff');
    /* Members that look like numbers are bytes, not numbers. */
    e->ops->del(e, 0, KEY);
    const char *nums[] = {"10", "9", "1", "-1", "1.5", "01"};
    for (int i = 0; i < 6; i++)
        add_ok(nums[i], 0);
    range(KEY, by_rank(0, -1, 0));
    expect_members("-1 01 1 1.5 10 9");
    ak_zrange lr = by_lex("[1", "(9", 0, 0, -1);
    range(KEY, lr);
    expect_members("1 1.5 10");
    commit();
}

ENGINE_TEST(zset, keys_in_different_databases_are_separate)
{
    ak_zelem el = {S("a"), 1};
    ak_zadd_result r;
    Z->add(e, 0, KEY, &el, 1, 0, &r);
    el.score = 2;
    Z->add(e, 1, KEY, &el, 1, 0, &r);
    double s;
    unsigned char f;
    ak_slice m = S("a");
    Z->score(e, 1, KEY, &m, 1, &s, &f);
    cr_assert(f && s == 2);
    Z->score(e, 0, KEY, &m, 1, &s, &f);
    cr_assert(f && s == 1);
    size_t removed;
    Z->rem(e, 1, KEY, &m, 1, &removed);
    cr_assert_eq(card(KEY), 1);
    commit();
}

/* ---------------------------------------------------------------- encodings */

ENGINE_TEST(zset, converts_to_skiplist_past_max_entries)
{
    cfg.zset_max_listpack_entries = 4;
    for (int i = 0; i < 4; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        add_ok(m, i);
    }
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK, "exactly at the limit: still a listpack");
    add_ok("m0", 10); /* an update never converts */
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    ak_zadd_result r;
    cr_assert_eq(add("m4", 4, AK_ZADD_XX, &r), AK_OK);
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK, "a refused member does not convert");
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
    persist_point();
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST, "the encoding is stored");
    commit();
}

ENGINE_TEST(zset, batch_converts_when_it_crosses_the_limit)
{
    cfg.zset_max_listpack_entries = 3;
    ak_zelem el[5] = {{S("a"), 1}, {S("b"), 2}, {S("c"), 3}, {S("a"), 4}, {S("d"), -0.0}};
    ak_zadd_result r;
    cr_assert_eq(Z->add(e, 0, KEY, el, 5, 0, &r), AK_OK);
    cr_assert(r.added == 4 && r.updated == 1 && r.processed == 5);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    range(KEY, by_rank(0, -1, 0));
    expect_members("d b c a");
    commit();
}

ENGINE_TEST(zset, converts_to_skiplist_for_a_long_member)
{
    cfg.zset_max_listpack_value = 8;
    add_ok("12345678", 1);
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK, "exactly the max length: still a listpack");
    add_ok("123456789", 2);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    range(KEY, by_rank(0, -1, 0));
    expect_members("12345678 123456789");
    check(KEY);
    commit();
}

ENGINE_TEST(zset, new_key_with_zero_max_entries_is_a_skiplist)
{
    use_skiplist();
    add_ok("a", 1);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
}

ENGINE_TEST(zset, a_long_first_member_or_zero_entries_makes_a_skiplist)
{
    char big[66];
    memset(big, 'x', 65);
    big[65] = '\0';
    add_to(e, S("long"), big, 1, 0, NULL);
    cr_assert_eq(encoding(S("long")), AK_ENC_SKIPLIST);
    big[64] = '\0';
    add_to(e, S("short"), big, 1, 0, NULL);
    cr_assert_eq(encoding(S("short")), AK_ENC_LISTPACK);
    use_skiplist();
    add_ok("a", 1);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    commit();
}

ENGINE_TEST(zset, big_hint_and_make_large)
{
    add_to(e, S("big"), "a", 1, AK_ZADD_BIG, NULL);
    cr_assert_eq(encoding(S("big")), AK_ENC_SKIPLIST);
    add_ok("a", 1);
    add_ok("b", 2);
    add(("c"), 3, AK_ZADD_BIG, NULL); /* only a hint for a new key */
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
    cr_assert_eq(Z->make_large(e, 0, KEY), AK_OK);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    cr_assert_eq(Z->make_large(e, 0, KEY), AK_OK);
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    range(KEY, by_rank(0, -1, 0));
    expect_members("a b c");
    check(KEY);
    commit();
}

ENGINE_TEST(zset, copy_duplicates_both_encodings)
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
        range_on(e, KEY, by_rank(0, -1, 0), &got2);
        range(S("copy"), by_rank(0, -1, 0));
        cr_assert_eq(got2.n, got.n);
        for (size_t i = 0; i < got2.n; i++) {
            cr_assert_str_eq(got2.v[i].p, got.v[i].p);
            cr_assert_eq(got2.v[i].s, got.v[i].s);
        }
    }
    commit();
}

/* ---------------------------------------------------------------- scores */

static void scenario_exact_scores(void)
{
    double scores[] = {0.1, -3, 1e300, -1e-300, 9999999, 10000000, -999999, -1000000, 123456.5,
                       INFINITY, -INFINITY, 4503599627370496.0, 9007199254740992.0,
                       9007199254740994.0, -9007199254740994.0, 1e19, -1e19, 5e-324,
                       1.7976931348623157e308, 0.30000000000000004};
    size_t n = sizeof scores / sizeof *scores;
    char m[8];
    for (size_t i = 0; i < n; i++) {
        snprintf(m, sizeof m, "s%02zu", i);
        add_ok(m, scores[i]);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            double s;
            snprintf(m, sizeof m, "s%02zu", i);
            cr_assert(score_of(m, &s));
            cr_assert_eq(s, scores[i], "%s: %.17g != %.17g", m, s, scores[i]);
        }
        /* The order is numeric (on SQLite: across INTEGER- and REAL-stored
         * scores). */
        range(KEY, by_rank(0, -1, 0));
        cr_assert_eq(got.n, n);
        for (size_t i = 1; i < got.n; i++)
            cr_assert_leq(got.v[i - 1].s, got.v[i].s);
        check(KEY);
        persist_point();
    }
    commit();
}

ENGINE_TEST(zset, listpack_keeps_exact_scores)
{
    scenario_exact_scores();
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
}

ENGINE_TEST(zset, skiplist_keeps_exact_scores)
{
    use_skiplist();
    scenario_exact_scores();
}

ENGINE_TEST(zset, infinities_round_trip_and_order)
{
    use_skiplist();
    add_ok("p", INFINITY);
    add_ok("n", -INFINITY);
    add_ok("z", 0);
    add_ok("big", 1e308);
    persist_point();
    range(KEY, by_rank(0, -1, 0));
    expect_members("n z big p");
    cr_assert(isinf(got.v[0].s) && got.v[0].s < 0);
    cr_assert(isinf(got.v[3].s) && got.v[3].s > 0);
    range(KEY, by_score(1e308, 1, INFINITY, 0, 0, 0, -1));
    expect_members("p");
    range(KEY, by_score(-INFINITY, 1, INFINITY, 1, 0, 0, -1));
    expect_members("z big");
    range(KEY, by_score(INFINITY, 1, INFINITY, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(-INFINITY, 0, -INFINITY, 1, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(-INFINITY, 0, -INFINITY, 0, 0, 0, -1));
    expect_members("n");
    commit();
}

ENGINE_TEST(zset, listpack_stores_minus_zero_as_zero_like_redis)
{
    ak_zadd_result r;
    cr_assert_eq(add("a", -0.0, AK_ZADD_INCR, &r), AK_OK);
    cr_assert(r.score == 0 && signbit(r.score), "the INCR reply is the computed -0");
    double s;
    cr_assert(score_of("a", &s));
    cr_assert_not(signbit(s));
    /* It stays 0 through a conversion, as Redis's listpack-to-skiplist. */
    cr_assert_eq(Z->make_large(e, 0, KEY), AK_OK);
    cr_assert(score_of("a", &s) && !signbit(s));
    commit();
}

/* Redis's skiplist keeps -0 (ZADD to a skiplist, ZUNIONSTORE results...).
 * On SQLite that needs a score column without REAL affinity: a REAL column
 * turns -0.0 into the integer 0 when it stores it. */
ENGINE_TEST(zset, skiplist_keeps_minus_zero)
{
    use_skiplist();
    add_ok("a", -0.0);
    add_ok("b", 0.0);
    add_ok("c", -1);
    add_to(e, S("big"), "a", -0.0, AK_ZADD_BIG, NULL);
    persist_point();
    double s;
    cr_assert(score_of("a", &s) && s == 0);
    cr_assert(signbit(s), "-0 came back as 0: the score column normalises -0 (REAL affinity?)");
    range(KEY, by_rank(0, -1, 0));
    expect_members("c a b"); /* -0 == 0: ordered by member */
    cr_assert(signbit(got.v[1].s) && !signbit(got.v[2].s));
    range(KEY, by_score(0, 0, 0, 0, 0, 0, -1));
    expect_members("a b");
    range(KEY, by_score(-0.0, 1, 1, 0, 0, 0, -1));
    expect_members("");
    commit();
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
    cr_assert_eq(add("a", 1, AK_ZADD_INCR | AK_ZADD_NX, &r), AK_OK);
    cr_assert_eq(r.processed, 0);
    cr_assert_eq(add("x", 1, AK_ZADD_INCR | AK_ZADD_XX, &r), AK_OK);
    cr_assert_eq(r.processed, 0);
    cr_assert_eq(add("n", -0.5, AK_ZADD_INCR, &r), AK_OK);
    cr_assert(r.added == 1 && r.score == -0.5);
    cr_assert_eq(add("i", INFINITY, 0, &r), AK_OK);
    size_t before = card(KEY);
    cr_assert_eq(add("i", -INFINITY, AK_ZADD_INCR, &r), AIKV_NOTNUM);
    double s;
    cr_assert(score_of("i", &s) && isinf(s) && s > 0, "NaN leaves the score alone");
    cr_assert_eq(card(KEY), before);
    cr_assert_eq(add("i", 5, AK_ZADD_INCR, &r), AK_OK);
    cr_assert(r.score == INFINITY && r.updated == 0 && r.processed == 1);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n b a i");
    check(KEY);
    commit();
}

ENGINE_TEST(zset, zadd_conditions_listpack)
{
    scenario_flags();
    cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
}

ENGINE_TEST(zset, zadd_conditions_skiplist)
{
    use_skiplist();
    scenario_flags();
}

ENGINE_TEST(zset, zadd_batch_counts_added_and_updated)
{
    ak_zelem el[4] = {{S("a"), 1}, {S("b"), 2}, {S("a"), 3}, {S("c"), 4}};
    ak_zadd_result r;
    cr_assert_eq(Z->add(e, 0, KEY, el, 4, 0, &r), AK_OK);
    cr_assert_eq(r.added, 3);
    cr_assert_eq(r.updated, 1);
    cr_assert_eq(r.processed, 4);
    cr_assert_eq(r.score, 4);
    range(KEY, by_rank(0, -1, 0));
    expect_members("b a c");
    cr_assert_eq(card(KEY), 3);
    ak_zelem el2[3] = {{S("a"), 0}, {S("z"), 0}, {S("b"), 9}};
    cr_assert_eq(Z->add(e, 0, KEY, el2, 3, AK_ZADD_XX | AK_ZADD_LT, &r), AK_OK);
    cr_assert(r.added == 0 && r.updated == 1 && r.processed == 1 && r.score == 0);
    commit();
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
    range(KEY, by_score(5, 0, 5, 0, 0, 0, -1));
    expect_members("n05");
    range(KEY, by_score(10.5, 0, 20, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(-5, 0, 0.5, 0, 0, 0, -1));
    expect_members("");
    range(KEY, by_score(2.5, 1, 4.0000001, 1, 0, 0, -1));
    expect_members("n03 n04");
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 0, 1LL << 62, -1));
    expect_members("");
    size_t n;
    ak_zscore_range r = {2, 9, 1, 0};
    cr_assert_eq(Z->count(e, 0, KEY, &r, &n), AK_OK);
    cr_assert_eq(n, 7);
    r = (ak_zscore_range){20, 30, 0, 0};
    cr_assert_eq(Z->count(e, 0, KEY, &r, &n), AK_OK);
    cr_assert_eq(n, 0);
    r = (ak_zscore_range){3, 3, 0, 1};
    cr_assert_eq(Z->count(e, 0, KEY, &r, &n), AK_OK);
    cr_assert_eq(n, 0);
    commit();
}

ENGINE_TEST(zset, score_ranges_listpack)
{
    scenario_score_ranges();
}

ENGINE_TEST(zset, score_ranges_skiplist)
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
    range(KEY, by_lex("+", "+", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[c", "[c", 0, 0, -1));
    expect_members("c");
    range(KEY, by_lex("(c", "[c", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[z", "+", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[", "[b", 0, 0, -1));
    expect_members("a b");
    range(KEY, by_lex("(e", "+", 1, 0, -1));
    expect_members("f ee");
    range(KEY, by_lex("-", "(c", 1, 0, -1));
    expect_members("b a");
    range(KEY, by_lex("-", "+", 0, 6, -1));
    expect_members("f");
    range(KEY, by_lex("-", "+", 0, -1, 2));
    expect_members("");
    ak_zrange r = by_lex("[b", "[ee", 0, 0, -1);
    long long n;
    cr_assert_eq(Z->lexcount(e, 0, KEY, &r.lex, &n), AK_OK);
    cr_assert_eq(n, 5);
    r = by_lex("-", "+", 0, 0, -1);
    cr_assert_eq(Z->lexcount(e, 0, KEY, &r.lex, &n), AK_OK);
    cr_assert_eq(n, 7);
    size_t removed;
    r = by_lex("(b", "[e", 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    range(KEY, by_rank(0, -1, 0));
    expect_members("a b ee f");
    check(KEY);
    r = by_lex("(ee", "+", 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 1);
    r = by_lex("-", "+", 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert_not(key_exists(KEY));
    commit();
}

ENGINE_TEST(zset, lex_ranges_listpack)
{
    scenario_lex_ranges();
}

ENGINE_TEST(zset, lex_ranges_skiplist)
{
    use_skiplist();
    scenario_lex_ranges();
}

ENGINE_TEST(zset, listpack_lex_range_over_mixed_scores_walks_linearly_like_redis)
{
    /* In score order: c(1) a(2) b(3). Redis's listpack walk takes the first
     * element >= min, then goes on while <= max. (The integration test
     * test_zrange_by_lex_on_mixed_scores_in_a_listpack asks the same.) */
    add_ok("c", 1);
    add_ok("a", 2);
    add_ok("b", 3);
    range(KEY, by_lex("[b", "+", 0, 0, -1));
    expect_members("c a b");
    long long n;
    ak_zrange r = by_lex("[b", "+", 0, 0, -1);
    Z->lexcount(e, 0, KEY, &r.lex, &n);
    cr_assert_eq(n, 3);
    add_ok("d", 4);
    range(KEY, by_lex("[b", "+", 0, 0, -1));
    expect_members("c a b d");
    range(KEY, by_lex("-", "[b", 0, 0, -1));
    expect_members("");
    range(KEY, by_lex("[c", "-", 1, 0, -1));
    expect_members("");
    ak_zrange rv = by_lex("-", "[c", 1, 0, -1);
    range(KEY, rv);
    expect_members("b a c");
    Z->lexcount(e, 0, KEY, &r.lex, &n);
    cr_assert_eq(n, 4);
    size_t removed;
    r = by_lex("[c", "[c", 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3, "c, then a and b (<= \"c\")");
    range(KEY, by_rank(0, -1, 0));
    expect_members("d");
    commit();
}

/* b(1) a(2) z(3) in KEY: ZLEXCOUNT [b [c, whose range *r becomes. */
static long long lexcount_of_b_a_z(ak_zrange *r)
{
    add_ok("b", 1);
    add_ok("a", 2);
    add_ok("z", 3);
    *r = by_lex("[b", "[c", 0, 0, -1);
    long long n;
    cr_assert_eq(Z->lexcount(e, 0, KEY, &r->lex, &n), AK_OK);
    return n;
}

ENGINE_TEST(zset, listpack_lexcount_over_mixed_scores_counts_the_walk)
{
    ak_zrange r;
    cr_assert_eq(lexcount_of_b_a_z(&r), 2);
    r.rev = 1;
    range(KEY, r);
    expect_members(""); /* the last <= "c" from the end is a, < "b" */
    commit();
}

/* ---------------------------------------------------------------- removal, pop */

/* n01..n10, then the last two by rank, (2, 4] by score and an empty rank
 * range removed. */
static void fill_and_remrange(void)
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
}

static void scenario_remrange_pop(void)
{
    fill_and_remrange();
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 0, 2, collect, &got), AK_OK);
    expect_members("n01 n02");
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 3, collect, &got), AK_OK);
    expect_members("n08 n07 n06");
    cr_assert_eq(got.v[0].s, 8);
    check(KEY);
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 100, collect, &got), AK_OK);
    expect_members("n05");
    cr_assert_not(key_exists(KEY), "the last pop deletes the key");
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 1, collect, &got), AK_NOTFOUND);

    fill_and_remrange();
    size_t removed;
    ak_zrange r = by_rank(1, 2, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n01 n06 n07 n08");
    fill_numbers(10);
    r = by_rank(0, 1, 0);
    Z->remrange(e, 0, KEY, &r, &removed);
    r = by_rank(-2, -1, 0);
    Z->remrange(e, 0, KEY, &r, &removed);
    r = by_score(3, 0, 4, 0, 0, 0, -1);
    Z->remrange(e, 0, KEY, &r, &removed);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n05 n06 n07 n08");
    cr_assert_eq(card(KEY), 4);
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 0, 2, collect, &got), AK_OK);
    expect_members("n05 n06");
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 1, collect, &got), AK_OK);
    expect_members("n08");
    cr_assert_eq(got.v[0].s, 8);
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 0, collect, &got), AK_OK);
    cr_assert_eq(got.n, 0);
    cr_assert_eq(card(KEY), 1);
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 100, collect, &got), AK_OK);
    expect_members("n07");
    cr_assert_not(key_exists(KEY), "the last pop deletes the key");
    cr_assert_eq(Z->pop(e, 0, KEY, 1, 1, collect, &got), AK_NOTFOUND);

    fill_numbers(3);
    r = by_score(-INFINITY, 0, INFINITY, 0, 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert_not(key_exists(KEY));
    fill_numbers(3);
    r = by_rank(0, -1, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert_not(key_exists(KEY));
    fill_numbers(3);
    ak_slice all[4] = {S("n01"), S("n02"), S("n03"), S("n01")};
    cr_assert_eq(Z->rem(e, 0, KEY, all, 4, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert_not(key_exists(KEY));
    commit();
}

ENGINE_TEST(zset, remrange_and_pop_listpack)
{
    scenario_remrange_pop();
}

ENGINE_TEST(zset, remrange_and_pop_skiplist)
{
    use_skiplist();
    scenario_remrange_pop();
}

/* ---------------------------------------------------------------- random, scan */

static void scenario_random(void)
{
    fill_numbers(20);
    /* Distinct, when asked for fewer than there are (both strategies). */
    size_t counts[] = {1, 2, 5, 7, 15, 19};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        out_reset(&got);
        cr_assert_eq(Z->random(e, 0, KEY, counts[c], 1, collect, &got), AK_OK);
        cr_assert_eq(got.n, counts[c]);
        for (size_t i = 0; i < got.n; i++) {
            double s;
            cr_assert(score_of(got.v[i].p, &s) && s == got.v[i].s);
            for (size_t j = 0; j < i; j++)
                cr_assert_str_neq(got.v[i].p, got.v[j].p);
        }
    }
    out_reset(&got);
    Z->random(e, 0, KEY, 100, 1, collect, &got);
    cr_assert_eq(got.n, 20, "all of them, once");
    expect_members("n01 n02 n03 n04 n05 n06 n07 n08 n09 n10 n11 n12 n13 n14 n15 n16 n17 n18 n19 "
                   "n20");
    out_reset(&got);
    Z->random(e, 0, KEY, 500, 0, collect, &got);
    cr_assert_eq(got.n, 500, "with repetitions: exactly count");
    /* Every member turns up in 500 draws out of 20 (the chance one does
     * not is 20 * (19/20)^500, about 1e-10); scores come along. */
    int seen[21] = {0};
    for (size_t i = 0; i < got.n; i++) {
        int k = atoi(got.v[i].p + 1);
        cr_assert_eq(got.v[i].s, k);
        seen[k] = 1;
    }
    for (int i = 1; i <= 20; i++)
        cr_assert(seen[i], "n%02d never drawn", i);
    /* Distinct samples are fair: each member about count/len of the time. */
    int hits[21] = {0};
    for (int t = 0; t < 2000; t++) {
        out_reset(&got);
        Z->random(e, 0, KEY, 5, 1, collect, &got);
        for (size_t i = 0; i < got.n; i++)
            hits[atoi(got.v[i].p + 1)]++;
    }
    for (int i = 1; i <= 20; i++)
        cr_assert(hits[i] > 350 && hits[i] < 650, "n%02d drawn %d times of ~500", i, hits[i]);
    commit();
}

ENGINE_TEST(zset, random_members_listpack)
{
    scenario_random();
}

ENGINE_TEST(zset, random_members_skiplist)
{
    use_skiplist();
    scenario_random();
}

ENGINE_TEST(zset, random_with_repetition_from_a_large_set_is_fair)
{
    use_skiplist();
    enum { N = 3000 };
    ak_zelem *el = malloc(N * sizeof *el);
    char (*names)[8] = malloc(N * sizeof *names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "%05d", i);
        el[i].member = S(names[i]);
        el[i].score = i;
    }
    ak_zadd_result r;
    cr_assert_eq(Z->add(e, 0, KEY, el, N, 0, &r), AK_OK);
    /* Several batches; every draw is a real member with its score. */
    static int hits[N];
    memset(hits, 0, sizeof hits);
    size_t draws = 30000;
    out_reset(&got);
    cr_assert_eq(Z->random(e, 0, KEY, draws, 0, collect, &got), AK_OK);
    cr_assert_eq(got.n, draws);
    for (size_t i = 0; i < got.n; i++) {
        int k = atoi(got.v[i].p);
        cr_assert_eq(got.v[i].s, k);
        hits[k]++;
    }
    int lo = 0, hi = 0; /* buckets of 300 members: about 3000 draws each */
    for (int b = 0; b < 10; b++) {
        int sum = 0;
        for (int i = b * 300; i < (b + 1) * 300; i++)
            sum += hits[i];
        lo += sum < 2700;
        hi += sum > 3300;
    }
    cr_assert(lo == 0 && hi == 0, "draws are not uniform");
    /* Draw order is not sorted order. */
    int sorted = 1;
    for (size_t i = 1; i < 100; i++)
        sorted &= strcmp(got.v[i - 1].p, got.v[i].p) <= 0;
    cr_assert_not(sorted);
    free(el);
    free(names);
    commit();
}

ENGINE_TEST(zset, scan_visits_every_member_of_a_skiplist)
{
    use_skiplist();
    fill_numbers(99);
    static int seen[100];
    memset(seen, 0, sizeof seen);
    uint64_t cursor = 0;
    int steps = 0;
    do {
        out_reset(&got);
        cr_assert_eq(Z->scan(e, 0, KEY, cursor, 10, collect, &got, &cursor), AK_OK);
        /* SQLite only: a step is exactly COUNT members (the memory engine
         * walks dict buckets). */
        if (is_sqlite())
            cr_assert_leq(got.n, 10);
        for (size_t i = 0; i < got.n; i++) {
            int k = atoi(got.v[i].p + 1);
            cr_assert_eq(got.v[i].s, k);
            seen[k]++;
        }
        cr_assert_lt(++steps, 1000);
    } while (cursor != 0);
    for (int i = 1; i <= 99; i++)
        cr_assert(seen[i], "n%02d not scanned", i);
    /* SQLite only: the cursor is an offset into the set, so 99 members
     * take 10 steps and none comes twice. */
    if (is_sqlite()) {
        cr_assert_eq(steps, 10, "99 members, 10 a step, the end seen on the last");
        for (int i = 1; i <= 99; i++)
            cr_assert_eq(seen[i], 1, "n%02d scanned %d times", i, seen[i]);
    }
    commit();
}

ENGINE_TEST(zset, scan_keeps_members_present_throughout_despite_changes)
{
    use_skiplist();
    fill_numbers(60);
    static int seen[100];
    memset(seen, 0, sizeof seen);
    uint64_t cursor = 0;
    int steps = 0;
    do {
        out_reset(&got);
        cr_assert_eq(Z->scan(e, 0, KEY, cursor, 7, collect, &got, &cursor), AK_OK);
        for (size_t i = 0; i < got.n; i++)
            seen[atoi(got.v[i].p + 1)] = 1;
        /* Delete one member already seen and one not yet seen, each step;
         * the ones never deleted must all be returned. */
        char m[8];
        size_t removed;
        snprintf(m, sizeof m, "n%02d", 1 + steps);
        ak_slice mm = S(m);
        Z->rem(e, 0, KEY, &mm, 1, &removed);
        snprintf(m, sizeof m, "n%02d", 60 - steps);
        mm = S(m);
        Z->rem(e, 0, KEY, &mm, 1, &removed);
        commit();
        cr_assert_lt(++steps, 100);
    } while (cursor != 0);
    for (int i = 1 + steps; i <= 60 - steps; i++)
        cr_assert(seen[i], "n%02d present throughout but not scanned", i);
}

ENGINE_TEST(zset, scan_of_a_listpack_is_one_call)
{
    fill_numbers(5);
    uint64_t next = 77;
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, 0, 1, collect, &got, &next), AK_OK);
    cr_assert_eq(next, 0);
    expect_members("n01 n02 n03 n04 n05");
    commit();
}

/* ---------------------------------------------------------------- a large set */

/* The member of rank k, score k / 10 in a set of n. */
static const char *mk(int k)
{
    static char buf[4][16];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 16, "m%06d", k);
    return b;
}

static void expect_members_from(const int *ranks, size_t n)
{
    char want[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(want, " ");
        strcat(want, mk(ranks[i]));
    }
    expect_members(want);
}

#define EXPECT_RANKS(...)                                                                 \
    expect_members_from((const int[]){__VA_ARGS__},                                       \
                        sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* n members inserted out of order, scores with many ties. The memory
 * engine takes 100k members (and checks its skiplist's invariants); SQLite
 * 20k (each write is SQL), with the score and offset windows moved to
 * match. */
ENGINE_TEST(zset, large_skiplist_ranks_ranges_scan_and_removal)
{
    const int n = is_sqlite() ? 20000 : 100000;
    const int score = is_sqlite() ? 1000 : 4000, off = is_sqlite() ? 17777 : 77777;
    for (int i = 0; i < n; i++) {
        int k = (int)(((long long)i * 7919) % n);
        ak_zelem el = {S(mk(k)), (double)(k / 10)};
        ak_zadd_result r;
        cr_assert_eq(Z->add(e, 0, KEY, &el, 1, 0, &r), AK_OK);
        cr_assert_eq(r.added, 1);
    }
    commit();
    cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
    cr_assert_eq(card(KEY), (size_t)n);
    check(KEY);
    for (int k = 0; k < n; k += 997) {
        int found;
        size_t rank;
        double s;
        cr_assert_eq(Z->rank(e, 0, KEY, S(mk(k)), 0, &found, &rank, &s), AK_OK);
        cr_assert(found && rank == (size_t)k && s == k / 10);
        cr_assert_eq(Z->rank(e, 0, KEY, S(mk(k)), 1, &found, &rank, &s), AK_OK);
        cr_assert_eq(rank, (size_t)(n - 1 - k));
    }
    range(KEY, by_rank(n / 2, n / 2 + 2, 0));
    EXPECT_RANKS(n / 2, n / 2 + 1, n / 2 + 2);
    range(KEY, by_rank(0, 1, 1));
    EXPECT_RANKS(n - 1, n - 2);
    range(KEY, by_rank(-3, -1, 0)); /* from the far end */
    EXPECT_RANKS(n - 3, n - 2, n - 1);
    range(KEY, by_rank(-2, -1, 1));
    EXPECT_RANKS(1, 0);
    range(KEY, by_score(score, 0, score, 0, 0, 0, -1));
    cr_assert_eq(got.n, 10);
    cr_assert_str_eq(got.v[0].p, mk(score * 10));
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 0, off, 2));
    EXPECT_RANKS(off, off + 1);
    range(KEY, by_score(-INFINITY, 0, INFINITY, 0, 1, off, 2));
    EXPECT_RANKS(n - 1 - off, n - 2 - off);
    size_t cnt;
    ak_zscore_range sr = {100, 199, 0, 1};
    Z->count(e, 0, KEY, &sr, &cnt);
    cr_assert_eq(cnt, 990);
    /* Mixed scores: lex ranges walk (on SQLite as a level-1 skiplist). */
    char lo[16];
    snprintf(lo, sizeof lo, "[%s", mk(n - 10));
    range(KEY, by_lex(lo, "+", 0, 0, 3));
    EXPECT_RANKS(n - 10, n - 9, n - 8);
    /* A full scan, 10 at a time: each step resumes where the last stopped. */
    unsigned char *seen = calloc((size_t)n, 1);
    uint64_t cursor = 0;
    int steps = 0;
    do {
        out_reset(&got);
        cr_assert_eq(Z->scan(e, 0, KEY, cursor, 10, collect, &got, &cursor), AK_OK);
        for (size_t i = 0; i < got.n; i++)
            seen[atoi(got.v[i].p + 1)]++;
        cr_assert_lt(++steps, n);
    } while (cursor != 0);
    for (int k = 0; k < n; k++)
        cr_assert_eq(seen[k], 1, "%s scanned %d times", mk(k), seen[k]);
    free(seen);
    /* Random draws. */
    out_reset(&got);
    Z->random(e, 0, KEY, 50, 1, collect, &got);
    cr_assert_eq(got.n, 50);
    out_reset(&got);
    Z->random(e, 0, KEY, 2000, 0, collect, &got);
    cr_assert_eq(got.n, 2000);
    for (size_t i = 0; i < got.n; i++)
        cr_assert_eq(got.v[i].s, atoi(got.v[i].p + 1) / 10);
    /* Remove half by rank, some by score, pop from both ends. */
    size_t removed;
    ak_zrange r = by_rank(0, n / 2 - 1, 0);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, (size_t)n / 2);
    check(KEY);
    int found;
    size_t rank;
    double s;
    Z->rank(e, 0, KEY, S(mk(n / 10 * 6)), 0, &found, &rank, &s);
    cr_assert(found && rank == (size_t)n / 10);
    r = by_score(n / 40 * 3, 0, n / 40 * 3 + 99, 0, 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, 1000);
    out_reset(&got);
    Z->pop(e, 0, KEY, 1, 5, collect, &got);
    EXPECT_RANKS(n - 1, n - 2, n - 3, n - 4, n - 5);
    size_t left = (size_t)n / 2 - 1000 - 5;
    cr_assert_eq(card(KEY), left);
    commit();
    persist_point();
    cr_assert_eq(card(KEY), left);
    range(KEY, by_rank(0, -1, 0));
    cr_assert_eq(got.n, left);
    check(KEY);
    /* Deleting the whole big set. */
    r = by_score(-INFINITY, 0, INFINITY, 0, 0, 0, -1);
    cr_assert_eq(Z->remrange(e, 0, KEY, &r, &removed), AK_OK);
    cr_assert_eq(removed, left);
    cr_assert_not(key_exists(KEY));
    add_ok("fresh", 1);
    range(KEY, by_rank(0, -1, 0));
    expect_members("fresh");
    commit();
}

/* ---------------------------------------------------------------- random vs a model */

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

static const double SCORES[] = {0, 1, 1, 2, 2.5, -1, -7.25, 100, 1e9, -1e-9,
                                INFINITY, -INFINITY, 3};

static void expect_model_range(size_t from, size_t to, int rev)
{
    /* got must equal model[from..to) (reversed with rev). */
    cr_assert_eq(got.n, to - from, "range size %zu != %zu", got.n, to - from);
    for (size_t i = 0; i < got.n; i++) {
        size_t k = rev ? to - 1 - i : from + i;
        cr_assert_str_eq(got.v[i].p, model[k].m);
        cr_assert_eq(got.v[i].s, model[k].s);
    }
}

/* got must be the window of model[from..to) that skips `off` and takes at
 * most `lim` (all if negative), from the far end with rev. */
static void expect_model_window(size_t from, size_t to, long long off, long long lim, int rev)
{
    size_t cnt = to - from, skip = (size_t)off < cnt ? (size_t)off : cnt, take = cnt - skip;
    if (lim >= 0 && (size_t)lim < take)
        take = (size_t)lim;
    if (rev)
        expect_model_range(to - skip - take, to - skip, 1);
    else
        expect_model_range(from + skip, from + skip + take, 0);
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
        } else if (op == 7) { /* score range with limit, and count */
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
            expect_model_window(from, to, off, lim, rev);
            size_t n;
            ak_zscore_range sr = {lo, hi, lx, hx};
            int rc = Z->count(e, 0, KEY, &sr, &n);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            cr_assert_eq(n, cnt);
        } else if (op == 8) { /* rank of a member, from either end */
            int found;
            size_t rank;
            double s;
            int rev = rnd(2);
            int rc = Z->rank(e, 0, KEY, S(m), rev, &found, &rank, &s);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            int i = model_find(m);
            cr_assert_eq(found, i >= 0);
            if (i >= 0)
                cr_assert(rank == (rev ? mn - 1 - (size_t)i : (size_t)i) && s == model[i].s);
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
            out_reset(&got);
            int rc = Z->pop(e, 0, KEY, max, cnt, collect, &got);
            cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
            size_t want = cnt < mn ? cnt : mn;
            cr_assert_eq(got.n, want);
            for (size_t i = 0; i < want; i++) {
                size_t k = max ? mn - 1 : 0;
                cr_assert_str_eq(got.v[i].p, model[k].m);
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
            commit();
            range(KEY, by_rank(0, -1, 0));
            expect_model_range(0, mn, 0);
        }
    }
    check(KEY);
    range(KEY, by_rank(0, -1, 0));
    expect_model_range(0, mn, 0);
    persist_point();
    range(KEY, by_rank(0, -1, 0));
    expect_model_range(0, mn, 0);
    commit();
}

ENGINE_TEST(zset, random_operations_match_model_listpack)
{
    cfg.zset_max_listpack_entries = 100000; /* stays a listpack throughout */
    random_vs_model(20000);
    if (mn)
        cr_assert_eq(encoding(KEY), AK_ENC_LISTPACK);
}

ENGINE_TEST(zset, random_operations_match_model_skiplist)
{
    use_skiplist();
    random_vs_model(20000);
    if (mn)
        cr_assert_eq(encoding(KEY), AK_ENC_SKIPLIST);
}

ENGINE_TEST(zset, random_operations_match_model_across_conversion)
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
    static const char *bounds[] = {"-", "+", "[k1", "(k1", "[k5", "(k5",
                                   "[k", "(k", "[k3x", "[k9", "(k9"};
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
        size_t cnt = to - from;
        expect_model_window(from, to, off, lim, rev);
        long long n = 0;
        ak_zrange r = by_lex(lo, hi, 0, 0, -1);
        Z->lexcount(e, 0, KEY, &r.lex, &n);
        cr_assert_eq(n, (long long)cnt);
    }
    check(KEY);
}

ENGINE_TEST(zset, random_lex_ranges_match_model_listpack)
{
    cfg.zset_max_listpack_entries = 1000;
    random_lex();
}

ENGINE_TEST(zset, random_lex_ranges_match_model_skiplist)
{
    use_skiplist();
    random_lex();
}

/* ---------------------------------------------------------------- SQLite engine only */

/* ZSCAN's cursor on SQLite is an offset into the set (the memory engine's
 * is a dict bucket walk, which a foreign number does not page). */
SQLITE_TEST(zset, scan_with_a_foreign_cursor_pages_by_offset)
{
    use_skiplist();
    fill_numbers(30);
    uint64_t next;
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, 25, 10, collect, &got, &next), AK_OK);
    expect_members("n26 n27 n28 n29 n30");
    cr_assert_eq(next, 0);
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, 1000, 10, collect, &got, &next), AK_OK);
    cr_assert(got.n == 0 && next == 0);
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, 3, 2, collect, &got, &next), AK_OK);
    expect_members("n04 n05");
    cr_assert_eq(next, 5);
    /* The step resumes where the remembered one stopped. */
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, next, 100, collect, &got, &next), AK_OK);
    cr_assert_eq(got.n, 25);
    cr_assert_str_eq(got.v[0].p, "n06");
    cr_assert_eq(next, 0);
    /* An unfinished walk left behind: the engine's close frees what it
     * remembers of it (the fixture's leak check). */
    out_reset(&got);
    cr_assert_eq(Z->scan(e, 0, KEY, 0, 2, collect, &got, &next), AK_OK);
    cr_assert_eq(next, 2);
    commit();
}

SQLITE_TEST(zset, sets_survive_close_and_reopen)
{
    add_to(e, S("lp"), "b", 2, 0, NULL);
    add_to(e, S("lp"), "a", 1.5, 0, NULL);
    cfg.zset_max_listpack_entries = 0;
    add_to(e, S("sl"), "x", -INFINITY, 0, NULL);
    add_to(e, S("sl"), "y", 1e-300, 0, NULL);
    cfg.zset_max_listpack_entries = 128;
    reopen();
    cr_assert_eq(encoding(S("lp")), AK_ENC_LISTPACK);
    cr_assert_eq(encoding(S("sl")), AK_ENC_SKIPLIST);
    range(S("lp"), by_rank(0, -1, 0));
    expect_members("a b");
    cr_assert(got.v[0].s == 1.5 && got.v[1].s == 2);
    range(S("sl"), by_rank(0, -1, 0));
    expect_members("x y");
    cr_assert(got.v[0].s == -INFINITY && got.v[1].s == 1e-300);
    size_t n;
    cr_assert_eq(Z->card(e, 0, S("sl"), &n), AK_OK);
    cr_assert_eq(n, 2);
    /* Writes after reopening keep going. */
    add_to(e, S("lp"), "c", 0, 0, NULL);
    reopen();
    range(S("lp"), by_rank(0, -1, 0));
    expect_members("c a b");
    commit();
}

SQLITE_TEST(zset, rollback_undoes_adds_and_removals)
{
    fill_numbers(5);
    commit();
    add_ok("zz", 100);
    size_t removed;
    ak_zrange r = by_rank(0, 1, 0);
    Z->remrange(e, 0, KEY, &r, &removed);
    cr_assert_eq(card(KEY), 4);
    e->ops->rollback(e);
    cr_assert_eq(card(KEY), 5);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n01 n02 n03 n04 n05");
    commit();
}

SQLITE_TEST(zset, a_storage_failure_is_recorded_and_changes_nothing)
{
    fill_numbers(3);
    commit();
    e->ops->close(e);
    e = NULL;
    /* A read-only store: every write fails inside SQLite. */
    open_sqlite(1);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n01 n02 n03");
    ak_zadd_result res;
    cr_assert_eq(add("new", 1, 0, &res), AK_OK);
    cr_assert_neq(e->error, 0, "the failure is recorded");
    cr_assert_eq(res.added, 0);
    e->ops->rollback(e);
    e->error = 0;
    cr_assert_eq(add_to(e, S("other"), "m", 1, 0, &res), AK_OK);
    cr_assert_neq(e->error, 0);
    e->ops->rollback(e);
    e->error = 0;
    out_reset(&got);
    cr_assert_eq(Z->pop(e, 0, KEY, 0, 1, collect, &got), AK_OK);
    cr_assert_neq(e->error, 0);
    e->ops->rollback(e);
    e->error = 0;
    cr_assert_eq(card(KEY), 3);
    e->ops->close(e);
    e = NULL;
    open_sqlite(0);
    range(KEY, by_rank(0, -1, 0));
    expect_members("n01 n02 n03");
    commit();
}

/* ---------------------------------------------------------------- SQLite vs the memory engine */

SQLITE_TEST(zset, thresholds_match_the_memory_engine)
{
    /* The same stream of adds, removes and config changes gives the same
     * encoding after every step on both engines. */
    ak_engine *me = reference_engine();
    for (int step = 0; step < 3000; step++) {
        if (step % 100 == 0) {
            cfg.zset_max_listpack_entries = rnd(12);
            cfg.zset_max_listpack_value = 3 + rnd(6);
        }
        char key[8], m[16];
        snprintf(key, sizeof key, "k%d", rnd(8));
        int len = 1 + rnd(9);
        for (int i = 0; i < len; i++)
            m[i] = (char)('a' + rnd(3));
        m[len] = '\0';
        if (rnd(4)) {
            unsigned flags = rnd(5) == 0 ? AK_ZADD_XX : rnd(9) == 0 ? AK_ZADD_BIG : 0;
            double sc = rnd(5);
            cr_assert_eq(add_to(e, S(key), m, sc, flags, NULL),
                         add_to(me, S(key), m, sc, flags, NULL));
        } else {
            size_t r1, r2;
            ak_slice mm = S(m);
            e->ops->zset->rem(e, 0, S(key), &mm, 1, &r1);
            me->ops->zset->rem(me, 0, S(key), &mm, 1, &r2);
            cr_assert_eq(r1, r2);
        }
        ak_keyinfo a, b;
        e->ops->lookup(e, 0, S(key), AK_LOOKUP_NOTOUCH, &a);
        me->ops->lookup(me, 0, S(key), AK_LOOKUP_NOTOUCH, &b);
        cr_assert_eq(a.type, b.type, "step %d", step);
        if (a.type == AIKV_TYPE_ZSET)
            cr_assert_eq(a.encoding, b.encoding, "step %d: %s vs %s", step,
                         ak_encoding_name(a.encoding), ak_encoding_name(b.encoding));
        if (step % 50 == 0)
            commit();
    }
    commit();
}

/* ---------------------------------------------------------------- SQLite: a level-1 skiplist */

/* Redis's zsl* lex functions transliterated onto an array in set order, for
 * a skiplist whose nodes all have level 1 (so every descent is a forward
 * walk from the header, index -1). What this engine answers for a lex
 * range over a skiplist with mixed scores. */
static ak_slice at(const out *a, long long i)
{
    return ak_slice_of(a->v[i].p, a->v[i].len);
}

static long long sl_first_in_lex(const out *a, const ak_zlex_range *r)
{
    if (ak_zlex_empty(r) || !a->n || !ak_zlex_gte_min(at(a, (long long)a->n - 1), r) ||
        !ak_zlex_lte_max(at(a, 0), r))
        return -1;
    long long x = -1;
    while (x + 1 < (long long)a->n && !ak_zlex_gte_min(at(a, x + 1), r))
        x++;
    x++;
    if (x >= (long long)a->n || !ak_zlex_lte_max(at(a, x), r))
        return -1;
    return x;
}

static long long sl_last_in_lex(const out *a, const ak_zlex_range *r)
{
    if (ak_zlex_empty(r) || !a->n || !ak_zlex_gte_min(at(a, (long long)a->n - 1), r) ||
        !ak_zlex_lte_max(at(a, 0), r))
        return -1;
    long long x = -1;
    while (x + 1 < (long long)a->n && ak_zlex_lte_max(at(a, x + 1), r))
        x++;
    if (x < 0 || !ak_zlex_gte_min(at(a, x), r))
        return -1;
    return x;
}

/* genericZrangebylexCommand on a skiplist. */
static void sl_range(const out *a, const ak_zrange *r, out *res)
{
    out_reset(res);
    if (r->offset < 0)
        return;
    long long x = r->rev ? sl_last_in_lex(a, &r->lex) : sl_first_in_lex(a, &r->lex);
    long long off = r->offset, lim = r->limit;
    while (x >= 0 && x < (long long)a->n && off--)
        x += r->rev ? -1 : 1;
    while (x >= 0 && x < (long long)a->n && lim--) {
        if (r->rev ? !ak_zlex_gte_min(at(a, x), &r->lex) : !ak_zlex_lte_max(at(a, x), &r->lex))
            break;
        out_push(res, at(a, x), a->v[x].s);
        x += r->rev ? -1 : 1;
    }
}

/* zlexcountCommand on a skiplist: rank arithmetic. */
static long long sl_lexcount(const out *a, const ak_zlex_range *r)
{
    long long f = sl_first_in_lex(a, r);
    if (f < 0)
        return 0;
    long long len = (long long)a->n, count = len - f; /* len - (rank(f) - 1) */
    long long l = sl_last_in_lex(a, r);
    if (l >= 0)
        count -= len - (l + 1);
    return count;
}

/* zslDeleteRangeByLex: no range check. Returns the members removed. */
static size_t sl_remrange(const out *a, const ak_zlex_range *r)
{
    long long x = -1;
    while (x + 1 < (long long)a->n && !ak_zlex_gte_min(at(a, x + 1), r))
        x++;
    x++;
    size_t n = 0;
    while (x < (long long)a->n && ak_zlex_lte_max(at(a, x), r)) {
        n++;
        x++;
    }
    return n;
}

SQLITE_TEST(zset, skiplist_lex_ranges_over_mixed_scores_walk_a_level_1_skiplist)
{
    use_skiplist();
    /* c(1) a(2) b(3) d(4): member order is not set order. */
    add_ok("c", 1);
    add_ok("a", 2);
    add_ok("b", 3);
    add_ok("d", 4);
    range(KEY, by_lex("[b", "+", 0, 0, -1));
    expect_members("c a b d"); /* the first >= "b" is c, then all <= "+" */
    range(KEY, by_lex("-", "[b", 1, 0, -1));
    expect_members(""); /* the first element, c, is > "b": out of range */
    range(KEY, by_lex("-", "[c", 1, 0, -1));
    expect_members("b a c"); /* the walk stops before d: last is b */
    /* b(1) a(2) z(3): the last <= "c" from the head is a, which is < "b",
     * so there is no last element and ZLEXCOUNT's rank arithmetic counts
     * from b to the end (a listpack counts its walk: 2). */
    e->ops->del(e, 0, KEY);
    ak_zrange r;
    cr_assert_eq(lexcount_of_b_a_z(&r), 3);
    range(KEY, r);
    expect_members("b a");
    r.rev = 1;
    range(KEY, r);
    expect_members("");
    commit();
}

static void random_mixed_lex(int steps, int skiplist)
{
    static const char *bounds[] = {"-", "+", "[b", "(b", "[c", "(c",
                                   "[bb", "(bb", "[a", "[d", "(d", "[ca"};
    static const char *members[] = {"a", "b", "bb", "c", "ca", "d", "e", "ab"};
    ak_engine *me = reference_engine();
    out all = {0}, want = {0};
    for (int step = 0; step < steps; step++) {
        const char *m = members[rnd(8)];
        if (rnd(4)) {
            double sc = rnd(4) == 0 ? 0 : rnd(3); /* mostly mixed, sometimes all equal */
            add_ok(m, sc);
            add_to(me, KEY, m, sc, 0, NULL);
        } else {
            size_t r1, r2;
            ak_slice mm = S(m);
            Z->rem(e, 0, KEY, &mm, 1, &r1);
            me->ops->zset->rem(me, 0, KEY, &mm, 1, &r2);
            cr_assert_eq(r1, r2);
        }
        if (!key_exists(KEY))
            continue;
        range(KEY, by_rank(0, -1, 0));
        out_reset(&all);
        for (size_t i = 0; i < got.n; i++)
            out_push(&all, at(&got, (long long)i), got.v[i].s);
        const char *lo = bounds[rnd(12)], *hi = bounds[rnd(12)];
        ak_zrange r = by_lex(lo, hi, rnd(2), rnd(3), rnd(4) - 1);
        char what[96];
        snprintf(what, sizeof what, "step %d %s %s rev %d off %lld lim %lld", step, lo, hi, r.rev,
                 r.offset, r.limit);
        range(KEY, r);
        if (skiplist)
            sl_range(&all, &r, &want);
        else
            range_on(me, KEY, r, &want);
        same_output(&got, &want, what);
        long long n1, n2;
        Z->lexcount(e, 0, KEY, &r.lex, &n1);
        if (skiplist)
            n2 = sl_lexcount(&all, &r.lex);
        else
            me->ops->zset->lexcount(me, 0, KEY, &r.lex, &n2);
        cr_assert_eq(n1, n2, "%s: lexcount %lld, expected %lld", what, n1, n2);
        if (rnd(6) == 0) {
            size_t d1, d2;
            Z->remrange(e, 0, KEY, &r, &d1);
            if (skiplist) {
                d2 = sl_remrange(&all, &r.lex);
                /* Mirror the removal on the memory engine by members. */
                range(KEY, by_rank(0, -1, 0));
                for (size_t i = 0; i < all.n; i++) {
                    int still = 0;
                    for (size_t j = 0; j < got.n; j++)
                        still |= !strcmp(got.v[j].p, all.v[i].p);
                    if (!still) {
                        size_t x;
                        ak_slice mm = at(&all, (long long)i);
                        me->ops->zset->rem(me, 0, KEY, &mm, 1, &x);
                    }
                }
            } else {
                me->ops->zset->remrange(me, 0, KEY, &r, &d2);
            }
            cr_assert_eq(d1, d2, "%s: remrange %zu, expected %zu", what, d1, d2);
            range(KEY, by_rank(0, -1, 0));
            range_on(me, KEY, by_rank(0, -1, 0), &want);
            same_output(&got, &want, what);
        }
        if (step % 200 == 0)
            commit();
    }
    out_free(&all);
    out_free(&want);
    commit();
}

SQLITE_TEST(zset, listpack_lex_ranges_over_mixed_scores_match_the_memory_engine)
{
    random_mixed_lex(6000, 0);
}

SQLITE_TEST(zset, skiplist_lex_ranges_over_mixed_scores_match_a_level_1_skiplist)
{
    use_skiplist();
    random_mixed_lex(6000, 1);
}

/* ---------------------------------------------------------------- random vs the memory engine */

/* The same operations on both engines, same configuration: every answer
 * must be the same (random draws: valid members with their scores; lex
 * ranges over mixed scores in a skiplist are left to the test above). */
static void diff_step(int step)
{
    char key[8], m[16], what[64];
    snprintf(key, sizeof key, "d%d", rnd(3));
    snprintf(m, sizeof m, "%c%d", 'a' + rnd(3), rnd(40));
    ak_slice K = S(key);
    ak_engine *me = reference_engine();
    const struct ak_zset_ops *MZ = me->ops->zset;
    int op = rnd(16);
    snprintf(what, sizeof what, "step %d op %d key %s", step, op, key);
    static const double sc[] = {0, 1, 2, 2, 3.5, -1, INFINITY, -INFINITY, -0.0, 1e18, 7};
    int rc1, rc2;
    if (op <= 4) {
        static const unsigned fl[] = {
            0, 0, 0, AK_ZADD_NX, AK_ZADD_XX, AK_ZADD_GT, AK_ZADD_LT, AK_ZADD_INCR,
            AK_ZADD_INCR | AK_ZADD_XX, AK_ZADD_GT | AK_ZADD_XX, AK_ZADD_BIG};
        unsigned flags = fl[rnd(11)];
        size_t n = (flags & AK_ZADD_INCR) ? 1 : 1 + (size_t)rnd(4);
        ak_zelem el[4];
        char ms[4][16];
        for (size_t i = 0; i < n; i++) {
            snprintf(ms[i], sizeof ms[i], "%c%d", 'a' + rnd(3), rnd(40));
            el[i].member = S(ms[i]);
            el[i].score = sc[rnd(11)];
        }
        ak_zadd_result r1, r2;
        rc1 = Z->add(e, 0, K, el, n, flags, &r1);
        rc2 = MZ->add(me, 0, K, el, n, flags, &r2);
        cr_assert_eq(rc1, rc2, "%s", what);
        cr_assert(r1.added == r2.added && r1.updated == r2.updated && r1.processed == r2.processed,
                  "%s: add counts", what);
        if (r1.processed)
            cr_assert(r1.score == r2.score || (isnan(r1.score) && isnan(r2.score)), "%s", what);
    } else if (op == 5) {
        ak_slice ms[2] = {S(m), S(key)};
        size_t d1, d2;
        rc1 = Z->rem(e, 0, K, ms, 2, &d1);
        rc2 = MZ->rem(me, 0, K, ms, 2, &d2);
        cr_assert(rc1 == rc2 && d1 == d2, "%s", what);
    } else if (op == 6) {
        ak_slice mm = S(m);
        double s1 = 0, s2 = 0;
        unsigned char f1, f2;
        rc1 = Z->score(e, 0, K, &mm, 1, &s1, &f1);
        rc2 = MZ->score(me, 0, K, &mm, 1, &s2, &f2);
        cr_assert(rc1 == rc2 && f1 == f2 && (!f1 || s1 == s2), "%s", what);
        int fo1, fo2, rev = rnd(2);
        size_t k1, k2;
        rc1 = Z->rank(e, 0, K, mm, rev, &fo1, &k1, &s1);
        rc2 = MZ->rank(me, 0, K, mm, rev, &fo2, &k2, &s2);
        cr_assert(rc1 == rc2 && fo1 == fo2 && (!fo1 || (k1 == k2 && s1 == s2)), "%s: rank", what);
    } else if (op == 7 || op == 8) {
        ak_zrange r;
        int by = rnd(3);
        if (by == 0)
            r = by_rank(rnd(30) - 15, rnd(30) - 15, rnd(2));
        else if (by == 1)
            r = by_score(sc[rnd(11)], rnd(2), sc[rnd(11)], rnd(2), rnd(2), rnd(3) - (rnd(8) == 0),
                         rnd(5) - 1);
        else {
            static const char *bounds[] = {"-", "+", "[a", "(a", "[b1", "(b1", "[c", "[b", "(c2"};
            r = by_lex(bounds[rnd(9)], bounds[rnd(9)], rnd(2), rnd(3), rnd(5) - 1);
        }
        rc1 = range_on(e, K, r, &got);
        rc2 = range_on(me, K, r, &got2);
        cr_assert_eq(rc1, rc2, "%s", what);
        int skip = 0;
        if (by == 2 && rc1 == AK_OK && encoding_of(me, K) == AK_ENC_SKIPLIST) {
            /* Mixed scores in a skiplist: run-dependent in Redis. */
            range_on(e, K, by_rank(0, 0, 0), &got2);
            double lo = got2.v[0].s;
            range_on(e, K, by_rank(-1, -1, 0), &got2);
            skip = lo != got2.v[0].s;
            if (!skip) {
                range_on(e, K, r, &got);
                range_on(me, K, r, &got2);
            }
        }
        if (!skip)
            same_output(&got, &got2, what);
        if (by == 1) {
            size_t n1, n2;
            Z->count(e, 0, K, &r.score, &n1);
            MZ->count(me, 0, K, &r.score, &n2);
            cr_assert_eq(n1, n2, "%s: count", what);
        } else if (by == 2 && !skip) {
            long long n1, n2;
            Z->lexcount(e, 0, K, &r.lex, &n1);
            MZ->lexcount(me, 0, K, &r.lex, &n2);
            cr_assert_eq(n1, n2, "%s: lexcount", what);
        }
        if (op == 8 && !skip && rnd(2)) {
            size_t d1, d2;
            rc1 = Z->remrange(e, 0, K, &r, &d1);
            rc2 = MZ->remrange(me, 0, K, &r, &d2);
            cr_assert(rc1 == rc2 && d1 == d2, "%s: remrange %zu vs %zu", what, d1, d2);
        }
    } else if (op == 9) {
        int max = rnd(2);
        size_t cnt = (size_t)rnd(4);
        out_reset(&got);
        out_reset(&got2);
        rc1 = Z->pop(e, 0, K, max, cnt, collect, &got);
        rc2 = MZ->pop(me, 0, K, max, cnt, collect, &got2);
        cr_assert_eq(rc1, rc2, "%s", what);
        same_output(&got, &got2, what);
    } else if (op == 10) {
        size_t cnt = (size_t)rnd(6);
        int unique = rnd(2);
        out_reset(&got);
        rc1 = Z->random(e, 0, K, cnt, unique, collect, &got);
        size_t card2 = 0;
        rc2 = MZ->card(me, 0, K, &card2);
        cr_assert_eq(rc1, rc2, "%s", what);
        size_t want = rc1 != AK_OK ? 0 : unique ? (cnt < card2 ? cnt : card2) : cnt;
        cr_assert_eq(got.n, want, "%s: random", what);
        for (size_t i = 0; i < got.n; i++) {
            ak_slice mm = at(&got, (long long)i);
            double s2;
            unsigned char f2;
            MZ->score(me, 0, K, &mm, 1, &s2, &f2);
            cr_assert(f2 && s2 == got.v[i].s, "%s: random gave %s", what, got.v[i].p);
            for (size_t j = 0; unique && j < i; j++)
                cr_assert_str_neq(got.v[i].p, got.v[j].p);
        }
    } else if (op == 11) {
        /* A whole scan gives the same members and scores. */
        uint64_t cur = 0;
        int guard = 0;
        out_reset(&got);
        do {
            rc1 = Z->scan(e, 0, K, cur, 1 + (size_t)rnd(5), collect, &got, &cur);
        } while (cur && ++guard < 1000);
        range_on(me, K, by_rank(0, -1, 0), &got2);
        cr_assert_eq(got.n, got2.n, "%s: scan", what);
        for (size_t i = 0; i < got.n; i++) {
            ak_slice mm = at(&got, (long long)i);
            double s2;
            unsigned char f2;
            MZ->score(me, 0, K, &mm, 1, &s2, &f2);
            cr_assert(f2 && s2 == got.v[i].s, "%s: scan", what);
        }
    } else if (op == 12 && rnd(10) == 0) {
        rc1 = Z->make_large(e, 0, K);
        rc2 = MZ->make_large(me, 0, K);
        cr_assert_eq(rc1, rc2);
    } else if (op == 13 && rnd(20) == 0) {
        cfg.zset_max_listpack_entries = rnd(3) ? 128 : rnd(6);
        cfg.zset_max_listpack_value = rnd(3) ? 64 : 2;
    } else {
        size_t c1, c2;
        rc1 = Z->card(e, 0, K, &c1);
        rc2 = MZ->card(me, 0, K, &c2);
        cr_assert(rc1 == rc2 && c1 == c2, "%s: card", what);
    }
    /* Keys and encodings stay in step. */
    ak_keyinfo a, b;
    e->ops->lookup(e, 0, K, AK_LOOKUP_NOTOUCH, &a);
    me->ops->lookup(me, 0, K, AK_LOOKUP_NOTOUCH, &b);
    cr_assert_eq(a.type, b.type, "%s: exists", what);
    if (a.type == AIKV_TYPE_ZSET)
        cr_assert_eq(a.encoding, b.encoding, "%s: encoding", what);
    if (step % 300 == 0 && a.type == AIKV_TYPE_ZSET) {
        range_on(e, K, by_rank(0, -1, 0), &got);
        range_on(me, K, by_rank(0, -1, 0), &got2);
        same_output(&got, &got2, what);
        commit();
    }
}

SQLITE_TEST(zset, random_operations_match_the_memory_engine)
{
    for (int step = 0; step < 30000; step++)
        diff_step(step);
    commit();
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
