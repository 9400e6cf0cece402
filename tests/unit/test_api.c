/*
 * test_api.c -- the public API of aikv.h: opening, result codes, the typed
 * string/key functions, sessions and aikv_command, threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

static aikv_db_t *db;

static void setup(void)
{
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
}

static void teardown(void)
{
    aikv_close(db);
}

TestSuite(api, .init = setup, .fini = teardown);

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- opening */

Test(open, memory_names_open_the_memory_engine)
{
    aikv_db_t *d = NULL;
    cr_assert_eq(aikv_open(":memory:", NULL, &d), AIKV_OK);
    cr_assert_not_null(d);
    cr_assert_eq(aikv_db_index(d), 0);
    aikv_close(d);
}

#define temp_store(path, n) ut_temp_store(path, n, "api")
#define remove_store ut_remove_store

Test(open, file_path_opens_the_sqlite_engine_and_persists)
{
    char path[256];
    temp_store(path, sizeof path);
    aikv_db_t *d;
    cr_assert_eq(aikv_open(path, NULL, &d), AIKV_OK, "%s", aikv_errmsg(NULL));
    cr_assert_eq(aikv_set(d, "k", 1, "v1", 2, NULL), AIKV_OK);
    aikv_close(d);
    aikv_options_t o = {AIKV_OPTIONS_VERSION, 16, AIKV_DURABILITY_FULL, 1 << 20};
    cr_assert_eq(aikv_open(path, &o, &d), AIKV_OK, "%s", aikv_errmsg(NULL));
    char *v = NULL;
    size_t n = 0;
    cr_assert_eq(aikv_get(d, "k", 1, &v, &n), AIKV_OK);
    cr_assert_str_eq(v, "v1");
    aikv_free(v);
    aikv_close(d);
    remove_store(path);
}

