/*
 * server.c -- introspection and administration: COMMAND, INFO, TIME,
 * CONFIG, DEBUG.
 *
 * COMMAND INFO/DOCS/LIST/GETKEYS are generated from the command table, so
 * they cannot disagree with dispatch. INFO uses Redis's section and field
 * names, since monitoring tools parse them.
 */
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../util/alloc.h"
#include "../util/clock.h"
#include "../util/glob.h"
#include "../util/num.h"
#include "../core/persist.h"
#include "../core/resp.h"
#include "../script/script.h"
#include "cmds.h"

/* ---------------------------------------------------------------- COMMAND */

static void reply_flags(ak_out *o, const ak_cmd *cmd)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
#define AK_X_(name, value, text) {value, text},
        AK_CMD_FLAGS(AK_X_)
#undef AK_X_
    };
    size_t n = 0;
    int movable = ak_cmd_movablekeys(cmd);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        n += (cmd->flags & names[i].bit) != 0;
    ak_out_set(o, n + (size_t)movable);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (cmd->flags & names[i].bit)
            ak_out_status(o, names[i].name);
    if (movable)
        ak_out_status(o, "movablekeys");
}

/* ACL categories in Redis's order: the command's explicit ones (from the
 * table) plus those its flags imply, as Redis's setImplicitACLCategories. */
static size_t categories(const ak_cmd *cmd, const char **out)
{
    static const char *const order[] = {
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
        "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
        "dangerous", "connection", "transaction", "scripting"};
    static const char *const at[] = {
        "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
        "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow",
        "@blocking", "@dangerous", "@connection", "@transaction", "@scripting"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const char *c = order[i];
        int has = 0;
        size_t cl = strlen(c);
        for (const char *p = cmd->acl; p && *p;) {
            const char *sp = strchr(p, ' ');
            size_t wl = sp ? (size_t)(sp - p) : strlen(p);
            if (wl == cl && !strncmp(p, c, cl))
                has = 1;
            p = sp ? sp + 1 : p + wl;
        }
        uint32_t f = cmd->flags;
        /* Redis keeps scripting commands (EVAL_RO...) out of @read. */
        int scripting = cmd->acl && strstr(cmd->acl, "scripting") != NULL;
        if ((!strcmp(c, "write") && (f & AK_CMD_WRITE)) ||
            (!strcmp(c, "read") && (f & AK_CMD_READONLY) && !scripting) ||
            ((!strcmp(c, "admin") || !strcmp(c, "dangerous")) && (f & AK_CMD_ADMIN)) ||
            (!strcmp(c, "pubsub") && (f & AK_CMD_PUBSUB)) || (!strcmp(c, "fast") && (f & AK_CMD_FAST)) ||
            (!strcmp(c, "slow") && !(f & AK_CMD_FAST)) || (!strcmp(c, "blocking") && (f & AK_CMD_BLOCKING)))
            has = 1;
        if (has)
            out[n++] = at[i];
    }
    return n;
}

static void reply_tips(ak_out *o, const ak_cmd *cmd)
{
    size_t n = 0;
    for (const char *p = cmd->tips; p && *p; p = strchr(p, ' ') ? strchr(p, ' ') + 1 : "")
        n++;
    ak_out_array(o, n);
    for (const char *p = cmd->tips; p && *p;) {
        const char *sp = strchr(p, ' ');
        size_t wl = sp ? (size_t)(sp - p) : strlen(p);
        ak_out_status_len(o, p, wl);
        p = sp ? sp + 1 : p + wl;
    }
}

static void reply_keyspecs(ak_out *o, const ak_cmd *cmd)
{
    size_t len;
    const char *resp3 = ak_cmd_keyspecs(cmd, &len);
    aikv_reply_t *r = resp3 ? ak_reply_parse(resp3, len) : NULL;
    if (r)
        ak_out_reply(o, r);
    else
        ak_out_empty_array(o);
    aikv_reply_free(r);
}

