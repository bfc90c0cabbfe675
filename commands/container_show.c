/* container_show.c: how containers are shown: docker ps's columns for
 * container list (ports, names, the quoted command, the HOST column over
 * several hosts) and the summary of container inspect. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "commands/container_show.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"
#include "lib/jsonval.h"
#include "lib/strbuf.h"
#include "lib/timefmt.h"
#include "lib/xalloc.h"
#include "commands/lifetime.h"
#include "backends/pool/cache.h"
#include "backends/pool/listing.h"

struct port_entry {
	const char *ip, *type;
	unsigned priv, pub;
};

static int port_cmp(const void *x, const void *y)
{
	const struct port_entry *a = x, *b = y;
	int c;

	if (a->priv != b->priv)
		return a->priv < b->priv ? -1 : 1;
	if ((c = strcmp(a->ip, b->ip)))
		return c;
	if (a->pub != b->pub)
		return a->pub < b->pub ? -1 : 1;
	return strcmp(a->type, b->type);
}

/* "0.0.0.0:8080->80/tcp, 443/tcp": docker's DisplayablePorts. Unpublished
 * ports and ports published on the same number are grouped into ranges
 * ("8000-8002/tcp"); other mappings follow one by one. Caller frees. */
static char *ports_text(struct port_entry *e, size_t n)
{
	struct strbuf out = STRBUF_INIT;
	size_t i, j;

	if (n == 0)
		return strbuf_detach(&out);
	qsort(e, n, sizeof(*e), port_cmp);

	/* First the groups (no IP, or public == private), then the other
	 * mappings, as docker orders them. */
	for (i = 0; i < n; i = j) {
		int grouped = !e[i].ip[0] || e[i].pub == e[i].priv;
		unsigned first = e[i].priv, last = first;
		char range[16];

		j = i + 1;
		if (!grouped)
			continue;
		while (j < n && (!e[j].ip[0] || e[j].pub == e[j].priv) &&
		       !strcmp(e[j].ip, e[i].ip) && !strcmp(e[j].type, e[i].type) &&
		       e[j].priv == last + 1) {
			last = e[j].priv;
			j++;
		}
		if (first == last)
			snprintf(range, sizeof(range), "%u", first);
		else
			snprintf(range, sizeof(range), "%u-%u", first, last);
		if (out.len)
			strbuf_addstr(&out, ", ");
		if (e[i].ip[0]) {
			int v6 = strchr(e[i].ip, ':') != NULL;
			strbuf_addf(&out, "%s%s%s:%s->%s/%s", v6 ? "[" : "", e[i].ip, v6 ? "]" : "",
				    range, range, e[i].type);
		} else {
			strbuf_addf(&out, "%s/%s", range, e[i].type);
		}
	}
	for (i = 0; i < n; i++) {
		int v6;
		if (!e[i].ip[0] || e[i].pub == e[i].priv)
			continue;
		v6 = strchr(e[i].ip, ':') != NULL;
		if (out.len)
			strbuf_addstr(&out, ", ");
		strbuf_addf(&out, "%s%s%s:%u->%u/%s", v6 ? "[" : "", e[i].ip, v6 ? "]" : "",
			    e[i].pub, e[i].priv, e[i].type);
	}
	return strbuf_detach(&out);
}

/* ports_text of a listing's "Ports" array. */
static char *display_ports(const json_t *ports)
{
	size_t n = json_array_size(ports), i;
	struct port_entry *e = xcalloc(n + 1, sizeof(*e));
	char *text;

	for (i = 0; i < n; i++) {
		json_t *p = json_array_get(ports, i);
		e[i].ip = jstr(p, "IP");
		e[i].type = jstr(p, "Type");
		e[i].priv = (unsigned)jint(p, "PrivatePort");
		e[i].pub = (unsigned)jint(p, "PublicPort");
	}
	text = ports_text(e, n);
	free(e);
	return text;
}

