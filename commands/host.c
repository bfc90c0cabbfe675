/* host.c: the host commands: which engines berth knows and which one
 * commands go to. */
#include "config.h"

#include "commands/commands.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"
#include "backends/backend.h"

static int exec_list(struct shell *sh, struct args *a);
static int exec_use(struct shell *sh, struct args *a);
static int exec_info(struct shell *sh, struct args *a);

const struct cmd_entry cmd_host_list_entry = {
	"host", "list", "ls", NULL, 0, 0, "",
	"list the hosts berth knows", CMD_F_JSON | CMD_F_QUIET, ARG_NONE, exec_list
};
const struct cmd_entry cmd_host_use_entry = {
	"host", "use", NULL, NULL, 1, 1, "NAME",
	"send the following commands to host NAME", 0, ARG_HOST, exec_use
};
const struct cmd_entry cmd_host_info_entry = {
	"host", "info", NULL, NULL, 0, 1, "[NAME]",
	"show a host's engine: version, API version, CPUs, memory, counts",
	CMD_F_JSON, ARG_HOST, exec_info
};

/* --- exec bodies ------------------------------------------------------- */
