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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int printed(struct shell *sh, int rc)
{
	if (rc >= 0)
		return CMD_OK;
	if (sh->out_closed)
		return CMD_ERROR;
	return error(sh, "out of memory while formatting the output");
}

static int host_uses_tls(const struct host_config *h)
{
	return h->tls_verify || h->tls_dir || !strncmp(h->url, "https://", 8);
}

static int exec_list(struct shell *sh, struct args *a)
{
	const struct config *cfg = &sh->config;
	struct table t;
	json_t *doc, *o;
	size_t i;
	int ret;

	if (args_has(a, "json")) {
		if (!(doc = json_array()))
			return error(sh, "out of memory");
		for (i = 0; i < cfg->nhosts; i++) {
			const struct host_config *h = &cfg->hosts[i];
			o = json_pack("{s:s, s:s, s:b, s:b, s:b}", "Name", h->name, "URL", h->url,
				      "TLS", host_uses_tls(h), "Insecure", h->insecure,
				      "Current", sh->current_host && !strcmp(h->name, sh->current_host));
			if (!o || json_array_append_new(doc, o) < 0) {
				json_decref(doc);
				return error(sh, "out of memory");
			}
		}
		ret = printed(sh, output_json(sh, doc));
		json_decref(doc);
		return ret;
	}
	if (args_has(a, "quiet")) {
		for (i = 0; i < cfg->nhosts; i++)
			if (out_printf(sh, "%s\n", cfg->hosts[i].name) < 0)
				return printed(sh, -1);
		return CMD_OK;
	}
	table_init(&t, "NAME", "URL", "TLS", "CURRENT", NULL);
	for (i = 0; i < cfg->nhosts; i++) {
		const struct host_config *h = &cfg->hosts[i];
		table_add_row(&t, h->name, h->url,
			      host_uses_tls(h) ? "yes" : h->insecure ? "no (insecure)" : "no",
			      sh->current_host && !strcmp(h->name, sh->current_host) ? "*" : "");
	}
	ret = printed(sh, table_print(sh, &t));
	table_release(&t);
	return ret;
}

static int exec_use(struct shell *sh, struct args *a)
{
	/* Says "unknown host: x (known: ...)" itself. */
	return shell_set_host(sh, a->argv[0]) < 0 ? CMD_ERROR : CMD_OK;
}

static int exec_info(struct shell *sh, struct args *a)
{
	const char *name = a->argc > 0 ? a->argv[0] : sh->current_host;
	struct backend *b;
	struct berr err;
	struct table kv;
	json_t *info = NULL;
	char mem[32], cpus[32], images[32], containers[128];
	int ret = CMD_ERROR;

	if (!name)
		name = "local";
	if (!(b = shell_backend_for(sh, name)))
		return CMD_ERROR;
	berr_clear(&err);
	if (b->ops->info(b, &info, &err) < 0)
		return error(sh, "%s", err.msg);

	if (args_has(a, "json")) {
		json_object_set_new(info, "Host", json_string(b->name ? b->name : name));
		ret = printed(sh, output_json(sh, info));
		goto cleanup;
	}
	fmt_size_binary(mem, sizeof(mem), (int64_t)json_integer_value(json_object_get(info, "MemTotal")));
	snprintf(cpus, sizeof(cpus), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(info, "NCPU")));
	snprintf(images, sizeof(images), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(info, "Images")));
	{
		json_int_t running = json_integer_value(json_object_get(info, "ContainersRunning"));
		json_int_t paused = json_integer_value(json_object_get(info, "ContainersPaused"));
		json_int_t stopped = json_integer_value(json_object_get(info, "ContainersStopped"));
		int len = snprintf(containers, sizeof(containers), "%" JSON_INTEGER_FORMAT " (%"
				   JSON_INTEGER_FORMAT " running, ",
				   json_integer_value(json_object_get(info, "Containers")), running);
		if (paused && len > 0 && (size_t)len < sizeof(containers))
			len += snprintf(containers + len, sizeof(containers) - (size_t)len,
					"%" JSON_INTEGER_FORMAT " paused, ", paused);
		if (len > 0 && (size_t)len < sizeof(containers))
			snprintf(containers + len, sizeof(containers) - (size_t)len,
				 "%" JSON_INTEGER_FORMAT " stopped)", stopped);
	}
	table_init(&kv, "KEY", "VALUE", NULL);
	table_add_row(&kv, "Name", b->name ? b->name : name);
	table_add_row(&kv, "URL", b->url ? b->url : "");
	table_add_row(&kv, "Server Version", json_string_value(json_object_get(info, "ServerVersion")));
	table_add_row(&kv, "API Version", json_string_value(json_object_get(info, "ApiVersion")));
	table_add_row(&kv, "OS", json_string_value(json_object_get(info, "OperatingSystem")));
	table_add_row(&kv, "Kernel", json_string_value(json_object_get(info, "KernelVersion")));
	table_add_row(&kv, "CPUs", cpus);
	table_add_row(&kv, "Memory", mem);
	table_add_row(&kv, "Containers", containers);
	table_add_row(&kv, "Images", images);
	ret = printed(sh, kv_print(sh, &kv));
	table_release(&kv);
cleanup:
	json_decref(info);
	return ret;
}
