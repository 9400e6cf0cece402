/*
 * connection.c -- commands about the connection itself: PING ECHO HELLO
 * QUIT RESET AUTH and the CLIENT family.
 *
 * A session has no socket of its own; what CLIENT LIST shows of the
 * connection (addresses, buffers) comes from the server through
 * session->conn_ops, and CLIENT KILL asks the server to close it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/num.h"
#include "cmds.h"

void ak_cmd_ping(ak_session *c)
{
    if (c->argc > 2) {
        ak_reply_errorf(c, "ERR wrong number of arguments for 'ping' command");
        return;
    }
    if (c->argc == 2)
        ak_out_bulk(&c->out, c->argv[1], c->argvlen[1]);
    else
        ak_out_status(&c->out, "PONG");
}

void ak_cmd_echo(ak_session *c)
{
    ak_out_bulk(&c->out, c->argv[1], c->argvlen[1]);
}

/* ---------------------------------------------------------------- authentication */

/* The default user: with no requirepass it accepts any password. */
static int check_password(ak_session *c, ak_slice user, ak_slice pass)
{
    const char *want = c->st->cfg.requirepass;
    if (user.len != 7 || strncmp(user.p, "default", 7) != 0)
        return 0;
    if (!want[0])
        return 1;
    return pass.len == strlen(want) && memcmp(pass.p, want, pass.len) == 0;
}

void ak_cmd_auth(ak_session *c)
{
    if (c->argc > 3) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    ak_slice user = ak_slice_of("default", 7), pass;
    if (c->argc == 2) {
        if (!c->st->cfg.requirepass[0]) {
            ak_reply_error(c, "ERR AUTH <password> called without any password configured for "
                              "the default user. Are you sure your configuration is correct?");
            return;
        }
        pass = ak_arg(c, 1);
    } else {
        user = ak_arg(c, 1);
        pass = ak_arg(c, 2);
    }
    if (check_password(c, user, pass)) {
        c->authenticated = 1;
        ak_reply_ok(c);
    } else {
        ak_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
    }
}

/* Redis's rule for names: printable ASCII without spaces. */
static int valid_name(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '!' || p[i] > '~')
            return 0;
    return 1;
}

static void set_name(ak_session *c, ak_slice name)
{
    ak_free(c->name);
    c->name = name.len ? ak_memdup(name.p, name.len) : NULL;
}

void ak_cmd_hello(ak_session *c)
{
    long long ver = 0;
    int j = 1;
    if (c->argc >= 2) {
        if (!ak_arg_ll_range(c, 1, -9223372036854775807LL - 1, 9223372036854775807LL, &ver,
                             "ERR Protocol version is not an integer or out of range"))
            return;
        j = 2;
        if (ver < 2 || ver > 3) {
            ak_reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    int auth = 0, setname = 0;
    ak_slice user = {0}, pass = {0}, name = {0};
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (ak_arg_is(c, j, "auth") && more >= 2) {
            auth = 1;
            user = ak_arg(c, j + 1);
            pass = ak_arg(c, j + 2);
            j += 2;
        } else if (ak_arg_is(c, j, "setname") && more) {
            name = ak_arg(c, ++j);
            if (!valid_name(name.p, name.len)) {
                ak_reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
                                  "characters.");
                return;
            }
            setname = 1;
        } else {
            ak_reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'", (int)c->argvlen[j],
                            c->argv[j]);
            return;
        }
    }
    if (auth) {
        if (!check_password(c, user, pass)) {
            ak_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        c->authenticated = 1;
    }
    if (!c->authenticated) {
        ak_reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                          "otherwise the HELLO AUTH <user> <pass> option can be used to "
                          "authenticate the client and select the RESP protocol version at the "
                          "same time");
        return;
    }
    if (setname)
        set_name(c, name);
    if (ver)
        c->out.resp = (int)ver;
    ak_out *o = &c->out;
    ak_out_map(o, 7);
    ak_out_bulk_cstr(o, "server");
    ak_out_bulk_cstr(o, "redis");
    ak_out_bulk_cstr(o, "version");
    ak_out_bulk_cstr(o, AIKV_REDIS_VERSION);
    ak_out_bulk_cstr(o, "proto");
    ak_out_integer(o, o->resp);
    ak_out_bulk_cstr(o, "id");
    ak_out_integer(o, (long long)c->id);
    ak_out_bulk_cstr(o, "mode");
    ak_out_bulk_cstr(o, "standalone");
    ak_out_bulk_cstr(o, "role");
    ak_out_bulk_cstr(o, "master");
    ak_out_bulk_cstr(o, "modules");
    ak_out_empty_array(o);
}

