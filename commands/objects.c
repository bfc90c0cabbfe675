/* objects.c: what the volume, network and system commands share (see
 * objects.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "commands/objects.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "backends/pool/cache.h"
#include "lib/strbuf.h"
#include "lib/jsonval.h"
#include "lib/text.h"

static int targets(struct shell *sh, const struct args *a, unsigned flags, struct pool_targets *t)
{
	struct pool_want want;
	struct berr err;

	memset(t, 0, sizeof(*t));
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (pool_targets(&sh->fleet, &want, flags, t, &err) < 0)
		return cmd_fail(sh, &err);
	if (!t->n) {
		pool_no_host(t, &err);
		return cmd_fail(sh, &err);
	}
	return CMD_OK;
}

int obj_targets(struct shell *sh, const struct args *a, struct pool_targets *t)
{
	return targets(sh, a, 0, t);
}

/* A host's request came back (err NULL: it answered). */
static void record(struct shell *sh, const char *host, const struct berr *err)
{
	/* the engine's own refusal is an answer too: pool_record() knows */
	pool_record(&sh->fleet, host, err);
}

/* out's hosts (targets() with flags), each with its name and client. */
static int listing_init(struct shell *sh, const struct args *a, unsigned flags,
			struct obj_listing *out)
{
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = targets(sh, a, flags, &out->t)) != CMD_OK)
		return ret;
	out->n = out->t.n;
	out->multi = out->n > 1;
	out->v = calloc(out->n, sizeof(*out->v));
	if (!out->v)
		return error(sh, "out of memory");
	for (i = 0; i < out->n; i++) {
		out->v[i].name = out->t.v[i].name;
		out->v[i].b = out->t.v[i].b;
		berr_clear(&out->v[i].err);
	}
	return CMD_OK;
}

int obj_gather(struct shell *sh, const struct args *a, obj_list_fn fn, const char *const *filters,
	       size_t nfilters, struct obj_listing *out)
{
	size_t i;
	int ret;

	if ((ret = listing_init(sh, a, 0, out)) != CMD_OK)
		return ret;
	for (i = 0; i < out->n; i++) {
		struct obj_host *h = &out->v[i];

		if (!h->b) {
			h->err = out->t.v[i].err;
		} else if (fn(h->b, filters, nfilters, &h->rows, &h->err) == 0) {
			record(sh, h->name, NULL);
			out->answered++;
			continue;
		} else {
			record(sh, h->name, &h->err);
		}
		if (h->err.kind == BERR_USAGE || h->err.kind == BERR_INTERRUPTED || !out->multi)
			return cmd_fail(sh, &h->err);
		error(sh, "%s", h->err.msg);
	}
	return out->answered ? CMD_OK : CMD_ERROR;
}

/* The store's rows of coll for each of the command's hosts. */
static int gather_cached(struct shell *sh, const struct args *a, enum store_coll coll,
			 const char *const *filters, size_t nfilters, struct obj_listing *out)
{
	struct cache_query q = { .all = 1, .filters = filters, .nfilters = nfilters };
	struct cache_rows rows;
	size_t i;
	int ret;

	if ((ret = listing_init(sh, a, POOL_STORE_ONLY, out)) != CMD_OK)
		return ret;
	for (i = 0; i < out->n; i++) {
		struct obj_host *h = &out->v[i];

		/* the store's trouble is the same for every host: said once */
		if (cache_read(&sh->fleet, coll, h->name, &q, 0, &rows, &h->err) < 0)
			return cmd_fail(sh, &h->err);
		if (!rows.known)
			fleet_warn(&sh->fleet, "%s: nothing is cached for this host yet (run 'cache "
				   "refresh --host %s')", h->name, h->name);
		h->rows = rows.rows;
		out->answered++;
	}
	return CMD_OK;
}

int obj_list(struct shell *sh, const struct args *a, obj_list_fn fn, enum store_coll coll,
	     const char *const *filters, size_t nfilters, struct obj_listing *out)
{
	const char **hosts;
	const json_t **lists;
	size_t i, n = 0;
	int ret;

	if (args_has(a, "cached"))
		return gather_cached(sh, a, coll, filters, nfilters, out);
	ret = obj_gather(sh, a, fn, filters, nfilters, out);
	if (!out->answered)
		return ret;
	if (nfilters) {
		/* a filtered listing proves nothing of the rows it left out */
		for (i = 0; i < out->n; i++)
			if (out->v[i].rows &&
			    cache_put_listing(&sh->fleet, coll, out->v[i].name, out->v[i].rows, 0) < 0)
				break;
		return ret;
	}
	hosts = calloc(out->n + 1, sizeof(*hosts));
	lists = calloc(out->n + 1, sizeof(*lists));
	for (i = 0; hosts && lists && i < out->n; i++)
		if (out->v[i].rows) {
			hosts[n] = out->v[i].name;
			lists[n++] = out->v[i].rows;
		}
	if (hosts && lists)
		cache_put_listings(&sh->fleet, coll, hosts, lists, n);
	free(hosts);
	free(lists);
	return ret;
}

