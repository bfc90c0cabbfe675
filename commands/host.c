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
static int exec_add(struct shell *sh, struct args *a);
static int exec_remove(struct shell *sh, struct args *a);
static int exec_import_contexts(struct shell *sh, struct args *a);

static const struct opt_spec add_opts[] = {
	{ 0, "tls-dir", OPT_VALUE, "DIR", "directory with ca.pem, cert.pem and key.pem for mutual TLS", ARG_FILE },
	{ 0, "insecure", OPT_FLAG, NULL, "allow plain HTTP to a tcp:// URL", ARG_NONE },
	OPT_END
};

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

const struct cmd_entry cmd_host_add_entry = {
	"host", "add", NULL, add_opts, 2, 2, "NAME URL",
	"register a host (unix:///PATH or tcp://HOST:PORT) in the store",
	0, ARG_NONE, exec_add
};
const struct cmd_entry cmd_host_remove_entry = {
	"host", "remove", "rm", NULL, 1, 1, "NAME",
	"forget a registered host and its cached containers and images (the engine is not touched)",
	0, ARG_HOST, exec_remove
};
const struct cmd_entry cmd_host_import_contexts_entry = {
	"host", "import-contexts", NULL, NULL, 0, 0, "",
	"register the endpoints of the docker CLI's contexts (~/.docker/contexts)",
	CMD_F_JSON, ARG_NONE, exec_import_contexts
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
#include "shell/hosts.h"
#include "backends/store.h"
#include "backends/store_docs.h"

static int host_uses_tls(const struct host_ref *h)
{
	return h->tls_verify || h->tls_dir || !strncmp(h->url, "https://", 8);
}

static int is_current(struct shell *sh, const char *name)
{
	return sh->current_host && !strcmp(name, sh->current_host);
}

/* --- host list ------------------------------------------------------------ */

/* Cached containers per host: -1 when the store cannot say. */
static void count_containers(struct shell *sh, const struct host_list *l, int64_t *counts)
{
	struct store *s = NULL;
	struct berr err;
	size_t i;

	berr_clear(&err);
	for (i = 0; i < l->n; i++)
		counts[i] = -1;
	if (!l->store_ok || !(s = shell_store(sh, &err)))
		return;
	for (i = 0; i < l->n; i++) {
		bson_t sel;
		int rc;

		bson_init(&sel);
		BSON_APPEND_UTF8(&sel, "host", l->v[i].name);
		rc = store_count(s, STORE_CONTAINERS, &sel, &counts[i], &err);
		bson_destroy(&sel);
		if (rc < 0) {
			counts[i] = -1;
			shell_store_failed(sh, &err);
			warning(sh, "cached container counts are unavailable: %s", err.msg);
			return;
		}
	}
}

/* A host as JSON: its store document (settings from the configuration for
 * a configured host), or what berth knows without one. */
static json_t *host_json(struct shell *sh, const struct host_ref *h, int64_t count)
{
	static const char *const facts[] = { "state", "state_changed", "last_seen", "engine", NULL };
	json_t *o = h->doc ? store_doc_to_json(h->doc) : json_object();
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "url", json_string(h->url));
	json_object_set_new(o, "tls_dir", h->tls_dir ? json_string(h->tls_dir) : json_null());
	json_object_set_new(o, "insecure", json_boolean(h->insecure));
	for (i = 0; facts[i]; i++)
		if (!json_object_get(o, facts[i]))
			json_object_set_new(o, facts[i], json_null());
	json_object_set_new(o, "Source", json_string(h->from_config ? "config" : "store"));
	json_object_set_new(o, "Containers", count >= 0 ? json_integer(count) : json_null());
	json_object_set_new(o, "Current", json_boolean(is_current(sh, h->name)));
	return o;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct host_list l;
	struct table t;
	int64_t *counts = NULL;
	time_t now = time(NULL);
	json_t *doc = NULL, *o;
	size_t i;
	int ret = CMD_ERROR;

	hosts_list(sh, HOSTS_WITH_DOC, &l);
	if (args_has(a, "quiet")) {
		for (i = 0; i < l.n; i++)
			if (out_printf(sh, "%s\n", l.v[i].name) < 0) {
				ret = output_result(sh, -1);
				goto cleanup;
			}
		ret = CMD_OK;
		goto cleanup;
	}
	counts = calloc(l.n ? l.n : 1, sizeof(*counts));
	if (!counts) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	count_containers(sh, &l, counts);

	if (args_has(a, "json")) {
		if (!(doc = json_array())) {
			ret = error(sh, "out of memory");
			goto cleanup;
		}
		for (i = 0; i < l.n; i++) {
			o = host_json(sh, &l.v[i], counts[i]);
			if (!o || json_array_append_new(doc, o) < 0) {
				ret = error(sh, "out of memory");
				goto cleanup;
			}
		}
		ret = output_result(sh, output_json(sh, doc));
		goto cleanup;
	}

	table_init(&t, "NAME", "URL", "TLS", "STATE", "ENGINE", "CONTAINERS", "LAST SEEN", "CURRENT",
		   NULL);
	for (i = 0; i < l.n; i++) {
		const struct host_ref *h = &l.v[i];
		const char *state = h->doc ? store_doc_str(h->doc, "state") : NULL;
		const char *engine = h->doc ? store_doc_str(h->doc, "engine.version") : NULL;
		int64_t seen = h->doc ? store_doc_date(h->doc, "last_seen") : 0;
		char ncont[32], ago[64];

		if (counts[i] >= 0)
			snprintf(ncont, sizeof(ncont), "%lld", (long long)counts[i]);
		else
			snprintf(ncont, sizeof(ncont), "-");
		if (seen)
			fmt_ago(ago, sizeof(ago), (time_t)(seen / 1000), now);
		else
			snprintf(ago, sizeof(ago), "-");
		table_add_row(&t, h->name, h->url,
			      host_uses_tls(h) ? "yes" : h->insecure ? "no (insecure)" : "no",
			      state ? state : "-", engine ? engine : "-", ncont, ago,
			      is_current(sh, h->name) ? "*" : "");
	}
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
cleanup:
	json_decref(doc);
	free(counts);
	host_list_release(&l);
	return ret;
}

