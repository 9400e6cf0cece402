/*
 * resp.c -- RESP request parser (server side) and reply reader (client side).
 *
 * Request parser (ak_req_*)
 *   Follows Redis 7.0's processMultibulkBuffer() / processInlineBuffer()
 *   byte for byte where a client could tell the difference:
 *   - A header line ("*N", "$N") ends at the first '\r' and needs one more
 *     byte after it; like Redis, that byte and the two bytes after a bulk's
 *     payload are skipped without being checked.
 *   - A '$' check happens only once the header line is complete, and a
 *     missing '\r' is an error only when more than 64 KiB are buffered.
 *   - Multibulk counts <= 0 are consumed as an empty request (argc 0).
 *   - An inline line ends at '\n' (a '\r' before it is dropped) and is split
 *     with sdssplitargs()'s rules, including its C-string view of the line
 *     (a NUL byte ends it). A line is "too big" only while no '\n' has been
 *     seen within max_inline bytes.
 *   - One deliberate difference: lines are found with memchr(), where Redis
 *     uses strchr() on its NUL-terminated query buffer and so stalls on a
 *     NUL byte before the line end until the 64 KiB error. Here "*1\0\r\n"
 *     is simply an invalid multibulk length. Also, a CR, LF or NUL in the
 *     "expected '$', got 'X'" message becomes a space (Redis turns CR and
 *     LF into spaces when it sends the error).
 *   State kept between calls (mbulk, pos, bulklen, argc and the argument
 *   offsets) lets a request that arrives in pieces be scanned once: complete
 *   arguments are never looked at again and a bulk's payload is not scanned
 *   at all, so a large bulk fed in chunks costs O(1) per call. While no
 *   request line has been found yet (mbulk == 0), pos is how far the search
 *   for its end has got. Multibulk arguments are kept as offsets from the
 *   request start and turned into pointers only on success, so the caller
 *   may move its buffer between calls (e.g. realloc it).
 *
 * Reply reader (ak_reader_*)
 *   An owned, growing input buffer and an explicit stack of the aggregates
 *   being filled (no recursion). Each item is parsed only when its header
 *   line (and payload, for blobs) is complete; aggregates are pushed on the
 *   stack and attached to their parent when their last element arrives, so
 *   every frame owns its reply until then. An aggregate's element array
 *   grows with the elements actually received: a bogus huge count costs no
 *   memory up front. `scan` remembers how far the search for the current
 *   line's CRLF has got, so a long line fed byte by byte is scanned once.
 *   Attributes ('|') at the top level are returned as replies of their own;
 *   inside an aggregate they are read and dropped (they annotate the next
 *   element and are not counted by the parent).
 */
#include "resp.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"

/* Redis's PROTO_INLINE_MAX_SIZE: the longest "*N" / "$N" header line. */
#define PROTO_HEADER_MAX (64 * 1024)
/* Redis allocates at most this many argv slots before arguments arrive. */
#define ARGV_PREALLOC_MAX 1024

/* Redis string2ll(): strict, no spaces, no '+', no leading zeros, no "-0". */
static int str2ll(const char *s, size_t slen, long long *value)
{
    const char *p = s;
    size_t plen = 0;
    int negative = 0;
    unsigned long long v;

    if (slen == 0 || slen > 20)
        return 0;
    if (slen == 1 && p[0] == '0') {
        *value = 0;
        return 1;
    }
    if (p[0] == '-') {
        negative = 1;
        p++;
        plen++;
        if (plen == slen)
            return 0;
    }
    if (p[0] >= '1' && p[0] <= '9') {
        v = (unsigned long long)(p[0] - '0');
        p++;
        plen++;
    } else {
        return 0;
    }
    while (plen < slen && p[0] >= '0' && p[0] <= '9') {
        if (v > ULLONG_MAX / 10)
            return 0;
        v *= 10;
        if (v > ULLONG_MAX - (unsigned long long)(p[0] - '0'))
            return 0;
        v += (unsigned long long)(p[0] - '0');
        p++;
        plen++;
    }
    if (plen < slen)
        return 0;
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return 0;
        *value = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return 0;
        *value = (long long)v;
    }
    return 1;
}

