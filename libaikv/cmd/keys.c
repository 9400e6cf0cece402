/*
 * keys.c -- commands on keys of any type: deletion, existence, type,
 * iteration (KEYS, SCAN, RANDOMKEY), renaming and copying, TTLs, OBJECT.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "cmds.h"

static void lookup(ak_session *c, ak_slice key, int flags, ak_keyinfo *ki)
{
    ak_eng(c)->ops->lookup(ak_eng(c), c->db, key, flags, ki);
}

/* ---------------------------------------------------------------- DEL EXISTS TYPE TOUCH */

static void del_generic(ak_session *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        if (ak_eng(c)->ops->del(ak_eng(c), c->db, ak_arg(c, i))) {
            ak_signal_key(c->st, c->db, ak_arg(c, i));
            n++;
        }
    }
    ak_out_integer(&c->out, n);
}

void ak_cmd_del(ak_session *c)
{
    del_generic(c);
}

/* UNLINK differs from DEL in freeing large values in the background; the
 * engine decides what is large, and today's string values never are. */
void ak_cmd_unlink(ak_session *c)
{
    del_generic(c);
}

static void count_keys(ak_session *c, int flags)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        ak_keyinfo ki;
        lookup(c, ak_arg(c, i), flags, &ki);
        n += ki.type != AIKV_TYPE_NONE;
    }
    ak_out_integer(&c->out, n);
}

void ak_cmd_exists(ak_session *c)
{
    count_keys(c, AK_LOOKUP_NOTOUCH);
}

/* TOUCH updates access times even in CLIENT NO-TOUCH mode: that is its job. */
void ak_cmd_touch(ak_session *c)
{
    int notouch = ak_eng(c)->notouch;
    ak_eng(c)->notouch = 0;
    count_keys(c, 0);
    ak_eng(c)->notouch = notouch;
}

void ak_cmd_type(ak_session *c)
{
    ak_keyinfo ki;
    lookup(c, ak_arg(c, 1), AK_LOOKUP_NOTOUCH, &ki);
    ak_out_status(&c->out, aikv_type_name(ki.type));
}

/* ---------------------------------------------------------------- KEYS SCAN RANDOMKEY */

typedef struct collect {
    ak_out *out;        /* KEYS writes straight into the reply */
    const char *pat;
    size_t plen;
    int allkeys;
    const char *type;   /* SCAN TYPE filter, or NULL */
    char **keys;        /* SCAN collects */
    size_t *lens;
    size_t n, cap;
} collect;

static int wanted(collect *cl, ak_slice key, aikv_type_t type)
{
    if (cl->type && strcasecmp(cl->type, aikv_type_name(type)) != 0)
        return 0;
    return cl->allkeys || ak_glob_match(cl->pat, cl->plen, key.p, key.len, 0);
}

static void keys_emit(void *ctx, ak_slice key, aikv_type_t type)
{
    collect *cl = ctx;
    if (!wanted(cl, key, type))
        return;
    ak_out_bulk(cl->out, key.p, key.len);
    cl->n++;
}

void ak_cmd_keys(ak_session *c)
{
    collect cl = {0};
    cl.out = &c->out;
    cl.pat = c->argv[1];
    cl.plen = c->argvlen[1];
    cl.allkeys = cl.plen == 1 && cl.pat[0] == '*';
    size_t mark = ak_out_defer(&c->out);
    ak_engine *e = ak_eng(c);
    uint64_t cursor = 0;
    do {
        cursor = e->ops->scan(e, c->db, cursor, keys_emit, &cl);
    } while (cursor != 0);
    ak_out_set_deferred(&c->out, mark, '*', cl.n);
}

static void scan_collect(void *ctx, ak_slice key, aikv_type_t type)
{
    collect *cl = ctx;
    if (!wanted(cl, key, type))
        return;
    if (cl->n == cl->cap) {
        cl->cap = cl->cap ? cl->cap * 2 : 16;
        cl->keys = ak_realloc(cl->keys, cl->cap * sizeof(char *));
        cl->lens = ak_realloc(cl->lens, cl->cap * sizeof(size_t));
    }
    cl->keys[cl->n] = ak_memdup(key.p, key.len);
    cl->lens[cl->n] = key.len;
    cl->n++;
}

