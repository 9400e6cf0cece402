/*
 * test_multi.c -- transactions through the public API: MULTI/EXEC on an
 * embedded session returns the tree of the queued commands' replies, and
 * WATCH sees writes from other sessions, from the typed API and from
 * another store on the same SQLite file.
 */
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

TestSuite(multi, .init = setup, .fini = teardown);

/* Runs fmt on s and checks the reply is the status `want`. */
static void expect_status(aikv_session_t *s, const char *cmd, const char *want)
{
    aikv_reply_t *r = aikv_command(s, cmd);
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_STATUS, "%s: type %d", cmd, r->type);
    cr_assert_str_eq(r->str, want);
    aikv_reply_free(r);
}

static void expect_error(aikv_session_t *s, const char *cmd, const char *want)
{
    aikv_reply_t *r = aikv_command(s, cmd);
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_ERROR, "%s: type %d", cmd, r->type);
    cr_assert_str_eq(r->str, want);
    aikv_reply_free(r);
}

Test(multi, exec_returns_the_tree_of_replies)
{
    aikv_session_t *s = aikv_session_new(db);
    expect_status(s, "MULTI", "OK");
    expect_status(s, "SET k 10", "QUEUED");
    expect_status(s, "INCR k", "QUEUED");
    expect_status(s, "LPUSH k x", "QUEUED");
    expect_status(s, "GET k", "QUEUED");
    aikv_reply_t *r = aikv_command(s, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 4);
    cr_assert_eq(r->element[0]->type, AIKV_REPLY_STATUS);
    cr_assert_str_eq(r->element[0]->str, "OK");
    cr_assert_eq(r->element[1]->type, AIKV_REPLY_INTEGER);
    cr_assert_eq(r->element[1]->integer, 11);
    cr_assert_eq(r->element[2]->type, AIKV_REPLY_ERROR);
    cr_assert(strncmp(r->element[2]->str, "WRONGTYPE", 9) == 0);
    cr_assert_eq(r->element[3]->type, AIKV_REPLY_STRING);
    cr_assert_str_eq(r->element[3]->str, "11");
    aikv_reply_free(r);
    aikv_session_free(s);
}

