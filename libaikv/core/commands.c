/*
 * commands.c -- the command table and its lookup (see command.h).
 *
 * The table is static data. ak_commands_init() numbers every command and
 * subcommand (ids index the per-store statistics), links subcommands to
 * their parent and builds an open-addressing index of lower-cased names, so
 * dispatch costs one hash of the command name.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../cmd/cmds.h"
#include "../util/num.h"
#include "../util/dict.h"
#include "command.h"

#define W AK_CMD_WRITE
#define R AK_CMD_READONLY
#define M AK_CMD_DENYOOM
#define F AK_CMD_FAST
#define A AK_CMD_ADMIN
#define NS AK_CMD_NOSCRIPT
#define LD AK_CMD_LOADING
#define ST AK_CMD_STALE
#define NA AK_CMD_NO_AUTH
#define AB AK_CMD_ALLOW_BUSY

#define NM AK_CMD_NO_MULTI
#define NAL AK_CMD_NO_ASYNC_LOADING
#define SS AK_CMD_SKIP_SLOWLOG
#define SM AK_CMD_SKIP_MONITOR
#define NK AK_CMD_NO_MANDATORY_KEYS
#define BL AK_CMD_BLOCKING

/* CMD(name, handler, arity, flags, first key, last key, key step, ACL categories
 *     beyond those the flags imply, command tips). */
#define CMD(n, proc, ar, fl, f, l, s, acl, tips) {n, ak_cmd_##proc, ar, fl, f, l, s, acl, tips, NULL, NULL, 0}
#define CONTAINER(n, proc, ar, fl, acl, tips, subs) {n, proc, ar, fl, 0, 0, 0, acl, tips, subs, NULL, 0}
#define END {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0}

static ak_cmd object_subs[] = {
    CMD("encoding", object_encoding, 3, R, 2, 2, 1, "keyspace", "nondeterministic_output"),
    CMD("freq", object_freq, 3, R, 2, 2, 1, "keyspace", "nondeterministic_output"),
    CMD("help", object_help, 2, LD | ST, 0, 0, 0, "keyspace", ""),
    CMD("idletime", object_idletime, 3, R, 2, 2, 1, "keyspace", "nondeterministic_output"),
    CMD("refcount", object_refcount, 3, R, 2, 2, 1, "keyspace", "nondeterministic_output"),
    END};

