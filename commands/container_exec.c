/* container_exec.c: container exec, attach, run and wait: the commands
 * that join berth's terminal (or pipes) to a process in a container. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "commands/commands.h"
#include "commands/container_io.h"
#include "commands/create_spec.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/inspect.h"
#include "commands/output.h"
#include "commands/targets.h"
#include "backends/backend.h"
#include "backends/pool/cache.h"
#include "backends/pool/resolve.h"
#include "lib/jsonval.h"

static int exec_exec(struct shell *sh, struct args *a);
static int exec_attach(struct shell *sh, struct args *a);
static int exec_run(struct shell *sh, struct args *a);
static int exec_wait(struct shell *sh, struct args *a);

#define DETACH_KEYS_OPTION \
	{ .long_name = "detach-keys", .type = OPT_VALUE, .metavar = "KEYS", \
	  .help = "the keys that leave it running (default ctrl-p,ctrl-q)" }

static const struct opt_spec exec_opts[] = {
	{ .short_name = 'i', .long_name = "interactive", .type = OPT_FLAG,
	  .help = "copy stdin to the command" },
	{ .short_name = 't', .long_name = "tty", .type = OPT_FLAG,
	  .help = "allocate a pseudo-terminal" },
	{ .short_name = 'd', .long_name = "detach", .type = OPT_FLAG,
	  .help = "start the command and leave it running" },
	{ .short_name = 'u', .long_name = "user", .type = OPT_VALUE, .metavar = "USER[:GROUP]",
	  .help = "run as this user" },
	{ .short_name = 'w', .long_name = "workdir", .type = OPT_VALUE, .metavar = "DIR",
	  .help = "run in this directory" },
	{ .short_name = 'e', .long_name = "env", .type = OPT_LIST, .metavar = "KEY=VALUE",
	  .help = "set an environment variable" },
	{ .long_name = "privileged", .type = OPT_FLAG, .help = "give the command extended privileges" },
	DETACH_KEYS_OPTION,
	OPT_END
};

static const struct opt_spec attach_opts[] = {
	{ .long_name = "no-stdin", .type = OPT_FLAG, .help = "do not copy stdin to the container" },
	DETACH_KEYS_OPTION,
	OPT_END
};

static const struct opt_spec run_opts[] = {
	{ .long_name = "name", .type = OPT_VALUE, .metavar = "NAME", .help = "name the container" },
	CREATE_SPEC_OPTIONS,
	{ .short_name = 't', .long_name = "tty", .type = OPT_FLAG,
	  .help = "allocate a pseudo-terminal" },
	CONTAINER_STDIN_OPTIONS,
	{ .short_name = 'd', .long_name = "detach", .type = OPT_FLAG,
	  .help = "start it, print its ID and leave it running" },
	DETACH_KEYS_OPTION,
	{ .long_name = "lifetime", .type = OPT_VALUE, .metavar = "DURATION",
	  .help = "let housekeeping delete it after this long (90s, 10m, 2h, 1d)" },
	{ .long_name = "no-distribute", .type = OPT_FLAG,
	  .help = "fail instead of copying the image to a chosen host that lacks it" },
	OPT_END
};

const struct cmd_entry cmd_container_exec_entry = {
	.noun = "container",
	.verb = "exec",
	.options = exec_opts,
	.args_min = 1, /* CMD is checked by exec: options end after CONTAINER */
	.args_max = -1,
	.usage = "CONTAINER CMD [ARG...]",
	.summary = "run a command in a running container",
	.flags = CMD_F_ARGS_STOP | CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_exec,
};
const struct cmd_entry cmd_container_attach_entry = {
	.noun = "container",
	.verb = "attach",
	.options = attach_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "CONTAINER",
	.summary = "join a running container's input and output",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_attach,
};
const struct cmd_entry cmd_container_run_entry = {
	.noun = "container",
	.verb = "run",
	.options = run_opts,
	.args_min = 0, /* IMAGE is checked by run: options end after it */
	.args_max = -1,
	.usage = "IMAGE [CMD...]",
	.summary = "create a container, start it and join its input and output",
	.flags = CMD_F_ARGS_STOP | CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_run,
};
const struct cmd_entry cmd_container_wait_entry = {
	.noun = "container",
	.verb = "wait",
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "wait until containers stop and print their exit codes",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_wait,
};