/* docker's strconv.Quote, enough for a command line. Caller frees. */
static char *quote_command(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	char *q = malloc(n * 4 + 3);

	if (!q)
		return NULL;
	q[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			q[o++] = '\\';
			q[o++] = (char)c;
		} else if (c == '\n') {
			q[o++] = '\\';
			q[o++] = 'n';
		} else if (c == '\t') {
			q[o++] = '\\';
			q[o++] = 't';
		} else if (c < 0x20 || c == 0x7F) {
			o += (size_t)sprintf(q + o, "\\x%02x", c);
		} else {
			q[o++] = (char)c;
		}
	}
	q[o++] = '"';
	q[o] = '\0';
	return q;
}

/* "web" from ["/web"]; names of links ("/other/alias") are left out, as
 * docker ps does. Caller frees. */
static void add_name(struct strbuf *out, const char *nm)
{
	if (!nm)
		return;
	if (nm[0] == '/')
		nm++;
	if (strchr(nm, '/'))
		return;
	if (out->len)
		strbuf_addch(out, ',');
	strbuf_addstr(out, nm);
}

static char *display_names(const json_t *names)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	for (i = 0; i < json_array_size(names); i++)
		add_name(&out, json_string_value(json_array_get(names, i)));
	return strbuf_detach(&out);
}

