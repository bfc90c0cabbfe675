/* container.c: the container commands. */
#include "config.h"

#include "commands/commands.h"
#include "commands/inspect.h"
#include "commands/container_show.h"
#include "commands/create_spec.h"
#include "commands/container_io.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "lib/units.h"
#include "lib/jsonval.h"
#include "lib/xalloc.h"
#include "lib/text.h"
#include "backends/pool/cache.h"
#include "backends/backend.h"
#include "commands/lifetime.h"
#include "backends/pool/placement.h"
#include "backends/fanout.h"
#include "backends/pool/pool.h"
#include "backends/pool/listing.h"
#include "backends/pool/resolve.h"

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
	{ .long_name = "name", .type = OPT_VALUE, .metavar = "NAME", .help = "name the container" },
	CREATE_SPEC_OPTIONS,
	{ .short_name = 't', .long_name = "tty", .type = OPT_FLAG,
	  .help = "allocate a pseudo-terminal" },
	CONTAINER_STDIN_OPTIONS,
	{ .long_name = "start", .type = OPT_FLAG, .help = "start the container once created" },
	{ .long_name = "template", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "start from a template (options given here override it)" },
	{ .long_name = "lifetime", .type = OPT_VALUE, .metavar = "DURATION",
	  .help = "let housekeeping delete it after this long (90s, 10m, 2h, 1d)" },
	{ .long_name = "count", .type = OPT_VALUE, .metavar = "N",
	  .help = "create N containers (NAME-1 ... NAME-N), spread over the pool" },
	{ .long_name = "no-distribute", .type = OPT_FLAG,
	  .help = "fail instead of copying the image to a chosen host that lacks it" },
	OPT_END
};

static const struct opt_spec stop_opts[] = {
	{ .short_name = 't', .long_name = "time", .type = OPT_VALUE, .metavar = "SECONDS",
	  .help = "seconds to wait for it to stop before killing it" },
	OPT_END
};

static const struct opt_spec delete_opts[] = {
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "stop running containers first" },
	OPT_END
};

static const struct opt_spec list_opts[] = {
	{ .short_name = 'a', .long_name = "all", .type = OPT_FLAG,
	  .help = "include stopped containers" },
	{ .short_name = 'f', .long_name = "filter", .type = OPT_LIST, .metavar = "KEY=VALUE",
	  .help = "label=K[=V], status=S, name=N, id=I, ancestor=IMAGE" },
	{ .long_name = "cached", .type = OPT_FLAG,
	  .help = "answer from the store without asking any engine" },
	{ .long_name = "mine", .type = OPT_FLAG,
	  .help = "only containers whose owner label is this user's" },
	OPT_END
};

static const struct opt_spec logs_opts[] = {
	{ .short_name = 'n', .long_name = "tail", .type = OPT_VALUE, .metavar = "N",
	  .help = "show only the last N lines" },
	{ .short_name = 'f', .long_name = "follow", .type = OPT_FLAG,
	  .help = "keep printing new output until Ctrl-C or the container stops" },
	{ .short_name = 't', .long_name = "timestamps", .type = OPT_FLAG,
	  .help = "prefix each line with its timestamp" },
	OPT_END
};

const struct cmd_entry cmd_container_create_entry = {
	.noun = "container",
	.verb = "create",
	.options = create_opts,
	.args_min = 0,
	.args_max = -1,
	.usage = "[IMAGE [CMD...]]",
	.summary = "create a container (and start it with --start)",
	.flags = CMD_F_JSON | CMD_F_ARGS_STOP | CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_create,
};
const struct cmd_entry cmd_container_start_entry = {
	.noun = "container",
	.verb = "start",
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "start containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_start,
};
const struct cmd_entry cmd_container_stop_entry = {
	.noun = "container",
	.verb = "stop",
	.options = stop_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "stop containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_stop,
};
const struct cmd_entry cmd_container_restart_entry = {
	.noun = "container",
	.verb = "restart",
	.options = stop_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "restart containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_restart,
};
const struct cmd_entry cmd_container_pause_entry = {
	.noun = "container",
	.verb = "pause",
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "pause the processes of containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_pause,
};
const struct cmd_entry cmd_container_unpause_entry = {
	.noun = "container",
	.verb = "unpause",
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "resume paused containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_unpause,
};
const struct cmd_entry cmd_container_delete_entry = {
	.noun = "container",
	.verb = "delete",
	.alias = "rm",
	.options = delete_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "delete containers",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_delete,
};
const struct cmd_entry cmd_container_list_entry = {
	.noun = "container",
	.verb = "list",
	.alias = "ls",
	.options = list_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list containers (running ones unless --all)",
	.flags = CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE,
	.exec = exec_list,
};
const struct cmd_entry cmd_container_inspect_entry = {
	.noun = "container",
	.verb = "inspect",
	.args_min = 1,
	.args_max = -1,
	.usage = "CONTAINER...",
	.summary = "show the details of containers",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_inspect,
};
const struct cmd_entry cmd_container_logs_entry = {
	.noun = "container",
	.verb = "logs",
	.options = logs_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "CONTAINER",
	.summary = "print a container's output",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_logs,
};