void obj_cache_put(struct shell *sh, struct backend *b, enum store_coll coll, int *record)
{
	if (record && !*record)
		return;
	if (cache_put_objects(&sh->fleet, b, coll) < 0 && record)
		*record = 0;
}

void obj_listing_release(struct obj_listing *l)
{
	size_t i;

	for (i = 0; l->v && i < l->n; i++)
		json_decref(l->v[i].rows);
	free(l->v);
	pool_targets_release(&l->t);
	memset(l, 0, sizeof(*l));
}

json_t *obj_listing_json(const struct obj_listing *l)
{
	json_t *all = json_array(), *row;
	size_t h, i;

	for (h = 0; all && h < l->n; h++) {
		json_array_foreach(l->v[h].rows, i, row) {
			json_t *copy = json_copy(row);

			if (!copy || json_object_set_new(copy, "Host", json_string(l->v[h].name)) < 0 ||
			    json_array_append_new(all, copy) < 0) {
				json_decref(all);
				return NULL;
			}
		}
	}
	return all;
}

/* "on lab, on local" / "looked on local, lab" lists. */
static void name_list(struct strbuf *sb, const char *sep, const char *name)
{
	strbuf_addstr(sb, sb->len ? sep : "");
	strbuf_addstr(sb, name);
}

int obj_find(struct shell *sh, const struct pool_targets *t, const char *what, obj_get_fn get,
	     const char *ref, struct backend **b, json_t **obj)
{
	struct strbuf on = STRBUF_INIT, looked = STRBUF_INIT, failed = STRBUF_INIT;
	json_t *found = NULL;
	size_t i, nfound = 0;
	int ret = -1;

	*b = NULL;
	if (obj)
		*obj = NULL;
	if (t->n == 1) {
		struct berr err;

		if (!t->v[0].b)
			return error(sh, "%s", t->v[0].err.msg);
		berr_clear(&err);
		if (obj && get(t->v[0].b, ref, obj, &err) < 0) {
			record(sh, t->v[0].name, &err);
			return error(sh, "%s", err.msg);
		}
		*b = t->v[0].b;
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		struct berr err;
		json_t *o = NULL;

		berr_clear(&err);
		if (!t->v[i].b) {
			name_list(&failed, "; ", t->v[i].err.msg);
			continue;
		}
		if (get(t->v[i].b, ref, &o, &err) == 0) {
			record(sh, t->v[i].name, NULL);
			name_list(&on, ", ", t->v[i].name);
			if (!nfound++) {
				*b = t->v[i].b;
				found = o;
			} else {
				json_decref(o);
			}
			continue;
		}
		record(sh, t->v[i].name, &err);
		if (err.kind == BERR_INTERRUPTED) {
			ret = error(sh, "%s", err.msg);
			goto cleanup;
		}
		if (err.kind == BERR_NOT_FOUND)
			name_list(&looked, ", ", t->v[i].name);
		else
			name_list(&failed, "; ", err.msg);
	}
	if (nfound == 1) {
		if (obj) {
			*obj = found;
			found = NULL;
		}
		ret = 0;
	} else if (nfound > 1) {
		*b = NULL;
		error(sh, "ambiguous %s '%s': on %s; add --host NAME", what, CUT(ref), on.buf);
	} else {
		error(sh, "no such %s: %s (looked on %s)%s%s", what, CUT(ref),
		      looked.len ? looked.buf : "no host", failed.len ? "; " : "",
		      failed.len ? failed.buf : "");
	}
cleanup:
	json_decref(found);
	strbuf_release(&on);
	strbuf_release(&looked);
	strbuf_release(&failed);
	return ret;
}

int obj_each(struct shell *sh, const struct args *a, const char *what, obj_get_fn get,
	     int need_obj, obj_act_fn fn, void *ud)
{
	struct pool_targets t;
	int i, ret, failed = 0;

	if ((ret = obj_targets(sh, a, &t)) != CMD_OK)
		goto cleanup;
	for (i = 0; i < a->argc && ret == CMD_OK; i++) {
		struct backend *b;
		json_t *obj = NULL;

		if (berth_interrupted) {
			ret = error(sh, "interrupted");
			break;
		}
		if (obj_find(sh, &t, what, get, a->argv[i], &b, need_obj ? &obj : NULL) < 0) {
			failed = 1;
			continue;
		}
		switch (fn(sh, b, a->argv[i], obj, ud)) {
		case OBJ_DONE:
			break;
		case OBJ_FAILED:
			failed = 1;
			break;
		default:
			ret = CMD_ERROR;
		}
		json_decref(obj);
	}
cleanup:
	pool_targets_release(&t);
	if (ret == CMD_OK && failed)
		ret = CMD_ERROR;
	return ret;
}

struct inspect_run {
	obj_print_fn print;
	json_t *all;   /* --json */
	int n;
};

