/* args.h: the option parser over a cmd_entry's option spec.
 *
 * Not getopt: it keeps no global state, so it works inside the shell loop.
 * Accepts "-a", "-abc" bundles of flags, "-p80:80", "-p 80:80", "--name x",
 * "--name=x" and "--" to end options. Options may follow positionals unless
 * the entry has CMD_F_ARGS_STOP, where the first positional ends them.
 */
#ifndef BERTH_ARGS_H
#define BERTH_ARGS_H

#include <stddef.h>
#include "commands/cmd.h"

struct args_opt {
	const struct opt_spec *spec;
	char **values;  /* owned; NULL for flags */
	size_t nvalues;
	int count;      /* times given */
};

struct args {
	const struct cmd_entry *entry;
	struct args_opt *opts; /* owned, one per option given */
	size_t nopts;
	char **argv;           /* owned positional words */
	int argc;
};

/* Parses words (not including the command words themselves) for entry.
 * On a usage problem returns -1 and writes one line to errbuf naming what
 * was wrong ("unknown option --nmae for container create (did you mean
 * --name?)", "option --name needs a value", "option --name given 2 times:
 * give it once", "container create needs IMAGE").
 * On success returns 0; release a with args_release(). */
int args_parse(struct args *a, const struct cmd_entry *entry, int argc, char *const *argv,
	       char *errbuf, size_t errlen);
void args_release(struct args *a);

int args_has(const struct args *a, const char *long_name);
/* The last value given, or NULL. Borrowed. */
const char *args_get(const struct args *a, const char *long_name);
/* Every value given, in order; *n gets the count. Borrowed; NULL when none. */
const char *const *args_list(const struct args *a, const char *long_name, size_t *n);

#endif