static void reply_info(ak_out *o, const ak_cmd *cmd)
{
    char full[96];
    ak_cmd_fullname(cmd, full, sizeof full);
    ak_out_array(o, 10);
    ak_out_bulk_cstr(o, full);
    ak_out_integer(o, cmd->arity);
    reply_flags(o, cmd);
    ak_out_integer(o, cmd->first);
    ak_out_integer(o, cmd->last);
    ak_out_integer(o, cmd->step);
    const char *cats[24];
    size_t nc = categories(cmd, cats);
    ak_out_set(o, nc);
    for (size_t i = 0; i < nc; i++)
        ak_out_status(o, cats[i]);
    reply_tips(o, cmd);
    reply_keyspecs(o, cmd);
    size_t nsub = 0;
    for (const ak_cmd *s = cmd->sub; s && s->name; s++)
        nsub++;
    ak_out_array(o, nsub);
    for (const ak_cmd *s = cmd->sub; s && s->name; s++)
        reply_info(o, s);
}

/* A command's COMMAND DOCS map, kept as RESP3 (command_docs.inc) and
 * written in the session's protocol. A container's "subcommands" come from
 * the table, so they list exactly the subcommands that exist. */
static void reply_docs(ak_out *o, const ak_cmd *cmd)
{
    size_t len, nsub = 0;
    const char *resp3 = ak_cmd_docs(cmd, &len);
    aikv_reply_t *r = resp3 ? ak_reply_parse(resp3, len) : NULL;
    for (const ak_cmd *s = cmd->sub; s && s->name; s++)
        nsub++;
    size_t pairs = r ? r->elements / 2 : 0;
    ak_out_map(o, pairs + (nsub > 0));
    for (size_t i = 0; r && i < r->elements; i++)
        ak_out_reply(o, r->element[i]);
    aikv_reply_free(r);
    if (nsub) {
        ak_out_bulk_cstr(o, "subcommands");
        ak_out_map(o, nsub);
        for (const ak_cmd *s = cmd->sub; s->name; s++) {
            char full[96];
            ak_cmd_fullname(s, full, sizeof full);
            ak_out_bulk_cstr(o, full);
            reply_docs(o, s);
        }
    }
}

void ak_cmd_command(ak_session *c)
{
    int n;
    const ak_cmd *t = ak_cmd_table(&n);
    ak_out_array(&c->out, (size_t)n);
    for (int i = 0; i < n; i++)
        reply_info(&c->out, &t[i]);
}

void ak_cmd_command_count(ak_session *c)
{
    int n;
    ak_cmd_table(&n);
    ak_out_integer(&c->out, n);
}

/* A command by name, "config|get" naming a subcommand. */
static const ak_cmd *lookup_fullname(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (!bar)
        return ak_cmd_lookup(name, len);
    const ak_cmd *parent = ak_cmd_lookup(name, (size_t)(bar - name));
    return parent ? ak_cmd_lookup_sub(parent, bar + 1, len - (size_t)(bar - name) - 1) : NULL;
}

void ak_cmd_command_info(ak_session *c)
{
    if (c->argc == 2) {
        ak_cmd_command(c);
        return;
    }
    ak_out_array(&c->out, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const ak_cmd *cmd = lookup_fullname(c->argv[i], c->argvlen[i]);
        if (cmd)
            reply_info(&c->out, cmd);
        else
            ak_out_null_array(&c->out);
    }
}

void ak_cmd_command_docs(ak_session *c)
{
    int n;
    const ak_cmd *t = ak_cmd_table(&n);
    if (c->argc == 2) {
        ak_out_map(&c->out, (size_t)n);
        for (int i = 0; i < n; i++) {
            ak_out_bulk_cstr(&c->out, t[i].name);
            reply_docs(&c->out, &t[i]);
        }
        return;
    }
    size_t mark = ak_out_defer(&c->out), found = 0;
    for (int i = 2; i < c->argc; i++) {
        const ak_cmd *cmd = lookup_fullname(c->argv[i], c->argvlen[i]);
        if (!cmd)
            continue;
        char full[96];
        ak_cmd_fullname(cmd, full, sizeof full);
        ak_out_bulk_cstr(&c->out, full);
        reply_docs(&c->out, cmd);
        found++;
    }
    ak_out_set_deferred(&c->out, mark, '%', found);
}

