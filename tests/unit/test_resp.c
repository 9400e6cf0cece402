/*
 * test_resp.c -- the RESP request parser and reply reader (core/resp.c).
 *
 * Mostly data-driven: each table row is an input and what must come out of
 * it. Every valid input is parsed whole, split in two at every byte offset,
 * and fed one byte at a time; every partial call gets its own exact-size
 * copy of the bytes so far (at a new address), so ASan catches a read past
 * the end and a parser that kept pointers instead of offsets. Replies are
 * compared through a one-line dump of the tree.
 *
 * Build on its own:
 *   gcc -std=gnu11 -D_GNU_SOURCE -I. -Ilibaikv tests/unit/test_resp.c \
 *       libaikv/core/resp.c libaikv/util/alloc.c -lcriterion
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/resp.h"
#include "util/alloc.h"

#define S(lit) lit, sizeof(lit) - 1

/* ================================================================ helpers */

/* A copy of buf[0..n) in a fresh allocation of exactly n bytes. */
static char *dup_exact(const char *buf, size_t n)
{
    char *p = malloc(n ? n : 1);
    memcpy(p, buf, n);
    return p;
}

/* Text form of a request's arguments: [a|b|c], bytes outside 0x20..0x7e as
 * \xHH. */
static void dump_args(const ak_req *r, char *out, size_t cap)
{
    size_t o = 0;
    o += snprintf(out + o, cap - o, "[");
    for (int i = 0; i < r->argc; i++) {
        if (i)
            o += snprintf(out + o, cap - o, "|");
        for (size_t j = 0; j < r->argvlen[i] && o < cap - 8; j++) {
            unsigned char c = (unsigned char)r->argv[i][j];
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '|')
                out[o++] = (char)c;
            else
                o += snprintf(out + o, cap - o, "\\x%02x", c);
        }
    }
    snprintf(out + o, cap - o, "]");
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_cat(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_cat(b, s, strlen(s));
}

static void sb_quoted(sbuf *b, const char *s, size_t n)
{
    sb_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            sb_cat(b, (char *)&c, 1);
        } else {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            sb_str(b, tmp);
        }
    }
    sb_str(b, "\"");
}

/* One-line dump of a reply tree (recursive: test trees are shallow, except
 * in the nesting tests, which walk the tree themselves). */
static void dump_reply(sbuf *b, const aikv_reply_t *r)
{
    char tmp[64];
    switch (r->type) {
    case AIKV_REPLY_STRING: sb_quoted(b, r->str, r->len); break;
    case AIKV_REPLY_STATUS: sb_str(b, "+"); sb_cat(b, r->str, r->len); break;
    case AIKV_REPLY_ERROR: sb_str(b, "-"); sb_cat(b, r->str, r->len); break;
    case AIKV_REPLY_INTEGER: snprintf(tmp, sizeof(tmp), ":%lld", r->integer); sb_str(b, tmp); break;
    case AIKV_REPLY_NIL: sb_str(b, "nil"); break;
    case AIKV_REPLY_DOUBLE:
        snprintf(tmp, sizeof(tmp), ",%s=%g", r->str, r->dval);
        sb_str(b, tmp);
        break;
    case AIKV_REPLY_BOOL: sb_str(b, r->integer ? "#t" : "#f"); break;
    case AIKV_REPLY_BIGNUM: sb_str(b, "("); sb_cat(b, r->str, r->len); break;
    case AIKV_REPLY_VERB:
        sb_str(b, "=");
        sb_str(b, r->vtype);
        sb_str(b, ":");
        sb_quoted(b, r->str, r->len);
        break;
    case AIKV_REPLY_ARRAY:
    case AIKV_REPLY_SET:
    case AIKV_REPLY_PUSH:
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_ATTR: {
        const char *open = r->type == AIKV_REPLY_ARRAY ? "*[" : r->type == AIKV_REPLY_SET ? "~["
                           : r->type == AIKV_REPLY_PUSH ? ">[" : r->type == AIKV_REPLY_MAP ? "%{" : "|{";
        int pairs = r->type == AIKV_REPLY_MAP || r->type == AIKV_REPLY_ATTR;
        sb_str(b, open);
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                sb_str(b, pairs && (i & 1) ? ":" : ",");
            dump_reply(b, r->element[i]);
        }
        sb_str(b, pairs ? "}" : "]");
        break;
    }
    default: sb_str(b, "?"); break;
    }
}

static char *dump(const aikv_reply_t *r)
{
    sbuf b = {0};
    sb_str(&b, "");
    dump_reply(&b, r);
    return b.p;
}

/* ================================================================ requests */

typedef struct req_case {
    const char *in;
    size_t len;
    const char *args; /* dump_args() of the parsed request */
    size_t consumed;  /* 0: the whole input */
} req_case;

