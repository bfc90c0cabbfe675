/* fleet.c: the fleet's context: the store, the engine clients, notices. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/fleet.h"
#include "backends/pool/hosts.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/docker/docker.h"
#include "backends/fanout.h"
#include "backends/store/store.h"
#include "lib/text.h"
#include "lib/xalloc.h"

void fleet_init(struct fleet *fl, const struct settings *settings, fleet_note_fn note, void *ud)
{
	memset(fl, 0, sizeof(*fl));
	fl->settings = settings;
	fl->active_hosts = -1;
	if (settings)
		fanout_set_max_inflight((size_t)settings->pool_concurrency);
	fl->note = note;
	fl->note_ud = ud;
}

void fleet_release(struct fleet *fl)
{
	size_t i;

	for (i = 0; i < fl->nbackends; i++) {
		backend_free(fl->backends[i].backend);
		free(fl->backends[i].host);
	}
	free(fl->backends);
	fl->backends = NULL;
	fl->nbackends = fl->backends_alloc = 0;
	strindex_clear(&fl->backend_ix);
	if (fl->store) {
		store_free(fl->store);
		fl->store = NULL;
		store_shutdown();
	}
}

void fleet_new_command(struct fleet *fl)
{
	fl->cache_warned = 0;
	fl->hosts_warned = 0;
	if (fl->store_failed) {
		fl->store_failed = 0;
		berr_clear(&fl->store_err);
	}
}

void fleet_say(struct fleet *fl, enum fleet_note kind, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!fl->note)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fl->note(fl->note_ud, kind, msg ? msg : "out of memory");
	free(msg);
}

/* --- the store ------------------------------------------------------ */

struct store *fleet_store(struct fleet *fl, struct berr *err)
{
	if (fl->store_failed) {
		*err = fl->store_err;
		return NULL;
	}
	if (fl->store)
		return fl->store;
	berr_clear(err);
	if (store_open(fl->settings->mongodb_uri, fl->settings->mongodb_database, &fl->store,
		       err) < 0) {
		fl->store = NULL;
		if (!err->msg[0])
			berr_set(err, BERR_LOCAL, "cannot open the store");
		/* nothing about the settings will change this run */
		fl->store_failed = 1;
		fl->store_err = *err;
		return NULL;
	}
	return fl->store;
}

void fleet_store_failed(struct fleet *fl, const struct berr *err)
{
	if (!err || (err->kind != BERR_CONNECT && err->kind != BERR_TIMEOUT))
		return;
	fl->store_failed = 1;
	fl->store_err = *err;
}

void fleet_cache_warn(struct fleet *fl, const struct berr *err)
{
	fleet_store_failed(fl, err);
	if (fl->cache_warned)
		return;
	fl->cache_warned = 1;
	fleet_warn(fl, "the cache was not updated: %s",
		   err && err->msg[0] ? err->msg : "the store failed");
}

/* --- engine clients ------------------------------------------------- */

/* What the user can do about a host's TLS or plain HTTP, in the words of
 * where it comes from (docker.h; NULL: the configuration's). */
#define CERTS_FROM_ENV "set DOCKER_TLS_VERIFY=1 with the certificates in DOCKER_CERT_PATH (default ~/.docker)"
#define AGAIN "register it again (host remove, then host add) with "

static void endpoint_advice(struct fleet *fl, const struct host_ref *h, struct docker_endpoint *ep)
{
	const struct host_settings *hc = settings_find_host(fl->settings, h->name);

	if (strstr(h->name, "://")) {
		/* -H URL, host use URL */
		ep->advice_tls = CERTS_FROM_ENV;
		ep->advice_plain = "add --insecure";
		ep->advice_to_plain = "unset DOCKER_TLS_VERIFY and add --insecure";
	} else if (h->from_config && hc && hc->from_env) {
		ep->advice_tls = CERTS_FROM_ENV;
		ep->advice_plain = "use DOCKER_HOST=tcp://HOST:PORT without DOCKER_TLS_VERIFY";
		ep->advice_to_plain = "unset DOCKER_TLS_VERIFY";
	} else if (!h->from_config) {
		ep->advice_tls = AGAIN "--tls-dir DIR";
		ep->advice_plain = AGAIN "--insecure";
		ep->advice_to_plain = AGAIN "--insecure instead of --tls-dir";
	}
}

