/*
 * api_set.c -- the typed C API of aikv.h for sets.
 *
 * As api.c: validate the arguments, take the store lock, run the operation
 * the command runs (ak_op_sadd/srem of cmd/set.c for writes, which also
 * signal the key; the engine's set operations for reads), copy out what the
 * caller keeps, unlock. SMEMBERS comes back as an aikv_reply_t array built
 * while the engine hands the members out.
 */
#include <string.h>

#include "../cmd/cmds.h"
#include "../store/set.h"
#include "../util/alloc.h"
#include "api.h"
#include "core.h"
#include "resp.h"


static const struct ak_set_ops *sops(aikv_db_t *db)
{
    return db->st->engine->ops->set;
}

/* The n members as slices (ak_free() them), or NULL after setting a
 * MISUSE error in *rc. */
static ak_slice *member_slices(const void *const *members, const size_t *lens, size_t n,
                               const char *fn, int *rc)
{
    if (n == 0 || !members) {
        *rc = ak_set_error(AIKV_MISUSE, "%s: no members", fn);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!members[i] && (!lens || lens[i])) {
            *rc = ak_set_error(AIKV_MISUSE, "%s: members[%zu] is NULL", fn, i);
            return NULL;
        }
    }
    ak_slice *v = ak_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = lens ? ak_slice_of(members[i], lens[i])
                    : ak_slice_of(members[i], strlen(members[i]));
    return v;
}

typedef int set_write_op(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
                         size_t *count);

static int write_generic(aikv_db_t *db, const void *key, size_t klen, const void *const *members,
                         const size_t *lens, size_t n, size_t *count, set_write_op *op,
                         const char *fn)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    int rc = AIKV_OK;
    ak_slice *v = member_slices(members, lens, n, fn, &rc);
    if (!v)
        return rc;
    size_t c = 0;
    ak_store_lock(db->st);
    rc = op(db->st, db->index, ak_slice_of(key, klen), v, n, &c);
    int serr = ak_api_unlock(db->st);
    ak_free(v);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    if (count)
        *count = c;
    return AIKV_OK;
}

AIKV_API int aikv_sadd(aikv_db_t *db, const void *key, size_t klen, const void *const *members,
                       const size_t *lens, size_t n, size_t *added)
{
    return write_generic(db, key, klen, members, lens, n, added, ak_op_sadd, "aikv_sadd");
}

AIKV_API int aikv_srem(aikv_db_t *db, const void *key, size_t klen, const void *const *members,
                       const size_t *lens, size_t n, size_t *removed)
{
    return write_generic(db, key, klen, members, lens, n, removed, ak_op_srem, "aikv_srem");
}

AIKV_API int aikv_sismember(aikv_db_t *db, const void *key, size_t klen, const void *member,
                            size_t mlen, int *is)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    CHECK_BUF(member, mlen, "member");
    if (!is)
        return ak_set_error(AIKV_MISUSE, "aikv_sismember: is is NULL");
    ak_slice m = ak_slice_of(member, mlen);
    unsigned char found = 0;
    ak_store_lock(db->st);
    int rc = sops(db)->ismember(db->st->engine, db->index, ak_slice_of(key, klen), &m, 1, &found);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *is = found;
    return AIKV_OK;
}

typedef struct arr_acc {
    aikv_reply_t *arr;
    size_t cap;
} arr_acc;

static void arr_add(void *ctx, ak_slice v)
{
    arr_acc *a = ctx;
    if (a->arr->elements == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->arr->element = ak_realloc(a->arr->element, a->cap * sizeof(aikv_reply_t *));
    }
    a->arr->element[a->arr->elements++] = ak_reply_new_str(AIKV_REPLY_STRING, v.p, v.len);
}

AIKV_API int aikv_smembers(aikv_db_t *db, const void *key, size_t klen, aikv_reply_t **out)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!out)
        return ak_set_error(AIKV_MISUSE, "aikv_smembers: out is NULL");
    *out = NULL;
    arr_acc a = {ak_reply_new(AIKV_REPLY_ARRAY), 0};
    ak_store_lock(db->st);
    int rc = sops(db)->members(db->st->engine, db->index, ak_slice_of(key, klen), arr_add, &a);
    int serr = ak_api_unlock(db->st);
    if (serr || rc == AK_WRONGTYPE) {
        aikv_reply_free(a.arr);
        if (serr)
            return serr;
        return wrongtype();
    }
    *out = a.arr;
    return AIKV_OK;
}

AIKV_API int aikv_scard(aikv_db_t *db, const void *key, size_t klen, uint64_t *n)
{
    CHECK_DB(db);
    CHECK_BUF(key, klen, "key");
    if (!n)
        return ak_set_error(AIKV_MISUSE, "aikv_scard: n is NULL");
    uint64_t c = 0;
    ak_store_lock(db->st);
    int rc = sops(db)->card(db->st->engine, db->index, ak_slice_of(key, klen), &c);
    int serr = ak_api_unlock(db->st);
    if (serr)
        return serr;
    if (rc == AK_WRONGTYPE)
        return wrongtype();
    *n = c;
    return AIKV_OK;
}
