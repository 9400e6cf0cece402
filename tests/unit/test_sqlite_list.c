/*
 * test_sqlite_list.c -- the SQLite engine's list operations (store/list.h,
 * store/sqlite/list.c) through the operations table: every operation, the
 * Redis index and range rules, both sides of LINSERT/LREM's gap shifting,
 * binary values, persistence across close/reopen, a random walk against an
 * in-test model, and a 20k-element list. After each change the invariant of
 * the storage is checked in SQL: the rows of a list are contiguous
 * positions, as many as LLEN says; after each test, engine_fixture.h's
 * checks (no storage failure, a clean commit, no leaked byte).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/list.h"
#include "engine_fixture.h"

/* The engine and its store file: engine_fixture.h (SQLite only here; the
 * memory engine's lists are test_quicklist.c's). */

static void engine_opened(void)
{
    cr_assert(e->ops->list, "the %s engine has no list operations", e->ops->name);
}

TestSuite(sqlite_list, .init = ef_setup_sqlite, .fini = ef_teardown, .timeout = 120);

/* ---------------------------------------------------------------- helpers */

static const struct ak_list_ops *L(void)
{
    return e->ops->list;
}

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

/* A collected list of elements. */
typedef struct vec {
    char **p;
    size_t *len;
    size_t n, cap;
    long long begun; /* begin's count, -1 if not called */
} vec;

static void vec_free(vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->p[i]);
    free(v->p);
    free(v->len);
    memset(v, 0, sizeof *v);
}

static void vec_push(vec *v, const char *p, size_t len)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->p = realloc(v->p, v->cap * sizeof *v->p);
        v->len = realloc(v->len, v->cap * sizeof *v->len);
    }
    v->p[v->n] = malloc(len + 1);
    memcpy(v->p[v->n], p, len);
    v->p[v->n][len] = 0;
    v->len[v->n++] = len;
}

static void on_begin(void *ctx, size_t n)
{
    ((vec *)ctx)->begun = (long long)n;
}

static void on_elem(void *ctx, ak_slice s)
{
    vec_push(ctx, s.p, s.len);
}

typedef struct idxs {
    long long v[64];
    size_t n;
} idxs;

static void on_index(void *ctx, long long i)
{
    idxs *x = ctx;
    cr_assert_lt(x->n, 64);
    x->v[x->n++] = i;
}

static vec lrange(const char *key, long long start, long long stop)
{
    vec v = {0};
    v.begun = -1;
    int rc = L()->range(e, 0, S(key), start, stop, on_begin, on_elem, &v);
    cr_assert(rc == AK_OK || rc == AK_NOTFOUND);
    if (rc == AK_OK)
        cr_assert_eq(v.begun, (long long)v.n);
    return v;
}

/* Asserts the whole list equals the space-separated words of `want` ("" =
 * the key must be gone). */
static void expect(const char *key, const char *want)
{
    vec v = lrange(key, 0, -1);
    char buf[4096] = "";
    for (size_t i = 0; i < v.n; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, v.p[i]);
    }
    cr_assert_str_eq(buf, want, "list %s", key);
    cr_assert_eq(e->error, 0, "storage error: %s", e->errmsg);
    size_t len = 0;
    int rc = L()->len(e, 0, S(key), &len);
    if (*want) {
        cr_assert_eq(rc, AK_OK);
        cr_assert_eq(len, v.n);
    } else {
        cr_assert_eq(rc, AK_NOTFOUND);
    }
    vec_free(&v);
}

/* Pushes the space-separated words of vals. */
static size_t push(const char *key, int where, const char *vals)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", vals);
    ak_slice a[256];
    size_t n = 0;
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
        a[n++] = S(t);
    size_t len = 0;
    cr_assert_eq(L()->push(e, 0, S(key), where, a, n, 0, &len), AK_OK);
    return len;
}

/* The storage invariant: rows = LLEN, contiguous positions. */
static void check_rows(const char *key)
{
    cr_assert_eq(e->error, 0, "storage error: %s", e->errmsg);
    sqlite3 *db = SQ(e)->db;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT count(*), coalesce(max(pos) - min(pos) + 1, 0), "
                                    "(SELECT count FROM keys WHERE db = 0 AND key = ?1) "
                                    "FROM list_items WHERE kid = "
                                    "(SELECT id FROM keys WHERE db = 0 AND key = ?1)",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_blob(st, 1, key, (int)strlen(key), SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long rows = sqlite3_column_int64(st, 0), span = sqlite3_column_int64(st, 1);
    long long count = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    cr_assert_eq(rows, span, "gaps in %s: %lld rows over %lld positions", key, rows, span);
    cr_assert_eq(rows, count, "%s: %lld rows, count %lld", key, rows, count);
}

/* Rows of list_items of any key (0 when every list is gone). */
static long long all_rows(void)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(SQ(e)->db, "SELECT count(*) FROM list_items", -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* ---------------------------------------------------------------- push, len */

SQLITE_TEST(list, lpush_prepends_each_value_in_turn_and_rpush_appends)
{
    cr_assert_eq(push("l", AK_LIST_HEAD, "a b c"), 3);
    expect("l", "c b a");
    cr_assert_eq(push("l", AK_LIST_TAIL, "x y"), 5);
    expect("l", "c b a x y");
    check_rows("l");
}

SQLITE_TEST(list, pushx_needs_the_key_and_an_empty_push_creates_nothing)
{
    ak_slice v = S("a");
    size_t len = 7;
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_TAIL, &v, 1, 1, &len), AK_NOTFOUND);
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_TAIL, &v, 0, 0, &len), AK_NOTFOUND);
    expect("l", "");
    push("l", AK_LIST_TAIL, "a");
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_HEAD, &v, 1, 1, &len), AK_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_HEAD, &v, 0, 1, NULL), AK_OK);
    expect("l", "a a");
}