static const req_case req_valid[] = {
    {S("*1\r\n$4\r\nPING\r\n"), "[PING]", 0},
    {S("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"), "[SET|k|hello]", 0},
    {S("*2\r\n$3\r\nGET\r\n$0\r\n\r\n"), "[GET|]", 0},
    {S("*2\r\n$3\r\nSET\r\n$5\r\na\r\n\0\xff\r\n"), "[SET|a\\x0d\\x0a\\x00\\xff]", 0},
    {S("*0\r\n"), "[]", 0},
    /* Like redis-server, the byte after a header's CR and the two after a
     * payload are skipped unchecked. */
    {S("*1\r\n$4\r\nPINGxx"), "[PING]", 0},
    {S("*1\r\0$4\rxPING\r\n"), "[PING]", 0},
    {S("*-1\r\n"), "[]", 0},
    {S("*-5\r\n"), "[]", 0},
    {S("PING\r\n"), "[PING]", 0},
    {S("PING\n"), "[PING]", 0},
    {S("\r\n"), "[]", 0},
    {S("\n"), "[]", 0},
    {S("   \r\n"), "[]", 0},
    {S("set k v\r\n"), "[set|k|v]", 0},
    {S("  set   k\t v  \r\n"), "[set|k|v]", 0},
    {S("set \"a b\" c\r\n"), "[set|a b|c]", 0},
    {S("set \"\\x41\\n\\t\\\"\\\\\" x\n"), "[set|A\\x0a\\x09\"\\x5c|x]", 0},
    {S("echo \"\\r\\b\\a\\q\"\n"), "[echo|\\x0d\\x08\\x07q]", 0},
    {S("echo \"\\x4\"\n"), "[echo|x4]", 0},
    {S("echo \"\\x4g\"\n"), "[echo|x4g]", 0},
    {S("echo \"\\xFf\"\n"), "[echo|\\xff]", 0},
    {S("echo 'it\\'s'\n"), "[echo|it's]", 0},
    {S("echo 'a\\nb'\n"), "[echo|a\\x5cnb]", 0},
    {S("echo 'a\"b'\n"), "[echo|a\"b]", 0},
    {S("echo \"a'b\"\n"), "[echo|a'b]", 0},
    {S("echo \"\" ''\n"), "[echo||]", 0},
    {S("echo foo\"bar baz\"\n"), "[echo|foobar baz]", 0},
    {S("echo a\\x41\n"), "[echo|a\\x5cx41]", 0},
    {S("echo a\vb\n"), "[echo|a\\x0bb]", 0},
    {S("echo \"a\"\tb\n"), "[echo|a|b]", 0},
    {S("echo a\0b c\n"), "[echo|a]", 0},
    /* Only the first request of a pipeline is consumed. */
    {S("PING\r\nPING\r\n"), "[PING]", 6},
    {S("*1\r\n$4\r\nPING\r\n*1\r\n"), "[PING]", 14},
};

/* Parses buf as one call on a fresh exact-size copy. */
static int parse_copy(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                      size_t *consumed, char **keep)
{
    char *copy = dup_exact(buf, len);
    int rc = ak_req_parse(r, copy, len, lim, consumed);
    if (keep)
        *keep = copy;
    else
        free(copy);
    return rc;
}

static void check_ok(ak_req *r, const req_case *c, size_t consumed, const char *how)
{
    char got[512];
    size_t want = c->consumed ? c->consumed : c->len;
    dump_args(r, got, sizeof(got));
    cr_assert_str_eq(got, c->args, "%s: %.*s", how, (int)c->len, c->in);
    cr_assert_eq(consumed, want, "%s: consumed %zu, want %zu", how, consumed, want);
}

Test(req, valid_whole)
{
    for (size_t i = 0; i < sizeof(req_valid) / sizeof(req_valid[0]); i++) {
        const req_case *c = &req_valid[i];
        if (!c->args)
            continue;
        ak_req r;
        ak_req_init(&r);
        size_t consumed;
        char *copy;
        int rc = parse_copy(&r, c->in, c->len, NULL, &consumed, &copy);
        cr_assert_eq(rc, AK_REQ_OK, "case %zu: rc %d (%s)", i, rc, r.err ? r.err : "");
        check_ok(&r, c, consumed, "whole");
        for (int j = 0; j < r.argc; j++)
            (void)*(volatile const char *)&r.argv[j][r.argvlen[j]]; /* readable (ASan) */
        free(copy);
        ak_req_free(&r);
    }
}

/* Feeds buf[0..k) then buf[0..len): the first call must say MORE with a
 * sensible need, the second must give the same request as a whole parse. */
Test(req, valid_split_in_two_at_every_offset)
{
    for (size_t i = 0; i < sizeof(req_valid) / sizeof(req_valid[0]); i++) {
        const req_case *c = &req_valid[i];
        if (!c->args)
            continue;
        size_t want = c->consumed ? c->consumed : c->len;
        for (size_t k = 0; k < want; k++) {
            ak_req r;
            ak_req_init(&r);
            size_t consumed = 99;
            int rc = parse_copy(&r, c->in, k, NULL, &consumed, NULL);
            cr_assert_eq(rc, AK_REQ_MORE, "case %zu split %zu: rc %d", i, k, rc);
            cr_assert_eq(consumed, 0);
            cr_assert(r.need > k && r.need <= want, "case %zu split %zu: need %zu", i, k, r.need);
            char *copy;
            rc = parse_copy(&r, c->in, c->len, NULL, &consumed, &copy);
            cr_assert_eq(rc, AK_REQ_OK, "case %zu split %zu: rc %d", i, k, rc);
            check_ok(&r, c, consumed, "split");
            free(copy);
            ak_req_free(&r);
        }
    }
}

Test(req, valid_byte_by_byte)
{
    for (size_t i = 0; i < sizeof(req_valid) / sizeof(req_valid[0]); i++) {
        const req_case *c = &req_valid[i];
        if (!c->args)
            continue;
        size_t want = c->consumed ? c->consumed : c->len;
        ak_req r;
        ak_req_init(&r);
        size_t consumed, calls = 0;
        int rc = AK_REQ_MORE;
        char *copy = NULL;
        for (size_t n = 0; n <= c->len && rc == AK_REQ_MORE; n++) {
            free(copy);
            rc = parse_copy(&r, c->in, n, NULL, &consumed, &copy);
            calls++;
            if (rc == AK_REQ_MORE)
                cr_assert(r.need > n && r.need <= want, "case %zu at %zu: need %zu", i, n, r.need);
        }
        cr_assert_eq(rc, AK_REQ_OK, "case %zu", i);
        cr_assert_eq(calls, want + 1, "case %zu: done after %zu calls", i, calls);
        check_ok(&r, c, consumed, "bytewise");
        free(copy);
        ak_req_free(&r);
    }
}

/* Like redis-server: a CR inside quotes ends nothing, the line ends at LF
 * and only a CR just before it is dropped. */
