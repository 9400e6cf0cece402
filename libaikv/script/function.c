/*
 * function.c -- Redis 7.0's Functions: libraries of Lua functions loaded
 * with FUNCTION LOAD and called with FCALL / FCALL_RO (script.h).
 *
 * Model (as Redis's functions.c and function_lua.c):
 *   - A library is its code ("#!lua name=<lib>\n..."); running its top
 *     level registers functions with redis.register_function. Library
 *     names are case-sensitive; function names are unique across all
 *     libraries regardless of case (FCALL looks them up that way).
 *   - Functions have their own interpreter (an ak_scripting of its own,
 *     with the same sandbox as EVAL's): a library's top level runs with
 *     the load API as its globals (sandbox.c: ak_lua_load_env), under a
 *     500 ms limit; the registered callbacks are kept as registry
 *     references and later run with the full API, the keys and arguments
 *     as their two arguments (lua.c: ak_lua_run_script).
 *   - A registry (fn_reg) is the libraries and the function index. The
 *     store has one; FUNCTION RESTORE builds another from the payload and
 *     joins it, so that a failure leaves the current one untouched.
 *
 * Persistence. The engine keeps every library's code (store.h: lib_put,
 * lib_each); the registry is what compiling them gives. Each change is
 * written through to the engine inside the command's transaction. The
 * registry remembers the engine's lib_version it matches; whenever the
 * engine's differs on use -- the store just opened, a snapshot loaded, a
 * rollback undid a FUNCTION write, another process changed the file -- it
 * is rebuilt from the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "../util/rdbfn.h"
#include "lua_int.h"
#include "script.h"

#define LOAD_TIMEOUT_MS 500

typedef struct fn_func {
    ak_dnode node; /* first: the registry's function index */
    struct fn_lib *lib;
    struct fn_func *next; /* the library's functions, in registration order */
    char *name;
    size_t nlen;
    char *desc; /* NULL: none */
    size_t dlen;
    unsigned flags; /* SF_* */
    int ref;        /* the callback, in the interpreter's registry */
} fn_func;

typedef struct fn_lib {
    ak_dnode node; /* first: the registry's libraries */
    char *name;
    size_t nlen;
    char *code; /* the whole code, shebang included */
    size_t clen;
    fn_func *funcs, *last;
    size_t nfuncs;
} fn_lib;

typedef struct fn_reg {
    ak_dict libs;  /* name -> fn_lib */
    ak_dict funcs; /* name, any case -> fn_func */
} fn_reg;

struct ak_functions {
    ak_scripting *sc; /* the interpreter: NULL until a library is compiled */
    fn_reg reg;
    fn_lib *loading;  /* the library whose top level runs (register_function) */
    int64_t load_start_us;
    int loaded;       /* reg holds the engine's libraries as of `version` */
    uint64_t version;
};

typedef struct ak_functions ak_functions;

/* ---------------------------------------------------------------- the registry */

