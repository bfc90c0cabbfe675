/* ec2_api.c: EC2's Query API over libcurl, replies through xml.h (ec2_api.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "backends/cloud/ec2_api.h"
#include "lib/text.h"
#include "lib/xalloc.h"

#define EC2_API_VERSION "2016-11-15"
/* Tries of a throttled call, the first included; the waits between
 * them double from EC2_BACKOFF_MS, with jitter. */
#define EC2_TRIES 5
#define EC2_BACKOFF_MS 250
/* A reply larger than this is not EC2's. */
#define EC2_MAX_REPLY (64L << 20)

struct ec2_api {
	char *name;
	const struct aws_config *cfg;
	struct cloud_net net;
	CURL *curl;
	char *url;
	char *sigv4;
	struct curl_slist *headers;
};

int ec2_api_new(const char *name, const struct aws_config *cfg, const struct cloud_net *net,
		struct ec2_api **out, struct berr *err)
{
	struct ec2_api *api = xcalloc(1, sizeof(*api));

	*out = NULL;
	api->name = xstrdup(name);
	api->cfg = cfg;
	api->net = *net;
	api->curl = curl_easy_init();
	if (!api->curl) {
		ec2_api_free(api);
		return berr_set(err, BERR_LOCAL, "%s: cannot start libcurl", name);
	}
	api->url = xasprintf("%s/", cfg->endpoint);
	api->sigv4 = xasprintf("aws:amz:%s:ec2", cfg->region);
	if (cfg->session_token) {
		char *h = xasprintf("X-Amz-Security-Token: %s", cfg->session_token);

		api->headers = curl_slist_append(api->headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	api->headers = curl_slist_append(api->headers, "Accept: text/xml");
	*out = api;
	return 0;
}

void ec2_api_free(struct ec2_api *api)
{
	if (!api)
		return;
	if (api->curl)
		curl_easy_cleanup(api->curl);
	curl_slist_free_all(api->headers);
	free(api->name);
	free(api->url);
	free(api->sigv4);
	free(api);
}

/* --- parameters ------------------------------------------------------------ */

/* Form encoding as botocore does it (Python's quote_plus): RFC 3986's
 * unreserved characters stay, a space is '+', the rest %XX. Servers that
 * check the signature against the decoded form, re-encoded (moto),
 * accept nothing else. */
static void form_encode(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			strbuf_addch(b, c);
		} else if (c == ' ') {
			strbuf_addch(b, '+');
		} else {
			strbuf_addch(b, '%');
			strbuf_addch(b, hex[c >> 4]);
			strbuf_addch(b, hex[c & 15]);
		}
	}
}

void ec2_params_init(struct ec2_params *p, const char *action)
{
	strbuf_init(&p->body);
	ec2_param(p, "Action", action);
	ec2_param(p, "Version", EC2_API_VERSION);
}

void ec2_params_release(struct ec2_params *p)
{
	if (p->body.alloc)
		explicit_bzero(p->body.buf, p->body.len);
	strbuf_release(&p->body);
}

void ec2_param(struct ec2_params *p, const char *key, const char *value)
{
	if (p->body.len)
		strbuf_addch(&p->body, '&');
	form_encode(&p->body, key);
	strbuf_addch(&p->body, '=');
	form_encode(&p->body, value ? value : "");
}

void ec2_paramf(struct ec2_params *p, const char *value, const char *keyfmt, ...)
{
	va_list ap;
	char *key;

	va_start(ap, keyfmt);
	key = xvasprintf(keyfmt, ap);
	va_end(ap);
	ec2_param(p, key, value);
	free(key);
}

