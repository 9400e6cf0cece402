/*
 * sort.c -- SORT and SORT_RO over lists, sets and sorted sets.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *        [ALPHA] [STORE destination]
 *
 * Follows Redis 7.0's sortCommand: the elements are loaded (a list or sorted
 * set with a constant BY keeps its own order and loads only the LIMIT
 * range), weighted (the element itself, or the value BY's pattern names:
 * "weight_*" or "hash_*->field"), sorted numerically (ties by element) or
 * with ALPHA bytewise, and either returned (each GET pattern per element,
 * "#" being the element) or stored as a list. Weights that do not parse as
 * numbers fail the whole command. Everything read from the store is copied
 * first: the engine's slices last one call.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../store/hash.h"
#include "../store/list.h"
#include "../store/set.h"
#include "../store/zset.h"
#include "../util/alloc.h"
#include "cmds.h"

typedef struct item {
    char *elem;
    size_t len;
    double score;
    char *cmp; /* ALPHA with BY: the weight's bytes (NULL when missing) */
    size_t cmplen;
} item;

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static void items_add(void *ctx, ak_slice e)
{
    items *it = ctx;
    if (it->n == it->cap) {
        it->cap = it->cap ? it->cap * 2 : 16;
        it->v = ak_realloc(it->v, it->cap * sizeof(item));
    }
    item *x = &it->v[it->n++];
    memset(x, 0, sizeof *x);
    x->elem = ak_memdup(e.p, e.len);
    x->len = e.len;
}

static void items_add_scored(void *ctx, ak_slice m, double score)
{
    (void)score;
    items_add(ctx, m);
}

static void items_reserve(void *ctx, size_t n)
{
    (void)ctx;
    (void)n;
}

/* The value a BY/GET pattern names for element e, as an owned copy, or
 * NULL. "#" is the element itself; a pattern without '*' names nothing. */
static char *lookup_pattern(ak_session *c, ak_slice pat, const item *e, size_t *len)
{
    if (pat.len == 1 && pat.p[0] == '#') {
        *len = e->len;
        return ak_memdup(e->elem, e->len);
    }
    const char *star = memchr(pat.p, '*', pat.len);
    if (!star)
        return NULL;
    size_t pre = (size_t)(star - pat.p), rest = pat.len - pre - 1;
    const char *arrow = NULL;
    for (size_t i = 0; i + 1 < rest; i++) {
        if (star[1 + i] == '-' && star[2 + i] == '>') {
            arrow = star + 1 + i;
            break;
        }
    }
    ak_slice field = {0};
    size_t post = rest;
    if (arrow && arrow + 2 < pat.p + pat.len) {
        field = ak_slice_of(arrow + 2, (size_t)(pat.p + pat.len - arrow - 2));
        post = (size_t)(arrow - star - 1);
    } else {
        arrow = NULL;
    }
    char *key = ak_malloc(pre + e->len + post + 1);
    memcpy(key, pat.p, pre);
    memcpy(key + pre, e->elem, e->len);
    memcpy(key + pre + e->len, star + 1, post);
    ak_slice k = ak_slice_of(key, pre + e->len + post), v;
    ak_engine *eng = ak_eng(c);
    int rc;
    if (arrow)
        rc = eng->ops->hash ? eng->ops->hash->get(eng, c->db, k, field, &v) : AK_NOTFOUND;
    else
        rc = eng->ops->str_get(eng, c->db, k, &v);
    ak_free(key);
    if (rc != AK_OK)
        return NULL;
    *len = v.len;
    return ak_memdup(v.p, v.len);
}

typedef struct sort_ctx {
    int desc, alpha, bypattern, store;
} sort_ctx;

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (al < bl ? -1 : al > bl);
}

static int compare(const void *pa, const void *pb, void *arg)
{
    const item *a = pa, *b = pb;
    const sort_ctx *s = arg;
    int cmp;
    if (!s->alpha) {
        cmp = a->score > b->score ? 1 : a->score < b->score ? -1 : bytes_cmp(a->elem, a->len, b->elem, b->len);
    } else if (s->bypattern) {
        if (!a->cmp || !b->cmp)
            cmp = a->cmp == b->cmp ? 0 : !a->cmp ? -1 : 1;
        else if (s->store)
            cmp = bytes_cmp(a->cmp, a->cmplen, b->cmp, b->cmplen);
        else
            cmp = strcoll(a->cmp, b->cmp);
    } else if (s->store) {
        cmp = bytes_cmp(a->elem, a->len, b->elem, b->len);
    } else {
        /* Redis collates ALPHA replies as C strings (strcoll), binary only
         * with STORE; the copies are NUL-terminated. */
        cmp = strcoll(a->elem, b->elem);
    }
    return s->desc ? -cmp : cmp;
}

