/* docker.c: the Docker Engine REST API as a struct backend.
 *
 * Every call goes through docker_call() (buffered JSON) or a streaming
 * request of its own; both negotiate the API version first. Engine errors
 * arrive as {"message": "..."} and reach the user as "HOST: message".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/docker/docker.h"
#include "backends/docker/docker_internal.h"
#include "backends/docker/docker_fanout.h"
#include "backends/docker/docker_stream.h"
#include "backends/docker/http.h"
#include "lib/names.h"
#include "lib/strbuf.h"
#include "lib/text.h"

#define API_MIN "1.24"
#define API_MAX "1.45"

static const struct backend_ops docker_ops;

static struct docker *to_docker(struct backend *b)
{
	return (struct docker *)b;
}

struct docker *docker_of(struct backend *b)
{
	return b && b->ops == &docker_ops ? to_docker(b) : NULL;
}

/* ---- versions ---------------------------------------------------------- */

/* "1.41" -> 1041; -1 when it is not MAJOR.MINOR. */
static long version_number(const char *v)
{
	char *end;
	long major, minor;

	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	major = strtol(v, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || errno)
		return -1;
	minor = strtol(end + 1, &end, 10);
	if (*end || errno || major > 1000 || minor > 999)
		return -1;
	return major * 1000 + minor;
}

/* ---- URL building ------------------------------------------------------ */

/* Percent-encodes all but RFC 3986's unreserved characters, so a name
 * with '/', ':', '?' or '#' stays one path segment or query value. */
static void sb_escape(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char enc[3];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			strbuf_add(sb, s, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[ch >> 4];
		enc[2] = hex[ch & 15];
		strbuf_add(sb, enc, 3);
	}
}

/* A query parameter: "?k=v" the first time, "&k=v" after. */
static void sb_param(struct strbuf *sb, const char *key, const char *value)
{
	strbuf_addstr(sb, strchr(sb->buf, '?') ? "&" : "?");
	strbuf_addstr(sb, key);
	strbuf_addstr(sb, "=");
	sb_escape(sb, value);
}

/* "/containers/" + escaped ref + suffix */
char *docker_object_path(const char *prefix, const char *ref, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, prefix);
	sb_escape(&sb, ref);
	strbuf_addstr(&sb, suffix);
	return strbuf_detach(&sb);
}

/* ---- replies ----------------------------------------------------------- */

/* Quotes the start of a stray body for a message: printable, one line. */
void docker_param(struct strbuf *sb, const char *key, const char *value)
{
	sb_param(sb, key, value);
}

