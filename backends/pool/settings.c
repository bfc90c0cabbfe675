/* settings.c: the settings struct: defaults, lookup, release. The files
 * and the environment are read by shell/settings.c. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/pool/settings.h"
#include "lib/xalloc.h"

#define DEFAULT_LOCAL_URL "unix:///var/run/docker.sock"

void settings_host_clear(struct host_settings *h)
{
	free(h->name);
	free(h->url);
	free(h->tls_dir);
	memset(h, 0, sizeof(*h));
}

/* The position of host name, through the index (built here when the hosts
 * changed since: a linear search per lookup is quadratic over 100,000
 * hosts). The index is a cache, not the settings' meaning: it may be built
 * in a const settings. */
static int host_pos(const struct settings *cfg, const char *name, size_t *pos)
{
	struct strindex *ix = (struct strindex *)&cfg->host_ix;
	size_t i;

	if (!name)
		return 0;
	if (!ix->n)
		for (i = 0; i < cfg->nhosts; i++)
			strindex_add(ix, cfg->hosts[i].name, i);
	return strindex_find(ix, name, pos);
}

struct host_settings *settings_host_get(struct settings *cfg, const char *name)
{
	size_t i;

	return host_pos(cfg, name, &i) ? &cfg->hosts[i] : NULL;
}

/* The entry for name, emptied if it existed, appended if not. */
struct host_settings *settings_host_fresh(struct settings *cfg, const char *name, size_t nsearch)
{
	struct host_settings *h = NULL;
	size_t i;

	strindex_clear(&cfg->host_ix); /* names change below */
	for (i = 0; i < nsearch && i < cfg->nhosts; i++)
		if (strcmp(cfg->hosts[i].name, name) == 0)
			h = &cfg->hosts[i];
	if (h) {
		settings_host_clear(h);
	} else {
		/* settings_init's one entry, then powers of two */
		cfg->hosts = xgrow(cfg->hosts, cfg->nhosts, cfg->nhosts + 1, sizeof(*cfg->hosts));
		h = &cfg->hosts[cfg->nhosts++];
		memset(h, 0, sizeof(*h));
	}
	h->name = strdup(name);
	if (!h->name)
		return NULL;
	return h;
}

/* user@hostname: who berth's containers belong to unless owner: says. */
static char *default_owner(void)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256], *s = NULL;

	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&s, "%s@%s", pw && pw->pw_name ? pw->pw_name : "unknown", host) < 0)
		return NULL;
	return s;
}

void settings_init(struct settings *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->connect_timeout_ms = 5000;
	cfg->request_timeout_ms = 10000;
	cfg->idle_timeout_ms = 10000;
	cfg->default_host = strdup("local");
	cfg->owner = default_owner();
	cfg->pool_error_threshold = 3;
	cfg->pool_concurrency = 32;
	cfg->pool_policy = strdup("least-loaded");
	cfg->pool_slot_memory = (int64_t)512 << 20;
	cfg->autoscale.max_hosts = 10;
	cfg->autoscale.idle_after_ms = 30 * 60 * 1000;
	cfg->autoscale.spawn_step = 2;
	cfg->hosts = calloc(1, sizeof(*cfg->hosts));
	if (cfg->hosts) {
		cfg->hosts[0].name = strdup("local");
		cfg->hosts[0].url = strdup(DEFAULT_LOCAL_URL);
		cfg->nhosts = 1;
	}
}

void settings_release(struct settings *cfg)
{
	size_t i;

	strindex_clear(&cfg->host_ix);
	for (i = 0; i < cfg->nhosts; i++)
		settings_host_clear(&cfg->hosts[i]);
	free(cfg->hosts);
	free(cfg->default_host);
	free(cfg->api_version);
	free(cfg->mongodb_uri);
	free(cfg->mongodb_database);
	free(cfg->owner);
	free(cfg->pool_policy);
	free(cfg->image_dir);
	free(cfg->autoscale.cloud);
	for (i = 0; i < cfg->nclouds; i++)
		cloud_profile_release(&cfg->clouds[i]);
	free(cfg->clouds);
	free(cfg->default_cloud);
	for (i = 0; i < cfg->nloaded; i++)
		free(cfg->loaded_files[i]);
	free(cfg->loaded_files);
	/* Zeroed, so a second release (an error path that already released)
	 * is harmless. */
	memset(cfg, 0, sizeof(*cfg));
}

const struct host_settings *settings_find_host(const struct settings *cfg, const char *name)
{
	size_t i;

	return host_pos(cfg, name, &i) ? &cfg->hosts[i] : NULL;
}
