/*
 * test_quicklist.c -- the memory engine's lists: the quicklist on its own
 * (store/mem/quicklist.h) and the list operations of the engine
 * (store/list.h) on top of it.
 *
 * The reference model is a plain array of byte strings; random operation
 * streams (fixed xorshift seeds, so a failure reproduces) run against both
 * and compare contents after each step, with the quicklist's invariants
 * checked too (ak_ql_check: links, counts, no empty node, node limits).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "store/list.h"
#include "store/mem/quicklist.h"
#include "util/alloc.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static size_t rnd_below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* The reference: an array of owned byte strings. */
typedef struct model {
    char **p;
    size_t *len;
    size_t n, cap;
} model;

static void model_insert(model *m, size_t i, const void *p, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->p = realloc(m->p, m->cap * sizeof *m->p);
        m->len = realloc(m->len, m->cap * sizeof *m->len);
        cr_assert(m->p && m->len);
    }
    memmove(m->p + i + 1, m->p + i, (m->n - i) * sizeof *m->p);
    memmove(m->len + i + 1, m->len + i, (m->n - i) * sizeof *m->len);
    m->p[i] = malloc(len + 1);
    cr_assert(m->p[i]);
    memcpy(m->p[i], p, len);
    m->len[i] = len;
    m->n++;
}

static void model_delete(model *m, size_t i)
{
    free(m->p[i]);
    memmove(m->p + i, m->p + i + 1, (m->n - i - 1) * sizeof *m->p);
    memmove(m->len + i, m->len + i + 1, (m->n - i - 1) * sizeof *m->len);
    m->n--;
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->p[i]);
    free(m->p);
    free(m->len);
    memset(m, 0, sizeof *m);
}

static int model_eq(const model *m, size_t i, ak_slice v)
{
    return m->len[i] == v.len && (v.len == 0 || memcmp(m->p[i], v.p, v.len) == 0);
}

/* Asserts that q holds exactly m's elements, walking both directions. */
static void assert_same(const ak_ql *q, const model *m, int fill)
{
    cr_assert(ak_ql_check(q, fill, 1), "quicklist invariants broken (fill %d)", fill);
    cr_assert_eq(q->count, m->n);
    ak_ql_iter it;
    ak_slice v;
    size_t i = 0;
    ak_ql_iter_init(&it, q, 0, AK_LIST_TAIL);
    while (ak_ql_iter_next(&it, &v)) {
        cr_assert_lt(i, m->n);
        cr_assert(model_eq(m, i, v), "element %zu differs", i);
        i++;
    }
    cr_assert_eq(i, m->n);
    if (m->n) {
        ak_ql_iter_init(&it, q, m->n - 1, AK_LIST_HEAD);
        while (ak_ql_iter_next(&it, &v)) {
            cr_assert_gt(i, 0);
            i--;
            cr_assert(model_eq(m, i, v), "element %zu differs walking back", i);
        }
        cr_assert_eq(i, 0);
    }
}

/* A value: mostly short and often repeated (so LREM finds matches), some
 * empty, some long enough to need a node of their own. */
static size_t make_value(char *buf, size_t cap)
{
    size_t r = rnd_below(100);
    if (r < 5)
        return 0;
    if (r < 80)
        return (size_t)snprintf(buf, cap, "v%u", (unsigned)rnd_below(8));
    if (r < 97) {
        size_t len = 1 + rnd_below(300);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)('a' + rnd_below(26));
        return len;
    }
    size_t len = 5000 + rnd_below(70000);
    if (len > cap)
        len = cap;
    memset(buf, 'L', len);
    buf[0] = (char)('0' + rnd_below(10));
    return len;
}

static size_t popped_len;
static char popped[128 * 1024];

static void keep_popped(void *ctx, ak_slice v)
{
    (void)ctx;
    cr_assert_leq(v.len, sizeof popped);
    memcpy(popped, v.p, v.len);
    popped_len = v.len;
}

/* ---------------------------------------------------------------- basics */

Test(quicklist, push_tail_keeps_order_push_head_reverses_it)
{
    ak_ql *q = ak_ql_new();
    ak_ql_push(q, -2, AK_LIST_TAIL, "b", 1);
    ak_ql_push(q, -2, AK_LIST_TAIL, "c", 1);
    ak_ql_push(q, -2, AK_LIST_HEAD, "a", 1);
    cr_assert_eq(q->count, 3);
    const char *want[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++) {
        ak_slice v = ak_ql_get(q, i);
        cr_assert(v.len == 1 && v.p[0] == want[i][0]);
    }
    cr_assert(ak_ql_check(q, -2, 1));
    ak_ql_free(q);
}

