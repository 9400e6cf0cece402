/*
 * list.c -- lists with libaikv: a small job queue. Producers push jobs at
 * the tail (RPUSH), a worker takes them from the head (LPOP), and the
 * queue can be inspected without changing it (LLEN, LRANGE, LINDEX).
 *
 * Build (installed library):
 *   cc list.c -o list $(pkg-config --cflags --libs aikv)
 *
 * Lists of elements come back as an aikv_reply_t array of strings, freed as
 * a whole with aikv_reply_free(). A missing key is not an error: LLEN says
 * 0, LRANGE gives an empty array, LINDEX and LPOP give NULL.
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
            fprintf(stderr, "list: %s failed: %s (%s)\n", #call, aikv_errstr(rc_), \
                    aikv_errmsg(db));                                               \
            goto out;                                                               \
        }                                                                           \
    } while (0)

#define EXPECT(cond)                                                                \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "list: unexpected result: %s\n", #cond);                \
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

int main(void)
{
    int status = 1;
    aikv_db_t *db = NULL;
    aikv_reply_t *r = NULL;
    char *val = NULL;
    size_t vlen = 0, len = 0;
    uint64_t n = 0;
    const char *q = "jobs";
    size_t qlen = strlen(q);

    CHECK(aikv_open(":memory:", NULL, &db));

    /* RPUSH jobs resize-1 resize-2 email-7: values are (pointer, length)
     * pairs; vlens NULL means they are NUL-terminated strings. */
    const char *batch[] = {"resize-1", "resize-2", "email-7"};
    CHECK(aikv_rpush(db, q, qlen, (const void *const *)batch, NULL, 3, &len));
    EXPECT(len == 3);

    /* LPUSH puts an urgent job in front of the others. Binary values need
     * their lengths. */
    const char *urgent[] = {"urgent\0job"};
    size_t ulen[] = {10};
    CHECK(aikv_lpush(db, q, qlen, (const void *const *)urgent, ulen, 1, &len));
    EXPECT(len == 4);

    /* LRANGE jobs 0 -1: the whole queue, head first. */
    CHECK(aikv_lrange(db, q, qlen, 0, -1, &r));
    EXPECT(r->elements == 4 && r->element[0]->len == 10 && elem_is(r, 1, "resize-1") &&
           elem_is(r, 3, "email-7"));
    printf("LRANGE jobs 0 -1 -> %zu jobs, the first %zu bytes long\n", r->elements,
           r->element[0]->len);
    aikv_reply_free(r);
    r = NULL;

    /* LINDEX jobs -1: the last job, without removing it. */
    CHECK(aikv_lindex(db, q, qlen, -1, &val, &vlen));
    EXPECT(val && strcmp(val, "email-7") == 0);
    printf("LINDEX jobs -1 -> %s\n", val);
    aikv_free(val);
    val = NULL;

    /* An index outside the list is not an error: val is NULL. */
    CHECK(aikv_lindex(db, q, qlen, 10, &val, &vlen));
    EXPECT(val == NULL);

    /* LPOP jobs 2: the worker takes two jobs from the head. */
    CHECK(aikv_lpop(db, q, qlen, 2, &r));
    EXPECT(r && r->elements == 2 && r->element[0]->len == 10 && elem_is(r, 1, "resize-1"));
    aikv_reply_free(r);
    r = NULL;

    /* RPOP jobs 5: asks for more than there is and gets what is left, tail
     * first. The list is deleted with its last element. */
    CHECK(aikv_rpop(db, q, qlen, 5, &r));
    EXPECT(elem_is(r, 0, "email-7") && elem_is(r, 1, "resize-2") && r->elements == 2);
    aikv_reply_free(r);
    r = NULL;
    CHECK(aikv_llen(db, q, qlen, &n));
    EXPECT(n == 0);
    printf("LLEN jobs -> %" PRIu64 " (the queue is empty and gone)\n", n);

    /* Popping a missing key gives NULL, not an empty array. */
    CHECK(aikv_lpop(db, q, qlen, 1, &r));
    EXPECT(r == NULL);

    /* A list operation on a string is AIKV_WRONGTYPE, and changes nothing. */
    CHECK(aikv_set(db, "name", 4, "aikv", 4, NULL));
    EXPECT(aikv_rpush(db, "name", 4, (const void *const *)batch, NULL, 1, &len) == AIKV_WRONGTYPE);
    printf("RPUSH name ... -> error as expected: %s\n", aikv_errstr(AIKV_WRONGTYPE));

    status = 0;
    printf("list: ok\n");
out:
    aikv_reply_free(r);
    aikv_free(val);
    aikv_close(db);
    return status;
}
