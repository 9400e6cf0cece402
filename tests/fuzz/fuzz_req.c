/*
 * fuzz_req.c -- libFuzzer target for the request parser (ak_req_parse).
 *
 * The input is a client's byte stream. It is parsed the way aikv-server
 * parses its query buffer: every complete request from the start of the
 * buffer, until the parser asks for more bytes or reports a protocol error
 * (after which the server closes the connection). Each input is parsed with
 * three sets of limits (the defaults, tiny ones so that every limit error is
 * reachable with short inputs, and the unauthenticated ones), each of them
 * three ways:
 *
 *   whole    the whole input in one buffer.
 *   split    the bytes arrive in two reads, split at a position derived from
 *            the first byte: the first call sees a prefix (typically MORE),
 *            the next calls the whole buffer. Every other input forgets the
 *            partial request (ak_req_reset) instead of resuming it.
 *   chunks   the bytes arrive in many small reads whose sizes come from the
 *            second byte; for each call the buffer is a fresh copy of
 *            exactly the bytes received so far, so a read past them or a
 *            pointer kept from an earlier call is caught by ASan.
 *
 * Invariants (a violation traps):
 *   - OK: 0 < consumed <= len, argc >= 0, each argument inside the request
 *     (multibulk) or inside the parser's inline storage, argv[i][argvlen[i]]
 *     readable, the limits respected.
 *   - MORE: consumed == 0 and need > len.  ERR: consumed == 0, err is a
 *     "Protocol error..." text.
 *   - After an error the parser is ready for a new request.
 *   - The three ways give the same requests and the same outcome. The one
 *     allowed difference is a "too big" error: whether a line is too long
 *     depends on how much of it was buffered when it was looked at (as in
 *     Redis), so the comparison stops there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/resp.h"

#define CHECK(x)                     \
    do {                             \
        if (!(x))                    \
            __builtin_trap();        \
    } while (0)

/* ---------------------------------------------------------------- a log of outcomes
 * What a run produced, serialised so runs compare with memcmp. */
typedef struct logbuf {
    unsigned char *p;
    size_t len, cap;
    size_t toobig; /* offset of the "too big" error record, or SIZE_MAX */
} logbuf;

static void log_put(logbuf *l, const void *p, size_t n)
{
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < l->len + n)
            cap *= 2;
        l->p = realloc(l->p, cap);
        CHECK(l->p);
        l->cap = cap;
    }
    memcpy(l->p + l->len, p, n);
    l->len += n;
}

static void log_u64(logbuf *l, uint64_t v)
{
    log_put(l, &v, sizeof v);
}

static int is_toobig(const char *err)
{
    return strstr(err, "too big") != NULL;
}

/* ---------------------------------------------------------------- checks */

static int within(const char *p, size_t n, const char *lo, size_t lon)
{
    return p >= lo && p <= lo + lon && n <= (size_t)(lo + lon - p);
}

/* Checks one OK result and logs its arguments. buf[0..len) is what the
 * parser was given, the request being its first `consumed` bytes. */
static void check_ok(const ak_req *r, const char *buf, size_t len, size_t consumed,
                     const ak_req_limits *lim, logbuf *l)
{
    CHECK(consumed > 0 && consumed <= len);
    CHECK(r->argc >= 0);
    CHECK(r->err == NULL);
    int multibulk = buf[0] == '*';
    if (multibulk) {
        CHECK((long long)r->argc <= lim->max_multibulk);
        if (lim->unauthenticated)
            CHECK(r->argc <= AK_REQ_UNAUTH_MULTIBULK);
    }
    if (r->argc > 0)
        CHECK(r->argv && r->argvlen);
    log_u64(l, 'O');
    log_u64(l, (uint64_t)r->argc);
    for (int i = 0; i < r->argc; i++) {
        const char *a = r->argv[i];
        size_t n = r->argvlen[i];
        CHECK(a != NULL);
        if (multibulk) {
            /* "$n\r\n" before it, two bytes after it, all in the request. */
            CHECK(a >= buf + 4 && within(a, n + 2, buf, consumed));
            CHECK(n <= lim->max_bulk);
            if (lim->unauthenticated)
                CHECK(n <= AK_REQ_UNAUTH_BULK);
        } else {
            /* Inline arguments are unescaped copies: never longer than the line. */
            CHECK(r->ibuf && within(a, n + 1, r->ibuf, r->ibufcap));
            CHECK(n < consumed);
        }
        volatile char after = a[n]; /* documented readable */
        (void)after;
        log_u64(l, n);
        log_put(l, a, n);
    }
    log_u64(l, consumed);
}

static void check_more(const ak_req *r, size_t len, size_t consumed)
{
    CHECK(consumed == 0);
    CHECK(r->need > len);
}

static void check_err(const ak_req *r, size_t consumed, logbuf *l)
{
    CHECK(consumed == 0);
    CHECK(r->err != NULL);
    CHECK(strncmp(r->err, "Protocol error", 14) == 0);
    if (is_toobig(r->err) && l->toobig == SIZE_MAX)
        l->toobig = l->len;
    log_u64(l, 'E');
    log_put(l, r->err, strlen(r->err) + 1);
}

