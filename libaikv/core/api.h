/*
 * api.h -- what the typed C API's files (api.c, api_list.c, api_hash.c,
 * api_set.c, api_zset.c) share: argument checks that set the thread's
 * error message, and the WRONGTYPE result.
 */
#ifndef AK_API_H
#define AK_API_H

#include "core.h"

#define CHECK_DB(db)                                                          \
    do {                                                                      \
        if (!(db))                                                            \
            return ak_set_error(AIKV_MISUSE, "%s: db is NULL", __func__);     \
    } while (0)

/* A (pointer, length) argument may be NULL only when its length is 0. */
#define CHECK_BUF(p, len, what)                                               \
    do {                                                                      \
        if (!(p) && (len))                                                    \
            return ak_set_error(AIKV_MISUSE, "%s: " what " is NULL", __func__); \
    } while (0)
#define CHECK_KEY(key, klen) CHECK_BUF(key, klen, "key")

static inline int wrongtype(void)
{
    return ak_set_error(AIKV_WRONGTYPE,
                        "WRONGTYPE Operation against a key holding the wrong kind of value");
}

#endif