void ak_cmd_command_list(ak_session *c)
{
    enum { ALL, PATTERN, ACLCAT, MODULE } filter = ALL;
    const char *arg = NULL;
    size_t arglen = 0;
    if (c->argc == 5 && ak_arg_is(c, 2, "filterby")) {
        if (ak_arg_is(c, 3, "pattern"))
            filter = PATTERN;
        else if (ak_arg_is(c, 3, "aclcat"))
            filter = ACLCAT;
        else if (ak_arg_is(c, 3, "module"))
            filter = MODULE;
        else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
        arg = c->argv[4];
        arglen = c->argvlen[4];
    } else if (c->argc != 2) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    int n;
    const ak_cmd *t = ak_cmd_table(&n);
    size_t mark = ak_out_defer(&c->out), count = 0;
    for (int i = 0; i < n; i++) {
        for (const ak_cmd *cmd = &t[i]; cmd;) {
            char full[96];
            ak_cmd_fullname(cmd, full, sizeof full);
            int hit = filter == ALL;
            if (filter == PATTERN)
                hit = ak_glob_match(arg, arglen, full, strlen(full), 1);
            else if (filter == ACLCAT) {
                const char *cats[24];
                size_t nc = categories(cmd, cats);
                for (size_t k = 0; k < nc; k++)
                    if (strlen(cats[k] + 1) == arglen && !strncasecmp(cats[k] + 1, arg, arglen))
                        hit = 1;
            }
            if (hit) {
                ak_out_bulk_cstr(&c->out, full);
                count++;
            }
            /* then each subcommand */
            if (cmd == &t[i])
                cmd = t[i].sub && t[i].sub->name ? t[i].sub : NULL;
            else
                cmd = (cmd + 1)->name ? cmd + 1 : NULL;
        }
    }
    ak_out_set_deferred(&c->out, mark, '*', count);
}

void ak_cmd_command_getkeys(ak_session *c)
{
    const ak_cmd *cmd = ak_cmd_lookup(c->argv[2], c->argvlen[2]);
    int argc = c->argc - 2;
    if (cmd && cmd->sub && argc >= 2) {
        const ak_cmd *sub = ak_cmd_lookup_sub(cmd, c->argv[3], c->argvlen[3]);
        if (sub)
            cmd = sub;
    }
    if (!cmd) {
        ak_reply_error(c, "ERR Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        ak_reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int *idx = ak_malloc(sizeof(int) * (size_t)argc);
    int n = ak_cmd_getkeys(cmd, argc, c->argv + 2, c->argvlen + 2, idx, argc);
    /* no_mandatory_keys (EVAL with numkeys 0): no keys is an answer. */
    if (n < 0 || (n == 0 && !(cmd->flags & AK_CMD_NO_MANDATORY_KEYS))) {
        ak_reply_error(c, "ERR The command has no key arguments");
    } else {
        ak_out_array(&c->out, (size_t)n);
        for (int i = 0; i < n; i++)
            ak_out_bulk(&c->out, c->argv[2 + idx[i]], c->argvlen[2 + idx[i]]);
    }
    ak_free(idx);
}

void ak_cmd_command_help(ak_session *c)
{
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        NULL};
    ak_reply_help(c, "COMMAND", lines);
}

/* ---------------------------------------------------------------- INFO */

static void human_bytes(char *buf, size_t len, double n)
{
    static const char *const units[] = {"B", "K", "M", "G", "T", "P"};
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0fB", n);
    else
        snprintf(buf, len, "%.2f%s", n, units[u]);
}

static size_t rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void infof(ak_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void infof(ak_out *o, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        ak_out_reserve(o, (size_t)n + 1);
        vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap2);
        o->len += (size_t)n;
    }
    va_end(ap2);
}

static void section_server(ak_session *c, ak_out *o)
{
    ak_store *st = c->st;
    struct utsname u;
    uname(&u);
    int64_t now_us = ak_ustime();
    int64_t up = (now_us / 1000 - st->start_ms) / 1000;
    infof(o,
          "# Server\r\nredis_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n"
          "redis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\narch_bits:%d\r\n"
          "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
          "atomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\nprocess_id:%ld\r\n"
          "process_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
          "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:%d\r\nconfigured_hz:%d\r\n"
          "lru_clock:%lld\r\nexecutable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n"
          "aikv_version:%s\r\nstorage_engine:%s\r\n",
          AIKV_REDIS_VERSION, u.sysname, u.release, u.machine, (int)sizeof(void *) * 8,
#ifdef __GNUC__
          __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
          0, 0, 0,
#endif
          (long)getpid(), st->run_id, st->tcp_port_bound ? st->tcp_port_bound : st->cfg.port,
          (long long)now_us, (long long)up, (long long)up / 86400, st->cfg.hz, st->cfg.hz,
          (long long)((now_us / 1000000) & 0xFFFFFF), st->executable ? st->executable : "",
          st->config_file ? st->config_file : "", AIKV_VERSION, st->engine->ops->name);
}

