/*
 * fuzz_reader.c -- libFuzzer target for the reply reader (ak_reader_*,
 * ak_reply_parse) and, through round trips, the reply writer (ak_out_reply).
 *
 * The input is a server's byte stream: any number of RESP2/RESP3 replies.
 *
 *   1. It is fed to a reader in one piece and to another in chunks whose
 *      sizes come from the first byte; after every feed the complete replies
 *      are taken out. Both must give the same replies (compared exactly) and
 *      the same error, if any. Every reply is freed (LeakSanitizer checks).
 *   2. ak_reply_parse() over the whole input: when it gives a reply, the
 *      stream held exactly that one reply.
 *   3. Every complete reply is written back with ak_out_reply() in RESP3
 *      and parsed again: the trees must be equal, except where the writer
 *      normalises by design:
 *        - a top-level attribute is written as a map;
 *        - CR and LF in an error become spaces ("!" blob errors may hold them);
 *        - a verbatim string is always written with type "txt";
 *        - a double is written from its value ("%.17g"), so only the values
 *          are compared (NaN equals NaN, whatever its sign or text);
 *      and in RESP2, where the tree must have RESP2's shapes of the same
 *      data: maps, sets and pushes become arrays (a map of n pairs, 2n
 *      elements), doubles, big numbers and verbatim strings bulk strings,
 *      booleans integers.
 * A violation traps.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "core/resp.h"

#define CHECK(x)                     \
    do {                             \
        if (!(x))                    \
            __builtin_trap();        \
    } while (0)

typedef struct replies {
    aikv_reply_t **v;
    size_t n, cap;
    int failed;
    char err[256];
} replies;

static void push(replies *rs, aikv_reply_t *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        CHECK(rs->v);
    }
    rs->v[rs->n++] = r;
}

static void replies_free(replies *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        aikv_reply_free(rs->v[i]);
    free(rs->v);
}

/* Takes every complete reply out of the reader. */
static void drain(ak_reader *rd, replies *rs)
{
    if (rs->failed)
        return;
    for (;;) {
        aikv_reply_t *r = (aikv_reply_t *)1;
        int rc = ak_reader_get(rd, &r);
        if (rc != 0) {
            CHECK(rc == -1 && r == NULL);
            const char *e = ak_reader_error(rd);
            CHECK(e && e[0]);
            strncpy(rs->err, e, sizeof rs->err - 1);
            rs->failed = 1;
            /* The reader stays failed. */
            aikv_reply_t *again = (aikv_reply_t *)1;
            CHECK(ak_reader_get(rd, &again) == -1 && again == NULL);
            return;
        }
        if (!r)
            return;
        push(rs, r);
    }
}

/* ---------------------------------------------------------------- comparisons */

static int has_str(int type)
{
    return type == AIKV_REPLY_STRING || type == AIKV_REPLY_STATUS || type == AIKV_REPLY_ERROR ||
           type == AIKV_REPLY_DOUBLE || type == AIKV_REPLY_BIGNUM || type == AIKV_REPLY_VERB;
}

static int is_aggregate(int type)
{
    return type == AIKV_REPLY_ARRAY || type == AIKV_REPLY_MAP || type == AIKV_REPLY_SET ||
           type == AIKV_REPLY_ATTR || type == AIKV_REPLY_PUSH;
}

/* The shape every tree must have. */
static void check_tree(const aikv_reply_t *r)
{
    CHECK(r);
    CHECK(r->type >= AIKV_REPLY_STRING && r->type <= AIKV_REPLY_VERB);
    if (has_str(r->type)) {
        CHECK(r->str && r->str[r->len] == '\0');
    } else {
        CHECK(r->str == NULL && r->len == 0);
    }
    if (r->type == AIKV_REPLY_BOOL)
        CHECK(r->integer == 0 || r->integer == 1);
    if (r->type == AIKV_REPLY_VERB)
        CHECK(r->vtype[3] == '\0');
    if (is_aggregate(r->type)) {
        CHECK(r->elements == 0 || r->element);
        if (r->type == AIKV_REPLY_MAP || r->type == AIKV_REPLY_ATTR)
            CHECK(r->elements % 2 == 0);
        for (size_t i = 0; i < r->elements; i++)
            check_tree(r->element[i]);
    } else {
        CHECK(r->elements == 0);
    }
}

static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* Same reader, same bytes: everything equal. */
static void cmp_exact(const aikv_reply_t *a, const aikv_reply_t *b)
{
    CHECK(a->type == b->type);
    CHECK(a->integer == b->integer);
    CHECK(memcmp(&a->dval, &b->dval, sizeof a->dval) == 0);
    CHECK(same_bytes(a->str, a->len, b->str, b->len));
    CHECK(memcmp(a->vtype, b->vtype, sizeof a->vtype) == 0);
    CHECK(a->elements == b->elements);
    for (size_t i = 0; i < a->elements; i++)
        cmp_exact(a->element[i], b->element[i]);
}

/* An error after the writer: CR and LF became spaces. */
static void cmp_error(const aikv_reply_t *orig, const aikv_reply_t *re)
{
    CHECK(re->type == AIKV_REPLY_ERROR && re->len == orig->len);
    for (size_t i = 0; i < orig->len; i++) {
        char c = orig->str[i] == '\r' || orig->str[i] == '\n' ? ' ' : orig->str[i];
        CHECK(re->str[i] == c);
    }
}

