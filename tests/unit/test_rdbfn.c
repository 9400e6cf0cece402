/*
 * test_rdbfn.c -- FUNCTION DUMP / RESTORE payloads (util/rdbfn.h).
 *
 * The golden payloads were captured once from a real redis-server 7.0.15
 * (redis-server --save "" --appendonly no; FUNCTION LOAD of the libraries
 * below, then FUNCTION DUMP read with redis-py), so the decoder is checked
 * against what Redis writes, LZF included. Malformed inputs are built from
 * valid ones and must be rejected with Redis's error text, without a crash
 * (run this under SANITIZE=1 too).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/rdbfn.h"

/* ---------------------------------------------------------------- fixture */

/* FUNCTION LOAD "#!lua name=lib1\nredis.register_function('f1', function()
 * return 1 end)", then FUNCTION DUMP: 70 bytes that LZF does not shrink by
 * 4, so Redis stores them raw (14-bit length 0x40 0x46). */
static const unsigned char golden_short[] = {
    0xf5, 0x40, 0x46, 0x23, 0x21, 0x6c, 0x75, 0x61, 0x20, 0x6e, 0x61, 0x6d,
    0x65, 0x3d, 0x6c, 0x69, 0x62, 0x31, 0x0a, 0x72, 0x65, 0x64, 0x69, 0x73,
    0x2e, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72, 0x5f, 0x66, 0x75,
    0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28, 0x27, 0x66, 0x31, 0x27, 0x2c,
    0x20, 0x66, 0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28, 0x29, 0x20,
    0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20, 0x31, 0x20, 0x65, 0x6e, 0x64,
    0x29, 0x0a, 0x00, 0x98, 0xfa, 0x43, 0x9b, 0xf0, 0xa7, 0xa5, 0xa2,
};
#define LIB1 "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"

/* Then also FUNCTION LOAD of LIB2 below and FUNCTION DUMP: lib2 first, LZF
 * compressed (0xc3, clen 0x40 0x53, len 0x42 0x0d, a long back reference
 * 0xe0 0xff 0x02 among them), then lib1 raw. */
static const unsigned char golden_lzf[] = {
    0xf5, 0xc3, 0x40, 0x53, 0x42, 0x0d, 0x1f, 0x23, 0x21, 0x6c, 0x75, 0x61,
    0x20, 0x6e, 0x61, 0x6d, 0x65, 0x3d, 0x6c, 0x69, 0x62, 0x32, 0x0a, 0x72,
    0x65, 0x64, 0x69, 0x73, 0x2e, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65,
    0x72, 0x5f, 0x66, 0x0d, 0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28,
    0x27, 0x66, 0x32, 0x27, 0x2c, 0x20, 0xe0, 0x00, 0x0e, 0x15, 0x29, 0x20,
    0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20, 0x32, 0x20, 0x65, 0x6e, 0x64,
    0x29, 0x0a, 0x2d, 0x2d, 0x20, 0x61, 0x62, 0x63, 0xe0, 0xff, 0x02, 0xe1,
    0xad, 0x07, 0x01, 0x63, 0x0a, 0xf5, 0x40, 0x46, 0x23, 0x21, 0x6c, 0x75,
    0x61, 0x20, 0x6e, 0x61, 0x6d, 0x65, 0x3d, 0x6c, 0x69, 0x62, 0x31, 0x0a,
    0x72, 0x65, 0x64, 0x69, 0x73, 0x2e, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74,
    0x65, 0x72, 0x5f, 0x66, 0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28,
    0x27, 0x66, 0x31, 0x27, 0x2c, 0x20, 0x66, 0x75, 0x6e, 0x63, 0x74, 0x69,
    0x6f, 0x6e, 0x28, 0x29, 0x20, 0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20,
    0x31, 0x20, 0x65, 0x6e, 0x64, 0x29, 0x0a, 0x00, 0x2c, 0xbc, 0xab, 0x08,
    0x3c, 0x08, 0xd3, 0x03,
};

