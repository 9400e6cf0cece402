/*
 * config.c -- the settings table (see config.h).
 *
 * Each entry names a field of ak_config by offset, with its type and bounds;
 * parsing, printing and validation are generic over the table. Adding a
 * setting is adding a line.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "resp.h"

/* T_OBUF: client-output-buffer-limit, an ak_obuf_limit per client class. */
typedef enum { T_BOOL, T_INT, T_MEM, T_STR, T_ENUM, T_OCTAL, T_LL, T_OBUF } ctype;

typedef struct centry {
    const char *name, *alias;
    ctype type;
    size_t off;
    long long min, max;
    int immutable;
    const char *const *enums;
} centry;

static const char *const debug_modes[] = {"no", "yes", "local", NULL};
static const char *const storages[] = {"memory", "sqlite", NULL};
static const char *const durabilities[] = {"off", "normal", "full", NULL};
static const char *const loglevels[] = {"debug", "verbose", "notice", "warning", "nothing", NULL};

#define OFF(f) offsetof(ak_config, f)
#define LL_MAX LLONG_MAX
static const centry table[] = {
    {"port", NULL, T_INT, OFF(port), 0, 65535, 1, NULL},
    {"bind", NULL, T_STR, OFF(bind), 0, 0, 1, NULL},
    {"unixsocket", NULL, T_STR, OFF(unixsocket), 0, 0, 1, NULL},
    {"unixsocketperm", NULL, T_OCTAL, OFF(unixsocketperm), 0, 0777, 1, NULL},
    {"tcp-backlog", NULL, T_INT, OFF(tcp_backlog), 0, INT_MAX, 1, NULL},
    {"tcp-keepalive", NULL, T_INT, OFF(tcp_keepalive), 0, INT_MAX, 0, NULL},
    {"timeout", NULL, T_INT, OFF(timeout), 0, INT_MAX, 0, NULL},
    {"maxclients", NULL, T_INT, OFF(maxclients), 1, INT_MAX, 0, NULL},
    {"protected-mode", NULL, T_BOOL, OFF(protected_mode), 0, 1, 0, NULL},
    {"pidfile", NULL, T_STR, OFF(pidfile), 0, 0, 1, NULL},
    {"loglevel", NULL, T_ENUM, OFF(loglevel), 0, 0, 0, loglevels},
    {"logfile", NULL, T_STR, OFF(logfile), 0, 0, 1, NULL},
    {"requirepass", NULL, T_STR, OFF(requirepass), 0, 0, 0, NULL},
    {"proto-max-bulk-len", NULL, T_MEM, OFF(proto_max_bulk_len), 1024 * 1024, LL_MAX, 0, NULL},
    {"client-query-buffer-limit", NULL, T_MEM, OFF(client_query_buffer_limit), 1024 * 1024,
     LL_MAX, 0, NULL},
    {"client-output-buffer-limit", NULL, T_OBUF, OFF(obuf_limits), 0, 0, 0, NULL},
    {"databases", NULL, T_INT, OFF(databases), 1, INT_MAX, 1, NULL},
    {"hz", NULL, T_INT, OFF(hz), 1, 500, 0, NULL},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", T_LL, OFF(hash_max_listpack_entries), 0, LL_MAX, 0, NULL},
    {"hash-max-listpack-value", "hash-max-ziplist-value", T_LL, OFF(hash_max_listpack_value), 0, LL_MAX, 0, NULL},
    {"set-max-intset-entries", NULL, T_LL, OFF(set_max_intset_entries), 0, LL_MAX, 0, NULL},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", T_LL, OFF(zset_max_listpack_entries), 0, LL_MAX, 0, NULL},
    {"zset-max-listpack-value", "zset-max-ziplist-value", T_LL, OFF(zset_max_listpack_value), 0, LL_MAX, 0, NULL},
    {"list-max-listpack-size", "list-max-ziplist-size", T_INT, OFF(list_max_listpack_size), INT_MIN, INT_MAX, 0, NULL},
    {"enable-debug-command", NULL, T_ENUM, OFF(enable_debug_command), 0, 0, 1, debug_modes},
    {"storage", NULL, T_ENUM, OFF(storage), 0, 0, 1, storages},
    {"dir", NULL, T_STR, OFF(dir), 0, 0, 1, NULL},
    {"dbfilename", NULL, T_STR, OFF(dbfilename), 0, 0, 1, NULL},
    {"durability", NULL, T_ENUM, OFF(durability), 0, 0, 1, durabilities},
    {"sqlite-cache-size", NULL, T_MEM, OFF(sqlite_cache_size), 0, LL_MAX, 1, NULL},
    {"sqlite-max-size", NULL, T_MEM, OFF(sqlite_max_size), 0, LL_MAX, 1, NULL},
    {"save", NULL, T_STR, OFF(save), 0, 0, 0, NULL},
    {"appendonly", NULL, T_BOOL, OFF(appendonly), 0, 0, 1, NULL},
    {"busy-reply-threshold", "lua-time-limit", T_LL, OFF(busy_reply_threshold), 0, LL_MAX, 0, NULL},
};
#define NTABLE (sizeof table / sizeof *table)

