/* settings.c: berth's configuration from YAML files and the environment.
 *
 * A file is loaded whole with libyaml's document API (config files are
 * small) so that every complaint can name the line it is about. Files
 * holding credentials are refused when others can read them: we check that
 * on the descriptor we parse, not on the name, so a swap in between cannot
 * slip a readable file past the check.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <yaml.h>
#include "shell/settings.h"
#include "backends/pool/userdata.h"
#include "lib/paths.h"
#include "lib/names.h"
#include "lib/units.h"
#include "lib/text.h"
#include "lib/xalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define DEFAULT_LOCAL_URL "unix:///var/run/docker.sock"

static int replace_str(char **slot, const char *value)
{
	char *d = value ? strdup(value) : NULL;

	if (value && !d)
		return -1;
	free(*slot);
	*slot = d;
	return 0;
}


/* --- reading one file --------------------------------------------------- */

struct loader {
	struct settings *cfg;
	const char *path;
	yaml_document_t doc;
	struct berr *err;
	unsigned long default_host_line; /* 0 unless this file set default_host */
	unsigned long default_cloud_line; /* 0 unless this file set default_cloud */
};

static unsigned long node_line(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return berr_set(L->err, BERR_USAGE, "%s:%lu: %s", L->path, n ? node_line(n) : 1ul, msg);
}

static int oom(struct loader *L)
{
	return berr_set(L->err, BERR_LOCAL, "%s: out of memory", L->path);
}

static yaml_node_t *node_at(struct loader *L, int idx)
{
	return yaml_document_get_node(&L->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain "", "~" or "null" is YAML's null: "key:" with nothing after. */
static int is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = scalar(n);
	return !*v || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0], cur;
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			cur = row[j];
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* "unknown key 'hots' (did you mean hosts?)", or the list of keys when
 * nothing is close. where is "" at the top level, else " in hosts.lab". */
static int unknown_key(struct loader *L, const yaml_node_t *key, const char *where,
		       const char *const *known)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, i;
	char list[256] = "";

	for (i = 0; known[i]; i++) {
		size_t d = edit_distance(scalar(key), known[i]);
		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
		if (i)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, known[i], sizeof(list) - strlen(list) - 1);
	}
	if (best && bestd <= 2 && bestd < strlen(best))
		return fail_at(L, key, "unknown key '%s'%s (did you mean %s?)",
			       CUT(scalar(key)), where, best);
	return fail_at(L, key, "unknown key '%s'%s (known keys: %s)", CUT(scalar(key)), where, list);
}

struct key_at {
	const char *key;
	size_t pos; /* the pair's place in the mapping */
};

static int key_at_cmp(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Iterates a mapping's pairs, refusing non-scalar and duplicate keys. The
 * keys are sorted (n log n: a file of 169k hosts once took minutes), and
 * the duplicate reported is the first in the file's order. */
static int check_mapping_keys(struct loader *L, const yaml_node_t *map, const char *what)
{
	yaml_node_pair_t *p, *start = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - start), i, dup = n;
	struct key_at *keys;

	for (p = start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			return fail_at(L, k, "%s: keys must be plain words", what);
	}
	if (n < 2)
		return 0;
	keys = xcalloc(n, sizeof(*keys));
	for (i = 0; i < n; i++) {
		keys[i].key = scalar(node_at(L, start[i].key));
		keys[i].pos = i;
	}
	qsort(keys, n, sizeof(*keys), key_at_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(keys[i - 1].key, keys[i].key) && (dup == n || keys[i].pos < keys[dup].pos))
			dup = i;
	if (dup < n) {
		yaml_node_t *k = node_at(L, start[keys[dup].pos].key);
		yaml_node_t *k2 = node_at(L, start[keys[dup - 1].pos].key);

		/* keys[dup] is a key's second place in the file, keys[dup - 1]
		 * its first (equal keys sort by place) */
		free(keys);
		return fail_at(L, k, "duplicate key '%s'%s%s (first on line %lu)", CUT(scalar(k)),
			       *what ? " in " : "", what, node_line(k2));
	}
	free(keys);
	return 0;
}

static int want_string(struct loader *L, const yaml_node_t *v, const char *what, const char **out)
{
	if (v->type != YAML_SCALAR_NODE)
		return fail_at(L, v, "%s must be a single value, not a list or mapping", what);
	if (is_null(v) || !*scalar(v))
		return fail_at(L, v, "%s needs a value", what);
	*out = scalar(v);
	return 0;
}

/* want_string's value copied into *slot. */
static int set_string(struct loader *L, const yaml_node_t *v, const char *what, char **slot)
{
	const char *s;

	if (want_string(L, v, what, &s) < 0)
		return -1;
	return replace_str(slot, s) < 0 ? oom(L) : 0;
}

static int want_bool(struct loader *L, const yaml_node_t *v, const char *what, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char *s;
	int i;

	if (want_string(L, v, what, &s) < 0)
		return -1;
	for (i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return fail_at(L, v, "%s: invalid value '%s': use true or false", what, CUT(s));
}

static int want_duration(struct loader *L, const yaml_node_t *v, const char *what, long *out)
{
	const char *s;
	int64_t ms;

	if (want_string(L, v, what, &s) < 0)
		return -1;
	/* Over a day is surely a typo; zero would mean "give up at once". */
	if (parse_duration_ms(s, &ms) < 0 || ms <= 0 || ms > 86400000)
		return fail_at(L, v, "%s: invalid duration '%s': use 5s, 500ms, 1m", what, CUT(s));
	*out = (long)ms;
	return 0;
}

static int valid_url(const char *u)
{
	static const char *const schemes[] = { "unix://", "tcp://", "http://", "https://", NULL };
	int i;

	for (i = 0; schemes[i]; i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(u, schemes[i], n) == 0 && u[n] != '\0')
			return 1;
	}
	return 0;
}

