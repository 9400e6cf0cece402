/*
 * list.c -- list values of the memory engine: the quicklist (quicklist.h)
 * and the list operations of the storage interface (store/list.h).
 *
 * Every list is a quicklist, and OBJECT ENCODING says "quicklist" for every
 * list, as Redis 7.0 does. Node limits are read from the configuration at
 * each write, so CONFIG SET list-max-listpack-size shapes the nodes built
 * from then on.
 */
#include <stdint.h>
#include <string.h>

#include "../../core/config.h"
#include "../../util/alloc.h"
#include "../list.h"
#include "mem.h"
#include "quicklist.h"

/* ================================================================ quicklist */

/* ---------------------------------------------------------------- limits */

#define SAFETY_LIMIT 8192 /* bytes of a count-limited node (Redis's SIZE_SAFETY_LIMIT) */
#define FILL_MAX 32768
#define LP_HEADER 8

static const size_t size_levels[] = {4096, 8192, 16384, 32768, 65536};

typedef struct limits {
    size_t bytes; /* most bytes a node may hold */
    size_t count; /* most entries */
} limits;

static limits limits_of(int fill)
{
    limits l;
    if (fill < 0) {
        if (fill < -5)
            fill = -5;
        l.bytes = size_levels[-fill - 1];
        l.count = SIZE_MAX;
    } else {
        if (fill == 0)
            fill = 1;
        if (fill > FILL_MAX)
            fill = FILL_MAX;
        l.bytes = SAFETY_LIMIT;
        l.count = (size_t)fill;
    }
    return l;
}

/* Bytes of a varint holding n, 7 bits a byte. */
static size_t varint_size(size_t n)
{
    size_t s = 1;
    while (n >= 128) {
        n >>= 7;
        s++;
    }
    return s;
}

/* An upper bound of the bytes an element of len bytes takes in a listpack:
 * the length varint, the bytes, the backward length. */
static size_t entry_size(size_t len)
{
    size_t v = varint_size(len);
    return v + len + varint_size(v + len) + 1;
}

static size_t node_count(const ak_qlnode *n)
{
    return lp_count(n->lp);
}

/* 1 if an element of len bytes may join node n. */
static int fits(const ak_qlnode *n, limits l, size_t len)
{
    return node_count(n) < l.count && lp_bytes(n->lp) + entry_size(len) <= l.bytes;
}

/* 1 if nodes a and b may become one. */
static int mergeable(const ak_qlnode *a, const ak_qlnode *b, limits l)
{
    return node_count(a) + node_count(b) <= l.count &&
           lp_bytes(a->lp) + lp_bytes(b->lp) - LP_HEADER <= l.bytes;
}

/* ---------------------------------------------------------------- nodes */

static ak_qlnode *node_new(lp *l)
{
    ak_qlnode *n = ak_malloc(sizeof *n);
    n->prev = n->next = NULL;
    n->lp = l ? l : lp_new();
    return n;
}

/* Links n after `after` (NULL: at the head). */
static void link_after(ak_ql *q, ak_qlnode *after, ak_qlnode *n)
{
    n->prev = after;
    n->next = after ? after->next : q->head;
    if (n->next)
        n->next->prev = n;
    else
        q->tail = n;
    if (after)
        after->next = n;
    else
        q->head = n;
    q->nodes++;
}

static void unlink_node(ak_ql *q, ak_qlnode *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    q->nodes--;
    lp_free(n->lp);
    ak_free(n);
}

/* Appends b's entries to a and frees b. */
static void merge_into(ak_ql *q, ak_qlnode *a, ak_qlnode *b)
{
    for (size_t at = lp_first(b->lp); at != LP_END; at = lp_next(b->lp, at)) {
        size_t len;
        const char *p = lp_get(b->lp, at, &len);
        a->lp = lp_append(a->lp, p, len);
    }
    unlink_node(q, b);
}

/* Merges n with its neighbours where the limits allow; returns the node
 * that now holds n's entries. */
static ak_qlnode *try_merge(ak_ql *q, ak_qlnode *n, limits l)
{
    if (n->prev && mergeable(n->prev, n, l)) {
        ak_qlnode *p = n->prev;
        merge_into(q, p, n);
        n = p;
    }
    if (n->next && mergeable(n, n->next, l))
        merge_into(q, n, n->next);
    return n;
}

