/*
 * lib_cmsgpack.c -- `cmsgpack`: MessagePack for scripts, with the API and
 * the encoding choices of lua-cmsgpack 0.4.0 as Redis 7.0 ships it (an
 * implementation of its own):
 *
 *   pack(v1, v2, ...)        the values one after the other. Integral
 *                            numbers use the smallest integer format,
 *                            others a float when exact, else a double;
 *                            strings use fixstr/str8/str16/str32; a table
 *                            whose keys are exactly 1..n is an array,
 *                            anything else a map; tables nested 16 deep,
 *                            nil, functions and userdata are nil.
 *   unpack(s)                every value of s.
 *   unpack_one(s [, off])    the offset after the first value (-1 at the
 *                            end), then the value.
 *   unpack_limit(s, n [, off])  likewise with up to n values.
 *
 * Decoding refuses what lua-cmsgpack refuses (bin and ext types): "Bad data
 * format in input."; truncated input: "Missing bytes in input.".
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lualib.h"

#define MAX_NESTING 16

/* ---------------------------------------------------------------- encoding */

static void put_be(ak_lbuf *b, unsigned char type, uint64_t v, int bytes)
{
    unsigned char out[9];
    out[0] = type;
    for (int i = 0; i < bytes; i++)
        out[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    ak_lbuf_add(b, out, (size_t)bytes + 1);
}

static void encode_int(ak_lbuf *b, int64_t n)
{
    if (n >= 0) {
        if (n <= 127)
            ak_lbuf_addc(b, (char)n);
        else if (n <= 0xff)
            put_be(b, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff)
            put_be(b, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL)
            put_be(b, 0xce, (uint64_t)n, 4);
        else
            put_be(b, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32)
            ak_lbuf_addc(b, (char)(signed char)n);
        else if (n >= -128)
            put_be(b, 0xd0, (uint64_t)n, 1);
        else if (n >= -32768)
            put_be(b, 0xd1, (uint64_t)n, 2);
        else if (n >= -2147483648LL)
            put_be(b, 0xd2, (uint64_t)n, 4);
        else
            put_be(b, 0xd3, (uint64_t)n, 8);
    }
}

static void encode_double(ak_lbuf *b, double d)
{
    float f = (float)d;
    if ((double)f == d) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_be(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put_be(b, 0xcb, bits, 8);
    }
}

static void encode_bytes(ak_lbuf *b, const char *s, size_t n)
{
    if (n < 32)
        ak_lbuf_addc(b, (char)(0xa0 | n));
    else if (n <= 0xff)
        put_be(b, 0xd9, n, 1);
    else if (n <= 0xffff)
        put_be(b, 0xda, n, 2);
    else
        put_be(b, 0xdb, n & 0xffffffffu, 4);
    ak_lbuf_add(b, s, n);
}

static void encode_header(ak_lbuf *b, size_t n, unsigned char fix, unsigned char t16,
                          unsigned char t32)
{
    if (n <= 15)
        ak_lbuf_addc(b, (char)(fix | n));
    else if (n <= 0xffff)
        put_be(b, t16, n, 2);
    else
        put_be(b, t32, n & 0xffffffffu, 4);
}

/* Keys 1..n and nothing else (Lua 5.1's test: integral keys that fit an
 * int). */
static int is_array(lua_State *L)
{
    long long count = 0, max = 0;
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        long long n;
        if (lua_isinteger(L, -1)) {
            n = lua_tointeger(L, -1);
        } else if (lua_type(L, -1) == LUA_TNUMBER) {
            double d = lua_tonumber(L, -1);
            if (isinf(d) || d != floor(d) || d < INT_MIN || d > INT_MAX) {
                lua_pop(L, 1);
                return 0;
            }
            n = (long long)d;
        } else {
            lua_pop(L, 1);
            return 0;
        }
        if (n <= 0) {
            lua_pop(L, 1);
            return 0;
        }
        if (n > max)
            max = n;
        count++;
    }
    return max == count;
}

static void encode_value(lua_State *L, ak_lbuf *b, int level);

