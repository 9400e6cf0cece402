/*
 * core.h -- the library's internal core: stores, sessions, dispatch.
 *
 *   ak_store        one opened store: its engine, its configuration, its
 *                   statistics, the registry of its sessions, and the mutex
 *                   that serialises every call on it.
 *   aikv_db         a view of one logical database of a store (public handle).
 *   aikv_session    a client: selected database, protocol, name, reply
 *                   buffer, the command being executed, its transaction
 *                   (MULTI queue, WATCHed keys). The server wraps each
 *                   connection around one; embedders create their own.
 *
 * Every command runs as ak_session_exec(session, argv): lookup in the command
 * table, arity/auth checks, the handler (which writes its reply into
 * session->out), statistics. Handlers run with the store locked.
 */
#ifndef AK_CORE_H
#define AK_CORE_H

#include <pthread.h>
#include <stdint.h>

#include "../../aikv.h"
#include "../store/store.h"
#include "../util/dict.h"
#include "config.h"
#include "reply.h"

typedef struct ak_cmd ak_cmd;
typedef struct ak_store ak_store;

/* ---------------------------------------------------------------- statistics */

typedef struct ak_cmdstat {
    uint64_t calls, usec, rejected, failed;
} ak_cmdstat;

typedef struct ak_errstat {
    char code[32];
    uint64_t count;
    struct ak_errstat *next;
} ak_errstat;

typedef struct ak_stats {
    uint64_t commands;             /* total_commands_processed */
    uint64_t connections;          /* total_connections_received */
    uint64_t rejected_connections;
    uint64_t expired_keys;
    uint64_t keyspace_hits, keyspace_misses;
    uint64_t net_input_bytes, net_output_bytes;
    uint64_t error_replies;        /* total_error_replies */
    uint64_t dirty;                /* changes since the last save */
    uint64_t client_qbuf_limit_disconnections;
    uint64_t client_outbuf_limit_disconnections;
} ak_stats;

/* ---------------------------------------------------------------- sessions */

/* What the server knows of a connection, for CLIENT LIST / INFO. */
typedef struct ak_conn_info {
    char addr[64], laddr[64];
    int fd;
    size_t qbuf, qbuf_free, argv_mem, obl, oll, omem;
    const char *events; /* "r", "rw", "" */
    int local;          /* loopback or unix socket */
} ak_conn_info;

typedef struct ak_conn_ops {
    void (*info)(void *conn, ak_conn_info *ci);
    /* CLIENT KILL: close the connection once the current command is done. */
    void (*kill)(void *conn);
    /* The session's blocking command has ended (served, timed out, CLIENT
     * UNBLOCK): its reply is in the output buffer from `mark`; `wrote` says
     * whether serving it wrote to the store. Called with the store locked,
     * possibly from another connection's command: the server only takes
     * note, and resumes the connection after the current event. */
    void (*unblocked)(void *conn, size_t mark, int wrote);
} ak_conn_ops;

#define AK_CLIENT_CLOSE_AFTER_REPLY 0x01 /* QUIT */
#define AK_CLIENT_REPLY_OFF 0x02         /* CLIENT REPLY OFF */
#define AK_CLIENT_REPLY_SKIP_NEXT 0x04   /* CLIENT REPLY SKIP: set for the next command */
#define AK_CLIENT_REPLY_SKIP 0x08        /* this command's reply is dropped */
#define AK_CLIENT_NO_EVICT 0x10
#define AK_CLIENT_NO_TOUCH 0x20
#define AK_CLIENT_KILLED 0x40
#define AK_CLIENT_MULTI 0x80       /* between MULTI and EXEC/DISCARD */
#define AK_CLIENT_DIRTY_CAS 0x100  /* a WATCHed key changed: EXEC fails (null) */
#define AK_CLIENT_DIRTY_EXEC 0x200 /* a command was refused while queueing: EXECABORT */
#define AK_CLIENT_DENY_BLOCKING 0x400 /* a script's session: blocking commands must not block */
#define AK_CLIENT_BLOCKED 0x800       /* waiting in a blocking command (core/block.c) */

