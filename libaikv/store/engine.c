/* engine.c -- engine-independent helpers of the storage interface. */
#include "store.h"

#include "../util/num.h"

_Thread_local int64_t ak_expiry_frozen_ms;

#define EMBSTR_MAX 44

int ak_string_encoding(ak_slice v, int flags, long long *ll)
{
    if (!(flags & AK_STR_NOINT) && v.len <= 20 && ak_str2ll(v.p, v.len, ll))
        return AK_ENC_INT;
    return v.len <= EMBSTR_MAX ? AK_ENC_EMBSTR : AK_ENC_RAW;
}

const char *ak_encoding_name(ak_encoding e)
{
    static const char *const names[] = {"raw",       "int",    "embstr",   "listpack", "quicklist",
                                        "hashtable", "intset", "skiplist", "stream"};
    return (unsigned)e < sizeof names / sizeof *names ? names[e] : "unknown";
}
