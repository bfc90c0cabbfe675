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
#include "commands/context.h"
#include "backends/pool/settings.h"
#include "backends/pool/pool.h"
#include "backends/backend.h"
#include "backends/docker/docker.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "lib/xalloc.h"

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

/* -H tcp://... makes a host named by its URL: it lives in this process
 * only and never goes into the store. */
static int is_adhoc(const char *name)
{
	return strstr(name, "://") != NULL;
}

int hosts_valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

void host_ref_release(struct host_ref *h)
{
	if (!h)
		return;
	free(h->name);
	free(h->url);
	free(h->tls_dir);
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
 * or URL (then out is untouched). The document is copied into out. */
static int ref_from_doc(const bson_t *doc, struct host_ref *out)
{
	const char *name = store_doc_str(doc, "name"), *url = store_doc_str(doc, "url");
	const char *tls = store_doc_str(doc, "tls_dir");

	if (!name || !*name || !url || !*url)
		return -1;
	memset(out, 0, sizeof(*out));
	out->name = xstrdup_null(name);
	out->url = xstrdup_null(url);
	out->tls_dir = tls && *tls ? xstrdup_null(tls) : NULL;
	out->tls_verify = out->tls_dir != NULL;
	out->insecure = store_doc_bool(doc, "insecure", 0);
	out->doc = bson_copy(doc);
	return 0;
}

static int read_doc(struct shell *sh, const char *name, bson_t **doc, struct berr *err);

/* A configured host's document describes the engine at the URL it was
 * recorded with; when the configuration (or DOCKER_HOST) now points the
 * name at another one, that state and those errors are not this
 * engine's: the document starts over. Sets ref->doc. */
static void attach_config_doc(struct shell *sh, struct host_ref *ref, const bson_t *doc)
{
	const char *was = store_doc_str(doc, "url");
	struct berr ignored;
	char *old;

	ref->doc = bson_copy(doc);
	if (!was || !ref->url || !strcmp(was, ref->url) || is_adhoc(ref->name))
		return;
	old = xstrdup(was);
	if (pool_host_moved(sh, ref->name, ref->url, ref->tls_dir, old) == 0) {
		bson_destroy(ref->doc);
		if (read_doc(sh, ref->name, &ref->doc, &ignored) < 0)
			ref->doc = NULL;
	}
	free(old);
}

static void name_selector(bson_t *sel, const char *field, const char *name)
{
	bson_init(sel);
	BSON_APPEND_UTF8(sel, field, name);
}

/* The store's document of name into *doc (NULL when it has none). */
static int read_doc(struct shell *sh, const char *name, bson_t **doc, struct berr *err)
{
	struct store *s = shell_store(sh, err);
	bson_t sel, found_doc;
	int found = 0, rc;

	*doc = NULL;
	if (!s)
		return -1;
	name_selector(&sel, "name", name);
	rc = store_find_one(s, STORE_HOSTS, &sel, &found_doc, &found, err);
	bson_destroy(&sel);
	if (rc < 0) {
		shell_store_failed(sh, err);
		return -1;
	}
	if (found) {
		*doc = bson_copy(&found_doc);
		bson_destroy(&found_doc);
	}
	return 0;
}

int hosts_find(struct shell *sh, const char *name, unsigned flags, struct host_ref *out,
	       struct berr *err)
{
	const struct host_settings *hc = settings_find_host(&sh->settings, name);
	struct berr ignored;
	bson_t *doc = NULL;

	berr_clear(err);
	if (hc) {
		ref_from_config(hc, out);
		/* the facts are a bonus: a store out of reach costs none of
		 * the settings */
		if ((flags & HOSTS_WITH_DOC) && !is_adhoc(name)) {
			if (read_doc(sh, name, &doc, &ignored) < 0)
				doc = NULL;
			if (doc) {
				attach_config_doc(sh, out, doc);
				bson_destroy(doc);
			}
		}
		return 1;
	}
	/* a URL or a typo with a space was never registered: no store needed */
	if (!hosts_valid_name(name))
		return 0;
	if (read_doc(sh, name, &doc, err) < 0)
		return -1;
	if (doc && store_doc_bool(doc, "configured", 0)) {
		/* the facts of a host the configuration no longer has */
		bson_destroy(doc);
		doc = NULL;
	}
	if (!doc)
		return 0;
	if (ref_from_doc(doc, out) < 0) {
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

static void warn_hosts_unavailable(struct shell *sh, const struct berr *err)
{
	if (sh->hosts_warned)
		return;
	sh->hosts_warned = 1;
	warning(sh, "registered hosts are unavailable: %s", err->msg);
}

static void list_hosts(struct shell *sh, unsigned flags, struct host_list *out, int warn)
{
	struct store_find_opts opts;
	struct doc_vec dv;
	struct store *s;
	bson_t sort;
	size_t i, j, nconfig;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&dv, 0, sizeof(dv));
	for (i = 0; i < sh->settings.nhosts; i++) {
		struct host_ref r;

		ref_from_config(&sh->settings.hosts[i], &r);
		list_push(out, &r);
	}
	nconfig = out->n;

	s = shell_store(sh, &out->err);
	if (!s)
		goto unavailable;
	bson_init(&sort);
	BSON_APPEND_INT32(&sort, "name", 1);
	memset(&opts, 0, sizeof(opts));
	opts.sort = &sort;
	rc = store_find(s, STORE_HOSTS, NULL, &opts, collect_doc, &dv, &out->err);
	bson_destroy(&sort);
	if (rc < 0) {
		shell_store_failed(sh, &out->err);
		doc_vec_release(&dv);
		goto unavailable;
	}
	for (i = 0; i < dv.n; i++) {
		const char *name = store_doc_str(dv.v[i], "name");
		struct host_ref r;
		int dup = 0;

		if (!name)
			continue;
		for (j = 0; j < out->n; j++) {
			if (strcmp(out->v[j].name, name))
				continue;
			/* the configuration's settings, the store's facts */
			if (j < nconfig && (flags & HOSTS_WITH_DOC) && !out->v[j].doc)
				attach_config_doc(sh, &out->v[j], dv.v[i]);
			dup = 1;
			break;
		}
		/* a document of a host the configuration had once is
		 * no registration */
		if (!dup && !store_doc_bool(dv.v[i], "configured", 0) && ref_from_doc(dv.v[i], &r) == 0)
			list_push(out, &r);
	}
	doc_vec_release(&dv);
	out->store_ok = 1;
	return;

unavailable:
	if (warn)
		warn_hosts_unavailable(sh, &out->err);
}

void hosts_list(struct shell *sh, unsigned flags, struct host_list *out)
{
	list_hosts(sh, flags, out, !(flags & HOSTS_QUIET));
}

void host_list_release(struct host_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		host_ref_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

char *hosts_known_names(struct shell *sh)
{
	struct host_list l;
	char *out = NULL;
	size_t i, len = 0;

	if (sh->store_failed) {
		/* known to be out of reach: no second timeout for a message */
		memset(&l, 0, sizeof(l));
		for (i = 0; i < sh->settings.nhosts; i++) {
			struct host_ref r;

			ref_from_config(&sh->settings.hosts[i], &r);
			list_push(&l, &r);
		}
	} else {
		list_hosts(sh, 0, &l, 0);
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
			"host %s already exists (remove it first with 'host remove %s')", name, name);
}

int hosts_register(struct shell *sh, const struct host_new *h, bson_t *doc_out, struct berr *err)
{
	struct store_host_info info;
	struct docker_endpoint ep;
	struct backend *b;
	struct store *s;
	char *tls = NULL;
	bson_t doc;
	int64_t now = store_now_ms();
	int is_unix, is_https, have_doc = 0, ret = -1;

	berr_clear(err);
	if (!hosts_valid_name(h->name)) {
		berr_set(err, BERR_USAGE, "invalid host name '%s': use letters, digits, '-', '_' and '.'",
			 h->name);
		goto cleanup;
	}
	if (!scheme_ok(h->url)) {
		berr_set(err, BERR_USAGE, "invalid URL '%s' for host %s: use unix:///PATH or tcp://HOST:PORT",
			 h->url, h->name);
		goto cleanup;
	}
	is_unix = !strncmp(h->url, "unix://", 7);
	is_https = !strncmp(h->url, "https://", 8);
	if (h->tls_dir) {
		if (is_unix) {
			berr_set(err, BERR_USAGE,
				 "host %s: a unix:// socket takes no TLS directory (TLS is for tcp:// hosts)",
				 h->name);
			goto cleanup;
		}
		if (h->insecure) {
			berr_set(err, BERR_USAGE,
				 "host %s: --insecure and --tls-dir contradict each other: give one of them",
				 h->name);
			goto cleanup;
		}
		tls = absolute_path(h->tls_dir);
		if (check_tls_dir(tls, err) < 0)
			goto cleanup;
	} else if (!is_unix && !is_https && !h->insecure) {
		berr_set(err, BERR_USAGE,
			 "host %s: %s without TLS is plain HTTP: give --tls-dir DIR (with ca.pem, "
			 "cert.pem and key.pem) or --insecure", h->name, h->url);
		goto cleanup;
	}

	/* the engine client's own checks (a host in the URL, a socket path),
	 * so that nothing is registered that could not be used */
	memset(&ep, 0, sizeof(ep));
	ep.name = h->name;
	ep.url = h->url;
	ep.tls_dir = tls;
	ep.tls_verify = tls != NULL;
	ep.insecure = h->insecure;
	b = docker_backend_new(&ep, err);
	if (!b) {
		err->kind = BERR_USAGE;
		goto cleanup;
	}
	backend_free(b);

	if (settings_find_host(&sh->settings, h->name)) {
		already_exists(h->name, err);
		goto cleanup;
	}
	if (!(s = shell_store(sh, err)))
		goto cleanup;

	memset(&info, 0, sizeof(info));
	info.name = h->name;
	info.url = h->url;
	info.tls_dir = tls;
	info.insecure = h->insecure && !tls;
	info.state = "spawned";
	info.state_reason = h->reason;
	bson_init(&doc);
	have_doc = 1;
	if (store_doc_host(&doc, &info, NULL, now, err) < 0)
		goto cleanup;
	/* for least-loaded's ties: the oldest host first */
	BSON_APPEND_DATE_TIME(&doc, "added", now);
	/* the unique name decides between two berths adding it at once */
	if (store_insert(s, STORE_HOSTS, &doc, err) < 0) {
		if (err->kind == BERR_CONFLICT)
			already_exists(h->name, err);
		else
			shell_store_failed(sh, err);
		goto cleanup;
	}
	if (doc_out)
		bson_copy_to(&doc, doc_out);
	ret = 0;
cleanup:
	if (have_doc)
		bson_destroy(&doc);
	free(tls);
	return ret;
}

/* --- forgetting ------------------------------------------------------------- */

void hosts_forget_backend(struct shell *sh, const char *host)
{
	size_t i;

	for (i = 0; i < sh->nbackends; i++) {
		if (strcmp(sh->backends[i].host, host))
			continue;
		backend_free(sh->backends[i].backend);
		free(sh->backends[i].host);
		memmove(&sh->backends[i], &sh->backends[i + 1],
			(sh->nbackends - i - 1) * sizeof(*sh->backends));
		sh->nbackends--;
		return;
	}
}

static int config_host_refused(struct shell *sh, const char *name, struct berr *err)
{
	char files[1024] = "";
	size_t i;

	if (is_adhoc(name))
		return berr_set(err, BERR_USAGE,
				"host %s was named by its URL (-H); it is not registered, so there is nothing to remove",
				name);
	for (i = 0; i < sh->settings.nloaded; i++) {
		/* the file to edit, wherever the user stands now */
		char *path = absolute_path(sh->settings.loaded_files[i]);
		size_t used = strlen(files);

		snprintf(files + used, sizeof(files) - used, "%s%s", i ? ", " : "", path);
		free(path);
	}
	if (!files[0])
		return berr_set(err, BERR_USAGE,
				"host %s comes from the configuration (built in); it cannot be removed", name);
	return berr_set(err, BERR_USAGE, "host %s comes from the configuration (%s); remove it there",
			name, files);
}

int hosts_unregister(struct shell *sh, const char *name, struct berr *err)
{
	static const enum store_coll caches[] = { STORE_CONTAINERS, STORE_IMAGES };
	struct store *s;
	int64_t n = 0;
	bson_t sel;
	size_t i;
	int rc;

	berr_clear(err);
	if (settings_find_host(&sh->settings, name))
		return config_host_refused(sh, name, err);
	if (!(s = shell_store(sh, err)))
		return -1;
	name_selector(&sel, "name", name);
	rc = store_remove(s, STORE_HOSTS, &sel, &n, err);
	bson_destroy(&sel);
	if (rc < 0) {
		shell_store_failed(sh, err);
		return -1;
	}
	if (n == 0) {
		char *known = hosts_known_names(sh);

		berr_set(err, BERR_NOT_FOUND, "unknown host: %s (known: %s)", name, known);
		free(known);
		return -1;
	}

	hosts_forget_backend(sh, name);
	if (sh->current_host && !strcmp(sh->current_host, name)) {
		free(sh->current_host);
		/* back where the session started: default_host, or the pool */
		sh->current_host = sh->settings.default_host_set ?
			xstrdup_null(sh->settings.default_host) : NULL;
	}

	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		struct berr e;

		berr_clear(&e);
		name_selector(&sel, "host", name);
		rc = store_remove(s, caches[i], &sel, NULL, &e);
		bson_destroy(&sel);
		if (rc < 0) {
			shell_store_failed(sh, &e);
			return berr_set(err, e.kind,
					"host %s was removed, but not its cached %s: %s (cache reset empties them)",
					name, store_coll_name(caches[i]), e.msg);
		}
	}
	return 0;
}

/* --- what the engines said ------------------------------------------------------ */

int hosts_record_seen(struct shell *sh, const char *host, const json_t *info)
{
	return pool_record_answer(sh, host, info) < 0 ? -1 : 0;
}
