/*
 * db.c -- commands on whole logical databases: SELECT DBSIZE FLUSHDB
 * FLUSHALL SWAPDB.
 */
#include <limits.h>

#include "../core/persist.h"
#include "cmds.h"

void ak_cmd_select(ak_session *c)
{
    int db;
    if (!ak_arg_int(c, 1, &db))
        return;
    if (db < 0 || db >= c->st->ndb) {
        ak_reply_error(c, AK_ERR_DBINDEX);
        return;
    }
    c->db = db;
    ak_reply_ok(c);
}

void ak_cmd_dbsize(ak_session *c)
{
    ak_out_integer(&c->out, (long long)ak_eng(c)->ops->dbsize(ak_eng(c), c->db));
}

/* [ASYNC|SYNC]: returns -1 after a syntax error, else 1 for ASYNC. */
static int flush_mode(ak_session *c)
{
    if (c->argc > 2) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return -1;
    }
    if (c->argc == 2) {
        if (ak_arg_is(c, 1, "async"))
            return 1;
        if (!ak_arg_is(c, 1, "sync")) {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static void flush_generic(ak_session *c, int db)
{
    int async = flush_mode(c);
    if (async < 0)
        return;
    ak_signal_db(c->st, db); /* first: WATCH looks at the keys being flushed */
    ak_eng(c)->ops->flush(ak_eng(c), db, async);
    if (db == -1)
        ak_persist_flushall(c->st); /* the snapshot follows, as Redis's */
    ak_reply_ok(c);
}

void ak_cmd_flushdb(ak_session *c)
{
    flush_generic(c, c->db);
}

void ak_cmd_flushall(ak_session *c)
{
    flush_generic(c, -1);
}

void ak_cmd_swapdb(ak_session *c)
{
    long long a, b;
    if (!ak_arg_ll_range(c, 1, INT_MIN, INT_MAX, &a, "ERR invalid first DB index") ||
        !ak_arg_ll_range(c, 2, INT_MIN, INT_MAX, &b, "ERR invalid second DB index"))
        return;
    if (a < 0 || a >= c->st->ndb || b < 0 || b >= c->st->ndb) {
        ak_reply_error(c, AK_ERR_DBINDEX);
        return;
    }
    if (a != b) {
        ak_signal_swapdb(c->st, (int)a, (int)b); /* first, as for a flush */
        ak_eng(c)->ops->swapdb(ak_eng(c), (int)a, (int)b);
    }
    ak_reply_ok(c);
}