/* FUNCTION DUMP with no library: the footer alone. */
static const unsigned char golden_empty[] = {0x0a, 0x00, 0x5d, 0x9b, 0x5c, 0x40, 0x0f, 0x7f, 0xa2, 0xda};

static char *lib2_code(size_t *len)
{
    static const char head[] = "#!lua name=lib2\nredis.register_function('f2', function() return 2 end)\n-- ";
    size_t n = sizeof head - 1 + 9 * 50 + 1;
    char *s = malloc(n);
    cr_assert(s);
    memcpy(s, head, sizeof head - 1);
    for (int i = 0; i < 50; i++)
        memcpy(s + sizeof head - 1 + 9 * i, "abcabcabc", 9);
    s[n - 1] = '\n';
    *len = n;
    return s;
}

/* Collects the libraries a decode hands over. */
typedef struct got {
    int n;
    char *code[64];
    size_t len[64];
    int stop_at; /* return 7 at this call (1-based); 0 = never */
} got;

static int collect(void *ctx, const char *code, size_t len)
{
    got *g = ctx;
    cr_assert(g->n < 64);
    g->code[g->n] = malloc(len ? len : 1);
    cr_assert(g->code[g->n]);
    if (len)
        memcpy(g->code[g->n], code, len);
    g->len[g->n] = len;
    g->n++;
    return g->n == g->stop_at ? 7 : 0;
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->code[i]);
    g->n = 0;
}

static int decode(const void *p, size_t len, got *g, const char **err)
{
    got_free(g);
    return ak_rdbfn_decode(p, len, collect, g, err);
}

static void expect_code(const got *g, int i, const void *code, size_t len)
{
    cr_assert_gt(g->n, i);
    cr_assert_eq(g->len[i], len, "library %d: length %zu, expected %zu", i, g->len[i], len);
    cr_assert(len == 0 || memcmp(g->code[i], code, len) == 0, "library %d differs", i);
}

/* body + footer (version ver, correct CRC) into a fresh ak_rdbfn_out. */
static void with_footer(ak_rdbfn_out *o, const void *body, size_t n, unsigned ver)
{
    o->buf = ak_malloc(n + 10);
    o->cap = n + 10;
    memcpy(o->buf, body, n);
    o->buf[n] = (char)(ver & 0xff);
    o->buf[n + 1] = (char)(ver >> 8);
    uint64_t crc = ak_crc64(0, o->buf, n + 2);
    for (int i = 0; i < 8; i++)
        o->buf[n + 2 + i] = (char)(crc >> (8 * i));
    o->len = n + 10;
}

static void expect_error(const void *body, size_t n, const char *want)
{
    ak_rdbfn_out o = {0};
    got g = {0};
    const char *err = "unset";
    with_footer(&o, body, n, 10);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), -1);
    cr_assert_str_eq(err, want);
    got_free(&g);
    ak_rdbfn_out_free(&o);
}

static void expect_one_n(const void *body, size_t n, const void *want, size_t wlen)
{
    ak_rdbfn_out o = {0};
    got g = {0};
    const char *err = "unset";
    with_footer(&o, body, n, 10);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), 0, "rejected: %s", err ? err : "(fn)");
    cr_assert_eq(g.n, 1);
    expect_code(&g, 0, want, wlen);
    got_free(&g);
    ak_rdbfn_out_free(&o);
}

