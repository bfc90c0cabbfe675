/* http.h: one HTTP connection to one engine, over libcurl.
 *
 * A struct http_conn owns one curl easy handle, reused for every request
 * so the connection stays alive between them. It speaks to a unix socket
 * or to host:port, plain or with mutual TLS (peer and host name always
 * verified), applies the connect, request and idle timeouts, gives up when
 * berth_interrupted is set, and turns every curl failure into one struct
 * berr line naming the host and the URL. It knows nothing of Docker's
 * API: paths, versions and JSON belong to docker.c.
 */
#ifndef BERTH_HTTP_H
#define BERTH_HTTP_H

#include <stddef.h>
#include <curl/curl.h>
#include "lib/berr.h"

/* Strings are copied by http_conn_new(). */
struct http_endpoint {
	const char *name;        /* host name for messages: "lab" */
	const char *display_url; /* the URL as messages show it */
	const char *unix_path;   /* connect to this socket, or NULL for TCP */
	const char *base_url;    /* "http://localhost", "https://10.0.0.5:2376", ... */
	const char *tls_dir;     /* ca.pem, cert.pem, key.pem; NULL = plain HTTP */
	const char *connect_to;  /* "NAME:PORT:ADDRESS:PORT": base_url's NAME is reached at
				  * ADDRESS (CURLOPT_CONNECT_TO) and the certificate checked
				  * against NAME; NULL: base_url's host is the address */
	long connect_timeout_ms; /* > 0 */
	long timeout_ms;         /* a whole short request; > 0 */
	long idle_ms;            /* a long transfer moving no byte this long gets a
				  * liveness ping; > 0 */
	/* what the user can do when TLS and the port disagree, for messages
	 * (docker.h's docker_endpoint says whose words they are) */
	const char *advice_tls;      /* give the host TLS */
	const char *advice_to_plain; /* turn its TLS off for plain HTTP */
};

/* Gets body bytes of a successful (2xx) response. 0 to go on, -1 to stop
 * the transfer (then http_request() returns 0 with resp->stopped set).
 * In an http_xfer, HTTP_WRITE_PAUSE pauses it: the same bytes come again
 * after curl_easy_pause(handle, CURLPAUSE_CONT). */
typedef int (*http_write_fn)(void *ud, const char *buf, size_t len);
/* Supplies upload bytes: count put in buf, 0 at the end, (size_t)-1 on
 * error; in an http_xfer, HTTP_READ_PAUSE pauses it until curl_easy_pause(). */
typedef size_t (*http_read_fn)(void *ud, char *buf, size_t len);
#define HTTP_WRITE_PAUSE 1
#define HTTP_READ_PAUSE ((size_t)-2)

struct http_request {
	const char *method;       /* "GET", "POST", "DELETE" */
	const char *path;         /* escaped path and query: "/v1.41/containers/json?all=1" */
	const char *what;         /* for messages: "GET /containers/json" */
	const char *content_type; /* of the request body, or NULL */
	const char *body;         /* buffered request body, or NULL */
	size_t body_len;
	http_read_fn read;        /* or a chunked upload from here */
	void *read_ud;
	http_write_fn write;      /* 2xx bodies go here instead of resp->body */
	void *write_ud;
	/* A long transfer (logs, image load/save/pull, a stop's grace
	 * period): no whole-request limit; instead, when it has moved no
	 * byte for the idle timeout, http_request() asks the engine GET
	 * /_ping on a connection of its own, and the transfer fails as a
	 * timeout when that gets no answer within the request timeout (a
	 * hung engine), and goes on when it does (a quiet or busy one). */
	int stream;
};

struct http_response {
	long status;        /* 0 when no status line arrived */
	char *body;         /* NUL-terminated; error bodies always land here */
	size_t len;
	size_t body_cap;    /* allocated for body */
	char *headers;      /* the final response's header lines, NUL-terminated */
	size_t headers_len;
	int stopped;        /* the write callback asked to stop */
};

struct http_conn;

struct http_conn *http_conn_new(const struct http_endpoint *ep, struct berr *err);
void http_conn_free(struct http_conn *c);

/* 0 when an HTTP response arrived (whatever its status: the caller judges
 * it), -1 with err filled when none did (or it was cut short, or
 * interrupted). resp is initialised here; release it in both cases. */
int http_request(struct http_conn *c, const struct http_request *req,
		 struct http_response *resp, struct berr *err);
void http_response_release(struct http_response *resp);

/*
 * The same request as an easy handle of its own, for a caller that runs
 * many at once in a curl multi loop (backends/docker/docker_fanout.c). Everything
 * http_request() sets up applies (socket, TLS, timeouts, Ctrl-C through
 * the progress callback); the connection comes from the multi handle's
 * cache, not from c's handle. req and resp must outlive the xfer; resp is
 * initialised here and released by the caller. CURLOPT_PRIVATE is the
 * caller's.
 */
struct http_xfer;

struct http_xfer *http_xfer_new(struct http_conn *c, const struct http_request *req,
				struct http_response *resp, struct berr *err);
CURL *http_xfer_handle(struct http_xfer *x);
/* A whole-request limit shorter than the connection's (a time budget
 * already partly spent); messages still name the connection's. */
void http_xfer_set_timeout(struct http_xfer *x, long ms);
/* After curl_multi_info_read() said the handle is done with rc (the handle
 * removed from the multi): what http_request() would have returned. */
int http_xfer_finish(struct http_xfer *x, CURLcode rc, struct berr *err);
void http_xfer_free(struct http_xfer *x);

/*
 * A raw connection to c's engine (unix socket, TCP or mutual TLS, set up
 * as every request's), for a request that takes the connection over
 * (Docker's attach and exec start, after "Upgrade: tcp"): connected and,
 * with TLS, through the handshake, nothing sent yet. The caller speaks
 * HTTP on it with http_raw_send()/http_raw_recv(). what names the request
 * in messages.
 */
struct http_raw;

struct http_raw *http_raw_open(struct http_conn *c, const char *what, struct berr *err);
/* The socket, to poll (POLLIN, POLLOUT) and to half-close. */
int http_raw_socket(struct http_raw *r);
/* Bytes sent (> 0), 0 when the socket cannot take any now, -1 with err. */
long http_raw_send(struct http_raw *r, const void *buf, size_t len, struct berr *err);
/* Bytes read (> 0), 0 at the end of the stream, HTTP_RAW_AGAIN when none
 * are there now, -1 with err. */
#define HTTP_RAW_AGAIN (-2L)
long http_raw_recv(struct http_raw *r, void *buf, size_t len, struct berr *err);
/* The engine's name, for messages. */
const char *http_raw_name(const struct http_raw *r);
void http_raw_free(struct http_raw *r);

/* The whole-request limit (ms) requests on c get. */
long http_conn_timeout_ms(const struct http_conn *c);
/* How long (ms) a long transfer on c may be quiet before a liveness ping
 * (http_request() does it; a multi loop's caller does its own). */
long http_conn_idle_ms(const struct http_conn *c);

/* The value of header name (case-insensitive), trimmed, or NULL. The
 * string belongs to the caller. */
char *http_response_header(const struct http_response *resp, const char *name);

/* "5s", "1.5s", "250ms": a timeout as messages show it. */
void http_format_ms(char *buf, size_t size, long ms);

#endif
