/*
 * lib_bit.c -- `bit`: LuaBitOp's API (tobit tohex bnot band bor bxor lshift
 * rshift arshift rol ror bswap) on 32-bit integers.
 *
 * Arguments are normalised as LuaBitOp does: the number plus 2^52+2^51,
 * whose double representation holds the value rounded to an integer in its
 * low 32 mantissa bits; those bits are the operand. So 2^32+5 is 5 and 2.5
 * rounds to 2 (to even). Results are signed 32-bit integers.
 */
#include <stdint.h>
#include <string.h>

#include "lualib.h"

static uint32_t barg(lua_State *L, int i)
{
    double d = lua_tonumber(L, i) + 6755399441055744.0;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    uint32_t b = (uint32_t)bits;
    if (b == 0 && !lua_isnumber(L, i))
        luaL_typeerror(L, i, "number");
    return b;
}

static int bret(lua_State *L, uint32_t b)
{
    lua_pushinteger(L, (int32_t)b);
    return 1;
}

static int bit_tobit(lua_State *L)
{
    return bret(L, barg(L, 1));
}

static int bit_bnot(lua_State *L)
{
    return bret(L, ~barg(L, 1));
}

/* band/bor/bxor fold right to left over every argument, as LuaBitOp. */
#define FOLD(name, op)                                 \
    static int name(lua_State *L)                      \
    {                                                  \
        uint32_t b = barg(L, 1);                       \
        for (int i = lua_gettop(L); i > 1; i--)        \
            b op barg(L, i);                           \
        return bret(L, b);                             \
    }
FOLD(bit_band, &=)
FOLD(bit_bor, |=)
FOLD(bit_bxor, ^=)

static int bit_lshift(lua_State *L)
{
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, b << n);
}

static int bit_rshift(lua_State *L)
{
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, b >> n);
}

static int bit_arshift(lua_State *L)
{
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    /* Arithmetic shift without relying on implementation-defined >> of a
     * negative value. */
    uint32_t r = b >> n;
    if ((b & 0x80000000u) && n)
        r |= ~(0xFFFFFFFFu >> n);
    return bret(L, r);
}

static int bit_rol(lua_State *L)
{
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, n ? (b << n) | (b >> (32 - n)) : b);
}

static int bit_ror(lua_State *L)
{
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, n ? (b >> n) | (b << (32 - n)) : b);
}

static int bit_bswap(lua_State *L)
{
    uint32_t b = barg(L, 1);
    b = (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24);
    return bret(L, b);
}

/* tohex(x [, n]): n hex digits (default 8, at most 8), upper case when n is
 * negative. */
static int bit_tohex(lua_State *L)
{
    uint32_t b = barg(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)barg(L, 2);
    const char *digits = "0123456789abcdef";
    char buf[8];
    if (n < 0) {
        n = n == INT32_MIN ? 8 : -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8)
        n = 8;
    for (int i = n; --i >= 0;) {
        buf[i] = digits[b & 15];
        b >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

int ak_luaopen_bit(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"tobit", bit_tobit},   {"bnot", bit_bnot},     {"band", bit_band},
        {"bor", bit_bor},       {"bxor", bit_bxor},     {"lshift", bit_lshift},
        {"rshift", bit_rshift}, {"arshift", bit_arshift}, {"rol", bit_rol},
        {"ror", bit_ror},       {"bswap", bit_bswap},   {"tohex", bit_tohex},
        {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}