/* ================================================================ requests */

static const ak_req_limits default_limits = AK_REQ_LIMITS_DEFAULT;

void ak_req_init(ak_req *r)
{
    memset(r, 0, sizeof(*r));
    r->bulklen = -1;
}

void ak_req_free(ak_req *r)
{
    if (!r)
        return;
    ak_free(r->argv);
    ak_free(r->argvlen);
    ak_free(r->argoff);
    ak_free(r->ibuf);
    ak_req_init(r);
}

/* Back to "no request started"; argc/argv are left for the caller. */
static void req_restart(ak_req *r)
{
    r->mbulk = 0;
    r->pos = 0;
    r->bulklen = -1;
}

void ak_req_reset(ak_req *r)
{
    req_restart(r);
    r->argc = 0;
    r->err = NULL;
    r->need = 0;
}

static void req_reserve(ak_req *r, size_t n)
{
    if (n <= (size_t)r->argcap)
        return;
    size_t cap = r->argcap ? (size_t)r->argcap : 8;
    while (cap < n)
        cap *= 2;
    if (cap > INT_MAX)
        cap = INT_MAX;
    r->argv = ak_realloc(r->argv, cap * sizeof(*r->argv));
    r->argvlen = ak_realloc(r->argvlen, cap * sizeof(*r->argvlen));
    r->argoff = ak_realloc(r->argoff, cap * sizeof(*r->argoff));
    r->argcap = (int)cap;
}

static void req_ibuf_reserve(ak_req *r, size_t n)
{
    if (n <= r->ibufcap)
        return;
    ak_free(r->ibuf);
    r->ibuf = ak_malloc(n);
    r->ibufcap = n;
}

static int req_fail(ak_req *r, const char *msg)
{
    req_restart(r);
    r->argc = 0;
    r->err = msg;
    return AK_REQ_ERR;
}

static int req_more(ak_req *r, size_t need)
{
    r->need = need;
    return AK_REQ_MORE;
}