static void encode_table(lua_State *L, ak_lbuf *b, int level)
{
    if (is_array(L)) {
        size_t len = (size_t)lua_rawlen(L, -1);
        encode_header(b, len, 0x90, 0xdc, 0xdd);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t j = 1; j <= len; j++) {
            lua_geti(L, -1, (lua_Integer)j);
            encode_value(L, b, level + 1);
        }
        return;
    }
    size_t n = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    encode_header(b, n, 0x80, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        encode_value(L, b, level + 1); /* the key */
        encode_value(L, b, level + 1); /* the value */
    }
}

/* Encodes and pops the value at the top. */
static void encode_value(lua_State *L, ak_lbuf *b, int level)
{
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == MAX_NESTING)
        t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        encode_bytes(b, s, n);
        break;
    }
    case LUA_TBOOLEAN:
        ak_lbuf_addc(b, lua_toboolean(L, -1) ? (char)0xc3 : (char)0xc2);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) {
            encode_int(b, (int64_t)lua_tointeger(L, -1));
        } else {
            double d = lua_tonumber(L, -1);
            if (!isinf(d) && d == floor(d) && d >= -9223372036854775808.0 &&
                d < 9223372036854775808.0)
                encode_int(b, (int64_t)d);
            else
                encode_double(b, d);
        }
        break;
    case LUA_TTABLE:
        encode_table(L, b, level);
        break;
    default:
        ak_lbuf_addc(b, (char)0xc0);
    }
    lua_pop(L, 1);
}

static int mp_pack(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0)
        return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, n))
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    ak_lbuf *b = ak_lbuf_push(L);
    for (int i = 1; i <= n; i++) {
        luaL_checkstack(L, 1, "in function mp_check");
        lua_pushvalue(L, i);
        encode_value(L, b, 0);
    }
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    return 1;
}

/* ---------------------------------------------------------------- decoding */

enum { CUR_OK, CUR_EOF, CUR_BADFMT };

typedef struct cur {
    const unsigned char *p;
    size_t left;
    int err;
} cur;

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

#define NEED(c, n)                \
    do {                          \
        if ((c)->left < (n)) {    \
            (c)->err = CUR_EOF;   \
            return;               \
        }                         \
    } while (0)
#define CONSUME(c, n)             \
    do {                          \
        (c)->p += (n);            \
        (c)->left -= (n);         \
    } while (0)

static void decode_value(lua_State *L, cur *c);

static void decode_array(lua_State *L, cur *c, size_t n)
{
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (size_t i = 1; i <= n; i++) {
        decode_value(L, c);
        if (c->err)
            return;
        lua_rawseti(L, -2, (lua_Integer)i);
    }
}

static void decode_map(lua_State *L, cur *c, size_t n)
{
    lua_newtable(L);
    while (n--) {
        decode_value(L, c); /* key */
        if (c->err)
            return;
        decode_value(L, c); /* value */
        if (c->err)
            return;
        lua_settable(L, -3);
    }
}

static void decode_string(lua_State *L, cur *c, size_t hdr, size_t n)
{
    CONSUME(c, hdr);
    NEED(c, n);
    lua_pushlstring(L, (const char *)c->p, n);
    CONSUME(c, n);
}

