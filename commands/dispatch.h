/* dispatch.h: from words to a command table entry, and the help text
 * generated from the table. The front implements it (shell/dispatch.c);
 * it is declared here, with the table, because the help command uses it.
 *
 * Everything here is pure: it reads the table it is given (cmd_table, or a
 * test's own) and writes into a buffer or a FILE *, so the unit tests can
 * check every message and every line of help.
 */
#ifndef BERTH_DISPATCH_H
#define BERTH_DISPATCH_H

#include <stdio.h>
#include <stddef.h>
#include "commands/cmd.h"

enum dispatch_status {
	DISPATCH_OK = 0,
	DISPATCH_EMPTY,      /* no words at all */
	DISPATCH_INCOMPLETE, /* a noun without its verb, or "docker" alone */
	DISPATCH_UNKNOWN,    /* no such command (errbuf suggests the nearest) */
	DISPATCH_AMBIGUOUS,  /* a prefix of several commands */
};

struct dispatch {
	const struct cmd_entry *entry; /* DISPATCH_OK: the command */
	const char *noun;  /* the noun resolved so far (borrowed from the table), or NULL */
	int consumed;      /* words used up: an optional "docker", the noun, the verb */
};

/* Finds the command the first words name: an optional leading "docker";
 * the noun by exact word or unique prefix; the verb by exact word, alias
 * ("ls", "rm") or unique prefix. A single-word command ("help", "exit" or
 * its alias "quit") takes no verb. On anything but DISPATCH_OK, errbuf gets
 * one line for the user ("unknown command: contaner (did you mean
 * container?)"); DISPATCH_EMPTY leaves it empty. */
enum dispatch_status dispatch_find(const struct cmd_entry *const *table, int argc,
				   char *const *argv, struct dispatch *d,
				   char *errbuf, size_t errlen);

/* The effective options of an entry: its own, then the common ones its
 * flags give it (--help always, --json with CMD_F_JSON, -q with
 * CMD_F_QUIET). Fills up to max pointers into out; returns the count. */
size_t cmd_options(const struct cmd_entry *e, const struct opt_spec **out, size_t max);
/* Lookup among the effective options: by long name (len bytes of name,
 * so "--name=x" needs no copy) or by short letter. NULL when none. */
const struct opt_spec *cmd_find_long(const struct cmd_entry *e, const char *name, size_t len);
const struct opt_spec *cmd_find_short(const struct cmd_entry *e, char c);
/* Whether the entry has options beyond --help (for "[OPTIONS]"). */
int cmd_has_options(const struct cmd_entry *e);

/* "container create" or "help", into buf (always terminated); returns buf. */
char *cmd_name(const struct cmd_entry *e, char *buf, size_t len);

/* The distance between two words counting insertions, deletions,
 * substitutions and swaps of neighbours as one edit each. */
size_t edit_distance(const char *a, const char *b);
/* Whether a word the user typed is close enough to a candidate to be
 * suggested ("contaner" -> "container", "nmae" -> "name"). */
int close_enough(const char *typed, const char *candidate);

/* The usage line of an entry: "container create [OPTIONS] IMAGE [CMD...]".
 * Belongs to the caller. */
char *help_usage_line(const struct cmd_entry *e);

/* Every command but the hidden ones, one line each, summaries aligned,
 * after a "Usage:" line. With globals, berth's own command-line options
 * are listed too (berth --help). */
void help_overview(FILE *f, const struct cmd_entry *const *table, int globals);
/* The commands of one noun. Returns -1 (and writes nothing) when no entry
 * has that noun. */
int help_noun(FILE *f, const struct cmd_entry *const *table, const char *noun);
/* One command: usage line, summary, alias, then its options. */
void help_command(FILE *f, const struct cmd_entry *e);

#endif