/* --- exec bodies ------------------------------------------------------- */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* --- create ------------------------------------------------------------- */

/* string_list, port_list, parse_publish, valid_restart: commands/create_spec.c,
 * shared with template add. */

/* --count: where each container goes and what became of it. */
struct one_create {
	struct backend *b;  /* borrowed; NULL: not tried (no image on its host) */
	char *name;         /* owned; NULL: the engine picks */
	char *id;           /* owned; set when the engine created it */
	json_t *engine_name; /* owned: the name the engine listed, or NULL */
	size_t ord;         /* its rank among its host's containers */
	size_t i;
};

static int by_rank(const void *x, const void *y)
{
	const struct one_create *const *a = x, *const *b = y;

	if ((*a)->ord != (*b)->ord)
		return (*a)->ord < (*b)->ord ? -1 : 1;
	return (*a)->i < (*b)->i ? -1 : (*a)->i > (*b)->i;
}

/* Is err the host's fault (it did not answer as an engine), rather than
 * the engine refusing this one container? */
static int host_fault(const struct berr *err)
{
	return err->kind == BERR_CONNECT || err->kind == BERR_TIMEOUT || err->kind == BERR_TLS ||
	       err->kind == BERR_PROTOCOL;
}

/*
 * container create --count N: the creates (and starts) of every host in
 * one fan-out, so that the hosts work in parallel; IDs printed in
 * container order. A failed container is one line on stderr and does not
 * stop the others. pl NULL: every container goes to single.
 */
