/* docker_exec.c: exec, attach, resize and wait; the hijacked connection.
 *
 * POST /exec/{id}/start and POST /containers/{id}/attach answer
 * "101 UPGRADED" and then carry the process's streams on the same
 * connection: raw bytes with a TTY, the multiplexed frames
 * (docker_stream.h) without. libcurl cannot hand such a connection over,
 * so the request is written by hand on a connect-only handle
 * (http_raw_open(): the same socket, TLS and timeouts as every request)
 * and the reply read here.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include "backends/docker/docker_internal.h"
#include "backends/docker/docker_stream.h"
#include "lib/strbuf.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* An upgrade reply's head, or an error reply, is never this large. */
#define HEAD_MAX (64u << 10)

struct hijack {
	struct backend_stream base;
	struct http_raw *raw;
	int tty;
	char *ahead;          /* stream bytes that came with the reply's head */
	size_t nahead;
	backend_stream_fn fn; /* the current read()'s */
	void *ud;
	struct docker_stream dec;
};

static int to_caller(void *ud, int stream, const char *buf, size_t len)
{
	struct hijack *h = ud;

	return h->fn(h->ud, stream, buf, len);
}

static int hj_fd(struct backend_stream *s)
{
	return http_raw_socket(((struct hijack *)s)->raw);
}

/* Bytes of the stream to the caller. */
static int hj_deliver(struct hijack *h, const char *buf, size_t len, struct berr *err)
{
	const char *name = http_raw_name(h->raw);
	int st;

	if (h->tty)
		st = h->fn(h->ud, 1, buf, len) < 0 ? DOCKER_STREAM_STOPPED : DOCKER_STREAM_OK;
	else
		st = docker_stream_feed(&h->dec, buf, len);
	switch (st) {
	case DOCKER_STREAM_OK:
		return BACKEND_STREAM_DATA;
	case DOCKER_STREAM_STOPPED:
		return berr_set(err, BERR_LOCAL, "%s: the output could not be written", name);
	case DOCKER_STREAM_ENGINE:
		return berr_set(err, BERR_ENGINE, "%s: %s", name, h->dec.error);
	default:
		return berr_set(err, BERR_PROTOCOL, "%s: the engine sent a malformed stream: %s",
				name, h->dec.error);
	}
}

static int hj_read(struct backend_stream *s, backend_stream_fn fn, void *ud, struct berr *err)
{
	struct hijack *h = (struct hijack *)s;
	char buf[65536];
	long n;

	h->fn = fn;
	h->ud = ud;
	if (h->nahead) {
		int st = hj_deliver(h, h->ahead, h->nahead, err);

		h->nahead = 0;
		return st;
	}
	n = http_raw_recv(h->raw, buf, sizeof(buf), err);
	if (n == HTTP_RAW_AGAIN)
		return BACKEND_STREAM_AGAIN;
	if (n < 0)
		return -1;
	if (n == 0) {
		if (!h->tty && docker_stream_finish(&h->dec) == DOCKER_STREAM_BAD)
			return berr_set(err, BERR_PROTOCOL, "%s: the engine sent a malformed stream: %s",
					http_raw_name(h->raw), h->dec.error);
		return BACKEND_STREAM_EOF;
	}
	return hj_deliver(h, buf, (size_t)n, err);
}

static long hj_write(struct backend_stream *s, const char *buf, size_t len, struct berr *err)
{
	return http_raw_send(((struct hijack *)s)->raw, buf, len, err);
}

/* The docker CLI half-closes the same way over TLS: the socket's write
 * side, no close_notify, which would end the whole connection. */
static int hj_close_write(struct backend_stream *s, struct berr *err)
{
	struct hijack *h = (struct hijack *)s;

	if (shutdown(http_raw_socket(h->raw), SHUT_WR) < 0 && errno != ENOTCONN)
		return berr_set(err, BERR_CONNECT, "%s: cannot end the input: %s",
				http_raw_name(h->raw), strerror(errno));
	return 0;
}

static void hj_free(struct backend_stream *s)
{
	struct hijack *h = (struct hijack *)s;

	if (!h)
		return;
	http_raw_free(h->raw);
	free(h->ahead);
	free(h);
}