static int multibulk(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                     size_t *consumed)
{
    const char *nl;
    long long ll;
    size_t i;

    if (r->mbulk == 0) {
        size_t from = r->pos ? r->pos : 1;
        nl = from < len ? memchr(buf + from, '\r', len - from) : NULL;
        if (!nl) {
            if (len > PROTO_HEADER_MAX)
                return req_fail(r, "Protocol error: too big mbulk count string");
            r->pos = len;
            return req_more(r, len + 1);
        }
        i = (size_t)(nl - buf);
        if (i + 2 > len) {
            r->pos = i;
            return req_more(r, i + 2);
        }
        if (!str2ll(buf + 1, i - 1, &ll))
            return req_fail(r, "Protocol error: invalid multibulk length");
        if (lim->unauthenticated && ll > AK_REQ_UNAUTH_MULTIBULK)
            return req_fail(r, "Protocol error: unauthenticated multibulk length");
        if (ll > INT_MAX || ll > lim->max_multibulk)
            return req_fail(r, "Protocol error: invalid multibulk length");
        r->pos = i + 2;
        if (ll <= 0) {
            *consumed = r->pos;
            req_restart(r);
            r->argc = 0;
            return AK_REQ_OK;
        }
        r->mbulk = ll;
        r->bulklen = -1;
        r->argc = 0;
        req_reserve(r, ll < ARGV_PREALLOC_MAX ? (size_t)ll : ARGV_PREALLOC_MAX);
    }

    while (r->argc < r->mbulk) {
        if (r->bulklen == -1) {
            size_t p = r->pos;
            nl = p < len ? memchr(buf + p, '\r', len - p) : NULL;
            if (!nl) {
                if (len - p > PROTO_HEADER_MAX)
                    return req_fail(r, "Protocol error: too big bulk count string");
                return req_more(r, (len > p ? len : p) + 1);
            }
            i = (size_t)(nl - buf);
            if (i + 2 > len)
                return req_more(r, i + 2);
            if (buf[p] != '$') {
                /* Redis turns CR/LF into spaces so the error line stays one
                 * line; a NUL would cut the C string short, so it goes too. */
                char c = buf[p];
                if (c == '\r' || c == '\n' || c == '\0')
                    c = ' ';
                req_ibuf_reserve(r, 64);
                snprintf(r->ibuf, r->ibufcap, "Protocol error: expected '$', got '%c'", c);
                req_restart(r);
                r->argc = 0;
                r->err = r->ibuf;
                return AK_REQ_ERR;
            }
            if (!str2ll(buf + p + 1, i - p - 1, &ll) || ll < 0 ||
                (unsigned long long)ll > lim->max_bulk)
                return req_fail(r, "Protocol error: invalid bulk length");
            if (lim->unauthenticated && ll > AK_REQ_UNAUTH_BULK)
                return req_fail(r, "Protocol error: unauthenticated bulk length");
            r->pos = i + 2;
            r->bulklen = ll;
        }
        size_t end = r->pos + (size_t)r->bulklen + 2;
        if (len < end)
            return req_more(r, end);
        req_reserve(r, (size_t)r->argc + 1);
        r->argoff[r->argc] = r->pos;
        r->argvlen[r->argc] = (size_t)r->bulklen;
        r->argc++;
        r->pos = end;
        r->bulklen = -1;
    }

    for (int j = 0; j < r->argc; j++)
        r->argv[j] = buf + r->argoff[j];
    *consumed = r->pos;
    req_restart(r);
    return AK_REQ_OK;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

/* sdssplitargs() over line[0..n) seen as a C string. Arguments go to
 * r->ibuf, NUL-separated; returns 0 on unbalanced quotes. */
static int split_inline(ak_req *r, const char *line, size_t n)
{
    const char *z = memchr(line, '\0', n);
    if (z)
        n = (size_t)(z - line);
#define AT(k) ((k) < n ? line[k] : '\0')

    /* Each argument takes at least one input byte and gives at most one
     * output byte per input byte, plus its NUL. */
    req_ibuf_reserve(r, 2 * n + 64);
    char *out = r->ibuf;
    size_t o = 0, i = 0;
    r->argc = 0;

    for (;;) {
        while (i < n && is_space(line[i]))
            i++;
        if (i >= n)
            break;
        int inq = 0, insq = 0, done = 0;
        size_t start = o;
        while (!done) {
            char c = AT(i);
            if (inq) {
                if (c == '\\' && AT(i + 1) == 'x' && is_hex(AT(i + 2)) && is_hex(AT(i + 3))) {
                    out[o++] = (char)(hex_val(AT(i + 2)) * 16 + hex_val(AT(i + 3)));
                    i += 3;
                } else if (c == '\\' && AT(i + 1)) {
                    i++;
                    switch (AT(i)) {
                    case 'n': out[o++] = '\n'; break;
                    case 'r': out[o++] = '\r'; break;
                    case 't': out[o++] = '\t'; break;
                    case 'b': out[o++] = '\b'; break;
                    case 'a': out[o++] = '\a'; break;
                    default: out[o++] = AT(i); break;
                    }
                } else if (c == '"') {
                    /* A closing quote must be followed by a space or the end. */
                    if (AT(i + 1) && !is_space(AT(i + 1)))
                        return 0;
                    done = 1;
                } else if (!c) {
                    return 0;
                } else {
                    out[o++] = c;
                }
            } else if (insq) {
                if (c == '\\' && AT(i + 1) == '\'') {
                    i++;
                    out[o++] = '\'';
                } else if (c == '\'') {
                    if (AT(i + 1) && !is_space(AT(i + 1)))
                        return 0;
                    done = 1;
                } else if (!c) {
                    return 0;
                } else {
                    out[o++] = c;
                }
            } else {
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case '\0':
                    done = 1;
                    break;
                case '"':
                    inq = 1;
                    break;
                case '\'':
                    insq = 1;
                    break;
                default:
                    out[o++] = c;
                    break;
                }
            }
            if (AT(i))
                i++;
        }
        out[o++] = '\0';
        req_reserve(r, (size_t)r->argc + 1);
        r->argoff[r->argc] = start;
        r->argvlen[r->argc] = o - 1 - start;
        r->argc++;
    }
#undef AT
    for (int j = 0; j < r->argc; j++)
        r->argv[j] = r->ibuf + r->argoff[j];
    return 1;
}

