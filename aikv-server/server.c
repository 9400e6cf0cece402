/*
 * server.c -- connections and the event loop.
 *
 * One thread, like Redis. Each connection owns a query buffer and a
 * session; the session's reply buffer is the connection's output buffer.
 * A read event parses every complete command in the query buffer and runs
 * them in order (pipelining), then the replies go out in one write; only
 * when the socket cannot take them all is a write event armed.
 *
 * Invariants:
 *   - qbuf[qpos..qlen) is unparsed input; qpos is the start of the request
 *     the parser is working on (its state survives between reads).
 *   - sess->out.buf[wpos..len) is output not yet written.
 *   - A connection is freed only from its own event handlers or from the
 *     deferred-close list, never while a command is running.
 *   - Group commit: with an engine that has transactions, everything the
 *     commands of one event-loop turn write is one transaction, committed
 *     after the turn (end_turn); the replies of that turn (from turn_mark
 *     on) leave only after the commit, so every acknowledged write is
 *     durable. If the commit fails, each of those commands gets the error
 *     instead of its reply.
 *   - Blocking commands (libaikv/core/block.c): a connection whose command
 *     blocked runs nothing more (its input waits in the query buffer) until
 *     the library says the command ended (conn_unblocked: served by another
 *     client's write, its timer, CLIENT UNBLOCK). It is then resumed after
 *     the current event (resume_unblocked): its reply leaves like any other
 *     (after the commit when serving it wrote), then its pipelined input
 *     runs.
 *   - Output buffer limits (client-output-buffer-limit, class normal) are
 *     checked after every command's reply is appended, as Redis checks them
 *     on every append: a client over its limit runs nothing more, is never
 *     written to again, and is closed at the end of the current event. Its
 *     buffer therefore stays within the limit plus one reply.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "libaikv/core/command.h"
#include "libaikv/core/persist.h"
#include "libaikv/script/script.h"
#include "libaikv/util/alloc.h"
#include "libaikv/util/clock.h"
#include "log.h"

#define READ_CHUNK (16 * 1024)

struct conn {
    server *srv;
    int fd;
    int unix_socket;
    int local; /* loopback or unix socket: may use DEBUG with enable-debug-command local */
    struct event *rev, *wev;
    char *qbuf;
    size_t qlen, qcap, qpos;
    ak_req req;
    ak_session *sess;
    size_t wpos;
    int close_after_write; /* QUIT, protocol error, CLIENT KILL of itself */
    int killed;            /* on the deferred-close list */
    int64_t obuf_soft_since; /* when the output first exceeded the soft limit (s); 0: it does not */
    char addr[64], laddr[64];
    conn *prev, *next;
    conn *close_next;
    /* Group commit: on srv->pending with turn_cmds commands run this turn,
     * whose replies start at turn_mark in the output buffer. */
    int pending;
    int turn_cmds;
    int turn_wrote; /* one of them wrote (the dataset's dirty counter moved) */
    size_t turn_mark;
    conn *pending_next;
    /* Blocking commands: the timer of the deadline, and the resume list. */
    struct event *tev;
    int resume_queued;
    conn *resume_next;
};

static void conn_free(conn *c);
static void conn_write(conn *c);

/* ---------------------------------------------------------------- session hooks */

static void conn_info(void *p, ak_conn_info *ci)
{
    conn *c = p;
    snprintf(ci->addr, sizeof ci->addr, "%s", c->addr);
    snprintf(ci->laddr, sizeof ci->laddr, "%s", c->laddr);
    ci->fd = c->fd;
    ci->qbuf = c->qlen - c->qpos;
    ci->qbuf_free = c->qcap - c->qlen;
    ci->obl = c->sess->out.len - c->wpos;
    ci->omem = c->sess->out.cap;
    ci->local = c->local;
    ci->events = c->wev && event_pending(c->wev, EV_WRITE, NULL) ? "rw" : "r";
}

static void conn_kill(void *p)
{
    conn *c = p;
    if (c->killed)
        return;
    c->killed = 1;
    c->close_next = c->srv->to_close;
    c->srv->to_close = c;
}

/* The library's word that c's blocking command ended, its reply in the
 * output buffer from mark: the reply joins the turn's (after the commit,
 * like any reply of the turn) and c is resumed after the current event. */
