/* template.c: the template commands: container blueprints kept in the
 * store's templates collection, for container create --template. */
#include "config.h"

#include "commands/commands.h"
#include "commands/create_spec.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"
#include "lib/units.h"
#include "lib/text.h"

static int exec_add(struct shell *sh, struct args *a);
static int exec_list(struct shell *sh, struct args *a);
static int exec_show(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);

static const struct opt_spec add_opts[] = {
	{ .long_name = "image", .type = OPT_VALUE, .metavar = "IMAGE",
	  .help = "the image containers are created from (required)", .kind = ARG_IMAGE },
	CREATE_SPEC_OPTIONS,
	{ .long_name = "lifetime", .type = OPT_VALUE, .metavar = "DURATION",
	  .help = "let housekeeping delete its containers after this long (90s, 10m, 2h, 1d)" },
	OPT_END
};

const struct cmd_entry cmd_template_add_entry = {
	.noun = "template",
	.verb = "add",
	.options = add_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "NAME [CMD...]",
	.summary = "remember a container blueprint for container create --template",
	.flags = CMD_F_ARGS_STOP,
	.exec = exec_add,
};
const struct cmd_entry cmd_template_list_entry = {
	.noun = "template",
	.verb = "list",
	.alias = "ls",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list the templates",
	.flags = CMD_F_JSON | CMD_F_QUIET,
	.exec = exec_list,
};
const struct cmd_entry cmd_template_show_entry = {
	.noun = "template",
	.verb = "show",
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "show a template's settings",
	.flags = CMD_F_JSON,
	.exec = exec_show,
};
const struct cmd_entry cmd_template_delete_entry = {
	.noun = "template",
	.verb = "delete",
	.alias = "rm",
	.args_min = 1,
	.args_max = 1,
	.usage = "NAME",
	.summary = "forget a template (containers made from it are not touched)",
	.exec = exec_delete,
};

/* --- exec bodies ------------------------------------------------------- */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/store/store.h"
#include "backends/store/store_docs.h"

/* A template as the store holds it. */
struct tmpl {
	char *name, *image, *restart; /* restart NULL: not set */
	struct string_list cmd, env, labels, ports;
	struct string_list more; /* the further create options, as --name=value words */
	int64_t memory, nano_cpus, lifetime_ms, slots; /* 0: not set */
	int64_t created;                         /* ms */
};

static void tmpl_release(struct tmpl *t)
{
	free(t->name);
	free(t->image);
	free(t->restart);
	sl_release(&t->cmd);
	sl_release(&t->env);
	sl_release(&t->labels);
	sl_release(&t->ports);
	sl_release(&t->more);
	memset(t, 0, sizeof(*t));
}

static int dup_str(const bson_t *doc, const char *key, char **out)
{
	const char *s = store_doc_str(doc, key);

	*out = NULL;
	if (!s)
		return 0;
	return (*out = strdup(s)) ? 0 : -1;
}

static int read_strings(const bson_t *doc, const char *key, struct string_list *l)
{
	bson_iter_t it, sub;

	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &sub))
		return 0;
	while (bson_iter_next(&sub))
		if (BSON_ITER_HOLDS_UTF8(&sub) && sl_push(l, strdup(bson_iter_utf8(&sub, NULL))) < 0)
			return -1;
	return 0;
}

/* 0, or -1 when out of memory (t is then half filled: release it). */
static int tmpl_from_doc(const bson_t *doc, struct tmpl *t)
{
	memset(t, 0, sizeof(*t));
	if (dup_str(doc, "name", &t->name) < 0 || dup_str(doc, "image", &t->image) < 0 ||
	    dup_str(doc, "restart", &t->restart) < 0 || read_strings(doc, "cmd", &t->cmd) < 0 ||
	    read_strings(doc, "env", &t->env) < 0 || read_strings(doc, "labels", &t->labels) < 0 ||
	    read_strings(doc, "ports", &t->ports) < 0 || read_strings(doc, "options", &t->more) < 0)
		return -1;
	t->memory = store_doc_int(doc, "memory", 0);
	t->nano_cpus = store_doc_int(doc, "nano_cpus", 0);
	t->lifetime_ms = store_doc_int(doc, "lifetime_ms", 0);
	t->slots = store_doc_int(doc, "slots", 0);
	t->created = store_doc_date(doc, "created");
	return 0;
}