/* Adds "Host", "Owner" and "Expires" to a row of an engine listing. */
static void decorate_row(json_t *o, const char *host)
{
	const char *owner;
	int64_t exp;
	char iso[32];
	struct tm tm;
	time_t t;

	json_object_set_new(o, "Host", json_string(host ? host : ""));
	owner = container_owner(o);
	json_object_set_new(o, "Owner", owner ? json_string(owner) : json_null());
	exp = container_expires(o);
	t = (time_t)exp;
	if (exp >= 0 && gmtime_r(&t, &tm) && strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		json_object_set_new(o, "Expires", json_string(iso));
	else
		json_object_set_new(o, "Expires", json_null());
}

/* One array of every host's rows, then an {"Host", "Error"} entry for
 * each host that failed (of several: one host's stale rows are its
 * answer, as ever), so that a script sees what is missing. */
static int print_listing_json(struct shell *sh, struct listing_host *hr, size_t n, int multi)
{
	json_t *all = json_array(), *o;
	size_t h, i;
	int ret;

	if (!all)
		return error(sh, "out of memory");
	for (h = 0; h < n; h++) {
		json_array_foreach(hr[h].rows, i, o) {
			if (!json_is_object(o))
				continue;
			decorate_row(o, hr[h].name);
			json_array_append(all, o);
		}
	}
	for (h = 0; h < n; h++)
		if (hr[h].src == LISTING_FAILED || (multi && hr[h].src == LISTING_STALE))
			json_array_append_new(all, json_pack("{s:s, s:s}", "Host", hr[h].name,
							     "Error", hr[h].err.msg));
	ret = output_result(sh, output_json(sh, all));
	json_decref(all);
	return ret;
}

/* The table, with a HOST column first when several hosts were asked (one
 * host: docker's columns, as ever): a part per host, filled in any order,
 * printed in the hosts' order. */
struct container_table {
	struct shell *sh;     /* borrowed */
	struct table *parts;  /* owned: one per host */
	size_t n, ncols;
	int multi, cached, has_exp;
	time_t now;
};

struct container_table *container_table_new(struct shell *sh, size_t nhosts, int multi,
					    int cached)
{
	struct container_table *ct = xcalloc(1, sizeof(*ct));
	const char *headers[12];
	size_t k = 0, h;

	ct->sh = sh;
	ct->n = nhosts;
	ct->multi = multi;
	ct->cached = cached;
	ct->now = time(NULL);
	if (multi)
		headers[k++] = "HOST";
	headers[k++] = "CONTAINER ID";
	headers[k++] = "IMAGE";
	headers[k++] = "COMMAND";
	headers[k++] = "CREATED";
	headers[k++] = "STATUS";
	headers[k++] = "PORTS";
	headers[k++] = "NAMES";
	if (cached)
		headers[k++] = "LAST SEEN";
	/* EXPIRES only when something can expire (container_table_print),
	 * last so that the other columns stay where scripts expect them */
	headers[k++] = "EXPIRES";
	headers[k] = NULL;
	ct->ncols = k;
	ct->parts = xcalloc(nhosts ? nhosts : 1, sizeof(*ct->parts));
	for (h = 0; h < (nhosts ? nhosts : 1); h++)
		table_initv(&ct->parts[h], headers);
	return ct;
}

/* What a row shows, from a listing's JSON or BSON. */
struct row_view {
	const char *id, *image, *command, *status; /* borrowed; never NULL */
	int64_t created, expires;                  /* expires -1: never */
	time_t seen;                               /* --cached: when; 0 */
	char *ports, *names;                       /* owned; NULL: out of memory */
};

/* v's cells into part; releases v. 0, or -1 when out of memory. */
static int add_view(struct container_table *ct, struct table *part, const char *host,
		    struct row_view *v, int stale)
{
	char id[16], image_id[16], created[64], seen[64], expires[80];
	const char *image = v->image;
	const char *cells[12];
	char *cmd = NULL, *status = NULL;
	size_t k = 0;
	int ret = -1;

	if (!strncmp(image, "sha256:", 7))
		image = fmt_short_id(image_id, sizeof(image_id), image);
	if (ct->sh->out_tty) {
		char *cut = str_ellipsize(v->command, 20);
		cmd = cut ? quote_command(cut) : NULL;
		free(cut);
	}
	status = stale ? xasprintf("%s (stale)", v->status) : NULL;
	if ((ct->sh->out_tty && !cmd) || (stale && !status) || !v->ports || !v->names)
		goto cleanup;
	if (ct->multi)
		cells[k++] = host;
	cells[k++] = fmt_short_id(id, sizeof(id), v->id);
	cells[k++] = image;
	cells[k++] = cmd ? cmd : v->command;
	cells[k++] = fmt_ago(created, sizeof(created), (time_t)v->created, ct->now);
	cells[k++] = status ? status : v->status;
	cells[k++] = v->ports;
	cells[k++] = v->names;
	if (ct->cached)
		cells[k++] = v->seen ? fmt_ago(seen, sizeof(seen), v->seen, ct->now) : "";
	if (v->expires >= 0)
		ct->has_exp = 1;
	cells[k++] = fmt_expires(expires, sizeof(expires), v->expires, ct->now);
	if (k != ct->ncols)
		abort();
	table_add_rowv(part, cells);
	ret = 0;
cleanup:
	free(cmd);
	free(status);
	free(v->ports);
	free(v->names);
	return ret;
}

static int add_row(struct container_table *ct, struct table *part, const char *host,
		   const json_t *c, int stale)
{
	struct row_view v = {
		.id = jstr(c, "Id"),
		.image = jstr(c, "Image"),
		.command = jstr(c, "Command"),
		.status = jstr(c, "Status"),
		.created = jint(c, "Created"),
		.expires = container_expires(c),
		.seen = ct->cached ? cache_row_seen(c) : 0,
		.ports = display_ports(json_object_get(c, "Ports")),
		.names = display_names(json_object_get(c, "Names")),
	};

	return add_view(ct, part, host, &v, stale);
}

/* An integer of the entry (int32, int64 or double), else 0. */
static int64_t bint(const bson_iter_t *it)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32: return bson_iter_int32(it);
	case BSON_TYPE_INT64: return bson_iter_int64(it);
	case BSON_TYPE_DOUBLE: {
		double d = bson_iter_double(it);
		return d > -9.2e18 && d < 9.2e18 ? (int64_t)d : 0;
	}
	default: return 0;
	}
}

static const char *bstr(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, NULL) : "";
}

/* The "Ports" and "Names" of an entry as display_ports and display_names
 * show them. */
static void bson_ports_names(const bson_iter_t *ports, const bson_iter_t *names,
			     struct row_view *v)
{
	struct strbuf out = STRBUF_INIT;
	struct port_entry *e = NULL;
	size_t n = 0, cap = 0;
	bson_iter_t a, f;

