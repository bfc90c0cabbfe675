/* openstack_http.c: the OpenStack driver's HTTP: libcurl requests, Keystone
 * v3 authentication (password, application credential, token) with the
 * token reused until it expires, the service catalog, and the APIs' error
 * bodies made into one line (see openstack_internal.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "backends/cloud/openstack_internal.h"
#include "lib/strbuf.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xalloc.h"

/* A token is reused until this long before it expires. */
#define OS_TOKEN_MARGIN_S 120

struct os_reply {
	long status;
	struct strbuf body;
	char *subject_token; /* X-Subject-Token */
};

static void reply_release(struct os_reply *r)
{
	strbuf_release(&r->body);
	if (r->subject_token)
		memset(r->subject_token, 0, strlen(r->subject_token));
	free(r->subject_token);
	memset(r, 0, sizeof(*r));
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct os_reply *r = ud;

	strbuf_add(&r->body, buf, size * n);
	return size * n;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct os_reply *r = ud;
	size_t len = size * n;
	static const char name[] = "X-Subject-Token:";

	if (len > sizeof(name) - 1 && !strncasecmp(buf, name, sizeof(name) - 1)) {
		const char *v = buf + sizeof(name) - 1, *end = buf + len;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		free(r->subject_token);
		r->subject_token = xcalloc((size_t)(end - v) + 1, 1);
		memcpy(r->subject_token, v, (size_t)(end - v));
	}
	return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return berth_interrupted ? 1 : 0;
}

char *os_escape(struct openstack *o, const char *s)
{
	char *e = curl_easy_escape(o->curl, s, 0), *r = xstrdup(e ? e : "");

	curl_free(e);
	return r;
}

/* A curl failure as one line. */
static int curl_fail(struct openstack *o, CURLcode rc, const char *what, const char *errbuf,
		     struct berr *err)
{
	enum berr_kind kind = BERR_CONNECT;
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (rc == CURLE_OPERATION_TIMEDOUT)
		kind = BERR_TIMEOUT;
	else if (rc == CURLE_ABORTED_BY_CALLBACK && berth_interrupted)
		return berr_set(err, BERR_INTERRUPTED, "cloud %s: %s: interrupted", o->base.name, what);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
		 rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE)
		kind = BERR_TLS;
	return berr_set(err, kind, "cloud %s: %s: %s", o->base.name, what, why);
}

/* One HTTP exchange: url, the token (or NULL), a JSON body (or NULL). */
static int os_http(struct openstack *o, const char *method, const char *url, const char *token,
		   const char *body, const char *what, struct os_reply *r, struct berr *err)
{
	struct curl_slist *h = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = o->curl;
	CURLcode rc = CURLE_OK;
	char *auth = NULL;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
	curl_easy_reset(c);
	h = curl_slist_append(h, "Accept: application/json");
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (token) {
		auth = xasprintf("X-Auth-Token: %s", token);
		h = curl_slist_append(h, auth);
	}
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, o->request_timeout_ms);
	SET(CURLOPT_SSL_VERIFYPEER, o->cfg.insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, o->cfg.insecure ? 0L : 2L);
	if (o->cfg.cacert)
		SET(CURLOPT_CAINFO, o->cfg.cacert);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, r);
	SET(CURLOPT_HTTPHEADER, h);
	if (!strcmp(method, "GET")) {
		SET(CURLOPT_HTTPGET, 1L);
	} else {
		SET(CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
			SET(CURLOPT_COPYPOSTFIELDS, body);
		}
	}
#undef SET
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	/* the handle keeps no pointer to what is freed here */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(h);
	if (auth) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	if (rc != CURLE_OK)
		return curl_fail(o, rc, what, errbuf, err);
	return 0;
}

/* The message of an OpenStack error body: Nova's {"badRequest":
 * {"message": ...}} (any one key), Neutron's {"NeutronError": {"message":
 * ...}}, Keystone's {"error": {"message": ...}}; else NULL. */
static const char *error_message(const json_t *doc)
{
	const char *k, *m;
	json_t *v;

	if (!json_is_object(doc))
		return NULL;
	m = json_string_value(json_object_get(doc, "message"));
	if (m)
		return m;
	json_object_foreach((json_t *)doc, k, v) {
		m = json_string_value(json_object_get(v, "message"));
		if (m)
			return m;
	}
	return NULL;
}