static void section_clients(ak_session *c, ak_out *o)
{
    ak_store *st = c->st;
    size_t maxin = 0, maxout = 0;
    for (ak_session *t = st->clients; t; t = t->next) {
        if (t->out.cap > maxout)
            maxout = t->out.cap;
        if (t->conn && t->conn_ops && t->conn_ops->info) {
            ak_conn_info ci;
            memset(&ci, 0, sizeof ci);
            t->conn_ops->info(t->conn, &ci);
            if (ci.qbuf + ci.qbuf_free > maxin)
                maxin = ci.qbuf + ci.qbuf_free;
        }
    }
    infof(o,
          "# Clients\r\nconnected_clients:%llu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
          "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
          "blocked_clients:%llu\r\ntracking_clients:0\r\nclients_in_timeout_table:%llu\r\n",
          (unsigned long long)st->nclients, st->cfg.maxclients, maxin, maxout,
          (unsigned long long)st->nblocked, (unsigned long long)st->nblocked_timeout);
}

static void section_memory(ak_session *c, ak_out *o)
{
    ak_store *st = c->st;
    size_t used = ak_used_memory(), rss = rss_bytes();
    if (used > st->used_memory_peak)
        st->used_memory_peak = used;
    size_t overhead = st->used_memory_startup;
    for (ak_session *t = st->clients; t; t = t->next)
        overhead += sizeof *t + t->out.cap;
    size_t dataset = used > overhead ? used - overhead : 0;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    double total = (double)pages * (double)psize;
    char h1[32], h2[32], h3[32], h4[32], h5[32];
    human_bytes(h1, sizeof h1, (double)used);
    human_bytes(h2, sizeof h2, (double)rss);
    human_bytes(h3, sizeof h3, (double)st->used_memory_peak);
    human_bytes(h4, sizeof h4, total);
    human_bytes(h5, sizeof h5, (double)st->used_memory_startup);
    infof(o,
          "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
          "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\nused_memory_peak_human:%s\r\n"
          "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%zu\r\n"
          "used_memory_startup:%zu\r\nused_memory_dataset:%zu\r\nused_memory_dataset_perc:%.2f%%\r\n",
          used, h1, rss, h2, st->used_memory_peak, h3,
          st->used_memory_peak ? 100.0 * (double)used / (double)st->used_memory_peak : 0.0,
          overhead, st->used_memory_startup, dataset,
          used > st->used_memory_startup
              ? 100.0 * (double)dataset / (double)(used - st->used_memory_startup)
              : 0.0);
    (void)h5;
    infof(o, "total_system_memory:%.0f\r\ntotal_system_memory_human:%s\r\n", total, h4);
    /* Scripting: EVAL's interpreter and cache, then the functions'. */
    size_t vm, scripts, nscripts, fvm, fmem, nfuncs, nlibs;
    char h6[32], h7[32], h8[32];
    ak_script_memory(st, &vm, &scripts, &nscripts);
    ak_functions_memory(st, &fvm, &fmem, &nfuncs, &nlibs);
    human_bytes(h6, sizeof h6, (double)vm);
    human_bytes(h7, sizeof h7, (double)(vm + fvm));
    human_bytes(h8, sizeof h8, (double)(scripts + fmem));
    infof(o,
          "used_memory_lua:%zu\r\nused_memory_vm_eval:%zu\r\nused_memory_lua_human:%s\r\n"
          "used_memory_scripts_eval:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
          "number_of_functions:%zu\r\nnumber_of_libraries:%zu\r\n"
          "used_memory_vm_functions:%zu\r\nused_memory_vm_total:%zu\r\n"
          "used_memory_vm_total_human:%s\r\nused_memory_functions:%zu\r\n"
          "used_memory_scripts:%zu\r\nused_memory_scripts_human:%s\r\n",
          vm, vm, h6, scripts, nscripts, nfuncs, nlibs, fvm, vm + fvm, h7, fmem,
          scripts + fmem, h8);
    infof(o,
          "maxmemory:0\r\n"
          "maxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:%.2f\r\n"
          "mem_allocator:libc\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
          used ? (double)rss / (double)used : 0.0);
}

