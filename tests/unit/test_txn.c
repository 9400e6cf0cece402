/*
 * test_txn.c -- embedded transactions (aikv_begin / aikv_commit /
 * aikv_rollback) on both engines: all-or-nothing over every type and the
 * keyspace commands, misuse, persistence of a commit, and isolation from
 * other threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static char path[256];

/* engine 0: memory, 1: SQLite on a fresh file. */
#define open_store(engine) ut_open(engine, path, sizeof path, "txn")
#define close_store(db, engine) ut_close(db, engine, path)
#define cmd ut_cmd

static void run(aikv_session_t *s, const char *text)
{
    aikv_reply_t *r = cmd(s, text);
    cr_assert_neq(r->type, AIKV_REPLY_ERROR, "%s: %.*s", text, (int)r->len, r->str);
    aikv_reply_free(r);
}

/* A canonical text of everything in databases 0 and 1: each key with its
 * type, TTL presence and contents, sorted. */
static char *dump(aikv_session_t *s)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (int db = 0; db < 2; db++) {
        char sel[32];
        snprintf(sel, sizeof sel, "SELECT %d", db);
        run(s, sel);
        aikv_reply_t *keys = cmd(s, "KEYS *");
        /* sort the names */
        size_t n = keys->elements;
        char **names = calloc(n ? n : 1, sizeof *names);
        for (size_t i = 0; i < n; i++)
            names[i] = keys->element[i]->str;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (strcmp(names[j], names[i]) < 0) {
                    char *t = names[i];
                    names[i] = names[j];
                    names[j] = t;
                }
        for (size_t i = 0; i < n; i++) {
            static const char *const reads[] = {"TYPE %s", "PTTL %s", "GET %s", "LRANGE %s 0 -1",
                                                "HGETALL %s", "SORT %s ALPHA",
                                                "ZRANGE %s 0 -1 WITHSCORES"};
            for (size_t k = 0; k < sizeof reads / sizeof *reads; k++) {
                char q[300];
                snprintf(q, sizeof q, reads[k], names[i]);
                aikv_reply_t *r = cmd(s, q);
                char line[4096];
                int w = snprintf(line, sizeof line, "%d %s %d:", db, q, r->type);
                if (r->type == AIKV_REPLY_INTEGER && k == 1)
                    w += snprintf(line + w, sizeof line - (size_t)w, "%s", r->integer > 0 ? "ttl" : "-1");
                else if (r->type == AIKV_REPLY_STRING || r->type == AIKV_REPLY_STATUS)
                    w += snprintf(line + w, sizeof line - (size_t)w, "%.*s", (int)r->len, r->str);
                for (size_t e = 0; e < r->elements && w < 4000; e++)
                    w += snprintf(line + w, sizeof line - (size_t)w, "%.*s,",
                                  (int)r->element[e]->len, r->element[e]->str);
                aikv_reply_free(r);
                while (len + (size_t)w + 2 > cap)
                    out = realloc(out, cap *= 2);
                memcpy(out + len, line, (size_t)w);
                len += (size_t)w;
                out[len++] = '\n';
                out[len] = '\0';
            }
        }
        free(names);
        aikv_reply_free(keys);
    }
    run(s, "SELECT 0");
    return out;
}

static void fill(aikv_session_t *s)
{
    run(s, "SET s1 hello");
    run(s, "SET n 41");
    run(s, "SET ttl x EX 1000");
    run(s, "RPUSH l a b c d");
    run(s, "HSET h f1 v1 f2 v2");
    run(s, "SADD st 1 2 3 x");
    run(s, "ZADD z 1 a 2 b 3 c");
    run(s, "SELECT 1");
    run(s, "SET other-db yes");
    run(s, "SELECT 0");
}

static const char *const writes[] = {
    "SET s1 changed", "INCR n", "APPEND s1 more", "DEL l", "RPUSH l2 x y", "LPOP l",
    "HSET h f3 v3", "HDEL h f1", "SADD st y", "SREM st 1", "SPOP st", "ZADD z 9 q",
    "ZREM z a", "ZINCRBY z 5 b", "EXPIRE s1 50", "PERSIST ttl", "RENAME h h2",
    "COPY z z3", "MOVE s1 1", "LSET l 0 X", "LINSERT l BEFORE c C", "LTRIM l 1 2",
    "SUNIONSTORE su st st", "ZUNIONSTORE zu 1 z", "SETRANGE s1 2 ZZ", "HINCRBY h n 3",
    "FLUSHDB", "SWAPDB 0 1", "FLUSHALL", "SET fresh 1", "SETEX s1 100 v", "GETDEL n",
};

static void rollback_restores(int engine)
{
    aikv_db_t *db = open_store(engine);
    aikv_session_t *s = aikv_session_new(db);
    fill(s);
    char *before = dump(s);
    srandom(7);
    for (int round = 0; round < 40; round++) {
        cr_assert_eq(aikv_begin(db), AIKV_OK);
        int n = 1 + (int)(random() % 12);
        for (int i = 0; i < n; i++) {
            aikv_reply_t *r = cmd(s, writes[random() % (sizeof writes / sizeof *writes)]);
            aikv_reply_free(r); /* some fail (wrong type, missing key): fine */
        }
        /* typed API writes are part of it too */
        cr_assert_eq(aikv_set(db, "typed", 5, "v", 1, NULL), AIKV_OK);
        cr_assert_eq(aikv_rollback(db), AIKV_OK);
        char *after = dump(s);
        cr_assert_str_eq(after, before, "round %d", round);
        free(after);
    }
    free(before);
    aikv_session_free(s);
    close_store(db, engine);
}