static int create_many(struct shell *sh, struct args *a, const struct container_spec *spec,
		       size_t count, const struct placement *pl, struct backend *single)
{
	struct one_create *c, **order = NULL;
	struct container_spec *specs = NULL;
	const struct container_spec **sp = NULL;
	struct fanout_job *jobs = NULL, *lj = NULL;
	struct backend **used = NULL;
	size_t *rank = NULL, *pos = NULL, i, j, m = 0, nused = 0, failed = 0;
	json_t *arr = NULL;
	int start = args_has(a, "start"), record = 1, ret = CMD_ERROR;

	if (!(c = calloc(count, sizeof(*c))) || !(order = calloc(count, sizeof(*order))) ||
	    !(specs = calloc(count, sizeof(*specs))) || !(sp = calloc(count, sizeof(*sp))) ||
	    !(jobs = calloc(count, sizeof(*jobs))) || !(used = calloc(count, sizeof(*used))) ||
	    !(rank = calloc(count, sizeof(*rank))) || !(pos = calloc(count, sizeof(*pos))))
		goto oom;
	for (i = 0; i < count; i++) {
		c[i].i = i;
		if (pl) {
			size_t h = pl->chosen[i];
			c[i].b = pl->dist_err[h].kind == BERR_NONE ? pl->hosts.v[h].b : NULL;
		} else {
			c[i].b = single;
		}
		if (spec->name)
			c[i].name = xasprintf("%s-%zu", spec->name, i + 1);
		/* each host's first containers first, so that the loop's
		 * concurrency is spread over the hosts */
		if (!c[i].b)
			continue;
		for (j = 0; j < nused && used[j] != c[i].b; j++)
			;
		if (j == nused)
			used[nused++] = c[i].b;
		c[i].ord = rank[j]++;
	}
	for (i = 0; i < count; i++)
		if (c[i].b)
			order[m++] = &c[i];
	qsort(order, m, sizeof(*order), by_rank);
	for (i = 0; i < count; i++)
		pos[i] = m; /* not tried */
	for (i = 0; i < m; i++) {
		pos[order[i]->i] = i;
		specs[i] = *spec;
		specs[i].name = order[i]->name;
		sp[i] = &specs[i];
		jobs[i].b = order[i]->b;
	}
	fanout_container_create(jobs, sp, m, start, NULL);

	/* what each host's answers taught us, once per host */
	for (j = 0; j < nused; j++) {
		const struct berr *fault = NULL;
		for (i = 0; i < m && !fault; i++)
			if (jobs[i].b == used[j] && jobs[i].status < 0 && host_fault(&jobs[i].err))
				fault = &jobs[i].err;
		pool_record(&sh->fleet, used[j]->name, fault);
	}
	for (i = 0; i < m; i++) {
		const char *id = json_string_value(json_object_get(jobs[i].reply, "Id"));
		if (id && !(order[i]->id = strdup(id)))
			goto oom;
	}

	/* write-through: one whole listing of each host that got any */
	if (!(lj = calloc(nused + 1, sizeof(*lj))))
		goto oom;
	for (j = 0; j < nused; j++)
		lj[j].b = used[j];
	{
		struct list_filter all = { 1, NULL, 0 };
		fanout_container_list(lj, nused, &all, NULL);
	}
	for (j = 0; j < nused; j++) {
		const json_t *row;
		size_t k;

		if (lj[j].status < 0)
			continue; /* the cache catches up on the next listing */
		if (record)
			record = cache_put_listing(&sh->fleet, STORE_CONTAINERS, used[j]->name, lj[j].reply, 1) == 0;
		json_array_foreach(lj[j].reply, k, row) {
			const char *id = json_string_value(json_object_get(row, "Id"));
			const char *nm = json_string_value(json_array_get(json_object_get(row, "Names"), 0));
			for (i = 0; id && nm && i < count; i++)
				if (c[i].b == used[j] && c[i].id && !strcmp(c[i].id, id))
					c[i].engine_name = json_string(nm[0] == '/' ? nm + 1 : nm);
		}
	}

	/* the failures, one line each; a host that could not get the image
	 * once for all its containers */
	if (pl) {
		for (j = 0; j < pl->hosts.n; j++) {
			const char *name;
			size_t n = 0, len;
			if (pl->dist_err[j].kind == BERR_NONE)
				continue;
			for (i = 0; i < count; i++)
				n += pl->chosen[i] == j;
			if (!n)
				continue;
			name = pl->hosts.v[j].name;
			len = strlen(name);
			/* the host named once, whether or not the copy's error did */
			if (!strncmp(pl->dist_err[j].msg, name, len) && pl->dist_err[j].msg[len] == ':')
				name = NULL;
			error(sh, "%s%s%s; %zu container%s not created there", name ? name : "",
			      name ? ": " : "", pl->dist_err[j].msg, n, n == 1 ? " was" : "s were");
			failed += n;
		}
	}
	for (i = 0; i < m; i++) {
		const struct one_create *o = order[i];
		char what[64];

		if (jobs[i].status == 0)
			continue;
		failed++;
		snprintf(what, sizeof(what), "container %zu of %zu", o->i + 1, count);
		if (o->id)
			error(sh, "%s: %s (container %s was created but not started)",
			      o->name ? o->name : what, jobs[i].err.msg, o->id);
		else
			error(sh, "%s: %s", o->name ? o->name : what, jobs[i].err.msg);
	}

	/* the ones that worked, in container order */
	if (args_has(a, "json")) {
		if (!(arr = json_array()))
			goto oom;
		for (i = 0; i < count; i++) {
			json_t *o, *name;
			if (pos[i] == m || jobs[pos[i]].status < 0 || !c[i].id)
				continue;
			name = c[i].engine_name ? json_incref(c[i].engine_name)
			       : c[i].name ? json_string(c[i].name) : json_null();
			o = json_pack("{s:s, s:s, s:o}", "Host", c[i].b->name ? c[i].b->name : "",
				      "Id", c[i].id, "Name", name);
			if (!o || json_array_append_new(arr, o) < 0)
				goto oom;
		}
		ret = output_result(sh, output_json(sh, arr));
	} else {
		ret = CMD_OK;
		for (i = 0; i < count && ret == CMD_OK; i++)
			if (pos[i] < m && jobs[pos[i]].status == 0 && c[i].id)
				ret = output_result(sh, out_printf(sh, "%s\n", c[i].id));
	}
	if (failed && ret == CMD_OK)
		ret = CMD_ERROR;
	goto cleanup;
oom:
	ret = error(sh, "out of memory");
cleanup:
	json_decref(arr);
	if (lj)
		fanout_jobs_release(lj, nused);
	free(lj);
	if (jobs)
		fanout_jobs_release(jobs, m);
	free(jobs);
	for (i = 0; c && i < count; i++) {
		free(c[i].name);
		free(c[i].id);
		json_decref(c[i].engine_name);
	}
	free(c);
	free(order);
	free(specs);
	free(sp);
	free(used);
	free(rank);
	free(pos);
	return ret;
}