static int load_timeouts(struct loader *L, const yaml_node_t *map)
{
	static const char *const known[] = { "connect", "request", "idle", NULL };
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "timeouts must be a mapping (timeouts: { connect: 5s, request: 10s, idle: 10s })");
	if (check_mapping_keys(L, map, "timeouts") < 0)
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
		const char *key = scalar(k);
		if (strcmp(key, "connect") == 0) {
			if (want_duration(L, v, "timeouts.connect", &L->cfg->connect_timeout_ms) < 0)
				return -1;
		} else if (strcmp(key, "request") == 0) {
			if (want_duration(L, v, "timeouts.request", &L->cfg->request_timeout_ms) < 0)
				return -1;
		} else if (strcmp(key, "idle") == 0) {
			if (want_duration(L, v, "timeouts.idle", &L->cfg->idle_timeout_ms) < 0)
				return -1;
		} else {
			return unknown_key(L, k, " in timeouts", known);
		}
	}
	return 0;
}

static int load_host(struct loader *L, const yaml_node_t *k, const yaml_node_t *map,
		     size_t nbefore)
{
	static const char *const known[] = { "url", "tls_dir", "insecure", NULL };
	const char *name = scalar(k);
	const char *url = NULL, *tls_dir = NULL;
	struct host_settings *h;
	yaml_node_pair_t *p;
	int insecure = 0;
	char what[160], where[160];

	if (!valid_host_name(name))
		return fail_at(L, k, "invalid host name '%s': use letters, digits, '-', '_' and '.'", CUT(name));
	snprintf(where, sizeof(where), " in hosts.%s", name);
	snprintf(what, sizeof(what), "hosts.%s", name);
	if (map->type != YAML_MAPPING_NODE && !is_null(map))
		return fail_at(L, map, "%s must be a mapping (%s: { url: tcp://HOST:2376, tls_dir: DIR })",
			       what, name);
	if (map->type == YAML_MAPPING_NODE) {
		if (check_mapping_keys(L, map, what) < 0)
			return -1;
		for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
			yaml_node_t *hk = node_at(L, p->key), *v = node_at(L, p->value);
			const char *key = scalar(hk);
			if (strcmp(key, "url") == 0) {
				snprintf(what, sizeof(what), "hosts.%s.url", name);
				if (want_string(L, v, what, &url) < 0)
					return -1;
				if (!valid_url(url))
					return fail_at(L, v, "%s: unsupported URL '%s': use unix:///PATH or tcp://HOST:PORT",
						       what, CUT(url));
			} else if (strcmp(key, "tls_dir") == 0) {
				snprintf(what, sizeof(what), "hosts.%s.tls_dir", name);
				if (want_string(L, v, what, &tls_dir) < 0)
					return -1;
			} else if (strcmp(key, "insecure") == 0) {
				snprintf(what, sizeof(what), "hosts.%s.insecure", name);
				if (want_bool(L, v, what, &insecure) < 0)
					return -1;
			} else {
				return unknown_key(L, hk, where, known);
			}
		}
	}
	if (!url && strcmp(name, "local") != 0)
		return fail_at(L, k, "host '%s' needs a url (unix:///PATH or tcp://HOST:PORT)", name);

	h = settings_host_fresh(L->cfg, name, nbefore);
	if (!h)
		return oom(L);
	h->url = strdup(url ? url : DEFAULT_LOCAL_URL);
	if (!h->url)
		return oom(L);
	if (tls_dir) {
		h->tls_dir = path_expand_tilde(tls_dir);
		if (!h->tls_dir)
			return oom(L);
		h->tls_verify = 1;
	}
	h->insecure = insecure;
	return 0;
}

static int load_hosts(struct loader *L, const yaml_node_t *map)
{
	yaml_node_pair_t *p;
	size_t nbefore = L->cfg->nhosts; /* earlier files' hosts, and local */

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "hosts must be a mapping of names to hosts (hosts: { lab: { url: tcp://HOST:2376 } })");
	if (check_mapping_keys(L, map, "hosts") < 0)
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
		if (load_host(L, node_at(L, p->key), node_at(L, p->value), nbefore) < 0)
			return -1;
	return 0;
}

static int load_mongodb(struct loader *L, const yaml_node_t *map)
{
	static const char *const known[] = { "uri", "database", NULL };
	yaml_node_pair_t *p;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "mongodb must be a mapping (mongodb: { uri: mongodb://HOST, database: berth })");
	if (check_mapping_keys(L, map, "mongodb") < 0)
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
		const char *key = scalar(k), *s;
		if (strcmp(key, "uri") == 0) {
			if (want_string(L, v, "mongodb.uri", &s) < 0)
				return -1;
			if (strncmp(s, "mongodb://", 10) != 0 && strncmp(s, "mongodb+srv://", 14) != 0)
				return fail_at(L, v, "mongodb.uri: '%s' is not a MongoDB URI: use mongodb://HOST[:PORT]", CUT(s));
			if (replace_str(&L->cfg->mongodb_uri, s) < 0)
				return oom(L);
		} else if (strcmp(key, "database") == 0) {
			if (want_string(L, v, "mongodb.database", &s) < 0)
				return -1;
			if (replace_str(&L->cfg->mongodb_database, s) < 0)
				return oom(L);
		} else {
			return unknown_key(L, k, " in mongodb", known);
		}
	}
	return 0;
}