/* The process a session's TTY belongs to. */
struct tty_owner {
	struct backend *b;
	const char *id;
	int is_exec;  /* an exec's ID, else a container's */
	int resized;  /* the first size went through */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The process may not be there yet at the first resize: as the docker CLI,
 * the first one is tried a few times. A failed resize is no failure of
 * the session. */
static int resize_tty(void *ud, int rows, int cols)
{
	struct tty_owner *o = ud;
	int tries = o->resized ? 1 : 10, i;

	for (i = 0; i < tries; i++) {
		struct berr err;
		int rc;

		berr_clear(&err);
		rc = o->is_exec ? o->b->ops->exec_resize(o->b, o->id, rows, cols, &err)
				: o->b->ops->container_resize(o->b, o->id, rows, cols, &err);
		if (rc == 0 || err.kind == BERR_INTERRUPTED)
			break;
		sleep_ms(10L * (i + 1));
	}
	o->resized = 1;
	return 0;
}

/* The host that holds ref, reported when none. */
static struct backend *holder(struct shell *sh, struct args *a, const char *ref,
			      struct resolver *res)
{
	struct pool_want want;
	struct backend *b = NULL;
	struct berr err;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(res, ref, &b, &err) < 0) {
		cmd_fail(sh, &err);
		return NULL;
	}
	if (!b->ops->exec_create || !b->ops->container_attach) {
		error(sh, "%s: its kind of engine (%s) cannot exec or attach", b->name, b->ops->kind);
		return NULL;
	}
	return b;
}

/* --- exec --------------------------------------------------------------- */

/* The exec's exit code, once the engine has it. After the output ended it
 * may still say Running for a moment; with a TTY and stdin it may be
 * running for good (detached with the keys): then 0, as docker. */
static int exec_status(struct shell *sh, struct backend *b, const char *id, int may_detach)
{
	int tries = may_detach ? 20 : 400, i;

	for (i = 0; i < tries; i++) {
		json_t *obj = NULL;
		struct berr err;
		int running;

		berr_clear(&err);
		if (b->ops->exec_inspect(b, id, &obj, &err) < 0)
			return error(sh, "%s", err.msg);
		running = json_is_true(json_object_get(obj, "Running"));
		sh->cmd_status = (int)json_integer_value(json_object_get(obj, "ExitCode"));
		json_decref(obj);
		if (!running)
			return CMD_OK;
		sleep_ms(5);
	}
	sh->cmd_status = 0;
	return CMD_OK;
}

