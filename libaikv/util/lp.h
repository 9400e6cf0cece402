/*
 * lp.h -- a compact sequence of byte strings in one allocation, in the
 * spirit of Redis's listpack: the encoding of small collections (hash and
 * sorted-set listpacks, the nodes of a list's quicklist).
 *
 * Layout: a 8-byte header {u32 total bytes, u32 count} then the entries.
 * Each entry is  <len varint><bytes><backlen>  where backlen is the varint
 * size + byte length written backwards, so the list can be walked in both
 * directions. Positions are byte offsets ("cursors"); LP_END means "past the
 * last entry". Every change may move the buffer: use the returned pointer.
 *
 * Operations are O(n) in the buffer size, which is the point: collections
 * switch to real structures past a few dozen entries / a few KiB.
 */
#ifndef AK_LP_H
#define AK_LP_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp lp;
#define LP_END ((size_t)-1)

lp *lp_new(void);
void lp_free(lp *l);
lp *lp_dup(const lp *l);
size_t lp_count(const lp *l);
size_t lp_bytes(const lp *l); /* total size of the allocation's used bytes */

/* Cursors. lp_first/lp_last return LP_END on an empty listpack; lp_next and
 * lp_prev return LP_END past either end. */
size_t lp_first(const lp *l);
size_t lp_last(const lp *l);
size_t lp_next(const lp *l, size_t at);
size_t lp_prev(const lp *l, size_t at);
/* The cursor of the index-th entry (negative: from the end), or LP_END. */
size_t lp_seek(const lp *l, long index);

/* The entry at a cursor: its bytes stay valid until the next change. */
const char *lp_get(const lp *l, size_t at, size_t *len);

/* Inserts v before the entry at `at` (LP_END appends). *where (may be NULL)
 * gets the new entry's cursor. */
lp *lp_insert(lp *l, size_t at, const void *v, size_t len, size_t *where);
lp *lp_append(lp *l, const void *v, size_t len);
lp *lp_prepend(lp *l, const void *v, size_t len);
/* Replaces the entry at `at` by v. */
lp *lp_replace(lp *l, size_t at, const void *v, size_t len);
/* Deletes n entries (fewer if the end comes first) from `at` on. */
lp *lp_delete(lp *l, size_t at, size_t n);

/* The first entry equal to v at or after `at`, looking at one entry then
 * skipping `skip` entries (skip = 1 searches the fields of field/value
 * pairs), or LP_END. */
size_t lp_find(const lp *l, size_t at, const void *v, size_t len, unsigned skip);

#endif
