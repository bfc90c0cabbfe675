/* host.c: the host commands: which engines berth knows and which one
 * commands go to. */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "backends/backend.h"
#include "lib/text.h"

static int exec_list(struct shell *sh, struct args *a);
static int exec_use(struct shell *sh, struct args *a);
static int exec_info(struct shell *sh, struct args *a);
static int exec_add(struct shell *sh, struct args *a);
static int exec_remove(struct shell *sh, struct args *a);
static int exec_import_contexts(struct shell *sh, struct args *a);
static int exec_probe(struct shell *sh, struct args *a);
static int exec_activate(struct shell *sh, struct args *a);
static int exec_deactivate(struct shell *sh, struct args *a);
static int exec_drain(struct shell *sh, struct args *a);
static int exec_slots(struct shell *sh, struct args *a);

static const struct opt_spec add_opts[] = {
	{ .long_name = "tls-dir", .type = OPT_VALUE, .metavar = "DIR",
	  .help = "directory with ca.pem, cert.pem and key.pem for mutual TLS", .kind = ARG_FILE },
	{ .long_name = "tls-name", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "the DNS name in the engine's certificate, reached at the URL's address" },
	{ .long_name = "insecure", .type = OPT_FLAG, .help = "allow plain HTTP to a tcp:// URL" },
	{ .long_name = "slots", .type = OPT_VALUE, .metavar = "N",
	  .help = "the host's capacity in slots (default: engine memory / pool.slot_memory)" },
	OPT_END
};

static const struct opt_spec reason_opts[] = {
	{ .long_name = "reason", .type = OPT_VALUE, .metavar = "TEXT",
	  .help = "why, recorded in the host's history" },
	OPT_END
};

const struct cmd_entry cmd_host_list_entry = {
	.noun = "host",
	.verb = "list",
	.alias = "ls",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list the hosts berth knows",
	.flags = CMD_F_JSON | CMD_F_QUIET,
	.exec = exec_list,
};
static const struct opt_spec use_opts[] = {
	{ .long_name = "pool", .type = OPT_FLAG,
	  .help = "unpin: act on the pool of active hosts again" },
	OPT_END
};

const struct cmd_entry cmd_host_use_entry = {
	.noun = "host",
	.verb = "use",
	.options = use_opts,
	.args_min = 0,
	.args_max = 1,
	.usage = "[NAME]",
	.summary = "send the following commands to host NAME (--pool: to the pool)",
	.arg_kind = ARG_HOST,
	.exec = exec_use,
};
const struct cmd_entry cmd_host_info_entry = {
	.noun = "host",
	.verb = "info",
	.args_min = 0,
	.args_max = 1,
	.usage = "[NAME]",
	.summary = "show a host's engine: version, API version, CPUs, memory, counts",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_HOST,
	.exec = exec_info,
};

const struct cmd_entry cmd_host_add_entry = {
	.noun = "host",
	.verb = "add",
	.options = add_opts,
	.args_min = 2,
	.args_max = 2,
	.usage = "NAME URL",
	.summary = "register a host (unix:///PATH or tcp://HOST:PORT) in the store",
	.exec = exec_add,
};
const struct cmd_entry cmd_host_remove_entry = {
	.noun = "host",
	.verb = "remove",
	.alias = "rm",
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "forget a registered host and its cached containers and images (the engine is not touched)",
	.arg_kind = ARG_HOST,
	.exec = exec_remove,
};
const struct cmd_entry cmd_host_import_contexts_entry = {
	.noun = "host",
	.verb = "import-contexts",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "register the endpoints of the docker CLI's contexts (~/.docker/contexts)",
	.flags = CMD_F_JSON,
	.exec = exec_import_contexts,
};
const struct cmd_entry cmd_host_probe_entry = {
	.noun = "host",
	.verb = "probe",
	.args_min = 0,
	.args_max = -1,
	.usage = "[NAME...]",
	.summary = "ping hosts (default: spawned and inactive ones that are due) and bring those that answer into service",
	.flags = CMD_F_JSON,
	.arg_kind = ARG_HOST,
	.exec = exec_probe,
};
const struct cmd_entry cmd_host_activate_entry = {
	.noun = "host",
	.verb = "activate",
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "put a host (back) into service: active, not drained",
	.arg_kind = ARG_HOST,
	.exec = exec_activate,
};
const struct cmd_entry cmd_host_deactivate_entry = {
	.noun = "host",
	.verb = "deactivate",
	.options = reason_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "take a host out of service (inactive) until host activate",
	.arg_kind = ARG_HOST,
	.exec = exec_deactivate,
};
const struct cmd_entry cmd_host_drain_entry = {
	.noun = "host",
	.verb = "drain",
	.options = reason_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "place no new containers on a host; what runs there stays",
	.arg_kind = ARG_HOST,
	.exec = exec_drain,
};
const struct cmd_entry cmd_host_slots_entry = {
	.noun = "host",
	.verb = "slots",
	.args_min = 2,
	.args_max = 2,
	.usage = "NAME N|auto",
	.summary = "set a host's capacity in slots, or derive it from the engine's memory (auto)",
	.arg_kind = ARG_HOST,
	.exec = exec_slots,
};