static int exec_exec(struct shell *sh, struct args *a)
{
	struct exec_spec spec = {
		.cmd = (const char *const *)(a->argv + 1),
		.ncmd = (size_t)(a->argc - 1),
		.user = args_get(a, "user"),
		.workdir = args_get(a, "workdir"),
		.detach_keys = args_get(a, "detach-keys"),
		.tty = args_has(a, "tty"),
		.stdin_open = args_has(a, "interactive"),
		.detach = args_has(a, "detach"),
		.privileged = args_has(a, "privileged"),
	};
	struct container_io io = { .tty = spec.tty, .stdin_open = spec.stdin_open,
				   .detach_keys = spec.detach_keys };
	struct tty_owner owner = { .is_exec = 1 };
	struct backend_stream *s = NULL;
	struct resolver res;
	struct backend *b;
	struct berr err;
	char *id = NULL;
	int ret;

	memset(&res, 0, sizeof(res));
	if (a->argc < 2)
		return usage_error(sh, "container exec needs CONTAINER and CMD (usage: container exec "
				   "[OPTIONS] CONTAINER CMD [ARG...])");
	spec.env = args_list(a, "env", &spec.nenv);
	if ((ret = container_io_check_detach_keys(sh, spec.detach_keys)) != CMD_OK ||
	    (!spec.detach && (ret = container_io_check(sh, spec.tty, spec.stdin_open)) != CMD_OK) ||
	    (ret = check_key_value_options(sh, a)) != CMD_OK)
		return ret;
	if (!(b = holder(sh, a, a->argv[0], &res))) {
		ret = CMD_ERROR;
		goto cleanup;
	}
	berr_clear(&err);
	if (b->ops->exec_create(b, a->argv[0], &spec, &id, &err) < 0 ||
	    b->ops->exec_start(b, id, spec.tty, spec.detach, &s, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (spec.detach)
		goto cleanup;
	owner.b = b;
	owner.id = id;
	io.resize = resize_tty;
	io.ud = &owner;
	ret = container_io_run(sh, s, &io);
	s->ops->free(s);
	s = NULL;
	container_io_reraise(io.signal);
	if (ret == CMD_OK && !io.signal)
		ret = exec_status(sh, b, id, spec.tty && spec.stdin_open);
cleanup:
	if (s)
		s->ops->free(s);
	free(id);
	resolver_release(&res);
	return ret;
}

/* --- attach and run ------------------------------------------------------ */

/* The container's exit code once it stopped (waiting for it), or 0 when
 * it runs on after a detach. */
static int container_status(struct shell *sh, struct backend *b, const char *id, int may_detach)
{
	struct berr err;
	int64_t code = 0;

	berr_clear(&err);
	if (may_detach) {
		json_t *obj = NULL;
		int running;

		if (b->ops->container_inspect(b, id, &obj, &err) < 0)
			return error(sh, "%s", err.msg);
		running = json_is_true(json_object_get(json_object_get(obj, "State"), "Running"));
		json_decref(obj);
		if (running) {
			sh->cmd_status = 0;
			return CMD_OK;
		}
	}
	if (b->ops->container_wait(b, id, &code, &err) < 0)
		return error(sh, "%s", err.msg);
	sh->cmd_status = (int)code;
	return CMD_OK;
}

/* Attaches to id and, with start, starts it: the session until its output
 * ends. The session's signal in *sig. */
static int attach_session(struct shell *sh, struct backend *b, const char *id,
			  const struct attach_opts *ao, int start, int *sig)
{
	struct container_io io = { .tty = ao->tty, .stdin_open = ao->stdin_open,
				   .detach_keys = ao->detach_keys };
	struct tty_owner owner = { .b = b, .id = id };
	struct backend_stream *s = NULL;
	struct berr err;
	int ret;

	*sig = 0;
	berr_clear(&err);
	if (b->ops->container_attach(b, id, ao, &s, &err) < 0)
		return error(sh, "%s", err.msg);
	if (start && b->ops->container_action(b, id, CONTAINER_START, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (start)
		cache_put_container(&sh->fleet, b, id);
	io.resize = resize_tty;
	io.ud = &owner;
	ret = container_io_run(sh, s, &io);
	*sig = io.signal;
	if (ret == CMD_OK && !io.signal && !berth_interrupted)
		ret = container_status(sh, b, id, ao->tty && ao->stdin_open);
cleanup:
	s->ops->free(s);
	return ret;
}

static int exec_attach(struct shell *sh, struct args *a)
{
	struct attach_opts ao = { .detach_keys = args_get(a, "detach-keys") };
	struct resolver res;
	struct backend *b;
	struct berr err;
	json_t *obj = NULL, *state, *config;
	char *id = NULL;
	int ret, sig = 0;

	memset(&res, 0, sizeof(res));
	if ((ret = container_io_check_detach_keys(sh, ao.detach_keys)) != CMD_OK)
		return ret;
	if (!(b = holder(sh, a, a->argv[0], &res))) {
		ret = CMD_ERROR;
		goto cleanup;
	}
	berr_clear(&err);
	if (b->ops->container_inspect(b, a->argv[0], &obj, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	state = json_object_get(obj, "State");
	config = json_object_get(obj, "Config");
	if (!json_is_true(json_object_get(state, "Running"))) {
		ret = error(sh, "%s is not running: start it first (container start %s)",
			    a->argv[0], a->argv[0]);
		goto cleanup;
	}
	if (!(id = strdup(jstr(obj, "Id")))) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	ao.tty = json_is_true(json_object_get(config, "Tty"));
	ao.stdin_open = !args_has(a, "no-stdin") && json_is_true(json_object_get(config, "OpenStdin"));
	if ((ret = container_io_check(sh, ao.tty, ao.stdin_open)) != CMD_OK)
		goto cleanup;
	ret = attach_session(sh, b, id, &ao, 0, &sig);
	container_io_reraise(sig);
cleanup:
	json_decref(obj);
	free(id);
	resolver_release(&res);
	return ret;
}

/* run --rm: the container goes, also after a Ctrl-C (then the engine is
 * asked all the same) or a failure. */
static void remove_container(struct shell *sh, struct backend *b, const char *id)
{
	sig_atomic_t was = berth_interrupted;
	struct berr err;

	berth_interrupted = 0;
	berr_clear(&err);
	if (b->ops->container_delete(b, id, 1, &err) < 0 && err.kind != BERR_NOT_FOUND)
		error(sh, "%s (container %s was not deleted)", err.msg, id);
	else
		cache_drop_container(&sh->fleet, b->name, id);
	berth_interrupted = was;
}

static int exec_run(struct shell *sh, struct args *a)
{
	struct attach_opts ao = {
		.tty = args_has(a, "tty"),
		.stdin_open = args_has(a, "interactive"),
		.detach_keys = args_get(a, "detach-keys"),
	};
	int detach = args_has(a, "detach"), rm = args_has(a, "rm") && !detach;
	struct backend *b = NULL;
	struct berr err;
	char *id = NULL;
	int ret, sig = 0;

	if (a->argc < 1)
		return usage_error(sh, "container run needs IMAGE (usage: container run [OPTIONS] IMAGE "
				   "[CMD...])");
	if ((ret = container_io_check_detach_keys(sh, ao.detach_keys)) != CMD_OK ||
	    (!detach && (ret = container_io_check(sh, ao.tty, ao.stdin_open)) != CMD_OK))
		return ret;
	if ((ret = container_create_one(sh, a, &b, &id)) != CMD_OK)
		goto cleanup;
	if (detach) {
		berr_clear(&err);
		if (b->ops->container_action(b, id, CONTAINER_START, &err) < 0)
			ret = error(sh, "%s (container %s was created but not started)", err.msg, id);
		else
			ret = output_result(sh, out_printf(sh, "%s\n", id));
		cache_put_container(&sh->fleet, b, id);
		goto cleanup;
	}
	if (!b->ops->container_attach) {
		ret = error(sh, "%s: its kind of engine (%s) cannot attach", b->name, b->ops->kind);
		goto cleanup;
	}
	ret = attach_session(sh, b, id, &ao, 1, &sig);
cleanup:
	if (rm && id)
		remove_container(sh, b, id);
	free(id);
	container_io_reraise(sig);
	return ret;
}

/* --- wait --------------------------------------------------------------- */

static int wait_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	struct berr err;
	int64_t code;

	berr_clear(&err);
	if (!b->ops->container_wait) {
		error(sh, "%s: its kind of engine (%s) cannot wait", b->name, b->ops->kind);
		return REF_FAILED;
	}
	if (b->ops->container_wait(b, ref, &code, &err) < 0) {
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	if (out_printf(sh, "%" PRId64 "\n", code) < 0)
		return REF_STOP;
	return REF_DONE;
}

static int exec_wait(struct shell *sh, struct args *a)
{
	int failed, ret;

	if ((ret = for_each_ref(sh, a, RESOLVE_CONTAINER, wait_one, NULL, &failed)) != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}
