/*
 * test_hash.c -- hash values of the memory engine (store/mem/hash.c) through
 * the storage interface (store/hash.h), on their own: no commands, no
 * sessions.
 *
 * Both encodings are exercised (small thresholds force the hashtable), and
 * a random stream of operations is checked against a reference model (an
 * array of field/value pairs searched linearly). The random streams are
 * fixed xorshift sequences, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "store/hash.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/num.h"

/* ---------------------------------------------------------------- fixture */

static ak_config cfg;
static ak_engine *e;
static const struct ak_hash_ops *H;

static void setup(void)
{
    ak_config_defaults(&cfg);
    e = ak_mem_engine_new(2);
    e->cfg = &cfg;
    H = e->ops->hash;
    cr_assert(H, "the memory engine has no hash operations");
}

static void teardown(void)
{
    e->ops->close(e);
    ak_config_free(&cfg);
}

TestSuite(hash, .init = setup, .fini = teardown);

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

static const ak_slice KEY = {"h", 1};

static size_t hset1(const char *f, const char *v)
{
    ak_slice fv[2] = {S(f), S(v)};
    size_t added = 99;
    cr_assert_eq(H->set(e, 0, KEY, fv, 1, 0, &added), AK_OK);
    return added;
}

static ak_encoding encoding(void)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, KEY, AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_HASH);
    return ki.encoding;
}

static int key_exists(void)
{
    ak_keyinfo ki;
    e->ops->lookup(e, 0, KEY, AK_LOOKUP_NOTOUCH, &ki);
    return ki.type != AIKV_TYPE_NONE;
}

static void expect_value(const char *f, const char *want)
{
    ak_slice v = {NULL, 0};
    cr_assert_eq(H->get(e, 0, KEY, S(f), &v), AK_OK);
    if (!want) {
        cr_assert_null(v.p, "field %s should be missing", f);
        return;
    }
    cr_assert_not_null(v.p, "field %s should exist", f);
    cr_assert_eq(v.len, strlen(want));
    cr_assert(memcmp(v.p, want, v.len) == 0, "field %s: got %.*s, want %s", f, (int)v.len, v.p,
              want);
}

static uint64_t hlen(void)
{
    uint64_t n = 12345;
    int rc = H->len(e, 0, KEY, &n);
    if (rc == AK_NOTFOUND)
        return 0;
    cr_assert_eq(rc, AK_OK);
    return n;
}

/* Collected pairs (copies). */
typedef struct pairs {
    char **f, **v;
    size_t *flen, *vlen;
    size_t n, cap;
} pairs;

static void collect(void *ctx, ak_slice f, ak_slice v)
{
    pairs *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->f = realloc(p->f, p->cap * sizeof(char *));
        p->v = realloc(p->v, p->cap * sizeof(char *));
        p->flen = realloc(p->flen, p->cap * sizeof(size_t));
        p->vlen = realloc(p->vlen, p->cap * sizeof(size_t));
    }
    p->f[p->n] = malloc(f.len + 1);
    if (f.len)
        memcpy(p->f[p->n], f.p, f.len);
    p->f[p->n][f.len] = 0;
    p->v[p->n] = malloc(v.len + 1);
    if (v.len) /* a missing value (mget) is {NULL, 0} */
        memcpy(p->v[p->n], v.p, v.len);
    p->v[p->n][v.len] = 0;
    p->flen[p->n] = f.len;
    p->vlen[p->n] = v.len;
    p->n++;
}

static void pairs_free(pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->f[i]);
        free(p->v[i]);
    }
    free(p->f);
    free(p->v);
    free(p->flen);
    free(p->vlen);
    memset(p, 0, sizeof *p);
}

static long find_pair(const pairs *p, const char *f)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->f[i], f) == 0)
            return (long)i;
    return -1;
}