/* A whole number from min to max for key what. */
static int want_whole(struct loader *L, const yaml_node_t *v, const char *what, long long min,
		      long long max, int64_t *out)
{
	const char *s;
	char *end;
	long long n;

	if (want_string(L, v, what, &s) < 0)
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < min || n > max)
		return fail_at(L, v, "%s: invalid value '%s': use a whole number from %lld to %lld", what,
			       CUT(s), min, max);
	*out = (int64_t)n;
	return 0;
}

/* pool.autoscale: { cloud, min_hosts, max_hosts, free_slots, idle_after, spawn_step } */
static int load_autoscale(struct loader *L, const yaml_node_t *map)
{
	static const char *const known[] = { "cloud", "min_hosts", "max_hosts", "free_slots",
					     "idle_after", "spawn_step", NULL };
	struct autoscale_settings *as = &L->cfg->autoscale;
	yaml_node_pair_t *p;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "pool.autoscale must be a mapping (autoscale: { cloud: lab, max_hosts: 4, free_slots: 4 })");
	if (check_mapping_keys(L, map, "pool.autoscale") < 0)
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
		const char *key = scalar(k), *s;
		long ms;
		int rc = 0;

		if (!strcmp(key, "cloud")) {
			if (want_string(L, v, "pool.autoscale.cloud", &s) < 0)
				return -1;
			if (replace_str(&as->cloud, s) < 0)
				return oom(L);
		} else if (!strcmp(key, "min_hosts")) {
			rc = want_whole(L, v, "pool.autoscale.min_hosts", 0, 100000, &as->min_hosts);
		} else if (!strcmp(key, "max_hosts")) {
			rc = want_whole(L, v, "pool.autoscale.max_hosts", 0, 100000, &as->max_hosts);
		} else if (!strcmp(key, "free_slots")) {
			rc = want_whole(L, v, "pool.autoscale.free_slots", 0, 100000000, &as->free_slots);
		} else if (!strcmp(key, "spawn_step")) {
			rc = want_whole(L, v, "pool.autoscale.spawn_step", 1, 100, &as->spawn_step);
		} else if (!strcmp(key, "idle_after")) {
			if (want_duration(L, v, "pool.autoscale.idle_after", &ms) < 0)
				return -1;
			as->idle_after_ms = ms;
		} else {
			return unknown_key(L, k, " in pool.autoscale", known);
		}
		if (rc < 0)
			return -1;
	}
	if (!as->cloud)
		return fail_at(L, map, "pool.autoscale needs a cloud (the clouds: profile to spawn hosts on)");
	if (as->min_hosts > as->max_hosts)
		return fail_at(L, map, "pool.autoscale: min_hosts (%lld) is above max_hosts (%lld)",
			       (long long)as->min_hosts, (long long)as->max_hosts);
	as->enabled = 1;
	return 0;
}

static int load_pool(struct loader *L, const yaml_node_t *map)
{
	static const char *const known[] = { "error_threshold", "policy", "slot_memory", "concurrency",
					     "autoscale", NULL };
	static const char *const policies[] = { "least-loaded", "round-robin", "random", NULL };
	yaml_node_pair_t *p;
	size_t i;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "pool must be a mapping (pool: { error_threshold: 3, policy: least-loaded, slot_memory: 512m })");
	if (check_mapping_keys(L, map, "pool") < 0)
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
		const char *key = scalar(k), *s;
		char *end;

		if (strcmp(key, "error_threshold") == 0) {
			long n;

			if (want_string(L, v, "pool.error_threshold", &s) < 0)
				return -1;
			errno = 0;
			n = strtol(s, &end, 10);
			if (errno || end == s || *end || n < 1 || n > 1000)
				return fail_at(L, v, "pool.error_threshold: invalid value '%s': use a whole number of consecutive errors from 1 to 1000", CUT(s));
			L->cfg->pool_error_threshold = n;
		} else if (strcmp(key, "concurrency") == 0) {
			long n;

			if (want_string(L, v, "pool.concurrency", &s) < 0)
				return -1;
			errno = 0;
			n = strtol(s, &end, 10);
			if (errno || end == s || *end || n < 1 || n > 1024)
				return fail_at(L, v, "pool.concurrency: invalid value '%s': use a whole number of requests at once from 1 to 1024", CUT(s));
			L->cfg->pool_concurrency = n;
		} else if (strcmp(key, "policy") == 0) {
			if (want_string(L, v, "pool.policy", &s) < 0)
				return -1;
			for (i = 0; policies[i] && strcmp(policies[i], s); i++)
				;
			if (!policies[i])
				return fail_at(L, v, "pool.policy: unknown policy '%s': use least-loaded, round-robin or random", CUT(s));
			if (replace_str(&L->cfg->pool_policy, s) < 0)
				return oom(L);
		} else if (strcmp(key, "slot_memory") == 0) {
			int64_t bytes;

			if (want_string(L, v, "pool.slot_memory", &s) < 0)
				return -1;
			/* under a megabyte a slot is surely a missing unit */
			if (parse_size(s, &bytes) < 0 || bytes < ((int64_t)1 << 20))
				return fail_at(L, v, "pool.slot_memory: invalid size '%s': use a size of at least 1m, like 512m or 2g", CUT(s));
			L->cfg->pool_slot_memory = bytes;
		} else if (strcmp(key, "autoscale") == 0) {
			if (load_autoscale(L, v) < 0)
				return -1;
		} else {
			return unknown_key(L, k, " in pool", known);
		}
	}
	return 0;
}