SQLITE_TEST(list, every_list_is_a_quicklist)
{
    push("l", AK_LIST_TAIL, "1 2 3");
    ak_keyinfo ki;
    e->ops->lookup(e, 0, S("l"), AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_LIST);
    cr_assert_eq(ki.encoding, AK_ENC_QUICKLIST);
}

SQLITE_TEST(list, values_are_binary_safe)
{
    ak_slice vals[] = {ak_slice_of("a\0b", 3), ak_slice_of("", 0), ak_slice_of("\xff\x00", 2)};
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_TAIL, vals, 3, 0, NULL), AK_OK);
    vec v = lrange("l", 0, -1);
    cr_assert_eq(v.n, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(v.len[i], vals[i].len);
        cr_assert(memcmp(v.p[i], vals[i].p, vals[i].len) == 0);
    }
    vec_free(&v);
    ak_slice out;
    cr_assert_eq(L()->index(e, 0, S("l"), 1, &out), AK_OK);
    cr_assert_eq(out.len, 0);
    idxs x = {{0}, 0};
    cr_assert_eq(L()->pos(e, 0, S("l"), ak_slice_of("", 0), 1, 0, 0, on_index, &x), AK_OK);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 1);
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, ak_slice_of("a\0b", 3), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, ak_slice_of("a", 1), &removed), AK_OK);
    cr_assert_eq(removed, 0);
    check_rows("l");
}

SQLITE_TEST(list, other_types_are_wrongtype_and_stay)
{
    cr_assert_eq(e->ops->str_set(e, 0, S("s"), S("v"), AK_NO_EXPIRE, 0), AK_OK);
    ak_slice v = S("a"), out;
    size_t n;
    long long ll;
    idxs x = {{0}, 0};
    cr_assert_eq(L()->push(e, 0, S("s"), AK_LIST_TAIL, &v, 1, 0, &n), AK_WRONGTYPE);
    cr_assert_eq(L()->pop(e, 0, S("s"), AK_LIST_TAIL, 1, NULL, on_elem, NULL), AK_WRONGTYPE);
    cr_assert_eq(L()->len(e, 0, S("s"), &n), AK_WRONGTYPE);
    cr_assert_eq(L()->range(e, 0, S("s"), 0, -1, NULL, on_elem, NULL), AK_WRONGTYPE);
    cr_assert_eq(L()->index(e, 0, S("s"), 0, &out), AK_WRONGTYPE);
    cr_assert_eq(L()->set(e, 0, S("s"), 0, v), AK_WRONGTYPE);
    cr_assert_eq(L()->insert(e, 0, S("s"), 0, v, v, &ll), AK_WRONGTYPE);
    cr_assert_eq(L()->rem(e, 0, S("s"), 0, v, &n), AK_WRONGTYPE);
    cr_assert_eq(L()->trim(e, 0, S("s"), 0, 0, &n), AK_WRONGTYPE);
    cr_assert_eq(L()->pos(e, 0, S("s"), v, 1, 0, 0, on_index, &x), AK_WRONGTYPE);
    ak_slice sv;
    cr_assert_eq(e->ops->str_get(e, 0, S("s"), &sv), AK_OK);
    cr_assert_eq(sv.len, 1);
}

SQLITE_TEST(list, missing_keys_are_notfound)
{
    ak_slice v = S("a"), out;
    size_t n;
    long long ll;
    idxs x = {{0}, 0};
    cr_assert_eq(L()->pop(e, 0, S("m"), AK_LIST_TAIL, 1, NULL, on_elem, NULL), AK_NOTFOUND);
    cr_assert_eq(L()->len(e, 0, S("m"), &n), AK_NOTFOUND);
    cr_assert_eq(L()->range(e, 0, S("m"), 0, -1, NULL, on_elem, NULL), AK_NOTFOUND);
    cr_assert_eq(L()->index(e, 0, S("m"), 0, &out), AK_NOTFOUND);
    cr_assert_eq(L()->set(e, 0, S("m"), 0, v), AK_NOTFOUND);
    cr_assert_eq(L()->insert(e, 0, S("m"), 0, v, v, &ll), AK_NOTFOUND);
    cr_assert_eq(L()->rem(e, 0, S("m"), 0, v, &n), AK_NOTFOUND);
    cr_assert_eq(L()->trim(e, 0, S("m"), 0, 0, &n), AK_NOTFOUND);
    cr_assert_eq(L()->pos(e, 0, S("m"), v, 1, 0, 0, on_index, &x), AK_NOTFOUND);
    cr_assert_eq(e->ops->dbsize(e, 0), 0);
}

