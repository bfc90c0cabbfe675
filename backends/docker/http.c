/* http.c: libcurl, one reused easy handle per engine. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include "lib/fmt.h"
#include "backends/docker/http.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* Buffered replies (listings, inspections) larger than this are not an
 * engine talking sense: 64 MiB is some 30,000 containers' listing. A
 * flood must meet this, or the request timeout, before it costs memory
 * (and under ASan, seconds to grow and give back). */
#define MAX_BODY (64u << 20)
/* Error bodies are one JSON message; keep enough of a stray one to quote. */
#define MAX_ERROR_BODY (1u << 20)

struct http_conn {
	CURL *curl;
	char *name;
	char *display_url;
	char *unix_path;
	char *base_url;
	char *tls_dir;
	char *ca, *cert, *key; /* tls_dir's files */
	struct curl_slist *connect_to; /* the endpoint's connect_to, or NULL */
	char *tls_name;                /* its NAME: what the certificate must hold */
	char *advice_tls, *advice_to_plain;
	long connect_timeout_ms;
	long timeout_ms;
	long idle_ms;
	char errbuf[CURL_ERROR_SIZE];
};

/* One transfer's state, shared by the curl callbacks. */
struct transfer {
	struct http_conn *c;
	CURL *h;            /* c->curl, or an http_xfer's own handle */
	char *errbuf;       /* CURL_ERROR_SIZE bytes beside h */
	const struct http_request *req;
	struct http_response *resp;
	int interrupted;    /* berth_interrupted seen */
	int read_failed;    /* req->read returned an error */
	unsigned too_big;   /* a buffered body passed this limit (MAX_BODY or MAX_ERROR_BODY) */
	int oom;
	int connected;      /* connected (and TLS done): a timeout now is the request's */
	/* a long transfer in http_request(), watched for a hung engine */
	int watch;
	long quiet_since;   /* ms (monotonic) when bytes last moved; 0 before */
	curl_off_t moved;   /* bytes down and up by then */
	int stalled;        /* quiet, and the engine did not answer a ping: stall_err */
	struct berr stall_err;
};

static int global_ready;

static void global_cleanup(void)
{
	curl_global_cleanup();
}

static char *xstrdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *path_join(const char *dir, const char *leaf)
{
	size_t n = strlen(dir) + strlen(leaf) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, leaf);
	return p;
}

void http_format_ms(char *buf, size_t size, long ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%lds", ms / 1000);
	else if (ms > 1000)
		snprintf(buf, size, "%ld.%lds", ms / 1000, (ms % 1000) / 100);
	else
		snprintf(buf, size, "%ldms", ms);
}

struct http_conn *http_conn_new(const struct http_endpoint *ep, struct berr *err)
{
	struct http_conn *c;