void ak_config_defaults(ak_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 6379;
    cfg->bind = ak_strdup("127.0.0.1 -::1");
    cfg->unixsocket = ak_strdup("");
    cfg->unixsocketperm = 0;
    cfg->tcp_backlog = 511;
    cfg->tcp_keepalive = 300;
    cfg->timeout = 0;
    cfg->maxclients = 10000;
    cfg->protected_mode = 1;
    cfg->pidfile = ak_strdup("");
    cfg->loglevel = AK_LOG_NOTICE;
    cfg->logfile = ak_strdup("");
    cfg->requirepass = ak_strdup("");
    cfg->proto_max_bulk_len = 512LL * 1024 * 1024;
    cfg->client_query_buffer_limit = 1024LL * 1024 * 1024;
    cfg->obuf_limits[AK_OBUF_NORMAL] = (ak_obuf_limit){0, 0, 0};
    cfg->obuf_limits[AK_OBUF_REPLICA] = (ak_obuf_limit){256ULL << 20, 64ULL << 20, 60};
    cfg->obuf_limits[AK_OBUF_PUBSUB] = (ak_obuf_limit){32ULL << 20, 8ULL << 20, 60};
    cfg->databases = 16;
    cfg->hz = 10;
    cfg->hash_max_listpack_entries = 512; /* Redis 7.0's built-in default (redis.conf says 128) */
    cfg->hash_max_listpack_value = 64;
    cfg->set_max_intset_entries = 512;
    cfg->zset_max_listpack_entries = 128;
    cfg->zset_max_listpack_value = 64;
    cfg->list_max_listpack_size = -2;
    cfg->storage = AK_STORAGE_MEMORY;
    cfg->dir = ak_strdup(".");
    cfg->dbfilename = ak_strdup("dump.aikv");
    cfg->durability = 1; /* AK_DURABILITY_NORMAL */
    cfg->sqlite_cache_size = 64LL * 1024 * 1024;
    cfg->save = ak_strdup("");
    cfg->appendonly = 0;
    cfg->busy_reply_threshold = 5000;
}

void ak_config_free(ak_config *cfg)
{
    for (size_t i = 0; i < NTABLE; i++) {
        if (table[i].type == T_STR) {
            char **p = (char **)((char *)cfg + table[i].off);
            ak_free(*p);
            *p = NULL;
        }
    }
}

void ak_config_copy(ak_config *dst, const ak_config *src)
{
    *dst = *src;
    for (size_t i = 0; i < NTABLE; i++) {
        if (table[i].type == T_STR) {
            char **p = (char **)((char *)dst + table[i].off);
            *p = ak_strdup(*p ? *p : "");
        }
    }
}

static const centry *find(const char *name)
{
    for (size_t i = 0; i < NTABLE; i++)
        if (!strcasecmp(table[i].name, name) || (table[i].alias && !strcasecmp(table[i].alias, name)))
            return &table[i];
    return NULL;
}

/* Redis's memtoull(): 1k = 1000, 1kb = 1024, likewise m/mb, g/gb. */
static int parse_memory(const char *s, long long *out)
{
    size_t n = strlen(s), digits = n;
    unsigned long long mul = 1;
    static const struct {
        const char *suffix;
        unsigned long long mul;
    } units[] = {{"kb", 1024ULL},       {"mb", 1024ULL * 1024},  {"gb", 1024ULL * 1024 * 1024},
                 {"k", 1000ULL},        {"m", 1000ULL * 1000}, {"g", 1000ULL * 1000 * 1000},
                 {"b", 1}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t sl = strlen(units[i].suffix);
        if (n > sl && !strcasecmp(s + n - sl, units[i].suffix)) {
            mul = units[i].mul;
            digits = n - sl;
            break;
        }
    }
    unsigned long long v;
    if (!ak_str2ull(s, digits, &v))
        return 0;
    if (mul > 1 && v > (unsigned long long)LLONG_MAX / mul)
        return 0;
    *out = (long long)(v * mul);
    return 1;
}