static uint64_t xs = 88172645463325252ULL;
static uint64_t xorshift(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

/* ---------------------------------------------------------------- basics */

Test(hash, set_creates_key_as_listpack_and_counts_new_fields)
{
    ak_slice fv[6] = {S("a"), S("1"), S("b"), S("2"), S("a"), S("3")};
    size_t added = 0;
    cr_assert_eq(H->set(e, 0, KEY, fv, 3, 0, &added), AK_OK);
    cr_assert_eq(added, 2, "a field repeated in one call is new once");
    cr_assert_eq(encoding(), AK_ENC_LISTPACK);
    expect_value("a", "3"); /* the later value wins */
    expect_value("b", "2");
    cr_assert_eq(hlen(), 2);
    cr_assert_eq(hset1("b", "two"), 0);
    expect_value("b", "two");
}

Test(hash, set_nx_leaves_existing_fields_alone)
{
    hset1("a", "old");
    ak_slice fv[4] = {S("a"), S("new"), S("b"), S("x")};
    size_t added = 0;
    cr_assert_eq(H->set(e, 0, KEY, fv, 2, 1, &added), AK_OK);
    cr_assert_eq(added, 1);
    expect_value("a", "old");
    expect_value("b", "x");
}

Test(hash, missing_field_is_null_and_empty_value_is_not)
{
    hset1("empty", "");
    expect_value("empty", "");
    expect_value("nosuch", NULL);
    int ex = -1;
    cr_assert_eq(H->exists(e, 0, KEY, S("empty"), &ex), AK_OK);
    cr_assert_eq(ex, 1);
    cr_assert_eq(H->exists(e, 0, KEY, S("nosuch"), &ex), AK_OK);
    cr_assert_eq(ex, 0);
    size_t len = 7;
    cr_assert_eq(H->strlen(e, 0, KEY, S("nosuch"), &len), AK_OK);
    cr_assert_eq(len, 0);
}

Test(hash, missing_key_is_notfound_for_every_read)
{
    ak_slice v;
    uint64_t n;
    int ex;
    size_t len, next = 0;
    uint64_t nx;
    pairs p = {0};
    cr_assert_eq(H->get(e, 0, KEY, S("f"), &v), AK_NOTFOUND);
    cr_assert_eq(H->len(e, 0, KEY, &n), AK_NOTFOUND);
    cr_assert_eq(H->exists(e, 0, KEY, S("f"), &ex), AK_NOTFOUND);
    cr_assert_eq(H->strlen(e, 0, KEY, S("f"), &len), AK_NOTFOUND);
    cr_assert_eq(H->getall(e, 0, KEY, AK_HASH_FIELDS, collect, &p), AK_NOTFOUND);
    cr_assert_eq(H->randfield(e, 0, KEY, 5, 1, collect, &p), AK_NOTFOUND);
    cr_assert_eq(H->scan(e, 0, KEY, 0, 10, collect, &p, &nx), AK_NOTFOUND);
    cr_assert_eq(H->del(e, 0, KEY, &v, 0, &next), AK_NOTFOUND);
    cr_assert_eq(p.n, 0);
    cr_assert_not(key_exists(), "reads must not create the key");
}

Test(hash, every_operation_refuses_another_type)
{
    e->ops->str_set(e, 0, KEY, S("string"), AK_NO_EXPIRE, 0);
    ak_slice fv[2] = {S("f"), S("v")}, v;
    size_t n;
    uint64_t u;
    int ex;
    long long ll;
    char *buf = ak_malloc(AK_LD_STR_CAP);
    pairs p = {0};
    cr_assert_eq(H->set(e, 0, KEY, fv, 1, 0, &n), AK_WRONGTYPE);
    cr_assert_eq(H->get(e, 0, KEY, S("f"), &v), AK_WRONGTYPE);
    cr_assert_eq(H->mget(e, 0, KEY, fv, 2, collect, &p), AK_WRONGTYPE);
    cr_assert_eq(H->del(e, 0, KEY, fv, 1, &n), AK_WRONGTYPE);
    cr_assert_eq(H->exists(e, 0, KEY, S("f"), &ex), AK_WRONGTYPE);
    cr_assert_eq(H->len(e, 0, KEY, &u), AK_WRONGTYPE);
    cr_assert_eq(H->strlen(e, 0, KEY, S("f"), &n), AK_WRONGTYPE);
    cr_assert_eq(H->getall(e, 0, KEY, AK_HASH_FIELDS, collect, &p), AK_WRONGTYPE);
    cr_assert_eq(H->incrby(e, 0, KEY, S("f"), 1, &ll), AK_WRONGTYPE);
    cr_assert_eq(H->incrbyfloat(e, 0, KEY, S("f"), 1.5L, buf, &n), AK_WRONGTYPE);
    cr_assert_eq(H->randfield(e, 0, KEY, 1, 0, collect, &p), AK_WRONGTYPE);
    cr_assert_eq(H->scan(e, 0, KEY, 0, 10, collect, &p, &u), AK_WRONGTYPE);
    cr_assert_eq(p.n, 0);
    ak_slice sv;
    cr_assert_eq(e->ops->str_get(e, 0, KEY, &sv), AK_OK, "the string is untouched");
    ak_free(buf);
}

Test(hash, mget_reports_each_field_in_order_with_null_for_missing)
{
    hset1("a", "1");
    hset1("c", "3");
    ak_slice fields[4] = {S("c"), S("b"), S("a"), S("c")};
    pairs p = {0};
    /* collect() copies: a missing value comes back as "" with NULL p, so
     * check the pointers through a dedicated callback too. */
    cr_assert_eq(H->mget(e, 0, KEY, fields, 4, collect, &p), AK_OK);
    cr_assert_eq(p.n, 4);
    cr_assert_str_eq(p.f[0], "c");
    cr_assert_str_eq(p.v[0], "3");
    cr_assert_str_eq(p.f[1], "b");
    cr_assert_str_eq(p.v[2], "1");
    cr_assert_str_eq(p.v[3], "3");
    pairs_free(&p);
}

static void count_nulls(void *ctx, ak_slice f, ak_slice v)
{
    *(int *)ctx += v.p == NULL;
}

Test(hash, mget_hands_out_null_pointer_for_missing_fields)
{
    hset1("a", "");
    ak_slice fields[3] = {S("a"), S("x"), S("y")};
    int nulls = 0;
    cr_assert_eq(H->mget(e, 0, KEY, fields, 3, count_nulls, &nulls), AK_OK);
    cr_assert_eq(nulls, 2);
}

Test(hash, del_counts_existing_fields_and_deletes_key_when_empty)
{
    hset1("a", "1");
    hset1("b", "2");
    ak_slice f[3] = {S("a"), S("zz"), S("a")};
    size_t d = 0;
    cr_assert_eq(H->del(e, 0, KEY, f, 3, &d), AK_OK);
    cr_assert_eq(d, 1);
    cr_assert(key_exists());
    ak_slice g[2] = {S("b"), S("b")};
    cr_assert_eq(H->del(e, 0, KEY, g, 2, &d), AK_OK);
    cr_assert_eq(d, 1);
    cr_assert_not(key_exists(), "the last field takes the key with it");
}

Test(hash, getall_on_listpack_is_insertion_order)
{
    const char *fs[] = {"z", "a", "m", "b"};
    for (int i = 0; i < 4; i++)
        hset1(fs[i], fs[i]);
    hset1("a", "updated"); /* an update keeps the position */
    pairs p = {0};
    cr_assert_eq(H->getall(e, 0, KEY, AK_HASH_FIELDS | AK_HASH_VALUES, collect, &p), AK_OK);
    cr_assert_eq(p.n, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(p.f[i], fs[i]);
    cr_assert_str_eq(p.v[1], "updated");
    pairs_free(&p);
}

Test(hash, expired_key_is_gone_for_hash_operations)
{
    hset1("a", "1");
    cr_assert_eq(e->ops->set_expire(e, 0, KEY, 1), AK_OK); /* 1 ms after the epoch */
    ak_slice v;
    cr_assert_eq(H->get(e, 0, KEY, S("a"), &v), AK_NOTFOUND);
    cr_assert_eq(hset1("a", "2"), 1, "a write recreates it from scratch");
    ak_keyinfo ki;
    e->ops->lookup(e, 0, KEY, 0, &ki);
    cr_assert_eq(ki.expire, AK_NO_EXPIRE);
}

/* ---------------------------------------------------------------- encodings */

Test(hash, converts_to_hashtable_past_max_entries_and_never_back)
{
    cfg.hash_max_listpack_entries = 4;
    char f[16];
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "f%d", i);
        hset1(f, "v");
    }
    cr_assert_eq(encoding(), AK_ENC_LISTPACK, "4 entries fit");
    hset1("f4", "v");
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE);
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "f%d", i);
        ak_slice s = S(f);
        cr_assert_eq(H->del(e, 0, KEY, &s, 1, NULL), AK_OK);
    }
    cr_assert_eq(hlen(), 1);
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE, "no conversion back");
    expect_value("f4", "v");
}

