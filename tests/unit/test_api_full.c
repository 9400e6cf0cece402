/*
 * test_api_full.c -- the typed API on a SQLite store that cannot grow (the
 * sqlite-max-size setting, as a full disk): a call whose commit fails
 * returns the storage error instead of AIKV_OK, applies nothing, hands out
 * no result, and the store keeps working for reads and for writes that
 * fit. Inside an embedded transaction the failing call fails and
 * aikv_commit reports the transaction lost.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../aikv.h"
#include "core/config.h"
#include "core/core.h"
#include "unit.h"

static ak_config cfg;
static ak_store *st;
static aikv_db_t *db;
static char dir[64], path[128];

static void setup(void)
{
    ak_config_defaults(&cfg);
    cfg.sqlite_max_size = 512 * 1024;
    snprintf(dir, sizeof dir, "/tmp/aikv-test-full-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/full.aikv", dir);
    cr_assert_eq(ak_store_open(path, &cfg, &st), AIKV_OK, "%s", aikv_errmsg(NULL));
    db = &st->views[0];
}

static void teardown(void)
{
    ak_store_close(st);
    static const char *const stores[] = {"full.aikv", NULL};
    ut_remove_dir(dir, stores);
    ak_config_free(&cfg);
}

TestSuite(full, .init = setup, .fini = teardown);

#define VALUE_LEN (64 * 1024)

/* Sets k0, k1... to 64 KiB values until one fails; returns how many
 * succeeded, with the failing call's code in *rc. */
static int fill(char *value, int *rc)
{
    for (int i = 0; i < 64; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        *rc = aikv_set(db, key, strlen(key), value, VALUE_LEN, NULL);
        if (*rc != AIKV_OK)
            return i;
    }
    cr_assert_fail("a 512 KiB store took 64 values of 64 KiB");
    return -1;
}

static int exists(const char *key)
{
    int e = -1;
    cr_assert_eq(aikv_exists(db, key, strlen(key), &e), AIKV_OK, "%s", aikv_errmsg(NULL));
    return e;
}

Test(full, a_set_that_does_not_fit_fails_and_applies_nothing)
{
    char *value = malloc(VALUE_LEN);
    memset(value, 'x', VALUE_LEN);
    int rc;
    int n = fill(value, &rc);
    cr_assert_gt(n, 0);
    cr_assert_eq(rc, AIKV_IOERR, "%s", aikv_errstr(rc));
    cr_assert(strstr(aikv_errmsg(NULL), "full") != NULL, "%s", aikv_errmsg(NULL));
    char key[16];
    snprintf(key, sizeof key, "k%d", n);
    cr_assert_eq(exists(key), 0);      /* the failed one is not there */
    cr_assert_eq(exists("k0"), 1);     /* the earlier ones are */
    char *got = NULL;
    size_t len = 0;
    cr_assert_eq(aikv_get(db, "k0", 2, &got, &len), AIKV_OK);
    cr_assert_eq(len, VALUE_LEN);
    aikv_free(got);
    /* the other types fail the same way, handing out nothing */
    int added = -1;
    cr_assert_eq(aikv_hset(db, "h", 1, "f", 1, value, VALUE_LEN, &added), AIKV_IOERR);
    cr_assert_eq(exists("h"), 0);
    size_t count = 0;
    const char *items[] = {value};
    size_t lens[] = {VALUE_LEN};
    cr_assert_eq(aikv_rpush(db, "l", 1, (const void *const *)items, lens, 1, &count), AIKV_IOERR);
    cr_assert_eq(exists("l"), 0);
    /* room made, writes work again */
    int deleted = 0;
    cr_assert_eq(aikv_del(db, "k0", 2, &deleted), AIKV_OK);
    cr_assert_eq(deleted, 1);
    cr_assert_eq(aikv_set(db, "small", 5, "v", 1, NULL), AIKV_OK);
    cr_assert_eq(exists("small"), 1);
    free(value);
}

Test(full, inside_a_transaction_the_call_fails_and_commit_reports_it)
{
    char *value = malloc(VALUE_LEN);
    memset(value, 'y', VALUE_LEN);
    cr_assert_eq(aikv_set(db, "before", 6, "v", 1, NULL), AIKV_OK);
    cr_assert_eq(aikv_begin(db), AIKV_OK);
    int rc = AIKV_OK;
    for (int i = 0; i < 64 && rc == AIKV_OK; i++) {
        char key[16];
        snprintf(key, sizeof key, "t%d", i);
        rc = aikv_set(db, key, strlen(key), value, VALUE_LEN, NULL);
    }
    cr_assert_eq(rc, AIKV_IOERR);
    cr_assert_neq(aikv_commit(db), AIKV_OK);
    cr_assert_eq(exists("t0"), 0); /* nothing of the transaction */
    cr_assert_eq(exists("before"), 1);
    free(value);
}
