/* container_verbs.c: container kill, rename, port, update and prune, each
 * on the host that holds the container (prune: on every target host). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "commands/inspect.h"
#include "commands/prune.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "commands/create_spec.h"
#include "backends/backend.h"
#include "backends/pool/cache.h"
#include "backends/pool/resolve.h"
#include "lib/text.h"
#include "lib/units.h"

static int exec_kill(struct shell *sh, struct args *a);
static int exec_rename(struct shell *sh, struct args *a);
static int exec_port(struct shell *sh, struct args *a);
static int exec_update(struct shell *sh, struct args *a);
static int exec_prune(struct shell *sh, struct args *a);

static const struct opt_spec kill_opts[] = {
	{ .short_name = 's', .long_name = "signal", .type = OPT_VALUE, .metavar = "SIGNAL",
	  .help = "the signal to send (default SIGKILL)" },
	OPT_END
};

static const struct opt_spec update_opts[] = {
	{ .short_name = 'm', .long_name = "memory", .type = OPT_VALUE, .metavar = "SIZE",
	  .help = "memory limit (256m, 1g)" },
	{ .long_name = "memory-swap", .type = OPT_VALUE, .metavar = "SIZE",
	  .help = "memory plus swap limit (-1: unlimited swap)" },
	{ .long_name = "cpus", .type = OPT_VALUE, .metavar = "N", .help = "CPU limit (1.5)" },
	{ .long_name = "restart", .type = OPT_VALUE, .metavar = "POLICY",
	  .help = "no, always, unless-stopped or on-failure[:N]" },
	OPT_END
};

static const struct opt_spec prune_opts[] = {
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "KEY=VALUE",
	  .help = "until=DURATION|TIMESTAMP, label=K[=V], label!=K[=V]" },
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "do not ask for confirmation" },
	OPT_END
};

const struct cmd_entry cmd_container_kill_entry = {
	.noun = "container",
	.verb = "kill",
	.options = kill_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "send a signal to running containers (SIGKILL unless -s)",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_kill,
};
const struct cmd_entry cmd_container_rename_entry = {
	.noun = "container",
	.verb = "rename",
	.args_min = 2,
	.args_max = 2,
	.usage = "CONTAINER NEW_NAME",
	.summary = "give a container another name",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_rename,
};
const struct cmd_entry cmd_container_port_entry = {
	.noun = "container",
	.verb = "port",
	.args_min = 1,
	.args_max = 2,
	.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
	.summary = "show where a container's ports are published",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_port,
};
const struct cmd_entry cmd_container_update_entry = {
	.noun = "container",
	.verb = "update",
	.options = update_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "change the memory, CPU limit or restart policy of containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_update,
};
const struct cmd_entry cmd_container_prune_entry = {
	.noun = "container",
	.verb = "prune",
	.options = prune_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "delete every stopped container",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_prune,
};

/* --- kill ----------------------------------------------------------------- */

static int kill_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	const char *signal = ud;
	struct berr err;

	berr_clear(&err);
	if (b->ops->container_kill(b, ref, signal, &err) < 0) {
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	out_printf(sh, "%s\n", ref);
	cache_put_container(&sh->fleet, b, ref);
	return REF_DONE;
}

static int exec_kill(struct shell *sh, struct args *a)
{
	const char *sig = args_get(a, "signal");
	size_t i;
	int failed, ret;

	if (sig) {
		for (i = 0; sig[i] && (isalnum((unsigned char)sig[i]) || sig[i] == '+' || sig[i] == '-'); i++)
			;
		if (!*sig || sig[i])
			return usage_error(sh, "invalid signal '%s' for --signal: use a name or number "
					   "(SIGHUP, HUP, 1)", CUT(sig));
	}
	if ((ret = for_each_ref(sh, a, RESOLVE_CONTAINER, kill_one, (void *)sig, &failed)) != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}

/* --- rename, port: one container ------------------------------------------ */

/* The host that holds ref: *b (borrowed). CMD_OK, or what to return. */
static int resolve_one(struct shell *sh, struct args *a, const char *ref, struct resolver *res,
		       struct backend **b)
{
	struct pool_want want;
	struct berr err;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(res, ref, b, &err) < 0)
		return cmd_fail(sh, &err);
	return CMD_OK;
}