	if (!global_ready) {
		/* Single-threaded program: the first connection sets curl up. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			berr_set(err, BERR_LOCAL, "%s: cannot initialise libcurl", ep->name);
			return NULL;
		}
		atexit(global_cleanup);
		global_ready = 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	c->curl = curl_easy_init();
	c->name = strdup(ep->name);
	c->display_url = strdup(ep->display_url);
	c->unix_path = xstrdup_or_null(ep->unix_path);
	c->base_url = strdup(ep->base_url);
	c->tls_dir = xstrdup_or_null(ep->tls_dir);
	c->advice_tls = strdup(ep->advice_tls ? ep->advice_tls : "give the host a tls_dir");
	c->advice_to_plain = strdup(ep->advice_to_plain ? ep->advice_to_plain : "use plain HTTP");
	if (!c->curl || !c->name || !c->display_url || !c->base_url ||
	    (ep->unix_path && !c->unix_path) || (ep->tls_dir && !c->tls_dir) ||
	    !c->advice_tls || !c->advice_to_plain)
		goto oom;
	if (ep->connect_to) {
		c->connect_to = curl_slist_append(NULL, ep->connect_to);
		c->tls_name = strndup(ep->connect_to, strcspn(ep->connect_to, ":"));
		if (!c->connect_to || !c->tls_name)
			goto oom;
	}
	if (c->tls_dir) {
		c->ca = path_join(c->tls_dir, "ca.pem");
		c->cert = path_join(c->tls_dir, "cert.pem");
		c->key = path_join(c->tls_dir, "key.pem");
		if (!c->ca || !c->cert || !c->key)
			goto oom;
	}
	c->connect_timeout_ms = ep->connect_timeout_ms > 0 ? ep->connect_timeout_ms : 5000;
	c->timeout_ms = ep->timeout_ms > 0 ? ep->timeout_ms : 10000;
	c->idle_ms = ep->idle_ms > 0 ? ep->idle_ms : 10000;
	return c;

oom:
	http_conn_free(c);
	berr_set(err, BERR_LOCAL, "%s: out of memory", ep->name);
	return NULL;
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->name);
	free(c->display_url);
	free(c->unix_path);
	free(c->base_url);
	free(c->tls_dir);
	free(c->advice_tls);
	free(c->advice_to_plain);
	free(c->ca);
	free(c->cert);
	free(c->key);
	curl_slist_free_all(c->connect_to);
	free(c->tls_name);
	free(c);
}

void http_response_release(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->headers);
	memset(resp, 0, sizeof(*resp));
}

/* Appends to a NUL-terminated growing buffer. */
static int append(char **buf, size_t *len, const char *data, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);

	if (!p)
		return -1;
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
	return 0;
}

/* The body grows by doubling: a listing of many megabytes arrives in
 * 16 KiB pieces, and a realloc per piece copies it over and over. */
static int append_body(struct http_response *resp, const char *data, size_t n)
{
	if (resp->len + n + 1 > resp->body_cap) {
		size_t cap = resp->body_cap ? resp->body_cap : 16384;
		char *p;

		while (cap < resp->len + n + 1)
			cap *= 2;
		p = realloc(resp->body, cap);
		if (!p)
			return -1;
		resp->body = p;
		resp->body_cap = cap;
	}
	memcpy(resp->body + resp->len, data, n);
	resp->len += n;
	resp->body[resp->len] = '\0';
	return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct transfer *t = ud;
	struct http_response *resp = t->resp;
	size_t n = size * nmemb;

	/* A new status line (after a 100 Continue, say) starts a new set. */
	if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
		free(resp->headers);
		resp->headers = NULL;
		resp->headers_len = 0;
	}
	if (append(&resp->headers, &resp->headers_len, data, n) < 0) {
		t->oom = 1;
		return 0;
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct transfer *t = ud;
	struct http_response *resp = t->resp;
	size_t n = size * nmemb;
	long status = 0;
	unsigned limit;

	curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
	if (t->req->write && status >= 200 && status < 300) {
		int st = t->req->write(t->req->write_ud, data, n);

		if (st < 0) {
			resp->stopped = 1;
			return 0;
		}
		/* curl keeps this chunk and offers it again after curl_easy_pause() */
		if (st == HTTP_WRITE_PAUSE)
			return CURL_WRITEFUNC_PAUSE;
		return n;
	}
	limit = status >= 200 && status < 300 ? MAX_BODY : MAX_ERROR_BODY;
	if (resp->len + n > limit) {
		t->too_big = limit;
		return 0;
	}
	if (append_body(resp, data, n) < 0) {
		t->oom = 1;
		return 0;
	}
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct transfer *t = ud;
	size_t n = t->req->read(t->req->read_ud, buf, size * nmemb);

	if (n == (size_t)-1) {
		t->read_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	if (n == HTTP_READ_PAUSE)
		return CURL_READFUNC_PAUSE;
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int alive_check(struct transfer *t);

/* Called at least once a second even on an idle stream: Ctrl-C lands
 * here, and a watched transfer's quiet spells are timed here. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct transfer *t = ud;

	if (berth_interrupted) {
		t->interrupted = 1;
		return 1;
	}
	if (t->watch) {
		long now = now_ms();

		if (!t->quiet_since || dlnow + ulnow != t->moved) {
			t->moved = dlnow + ulnow;
			t->quiet_since = now;
		} else if (now - t->quiet_since >= t->c->idle_ms) {
			if (alive_check(t) < 0)
				return 1;
			t->quiet_since = now_ms();
		}
	}
	return 0;
}

#if LIBCURL_VERSION_NUM >= 0x075000
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip,
		     int conn_primary_port, int conn_local_port)
{
	struct transfer *t = ud;

	t->connected = 1;
	return CURL_PREREQFUNC_OK;
}
#endif

static int set_options(struct transfer *t, struct curl_slist **headers)
{
	struct http_conn *c = t->c;
	const struct http_request *req = t->req;
	CURL *h = t->h;
	size_t n = strlen(c->base_url) + strlen(req->path) + 1;
	char *url = malloc(n);
	CURLcode rc = CURLE_OK;
	struct curl_slist *l = NULL;
	char ct[256];

	if (!url)
		return -1;
	snprintf(url, n, "%s%s", c->base_url, req->path);

	/* Reset keeps the live connection (and TLS session) for reuse, but
	 * drops the previous request's method, body and callbacks. */
	curl_easy_reset(h);
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	/* An engine's API is never reached through a web proxy. */
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (c->unix_path)
		SET(CURLOPT_UNIX_SOCKET_PATH, c->unix_path);
	/* every handle of the connection's (its own, a multi loop's, a
	 * liveness ping's) reaches the pinned name at its address */
	if (c->connect_to)
		SET(CURLOPT_CONNECT_TO, c->connect_to);
	if (c->tls_dir) {
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
		SET(CURLOPT_CAINFO, c->ca);
		/* Trust ca.pem alone, not also the system's CA directory. */
		SET(CURLOPT_CAPATH, (char *)NULL);
		SET(CURLOPT_SSLCERT, c->cert);
		SET(CURLOPT_SSLKEY, c->key);
	}
	SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, req->stream ? 0L : c->timeout_ms);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, t);
#if LIBCURL_VERSION_NUM >= 0x075000
	SET(CURLOPT_PREREQFUNCTION, on_prereq);
	SET(CURLOPT_PREREQDATA, t);
#endif
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, t);

	if (req->content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type);
		l = curl_slist_append(l, ct);
	}
	if (!strcmp(req->method, "GET")) {
		SET(CURLOPT_HTTPGET, 1L);
	} else if (req->read) {
		/* POST, or PUT (CURLOPT_UPLOAD's method) */
		if (!strcmp(req->method, "POST"))
			SET(CURLOPT_POST, 1L);
		else
			SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, t);
		/* A stream cannot be rewound to retry on a stale kept-alive
		 * connection, so it gets a new one. */
		SET(CURLOPT_FRESH_CONNECT, 1L);
		l = curl_slist_append(l, "Transfer-Encoding: chunked");
		/* The engine does not answer 100 Continue; don't wait for it. */
		l = curl_slist_append(l, "Expect:");
	} else if (!strcmp(req->method, "POST")) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		SET(CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	} else if (!strcmp(req->method, "HEAD")) {
		SET(CURLOPT_NOBODY, 1L);
	} else {
		SET(CURLOPT_CUSTOMREQUEST, req->method);
	}
	if (l)
		SET(CURLOPT_HTTPHEADER, l);