/* Moves entries [off, count) of n into a new node linked after n. */
static ak_qlnode *split(ak_ql *q, ak_qlnode *n, size_t off)
{
    ak_qlnode *r = node_new(NULL);
    size_t first = lp_seek(n->lp, (long)off);
    for (size_t at = first; at != LP_END; at = lp_next(n->lp, at)) {
        size_t len;
        const char *p = lp_get(n->lp, at, &len);
        r->lp = lp_append(r->lp, p, len);
    }
    n->lp = lp_delete(n->lp, first, node_count(n) - off);
    link_after(q, n, r);
    return r;
}

/* The node holding 0-based index i (< count), walking from the nearer end;
 * *off gets the index within the node. */
static ak_qlnode *locate(const ak_ql *q, size_t i, size_t *off)
{
    if (i < q->count / 2) {
        ak_qlnode *n = q->head;
        while (i >= node_count(n)) {
            i -= node_count(n);
            n = n->next;
        }
        *off = i;
        return n;
    }
    size_t back = q->count - 1 - i; /* entries after i */
    ak_qlnode *n = q->tail;
    while (back >= node_count(n)) {
        back -= node_count(n);
        n = n->prev;
    }
    *off = node_count(n) - 1 - back;
    return n;
}

/* ---------------------------------------------------------------- whole lists */

ak_ql *ak_ql_new(void)
{
    return ak_calloc(1, sizeof(ak_ql));
}

void ak_ql_free(ak_ql *q)
{
    if (!q)
        return;
    ak_qlnode *n = q->head;
    while (n) {
        ak_qlnode *next = n->next;
        lp_free(n->lp);
        ak_free(n);
        n = next;
    }
    ak_free(q);
}

ak_ql *ak_ql_dup(const ak_ql *q)
{
    ak_ql *d = ak_ql_new();
    for (const ak_qlnode *n = q->head; n; n = n->next)
        link_after(d, d->tail, node_new(lp_dup(n->lp)));
    d->count = q->count;
    return d;
}

size_t ak_ql_bytes(const ak_ql *q)
{
    size_t b = sizeof *q;
    for (const ak_qlnode *n = q->head; n; n = n->next)
        b += sizeof *n + lp_bytes(n->lp);
    return b;
}

/* ---------------------------------------------------------------- ends */

void ak_ql_push(ak_ql *q, int fill, int where, const void *p, size_t len)
{
    limits l = limits_of(fill);
    if (where == AK_LIST_HEAD) {
        if (q->head && fits(q->head, l, len)) {
            q->head->lp = lp_prepend(q->head->lp, p, len);
        } else {
            ak_qlnode *n = node_new(NULL);
            n->lp = lp_append(n->lp, p, len);
            link_after(q, NULL, n);
        }
    } else {
        if (q->tail && fits(q->tail, l, len)) {
            q->tail->lp = lp_append(q->tail->lp, p, len);
        } else {
            ak_qlnode *n = node_new(NULL);
            n->lp = lp_append(n->lp, p, len);
            link_after(q, q->tail, n);
        }
    }
    q->count++;
}

int ak_ql_pop(ak_ql *q, int where, ak_elem_fn fn, void *ctx)
{
    ak_qlnode *n = where == AK_LIST_HEAD ? q->head : q->tail;
    if (!n)
        return 0;
    size_t at = where == AK_LIST_HEAD ? lp_first(n->lp) : lp_last(n->lp);
    if (fn) {
        size_t len;
        const char *p = lp_get(n->lp, at, &len);
        fn(ctx, ak_slice_of(p, len));
    }
    q->count--;
    if (node_count(n) == 1)
        unlink_node(q, n);
    else
        n->lp = lp_delete(n->lp, at, 1);
    return 1;
}

/* ---------------------------------------------------------------- indexes */

int ak_ql_abs_index(const ak_ql *q, long long index, size_t *out)
{
    long long len = (long long)q->count;
    if (index < 0)
        index += len;
    if (index < 0 || index >= len)
        return 0;
    *out = (size_t)index;
    return 1;
}