static int status_fail(struct openstack *o, const char *what, const struct os_reply *r,
		       struct berr *err)
{
	json_t *doc = json_loadb(r->body.buf, r->body.len, 0, NULL);
	const char *m = error_message(doc);
	enum berr_kind kind = r->status == 404 ? BERR_NOT_FOUND
			    : r->status == 409 ? BERR_CONFLICT : BERR_ENGINE;
	char text[512];

	if (m) {
		snprintf(text, sizeof(text), "%s", m);
	} else {
		/* no JSON error: the first line of the body, if it is text */
		size_t n = strcspn(r->body.buf, "\r\n");

		snprintf(text, sizeof(text), "%.*s", (int)(n < 200 ? n : 200), r->body.buf);
	}
	/* one line, whatever the API sent */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	text_cut_words(text);
	berr_set(err, kind, "cloud %s: %s: %s%s(HTTP %ld)", o->base.name, what, text,
		 text[0] ? " " : "", r->status);
	err->http_status = r->status;
	json_decref(doc);
	return -1;
}

/* The catalog's URL for service type on our region and interface. */
static char *catalog_url(struct openstack *o, const json_t *catalog, const char *type)
{
	const char *region = o->base.region;
	size_t i, j;

	for (i = 0; i < json_array_size(catalog); i++) {
		const json_t *s = json_array_get(catalog, i), *eps = json_object_get(s, "endpoints");

		if (strcmp(json_string_value(json_object_get(s, "type")) ?: "", type))
			continue;
		for (j = 0; j < json_array_size(eps); j++) {
			const json_t *e = json_array_get(eps, j);
			const char *iface = json_string_value(json_object_get(e, "interface"));
			const char *rid = json_string_value(json_object_get(e, "region_id"));
			const char *rname = json_string_value(json_object_get(e, "region"));
			const char *url = json_string_value(json_object_get(e, "url"));

			if (!url || !iface || strcmp(iface, o->interface))
				continue;
			if (region && !(rid && !strcmp(rid, region)) &&
			    !(rname && !strcmp(rname, region)))
				continue;
			return xstrdup(url);
		}
	}
	return NULL;
}

/* A URL without its trailing slashes, with /suffix unless it ends so. */
static char *url_with(const char *url, const char *suffix)
{
	size_t n = strlen(url), sl = strlen(suffix);

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sl && !strncmp(url + n - sl, suffix, sl))
		return xasprintf("%.*s", (int)n, url);
	return xasprintf("%.*s%s", (int)n, url, suffix);
}

/* The user (name and domain, or ID) of password and application
 * credential-by-name authentication. */
static json_t *user_json(const struct clouds_config *c)
{
	const char *dn = c->user_domain_name ?: c->domain_name;
	const char *did = c->user_domain_id ?: c->domain_id;

	if (c->user_id)
		return json_pack("{s:s}", "id", c->user_id);
	if (dn && !did)
		return json_pack("{s:s, s:{s:s}}", "name", c->username, "domain", "name", dn);
	return json_pack("{s:s, s:{s:s}}", "name", c->username, "domain", "id", did ?: "default");
}

static json_t *scope_json(const struct clouds_config *c)
{
	const char *dn = c->project_domain_name ?: c->domain_name;
	const char *did = c->project_domain_id ?: c->domain_id;

	if (c->project_id)
		return json_pack("{s:{s:s}}", "project", "id", c->project_id);
	if (!c->project_name)
		return NULL;
	if (dn && !did)
		return json_pack("{s:{s:s, s:{s:s}}}", "project", "name", c->project_name, "domain",
				 "name", dn);
	return json_pack("{s:{s:s, s:{s:s}}}", "project", "name", c->project_name, "domain", "id",
			 did ?: "default");
}