static void append_strings(bson_t *doc, const char *key, const struct string_list *l)
{
	bson_t arr;
	char idx[16];
	const char *k;
	size_t i;

	bson_append_array_begin(doc, key, -1, &arr);
	for (i = 0; i < l->n; i++) {
		bson_uint32_to_string((uint32_t)i, &k, idx, sizeof(idx));
		bson_append_utf8(&arr, k, -1, l->v[i], -1);
	}
	bson_append_array_end(doc, &arr);
}

static void tmpl_to_doc(const struct tmpl *t, bson_t *doc)
{
	bson_init(doc);
	BSON_APPEND_UTF8(doc, "name", t->name);
	BSON_APPEND_UTF8(doc, "image", t->image);
	append_strings(doc, "cmd", &t->cmd);
	append_strings(doc, "env", &t->env);
	append_strings(doc, "labels", &t->labels);
	append_strings(doc, "ports", &t->ports);
	append_strings(doc, "options", &t->more);
	BSON_APPEND_INT64(doc, "memory", t->memory);
	BSON_APPEND_INT64(doc, "nano_cpus", t->nano_cpus);
	if (t->restart)
		BSON_APPEND_UTF8(doc, "restart", t->restart);
	else
		BSON_APPEND_NULL(doc, "restart");
	BSON_APPEND_INT64(doc, "lifetime_ms", t->lifetime_ms);
	BSON_APPEND_INT64(doc, "slots", t->slots);
	BSON_APPEND_DATE_TIME(doc, "created", t->created);
}

/* The template named name: 1 found, 0 not (said so), -1 failed (said so). */
static int tmpl_load(struct shell *sh, const char *name, struct tmpl *t)
{
	struct store *s;
	struct berr err;
	bson_t *sel, doc;
	int found = 0, rc;

	memset(t, 0, sizeof(*t));
	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "%s", err.msg);
	sel = BCON_NEW("name", BCON_UTF8(name));
	rc = store_find_one(s, STORE_TEMPLATES, sel, &doc, &found, &err);
	bson_destroy(sel);
	if (rc < 0) {
		fleet_store_failed(&sh->fleet, &err);
		return error(sh, "cannot read template %s: %s", name, err.msg);
	}
	if (!found) {
		error(sh, "no such template: %s (see 'template list')", CUT(name));
		return 0;
	}
	rc = tmpl_from_doc(&doc, t);
	bson_destroy(&doc);
	if (rc < 0) {
		tmpl_release(t);
		return error(sh, "out of memory");
	}
	return 1;
}

/* "1.5" for 1500000000 nano-CPUs. */
static char *fmt_cpus(char *buf, size_t len, int64_t nano)
{
	char *p;

	snprintf(buf, len, "%" PRId64 ".%09" PRId64, nano / 1000000000, nano % 1000000000);
	p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	return buf;
}

/* As --lifetime takes it: "10m", "36h", "1500ms". */
static char *fmt_lifetime(char *buf, size_t len, int64_t ms)
{
	static const struct { int64_t ms; const char *unit; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
			return buf;
		}
	snprintf(buf, len, "%" PRId64 "ms", ms);
	return buf;
}

/* The words joined by spaces; NULL when out of memory. */
static char *joined(const struct string_list *l, const char *sep)
{
	size_t i, len = 1;
	char *out;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + strlen(sep);
	if (!(out = malloc(len)))
		return NULL;
	out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, l->v[i]);
	}
	return out;
}