static void expect_one(const void *body, size_t n, const char *want)
{
    expect_one_n(body, n, want, strlen(want));
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---------------------------------------------------------------- CRC64 */

Test(rdbfn, crc64_of_check_string_is_redis_test_value)
{
    cr_assert_eq(ak_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    /* Continuing a sum is the same as one pass. */
    cr_assert_eq(ak_crc64(ak_crc64(0, "1234", 4), "56789", 5), 0xe9c6d914c4b8d9caULL);
    cr_assert_eq(ak_crc64(0, NULL, 0), 0);
}

/* ---------------------------------------------------------------- golden */

Test(rdbfn, empty_dump_matches_redis)
{
    ak_rdbfn_out o = {0};
    ak_rdbfn_finish(&o);
    cr_assert_eq(o.len, sizeof golden_empty);
    cr_assert(memcmp(o.buf, golden_empty, o.len) == 0);
    got g = {0};
    cr_assert_eq(decode(o.buf, o.len, &g, NULL), 0);
    cr_assert_eq(g.n, 0);
    ak_rdbfn_out_free(&o);
    ak_rdbfn_out_free(&o); /* harmless twice */
}

Test(rdbfn, short_library_encodes_as_redis_does)
{
    ak_rdbfn_out o = {0};
    ak_rdbfn_add(&o, LIB1, strlen(LIB1));
    ak_rdbfn_finish(&o);
    cr_assert_eq(o.len, sizeof golden_short);
    cr_assert(memcmp(o.buf, golden_short, o.len) == 0);
    ak_rdbfn_out_free(&o);
}

Test(rdbfn, golden_short_decodes)
{
    got g = {0};
    const char *err;
    cr_assert_eq(decode(golden_short, sizeof golden_short, &g, &err), 0);
    cr_assert_null(err);
    cr_assert_eq(g.n, 1);
    expect_code(&g, 0, LIB1, strlen(LIB1));
    got_free(&g);
}

Test(rdbfn, golden_lzf_decodes)
{
    got g = {0};
    size_t n;
    char *lib2 = lib2_code(&n);
    cr_assert_eq(decode(golden_lzf, sizeof golden_lzf, &g, NULL), 0);
    cr_assert_eq(g.n, 2);
    expect_code(&g, 0, lib2, n);
    expect_code(&g, 1, LIB1, strlen(LIB1));
    got_free(&g);
    free(lib2);
}

/* ---------------------------------------------------------------- round trips */

Test(rdbfn, round_trip_many_libraries)
{
    /* Lengths at each length-encoding boundary, integer-looking codes (the
     * integer encodings) and ones that only look like integers. */
    static const size_t lens[] = {0, 1, 20, 21, 63, 64, 16383, 16384, 70000, 65536 + 1};
    static const char *ints[] = {"0", "-1", "127", "-128", "128", "-32768", "32767", "40000",
                                 "2147483647", "-2147483648", "2147483648", "01", "-0", "+1",
                                 " 1", "12345678901"};
    ak_rdbfn_out o = {0};
    char *codes[64];
    size_t clen[64];
    int n = 0;
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++, n++) {
        clen[n] = lens[i];
        codes[n] = malloc(lens[i] + 1);
        for (size_t j = 0; j < lens[i]; j++)
            codes[n][j] = (char)(xorshift() & 0xff); /* all byte values, NULs */
    }
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++, n++) {
        clen[n] = strlen(ints[i]);
        codes[n] = strdup(ints[i]);
    }
    codes[n] = malloc(256);
    for (int j = 0; j < 256; j++)
        codes[n][j] = (char)j;
    clen[n++] = 256;
    for (int i = 0; i < n; i++)
        ak_rdbfn_add(&o, codes[i], clen[i]);
    ak_rdbfn_finish(&o);

    got g = {0};
    const char *err;
    cr_assert_eq(decode(o.buf, o.len, &g, &err), 0, "%s", err ? err : "");
    cr_assert_eq(g.n, n);
    for (int i = 0; i < n; i++)
        expect_code(&g, i, codes[i], clen[i]);
    got_free(&g);
    ak_rdbfn_out_free(&o);
    for (int i = 0; i < n; i++)
        free(codes[i]);
}