/* DOCKER_HOST=tcp://... without DOCKER_TLS_VERIFY is plain HTTP, as for
 * the docker CLI; berth says so once a run unless --insecure was given. */
static void warn_plain_env(struct fleet *fl, const struct host_ref *h)
{
	const struct host_settings *hc = settings_find_host(fl->settings, h->name);

	if (fl->insecure || fl->plain_warned || !h->from_config || !hc || !hc->from_env ||
	    h->tls_dir || h->tls_verify || !strncmp(h->url, "unix://", 7))
		return;
	fl->plain_warned = 1;
	fleet_warn(fl, "%s: plain HTTP to %s (DOCKER_HOST without DOCKER_TLS_VERIFY): anyone who "
		   "can reach it controls the engine; --insecure says you mean it", h->name,
		   CUT(h->url));
}

static struct backend *open_backend(struct fleet *fl, const char *host)
{
	size_t i;

	return strindex_find(&fl->backend_ix, host, &i) ? fl->backends[i].backend : NULL;
}

struct backend *fleet_backend_ref(struct fleet *fl, const struct host_ref *h, struct berr *err)
{
	struct docker_endpoint ep;
	struct backend *b = open_backend(fl, h->name);

	if (b)
		return b;
	host_ref_endpoint(h, fl->settings, &ep);
	endpoint_advice(fl, h, &ep);
	berr_clear(err);
	b = docker_backend_new(&ep, err);
	if (!b) {
		if (!err->msg[0])
			berr_set(err, BERR_LOCAL, "%s: cannot set up the engine client", h->name);
		/* the host's settings are wrong, not the words of the command
		 * that wanted it: a failed operation */
		if (err->kind == BERR_USAGE)
			err->kind = BERR_LOCAL;
		return NULL;
	}
	warn_plain_env(fl, h);
	if (fl->nbackends == fl->backends_alloc) {
		fl->backends_alloc = fl->backends_alloc ? 2 * fl->backends_alloc : 16;
		fl->backends = xrealloc(fl->backends, fl->backends_alloc * sizeof(*fl->backends));
	}
	fl->backends[fl->nbackends].host = xstrdup(h->name);
	fl->backends[fl->nbackends].backend = b;
	strindex_add(&fl->backend_ix, fl->backends[fl->nbackends].host, fl->nbackends);
	fl->nbackends++;
	return b;
}

struct backend *fleet_backend_for(struct fleet *fl, const char *host, struct berr *err)
{
	struct backend *b = open_backend(fl, host);
	struct host_ref h;
	struct berr why;
	int rc;

	if (b)
		return b;
	rc = hosts_find(fl, host, 0, &h, &why);
	if (rc <= 0) {
		fleet_unknown_host(fl, host, rc < 0 ? &why : NULL, err);
		return NULL;
	}
	b = fleet_backend_ref(fl, &h, err);
	host_ref_release(&h);
	return b;
}

void fleet_forget_backend(struct fleet *fl, const char *host)
{
	size_t i;

	for (i = 0; i < fl->nbackends; i++) {
		if (strcmp(fl->backends[i].host, host))
			continue;
		backend_free(fl->backends[i].backend);
		free(fl->backends[i].host);
		memmove(&fl->backends[i], &fl->backends[i + 1],
			(fl->nbackends - i - 1) * sizeof(*fl->backends));
		fl->nbackends--;
		/* the positions after it moved */
		strindex_clear(&fl->backend_ix);
		for (i = 0; i < fl->nbackends; i++)
			strindex_add(&fl->backend_ix, fl->backends[i].host, i);
		return;
	}
}

int fleet_unknown_host(struct fleet *fl, const char *name, const struct berr *why,
		       struct berr *err)
{
	char *known = hosts_known_names(fl);

	if (why && why->msg[0])
		berr_set(err, why->kind == BERR_NONE ? BERR_LOCAL : why->kind,
			 "unknown host: %s (known: %s; registered hosts are unavailable: %s)",
			 CUT(name), known, why->msg);
	else
		berr_set(err, BERR_USAGE, "unknown host: %s (known: %s)", CUT(name), known);
	free(known);
	return -1;
}