/* What the create options of a (create's or run's) come to before the
 * engine is asked: the spec, the strings it borrows, the placement. */
struct create_work {
	struct container_spec spec;
	struct string_list env, labels;
	struct port_list ports;
	struct placement pl;
	int placed;         /* pl is set */
	struct backend *b;  /* the chosen host (borrowed) */
	int64_t count;      /* --count, or 0 */
	struct create_more more; /* what create's further options own */
};

static void create_work_release(struct create_work *w)
{
	if (w->placed)
		placement_release(&w->pl);
	ports_release(&w->ports);
	create_more_release(&w->more);
	sl_release(&w->env);
	sl_release(&w->labels);
}

/* The labels every container berth makes carries: whose it is (delete
 * asks) and, with --lifetime, when housekeeping may take it away. */
static int create_labels(struct shell *sh, struct args *a, struct create_work *w)
{
	const char *const *list;
	const char *s;
	size_t n, i;

	list = args_list(a, "label", &n);
	for (i = 0; i < n; i++) {
		if (sl_push(&w->labels, strchr(list[i], '=') ? strdup(list[i])
				    : xasprintf("%s=", list[i])) < 0)
			return error(sh, "out of memory");
	}
	if ((s = args_get(a, "lifetime"))) {
		int64_t ms;
		if (parse_duration_ms(s, &ms) < 0 || ms <= 0)
			return usage_error(sh, "invalid duration '%s' for --lifetime: use a number with s, m, h "
					   "or d (90s, 10m, 2h, 1d)", CUT(s));
		if (sl_push(&w->labels, xasprintf(LABEL_EXPIRES "=%lld",
						  (long long)time(NULL) + (long long)((ms + 999) / 1000))) < 0)
			return error(sh, "out of memory");
	}
	if (sl_push(&w->labels, xasprintf(LABEL_OWNER "=%s", sh->settings.owner)) < 0)
		return error(sh, "out of memory");
	return CMD_OK;
}

/* The spec of a's options (image and command from its positionals). */
static int create_spec_of(struct shell *sh, struct args *a, struct create_work *w, int64_t *slots)
{
	struct container_spec *spec = &w->spec;
	const char *const *list;
	const char *s;
	size_t n, i;
	int ret;

	spec->image = a->argv[0];
	spec->cmd = (const char *const *)(a->argv + 1);
	spec->ncmd = (size_t)(a->argc - 1);
	spec->name = args_get(a, "name");
	spec->tty = args_has(a, "tty");
	spec->open_stdin = args_has(a, "interactive");
	/* run --rm without -d: berth deletes it, also after a Ctrl-C */
	spec->auto_remove = args_has(a, "rm") && (a->entry == &cmd_container_create_entry ||
						  args_has(a, "detach"));

	if ((ret = parse_publish_options(sh, a, &w->ports)) != CMD_OK ||
	    (ret = check_key_value_options(sh, a)) != CMD_OK ||
	    (ret = create_more_parse(sh, a, spec, &w->more)) != CMD_OK ||
	    (ret = create_more_files(sh, a, &w->env, &w->labels)) != CMD_OK)
		return ret;

	list = args_list(a, "env", &n);
	for (i = 0; i < n; i++) {
		if (!strchr(list[i], '=') && (s = getenv(list[i]))) {
			/* -e KEY passes berth's own value on, as docker does. */
			if (sl_push(&w->env, xasprintf("%s=%s", list[i], s)) < 0)
				return error(sh, "out of memory");
		} else if (sl_push(&w->env, strdup(list[i])) < 0) {
			/* KEY unset here: the engine drops it from the image's env. */
			return error(sh, "out of memory");
		}
	}
	if ((ret = create_labels(sh, a, w)) != CMD_OK)
		return ret;

	if ((s = args_get(a, "memory")) && parse_size(s, &spec->memory) < 0)
		return usage_error(sh, "invalid size '%s' for --memory: use a number with k, m or g (256m, 1g)", CUT(s));
	if ((s = args_get(a, "slots")) && parse_positive(s, SLOTS_MAX, slots) < 0)
		return usage_error(sh, "invalid value '%s' for --slots: use a whole number of slots from 1 "
				   "to %d", CUT(s), SLOTS_MAX);
	if ((s = args_get(a, "count")) && parse_positive(s, COUNT_MAX, &w->count) < 0)
		return usage_error(sh, "invalid value '%s' for --count: use a whole number from 1 to %d",
				   CUT(s), COUNT_MAX);
	/* what placement recounts a host's load from */
	if (sl_push(&w->labels, xasprintf(LABEL_SLOTS "=%lld", (long long)*slots)) < 0 ||
	    sl_push(&w->labels, xasprintf(LABEL_MEMORY "=%lld", (long long)spec->memory)) < 0)
		return error(sh, "out of memory");
	if ((s = args_get(a, "cpus")) && parse_cpus(s, &spec->nano_cpus) < 0)
		return usage_error(sh, "invalid value '%s' for --cpus: use a positive number of CPUs (0.5, 2)", CUT(s));
	if ((s = args_get(a, "restart"))) {
		if (!valid_restart(s))
			return usage_error(sh, "invalid restart policy '%s' for --restart: use no, always, "
					   "unless-stopped or on-failure[:N]", CUT(s));
		spec->restart = s;
	}
	spec->env = (const char *const *)w->env.v;
	spec->nenv = w->env.n;
	spec->labels = (const char *const *)w->labels.v;
	spec->nlabels = w->labels.n;
	spec->ports = w->ports.v;
	spec->nports = w->ports.n;
	return CMD_OK;
}