Test(quicklist, pop_takes_from_either_end_and_reports_empty)
{
    ak_ql *q = ak_ql_new();
    cr_assert_eq(ak_ql_pop(q, AK_LIST_HEAD, keep_popped, NULL), 0);
    for (int i = 0; i < 5; i++) {
        char b[4];
        int n = snprintf(b, sizeof b, "%d", i);
        ak_ql_push(q, 2, AK_LIST_TAIL, b, (size_t)n);
    }
    cr_assert_eq(q->nodes, 3);
    cr_assert_eq(ak_ql_pop(q, AK_LIST_HEAD, keep_popped, NULL), 1);
    cr_assert(popped_len == 1 && popped[0] == '0');
    cr_assert_eq(ak_ql_pop(q, AK_LIST_TAIL, keep_popped, NULL), 1);
    cr_assert(popped_len == 1 && popped[0] == '4');
    cr_assert_eq(q->count, 3);
    while (ak_ql_pop(q, AK_LIST_TAIL, NULL, NULL))
        ;
    cr_assert_eq(q->count, 0);
    cr_assert_eq(q->nodes, 0);
    cr_assert(q->head == NULL && q->tail == NULL);
    ak_ql_free(q);
}

Test(quicklist, empty_elements_are_kept)
{
    ak_ql *q = ak_ql_new();
    ak_ql_push(q, -2, AK_LIST_TAIL, "", 0);
    ak_ql_push(q, -2, AK_LIST_TAIL, "x", 1);
    cr_assert_eq(ak_ql_get(q, 0).len, 0);
    cr_assert_eq(ak_ql_find(q, "", 0), 0);
    cr_assert_eq(ak_ql_remove(q, -2, 0, "", 0), 1);
    cr_assert_eq(q->count, 1);
    ak_ql_free(q);
}

/* ---------------------------------------------------------------- node limits */

Test(quicklist, positive_fill_caps_entries_per_node)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 10; i++)
        ak_ql_push(q, 4, AK_LIST_TAIL, "x", 1);
    cr_assert_eq(q->nodes, 3);
    cr_assert_eq(lp_count(q->head->lp), 4);
    cr_assert_eq(lp_count(q->tail->lp), 2);
    cr_assert(ak_ql_check(q, 4, 1));
    ak_ql_free(q);
}

Test(quicklist, positive_fill_still_obeys_the_8k_safety_limit)
{
    char v[1000];
    memset(v, 'z', sizeof v);
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 100; i++)
        ak_ql_push(q, 1000, AK_LIST_TAIL, v, sizeof v);
    for (ak_qlnode *n = q->head; n; n = n->next)
        cr_assert_leq(lp_bytes(n->lp), 8192);
    cr_assert_geq(q->nodes, 13);
    ak_ql_free(q);
}

Test(quicklist, negative_fill_caps_node_bytes)
{
    static const size_t limit[] = {4096, 8192, 16384, 32768, 65536};
    char v[100];
    memset(v, 'q', sizeof v);
    for (int fill = -1; fill >= -5; fill--) {
        ak_ql *q = ak_ql_new();
        for (int i = 0; i < 3000; i++)
            ak_ql_push(q, fill, i % 2 ? AK_LIST_TAIL : AK_LIST_HEAD, v, sizeof v);
        size_t biggest = 0;
        for (ak_qlnode *n = q->head; n; n = n->next) {
            cr_assert_leq(lp_bytes(n->lp), limit[-fill - 1], "fill %d", fill);
            if (lp_bytes(n->lp) > biggest)
                biggest = lp_bytes(n->lp);
        }
        /* Nodes are filled, not left half empty. */
        cr_assert_gt(biggest, limit[-fill - 1] - 2 * 104, "fill %d", fill);
        ak_ql_free(q);
    }
}

Test(quicklist, fill_below_minus_5_acts_as_minus_5_and_zero_as_one)
{
    ak_ql *a = ak_ql_new(), *b = ak_ql_new();
    for (int i = 0; i < 2000; i++) {
        ak_ql_push(a, -100, AK_LIST_TAIL, "0123456789012345678901234567890123456789", 40);
        ak_ql_push(b, -5, AK_LIST_TAIL, "0123456789012345678901234567890123456789", 40);
    }
    cr_assert_eq(a->nodes, b->nodes);
    ak_ql_free(a);
    ak_ql_free(b);
    ak_ql *z = ak_ql_new();
    for (int i = 0; i < 5; i++)
        ak_ql_push(z, 0, AK_LIST_TAIL, "x", 1);
    cr_assert_eq(z->nodes, 5);
    ak_ql_free(z);
}