static void conn_unblocked(void *p, size_t mark, int wrote)
{
    conn *c = p;
    server *srv = c->srv;
    if (c->tev)
        event_del(c->tev);
    if (srv->st->group_commit) {
        if (!c->pending) {
            c->pending = 1;
            c->turn_cmds = 1;
            c->turn_wrote = 0;
            c->turn_mark = mark;
            c->pending_next = srv->pending;
            srv->pending = c;
        }
        if (wrote)
            c->turn_wrote = 1;
    }
    if (!c->resume_queued) {
        c->resume_queued = 1;
        c->resume_next = srv->resume;
        srv->resume = c;
    }
}

static const ak_conn_ops conn_ops = {conn_info, conn_kill, conn_unblocked};

static void close_killed(server *srv)
{
    while (srv->to_close) {
        conn *c = srv->to_close;
        srv->to_close = c->close_next;
        conn_free(c);
    }
}

/* ---------------------------------------------------------------- connections */

static void format_addr(const struct sockaddr_storage *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
        port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
        port = ntohs(s->sin6_port);
    }
    snprintf(buf, len, "%s:%d", host, port);
}

static int is_loopback(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) ||
               (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 1; /* unix socket */
}

/* Takes c off a singly-linked list of connections linked through the
 * conn pointer at offset `link` of each (pending_next, resume_next...). */
static void unlink_from(conn **head, conn *c, size_t link)
{
    for (conn **p = head; *p; p = (conn **)((char *)*p + link)) {
        if (*p == c) {
            *p = *(conn **)((char *)c + link);
            return;
        }
    }
}

/* Off every list of the server but the connections' own (conn_free): the
 * turn's pending replies, the connections to resume, and the deferred
 * closes -- c may go before close_killed() reaches it, when its own read
 * sees the client leave in the same turn as a CLIENT KILL of it. */
static void unlink_lists(conn *c)
{
    server *srv = c->srv;
    if (c->pending)
        unlink_from(&srv->pending, c, offsetof(conn, pending_next));
    if (c->resume_queued)
        unlink_from(&srv->resume, c, offsetof(conn, resume_next));
    if (c->killed)
        unlink_from(&srv->to_close, c, offsetof(conn, close_next));
    c->pending = c->resume_queued = 0;
}

static void conn_free(conn *c)
{
    server *srv = c->srv;
    unlink_lists(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    event_free(c->rev);
    event_free(c->wev);
    if (c->tev)
        event_free(c->tev);
    close(c->fd);
    ak_session_destroy(c->sess);
    ak_req_free(&c->req);
    ak_free(c->qbuf);
    ak_free(c);
}

/* A one-off error sent on a connection that is refused (maxclients,
 * protected mode): best effort, then close. */
static void refuse(int fd, const char *msg)
{
    ssize_t w = write(fd, msg, strlen(msg));
    (void)w;
    close(fd);
}

static void on_read(evutil_socket_t fd, short what, void *arg);
static void on_write(evutil_socket_t fd, short what, void *arg);

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    server *srv = arg;
    ak_store *st = srv->st;
    for (int burst = 0; burst < 1000; burst++) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_msg(AK_LOG_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        int is_unix = sa.ss_family == AF_UNIX;
        if ((long long)st->nclients >= st->cfg.maxclients) {
            st->stats.rejected_connections++;
            refuse(fd, "-ERR max number of clients reached\r\n");
            continue;
        }
        if (st->cfg.protected_mode && !st->cfg.requirepass[0] && !is_loopback(&sa)) {
            st->stats.rejected_connections++;
            refuse(fd, "-DENIED AiKv is running in protected mode because protected mode is "
                       "enabled and no password is set for the default user. In this mode "
                       "connections are only accepted from the loopback interface. Set a "
                       "password with 'requirepass', or disable protected mode with "
                       "'--protected-mode no', or bind only to trusted interfaces.\r\n");
            continue;
        }
        if (!is_unix) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (st->cfg.tcp_keepalive > 0) {
                int idle = st->cfg.tcp_keepalive, intvl = idle / 3 ? idle / 3 : 1, cnt = 3;
                setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
            }
        }
        conn *c = ak_calloc(1, sizeof *c);
        c->srv = srv;
        c->fd = fd;
        c->unix_socket = is_unix;
        c->local = is_loopback(&sa);
        ak_req_init(&c->req);
        if (is_unix) {
            snprintf(c->addr, sizeof c->addr, "%s:0", srv->unixsocket_path);
            snprintf(c->laddr, sizeof c->laddr, "%s:0", srv->unixsocket_path);
        } else {
            format_addr(&sa, c->addr, sizeof c->addr);
            struct sockaddr_storage la;
            socklen_t lalen = sizeof la;
            if (getsockname(fd, (struct sockaddr *)&la, &lalen) == 0)
                format_addr(&la, c->laddr, sizeof c->laddr);
        }
        c->sess = ak_session_create(st, 0, c, &conn_ops);
        c->rev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_read, c);
        c->wev = event_new(srv->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
        event_add(c->rev, NULL);
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        st->stats.connections++;
        log_msg(AK_LOG_VERBOSE, "Accepted %s", c->addr);
    }
}

