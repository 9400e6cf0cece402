/*
 * log.c -- the server's log, in Redis's line format so that existing log
 * tooling reads it: "<pid>:M <day> <mon> <year> <hh:mm:ss.mmm> <c> <text>",
 * where <c> is '.', '-', '*' or '#' for debug, verbose, notice, warning.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_level = AK_LOG_NOTICE;
static FILE *log_file;

void log_open(int level, const char *path)
{
    log_level = level;
    if (path && path[0]) {
        FILE *f = fopen(path, "a");
        if (f) {
            log_file = f;
            return;
        }
        fprintf(stderr, "Can't open the log file: %s\n", path);
    }
    log_file = NULL;
}

void log_set_level(int level)
{
    log_level = level;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level < log_level)
        return;
    static const char marks[] = ".-*#";
    char msg[1024], stamp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t off = strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S.", &tm);
    snprintf(stamp + off, sizeof stamp - off, "%03d", (int)(tv.tv_usec / 1000));
    FILE *out = log_file ? log_file : stdout;
    fprintf(out, "%d:M %s %c %s\n", (int)getpid(), stamp, marks[level > 3 ? 3 : level], msg);
    fflush(out);
}
