/*
 * num.h -- number parsing and printing with Redis's exact rules.
 *
 * Parsers are strict and binary safe: the whole (s, len) must be the
 * number; no leading/trailing spaces, no '+' for integers. They return 1 on
 * success, 0 otherwise (and then leave *out untouched).
 */
#ifndef AK_NUM_H
#define AK_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Redis string2ll(): optional '-', digits, no leading zeros ("0" is fine,
 * "01" and "-0" are not), within long long range; len 1..20. */
int ak_str2ll(const char *s, size_t len, long long *out);
/* Same for unsigned values ("-" rejected). */
int ak_str2ull(const char *s, size_t len, unsigned long long *out);
/* Redis string2ld(): strtold over the whole string, no spaces, len <= 5120
 * (MAX_LONG_DOUBLE_CHARS), NaN rejected; "inf"/"-inf" accepted. */
int ak_str2ld(const char *s, size_t len, long double *out);
/* Redis string2d() / getDoubleFromObject: strtod over the whole string,
 * no leading space, NaN rejected, "inf" accepted. */
int ak_str2d(const char *s, size_t len, double *out);

/* Integer to text; returns the length written (buf gets a NUL too).
 * cap >= 21 is always enough. */
size_t ak_ll2str(char *buf, size_t cap, long long v);
size_t ak_ull2str(char *buf, size_t cap, unsigned long long v);
/* Number of decimal digits of v (1..20). */
int ak_digits10(uint64_t v);

/* long double to text as Redis ld2string(): humanfriendly = 1 is
 * "%.17Lf" with trailing zeros (and a trailing '.') removed, used by
 * INCRBYFLOAT; humanfriendly = 0 is "%.17Lg". inf -> "inf" / "-inf".
 * Returns the length, or 0 if it does not fit in cap (use cap >= 5*1024). */
#define AK_LD_STR_CAP 5200
size_t ak_ld2str(char *buf, size_t cap, long double v, int humanfriendly);
/* double as Redis 7.0 replies with it: "%.17g", "inf", "-inf". cap >= 32. */
size_t ak_d2str(char *buf, size_t cap, double v);

#endif