static int inline_req(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                      size_t *consumed)
{
    size_t from = r->pos;
    const char *nl = from < len ? memchr(buf + from, '\n', len - from) : NULL;
    if (!nl) {
        if (len > lim->max_inline)
            return req_fail(r, "Protocol error: too big inline request");
        r->pos = len;
        return req_more(r, len + 1);
    }
    size_t i = (size_t)(nl - buf), end = i;
    if (end > 0 && buf[end - 1] == '\r')
        end--;
    if (!split_inline(r, buf, end))
        return req_fail(r, "Protocol error: unbalanced quotes in request");
    *consumed = i + 1;
    req_restart(r);
    return AK_REQ_OK;
}

int ak_req_parse(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                 size_t *consumed)
{
    *consumed = 0;
    r->err = NULL;
    r->need = 0;
    if (!lim)
        lim = &default_limits;
    if (r->mbulk == 0 && r->pos == 0)
        r->argc = 0;
    if (len == 0)
        return req_more(r, 1);
    if (r->pos > len) /* the caller's buffer shrank: nothing to do yet */
        return req_more(r, r->pos + 1);
    if (r->mbulk > 0 || buf[0] == '*')
        return multibulk(r, buf, len, lim, consumed);
    return inline_req(r, buf, len, lim, consumed);
}

/* ================================================================ replies */

aikv_reply_t *ak_reply_new(int type)
{
    aikv_reply_t *r = ak_calloc(1, sizeof(*r));
    r->type = type;
    return r;
}

aikv_reply_t *ak_reply_new_str(int type, const char *s, size_t len)
{
    aikv_reply_t *r = ak_reply_new(type);
    r->str = ak_memdup(s, len);
    r->len = len;
    return r;
}

static void reply_free_node(aikv_reply_t *r)
{
    ak_free(r->element);
    ak_free(r->str);
    ak_free(r);
}

/* Iterative, with a stack as deep as the tree (not as wide). */
AIKV_API void aikv_reply_free(aikv_reply_t *r)
{
    struct slot {
        aikv_reply_t *r;
        size_t i;
    } local[64], *stk = local;
    size_t n = 0, cap = sizeof(local) / sizeof(local[0]);

    if (!r)
        return;
    stk[n++] = (struct slot){r, 0};
    while (n) {
        struct slot *top = &stk[n - 1];
        if (top->r->element && top->i < top->r->elements) {
            aikv_reply_t *child = top->r->element[top->i++];
            if (!child)
                continue;
            if (!child->element || !child->elements) {
                reply_free_node(child);
                continue;
            }
            if (n == cap) {
                size_t ncap = cap * 2;
                struct slot *bigger = ak_malloc(ncap * sizeof(*bigger));
                memcpy(bigger, stk, n * sizeof(*stk));
                if (stk != local)
                    ak_free(stk);
                stk = bigger;
                cap = ncap;
            }
            stk[n++] = (struct slot){child, 0};
        } else {
            reply_free_node(top->r);
            n--;
        }
    }
    if (stk != local)
        ak_free(stk);
}

/* ---------------------------------------------------------------- reader */

typedef struct rd_frame {
    aikv_reply_t *r; /* the aggregate; owned by the frame until complete */
    size_t want;     /* elements it will hold (2 * count for maps) */
    size_t cap;      /* slots allocated in r->element */
} rd_frame;

