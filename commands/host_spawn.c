/* host_spawn.c: host spawn and host destroy: hosts berth makes on a
 * configured cloud and deletes again (backends/pool/spawn.h). */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"

static int exec_spawn(struct shell *sh, struct args *a);
static int exec_destroy(struct shell *sh, struct args *a);

static const struct opt_spec spawn_opts[] = {
	{ .long_name = "cloud", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "the cloud profile (default: default_cloud, or the only one)" },
	{ .long_name = "count", .type = OPT_VALUE, .metavar = "N",
	  .help = "spawn N hosts at once (1 to 100; default 1)" },
	{ .long_name = "name", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "the host's name (with --count, NAME-1, NAME-2, ...; default PROFILE-N)" },
	{ .long_name = "flavor", .type = OPT_VALUE, .metavar = "F",
	  .help = "OpenStack flavor instead of the profile's" },
	{ .long_name = "instance-type", .type = OPT_VALUE, .metavar = "T",
	  .help = "EC2 instance type instead of the profile's" },
	{ .long_name = "image", .type = OPT_VALUE, .metavar = "I",
	  .help = "image (OpenStack) or AMI (EC2) instead of the profile's" },
	{ .long_name = "slots", .type = OPT_VALUE, .metavar = "N",
	  .help = "the hosts' capacity in slots (default: the profile's, else engine memory / pool.slot_memory)" },
	{ .long_name = "timeout", .type = OPT_VALUE, .metavar = "DURATION",
	  .help = "give up on a host after this long (default: spawn_timeout + engine_timeout)" },
	{ .long_name = "no-wait", .type = OPT_FLAG,
	  .help = "return once the VMs are created (cloud reconcile brings them into service)" },
	{ .long_name = "dry-run", .type = OPT_FLAG,
	  .help = "print the requests and the user-data, create nothing" },
	{ .long_name = "keep-on-failure", .type = OPT_FLAG,
	  .help = "leave a failed host's VM and resources in the cloud (to look at)" },
	OPT_END
};

static const struct opt_spec destroy_opts[] = {
	{ .long_name = "force", .type = OPT_FLAG,
	  .help = "destroy hosts that still have containers" },
	OPT_END
};

const struct cmd_entry cmd_host_spawn_entry = {
	.noun = "host",
	.verb = "spawn",
	.options = spawn_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "create hosts on a configured cloud: VMs running Docker over mutual TLS, in the pool",
	.flags = CMD_F_JSON,
	.exec = exec_spawn,
};

const struct cmd_entry cmd_host_destroy_entry = {
	.noun = "host",
	.verb = "destroy",
	.options = destroy_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "NAME...",
	.summary = "delete spawned hosts' VMs and what berth made for them (refused while containers are there)",
	.arg_kind = ARG_HOST,
	.exec = exec_destroy,
};

/* --- exec bodies ------------------------------------------------------- */

#include <stdlib.h>
#include <string.h>
#include "backends/cloud/cloud.h"
#include "backends/pool/spawn.h"
#include "lib/text.h"
#include "lib/units.h"

