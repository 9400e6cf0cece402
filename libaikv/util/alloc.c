/*
 * alloc.c -- accounting wrappers around the C allocator (see alloc.h).
 *
 * The counter is updated with relaxed atomics: stores may be used from
 * several threads, and the figure only needs to be eventually exact.
 */
#include "alloc.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t used_memory;

static void oom(size_t n)
{
    fprintf(stderr, "aikv: out of memory allocating %zu bytes\n", n);
    fflush(stderr);
    abort();
}

static inline void count(void *p, int sign)
{
    size_t n = malloc_usable_size(p);
    if (sign > 0)
        __atomic_add_fetch(&used_memory, n, __ATOMIC_RELAXED);
    else
        __atomic_sub_fetch(&used_memory, n, __ATOMIC_RELAXED);
}

void *ak_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    count(p, 1);
    return p;
}

void *ak_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    count(p, 1);
    return p;
}

void *ak_realloc(void *p, size_t n)
{
    if (!p)
        return ak_malloc(n);
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    __atomic_sub_fetch(&used_memory, old, __ATOMIC_RELAXED);
    count(q, 1);
    return q;
}

void ak_free(void *p)
{
    if (!p)
        return;
    count(p, -1);
    free(p);
}

char *ak_strdup(const char *s)
{
    return ak_memdup(s, strlen(s));
}

void *ak_memdup(const void *p, size_t n)
{
    char *q = ak_malloc(n + 1);
    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

size_t ak_used_memory(void)
{
    return __atomic_load_n(&used_memory, __ATOMIC_RELAXED);
}

size_t ak_alloc_size(const void *p)
{
    return p ? malloc_usable_size((void *)p) : 0;
}