struct ak_reader {
    char *buf;
    size_t len, cap;
    size_t pos;  /* start of the next item */
    size_t scan; /* the CRLF search for the item at pos resumes here */
    int borrowed; /* buf belongs to the caller (ak_reply_parse) */
    rd_frame *stack;
    int depth, stackcap;
    int failed;
    char errstr[128];
};

/* The buffer is dropped when empty and at least this big. */
#define READER_KEEP_BUF (64 * 1024)

ak_reader *ak_reader_new(void)
{
    return ak_calloc(1, sizeof(ak_reader));
}

static void reader_clear_stack(ak_reader *rd)
{
    for (int i = 0; i < rd->depth; i++)
        aikv_reply_free(rd->stack[i].r);
    ak_free(rd->stack);
    rd->stack = NULL;
    rd->depth = rd->stackcap = 0;
}

void ak_reader_free(ak_reader *rd)
{
    if (!rd)
        return;
    reader_clear_stack(rd);
    if (!rd->borrowed)
        ak_free(rd->buf);
    ak_free(rd);
}

void ak_reader_feed(ak_reader *rd, const char *buf, size_t len)
{
    if (rd->failed || len == 0)
        return;
    if (rd->pos == rd->len) {
        rd->pos = rd->len = rd->scan = 0;
        if (rd->cap >= READER_KEEP_BUF) {
            ak_free(rd->buf);
            rd->buf = NULL;
            rd->cap = 0;
        }
    } else if (rd->pos > 0 && rd->pos >= rd->len - rd->pos) {
        /* Moving at most as many bytes as were consumed keeps it linear. */
        memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
        rd->len -= rd->pos;
        rd->scan = rd->scan > rd->pos ? rd->scan - rd->pos : 0;
        rd->pos = 0;
    }
    if (rd->len + len > rd->cap) {
        size_t cap = rd->cap ? rd->cap : 1024;
        while (cap < rd->len + len)
            cap *= 2;
        rd->buf = ak_realloc(rd->buf, cap);
        rd->cap = cap;
    }
    memcpy(rd->buf + rd->len, buf, len);
    rd->len += len;
}

const char *ak_reader_error(const ak_reader *rd)
{
    return rd->failed ? rd->errstr : NULL;
}

__attribute__((format(printf, 2, 3))) static int rd_fail(ak_reader *rd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->errstr, sizeof(rd->errstr), fmt, ap);
    va_end(ap);
    rd->failed = 1;
    return -1;
}

/* A printable rendering of a byte for error messages. */
static const char *byte_repr(char c, char *tmp)
{
    switch (c) {
    case '\r': return "\\r";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    }
    if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
        snprintf(tmp, 8, "%c", c);
    else
        snprintf(tmp, 8, "\\x%02x", (unsigned char)c);
    return tmp;
}

/* Finds the CRLF ending the line that starts at pos + 1. */
static int seek_eol(ak_reader *rd, size_t *eol)
{
    size_t i = rd->scan > rd->pos + 1 ? rd->scan : rd->pos + 1;
    while (i < rd->len) {
        const char *cr = memchr(rd->buf + i, '\r', rd->len - i);
        if (!cr) {
            i = rd->len;
            break;
        }
        i = (size_t)(cr - rd->buf);
        if (i + 1 >= rd->len)
            break;
        if (rd->buf[i + 1] == '\n') {
            *eol = i;
            return 1;
        }
        i++;
    }
    rd->scan = i;
    return 0;
}

/* Appends a complete item to the open aggregates, closing those it
 * completes. Returns 1 with *out set when a top-level reply is done. */
