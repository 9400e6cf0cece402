/*
 * hello.c -- the first steps with libaikv: open a store, write and read a
 * string, increment a counter, give a key a time to live, close.
 *
 * Build (installed library):
 *   cc hello.c -o hello $(pkg-config --cflags --libs aikv)
 *
 * Every libaikv function that can fail returns a result code: AIKV_OK (0) or
 * one of the AIKV_* codes. aikv_errstr(rc) names a code, aikv_errmsg(db) gives
 * the precise message of the last failure on this thread. "Not found" is not
 * a failure: it is AIKV_OK with the output saying so (a NULL value, -2 TTL...).
 *
 * The program exits 0 when every step gave the expected result, 1 otherwise,
 * so the test suite can run it.
 */
#include <aikv.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Stops at the first call that did not return AIKV_OK, saying which and why. */
#define CHECK(call)                                                                  \
    do {                                                                             \
        int rc_ = (call);                                                            \
        if (rc_ != AIKV_OK) {                                                        \
            fprintf(stderr, "hello: %s failed: %s (%s)\n", #call, aikv_errstr(rc_), \
                    aikv_errmsg(db));                                                \
            goto out;                                                                \
        }                                                                            \
    } while (0)

/* Stops when a result is not what this example expects. */
#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "hello: unexpected result: %s\n", #cond);                \
            goto out;                                                                \
        }                                                                            \
    } while (0)

int main(void) {
    int status = 1; /* becomes 0 once every step has passed */
    aikv_db_t *db = NULL;
    char *val = NULL;
    size_t vlen = 0;
    int64_t n = 0, ttl = 0;
    int rc, applied = 0, exists = 1;
    const char *key = "greeting";
    const char *hello = "hello, world";

    printf("libaikv %s (header %s), following Redis %s\n", aikv_libversion(), AIKV_VERSION,
           AIKV_REDIS_VERSION);

    /* ":memory:" (or NULL) opens the in-memory engine. opts NULL = defaults
     * (16 logical databases). db is the view of database 0. */
    CHECK(aikv_open(":memory:", NULL, &db));

    /* SET greeting "hello, world". Keys and values are (pointer, length)
     * pairs, so they may hold any bytes; the library keeps its own copy.
     * The last argument, NULL, means a plain SET (no NX/XX/PX... options). */
    CHECK(aikv_set(db, key, strlen(key), hello, strlen(hello), NULL));

    /* GET greeting: val is a NUL-terminated copy that we must aikv_free(). */
    CHECK(aikv_get(db, key, strlen(key), &val, &vlen));
    EXPECT(val != NULL && vlen == strlen(hello) && memcmp(val, hello, vlen) == 0);
    printf("GET %s -> \"%s\" (%zu bytes)\n", key, val, vlen);
    aikv_free(val);
    val = NULL;

    /* A missing key is not an error: AIKV_OK with val == NULL. */
    CHECK(aikv_get(db, "nosuchkey", 9, &val, &vlen));
    EXPECT(val == NULL);
    printf("GET nosuchkey -> (nil)\n");

    /* INCRBY: a missing key counts as 0. */
    CHECK(aikv_incrby(db, "visits", 6, 1, &n));
    EXPECT(n == 1);
    CHECK(aikv_incrby(db, "visits", 6, 41, &n));
    EXPECT(n == 42);
    CHECK(aikv_incrby(db, "visits", 6, -2, &n)); /* a negative step is DECRBY */
    EXPECT(n == 40);
    printf("INCRBY visits -> %" PRId64 "\n", n);

    /* Errors are result codes: incrementing a non-number is AIKV_NOTNUM, and
     * the value is left alone. */
    rc = aikv_incrby(db, key, strlen(key), 1, &n);
    EXPECT(rc == AIKV_NOTNUM);
    printf("INCRBY greeting -> error as expected: %s\n", aikv_errstr(rc));

    /* PEXPIRE greeting 60000: the key disappears in a minute. */
    CHECK(aikv_expire(db, key, strlen(key), 60000, 0, &applied));
    EXPECT(applied == 1);

    /* PTTL: the milliseconds left (some may already have passed). */
    CHECK(aikv_pttl(db, key, strlen(key), &ttl));
    EXPECT(ttl > 0 && ttl <= 60000);
    printf("PTTL %s -> %" PRId64 " ms\n", key, ttl);

    /* -1: the key exists without a TTL; -2: the key does not exist. */
    CHECK(aikv_pttl(db, "visits", 6, &ttl));
    EXPECT(ttl == -1);
    CHECK(aikv_pttl(db, "nosuchkey", 9, &ttl));
    EXPECT(ttl == -2);
    printf("PTTL visits -> -1 (no TTL), PTTL nosuchkey -> -2 (no key)\n");

    /* A relative expire of 0 ms (a time not in the future) deletes the key
     * right away, as PEXPIRE does in Redis. */
    CHECK(aikv_expire(db, "visits", 6, 0, 0, &applied));
    EXPECT(applied == 1);
    CHECK(aikv_exists(db, "visits", 6, &exists));
    EXPECT(exists == 0);
    printf("PEXPIRE visits 0 -> deleted\n");

    status = 0;
    printf("hello: ok\n");
out:
    aikv_free(val);
    aikv_close(db); /* NULL is a no-op, so this is safe if aikv_open() failed */
    return status;
}