Test(hash, converts_when_a_field_or_value_is_too_long)
{
    cfg.hash_max_listpack_value = 8;
    hset1("a", "12345678");
    cr_assert_eq(encoding(), AK_ENC_LISTPACK, "8 bytes fit");
    hset1("a", "123456789");
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE, "an update with a long value converts too");
    expect_value("a", "123456789");

    ak_slice k2 = S("h2");
    ak_slice fv[2] = {S("a-long-field"), S("v")};
    cr_assert_eq(H->set(e, 0, k2, fv, 1, 0, NULL), AK_OK);
    ak_keyinfo ki;
    e->ops->lookup(e, 0, k2, 0, &ki);
    cr_assert_eq(ki.encoding, AK_ENC_HASHTABLE);
}

Test(hash, nx_on_existing_field_does_not_convert)
{
    cfg.hash_max_listpack_value = 4;
    hset1("a", "1");
    ak_slice fv[2] = {S("a"), S("a-long-value")};
    size_t added = 9;
    cr_assert_eq(H->set(e, 0, KEY, fv, 1, 1, &added), AK_OK);
    cr_assert_eq(added, 0);
    cr_assert_eq(encoding(), AK_ENC_LISTPACK);
}

Test(hash, thresholds_are_read_at_each_write)
{
    hset1("a", "1");
    hset1("b", "2");
    cfg.hash_max_listpack_entries = 1;
    cr_assert_eq(encoding(), AK_ENC_LISTPACK, "no conversion before a write");
    ak_slice fv[2] = {S("a"), S("nx")};
    cr_assert_eq(H->set(e, 0, KEY, fv, 1, 1, NULL), AK_OK);
    cr_assert_eq(encoding(), AK_ENC_LISTPACK, "nx on an existing field writes nothing");
    hset1("a", "x");
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE, "an update is a write: Redis checks the count");
    expect_value("a", "x");
    expect_value("b", "2");
}