	if (ports && BSON_ITER_HOLDS_ARRAY(ports) && bson_iter_recurse(ports, &a))
		while (bson_iter_next(&a)) {
			if (!BSON_ITER_HOLDS_DOCUMENT(&a) || !bson_iter_recurse(&a, &f))
				continue;
			if (n == cap)
				e = xrealloc(e, (cap = cap ? 2 * cap : 4) * sizeof(*e));
			memset(&e[n], 0, sizeof(e[n]));
			e[n].ip = e[n].type = "";
			while (bson_iter_next(&f)) {
				const char *k = bson_iter_key(&f);

				if (!strcmp(k, "IP"))
					e[n].ip = bstr(&f);
				else if (!strcmp(k, "Type"))
					e[n].type = bstr(&f);
				else if (!strcmp(k, "PrivatePort"))
					e[n].priv = (unsigned)bint(&f);
				else if (!strcmp(k, "PublicPort"))
					e[n].pub = (unsigned)bint(&f);
			}
			n++;
		}
	v->ports = ports_text(e, n);
	free(e);
	if (names && BSON_ITER_HOLDS_ARRAY(names) && bson_iter_recurse(names, &a))
		while (bson_iter_next(&a))
			if (BSON_ITER_HOLDS_UTF8(&a))
				add_name(&out, bson_iter_utf8(&a, NULL));
	v->names = strbuf_detach(&out);
}

int container_table_add_entry(struct container_table *ct, size_t h, const char *host,
			      const bson_t *entry, int stale)
{
	struct row_view v = { .id = "", .image = "", .command = "", .status = "", .expires = -1 };
	bson_iter_t it, ports, names, label;
	int have_ports = 0, have_names = 0;

	if (h >= ct->n || !bson_iter_init(&it, entry))
		return -1;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		switch (k[0]) {
		case 'I':
			if (!strcmp(k, "Id"))
				v.id = bstr(&it);
			else if (!strcmp(k, "Image"))
				v.image = bstr(&it);
			break;
		case 'C':
			if (!strcmp(k, "Command"))
				v.command = bstr(&it);
			else if (!strcmp(k, "Created"))
				v.created = bint(&it);
			break;
		case 'S':
			if (!strcmp(k, "Status"))
				v.status = bstr(&it);
			break;
		case 'P':
			if (!strcmp(k, "Ports") && !have_ports)
				ports = it, have_ports = 1;
			break;
		case 'N':
			if (!strcmp(k, "Names") && !have_names)
				names = it, have_names = 1;
			break;
		case 'L':
			if (!strcmp(k, "Labels") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
			    bson_iter_recurse(&it, &label) && bson_iter_find(&label, LABEL_EXPIRES) &&
			    BSON_ITER_HOLDS_UTF8(&label))
				v.expires = lifetime_expires_of(bson_iter_utf8(&label, NULL));
			break;
		}
	}
	bson_ports_names(have_ports ? &ports : NULL, have_names ? &names : NULL, &v);
	return add_view(ct, &ct->parts[h], host, &v, stale);
}

void container_table_host_done(struct container_table *ct, size_t h, int ok)
{
	if (h >= ct->n)
		return;
	if (!ok)
		table_clear_rows(&ct->parts[h]);
	else if (ct->n > 1)
		table_trim(&ct->parts[h]); /* one of many: its rows are all in */
}

int container_table_add(struct container_table *ct, size_t h, const char *host,
			const json_t *rows, int stale)
{
	const json_t *c;
	size_t i;

	if (h >= ct->n)
		return -1;
	json_array_foreach(rows, i, c)
		if (add_row(ct, &ct->parts[h], host, c, stale) < 0)
			return -1;
	container_table_host_done(ct, h, 1);
	return 0;
}

int container_table_print(struct container_table *ct)
{
	unsigned long long hide = ct->has_exp ? 0 : 1ULL << (ct->ncols - 1);

	return output_result(ct->sh, table_print_parts(ct->sh, ct->parts, ct->n ? ct->n : 1, hide));
}

void container_table_free(struct container_table *ct)
{
	size_t h;

	if (!ct)
		return;
	for (h = 0; h < (ct->n ? ct->n : 1); h++)
		table_release(&ct->parts[h]);
	free(ct->parts);
	free(ct);
}

