/*
 * main.c -- aikv-server's command line, exactly like redis-server's:
 *
 *   aikv-server [/path/to/aikv.conf] [--name value [value ...]] ...
 *
 * The config file is read first, then each --name applies in order, through
 * the same settings table CONFIG SET uses.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaikv/core/persist.h"
#include "libaikv/script/script.h"
#include "libaikv/util/alloc.h"
#include "libaikv/util/clock.h"
#include "log.h"
#include "server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: ./aikv-server [/path/to/aikv.conf] [options]\n"
            "       ./aikv-server -v or --version\n"
            "       ./aikv-server -h or --help\n\n"
            "Examples:\n"
            "       ./aikv-server (run the server with default conf)\n"
            "       ./aikv-server /etc/aikv/6379.conf\n"
            "       ./aikv-server --port 7777\n"
            "       ./aikv-server /etc/myaikv.conf --loglevel verbose\n");
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = ak_malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = ak_realloc(buf, cap);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void fatal_config(const char *where, const char *what)
{
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (AiKv %s) ***\n", AIKV_VERSION);
    fprintf(stderr, "%s\n%s\n", where, what);
    exit(1);
}

static int load_snapshot(ak_store *st)
{
    char path[PATH_MAX], err[1024] = "";
    ak_persist_path(st, path, sizeof path);
    int64_t start = ak_monotonic_us();
    ak_copy_stats cs;
    ak_store_lock(st);
    int rc = ak_store_load(st, path, &cs, err, sizeof err);
    ak_store_unlock(st);
    if (rc == AK_NOTFOUND)
        return 0;
    if (rc != AIKV_OK) {
        log_msg(AK_LOG_WARNING, "Fatal error loading the DB: %s (%s). Exiting.", err,
                aikv_errstr(rc));
        return -1;
    }
    log_msg(AK_LOG_NOTICE, "DB loaded from disk: %llu keys (%llu expired keys skipped), %.3f seconds",
            (unsigned long long)cs.keys, (unsigned long long)cs.expired,
            (double)(ak_monotonic_us() - start) / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    ak_config cfg;
    ak_config_defaults(&cfg);
    int i = 1;
    const char *config_file = NULL;
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("AiKv server v=%s (Redis %s compatible) aikv=%s\n", AIKV_VERSION,
                   AIKV_REDIS_VERSION, aikv_libversion());
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
            usage(stdout);
            return 0;
        }
        if (argv[1][0] != '-' || argv[1][1] != '-') {
            config_file = argv[1];
            i = 2;
            char *text = read_file(config_file);
            if (!text) {
                fprintf(stderr, "Fatal error, can't open config file '%s': %m\n", config_file);
                return 1;
            }
            char err[512];
            if (ak_config_load_text(&cfg, text, err, sizeof err) != 0) {
                ak_free(text);
                fatal_config("Reading the configuration file", err);
            }
            ak_free(text);
        }
    }
    /* --name value [value ...]: the values up to the next --option are
     * joined by spaces, as redis-server does ("--bind a b"). */
    while (i < argc) {
        if (strncmp(argv[i], "--", 2) != 0 || !argv[i][2]) {
            fprintf(stderr, "Invalid argument '%s'\n", argv[i]);
            usage(stderr);
            return 1;
        }
        const char *name = argv[i] + 2;
        size_t cap = 1;
        int j = i + 1;
        for (; j < argc && strncmp(argv[j], "--", 2) != 0; j++)
            cap += strlen(argv[j]) + 1;
        char *value = ak_malloc(cap);
        value[0] = '\0';
        for (int k = i + 1; k < j; k++) {
            if (k > i + 1)
                strcat(value, " ");
            strcat(value, argv[k]);
        }
        char why[256], where[512];
        int rc = j == i + 1 ? -3 : ak_config_set(&cfg, name, value, 1, why, sizeof why);
        if (rc != 0) {
            snprintf(where, sizeof where, ">>> '%s %s'", name, value);
            fatal_config(where, rc == -1   ? "Bad directive or wrong number of arguments"
                                : rc == -3 ? "wrong number of arguments"
                                           : why);
        }
        ak_free(value);
        i = j;
    }

    log_open(cfg.loglevel, cfg.logfile);
    /* Like Redis, the server works in `dir`: the store file and snapshots
     * are relative to it. */
    if (cfg.dir[0] && chdir(cfg.dir) != 0) {
        log_msg(AK_LOG_WARNING, "Can't chdir to '%s': %s", cfg.dir, strerror(errno));
        return 1;
    }
    /* From here on `dir` is where we are (CONFIG GET dir answers the
     * absolute path, as Redis). */
    char cwd[PATH_MAX], why[256];
    if (getcwd(cwd, sizeof cwd))
        ak_config_set(&cfg, "dir", cwd, 1, why, sizeof why);
    ak_store *st;
    const char *path = cfg.storage == AK_STORAGE_SQLITE ? cfg.dbfilename : NULL;
    if (ak_store_open(path, &cfg, &st) != AIKV_OK) {
        log_msg(AK_LOG_WARNING, "Failed to open the store: %s", aikv_errmsg(NULL));
        return 1;
    }
    ak_config_free(&cfg);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char cfgpath[PATH_MAX] = "";
    if (config_file && !realpath(config_file, cfgpath))
        snprintf(cfgpath, sizeof cfgpath, "%s", config_file);
    st->executable = exe;
    st->config_file = cfgpath;

    log_msg(AK_LOG_NOTICE, "oO0OoO0OoO0Oo AiKv is starting oO0OoO0OoO0Oo");
    log_msg(AK_LOG_NOTICE, "AiKv version=%s, Redis compatibility=%s, pid=%d, engine=%s",
            AIKV_VERSION, AIKV_REDIS_VERSION, (int)getpid(), st->engine->ops->name);
    if (!config_file)
        log_msg(AK_LOG_WARNING, "Warning: no config file specified, using the default config. "
                                "In order to specify a config file use ./aikv-server /path/to/aikv.conf");
    st->log = log_msg;
    ak_persist_allow_fork(st); /* one thread: BGSAVE may fork */
    /* The memory engine starts from its snapshot, if there is one; a file
     * that cannot be read is fatal, as Redis refuses a bad RDB. */
    if (st->engine->ops->commit == NULL && load_snapshot(st) != 0) {
        ak_store_close(st);
        return 1;
    }
    /* The stored FUNCTION libraries, compiled now: one that no longer
     * loads is logged at start, not at its first call. */
    ak_store_lock(st);
    ak_functions_open(st);
    ak_store_unlock(st);

    server srv = {0};
    srv.st = st;
    srv.base = event_base_new();
    if (!srv.base) {
        log_msg(AK_LOG_WARNING, "Failed creating the event loop");
        return 1;
    }
    FILE *pf = NULL;
    if (st->cfg.pidfile[0] && (pf = fopen(st->cfg.pidfile, "w"))) {
        fprintf(pf, "%d\n", (int)getpid());
        fclose(pf);
    }
    if (server_listen(&srv) != 0) {
        server_free(&srv);
        ak_store_close(st);
        return 1;
    }
    log_msg(AK_LOG_NOTICE, "Server initialized, listening on port %d%s%s", st->cfg.port,
            st->cfg.unixsocket[0] ? " and unix socket " : "", st->cfg.unixsocket);
    int rc = server_run(&srv);
    server_free(&srv);
    if (st->cfg.pidfile[0])
        unlink(st->cfg.pidfile);
    ak_store_close(st);
    log_msg(AK_LOG_WARNING, "AiKv is now ready to exit, bye bye...");
    return rc;
}