/* One SCAN call: steps until `count` keys were seen or the walk ends,
 * bounded to count*10 steps like Redis so sparse tables return early. */
static uint64_t scan_run(ak_engine *e, int db, uint64_t cursor, long long count, collect *cl)
{
    long long steps = count * 10;
    do {
        cursor = e->ops->scan(e, db, cursor, scan_collect, cl);
    } while (cursor != 0 && (long long)cl->n < count && --steps > 0);
    return cursor;
}

static void collect_free(collect *cl)
{
    for (size_t i = 0; i < cl->n; i++)
        ak_free(cl->keys[i]);
    ak_free(cl->keys);
    ak_free(cl->lens);
}

void ak_cmd_scan(ak_session *c)
{
    uint64_t cursor;
    if (!ak_arg_cursor(c, 1, &cursor))
        return;
    collect cl = {0};
    cl.allkeys = 1;
    long long count = 10;
    char *type = NULL;
    for (int j = 2; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (ak_arg_is(c, j, "count") && more) {
            if (!ak_arg_ll(c, ++j, &count))
                goto out;
            if (count < 1) {
                ak_reply_error(c, AK_ERR_SYNTAX);
                goto out;
            }
        } else if (ak_arg_is(c, j, "match") && more) {
            j++;
            cl.pat = c->argv[j];
            cl.plen = c->argvlen[j];
            cl.allkeys = cl.plen == 1 && cl.pat[0] == '*';
        } else if (ak_arg_is(c, j, "type") && more) {
            j++;
            ak_free(type);
            type = ak_memdup(c->argv[j], c->argvlen[j]);
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            goto out;
        }
    }
    cl.type = type;
    cursor = scan_run(ak_eng(c), c->db, cursor, count, &cl);
    ak_out_array(&c->out, 2);
    ak_out_bulk_ll(&c->out, (long long)cursor);
    ak_out_array(&c->out, cl.n);
    for (size_t i = 0; i < cl.n; i++)
        ak_out_bulk(&c->out, cl.keys[i], cl.lens[i]);
out:
    collect_free(&cl);
    ak_free(type);
}

void ak_cmd_randomkey(ak_session *c)
{
    ak_slice k;
    if (ak_eng(c)->ops->random_key(ak_eng(c), c->db, &k) == AK_OK)
        ak_out_bulk(&c->out, k.p, k.len);
    else
        ak_out_null(&c->out);
}

/* ---------------------------------------------------------------- RENAME COPY MOVE */

static int same_key(ak_session *c, int a, int b)
{
    return c->argvlen[a] == c->argvlen[b] && !memcmp(c->argv[a], c->argv[b], c->argvlen[a]);
}

static void rename_generic(ak_session *c, int nx)
{
    ak_slice src = ak_arg(c, 1), dst = ak_arg(c, 2);
    int rc;
    if (same_key(c, 1, 2)) {
        ak_keyinfo ki;
        lookup(c, src, AK_LOOKUP_NOTOUCH, &ki);
        rc = ki.type == AIKV_TYPE_NONE ? AK_NOTFOUND : (nx ? 0 : 1);
    } else {
        rc = ak_eng(c)->ops->rename(ak_eng(c), c->db, src, c->db, dst, !nx);
    }
    if (rc == AK_NOTFOUND) {
        ak_reply_error(c, AK_ERR_NOKEY);
        return;
    }
    if (rc == 1 && !same_key(c, 1, 2)) {
        ak_signal_key(c->st, c->db, src);
        ak_signal_key(c->st, c->db, dst);
    }
    if (nx)
        ak_out_integer(&c->out, rc);
    else
        ak_reply_ok(c);
}

void ak_cmd_rename(ak_session *c)
{
    rename_generic(c, 0);
}

void ak_cmd_renamenx(ak_session *c)
{
    rename_generic(c, 1);
}

static int parse_db(ak_session *c, int i, int *db)
{
    int v;
    if (!ak_arg_int(c, i, &v))
        return 0;
    if (v < 0 || v >= c->st->ndb) {
        ak_reply_error(c, AK_ERR_DBINDEX);
        return 0;
    }
    *db = v;
    return 1;
}