/* Redis reads weights with strtod over the whole value ("" is 0). */
static int parse_weight(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || isnan(d))
        return 0;
    *out = d;
    return 1;
}

static void sort_generic(ak_session *c, int readonly)
{
    int desc = 0, alpha = 0, dontsort = 0;
    long long limit_start = 0, limit_count = -1;
    ak_slice by = {0}, store = {0};
    ak_slice *gets = ak_malloc(sizeof(ak_slice) * (size_t)c->argc);
    size_t ngets = 0;
    int has_by = 0, has_store = 0;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (ak_arg_is(c, j, "asc")) {
            desc = 0;
        } else if (ak_arg_is(c, j, "desc")) {
            desc = 1;
        } else if (ak_arg_is(c, j, "alpha")) {
            alpha = 1;
        } else if (ak_arg_is(c, j, "limit") && left >= 2) {
            if (!ak_arg_ll(c, j + 1, &limit_start) || !ak_arg_ll(c, j + 2, &limit_count))
                goto out;
            j += 2;
        } else if (!readonly && ak_arg_is(c, j, "store") && left >= 1) {
            store = ak_arg(c, ++j);
            has_store = 1;
        } else if (ak_arg_is(c, j, "by") && left >= 1) {
            by = ak_arg(c, ++j);
            has_by = 1;
            dontsort = memchr(by.p, '*', by.len) == NULL;
        } else if (ak_arg_is(c, j, "get") && left >= 1) {
            gets[ngets++] = ak_arg(c, ++j);
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            goto out;
        }
    }

    ak_engine *e = ak_eng(c);
    ak_slice key = ak_arg(c, 1);
    ak_keyinfo ki;
    e->ops->lookup(e, c->db, key, 0, &ki);
    if (ki.type != AIKV_TYPE_NONE && ki.type != AIKV_TYPE_LIST && ki.type != AIKV_TYPE_SET &&
        ki.type != AIKV_TYPE_ZSET) {
        ak_reply_error(c, AK_ERR_WRONGTYPE);
        goto out;
    }
    /* A set has no order of its own: with STORE, sort it to make the
     * result deterministic, as Redis does. */
    if (dontsort && ki.type == AIKV_TYPE_SET && has_store) {
        dontsort = 0;
        alpha = 1;
        has_by = 0;
    }

    /* Redis converts a sorted set to its skiplist encoding for SORT. */
    if (ki.type == AIKV_TYPE_ZSET)
        e->ops->zset->make_large(e, c->db, key);

    /* Count first, for LIMIT's sanity rules. */
    long long n = 0;
    if (ki.type == AIKV_TYPE_LIST) {
        size_t len;
        e->ops->list->len(e, c->db, key, &len);
        n = (long long)len;
    } else if (ki.type == AIKV_TYPE_SET) {
        uint64_t len;
        e->ops->set->card(e, c->db, key, &len);
        n = (long long)len;
    } else if (ki.type == AIKV_TYPE_ZSET) {
        size_t len;
        e->ops->zset->card(e, c->db, key, &len);
        n = (long long)len;
    }
    long long start = limit_start < 0 ? 0 : limit_start;
    long long end = limit_count < 0 ? n - 1 : start + limit_count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n)
        end = n - 1;

    items it = {0};
    if ((ki.type == AIKV_TYPE_LIST || ki.type == AIKV_TYPE_ZSET) && dontsort) {
        /* Own order, and only the LIMIT range (DESC walks from the end). */
        if (end >= start) {
            if (ki.type == AIKV_TYPE_LIST) {
                long long from = desc ? -(end + 1) : start, to = desc ? -(start + 1) : end;
                e->ops->list->range(e, c->db, key, from, to, items_reserve, items_add, &it);
                if (desc) /* the range came head to tail: reverse it */
                    for (size_t i = 0; i < it.n / 2; i++) {
                        item t = it.v[i];
                        it.v[i] = it.v[it.n - 1 - i];
                        it.v[it.n - 1 - i] = t;
                    }
            } else {
                ak_zrange r;
                memset(&r, 0, sizeof r);
                r.by = AK_ZBY_RANK;
                r.rev = desc;
                r.start = start;
                r.stop = end;
                r.limit = -1;
                e->ops->zset->range(e, c->db, key, &r, items_add_scored, &it);
            }
            end -= start;
            start = 0;
        }
    } else if (ki.type == AIKV_TYPE_LIST) {
        e->ops->list->range(e, c->db, key, 0, -1, items_reserve, items_add, &it);
    } else if (ki.type == AIKV_TYPE_SET) {
        e->ops->set->members(e, c->db, key, items_add, &it);
    } else if (ki.type == AIKV_TYPE_ZSET) {
        ak_zrange r;
        memset(&r, 0, sizeof r);
        r.by = AK_ZBY_RANK;
        r.start = 0;
        r.stop = -1;
        r.limit = -1;
        e->ops->zset->range(e, c->db, key, &r, items_add_scored, &it);
    }

    int bad_weight = 0;
    if (!dontsort) {
        for (size_t i = 0; i < it.n; i++) {
            item *x = &it.v[i];
            char *w = NULL;
            size_t wl = 0;
            if (has_by) {
                w = lookup_pattern(c, by, x, &wl);
                if (!w)
                    continue; /* a missing weight is 0 (numeric) or NULL (ALPHA) */
            }
            if (alpha) {
                if (has_by) {
                    x->cmp = w;
                    x->cmplen = wl;
                    w = NULL;
                }
            } else if (!parse_weight(w ? w : x->elem, &x->score)) {
                bad_weight = 1;
            }
            ak_free(w);
        }
        sort_ctx sc = {desc, alpha, has_by, has_store};
        if (it.n > 1)
            qsort_r(it.v, it.n, sizeof(item), compare, &sc);
    }

    long long count = end - start + 1;
    if (count < 0)
        count = 0;
    long long outlen = ngets ? (long long)ngets * count : count;
    if (bad_weight) {
        ak_reply_error(c, "ERR One or more scores can't be converted into double");
    } else if (!has_store) {
        ak_out_array(&c->out, (size_t)outlen);
        for (long long j = start; j <= end; j++) {
            item *x = &it.v[j];
            if (!ngets)
                ak_out_bulk(&c->out, x->elem, x->len);
            for (size_t g = 0; g < ngets; g++) {
                size_t vl;
                char *v = lookup_pattern(c, gets[g], x, &vl);
                if (v)
                    ak_out_bulk(&c->out, v, vl);
                else
                    ak_out_null(&c->out);
                ak_free(v);
            }
        }
    } else {
        size_t nv = 0;
        ak_slice *vals = ak_malloc(sizeof(ak_slice) * (size_t)(outlen ? outlen : 1));
        char **owned = ak_malloc(sizeof(char *) * (size_t)(outlen ? outlen : 1));
        for (long long j = start; j <= end; j++) {
            item *x = &it.v[j];
            if (!ngets) {
                owned[nv] = NULL;
                vals[nv++] = ak_slice_of(x->elem, x->len);
            }
            for (size_t g = 0; g < ngets; g++) {
                size_t vl = 0;
                char *v = lookup_pattern(c, gets[g], x, &vl);
                owned[nv] = v;
                vals[nv++] = v ? ak_slice_of(v, vl) : ak_slice_of("", 0);
            }
        }
        int existed = e->ops->del(e, c->db, store);
        if (nv) {
            size_t len;
            e->ops->list->push(e, c->db, store, AK_LIST_TAIL, vals, nv, 0, &len);
        }
        if (nv || existed)
            ak_signal_key(c->st, c->db, store);
        for (size_t i = 0; i < nv; i++)
            ak_free(owned[i]);
        ak_free(owned);
        ak_free(vals);
        ak_out_integer(&c->out, outlen);
    }
    for (size_t i = 0; i < it.n; i++) {
        ak_free(it.v[i].elem);
        ak_free(it.v[i].cmp);
    }
    ak_free(it.v);
out:
    ak_free(gets);
}

void ak_cmd_sort(ak_session *c)
{
    sort_generic(c, 0);
}

void ak_cmd_sort_ro(ak_session *c)
{
    sort_generic(c, 1);
}
