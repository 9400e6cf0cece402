/*
 * test_persist.c -- persistence of the memory engine (core/persist.c):
 * ak_engine_copy between the memory and SQLite engines with every type,
 * TTLs, binary data and 10k-element collections, compared key by key in
 * both directions (mem -> sqlite -> mem); snapshots through ak_store_save /
 * ak_store_load, the temp file, damaged files; the `save` setting; SAVE,
 * BGSAVE and LASTSAVE in an embedded store.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../aikv.h"
#include "core/config.h"
#include "core/core.h"
#include "core/persist.h"
#include "store/hash.h"
#include "store/list.h"
#include "store/set.h"
#include "store/zset.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "unit.h"

#define BIG 10000

static ak_config cfg;
static char dir[64];
static char path[128];

static void setup(void)
{
    ak_config_defaults(&cfg);
    snprintf(dir, sizeof dir, "/tmp/aikv-test-persist-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/dump.aikv", dir);
}

static void remove_all(void)
{
    static const char *const stores[] = {"dump.aikv", "other.aikv", "bad.aikv", NULL};
    ut_remove_dir(dir, stores);
}

static void teardown(void)
{
    remove_all();
    ak_config_free(&cfg);
}

TestSuite(copy, .init = setup, .fini = teardown);
TestSuite(snapshot, .init = setup, .fini = teardown);
TestSuite(saveconf);
TestSuite(embedded, .init = setup, .fini = teardown);

static ak_slice S(const char *s)
{
    return ak_slice_of(s, strlen(s));
}

/* ---------------------------------------------------------------- engines */

static ak_engine *mem_new(void)
{
    ak_engine *e = ak_mem_engine_new(16);
    e->cfg = &cfg;
    return e;
}

static ak_engine *sq_open(const char *p, int readonly)
{
    ak_engine *e = NULL;
    char err[256] = "";
    ak_sqlite_opts o = {AK_DURABILITY_OFF, 0, readonly};
    int rc = ak_sqlite_engine_open(p, 16, &o, &e, err, sizeof err);
    cr_assert_eq(rc, AK_OK, "open %s: %s", p, err);
    e->cfg = &cfg;
    return e;
}

/* ---------------------------------------------------------------- a dataset */

