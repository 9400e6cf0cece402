/*
 * test_glob.c -- Redis-style glob matching (util/glob.h).
 *
 * Tables of (pattern, string, nocase, expected) rows, the pathological
 * patterns Redis's own suite uses, and a differential check against a
 * plain dynamic-programming matcher on random short inputs.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/glob.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct glob_case {
    const char *pat, *str;
    int nocase, want;
} glob_case;

static void run_cases(const glob_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const glob_case *c = &cases[i];
        int got = ak_glob_match(c->pat, strlen(c->pat), c->str, strlen(c->str), c->nocase);
        cr_expect_eq(got, c->want, "pattern \"%s\" vs \"%s\" (nocase %d): got %d", c->pat, c->str,
                     c->nocase, got);
    }
}

Test(glob, keys_documentation_examples)
{
    static const glob_case cases[] = {
        {"h?llo", "hello", 0, 1},   {"h?llo", "hallo", 0, 1},   {"h?llo", "hxllo", 0, 1},
        {"h?llo", "hllo", 0, 0},    {"h?llo", "heello", 0, 0},  {"h*llo", "hllo", 0, 1},
        {"h*llo", "heeeello", 0, 1}, {"h*llo", "hellox", 0, 0}, {"h[ae]llo", "hello", 0, 1},
        {"h[ae]llo", "hallo", 0, 1}, {"h[ae]llo", "hillo", 0, 0}, {"h[^e]llo", "hallo", 0, 1},
        {"h[^e]llo", "hbllo", 0, 1}, {"h[^e]llo", "hello", 0, 0}, {"h[a-b]llo", "hallo", 0, 1},
        {"h[a-b]llo", "hbllo", 0, 1}, {"h[a-b]llo", "hcllo", 0, 0},
    };
    run_cases(cases, N_ELEMS(cases));
}

Test(glob, stars_and_question_marks)
{
    static const glob_case cases[] = {
        {"*", "abc", 0, 1},
        {"*", "", 0, 0}, /* Redis: only the callers' "*" shortcut matches "" */
        {"**", "", 0, 0},
        {"", "", 0, 1},
        {"", "a", 0, 0},
        {"a", "", 0, 0},
        {"?", "", 0, 0},
        {"??", "a", 0, 0},
        {"a*", "a", 0, 1},
        {"a**", "a", 0, 1},
        {"a*?", "a", 0, 0},
        {"*a", "a", 0, 1},
        {"*a", "ba", 0, 1},
        {"*a", "ab", 0, 0},
        {"a*b*c", "axxbyyc", 0, 1},
        {"a*b*c", "axxbyy", 0, 0},
        {"a*b*c", "abcabc", 0, 1},
        {"*.txt", "notes.txt", 0, 1},
        {"*.txt", "notes.txt.bak", 0, 0},
        {"user:*:name", "user:1000:name", 0, 1},
        {"user:*:name", "user:1000:email", 0, 0},
        {"*?*", "x", 0, 1},
        {"a?c", "abc", 0, 1},
    };
    run_cases(cases, N_ELEMS(cases));
}

Test(glob, classes_ranges_and_negation)
{
    static const glob_case cases[] = {
        {"[abc]", "b", 0, 1},
        {"[abc]", "d", 0, 0},
        {"[^abc]", "d", 0, 1},
        {"[^abc]", "a", 0, 0},
        {"[a-c]x", "bx", 0, 1},
        {"[z-a]", "m", 0, 1}, /* reversed range */
        {"[z-a]", "A", 0, 0},
        {"[0-9][0-9]", "42", 0, 1},
        {"[0-9][0-9]", "4x", 0, 0},
        {"[a-]", "a", 0, 1},
        {"[a-]", "_", 0, 1}, /* Redis: the ']' ends the range a-], */
        {"[a-]", "-", 0, 0}, /* so this class is unterminated */
        {"[]", "]", 0, 0}, /* "]" right after "[" closes an empty class */
        {"[^]", "x", 0, 1},
        {"[ab", "a", 0, 1}, /* unterminated: the class runs to the end */
        {"[ab", "c", 0, 0},
        {"x[ab", "xa", 0, 1},
        {"[", "a", 0, 0},
        {"[^", "a", 0, 1},
        {"ab[", "ab", 0, 0},
        {"[a-c-e]", "d", 0, 0}, /* a-c, then '-' and 'e' */
        {"[a-c-e]", "-", 0, 1},
        {"[a-c-e]", "e", 0, 1},
    };
    run_cases(cases, N_ELEMS(cases));
}

Test(glob, backslash_escapes)
{
    static const glob_case cases[] = {
        {"h\\*llo", "h*llo", 0, 1},
        {"h\\*llo", "hello", 0, 0},
        {"\\?", "?", 0, 1},
        {"\\?", "a", 0, 0},
        {"\\[a]", "[a]", 0, 1},
        {"\\[a]", "a", 0, 0},
        {"\\\\", "\\", 0, 1},
        {"a\\", "a\\", 0, 1}, /* trailing backslash is literal */
        {"\\a", "a", 0, 1},
        {"[\\]]", "]", 0, 1},
        {"[\\]]", "\\", 0, 0},
        {"[\\-]", "-", 0, 1},
        {"[a\\-z]", "m", 0, 0}, /* escaped '-' is not a range */
        {"[a\\-z]", "z", 0, 1},
        {"[\\^a]", "^", 0, 1},
        {"*\\*", "abc*", 0, 1},
        {"*\\*", "abc", 0, 0},
    };
    run_cases(cases, N_ELEMS(cases));
}

