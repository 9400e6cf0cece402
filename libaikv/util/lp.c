/*
 * lp.c -- compact sequences of byte strings (see lp.h).
 *
 * Entry layout:  <len: LEB128 varint> <len bytes> <backlen>
 * backlen is B = size of the len varint + len, written in 7-bit groups from
 * the most significant down, every group but the most significant with the
 * high bit set. Read backwards from an entry's last byte it yields the low
 * group first, and the clear high bit says where it stops; so lp_prev is as
 * cheap as lp_next.
 *
 * Invariants: total == header + sum of entry sizes; count == number of
 * entries; cursors are offsets from the start of the allocation, entries
 * start at HDR.
 */
#include "lp.h"

#include <string.h>

#include "alloc.h"
#include "varint.h"

struct lp {
    uint32_t total;
    uint32_t count;
    unsigned char data[];
};

#define HDR ((size_t)sizeof(struct lp))
#define BYTES(l) ((unsigned char *)(l))

/* backlen: most significant group first; all groups but it flagged. */
static size_t backlen_put(unsigned char *p, size_t v)
{
    size_t n = ak_varint_size(v);
    for (size_t i = 0; i < n; i++) {
        size_t group = (v >> (7 * (n - 1 - i))) & 0x7f;
        p[i] = (unsigned char)(group | (i == 0 ? 0 : 0x80));
    }
    return n;
}

/* Reads the backlen that ends at p (its last byte); *size gets its bytes. */
static size_t backlen_get(const unsigned char *p, size_t *size)
{
    size_t v = 0, n = 0;
    for (;;) {
        unsigned char b = *(p - n);
        v |= (size_t)(b & 0x7f) << (7 * n);
        n++;
        if (!(b & 0x80))
            break;
    }
    *size = n;
    return v;
}

static size_t entry_size(size_t len)
{
    size_t b = ak_varint_size(len) + len;
    return b + ak_varint_size(b);
}

/* Size of the entry starting at `at`. */
static size_t size_at(const lp *l, size_t at)
{
    size_t len, vs = ak_varint_get(BYTES(l) + at, &len);
    return vs + len + ak_varint_size(vs + len);
}

static size_t put_entry(unsigned char *p, const void *v, size_t len)
{
    size_t n = ak_varint_put(p, len);
    if (len)
        memcpy(p + n, v, len);
    n += len;
    return n + backlen_put(p + n, n);
}

lp *lp_new(void)
{
    lp *l = ak_malloc(HDR);
    l->total = (uint32_t)HDR;
    l->count = 0;
    return l;
}

void lp_free(lp *l)
{
    ak_free(l);
}

lp *lp_dup(const lp *l)
{
    lp *d = ak_malloc(l->total);
    memcpy(d, l, l->total);
    return d;
}

size_t lp_count(const lp *l)
{
    return l->count;
}

size_t lp_bytes(const lp *l)
{
    return l->total;
}

size_t lp_first(const lp *l)
{
    return l->count ? HDR : LP_END;
}

size_t lp_next(const lp *l, size_t at)
{
    if (at == LP_END)
        return LP_END;
    size_t next = at + size_at(l, at);
    return next >= l->total ? LP_END : next;
}

size_t lp_prev(const lp *l, size_t at)
{
    if (at == LP_END)
        return lp_last(l);
    if (at <= HDR)
        return LP_END;
    size_t bs, b = backlen_get(BYTES(l) + at - 1, &bs);
    return at - bs - b;
}

size_t lp_last(const lp *l)
{
    if (!l->count)
        return LP_END;
    size_t bs, b = backlen_get(BYTES(l) + l->total - 1, &bs);
    return l->total - bs - b;
}

size_t lp_seek(const lp *l, long index)
{
    long n = (long)l->count;
    if (index < 0)
        index += n;
    if (index < 0 || index >= n)
        return LP_END;
    size_t at;
    if (index <= n / 2) {
        at = HDR;
        while (index-- > 0)
            at = lp_next(l, at);
    } else {
        at = lp_last(l);
        for (long i = n - 1; i > index; i--)
            at = lp_prev(l, at);
    }
    return at;
}

const char *lp_get(const lp *l, size_t at, size_t *len)
{
    size_t vs = ak_varint_get(BYTES(l) + at, len);
    return (const char *)BYTES(l) + at + vs;
}

/* Opens a gap of `grow` bytes at `at` (or closes one if shrink). */
static lp *resize_at(lp *l, size_t at, size_t old_size, size_t new_size)
{
    size_t total = l->total, tail = total - at - old_size;
    if (new_size > old_size)
        l = ak_realloc(l, total + new_size - old_size);
    memmove(BYTES(l) + at + new_size, BYTES(l) + at + old_size, tail);
    if (new_size < old_size)
        l = ak_realloc(l, total - old_size + new_size);
    l->total = (uint32_t)(total - old_size + new_size);
    return l;
}

lp *lp_insert(lp *l, size_t at, const void *v, size_t len, size_t *where)
{
    if (at == LP_END)
        at = l->total;
    l = resize_at(l, at, 0, entry_size(len));
    put_entry(BYTES(l) + at, v, len);
    l->count++;
    if (where)
        *where = at;
    return l;
}

lp *lp_append(lp *l, const void *v, size_t len)
{
    return lp_insert(l, LP_END, v, len, NULL);
}

lp *lp_prepend(lp *l, const void *v, size_t len)
{
    return lp_insert(l, HDR, v, len, NULL);
}

lp *lp_replace(lp *l, size_t at, const void *v, size_t len)
{
    l = resize_at(l, at, size_at(l, at), entry_size(len));
    put_entry(BYTES(l) + at, v, len);
    return l;
}

lp *lp_delete(lp *l, size_t at, size_t n)
{
    size_t end = at, k = 0;
    while (k < n && end < l->total) {
        end += size_at(l, end);
        k++;
    }
    l = resize_at(l, at, end - at, 0);
    l->count -= (uint32_t)k;
    return l;
}

size_t lp_find(const lp *l, size_t at, const void *v, size_t len, unsigned skip)
{
    while (at != LP_END && at < l->total) {
        size_t elen;
        const char *e = lp_get(l, at, &elen);
        if (elen == len && (len == 0 || memcmp(e, v, len) == 0))
            return at;
        at = lp_next(l, at);
        for (unsigned s = 0; s < skip && at != LP_END; s++)
            at = lp_next(l, at);
    }
    return LP_END;
}
