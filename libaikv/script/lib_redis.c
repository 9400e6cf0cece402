/*
 * lib_redis.c -- the `redis` table of scripts: call, pcall, error_reply,
 * status_reply, sha1hex, log, setresp, set_repl, acl_check_cmd,
 * breakpoint, debug, replicate_commands, the LOG_*, REPL_* and version
 * constants, and the conversion of a command's reply into Lua values.
 *
 * redis.call() runs the command through ak_session_call() on the scripts'
 * own session (its database, the protocol chosen by redis.setresp), after
 * the checks Redis's scriptCall() makes (unknown command, arity, noscript,
 * writes in a read-only script), then parses the reply written into that
 * session's buffer with the RESP reader and converts the tree. Errors are
 * Redis's tables {err = "CODE msg"} (ak_lua_push_error); redis.call raises
 * them, redis.pcall returns them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/command.h"
#include "../core/resp.h"
#include "lua_int.h"
#include "sha1.h"

#define REPLY_BOX "ak.replybox"

/* ---------------------------------------------------------------- errors */

/* Redis's luaPushErrorBuff(): pushes {err = "CODE msg"}. With `coded` the
 * message starts with its code ("WRONGTYPE Operation ...", as a reply
 * carries it, or "-CODE msg" from redis.error_reply); a message without a
 * space is all text and gets ERR. Without `coded` the code is ERR.
 * Surrounding CR/LF are trimmed. */
void ak_lua_push_error(lua_State *L, const char *msg, int coded)
{
    const char *code = "ERR";
    size_t codelen = 3;
    if (coded) {
        const char *sp = strchr(msg, ' ');
        if (sp) {
            code = msg;
            codelen = (size_t)(sp - msg);
            msg = sp + 1;
        }
    }
    size_t len = strlen(msg);
    while (len && (*msg == '\r' || *msg == '\n')) {
        msg++;
        len--;
    }
    while (len && (msg[len - 1] == '\r' || msg[len - 1] == '\n'))
        len--;
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, code, codelen);
    lua_pushliteral(L, " ");
    lua_pushlstring(L, msg, len);
    lua_concat(L, 3);
    lua_setfield(L, -2, "err");
}

int ak_lua_raise(lua_State *L, const char *msg)
{
    ak_lua_push_error(L, msg, 0);
    return lua_error(L);
}

/* ---------------------------------------------------------------- RESP -> Lua */

/* Pushes the Lua value of a reply as Redis's redisProtocolToLuaType(): bulk
 * -> string, integer -> integer, status -> {ok=}, error -> {err=} (with
 * ignore_error_stats_update: the command counted it), array -> table, null
 * -> false (RESP2) or nil (RESP3); RESP3: map -> {map={}}, set ->
 * {set={k=true}}, double -> {double=}, bool, big number -> {big_number=},
 * verbatim -> {verbatim_string={format=, string=}}. */