Test(rdbfn, encodings_are_redis_rdbSaveRawString)
{
    struct {
        const char *code;
        const char *bytes;
        size_t n;
    } cases[] = {
        {"123", "\xf5\xc0\x7b", 3},
        {"-2", "\xf5\xc0\xfe", 3},
        {"1000", "\xf5\xc1\xe8\x03", 4},
        {"-100000", "\xf5\xc2\x60\x79\xfe\xff", 6},
        {"01", "\xf5\x02" "01", 4},
        {"2147483648", "\xf5\x0a" "2147483648", 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ak_rdbfn_out o = {0};
        ak_rdbfn_add(&o, cases[i].code, strlen(cases[i].code));
        cr_assert_eq(o.len, cases[i].n, "%s", cases[i].code);
        cr_assert(memcmp(o.buf, cases[i].bytes, o.len) == 0, "%s", cases[i].code);
        ak_rdbfn_out_free(&o);
    }
    /* 32-bit length for > 16383 bytes. */
    ak_rdbfn_out o = {0};
    char *big = calloc(1, 70000);
    ak_rdbfn_add(&o, big, 70000);
    cr_assert(memcmp(o.buf, "\xf5\x80\x00\x01\x11\x70", 6) == 0);
    cr_assert_eq(o.len, 6 + 70000);
    free(big);
    ak_rdbfn_out_free(&o);
}

Test(rdbfn, fn_returning_nonzero_stops_the_walk)
{
    got g = {0};
    g.stop_at = 1;
    const char *err = "unset";
    cr_assert_eq(ak_rdbfn_decode(golden_lzf, sizeof golden_lzf, collect, &g, &err), 7);
    cr_assert_null(err);
    cr_assert_eq(g.n, 1);
    got_free(&g);
}

/* ---------------------------------------------------------------- footer */

Test(rdbfn, truncated_payloads_are_rejected)
{
    got g = {0};
    for (size_t n = 0; n < sizeof golden_lzf; n++) {
        /* A malloc'ed copy of exactly n bytes, so ASan sees any overread. */
        unsigned char *p = malloc(n ? n : 1);
        memcpy(p, golden_lzf, n);
        const char *err = NULL;
        cr_assert_eq(decode(p, n, &g, &err), -1, "length %zu", n);
        cr_assert_str_eq(err, AK_RDBFN_ERR_FOOTER);
        cr_assert_eq(ak_rdbfn_verify(p, n), -1);
        free(p);
    }
    got_free(&g);
}

Test(rdbfn, every_flipped_bit_is_rejected)
{
    unsigned char p[sizeof golden_lzf];
    got g = {0};
    for (size_t i = 0; i < sizeof p * 8; i++) {
        memcpy(p, golden_lzf, sizeof p);
        p[i / 8] ^= (unsigned char)(1u << (i % 8));
        const char *err = NULL;
        cr_assert_eq(decode(p, sizeof p, &g, &err), -1, "bit %zu", i);
        cr_assert_str_eq(err, AK_RDBFN_ERR_FOOTER);
    }
    got_free(&g);
}

Test(rdbfn, version_above_10_is_rejected_and_below_accepted)
{
    ak_rdbfn_out o = {0};
    got g = {0};
    const char *err;
    with_footer(&o, golden_short, sizeof golden_short - 10, 11);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), -1);
    cr_assert_str_eq(err, AK_RDBFN_ERR_FOOTER);
    ak_rdbfn_out_free(&o);
    with_footer(&o, golden_short, sizeof golden_short - 10, 256 + 10);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), -1);
    ak_rdbfn_out_free(&o);
    /* Redis 7.0.15 takes any version up to its own, 0 included. */
    with_footer(&o, golden_short, sizeof golden_short - 10, 0);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), 0);
    expect_code(&g, 0, LIB1, strlen(LIB1));
    ak_rdbfn_out_free(&o);
    got_free(&g);
}