Test(quicklist, element_larger_than_the_limit_gets_its_own_node)
{
    static char big[10000];
    memset(big, 'B', sizeof big);
    ak_ql *q = ak_ql_new();
    ak_ql_push(q, -2, AK_LIST_TAIL, "a", 1);
    ak_ql_push(q, -2, AK_LIST_TAIL, big, sizeof big);
    ak_ql_push(q, -2, AK_LIST_TAIL, "b", 1);
    ak_ql_push(q, -2, AK_LIST_HEAD, big, 9000);
    cr_assert_eq(q->nodes, 4);
    cr_assert_eq(lp_count(q->head->lp), 1);
    cr_assert_eq(lp_count(q->head->next->next->lp), 1);
    cr_assert_eq(ak_ql_get(q, 2).len, sizeof big);
    /* Inserting next to a big node starts a new small node. */
    ak_ql_insert(q, -2, 3, "c", 1);
    cr_assert_eq(ak_ql_get(q, 3).p[0], 'c');
    cr_assert(ak_ql_check(q, -2, 1));
    ak_ql_free(q);
}

/* ---------------------------------------------------------------- positions */

Test(quicklist, resolve_follows_redis_range_clamping)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 10; i++)
        ak_ql_push(q, -2, AK_LIST_TAIL, "x", 1);
    size_t from, n;
    cr_assert(ak_ql_resolve(q, 0, -1, &from, &n) && from == 0 && n == 10);
    cr_assert(ak_ql_resolve(q, -3, -1, &from, &n) && from == 7 && n == 3);
    cr_assert(ak_ql_resolve(q, -100, 2, &from, &n) && from == 0 && n == 3);
    cr_assert(ak_ql_resolve(q, 5, 100, &from, &n) && from == 5 && n == 5);
    cr_assert(!ak_ql_resolve(q, 10, 20, &from, &n) && n == 0);
    cr_assert(!ak_ql_resolve(q, 3, 2, &from, &n));
    cr_assert(!ak_ql_resolve(q, -1, -2, &from, &n));
    cr_assert(!ak_ql_resolve(q, 0, -11, &from, &n));
    cr_assert(ak_ql_resolve(q, LLONG_MIN, LLONG_MAX, &from, &n) && n == 10);
    size_t i;
    cr_assert(ak_ql_abs_index(q, -1, &i) && i == 9);
    cr_assert(ak_ql_abs_index(q, -10, &i) && i == 0);
    cr_assert(!ak_ql_abs_index(q, -11, &i));
    cr_assert(!ak_ql_abs_index(q, 10, &i));
    cr_assert(!ak_ql_abs_index(q, LLONG_MIN, &i));
    ak_ql_free(q);
}

Test(quicklist, get_walks_from_either_end_across_nodes)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 1000; i++) {
        char b[8];
        int n = snprintf(b, sizeof b, "%d", i);
        ak_ql_push(q, 7, AK_LIST_TAIL, b, (size_t)n);
    }
    for (int i = 0; i < 1000; i += 37) {
        char b[8];
        int n = snprintf(b, sizeof b, "%d", i);
        ak_slice v = ak_ql_get(q, (size_t)i);
        cr_assert(v.len == (size_t)n && memcmp(v.p, b, (size_t)n) == 0, "index %d", i);
    }
    ak_ql_free(q);
}

Test(quicklist, insert_into_a_full_node_splits_it_in_order)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 8; i++)
        ak_ql_push(q, 4, AK_LIST_TAIL, (char[]){(char)('a' + i)}, 1);
    ak_ql_insert(q, 4, 2, "X", 1); /* in the middle of the first node */
    ak_ql_insert(q, 4, 0, "Y", 1); /* before the head */
    ak_ql_insert(q, 4, q->count, "Z", 1);
    const char *want = "YabXcdefghZ";
    cr_assert_eq(q->count, strlen(want));
    for (size_t i = 0; i < q->count; i++)
        cr_assert_eq(ak_ql_get(q, i).p[0], want[i], "index %zu", i);
    cr_assert(ak_ql_check(q, 4, 1));
    ak_ql_free(q);
}