Test(open, garbage_file_is_corrupt_with_a_message)
{
    char path[256];
    temp_store(path, sizeof path);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (int i = 0; i < 8192; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    aikv_db_t *d = (aikv_db_t *)1;
    cr_assert_eq(aikv_open(path, NULL, &d), AIKV_CORRUPT);
    cr_assert_null(d);
    cr_assert(strstr(aikv_errmsg(NULL), path) != NULL, "%s", aikv_errmsg(NULL));
    remove_store(path);
}

Test(open, unreachable_path_cannot_open)
{
    aikv_db_t *d = (aikv_db_t *)1;
    cr_assert_eq(aikv_open("/nonexistent-dir/x.aikv", NULL, &d), AIKV_CANTOPEN);
    cr_assert_null(d);
    cr_assert(strstr(aikv_errmsg(NULL), "/nonexistent-dir/x.aikv") != NULL);
}

Test(open, version_1_options_are_accepted)
{
    aikv_options_t o = {1, 4, 0, 0};
    aikv_db_t *d;
    cr_assert_eq(aikv_open(NULL, &o, &d), AIKV_OK);
    cr_assert_not_null(aikv_db_select(d, 3));
    aikv_close(d);
    o.version = 3;
    cr_assert_eq(aikv_open(NULL, &o, &d), AIKV_MISUSE);
}

Test(open, options_set_the_number_of_databases)
{
    aikv_options_t o = {AIKV_OPTIONS_VERSION, 4};
    aikv_db_t *d;
    cr_assert_eq(aikv_open(NULL, &o, &d), AIKV_OK);
    cr_assert_not_null(aikv_db_select(d, 3));
    cr_assert_null(aikv_db_select(d, 4));
    cr_assert_null(aikv_db_select(d, -1));
    aikv_close(d);
    o.version = 99;
    cr_assert_eq(aikv_open(NULL, &o, &d), AIKV_MISUSE);
}

Test(open, close_and_free_accept_null)
{
    aikv_close(NULL);
    aikv_free(NULL);
    aikv_reply_free(NULL);
    aikv_session_free(NULL);
}

Test(errors, every_code_has_text)
{
    cr_assert_str_eq(aikv_errstr(AIKV_OK), "not an error");
    cr_assert_str_eq(aikv_errstr(AIKV_WRONGTYPE),
                     "operation against a key holding the wrong kind of value");
    cr_assert_str_eq(aikv_errstr(12345), "unknown result code");
    cr_assert_str_eq(aikv_libversion(), AIKV_VERSION);
    cr_assert_eq(aikv_libversion_number(), AIKV_VERSION_NUMBER);
}

/* ---------------------------------------------------------------- strings */

Test(api, set_then_get_is_binary_safe)
{
    const char key[] = {'a', 0, 'b'}, val[] = {0, 1, 2, (char)255};
    cr_assert_eq(aikv_set(db, key, 3, val, 4, NULL), AIKV_OK);
    char *out;
    size_t n;
    cr_assert_eq(aikv_get(db, key, 3, &out, &n), AIKV_OK);
    cr_assert_eq(n, 4);
    cr_assert(memcmp(out, val, 4) == 0);
    cr_assert_eq(out[4], '\0');
    aikv_free(out);
}

Test(api, get_of_missing_key_is_ok_with_null)
{
    char *out = (char *)1;
    size_t n = 7;
    cr_assert_eq(aikv_get(db, "nope", 4, &out, &n), AIKV_OK);
    cr_assert_null(out);
    cr_assert_eq(n, 0);
}

Test(api, set_nx_and_xx_report_whether_applied)
{
    aikv_setopt_t o = {.flags = AIKV_SET_XX};
    cr_assert_eq(aikv_set(db, "k", 1, "v1", 2, &o), AIKV_OK);
    cr_assert_eq(o.applied, 0);
    o.flags = AIKV_SET_NX;
    cr_assert_eq(aikv_set(db, "k", 1, "v1", 2, &o), AIKV_OK);
    cr_assert_eq(o.applied, 1);
    cr_assert_eq(aikv_set(db, "k", 1, "v2", 2, &o), AIKV_OK);
    cr_assert_eq(o.applied, 0);
    o.flags = AIKV_SET_NX | AIKV_SET_XX;
    cr_assert_eq(aikv_set(db, "k", 1, "v2", 2, &o), AIKV_MISUSE);
}

Test(api, set_get_returns_the_old_value)
{
    aikv_setopt_t o = {.flags = AIKV_SET_GET};
    cr_assert_eq(aikv_set(db, "k", 1, "a", 1, &o), AIKV_OK);
    cr_assert_null(o.old);
    cr_assert_eq(aikv_set(db, "k", 1, "b", 1, &o), AIKV_OK);
    cr_assert_str_eq(o.old, "a");
    cr_assert_eq(o.oldlen, 1);
    aikv_free(o.old);
}

Test(api, set_px_sets_a_ttl_and_plain_set_clears_it)
{
    aikv_setopt_t o = {.flags = AIKV_SET_PX, .expire = 100000};
    int64_t ttl;
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, &o), AIKV_OK);
    cr_assert_eq(aikv_pttl(db, "k", 1, &ttl), AIKV_OK);
    cr_assert(ttl > 99000 && ttl <= 100000);
    o.flags = AIKV_SET_KEEPTTL;
    cr_assert_eq(aikv_set(db, "k", 1, "w", 1, &o), AIKV_OK);
    cr_assert_eq(aikv_pttl(db, "k", 1, &ttl), AIKV_OK);
    cr_assert(ttl > 0);
    cr_assert_eq(aikv_set(db, "k", 1, "x", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_pttl(db, "k", 1, &ttl), AIKV_OK);
    cr_assert_eq(ttl, -1);
    o.flags = AIKV_SET_PX;
    o.expire = 0;
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, &o), AIKV_RANGE);
}

Test(api, incrby_counts_and_detects_errors)
{
    int64_t r;
    cr_assert_eq(aikv_incrby(db, "n", 1, 5, &r), AIKV_OK);
    cr_assert_eq(r, 5);
    cr_assert_eq(aikv_incrby(db, "n", 1, -7, &r), AIKV_OK);
    cr_assert_eq(r, -2);
    cr_assert_eq(aikv_set(db, "n", 1, "9223372036854775807", 19, NULL), AIKV_OK);
    cr_assert_eq(aikv_incrby(db, "n", 1, 1, &r), AIKV_OVERFLOW);
    cr_assert_eq(aikv_set(db, "s", 1, "abc", 3, NULL), AIKV_OK);
    cr_assert_eq(aikv_incrby(db, "s", 1, 1, &r), AIKV_NOTNUM);
}

