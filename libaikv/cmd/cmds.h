/*
 * cmds.h -- every command handler, by family. The table in
 * core/commands.c names them; each family's file implements them.
 */
#ifndef AK_CMDS_H
#define AK_CMDS_H

#include "../core/command.h"
#include "../core/core.h"

#define AK_DECLARE(name) void ak_cmd_##name(ak_session *c);

/* cmd/string.c */
#define AK_STRING_CMDS(X)                                                                   \
    X(get) X(set) X(setnx) X(setex) X(psetex) X(mget) X(mset) X(msetnx) X(getset) X(getdel) \
    X(getex) X(append) X(strlen) X(incr) X(decr) X(incrby) X(decrby) X(incrbyfloat)         \
    X(getrange) X(setrange) X(lcs)
/* cmd/keys.c */
#define AK_KEY_CMDS(X)                                                                      \
    X(del) X(unlink) X(exists) X(type) X(keys) X(scan) X(randomkey) X(rename) X(renamenx)   \
    X(copy) X(move) X(touch) X(expire) X(pexpire) X(expireat) X(pexpireat) X(ttl) X(pttl)   \
    X(expiretime) X(pexpiretime) X(persist) X(object_encoding) X(object_refcount)           \
    X(object_idletime) X(object_freq) X(object_help)
/* cmd/db.c */
#define AK_DB_CMDS(X) X(select) X(dbsize) X(flushdb) X(flushall) X(swapdb)
/* cmd/connection.c */
#define AK_CONN_CMDS(X)                                                                     \
    X(ping) X(echo) X(hello) X(quit) X(reset) X(auth) X(client_id) X(client_getname)        \
    X(client_setname) X(client_list) X(client_info) X(client_kill) X(client_setinfo)        \
    X(client_reply) X(client_no_evict) X(client_no_touch) X(client_help) X(client_unblock)
/* cmd/multi.c */
#define AK_MULTI_CMDS(X) X(multi) X(exec) X(discard) X(watch) X(unwatch)
/* cmd/server.c */
#define AK_SERVER_CMDS(X)                                                                   \
    X(command) X(command_count) X(command_info) X(command_docs) X(command_list)             \
    X(command_getkeys) X(command_help) X(info) X(time) X(config_get) X(config_set)          \
    X(config_resetstat) X(config_help) X(debug) X(shutdown)

/* cmd/persist.c */
#define AK_PERSIST_CMDS(X) X(save) X(bgsave) X(lastsave)

/* cmd/list.c */
#define AK_LIST_CMDS(X)                                                                     \
    X(lpush) X(rpush) X(lpushx) X(rpushx) X(lpop) X(rpop) X(llen) X(lrange) X(lindex)       \
    X(lset) X(linsert) X(lrem) X(ltrim) X(lpos) X(lmove) X(rpoplpush) X(lmpop) X(blpop)     \
    X(brpop) X(blmpop) X(blmove) X(brpoplpush)
/* cmd/hash.c */
#define AK_HASH_CMDS(X)                                                                     \
    X(hset) X(hsetnx) X(hmset) X(hget) X(hmget) X(hdel) X(hexists) X(hlen) X(hstrlen)       \
    X(hkeys) X(hvals) X(hgetall) X(hincrby) X(hincrbyfloat) X(hrandfield) X(hscan)
/* cmd/set.c */
#define AK_SET_CMDS(X)                                                                      \
    X(sadd) X(srem) X(smove) X(sismember) X(smismember) X(smembers) X(scard) X(spop)        \
    X(srandmember) X(sinter) X(sintercard) X(sinterstore) X(sunion) X(sunionstore) X(sdiff) \
    X(sdiffstore) X(sscan)
/* set.c operations shared with the C API: SADD / SREM, signalling the key
 * when something changed. AK_OK with *added / *removed (may be NULL), or
 * AK_WRONGTYPE. */
int ak_op_sadd(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *added);
int ak_op_srem(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed);
/* cmd/zset.c */
#define AK_ZSET_CMDS(X)                                                                     \
    X(zadd) X(zincrby) X(zrem) X(zscore) X(zmscore) X(zcard) X(zcount) X(zlexcount)         \
    X(zrank) X(zrevrank) X(zrange) X(zrangestore) X(zrevrange) X(zrangebyscore)             \
    X(zrevrangebyscore) X(zrangebylex) X(zrevrangebylex) X(zremrangebyrank)                 \
    X(zremrangebyscore) X(zremrangebylex) X(zpopmin) X(zpopmax) X(zmpop) X(bzpopmin)        \
    X(bzpopmax) X(bzmpop) X(zrandmember)                                                    \
    X(zunion) X(zinter) X(zdiff) X(zunionstore) X(zinterstore) X(zdiffstore)               \
    X(zintercard) X(zscan)
/* zset.c operations shared with the C API (store/zset.h types): ZADD with
 * AK_ZADD_* flags (AK_OK with *res, AK_WRONGTYPE, AIKV_NOTNUM when INCR
 * made NaN) and ZREM (*removed); both signal the key when it changed. */
struct ak_zelem;
struct ak_zadd_result;
int ak_op_zadd(ak_store *st, int db, ak_slice key, const struct ak_zelem *el, size_t n,
               unsigned flags, struct ak_zadd_result *res);
int ak_op_zrem(ak_store *st, int db, ak_slice key, const ak_slice *members, size_t n,
               size_t *removed);