static void push_reply(lua_State *L, const aikv_reply_t *r, int resp)
{
    luaL_checkstack(L, 5, "lua stack limit reach when parsing redis.call reply");
    switch (r->type) {
    case AIKV_REPLY_STRING:
        lua_pushlstring(L, r->str, r->len);
        return;
    case AIKV_REPLY_INTEGER:
        lua_pushinteger(L, r->integer);
        return;
    case AIKV_REPLY_NIL:
        if (resp == 2)
            lua_pushboolean(L, 0);
        else
            lua_pushnil(L);
        return;
    case AIKV_REPLY_STATUS:
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, r->str, r->len);
        lua_setfield(L, -2, "ok");
        return;
    case AIKV_REPLY_ERROR:
        ak_lua_push_error(L, r->str, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return;
    case AIKV_REPLY_BOOL:
        lua_pushboolean(L, r->integer != 0);
        return;
    case AIKV_REPLY_DOUBLE:
        lua_createtable(L, 0, 1);
        lua_pushnumber(L, r->dval);
        lua_setfield(L, -2, "double");
        return;
    case AIKV_REPLY_BIGNUM:
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, r->str, r->len);
        lua_setfield(L, -2, "big_number");
        return;
    case AIKV_REPLY_VERB:
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, 2);
        lua_pushlstring(L, r->str, r->len);
        lua_setfield(L, -2, "string");
        lua_pushlstring(L, r->vtype, strnlen(r->vtype, 3));
        lua_setfield(L, -2, "format");
        lua_setfield(L, -2, "verbatim_string");
        return;
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_SET:
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, (int)(r->elements < 1024 ? r->elements : 1024));
        if (r->type == AIKV_REPLY_MAP) {
            for (size_t i = 0; i + 1 < r->elements; i += 2) {
                push_reply(L, r->element[i], resp);
                push_reply(L, r->element[i + 1], resp);
                if (lua_isnil(L, -2))
                    lua_pop(L, 2);
                else
                    lua_rawset(L, -3);
            }
            lua_setfield(L, -2, "map");
        } else {
            for (size_t i = 0; i < r->elements; i++) {
                push_reply(L, r->element[i], resp);
                lua_pushboolean(L, 1);
                if (lua_isnil(L, -2))
                    lua_pop(L, 2);
                else
                    lua_rawset(L, -3);
            }
            lua_setfield(L, -2, "set");
        }
        return;
    case AIKV_REPLY_ATTR: /* never written by commands; Redis hides them */
        lua_pushnil(L);
        return;
    default: /* arrays, pushes */
        lua_createtable(L, (int)(r->elements < 1024 ? r->elements : 1024), 0);
        for (size_t i = 0; i < r->elements; i++) {
            push_reply(L, r->element[i], resp);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return;
    }
}

static int reply_box_gc(lua_State *L)
{
    aikv_reply_t **box = lua_touserdata(L, 1);
    aikv_reply_free(*box);
    *box = NULL;
    return 0;
}

/* ---------------------------------------------------------------- redis.call */

/* The arguments of a redis.* call as strings, in place (numbers as Redis
 * prints them: "%.17g", integers exactly), with argv and lengths in a
 * userdata pushed on top. Returns argc, or -1 after pushing Redis's error
 * table. */
static int call_args(lua_State *L, const char ***argv, size_t **lens)
{
    int argc = lua_gettop(L);
    if (argc == 0) {
        ak_lua_push_error(L, "Please specify at least one argument for this redis lib call", 0);
        return -1;
    }
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TNUMBER) {
            char buf[64];
            int n;
            if (lua_isinteger(L, i))
                n = snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, i));
            else
                n = snprintf(buf, sizeof buf, "%.17g", (double)lua_tonumber(L, i));
            lua_pushlstring(L, buf, (size_t)n);
            lua_replace(L, i);
        } else if (t != LUA_TSTRING) {
            ak_lua_push_error(L, "Lua redis lib command arguments must be strings or integers", 0);
            return -1;
        }
    }
    char *block = lua_newuserdatauv(L, (size_t)argc * (sizeof(char *) + sizeof(size_t)), 0);
    *argv = (const char **)(void *)block;
    *lens = (size_t *)(void *)(block + sizeof(char *) * (size_t)argc);
    for (int i = 0; i < argc; i++)
        (*argv)[i] = lua_tolstring(L, i + 1, &(*lens)[i]);
    return argc;
}

/* Redis's lookupCommand(): a container's subcommand when there is a word
 * for it (NULL if unknown). */
static const ak_cmd *lookup_command(int argc, const char *const *argv, const size_t *lens)
{
    const ak_cmd *cmd = ak_cmd_lookup(argv[0], lens[0]);
    if (!cmd || !cmd->sub || argc < 2)
        return cmd;
    return ak_cmd_lookup_sub(cmd, argv[1], lens[1]);
}