static void snippet(char *out, size_t size, const char *body, size_t len)
{
	size_t i, o = 0;

	while (len && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
		len--;
	for (i = 0; i < len && o + 4 < size; i++) {
		unsigned char ch = (unsigned char)body[i];

		out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
	}
	if (i < len && o + 4 <= size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int docker_malformed(struct docker *d, const char *what, struct berr *err, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return berr_set(err, BERR_PROTOCOL, "%s: the engine sent a malformed reply to %s: %s",
			d->base.name, what, detail);
}

/* An error status: the engine's {"message": ...} as "HOST: message". */
static int engine_error(struct docker *d, const char *what, const struct http_response *resp,
			struct berr *err)
{
	json_error_t jerr;
	json_t *root = resp->len ? json_loadb(resp->body, resp->len, 0, &jerr) : NULL;
	const char *msg = json_string_value(json_object_get(root, "message"));
	enum berr_kind kind = resp->status == 404 ? BERR_NOT_FOUND :
			      resp->status == 409 ? BERR_CONFLICT : BERR_ENGINE;
	char snip[80];

	if (msg) {
		size_t n = strlen(msg);

		/* The engine ends some messages with a newline. */
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			n--;
		berr_set(err, kind, "%s: %.*s", d->base.name, (int)n, msg);
	} else {
		snippet(snip, sizeof(snip), resp->body ? resp->body : "", resp->len);
		docker_malformed(d, what, err, "HTTP %ld with %s%s%s", resp->status,
				 resp->len ? "a body that is not an engine error: '" : "an empty body",
				 resp->len ? snip : "", resp->len ? "'" : "");
	}
	if (err)
		err->http_status = resp->status;
	json_decref(root);
	return -1;
}

static int parse_json(struct docker *d, const char *what, const struct http_response *resp,
		      json_t **out, struct berr *err)
{
	json_error_t jerr;
	json_t *root;

	if (!resp->len)
		return docker_malformed(d, what, err,
					"HTTP %ld with an empty body where JSON was expected",
					resp->status);
	root = json_loadb(resp->body, resp->len, 0, &jerr);
	if (!root)
		return docker_malformed(d, what, err, "%s (at byte %d)", jerr.text, jerr.position);
	*out = root;
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

static int negotiate(struct docker *d, struct berr *err);

/* "GET /containers/abc/json": the path as messages show it, without the
 * version prefix and the query. */
void docker_describe(char *buf, size_t size, const char *method, const char *path)
{
	size_t n = strcspn(path, "?");

	snprintf(buf, size, "%s %.*s", method, (int)n, path);
}

char *docker_api_path(struct docker *d, const char *path)
{
	struct strbuf full = STRBUF_INIT;

	strbuf_addstr(&full, "/v");
	strbuf_addstr(&full, d->api);
	strbuf_addstr(&full, path);
	return strbuf_detach(&full);
}

/* A versioned request; fills resp, and err on failure to get one. */
int docker_request(struct docker *d, struct http_request *req, const char *path,
			  struct http_response *resp, struct berr *err)
{
	char what[512];
	char *full;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if (negotiate(d, err) < 0)
		return -1;
	docker_describe(what, sizeof(what), req->method, path);
	full = docker_api_path(d, path);
	if (!full)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	req->path = full;
	req->what = what;
	ret = http_request(d->http, req, resp, err);
	req->path = NULL;
	req->what = NULL;
	free(full);
	return ret;
}

int docker_reply(struct docker *d, const char *what, const struct http_response *resp,
		 unsigned flags, json_t **out, struct berr *err)
{
	if (out)
		*out = NULL;
	if (resp->status == 304 && (flags & DOCKER_OK304))
		return 0;
	if (resp->status < 200 || resp->status >= 300)
		return engine_error(d, what, resp, err);
	if (!out || (flags & DOCKER_NOJSON) || (!resp->len && !(flags & DOCKER_NEEDJSON)))
		return 0;
	return parse_json(d, what, resp, out, err);
}

#define CALL_OK304 DOCKER_OK304
#define CALL_LONG DOCKER_LONG /* a long call (http_request's stream): a stop's grace period */

/* A buffered call: method, path (with query), optional JSON body; on 2xx
 * *out (if not NULL) gets the parsed reply. */
int docker_call(struct docker *d, const char *method, const char *path, json_t *body,
		json_t **out, unsigned flags, struct berr *err)
{
	struct http_request req = { .method = method, .stream = !!(flags & CALL_LONG) };
	struct http_response resp;
	char what[512];
	char *text = NULL;
	int ret = -1;

	if (out)
		*out = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return berr_set(err, BERR_USAGE,
					"%s: the request for %s has text that is not valid UTF-8",
					d->base.name, path);
		req.body = text;
		req.body_len = strlen(text);
		req.content_type = "application/json";
	}
	docker_describe(what, sizeof(what), method, path);
	if (docker_request(d, &req, path, &resp, err) < 0)
		goto cleanup;
	ret = docker_reply(d, what, &resp, (out ? flags | DOCKER_NEEDJSON : flags) & ~CALL_LONG,
			   out, err);

cleanup:
	http_response_release(&resp);
	free(text);
	return ret;
}

/* Takes the engine's version v (from what) unless older than API_MIN. */
static int set_api(struct docker *d, const char *v, const char *what, struct berr *err)
{
	long n = version_number(v);

	if (n < 0)
		return docker_malformed(d, what, err, "Api-Version '%.40s' is not a version", v);
	if (n < version_number(API_MIN))
		return berr_set(err, BERR_ENGINE,
				"%s: the engine at %s speaks API %s, older than %s, the oldest berth "
				"supports: upgrade the engine",
				d->base.name, d->display_url, v, API_MIN);
	snprintf(d->api, sizeof(d->api), "%s", n > version_number(API_MAX) ? API_MAX : v);
	return 0;
}

int docker_negotiate_ping(struct docker *d, const struct http_response *resp, struct berr *err)
{
	char *v;
	int ret;

	if (resp->status != 200)
		return engine_error(d, "GET /_ping", resp, err);
	v = http_response_header(resp, "Api-Version");
	if (!v)
		return 1;
	ret = set_api(d, v, "GET /_ping", err);
	free(v);
	return ret;
}

int docker_negotiate_version(struct docker *d, const struct http_response *resp,
			     struct berr *err)
{
	json_t *root = NULL;
	const char *v;
	int ret;

	if (resp->status != 200)
		return engine_error(d, "GET /version", resp, err);
	if (parse_json(d, "GET /version", resp, &root, err) < 0)
		return -1;
	v = json_string_value(json_object_get(root, "ApiVersion"));
	/* Named after the ping, as when the header had said it. */
	ret = v ? set_api(d, v, "GET /_ping", err) :
		  docker_malformed(d, "GET /version", err, "no ApiVersion in the reply");
	json_decref(root);
	return ret;
}

/* The version to speak: pinned, or min(engine's, API_MAX) from /_ping's
 * Api-Version header (or /version on engines that do not send it). */
static int negotiate(struct docker *d, struct berr *err)
{
	struct http_request req = { .method = "GET", .path = "/_ping", .what = "GET /_ping" };
	struct http_request vreq = { .method = "GET", .path = "/version", .what = "GET /version" };
	struct http_response resp;
	int ret = -1, st;

	if (d->api[0])
		return 0;
	if (http_request(d->http, &req, &resp, err) < 0)
		goto cleanup;
	st = docker_negotiate_ping(d, &resp, err);
	if (st <= 0) {
		ret = st;
		goto cleanup;
	}
	http_response_release(&resp);
	if (http_request(d->http, &vreq, &resp, err) < 0)
		goto cleanup;
	ret = docker_negotiate_version(d, &resp, err);

cleanup:
	http_response_release(&resp);
	return ret;
}

int docker_negotiate(struct docker *d, struct berr *err)
{
	return negotiate(d, err);
}

static json_t *string_array(const char *const *s, size_t n);

json_t *docker_string_array(const char *const *s, size_t n)
{
	return string_array(s, n);
}

const char *docker_api_version(struct backend *b)
{
	struct docker *d = to_docker(b);

	return d->api[0] ? d->api : NULL;
}

/* ---- JSON lines (load, pull) ------------------------------------------- */

/* The engine's progress streams are JSON objects, one per line. This
 * splits them as they arrive, keeping only what the callers need. */
struct jsonlines {
	char *line;
	size_t len, alloc;   /* alloc grows by doubling, not at every line */
	json_t *loaded;      /* load: array of names */
	char *error;         /* the first {"error": ...} */
	int bad;             /* a line that is not JSON */
	char bad_detail[256];
};

static void take_loaded(struct jsonlines *jl, const char *text)
{
	static const char *const prefixes[] = { "Loaded image: ", "Loaded image ID: " };

	while (text && *text) {
		size_t n = strcspn(text, "\n");
		size_t i;

		for (i = 0; i < 2; i++) {
			size_t p = strlen(prefixes[i]);

			if (n > p && !strncmp(text, prefixes[i], p)) {
				json_array_append_new(jl->loaded, json_stringn(text + p, n - p));
				break;
			}
		}
		text += n;
		if (*text == '\n')
			text++;
	}
}

static void take_line(struct jsonlines *jl, const char *line, size_t n)
{
	json_error_t jerr;
	json_t *obj;
	const char *e;

	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	if (!n || jl->bad)
		return;
	obj = json_loadb(line, n, 0, &jerr);
	if (!json_is_object(obj)) {
		char snip[80];

		snippet(snip, sizeof(snip), line, n);
		snprintf(jl->bad_detail, sizeof(jl->bad_detail), "a line that is not a JSON object: '%s'",
			 snip);
		jl->bad = 1;
		json_decref(obj);
		return;
	}
	e = json_string_value(json_object_get(obj, "error"));
	if (!e)
		e = json_string_value(json_object_get(json_object_get(obj, "errorDetail"), "message"));
	if (e && !jl->error)
		jl->error = strdup(e);
	if (jl->loaded)
		take_loaded(jl, json_string_value(json_object_get(obj, "stream")));
	json_decref(obj);
}

static int jsonlines_write(void *ud, const char *buf, size_t len)
{
	struct jsonlines *jl = ud;

	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		char *p;

		if (jl->len + n > (1u << 20)) {
			snprintf(jl->bad_detail, sizeof(jl->bad_detail), "a line longer than 1 MiB");
			jl->bad = 1;
			return -1;
		}
		if (jl->len + n + 1 > jl->alloc) {
			size_t want = jl->alloc ? jl->alloc : 256;

			while (want < jl->len + n + 1)
				want *= 2;
			p = realloc(jl->line, want);
			if (!p)
				return -1;
			jl->line = p;
			jl->alloc = want;
		}
		memcpy(jl->line + jl->len, buf, n);
		jl->len += n;
		if (!nl)
			break;
		take_line(jl, jl->line, jl->len);
		jl->len = 0;
		buf += n + 1;
		len -= n + 1;
	}
	return jl->bad ? -1 : 0;
}

/* After the transfer: the last line may lack its newline. */
static void jsonlines_finish(struct jsonlines *jl)
{
	if (jl->len)
		take_line(jl, jl->line, jl->len);
	jl->len = 0;
}

static void jsonlines_release(struct jsonlines *jl)
{
	free(jl->line);
	free(jl->error);
	json_decref(jl->loaded);
}

/* Engine's message, without the newline some carry. */
static int stream_error(struct docker *d, const char *msg, struct berr *err)
{
	size_t n = strlen(msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return berr_set(err, BERR_ENGINE, "%s: %.*s", d->base.name, (int)n, msg);
}

/* ---- ops --------------------------------------------------------------- */

static int docker_ping(struct backend *b, struct berr *err)
{
	struct docker *d = to_docker(b);
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	int ret = -1;

	if (!d->api[0])
		return negotiate(d, err);
	if (docker_request(d, &req, "/_ping", &resp, err) < 0)
		goto cleanup;
	if (resp.status != 200) {
		engine_error(d, "GET /_ping", &resp, err);
		goto cleanup;
	}
	ret = 0;

cleanup:
	http_response_release(&resp);
	return ret;
}

static int docker_info(struct backend *b, json_t **info, struct berr *err)
{
	struct docker *d = to_docker(b);

	*info = NULL;
	if (docker_call(d, "GET", "/info", NULL, info, 0, err) < 0)
		return -1;
	if (!json_is_object(*info)) {
		json_decref(*info);
		*info = NULL;
		return docker_malformed(d, "GET /info", err, "not a JSON object");
	}
	json_object_set_new(*info, "ApiVersion", json_string(d->api));
	return 0;
}

/* "on-failure:5" -> {"Name": "on-failure", "MaximumRetryCount": 5} */
static json_t *restart_policy(struct docker *d, const char *restart, struct berr *err)
{
	const char *colon = strchr(restart, ':');
	size_t n = colon ? (size_t)(colon - restart) : strlen(restart);
	long retries = 0;
	char *end;

	if (colon) {
		errno = 0;
		retries = strtol(colon + 1, &end, 10);
		if (n != 10 || strncmp(restart, "on-failure", 10) || !colon[1] || *end ||
		    retries < 0 || errno || retries > 1000000) {
			berr_set(err, BERR_USAGE,
				 "%s: invalid restart policy '%s': use no, always, unless-stopped, "
				 "on-failure or on-failure:N", d->base.name, restart);
			return NULL;
		}
	} else if (strcmp(restart, "no") && strcmp(restart, "always") &&
		   strcmp(restart, "unless-stopped") && strcmp(restart, "on-failure")) {
		berr_set(err, BERR_USAGE,
			 "%s: invalid restart policy '%s': use no, always, unless-stopped, "
			 "on-failure or on-failure:N", d->base.name, restart);
		return NULL;
	}
	return json_pack("{s:s%, s:I}", "Name", restart, n, "MaximumRetryCount",
			 (json_int_t)retries);
}

/* "K=V" strings as {"K": "V"} ("K" alone: empty value, as docker does). */
static json_t *labels_object(const char *const *labels, size_t n)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && i < n; i++) {
		const char *eq = strchr(labels[i], '=');
		char *key = eq ? strndup(labels[i], (size_t)(eq - labels[i])) : strdup(labels[i]);
		json_t *v = json_string(eq ? eq + 1 : "");

		if (!key || !v || json_object_set_new(obj, key, v) < 0) {
			if (!key)
				json_decref(v);
			json_decref(obj);
			obj = NULL;
		}
		free(key);
	}
	return obj;
}

static json_t *string_array(const char *const *s, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, json_string(s[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/* ExposedPorts and HostConfig.PortBindings for spec->ports. */
static int port_objects(const struct container_spec *spec, json_t **exposed, json_t **bindings)
{
	size_t i;

	*exposed = json_object();
	*bindings = json_object();
	if (!*exposed || !*bindings)
		return -1;
	for (i = 0; i < spec->nports; i++) {
		const struct port_binding *p = &spec->ports[i];
		char key[96];
		json_t *list, *b;

		snprintf(key, sizeof(key), "%s/%s", p->container_port,
			 p->proto && *p->proto ? p->proto : "tcp");
		json_object_set_new(*exposed, key, json_object());
		list = json_object_get(*bindings, key);
		if (!list) {
			list = json_array();
			if (json_object_set_new(*bindings, key, list) < 0)
				return -1;
		}
		b = json_pack("{s:s, s:s}", "HostIp", p->host_ip ? p->host_ip : "",
			      "HostPort", p->host_port ? p->host_port : "");
		if (json_array_append_new(list, b) < 0)
			return -1;
	}
	return 0;
}

int docker_create_request(struct docker *d, const struct container_spec *spec,
			  json_t **bodyp, char **pathp, struct berr *err)
{
	json_t *body = NULL, *host = NULL, *exposed = NULL, *bindings = NULL;
	json_t *restart = NULL;
	struct strbuf path = STRBUF_INIT;
	int ret = -1;

	*bodyp = NULL;
	*pathp = NULL;
	if (spec->restart && *spec->restart) {
		restart = restart_policy(d, spec->restart, err);
		if (!restart)
			goto cleanup;
	}
	body = json_object();
	host = json_object();
	if (!body || !host || json_object_set_new(body, "Image", json_string(spec->image)) < 0)
		goto bad_text;
	if (spec->ncmd && json_object_set_new(body, "Cmd", string_array(spec->cmd, spec->ncmd)) < 0)
		goto bad_text;
	if (spec->nenv && json_object_set_new(body, "Env", string_array(spec->env, spec->nenv)) < 0)
		goto bad_text;
	if (spec->nlabels &&
	    json_object_set_new(body, "Labels", labels_object(spec->labels, spec->nlabels)) < 0)
		goto bad_text;
	json_object_set_new(body, "Tty", json_boolean(spec->tty));
	if (spec->open_stdin) {
		json_object_set_new(body, "OpenStdin", json_true());
		json_object_set_new(body, "StdinOnce", json_true());
		json_object_set_new(body, "AttachStdin", json_true());
	}
	if (spec->auto_remove)
		json_object_set_new(host, "AutoRemove", json_true());
	if (spec->nports) {
		if (port_objects(spec, &exposed, &bindings) < 0)
			goto bad_text;
		json_object_set(body, "ExposedPorts", exposed);
		json_object_set(host, "PortBindings", bindings);
	}
	if (spec->memory > 0)
		json_object_set_new(host, "Memory", json_integer(spec->memory));
	if (spec->nano_cpus > 0)
		json_object_set_new(host, "NanoCpus", json_integer(spec->nano_cpus));
	if (restart) {
		json_object_set_new(host, "RestartPolicy", restart);
		restart = NULL;
	}
	if (docker_create_more(spec, body, host) < 0)
		goto bad_text;
	json_object_set(body, "HostConfig", host);

	strbuf_addstr(&path, "/containers/create");
	if (spec->name && *spec->name)
		sb_param(&path, "name", spec->name);
	*bodyp = body;
	body = NULL;
	*pathp = strbuf_detach(&path);
	ret = 0;
	goto cleanup;

bad_text:
	berr_set(err, BERR_USAGE, "%s: cannot build the container request: "
		 "is every argument valid UTF-8?", d->base.name);
cleanup:
	json_decref(body);
	json_decref(host);
	json_decref(exposed);
	json_decref(bindings);
	json_decref(restart);
	strbuf_release(&path);
	return ret;
}

const char *docker_created_id(struct docker *d, json_t *reply, struct berr *err)
{
	const char *newid = json_string_value(json_object_get(reply, "Id"));

	if (!newid || !*newid) {
		docker_malformed(d, "POST /containers/create", err, "no Id in the reply");
		return NULL;
	}
	return newid;
}

static int docker_container_create(struct backend *b, const struct container_spec *spec,
				   char **id, struct berr *err)
{
	struct docker *d = to_docker(b);
	json_t *body = NULL, *reply = NULL;
	char *path = NULL;
	const char *newid;
	int ret = -1;

	*id = NULL;
	if (docker_create_request(d, spec, &body, &path, err) < 0)
		goto cleanup;
	if (docker_call(d, "POST", path, body, &reply, 0, err) < 0)
		goto cleanup;
	newid = docker_created_id(d, reply, err);
	if (!newid)
		goto cleanup;
	*id = strdup(newid);
	if (!*id) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
		goto cleanup;
	}
	ret = 0;

cleanup:
	json_decref(body);
	json_decref(reply);
	free(path);
	return ret;
}

static int docker_container_action(struct backend *b, const char *ref,
				   enum container_action action, struct berr *err)
{
	static const char *const verbs[] = {
		[CONTAINER_START] = "/start",
		[CONTAINER_STOP] = "/stop",
		[CONTAINER_RESTART] = "/restart",
		[CONTAINER_PAUSE] = "/pause",
		[CONTAINER_UNPAUSE] = "/unpause",
	};
	struct docker *d = to_docker(b);
	char *path;
	int ret;

	if ((unsigned)action >= sizeof(verbs) / sizeof(verbs[0]) || !verbs[action])
		return berr_set(err, BERR_USAGE, "%s: unknown container action %d",
				d->base.name, (int)action);
	path = docker_object_path("/containers/", ref, verbs[action]);
	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	/* The engine waits the container's stop timeout (10s unless it says
	 * otherwise) before SIGKILL: longer than a short call may take. */
	ret = docker_call(d, "POST", path, NULL, NULL,
			  CALL_OK304 | (action == CONTAINER_STOP || action == CONTAINER_RESTART ?
					CALL_LONG : 0), err);
	free(path);
	return ret;
}

static int docker_container_delete(struct backend *b, const char *ref, int force,
				   struct berr *err)
{
	struct docker *d = to_docker(b);
	char *path = docker_object_path("/containers/", ref, force ? "?force=1" : "");
	int ret;

	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	ret = docker_call(d, "DELETE", path, NULL, NULL, 0, err);
	free(path);
	return ret;
}

/* ["label=a=b", "status=running"] -> {"label": ["a=b"], "status": ["running"]} */
static json_t *filters_object(struct docker *d, const struct list_filter *f, struct berr *err)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && i < f->nfilters; i++) {
		const char *s = f->filters[i];
		const char *eq = strchr(s, '=');
		char *key;
		json_t *list;

		if (!eq || eq == s) {
			berr_set(err, BERR_USAGE,
				 "%s: invalid filter '%s': use KEY=VALUE (label=K=V, status=running, name=NAME)",
				 d->base.name, s);
			json_decref(obj);
			return NULL;
		}
		key = strndup(s, (size_t)(eq - s));
		list = key ? json_object_get(obj, key) : NULL;
		if (key && !list) {
			list = json_array();
			json_object_set_new(obj, key, list);
		}
		if (!key || json_array_append_new(list, json_string(eq + 1)) < 0) {
			berr_set(err, BERR_USAGE, "%s: invalid filter '%s': is it valid UTF-8?",
				 d->base.name, s);
			json_decref(obj);
			obj = NULL;
		}
		free(key);
	}
	if (!obj && err && err->kind == BERR_NONE)
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	return obj;
}

json_t *docker_restart_policy(struct docker *d, const char *restart, struct berr *err)
{
	return restart_policy(d, restart, err);
}

json_t *docker_filters_object(struct docker *d, const struct list_filter *f, struct berr *err)
{
	return filters_object(d, f, err);
}

char *docker_list_path(struct docker *d, const struct list_filter *filter, struct berr *err)
{
	struct strbuf path = STRBUF_INIT;
	char *text = NULL;

	strbuf_addstr(&path, "/containers/json");
	if (filter && filter->all)
		sb_param(&path, "all", "1");
	if (filter && filter->nfilters) {
		json_t *f = filters_object(d, filter, err);

		if (!f)
			goto fail;
		text = json_dumps(f, JSON_COMPACT);
		json_decref(f);
		if (!text)
			goto oom;
		sb_param(&path, "filters", text);
		free(text);
	}
	return strbuf_detach(&path);

oom:
	berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
fail:
	strbuf_release(&path);
	return NULL;
}

json_t *docker_kv_object(const char *const *kv, size_t n)
{
	return labels_object(kv, n);
}

int docker_api_at_least(struct docker *d, const char *version, struct berr *err)
{
	if (negotiate(d, err) < 0)
		return -1;
	return version_number(d->api) >= version_number(version);
}

char *docker_filtered_path(struct docker *d, const char *path, const char *const *filters,
			   size_t n, struct berr *err)
{
	const struct list_filter f = { .filters = filters, .nfilters = n };
	struct strbuf sb = STRBUF_INIT;
	json_t *obj;
	char *text;

	strbuf_addstr(&sb, path);
	if (!n)
		return strbuf_detach(&sb);
	if (!(obj = filters_object(d, &f, err))) {
		strbuf_release(&sb);
		return NULL;
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text) {
		strbuf_release(&sb);
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
		return NULL;
	}
	sb_param(&sb, "filters", text);
	free(text);
	return strbuf_detach(&sb);
}

static int docker_container_list(struct backend *b, const struct list_filter *filter,
				 json_t **list, struct berr *err)
{
	struct docker *d = to_docker(b);
	char *path;
	int ret = -1;

	*list = NULL;
	path = docker_list_path(d, filter, err);
	if (!path)
		return -1;
	if (docker_call(d, "GET", path, NULL, list, 0, err) < 0)
		goto cleanup;
	if (!json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		docker_malformed(d, "GET /containers/json", err, "not a JSON array");
		goto cleanup;
	}
	ret = 0;

cleanup:
	free(path);
	return ret;
}

/* GET /containers/REF/json, /images/REF/json: one object's details. */
static int docker_get_object(struct backend *b, const char *kind, const char *ref,
			     json_t **obj, struct berr *err)
{
	struct docker *d = to_docker(b);
	char *path = docker_object_path(kind, ref, "/json");
	int ret;

	*obj = NULL;
	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	ret = docker_call(d, "GET", path, NULL, obj, 0, err);
	free(path);
	return ret;
}

static int docker_container_inspect(struct backend *b, const char *ref, json_t **obj,
				    struct berr *err)
{
	return docker_get_object(b, "/containers/", ref, obj, err);
}

/* Logs: raw bytes for a TTY container, else through the frame decoder. */
struct logs_state {
	int tty;
	backend_stream_fn fn;
	void *ud;
	struct docker_stream dec;
	int stopped_by_fn;
};

static int logs_raw(void *ud, const char *buf, size_t len)
{
	struct logs_state *ls = ud;

	if (ls->fn(ls->ud, 1, buf, len) < 0) {
		ls->stopped_by_fn = 1;
		return -1;
	}
	return 0;
}

static int logs_frames(void *ud, const char *buf, size_t len)
{
	struct logs_state *ls = ud;
	int st = docker_stream_feed(&ls->dec, buf, len);

	if (st == DOCKER_STREAM_STOPPED)
		ls->stopped_by_fn = 1;
	return st == DOCKER_STREAM_OK ? 0 : -1;
}

static int docker_container_logs(struct backend *b, const char *ref, const struct logs_opts *opts,
				 backend_stream_fn fn, void *ud, struct berr *err)
{
	struct docker *d = to_docker(b);
	struct logs_state ls = { .fn = fn, .ud = ud };
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	struct strbuf path = STRBUF_INIT;
	char what[512];
	json_t *obj = NULL;
	int ret = -1, st;

	memset(&resp, 0, sizeof(resp));
	/* The reply does not say (before API 1.42) whether it is framed:
	 * the container's TTY setting does. */
	if (docker_container_inspect(b, ref, &obj, err) < 0)
		goto cleanup;
	ls.tty = json_is_true(json_object_get(json_object_get(obj, "Config"), "Tty"));
	docker_stream_init(&ls.dec, fn, ud);

	strbuf_addstr(&path, "/containers/");
	/* The ID, not the ref: a name could be reused between the calls. */
	sb_escape(&path, json_string_value(json_object_get(obj, "Id")) ?
		  json_string_value(json_object_get(obj, "Id")) : ref);
	strbuf_addstr(&path, "/logs?stdout=1&stderr=1");
	if (opts && opts->follow)
		strbuf_addstr(&path, "&follow=1");
	if (opts && opts->timestamps)
		strbuf_addstr(&path, "&timestamps=1");
	sb_param(&path, "tail", opts && opts->tail && *opts->tail ? opts->tail : "all");
	docker_describe(what, sizeof(what), "GET", path.buf);
	req.write = ls.tty ? logs_raw : logs_frames;
	req.write_ud = &ls;
	/* a long transfer, followed or not: a big log takes its time */
	req.stream = 1;
	if (docker_request(d, &req, path.buf, &resp, err) < 0)
		goto cleanup;
	if (resp.status < 200 || resp.status >= 300) {
		engine_error(d, what, &resp, err);
		goto cleanup;
	}
	if (ls.stopped_by_fn) {
		ret = 0;
		goto cleanup;
	}
	st = ls.tty ? DOCKER_STREAM_OK : docker_stream_finish(&ls.dec);
	if (st == DOCKER_STREAM_ENGINE) {
		stream_error(d, ls.dec.error, err);
		goto cleanup;
	}
	if (st == DOCKER_STREAM_BAD) {
		docker_malformed(d, what, err, "%s", ls.dec.error);
		goto cleanup;
	}
	ret = 0;

cleanup:
	/* Ctrl-C is how a follow normally ends. */
	if (ret < 0 && opts && opts->follow && berth_interrupted) {
		berr_clear(err);
		ret = 0;
	}
	http_response_release(&resp);
	json_decref(obj);
	strbuf_release(&path);
	return ret;
}

static int docker_image_list(struct backend *b, int all, json_t **list, struct berr *err)
{
	struct docker *d = to_docker(b);

	*list = NULL;
	if (docker_call(d, "GET", all ? "/images/json?all=1" : "/images/json", NULL, list, 0,
			err) < 0)
		return -1;
	if (!json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		return docker_malformed(d, "GET /images/json", err, "not a JSON array");
	}
	return 0;
}

static int docker_image_inspect(struct backend *b, const char *ref, json_t **obj,
				struct berr *err)
{
	return docker_get_object(b, "/images/", ref, obj, err);
}

static int docker_image_delete(struct backend *b, const char *ref, int force,
			       json_t **result, struct berr *err)
{
	struct docker *d = to_docker(b);
	char *path = docker_object_path("/images/", ref, force ? "?force=1" : "");
	json_t *reply = NULL;
	int ret;

	if (result)
		*result = NULL;
	if (!path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	ret = docker_call(d, "DELETE", path, NULL, &reply, 0, err);
	free(path);
	if (ret == 0 && result)
		*result = reply;
	else
		json_decref(reply);
	return ret;
}

size_t docker_source_read(void *ud, char *buf, size_t len)
{
	struct docker_source *ls = ud;
	size_t n = ls->src(ls->ud, buf, len);

	if (n == (size_t)-1)
		ls->failed = 1;
	return n;
}

/* After a JSON-lines reply: errors in the status or in the stream. */
static int jsonlines_check(struct docker *d, const char *what, const struct http_response *resp,
			   struct jsonlines *jl, struct berr *err)
{
	if (resp->status < 200 || resp->status >= 300)
		return engine_error(d, what, resp, err);
	if (resp->stopped && !jl->bad)
		return berr_set(err, BERR_LOCAL, "%s: out of memory reading the reply to %s",
				d->base.name, what);
	jsonlines_finish(jl);
	if (jl->bad)
		return docker_malformed(d, what, err, "%s", jl->bad_detail);
	if (jl->error) {
		stream_error(d, jl->error, err);
		if (err)
			err->http_status = resp->status;
		return -1;
	}
	return 0;
}

/* A JSON-lines streaming call (load, pull): errors in the stream or in
 * the status both end as err. */
static int jsonlines_call(struct docker *d, struct http_request *req, const char *path,
			  struct jsonlines *jl, struct berr *err)
{
	struct http_response resp;
	char what[512];
	int ret = -1;

	docker_describe(what, sizeof(what), req->method, path);
	req->write = jsonlines_write;
	req->write_ud = jl;
	if (docker_request(d, req, path, &resp, err) < 0)
		goto cleanup;
	ret = jsonlines_check(d, what, &resp, jl, err);

cleanup:
	http_response_release(&resp);
	return ret;
}

/* The load reply's end: it must have named what it loaded. */
static int load_loaded(struct docker *d, struct jsonlines *jl, json_t **loaded, struct berr *err)
{
	if (!json_array_size(jl->loaded))
		return docker_malformed(d, "POST /images/load", err,
					"it did not name any image it loaded");
	if (loaded) {
		*loaded = jl->loaded;
		jl->loaded = NULL;
	}
	return 0;
}

struct docker_load_reply {
	struct jsonlines jl;
};

struct docker_load_reply *docker_load_reply_new(void)
{
	struct docker_load_reply *lr = calloc(1, sizeof(*lr));

	if (lr && !(lr->jl.loaded = json_array())) {
		free(lr);
		lr = NULL;
	}
	return lr;
}

void docker_load_reply_free(struct docker_load_reply *lr)
{
	if (!lr)
		return;
	jsonlines_release(&lr->jl);
	free(lr);
}

int docker_load_reply_write(void *ud, const char *buf, size_t len)
{
	struct docker_load_reply *lr = ud;

	return jsonlines_write(&lr->jl, buf, len);
}

int docker_load_reply_finish(struct docker *d, const struct http_response *resp,
			     struct docker_load_reply *lr, json_t **loaded, struct berr *err)
{
	if (loaded)
		*loaded = NULL;
	if (jsonlines_check(d, "POST /images/load", resp, &lr->jl, err) < 0)
		return -1;
	return load_loaded(d, &lr->jl, loaded, err);
}

static int docker_image_load(struct backend *b, backend_source_fn src, void *ud,
			     json_t **loaded, struct berr *err)
{
	struct docker *d = to_docker(b);
	struct docker_source ls = { .src = src, .ud = ud };
	struct http_request req = {
		.method = "POST",
		.content_type = "application/x-tar",
		.read = docker_source_read,
		.read_ud = &ls,
		.stream = 1,
	};
	struct jsonlines jl = { .loaded = json_array() };
	int ret = -1;

	if (loaded)
		*loaded = NULL;
	if (!jl.loaded)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	if (jsonlines_call(d, &req, "/images/load?quiet=1", &jl, err) < 0) {
		if (ls.failed && err && err->kind == BERR_LOCAL)
			berr_set(err, BERR_LOCAL, "%s: image load: reading the tarball failed",
				 d->base.name);
		goto cleanup;
	}
	ret = load_loaded(d, &jl, loaded, err);

cleanup:
	jsonlines_release(&jl);
	return ret;
}

struct save_sink {
	backend_sink_fn sink;
	void *ud;
	int failed;
};

static int save_write(void *ud, const char *buf, size_t len)
{
	struct save_sink *ss = ud;

	if (ss->sink(ss->ud, buf, len) < 0) {
		ss->failed = 1;
		return -1;
	}
	return 0;
}

static int docker_image_save(struct backend *b, const char *const *refs, size_t nrefs,
			     backend_sink_fn sink, void *ud, struct berr *err)
{
	struct docker *d = to_docker(b);
	struct save_sink ss = { .sink = sink, .ud = ud };
	struct http_request req = { .method = "GET", .write = save_write, .write_ud = &ss,
				    .stream = 1 };
	struct http_response resp;
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int ret = -1;

	memset(&resp, 0, sizeof(resp));
	if (!nrefs)
		return berr_set(err, BERR_USAGE, "%s: image save needs at least one image",
				d->base.name);
	strbuf_addstr(&path, "/images/get");
	for (i = 0; i < nrefs; i++)
		sb_param(&path, "names", refs[i]);
	if (docker_request(d, &req, path.buf, &resp, err) < 0)
		goto cleanup;
	if (resp.status < 200 || resp.status >= 300) {
		engine_error(d, "GET /images/get", &resp, err);
		goto cleanup;
	}
	if (ss.failed) {
		berr_set(err, BERR_LOCAL, "%s: image save: writing the tarball failed", d->base.name);
		goto cleanup;
	}
	ret = 0;

cleanup:
	http_response_release(&resp);
	strbuf_release(&path);
	return ret;
}

/* "name[:tag]" or "name@digest" -> fromImage and tag, as the docker CLI
 * sends them (no tag means latest, not every tag). */
static int docker_image_pull(struct backend *b, const char *ref, struct berr *err)
{
	struct docker *d = to_docker(b);
	struct http_request req = { .method = "POST", .stream = 1 };
	struct jsonlines jl = { 0 };
	struct strbuf path = STRBUF_INIT;
	const char *at = strchr(ref, '@');
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');
	char *name = NULL;
	const char *tag = "latest";
	int ret = -1;

	if (at) {
		name = strndup(ref, (size_t)(at - ref));
		tag = at + 1;
	} else if (colon && (!slash || colon > slash)) {
		name = strndup(ref, (size_t)(colon - ref));
		tag = colon + 1;
	} else {
		name = strdup(ref);
	}
	if (!name)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	if (!*name || !*tag) {
		berr_set(err, BERR_USAGE, "%s: invalid image reference '%s': use NAME[:TAG] or NAME@DIGEST",
			 d->base.name, ref);
		goto cleanup;
	}
	strbuf_addstr(&path, "/images/create");
	sb_param(&path, "fromImage", name);
	sb_param(&path, "tag", tag);
	ret = jsonlines_call(d, &req, path.buf, &jl, err);

cleanup:
	jsonlines_release(&jl);
	strbuf_release(&path);
	free(name);
	return ret;
}

static void docker_free(struct backend *b)
{
	struct docker *d = to_docker(b);

	http_conn_free(d->http);
	free(d->display_url);
	free(d->base.name);
	free(d->base.url);
	free(d);
}

static const struct backend_ops docker_ops = {
	.kind = "docker",
	.ping = docker_ping,
	.info = docker_info,
	.container_create = docker_container_create,
	.container_action = docker_container_action,
	.container_delete = docker_container_delete,
	.container_list = docker_container_list,
	.container_inspect = docker_container_inspect,
	.container_logs = docker_container_logs,
	.image_list = docker_image_list,
	.image_inspect = docker_image_inspect,
	.image_delete = docker_image_delete,
	.image_load = docker_image_load,
	.image_save = docker_image_save,
	.image_pull = docker_image_pull,
	.container_kill = docker_container_kill,
	.container_rename = docker_container_rename,
	.container_stop_after = docker_container_stop_after,
	.container_update = docker_container_update,
	.container_prune = docker_container_prune,
	.image_tag = docker_image_tag,
	.image_history = docker_image_history,
	.image_prune = docker_image_prune,
	.image_import = docker_image_import,
	.fanout = docker_fanout,
	.image_copy = docker_image_copy_many,
	.exec_create = docker_exec_create,
	.exec_start = docker_exec_start,
	.exec_inspect = docker_exec_inspect,
	.exec_resize = docker_exec_resize,
	.container_attach = docker_container_attach,
	.container_resize = docker_container_resize,
	.container_wait = docker_container_wait,
	.container_top = docker_container_top,
	.container_stats = docker_container_stats,
	.archive_stat = docker_archive_stat,
	.archive_get = docker_archive_get,
	.archive_put = docker_archive_put,
	.events = docker_events,
	.free = docker_free,
};

/* ---- endpoint ---------------------------------------------------------- */

static int check_tls_dir(const char *name, const char *dir, struct berr *err)
{
	static const char *const files[] = { "ca.pem", "cert.pem", "key.pem" };
	size_t i;

	for (i = 0; i < 3; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, F_OK) < 0)
			return berr_set(err, BERR_LOCAL,
					"%s: the TLS directory %s has no %s (it needs ca.pem, cert.pem and key.pem)",
					name, dir, files[i]);
		if (access(path, R_OK) < 0)
			return berr_set(err, BERR_LOCAL, "%s: cannot read %s: %s", name, path,
					strerror(errno));
	}
	return 0;
}

