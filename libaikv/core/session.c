/*
 * session.c -- sessions (clients) and command dispatch.
 *
 * ak_session_exec() is the single path every command takes, from the
 * server and from aikv_command():
 *   lookup -> subcommand -> arity -> authentication -> busy script ->
 *   MULTI -> handler -> stats.
 * A check that refuses a command inside MULTI also dooms the transaction
 * (EXECABORT), as Redis's rejectCommand(); past the checks, inside MULTI,
 * every command but the transaction's own (EXEC DISCARD MULTI WATCH QUIT
 * RESET) is queued and answered +QUEUED. EXEC runs the queue through
 * ak_session_call(), the same handler path, and so does redis.call() in a
 * script (script/lib_redis.c, with Redis's own checks first).
 * Replies accumulate in session->out. For an embedded session the reply
 * bytes are parsed into an aikv_reply_t tree and the buffer emptied.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../cmd/cmds.h"
#include "../script/script.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/num.h"
#include "command.h"
#include "core.h"
#include "resp.h"

/* ---------------------------------------------------------------- lifecycle */

ak_session *ak_session_create(ak_store *st, int db, void *conn, const ak_conn_ops *ops)
{
    ak_session *c = ak_calloc(1, sizeof *c);
    c->st = st;
    c->db = db;
    c->conn = conn;
    c->conn_ops = ops;
    ak_out_init(&c->out, 2);
    ak_store_lock(st);
    c->id = st->next_client_id++;
    c->authenticated = st->cfg.requirepass[0] == '\0';
    c->ctime_ms = c->last_ms = ak_mstime();
    c->next = st->clients;
    if (st->clients)
        st->clients->prev = c;
    st->clients = c;
    st->nclients++;
    ak_store_unlock(st);
    return c;
}

