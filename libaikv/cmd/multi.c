/*
 * multi.c -- transactions: MULTI EXEC DISCARD WATCH UNWATCH, as Redis 7.0.
 *
 * Dispatch queues the commands between MULTI and EXEC (core/session.c);
 * the queue and the WATCH registry are in core/multi.c. EXEC runs the
 * queue under the store lock it already holds, so nothing interleaves; a
 * command that fails at run time answers its error in place and the others
 * still apply (no rollback).
 */
#include "cmds.h"

void ak_cmd_multi(ak_session *c)
{
    if (c->flags & AK_CLIENT_MULTI) {
        ak_reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= AK_CLIENT_MULTI;
    ak_reply_ok(c);
}

void ak_cmd_discard(ak_session *c)
{
    if (!(c->flags & AK_CLIENT_MULTI)) {
        ak_reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    ak_multi_discard(c);
    ak_reply_ok(c);
}

/* CLIENT REPLY OFF/SKIP drop what was written since mark. EXEC applies it
 * to each of its parts: a queued CLIENT REPLY changes it midway, as in
 * Redis, where every write checks the flags. */
static void drop_if_muted(ak_session *c, size_t mark)
{
    if (c->flags & (AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP))
        c->out.len = mark;
}

void ak_cmd_exec(ak_session *c)
{
    size_t mark = c->out.len;
    if (!(c->flags & AK_CLIENT_MULTI)) {
        ak_reply_error(c, "ERR EXEC without MULTI");
        drop_if_muted(c, mark);
        return;
    }
    /* A watched key that expired since WATCH fails the EXEC even if nothing
     * has deleted it yet (Redis 7.0's isWatchedKeyExpired). */
    if (ak_watch_any_expired(c) || ak_watch_foreign(c))
        c->flags |= AK_CLIENT_DIRTY_CAS;
    if (c->flags & (AK_CLIENT_DIRTY_CAS | AK_CLIENT_DIRTY_EXEC)) {
        if (c->flags & AK_CLIENT_DIRTY_EXEC)
            ak_reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        else
            ak_out_null_array(&c->out);
        ak_multi_discard(c);
        drop_if_muted(c, mark);
        return;
    }

    ak_unwatch_all(c); /* the commands below must not dirty this session */
    ak_out_array(&c->out, (size_t)c->mq_count);
    drop_if_muted(c, mark);
    int argc = c->argc;
    const char *const *argv = c->argv;
    const size_t *argvlen = c->argvlen;
    const ak_cmd *self = c->cmd;
    for (int j = 0; j < c->mq_count; j++) {
        ak_mcmd *m = &c->mq[j];
        c->argc = m->argc;
        c->argv = (const char *const *)m->argv;
        c->argvlen = m->argvlen;
        ak_session_call(c, m->cmd); /* drops its own reply when muted */
    }
    c->argc = argc;
    c->argv = argv;
    c->argvlen = argvlen;
    c->cmd = self;
    ak_multi_discard(c);
    c->failed = 0; /* the errors were the queued commands', not EXEC's */
}

void ak_cmd_watch(ak_session *c)
{
    if (c->flags & AK_CLIENT_MULTI) {
        ak_reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++)
        ak_watch_key(c, ak_arg(c, i));
    ak_reply_ok(c);
}

void ak_cmd_unwatch(ak_session *c)
{
    ak_unwatch_all(c);
    c->flags &= ~AK_CLIENT_DIRTY_CAS;
    ak_reply_ok(c);
}