void ak_cmd_copy(ak_session *c)
{
    int dstdb = c->db, replace = 0;
    for (int j = 3; j < c->argc; j++) {
        if (ak_arg_is(c, j, "replace")) {
            replace = 1;
        } else if (ak_arg_is(c, j, "db") && j + 1 < c->argc) {
            if (!parse_db(c, ++j, &dstdb))
                return;
        } else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    if (dstdb == c->db && same_key(c, 1, 2)) {
        ak_reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    int rc = ak_eng(c)->ops->copy(ak_eng(c), c->db, ak_arg(c, 1), dstdb, ak_arg(c, 2), replace);
    if (rc == 1)
        ak_signal_key(c->st, dstdb, ak_arg(c, 2));
    ak_out_integer(&c->out, rc == 1);
}

void ak_cmd_move(ak_session *c)
{
    int dst;
    if (!parse_db(c, 2, &dst))
        return;
    if (dst == c->db) {
        ak_reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    ak_slice key = ak_arg(c, 1);
    int rc = ak_eng(c)->ops->rename(ak_eng(c), c->db, key, dst, key, 0);
    if (rc == 1) {
        ak_signal_key(c->st, c->db, key);
        ak_signal_key(c->st, dst, key);
    }
    ak_out_integer(&c->out, rc == 1);
}

/* ---------------------------------------------------------------- TTLs */

int ak_op_expire(ak_store *st, int db, ak_slice key, int64_t when, unsigned flags, int *applied)
{
    ak_engine *e = st->engine;
    ak_keyinfo ki;
    e->ops->lookup(e, db, key, AK_LOOKUP_NOTOUCH, &ki);
    *applied = 0;
    if (ki.type == AIKV_TYPE_NONE)
        return AK_OK;
    int64_t cur = ki.expire; /* AK_NO_EXPIRE (-1) counts as an infinite TTL */
    if ((flags & AIKV_EXPIRE_NX) && cur != AK_NO_EXPIRE)
        return AK_OK;
    if ((flags & AIKV_EXPIRE_XX) && cur == AK_NO_EXPIRE)
        return AK_OK;
    if ((flags & AIKV_EXPIRE_GT) && (cur == AK_NO_EXPIRE || when <= cur))
        return AK_OK;
    if ((flags & AIKV_EXPIRE_LT) && cur != AK_NO_EXPIRE && when >= cur)
        return AK_OK;
    if (when <= ak_mstime())
        e->ops->del(e, db, key);
    else
        e->ops->set_expire(e, db, key, when);
    ak_signal_key(st, db, key);
    *applied = 1;
    return AK_OK;
}

static void expire_generic(ak_session *c, int64_t base, int seconds)
{
    unsigned flags = 0;
    for (int j = 3; j < c->argc; j++) {
        if (ak_arg_is(c, j, "nx"))
            flags |= AIKV_EXPIRE_NX;
        else if (ak_arg_is(c, j, "xx"))
            flags |= AIKV_EXPIRE_XX;
        else if (ak_arg_is(c, j, "gt"))
            flags |= AIKV_EXPIRE_GT;
        else if (ak_arg_is(c, j, "lt"))
            flags |= AIKV_EXPIRE_LT;
        else {
            ak_reply_errorf(c, "ERR Unsupported option %.*s", (int)c->argvlen[j], c->argv[j]);
            return;
        }
    }
    if ((flags & AIKV_EXPIRE_NX) && (flags & (AIKV_EXPIRE_XX | AIKV_EXPIRE_GT | AIKV_EXPIRE_LT))) {
        ak_reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & AIKV_EXPIRE_GT) && (flags & AIKV_EXPIRE_LT)) {
        ak_reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    long long when;
    if (!ak_arg_ll(c, 2, &when))
        return;
    if ((seconds && (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000)) ||
        (seconds ? when * 1000 : when) > LLONG_MAX - base) {
        ak_reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
        return;
    }
    if (seconds)
        when *= 1000;
    when += base;
    int applied;
    ak_op_expire(c->st, c->db, ak_arg(c, 1), when, flags, &applied);
    ak_out_integer(&c->out, applied);
}

void ak_cmd_expire(ak_session *c)
{
    expire_generic(c, ak_mstime(), 1);
}

void ak_cmd_pexpire(ak_session *c)
{
    expire_generic(c, ak_mstime(), 0);
}

void ak_cmd_expireat(ak_session *c)
{
    expire_generic(c, 0, 1);
}

void ak_cmd_pexpireat(ak_session *c)
{
    expire_generic(c, 0, 0);
}

int64_t ak_op_pttl(ak_store *st, int db, ak_slice key)
{
    ak_keyinfo ki;
    st->engine->ops->lookup(st->engine, db, key, AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type == AIKV_TYPE_NONE)
        return -2;
    if (ki.expire == AK_NO_EXPIRE)
        return -1;
    int64_t ttl = ki.expire - ak_mstime();
    return ttl < 0 ? 0 : ttl;
}

static void ttl_generic(ak_session *c, int ms, int absolute)
{
    ak_keyinfo ki;
    lookup(c, ak_arg(c, 1), AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type == AIKV_TYPE_NONE) {
        ak_out_integer(&c->out, -2);
        return;
    }
    if (ki.expire == AK_NO_EXPIRE) {
        ak_out_integer(&c->out, -1);
        return;
    }
    int64_t t = absolute ? ki.expire : ki.expire - ak_mstime();
    if (t < 0)
        t = 0;
    ak_out_integer(&c->out, ms ? t : (t + 500) / 1000);
}

void ak_cmd_ttl(ak_session *c)
{
    ttl_generic(c, 0, 0);
}

void ak_cmd_pttl(ak_session *c)
{
    ttl_generic(c, 1, 0);
}

void ak_cmd_expiretime(ak_session *c)
{
    ttl_generic(c, 0, 1);
}

void ak_cmd_pexpiretime(ak_session *c)
{
    ttl_generic(c, 1, 1);
}

void ak_cmd_persist(ak_session *c)
{
    ak_keyinfo ki;
    lookup(c, ak_arg(c, 1), AK_LOOKUP_NOTOUCH, &ki);
    if (ki.type == AIKV_TYPE_NONE || ki.expire == AK_NO_EXPIRE) {
        ak_out_integer(&c->out, 0);
        return;
    }
    ak_eng(c)->ops->set_expire(ak_eng(c), c->db, ak_arg(c, 1), AK_NO_EXPIRE);
    ak_signal_key(c->st, c->db, ak_arg(c, 1));
    ak_out_integer(&c->out, 1);
}

/* ---------------------------------------------------------------- OBJECT */

/* The key's info, or a null reply and 0 when it does not exist. */
static int object_lookup(ak_session *c, ak_keyinfo *ki)
{
    ak_eng(c)->ops->lookup(ak_eng(c), c->db, ak_arg(c, 2), AK_LOOKUP_NOTOUCH, ki);
    if (ki->type == AIKV_TYPE_NONE) {
        ak_out_null(&c->out);
        return 0;
    }
    return 1;
}

void ak_cmd_object_encoding(ak_session *c)
{
    ak_keyinfo ki;
    if (object_lookup(c, &ki))
        ak_out_bulk_cstr(&c->out, ak_encoding_name(ki.encoding));
}

void ak_cmd_object_refcount(ak_session *c)
{
    ak_keyinfo ki;
    if (object_lookup(c, &ki))
        ak_out_integer(&c->out, ki.refcount);
}

void ak_cmd_object_idletime(ak_session *c)
{
    ak_keyinfo ki;
    if (object_lookup(c, &ki))
        ak_out_integer(&c->out, ki.idle_ms / 1000);
}

void ak_cmd_object_freq(ak_session *c)
{
    ak_keyinfo ki;
    if (object_lookup(c, &ki))
        ak_reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                          "tracked. Please note that when switching between policies at runtime "
                          "LRU and LFU data will take some time to adjust.");
}

void ak_cmd_object_help(ak_session *c)
{
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    ak_reply_help(c, "OBJECT", lines);
}