/* A bind mount names a path on one engine's machine: placement may not
 * choose among several hosts for it. */
static int bind_needs_one_host(struct shell *sh, const struct pool_want *want)
{
	struct pool_targets t;
	struct berr err;
	int ret = CMD_OK;

	memset(&t, 0, sizeof(t));
	berr_clear(&err);
	if (pool_targets(&sh->fleet, want, POOL_PLACEMENT, &t, &err) < 0)
		ret = cmd_fail(sh, &err);
	else if (t.n > 1)
		ret = usage_error(sh, "a bind mount names a path on one engine's machine and %zu hosts "
				  "could take this container: add --host NAME", t.n);
	pool_targets_release(&t);
	return ret;
}

/* The spec, and the host it goes to (the wanted one, or the pool's choice). */
static int create_prepare(struct shell *sh, struct args *a, struct create_work *w)
{
	struct pool_want want;
	struct berr err;
	int64_t slots = 1;
	int rc, ret;

	memset(w, 0, sizeof(*w));
	if ((ret = create_spec_of(sh, a, w, &slots)) != CMD_OK)
		return ret;
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if ((rc = placement_wanted(&sh->fleet, &want, &w->b, &err)) < 0)
		return cmd_fail(sh, &err);
	if (rc == 1 && w->more.binds && (ret = bind_needs_one_host(sh, &want)) != CMD_OK)
		return ret;
	if (rc == 1) {
		struct placement_request req;

		memset(&req, 0, sizeof(req));
		req.image = w->spec.image;
		req.slots = slots;
		req.memory = w->spec.memory;
		req.count = w->count ? (size_t)w->count : 1;
		req.no_distribute = args_has(a, "no-distribute");
		if (placement_run(&sh->fleet, &want, &req, &w->pl, &err) < 0)
			return cmd_fail(sh, &err);
		w->placed = 1;
		w->b = w->pl.hosts.v[w->pl.chosen[0]].b;
		if (!w->count && w->pl.dist_err[w->pl.chosen[0]].kind != BERR_NONE)
			return error(sh, "%s", w->pl.dist_err[w->pl.chosen[0]].msg);
	}
	return CMD_OK;
}

int container_create_one(struct shell *sh, struct args *a, struct backend **b, char **id)
{
	struct create_work w;
	struct berr err;
	int ret;

	*id = NULL;
	if ((ret = create_prepare(sh, a, &w)) == CMD_OK) {
		berr_clear(&err);
		if (w.b->ops->container_create(w.b, &w.spec, id, &err) < 0) {
			ret = error(sh, "%s", err.msg);
		} else {
			cache_put_container(&sh->fleet, w.b, *id);
			*b = w.b;
		}
	}
	create_work_release(&w);
	return ret;
}