/* ---------------------------------------------------------------- client-output-buffer-limit */

/* The class names, in the order CONFIG GET prints them. */
static const char *const obuf_class_names[AK_OBUF_CLASSES] = {"normal", "slave", "pubsub"};

static int obuf_class(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int cls;
    } names[] = {{"normal", AK_OBUF_NORMAL}, {"slave", AK_OBUF_REPLICA},
                 {"replica", AK_OBUF_REPLICA}, {"pubsub", AK_OBUF_PUBSUB}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i].name) == n && !strncasecmp(s, names[i].name, n))
            return names[i].cls;
    return -1; /* "master" included: it has no limit of its own */
}

/* Redis's memtoull(), quirks included, so the same strings are accepted:
 * digits (possibly none: 0) and an optional unit, no sign; a number beyond
 * 64 bits saturates and the unit's multiplication wraps. */
static int obuf_memtoull(const char *s, size_t n, unsigned long long *out)
{
    static const struct {
        const char *unit;
        unsigned long long mul;
    } units[] = {{"", 1},        {"b", 1},           {"k", 1000},          {"kb", 1024},
                 {"m", 1000000}, {"mb", 1024 * 1024}, {"g", 1000000000ULL}, {"gb", 1ULL << 30}};
    size_t digits = 0;
    while (digits < n && isdigit((unsigned char)s[digits]))
        digits++;
    unsigned long long mul = 0;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strlen(units[i].unit) == n - digits && !strncasecmp(s + digits, units[i].unit, n - digits))
            mul = units[i].mul;
    if (!mul || digits >= 128)
        return 0;
    char buf[128];
    memcpy(buf, s, digits);
    buf[digits] = '\0';
    *out = strtoull(buf, NULL, 10) * mul;
    return 1;
}

/* The next argument of a client-output-buffer-limit value: arguments are
 * separated by single spaces, as Redis's sdssplitlen() splits them (two
 * spaces make an empty argument). */
static const char *obuf_next(const char *p, size_t *len)
{
    const char *sp = strchr(p, ' ');
    *len = sp ? (size_t)(sp - p) : strlen(p);
    return sp ? sp + 1 : NULL;
}

/* "<class> <hard> <soft> <soft-seconds> ...", checked whole before anything
 * changes. An empty value changes nothing. */
