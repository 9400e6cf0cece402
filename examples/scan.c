/*
 * scan.c -- iterating over the keys of a database with aikv_scan().
 *
 * Build (installed library):
 *   cc scan.c -o scan $(pkg-config --cflags --libs aikv)
 *
 * SCAN walks a database in small steps without blocking it for long: each
 * call returns a few keys and a cursor to continue from. Start with cursor 0;
 * the walk is over when the returned cursor is 0 again. As in Redis, every key
 * present for the whole walk is returned AT LEAST once: a key may come back
 * twice (e.g. when the table is resized between calls), so a program that
 * needs each key once must remove duplicates itself, as done here.
 *
 * The program writes 1000 keys, scans them all, checks that exactly the 1000
 * distinct keys were seen, then scans again with a MATCH pattern. It exits 0
 * when every check passes, 1 otherwise.
 */
#include <aikv.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKEYS 1000
/* A bound on the number of SCAN calls, so that a bug cannot loop forever. */
#define MAX_CALLS 100000

/* Parses "key:N" with 0 <= N < NKEYS; returns N, or -1 for any other key. */
static int key_number(const char *s, size_t len) {
    char buf[32];
    char *end;
    long n;

    if (len < 5 || len >= sizeof buf || memcmp(s, "key:", 4) != 0)
        return -1;
    memcpy(buf, s + 4, len - 4);
    buf[len - 4] = '\0';
    n = strtol(buf, &end, 10);
    if (*end != '\0' || n < 0 || n >= NKEYS)
        return -1;
    return (int)n;
}

/* Scans the whole database with `pattern` (NULL = every key) and `count` keys
 * per call as a hint. Marks each key:N seen in seen[N]; *returned counts every
 * key returned, duplicates included. Returns AIKV_OK or the failing code. */
static int scan_all(aikv_db_t *db, const char *pattern, size_t count, unsigned char *seen,
                    size_t *returned, int *calls, int *strangers) {
    uint64_t cursor = 0;
    size_t i;

    *returned = 0;
    *calls = 0;
    *strangers = 0;
    do {
        aikv_reply_t *keys = NULL;
        int rc = aikv_scan(db, cursor, pattern, count, &cursor, &keys);
        if (rc != AIKV_OK)
            return rc;
        /* keys is an array of strings: element[i]->str, element[i]->len. */
        for (i = 0; i < keys->elements; i++) {
            const aikv_reply_t *k = keys->element[i];
            int n = key_number(k->str, k->len);
            if (n < 0) {
                fprintf(stderr, "scan: unexpected key \"%.*s\"\n", (int)k->len, k->str);
                (*strangers)++;
            } else {
                seen[n] = 1;
            }
            (*returned)++;
        }
        aikv_reply_free(keys);
        (*calls)++;
    } while (cursor != 0 && *calls < MAX_CALLS);

    if (cursor != 0) {
        fprintf(stderr, "scan: no end after %d calls\n", *calls);
        return AIKV_ERROR;
    }
    return AIKV_OK;
}

static size_t count_seen(const unsigned char *seen) {
    size_t n = 0;
    for (int i = 0; i < NKEYS; i++)
        n += seen[i];
    return n;
}

int main(void) {
    aikv_db_t *db = NULL;
    unsigned char seen[NKEYS];
    size_t returned = 0, distinct, expected;
    uint64_t dbsize = 0;
    int calls = 0, strangers = 0, rc, i, status = 1;
    char key[32], val[32];

    rc = aikv_open(":memory:", NULL, &db);
    if (rc != AIKV_OK) {
        fprintf(stderr, "scan: aikv_open: %s (%s)\n", aikv_errstr(rc), aikv_errmsg(NULL));
        return 1;
    }

    /* Fill: key:0 .. key:999 = value:0 .. value:999. */
    for (i = 0; i < NKEYS; i++) {
        int klen = snprintf(key, sizeof key, "key:%d", i);
        int vlen = snprintf(val, sizeof val, "value:%d", i);
        rc = aikv_set(db, key, (size_t)klen, val, (size_t)vlen, NULL);
        if (rc != AIKV_OK) {
            fprintf(stderr, "scan: aikv_set %s: %s (%s)\n", key, aikv_errstr(rc),
                    aikv_errmsg(db));
            goto out;
        }
    }
    rc = aikv_dbsize(db, &dbsize);
    if (rc != AIKV_OK || dbsize != NKEYS) {
        fprintf(stderr, "scan: DBSIZE is %" PRIu64 " (%s), expected %d\n", dbsize,
                aikv_errstr(rc), NKEYS);
        goto out;
    }
    printf("wrote %d keys, DBSIZE %" PRIu64 "\n", NKEYS, dbsize);

    /* Every key, about 100 per call. */
    memset(seen, 0, sizeof seen);
    rc = scan_all(db, NULL, 100, seen, &returned, &calls, &strangers);
    if (rc != AIKV_OK) {
        fprintf(stderr, "scan: aikv_scan: %s (%s)\n", aikv_errstr(rc), aikv_errmsg(db));
        goto out;
    }
    distinct = count_seen(seen);
    printf("SCAN: %d calls, %zu keys returned, %zu distinct\n", calls, returned, distinct);
    if (distinct != NKEYS || returned < NKEYS || strangers != 0) {
        fprintf(stderr, "scan: expected all %d keys\n", NKEYS);
        goto out;
    }

    /* Only the keys matching a glob pattern: key:1, key:10..19, key:100..199.
     * MATCH filters after the keys are read, so a call may return no key at
     * all while the cursor is not yet 0: keep going until it is. */
    memset(seen, 0, sizeof seen);
    rc = scan_all(db, "key:1*", 0 /* default COUNT, 10 */, seen, &returned, &calls, &strangers);
    if (rc != AIKV_OK) {
        fprintf(stderr, "scan: aikv_scan MATCH: %s (%s)\n", aikv_errstr(rc), aikv_errmsg(db));
        goto out;
    }
    distinct = count_seen(seen);
    expected = 1 + 10 + 100;
    printf("SCAN MATCH key:1*: %d calls, %zu keys returned, %zu distinct\n", calls, returned,
           distinct);
    if (distinct != expected || strangers != 0) {
        fprintf(stderr, "scan: expected %zu keys matching key:1*\n", expected);
        goto out;
    }
    for (i = 0; i < NKEYS; i++) {
        int klen = snprintf(key, sizeof key, "key:%d", i);
        int matches = klen > 4 && key[4] == '1';
        if (seen[i] != matches) {
            fprintf(stderr, "scan: key:%d %s\n", i, matches ? "missing" : "should not match");
            goto out;
        }
    }

    status = 0;
    printf("scan: ok\n");
out:
    aikv_close(db);
    return status;
}