static int exec_rename(struct shell *sh, struct args *a)
{
	struct resolver res;
	struct backend *b;
	struct berr err;
	int ret;

	memset(&res, 0, sizeof(res));
	if (!a->argv[1][0])
		return usage_error(sh, "container rename needs a NEW_NAME that is not empty");
	if ((ret = resolve_one(sh, a, a->argv[0], &res, &b)) != CMD_OK)
		goto cleanup;
	berr_clear(&err);
	if (b->ops->container_rename(b, a->argv[0], a->argv[1], &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	cache_put_container(&sh->fleet, b, a->argv[1]);
cleanup:
	resolver_release(&res);
	return ret;
}

/* "80/tcp" -> 80, "tcp" for sorting. */
static int by_port(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	long pa = strtol(a, NULL, 10), pb = strtol(b, NULL, 10);

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return strcmp(a, b);
}

/* "80" -> "80/tcp"; "80/udp" as it is. NULL when not a port. */
static char *port_key(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s), i;
	char *out;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return NULL;
	if (!n || n > 5 || strtol(s, NULL, 10) < 1 || strtol(s, NULL, 10) > 65535)
		return NULL;
	if (slash && strcmp(slash + 1, "tcp") && strcmp(slash + 1, "udp") && strcmp(slash + 1, "sctp"))
		return NULL;
	return asprintf(&out, "%.*s/%s", (int)n, s, slash ? slash + 1 : "tcp") < 0 ? NULL : out;
}

/* NetworkSettings.Ports, docker port's way: "80/tcp -> 0.0.0.0:8080"
 * (only "0.0.0.0:8080" for the one port asked), ":::8080" for IPv6 as
 * the docker CLI prints it. */
static int print_ports(struct shell *sh, const json_t *ports, const char *only, int as_json)
{
	const char **keys = calloc(json_object_size(ports) + 1, sizeof(*keys));
	json_t *arr = json_array(), *v, *bind;
	const char *key;
	size_t n = 0, i, j;
	int rc = 0;

	if (!keys || !arr) {
		free(keys);
		json_decref(arr);
		return error(sh, "out of memory");
	}
	json_object_foreach((json_t *)ports, key, v)
		if (json_array_size(v) && (!only || !strcmp(key, only)))
			keys[n++] = key;
	qsort(keys, n, sizeof(*keys), by_port);
	for (i = 0; i < n; i++) {
		json_array_foreach(json_object_get(ports, keys[i]), j, bind) {
			const char *ip = json_string_value(json_object_get(bind, "HostIp"));
			const char *hp = json_string_value(json_object_get(bind, "HostPort"));

			if (as_json) {
				json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "Port", keys[i],
								     "HostIp", ip ? ip : "",
								     "HostPort", hp ? hp : ""));
				continue;
			}
			if (!only)
				rc |= out_printf(sh, "%s -> ", keys[i]);
			rc |= out_printf(sh, "%s:%s\n", ip && *ip ? ip : "0.0.0.0", hp ? hp : "");
		}
	}
	if (as_json)
		rc = output_json(sh, arr);
	free(keys);
	json_decref(arr);
	if (only && !n)
		return error(sh, "no public port '%s' published", only);
	return output_result(sh, rc < 0 ? -1 : 0);
}