static void section_persistence(ak_session *c, ak_out *o)
{
    ak_store *st = c->st;
    int64_t now = ak_mstime() / 1000;
    long long current = st->persist.child_pid ? (long long)(now - st->persist.child_start_s) : -1;
    infof(o,
          "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
          "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
          "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
          "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\n"
          "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
          "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
          "rdb_saves:%llu\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:%llu\r\n"
          "rdb_last_load_keys_loaded:%llu\r\naof_enabled:0\r\n"
          "aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\n"
          "aof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\n"
          "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\n"
          "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
          (unsigned long long)st->stats.dirty, st->persist.child_pid != 0,
          (long long)st->lastsave_s, st->persist.last_failed ? "err" : "ok",
          (long long)st->persist.last_time_sec - 1, current,
          (unsigned long long)st->persist.saves, (unsigned long long)st->persist.load_expired,
          (unsigned long long)st->persist.load_keys);
}

static void section_stats(ak_session *c, ak_out *o)
{
    ak_stats *s = &c->st->stats;
    infof(o,
          "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
          "instantaneous_ops_per_sec:%lld\r\ntotal_net_input_bytes:%llu\r\n"
          "total_net_output_bytes:%llu\r\ntotal_net_repl_input_bytes:0\r\n"
          "total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:%.2f\r\n"
          "instantaneous_output_kbps:%.2f\r\ninstantaneous_input_repl_kbps:0.00\r\n"
          "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%llu\r\n",
          (unsigned long long)s->connections, (unsigned long long)s->commands,
          (long long)llround(ak_store_inst(c->st, 0)), (unsigned long long)s->net_input_bytes,
          (unsigned long long)s->net_output_bytes, ak_store_inst(c->st, 1) / 1024,
          ak_store_inst(c->st, 2) / 1024, (unsigned long long)s->rejected_connections);
    infof(o,
          "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:%llu\r\n"
          "expired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
          "expire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\nevicted_clients:0\r\n"
          "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n"
          "keyspace_hits:%llu\r\nkeyspace_misses:%llu\r\npubsub_channels:0\r\n"
          "pubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n"
          "migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\n"
          "active_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
          "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
          "tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n"
          "unexpected_error_replies:0\r\ntotal_error_replies:%llu\r\n"
          "dump_payload_sanitizations:0\r\ntotal_reads_processed:%llu\r\n"
          "total_writes_processed:%llu\r\nio_threaded_reads_processed:0\r\n"
          "io_threaded_writes_processed:0\r\nclient_query_buffer_limit_disconnections:%llu\r\n"
          "client_output_buffer_limit_disconnections:%llu\r\nreply_buffer_shrinks:0\r\n"
          "reply_buffer_expands:0\r\n",
          (unsigned long long)s->expired_keys, (unsigned long long)s->keyspace_hits,
          (unsigned long long)s->keyspace_misses, (unsigned long long)s->error_replies,
          (unsigned long long)s->commands, (unsigned long long)s->commands,
          (unsigned long long)s->client_qbuf_limit_disconnections,
          (unsigned long long)s->client_outbuf_limit_disconnections);
}

static void section_replication(ak_session *c, ak_out *o)
{
    infof(o,
          "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
          "master_replid:%s\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
          "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
          "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
          "repl_backlog_histlen:0\r\n",
          c->st->replid);
}

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void section_cpu(ak_session *c, ak_out *o)
{
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    infof(o,
          "# CPU\r\nused_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:%.6f\r\n"
          "used_cpu_user_children:%.6f\r\nused_cpu_sys_main_thread:%.6f\r\n"
          "used_cpu_user_main_thread:%.6f\r\n",
          tv_sec(self.ru_stime), tv_sec(self.ru_utime), tv_sec(children.ru_stime),
          tv_sec(children.ru_utime), tv_sec(thread.ru_stime), tv_sec(thread.ru_utime));
}

static void section_modules(ak_session *c, ak_out *o)
{
    infof(o, "# Modules\r\n");
}

