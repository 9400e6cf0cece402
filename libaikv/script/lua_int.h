/*
 * lua_int.h -- what the files of the interpreter share (script/lua.c,
 * sandbox.c, lib_redis.c); script.h is the interface to the rest.
 *
 * A store's interpreter is an ak_scripting: the lua_State, the scripts'
 * session, the script cache, and the run of the script being executed.
 * Every C function reaches it through the lua_State's extra space (lctx),
 * whose pointer is cleared when the state is being closed.
 */
#ifndef AK_LUA_INT_H
#define AK_LUA_INT_H

#include <lauxlib.h>
#include <lua.h>
#include <stdint.h>

#include "../core/core.h"
#include "../util/dict.h"
#include "lualib.h"

/* Registry keys. */
#define R_SCRIPTS "ak.scripts" /* sha -> compiled function */
#define R_ENV "ak.env"         /* E: the scripts' _ENV */
#define R_VIS "ak.vis"         /* VIS: the globals E shows */

/* The script being run. */
typedef struct ak_lua_run {
    ak_session *caller;
    const char *name; /* the script's SHA-1 or the function's name */
    int fcall;    /* a function (FCALL), not a script (EVAL) */
    int ro;       /* EVAL_RO or no-writes: write commands are refused */
    int dirty;    /* a write command ran: SCRIPT KILL refuses */
    int timedout; /* past busy-reply-threshold */
    int killed;   /* SCRIPT KILL */
    int shutdown; /* the server is shutting down */
    int logged_kill;
    int repl;     /* redis.set_repl(): accepted, nothing to replicate to */
    int64_t start_us;
} ak_lua_run;

/* The lua_State's extra space points here; sc is NULL once the state is on
 * its way out (SCRIPT FLUSH ASYNC closes it in a thread, where its
 * finalizers must not reach the store). */
typedef struct ak_lua_ctx {
    struct ak_scripting *sc;
} ak_lua_ctx;

struct ak_script;

typedef struct ak_scripting {
    ak_store *st;
    lua_State *L;
    ak_lua_ctx *ctx;
    ak_session *sess; /* the scripts' session; not in the client registry */
    ak_lua_run *run;
    ak_dict cache;    /* sha -> struct ak_script (lua.c) */
    struct ak_script *lru_head, *lru_tail;
    size_t lru_count;
    size_t body_bytes;
    uint64_t rand48;  /* math.random's state: survives SCRIPT FLUSH, as in Redis */
    unsigned calls;   /* for the periodic GC step */
} ak_scripting;

/* math.random's generator before any seed (Redis's rand.c). */
#define AK_RAND48_INIT UINT64_C(0x1234ABCD330E)

static inline ak_scripting *ak_lua_sc(lua_State *L)
{
    ak_lua_ctx *x = *(ak_lua_ctx **)lua_getextraspace(L);
    return x ? x->sc : NULL;
}

static inline ak_lua_run *ak_lua_run_of(lua_State *L)
{
    ak_scripting *sc = ak_lua_sc(L);
    return sc ? sc->run : NULL;
}

/* Script flags: a script's shebang ("#!lua flags=..."), a function's
 * flags. SF_COMPAT: a script without a shebang (Redis 6 rules). */
#define SF_COMPAT 0x01
#define SF_NO_WRITES 0x02
#define SF_ALLOW_OOM 0x04
#define SF_ALLOW_STALE 0x08
#define SF_NO_CLUSTER 0x10
#define SF_ALLOW_CROSS_SLOT 0x20

typedef struct ak_script_flag {
    const char *name;
    unsigned flag;
} ak_script_flag;

/* The flags' names, in Redis's order; ends with {NULL, 0}. */
extern const ak_script_flag ak_script_flags[];

/* ---- lua.c */

/* A new interpreter with its session (an ak_scripting whose cache is not
 * used by functions), and its end. */
ak_scripting *ak_lua_scripting_new(ak_store *st);
void ak_lua_scripting_free(ak_scripting *sc);

/* EVAL's and FCALL's checks of numkeys against the arguments given: 1, or
 * 0 after replying with Redis's error. */
int ak_lua_numkeys_ok(ak_session *c, long long numkeys);

/* What ak_lua_run_script runs. */
typedef struct ak_lua_target {
    const char *name; /* EVAL: the SHA-1 (the key in R_SCRIPTS); FCALL: the function */
    int fcall;        /* call `ref` with the keys and arguments as its two arguments */
    int ref;          /* FCALL: the callback's reference in the registry */
} ak_lua_target;

/* Runs a script or function for c (whose argv is EVAL/FCALL's: name,
 * numkeys, keys, args) and writes its reply: the busy-script machinery, the
 * rollback of an uncaught error, the conversion of the result. */
void ak_lua_run_script(ak_session *c, ak_scripting *sc, const ak_lua_target *t, int numkeys,
                       int ro);

/* ---- sandbox.c */

/* A new interpreter with the sandbox for sc (sc->L, sc->ctx). */
void ak_lua_newstate(ak_scripting *sc);
/* Closes an interpreter, now or in a detached thread. */
void ak_lua_close(lua_State *L, ak_lua_ctx *x);
void ak_lua_close_async(lua_State *L, ak_lua_ctx *x);
/* Replaces sc's interpreter by a new one; the old one is closed now or,
 * with async, in a detached thread (SCRIPT FLUSH, FUNCTION FLUSH). */
void ak_lua_renew(ak_scripting *sc, int async);
/* Gives the function at fn the sandbox as its _ENV. */
void ak_lua_set_env(lua_State *L, int fn);
/* FUNCTION LOAD: on = 1 makes the sandbox's globals the load API (only
 * `redis` with register_function = register_fn, log and the constants);
 * on = 0 restores them. */
void ak_lua_load_env(lua_State *L, lua_CFunction register_fn, int on);
/* Replaces the error message at the top: Lua 5.1's "near '<eof>'". */
void ak_lua_quote_eof(lua_State *L);
/* The message handler scripts run under (Redis's __redis__err__handler). */
int ak_lua_err_handler(lua_State *L);

/* ---- lib_redis.c */

/* Pushes the `redis` table. */
int ak_luaopen_redis(lua_State *L);
/* Pushes Redis's error table {err = "CODE msg"}: with `coded`, msg starts
 * with its code ("WRONGTYPE Operation ..."; without a space it is all text
 * and gets ERR); otherwise the code is ERR. CR/LF around msg are trimmed. */
void ak_lua_push_error(lua_State *L, const char *msg, int coded);
/* ak_lua_push_error(L, msg, 0), raised. */
int ak_lua_raise(lua_State *L, const char *msg);

#endif