/* --- host use, host info ------------------------------------------------------ */

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
	hosts_record_seen(sh, name, info);
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

static int exec_add(struct shell *sh, struct args *a)
{
	struct host_new h;
	struct berr err;

	memset(&h, 0, sizeof(h));
	h.name = a->argv[0];
	h.url = a->argv[1];
	h.tls_dir = args_get(a, "tls-dir");
	h.insecure = args_has(a, "insecure");
	h.reason = "registered with host add";
	if (h.tls_dir && !*h.tls_dir)
		return usage_error(sh, "option --tls-dir needs a directory");
	if (hosts_register(sh, &h, NULL, &err) < 0)
		return register_failed(sh, h.name, &err);
	return output_result(sh, out_printf(sh, "%s\n", h.name));
}

static int exec_remove(struct shell *sh, struct args *a)
{
	const char *name = a->argv[0];
	struct berr err;

	if (hosts_unregister(sh, name, &err) < 0) {
		if (err.kind == BERR_CONNECT || err.kind == BERR_TIMEOUT || err.kind == BERR_LOCAL ||
		    err.kind == BERR_PROTOCOL)
			return error(sh, "cannot remove host %s: %s", name, err.msg);
		return error(sh, "%s", err.msg);
	}
	return output_result(sh, out_printf(sh, "%s\n", name));
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

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		abort();
	return s;
}

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
		return str_printf("%s", dc);
	if (!home || !*home)
		return NULL;
	return str_printf("%s/.docker", home);
}

static void read_context(const char *cfgdir, const char *dirname, struct context *c)
{
	char *meta = str_printf("%s/contexts/meta/%s/meta.json", cfgdir, dirname);
	char *tls = str_printf("%s/contexts/tls/%s/docker", cfgdir, dirname);
	json_error_t jerr;
	json_t *root, *ep, *v;
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->dirname = str_printf("%s", dirname);
	root = NULL;
	/* as for the CLI, a directory without meta.json is no context */
	if (stat(meta, &st) < 0 && errno == ENOENT) {
		c->ignore = 1;
		goto cleanup;
	}
	root = json_load_file(meta, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		c->problem = str_printf("cannot read %s: %s", meta, jerr.text);
		goto cleanup;
	}
	v = get_ci(root, "Name");
	if (!json_is_string(v) || !*json_string_value(v)) {
		c->problem = str_printf("%s names no context", meta);
		goto cleanup;
	}
	c->name = str_printf("%s", json_string_value(v));
	ep = get_ci(get_ci(root, "Endpoints"), "docker");
	v = get_ci(ep, "Host");
	if (json_is_string(v) && *json_string_value(v))
		c->host = str_printf("%s", json_string_value(v));
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
	metadir = str_printf("%s/contexts/meta", cfgdir);
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
		if (!hosts_valid_name(c->name)) {
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
		if (hosts_register(sh, &h, &doc, &err) < 0) {
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