/* --- exec bodies ------------------------------------------------------- */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/fanout.h"
#include "backends/pool/host_doc.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "lib/names.h"
#include "lib/xalloc.h"

static int host_uses_tls(const struct host_ref *h)
{
	return h->tls_verify || h->tls_dir || (h->url && !strncmp(h->url, "https://", 8));
}

static int is_current(struct shell *sh, const char *name)
{
	return sh->current_host && !strcmp(name, sh->current_host);
}

/* --- host list ------------------------------------------------------------ */

/* What host list shows beside the documents. */
struct host_facts {
	int64_t containers; /* cached containers; -1 when the store cannot say */
	int64_t used;       /* slots of the cached live containers; -1 unknown */
	char *error;        /* owned: the engine's failure in this listing, or NULL */
};

/* The slots a container takes: its berth.slots label, 1 without one.
 * Labels with a '.' live in label_kv only ("berth.slots=2"): FerretDB
 * takes no dotted field names. */
static int64_t doc_slots(const bson_t *doc)
{
	static const char key[] = "berth.slots=";
	bson_iter_t it, kv;
	char *end;
	long long n;

	if (!bson_iter_init_find(&it, doc, "label_kv") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &kv))
		return 1;
	while (bson_iter_next(&kv)) {
		const char *v;

		if (!BSON_ITER_HOLDS_UTF8(&kv))
			continue;
		v = bson_iter_utf8(&kv, NULL);
		if (strncmp(v, key, sizeof(key) - 1))
			continue;
		v += sizeof(key) - 1;
		n = strtoll(v, &end, 10);
		return end == v || *end || n < 0 ? 1 : (int64_t)n;
	}
	return 1;
}

/* A container that holds its slots: not exited or dead. */
static int holds_slots(const char *state)
{
	static const char *const live[] = { "running", "created", "restarting", "paused", NULL };
	size_t i;

	for (i = 0; state && live[i]; i++)
		if (!strcmp(state, live[i]))
			return 1;
	return 0;
}

static int count_doc(void *ud, const bson_t *doc, struct berr *err)
{
	struct host_facts *f = ud;

	(void)err;
	f->containers++;
	if (holds_slots(store_doc_str(doc, "state")))
		f->used += doc_slots(doc);
	return 0;
}

/* Cached containers and the slots they hold, per host. The live recount
 * is placement's: a listing shows what the cache knows. */
static void count_containers(struct shell *sh, const struct host_list *l, struct host_facts *f)
{
	struct store *s = NULL;
	struct berr err;
	size_t i;

	berr_clear(&err);
	for (i = 0; i < l->n; i++)
		f[i].containers = f[i].used = -1;
	if (!l->store_ok || !(s = fleet_store(&sh->fleet, &err)))
		return;
	for (i = 0; i < l->n; i++) {
		bson_t sel;
		int rc;

		f[i].containers = f[i].used = 0;
		bson_init(&sel);
		BSON_APPEND_UTF8(&sel, "host", l->v[i].name);
		rc = store_find(s, STORE_CONTAINERS, &sel, NULL, count_doc, &f[i], &err);
		bson_destroy(&sel);
		if (rc < 0) {
			for (; i < l->n; i++)
				f[i].containers = f[i].used = -1;
			fleet_store_failed(&sh->fleet, &err);
			warning(sh, "cached container counts are unavailable: %s", err.msg);
			return;
		}
	}
}

/* A host's capacity: set by hand, else the engine's memory in slots of
 * pool.slot_memory (at least one); -1 when neither is known. */
static int64_t slots_total(struct shell *sh, const bson_t *doc)
{
	int64_t mem, per = sh->settings.pool_slot_memory > 0 ? sh->settings.pool_slot_memory
							      : (int64_t)512 << 20;
	struct host_doc hd;

	if (!doc)
		return -1;
	host_doc_read(doc, &hd);
	if (hd.slots > 0)
		return hd.slots;
	if ((mem = hd.engine.memory) <= 0)
		return -1;
	return mem / per > 0 ? mem / per : 1;
}

/* The engines of the hosts in service, asked for GET /info in one fan-out:
 * what they say (or that they did not) goes to their documents, and a
 * failure is named on stderr and kept for the row. Hosts out of service
 * are not asked: a probe is their way back. */