static void section_commandstats(ak_session *c, ak_out *o)
{
    infof(o, "# Commandstats\r\n");
    int n;
    const ak_cmd *t = ak_cmd_table(&n);
    for (int i = 0; i < n; i++) {
        for (const ak_cmd *cmd = &t[i]; cmd;) {
            ak_cmdstat *cs = &c->st->cmdstats[cmd->id];
            if (cs->calls || cs->rejected || cs->failed) {
                char full[96];
                ak_cmd_fullname(cmd, full, sizeof full);
                infof(o,
                      "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                      "failed_calls=%llu\r\n",
                      full, (unsigned long long)cs->calls, (unsigned long long)cs->usec,
                      cs->calls ? (double)cs->usec / (double)cs->calls : 0.0,
                      (unsigned long long)cs->rejected, (unsigned long long)cs->failed);
            }
            if (cmd == &t[i])
                cmd = t[i].sub && t[i].sub->name ? t[i].sub : NULL;
            else
                cmd = (cmd + 1)->name ? cmd + 1 : NULL;
        }
    }
}

static void section_errorstats(ak_session *c, ak_out *o)
{
    infof(o, "# Errorstats\r\n");
    for (ak_errstat *e = c->st->errstats; e; e = e->next)
        infof(o, "errorstat_%s:count=%llu\r\n", e->code, (unsigned long long)e->count);
}

/* Latency percentiles are not tracked (as Redis with latency-tracking no). */
static void section_latencystats(ak_session *c, ak_out *o)
{
    infof(o, "# Latencystats\r\n");
}

static void section_cluster(ak_session *c, ak_out *o)
{
    infof(o, "# Cluster\r\ncluster_enabled:0\r\n");
}

static void section_storage(ak_session *c, ak_out *o)
{
    static const char *const durability[] = {"off", "normal", "full"};
    ak_engine *e = ak_eng(c);
    infof(o, "# Storage\r\nstorage_engine:%s\r\n", e->ops->name);
    if (!e->ops->stats)
        return;
    ak_engine_stats es = {0};
    e->ops->stats(e, &es);
    infof(o,
          "storage_file:%s\r\nstorage_durability:%s\r\nstorage_commits:%llu\r\n"
          "storage_fsyncs:%llu\r\nstorage_file_bytes:%lld\r\n",
          es.path, durability[es.durability >= 0 && es.durability <= 2 ? es.durability : 1],
          (unsigned long long)es.commits, (unsigned long long)es.syncs, (long long)es.file_bytes);
}

static void section_keyspace(ak_session *c, ak_out *o)
{
    infof(o, "# Keyspace\r\n");
    ak_engine *e = ak_eng(c);
    for (int db = 0; db < c->st->ndb; db++) {
        uint64_t keys = e->ops->dbsize(e, db);
        if (!keys)
            continue;
        infof(o, "db%d:keys=%llu,expires=%llu,avg_ttl=%lld\r\n", db, (unsigned long long)keys,
              (unsigned long long)e->ops->expires(e, db), (long long)e->ops->avg_ttl(e, db));
    }
}

typedef struct section {
    const char *name;
    void (*fn)(ak_session *, ak_out *);
    int in_default;
} section;

static const section sections[] = {
    {"server", section_server, 1},           {"clients", section_clients, 1},
    {"memory", section_memory, 1},           {"persistence", section_persistence, 1},
    {"stats", section_stats, 1},             {"replication", section_replication, 1},
    {"cpu", section_cpu, 1},                 {"modules", section_modules, 1},
    {"commandstats", section_commandstats, 0}, {"errorstats", section_errorstats, 1},
    {"latencystats", section_latencystats, 0},
    {"cluster", section_cluster, 1},         {"storage", section_storage, 1},
    {"keyspace", section_keyspace, 1},
};
#define NSECTIONS (sizeof sections / sizeof *sections)

