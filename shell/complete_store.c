/* complete_store.c: Tab completion names from the store (see
 * complete_store.h). Each Tab runs one find narrowed to the prefix typed
 * ({ $gte: prefix, $lt: the next prefix }), so a host with thousands of
 * cached containers still answers at once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "shell/complete_store.h"
#include "shell/shell.h"
#include "shell/settings.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/pool/host_doc.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"

/* After the store was out of reach, Tab leaves it alone this long. */
#define RETRY_AFTER_S 30

struct collect {
	enum arg_kind kind;
	const char *prefix;
	size_t plen;
	struct complete_list *out;
};

static int starts_with(const char *s, const struct collect *c)
{
	return s && !strncmp(s, c->prefix, c->plen);
}

static int add_names(void *ud, const bson_t *doc, struct berr *err)
{
	struct collect *c = ud;
	const char *s;
	bson_iter_t it, arr;
	struct host_doc hd;

	(void)err;
	switch (c->kind) {
	case ARG_HOST:
		host_doc_read(doc, &hd);
		if (starts_with((s = hd.name), c))
			complete_list_add(c->out, s);
		break;
	case ARG_CONTAINER:
		if (starts_with((s = store_doc_str(doc, "name")), c))
			complete_list_add(c->out, s);
		/* IDs only once something is typed: a bare Tab lists names */
		if (c->plen && starts_with((s = store_doc_str(doc, "id")), c)) {
			char id[13];

			snprintf(id, sizeof(id), "%s", s);
			complete_list_add(c->out, c->plen > 12 ? s : id);
		}
		break;
	case ARG_IMAGE:
		if (bson_iter_init_find(&it, doc, "tags") && BSON_ITER_HOLDS_ARRAY(&it) &&
		    bson_iter_recurse(&it, &arr))
			while (bson_iter_next(&arr))
				if (BSON_ITER_HOLDS_UTF8(&arr) &&
				    starts_with((s = bson_iter_utf8(&arr, NULL)), c))
					complete_list_add(c->out, s);
		break;
	case ARG_VOLUME:
	case ARG_NETWORK:
		if (starts_with((s = store_doc_str(doc, "name")), c))
			complete_list_add(c->out, s);
		break;
	default:
		break;
	}
	return 0;
}

/* { field: { $gte: prefix, $lt: prefix with its last byte raised } }:
 * the strings that start with prefix, in byte order as both stores
 * compare them. A last byte that cannot be raised within ASCII only gets
 * the lower bound; add_names checks the prefix anyway. */
static void append_range(bson_t *sel, const char *field, const char *prefix)
{
	size_t n = strlen(prefix);
	bson_t r;

	bson_append_document_begin(sel, field, -1, &r);
	BSON_APPEND_UTF8(&r, "$gte", prefix);
	if (n && (unsigned char)prefix[n - 1] < 0x7e) {
		char *upper = strdup(prefix);

		if (upper) {
			upper[n - 1]++;
			BSON_APPEND_UTF8(&r, "$lt", upper);
			free(upper);
		}
	}
	bson_append_document_end(sel, &r);
}

/* { host: the pinned host } or, in pool mode, { host: { $in: the active
 * hosts } }: the rows a listing of the same line would show. Returns 0
 * when no host is active (nothing to complete), -1 when the store could
 * not be read. */
static int append_hosts(struct shell *sh, bson_t *sel)
{
	struct host_list l;
	bson_t in, arr;
	size_t i, n = 0;
	char key[16];

	if (sh->current_host) {
		BSON_APPEND_UTF8(sel, "host", sh->current_host);
		return 1;
	}
	/* quiet: completion never prints */
	hosts_list(&sh->fleet, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	if (!l.store_ok) {
		host_list_release(&l);
		return -1;
	}
	bson_append_document_begin(sel, "host", -1, &in);
	bson_append_array_begin(&in, "$in", -1, &arr);
	for (i = 0; i < l.n; i++) {
		if (strcmp(pool_host_state(l.v[i].doc), "active"))
			continue;
		snprintf(key, sizeof(key), "%zu", n++);
		BSON_APPEND_UTF8(&arr, key, l.v[i].name);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(sel, &in);
	host_list_release(&l);
	return n > 0;
}

static void names(void *ud, enum arg_kind kind, const char *prefix, struct complete_list *out)
{
	struct complete_store *cs = ud;
	struct shell *sh = cs->sh;
	struct collect c;
	struct store *s;
	struct berr err;
	enum store_coll coll;
	bson_t sel, or, alt;
	time_t now = time(NULL);

	if (kind != ARG_HOST && kind != ARG_CONTAINER && kind != ARG_IMAGE && kind != ARG_VOLUME &&
	    kind != ARG_NETWORK)
		return;
	if (cs->failed_at && now - cs->failed_at < RETRY_AFTER_S)
		return;
	berr_clear(&err);
	/* completion never prints: a store in trouble just completes nothing */
	if (!(s = fleet_store(&sh->fleet, &err))) {
		cs->failed_at = now;
		return;
	}

	bson_init(&sel);
	if (kind != ARG_HOST) {
		int rc = append_hosts(sh, &sel);

		if (rc <= 0) {
			if (rc < 0)
				cs->failed_at = now;
			bson_destroy(&sel);
			return;
		}
	}
	switch (kind) {
	case ARG_HOST:
		coll = STORE_HOSTS;
		if (*prefix)
			append_range(&sel, HOST_DOC_KEY_NAME, prefix);
		break;
	case ARG_CONTAINER:
		coll = STORE_CONTAINERS;
		if (*prefix) {
			bson_append_array_begin(&sel, "$or", -1, &or);
			bson_append_document_begin(&or, "0", -1, &alt);
			append_range(&alt, "name", prefix);
			bson_append_document_end(&or, &alt);
			bson_append_document_begin(&or, "1", -1, &alt);
			append_range(&alt, "id", prefix);
			bson_append_document_end(&or, &alt);
			bson_append_array_end(&sel, &or);
		}
		break;
	case ARG_VOLUME:
	case ARG_NETWORK:
		coll = kind == ARG_VOLUME ? STORE_VOLUMES : STORE_NETWORKS;
		if (*prefix)
			append_range(&sel, "name", prefix);
		break;
	default:
		coll = STORE_IMAGES;
		if (*prefix)
			append_range(&sel, "tags", prefix);
		break;
	}
	c.kind = kind;
	c.prefix = prefix;
	c.plen = strlen(prefix);
	c.out = out;
	if (store_find(s, coll, &sel, NULL, add_names, &c, &err) < 0) {
		fleet_store_failed(&sh->fleet, &err);
		if (err.kind == BERR_CONNECT || err.kind == BERR_TIMEOUT)
			cs->failed_at = now;
	}
	bson_destroy(&sel);
}

void complete_store_init(struct complete_store *cs, struct shell *sh,
			 struct complete_source *src)
{
	memset(cs, 0, sizeof(*cs));
	cs->sh = sh;
	src->names = names;
	src->ud = cs;
}