static void ask_engines(struct shell *sh, const struct host_list *l, struct host_facts *f)
{
	struct fanout_job *jobs = calloc(l->n ? l->n : 1, sizeof(*jobs));
	size_t *which = calloc(l->n ? l->n : 1, sizeof(*which));
	size_t i, nj = 0;
	int opened;

	if (!jobs || !which)
		abort();
	for (i = 0; i < l->n; i++) {
		struct berr err;
		struct backend *b;

		if (strcmp(pool_host_state(l->v[i].doc), "active"))
			continue;
		if (!(b = fleet_backend_ref(&sh->fleet, &l->v[i], &err))) {
			f[i].error = strdup(err.msg);
			error(sh, "%s", err.msg);
			continue;
		}
		which[nj] = i;
		jobs[nj++].b = b;
	}
	if (nj)
		fanout_info(jobs, nj, NULL);
	opened = nj > 1 ? pool_records_begin(&sh->fleet) : 0; /* one write of the hosts */
	for (i = 0; i < nj; i++) {
		const char *name = l->v[which[i]].name;

		if (jobs[i].status == 0) {
			pool_record_answer(&sh->fleet, name, jobs[i].reply);
			continue;
		}
		if (jobs[i].err.kind != BERR_INTERRUPTED)
			pool_record(&sh->fleet, name, &jobs[i].err);
		f[which[i]].error = strdup(jobs[i].err.msg);
		error(sh, "%s", jobs[i].err.msg);
	}
	pool_records_end(&sh->fleet, opened);
	fanout_jobs_release(jobs, nj);
	free(jobs);
	free(which);
}

/* A host as JSON: its store document (settings from the configuration for
 * a configured host), or what berth knows without one. */
static json_t *host_json(struct shell *sh, const struct host_ref *h, const struct host_facts *f)
{
	json_t *o = host_doc_json(h->doc, h->name, h->url, h->tls_dir, h->insecure);
	int64_t total = slots_total(sh, h->doc);
	json_t *slots;

	if (!o)
		return NULL;
	json_object_set_new(o, "Source", json_string(h->from_config ? "config" : "store"));
	json_object_set_new(o, "Containers", f->containers >= 0 ? json_integer(f->containers) : json_null());
	slots = json_pack("{s:o, s:o}", "Used", f->used >= 0 ? json_integer(f->used) : json_null(),
			  "Total", total > 0 ? json_integer(total) : json_null());
	json_object_set_new(o, "Slots", slots ? slots : json_null());
	json_object_set_new(o, "Error", f->error ? json_string(f->error) : json_null());
	json_object_set_new(o, "Current", json_boolean(is_current(sh, h->name)));
	return o;
}

/* The row of one host. */
static void host_row(struct shell *sh, struct table *t, const struct host_ref *h,
		     const struct host_facts *f, time_t now)
{
	struct host_doc hd;
	const char *reason, *engine;
	int64_t seen, changed, total = slots_total(sh, h->doc);
	char ncont[32], ago[64], age[64], slots[64], st[64];
	char *why;

	host_doc_read(h->doc, &hd);
	reason = hd.state_reason;
	engine = hd.engine.version;
	seen = hd.last_seen;
	changed = hd.state_changed;
	snprintf(st, sizeof(st), "%s%s", hd.state, hd.drained ? ",drained" : "");
	/* a long reason (an engine's error) is cut: --json has it whole */
	why = str_ellipsize(reason && *reason ? reason : "-", 40);
	if (f->containers >= 0)
		snprintf(ncont, sizeof(ncont), "%lld", (long long)f->containers);
	else
		snprintf(ncont, sizeof(ncont), "-");
	if (seen)
		fmt_ago(ago, sizeof(ago), (time_t)(seen / 1000), now);
	else
		snprintf(ago, sizeof(ago), "-");
	if (changed)
		fmt_duration(age, sizeof(age), now > changed / 1000 ? (int64_t)now - changed / 1000 : 0);
	else
		snprintf(age, sizeof(age), "-");
	if (total > 0 && f->used >= 0)
		snprintf(slots, sizeof(slots), "%lld/%lld", (long long)f->used, (long long)total);
	else if (total > 0)
		snprintf(slots, sizeof(slots), "-/%lld", (long long)total);
	else
		snprintf(slots, sizeof(slots), "-");
	table_add_row(t, h->name, h->url ? h->url : "-",
		      !h->url ? "-" : host_uses_tls(h) ? "yes" : h->insecure ? "no (insecure)" : "no",
		      st, why ? why : "-", age, slots, engine ? engine : "-", ncont, ago,
		      is_current(sh, h->name) ? "*" : "");
	free(why);
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct host_list l;
	struct table t;
	struct host_facts *facts = NULL;
	time_t now = time(NULL);
	json_t *doc = NULL, *o;
	size_t i;
	int ret = CMD_ERROR;

	hosts_list(&sh->fleet, HOSTS_WITH_DOC | HOSTS_SPAWNING, &l);
	if (args_has(a, "quiet")) {
		for (i = 0; i < l.n; i++)
			if (out_printf(sh, "%s\n", l.v[i].name) < 0) {
				ret = output_result(sh, -1);
				goto cleanup;
			}
		ret = CMD_OK;
		goto cleanup;
	}
	facts = calloc(l.n ? l.n : 1, sizeof(*facts));
	if (!facts) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	ask_engines(sh, &l, facts);
	if (l.store_ok) {
		/* what the engines said changed the documents (engine facts,
		 * maybe a state): show them as they are now */
		struct host_list fresh;

		hosts_list(&sh->fleet, HOSTS_WITH_DOC | HOSTS_SPAWNING, &fresh);
		if (fresh.n == l.n) {
			for (i = 0; i < l.n && !strcmp(l.v[i].name, fresh.v[i].name); i++)
				;
			if (i == l.n) {
				host_list_release(&l);
				l = fresh;
				memset(&fresh, 0, sizeof(fresh));
			}
		}
		host_list_release(&fresh);
	}
	count_containers(sh, &l, facts);

	if (args_has(a, "json")) {
		if (!(doc = json_array())) {
			ret = error(sh, "out of memory");
			goto cleanup;
		}
		for (i = 0; i < l.n; i++) {
			o = host_json(sh, &l.v[i], &facts[i]);
			if (!o || json_array_append_new(doc, o) < 0) {
				ret = error(sh, "out of memory");
				goto cleanup;
			}
		}
		ret = output_result(sh, output_json(sh, doc));
		goto cleanup;
	}

	table_init(&t, "NAME", "URL", "TLS", "STATE", "REASON", "AGE", "SLOTS", "ENGINE", "CONTAINERS",
		   "LAST SEEN", "CURRENT", NULL);
	for (i = 0; i < l.n; i++)
		host_row(sh, &t, &l.v[i], &facts[i], now);
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
cleanup:
	json_decref(doc);
	if (facts)
		for (i = 0; i < l.n; i++)
			free(facts[i].error);
	free(facts);
	host_list_release(&l);
	return ret;
}