/* orig written in RESP3 and read back as re. */
static void cmp_resp3(const aikv_reply_t *orig, const aikv_reply_t *re)
{
    switch (orig->type) {
    case AIKV_REPLY_ERROR:
        cmp_error(orig, re);
        return;
    case AIKV_REPLY_DOUBLE:
        CHECK(re->type == AIKV_REPLY_DOUBLE && same_double(orig->dval, re->dval));
        return;
    case AIKV_REPLY_VERB:
        CHECK(re->type == AIKV_REPLY_VERB && memcmp(re->vtype, "txt", 4) == 0);
        CHECK(same_bytes(orig->str, orig->len, re->str, re->len));
        return;
    case AIKV_REPLY_ATTR:
        CHECK(re->type == AIKV_REPLY_MAP);
        break;
    default:
        CHECK(re->type == orig->type);
        break;
    }
    CHECK(re->integer == orig->integer);
    CHECK(same_bytes(orig->str, orig->len, re->str, re->len));
    CHECK(re->elements == orig->elements);
    for (size_t i = 0; i < orig->elements; i++)
        cmp_resp3(orig->element[i], re->element[i]);
}

/* orig written in RESP2 and read back as re. */
static void cmp_resp2(const aikv_reply_t *orig, const aikv_reply_t *re)
{
    switch (orig->type) {
    case AIKV_REPLY_ERROR:
        cmp_error(orig, re);
        return;
    case AIKV_REPLY_DOUBLE: {
        CHECK(re->type == AIKV_REPLY_STRING);
        char *end;
        double d = strtod(re->str, &end);
        CHECK(end == re->str + re->len && same_double(orig->dval, d));
        return;
    }
    case AIKV_REPLY_BIGNUM:
    case AIKV_REPLY_VERB:
        CHECK(re->type == AIKV_REPLY_STRING);
        CHECK(same_bytes(orig->str, orig->len, re->str, re->len));
        return;
    case AIKV_REPLY_BOOL:
        CHECK(re->type == AIKV_REPLY_INTEGER && re->integer == orig->integer);
        return;
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_ATTR:
    case AIKV_REPLY_SET:
    case AIKV_REPLY_PUSH:
        CHECK(re->type == AIKV_REPLY_ARRAY);
        break;
    default:
        CHECK(re->type == orig->type);
        break;
    }
    CHECK(re->integer == orig->integer);
    CHECK(same_bytes(orig->str, orig->len, re->str, re->len));
    CHECK(re->elements == orig->elements);
    for (size_t i = 0; i < orig->elements; i++)
        cmp_resp2(orig->element[i], re->element[i]);
}

static void round_trip(const aikv_reply_t *r, int resp)
{
    ak_out o;
    ak_out_init(&o, resp);
    ak_out_reply(&o, r);
    CHECK(o.len > 0);
    /* An exactly sized copy: a read past the reply is caught. */
    char *copy = malloc(o.len);
    CHECK(copy);
    memcpy(copy, o.buf, o.len);
    aikv_reply_t *re = ak_reply_parse(copy, o.len);
    CHECK(re != NULL);
    check_tree(re);
    if (resp == 3)
        cmp_resp3(r, re);
    else
        cmp_resp2(r, re);
    aikv_reply_free(re);
    free(copy);
    ak_out_free(&o);
}

/* ---------------------------------------------------------------- the target */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    replies whole = {0}, chunked = {0};

    ak_reader *rd = ak_reader_new();
    ak_reader_feed(rd, (const char *)data, size);
    drain(rd, &whole);
    ak_reader_free(rd);

    rd = ak_reader_new();
    size_t maxchunk = size ? 1 + data[0] % 32 : 1;
    uint32_t x = size > 1 ? data[1] : 1;
    for (size_t pos = 0; pos < size;) {
        x = x * 1103515245u + 12345u;
        size_t step = (x >> 16) % (maxchunk + 1); /* 0-byte feeds too */
        if (step > size - pos)
            step = size - pos;
        /* Each chunk from its own allocation: the reader must copy it. */
        char *chunk = malloc(step ? step : 1);
        CHECK(chunk);
        memcpy(chunk, data + pos, step);
        ak_reader_feed(rd, chunk, step);
        free(chunk);
        pos += step;
        drain(rd, &chunked);
    }
    drain(rd, &chunked);
    ak_reader_free(rd);

    CHECK(whole.n == chunked.n);
    CHECK(whole.failed == chunked.failed);
    if (whole.failed)
        CHECK(strcmp(whole.err, chunked.err) == 0);
    for (size_t i = 0; i < whole.n; i++) {
        check_tree(whole.v[i]);
        cmp_exact(whole.v[i], chunked.v[i]);
    }

    /* ak_reply_parse over an exactly sized copy. */
    char *copy = malloc(size ? size : 1);
    CHECK(copy);
    memcpy(copy, data, size);
    aikv_reply_t *one = ak_reply_parse(copy, size);
    free(copy);
    if (one) {
        CHECK(whole.n == 1 && !whole.failed);
        cmp_exact(one, whole.v[0]);
        aikv_reply_free(one);
    }

    for (size_t i = 0; i < whole.n; i++) {
        round_trip(whole.v[i], 3);
        round_trip(whole.v[i], 2);
    }

    replies_free(&whole);
    replies_free(&chunked);
    return 0;
}
