/*
 * lua.c -- scripts of a store: the cache, running a script, and the
 * conversion of its result into a reply (script.h). The interpreter and its
 * sandbox are in sandbox.c, the redis.* API in lib_redis.c.
 *
 * Scripts. A body is compiled once and kept in the registry (ak.scripts)
 * under its SHA-1; the C side (a dict of ak_script) holds its shebang
 * flags and, for scripts cached implicitly by EVAL, their place in an LRU
 * list capped at AK_SCRIPT_EVAL_CACHE_MAX.
 *
 * Running (ak_lua_run_script, for EVAL and FCALL alike). A script runs
 * inside a protected call (run_body) under the message handler of Redis
 * (ak_lua_err_handler), which turns any error into a table {err = "CODE
 * msg", source, line}; the reply is then "<err> script: <sha or function>,
 * on <source>:<line>.". A count hook watches the time: past
 * busy-reply-threshold it hands control to the server's busy hook on each
 * call, and stops a killed script. Keys expire by the time the script
 * started (store.h: ak_expiry_frozen_ms).
 *
 * Every C buffer that crosses a Lua call is owned by a userdata or by the
 * session, so a Lua error cannot leak it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/command.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "lua_int.h"
#include "script.h"
#include "sha1.h"

typedef struct ak_script {
    ak_dnode node; /* first: the cache dict */
    char sha[41];
    unsigned flags;
    int loaded;    /* SCRIPT LOAD: never dropped by the LRU */
    size_t body_len;
    struct ak_script *prev, *next; /* EVAL-cached scripts, most recent first */
} script;

/* ---------------------------------------------------------------- the cache */

static uint64_t script_hash(const ak_dnode *n)
{
    return ak_hash(((const script *)n)->sha, 40);
}

static int script_keyeq(const ak_dnode *n, const void *key, size_t len)
{
    return len == 40 && !memcmp(((const script *)n)->sha, key, 40);
}

static const ak_dtype script_dtype = {script_hash, script_keyeq};

const ak_script_flag ak_script_flags[] = {
    {"no-writes", SF_NO_WRITES},   {"allow-oom", SF_ALLOW_OOM},
    {"allow-stale", SF_ALLOW_STALE}, {"no-cluster", SF_NO_CLUSTER},
    {"allow-cross-slot-keys", SF_ALLOW_CROSS_SLOT}, {NULL, 0}};

ak_scripting *ak_lua_scripting_new(ak_store *st)
{
    ak_scripting *sc = ak_calloc(1, sizeof *sc);
    sc->st = st;
    sc->rand48 = AK_RAND48_INIT;
    ak_dict_init(&sc->cache, &script_dtype);
    ak_session *s = ak_calloc(1, sizeof *s);
    s->st = st;
    s->authenticated = 1;
    s->flags = AK_CLIENT_DENY_BLOCKING; /* as Redis's script client */
    ak_out_init(&s->out, 2);
    sc->sess = s;
    ak_lua_newstate(sc);
    return sc;
}

void ak_lua_scripting_free(ak_scripting *sc)
{
    ak_lua_close(sc->L, sc->ctx);
    ak_out_free(&sc->sess->out);
    ak_free(sc->sess);
    ak_free(sc);
}

static ak_scripting *scripting(ak_store *st)
{
    if (!st->scripting)
        st->scripting = ak_lua_scripting_new(st);
    return st->scripting;
}

static void lru_unlink(ak_scripting *sc, script *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        sc->lru_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        sc->lru_tail = s->prev;
    s->prev = s->next = NULL;
    sc->lru_count--;
}

static void lru_push(ak_scripting *sc, script *s)
{
    s->prev = NULL;
    s->next = sc->lru_head;
    if (sc->lru_head)
        sc->lru_head->prev = s;
    else
        sc->lru_tail = s;
    sc->lru_head = s;
    sc->lru_count++;
}

static script *cache_find(ak_scripting *sc, const char *sha)
{
    return (script *)ak_dict_find(&sc->cache, sha, 40, ak_hash(sha, 40));
}

