/* resolve.c: which host of the pool holds a container or an image (see
 * resolve.h). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/pool/resolve.h"
#include "backends/pool/fleet.h"
#include "lib/fmt.h"
#include "backends/backend.h"
#include "backends/pool/listing.h"
#include "lib/xalloc.h"
#include "lib/text.h"

int resolver_init(struct resolver *r, struct fleet *fl, const struct pool_want *want,
		  enum resolve_kind kind, struct berr *err)
{
	memset(r, 0, sizeof(*r));
	r->fl = fl;
	r->kind = kind;
	if (pool_targets(fl, want, 0, &r->targets, err) < 0)
		return -1;
	if (r->targets.n == 0)
		return pool_no_host(&r->targets, err);
	return 0;
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
static int resolver_list(struct resolver *r, struct berr *err)
{
	struct list_filter all;

	memset(&all, 0, sizeof(all));
	all.all = 1;
	if (listing_run(r->fl, &r->targets, r->kind == RESOLVE_CONTAINER ? LISTING_CONTAINERS
			: LISTING_IMAGES, &all, 0, 0, &r->hosts) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	r->listed = 1;
	if (berth_interrupted)
		return berr_set(err, BERR_INTERRUPTED, "interrupted");
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
static enum match host_match(enum resolve_kind kind, const json_t *list, const char *ref,
			     const char **id)
{
	enum match best = MATCH_NONE, m;
	const json_t *row;
	size_t i;

	*id = NULL;
	json_array_foreach((json_t *)list, i, row) {
		m = kind == RESOLVE_CONTAINER ? container_match(row, ref) : image_match(row, ref);
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

int resolve_in(enum resolve_kind kind, const struct pool_targets *t,
	       const struct listing_host *hosts, const char *ref, size_t *index, struct berr *err)
{
	const char *what = kind == RESOLVE_CONTAINER ? "container" : "image";
	enum match best = MATCH_NONE, *m;
	const char **ids;
	size_t i, n = t->n, found = 0, at = 0, failed = 0;
	char msg[2048], id[16];
	int ret = -1;

	m = xcalloc(n, sizeof(*m));
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n; i++) {
		if (!hosts[i].rows) {
			failed++;
			continue;
		}
		m[i] = host_match(kind, hosts[i].rows, ref, &ids[i]);
		if (m[i] > best)
			best = m[i];
	}
	for (i = 0; i < n; i++)
		if (best != MATCH_NONE && m[i] == best)
			found++;
	if (found == 1) {
		for (i = 0; i < n; i++)
			if (m[i] == best)
				*index = i;
		ret = 0;
		goto cleanup;
	}
	if (found > 1) {
		msg_add(msg, sizeof(msg), &at, "ambiguous %s '%s':", what, CUT(ref));
		for (i = 0, found = 0; i < n; i++)
			if (m[i] == best)
				msg_add(msg, sizeof(msg), &at, "%s on %s (%s)", found++ ? "," : "",
					t->v[i].name, fmt_short_id(id, sizeof(id), ids[i]));
		berr_set(err, BERR_CONFLICT, "%s; add --host NAME", msg);
		goto cleanup;
	}
	if (failed == n) {
		/* nobody to say "no such": why each host could not be asked */
		msg_add(msg, sizeof(msg), &at, "cannot find %s %s: no host answered", what, CUT(ref));
	} else {
		msg_add(msg, sizeof(msg), &at, "no such %s: %s (looked on", what, CUT(ref));
		for (i = 0, found = 0; i < n; i++)
			if (hosts[i].rows)
				msg_add(msg, sizeof(msg), &at, "%s %s", found++ ? "," : "",
					t->v[i].name);
		msg_add(msg, sizeof(msg), &at, ")");
	}
	for (i = 0; i < n && failed; i++)
		if (!hosts[i].rows)
			msg_add(msg, sizeof(msg), &at, "; %s", hosts[i].err.msg);
	berr_set(err, failed == n ? BERR_CONNECT : BERR_NOT_FOUND, "%s", msg);
cleanup:
	free(m);
	free(ids);
	return ret;
}

int resolve_ref(struct resolver *r, const char *ref, struct backend **b, struct berr *err)
{
	size_t i;

	*b = NULL;
	if (r->targets.n == 1) {
		struct pool_host *p = &r->targets.v[0];
		if (!p->b) {
			*err = p->err;
			return -1;
		}
		*b = p->b;
		return 0;
	}
	if (!r->listed && resolver_list(r, err) < 0)
		return -1;
	if (resolve_in(r->kind, &r->targets, r->hosts, ref, &i, err) < 0)
		return -1;
	*b = r->targets.v[i].b;
	return 0;
}
