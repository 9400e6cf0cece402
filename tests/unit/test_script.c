/*
 * test_script.c -- Lua scripting through the public API (aikv_eval) and the
 * pieces under it: SHA-1, the Lua -> reply and reply -> Lua conversions,
 * RESP3 sessions, the script cache, EVAL_RO, functions (FCALL), errors, and
 * persistence of a script's writes on the SQLite engine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../aikv.h"
#include "script/sha1.h"

static aikv_db_t *db;
static aikv_session_t *s;

static void setup(void)
{
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
    s = aikv_session_new(db);
    cr_assert_not_null(s);
}

static void teardown(void)
{
    aikv_session_free(s);
    aikv_close(db);
}

TestSuite(script, .init = setup, .fini = teardown);

/* EVAL body with nargs string arguments, numkeys of them keys. */
static aikv_reply_t *eval(const char *body, int numkeys, int nargs, const char *const *args)
{
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_eval(s, body, strlen(body), 0, numkeys, nargs, args, NULL, &r), AIKV_OK);
    cr_assert_not_null(r);
    return r;
}

static void expect_int(const char *body, long long want)
{
    aikv_reply_t *r = eval(body, 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_INTEGER, "%s: type %d", body, r->type);
    cr_assert_eq(r->integer, want, "%s: %lld", body, r->integer);
    aikv_reply_free(r);
}

static void expect_str(const char *body, const char *want)
{
    aikv_reply_t *r = eval(body, 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_STRING, "%s: type %d (%s)", body, r->type,
                 r->str ? r->str : "");
    cr_assert_str_eq(r->str, want, "%s", body);
    aikv_reply_free(r);
}

static void expect_error(const char *body, const char *want)
{
    aikv_reply_t *r = eval(body, 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_ERROR, "%s: type %d", body, r->type);
    cr_assert_str_eq(r->str, want, "%s", body);
    aikv_reply_free(r);
}

/* ---------------------------------------------------------------- SHA-1 */

static void hex_of(const char *in, size_t n, char out[41])
{
    ak_sha1_hex(out, in, n);
}

Test(script, sha1_known_vectors)
{
    char hex[41];
    hex_of("", 0, hex);
    cr_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    hex_of("abc", 3, hex);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, strlen(two), hex);
    cr_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

Test(script, sha1_fed_in_pieces_equals_one_piece)
{
    char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i * 7 + 1);
    char whole[41];
    ak_sha1_hex(whole, buf, sizeof buf);
    for (size_t cut = 0; cut <= sizeof buf; cut += 13) {
        ak_sha1 ctx;
        unsigned char d[20];
        ak_sha1_init(&ctx);
        ak_sha1_update(&ctx, buf, cut);
        ak_sha1_update(&ctx, buf + cut, sizeof buf - cut);
        ak_sha1_final(&ctx, d);
        char hex[41];
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        cr_assert_str_eq(hex, whole, "cut at %zu", cut);
    }
}

Test(script, a_million_a)
{
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    char hex[41];
    ak_sha1_hex(hex, a, n);
    free(a);
    cr_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* ---------------------------------------------------------------- aikv_eval */

Test(script, keys_argv_and_writes_seen_by_the_typed_api)
{
    const char *args[] = {"k", "hello"};
    aikv_reply_t *r = eval("return redis.call('set', KEYS[1], ARGV[1])", 1, 2, args);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS);
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    char *v = NULL;
    size_t vlen;
    cr_assert_eq(aikv_get(db, "k", 1, &v, &vlen), AIKV_OK);
    cr_assert_str_eq(v, "hello");
    aikv_free(v);
}

