/*
 * config.h -- the configuration: one table of settings, Redis's names.
 *
 * The same table serves the config file, `--name value` arguments, CONFIG
 * GET and CONFIG SET, so a setting cannot exist in one and not the others.
 * Settings that only matter at start (port, bind, databases...) are
 * immutable: CONFIG SET refuses them as Redis does for its immutable ones.
 */
#ifndef AK_CONFIG_H
#define AK_CONFIG_H

#include <stddef.h>

enum { AK_LOG_DEBUG, AK_LOG_VERBOSE, AK_LOG_NOTICE, AK_LOG_WARNING, AK_LOG_NOTHING };

/* client-output-buffer-limit: one limit per client class, Redis's order. */
enum { AK_OBUF_NORMAL, AK_OBUF_REPLICA, AK_OBUF_PUBSUB, AK_OBUF_CLASSES };

typedef struct ak_obuf_limit {
    unsigned long long hard, soft; /* bytes; 0 = no limit */
    int soft_seconds;              /* how long the soft limit may be exceeded */
} ak_obuf_limit;

enum { AK_STORAGE_MEMORY = 0, AK_STORAGE_SQLITE = 1 };

typedef struct ak_config {
    /* network (used by the server) */
    int port;
    char *bind;
    char *unixsocket;
    int unixsocketperm;
    int tcp_backlog;
    int tcp_keepalive;
    int timeout;
    int maxclients;
    int protected_mode;
    char *pidfile;
    /* logging */
    int loglevel;
    char *logfile;
    /* security */
    char *requirepass;
    /* limits */
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    ak_obuf_limit obuf_limits[AK_OBUF_CLASSES];
    /* keyspace */
    int databases;
    int hz;
    /* encodings of small collections */
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long set_max_intset_entries;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    int list_max_listpack_size; /* > 0: entries per node; -1..-5: 4..64 KiB per node */
    /* DEBUG: 0 no, 1 yes, 2 local connections only */
    int enable_debug_command;
    /* storage and persistence */
    int storage;            /* AK_STORAGE_MEMORY / AK_STORAGE_SQLITE (the server's choice) */
    char *dir;              /* where the store file lives */
    char *dbfilename;       /* the store file (SQLite engine) or snapshot (memory engine) */
    int durability;         /* AK_DURABILITY_* (store/store.h) */
    long long sqlite_cache_size; /* bytes of SQLite page cache */
    long long sqlite_max_size;   /* largest store file (bytes); 0 = no limit */
    char *save;
    int appendonly;
    /* scripting: ms before a running script makes the server answer BUSY */
    long long busy_reply_threshold;
} ak_config;

/* Defaults (safe for a first run: loopback only, protected mode). */
void ak_config_defaults(ak_config *cfg);
void ak_config_free(ak_config *cfg);
void ak_config_copy(ak_config *dst, const ak_config *src);

/* Sets one setting from its text. startup = 1 allows immutable settings.
 * Returns 0; -1 for an unknown name; -2 for a bad value or an immutable
 * setting, with Redis's reason in err ("argument must be 'yes' or 'no'"). */
int ak_config_set(ak_config *cfg, const char *name, const char *value, int startup, char *err,
                  size_t errlen);

/* Calls fn for every setting whose name matches the glob pattern, with its
 * current value as text. */
void ak_config_each(const ak_config *cfg, const char *pattern,
                    void (*fn)(void *ctx, const char *name, const char *value), void *ctx);

/* Parses config file text (Redis format: `name arg...`, # comments, quoted
 * args). On error returns -1 and writes "line N: message" into err. */
int ak_config_load_text(ak_config *cfg, const char *text, char *err, size_t errlen);

#endif
