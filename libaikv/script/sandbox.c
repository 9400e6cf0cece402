/*
 * sandbox.c -- a new interpreter for a store: the libraries, and the
 * sandbox scripts run in, as Redis 7.0's (script.h, docs/scripting.md).
 *
 * Redis 7.0 makes every table reachable from the globals read-only with a
 * patched Lua 5.1; stock Lua 5.4 has no such flag, so the same effect
 * comes from views:
 *   - Scripts run with _ENV = E, an empty table whose metatable reads
 *     through to VIS (the visible globals: Redis's list of names) and whose
 *     __newindex refuses ("Attempt to modify a readonly table"). A name
 *     missing from VIS is an error ("Script attempted to access nonexistent
 *     global variable 'x'").
 *   - Each library table is seen through a view of the same kind: an empty
 *     proxy over a private shadow copy, with __pairs and __len.
 *   - rawset, setmetatable, rawget, next and getmetatable are replaced by
 *     versions that know the views (ak.ro: the read-only set, ak.proxy:
 *     view -> shadow), so no path reaches a real library table. load and
 *     loadstring compile text only (never bytecode) with _ENV = E.
 *   - Lua 5.1 habits are kept where 5.4 differs: numbers print as 5.1 did
 *     (a __tostring on the number type: 10/2 is "5"), tonumber reads
 *     doubles, error(5) gets a position, unpack, loadstring, gcinfo,
 *     math.mod/atan2/pow..., table.getn/maxn/foreach..., string.gfind,
 *     __gc ignored on tables; pcall returns the "err" text of Redis's error
 *     tables; math.random is Redis's (rand48).
 *
 * Lua allocates with the C library directly, outside used_memory (INFO
 * reports it as used_memory_lua, as Redis does), so that a script running
 * out of memory gets a Lua error instead of aborting the process.
 */
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "lua_int.h"

#define R_RO "ak.ro"       /* read-only tables (weak keys) */
#define R_PROXY "ak.proxy" /* view -> its shadow table (weak keys) */
#define R_LOADAPI "ak.loadapi" /* the globals of FUNCTION LOAD */

/* ---------------------------------------------------------------- memory and numbers */

/* The C library's allocator: a failure is a Lua memory error. */
static void *lua_allocator(void *ud, void *p, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, nsize);
}

/* tostring() of a number as Lua 5.1 (every number a double, "%.14g"):
 * 10/2 is "5", 2^53 is "9.007199254741e+15". */
static int num_tostring(lua_State *L)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.14g", (double)lua_tonumber(L, 1));
    lua_pushstring(L, buf);
    return 1;
}

/* ---------------------------------------------------------------- math.random */

/* Redis's rand.c: the 48-bit linear congruential generator of drand48,
 * the same sequence on every platform. */
#define RAND48_MASK ((UINT64_C(1) << 48) - 1)

static int32_t lrand48_next(uint64_t *x)
{
    *x = (*x * UINT64_C(0x5DEECE66D) + 0xB) & RAND48_MASK;
    return (int32_t)(*x >> 17);
}

/* Lua 5.1's luaL_checkint(): through a 64-bit integer, as Redis's x86-64
 * build converts (out of range: the low 32 bits of INT64_MIN, 0). */
static int checkint51(lua_State *L, int i)
{
    double d = luaL_checknumber(L, i);
    int64_t v = d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
    return (int)(uint32_t)(uint64_t)v;
}