static json_t *json_strings(const struct string_list *l)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < l->n; i++)
		if (json_array_append_new(arr, json_string(l->v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *tmpl_json(const struct tmpl *t)
{
	char created[64];

	return json_pack("{s:s, s:s, s:o*, s:o*, s:o*, s:o*, s:o*, s:I, s:I, s:s?, s:I, s:I, s:s}",
			 "Name", t->name ? t->name : "", "Image", t->image ? t->image : "",
			 "Cmd", json_strings(&t->cmd), "Env", json_strings(&t->env),
			 "Labels", json_strings(&t->labels), "Ports", json_strings(&t->ports),
			 "Options", json_strings(&t->more),
			 "Memory", (json_int_t)t->memory, "NanoCpus", (json_int_t)t->nano_cpus,
			 "Restart", t->restart, "LifetimeMs", (json_int_t)t->lifetime_ms,
			 "Slots", (json_int_t)t->slots,
			 "Created", store_fmt_date(created, sizeof(created), t->created));
}

/* --- add ---------------------------------------------------------------- */

static int copy_list(struct args *a, const char *opt, struct string_list *l)
{
	const char *const *v;
	size_t n, i;

	v = args_list(a, opt, &n);
	for (i = 0; i < n; i++)
		if (sl_push(l, strdup(v[i])) < 0)
			return -1;
	return 0;
}

/* "--name=value" (a flag: "--name"), or NULL when out of memory. */
static char *opt_word(const char *name, const char *value);

/* The further create options of a, in the order given, as words that
 * parse back into the same options. */
static int more_words(const struct args *a, struct string_list *l)
{
	size_t i, j;

	for (i = 0; i < a->nopts; i++) {
		const struct args_opt *o = &a->opts[i];

		if (!create_more_option(o->spec->long_name))
			continue;
		if (o->spec->type == OPT_FLAG) {
			if (o->count && sl_push(l, opt_word(o->spec->long_name, NULL)) < 0)
				return -1;
			continue;
		}
		for (j = 0; j < o->nvalues; j++)
			if (sl_push(l, opt_word(o->spec->long_name, o->values[j])) < 0)
				return -1;
	}
	return 0;
}

/* What container create would refuse of them; the files are read now
 * too, and again at each create. */
static int check_more(struct shell *sh, const struct args *a)
{
	struct create_more x;
	int ret = create_more_parse(sh, a, NULL, &x);

	create_more_release(&x);
	if (ret == CMD_OK)
		ret = create_more_files(sh, a, NULL, NULL);
	return ret;
}

static int exec_add(struct shell *sh, struct args *a)
{
	struct tmpl t;
	struct store *s;
	struct berr err;
	const char *v;
	bson_t doc;
	size_t i;
	int ret = CMD_ERROR;

	memset(&t, 0, sizeof(t));
	berr_clear(&err);
	if (!a->argv[0][0])
		return usage_error(sh, "template add needs a NAME that is not empty");
	if (!(v = args_get(a, "image")) || !*v)
		return usage_error(sh, "template add needs --image IMAGE (usage: template add "
				   "NAME --image IMAGE [OPTIONS] [CMD...])");

	/* refused here for what container create would refuse */
	if ((ret = parse_publish_options(sh, a, NULL)) != CMD_OK ||
	    (ret = check_key_value_options(sh, a)) != CMD_OK ||
	    (ret = check_more(sh, a)) != CMD_OK)
		goto cleanup;
	if ((v = args_get(a, "memory")) && parse_size(v, &t.memory) < 0) {
		ret = usage_error(sh, "invalid size '%s' for --memory: use a number with k, m or g (256m, 1g)", CUT(v));
		goto cleanup;
	}
	if ((v = args_get(a, "cpus")) && parse_cpus(v, &t.nano_cpus) < 0) {
		ret = usage_error(sh, "invalid value '%s' for --cpus: use a positive number of CPUs (0.5, 2)", CUT(v));
		goto cleanup;
	}
	if ((v = args_get(a, "restart")) && !valid_restart(v)) {
		ret = usage_error(sh, "invalid restart policy '%s' for --restart: use no, always, "
				  "unless-stopped or on-failure[:N]", CUT(v));
		goto cleanup;
	}
	if ((v = args_get(a, "slots")) && parse_positive(v, SLOTS_MAX, &t.slots) < 0) {
		ret = usage_error(sh, "invalid value '%s' for --slots: use a whole number of slots from 1 "
				  "to %d", CUT(v), SLOTS_MAX);
		goto cleanup;
	}
	if ((v = args_get(a, "lifetime")) && (parse_duration_ms(v, &t.lifetime_ms) < 0 || t.lifetime_ms <= 0)) {
		ret = usage_error(sh, "invalid duration '%s' for --lifetime: use a number with s, m, h or d "
				  "(90s, 10m, 2h, 1d)", CUT(v));
		goto cleanup;
	}

	if (!(t.name = strdup(a->argv[0])) || !(t.image = strdup(args_get(a, "image"))) ||
	    ((v = args_get(a, "restart")) && !(t.restart = strdup(v))))
		goto oom;
	for (i = 1; i < (size_t)a->argc; i++)
		if (sl_push(&t.cmd, strdup(a->argv[i])) < 0)
			goto oom;
	if (copy_list(a, "env", &t.env) < 0 || copy_list(a, "label", &t.labels) < 0 ||
	    copy_list(a, "publish", &t.ports) < 0 || more_words(a, &t.more) < 0)
		goto oom;
	t.created = store_now_ms();

	if (!(s = fleet_store(&sh->fleet, &err))) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	tmpl_to_doc(&t, &doc);
	if (store_insert(s, STORE_TEMPLATES, &doc, &err) < 0) {
		bson_destroy(&doc);
		if (err.kind == BERR_CONFLICT) {
			ret = error(sh, "template %s already exists (delete it first with 'template delete %s')",
				    t.name, t.name);
			goto cleanup;
		}
		fleet_store_failed(&sh->fleet, &err);
		ret = error(sh, "cannot add template %s: %s", t.name, err.msg);
		goto cleanup;
	}
	bson_destroy(&doc);
	ret = output_result(sh, out_printf(sh, "%s\n", t.name));
	goto cleanup;
oom:
	ret = error(sh, "out of memory");
cleanup:
	tmpl_release(&t);
	return ret;
}

/* --- list --------------------------------------------------------------- */

struct tmpl_set {
	struct tmpl *v;
	size_t n;
};

static int collect(void *ud, const bson_t *doc, struct berr *err)
{
	struct tmpl_set *ts = ud;
	struct tmpl *nv = realloc(ts->v, (ts->n + 1) * sizeof(*nv));

	if (!nv)
		return berr_set(err, BERR_LOCAL, "out of memory");
	ts->v = nv;
	if (tmpl_from_doc(doc, &ts->v[ts->n++]) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	return 0;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct tmpl_set ts = { NULL, 0 };
	struct store *s;
	struct berr err;
	struct table t;
	bson_t *by_name = BCON_NEW("name", BCON_INT32(1));
	struct store_find_opts opts = { by_name, 0 };
	json_t *arr = NULL;
	size_t i;
	int ret = CMD_ERROR;

	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err))) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (store_find(s, STORE_TEMPLATES, NULL, &opts, collect, &ts, &err) < 0) {
		fleet_store_failed(&sh->fleet, &err);
		ret = error(sh, "cannot list the templates: %s", err.msg);
		goto cleanup;
	}
	if (args_has(a, "json")) {
		if (!(arr = json_array()))
			goto oom;
		for (i = 0; i < ts.n; i++)
			if (json_array_append_new(arr, tmpl_json(&ts.v[i])) < 0)
				goto oom;
		ret = output_result(sh, output_json(sh, arr));
		goto cleanup;
	}
	if (args_has(a, "quiet")) {
		ret = CMD_OK;
		for (i = 0; i < ts.n && ret == CMD_OK; i++)
			ret = output_result(sh, out_printf(sh, "%s\n", ts.v[i].name ? ts.v[i].name : ""));
		goto cleanup;
	}
	table_init(&t, "NAME", "IMAGE", "MEMORY", "CPUS", "LIFETIME", "COMMAND", NULL);
	for (i = 0; i < ts.n; i++) {
		const struct tmpl *x = &ts.v[i];
		char mem[32] = "-", cpus[32] = "-", life[32] = "-";
		char *cmd = joined(&x->cmd, " ");

		if (x->memory)
			fmt_size_binary(mem, sizeof(mem), x->memory);
		if (x->nano_cpus)
			fmt_cpus(cpus, sizeof(cpus), x->nano_cpus);
		if (x->lifetime_ms)
			fmt_lifetime(life, sizeof(life), x->lifetime_ms);
		table_add_row(&t, x->name, x->image, mem, cpus, life, cmd && *cmd ? cmd : "-");
		free(cmd);
	}
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
	goto cleanup;
oom:
	ret = error(sh, "out of memory");
cleanup:
	json_decref(arr);
	for (i = 0; i < ts.n; i++)
		tmpl_release(&ts.v[i]);
	free(ts.v);
	bson_destroy(by_name);
	return ret;
}

/* --- show --------------------------------------------------------------- */

static int exec_show(struct shell *sh, struct args *a)
{
	struct tmpl t;
	struct table kv;
	json_t *doc;
	char mem[32] = "-", cpus[32] = "-", life[32] = "-", slots[32] = "-", created[64];
	char *cmd, *env, *labels, *ports, *more;
	int rc, ret;

	if ((rc = tmpl_load(sh, a->argv[0], &t)) <= 0)
		return CMD_ERROR;
	if (args_has(a, "json")) {
		doc = tmpl_json(&t);
		ret = doc ? output_result(sh, output_json(sh, doc)) : error(sh, "out of memory");
		json_decref(doc);
		tmpl_release(&t);
		return ret;
	}
	if (t.memory)
		fmt_size_binary(mem, sizeof(mem), t.memory);
	if (t.nano_cpus)
		fmt_cpus(cpus, sizeof(cpus), t.nano_cpus);
	if (t.lifetime_ms)
		fmt_lifetime(life, sizeof(life), t.lifetime_ms);
	if (t.slots)
		snprintf(slots, sizeof(slots), "%" PRId64, t.slots);
	cmd = joined(&t.cmd, " ");
	env = joined(&t.env, "\n");
	labels = joined(&t.labels, "\n");
	ports = joined(&t.ports, "\n");
	more = joined(&t.more, "\n");
	table_init(&kv, "KEY", "VALUE", NULL);
	table_add_row(&kv, "Name", t.name);
	table_add_row(&kv, "Image", t.image);
	table_add_row(&kv, "Command", cmd && *cmd ? cmd : "-");
	table_add_row(&kv, "Env", env && *env ? env : "-");
	table_add_row(&kv, "Labels", labels && *labels ? labels : "-");
	table_add_row(&kv, "Ports", ports && *ports ? ports : "-");
	table_add_row(&kv, "Options", more && *more ? more : "-");
	table_add_row(&kv, "Memory", mem);
	table_add_row(&kv, "CPUs", cpus);
	table_add_row(&kv, "Restart", t.restart ? t.restart : "-");
	table_add_row(&kv, "Slots", slots);
	table_add_row(&kv, "Lifetime", life);
	table_add_row(&kv, "Created", store_fmt_date(created, sizeof(created), t.created));
	ret = (cmd && env && labels && ports && more) ? output_result(sh, kv_print(sh, &kv)) : error(sh, "out of memory");
	table_release(&kv);
	free(cmd);
	free(env);
	free(labels);
	free(ports);
	free(more);
	tmpl_release(&t);
	return ret;
}

/* --- delete ------------------------------------------------------------- */

static int exec_delete(struct shell *sh, struct args *a)
{
	struct store *s;
	struct berr err;
	bson_t *sel;
	int64_t n = 0;
	int rc;

	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "%s", err.msg);
	sel = BCON_NEW("name", BCON_UTF8(a->argv[0]));
	rc = store_remove(s, STORE_TEMPLATES, sel, &n, &err);
	bson_destroy(sel);
	if (rc < 0) {
		fleet_store_failed(&sh->fleet, &err);
		return error(sh, "cannot delete template %s: %s", a->argv[0], err.msg);
	}
	if (!n)
		return error(sh, "no such template: %s (see 'template list')", CUT(a->argv[0]));
	return output_result(sh, out_printf(sh, "%s\n", a->argv[0]));
}