/* image_dir as written: ~/ is the home directory, and a relative path is
 * taken from the directory of the file that names it (not from wherever
 * berth happens to run, as cron's working directory is anyone's guess). */
static char *image_dir_path(const char *file, const char *value)
{
	const char *slash;
	char *dir, *out;

	if (value[0] == '~' || value[0] == '/')
		return path_expand_tilde(value);
	slash = strrchr(file, '/');
	if (!slash)
		return strdup(value);
	dir = strndup(file, (size_t)(slash - file) + 1);
	if (!dir)
		return NULL;
	out = path_join3(dir, "", value);
	free(dir);
	return out;
}

/* --- clouds: ------------------------------------------------------------- */

static int is_secret_key(const char *k);

/* The text settings of a profile: key, the member it sets, and whether it
 * belongs to one driver only (NULL: both). Aliases set the same member. */
static const struct cloud_str {
	const char *key;
	size_t off;
	const char *driver_only;
} cloud_strs[] = {
	{ "driver", offsetof(struct cloud_profile, driver), NULL },
	{ "cloud", offsetof(struct cloud_profile, os_cloud), "openstack" },
	{ "profile", offsetof(struct cloud_profile, aws_profile), "ec2" },
	{ "region", offsetof(struct cloud_profile, region), NULL },
	{ "endpoint_url", offsetof(struct cloud_profile, endpoint_url), "ec2" },
	{ "interface", offsetof(struct cloud_profile, interface), "openstack" },
	{ "flavor", offsetof(struct cloud_profile, flavor), NULL },
	{ "instance_type", offsetof(struct cloud_profile, flavor), NULL },
	{ "image", offsetof(struct cloud_profile, image), NULL },
	{ "network", offsetof(struct cloud_profile, network), NULL },
	{ "subnet", offsetof(struct cloud_profile, network), NULL },
	{ "floating_network", offsetof(struct cloud_profile, floating_network), "openstack" },
	{ "allow_cidr", offsetof(struct cloud_profile, allow_cidr), NULL },
	{ "key_name", offsetof(struct cloud_profile, key_name), NULL },
	{ "cloud_init", offsetof(struct cloud_profile, cloud_init), NULL },
};
#define NCLOUD_STRS (sizeof(cloud_strs) / sizeof(cloud_strs[0]))

static const char *const cloud_keys[] = {
	"driver", "cloud", "profile", "region", "endpoint_url", "interface", "flavor",
	"instance_type", "image", "network", "subnet", "floating_network", "address",
	"allow_cidr", "spawn_timeout", "engine_timeout", "slots", "key_name", "cloud_init", NULL
};

static char **cloud_str_slot(struct cloud_profile *p, const struct cloud_str *s)
{
	return (char **)((char *)p + s->off);
}

/* "10.0.0.0/8", "2001:db8::/32" */
static int valid_cidr(const char *s)
{
	const char *slash = strchr(s, '/');
	unsigned char buf[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	char *end;
	long bits;
	int v6;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return 0;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
		return 0;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	return !errno && end != slash + 1 && !*end && bits >= 0 && bits <= (v6 ? 128 : 32);
}

/* A profile's value that is not text (address, durations, slots). */
static int load_cloud_other(struct loader *L, struct cloud_profile *p, const yaml_node_t *k,
			    const yaml_node_t *v, const char *what)
{
	static const struct { const char *word; enum cloud_address a; } addrs[] = {
		{ "fixed", CLOUD_ADDR_FIXED }, { "private", CLOUD_ADDR_FIXED },
		{ "floating", CLOUD_ADDR_FLOATING }, { "public", CLOUD_ADDR_PUBLIC },
	};
	const char *key = scalar(k), *s;
	long ms, n;
	size_t i;
	char *end;

	if (!strcmp(key, "address")) {
		if (want_string(L, v, what, &s) < 0)
			return -1;
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]) && strcmp(addrs[i].word, s); i++)
			;
		if (i == sizeof(addrs) / sizeof(addrs[0]))
			return fail_at(L, v, "%s: unknown address '%s': use fixed, private, floating or public",
				       what, CUT(s));
		p->address = addrs[i].a;
	} else if (!strcmp(key, "spawn_timeout") || !strcmp(key, "engine_timeout")) {
		if (want_duration(L, v, what, &ms) < 0)
			return -1;
		*(key[0] == 's' ? &p->spawn_timeout_ms : &p->engine_timeout_ms) = ms;
	} else if (!strcmp(key, "slots")) {
		if (want_string(L, v, what, &s) < 0)
			return -1;
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || end == s || *end || n < 1 || n > 1000000)
			return fail_at(L, v, "%s: invalid value '%s': use a whole number of slots from 1 to 1000000",
				       what, CUT(s));
		p->slots = n;
	} else {
		return unknown_key(L, k, "", cloud_keys);
	}
	return 0;
}

/* A text value of the profile; *set_by[member] remembers which key set it
 * (an alias and its key both given is refused). */