/* A command queued by MULTI: its own copy of the arguments (one allocation,
 * each argument NUL-terminated) and the command (or subcommand) it resolved
 * to when it was queued. */
typedef struct ak_mcmd {
    const ak_cmd *cmd;
    int argc;
    char **argv;
    size_t *argvlen;
} ak_mcmd;

struct ak_watch; /* core/multi.c */
struct ak_block; /* core/block.c */

struct aikv_session {
    ak_store *st;
    uint64_t id;
    int db;
    int authenticated;
    unsigned flags;
    char *name, *lib_name, *lib_ver;
    ak_out out;

    /* The command being executed. */
    int argc;
    const char *const *argv;
    const size_t *argvlen;
    const ak_cmd *cmd;     /* the command, or the subcommand if it has one */
    const ak_cmd *lastcmd;
    int failed;            /* the handler replied with an error */

    int64_t ctime_ms, last_ms;

    /* MULTI: the queue (AK_CLIENT_MULTI says whether one is open) and its
     * size as CLIENT LIST's multi-mem counts it; the keys this session
     * WATCHes, for UNWATCH and for freeing (core/multi.c). */
    ak_mcmd *mq;
    int mq_count, mq_cap;
    size_t mq_mem;
    struct ak_watch *watching;
    uint64_t watch_foreign; /* the engine's foreign_writes at the first WATCH */
    /* The blocking command this session waits in (AK_CLIENT_BLOCKED), or
     * NULL. */
    struct ak_block *block;

    /* The server's connection, or NULL for an embedded session. */
    void *conn;
    const ak_conn_ops *conn_ops;

    struct aikv_session *prev, *next; /* the store's registry */
};
typedef struct aikv_session ak_session;

/* ---------------------------------------------------------------- stores */

struct aikv_db {
    ak_store *st;
    int index;
};

struct ak_store {
    pthread_mutex_t lock;
    ak_engine *engine;
    int ndb;
    struct aikv_db *views;
    ak_config cfg;
    ak_stats stats;
    ak_cmdstat *cmdstats; /* indexed by ak_cmd.id */
    ak_errstat *errstats;
    uint64_t next_client_id;
    ak_session *clients;
    uint64_t nclients;
    /* WATCHed keys: one entry per (db, key) with the sessions watching it
     * (core/multi.c). Empty most of the time, so a write pays one test. */
    ak_dict watched;
    /* Blocking commands (core/block.c): the keys sessions wait on, each
     * with its waiters in arrival order; the keys written since they were
     * last served (ids, served at the outermost unlock); the count of
     * blocked sessions, of those with a timeout, and the condition embedded
     * waiters sleep on. */
    ak_dict blocking;
    struct {
        char **ids;
        size_t *lens;
        size_t n, cap;
    } ready;
    uint64_t nblocked, nblocked_timeout;
    pthread_cond_t unblocked;
    int64_t start_ms;
    int64_t last_cron_us;
    int64_t lastsave_s;
    /* Snapshots of the memory engine (core/persist.c). Zero at open. */
    struct {
        long child_pid;          /* the BGSAVE child, 0 when none */
        int64_t child_start_s;
        uint64_t dirty_at_fork;  /* subtracted from dirty when the child succeeds */
        int scheduled;           /* a BGSAVE waits for the cron (SCHEDULE, EXEC) */
        int last_failed;         /* rdb_last_bgsave_status:err */
        int64_t last_try_s;      /* the last BGSAVE attempt: retried 5 s after a failure */
        int64_t last_time_sec;   /* rdb_last_bgsave_time_sec + 1 (0: never) */
        uint64_t saves;          /* rdb_saves */
        uint64_t load_keys, load_expired; /* rdb_last_load_keys_loaded/expired */
        int can_fork;            /* set by the server: BGSAVE forks */
    } persist;
    char run_id[41];
    char replid[41];
    size_t used_memory_startup, used_memory_peak;
    /* Instantaneous metrics (ops, input, output), sampled by the cron. */
    struct {
        int64_t last_us;
        uint64_t last[3];
        double samples[3][16];
        int idx;
    } inst;
    /* Set by the server: SHUTDOWN calls it (embedded stores have none). */
    void (*shutdown_hook)(void *ctx);
    void *shutdown_ctx;
    /* Set by the server: where the library logs (persistence); NULL: nowhere. */
    void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    /* Scripting (script/script.h): the Lua interpreter and the script
     * cache, created by the first script; NULL until then. */
    struct ak_scripting *scripting;
    /* Functions (script/function.c): the libraries and their interpreter,
     * NULL until used. */
    struct ak_functions *functions;
    /* The script or function running now (either interpreter), or NULL. */
    struct ak_lua_run *script_run;
    /* Set by the server: called while a script runs past
     * busy-reply-threshold (phase AK_BUSY_START / POLL / END, script.h) so
     * that the other clients are answered meanwhile; returns 1 when the
     * server is shutting down (the script is then stopped). NULL
     * (embedded stores): a long script simply runs. */
    int (*busy_hook)(void *ctx, ak_session *running, int phase);
    void *busy_ctx;
    /* Set by the server: the engine's transaction spans a whole event-loop
     * turn and the server commits it (group commit); otherwise each
     * command, embedded call and cron step commits its own. */
    int group_commit;
    int lock_depth; /* the recursive store lock's depth (outermost unlock commits) */
    /* aikv_begin's transaction: its savepoint (0: none), and the storage
     * error that doomed it (aikv_commit then rolls back and returns it). */
    uint64_t txn_sp;
    int txn_failed;
    /* Set by the server: INFO and HELLO report them. */
    const char *executable, *config_file;
    int tcp_port_bound;
};

