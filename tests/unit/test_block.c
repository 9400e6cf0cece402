/*
 * test_block.c -- blocking commands in embedded sessions (core/block.c):
 * a session that blocks in aikv_command sleeps until another thread's write
 * serves it, in arrival order, or until its timeout; inside aikv_begin
 * nothing blocks; with the SQLite engine a write by another store on the
 * same file (another process, as far as the store can tell) serves it too.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

static char path[256];

/* engine 0: memory, 1: SQLite on a fresh file. */
#define open_store(engine) ut_open(engine, path, sizeof path, "block")
#define close_store(db, engine) ut_close(db, engine, path)
#define cmd ut_cmd

static void run_int(aikv_session_t *s, const char *text, long long want)
{
    aikv_reply_t *r = cmd(s, text);
    cr_assert_eq(r->type, AIKV_REPLY_INTEGER, "%s: type %d (%s)", text, r->type,
                 r->str ? r->str : "");
    cr_assert_eq(r->integer, want, "%s: %lld", text, r->integer);
    aikv_reply_free(r);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A thread running one command on its own session. */
typedef struct waiter {
    aikv_db_t *db;
    const char *text;
    aikv_reply_t *reply;
    long long took_ms, done_at;
    pthread_t th;
} waiter;

static void *waiter_main(void *arg)
{
    waiter *w = arg;
    aikv_session_t *s = aikv_session_new(w->db);
    long long t0 = now_ms();
    w->reply = cmd(s, w->text);
    w->done_at = now_ms();
    w->took_ms = w->done_at - t0;
    aikv_session_free(s);
    return NULL;
}

static void start(waiter *w, aikv_db_t *db, const char *text)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    w->text = text;
    cr_assert_eq(pthread_create(&w->th, NULL, waiter_main, w), 0);
}

/* Waits (bounded) until the store reports n blocked clients. */
static void wait_blocked(aikv_session_t *s, int n)
{
    char want[64];
    snprintf(want, sizeof want, "blocked_clients:%d\r\n", n);
    for (int i = 0; i < 500; i++) {
        aikv_reply_t *r = cmd(s, "INFO clients");
        int ok = r->str && strstr(r->str, want) != NULL;
        aikv_reply_free(r);
        if (ok)
            return;
        sleep_ms(10);
    }
    cr_assert_fail("never %d blocked clients", n);
}

static void expect_pair(aikv_reply_t *r, const char *key, const char *value)
{
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY, "type %d (%s)", r->type, r->str ? r->str : "");
    cr_assert_eq(r->elements, 2);
    cr_assert_str_eq(r->element[0]->str, key);
    cr_assert_str_eq(r->element[1]->str, value);
}

static void served_by_another_thread(int engine)
{
    aikv_db_t *db = open_store(engine);
    aikv_session_t *s = aikv_session_new(db);
    waiter w;
    start(&w, db, "BLPOP nothing k 0");
    wait_blocked(s, 1);
    run_int(s, "RPUSH k a b", 2); /* the pusher sees both, the waiter takes one */
    pthread_join(w.th, NULL);
    expect_pair(w.reply, "k", "a");
    aikv_reply_free(w.reply);
    run_int(s, "LLEN k", 1);
    wait_blocked(s, 0);
    aikv_session_free(s);
    close_store(db, engine);
}

Test(block, served_by_another_thread_memory)
{
    served_by_another_thread(0);
}

Test(block, served_by_another_thread_sqlite)
{
    served_by_another_thread(1);
}

static void times_out(int engine)
{
    aikv_db_t *db = open_store(engine);
    aikv_session_t *s = aikv_session_new(db);
    long long t0 = now_ms();
    aikv_reply_t *r = cmd(s, "BZPOPMIN z 0.15");
    cr_assert_eq(r->type, AIKV_REPLY_NIL, "type %d", r->type);
    cr_assert_geq(now_ms() - t0, 140);
    aikv_reply_free(r);
    /* The session goes on normally afterwards. */
    run_int(s, "ZADD z 1 m", 1);
    r = cmd(s, "BZPOPMIN z 0.15");
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 3);
    cr_assert_str_eq(r->element[1]->str, "m");
    aikv_reply_free(r);
    aikv_session_free(s);
    close_store(db, engine);
}

Test(block, times_out_memory)
{
    times_out(0);
}

Test(block, times_out_sqlite)
{
    times_out(1);
}

Test(block, waiters_are_served_in_arrival_order)
{
    aikv_db_t *db = open_store(0);
    aikv_session_t *s = aikv_session_new(db);
    waiter w[3];
    start(&w[0], db, "BRPOP q 0");
    wait_blocked(s, 1);
    start(&w[1], db, "BRPOP other q 0");
    wait_blocked(s, 2);
    start(&w[2], db, "BRPOP q 5");
    wait_blocked(s, 3);
    run_int(s, "LPUSH q 1 2", 2); /* serves the first two, in order */
    pthread_join(w[0].th, NULL);
    pthread_join(w[1].th, NULL);
    expect_pair(w[0].reply, "q", "1");
    expect_pair(w[1].reply, "q", "2");
    wait_blocked(s, 1);
    run_int(s, "RPUSH q 3", 1);
    pthread_join(w[2].th, NULL);
    expect_pair(w[2].reply, "q", "3");
    for (int i = 0; i < 3; i++)
        aikv_reply_free(w[i].reply);
    run_int(s, "EXISTS q", 0);
    aikv_session_free(s);
    close_store(db, 0);
}