Test(glob, nocase_folds_ascii)
{
    static const glob_case cases[] = {
        {"HELLO", "hello", 1, 1},
        {"HELLO", "hello", 0, 0},
        {"h?LLo", "HeLlO", 1, 1},
        {"H*O", "hello", 1, 1},
        {"[A-C]", "b", 1, 1},
        {"[a-c]", "B", 1, 1},
        {"[a-c]", "B", 0, 0},
        {"[^A]", "a", 1, 0},
        {"[XY]", "y", 1, 1},
        {"[\\A]", "a", 1, 0}, /* Redis: an escaped class member is exact */
        {"\\A", "a", 1, 1},
        {"\\[", "{", 1, 0},
        {"@", "`", 1, 0},
        {"\xc4", "\xe4", 1, 0}, /* not ASCII: not folded */
    };
    run_cases(cases, N_ELEMS(cases));
}

Test(glob, binary_safe)
{
    static const struct {
        const char *pat;
        size_t plen;
        const char *str;
        size_t slen;
        int want;
    } cases[] = {
        {"a\0*", 3, "a\0bc", 4, 1},
        {"a\0*", 3, "a\1bc", 4, 0},
        {"a?c", 3, "a\0c", 3, 1},
        {"a\0c", 3, "a\0c", 3, 1},
        {"a\0c", 3, "a", 1, 0},
        {"*", 1, "\0", 1, 1},
        {"[\0-\2]", 5, "\1", 1, 1},
        {"[\x80-\xff]", 5, "\xe9", 1, 1}, /* bytes compare unsigned */
        {"[\x80-\xff]", 5, "a", 1, 0},
        {"[^\x80-\xff]", 6, "a", 1, 1},
        {"abc", 2, "ab", 2, 1}, /* only plen bytes of the pattern count */
        {"abc", 3, "abd", 2, 0},
        {NULL, 0, NULL, 0, 1}, /* empty may come as (NULL, 0) */
        {NULL, 0, "a", 1, 0},
        {"*", 1, NULL, 0, 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        cr_expect_eq(ak_glob_match(cases[i].pat, cases[i].plen, cases[i].str, cases[i].slen, 0),
                     cases[i].want, "case %zu", i);
}

Test(glob, pathological_patterns_finish_quickly, .timeout = 10)
{
    /* Redis's regression tests: exponential without the skip rule, and a
     * stack overflow without the nesting limit. */
    char s[100];
    memset(s, 'a', sizeof(s));
    const char *p = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    cr_assert_not(ak_glob_match(p, strlen(p), s, sizeof(s), 0));
    cr_assert_not(ak_glob_match(p, strlen(p), s, sizeof(s), 1));

    size_t n = 50000;
    char *str = malloc(n), *pat = malloc(2 * n);
    cr_assert(str && pat);
    memset(str, 'a', n);
    for (size_t i = 0; i < n; i++) {
        pat[2 * i] = '*';
        pat[2 * i + 1] = '?';
    }
    cr_assert_not(ak_glob_match(pat, 2 * n, str, n, 0), "deeper than 1000 '*': no match");
    free(str);
    free(pat);
}

Test(glob, nesting_limit_is_1000_stars)
{
    /* "*a" repeated k times matches k a's: up to the nesting limit. */
    size_t k_ok = 1000, k_deep = 1001;
    char *pat = malloc(2 * k_deep), *str = malloc(k_deep);
    cr_assert(pat && str);
    for (size_t i = 0; i < k_deep; i++) {
        pat[2 * i] = '*';
        pat[2 * i + 1] = 'a';
    }
    memset(str, 'a', k_deep);
    cr_assert(ak_glob_match(pat, 2 * k_ok, str, k_ok, 0));
    cr_assert_not(ak_glob_match(pat, 2 * k_deep, str, k_deep, 0));
    free(pat);
    free(str);
}

/* ---------------------------------------------------------------- differential */

/* Textbook matcher for the alphabet used below (no classes, no escapes). */
static int ref_match(const char *p, size_t pl, const char *s, size_t sl)
{
    /* dp[j]: does p[0..i) match s[0..j)? */
    unsigned char dp[16], prev[16];
    memset(prev, 0, sizeof(prev));
    prev[0] = 1;
    for (size_t i = 1; i <= pl; i++) {
        memset(dp, 0, sizeof(dp));
        for (size_t j = 0; j <= sl; j++) {
            if (p[i - 1] == '*')
                dp[j] = prev[j] || (j > 0 && dp[j - 1]);
            else if (j > 0)
                dp[j] = prev[j - 1] && (p[i - 1] == '?' || p[i - 1] == s[j - 1]);
        }
        memcpy(prev, dp, sizeof(prev));
    }
    return prev[sl];
}

Test(glob, agrees_with_reference_matcher_on_random_inputs)
{
    static const char palpha[] = "ab?*";
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (int iter = 0; iter < 100000; iter++) {
        char p[10], s[12];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t pl = x % 9, sl = 1 + (x >> 8) % 11; /* Redis: "" only matches "" */
        uint64_t r = x >> 16;
        for (size_t i = 0; i < pl; i++, r >>= 2)
            p[i] = palpha[r & 3];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        r = x;
        for (size_t i = 0; i < sl; i++, r >>= 1)
            s[i] = "ab"[r & 1];
        cr_assert_eq(ak_glob_match(p, pl, s, sl, 0), ref_match(p, pl, s, sl),
                     "pattern \"%.*s\" vs \"%.*s\"", (int)pl, p, (int)sl, s);
    }
}