/* ASCII case-insensitive equality (function names, engine names, keys). */
static int nocase_eqn(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static uint64_t lib_hash(const ak_dnode *n)
{
    const fn_lib *l = (const fn_lib *)n;
    return ak_hash(l->name, l->nlen);
}

static int lib_keyeq(const ak_dnode *n, const void *key, size_t len)
{
    const fn_lib *l = (const fn_lib *)n;
    return l->nlen == len && !memcmp(l->name, key, len);
}

static uint64_t func_hash(const ak_dnode *n)
{
    const fn_func *f = (const fn_func *)n;
    return ak_hash_nocase(f->name, f->nlen);
}

static int func_keyeq(const ak_dnode *n, const void *key, size_t len)
{
    const fn_func *f = (const fn_func *)n;
    return nocase_eqn(f->name, f->nlen, key, len);
}

static const ak_dtype lib_dtype = {lib_hash, lib_keyeq};
static const ak_dtype func_dtype = {func_hash, func_keyeq};

static void reg_init(fn_reg *r)
{
    ak_dict_init(&r->libs, &lib_dtype);
    ak_dict_init(&r->funcs, &func_dtype);
}

static fn_lib *reg_lib(fn_reg *r, const char *name, size_t len)
{
    return (fn_lib *)ak_dict_find(&r->libs, name, len, ak_hash(name, len));
}

static fn_func *reg_func(fn_reg *r, const char *name, size_t len)
{
    return (fn_func *)ak_dict_find(&r->funcs, name, len, ak_hash_nocase(name, len));
}

/* Frees a library that is in no registry, and its callbacks. */
static void lib_free(lua_State *L, fn_lib *l)
{
    for (fn_func *f = l->funcs, *n; f; f = n) {
        n = f->next;
        if (L)
            luaL_unref(L, LUA_REGISTRYINDEX, f->ref);
        ak_free(f->name);
        ak_free(f->desc);
        ak_free(f);
    }
    ak_free(l->name);
    ak_free(l->code);
    ak_free(l);
}

static void link_lib(fn_reg *r, fn_lib *l)
{
    for (fn_func *f = l->funcs; f; f = f->next)
        ak_dict_insert(&r->funcs, &f->node, ak_hash_nocase(f->name, f->nlen));
    ak_dict_insert(&r->libs, &l->node, ak_hash(l->name, l->nlen));
}

static void unlink_lib(fn_reg *r, fn_lib *l)
{
    for (fn_func *f = l->funcs; f; f = f->next)
        ak_dict_unlink(&r->funcs, f->name, f->nlen, ak_hash_nocase(f->name, f->nlen));
    ak_dict_unlink(&r->libs, l->name, l->nlen, ak_hash(l->name, l->nlen));
}

typedef struct lib_vec {
    fn_lib **v;
    size_t n;
} lib_vec;

static int cmp_lib(const void *a, const void *b)
{
    const fn_lib *x = *(fn_lib *const *)a, *y = *(fn_lib *const *)b;
    size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

/* The registry's libraries in name order (free v with ak_free). */
static lib_vec reg_sorted(fn_reg *r)
{
    lib_vec lv = {NULL, 0};
    size_t n = (size_t)ak_dict_size(&r->libs);
    if (!n)
        return lv;
    lv.v = ak_malloc(n * sizeof *lv.v);
    ak_dict_iter it;
    ak_dict_iter_start(&it, &r->libs);
    for (ak_dnode *d; (d = ak_dict_iter_next(&it));)
        lv.v[lv.n++] = (fn_lib *)d;
    ak_dict_iter_end(&it);
    qsort(lv.v, lv.n, sizeof *lv.v, cmp_lib);
    return lv;
}

/* Empties a registry, freeing its libraries. */
static void reg_clear(fn_reg *r, lua_State *L)
{
    lib_vec lv = reg_sorted(r);
    for (size_t i = 0; i < lv.n; i++) {
        unlink_lib(r, lv.v[i]);
        lib_free(L, lv.v[i]);
    }
    ak_free(lv.v);
    ak_dict_clear(&r->libs, NULL, NULL);
    ak_dict_clear(&r->funcs, NULL, NULL);
}

/* ---------------------------------------------------------------- loading a library */

/* Redis's functionsVerifyName(): [a-zA-Z0-9_]+. */
static int valid_name(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

static int nocase_eq(const char *a, size_t alen, const char *b)
{
    return nocase_eqn(a, alen, b, strlen(b));
}

/* Reads "#!<engine> name=<lib>\n": the library name and where the code
 * after the shebang starts (at its line feed, keeping line numbers); 0,
 * or -1 with Redis's message. */
static int parse_metadata(const char *code, size_t len, const char **name, size_t *nlen,
                          size_t *body, char *err, size_t errlen)
{
    size_t clen = strnlen(code, len); /* Redis reads the code as a C string */
    if (clen < 2 || code[0] != '#' || code[1] != '!') {
        snprintf(err, errlen, "Missing library metadata");
        return -1;
    }
    const char *nl = memchr(code, '\n', clen);
    if (!nl) {
        snprintf(err, errlen, "Invalid library metadata");
        return -1;
    }
    *name = NULL;
    *body = (size_t)(nl - code);
    const char *engine = NULL;
    size_t elen = 0;
    for (const char *p = code; p < nl;) {
        while (p < nl && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f'))
            p++;
        if (p == nl)
            break;
        const char *end = p;
        while (end < nl && !(*end == ' ' || *end == '\t' || *end == '\r' || *end == '\v' ||
                             *end == '\f'))
            end++;
        size_t n = (size_t)(end - p);
        if (!engine) {
            engine = p + 2;
            elen = n - 2;
        } else if (n >= 5 && !strncasecmp(p, "name=", 5)) {
            if (*name) {
                snprintf(err, errlen,
                         "Invalid metadata value, name argument was given multiple times");
                return -1;
            }
            *name = p + 5;
            *nlen = n - 5;
        } else {
            snprintf(err, errlen, "Invalid metadata value given: %.*s", (int)n, p);
            return -1;
        }
        p = end;
    }
    if (!*name) {
        snprintf(err, errlen, "Library name was not given");
        return -1;
    }
    if (!valid_name(*name, *nlen)) {
        snprintf(err, errlen, "Library names can only contain letters, numbers, or underscores(_) "
                              "and must be at least one character long");
        return -1;
    }
    if (!nocase_eq(engine, elen, "lua")) {
        snprintf(err, errlen, "Engine '%.*s' not found", (int)elen, engine);
        return -1;
    }
    return 0;
}

static ak_functions *fns_of(lua_State *L)
{
    ak_scripting *sc = ak_lua_sc(L);
    return sc ? sc->st->functions : NULL;
}

/* Reads a function's flags table (at the top): 0, or -1 on an unknown
 * flag or a non-string entry. */
static int read_flags(lua_State *L, unsigned *flags)
{
    *flags = 0;
    for (lua_Integer j = 1;; j++) {
        int t = lua_geti(L, -1, j);
        if (t == LUA_TNIL) {
            lua_pop(L, 1);
            return 0;
        }
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            return -1;
        }
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        size_t i;
        for (i = 0; ak_script_flags[i].name; i++)
            if (nocase_eq(s, n, ak_script_flags[i].name))
                break;
        lua_pop(L, 1);
        if (!ak_script_flags[i].name)
            return -1;
        *flags |= ak_script_flags[i].flag;
    }
}

/* Adds a function to the library being loaded (Redis's
 * functionLibCreateFunction()); the callback is at the top of the stack. */
static int add_function(lua_State *L, fn_lib *lib, const char *name, size_t nlen,
                        const char *desc, size_t dlen, unsigned flags)
{
    if (!valid_name(name, nlen)) /* sic: Redis 7.0 says "Library" here too */
        return ak_lua_raise(L, "Library names can only contain letters, numbers, or underscores(_) "
                               "and must be at least one character long");
    for (fn_func *f = lib->funcs; f; f = f->next)
        if (f->nlen == nlen && !memcmp(f->name, name, nlen))
            return ak_lua_raise(L, "Function already exists in the library");
    fn_func *f = ak_calloc(1, sizeof *f);
    f->lib = lib;
    f->name = ak_memdup(name, nlen);
    f->nlen = nlen;
    if (desc) {
        f->desc = ak_memdup(desc, dlen);
        f->dlen = dlen;
    }
    f->flags = flags;
    lua_pushvalue(L, -1);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (lib->last)
        lib->last->next = f;
    else
        lib->funcs = f;
    lib->last = f;
    lib->nfuncs++;
    return 0;
}

/* redis.register_function(name, callback) or
 * redis.register_function{function_name=, callback=, flags=, description=}
 * (keys in any case), with Redis's messages for each mistake. */
static int l_register_function(lua_State *L)
{
    ak_functions *F = fns_of(L);
    fn_lib *lib = F ? F->loading : NULL;
    if (!lib)
        return ak_lua_raise(L, "redis.register_function can only be called on FUNCTION LOAD "
                               "command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2)
        return ak_lua_raise(L, "wrong number of arguments to redis.register_function");
    if (argc == 2) {
        if (!lua_isstring(L, 1))
            return ak_lua_raise(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2))
            return ak_lua_raise(L, "second argument to redis.register_function must be a function");
        size_t nlen;
        const char *name = lua_tolstring(L, 1, &nlen);
        return add_function(L, lib, name, nlen, NULL, 0, 0);
    }
    if (!lua_istable(L, 1))
        return ak_lua_raise(L, "calling redis.register_function with a single argument is only "
                               "applicable to Lua table (representing named arguments).");
    /* Slots 2..4: the name, the description, the callback, as found. */
    lua_settop(L, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushnil(L);
    unsigned flags = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (!lua_isstring(L, -2))
            return ak_lua_raise(L, "named argument key given to redis.register_function is not a "
                                   "string");
        lua_pushvalue(L, -2); /* converting a copy keeps the key intact for lua_next */
        size_t klen;
        const char *key = lua_tolstring(L, -1, &klen);
        int slot = 0;
        if (nocase_eq(key, klen, "function_name")) {
            if (!lua_isstring(L, -2))
                return ak_lua_raise(L, "function_name argument given to redis.register_function "
                                       "must be a string");
            slot = 2;
        } else if (nocase_eq(key, klen, "description")) {
            if (!lua_isstring(L, -2))
                return ak_lua_raise(L, "description argument given to redis.register_function must "
                                       "be a string");
            slot = 3;
        } else if (nocase_eq(key, klen, "callback")) {
            if (!lua_isfunction(L, -2))
                return ak_lua_raise(L, "callback argument given to redis.register_function must be "
                                       "a function");
            slot = 4;
        } else if (nocase_eq(key, klen, "flags")) {
            if (!lua_istable(L, -2))
                return ak_lua_raise(L, "flags argument to redis.register_function must be a table "
                                       "representing function flags");
            lua_pop(L, 1);
            if (read_flags(L, &flags) < 0)
                return ak_lua_raise(L, "unknown flag given");
            lua_pop(L, 1);
            continue;
        } else {
            return ak_lua_raise(L, "unknown argument given to redis.register_function");
        }
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_replace(L, slot);
        lua_pop(L, 1);
    }
    if (lua_isnil(L, 2))
        return ak_lua_raise(L, "redis.register_function must get a function name argument");
    if (lua_isnil(L, 4))
        return ak_lua_raise(L, "redis.register_function must get a callback argument");
    size_t nlen, dlen = 0;
    const char *name = lua_tolstring(L, 2, &nlen);
    const char *desc = lua_isnil(L, 3) ? NULL : lua_tolstring(L, 3, &dlen);
    lua_settop(L, 4);
    return add_function(L, lib, name, nlen, desc, dlen, flags);
}

/* The load's count hook: a top level past 500 ms is stopped (and cannot
 * catch it: the hook then fires on every line). */
static void load_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ak_functions *F = fns_of(L);
    if (!F || (ak_monotonic_us() - F->load_start_us) / 1000 <= LOAD_TIMEOUT_MS)
        return;
    lua_sethook(L, load_hook, LUA_MASKLINE, 0);
    ak_lua_raise(L, "FUNCTION LOAD timeout");
}

/* Protected: compiles the library's code (the part after the shebang). */
static int compile_lib(lua_State *L)
{
    const char *code = lua_touserdata(L, 1);
    size_t len = (size_t)lua_tointeger(L, 2);
    if (luaL_loadbufferx(L, code, len, "@user_function", "t") != LUA_OK) {
        ak_lua_quote_eof(L);
        return lua_error(L);
    }
    ak_lua_set_env(L, -1);
    return 1;
}

/* Runs a library's code into `lib` (Redis's luaEngineCreate()): 0, or -1
 * with the message in err. */
static int run_lib(ak_functions *F, fn_lib *lib, const char *body, size_t blen, char *err,
                   size_t errlen)
{
    lua_State *L = F->sc->L;
    lua_settop(L, 0);
    lua_pushcfunction(L, compile_lib);
    lua_pushlightuserdata(L, (void *)body);
    lua_pushinteger(L, (lua_Integer)blen);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        snprintf(err, errlen, "Error compiling function: %s",
                 lua_isstring(L, -1) ? lua_tostring(L, -1) : "not enough memory");
        lua_settop(L, 0);
        return -1;
    }
    ak_lua_load_env(L, l_register_function, 1);
    F->loading = lib;
    F->load_start_us = ak_monotonic_us();
    lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
    int rc = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    F->loading = NULL;
    ak_lua_load_env(L, l_register_function, 0);
    if (rc != LUA_OK) {
        /* Redis's luaExtractErrorInformation(): an error table's text, or
         * "ERR " and the message. */
        const char *msg = NULL;
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
            snprintf(err, errlen, "Error registering functions: %s", msg ? msg : "");
        } else {
            msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "not enough memory";
            snprintf(err, errlen, "Error registering functions: ERR %s", msg);
        }
        lua_settop(L, 0);
        return -1;
    }
    lua_settop(L, 0);
    return 0;
}

