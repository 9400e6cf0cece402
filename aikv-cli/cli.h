/*
 * cli.h -- the pieces of aikv-cli shared between its files.
 *
 *   format.c  replies to text, exactly as redis-cli 7 prints them
 *   conn.c    a connection: a server (TCP or unix socket) or a local store
 *   cli.c     options, one-shot and interactive modes
 */
#ifndef AIKV_CLI_H
#define AIKV_CLI_H

#include <stddef.h>

#include "../aikv.h"

/* ---------------------------------------------------------------- text */

/* A growing byte string, always NUL-terminated (p is NULL until the first
 * append). */
typedef struct cli_buf {
    char *p;
    size_t len, cap;
} cli_buf;

void buf_cat(cli_buf *b, const void *s, size_t n);
void buf_cats(cli_buf *b, const char *s);
__attribute__((format(printf, 2, 3))) void buf_printf(cli_buf *b, const char *fmt, ...);
void buf_free(cli_buf *b);

/* redis-cli's output modes. */
enum { CLI_OUT_STANDARD, CLI_OUT_RAW };

/* The text redis-cli prints for a reply: `mode` is CLI_OUT_STANDARD (the
 * "(integer) 1", `1) "a"` form) or CLI_OUT_RAW (a line delimiter is added).
 * `verbatim` is redis-cli's raw form for INFO, CLIENT LIST and the like:
 * raw, without a delimiter. */
void cli_format_reply(cli_buf *out, const aikv_reply_t *r, int mode, int verbatim);
/* Redis's sdscatrepr(): "..." with \n, \", \xHH escapes. */
void cli_repr(cli_buf *out, const char *s, size_t len);

/* ---------------------------------------------------------------- connection */

typedef struct cli_conn cli_conn;

/* Each returns NULL with a message in err (strerror / gai_strerror /
 * aikv_errmsg text) on failure. */
cli_conn *conn_tcp(const char *host, int port, char *err, size_t errlen);
cli_conn *conn_unix(const char *path, char *err, size_t errlen);
cli_conn *conn_local(const char *path, char *err, size_t errlen);

int conn_is_local(const cli_conn *c);
/* Sends one command (network: as a RESP multibulk). 0 or -1. */
int conn_send(cli_conn *c, int argc, const char *const *argv, const size_t *argvlen);
/* Blocks for the next reply. 0 with *out set (aikv_reply_free() it), or -1:
 * the connection is broken and conn_error() says why. */
int conn_recv(cli_conn *c, aikv_reply_t **out);
const char *conn_error(const cli_conn *c);
void conn_close(cli_conn *c);

#endif