int container_print_list(struct shell *sh, struct args *a, struct listing_host *hr, size_t n,
			 int multi, int cached)
{
	struct container_table *ct;
	json_t *c;
	size_t h, i;
	int ret;

	if (args_has(a, "json"))
		return print_listing_json(sh, hr, n, multi);
	if (args_has(a, "quiet")) {
		for (h = 0; h < n; h++) {
			json_array_foreach(hr[h].rows, i, c) {
				char id[16];
				if (out_printf(sh, "%s\n", fmt_short_id(id, sizeof(id), jstr(c, "Id"))) < 0)
					return output_result(sh, -1);
			}
		}
		return CMD_OK;
	}
	ct = container_table_new(sh, n, multi, cached);
	for (h = 0; h < n; h++)
		if (container_table_add(ct, h, hr[h].name, hr[h].rows, hr[h].src == LISTING_STALE) < 0) {
			container_table_free(ct);
			return error(sh, "out of memory");
		}
	ret = container_table_print(ct);
	container_table_free(ct);
	return ret;
}

/* Appends word to a shell-readable command line: quoted when needed. */
static void append_word(struct strbuf *out, const char *w)
{
	size_t i;
	int plain = *w != '\0';

	for (i = 0; w[i]; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("-_./:=,@%+", w[i]))
			plain = 0;
	if (out->len)
		strbuf_addch(out, ' ');
	if (plain) {
		strbuf_addstr(out, w);
		return;
	}
	strbuf_addch(out, '\'');
	for (i = 0; w[i]; i++) {
		if (w[i] == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, w[i]);
	}
	strbuf_addch(out, '\'');
}

static char *inspect_command(const json_t *c)
{
	struct strbuf out = STRBUF_INIT;
	const json_t *args = json_object_get(c, "Args");
	size_t i;

	append_word(&out, jstr(c, "Path"));
	for (i = 0; i < json_array_size(args); i++)
		append_word(&out, json_string_value(json_array_get(args, i)) ?: "");
	return strbuf_detach(&out);
}

static char *inspect_state(const json_t *c, time_t now)
{
	const json_t *st = json_object_get(c, "State");
	const char *status = jstr(st, "Status");
	char ago[64];
	time_t t;

	if (!strcmp(status, "running") || !strcmp(status, "paused") || !strcmp(status, "restarting")) {
		if (parse_rfc3339(jstr(st, "StartedAt"), &t) == 0) {
			char d[64];
			return xasprintf("%s (started %s ago)", status, fmt_duration(d, sizeof(d), now - t));
		}
		return strdup(status);
	}
	if (!strcmp(status, "exited") || !strcmp(status, "dead")) {
		if (parse_rfc3339(jstr(st, "FinishedAt"), &t) == 0)
			return xasprintf("%s (%" PRId64 ") %s", status, jint(st, "ExitCode"),
					 fmt_ago(ago, sizeof(ago), t, now));
		return xasprintf("%s (%" PRId64 ")", status, jint(st, "ExitCode"));
	}
	return strdup(status);
}

/* The ports as bound now (running), else as asked for at create. */
static char *inspect_ports(const json_t *c)
{
	const json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	struct strbuf out = STRBUF_INIT;
	const char *key;
	json_t *binds;
	size_t i;
	int live = 0;

	json_object_foreach((json_t *)ports, key, binds)
		if (json_array_size(binds))
			live = 1;
	if (!live)
		ports = json_object_get(json_object_get(c, "HostConfig"), "PortBindings");
	json_object_foreach((json_t *)ports, key, binds) {
		for (i = 0; i < json_array_size(binds); i++) {
			json_t *bd = json_array_get(binds, i);
			const char *ip = jstr(bd, "HostIp"), *hp = jstr(bd, "HostPort");
			int v6 = strchr(ip, ':') != NULL;
			if (out.len)
				strbuf_addch(&out, '\n');
			strbuf_addf(&out, "%s%s%s%s%s->%s", v6 ? "[" : "", ip, v6 ? "]" : "",
				    *ip ? ":" : "", *hp ? hp : "*", key);
		}
	}
	return strbuf_detach(&out);
}

