/*
 * quicklist.h -- the memory engine's list: a doubly linked list of nodes,
 * each holding a listpack (util/lp.h) of consecutive elements.
 *
 * Node limits come from list-max-listpack-size (`fill`), Redis's rules:
 *   fill > 0      at most fill entries per node, and a node stays under the
 *                 8 KiB safety limit (fill is capped at 32768, 0 acts as 1);
 *   fill -1..-5   a node holds at most 4/8/16/32/64 KiB (< -5 acts as -5).
 * An element that alone exceeds the limit gets a node of its own.
 *
 * Invariants (ak_ql_check verifies them):
 *   - no node is empty; count is the sum of the nodes' entries;
 *   - prev/next links are consistent, head->prev and tail->next are NULL;
 *   - a node with two or more entries is within the limits it was built
 *     with (a later CONFIG SET does not reshape existing nodes).
 *
 * Costs: push/pop at either end O(1) (plus O(node) inside a listpack);
 * positional access walks nodes from the nearer end; ranges stream; removal
 * of many elements (LTRIM, LREM) frees whole nodes and rewrites each touched
 * node once.
 */
#ifndef AK_QUICKLIST_H
#define AK_QUICKLIST_H

#include <stddef.h>

#include "../../util/lp.h"
#include "../store.h"

typedef struct ak_qlnode {
    struct ak_qlnode *prev, *next;
    lp *lp;
} ak_qlnode;

typedef struct ak_ql {
    ak_qlnode *head, *tail;
    size_t count; /* elements */
    size_t nodes;
} ak_ql;

ak_ql *ak_ql_new(void);
void ak_ql_free(ak_ql *q);
ak_ql *ak_ql_dup(const ak_ql *q);

/* Adds an element at the head (AK_LIST_HEAD) or tail (AK_LIST_TAIL). */
void ak_ql_push(ak_ql *q, int fill, int where, const void *p, size_t len);
/* Removes the element at `where`, handing it to fn first (fn may be NULL).
 * 0 if the list is empty. */
int ak_ql_pop(ak_ql *q, int where, ak_elem_fn fn, void *ctx);

/* Resolves Redis's (start, stop) over the list: 0 if the range is empty,
 * else 1 with the first index and the number of elements. */
int ak_ql_resolve(const ak_ql *q, long long start, long long stop, size_t *from, size_t *n);
/* A Redis index (negative from the tail) as a 0-based one; 0 if outside. */
int ak_ql_abs_index(const ak_ql *q, long long index, size_t *out);

/* The element at 0-based index i (< count); valid until the next change. */
ak_slice ak_ql_get(const ak_ql *q, size_t i);
/* Replaces the element at index i (< count). */
void ak_ql_replace(ak_ql *q, int fill, size_t i, const void *p, size_t len);
/* Inserts before index i (i == count appends). */
void ak_ql_insert(ak_ql *q, int fill, size_t i, const void *p, size_t len);
/* Deletes n elements from index i on (fewer if the list ends first). */
void ak_ql_delete_range(ak_ql *q, int fill, size_t i, size_t n);
/* LREM semantics (count > 0 from the head, < 0 from the tail, 0 all);
 * returns how many were removed. */
size_t ak_ql_remove(ak_ql *q, int fill, long long count, const void *p, size_t len);
/* Index of the first element equal to (p, len) from the head, or -1. */
long long ak_ql_find(const ak_ql *q, const void *p, size_t len);

/* Iteration from index i towards the tail (dir = AK_LIST_TAIL) or the head
 * (AK_LIST_HEAD). The list must not change while an iterator is used. */
typedef struct ak_ql_iter {
    const ak_qlnode *node;
    size_t at; /* cursor in node->lp */
    int dir;
} ak_ql_iter;

void ak_ql_iter_init(ak_ql_iter *it, const ak_ql *q, size_t i, int dir);
/* 1 and the next element, or 0 at the end. */
int ak_ql_iter_next(ak_ql_iter *it, ak_slice *out);

/* For tests: 1 if the invariants above hold for nodes built with `fill`
 * (and, strict = 1, every multi-entry node is within its limits). */
int ak_ql_check(const ak_ql *q, int fill, int strict);
/* Bytes held (node structs and listpacks). */
size_t ak_ql_bytes(const ak_ql *q);

#endif
