/*
 * lib_cjson.c -- `cjson`: JSON for scripts, with the API and the exact
 * output of the lua-cjson 2.1.0 Redis 7.0 bundles (an implementation of
 * its own, not a copy):
 *
 *   encode(v)   numbers as "%.14g" (encode_number_precision), strings with
 *               lua-cjson's escapes (\" \\ \/ \b \f \n \r \t, \u00XX for the
 *               other control characters and 0x7f), a table is an array
 *               when every key is a positive integer (holes become null;
 *               "excessively sparse" arrays are refused or, with
 *               encode_sparse_array(true), written as objects) and an object
 *               otherwise; an empty table is {}. cjson.null is null.
 *   decode(s)   objects and arrays to tables, null to cjson.null, numbers
 *               with strtod (NaN, Infinity and hex accepted while
 *               decode_invalid_numbers is on, the default), \u escapes
 *               (surrogate pairs included) to UTF-8. Errors name the
 *               token and the 1-based character: "Expected value but found
 *               T_END at character 1".
 *   encode_sparse_array, encode_max_depth, decode_max_depth,
 *   encode_number_precision, encode_invalid_numbers, decode_invalid_numbers,
 *   encode_keep_buffer   read and set the configuration (kept until SCRIPT
 *                        FLUSH, as in Redis);  new()  an independent instance.
 *
 * Each instance's configuration is a userdata, the first upvalue of its
 * functions. Object members are written in Lua's table order, which under
 * Lua 5.4 is not Lua 5.1's (docs/scripting.md).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "lualib.h"

#define CFG_META "ak.cjson.cfg"

typedef struct cfg {
    int sparse_convert, sparse_ratio, sparse_safe;
    int encode_max_depth, decode_max_depth;
    int encode_invalid_numbers; /* 0 off, 1 on, 2 "null" */
    int decode_invalid_numbers;
    int encode_keep_buffer;
    int precision;
    ak_lbuf kept; /* the kept encode buffer (encode_keep_buffer) */
} cfg;

static cfg *getcfg(lua_State *L)
{
    cfg *c = lua_touserdata(L, lua_upvalueindex(1));
    if (!c)
        luaL_error(L, "BUG: Unable to fetch CJSON configuration");
    return c;
}

/* At most `n` arguments; missing ones become nil. */
static cfg *arg_init(lua_State *L, int n)
{
    luaL_argcheck(L, lua_gettop(L) <= n, n + 1, "found too many arguments");
    while (lua_gettop(L) < n)
        lua_pushnil(L);
    return getcfg(L);
}

/* ---------------------------------------------------------------- configuration */

static void int_option(lua_State *L, int i, int *setting, int min, int max)
{
    if (!lua_isnil(L, i)) {
        lua_Integer v = luaL_checkinteger(L, i);
        char msg[64];
        snprintf(msg, sizeof msg, "expected integer between %d and %d", min, max);
        /* lua-cjson always names argument 1 here. */
        luaL_argcheck(L, min <= v && v <= max, 1, msg);
        *setting = (int)v;
    }
    lua_pushinteger(L, *setting);
}

/* An option that is a boolean or one of `names` (off/on by default). */
static void enum_option(lua_State *L, int i, int *setting, const char *const *names)
{
    static const char *const onoff[] = {"off", "on", NULL};
    if (!names)
        names = onoff;
    if (!lua_isnil(L, i)) {
        if (lua_isboolean(L, i))
            *setting = lua_toboolean(L, i);
        else
            *setting = luaL_checkoption(L, i, NULL, names);
    }
    if (*setting == 0 || *setting == 1)
        lua_pushboolean(L, *setting);
    else
        lua_pushstring(L, names[*setting]);
}

static int cfg_encode_sparse_array(lua_State *L)
{
    cfg *c = arg_init(L, 3);
    enum_option(L, 1, &c->sparse_convert, NULL);
    int_option(L, 2, &c->sparse_ratio, 0, INT_MAX);
    int_option(L, 3, &c->sparse_safe, 0, INT_MAX);
    return 3;
}

static int cfg_encode_max_depth(lua_State *L)
{
    cfg *c = arg_init(L, 1);
    int_option(L, 1, &c->encode_max_depth, 1, INT_MAX);
    return 1;
}