static int inspect_one(struct shell *sh, struct backend *b, const char *ref, json_t *obj, void *ud)
{
	struct inspect_run *run = ud;

	(void)b;
	(void)ref;
	if (run->all)
		return json_array_append(run->all, obj) < 0 ? OBJ_STOP : OBJ_DONE;
	if ((run->n++ && out_printf(sh, "\n") < 0) || run->print(sh, obj) < 0)
		return OBJ_STOP;
	return OBJ_DONE;
}

int obj_inspect(struct shell *sh, const struct args *a, const char *what, obj_get_fn get,
		obj_print_fn print)
{
	struct inspect_run run = { print, NULL, 0 };
	int ret;

	if (args_has(a, "json") && !(run.all = json_array()))
		return error(sh, "out of memory");
	ret = obj_each(sh, a, what, get, 1, inspect_one, &run);
	/* as docker inspect: what was found, past what was not */
	if (run.all && (ret == CMD_OK || json_array_size(run.all))) {
		int rc = output_result(sh, output_json(sh, run.all));
		if (ret == CMD_OK)
			ret = rc;
	} else if (!run.all && sh->out_closed) {
		ret = output_result(sh, -1);
	}
	json_decref(run.all);
	return ret;
}

int obj_confirm(struct shell *sh, const struct args *a, const char *question)
{
	if (args_has(a, "force"))
		return 1;
	if (!sh->in_tty)
		return usage_error(sh, "%s %s needs --force when not run from a terminal",
				   a->entry->noun, a->entry->verb);
	return cmd_confirm(sh, "%s\nAre you sure you want to continue?", question);
}

const char *const *obj_filters(const struct args *a, size_t *n)
{
	const char *const *v = args_list(a, "filter", n);

	if (!*n)
		v = NULL;
	return v;
}

/* Each host's report (an object) with "Host", in one array. */
static json_t *reports_json(const struct obj_listing *l)
{
	json_t *all = json_array(), *copy;
	size_t h;

	for (h = 0; all && h < l->n; h++) {
		if (!l->v[h].rows)
			continue;
		if (!(copy = json_copy(l->v[h].rows)) ||
		    json_object_set_new(copy, "Host", json_string(l->v[h].name)) < 0 ||
		    json_array_append_new(all, copy) < 0) {
			json_decref(all);
			return NULL;
		}
	}
	return all;
}

/* One host's deleted names under the title; 0, or -1 when stdout closed. */
static int print_deleted(struct shell *sh, const json_t *names, const char *title,
			 const char *host)
{
	const char *colon = strchr(title, ':');
	json_t *v;
	size_t i;

	if (!json_array_size(names))
		return 0;
	if (host && out_printf(sh, "%.*s on %s%s\n", (int)(colon ? colon - title : (long)strlen(title)),
			       title, host, colon ? colon : "") < 0)
		return -1;
	if (!host && out_printf(sh, "%s\n", title) < 0)
		return -1;
	json_array_foreach(names, i, v)
		if (out_printf(sh, "%s\n", json_string_value(v) ? json_string_value(v) : "") < 0)
			return -1;
	return 0;
}

int obj_prune(struct shell *sh, const struct args *a, obj_list_fn fn, enum store_coll coll,
	      const char *const *filters, size_t nfilters, const char *key, const char *title)
{
	struct obj_listing l;
	json_t *all = NULL;
	int64_t space = 0;
	size_t h;
	int ret, with_space = 0, json = args_has(a, "json"), printed = 0, record = 1;

	ret = obj_gather(sh, a, fn, filters, nfilters, &l);
	for (h = 0; h < l.n; h++)
		if (l.v[h].rows)
			obj_cache_put(sh, l.v[h].b, coll, &record);
	if (json && !(all = reports_json(&l)))
		ret = error(sh, "out of memory");
	for (h = 0; !json && h < l.n; h++) {
		const json_t *rep = l.v[h].rows;
		json_t *names = json_object_get(rep, key);

		if (!rep)
			continue;
		if (json_array_size(names) && printed++ && out_printf(sh, "\n") < 0)
			break;
		if (print_deleted(sh, names, title, l.multi ? l.v[h].name : NULL) < 0)
			break;
		if (json_object_get(rep, "SpaceReclaimed")) {
			with_space = 1;
			space += jint(rep, "SpaceReclaimed");
		}
	}
	if (sh->out_closed)
		ret = output_result(sh, -1);
	else if (all)
		ret = output_result(sh, output_json(sh, all)) == CMD_OK ? ret : CMD_ERROR;
	else if (l.answered && with_space &&
		 ((printed && out_printf(sh, "\n") < 0) || obj_print_reclaimed(sh, space) < 0))
		ret = output_result(sh, -1);
	json_decref(all);
	obj_listing_release(&l);
	return ret;
}

int obj_print_reclaimed(struct shell *sh, int64_t bytes)
{
	char size[32];

	fmt_size(size, sizeof(size), bytes);
	return out_printf(sh, "Total reclaimed space: %s\n", size);
}