/* A use of an EVAL-cached script makes it the most recent. */
static void cache_touch(ak_scripting *sc, script *s)
{
    if (!s->loaded && sc->lru_head != s) {
        lru_unlink(sc, s);
        lru_push(sc, s);
    }
}

static void cache_drop(ak_scripting *sc, script *s)
{
    if (!s->loaded)
        lru_unlink(sc, s);
    ak_dict_unlink(&sc->cache, s->sha, 40, ak_hash(s->sha, 40));
    sc->body_bytes -= s->body_len;
    lua_State *L = sc->L;
    lua_getfield(L, LUA_REGISTRYINDEX, R_SCRIPTS);
    lua_pushnil(L);
    lua_setfield(L, -2, s->sha);
    lua_pop(L, 1);
    ak_free(s);
}

static void free_script_node(ak_dnode *n, void *ctx)
{
    (void)ctx;
    ak_free(n);
}

static void cache_clear(ak_scripting *sc)
{
    ak_dict_clear(&sc->cache, free_script_node, NULL);
    sc->lru_head = sc->lru_tail = NULL;
    sc->lru_count = 0;
    sc->body_bytes = 0;
}

/* "#!lua [flags=a,b]\n...": the flags and the shebang's length (the line
 * feed stays in the body, keeping line numbers). 0, or -1 with Redis's
 * message in err. */
static int parse_shebang(const char *body, size_t len, unsigned *flags, size_t *skip, char *err,
                         size_t errlen)
{
    *flags = SF_COMPAT;
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!')
        return 0;
    size_t clen = strnlen(body, len); /* Redis reads it as a C string */
    const char *nl = memchr(body, '\n', clen);
    if (!nl) {
        snprintf(err, errlen, "Invalid script shebang");
        return -1;
    }
    *skip = (size_t)(nl - body);
    *flags = 0;
    int part = 0;
    for (const char *p = body; p < nl;) {
        while (p < nl && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p == nl)
            break;
        const char *end = p;
        while (end < nl && *end != ' ' && *end != '\t' && *end != '\r')
            end++;
        int n = (int)(end - p);
        if (part++ == 0) {
            if (n != 5 || memcmp(p, "#!lua", 5)) {
                snprintf(err, errlen, "Unexpected engine in script shebang: %.*s", n, p);
                return -1;
            }
        } else if (n >= 6 && !memcmp(p, "flags=", 6)) {
            const char *f = p + 6;
            while (f < end) {
                const char *comma = memchr(f, ',', (size_t)(end - f));
                const char *fend = comma ? comma : end;
                size_t i;
                for (i = 0; ak_script_flags[i].name; i++)
                    if (strlen(ak_script_flags[i].name) == (size_t)(fend - f) &&
                        !memcmp(ak_script_flags[i].name, f, (size_t)(fend - f)))
                        break;
                if (!ak_script_flags[i].name) {
                    snprintf(err, errlen, "Unexpected flag in script shebang: %.*s",
                             (int)(fend - f), f);
                    return -1;
                }
                *flags |= ak_script_flags[i].flag;
                if (!comma)
                    break;
                f = comma + 1;
                if (f == end) { /* a trailing comma: an empty flag */
                    snprintf(err, errlen, "Unexpected flag in script shebang: ");
                    return -1;
                }
            }
        } else {
            snprintf(err, errlen, "Unknown lua shebang option: %.*s", n, p);
            return -1;
        }
        p = end;
    }
    return 0;
}

typedef struct compile_job {
    const char *body;
    size_t len, skip;
    const char *sha;
    int ok;
} compile_job;

/* Protected: compiles the body into registry[ak.scripts][sha], or leaves
 * the error message (with Lua 5.1's quotes around <eof>) on the stack. */
static int compile_body(lua_State *L)
{
    compile_job *j = lua_touserdata(L, 1);
    if (luaL_loadbufferx(L, j->body + j->skip, j->len - j->skip, "@user_script", "t") != LUA_OK) {
        ak_lua_quote_eof(L);
        return 1;
    }
    ak_lua_set_env(L, -1);
    lua_getfield(L, LUA_REGISTRYINDEX, R_SCRIPTS);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, j->sha);
    j->ok = 1;
    return 0;
}