/* --- host use, host info ------------------------------------------------------ */

static int exec_use(struct shell *sh, struct args *a)
{
	if (args_has(a, "pool")) {
		if (a->argc)
			return usage_error(sh, "host use: give NAME or --pool, not both");
		shell_use_pool(sh);
		return CMD_OK;
	}
	if (!a->argc)
		return usage_error(sh, "host use needs NAME, or --pool for the whole pool (usage: host use [OPTIONS] [NAME])");
	/* Says "unknown host: x (known: ...)" itself. */
	return shell_set_host(sh, a->argv[0]);
}

static int exec_info(struct shell *sh, struct args *a)
{
	const char *name = a->argc > 0 ? a->argv[0] : NULL;
	struct backend *b;
	struct berr err;
	struct table kv;
	json_t *info = NULL;
	char mem[32], cpus[32], images[32], containers[128];
	int ret = CMD_ERROR;

	/* no NAME: --host NAME, the pinned host, or the pool when it is one host */
	if (name && args_has(a, "host"))
		return usage_error(sh, "host info: give NAME or --host NAME, not both");
	berr_clear(&err);
	if (name) {
		/* a name nobody knows is a usage error, as with --host */
		if (!(b = fleet_backend_for(&sh->fleet, name, &err)))
			return cmd_fail(sh, &err);
	} else if (!(b = cmd_backend(sh, a))) {
		return CMD_ERROR;
	}
	if (!name)
		name = b->name;
	berr_clear(&err);
	if (b->ops->info(b, &info, &err) < 0) {
		pool_record(&sh->fleet, name, &err);
		return error(sh, "%s", err.msg);
	}

	if (args_has(a, "json")) {
		json_object_set_new(info, "Host", json_string(b->name ? b->name : name));
		ret = output_result(sh, output_json(sh, info));
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
	ret = output_result(sh, kv_print(sh, &kv));
	table_release(&kv);
cleanup:
	/* what the engine said goes into the host's document (host list
	 * shows it); a store out of reach is a warning, not a failure */
	hosts_record_seen(&sh->fleet, name, info);
	json_decref(info);
	return ret;
}

/* --- host add, host remove ------------------------------------------------------ */

static int register_failed(struct shell *sh, const char *name, const struct berr *err)
{
	if (err->kind == BERR_USAGE)
		return usage_error(sh, "%s", err->msg);
	if (err->kind == BERR_CONFLICT)
		return error(sh, "%s", err->msg);
	return error(sh, "cannot register host %s: %s", name, err->msg);
}

/* "8" -> 8: a host's slots, 1 to 1000000. */
static int parse_slots(const char *v, int64_t *out)
{
	long long n;

	if (cmd_parse_whole(v, 1000000, &n) < 0)
		return -1;
	*out = (int64_t)n;
	return 0;
}

static int exec_add(struct shell *sh, struct args *a)
{
	struct pool_probe_result *res = NULL;
	json_t *info = NULL;
	const char *slots_arg = args_get(a, "slots");
	struct host_new h;
	struct berr err;
	size_t nres = 0;
	int64_t slots = 0;
	int ret;

	memset(&h, 0, sizeof(h));
	h.name = a->argv[0];
	h.url = a->argv[1];
	h.tls_dir = args_get(a, "tls-dir");
	h.insecure = args_has(a, "insecure");
	h.reason = "registered with host add";
	if (h.tls_dir && !*h.tls_dir)
		return usage_error(sh, "option --tls-dir needs a directory");
	h.tls_name = args_get(a, "tls-name");
	if (h.tls_name && !h.tls_dir)
		return usage_error(sh, "option --tls-name needs --tls-dir: the name is checked "
				   "against the engine's certificate");
	if (slots_arg && parse_slots(slots_arg, &slots) < 0)
		return usage_error(sh, "invalid --slots '%s': use a whole number of slots from 1 to 1000000",
				   CUT(slots_arg));
	if (hosts_check_new(&h, &err) < 0)
		return register_failed(sh, h.name, &err);
	/* who the engine is: a second host for a known one is refused */
	hosts_ask_new(&sh->fleet, &h, 1, &info);
	h.info = info;
	ret = hosts_register(&sh->fleet, &h, NULL, NULL, &err);
	json_decref(info);
	if (ret < 0)
		return register_failed(sh, h.name, &err);
	if (slots) {
		bson_t f;

		bson_init(&f);
		host_doc_set_slots(&f, slots);
		ret = pool_set_fields(&sh->fleet, h.name, &f, &err);
		bson_destroy(&f);
		if (ret < 0)
			return error(sh, "host %s was registered, but not its slots: %s", h.name, err.msg);
	}
	ret = output_result(sh, out_printf(sh, "%s\n", h.name));
	/* one ping: a host that answers joins the pool now; one that does
	 * not stays spawned, out of everyone's way, until a probe reaches it */
	if (pool_probe(&sh->fleet, &h.name, 1, POOL_PROBE_ADDED, &res, &nres, &err) == 0 && nres == 1 &&
	    !res[0].answered && res[0].err.kind != BERR_INTERRUPTED)
		warning(sh, "%s does not answer yet (%s); it stays spawned until 'host probe %s' or housekeeping reaches it",
			h.name, res[0].err.msg, h.name);
	pool_probe_results_release(res, nres);
	return ret;
}

static int exec_remove(struct shell *sh, struct args *a)
{
	const char *name = a->argv[0];
	struct berr err;
	int removed, rc;

	rc = hosts_unregister(&sh->fleet, name, &removed, &err);
	if (removed && sh->current_host && !strcmp(sh->current_host, name)) {
		/* back where the session started: default_host, or the pool */
		if (sh->settings.default_host_set && sh->settings.default_host)
			shell_set_host(sh, sh->settings.default_host);
		else
			shell_use_pool(sh);
	}
	if (rc < 0) {
		if (err.kind == BERR_CONNECT || err.kind == BERR_TIMEOUT || err.kind == BERR_LOCAL ||
		    err.kind == BERR_PROTOCOL)
			return error(sh, "cannot remove host %s: %s", name, err.msg);
		return cmd_fail(sh, &err);
	}
	return output_result(sh, out_printf(sh, "%s\n", name));
}

/* --- host states --------------------------------------------------------- */

/* "lab: inactive -> active (probe answered)": a state change, on stdout. */
static int say_change(struct shell *sh, const char *host, const char *from, const char *to,
		      const char *reason)
{
	return out_printf(sh, "%s: %s -> %s%s%s%s\n", host, from, to, reason ? " (" : "",
			  reason ? reason : "", reason ? ")" : "");
}

static json_t *probe_json(const struct pool_probe_result *r)
{
	char when[64];

	return json_pack("{s:s, s:b, s:s, s:s, s:o, s:o, s:I, s:o}", "Host", r->host,
			 "Answered", r->answered, "Before", r->before, "After", r->after,
			 "Reason", r->reason ? json_string(r->reason) : json_null(),
			 "Error", r->answered ? json_null() : json_string(r->err.msg),
			 "ElapsedMs", (json_int_t)r->elapsed_ms,
			 "NextProbe", r->next_probe_ms ?
			 json_string(store_fmt_date(when, sizeof(when), r->next_probe_ms)) : json_null());
}

static int exec_probe(struct shell *sh, struct args *a)
{
	struct pool_probe_result *res = NULL;
	json_t *out = NULL, *o;
	size_t n = 0, i;
	struct berr err;
	int ret, failed = 0, json = args_has(a, "json");

	if (pool_probe(&sh->fleet, (const char *const *)a->argv, (size_t)a->argc, 0, &res, &n,
		       &err) < 0)
		return cmd_fail(sh, &err);
	if (json && !(out = json_array())) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const struct pool_probe_result *r = &res[i];

		if (out) {
			o = probe_json(r);
			if (!o || json_array_append_new(out, o) < 0) {
				ret = error(sh, "out of memory");
				goto cleanup;
			}
		} else if (r->reason && strcmp(r->before, r->after) &&
			   say_change(sh, r->host, r->before, r->after, r->reason) < 0) {
			ret = output_result(sh, -1);
			goto cleanup;
		}
		/* hosts named by hand that did not answer are a failure;
		 * the due ones of a bare probe (cron) are business as usual */
		if (a->argc && !r->answered) {
			if (r->err.kind != BERR_INTERRUPTED)
				error(sh, "%s", r->err.msg);
			failed = 1;
		}
	}
	ret = out ? output_result(sh, output_json(sh, out)) : CMD_OK;
	if (ret == CMD_OK && failed)
		ret = CMD_ERROR;
cleanup:
	json_decref(out);
	pool_probe_results_release(res, n);
	return ret;
}

