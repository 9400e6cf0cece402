/*
 * test_api_list.c -- the typed list functions of aikv.h (aikv_lpush ...
 * aikv_lindex): results, ownership of the returned arrays, missing keys,
 * WRONGTYPE, misuse, and agreement with the LPUSH/LRANGE commands.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../aikv.h"

static aikv_db_t *db;

static void setup(void)
{
    cr_assert_eq(aikv_open(NULL, NULL, &db), AIKV_OK);
}

static void teardown(void)
{
    aikv_close(db);
}

TestSuite(api_list, .init = setup, .fini = teardown);

static const void *const abc[] = {"a", "b", "c"};

static void assert_strings(const aikv_reply_t *r, const char *const *want, size_t n)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(r->element[i]->type, AIKV_REPLY_STRING);
        cr_assert_eq(r->element[i]->len, strlen(want[i]), "element %zu", i);
        cr_assert(memcmp(r->element[i]->str, want[i], r->element[i]->len) == 0, "element %zu", i);
    }
}

Test(api_list, rpush_appends_and_lpush_prepends_in_turn)
{
    size_t len = 0;
    cr_assert_eq(aikv_rpush(db, "l", 1, abc, NULL, 3, &len), AIKV_OK);
    cr_assert_eq(len, 3);
    cr_assert_eq(aikv_lpush(db, "l", 1, abc, NULL, 2, &len), AIKV_OK);
    cr_assert_eq(len, 5);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_lrange(db, "l", 1, 0, -1, &r), AIKV_OK);
    const char *want[] = {"b", "a", "a", "b", "c"};
    assert_strings(r, want, 5);
    aikv_reply_free(r);
}

Test(api_list, values_are_binary_safe_with_lengths)
{
    const void *vals[] = {"a\0b", ""};
    size_t lens[] = {3, 0};
    cr_assert_eq(aikv_rpush(db, "l", 1, vals, lens, 2, NULL), AIKV_OK);
    char *v = NULL;
    size_t vlen = 9;
    cr_assert_eq(aikv_lindex(db, "l", 1, 0, &v, &vlen), AIKV_OK);
    cr_assert(vlen == 3 && memcmp(v, "a\0b", 3) == 0 && v[3] == '\0');
    aikv_free(v);
    cr_assert_eq(aikv_lindex(db, "l", 1, -1, &v, &vlen), AIKV_OK);
    cr_assert(v != NULL && vlen == 0);
    aikv_free(v);
}

Test(api_list, pop_returns_up_to_count_in_pop_order_and_deletes_the_key)
{
    aikv_rpush(db, "l", 1, abc, NULL, 3, NULL);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_rpop(db, "l", 1, 2, &r), AIKV_OK);
    const char *want[] = {"c", "b"};
    assert_strings(r, want, 2);
    aikv_reply_free(r);
    cr_assert_eq(aikv_lpop(db, "l", 1, 10, &r), AIKV_OK);
    assert_strings(r, (const char *[]){"a"}, 1);
    aikv_reply_free(r);
    int exists = 1;
    cr_assert_eq(aikv_exists(db, "l", 1, &exists), AIKV_OK);
    cr_assert_eq(exists, 0);
}

Test(api_list, pop_of_a_missing_key_is_null_and_count_zero_an_empty_array)
{
    aikv_reply_t *r = (aikv_reply_t *)1;
    cr_assert_eq(aikv_lpop(db, "nosuch", 6, 1, &r), AIKV_OK);
    cr_assert_null(r);
    cr_assert_eq(aikv_rpop(db, "nosuch", 6, 0, &r), AIKV_OK);
    cr_assert_null(r);
    aikv_rpush(db, "l", 1, abc, NULL, 1, NULL);
    cr_assert_eq(aikv_lpop(db, "l", 1, 0, &r), AIKV_OK);
    cr_assert_not_null(r);
    cr_assert_eq(r->type, AIKV_REPLY_ARRAY);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    uint64_t n = 0;
    cr_assert_eq(aikv_llen(db, "l", 1, &n), AIKV_OK);
    cr_assert_eq(n, 1);
}

Test(api_list, reads_of_missing_keys_and_outside_indexes)
{
    uint64_t n = 7;
    cr_assert_eq(aikv_llen(db, "nosuch", 6, &n), AIKV_OK);
    cr_assert_eq(n, 0);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_lrange(db, "nosuch", 6, 0, -1, &r), AIKV_OK);
    cr_assert(r && r->type == AIKV_REPLY_ARRAY && r->elements == 0);
    aikv_reply_free(r);
    aikv_rpush(db, "l", 1, abc, NULL, 3, NULL);
    cr_assert_eq(aikv_lrange(db, "l", 1, 5, 10, &r), AIKV_OK);
    cr_assert_eq(r->elements, 0);
    aikv_reply_free(r);
    cr_assert_eq(aikv_lrange(db, "l", 1, -2, INT64_MAX, &r), AIKV_OK);
    assert_strings(r, (const char *[]){"b", "c"}, 2);
    aikv_reply_free(r);
    char *v = (char *)1;
    cr_assert_eq(aikv_lindex(db, "l", 1, 3, &v, NULL), AIKV_OK);
    cr_assert_null(v);
    cr_assert_eq(aikv_lindex(db, "l", 1, INT64_MIN, &v, NULL), AIKV_OK);
    cr_assert_null(v);
    cr_assert_eq(aikv_lindex(db, "nosuch", 6, 0, &v, NULL), AIKV_OK);
    cr_assert_null(v);
}

Test(api_list, every_function_is_wrongtype_on_a_string)
{
    aikv_set(db, "s", 1, "v", 1, NULL);
    aikv_reply_t *r = NULL;
    char *v = NULL;
    uint64_t n;
    cr_assert_eq(aikv_lpush(db, "s", 1, abc, NULL, 1, NULL), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_rpush(db, "s", 1, abc, NULL, 1, NULL), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_lpop(db, "s", 1, 1, &r), AIKV_WRONGTYPE);
    cr_assert_null(r);
    cr_assert_eq(aikv_rpop(db, "s", 1, 0, &r), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_llen(db, "s", 1, &n), AIKV_WRONGTYPE);
    cr_assert_eq(aikv_lrange(db, "s", 1, 0, -1, &r), AIKV_WRONGTYPE);
    cr_assert_null(r);
    cr_assert_eq(aikv_lindex(db, "s", 1, 0, &v, NULL), AIKV_WRONGTYPE);
    cr_assert_null(v);
    cr_assert(strstr(aikv_errmsg(db), "WRONGTYPE") != NULL);
    char *g = NULL;
    cr_assert_eq(aikv_get(db, "s", 1, &g, NULL), AIKV_OK);
    cr_assert_str_eq(g, "v");
    aikv_free(g);
}

Test(api_list, misuse_is_reported)
{
    aikv_reply_t *r;
    cr_assert_eq(aikv_lpush(NULL, "l", 1, abc, NULL, 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_lpush(db, "l", 1, abc, NULL, 0, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_rpush(db, "l", 1, NULL, NULL, 1, NULL), AIKV_MISUSE);
    const void *nul[] = {NULL};
    size_t one = 1;
    cr_assert_eq(aikv_rpush(db, "l", 1, nul, &one, 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_lpop(db, "l", 1, 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_lrange(db, "l", 1, 0, 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_lindex(db, "l", 1, 0, NULL, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_llen(db, "l", 1, NULL), AIKV_MISUSE);
    cr_assert_eq(aikv_lpop(db, NULL, 1, 1, &r), AIKV_MISUSE);
    int exists = 1;
    aikv_exists(db, "l", 1, &exists);
    cr_assert_eq(exists, 0);
}

Test(api_list, typed_calls_and_commands_see_the_same_list)
{
    aikv_session_t *s = aikv_session_new(db);
    cr_assert_not_null(s);
    aikv_reply_t *r = aikv_command(s, "RPUSH l x y z");
    cr_assert(r && r->type == AIKV_REPLY_INTEGER && r->integer == 3);
    aikv_reply_free(r);
    size_t len;
    cr_assert_eq(aikv_lpush(db, "l", 1, abc, NULL, 1, &len), AIKV_OK);
    cr_assert_eq(len, 4);
    r = aikv_command(s, "LRANGE l 0 -1");
    assert_strings(r, (const char *[]){"a", "x", "y", "z"}, 4);
    aikv_reply_free(r);
    r = aikv_command(s, "OBJECT ENCODING l");
    cr_assert(r && r->type == AIKV_REPLY_STRING && strcmp(r->str, "quicklist") == 0);
    aikv_reply_free(r);
    aikv_session_free(s);
}

Test(api_list, a_large_list_round_trips)
{
    char buf[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(buf, sizeof buf, "item-%d", i);
        const void *v[] = {buf};
        size_t l = (size_t)n;
        cr_assert_eq(aikv_rpush(db, "big", 3, v, &l, 1, NULL), AIKV_OK);
    }
    uint64_t n = 0;
    aikv_llen(db, "big", 3, &n);
    cr_assert_eq(n, 20000);
    char *v = NULL;
    cr_assert_eq(aikv_lindex(db, "big", 3, 12345, &v, NULL), AIKV_OK);
    cr_assert_str_eq(v, "item-12345");
    aikv_free(v);
    aikv_reply_t *r = NULL;
    cr_assert_eq(aikv_lpop(db, "big", 3, 19999, &r), AIKV_OK);
    cr_assert_eq(r->elements, 19999);
    cr_assert_str_eq(r->element[19998]->str, "item-19998");
    aikv_reply_free(r);
    cr_assert_eq(aikv_lrange(db, "big", 3, 0, -1, &r), AIKV_OK);
    assert_strings(r, (const char *[]){"item-19999"}, 1);
    aikv_reply_free(r);
}
