/* hosts.c: the hosts berth knows: the configuration's first, then those
 * registered in the store's hosts collection (see hosts.h).
 *
 * Configured hosts never wait for the store: a lookup that the
 * configuration answers does not open it, so a dead MongoDB only costs the
 * hosts that live there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "backends/pool/hosts.h"
#include "backends/pool/fleet.h"
#include "backends/pool/settings.h"
#include "backends/pool/pool.h"
#include "backends/pool/host_doc.h"
#include "backends/backend.h"
#include "backends/docker/docker.h"
#include "backends/store/store.h"
#include "lib/names.h"
#include "lib/xalloc.h"
#include "lib/text.h"

/* xstrdup that passes NULL through: optional fields. */
static char *xstrdup_null(const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = xrealloc(NULL, n);
	memcpy(d, s, n);
	return d;
}

void host_ref_release(struct host_ref *h)
{
	if (!h)
		return;
	free(h->name);
	free(h->url);
	free(h->tls_dir);
	free(h->tls_name);
	if (h->doc)
		bson_destroy(h->doc);
	memset(h, 0, sizeof(*h));
}

void host_ref_endpoint(const struct host_ref *h, const struct settings *cfg,
		       struct docker_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->name = h->name;
	ep->url = h->url;
	ep->tls_dir = h->tls_dir;
	ep->tls_name = h->tls_name;
	ep->tls_verify = h->tls_verify;
	ep->insecure = h->insecure;
	ep->connect_timeout_ms = cfg->connect_timeout_ms;
	ep->timeout_ms = cfg->request_timeout_ms;
	ep->idle_ms = cfg->idle_timeout_ms;
	ep->api_version = cfg->api_version;
}

static void ref_from_config(const struct host_settings *hc, struct host_ref *out)
{
	memset(out, 0, sizeof(*out));
	out->name = xstrdup_null(hc->name);
	out->url = xstrdup_null(hc->url);
	out->tls_dir = xstrdup_null(hc->tls_dir);
	out->tls_verify = hc->tls_verify;
	out->insecure = hc->insecure;
	out->from_config = 1;
}

/* A registered host's settings from its document; -1 when it lacks a name
 * or URL (then out is untouched), except for a host still spawning when
 * spawning is set: it has no URL until its VM has an address (url NULL).
 * The document is copied into out. */
static int ref_from_doc(const bson_t *doc, int spawning, struct host_ref *out)
{
	struct host_doc hd;
	int has_url;

	host_doc_read(doc, &hd);
	has_url = hd.url && *hd.url;
	if (!hd.name || !*hd.name || (!has_url && !(spawning && hd.cloud.present)))
		return -1;
	memset(out, 0, sizeof(*out));
	out->name = xstrdup_null(hd.name);
	out->url = has_url ? xstrdup(hd.url) : NULL;
	out->tls_dir = hd.tls_dir && *hd.tls_dir ? xstrdup_null(hd.tls_dir) : NULL;
	out->tls_verify = out->tls_dir != NULL;
	out->tls_name = out->tls_dir && hd.tls_name && *hd.tls_name ? xstrdup(hd.tls_name) : NULL;
	out->insecure = hd.insecure;
	out->doc = bson_copy(doc);
	return 0;
}

static int read_doc(struct fleet *fl, const char *name, bson_t **doc, struct berr *err);

/* A configured host's document describes the engine at the URL it was
 * recorded with; when the configuration (or DOCKER_HOST) now points the
 * name at another one, that state and those errors are not this
 * engine's: the document starts over. Sets ref->doc. */
static void attach_config_doc(struct fleet *fl, struct host_ref *ref, const bson_t *doc)
{
	struct host_doc hd;
	const char *was;
	struct berr ignored;
	char *old;

	host_doc_read(doc, &hd);
	was = hd.url;
	ref->doc = bson_copy(doc);
	if (!was || !ref->url || !strcmp(was, ref->url) || host_is_adhoc(ref->name))
		return;
	old = xstrdup(was);
	if (pool_host_moved(fl, ref->name, ref->url, ref->tls_dir, old) == 0) {
		bson_destroy(ref->doc);
		if (read_doc(fl, ref->name, &ref->doc, &ignored) < 0)
			ref->doc = NULL;
	}
	free(old);
}

/* { host: name }: the cached rows of a host. */
static void cache_selector(bson_t *sel, const char *name)
{
	bson_init(sel);
	BSON_APPEND_UTF8(sel, "host", name);
}