/* ---------------------------------------------------------------- output buffer limits */

/* Redis never counts its 16 KiB static reply buffer against the limits
 * (only the reply list that overflows it), so a client with small replies
 * is never closed however low the limits are set. */
#define OBUF_UNCOUNTED (16 * 1024)

/* Redis's checkClientOutputBufferLimits(): the unwritten output beyond
 * OBUF_UNCOUNTED reaches the hard limit, or has stayed at or over the soft
 * limit for more than soft-seconds (whole seconds, counted from the first
 * check that saw it). */
static int obuf_over_limit(conn *c)
{
    const ak_obuf_limit *lim = &c->srv->st->cfg.obuf_limits[AK_OBUF_NORMAL];
    size_t pending = c->sess->out.len - c->wpos;
    size_t used = pending > OBUF_UNCOUNTED ? pending - OBUF_UNCOUNTED : 0;
    int hard = lim->hard && used >= lim->hard;
    int soft = lim->soft && used >= lim->soft;
    if (!soft) {
        c->obuf_soft_since = 0;
        return hard;
    }
    int64_t now = ak_mstime() / 1000;
    if (!c->obuf_soft_since) {
        c->obuf_soft_since = now;
        return hard;
    }
    return hard || now - c->obuf_soft_since > lim->soft_seconds;
}

/* Schedules c's close (conn_kill: after the current event, never while its
 * own command runs), with Redis's log line and INFO counter. */
static void obuf_close(conn *c)
{
    ak_session *s = c->sess;
    char cmd[96] = "NULL";
    if (s->lastcmd)
        ak_cmd_fullname(s->lastcmd, cmd, sizeof cmd);
    int64_t now = ak_mstime();
    log_msg(AK_LOG_WARNING,
            "Client id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld db=%d qbuf=%zu "
            "obl=%zu omem=%zu cmd=%s scheduled to be closed ASAP for overcoming of output "
            "buffer limits.",
            (unsigned long long)s->id, c->addr, c->laddr, c->fd, s->name ? s->name : "",
            (long long)(now - s->ctime_ms) / 1000, (long long)(now - s->last_ms) / 1000, s->db,
            c->qlen - c->qpos, s->out.len - c->wpos, s->out.cap, cmd);
    c->srv->st->stats.client_outbuf_limit_disconnections++;
    conn_kill(c);
}

/* ---------------------------------------------------------------- input */

static void protocol_error(conn *c, const char *err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "ERR %s", err);
    ak_out_error_len(&c->sess->out, msg, strlen(msg));
    log_msg(AK_LOG_VERBOSE, "Protocol error (%s) from client: %s", err, c->addr);
    c->close_after_write = 1;
}

/* ---------------------------------------------------------------- blocking */

static void on_block_timeout(evutil_socket_t fd, short what, void *arg);

/* c's command blocked: a timer for its deadline, if it has one. */
static void arm_block_timer(conn *c)
{
    int64_t deadline = ak_block_deadline(c->sess);
    if (!deadline)
        return;
    if (!c->tev)
        c->tev = evtimer_new(c->srv->base, on_block_timeout, c);
    int64_t ms = deadline - ak_mstime();
    if (ms < 0)
        ms = 0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    evtimer_add(c->tev, &tv);
}

static void on_block_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn *c = arg;
    ak_store *st = c->srv->st;
    if (ak_mstime() < ak_block_deadline(c->sess)) {
        arm_block_timer(c); /* the wall clock is behind the timer's */
        return;
    }
    ak_store_lock(st);
    ak_block_cancel(c->sess, 0); /* conn_unblocked queues the resume */
    ak_store_unlock(st);
}

static void process_input(conn *c);

/* Connections whose blocking command ended: their pipelined input runs
 * now (it may block again), and their replies leave, unless they wait for
 * the turn's commit (end_turn). */