#undef SET
	*headers = l;
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

/* strerror for the connect failures people meet, with what to check. */
static void connect_reason(struct transfer *t, long os_errno, char *buf, size_t size)
{
	struct http_conn *c = t->c;

	switch (os_errno) {
	case ENOENT:
		snprintf(buf, size, "no such socket (is the engine running?)");
		break;
	case ECONNREFUSED:
		snprintf(buf, size, "connection refused (is the engine running%s?)",
			 c->unix_path ? "" : " and listening on that address");
		break;
	case EACCES:
		snprintf(buf, size, "permission denied (may this user use the engine's socket?)");
		break;
	case 0:
		snprintf(buf, size, "%s", t->errbuf[0] ? t->errbuf : "unknown error");
		break;
	default:
		snprintf(buf, size, "%s", strerror((int)os_errno));
		break;
	}
}

static int contains(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static int is_tls_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* The TLS failures, each with the question worth asking. */
static int tls_error(struct transfer *t, CURLcode rc, struct berr *err)
{
	struct http_conn *c = t->c;
	const char *why = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);

	if (contains(why, "wrong version number") || contains(why, "packet length too long") ||
	    contains(why, "unknown protocol"))
		return berr_set(err, BERR_TLS,
				"%s: TLS: the engine at %s did not speak TLS "
				"(is it a plain HTTP port? then %s): %s",
				c->name, c->display_url, c->advice_to_plain, why);
	if (rc == CURLE_PEER_FAILED_VERIFICATION && c->tls_name)
		return berr_set(err, BERR_TLS,
				"%s: TLS: cannot verify the engine at %s "
				"(did %s sign its certificate, and does it name %s?): %s",
				c->name, c->display_url, c->ca, c->tls_name, why);
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return berr_set(err, BERR_TLS,
				"%s: TLS: cannot verify the engine at %s "
				"(did %s sign its certificate, and does it name that address?): %s",
				c->name, c->display_url, c->ca, why);
	if (rc == CURLE_SSL_CACERT_BADFILE)
		return berr_set(err, BERR_TLS, "%s: TLS: cannot use %s for the engine at %s: %s",
				c->name, c->ca, c->display_url, why);
	if (rc == CURLE_SSL_CERTPROBLEM)
		return berr_set(err, BERR_TLS,
				"%s: TLS: cannot use the client certificate %s with key %s for the engine at %s: %s",
				c->name, c->cert, c->key, c->display_url, why);
	if (contains(why, "alert") && (contains(why, "certificate") || contains(why, "unknown ca")))
		return berr_set(err, BERR_TLS,
				"%s: TLS: the engine at %s refused the client certificate %s "
				"(is it signed by the CA the engine trusts?): %s",
				c->name, c->display_url, c->cert, why);
	if (!is_tls_code(rc))
		return berr_set(err, BERR_TLS,
				"%s: TLS: the engine at %s closed the connection after the handshake "
				"(does it trust the CA that signed the client certificate %s?): %s",
				c->name, c->display_url, c->cert, why);
	return berr_set(err, BERR_TLS, "%s: TLS with the engine at %s failed: %s",
			c->name, c->display_url, why);
}

