/*
 * resp.h -- RESP parsers: requests (server side) and replies (client side).
 *
 * Both are pure: they do no I/O. The caller feeds bytes and asks for the next
 * complete item; "not complete yet" is a normal answer. That makes them
 * testable by splitting any input at every byte offset.
 *
 * The reply writer lives in reply.h (commands write replies through it).
 */
#ifndef AK_RESP_H
#define AK_RESP_H

#include <stddef.h>
#include <sys/types.h>

#include "../../aikv.h"

/* ---------------------------------------------------------------- requests
 *
 * A request is a RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or an
 * inline command ("GET k\r\n", split like Redis's sdssplitargs(): spaces
 * separate, "double quotes" with \n \r \t \b \a \\ \" \xHH escapes,
 * 'single quotes' with \' only). An empty inline line is skipped (consumed,
 * no command).
 *
 * The parser keeps its state between calls, so a large request arriving in
 * many reads is scanned once: after AK_REQ_MORE, call again with the same
 * buffer start (the first byte of the request) and more bytes after it.
 * req->need says how many bytes the buffer must hold before another call can
 * make progress (a hint; calling earlier is allowed and just returns MORE).
 */
enum { AK_REQ_OK = 0, AK_REQ_MORE = 1, AK_REQ_ERR = -1 };

typedef struct ak_req_limits {
    size_t max_bulk;        /* proto-max-bulk-len: larger bulks are an error */
    long long max_multibulk; /* larger multibulk counts are an error */
    size_t max_inline;      /* an inline line longer than this is an error */
    int unauthenticated;    /* the client must still AUTH: Redis's tighter
                               limits (10 arguments, 16 KiB bulks) apply */
} ak_req_limits;

#define AK_REQ_UNAUTH_MULTIBULK 10
#define AK_REQ_UNAUTH_BULK 16384
#define AK_REQ_LIMITS_DEFAULT {512ull * 1024 * 1024, 1024LL * 1024 * 1024, 64 * 1024, 0}

typedef struct ak_req {
    /* Output, valid after AK_REQ_OK until the next call or ak_req_reset().
     * argv[i] points into the caller's buffer (multibulk) or into storage
     * owned by the parser (inline); each argv[i][argvlen[i]] is readable but
     * not necessarily NUL. */
    int argc;
    const char **argv;
    size_t *argvlen;
    const char *err; /* after AK_REQ_ERR: Redis's text, e.g.
                        "Protocol error: invalid multibulk length" */
    size_t need;     /* after AK_REQ_MORE: bytes the buffer should hold */

    /* Private state. */
    int argcap;
    size_t *argoff;   /* offsets of arguments from the request start */
    long long mbulk;  /* declared argument count; 0 = not started */
    size_t pos;       /* parse position from the request start */
    long long bulklen; /* length of the bulk being read; -1 = reading header */
    char *ibuf;       /* inline argument storage */
    size_t ibufcap;
} ak_req;

void ak_req_init(ak_req *r);
void ak_req_free(ak_req *r);
/* Forgets any partial request (e.g. after the server drops its buffer). */
void ak_req_reset(ak_req *r);

/* Parses one request from buf[0..len), buf being the first byte of the
 * request. Returns AK_REQ_OK with *consumed = the request's size (argc may be
 * 0 for a skipped empty inline line), AK_REQ_MORE (*consumed = 0), or
 * AK_REQ_ERR with r->err set. After OK or ERR the state is reset for the
 * next request. Redis's messages:
 *   "Protocol error: invalid multibulk length"
 *   "Protocol error: invalid bulk length"
 *   "Protocol error: expected '$', got 'X'"
 *   "Protocol error: too big mbulk count string"   (no CRLF within 64 KiB)
 *   "Protocol error: too big bulk count string"
 *   "Protocol error: too big inline request"
 *   "Protocol error: unbalanced quotes in request"
 */
int ak_req_parse(ak_req *r, const char *buf, size_t len, const ak_req_limits *lim,
                 size_t *consumed);

/* ---------------------------------------------------------------- replies
 *
 * Reads RESP2 and RESP3 replies into aikv_reply_t trees: + - : $ * and
 * _ , # ! = ( % ~ | > (attributes are returned as AIKV_REPLY_ATTR items on
 * their own). Nesting depth is bounded (AK_READER_MAX_DEPTH) without
 * recursion on the C stack.
 */
#define AK_READER_MAX_DEPTH 1024

typedef struct ak_reader ak_reader;

ak_reader *ak_reader_new(void);
void ak_reader_free(ak_reader *rd);
/* Appends bytes to the reader's buffer (copied). */
void ak_reader_feed(ak_reader *rd, const char *buf, size_t len);
/* 0: *out is the next complete reply (caller frees it) or NULL if none is
 * complete yet. -1: protocol error, ak_reader_error() says what; the reader
 * is unusable afterwards. */
int ak_reader_get(ak_reader *rd, aikv_reply_t **out);
const char *ak_reader_error(const ak_reader *rd);

/* Parses exactly one complete reply from buf[0..len) (e.g. a command's
 * reply buffer). NULL if the bytes are not exactly one reply. */
aikv_reply_t *ak_reply_parse(const char *buf, size_t len);

/* Reply tree constructors (used by the reader, and by tests). */
aikv_reply_t *ak_reply_new(int type);
aikv_reply_t *ak_reply_new_str(int type, const char *s, size_t len);

#endif