/* A pinned TLS name: a DNS name (it goes into CURLOPT_CONNECT_TO and the
 * URL as it is), with TLS. */
static int check_tls_name(const char *said, const char *tls_name, int tls, struct berr *err)
{
	char buf[TEXT_CUT_SIZE];

	if (!tls)
		return berr_set(err, BERR_USAGE, "%s: a TLS name (%s) needs TLS to the engine", said,
				text_cut(tls_name, buf));
	if (!valid_dns_name(tls_name))
		return berr_set(err, BERR_USAGE, "%s: invalid TLS name '%s': use a DNS name", said,
				text_cut(tls_name, buf));
	return 0;
}

/* What is wrong with the HOST[:PORT] or [IPV6][:PORT] that starts rest
 * (up to a '/'), or NULL: curl would only say "bad/illegal format" when
 * the first request goes out, after host add had stored the host. */
static const char *authority_problem(const char *rest)
{
	size_t n = strcspn(rest, "/?#");
	const char *end = rest + n, *port, *p;
	long v = 0;

	if (*rest == '[') {
		const char *close = memchr(rest, ']', n);

		if (!close)
			return "the IPv6 address has no closing ']'";
		port = close + 1;
		if (port < end && *port != ':')
			return "text after the IPv6 address";
	} else {
		port = memchr(rest, ':', n);
		if (!port)
			port = end;
	}
	if (port == end)
		return NULL;
	if (++port == end)
		return "the port is empty";
	for (p = port; p < end; p++) {
		if (*p < '0' || *p > '9')
			return "the port is not a number";
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return "the port is above 65535";
	}
	return v ? NULL : "port 0";
}