static int l_math_random(lua_State *L)
{
    ak_scripting *sc = ak_lua_sc(L);
    if (!sc || !sc->run)
        return luaL_error(L, "math.random can only be called inside a script invocation");
    double r = (double)(lrand48_next(&sc->rand48) % INT32_MAX) / (double)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        return 1;
    case 1: {
        int u = checkint51(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        ak_lua_pushnum(L, floor(r * u) + 1);
        return 1;
    }
    case 2: {
        int l = checkint51(L, 1);
        int u = checkint51(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        ak_lua_pushnum(L, floor(r * ((double)u - l + 1)) + l);
        return 1;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
}

static int l_math_randomseed(lua_State *L)
{
    ak_scripting *sc = ak_lua_sc(L);
    if (!sc || !sc->run)
        return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    uint32_t seed = (uint32_t)checkint51(L, 1);
    sc->rand48 = ((uint64_t)seed << 16) | 0x330E;
    return 0;
}

/* ---------------------------------------------------------------- Lua 5.1 compatibility */

static int l_math_mod(lua_State *L)
{
    ak_lua_pushnum(L, fmod(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
    return 1;
}

static int l_math_atan2(lua_State *L)
{
    lua_pushnumber(L, atan2(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
    return 1;
}

static int l_math_pow(lua_State *L)
{
    lua_pushnumber(L, pow(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
    return 1;
}

static int l_math_ldexp(lua_State *L)
{
    lua_pushnumber(L, ldexp(luaL_checknumber(L, 1), checkint51(L, 2)));
    return 1;
}

static int l_math_frexp(lua_State *L)
{
    int e;
    lua_pushnumber(L, frexp(luaL_checknumber(L, 1), &e));
    lua_pushinteger(L, e);
    return 2;
}

static int l_math_log10(lua_State *L)
{
    lua_pushnumber(L, log10(luaL_checknumber(L, 1)));
    return 1;
}

#define MATH1(name, fn)                                    \
    static int name(lua_State *L)                          \
    {                                                      \
        lua_pushnumber(L, fn(luaL_checknumber(L, 1)));     \
        return 1;                                          \
    }
MATH1(l_math_cosh, cosh)
MATH1(l_math_sinh, sinh)
MATH1(l_math_tanh, tanh)

static int l_table_getn(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

static int l_table_setn(lua_State *L)
{
    return luaL_error(L, "'setn' is obsolete");
}

static int l_table_maxn(lua_State *L)
{
    double max = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER) {
            double v = lua_tonumber(L, -1);
            if (v > max)
                max = v;
        }
    }
    ak_lua_pushnum(L, max);
    return 1;
}

static int l_table_foreach(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        lua_call(L, 2, 1);
        if (!lua_isnil(L, -1))
            return 1;
        lua_pop(L, 2);
    }
    return 0;
}

static int l_table_foreachi(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushvalue(L, 2);
        lua_pushinteger(L, i);
        lua_rawgeti(L, 1, i);
        lua_call(L, 2, 1);
        if (!lua_isnil(L, -1))
            return 1;
        lua_pop(L, 1);
    }
    return 0;
}

/* tonumber() as Lua 5.1 without a base: the number is a double (strtod's
 * "inf" and "nan" included), kept as an integer when integral and exact
 * (ak_lua_pushnum). With a base, Lua 5.4's (upvalue 1). */
static int l_tonumber(lua_State *L)
{
    if (lua_isnoneornil(L, 2)) {
        luaL_checkany(L, 1);
        if (lua_type(L, 1) == LUA_TNUMBER) {
            lua_settop(L, 1);
            return 1;
        }
        size_t n;
        const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &n) : NULL;
        if (s && lua_stringtonumber(L, s) == n + 1) {
            ak_lua_pushnum(L, lua_tonumber(L, -1)); /* a double, as in 5.1 */
            return 1;
        }
        if (s) {
            char *end;
            double d = strtod(s, &end);
            if (end != s) {
                while (*end == ' ' || (*end >= '\t' && *end <= '\r'))
                    end++;
                if (end == s + n) {
                    ak_lua_pushnum(L, d);
                    return 1;
                }
            }
        }
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_gcinfo(lua_State *L)
{
    lua_pushinteger(L, lua_gc(L, LUA_GCCOUNT, 0));
    return 1;
}

/* error() as in Lua 5.1: a number message gets a position too. */
static int l_error(lua_State *L)
{
    int level = (int)luaL_optinteger(L, 2, 1);
    lua_settop(L, 1);
    int t = lua_type(L, 1);
    if ((t == LUA_TSTRING || t == LUA_TNUMBER) && level > 0) {
        luaL_where(L, level);
        luaL_tolstring(L, 1, NULL);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* Redis's pcall(): an error table's "err" text becomes the message. */
static int l_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != LUA_OK) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1))
                lua_replace(L, -2);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

/* ---------------------------------------------------------------- read-only views */

static int is_readonly(lua_State *L, int idx)
{
    if (!lua_istable(L, idx))
        return 0;
    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, R_RO);
    lua_pushvalue(L, idx);
    int ro = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return ro;
}

/* Pushes the shadow table behind view idx, or the table itself. */
static void push_target(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, R_PROXY);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushvalue(L, idx);
    }
    lua_remove(L, -2);
}

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "Attempt to modify a readonly table");
}

/* The same refusal from rawset()/setmetatable(): Redis raises it inside
 * the API call, so the message has no position. */
static int ro_refuse(lua_State *L)
{
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int missing_global(lua_State *L)
{
    if (lua_gettop(L) != 2)
        return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, 2))
        return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      lua_tostring(L, 2));
}

