/*
 * persist.c -- SAVE, BGSAVE, LASTSAVE (the machinery is core/persist.c).
 *
 * Replies and errors are Redis 7.0's. Where the store cannot fork (an
 * embedded store: fork() in a threaded process is unsafe) or has nothing
 * to copy (the SQLite engine: every write is already in its file), BGSAVE
 * does its work in the foreground and still answers "Background saving
 * started": LASTSAVE and INFO show the result at once.
 */
#include <stdio.h>

#include "../core/persist.h"
#include "cmds.h"

#define ERR_IN_PROGRESS "ERR Background save already in progress"

void ak_cmd_save(ak_session *c)
{
    ak_store *st = c->st;
    if (ak_persist_child_running(st)) {
        ak_reply_error(c, ERR_IN_PROGRESS);
        return;
    }
    st->persist.saves++;
    char err[768] = "";
    if (ak_persist_save(st, err, sizeof err) != AIKV_OK) {
        /* Redis answers a bare "-ERR" and logs why; the reason is kept
         * here, since an embedded caller has no log. */
        ak_reply_errorf(c, "ERR %s", err);
        return;
    }
    ak_reply_ok(c);
}

void ak_cmd_bgsave(ak_session *c)
{
    ak_store *st = c->st;
    int schedule = 0;
    if (c->argc > 1) {
        if (c->argc == 2 && ak_arg_is(c, 1, "schedule")) {
            schedule = 1;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    (void)schedule; /* no other kind of child (AOF rewrite) can be in the way */
    if (ak_persist_child_running(st)) {
        ak_reply_error(c, ERR_IN_PROGRESS);
        return;
    }
    /* Inside EXEC a fork waits for the cron, as Redis's server.in_exec. */
    if ((c->flags & AK_CLIENT_MULTI) && ak_persist_forks(st)) {
        ak_persist_schedule(st);
        ak_out_status(&c->out, "Background saving scheduled");
        return;
    }
    char err[768] = "";
    if (ak_persist_bgsave(st, err, sizeof err) != AIKV_OK) {
        ak_reply_errorf(c, "ERR %s", err);
        return;
    }
    ak_out_status(&c->out, "Background saving started");
}

void ak_cmd_lastsave(ak_session *c)
{
    ak_out_integer(&c->out, (long long)c->st->lastsave_s);
}
