/*
 * script.h -- Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT) and
 * Functions (FUNCTION, FCALL, FCALL_RO), as Redis 7.0 runs them, on Lua 5.4.
 *
 *   - One Lua interpreter per store for scripts, created by the first
 *     script and replaced by SCRIPT FLUSH; scripts are cached under the
 *     SHA-1 of their body (compiled once). Functions have an interpreter of
 *     their own (function.c), replaced by FUNCTION FLUSH.
 *   - A script runs inside the EVAL command's handler, under the store lock
 *     that handler holds: nothing interleaves with it. redis.call() runs a
 *     command through ak_session_call() on the script's own session (its
 *     database, its protocol set by redis.setresp) and turns the reply
 *     written into that session's buffer into Lua values with the RESP
 *     reader.
 *   - Past busy-reply-threshold the script is "busy": the store's busy_hook
 *     (set by the server) is called from a Lua count hook so that the server
 *     keeps answering other clients, which get -BUSY from dispatch
 *     (ak_script_busy_error()) except for the commands flagged allow_busy (SCRIPT
 *     KILL, SHUTDOWN NOSAVE, ...). Embedded stores have no hook: a long
 *     script simply runs.
 *
 * docs/scripting.md describes the sandbox and what differs from Redis's
 * Lua 5.1. Everything here expects the store locked.
 */
#ifndef AK_SCRIPT_H
#define AK_SCRIPT_H

#include "../core/core.h"

#define AK_ERR_BUSY \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define AK_ERR_BUSY_FUNCTION \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."

/* What the server's busy_hook is told (core.h: ak_store.busy_hook). */
enum {
    AK_BUSY_START, /* the script went past the threshold: stop reading from `running` */
    AK_BUSY_POLL,  /* serve the other clients once, without blocking */
    AK_BUSY_END    /* the script is over: `running` may be read again */
};

/* EVAL / EVALSHA (sha = 1) and their _RO forms (ro = 1) on c's arguments:
 * replies to c. */
void ak_script_eval(ak_session *c, int sha, int ro);

/* SCRIPT LOAD: compiles and caches body, replies with its SHA-1 or the
 * compilation error. */
void ak_script_load(ak_session *c, ak_slice body);
/* SCRIPT EXISTS: 1 if a script with that SHA-1 (any case) is cached. */
int ak_script_exists(ak_store *st, ak_slice sha);
/* SCRIPT FLUSH: empties the cache and starts a new interpreter; async frees
 * the old one in a thread. */
void ak_script_flush(ak_store *st, int async);
/* SCRIPT KILL (fcall = 0) and FUNCTION KILL (fcall = 1): replies OK (the
 * running script or function will stop), NOTBUSY, UNKILLABLE, or BUSY when
 * the other kind runs. */
void ak_script_kill(ak_session *c, int fcall);

/* While a script or function runs past busy-reply-threshold, the BUSY error
 * dispatch answers to whatever is not allow_busy (it names SCRIPT KILL or
 * FUNCTION KILL); NULL otherwise. */
const char *ak_script_busy_error(const ak_store *st);

/* INFO memory: the interpreter's bytes, the cache's bytes, the number of
 * cached scripts (zeros before the first script). */
void ak_script_memory(const ak_store *st, size_t *vm, size_t *cache, size_t *count);

/* Frees the store's interpreter and cache (ak_store_close). */
void ak_script_free(ak_store *st);

/* ---- Functions (function.c) ---- */

/* FUNCTION LOAD [REPLACE] code: replies with the library's name or Redis's
 * error. */
void ak_function_load(ak_session *c, int replace, ak_slice code);
/* FUNCTION DELETE name. */
void ak_function_delete(ak_session *c, ak_slice name);
/* FUNCTION FLUSH: every library goes; async closes the old interpreter in
 * a thread. */
void ak_function_flush(ak_session *c, int async);
/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] (pattern.p NULL: all). */
void ak_function_list(ak_session *c, ak_slice pattern, int withcode);
/* FUNCTION DUMP: Redis's payload (util/rdbfn.h). */
void ak_function_dump(ak_session *c);
/* FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. */
enum { AK_RESTORE_APPEND, AK_RESTORE_REPLACE, AK_RESTORE_FLUSH };
void ak_function_restore(ak_session *c, ak_slice payload, int policy);
/* FUNCTION STATS. */
void ak_function_stats(ak_session *c);
/* FCALL / FCALL_RO (ro = 1) on c's arguments. */
void ak_function_call(ak_session *c, int ro);
/* Compiles the libraries the engine holds now (the server calls it at
 * start so that a library that no longer loads is logged then); otherwise
 * that happens on first use. */
void ak_functions_open(ak_store *st);
/* INFO memory: the functions' interpreter bytes, the registry's bytes, the
 * numbers of functions and libraries. */
void ak_functions_memory(const ak_store *st, size_t *vm, size_t *cache, size_t *nfuncs,
                         size_t *nlibs);
/* Frees the libraries and their interpreter (ak_store_close). */
void ak_functions_free(ak_store *st);

/* How many scripts EVAL caches implicitly before it drops the least
 * recently used one (SCRIPT LOAD's are kept until SCRIPT FLUSH). */
#define AK_SCRIPT_EVAL_CACHE_MAX 500

#endif