static int exec_create(struct shell *sh, struct args *a)
{
	struct create_work w;
	struct backend *b;
	struct berr err;
	char *id = NULL;
	json_t *doc = NULL, *obj = NULL;
	int started = 0, ret = CMD_ERROR;

	if (args_get(a, "template")) {
		struct args merged;

		/* the template's settings, then this command line's over them */
		if ((ret = create_from_template(sh, a, &merged)) != CMD_OK)
			return ret;
		ret = exec_create(sh, &merged);
		args_release(&merged);
		return ret;
	}
	if (a->argc < 1)
		return usage_error(sh, "container create needs IMAGE (usage: container create [OPTIONS] "
				   "IMAGE [CMD...]) or --template NAME");
	berr_clear(&err);
	if ((ret = create_prepare(sh, a, &w)) != CMD_OK)
		goto cleanup;
	b = w.b;
	if (w.count) {
		ret = create_many(sh, a, &w.spec, (size_t)w.count, w.placed ? &w.pl : NULL, b);
		goto cleanup;
	}
	if (b->ops->container_create(b, &w.spec, &id, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (args_has(a, "start")) {
		if (b->ops->container_action(b, id, CONTAINER_START, &err) < 0) {
			ret = error(sh, "%s (container %s was created but not started)", err.msg, id);
			cache_put_container(&sh->fleet, b, id);
			goto cleanup;
		}
		started = 1;
	}
	cache_put_container(&sh->fleet, b, id);

	if (args_has(a, "json")) {
		const char *nm = w.spec.name;
		json_t *name;
		if (nm) {
			name = json_string(nm[0] == '/' ? nm + 1 : nm);
		} else if (b->ops->container_inspect(b, id, &obj, &err) == 0) {
			/* The engine picked the name: ask it which. */
			nm = jstr(obj, "Name");
			name = json_string(nm[0] == '/' ? nm + 1 : nm);
		} else {
			name = json_null();
		}
		doc = json_pack("{s:s, s:o, s:s, s:b}", "Id", id, "Name", name,
				"Host", b->name ? b->name : "", "Started", started);
		if (!doc) {
			ret = error(sh, "out of memory");
			goto cleanup;
		}
		ret = output_result(sh, output_json(sh, doc));
	} else {
		ret = output_result(sh, out_printf(sh, "%s\n", id));
	}
cleanup:
	create_work_release(&w);
	json_decref(doc);
	json_decref(obj);
	free(id);
	return ret;
}

/* --- start, stop, restart, pause, unpause, delete ----------------------- */

/* The full ID of ref, for the store, before a delete takes it away.
 * NULL when the engine cannot say; then err tells why. */
static char *resolve_id(struct backend *b, const char *ref, char **owner, struct berr *err)
{
	json_t *obj = NULL;
	char *id = NULL;

	if (b->ops->container_inspect(b, ref, &obj, err) == 0) {
		const char *s = json_string_value(json_object_get(obj, "Id"));
		if (s)
			id = strdup(s);
		if ((s = container_owner(obj)))
			*owner = strdup(s);
	}
	json_decref(obj);
	return id;
}

struct act_run {
	int action;    /* enum container_action, when not a delete */
	int is_delete;
	int force;     /* delete --force */
	int record;    /* successes still go to the store (until one fails) */
	int64_t wait;  /* stop, restart -t: seconds; -2 when not given */
};

static int act_on_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	struct act_run *run = ud;
	char *id = NULL, *owner = NULL;
	struct berr err;
	int r;

	berr_clear(&err);
	if (run->is_delete && (run->record || !run->force)) {
		id = resolve_id(b, ref, &owner, &err);
		if (!id && (err.kind == BERR_CONNECT || err.kind == BERR_TIMEOUT ||
			    err.kind == BERR_INTERRUPTED || err.kind == BERR_TLS)) {
			/* the delete would only say the same again */
			error(sh, "%s", err.msg);
			return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
		}
		berr_clear(&err);
		/* Unlabelled containers are anyone's. */
		if (!run->force && owner && strcmp(owner, sh->settings.owner)) {
			error(sh, "%s belongs to %s; add --force to delete it anyway", ref, owner);
			free(owner);
			free(id);
			return REF_FAILED;
		}
		free(owner);
	}
	if (run->is_delete)
		r = b->ops->container_delete(b, ref, run->force, &err);
	else if (run->wait != -2)
		r = b->ops->container_stop_after(b, ref, (enum container_action)run->action, run->wait,
						 &err);
	else
		r = b->ops->container_action(b, ref, (enum container_action)run->action, &err);
	if (r < 0) {
		free(id);
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	/* A closed stdout does not stop the work asked for. */
	out_printf(sh, "%s\n", ref);
	if (run->record && run->is_delete && id)
		run->record = cache_drop_container(&sh->fleet, b->name, id) == 0;
	else if (run->record && !run->is_delete)
		run->record = cache_put_container(&sh->fleet, b, ref) == 0;
	free(id);
	return REF_DONE;
}

/* Acts on every ref in turn, each on the host that holds it, going on
 * past failures (each reported) as docker does; stops at Ctrl-C. Each
 * success is recorded in the store until recording fails once (warned
 * about once). */
static int act_on_each(struct shell *sh, struct args *a, int action, int is_delete)
{
	struct act_run run = { action, is_delete, is_delete && args_has(a, "force"), 1, -2 };
	const char *t = (action == CONTAINER_STOP || action == CONTAINER_RESTART) && !is_delete
			? args_get(a, "time") : NULL;
	long long secs = 0;
	int failed, ret;

	if (t && strcmp(t, "0") && cmd_parse_whole(t, 1000000000, &secs) < 0)
		return usage_error(sh, "invalid value '%s' for --time: use a whole number of seconds",
				   CUT(t));
	if (t)
		run.wait = secs;

	if ((ret = for_each_ref(sh, a, RESOLVE_CONTAINER, act_on_one, &run, &failed)) != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}

static int exec_start(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, CONTAINER_START, 0);
}

static int exec_stop(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, CONTAINER_STOP, 0);
}

static int exec_restart(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, CONTAINER_RESTART, 0);
}

