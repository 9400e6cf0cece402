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
    X(client_reply) X(client_no_evict) X(client_no_touch) X(client_help)
/* cmd/server.c */
#define AK_SERVER_CMDS(X)                                                                   \
    X(command) X(command_count) X(command_info) X(command_docs) X(command_list)             \
    X(command_getkeys) X(command_help) X(info) X(time) X(config_get) X(config_set)          \
    X(config_resetstat) X(config_help) X(debug) X(shutdown)

/* cmd/list.c */
#define AK_LIST_CMDS(X)
/* cmd/hash.c */
#define AK_HASH_CMDS(X)
/* cmd/set.c */
#define AK_SET_CMDS(X)
/* cmd/zset.c */
#define AK_ZSET_CMDS(X)
/* cmd/sort.c */
#define AK_SORT_CMDS(X)

AK_STRING_CMDS(AK_DECLARE)
AK_LIST_CMDS(AK_DECLARE)
AK_HASH_CMDS(AK_DECLARE)
AK_SET_CMDS(AK_DECLARE)
AK_ZSET_CMDS(AK_DECLARE)
AK_SORT_CMDS(AK_DECLARE)
AK_KEY_CMDS(AK_DECLARE)
AK_DB_CMDS(AK_DECLARE)
AK_CONN_CMDS(AK_DECLARE)
AK_SERVER_CMDS(AK_DECLARE)

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

#endif