static int obuf_parse(ak_obuf_limit *limits, const char *value, char *err, size_t errlen)
{
    size_t n = 0, len;
    for (const char *p = *value ? value : NULL; p; p = obuf_next(p, &len))
        n++;
    if (n % 4) {
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        return -2;
    }
    ak_obuf_limit next[AK_OBUF_CLASSES];
    memcpy(next, limits, sizeof next);
    const char *p = value;
    for (size_t j = 0; j < n; j += 4) {
        const char *arg[4];
        size_t alen[4];
        for (int k = 0; k < 4; k++) {
            arg[k] = p;
            p = obuf_next(p, &alen[k]);
        }
        int cls = obuf_class(arg[0], alen[0]);
        if (cls < 0) {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            return -2;
        }
        unsigned long long hard, soft;
        char *secs = ak_memdup(arg[3], alen[3]), *end;
        /* Redis keeps strtoll()'s result in an int: a huge count wraps. */
        int seconds = (int)strtoll(secs, &end, 10);
        int bad = *end != '\0';
        ak_free(secs);
        if (bad || seconds < 0 || !obuf_memtoull(arg[1], alen[1], &hard) ||
            !obuf_memtoull(arg[2], alen[2], &soft)) {
            snprintf(err, errlen,
                     "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            return -2;
        }
        next[cls] = (ak_obuf_limit){hard, soft, seconds};
    }
    memcpy(limits, next, sizeof next);
    return 0;
}

static void obuf_format(const ak_obuf_limit *limits, char *buf, size_t len)
{
    size_t w = 0;
    for (int i = 0; i < AK_OBUF_CLASSES && w < len; i++)
        w += (size_t)snprintf(buf + w, len - w, "%s%s %llu %llu %d", i ? " " : "",
                              obuf_class_names[i], limits[i].hard, limits[i].soft,
                              limits[i].soft_seconds);
}

/* ---------------------------------------------------------------- save */

/* `save <seconds> <changes> ...`, checked as Redis's setConfigSaveOption():
 * arguments are split at single spaces, an even number of them, each an
 * integer to its end (strtoll: sign and leading blanks allowed, an empty
 * argument is 0), seconds >= 1, changes >= 0; "" is no rule at all. The
 * value kept is the rules reprinted ("05 1" reads back "5 1"), changes
 * truncated to an int as Redis stores them. CONFIG SET replaces the rules;
 * in the config file and on the command line each `save` line adds its
 * rules to those before it (and `save ""` clears them), as in redis.conf. */
static int save_parse(char **field, const char *value, int startup, char *err, size_t errlen)
{
    size_t n = 0, len;
    for (const char *p = *value ? value : NULL; p; p = obuf_next(p, &len))
        n++;
    if (n % 2) {
        snprintf(err, errlen, "Invalid save parameters");
        return -2;
    }
    size_t cap = (startup ? strlen(*field) : 0) + n * 24 + 1, w = 0;
    char *out = ak_malloc(cap);
    out[0] = '\0';
    if (startup && *value && **field)
        w = (size_t)snprintf(out, cap, "%s", *field);
    const char *p = value;
    for (size_t j = 0; j < n; j += 2) {
        long long v[2];
        for (int k = 0; k < 2; k++) {
            const char *arg = p;
            p = obuf_next(p, &len);
            char *tok = ak_memdup(arg, len), *end;
            v[k] = strtoll(tok, &end, 10);
            int bad = *end != '\0' || (k == 0 ? v[k] < 1 : v[k] < 0);
            ak_free(tok);
            if (bad) {
                ak_free(out);
                snprintf(err, errlen, "Invalid save parameters");
                return -2;
            }
        }
        w += (size_t)snprintf(out + w, cap - w, "%s%lld %d", w ? " " : "", v[0], (int)v[1]);
    }
    ak_free(*field);
    *field = out;
    return 0;
}

/* ---------------------------------------------------------------- get and set */

int ak_config_set(ak_config *cfg, const char *name, const char *value, int startup, char *err,
                  size_t errlen)
{
    const centry *e = find(name);
    if (!e)
        return -1;
    void *field = (char *)cfg + e->off;
    if (e->immutable && !startup) {
        snprintf(err, errlen, "can't set immutable config");
        return -2;
    }
    long long v;
    switch (e->type) {
    case T_BOOL:
        if (!strcasecmp(value, "yes"))
            v = 1;
        else if (!strcasecmp(value, "no"))
            v = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -2;
        }
        if (v > e->max) {
            snprintf(err, errlen, "not supported: this build has no persistence");
            return -2;
        }
        *(int *)field = (int)v;
        return 0;
    case T_INT:
    case T_LL:
    case T_MEM:
    case T_OCTAL: {
        int ok;
        if (e->type == T_MEM) {
            ok = parse_memory(value, &v);
        } else if (e->type == T_OCTAL) {
            char *end;
            v = strtoll(value, &end, 8);
            ok = *value && !*end;
        } else {
            ok = ak_str2ll(value, strlen(value), &v);
        }
        if (!ok) {
            snprintf(err, errlen, "argument couldn't be parsed into an integer");
            return -2;
        }
        if (v < e->min || v > e->max) {
            snprintf(err, errlen, "argument must be between %lld and %lld inclusive", e->min, e->max);
            return -2;
        }
        if (e->type == T_MEM || e->type == T_LL)
            *(long long *)field = v;
        else
            *(int *)field = (int)v;
        return 0;
    }
    case T_ENUM:
        for (int i = 0; e->enums[i]; i++) {
            if (!strcasecmp(value, e->enums[i])) {
                *(int *)field = i;
                return 0;
            }
        }
        {
            size_t w = (size_t)snprintf(err, errlen, "argument(s) must be one of the following: ");
            for (int i = 0; e->enums[i] && w < errlen; i++)
                w += (size_t)snprintf(err + w, errlen - w, "%s%s", i ? ", " : "", e->enums[i]);
        }
        return -2;
    case T_STR: {
        char **p = field;
        if (e->off == OFF(save))
            return save_parse(p, value, startup, err, errlen);
        ak_free(*p);
        *p = ak_strdup(value);
        return 0;
    }
    case T_OBUF:
        return obuf_parse(field, value, err, errlen);
    }
    return -1;
}

