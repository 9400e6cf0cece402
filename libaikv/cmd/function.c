/*
 * function.c -- FCALL FCALL_RO and FUNCTION LOAD | DELETE | FLUSH | LIST |
 * DUMP | RESTORE | STATS | KILL | HELP, as Redis 7.0. Arguments are read
 * here; the libraries, their interpreter and their persistence are in
 * script/function.c (script/script.h).
 */
#include "../script/script.h"
#include "cmds.h"

/* Redis's addReplySubcommandSyntaxError(). */
static void syntax_error(ak_session *c)
{
    int n = c->argvlen[1] > 128 ? 128 : (int)c->argvlen[1];
    ak_reply_errorf(c,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                    "FUNCTION HELP.",
                    n, c->argv[1]);
}

void ak_cmd_fcall(ak_session *c)
{
    ak_function_call(c, 0);
}

void ak_cmd_fcall_ro(ak_session *c)
{
    ak_function_call(c, 1);
}

/* FUNCTION LOAD [REPLACE] code: options before the code, which is last. */
void ak_cmd_function_load(ak_session *c)
{
    int replace = 0, i = 2;
    for (; i < c->argc - 1; i++) {
        if (!ak_arg_is(c, i, "replace")) {
            ak_reply_errorf(c, "ERR Unknown option given: %.*s", (int)c->argvlen[i], c->argv[i]);
            return;
        }
        replace = 1;
    }
    ak_function_load(c, replace, ak_arg(c, i));
}

void ak_cmd_function_delete(ak_session *c)
{
    ak_function_delete(c, ak_arg(c, 2));
}

/* FUNCTION FLUSH [ASYNC|SYNC]: without a mode, synchronous (Redis's
 * lazyfree-lazy-user-flush default). */
void ak_cmd_function_flush(ak_session *c)
{
    if (c->argc > 3) {
        syntax_error(c);
        return;
    }
    int async = 0;
    if (c->argc == 3 && ak_arg_is(c, 2, "async")) {
        async = 1;
    } else if (c->argc == 3 && !ak_arg_is(c, 2, "sync")) {
        ak_reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    ak_function_flush(c, async);
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE], each at most once. */
void ak_cmd_function_list(ak_session *c)
{
    int withcode = 0;
    ak_slice pattern = {NULL, 0};
    for (int i = 2; i < c->argc; i++) {
        if (!withcode && ak_arg_is(c, i, "withcode")) {
            withcode = 1;
        } else if (!pattern.p && ak_arg_is(c, i, "libraryname")) {
            if (i == c->argc - 1) {
                ak_reply_error(c, "ERR library name argument was not given");
                return;
            }
            pattern = ak_arg(c, ++i);
        } else {
            ak_reply_errorf(c, "ERR Unknown argument %.*s", (int)c->argvlen[i], c->argv[i]);
            return;
        }
    }
    ak_function_list(c, pattern, withcode);
}

void ak_cmd_function_dump(ak_session *c)
{
    ak_function_dump(c);
}

/* FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (APPEND by default). */
void ak_cmd_function_restore(ak_session *c)
{
    if (c->argc > 4) {
        syntax_error(c);
        return;
    }
    int policy = AK_RESTORE_APPEND;
    if (c->argc == 4) {
        if (ak_arg_is(c, 3, "append")) {
            policy = AK_RESTORE_APPEND;
        } else if (ak_arg_is(c, 3, "replace")) {
            policy = AK_RESTORE_REPLACE;
        } else if (ak_arg_is(c, 3, "flush")) {
            policy = AK_RESTORE_FLUSH;
        } else {
            ak_reply_error(c, "ERR Wrong restore policy given, value should be either FLUSH, "
                              "APPEND or REPLACE.");
            return;
        }
    }
    ak_function_restore(c, ak_arg(c, 2), policy);
}

void ak_cmd_function_stats(ak_session *c)
{
    ak_function_stats(c);
}

void ak_cmd_function_kill(ak_session *c)
{
    ak_script_kill(c, 1);
}

void ak_cmd_function_help(ak_session *c)
{
    static const char *const lines[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    ak_reply_help(c, "FUNCTION", lines);
}