static ak_scripting *interpreter(ak_functions *F, ak_store *st)
{
    if (!F->sc)
        F->sc = ak_lua_scripting_new(st);
    return F->sc;
}

/* Compiles a library into registry r (Redis's
 * functionsCreateWithLibraryCtx()): replace allows an existing library of
 * that name to go. The new library, or NULL with the message in err. */
static fn_lib *create_lib(ak_store *st, ak_functions *F, fn_reg *r, const char *code, size_t len,
                          int replace, char *err, size_t errlen)
{
    const char *name = NULL;
    size_t nlen = 0, body = 0;
    if (parse_metadata(code, len, &name, &nlen, &body, err, errlen) < 0)
        return NULL;
    fn_lib *old = reg_lib(r, name, nlen);
    if (old && !replace) {
        snprintf(err, errlen, "Library '%.*s' already exists", (int)nlen, name);
        return NULL;
    }
    interpreter(F, st);
    fn_lib *lib = ak_calloc(1, sizeof *lib);
    lib->name = ak_memdup(name, nlen);
    lib->nlen = nlen;
    lib->code = ak_memdup(code, len);
    lib->clen = len;
    if (run_lib(F, lib, code + body, len - body, err, errlen) < 0)
        goto fail;
    if (!lib->nfuncs) {
        snprintf(err, errlen, "No functions registered");
        goto fail;
    }
    for (fn_func *f = lib->funcs; f; f = f->next) {
        fn_func *other = reg_func(r, f->name, f->nlen);
        if (other && other->lib != old) {
            snprintf(err, errlen, "Function %.*s already exists", (int)f->nlen, f->name);
            goto fail;
        }
    }
    if (old) {
        unlink_lib(r, old);
        lib_free(F->sc->L, old);
    }
    link_lib(r, lib);
    return lib;
fail:
    lib_free(F->sc->L, lib);
    return NULL;
}

