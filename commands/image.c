/* image.c: the image commands. */
#include "config.h"

#include "commands/commands.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"
#include "backends/backend.h"

static int exec_list(struct shell *sh, struct args *a);
static int exec_inspect(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);
static int exec_load(struct shell *sh, struct args *a);
static int exec_save(struct shell *sh, struct args *a);
static int exec_pull(struct shell *sh, struct args *a);

static const struct opt_spec list_opts[] = {
	{ 'a', "all", OPT_FLAG, NULL, "include intermediate images", ARG_NONE },
	OPT_END
};

static const struct opt_spec delete_opts[] = {
	{ 'f', "force", OPT_FLAG, NULL, "delete even if tagged in several repositories or used by stopped containers", ARG_NONE },
	OPT_END
};

const struct cmd_entry cmd_image_list_entry = {
	"image", "list", "ls", list_opts, 0, 0, "",
	"list images", CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE, ARG_NONE, exec_list
};
const struct cmd_entry cmd_image_inspect_entry = {
	"image", "inspect", NULL, NULL, 1, -1, "IMAGE...",
	"show the details of images", CMD_F_JSON | CMD_F_ENGINE, ARG_IMAGE, exec_inspect
};
const struct cmd_entry cmd_image_delete_entry = {
	"image", "delete", "rm", delete_opts, 1, -1, "IMAGE...",
	"delete images", CMD_F_JSON | CMD_F_ENGINE, ARG_IMAGE, exec_delete
};
const struct cmd_entry cmd_image_load_entry = {
	"image", "load", NULL, NULL, 1, 1, "FILE",
	"load images from a tarball written by docker save (plain or gzip; - for stdin)",
	CMD_F_JSON | CMD_F_ENGINE, ARG_FILE, exec_load
};
const struct cmd_entry cmd_image_save_entry = {
	"image", "save", NULL, NULL, 2, 2, "IMAGE FILE",
	"save an image to a tarball (- for stdout when it is not a terminal)",
	CMD_F_ENGINE, ARG_IMAGE, exec_save
};
const struct cmd_entry cmd_image_pull_entry = {
	"image", "pull", NULL, NULL, 1, 1, "IMAGE",
	"pull an image from its registry", CMD_F_ENGINE, ARG_NONE, exec_pull
};

/* --- exec bodies ------------------------------------------------------- */
