/* cloud.c: cloud list: the configured cloud profiles, their credentials
 * checked and berth's VMs counted, all profiles at once. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"
#include "backends/pool/cloud_status.h"
#include "backends/pool/fleet.h"
#include "backends/cloud/cloud.h"

static int exec_list(struct shell *sh, struct args *a);

const struct cmd_entry cmd_cloud_list_entry = {
	.noun = "cloud",
	.verb = "list",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list the configured clouds: driver, region, whether the credentials work, berth's VMs",
	.flags = CMD_F_JSON,
	.exec = exec_list,
};

static json_t *status_json(const struct cloud_status *st)
{
	return json_pack("{s:s, s:s?, s:s?, s:b, s:s?, s:o}", "Name", st->profile->name, "Driver",
			 st->profile->driver, "Region", st->region, "Credentials", st->ok,
			 "Error", st->error,
			 "VMs", st->nvms >= 0 ? json_integer((json_int_t)st->nvms) : json_null());
}

static int print_table(struct shell *sh, const struct cloud_status *v, size_t n)
{
	struct table t;
	size_t i;
	int rc;

	table_init(&t, "NAME", "DRIVER", "REGION", "CREDENTIALS", "VMS", NULL);
	for (i = 0; i < n; i++) {
		char vms[32];

		if (v[i].nvms >= 0)
			snprintf(vms, sizeof(vms), "%" PRId64, v[i].nvms);
		else
			snprintf(vms, sizeof(vms), "-");
		table_add_row(&t, v[i].profile->name, v[i].profile->driver,
			      v[i].region ? v[i].region : "-", v[i].ok ? "ok" : "failed", vms);
	}
	rc = table_print(sh, &t);
	table_release(&t);
	return rc;
}

/* Does msg already name the profile ("lab: ...", "cloud lab: ...")? */
static int names_profile(const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(msg, "cloud ", 6))
		msg += 6;
	return !strncmp(msg, name, n) && msg[n] == ':';
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct cloud_status *v = NULL;
	struct berr store_err;
	json_t *doc = NULL;
	size_t n = 0, i;
	int ret;

	cloud_statuses(&sh->fleet, &v, &n, &store_err);
	if (store_err.kind != BERR_NONE)
		fleet_warn(&sh->fleet, "cannot count berth's VMs: %s", store_err.msg);
	/* each failure's reason, one line naming the profile (the table has
	 * a word for it) */
	for (i = 0; i < n; i++) {
		int named;

		if (!v[i].error)
			continue;
		named = names_profile(v[i].error, v[i].profile->name);
		fleet_warn(&sh->fleet, "%s%s%s", named ? "" : v[i].profile->name, named ? "" : ": ",
			   v[i].error);
	}
	if (args_has(a, "json")) {
		doc = json_array();
		for (i = 0; doc && i < n; i++)
			if (json_array_append_new(doc, status_json(&v[i])) < 0) {
				json_decref(doc);
				doc = NULL;
			}
		ret = doc ? output_result(sh, output_json(sh, doc)) : error(sh, "out of memory");
		json_decref(doc);
	} else {
		ret = output_result(sh, print_table(sh, v, n));
	}
	cloud_statuses_release(v, n);
	return ret;
}
