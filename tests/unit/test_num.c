/*
 * test_num.c -- number parsing and printing (util/num.h).
 *
 * The expected values are what Redis 7.0 accepts and prints (util.c), since
 * clients compare these strings byte for byte. Tables list one case a row.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A case's input: a C string, or explicit bytes when len is non-zero. */
typedef struct str_case {
    const char *s;
    size_t len;
} str_case;

static size_t case_len(const str_case *c)
{
    return c->len ? c->len : strlen(c->s);
}

/* ---------------------------------------------------------------- ak_str2ll */

Test(str2ll, accepts_canonical_integers)
{
    static const struct {
        const char *s;
        long long v;
    } cases[] = {
        {"0", 0},
        {"1", 1},
        {"-1", -1},
        {"10", 10},
        {"123456789", 123456789},
        {"-123456789", -123456789},
        {"9223372036854775807", LLONG_MAX},
        {"-9223372036854775808", LLONG_MIN},
        {"-9223372036854775807", -LLONG_MAX},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        long long v = 42;
        cr_expect(ak_str2ll(cases[i].s, strlen(cases[i].s), &v), "rejected %s", cases[i].s);
        cr_expect_eq(v, cases[i].v, "%s gave %lld", cases[i].s, v);
    }
}

Test(str2ll, rejects_non_canonical_or_out_of_range)
{
    static const str_case cases[] = {
        {"", 0},
        {"-", 0},
        {"+1", 0},
        {" 1", 0},
        {"1 ", 0},
        {"01", 0},
        {"00", 0},
        {"-0", 0},
        {"-01", 0},
        {"1a", 0},
        {"a", 0},
        {"1.0", 0},
        {"1e3", 0},
        {"0x10", 0},
        {"--1", 0},
        {"9223372036854775808", 0},
        {"-9223372036854775809", 0},
        {"18446744073709551615", 0},
        {"18446744073709551616", 0},
        {"99999999999999999999", 0},
        {"123456789012345678901", 0}, /* 21 chars */
        {"1\0", 2},                   /* binary: the NUL is part of the input */
        {"\0", 1},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        long long v = 42;
        cr_expect_not(ak_str2ll(cases[i].s, case_len(&cases[i]), &v), "accepted case %zu (%s)", i,
                      cases[i].s);
        cr_expect_eq(v, 42, "output touched on failure, case %zu", i);
    }
}

Test(str2ll, round_trips_with_ll2str)
{
    long long vals[200];
    size_t n = 0;
    long long p = 1;
    for (int e = 0; e < 19; e++) {
        if (e > 0)
            p *= 10; /* 10^e; never 10^19, which overflows */
        vals[n++] = p;
        vals[n++] = p - 1;
        vals[n++] = p + 1;
        vals[n++] = -p;
        vals[n++] = -p + 1;
    }
    vals[n++] = LLONG_MAX;
    vals[n++] = LLONG_MIN;
    vals[n++] = LLONG_MIN + 1;
    for (size_t i = 0; i < n; i++) {
        char buf[32], ref[32];
        size_t len = ak_ll2str(buf, sizeof(buf), vals[i]);
        snprintf(ref, sizeof(ref), "%lld", vals[i]);
        cr_expect_str_eq(buf, ref);
        cr_expect_eq(len, strlen(ref));
        long long back;
        cr_expect(ak_str2ll(buf, len, &back) && back == vals[i], "%s", buf);
    }
}

/* ---------------------------------------------------------------- ak_str2ull */

Test(str2ull, accepts_the_unsigned_range)
{
    static const struct {
        const char *s;
        unsigned long long v;
    } cases[] = {
        {"0", 0},
        {"7", 7},
        {"9223372036854775808", 9223372036854775808ULL},
        {"18446744073709551615", ULLONG_MAX},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        unsigned long long v = 42;
        cr_expect(ak_str2ull(cases[i].s, strlen(cases[i].s), &v), "rejected %s", cases[i].s);
        cr_expect_eq(v, cases[i].v, "%s", cases[i].s);
    }
}

Test(str2ull, rejects_signs_spaces_leading_zeros_and_overflow)
{
    static const str_case cases[] = {
        {"", 0},    {"-", 0},  {"-1", 0},  {"-0", 0},
        {"+1", 0},  {" 1", 0}, {"1 ", 0},  {"01", 0},
        {"18446744073709551616", 0},       {"99999999999999999999", 0},
        {"100000000000000000000", 0},      {"1\0", 2},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        unsigned long long v = 42;
        cr_expect_not(ak_str2ull(cases[i].s, case_len(&cases[i]), &v), "accepted %s", cases[i].s);
        cr_expect_eq(v, 42);
    }
}