/* Locking. Every public entry point brackets its work with these. */
void ak_store_lock(ak_store *st);
/* The outermost unlock commits (unless the server commits per turn): the
 * commit's result, AIKV_OK or the AIKV_* error with aikv_errmsg set. */
int ak_store_unlock(ak_store *st);
/* ak_store_unlock() at the end of a typed API call (core/api*.c): also
 * fails the call on a storage error inside an embedded transaction (where
 * nothing commits yet). The caller then frees its outputs. */
int ak_api_unlock(ak_store *st);

/* Commits the engine's open transaction (no-op for an engine without
 * them), rolling back on failure: AIKV_OK or the error, whose message is
 * in st->engine->errmsg until the next call. Store locked. */
int ak_store_commit(ak_store *st);

/* Savepoints of the engine's current transaction (no-ops returning 0 for
 * an engine without them): a script or an embedded transaction opens one,
 * and on failure rolls back to it. Store locked. */
uint64_t ak_store_savepoint(ak_store *st);
void ak_store_rollback_to(ak_store *st, uint64_t sp);
void ak_store_release(ak_store *st, uint64_t sp);

/* Periodic work: active expiry, rehashing. Called by the server's timer
 * (hz times a second) and opportunistically by embedded calls. Store
 * locked. */
void ak_store_cron(ak_store *st);
/* Average of the instantaneous metric i (0 ops/s, 1 input B/s, 2 output B/s). */
double ak_store_inst(const ak_store *st, int i);

/* The one key-modified signal: every write ends in it (dirty counter,
 * WATCH, blocked clients; keyspace events and tracking will hook in here). */
void ak_signal_key(ak_store *st, int db, ak_slice key);
/* The same for a write that changed `changes` elements: Redis counts each
 * in rdb_changes_since_last_save. changes may be 0 (LTRIM keeping
 * everything): the key is still signalled. */
void ak_signal_key_changes(ak_store *st, int db, ak_slice key, uint64_t changes);
/* A whole database is about to be emptied (FLUSHDB, FLUSHALL with db = -1):
 * called BEFORE the flush, so that WATCH sees which watched keys exist, as
 * Redis's signalFlushedDb(). */
void ak_signal_db(ak_store *st, int db);
/* SWAPDB a b, likewise called before the swap. */
void ak_signal_swapdb(ak_store *st, int a, int b);

/* Opens a store with the given configuration (the server's path). */
int ak_store_open(const char *path, const ak_config *cfg, ak_store **out);
void ak_store_close(ak_store *st);

/* Sets the thread's last error message (printf-style) and returns rc. */
int ak_set_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- sessions */

ak_session *ak_session_create(ak_store *st, int db, void *conn, const ak_conn_ops *ops);
void ak_session_destroy(ak_session *c);

