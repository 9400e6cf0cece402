/*
 * lualib.h -- the libraries the script sandbox loads (script/lib_*.c), and
 * helpers they share with script/lua.c.
 *
 * Each library keeps the Lua-visible behaviour of the one Redis 7.0 bundles
 * (lua-cjson 2.1.0, lua-cmsgpack 0.4.0, LuaBitOp 1.0.2, Roberto's struct
 * 1.7): names, results, error texts. Lua 5.1 had only floating-point
 * numbers; under 5.4 these libraries hand integral results to scripts as
 * integers (ak_lua_pushnum), so `"id:" .. n` reads as it did under 5.1.
 */
#ifndef AK_LUALIB_H
#define AK_LUALIB_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

/* luaopen_* equivalents: push the library table. */
int ak_luaopen_cjson(lua_State *L);
int ak_luaopen_cmsgpack(lua_State *L);
int ak_luaopen_bit(lua_State *L);
int ak_luaopen_struct(lua_State *L);

/* Pushes a number read from data (JSON, MessagePack, struct, tonumber) as
 * Lua 5.1 had it, a double: as an integer when it is integral and exact
 * (|d| <= 2^53, so that it concatenates without ".0"), else as a float. */
void ak_lua_pushnum(lua_State *L, double d);

/* lua_checkstack() with Lua 5.1's ceiling of 8000 slots (LUAI_MAXCSTACK),
 * which bounds the recursion of the converters as Redis's Lua bounds it. */
#define AK_LUA51_MAXCSTACK 8000
int ak_lua_checkstack51(lua_State *L, int n);

/* A growable byte buffer owned by a userdata on the Lua stack, so that an
 * error raised while it is being filled cannot leak it (the GC frees it). */
typedef struct ak_lbuf {
    char *p;
    size_t len, cap;
} ak_lbuf;
ak_lbuf *ak_lbuf_push(lua_State *L);
void ak_lbuf_add(ak_lbuf *b, const void *p, size_t n);
static inline void ak_lbuf_addc(ak_lbuf *b, char c)
{
    ak_lbuf_add(b, &c, 1);
}

#endif
