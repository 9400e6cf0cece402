/*
 * dict.h -- an intrusive hash table with incremental rehashing.
 *
 * The table never allocates nodes: the caller embeds an ak_dnode as the FIRST
 * member of its own node struct (a key entry, a hash field, a set member...)
 * and the dict links those. That keeps one allocation per element, which is
 * what makes the keyspace as small as Redis's.
 *
 * Design (as Redis's dict.c):
 *   - Two tables; while growing or shrinking, buckets move from table 0 to
 *     table 1 a few at a time (one step per find/insert/unlink, plus
 *     ak_dict_rehash_ms() from a timer) so no single call pays O(n).
 *   - Power-of-two sizes; grows when used >= size; ak_dict_shrink() shrinks
 *     when fill < 1/8 (called by the owner, e.g. after deletions).
 *   - Keys are hashed by the caller with ak_hash() (SipHash-1-2 with a
 *     process-wide random seed, so clients cannot aim at one bucket) and the
 *     hash is passed in, so find-then-insert hashes once.
 *   - ak_dict_scan() uses the reverse-binary cursor: every element present
 *     for the whole scan is returned at least once, even across rehashes.
 *   - Iterators pause rehashing while they live, so the set of buckets is
 *     stable; unlinking the current node during iteration is allowed.
 */
#ifndef AK_DICT_H
#define AK_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ak_dnode {
    struct ak_dnode *next;
} ak_dnode;

typedef struct ak_dtype {
    /* Hash of the key stored in node n (used when rehashing). */
    uint64_t (*hash)(const ak_dnode *n);
    /* 1 if node n's key equals (key, len). */
    int (*keyeq)(const ak_dnode *n, const void *key, size_t len);
} ak_dtype;

typedef struct ak_dict {
    const ak_dtype *type;
    ak_dnode **table[2];
    uint64_t size[2]; /* 0 or a power of two */
    uint64_t used[2];
    int64_t rehashidx; /* next bucket of table 0 to move; -1 = not rehashing */
    int pauserehash;   /* > 0 while iterators are live */
} ak_dict;

typedef struct ak_dict_iter {
    ak_dict *d;
    int table;
    int64_t index;
    ak_dnode *cur, *next;
} ak_dict_iter;

/* Hashing: SipHash-1-2 keyed by a process-wide seed. */
void ak_hash_seed(const uint8_t seed[16]);
uint64_t ak_hash(const void *key, size_t len);
uint64_t ak_hash_nocase(const void *key, size_t len); /* ASCII case-insensitive */

void ak_dict_init(ak_dict *d, const ak_dtype *type);
/* Unlinks every node, calling free_node(node, ctx) on each (may be NULL),
 * and frees the bucket arrays. The dict is empty and reusable afterwards. */
void ak_dict_clear(ak_dict *d, void (*free_node)(ak_dnode *, void *), void *ctx);

static inline uint64_t ak_dict_size(const ak_dict *d) { return d->used[0] + d->used[1]; }
static inline int ak_dict_is_rehashing(const ak_dict *d) { return d->rehashidx != -1; }

/* The node whose key is (key, len), or NULL. hash = ak_hash(key, len). */
ak_dnode *ak_dict_find(ak_dict *d, const void *key, size_t len, uint64_t hash);
/* Links n, whose key must not be present already. */
void ak_dict_insert(ak_dict *d, ak_dnode *n, uint64_t hash);
/* Unlinks and returns the node with that key (the caller frees it), or NULL. */
ak_dnode *ak_dict_unlink(ak_dict *d, const void *key, size_t len, uint64_t hash);
/* Puts `repl` in the place of `old` (same key, e.g. after realloc of a node). */
void ak_dict_replace(ak_dict *d, ak_dnode *old, ak_dnode *repl, uint64_t hash);

/* Rehash work: moves up to n buckets; returns 1 if rehashing goes on. */
int ak_dict_rehash(ak_dict *d, int n);
/* Rehashes for about ms milliseconds; returns buckets moved. */
int ak_dict_rehash_ms(ak_dict *d, int ms);
/* Starts shrinking when fill < 1/8 (never below 4 buckets). */
void ak_dict_shrink(ak_dict *d);

/* One step of a scan: calls fn on every node of the bucket(s) at cursor and
 * returns the next cursor (0 = done). */
uint64_t ak_dict_scan(ak_dict *d, uint64_t cursor, void (*fn)(ak_dnode *, void *), void *ctx);

/* A random node (NULL if empty): a random non-empty bucket, then a random
 * node of its chain. */
ak_dnode *ak_dict_random(ak_dict *d);
/* Up to `count` nodes from a random place (not distinct-guaranteed beyond a
 * single call's walk; used for sampling, e.g. active expiry); returns how
 * many were stored in out. */
size_t ak_dict_sample(ak_dict *d, ak_dnode **out, size_t count);

/* Iteration; rehashing is paused until ak_dict_iter_end(). */
void ak_dict_iter_start(ak_dict_iter *it, ak_dict *d);
ak_dnode *ak_dict_iter_next(ak_dict_iter *it);
void ak_dict_iter_end(ak_dict_iter *it);

/* Bytes used by the bucket arrays (for memory reports). */
size_t ak_dict_mem(const ak_dict *d);

#endif
