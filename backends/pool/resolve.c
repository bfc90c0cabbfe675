/* resolve.c: which host of the pool holds a container or an image (see
 * resolve.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/pool/resolve.h"
#include "commands/context.h"
#include "commands/output.h"
#include "backends/backend.h"
#include "backends/pool/listing.h"
#include "lib/text.h"

int resolver_init(struct resolver *r, struct shell *sh, enum resolve_kind kind)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->sh = sh;
	r->kind = kind;
	if ((rc = pool_targets(sh, 0, &r->targets)) != 0)
		return rc;
	if (r->targets.n == 0)
		return listing_no_host(sh, &r->targets);
	return CMD_OK;
}

void resolver_release(struct resolver *r)
{
	listing_release(r->hosts, r->targets.n);
	pool_targets_release(&r->targets);
	memset(r, 0, sizeof(*r));
}

size_t resolver_ntargets(const struct resolver *r)
{
	return r->targets.n;
}

/* One listing over every target, made for the first ref. */
static int resolver_list(struct resolver *r)
{
	struct list_filter all;

	memset(&all, 0, sizeof(all));
	all.all = 1;
	if (listing_run(r->sh, &r->targets, r->kind == RESOLVE_CONTAINER ? LISTING_CONTAINERS
			: LISTING_IMAGES, &all, 0, 0, &r->hosts) < 0)
		return error(r->sh, "out of memory");
	r->listed = 1;
	if (berth_interrupted)
		return error(r->sh, "interrupted");
	return 0;
}

enum match {
	MATCH_NONE = 0,
	MATCH_PREFIX, /* an ID prefix */
	MATCH_EXACT,  /* the full ID, a name, a tag */
};

static int is_hex_prefix(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

static enum match container_match(const json_t *row, const char *ref)
{
	const char *id = json_string_value(json_object_get(row, "Id"));
	const json_t *names = json_object_get(row, "Names");
	size_t i;

	if (!id)
		return MATCH_NONE;
	if (!strcmp(id, ref))
		return MATCH_EXACT;
	for (i = 0; i < json_array_size(names); i++) {
		const char *nm = json_string_value(json_array_get(names, i));
		if (nm && (!strcmp(nm, ref) || (nm[0] == '/' && !strcmp(nm + 1, ref))))
			return MATCH_EXACT;
	}
	if (is_hex_prefix(ref) && !strncmp(id, ref, strlen(ref)))
		return MATCH_PREFIX;
	return MATCH_NONE;
}

static int in_string_array(const json_t *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		const char *v = json_string_value(json_array_get(arr, i));
		if (v && !strcmp(v, s))
			return 1;
	}
	return 0;
}

/* ref as the engine lists it: "busybox" is "busybox:latest", and the
 * Docker Hub's default prefixes are not part of the listed names. */
static void image_ref_normal(const char *ref, char *buf, size_t len)
{
	const char *slash, *colon;

	if (!strncmp(ref, "docker.io/library/", 18))
		ref += 18;
	else if (!strncmp(ref, "docker.io/", 10))
		ref += 10;
	slash = strrchr(ref, '/');
	colon = strrchr(ref, ':');
	if (strchr(ref, '@') || (colon && (!slash || colon > slash)))
		snprintf(buf, len, "%s", ref);
	else
		snprintf(buf, len, "%s:latest", ref);
}

static enum match image_match(const json_t *row, const char *ref)
{
	const char *id = json_string_value(json_object_get(row, "Id"));
	char norm[1024];
	const char *hex;