static void resume_unblocked(server *srv)
{
    while (srv->resume) {
        conn *c = srv->resume;
        srv->resume = c->resume_next;
        c->resume_queued = 0;
        if (c->killed)
            continue;
        process_input(c);
        if (c->pending || c->killed)
            continue;
        conn_write(c);
        if (c->close_after_write && c->wpos >= c->sess->out.len)
            conn_free(c);
    }
    close_killed(srv);
}

/* Runs every complete request in the query buffer. */
static void process_input(conn *c)
{
    ak_store *st = c->srv->st;
    ak_req_limits lim = AK_REQ_LIMITS_DEFAULT;
    lim.max_bulk = (size_t)st->cfg.proto_max_bulk_len;
    while (c->qpos < c->qlen && !c->close_after_write && !c->killed &&
           !(c->sess->flags & AK_CLIENT_BLOCKED)) {
        size_t used = 0;
        lim.unauthenticated = !c->sess->authenticated;
        int rc = ak_req_parse(&c->req, c->qbuf + c->qpos, c->qlen - c->qpos, &lim, &used);
        if (rc == AK_REQ_MORE)
            break;
        if (rc == AK_REQ_ERR) {
            protocol_error(c, c->req.err);
            break;
        }
        if (c->req.argc > 0) {
            /* While a script is busy only allow_busy commands run, and
             * none of them writes: their replies need no commit. */
            if (st->group_commit && !c->pending && !c->srv->busy) {
                c->pending = 1;
                c->turn_cmds = 0;
                c->turn_wrote = 0;
                c->turn_mark = c->sess->out.len;
                c->pending_next = c->srv->pending;
                c->srv->pending = c;
            }
            c->turn_cmds++;
            uint64_t dirty = st->stats.dirty;
            ak_session_exec(c->sess, c->req.argc, c->req.argv, c->req.argvlen);
            if (st->stats.dirty != dirty)
                c->turn_wrote = 1;
            if (c->sess->flags & AK_CLIENT_BLOCKED)
                arm_block_timer(c);
            if (c->sess->flags & AK_CLIENT_CLOSE_AFTER_REPLY)
                c->close_after_write = 1;
            if (obuf_over_limit(c))
                obuf_close(c);
        }
        c->qpos += used;
    }
    /* Keep the unparsed tail at the front of the buffer. */
    if (c->qpos > 0) {
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    ak_store *st = c->srv->st;
    /* Room for at least a chunk, or for the whole bulk being read. */
    size_t want = READ_CHUNK;
    if (c->req.need > c->qlen - c->qpos && c->req.need - (c->qlen - c->qpos) > want)
        want = c->req.need - (c->qlen - c->qpos);
    if (c->qcap - c->qlen < want) {
        size_t cap = c->qcap ? c->qcap : READ_CHUNK;
        while (cap - c->qlen < want)
            cap *= 2;
        c->qbuf = ak_realloc(c->qbuf, cap);
        c->qcap = cap;
    }
    /* Read what was asked for, not the whole spare capacity: the query
     * buffer limit is checked per read, as Redis does. */
    ssize_t n = read(fd, c->qbuf + c->qlen, want);
    if (n == 0) {
        log_msg(AK_LOG_VERBOSE, "Client closed connection %s", c->addr);
        conn_free(c);
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        log_msg(AK_LOG_VERBOSE, "Reading from client: %s", strerror(errno));
        conn_free(c);
        return;
    }
    c->qlen += (size_t)n;
    st->stats.net_input_bytes += (uint64_t)n;
    /* Like Redis, only input not yet parsed into arguments counts: a long
     * pipeline of small commands, or a command with many arguments, is fine. */
    size_t pending = c->qlen - c->qpos - c->req.pos;
    if ((unsigned long long)pending > (unsigned long long)st->cfg.client_query_buffer_limit) {
        log_msg(AK_LOG_WARNING, "Closing client that reached max query buffer length: %s",
                c->addr);
        st->stats.client_qbuf_limit_disconnections++;
        conn_free(c);
        return;
    }
    process_input(c);
    if (c->pending)
        return; /* end_turn() writes after the commit */
    /* Killed here means over its output buffer limit: nothing more is
     * written to it, and close_killed() frees it. */
    int killed = c->killed;
    if (!killed)
        conn_write(c);
    close_killed(c->srv);
    if (killed)
        return;
    /* conn_write may have decided to close. */
    if (c->close_after_write && c->wpos >= c->sess->out.len)
        conn_free(c);
}

/* ---------------------------------------------------------------- output */

static void conn_write(conn *c)
{
    ak_out *o = &c->sess->out;
    /* Replies of an uncommitted turn stay in the buffer. */
    size_t end = c->pending ? c->turn_mark : o->len;
    while (c->wpos < end) {
        ssize_t n = write(c->fd, o->buf + c->wpos, end - c->wpos);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            log_msg(AK_LOG_VERBOSE, "Error writing to client: %s", strerror(errno));
            c->wpos = o->len = 0;
            c->close_after_write = 1;
            return;
        }
        c->wpos += (size_t)n;
        c->srv->st->stats.net_output_bytes += (uint64_t)n;
    }
    if (c->pending) {
        if (c->wpos < end && !event_pending(c->wev, EV_WRITE, NULL))
            event_add(c->wev, NULL);
        else if (c->wpos >= end && event_pending(c->wev, EV_WRITE, NULL))
            event_del(c->wev);
        return;
    }
    if (c->wpos >= o->len) {
        o->len = c->wpos = 0;
        /* Give back a buffer that a large reply grew. */
        if (o->cap > 1024 * 1024)
            ak_out_free(o);
        if (event_pending(c->wev, EV_WRITE, NULL))
            event_del(c->wev);
    } else {
        if (c->wpos > o->len / 2) {
            ak_out_consume(o, c->wpos);
            c->wpos = 0;
        }
        if (!event_pending(c->wev, EV_WRITE, NULL))
            event_add(c->wev, NULL);
    }
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    conn_write(c);
    if (c->close_after_write && c->wpos >= c->sess->out.len)
        conn_free(c);
}

