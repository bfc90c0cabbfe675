/* network.c: the network commands (docker network create, ls, inspect,
 * rm, connect, disconnect, prune), over the command's hosts. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "commands/objects.h"
#include "backends/docker/docker_objects.h"
#include "backends/pool/resolve.h"
#include "lib/fmt.h"
#include "lib/jsonval.h"
#include "lib/strbuf.h"

static int exec_create(struct shell *sh, struct args *a);
static int exec_list(struct shell *sh, struct args *a);
static int exec_inspect(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);
static int exec_connect(struct shell *sh, struct args *a);
static int exec_disconnect(struct shell *sh, struct args *a);
static int exec_prune(struct shell *sh, struct args *a);

static const struct opt_spec create_opts[] = {
	{ .short_name = 'd', .long_name = "driver", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "network driver (default bridge)" },
	{ .long_name = "subnet", .type = OPT_VALUE, .metavar = "CIDR",
	  .help = "the network's subnet (10.9.0.0/24)" },
	{ .long_name = "gateway", .type = OPT_VALUE, .metavar = "IP",
	  .help = "the subnet's gateway (needs --subnet)" },
	{ .long_name = "label", .type = OPT_LIST, .metavar = "K=V", .help = "set a label (repeatable)" },
	{ .short_name = 'o', .long_name = "opt", .type = OPT_LIST, .metavar = "K=V",
	  .help = "set a driver option (repeatable)" },
	OPT_END
};
static const struct opt_spec list_opts[] = {
	{ .short_name = 'f', .long_name = "filter", .type = OPT_LIST, .metavar = "K=V",
	  .help = "only networks that match (driver=D, id=ID, label=K[=V], name=N, type=custom)" },
	{ .long_name = "cached", .type = OPT_FLAG,
	  .help = "answer from the store without asking any engine" },
	OPT_END
};
static const struct opt_spec connect_opts[] = {
	{ .long_name = "alias", .type = OPT_LIST, .metavar = "NAME",
	  .help = "another name the container has on the network (repeatable)" },
	OPT_END
};
static const struct opt_spec disconnect_opts[] = {
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "disconnect even when the engine would refuse" },
	OPT_END
};
static const struct opt_spec prune_opts[] = {
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "K=V",
	  .help = "only networks that match (until=24h, label=K[=V], label!=K)" },
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG, .help = "do not ask for confirmation" },
	OPT_END
};

const struct cmd_entry cmd_network_create_entry = {
	.noun = "network",
	.verb = "create",
	.options = create_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "create a network on one host",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_create,
};
const struct cmd_entry cmd_network_list_entry = {
	.noun = "network",
	.verb = "list",
	.alias = "ls",
	.options = list_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list networks",
	.flags = CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE,
	.exec = exec_list,
};
const struct cmd_entry cmd_network_inspect_entry = {
	.noun = "network",
	.verb = "inspect",
	.args_min = 1,
	.args_max = -1,
	.usage = "NETWORK...",
	.summary = "show the details of networks",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_NETWORK,
	.exec = exec_inspect,
};
const struct cmd_entry cmd_network_delete_entry = {
	.noun = "network",
	.verb = "delete",
	.alias = "rm",
	.args_min = 1,
	.args_max = -1,
	.usage = "NETWORK...",
	.summary = "delete networks",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_NETWORK,
	.exec = exec_delete,
};
const struct cmd_entry cmd_network_connect_entry = {
	.noun = "network",
	.verb = "connect",
	.options = connect_opts,
	.args_min = 2,
	.args_max = 2,
	.usage = "NETWORK CONTAINER",
	.summary = "connect a container to a network of its host",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_NETWORK,
	.exec = exec_connect,
};
const struct cmd_entry cmd_network_disconnect_entry = {
	.noun = "network",
	.verb = "disconnect",
	.options = disconnect_opts,
	.args_min = 2,
	.args_max = 2,
	.usage = "NETWORK CONTAINER",
	.summary = "disconnect a container from a network",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_NETWORK,
	.exec = exec_disconnect,
};
const struct cmd_entry cmd_network_prune_entry = {
	.noun = "network",
	.verb = "prune",
	.options = prune_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "delete the custom networks no container uses",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_prune,
};

/* --- create ------------------------------------------------------------- */