/* The store's document of name into *doc (NULL when it has none). */
static int read_doc(struct fleet *fl, const char *name, bson_t **doc, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t sel, found_doc;
	int found = 0, rc;

	*doc = NULL;
	if (!s)
		return -1;
	host_doc_selector(&sel, name);
	rc = store_find_one(s, STORE_HOSTS, &sel, &found_doc, &found, err);
	bson_destroy(&sel);
	if (rc < 0) {
		fleet_store_failed(fl, err);
		return -1;
	}
	if (found) {
		*doc = bson_copy(&found_doc);
		bson_destroy(&found_doc);
	}
	return 0;
}

/* The document of a host the configuration had once: no registration. */
static int is_configured_doc(const bson_t *doc)
{
	struct host_doc hd;

	host_doc_read(doc, &hd);
	return hd.configured;
}

int hosts_find(struct fleet *fl, const char *name, unsigned flags, struct host_ref *out,
	       struct berr *err)
{
	const struct host_settings *hc = settings_find_host(fl->settings, name);
	struct berr ignored;
	bson_t *doc = NULL;

	berr_clear(err);
	if (hc) {
		ref_from_config(hc, out);
		/* the facts are a bonus: a store out of reach costs none of
		 * the settings */
		if ((flags & HOSTS_WITH_DOC) && !host_is_adhoc(name)) {
			if (read_doc(fl, name, &doc, &ignored) < 0)
				doc = NULL;
			if (doc) {
				attach_config_doc(fl, out, doc);
				bson_destroy(doc);
			}
		}
		return 1;
	}
	/* a URL or a typo with a space was never registered: no store needed */
	if (!valid_host_name(name))
		return 0;
	if (read_doc(fl, name, &doc, err) < 0)
		return -1;
	if (doc && is_configured_doc(doc)) {
		/* the facts of a host the configuration no longer has */
		bson_destroy(doc);
		doc = NULL;
	}
	if (!doc)
		return 0;
	if (ref_from_doc(doc, 0, out) < 0) {
		bson_destroy(doc);
		berr_set(err, BERR_PROTOCOL, "the store's document for host %s has no URL", name);
		return -1;
	}
	bson_destroy(doc);
	return 1;
}

/* --- every host ------------------------------------------------------------ */

struct doc_vec {
	bson_t **v;
	size_t n;
};

static int collect_doc(void *ud, const bson_t *doc, struct berr *err)
{
	struct doc_vec *dv = ud;

	(void)err;
	dv->v = xrealloc(dv->v, (dv->n + 1) * sizeof(*dv->v));
	dv->v[dv->n++] = bson_copy(doc);
	return 0;
}

static void doc_vec_release(struct doc_vec *dv)
{
	size_t i;

	for (i = 0; i < dv->n; i++)
		bson_destroy(dv->v[i]);
	free(dv->v);
	memset(dv, 0, sizeof(*dv));
}

static void list_push(struct host_list *l, struct host_ref *r)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *r;
}

static void warn_hosts_unavailable(struct fleet *fl, const struct berr *err)
{
	if (fl->hosts_warned)
		return;
	fl->hosts_warned = 1;
	fleet_warn(fl, "registered hosts are unavailable: %s", err->msg);
}

static void list_hosts(struct fleet *fl, unsigned flags, struct host_list *out, int warn)
{
	struct store_find_opts opts;
	struct doc_vec dv;
	struct store *s;
	bson_t sort;
	size_t i, j, nconfig;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&dv, 0, sizeof(dv));
	for (i = 0; i < fl->settings->nhosts; i++) {
		struct host_ref r;

		ref_from_config(&fl->settings->hosts[i], &r);
		list_push(out, &r);
	}
	nconfig = out->n;

	s = fleet_store(fl, &out->err);
	if (!s)
		goto unavailable;
	host_doc_sort_by_name(&sort);
	memset(&opts, 0, sizeof(opts));
	opts.sort = &sort;
	rc = store_find(s, STORE_HOSTS, NULL, &opts, collect_doc, &dv, &out->err);
	bson_destroy(&sort);
	if (rc < 0) {
		fleet_store_failed(fl, &out->err);
		doc_vec_release(&dv);
		goto unavailable;
	}
	for (i = 0; i < dv.n; i++) {
		struct host_doc hd;
		const char *name;
		struct host_ref r;
		int dup = 0;

		host_doc_read(dv.v[i], &hd);
		name = hd.name;
		if (!name)
			continue;
		for (j = 0; j < out->n; j++) {
			if (strcmp(out->v[j].name, name))
				continue;
			/* the configuration's settings, the store's facts */
			if (j < nconfig && (flags & HOSTS_WITH_DOC) && !out->v[j].doc)
				attach_config_doc(fl, &out->v[j], dv.v[i]);
			dup = 1;
			break;
		}
		/* a document of a host the configuration had once is
		 * no registration */
		if (dup || hd.configured)
			continue;
		if (ref_from_doc(dv.v[i], !!(flags & HOSTS_SPAWNING), &r) == 0)
			list_push(out, &r);
	}
	doc_vec_release(&dv);
	out->store_ok = 1;
	return;