Test(hash, zero_entries_makes_every_hash_a_hashtable)
{
    cfg.hash_max_listpack_entries = 0;
    hset1("a", "1");
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE);
}

Test(hash, incr_with_tiny_value_limit_converts)
{
    cfg.hash_max_listpack_value = 0;
    long long r;
    cr_assert_eq(H->incrby(e, 0, KEY, S(""), 1, &r), AK_OK);
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE, "the value \"1\" is longer than 0");
}

Test(hash, hashtable_values_grow_and_shrink_in_place_or_moved)
{
    cfg.hash_max_listpack_entries = 0;
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (int i = 0; i < 50; i++) {
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        hset1(f, "");
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 50; i++) {
            char f[16];
            snprintf(f, sizeof f, "f%d", i);
            big[i * 10 + round] = 0;
            hset1(f, big);
            big[i * 10 + round] = 'x';
        }
        for (int i = 0; i < 50; i++) {
            char f[16];
            snprintf(f, sizeof f, "f%d", i);
            big[i * 10 + round] = 0;
            expect_value(f, big);
            big[i * 10 + round] = 'x';
            hset1(f, i % 2 ? "s" : "");
            expect_value(f, i % 2 ? "s" : "");
        }
    }
    cr_assert_eq(hlen(), 50);
}

/* ---------------------------------------------------------------- counters */

Test(hash, incrby_creates_adds_and_checks)
{
    long long r = 0;
    cr_assert_eq(H->incrby(e, 0, KEY, S("n"), 5, &r), AK_OK);
    cr_assert_eq(r, 5);
    cr_assert_eq(H->incrby(e, 0, KEY, S("n"), -7, &r), AK_OK);
    cr_assert_eq(r, -2);
    expect_value("n", "-2");
    hset1("s", "abc");
    cr_assert_eq(H->incrby(e, 0, KEY, S("s"), 1, &r), AIKV_NOTNUM);
    hset1("z", "007");
    cr_assert_eq(H->incrby(e, 0, KEY, S("z"), 1, &r), AIKV_NOTNUM, "not canonical");
    hset1("m", "9223372036854775807");
    cr_assert_eq(H->incrby(e, 0, KEY, S("m"), 1, &r), AIKV_OVERFLOW);
    expect_value("m", "9223372036854775807");
    hset1("l", "-9223372036854775808");
    cr_assert_eq(H->incrby(e, 0, KEY, S("l"), -1, &r), AIKV_OVERFLOW);
    cr_assert_eq(H->incrby(e, 0, KEY, S("l"), 0, &r), AK_OK);
}

Test(hash, incrbyfloat_formats_like_redis_and_refuses_nan)
{
    char *buf = ak_malloc(AK_LD_STR_CAP);
    size_t n = 0;
    hset1("f", "10.5");
    cr_assert_eq(H->incrbyfloat(e, 0, KEY, S("f"), 0.1L, buf, &n), AK_OK);
    cr_assert_eq(n, 4);
    cr_assert(memcmp(buf, "10.6", 4) == 0, "got %.*s", (int)n, buf);
    expect_value("f", "10.6");
    hset1("i", "3");
    cr_assert_eq(H->incrbyfloat(e, 0, KEY, S("i"), 2.0L, buf, &n), AK_OK);
    expect_value("i", "5");
    hset1("bad", "1x");
    cr_assert_eq(H->incrbyfloat(e, 0, KEY, S("bad"), 1.0L, buf, &n), AIKV_NOTNUM);
    hset1("big", "1e4000");
    cr_assert_eq(H->incrbyfloat(e, 0, KEY, S("big"), 1e4932L * 10, buf, &n), AIKV_RANGE);
    expect_value("big", "1e4000");
    ak_slice k2 = S("fresh");
    cr_assert_eq(H->incrbyfloat(e, 0, k2, S("x"), INFINITY, buf, &n), AIKV_RANGE);
    ak_keyinfo ki;
    e->ops->lookup(e, 0, k2, 0, &ki);
    cr_assert_eq(ki.type, AIKV_TYPE_NONE, "a failed increment leaves no empty key");
    ak_free(buf);
}

