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

#define CMD(n, proc, ar, fl, f, l, s, grp, since, cx, sum) \
    {n, ak_cmd_##proc, ar, fl, f, l, s, grp, since, cx, sum, NULL, NULL, 0}
#define CONTAINER(n, ar, fl, grp, since, sum, subs) \
    {n, NULL, ar, fl, 0, 0, 0, grp, since, "Depends on subcommand.", sum, subs, NULL, 0}
#define END {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0}

static ak_cmd object_subs[] = {
    CMD("encoding", object_encoding, 3, R, 2, 2, 1, "generic", "2.2.3", "O(1)",
        "Returns the internal encoding of a Redis object."),
    CMD("freq", object_freq, 3, R, 2, 2, 1, "generic", "4.0.0", "O(1)",
        "Returns the logarithmic access frequency counter of a Redis object."),
    CMD("help", object_help, 2, LD | ST, 0, 0, 0, "generic", "6.2.0", "O(1)",
        "Returns helpful text about the different subcommands."),
    CMD("idletime", object_idletime, 3, R, 2, 2, 1, "generic", "2.2.3", "O(1)",
        "Returns the time since the last access to a Redis object."),
    CMD("refcount", object_refcount, 3, R, 2, 2, 1, "generic", "2.2.3", "O(1)",
        "Returns the reference count of a value of a key."),
    END};

static ak_cmd client_subs[] = {
    CMD("getname", client_getname, 2, NS | LD | ST, 0, 0, 0, "connection", "2.6.9", "O(1)",
        "Returns the name of the connection."),
    CMD("help", client_help, 2, LD | ST, 0, 0, 0, "connection", "5.0.0", "O(1)",
        "Returns helpful text about the different subcommands."),
    CMD("id", client_id, 2, NS | LD | ST, 0, 0, 0, "connection", "5.0.0", "O(1)",
        "Returns the unique client ID of the connection."),
    CMD("info", client_info, 2, NS | LD | ST, 0, 0, 0, "connection", "6.2.0", "O(1)",
        "Returns information about the connection."),
    CMD("kill", client_kill, -3, A | NS | LD | ST, 0, 0, 0, "connection", "2.4.0",
        "O(N) where N is the number of client connections", "Terminates open connections."),
    CMD("list", client_list, -2, A | NS | LD | ST, 0, 0, 0, "connection", "2.4.0",
        "O(N) where N is the number of client connections",
        "Lists open connections."),
    CMD("no-evict", client_no_evict, 3, A | NS | LD | ST, 0, 0, 0, "connection", "7.0.0",
        "O(1)", "Sets the client eviction mode of the connection."),
    CMD("no-touch", client_no_touch, 3, NS | LD | ST, 0, 0, 0, "connection", "7.2.0", "O(1)",
        "Controls whether commands sent by the client affect the LRU/LFU of accessed keys."),
    CMD("reply", client_reply, 3, NS | LD | ST, 0, 0, 0, "connection", "3.2.0", "O(1)",
        "Instructs the server whether to reply to commands."),
    CMD("setinfo", client_setinfo, 4, NS | LD | ST, 0, 0, 0, "connection", "7.2.0", "O(1)",
        "Sets information specific to the client or connection."),
    CMD("setname", client_setname, 3, NS | LD | ST, 0, 0, 0, "connection", "2.6.9", "O(1)",
        "Sets the connection name."),
    END};

static ak_cmd command_subs[] = {
    CMD("count", command_count, 2, LD | ST, 0, 0, 0, "server", "2.8.13", "O(1)",
        "Returns a count of commands."),
    CMD("docs", command_docs, -2, LD | ST, 0, 0, 0, "server", "7.0.0",
        "O(N) where N is the number of commands to look up",
        "Returns documentary information about one, multiple or all commands."),
    CMD("getkeys", command_getkeys, -3, LD | ST, 0, 0, 0, "server", "2.8.13",
        "O(N) where N is the number of arguments to the command",
        "Extracts the key names from an arbitrary command."),
    CMD("help", command_help, 2, LD | ST, 0, 0, 0, "server", "5.0.0", "O(1)",
        "Returns helpful text about the different subcommands."),
    CMD("info", command_info, -2, LD | ST, 0, 0, 0, "server", "2.8.13",
        "O(N) where N is the number of commands to look up",
        "Returns information about one, multiple or all commands."),
    CMD("list", command_list, -2, LD | ST, 0, 0, 0, "server", "7.0.0",
        "O(N) where N is the total number of Redis commands", "Returns a list of command names."),
    END};

static ak_cmd config_subs[] = {
    CMD("get", config_get, -3, A | NS | LD | ST, 0, 0, 0, "server", "2.0.0",
        "O(N) when N is the number of configuration parameters provided",
        "Returns the effective values of configuration parameters."),
    CMD("help", config_help, 2, LD | ST, 0, 0, 0, "server", "5.0.0", "O(1)",
        "Returns helpful text about the different subcommands."),
    CMD("resetstat", config_resetstat, 2, A | NS | LD | ST, 0, 0, 0, "server", "2.0.0", "O(1)",
        "Resets the server's statistics."),
    CMD("set", config_set, -4, A | NS | LD | ST, 0, 0, 0, "server", "2.0.0",
        "O(N) when N is the number of configuration parameters provided",
        "Sets configuration parameters in-flight."),
    END};

static ak_cmd table[] = {
    /* strings */
    CMD("append", append, 3, W | M | F, 1, 1, 1, "string", "2.0.0", "O(1)",
        "Appends a string to the value of a key. Creates the key if it doesn't exist."),
    CMD("decr", decr, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    CMD("decrby", decrby, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist."),
    CMD("get", get, 2, R | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Returns the string value of a key."),
    CMD("getdel", getdel, 2, W | F, 1, 1, 1, "string", "6.2.0", "O(1)",
        "Returns the string value of a key after deleting the key."),
    CMD("getex", getex, -2, W | F, 1, 1, 1, "string", "6.2.0", "O(1)",
        "Returns the string value of a key after setting its expiration time."),
    CMD("getrange", getrange, 4, R, 1, 1, 1, "string", "2.4.0",
        "O(N) where N is the length of the returned string.",
        "Returns a substring of the string stored at a key."),
    CMD("getset", getset, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Returns the previous string value of a key after setting it to a new value."),
    CMD("incr", incr, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    CMD("incrby", incrby, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    CMD("incrbyfloat", incrbyfloat, 3, W | M | F, 1, 1, 1, "string", "2.6.0", "O(1)",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    CMD("lcs", lcs, -3, R, 1, 2, 1, "string", "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        "Finds the longest common substring."),
    CMD("mget", mget, -2, R | F, 1, -1, 1, "string", "1.0.0",
        "O(N) where N is the number of keys to retrieve.",
        "Atomically returns the string values of one or more keys."),
    CMD("mset", mset, -3, W | M, 1, -1, 2, "string", "1.0.1",
        "O(N) where N is the number of keys to set.",
        "Atomically creates or modifies the string values of one or more keys."),
    CMD("msetnx", msetnx, -3, W | M, 1, -1, 2, "string", "1.0.1",
        "O(N) where N is the number of keys to set.",
        "Atomically modifies the string values of one or more keys only when all keys don't exist."),
    CMD("psetex", psetex, 4, W | M, 1, 1, 1, "string", "2.6.0", "O(1)",
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist."),
    CMD("set", set, -3, W | M, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."),
    CMD("setex", setex, 4, W | M, 1, 1, 1, "string", "2.0.0", "O(1)",
        "Sets the string value and expiration time of a key. Creates the key if it doesn't exist."),
    CMD("setnx", setnx, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "O(1)",
        "Set the string value of a key only when the key doesn't exist."),
    CMD("setrange", setrange, 4, W | M, 1, 1, 1, "string", "2.2.0",
        "O(1), not counting the time taken to copy the new string in place.",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist."),
    CMD("strlen", strlen, 2, R | F, 1, 1, 1, "string", "2.2.0", "O(1)",
        "Returns the length of a string value."),
    CMD("substr", getrange, 4, R, 1, 1, 1, "string", "1.0.0",
        "O(N) where N is the length of the returned string.",
        "Returns a substring from a string value."),
    /* keys */
    CMD("copy", copy, -3, W | M, 1, 2, 1, "generic", "6.2.0",
        "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        "Copies the value of a key to a new key."),
    CMD("del", del, -2, W, 1, -1, 1, "generic", "1.0.0",
        "O(N) where N is the number of keys that will be removed.", "Deletes one or more keys."),
    CMD("exists", exists, -2, R | F, 1, -1, 1, "generic", "1.0.0",
        "O(N) where N is the number of keys to check.", "Determines whether one or more keys exist."),
    CMD("expire", expire, -3, W | F, 1, 1, 1, "generic", "1.0.0", "O(1)",
        "Sets the expiration time of a key in seconds."),
    CMD("expireat", expireat, -3, W | F, 1, 1, 1, "generic", "1.2.0", "O(1)",
        "Sets the expiration time of a key to a Unix timestamp."),
    CMD("expiretime", expiretime, 2, R | F, 1, 1, 1, "generic", "7.0.0", "O(1)",
        "Returns the expiration time of a key as a Unix timestamp."),
    CMD("keys", keys, 2, R, 0, 0, 0, "generic", "1.0.0",
        "O(N) with N being the number of keys in the database",
        "Returns all key names that match a pattern."),
    CMD("move", move, 3, W | F, 1, 1, 1, "generic", "1.0.0", "O(1)",
        "Moves a key to another database."),
    CONTAINER("object", -2, 0, "generic", "2.2.3", "A container for object introspection commands.",
              object_subs),
    CMD("persist", persist, 2, W | F, 1, 1, 1, "generic", "2.2.0", "O(1)",
        "Removes the expiration time of a key."),
    CMD("pexpire", pexpire, -3, W | F, 1, 1, 1, "generic", "2.6.0", "O(1)",
        "Sets the expiration time of a key in milliseconds."),
    CMD("pexpireat", pexpireat, -3, W | F, 1, 1, 1, "generic", "2.6.0", "O(1)",
        "Sets the expiration time of a key to a Unix milliseconds timestamp."),
    CMD("pexpiretime", pexpiretime, 2, R | F, 1, 1, 1, "generic", "7.0.0", "O(1)",
        "Returns the expiration time of a key as a Unix milliseconds timestamp."),
    CMD("pttl", pttl, 2, R | F, 1, 1, 1, "generic", "2.6.0", "O(1)",
        "Returns the expiration time in milliseconds of a key."),
    CMD("randomkey", randomkey, 1, R, 0, 0, 0, "generic", "1.0.0", "O(1)",
        "Returns a random key name from the database."),
    CMD("rename", rename, 3, W, 1, 2, 1, "generic", "1.0.0", "O(1)",
        "Renames a key and overwrites the destination."),
    CMD("renamenx", renamenx, 3, W | F, 1, 2, 1, "generic", "1.0.0", "O(1)",
        "Renames a key only when the target key name doesn't exist."),
    CMD("scan", scan, -2, R, 0, 0, 0, "generic", "2.8.0",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        "Iterates over the key names in the database."),
    CMD("touch", touch, -2, R | F, 1, -1, 1, "generic", "3.2.1",
        "O(N) where N is the number of keys that will be touched.",
        "Returns the number of existing keys out of those specified after updating the time they were last accessed."),
    CMD("ttl", ttl, 2, R | F, 1, 1, 1, "generic", "1.0.0", "O(1)",
        "Returns the expiration time in seconds of a key."),
    CMD("type", type, 2, R | F, 1, 1, 1, "generic", "1.0.0", "O(1)",
        "Determines the type of value stored at a key."),
    CMD("unlink", unlink, -2, W | F, 1, -1, 1, "generic", "4.0.0",
        "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        "Asynchronously deletes one or more keys."),
    /* databases */
    CMD("dbsize", dbsize, 1, R | F, 0, 0, 0, "server", "1.0.0", "O(1)",
        "Returns the number of keys in the database."),
    CMD("flushall", flushall, -1, W, 0, 0, 0, "server", "1.0.0",
        "O(N) where N is the total number of keys in all databases",
        "Removes all keys from all databases."),
    CMD("flushdb", flushdb, -1, W, 0, 0, 0, "server", "1.0.0",
        "O(N) where N is the number of keys in the selected database",
        "Remove all keys from the current database."),
    CMD("select", select, 2, LD | ST | F, 0, 0, 0, "connection", "1.0.0", "O(1)",
        "Changes the selected database."),
    CMD("swapdb", swapdb, 3, W | F, 0, 0, 0, "server", "4.0.0",
        "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        "Swaps two Redis databases."),
    /* connection */
    CMD("auth", auth, -2, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", "1.0.0",
        "O(N) where N is the number of passwords defined for the user",
        "Authenticates the connection."),
    CONTAINER("client", -2, 0, "connection", "2.4.0", "A container for client connection commands.",
              client_subs),
    CMD("echo", echo, 2, F, 0, 0, 0, "connection", "1.0.0", "O(1)",
        "Returns the given string."),
    CMD("hello", hello, -1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", "6.0.0", "O(1)",
        "Handshakes with the Redis server."),
    CMD("ping", ping, -1, F, 0, 0, 0, "connection", "1.0.0", "O(1)",
        "Returns the server's liveliness response."),
    CMD("quit", quit, -1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", "1.0.0", "O(1)",
        "Closes the connection."),
    CMD("reset", reset, 1, NS | LD | ST | F | NA | AB, 0, 0, 0, "connection", "6.2.0", "O(1)",
        "Resets the connection."),
    /* server */
    /* COMMAND alone lists every command; with a word it is a container. */
    {"command", ak_cmd_command, -1, LD | ST, 0, 0, 0, "server", "2.8.13",
     "O(N) where N is the total number of Redis commands",
     "Returns detailed information about all commands.", command_subs, NULL, 0},
    CONTAINER("config", -2, 0, "server", "2.0.0", "A container for server configuration commands.",
              config_subs),
    CMD("debug", debug, -2, A | NS | LD | ST, 0, 0, 0, "server", "1.0.0", "Depends on subcommand.",
        "A container for debugging commands."),
    CMD("info", info, -1, LD | ST, 0, 0, 0, "server", "1.0.0", "O(1)",
        "Returns information and statistics about the server."),
    CMD("shutdown", shutdown, -1, A | NS | LD | ST | NA | AB, 0, 0, 0, "server", "1.0.0",
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "Synchronously saves the database(s) to disk and shuts down the Redis server."),
    CMD("time", time, 1, LD | ST | F, 0, 0, 0, "server", "2.6.0", "O(1)",
        "Returns the server time."),
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

int ak_cmd_getkeys(const ak_cmd *cmd, int argc, int *idx, int max)
{
    if (cmd->first <= 0)
        return -1;
    int last = cmd->last < 0 ? argc + cmd->last : cmd->last;
    int n = 0;
    for (int i = cmd->first; i <= last && i < argc && n < max; i += cmd->step)
        idx[n++] = i;
    return n;
}