static int cfg_decode_max_depth(lua_State *L)
{
    cfg *c = arg_init(L, 1);
    int_option(L, 1, &c->decode_max_depth, 1, INT_MAX);
    return 1;
}

static int cfg_encode_number_precision(lua_State *L)
{
    cfg *c = arg_init(L, 1);
    int_option(L, 1, &c->precision, 1, 14);
    return 1;
}

static int cfg_encode_keep_buffer(lua_State *L)
{
    cfg *c = arg_init(L, 1);
    enum_option(L, 1, &c->encode_keep_buffer, NULL);
    if (!c->encode_keep_buffer) { /* give the kept buffer back */
        ak_free(c->kept.p);
        c->kept.p = NULL;
        c->kept.len = c->kept.cap = 0;
    }
    return 1;
}

static int cfg_encode_invalid_numbers(lua_State *L)
{
    static const char *const names[] = {"off", "on", "null", NULL};
    cfg *c = arg_init(L, 1);
    enum_option(L, 1, &c->encode_invalid_numbers, names);
    return 1;
}

static int cfg_decode_invalid_numbers(lua_State *L)
{
    cfg *c = arg_init(L, 1);
    enum_option(L, 1, &c->decode_invalid_numbers, NULL);
    return 1;
}

static int cfg_gc(lua_State *L)
{
    cfg *c = lua_touserdata(L, 1);
    ak_free(c->kept.p);
    c->kept.p = NULL;
    return 0;
}

/* ---------------------------------------------------------------- encoding */

static void encode_error(lua_State *L, int idx, const char *why)
{
    luaL_error(L, "Cannot serialise %s: %s", luaL_typename(L, idx), why);
}

static void encode_string(lua_State *L, ak_lbuf *b, int idx)
{
    static const char hex[] = "0123456789abcdef";
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    ak_lbuf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '/': esc = "\\/"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            break;
        }
        if (esc) {
            ak_lbuf_add(b, esc, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            ak_lbuf_add(b, u, 6);
        } else {
            ak_lbuf_addc(b, (char)ch);
        }
    }
    ak_lbuf_addc(b, '"');
}

static void encode_number(lua_State *L, cfg *c, ak_lbuf *b, int idx)
{
    double d = lua_tonumber(L, idx);
    if (isinf(d) || isnan(d)) {
        if (c->encode_invalid_numbers == 0)
            encode_error(L, idx, "must not be NaN or Inf");
        if (c->encode_invalid_numbers == 2) {
            ak_lbuf_add(b, "null", 4);
            return;
        }
        if (isnan(d)) { /* some C libraries print "-nan" */
            ak_lbuf_add(b, "nan", 3);
            return;
        }
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*g", c->precision, d);
    ak_lbuf_add(b, buf, (size_t)n);
}

/* The length of the array at the top, or -1 when it is to be an object. */
static int array_length(lua_State *L, cfg *c)
{
    int max = 0, items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        double k;
        if (lua_type(L, -2) == LUA_TNUMBER && (k = lua_tonumber(L, -2)) != 0 && floor(k) == k &&
            k >= 1) {
            /* lua-cjson keeps the largest key in an int; past INT_MAX the
             * conversion gives INT_MIN on x86-64, and Redis shows that. */
            if (k > max)
                max = k < 2147483648.0 ? (int)k : INT_MIN;
            items++;
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 2);
        return -1;
    }
    if (c->sparse_ratio > 0 && (long long)max > (long long)items * c->sparse_ratio &&
        max > c->sparse_safe) {
        if (!c->sparse_convert)
            encode_error(L, -1, "excessively sparse array");
        return -1;
    }
    return max;
}

static void encode_value(lua_State *L, cfg *c, ak_lbuf *b, int depth);

