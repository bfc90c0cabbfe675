/* docker_archive.c: what is inside a container, through the engine: the
 * archive API (a path's stat, its tar out, a tar in), the processes
 * (top) and one stats sample.
 *
 * The tarballs stream both ways through the callbacks: nothing is held
 * whole in memory nor written to a temporary file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker.h"
#include "backends/docker/docker_internal.h"
#include "backends/docker/http.h"
#include "lib/strbuf.h"

/* Go's os.FileMode bits, as the stat header carries them. */
#define GO_MODE_DIR     (1u << 31)
#define GO_MODE_SYMLINK (1u << 27)
#define GO_MODE_SETUID  (1u << 23)
#define GO_MODE_SETGID  (1u << 22)
#define GO_MODE_STICKY  (1u << 20)

/* "/containers/REF/archive?path=PATH" + extra, both escaped. */
static char *archive_path(const char *ref, const char *path, const char *extra)
{
	char *head = docker_object_path("/containers/", ref, "/archive?path=");
	char *full = docker_object_path(head, path, extra);

	free(head);
	return full;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard or URL base64, padding optional; into a new string. */
static char *b64_decode(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;

	if (!out)
		return NULL;
	for (; *s && *s != '='; s++) {
		int v = b64_value((unsigned char)*s);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* The X-Docker-Container-Path-Stat header into st. */
static int parse_stat(struct docker *d, const char *what, const struct http_response *resp,
		      struct archive_stat *st, struct berr *err)
{
	char *hdr = http_response_header(resp, "X-Docker-Container-Path-Stat");
	char *text = hdr ? b64_decode(hdr) : NULL;
	json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
	json_int_t mode = json_integer_value(json_object_get(obj, "mode"));
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *link = json_string_value(json_object_get(obj, "linkTarget"));
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (!json_is_object(obj) || !name) {
		docker_malformed(d, what, err, "no readable X-Docker-Container-Path-Stat header");
		goto cleanup;
	}
	st->name = strdup(name);
	st->link_target = strdup(link ? link : "");
	st->size = json_integer_value(json_object_get(obj, "size"));
	st->is_dir = !!((uint32_t)mode & GO_MODE_DIR);
	st->is_link = !!((uint32_t)mode & GO_MODE_SYMLINK);
	st->mode = (uint32_t)mode & 0777;
	if ((uint32_t)mode & GO_MODE_SETUID)
		st->mode |= 04000;
	if ((uint32_t)mode & GO_MODE_SETGID)
		st->mode |= 02000;
	if ((uint32_t)mode & GO_MODE_STICKY)
		st->mode |= 01000;
	ret = 0;
cleanup:
	json_decref(obj);
	free(text);
	free(hdr);
	return ret;
}

int docker_archive_stat(struct backend *b, const char *ref, const char *path,
			struct archive_stat *st, struct berr *err)
{
	struct docker *d = docker_of(b);
	struct http_request req = { .method = "HEAD" };
	struct http_response resp;
	char *p = archive_path(ref, path, "");
	char what[512];
	int ret = -1;

	memset(st, 0, sizeof(*st));
	docker_describe(what, sizeof(what), "HEAD", p);
	if (docker_request(d, &req, p, &resp, err) < 0)
		goto cleanup;
	if (resp.status == 404) {
		/* a HEAD has no body to say whose: the container's or the path's */
		berr_set(err, BERR_NOT_FOUND, "%s: no such container or path: %s:%s", b->name,
			 ref, path);
		goto cleanup;
	}
	if (docker_reply(d, what, &resp, 0, NULL, err) < 0)
		goto cleanup;
	ret = parse_stat(d, what, &resp, st, err);
cleanup:
	http_response_release(&resp);
	free(p);
	return ret;
}

int docker_archive_get(struct backend *b, const char *ref, const char *path,
		       backend_sink_fn sink, void *ud, struct berr *err)
{
	struct docker *d = docker_of(b);
	/* a backend_sink_fn is an http_write_fn: resp.stopped says it stopped */
	struct http_request req = { .method = "GET", .write = sink, .write_ud = ud, .stream = 1 };
	struct http_response resp;
	char *p = archive_path(ref, path, "");
	char what[512];
	int ret = -1;

	docker_describe(what, sizeof(what), "GET", p);
	if (docker_request(d, &req, p, &resp, err) < 0)
		goto cleanup;
	if (docker_reply(d, what, &resp, 0, NULL, err) < 0)
		goto cleanup;
	if (resp.stopped) {
		berr_set(err, BERR_LOCAL, "%s: the copy of %s was stopped", b->name, path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	http_response_release(&resp);
	free(p);
	return ret;
}

int docker_archive_put(struct backend *b, const char *ref, const char *path,
		       int no_overwrite_dir, backend_source_fn src, void *ud, struct berr *err)
{
	struct docker *d = docker_of(b);
	struct http_request req = { .method = "PUT", .read = src, .read_ud = ud, .stream = 1,
				    .content_type = "application/x-tar" };
	struct http_response resp;
	char *p = archive_path(ref, path, no_overwrite_dir ? "&noOverwriteDirNonDir=true" : "");
	char what[512];
	int ret = -1;

	docker_describe(what, sizeof(what), "PUT", p);
	if (docker_request(d, &req, p, &resp, err) < 0)
		goto cleanup;
	ret = docker_reply(d, what, &resp, 0, NULL, err);
cleanup:
	http_response_release(&resp);
	free(p);
	return ret;
}

/* A GET whose reply is one JSON object. */
static int get_object(struct docker *d, const char *path, json_t **out, struct berr *err)
{
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	char what[512];
	int ret = -1;

	*out = NULL;
	docker_describe(what, sizeof(what), "GET", path);
	if (docker_request(d, &req, path, &resp, err) < 0)
		goto cleanup;
	if (docker_reply(d, what, &resp, DOCKER_NEEDJSON, out, err) < 0)
		goto cleanup;
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		docker_malformed(d, what, err, "not a JSON object");
		goto cleanup;
	}
	ret = 0;
cleanup:
	http_response_release(&resp);
	return ret;
}

int docker_container_top(struct backend *b, const char *ref, const char *ps_args, json_t **out,
			 struct berr *err)
{
	char *head = docker_object_path("/containers/", ref, ps_args ? "/top?ps_args=" : "/top");
	char *path = ps_args ? docker_object_path(head, ps_args, "") : NULL;
	int ret = get_object(docker_of(b), path ? path : head, out, err);

	free(path);
	free(head);
	return ret;
}

int docker_container_stats(struct backend *b, const char *ref, json_t **out, struct berr *err)
{
	/* one-shot (API 1.41): no waiting for a second sample; the caller
	 * takes its own and computes the rates */
	char *path = docker_object_path("/containers/", ref, "/stats?stream=0&one-shot=1");
	int ret = get_object(docker_of(b), path, out, err);

	free(path);
	return ret;
}
