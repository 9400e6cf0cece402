/*
 * format.c -- replies as text, byte for byte as redis-cli 7 prints them.
 *
 * Two forms, both taken from redis-cli's cliFormatReplyTTY() and
 * cliFormatReplyRaw():
 *   standard  what a terminal gets: `(integer) 1`, `"quoted\n"`, `(nil)`,
 *             `(error) ERR ...`, aggregates numbered `1) ` (`1# k => v` for
 *             maps, `1~ ` for sets) with each nesting level indented by
 *             the width of its parent's numbers plus two. The first element
 *             of a nested aggregate shares its parent's line, so only the
 *             following ones carry the indentation prefix; a map value that
 *             takes several lines starts on a line of its own instead.
 *   raw       what a pipe gets: bytes as they are, nil as nothing, errors
 *             as their text plus a newline, aggregates one item per line,
 *             map pairs as "key value".
 * Types redis-cli 7.0 cannot show (big numbers, attributes) get the form
 * later redis-cli versions use: `(big number) 123`; attributes like maps.
 * Recursion follows the reply's depth, which the reader bounds (1024).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- buffers */

void buf_cat(cli_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fputs("aikv-cli: out of memory\n", stderr);
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void buf_cats(cli_buf *b, const char *s)
{
    buf_cat(b, s, strlen(s));
}

void buf_printf(cli_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        buf_cat(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        fputs("aikv-cli: out of memory\n", stderr);
        exit(1);
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_cat(b, big, (size_t)n);
    free(big);
}

void buf_free(cli_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- standard */

void cli_repr(cli_buf *out, const char *s, size_t len)
{
    buf_cat(out, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': buf_cat(out, "\\\\", 2); break;
        case '"': buf_cat(out, "\\\"", 2); break;
        case '\n': buf_cat(out, "\\n", 2); break;
        case '\r': buf_cat(out, "\\r", 2); break;
        case '\t': buf_cat(out, "\\t", 2); break;
        case '\a': buf_cat(out, "\\a", 2); break;
        case '\b': buf_cat(out, "\\b", 2); break;
        default:
            /* isprint() in the C locale, whatever the locale is. */
            if (c >= 0x20 && c < 0x7f)
                buf_cat(out, &c, 1);
            else
                buf_printf(out, "\\x%02x", c);
        }
    }
    buf_cat(out, "\"", 1);
}

static int is_pairs(int type)
{
    return type == AIKV_REPLY_MAP || type == AIKV_REPLY_ATTR;
}

/* redis-cli's cliIsMultilineValueTTY(): a map value that will take
 * several lines starts on a line of its own. */
static int is_multiline(const aikv_reply_t *r)
{
    for (;;) {
        switch (r->type) {
        case AIKV_REPLY_ARRAY:
        case AIKV_REPLY_SET:
        case AIKV_REPLY_PUSH:
            if (r->elements == 0)
                return 0;
            if (r->elements > 1)
                return 1;
            r = r->element[0];
            break;
        case AIKV_REPLY_MAP:
        case AIKV_REPLY_ATTR:
            if (r->elements == 0)
                return 0;
            if (r->elements > 2)
                return 1;
            r = r->element[1];
            break;
        default:
            return 0;
        }
    }
}

static void format_tty(cli_buf *out, const aikv_reply_t *r, const char *prefix)
{
    switch (r->type) {
    case AIKV_REPLY_ERROR:
        buf_printf(out, "(error) %s\n", r->str ? r->str : "");
        break;
    case AIKV_REPLY_STATUS:
        buf_cats(out, r->str ? r->str : "");
        buf_cats(out, "\n");
        break;
    case AIKV_REPLY_INTEGER:
        buf_printf(out, "(integer) %lld\n", r->integer);
        break;
    case AIKV_REPLY_DOUBLE:
        buf_printf(out, "(double) %s\n", r->str ? r->str : "");
        break;
    case AIKV_REPLY_BIGNUM:
        buf_printf(out, "(big number) %s\n", r->str ? r->str : "");
        break;
    case AIKV_REPLY_STRING:
        cli_repr(out, r->str, r->len);
        buf_cats(out, "\n");
        break;
    case AIKV_REPLY_VERB:
        /* redis-cli shows verbatim text as it is, unquoted. */
        buf_cat(out, r->str, r->len);
        buf_cats(out, "\n");
        break;
    case AIKV_REPLY_NIL:
        buf_cats(out, "(nil)\n");
        break;
    case AIKV_REPLY_BOOL:
        buf_cats(out, r->integer ? "(true)\n" : "(false)\n");
        break;
    case AIKV_REPLY_ARRAY:
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_SET:
    case AIKV_REPLY_PUSH:
    case AIKV_REPLY_ATTR: {
        if (r->elements == 0) {
            buf_cats(out, r->type == AIKV_REPLY_ARRAY  ? "(empty array)\n"
                          : r->type == AIKV_REPLY_MAP  ? "(empty hash)\n"
                          : r->type == AIKV_REPLY_SET  ? "(empty set)\n"
                          : r->type == AIKV_REPLY_PUSH ? "(empty push)\n"
                                                       : "(empty aggregate type)\n");
            break;
        }
        int pairs = is_pairs(r->type);
        size_t n = pairs ? r->elements / 2 : r->elements;
        int idxlen = 0;
        do {
            idxlen++;
            n /= 10;
        } while (n);

        cli_buf sub = {0};
        buf_cats(&sub, prefix);
        for (int k = 0; k < idxlen + 2; k++)
            buf_cat(&sub, " ", 1);
        char numsep = r->type == AIKV_REPLY_SET ? '~' : pairs ? '#' : ')';

        for (size_t i = 0; i < r->elements; i++) {
            size_t human = (pairs ? i / 2 : i) + 1;
            buf_printf(out, "%s%*zu%c ", i == 0 ? "" : prefix, idxlen, human, numsep);
            format_tty(out, r->element[i], sub.p);
            if (pairs) {
                i++;
                if (out->len)
                    out->p[--out->len] = '\0'; /* the key's newline */
                buf_cats(out, " => ");
                if (i >= r->elements) {
                    buf_cats(out, "\n");
                    break;
                }
                if (is_multiline(r->element[i])) {
                    buf_cats(out, "\n");
                    buf_cats(out, sub.p);
                }
                format_tty(out, r->element[i], sub.p);
            }
        }
        buf_free(&sub);
        break;
    }
    default:
        buf_printf(out, "(unknown reply type %d)\n", r->type);
        break;
    }
}

/* ---------------------------------------------------------------- raw */

static void format_raw(cli_buf *out, const aikv_reply_t *r)
{
    switch (r->type) {
    case AIKV_REPLY_NIL:
        break;
    case AIKV_REPLY_ERROR:
        buf_cat(out, r->str, r->len);
        buf_cats(out, "\n");
        break;
    case AIKV_REPLY_STATUS:
    case AIKV_REPLY_STRING:
    case AIKV_REPLY_VERB:
    case AIKV_REPLY_DOUBLE:
    case AIKV_REPLY_BIGNUM:
        buf_cat(out, r->str, r->len);
        break;
    case AIKV_REPLY_BOOL:
        buf_cats(out, r->integer ? "(true)" : "(false)");
        break;
    case AIKV_REPLY_INTEGER:
        buf_printf(out, "%lld", r->integer);
        break;
    case AIKV_REPLY_ARRAY:
    case AIKV_REPLY_SET:
    case AIKV_REPLY_PUSH:
        for (size_t i = 0; i < r->elements; i++) {
            if (i > 0)
                buf_cats(out, "\n");
            format_raw(out, r->element[i]);
        }
        break;
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_ATTR:
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            if (i > 0)
                buf_cats(out, "\n");
            format_raw(out, r->element[i]);
            buf_cats(out, " ");
            format_raw(out, r->element[i + 1]);
        }
        break;
    default:
        buf_printf(out, "(unknown reply type %d)", r->type);
        break;
    }
}

void cli_format_reply(cli_buf *out, const aikv_reply_t *r, int mode, int verbatim)
{
    if (verbatim) {
        format_raw(out, r);
    } else if (mode == CLI_OUT_STANDARD) {
        format_tty(out, r, "");
    } else {
        format_raw(out, r);
        buf_cats(out, "\n");
    }
}