unavailable:
	if (warn)
		warn_hosts_unavailable(fl, &out->err);
}

void hosts_list(struct fleet *fl, unsigned flags, struct host_list *out)
{
	list_hosts(fl, flags, out, !(flags & HOSTS_QUIET));
}

void host_list_release(struct host_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		host_ref_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

char *hosts_known_names(struct fleet *fl)
{
	struct host_list l;
	char *out = NULL;
	size_t i, len = 0;

	if (fl->store_failed) {
		/* known to be out of reach: no second timeout for a message */
		memset(&l, 0, sizeof(l));
		for (i = 0; i < fl->settings->nhosts; i++) {
			struct host_ref r;

			ref_from_config(&fl->settings->hosts[i], &r);
			list_push(&l, &r);
		}
	} else {
		list_hosts(fl, 0, &l, 0);
	}
	for (i = 0; i < l.n; i++) {
		size_t n = strlen(l.v[i].name);

		out = xrealloc(out, len + n + 3);
		if (i) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, l.v[i].name, n);
		len += n;
	}
	out = xrealloc(out, len + 1);
	out[len] = '\0';
	host_list_release(&l);
	return out;
}

/* --- registering ------------------------------------------------------------- */

static int scheme_ok(const char *url)
{
	static const char *const schemes[] = { "unix://", "tcp://", "http://", "https://", NULL };
	int i;

	for (i = 0; schemes[i]; i++)
		if (!strncmp(url, schemes[i], strlen(schemes[i])) && url[strlen(schemes[i])])
			return 1;
	return 0;
}

/* path made absolute without resolving symbolic links (a "current" link
 * to rotated certificates keeps working): ~/ is the home directory, a
 * relative path is taken from the working directory. Caller frees. */
static char *absolute_path(const char *path)
{
	const char *home = getenv("HOME");
	char cwd[4096];
	size_t n;
	char *out;

	if (path[0] == '~' && (path[1] == '/' || !path[1]) && home && *home) {
		n = strlen(home) + strlen(path);
		out = xrealloc(NULL, n + 1);
		snprintf(out, n + 1, "%s%s", home, path + 1);
	} else if (path[0] == '/') {
		out = xstrdup_null(path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return xstrdup_null(path);
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (!strcmp(path, "."))
			path = "";
		n = strlen(cwd) + strlen(path) + 2;
		out = xrealloc(NULL, n);
		snprintf(out, n, "%s%s%s", cwd, *path && strcmp(cwd, "/") ? "/" : "", path);
	}
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

static int check_tls_dir(const char *dir, struct berr *err)
{
	static const char *const files[] = { "ca.pem", "cert.pem", "key.pem" };
	struct stat st;
	char path[4096];
	size_t i;

	if (stat(dir, &st) < 0)
		return berr_set(err, BERR_USAGE, "cannot use the TLS directory %s: %s", dir,
				strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return berr_set(err, BERR_USAGE, "the TLS directory %s is not a directory", dir);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, F_OK) < 0)
			return berr_set(err, BERR_USAGE,
					"the TLS directory %s has no %s (it needs ca.pem, cert.pem and key.pem)",
					dir, files[i]);
		if (access(path, R_OK) < 0)
			return berr_set(err, BERR_USAGE, "cannot read %s: %s", path, strerror(errno));
	}
	return 0;
}

static int already_exists(const char *name, struct berr *err)
{
	return berr_set(err, BERR_CONFLICT,
			"host %s already exists (remove it first with 'host remove %s')", CUT(name), CUT(name));
}

/* hosts_check_new; *tls_out gets the TLS directory made absolute (NULL:
 * none; free it), also on failure. */