Test(quicklist, replace_with_a_bigger_element_moves_it_out)
{
    static char big[20000];
    memset(big, 'R', sizeof big);
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 50; i++)
        ak_ql_push(q, -1, AK_LIST_TAIL, "small", 5);
    size_t nodes = q->nodes;
    ak_ql_replace(q, -1, 25, big, sizeof big);
    cr_assert_eq(q->count, 50);
    cr_assert_eq(ak_ql_get(q, 25).len, sizeof big);
    cr_assert_eq(ak_ql_get(q, 24).len, 5);
    cr_assert_eq(ak_ql_get(q, 26).len, 5);
    cr_assert_gt(q->nodes, nodes);
    cr_assert(ak_ql_check(q, -1, 1));
    /* And back to small: replaced in place in its own node. */
    ak_ql_replace(q, -1, 25, "s", 1);
    cr_assert_eq(ak_ql_get(q, 25).len, 1);
    cr_assert(ak_ql_check(q, -1, 1));
    ak_ql_free(q);
}

Test(quicklist, delete_range_frees_whole_nodes_and_merges_the_edges)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 100; i++)
        ak_ql_push(q, 10, AK_LIST_TAIL, (char[]){(char)i}, 1);
    cr_assert_eq(q->nodes, 10);
    ak_ql_delete_range(q, 10, 5, 90); /* keeps 0..4 and 95..99 */
    cr_assert_eq(q->count, 10);
    cr_assert_eq(q->nodes, 1); /* the two edge halves fit one node */
    for (int i = 0; i < 10; i++)
        cr_assert_eq(ak_ql_get(q, (size_t)i).p[0], (char)(i < 5 ? i : 90 + i));
    ak_ql_delete_range(q, 10, 8, 1000); /* past the end: clamped */
    cr_assert_eq(q->count, 8);
    ak_ql_delete_range(q, 10, 0, 8);
    cr_assert_eq(q->count, 0);
    cr_assert(q->head == NULL);
    cr_assert(ak_ql_check(q, 10, 1));
    ak_ql_free(q);
}

Test(quicklist, remove_counts_from_head_tail_or_all)
{
    /* x a x b x c x (over several nodes) */
    const char *seq = "xaxbxcx";
    for (int fill = 1; fill <= 4; fill++) {
        ak_ql *q = ak_ql_new();
        for (size_t i = 0; i < strlen(seq); i++)
            ak_ql_push(q, fill, AK_LIST_TAIL, seq + i, 1);
        cr_assert_eq(ak_ql_remove(q, fill, 2, "x", 1), 2);
        cr_assert_eq(ak_ql_get(q, 0).p[0], 'a');
        cr_assert_eq(ak_ql_get(q, 1).p[0], 'b');
        cr_assert_eq(ak_ql_remove(q, fill, -1, "x", 1), 1); /* the last x */
        cr_assert_eq(ak_ql_get(q, q->count - 1).p[0], 'c');
        cr_assert_eq(ak_ql_remove(q, fill, 0, "x", 1), 1); /* the one left */
        cr_assert_eq(ak_ql_remove(q, fill, 0, "x", 1), 0);
        cr_assert_eq(q->count, 3);
        cr_assert(ak_ql_check(q, fill, 1));
        cr_assert_eq(ak_ql_remove(q, fill, LLONG_MIN, "b", 1), 1);
        ak_ql_free(q);
    }
}

Test(quicklist, dup_is_equal_and_independent)
{
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 500; i++)
        ak_ql_push(q, 16, AK_LIST_TAIL, "dup", 3);
    ak_ql *d = ak_ql_dup(q);
    cr_assert_eq(d->count, q->count);
    cr_assert_eq(d->nodes, q->nodes);
    cr_assert(ak_ql_check(d, 16, 1));
    ak_ql_replace(d, 16, 0, "changed", 7);
    cr_assert_eq(ak_ql_get(q, 0).len, 3);
    ak_ql_free(q);
    cr_assert_eq(ak_ql_get(d, 0).len, 7);
    ak_ql_free(d);
}

/* ---------------------------------------------------------------- random against the model */