static json_t *auth_body(const struct clouds_config *c)
{
	json_t *identity, *auth, *scope = NULL;

	switch (c->auth) {
	case OS_AUTH_APPCRED: {
		json_t *ac = json_pack("{s:s}", "secret", c->app_cred_secret);

		if (c->app_cred_id) {
			json_object_set_new(ac, "id", json_string(c->app_cred_id));
		} else {
			json_object_set_new(ac, "name", json_string(c->app_cred_name));
			json_object_set_new(ac, "user", user_json(c));
		}
		/* an application credential carries its own project: no scope */
		identity = json_pack("{s:[s], s:o}", "methods", "application_credential",
				     "application_credential", ac);
		break;
	}
	case OS_AUTH_TOKEN:
		identity = json_pack("{s:[s], s:{s:s}}", "methods", "token", "token", "id", c->token);
		scope = scope_json(c);
		break;
	default:
		identity = json_pack("{s:[s], s:{s:o}}", "methods", "password", "password", "user",
				     user_json(c));
		json_object_set_new(json_object_get(json_object_get(identity, "password"), "user"),
				    "password", json_string(c->password));
		scope = scope_json(c);
		break;
	}
	auth = json_pack("{s:{s:o}}", "auth", "identity", identity);
	if (scope)
		json_object_set_new(json_object_get(auth, "auth"), "scope", scope);
	return auth;
}

/* Takes what a 201 from POST /auth/tokens says: the token, its lifetime,
 * the compute and network endpoints. */
static int take_token(struct openstack *o, struct os_reply *r, const char *what,
		      struct berr *err)
{
	json_t *doc = json_loadb(r->body.buf, r->body.len, 0, NULL);
	json_t *tok = json_object_get(doc, "token"), *catalog = json_object_get(tok, "catalog");
	time_t issued, expires, now = time(NULL), life;
	int rc = -1;

	if (!r->subject_token || !json_is_object(tok)) {
		berr_set(err, BERR_PROTOCOL, "cloud %s: %s: no token in Keystone's answer",
			 o->base.name, what);
		goto cleanup;
	}
	if (!json_is_array(catalog) || !json_array_size(catalog)) {
		berr_set(err, BERR_USAGE, "cloud %s: Keystone gave a token without a service "
			 "catalog (does the cloud entry name a project?)", o->base.name);
		goto cleanup;
	}
	free(o->compute_url);
	free(o->network_url);
	o->compute_url = catalog_url(o, catalog, "compute");
	o->network_url = catalog_url(o, catalog, "network");
	if (!o->compute_url || !o->network_url) {
		berr_set(err, BERR_USAGE, "cloud %s: the catalog has no %s endpoint for interface "
			 "%s%s%s", o->base.name, o->compute_url ? "network" : "compute", o->interface,
			 o->base.region ? " in region " : "", o->base.region ? o->base.region : "");
		goto cleanup;
	}
	/* the lifetime Keystone gave, counted on our own clock */
	if (parse_rfc3339(json_string_value(json_object_get(tok, "expires_at")), &expires) < 0)
		expires = now + 600;
	if (parse_rfc3339(json_string_value(json_object_get(tok, "issued_at")), &issued) < 0)
		issued = now;
	life = expires - issued;
	o->token_until = now + (life > 2 * OS_TOKEN_MARGIN_S ? life - OS_TOKEN_MARGIN_S : life / 2);
	free(o->token);
	o->token = r->subject_token;
	r->subject_token = NULL;
	rc = 0;
cleanup:
	json_decref(doc);
	return rc;
}

static int os_authenticate(struct openstack *o, struct berr *err)
{
	json_t *body = auth_body(&o->cfg);
	char *text = json_dumps(body, JSON_COMPACT), *url = xasprintf("%s/auth/tokens", o->auth_url);
	char *what = xasprintf("Keystone at %s", o->auth_url);
	struct os_reply r;
	int rc;

	json_decref(body); /* holds the secret: gone now, text cleared below */
	if (o->token) {
		memset(o->token, 0, strlen(o->token));
		free(o->token);
		o->token = NULL;
	}
	rc = os_http(o, "POST", url, NULL, text, what, &r, err);
	if (rc == 0 && r.status != 201) {
		rc = status_fail(o, what, &r, err);
	} else if (rc == 0) {
		rc = take_token(o, &r, what, err);
	}
	reply_release(&r);
	memset(text, 0, strlen(text));
	free(text);
	free(url);
	free(what);
	return rc;
}