static int check_new(const struct host_new *h, char **tls_out, struct berr *err)
{
	struct docker_endpoint ep;
	struct backend *b;
	char *tls = NULL;
	int is_unix, is_https, ret = -1;

	berr_clear(err);
	if (!valid_host_name(h->name)) {
		berr_set(err, BERR_USAGE, "invalid host name '%s': use letters, digits, '-', '_' and '.'",
			 CUT(h->name));
		goto cleanup;
	}
	if (!scheme_ok(h->url)) {
		berr_set(err, BERR_USAGE, "invalid URL '%s' for host %s: use unix:///PATH or tcp://HOST:PORT",
			 CUT(h->url), CUT(h->name));
		goto cleanup;
	}
	is_unix = !strncmp(h->url, "unix://", 7);
	is_https = !strncmp(h->url, "https://", 8);
	if (h->tls_dir) {
		if (is_unix) {
			berr_set(err, BERR_USAGE,
				 "host %s: a unix:// socket takes no TLS directory (TLS is for tcp:// hosts)",
				 CUT(h->name));
			goto cleanup;
		}
		if (h->insecure) {
			berr_set(err, BERR_USAGE,
				 "host %s: --insecure and --tls-dir contradict each other: give one of them",
				 CUT(h->name));
			goto cleanup;
		}
		tls = absolute_path(h->tls_dir);
		if (check_tls_dir(tls, err) < 0)
			goto cleanup;
	} else if (!is_unix && !is_https && !h->insecure) {
		berr_set(err, BERR_USAGE,
			 "host %s: %s without TLS is plain HTTP: give --tls-dir DIR (with ca.pem, "
			 "cert.pem and key.pem) or --insecure", CUT(h->name), CUT(h->url));
		goto cleanup;
	}

	/* the engine client's own checks (a host in the URL, a socket path),
	 * so that nothing is registered that could not be used */
	memset(&ep, 0, sizeof(ep));
	ep.name = h->name;
	ep.url = h->url;
	ep.tls_dir = tls;
	ep.tls_name = h->tls_name;
	ep.tls_verify = tls != NULL;
	ep.insecure = h->insecure;
	b = docker_backend_new(&ep, err);
	if (!b) {
		err->kind = BERR_USAGE;
		goto cleanup;
	}
	backend_free(b);
	ret = 0;
cleanup:
	*tls_out = tls;
	return ret;
}

int hosts_check_new(const struct host_new *h, struct berr *err)
{
	char *tls;
	int rc = check_new(h, &tls, err);

	free(tls);
	return rc;
}

void hosts_ask_new(struct fleet *fl, const struct host_new *hs, size_t n, json_t **infos)
{
	struct host_list l;
	struct host_ref *refs;
	json_t **got;
	size_t i, nr;

	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	refs = xcalloc(n + l.n + 1, sizeof(*refs));
	got = xcalloc(n + l.n + 1, sizeof(*got));
	for (i = 0; i < n; i++) {
		refs[i].name = xstrdup_null(hs[i].name);
		refs[i].url = xstrdup_null(hs[i].url);
		refs[i].tls_dir = xstrdup_null(hs[i].tls_dir);
		refs[i].tls_verify = hs[i].tls_dir != NULL;
		refs[i].insecure = hs[i].insecure;
	}
	nr = n;
	for (i = 0; l.store_ok && i < l.n; i++) {
		struct host_doc hd;

		host_doc_read(l.v[i].doc, &hd);
		if (host_is_adhoc(l.v[i].name) || strcmp(hd.state, "active") ||
		    (hd.engine.id && *hd.engine.id))
			continue;
		refs[nr++] = l.v[i];
		memset(&l.v[i], 0, sizeof(l.v[i]));
	}
	pool_ask_info(fl, refs, nr, got);
	for (i = 0; i < nr; i++) {
		if (i < n)
			infos[i] = got[i];
		else if (got[i])
			pool_record_answer(fl, refs[i].name, got[i]);
		if (i >= n)
			json_decref(got[i]);
		host_ref_release(&refs[i]);
	}
	free(got);
	free(refs);
	host_list_release(&l);
}

/* The known host (other than name) whose document records engine ID id,
 * or NULL. Caller frees. */
static char *find_twin(struct fleet *fl, const char *id, const char *name)
{
	struct host_list l;
	char *twin = NULL;
	size_t i;

	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	for (i = 0; !twin && i < l.n; i++) {
		struct host_doc hd;

		host_doc_read(l.v[i].doc, &hd);
		if (hd.engine.id && !strcmp(hd.engine.id, id) && strcmp(l.v[i].name, name))
			twin = xstrdup(l.v[i].name);
	}
	host_list_release(&l);
	return twin;
}

int hosts_register(struct fleet *fl, const struct host_new *h, bson_t *doc_out, char **twin,
		   struct berr *err)
{
	struct host_doc_new info;
	struct store *s;
	char *tls = NULL, *first = NULL;
	const char *id = json_string_value(json_object_get(h->info, "ID"));
	bson_t doc;
	int64_t now = store_now_ms();
	int have_doc = 0, ret = -1;

