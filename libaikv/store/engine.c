/* store.c -- engine-independent helpers of the storage interface. */
#include "store.h"

const char *ak_encoding_name(ak_encoding e)
{
    static const char *const names[] = {"raw",       "int",    "embstr",   "listpack", "quicklist",
                                        "hashtable", "intset", "skiplist", "stream"};
    return (unsigned)e < sizeof names / sizeof *names ? names[e] : "unknown";
}
