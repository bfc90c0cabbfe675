/* output.h: aligned tables and JSON documents on stdout. */
#ifndef BERTH_OUTPUT_H
#define BERTH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

struct shell;

struct table {
	size_t ncols;
	char **headers;    /* owned */
	char ***rows;      /* owned: nrows arrays of ncols owned strings */
	size_t nrows, alloc;
};

/* Headers are copied; the list ends with NULL. */
void table_init(struct table *t, const char *first_header, ...);
void table_release(struct table *t);
/* Exactly ncols cells (NULL prints as ""); copied. */
void table_add_row(struct table *t, ...);
void table_add_rowv(struct table *t, const char *const *cells);
/* Columns padded to the widest cell (display width, UTF-8 aware), two
 * spaces apart, last column not padded. Returns -1 if stdout closed. */
int table_print(struct shell *sh, const struct table *t);

/* One JSON document on stdout: indented on a terminal, compact otherwise,
 * always followed by a newline. Steals nothing: the caller keeps doc. */
int output_json(struct shell *sh, const json_t *doc);

/* Human figures, written into buf (always NUL-terminated); return buf. */
char *fmt_size(char *buf, size_t len, int64_t bytes);          /* "1.2MB", "512B" */
char *fmt_ago(char *buf, size_t len, time_t then, time_t now);  /* "3 minutes ago" */
char *fmt_duration(char *buf, size_t len, int64_t seconds);     /* "2h", "5 minutes" */
/* "sha256:abcd..." -> the first 12 hex digits, as docker shows IDs. */
char *fmt_short_id(char *buf, size_t len, const char *id);

#endif