/* ---------------------------------------------------------------- HRANDFIELD */

static void fill(int n)
{
    for (int i = 0; i < n; i++) {
        char f[16], v[16];
        snprintf(f, sizeof f, "f%d", i);
        snprintf(v, sizeof v, "v%d", i);
        hset1(f, v);
    }
}

/* Checks a randfield result: every pair is a real one, and (uniq) no field
 * repeats. */
static void check_random(const pairs *p, int size, int uniq, int withvalues)
{
    char *seen = calloc((size_t)size, 1);
    for (size_t i = 0; i < p->n; i++) {
        int idx = atoi(p->f[i] + 1);
        cr_assert(p->f[i][0] == 'f' && idx >= 0 && idx < size, "bogus field %s", p->f[i]);
        if (withvalues)
            cr_assert(p->v[i][0] == 'v' && atoi(p->v[i] + 1) == idx, "wrong value %s for %s",
                      p->v[i], p->f[i]);
        else
            cr_assert_eq(p->vlen[i], 0);
        if (uniq)
            cr_assert_not(seen[idx], "field %s repeated", p->f[i]);
        seen[idx] = 1;
    }
    free(seen);
}

static void randfield_cases(int size)
{
    fill(size);
    long long counts[] = {1, 2, size / 3, size / 2, size - 1, size, size + 5, -1, -3, -size * 4};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        for (int wv = 0; wv < 2; wv++) {
            long long count = counts[c];
            if (count == 0)
                continue;
            pairs p = {0};
            cr_assert_eq(H->randfield(e, 0, KEY, count, wv, collect, &p), AK_OK);
            size_t want = count > 0 ? (size_t)(count < size ? count : size) : (size_t)-count;
            cr_assert_eq(p.n, want, "count %lld on %d fields gave %zu", count, size, p.n);
            check_random(&p, size, count > 0, wv);
            pairs_free(&p);
        }
    }
    pairs p = {0};
    cr_assert_eq(H->randfield(e, 0, KEY, 0, 1, collect, &p), AK_OK);
    cr_assert_eq(p.n, 0);
}

Test(hash, randfield_counts_and_uniqueness_on_listpack)
{
    randfield_cases(20);
    cr_assert_eq(encoding(), AK_ENC_LISTPACK);
}

Test(hash, randfield_counts_and_uniqueness_on_hashtable)
{
    randfield_cases(1000);
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE);
}

static void randfield_covers_all(int size, long long count)
{
    fill(size);
    pairs p = {0};
    cr_assert_eq(H->randfield(e, 0, KEY, count, 0, collect, &p), AK_OK);
    int *hits = calloc((size_t)size, sizeof(int));
    for (size_t i = 0; i < p.n; i++)
        hits[atoi(p.f[i] + 1)]++;
    /* 20000 picks over 10 fields: each expected 2000 times. */
    for (int i = 0; i < size; i++)
        cr_assert(hits[i] > 1500 && hits[i] < 2500, "field f%d picked %d times", i, hits[i]);
    free(hits);
    pairs_free(&p);
}

Test(hash, randfield_with_repetitions_is_roughly_uniform_on_listpack)
{
    randfield_covers_all(10, -20000);
}

Test(hash, randfield_with_repetitions_is_roughly_uniform_on_hashtable)
{
    cfg.hash_max_listpack_entries = 0;
    randfield_covers_all(10, -20000);
}

Test(hash, randfield_distinct_sample_varies_between_calls)
{
    cfg.hash_max_listpack_entries = 0;
    fill(200);
    /* Two samples of 5 out of 200 are equal by chance with p ~ 4e-9. */
    pairs a = {0}, b = {0};
    H->randfield(e, 0, KEY, 5, 0, collect, &a);
    H->randfield(e, 0, KEY, 5, 0, collect, &b);
    int same = 1;
    for (size_t i = 0; i < 5; i++)
        same &= find_pair(&b, a.f[i]) >= 0;
    cr_assert_not(same);
    pairs_free(&a);
    pairs_free(&b);
}

/* ---------------------------------------------------------------- HSCAN */

