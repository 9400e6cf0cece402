/*
 * lib.c -- the memory engine's function libraries (store.h: lib_put,
 * lib_each): name -> code, in a small array sorted by name. A store holds a
 * handful of libraries and changes them rarely, so the array is the whole
 * structure, and the undo log records a change by keeping the whole
 * previous array with its version (mem_undo_note_libs).
 */
#include <string.h>

#include "../../util/alloc.h"
#include "mem.h"

static void lib_free(mem_lib *l)
{
    ak_free(l->name);
    ak_free(l->code);
}

void mem_libs_free(mem_libs *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        lib_free(&ls->v[i]);
    ak_free(ls->v);
    memset(ls, 0, sizeof *ls);
}

void mem_libs_copy(mem_libs *dst, const mem_libs *src)
{
    memset(dst, 0, sizeof *dst);
    dst->version = src->version;
    if (!src->n)
        return;
    dst->v = ak_malloc(src->n * sizeof *dst->v);
    dst->n = dst->cap = src->n;
    for (size_t i = 0; i < src->n; i++) {
        const mem_lib *l = &src->v[i];
        dst->v[i] = (mem_lib){ak_memdup(l->name, l->nlen), l->nlen, ak_memdup(l->code, l->clen),
                              l->clen};
    }
}

static int cmp_name(const mem_lib *l, ak_slice name)
{
    size_t n = l->nlen < name.len ? l->nlen : name.len;
    int c = memcmp(l->name, name.p, n);
    return c ? c : (l->nlen > name.len) - (l->nlen < name.len);
}

/* The index of `name`, or of where it would go (*found = 0). */
static size_t find(const mem_libs *ls, ak_slice name, int *found)
{
    size_t lo = 0, hi = ls->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_name(&ls->v[mid], name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

int mem_lib_put(ak_engine *e, ak_slice name, ak_slice code)
{
    mem_engine *m = (mem_engine *)e;
    mem_libs *ls = &m->libs;
    if (m->sp_depth && !m->sp_depth_restoring)
        mem_undo_note_libs(m, ls);
    uint64_t version = ls->version + 1;
    if (!name.p) { /* FUNCTION FLUSH: every library (freeing clears the version) */
        mem_libs_free(ls);
        ls->version = version;
        return AK_OK;
    }
    ls->version = version;
    int found;
    size_t i = find(ls, name, &found);
    if (!code.p) {
        if (found) {
            lib_free(&ls->v[i]);
            memmove(&ls->v[i], &ls->v[i + 1], (ls->n - i - 1) * sizeof *ls->v);
            ls->n--;
        }
        return AK_OK;
    }
    char *copy = ak_memdup(code.p, code.len);
    if (found) {
        ak_free(ls->v[i].code);
        ls->v[i].code = copy;
        ls->v[i].clen = code.len;
        return AK_OK;
    }
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 8;
        ls->v = ak_realloc(ls->v, ls->cap * sizeof *ls->v);
    }
    memmove(&ls->v[i + 1], &ls->v[i], (ls->n - i) * sizeof *ls->v);
    ls->v[i] = (mem_lib){ak_memdup(name.p, name.len), name.len, copy, code.len};
    ls->n++;
    return AK_OK;
}

void mem_lib_each(ak_engine *e, ak_pair_fn fn, void *ctx)
{
    const mem_libs *ls = &((mem_engine *)e)->libs;
    for (size_t i = 0; i < ls->n; i++)
        fn(ctx, ak_slice_of(ls->v[i].name, ls->v[i].nlen),
           ak_slice_of(ls->v[i].code, ls->v[i].clen));
}

uint64_t mem_lib_version(ak_engine *e)
{
    return ((mem_engine *)e)->libs.version;
}

size_t mem_libs_memory(const mem_libs *ls)
{
    size_t n = ls->cap * sizeof *ls->v;
    for (size_t i = 0; i < ls->n; i++)
        n += ls->v[i].nlen + ls->v[i].clen;
    return n;
}