/* host's document as it is, for a transition by hand: 0 found (ref
 * filled), or the command's status after the error was said (an unknown
 * name is a usage error). */
static int read_host(struct shell *sh, const char *name, struct host_ref *ref)
{
	struct berr err, uerr;
	int rc;

	berr_clear(&err);
	rc = hosts_find(&sh->fleet, name, HOSTS_WITH_DOC, ref, &err);
	if (rc < 0)
		return error(sh, "cannot change host %s: %s", name, err.msg);
	if (rc == 0) {
		fleet_unknown_host(&sh->fleet, name, NULL, &uerr);
		return cmd_fail(sh, &uerr);
	}
	if (host_is_adhoc(name)) {
		host_ref_release(ref);
		return usage_error(sh, "host %s was named by its URL (-H); it has no state to change",
				   CUT(name));
	}
	return 0;
}

static int change_failed(struct shell *sh, const char *name, const struct berr *err)
{
	if (err->kind == BERR_NOT_FOUND || err->kind == BERR_USAGE)
		return cmd_fail(sh, err);
	return error(sh, "cannot change host %s: %s", name, err->msg);
}

/* The --reason given, or what the command is called. */
static const char *reason_of(struct shell *sh, struct args *a, const char *dflt, int *bad)
{
	const char *r = args_get(a, "reason");

	*bad = 0;
	if (!r)
		return dflt;
	if (!*r) {
		*bad = usage_error(sh, "option --reason needs a text (why the host is changed)");
		return NULL;
	}
	return r;
}