SQLITE_TEST(list, databases_are_separate)
{
    ak_slice v = S("one");
    cr_assert_eq(L()->push(e, 3, S("l"), AK_LIST_TAIL, &v, 1, 0, NULL), AK_OK);
    size_t n;
    cr_assert_eq(L()->len(e, 0, S("l"), &n), AK_NOTFOUND);
    cr_assert_eq(L()->len(e, 3, S("l"), &n), AK_OK);
    cr_assert_eq(n, 1);
}

/* ---------------------------------------------------------------- pop */

SQLITE_TEST(list, pop_hands_out_in_pop_order_after_begin)
{
    push("l", AK_LIST_TAIL, "a b c d e");
    vec v = {0};
    v.begun = -1;
    cr_assert_eq(L()->pop(e, 0, S("l"), AK_LIST_HEAD, 2, on_begin, on_elem, &v), AK_OK);
    cr_assert_eq(v.begun, 2);
    cr_assert_eq(v.n, 2);
    cr_assert_str_eq(v.p[0], "a");
    cr_assert_str_eq(v.p[1], "b");
    vec_free(&v);
    v.begun = -1;
    cr_assert_eq(L()->pop(e, 0, S("l"), AK_LIST_TAIL, 2, on_begin, on_elem, &v), AK_OK);
    cr_assert_eq(v.n, 2);
    cr_assert_str_eq(v.p[0], "e");
    cr_assert_str_eq(v.p[1], "d");
    vec_free(&v);
    expect("l", "c");
    check_rows("l");
}

SQLITE_TEST(list, popping_more_than_there_is_deletes_the_key)
{
    push("l", AK_LIST_TAIL, "a b c");
    vec v = {0};
    v.begun = -1;
    cr_assert_eq(L()->pop(e, 0, S("l"), AK_LIST_TAIL, 100, on_begin, on_elem, &v), AK_OK);
    cr_assert_eq(v.begun, 3);
    cr_assert_eq(v.n, 3);
    cr_assert_str_eq(v.p[0], "c");
    vec_free(&v);
    expect("l", "");
    cr_assert_eq(all_rows(), 0);
    cr_assert_eq(e->ops->dbsize(e, 0), 0);
    /* The key comes back fresh. */
    push("l", AK_LIST_HEAD, "z");
    expect("l", "z");
}

SQLITE_TEST(list, pop_without_begin_or_fn)
{
    push("l", AK_LIST_TAIL, "a b c");
    cr_assert_eq(L()->pop(e, 0, S("l"), AK_LIST_HEAD, 1, NULL, NULL, NULL), AK_OK);
    expect("l", "b c");
}

SQLITE_TEST(list, a_queue_drifts_through_positions)
{
    /* Push at one end, pop at the other, many times: positions keep moving
     * one way and the list stays consistent. */
    for (int i = 0; i < 2000; i++) {
        char b[16];
        snprintf(b, sizeof b, "%d", i);
        push("q", AK_LIST_HEAD, b);
        if (i >= 3) {
            vec v = {0};
            cr_assert_eq(L()->pop(e, 0, S("q"), AK_LIST_TAIL, 1, NULL, on_elem, &v), AK_OK);
            char w[16];
            snprintf(w, sizeof w, "%d", i - 3);
            cr_assert_str_eq(v.p[0], w);
            vec_free(&v);
        }
    }
    expect("q", "1999 1998 1997");
    check_rows("q");
}

/* ---------------------------------------------------------------- range, index, set */

