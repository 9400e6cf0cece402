/*
 * string.c -- string values of the memory engine, with Redis's encodings
 * (OBJECT ENCODING reports them):
 *   INT     a canonical 64-bit integer, stored in the mkey itself (no
 *           allocation); 0..9999 report Redis's shared-integer refcount.
 *   EMBSTR  an mstr of up to 44 bytes, written whole and never modified.
 *   RAW     an mstr that is longer, or that APPEND/SETRANGE changed; it may
 *           have spare capacity (the allocator's usable size tells it).
 */
#include <string.h>

#include "../../util/alloc.h"
#include "../../util/num.h"
#include "mem.h"


typedef struct mstr {
    size_t len;
    char data[]; /* len bytes + NUL */
} mstr;

static mstr *mstr_new(const char *p, size_t len)
{
    mstr *s = ak_malloc(sizeof(mstr) + len + 1);
    s->len = len;
    if (len)
        memcpy(s->data, p, len);
    s->data[len] = '\0';
    return s;
}

static size_t mstr_cap(const mstr *s)
{
    return ak_alloc_size(s) - sizeof(mstr) - 1;
}

/* Makes room for `len` bytes, growing greedily like sds so repeated APPENDs
 * are amortised O(1). New bytes are not initialised. */
static mstr *mstr_grow(mstr *s, size_t len)
{
    if (len <= mstr_cap(s))
        return s;
    size_t want = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
    return ak_realloc(s, sizeof(mstr) + want + 1);
}

static void string_free(mkey *k)
{
    if (k->enc != AK_ENC_INT)
        ak_free(k->v.p);
}

static void string_dup(mkey *d, const mkey *k)
{
    d->enc = k->enc;
    if (k->enc == AK_ENC_INT) {
        d->v.i = k->v.i;
    } else {
        const mstr *s = k->v.p;
        d->v.p = mstr_new(s->data, s->len);
    }
}

const mem_vtype mem_string_vtype = {string_free, string_dup};

void mem_set_string(mkey *k, ak_slice val, int flags)
{
    long long ll;
    k->type = AIKV_TYPE_STRING;
    k->enc = (uint32_t)ak_string_encoding(val, flags, &ll);
    if (k->enc == AK_ENC_INT)
        k->v.i = ll;
    else
        k->v.p = mstr_new(val.p, val.len);
}

/* Turns an INT or EMBSTR value into a RAW one that may be modified. */
static void make_raw(mkey *k)
{
    if (k->enc == AK_ENC_INT) {
        char buf[24];
        size_t n = ak_ll2str(buf, sizeof buf, k->v.i);
        k->v.p = mstr_new(buf, n);
    }
    k->enc = AK_ENC_RAW;
}

ak_slice mem_string_slice(mem_engine *m, const mkey *k)
{
    if (k->enc == AK_ENC_INT) {
        size_t n = ak_ll2str(m->ibuf, sizeof m->ibuf, k->v.i);
        return ak_slice_of(m->ibuf, n);
    }
    const mstr *s = k->v.p;
    return ak_slice_of(s->data, s->len);
}

int mem_str_get(ak_engine *e, int db, ak_slice key, ak_slice *val)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k;
    if (mem_find_typed(m, db, key, AIKV_TYPE_STRING, &k, &h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (!k)
        return AK_NOTFOUND;
    mem_touch(m, k);
    *val = mem_string_slice(m, k);
    return AK_OK;
}

int mem_str_set(ak_engine *e, int db, ak_slice key, ak_slice val, int64_t expire, int flags)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    mkey *k = mem_find(m, db, key, &h);
    if (k) {
        mem_replace_value(m, k);
        mem_touch(m, k);
    } else {
        k = mem_add(m, db, key, h, AIKV_TYPE_STRING, AK_ENC_RAW, NULL);
    }
    mem_set_string(k, val, flags);
    if (expire != AK_KEEP_TTL)
        mem_set_expire_of(m, db, k, h, expire);
    return AK_OK;
}

/* The key as a RAW string to modify, created empty when missing. */
static int writable_string(mem_engine *m, int db, ak_slice key, mkey **out)
{
    uint64_t h;
    mkey *k;
    if (mem_find_typed(m, db, key, AIKV_TYPE_STRING, &k, &h) == AK_WRONGTYPE)
        return AK_WRONGTYPE;
    if (!k)
        k = mem_add(m, db, key, h, AIKV_TYPE_STRING, AK_ENC_RAW, mstr_new("", 0));
    make_raw(k);
    mem_touch(m, k);
    *out = k;
    return AK_OK;
}

int mem_str_append(ak_engine *e, int db, ak_slice key, ak_slice val, size_t *newlen)
{
    mem_engine *m = (mem_engine *)e;
    uint64_t h;
    if (!mem_find(m, db, key, &h)) {
        /* A new key is a plain SET, with SET's choice of encoding. */
        mem_set_string(mem_add(m, db, key, h, AIKV_TYPE_STRING, AK_ENC_RAW, NULL), val, 0);
        *newlen = val.len;
        return AK_OK;
    }
    mkey *k;
    int rc = writable_string(m, db, key, &k);
    if (rc != AK_OK)
        return rc;
    mstr *s = mstr_grow(k->v.p, ((mstr *)k->v.p)->len + val.len);
    memcpy(s->data + s->len, val.p, val.len);
    s->len += val.len;
    s->data[s->len] = '\0';
    k->v.p = s;
    *newlen = s->len;
    return AK_OK;
}

int mem_str_setrange(ak_engine *e, int db, ak_slice key, size_t off, ak_slice val, size_t *newlen)
{
    mkey *k;
    int rc = writable_string((mem_engine *)e, db, key, &k);
    if (rc != AK_OK)
        return rc;
    mstr *s = k->v.p;
    size_t end = off + val.len;
    if (end > s->len) {
        s = mstr_grow(s, end);
        memset(s->data + s->len, 0, end - s->len);
        s->len = end;
        s->data[end] = '\0';
    }
    memcpy(s->data + off, val.p, val.len);
    k->v.p = s;
    *newlen = s->len;
    return AK_OK;
}