/* ---------------------------------------------------------------- the store's libraries */

typedef struct stored_lib {
    char *name, *code;
    size_t nlen, clen;
} stored_lib;

typedef struct stored_libs {
    stored_lib *v;
    size_t n, cap;
} stored_libs;

static void collect_lib(void *ctx, ak_slice name, ak_slice code)
{
    stored_libs *sl = ctx;
    if (sl->n == sl->cap) {
        sl->cap = sl->cap ? sl->cap * 2 : 8;
        sl->v = ak_realloc(sl->v, sl->cap * sizeof *sl->v);
    }
    sl->v[sl->n++] = (stored_lib){ak_memdup(name.p, name.len), ak_memdup(code.p, code.len),
                                  name.len, code.len};
}

/* Rebuilds the registry from the engine's libraries. One that no longer
 * compiles is logged and left in the engine as it is. */
static void reload(ak_store *st, ak_functions *F, uint64_t version)
{
    stored_libs sl = {NULL, 0, 0};
    st->engine->ops->lib_each(st->engine, collect_lib, &sl);
    reg_clear(&F->reg, F->sc ? F->sc->L : NULL);
    for (size_t i = 0; i < sl.n; i++) {
        char err[512];
        if (!create_lib(st, F, &F->reg, sl.v[i].code, sl.v[i].clen, 0, err, sizeof err) &&
            st->log && st->cfg.loglevel <= AK_LOG_WARNING)
            st->log(AK_LOG_WARNING, "Failed loading library '%.*s': %s", (int)sl.v[i].nlen,
                    sl.v[i].name, err);
        ak_free(sl.v[i].name);
        ak_free(sl.v[i].code);
    }
    ak_free(sl.v);
    F->loaded = 1;
    F->version = version;
}