SQLITE_TEST(list, range_clamps_like_redis)
{
    push("l", AK_LIST_TAIL, "a b c d e");
    static const struct {
        long long start, stop;
        const char *want;
    } cases[] = {
        {0, -1, "a b c d e"}, {1, 3, "b c d"},   {-2, -1, "d e"},      {-100, 1, "a b"},
        {3, 100, "d e"},      {4, 4, "e"},       {5, 10, ""},          {3, 2, ""},
        {-1, -2, ""},         {0, -6, ""},       {-6, -5, "a"},        {2, LLONG_MAX, "c d e"},
        {LLONG_MIN, 0, "a"},  {LLONG_MIN, LLONG_MIN, ""}, {LLONG_MAX, LLONG_MAX, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vec v = lrange("l", cases[i].start, cases[i].stop);
        char buf[256] = "";
        for (size_t j = 0; j < v.n; j++) {
            if (j)
                strcat(buf, " ");
            strcat(buf, v.p[j]);
        }
        cr_assert_str_eq(buf, cases[i].want, "LRANGE %lld %lld", cases[i].start, cases[i].stop);
        vec_free(&v);
    }
}

SQLITE_TEST(list, index_and_set_take_negative_indexes_and_refuse_outside)
{
    push("l", AK_LIST_TAIL, "a b c");
    ak_slice out;
    cr_assert_eq(L()->index(e, 0, S("l"), 0, &out), AK_OK);
    cr_assert_eq(out.len, 1);
    cr_assert_eq(out.p[0], 'a');
    cr_assert_eq(L()->index(e, 0, S("l"), -1, &out), AK_OK);
    cr_assert_eq(out.p[0], 'c');
    cr_assert_eq(L()->index(e, 0, S("l"), 3, &out), AIKV_RANGE);
    cr_assert_eq(L()->index(e, 0, S("l"), -4, &out), AIKV_RANGE);
    cr_assert_eq(L()->index(e, 0, S("l"), LLONG_MIN, &out), AIKV_RANGE);
    cr_assert_eq(L()->set(e, 0, S("l"), -2, S("BEE")), AK_OK);
    cr_assert_eq(L()->set(e, 0, S("l"), 0, ak_slice_of("", 0)), AK_OK);
    cr_assert_eq(L()->set(e, 0, S("l"), 3, S("x")), AIKV_RANGE);
    cr_assert_eq(L()->set(e, 0, S("l"), -4, S("x")), AIKV_RANGE);
    vec v = lrange("l", 0, -1);
    cr_assert_eq(v.n, 3);
    cr_assert_eq(v.len[0], 0);
    cr_assert_str_eq(v.p[1], "BEE");
    cr_assert_str_eq(v.p[2], "c");
    vec_free(&v);
    check_rows("l");
}

SQLITE_TEST(list, index_result_outlives_the_statement)
{
    char big[3000];
    memset(big, 'q', sizeof big);
    ak_slice vals[] = {ak_slice_of(big, sizeof big), S("small")};
    cr_assert_eq(L()->push(e, 0, S("l"), AK_LIST_TAIL, vals, 2, 0, NULL), AK_OK);
    ak_slice out;
    cr_assert_eq(L()->index(e, 0, S("l"), 0, &out), AK_OK);
    /* Other statements run before the slice is read. */
    vec v = lrange("l", 0, -1);
    vec_free(&v);
    cr_assert_eq(out.len, sizeof big);
    cr_assert(memcmp(out.p, big, sizeof big) == 0);
}

/* ---------------------------------------------------------------- insert */

SQLITE_TEST(list, insert_before_and_after_the_first_pivot)
{
    push("l", AK_LIST_TAIL, "a b c b");
    long long len;
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("b"), S("X"), &len), AK_OK);
    cr_assert_eq(len, 5);
    expect("l", "a X b c b");
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("b"), S("Y"), &len), AK_OK);
    expect("l", "a X b Y c b");
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("zz"), S("Y"), &len), AK_OK);
    cr_assert_eq(len, -1);
    expect("l", "a X b Y c b");
    check_rows("l");
}

SQLITE_TEST(list, insert_at_both_ends)
{
    push("l", AK_LIST_TAIL, "a b c");
    long long len;
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("a"), S("H"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("c"), S("T"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("H"), S("H2"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("T"), S("T0"), &len), AK_OK);
    cr_assert_eq(len, 7);
    expect("l", "H H2 a b c T0 T");
    check_rows("l");
}

SQLITE_TEST(list, insert_shifts_either_side_of_a_long_list)
{
    /* 0..99, then inserts near the head (head side shifts) and near the
     * tail (tail side shifts), in the exact middle, repeatedly. */
    for (int i = 0; i < 100; i++) {
        char b[8];
        snprintf(b, sizeof b, "%d", i);
        push("l", AK_LIST_TAIL, b);
    }
    long long len;
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("10"), S("x"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("90"), S("y"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("50"), S("m"), &len), AK_OK);
    cr_assert_eq(L()->insert(e, 0, S("l"), 1, S("50"), S("n"), &len), AK_OK);
    cr_assert_eq(len, 104);
    check_rows("l");
    vec v = lrange("l", 0, -1);
    cr_assert_eq(v.n, 104);
    cr_assert_str_eq(v.p[10], "x");
    cr_assert_str_eq(v.p[11], "10");
    cr_assert_str_eq(v.p[51], "m");
    cr_assert_str_eq(v.p[52], "50");
    cr_assert_str_eq(v.p[53], "n");
    cr_assert_str_eq(v.p[93], "90");
    cr_assert_str_eq(v.p[94], "y");
    cr_assert_str_eq(v.p[103], "99");
    vec_free(&v);
    ak_slice out;
    cr_assert_eq(L()->index(e, 0, S("l"), 52, &out), AK_OK);
    cr_assert_eq(out.len, 2);
    cr_assert(memcmp(out.p, "50", 2) == 0);
}

/* ---------------------------------------------------------------- rem */

SQLITE_TEST(list, rem_from_the_head_the_tail_or_all)
{
    push("l", AK_LIST_TAIL, "a x b x c x d x");
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("l"), 2, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 2);
    expect("l", "a b c x d x");
    check_rows("l");
    cr_assert_eq(L()->rem(e, 0, S("l"), -1, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    expect("l", "a b c x d");
    check_rows("l");
    push("l", AK_LIST_HEAD, "x x");
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 3);
    expect("l", "a b c d");
    check_rows("l");
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, S("nope"), &removed), AK_OK);
    cr_assert_eq(removed, 0);
    cr_assert_eq(L()->rem(e, 0, S("l"), LLONG_MIN, S("d"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    cr_assert_eq(L()->rem(e, 0, S("l"), LLONG_MAX, S("a"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    expect("l", "b c");
    check_rows("l");
}

SQLITE_TEST(list, rem_closes_gaps_on_either_side)
{
    /* Matches near the head (rows before them move), near the tail (rows
     * after them move), and spread across the list. */
    for (int i = 0; i < 60; i++) {
        char b[8];
        snprintf(b, sizeof b, "%d", i);
        push("l", AK_LIST_TAIL, (i % 7 == 0) ? "m" : b);
    }
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("l"), 2, S("m"), &removed), AK_OK); /* 0 and 7 */
    cr_assert_eq(removed, 2);
    check_rows("l");
    cr_assert_eq(L()->rem(e, 0, S("l"), -2, S("m"), &removed), AK_OK); /* 56 and 49 */
    cr_assert_eq(removed, 2);
    check_rows("l");
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, S("m"), &removed), AK_OK); /* 14..42 */
    cr_assert_eq(removed, 5);
    check_rows("l");
    vec v = lrange("l", 0, -1);
    cr_assert_eq(v.n, 51);
    int j = 0;
    for (int i = 0; i < 60; i++) {
        if (i % 7 == 0)
            continue;
        char b[8];
        snprintf(b, sizeof b, "%d", i);
        cr_assert_str_eq(v.p[j], b, "element %d", j);
        j++;
    }
    vec_free(&v);
}

SQLITE_TEST(list, rem_of_every_element_deletes_the_key)
{
    push("l", AK_LIST_TAIL, "x x x");
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("l"), -5, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 3);
    expect("l", "");
    cr_assert_eq(all_rows(), 0);
}