static void encode_table(lua_State *L, cfg *c, ak_lbuf *b, int depth)
{
    depth++;
    if (depth > c->encode_max_depth || !ak_lua_checkstack51(L, 3))
        luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
    int len = array_length(L, c);
    if (len > 0) {
        ak_lbuf_addc(b, '[');
        for (int i = 1; i <= len; i++) {
            if (i > 1)
                ak_lbuf_addc(b, ',');
            lua_rawgeti(L, -1, i);
            encode_value(L, c, b, depth);
            lua_pop(L, 1);
        }
        ak_lbuf_addc(b, ']');
        return;
    }
    ak_lbuf_addc(b, '{');
    int first = 1;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (!first)
            ak_lbuf_addc(b, ',');
        first = 0;
        int kt = lua_type(L, -2);
        if (kt == LUA_TNUMBER) {
            ak_lbuf_addc(b, '"');
            encode_number(L, c, b, -2);
            ak_lbuf_add(b, "\":", 2);
        } else if (kt == LUA_TSTRING) {
            encode_string(L, b, -2);
            ak_lbuf_addc(b, ':');
        } else {
            encode_error(L, -2, "table key must be a number or string");
        }
        encode_value(L, c, b, depth);
        lua_pop(L, 1);
    }
    ak_lbuf_addc(b, '}');
}

/* Appends the value at the top of the stack (left there). */
static void encode_value(lua_State *L, cfg *c, ak_lbuf *b, int depth)
{
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        encode_string(L, b, -1);
        return;
    case LUA_TNUMBER:
        encode_number(L, c, b, -1);
        return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1))
            ak_lbuf_add(b, "true", 4);
        else
            ak_lbuf_add(b, "false", 5);
        return;
    case LUA_TTABLE:
        encode_table(L, c, b, depth);
        return;
    case LUA_TNIL:
        ak_lbuf_add(b, "null", 4);
        return;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == NULL) {
            ak_lbuf_add(b, "null", 4);
            return;
        }
        /* fall through */
    default:
        encode_error(L, -1, "type not supported");
    }
}

static int json_encode(lua_State *L)
{
    cfg *c = getcfg(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    ak_lbuf *b;
    if (c->encode_keep_buffer) {
        b = &c->kept;
        b->len = 0;
    } else {
        b = ak_lbuf_push(L);
    }
    lua_pushvalue(L, 1);
    encode_value(L, c, b, 0);
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    return 1;
}

/* ---------------------------------------------------------------- decoding */

enum {
    T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END, T_STRING, T_NUMBER, T_BOOLEAN,
    T_NULL, T_COLON, T_COMMA, T_END, T_WHITESPACE, T_ERROR, T_UNKNOWN
};

static const char *const token_names[] = {
    "T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN",
    "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"};

typedef struct token {
    int type;
    size_t index; /* 0-based position of the token (of the error) */
    const char *str; /* T_STRING: the decoded bytes (in tmp); T_ERROR: the reason */
    size_t len;
    double num;
    int boolean;
} token;

typedef struct parser {
    const char *data; /* NUL-terminated, as every Lua string */
    const char *p;
    ak_lbuf *tmp;     /* decoded string bytes */
    cfg *c;
    int depth;
} parser;

static int char_token(unsigned char ch)
{
    switch (ch) {
    case '{': return T_OBJ_BEGIN;
    case '}': return T_OBJ_END;
    case '[': return T_ARR_BEGIN;
    case ']': return T_ARR_END;
    case ',': return T_COMMA;
    case ':': return T_COLON;
    case '\0': return T_END;
    case ' ': case '\t': case '\n': case '\r': return T_WHITESPACE;
    case 'f': case 'i': case 'I': case 'n': case 'N': case 't': case '"': case '+': case '-':
        return T_UNKNOWN;
    default:
        return ch >= '0' && ch <= '9' ? T_UNKNOWN : T_ERROR;
    }
}

static void set_error(token *t, parser *ps, const char *why)
{
    t->type = T_ERROR;
    t->index = (size_t)(ps->p - ps->data);
    t->str = why;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? 10 + ch - 'a' : -1;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexval(s[i]);
        if (d < 0)
            return -1;
        v = (v << 4) | d;
    }
    return v;
}

/* \uXXXX (and a following low surrogate) at ps->p into UTF-8; 0 or -1. */
static int unicode_escape(parser *ps)
{
    int cp = hex4(ps->p + 2), esclen = 6;
    if (cp < 0)
        return -1;
    if ((cp & 0xF800) == 0xD800) {
        if (cp & 0x400) /* a low surrogate first */
            return -1;
        if (ps->p[6] != '\\' || ps->p[7] != 'u')
            return -1;
        int lo = hex4(ps->p + 8);
        if (lo < 0 || (lo & 0xFC00) != 0xDC00)
            return -1;
        cp = (((cp & 0x3FF) << 10) | (lo & 0x3FF)) + 0x10000;
        esclen = 12;
    }
    char u[4];
    size_t n;
    if (cp <= 0x7F) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp <= 0x7FF) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp <= 0xFFFF) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    ak_lbuf_add(ps->tmp, u, n);
    ps->p += esclen;
    return 0;
}