static ak_functions *functions(ak_store *st)
{
    ak_functions *F = st->functions;
    if (!F) {
        F = ak_calloc(1, sizeof *F);
        reg_init(&F->reg);
        st->functions = F;
    }
    uint64_t version = st->engine->ops->lib_version(st->engine);
    if (!F->loaded || version != F->version)
        reload(st, F, version);
    return F;
}

/* Writes one change of the libraries through to the engine (name.p NULL:
 * every library goes; code.p NULL: that one goes) and keeps the
 * registry's version in step. After a storage error the command fails and
 * its transaction is rolled back: the registry is read again on next use. */
static void persist(ak_store *st, ak_slice name, ak_slice code)
{
    ak_engine *e = st->engine;
    ak_functions *F = st->functions;
    e->ops->lib_put(e, name, code);
    if (e->error)
        F->loaded = 0;
    else
        F->version = e->ops->lib_version(e);
}

static void persist_lib(ak_store *st, const fn_lib *lib)
{
    persist(st, ak_slice_of(lib->name, lib->nlen), ak_slice_of(lib->code, lib->clen));
}

void ak_functions_open(ak_store *st)
{
    functions(st);
}

void ak_functions_free(ak_store *st)
{
    ak_functions *F = st->functions;
    if (!F)
        return;
    reg_clear(&F->reg, F->sc ? F->sc->L : NULL);
    if (F->sc)
        ak_lua_scripting_free(F->sc);
    ak_free(F);
    st->functions = NULL;
}