static int exec_create(struct shell *sh, struct args *a)
{
	struct network_spec spec = {
		.name = a->argv[0],
		.driver = args_get(a, "driver"),
		.subnet = args_get(a, "subnet"),
		.gateway = args_get(a, "gateway"),
	};
	struct backend *b;
	struct berr err;
	char *id = NULL;
	int ret;

	if (spec.gateway && !spec.subnet)
		return usage_error(sh, "network create: --gateway needs --subnet");
	spec.labels = args_list(a, "label", &spec.nlabels);
	spec.opts = args_list(a, "opt", &spec.nopts);
	if (!(b = cmd_backend(sh, a)))
		return CMD_ERROR;
	berr_clear(&err);
	if (docker_network_create(b, &spec, &id, &err) < 0) {
		pool_record(&sh->fleet, b->name, &err);
		return cmd_fail(sh, &err);
	}
	pool_record(&sh->fleet, b->name, NULL);
	obj_cache_put(sh, b, STORE_NETWORKS, NULL);
	if (args_has(a, "json")) {
		json_t *doc = json_pack("{s:s, s:s, s:s}", "Id", id, "Name", spec.name, "Host", b->name);

		ret = doc ? output_result(sh, output_json(sh, doc)) : error(sh, "out of memory");
		json_decref(doc);
	} else {
		ret = output_result(sh, out_printf(sh, "%s\n", id));
	}
	free(id);
	return ret;
}

/* --- list --------------------------------------------------------------- */

static int print_list(struct shell *sh, const struct args *a, const struct obj_listing *l)
{
	const char *headers[6], *cells[6];
	struct table t;
	json_t *net;
	size_t h, i, k = 0;
	int ret;

	if (args_has(a, "json")) {
		json_t *all = obj_listing_json(l);

		ret = all ? output_result(sh, output_json(sh, all)) : error(sh, "out of memory");
		json_decref(all);
		return ret;
	}
	if (l->multi)
		headers[k++] = "HOST";
	headers[k++] = "NETWORK ID";
	headers[k++] = "NAME";
	headers[k++] = "DRIVER";
	headers[k++] = "SCOPE";
	headers[k] = NULL;
	table_initv(&t, headers);
	for (h = 0; h < l->n; h++) {
		json_array_foreach(l->v[h].rows, i, net) {
			char id[16];

			fmt_short_id(id, sizeof(id), jstr(net, "Id"));
			if (args_has(a, "quiet")) {
				if (out_printf(sh, "%s\n", id) < 0)
					goto done;
				continue;
			}
			k = 0;
			if (l->multi)
				cells[k++] = l->v[h].name;
			cells[k++] = id;
			cells[k++] = jstr(net, "Name");
			cells[k++] = jstr(net, "Driver");
			cells[k++] = jstr(net, "Scope");
			table_add_rowv(&t, cells);
		}
	}
done:
	ret = args_has(a, "quiet") ? output_result(sh, sh->out_closed ? -1 : 0)
				   : output_result(sh, table_print(sh, &t));
	table_release(&t);
	return ret;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct obj_listing l;
	size_t nf;
	const char *const *f = obj_filters(a, &nf);
	int ret;

	ret = obj_list(sh, a, docker_network_list, STORE_NETWORKS, f, nf, &l);
	if (l.answered) {
		int rc = print_list(sh, a, &l);
		if (rc != CMD_OK)
			ret = rc;
	}
	obj_listing_release(&l);
	return ret;
}

/* --- inspect ------------------------------------------------------------ */

/* The IPAM configs as "10.9.0.0/24 via 10.9.0.1" lines. */
static char *subnet_lines(const json_t *net)
{
	struct strbuf out = STRBUF_INIT;
	json_t *cfg;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(net, "IPAM"), "Config"), i, cfg) {
		strbuf_addf(&out, "%s%s", out.len ? "\n" : "", jstr(cfg, "Subnet"));
		if (*jstr(cfg, "Gateway"))
			strbuf_addf(&out, " via %s", jstr(cfg, "Gateway"));
	}
	return strbuf_detach(&out);
}

/* The attached containers' names, and the labels, as lines. */
static char *object_lines(const json_t *obj, const char *field)
{
	struct strbuf out = STRBUF_INIT;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		if (field)
			strbuf_addf(&out, "%s%s %s", out.len ? "\n" : "", jstr(v, field),
				    jstr(v, "IPv4Address"));
		else
			strbuf_addf(&out, "%s%s=%s", out.len ? "\n" : "", k,
				    json_string_value(v) ? json_string_value(v) : "");
	}
	return strbuf_detach(&out);
}

