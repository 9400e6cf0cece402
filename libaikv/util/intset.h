/*
 * intset.h -- a sorted array of distinct 64-bit integers in one allocation,
 * Redis's "intset": the encoding of small all-integer sets.
 *
 * Every element is stored with the same width, 2, 4 or 8 bytes: the
 * narrowest that holds every element ever added. Adding a value that needs
 * a wider type upgrades the whole array once (it never narrows again, as in
 * Redis). The allocation is exactly header + len * width bytes, so a set of
 * 512 small integers costs about 1 KiB.
 *
 * Lookups are binary searches; insertions and deletions move the tail
 * (O(n)), which is the point: sets switch to a hash table past
 * set-max-intset-entries. Every change may move the buffer: use the
 * returned pointer.
 */
#ifndef AK_INTSET_H
#define AK_INTSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct ak_intset {
    uint32_t width; /* bytes per element: 2, 4 or 8 */
    uint32_t len;
    unsigned char contents[]; /* len elements, ascending, native byte order */
} ak_intset;

ak_intset *ak_intset_new(void);
void ak_intset_free(ak_intset *is);
ak_intset *ak_intset_dup(const ak_intset *is);

static inline uint32_t ak_intset_len(const ak_intset *is) { return is->len; }
/* Bytes of the allocation's used part (header and elements). */
size_t ak_intset_bytes(const ak_intset *is);

/* The element at index i (0 <= i < len): ascending order. */
int64_t ak_intset_get(const ak_intset *is, uint32_t i);

/* 1 if v is present (and *pos its index), else 0 (and *pos the index where
 * it would be inserted). pos may be NULL. */
int ak_intset_search(const ak_intset *is, int64_t v, uint32_t *pos);
static inline int ak_intset_find(const ak_intset *is, int64_t v)
{
    return ak_intset_search(is, v, NULL);
}

/* Adds v; *added (may be NULL) = 1 if it was not present. */
ak_intset *ak_intset_add(ak_intset *is, int64_t v, int *added);
/* Removes v; *removed (may be NULL) = 1 if it was present. */
ak_intset *ak_intset_remove(ak_intset *is, int64_t v, int *removed);
/* Removes the element at index i. */
ak_intset *ak_intset_remove_at(ak_intset *is, uint32_t i);
/* Keeps the elements whose keep[i] is non-zero, in order; the others go. */
ak_intset *ak_intset_filter(ak_intset *is, const unsigned char *keep);

#endif