/* ---------------------------------------------------------------- commands */

void ak_function_load(ak_session *c, int replace, ak_slice code)
{
    ak_store *st = c->st;
    ak_functions *F = functions(st);
    char err[1024];
    fn_lib *lib = create_lib(st, F, &F->reg, code.p, code.len, replace, err, sizeof err);
    if (!lib) {
        ak_reply_errorf(c, "ERR %s", err);
        return;
    }
    persist_lib(st, lib);
    st->stats.dirty++;
    ak_out_bulk(&c->out, lib->name, lib->nlen);
}

void ak_function_delete(ak_session *c, ak_slice name)
{
    ak_store *st = c->st;
    ak_functions *F = functions(st);
    fn_lib *lib = reg_lib(&F->reg, name.p, name.len);
    if (!lib) {
        ak_reply_error(c, "ERR Library not found");
        return;
    }
    unlink_lib(&F->reg, lib);
    persist(st, ak_slice_of(lib->name, lib->nlen), ak_slice_of(NULL, 0));
    st->stats.dirty++;
    lib_free(F->sc->L, lib);
    ak_reply_ok(c);
}

void ak_function_flush(ak_session *c, int async)
{
    ak_store *st = c->st;
    ak_functions *F = functions(st);
    reg_clear(&F->reg, F->sc ? F->sc->L : NULL);
    if (F->sc) /* a new interpreter: whatever the libraries left behind goes too */
        ak_lua_renew(F->sc, async);
    persist(st, ak_slice_of(NULL, 0), ak_slice_of(NULL, 0));
    st->stats.dirty++;
    ak_reply_ok(c);
}

static void reply_flags(ak_out *o, unsigned flags)
{
    size_t n = 0;
    for (size_t i = 0; ak_script_flags[i].name; i++)
        n += (flags & ak_script_flags[i].flag) != 0;
    ak_out_set(o, n);
    for (size_t i = 0; ak_script_flags[i].name; i++)
        if (flags & ak_script_flags[i].flag)
            ak_out_status(o, ak_script_flags[i].name);
}

