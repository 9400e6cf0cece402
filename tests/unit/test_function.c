/*
 * test_function.c -- FUNCTION libraries kept by the engines: the engines'
 * lib_put/lib_each/lib_version (order, replace, delete, savepoints), their copy by
 * snapshots, the SQLite format-1 migration, and through the public API
 * FUNCTION LOAD + FCALL inside embedded transactions (a rollback takes a
 * loaded library away again) and across reopening a store file.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../aikv.h"
#include "core/config.h"
#include "core/core.h"
#include "core/persist.h"
#include "util/alloc.h"
#include "unit.h"

static ak_config cfg;
static char dir[64];
static char path[128];

static void setup(void)
{
    ak_config_defaults(&cfg);
    snprintf(dir, sizeof dir, "/tmp/aikv-test-function-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/dump.aikv", dir);
}

static void teardown(void)
{
    static const char *const stores[] = {"dump.aikv", "snap.aikv", NULL};
    ut_remove_dir(dir, stores);
    ak_config_free(&cfg);
}

TestSuite(libs, .init = setup, .fini = teardown);
TestSuite(api, .init = setup, .fini = teardown);

static ak_slice S(const char *s)
{
    return s ? ak_slice_of(s, strlen(s)) : ak_slice_of(NULL, 0);
}

/* engine 0: memory, 1: SQLite on `path`. */
static ak_engine *engine_new(int kind)
{
    ak_engine *e;
    if (kind == 0) {
        e = ak_mem_engine_new(16);
    } else {
        char err[256];
        cr_assert_eq(ak_sqlite_engine_open(path, 16, NULL, &e, err, sizeof err), AIKV_OK, "%s",
                     err);
    }
    e->cfg = &cfg;
    return e;
}

/* The engine's libraries as "name=code;..." in lib_each's order. */
typedef struct listing {
    char buf[1024];
    size_t len;
} listing;

static void on_lib(void *ctx, ak_slice name, ak_slice code)
{
    listing *l = ctx;
    l->len += (size_t)snprintf(l->buf + l->len, sizeof l->buf - l->len, "%.*s=%.*s;",
                               (int)name.len, name.p, (int)code.len, code.p);
}

static const char *libs_of(ak_engine *e, listing *l)
{
    l->len = 0;
    l->buf[0] = '\0';
    e->ops->lib_each(e, on_lib, l);
    return l->buf;
}

static void put(ak_engine *e, const char *name, const char *code)
{
    cr_assert_eq(e->ops->lib_put(e, S(name), S(code)), AK_OK);
}

static void engine_put_each_delete(int kind)
{
    ak_engine *e = engine_new(kind);
    listing l;
    cr_assert_str_eq(libs_of(e, &l), "");
    put(e, "b", "code-b");
    put(e, "a", "code-a");
    put(e, "c", "code-c");
    cr_assert_str_eq(libs_of(e, &l), "a=code-a;b=code-b;c=code-c;");
    put(e, "b", "new-b"); /* replaces */
    cr_assert_str_eq(libs_of(e, &l), "a=code-a;b=new-b;c=code-c;");
    put(e, "a", NULL); /* deletes */
    put(e, "zz", NULL); /* deleting a missing one is harmless */
    cr_assert_str_eq(libs_of(e, &l), "b=new-b;c=code-c;");
    if (e->ops->commit)
        cr_assert_eq(e->ops->commit(e), AIKV_OK);
    put(e, NULL, NULL); /* deletes every library */
    cr_assert_str_eq(libs_of(e, &l), "");
    e->ops->close(e);
}

Test(libs, memory_engine_puts_lists_in_name_order_replaces_and_deletes)
{
    engine_put_each_delete(0);
}

Test(libs, sqlite_engine_puts_lists_in_name_order_replaces_and_deletes)
{
    engine_put_each_delete(1);
}

