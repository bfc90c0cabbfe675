/* cmd.h: one command table for the whole program.
 *
 * Each command is one const struct cmd_entry in commands/<noun>.c; the
 * NULL-terminated cmd_table[] in commands/table.c lists them all. Dispatch,
 * option parsing, help, completion, the man-page test and the README test
 * all read this table and nothing else.
 */
#ifndef BERTH_CMD_H
#define BERTH_CMD_H

#include <stddef.h>

struct shell;
struct args;

/* What a positional argument or option value names, for completion. The
 * dynamic kinds (containers, images, hosts, volumes, networks) are answered by the shell's
 * completion source: the configured hosts now, the store later. */
enum arg_kind {
	ARG_NONE = 0,   /* free text */
	ARG_CONTAINER,
	ARG_IMAGE,
	ARG_HOST,
	ARG_FILE,
	ARG_COMMAND,    /* a command word, for "help" */
	ARG_VOLUME,
	ARG_NETWORK,
};

enum opt_type {
	OPT_FLAG,  /* --all */
	OPT_VALUE, /* --name web; given twice is a usage error */
	OPT_LIST,  /* -e A=1 -e B=2; every value kept, in order */
};

struct opt_spec {
	char short_name;        /* 'p', or 0 for none */
	const char *long_name;  /* "publish" (always present; the lookup key) */
	enum opt_type type;
	const char *metavar;    /* "[IP:]HOST:CONTAINER" for values, NULL for flags */
	const char *help;       /* one line */
	enum arg_kind kind;     /* what the value names, for completion */
};
#define OPT_END { 0, NULL, OPT_FLAG, NULL, NULL, ARG_NONE }

/* Command flags. */
#define CMD_F_JSON      0x01u /* shows data: gets --json */
#define CMD_F_QUIET     0x02u /* a listing: gets -q/--quiet (IDs only) */
#define CMD_F_ARGS_STOP 0x04u /* options end at the first positional past args_min (create IMAGE CMD...) */
#define CMD_F_ENGINE    0x08u /* needs the current host's backend */
#define CMD_F_HIDDEN    0x10u /* not listed by help (none yet; keep the table honest) */
#define CMD_F_NO_SETTINGS 0x20u /* runs when the settings could not be loaded (help, version, exit) */

/* Command results: exec returns one of these. */
#define CMD_OK     0
#define CMD_ERROR (-1) /* the operation failed: exit status 1 */
#define CMD_USAGE (-2) /* the command was used wrongly: exit status 2 */

struct cmd_entry {
	const char *noun;     /* "container"; a single-word command's word ("help") */
	const char *verb;     /* "create"; NULL for single-word commands */
	const char *alias;    /* the docker habit for the verb ("ls", "rm"), or NULL */
	const struct opt_spec *options; /* OPT_END-terminated; NULL for none */
	int args_min;
	int args_max;         /* -1: no upper bound */
	const char *usage;    /* positional synopsis, "IMAGE [CMD...]", or "" */
	const char *summary;  /* one line, lower case, no full stop */
	unsigned flags;       /* CMD_F_* */
	enum arg_kind arg_kind; /* what the positionals name, for completion */
	int (*exec)(struct shell *sh, struct args *args);
};

extern const struct cmd_entry *const cmd_table[];

/* Options every command gets, or gets by its flags (--help always; --json
 * with CMD_F_JSON; -q with CMD_F_QUIET). OPT_END-terminated. */
extern const struct opt_spec cmd_common_options[];

#endif