static void random_ops(int fill, uint64_t seed, int steps)
{
    static char buf[80000];
    rng_state = seed;
    ak_ql *q = ak_ql_new();
    model m = {0};
    for (int step = 0; step < steps; step++) {
        size_t op = rnd_below(100), len = make_value(buf, sizeof buf);
        if (op < 30) {
            int where = rnd_below(2) ? AK_LIST_HEAD : AK_LIST_TAIL;
            ak_ql_push(q, fill, where, buf, len);
            model_insert(&m, where == AK_LIST_HEAD ? 0 : m.n, buf, len);
        } else if (op < 45) {
            int where = rnd_below(2) ? AK_LIST_HEAD : AK_LIST_TAIL;
            int got = ak_ql_pop(q, where, keep_popped, NULL);
            cr_assert_eq(got, m.n > 0);
            if (got) {
                size_t i = where == AK_LIST_HEAD ? 0 : m.n - 1;
                cr_assert(model_eq(&m, i, ak_slice_of(popped, popped_len)));
                model_delete(&m, i);
            }
        } else if (op < 60) {
            size_t i = rnd_below(m.n + 1);
            ak_ql_insert(q, fill, i, buf, len);
            model_insert(&m, i, buf, len);
        } else if (op < 72 && m.n) {
            size_t i = rnd_below(m.n);
            ak_ql_replace(q, fill, i, buf, len);
            model_delete(&m, i);
            model_insert(&m, i, buf, len);
        } else if (op < 80 && m.n) {
            size_t i = rnd_below(m.n), n = rnd_below(m.n / 4 + 2);
            ak_ql_delete_range(q, fill, i, n);
            for (size_t k = 0; k < n && i < m.n; k++)
                model_delete(&m, i);
        } else if (op < 92) {
            long long count = (long long)rnd_below(5) - 2;
            size_t removed = ak_ql_remove(q, fill, count, buf, len);
            size_t want = 0, limit = count == 0 ? SIZE_MAX : (size_t)llabs(count);
            if (count >= 0) {
                for (size_t i = 0; i < m.n && want < limit;)
                    if (model_eq(&m, i, ak_slice_of(buf, len)))
                        model_delete(&m, i), want++;
                    else
                        i++;
            } else {
                for (size_t i = m.n; i-- > 0 && want < limit;)
                    if (model_eq(&m, i, ak_slice_of(buf, len)))
                        model_delete(&m, i), want++;
            }
            cr_assert_eq(removed, want, "step %d", step);
        } else if (m.n) {
            size_t i = rnd_below(m.n);
            cr_assert(model_eq(&m, i, ak_ql_get(q, i)));
            long long f = ak_ql_find(q, m.p[i], m.len[i]);
            cr_assert(f >= 0 && (size_t)f <= i);
            cr_assert(model_eq(&m, (size_t)f, ak_slice_of(m.p[i], m.len[i])));
        }
        if (step % 7 == 0 || m.n < 20)
            assert_same(q, &m, fill);
    }
    assert_same(q, &m, fill);
    ak_ql_free(q);
    model_free(&m);
}

Test(quicklist, random_operations_match_the_model_for_every_fill, .timeout = 120)
{
    static const int fills[] = {1, 2, 3, 5, 16, 128, -1, -2, -3, -5};
    for (size_t f = 0; f < sizeof fills / sizeof *fills; f++)
        random_ops(fills[f], 0x9E3779B97F4A7C15ull + f, 4000);
}

Test(quicklist, a_million_elements_push_pop_and_stay_compact, .timeout = 120)
{
    size_t before = ak_used_memory();
    ak_ql *q = ak_ql_new();
    for (int i = 0; i < 1000000; i++) {
        char b[16];
        int n = snprintf(b, sizeof b, "%d", i);
        ak_ql_push(q, -2, i % 2 ? AK_LIST_TAIL : AK_LIST_HEAD, b, (size_t)n);
    }
    cr_assert_eq(q->count, 1000000);
    size_t used = ak_used_memory() - before;
    /* about 10 bytes an element (7-byte entries, nodes of 8 KiB) */
    cr_assert_lt(used, 12 * 1000000, "%zu bytes for a million short elements", used);
    cr_assert(ak_ql_check(q, -2, 1));
    /* The middle is reached by walking nodes, not elements. */
    ak_slice v = ak_ql_get(q, 500000);
    cr_assert(v.len == 1 && v.p[0] == '1', "%.*s", (int)v.len, v.p);
    for (int i = 0; i < 999990; i++)
        cr_assert(ak_ql_pop(q, i % 3 ? AK_LIST_HEAD : AK_LIST_TAIL, NULL, NULL));
    cr_assert_eq(q->count, 10);
    cr_assert(ak_ql_check(q, -2, 1));
    ak_ql_free(q);
    cr_assert_eq(ak_used_memory(), before);
}

/* ---------------------------------------------------------------- through the engine */

typedef struct fx {
    ak_engine *e;
    ak_config cfg;
    const struct ak_list_ops *ops;
} fx;