void ak_function_list(ak_session *c, ak_slice pattern, int withcode)
{
    ak_functions *F = functions(c->st);
    ak_out *o = &c->out;
    lib_vec lv = reg_sorted(&F->reg);
    size_t mark = ak_out_defer(o), n = 0;
    for (size_t i = 0; i < lv.n; i++) {
        fn_lib *lib = lv.v[i];
        if (pattern.p && !ak_glob_match(pattern.p, pattern.len, lib->name, lib->nlen, 1))
            continue;
        n++;
        ak_out_map(o, withcode ? 4 : 3);
        ak_out_bulk(o, "library_name", 12);
        ak_out_bulk(o, lib->name, lib->nlen);
        ak_out_bulk(o, "engine", 6);
        ak_out_bulk(o, "LUA", 3);
        ak_out_bulk(o, "functions", 9);
        ak_out_array(o, lib->nfuncs);
        for (fn_func *f = lib->funcs; f; f = f->next) {
            ak_out_map(o, 3);
            ak_out_bulk(o, "name", 4);
            ak_out_bulk(o, f->name, f->nlen);
            ak_out_bulk(o, "description", 11);
            if (f->desc)
                ak_out_bulk(o, f->desc, f->dlen);
            else
                ak_out_null(o);
            ak_out_bulk(o, "flags", 5);
            reply_flags(o, f->flags);
        }
        if (withcode) {
            ak_out_bulk(o, "library_code", 12);
            ak_out_bulk(o, lib->code, lib->clen);
        }
    }
    ak_out_set_deferred(o, mark, '*', n);
    ak_free(lv.v);
}

void ak_function_dump(ak_session *c)
{
    ak_functions *F = functions(c->st);
    lib_vec lv = reg_sorted(&F->reg);
    ak_rdbfn_out out = {NULL, 0, 0};
    for (size_t i = 0; i < lv.n; i++)
        ak_rdbfn_add(&out, lv.v[i]->code, lv.v[i]->clen);
    ak_rdbfn_finish(&out);
    ak_out_bulk(&c->out, out.buf, out.len);
    ak_free(out.buf);
    ak_free(lv.v);
}

typedef struct restore_job {
    ak_store *st;
    ak_functions *F;
    fn_reg *tmp;
    char err[1024];
} restore_job;

static int restore_one(void *ctx, const char *code, size_t len)
{
    restore_job *j = ctx;
    return create_lib(j->st, j->F, j->tmp, code, len, 0, j->err, sizeof j->err) ? 0 : 1;
}

/* Moves the libraries of src into dst (Redis's libraryJoin()): a name
 * collision fails unless replace, a function collision always fails; on
 * failure dst is as it was. 0 or -1 with the message in err. */
