/* help.c: help, version and exit: the commands that need no engine. */
#include "config.h"

#include "commands/commands.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"

static int exec_help(struct shell *sh, struct args *a);
static int exec_version(struct shell *sh, struct args *a);
static int exec_exit(struct shell *sh, struct args *a);

const struct cmd_entry cmd_help_entry = {
	"help", NULL, NULL, NULL, 0, 2, "[COMMAND [VERB]]",
	"list commands, or show one command's usage and options", 0, ARG_COMMAND, exec_help
};
const struct cmd_entry cmd_version_entry = {
	"version", NULL, NULL, NULL, 0, 0, "",
	"show berth's version and the versions of its libraries", CMD_F_JSON, ARG_NONE, exec_version
};
const struct cmd_entry cmd_exit_entry = {
	"exit", NULL, "quit", NULL, 0, 1, "[STATUS]",
	"leave the shell", 0, ARG_NONE, exec_exit
};

/* --- exec bodies ------------------------------------------------------- */