static int exec_pause(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, CONTAINER_PAUSE, 0);
}

static int exec_unpause(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, CONTAINER_UNPAUSE, 0);
}

static int exec_delete(struct shell *sh, struct args *a)
{
	return act_on_each(sh, a, 0, 1);
}

/* --- list --------------------------------------------------------------- */

static const char *const filter_keys[] = { "label", "status", "name", "id", "ancestor", NULL };
static const char *const statuses[] = {
	"created", "restarting", "running", "removing", "paused", "exited", "dead", NULL
};

static int in_list(const char *s, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncmp(s, list[i], n) == 0)
			return 1;
	return 0;
}

static int check_filter(struct shell *sh, const char *f)
{
	const char *eq = strchr(f, '=');

	if (!eq || !eq[1] || !in_list(f, (size_t)(eq - f), filter_keys))
		return usage_error(sh, "invalid filter '%s' for --filter: use label=K[=V], status=S, "
				   "name=N, id=I or ancestor=IMAGE", CUT(f));
	if (!strncmp(f, "status=", 7) && !in_list(eq + 1, strlen(eq + 1), statuses))
		return usage_error(sh, "invalid status '%s' for --filter: use created, restarting, "
				   "running, removing, paused, exited or dead", CUT(eq + 1));
	return 0;
}

struct table_sink {
	struct shell *sh;
	struct listing_result *res;
	struct container_table *ct; /* made at the first rows */
};

static int table_row(void *ud, size_t h, const char *host, const bson_t *entry, int stale)
{
	struct table_sink *ts = ud;

	if (!ts->ct)
		ts->ct = container_table_new(ts->sh, ts->res->targets.n, ts->res->targets.n > 1, 0);
	return container_table_add_entry(ts->ct, h, host, entry, stale);
}

static void table_host_done(void *ud, size_t h, int ok)
{
	struct table_sink *ts = ud;

	if (ts->ct)
		container_table_host_done(ts->ct, h, ok);
}

/* container list --all's table: each host's rows taken in (and written
 * through) as it answers, so that a fleet's listing is never all held at
 * once. */
