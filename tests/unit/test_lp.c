/* test_lp.c -- the compact sequence (util/lp.c) against a reference array. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/lp.h"

#define MAXN 600

typedef struct ref {
    char *v[MAXN];
    size_t len[MAXN];
    size_t n;
} ref;

static void check(const lp *l, const ref *r)
{
    cr_assert_eq(lp_count(l), r->n);
    size_t at = lp_first(l);
    for (size_t i = 0; i < r->n; i++) {
        cr_assert_neq(at, LP_END, "walk ended early at %zu", i);
        size_t len;
        const char *p = lp_get(l, at, &len);
        cr_assert_eq(len, r->len[i]);
        cr_assert(len == 0 || memcmp(p, r->v[i], len) == 0);
        at = lp_next(l, at);
    }
    cr_assert_eq(at, LP_END);
    /* and backwards */
    at = lp_last(l);
    for (size_t i = r->n; i-- > 0;) {
        size_t len;
        const char *p = lp_get(l, at, &len);
        cr_assert_eq(len, r->len[i]);
        cr_assert(len == 0 || memcmp(p, r->v[i], len) == 0);
        at = lp_prev(l, at);
    }
    cr_assert_eq(at, LP_END);
}

static char *make_value(unsigned *seed, size_t *len)
{
    /* Lengths around the varint boundaries (127/128, 16383/16384). */
    static const size_t sizes[] = {0, 1, 5, 126, 127, 128, 129, 300, 16383, 16384, 20000};
    *len = sizes[rand_r(seed) % (sizeof sizes / sizeof *sizes)];
    char *v = malloc(*len + 1);
    for (size_t i = 0; i < *len; i++)
        v[i] = (char)(rand_r(seed) & 0xff);
    return v;
}

Test(lp, empty_has_no_entries)
{
    lp *l = lp_new();
    cr_assert_eq(lp_count(l), 0);
    cr_assert_eq(lp_first(l), LP_END);
    cr_assert_eq(lp_last(l), LP_END);
    cr_assert_eq(lp_seek(l, 0), LP_END);
    lp_free(l);
}

Test(lp, random_operations_match_a_reference_array)
{
    unsigned seed = 12345;
    ref r = {0};
    lp *l = lp_new();
    for (int step = 0; step < 3000; step++) {
        int op = rand_r(&seed) % 4;
        if ((op == 0 || r.n == 0) && r.n < MAXN) {
            size_t idx = r.n ? (size_t)rand_r(&seed) % (r.n + 1) : 0, len;
            char *v = make_value(&seed, &len);
            size_t at = idx == r.n ? LP_END : lp_seek(l, (long)idx), where;
            l = lp_insert(l, at, v, len, &where);
            cr_assert_eq(where, lp_seek(l, (long)idx));
            memmove(&r.v[idx + 1], &r.v[idx], (r.n - idx) * sizeof(char *));
            memmove(&r.len[idx + 1], &r.len[idx], (r.n - idx) * sizeof(size_t));
            r.v[idx] = v;
            r.len[idx] = len;
            r.n++;
        } else if (op == 1 && r.n) {
            size_t idx = (size_t)rand_r(&seed) % r.n, k = 1 + (size_t)rand_r(&seed) % 3;
            if (idx + k > r.n)
                k = r.n - idx;
            l = lp_delete(l, lp_seek(l, (long)idx), k);
            for (size_t j = 0; j < k; j++)
                free(r.v[idx + j]);
            memmove(&r.v[idx], &r.v[idx + k], (r.n - idx - k) * sizeof(char *));
            memmove(&r.len[idx], &r.len[idx + k], (r.n - idx - k) * sizeof(size_t));
            r.n -= k;
        } else if (op == 2 && r.n) {
            size_t idx = (size_t)rand_r(&seed) % r.n, len;
            char *v = make_value(&seed, &len);
            l = lp_replace(l, lp_seek(l, -(long)(r.n - idx)), v, len);
            free(r.v[idx]);
            r.v[idx] = v;
            r.len[idx] = len;
        } else if (r.n) {
            size_t idx = (size_t)rand_r(&seed) % r.n;
            size_t at = lp_find(l, lp_first(l), r.v[idx], r.len[idx], 0);
            cr_assert_neq(at, LP_END);
            size_t len;
            const char *p = lp_get(l, at, &len);
            cr_assert(len == r.len[idx] && (len == 0 || !memcmp(p, r.v[idx], len)));
        }
        if (step % 50 == 0)
            check(l, &r);
    }
    check(l, &r);
    lp *d = lp_dup(l);
    check(d, &r);
    lp_free(d);
    lp_free(l);
    for (size_t i = 0; i < r.n; i++)
        free(r.v[i]);
}

Test(lp, find_with_skip_looks_at_every_other_entry)
{
    lp *l = lp_new();
    const char *pairs[] = {"f1", "v1", "f2", "x", "f3", "f2"};
    for (int i = 0; i < 6; i++)
        l = lp_append(l, pairs[i], strlen(pairs[i]));
    size_t at = lp_find(l, lp_first(l), "v1", 2, 1);
    cr_assert_eq(at, LP_END, "v1 is only a value, never a field");
    at = lp_find(l, lp_first(l), "f2", 2, 1);
    cr_assert_eq(at, lp_seek(l, 2), "f2 is first a field at index 2");
    cr_assert_eq(lp_find(l, lp_first(l), "x", 1, 1), LP_END);
    l = lp_prepend(l, "h", 1);
    cr_assert_eq(lp_count(l), 7);
    size_t len;
    cr_assert_eq(*lp_get(l, lp_first(l), &len), 'h');
    lp_free(l);
}