static ak_cmd client_subs[] = {
    CMD("getname", client_getname, 2, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("help", client_help, 2, LD | ST, 0, 0, 0, "connection", ""),
    CMD("id", client_id, 2, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("info", client_info, 2, NS | LD | ST, 0, 0, 0, "connection", "nondeterministic_output"),
    CMD("kill", client_kill, -3, A | NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("list", client_list, -2, A | NS | LD | ST, 0, 0, 0, "connection", "nondeterministic_output"),
    CMD("no-evict", client_no_evict, 3, A | NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("no-touch", client_no_touch, 3, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("reply", client_reply, 3, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("setinfo", client_setinfo, 4, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("setname", client_setname, 3, NS | LD | ST, 0, 0, 0, "connection", ""),
    CMD("unblock", client_unblock, -3, A | NS | LD | ST, 0, 0, 0, "connection", ""),
    END};

static ak_cmd command_subs[] = {
    CMD("count", command_count, 2, LD | ST, 0, 0, 0, "connection", ""),
    CMD("docs", command_docs, -2, LD | ST, 0, 0, 0, "connection", "nondeterministic_output_order"),
    CMD("getkeys", command_getkeys, -4, LD | ST, 0, 0, 0, "connection", ""),
    CMD("help", command_help, 2, LD | ST, 0, 0, 0, "connection", ""),
    CMD("info", command_info, -2, LD | ST, 0, 0, 0, "connection", "nondeterministic_output_order"),
    CMD("list", command_list, -2, LD | ST, 0, 0, 0, "connection", "nondeterministic_output_order"),
    END};

static ak_cmd function_subs[] = {
    CMD("delete", function_delete, 3, W | NS, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("dump", function_dump, 2, NS, 0, 0, 0, "scripting", ""),
    CMD("flush", function_flush, -2, W | NS, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("help", function_help, 2, LD | ST, 0, 0, 0, "scripting", ""),
    CMD("kill", function_kill, 2, NS | AB, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:one_succeeded"),
    CMD("list", function_list, -2, NS, 0, 0, 0, "scripting", "nondeterministic_output_order"),
    CMD("load", function_load, -3, W | M | NS, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("restore", function_restore, -3, W | M | NS, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("stats", function_stats, 2, NS | AB, 0, 0, 0, "scripting", "nondeterministic_output request_policy:all_shards response_policy:special"),
    END};

static ak_cmd script_subs[] = {
    CMD("exists", script_exists, -3, NS, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:agg_logical_and"),
    CMD("flush", script_flush, -2, NS, 0, 0, 0, "scripting", "request_policy:all_nodes response_policy:all_succeeded"),
    CMD("help", script_help, 2, LD | ST, 0, 0, 0, "scripting", ""),
    CMD("kill", script_kill, 2, NS | AB, 0, 0, 0, "scripting", "request_policy:all_shards response_policy:one_succeeded"),
    CMD("load", script_load, 3, NS | ST, 0, 0, 0, "scripting", "request_policy:all_nodes response_policy:all_succeeded"),
    END};

static ak_cmd config_subs[] = {
    CMD("get", config_get, -3, A | NS | LD | ST, 0, 0, 0, "", ""),
    CMD("help", config_help, 2, LD | ST, 0, 0, 0, "", ""),
    CMD("resetstat", config_resetstat, 2, A | NS | LD | ST, 0, 0, 0, "", ""),
    CMD("set", config_set, -4, A | NS | LD | ST, 0, 0, 0, "", "request_policy:all_nodes response_policy:all_succeeded"),
    END};

static ak_cmd table[] = {
    /* strings */
    CMD("append", append, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("decr", decr, 2, W | M | F, 1, 1, 1, "string", ""),
    CMD("decrby", decrby, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("get", get, 2, R | F, 1, 1, 1, "string", ""),
    CMD("getdel", getdel, 2, W | F, 1, 1, 1, "string", ""),
    CMD("getex", getex, -2, W | F, 1, 1, 1, "string", ""),
    CMD("getrange", getrange, 4, R, 1, 1, 1, "string", ""),
    CMD("getset", getset, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("incr", incr, 2, W | M | F, 1, 1, 1, "string", ""),
    CMD("incrby", incrby, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("incrbyfloat", incrbyfloat, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("lcs", lcs, -3, R, 1, 2, 1, "string", ""),
    CMD("mget", mget, -2, R | F, 1, -1, 1, "string", "request_policy:multi_shard"),
    CMD("mset", mset, -3, W | M, 1, -1, 2, "string", "request_policy:multi_shard response_policy:all_succeeded"),
    CMD("msetnx", msetnx, -3, W | M, 1, -1, 2, "string", "request_policy:multi_shard response_policy:agg_min"),
    CMD("psetex", psetex, 4, W | M, 1, 1, 1, "string", ""),
    CMD("set", set, -3, W | M, 1, 1, 1, "string", ""),
    CMD("setex", setex, 4, W | M, 1, 1, 1, "string", ""),
    CMD("setnx", setnx, 3, W | M | F, 1, 1, 1, "string", ""),
    CMD("setrange", setrange, 4, W | M, 1, 1, 1, "string", ""),
    CMD("strlen", strlen, 2, R | F, 1, 1, 1, "string", ""),
    CMD("substr", getrange, 4, R, 1, 1, 1, "string", ""),
    /* lists (cmd/list.c) */
    CMD("blmove", blmove, 6, W | M | NS | BL, 1, 2, 1, "list", ""),
    CMD("blmpop", blmpop, -5, W | BL, 0, 0, 0, "list", ""),
    CMD("blpop", blpop, -3, W | NS | BL, 1, -2, 1, "list", ""),
    CMD("brpop", brpop, -3, W | NS | BL, 1, -2, 1, "list", ""),
    CMD("brpoplpush", brpoplpush, 4, W | M | NS | BL, 1, 2, 1, "list", ""),
    CMD("lindex", lindex, 3, R, 1, 1, 1, "list", ""),
    CMD("linsert", linsert, 5, W | M, 1, 1, 1, "list", ""),
    CMD("llen", llen, 2, R | F, 1, 1, 1, "list", ""),
    CMD("lmove", lmove, 5, W | M, 1, 2, 1, "list", ""),
    CMD("lmpop", lmpop, -4, W, 0, 0, 0, "list", ""),
    CMD("lpop", lpop, -2, W | F, 1, 1, 1, "list", ""),
    CMD("lpos", lpos, -3, R, 1, 1, 1, "list", ""),
    CMD("lpush", lpush, -3, W | M | F, 1, 1, 1, "list", ""),
    CMD("lpushx", lpushx, -3, W | M | F, 1, 1, 1, "list", ""),
    CMD("lrange", lrange, 4, R, 1, 1, 1, "list", ""),
    CMD("lrem", lrem, 4, W, 1, 1, 1, "list", ""),
    CMD("lset", lset, 4, W | M, 1, 1, 1, "list", ""),
    CMD("ltrim", ltrim, 4, W, 1, 1, 1, "list", ""),
    CMD("rpop", rpop, -2, W | F, 1, 1, 1, "list", ""),
    CMD("rpoplpush", rpoplpush, 3, W | M, 1, 2, 1, "list", ""),
    CMD("rpush", rpush, -3, W | M | F, 1, 1, 1, "list", ""),
    CMD("rpushx", rpushx, -3, W | M | F, 1, 1, 1, "list", ""),
    /* hashes (cmd/hash.c) */
    CMD("hdel", hdel, -3, W | F, 1, 1, 1, "hash", ""),
    CMD("hexists", hexists, 3, R | F, 1, 1, 1, "hash", ""),
    CMD("hget", hget, 3, R | F, 1, 1, 1, "hash", ""),
    CMD("hgetall", hgetall, 2, R, 1, 1, 1, "hash", "nondeterministic_output_order"),
    CMD("hincrby", hincrby, 4, W | M | F, 1, 1, 1, "hash", ""),
    CMD("hincrbyfloat", hincrbyfloat, 4, W | M | F, 1, 1, 1, "hash", ""),
    CMD("hkeys", hkeys, 2, R, 1, 1, 1, "hash", "nondeterministic_output_order"),
    CMD("hlen", hlen, 2, R | F, 1, 1, 1, "hash", ""),
    CMD("hmget", hmget, -3, R | F, 1, 1, 1, "hash", ""),
    CMD("hmset", hmset, -4, W | M | F, 1, 1, 1, "hash", ""),
    CMD("hrandfield", hrandfield, -2, R, 1, 1, 1, "hash", "nondeterministic_output"),
    CMD("hscan", hscan, -3, R, 1, 1, 1, "hash", "nondeterministic_output"),
    CMD("hset", hset, -4, W | M | F, 1, 1, 1, "hash", ""),
    CMD("hsetnx", hsetnx, 4, W | M | F, 1, 1, 1, "hash", ""),
    CMD("hstrlen", hstrlen, 3, R | F, 1, 1, 1, "hash", ""),
    CMD("hvals", hvals, 2, R, 1, 1, 1, "hash", "nondeterministic_output_order"),
    /* sets (cmd/set.c) */
    CMD("sadd", sadd, -3, W | M | F, 1, 1, 1, "set", ""),
    CMD("scard", scard, 2, R | F, 1, 1, 1, "set", ""),
    CMD("sdiff", sdiff, -2, R, 1, -1, 1, "set", "nondeterministic_output_order"),
    CMD("sdiffstore", sdiffstore, -3, W | M, 1, -1, 1, "set", ""),
    CMD("sinter", sinter, -2, R, 1, -1, 1, "set", "nondeterministic_output_order"),
    CMD("sintercard", sintercard, -3, R, 0, 0, 0, "set", ""),
    CMD("sinterstore", sinterstore, -3, W | M, 1, -1, 1, "set", ""),
    CMD("sismember", sismember, 3, R | F, 1, 1, 1, "set", ""),
    CMD("smembers", smembers, 2, R, 1, 1, 1, "set", "nondeterministic_output_order"),
    CMD("smismember", smismember, -3, R | F, 1, 1, 1, "set", ""),
    CMD("smove", smove, 4, W | F, 1, 2, 1, "set", ""),
    CMD("spop", spop, -2, W | F, 1, 1, 1, "set", "nondeterministic_output"),
    CMD("srandmember", srandmember, -2, R, 1, 1, 1, "set", "nondeterministic_output"),
    CMD("srem", srem, -3, W | F, 1, 1, 1, "set", ""),
    CMD("sscan", sscan, -3, R, 1, 1, 1, "set", "nondeterministic_output"),
    CMD("sunion", sunion, -2, R, 1, -1, 1, "set", "nondeterministic_output_order"),
    CMD("sunionstore", sunionstore, -3, W | M, 1, -1, 1, "set", ""),
    /* sorted sets (cmd/zset.c) */
    CMD("bzmpop", bzmpop, -5, W | BL, 0, 0, 0, "sortedset", ""),
    CMD("bzpopmax", bzpopmax, -3, W | NS | BL | F, 1, -2, 1, "sortedset", ""),
    CMD("bzpopmin", bzpopmin, -3, W | NS | BL | F, 1, -2, 1, "sortedset", ""),
    CMD("zadd", zadd, -4, W | M | F, 1, 1, 1, "sortedset", ""),
    CMD("zcard", zcard, 2, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zcount", zcount, 4, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zdiff", zdiff, -3, R, 0, 0, 0, "sortedset", ""),
    CMD("zdiffstore", zdiffstore, -4, W | M, 1, 1, 1, "sortedset", ""),
    CMD("zincrby", zincrby, 4, W | M | F, 1, 1, 1, "sortedset", ""),
    CMD("zinter", zinter, -3, R, 0, 0, 0, "sortedset", ""),
    CMD("zintercard", zintercard, -3, R, 0, 0, 0, "sortedset", ""),
    CMD("zinterstore", zinterstore, -4, W | M, 1, 1, 1, "sortedset", ""),
    CMD("zlexcount", zlexcount, 4, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zmpop", zmpop, -4, W, 0, 0, 0, "sortedset", ""),
    CMD("zmscore", zmscore, -3, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zpopmax", zpopmax, -2, W | F, 1, 1, 1, "sortedset", ""),
    CMD("zpopmin", zpopmin, -2, W | F, 1, 1, 1, "sortedset", ""),
    CMD("zrandmember", zrandmember, -2, R, 1, 1, 1, "sortedset", "nondeterministic_output"),
    CMD("zrange", zrange, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrangebylex", zrangebylex, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrangebyscore", zrangebyscore, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrangestore", zrangestore, -5, W | M, 1, 2, 1, "sortedset", ""),
    /* ZRANK/ZREVRANK take Redis 7.2's WITHSCORE: arity -3 (7.0 says 3). */
    CMD("zrank", zrank, -3, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zrem", zrem, -3, W | F, 1, 1, 1, "sortedset", ""),
    CMD("zremrangebylex", zremrangebylex, 4, W, 1, 1, 1, "sortedset", ""),
    CMD("zremrangebyrank", zremrangebyrank, 4, W, 1, 1, 1, "sortedset", ""),
    CMD("zremrangebyscore", zremrangebyscore, 4, W, 1, 1, 1, "sortedset", ""),
    CMD("zrevrange", zrevrange, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrevrangebylex", zrevrangebylex, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrevrangebyscore", zrevrangebyscore, -4, R, 1, 1, 1, "sortedset", ""),
    CMD("zrevrank", zrevrank, -3, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zscan", zscan, -3, R, 1, 1, 1, "sortedset", "nondeterministic_output"),
    CMD("zscore", zscore, 3, R | F, 1, 1, 1, "sortedset", ""),
    CMD("zunion", zunion, -3, R, 0, 0, 0, "sortedset", ""),
    CMD("zunionstore", zunionstore, -4, W | M, 1, 1, 1, "sortedset", ""),
    /* SORT (cmd/sort.c) */
    CMD("sort", sort, -2, W | M, 1, 1, 1, "set sortedset list dangerous", ""),
    CMD("sort_ro", sort_ro, -2, R, 1, 1, 1, "set sortedset list dangerous", ""),
    /* keys */
    CMD("copy", copy, -3, W | M, 1, 2, 1, "keyspace", ""),
    CMD("del", del, -2, W, 1, -1, 1, "keyspace", "request_policy:multi_shard response_policy:agg_sum"),
    CMD("exists", exists, -2, R | F, 1, -1, 1, "keyspace", "request_policy:multi_shard response_policy:agg_sum"),
    CMD("expire", expire, -3, W | F, 1, 1, 1, "keyspace", ""),
    CMD("expireat", expireat, -3, W | F, 1, 1, 1, "keyspace", ""),
    CMD("expiretime", expiretime, 2, R | F, 1, 1, 1, "keyspace", ""),
    CMD("keys", keys, 2, R, 0, 0, 0, "keyspace dangerous", "request_policy:all_shards nondeterministic_output_order"),
    CMD("move", move, 3, W | F, 1, 1, 1, "keyspace", ""),
    CONTAINER("object", NULL, -2, 0, "", "", object_subs),
    CMD("persist", persist, 2, W | F, 1, 1, 1, "keyspace", ""),
    CMD("pexpire", pexpire, -3, W | F, 1, 1, 1, "keyspace", ""),
    CMD("pexpireat", pexpireat, -3, W | F, 1, 1, 1, "keyspace", ""),
    CMD("pexpiretime", pexpiretime, 2, R | F, 1, 1, 1, "keyspace", ""),
    CMD("pttl", pttl, 2, R | F, 1, 1, 1, "keyspace", "nondeterministic_output"),
    CMD("randomkey", randomkey, 1, R, 0, 0, 0, "keyspace", "request_policy:all_shards nondeterministic_output"),
    CMD("rename", rename, 3, W, 1, 2, 1, "keyspace", ""),
    CMD("renamenx", renamenx, 3, W | F, 1, 2, 1, "keyspace", ""),
    CMD("scan", scan, -2, R, 0, 0, 0, "keyspace", "nondeterministic_output request_policy:special"),
    CMD("touch", touch, -2, R | F, 1, -1, 1, "keyspace", "request_policy:multi_shard response_policy:agg_sum"),
    CMD("ttl", ttl, 2, R | F, 1, 1, 1, "keyspace", "nondeterministic_output"),
    CMD("type", type, 2, R | F, 1, 1, 1, "keyspace", ""),
    CMD("unlink", unlink, -2, W | F, 1, -1, 1, "keyspace", "request_policy:multi_shard response_policy:agg_sum"),
    /* databases */
    CMD("dbsize", dbsize, 1, R | F, 0, 0, 0, "keyspace", "request_policy:all_shards response_policy:agg_sum"),
    CMD("flushall", flushall, -1, W, 0, 0, 0, "keyspace dangerous", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("flushdb", flushdb, -1, W, 0, 0, 0, "keyspace dangerous", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("select", select, 2, LD | ST | F, 0, 0, 0, "connection", ""),
    CMD("swapdb", swapdb, 3, W | F, 0, 0, 0, "keyspace dangerous", ""),
    /* connection */
    CMD("auth", auth, -2, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", ""),
    CONTAINER("client", NULL, -2, 0, "", "", client_subs),
    CMD("echo", echo, 2, LD | ST | F, 0, 0, 0, "connection", ""),
    CMD("hello", hello, -1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", ""),
    CMD("ping", ping, -1, F, 0, 0, 0, "connection", "request_policy:all_shards response_policy:all_succeeded"),
    CMD("quit", quit, -1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", ""),
    CMD("reset", reset, 1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", ""),
    /* transactions (cmd/multi.c) */
    CMD("discard", discard, 1, NS | LD | ST | F | AB, 0, 0, 0, "transaction", ""),
    CMD("exec", exec, 1, NS | LD | ST | SS, 0, 0, 0, "transaction", ""),
    CMD("multi", multi, 1, NS | LD | ST | F | AB, 0, 0, 0, "transaction", ""),
    CMD("unwatch", unwatch, 1, NS | LD | ST | F | AB, 0, 0, 0, "transaction", ""),
    CMD("watch", watch, -2, NS | LD | ST | F | AB, 1, -1, 1, "transaction", ""),
    /* server */
    CMD("bgsave", bgsave, -1, A | NS | NAL, 0, 0, 0, "", ""),
    /* COMMAND alone lists every command; with a word it is a container. */
    CONTAINER("command", ak_cmd_command, -1, LD | ST, "connection", "nondeterministic_output_order", command_subs),
    CONTAINER("config", NULL, -2, 0, "", "", config_subs),
    CMD("debug", debug, -2, A | NS | LD | ST, 0, 0, 0, "", ""),
    CMD("info", info, -1, LD | ST, 0, 0, 0, "dangerous", "nondeterministic_output request_policy:all_shards response_policy:special"),
    CMD("lastsave", lastsave, 1, LD | ST | F, 0, 0, 0, "admin dangerous", "nondeterministic_output"),
    CMD("save", save, 1, A | NS | NAL | NM, 0, 0, 0, "", ""),
    CMD("shutdown", shutdown, -1, A | NS | LD | ST | NM | AB, 0, 0, 0, "", ""),
    CMD("time", time, 1, LD | ST | F, 0, 0, 0, "", "nondeterministic_output"),
    /* scripting (cmd/script.c); keys: numkeys at 2 (movable) */
    CMD("eval", eval, -3, NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CMD("eval_ro", eval_ro, -3, R | NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CMD("evalsha", evalsha, -3, NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CMD("evalsha_ro", evalsha_ro, -3, R | NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CONTAINER("script", NULL, -2, 0, "", "", script_subs),
    /* functions (cmd/function.c); keys: numkeys at 2 (movable) */
    CMD("fcall", fcall, -3, NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CMD("fcall_ro", fcall_ro, -3, R | NS | ST | SM | NK, 0, 0, 0, "scripting", ""),
    CONTAINER("function", NULL, -2, 0, "", "", function_subs),
    END};

/* ---------------------------------------------------------------- lookup */

#define INDEX_SIZE 512 /* power of two, > 2 * commands */
static const ak_cmd *index_slots[INDEX_SIZE];
static int ncommands, nids;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t name_hash(const char *s, size_t n)
{
    return ak_hash_nocase(s, n);
}

static void index_add(const ak_cmd *c)
{
    size_t i = name_hash(c->name, strlen(c->name)) & (INDEX_SIZE - 1);
    while (index_slots[i])
        i = (i + 1) & (INDEX_SIZE - 1);
    index_slots[i] = c;
}

static void init_once(void)
{
    int id = 0;
    for (ak_cmd *c = table; c->name; c++) {
        c->id = id++;
        for (ak_cmd *s = (ak_cmd *)c->sub; s && s->name; s++) {
            s->id = id++;
            s->parent = c;
        }
        index_add(c);
        ncommands++;
    }
    nids = id;
}

void ak_commands_init(void)
{
    pthread_once(&once, init_once);
}

const ak_cmd *ak_cmd_lookup(const char *name, size_t len)
{
    size_t i = name_hash(name, len) & (INDEX_SIZE - 1);
    for (const ak_cmd *c; (c = index_slots[i]) != NULL; i = (i + 1) & (INDEX_SIZE - 1))
        if (strlen(c->name) == len && !strncasecmp(c->name, name, len))
            return c;
    return NULL;
}

const ak_cmd *ak_cmd_lookup_sub(const ak_cmd *parent, const char *name, size_t len)
{
    if (!parent->sub)
        return NULL;
    for (const ak_cmd *s = parent->sub; s->name; s++)
        if (strlen(s->name) == len && !strncasecmp(s->name, name, len))
            return s;
    return NULL;
}

/* ---------------------------------------------------------------- docs */

static const struct {
    const char *name;
    const char *resp3;
    const char *keyspecs;
} docs[] = {
#include "command_docs.inc"
};

static int docs_index(const ak_cmd *cmd)
{
    char full[96];
    ak_cmd_fullname(cmd, full, sizeof full);
    size_t lo = 0, hi = sizeof docs / sizeof *docs;
    while (lo < hi) { /* the generator writes them sorted */
        size_t mid = (lo + hi) / 2;
        int c = strcmp(docs[mid].name, full);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const char *ak_cmd_docs(const ak_cmd *cmd, size_t *len)
{
    int i = docs_index(cmd);
    if (i < 0)
        return NULL;
    *len = strlen(docs[i].resp3);
    return docs[i].resp3;
}

const char *ak_cmd_keyspecs(const ak_cmd *cmd, size_t *len)
{
    int i = docs_index(cmd);
    if (i < 0)
        return NULL;
    *len = strlen(docs[i].keyspecs);
    return docs[i].keyspecs;
}

const ak_cmd *ak_cmd_table(int *count)
{
    *count = ncommands;
    return table;
}

int ak_cmd_ids(void)
{
    return nids;
}

void ak_cmd_fullname(const ak_cmd *cmd, char *buf, size_t len)
{
    if (cmd->parent)
        snprintf(buf, len, "%s|%s", cmd->parent->name, cmd->name);
    else
        snprintf(buf, len, "%s", cmd->name);
}

/* ---------------------------------------------------------------- movable keys */

typedef int key_finder(int argc, const char *const *argv, const size_t *argvlen, int *idx, int max);

/* "<cmd> [dest] numkeys key [key ...] ...": numkeys at position `at`,
 * preceded by a destination key when `dest`. */
static int numkeys_keys(int at, int dest, int argc, const char *const *argv,
                        const size_t *argvlen, int *idx, int max)
{
    long long n;
    int k = 0;
    if (at >= argc || !ak_str2ll(argv[at], argvlen[at], &n) || n <= 0 || n > argc - at - 1)
        return 0;
    if (dest && k < max)
        idx[k++] = 1;
    for (int i = 0; i < n && k < max; i++)
        idx[k++] = at + 1 + i;
    return k;
}

#define NUMKEYS_FINDER(name, at, dest)                                                         \
    static int name(int argc, const char *const *argv, const size_t *argvlen, int *idx, int max) \
    {                                                                                          \
        return numkeys_keys(at, dest, argc, argv, argvlen, idx, max);                          \
    }
NUMKEYS_FINDER(keys_numkeys_at1, 1, 0)
NUMKEYS_FINDER(keys_numkeys_at2_dest, 2, 1)
NUMKEYS_FINDER(keys_numkeys_at2, 2, 0)

/* SORT key ... [STORE dest]: the sorted key and the STORE destination, read
 * as SORT's own parser reads the options. */
static int keys_sort(int argc, const char *const *argv, const size_t *argvlen, int *idx, int max)
{
    static const struct {
        const char *word;
        int skip;
    } opts[] = {{"limit", 2}, {"get", 1}, {"by", 1}};
    int k = 0;
    if (k < max)
        idx[k++] = 1;
    for (int i = 2; i < argc; i++) {
        for (size_t o = 0; o < sizeof opts / sizeof *opts; o++)
            if (argvlen[i] == strlen(opts[o].word) && !strncasecmp(argv[i], opts[o].word, argvlen[i])) {
                i += opts[o].skip;
                goto next;
            }
        if (argvlen[i] == 5 && !strncasecmp(argv[i], "store", 5) && i + 1 < argc && k < max) {
            /* The last STORE wins, as in SORT itself. */
            if (k == 2)
                idx[1] = i + 1;
            else
                idx[k++] = i + 1;
            i++;
        }
    next:;
    }
    return k;
}

static const struct {
    const char *name;
    key_finder *find;
} finders[] = {
    {"sort", keys_sort},
    {"sintercard", keys_numkeys_at1},
    {"lmpop", keys_numkeys_at1},
    {"blmpop", keys_numkeys_at2},
    {"bzmpop", keys_numkeys_at2},
    {"zmpop", keys_numkeys_at1},
    {"zunion", keys_numkeys_at1},
    {"zinter", keys_numkeys_at1},
    {"zdiff", keys_numkeys_at1},
    {"zintercard", keys_numkeys_at1},
    {"zunionstore", keys_numkeys_at2_dest},
    {"zinterstore", keys_numkeys_at2_dest},
    {"zdiffstore", keys_numkeys_at2_dest},
    {"eval", keys_numkeys_at2},
    {"eval_ro", keys_numkeys_at2},
    {"evalsha", keys_numkeys_at2},
    {"evalsha_ro", keys_numkeys_at2},
    {"fcall", keys_numkeys_at2},
    {"fcall_ro", keys_numkeys_at2},
};

static key_finder *finder_of(const ak_cmd *cmd)
{
    if (cmd->parent)
        return NULL;
    for (size_t i = 0; i < sizeof finders / sizeof *finders; i++)
        if (!strcmp(finders[i].name, cmd->name))
            return finders[i].find;
    return NULL;
}

int ak_cmd_movablekeys(const ak_cmd *cmd)
{
    return finder_of(cmd) != NULL;
}

int ak_cmd_getkeys(const ak_cmd *cmd, int argc, const char *const *argv, const size_t *argvlen,
                   int *idx, int max)
{
    key_finder *find = finder_of(cmd);
    if (find)
        return find(argc, argv, argvlen, idx, max);
    if (cmd->first <= 0)
        return -1;
    int last = cmd->last < 0 ? argc + cmd->last : cmd->last;
    int n = 0;
    for (int i = cmd->first; i <= last && i < argc && n < max; i += cmd->step)
        idx[n++] = i;
    return n;
}