void ak_cmd_quit(ak_session *c)
{
    c->flags |= AK_CLIENT_CLOSE_AFTER_REPLY;
    ak_reply_ok(c);
}

void ak_cmd_reset(ak_session *c)
{
    ak_multi_discard(c); /* leaves MULTI and unwatches, as Redis */
    c->db = 0;
    c->out.resp = 2;
    c->authenticated = c->st->cfg.requirepass[0] == '\0';
    set_name(c, ak_slice_of(NULL, 0));
    c->flags &= ~(AK_CLIENT_NO_TOUCH | AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP_NEXT |
                  AK_CLIENT_NO_EVICT);
    ak_out_status(&c->out, "RESET");
}

/* ---------------------------------------------------------------- CLIENT */

void ak_cmd_client_id(ak_session *c)
{
    ak_out_integer(&c->out, (long long)c->id);
}

void ak_cmd_client_getname(ak_session *c)
{
    if (c->name)
        ak_out_bulk_cstr(&c->out, c->name);
    else
        ak_out_null(&c->out);
}

void ak_cmd_client_setname(ak_session *c)
{
    if (!valid_name(c->argv[2], c->argvlen[2])) {
        ak_reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    set_name(c, ak_arg(c, 2));
    ak_reply_ok(c);
}

void ak_cmd_client_setinfo(ak_session *c)
{
    int libname = ak_arg_is(c, 2, "lib-name");
    if (!libname && !ak_arg_is(c, 2, "lib-ver")) {
        ak_reply_errorf(c, "ERR Unrecognized option '%.*s'", (int)c->argvlen[2], c->argv[2]);
        return;
    }
    if (!valid_name(c->argv[3], c->argvlen[3])) {
        ak_reply_errorf(c, "ERR %.*s cannot contain spaces, newlines or special characters.",
                        (int)c->argvlen[2], c->argv[2]);
        return;
    }
    char **field = libname ? &c->lib_name : &c->lib_ver;
    ak_free(*field);
    *field = c->argvlen[3] ? ak_memdup(c->argv[3], c->argvlen[3]) : NULL;
    ak_reply_ok(c);
}

static int on_off(ak_session *c, int i, int *on)
{
    if (ak_arg_is(c, i, "on"))
        *on = 1;
    else if (ak_arg_is(c, i, "off"))
        *on = 0;
    else {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return 0;
    }
    return 1;
}

void ak_cmd_client_no_evict(ak_session *c)
{
    int on;
    if (!on_off(c, 2, &on))
        return;
    if (on)
        c->flags |= AK_CLIENT_NO_EVICT;
    else
        c->flags &= ~AK_CLIENT_NO_EVICT;
    ak_reply_ok(c);
}

void ak_cmd_client_no_touch(ak_session *c)
{
    int on;
    if (!on_off(c, 2, &on))
        return;
    if (on)
        c->flags |= AK_CLIENT_NO_TOUCH;
    else
        c->flags &= ~AK_CLIENT_NO_TOUCH;
    ak_reply_ok(c);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends a blocking command of another
 * client as a timeout would, or with an error. 1 if it was blocked. */
void ak_cmd_client_unblock(ak_session *c)
{
    int error = 0;
    if (c->argc > 4) {
        ak_reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                           "CLIENT HELP.", (int)c->argvlen[1], c->argv[1]);
        return;
    }
    if (c->argc == 4) {
        if (ak_arg_is(c, 3, "error")) {
            error = 1;
        } else if (!ak_arg_is(c, 3, "timeout")) {
            ak_reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (!ak_arg_ll(c, 2, &id))
        return;
    for (ak_session *t = c->st->clients; t; t = t->next) {
        if (t->id == (uint64_t)id) {
            ak_out_integer(&c->out, ak_block_cancel(t, error));
            return;
        }
    }
    ak_out_integer(&c->out, 0);
}

void ak_cmd_client_reply(ak_session *c)
{
    if (ak_arg_is(c, 2, "on")) {
        c->flags &= ~(AK_CLIENT_REPLY_OFF | AK_CLIENT_REPLY_SKIP_NEXT | AK_CLIENT_REPLY_SKIP);
        ak_reply_ok(c);
    } else if (ak_arg_is(c, 2, "off")) {
        c->flags |= AK_CLIENT_REPLY_OFF;
    } else if (ak_arg_is(c, 2, "skip")) {
        if (!(c->flags & AK_CLIENT_REPLY_OFF))
            c->flags |= AK_CLIENT_REPLY_SKIP_NEXT;
    } else {
        ak_reply_error(c, AK_ERR_SYNTAX);
    }
}

/* One CLIENT LIST line, Redis 7's fields in Redis's order. */
static void client_line(ak_session *c, ak_session *t, ak_out *buf)
{
    ak_conn_info ci;
    memset(&ci, 0, sizeof ci);
    ci.fd = -1;
    ci.events = "";
    if (t->conn && t->conn_ops && t->conn_ops->info)
        t->conn_ops->info(t->conn, &ci);
    int64_t now = ak_mstime();
    char flags[8];
    size_t nf = 0;
    if (t->flags & AK_CLIENT_MULTI)
        flags[nf++] = 'x';
    if (t->flags & AK_CLIENT_BLOCKED)
        flags[nf++] = 'b';
    if (t->flags & AK_CLIENT_DIRTY_CAS)
        flags[nf++] = 'd';
    if (t->flags & AK_CLIENT_CLOSE_AFTER_REPLY)
        flags[nf++] = 'c';
    if (t->flags & AK_CLIENT_NO_EVICT)
        flags[nf++] = 'e';
    if (t->flags & AK_CLIENT_NO_TOUCH)
        flags[nf++] = 'T';
    if (nf == 0)
        flags[nf++] = 'N';
    flags[nf] = '\0';
    char cmd[96] = "NULL";
    /* Set by dispatch, so inside EXEC it is EXEC, as in Redis. */
    const ak_cmd *last = t->lastcmd;
    if (last)
        ak_cmd_fullname(last, cmd, sizeof cmd);
    size_t totmem = sizeof *t + t->out.cap + ci.qbuf + ci.qbuf_free + t->mq_mem;
    char line[1024];
    int n = snprintf(line, sizeof line,
                     "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
                     "sub=0 psub=0 ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
                     "multi-mem=%zu rbs=%zu rbp=0 obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s "
                     "cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
                     (unsigned long long)t->id, ci.addr, ci.laddr, ci.fd, t->name ? t->name : "",
                     (long long)(now - t->ctime_ms) / 1000, (long long)(now - t->last_ms) / 1000,
                     flags, t->db, (t->flags & AK_CLIENT_MULTI) ? t->mq_count : -1, ci.qbuf,
                     ci.qbuf_free, ci.argv_mem, t->mq_mem, t->out.cap, ci.obl, ci.oll,
                     ci.omem, totmem, ci.events, cmd, t->out.resp, t->lib_name ? t->lib_name : "",
                     t->lib_ver ? t->lib_ver : "");
    ak_out_append(buf, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void ak_cmd_client_info(ak_session *c)
{
    ak_out buf;
    ak_out_init(&buf, 2);
    client_line(c, c, &buf);
    ak_out_verbatim(&c->out, buf.buf, buf.len);
    ak_out_free(&buf);
}

void ak_cmd_client_list(ak_session *c)
{
    /* CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...] */
    int type_normal = 1;
    uint64_t *ids = NULL;
    size_t nids = 0;
    if (c->argc >= 3) {
        if (ak_arg_is(c, 2, "type") && c->argc == 4) {
            if (ak_arg_is(c, 3, "normal")) {
                type_normal = 1;
            } else if (ak_arg_is(c, 3, "master") || ak_arg_is(c, 3, "replica") ||
                       ak_arg_is(c, 3, "slave") || ak_arg_is(c, 3, "pubsub")) {
                type_normal = 0; /* no such clients exist yet */
            } else {
                ak_reply_errorf(c, "ERR Unknown client type '%.*s'", (int)c->argvlen[3], c->argv[3]);
                return;
            }
        } else if (ak_arg_is(c, 2, "id") && c->argc >= 4) {
            ids = ak_malloc(sizeof(uint64_t) * (size_t)(c->argc - 3));
            for (int j = 3; j < c->argc; j++) {
                long long id;
                if (!ak_str2ll(c->argv[j], c->argvlen[j], &id) || id <= 0) {
                    ak_reply_error(c, "ERR Invalid client ID");
                    ak_free(ids);
                    return;
                }
                ids[nids++] = (uint64_t)id;
            }
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    ak_out buf;
    ak_out_init(&buf, 2);
    if (type_normal) {
        if (ids) {
            /* In the order given, like Redis. */
            for (size_t i = 0; i < nids; i++)
                for (ak_session *t = c->st->clients; t; t = t->next)
                    if (t->id == ids[i])
                        client_line(c, t, &buf);
        } else {
            /* The registry is newest first; list oldest first. */
            ak_session *t = c->st->clients;
            while (t && t->next)
                t = t->next;
            for (; t; t = t->prev)
                client_line(c, t, &buf);
        }
    }
    ak_out_verbatim(&c->out, buf.buf ? buf.buf : "", buf.len);
    ak_out_free(&buf);
    ak_free(ids);
}

static int addr_is(ak_session *t, const char *which, ak_slice want)
{
    if (!t->conn || !t->conn_ops || !t->conn_ops->info)
        return 0;
    ak_conn_info ci;
    memset(&ci, 0, sizeof ci);
    t->conn_ops->info(t->conn, &ci);
    const char *a = which[0] == 'l' ? ci.laddr : ci.addr;
    return strlen(a) == want.len && !memcmp(a, want.p, want.len);
}

static void kill_session(ak_session *c, ak_session *t)
{
    if (t == c) {
        c->flags |= AK_CLIENT_CLOSE_AFTER_REPLY;
        return;
    }
    t->flags |= AK_CLIENT_KILLED;
    t->conn_ops->kill(t->conn);
}

void ak_cmd_client_kill(ak_session *c)
{
    if (c->argc == 3) { /* old form: CLIENT KILL addr:port */
        for (ak_session *t = c->st->clients; t; t = t->next) {
            if (addr_is(t, "addr", ak_arg(c, 2))) {
                kill_session(c, t);
                ak_reply_ok(c);
                return;
            }
        }
        ak_reply_error(c, "ERR No such client");
        return;
    }
    long long id = 0;
    int skipme = 1, have_type = 0, type_normal = 1;
    ak_slice addr = {0}, laddr = {0}, user = {0};
    for (int j = 2; j < c->argc; j += 2) {
        if (j + 1 >= c->argc) {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
        if (ak_arg_is(c, j, "id")) {
            if (!ak_str2ll(c->argv[j + 1], c->argvlen[j + 1], &id) || id <= 0) {
                ak_reply_error(c, "ERR client-id should be greater than 0");
                return;
            }
        } else if (ak_arg_is(c, j, "type")) {
            have_type = 1;
            if (ak_arg_is(c, j + 1, "normal")) {
                type_normal = 1;
            } else if (ak_arg_is(c, j + 1, "master") || ak_arg_is(c, j + 1, "replica") ||
                       ak_arg_is(c, j + 1, "slave") || ak_arg_is(c, j + 1, "pubsub")) {
                type_normal = 0;
            } else {
                ak_reply_errorf(c, "ERR Unknown client type '%.*s'", (int)c->argvlen[j + 1],
                                c->argv[j + 1]);
                return;
            }
        } else if (ak_arg_is(c, j, "addr")) {
            addr = ak_arg(c, j + 1);
        } else if (ak_arg_is(c, j, "laddr")) {
            laddr = ak_arg(c, j + 1);
        } else if (ak_arg_is(c, j, "user")) {
            user = ak_arg(c, j + 1);
        } else if (ak_arg_is(c, j, "skipme")) {
            if (ak_arg_is(c, j + 1, "yes"))
                skipme = 1;
            else if (ak_arg_is(c, j + 1, "no"))
                skipme = 0;
            else {
                ak_reply_error(c, AK_ERR_SYNTAX);
                return;
            }
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    if (user.p && !(user.len == 7 && !memcmp(user.p, "default", 7))) {
        ak_reply_errorf(c, "ERR No such user '%.*s'", (int)user.len, user.p);
        return;
    }
    long long killed = 0;
    for (ak_session *t = c->st->clients; t; t = t->next) {
        if (!t->conn || (t->flags & AK_CLIENT_KILLED))
            continue;
        if (have_type && !type_normal)
            continue;
        if (id && t->id != (uint64_t)id)
            continue;
        if (addr.p && !addr_is(t, "addr", addr))
            continue;
        if (laddr.p && !addr_is(t, "laddr", laddr))
            continue;
        if (t == c && skipme)
            continue;
        kill_session(c, t);
        killed++;
    }
    ak_out_integer(&c->out, killed);
}

void ak_cmd_client_help(ak_session *c)
{
    static const char *const lines[] = {
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "    * ID <client-id> [<client-id> ...]",
        "      Return clients of specified IDs only.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        NULL};
    ak_reply_help(c, "CLIENT", lines);
}