static const struct backend_stream_ops hijack_ops = {
	.fd = hj_fd,
	.read = hj_read,
	.write = hj_write,
	.close_write = hj_close_write,
	.free = hj_free,
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (up to the request timeout) until fd can do events. */
static int wait_fd(struct docker *d, int fd, short events, long deadline, const char *what,
		   struct berr *err)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long left = deadline - now_ms();
		char limit[32];
		int rc;

		if (berth_interrupted)
			return berr_set(err, BERR_INTERRUPTED, "%s: interrupted", d->base.name);
		if (left <= 0) {
			http_format_ms(limit, sizeof(limit), http_conn_timeout_ms(d->http));
			return berr_set(err, BERR_TIMEOUT, "%s: the engine at %s did not answer within %s (%s)",
					d->base.name, d->display_url, limit, what);
		}
		rc = poll(&p, 1, left > 200 ? 200 : (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return berr_set(err, BERR_LOCAL, "%s: poll: %s", d->base.name, strerror(errno));
	}
}

static int send_all(struct docker *d, struct http_raw *raw, const char *buf, size_t len,
		    long deadline, const char *what, struct berr *err)
{
	while (len) {
		long n = http_raw_send(raw, buf, len, err);

		if (n < 0)
			return -1;
		if (n == 0 && wait_fd(d, http_raw_socket(raw), POLLOUT, deadline, what, err) < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The reply's head (through the blank line) into head; what came after
 * it stays in head past *head_len. */
static int read_head(struct docker *d, struct http_raw *raw, struct strbuf *head,
		     size_t *head_len, long deadline, const char *what, struct berr *err)
{
	char buf[16384];

	for (;;) {
		char *end = head->len ? strstr(head->buf, "\r\n\r\n") : NULL;
		long n;

		if (end) {
			*head_len = (size_t)(end - head->buf) + 4;
			return 0;
		}
		if (head->len > HEAD_MAX)
			return docker_malformed(d, what, err, "a reply head larger than %u KiB",
						HEAD_MAX >> 10);
		n = http_raw_recv(raw, buf, sizeof(buf) - 1, err);
		if (n < 0 && n != HTTP_RAW_AGAIN)
			return -1;
		if (n == 0)
			return berr_set(err, BERR_PROTOCOL, "%s: the engine closed the connection "
					"without answering %s", d->base.name, what);
		if (n == HTTP_RAW_AGAIN) {
			if (wait_fd(d, http_raw_socket(raw), POLLIN, deadline, what, err) < 0)
				return -1;
			continue;
		}
		strbuf_add(head, buf, (size_t)n);
	}
}

/* A refusal (404, 409, ...): its body, up to Content-Length or the end,
 * judged as every reply is. */
static int refused(struct docker *d, struct http_raw *raw, struct strbuf *head, size_t head_len,
		   long status, long deadline, const char *what, struct berr *err)
{
	struct http_response resp = { .status = status };
	const char *cl = strcasestr(head->buf, "\r\nContent-Length:");
	size_t want = cl ? (size_t)strtoul(cl + 17, NULL, 10) : HEAD_MAX;
	char buf[4096];
	int ret;

	while (head->len - head_len < want && head->len < HEAD_MAX) {
		long n = http_raw_recv(raw, buf, sizeof(buf), err);

		if (n == HTTP_RAW_AGAIN) {
			if (wait_fd(d, http_raw_socket(raw), POLLIN, deadline, what, err) < 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		strbuf_add(head, buf, (size_t)n);
	}
	/* a chunked body: the JSON between its first { and last } */
	resp.body = head->buf + head_len;
	resp.len = head->len - head_len;
	if (!cl && (resp.body = strchr(resp.body, '{'))) {
		char *last = strrchr(resp.body, '}');
		resp.len = last ? (size_t)(last - resp.body) + 1 : 0;
	} else if (!resp.body) {
		resp.body = head->buf + head->len;
		resp.len = 0;
	}
	ret = docker_reply(d, what, &resp, 0, NULL, err);
	return ret < 0 ? -1 : docker_malformed(d, what, err, "HTTP %ld instead of 101", status);
}

/*
 * POST path (unversioned, with its query) with body, asking for the
 * connection: *out gets it on "101 UPGRADED" (or a 200 from an engine
 * that takes the connection over without saying so).
 */
static int hijack(struct docker *d, const char *path, const char *body, int tty,
		  struct backend_stream **out, struct berr *err)
{
	struct strbuf req = STRBUF_INIT, head = STRBUF_INIT;
	struct http_raw *raw = NULL;
	struct hijack *h = NULL;
	char what[256];
	char *full = NULL;
	size_t head_len = 0;
	long status = 0, deadline;
	int ret = -1;

	*out = NULL;
	docker_describe(what, sizeof(what), "POST", path);
	if (docker_negotiate(d, err) < 0)
		return -1;
	if (!(full = docker_api_path(d, path))) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
		goto cleanup;
	}
	if (!(raw = http_raw_open(d->http, what, err)))
		goto cleanup;
	deadline = now_ms() + http_conn_timeout_ms(d->http);
	strbuf_addf(&req, "POST %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth/%s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n%s",
		    full, PACKAGE_VERSION, strlen(body), body);
	if (send_all(d, raw, req.buf, req.len, deadline, what, err) < 0 ||
	    read_head(d, raw, &head, &head_len, deadline, what, err) < 0)
		goto cleanup;
	if (sscanf(head.buf, "HTTP/%*d.%*d %ld", &status) != 1) {
		docker_malformed(d, what, err, "no HTTP status line");
		goto cleanup;
	}
	if (status != 101 && status != 200) {
		refused(d, raw, &head, head_len, status, deadline, what, err);
		goto cleanup;
	}
	if (!(h = calloc(1, sizeof(*h)))) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
		goto cleanup;
	}
	h->base.ops = &hijack_ops;
	h->raw = raw;
	raw = NULL;
	h->tty = tty;
	docker_stream_init(&h->dec, to_caller, h);
	if (head.len > head_len) {
		h->nahead = head.len - head_len;
		if (!(h->ahead = malloc(h->nahead))) {
			berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
			goto cleanup;
		}
		memcpy(h->ahead, head.buf + head_len, h->nahead);
	}
	*out = &h->base;
	h = NULL;
	ret = 0;
cleanup:
	hj_free(h ? &h->base : NULL);
	http_raw_free(raw);
	strbuf_release(&req);
	strbuf_release(&head);
	free(full);
	return ret;
}

int docker_exec_create(struct backend *b, const char *ref, const struct exec_spec *spec,
		       char **exec_id, struct berr *err)
{
	struct docker *d = docker_of(b);
	json_t *body = json_object(), *reply = NULL;
	char *path = docker_object_path("/containers/", ref, "/exec");
	const char *id;
	int ret = -1;

	*exec_id = NULL;
	if (!body || !path) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
		goto cleanup;
	}
	json_object_set_new(body, "AttachStdin", json_boolean(spec->stdin_open && !spec->detach));
	json_object_set_new(body, "AttachStdout", json_boolean(!spec->detach));
	json_object_set_new(body, "AttachStderr", json_boolean(!spec->detach));
	json_object_set_new(body, "Tty", json_boolean(spec->tty));
	json_object_set_new(body, "Privileged", json_boolean(spec->privileged));
	if (json_object_set_new(body, "Cmd", docker_string_array(spec->cmd, spec->ncmd)) < 0 ||
	    (spec->nenv && json_object_set_new(body, "Env", docker_string_array(spec->env, spec->nenv)) < 0) ||
	    (spec->user && json_object_set_new(body, "User", json_string(spec->user)) < 0) ||
	    (spec->workdir && json_object_set_new(body, "WorkingDir", json_string(spec->workdir)) < 0) ||
	    (spec->detach_keys &&
	     json_object_set_new(body, "DetachKeys", json_string(spec->detach_keys)) < 0)) {
		berr_set(err, BERR_USAGE, "%s: cannot build the exec request: is every argument "
			 "valid UTF-8?", b->name);
		goto cleanup;
	}
	if (docker_call(d, "POST", path, body, &reply, 0, err) < 0)
		goto cleanup;
	id = json_string_value(json_object_get(reply, "Id"));
	if (!id || !*id) {
		docker_malformed(d, "POST /containers/{id}/exec", err, "no Id in the reply");
		goto cleanup;
	}
	if (!(*exec_id = strdup(id))) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	json_decref(body);
	json_decref(reply);
	free(path);
	return ret;
}

int docker_exec_start(struct backend *b, const char *exec_id, int tty, int detach,
		      struct backend_stream **s, struct berr *err)
{
	struct docker *d = docker_of(b);
	char *path = docker_object_path("/exec/", exec_id, "/start");
	char body[64];
	int ret;

	*s = NULL;
	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
	snprintf(body, sizeof(body), "{\"Detach\":%s,\"Tty\":%s}", detach ? "true" : "false",
		 tty ? "true" : "false");
	if (detach) {
		json_t *j = json_loads(body, 0, NULL);
		ret = docker_call(d, "POST", path, j, NULL, 0, err);
		json_decref(j);
	} else {
		ret = hijack(d, path, body, tty, s, err);
	}
	free(path);
	return ret;
}

int docker_exec_inspect(struct backend *b, const char *exec_id, json_t **obj, struct berr *err)
{
	char *path = docker_object_path("/exec/", exec_id, "/json");
	int ret;

	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
	ret = docker_call(docker_of(b), "GET", path, NULL, obj, 0, err);
	free(path);
	return ret;
}

static int resize(struct backend *b, const char *prefix, const char *id, int rows, int cols,
		  struct berr *err)
{
	char suffix[64];
	char *path;
	int ret;

	snprintf(suffix, sizeof(suffix), "/resize?h=%d&w=%d", rows, cols);
	if (!(path = docker_object_path(prefix, id, suffix)))
		return berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
	ret = docker_call(docker_of(b), "POST", path, NULL, NULL, 0, err);
	free(path);
	return ret;
}

int docker_exec_resize(struct backend *b, const char *exec_id, int rows, int cols,
		       struct berr *err)
{
	return resize(b, "/exec/", exec_id, rows, cols, err);
}

int docker_container_resize(struct backend *b, const char *ref, int rows, int cols,
			    struct berr *err)
{
	return resize(b, "/containers/", ref, rows, cols, err);
}

int docker_container_attach(struct backend *b, const char *ref, const struct attach_opts *opts,
			    struct backend_stream **s, struct berr *err)
{
	struct strbuf q = STRBUF_INIT;
	char *path, *esc = NULL;
	int ret;

	strbuf_addf(&q, "/attach?stream=1&stdout=1&stderr=1%s", opts->stdin_open ? "&stdin=1" : "");
	if (opts->detach_keys) {
		CURL *c = curl_easy_init();
		esc = c ? curl_easy_escape(c, opts->detach_keys, 0) : NULL;
		if (c)
			curl_easy_cleanup(c);
		if (esc)
			strbuf_addf(&q, "&detachKeys=%s", esc);
		curl_free(esc);
	}
	path = docker_object_path("/containers/", ref, q.buf);
	strbuf_release(&q);
	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
	ret = hijack(docker_of(b), path, "", opts->tty, s, err);
	free(path);
	return ret;
}

int docker_container_wait(struct backend *b, const char *ref, int64_t *code, struct berr *err)
{
	struct docker *d = docker_of(b);
	char *path = docker_object_path("/containers/", ref, "/wait");
	json_t *reply = NULL, *st;
	int ret = -1;

	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", b->name);
	if (docker_call(d, "POST", path, NULL, &reply, DOCKER_LONG, err) < 0)
		goto cleanup;
	st = json_object_get(reply, "StatusCode");
	if (!json_is_integer(st)) {
		docker_malformed(d, "POST /containers/{id}/wait", err, "no StatusCode in the reply");
		goto cleanup;
	}
	*code = json_integer_value(st);
	ret = 0;
cleanup:
	json_decref(reply);
	free(path);
	return ret;
}