Test(req, inline_cr_inside_quotes)
{
    ak_req r;
    ak_req_init(&r);
    size_t consumed;
    cr_assert_eq(ak_req_parse(&r, S("echo \"a\rb\"\n"), NULL, &consumed), AK_REQ_OK);
    cr_assert_eq(r.argc, 2);
    cr_assert_eq(r.argvlen[1], 3);
    cr_assert_eq(memcmp(r.argv[1], "a\rb", 3), 0);
    /* Here the CR is the line's last byte: the quote is left open. */
    cr_assert_eq(ak_req_parse(&r, S("echo \"a\r\n"), NULL, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: unbalanced quotes in request");
    ak_req_free(&r);
}

Test(req, inline_arguments_are_nul_terminated)
{
    ak_req r;
    ak_req_init(&r);
    size_t consumed;
    cr_assert_eq(ak_req_parse(&r, S("a \"b c\" 'd'\n"), NULL, &consumed), AK_REQ_OK);
    cr_assert_eq(r.argc, 3);
    cr_assert_str_eq(r.argv[0], "a");
    cr_assert_str_eq(r.argv[1], "b c");
    cr_assert_str_eq(r.argv[2], "d");
    ak_req_free(&r);
}

typedef struct req_err_case {
    const char *in;
    size_t len;
    const char *err;
} req_err_case;

static const req_err_case req_errors[] = {
    {S("*abc\r\n"), "Protocol error: invalid multibulk length"},
    {S("*\r\n"), "Protocol error: invalid multibulk length"},
    {S("*01\r\n"), "Protocol error: invalid multibulk length"},
    {S("*+1\r\n"), "Protocol error: invalid multibulk length"},
    {S("* 1\r\n"), "Protocol error: invalid multibulk length"},
    {S("*-0\r\n"), "Protocol error: invalid multibulk length"},
    {S("*2147483648\r\n"), "Protocol error: invalid multibulk length"},
    {S("*99999999999999999999\r\n"), "Protocol error: invalid multibulk length"},
    {S("*1\r\n$-1\r\n"), "Protocol error: invalid bulk length"},
    {S("*1\r\n$\r\n"), "Protocol error: invalid bulk length"},
    {S("*1\r\n$x\r\n"), "Protocol error: invalid bulk length"},
    {S("*1\r\n$536870913\r\n"), "Protocol error: invalid bulk length"},
    {S("*1\r\n:1\r\n"), "Protocol error: expected '$', got ':'"},
    {S("*2\r\n$1\r\na\r\nfoo\r\n"), "Protocol error: expected '$', got 'f'"},
    {S("*1\r\n\r\n"), "Protocol error: expected '$', got ' '"},
    {S("*1\r\n\0\r\n"), "Protocol error: expected '$', got ' '"},
    {S("set \"a\n"), "Protocol error: unbalanced quotes in request"},
    {S("set 'a\n"), "Protocol error: unbalanced quotes in request"},
    {S("set \"a\"b\n"), "Protocol error: unbalanced quotes in request"},
    {S("set 'a'b\n"), "Protocol error: unbalanced quotes in request"},
    {S("set \"a\\\"\n"), "Protocol error: unbalanced quotes in request"},
    {S("set \"a\\\n"), "Protocol error: unbalanced quotes in request"},
    {S("set \"a\0\"\n"), "Protocol error: unbalanced quotes in request"},
};

Test(req, malformed_gives_redis_errors)
{
    for (size_t i = 0; i < sizeof(req_errors) / sizeof(req_errors[0]); i++) {
        const req_err_case *c = &req_errors[i];
        ak_req r;
        ak_req_init(&r);
        size_t consumed = 99;
        int rc = parse_copy(&r, c->in, c->len, NULL, &consumed, NULL);
        cr_assert_eq(rc, AK_REQ_ERR, "case %zu: rc %d", i, rc);
        cr_assert_str_eq(r.err, c->err, "case %zu", i);
        cr_assert_eq(consumed, 0);
        /* Fed byte by byte, the first answer that is not MORE is the same. */
        ak_req_reset(&r);
        rc = AK_REQ_MORE;
        for (size_t n = 0; n <= c->len && rc == AK_REQ_MORE; n++)
            rc = parse_copy(&r, c->in, n, NULL, &consumed, NULL);
        cr_assert_eq(rc, AK_REQ_ERR, "case %zu bytewise", i);
        cr_assert_str_eq(r.err, c->err, "case %zu bytewise", i);
        /* The parser is ready for the next request. */
        cr_assert_eq(ak_req_parse(&r, S("PING\r\n"), NULL, &consumed), AK_REQ_OK);
        cr_assert_eq(r.argc, 1);
        ak_req_free(&r);
    }
}

Test(req, limits_on_counts_and_lengths)
{
    ak_req_limits lim = {.max_bulk = 100, .max_multibulk = 10, .max_inline = 16};
    ak_req r;
    ak_req_init(&r);
    size_t consumed;

    cr_assert_eq(ak_req_parse(&r, S("*10\r\n"), &lim, &consumed), AK_REQ_MORE);
    ak_req_reset(&r);
    cr_assert_eq(ak_req_parse(&r, S("*11\r\n"), &lim, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: invalid multibulk length");

    cr_assert_eq(ak_req_parse(&r, S("*1\r\n$100\r\n"), &lim, &consumed), AK_REQ_MORE);
    cr_assert_eq(r.need, 10 + 102);
    ak_req_reset(&r);
    cr_assert_eq(ak_req_parse(&r, S("*1\r\n$101\r\n"), &lim, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: invalid bulk length");

    /* Inline: an error only while no LF was seen within max_inline bytes. */
    cr_assert_eq(ak_req_parse(&r, S("0123456789abcdef"), &lim, &consumed), AK_REQ_MORE);
    cr_assert_eq(ak_req_parse(&r, S("0123456789abcdefg"), &lim, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: too big inline request");
    cr_assert_eq(ak_req_parse(&r, S("0123456789abcdefgh\n"), &lim, &consumed), AK_REQ_OK);
    cr_assert_eq(consumed, 19);
    ak_req_free(&r);
}

Test(req, count_strings_without_crlf_are_too_big_past_64k)
{
    size_t n = 64 * 1024 + 1;
    char *buf = malloc(n + 8);
    ak_req r;
    ak_req_init(&r);
    size_t consumed;

    buf[0] = '*';
    memset(buf + 1, '1', n - 1);
    cr_assert_eq(ak_req_parse(&r, buf, n - 1, NULL, &consumed), AK_REQ_MORE);
    cr_assert_eq(ak_req_parse(&r, buf, n, NULL, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: too big mbulk count string");

    memcpy(buf, "*1\r\n$", 5);
    memset(buf + 5, '1', n - 1);
    cr_assert_eq(ak_req_parse(&r, buf, 4 + n - 1, NULL, &consumed), AK_REQ_MORE);
    cr_assert_eq(ak_req_parse(&r, buf, 4 + n, NULL, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: too big bulk count string");

    /* The default inline limit is 64 KiB too. */
    memset(buf, 'a', n);
    cr_assert_eq(ak_req_parse(&r, buf, n, NULL, &consumed), AK_REQ_ERR);
    cr_assert_str_eq(r.err, "Protocol error: too big inline request");
    free(buf);
    ak_req_free(&r);
}

Test(req, pipelined_requests_in_one_buffer)
{
    static const char in[] = "PING\r\n"
                             "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                             "\r\n"
                             "*0\r\n"
                             "set a 'b c'\n"
                             "*1\r\n$4\r\nQUIT\r\n";
    static const char *want[] = {"[PING]", "[GET|k]", "[]", "[]", "[set|a|b c]", "[QUIT]"};
    ak_req r;
    ak_req_init(&r);
    size_t off = 0, len = sizeof(in) - 1, consumed;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char got[128];
        cr_assert_eq(ak_req_parse(&r, in + off, len - off, NULL, &consumed), AK_REQ_OK, "req %zu", i);
        dump_args(&r, got, sizeof(got));
        cr_assert_str_eq(got, want[i]);
        off += consumed;
    }
    cr_assert_eq(off, len);
    cr_assert_eq(ak_req_parse(&r, in + off, 0, NULL, &consumed), AK_REQ_MORE);
    cr_assert_eq(r.need, 1);
    ak_req_free(&r);
}

Test(req, reset_forgets_a_partial_request)
{
    ak_req r;
    ak_req_init(&r);
    size_t consumed;
    cr_assert_eq(ak_req_parse(&r, S("*2\r\n$3\r\nGET\r\n"), NULL, &consumed), AK_REQ_MORE);
    ak_req_reset(&r);
    cr_assert_eq(ak_req_parse(&r, S("PING\n"), NULL, &consumed), AK_REQ_OK);
    cr_assert_eq(r.argc, 1);
    cr_assert_eq(consumed, 5);
    ak_req_free(&r);
}

/* 200k arguments fed 7 bytes at a time: a parser that rescanned what it had
 * already parsed would do ~10^11 steps and time out. */
Test(req, many_arguments_in_small_chunks_parse_in_linear_time, .timeout = 20)
{
    const size_t nargs = 200000;
    size_t len = 0, cap = nargs * 7 + 32;
    char *buf = malloc(cap);
    len += snprintf(buf, cap, "*%zu\r\n", nargs);
    for (size_t i = 0; i < nargs; i++) {
        memcpy(buf + len, "$1\r\nx\r\n", 7);
        buf[len + 4] = (char)('a' + i % 26);
        len += 7;
    }
    ak_req r;
    ak_req_init(&r);
    size_t consumed;
    int rc = AK_REQ_MORE;
    for (size_t n = 7; rc == AK_REQ_MORE; n = n + 7 > len ? len : n + 7)
        rc = ak_req_parse(&r, buf, n, NULL, &consumed);
    cr_assert_eq(rc, AK_REQ_OK);
    cr_assert_eq(consumed, len);
    cr_assert_eq(r.argc, (int)nargs);
    cr_assert_eq(r.argv[nargs - 1][0], 'a' + (nargs - 1) % 26);
    cr_assert_eq(r.argv[0], buf + len - nargs * 7 + 4);
    free(buf);
    ak_req_free(&r);
}

/* A 64 MiB bulk arriving in 4 KiB reads: O(1) per call, and `need` tells
 * the whole size as soon as the header is in. */
Test(req, large_bulk_in_chunks_parses_in_linear_time, .timeout = 20)
{
    const size_t blen = 64u << 20;
    char hdr[64];
    size_t hlen = (size_t)snprintf(hdr, sizeof(hdr), "*2\r\n$3\r\nSET\r\n$%zu\r\n", blen);
    size_t len = hlen + blen + 2;
    char *buf = malloc(len);
    memcpy(buf, hdr, hlen);
    memset(buf + hlen, 'v', blen);
    memcpy(buf + hlen + blen, "\r\n", 2);

    ak_req r;
    ak_req_init(&r);
    size_t consumed, calls = 0;
    int rc = AK_REQ_MORE;
    for (size_t n = 4096; rc == AK_REQ_MORE; n = n + 4096 > len ? len : n + 4096) {
        rc = ak_req_parse(&r, buf, n, NULL, &consumed);
        if (rc == AK_REQ_MORE && n >= hlen)
            cr_assert_eq(r.need, len);
        calls++;
    }
    cr_assert_eq(rc, AK_REQ_OK);
    cr_assert_eq(consumed, len);
    cr_assert_eq(r.argc, 2);
    cr_assert_eq(r.argvlen[1], blen);
    cr_assert_eq(r.argv[1], buf + hlen);
    cr_assert_gt(calls, 16000);
    free(buf);
    ak_req_free(&r);
}

Test(req, buffer_may_move_between_calls)
{
    static const char in[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    ak_req r;
    ak_req_init(&r);
    size_t consumed;
    char *a = strdup(in);
    cr_assert_eq(ak_req_parse(&r, a, 20, NULL, &consumed), AK_REQ_MORE);
    char *b = strdup(in);
    memset(a, 'X', sizeof(in) - 1);
    free(a);
    cr_assert_eq(ak_req_parse(&r, b, sizeof(in) - 1, NULL, &consumed), AK_REQ_OK);
    char got[64];
    dump_args(&r, got, sizeof(got));
    cr_assert_str_eq(got, "[SET|key|value]");
    free(b);
    ak_req_free(&r);
}

/* ================================================================ replies */

typedef struct rep_case {
    const char *in;
    size_t len;
    const char *want; /* dump() of the reply */
} rep_case;

static const rep_case rep_valid[] = {
    {S("+OK\r\n"), "+OK"},
    {S("+\r\n"), "+"},
    {S("+a\rb\r\n"), "+a\rb"},
    {S("-ERR unknown command\r\n"), "-ERR unknown command"},
    {S(":0\r\n"), ":0"},
    {S(":-42\r\n"), ":-42"},
    {S(":9223372036854775807\r\n"), ":9223372036854775807"},
    {S(":-9223372036854775808\r\n"), ":-9223372036854775808"},
    {S("$5\r\nhello\r\n"), "\"hello\""},
    {S("$0\r\n\r\n"), "\"\""},
    {S("$4\r\na\r\n\0\r\n"), "\"a\\x0d\\x0a\\x00\""},
    {S("$-1\r\n"), "nil"},
    {S("*-1\r\n"), "nil"},
    {S("*0\r\n"), "*[]"},
    {S("*3\r\n:1\r\n$1\r\na\r\n$-1\r\n"), "*[:1,\"a\",nil]"},
    {S("*2\r\n*2\r\n:1\r\n:2\r\n*0\r\n"), "*[*[:1,:2],*[]]"},
    {S("*2\r\n-ERR x\r\n+OK\r\n"), "*[-ERR x,+OK]"},
    {S("_\r\n"), "nil"},
    {S(",1.5\r\n"), ",1.5=1.5"},
    {S(",-0.25\r\n"), ",-0.25=-0.25"},
    {S(",10\r\n"), ",10=10"},
    {S(",1e300\r\n"), ",1e300=1e+300"},
    {S(",inf\r\n"), ",inf=inf"},
    {S(",-inf\r\n"), ",-inf=-inf"},
    {S(",nan\r\n"), ",nan=nan"},
    {S("#t\r\n"), "#t"},
    {S("#f\r\n"), "#f"},
    {S("!21\r\nSYNTAX invalid syntax\r\n"), "-SYNTAX invalid syntax"},
    {S("=15\r\ntxt:Some string\r\n"), "=txt:\"Some string\""},
    {S("=4\r\nmkd:\r\n"), "=mkd:\"\""},
    {S("(3492890328409238509324850943850943825024385\r\n"),
     "(3492890328409238509324850943850943825024385"},
    {S("(-12\r\n"), "(-12"},
    {S("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"), "%{+first::1,+second::2}"},
    {S("%0\r\n"), "%{}"},
    {S("~3\r\n+a\r\n+b\r\n:1\r\n"), "~[+a,+b,:1]"},
    {S(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"), ">[\"message\",\"ch\",\"hi\"]"},
    {S("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n"),
     "|{+key-popularity:*[\"a\",,0.1923=0.1923]}"},
    {S("*2\r\n%1\r\n$1\r\nk\r\n~1\r\n#t\r\n_\r\n"), "*[%{\"k\":~[#t]},nil]"},
    /* An attribute inside an aggregate annotates the next element and is
     * not one of the elements. */
    {S("*2\r\n|1\r\n+a\r\n:1\r\n:5\r\n:6\r\n"), "*[:5,:6]"},
    {S("%1\r\n|1\r\n+a\r\n:1\r\n+k\r\n:6\r\n"), "%{+k::6}"},
};

static void check_reply(aikv_reply_t *r, const rep_case *c, size_t i, const char *how)
{
    cr_assert_not_null(r, "case %zu %s: no reply", i, how);
    char *got = dump(r);
    cr_assert_str_eq(got, c->want, "case %zu %s", i, how);
    free(got);
    aikv_reply_free(r);
}

Test(reply, valid_whole)
{
    for (size_t i = 0; i < sizeof(rep_valid) / sizeof(rep_valid[0]); i++) {
        const rep_case *c = &rep_valid[i];
        ak_reader *rd = ak_reader_new();
        aikv_reply_t *r;
        ak_reader_feed(rd, c->in, c->len);
        cr_assert_eq(ak_reader_get(rd, &r), 0, "case %zu: %s", i, ak_reader_error(rd));
        check_reply(r, c, i, "whole");
        cr_assert_eq(ak_reader_get(rd, &r), 0);
        cr_assert_null(r);
        ak_reader_free(rd);

        char *copy = dup_exact(c->in, c->len);
        check_reply(ak_reply_parse(copy, c->len), c, i, "ak_reply_parse");
        free(copy);
    }
}

Test(reply, valid_split_in_two_at_every_offset)
{
    for (size_t i = 0; i < sizeof(rep_valid) / sizeof(rep_valid[0]); i++) {
        const rep_case *c = &rep_valid[i];
        for (size_t k = 0; k < c->len; k++) {
            ak_reader *rd = ak_reader_new();
            aikv_reply_t *r;
            char *a = dup_exact(c->in, k), *b = dup_exact(c->in + k, c->len - k);
            ak_reader_feed(rd, a, k);
            cr_assert_eq(ak_reader_get(rd, &r), 0, "case %zu split %zu: %s", i, k, ak_reader_error(rd));
            cr_assert_null(r, "case %zu split %zu: early reply", i, k);
            ak_reader_feed(rd, b, c->len - k);
            cr_assert_eq(ak_reader_get(rd, &r), 0, "case %zu split %zu: %s", i, k, ak_reader_error(rd));
            check_reply(r, c, i, "split");
            free(a);
            free(b);
            ak_reader_free(rd);
        }
    }
}

Test(reply, valid_byte_by_byte)
{
    for (size_t i = 0; i < sizeof(rep_valid) / sizeof(rep_valid[0]); i++) {
        const rep_case *c = &rep_valid[i];
        ak_reader *rd = ak_reader_new();
        aikv_reply_t *r = NULL;
        for (size_t k = 0; k < c->len; k++) {
            cr_assert_null(r, "case %zu: reply before byte %zu", i, k);
            char *one = dup_exact(c->in + k, 1);
            ak_reader_feed(rd, one, 1);
            free(one);
            cr_assert_eq(ak_reader_get(rd, &r), 0, "case %zu at %zu: %s", i, k, ak_reader_error(rd));
        }
        check_reply(r, c, i, "bytewise");
        ak_reader_free(rd);
    }
}

Test(reply, pipelined_replies_in_one_feed)
{
    static const char in[] = "+OK\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n-ERR e\r\n>1\r\n+p\r\n$2\r\nhi\r\n";
    static const char *want[] = {"+OK", ":1", "*[\"a\",nil]", "-ERR e", ">[+p]", "\"hi\""};
    ak_reader *rd = ak_reader_new();
    ak_reader_feed(rd, S(in));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        aikv_reply_t *r;
        cr_assert_eq(ak_reader_get(rd, &r), 0);
        cr_assert_not_null(r);
        char *got = dump(r);
        cr_assert_str_eq(got, want[i]);
        free(got);
        aikv_reply_free(r);
    }
    aikv_reply_t *r;
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_null(r);
    /* A top-level attribute comes out on its own, then what it annotates. */
    ak_reader_feed(rd, S("|1\r\n+a\r\n:1\r\n:5\r\n"));
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_eq(r->type, AIKV_REPLY_ATTR);
    aikv_reply_free(r);
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_eq(r->type, AIKV_REPLY_INTEGER);
    cr_assert_eq(r->integer, 5);
    aikv_reply_free(r);
    ak_reader_free(rd);
}

static const rep_case rep_errors[] = {
    {S("?\r\n"), "Protocol error, got \"?\" as reply type byte"},
    {S("\r\n"), "Protocol error, got \"\\r\" as reply type byte"},
    {S("\x01"), "Protocol error, got \"\\x01\" as reply type byte"},
    {S(":abc\r\n"), "Protocol error: bad integer value"},
    {S(":\r\n"), "Protocol error: bad integer value"},
    {S(":99999999999999999999\r\n"), "Protocol error: bad integer value"},
    {S("$-2\r\n"), "Protocol error: bad bulk string length"},
    {S("$x\r\n"), "Protocol error: bad bulk string length"},
    {S("$3\r\nabcXY"), "Protocol error: bulk string not terminated by CRLF"},
    {S("*-2\r\n"), "Protocol error: bad aggregate length"},
    {S("%x\r\n"), "Protocol error: bad aggregate length"},
    {S("*1\r\n*1\r\n?\r\n"), "Protocol error, got \"?\" as reply type byte"},
    {S("_x\r\n"), "Protocol error: bad null value"},
    {S("#x\r\n"), "Protocol error: bad bool value"},
    {S("#\r\n"), "Protocol error: bad bool value"},
    {S(",abc\r\n"), "Protocol error: bad double value"},
    {S(",\r\n"), "Protocol error: bad double value"},
    {S(", 1\r\n"), "Protocol error: bad double value"},
    {S(",1.5x\r\n"), "Protocol error: bad double value"},
    {S("(12a\r\n"), "Protocol error: bad big number value"},
    {S("(\r\n"), "Protocol error: bad big number value"},
    {S("=3\r\ntxt\r\n"), "Protocol error: verbatim string without a type prefix"},
    {S("=5\r\ntxt_x\r\n"), "Protocol error: verbatim string without a type prefix"},
};

Test(reply, malformed_gives_protocol_errors)
{
    for (size_t i = 0; i < sizeof(rep_errors) / sizeof(rep_errors[0]); i++) {
        const rep_case *c = &rep_errors[i];
        ak_reader *rd = ak_reader_new();
        aikv_reply_t *r = (aikv_reply_t *)1;
        ak_reader_feed(rd, c->in, c->len);
        cr_assert_eq(ak_reader_get(rd, &r), -1, "case %zu", i);
        cr_assert_null(r);
        cr_assert_str_eq(ak_reader_error(rd), c->want, "case %zu", i);
        /* Unusable afterwards. */
        ak_reader_feed(rd, S("+OK\r\n"));
        cr_assert_eq(ak_reader_get(rd, &r), -1);
        ak_reader_free(rd);
        cr_assert_null(ak_reply_parse(c->in, c->len), "case %zu", i);

        /* Byte by byte, the same error. */
        rd = ak_reader_new();
        int rc = 0;
        for (size_t k = 0; k < c->len && rc == 0; k++) {
            ak_reader_feed(rd, c->in + k, 1);
            rc = ak_reader_get(rd, &r);
            cr_assert(rc == -1 || r == NULL);
        }
        cr_assert_eq(rc, -1, "case %zu bytewise", i);
        cr_assert_str_eq(ak_reader_error(rd), c->want, "case %zu bytewise", i);
        ak_reader_free(rd);
    }
}

Test(reply, error_is_null_until_something_fails)
{
    ak_reader *rd = ak_reader_new();
    cr_assert_null(ak_reader_error(rd));
    ak_reader_free(rd);
}

Test(reply, parse_wants_exactly_one_reply)
{
    cr_assert_null(ak_reply_parse(S(":1\r\n:2\r\n")));
    cr_assert_null(ak_reply_parse(S(":1\r")));
    cr_assert_null(ak_reply_parse(S("*2\r\n:1\r\n")));
    cr_assert_null(ak_reply_parse("", 0));
    aikv_reply_t *r = ak_reply_parse(S(":1\r\n"));
    cr_assert_not_null(r);
    aikv_reply_free(r);
}

static char *nested(size_t depth, const char *leaf, size_t *len)
{
    size_t ll = strlen(leaf);
    char *buf = malloc(depth * 4 + ll);
    for (size_t i = 0; i < depth; i++)
        memcpy(buf + i * 4, "*1\r\n", 4);
    memcpy(buf + depth * 4, leaf, ll);
    *len = depth * 4 + ll;
    return buf;
}

Test(reply, nesting_up_to_the_depth_limit)
{
    size_t len;
    char *buf = nested(AK_READER_MAX_DEPTH, ":7\r\n", &len);
    aikv_reply_t *r = ak_reply_parse(buf, len);
    cr_assert_not_null(r);
    aikv_reply_t *x = r;
    for (int i = 0; i < AK_READER_MAX_DEPTH; i++) {
        cr_assert_eq(x->type, AIKV_REPLY_ARRAY);
        cr_assert_eq(x->elements, 1);
        x = x->element[0];
    }
    cr_assert_eq(x->type, AIKV_REPLY_INTEGER);
    cr_assert_eq(x->integer, 7);
    aikv_reply_free(r);

    /* Byte by byte too: the partial tree lives on the reader's stack. */
    ak_reader *rd = ak_reader_new();
    r = NULL;
    for (size_t k = 0; k < len; k++) {
        cr_assert_null(r);
        ak_reader_feed(rd, buf + k, 1);
        cr_assert_eq(ak_reader_get(rd, &r), 0);
    }
    cr_assert_not_null(r);
    aikv_reply_free(r);
    ak_reader_free(rd);
    free(buf);

    /* An empty aggregate at the last level is still within the limit. */
    buf = nested(AK_READER_MAX_DEPTH - 1, "*0\r\n", &len);
    r = ak_reply_parse(buf, len);
    cr_assert_not_null(r);
    aikv_reply_free(r);
    free(buf);
}

Test(reply, nesting_over_the_depth_limit_is_an_error)
{
    size_t len;
    char *buf = nested(AK_READER_MAX_DEPTH + 1, ":7\r\n", &len);
    ak_reader *rd = ak_reader_new();
    aikv_reply_t *r;
    ak_reader_feed(rd, buf, len);
    cr_assert_eq(ak_reader_get(rd, &r), -1);
    cr_assert_str_eq(ak_reader_error(rd), "Protocol error: nesting deeper than 1024");
    ak_reader_free(rd); /* frees the partial tree */
    cr_assert_null(ak_reply_parse(buf, len));
    free(buf);

    buf = nested(AK_READER_MAX_DEPTH, "%0\r\n", &len);
    cr_assert_null(ak_reply_parse(buf, len));
    free(buf);
}

Test(reply, huge_counts_cost_nothing_up_front)
{
    ak_reader *rd = ak_reader_new();
    aikv_reply_t *r;
    size_t before = ak_used_memory();
    ak_reader_feed(rd, S("*2000000000\r\n:1\r\n%1000000000000\r\n"));
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_null(r);
    cr_assert_lt(ak_used_memory() - before, 64 * 1024);
    ak_reader_free(rd);

    rd = ak_reader_new();
    ak_reader_feed(rd, S("$9223372036854775807\r\nabc"));
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_null(r);
    ak_reader_free(rd);
}

/* 32 MiB bulk in 64-byte feeds (half a million calls). */
Test(reply, large_bulk_in_chunks_reads_in_linear_time, .timeout = 20)
{
    const size_t blen = 32u << 20;
    char hdr[32];
    size_t hlen = (size_t)snprintf(hdr, sizeof(hdr), "$%zu\r\n", blen);
    size_t len = hlen + blen + 2;
    char *buf = malloc(len);
    memcpy(buf, hdr, hlen);
    for (size_t i = 0; i < blen; i++)
        buf[hlen + i] = (char)('a' + i % 26);
    memcpy(buf + hlen + blen, "\r\n", 2);

    ak_reader *rd = ak_reader_new();
    aikv_reply_t *r = NULL;
    for (size_t off = 0; off < len; off += 64) {
        cr_assert_null(r);
        ak_reader_feed(rd, buf + off, len - off < 64 ? len - off : 64);
        cr_assert_eq(ak_reader_get(rd, &r), 0);
    }
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_STRING);
    cr_assert_eq(r->len, blen);
    cr_assert_eq(memcmp(r->str, buf + hlen, blen), 0);
    cr_assert_eq(r->str[blen], '\0');
    aikv_reply_free(r);
    ak_reader_free(rd);
    free(buf);
}

/* A 300k-element array and a 4 MiB status line, each fed in tiny pieces:
 * neither finished elements nor the searched part of a line are rescanned
 * (rescanning the line with memchr() would take minutes). */
Test(reply, many_elements_and_long_lines_read_in_linear_time, .timeout = 20)
{
    const size_t n = 300000;
    size_t cap = n * 8 + 32, len = 0;
    char *buf = malloc(cap);
    len += snprintf(buf, cap, "*%zu\r\n", n);
    for (size_t i = 0; i < n; i++)
        len += snprintf(buf + len, cap - len, ":%zu\r\n", i % 100);
    ak_reader *rd = ak_reader_new();
    aikv_reply_t *r = NULL;
    for (size_t off = 0; off < len; off += 3) {
        cr_assert_null(r);
        ak_reader_feed(rd, buf + off, len - off < 3 ? len - off : 3);
        cr_assert_eq(ak_reader_get(rd, &r), 0);
    }
    cr_assert_not_null(r);
    cr_assert_eq(r->elements, n);
    cr_assert_eq(r->element[n - 1]->integer, (long long)((n - 1) % 100));
    aikv_reply_free(r);
    free(buf);

    const size_t slen = 4u << 20;
    buf = malloc(slen + 3);
    buf[0] = '+';
    memset(buf + 1, 's', slen);
    memcpy(buf + 1 + slen, "\r\n", 2);
    r = NULL;
    for (size_t off = 0; off < slen + 3; off += 2) {
        cr_assert_null(r);
        ak_reader_feed(rd, buf + off, slen + 3 - off < 2 ? slen + 3 - off : 2);
        cr_assert_eq(ak_reader_get(rd, &r), 0);
    }
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS);
    cr_assert_eq(r->len, slen);
    aikv_reply_free(r);
    ak_reader_free(rd);
    free(buf);
}

Test(reply, constructors_and_free)
{
    size_t before = ak_used_memory();
    aikv_reply_t *a = ak_reply_new(AIKV_REPLY_ARRAY);
    a->elements = 2;
    a->element = ak_calloc(2, sizeof(*a->element));
    a->element[0] = ak_reply_new_str(AIKV_REPLY_STRING, "a\0b", 3);
    a->element[1] = ak_reply_new(AIKV_REPLY_NIL);
    cr_assert_eq(a->element[0]->len, 3);
    cr_assert_eq(memcmp(a->element[0]->str, "a\0b", 4), 0);
    aikv_reply_free(a);
    aikv_reply_free(NULL);
    cr_assert_eq(ak_used_memory(), before);

    /* A deep tree built by hand is freed without recursion. */
    aikv_reply_t *root = ak_reply_new(AIKV_REPLY_ARRAY), *x = root;
    for (int i = 0; i < 100000; i++) {
        x->elements = 1;
        x->element = ak_calloc(1, sizeof(*x->element));
        x->element[0] = ak_reply_new(AIKV_REPLY_ARRAY);
        x = x->element[0];
    }
    aikv_reply_free(root);
    cr_assert_eq(ak_used_memory(), before);
}

Test(reply, reader_frees_everything)
{
    size_t before = ak_used_memory();
    ak_reader *rd = ak_reader_new();
    aikv_reply_t *r;
    /* Leave a partial tree and a partial bulk behind. */
    ak_reader_feed(rd, S("*3\r\n%1\r\n+k\r\n*2\r\n:1\r\n$10\r\nabc"));
    cr_assert_eq(ak_reader_get(rd, &r), 0);
    cr_assert_null(r);
    ak_reader_free(rd);
    cr_assert_eq(ak_used_memory(), before);
}

/* ================================================================ fuzz */

/* Small random inputs built from protocol-ish pieces: fed whole and byte by
 * byte they must give the same answers (and never crash, under ASan). */
static const char *const pieces[] = {"*", "$", ":", "+", "-", "%", "~", ">", "|", "_", ",", "#",
                                     "!", "=", "(", "1", "2", "0", "-1", "3", "\r\n", "\r",
                                     "\n", "a", " ", "\"", "'", "\\", "x", "t", "txt:", "\0"};

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static size_t random_input(uint32_t *seed, char *buf, size_t cap)
{
    size_t len = 0, n = 1 + rnd(seed) % 24;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rnd(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t pl = p[0] ? strlen(p) : 1;
        if (len + pl > cap)
            break;
        memcpy(buf + len, p, pl);
        len += pl;
    }
    return len;
}

/* Every request in buf, as text: args, "ERR:msg" or "MORE". */
static void req_run(const char *buf, size_t len, int bytewise, sbuf *out)
{
    ak_req r;
    ak_req_init(&r);
    size_t off = 0;
    for (;;) {
        size_t consumed = 0;
        int rc = AK_REQ_MORE;
        size_t n = bytewise ? 0 : len - off;
        for (;;) {
            char *copy = dup_exact(buf + off, n);
            rc = ak_req_parse(&r, copy, n, NULL, &consumed);
            if (rc == AK_REQ_OK) {
                char args[512];
                dump_args(&r, args, sizeof(args));
                sb_str(out, args);
            }
            free(copy);
            if (rc != AK_REQ_MORE || n == len - off)
                break;
            n++;
        }
        if (rc == AK_REQ_ERR) {
            sb_str(out, "ERR:");
            sb_str(out, r.err);
            break;
        }
        if (rc == AK_REQ_MORE) {
            sb_str(out, "MORE");
            break;
        }
        cr_assert_gt(consumed, 0);
        off += consumed;
    }
    ak_req_free(&r);
}

Test(fuzz, requests_whole_and_bytewise_agree)
{
    uint32_t seed = 0x9e3779b9;
    char buf[256];
    for (int i = 0; i < 20000; i++) {
        size_t len = random_input(&seed, buf, sizeof(buf));
        sbuf a = {0}, b = {0};
        sb_str(&a, "");
        sb_str(&b, "");
        req_run(buf, len, 0, &a);
        req_run(buf, len, 1, &b);
        cr_assert_str_eq(a.p, b.p, "input %d: %.*s", i, (int)len, buf);
        free(a.p);
        free(b.p);
    }
}

static void reader_run(const char *buf, size_t len, int bytewise, sbuf *out)
{
    ak_reader *rd = ak_reader_new();
    size_t step = bytewise ? 1 : len;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        char *copy = dup_exact(buf + off, n);
        ak_reader_feed(rd, copy, n);
        free(copy);
        aikv_reply_t *r;
        int rc;
        while ((rc = ak_reader_get(rd, &r)) == 0 && r) {
            dump_reply(out, r);
            sb_str(out, ";");
            aikv_reply_free(r);
        }
        if (rc < 0) {
            sb_str(out, "ERR:");
            sb_str(out, ak_reader_error(rd));
            break;
        }
    }
    ak_reader_free(rd);
}

Test(fuzz, replies_whole_and_bytewise_agree)
{
    uint32_t seed = 0x12345678;
    char buf[256];
    for (int i = 0; i < 20000; i++) {
        size_t len = random_input(&seed, buf, sizeof(buf));
        sbuf a = {0}, b = {0};
        sb_str(&a, "");
        sb_str(&b, "");
        reader_run(buf, len, 0, &a);
        reader_run(buf, len, 1, &b);
        cr_assert_str_eq(a.p, b.p, "input %d: %.*s", i, (int)len, buf);
        free(a.p);
        free(b.p);
    }
}