static int redis_generic(lua_State *L, int raise)
{
    ak_scripting *sc = ak_lua_sc(L);
    ak_lua_run *r = sc ? sc->run : NULL;
    if (!r)
        return ak_lua_raise(L, "redis.call/pcall can only be called inside a script invocation");
    const char **argv;
    size_t *lens;
    int argc = call_args(L, &argv, &lens);
    if (argc < 0)
        return raise ? lua_error(L) : 1;

    const char *err = NULL;
    const ak_cmd *cmd = lookup_command(argc, argv, lens);
    if (!cmd)
        err = "Unknown Redis command called from script";
    else if ((cmd->arity > 0 && argc != cmd->arity) || argc < -cmd->arity || !cmd->proc)
        err = "Wrong number of args calling Redis command from script";
    else if (cmd->flags & AK_CMD_NOSCRIPT)
        err = "This Redis command is not allowed from script";
    else if (r->ro && (cmd->flags & (AK_CMD_WRITE | AK_CMD_MAY_REPLICATE)))
        err = "Write commands are not allowed from read-only scripts.";
    ak_session *s = sc->sess;
    if (err) {
        /* Counted as Redis counts a call scriptCall() refuses: an ERR reply
         * in the error statistics, a rejected call of the command. */
        size_t mark = s->out.len;
        char msg[96];
        snprintf(msg, sizeof msg, "ERR %s", err);
        ak_reply_error(s, msg);
        s->out.len = mark;
        if (cmd)
            sc->st->cmdstats[cmd->id].rejected++;
        ak_lua_push_error(L, err, 0);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return raise ? lua_error(L) : 1;
    }
    if (cmd->flags & AK_CMD_WRITE)
        r->dirty = 1;

    /* The box owns the parsed reply until it is converted. */
    aikv_reply_t **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    if (luaL_newmetatable(L, REPLY_BOX)) {
        lua_pushcfunction(L, reply_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);

    s->argc = argc;
    s->argv = argv;
    s->argvlen = lens;
    s->out.len = 0;
    ak_session_call(s, cmd);
    s->argc = 0;
    s->argv = NULL;
    s->argvlen = NULL;
    s->cmd = NULL;
    *box = ak_reply_parse(s->out.buf, s->out.len);
    s->out.len = 0;
    if (!*box)
        return ak_lua_raise(L, "internal error: unreadable reply");
    int is_error = (*box)->type == AIKV_REPLY_ERROR;
    push_reply(L, *box, s->out.resp);
    aikv_reply_free(*box);
    *box = NULL;
    if (raise && is_error)
        return lua_error(L);
    return 1;
}

static int l_redis_call(lua_State *L)
{
    return redis_generic(L, 1);
}

static int l_redis_pcall(lua_State *L)
{
    return redis_generic(L, 0);
}

/* ---------------------------------------------------------------- redis.* */

static int l_sha1hex(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return ak_lua_raise(L, "wrong number of arguments");
    size_t n = 0;
    const char *s = lua_tolstring(L, 1, &n);
    char hex[41];
    ak_sha1_hex(hex, s, s ? n : 0);
    lua_pushstring(L, hex);
    return 1;
}

static int l_error_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        ak_lua_push_error(L, "wrong number or type of arguments", 0);
        return 1;
    }
    const char *e = lua_tostring(L, 1);
    /* "-CODE msg" or "CODE msg" alike: the part before a space is the code. */
    ak_lua_push_error(L, e[0] == '-' ? e + 1 : e, 1);
    return 1;
}

static int l_status_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        ak_lua_push_error(L, "wrong number or type of arguments", 0);
        return 1;
    }
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

/* A Lua number converted to C's int directly, as Redis does for
 * redis.setresp/set_repl/log (x86-64: out of range gives INT_MIN). */
static int trunc_int(double d)
{
    if (!(d > -2147483649.0 && d < 2147483648.0))
        return INT32_MIN;
    return (int)d;
}