static int print_network(struct shell *sh, const json_t *net)
{
	char *subnets = subnet_lines(net);
	char *conts = object_lines(json_object_get(net, "Containers"), "Name");
	char *labels = object_lines(json_object_get(net, "Labels"), NULL);
	struct table kv;
	int ret;

	table_init(&kv, "KEY", "VALUE", NULL);
	table_add_row(&kv, "Name", jstr(net, "Name"));
	table_add_row(&kv, "ID", jstr(net, "Id"));
	table_add_row(&kv, "Driver", jstr(net, "Driver"));
	table_add_row(&kv, "Scope", jstr(net, "Scope"));
	table_add_row(&kv, "Created", jstr(net, "Created"));
	table_add_row(&kv, "Subnets", subnets);
	table_add_row(&kv, "Internal", json_is_true(json_object_get(net, "Internal")) ? "true" : "false");
	table_add_row(&kv, "Containers", conts);
	table_add_row(&kv, "Labels", labels);
	ret = kv_print(sh, &kv);
	table_release(&kv);
	free(subnets);
	free(conts);
	free(labels);
	return ret;
}

static int exec_inspect(struct shell *sh, struct args *a)
{
	return obj_inspect(sh, a, "network", docker_network_inspect, print_network);
}

/* --- delete ------------------------------------------------------------- */

static int delete_one(struct shell *sh, struct backend *b, const char *ref, json_t *obj, void *ud)
{
	struct berr err;

	(void)obj;
	berr_clear(&err);
	if (docker_network_delete(b, ref, &err) < 0) {
		pool_record(&sh->fleet, b->name, &err);
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? OBJ_STOP : OBJ_FAILED;
	}
	pool_record(&sh->fleet, b->name, NULL);
	obj_cache_put(sh, b, STORE_NETWORKS, ud);
	return out_printf(sh, "%s\n", ref) < 0 ? OBJ_STOP : OBJ_DONE;
}

static int exec_delete(struct shell *sh, struct args *a)
{
	int record = 1; /* write through to the cache (until the store fails) */

	return obj_each(sh, a, "network", docker_network_inspect, 0, delete_one, &record);
}

/* --- connect, disconnect ------------------------------------------------ */

/* The host of the container a->argv[1]; NULL after the error was said. */
static struct backend *container_host(struct shell *sh, struct args *a, struct resolver *r)
{
	struct pool_want want;
	struct backend *b = NULL;
	struct berr err;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(r, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(r, a->argv[1], &b, &err) < 0) {
		cmd_fail(sh, &err);
		return NULL;
	}
	return b;
}

static int exec_connect_or_disconnect(struct shell *sh, struct args *a, int connect)
{
	struct resolver r = { 0 };
	struct backend *b;
	struct berr err;
	size_t naliases;
	const char *const *aliases = connect ? args_list(a, "alias", &naliases) : NULL;
	int ret = CMD_ERROR, rc;

	if (!(b = container_host(sh, a, &r)))
		goto cleanup;
	berr_clear(&err);
	rc = connect ? docker_network_connect(b, a->argv[0], a->argv[1], aliases,
					      aliases ? naliases : 0, &err)
		     : docker_network_disconnect(b, a->argv[0], a->argv[1], args_has(a, "force"), &err);
	pool_record(&sh->fleet, b->name, rc < 0 ? &err : NULL);
	ret = rc < 0 ? cmd_fail(sh, &err) : CMD_OK;
cleanup:
	resolver_release(&r);
	return ret;
}

static int exec_connect(struct shell *sh, struct args *a)
{
	return exec_connect_or_disconnect(sh, a, 1);
}

static int exec_disconnect(struct shell *sh, struct args *a)
{
	return exec_connect_or_disconnect(sh, a, 0);
}

/* --- prune -------------------------------------------------------------- */

static int exec_prune(struct shell *sh, struct args *a)
{
	size_t nf;
	const char *const *f = obj_filters(a, &nf);
	int ret = obj_confirm(sh, a, "WARNING! This will remove all custom networks not used by at "
			      "least one container.");

	if (ret != 1)
		return ret ? ret : CMD_OK;
	return obj_prune(sh, a, docker_network_prune, STORE_NETWORKS, f, nf, "NetworksDeleted",
			 "Deleted Networks:");
}
