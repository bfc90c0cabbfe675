/* complete.h: completion candidates for a line being typed.
 *
 * Pure: given the command table, the text left of the cursor and a source
 * of names, it says which word is being completed and what it may become.
 * The REPL (repl.c) only inserts or lists what it gets.
 *
 * Names of containers, images and hosts are not known here: they come from
 * a struct complete_source. Today the shell supplies the configured hosts;
 * the store of later work supplies containers and images by passing its own
 * source to repl_run() (see repl.h).
 */
#ifndef BERTH_COMPLETE_H
#define BERTH_COMPLETE_H

#include <stddef.h>
#include "commands/cmd.h"

struct complete_list {
	char **items; /* owned */
	size_t n, alloc;
};

/* Copies s into the list (duplicates are removed later). */
void complete_list_add(struct complete_list *l, const char *s);
void complete_list_release(struct complete_list *l);

struct complete_source {
	/* Adds to out every name of kind (ARG_CONTAINER, ARG_IMAGE, ARG_HOST)
	 * that starts with prefix. Should answer fast: it runs on each Tab. */
	void (*names)(void *ud, enum arg_kind kind, const char *prefix,
		      struct complete_list *out);
	void *ud;
};

struct completion {
	struct complete_list cands; /* sorted, unique, each starting with prefix */
	char *prefix;  /* owned: the word being completed, without its quoting */
	size_t start;  /* byte offset in the line where that word starts */
	char quote;    /* the quote the word is open in ('\'' or '"'), or 0 */
};

/* Completes the end of line (the text left of the cursor). src may be
 * NULL: then containers, images and hosts complete to nothing. Always
 * fills *out (possibly with no candidates); release with
 * completion_release(). */
void complete_line(const struct cmd_entry *const *table, const char *line,
		   const struct complete_source *src, struct completion *out);
void completion_release(struct completion *c);

/* The longest prefix all candidates share (at least c->prefix). Belongs to
 * the caller. */
char *complete_common(const struct completion *c);
/* word quoted for insertion into a line, in the quote the user opened (or
 * with backslashes when none); with close, the quote is closed. Belongs to
 * the caller. */
char *complete_quote(const char *word, char quote, int close);

/* File names starting with prefix ("dir/fi" -> "dir/file.tar"); directories
 * end in '/'. Hidden files only when the name part starts with '.'. */
void complete_files(const char *prefix, struct complete_list *out);

#endif