static void string_token(parser *ps, token *t)
{
    ps->p++; /* the opening quote */
    ps->tmp->len = 0;
    char ch;
    while ((ch = *ps->p) != '"') {
        if (!ch) {
            set_error(t, ps, "unexpected end of string");
            return;
        }
        if (ch == '\\') {
            char e = ps->p[1];
            switch (e) {
            case '"': case '\\': case '/': ch = e; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u':
                if (unicode_escape(ps) == 0)
                    continue;
                set_error(t, ps, "invalid unicode escape code");
                return;
            default:
                set_error(t, ps, "invalid escape code");
                return;
            }
            ps->p++;
        }
        ak_lbuf_addc(ps->tmp, ch);
        ps->p++;
    }
    ps->p++;
    t->type = T_STRING;
    t->str = ps->tmp->p ? ps->tmp->p : "";
    t->len = ps->tmp->len;
}

/* Numbers strict JSON refuses but strtod() takes: '+', hex, leading zeros,
 * inf, nan. */
static int invalid_number(const char *p)
{
    if (*p == '+')
        return 1;
    if (*p == '-')
        p++;
    if (*p == '0') {
        int c2 = p[1];
        return (c2 | 0x20) == 'x' || (c2 >= '0' && c2 <= '9');
    }
    if (*p <= '9')
        return 0;
    return !strncasecmp(p, "inf", 3) || !strncasecmp(p, "nan", 3);
}

/* strtod() over the characters a number may be made of (lua-cjson's
 * fpconv_strtod), so that "nan(...)" and the like parse the same. */
static void number_token(parser *ps, token *t)
{
    size_t n = 0;
    for (;; n++) {
        char ch = ps->p[n];
        char lower = (char)(ch | 0x20);
        if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' ||
              (lower >= 'a' && lower <= 'y')))
            break;
    }
    t->type = T_NUMBER;
    if (n == 0) {
        set_error(t, ps, "invalid number");
        return;
    }
    char small[64], *buf = n < sizeof small ? small : ak_malloc(n + 1);
    memcpy(buf, ps->p, n);
    buf[n] = '\0';
    char *end;
    t->num = strtod(buf, &end);
    size_t used = (size_t)(end - buf);
    if (buf != small)
        ak_free(buf);
    if (used == 0)
        set_error(t, ps, "invalid number");
    else
        ps->p += used;
}

static void next_token(parser *ps, token *t)
{
    int type;
    while ((type = char_token((unsigned char)*ps->p)) == T_WHITESPACE)
        ps->p++;
    t->type = type;
    t->index = (size_t)(ps->p - ps->data);
    if (type == T_ERROR) {
        set_error(t, ps, "invalid token");
        return;
    }
    if (type == T_END)
        return;
    if (type != T_UNKNOWN) {
        ps->p++;
        return;
    }
    char ch = *ps->p;
    if (ch == '"') {
        string_token(ps, t);
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        if (!ps->c->decode_invalid_numbers && invalid_number(ps->p))
            set_error(t, ps, "invalid number");
        else
            number_token(ps, t);
    } else if (!strncmp(ps->p, "true", 4)) {
        t->type = T_BOOLEAN;
        t->boolean = 1;
        ps->p += 4;
    } else if (!strncmp(ps->p, "false", 5)) {
        t->type = T_BOOLEAN;
        t->boolean = 0;
        ps->p += 5;
    } else if (!strncmp(ps->p, "null", 4)) {
        t->type = T_NULL;
        ps->p += 4;
    } else if (ps->c->decode_invalid_numbers && invalid_number(ps->p)) {
        number_token(ps, t);
    } else {
        set_error(t, ps, "invalid token");
    }
}

static void parse_error(lua_State *L, const char *expected, const token *t)
{
    const char *found = t->type == T_ERROR ? t->str : token_names[t->type];
    luaL_error(L, "Expected %s but found %s at character %d", expected, found,
               (int)(t->index + 1));
}