Test(api, incrbyfloat_adds_and_refuses_infinity)
{
    double r;
    cr_assert_eq(aikv_incrbyfloat(db, "f", 1, 10.5, &r), AIKV_OK);
    cr_assert_eq(aikv_incrbyfloat(db, "f", 1, 0.1, &r), AIKV_OK);
    char *v;
    cr_assert_eq(aikv_get(db, "f", 1, &v, NULL), AIKV_OK);
    cr_assert_str_eq(v, "10.6");
    aikv_free(v);
    cr_assert_eq(aikv_incrbyfloat(db, "f", 1, 1.0 / 0.0, &r), AIKV_NOTNUM);
}

Test(api, append_strlen_getrange_setrange)
{
    size_t n;
    cr_assert_eq(aikv_append(db, "s", 1, "Hello", 5, &n), AIKV_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(aikv_append(db, "s", 1, " World", 6, &n), AIKV_OK);
    cr_assert_eq(n, 11);
    cr_assert_eq(aikv_strlen(db, "s", 1, &n), AIKV_OK);
    cr_assert_eq(n, 11);
    char *out;
    cr_assert_eq(aikv_getrange(db, "s", 1, -5, -1, &out, &n), AIKV_OK);
    cr_assert_str_eq(out, "World");
    aikv_free(out);
    cr_assert_eq(aikv_getrange(db, "s", 1, 5, 2, &out, &n), AIKV_OK);
    cr_assert_eq(n, 0);
    aikv_free(out);
    cr_assert_eq(aikv_setrange(db, "z", 1, 3, "ab", 2, &n), AIKV_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(aikv_get(db, "z", 1, &out, &n), AIKV_OK);
    cr_assert(memcmp(out, "\0\0\0ab", 5) == 0);
    aikv_free(out);
}

/* ---------------------------------------------------------------- keys */

Test(api, del_exists_type)
{
    int x;
    aikv_type_t t;
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_exists(db, "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 1);
    cr_assert_eq(aikv_type(db, "k", 1, &t), AIKV_OK);
    cr_assert_eq(t, AIKV_TYPE_STRING);
    cr_assert_str_eq(aikv_type_name(t), "string");
    cr_assert_eq(aikv_del(db, "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 1);
    cr_assert_eq(aikv_del(db, "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 0);
    cr_assert_eq(aikv_type(db, "k", 1, &t), AIKV_OK);
    cr_assert_eq(t, AIKV_TYPE_NONE);
}

Test(api, expire_conditions_follow_redis)
{
    int a;
    int64_t ttl, when;
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_expire(db, "k", 1, 50000, AIKV_EXPIRE_XX, &a), AIKV_OK);
    cr_assert_eq(a, 0);
    cr_assert_eq(aikv_expire(db, "k", 1, 50000, AIKV_EXPIRE_NX, &a), AIKV_OK);
    cr_assert_eq(a, 1);
    cr_assert_eq(aikv_expire(db, "k", 1, 10000, AIKV_EXPIRE_GT, &a), AIKV_OK);
    cr_assert_eq(a, 0);
    cr_assert_eq(aikv_expire(db, "k", 1, 10000, AIKV_EXPIRE_LT, &a), AIKV_OK);
    cr_assert_eq(a, 1);
    cr_assert_eq(aikv_ttl(db, "k", 1, &ttl), AIKV_OK);
    cr_assert_eq(ttl, 10);
    cr_assert_eq(aikv_pexpiretime(db, "k", 1, &when), AIKV_OK);
    cr_assert(when > 0);
    cr_assert_eq(aikv_expire(db, "k", 1, 1, AIKV_EXPIRE_NX | AIKV_EXPIRE_GT, &a), AIKV_MISUSE);
    cr_assert_eq(aikv_persist(db, "k", 1, &a), AIKV_OK);
    cr_assert_eq(a, 1);
    cr_assert_eq(aikv_pttl(db, "k", 1, &ttl), AIKV_OK);
    cr_assert_eq(ttl, -1);
    cr_assert_eq(aikv_pttl(db, "none", 4, &ttl), AIKV_OK);
    cr_assert_eq(ttl, -2);
}

Test(api, expire_in_the_past_deletes)
{
    int a, x;
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_expire(db, "k", 1, 1000, AIKV_EXPIRE_AT, &a), AIKV_OK);
    cr_assert_eq(a, 1);
    cr_assert_eq(aikv_exists(db, "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 0);
}

Test(api, expired_keys_vanish_lazily_and_actively)
{
    aikv_setopt_t o = {.flags = AIKV_SET_PX, .expire = 20};
    for (int i = 0; i < 200; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "tmp:%d", i);
        cr_assert_eq(aikv_set(db, k, (size_t)n, "v", 1, &o), AIKV_OK);
    }
    cr_assert_eq(aikv_set(db, "keep", 4, "v", 1, NULL), AIKV_OK);
    uint64_t size;
    cr_assert_eq(aikv_dbsize(db, &size), AIKV_OK);
    cr_assert_eq(size, 201);
    sleep_ms(60);
    /* Nobody reads the volatile keys: only the active cycle (run from
     * embedded calls at hz) can remove them. */
    aikv_session_t *s = aikv_session_new(db);
    for (int tries = 0; tries < 100 && size > 1; tries++) {
        aikv_reply_free(aikv_command(s, "PING"));
        sleep_ms(20);
        cr_assert_eq(aikv_dbsize(db, &size), AIKV_OK);
    }
    aikv_session_free(s);
    cr_assert_eq(size, 1);
}

Test(api, rename_moves_value_and_ttl)
{
    int a;
    int64_t ttl;
    aikv_setopt_t o = {.flags = AIKV_SET_PX, .expire = 100000};
    cr_assert_eq(aikv_rename(db, "a", 1, "b", 1, 0, &a), AIKV_NOKEY);
    cr_assert_eq(aikv_set(db, "a", 1, "v", 1, &o), AIKV_OK);
    cr_assert_eq(aikv_set(db, "b", 1, "w", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_rename(db, "a", 1, "b", 1, 1, &a), AIKV_OK);
    cr_assert_eq(a, 0);
    cr_assert_eq(aikv_rename(db, "a", 1, "b", 1, 0, &a), AIKV_OK);
    cr_assert_eq(a, 1);
    cr_assert_eq(aikv_pttl(db, "b", 1, &ttl), AIKV_OK);
    cr_assert(ttl > 0);
    char *v;
    cr_assert_eq(aikv_get(db, "b", 1, &v, NULL), AIKV_OK);
    cr_assert_str_eq(v, "v");
    aikv_free(v);
}

Test(api, databases_are_separate)
{
    aikv_db_t *d1 = aikv_db_select(db, 1);
    cr_assert_eq(aikv_db_index(d1), 1);
    cr_assert_eq(aikv_set(d1, "k", 1, "one", 3, NULL), AIKV_OK);
    int x;
    cr_assert_eq(aikv_exists(db, "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 0);
}

Test(api, scan_returns_every_key)
{
    enum { N = 2000 };
    static char seen[N];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "key:%d", i);
        cr_assert_eq(aikv_set(db, k, (size_t)n, "v", 1, NULL), AIKV_OK);
    }
    cr_assert_eq(aikv_set(db, "other", 5, "v", 1, NULL), AIKV_OK);
    uint64_t cursor = 0;
    int calls = 0;
    do {
        aikv_reply_t *keys;
        cr_assert_eq(aikv_scan(db, cursor, "key:*", 100, &cursor, &keys), AIKV_OK);
        cr_assert_eq(keys->type, AIKV_REPLY_ARRAY);
        for (size_t i = 0; i < keys->elements; i++) {
            int id = atoi(keys->element[i]->str + 4);
            cr_assert(id >= 0 && id < N);
            seen[id] = 1;
        }
        aikv_reply_free(keys);
        cr_assert(++calls < 10000);
    } while (cursor != 0);
    for (int i = 0; i < N; i++)
        cr_assert(seen[i], "key:%d never returned", i);
}

/* ---------------------------------------------------------------- sessions */

Test(api, command_formats_arguments)
{
    aikv_session_t *s = aikv_session_new(db);
    const char bin[] = {'x', 0, 'y'};
    aikv_reply_t *r = aikv_command(s, "SET %s %b", "my key", bin, sizeof bin);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS);
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    r = aikv_command(s, "GET %s", "my key");
    cr_assert_eq(r->type, AIKV_REPLY_STRING);
    cr_assert_eq(r->len, 3);
    cr_assert(memcmp(r->str, bin, 3) == 0);
    aikv_reply_free(r);
    r = aikv_command(s, "INCRBY n%d %lld", 7, 10000000000LL);
    cr_assert_eq(r->type, AIKV_REPLY_INTEGER);
    cr_assert_eq(r->integer, 10000000000LL);
    aikv_reply_free(r);
    r = aikv_command(s, "ECHO 100%%");
    cr_assert_str_eq(r->str, "100%");
    aikv_reply_free(r);
    cr_assert_null(aikv_command(s, "GET %q"));
    cr_assert_null(aikv_command(s, ""));
    aikv_session_free(s);
}

Test(api, command_errors_are_error_replies)
{
    aikv_session_t *s = aikv_session_new(db);
    aikv_reply_t *r = aikv_command(s, "NOSUCH a");
    cr_assert_eq(r->type, AIKV_REPLY_ERROR);
    cr_assert_str_eq(r->str, "ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
    aikv_reply_free(r);
    r = aikv_command(s, "GET");
    cr_assert_str_eq(r->str, "ERR wrong number of arguments for 'get' command");
    aikv_reply_free(r);
    aikv_session_free(s);
}

Test(api, hello_3_switches_reply_types)
{
    aikv_session_t *s = aikv_session_new(db);
    aikv_reply_t *r = aikv_command(s, "GET missing");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = aikv_command(s, "HELLO 3");
    cr_assert_eq(r->type, AIKV_REPLY_MAP);
    cr_assert_eq(r->elements, 14);
    aikv_reply_free(r);
    r = aikv_command(s, "CONFIG GET databases");
    cr_assert_eq(r->type, AIKV_REPLY_MAP);
    cr_assert_str_eq(r->element[1]->str, "16");
    aikv_reply_free(r);
    aikv_session_free(s);
}

Test(api, session_select_and_argv)
{
    aikv_session_t *s = aikv_session_new(db);
    const char *argv[] = {"SELECT", "2"};
    aikv_reply_t *r = aikv_command_argv(s, 2, argv, NULL);
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    cr_assert_eq(aikv_session_db(s), 2);
    const char *set[] = {"SET", "k", "v"};
    aikv_reply_free(aikv_command_argv(s, 3, set, NULL));
    int x;
    cr_assert_eq(aikv_exists(aikv_db_select(db, 2), "k", 1, &x), AIKV_OK);
    cr_assert_eq(x, 1);
    aikv_session_free(s);
}

Test(api, client_reply_off_gives_nil_replies)
{
    aikv_session_t *s = aikv_session_new(db);
    aikv_reply_t *r = aikv_command(s, "CLIENT REPLY OFF");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = aikv_command(s, "SET k v");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = aikv_command(s, "CLIENT REPLY ON");
    cr_assert_str_eq(r->str, "OK");
    aikv_reply_free(r);
    r = aikv_command(s, "GET k");
    cr_assert_str_eq(r->str, "v");
    aikv_reply_free(r);
    aikv_session_free(s);
}

/* ---------------------------------------------------------------- threads */

static void *incr_many(void *arg)
{
    for (int i = 0; i < 10000; i++)
        aikv_incrby((aikv_db_t *)arg, "shared", 6, 1, NULL);
    aikv_session_t *s = aikv_session_new(arg);
    for (int i = 0; i < 2000; i++)
        aikv_reply_free(aikv_command(s, "INCR shared"));
    aikv_session_free(s);
    return NULL;
}

Test(api, threads_share_a_store_atomically)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, incr_many, db);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    char *v;
    cr_assert_eq(aikv_get(db, "shared", 6, &v, NULL), AIKV_OK);
    cr_assert_str_eq(v, "48000");
    aikv_free(v);
}