Test(hash, scan_on_listpack_returns_everything_with_cursor_zero)
{
    fill(30);
    pairs p = {0};
    uint64_t next = 77;
    cr_assert_eq(H->scan(e, 0, KEY, 12345, 2, collect, &p, &next), AK_OK);
    cr_assert_eq(next, 0);
    cr_assert_eq(p.n, 30);
    cr_assert_str_eq(p.f[0], "f0");
    cr_assert_str_eq(p.v[29], "v29");
    pairs_free(&p);
}

Test(hash, scan_on_hashtable_visits_every_field_across_calls)
{
    cfg.hash_max_listpack_entries = 16;
    fill(5000);
    cr_assert_eq(encoding(), AK_ENC_HASHTABLE);
    pairs p = {0};
    uint64_t cursor = 0;
    int calls = 0;
    do {
        size_t before = p.n;
        cr_assert_eq(H->scan(e, 0, KEY, cursor, 10, collect, &p, &cursor), AK_OK);
        cr_assert(p.n - before <= 200, "one call should stay near COUNT");
        /* Grow the table in the middle of the scan: nothing may be missed. */
        if (++calls == 50)
            for (int i = 5000; i < 9000; i++) {
                char f[16];
                snprintf(f, sizeof f, "g%d", i);
                hset1(f, "v");
            }
    } while (cursor != 0 && calls < 100000);
    cr_assert_eq(cursor, 0);
    char *seen = calloc(5000, 1);
    for (size_t i = 0; i < p.n; i++)
        if (p.f[i][0] == 'f')
            seen[atoi(p.f[i] + 1)] = 1;
    for (int i = 0; i < 5000; i++)
        cr_assert(seen[i], "f%d was never returned", i);
    free(seen);
    pairs_free(&p);
}

/* ---------------------------------------------------------------- copies, memory */

Test(hash, copy_duplicates_both_encodings_independently)
{
    for (int enc = 0; enc < 2; enc++) {
        cfg.hash_max_listpack_entries = enc ? 0 : 128;
        fill(40);
        ak_slice dst = S("copy");
        cr_assert_eq(e->ops->copy(e, 0, KEY, 1, dst, 1), 1);
        cr_assert_eq(e->ops->del(e, 0, KEY), 1);
        uint64_t n = 0;
        cr_assert_eq(H->len(e, 1, dst, &n), AK_OK);
        cr_assert_eq(n, 40);
        ak_slice v;
        cr_assert_eq(H->get(e, 1, dst, S("f39"), &v), AK_OK);
        cr_assert(v.len == 3 && memcmp(v.p, "v39", 3) == 0);
        ak_keyinfo ki;
        e->ops->lookup(e, 1, dst, 0, &ki);
        cr_assert_eq(ki.encoding, enc ? AK_ENC_HASHTABLE : AK_ENC_LISTPACK);
        e->ops->del(e, 1, dst);
    }
}

Test(hash, hashtable_node_is_lean)
{
    size_t before = ak_used_memory();
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        char f[24], v[24];
        snprintf(f, sizeof f, "field:%d", i);
        snprintf(v, sizeof v, "value:%d", i);
        hset1(f, v);
    }
    double per = (double)(ak_used_memory() - before) / n;
    /* Redis 7.0 uses ~72 bytes per such field (dictEntry + 2 sds + bucket). */
    cr_assert(per < 60, "%.1f bytes per field", per);
    cr_assert_eq(hlen(), (uint64_t)n);
    ak_slice all[1] = {S("field:123456")};
    size_t d = 0;
    cr_assert_eq(H->del(e, 0, KEY, all, 1, &d), AK_OK);
    cr_assert_eq(d, 1);
    cr_assert_eq(e->ops->del(e, 0, KEY), 1);
    cr_assert(ak_used_memory() <= before + 4096, "everything freed");
}

/* ---------------------------------------------------------------- random model */

typedef struct model {
    char f[400][8];
    char v[400][80];
    int n;
} model;

static int model_find(const model *m, const char *f)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->f[i], f) == 0)
            return i;
    return -1;
}

static void check_model(const model *m)
{
    cr_assert_eq(hlen(), (uint64_t)m->n);
    if (m->n == 0) {
        cr_assert_not(key_exists());
        return;
    }
    pairs p = {0};
    cr_assert_eq(H->getall(e, 0, KEY, AK_HASH_FIELDS | AK_HASH_VALUES, collect, &p), AK_OK);
    cr_assert_eq(p.n, (size_t)m->n);
    for (int i = 0; i < m->n; i++) {
        long j = find_pair(&p, m->f[i]);
        cr_assert(j >= 0, "field %s missing", m->f[i]);
        cr_assert_str_eq(p.v[j], m->v[i], "field %s", m->f[i]);
    }
    if (encoding() == AK_ENC_LISTPACK)
        for (int i = 0; i < m->n; i++)
            cr_assert_str_eq(p.f[i], m->f[i], "listpack order");
    pairs_free(&p);
}