Test(script, binary_safe_arguments)
{
    const char *args[] = {"a\0b", "x"};
    size_t lens[] = {3, 1};
    aikv_reply_t *r = NULL;
    const char *body = "return {KEYS[1], #KEYS[1], ARGV[1]}";
    cr_assert_eq(aikv_eval(s, body, strlen(body), 0, 1, 2, args, lens, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 3);
    cr_assert_eq(r->element[0]->len, 3);
    cr_assert(memcmp(r->element[0]->str, "a\0b", 3) == 0);
    cr_assert_eq(r->element[1]->integer, 3);
    aikv_reply_free(r);
}

Test(script, lua_values_become_replies)
{
    expect_int("return 42", 42);
    expect_int("return 3.99", 3);
    expect_int("return -3.99", -3);
    expect_int("return true", 1);
    expect_str("return 'x'", "x");
    aikv_reply_t *r = eval("return {1, 'two', {3}, false, 5}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 5);
    cr_assert_eq(r->element[0]->integer, 1);
    cr_assert_str_eq(r->element[1]->str, "two");
    cr_assert_eq(r->element[2]->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->element[3]->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = eval("return {1, nil, 3}", 0, 0, NULL);
    cr_assert_eq(r->elements, 1);
    aikv_reply_free(r);
    r = eval("return {ok = 'fine'}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS);
    cr_assert_str_eq(r->str, "fine");
    aikv_reply_free(r);
    expect_error("return {err = 'MY problem'}", "MY problem");
    r = eval("return nil", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = eval("return {double = 1.5}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_STRING);
    cr_assert_str_eq(r->str, "1.5");
    aikv_reply_free(r);
}

Test(script, replies_become_lua_values)
{
    aikv_reply_free(aikv_command(s, "RPUSH l a b"));
    aikv_reply_free(aikv_command(s, "SET str v"));
    expect_str("return type(redis.call('get', 'nosuch'))", "boolean");
    expect_str("return type(redis.call('incr', 'n'))", "number");
    expect_str("return redis.call('set', 'x', 'y').ok", "OK");
    expect_str("return redis.call('lrange', 'l', 0, -1)[2]", "b");
    expect_str("return redis.pcall('incr', 'str').err",
               "ERR value is not an integer or out of range");
    expect_str("return tostring(redis.call('incr', 'n') + 0.5)", "2.5");
    /* Numbers sent as arguments: integers exactly, floats with %.17g. */
    expect_str("redis.call('set', 'f', 0.1); return redis.call('get', 'f')", "0.10000000000000001");
    expect_str("redis.call('set', 'f', 2^60); return redis.call('get', 'f')",
               "1.152921504606847e+18");
    expect_str("redis.call('set', 'f', 7); return redis.call('get', 'f')", "7");
}

Test(script, resp3_session)
{
    aikv_reply_free(aikv_command(s, "HELLO 3"));
    aikv_reply_t *r = eval("return {map = {a = 1}}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_MAP);
    cr_assert_eq(r->elements, 2);
    cr_assert_str_eq(r->element[0]->str, "a");
    aikv_reply_free(r);
    r = eval("return {double = 2.5}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_DOUBLE);
    cr_assert(r->dval == 2.5);
    aikv_reply_free(r);
    r = eval("redis.setresp(3); return false", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_BOOL);
    cr_assert_eq(r->integer, 0);
    aikv_reply_free(r);
    r = eval("return {set = {x = true}}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_SET);
    aikv_reply_free(r);
    r = eval("return {verbatim_string = {format = 'txt', string = 'hi'}}", 0, 0, NULL);
    cr_assert_eq(r->type, AIKV_REPLY_VERB);
    cr_assert_str_eq(r->str, "hi");
    aikv_reply_free(r);
    aikv_reply_free(aikv_command(s, "HSET h f v"));
    expect_str("redis.setresp(3); return redis.call('hgetall', 'h').map.f", "v");
    expect_str("redis.setresp(3); return tostring(redis.call('get', 'nosuch'))", "nil");
}

Test(script, evalsha_and_readonly)
{
    aikv_reply_t *r = aikv_command(s, "SCRIPT LOAD %s", "return redis.call('get', KEYS[1])");
    cr_assert_eq(r->type, AIKV_REPLY_STRING);
    char sha[41];
    memcpy(sha, r->str, 41);
    aikv_reply_free(r);
    aikv_reply_free(aikv_command(s, "SET k v"));
    const char *args[] = {"k"};
    cr_assert_eq(aikv_eval(s, sha, 40, AIKV_EVAL_SHA | AIKV_EVAL_RO, 1, 1, args, NULL, &r),
                 AIKV_OK);
    cr_assert_str_eq(r->str, "v");
    aikv_reply_free(r);
    cr_assert_eq(aikv_eval(s, "0123", 4, AIKV_EVAL_SHA, 0, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    cr_assert_str_eq(r->str, "NOSCRIPT No matching script. Please use EVAL.");
    aikv_reply_free(r);
    const char *w = "return redis.call('set', 'k', 'x')";
    cr_assert_eq(aikv_eval(s, w, strlen(w), AIKV_EVAL_RO, 0, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    cr_assert(strstr(r->str, "Write commands are not allowed from read-only scripts.") != NULL);
    aikv_reply_free(r);
}

Test(script, functions_through_aikv_eval)
{
    const char *code = "#!lua name=lib\n"
                       "redis.register_function('put', function(keys, args)\n"
                       "  return redis.call('set', keys[1], args[1]) end)\n"
                       "redis.register_function{function_name='get', flags={'no-writes'},\n"
                       "  callback=function(keys) return redis.call('get', keys[1]) end}\n";
    aikv_reply_t *r = aikv_command(s, "FUNCTION LOAD %s", code);
    cr_assert_str_eq(r->str, "lib");
    aikv_reply_free(r);
    const char *args[] = {"k", "v"};
    cr_assert_eq(aikv_eval(s, "put", 3, AIKV_EVAL_FUNCTION, 1, 2, args, NULL, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS);
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    cr_assert_eq(aikv_eval(s, "GET", 3, AIKV_EVAL_FUNCTION | AIKV_EVAL_RO, 1, 1, args, NULL, &r),
                 AIKV_OK);
    cr_assert_str_eq(r->str, "v"); /* function names in any case */
    aikv_reply_free(r);
    cr_assert_eq(aikv_eval(s, "put", 3, AIKV_EVAL_FUNCTION | AIKV_EVAL_RO, 1, 2, args, NULL, &r),
                 AIKV_OK);
    cr_assert_str_eq(r->str, "ERR Can not execute a script with write flag using *_ro command.");
    aikv_reply_free(r);
    cr_assert_eq(aikv_eval(s, "nope", 4, AIKV_EVAL_FUNCTION, 0, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_str_eq(r->str, "ERR Function not found");
    aikv_reply_free(r);
    r = (aikv_reply_t *)1;
    cr_assert_eq(aikv_eval(s, "put", 3, AIKV_EVAL_FUNCTION | AIKV_EVAL_SHA, 0, 0, NULL, NULL, &r),
                 AIKV_MISUSE);
    cr_assert_null(r);
}

Test(script, misuse)
{
    aikv_reply_t *r = (aikv_reply_t *)1;
    cr_assert_eq(aikv_eval(NULL, "return 1", 8, 0, 0, 0, NULL, NULL, &r), AIKV_MISUSE);
    cr_assert_null(r);
    cr_assert_eq(aikv_eval(s, NULL, 0, 0, 0, 0, NULL, NULL, &r), AIKV_MISUSE);
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0, 0, 0, NULL, NULL, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0x80, 0, 0, NULL, NULL, &r), AIKV_MISUSE);
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0, 0, -1, NULL, NULL, &r), AIKV_MISUSE);
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0, 0, 2, NULL, NULL, &r), AIKV_MISUSE);
    /* Bad numkeys is the command's error, as EVAL answers it. */
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0, 1, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_str_eq(r->str, "ERR Number of keys can't be greater than number of args");
    aikv_reply_free(r);
    cr_assert_eq(aikv_eval(s, "return 1", 8, 0, -1, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_str_eq(r->str, "ERR Number of keys can't be negative");
    aikv_reply_free(r);
}

Test(script, error_texts)
{
    expect_error("return x",
                 "ERR user_script:1: Script attempted to access nonexistent global variable 'x' "
                 "script: 03c387736bb5cc009ff35151572cee04677aa374, on @user_script:1.");
    expect_error("x = 1", "ERR user_script:1: Attempt to modify a readonly table script: "
                          "34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.");
    expect_error("return redis.call('nosuch')",
                 "ERR Unknown Redis command called from script script: "
                 "206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.");
    expect_error("return 1 +", "ERR Error compiling script (new function): user_script:1: "
                               "unexpected symbol near '<eof>'");
    expect_error("return redis.call('multi')",
                 "ERR This Redis command is not allowed from script script: "
                 "c329a1a294be6bf95b44144f7502610661ae925a, on @user_script:1.");
}

Test(script, libraries)
{
    expect_str("return cjson.encode({1, 'a', {b = true}})", "[1,\"a\",{\"b\":true}]");
    expect_int("return cjson.decode('{\"a\":[5,6]}').a[2]", 6);
    expect_int("return cmsgpack.unpack(cmsgpack.pack({7, 8}))[2]", 8);
    expect_int("return bit.band(0xff, 0x0f)", 15);
    expect_str("return struct.pack('>I2', 258)", "\x01\x02");
    expect_str("return tostring(10 / 4)", "2.5");
    expect_str("return tostring(10 / 2)", "5");
}

Test(script, each_store_has_its_own_cache)
{
    aikv_db_t *other;
    cr_assert_eq(aikv_open(NULL, NULL, &other), AIKV_OK);
    aikv_session_t *o = aikv_session_new(other);
    aikv_reply_t *r = aikv_command(s, "SCRIPT LOAD %s", "return 'mine'");
    char sha[41];
    memcpy(sha, r->str, 41);
    aikv_reply_free(r);
    r = aikv_command(o, "SCRIPT EXISTS %s", sha);
    cr_assert_eq(r->element[0]->integer, 0);
    aikv_reply_free(r);
    aikv_session_free(o);
    aikv_close(other);
}

Test(script, flush_async_then_keep_going)
{
    expect_int("return 1", 1);
    aikv_reply_t *r = aikv_command(s, "SCRIPT FLUSH ASYNC");
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    expect_int("return 2", 2);
    r = aikv_command(s, "SCRIPT EXISTS %s", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    cr_assert_eq(r->element[0]->integer, 0);
    aikv_reply_free(r);
    usleep(100000); /* let the thread close the old interpreter */
}

/* ---------------------------------------------------------------- SQLite engine */

Test(script, writes_of_a_script_are_committed_on_sqlite)
{
    char path[] = "/tmp/aikv-script-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unlink(path);
    aikv_db_t *sdb;
    cr_assert_eq(aikv_open(path, NULL, &sdb), AIKV_OK);
    aikv_session_t *ss = aikv_session_new(sdb);
    const char *body = "redis.call('set', 'a', '1'); redis.call('rpush', 'l', 'x', 'y'); "
                       "return redis.call('incr', 'nosuch_is_fine')";
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_eval(ss, body, strlen(body), 0, 0, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_eq(r->integer, 1);
    aikv_reply_free(r);
    /* An error after a write: the script is rolled back (an AiKv choice;
     * Redis keeps the write). */
    body = "redis.call('set', 'b', '2'); error('late')";
    cr_assert_eq(aikv_eval(ss, body, strlen(body), 0, 0, 0, NULL, NULL, &r), AIKV_OK);
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    aikv_reply_free(r);
    aikv_session_free(ss);
    aikv_close(sdb);

    cr_assert_eq(aikv_open(path, NULL, &sdb), AIKV_OK);
    char *v = NULL;
    size_t vlen;
    cr_assert_eq(aikv_get(sdb, "a", 1, &v, &vlen), AIKV_OK);
    cr_assert_str_eq(v, "1");
    aikv_free(v);
    cr_assert_eq(aikv_get(sdb, "b", 1, &v, &vlen), AIKV_OK);
    cr_assert_null(v);
    uint64_t n;
    cr_assert_eq(aikv_llen(sdb, "l", 1, &n), AIKV_OK);
    cr_assert_eq(n, 2);
    aikv_close(sdb);
    unlink(path);
    char wal[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}