static int load_cloud_str(struct loader *L, struct cloud_profile *p, const struct cloud_str *cs,
			  const yaml_node_t *k, const yaml_node_t *v, const yaml_node_t **set_by,
			  const char *what)
{
	char **slot = cloud_str_slot(p, cs);
	const char *s;
	size_t i;

	for (i = 0; i < NCLOUD_STRS; i++)
		if (cloud_strs[i].off == cs->off && set_by[i])
			return fail_at(L, k, "%s: %s was given on line %lu already: give one of them",
				       what, scalar(set_by[i]), node_line(set_by[i]));
	set_by[cs - cloud_strs] = k;
	if (want_string(L, v, what, &s) < 0)
		return -1;
	if (!strcmp(cs->key, "driver") && strcmp(s, "openstack") && strcmp(s, "ec2"))
		return fail_at(L, v, "%s: unknown driver '%s': use openstack or ec2", what, CUT(s));
	if (!strcmp(cs->key, "allow_cidr") && !valid_cidr(s))
		return fail_at(L, v, "%s: invalid CIDR '%s': use an address and a prefix length, "
			       "like 203.0.113.0/24", what, CUT(s));
	if (!strcmp(cs->key, "cloud_init")) {
		struct userdata_in in = { .ca_pem = "", .cert_pem = "", .key_pem = "", .extra = s };
		struct berr uerr;
		char *out;
		size_t len;

		if (userdata_build(&in, &out, &len, &uerr) < 0)
			return fail_at(L, v, "clouds.%s.%s", p->name, uerr.msg);
		free(out);
	}
	if (replace_str(slot, s) < 0)
		return oom(L);
	return 0;
}

/* The settings that belong to the other driver. */
static int check_cloud_driver(struct loader *L, const struct cloud_profile *p,
			      const yaml_node_t *k, const yaml_node_t **set_by)
{
	size_t i;

	if (!p->driver)
		return fail_at(L, k, "clouds.%s needs a driver (driver: openstack or driver: ec2)", p->name);
	for (i = 0; i < NCLOUD_STRS; i++)
		if (set_by[i] && cloud_strs[i].driver_only && strcmp(cloud_strs[i].driver_only, p->driver))
			return fail_at(L, set_by[i], "clouds.%s.%s is a setting of the %s driver, not of %s",
				       p->name, cloud_strs[i].key, cloud_strs[i].driver_only, p->driver);
	if (p->address == CLOUD_ADDR_FLOATING && strcmp(p->driver, "openstack"))
		return fail_at(L, k, "clouds.%s.address: floating addresses are OpenStack's (use private or public)",
			       p->name);
	return 0;
}

/* One profile into p (initialised with its name and the defaults). */
static int load_cloud_profile(struct loader *L, const yaml_node_t *k, const yaml_node_t *map,
			      struct cloud_profile *p)
{
	const yaml_node_t *set_by[NCLOUD_STRS] = { NULL };
	yaml_node_pair_t *q;
	char what[160];
	size_t i;

	snprintf(what, sizeof(what), "clouds.%s", p->name);
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "%s must be a mapping (%s: { driver: openstack, cloud: NAME, ... })",
			       what, p->name);
	if (check_mapping_keys(L, map, what) < 0)
		return -1;
	for (q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++) {
		yaml_node_t *pk = node_at(L, q->key), *v = node_at(L, q->value);
		const char *key = scalar(pk);

		if (is_secret_key(key))
			return fail_at(L, pk, "clouds.%s.%s: credentials do not go into berth's settings: "
				       "they belong in clouds.yaml or secure.yaml (OpenStack) and "
				       "~/.aws/credentials (EC2), where the official tools find them",
				       p->name, CUT(key));
		snprintf(what, sizeof(what), "clouds.%s.%s", p->name, key);
		for (i = 0; i < NCLOUD_STRS && strcmp(cloud_strs[i].key, key); i++)
			;
		if (i < NCLOUD_STRS) {
			if (load_cloud_str(L, p, &cloud_strs[i], pk, v, set_by, what) < 0)
				return -1;
		} else if (!strcmp(key, "address") || !strcmp(key, "spawn_timeout") ||
			   !strcmp(key, "engine_timeout") || !strcmp(key, "slots")) {
			if (load_cloud_other(L, p, pk, v, what) < 0)
				return -1;
		} else {
			snprintf(what, sizeof(what), " in clouds.%s", p->name);
			return unknown_key(L, pk, what, cloud_keys);
		}
	}
	return check_cloud_driver(L, p, k, set_by);
}

static int load_clouds(struct loader *L, const yaml_node_t *map)
{
	struct settings *cfg = L->cfg;
	yaml_node_pair_t *q;
	size_t i;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(L, map, "clouds must be a mapping of profile names to profiles "
			       "(clouds: { lab: { driver: openstack, cloud: NAME } })");
	if (check_mapping_keys(L, map, "clouds") < 0)
		return -1;
	for (q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++) {
		yaml_node_t *k = node_at(L, q->key);
		struct cloud_profile p = { .spawn_timeout_ms = 600000, .engine_timeout_ms = 600000 };

		if (!valid_host_name(scalar(k)))
			return fail_at(L, k, "invalid cloud profile name '%s': use letters, digits, '-', '_' and '.'",
				       CUT(scalar(k)));
		if (!(p.name = strdup(scalar(k))))
			return oom(L);
		if (load_cloud_profile(L, k, node_at(L, q->value), &p) < 0) {
			cloud_profile_release(&p);
			return -1;
		}
		/* a later file's profile of the same name replaces the earlier one */
		for (i = 0; i < cfg->nclouds && strcmp(cfg->clouds[i].name, p.name); i++)
			;
		if (i == cfg->nclouds) {
			struct cloud_profile *nv = realloc(cfg->clouds, (i + 1) * sizeof(*nv));
			if (!nv) {
				cloud_profile_release(&p);
				return oom(L);
			}
			cfg->clouds = nv;
			cfg->nclouds++;
		} else {
			cloud_profile_release(&cfg->clouds[i]);
		}
		cfg->clouds[i] = p;
	}
	return 0;
}