static int join(ak_store *st, ak_functions *F, fn_reg *src, int replace, char *err,
                size_t errlen)
{
    fn_reg *dst = &F->reg;
    lib_vec lv = reg_sorted(src);
    lib_vec old = {NULL, 0};
    int rc = -1;
    if (lv.n)
        old.v = ak_malloc(lv.n * sizeof *old.v);
    for (size_t i = 0; i < lv.n; i++) {
        fn_lib *o = reg_lib(dst, lv.v[i]->name, lv.v[i]->nlen);
        if (!o)
            continue;
        if (!replace) {
            snprintf(err, errlen, "Library %.*s already exists", (int)o->nlen, o->name);
            goto done;
        }
        unlink_lib(dst, o);
        old.v[old.n++] = o;
    }
    for (size_t i = 0; i < lv.n; i++) {
        for (fn_func *f = lv.v[i]->funcs; f; f = f->next) {
            if (reg_func(dst, f->name, f->nlen)) {
                snprintf(err, errlen, "Function %.*s already exists", (int)f->nlen, f->name);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < lv.n; i++) {
        unlink_lib(src, lv.v[i]);
        link_lib(dst, lv.v[i]);
        persist_lib(st, lv.v[i]);
    }
    for (size_t i = 0; i < old.n; i++)
        lib_free(F->sc->L, old.v[i]);
    old.n = 0;
    rc = 0;
done:
    for (size_t i = 0; i < old.n; i++) /* put back what a failure unlinked */
        link_lib(dst, old.v[i]);
    ak_free(old.v);
    ak_free(lv.v);
    return rc;
}

void ak_function_restore(ak_session *c, ak_slice payload, int policy)
{
    ak_store *st = c->st;
    ak_functions *F = functions(st);
    fn_reg tmp;
    reg_init(&tmp);
    restore_job j = {st, F, &tmp, ""};
    const char *derr = NULL;
    int rc = ak_rdbfn_decode(payload.p, payload.len, restore_one, &j, &derr);
    if (rc == 0 && policy == AK_RESTORE_FLUSH) {
        reg_clear(&F->reg, F->sc ? F->sc->L : NULL);
        persist(st, ak_slice_of(NULL, 0), ak_slice_of(NULL, 0));
    }
    if (rc == 0)
        rc = join(st, F, &tmp, policy == AK_RESTORE_REPLACE, j.err, sizeof j.err);
    if (rc == 0) {
        st->stats.dirty++;
        ak_reply_ok(c);
    } else if (derr) {
        ak_reply_errorf(c, "ERR %s", derr);
    } else {
        ak_reply_errorf(c, "ERR %s", j.err);
    }
    reg_clear(&tmp, F->sc ? F->sc->L : NULL);
}

void ak_function_stats(ak_session *c)
{
    ak_store *st = c->st;
    const ak_lua_run *r = st->script_run;
    if (r && !r->fcall) {
        ak_reply_error(c, AK_ERR_BUSY);
        return;
    }
    ak_functions *F = functions(st);
    ak_out *o = &c->out;
    ak_out_map(o, 2);
    ak_out_bulk(o, "running_script", 14);
    if (!r) {
        ak_out_null(o);
    } else {
        ak_session *caller = r->caller;
        ak_out_map(o, 3);
        ak_out_bulk(o, "name", 4);
        ak_out_bulk(o, r->name, strlen(r->name));
        ak_out_bulk(o, "command", 7);
        ak_out_array(o, (size_t)caller->argc);
        for (int i = 0; i < caller->argc; i++)
            ak_out_bulk(o, caller->argv[i], caller->argvlen[i]);
        ak_out_bulk(o, "duration_ms", 11);
        ak_out_integer(o, (long long)((ak_monotonic_us() - r->start_us) / 1000));
    }
    ak_out_bulk(o, "engines", 7);
    ak_out_map(o, 1);
    ak_out_bulk(o, "LUA", 3);
    ak_out_map(o, 2);
    ak_out_bulk(o, "libraries_count", 15);
    ak_out_integer(o, (long long)ak_dict_size(&F->reg.libs));
    ak_out_bulk(o, "functions_count", 15);
    ak_out_integer(o, (long long)ak_dict_size(&F->reg.funcs));
}

void ak_function_call(ak_session *c, int ro)
{
    ak_functions *F = functions(c->st);
    fn_func *f = reg_func(&F->reg, c->argv[1], c->argvlen[1]);
    if (!f) {
        ak_reply_error(c, "ERR Function not found");
        return;
    }
    long long numkeys;
    if (!ak_str2ll(c->argv[2], c->argvlen[2], &numkeys)) {
        ak_reply_error(c, "ERR Bad number of keys provided");
        return;
    }
    if (!ak_lua_numkeys_ok(c, numkeys))
        return;
    int no_writes = (f->flags & SF_NO_WRITES) != 0;
    if (ro && !no_writes) {
        ak_reply_error(c, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    ak_lua_target t = {f->name, 1, f->ref};
    ak_lua_run_script(c, F->sc, &t, (int)numkeys, ro || no_writes);
}

void ak_functions_memory(const ak_store *st, size_t *vm, size_t *cache, size_t *nfuncs,
                         size_t *nlibs)
{
    const ak_functions *F = st->functions;
    *vm = *cache = *nfuncs = *nlibs = 0;
    if (!F)
        return;
    if (F->sc)
        *vm = (size_t)lua_gc(F->sc->L, LUA_GCCOUNT, 0) * 1024 +
              (size_t)lua_gc(F->sc->L, LUA_GCCOUNTB, 0);
    *nfuncs = (size_t)ak_dict_size(&F->reg.funcs);
    *nlibs = (size_t)ak_dict_size(&F->reg.libs);
    *cache = ak_dict_mem(&F->reg.funcs) + ak_dict_mem(&F->reg.libs);
    ak_dict_iter it;
    ak_dict_iter_start(&it, (ak_dict *)&F->reg.libs);
    for (ak_dnode *d; (d = ak_dict_iter_next(&it));) {
        const fn_lib *l = (const fn_lib *)d;
        *cache += sizeof *l + l->nlen + l->clen;
        for (const fn_func *f = l->funcs; f; f = f->next)
            *cache += sizeof *f + f->nlen + f->dlen;
    }
    ak_dict_iter_end(&it);
}
