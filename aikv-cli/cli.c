/*
 * cli.c -- aikv-cli: the command line client, a work-alike of redis-cli 7.
 *
 *   aikv-cli [options] [cmd args...]   one command (repeated with -r), then exit
 *   aikv-cli [options]                 interactive: libedit line editing and
 *                                      history, or plain lines from a pipe
 *
 * What users and scripts can see follows redis-cli 7.0 (checked against the
 * real one): the reply text (format.c), "standard" output on a terminal and
 * raw output into a pipe unless --raw / --no-raw say otherwise (FAKETTY in
 * the environment counts as a terminal), the prompt with [db] after a
 * successful SELECT and (TX) inside MULTI, redis-cli's quoting rules for
 * interactive lines (the same sdssplitargs() rules as the server's inline
 * protocol, so the library's request parser splits them), "N cmd" to repeat
 * a command, messages on stderr, and exit codes: 1 only when the server
 * cannot be reached or the connection breaks; an error reply still exits 0.
 * Handshake commands (AUTH for -a, SELECT for -n, HELLO 3 for -3) report
 * their failure on stderr and carry on, as redis-cli does.
 *
 * --file PATH runs the same loop against a store opened in-process instead
 * of a server (conn.c hides the difference); its prompt is "aikv:PATH> ".
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <editline/readline.h>

#include "../libaikv/core/resp.h"
#include "cli.h"

#define HISTORY_FILE ".aikvcli_history"

static struct config {
    /* options */
    const char *host;
    int port;
    const char *socket;
    const char *file;
    const char *auth;
    int input_dbnum;
    int resp3;
    int output;      /* CLI_OUT_* */
    int push_output; /* print out-of-band pushes (only on a terminal) */
    int stdin_lastarg;
    long repeat;
    long long interval_us;
    int no_auth_warning;
    /* state */
    int interactive;
    int dbnum;
    int in_multi;
    int pre_multi_dbnum;
    int pubsub_mode;
    int monitor_mode;
    char prompt[512];
} config;

static cli_conn *conn;

/* ---------------------------------------------------------------- help */

static void usage(FILE *f)
{
    fprintf(f,
            "aikv-cli %s\n"
            "\n"
            "Usage: aikv-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
            "  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
            "  -p <port>          Server port (default: 6379).\n"
            "  -s <socket>        Server socket (overrides hostname and port).\n"
            "  -a <password>      Password to use when connecting to the server.\n"
            "  --no-auth-warning  Don't show warning message when using password on command\n"
            "                     line interface.\n"
            "  -n <db>            Database number.\n"
            "  -2                 Start session in RESP2 protocol mode.\n"
            "  -3                 Start session in RESP3 protocol mode.\n"
            "  -x                 Read last argument from STDIN.\n"
            "  -r <repeat>        Execute specified command N times (-1: forever).\n"
            "  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
            "                     It is possible to specify sub-second times like -i 0.1.\n"
            "  --raw              Use raw formatting for replies (default when STDOUT is\n"
            "                     not a tty).\n"
            "  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
            "  --file <path>      Run commands on a local store at <path> (\":memory:\")\n"
            "                     instead of connecting to a server.\n"
            "  --help             Output this help and exit.\n"
            "  --version          Output version and exit.\n"
            "\n"
            "Examples:\n"
            "  aikv-cli -p 6380 set key value\n"
            "  cat /etc/passwd | aikv-cli -x set mypasswd\n"
            "  aikv-cli -r 100 lpush mylist x\n"
            "  aikv-cli -r 100 -i 1 info | grep used_memory_human:\n"
            "  aikv-cli --file :memory:\n"
            "\n"
            "When no command is given, aikv-cli starts in interactive mode.\n"
            "Type \"help\" in interactive mode for information on available commands.\n"
            "\n",
            AIKV_VERSION);
}

static void repl_help(void)
{
    printf("aikv-cli %s\n"
           "Type a command and its arguments, as with redis-cli:\n"
           "      set key \"a value with spaces\"   quote with \"...\" (\\n \\xHH escapes) or '...'\n"
           "      3 incr counter                  a leading number repeats the command\n"
           "      help                            this text\n"
           "      clear                           clear the screen\n"
           "      quit, exit                      leave\n"
           "Reference for the commands themselves: COMMAND DOCS <name>, or Redis's\n"
           "documentation: AiKv follows Redis %s.\n",
           AIKV_VERSION, AIKV_REDIS_VERSION);
}

