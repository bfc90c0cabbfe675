/* container.c: the container commands. */
#include "config.h"

#include "commands/commands.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"
#include "shell/units.h"
#include "backends/backend.h"

static int exec_create(struct shell *sh, struct args *a);
static int exec_start(struct shell *sh, struct args *a);
static int exec_stop(struct shell *sh, struct args *a);
static int exec_restart(struct shell *sh, struct args *a);
static int exec_pause(struct shell *sh, struct args *a);
static int exec_unpause(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);
static int exec_list(struct shell *sh, struct args *a);
static int exec_inspect(struct shell *sh, struct args *a);
static int exec_logs(struct shell *sh, struct args *a);

static const struct opt_spec create_opts[] = {
	{ 0, "name", OPT_VALUE, "NAME", "name the container", ARG_NONE },
	{ 'p', "publish", OPT_LIST, "[IP:]HOST:CONTAINER[/PROTO]", "publish a container port on the host", ARG_NONE },
	{ 'e', "env", OPT_LIST, "KEY=VALUE", "set an environment variable", ARG_NONE },
	{ 'l', "label", OPT_LIST, "KEY=VALUE", "set a label", ARG_NONE },
	{ 'm', "memory", OPT_VALUE, "SIZE", "memory limit (256m, 1g)", ARG_NONE },
	{ 0, "cpus", OPT_VALUE, "N", "CPU limit (1.5)", ARG_NONE },
	{ 0, "restart", OPT_VALUE, "POLICY", "no, always, unless-stopped or on-failure[:N]", ARG_NONE },
	{ 't', "tty", OPT_FLAG, NULL, "allocate a pseudo-terminal", ARG_NONE },
	{ 0, "start", OPT_FLAG, NULL, "start the container once created", ARG_NONE },
	OPT_END
};

static const struct opt_spec delete_opts[] = {
	{ 'f', "force", OPT_FLAG, NULL, "stop running containers first", ARG_NONE },
	OPT_END
};

static const struct opt_spec list_opts[] = {
	{ 'a', "all", OPT_FLAG, NULL, "include stopped containers", ARG_NONE },
	{ 'f', "filter", OPT_LIST, "KEY=VALUE", "label=K[=V], status=S, name=N, id=I, ancestor=IMAGE", ARG_NONE },
	OPT_END
};

static const struct opt_spec logs_opts[] = {
	{ 'n', "tail", OPT_VALUE, "N", "show only the last N lines", ARG_NONE },
	{ 'f', "follow", OPT_FLAG, NULL, "keep printing new output until Ctrl-C or the container stops", ARG_NONE },
	{ 't', "timestamps", OPT_FLAG, NULL, "prefix each line with its timestamp", ARG_NONE },
	OPT_END
};

const struct cmd_entry cmd_container_create_entry = {
	"container", "create", NULL, create_opts, 1, -1, "IMAGE [CMD...]",
	"create a container (and start it with --start)",
	CMD_F_JSON | CMD_F_ARGS_STOP | CMD_F_ENGINE, ARG_IMAGE, exec_create
};
const struct cmd_entry cmd_container_start_entry = {
	"container", "start", NULL, NULL, 1, -1, "CONTAINER...",
	"start containers", CMD_F_ENGINE, ARG_CONTAINER, exec_start
};
const struct cmd_entry cmd_container_stop_entry = {
	"container", "stop", NULL, NULL, 1, -1, "CONTAINER...",
	"stop containers", CMD_F_ENGINE, ARG_CONTAINER, exec_stop
};
const struct cmd_entry cmd_container_restart_entry = {
	"container", "restart", NULL, NULL, 1, -1, "CONTAINER...",
	"restart containers", CMD_F_ENGINE, ARG_CONTAINER, exec_restart
};
const struct cmd_entry cmd_container_pause_entry = {
	"container", "pause", NULL, NULL, 1, -1, "CONTAINER...",
	"pause the processes of containers", CMD_F_ENGINE, ARG_CONTAINER, exec_pause
};
const struct cmd_entry cmd_container_unpause_entry = {
	"container", "unpause", NULL, NULL, 1, -1, "CONTAINER...",
	"resume paused containers", CMD_F_ENGINE, ARG_CONTAINER, exec_unpause
};
const struct cmd_entry cmd_container_delete_entry = {
	"container", "delete", "rm", delete_opts, 1, -1, "CONTAINER...",
	"delete containers", CMD_F_ENGINE, ARG_CONTAINER, exec_delete
};
const struct cmd_entry cmd_container_list_entry = {
	"container", "list", "ls", list_opts, 0, 0, "",
	"list containers (running ones unless --all)",
	CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE, ARG_NONE, exec_list
};
const struct cmd_entry cmd_container_inspect_entry = {
	"container", "inspect", NULL, NULL, 1, -1, "CONTAINER...",
	"show the details of containers", CMD_F_JSON | CMD_F_ENGINE, ARG_CONTAINER, exec_inspect
};
const struct cmd_entry cmd_container_logs_entry = {
	"container", "logs", NULL, logs_opts, 1, 1, "CONTAINER",
	"print a container's output", CMD_F_ENGINE, ARG_CONTAINER, exec_logs
};

/* --- exec bodies ------------------------------------------------------- */
