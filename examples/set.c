/*
 * set.c -- sets with libaikv: tags on articles. Each article's tags are a
 * set (SADD adds, SREM removes, SISMEMBER tests, SCARD counts, SMEMBERS
 * lists); the set algebra (SINTER, SUNION...) goes through aikv_command().
 *
 * Build (installed library):
 *   cc set.c -o set $(pkg-config --cflags --libs aikv)
 *
 * A set has no order: SMEMBERS returns its members as an aikv_reply_t array
 * of strings in no particular order, freed as a whole with
 * aikv_reply_free(). A missing key is an empty set: SCARD says 0, SISMEMBER
 * 0, SMEMBERS gives an empty array.
 *
 * The program exits 0 when every step gave the expected result, 1 otherwise,
 * so the test suite can run it.
 */
#include <aikv.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                                \
    do {                                                                           \
        int rc_ = (call);                                                          \
        if (rc_ != AIKV_OK) {                                                      \
            fprintf(stderr, "set: %s failed: %s (%s)\n", #call, aikv_errstr(rc_), \
                    aikv_errmsg(db));                                              \
            goto out;                                                              \
        }                                                                          \
    } while (0)

#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "set: unexpected result: %s\n", #cond);                \
            goto out;                                                              \
        }                                                                          \
    } while (0)

/* 1 if the array r holds the string s (anywhere: sets have no order). */
static int has_elem(const aikv_reply_t *r, const char *s)
{
    for (size_t i = 0; r && r->type == AIKV_REPLY_ARRAY && i < r->elements; i++)
        if (r->element[i]->type == AIKV_REPLY_STRING && r->element[i]->len == strlen(s) &&
            memcmp(r->element[i]->str, s, r->element[i]->len) == 0)
            return 1;
    return 0;
}

int main(void)
{
    int status = 1;
    aikv_db_t *db = NULL;
    aikv_session_t *s = NULL;
    aikv_reply_t *r = NULL;
    size_t count = 0;
    uint64_t n = 0;
    int is = 0;
    const char *a1 = "tags:article:1", *a2 = "tags:article:2";

    CHECK(aikv_open(":memory:", NULL, &db));

    /* SADD tags:article:1 c databases c embedded: members are (pointer,
     * length) pairs; lens NULL means they are NUL-terminated strings. A
     * member given twice is added once. */
    const char *tags1[] = {"c", "databases", "c", "embedded"};
    CHECK(aikv_sadd(db, a1, strlen(a1), (const void *const *)tags1, NULL, 4, &count));
    EXPECT(count == 3);

    const char *tags2[] = {"databases", "redis", "networking"};
    CHECK(aikv_sadd(db, a2, strlen(a2), (const void *const *)tags2, NULL, 3, &count));
    EXPECT(count == 3);

    /* SISMEMBER and SCARD. */
    CHECK(aikv_sismember(db, a1, strlen(a1), "embedded", 8, &is));
    EXPECT(is == 1);
    CHECK(aikv_sismember(db, a1, strlen(a1), "redis", 5, &is));
    EXPECT(is == 0);
    CHECK(aikv_scard(db, a1, strlen(a1), &n));
    EXPECT(n == 3);
    printf("SCARD %s -> %" PRIu64 "\n", a1, n);

    /* SMEMBERS: every member once, in no particular order. */
    CHECK(aikv_smembers(db, a1, strlen(a1), &r));
    EXPECT(r->type == AIKV_REPLY_ARRAY && r->elements == 3 && has_elem(r, "c") &&
           has_elem(r, "databases") && has_elem(r, "embedded"));
    aikv_reply_free(r);
    r = NULL;

    /* SREM: the count of members that were there. */
    const char *gone[] = {"embedded", "not-a-tag"};
    CHECK(aikv_srem(db, a1, strlen(a1), (const void *const *)gone, NULL, 2, &count));
    EXPECT(count == 1);

    /* The rest of the set commands through a session: SINTER is a set
     * reply (an array in RESP2). */
    s = aikv_session_new(db);
    EXPECT(s != NULL);
    r = aikv_command(s, "SINTER %s %s", a1, a2);
    EXPECT(r && r->type == AIKV_REPLY_ARRAY && r->elements == 1 && has_elem(r, "databases"));
    aikv_reply_free(r);
    r = aikv_command(s, "SUNIONSTORE all:tags %s %s", a1, a2);
    EXPECT(r && r->type == AIKV_REPLY_INTEGER && r->integer == 4);
    aikv_reply_free(r);
    r = NULL;
    CHECK(aikv_scard(db, "all:tags", 8, &n));
    EXPECT(n == 4);
    printf("SUNIONSTORE all:tags -> %" PRIu64 " distinct tags\n", n);

    /* A missing key is an empty set; a key of another type is an error. */
    CHECK(aikv_smembers(db, "nosuch", 6, &r));
    EXPECT(r->type == AIKV_REPLY_ARRAY && r->elements == 0);
    aikv_reply_free(r);
    r = NULL;
    r = aikv_command(s, "SET plain value");
    aikv_reply_free(r);
    r = NULL;
    EXPECT(aikv_scard(db, "plain", 5, &n) == AIKV_WRONGTYPE);

    /* The last member removed takes the key with it. */
    const char *rest[] = {"c", "databases"};
    CHECK(aikv_srem(db, a1, strlen(a1), (const void *const *)rest, NULL, 2, &count));
    EXPECT(count == 2);
    r = aikv_command(s, "EXISTS %s", a1);
    EXPECT(r && r->type == AIKV_REPLY_INTEGER && r->integer == 0);

    status = 0;
out:
    aikv_reply_free(r);
    aikv_session_free(s);
    aikv_close(db);
    return status;
}
