/*
 * sha1.h -- SHA-1 (FIPS 180-4), for script names: a script is cached under
 * the SHA-1 of its body, as Redis names it, and redis.sha1hex() exposes the
 * same function to scripts. Not for security.
 */
#ifndef AK_SHA1_H
#define AK_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct ak_sha1 {
    uint32_t h[5];
    uint64_t bytes;          /* message length so far */
    unsigned char block[64]; /* the partial block */
    size_t fill;
} ak_sha1;

void ak_sha1_init(ak_sha1 *s);
void ak_sha1_update(ak_sha1 *s, const void *p, size_t n);
void ak_sha1_final(ak_sha1 *s, unsigned char digest[20]);

/* The lower-case hex digest of p[0..n) into out (40 characters and a NUL).
 * p may be NULL when n is 0. */
void ak_sha1_hex(char out[41], const void *p, size_t n);

#endif