/* The options into o; CMD_OK or the usage error's status. */
static int spawn_options(struct shell *sh, struct args *a, struct spawn_opts *o)
{
	const char *v, *flavor = args_get(a, "flavor"), *itype = args_get(a, "instance-type");
	struct berr err;
	long long count = 1, slots = 0;
	int ec2;

	memset(o, 0, sizeof(*o));
	if ((v = args_get(a, "count")) && cmd_parse_whole(v, SPAWN_MAX_COUNT, &count) < 0)
		return usage_error(sh, "invalid --count '%s': use a whole number from 1 to %d", CUT(v),
				   SPAWN_MAX_COUNT);
	if ((v = args_get(a, "slots")) && cmd_parse_whole(v, 1000000, &slots) < 0)
		return usage_error(sh, "invalid --slots '%s': use a whole number of slots from 1 to 1000000",
				   CUT(v));
	o->count = (size_t)count;
	o->slots = (int64_t)slots;
	if ((v = args_get(a, "timeout")) && (parse_duration_ms(v, &o->timeout_ms) < 0 || o->timeout_ms <= 0))
		return usage_error(sh, "invalid --timeout '%s': use a duration such as 90s, 15m or 1h", CUT(v));
	if (flavor && itype)
		return usage_error(sh, "host spawn: give --flavor or --instance-type, not both");
	if ((v = args_get(a, "name")) && !*v)
		return usage_error(sh, "option --name needs a name");
	if (!(o->profile = spawn_profile(&sh->fleet, args_get(a, "cloud"), &err)))
		return cmd_fail(sh, &err);
	ec2 = o->profile->driver && !strcmp(o->profile->driver, "ec2");
	if ((flavor && ec2) || (itype && !ec2))
		return usage_error(sh, "cloud %s uses the %s driver: give %s", o->profile->name,
				   o->profile->driver ? o->profile->driver : "?",
				   ec2 ? "--instance-type" : "--flavor");
	o->name = args_get(a, "name");
	o->flavor = flavor ? flavor : itype;
	o->image = args_get(a, "image");
	o->no_wait = args_has(a, "no-wait");
	o->keep_on_failure = args_has(a, "keep-on-failure");
	return CMD_OK;
}

/* The dry run: the plan as text, or as it is with --json. */
static int print_plan(struct shell *sh, const json_t *plan, int json)
{
	const json_t *sg = json_object_get(plan, "SecurityGroup"), *h, *tags, *v, *rule;
	const char *k;
	size_t i;

	if (json)
		return output_result(sh, output_json(sh, plan));
	rule = json_array_get(json_object_get(sg, "Rules"), 0);
	out_printf(sh, "cloud %s (%s%s%s), address %s\n", json_string_value(json_object_get(plan, "Cloud")),
		   json_string_value(json_object_get(plan, "Driver")),
		   json_is_string(json_object_get(plan, "Region")) ? ", region " : "",
		   json_is_string(json_object_get(plan, "Region")) ?
		   json_string_value(json_object_get(plan, "Region")) : "",
		   json_string_value(json_object_get(plan, "Address")));
	out_printf(sh, "security group %s: tcp %lld from %s, tag %s=%s\n",
		   json_string_value(json_object_get(sg, "Name")),
		   (long long)json_integer_value(json_object_get(rule, "Port")),
		   json_string_value(json_object_get(rule, "Cidr")), CLOUD_TAG_STORE,
		   json_string_value(json_object_get(json_object_get(sg, "Tags"), CLOUD_TAG_STORE)));
	json_array_foreach(json_object_get(plan, "Hosts"), i, h) {
		const json_t *vm = json_object_get(h, "VM");
		const char *name = json_string_value(json_object_get(h, "Name"));
		const char *ud = json_string_value(json_object_get(h, "UserData"));

		out_printf(sh, "%s: VM flavor %s, image %s, network %s, security group %s, client token %s, tags",
			   name, json_string_value(json_object_get(vm, "Flavor")) ?: "(none)",
			   json_string_value(json_object_get(vm, "Image")) ?: "(none)",
			   json_string_value(json_object_get(vm, "Network")) ?: "(default)",
			   json_string_value(json_object_get(vm, "SecurityGroup")),
			   json_string_value(json_object_get(vm, "ClientToken")));
		tags = json_object_get(vm, "Tags");
		json_object_foreach((json_t *)tags, k, v)
			out_printf(sh, " %s=%s", k, json_string_value(v));
		out_printf(sh, "\n%s: TLS name %s%s\n%s: user-data (%zu bytes):\n", name,
			   json_string_value(json_object_get(h, "TlsName")),
			   json_is_object(json_object_get(h, "Address")) ? ", a floating address" : "",
			   name, ud ? strlen(ud) : 0);
		if (out_printf(sh, "%s%s", ud ? ud : "", ud && *ud && ud[strlen(ud) - 1] != '\n' ? "\n" : "") < 0)
			return output_result(sh, -1);
	}
	return CMD_OK;
}

