/*
 * glob.c -- Redis-style glob matching (see glob.h).
 *
 * A port of Redis 7.0's stringmatchlen(), so that KEYS, SCAN MATCH,
 * PSUBSCRIBE and CONFIG GET select exactly what Redis selects, quirks
 * included:
 *   - "*" does not match the empty string here (Redis's callers special-case
 *     a lone "*" as "everything" before matching, and so must ours).
 *   - "[" with no closing "]" still works as a class over the rest of the
 *     pattern; "\" at the very end of a pattern is a literal backslash.
 *   - Ranges may be reversed: [z-a] is [a-z]. Inside a class "\x" means a
 *     literal x compared case-sensitively even with nocase, as in Redis.
 *
 * Bounded work. A '*' recurses once per starting point of the rest of the
 * pattern. Two guards keep that polynomial and the stack small:
 *   - skip_longer: once the rest of the pattern after a '*' failed to match
 *     at every later position of the string, no earlier '*' can do better
 *     by swallowing more, so everything unwinds with "no match".
 *   - Nesting deeper than GLOB_MAX_NESTING (Redis: 1000) is "no match".
 *
 * Differences from Redis, for inputs Redis cannot produce or that are UB
 * there: every read is bounds checked (Redis peeks at the NUL after its sds
 * buffers; here a byte past the end reads as "no byte"), and bytes compare
 * as unsigned, so [a-\xff] covers 'a'..0xff instead of depending on the
 * signedness of char. nocase folds ASCII letters only (Redis's tolower() in
 * the C locale does the same).
 */
#include "glob.h"

#define GLOB_MAX_NESTING 1000

static inline int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int match_impl(const unsigned char *p, size_t plen, const unsigned char *s, size_t slen,
                      int nocase, int *skip_longer, int nesting)
{
    if (nesting > GLOB_MAX_NESTING)
        return 0;

    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen >= 2 && p[1] == '*') {
                p++;
                plen--;
            }
            if (plen == 1)
                return 1; /* a trailing '*' takes the rest */
            while (slen) {
                if (match_impl(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1))
                    return 1;
                if (*skip_longer)
                    return 0;
                s++;
                slen--;
            }
            /* The rest of the pattern matches nowhere in what is left of
             * the string; an earlier '*' swallowing more cannot help. */
            *skip_longer = 1;
            return 0;

        case '?':
            break;

        case '[': {
            int negate, match = 0;
            int c = s[0];
            p++;
            plen--;
            negate = plen && p[0] == '^';
            if (negate) {
                p++;
                plen--;
            }
            for (;;) {
                if (plen == 0) {
                    /* Unterminated class: step back so the common advance
                     * below lands exactly at the end. */
                    p--;
                    plen++;
                    break;
                } else if (p[0] == '\\' && plen >= 2) {
                    p++;
                    plen--;
                    if (p[0] == c)
                        match = 1;
                } else if (p[0] == ']') {
                    break;
                } else if (plen >= 3 && p[1] == '-') {
                    int start = p[0], end = p[2], x = c;
                    if (start > end) {
                        int t = start;
                        start = end;
                        end = t;
                    }
                    if (nocase) {
                        start = lower(start);
                        end = lower(end);
                        x = lower(x);
                    }
                    p += 2;
                    plen -= 2;
                    if (x >= start && x <= end)
                        match = 1;
                } else if (nocase ? lower(p[0]) == lower(c) : p[0] == c) {
                    match = 1;
                }
                p++;
                plen--;
            }
            if (negate)
                match = !match;
            if (!match)
                return 0;
            break;
        }

        case '\\':
            if (plen >= 2) {
                p++;
                plen--;
            }
            /* fall through */
        default:
            if (nocase ? lower(p[0]) != lower(s[0]) : p[0] != s[0])
                return 0;
            break;
        }
        /* One pattern item consumed one string byte. */
        s++;
        slen--;
        p++;
        plen--;
        if (slen == 0) {
            while (plen && p[0] == '*') {
                p++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

int ak_glob_match(const char *pat, size_t plen, const char *s, size_t slen, int nocase)
{
    int skip_longer = 0;
    return match_impl((const unsigned char *)pat, plen, (const unsigned char *)s, slen, nocase,
                      &skip_longer, 0);
}
