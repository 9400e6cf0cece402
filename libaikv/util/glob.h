/* glob.h -- Redis-style glob matching (KEYS, SCAN MATCH, CONFIG GET...).
 *
 * Supports * ? [abc] [^abc] [a-z] and \x escapes, binary safe, with Redis's
 * stringmatchlen() semantics including its recursion limit (pathological
 * patterns fail to match instead of exhausting the stack). */
#ifndef AK_GLOB_H
#define AK_GLOB_H

#include <stddef.h>

/* 1 if the string matches the pattern. nocase: ASCII case-insensitive. */
int ak_glob_match(const char *pat, size_t plen, const char *s, size_t slen, int nocase);

#endif
