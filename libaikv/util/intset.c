/*
 * intset.c -- sorted array of distinct integers with 2/4/8-byte elements
 * (see intset.h).
 *
 * Invariants: contents holds len elements of `width` bytes in strictly
 * ascending order; width is the smallest of 2, 4, 8 that held every element
 * added since creation; the allocation holds exactly the used bytes.
 */
#include "intset.h"

#include <string.h>

#include "alloc.h"

static uint32_t width_of(int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX)
        return 8;
    if (v < INT16_MIN || v > INT16_MAX)
        return 4;
    return 2;
}

static int64_t get_w(const ak_intset *is, uint32_t i, uint32_t w)
{
    const unsigned char *p = is->contents + (size_t)i * w;
    if (w == 8) {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    if (w == 4) {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    int16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void set_w(ak_intset *is, uint32_t i, uint32_t w, int64_t v)
{
    unsigned char *p = is->contents + (size_t)i * w;
    if (w == 8) {
        memcpy(p, &v, 8);
    } else if (w == 4) {
        int32_t x = (int32_t)v;
        memcpy(p, &x, 4);
    } else {
        int16_t x = (int16_t)v;
        memcpy(p, &x, 2);
    }
}

static ak_intset *resize(ak_intset *is, uint32_t len)
{
    return ak_realloc(is, sizeof(ak_intset) + (size_t)len * is->width);
}

ak_intset *ak_intset_new(void)
{
    ak_intset *is = ak_malloc(sizeof(ak_intset));
    is->width = 2;
    is->len = 0;
    return is;
}

void ak_intset_free(ak_intset *is)
{
    ak_free(is);
}

size_t ak_intset_bytes(const ak_intset *is)
{
    return sizeof(ak_intset) + (size_t)is->len * is->width;
}

ak_intset *ak_intset_dup(const ak_intset *is)
{
    size_t n = ak_intset_bytes(is);
    ak_intset *d = ak_malloc(n);
    memcpy(d, is, n);
    return d;
}

int64_t ak_intset_get(const ak_intset *is, uint32_t i)
{
    return get_w(is, i, is->width);
}

int ak_intset_search(const ak_intset *is, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi = is->len;
    /* Outside the range of the elements: no search needed (appends and
     * prepends are the common case when filling a set in order). */
    if (is->len == 0 || v > ak_intset_get(is, is->len - 1)) {
        lo = is->len;
    } else if (v < ak_intset_get(is, 0)) {
        lo = 0;
    } else {
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int64_t cur = ak_intset_get(is, mid);
            if (cur == v) {
                if (pos)
                    *pos = mid;
                return 1;
            }
            if (cur < v)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    if (pos)
        *pos = lo;
    return 0;
}

/* v does not fit the current width, so it is below or above every element:
 * widen every element in place (from the end, so nothing is overwritten
 * before it is read) and put v first or last. */
static ak_intset *upgrade_and_add(ak_intset *is, int64_t v)
{
    uint32_t oldw = is->width, len = is->len;
    int prepend = v < 0;
    is->width = width_of(v);
    is = resize(is, len + 1);
    for (uint32_t i = len; i-- > 0;)
        set_w(is, i + (uint32_t)prepend, is->width, get_w(is, i, oldw));
    set_w(is, prepend ? 0 : len, is->width, v);
    is->len = len + 1;
    return is;
}

ak_intset *ak_intset_add(ak_intset *is, int64_t v, int *added)
{
    if (added)
        *added = 0;
    if (width_of(v) > is->width) {
        if (added)
            *added = 1;
        return upgrade_and_add(is, v);
    }
    uint32_t pos;
    if (ak_intset_search(is, v, &pos))
        return is;
    is = resize(is, is->len + 1);
    size_t w = is->width;
    memmove(is->contents + (pos + 1) * w, is->contents + pos * w, (is->len - pos) * w);
    set_w(is, pos, is->width, v);
    is->len++;
    if (added)
        *added = 1;
    return is;
}

ak_intset *ak_intset_remove_at(ak_intset *is, uint32_t i)
{
    size_t w = is->width;
    memmove(is->contents + i * w, is->contents + (i + 1) * w, (is->len - i - 1) * w);
    is->len--;
    return resize(is, is->len);
}

ak_intset *ak_intset_remove(ak_intset *is, int64_t v, int *removed)
{
    uint32_t pos;
    int found = width_of(v) <= is->width && ak_intset_search(is, v, &pos);
    if (removed)
        *removed = found;
    return found ? ak_intset_remove_at(is, pos) : is;
}

ak_intset *ak_intset_filter(ak_intset *is, const unsigned char *keep)
{
    size_t w = is->width;
    uint32_t out = 0;
    for (uint32_t i = 0; i < is->len; i++) {
        if (!keep[i])
            continue;
        if (out != i)
            memcpy(is->contents + out * w, is->contents + i * w, w);
        out++;
    }
    is->len = out;
    return resize(is, out);
}
