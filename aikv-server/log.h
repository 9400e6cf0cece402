/* log.h -- Redis-style log lines: "pid:M 26 Nov 2026 00:11:54.123 * text". */
#ifndef AIKV_SERVER_LOG_H
#define AIKV_SERVER_LOG_H

#include "libaikv/core/config.h"

/* level: AK_LOG_DEBUG .. AK_LOG_WARNING. path "" = stdout. */
void log_open(int level, const char *path);
void log_set_level(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