/* ---------------------------------------------------------------- prompt */

static void refresh_prompt(void)
{
    cli_buf p = {0};
    if (config.file)
        buf_printf(&p, "aikv:%s", config.file);
    else if (!conn)
        buf_cats(&p, "not connected");
    else if (config.socket)
        buf_printf(&p, "aikv %s", config.socket);
    else if (strchr(config.host, ':'))
        buf_printf(&p, "[%s]:%d", config.host, config.port);
    else
        buf_printf(&p, "%s:%d", config.host, config.port);
    if ((conn || config.file) && config.dbnum != 0)
        buf_printf(&p, "[%d]", config.dbnum);
    if (conn && config.in_multi)
        buf_cats(&p, "(TX)");
    buf_cats(&p, "> ");
    snprintf(config.prompt, sizeof(config.prompt), "%s", p.p);
    buf_free(&p);
}

/* ---------------------------------------------------------------- talking */

static void print_reply(const aikv_reply_t *r, int verbatim)
{
    cli_buf out = {0};
    cli_format_reply(&out, r, config.output, verbatim);
    if (out.len)
        fwrite(out.p, 1, out.len, stdout);
    fflush(stdout);
    buf_free(&out);
}

static void disconnect(void)
{
    conn_close(conn);
    conn = NULL;
    refresh_prompt();
}

/* Sends a command and waits for its reply, skipping attributes and the
 * out-of-band pushes that arrive first (printed when stdout is a terminal,
 * as redis-cli does). NULL when the connection failed: the message is
 * printed and a network connection dropped (the next command reconnects). */
static aikv_reply_t *roundtrip(int argc, const char *const *argv, const size_t *lens)
{
    /* SHUTDOWN succeeds by closing the connection: nothing to report. */
    int expect_close = !strcasecmp(argv[0], "shutdown");
    aikv_reply_t *r = NULL;
    if (conn_send(conn, argc, argv, lens) != 0)
        goto fail;
    for (;;) {
        if (conn_recv(conn, &r) != 0)
            goto fail;
        if (r->type == AIKV_REPLY_ATTR) {
            aikv_reply_free(r);
            continue;
        }
        if (r->type == AIKV_REPLY_PUSH) {
            if (config.push_output)
                print_reply(r, 0);
            aikv_reply_free(r);
            continue;
        }
        return r;
    }
fail:
    if (!(expect_close && !conn_is_local(conn)))
        fprintf(stderr, "Error: %s\n", conn_error(conn));
    if (!conn_is_local(conn)) /* reopening would give a new, empty store */
        disconnect();
    return NULL;
}

/* AUTH, SELECT and HELLO 3 on a new connection; failures are reported and
 * do not stop the cli, as with redis-cli. */
static void handshake(void)
{
    aikv_reply_t *r;
    if (config.auth) {
        const char *argv[] = {"AUTH", config.auth};
        if (!(r = roundtrip(2, argv, NULL)))
            return;
        if (r->type == AIKV_REPLY_ERROR)
            fprintf(stderr, "AUTH failed: %s\n", r->str);
        aikv_reply_free(r);
    }
    if (config.input_dbnum != 0) {
        char num[24];
        snprintf(num, sizeof(num), "%d", config.input_dbnum);
        const char *argv[] = {"SELECT", num};
        if (!(r = roundtrip(2, argv, NULL)))
            return;
        if (r->type == AIKV_REPLY_ERROR)
            fprintf(stderr, "SELECT %d failed: %s\n", config.input_dbnum, r->str);
        else
            config.dbnum = config.input_dbnum;
        aikv_reply_free(r);
    }
    if (config.resp3) {
        const char *argv[] = {"HELLO", "3"};
        if (!(r = roundtrip(2, argv, NULL)))
            return;
        if (r->type == AIKV_REPLY_ERROR)
            fprintf(stderr, "HELLO 3 failed: %s\n", r->str);
        aikv_reply_free(r);
    }
}

static int cli_connect(void)
{
    char err[256];
    if (conn)
        return 0;
    if (config.file)
        conn = conn_local(config.file, err, sizeof(err));
    else if (config.socket)
        conn = conn_unix(config.socket, err, sizeof(err));
    else
        conn = conn_tcp(config.host, config.port, err, sizeof(err));
    if (!conn) {
        if (config.file)
            fprintf(stderr, "Could not open AiKv store %s: %s\n", config.file, err);
        else if (config.socket)
            fprintf(stderr, "Could not connect to AiKv at %s: %s\n", config.socket, err);
        else
            fprintf(stderr, "Could not connect to AiKv at %s:%d: %s\n", config.host,
                    config.port, err);
        refresh_prompt();
        return -1;
    }
    handshake();
    refresh_prompt();
    return conn ? 0 : -1;
}