static void random_ops(long long max_entries, long long max_value, int steps)
{
    cfg.hash_max_listpack_entries = max_entries;
    cfg.hash_max_listpack_value = max_value;
    static model m;
    memset(&m, 0, sizeof m);
    for (int step = 0; step < steps; step++) {
        char f[8], v[80];
        snprintf(f, sizeof f, "%d", (int)(xorshift() % 300));
        int vl = (int)(xorshift() % 4 == 0 ? xorshift() % 70 : xorshift() % 6);
        for (int i = 0; i < vl; i++)
            v[i] = (char)('a' + xorshift() % 26);
        v[vl] = 0;
        int i = model_find(&m, f);
        switch (xorshift() % 6) {
        case 0:
        case 1: { /* set */
            int nx = xorshift() % 4 == 0;
            ak_slice fv[2] = {S(f), S(v)};
            size_t added = 9;
            cr_assert_eq(H->set(e, 0, KEY, fv, 1, nx, &added), AK_OK);
            cr_assert_eq(added, i < 0 ? 1u : 0u);
            if (i < 0) {
                i = m.n++;
                strcpy(m.f[i], f);
                strcpy(m.v[i], v);
            } else if (!nx) {
                strcpy(m.v[i], v);
            }
            break;
        }
        case 2: { /* del */
            ak_slice s = S(f);
            size_t d = 9;
            int rc = H->del(e, 0, KEY, &s, 1, &d);
            cr_assert_eq(rc, m.n ? AK_OK : AK_NOTFOUND);
            if (rc == AK_OK)
                cr_assert_eq(d, i >= 0 ? 1u : 0u);
            if (i >= 0) {
                memmove(m.f[i], m.f[i + 1], sizeof m.f[0] * (size_t)(m.n - i - 1));
                memmove(m.v[i], m.v[i + 1], sizeof m.v[0] * (size_t)(m.n - i - 1));
                m.n--;
            }
            break;
        }
        case 3: { /* incrby */
            long long r, cur = 0;
            int numeric = i < 0 || ak_str2ll(m.v[i], strlen(m.v[i]), &cur);
            int rc = H->incrby(e, 0, KEY, S(f), 3, &r);
            cr_assert_eq(rc, numeric ? AK_OK : AIKV_NOTNUM);
            if (numeric) {
                cr_assert_eq(r, cur + 3);
                if (i < 0) {
                    i = m.n++;
                    strcpy(m.f[i], f);
                }
                snprintf(m.v[i], sizeof m.v[i], "%lld", r);
            }
            break;
        }
        case 4: /* get */
            if (m.n)
                expect_value(f, i >= 0 ? m.v[i] : NULL);
            break;
        default:
            if (step % 50 == 0)
                check_model(&m);
        }
    }
    check_model(&m);
}

Test(hash, random_operations_match_model_with_default_thresholds)
{
    random_ops(128, 64, 20000);
}

Test(hash, random_operations_match_model_with_small_thresholds)
{
    random_ops(16, 8, 20000);
}

Test(hash, random_operations_match_model_on_hashtable_only)
{
    random_ops(0, 64, 20000);
}

/* ---------------------------------------------------------------- typed API */

static aikv_db_t *adb;

static void api_setup(void)
{
    cr_assert_eq(aikv_open(NULL, NULL, &adb), AIKV_OK);
}

static void api_teardown(void)
{
    aikv_close(adb);
}

TestSuite(hash_api, .init = api_setup, .fini = api_teardown);

#define B(s) (s), strlen(s)

Test(hash_api, hset_hget_hlen_roundtrip_binary_safe)
{
    int added = -1;
    cr_assert_eq(aikv_hset(adb, B("h"), "f\0x", 3, "v\0y", 3, &added), AIKV_OK);
    cr_assert_eq(added, 1);
    cr_assert_eq(aikv_hset(adb, B("h"), "f\0x", 3, B("w"), &added), AIKV_OK);
    cr_assert_eq(added, 0);
    char *v = NULL;
    size_t vlen = 0;
    cr_assert_eq(aikv_hget(adb, B("h"), "f\0x", 3, &v, &vlen), AIKV_OK);
    cr_assert(v && vlen == 1 && v[0] == 'w' && v[1] == '\0', "a NUL-terminated copy");
    aikv_free(v);
    uint64_t n = 0;
    cr_assert_eq(aikv_hlen(adb, B("h"), &n), AIKV_OK);
    cr_assert_eq(n, 1);
}