/* ---------------------------------------------------------------- listeners */

static int add_listener(server *srv, int fd)
{
    if (srv->nlisteners == MAX_LISTENERS) {
        close(fd);
        return -1;
    }
    struct event *ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_accept, srv);
    event_add(ev, NULL);
    srv->listeners[srv->nlisteners] = ev;
    srv->listen_fds[srv->nlisteners++] = fd;
    return 0;
}

static int listen_tcp(server *srv, const char *host, int port, int backlog)
{
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    const char *h = strcmp(host, "*") == 0 ? "0.0.0.0" : strcmp(host, "::*") == 0 ? "::" : host;
    int rc = getaddrinfo(h, portstr, &hints, &res);
    if (rc != 0) {
        log_msg(AK_LOG_WARNING, "Invalid bind address '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        int err = errno;
        close(fd);
        freeaddrinfo(res);
        errno = err;
        return -1;
    }
    freeaddrinfo(res);
    return add_listener(srv, fd);
}

static int listen_unix(server *srv, const char *path, int perm, int backlog)
{
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof sa.sun_path) {
        log_msg(AK_LOG_WARNING, "unixsocket path too long: %s", path);
        return -1;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
        log_msg(AK_LOG_WARNING, "Failed opening Unix socket %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (perm)
        chmod(path, (mode_t)perm);
    srv->unixsocket_path = ak_strdup(path);
    return add_listener(srv, fd);
}

int server_listen(server *srv)
{
    ak_config *cfg = &srv->st->cfg;
    if (cfg->port > 0) {
        char *bind = ak_strdup(cfg->bind);
        int bound = 0;
        for (char *save = NULL, *tok = strtok_r(bind, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save)) {
            int optional = tok[0] == '-';
            const char *host = optional ? tok + 1 : tok;
            if (listen_tcp(srv, host, cfg->port, cfg->tcp_backlog) == 0) {
                bound++;
                continue;
            }
            if (optional && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT ||
                             errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT ||
                             errno == EINVAL))
                continue;
            log_msg(AK_LOG_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s",
                    host, cfg->port, strerror(errno));
            ak_free(bind);
            return -1;
        }
        ak_free(bind);
        if (!bound) {
            log_msg(AK_LOG_WARNING, "Failed listening on port %d (tcp), aborting.", cfg->port);
            return -1;
        }
        srv->st->tcp_port_bound = cfg->port;
    }
    if (cfg->unixsocket[0] &&
        listen_unix(srv, cfg->unixsocket, cfg->unixsocketperm, cfg->tcp_backlog) != 0)
        return -1;
    if (srv->nlisteners == 0) {
        log_msg(AK_LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- busy scripts */

static int conn_alive(server *srv, conn *c)
{
    for (conn *x = srv->conns; x; x = x->next)
        if (x == c)
            return 1;
    return 0;
}

/* One non-blocking round over the sockets: new connections, input, and
 * output waiting for room. libevent cannot be re-entered from inside one
 * of its callbacks (the script runs in one), so this polls the sockets
 * itself and calls the same handlers. */
static void busy_poll(server *srv, conn *running)
{
    size_t n = (size_t)srv->nlisteners, k = 0;
    for (conn *c = srv->conns; c; c = c->next)
        n++;
    struct pollfd *fds = ak_malloc(n * sizeof *fds);
    conn **who = ak_malloc(n * sizeof *who);
    for (int i = 0; i < srv->nlisteners; i++) {
        fds[k] = (struct pollfd){srv->listen_fds[i], POLLIN, 0};
        who[k++] = NULL;
    }
    for (conn *c = srv->conns; c; c = c->next) {
        if (c == running || c->killed)
            continue;
        short events = POLLIN;
        if (event_pending(c->wev, EV_WRITE, NULL))
            events |= POLLOUT;
        fds[k] = (struct pollfd){c->fd, events, 0};
        who[k++] = c;
    }
    if (poll(fds, (nfds_t)k, 0) > 0) {
        /* Listeners come first: nothing accepted this round can take the
         * place of a connection freed this round. */
        for (size_t i = 0; i < k; i++) {
            short re = fds[i].revents;
            if (!re)
                continue;
            if (!who[i])
                on_accept(fds[i].fd, EV_READ, srv);
            else if (!conn_alive(srv, who[i]))
                continue;
            else if (re & (POLLIN | POLLHUP | POLLERR))
                on_read(fds[i].fd, EV_READ, who[i]);
            else if (re & POLLOUT)
                on_write(fds[i].fd, EV_WRITE, who[i]);
        }
    }
    ak_free(fds);
    ak_free(who);
}

/* A script went busy in the middle of a group-commit turn: the turn stays
 * open until the script ends, but the connections of the turn that only
 * read have nothing waiting for the commit -- their replies go now, as
 * Redis writes replies while a script is busy. Those that wrote keep theirs
 * until the commit. */
static void release_readers(server *srv, conn *running)
{
    for (conn **p = &srv->pending; *p;) {
        conn *c = *p;
        if (c == running || c->turn_wrote || c->killed) {
            p = &c->pending_next;
            continue;
        }
        *p = c->pending_next;
        c->pending = 0;
        conn_write(c);
    }
}

/* The store's busy hook (libaikv/script/script.h): a script has run past
 * busy-reply-threshold, and as Redis's processEventsWhileBlocked() the
 * server keeps serving the other clients, whose commands get -BUSY from
 * dispatch unless they are allow_busy (SCRIPT KILL, SHUTDOWN NOSAVE...).
 * The script's own connection is protected meanwhile (Redis's
 * protectClient): neither read nor written, so it cannot go away under
 * the script. No timers run (cron, idle timeout), as in Redis. Returns 1
 * once a shutdown is under way: the script is then stopped. */
static int on_script_busy(void *arg, ak_session *running, int phase)
{
    server *srv = arg;
    conn *rc = running ? running->conn : NULL;
    switch (phase) {
    case AK_BUSY_START:
        srv->busy = 1;
        if (rc) {
            event_del(rc->rev);
            event_del(rc->wev);
        }
        release_readers(srv, rc);
        break;
    case AK_BUSY_POLL:
        busy_poll(srv, rc);
        break;
    case AK_BUSY_END:
        srv->busy = 0;
        if (rc)
            event_add(rc->rev, NULL); /* its output is written when the command ends */
        break;
    }
    return srv->shutdown_asap;
}

/* ---------------------------------------------------------------- loop */

static void on_cron(evutil_socket_t fd, short what, void *arg)
{
    server *srv = arg;
    ak_store *st = srv->st;
    ak_store_lock(st);
    ak_store_cron(st);
    ak_store_unlock(st);
    /* Idle clients past `timeout` seconds; a client waiting in a blocking
     * command is not idle (its own timeout governs it), as in Redis. */
    if (st->cfg.timeout > 0) {
        int64_t now = ak_mstime();
        for (conn *c = srv->conns, *next; c; c = next) {
            next = c->next;
            if (now - c->sess->last_ms > (int64_t)st->cfg.timeout * 1000 && !c->killed &&
                !(c->sess->flags & AK_CLIENT_BLOCKED)) {
                log_msg(AK_LOG_VERBOSE, "Closing idle client");
                conn_free(c);
            }
        }
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    server *srv = arg;
    const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    log_msg(AK_LOG_WARNING, "Received %s scheduling shutdown...", name);
    log_msg(AK_LOG_WARNING, "User requested shutdown...");
    /* The memory engine snapshots first when `save` rules exist; if that
     * fails the server keeps running, as Redis does. */
    ak_store_lock(srv->st);
    int rc = ak_persist_shutdown(srv->st, 0);
    ak_store_unlock(srv->st);
    if (rc != AIKV_OK) {
        log_msg(AK_LOG_WARNING, "%s received but errors trying to shut down the server, check "
                                "the logs for more information", name);
        return;
    }
    srv->shutdown_asap = 1;
    event_base_loopbreak(srv->base);
}

static void on_shutdown_command(void *arg)
{
    server *srv = arg;
    log_msg(AK_LOG_WARNING, "User requested shutdown...");
    srv->shutdown_asap = 1;
    event_base_loopbreak(srv->base);
}

/* The end of an event-loop turn: commits what its commands wrote (and
 * what the cron expired), then lets their replies go. */
static void end_turn(server *srv)
{
    ak_store *st = srv->st;
    if (!st->group_commit)
        return;
    ak_store_lock(st);
    int rc = ak_store_commit(st);
    char msg[320] = "";
    if (rc != AIKV_OK) {
        snprintf(msg, sizeof msg, "ERR %s (not applied)",
                 st->engine->errmsg[0] ? st->engine->errmsg : aikv_errstr(rc));
        log_msg(AK_LOG_WARNING, "Commit failed, %s", msg + 4);
    }
    ak_store_unlock(st);
    while (srv->pending) {
        conn *c = srv->pending;
        srv->pending = c->pending_next;
        c->pending = 0;
        if (rc != AIKV_OK && !c->killed) {
            /* Every command of the turn fails: none of them was applied. */
            c->sess->out.len = c->turn_mark;
            for (int i = 0; i < c->turn_cmds; i++)
                ak_reply_error(c->sess, msg);
        }
        if (c->killed)
            continue;
        conn_write(c);
        if (c->close_after_write && c->wpos >= c->sess->out.len)
            conn_free(c);
    }
    close_killed(srv);
}

int server_run(server *srv)
{
    srv->st->shutdown_hook = on_shutdown_command;
    srv->st->shutdown_ctx = srv;
    srv->st->busy_hook = on_script_busy;
    srv->st->busy_ctx = srv;
    struct timeval tv = {0, 1000000 / srv->st->cfg.hz};
    srv->cron_ev = event_new(srv->base, -1, EV_PERSIST, on_cron, srv);
    event_add(srv->cron_ev, &tv);
    srv->sigterm_ev = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    srv->sigint_ev = evsignal_new(srv->base, SIGINT, on_signal, srv);
    event_add(srv->sigterm_ev, NULL);
    event_add(srv->sigint_ev, NULL);
    signal(SIGPIPE, SIG_IGN);
    log_msg(AK_LOG_NOTICE, "Ready to accept connections");
    /* One turn at a time: after each, end_turn() commits it. */
    srv->st->group_commit = srv->st->engine->ops->commit != NULL;
    while (!srv->shutdown_asap) {
        if (event_base_loop(srv->base, EVLOOP_ONCE) < 0)
            break;
        resume_unblocked(srv);
        end_turn(srv);
    }
    end_turn(srv);
    srv->st->group_commit = 0;
    return 0;
}

void server_free(server *srv)
{
    while (srv->conns) {
        conn *c = srv->conns;
        conn_write(c); /* best effort: replies already computed go out */
        conn_free(c);
    }
    for (int i = 0; i < srv->nlisteners; i++) {
        event_free(srv->listeners[i]);
        close(srv->listen_fds[i]);
    }
    if (srv->unixsocket_path) {
        unlink(srv->unixsocket_path);
        ak_free(srv->unixsocket_path);
    }
    if (srv->cron_ev)
        event_free(srv->cron_ev);
    if (srv->sigterm_ev)
        event_free(srv->sigterm_ev);
    if (srv->sigint_ev)
        event_free(srv->sigint_ev);
    event_base_free(srv->base);
}
