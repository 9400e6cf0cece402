/*
 * server.h -- aikv-server: one libevent loop around a libaikv store.
 */
#ifndef AIKV_SERVER_H
#define AIKV_SERVER_H

#include <event2/event.h>

#include "libaikv/core/core.h"
#include "libaikv/core/resp.h"

#define MAX_LISTENERS 16

typedef struct conn conn;

typedef struct server {
    ak_store *st;
    struct event_base *base;
    struct event *listeners[MAX_LISTENERS];
    int listen_fds[MAX_LISTENERS];
    int nlisteners;
    struct event *cron_ev, *sigterm_ev, *sigint_ev;
    conn *conns;       /* every open connection */
    conn *to_close;    /* killed by CLIENT KILL, closed after the current turn */
    conn *pending;     /* ran commands this turn: replies wait for the commit */
    conn *resume;      /* their blocking command ended: go on with their input */
    int shutdown_asap;
    int busy;          /* a script runs past busy-reply-threshold (busy_poll) */
    char *unixsocket_path;
} server;

/* Opens the listeners of st's configuration; returns 0 or -1 (logged). */
int server_listen(server *srv);
/* Runs the loop until SIGTERM/SIGINT; returns the exit code. */
int server_run(server *srv);
void server_free(server *srv);

#endif