static void engine_savepoints(int kind)
{
    ak_engine *e = engine_new(kind);
    listing l;
    uint64_t v0 = e->ops->lib_version(e);
    put(e, "keep", "1");
    uint64_t v1 = e->ops->lib_version(e);
    cr_assert_neq(v1, v0);
    uint64_t outer = e->ops->savepoint(e);
    put(e, "keep", "2");
    put(e, "new", "x");
    uint64_t inner = e->ops->savepoint(e);
    put(e, NULL, NULL);
    cr_assert_str_eq(libs_of(e, &l), "");
    e->ops->rollback_to(e, inner);
    cr_assert_str_eq(libs_of(e, &l), "keep=2;new=x;");
    e->ops->release(e, inner);
    e->ops->rollback_to(e, outer);
    cr_assert_str_eq(libs_of(e, &l), "keep=1;");
    cr_assert_eq(e->ops->lib_version(e), v1); /* the version goes back with the libraries */
    put(e, "after", "y");
    e->ops->release(e, outer);
    cr_assert_str_eq(libs_of(e, &l), "after=y;keep=1;");
    e->ops->close(e);
}

Test(libs, memory_engine_savepoints_restore_the_libraries)
{
    engine_savepoints(0);
}

Test(libs, sqlite_engine_savepoints_restore_the_libraries)
{
    engine_savepoints(1);
}

Test(libs, a_copy_carries_the_libraries_and_replaces_the_destination_s)
{
    ak_engine *src = engine_new(0), *dst = engine_new(1);
    listing l;
    put(src, "one", "#!lua name=one\n");
    put(src, "two", "#!lua name=two\n");
    put(dst, "stale", "gone after the copy");
    cr_assert_eq(dst->ops->commit(dst), AIKV_OK);
    char err[256];
    cr_assert_eq(ak_engine_copy(src, dst, NULL, err, sizeof err), AIKV_OK, "%s", err);
    cr_assert_str_eq(libs_of(dst, &l), "one=#!lua name=one\n;two=#!lua name=two\n;");
    dst->ops->close(dst);
    src->ops->close(src);
    /* and they are in the file */
    dst = engine_new(1);
    cr_assert_str_eq(libs_of(dst, &l), "one=#!lua name=one\n;two=#!lua name=two\n;");
    dst->ops->close(dst);
}

static void sql(const char *text)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, text, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_close(db);
}

static long long user_version(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* A store of format 1 (before functions): this build's file without the
 * table and with the old version number, plus one key. */
static void make_format1(void)
{
    ak_engine *e = engine_new(1);
    cr_assert_eq(e->ops->str_set(e, 0, S("k"), S("v"), AK_NO_EXPIRE, 0), AK_OK);
    cr_assert_eq(e->ops->commit(e), AIKV_OK);
    e->ops->close(e);
    sql("DROP TABLE functions; PRAGMA user_version = 1;");
    cr_assert_eq(user_version(), 1);
}

Test(libs, a_format_1_file_is_upgraded_when_opened_for_writing)
{
    make_format1();
    ak_engine *e = engine_new(1);
    listing l;
    cr_assert_eq(user_version(), 2);
    cr_assert_str_eq(libs_of(e, &l), "");
    put(e, "lib", "code");
    cr_assert_eq(e->ops->commit(e), AIKV_OK);
    ak_slice v;
    cr_assert_eq(e->ops->str_get(e, 0, S("k"), &v), AK_OK);
    cr_assert_eq(v.len, 1);
    e->ops->close(e);
}

Test(libs, a_format_1_file_opened_read_only_has_no_libraries_and_stays_format_1)
{
    make_format1();
    ak_sqlite_opts ro = {AK_DURABILITY_NORMAL, 0, 1, 0};
    ak_engine *e;
    char err[256];
    cr_assert_eq(ak_sqlite_engine_open(path, 16, &ro, &e, err, sizeof err), AIKV_OK, "%s", err);
    e->cfg = &cfg;
    listing l;
    cr_assert_str_eq(libs_of(e, &l), "");
    ak_slice v;
    cr_assert_eq(e->ops->str_get(e, 0, S("k"), &v), AK_OK);
    e->ops->close(e);
    cr_assert_eq(user_version(), 1);
}

/* ---------------------------------------------------------------- through the API */

static const char LIB[] = "#!lua name=mylib\n"
                          "redis.register_function('setget', function(keys, args)\n"
                          "  redis.call('SET', keys[1], args[1])\n"
                          "  return redis.call('GET', keys[1])\n"
                          "end)\n";

static aikv_reply_t *load(aikv_session_t *s, const char *code)
{
    const char *argv[] = {"FUNCTION", "LOAD", code};
    return aikv_command_argv(s, 3, argv, NULL);
}

static void expect_str(aikv_reply_t *r, const char *want)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->len, strlen(want), "got %.*s", (int)r->len, r->str);
    cr_assert_eq(memcmp(r->str, want, r->len), 0, "got %.*s", (int)r->len, r->str);
    aikv_reply_free(r);
}