/* The transition of a hand command, said as "lab: active -> inactive
 * (reason)"; shown_before/after are how the states are shown. Takes extra
 * and ref over. */
static int hand_transition(struct shell *sh, const char *name, struct host_ref *ref,
			   const char *state, const char *reason, bson_t *extra,
			   const char *shown_before, const char *shown_after)
{
	struct berr err;
	int ret = pool_transition(&sh->fleet, name, ref->doc, state, reason, extra, &err);

	bson_destroy(extra);
	if (ret < 0)
		ret = change_failed(sh, name, &err);
	else
		ret = output_result(sh, say_change(sh, name, shown_before, shown_after, reason));
	host_ref_release(ref);
	return ret;
}

static int exec_activate(struct shell *sh, struct args *a)
{
	int rc;
	const char *name = a->argv[0];
	struct host_ref ref;
	struct host_doc hd;
	const char *state;
	int drained;
	bson_t extra;

	if ((rc = read_host(sh, name, &ref)) < 0)
		return rc;
	host_doc_read(ref.doc, &hd);
	state = hd.state;
	drained = hd.drained;
	if (!strcmp(state, "active") && !drained) {
		host_ref_release(&ref);
		return output_result(sh, out_printf(sh, "%s: already active\n", name));
	}
	bson_init(&extra);
	host_doc_set_drained(&extra, 0);
	host_doc_set_no_errors(&extra, 0);
	host_doc_set_no_probes(&extra);
	return hand_transition(sh, name, &ref, "active", "host activate", &extra,
			       drained && !strcmp(state, "active") ? "active,drained" : state,
			       "active");
}

static int exec_deactivate(struct shell *sh, struct args *a)
{
	int rc;
	const char *name = a->argv[0];
	struct host_ref ref;
	const char *reason, *state;
	bson_t extra;
	int bad;

	if (!(reason = reason_of(sh, a, "host deactivate", &bad)))
		return bad;
	if ((rc = read_host(sh, name, &ref)) < 0)
		return rc;
	state = pool_host_state(ref.doc);
	bson_init(&extra);
	/* by hand: housekeeping's probes leave it alone */
	host_doc_set_no_probes(&extra);
	return hand_transition(sh, name, &ref, "inactive", reason, &extra, state, "inactive");
}

static int exec_drain(struct shell *sh, struct args *a)
{
	int rc;
	const char *name = a->argv[0];
	struct host_ref ref;
	struct host_doc hd;
	const char *reason, *state;
	bson_t extra;
	int bad;

	if (!(reason = reason_of(sh, a, "host drain", &bad)))
		return bad;
	if ((rc = read_host(sh, name, &ref)) < 0)
		return rc;
	host_doc_read(ref.doc, &hd);
	state = hd.state;
	if (hd.drained) {
		host_ref_release(&ref);
		return output_result(sh, out_printf(sh, "%s: already drained\n", name));
	}
	bson_init(&extra);
	host_doc_set_drained(&extra, 1);
	/* the state stays; the drain is dated and kept in the history */
	return hand_transition(sh, name, &ref, state, reason, &extra, state,
			       strcmp(state, "active") ? state : "active,drained");
}