/* __pairs of a view: iterates its shadow (upvalue 1) without exposing it. */
static int view_next(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int view_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, view_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int view_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

/* Makes P a read-only view of the shadow table S (both on the stack). */
static void make_view(lua_State *L, int p, int s)
{
    p = lua_absindex(L, p);
    s = lua_absindex(L, s);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, s);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, s);
    lua_pushcclosure(L, view_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushvalue(L, s);
    lua_pushcclosure(L, view_len, 1);
    lua_setfield(L, -2, "__len");
    lua_setmetatable(L, p);
    lua_getfield(L, LUA_REGISTRYINDEX, R_RO);
    lua_pushvalue(L, p);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, R_PROXY);
    lua_pushvalue(L, p);
    lua_pushvalue(L, s);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* Pushes the view of table t, built once per table (memo: table -> view);
 * nested tables get views of their own. */
static void push_view(lua_State *L, int t, int memo)
{
    t = lua_absindex(L, t);
    lua_pushvalue(L, t);
    if (lua_rawget(L, memo) != LUA_TNIL)
        return;
    lua_pop(L, 1);
    lua_newtable(L); /* the view */
    lua_pushvalue(L, t);
    lua_pushvalue(L, -2);
    lua_rawset(L, memo);
    lua_newtable(L); /* its shadow */
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_istable(L, -1) && !is_readonly(L, -1)) {
            push_view(L, -1, memo);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    make_view(L, -2, -1);
    lua_pop(L, 1);
}

static int l_rawget(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    push_target(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int l_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_readonly(L, 1))
        return ro_refuse(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int l_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    push_target(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int l_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TNUMBER || is_readonly(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

/* setmetatable() with Lua 5.1's behaviour for __gc: ignored on tables (the
 * table is not marked for finalization). */
static int l_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (is_readonly(L, 1))
        return ro_refuse(L);
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    int gc = t == LUA_TTABLE && !is_readonly(L, 2) && lua_getfield(L, 2, "__gc") != LUA_TNIL;
    if (gc) {
        lua_pushnil(L);
        lua_setfield(L, 2, "__gc");
    }
    lua_pushvalue(L, 2);
    lua_setmetatable(L, 1);
    if (gc) {
        lua_pushvalue(L, 3);
        lua_setfield(L, 2, "__gc");
    }
    lua_settop(L, 1);
    return 1;
}

/* Compiled chunks see the sandbox: _ENV = E. */
void ak_lua_set_env(lua_State *L, int fn)
{
    fn = lua_absindex(L, fn);
    lua_getfield(L, LUA_REGISTRYINDEX, R_ENV);
    if (!lua_setupvalue(L, fn, 1))
        lua_pop(L, 1);
}

/* The globals of a library's top level (FUNCTION LOAD): only `redis`,
 * itself only register_function, log and the constants, as Redis 7.0's
 * load API. Built once per interpreter. */
static void push_load_api(lua_State *L, lua_CFunction register_fn)
{
    static const char *const kept[] = {"log",        "LOG_DEBUG",     "LOG_VERBOSE",
                                       "LOG_NOTICE", "LOG_WARNING",   "REDIS_VERSION",
                                       "REDIS_VERSION_NUM", NULL};
    if (lua_getfield(L, LUA_REGISTRYINDEX, R_LOADAPI) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 1); /* the API: {redis = view} */
    lua_newtable(L);          /* the view of redis */
    lua_createtable(L, 0, 8); /* its shadow */
    lua_getglobal(L, "redis");
    for (const char *const *k = kept; *k; k++) {
        lua_getfield(L, -1, *k);
        lua_setfield(L, -3, *k);
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, register_fn);
    lua_setfield(L, -2, "register_function");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    make_view(L, -2, -1);
    lua_pop(L, 1);
    lua_setfield(L, -2, "redis");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, R_LOADAPI);
}

void ak_lua_load_env(lua_State *L, lua_CFunction register_fn, int on)
{
    lua_getfield(L, LUA_REGISTRYINDEX, R_ENV);
    lua_getmetatable(L, -1);
    if (on)
        push_load_api(L, register_fn);
    else
        lua_getfield(L, LUA_REGISTRYINDEX, R_VIS);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
}

/* Lua 5.4 writes "near <eof>" where 5.1 wrote "near '<eof>'". */
void ak_lua_quote_eof(lua_State *L)
{
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_gsub(L, lua_tostring(L, -1), "near <eof>", "near '<eof>'");
        lua_remove(L, -2);
    }
}

static int load_result(lua_State *L, int status)
{
    if (status == LUA_OK) {
        ak_lua_set_env(L, -1);
        return 1;
    }
    ak_lua_quote_eof(L);
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* loadstring(s [, chunkname]): text only. */
static int l_loadstring(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *name = luaL_optstring(L, 2, s);
    return load_result(L, luaL_loadbufferx(L, s, n, name, "t"));
}

/* load(f [, chunkname]) as Lua 5.1: f returns the pieces, nil or "" ends. */
static int l_load(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    lua_settop(L, 2);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1))
            return luaL_error(L, "reader function must return a string");
        if (lua_rawlen(L, -1) == 0) {
            lua_pop(L, 1);
            break;
        }
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    return load_result(L, luaL_loadbufferx(L, s, n, name, "t"));
}