int ak_ql_resolve(const ak_ql *q, long long start, long long stop, size_t *from, size_t *n)
{
    long long len = (long long)q->count;
    *from = *n = 0;
    if (start < 0)
        start = len + start;
    if (stop < 0)
        stop = len + stop;
    if (start < 0)
        start = 0;
    if (start > stop || start >= len)
        return 0;
    if (stop >= len)
        stop = len - 1;
    *from = (size_t)start;
    *n = (size_t)(stop - start + 1);
    return 1;
}

ak_slice ak_ql_get(const ak_ql *q, size_t i)
{
    size_t off, len;
    ak_qlnode *n = locate(q, i, &off);
    const char *p = lp_get(n->lp, lp_seek(n->lp, (long)off), &len);
    return ak_slice_of(p, len);
}

/* Inserts at offset off of node n (off == node count appends to it). */
static void insert_in(ak_ql *q, limits l, ak_qlnode *n, size_t off, const void *p, size_t len)
{
    size_t cnt = node_count(n);
    q->count++;
    if (fits(n, l, len)) {
        n->lp = lp_insert(n->lp, off == cnt ? LP_END : lp_seek(n->lp, (long)off), p, len, NULL);
        return;
    }
    if (off == 0 && n->prev && fits(n->prev, l, len)) {
        n->prev->lp = lp_append(n->prev->lp, p, len);
        return;
    }
    if (off == cnt && n->next && fits(n->next, l, len)) {
        n->next->lp = lp_prepend(n->next->lp, p, len);
        return;
    }
    ak_qlnode *e = node_new(NULL);
    e->lp = lp_append(e->lp, p, len);
    if (off == 0) {
        link_after(q, n->prev, e);
    } else if (off == cnt) {
        link_after(q, n, e);
    } else {
        /* In the middle of a full node: split it there. The element joins
         * the left part, the right part, or sits between them. */
        ak_qlnode *r = split(q, n, off);
        if (fits(n, l, len)) {
            lp_free(e->lp);
            ak_free(e);
            n->lp = lp_append(n->lp, p, len);
        } else if (fits(r, l, len)) {
            lp_free(e->lp);
            ak_free(e);
            r->lp = lp_prepend(r->lp, p, len);
        } else {
            link_after(q, n, e);
        }
        try_merge(q, r, l);
    }
}

void ak_ql_insert(ak_ql *q, int fill, size_t i, const void *p, size_t len)
{
    limits l = limits_of(fill);
    if (i >= q->count) {
        ak_ql_push(q, fill, AK_LIST_TAIL, p, len);
        return;
    }
    size_t off;
    ak_qlnode *n = locate(q, i, &off);
    insert_in(q, l, n, off, p, len);
}

void ak_ql_replace(ak_ql *q, int fill, size_t i, const void *p, size_t len)
{
    limits l = limits_of(fill);
    size_t off;
    ak_qlnode *n = locate(q, i, &off);
    /* Conservative: the old entry's bytes are not counted as freed. */
    if (node_count(n) == 1 || lp_bytes(n->lp) + entry_size(len) <= l.bytes) {
        n->lp = lp_replace(n->lp, lp_seek(n->lp, (long)off), p, len);
        return;
    }
    /* Too big for this node: take the old element out and insert the new
     * one in its place with the insertion rules (own node, split...). */
    n->lp = lp_delete(n->lp, lp_seek(n->lp, (long)off), 1);
    q->count--;
    insert_in(q, l, n, off, p, len);
}

void ak_ql_delete_range(ak_ql *q, int fill, size_t i, size_t n)
{
    if (i >= q->count || n == 0)
        return;
    if (n > q->count - i)
        n = q->count - i;
    limits l = limits_of(fill);
    size_t off;
    ak_qlnode *node = locate(q, i, &off);
    ak_qlnode *before = NULL; /* the node left of the deleted stretch */
    q->count -= n;
    while (n > 0) {
        ak_qlnode *next = node->next;
        size_t cnt = node_count(node);
        size_t k = cnt - off < n ? cnt - off : n;
        if (k == cnt) {
            unlink_node(q, node);
        } else {
            node->lp = lp_delete(node->lp, lp_seek(node->lp, (long)off), k);
            before = node;
        }
        n -= k;
        off = 0;
        node = next;
    }
    if (before)
        try_merge(q, before, l);
    else if (node && node->prev)
        try_merge(q, node, l);
}

