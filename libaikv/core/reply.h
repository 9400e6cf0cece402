/*
 * reply.h -- the reply writer: RESP2/RESP3 into a growable buffer.
 *
 * Every command writes its reply through these functions and never knows who
 * reads it: the server sends the buffer to the socket as it is, an embedded
 * session (aikv_command) parses it into an aikv_reply_t tree with the RESP
 * reader, and scripts will turn it into Lua values the same way. One writer,
 * one reader, so the three consumers cannot disagree about a reply's shape.
 *
 * The protocol version decides the RESP3-only types: in RESP2 a map is an
 * array of 2n elements, a set an array, a double a bulk string, a null a
 * null bulk ($-1) or null array (*-1), a boolean an integer.
 */
#ifndef AK_REPLY_H
#define AK_REPLY_H

#include <stddef.h>
#include <stdint.h>

typedef struct ak_out {
    char *buf;
    size_t len, cap;
    int resp; /* 2 or 3 */
} ak_out;

void ak_out_init(ak_out *o, int resp);
void ak_out_free(ak_out *o);
void ak_out_reserve(ak_out *o, size_t extra);
void ak_out_append(ak_out *o, const void *p, size_t n);
/* Drops the first n bytes (after a partial write). */
void ak_out_consume(ak_out *o, size_t n);

void ak_out_status(ak_out *o, const char *s);
void ak_out_status_len(ak_out *o, const char *s, size_t n);
/* msg is the whole error text with its code first ("ERR syntax error",
 * "WRONGTYPE ..."); CR and LF in it become spaces. */
void ak_out_error_len(ak_out *o, const char *msg, size_t n);
void ak_out_integer(ak_out *o, long long v);
void ak_out_bulk(ak_out *o, const void *p, size_t n);
void ak_out_bulk_cstr(ak_out *o, const char *s);
void ak_out_bulk_ll(ak_out *o, long long v);
void ak_out_null(ak_out *o);       /* $-1 / _ */
void ak_out_null_array(ak_out *o); /* *-1 / _ */
void ak_out_array(ak_out *o, size_t n);
void ak_out_map(ak_out *o, size_t pairs);
void ak_out_set(ak_out *o, size_t n);
void ak_out_push(ak_out *o, size_t n);
void ak_out_double(ak_out *o, double d);
void ak_out_bool(ak_out *o, int b);
/* Verbatim string (RESP3 "=", type "txt"); a bulk string in RESP2. */
void ak_out_verbatim(ak_out *o, const char *p, size_t n);
void ak_out_empty_array(ak_out *o);

/* Writes a reply tree (aikv.h's aikv_reply_t) in o's protocol: RESP3 types
 * fall back to their RESP2 shapes as the writers above do. */
struct aikv_reply;
void ak_out_reply(ak_out *o, const struct aikv_reply *r);

/* Deferred aggregate length, for replies whose size is known only at the end:
 * ak_out_defer() marks the place, ak_out_set_deferred() writes the header
 * there. kind is '*' (array), '%' (map: n = pairs) or '~' (set). */
size_t ak_out_defer(ak_out *o);
void ak_out_set_deferred(ak_out *o, size_t mark, char kind, size_t n);

#endif
