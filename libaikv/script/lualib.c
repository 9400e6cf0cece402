/*
 * lualib.c -- helpers shared by the sandbox libraries (see lualib.h).
 */
#include "lualib.h"

#include <math.h>
#include <string.h>

#include "../util/alloc.h"

void ak_lua_pushnum(lua_State *L, double d)
{
    /* Within 2^53 a double is an exact integer; -0.0 stays a float so that
     * it still prints "-0". */
    if (d == floor(d) && d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
        !(d == 0 && signbit(d)))
        lua_pushinteger(L, (lua_Integer)d);
    else
        lua_pushnumber(L, d);
}

int ak_lua_checkstack51(lua_State *L, int n)
{
    return lua_gettop(L) + n <= AK_LUA51_MAXCSTACK && lua_checkstack(L, n);
}

/* ---------------------------------------------------------------- buffers */

#define LBUF_META "ak.lbuf"

static int lbuf_gc(lua_State *L)
{
    ak_lbuf *b = lua_touserdata(L, 1);
    ak_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return 0;
}

ak_lbuf *ak_lbuf_push(lua_State *L)
{
    ak_lbuf *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->len = b->cap = 0;
    if (luaL_newmetatable(L, LBUF_META)) {
        lua_pushcfunction(L, lbuf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

void ak_lbuf_add(ak_lbuf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n)
            cap *= 2;
        b->p = ak_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