/* cmd/sort.c */
#define AK_SORT_CMDS(X) X(sort) X(sort_ro)
/* cmd/script.c */
#define AK_SCRIPT_CMDS(X)                                                                   \
    X(eval) X(evalsha) X(eval_ro) X(evalsha_ro) X(script_load) X(script_exists)             \
    X(script_flush) X(script_kill) X(script_help)
/* cmd/function.c */
#define AK_FUNCTION_CMDS(X)                                                                 \
    X(fcall) X(fcall_ro) X(function_load) X(function_delete) X(function_flush)              \
    X(function_list) X(function_dump) X(function_restore) X(function_stats)                 \
    X(function_kill) X(function_help)

AK_STRING_CMDS(AK_DECLARE)
AK_LIST_CMDS(AK_DECLARE)
AK_HASH_CMDS(AK_DECLARE)
AK_SET_CMDS(AK_DECLARE)
AK_ZSET_CMDS(AK_DECLARE)
AK_SORT_CMDS(AK_DECLARE)
AK_KEY_CMDS(AK_DECLARE)
AK_DB_CMDS(AK_DECLARE)
AK_CONN_CMDS(AK_DECLARE)
AK_MULTI_CMDS(AK_DECLARE)
AK_SERVER_CMDS(AK_DECLARE)
AK_PERSIST_CMDS(AK_DECLARE)
AK_SCRIPT_CMDS(AK_DECLARE)
AK_FUNCTION_CMDS(AK_DECLARE)

/* ---- operations shared by commands and the typed C API (aikv.h) ----
 * They return AK_OK / AK_NOTFOUND / AK_WRONGTYPE or an AIKV_* code, and
 * signal the key when they write. Store locked. */

/* string.c */
#define AK_SET_NX 0x001
#define AK_SET_XX 0x002
#define AK_SET_GET 0x004
#define AK_SET_KEEPTTL 0x008
#define AK_SET_EX 0x010
#define AK_SET_PX 0x020
#define AK_SET_EXAT 0x040
#define AK_SET_PXAT 0x080
#define AK_SET_PERSIST 0x100
#define AK_SET_EXPIRES (AK_SET_EX | AK_SET_PX | AK_SET_EXAT | AK_SET_PXAT)
typedef void ak_old_fn(void *ctx, const ak_slice *old);
/* SET with its conditions: flags AK_SET_NX/XX/GET/KEEPTTL, `when` absolute
 * ms or AK_NO_EXPIRE. With AK_SET_GET the old value (NULL if none) goes to
 * on_old before anything changes. Returns AK_OK (and *applied) or
 * AK_WRONGTYPE (only with AK_SET_GET; nothing changed). */
int ak_op_set(ak_store *st, int db, ak_slice key, ak_slice val, unsigned flags, int64_t when,
              ak_old_fn *on_old, void *ctx, int *applied);
/* APPEND / SETRANGE: AK_OK with *newlen, AK_WRONGTYPE, or AIKV_TOOBIG past
 * proto-max-bulk-len. */
int ak_op_append(ak_store *st, int db, ak_slice key, ak_slice val, size_t *newlen);
int ak_op_setrange(ak_store *st, int db, ak_slice key, size_t off, ak_slice val, size_t *newlen);
int ak_op_incrby(ak_store *st, int db, ak_slice key, long long by, long long *result);
int ak_op_incrbyfloat(ak_store *st, int db, ak_slice key, long double by, char *buf,
                      size_t *len, long double *result);
/* Resolves Redis's GETRANGE indexes over a string of length n; returns 0
 * and an empty range when nothing is selected. */
int ak_range_resolve(long long start, long long end, size_t n, size_t *from, size_t *count);
/* keys.c: PEXPIREAT-style with NX/XX/GT/LT flags (AIKV_EXPIRE_*); *applied. */
int ak_op_expire(ak_store *st, int db, ak_slice key, int64_t when_ms, unsigned flags,
                 int *applied);
/* PTTL semantics in ms (-2 missing, -1 none). */
int64_t ak_op_pttl(ak_store *st, int db, ak_slice key);

/* list.c: LPUSH/RPUSH (xx = 0) and LPUSHX/RPUSHX (xx = 1) of n values at
 * `where` (AK_LIST_HEAD/TAIL); *len the new length (0 when xx found no
 * key: AK_NOTFOUND). LPOP/RPOP of up to count elements, begin(ctx, n) first
 * (may be NULL), then fn per element. Both signal the key when they write. */
int ak_op_list_push(ak_store *st, int db, ak_slice key, int where, const ak_slice *vals, size_t n,
                    int xx, size_t *len);
int ak_op_list_pop(ak_store *st, int db, ak_slice key, int where, size_t count,
                   void (*begin)(void *ctx, size_t n), ak_elem_fn fn, void *ctx);

/* hash.c: HSET/HSETNX (npairs pairs fv[2i] -> fv[2i+1]; *added), HDEL
 * (*deleted), HINCRBY and HINCRBYFLOAT (AIKV_NOTNUM for a value that is not
 * a number, AIKV_OVERFLOW, AIKV_RANGE for a NaN or infinite increment or
 * result; buf holds AK_LD_STR_CAP bytes). */
int ak_op_hset(ak_store *st, int db, ak_slice key, const ak_slice *fv, size_t npairs, int nx,
               size_t *added);
int ak_op_hdel(ak_store *st, int db, ak_slice key, const ak_slice *fields, size_t n,
               size_t *deleted);
int ak_op_hincrby(ak_store *st, int db, ak_slice key, ak_slice field, long long by,
                  long long *result);
int ak_op_hincrbyfloat(ak_store *st, int db, ak_slice key, ak_slice field, long double by,
                       char *buf, size_t *len);

#endif