static int load_root(struct loader *L, const yaml_node_t *root)
{
	static const char *const known[] = { "default_host", "timeouts", "hosts", "mongodb", "owner",
					     "pool", "image_dir", "clouds", "default_cloud", NULL };
	yaml_node_pair_t *p;

	if (!root || is_null(root))
		return 0; /* an empty file, or only comments */
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(L, root, "the file must be a mapping of settings (default_host:, timeouts:, hosts:, mongodb:)");
	if (check_mapping_keys(L, root, "") < 0)
		return -1;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
		const char *key = scalar(k);
		if (strcmp(key, "default_host") == 0) {
			if (set_string(L, v, "default_host", &L->cfg->default_host) < 0)
				return -1;
			L->default_host_line = node_line(v);
			L->cfg->default_host_set = 1;
		} else if (strcmp(key, "timeouts") == 0) {
			if (load_timeouts(L, v) < 0)
				return -1;
		} else if (strcmp(key, "hosts") == 0) {
			if (load_hosts(L, v) < 0)
				return -1;
		} else if (strcmp(key, "mongodb") == 0) {
			if (load_mongodb(L, v) < 0)
				return -1;
		} else if (strcmp(key, "owner") == 0) {
			if (set_string(L, v, "owner", &L->cfg->owner) < 0)
				return -1;
		} else if (strcmp(key, "pool") == 0) {
			if (load_pool(L, v) < 0)
				return -1;
		} else if (strcmp(key, "clouds") == 0) {
			if (load_clouds(L, v) < 0)
				return -1;
		} else if (strcmp(key, "default_cloud") == 0) {
			if (set_string(L, v, "default_cloud", &L->cfg->default_cloud) < 0)
				return -1;
			L->default_cloud_line = node_line(v);
		} else if (strcmp(key, "image_dir") == 0) {
			const char *s;
			char *dir;
			struct stat st;

			if (want_string(L, v, "image_dir", &s) < 0)
				return -1;
			if (!(dir = image_dir_path(L->path, s)))
				return oom(L);
			/* a directory that is missing now may be mounted later
			 * (image distribute says so then); a file is a mistake */
			if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
				fail_at(L, v, "image_dir: %s is not a directory: name a directory of image tarballs",
					dir);
				free(dir);
				return -1;
			}
			free(L->cfg->image_dir);
			L->cfg->image_dir = dir;
		} else {
			return unknown_key(L, k, "", known);
		}
	}
	return 0;
}

/* --- credentials -------------------------------------------------------- */

static int is_secret_key(const char *k)
{
	static const char *const names[] = {
		"password", "passwd", "secret", "token", "secret_key", "access_key", "key_id", NULL
	};
	size_t kl = strlen(k), i;

	for (i = 0; names[i]; i++) {
		size_t nl = strlen(names[i]);
		if (strcasecmp(k, names[i]) == 0)
			return 1;
		/* "api_token", "aws_secret_access_key", "access_key_id" */
		if (kl > nl + 1 && k[kl - nl - 1] == '_' && strcasecmp(k + kl - nl, names[i]) == 0)
			return 1;
	}
	return 0;
}

/* scheme://user:password@host...: a password in the URI's userinfo. */
static int uri_has_password(const char *v)
{
	const char *auth = strstr(v, "://"), *end, *at, *colon;

	if (!auth)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	if (!at)
		return 0;
	colon = memchr(auth, ':', (size_t)(at - auth));
	return colon && colon + 1 < at;
}

/* libyaml's loader turns an alias (*a) into a second reference to its
 * anchor's node, so a 15-byte file (x: &a [*a, *a]) is a graph whose walk
 * never ends, and a billion laughs one that takes seconds. Settings need
 * no aliases: a node reached twice from the root is refused. Each node is
 * visited once, iteratively (no depth limit needed). */
struct node_walk {
	unsigned char *seen; /* by node index */
	int *todo;
	size_t ntodo, nnodes;
};

/* Queues node k; -1 (said) when it was reached before: an alias. */
static int walk_push(struct loader *L, struct node_walk *w, int k)
{
	if (k < 1 || (size_t)k > w->nnodes)
		return 0;
	if (w->seen[k])
		return fail_at(L, node_at(L, k), "YAML aliases (*name) are not supported here: "
			       "write the value out in full");
	w->seen[k] = 1;
	w->todo[w->ntodo++] = k;
	return 0;
}

static int refuse_aliases(struct loader *L)
{
	struct node_walk w = { .nnodes = (size_t)(L->doc.nodes.top - L->doc.nodes.start) };
	int ret = 0;

	if (!w.nnodes)
		return 0;
	w.seen = xcalloc(w.nnodes + 1, 1);
	w.todo = xcalloc(w.nnodes + 1, sizeof(*w.todo));
	ret = walk_push(L, &w, 1);
	while (w.ntodo && !ret) {
		yaml_node_t *n = node_at(L, w.todo[--w.ntodo]);
		yaml_node_item_t *it;
		yaml_node_pair_t *p;

		if (n && n->type == YAML_SEQUENCE_NODE)
			for (it = n->data.sequence.items.start;
			     !ret && it < n->data.sequence.items.top; it++)
				ret = walk_push(L, &w, *it);
		else if (n && n->type == YAML_MAPPING_NODE)
			for (p = n->data.mapping.pairs.start;
			     !ret && p < n->data.mapping.pairs.top; p++)
				ret = walk_push(L, &w, p->key) < 0 ? -1 : walk_push(L, &w, p->value);
	}
	free(w.seen);
	free(w.todo);
	return ret;
}