/* Runs one command; its reply is appended to c->out. The store must NOT be
 * locked by the caller: dispatch takes the lock around the handler. */
void ak_session_exec(ak_session *c, int argc, const char *const *argv, const size_t *argvlen);
/* Calls cmd's handler on c->argc/argv, checks done: statistics, and CLIENT
 * REPLY OFF/SKIP applied to what it wrote (EXEC applies them itself, per
 * queued command). Dispatch and EXEC use it. Store locked. */
void ak_session_call(ak_session *c, const ak_cmd *cmd);

/* ---------------------------------------------------------------- transactions
 * core/multi.c: the MULTI queue and the WATCH registry. Store locked. */

/* Redis's flagTransaction(): a command refused while a MULTI is open makes
 * its EXEC fail with EXECABORT. */
void ak_multi_flag_error(ak_session *c);
/* Queues c's current command (c->argc/argv) for EXEC. */
void ak_multi_queue(ak_session *c, const ak_cmd *cmd);
/* Frees the queue, leaves MULTI, clears the dirty flags, unwatches. */
void ak_multi_discard(ak_session *c);
/* EXEC refused by dispatch (arity, NOAUTH): discards the transaction and
 * replies "EXECABORT Transaction discarded because of: <why>". */
void ak_multi_exec_abort(ak_session *c, const char *why);

/* The store's WATCH registry (empty at close: sessions unwatch when freed). */
void ak_watch_registry_init(ak_store *st);
void ak_watch_registry_free(ak_store *st);
/* WATCH of key in the session's database (again is a no-op). */
void ak_watch_key(ak_session *c, ak_slice key);
void ak_unwatch_all(ak_session *c);
/* 1 if a watched key has expired since it was watched (Redis 7.0 checks
 * this at EXEC: an expiry nobody has acted on yet still fails the EXEC). */
int ak_watch_any_expired(ak_session *c);
/* 1 if another process has written the store's file since the first WATCH
 * (a shared SQLite file): which keys it wrote cannot be told, so EXEC
 * fails as if a watched key had changed. */
int ak_watch_foreign(ak_session *c);
/* Marks the sessions watching (db, key) DIRTY_CAS. `expiring`: the key is
 * being deleted because it expired (a key that was already expired when it
 * was watched is then no change, as Redis). */
void ak_watch_touch(ak_store *st, int db, ak_slice key, int expiring);
/* FLUSHDB/FLUSHALL (db -1)/SWAPDB (with = the other db, else -1), before
 * the change: dirties the watchers of the keys of db that are stored in db
 * or in `with` (with Redis 7.0's exceptions for expired keys). */
void ak_watch_touch_db(ak_store *st, int db, int with);

/* The registry id of (db, key) -- db as 4 bytes, then the key -- for
 * WATCH and blocking: in buf when it fits, else allocated (the caller frees
 * it when it differs from buf). */
char *ak_key_id(int db, ak_slice key, char *buf, size_t cap, size_t *len);
/* Copies a command's arguments into m (one allocation: ak_free(m->argv)). */
void ak_mcmd_copy(ak_mcmd *m, const ak_cmd *cmd, int argc, const char *const *argv,
                  const size_t *argvlen);

/* ---------------------------------------------------------------- blocking
 * core/block.c: BLPOP and friends. A blocking command that finds nothing
 * calls ak_block() instead of replying; the session then waits, and when a
 * key it waits on is written (ak_signal_key) and holds the type it waits
 * for, the command runs again -- in arrival order among the waiters of that
 * key -- and this time replies. Store locked throughout. */

enum { AK_BLOCK_LIST = 1, AK_BLOCK_ZSET };

void ak_block_registry_init(ak_store *st);
void ak_block_registry_free(ak_store *st);
/* Parses a timeout in seconds (a float; 0 = none) as Redis 7.0 does
 * (rounded up to whole ms), into an absolute deadline in ms (0 = none);
 * replies with the error and returns 0 when it is invalid. */
int ak_arg_timeout(ak_session *c, int i, int64_t *deadline_ms);
/* 1 if c's command may block: not inside MULTI/EXEC, a script or an
 * embedded transaction. Otherwise the command replies as if it had timed
 * out at once. */