static void descend(lua_State *L, parser *ps, int slots)
{
    ps->depth++;
    if (ps->depth <= ps->c->decode_max_depth && ak_lua_checkstack51(L, slots))
        return;
    luaL_error(L, "Found too many nested data structures (%d) at character %d", ps->depth,
               (int)(ps->p - ps->data));
}

static void parse_value(lua_State *L, parser *ps, token *t);

static void parse_object(lua_State *L, parser *ps)
{
    token t;
    descend(L, ps, 3);
    lua_newtable(L);
    next_token(ps, &t);
    if (t.type == T_OBJ_END) {
        ps->depth--;
        return;
    }
    for (;;) {
        if (t.type != T_STRING)
            parse_error(L, "object key string", &t);
        lua_pushlstring(L, t.str, t.len);
        next_token(ps, &t);
        if (t.type != T_COLON)
            parse_error(L, "colon", &t);
        next_token(ps, &t);
        parse_value(L, ps, &t);
        lua_rawset(L, -3);
        next_token(ps, &t);
        if (t.type == T_OBJ_END) {
            ps->depth--;
            return;
        }
        if (t.type != T_COMMA)
            parse_error(L, "comma or object end", &t);
        next_token(ps, &t);
    }
}

static void parse_array(lua_State *L, parser *ps)
{
    token t;
    descend(L, ps, 2);
    lua_newtable(L);
    next_token(ps, &t);
    if (t.type == T_ARR_END) {
        ps->depth--;
        return;
    }
    for (lua_Integer i = 1;; i++) {
        parse_value(L, ps, &t);
        lua_rawseti(L, -2, i);
        next_token(ps, &t);
        if (t.type == T_ARR_END) {
            ps->depth--;
            return;
        }
        if (t.type != T_COMMA)
            parse_error(L, "comma or array end", &t);
        next_token(ps, &t);
    }
}

static void parse_value(lua_State *L, parser *ps, token *t)
{
    switch (t->type) {
    case T_STRING:
        lua_pushlstring(L, t->str, t->len);
        break;
    case T_NUMBER:
        ak_lua_pushnum(L, t->num);
        break;
    case T_BOOLEAN:
        lua_pushboolean(L, t->boolean);
        break;
    case T_OBJ_BEGIN:
        parse_object(L, ps);
        break;
    case T_ARR_BEGIN:
        parse_array(L, ps);
        break;
    case T_NULL:
        lua_pushlightuserdata(L, NULL);
        break;
    default:
        parse_error(L, "value", t);
    }
}

static int json_decode(lua_State *L)
{
    parser ps;
    token t;
    size_t len;
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    ps.c = getcfg(L);
    ps.data = luaL_checklstring(L, 1, &len);
    ps.p = ps.data;
    ps.depth = 0;
    /* Only the first character of a JSON text is sure to be ASCII: a NUL
     * among the first two means UTF-16 or UTF-32. */
    if (len >= 2 && (!ps.data[0] || !ps.data[1]))
        luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    ps.tmp = ak_lbuf_push(L);
    next_token(&ps, &t);
    parse_value(L, &ps, &t);
    next_token(&ps, &t);
    if (t.type != T_END)
        parse_error(L, "the end", &t);
    return 1;
}

/* ---------------------------------------------------------------- module */

static int cjson_new(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"encode", json_encode},
        {"decode", json_decode},
        {"encode_sparse_array", cfg_encode_sparse_array},
        {"encode_max_depth", cfg_encode_max_depth},
        {"decode_max_depth", cfg_decode_max_depth},
        {"encode_number_precision", cfg_encode_number_precision},
        {"encode_keep_buffer", cfg_encode_keep_buffer},
        {"encode_invalid_numbers", cfg_encode_invalid_numbers},
        {"decode_invalid_numbers", cfg_decode_invalid_numbers},
        {"new", cjson_new},
        {NULL, NULL}};
    lua_newtable(L);
    cfg *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    c->sparse_ratio = 2;
    c->sparse_safe = 10;
    c->encode_max_depth = 1000;
    c->decode_max_depth = 1000;
    c->decode_invalid_numbers = 1;
    c->encode_keep_buffer = 1;
    c->precision = 14;
    if (luaL_newmetatable(L, CFG_META)) {
        lua_pushcfunction(L, cfg_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    luaL_setfuncs(L, fns, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}

int ak_luaopen_cjson(lua_State *L)
{
    return cjson_new(L);
}