/* A timeout: before the connection was up it is the connect timeout's. */
static int timeout_error(struct transfer *t, struct berr *err)
{
	struct http_conn *c = t->c;
	char limit[32];

	if (!t->connected && !t->resp->headers_len) {
		http_format_ms(limit, sizeof(limit), c->connect_timeout_ms);
		return berr_set(err, BERR_TIMEOUT,
				"%s: the engine at %s did not answer within %s (connecting)",
				c->name, c->display_url, limit);
	}
	http_format_ms(limit, sizeof(limit), c->timeout_ms);
	if (t->resp->len) {
		char got[32];

		fmt_size_binary(got, sizeof(got), (int64_t)t->resp->len);
		return berr_set(err, BERR_TIMEOUT,
				"%s: the engine at %s did not answer within %s (%s: the reply "
				"had not ended after %s)", c->name, c->display_url, limit,
				t->req->what, got);
	}
	return berr_set(err, BERR_TIMEOUT, "%s: the engine at %s did not answer within %s (%s)",
			c->name, c->display_url, limit, t->req->what);
}

static int curl_error(struct transfer *t, CURLcode rc, struct berr *err)
{
	struct http_conn *c = t->c;
	const char *why = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
	long os_errno = 0;
	char reason[CURL_ERROR_SIZE + 64];

	curl_easy_getinfo(t->h, CURLINFO_OS_ERRNO, &os_errno);
	if (t->stalled) {
		if (err)
			*err = t->stall_err;
		return -1;
	}
	if (t->interrupted || (rc == CURLE_ABORTED_BY_CALLBACK && berth_interrupted))
		return berr_set(err, BERR_INTERRUPTED, "%s: interrupted", c->name);
	if (t->read_failed)
		return berr_set(err, BERR_LOCAL, "%s: reading the data to send to %s failed",
				c->name, t->req->what);
	if (t->oom)
		return berr_set(err, BERR_LOCAL, "%s: out of memory reading the reply to %s",
				c->name, t->req->what);
	if (t->too_big)
		return berr_set(err, BERR_PROTOCOL,
				"%s: the engine at %s sent a reply to %s larger than %u MiB, "
				"the most berth keeps of one (is that a Docker engine?)",
				c->name, c->display_url, t->req->what,
				t->too_big >> 20);

	/* With TLS 1.3 the engine checks the client certificate after the
	 * handshake is over on our side: its refusal comes as an alert, or
	 * only as the connection closed, while the request goes out. */
	if (c->tls_dir && (is_tls_code(rc) ||
			   (rc == CURLE_RECV_ERROR && contains(why, "alert")) ||
			   (!t->resp->headers_len && (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
						      rc == CURLE_GOT_NOTHING))))
		return tls_error(t, rc, err);

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		connect_reason(t, os_errno, reason, sizeof(reason));
		return berr_set(err, BERR_CONNECT, "%s: cannot connect to the engine at %s: %s",
				c->name, c->display_url, reason);
	case CURLE_COULDNT_RESOLVE_HOST:
		return berr_set(err, BERR_CONNECT, "%s: cannot connect to the engine at %s: %s",
				c->name, c->display_url, why);
	case CURLE_OPERATION_TIMEDOUT:
		return timeout_error(t, err);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
		/* A TLS server's alert read as HTTP: "Received HTTP/0.9". */
		if (!c->tls_dir && !c->unix_path)
			return berr_set(err, BERR_TLS,
					"%s: the engine at %s did not answer in HTTP "
					"(is it a TLS port? then %s): %s",
					c->name, c->display_url, c->advice_tls, why);
		return berr_set(err, BERR_PROTOCOL, "%s: the engine sent a malformed reply to %s: %s",
				c->name, t->req->what, why);
	case CURLE_SEND_ERROR:
		return berr_set(err, BERR_CONNECT, "%s: lost the connection to the engine at %s during %s: %s",
				c->name, c->display_url, t->req->what, why);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
		return berr_set(err, BERR_PROTOCOL, "%s: the engine sent a malformed reply to %s: %s",
				c->name, t->req->what, why);
	default:
		return berr_set(err, BERR_CONNECT, "%s: %s to the engine at %s failed: %s",
				c->name, t->req->what, c->display_url, why);
	}
}

