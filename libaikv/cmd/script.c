/*
 * script.c -- EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT LOAD | EXISTS |
 * FLUSH | KILL | HELP, as Redis 7.0. The interpreter, the cache and the
 * conversions are in script/ (script/script.h); SCRIPT DEBUG (the Lua
 * debugger) is not implemented.
 */
#include "../script/script.h"
#include "cmds.h"

void ak_cmd_eval(ak_session *c)
{
    ak_script_eval(c, 0, 0);
}

void ak_cmd_evalsha(ak_session *c)
{
    ak_script_eval(c, 1, 0);
}

void ak_cmd_eval_ro(ak_session *c)
{
    ak_script_eval(c, 0, 1);
}

void ak_cmd_evalsha_ro(ak_session *c)
{
    ak_script_eval(c, 1, 1);
}

void ak_cmd_script_load(ak_session *c)
{
    ak_script_load(c, ak_arg(c, 2));
}

void ak_cmd_script_exists(ak_session *c)
{
    ak_out_array(&c->out, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        ak_out_integer(&c->out, ak_script_exists(c->st, ak_arg(c, i)));
}

/* SCRIPT FLUSH [ASYNC|SYNC]: without a mode, synchronous (Redis's
 * lazyfree-lazy-user-flush default). */
void ak_cmd_script_flush(ak_session *c)
{
    int async = 0;
    if (c->argc == 3 && ak_arg_is(c, 2, "async")) {
        async = 1;
    } else if (c->argc != 2 && !(c->argc == 3 && ak_arg_is(c, 2, "sync"))) {
        ak_reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    ak_script_flush(c->st, async);
    ak_reply_ok(c);
}

void ak_cmd_script_kill(ak_session *c)
{
    ak_script_kill(c, 0);
}

void ak_cmd_script_help(ak_session *c)
{
    static const char *const lines[] = {
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    ak_reply_help(c, "SCRIPT", lines);
}