static void store_txn(int kind)
{
    aikv_db_t *db;
    cr_assert_eq(aikv_open(kind ? path : NULL, NULL, &db), AIKV_OK, "%s", aikv_errmsg(NULL));
    aikv_session_t *s = aikv_session_new(db);
    /* rolled back: the library is gone, and so is what it wrote */
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    expect_str(load(s, LIB), "mylib");
    expect_str(aikv_command(s, "FCALL setget 1 k %s", "inside"), "inside");
    cr_assert_eq(aikv_rollback(db), AIKV_OK);
    expect_str(aikv_command(s, "FCALL setget 1 k v"), "ERR Function not found");
    aikv_reply_t *r = aikv_command(s, "FUNCTION LIST");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    r = aikv_command(s, "EXISTS k");
    cr_assert_eq(r->integer, 0);
    aikv_reply_free(r);
    /* committed: it stays, also after a FUNCTION DELETE rolled back */
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    expect_str(load(s, LIB), "mylib");
    cr_assert_eq(aikv_commit(db), AIKV_OK);
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    expect_str(aikv_command(s, "FUNCTION DELETE mylib"), "OK");
    expect_str(aikv_command(s, "FUNCTION FLUSH"), "OK");
    cr_assert_eq(aikv_rollback(db), AIKV_OK);
    expect_str(aikv_command(s, "FCALL setget 1 k after"), "after");
    aikv_session_free(s);
    aikv_close(db);
    if (kind) { /* the file keeps it */
        cr_assert_eq(aikv_open(path, NULL, &db), AIKV_OK, "%s", aikv_errmsg(NULL));
        s = aikv_session_new(db);
        expect_str(aikv_command(s, "FCALL setget 1 k reopened"), "reopened");
        aikv_session_free(s);
        aikv_close(db);
    }
}

Test(api, memory_store_a_rolled_back_function_load_is_gone)
{
    store_txn(0);
}

Test(api, sqlite_store_a_rolled_back_function_load_is_gone_and_a_committed_one_persists)
{
    store_txn(1);
}

Test(api, a_memory_snapshot_keeps_the_functions_for_both_engines)
{
    aikv_db_t *db;
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
    aikv_session_t *s = aikv_session_new(db);
    expect_str(load(s, LIB), "mylib");
    char snap[160], err[256];
    snprintf(snap, sizeof snap, "%s/snap.aikv", dir);
    ak_store_lock(db->st);
    cr_assert_eq(ak_store_save(db->st, snap, err, sizeof err), AIKV_OK, "%s", err);
    ak_store_unlock(db->st);
    aikv_session_free(s);
    aikv_close(db);

    /* loaded by a memory store */
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
    ak_store_lock(db->st);
    cr_assert_eq(ak_store_load(db->st, snap, NULL, err, sizeof err), AIKV_OK, "%s", err);
    ak_store_unlock(db->st);
    s = aikv_session_new(db);
    expect_str(aikv_command(s, "FCALL setget 1 k mem"), "mem");
    aikv_session_free(s);
    aikv_close(db);

    /* opened as the SQLite engine's store */
    cr_assert_eq(aikv_open(snap, NULL, &db), AIKV_OK, "%s", aikv_errmsg(NULL));
    s = aikv_session_new(db);
    expect_str(aikv_command(s, "FCALL setget 1 k sql"), "sql");
    aikv_session_free(s);
    aikv_close(db);
}
