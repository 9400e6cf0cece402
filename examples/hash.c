/*
 * hash.c -- hashes with libaikv's typed API: a user record as field/value
 * pairs, a counter field, reading the whole record back, deleting fields.
 *
 * Build (installed library):
 *   cc hash.c -o hash $(pkg-config --cflags --libs aikv)
 *
 * A hash is created by its first field and disappears with its last one,
 * as in Redis. Reading a missing key or field is not an error: it gives a
 * NULL value or a zero count.
 *
 * The program exits 0 when every step gave the expected result, 1 otherwise,
 * so the test suite can run it.
 */
#include <aikv.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                                 \
    do {                                                                            \
        int rc_ = (call);                                                           \
        if (rc_ != AIKV_OK) {                                                       \
            fprintf(stderr, "hash: %s failed: %s (%s)\n", #call, aikv_errstr(rc_), \
                    aikv_errmsg(db));                                               \
            goto out;                                                               \
        }                                                                           \
    } while (0)

#define EXPECT(cond)                                                                \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "hash: unexpected result: %s\n", #cond);                \
            goto out;                                                               \
        }                                                                           \
    } while (0)

/* Strings as (pointer, length) pairs. */
#define S(s) (s), strlen(s)

int main(void)
{
    int status = 1;
    aikv_db_t *db = NULL;
    aikv_reply_t *all = NULL;
    char *val = NULL;
    size_t vlen = 0;
    uint64_t n = 0;
    int64_t visits = 0;
    int added = 0, deleted = 0, rc;
    const char *user = "user:1000";

    CHECK(aikv_open(":memory:", NULL, &db));

    /* HSET user:1000 name Ada / lang C: each call creates one field. */
    CHECK(aikv_hset(db, S(user), S("name"), S("Ada"), &added));
    EXPECT(added == 1);
    CHECK(aikv_hset(db, S(user), S("lang"), S("C"), &added));
    EXPECT(added == 1);
    /* Setting an existing field replaces its value: added is 0. */
    CHECK(aikv_hset(db, S(user), S("lang"), S("C11"), &added));
    EXPECT(added == 0);

    /* HGET: a copy of the value, freed with aikv_free(). */
    CHECK(aikv_hget(db, S(user), S("name"), &val, &vlen));
    EXPECT(val && vlen == 3 && memcmp(val, "Ada", 3) == 0);
    printf("name = %s\n", val);
    aikv_free(val);
    val = NULL;

    /* A missing field is a NULL value, not an error. */
    CHECK(aikv_hget(db, S(user), S("email"), &val, &vlen));
    EXPECT(val == NULL);

    /* HINCRBY: a missing field counts as 0. */
    CHECK(aikv_hincrby(db, S(user), S("visits"), 1, &visits));
    CHECK(aikv_hincrby(db, S(user), S("visits"), 41, &visits));
    EXPECT(visits == 42);
    /* Incrementing a field that is not a number fails and changes nothing. */
    rc = aikv_hincrby(db, S(user), S("name"), 1, &visits);
    EXPECT(rc == AIKV_NOTNUM);
    printf("HINCRBY on a name: %s (%s)\n", aikv_errstr(rc), aikv_errmsg(db));

    CHECK(aikv_hlen(db, S(user), &n));
    EXPECT(n == 3);

    /* HGETALL: an array field, value, field, value... freed as one tree. */
    CHECK(aikv_hgetall(db, S(user), &all));
    EXPECT(all->type == AIKV_REPLY_ARRAY && all->elements == 6);
    for (size_t i = 0; i + 1 < all->elements; i += 2)
        printf("  %s: %s\n", all->element[i]->str, all->element[i + 1]->str);
    aikv_reply_free(all);
    all = NULL;

    /* Hashes are typed: a string key cannot be read as one. */
    CHECK(aikv_set(db, S("greeting"), S("hello"), NULL));
    rc = aikv_hlen(db, S("greeting"), &n);
    EXPECT(rc == AIKV_WRONGTYPE);

    /* HDEL: the last field takes the key with it. */
    CHECK(aikv_hdel(db, S(user), S("name"), &deleted));
    EXPECT(deleted == 1);
    CHECK(aikv_hdel(db, S(user), S("name"), &deleted));
    EXPECT(deleted == 0);
    CHECK(aikv_hdel(db, S(user), S("lang"), &deleted));
    CHECK(aikv_hdel(db, S(user), S("visits"), &deleted));
    int exists = 1;
    CHECK(aikv_exists(db, S(user), &exists));
    EXPECT(exists == 0);
    CHECK(aikv_hlen(db, S(user), &n));
    EXPECT(n == 0);

    printf("hash: ok\n");
    status = 0;
out:
    aikv_reply_free(all);
    aikv_free(val);
    aikv_close(db);
    return status;
}