/* Does the subtree at idx hold anything secret? Sets *where to the node. */
static int holds_credentials(struct loader *L, int idx, int depth, const yaml_node_t **where)
{
	yaml_node_t *n = node_at(L, idx);
	yaml_node_pair_t *p;
	yaml_node_item_t *it;

	if (!n || depth > 64)
		return 0;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (uri_has_password(scalar(n)))
			return *where = n, 1;
		return 0;
	case YAML_SEQUENCE_NODE:
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			if (holds_credentials(L, *it, depth + 1, where))
				return 1;
		return 0;
	case YAML_MAPPING_NODE:
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node_at(L, p->key);
			if (k && k->type == YAML_SCALAR_NODE && is_secret_key(scalar(k)))
				return *where = k, 1;
			if (holds_credentials(L, p->key, depth + 1, where) ||
			    holds_credentials(L, p->value, depth + 1, where))
				return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* --- loading ------------------------------------------------------------- */

static int record_loaded(struct settings *cfg, const char *path)
{
	char **nl = realloc(cfg->loaded_files, (cfg->nloaded + 1) * sizeof(*nl));

	if (!nl)
		return -1;
	cfg->loaded_files = nl;
	nl[cfg->nloaded] = strdup(path);
	if (!nl[cfg->nloaded])
		return -1;
	cfg->nloaded++;
	return 0;
}

/* optional: a missing file is no error (the system and user files).
 * lines[0] and lines[1] get the lines of default_host and default_cloud
 * when this file set them. */
static int load_file(struct settings *cfg, const char *path, int optional,
		     unsigned long *lines, struct berr *err)
{
	struct loader L;
	yaml_parser_t parser;
	yaml_document_t extra;
	const yaml_node_t *secret = NULL;
	struct stat st;
	FILE *f = NULL;
	int fd, have_doc = 0, have_parser = 0, ret = -1;

	memset(&L, 0, sizeof(L));
	L.cfg = cfg;
	L.path = path;
	L.err = err;

	/* O_NONBLOCK: a FIFO's open() would wait for a writer for ever; the
	 * file is refused below unless it is a regular file, for which the
	 * flag means nothing. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return berr_set(err, BERR_LOCAL, "cannot read config file %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		berr_set(err, BERR_LOCAL, "cannot read config file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		berr_set(err, BERR_LOCAL, "cannot read config file %s: %s", path,
			 S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	f = fdopen(fd, "r");
	if (!f) {
		berr_set(err, BERR_LOCAL, "cannot read config file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}

	if (!yaml_parser_initialize(&parser)) {
		oom(&L);
		goto cleanup;
	}
	have_parser = 1;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &L.doc)) {
		berr_set(err, BERR_USAGE, "%s:%lu: YAML syntax error: %s%s%s", path,
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "unreadable",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		goto cleanup;
	}
	have_doc = 1;
	if (ferror(f)) {
		berr_set(err, BERR_LOCAL, "cannot read config file %s: %s", path, strerror(errno));
		goto cleanup;
	}

	/* A graph of aliases would make every walk below endless. */
	if (yaml_document_get_root_node(&L.doc) && refuse_aliases(&L) < 0)
		goto cleanup;
	/* Before anything else, so that a readable secret is refused even
	 * when the file has other faults too. */
	if (yaml_document_get_root_node(&L.doc) &&
	    holds_credentials(&L, 1, 0, &secret) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		berr_set(err, BERR_USAGE,
			 "%s holds credentials and is readable by others (mode %04o): chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		goto cleanup;
	}

	/* A second document would be silently ignored: say so instead. */
	if (!yaml_parser_load(&parser, &extra)) {
		berr_set(err, BERR_USAGE, "%s:%lu: YAML syntax error: %s%s%s", path,
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "unreadable",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		goto cleanup;
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&extra);
		unsigned long line = r ? node_line(r) : 0;
		yaml_document_delete(&extra);
		if (r) {
			berr_set(err, BERR_USAGE, "%s:%lu: a second YAML document ('---'): keep one", path, line);
			goto cleanup;
		}
	}

	if (load_root(&L, yaml_document_get_root_node(&L.doc)) < 0)
		goto cleanup;
	if (record_loaded(cfg, path) < 0) {
		oom(&L);
		goto cleanup;
	}
	if (lines) {
		lines[0] = L.default_host_line;
		lines[1] = L.default_cloud_line;
	}
	ret = 0;
cleanup:
	if (have_doc)
		yaml_document_delete(&L.doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

int settings_load_file(struct settings *cfg, const char *path, struct berr *err)
{
	berr_clear(err);
	return load_file(cfg, path, 0, NULL, err);
}

/* The docker CLI's variables, for the host "local". */
static int apply_environment(struct settings *cfg, struct berr *err)
{
	const char *docker_host = getenv("DOCKER_HOST");
	const char *tls_verify = getenv("DOCKER_TLS_VERIFY");
	const char *cert_path = getenv("DOCKER_CERT_PATH");
	const char *api = getenv("DOCKER_API_VERSION");
	const char *mongo = getenv("BERTH_MONGODB_URI");
	const char *mongo_db = getenv("BERTH_MONGODB_DATABASE");
	const char *owner = getenv("BERTH_OWNER");
	struct host_settings *local = settings_host_get(cfg, "local");

	if (!local)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (docker_host && *docker_host) {
		if (!valid_url(docker_host))
			return berr_set(err, BERR_USAGE,
					"DOCKER_HOST: unsupported URL '%s': use unix:///PATH or tcp://HOST:PORT",
					CUT(docker_host));
		if (replace_str(&local->url, docker_host) < 0)
			return berr_set(err, BERR_LOCAL, "out of memory");
		/* The config's TLS settings were for the config's URL. */
		free(local->tls_dir);
		local->tls_dir = NULL;
		local->tls_verify = 0;
		local->from_env = 1;
	}
	/* As for the docker CLI: any non-empty value turns verification
	 * on, and the certificates default to ~/.docker. */
	if (tls_verify && *tls_verify) {
		char *dir = cert_path && *cert_path ? path_expand_tilde(cert_path) : path_expand_tilde("~/.docker");
		if (!dir)
			return berr_set(err, BERR_LOCAL, "out of memory");
		free(local->tls_dir);
		local->tls_dir = dir;
		local->tls_verify = 1;
	} else if (local->from_env && strncmp(local->url, "unix://", 7) &&
		   strncmp(local->url, "https://", 8)) {
		/* As for the docker CLI, DOCKER_HOST=tcp://HOST:PORT without
		 * DOCKER_TLS_VERIFY is plain HTTP: the user asked for it. The
		 * shell warns once, unless --insecure says it is meant. */
		local->insecure = 1;
	}
	/* DOCKER_CERT_PATH alone turns nothing on, as for the docker CLI. */
	if (api && *api && replace_str(&cfg->api_version, api) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (mongo && *mongo && replace_str(&cfg->mongodb_uri, mongo) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (mongo_db && *mongo_db && replace_str(&cfg->mongodb_database, mongo_db) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (owner && *owner && replace_str(&cfg->owner, owner) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	return 0;
}

/* Where default_host and default_cloud were last set, for the messages
 * about them once every file is read. */
struct set_at {
	char *host_file, *cloud_file;
	unsigned long host_line, cloud_line;
};

/* path's file loaded, noting what it set in at. */
static int load_noting(struct settings *cfg, const char *path, int optional, struct set_at *at,
		       struct berr *err)
{
	unsigned long lines[2] = { 0, 0 };

	if (load_file(cfg, path, optional, lines, err) < 0)
		return -1;
	if (lines[0]) {
		at->host_line = lines[0];
		free(at->host_file);
		at->host_file = strdup(path);
	}
	if (lines[1]) {
		at->cloud_line = lines[1];
		free(at->cloud_file);
		at->cloud_file = strdup(path);
	}
	return 0;
}

/* default_host and default_cloud name what the files define. */
static int check_defaults(const struct settings *cfg, const struct set_at *at, struct berr *err)
{
	char known[512] = "";
	size_t i;

	if (!settings_find_host(cfg, cfg->default_host)) {
		for (i = 0; i < cfg->nhosts; i++) {
			if (i)
				strncat(known, ", ", sizeof(known) - strlen(known) - 1);
			strncat(known, cfg->hosts[i].name, sizeof(known) - strlen(known) - 1);
		}
		return berr_set(err, BERR_USAGE, "%s:%lu: default_host '%s' is not a configured host (known: %s)",
				at->host_file ? at->host_file : "config", at->host_line,
				CUT(cfg->default_host), known);
	}
	if (!cfg->default_cloud)
		return 0;
	for (i = 0; i < cfg->nclouds; i++) {
		if (!strcmp(cfg->clouds[i].name, cfg->default_cloud))
			return 0;
		if (i)
			strncat(known, ", ", sizeof(known) - strlen(known) - 1);
		strncat(known, cfg->clouds[i].name, sizeof(known) - strlen(known) - 1);
	}
	return berr_set(err, BERR_USAGE, "%s:%lu: default_cloud '%s' is not a profile of clouds: (%s%s)",
			at->cloud_file ? at->cloud_file : "config", at->cloud_line,
			CUT(cfg->default_cloud), cfg->nclouds ? "known: " : "there are none", known);
}

int settings_load(struct settings *cfg, const char *explicit_path, struct berr *err)
{
	struct set_at at = { NULL, NULL, 0, 0 };
	char *user = NULL;
	int ret = -1;

	berr_clear(err);
	settings_init(cfg);
	if (!cfg->hosts || !cfg->default_host || !cfg->owner || !cfg->hosts[0].url)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (!explicit_path) {
		const char *env = getenv("BERTH_CONFIG");
		if (env && *env)
			explicit_path = env;
	}
	if (explicit_path) {
		if (load_noting(cfg, explicit_path, 0, &at, err) < 0)
			goto cleanup;
	} else {
		if (load_noting(cfg, SYSCONFDIR "/berth.yaml", 1, &at, err) < 0)
			goto cleanup;
		user = xdg_path("config", "config.yaml");
		if (user && load_noting(cfg, user, 1, &at, err) < 0)
			goto cleanup;
	}
	if (apply_environment(cfg, err) < 0 || check_defaults(cfg, &at, err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(user);
	free(at.host_file);
	free(at.cloud_file);
	return ret;
}