static int attach(ak_reader *rd, aikv_reply_t *item, aikv_reply_t **out)
{
    for (;;) {
        if (rd->depth == 0) {
            *out = item;
            return 1;
        }
        if (item->type == AIKV_REPLY_ATTR) {
            aikv_reply_free(item);
            return 0;
        }
        rd_frame *f = &rd->stack[rd->depth - 1];
        aikv_reply_t *agg = f->r;
        if (agg->elements == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 8;
            if (cap > f->want)
                cap = f->want;
            agg->element = ak_realloc(agg->element, cap * sizeof(*agg->element));
            f->cap = cap;
        }
        agg->element[agg->elements++] = item;
        if (agg->elements < f->want)
            return 0;
        rd->depth--;
        item = agg;
    }
}

static int reply_type_of(char t)
{
    switch (t) {
    case '+': return AIKV_REPLY_STATUS;
    case '-': return AIKV_REPLY_ERROR;
    case ':': return AIKV_REPLY_INTEGER;
    case '$': return AIKV_REPLY_STRING;
    case '*': return AIKV_REPLY_ARRAY;
    case '_': return AIKV_REPLY_NIL;
    case ',': return AIKV_REPLY_DOUBLE;
    case '#': return AIKV_REPLY_BOOL;
    case '!': return AIKV_REPLY_ERROR;
    case '=': return AIKV_REPLY_VERB;
    case '(': return AIKV_REPLY_BIGNUM;
    case '%': return AIKV_REPLY_MAP;
    case '~': return AIKV_REPLY_SET;
    case '|': return AIKV_REPLY_ATTR;
    case '>': return AIKV_REPLY_PUSH;
    }
    return 0;
}

static int parse_double(const char *s, size_t len, double *out)
{
    char tmp[8];
    if (len == 0 || len > 5200)
        return 0;
    if (len <= 4) {
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        if (!strcmp(tmp, "inf") || !strcmp(tmp, "+inf")) {
            *out = INFINITY;
            return 1;
        }
        if (!strcmp(tmp, "-inf")) {
            *out = -INFINITY;
            return 1;
        }
        if (!strcmp(tmp, "nan") || !strcmp(tmp, "-nan")) {
            *out = NAN;
            return 1;
        }
    }
    if (is_space(s[0]))
        return 0;
    /* s is NUL-terminated (it is the reply's own copy). */
    char *end;
    double d = strtod(s, &end); /* overflow gives +-inf, which is fine */
    if (end != s + len)
        return 0;
    *out = d;
    return 1;
}