static int l_setresp(lua_State *L)
{
    ak_scripting *sc = ak_lua_sc(L);
    if (!sc || !sc->run)
        return ak_lua_raise(L, "redis.setresp can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc != 1)
        return ak_lua_raise(L, "redis.setresp() requires one argument.");
    int resp = trunc_int(lua_tonumber(L, -argc));
    if (resp != 2 && resp != 3)
        return ak_lua_raise(L, "RESP version must be 2 or 3.");
    sc->sess->out.resp = resp;
    return 0;
}

static int l_set_repl(lua_State *L)
{
    ak_lua_run *r = ak_lua_run_of(L);
    if (!r)
        return ak_lua_raise(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1)
        return ak_lua_raise(L, "redis.set_repl() requires two arguments.");
    int flags = trunc_int(lua_tonumber(L, -1));
    if (flags & ~3)
        return ak_lua_raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL "
                              "or REPL_NONE.");
    r->repl = flags; /* nothing replicates from AiKv: the choice has no effect */
    return 0;
}

static int l_log(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc < 2)
        return ak_lua_raise(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, -argc))
        return ak_lua_raise(L, "First argument must be a number (log level).");
    int level = trunc_int(lua_tonumber(L, -argc));
    if (level < AK_LOG_DEBUG || level > AK_LOG_WARNING)
        return ak_lua_raise(L, "Invalid debug level.");
    ak_scripting *sc = ak_lua_sc(L);
    if (!sc || !sc->st->log || level < sc->st->cfg.loglevel)
        return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 1; j < argc; j++) {
        size_t n;
        const char *s = lua_tolstring(L, j + 1, &n); /* absolute: the buffer uses the stack */
        if (s) {
            if (j != 1)
                luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, n);
        }
    }
    luaL_pushresult(&b);
    sc->st->log(level, "%s", lua_tostring(L, -1));
    return 0;
}

static int l_acl_check_cmd(lua_State *L)
{
    if (!ak_lua_run_of(L))
        return ak_lua_raise(L, "redis.acl_check_cmd can only be called inside a script invocation");
    const char **argv;
    size_t *lens;
    int argc = call_args(L, &argv, &lens);
    if (argc < 0)
        return lua_error(L);
    if (!lookup_command(argc, argv, lens))
        return ak_lua_raise(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, 1); /* no ACLs: the default user may run every command */
    return 1;
}

/* redis.breakpoint() and redis.debug() act only under the Lua debugger
 * (SCRIPT DEBUG), which AiKv does not have: as Redis without a debugging
 * session, false and nothing. */
static int l_breakpoint(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static int l_debug(lua_State *L)
{
    (void)L;
    return 0;
}

static int l_replicate_commands(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

/* ---------------------------------------------------------------- the table */

static void set_fn(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

static void set_int(lua_State *L, const char *name, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
}

static int redis_version_num(void)
{
    int a = 0, b = 0, c = 0;
    sscanf(AIKV_REDIS_VERSION, "%d.%d.%d", &a, &b, &c);
    return (a << 16) | (b << 8) | c;
}

int ak_luaopen_redis(lua_State *L)
{
    lua_createtable(L, 0, 32);
    set_fn(L, "call", l_redis_call);
    set_fn(L, "pcall", l_redis_pcall);
    set_fn(L, "log", l_log);
    set_int(L, "LOG_DEBUG", AK_LOG_DEBUG);
    set_int(L, "LOG_VERBOSE", AK_LOG_VERBOSE);
    set_int(L, "LOG_NOTICE", AK_LOG_NOTICE);
    set_int(L, "LOG_WARNING", AK_LOG_WARNING);
    set_int(L, "REDIS_VERSION_NUM", redis_version_num());
    lua_pushstring(L, AIKV_REDIS_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    set_fn(L, "setresp", l_setresp);
    set_fn(L, "sha1hex", l_sha1hex);
    set_fn(L, "error_reply", l_error_reply);
    set_fn(L, "status_reply", l_status_reply);
    set_fn(L, "set_repl", l_set_repl);
    set_int(L, "REPL_NONE", 0);
    set_int(L, "REPL_AOF", 1);
    set_int(L, "REPL_SLAVE", 2);
    set_int(L, "REPL_REPLICA", 2);
    set_int(L, "REPL_ALL", 3);
    set_fn(L, "acl_check_cmd", l_acl_check_cmd);
    set_fn(L, "breakpoint", l_breakpoint);
    set_fn(L, "debug", l_debug);
    set_fn(L, "replicate_commands", l_replicate_commands);
    return 1;
}