Test(hash_api, missing_key_or_field_is_ok_with_null)
{
    char *v = (char *)1;
    size_t vlen = 9;
    cr_assert_eq(aikv_hget(adb, B("nosuch"), B("f"), &v, &vlen), AIKV_OK);
    cr_assert_null(v);
    cr_assert_eq(vlen, 0);
    aikv_hset(adb, B("h"), B("f"), B("v"), NULL);
    cr_assert_eq(aikv_hget(adb, B("h"), B("g"), &v, NULL), AIKV_OK);
    cr_assert_null(v);
    uint64_t n = 5;
    cr_assert_eq(aikv_hlen(adb, B("nosuch"), &n), AIKV_OK);
    cr_assert_eq(n, 0);
    aikv_reply_t *all = NULL;
    cr_assert_eq(aikv_hgetall(adb, B("nosuch"), &all), AIKV_OK);
    cr_assert_eq(all->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(all->elements, 0);
    aikv_reply_free(all);
    int deleted = 5;
    cr_assert_eq(aikv_hdel(adb, B("nosuch"), B("f"), &deleted), AIKV_OK);
    cr_assert_eq(deleted, 0);
}

Test(hash_api, hgetall_gives_pairs_in_insertion_order_while_small)
{
    aikv_hset(adb, B("h"), B("b"), B("2"), NULL);
    aikv_hset(adb, B("h"), B("a"), B("1"), NULL);
    aikv_reply_t *all = NULL;
    cr_assert_eq(aikv_hgetall(adb, B("h"), &all), AIKV_OK);
    cr_assert_eq(all->elements, 4);
    const char *want[] = {"b", "2", "a", "1"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(all->element[i]->type, AIKV_REPLY_STRING);
        cr_assert_str_eq(all->element[i]->str, want[i]);
    }
    aikv_reply_free(all);
}

Test(hash_api, hdel_of_last_field_deletes_the_key)
{
    aikv_hset(adb, B("h"), B("f"), B("v"), NULL);
    int deleted = 0, exists = 1;
    cr_assert_eq(aikv_hdel(adb, B("h"), B("f"), &deleted), AIKV_OK);
    cr_assert_eq(deleted, 1);
    cr_assert_eq(aikv_exists(adb, B("h"), &exists), AIKV_OK);
    cr_assert_eq(exists, 0);
}

Test(hash_api, hincrby_results_and_errors)
{
    int64_t r = 0;
    cr_assert_eq(aikv_hincrby(adb, B("h"), B("n"), 40, &r), AIKV_OK);
    cr_assert_eq(aikv_hincrby(adb, B("h"), B("n"), 2, &r), AIKV_OK);
    cr_assert_eq(r, 42);
    aikv_hset(adb, B("h"), B("s"), B("abc"), NULL);
    cr_assert_eq(aikv_hincrby(adb, B("h"), B("s"), 1, &r), AIKV_NOTNUM);
    cr_assert_str_eq(aikv_errmsg(adb), "hash value is not an integer");
    aikv_hset(adb, B("h"), B("m"), B("9223372036854775807"), NULL);
    cr_assert_eq(aikv_hincrby(adb, B("h"), B("m"), 1, &r), AIKV_OVERFLOW);
    cr_assert_eq(r, 42, "the result is untouched on failure");
}

Test(hash_api, wrongtype_and_misuse)
{
    aikv_set(adb, B("s"), B("x"), NULL);
    char *v = NULL;
    uint64_t n;
    aikv_reply_t *all = (aikv_reply_t *)1;
    int64_t r;
    cr_assert_eq(aikv_hset(adb, B("s"), B("f"), B("v"), NULL), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_hget(adb, B("s"), B("f"), &v, NULL), AIKV_WRONGTYPE);
    cr_assert_null(v);
    cr_assert_eq(aikv_hdel(adb, B("s"), B("f"), NULL), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_hgetall(adb, B("s"), &all), AIKV_WRONGTYPE);
    cr_assert_null(all);
    cr_assert_eq(aikv_hlen(adb, B("s"), &n), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_hincrby(adb, B("s"), B("f"), 1, &r), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_hset(NULL, B("h"), B("f"), B("v"), NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_hget(adb, B("h"), B("f"), NULL, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_hset(adb, B("h"), NULL, 3, B("v"), NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_hlen(adb, B("h"), NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_hgetall(adb, B("h"), NULL), AIKV_MISUSE);
}