/* What a finished transfer (rc) amounts to: 0 when a response arrived. */
static int transfer_finish(struct transfer *t, CURLcode rc, struct berr *err)
{
	struct http_conn *c = t->c;
	struct http_response *resp = t->resp;

	curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (rc == CURLE_WRITE_ERROR && resp->stopped)
		return 0;
	if (rc != CURLE_OK) {
		curl_error(t, rc, err);
		if (err)
			err->http_status = resp->status;
		return -1;
	}
	/* Go's TLS server answers plain HTTP with this 400 and hangs up. */
	if (!c->tls_dir && resp->status == 400 && resp->body &&
	    strstr(resp->body, "Client sent an HTTP request to an HTTPS server"))
		return berr_set(err, BERR_TLS,
				"%s: the engine at %s refused plain HTTP "
				"(is it a TLS port? then %s): %s",
				c->name, c->display_url, c->advice_tls,
				"Client sent an HTTP request to an HTTPS server");
	return 0;
}

static int setup_failed(struct transfer *t, struct berr *err)
{
	return berr_set(err, BERR_LOCAL, "%s: cannot set up the request %s: %s",
			t->c->name, t->req->what, t->errbuf[0] ? t->errbuf : "out of memory");
}

/* After the idle timeout without a byte: GET /_ping on a connection of
 * its own, under the connect and request timeouts. Any answer shows the
 * engine is there (busy, or with nothing to say); none fails the
 * transfer with t->stall_err. */