Test(rdbfn, zero_crc_is_not_a_waiver)
{
    unsigned char p[sizeof golden_short];
    memcpy(p, golden_short, sizeof p);
    memset(p + sizeof p - 8, 0, 8);
    const char *err;
    got g = {0};
    cr_assert_eq(decode(p, sizeof p, &g, &err), -1);
    cr_assert_str_eq(err, AK_RDBFN_ERR_FOOTER);
}

/* ---------------------------------------------------------------- body */

Test(rdbfn, body_errors_have_redis_texts)
{
    expect_error("\x00garbage", 8, AK_RDBFN_ERR_TYPE);
    expect_error("\xf5", 1, AK_RDBFN_ERR_PAYLOAD);        /* no string */
    expect_error("\xf5\xc4" "abc", 5, AK_RDBFN_ERR_PAYLOAD); /* encoding 4 */
    expect_error("\xf5\x82" "abc", 5, AK_RDBFN_ERR_PAYLOAD); /* length type 0x82 */
    expect_error("\xf5\x81\x80\x00\x00\x00\x00\x00\x00\x00" "abc", 13, AK_RDBFN_ERR_PAYLOAD);
    /* A valid library, then garbage: the first one is handed over first. */
    ak_rdbfn_out o = {0};
    got g = {0};
    const char *err;
    unsigned char body[sizeof golden_short - 10 + 1];
    memcpy(body, golden_short, sizeof golden_short - 10);
    body[sizeof body - 1] = 0x07;
    with_footer(&o, body, sizeof body, 10);
    cr_assert_eq(decode(o.buf, o.len, &g, &err), -1);
    cr_assert_str_eq(err, AK_RDBFN_ERR_TYPE);
    cr_assert_eq(g.n, 1);
    got_free(&g);
    ak_rdbfn_out_free(&o);
}

Test(rdbfn, integer_encodings_decode_to_decimal)
{
    expect_one("\xf5\xc0\x80", 3, "-128");
    expect_one("\xf5\xc1\x05\x00", 4, "5");
    expect_one("\xf5\xc2\x00\x00\x00\x80", 6, "-2147483648");
    expect_one("\xf5\x81\x00\x00\x00\x00\x00\x00\x00\x03" "abc", 13, "abc");
    expect_one("\xf5\x80\x00\x00\x00\x03" "abc", 9, "abc");
}

Test(rdbfn, a_string_may_run_into_the_footer_as_in_redis)
{
    /* Redis reads from the whole buffer: length 11 with one byte of body
     * takes the 10 footer bytes too, and the walk ends there. */
    ak_rdbfn_out o = {0};
    got g = {0};
    with_footer(&o, "\xf5\x0bx", 3, 10);
    cr_assert_eq(decode(o.buf, o.len, &g, NULL), 0);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(g.len[0], 11);
    cr_assert(memcmp(g.code[0], o.buf + 2, 11) == 0);
    got_free(&g);
    ak_rdbfn_out_free(&o);
    expect_error("\xf5\x0cx", 3, AK_RDBFN_ERR_PAYLOAD); /* one byte too many */
}

Test(rdbfn, every_truncated_body_is_safe)
{
    /* Re-footered prefixes of a valid body: no crash; once more than the
     * footer's 10 bytes are missing from a string, an error. */
    got g = {0};
    const size_t body = sizeof golden_lzf - 10;
    for (size_t n = 0; n < body; n++) {
        ak_rdbfn_out o = {0};
        const char *err = NULL;
        with_footer(&o, golden_lzf, n, 10);
        int rc = decode(o.buf, o.len, &g, &err);
        if (n == 0 || n == 89)
            cr_assert_eq(rc, 0, "prefix %zu", n); /* 0 or 1 whole library */
        else if (n + 10 < 89 || (n > 89 && n + 10 < body))
            cr_assert_eq(rc, -1, "prefix %zu", n);
        ak_rdbfn_out_free(&o);
    }
    got_free(&g);
}

