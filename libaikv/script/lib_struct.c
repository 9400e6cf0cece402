/*
 * lib_struct.c -- `struct`: pack, unpack and size of binary records, with
 * the format language of Roberto Ierusalimschy's struct library (1.7, the
 * version Redis 7.0 ships, with its bounds checks):
 *
 *   > <      big / little endian            ![n]  maximum alignment n
 *   b B      signed / unsigned char         h H   short
 *   l L      long                           T     size_t
 *   i[n] I[n] integer of n bytes (default sizeof(int), at most 32)
 *   f d      float / double                 x     a zero byte
 *   c[n]     n bytes (pack: c0 = the whole string; unpack: c0 = the
 *            length read just before)
 *   s        a zero-terminated string       ' '   ignored
 *
 * Integers are converted through a double, as in Lua 5.1.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lualib.h"

#define MAXINTSIZE 32
#define MAXALIGN 8 /* max(offsetof(struct {char c; double d;}, d), sizeof(int)) */
#define BIG 0
#define LITTLE 1

typedef struct header {
    int endian;
    int align;
} header;

static int native_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one ? LITTLE : BIG;
}

static int is_pow2(int x)
{
    return x > 0 && (x & (x - 1)) == 0;
}

static int getnum(lua_State *L, const char **fmt, int df)
{
    if (!isdigit((unsigned char)**fmt))
        return df;
    int a = 0;
    do {
        int d = **fmt - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - d)
            luaL_error(L, "integral size overflow");
        a = a * 10 + d;
        (*fmt)++;
    } while (isdigit((unsigned char)**fmt));
    return a;
}

static size_t optsize(lua_State *L, char opt, const char **fmt)
{
    switch (opt) {
    case 'B':
    case 'b':
        return sizeof(char);
    case 'H':
    case 'h':
        return sizeof(short);
    case 'L':
    case 'l':
        return sizeof(long);
    case 'T':
        return sizeof(size_t);
    case 'f':
        return sizeof(float);
    case 'd':
        return sizeof(double);
    case 'x':
        return 1;
    case 'c':
        return (size_t)getnum(L, fmt, 1);
    case 'i':
    case 'I': {
        int sz = getnum(L, fmt, (int)sizeof(int));
        if (sz > MAXINTSIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", sz, MAXINTSIZE);
        return (size_t)sz;
    }
    default:
        return 0; /* the others need no alignment */
    }
}

/* Padding needed before an item of `size` bytes at offset len. */
static size_t toalign(size_t len, const header *h, int opt, size_t size)
{
    if (size == 0 || opt == 'c')
        return 0;
    if (size > (size_t)h->align)
        size = (size_t)h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

static void controloptions(lua_State *L, int opt, const char **fmt, header *h)
{
    switch (opt) {
    case ' ':
        return;
    case '>':
        h->endian = BIG;
        return;
    case '<':
        h->endian = LITTLE;
        return;
    case '!': {
        int a = getnum(L, fmt, MAXALIGN);
        if (!is_pow2(a))
            luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = a;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

/* The double -> integer conversion of the C library Redis is built with
 * (x86-64), without undefined behaviour for values out of range. */
static uint64_t to_bits(double n)
{
    if (n < 0)
        return n < -9223372036854775808.0 ? (uint64_t)INT64_MIN : (uint64_t)(int64_t)n;
    if (n < 18446744073709551616.0)
        return (uint64_t)n;
    return 0; /* too large, or NaN */
}

static void putinteger(lua_State *L, luaL_Buffer *b, int arg, int endian, size_t size)
{
    uint64_t v = to_bits(luaL_checknumber(L, arg));
    char buf[MAXINTSIZE];
    if (endian == LITTLE) {
        for (size_t i = 0; i < size; i++) {
            buf[i] = (char)(v & 0xff);
            v >>= 8;
        }
    } else {
        for (size_t i = size; i-- > 0;) {
            buf[i] = (char)(v & 0xff);
            v >>= 8;
        }
    }
    luaL_addlstring(b, buf, size);
}

static void correctbytes(char *p, size_t size, int endian)
{
    if (endian == native_endian())
        return;
    for (size_t i = 0, j = size - 1; i < j; i++, j--) {
        char t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

static int st_pack(lua_State *L)
{
    luaL_Buffer b;
    const char *fmt = luaL_checkstring(L, 1);
    header h = {native_endian(), 1};
    int arg = 2;
    size_t total = 0;
    lua_pushnil(L); /* keeps the arguments apart from the buffer */
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        size_t pad = toalign(total, &h, opt, size);
        total += pad;
        while (pad-- > 0)
            luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l':
        case 'L': case 'T': case 'i': case 'I':
            putinteger(L, &b, arg++, h.endian, size);
            break;
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            correctbytes((char *)&f, size, h.endian);
            luaL_addlstring(&b, (const char *)&f, size);
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            correctbytes((char *)&d, size, h.endian);
            luaL_addlstring(&b, (const char *)&d, size);
            break;
        }
        case 'c':
        case 's': {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (size == 0)
                size = l;
            luaL_argcheck(L, l >= size, arg, "string too short");
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default:
            controloptions(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static double getinteger(const char *p, int endian, int issigned, size_t size)
{
    uint64_t l = 0;
    if (endian == BIG) {
        for (size_t i = 0; i < size; i++)
            l = (l << 8) | (unsigned char)p[i];
    } else {
        for (size_t i = size; i-- > 0;)
            l = (l << 8) | (unsigned char)p[i];
    }
    if (!issigned)
        return (double)l;
    /* Sign extension from bit size*8-1; past 8 bytes the shift count wraps
     * at 64 as the x86-64 build of Redis computes it. */
    uint64_t mask = ~(uint64_t)0 << ((size * 8 - 1) & 63);
    if (l & mask)
        l |= mask;
    return (double)(int64_t)l;
}

static int st_unpack(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    int n = 0;
    header h = {native_endian(), 1};
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        pos += toalign(pos, &h, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l':
        case 'L': case 'T': case 'i': case 'I':
            ak_lua_pushnum(L, getinteger(data + pos, h.endian, islower(opt), size));
            n++;
            break;
        case 'x':
            break;
        case 'f': {
            float f;
            memcpy(&f, data + pos, size);
            correctbytes((char *)&f, sizeof f, h.endian);
            ak_lua_pushnum(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            memcpy(&d, data + pos, size);
            correctbytes((char *)&d, sizeof d, h.endian);
            ak_lua_pushnum(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                double want = lua_tonumber(L, -1);
                size = want > 0 && want < (double)SIZE_MAX ? (size_t)want : 0;
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (!e)
                luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        default:
            controloptions(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int st_size(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    header h = {native_endian(), 1};
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        pos += toalign(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!isalnum(opt))
            controloptions(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

int ak_luaopen_struct(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"pack", st_pack}, {"unpack", st_unpack}, {"size", st_size}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}
