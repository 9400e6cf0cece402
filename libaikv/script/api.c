/*
 * api.c -- aikv_eval(): EVAL, FCALL and their variants for embedders
 * (aikv.h).
 *
 * The call becomes the command it stands for and runs through
 * aikv_command_argv(), so an embedded script takes exactly the server's
 * path: dispatch, statistics, the commit of what it wrote.
 */
#include <stdio.h>
#include <string.h>

#include "../core/core.h"
#include "../util/alloc.h"

AIKV_API int aikv_eval(aikv_session_t *s, const char *script, size_t slen, unsigned flags,
                       int numkeys, int nargs, const char *const *args, const size_t *arglens,
                       aikv_reply_t **out)
{
    if (out)
        *out = NULL;
    if (!s || !script || !out || nargs < 0 || (nargs > 0 && !args) ||
        (flags & ~(unsigned)(AIKV_EVAL_SHA | AIKV_EVAL_RO | AIKV_EVAL_FUNCTION)) ||
        ((flags & AIKV_EVAL_SHA) && (flags & AIKV_EVAL_FUNCTION)))
        return ak_set_error(AIKV_MISUSE, "aikv_eval: bad arguments");
    static const char *const names[] = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO"};
    static const char *const fnames[] = {"FCALL", "FCALL_RO"};
    int argc = 3 + nargs;
    const char **argv = ak_malloc(sizeof *argv * (size_t)argc);
    size_t *lens = ak_malloc(sizeof *lens * (size_t)argc);
    char num[24];
    if (flags & AIKV_EVAL_FUNCTION)
        argv[0] = fnames[(flags & AIKV_EVAL_RO) ? 1 : 0];
    else
        argv[0] = names[((flags & AIKV_EVAL_RO) ? 2 : 0) + ((flags & AIKV_EVAL_SHA) ? 1 : 0)];
    lens[0] = strlen(argv[0]);
    argv[1] = script;
    lens[1] = slen;
    lens[2] = (size_t)snprintf(num, sizeof num, "%d", numkeys);
    argv[2] = num;
    for (int i = 0; i < nargs; i++) {
        argv[3 + i] = args[i];
        lens[3 + i] = arglens ? arglens[i] : strlen(args[i]);
    }
    *out = aikv_command_argv(s, argc, argv, lens);
    ak_free(argv);
    ak_free(lens);
    return *out ? AIKV_OK : AIKV_ERROR;
}
