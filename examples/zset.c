/*
 * zset.c -- sorted sets with libaikv: a game leaderboard. Players score
 * points (ZADD with INCR), the board is read top down (ZRANGE with REV and
 * WITHSCORES), a player's position is asked for (ZREVRANK), and the players
 * within a score band are listed (ZRANGEBYSCORE).
 *
 * Build (installed library):
 *   cc zset.c -o zset $(pkg-config --cflags --libs aikv)
 *
 * Ranges come back as an aikv_reply_t array, freed as a whole with
 * aikv_reply_free(); with AIKV_ZRANGE_WITHSCORES every member is followed by
 * its score as a DOUBLE reply (dval, and the text Redis would print in str).
 * A missing key or member is not an error: ZSCORE says "not found", ZRANK
 * gives -1, ranges are empty.
 *
 * The program exits 0 when every step gave the expected result, 1 otherwise,
 * so the test suite can run it.
 */
#include <aikv.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                                 \
    do {                                                                            \
        int rc_ = (call);                                                           \
        if (rc_ != AIKV_OK) {                                                       \
            fprintf(stderr, "zset: %s failed: %s (%s)\n", #call, aikv_errstr(rc_), \
                    aikv_errmsg(db));                                               \
            goto out;                                                               \
        }                                                                           \
    } while (0)

#define EXPECT(cond)                                                                \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "zset: unexpected result: %s\n", #cond);                \
            goto out;                                                               \
        }                                                                           \
    } while (0)

/* 1 if element i of the array r is the string s. */
static int elem_is(const aikv_reply_t *r, size_t i, const char *s)
{
    return r && r->type == AIKV_REPLY_ARRAY && i < r->elements &&
           r->element[i]->type == AIKV_REPLY_STRING && r->element[i]->len == strlen(s) &&
           memcmp(r->element[i]->str, s, r->element[i]->len) == 0;
}

/* 1 if element i of r is the score d. */
static int score_is(const aikv_reply_t *r, size_t i, double d)
{
    return r && i < r->elements && r->element[i]->type == AIKV_REPLY_DOUBLE &&
           r->element[i]->dval == d;
}

static int score(aikv_db_t *db, const char *player, double points)
{
    return aikv_zadd(db, "board", 5, player, strlen(player), points, AIKV_ZADD_INCR, NULL, NULL);
}

int main(void)
{
    int status = 1;
    aikv_db_t *db = NULL;
    aikv_reply_t *r = NULL;
    int result = 0, found = 0, removed = 0;
    double s = 0;
    int64_t rank = 0;
    uint64_t n = 0;

    CHECK(aikv_open(":memory:", NULL, &db));

    /* A round of play: points accumulate per player. */
    CHECK(score(db, "ada", 120));
    CHECK(score(db, "bob", 80));
    CHECK(score(db, "cy", 95.5));
    CHECK(score(db, "bob", 30));
    CHECK(score(db, "dee", 80));
    CHECK(aikv_zcard(db, "board", 5, &n));
    EXPECT(n == 4);
    CHECK(aikv_zscore(db, "board", 5, "bob", 3, &s, &found));
    EXPECT(found && s == 110);

    /* A plain ZADD sets a score; NX refuses to touch an existing player. */
    CHECK(aikv_zadd(db, "board", 5, "eve", 3, 50, 0, &result, NULL));
    EXPECT(result == AIKV_ZADD_ADDED);
    CHECK(aikv_zadd(db, "board", 5, "eve", 3, 999, AIKV_ZADD_NX, &result, NULL));
    EXPECT(result == AIKV_ZADD_REFUSED);
    /* GT only ever raises a score: a personal best. */
    CHECK(aikv_zadd(db, "board", 5, "eve", 3, 40, AIKV_ZADD_GT, &result, NULL));
    EXPECT(result == AIKV_ZADD_REFUSED);
    CHECK(aikv_zadd(db, "board", 5, "eve", 3, 60, AIKV_ZADD_GT, &result, &s));
    EXPECT(result == AIKV_ZADD_UPDATED && s == 60);

    /* The top three, best first, with their scores. */
    CHECK(aikv_zrange(db, "board", 5, 0, 2, AIKV_ZRANGE_REV | AIKV_ZRANGE_WITHSCORES, &r));
    EXPECT(r->elements == 6);
    EXPECT(elem_is(r, 0, "ada") && score_is(r, 1, 120));
    EXPECT(elem_is(r, 2, "bob") && score_is(r, 3, 110));
    EXPECT(elem_is(r, 4, "cy") && score_is(r, 5, 95.5));
    EXPECT(strcmp(r->element[5]->str, "95.5") == 0);
    for (size_t i = 0; i < r->elements; i += 2)
        printf("%zu. %s (%s)\n", i / 2 + 1, r->element[i]->str, r->element[i + 1]->str);
    aikv_reply_free(r);
    r = NULL;

    /* Positions: 0 is the leader. Unknown players have none. */
    CHECK(aikv_zrank(db, "board", 5, "cy", 2, 1, &rank));
    EXPECT(rank == 2);
    CHECK(aikv_zrank(db, "board", 5, "cy", 2, 0, &rank));
    EXPECT(rank == 2); /* eve 60, dee 80, cy 95.5 from the bottom */
    CHECK(aikv_zrank(db, "board", 5, "zed", 3, 1, &rank));
    EXPECT(rank == -1);

    /* Everyone in [60, 100), lowest first; then the same band paged. */
    CHECK(aikv_zrangebyscore(db, "board", 5, 60, 100, AIKV_ZRANGE_MAXEX, 0, -1, &r));
    EXPECT(r->elements == 3 && elem_is(r, 0, "eve") && elem_is(r, 1, "dee") && elem_is(r, 2, "cy"));
    aikv_reply_free(r);
    r = NULL;
    CHECK(aikv_zrangebyscore(db, "board", 5, -INFINITY, INFINITY, AIKV_ZRANGE_REV, 1, 2, &r));
    EXPECT(r->elements == 2 && elem_is(r, 0, "bob") && elem_is(r, 1, "cy"));
    aikv_reply_free(r);
    r = NULL;

    /* A player leaves. */
    CHECK(aikv_zrem(db, "board", 5, "dee", 3, &removed));
    EXPECT(removed == 1);
    CHECK(aikv_zscore(db, "board", 5, "dee", 3, &s, &found));
    EXPECT(!found);

    /* INCR that would add -inf to +inf is refused, and nothing changes. */
    CHECK(aikv_zadd(db, "inf", 3, "x", 1, INFINITY, 0, NULL, NULL));
    EXPECT(aikv_zadd(db, "inf", 3, "x", 1, -INFINITY, AIKV_ZADD_INCR, NULL, NULL) == AIKV_NOTNUM);
    CHECK(aikv_zscore(db, "inf", 3, "x", 1, &s, &found));
    EXPECT(found && isinf(s) && s > 0);

    /* Other types are refused. */
    CHECK(aikv_set(db, "str", 3, "v", 1, NULL));
    EXPECT(aikv_zcard(db, "str", 3, &n) == AIKV_WRONGTYPE);

    status = 0;
out:
    aikv_reply_free(r);
    aikv_close(db);
    return status;
}