	if (!id)
		return MATCH_NONE;
	hex = !strncmp(id, "sha256:", 7) ? id + 7 : id;
	if (!strcmp(id, ref) || !strcmp(hex, ref))
		return MATCH_EXACT;
	image_ref_normal(ref, norm, sizeof(norm));
	if (in_string_array(json_object_get(row, "RepoTags"), norm) ||
	    in_string_array(json_object_get(row, "RepoDigests"), norm))
		return MATCH_EXACT;
	if (!strncmp(ref, "sha256:", 7) && is_hex_prefix(ref + 7) && !strncmp(id, ref, strlen(ref)))
		return MATCH_PREFIX;
	if (is_hex_prefix(ref) && !strncmp(hex, ref, strlen(ref)))
		return MATCH_PREFIX;
	return MATCH_NONE;
}

/* The best match of ref in one host's listing, and the row's ID. */
static enum match host_match(const struct resolver *r, const json_t *list, const char *ref,
			     const char **id)
{
	enum match best = MATCH_NONE, m;
	const json_t *row;
	size_t i;

	*id = NULL;
	json_array_foreach((json_t *)list, i, row) {
		m = r->kind == RESOLVE_CONTAINER ? container_match(row, ref) : image_match(row, ref);
		if (m > best) {
			best = m;
			*id = json_string_value(json_object_get(row, "Id"));
		}
	}
	return best;
}

/* Appends printf output to a growing message (silently cut at its end). */
static void msg_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void msg_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at = *at + (size_t)n < len ? *at + (size_t)n : len;
}

int resolve_ref(struct resolver *r, const char *ref, struct backend **b)
{
	const char *what = r->kind == RESOLVE_CONTAINER ? "container" : "image";
	enum match best = MATCH_NONE, *m;
	const char **ids;
	size_t i, n = r->targets.n, found = 0, at = 0, failed = 0;
	char msg[2048], id[16];
	int ret = CMD_ERROR;

	*b = NULL;
	if (n == 1) {
		struct pool_host *p = &r->targets.v[0];
		if (!p->b)
			return error(r->sh, "%s", p->err.msg);
		*b = p->b;
		return 0;
	}
	if (!r->listed && resolver_list(r) < 0)
		return CMD_ERROR;
	m = calloc(n, sizeof(*m));
	ids = calloc(n, sizeof(*ids));
	if (!m || !ids) {
		ret = error(r->sh, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (!r->hosts[i].rows) {
			failed++;
			continue;
		}
		m[i] = host_match(r, r->hosts[i].rows, ref, &ids[i]);
		if (m[i] > best)
			best = m[i];
	}
	for (i = 0; i < n; i++)
		if (best != MATCH_NONE && m[i] == best)
			found++;
	if (found == 1) {
		for (i = 0; i < n; i++)
			if (m[i] == best)
				*b = r->targets.v[i].b;
		ret = 0;
		goto cleanup;
	}
	if (found > 1) {
		msg_add(msg, sizeof(msg), &at, "ambiguous %s '%s':", what, CUT(ref));
		for (i = 0, found = 0; i < n; i++)
			if (m[i] == best)
				msg_add(msg, sizeof(msg), &at, "%s on %s (%s)", found++ ? "," : "",
					r->targets.v[i].name, fmt_short_id(id, sizeof(id), ids[i]));
		ret = error(r->sh, "%s; add --host NAME", msg);
		goto cleanup;
	}
	if (failed == n) {
		/* nobody to say "no such": why each host could not be asked */
		msg_add(msg, sizeof(msg), &at, "cannot find %s %s: no host answered", what, CUT(ref));
	} else {
		msg_add(msg, sizeof(msg), &at, "no such %s: %s (looked on", what, CUT(ref));
		for (i = 0, found = 0; i < n; i++)
			if (r->hosts[i].rows)
				msg_add(msg, sizeof(msg), &at, "%s %s", found++ ? "," : "",
					r->targets.v[i].name);
		msg_add(msg, sizeof(msg), &at, ")");
	}
	for (i = 0; i < n && failed; i++)
		if (!r->hosts[i].rows)
			msg_add(msg, sizeof(msg), &at, "; %s", r->hosts[i].err.msg);
	ret = error(r->sh, "%s", msg);
cleanup:
	free(m);
	free(ids);
	return ret;
}