static int exec_port(struct shell *sh, struct args *a)
{
	struct resolver res;
	struct backend *b;
	struct berr err;
	json_t *obj = NULL;
	char *only = NULL;
	int ret;

	memset(&res, 0, sizeof(res));
	if (a->argc > 1 && !(only = port_key(a->argv[1])))
		return usage_error(sh, "invalid port '%s': use PRIVATE_PORT[/PROTO] (80, 53/udp)",
				   CUT(a->argv[1]));
	if ((ret = resolve_one(sh, a, a->argv[0], &res, &b)) != CMD_OK)
		goto cleanup;
	berr_clear(&err);
	if (b->ops->container_inspect(b, a->argv[0], &obj, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	ret = print_ports(sh, json_object_get(json_object_get(obj, "NetworkSettings"), "Ports"),
			  only, args_has(a, "json"));
cleanup:
	json_decref(obj);
	free(only);
	resolver_release(&res);
	return ret;
}

/* --- update ------------------------------------------------------------------ */

static int update_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	const struct container_update *u = ud;
	struct berr err;
	json_t *warnings = NULL, *w;
	size_t i;

	berr_clear(&err);
	if (b->ops->container_update(b, ref, u, &warnings, &err) < 0) {
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	json_array_foreach(warnings, i, w)
		if (json_string_value(w))
			warning(sh, "%s: %s", b->name, json_string_value(w));
	json_decref(warnings);
	out_printf(sh, "%s\n", ref);
	cache_put_container(&sh->fleet, b, ref);
	return REF_DONE;
}

static int exec_update(struct shell *sh, struct args *a)
{
	struct container_update u = { .restart = args_get(a, "restart") };
	const char *s;
	int failed, ret;

	if ((s = args_get(a, "memory")) && (parse_size(s, &u.memory) < 0 || u.memory <= 0))
		return usage_error(sh, "invalid size '%s' for --memory: use a number with k, m or g (256m, 1g)",
				   CUT(s));
	if ((s = args_get(a, "memory-swap")) && strcmp(s, "-1") &&
	    (parse_size(s, &u.memory_swap) < 0 || u.memory_swap <= 0))
		return usage_error(sh, "invalid size '%s' for --memory-swap: use a number with k, m or g, "
				   "or -1 for unlimited swap", CUT(s));
	if (s && !strcmp(s, "-1"))
		u.memory_swap = -1;
	if ((s = args_get(a, "cpus")) && parse_cpus(s, &u.nano_cpus) < 0)
		return usage_error(sh, "invalid value '%s' for --cpus: use a positive number of CPUs (0.5, 2)",
				   CUT(s));
	if (u.restart && !valid_restart(u.restart))
		return usage_error(sh, "invalid restart policy '%s' for --restart: use no, always, "
				   "unless-stopped or on-failure[:N]", CUT(u.restart));
	if (!u.memory && !u.memory_swap && !u.nano_cpus && !u.restart)
		return usage_error(sh, "container update needs --memory, --memory-swap, --cpus or --restart");
	if ((ret = for_each_ref(sh, a, RESOLVE_CONTAINER, update_one, &u, &failed)) != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}

/* --- prune -------------------------------------------------------------------- */

static int prune_containers(struct backend *b, const struct args *a, json_t **report,
			    struct berr *err)
{
	size_t n;
	const char *const *f = args_list(a, "filter", &n);

	return b->ops->container_prune(b, f, n, report, err);
}

/* The deleted containers leave the store's copy of their host. */
static void forget_containers(struct shell *sh, struct backend *b, const json_t *report)
{
	const json_t *id;
	size_t i;

	json_array_foreach(json_object_get(report, "ContainersDeleted"), i, id)
		if (json_string_value(id) &&
		    cache_drop_container(&sh->fleet, b->name, json_string_value(id)) < 0)
			break;
}

static int exec_prune(struct shell *sh, struct args *a)
{
	static const struct prune_kind k = {
		.command = "container prune",
		.what = "all stopped containers",
		.key = "ContainersDeleted",
		.heading = "Deleted Containers:",
		.prune = prune_containers,
		.after = forget_containers,
	};

	return prune_run(sh, a, &k);
}