Test(rdbfn, lzf_strings_whose_lengths_lie_are_rejected)
{
    /* golden_lzf's first record, bytes 0..88: 0xf5, 0xc3, clen 83 (0x40
     * 0x53), original length 525 (0x42 0x0d), 83 bytes of LZF data. */
    unsigned char b[89];
    memcpy(b, golden_lzf, sizeof b);
    cr_assert_eq(golden_lzf[89], 0xf5); /* lib1 starts right after */
    size_t n;
    char *lib2 = lib2_code(&n);
    cr_assert_eq(n, 525);
    expect_one_n(b, sizeof b, lib2, n);
    free(lib2);

    b[5] = 0x0e; /* original length 526: the data yields one byte less */
    expect_error(b, sizeof b, AK_RDBFN_ERR_PAYLOAD);
    b[5] = 0x0c; /* 524: the data yields one byte more */
    expect_error(b, sizeof b, AK_RDBFN_ERR_PAYLOAD);
    b[5] = 0x0d;
    b[4] = 0x7f; /* 0x3f0d: more than 83 bytes can ever expand to */
    expect_error(b, sizeof b, AK_RDBFN_ERR_PAYLOAD);
    b[4] = 0x42;
    b[3] = 0x52; /* clen 82: the final literal run is cut short */
    expect_error(b, sizeof b, AK_RDBFN_ERR_PAYLOAD);
    b[3] = 0x54; /* clen 84: runs into the footer, whose byte is no valid tail */
    expect_error(b, sizeof b, AK_RDBFN_ERR_PAYLOAD);
    b[3] = 0x53;

    /* Huge original length: refused before any allocation. */
    expect_error("\xf5\xc3\x02\x81\x00\x00\x01\x00\x00\x00\x00\x00\x00" "a", 14, AK_RDBFN_ERR_PAYLOAD);
    expect_error("\xf5\xc3\x02\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00" "a", 14, AK_RDBFN_ERR_PAYLOAD);
    /* Compressed length beyond the payload. */
    expect_error("\xf5\xc3\x7f\xff\x05\x00" "a", 7, AK_RDBFN_ERR_PAYLOAD);
    /* Back reference before the start of the output. */
    expect_error("\xf5\xc3\x04\x04\x00" "a\x20\x01", 8, AK_RDBFN_ERR_PAYLOAD);
    /* Literal run longer than the input. */
    expect_error("\xf5\xc3\x02\x05\x04" "a", 6, AK_RDBFN_ERR_PAYLOAD);
    /* Back reference missing its offset byte, and its length byte. */
    expect_error("\xf5\xc3\x03\x05\x00" "a\x20", 7, AK_RDBFN_ERR_PAYLOAD);
    expect_error("\xf5\xc3\x03\x05\x00" "a\xe0", 7, AK_RDBFN_ERR_PAYLOAD);
    /* Valid: 'a' then a 3-byte copy at distance 1. */
    expect_one("\xf5\xc3\x04\x04\x00" "a\x20\x00", 8, "aaaa");
    /* Original length 0: Redis takes it as "" whatever follows. */
    expect_one("\xf5\xc3\x02\x00\xff\xff", 6, "");
    expect_one("\xf5\xc3\x00\x00", 4, "");
}