/* After an error the parser must take a new request from scratch. */
static void check_restart(ak_req *r, const ak_req_limits *lim)
{
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    size_t consumed;
    int rc = ak_req_parse(r, ping, sizeof ping - 1, lim, &consumed);
    CHECK(rc == AK_REQ_OK && consumed == sizeof ping - 1);
    CHECK(r->argc == 1 && r->argvlen[0] == 4 && memcmp(r->argv[0], "PING", 4) == 0);
}

/* ---------------------------------------------------------------- the three ways */

/* One call as the server makes it, on buf[0..len) (the request start). Returns
 * the parser's result; logs and checks it. */
static int parse_once(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                      size_t *consumed, logbuf *l)
{
    int rc = ak_req_parse(r, buf, len, lim, consumed);
    switch (rc) {
    case AK_REQ_OK:
        check_ok(r, buf, len, *consumed, lim, l);
        break;
    case AK_REQ_MORE:
        check_more(r, len, *consumed);
        break;
    case AK_REQ_ERR:
        check_err(r, *consumed, l);
        break;
    default:
        CHECK(0);
    }
    return rc;
}

/* The bytes data[0..size) arrive in reads ending at the offsets ends[0..n)
 * (increasing, the last one = size). Like the server, after each read every
 * complete request is parsed; the unparsed tail waits for the next read.
 * With `copy`, each call gets a fresh heap copy of exactly the bytes
 * received; with `reset_after_more`, a partial request is forgotten at the
 * end of each read (the next read parses it from its start again). */
static void run(const uint8_t *data, size_t size, const size_t *ends, size_t n,
                const ak_req_limits *lim, int copy, int reset_after_more, logbuf *l)
{
    ak_req r;
    ak_req_init(&r);
    size_t off = 0; /* start of the next request */
    int rc = AK_REQ_MORE;
    for (size_t k = 0; k < n; k++) {
        size_t avail = ends[k];
        for (;;) {
            size_t len = avail - off, consumed = 99;
            char *buf = (char *)data + off;
            if (copy) {
                buf = malloc(len ? len : 1);
                CHECK(buf);
                memcpy(buf, data + off, len);
            }
            rc = parse_once(&r, buf, len, lim, &consumed, l);
            if (copy)
                free(buf);
            if (rc == AK_REQ_OK) {
                off += consumed;
                continue;
            }
            break;
        }
        if (rc == AK_REQ_ERR)
            break;
        if (reset_after_more)
            ak_req_reset(&r);
    }
    if (rc == AK_REQ_ERR) {
        check_restart(&r, lim);
    } else {
        log_u64(l, 'M');
        log_u64(l, off);
    }
    ak_req_free(&r);
}

static void compare(const logbuf *a, const logbuf *b)
{
    if (a->toobig == SIZE_MAX && b->toobig == SIZE_MAX) {
        CHECK(a->len == b->len && memcmp(a->p, b->p, a->len) == 0);
        return;
    }
    size_t k = a->toobig < b->toobig ? a->toobig : b->toobig;
    CHECK(a->len >= k && b->len >= k && memcmp(a->p, b->p, k) == 0);
}

static void run_all(const uint8_t *data, size_t size, const ak_req_limits *lim)
{
    logbuf whole = {0}, split = {0}, chunks = {0};
    whole.toobig = split.toobig = chunks.toobig = SIZE_MAX;

    /* whole: the buffer exactly as large as the input, so ASan sees any
     * read past it. */
    size_t end = size;
    run(data, size, &end, 1, lim, 1, 0, &whole);

    /* split at a position derived from the first byte */
    size_t ends[2] = {size ? (data[0] * 131u) % (size + 1) : 0, size};
    run(data, size, ends, 2, lim, 1, size && (data[0] & 1), &split);

    /* chunks: 1..maxchunk bytes per read */
    size_t maxchunk = size > 1 ? 1 + data[1] % 64 : 1, n = 0;
    size_t *cends = malloc((size + 1) * sizeof *cends);
    CHECK(cends);
    uint32_t x = size > 2 ? data[2] : 7;
    for (size_t pos = 0; pos < size;) {
        x = x * 1103515245u + 12345u;
        size_t step = 1 + (x >> 16) % maxchunk;
        pos = pos + step > size ? size : pos + step;
        cends[n++] = pos;
    }
    if (n == 0)
        cends[n++] = 0;
    run(data, size, cends, n, lim, 1, 0, &chunks);
    free(cends);

    /* Resuming, forgetting and re-parsing, and one read all give the same. */
    compare(&whole, &chunks);
    compare(&whole, &split);
    free(whole.p);
    free(split.p);
    free(chunks.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ak_req_limits deflim = AK_REQ_LIMITS_DEFAULT;
    static const ak_req_limits tiny = {16, 8, 32, 0};
    static const ak_req_limits unauth = {512ull * 1024 * 1024, 1024LL * 1024 * 1024, 64 * 1024, 1};

    run_all(data, size, &deflim);
    run_all(data, size, &tiny);
    run_all(data, size, &unauth);
    return 0;
}