static json_t *result_json(const struct spawn_opts *o, const struct spawn_result *r)
{
	return json_pack("{s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:b}",
			 "Name", r->name ? json_string(r->name) : json_null(), "Cloud", o->profile->name,
			 "VmId", r->vm_id ? json_string(r->vm_id) : json_null(),
			 "Address", r->address ? json_string(r->address) : json_null(), "State", r->state,
			 "Error", r->ok ? json_null() : json_string(r->err.msg),
			 "RunningAfterMs", r->running_ms ? json_integer(r->running_ms - r->started_ms) : json_null(),
			 "ActiveAfterMs", r->active_ms ? json_integer(r->active_ms - r->started_ms) : json_null(),
			 "LeftBehind", r->left_behind);
}

static int print_results(struct shell *sh, const struct spawn_opts *o, const struct spawn_result *r,
			 size_t n, int json)
{
	struct table t;
	json_t *out;
	size_t i;
	int ret;

	if (json) {
		out = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(out, result_json(o, &r[i]));
		ret = output_result(sh, output_json(sh, out));
		json_decref(out);
		return ret;
	}
	table_init(&t, "NAME", "CLOUD", "VM ID", "ADDRESS", "STATE", NULL);
	for (i = 0; i < n; i++)
		table_add_row(&t, r[i].name ? r[i].name : "-", o->profile->name,
			      r[i].vm_id ? r[i].vm_id : "-", r[i].address ? r[i].address : "-", r[i].state);
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
	return ret;
}

static int exec_spawn(struct shell *sh, struct args *a)
{
	struct spawn_result *r = NULL;
	struct spawn_opts o;
	struct berr err;
	json_t *plan = NULL;
	size_t n = 0, i;
	int ret, failed = 0;

	if ((ret = spawn_options(sh, a, &o)) != CMD_OK)
		return ret;
	berr_clear(&err);
	if (args_has(a, "dry-run")) {
		if (spawn_plan(&sh->fleet, &o, &plan, &err) < 0)
			return cmd_fail(sh, &err);
		ret = print_plan(sh, plan, args_has(a, "json"));
		json_decref(plan);
		return ret;
	}
	if (spawn_hosts(&sh->fleet, &o, &r, &n, &err) < 0)
		return cmd_fail(sh, &err);
	for (i = 0; i < n; i++) {
		if (r[i].ok)
			continue;
		failed = 1;
		if (r[i].err.kind != BERR_INTERRUPTED)
			error(sh, "%s%s%s%s", r[i].name ? r[i].name : "", r[i].name ? ": " : "", r[i].err.msg,
			      r[i].left_behind && !o.keep_on_failure ? " (something may be left in the cloud: cloud reconcile)" : "");
	}
	ret = print_results(sh, &o, r, n, args_has(a, "json"));
	spawn_results_release(r, n);
	return failed || berth_interrupted ? CMD_ERROR : ret;
}

static int exec_destroy(struct shell *sh, struct args *a)
{
	struct destroy_result *r = NULL;
	struct berr err;
	size_t n = 0, i;
	int failed = 0, usage = 0;

	berr_clear(&err);
	if (spawn_destroy(&sh->fleet, (const char *const *)a->argv, (size_t)a->argc,
			  args_has(a, "force"), &r, &n, &err) < 0)
		return cmd_fail(sh, &err);
	for (i = 0; i < n; i++) {
		if (!r[i].ok) {
			failed = 1;
			usage |= r[i].err.kind == BERR_USAGE;
			if (r[i].err.kind != BERR_INTERRUPTED)
				error(sh, "%s", r[i].err.msg);
			continue;
		}
		if (sh->current_host && !strcmp(sh->current_host, r[i].name)) {
			if (sh->settings.default_host_set && sh->settings.default_host)
				shell_set_host(sh, sh->settings.default_host);
			else
				shell_use_pool(sh);
		}
		out_printf(sh, "%s: destroyed%s%s\n", r[i].name, r[i].vm_id ? " VM " : "",
			   r[i].vm_id ? r[i].vm_id : "");
	}
	destroy_results_release(r, n);
	if (usage && failed)
		return CMD_USAGE;
	return failed ? CMD_ERROR : CMD_OK;
}