Test(txn, rollback_restores_everything_memory) { rollback_restores(0); }
Test(txn, rollback_restores_everything_sqlite) { rollback_restores(1); }

static void commit_applies(int engine)
{
    aikv_db_t *db = open_store(engine);
    aikv_session_t *s = aikv_session_new(db);
    fill(s);
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    run(s, "INCR n");
    run(s, "RPUSH l e");
    cr_assert_eq(aikv_set(db, "typed", 5, "v", 1, NULL), AIKV_OK);
    run(s, "FLUSHDB");
    run(s, "SET after-flush 1");
    cr_assert_eq(aikv_commit(db), AIKV_OK);
    aikv_reply_t *r = cmd(s, "DBSIZE");
    cr_assert_eq(r->integer, 1);
    aikv_reply_free(r);
    aikv_session_free(s);
    if (engine) {
        /* durable: a new open sees it */
        aikv_close(db);
        cr_assert_eq(aikv_open(path, NULL, &db), AIKV_OK);
        char *v = NULL;
        size_t vl;
        cr_assert_eq(aikv_get(db, "after-flush", 11, &v, &vl), AIKV_OK);
        cr_assert_str_eq(v, "1");
        aikv_free(v);
    }
    close_store(db, engine);
}

Test(txn, commit_applies_memory) { commit_applies(0); }
Test(txn, commit_applies_sqlite) { commit_applies(1); }

static void misuse(int engine)
{
    aikv_db_t *db = open_store(engine);
    cr_assert_eq(aikv_commit(db), AIKV_MISUSE);
    cr_assert_eq(aikv_rollback(db), AIKV_MISUSE);
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    cr_assert_eq(aikv_begin(db), AIKV_MISUSE);
    cr_assert_eq(aikv_begin(aikv_db_select(db, 3)), AIKV_MISUSE); /* one per store */
    cr_assert_eq(aikv_commit(db), AIKV_OK);
    cr_assert_eq(aikv_commit(db), AIKV_MISUSE);
    cr_assert_eq(aikv_begin(NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_commit(NULL), AIKV_MISUSE);
    close_store(db, engine);
}

Test(txn, misuse_is_an_error_memory) { misuse(0); }
Test(txn, misuse_is_an_error_sqlite) { misuse(1); }

/* A rollback inside MULTI/EXEC and a nested script-like savepoint use the
 * same log: a transaction that spans an EXEC rolls the EXEC back too. */
static void exec_inside_rollback(int engine)
{
    aikv_db_t *db = open_store(engine);
    aikv_session_t *s = aikv_session_new(db);
    run(s, "SET k 1");
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    run(s, "MULTI");
    run(s, "INCR k");
    run(s, "SET k2 x");
    run(s, "EXEC");
    cr_assert_eq(aikv_rollback(db), AIKV_OK);
    aikv_reply_t *r = cmd(s, "MGET k k2");
    cr_assert_str_eq(r->element[0]->str, "1");
    cr_assert_eq(r->element[1]->type, AIKV_REPLY_NIL);
    aikv_reply_free(r);
    aikv_session_free(s);
    close_store(db, engine);
}

Test(txn, exec_inside_is_rolled_back_memory) { exec_inside_rollback(0); }
Test(txn, exec_inside_is_rolled_back_sqlite) { exec_inside_rollback(1); }

typedef struct {
    aikv_db_t *db;
    volatile int done;
    char seen[32];
} reader_arg;

static void *reader(void *p)
{
    reader_arg *a = p;
    char *v = NULL;
    size_t n;
    aikv_get(a->db, "iso", 3, &v, &n); /* waits for the transaction */
    snprintf(a->seen, sizeof a->seen, "%s", v ? v : "(nil)");
    aikv_free(v);
    a->done = 1;
    return NULL;
}

static void isolation(int engine)
{
    aikv_db_t *db = open_store(engine);
    cr_assert_eq(aikv_set(db, "iso", 3, "before", 6, NULL), AIKV_OK);
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    cr_assert_eq(aikv_set(db, "iso", 3, "during", 6, NULL), AIKV_OK);
    reader_arg a = {db, 0, ""};
    pthread_t t;
    pthread_create(&t, NULL, reader, &a);
    usleep(100000);
    cr_assert_eq(a.done, 0, "another thread read inside the transaction");
    cr_assert_eq(aikv_set(db, "iso", 3, "final", 5, NULL), AIKV_OK);
    cr_assert_eq(aikv_commit(db), AIKV_OK);
    pthread_join(t, NULL);
    cr_assert_str_eq(a.seen, "final");
    close_store(db, engine);
}

Test(txn, other_threads_wait_memory) { isolation(0); }
Test(txn, other_threads_wait_sqlite) { isolation(1); }