/* ---------------------------------------------------------------- ak_ll2str, ak_digits10 */

Test(ll2str, prints_limits_and_reports_short_buffers)
{
    char buf[32];
    cr_assert_eq(ak_ll2str(buf, sizeof(buf), LLONG_MIN), 20);
    cr_assert_str_eq(buf, "-9223372036854775808");
    cr_assert_eq(ak_ll2str(buf, 21, LLONG_MIN), 20, "21 bytes is always enough");
    cr_assert_eq(ak_ull2str(buf, 21, ULLONG_MAX), 20);
    cr_assert_str_eq(buf, "18446744073709551615");
    cr_assert_eq(ak_ll2str(buf, sizeof(buf), 0), 1);
    cr_assert_str_eq(buf, "0");

    /* cap counts the NUL: "123" needs 4, "-123" needs 5. */
    cr_assert_eq(ak_ll2str(buf, 3, 123), 0);
    cr_assert_eq(ak_ll2str(buf, 4, 123), 3);
    cr_assert_str_eq(buf, "123");
    cr_assert_eq(ak_ll2str(buf, 4, -123), 0);
    cr_assert_eq(ak_ll2str(buf, 5, -123), 4);
    cr_assert_str_eq(buf, "-123");
    cr_assert_eq(ak_ll2str(buf, 1, 5), 0);
    cr_assert_eq(ak_ll2str(buf, 1, -5), 0);
    cr_assert_eq(ak_ull2str(buf, 0, 5), 0);
}

Test(ull2str, matches_printf_for_many_values)
{
    unsigned long long v = 1;
    for (int i = 0; i < 2000; i++) {
        char buf[32], ref[32];
        size_t len = ak_ull2str(buf, sizeof(buf), v);
        snprintf(ref, sizeof(ref), "%llu", v);
        cr_assert_str_eq(buf, ref);
        cr_assert_eq(len, strlen(ref));
        v = v * 6364136223846793005ULL + 1442695040888963407ULL;
        v >>= (unsigned)(i % 64);
    }
}