struct backend *docker_backend_new(const struct docker_endpoint *ep, struct berr *err)
{
	const char *name = ep->name ? ep->name : "local";
	const char *url = ep->url;
	struct http_endpoint hep = { .name = name };
	struct docker *d = NULL;
	struct strbuf base = STRBUF_INIT, shown = STRBUF_INIT, pin = STRBUF_INIT;
	const char *rest = NULL, *bad;
	int tls = 0, is_unix = 0;
	/* for messages: a host named by its URL (-H URL) has a name of any length */
	char name_buf[TEXT_CUT_SIZE], url_buf[TEXT_CUT_SIZE];
	const char *said = text_cut(name, name_buf), *said_url = text_cut(url, url_buf);
	const char *to_tls = ep->advice_tls ? ep->advice_tls : DOCKER_ADVICE_TLS;
	const char *to_plain = ep->advice_plain ? ep->advice_plain : DOCKER_ADVICE_PLAIN;

	if (!url || !*url) {
		berr_set(err, BERR_USAGE, "%s: no engine URL", said);
		return NULL;
	}
	if (!strncmp(url, "unix://", 7)) {
		is_unix = 1;
		rest = url + 7;
		if (*rest != '/') {
			berr_set(err, BERR_USAGE,
				 "%s: invalid URL '%s': a unix socket URL needs an absolute path "
				 "(unix:///var/run/docker.sock)", said, said_url);
			return NULL;
		}
	} else if (!strncmp(url, "tcp://", 6)) {
		rest = url + 6;
		tls = ep->tls_dir || ep->tls_verify;
	} else if (!strncmp(url, "http://", 7)) {
		rest = url + 7;
		if (ep->tls_dir) {
			berr_set(err, BERR_USAGE,
				 "%s: %s is plain HTTP but the host has TLS certificates: "
				 "use https:// or tcp://", said, said_url);
			return NULL;
		}
	} else if (!strncmp(url, "https://", 8)) {
		rest = url + 8;
		tls = 1;
	} else if (ep->tls_dir || ep->tls_verify || ep->insecure) {
		/* only what works as the host stands (http:// and https://
		 * are synonyms, not worth the user's while) */
		berr_set(err, BERR_USAGE,
			 "%s: unsupported engine URL '%s': use unix:///PATH or tcp://HOST:PORT",
			 said, said_url);
		return NULL;
	} else {
		berr_set(err, BERR_USAGE,
			 "%s: unsupported engine URL '%s': use unix:///PATH, or tcp://HOST:PORT and "
			 "either %s for TLS, or %s for plain HTTP", said, said_url, to_tls, to_plain);
		return NULL;
	}
	if (!is_unix && (!*rest || *rest == '/' || *rest == ':')) {
		berr_set(err, BERR_USAGE, "%s: invalid URL '%s': it names no host (tcp://HOST:PORT)",
			 said, said_url);
		return NULL;
	}
	if (!is_unix && (bad = authority_problem(rest))) {
		berr_set(err, BERR_USAGE, "%s: invalid URL '%s': %s (tcp://HOST:PORT, the port "
			 "from 1 to 65535)", said, said_url, bad);
		return NULL;
	}
	if (!is_unix && tls && !ep->tls_dir) {
		berr_set(err, BERR_USAGE, "%s: TLS to %s needs certificates: %s", said, said_url, to_tls);
		return NULL;
	}
	if (!is_unix && !tls && !ep->insecure) {
		berr_set(err, BERR_USAGE, "%s: refusing plain HTTP to %s: %s for TLS, or %s to allow it",
			 said, said_url, to_tls, to_plain);
		return NULL;
	}
	if (!is_unix && tls && check_tls_dir(said, ep->tls_dir, err) < 0)
		return NULL;
	if (!is_unix && ep->tls_name && check_tls_name(said, ep->tls_name, tls, err) < 0)
		return NULL;
	if (ep->api_version && version_number(ep->api_version) < 0) {
		berr_set(err, BERR_USAGE,
			 "%s: invalid API version '%s' (DOCKER_API_VERSION): use a version like 1.41",
			 said, CUT(ep->api_version));
		return NULL;
	}

