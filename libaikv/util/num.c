/*
 * num.c -- number parsing and printing with Redis's exact rules (num.h).
 *
 * These functions decide what clients see as a number and how numbers come
 * back, so they follow Redis 7.0's util.c (string2ll, string2ld, string2d,
 * ld2string, ll2string) rule for rule, with two deliberate differences that
 * only matter for input Redis never gives them:
 *   - Parsers are binary safe: the whole (s, len) must be consumed. Redis's
 *     string2ld() stops at an embedded NUL and would accept "1\0x" as 1.
 *   - ak_str2ull() is string2ll()'s strict grammar over the unsigned range;
 *     Redis's string2ull() falls back to strtoull(), which takes spaces,
 *     '+' and wraps "-1" around.
 * On failure a parser leaves *out untouched.
 *
 * strtod()/strtold() need a NUL-terminated string, so the input is copied
 * into a stack buffer (or, for a long double spelled out in more than
 * NUM_STACK_BUF bytes, a heap one: the grammar allows any number of digits).
 */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* Redis's MAX_LONG_DOUBLE_CHARS: string2ld() refuses len >= this. */
#define MAX_LONG_DOUBLE_CHARS (5 * 1024)
/* Redis's LONG_STR_SIZE: string2ll() refuses len >= this. */
#define LONG_STR_SIZE 21
#define NUM_STACK_BUF 128

/* ---------------------------------------------------------------- integers */

/* Digits of an unsigned value: first digit 1-9 (a lone "0" is handled by
 * the callers), then digits, no overflow, nothing else. */
static int parse_digits(const char *p, size_t len, unsigned long long *out)
{
    if (len == 0 || p[0] < '1' || p[0] > '9')
        return 0;
    unsigned long long v = (unsigned long long)(p[0] - '0');
    for (size_t i = 1; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > ULLONG_MAX / 10 || v * 10 > ULLONG_MAX - d)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int ak_str2ll(const char *s, size_t len, long long *out)
{
    unsigned long long v;
    if (len == 0 || len >= LONG_STR_SIZE)
        return 0;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (s[0] == '-') {
        if (!parse_digits(s + 1, len - 1, &v))
            return 0;
        if (v > (unsigned long long)LLONG_MAX + 1)
            return 0;
        /* 2^63 has no positive long long: LLONG_MIN is spelled out. */
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
        return 1;
    }
    if (!parse_digits(s, len, &v) || v > (unsigned long long)LLONG_MAX)
        return 0;
    *out = (long long)v;
    return 1;
}

int ak_str2ull(const char *s, size_t len, unsigned long long *out)
{
    unsigned long long v;
    if (len == 0 || len >= LONG_STR_SIZE)
        return 0;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (!parse_digits(s, len, &v))
        return 0;
    *out = v;
    return 1;
}

int ak_digits10(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

size_t ak_ull2str(char *buf, size_t cap, unsigned long long v)
{
    static const char pairs[201] = "0001020304050607080910111213141516171819"
                                   "2021222324252627282930313233343536373839"
                                   "4041424344454647484950515253545556575859"
                                   "6061626364656667686970717273747576777879"
                                   "8081828384858687888990919293949596979899";
    size_t len = (size_t)ak_digits10(v);
    if (len >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    buf[len] = '\0';
    size_t i = len - 1;
    while (v >= 100) {
        unsigned k = (unsigned)(v % 100) * 2;
        v /= 100;
        buf[i] = pairs[k + 1];
        buf[i - 1] = pairs[k];
        i -= 2;
    }
    if (v < 10) {
        buf[i] = (char)('0' + v);
    } else {
        unsigned k = (unsigned)v * 2;
        buf[i] = pairs[k + 1];
        buf[i - 1] = pairs[k];
    }
    return len;
}

size_t ak_ll2str(char *buf, size_t cap, long long v)
{
    if (v >= 0)
        return ak_ull2str(buf, cap, (unsigned long long)v);
    /* 0 - (unsigned)v is |v| even for LLONG_MIN. */
    unsigned long long u = 0ULL - (unsigned long long)v;
    if (cap < 2) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    size_t n = ak_ull2str(buf + 1, cap - 1, u);
    if (n == 0) {
        buf[0] = '\0';
        return 0;
    }
    buf[0] = '-';
    return n + 1;
}

/* ---------------------------------------------------------------- floating point */

/* A NUL-terminated copy of (s, len) in stack or heap memory. */
typedef struct cstr {
    char *p;
    char stack[NUM_STACK_BUF];
} cstr;

static const char *cstr_make(cstr *c, const char *s, size_t len)
{
    c->p = len < sizeof(c->stack) ? c->stack : ak_malloc(len + 1);
    memcpy(c->p, s, len);
    c->p[len] = '\0';
    return c->p;
}

static void cstr_done(cstr *c)
{
    if (c->p != c->stack)
        ak_free(c->p);
}

int ak_str2ld(const char *s, size_t len, long double *out)
{
    if (len == 0 || len >= MAX_LONG_DOUBLE_CHARS || isspace((unsigned char)s[0]))
        return 0;
    cstr c;
    const char *buf = cstr_make(&c, s, len);
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    int ok = end == buf + len && errno != EINVAL && !isnan(v) &&
             !(errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0));
    cstr_done(&c);
    if (ok)
        *out = v;
    return ok;
}

int ak_str2d(const char *s, size_t len, double *out)
{
    if (len == 0 || isspace((unsigned char)s[0]))
        return 0;
    cstr c;
    const char *buf = cstr_make(&c, s, len);
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    int ok = end == buf + len && !isnan(v) &&
             !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0));
    cstr_done(&c);
    if (ok)
        *out = v;
    return ok;
}

/* "inf" / "-inf" spelled by hand: some libcs print "Infinity". */
static size_t inf2str(char *buf, size_t cap, int negative)
{
    const char *t = negative ? "-inf" : "inf";
    size_t n = strlen(t);
    if (cap < n + 1)
        return 0;
    memcpy(buf, t, n + 1);
    return n;
}

size_t ak_ld2str(char *buf, size_t cap, long double v, int humanfriendly)
{
    if (isinf(v))
        return inf2str(buf, cap, v < 0);
    if (cap == 0)
        return 0;

    int n = snprintf(buf, cap, humanfriendly ? "%.17Lf" : "%.17Lg", v);
    if (n < 0 || (size_t)n + 1 > cap)
        return 0;
    size_t len = (size_t)n;
    if (humanfriendly) {
        /* 17 digits after the point is enough for 128-bit (and 80-bit)
         * long doubles to round small decimals back to what was typed;
         * then the zeros, and a bare '.', go. */
        if (memchr(buf, '.', len)) {
            while (buf[len - 1] == '0')
                len--;
            if (buf[len - 1] == '.')
                len--;
        }
        /* Rounding a tiny negative value gives "-0": say "0". */
        if (len == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            len = 1;
        }
        buf[len] = '\0';
    }
    return len;
}

size_t ak_d2str(char *buf, size_t cap, double v)
{
    if (isinf(v))
        return inf2str(buf, cap, v < 0);
    if (cap == 0)
        return 0;
    int n = snprintf(buf, cap, "%.17g", v);
    if (n < 0 || (size_t)n + 1 > cap)
        return 0;
    return (size_t)n;
}