/* ---------------------------------------------------------------- search */

static int eq(const char *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

long long ak_ql_find(const ak_ql *q, const void *p, size_t len)
{
    long long i = 0;
    for (const ak_qlnode *n = q->head; n; n = n->next) {
        for (size_t at = lp_first(n->lp); at != LP_END; at = lp_next(n->lp, at), i++) {
            size_t elen;
            const char *e = lp_get(n->lp, at, &elen);
            if (eq(e, elen, p, len))
                return i;
        }
    }
    return -1;
}

/* Rewrites node n without the matches that `remove` selects: matches at
 * indexes <= cut (from_head) or >= cut (from the tail). Returns the number
 * removed. */
static size_t drop_matches(ak_ql *q, ak_qlnode *n, size_t cut, int from_head, const void *p,
                           size_t len)
{
    lp *kept = lp_new();
    size_t i = 0, removed = 0;
    for (size_t at = lp_first(n->lp); at != LP_END; at = lp_next(n->lp, at), i++) {
        size_t elen;
        const char *e = lp_get(n->lp, at, &elen);
        int in_zone = from_head ? i <= cut : i >= cut;
        if (in_zone && eq(e, elen, p, len))
            removed++;
        else
            kept = lp_append(kept, e, elen);
    }
    lp_free(n->lp);
    n->lp = kept;
    q->count -= removed;
    return removed;
}

size_t ak_ql_remove(ak_ql *q, int fill, long long count, const void *p, size_t len)
{
    limits l = limits_of(fill);
    int from_head = count >= 0;
    size_t limit = count == 0 ? SIZE_MAX
                   : count > 0 ? (size_t)count
                               : (size_t)(-(unsigned long long)count);
    size_t removed = 0;
    ak_qlnode *n = from_head ? q->head : q->tail;
    while (n && removed < limit) {
        ak_qlnode *next = from_head ? n->next : n->prev;
        size_t want = limit - removed, found = 0, cut = 0, cnt = node_count(n);
        /* Find how far into this node the matches we may remove reach. */
        if (from_head) {
            size_t i = 0;
            for (size_t at = lp_first(n->lp); at != LP_END; at = lp_next(n->lp, at), i++) {
                size_t elen;
                const char *e = lp_get(n->lp, at, &elen);
                if (eq(e, elen, p, len)) {
                    cut = i;
                    if (++found == want)
                        break;
                }
            }
        } else {
            size_t i = cnt - 1;
            for (size_t at = lp_last(n->lp); at != LP_END; at = lp_prev(n->lp, at), i--) {
                size_t elen;
                const char *e = lp_get(n->lp, at, &elen);
                if (eq(e, elen, p, len)) {
                    cut = i;
                    if (++found == want)
                        break;
                }
            }
        }
        if (found) {
            removed += drop_matches(q, n, cut, from_head, p, len);
            if (node_count(n) == 0) {
                unlink_node(q, n);
            } else {
                /* Merge with the neighbour already visited, never with the
                 * one still to visit (`next` must stay valid). */
                ak_qlnode *done = from_head ? n->prev : n->next;
                if (done) {
                    if (from_head && mergeable(done, n, l))
                        merge_into(q, done, n);
                    else if (!from_head && mergeable(n, done, l))
                        merge_into(q, n, done);
                }
            }
        }
        n = next;
    }
    return removed;
}

/* ---------------------------------------------------------------- iteration */

void ak_ql_iter_init(ak_ql_iter *it, const ak_ql *q, size_t i, int dir)
{
    it->dir = dir;
    if (i >= q->count) {
        it->node = NULL;
        it->at = LP_END;
        return;
    }
    size_t off;
    it->node = locate(q, i, &off);
    it->at = lp_seek(it->node->lp, (long)off);
}

int ak_ql_iter_next(ak_ql_iter *it, ak_slice *out)
{
    if (!it->node)
        return 0;
    size_t len;
    const char *p = lp_get(it->node->lp, it->at, &len);
    *out = ak_slice_of(p, len);
    if (it->dir == AK_LIST_TAIL) {
        it->at = lp_next(it->node->lp, it->at);
        if (it->at == LP_END && (it->node = it->node->next) != NULL)
            it->at = lp_first(it->node->lp);
    } else {
        it->at = lp_prev(it->node->lp, it->at);
        if (it->at == LP_END && (it->node = it->node->prev) != NULL)
            it->at = lp_last(it->node->lp);
    }
    return 1;
}

/* ---------------------------------------------------------------- checks */

int ak_ql_check(const ak_ql *q, int fill, int strict)
{
    limits l = limits_of(fill);
    size_t count = 0, nodes = 0;
    const ak_qlnode *prev = NULL;
    for (const ak_qlnode *n = q->head; n; prev = n, n = n->next) {
        size_t c = node_count(n);
        if (c == 0 || n->prev != prev)
            return 0;
        if (strict && c > 1 && (c > l.count || lp_bytes(n->lp) > l.bytes))
            return 0;
        size_t walked = 0;
        for (size_t at = lp_first(n->lp); at != LP_END; at = lp_next(n->lp, at))
            walked++;
        if (walked != c)
            return 0;
        count += c;
        nodes++;
    }
    return prev == q->tail && count == q->count && nodes == q->nodes &&
           (q->head == NULL) == (q->count == 0);
}

/* ================================================================ list values */

static void list_free(mkey *k)
{
    ak_ql_free(k->v.p);
}

static void list_dup(mkey *d, const mkey *k)
{
    d->enc = k->enc;
    d->v.p = ak_ql_dup(k->v.p);
}

const mem_vtype mem_list_vtype = {list_free, list_dup};

static int fill_of(ak_engine *e)
{
    return e->cfg ? e->cfg->list_max_listpack_size : -2;
}

/* The list at key: AK_OK with *k (NULL when missing) or AK_WRONGTYPE. Live
 * keys are touched. */
static int find_list(mem_engine *m, int db, ak_slice key, mkey **k, uint64_t *h)
{
    if (mem_find_typed(m, db, key, AIKV_TYPE_LIST, k, h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (*k)
        mem_touch(m, *k);
    return AK_OK;
}

/* Shorthand for the operations below: look the list up or return. */
#define GET_LIST(m, db, key, k, h)                          \
    do {                                                    \
        if (find_list(m, db, key, &k, &h) == AK_WRONGTYPE)  \
            return AK_WRONGTYPE;                            \
        if (!k)                                             \
            return AK_NOTFOUND;                             \
    } while (0)

/* Deletes the key when its list became empty. */
static void drop_if_empty(mem_engine *m, int db, mkey *k, uint64_t h)
{
    if (((ak_ql *)k->v.p)->count == 0)
        mem_remove(m, db, k, h);
}

static int list_push(ak_engine *e, int db, ak_slice key, int where, const ak_slice *vals, size_t n,
                     int xx, size_t *len)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    if (find_list(m, db, key, &k, &h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (!k) {
        if (xx || n == 0)
            return AK_NOTFOUND;
        k = mem_add(m, db, key, h, AIKV_TYPE_LIST, AK_ENC_QUICKLIST, ak_ql_new());
    }
    ak_ql *q = k->v.p;
    int fill = fill_of(e);
    for (size_t i = 0; i < n; i++)
        ak_ql_push(q, fill, where, vals[i].p, vals[i].len);
    if (len)
        *len = q->count;
    return AK_OK;
}

static int list_pop(ak_engine *e, int db, ak_slice key, int where, size_t count,
                    ak_count_fn begin, ak_elem_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    ak_ql *q = k->v.p;
    size_t n = count < q->count ? count : q->count;
    if (begin)
        begin(ctx, n);
    for (size_t i = 0; i < n; i++)
        ak_ql_pop(q, where, fn, ctx);
    drop_if_empty(m, db, k, h);
    return AK_OK;
}

static int list_len(ak_engine *e, int db, ak_slice key, size_t *len)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    *len = ((ak_ql *)k->v.p)->count;
    return AK_OK;
}

static int list_range(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                      ak_count_fn begin, ak_elem_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    ak_ql *q = k->v.p;
    size_t from, n;
    ak_ql_resolve(q, start, stop, &from, &n);
    if (begin)
        begin(ctx, n);
    if (n == 0)
        return AK_OK;
    /* The first element is found from the nearer end of the list, then
     * the range streams node by node. */
    ak_ql_iter it;
    ak_slice v;
    ak_ql_iter_init(&it, q, from, AK_LIST_TAIL);
    for (size_t i = 0; i < n && ak_ql_iter_next(&it, &v); i++)
        fn(ctx, v);
    return AK_OK;
}

static int list_index(ak_engine *e, int db, ak_slice key, long long index, ak_slice *out)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    size_t i;
    if (!ak_ql_abs_index(k->v.p, index, &i))
        return AIKV_RANGE;
    *out = ak_ql_get(k->v.p, i);
    return AK_OK;
}

static int list_set(ak_engine *e, int db, ak_slice key, long long index, ak_slice val)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    size_t i;
    if (!ak_ql_abs_index(k->v.p, index, &i))
        return AIKV_RANGE;
    ak_ql_replace(k->v.p, fill_of(e), i, val.p, val.len);
    return AK_OK;
}

static int list_insert(ak_engine *e, int db, ak_slice key, int after, ak_slice pivot,
                       ak_slice val, long long *len)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    ak_ql *q = k->v.p;
    long long i = ak_ql_find(q, pivot.p, pivot.len);
    if (i < 0) {
        *len = -1;
        return AK_OK;
    }
    ak_ql_insert(q, fill_of(e), (size_t)i + (after ? 1 : 0), val.p, val.len);
    *len = (long long)q->count;
    return AK_OK;
}

