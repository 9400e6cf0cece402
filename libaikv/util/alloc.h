/*
 * alloc.h -- the library's allocator: malloc with accounting.
 *
 * Every allocation of libaikv goes through these so that INFO's used_memory
 * is the real figure (usable bytes as the allocator reports them, like Redis
 * with jemalloc). Out of memory is fatal, as in Redis: the process logs and
 * aborts rather than continuing with a half-applied write. maxmemory is the
 * way to keep a store inside its budget.
 */
#ifndef AK_ALLOC_H
#define AK_ALLOC_H

#include <stddef.h>

void *ak_malloc(size_t n);
void *ak_calloc(size_t n, size_t size);
void *ak_realloc(void *p, size_t n);
void ak_free(void *p);
char *ak_strdup(const char *s);
void *ak_memdup(const void *p, size_t n); /* copies n bytes and adds a NUL */
size_t ak_used_memory(void);              /* bytes currently allocated */
size_t ak_alloc_size(const void *p);      /* usable size of an allocation */

#endif
