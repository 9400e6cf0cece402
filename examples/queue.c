/*
 * queue.c -- a work queue between threads with BLPOP: worker threads wait
 * in BLPOP on their own sessions, the main thread pushes jobs (RPUSH) and
 * each job wakes one worker -- the one that has waited longest. A BLPOP
 * with a timeout on an empty queue returns a nil reply when it expires.
 *
 * Build (installed library):
 *   cc queue.c -o queue $(pkg-config --cflags --libs aikv) -pthread
 *
 * While a session waits in a blocking command the store is not locked:
 * other threads go on using it, and the write that serves the waiter is
 * what wakes it. (Inside aikv_begin nothing blocks: the command answers as
 * on a timeout at once.)
 *
 * The program exits 0 when every step gave the expected result, 1 otherwise,
 * so the test suite can run it.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <aikv.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WORKERS 3
#define JOBS 12

typedef struct worker {
    aikv_db_t *db;
    int done;   /* jobs this worker took */
    int failed; /* an unexpected reply */
} worker;

/* Takes jobs until it pops "stop". */
static void *work(void *arg)
{
    worker *w = arg;
    aikv_session_t *s = aikv_session_new(w->db);
    if (!s) {
        w->failed = 1;
        return NULL;
    }
    for (;;) {
        aikv_reply_t *r = aikv_command(s, "BLPOP jobs 0"); /* 0: wait as long as it takes */
        if (!r || r->type != AIKV_REPLY_ARRAY || r->elements != 2) {
            w->failed = 1;
            aikv_reply_free(r);
            break;
        }
        int stop = strcmp(r->element[1]->str, "stop") == 0;
        aikv_reply_free(r);
        if (stop)
            break;
        w->done++;
    }
    aikv_session_free(s);
    return NULL;
}

/* Waits (up to 5 s) until n sessions of the store wait in a blocking
 * command, as INFO's blocked_clients counts them. */
static int wait_blocked(aikv_session_t *s, int n)
{
    char want[64];
    snprintf(want, sizeof want, "blocked_clients:%d\r\n", n);
    for (int i = 0; i < 500; i++) {
        aikv_reply_t *r = aikv_command(s, "INFO clients");
        int ok = r && r->type == AIKV_REPLY_STRING && strstr(r->str, want);
        aikv_reply_free(r);
        if (ok)
            return 1;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return 0;
}

int main(void)
{
    aikv_db_t *db = NULL;
    if (aikv_open(":memory:", NULL, &db) != AIKV_OK) {
        fprintf(stderr, "queue: aikv_open: %s\n", aikv_errmsg(NULL));
        return 1;
    }
    int status = 1;
    aikv_session_t *s = aikv_session_new(db);
    worker workers[WORKERS];
    pthread_t threads[WORKERS];
    int started = 0;

    /* Nothing queued: a timeout of 50 ms gives a nil reply. */
    aikv_reply_t *r = aikv_command(s, "BLPOP jobs 0.05");
    int nil = r && r->type == AIKV_REPLY_NIL;
    aikv_reply_free(r);
    if (!nil) {
        fprintf(stderr, "queue: BLPOP on an empty queue did not time out with nil\n");
        goto out;
    }

    for (; started < WORKERS; started++) {
        workers[started] = (worker){db, 0, 0};
        if (pthread_create(&threads[started], NULL, work, &workers[started]) != 0) {
            fprintf(stderr, "queue: pthread_create failed\n");
            goto out;
        }
    }
    if (!wait_blocked(s, WORKERS)) {
        fprintf(stderr, "queue: the workers never all waited\n");
        goto out;
    }
    /* Each push serves the worker that has waited longest; one that is done
     * with its job waits again at the end of the line. */
    for (int i = 0; i < JOBS; i++) {
        r = aikv_command(s, "RPUSH jobs job:%d", i);
        aikv_reply_free(r);
    }

out:
    /* One "stop" per worker started ends them all. */
    for (int i = 0; i < started; i++)
        aikv_reply_free(aikv_command(s, "RPUSH jobs stop"));
    int total = 0, failed = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        total += workers[i].done;
        failed |= workers[i].failed;
        printf("worker %d took %d jobs\n", i, workers[i].done);
    }
    uint64_t left = 1;
    if (aikv_llen(db, "jobs", 4, &left) != AIKV_OK)
        left = 1;
    if (started == WORKERS && !failed && total == JOBS && left == 0) {
        printf("%d jobs done, queue empty\n", total);
        status = 0;
    } else {
        fprintf(stderr, "queue: %d jobs done of %d, %llu left, failed %d\n", total, JOBS,
                (unsigned long long)left, failed);
    }
    aikv_session_free(s);
    aikv_close(db);
    return status;
}