void ak_cmd_info(ak_session *c)
{
    int want[NSECTIONS] = {0};
    int any = 0;
    if (c->argc == 1) {
        for (size_t i = 0; i < NSECTIONS; i++)
            want[i] = sections[i].in_default;
    }
    for (int j = 1; j < c->argc; j++) {
        if (ak_arg_is(c, j, "default")) {
            for (size_t i = 0; i < NSECTIONS; i++)
                want[i] |= sections[i].in_default;
        } else if (ak_arg_is(c, j, "all") || ak_arg_is(c, j, "everything")) {
            for (size_t i = 0; i < NSECTIONS; i++)
                want[i] = 1;
        } else {
            for (size_t i = 0; i < NSECTIONS; i++)
                if (ak_arg_is(c, j, sections[i].name))
                    want[i] = 1;
        }
    }
    ak_out buf;
    ak_out_init(&buf, 2);
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!want[i])
            continue;
        if (any)
            ak_out_append(&buf, "\r\n", 2);
        sections[i].fn(c, &buf);
        any = 1;
    }
    ak_out_verbatim(&c->out, buf.buf ? buf.buf : "", buf.len);
    ak_out_free(&buf);
}

/* ---------------------------------------------------------------- TIME */

void ak_cmd_time(ak_session *c)
{
    int64_t us = ak_ustime();
    ak_out_array(&c->out, 2);
    ak_out_bulk_ll(&c->out, us / 1000000);
    ak_out_bulk_ll(&c->out, us % 1000000);
}

/* ---------------------------------------------------------------- CONFIG */

typedef struct cfg_get {
    ak_out *out;
    const char *echo; /* a name without glob characters is answered as given */
    char **seen;
    size_t n, cap;
} cfg_get;

static void cfg_emit(void *ctx, const char *name, const char *value)
{
    cfg_get *g = ctx;
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->seen[i], name))
            return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->seen = ak_realloc(g->seen, g->cap * sizeof(char *));
    }
    g->seen[g->n++] = (char *)name;
    ak_out_bulk_cstr(g->out, g->echo ? g->echo : name);
    ak_out_bulk_cstr(g->out, value);
}

void ak_cmd_config_get(ak_session *c)
{
    cfg_get g = {&c->out, NULL, NULL, 0, 0};
    size_t mark = ak_out_defer(&c->out);
    for (int j = 2; j < c->argc; j++) {
        char *pat = ak_memdup(c->argv[j], c->argvlen[j]);
        g.echo = strpbrk(pat, "*?[") ? NULL : pat;
        ak_config_each(&c->st->cfg, pat, cfg_emit, &g);
        ak_free(pat);
    }
    ak_out_set_deferred(&c->out, mark, '%', g.n);
    ak_free(g.seen);
}

void ak_cmd_config_set(ak_session *c)
{
    if (c->argc % 2 != 0) {
        ak_reply_error(c, "ERR wrong number of arguments for 'config|set' command");
        return;
    }
    /* All or nothing: apply to a copy, and keep it only if every pair
     * applied. */
    ak_config tmp;
    ak_config_copy(&tmp, &c->st->cfg);
    for (int j = 2; j < c->argc; j += 2) {
        char *name = ak_memdup(c->argv[j], c->argvlen[j]);
        char *value = ak_memdup(c->argv[j + 1], c->argvlen[j + 1]);
        char why[256];
        int dup = 0;
        for (int k = 2; k < j; k += 2)
            if (c->argvlen[k] == c->argvlen[j] && !strncasecmp(c->argv[k], c->argv[j], c->argvlen[j]))
                dup = 1;
        int rc = dup ? -2 : ak_config_set(&tmp, name, value, 0, why, sizeof why);
        if (dup)
            snprintf(why, sizeof why, "duplicate parameter");
        if (rc == -1)
            ak_reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'", name);
        else if (rc == -2)
            ak_reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", name,
                            why);
        ak_free(name);
        ak_free(value);
        if (rc != 0) {
            ak_config_free(&tmp);
            return;
        }
    }
    ak_config_free(&c->st->cfg);
    c->st->cfg = tmp;
    ak_reply_ok(c);
}

void ak_cmd_config_resetstat(ak_session *c)
{
    ak_store *st = c->st;
    uint64_t dirty = st->stats.dirty;
    memset(&st->stats, 0, sizeof st->stats);
    st->stats.dirty = dirty;
    memset(st->cmdstats, 0, sizeof(ak_cmdstat) * (size_t)ak_cmd_ids());
    for (ak_errstat *e = st->errstats, *n; e; e = n) {
        n = e->next;
        ak_free(e);
    }
    st->errstats = NULL;
    st->used_memory_peak = ak_used_memory();
    ak_reply_ok(c);
}