	if (twin)
		*twin = NULL;
	if (check_new(h, &tls, err) < 0)
		goto cleanup;
	if (settings_find_host(fl->settings, h->name)) {
		already_exists(h->name, err);
		goto cleanup;
	}
	if (!(s = fleet_store(fl, err)))
		goto cleanup;
	/* one engine, one host: the first name it got stands for it */
	if (id && *id && (first = find_twin(fl, id, h->name))) {
		berr_set(err, BERR_CONFLICT, "%s is the same engine as %s (ID %s); remove %s first or use it",
			 CUT(h->name), first, id, first);
		if (twin) {
			*twin = first;
			first = NULL;
		}
		goto cleanup;
	}

	memset(&info, 0, sizeof(info));
	info.name = h->name;
	info.url = h->url;
	info.tls_dir = tls;
	info.tls_name = h->tls_name;
	info.insecure = h->insecure && !tls;
	info.state = "spawned";
	info.state_reason = h->reason;
	info.added_ms = now;
	bson_init(&doc);
	have_doc = 1;
	if (host_doc_build(&doc, &info, h->info, now, err) < 0)
		goto cleanup;
	/* the unique name decides between two berths adding it at once */
	if (store_insert(s, STORE_HOSTS, &doc, err) < 0) {
		if (err->kind == BERR_CONFLICT)
			already_exists(h->name, err);
		else
			fleet_store_failed(fl, err);
		goto cleanup;
	}
	if (doc_out)
		bson_copy_to(&doc, doc_out);
	ret = 0;
cleanup:
	if (have_doc)
		bson_destroy(&doc);
	free(first);
	free(tls);
	return ret;
}

/* --- forgetting ------------------------------------------------------------- */

static int config_host_refused(struct fleet *fl, const char *name, struct berr *err)
{
	char files[1024] = "";
	size_t i;

	if (host_is_adhoc(name))
		return berr_set(err, BERR_USAGE,
				"host %s was named by its URL (-H); it is not registered, so there is nothing to remove",
				name);
	for (i = 0; i < fl->settings->nloaded; i++) {
		/* the file to edit, wherever the user stands now */
		char *path = absolute_path(fl->settings->loaded_files[i]);
		size_t used = strlen(files);

		snprintf(files + used, sizeof(files) - used, "%s%s", i ? ", " : "", path);
		free(path);
	}
	/* the host exists: the command cannot remove it (exit 1) */
	if (!files[0])
		return berr_set(err, BERR_CONFLICT,
				"host %s comes from the configuration (built in); it cannot be removed", name);
	return berr_set(err, BERR_CONFLICT, "host %s comes from the configuration (%s); remove it there",
			name, files);
}

int hosts_unregister(struct fleet *fl, const char *name, int *removed, struct berr *err)
{
	static const enum store_coll caches[] = { STORE_CONTAINERS, STORE_IMAGES, STORE_VOLUMES,
						  STORE_NETWORKS };
	struct store *s;
	int64_t n = 0;
	bson_t sel;
	size_t i;
	int rc;

	berr_clear(err);
	if (removed)
		*removed = 0;
	if (settings_find_host(fl->settings, name))
		return config_host_refused(fl, name, err);
	if (!(s = fleet_store(fl, err)))
		return -1;
	host_doc_selector(&sel, name);
	rc = store_remove(s, STORE_HOSTS, &sel, &n, err);
	bson_destroy(&sel);
	if (rc < 0) {
		fleet_store_failed(fl, err);
		return -1;
	}
	if (n == 0) {
		fleet_unknown_host(fl, name, NULL, err);
		return -1;
	}

	fleet_forget_backend(fl, name);
	if (removed)
		*removed = 1;

	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		struct berr e;

		berr_clear(&e);
		cache_selector(&sel, name);
		rc = store_remove(s, caches[i], &sel, NULL, &e);
		bson_destroy(&sel);
		if (rc < 0) {
			fleet_store_failed(fl, &e);
			return berr_set(err, e.kind,
					"host %s was removed, but not its cached %s: %s (cache reset empties them)",
					name, store_coll_name(caches[i]), e.msg);
		}
	}
	return 0;
}

/* --- what the engines said ------------------------------------------------------ */

int hosts_record_seen(struct fleet *fl, const char *host, const json_t *info)
{
	return pool_record_answer(fl, host, info) < 0 ? -1 : 0;
}