static void format_value(const ak_config *cfg, const centry *e, char *buf, size_t len,
                         const char **out)
{
    const void *field = (const char *)cfg + e->off;
    switch (e->type) {
    case T_BOOL:
        *out = *(const int *)field ? "yes" : "no";
        return;
    case T_INT:
        snprintf(buf, len, "%d", *(const int *)field);
        break;
    case T_OCTAL:
        snprintf(buf, len, "%o", *(const int *)field);
        break;
    case T_MEM:
    case T_LL:
        snprintf(buf, len, "%lld", *(const long long *)field);
        break;
    case T_ENUM:
        *out = e->enums[*(const int *)field];
        return;
    case T_STR:
        *out = *(char *const *)field ? *(char *const *)field : "";
        return;
    case T_OBUF:
        obuf_format(field, buf, len);
        break;
    }
    *out = buf;
}

void ak_config_each(const ak_config *cfg, const char *pattern,
                    void (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
    size_t plen = strlen(pattern);
    for (size_t i = 0; i < NTABLE; i++) {
        const centry *e = &table[i];
        int hit = ak_glob_match(pattern, plen, e->name, strlen(e->name), 1);
        const char *shown = e->name;
        if (!hit && e->alias && ak_glob_match(pattern, plen, e->alias, strlen(e->alias), 1)) {
            hit = 1;
            shown = e->alias;
        }
        if (!hit)
            continue;
        char buf[256]; /* the longest: client-output-buffer-limit */
        const char *val;
        format_value(cfg, e, buf, sizeof buf, &val);
        fn(ctx, shown, val);
    }
}

int ak_config_load_text(ak_config *cfg, const char *text, char *err, size_t errlen)
{
    const ak_req_limits lim = AK_REQ_LIMITS_DEFAULT;
    ak_req req;
    ak_req_init(&req);
    int lineno = 0, rc = 0;
    const char *p = text;
    while (*p && rc == 0) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        /* Trim leading blanks; skip comments and empty lines. */
        const char *q = p;
        while (q < p + n && isspace((unsigned char)*q))
            q++;
        if (q < p + n && *q != '#') {
            /* The inline-command splitter has Redis's quoting rules. */
            size_t ln = (size_t)(p + n - q);
            char *line = ak_malloc(ln + 2);
            memcpy(line, q, ln);
            line[ln] = '\n';
            line[ln + 1] = '\0';
            size_t used = 0;
            int pr = ak_req_parse(&req, line, ln + 1, &lim, &used);
            if (pr != AK_REQ_OK) {
                snprintf(err, errlen, "line %d: %s", lineno, pr == AK_REQ_ERR ? "Unbalanced quotes in configuration line" : "bad line");
                rc = -1;
            } else if (req.argc > 0) {
                char name[128];
                size_t nl0 = req.argvlen[0] < sizeof name - 1 ? req.argvlen[0] : sizeof name - 1;
                memcpy(name, req.argv[0], nl0);
                name[nl0] = '\0';
                /* Multiple arguments (e.g. `bind a b`, `save 900 1`) are kept
                 * joined by spaces, which is how those settings read them. */
                size_t vcap = 1;
                for (int i = 1; i < req.argc; i++)
                    vcap += req.argvlen[i] + 1;
                char *val = ak_malloc(vcap);
                size_t w = 0;
                for (int i = 1; i < req.argc; i++) {
                    if (i > 1)
                        val[w++] = ' ';
                    memcpy(val + w, req.argv[i], req.argvlen[i]);
                    w += req.argvlen[i];
                }
                val[w] = '\0';
                char why[160];
                int sr = req.argc < 2 ? -3 : ak_config_set(cfg, name, val, 1, why, sizeof why);
                if (sr == -1)
                    snprintf(err, errlen, "line %d: Bad directive or wrong number of arguments ('%s')", lineno, name);
                else if (sr == -2)
                    snprintf(err, errlen, "line %d: '%s': %s", lineno, name, why);
                else if (sr == -3)
                    snprintf(err, errlen, "line %d: wrong number of arguments for '%s'", lineno, name);
                if (sr != 0)
                    rc = -1;
                ak_free(val);
            }
            ak_free(line);
        }
        p += n;
        if (*p == '\n')
            p++;
    }
    ak_req_free(&req);
    return rc;
}
