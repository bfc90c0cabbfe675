/* fmt.h: human figures, as docker prints them. */
#ifndef BERTH_FMT_H
#define BERTH_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Human figures, written into buf (always NUL-terminated); return buf. */
char *fmt_size(char *buf, size_t len, int64_t bytes);          /* "1.2MB", "512B" */
/* As docker's units.HumanDuration: "Less than a second", "About a minute",
 * "5 minutes", "2 hours", "3 days", "2 weeks", "4 months", "2 years". */
char *fmt_duration(char *buf, size_t len, int64_t seconds);
char *fmt_ago(char *buf, size_t len, time_t then, time_t now);  /* "3 minutes ago" */
/* "sha256:abcd..." -> the first 12 hex digits, as docker shows IDs. */
char *fmt_short_id(char *buf, size_t len, const char *id);
/* 1024-based, as docker shows memory: "256MiB", "7.77GiB". */
char *fmt_size_binary(char *buf, size_t len, int64_t bytes);

#endif
