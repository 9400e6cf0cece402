/*
 * command.h -- the command table.
 *
 * One table describes every command: name, handler, arity (-N = at least
 * N), flags, key positions, and the documentation COMMAND DOCS serves. The
 * dispatcher checks arity, authentication and MULTI queueing (later scripts,
 * ACLs and cluster slots) from it, so handlers never re-check them. Container
 * commands (CONFIG, CLIENT, OBJECT, COMMAND, DEBUG) have subcommand tables
 * of the same shape.
 */
#ifndef AK_COMMAND_H
#define AK_COMMAND_H

#include <stdint.h>

#include "core.h"

typedef void ak_cmd_proc(ak_session *c);

/* Flags, with the names COMMAND INFO reports. */
#define AK_CMD_FLAGS(X)                     \
    X(WRITE, 0x0001, "write")               \
    X(READONLY, 0x0002, "readonly")         \
    X(DENYOOM, 0x0004, "denyoom")           \
    X(ADMIN, 0x0008, "admin")               \
    X(PUBSUB, 0x0010, "pubsub")             \
    X(NOSCRIPT, 0x0020, "noscript")         \
    X(BLOCKING, 0x0040, "blocking")         \
    X(LOADING, 0x0080, "loading")           \
    X(STALE, 0x0100, "stale")               \
    X(SKIP_MONITOR, 0x0200, "skip_monitor") \
    X(SKIP_SLOWLOG, 0x0400, "skip_slowlog") \
    X(FAST, 0x0800, "fast")                 \
    X(NO_AUTH, 0x1000, "no_auth")           \
    X(MAY_REPLICATE, 0x2000, "may_replicate") \
    X(NO_ASYNC_LOADING, 0x40000, "no_async_loading") \
    X(NO_MULTI, 0x4000, "no_multi")         \
    X(ALLOW_BUSY, 0x8000, "allow_busy")     \
    X(SENTINEL, 0x10000, "sentinel")        \
    X(NO_MANDATORY_KEYS, 0x20000, "no_mandatory_keys")

enum {
#define AK_X_(name, value, text) AK_CMD_##name = value,
    AK_CMD_FLAGS(AK_X_)
#undef AK_X_
};

struct ak_cmd {
    const char *name;      /* lower case; a subcommand's own word */
    ak_cmd_proc *proc;     /* called when there is no subcommand word */
    int arity;
    uint32_t flags;
    int first, last, step; /* key positions; last -1 = the last argument */
    const char *acl;       /* explicit ACL categories ("keyspace dangerous"); the
                              flags add the implicit ones (@write, @fast...) */
    const char *tips;      /* command tips, space separated */
    const ak_cmd *sub;     /* subcommands, ended by an entry with name NULL;
                              with argc >= 2 dispatch goes to sub[argv[1]] */
    const ak_cmd *parent;  /* set at start for subcommands */
    int id;                /* index into per-store statistics */
};

/* Builds the lookup structures once (thread safe; called by ak_store_open). */
void ak_commands_init(void);

/* The command named (name, len), case-insensitive, or NULL. */
const ak_cmd *ak_cmd_lookup(const char *name, size_t len);
/* The subcommand of a container, or NULL. */
const ak_cmd *ak_cmd_lookup_sub(const ak_cmd *parent, const char *name, size_t len);

/* The COMMAND DOCS map of a command as RESP3 bytes (command_docs.inc), or
 * NULL. */
const char *ak_cmd_docs(const ak_cmd *cmd, size_t *len);
/* Its COMMAND INFO key specifications, likewise. */
const char *ak_cmd_keyspecs(const ak_cmd *cmd, size_t *len);

/* All top-level commands, for COMMAND COUNT/LIST/INFO/DOCS. */
const ak_cmd *ak_cmd_table(int *count);
/* Number of ids (commands and subcommands), for statistics arrays. */
int ak_cmd_ids(void);
/* "config|get" or "get": the name INFO commandstats uses. */
void ak_cmd_fullname(const ak_cmd *cmd, char *buf, size_t len);

/* Key positions of a call (COMMAND GETKEYS; later cluster and ACL checks).
 * Writes up to max indexes into argv; returns how many, or -1 when the
 * command takes no keys. Commands whose keys depend on their arguments
 * (numkeys, STORE) have a finder of their own ("movablekeys"). */
int ak_cmd_getkeys(const ak_cmd *cmd, int argc, const char *const *argv, const size_t *argvlen,
                   int *idx, int max);
/* 1 if the command's keys depend on its arguments. */
int ak_cmd_movablekeys(const ak_cmd *cmd);

#endif
