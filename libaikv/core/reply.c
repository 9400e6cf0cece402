/*
 * reply.c -- RESP2/RESP3 writer into a growable buffer (see reply.h).
 *
 * Headers are formatted with a small integer printer instead of snprintf:
 * this is the hot path of every reply.
 */
#include "reply.h"

#include <string.h>

#include "../util/alloc.h"
#include "../util/num.h"
#include "../../aikv.h"

void ak_out_init(ak_out *o, int resp)
{
    o->buf = NULL;
    o->len = o->cap = 0;
    o->resp = resp;
}

void ak_out_free(ak_out *o)
{
    ak_free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

void ak_out_reserve(ak_out *o, size_t extra)
{
    if (o->cap - o->len >= extra)
        return;
    size_t cap = o->cap ? o->cap : 256;
    while (cap - o->len < extra)
        cap *= 2;
    o->buf = ak_realloc(o->buf, cap);
    o->cap = cap;
}

void ak_out_append(ak_out *o, const void *p, size_t n)
{
    if (n == 0)
        return;
    ak_out_reserve(o, n);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void ak_out_consume(ak_out *o, size_t n)
{
    if (n >= o->len) {
        o->len = 0;
        return;
    }
    memmove(o->buf, o->buf + n, o->len - n);
    o->len -= n;
}

/* "<c><n>\r\n" */
static void header(ak_out *o, char c, long long n)
{
    ak_out_reserve(o, 24);
    char *p = o->buf + o->len;
    *p++ = c;
    p += ak_ll2str(p, 21, n);
    *p++ = '\r';
    *p++ = '\n';
    o->len = (size_t)(p - o->buf);
}

void ak_out_status_len(ak_out *o, const char *s, size_t n)
{
    ak_out_reserve(o, n + 3);
    o->buf[o->len++] = '+';
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void ak_out_status(ak_out *o, const char *s)
{
    ak_out_status_len(o, s, strlen(s));
}

void ak_out_error_len(ak_out *o, const char *msg, size_t n)
{
    ak_out_reserve(o, n + 3);
    o->buf[o->len++] = '-';
    for (size_t i = 0; i < n; i++) {
        char c = msg[i];
        o->buf[o->len++] = (c == '\r' || c == '\n') ? ' ' : c;
    }
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void ak_out_integer(ak_out *o, long long v)
{
    header(o, ':', v);
}

void ak_out_bulk(ak_out *o, const void *p, size_t n)
{
    header(o, '$', (long long)n);
    ak_out_reserve(o, n + 2);
    if (n)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

void ak_out_bulk_cstr(ak_out *o, const char *s)
{
    ak_out_bulk(o, s, strlen(s));
}

void ak_out_bulk_ll(ak_out *o, long long v)
{
    char buf[24];
    size_t n = ak_ll2str(buf, sizeof buf, v);
    ak_out_bulk(o, buf, n);
}

void ak_out_null(ak_out *o)
{
    if (o->resp >= 3)
        ak_out_append(o, "_\r\n", 3);
    else
        ak_out_append(o, "$-1\r\n", 5);
}

void ak_out_null_array(ak_out *o)
{
    if (o->resp >= 3)
        ak_out_append(o, "_\r\n", 3);
    else
        ak_out_append(o, "*-1\r\n", 5);
}

void ak_out_array(ak_out *o, size_t n)
{
    header(o, '*', (long long)n);
}

void ak_out_empty_array(ak_out *o)
{
    ak_out_append(o, "*0\r\n", 4);
}

void ak_out_map(ak_out *o, size_t pairs)
{
    if (o->resp >= 3)
        header(o, '%', (long long)pairs);
    else
        header(o, '*', (long long)pairs * 2);
}

void ak_out_set(ak_out *o, size_t n)
{
    header(o, o->resp >= 3 ? '~' : '*', (long long)n);
}

void ak_out_push(ak_out *o, size_t n)
{
    header(o, o->resp >= 3 ? '>' : '*', (long long)n);
}

void ak_out_double(ak_out *o, double d)
{
    char buf[64];
    size_t n = ak_d2str(buf, sizeof buf, d);
    if (o->resp >= 3) {
        ak_out_reserve(o, n + 3);
        o->buf[o->len++] = ',';
        memcpy(o->buf + o->len, buf, n);
        o->len += n;
        o->buf[o->len++] = '\r';
        o->buf[o->len++] = '\n';
    } else {
        ak_out_bulk(o, buf, n);
    }
}

void ak_out_bool(ak_out *o, int b)
{
    if (o->resp >= 3)
        ak_out_append(o, b ? "#t\r\n" : "#f\r\n", 4);
    else
        ak_out_integer(o, b ? 1 : 0);
}

void ak_out_verbatim(ak_out *o, const char *p, size_t n)
{
    if (o->resp < 3) {
        ak_out_bulk(o, p, n);
        return;
    }
    header(o, '=', (long long)n + 4);
    ak_out_reserve(o, n + 6);
    memcpy(o->buf + o->len, "txt:", 4);
    o->len += 4;
    if (n)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

size_t ak_out_defer(ak_out *o)
{
    return o->len;
}

void ak_out_set_deferred(ak_out *o, size_t mark, char kind, size_t n)
{
    char hdr[32];
    if (o->resp < 3) {
        if (kind == '%')
            n *= 2;
        kind = '*';
    }
    hdr[0] = kind;
    size_t h = 1 + ak_ll2str(hdr + 1, 21, (long long)n);
    hdr[h++] = '\r';
    hdr[h++] = '\n';
    ak_out_reserve(o, h);
    memmove(o->buf + mark + h, o->buf + mark, o->len - mark);
    memcpy(o->buf + mark, hdr, h);
    o->len += h;
}

void ak_out_reply(ak_out *o, const aikv_reply_t *r)
{
    switch (r->type) {
    case AIKV_REPLY_STRING:
        ak_out_bulk(o, r->str, r->len);
        return;
    case AIKV_REPLY_STATUS:
        ak_out_status_len(o, r->str, r->len);
        return;
    case AIKV_REPLY_ERROR:
        ak_out_error_len(o, r->str, r->len);
        return;
    case AIKV_REPLY_INTEGER:
        ak_out_integer(o, r->integer);
        return;
    case AIKV_REPLY_NIL:
        ak_out_null(o);
        return;
    case AIKV_REPLY_DOUBLE:
        ak_out_double(o, r->dval);
        return;
    case AIKV_REPLY_BOOL:
        ak_out_bool(o, (int)r->integer);
        return;
    case AIKV_REPLY_BIGNUM:
        if (o->resp >= 3) {
            ak_out_append(o, "(", 1);
            ak_out_append(o, r->str, r->len);
            ak_out_append(o, "\r\n", 2);
        } else {
            ak_out_bulk(o, r->str, r->len);
        }
        return;
    case AIKV_REPLY_VERB:
        ak_out_verbatim(o, r->str, r->len);
        return;
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_ATTR:
        ak_out_map(o, r->elements / 2);
        break;
    case AIKV_REPLY_SET:
        ak_out_set(o, r->elements);
        break;
    case AIKV_REPLY_PUSH:
        ak_out_push(o, r->elements);
        break;
    default:
        ak_out_array(o, r->elements);
        break;
    }
    for (size_t i = 0; i < r->elements; i++)
        ak_out_reply(o, r->element[i]);
}
