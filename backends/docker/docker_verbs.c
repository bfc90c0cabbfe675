/* docker_verbs.c: the container and image verbs after create (kill,
 * rename, stop -t, update, prune; image tag, history, prune, import), as
 * the docker CLI sends them. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker_internal.h"
#include "lib/strbuf.h"

static struct docker *dk(struct backend *b)
{
	return (struct docker *)b;
}

static int oom(struct docker *d, struct berr *err)
{
	return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
}

/* POST /containers/REF/VERB with one query parameter (value NULL: none). */
static int post_container(struct docker *d, const char *ref, const char *verb, const char *key,
			  const char *value, unsigned flags, struct berr *err)
{
	struct strbuf path = STRBUF_INIT;
	char *base = docker_object_path("/containers/", ref, verb);
	int ret;

	if (!base)
		return oom(d, err);
	strbuf_addstr(&path, base);
	free(base);
	if (value)
		docker_param(&path, key, value);
	ret = docker_call(d, "POST", path.buf, NULL, NULL, flags, err);
	strbuf_release(&path);
	return ret;
}

int docker_container_kill(struct backend *b, const char *ref, const char *signal,
			  struct berr *err)
{
	return post_container(dk(b), ref, "/kill", "signal", signal, 0, err);
}

int docker_container_rename(struct backend *b, const char *ref, const char *name,
			    struct berr *err)
{
	return post_container(dk(b), ref, "/rename", "name", name, 0, err);
}

int docker_container_stop_after(struct backend *b, const char *ref,
				enum container_action action, int64_t seconds, struct berr *err)
{
	char t[32];

	if (action != CONTAINER_STOP && action != CONTAINER_RESTART)
		return berr_set(err, BERR_USAGE, "%s: only stop and restart wait", b->name);
	snprintf(t, sizeof(t), "%" PRId64, seconds);
	return post_container(dk(b), ref, action == CONTAINER_STOP ? "/stop" : "/restart", "t", t,
			      DOCKER_OK304 | DOCKER_LONG, err);
}

int docker_container_update(struct backend *b, const char *ref, const struct container_update *u,
			    json_t **warnings, struct berr *err)
{
	struct docker *d = dk(b);
	json_t *body = json_object(), *reply = NULL, *policy;
	char *path = docker_object_path("/containers/", ref, "/update");
	int ret = -1;

	if (warnings)
		*warnings = NULL;
	if (!body || !path) {
		oom(d, err);
		goto cleanup;
	}
	if (u->memory)
		json_object_set_new(body, "Memory", json_integer(u->memory));
	if (u->memory_swap)
		json_object_set_new(body, "MemorySwap", json_integer(u->memory_swap));
	if (u->nano_cpus)
		json_object_set_new(body, "NanoCpus", json_integer(u->nano_cpus));
	if (u->restart) {
		if (!(policy = docker_restart_policy(d, u->restart, err)))
			goto cleanup;
		json_object_set_new(body, "RestartPolicy", policy);
	}
	if (docker_call(d, "POST", path, body, &reply, 0, err) < 0)
		goto cleanup;
	if (warnings) {
		*warnings = json_incref(json_object_get(reply, "Warnings"));
	}
	ret = 0;
cleanup:
	json_decref(body);
	json_decref(reply);
	free(path);
	return ret;
}

/* "repo[:tag]" -> repo and tag (latest when none); a colon before the
 * last slash is a registry's port. NULL repo when out of memory. */
static void split_ref(const char *ref, char **repo, const char **tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');

	if (colon && (!slash || colon > slash)) {
		*repo = strndup(ref, (size_t)(colon - ref));
		*tag = colon + 1;
	} else {
		*repo = strdup(ref);
		*tag = "latest";
	}
}