static int list_rem(ak_engine *e, int db, ak_slice key, long long count, ak_slice val,
                    size_t *removed)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    *removed = ak_ql_remove(k->v.p, fill_of(e), count, val.p, val.len);
    drop_if_empty(m, db, k, h);
    return AK_OK;
}

static int list_trim(ak_engine *e, int db, ak_slice key, long long start, long long stop,
                     size_t *removed)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    ak_ql *q = k->v.p;
    size_t from, n;
    if (!ak_ql_resolve(q, start, stop, &from, &n)) {
        *removed = q->count;
        mem_remove(m, db, k, h);
        return AK_OK;
    }
    *removed = q->count - n;
    int fill = fill_of(e);
    ak_ql_delete_range(q, fill, from + n, q->count - from - n);
    ak_ql_delete_range(q, fill, 0, from);
    return AK_OK;
}

static int list_pos(ak_engine *e, int db, ak_slice key, ak_slice elem, long long rank,
                    size_t count, size_t maxlen, ak_index_fn fn, void *ctx)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    GET_LIST(m, db, key, k, h);
    ak_ql *q = k->v.p;
    if (q->count == 0 || rank == 0)
        return AK_OK;
    int dir = rank > 0 ? AK_LIST_TAIL : AK_LIST_HEAD;
    unsigned long long skip = rank > 0 ? (unsigned long long)rank - 1
                                       : -(unsigned long long)rank - 1;
    ak_ql_iter it;
    ak_slice v;
    ak_ql_iter_init(&it, q, dir == AK_LIST_TAIL ? 0 : q->count - 1, dir);
    size_t seen = 0, reported = 0;
    unsigned long long matches = 0;
    while ((maxlen == 0 || seen < maxlen) && ak_ql_iter_next(&it, &v)) {
        if (eq(v.p, v.len, elem.p, elem.len) && ++matches > skip) {
            fn(ctx, dir == AK_LIST_TAIL ? (long long)seen : (long long)(q->count - 1 - seen));
            if (++reported == count)
                break;
        }
        seen++;
    }
    return AK_OK;
}

const struct ak_list_ops mem_list_ops = {
    .push = list_push,
    .pop = list_pop,
    .len = list_len,
    .range = list_range,
    .index = list_index,
    .set = list_set,
    .insert = list_insert,
    .rem = list_rem,
    .trim = list_trim,
    .pos = list_pos,
};