Test(rdbfn, lzf_decompress_bounds)
{
    unsigned char out[16];
    size_t n = 99;
    cr_assert_eq(ak_lzf_decompress("", 0, out, sizeof out, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(ak_lzf_decompress("\x02" "abc", 4, out, 3, &n), 0);
    cr_assert(n == 3 && memcmp(out, "abc", 3) == 0);
    cr_assert_eq(ak_lzf_decompress("\x02" "abc", 4, out, 2, &n), -1); /* no room */
    cr_assert_eq(ak_lzf_decompress("\x01" "ab\x40\x01", 5, out, 7, &n), 0);
    cr_assert(n == 6 && memcmp(out, "ababab", 6) == 0); /* overlapping copy */
    cr_assert_eq(ak_lzf_decompress("\x01" "ab\x40\x01", 5, out, 5, &n), -1);
    /* Long reference: 7 + 3 + 2 = 12 bytes at distance 1. */
    cr_assert_eq(ak_lzf_decompress("\x00" "z\xe0\x03\x00", 5, out, 16, &n), 0);
    cr_assert(n == 13 && memcmp(out, "zzzzzzzzzzzzz", 13) == 0);
    /* Reference 0x1f00 + 1 back, far past the output. */
    cr_assert_eq(ak_lzf_decompress("\x00" "z\x3f\x00", 4, out, 16, &n), -1);
}

/* ---------------------------------------------------------------- 7.0-rc */

Test(rdbfn, pre_ga_record_becomes_a_shebang_library)
{
/* Literal bodies: the length is the literal's, without its NUL. */
#define ONE(lit, want) expect_one(lit, sizeof lit - 1, want)
#define ERR(lit, want) expect_error(lit, sizeof lit - 1, want)
#define CODE "redis.register_function('f1', function() return 1 end)" /* 54 bytes */
    ONE("\xf6\x04lib1\x03LUA\x00\x36" CODE, "#!LUA name=lib1\n" CODE);
    ONE("\xf6\x04lib1\x03lua\x00\x36" CODE, "#!lua name=lib1\n" CODE);
    /* With a description (dropped), indicator in a 14-bit length. */
    ONE("\xf6\x04lib1\x03LUA\x40\x01\x04" "desc\x36" CODE, "#!LUA name=lib1\n" CODE);
    /* An encoding byte as the indicator is its 6-bit value: 0. */
    ONE("\xf6\x04lib1\x03LUA\xc0\x36" CODE, "#!LUA name=lib1\n" CODE);
    /* Each part stops at its first NUL, as sdscatfmt("%s") does. */
    ONE("\xf6\x07lib1\0zz\x03LUA\x00\x3a" CODE "\0 xx", "#!LUA name=lib1\n" CODE);
    /* A pre-GA record followed by a GA one. */
    ak_rdbfn_out o = {0};
    got g = {0};
    static const char two[] = "\xf6\x04lib1\x03LUA\x00\x36" CODE "\xf5\x03" "abc";
    with_footer(&o, two, sizeof two - 1, 10);
    cr_assert_eq(decode(o.buf, o.len, &g, NULL), 0);
    cr_assert_eq(g.n, 2);
    expect_code(&g, 1, "abc", 3);
    got_free(&g);
    ak_rdbfn_out_free(&o);
    ERR("\xf6", "Failed loading library name");
    ERR("\xf6\x04lib1", "Failed loading engine name");
    ERR("\xf6\x04lib1\x03LUA", "Failed loading library blob");
    ERR("\xf6\x04lib1\x03LUA\x01", "Failed loading library description");
    ERR("\xf6\x04lib1\x03LUA\xbf", "Failed loading library description indicator");
#undef CODE
#undef ONE
#undef ERR
}

/* ---------------------------------------------------------------- fuzz */

Test(rdbfn, random_bodies_with_valid_footers_never_crash)
{
    static const unsigned char seeds[] = {0xf5, 0xf6, 0xc0, 0xc1, 0xc2, 0xc3, 0x40, 0x80, 0x81, 0x00, 0x20, 0xe0, 0x1f, 0xff};
    got g = {0};
    for (int iter = 0; iter < 20000; iter++) {
        unsigned char body[48];
        size_t n = xorshift() % sizeof body;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = xorshift();
            body[i] = (r & 3) ? seeds[(r >> 8) % sizeof seeds] : (unsigned char)(r >> 16);
        }
        ak_rdbfn_out o = {0};
        const char *err = NULL;
        with_footer(&o, body, n, 10);
        int rc = decode(o.buf, o.len, &g, &err);
        cr_assert(rc == 0 || (rc == -1 && err));
        ak_rdbfn_out_free(&o);
    }
    got_free(&g);
}
