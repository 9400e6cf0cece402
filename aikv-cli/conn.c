/*
 * conn.c -- where aikv-cli's commands go: a server or a local store.
 *
 * A network connection is a blocking socket (TCP through getaddrinfo, every
 * address tried in turn, or a unix socket). Commands are written whole as
 * RESP multibulks and replies are read with the library's streaming reader,
 * so a reply may arrive in any number of reads.
 *
 * A local connection (--file) owns a store opened with aikv_open() and one
 * session on it; conn_send() runs the command at once and keeps its reply
 * for conn_recv(), so the rest of the cli cannot tell the two apart.
 */
#include "cli.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../libaikv/core/resp.h"

struct cli_conn {
    int fd; /* -1 for a local store */
    ak_reader *rd;
    aikv_db_t *db;
    aikv_session_t *session;
    aikv_reply_t *pending; /* local: the reply of the last command sent */
    char err[256];
};

static cli_conn *conn_new(void)
{
    cli_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        fputs("aikv-cli: out of memory\n", stderr);
        exit(1);
    }
    c->fd = -1;
    return c;
}

static int connect_retry(int fd, const struct sockaddr *sa, socklen_t len)
{
    int rc;
    do
        rc = connect(fd, sa, len);
    while (rc < 0 && errno == EINTR);
    return rc;
}

cli_conn *conn_tcp(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints, *res, *ai;
    char portstr[16];
    int fd = -1, saved = ECONNREFUSED;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rc));
        return NULL;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect_retry(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(saved));
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    cli_conn *c = conn_new();
    c->fd = fd;
    c->rd = ak_reader_new();
    return c;
}

cli_conn *conn_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s", strerror(ENAMETOOLONG));
        return NULL;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect_retry(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    cli_conn *c = conn_new();
    c->fd = fd;
    c->rd = ak_reader_new();
    return c;
}

cli_conn *conn_local(const char *path, char *err, size_t errlen)
{
    aikv_db_t *db = NULL;
    int rc = aikv_open(path, NULL, &db);
    if (rc != AIKV_OK) {
        const char *msg = aikv_errmsg(NULL);
        snprintf(err, errlen, "%s", msg && *msg ? msg : aikv_errstr(rc));
        return NULL;
    }
    aikv_session_t *s = aikv_session_new(db);
    if (!s) {
        snprintf(err, errlen, "%s", aikv_errstr(AIKV_NOMEM));
        aikv_close(db);
        return NULL;
    }
    cli_conn *c = conn_new();
    c->db = db;
    c->session = s;
    return c;
}

int conn_is_local(const cli_conn *c)
{
    return c->fd < 0;
}

const char *conn_error(const cli_conn *c)
{
    return c->err;
}

static int write_all(cli_conn *c, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(c->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int conn_send(cli_conn *c, int argc, const char *const *argv, const size_t *argvlen)
{
    if (conn_is_local(c)) {
        aikv_reply_free(c->pending);
        c->pending = aikv_command_argv(c->session, argc, argv, argvlen);
        if (!c->pending) {
            const char *msg = aikv_errmsg(c->db);
            snprintf(c->err, sizeof(c->err), "%s", msg && *msg ? msg : "command failed");
            return -1;
        }
        return 0;
    }
    cli_buf b = {0};
    buf_printf(&b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen ? argvlen[i] : strlen(argv[i]);
        buf_printf(&b, "$%zu\r\n", len);
        buf_cat(&b, argv[i], len);
        buf_cat(&b, "\r\n", 2);
    }
    int rc = write_all(c, b.p, b.len);
    buf_free(&b);
    return rc;
}

int conn_recv(cli_conn *c, aikv_reply_t **out)
{
    *out = NULL;
    if (conn_is_local(c)) {
        if (!c->pending) {
            snprintf(c->err, sizeof(c->err), "no reply");
            return -1;
        }
        *out = c->pending;
        c->pending = NULL;
        return 0;
    }
    for (;;) {
        if (ak_reader_get(c->rd, out) != 0) {
            snprintf(c->err, sizeof(c->err), "%s", ak_reader_error(c->rd));
            return -1;
        }
        if (*out)
            return 0;
        char buf[16 * 1024];
        ssize_t n = read(c->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(c->err, sizeof(c->err), "Server closed the connection");
            return -1;
        }
        ak_reader_feed(c->rd, buf, (size_t)n);
    }
}

void conn_close(cli_conn *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    ak_reader_free(c->rd);
    aikv_reply_free(c->pending);
    aikv_session_free(c->session);
    aikv_close(c->db);
    free(c);
}