/* redis-cli prints these replies raw even on a terminal. */
static int wants_verbatim(int argc, const char *const *argv)
{
    const char *c = argv[0];
    return !strcasecmp(c, "info") || !strcasecmp(c, "lolwut") ||
           (argc >= 2 && !strcasecmp(c, "debug") &&
            (!strcasecmp(argv[1], "htstats") || !strcasecmp(argv[1], "htstats-key") ||
             !strcasecmp(argv[1], "client-eviction"))) ||
           (argc >= 2 && !strcasecmp(c, "memory") &&
            (!strcasecmp(argv[1], "malloc-stats") || !strcasecmp(argv[1], "doctor"))) ||
           (argc == 2 && !strcasecmp(c, "cluster") &&
            (!strcasecmp(argv[1], "nodes") || !strcasecmp(argv[1], "info"))) ||
           (argc >= 2 && !strcasecmp(c, "client") &&
            (!strcasecmp(argv[1], "list") || !strcasecmp(argv[1], "info"))) ||
           (argc == 3 && !strcasecmp(c, "latency") && !strcasecmp(argv[1], "graph")) ||
           (argc == 2 && !strcasecmp(c, "latency") && !strcasecmp(argv[1], "doctor"));
}

/* What redis-cli tracks from a reply: the selected db and MULTI state. */
static void track_state(int argc, const char *const *argv, const aikv_reply_t *r)
{
    const char *c = argv[0];
    int failed = r->type == AIKV_REPLY_ERROR;
    if (!strcasecmp(c, "select") && argc == 2 && !failed) {
        config.dbnum = config.input_dbnum = atoi(argv[1]);
    } else if (!strcasecmp(c, "multi") && argc == 1 && !failed) {
        config.in_multi = 1;
        config.pre_multi_dbnum = config.dbnum;
    } else if (!strcasecmp(c, "exec") && argc == 1 && config.in_multi) {
        config.in_multi = 0;
        if (failed || r->type == AIKV_REPLY_NIL)
            config.dbnum = config.input_dbnum = config.pre_multi_dbnum;
    } else if (!strcasecmp(c, "discard") && argc == 1 && !failed) {
        config.in_multi = 0;
        config.dbnum = config.input_dbnum = config.pre_multi_dbnum;
    } else if (!strcasecmp(c, "reset") && argc == 1 && !failed) {
        config.in_multi = 0;
        config.dbnum = config.input_dbnum = 0;
        config.resp3 = 0;
    }
    refresh_prompt();
}

/* Runs a command `repeat` times (-1: forever). -1 if the server could not
 * be reached or the connection broke, else 0 (error replies included). */
static int issue_command(int argc, const char *const *argv, const size_t *lens, long repeat)
{
    if (!strcasecmp(argv[0], "help") || !strcasecmp(argv[0], "?")) {
        repl_help();
        return 0;
    }
    if (!conn && cli_connect() != 0)
        return -1;

    int local = conn_is_local(conn);
    if (!local) {
        if (!strcasecmp(argv[0], "subscribe") || !strcasecmp(argv[0], "psubscribe") ||
            !strcasecmp(argv[0], "ssubscribe"))
            config.pubsub_mode = 1;
        if (!strcasecmp(argv[0], "monitor"))
            config.monitor_mode = 1;
    }
    int verbatim = wants_verbatim(argc, argv);

    while (repeat < 0 || repeat-- > 0) {
        if (config.pubsub_mode) {
            if (config.output != CLI_OUT_RAW)
                printf("Reading messages... (press Ctrl-C to quit)\n");
            if (conn_send(conn, argc, argv, lens) != 0)
                goto broken;
            for (;;) {
                aikv_reply_t *r;
                if (conn_recv(conn, &r) != 0)
                    goto broken;
                print_reply(r, verbatim);
                int failed = r->type == AIKV_REPLY_ERROR;
                aikv_reply_free(r);
                if (failed)
                    break;
            }
            config.pubsub_mode = 0;
            continue;
        }
        if (config.monitor_mode) {
            if (conn_send(conn, argc, argv, lens) != 0)
                goto broken;
            for (;;) {
                aikv_reply_t *r;
                if (conn_recv(conn, &r) != 0)
                    goto broken;
                print_reply(r, 0);
                aikv_reply_free(r);
            }
        }
        aikv_reply_t *r = roundtrip(argc, argv, lens);
        if (!r)
            return (conn || strcasecmp(argv[0], "shutdown")) ? -1 : 0;
        print_reply(r, verbatim);
        track_state(argc, argv, r);
        aikv_reply_free(r);
        if (config.interval_us)
            usleep((useconds_t)config.interval_us);
        fflush(stdout);
    }
    return 0;

broken:
    fprintf(stderr, "Error: %s\n", conn_error(conn));
    config.pubsub_mode = config.monitor_mode = 0;
    disconnect();
    return -1;
}

