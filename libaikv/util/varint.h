/* varint.h -- LEB128 variable-length unsigned integers (7 bits a byte, high
 * bit = more follows), for length prefixes in compact encodings. */
#ifndef AK_VARINT_H
#define AK_VARINT_H

#include <stddef.h>

static inline size_t ak_varint_size(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline size_t ak_varint_put(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static inline size_t ak_varint_get(const unsigned char *p, size_t *v)
{
    size_t n = 0, shift = 0, out = 0;
    for (;;) {
        unsigned char b = p[n++];
        out |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *v = out;
    return n;
}

#endif
