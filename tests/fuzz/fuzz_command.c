/*
 * fuzz_command.c -- libFuzzer target for the command layer, through the
 * public API (aikv_command_argv on a session of an in-memory store).
 *
 * Input format
 *   Up to 64 commands, one per line ('\n'). A line is split into arguments
 *   on single spaces (so "a  b" has an empty argument between a and b).
 *   The first argument names the command:
 *     - if it is a command's name (any case), it is used as it is, so seeds
 *       stay readable and keep their meaning when the table changes;
 *     - otherwise its first byte picks one of the table's commands and
 *       subcommands (command.h's ak_cmd_table(), "config get" counting as one
 *       name of two words), and the rest of that argument, if any, becomes the
 *       first argument after the name.
 *
 * State
 *   One store is opened once (aikv_open(NULL, ...)). Each input runs on a
 *   fresh session (RESP2, database 0, authenticated). Every N inputs (N = 1
 *   by default, so that every crash reproduces from its input file alone;
 *   AIKV_FUZZ_RESET_EVERY=N in the environment to let data carry over from
 *   input to input) the store is reset by a separate housekeeping session:
 *   FLUSHALL, FUNCTION FLUSH, and, if a CONFIG SET ran, every setting back to the value it
 *   had at start. Memory is bounded by that and by the clamps below.
 *
 * Invariants (a violation traps): aikv_command_argv() never returns NULL
 *   (that means the command wrote an unreadable reply or more than one); the
 *   reply is a well-formed tree; an error reply has a non-empty text. After
 *   each input an audit reads every key left back through commands that must
 *   agree (LLEN and LRANGE and LINDEX; HLEN, HGETALL, HGET and HSTRLEN; SCARD,
 *   SMEMBERS and SISMEMBER; ZCARD, ZCOUNT, ZRANGE WITHSCORES in score-then-
 *   member order, ZSCORE, ZRANK and ZREVRANK; GET and STRLEN), and no
 *   collection exists empty. And whatever ASan and UBSan report, including
 *   leaks.
 *
 * Exclusions and clamps (each documented here, as the fuzzer cannot tell a
 * legitimate huge or slow request from a bug):
 *   - SHUTDOWN: never run (in an embedded store it only errors, but in the
 *     server it would end the process).
 *   - DEBUG SLEEP, and the other DEBUG words that stop or crash the process
 *     by design in Redis (SEGFAULT, PANIC, OOM, ASSERT, RESTART,
 *     CRASH-AND-RECOVER), should they be added: never run.
 *   - Commands flagged "blocking" (BLPOP, BZPOPMIN, ... when they exist):
 *     never run; they wait for a timeout.
 *   - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL, FCALL_RO: never run; a
 *     script may loop or allocate without bound by design, and an embedded
 *     store has no busy-script limit (SCRIPT LOAD/EXISTS/FLUSH and every
 *     FUNCTION subcommand still run: a library's top level stops at 500 ms).
 *   - SAVE, BGSAVE and CONFIG SET save: never run; they write a snapshot
 *     file into the working directory (and `save` rules make the cron and
 *     FLUSHALL write one), each write taking fsyncs.
 *   - Integer arguments are clamped where Redis-compatible behaviour is to
 *     allocate or loop in proportion to the number (so gigabytes are
 *     legitimate): SETRANGE's offset to [-1M, 1M] bytes; the count of
 *     SRANDMEMBER, HRANDFIELD and ZRANDMEMBER (negative = that many with
 *     repetitions) to [-10000, 10000]. Only arguments that parse as
 *     integers are touched, so the commands' own parse errors are still
 *     exercised. LPOS is not clamped: its COUNT and MAXLEN bound a scan and
 *     allocate nothing in proportion (checked in cmd/list.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../aikv.h"
#include "core/command.h"
#include "util/num.h"

#define CHECK(x)                     \
    do {                             \
        if (!(x))                    \
            __builtin_trap();        \
    } while (0)

#define MAX_CMDS 64
#define MAX_ARGS 1024

/* ---------------------------------------------------------------- names */