static int list_all_table(struct shell *sh, const struct pool_want *want)
{
	struct listing_result res;
	struct table_sink ts = { .sh = sh, .res = &res };
	struct listing_sink sink = { .row = table_row, .host_done = table_host_done, .ud = &ts };
	struct berr err;
	int ret;

	berr_clear(&err);
	if (listing_stream_all(&sh->fleet, want, &sink, &res, &err) != 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (!ts.ct)
		ts.ct = container_table_new(sh, res.targets.n, res.multi, 0);
	ret = container_table_print(ts.ct);
	if (ret == CMD_OK && !res.answered)
		ret = CMD_ERROR;
cleanup:
	container_table_free(ts.ct);
	listing_result_release(&res);
	return ret;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct berr err;
	struct list_filter filter;
	struct cache_query q;
	struct listing_result res;
	const char **mine_filters = NULL;
	char *mine = NULL;
	size_t i, n;
	int ret, cached = args_has(a, "cached");

	memset(&res, 0, sizeof(res));
	memset(&filter, 0, sizeof(filter));
	filter.all = args_has(a, "all");
	filter.filters = args_list(a, "filter", &n);
	filter.nfilters = n;
	for (i = 0; i < n; i++)
		if (check_filter(sh, filter.filters[i]) < 0)
			return CMD_USAGE;
	if (args_has(a, "mine")) {
		/* One more label filter: the engine (or the store) does the work. */
		if (!(mine_filters = calloc(n + 1, sizeof(*mine_filters))) ||
		    !(mine = xasprintf("label=" LABEL_OWNER "=%s", sh->settings.owner))) {
			free(mine_filters);
			return error(sh, "out of memory");
		}
		for (i = 0; i < n; i++)
			mine_filters[i] = filter.filters[i];
		mine_filters[n] = mine;
		filter.filters = mine_filters;
		filter.nfilters = n + 1;
	}
	q.all = filter.all;
	q.filters = filter.filters;
	q.nfilters = filter.nfilters;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (!cached && filter.all && !filter.nfilters && !args_has(a, "json") &&
	    !args_has(a, "quiet")) {
		/* every container, as a table: host by host as they answer */
		ret = list_all_table(sh, &want);
		goto cleanup;
	}
	if (listing_gather(&sh->fleet, &want, LISTING_CONTAINERS, &filter, &q, 0, cached, &res,
			   &err) != 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	ret = container_print_list(sh, a, res.v, res.n, res.multi, cached);
	if (ret == CMD_OK && !res.answered)
		ret = CMD_ERROR;
	/* Recorded after printing: the store may be slow to answer (or not
	 * answer at all), and the listing is what was asked for. Only a
	 * listing of every container proves that the others are gone. */
	listing_record(&sh->fleet, &res, filter.all && filter.nfilters == 0);
cleanup:
	listing_result_release(&res);
	free(mine_filters);
	free(mine);
	return ret;
}

/* --- inspect ------------------------------------------------------------ */

/* The engine's message already names the container. */
static int container_error(struct shell *sh, const struct berr *err, const char *ref)
{
	return error(sh, "%s", err->msg);
}

static int container_fetch(struct backend *b, const char *ref, json_t **obj, struct berr *err)
{
	return b->ops->container_inspect(b, ref, obj, err);
}

static int exec_inspect(struct shell *sh, struct args *a)
{
	return inspect_each(sh, a, RESOLVE_CONTAINER, container_fetch, container_error,
			    container_print_summary);
}

/* --- logs --------------------------------------------------------------- */

static int logs_out(void *ud, int stream, const char *buf, size_t len)
{
	struct shell *sh = ud;

	if (stream == 2) {
		/* stderr may be gone too; the log is still worth reading. */
		if (fwrite(buf, 1, len, stderr) != len)
			clearerr(stderr);
		return 0;
	}
	errno = 0;
	if (out_write(sh, buf, len) < 0)
		return -1;
	/* Each piece goes out as it comes: "logs -f | grep" must see lines
	 * live, and "logs -f | head -1" must notice the reader left. On a
	 * line-buffered stdout glibc's fwrite() can count a failed write as
	 * done, so the error flag is what tells. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			error(sh, "cannot write to standard output: %s", strerror(errno ? errno : EIO));
		sh->out_closed = 1;
		return -1;
	}
	return 0;
}

static int exec_logs(struct shell *sh, struct args *a)
{
	struct logs_opts opts;
	struct pool_want want;
	struct resolver res;
	struct backend *b;
	struct berr err;
	const char *tail = args_get(a, "tail");
	int ret;

	if (tail && strcmp(tail, "all") != 0) {
		const char *p = tail;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == tail || *p || p - tail > 9)
			return usage_error(sh, "invalid value '%s' for --tail: use a number of lines or all", CUT(tail));
	}
	memset(&opts, 0, sizeof(opts));
	opts.follow = args_has(a, "follow");
	opts.timestamps = args_has(a, "timestamps");
	opts.tail = tail;
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(&res, a->argv[0], &b, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	berr_clear(&err);
	ret = CMD_OK;
	if (b->ops->container_logs(b, a->argv[0], &opts, logs_out, sh, &err) < 0 && !sh->out_closed)
		ret = error(sh, "%s", err.msg);
	/* else done, or berth container logs web | head */
cleanup:
	resolver_release(&res);
	return ret;
}