/* ---------------------------------------------------------------- interactive */

/* Splits a line with redis-cli's (sdssplitargs) rules. The leading space
 * keeps a line starting with '*' from being taken for a multibulk. */
static int split_line(ak_req *req, const char *line)
{
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (!buf)
        return -1;
    buf[0] = ' ';
    memcpy(buf + 1, line, n);
    buf[n + 1] = '\n';
    ak_req_limits lim = AK_REQ_LIMITS_DEFAULT;
    lim.max_inline = SIZE_MAX;
    size_t consumed;
    int rc = ak_req_parse(req, buf, n + 2, &lim, &consumed);
    free(buf); /* inline arguments live in the parser's own storage */
    return rc == AK_REQ_OK ? 0 : -1;
}

/* Commands holding secrets stay out of the history file. */
static int is_sensitive(int argc, const char *const *argv)
{
    const char *c = argv[0];
    if (!strcasecmp(c, "auth"))
        return 1;
    if (!strcasecmp(c, "hello") || !strcasecmp(c, "migrate")) {
        for (int i = 1; i < argc; i++)
            if (!strcasecmp(argv[i], "auth") || !strcasecmp(argv[i], "auth2"))
                return 1;
        return 0;
    }
    if (argc >= 2 && !strcasecmp(c, "acl") && !strcasecmp(argv[1], "setuser"))
        return 1;
    if (argc >= 3 && !strcasecmp(c, "config") && !strcasecmp(argv[1], "set")) {
        for (int i = 2; i < argc; i += 2)
            if (!strcasecmp(argv[i], "masterauth") || !strcasecmp(argv[i], "masteruser") ||
                !strcasecmp(argv[i], "requirepass"))
                return 1;
    }
    return 0;
}

static char *read_line(int tty)
{
    if (tty)
        return readline(config.prompt);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    return line;
}

static int repl(void)
{
    int tty = isatty(STDIN_FILENO);
    char *histfile = NULL;
    const char *home = getenv("HOME");
    ak_req req;

    ak_req_init(&req);
    if (tty) {
        rl_readline_name = "aikv-cli";
        rl_bind_key('\t', rl_insert);
        using_history();
        if (home && *home) {
            size_t n = strlen(home) + sizeof(HISTORY_FILE) + 2;
            histfile = malloc(n);
            if (histfile) {
                snprintf(histfile, n, "%s/%s", home, HISTORY_FILE);
                read_history(histfile);
            }
        }
    }

    char *line;
    while ((line = read_line(tty)) != NULL) {
        if (line[0] == '\0') {
            free(line);
            continue;
        }
        if (split_line(&req, line) != 0) {
            printf("Invalid argument(s)\n");
            fflush(stdout);
            free(line);
            continue;
        }
        int argc = req.argc;
        const char *const *argv = req.argv;
        const size_t *lens = req.argvlen;
        if (argc == 0) {
            free(line);
            continue;
        }
        if (tty && !is_sensitive(argc, argv)) {
            add_history(line);
            if (histfile)
                write_history(histfile);
        }
        free(line);

        if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit"))
            break;
        if (argc == 1 && !strcasecmp(argv[0], "clear")) {
            printf("\033[H\033[2J");
            fflush(stdout);
            continue;
        }
        if (!strcasecmp(argv[0], "connect") && argc >= 2 && !config.file) {
            config.host = strdup(argv[1]);
            if (argc >= 3)
                config.port = atoi(argv[2]);
            config.socket = NULL;
            if (conn)
                disconnect();
            cli_connect();
            continue;
        }

        long repeat = 1;
        if (argc > 1) {
            char *end;
            errno = 0;
            long n = strtol(argv[0], &end, 10);
            if (*end == '\0') {
                if (errno == ERANGE || n <= 0) {
                    printf("Invalid aikv-cli repeat command option value.\n");
                    fflush(stdout);
                    continue;
                }
                repeat = n;
                argc--;
                argv++;
                lens++;
            }
        }
        issue_command(argc, argv, lens, repeat);
    }
    ak_req_free(&req);
    free(histfile);
    return 0;
}