void ec2_param_tag_spec(struct ec2_params *p, size_t n, const char *resource_type,
			const struct cloud_tag *tags, size_t ntags, const char *extra_key,
			const char *extra_value)
{
	size_t i, m = 0;

	ec2_paramf(p, resource_type, "TagSpecification.%zu.ResourceType", n);
	for (i = 0; i < ntags; i++) {
		if (extra_key && !strcmp(tags[i].key, extra_key))
			extra_key = NULL;
		m++;
		ec2_paramf(p, tags[i].key, "TagSpecification.%zu.Tag.%zu.Key", n, m);
		ec2_paramf(p, tags[i].value ? tags[i].value : "", "TagSpecification.%zu.Tag.%zu.Value",
			   n, m);
	}
	if (extra_key && extra_value) {
		m++;
		ec2_paramf(p, extra_key, "TagSpecification.%zu.Tag.%zu.Key", n, m);
		ec2_paramf(p, extra_value, "TagSpecification.%zu.Tag.%zu.Value", n, m);
	}
}

void ec2_param_tag_filters(struct ec2_params *p, size_t *nfilter, const struct cloud_tag *match,
			   size_t nmatch)
{
	size_t i;

	for (i = 0; i < nmatch; i++) {
		size_t f = ++*nfilter;

		if (match[i].value) {
			char *name = xasprintf("tag:%s", match[i].key);

			ec2_paramf(p, name, "Filter.%zu.Name", f);
			ec2_paramf(p, match[i].value, "Filter.%zu.Value.1", f);
			free(name);
		} else {
			ec2_paramf(p, "tag-key", "Filter.%zu.Name", f);
			ec2_paramf(p, match[i].key, "Filter.%zu.Value.1", f);
		}
	}
}

/* --- XML ------------------------------------------------------------------------ */

static int is_elem(const struct xml_node *n, const char *name)
{
	return n->kind == XML_ELEMENT && !strcmp(n->name, name);
}

const struct xml_node *ec2_xml_child(const struct xml_node *n, const char *name)
{
	return n ? ec2_xml_next(n, NULL, name) : NULL;
}

const struct xml_node *ec2_xml_path(const struct xml_node *n, const char *path)
{
	char buf[128];
	const char *p = path;

	while (n && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len >= sizeof(buf))
			return NULL;
		memcpy(buf, p, len);
		buf[len] = '\0';
		n = ec2_xml_child(n, buf);
		p += len + (slash ? 1 : 0);
	}
	return n;
}

char *ec2_xml_text(const struct xml_node *n, const char *path)
{
	const struct xml_node *e = ec2_xml_path(n, path);

	return e ? xml_content(e) : NULL;
}