static int os_call(struct openstack *o, enum os_service svc, const char *method,
		   const char *path, const char *body, struct os_reply *r, struct berr *err)
{
	const char *base = svc == OS_COMPUTE ? o->compute_url : o->network_url;
	char *url = svc == OS_NETWORK ? url_with(base, "/v2.0") : url_with(base, "");
	char *full = xasprintf("%s%s", url, path), *what = xasprintf("%s %s", method, path);
	int rc;

	/* the query can be long (a filter): messages show the path alone */
	what[strcspn(what, "?")] = '\0';
	rc = os_http(o, method, full, o->token, body, CUT(what), r, err);
	if (rc == 0 && (r->status < 200 || r->status > 299) && r->status != 401)
		rc = status_fail(o, CUT(what), r, err);
	free(url);
	free(full);
	free(what);
	return rc;
}

/* A 2xx reply's JSON body into *out (NULL for an empty body). */
static int take_json(struct openstack *o, const char *method, const char *path,
		     const struct os_reply *r, json_t **out, struct berr *err)
{
	json_error_t jerr;

	*out = NULL;
	if (!r->body.len)
		return 0;
	*out = json_loadb(r->body.buf, r->body.len, 0, &jerr);
	if (!*out)
		return berr_set(err, BERR_PROTOCOL, "cloud %s: %s %s: the answer is not JSON (%s)",
				o->base.name, method, CUT_N(path, strcspn(path, "?")), jerr.text);
	return 0;
}

int os_api(struct openstack *o, enum os_service svc, const char *method, const char *path,
	   json_t *body, json_t **out, struct berr *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct os_reply r = { 0 };
	int fresh = 0, rc = -1;

	if (out)
		*out = NULL;
	if (!o->token || time(NULL) >= o->token_until) {
		if (os_authenticate(o, err) < 0)
			goto cleanup;
		fresh = 1;
	}
	if (os_call(o, svc, method, path, text, &r, err) < 0)
		goto cleanup;
	if (r.status == 401 && !fresh) {
		/* revoked or expired early: one new token, one more try */
		reply_release(&r);
		if (os_authenticate(o, err) < 0 || os_call(o, svc, method, path, text, &r, err) < 0)
			goto cleanup;
	}
	if (r.status == 401) {
		char *what = xasprintf("%s %.*s", method, (int)strcspn(path, "?"), path);

		status_fail(o, CUT(what), &r, err);
		free(what);
		goto cleanup;
	}
	if (out && take_json(o, method, path, &r, out, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	reply_release(&r);
	free(text);
	return rc;
}

void os_http_share(struct openstack *to, const struct openstack *from)
{
	if (to->token || !from->token || time(NULL) >= from->token_until ||
	    !from->compute_url || !from->network_url)
		return;
	to->token = xstrdup(from->token);
	to->token_until = from->token_until;
	to->compute_url = xstrdup(from->compute_url);
	to->network_url = xstrdup(from->network_url);
}

int os_reply_keystone(struct openstack *o, long status, const char *body, size_t len,
		      const char *subject_token, struct berr *err)
{
	struct os_reply r = { .status = status, .body = STRBUF_INIT,
			      .subject_token = subject_token ? xstrdup(subject_token) : NULL };
	int rc;

	strbuf_add(&r.body, body, len);
	rc = status != 201 ? status_fail(o, "Keystone", &r, err) : take_token(o, &r, "Keystone", err);
	reply_release(&r);
	return rc;
}

int os_reply_api(struct openstack *o, long status, const char *body, size_t len, json_t **out,
		 struct berr *err)
{
	struct os_reply r = { .status = status, .body = STRBUF_INIT };
	int rc;

	*out = NULL;
	strbuf_add(&r.body, body, len);
	rc = status < 200 || status > 299 ? status_fail(o, "GET /servers/detail", &r, err)
					  : take_json(o, "GET", "/servers/detail", &r, out, err);
	reply_release(&r);
	return rc;
}

void os_http_release(struct openstack *o)
{
	if (o->token) {
		memset(o->token, 0, strlen(o->token));
		free(o->token);
	}
	o->token = NULL;
	free(o->compute_url);
	free(o->network_url);
	o->compute_url = o->network_url = NULL;
	if (o->curl)
		curl_easy_cleanup(o->curl);
	o->curl = NULL;
}
