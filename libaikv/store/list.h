/*
 * list.h -- the list operations of the storage interface.
 *
 * One table of type-level operations, each one native to the engine: the
 * memory engine walks its quicklist, a SQL engine would run one statement.
 * No operation loads a whole list to change part of it.
 *
 * Common rules (beside store.h's):
 *   - Returns AK_OK, AK_NOTFOUND (no such key), AK_WRONGTYPE (the key holds
 *     another type; nothing happened), or AIKV_RANGE where an index falls
 *     outside the list.
 *   - Indexes are Redis's: 0 is the head, -1 the tail.
 *   - A list never exists empty: the operation that removes the last
 *     element deletes the key.
 *   - Elements go out through callbacks; slices are valid during the call.
 *     Operations that stream an unknown number of elements first call
 *     `begin` with the exact number that follows, so that a reply header
 *     can be written before the elements.
 *   - The engine does not signal key changes (the command layer does).
 */
#ifndef AK_STORE_LIST_H
#define AK_STORE_LIST_H

#include "store.h"

/* Ends of a list. */
enum { AK_LIST_HEAD = 0, AK_LIST_TAIL = 1 };

/* Called once, before the elements, with their number. */
typedef void (*ak_count_fn)(void *ctx, size_t n);
/* A list position (from the head, 0-based). */
typedef void (*ak_index_fn)(void *ctx, long long index);

struct ak_list_ops {
    /* LPUSH/RPUSH (xx = 0: creates the key) and LPUSHX/RPUSHX (xx = 1: only
     * if the key exists, else AK_NOTFOUND and nothing happens). Each of the
     * n values goes to the `where` end in turn, so LPUSH a b c gives c b a.
     * *len (may be NULL) is the length afterwards. */
    int (*push)(ak_engine *e, int db, ak_slice key, int where, const ak_slice *vals, size_t n,
                int xx, size_t *len);

    /* LPOP/RPOP: removes up to `count` (>= 1) elements from `where`, handing
     * them to fn in the order they are popped, after begin(min(count, len)).
     * begin may be NULL. Deletes the key when it becomes empty. */
    int (*pop)(ak_engine *e, int db, ak_slice key, int where, size_t count, ak_count_fn begin,
               ak_elem_fn fn, void *ctx);

    /* LLEN. */
    int (*len)(ak_engine *e, int db, ak_slice key, size_t *len);

    /* LRANGE start stop (inclusive, negative = from the tail, Redis's
     * clamping): begin(n) then the n elements head to tail. */
    int (*range)(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                 ak_count_fn begin, ak_elem_fn fn, void *ctx);

    /* LINDEX: the element at `index` in *out (valid until the next engine
     * call), AIKV_RANGE when the index is outside the list. */
    int (*index)(ak_engine *e, int db, ak_slice key, long long index, ak_slice *out);

    /* LSET: replaces the element at `index`; AIKV_RANGE outside the list. */
    int (*set)(ak_engine *e, int db, ak_slice key, long long index, ak_slice val);

    /* LINSERT: inserts val before (after = 0) or after (after = 1) the first
     * element equal to pivot, scanning from the head. *len is the new length,
     * or -1 when no element equals pivot (nothing changed). */
    int (*insert)(ak_engine *e, int db, ak_slice key, int after, ak_slice pivot, ak_slice val,
                  long long *len);

    /* LREM: removes elements equal to val: count > 0 the first count from
     * the head, count < 0 the first -count from the tail, 0 all of them.
     * *removed is how many went. */
    int (*rem)(ak_engine *e, int db, ak_slice key, long long count, ak_slice val,
               size_t *removed);

    /* LTRIM start stop: keeps only that range (Redis's clamping); an empty
     * range deletes the key. *removed is how many elements went. */
    int (*trim)(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                size_t *removed);

    /* LPOS: the positions of elements equal to elem. rank != 0: rank > 0
     * scans from the head and skips the first rank-1 matches, rank < 0 scans
     * from the tail and skips the first -rank-1. count: report at most this
     * many matches (0 = all). maxlen: compare at most this many elements
     * (0 = all). fn gets each reported position (counted from the head) in
     * scan order. */
    int (*pos)(ak_engine *e, int db, ak_slice key, ak_slice elem, long long rank, size_t count,
               size_t maxlen, ak_index_fn fn, void *ctx);
};

#endif