/* The cached script of this body, compiled and cached if needed; NULL after
 * replying to c with the error. `load`: SCRIPT LOAD (kept for good). */
static script *get_script(ak_session *c, ak_scripting *sc, const char *body, size_t len, int load)
{
    char sha[41];
    ak_sha1_hex(sha, body, len);
    script *s = cache_find(sc, sha);
    if (s) {
        if (load && !s->loaded) {
            lru_unlink(sc, s);
            s->loaded = 1;
        }
        return s;
    }
    unsigned flags;
    size_t skip;
    char err[256];
    if (parse_shebang(body, len, &flags, &skip, err, sizeof err) < 0) {
        ak_reply_errorf(c, "ERR %s", err);
        return NULL;
    }
    lua_State *L = sc->L;
    compile_job j = {body, len, skip, sha, 0};
    lua_settop(L, 0);
    lua_pushcfunction(L, compile_body);
    lua_pushlightuserdata(L, &j);
    int rc = lua_pcall(L, 1, 1, 0);
    if (rc != LUA_OK || !j.ok) {
        ak_reply_errorf(c, "ERR Error compiling script (new function): %s",
                        lua_isstring(L, -1) ? lua_tostring(L, -1) : "not enough memory");
        lua_settop(L, 0);
        return NULL;
    }
    lua_settop(L, 0);
    s = ak_calloc(1, sizeof *s);
    memcpy(s->sha, sha, 41);
    s->flags = flags;
    s->loaded = load;
    s->body_len = len;
    ak_dict_insert(&sc->cache, &s->node, ak_hash(sha, 40));
    sc->body_bytes += len;
    if (!load) {
        lru_push(sc, s);
        /* Bounded memory: the least recently used EVAL-cached script goes
         * (docs/compatibility.md). The new one is the most recent. */
        while (sc->lru_count > AK_SCRIPT_EVAL_CACHE_MAX)
            cache_drop(sc, sc->lru_tail);
    }
    return s;
}

/* ---------------------------------------------------------------- Lua -> RESP */

typedef struct conv {
    ak_session *c;
    ak_out *o;
    int script_resp;
} conv;

/* Redis maps CR and LF to spaces in status, big number and error texts. */
static void write_line(ak_out *o, char type, const char *s, size_t n)
{
    ak_out_reserve(o, n + 3);
    o->buf[o->len++] = type;
    for (size_t i = 0; i < n; i++)
        o->buf[o->len++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    o->buf[o->len++] = '\r';
    o->buf[o->len++] = '\n';
}

/* An error reply as addReplyErrorFormatEx() writes it: the text up to its
 * first NUL, CR/LF at its end trimmed, counted in the statistics unless the
 * error was counted already (ignore_error_stats_update). */
static void write_error(ak_session *c, const char *msg, int counted)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\r' || msg[n - 1] == '\n'))
        n--;
    if (!counted) {
        char *copy = ak_memdup(msg, n);
        ak_reply_error(c, copy);
        ak_free(copy);
    } else {
        ak_out_error_len(&c->out, msg, n);
        c->failed = 1;
    }
}

/* Pushes t[name] of the table at idx without metamethods (Redis 7.0.15
 * reads a script's result raw), and returns its type. */
static int rawfield(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, name);
    return lua_rawget(L, idx);
}

static int field(lua_State *L, const char *name)
{
    return rawfield(L, -1, name);
}

/* Converts and pops the value at the top (Redis's luaReplyToRedisReply()).
 * The stack grows by one slot per level of nesting, as in Redis, so the
 * Lua 5.1 ceiling stops a self-referencing table at the same depth. */