/* ---------------------------------------------------------------- main */

static char *read_stdin(size_t *len)
{
    cli_buf b = {0};
    char chunk[16 * 1024];
    size_t n;
    buf_cat(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_cat(&b, chunk, n);
    *len = b.len;
    return b.p;
}

static void bad_option(const char *opt)
{
    fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", opt);
    exit(1);
}

/* Returns the index of the first command argument. */
static int parse_options(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int lastarg = i == argc - 1;
        if (!strcmp(a, "-h") && !lastarg) {
            config.host = argv[++i];
        } else if (!strcmp(a, "-p") && !lastarg) {
            config.port = atoi(argv[++i]);
        } else if (!strcmp(a, "-s") && !lastarg) {
            config.socket = argv[++i];
        } else if (!strcmp(a, "-a") && !lastarg) {
            config.auth = argv[++i];
        } else if (!strcmp(a, "-n") && !lastarg) {
            config.input_dbnum = atoi(argv[++i]);
        } else if (!strcmp(a, "-r") && !lastarg) {
            config.repeat = strtol(argv[++i], NULL, 10);
        } else if (!strcmp(a, "-i") && !lastarg) {
            double secs = strtod(argv[++i], NULL);
            config.interval_us = secs > 0 ? (long long)(secs * 1000000) : 0;
        } else if (!strcmp(a, "--file") && !lastarg) {
            config.file = argv[++i];
        } else if (!strcmp(a, "-x")) {
            config.stdin_lastarg = 1;
        } else if (!strcmp(a, "-2")) {
            config.resp3 = 0;
        } else if (!strcmp(a, "-3")) {
            config.resp3 = 1;
        } else if (!strcmp(a, "--raw")) {
            config.output = CLI_OUT_RAW;
        } else if (!strcmp(a, "--no-raw")) {
            config.output = CLI_OUT_STANDARD;
        } else if (!strcmp(a, "--no-auth-warning")) {
            config.no_auth_warning = 1;
        } else if (!strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
            printf("aikv-cli %s\n", AIKV_VERSION);
            exit(0);
        } else if (a[0] == '-') {
            bad_option(a);
        } else {
            break; /* the command starts here */
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    config.host = "127.0.0.1";
    config.port = 6379;
    config.repeat = 1;
    config.push_output = isatty(STDOUT_FILENO) || getenv("FAKETTY");
    config.output = config.push_output ? CLI_OUT_STANDARD : CLI_OUT_RAW;
    signal(SIGPIPE, SIG_IGN);

    int first = parse_options(argc, argv);
    argc -= first;
    argv += first;

    if (config.auth && !config.no_auth_warning)
        fputs("Warning: Using a password with '-a' or '-u' option on the command line "
              "interface may not be safe.\n",
              stderr);

    if (argc == 0) {
        config.interactive = 1;
        refresh_prompt();
        /* A server that cannot be reached is tried again by each command;
         * a store that cannot be opened ends the cli. */
        if (cli_connect() != 0 && config.file)
            return 1;
        int rc = repl();
        conn_close(conn);
        return rc;
    }

    /* One-shot: the arguments as they are, plus stdin with -x. */
    int n = argc + (config.stdin_lastarg ? 1 : 0);
    const char **args = malloc(sizeof(*args) * (size_t)n);
    size_t *lens = malloc(sizeof(*lens) * (size_t)n);
    if (!args || !lens) {
        fputs("aikv-cli: out of memory\n", stderr);
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        args[i] = argv[i];
        lens[i] = strlen(argv[i]);
    }
    char *in = NULL;
    if (config.stdin_lastarg) {
        args[argc] = in = read_stdin(&lens[argc]);
    }
    int rc = issue_command(n, args, lens, config.repeat) != 0 ? 1 : 0;
    conn_close(conn);
    free(in);
    free(args);
    free(lens);
    return rc;
}
