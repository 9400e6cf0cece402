/*
 * unit.h -- what several unit test files share: store files under /tmp and
 * commands given as one line of text.
 */
#ifndef AK_TESTS_UNIT_H
#define AK_TESTS_UNIT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../aikv.h"

/* A fresh store file name under /tmp for `what` (the file does not exist). */
static inline void ut_temp_store(char *path, size_t cap, const char *what)
{
    snprintf(path, cap, "/tmp/aikv-test-%s-%d-%ld.aikv", what, (int)getpid(), random());
}

/* Removes a store file and SQLite's files beside it. */
static inline void ut_remove_store(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* Removes a directory of test stores: each store named in the
 * NULL-terminated list (with SQLite's files beside it), then dir. */
static inline void ut_remove_dir(const char *dir, const char *const *stores)
{
    for (; *stores; stores++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, *stores);
        ut_remove_store(p);
    }
    rmdir(dir);
}

/* engine 0: a memory store; 1: a SQLite store on a fresh file, whose name
 * goes to path (ut_close removes it). */
static inline aikv_db_t *ut_open(int engine, char *path, size_t cap, const char *what)
{
    aikv_db_t *db;
    if (engine)
        ut_temp_store(path, cap, what);
    cr_assert_eq(aikv_open(engine ? path : NULL, NULL, &db), AIKV_OK, "%s", aikv_errmsg(NULL));
    return db;
}

static inline void ut_close(aikv_db_t *db, int engine, const char *path)
{
    aikv_close(db);
    if (engine)
        ut_remove_store(path);
}

/* Runs a command given as space-separated words (no quoting) on s; the
 * reply is never NULL. */
static inline aikv_reply_t *ut_cmd(aikv_session_t *s, const char *text)
{
    char buf[512], *argv[32], *save = NULL;
    size_t lens[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *t = strtok_r(buf, " ", &save); t && argc < 32; t = strtok_r(NULL, " ", &save)) {
        argv[argc] = t;
        lens[argc] = strlen(t);
        argc++;
    }
    aikv_reply_t *r = aikv_command_argv(s, argc, (const char *const *)argv, lens);
    cr_assert_not_null(r, "%s", text);
    return r;
}

#endif