const struct xml_node *ec2_xml_next(const struct xml_node *set, const struct xml_node *n,
				    const char *name)
{
	const struct xml_node *c;

	if (!set)
		return NULL;
	for (c = n ? n->next : set->child; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

struct cloud_tag *ec2_xml_tags(const struct xml_node *tag_set, size_t *n)
{
	struct cloud_tag *tags = NULL;
	const struct xml_node *it = NULL;
	size_t cap = 0;

	*n = 0;
	while ((it = ec2_xml_next(tag_set, it, "item"))) {
		char *key = ec2_xml_text(it, "key");

		if (!key)
			continue;
		if (*n == cap)
			tags = xrealloc(tags, (cap = cap * 2 + 4) * sizeof(*tags));
		tags[*n].key = key;
		tags[*n].value = ec2_xml_text(it, "value");
		if (!tags[*n].value)
			tags[*n].value = xstrdup("");
		(*n)++;
	}
	return tags;
}

char *ec2_base64(const void *data, size_t len)
{
	char *out = xcalloc(4 * ((len + 2) / 3) + 1, 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* --- the call ------------------------------------------------------------------------- */

struct reply {
	struct strbuf body;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct reply *r = ud;

	if (r->body.len + size * n > (size_t)EC2_MAX_REPLY) {
		r->too_big = 1;
		return 0;
	}
	strbuf_add(&r->body, data, size * n);
	return size * n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return berth_interrupted ? 1 : 0;
}

/* One line of the cloud's text: newlines and tabs become spaces. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static int is_auth_code(const char *code)
{
	static const char *const codes[] = {
		"AuthFailure", "SignatureDoesNotMatch", "InvalidClientTokenId",
		"UnrecognizedClientException", "IncompleteSignature", "MissingAuthenticationToken",
		"InvalidAccessKeyId", "ExpiredToken", "RequestExpired", "UnauthorizedOperation",
		"AccessDenied", "AccessDeniedException", "OptInRequired", "Blocked",
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

static int is_throttle(const char *code, long status)
{
	return !strcmp(code, "RequestLimitExceeded") || !strcmp(code, "Throttling") ||
	       !strcmp(code, "ThrottlingException") || !strcmp(code, "RequestThrottled") ||
	       !strcmp(code, "ServiceUnavailable") || !strcmp(code, "Unavailable") ||
	       !strcmp(code, "InternalError") || status == 503;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static enum berr_kind code_kind(const char *code)
{
	if (ends_with(code, ".NotFound") || ends_with(code, "NotFound"))
		return BERR_NOT_FOUND;
	if (!strcmp(code, "DependencyViolation") || ends_with(code, ".InUse") ||
	    ends_with(code, ".Duplicate") || !strcmp(code, "IdempotentParameterMismatch") ||
	    !strcmp(code, "IncorrectInstanceState") || !strcmp(code, "IncorrectState"))
		return BERR_CONFLICT;
	if (ends_with(code, ".Malformed") || !strcmp(code, "InvalidParameterValue") ||
	    !strcmp(code, "MissingParameter") || !strcmp(code, "InvalidParameterCombination"))
		return BERR_USAGE;
	return BERR_ENGINE;
}

/* An error reply: err filled, *code set; 1 when worth another try. */
static int error_reply(struct ec2_api *api, long status, const struct xml_doc *doc,
		       char **code, struct berr *err)
{
	const struct xml_node *e = doc ? xml_find(doc->root, "Error") : NULL;
	char *c = e ? ec2_xml_text(e, "Code") : NULL;
	char *m = e ? ec2_xml_text(e, "Message") : NULL;
	int again = 0;

	if (!c && status != 401 && status != 403) {
		/* a proxy's or load balancer's page, not EC2's */
		free(m);
		berr_set(err, status == 404 ? BERR_USAGE : BERR_ENGINE,
			 "%s: EC2 at %s answered HTTP %ld with no error code", api->name,
			 CUT(api->url), status);
		err->http_status = status;
		return status == 500 || status == 502 || status == 503 || status == 504;
	}
	if (!c)
		c = xstrdup("AuthFailure");
	one_line(c);
	if (m)
		one_line(m);
	err->kind = BERR_NONE;
	if (status == 401 || status == 403 || is_auth_code(c)) {
		const char *what = !strcmp(c, "UnauthorizedOperation") ||
						   !strncmp(c, "AccessDenied", 12)
					   ? "are not allowed to do this with"
					   : "were refused by";
		berr_set(err, BERR_ENGINE,
			 "%s: the AWS credentials of profile %s (from %s) %s %s: %s: %s", api->name,
			 CUT(api->cfg->profile), CUT(api->cfg->source), what, CUT(api->url), CUT(c),
			 m ? m : "no message");
	} else {
		again = is_throttle(c, status);
		berr_set(err, code_kind(c), "%s: %s: %s", api->name, CUT(c),
			 m && *m ? m : "no message");
	}
	text_cut_words(err->msg);
	err->http_status = status;
	if (code)
		*code = c;
	else
		free(c);
	free(m);
	return again;
}

static int transport_error(struct ec2_api *api, CURLcode rc, const char *errbuf,
			   struct berr *err)
{
	enum berr_kind kind = BERR_CONNECT;

	if (rc == CURLE_ABORTED_BY_CALLBACK && berth_interrupted)
		return berr_set(err, BERR_INTERRUPTED, "%s: interrupted", api->name);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		kind = BERR_TIMEOUT;
	else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
		 rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM)
		kind = BERR_TLS;
	return berr_set(err, kind, "%s: cannot reach EC2 at %s: %s", api->name, CUT(api->url),
			*errbuf ? errbuf : curl_easy_strerror(rc));
}

/* Sleeps ms, unless Ctrl-C comes first (then -1). */
static int backoff_sleep(long ms)
{
	while (ms > 0) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (ms > 100 ? 100 : ms) * 1000000L };

		if (berth_interrupted)
			return -1;
		nanosleep(&ts, NULL);
		ms -= 100;
	}
	return berth_interrupted ? -1 : 0;
}

static long jitter(long ms)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)time(NULL);
	return ms / 2 + (long)(r % (unsigned int)(ms / 2 + 1));
}