/* ---------------------------------------------------------------- trim */

SQLITE_TEST(list, trim_keeps_the_range)
{
    push("l", AK_LIST_TAIL, "a b c d e f");
    size_t removed;
    cr_assert_eq(L()->trim(e, 0, S("l"), 1, -2, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    expect("l", "b c d e");
    check_rows("l");
    cr_assert_eq(L()->trim(e, 0, S("l"), 0, 100, &removed), AK_OK);
    cr_assert_eq(removed, 0);
    expect("l", "b c d e");
    cr_assert_eq(L()->trim(e, 0, S("l"), -2, -1, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    expect("l", "d e");
    cr_assert_eq(L()->trim(e, 0, S("l"), 0, 0, &removed), AK_OK);
    expect("l", "d");
    check_rows("l");
    /* The list still takes pushes at both ends. */
    push("l", AK_LIST_HEAD, "c");
    push("l", AK_LIST_TAIL, "e");
    expect("l", "c d e");
    check_rows("l");
}

SQLITE_TEST(list, trim_to_an_empty_range_deletes_the_key)
{
    push("l", AK_LIST_TAIL, "a b c");
    size_t removed;
    cr_assert_eq(L()->trim(e, 0, S("l"), 2, 1, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    expect("l", "");
    cr_assert_eq(all_rows(), 0);
    push("l", AK_LIST_TAIL, "a b c");
    cr_assert_eq(L()->trim(e, 0, S("l"), 5, 10, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    expect("l", "");
}

/* ---------------------------------------------------------------- pos */

static idxs lpos(const char *key, const char *v, long long rank, size_t count, size_t maxlen)
{
    idxs x = {{0}, 0};
    cr_assert_eq(L()->pos(e, 0, S(key), S(v), rank, count, maxlen, on_index, &x), AK_OK);
    return x;
}

SQLITE_TEST(list, pos_with_rank_count_and_maxlen)
{
    push("l", AK_LIST_TAIL, "a b c 1 2 3 c c");
    idxs x = lpos("l", "c", 1, 1, 0);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 2);
    x = lpos("l", "c", 1, 0, 0);
    cr_assert_eq(x.n, 3);
    cr_assert_eq(x.v[0], 2);
    cr_assert_eq(x.v[1], 6);
    cr_assert_eq(x.v[2], 7);
    x = lpos("l", "c", -1, 2, 0);
    cr_assert_eq(x.n, 2);
    cr_assert_eq(x.v[0], 7);
    cr_assert_eq(x.v[1], 6);
    x = lpos("l", "c", 2, 0, 0);
    cr_assert_eq(x.n, 2);
    cr_assert_eq(x.v[0], 6);
    x = lpos("l", "c", -3, 0, 0);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 2);
    x = lpos("l", "c", 4, 0, 0);
    cr_assert_eq(x.n, 0);
    x = lpos("l", "c", 1, 0, 3); /* a b c */
    cr_assert_eq(x.n, 1);
    x = lpos("l", "c", 1, 0, 2); /* a b */
    cr_assert_eq(x.n, 0);
    x = lpos("l", "c", -1, 0, 1); /* c */
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 7);
    x = lpos("l", "c", -1, 0, 3); /* c c 3 */
    cr_assert_eq(x.n, 2);
    x = lpos("l", "c", LLONG_MIN, 0, 0);
    cr_assert_eq(x.n, 0);
    x = lpos("l", "c", LLONG_MAX, 0, 0);
    cr_assert_eq(x.n, 0);
    x = lpos("l", "c", 1, 0, SIZE_MAX);
    cr_assert_eq(x.n, 3);
    x = lpos("l", "zz", 1, 0, 0);
    cr_assert_eq(x.n, 0);
    /* positions stay indexes from the head after head pushes */
    push("l", AK_LIST_HEAD, "p q");
    x = lpos("l", "a", 1, 0, 0);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 2);
}

/* ---------------------------------------------------------------- persistence */

SQLITE_TEST(list, lists_survive_close_and_reopen)
{
    push("l", AK_LIST_TAIL, "a b c");
    push("l", AK_LIST_HEAD, "z");
    long long len;
    cr_assert_eq(L()->insert(e, 0, S("l"), 0, S("b"), S("X"), &len), AK_OK);
    reopen();
    expect("l", "z a X b c");
    check_rows("l");
    push("l", AK_LIST_HEAD, "h");
    push("l", AK_LIST_TAIL, "t");
    expect("l", "h z a X b c t");
    ak_keyinfo ki;
    e->ops->lookup(e, 0, S("l"), AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.encoding, AK_ENC_QUICKLIST);
}

SQLITE_TEST(list, rollback_discards_list_changes)
{
    push("l", AK_LIST_TAIL, "a b c");
    cr_assert_eq(e->ops->commit(e), AK_OK);
    push("l", AK_LIST_HEAD, "x");
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("l"), 0, S("b"), &removed), AK_OK);
    e->ops->rollback(e);
    expect("l", "a b c");
    check_rows("l");
}

SQLITE_TEST(list, copy_rename_and_move_keep_the_positions)
{
    push("l", AK_LIST_TAIL, "b c");
    push("l", AK_LIST_HEAD, "a"); /* positions below 0 */
    cr_assert_eq(e->ops->copy(e, 0, S("l"), 0, S("c"), 0), 1);
    cr_assert_eq(e->ops->rename(e, 0, S("l"), 0, S("r"), 0), 1);
    cr_assert_eq(e->ops->rename(e, 0, S("c"), 2, S("c"), 0), 1);
    expect("l", "");
    expect("r", "a b c");
    check_rows("r");
    push("r", AK_LIST_HEAD, "0");
    long long len;
    cr_assert_eq(L()->insert(e, 0, S("r"), 1, S("a"), S("a2"), &len), AK_OK);
    expect("r", "0 a a2 b c");
    check_rows("r");
    vec v = {0};
    v.begun = -1;
    cr_assert_eq(L()->range(e, 2, S("c"), 0, -1, on_begin, on_elem, &v), AK_OK);
    cr_assert_eq(v.n, 3);
    cr_assert_str_eq(v.p[0], "a");
    cr_assert_str_eq(v.p[2], "c");
    vec_free(&v);
    ak_slice out;
    cr_assert_eq(L()->index(e, 2, S("c"), -3, &out), AK_OK);
    cr_assert_eq(out.p[0], 'a');
}

SQLITE_TEST(list, an_expired_list_is_gone_with_its_rows)
{
    push("l", AK_LIST_TAIL, "a b c");
    cr_assert_eq(e->ops->set_expire(e, 0, S("l"), 1), AK_OK); /* long past */
    size_t n;
    cr_assert_eq(L()->len(e, 0, S("l"), &n), AK_NOTFOUND);
    cr_assert_eq(all_rows(), 0);
    push("l", AK_LIST_HEAD, "x");
    expect("l", "x");
}

/* ---------------------------------------------------------------- random walk */

/* The model: an array of short strings. */
typedef struct model {
    char v[200][8];
    int n;
} model;

static long long rnd_index(int n)
{
    return (long long)(xs() % (uint64_t)(2 * n + 6)) - n - 3;
}

/* Redis's clamping on the model. */
static int m_resolve(int n, long long start, long long stop, int *from, int *cnt)
{
    if (start < 0)
        start += n;
    if (stop < 0)
        stop += n;
    if (start < 0)
        start = 0;
    if (start > stop || start >= n) {
        *from = *cnt = 0;
        return 0;
    }
    if (stop >= n)
        stop = n - 1;
    *from = (int)start;
    *cnt = (int)(stop - start + 1);
    return 1;
}

static void m_insert(model *m, int i, const char *v)
{
    memmove(m->v[i + 1], m->v[i], (size_t)(m->n - i) * sizeof m->v[0]);
    snprintf(m->v[i], sizeof m->v[i], "%s", v);
    m->n++;
}

static void m_delete(model *m, int i)
{
    memmove(m->v[i], m->v[i + 1], (size_t)(m->n - i - 1) * sizeof m->v[0]);
    m->n--;
}

static void compare(const model *m)
{
    vec v = lrange("r", 0, -1);
    cr_assert_eq(v.n, (size_t)m->n);
    for (int i = 0; i < m->n; i++)
        cr_assert_str_eq(v.p[i], m->v[i], "element %d", i);
    vec_free(&v);
    size_t len;
    cr_assert_eq(L()->len(e, 0, S("r"), &len), m->n ? AK_OK : AK_NOTFOUND);
    if (m->n)
        check_rows("r");
}

SQLITE_TEST(list, random_operations_match_a_model)
{
    model m = {.n = 0};
    char val[8];
    for (int step = 0; step < 6000; step++) {
        snprintf(val, sizeof val, "v%d", (int)(xs() % 6)); /* few values: many matches */
        ak_slice sv = S(val);
        int op = (int)(xs() % 11);
        if (m.n >= 180 && op <= 1)
            op = 2;
        switch (op) {
        case 0: { /* LPUSH/RPUSH */
            int where = (int)(xs() % 2);
            size_t len;
            cr_assert_eq(L()->push(e, 0, S("r"), where, &sv, 1, 0, &len), AK_OK);
            m_insert(&m, where == AK_LIST_HEAD ? 0 : m.n, val);
            cr_assert_eq(len, (size_t)m.n);
            break;
        }
        case 1: { /* LINSERT */
            int after = (int)(xs() % 2);
            char pv[8];
            snprintf(pv, sizeof pv, "v%d", (int)(xs() % 7));
            long long len;
            int rc = L()->insert(e, 0, S("r"), after, S(pv), S(val), &len);
            if (m.n == 0) {
                cr_assert_eq(rc, AK_NOTFOUND);
                break;
            }
            cr_assert_eq(rc, AK_OK);
            int at = -1;
            for (int i = 0; i < m.n && at < 0; i++)
                if (!strcmp(m.v[i], pv))
                    at = i;
            if (at < 0) {
                cr_assert_eq(len, -1);
            } else {
                m_insert(&m, at + after, val);
                cr_assert_eq(len, m.n);
            }
            break;
        }
        case 2: { /* LPOP/RPOP count */
            int where = (int)(xs() % 2);
            size_t count = 1 + xs() % 4;
            vec v = {0};
            v.begun = -1;
            int rc = L()->pop(e, 0, S("r"), where, count, on_begin, on_elem, &v);
            if (m.n == 0) {
                cr_assert_eq(rc, AK_NOTFOUND);
                vec_free(&v);
                break;
            }
            cr_assert_eq(rc, AK_OK);
            size_t want = count < (size_t)m.n ? count : (size_t)m.n;
            cr_assert_eq(v.begun, (long long)want);
            cr_assert_eq(v.n, want);
            for (size_t i = 0; i < want; i++) {
                int at = where == AK_LIST_HEAD ? 0 : m.n - 1;
                cr_assert_str_eq(v.p[i], m.v[at]);
                m_delete(&m, at);
            }
            vec_free(&v);
            break;
        }
        case 3: { /* LRANGE */
            long long a = rnd_index(m.n), b = rnd_index(m.n);
            vec v = lrange("r", a, b);
            int from, cnt;
            m_resolve(m.n, a, b, &from, &cnt);
            cr_assert_eq(v.n, (size_t)cnt, "LRANGE %lld %lld of %d", a, b, m.n);
            for (int i = 0; i < cnt; i++)
                cr_assert_str_eq(v.p[i], m.v[from + i]);
            vec_free(&v);
            break;
        }
        case 4: { /* LINDEX */
            long long i = rnd_index(m.n);
            ak_slice out;
            int rc = L()->index(e, 0, S("r"), i, &out);
            long long j = i < 0 ? i + m.n : i;
            if (m.n == 0)
                cr_assert_eq(rc, AK_NOTFOUND);
            else if (j < 0 || j >= m.n)
                cr_assert_eq(rc, AIKV_RANGE);
            else {
                cr_assert_eq(rc, AK_OK);
                cr_assert_eq(out.len, strlen(m.v[j]));
                cr_assert(memcmp(out.p, m.v[j], out.len) == 0);
            }
            break;
        }
        case 5: { /* LSET */
            long long i = rnd_index(m.n);
            int rc = L()->set(e, 0, S("r"), i, sv);
            long long j = i < 0 ? i + m.n : i;
            if (m.n == 0)
                cr_assert_eq(rc, AK_NOTFOUND);
            else if (j < 0 || j >= m.n)
                cr_assert_eq(rc, AIKV_RANGE);
            else {
                cr_assert_eq(rc, AK_OK);
                snprintf(m.v[j], sizeof m.v[j], "%s", val);
            }
            break;
        }
        case 6: { /* LREM */
            long long count = (long long)(xs() % 7) - 3;
            size_t removed;
            int rc = L()->rem(e, 0, S("r"), count, sv, &removed);
            if (m.n == 0) {
                cr_assert_eq(rc, AK_NOTFOUND);
                break;
            }
            cr_assert_eq(rc, AK_OK);
            size_t limit = count == 0 ? SIZE_MAX : (size_t)(count > 0 ? count : -count), gone = 0;
            if (count >= 0) {
                for (int i = 0; i < m.n && gone < limit;)
                    if (!strcmp(m.v[i], val)) {
                        m_delete(&m, i);
                        gone++;
                    } else {
                        i++;
                    }
            } else {
                for (int i = m.n - 1; i >= 0 && gone < limit; i--)
                    if (!strcmp(m.v[i], val)) {
                        m_delete(&m, i);
                        gone++;
                    }
            }
            cr_assert_eq(removed, gone);
            break;
        }
        case 7: { /* LTRIM, rarely */
            if (xs() % 4)
                break;
            long long a = rnd_index(m.n) / 2, b = rnd_index(m.n) + m.n;
            size_t removed;
            int rc = L()->trim(e, 0, S("r"), a, b, &removed);
            if (m.n == 0) {
                cr_assert_eq(rc, AK_NOTFOUND);
                break;
            }
            cr_assert_eq(rc, AK_OK);
            int from, cnt;
            m_resolve(m.n, a, b, &from, &cnt);
            cr_assert_eq(removed, (size_t)(m.n - cnt));
            memmove(m.v[0], m.v[from], (size_t)cnt * sizeof m.v[0]);
            m.n = cnt;
            break;
        }
        case 8: { /* LPOS */
            long long rank = (long long)(xs() % 7) - 3;
            if (rank == 0)
                rank = 1;
            size_t count = xs() % 4, maxlen = xs() % 3 ? 0 : xs() % (size_t)(m.n + 2);
            idxs x = {{0}, 0};
            int rc = L()->pos(e, 0, S("r"), sv, rank, count, maxlen, on_index, &x);
            if (m.n == 0) {
                cr_assert_eq(rc, AK_NOTFOUND);
                break;
            }
            cr_assert_eq(rc, AK_OK);
            idxs w = {{0}, 0};
            long long skip = rank > 0 ? rank - 1 : -rank - 1, matches = 0;
            for (int seen = 0; seen < m.n && (maxlen == 0 || (size_t)seen < maxlen); seen++) {
                int i = rank > 0 ? seen : m.n - 1 - seen;
                if (!strcmp(m.v[i], val) && ++matches > skip) {
                    w.v[w.n++] = i;
                    if (w.n == count || w.n == 64)
                        break;
                }
            }
            cr_assert_eq(x.n, w.n, "LPOS %s rank %lld count %zu maxlen %zu", val, rank, count,
                         maxlen);
            for (size_t i = 0; i < w.n; i++)
                cr_assert_eq(x.v[i], w.v[i]);
            break;
        }
        case 9: /* commit now and then; reopen rarely */
            cr_assert_eq(e->ops->commit(e), AK_OK);
            if (xs() % 20 == 0) {
                reopen();
            }
            break;
        default: { /* several pushes at once */
            ak_slice vs[3] = {S("v1"), S("v2"), sv};
            int where = (int)(xs() % 2);
            cr_assert_eq(L()->push(e, 0, S("r"), where, vs, 3, 0, NULL), AK_OK);
            for (int i = 0; i < 3; i++)
                m_insert(&m, where == AK_LIST_HEAD ? 0 : m.n, i == 0 ? "v1" : i == 1 ? "v2" : val);
            break;
        }
        }
        if (step % 10 == 0)
            compare(&m);
    }
    compare(&m);
}

/* ---------------------------------------------------------------- large */

SQLITE_TEST(list, a_20k_list)
{
    enum { N = 20000 };
    ak_slice *vals = malloc(N * sizeof *vals);
    char (*bufs)[12] = malloc(N * sizeof *bufs);
    for (int i = 0; i < N; i++) {
        snprintf(bufs[i], sizeof bufs[i], "e%d", i);
        vals[i] = S(bufs[i]);
    }
    size_t len;
    cr_assert_eq(L()->push(e, 0, S("big"), AK_LIST_TAIL, vals, N, 0, &len), AK_OK);
    cr_assert_eq(len, N);
    cr_assert_eq(e->ops->commit(e), AK_OK);
    ak_slice out;
    cr_assert_eq(L()->index(e, 0, S("big"), 12345, &out), AK_OK);
    cr_assert_eq(out.len, strlen("e12345"));
    cr_assert(memcmp(out.p, "e12345", out.len) == 0);
    cr_assert_eq(L()->index(e, 0, S("big"), -1, &out), AK_OK);
    cr_assert(memcmp(out.p, "e19999", 6) == 0);
    vec v = lrange("big", 10000, 10009);
    cr_assert_eq(v.n, 10);
    cr_assert_str_eq(v.p[0], "e10000");
    vec_free(&v);
    /* The middle: insert and remove, the shift moves about half. */
    long long ll;
    cr_assert_eq(L()->insert(e, 0, S("big"), 1, S("e9999"), S("mid"), &ll), AK_OK);
    cr_assert_eq(ll, N + 1);
    idxs x = lpos("big", "mid", 1, 0, 0);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], 10000);
    size_t removed;
    cr_assert_eq(L()->rem(e, 0, S("big"), 0, S("e5000"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    cr_assert_eq(L()->rem(e, 0, S("big"), 0, S("e15000"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    check_rows("big");
    cr_assert_eq(L()->index(e, 0, S("big"), 5000, &out), AK_OK);
    cr_assert(memcmp(out.p, "e5001", 5) == 0);
    x = lpos("big", "e19999", -1, 0, 0);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.v[0], N - 2);
    cr_assert_eq(L()->trim(e, 0, S("big"), 100, -101, &removed), AK_OK);
    cr_assert_eq(removed, 200);
    cr_assert_eq(L()->len(e, 0, S("big"), &len), AK_OK);
    cr_assert_eq(len, N - 1 - 200);
    check_rows("big");
    cr_assert_eq(e->ops->commit(e), AK_OK);
    reopen();
    cr_assert_eq(L()->index(e, 0, S("big"), 0, &out), AK_OK);
    cr_assert(memcmp(out.p, "e100", 4) == 0 && out.len == 4);
    cr_assert_eq(L()->pop(e, 0, S("big"), AK_LIST_HEAD, N, NULL, NULL, NULL), AK_OK);
    cr_assert_eq(L()->len(e, 0, S("big"), &len), AK_NOTFOUND);
    free(vals);
    free(bufs);
}