static void fx_open(fx *f)
{
    ak_config_defaults(&f->cfg);
    f->e = ak_mem_engine_new(2);
    f->e->cfg = &f->cfg;
    f->ops = f->e->ops->list;
    cr_assert(f->ops, "the memory engine has no list operations");
}

static void fx_close(fx *f)
{
    f->e->ops->close(f->e);
    ak_config_free(&f->cfg);
}

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

typedef struct collect {
    size_t announced, n;
    char items[64][16];
    long long idx[64];
} collect;

static void col_begin(void *ctx, size_t n)
{
    ((collect *)ctx)->announced = n;
}

static void col_elem(void *ctx, ak_slice v)
{
    collect *c = ctx;
    cr_assert_lt(c->n, 64);
    cr_assert_lt(v.len, 16);
    memcpy(c->items[c->n], v.p, v.len);
    c->items[c->n++][v.len] = '\0';
}

static void col_index(void *ctx, long long i)
{
    collect *c = ctx;
    cr_assert_lt(c->n, 64);
    c->idx[c->n++] = i;
}

static void push_all(fx *f, const char *key, const char *csv)
{
    ak_slice v[32];
    size_t n = 0;
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        v[n++] = ak_slice_of(p, len);
        p += len + (e ? 1 : 0);
    }
    cr_assert_eq(f->ops->push(f->e, 0, S(key), AK_LIST_TAIL, v, n, 0, NULL), AK_OK);
}

static int key_exists(fx *f, const char *key)
{
    ak_keyinfo ki;
    f->e->ops->lookup(f->e, 0, S(key), AK_LOOKUP_NOTOUCH, &ki);
    return ki.type != AIKV_TYPE_NONE;
}

Test(list_ops, pushx_needs_an_existing_key_and_push_creates_one)
{
    fx f;
    fx_open(&f);
    ak_slice v = S("a");
    size_t len = 99;
    cr_assert_eq(f.ops->push(f.e, 0, S("k"), AK_LIST_HEAD, &v, 1, 1, &len), AK_NOTFOUND);
    cr_assert(!key_exists(&f, "k"));
    cr_assert_eq(f.ops->push(f.e, 0, S("k"), AK_LIST_HEAD, &v, 1, 0, &len), AK_OK);
    cr_assert_eq(len, 1);
    cr_assert_eq(f.ops->push(f.e, 0, S("k"), AK_LIST_HEAD, &v, 1, 1, &len), AK_OK);
    cr_assert_eq(len, 2);
    ak_keyinfo ki;
    f.e->ops->lookup(f.e, 0, S("k"), 0, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_LIST);
    cr_assert_eq(ki.encoding, AK_ENC_QUICKLIST);
    fx_close(&f);
}

Test(list_ops, operations_on_a_string_are_wrongtype_and_change_nothing)
{
    fx f;
    fx_open(&f);
    f.e->ops->str_set(f.e, 0, S("s"), S("x"), AK_NO_EXPIRE, 0);
    ak_slice v = S("a"), out;
    size_t n;
    long long l;
    cr_assert_eq(f.ops->push(f.e, 0, S("s"), AK_LIST_TAIL, &v, 1, 0, &n), AK_WRONGTYPE);
    cr_assert_eq(f.ops->pop(f.e, 0, S("s"), AK_LIST_TAIL, 1, NULL, col_elem, NULL), AK_WRONGTYPE);
    cr_assert_eq(f.ops->len(f.e, 0, S("s"), &n), AK_WRONGTYPE);
    cr_assert_eq(f.ops->range(f.e, 0, S("s"), 0, -1, NULL, col_elem, NULL), AK_WRONGTYPE);
    cr_assert_eq(f.ops->index(f.e, 0, S("s"), 0, &out), AK_WRONGTYPE);
    cr_assert_eq(f.ops->set(f.e, 0, S("s"), 0, v), AK_WRONGTYPE);
    cr_assert_eq(f.ops->insert(f.e, 0, S("s"), 0, v, v, &l), AK_WRONGTYPE);
    cr_assert_eq(f.ops->rem(f.e, 0, S("s"), 0, v, &n), AK_WRONGTYPE);
    cr_assert_eq(f.ops->trim(f.e, 0, S("s"), 0, 0, &n), AK_WRONGTYPE);
    cr_assert_eq(f.ops->pos(f.e, 0, S("s"), v, 1, 0, 0, col_index, NULL), AK_WRONGTYPE);
    cr_assert_eq(f.e->ops->str_get(f.e, 0, S("s"), &out), AK_OK);
    cr_assert(out.len == 1 && out.p[0] == 'x');
    fx_close(&f);
}