/* --- container create --template ---------------------------------------- */

/* "--name=value", or "--name" (value NULL). */
static char *opt_word(const char *name, const char *value)
{
	char *s;

	if (!value)
		return asprintf(&s, "--%s", name) < 0 ? NULL : s;
	return asprintf(&s, "--%s=%s", name, value) < 0 ? NULL : s;
}

/* Each value as --name=value, or as it is when name is NULL. */
static int list_words(struct string_list *w, const char *name, const struct string_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (sl_push(w, name ? opt_word(name, l->v[i]) : strdup(l->v[i])) < 0)
			return -1;
	return 0;
}

/* The template's further create options ("--name=value", "--flag"),
 * less the single-valued ones (values and flags) a gives itself. */
static int tmpl_more_words(struct string_list *w, const struct string_list *more, const struct args *a)
{
	const struct opt_spec *o;
	size_t i, len;

	for (i = 0; i < more->n; i++) {
		const char *word = more->v[i];

		if (!strncmp(word, "--", 2)) {
			len = strcspn(word + 2, "=");
			for (o = a->entry->options; o && o->long_name; o++)
				if (strlen(o->long_name) == len && !strncmp(o->long_name, word + 2, len))
					break;
			if (o && o->long_name && o->type != OPT_LIST && args_has(a, o->long_name))
				continue;
		}
		if (sl_push(w, strdup(word)) < 0)
			return -1;
	}
	return 0;
}