static int exec_slots(struct shell *sh, struct args *a)
{
	int rc;
	const char *name = a->argv[0], *v = a->argv[1];
	struct host_ref ref;
	struct berr err;
	int64_t slots = 0;
	bson_t f;
	int ret;

	if (strcmp(v, "auto") && parse_slots(v, &slots) < 0)
		return usage_error(sh, "invalid slots '%s' for host %s: use a whole number from 1 to 1000000, or auto",
				   CUT(v), CUT(name));
	if ((rc = read_host(sh, name, &ref)) < 0)
		return rc;
	host_ref_release(&ref);
	bson_init(&f);
	host_doc_set_slots(&f, slots);
	ret = pool_set_fields(&sh->fleet, name, &f, &err);
	bson_destroy(&f);
	if (ret < 0)
		return change_failed(sh, name, &err);
	if (slots)
		return output_result(sh, out_printf(sh, "%s: %lld slot%s\n", name, (long long)slots,
						    slots == 1 ? "" : "s"));
	return output_result(sh, out_printf(sh, "%s: slots from the engine's memory (one per %lld MiB)\n",
					    name, (long long)(sh->settings.pool_slot_memory >> 20)));
}

/* --- host import-contexts ----------------------------------------------------------- */

/* The docker CLI's context store (github.com/docker/cli, cli/context/store):
 * CONFIG/contexts/meta/<sha256 of the name>/meta.json holds
 *   { "Name": ..., "Endpoints": { "docker": { "Host": URL, "SkipTLSVerify": bool } } }
 * and CONFIG/contexts/tls/<the same>/docker/{ca,cert,key}.pem the TLS
 * material, where CONFIG is $DOCKER_CONFIG or ~/.docker. Like the CLI we
 * walk the meta directories and take the name from meta.json; the TLS
 * directory is the one named like the meta directory. The "default"
 * context is the CLI's own DOCKER_HOST, with no directory. */

struct context {
	char *name;
	char *host;     /* the docker endpoint's URL, or NULL */
	int skip_verify;
	char *tls_dir;  /* the TLS directory when it exists, else NULL */
	char *problem;  /* why it cannot be read, or NULL */
	char *dirname;  /* the meta directory, for messages about unreadable ones */
	int ignore;     /* not a context directory at all */
};

/* Go's encoding/json matches keys without regard to case: so do we. */
static json_t *get_ci(const json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return NULL;
	if ((v = json_object_get(o, key)))
		return v;
	json_object_foreach((json_t *)o, k, v)
		if (!strcasecmp(k, key))
			return v;
	return NULL;
}

static char *docker_config_dir(void)
{
	const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");

	if (dc && *dc)
		return xasprintf("%s", dc);
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.docker", home);
}

static void read_context(const char *cfgdir, const char *dirname, struct context *c)
{
	char *meta = xasprintf("%s/contexts/meta/%s/meta.json", cfgdir, dirname);
	char *tls = xasprintf("%s/contexts/tls/%s/docker", cfgdir, dirname);
	json_error_t jerr;
	json_t *root, *ep, *v;
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->dirname = xasprintf("%s", dirname);
	root = NULL;
	/* as for the CLI, a directory without meta.json is no context */
	if (stat(meta, &st) < 0 && errno == ENOENT) {
		c->ignore = 1;
		goto cleanup;
	}
	root = json_load_file(meta, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		c->problem = xasprintf("cannot read %s: %s", meta, jerr.text);
		goto cleanup;
	}
	v = get_ci(root, "Name");
	if (!json_is_string(v) || !*json_string_value(v)) {
		c->problem = xasprintf("%s names no context", meta);
		goto cleanup;
	}
	c->name = xasprintf("%s", json_string_value(v));
	ep = get_ci(get_ci(root, "Endpoints"), "docker");
	v = get_ci(ep, "Host");
	if (json_is_string(v) && *json_string_value(v))
		c->host = xasprintf("%s", json_string_value(v));
	c->skip_verify = json_is_true(get_ci(ep, "SkipTLSVerify"));
	if (stat(tls, &st) == 0 && S_ISDIR(st.st_mode)) {
		c->tls_dir = tls;
		tls = NULL;
	}
cleanup:
	json_decref(root);
	free(meta);
	free(tls);
}

static void context_release(struct context *c)
{
	free(c->name);
	free(c->host);
	free(c->tls_dir);
	free(c->problem);
	free(c->dirname);
}

static int context_cmp(const void *a, const void *b)
{
	const struct context *x = a, *y = b;

	return strcmp(x->name ? x->name : x->dirname, y->name ? y->name : y->dirname);
}

/* Which of the three TLS files dir lacks, or NULL. */
static const char *missing_tls_file(const char *dir)
{
	static const char *const files[] = { "ca.pem", "cert.pem", "key.pem", NULL };
	char path[4096];
	int i;

	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, F_OK) < 0)
			return files[i];
	}
	return NULL;
}