static void reply_value(lua_State *L, conv *cv)
{
    ak_out *o = cv->o;
    if (!ak_lua_checkstack51(L, 4)) {
        write_error(cv->c, "ERR reached lua stack limit", 0);
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        ak_out_bulk(o, s, n);
        break;
    }
    case LUA_TBOOLEAN:
        if (cv->script_resp == 2) {
            if (lua_toboolean(L, -1))
                ak_out_append(o, ":1\r\n", 4);
            else
                ak_out_null(o);
        } else {
            ak_out_bool(o, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) {
            ak_out_integer(o, (long long)lua_tointeger(L, -1));
        } else {
            /* C's conversion as x86-64 does it: NaN and out of range give
             * the smallest long long. */
            double d = lua_tonumber(L, -1);
            ak_out_integer(o, d >= -9223372036854775808.0 && d < 9223372036854775808.0
                                  ? (long long)d
                                  : LLONG_MIN);
        }
        break;
    case LUA_TTABLE: {
        if (field(L, "err") == LUA_TSTRING) {
            const char *msg = lua_tostring(L, -1);
            rawfield(L, -2, "ignore_error_stats_update");
            int counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
            write_error(cv->c, msg, counted);
            lua_pop(L, 3);
            return;
        }
        lua_pop(L, 1);
        if (field(L, "ok") == LUA_TSTRING) {
            const char *s = lua_tostring(L, -1);
            write_line(o, '+', s, strlen(s));
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (field(L, "double") == LUA_TNUMBER) {
            ak_out_double(o, lua_tonumber(L, -1));
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (field(L, "big_number") == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            if (o->resp >= 3) {
                write_line(o, '(', s, n);
            } else {
                char *copy = ak_memdup(s, n);
                for (size_t i = 0; i < n; i++)
                    if (copy[i] == '\r' || copy[i] == '\n')
                        copy[i] = ' ';
                ak_out_bulk(o, copy, n);
                ak_free(copy);
            }
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (field(L, "verbatim_string") == LUA_TTABLE) {
            if (field(L, "format") == LUA_TSTRING) {
                const char *fmt = lua_tostring(L, -1);
                if (rawfield(L, -2, "string") == LUA_TSTRING) {
                    size_t n;
                    const char *s = lua_tolstring(L, -1, &n);
                    if (o->resp >= 3) {
                        char hdr[40], ext[3];
                        for (int i = 0, end = 0; i < 3; i++) {
                            if (!end && !fmt[i])
                                end = 1;
                            ext[i] = end ? ' ' : fmt[i];
                        }
                        int h = snprintf(hdr, sizeof hdr, "=%zu\r\n%.3s:", n + 4, ext);
                        ak_out_append(o, hdr, (size_t)h);
                        ak_out_append(o, s, n);
                        ak_out_append(o, "\r\n", 2);
                    } else {
                        ak_out_bulk(o, s, n);
                    }
                    lua_pop(L, 4);
                    return;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (field(L, "map") == LUA_TTABLE) {
            size_t mark = ak_out_defer(o), n = 0;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                reply_value(L, cv); /* the key */
                reply_value(L, cv); /* the value */
                n++;
            }
            ak_out_set_deferred(o, mark, '%', n);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (field(L, "set") == LUA_TTABLE) {
            size_t mark = ak_out_defer(o), n = 0;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                reply_value(L, cv);
                n++;
            }
            ak_out_set_deferred(o, mark, '~', n);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        size_t mark = ak_out_defer(o), n = 0;
        for (lua_Integer j = 1;; j++) {
            if (lua_rawgeti(L, -1, j) == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            reply_value(L, cv);
            n++;
        }
        ak_out_set_deferred(o, mark, '*', n);
        break;
    }
    default:
        ak_out_null(o);
    }
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------- running */

/* Replies to c with the error at the top of L (Redis's luaCallFunction()). */
static void reply_script_error(ak_session *c, lua_State *L, const char *sha)
{
    if (!lua_istable(L, -1)) {
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
        char buf[256];
        snprintf(buf, sizeof buf, "ERR Error running script %s, %.100s", sha, msg);
        write_error(c, buf, 0);
        return;
    }
    rawfield(L, -1, "err");
    rawfield(L, -2, "source");
    rawfield(L, -3, "line");
    rawfield(L, -4, "ignore_error_stats_update");
    const char *msg = lua_isstring(L, -4) ? lua_tostring(L, -4) : NULL;
    const char *source = lua_isstring(L, -3) ? lua_tostring(L, -3) : NULL;
    const char *line = lua_isstring(L, -2) ? lua_tostring(L, -2) : NULL;
    int counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
    if (!msg) /* Redis 7.0 crashes on an error table without "err" */
        msg = "ERR unknown error";
    size_t cap = strlen(msg) + (source ? strlen(source) : 0) + (line ? strlen(line) : 0) + 64;
    char *buf = ak_malloc(cap);
    if (source && line)
        snprintf(buf, cap, "%s script: %s, on %s:%s.", msg, sha, source, line);
    else
        snprintf(buf, cap, "%s", msg);
    write_error(c, buf, counted);
    ak_free(buf);
    lua_pop(L, 4);
}

/* The count hook: every 100000 instructions, the elapsed time; past the
 * threshold the server is given the hand (busy_hook) on every call, and a
 * killed script is stopped. After the kill the hook fires on every line,
 * so that a pcall cannot catch the error for good (as Redis). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ak_scripting *sc = ak_lua_sc(L);
    ak_lua_run *r = sc ? sc->run : NULL;
    if (!r)
        return;
    ak_store *st = sc->st;
    if (!r->killed && !r->shutdown) {
        if (!r->timedout) {
            long long ms = (long long)((ak_monotonic_us() - r->start_us) / 1000);
            if (ms < st->cfg.busy_reply_threshold)
                return;
            if (st->log && st->cfg.loglevel <= AK_LOG_WARNING)
                st->log(AK_LOG_WARNING,
                        "Slow script detected: still in execution after %lld milliseconds. "
                        "You can try killing the script using the SCRIPT KILL command. "
                        "Script name is: %s.",
                        ms, r->name);
            r->timedout = 1;
            if (st->busy_hook(st->busy_ctx, r->caller, AK_BUSY_START))
                r->shutdown = 1;
        }
        if (!r->shutdown && st->busy_hook(st->busy_ctx, r->caller, AK_BUSY_POLL))
            r->shutdown = 1;
    }
    if (!r->killed && !r->shutdown)
        return;
    if (r->killed && !r->logged_kill) {
        r->logged_kill = 1;
        if (st->log && st->cfg.loglevel <= AK_LOG_WARNING)
            st->log(AK_LOG_WARNING, "Lua script killed by user with SCRIPT KILL.");
    }
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    ak_lua_raise(L, "Script killed by user with SCRIPT KILL...");
}

typedef struct run_job {
    ak_session *c;
    const ak_lua_target *t;
    int numkeys;
    conv cv;
    int raised; /* the script ended in an error it did not catch */
} run_job;

static void push_array(lua_State *L, ak_session *c, int from, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, c->argv[from + i], c->argvlen[from + i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* Protected: converts the script's result (stack: job, value). */
static int convert_result(lua_State *L)
{
    run_job *j = lua_touserdata(L, 1);
    reply_value(L, &j->cv);
    return 0;
}

/* Protected: hands the keys and arguments over (EVAL: the KEYS and ARGV
 * globals; FCALL: the callback's two arguments), calls the script, writes
 * its reply. */
static int run_body(lua_State *L)
{
    run_job *j = lua_touserdata(L, 1);
    ak_session *c = j->c;
    const ak_lua_target *t = j->t;
    int nargs = 0;
    lua_settop(L, 0);
    lua_pushcfunction(L, ak_lua_err_handler); /* 1 */
    if (t->fcall) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, t->ref); /* 2: the callback */
        push_array(L, c, 3, j->numkeys);
        push_array(L, c, 3 + j->numkeys, c->argc - 3 - j->numkeys);
        nargs = 2;
    } else {
        lua_getfield(L, LUA_REGISTRYINDEX, R_VIS);
        push_array(L, c, 3, j->numkeys);
        lua_setfield(L, -2, "KEYS");
        push_array(L, c, 3 + j->numkeys, c->argc - 3 - j->numkeys);
        lua_setfield(L, -2, "ARGV");
        lua_pop(L, 1);
        lua_getfield(L, LUA_REGISTRYINDEX, R_SCRIPTS);
        lua_getfield(L, -1, t->name);
        lua_remove(L, -2); /* 2: the script */
    }
    size_t mark = c->out.len;
    int rc = lua_pcall(L, nargs, 1, 1);
    if (rc == LUA_OK) {
        /* booleans follow the protocol the script chose (redis.setresp) */
        j->cv.script_resp = ak_lua_sc(L)->sess->out.resp;
        /* stack: handler, result -- as in Redis when it converts */
        lua_pushcfunction(L, convert_result);
        lua_pushlightuserdata(L, j);
        lua_pushvalue(L, 2);
        rc = lua_pcall(L, 2, 0, 1);
        if (rc != LUA_OK)
            c->out.len = mark; /* a metamethod failed midway: only the error goes */
    }
    if (rc != LUA_OK) {
        j->raised = 1;
        reply_script_error(c, L, t->name);
    }
    return 0;
}

void ak_lua_run_script(ak_session *c, ak_scripting *sc, const ak_lua_target *t, int numkeys,
                       int ro)
{
    ak_store *st = c->st;
    lua_State *L = sc->L;
    ak_lua_run r = {0};
    r.caller = c;
    r.name = t->name;
    r.fcall = t->fcall;
    r.ro = ro;
    r.repl = 3;
    r.start_us = ak_monotonic_us();
    int64_t frozen = ak_expiry_frozen_ms;
    ak_expiry_frozen_ms = ak_mstime(); /* keys expire by the script's start */
    ak_session *sess = sc->sess;
    sess->db = c->db;
    sess->out.resp = 2;
    sess->out.len = 0;
    sc->run = &r;
    st->script_run = &r;
    int hook = st->cfg.busy_reply_threshold > 0 && st->busy_hook;
    if (hook)
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);

    /* All or nothing (an AiKv choice; Redis keeps what a failing script
     * wrote): a script that raises an error it does not catch is rolled
     * back to a savepoint of the engine's transaction. A read-only script
     * has nothing to undo and takes none. */
    uint64_t sp = ro ? 0 : ak_store_savepoint(st);
    size_t mark = c->out.len;
    run_job j = {c, t, numkeys, {c, &c->out, 2}, 0};
    lua_settop(L, 0);
    lua_pushcfunction(L, run_body);
    lua_pushlightuserdata(L, &j);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        /* Only memory errors get here (the body traps everything else). */
        c->out.len = mark;
        char buf[192];
        snprintf(buf, sizeof buf, "ERR Error running script %.128s, not enough memory", t->name);
        write_error(c, buf, 0);
        j.raised = 1;
    }
    lua_settop(L, 0);
    if (sp) {
        if (j.raised)
            ak_store_rollback_to(st, sp);
        ak_store_release(st, sp);
    }

    if (hook)
        lua_sethook(L, NULL, 0, 0);
    if (r.timedout)
        st->busy_hook(st->busy_ctx, c, AK_BUSY_END);
    sc->run = NULL;
    st->script_run = NULL;
    ak_expiry_frozen_ms = frozen;
    /* Redis's periodic incremental step instead of Lua's own full cycles. */
    if (++sc->calls % 50 == 0)
        lua_gc(L, LUA_GCSTEP, 50);
    if (r.shutdown) {
        /* The server is going down (SHUTDOWN NOSAVE while busy): like Redis,
         * which exits from inside the script, the caller gets no reply. */
        c->out.len = mark;
        c->flags |= AK_CLIENT_CLOSE_AFTER_REPLY;
    }
}

/* ---------------------------------------------------------------- commands */

#define ERR_NOSCRIPT "NOSCRIPT No matching script. Please use EVAL."

int ak_lua_numkeys_ok(ak_session *c, long long numkeys)
{
    if (numkeys > c->argc - 3) {
        ak_reply_error(c, "ERR Number of keys can't be greater than number of args");
        return 0;
    }
    if (numkeys < 0) {
        ak_reply_error(c, "ERR Number of keys can't be negative");
        return 0;
    }
    return 1;
}

void ak_script_eval(ak_session *c, int by_sha, int ro)
{
    if (by_sha && c->argvlen[1] != 40) {
        ak_reply_error(c, ERR_NOSCRIPT);
        return;
    }
    long long numkeys;
    if (!ak_arg_ll(c, 2, &numkeys) || !ak_lua_numkeys_ok(c, numkeys))
        return;
    ak_scripting *sc = scripting(c->st);
    script *s;
    if (by_sha) {
        char sha[41];
        for (int i = 0; i < 40; i++) {
            char ch = c->argv[1][i];
            sha[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 'a' - 'A') : ch;
        }
        sha[40] = '\0';
        s = cache_find(sc, sha);
        if (!s) {
            ak_reply_error(c, ERR_NOSCRIPT);
            return;
        }
    } else {
        s = get_script(c, sc, c->argv[1], c->argvlen[1], 0);
        if (!s)
            return;
    }
    cache_touch(sc, s);
    int no_writes = !(s->flags & SF_COMPAT) && (s->flags & SF_NO_WRITES);
    if (ro && !(s->flags & SF_COMPAT) && !no_writes) {
        ak_reply_error(c, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    ak_lua_target t = {s->sha, 0, 0};
    ak_lua_run_script(c, sc, &t, (int)numkeys, ro || no_writes);
}

void ak_script_load(ak_session *c, ak_slice body)
{
    script *s = get_script(c, scripting(c->st), body.p, body.len, 1);
    if (s)
        ak_out_bulk(&c->out, s->sha, 40);
}

int ak_script_exists(ak_store *st, ak_slice sha)
{
    if (!st->scripting || sha.len != 40)
        return 0;
    char lower[41];
    for (int i = 0; i < 40; i++)
        lower[i] = (sha.p[i] >= 'A' && sha.p[i] <= 'Z') ? (char)(sha.p[i] + 'a' - 'A') : sha.p[i];
    lower[40] = '\0';
    return cache_find(st->scripting, lower) != NULL;
}

void ak_script_flush(ak_store *st, int async)
{
    ak_scripting *sc = st->scripting;
    if (!sc)
        return;
    cache_clear(sc);
    ak_lua_renew(sc, async);
}

void ak_script_kill(ak_session *c, int fcall)
{
    ak_lua_run *r = c->st->script_run;
    if (!r) {
        ak_reply_error(c, "NOTBUSY No scripts in execution right now.");
        return;
    }
    if (r->dirty) {
        ak_reply_error(c, "UNKILLABLE Sorry the script already executed write commands against "
                          "the dataset. You can either wait the script termination or kill the "
                          "server in a hard way using the SHUTDOWN NOSAVE command.");
        return;
    }
    if (r->fcall != fcall) { /* SCRIPT KILL stops scripts, FUNCTION KILL functions */
        ak_reply_error(c, r->fcall ? AK_ERR_BUSY_FUNCTION : AK_ERR_BUSY);
        return;
    }
    r->killed = 1;
    ak_reply_ok(c);
}

const char *ak_script_busy_error(const ak_store *st)
{
    const ak_lua_run *r = st->script_run;
    if (!r || !r->timedout)
        return NULL;
    return r->fcall ? AK_ERR_BUSY_FUNCTION : AK_ERR_BUSY;
}

void ak_script_memory(const ak_store *st, size_t *vm, size_t *cache, size_t *count)
{
    const ak_scripting *sc = st->scripting;
    *vm = *cache = *count = 0;
    if (!sc)
        return;
    *vm = (size_t)lua_gc(sc->L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(sc->L, LUA_GCCOUNTB, 0);
    *count = (size_t)ak_dict_size(&sc->cache);
    *cache = sc->body_bytes + *count * sizeof(script) + ak_dict_mem(&sc->cache);
}

void ak_script_free(ak_store *st)
{
    ak_scripting *sc = st->scripting;
    if (!sc)
        return;
    cache_clear(sc);
    ak_lua_scripting_free(sc);
    st->scripting = NULL;
}