/* One HTTP exchange; the reply in r, its status in *status. */
static int send_once(struct ec2_api *api, const struct ec2_params *p, struct reply *r,
		     long *status, struct berr *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = api->curl;
	CURLcode rc;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, api->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (api->cfg->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, api->cfg->ca_bundle);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, api->net.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, api->net.request_timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, api->headers);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, api->sigv4);
	curl_easy_setopt(h, CURLOPT_USERNAME, api->cfg->access_key_id);
	curl_easy_setopt(h, CURLOPT_PASSWORD, api->cfg->secret_access_key);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body.len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, p->body.buf);
	rc = curl_easy_perform(h);
	/* the secret is not left in the handle between calls */
	curl_easy_setopt(h, CURLOPT_PASSWORD, (char *)NULL);
	if (r->too_big)
		return berr_set(err, BERR_PROTOCOL, "%s: EC2's reply is larger than %ld MiB",
				api->name, EC2_MAX_REPLY >> 20);
	if (rc != CURLE_OK)
		return transport_error(api, rc, errbuf, err);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* Both error shapes: Response/Errors/Error and ErrorResponse/Error. */
static int is_error_doc(const struct xml_doc *d)
{
	return is_elem(d->root, "Response") || is_elem(d->root, "ErrorResponse");
}

int ec2_reply(struct ec2_api *api, long status, const char *body, size_t len,
	      struct xml_doc **doc, char **code, struct berr *err)
{
	struct xml_doc *d = NULL;
	struct berr xml_err;
	int again;

	*doc = NULL;
	if (len && len <= (size_t)EC2_MAX_REPLY)
		xml_doc_parse(body, len, &d, &xml_err);
	if (status / 100 == 2 && d && !is_error_doc(d)) {
		*doc = d;
		return 0;
	}
	if (!d && status / 100 == 2) {
		berr_set(err, BERR_PROTOCOL, "%s: EC2 at %s answered with no valid XML",
			 api->name, CUT(api->url));
		err->http_status = status;
		return -1;
	}
	if (code) {
		free(*code);
		*code = NULL;
	}
	again = error_reply(api, status, d, code, err);
	xml_doc_free(d);
	return again ? 1 : -1;
}

int ec2_call(struct ec2_api *api, struct ec2_params *p, struct xml_doc **doc, char **code,
	     struct berr *err)
{
	int attempt;
	long wait = EC2_BACKOFF_MS;

	*doc = NULL;
	if (code)
		*code = NULL;
	for (attempt = 1;; attempt++) {
		struct reply r = { .body = STRBUF_INIT };
		long status = 0;
		int rc;

		if (send_once(api, p, &r, &status, err) < 0) {
			strbuf_release(&r.body);
			return -1;
		}
		rc = ec2_reply(api, status, r.body.buf, r.body.len, doc, code, err);
		strbuf_release(&r.body);
		if (rc <= 0)
			return rc;
		if (attempt >= EC2_TRIES)
			return -1;
		if (backoff_sleep(jitter(wait)) < 0)
			return berr_set(err, BERR_INTERRUPTED, "%s: interrupted", api->name);
		wait *= 2;
	}
}