	/* Engines do not put TLS on their unix sockets: tls_dir is for tcp. */
	if (is_unix) {
		strbuf_addstr(&base, "http://localhost");
		strbuf_addstr(&shown, url);
		hep.unix_path = rest;
	} else {
		size_t hostlen = strcspn(rest, "/");
		const char *hostport = rest;
		const char *close = memchr(rest, ']', hostlen);
		const char *portcolon = memchr(close ? close : rest, ':',
					       hostlen - (size_t)((close ? close : rest) - rest));

		/* No port: the ones the docker CLI assumes. */
		const char *port = portcolon ? portcolon + 1 : tls ? "2376" : "2375";
		int portlen = portcolon ? (int)(hostport + hostlen - port) : 4;
		int addrlen = (int)((portcolon ? portcolon : hostport + hostlen) - hostport);

		strbuf_addf(&shown, "%s%.*s:%.*s", tls ? "https://" : "http://", addrlen, hostport,
			    portlen, port);
		if (ep->tls_name) {
			strbuf_addf(&base, "https://%s:%.*s", ep->tls_name, portlen, port);
			strbuf_addf(&pin, "%s:%.*s:%.*s:%.*s", ep->tls_name, portlen, port, addrlen,
				    hostport, portlen, port);
			hep.connect_to = pin.buf;
		} else {
			strbuf_addstr(&base, shown.buf);
		}
		/* A path after the address is a prefix for every request. */
		if (rest[hostlen] && strcmp(rest + hostlen, "/")) {
			size_t plen = strlen(rest + hostlen);

			while (plen > 1 && rest[hostlen + plen - 1] == '/')
				plen--;
			strbuf_add(&base, rest + hostlen, plen);
			strbuf_add(&shown, rest + hostlen, plen);
		}
		hep.tls_dir = tls ? ep->tls_dir : NULL;
	}
	hep.base_url = base.buf;
	hep.display_url = shown.buf;
	hep.connect_timeout_ms = ep->connect_timeout_ms > 0 ? ep->connect_timeout_ms : 5000;
	hep.timeout_ms = ep->timeout_ms > 0 ? ep->timeout_ms : 10000;
	hep.idle_ms = ep->idle_ms > 0 ? ep->idle_ms : 10000;
	hep.advice_tls = to_tls;
	hep.advice_to_plain = ep->advice_to_plain ? ep->advice_to_plain : DOCKER_ADVICE_TO_PLAIN;

	d = calloc(1, sizeof(*d));
	if (!d)
		goto oom;
	d->base.ops = &docker_ops;
	d->base.name = strdup(name);
	d->base.url = strdup(url);
	d->display_url = strdup(shown.buf);
	if (!d->base.name || !d->base.url || !d->display_url)
		goto oom;
	d->http = http_conn_new(&hep, err);
	if (!d->http)
		goto fail;
	if (ep->api_version)
		snprintf(d->api, sizeof(d->api), "%s", ep->api_version);
	strbuf_release(&base);
	strbuf_release(&shown);
	strbuf_release(&pin);
	return &d->base;

oom:
	berr_set(err, BERR_LOCAL, "%s: out of memory", said);
fail:
	if (d)
		docker_free(&d->base);
	strbuf_release(&base);
	strbuf_release(&pin);
	strbuf_release(&shown);
	return NULL;
}