void ak_cmd_config_help(ak_session *c)
{
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        NULL};
    ak_reply_help(c, "CONFIG", lines);
}

/* ---------------------------------------------------------------- DEBUG */

static int debug_allowed(ak_session *c)
{
    int mode = c->st->cfg.enable_debug_command;
    if (mode == 1)
        return 1;
    if (mode == 2) {
        if (!c->conn)
            return 1; /* an embedded caller is as local as it gets */
        ak_conn_info ci;
        memset(&ci, 0, sizeof ci);
        c->conn_ops->info(c->conn, &ci);
        return ci.local;
    }
    return 0;
}

void ak_cmd_debug(ak_session *c)
{
    if (!debug_allowed(c)) {
        ak_reply_error(c, "ERR DEBUG command not allowed. If the enable-debug-command option is "
                          "set to \"local\", you can run it from a local connection, otherwise you "
                          "need to set this option in the configuration file, and then restart the "
                          "server.");
        return;
    }
    if (ak_arg_is(c, 1, "help")) {
        static const char *const lines[] = {
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            NULL};
        ak_reply_help(c, "DEBUG", lines);
        return;
    }
    if (ak_arg_is(c, 1, "sleep") && c->argc == 3) {
        double secs;
        if (!ak_str2d(c->argv[2], c->argvlen[2], &secs) || secs < 0) {
            ak_reply_error(c, AK_ERR_NOTFLOAT);
            return;
        }
        /* Like Redis, the whole store stops: the lock is held. */
        struct timespec ts = {(time_t)secs, (long)((secs - floor(secs)) * 1e9)};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ak_reply_ok(c);
        return;
    }
    if (ak_arg_is(c, 1, "set-active-expire") && c->argc == 3) {
        /* Redis reads the flag with atoi(): anything but a number is 0. */
        c->st->engine->no_active_expire = atoi(c->argv[2]) == 0;
        ak_reply_ok(c);
        return;
    }
    ak_reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try DEBUG HELP.",
                    (int)c->argvlen[1], c->argv[1]);
}

/* ---------------------------------------------------------------- SHUTDOWN */

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. With the memory engine it
 * snapshots first (SAVE, or by default when `save` rules exist), and a
 * failed snapshot keeps the server running unless FORCE, as Redis; with
 * the SQLite engine everything is committed already. There is no replica,
 * so NOW has nothing to skip. A successful SHUTDOWN has no reply: the
 * server closes the connection. */
void ak_cmd_shutdown(ak_session *c)
{
    int nosave = 0, save = 0, now = 0, force = 0, abort_ = 0;
    for (int j = 1; j < c->argc; j++) {
        if (ak_arg_is(c, j, "nosave"))
            nosave = 1;
        else if (ak_arg_is(c, j, "save"))
            save = 1;
        else if (ak_arg_is(c, j, "now"))
            now = 1;
        else if (ak_arg_is(c, j, "force"))
            force = 1;
        else if (ak_arg_is(c, j, "abort"))
            abort_ = 1;
        else {
            ak_reply_error(c, AK_ERR_SYNTAX);
            return;
        }
    }
    if ((abort_ && (nosave || save || now || force)) || (nosave && save)) {
        ak_reply_error(c, AK_ERR_SYNTAX);
        return;
    }
    if (abort_) {
        ak_reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    /* A busy script stops only for SHUTDOWN NOSAVE (script/script.h). */
    const char *busy = ak_script_busy_error(c->st);
    if (!nosave && busy) {
        ak_reply_error(c, busy);
        return;
    }
    if (!c->st->shutdown_hook) {
        ak_reply_error(c, "ERR SHUTDOWN is only available in aikv-server, not in an embedded store");
        return;
    }
    unsigned how = (save ? AK_SHUTDOWN_SAVE : 0) | (nosave ? AK_SHUTDOWN_NOSAVE : 0) |
                   (force ? AK_SHUTDOWN_FORCE : 0);
    if (ak_persist_shutdown(c->st, how) != AIKV_OK) {
        ak_reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    (void)now;
    c->flags |= AK_CLIENT_CLOSE_AFTER_REPLY;
    c->st->shutdown_hook(c->st->shutdown_ctx);
}