static int exec_import_contexts(struct shell *sh, struct args *a)
{
	struct context *ctx = NULL;
	size_t nctx = 0, i, width = 0;
	char *cfgdir = NULL, *metadir = NULL;
	char **done_names = NULL, **done_urls = NULL;
	size_t ndone = 0;
	json_t *out = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int json = args_has(a, "json"), ret = CMD_ERROR;

	if (!(cfgdir = docker_config_dir())) {
		ret = error(sh, "cannot find the docker CLI's configuration: set DOCKER_CONFIG or HOME");
		goto cleanup;
	}
	metadir = xasprintf("%s/contexts/meta", cfgdir);
	if (!(d = opendir(metadir))) {
		if (errno != ENOENT) {
			ret = error(sh, "cannot read %s: %s", metadir, strerror(errno));
			goto cleanup;
		}
		warning(sh, "no docker CLI contexts in %s/contexts: nothing to import", cfgdir);
	}
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ctx = realloc(ctx, (nctx + 1) * sizeof(*ctx));
		if (!ctx)
			abort();
		read_context(cfgdir, de->d_name, &ctx[nctx++]);
	}
	if (ctx)
		qsort(ctx, nctx, sizeof(*ctx), context_cmp);
	if (json && !(out = json_array())) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}

	for (i = 0; i < nctx; i++) {
		struct context *c = &ctx[i];
		struct host_new h;
		struct berr err;
		bson_t doc;
		const char *missing;
		json_t *info;
		char *twin;
		int rc;

		if (c->ignore)
			continue;
		if (c->problem) {
			warning(sh, "skipping context directory %s: %s", c->dirname, c->problem);
			continue;
		}
		if (!strcmp(c->name, "default"))
			continue; /* the CLI's DOCKER_HOST: berth's local */
		if (!c->host) {
			warning(sh, "skipping context %s: it has no docker endpoint", c->name);
			continue;
		}
		if (!valid_host_name(c->name)) {
			warning(sh, "skipping context %s: a host name takes letters, digits, '-', '_' and '.'",
				c->name);
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.name = c->name;
		h.url = c->host;
		h.reason = "imported from the docker CLI's contexts";
		if (strncmp(c->host, "unix://", 7) && c->tls_dir) {
			if ((missing = missing_tls_file(c->tls_dir))) {
				warning(sh, "skipping context %s: its TLS directory %s has no %s (berth needs ca.pem, cert.pem and key.pem)",
					c->name, c->tls_dir, missing);
				continue;
			}
			h.tls_dir = c->tls_dir;
		} else if (!strncmp(c->host, "tcp://", 6) || !strncmp(c->host, "http://", 7)) {
			/* what the CLI does with this context: plain HTTP */
			h.insecure = 1;
		}
		info = NULL;
		if (hosts_check_new(&h, &err) == 0)
			hosts_ask_new(&sh->fleet, &h, 1, &info);
		h.info = info;
		rc = hosts_register(&sh->fleet, &h, &doc, &twin, &err);
		json_decref(info);
		if (rc < 0) {
			if (twin) {
				/* "ctx is the same engine as local (ID ...)" */
				warning(sh, "skipping context %s: %s", c->name, err.msg);
				free(twin);
				continue;
			}
			if (err.kind == BERR_CONFLICT) {
				warning(sh, "skipping context %s: host %s already exists", c->name, c->name);
				continue;
			}
			if (err.kind == BERR_USAGE) {
				warning(sh, "skipping context %s: %s", c->name, err.msg);
				continue;
			}
			/* the store failed: the rest would too */
			ret = error(sh, "cannot register context %s: %s", c->name, err.msg);
			goto cleanup;
		}
		if (h.insecure)
			warning(sh, "context %s: %s has no TLS material; registered as insecure (plain HTTP), as the docker CLI uses it",
				c->name, c->host);
		else if (h.tls_dir && c->skip_verify)
			warning(sh, "context %s skips TLS verification; berth verifies the engine's certificate",
				c->name);
		if (out) {
			json_t *o = store_doc_to_json(&doc);

			if (!o || json_array_append_new(out, o) < 0) {
				bson_destroy(&doc);
				ret = error(sh, "out of memory");
				goto cleanup;
			}
		}
		bson_destroy(&doc);
		done_names = realloc(done_names, (ndone + 1) * sizeof(*done_names));
		done_urls = realloc(done_urls, (ndone + 1) * sizeof(*done_urls));
		if (!done_names || !done_urls)
			abort();
		done_names[ndone] = c->name;
		done_urls[ndone] = c->host;
		ndone++;
		if (strlen(c->name) > width)
			width = strlen(c->name);
	}

	if (out) {
		ret = output_result(sh, output_json(sh, out));
		goto cleanup;
	}
	for (i = 0; i < ndone; i++)
		if (out_printf(sh, "%-*s  %s\n", (int)width, done_names[i], done_urls[i]) < 0) {
			ret = output_result(sh, -1);
			goto cleanup;
		}
	ret = CMD_OK;
cleanup:
	if (d)
		closedir(d);
	for (i = 0; i < nctx; i++)
		context_release(&ctx[i]);
	free(ctx);
	free(done_names);
	free(done_urls);
	json_decref(out);
	free(metadir);
	free(cfgdir);
	return ret;
}