typedef struct name {
    const char *word[2];
    int nwords;
} name;

static name *names;
static int nnames;

static const char *const debug_denied[] = {"sleep", "segfault", "panic", "oom", "assert",
                                           "restart", "crash-and-recover", NULL};

static int word_is(const char *a, size_t alen, const char *w)
{
    return strlen(w) == alen && strncasecmp(a, w, alen) == 0;
}

static int excluded_cmd(const ak_cmd *c)
{
    return !strcmp(c->name, "shutdown") || (c->flags & AK_CMD_BLOCKING) ||
           !strncmp(c->name, "eval", 4) || !strncmp(c->name, "fcall", 5);
}

static void add_name(const char *w0, const char *w1)
{
    names = realloc(names, (size_t)(nnames + 1) * sizeof *names);
    CHECK(names);
    names[nnames].word[0] = w0;
    names[nnames].word[1] = w1;
    names[nnames].nwords = w1 ? 2 : 1;
    nnames++;
}

static void build_names(void)
{
    int count;
    const ak_cmd *t = ak_cmd_table(&count);
    for (int i = 0; i < count; i++) {
        const ak_cmd *c = &t[i];
        if (excluded_cmd(c))
            continue;
        if (!c->sub || c->proc)
            add_name(c->name, NULL);
        for (const ak_cmd *s = c->sub; s && s->name; s++)
            if (!(s->flags & AK_CMD_BLOCKING))
                add_name(c->name, s->name);
    }
    CHECK(nnames > 0);
}

/* ---------------------------------------------------------------- clamps */

typedef struct clamp {
    const char *cmd; /* every integer argument of it */
    long long lo, hi;
} clamp;

static const clamp clamps[] = {
    {"setrange", -(1LL << 20), 1LL << 20},
    {"srandmember", -10000, 10000},
    {"hrandfield", -10000, 10000},
    {"zrandmember", -10000, 10000},
};

/* Clamped numbers are written here (one slot per argument). */
static char numbuf[MAX_ARGS + 2][24];

static void apply_clamps(int argc, const char **argv, size_t *argvlen)
{
    for (size_t k = 0; k < sizeof clamps / sizeof *clamps; k++) {
        const clamp *cl = &clamps[k];
        if (!word_is(argv[0], argvlen[0], cl->cmd))
            continue;
        for (int j = 1; j < argc; j++) {
            long long v;
            if (!ak_str2ll(argv[j], argvlen[j], &v) || (v >= cl->lo && v <= cl->hi))
                continue;
            v = v < cl->lo ? cl->lo : cl->hi;
            argvlen[j] = ak_ll2str(numbuf[j], sizeof numbuf[j], v);
            argv[j] = numbuf[j];
        }
    }
}

