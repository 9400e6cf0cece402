/*
 * set.h -- the storage interface of set values (Redis's set type).
 *
 * One table of type-level operations that every engine implements natively
 * (the memory engine in store/mem/set.c; a SQLite engine later with one row
 * per member, where the algebra below is a SQL INTERSECT / UNION / EXCEPT).
 * Commands (cmd/set.c) and the typed C API (core/api_set.c) call only these.
 *
 * Conventions, beside store.h's:
 *   - Return codes: AK_OK (the key exists, or was created by a write),
 *     AK_NOTFOUND (no such key: nothing was called back, nothing written),
 *     AK_WRONGTYPE (a key holds another type: nothing called back, nothing
 *     changed).
 *   - Members are binary strings. An engine may store canonical integers
 *     ("12", "-7", not "012" or "+1": util/num.h ak_str2ll) specially, but
 *     hands every member out as the same bytes it was given.
 *   - Callbacks receive slices valid during the call only, and must not
 *     call the engine. Order is unspecified unless stated.
 *   - The engine deletes the key when its last member goes, and picks and
 *     converts encodings itself (OBJECT ENCODING: "intset" while every
 *     member is an integer and there are at most set-max-intset-entries of
 *     them, "hashtable" otherwise, as Redis 7.0).
 *   - The engine never signals key modifications: the command layer does.
 */
#ifndef AK_STORE_SET_H
#define AK_STORE_SET_H

#include "store.h"

struct ak_set_ops {
    /* SADD: adds members[0..n), creating the key if missing (n > 0). A
     * member given twice counts once. *added (may be NULL) = members that
     * were new. */
    int (*add)(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *added);
    /* SREM: *removed (may be NULL) = members that were present. */
    int (*rem)(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed);
    /* SISMEMBER / SMISMEMBER: is[i] = 1 if members[i] is in the set, else 0
     * (all 0 with AK_NOTFOUND). */
    int (*ismember)(ak_engine *e, int db, ak_slice key, const ak_slice *members, size_t n,
                    unsigned char *is);
    /* SCARD: *n = number of members. */
    int (*card)(ak_engine *e, int db, ak_slice key, uint64_t *n);
    /* SMEMBERS: fn(ctx, member) for every member (integers ascending in the
     * compact encoding). */
    int (*members)(ak_engine *e, int db, ak_slice key, ak_elem_fn fn, void *ctx);
    /* SRANDMEMBER: count > 0 hands out min(count, SCARD) distinct members;
     * count < 0 hands out exactly -count members picked independently
     * (repetitions allowed); count 0 hands out nothing. */
    int (*random)(ak_engine *e, int db, ak_slice key, long long count, ak_elem_fn fn, void *ctx);
    /* SPOP: removes min(count, SCARD) random distinct members, handing each
     * to fn before it is freed. count 0 only checks the key. */
    int (*pop)(ak_engine *e, int db, ak_slice key, uint64_t count, ak_elem_fn fn, void *ctx);
    /* SSCAN step: hands out the members of one or more buckets from
     * `cursor`, stopping once `count` members were handed out or after
     * count*10 buckets; *next = 0 when the walk is complete. Every member
     * present during a whole scan is handed out at least once. The compact
     * encoding hands out everything at once with *next = 0, whatever the
     * cursor (as Redis). */
    int (*scan)(ak_engine *e, int db, ak_slice key, uint64_t cursor, uint64_t count,
                ak_elem_fn fn, void *ctx, uint64_t *next);

    /* Set algebra over keys[0..n) (n > 0), a missing key being an empty set.
     * Every key's type is checked first (AK_WRONGTYPE), then fn(ctx, member)
     * is called once per member of the result; AK_OK even when the result
     * is empty. */
    /* SINTER / SINTERCARD: stops after `limit` members (0 = no limit). */
    int (*inter)(ak_engine *e, int db, const ak_slice *keys, size_t n, uint64_t limit,
                 ak_elem_fn fn, void *ctx);
    /* SUNION */
    int (*unite)(ak_engine *e, int db, const ak_slice *keys, size_t n, ak_elem_fn fn, void *ctx);
    /* SDIFF: the members of keys[0] in none of the others. */
    int (*diff)(ak_engine *e, int db, const ak_slice *keys, size_t n, ak_elem_fn fn, void *ctx);
};

#endif