static int valid_bignum(const char *s, size_t len)
{
    size_t i = 0;
    if (len && (s[0] == '-' || s[0] == '+'))
        i++;
    if (i == len)
        return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Parses the item at pos. Returns 1 and *item when a leaf (or an empty or
 * nil aggregate) is complete, 2 when an aggregate was opened, 0 when more
 * input is needed, -1 on a protocol error. */
static int parse_item(ak_reader *rd, aikv_reply_t **item)
{
    char tmp[8];
    size_t eol;
    long long ll;

    char t = rd->buf[rd->pos];
    int type = reply_type_of(t);
    if (!type)
        return rd_fail(rd, "Protocol error, got \"%s\" as reply type byte", byte_repr(t, tmp));
    if (!seek_eol(rd, &eol))
        return 0;
    const char *line = rd->buf + rd->pos + 1;
    size_t llen = eol - rd->pos - 1;
    size_t next = eol + 2;
    aikv_reply_t *r = NULL;

    switch (t) {
    case '+':
    case '-':
        r = ak_reply_new_str(type, line, llen);
        break;
    case ':':
        if (!str2ll(line, llen, &ll))
            return rd_fail(rd, "Protocol error: bad integer value");
        r = ak_reply_new(type);
        r->integer = ll;
        break;
    case '_':
        if (llen != 0)
            return rd_fail(rd, "Protocol error: bad null value");
        r = ak_reply_new(type);
        break;
    case '#':
        if (llen != 1 || (line[0] != 't' && line[0] != 'f'))
            return rd_fail(rd, "Protocol error: bad bool value");
        r = ak_reply_new(type);
        r->integer = line[0] == 't';
        break;
    case ',': {
        double d;
        r = ak_reply_new_str(type, line, llen);
        if (!parse_double(r->str, r->len, &d)) {
            aikv_reply_free(r);
            return rd_fail(rd, "Protocol error: bad double value");
        }
        r->dval = d;
        break;
    }
    case '(':
        if (!valid_bignum(line, llen))
            return rd_fail(rd, "Protocol error: bad big number value");
        r = ak_reply_new_str(type, line, llen);
        break;
    case '$':
    case '!':
    case '=':
        if (!str2ll(line, llen, &ll) || ll < -1)
            return rd_fail(rd, "Protocol error: bad bulk string length");
        if (ll == -1) {
            r = ak_reply_new(AIKV_REPLY_NIL);
            break;
        }
        if ((unsigned long long)ll > SIZE_MAX - next - 2)
            return rd_fail(rd, "Protocol error: bulk string length out of range");
        if (rd->len - next < (size_t)ll + 2) {
            rd->scan = eol; /* the header is found again at once */
            return 0;
        }
        if (rd->buf[next + ll] != '\r' || rd->buf[next + ll + 1] != '\n')
            return rd_fail(rd, "Protocol error: bulk string not terminated by CRLF");
        if (t == '=') {
            if (ll < 4 || rd->buf[next + 3] != ':')
                return rd_fail(rd, "Protocol error: verbatim string without a type prefix");
            r = ak_reply_new_str(type, rd->buf + next + 4, (size_t)ll - 4);
            memcpy(r->vtype, rd->buf + next, 3);
            r->vtype[3] = '\0';
        } else {
            r = ak_reply_new_str(type, rd->buf + next, (size_t)ll);
        }
        next += (size_t)ll + 2;
        break;
    default: {
        /* aggregates */
        if (!str2ll(line, llen, &ll) || ll < -1)
            return rd_fail(rd, "Protocol error: bad aggregate length");
        if (ll == -1) {
            r = ak_reply_new(AIKV_REPLY_NIL);
            break;
        }
        int pairs = t == '%' || t == '|';
        if ((unsigned long long)ll > (SIZE_MAX / sizeof(void *)) / 2)
            return rd_fail(rd, "Protocol error: aggregate length out of range");
        if (rd->depth >= AK_READER_MAX_DEPTH)
            return rd_fail(rd, "Protocol error: nesting deeper than %d", AK_READER_MAX_DEPTH);
        r = ak_reply_new(type);
        rd->pos = rd->scan = next;
        if (ll == 0) {
            *item = r;
            return 1;
        }
        if (rd->depth == rd->stackcap) {
            int cap = rd->stackcap ? rd->stackcap * 2 : 8;
            rd->stack = ak_realloc(rd->stack, (size_t)cap * sizeof(*rd->stack));
            rd->stackcap = cap;
        }
        rd->stack[rd->depth++] = (rd_frame){r, (size_t)ll << pairs, 0};
        return 2;
    }
    }
    rd->pos = rd->scan = next;
    *item = r;
    return 1;
}

static int reader_get(ak_reader *rd, aikv_reply_t **out)
{
    *out = NULL;
    if (rd->failed)
        return -1;
    while (rd->pos < rd->len) {
        aikv_reply_t *item = NULL;
        int rc = parse_item(rd, &item);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        if (rc == 1 && attach(rd, item, out))
            return 0;
    }
    return 0;
}

int ak_reader_get(ak_reader *rd, aikv_reply_t **out)
{
    return reader_get(rd, out);
}

aikv_reply_t *ak_reply_parse(const char *buf, size_t len)
{
    ak_reader rd;
    aikv_reply_t *r = NULL;

    memset(&rd, 0, sizeof(rd));
    rd.buf = (char *)buf; /* only read: feed() is never called on it */
    rd.len = rd.cap = len;
    rd.borrowed = 1;
    if (reader_get(&rd, &r) != 0 || !r || rd.pos != len) {
        aikv_reply_free(r);
        r = NULL;
    }
    reader_clear_stack(&rd);
    return r;
}