static int alive_check(struct transfer *t)
{
	struct http_conn *c = t->c;
	struct http_request req = { .method = "GET", .path = "/_ping", .what = "GET /_ping" };
	struct http_response resp;
	struct transfer p = { .c = c, .req = &req, .resp = &resp };
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char limit[32], idle[32];
	int ret = -1, connecting;

	memset(&resp, 0, sizeof(resp));
	p.errbuf = errbuf;
	p.h = curl_easy_init();
	if (!p.h)
		berr_set(&t->stall_err, BERR_LOCAL, "%s: out of memory", c->name);
	else if (set_options(&p, &headers) < 0)
		setup_failed(&p, &t->stall_err);
	else
		ret = transfer_finish(&p, curl_easy_perform(p.h), &t->stall_err);
	connecting = !p.connected && !resp.headers_len;
	if (ret < 0 && t->stall_err.kind == BERR_INTERRUPTED) {
		t->interrupted = 1;
	} else if (ret < 0) {
		t->stalled = 1;
		if (t->stall_err.kind == BERR_TIMEOUT) {
			http_format_ms(limit, sizeof(limit),
				       connecting ? c->connect_timeout_ms : c->timeout_ms);
			http_format_ms(idle, sizeof(idle), c->idle_ms);
			berr_set(&t->stall_err, BERR_TIMEOUT,
				 "%s: the engine at %s did not answer within %s (%s, after %s "
				 "without a byte of %s)", c->name, c->display_url, limit,
				 connecting ? "connecting" : "GET /_ping", idle, t->req->what);
		}
	}
	if (p.h)
		curl_easy_cleanup(p.h);
	curl_slist_free_all(headers);
	http_response_release(&resp);
	return ret;
}

int http_request(struct http_conn *c, const struct http_request *req,
		 struct http_response *resp, struct berr *err)
{
	struct transfer t = { .c = c, .h = c->curl, .errbuf = c->errbuf, .req = req, .resp = resp,
			      .watch = req->stream };
	struct curl_slist *headers = NULL;
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	c->errbuf[0] = '\0';
	if (berth_interrupted)
		return berr_set(err, BERR_INTERRUPTED, "%s: interrupted", c->name);
	if (set_options(&t, &headers) < 0) {
		setup_failed(&t, err);
		goto cleanup;
	}
	rc = curl_easy_perform(c->curl);
	ret = transfer_finish(&t, rc, err);

cleanup:
	curl_slist_free_all(headers);
	/* The handle keeps pointers to these until the next reset. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	return ret;
}

/* ---- transfers for a caller's multi loop ------------------------------- */

struct http_xfer {
	struct transfer t;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_xfer *http_xfer_new(struct http_conn *c, const struct http_request *req,
				struct http_response *resp, struct berr *err)
{
	struct http_xfer *x;