static int label_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "K=V" lines, sorted; caller frees. */
static char *inspect_labels(const json_t *labels)
{
	struct strbuf out = STRBUF_INIT;
	const char *k;
	json_t *v;
	size_t n = json_object_size(labels), i = 0;
	char **lines;

	if (!n)
		return strbuf_detach(&out);
	lines = xcalloc(n, sizeof(*lines));
	json_object_foreach((json_t *)labels, k, v)
		if (i < n)
			lines[i++] = xasprintf("%s=%s", k, json_string_value(v) ?: "");
	qsort(lines, i, sizeof(*lines), label_cmp);
	for (n = 0; n < i; n++) {
		if (out.len)
			strbuf_addch(&out, '\n');
		strbuf_addstr(&out, lines[n]);
		free(lines[n]);
	}
	free(lines);
	return strbuf_detach(&out);
}

int container_print_summary(struct shell *sh, const json_t *c)
{
	const json_t *cfg = json_object_get(c, "Config"), *hc = json_object_get(c, "HostConfig");
	const json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *name = jstr(c, "Name"), *created = jstr(c, "Created"), *rname;
	time_t now = time(NULL), t;
	char *command = NULL, *state = NULL, *ports = NULL, *labels = NULL, *env = NULL;
	char *created_s = NULL, *restart = NULL, mem[32], cpus[32], ago[64];
	int64_t nano = jint(hc, "NanoCpus"), memory = jint(hc, "Memory");
	struct table t_kv;
	int ret = -1;

	table_init(&t_kv, "KEY", "VALUE", NULL);
	command = inspect_command(c);
	state = inspect_state(c, now);
	ports = inspect_ports(c);
	labels = inspect_labels(json_object_get(cfg, "Labels"));
	env = json_join(json_object_get(cfg, "Env"), "\n");
	created_s = parse_rfc3339(created, &t) == 0 ? xasprintf("%.19s (%s)", created, fmt_ago(ago, sizeof(ago), t, now))
		      : strdup(created);
	rname = jstr(rp, "Name");
	if (!*rname)
		rname = "no";
	restart = jint(rp, "MaximumRetryCount") > 0
		  ? xasprintf("%s:%" PRId64, rname, jint(rp, "MaximumRetryCount")) : strdup(rname);
	if (!command || !state || !ports || !labels || !env || !created_s || !restart)
		goto cleanup;
	if (memory > 0)
		fmt_size_binary(mem, sizeof(mem), memory);
	else
		snprintf(mem, sizeof(mem), "unlimited");
	if (nano > 0) {
		/* Exact: 1.5, not 1.500000 */
		int len = snprintf(cpus, sizeof(cpus), "%" PRId64 ".%09" PRId64, nano / 1000000000,
				   nano % 1000000000);
		while (len > 0 && cpus[len - 1] == '0')
			cpus[--len] = '\0';
		if (len > 0 && cpus[len - 1] == '.')
			cpus[--len] = '\0';
	} else {
		snprintf(cpus, sizeof(cpus), "unlimited");
	}

	table_add_row(&t_kv, "ID", jstr(c, "Id"));
	table_add_row(&t_kv, "Name", name[0] == '/' ? name + 1 : name);
	table_add_row(&t_kv, "Image", jstr(cfg, "Image"));
	table_add_row(&t_kv, "Command", command);
	table_add_row(&t_kv, "State", state);
	table_add_row(&t_kv, "Created", created_s);
	table_add_row(&t_kv, "Ports", ports);
	table_add_row(&t_kv, "Labels", labels);
	table_add_row(&t_kv, "Env", env);
	table_add_row(&t_kv, "Memory", mem);
	table_add_row(&t_kv, "CPUs", cpus);
	table_add_row(&t_kv, "Restart", restart);
	ret = kv_print(sh, &t_kv);
cleanup:
	table_release(&t_kv);
	free(command);
	free(state);
	free(ports);
	free(labels);
	free(env);
	free(created_s);
	free(restart);
	return ret;
}