static void fill(ak_engine *e)
{
    char k[64], v[64];
    int64_t now = ak_mstime();
    /* strings: int, embstr, raw, binary, empty, with and without TTL */
    cr_assert_eq(e->ops->str_set(e, 0, S("int"), S("12345"), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(e->ops->str_set(e, 0, S("neg"), S("-7"), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(e->ops->str_set(e, 0, S("emb"), S("hello world"), AK_NO_EXPIRE, 0), AK_OK);
    char raw[300];
    memset(raw, 'r', sizeof raw);
    cr_assert_eq(e->ops->str_set(e, 0, S("raw"), ak_slice_of(raw, sizeof raw), AK_NO_EXPIRE, 0),
                 AK_OK);
    cr_assert_eq(e->ops->str_set(e, 0, ak_slice_of("bi\0n", 4), ak_slice_of("a\0b\r\n", 5),
                                 AK_NO_EXPIRE, 0),
                 AK_OK);
    cr_assert_eq(e->ops->str_set(e, 0, S("empty"), ak_slice_of("", 0), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(e->ops->str_set(e, 0, S("ttl"), S("v"), now + 100000, 0), AK_OK);
    cr_assert_eq(e->ops->str_set(e, 3, S("other-db"), S("x"), AK_NO_EXPIRE, 0), AK_OK);
    /* expired: stored, its TTL passed */
    cr_assert_eq(e->ops->str_set(e, 0, S("gone"), S("v"), now + 100000, 0), AK_OK);
    cr_assert_eq(e->ops->set_expire(e, 0, S("gone"), now - 1000), AK_OK);

    /* lists */
    ak_slice *vals = malloc(BIG * sizeof *vals);
    char (*bufs)[24] = malloc(BIG * sizeof *bufs);
    for (int i = 0; i < BIG; i++) {
        snprintf(bufs[i], sizeof bufs[i], "item-%d", i);
        vals[i] = S(bufs[i]);
    }
    cr_assert_eq(e->ops->list->push(e, 0, S("biglist"), AK_LIST_TAIL, vals, BIG, 0, NULL), AK_OK);
    ak_slice few[3] = {S("a"), ak_slice_of("", 0), ak_slice_of("\0\1", 2)};
    cr_assert_eq(e->ops->list->push(e, 0, S("list"), AK_LIST_TAIL, few, 3, 0, NULL), AK_OK);
    cr_assert_eq(e->ops->set_expire(e, 0, S("list"), now + 200000), AK_OK);
    cr_assert_eq(e->ops->list->push(e, 3, S("list"), AK_LIST_HEAD, few, 3, 0, NULL), AK_OK);

    /* hashes: listpack and hashtable */
    ak_slice fv[4] = {S("f1"), S("v1"), S("f2"), ak_slice_of("", 0)};
    cr_assert_eq(e->ops->hash->set(e, 0, S("hash"), fv, 2, 0, NULL), AK_OK);
    for (int i = 0; i < BIG; i++) {
        snprintf(k, sizeof k, "field-%d", i);
        snprintf(v, sizeof v, "value-%d", i * 7);
        ak_slice p[2] = {S(k), S(v)};
        cr_assert_eq(e->ops->hash->set(e, 0, S("bighash"), p, 1, 0, NULL), AK_OK);
    }
    cr_assert_eq(e->ops->set_expire(e, 0, S("bighash"), now + 300000), AK_OK);

    /* sets: intset and hashtable */
    ak_slice ints[4] = {S("1"), S("-5"), S("300000"), S("42")};
    cr_assert_eq(e->ops->set->add(e, 0, S("intset"), ints, 4, NULL), AK_OK);
    cr_assert_eq(e->ops->set->add(e, 0, S("bigset"), vals, BIG, NULL), AK_OK);
    ak_slice mixed[3] = {S("7"), S("x"), S("07")};
    cr_assert_eq(e->ops->set->add(e, 0, S("mixed"), mixed, 3, NULL), AK_OK);

    /* sorted sets: listpack and skiplist (-0, infinities, equal scores) */
    ak_zelem small[3] = {{S("a"), 1.5}, {S("b"), -2}, {S("c"), 1.5}};
    ak_zadd_result res;
    cr_assert_eq(e->ops->zset->add(e, 0, S("zset"), small, 3, 0, &res), AK_OK);
    ak_zelem *z = malloc(BIG * sizeof *z);
    for (int i = 0; i < BIG; i++) {
        z[i].member = vals[i];
        z[i].score = (double)(i % 97) / 3.0;
    }
    z[0].score = 1e-300;
    z[1].score = INFINITY;
    z[2].score = -INFINITY;
    cr_assert_eq(e->ops->zset->add(e, 0, S("bigzset"), z, BIG, AK_ZADD_BIG, &res), AK_OK);
    ak_zelem negzero = {S("nz"), 2.5};
    cr_assert_eq(e->ops->zset->add(e, 5, S("skip"), &negzero, 1, AK_ZADD_BIG, &res), AK_OK);
    free(z);
    free(vals);
    free(bufs);
}

/* Keys fill() makes live, and the expired one. */
#define LIVE_KEYS 19
#define EXPIRED_KEYS 1

/* ---------------------------------------------------------------- dumps */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void bput(buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void bprintf(buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    bput(b, tmp, (size_t)n);
}

static void bslice(buf *b, ak_slice s)
{
    bprintf(b, "%zu:", s.len);
    bput(b, s.p, s.len);
    bput(b, ",", 1);
}

/* Unordered elements (set members, hash pairs), each encoded, sorted at the end. */
typedef struct bag {
    char **items;
    size_t *lens;
    size_t n, cap;
} bag;

static void bag_add(bag *g, const buf *item)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->items = realloc(g->items, g->cap * sizeof *g->items);
        g->lens = realloc(g->lens, g->cap * sizeof *g->lens);
    }
    g->items[g->n] = malloc(item->n + 1);
    memcpy(g->items[g->n], item->p, item->n);
    g->lens[g->n] = item->n;
    g->n++;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bag_dump(bag *g, buf *out)
{
    for (size_t i = 0; i < g->n; i++)
        g->items[i][g->lens[i]] = '\0';
    qsort(g->items, g->n, sizeof *g->items, cmp_item);
    for (size_t i = 0; i < g->n; i++) {
        bput(out, g->items[i], strlen(g->items[i]));
        bput(out, ";", 1);
        free(g->items[i]);
    }
    free(g->items);
    free(g->lens);
    memset(g, 0, sizeof *g);
}

static void elem_to_buf(void *ctx, ak_slice e)
{
    bslice(ctx, e);
}

static void elem_to_bag(void *ctx, ak_slice e)
{
    buf item = {0};
    /* hex, so that the sort key has no NUL */
    for (size_t i = 0; i < e.len; i++)
        bprintf(&item, "%02x", (unsigned char)e.p[i]);
    bag_add(ctx, &item);
    free(item.p);
}

static void pair_to_bag(void *ctx, ak_slice f, ak_slice v)
{
    buf item = {0};
    for (size_t i = 0; i < f.len; i++)
        bprintf(&item, "%02x", (unsigned char)f.p[i]);
    bput(&item, "=", 1);
    for (size_t i = 0; i < v.len; i++)
        bprintf(&item, "%02x", (unsigned char)v.p[i]);
    bag_add(ctx, &item);
    free(item.p);
}

static void scored_to_buf(void *ctx, ak_slice m, double score)
{
    bslice(ctx, m);
    bprintf(ctx, "%.17g%s;", score, score == 0 && signbit(score) ? "(neg)" : "");
}

/* A key as text: type, encoding (when asked), TTL and contents. */
static void dump_key(ak_engine *e, int db, ak_slice key, int with_enc, buf *out)
{
    ak_keyinfo ki;
    e->ops->lookup(e, db, key, AK_LOOKUP_NOTOUCH, &ki);
    bprintf(out, "db%d ", db);
    bslice(out, key);
    bprintf(out, " type=%d expire=%lld", (int)ki.type, (long long)ki.expire);
    if (with_enc)
        bprintf(out, " enc=%s", ak_encoding_name(ki.encoding));
    bput(out, " ", 1);
    bag g = {0};
    ak_slice v;
    switch (ki.type) {
    case AIKV_TYPE_STRING:
        cr_assert_eq(e->ops->str_get(e, db, key, &v), AK_OK);
        bslice(out, v);
        break;
    case AIKV_TYPE_LIST:
        cr_assert_eq(e->ops->list->range(e, db, key, 0, -1, NULL, elem_to_buf, out), AK_OK);
        break;
    case AIKV_TYPE_HASH:
        cr_assert_eq(e->ops->hash->getall(e, db, key, AK_HASH_FIELDS | AK_HASH_VALUES,
                                          pair_to_bag, &g),
                     AK_OK);
        bag_dump(&g, out);
        break;
    case AIKV_TYPE_SET:
        cr_assert_eq(e->ops->set->members(e, db, key, elem_to_bag, &g), AK_OK);
        bag_dump(&g, out);
        break;
    case AIKV_TYPE_ZSET: {
        ak_zrange r;
        memset(&r, 0, sizeof r);
        r.by = AK_ZBY_RANK;
        r.stop = -1;
        cr_assert_eq(e->ops->zset->range(e, db, key, &r, scored_to_buf, out), AK_OK);
        break;
    }
    default:
        break;
    }
    bput(out, "\n", 1);
}

typedef struct keylist {
    buf names; /* each key as len:bytes */
    size_t n;
} keylist;

static void collect_key(void *ctx, ak_slice key, aikv_type_t type)
{
    (void)type;
    keylist *kl = ctx;
    bput(&kl->names, &key.len, sizeof key.len);
    bput(&kl->names, key.p, key.len);
    kl->n++;
}

/* Every live key of every database, sorted: one line per key. */
static char *dump_engine(ak_engine *e, int with_enc, size_t *nkeys)
{
    bag lines = {0};
    *nkeys = 0;
    for (int db = 0; db < e->ndb; db++) {
        keylist kl = {{0}, 0};
        uint64_t cur = 0;
        do
            cur = e->ops->scan(e, db, cur, collect_key, &kl);
        while (cur);
        const char *p = kl.names.p;
        for (size_t i = 0; i < kl.n; i++) {
            size_t len;
            memcpy(&len, p, sizeof len);
            p += sizeof len;
            buf line = {0};
            dump_key(e, db, ak_slice_of(p, len), with_enc, &line);
            /* lines may hold NULs: hex the whole line for sorting */
            buf hex = {0};
            for (size_t j = 0; j < line.n; j++)
                bprintf(&hex, "%02x", (unsigned char)line.p[j]);
            bag_add(&lines, &hex);
            free(hex.p);
            free(line.p);
            p += len;
        }
        *nkeys += kl.n;
        free(kl.names.p);
    }
    buf out = {0};
    bput(&out, "", 0);
    bag_dump(&lines, &out);
    return out.p;
}

/* The first line where two dumps differ, readable (for the failure message). */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    while (*a && *b) {
        const char *ea = strchr(a, ';'), *eb = strchr(b, ';');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la)) {
            size_t w = 0;
            for (int side = 0; side < 2; side++) {
                const char *p = side ? b : a;
                size_t n = side ? lb : la;
                w += (size_t)snprintf(out + w, len - w, side ? "\n  vs  " : "");
                for (size_t i = 0; i + 1 < n && w + 5 < len && i < 600; i += 2) {
                    unsigned c;
                    sscanf(p + i, "%2x", &c);
                    w += (size_t)snprintf(out + w, len - w, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
                }
            }
            return;
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    snprintf(out, len, "one dump is a prefix of the other");
}

static void assert_same(ak_engine *a, ak_engine *b, int with_enc, size_t want_keys)
{
    size_t na, nb;
    char *da = dump_engine(a, with_enc, &na);
    char *db = dump_engine(b, with_enc, &nb);
    cr_assert_eq(na, want_keys);
    cr_assert_eq(nb, want_keys);
    if (strcmp(da, db) != 0) {
        char diff[2048];
        first_difference(da, db, diff, sizeof diff);
        cr_assert_fail("the engines differ:\n%s", diff);
    }
    free(da);
    free(db);
}

static void enc_is(ak_engine *e, int db, const char *key, const char *enc)
{
    ak_keyinfo ki;
    e->ops->lookup(e, db, S(key), AK_LOOKUP_NOTOUCH, &ki);
    cr_assert_str_eq(ak_encoding_name(ki.encoding), enc, "%s", key);
}

/* ---------------------------------------------------------------- copy */

Test(copy, mem_to_sqlite_to_mem_keeps_every_type_ttl_and_encoding)
{
    ak_engine *mem = mem_new();
    fill(mem);
    ak_engine *sq = sq_open(path, 0);
    ak_copy_stats cs;
    char err[256] = "";
    cr_assert_eq(ak_engine_copy(mem, sq, &cs, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_eq(cs.keys, LIVE_KEYS);
    cr_assert_eq(cs.expired, EXPIRED_KEYS);
    assert_same(mem, sq, 0, LIVE_KEYS);
    enc_is(sq, 0, "bigzset", "skiplist");
    enc_is(sq, 5, "skip", "skiplist");
    sq->ops->close(sq);

    /* back, from the file opened read-only */
    sq = sq_open(path, 1);
    ak_engine *back = mem_new();
    cr_assert_eq(ak_engine_copy(sq, back, &cs, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_eq(cs.keys, LIVE_KEYS);
    assert_same(mem, back, 1, LIVE_KEYS);
    enc_is(back, 0, "int", "int");
    enc_is(back, 0, "emb", "embstr");
    enc_is(back, 0, "raw", "raw");
    enc_is(back, 0, "biglist", "quicklist");
    enc_is(back, 0, "hash", "listpack");
    enc_is(back, 0, "bighash", "hashtable");
    enc_is(back, 0, "intset", "intset");
    enc_is(back, 0, "bigset", "hashtable");
    enc_is(back, 0, "zset", "listpack");
    enc_is(back, 0, "bigzset", "skiplist");
    enc_is(back, 5, "skip", "skiplist");
    /* the source was not touched: the expired key is still stored there */
    cr_assert_eq(mem->ops->peek(mem, 0, S("gone")), AK_KEY_EXPIRED);
    sq->ops->close(sq);
    back->ops->close(back);
    mem->ops->close(mem);
}

/* A skiplist keeps a -0 score (Redis's listpack would store 0): the copy
 * asks for a skiplist (AK_ZADD_BIG), the SQLite engine must keep the sign. */
Test(copy, negative_zero_score_of_a_skiplist_survives_the_round_trip)
{
    ak_engine *mem = mem_new();
    ak_zelem el[2] = {{S("nz"), -0.0}, {S("pz"), 0.0}};
    ak_zadd_result res;
    cr_assert_eq(mem->ops->zset->add(mem, 0, S("z"), el, 2, AK_ZADD_BIG, &res), AK_OK);
    ak_engine *sq = sq_open(path, 0);
    char err[256] = "";
    cr_assert_eq(ak_engine_copy(mem, sq, NULL, err, sizeof err), AIKV_OK, "%s", err);
    sq->ops->close(sq);
    sq = sq_open(path, 1);
    ak_engine *back = mem_new();
    cr_assert_eq(ak_engine_copy(sq, back, NULL, err, sizeof err), AIKV_OK, "%s", err);
    enc_is(back, 0, "z", "skiplist");
    double score[2];
    unsigned char found[2];
    ak_slice m[2] = {S("nz"), S("pz")};
    cr_assert_eq(back->ops->zset->score(back, 0, S("z"), m, 2, score, found), AK_OK);
    cr_assert(found[0] && found[1]);
    cr_assert(score[0] == 0 && signbit(score[0]), "-0 became +0");
    cr_assert(score[1] == 0 && !signbit(score[1]));
    sq->ops->close(sq);
    back->ops->close(back);
    mem->ops->close(mem);
}

Test(copy, replaces_keys_the_destination_holds)
{
    ak_engine *src = mem_new(), *dst = mem_new();
    cr_assert_eq(src->ops->str_set(src, 0, S("k"), S("new"), AK_NO_EXPIRE, 0), AK_OK);
    ak_slice items[2] = {S("old1"), S("old2")};
    cr_assert_eq(dst->ops->list->push(dst, 0, S("k"), AK_LIST_TAIL, items, 2, 0, NULL), AK_OK);
    cr_assert_eq(dst->ops->str_set(dst, 0, S("mine"), S("kept"), AK_NO_EXPIRE, 0), AK_OK);
    ak_copy_stats cs;
    cr_assert_eq(ak_engine_copy(src, dst, &cs, NULL, 0), AIKV_OK);
    ak_slice v;
    cr_assert_eq(dst->ops->str_get(dst, 0, S("k"), &v), AK_OK);
    cr_assert(v.len == 3 && !memcmp(v.p, "new", 3));
    cr_assert_eq(dst->ops->str_get(dst, 0, S("mine"), &v), AK_OK);
    src->ops->close(src);
    dst->ops->close(dst);
}

Test(copy, refuses_a_destination_with_fewer_databases)
{
    ak_engine *src = mem_new();
    ak_engine *dst = ak_mem_engine_new(4);
    dst->cfg = &cfg;
    char err[128] = "";
    cr_assert_eq(ak_engine_copy(src, dst, NULL, err, sizeof err), AIKV_MISUSE);
    cr_assert(strstr(err, "databases") != NULL);
    src->ops->close(src);
    dst->ops->close(dst);
}

Test(copy, empty_source_copies_nothing)
{
    ak_engine *src = mem_new();
    ak_engine *sq = sq_open(path, 0);
    ak_copy_stats cs = {99, 99};
    cr_assert_eq(ak_engine_copy(src, sq, &cs, NULL, 0), AIKV_OK);
    cr_assert_eq(cs.keys, 0);
    cr_assert_eq(cs.expired, 0);
    sq->ops->close(sq);
    src->ops->close(src);
}

Test(copy, sqlite_to_sqlite_and_expired_rows_are_counted)
{
    /* A store file written by the SQLite engine itself, with an expired row. */
    ak_engine *a = sq_open(path, 0);
    int64_t now = ak_mstime();
    cr_assert_eq(a->ops->str_set(a, 0, S("k"), S("v"), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(a->ops->str_set(a, 1, S("soon"), S("v"), now + 150, 0), AK_OK);
    cr_assert_eq(a->ops->commit(a), AK_OK);
    a->ops->close(a);
    usleep(300 * 1000);
    a = sq_open(path, 1);
    char other[160];
    snprintf(other, sizeof other, "%s/other.aikv", dir);
    ak_engine *b = sq_open(other, 0);
    ak_copy_stats cs;
    char err[256] = "";
    cr_assert_eq(ak_engine_copy(a, b, &cs, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_eq(cs.keys, 1);
    cr_assert_eq(cs.expired, 1);
    cr_assert_eq(b->ops->dbsize(b, 1), 0);
    a->ops->close(a);
    b->ops->close(b);
}

/* ---------------------------------------------------------------- snapshots */

static ak_store *store_new(void)
{
    ak_store *st;
    cr_assert_eq(ak_store_open(NULL, &cfg, &st), AIKV_OK);
    return st;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int temp_files_left(void)
{
    char p[192];
    snprintf(p, sizeof p, "%s/temp-%d.aikv", dir, (int)getpid());
    return exists(p);
}

Test(snapshot, save_then_load_round_trips)
{
    ak_store *st = store_new();
    fill(st->engine);
    st->stats.dirty = 123;
    char err[512] = "";
    cr_assert_eq(ak_store_save(st, path, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert(exists(path));
    cr_assert_not(temp_files_left());
    char wal[192];
    snprintf(wal, sizeof wal, "%s-wal", path);
    cr_assert_not(exists(wal), "a snapshot is one file");
    cr_assert_eq(st->stats.dirty, 0);

    ak_store *st2 = store_new();
    ak_copy_stats cs;
    cr_assert_eq(ak_store_load(st2, path, &cs, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_eq(cs.keys, LIVE_KEYS);
    cr_assert_eq(st2->persist.load_keys, LIVE_KEYS);
    cr_assert_eq(st2->persist.load_expired, 0); /* the snapshot left it out */
    assert_same(st->engine, st2->engine, 1, LIVE_KEYS);
    /* loading created nothing beside the file */
    cr_assert_not(exists(wal));
    ak_store_close(st);
    ak_store_close(st2);
}

Test(snapshot, a_snapshot_opens_as_an_sqlite_store_and_back)
{
    ak_store *st = store_new();
    fill(st->engine);
    char err[512] = "";
    cr_assert_eq(ak_store_save(st, path, err, sizeof err), AIKV_OK, "%s", err);
    /* the SQLite engine opens it for writing, and changes it */
    ak_engine *sq = sq_open(path, 0);
    assert_same(st->engine, sq, 0, LIVE_KEYS);
    cr_assert_eq(sq->ops->str_set(sq, 0, S("added"), S("by sqlite"), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(sq->ops->commit(sq), AK_OK);
    sq->ops->close(sq);
    ak_store *st2 = store_new();
    ak_copy_stats cs;
    cr_assert_eq(ak_store_load(st2, path, &cs, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_eq(cs.keys, LIVE_KEYS + 1);
    ak_slice v;
    cr_assert_eq(st2->engine->ops->str_get(st2->engine, 0, S("added"), &v), AK_OK);
    ak_store_close(st);
    ak_store_close(st2);
}

Test(snapshot, missing_file_is_notfound)
{
    ak_store *st = store_new();
    cr_assert_eq(ak_store_load(st, path, NULL, NULL, 0), AK_NOTFOUND);
    ak_store_close(st);
}

static void write_file(const char *p, const void *data, size_t n)
{
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

Test(snapshot, garbage_and_truncated_files_are_refused_with_a_message)
{
    ak_store *st = store_new();
    char err[512] = "";
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.aikv", dir);
    write_file(bad, "this is not a snapshot at all, just some text\n", 46);
    int rc = ak_store_load(st, bad, NULL, err, sizeof err);
    cr_assert_neq(rc, AIKV_OK);
    cr_assert_neq(rc, AK_NOTFOUND);
    cr_assert(strstr(err, "bad.aikv") != NULL, "%s", err);
    cr_assert_eq(st->engine->ops->dbsize(st->engine, 0), 0);

    write_file(bad, "", 0);
    err[0] = '\0';
    cr_assert_neq(ak_store_load(st, bad, NULL, err, sizeof err), AIKV_OK);
    cr_assert(err[0]);

    /* a real snapshot cut in half */
    fill(st->engine);
    cr_assert_eq(ak_store_save(st, path, err, sizeof err), AIKV_OK, "%s", err);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char data[1 << 22];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    cr_assert(n > 8192);
    write_file(bad, data, n / 2);
    ak_store *st2 = store_new();
    err[0] = '\0';
    rc = ak_store_load(st2, bad, NULL, err, sizeof err);
    cr_assert_neq(rc, AIKV_OK, "a truncated file loaded");
    cr_assert(err[0]);
    ak_store_close(st);
    ak_store_close(st2);
}

Test(snapshot, failed_save_leaves_the_old_file_and_no_temp)
{
    ak_store *st = store_new();
    cr_assert_eq(st->engine->ops->str_set(st->engine, 0, S("k"), S("v1"), AK_NO_EXPIRE, 0), AK_OK);
    char err[512] = "";
    cr_assert_eq(ak_store_save(st, path, err, sizeof err), AIKV_OK, "%s", err);
    /* into a directory that does not exist: fails, nothing changes */
    char nowhere[192];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/dump.aikv", dir);
    st->stats.dirty = 5;
    cr_assert_neq(ak_store_save(st, nowhere, err, sizeof err), AIKV_OK);
    cr_assert(strstr(err, "temp-") != NULL, "%s", err);
    cr_assert_eq(st->stats.dirty, 5);
    cr_assert(exists(path));
    cr_assert_not(temp_files_left());
    ak_store_close(st);
}

/* ---------------------------------------------------------------- the save setting */

static int set_save(ak_config *c, const char *value, int startup, char *why)
{
    return ak_config_set(c, "save", value, startup, why, 256);
}

Test(saveconf, config_set_validates_and_normalises_like_redis)
{
    ak_config c;
    ak_config_defaults(&c);
    char why[256];
    cr_assert_str_eq(c.save, "");
    cr_assert_eq(set_save(&c, "3600 1 300 100", 0, why), 0);
    cr_assert_str_eq(c.save, "3600 1 300 100");
    cr_assert_eq(set_save(&c, "05 +1", 0, why), 0);
    cr_assert_str_eq(c.save, "5 1");
    static const char *const bad[] = {"3600", "0 1", "1 -1", "1 x", "x 1", " ", "1 1 ",
                                      "1  1", "3600 1 300"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(set_save(&c, bad[i], 0, why), -2, "'%s' accepted", bad[i]);
        cr_assert_str_eq(why, "Invalid save parameters");
        cr_assert_str_eq(c.save, "5 1", "a refused value changed the setting");
    }
    cr_assert_eq(set_save(&c, "", 0, why), 0);
    cr_assert_str_eq(c.save, "");
    /* changes are kept as an int, as Redis does */
    cr_assert_eq(set_save(&c, "5 99999999999", 0, why), 0);
    cr_assert_str_eq(c.save, "5 1215752191");
    ak_config_free(&c);
}

Test(saveconf, config_file_lines_add_up_and_empty_clears)
{
    ak_config c;
    ak_config_defaults(&c);
    char err[256];
    cr_assert_eq(ak_config_load_text(&c, "save 900 1\nsave 300 10\n", err, sizeof err), 0, "%s",
                 err);
    cr_assert_str_eq(c.save, "900 1 300 10");
    cr_assert_eq(ak_config_load_text(&c, "save \"\"\nsave 60 5\n", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.save, "60 5");
    cr_assert_eq(ak_config_load_text(&c, "save \"\"\n", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.save, "");
    cr_assert_neq(ak_config_load_text(&c, "save 10\n", err, sizeof err), 0);
    ak_config_free(&c);
}

Test(saveconf, rules_parse)
{
    ak_save_rule r[4];
    cr_assert_eq(ak_save_rules("", r, 4), 0);
    cr_assert_eq(ak_save_rules("3600 1 300 100 60 10000", r, 4), 3);
    cr_assert_eq(r[0].seconds, 3600);
    cr_assert_eq(r[0].changes, 1);
    cr_assert_eq(r[2].seconds, 60);
    cr_assert_eq(r[2].changes, 10000);
}

/* ---------------------------------------------------------------- embedded commands */

static aikv_reply_t *run(aikv_session_t *s, const char *cmd)
{
    aikv_reply_t *r = aikv_command(s, cmd);
    cr_assert_not_null(r);
    return r;
}

static void expect_status(aikv_session_t *s, const char *cmd, const char *want)
{
    aikv_reply_t *r = run(s, cmd);
    cr_assert(r->type == AIKV_REPLY_STATUS || r->type == AIKV_REPLY_ERROR, "%s", cmd);
    cr_assert_str_eq(r->str, want, "%s", cmd);
    aikv_reply_free(r);
}

Test(embedded, save_and_bgsave_write_dir_dbfilename_in_the_foreground)
{
    aikv_db_t *db;
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
    aikv_session_t *s = aikv_session_new(db);
    /* dir is relative to the process: point it at the test directory */
    ak_store *st = ((struct aikv_db *)db)->st;
    ak_free(st->cfg.dir);
    st->cfg.dir = ak_strdup(dir);
    expect_status(s, "SET k v", "OK");
    aikv_reply_t *r = run(s, "LASTSAVE");
    long long before = r->integer;
    aikv_reply_free(r);
    expect_status(s, "SAVE", "OK");
    cr_assert(exists(path));
    unlink(path);
    expect_status(s, "BGSAVE", "Background saving started");
    cr_assert(exists(path), "an embedded BGSAVE is done when it answers");
    expect_status(s, "BGSAVE SCHEDULE", "Background saving started");
    expect_status(s, "BGSAVE NOW", "ERR syntax error");
    r = run(s, "LASTSAVE");
    cr_assert_geq(r->integer, before);
    aikv_reply_free(r);
    r = run(s, "INFO persistence");
    cr_assert(strstr(r->str, "rdb_saves:3\r\n") != NULL, "%s", r->str);
    cr_assert(strstr(r->str, "rdb_changes_since_last_save:0\r\n") != NULL, "%s", r->str);
    cr_assert(strstr(r->str, "rdb_last_bgsave_status:ok\r\n") != NULL, "%s", r->str);
    cr_assert(strstr(r->str, "rdb_bgsave_in_progress:0\r\n") != NULL, "%s", r->str);
    aikv_reply_free(r);
    /* a save that fails answers with the reason */
    ak_free(st->cfg.dir);
    st->cfg.dir = ak_strdup("/nonexistent-aikv-dir");
    r = run(s, "SAVE");
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    cr_assert(strncmp(r->str, "ERR ", 4) == 0, "%s", r->str);
    aikv_reply_free(r);
    r = run(s, "BGSAVE");
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    aikv_reply_free(r);
    r = run(s, "INFO persistence");
    cr_assert(strstr(r->str, "rdb_last_bgsave_status:err\r\n") != NULL, "%s", r->str);
    aikv_reply_free(r);
    aikv_session_free(s);
    aikv_close(db);
}