void ak_session_destroy(ak_session *c)
{
    if (!c)
        return;
    ak_store *st = c->st;
    ak_store_lock(st);
    ak_multi_discard(c); /* a session freed mid-MULTI: its queue and watches */
    ak_block_forget(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        st->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    st->nclients--;
    ak_store_unlock(st);
    ak_free(c->name);
    ak_free(c->lib_name);
    ak_free(c->lib_ver);
    ak_out_free(&c->out);
    ak_free(c);
}

/* ---------------------------------------------------------------- replies */

static void count_error(ak_session *c, const char *msg)
{
    ak_store *st = c->st;
    char code[32];
    size_t n = 0;
    while (msg[n] && msg[n] != ' ' && n < sizeof code - 1) {
        code[n] = msg[n];
        n++;
    }
    code[n] = '\0';
    st->stats.error_replies++;
    c->failed = 1;
    for (ak_errstat *e = st->errstats; e; e = e->next) {
        if (!strcmp(e->code, code)) {
            e->count++;
            return;
        }
    }
    /* Redis caps the number of distinct codes it tracks at 128. */
    int distinct = 0;
    for (ak_errstat *e = st->errstats; e; e = e->next)
        distinct++;
    if (distinct >= 128)
        return;
    ak_errstat *e = ak_calloc(1, sizeof *e);
    memcpy(e->code, code, n + 1);
    e->count = 1;
    e->next = st->errstats;
    st->errstats = e;
}

void ak_reply_error(ak_session *c, const char *msg)
{
    count_error(c, msg);
    ak_out_error_len(&c->out, msg, strlen(msg));
}

void ak_reply_errorf(ak_session *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ak_reply_error(c, buf);
}

void ak_reply_ok(ak_session *c)
{
    ak_out_append(&c->out, "+OK\r\n", 5);
}

void ak_reply_help(ak_session *c, const char *cmd, const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    ak_out_array(&c->out, n + 3);
    char head[128];
    snprintf(head, sizeof head, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    ak_out_status(&c->out, head);
    for (size_t i = 0; i < n; i++)
        ak_out_status(&c->out, lines[i]);
    ak_out_status(&c->out, "HELP");
    ak_out_status(&c->out, "    Prints this help.");
}

/* ---------------------------------------------------------------- arguments */

int ak_arg_ll(ak_session *c, int i, long long *out)
{
    if (ak_str2ll(c->argv[i], c->argvlen[i], out))
        return 1;
    ak_reply_error(c, AK_ERR_NOTINT);
    return 0;
}

int ak_arg_ll_range(ak_session *c, int i, long long min, long long max, long long *out,
                    const char *err)
{
    long long v;
    if (!ak_str2ll(c->argv[i], c->argvlen[i], &v) || v < min || v > max) {
        ak_reply_error(c, err ? err : AK_ERR_NOTINT);
        return 0;
    }
    *out = v;
    return 1;
}

int ak_arg_int(ak_session *c, int i, int *out)
{
    long long v;
    if (!ak_arg_ll(c, i, &v))
        return 0;
    if (v < INT_MIN || v > INT_MAX) {
        ak_reply_error(c, "ERR value is out of range, value must between -2147483648 and 2147483647");
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* Redis's parseScanCursorOrReply(): strtoul() over the argument as a C
 * string (it ends at a NUL byte), no leading space, an optional sign ("-1"
 * wraps around), nothing after the digits; "" is cursor 0. */
int ak_arg_cursor(ak_session *c, int i, uint64_t *out)
{
    const char *s = c->argv[i];
    size_t n = strnlen(s, c->argvlen[i]), j = 0;
    int neg = n && s[0] == '-';
    if (n && (s[0] == '-' || s[0] == '+'))
        j = 1;
    unsigned long long v = 0;
    int ok = n == 0 || j < n;
    for (; ok && j < n; j++) {
        unsigned d = (unsigned)(s[j] - '0');
        if (s[j] < '0' || s[j] > '9' || v > (ULLONG_MAX - d) / 10)
            ok = 0;
        else
            v = v * 10 + d;
    }
    if (!ok) {
        ak_reply_error(c, "ERR invalid cursor");
        return 0;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return 1;
}

void ak_count_lookup(ak_session *c, int rc)
{
    if (rc == AK_NOTFOUND)
        c->st->stats.keyspace_misses++;
    else
        c->st->stats.keyspace_hits++;
}

int ak_read_ok(ak_session *c, int rc)
{
    ak_count_lookup(c, rc);
    if (rc == AK_WRONGTYPE) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        return 0;
    }
    return 1;
}

ak_slice *ak_args(ak_session *c, int from)
{
    size_t n = c->argc > from ? (size_t)(c->argc - from) : 0;
    ak_slice *v = ak_malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = ak_arg(c, from + (int)i);
    return v;
}

int ak_arg_is(ak_session *c, int i, const char *word)
{
    size_t n = strlen(word);
    return c->argvlen[i] == n && !strncasecmp(c->argv[i], word, n);
}

/* ---------------------------------------------------------------- dispatch */

/* Redis quotes at most 128 bytes of each argument in these messages. */
static void append_quoted(char *buf, size_t cap, size_t *w, const char *s, size_t n)
{
    if (n > 128)
        n = 128;
    for (size_t i = 0; i < n && *w + 2 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[(*w)++] = (ch == '\r' || ch == '\n') ? ' ' : (char)ch;
    }
    buf[*w] = '\0';
}

/* Redis's text: the name cut at 128 bytes, then arguments while the list is
 * under 128 bytes, each cut to what is left of those 128. */
static void reply_unknown(ak_session *c, int argc, const char *const *argv,
                          const size_t *argvlen)
{
    char args[512];
    size_t w = 0;
    args[0] = '\0';
    for (int i = 1; i < argc && w < 128; i++) {
        size_t room = 128 - w, n = strnlen(argv[i], argvlen[i]);
        if (n > room)
            n = room;
        w += (size_t)snprintf(args + w, sizeof args - w, "'%.*s' ", (int)n, argv[i]);
    }
    size_t nlen = strnlen(argv[0], argvlen[0]);
    ak_reply_errorf(c, "ERR unknown command '%.*s', with args beginning with: %s",
                    (int)(nlen > 128 ? 128 : nlen), argv[0], args);
}

static void reply_unknown_sub(ak_session *c, const ak_cmd *parent, const char *sub, size_t n)
{
    char buf[512], upper[64];
    size_t w = (size_t)snprintf(buf, sizeof buf, "ERR unknown subcommand '");
    append_quoted(buf, sizeof buf, &w, sub, n);
    size_t i;
    for (i = 0; parent->name[i] && i < sizeof upper - 1; i++)
        upper[i] = (char)toupper((unsigned char)parent->name[i]);
    upper[i] = '\0';
    snprintf(buf + w, sizeof buf - w, "'. Try %s HELP.", upper);
    ak_reply_error(c, buf);
}

static void reply_arity(ak_session *c, const ak_cmd *cmd)
{
    char name[96];
    ak_cmd_fullname(cmd, name, sizeof name);
    ak_reply_errorf(c, "ERR wrong number of arguments for '%s' command", name);
}

/* A command refused by dispatch, as Redis's rejectCommand(): counted as
 * rejected, the open transaction doomed, and EXEC itself answered with
 * EXECABORT (the transaction is discarded). */
static void reject(ak_session *c, const ak_cmd *cmd, const char *msg)
{
    c->st->cmdstats[cmd->id].rejected++;
    ak_multi_flag_error(c);
    if (cmd->proc == ak_cmd_exec)
        ak_multi_exec_abort(c, msg);
    else
        ak_reply_error(c, msg);
}

/* What runs at once inside MULTI instead of being queued. */
static int multi_control(const ak_cmd *cmd)
{
    ak_cmd_proc *p = cmd->proc;
    return p == ak_cmd_exec || p == ak_cmd_discard || p == ak_cmd_multi || p == ak_cmd_watch ||
           p == ak_cmd_quit || p == ak_cmd_reset;
}

void ak_session_call(ak_session *c, const ak_cmd *cmd)
{
    ak_store *st = c->st;
    size_t mark = c->out.len;
    c->cmd = cmd;
    c->failed = 0;
    st->engine->notouch = (c->flags & AK_CLIENT_NO_TOUCH) != 0;
    /* A command that does not write needs no undo records (store.h). */
    int reading = st->engine->reading;
    st->engine->reading = !(cmd->flags & AK_CMD_WRITE);
    int64_t start = ak_monotonic_us();
    cmd->proc(c);
    st->engine->reading = reading;
    int64_t took = ak_monotonic_us() - start;
    ak_cmdstat *cs = &st->cmdstats[cmd->id];
    cs->usec += (uint64_t)took;
    /* A command that blocked counts once, when it is served or ends. */
    if (!(c->flags & AK_CLIENT_BLOCKED)) {
        cs->calls++;
        if (c->failed)
            cs->failed++;
        st->stats.commands++;
    }
    /* Redis drops each reply written while CLIENT REPLY OFF/SKIP holds; the
     * flags only change inside CLIENT REPLY (before it writes) and EXEC
     * (which drops per queued command itself). */
    if ((c->flags & (AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP)) && cmd->proc != ak_cmd_exec)
        c->out.len = mark;
}

/* Replaces the command's reply (from mark) by the storage error rc. */
static void storage_error_reply(ak_session *c, size_t mark, int rc)
{
    ak_engine *e = c->st->engine;
    char msg[320];
    snprintf(msg, sizeof msg, "ERR %s", e->errmsg[0] ? e->errmsg : aikv_errstr(rc));
    c->out.len = mark;
    ak_reply_error(c, msg);
    if (c->flags & (AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP))
        c->out.len = mark;
}

/* Makes the command's writes durable before its reply can leave: commits
 * the engine's transaction -- unless the server groups a whole event-loop
 * turn into one (end_turn commits it) or aikv_begin holds one open. When
 * storage failed under the command, ak_store_commit rolls back instead
 * and the reply becomes the error. */
static void settle(ak_session *c, size_t mark)
{
    ak_store *st = c->st;
    ak_engine *e = st->engine;
    if (!e->ops->commit)
        return;
    if (e->error && st->group_commit) {
        /* The turn's transaction is lost: end_turn rolls it back and fails
         * every command of the turn; the error stays set until then. */
        storage_error_reply(c, mark, e->error);
        return;
    }
    if (!e->error && (st->group_commit || st->txn_sp))
        return;
    int rc = ak_store_commit(st);
    if (rc == AIKV_OK)
        return;
    if (st->txn_sp && !st->txn_failed)
        st->txn_failed = rc; /* aikv_commit reports it */
    storage_error_reply(c, mark, rc);
    e->errmsg[0] = '\0';
}

void ak_session_exec(ak_session *c, int argc, const char *const *argv, const size_t *argvlen)
{
    ak_store *st = c->st;
    if (argc <= 0)
        return;
    ak_store_lock(st);
    size_t mark = c->out.len;
    /* CLIENT REPLY SKIP drops the reply of the command after it. */
    if (c->flags & AK_CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~AK_CLIENT_REPLY_SKIP_NEXT;
        c->flags |= AK_CLIENT_REPLY_SKIP;
    }
    c->argc = argc;
    c->argv = argv;
    c->argvlen = argvlen;
    c->failed = 0;
    c->last_ms = ak_mstime();

    /* A storage failure earlier in this server turn: the turn's transaction
     * is rolled back at its end, so nothing more runs in it. */
    if (st->group_commit && st->engine->error) {
        storage_error_reply(c, mark, st->engine->error);
        goto out;
    }
    const ak_cmd *cmd = ak_cmd_lookup(argv[0], argvlen[0]);
    if (!cmd) {
        ak_multi_flag_error(c);
        reply_unknown(c, argc, argv, argvlen);
        goto done;
    }
    if (cmd->sub && argc >= 2) {
        const ak_cmd *sub = ak_cmd_lookup_sub(cmd, argv[1], argvlen[1]);
        if (!sub) {
            st->cmdstats[cmd->id].rejected++;
            ak_multi_flag_error(c);
            reply_unknown_sub(c, cmd, argv[1], argvlen[1]);
            goto done;
        }
        cmd = sub;
    }
    c->lastcmd = cmd;
    if ((cmd->arity > 0 && argc != cmd->arity) || argc < -cmd->arity) {
        char name[96], msg[160];
        ak_cmd_fullname(cmd, name, sizeof name);
        snprintf(msg, sizeof msg, "ERR wrong number of arguments for '%s' command", name);
        reject(c, cmd, msg);
        goto done;
    }
    if (!c->authenticated && !(cmd->flags & AK_CMD_NO_AUTH)) {
        reject(c, cmd, "NOAUTH Authentication required.");
        goto done;
    }
    if (!cmd->proc) { /* a container called without a subcommand word */
        ak_multi_flag_error(c);
        reply_arity(c, cmd);
        goto done;
    }
    /* A script past busy-reply-threshold holds the store (this runs from the
     * server's busy hook, script/script.h): only allow_busy commands run. */
    const char *busy = ak_script_busy_error(st);
    if (busy && !(cmd->flags & AK_CMD_ALLOW_BUSY)) {
        reject(c, cmd, busy);
        goto done;
    }
    if (c->flags & AK_CLIENT_MULTI) {
        if (cmd->flags & AK_CMD_NO_MULTI) {
            reject(c, cmd, "ERR Command not allowed inside a transaction");
            goto done;
        }
        if (!multi_control(cmd)) {
            ak_multi_queue(c, cmd);
            ak_out_status(&c->out, "QUEUED");
            goto done;
        }
    }

    ak_session_call(c, cmd);
    /* An embedded session waits here for its blocking command (the server
     * instead stops reading the connection and keeps a timer). */
    if ((c->flags & AK_CLIENT_BLOCKED) && !c->conn)
        ak_block_wait(c);
    /* Embedded stores have no timer: do the periodic work on the way. */
    if (!c->conn && ak_monotonic_us() - st->last_cron_us >= 1000000 / st->cfg.hz)
        ak_store_cron(st);
    settle(c, mark);
    goto out;
done:
    if (c->flags & (AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP))
        c->out.len = mark;
out:
    c->flags &= ~AK_CLIENT_REPLY_SKIP;
    c->cmd = NULL;
    c->argv = NULL;
    c->argvlen = NULL;
    ak_store_unlock(st);
}

/* ---------------------------------------------------------------- public API */

AIKV_API aikv_session_t *aikv_session_new(aikv_db_t *db)
{
    if (!db)
        return NULL;
    return ak_session_create(db->st, db->index, NULL, NULL);
}

AIKV_API void aikv_session_free(aikv_session_t *s)
{
    ak_session_destroy(s);
}

AIKV_API int aikv_session_db(const aikv_session_t *s)
{
    return s ? s->db : -1;
}

AIKV_API aikv_reply_t *aikv_command_argv(aikv_session_t *s, int argc, const char *const *argv,
                                         const size_t *argvlen)
{
    if (!s || argc <= 0 || !argv) {
        ak_set_error(AIKV_MISUSE, "aikv_command_argv: no command");
        return NULL;
    }
    size_t lens_small[16];
    size_t *lens = (size_t *)argvlen;
    if (!argvlen) {
        lens = argc <= 16 ? lens_small : ak_malloc(sizeof(size_t) * (size_t)argc);
        for (int i = 0; i < argc; i++)
            lens[i] = strlen(argv[i]);
    }
    s->out.len = 0;
    ak_session_exec(s, argc, argv, lens);
    if (lens != argvlen && lens != lens_small)
        ak_free(lens);
    aikv_reply_t *r;
    if (s->out.len == 0) {
        /* CLIENT REPLY OFF/SKIP: the command ran but has no reply. */
        r = ak_reply_new(AIKV_REPLY_NIL);
    } else {
        r = ak_reply_parse(s->out.buf, s->out.len);
    }
    s->out.len = 0;
    if (!r)
        ak_set_error(AIKV_ERROR, "internal error: unreadable reply");
    return r;
}

/* The hiredis-style formatter: splits fmt on spaces into arguments, with
 * %s %b %d %lld %% expanded inside them. */
typedef struct argbuf {
    char **v;
    size_t *len;
    int n, cap;
    char *cur;
    size_t curlen, curcap;
    int open; /* an argument is being built */
} argbuf;

static void cur_add(argbuf *a, const void *p, size_t n)
{
    if (a->curlen + n + 1 > a->curcap) {
        size_t cap = a->curcap ? a->curcap : 32;
        while (a->curlen + n + 1 > cap)
            cap *= 2;
        a->cur = ak_realloc(a->cur, cap);
        a->curcap = cap;
    }
    memcpy(a->cur + a->curlen, p, n);
    a->curlen += n;
    a->open = 1;
}

static void arg_end(argbuf *a)
{
    if (!a->open)
        return;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = ak_realloc(a->v, sizeof(char *) * (size_t)a->cap);
        a->len = ak_realloc(a->len, sizeof(size_t) * (size_t)a->cap);
    }
    a->v[a->n] = ak_memdup(a->cur ? a->cur : "", a->curlen);
    a->len[a->n] = a->curlen;
    a->n++;
    a->curlen = 0;
    a->open = 0;
}

static void argbuf_free(argbuf *a)
{
    for (int i = 0; i < a->n; i++)
        ak_free(a->v[i]);
    ak_free(a->v);
    ak_free(a->len);
    ak_free(a->cur);
}

AIKV_API aikv_reply_t *aikv_command(aikv_session_t *s, const char *fmt, ...)
{
    if (!s || !fmt) {
        ak_set_error(AIKV_MISUSE, "aikv_command: NULL argument");
        return NULL;
    }
    argbuf a = {0};
    va_list ap;
    va_start(ap, fmt);
    int bad = 0;
    for (const char *p = fmt; *p && !bad; p++) {
        if (*p == ' ') {
            arg_end(&a);
            continue;
        }
        if (*p != '%') {
            cur_add(&a, p, 1);
            continue;
        }
        p++;
        char num[24];
        size_t n;
        switch (*p) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            cur_add(&a, str, strlen(str));
            break;
        }
        case 'b': {
            const void *b = va_arg(ap, const void *);
            size_t bl = va_arg(ap, size_t);
            cur_add(&a, b, bl);
            break;
        }
        case 'd':
            n = ak_ll2str(num, sizeof num, va_arg(ap, int));
            cur_add(&a, num, n);
            break;
        case 'l':
            if (p[1] == 'l' && p[2] == 'd') {
                p += 2;
                n = ak_ll2str(num, sizeof num, va_arg(ap, long long));
                cur_add(&a, num, n);
            } else {
                bad = 1;
            }
            break;
        case '%':
            cur_add(&a, "%", 1);
            break;
        default:
            bad = 1;
        }
    }
    va_end(ap);
    arg_end(&a);
    aikv_reply_t *r = NULL;
    if (bad)
        ak_set_error(AIKV_MISUSE, "aikv_command: unsupported conversion in format \"%s\"", fmt);
    else if (a.n == 0)
        ak_set_error(AIKV_MISUSE, "aikv_command: empty command");
    else
        r = aikv_command_argv(s, a.n, (const char *const *)a.v, a.len);
    argbuf_free(&a);
    return r;
}