Test(list_ops, missing_key_is_notfound_everywhere)
{
    fx f;
    fx_open(&f);
    ak_slice v = S("a"), out;
    size_t n;
    long long l;
    cr_assert_eq(f.ops->pop(f.e, 0, S("m"), AK_LIST_TAIL, 1, NULL, col_elem, NULL), AK_NOTFOUND);
    cr_assert_eq(f.ops->len(f.e, 0, S("m"), &n), AK_NOTFOUND);
    cr_assert_eq(f.ops->range(f.e, 0, S("m"), 0, -1, NULL, col_elem, NULL), AK_NOTFOUND);
    cr_assert_eq(f.ops->index(f.e, 0, S("m"), 0, &out), AK_NOTFOUND);
    cr_assert_eq(f.ops->set(f.e, 0, S("m"), 0, v), AK_NOTFOUND);
    cr_assert_eq(f.ops->insert(f.e, 0, S("m"), 0, v, v, &l), AK_NOTFOUND);
    cr_assert_eq(f.ops->rem(f.e, 0, S("m"), 0, v, &n), AK_NOTFOUND);
    cr_assert_eq(f.ops->trim(f.e, 0, S("m"), 0, 0, &n), AK_NOTFOUND);
    cr_assert_eq(f.ops->pos(f.e, 0, S("m"), v, 1, 0, 0, col_index, NULL), AK_NOTFOUND);
    cr_assert(!key_exists(&f, "m"));
    fx_close(&f);
}

Test(list_ops, pop_announces_the_count_and_deletes_the_emptied_key)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "a,b,c");
    collect c = {0};
    cr_assert_eq(f.ops->pop(f.e, 0, S("k"), AK_LIST_TAIL, 2, col_begin, col_elem, &c), AK_OK);
    cr_assert_eq(c.announced, 2);
    cr_assert(c.n == 2 && !strcmp(c.items[0], "c") && !strcmp(c.items[1], "b"));
    memset(&c, 0, sizeof c);
    cr_assert_eq(f.ops->pop(f.e, 0, S("k"), AK_LIST_HEAD, 10, col_begin, col_elem, &c), AK_OK);
    cr_assert(c.announced == 1 && c.n == 1 && !strcmp(c.items[0], "a"));
    cr_assert(!key_exists(&f, "k"));
    fx_close(&f);
}

Test(list_ops, range_index_set_and_out_of_range)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "a,b,c,d");
    collect c = {0};
    cr_assert_eq(f.ops->range(f.e, 0, S("k"), -3, -2, col_begin, col_elem, &c), AK_OK);
    cr_assert(c.announced == 2 && c.n == 2 && !strcmp(c.items[0], "b") && !strcmp(c.items[1], "c"));
    memset(&c, 0, sizeof c);
    cr_assert_eq(f.ops->range(f.e, 0, S("k"), 5, 10, col_begin, col_elem, &c), AK_OK);
    cr_assert(c.announced == 0 && c.n == 0);
    ak_slice out;
    cr_assert_eq(f.ops->index(f.e, 0, S("k"), -4, &out), AK_OK);
    cr_assert(out.len == 1 && out.p[0] == 'a');
    cr_assert_eq(f.ops->index(f.e, 0, S("k"), 4, &out), AIKV_RANGE);
    cr_assert_eq(f.ops->index(f.e, 0, S("k"), LLONG_MIN, &out), AIKV_RANGE);
    cr_assert_eq(f.ops->set(f.e, 0, S("k"), -1, S("D")), AK_OK);
    cr_assert_eq(f.ops->set(f.e, 0, S("k"), -5, S("x")), AIKV_RANGE);
    cr_assert_eq(f.ops->index(f.e, 0, S("k"), 3, &out), AK_OK);
    cr_assert(out.len == 1 && out.p[0] == 'D');
    fx_close(&f);
}

Test(list_ops, insert_before_after_the_first_pivot_or_minus_one)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "a,p,b,p");
    long long len;
    cr_assert_eq(f.ops->insert(f.e, 0, S("k"), 0, S("p"), S("X"), &len), AK_OK);
    cr_assert_eq(len, 5);
    cr_assert_eq(f.ops->insert(f.e, 0, S("k"), 1, S("p"), S("Y"), &len), AK_OK);
    cr_assert_eq(len, 6);
    cr_assert_eq(f.ops->insert(f.e, 0, S("k"), 1, S("zz"), S("Y"), &len), AK_OK);
    cr_assert_eq(len, -1);
    collect c = {0};
    f.ops->range(f.e, 0, S("k"), 0, -1, col_begin, col_elem, &c);
    const char *want[] = {"a", "X", "p", "Y", "b", "p"};
    cr_assert_eq(c.n, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(c.items[i], want[i]);
    fx_close(&f);
}

