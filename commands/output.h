/* output.h: aligned tables and JSON documents on stdout. */
#ifndef BERTH_OUTPUT_H
#define BERTH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "lib/fmt.h"

struct shell;

struct table {
	size_t ncols;
	char **headers;    /* owned */
	char *text;        /* owned: every cell, NUL-terminated, row after row */
	size_t len, cap;
	uint32_t *cells;   /* owned: nrows * ncols offsets into text (a table
			    * holds less than 4 GiB of text) */
	size_t *widths;    /* owned: ncols, the widest cell of each column
			    * (display width, headers not counted) */
	size_t nrows, alloc;
};

/* Headers are copied; the list ends with NULL. */
void table_init(struct table *t, const char *first_header, ...);
/* The same from a NULL-terminated array (columns chosen at run time). */
void table_initv(struct table *t, const char *const *headers);
void table_release(struct table *t);
/* Exactly ncols cells (NULL prints as ""); copied. */
void table_add_row(struct table *t, ...);
void table_add_rowv(struct table *t, const char *const *cells);
/* Drops every row (the columns stay). */
void table_clear_rows(struct table *t);
/* Gives back what the table holds in reserve for more rows (a part of a
 * big listing that is complete). */
void table_trim(struct table *t);
/* Row r's cell in column c (borrowed: valid until the next row is added). */
const char *table_cell(const struct table *t, size_t r, size_t c);
/* Columns padded to the widest cell (display width, UTF-8 aware), two
 * spaces apart, last column not padded. Returns -1 if stdout closed. */
int table_print(struct shell *sh, const struct table *t);
/* One table from parts[0..n), all with parts[0]'s columns: its headers,
 * then every part's rows in order, aligned together; the columns whose
 * bit is set in hide (column c: 1ULL << c) are left out. */
int table_print_parts(struct shell *sh, const struct table *parts, size_t n,
		      unsigned long long hide);

/* A two-column table (headers unused) as "Key:     value" lines for the
 * inspect commands: keys padded to the widest; a value holding newlines
 * continues on further lines indented under its first. */
int kv_print(struct shell *sh, const struct table *t);

/* One JSON document on stdout: indented on a terminal, compact otherwise,
 * always followed by a newline. Steals nothing: the caller keeps doc. */
int output_json(struct shell *sh, const json_t *doc);

/* A command's status after printing: CMD_OK when rc >= 0 (what the
 * printing functions above return on success); CMD_ERROR quietly when
 * stdout closed (berth ... | head); else CMD_ERROR after saying that the
 * output could not be formatted. */
int output_result(struct shell *sh, int rc);

/* The question (printf-style, its " [y/N] " added) on stderr, stdout
 * flushed first; 1 when the answer read from stdin is y or yes, else 0
 * (also at end of input, after a newline on stderr). */
int cmd_confirm(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Display width of a UTF-8 string in terminal columns. */
size_t str_width(const char *s);
/* s cut to max_width columns, ending in "…" when cut (as docker truncates
 * commands). Returned string belongs to the caller; NULL on no memory. */
char *str_ellipsize(const char *s, size_t max_width);

#endif