int create_from_template(struct shell *sh, const struct args *a, struct args *out)
{
	struct tmpl t;
	struct string_list w = { NULL, 0 };
	char buf[64], errbuf[512];
	const char *name = args_get(a, "template");
	size_t i, j;
	int rc, ret = CMD_ERROR;

	memset(out, 0, sizeof(*out));
	if ((rc = tmpl_load(sh, name, &t)) <= 0)
		return CMD_ERROR;
	/* the template's settings first, those the command line does not
	 * give (it may give each single one once) ... */
	if (tmpl_more_words(&w, &t.more, a) < 0 || list_words(&w, "publish", &t.ports) < 0 ||
	    list_words(&w, "env", &t.env) < 0 ||
	    list_words(&w, "label", &t.labels) < 0)
		goto oom;
	if (t.memory && !args_has(a, "memory")) {
		snprintf(buf, sizeof(buf), "%" PRId64, t.memory);
		if (sl_push(&w, opt_word("memory", buf)) < 0)
			goto oom;
	}
	if (t.nano_cpus && !args_has(a, "cpus") && sl_push(&w, opt_word("cpus", fmt_cpus(buf, sizeof(buf), t.nano_cpus))) < 0)
		goto oom;
	if (t.restart && !args_has(a, "restart") && sl_push(&w, opt_word("restart", t.restart)) < 0)
		goto oom;
	if (t.slots && !args_has(a, "slots")) {
		snprintf(buf, sizeof(buf), "%" PRId64, t.slots);
		if (sl_push(&w, opt_word("slots", buf)) < 0)
			goto oom;
	}
	if (t.lifetime_ms && !args_has(a, "lifetime") &&
	    sl_push(&w, opt_word("lifetime", fmt_lifetime(buf, sizeof(buf), t.lifetime_ms))) < 0)
		goto oom;
	/* ... then the command line's */
	for (i = 0; i < a->nopts; i++) {
		const struct args_opt *o = &a->opts[i];

		if (!strcmp(o->spec->long_name, "template"))
			continue;
		if (o->spec->type == OPT_FLAG) {
			for (j = 0; j < (size_t)o->count; j++)
				if (sl_push(&w, opt_word(o->spec->long_name, NULL)) < 0)
					goto oom;
			continue;
		}
		for (j = 0; j < o->nvalues; j++)
			if (sl_push(&w, opt_word(o->spec->long_name, o->values[j])) < 0)
				goto oom;
	}
	if (sl_push(&w, strdup("--")) < 0)
		goto oom;
	/* IMAGE replaces the template's image, CMD its command */
	if (sl_push(&w, strdup(a->argc >= 1 ? a->argv[0] : t.image ? t.image : "")) < 0)
		goto oom;
	if (a->argc > 1) {
		for (i = 1; i < (size_t)a->argc; i++)
			if (sl_push(&w, strdup(a->argv[i])) < 0)
				goto oom;
	} else if (list_words(&w, NULL, &t.cmd) < 0) {
		goto oom;
	}
	if (args_parse(out, a->entry, (int)w.n, w.v, errbuf, sizeof(errbuf)) < 0) {
		/* what the template holds no longer parses (edited by hand?) */
		ret = usage_error(sh, "template %s: %s", name, errbuf);
		goto cleanup;
	}
	ret = CMD_OK;
	goto cleanup;
oom:
	ret = error(sh, "out of memory");
cleanup:
	sl_release(&w);
	tmpl_release(&t);
	return ret;
}