Test(digits10, counts_decimal_digits)
{
    static const struct {
        uint64_t v;
        int d;
    } cases[] = {
        {0, 1},
        {9, 1},
        {10, 2},
        {99, 2},
        {100, 3},
        {999999999, 9},
        {1000000000, 10},
        {9999999999999999999ULL, 19},
        {10000000000000000000ULL, 20},
        {UINT64_MAX, 20},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        cr_expect_eq(ak_digits10(cases[i].v), cases[i].d, "%llu", (unsigned long long)cases[i].v);
}

/* ---------------------------------------------------------------- ak_str2ld */

Test(str2ld, accepts_what_strtold_takes_whole)
{
    static const struct {
        const char *s;
        long double v;
    } cases[] = {
        {"1.5", 1.5L},       {"-1.5", -1.5L},   {"0", 0.0L},       {"10", 10.0L},
        {".5", 0.5L},        {"5.", 5.0L},      {"1e10", 1e10L},   {"5.0e3", 5000.0L},
        {"0x10", 16.0L},     {"+2", 2.0L},      {"007", 7.0L},     {"1e4000", 1e4000L},
        {"inf", HUGE_VALL},  {"-inf", -HUGE_VALL}, {"+inf", HUGE_VALL}, {"Infinity", HUGE_VALL},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        long double v = 42;
        cr_expect(ak_str2ld(cases[i].s, strlen(cases[i].s), &v), "rejected %s", cases[i].s);
        cr_expect(v == cases[i].v, "%s gave %Lg", cases[i].s, v);
    }
    long double v = 0;
    cr_expect(ak_str2ld("-0", 2, &v) && v == 0 && signbit(v), "-0 is a float");
}

Test(str2ld, rejects_spaces_garbage_nan_and_out_of_range)
{
    static const str_case cases[] = {
        {"", 0},         {" 1", 0},      {"\t1", 0},     {"1 ", 0},      {"1x", 0},
        {"x", 0},        {".", 0},       {"-", 0},       {"e5", 0},      {"nan", 0},
        {"-nan", 0},     {"NaN", 0},     {"1e5000", 0},  {"-1e5000", 0}, {"1e-5000", 0},
        {"1.5\0", 4},    {"1\0" "2", 3},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        long double v = 42;
        cr_expect_not(ak_str2ld(cases[i].s, case_len(&cases[i]), &v), "accepted case %zu (%s)", i,
                      cases[i].s);
        cr_expect(v == 42, "output touched on failure, case %zu", i);
    }
}

Test(str2ld, limits_input_to_5119_bytes)
{
    /* "1.000...0": valid at any length, so only the length decides. */
    static char buf[6000];
    buf[0] = '1';
    buf[1] = '.';
    memset(buf + 2, '0', sizeof(buf) - 2);
    long double v = 0;
    cr_assert(ak_str2ld(buf, 5119, &v) && v == 1.0L);
    cr_assert_not(ak_str2ld(buf, 5120, &v));
    cr_assert(ak_str2ld(buf, 200, &v) && v == 1.0L, "past the stack buffer");
}

/* ---------------------------------------------------------------- ak_str2d */

Test(str2d, accepts_whole_doubles_and_inf)
{
    static const struct {
        const char *s;
        double v;
    } cases[] = {
        {"1.5", 1.5},          {"-1.5", -1.5},        {"0", 0.0},
        {"1e308", 1e308},      {"4.9e-324", 4.9e-324}, /* denormal: ERANGE but not 0 */
        {"0x1p3", 8.0},        {"inf", HUGE_VAL},     {"-inf", -HUGE_VAL},
        {"+inf", HUGE_VAL},    {"3.0e3", 3000.0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        double v = 42;
        cr_expect(ak_str2d(cases[i].s, strlen(cases[i].s), &v), "rejected %s", cases[i].s);
        cr_expect(v == cases[i].v, "%s gave %g", cases[i].s, v);
    }
    /* Longer than any stack copy: still parsed whole. */
    char big[400];
    memset(big, '0', sizeof(big));
    big[0] = '2';
    big[1] = '.';
    double v = 0;
    cr_expect(ak_str2d(big, sizeof(big), &v) && v == 2.0);
}

Test(str2d, rejects_spaces_garbage_nan_and_overflow)
{
    static const str_case cases[] = {
        {"", 0},       {" 1", 0},   {"\n1", 0},     {"1 ", 0},       {"1.5x", 0},
        {"abc", 0},    {"nan", 0},  {"-nan", 0},    {"1e309", 0},    {"-1e309", 0},
        {"1e-400", 0}, {"1\0", 2},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        double v = 42;
        cr_expect_not(ak_str2d(cases[i].s, case_len(&cases[i]), &v), "accepted case %zu (%s)", i,
                      cases[i].s);
        cr_expect(v == 42);
    }
}

/* ---------------------------------------------------------------- ak_ld2str */

/* INCRBYFLOAT as Redis does it: parse both, add as long double, print. */
static const char *incrbyfloat(const char *cur, const char *incr, char *buf)
{
    long double a, b;
    cr_assert(ak_str2ld(cur, strlen(cur), &a) && ak_str2ld(incr, strlen(incr), &b));
    cr_assert_gt(ak_ld2str(buf, AK_LD_STR_CAP, a + b, 1), 0);
    return buf;
}

Test(ld2str, incrbyfloat_results_match_redis)
{
    /* From the INCRBYFLOAT documentation and Redis's test suite. */
    static const struct {
        const char *cur, *incr, *want;
    } cases[] = {
        {"10.50", "0.1", "10.6"},
        {"10.6", "-5", "5.6"},
        {"5.0e3", "2.0e2", "5200"},
        {"3.0e3", "200", "3200"},
        {"5.0e3", "0", "5000"},
        {"0", "10.5", "10.5"},
        {"10.5", "0.25", "10.75"},
        {"1.5", "1.5", "3"},
        {"17179869184", "1.5", "17179869185.5"},
        {"17179869184", "17179869184", "34359738368"},
        {"0.1", "0.2", "0.3"},
        {"1", "-1.1", "-0.1"},
        {"1", "-1", "0"},
        {"1e20", "0", "100000000000000000000"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[AK_LD_STR_CAP];
        cr_expect_str_eq(incrbyfloat(cases[i].cur, cases[i].incr, buf), cases[i].want,
                         "%s + %s", cases[i].cur, cases[i].incr);
    }
}

Test(ld2str, humanfriendly_trims_zeros_and_never_says_minus_zero)
{
    static const struct {
        long double v;
        const char *want;
    } cases[] = {
        {0.0L, "0"},           {-0.0L, "0"},        {-1e-20L, "0"}, /* rounds to -0.000... */
        {1e-17L, "0.00000000000000001"},            {1.5L, "1.5"},  {-1.5L, "-1.5"},
        {3.0L, "3"},           {-3.0L, "-3"},       {100.0L, "100"},
        {HUGE_VALL, "inf"},    {-HUGE_VALL, "-inf"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[AK_LD_STR_CAP];
        size_t len = ak_ld2str(buf, sizeof(buf), cases[i].v, 1);
        cr_expect_str_eq(buf, cases[i].want, "case %zu", i);
        cr_expect_eq(len, strlen(cases[i].want), "case %zu", i);
    }
}

Test(ld2str, auto_mode_is_percent_17Lg)
{
    static const struct {
        long double v;
        const char *want;
    } cases[] = {
        {1.5L, "1.5"},         {0.1L, "0.1"},       {1e20L, "1e+20"},
        {-2.0L, "-2"},         {0.0L, "0"},         {HUGE_VALL, "inf"},
        {-HUGE_VALL, "-inf"},  {123456789.125L, "123456789.125"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[64];
        size_t len = ak_ld2str(buf, sizeof(buf), cases[i].v, 0);
        cr_expect_str_eq(buf, cases[i].want, "case %zu", i);
        cr_expect_eq(len, strlen(cases[i].want));
    }
}

Test(ld2str, largest_values_fit_the_documented_cap)
{
    char buf[AK_LD_STR_CAP];
    size_t len = ak_ld2str(buf, sizeof(buf), LDBL_MAX, 1);
    cr_assert_gt(len, 4900, "all integer digits are printed");
    cr_assert_eq(len, strlen(buf));
    cr_assert(buf[0] == '1' && !strchr(buf, '.'));
    cr_assert_eq(ak_ld2str(buf, sizeof(buf), -LDBL_MAX, 1), len + 1);
}

Test(ld2str, reports_short_buffers)
{
    char buf[8];
    /* As in Redis, "%.17Lf" is printed before trimming, so it needs the
     * room: "1.25000000000000000" is 19 bytes plus the NUL. */
    cr_assert_eq(ak_ld2str(buf, 8, 1.25L, 1), 0);
    cr_assert_eq(ak_ld2str(buf, 8, 1.0L, 1), 0);
    char big[20];
    cr_assert_eq(ak_ld2str(big, 19, 1.25L, 1), 0);
    cr_assert_eq(ak_ld2str(big, 20, 1.25L, 1), 4);
    cr_assert_str_eq(big, "1.25");
    cr_assert_eq(ak_ld2str(buf, 4, -HUGE_VALL, 1), 0);
    cr_assert_eq(ak_ld2str(buf, 5, -HUGE_VALL, 1), 4);
    cr_assert_str_eq(buf, "-inf");
    cr_assert_eq(ak_ld2str(buf, 0, 1.0L, 0), 0);
}

/* ---------------------------------------------------------------- ak_d2str */

Test(d2str, prints_percent_17g_like_redis_7_0)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1 + 0.2, "0.30000000000000004"},
        {1.1, "1.1000000000000001"},
        {1.5, "1.5"},
        {3.0, "3"},
        {0.0, "0"},
        {-0.0, "-0"},
        {1e16, "10000000000000000"},
        {1e17, "1e+17"},
        {9007199254740992.0, "9007199254740992"},
        {-9007199254740993.0, "-9007199254740992"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {5e-324, "4.9406564584124654e-324"},
        {HUGE_VAL, "inf"},
        {-HUGE_VAL, "-inf"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[64];
        size_t len = ak_d2str(buf, sizeof(buf), cases[i].v);
        cr_expect_str_eq(buf, cases[i].want, "case %zu", i);
        cr_expect_eq(len, strlen(cases[i].want), "case %zu", i);
    }
}

Test(d2str, output_parses_back_to_the_same_double)
{
    double v = 1.0;
    for (int i = 0; i < 1000; i++) {
        char buf[32];
        size_t len = ak_d2str(buf, sizeof(buf), v);
        double back;
        cr_assert(len > 0 && ak_str2d(buf, len, &back), "%s", buf);
        cr_assert(back == v, "%s", buf);
        v = v * -1.37 + 1e-3 / (i + 1);
    }
}

Test(d2str, reports_short_buffers)
{
    char buf[32];
    cr_assert_eq(ak_d2str(buf, 3, 1.5), 0);
    cr_assert_eq(ak_d2str(buf, 4, 1.5), 3);
    cr_assert_str_eq(buf, "1.5");
    cr_assert_eq(ak_d2str(buf, 3, HUGE_VAL), 0);
    cr_assert_eq(ak_d2str(buf, 4, HUGE_VAL), 3);
    cr_assert_str_eq(buf, "inf");
    cr_assert_eq(ak_d2str(buf, 0, 1.0), 0);
    cr_assert_eq(ak_d2str(buf, 24, -DBL_MAX), 0, "needs 25 bytes");
    cr_assert_eq(ak_d2str(buf, 25, -DBL_MAX), 24);
}