Test(multi, watched_key_set_by_another_session_makes_exec_nil)
{
    aikv_session_t *a = aikv_session_new(db), *b = aikv_session_new(db);
    expect_status(a, "WATCH k", "OK");
    expect_status(b, "SET k v", "OK");
    expect_status(a, "MULTI", "OK");
    expect_status(a, "SET k mine", "QUEUED");
    aikv_reply_t *r = aikv_command(a, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    r = aikv_command(b, "GET k");
    cr_assert_str_eq(r->str, "v");
    aikv_reply_free(r);
    aikv_session_free(a);
    aikv_session_free(b);
}

Test(multi, untouched_watch_lets_exec_run)
{
    aikv_session_t *a = aikv_session_new(db), *b = aikv_session_new(db);
    expect_status(a, "WATCH k", "OK");
    expect_status(b, "SET other v", "OK");
    expect_status(a, "MULTI", "OK");
    expect_status(a, "SET k mine", "QUEUED");
    aikv_reply_t *r = aikv_command(a, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 1);
    aikv_reply_free(r);
    aikv_session_free(a);
    aikv_session_free(b);
}

Test(multi, typed_api_writes_touch_watched_keys)
{
    aikv_session_t *a = aikv_session_new(db);
    expect_status(a, "WATCH k", "OK");
    cr_assert_eq(aikv_set(db, "k", 1, "v", 1, NULL), AIKV_OK);
    expect_status(a, "MULTI", "OK");
    aikv_reply_t *r = aikv_command(a, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);

    /* EXEC unwatched: the next transaction runs whatever happens. */
    cr_assert_eq(aikv_del(db, "k", 1, NULL), AIKV_OK);
    expect_status(a, "MULTI", "OK");
    r = aikv_command(a, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    aikv_session_free(a);
}

Test(multi, resp3_nil_and_execabort)
{
    aikv_session_t *a = aikv_session_new(db), *b = aikv_session_new(db);
    aikv_reply_free(aikv_command(a, "HELLO 3"));
    expect_status(a, "WATCH k", "OK");
    expect_status(b, "SET k v", "OK");
    expect_status(a, "MULTI", "OK");
    aikv_reply_t *r = aikv_command(a, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    expect_status(a, "MULTI", "OK");
    expect_error(a, "GET", "ERR wrong number of arguments for 'get' command");
    expect_error(a, "EXEC", "EXECABORT Transaction discarded because of previous errors.");
    aikv_session_free(a);
    aikv_session_free(b);
}

Test(multi, errors_outside_and_inside)
{
    aikv_session_t *a = aikv_session_new(db);
    expect_error(a, "EXEC", "ERR EXEC without MULTI");
    expect_error(a, "DISCARD", "ERR DISCARD without MULTI");
    expect_status(a, "MULTI", "OK");
    expect_error(a, "MULTI", "ERR MULTI calls can not be nested");
    expect_error(a, "WATCH k", "ERR WATCH inside MULTI is not allowed");
    expect_status(a, "DISCARD", "OK");
    aikv_session_free(a);
}

Test(multi, session_freed_mid_transaction_and_while_watching)
{
    aikv_session_t *a = aikv_session_new(db), *b = aikv_session_new(db);
    expect_status(a, "WATCH k1 k2", "OK");
    expect_status(b, "WATCH k2 k3", "OK");
    expect_status(a, "MULTI", "OK");
    expect_status(a, "SET k1 v", "QUEUED");
    aikv_session_free(a); /* frees its queue and its watches */
    cr_assert_eq(aikv_set(db, "k1", 2, "v", 1, NULL), AIKV_OK);
    expect_status(b, "MULTI", "OK");
    aikv_reply_t *r = aikv_command(b, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY); /* k1 is not b's */
    aikv_reply_free(r);
    expect_status(b, "WATCH k2", "OK");
    aikv_session_free(b); /* freed while watching */
    cr_assert_eq(aikv_set(db, "k2", 2, "v", 1, NULL), AIKV_OK);
}

/* Two stores on one SQLite file: to the first, the second is another
 * process. Its write since WATCH fails the EXEC (the keys it wrote cannot
 * be told); without one, the EXEC runs. */
Test(multi, watch_sees_a_write_through_another_store_on_the_file)
{
    char path[256];
    ut_temp_store(path, sizeof path, "multi");
    aikv_db_t *one, *two;
    cr_assert_eq(aikv_open(path, NULL, &one), AIKV_OK, "%s", aikv_errmsg(NULL));
    cr_assert_eq(aikv_open(path, NULL, &two), AIKV_OK, "%s", aikv_errmsg(NULL));
    aikv_session_t *s = aikv_session_new(one), *o = aikv_session_new(two);
    expect_status(s, "WATCH k", "OK");
    expect_status(o, "SET unrelated v", "OK");
    expect_status(s, "MULTI", "OK");
    expect_status(s, "SET k mine", "QUEUED");
    aikv_reply_t *r = aikv_command(s, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_NIL, "type %d", r->type);
    aikv_reply_free(r);
    expect_status(s, "WATCH k", "OK");
    expect_status(s, "MULTI", "OK");
    expect_status(s, "SET k mine", "QUEUED");
    r = aikv_command(s, "EXEC");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY, "type %d", r->type);
    aikv_reply_free(r);
    r = aikv_command(o, "GET k");
    cr_assert_str_eq(r->str, "mine");
    aikv_reply_free(r);
    aikv_session_free(o);
    aikv_session_free(s);
    aikv_close(two);
    aikv_close(one);
    ut_remove_store(path);
}