static int excluded_call(int argc, const char **argv, const size_t *argvlen)
{
    const ak_cmd *c = ak_cmd_lookup(argv[0], argvlen[0]);
    if (!c)
        return 0; /* unknown commands are errors: fine to run */
    if (excluded_cmd(c))
        return 1;
    if (!strcmp(c->name, "save") || !strcmp(c->name, "bgsave"))
        return 1;
    if (!strcmp(c->name, "config") && argc >= 2 && word_is(argv[1], argvlen[1], "set"))
        for (int j = 2; j < argc; j += 2)
            if (word_is(argv[j], argvlen[j], "save"))
                return 1;
    if (!strcmp(c->name, "debug") && argc >= 2)
        for (int i = 0; debug_denied[i]; i++)
            if (word_is(argv[1], argvlen[1], debug_denied[i]))
                return 1;
    if (c->sub && argc >= 2) {
        const ak_cmd *s = ak_cmd_lookup_sub(c, argv[1], argvlen[1]);
        if (s && (s->flags & AK_CMD_BLOCKING))
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- replies */

static int has_str(int type)
{
    return type == AIKV_REPLY_STRING || type == AIKV_REPLY_STATUS || type == AIKV_REPLY_ERROR ||
           type == AIKV_REPLY_DOUBLE || type == AIKV_REPLY_BIGNUM || type == AIKV_REPLY_VERB;
}

static void check_tree(const aikv_reply_t *r)
{
    CHECK(r);
    CHECK(r->type >= AIKV_REPLY_STRING && r->type <= AIKV_REPLY_VERB);
    if (has_str(r->type))
        CHECK(r->str && r->str[r->len] == '\0');
    if (r->type == AIKV_REPLY_ERROR)
        CHECK(r->len > 0 && r->str[0] != ' ');
    if (r->type == AIKV_REPLY_MAP)
        CHECK(r->elements % 2 == 0);
    CHECK(r->elements == 0 || r->element);
    for (size_t i = 0; i < r->elements; i++)
        check_tree(r->element[i]);
}

/* ---------------------------------------------------------------- the store */

static aikv_db_t *db;
static aikv_session_t *admin; /* housekeeping: FLUSHALL, config restore */
static int reset_every = 1;
static int trace; /* AIKV_FUZZ_TRACE=1: print each command and its reply */
static unsigned long inputs;
static int config_dirty;
static aikv_reply_t *config_initial; /* CONFIG GET * at start */

static void admin_run(int argc, const char **argv, const size_t *argvlen)
{
    aikv_reply_t *r = aikv_command_argv(admin, argc, argv, argvlen);
    CHECK(r);
    aikv_reply_free(r);
}

static void reset_store(void)
{
    if (config_dirty) {
        /* Immutable settings just answer an error. */
        for (size_t i = 0; i + 1 < config_initial->elements; i += 2) {
            const aikv_reply_t *k = config_initial->element[i], *v = config_initial->element[i + 1];
            const char *argv[] = {"CONFIG", "SET", k->str, v->str};
            size_t argvlen[] = {6, 3, k->len, v->len};
            admin_run(4, argv, argvlen);
        }
        config_dirty = 0;
    }
    const char *flush[] = {"FLUSHALL"};
    aikv_reply_t *r = aikv_command_argv(admin, 1, flush, NULL);
    CHECK(r && r->type == AIKV_REPLY_STATUS);
    aikv_reply_free(r);
    const char *fflush[] = {"FUNCTION", "FLUSH"};
    r = aikv_command_argv(admin, 2, fflush, NULL);
    CHECK(r && r->type == AIKV_REPLY_STATUS);
    aikv_reply_free(r);
}

/* ---------------------------------------------------------------- the audit
 * After each input, every key the input left (up to AUDIT_MAX_KEYS) is read
 * back through several commands that must agree: a length and the elements
 * listed, an element listed and the same element looked up, a sorted set's
 * order and its ranks. The key is PERSISTed first so that it cannot expire
 * half-way. AIKV_FUZZ_AUDIT=0 turns it off. */

#define AUDIT_MAX_KEYS 256
#define AUDIT_MAX_ELEMS 64 /* elements looked up one by one per key */

static int audit = 1;

static aikv_reply_t *acmd(const char *fmt, const char *k, size_t kl)
{
    aikv_reply_t *r = aikv_command(admin, fmt, k, kl);
    CHECK(r);
    return r;
}

static long long aint(const char *fmt, const char *k, size_t kl)
{
    aikv_reply_t *r = acmd(fmt, k, kl);
    CHECK(r->type == AIKV_REPLY_INTEGER);
    long long v = r->integer;
    aikv_reply_free(r);
    return v;
}

static int same_str(const aikv_reply_t *a, const aikv_reply_t *b)
{
    return a->type == AIKV_REPLY_STRING && b->type == AIKV_REPLY_STRING && a->len == b->len &&
           memcmp(a->str, b->str, a->len) == 0;
}

/* Member order in a sorted set: by score, then by bytes. */
static int zless(const aikv_reply_t *ma, double sa, const aikv_reply_t *mb, double sb)
{
    if (sa != sb)
        return sa < sb;
    size_t n = ma->len < mb->len ? ma->len : mb->len;
    int c = memcmp(ma->str, mb->str, n);
    return c < 0 || (c == 0 && ma->len < mb->len);
}

static void audit_list(const char *k, size_t kl)
{
    long long n = aint("LLEN %b", k, kl);
    aikv_reply_t *all = acmd("LRANGE %b 0 -1", k, kl);
    CHECK(all->type == AIKV_REPLY_ARRAY && (long long)all->elements == n && n > 0);
    long long idx[3] = {0, n / 2, n - 1};
    for (int i = 0; i < 3; i++) {
        aikv_reply_t *e = aikv_command(admin, "LINDEX %b %lld", k, kl, idx[i]);
        CHECK(e && same_str(e, all->element[idx[i]]));
        aikv_reply_free(e);
    }
    aikv_reply_free(all);
}

static void audit_hash(const char *k, size_t kl)
{
    long long n = aint("HLEN %b", k, kl);
    aikv_reply_t *all = acmd("HGETALL %b", k, kl);
    CHECK(all->type == AIKV_REPLY_ARRAY && (long long)all->elements == 2 * n && n > 0);
    for (size_t i = 0; i < all->elements && i < 2 * AUDIT_MAX_ELEMS; i += 2) {
        const aikv_reply_t *f = all->element[i], *v = all->element[i + 1];
        aikv_reply_t *g = aikv_command(admin, "HGET %b %b", k, kl, f->str, f->len);
        CHECK(g && same_str(g, v));
        aikv_reply_free(g);
        g = aikv_command(admin, "HSTRLEN %b %b", k, kl, f->str, f->len);
        CHECK(g && g->type == AIKV_REPLY_INTEGER && (size_t)g->integer == v->len);
        aikv_reply_free(g);
    }
    aikv_reply_free(all);
}

static void audit_set(const char *k, size_t kl)
{
    long long n = aint("SCARD %b", k, kl);
    aikv_reply_t *all = acmd("SMEMBERS %b", k, kl);
    CHECK(all->type == AIKV_REPLY_ARRAY && (long long)all->elements == n && n > 0);
    for (size_t i = 0; i < all->elements && i < AUDIT_MAX_ELEMS; i++) {
        const aikv_reply_t *m = all->element[i];
        aikv_reply_t *g = aikv_command(admin, "SISMEMBER %b %b", k, kl, m->str, m->len);
        CHECK(g && g->type == AIKV_REPLY_INTEGER && g->integer == 1);
        aikv_reply_free(g);
    }
    aikv_reply_free(all);
}

static void audit_zset(const char *k, size_t kl)
{
    long long n = aint("ZCARD %b", k, kl);
    CHECK(aint("ZCOUNT %b -inf +inf", k, kl) == n);
    aikv_reply_t *all = acmd("ZRANGE %b 0 -1 WITHSCORES", k, kl);
    CHECK(all->type == AIKV_REPLY_ARRAY && (long long)all->elements == 2 * n && n > 0);
    double prev = 0;
    for (size_t i = 0; i < all->elements; i += 2) {
        const aikv_reply_t *m = all->element[i], *sc = all->element[i + 1];
        CHECK(m->type == AIKV_REPLY_STRING && sc->type == AIKV_REPLY_STRING);
        char *end;
        double d = strtod(sc->str, &end);
        CHECK(end == sc->str + sc->len && d == d);
        if (i > 0)
            CHECK(zless(all->element[i - 2], prev, m, d));
        prev = d;
        if (i / 2 >= AUDIT_MAX_ELEMS)
            continue;
        aikv_reply_t *g = aikv_command(admin, "ZSCORE %b %b", k, kl, m->str, m->len);
        CHECK(g && same_str(g, sc));
        aikv_reply_free(g);
        g = aikv_command(admin, "ZRANK %b %b", k, kl, m->str, m->len);
        CHECK(g && g->type == AIKV_REPLY_INTEGER && g->integer == (long long)(i / 2));
        aikv_reply_free(g);
        g = aikv_command(admin, "ZREVRANK %b %b", k, kl, m->str, m->len);
        CHECK(g && g->type == AIKV_REPLY_INTEGER && g->integer == n - 1 - (long long)(i / 2));
        aikv_reply_free(g);
    }
    aikv_reply_free(all);
}

static void audit_key(const char *k, size_t kl)
{
    aikv_reply_free(acmd("PERSIST %b", k, kl));
    aikv_reply_t *t = acmd("TYPE %b", k, kl);
    CHECK(t->type == AIKV_REPLY_STATUS);
    if (!strcmp(t->str, "string")) {
        aikv_reply_t *v = acmd("GET %b", k, kl);
        CHECK(v->type == AIKV_REPLY_STRING);
        CHECK(aint("STRLEN %b", k, kl) == (long long)v->len);
        aikv_reply_free(v);
    } else if (!strcmp(t->str, "list")) {
        audit_list(k, kl);
    } else if (!strcmp(t->str, "hash")) {
        audit_hash(k, kl);
    } else if (!strcmp(t->str, "set")) {
        audit_set(k, kl);
    } else if (!strcmp(t->str, "zset")) {
        audit_zset(k, kl);
    }
    aikv_reply_free(t);
}

static void audit_store(void)
{
    int audited = 0;
    for (int d = 0; audited < AUDIT_MAX_KEYS; d++) {
        aikv_reply_t *r = aikv_command(admin, "SELECT %d", d);
        CHECK(r);
        int ok = r->type == AIKV_REPLY_STATUS;
        aikv_reply_free(r);
        if (!ok)
            break; /* past the last database */
        char cursor[32] = "0";
        do {
            r = aikv_command(admin, "SCAN %s COUNT 100", cursor);
            CHECK(r && r->type == AIKV_REPLY_ARRAY && r->elements == 2);
            CHECK(r->element[0]->type == AIKV_REPLY_STRING && r->element[0]->len < sizeof cursor);
            memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
            const aikv_reply_t *keys = r->element[1];
            for (size_t i = 0; i < keys->elements && audited < AUDIT_MAX_KEYS; i++, audited++)
                audit_key(keys->element[i]->str, keys->element[i]->len);
            aikv_reply_free(r);
        } while (strcmp(cursor, "0") != 0 && audited < AUDIT_MAX_KEYS);
    }
    aikv_reply_free(aikv_command(admin, "SELECT 0"));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    CHECK(aikv_open(NULL, NULL, &db) == AIKV_OK);
    admin = aikv_session_new(db);
    CHECK(admin);
    build_names();
    const char *e = getenv("AIKV_FUZZ_RESET_EVERY");
    if (e && atoi(e) > 0)
        reset_every = atoi(e);
    trace = getenv("AIKV_FUZZ_TRACE") != NULL;
    e = getenv("AIKV_FUZZ_AUDIT");
    if (e && !strcmp(e, "0"))
        audit = 0;
    const char *get[] = {"CONFIG", "GET", "*"};
    config_initial = aikv_command_argv(admin, 3, get, NULL);
    CHECK(config_initial && config_initial->type == AIKV_REPLY_ARRAY);
    return 0;
}

/* ---------------------------------------------------------------- tracing */

static void print_bytes(const char *p, size_t n)
{
    fputc('"', stderr);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\')
            fprintf(stderr, "\\%c", ch);
        else if (ch >= 0x20 && ch < 0x7f)
            fputc(ch, stderr);
        else
            fprintf(stderr, "\\x%02x", ch);
    }
    fputc('"', stderr);
}

static void print_argv(int argc, const char **argv, const size_t *argvlen)
{
    fputs("> ", stderr);
    for (int i = 0; i < argc; i++) {
        if (i)
            fputc(' ', stderr);
        print_bytes(argv[i], argvlen[i]);
    }
    fputc('\n', stderr);
}

static void print_reply(const aikv_reply_t *r, int top)
{
    if (!r) {
        fputs("(NULL)", stderr);
    } else if (r->elements || r->type == AIKV_REPLY_ARRAY || r->type == AIKV_REPLY_MAP ||
               r->type == AIKV_REPLY_SET || r->type == AIKV_REPLY_PUSH) {
        fprintf(stderr, "[t%d", r->type);
        for (size_t i = 0; i < r->elements && i < 16; i++) {
            fputc(' ', stderr);
            print_reply(r->element[i], 0);
        }
        fputs(r->elements > 16 ? " ...]" : "]", stderr);
    } else if (r->str) {
        fprintf(stderr, "t%d:", r->type);
        print_bytes(r->str, r->len < 200 ? r->len : 200);
    } else {
        fprintf(stderr, "t%d:%lld", r->type, r->integer);
    }
    if (top)
        fputc('\n', stderr);
}

/* ---------------------------------------------------------------- the target */

static void run_line(aikv_session_t *s, const char *line, size_t n)
{
    static const char *argv[MAX_ARGS + 2];
    static size_t argvlen[MAX_ARGS + 2];
    int argc = 0;

    /* Split on single spaces. */
    const char *tok[MAX_ARGS];
    size_t toklen[MAX_ARGS];
    int ntok = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && ntok < MAX_ARGS; i++) {
        if (i == n || line[i] == ' ') {
            tok[ntok] = line + start;
            toklen[ntok] = i - start;
            ntok++;
            start = i + 1;
        }
    }
    if (ntok == 0 || (ntok == 1 && toklen[0] == 0))
        return;

    if (toklen[0] > 0 && ak_cmd_lookup(tok[0], toklen[0])) {
        argv[argc] = tok[0];
        argvlen[argc++] = toklen[0];
    } else {
        if (toklen[0] == 0)
            return; /* an empty command name: nothing to pick with */
        const name *nm = &names[(unsigned char)tok[0][0] % nnames];
        for (int w = 0; w < nm->nwords; w++) {
            argv[argc] = nm->word[w];
            argvlen[argc++] = strlen(nm->word[w]);
        }
        if (toklen[0] > 1) {
            argv[argc] = tok[0] + 1;
            argvlen[argc++] = toklen[0] - 1;
        }
    }
    for (int i = 1; i < ntok; i++) {
        argv[argc] = tok[i];
        argvlen[argc++] = toklen[i];
    }

    if (excluded_call(argc, argv, argvlen))
        return;
    apply_clamps(argc, argv, argvlen);
    if (word_is(argv[0], argvlen[0], "config"))
        config_dirty = 1;

    if (trace)
        print_argv(argc, argv, argvlen);
    aikv_reply_t *r = aikv_command_argv(s, argc, argv, argvlen);
    if (trace)
        print_reply(r, 1);
    CHECK(r != NULL);
    check_tree(r);
    aikv_reply_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exactly sized copy: arguments point into it. */
    char *buf = malloc(size ? size : 1);
    CHECK(buf);
    memcpy(buf, data, size);

    aikv_session_t *s = aikv_session_new(db);
    CHECK(s);
    size_t start = 0;
    int ncmds = 0;
    for (size_t i = 0; i <= size && ncmds < MAX_CMDS; i++) {
        if (i == size || buf[i] == '\n') {
            run_line(s, buf + start, i - start);
            ncmds++;
            start = i + 1;
        }
    }
    aikv_session_free(s);
    free(buf);

    if (audit)
        audit_store();
    if (++inputs % (unsigned long)reset_every == 0)
        reset_store();
    return 0;
}