int docker_image_tag(struct backend *b, const char *ref, const char *target, struct berr *err)
{
	struct docker *d = dk(b);
	struct strbuf path = STRBUF_INIT;
	char *base = docker_object_path("/images/", ref, "/tag"), *repo = NULL;
	const char *tag;
	int ret = -1;

	split_ref(target, &repo, &tag);
	if (!base || !repo) {
		oom(d, err);
		goto cleanup;
	}
	if (!*repo || !*tag) {
		berr_set(err, BERR_USAGE, "%s: invalid image name '%s': use NAME[:TAG]", d->base.name,
			 target);
		goto cleanup;
	}
	strbuf_addstr(&path, base);
	docker_param(&path, "repo", repo);
	docker_param(&path, "tag", tag);
	ret = docker_call(d, "POST", path.buf, NULL, NULL, 0, err);
cleanup:
	strbuf_release(&path);
	free(base);
	free(repo);
	return ret;
}

int docker_image_history(struct backend *b, const char *ref, json_t **list, struct berr *err)
{
	struct docker *d = dk(b);
	char *path = docker_object_path("/images/", ref, "/history");
	int ret;

	*list = NULL;
	if (!path)
		return oom(d, err);
	ret = docker_call(d, "GET", path, NULL, list, 0, err);
	free(path);
	if (ret == 0 && !json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		return docker_malformed(d, "GET /images/history", err, "not an array");
	}
	return ret;
}

/* The reply's JSON lines: the last "status" is the new image's ID; an
 * "error" line is the engine's refusal. */
static int import_reply(struct docker *d, const struct http_response *resp, char **id,
			struct berr *err)
{
	const char *p = resp->body ? resp->body : "", *nl;
	int ret = -1;

	for (; *p; p = *nl ? nl + 1 : nl) {
		json_t *line;
		const char *s;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl == p || !(line = json_loadb(p, (size_t)(nl - p), 0, NULL)))
			continue;
		if ((s = json_string_value(json_object_get(line, "error")))) {
			berr_set(err, BERR_ENGINE, "%s: %s", d->base.name, s);
			json_decref(line);
			free(*id);
			*id = NULL;
			return -1;
		}
		if ((s = json_string_value(json_object_get(line, "status"))) &&
		    !strncmp(s, "sha256:", 7)) {
			free(*id);
			*id = strdup(s);
		}
		json_decref(line);
	}
	if (*id)
		ret = 0;
	else
		docker_malformed(d, "POST /images/create", err, "it did not name the imported image");
	return ret;
}

int docker_image_import(struct backend *b, backend_source_fn src, void *ud,
			const struct image_import_opts *o, char **id, struct berr *err)
{
	struct docker *d = dk(b);
	struct docker_source is = { .src = src, .ud = ud };
	struct http_request req = { .method = "POST", .content_type = "application/x-tar",
				    .read = docker_source_read, .read_ud = &is, .stream = 1 };
	struct http_response resp;
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int ret = -1;

	*id = NULL;
	memset(&resp, 0, sizeof(resp));
	strbuf_addstr(&path, "/images/create");
	docker_param(&path, "fromSrc", "-");
	if (o->repo) {
		docker_param(&path, "repo", o->repo);
		docker_param(&path, "tag", o->tag ? o->tag : "latest");
	}
	if (o->message)
		docker_param(&path, "message", o->message);
	for (i = 0; i < o->nchanges; i++)
		docker_param(&path, "changes", o->changes[i]);
	if (docker_request(d, &req, path.buf, &resp, err) < 0) {
		if (is.failed && err && err->kind == BERR_LOCAL)
			berr_set(err, BERR_LOCAL, "%s: image import: reading the tarball failed",
				 d->base.name);
		goto cleanup;
	}
	if (docker_reply(d, "POST /images/create", &resp, DOCKER_NOJSON, NULL, err) < 0)
		goto cleanup;
	ret = import_reply(d, &resp, id, err);
cleanup:
	http_response_release(&resp);
	strbuf_release(&path);
	return ret;
}