Test(list_ops, rem_and_trim_delete_the_key_when_emptied)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "x,x,x");
    size_t removed;
    cr_assert_eq(f.ops->rem(f.e, 0, S("k"), -2, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 2);
    cr_assert(key_exists(&f, "k"));
    cr_assert_eq(f.ops->rem(f.e, 0, S("k"), 0, S("x"), &removed), AK_OK);
    cr_assert_eq(removed, 1);
    cr_assert(!key_exists(&f, "k"));
    push_all(&f, "t", "a,b,c,d,e");
    cr_assert_eq(f.ops->trim(f.e, 0, S("t"), 1, -2, &removed), AK_OK);
    cr_assert_eq(removed, 2);
    size_t n;
    cr_assert_eq(f.ops->len(f.e, 0, S("t"), &n), AK_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(f.ops->trim(f.e, 0, S("t"), 0, -1, &removed), AK_OK);
    cr_assert_eq(removed, 0);
    cr_assert_eq(f.ops->trim(f.e, 0, S("t"), 2, 1, &removed), AK_OK);
    cr_assert_eq(removed, 3);
    cr_assert(!key_exists(&f, "t"));
    fx_close(&f);
}

Test(list_ops, pos_rank_count_and_maxlen)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "a,b,c,a,b,c,a");
    collect c = {0};
    cr_assert_eq(f.ops->pos(f.e, 0, S("k"), S("a"), 1, 0, 0, col_index, &c), AK_OK);
    cr_assert(c.n == 3 && c.idx[0] == 0 && c.idx[1] == 3 && c.idx[2] == 6);
    memset(&c, 0, sizeof c);
    f.ops->pos(f.e, 0, S("k"), S("a"), -1, 2, 0, col_index, &c);
    cr_assert(c.n == 2 && c.idx[0] == 6 && c.idx[1] == 3);
    memset(&c, 0, sizeof c);
    f.ops->pos(f.e, 0, S("k"), S("a"), 2, 1, 0, col_index, &c);
    cr_assert(c.n == 1 && c.idx[0] == 3);
    memset(&c, 0, sizeof c);
    f.ops->pos(f.e, 0, S("k"), S("a"), 2, 0, 3, col_index, &c); /* only 3 compared */
    cr_assert_eq(c.n, 0);
    memset(&c, 0, sizeof c);
    f.ops->pos(f.e, 0, S("k"), S("a"), -3, 0, 0, col_index, &c);
    cr_assert(c.n == 1 && c.idx[0] == 0);
    memset(&c, 0, sizeof c);
    f.ops->pos(f.e, 0, S("k"), S("a"), LLONG_MAX, 0, 0, col_index, &c);
    cr_assert_eq(c.n, 0);
    fx_close(&f);
}

Test(list_ops, node_size_follows_the_configuration_at_each_write)
{
    fx f;
    fx_open(&f);
    f.cfg.list_max_listpack_size = 2;
    push_all(&f, "k", "a,b,c,d,e,f");
    f.cfg.list_max_listpack_size = -2;
    push_all(&f, "k", "g,h,i,j");
    size_t n;
    cr_assert_eq(f.ops->len(f.e, 0, S("k"), &n), AK_OK);
    cr_assert_eq(n, 10);
    collect c = {0};
    f.ops->range(f.e, 0, S("k"), 0, -1, col_begin, col_elem, &c);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(c.items[i][0], 'a' + i);
    fx_close(&f);
}

Test(list_ops, copy_duplicates_the_list)
{
    fx f;
    fx_open(&f);
    push_all(&f, "k", "a,b,c");
    cr_assert_eq(f.e->ops->copy(f.e, 0, S("k"), 1, S("k2"), 0), 1);
    size_t removed;
    f.ops->rem(f.e, 0, S("k"), 0, S("b"), &removed);
    collect c = {0};
    cr_assert_eq(f.ops->range(f.e, 1, S("k2"), 0, -1, col_begin, col_elem, &c), AK_OK);
    cr_assert(c.n == 3 && !strcmp(c.items[1], "b"));
    fx_close(&f);
}