static void decode_value(lua_State *L, cur *c)
{
    NEED(c, 1);
    /* The decoded values accumulate on the stack; Lua 5.1 stopped them at
     * 8000 slots, which also bounds how deep arrays may nest here. */
    if (!ak_lua_checkstack51(L, 1))
        luaL_error(L, "stack overflow (too many return values at once; "
                      "use unpack_one or unpack_limit instead.)");
    const unsigned char *p = c->p;
    unsigned char t = p[0];
    switch (t) {
    case 0xcc: NEED(c, 2); lua_pushinteger(L, p[1]); CONSUME(c, 2); return;
    case 0xd0: NEED(c, 2); lua_pushinteger(L, (int8_t)p[1]); CONSUME(c, 2); return;
    case 0xcd: NEED(c, 3); lua_pushinteger(L, (lua_Integer)get_be(p + 1, 2)); CONSUME(c, 3); return;
    case 0xd1: NEED(c, 3); lua_pushinteger(L, (int16_t)get_be(p + 1, 2)); CONSUME(c, 3); return;
    case 0xce: NEED(c, 5); lua_pushinteger(L, (lua_Integer)get_be(p + 1, 4)); CONSUME(c, 5); return;
    case 0xd2: NEED(c, 5); lua_pushinteger(L, (int32_t)get_be(p + 1, 4)); CONSUME(c, 5); return;
    /* 64-bit integers were doubles in Lua 5.1 (uint 64 through a signed
     * integer, as lua-cmsgpack pushes it). */
    case 0xcf: NEED(c, 9); ak_lua_pushnum(L, (double)(int64_t)get_be(p + 1, 8)); CONSUME(c, 9); return;
    case 0xd3: NEED(c, 9); ak_lua_pushnum(L, (double)(int64_t)get_be(p + 1, 8)); CONSUME(c, 9); return;
    case 0xc0: lua_pushnil(L); CONSUME(c, 1); return;
    case 0xc3: lua_pushboolean(L, 1); CONSUME(c, 1); return;
    case 0xc2: lua_pushboolean(L, 0); CONSUME(c, 1); return;
    case 0xca: {
        NEED(c, 5);
        uint32_t bits = (uint32_t)get_be(p + 1, 4);
        float f;
        memcpy(&f, &bits, 4);
        ak_lua_pushnum(L, f);
        CONSUME(c, 5);
        return;
    }
    case 0xcb: {
        NEED(c, 9);
        uint64_t bits = get_be(p + 1, 8);
        double d;
        memcpy(&d, &bits, 8);
        ak_lua_pushnum(L, d);
        CONSUME(c, 9);
        return;
    }
    case 0xd9: NEED(c, 2); decode_string(L, c, 2, p[1]); return;
    case 0xda: NEED(c, 3); decode_string(L, c, 3, (size_t)get_be(p + 1, 2)); return;
    case 0xdb: NEED(c, 5); decode_string(L, c, 5, (size_t)get_be(p + 1, 4)); return;
    case 0xdc: NEED(c, 3); CONSUME(c, 3); decode_array(L, c, (size_t)get_be(p + 1, 2)); return;
    case 0xdd: NEED(c, 5); CONSUME(c, 5); decode_array(L, c, (size_t)get_be(p + 1, 4)); return;
    case 0xde: NEED(c, 3); CONSUME(c, 3); decode_map(L, c, (size_t)get_be(p + 1, 2)); return;
    case 0xdf: NEED(c, 5); CONSUME(c, 5); decode_map(L, c, (size_t)get_be(p + 1, 4)); return;
    default:
        break;
    }
    if ((t & 0x80) == 0) { /* positive fixint */
        lua_pushinteger(L, t);
        CONSUME(c, 1);
    } else if ((t & 0xe0) == 0xe0) { /* negative fixint */
        lua_pushinteger(L, (int8_t)t);
        CONSUME(c, 1);
    } else if ((t & 0xe0) == 0xa0) { /* fixstr */
        decode_string(L, c, 1, t & 0x1f);
    } else if ((t & 0xf0) == 0x90) { /* fixarray */
        CONSUME(c, 1);
        decode_array(L, c, t & 0xf);
    } else if ((t & 0xf0) == 0x80) { /* fixmap */
        CONSUME(c, 1);
        decode_map(L, c, t & 0xf);
    } else {
        c->err = CUR_BADFMT;
    }
}

static int unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int all = !limit && !offset;
    if (offset < 0 || limit < 0) /* lua-cmsgpack prints the length as the limit */
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset,
                          (int)len);
    if (all)
        limit = INT_MAX;
    cur c = {(const unsigned char *)s + offset, len - (size_t)offset, CUR_OK};
    int n;
    for (n = 0; c.left > 0 && n < limit; n++) {
        decode_value(L, &c);
        if (c.err == CUR_EOF)
            return luaL_error(L, "Missing bytes in input.");
        if (c.err == CUR_BADFMT)
            return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        n++;
    }
    return n;
}

static int mp_unpack(lua_State *L)
{
    return unpack_full(L, 0, 0);
}

static int mp_unpack_one(lua_State *L)
{
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L)
{
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_full(L, limit, offset);
}

int ak_luaopen_cmsgpack(lua_State *L)
{
    static const luaL_Reg fns[] = {{"pack", mp_pack},
                                   {"unpack", mp_unpack},
                                   {"unpack_one", mp_unpack_one},
                                   {"unpack_limit", mp_unpack_limit},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}