/* ---------------------------------------------------------------- the message handler */

/* Redis's __redis__err__handler: any error becomes {err = "ERR <msg>"}
 * (tables are kept), with the source and line of the Lua function that
 * raised it (of its caller when a C function raised it). */
int ak_lua_err_handler(lua_State *L)
{
    lua_Debug ar;
    int have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
    if (have && !strcmp(ar.what, "C"))
        have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    lua_settop(L, 1);
    if (!lua_istable(L, 1)) {
        lua_createtable(L, 0, 3);
        lua_pushliteral(L, "ERR ");
        luaL_tolstring(L, 1, NULL);
        lua_concat(L, 2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    if (have) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    return 1;
}

/* ---------------------------------------------------------------- the state */

static void set_fn(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

static void set_fn_if_missing(lua_State *L, const char *name, lua_CFunction fn)
{
    if (lua_getfield(L, -1, name) == LUA_TNIL)
        set_fn(L, name, fn);
    lua_pop(L, 1);
}

/* The globals scripts see, beyond the libraries. Redis 7.0.15's list, plus
 * `os` (only os.clock, as Redis 7.2). */
static const char *const visible_globals[] = {
    "_VERSION", "assert",   "collectgarbage", "coroutine",    "error",    "gcinfo",
    "getmetatable", "ipairs", "load",         "loadstring",   "math",     "next",
    "pairs",    "pcall",    "rawequal",       "rawget",       "rawset",   "select",
    "setmetatable", "string", "table",        "tonumber",     "tostring", "type",
    "unpack",   "xpcall",   "redis",          "cjson",        "cmsgpack", "bit",
    "struct",   "os",       NULL};

static int build_sandbox(lua_State *L)
{
    /* The libraries, in the real globals (never seen by scripts). */
    luaL_requiref(L, "_G", luaopen_base, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    lua_createtable(L, 0, 1); /* os: only os.clock */
    lua_getfield(L, -2, "clock");
    lua_setfield(L, -2, "clock");
    lua_setglobal(L, "os");
    lua_pop(L, 1);
    ak_luaopen_cjson(L);
    lua_setglobal(L, "cjson");
    ak_luaopen_cmsgpack(L);
    lua_setglobal(L, "cmsgpack");
    ak_luaopen_bit(L);
    lua_setglobal(L, "bit");
    ak_luaopen_struct(L);
    lua_setglobal(L, "struct");

    /* Lua 5.1 compatibility and Redis's replacements. */
    lua_getglobal(L, "math");
    set_fn(L, "random", l_math_random);
    set_fn(L, "randomseed", l_math_randomseed);
    set_fn(L, "mod", l_math_mod);
    set_fn(L, "atan2", l_math_atan2);
    set_fn_if_missing(L, "pow", l_math_pow);
    set_fn_if_missing(L, "ldexp", l_math_ldexp);
    set_fn_if_missing(L, "frexp", l_math_frexp);
    set_fn_if_missing(L, "log10", l_math_log10);
    set_fn_if_missing(L, "cosh", l_math_cosh);
    set_fn_if_missing(L, "sinh", l_math_sinh);
    set_fn_if_missing(L, "tanh", l_math_tanh);
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    set_fn(L, "getn", l_table_getn);
    set_fn(L, "setn", l_table_setn);
    set_fn(L, "maxn", l_table_maxn);
    set_fn(L, "foreach", l_table_foreach);
    set_fn(L, "foreachi", l_table_foreachi);
    lua_getfield(L, -1, "unpack");
    lua_setglobal(L, "unpack");
    lua_pop(L, 1);
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "gmatch");
    lua_setfield(L, -2, "gfind");
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    set_fn(L, "gcinfo", l_gcinfo);
    set_fn(L, "error", l_error);
    set_fn(L, "pcall", l_pcall);
    set_fn(L, "rawget", l_rawget);
    set_fn(L, "rawset", l_rawset);
    set_fn(L, "next", l_next);
    set_fn(L, "getmetatable", l_getmetatable);
    set_fn(L, "setmetatable", l_setmetatable);
    set_fn(L, "load", l_load);
    set_fn(L, "loadstring", l_loadstring);
    lua_getfield(L, -1, "tonumber");
    lua_pushcclosure(L, l_tonumber, 1);
    lua_setfield(L, -2, "tonumber");
    lua_pop(L, 1);

    ak_luaopen_redis(L);
    lua_setglobal(L, "redis");

    /* Numbers print as Lua 5.1 printed them. */
    lua_pushinteger(L, 0);
    lua_createtable(L, 0, 1);
    set_fn(L, "__tostring", num_tostring);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);

    /* The registry tables of the views. */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, R_RO);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, R_PROXY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, R_SCRIPTS);

    /* VIS and E. */
    lua_newtable(L);
    int memo = lua_gettop(L);
    lua_newtable(L);
    int vis = lua_gettop(L);
    lua_newtable(L);
    int env = lua_gettop(L);
    for (const char *const *name = visible_globals; *name; name++) {
        lua_getglobal(L, *name);
        if (lua_istable(L, -1)) {
            push_view(L, -1, memo);
            lua_remove(L, -2);
        }
        lua_setfield(L, vis, *name);
    }
    lua_pushvalue(L, env);
    lua_setfield(L, vis, "_G");
    lua_pushcfunction(L, ak_lua_err_handler);
    lua_setfield(L, vis, "__redis__err__handler");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, vis);
    make_view(L, env, vis);
    lua_pushvalue(L, vis);
    lua_setfield(L, LUA_REGISTRYINDEX, R_VIS);
    lua_pushvalue(L, env);
    lua_setfield(L, LUA_REGISTRYINDEX, R_ENV);

    /* Strings keep their methods; getmetatable("") shows a read-only
     * metatable whose __index is the string view. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_createtable(L, 0, 1);
    lua_getglobal(L, "string");
    lua_rawget(L, memo);
    lua_setfield(L, -2, "__index");
    push_view(L, -1, memo);
    lua_setfield(L, -3, "__metatable");
    lua_pop(L, 3);
    lua_settop(L, 0);
    return 0;
}

void ak_lua_newstate(ak_scripting *sc)
{
    lua_State *L = lua_newstate(lua_allocator, NULL);
    if (!L) {
        fprintf(stderr, "aikv: out of memory creating the Lua interpreter\n");
        abort();
    }
    ak_lua_ctx *x = ak_calloc(1, sizeof *x);
    x->sc = sc;
    *(ak_lua_ctx **)lua_getextraspace(L) = x;
    lua_pushcfunction(L, build_sandbox);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "aikv: cannot set up the Lua sandbox: %s\n", lua_tostring(L, -1));
        abort();
    }
    sc->L = L;
    sc->ctx = x;
}

void ak_lua_close(lua_State *L, ak_lua_ctx *x)
{
    x->sc = NULL; /* finalizers run by lua_close no longer reach the store */
    lua_close(L);
    ak_free(x);
}

void ak_lua_renew(ak_scripting *sc, int async)
{
    lua_State *old = sc->L;
    ak_lua_ctx *oldctx = sc->ctx;
    ak_lua_newstate(sc);
    if (async)
        ak_lua_close_async(old, oldctx);
    else
        ak_lua_close(old, oldctx);
}

static void *close_thread(void *arg)
{
    void **pair = arg;
    ak_lua_close(pair[0], pair[1]);
    ak_free(pair);
    return NULL;
}

void ak_lua_close_async(lua_State *L, ak_lua_ctx *x)
{
    x->sc = NULL;
    void **pair = ak_malloc(2 * sizeof(void *));
    pair[0] = L;
    pair[1] = x;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, close_thread, pair);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        ak_free(pair);
        ak_lua_close(L, x);
    }
}