	memset(resp, 0, sizeof(*resp));
	x = calloc(1, sizeof(*x));
	if (!x || !(x->t.h = curl_easy_init())) {
		free(x);
		berr_set(err, BERR_LOCAL, "%s: out of memory", c->name);
		return NULL;
	}
	x->t.c = c;
	x->t.errbuf = x->errbuf;
	x->t.req = req;
	x->t.resp = resp;
	if (set_options(&x->t, &x->headers) < 0) {
		setup_failed(&x->t, err);
		http_xfer_free(x);
		return NULL;
	}
	return x;
}

CURL *http_xfer_handle(struct http_xfer *x)
{
	return x->t.h;
}

void http_xfer_set_timeout(struct http_xfer *x, long ms)
{
	curl_easy_setopt(x->t.h, CURLOPT_TIMEOUT_MS, ms);
}

int http_xfer_finish(struct http_xfer *x, CURLcode rc, struct berr *err)
{
	return transfer_finish(&x->t, rc, err);
}

void http_xfer_free(struct http_xfer *x)
{
	if (!x)
		return;
	curl_easy_cleanup(x->t.h);
	curl_slist_free_all(x->headers);
	free(x);
}

/* ---- raw connections (a hijacked request) ------------------------------ */

struct http_raw {
	struct http_conn *c; /* borrowed */
	CURL *h;
	curl_socket_t fd;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_raw *http_raw_open(struct http_conn *c, const char *what, struct berr *err)
{
	struct http_request req = { .method = "GET", .path = "/_ping", .what = what };
	struct http_response resp;
	struct http_raw *r = calloc(1, sizeof(*r));
	struct transfer t = { .c = c, .req = &req, .resp = &resp };
	struct curl_slist *headers = NULL;
	int ok = -1;

	memset(&resp, 0, sizeof(resp));
	if (!r || !(r->h = curl_easy_init())) {
		free(r);
		berr_set(err, BERR_LOCAL, "%s: out of memory", c->name);
		return NULL;
	}
	r->c = c;
	t.h = r->h;
	t.errbuf = r->errbuf;
	if (set_options(&t, &headers) < 0 ||
	    curl_easy_setopt(r->h, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK) {
		setup_failed(&t, err);
	} else if (transfer_finish(&t, curl_easy_perform(r->h), err) == 0) {
		/* the callbacks' data lives on this stack: none may run now */
		curl_easy_setopt(r->h, CURLOPT_NOPROGRESS, 1L);
		curl_easy_setopt(r->h, CURLOPT_XFERINFOFUNCTION, (curl_xferinfo_callback)NULL);
		curl_easy_setopt(r->h, CURLOPT_HEADERFUNCTION, (curl_write_callback)NULL);
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, (curl_write_callback)NULL);
#if LIBCURL_VERSION_NUM >= 0x075000
		curl_easy_setopt(r->h, CURLOPT_PREREQFUNCTION, (curl_prereq_callback)NULL);
#endif
		if (curl_easy_getinfo(r->h, CURLINFO_ACTIVESOCKET, &r->fd) != CURLE_OK ||
		    r->fd == CURL_SOCKET_BAD)
			berr_set(err, BERR_CONNECT, "%s: no connection to the engine at %s for %s",
				 c->name, c->display_url, what);
		else
			ok = 0;
	}
	curl_slist_free_all(headers);
	http_response_release(&resp);
	if (ok < 0) {
		http_raw_free(r);
		return NULL;
	}
	return r;
}

int http_raw_socket(struct http_raw *r)
{
	return (int)r->fd;
}

const char *http_raw_name(const struct http_raw *r)
{
	return r->c->name;
}

long http_raw_send(struct http_raw *r, const void *buf, size_t len, struct berr *err)
{
	size_t n = 0;
	CURLcode rc = curl_easy_send(r->h, buf, len, &n);

	if (rc == CURLE_AGAIN)
		return n ? (long)n : 0;
	if (rc != CURLE_OK)
		return berr_set(err, BERR_CONNECT, "%s: lost the connection to the engine at %s: %s",
				r->c->name, r->c->display_url, curl_easy_strerror(rc));
	return (long)n;
}

long http_raw_recv(struct http_raw *r, void *buf, size_t len, struct berr *err)
{
	size_t n = 0;
	CURLcode rc = curl_easy_recv(r->h, buf, len, &n);

	if (rc == CURLE_AGAIN)
		return HTTP_RAW_AGAIN;
	if (rc != CURLE_OK)
		return berr_set(err, BERR_CONNECT, "%s: lost the connection to the engine at %s: %s",
				r->c->name, r->c->display_url, curl_easy_strerror(rc));
	return (long)n;
}

void http_raw_free(struct http_raw *r)
{
	if (!r)
		return;
	if (r->h)
		curl_easy_cleanup(r->h);
	free(r);
}

long http_conn_timeout_ms(const struct http_conn *c)
{
	return c->timeout_ms;
}

long http_conn_idle_ms(const struct http_conn *c)
{
	return c->idle_ms;
}

char *http_response_header(const struct http_response *resp, const char *name)
{
	size_t nlen = strlen(name);
	const char *line = resp->headers;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);

		if ((size_t)(end - line) > nlen && !strncasecmp(line, name, nlen) &&
		    line[nlen] == ':') {
			const char *v = line + nlen + 1;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return strndup(v, (size_t)(end - v));
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}