Test(block, blmove_serves_a_waiter_of_its_destination)
{
    aikv_db_t *db = open_store(0);
    aikv_session_t *s = aikv_session_new(db);
    waiter mover, popper;
    start(&mover, db, "BLMOVE src dst LEFT RIGHT 0");
    wait_blocked(s, 1);
    start(&popper, db, "BLPOP dst 0");
    wait_blocked(s, 2);
    run_int(s, "RPUSH src x", 1);
    pthread_join(mover.th, NULL);
    pthread_join(popper.th, NULL);
    cr_assert_eq(mover.reply->type, AIKV_REPLY_STRING);
    cr_assert_str_eq(mover.reply->str, "x");
    expect_pair(popper.reply, "dst", "x");
    aikv_reply_free(mover.reply);
    aikv_reply_free(popper.reply);
    run_int(s, "EXISTS src dst", 0);
    aikv_session_free(s);
    close_store(db, 0);
}

Test(block, client_unblock_ends_an_embedded_wait)
{
    aikv_db_t *db = open_store(0);
    aikv_session_t *s = aikv_session_new(db);
    waiter w;
    start(&w, db, "BLPOP k 0");
    wait_blocked(s, 1);
    aikv_reply_t *r = cmd(s, "CLIENT LIST");
    const char *line = strstr(r->str, "flags=b");
    cr_assert_not_null(line, "%s", r->str);
    const char *id = line;
    while (id > r->str && id[-1] != '\n')
        id--;
    char buf[64];
    snprintf(buf, sizeof buf, "CLIENT UNBLOCK %lld ERROR", strtoll(id + 3, NULL, 10));
    aikv_reply_free(r);
    run_int(s, buf, 1);
    pthread_join(w.th, NULL);
    cr_assert_eq(w.reply->type, AIKV_REPLY_ERROR);
    cr_assert_str_eq(w.reply->str, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    aikv_reply_free(w.reply);
    run_int(s, buf, 0);
    aikv_session_free(s);
    close_store(db, 0);
}

Test(block, nothing_blocks_inside_an_embedded_transaction)
{
    for (int engine = 0; engine < 2; engine++) {
        aikv_db_t *db = open_store(engine);
        aikv_session_t *s = aikv_session_new(db);
        cr_assert_eq(aikv_begin(db), AIKV_OK);
        long long t0 = now_ms();
        aikv_reply_t *r = cmd(s, "BLPOP k 0");
        cr_assert_eq(r->type, AIKV_REPLY_NIL, "type %d", r->type);
        aikv_reply_free(r);
        r = cmd(s, "BRPOPLPUSH k d 0");
        cr_assert_eq(r->type, AIKV_REPLY_NIL, "type %d", r->type);
        aikv_reply_free(r);
        cr_assert_lt(now_ms() - t0, 1000);
        run_int(s, "RPUSH k v", 1);
        r = cmd(s, "BLPOP k 0");
        expect_pair(r, "k", "v");
        aikv_reply_free(r);
        cr_assert_eq(aikv_commit(db), AIKV_OK);
        aikv_session_free(s);
        close_store(db, engine);
    }
}

/* Two stores on one file: to the first, the second is another process. */
Test(block, a_write_through_another_store_on_the_file_serves_the_waiter)
{
    aikv_db_t *db = open_store(1);
    aikv_db_t *other;
    cr_assert_eq(aikv_open(path, NULL, &other), AIKV_OK, "%s", aikv_errmsg(NULL));
    aikv_session_t *s = aikv_session_new(db), *o = aikv_session_new(other);
    waiter w;
    start(&w, db, "BLPOP k 5");
    wait_blocked(s, 1);
    long long pushed = now_ms();
    run_int(o, "RPUSH k far", 1);
    pthread_join(w.th, NULL);
    expect_pair(w.reply, "k", "far");
    cr_assert_lt(w.done_at - pushed, 2000); /* seen by its 100 ms look, not its timeout */
    aikv_reply_free(w.reply);
    run_int(o, "EXISTS k", 0);
    aikv_session_free(o);
    aikv_close(other);
    aikv_session_free(s);
    close_store(db, 1);
}

/* A push inside aikv_begin serves a waiter only once committed: a rolled
 * back push serves nobody. */
Test(block, an_embedded_transaction_serves_waiters_when_it_commits)
{
    for (int engine = 0; engine < 2; engine++) {
        aikv_db_t *db = open_store(engine);
        aikv_session_t *s = aikv_session_new(db);
        waiter w;
        start(&w, db, "BLPOP k 0");
        wait_blocked(s, 1);
        cr_assert_eq(aikv_begin(db), AIKV_OK);
        run_int(s, "RPUSH k undone", 1);
        cr_assert_eq(aikv_rollback(db), AIKV_OK);
        sleep_ms(50);
        wait_blocked(s, 1);
        cr_assert_eq(aikv_begin(db), AIKV_OK);
        run_int(s, "RPUSH k kept", 1);
        wait_blocked(s, 1); /* still waiting while the transaction is open */
        cr_assert_eq(aikv_commit(db), AIKV_OK);
        pthread_join(w.th, NULL);
        expect_pair(w.reply, "k", "kept");
        aikv_reply_free(w.reply);
        run_int(s, "EXISTS k", 0);
        aikv_session_free(s);
        close_store(db, engine);
    }
}