int ak_block_allowed(ak_session *c);
/* Blocks c's current command on argv[first .. first+nkeys) waiting for
 * `type`, until deadline_ms (0: no deadline). The command writes no reply.
 * Called again while the command is re-run for a key that was written, it
 * only keeps the session waiting. */
void ak_block(ak_session *c, int type, int first, int nkeys, int64_t deadline_ms);
/* The keys a blocking command looks at, argv[*first .. *first+*nkeys):
 * all of them at first, only the ready one when it runs again for it (a
 * waiter is served from the key that got data, as Redis 7.0). */
void ak_block_keys(const ak_session *c, int *first, int *nkeys);
/* A key was written: its waiters are served at the outermost unlock. */
void ak_block_signal(ak_store *st, int db, ak_slice key);
/* Every waited-on key of db (-1: every database) is looked at again
 * (SWAPDB, another process's write to a shared file). */
void ak_block_signal_db(ak_store *st, int db);
/* Runs the waiters of the keys written since the last call (outermost
 * unlock). */
void ak_block_serve(ak_store *st);
/* Ends c's wait without serving it: the timeout's null reply, or with
 * `error` the UNBLOCKED error (CLIENT UNBLOCK). Returns 0 if c was not
 * blocked. */
int ak_block_cancel(ak_session *c, int error);
/* The session is going away: it stops waiting, with no reply. */
void ak_block_forget(ak_session *c);
/* c's deadline (ms, 0 none): the server's timer. */
int64_t ak_block_deadline(const ak_session *c);
/* An embedded session (no connection) that blocked: sleeps with the store
 * unlocked until it is served or times out. */
void ak_block_wait(ak_session *c);

/* ---------------------------------------------------------------- replies
 * Shorthands for handlers: write into c->out, count errors. */

static inline ak_out *ak_o(ak_session *c) { return &c->out; }
void ak_reply_error(ak_session *c, const char *msg);
void ak_reply_errorf(ak_session *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ak_reply_ok(ak_session *c);
/* Redis's help reply: a header line for `cmd`, the lines, and HELP. */
void ak_reply_help(ak_session *c, const char *cmd, const char *const *lines);

/* Redis's common errors. */
#define AK_ERR_SYNTAX "ERR syntax error"
#define AK_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define AK_ERR_NOTINT "ERR value is not an integer or out of range"
#define AK_ERR_NOTFLOAT "ERR value is not a valid float"
#define AK_ERR_OVERFLOW "ERR increment or decrement would overflow"
#define AK_ERR_NOKEY "ERR no such key"
#define AK_ERR_DBINDEX "ERR DB index is out of range"

/* Argument helpers: on failure they reply with the error and return 0. */
int ak_arg_ll(ak_session *c, int i, long long *out);
int ak_arg_ll_range(ak_session *c, int i, long long min, long long max, long long *out,
                    const char *err);
/* An int argument, with Redis's getIntFromObjectOrReply() errors. */
int ak_arg_int(ak_session *c, int i, int *out);
int ak_arg_is(ak_session *c, int i, const char *word); /* case-insensitive */
/* A SCAN-family cursor, with Redis's parsing and "ERR invalid cursor". */
int ak_arg_cursor(ak_session *c, int i, uint64_t *out);
static inline ak_slice ak_arg(ak_session *c, int i)
{
    return ak_slice_of(c->argv[i], c->argvlen[i]);
}

static inline ak_engine *ak_eng(ak_session *c) { return c->st->engine; }

/* Counts a read command's key lookup in INFO's keyspace_hits/misses: rc is
 * the engine's answer, AK_NOTFOUND a miss and anything else (a key of
 * another type included) a hit, as Redis counts. */
void ak_count_lookup(ak_session *c, int rc);
/* ak_count_lookup(), then for AK_WRONGTYPE the WRONGTYPE reply and 0. */
int ak_read_ok(ak_session *c, int rc);
/* argv[from..argc) as slices, for operations taking many values; ak_free()
 * the array. */
ak_slice *ak_args(ak_session *c, int from);

#endif
