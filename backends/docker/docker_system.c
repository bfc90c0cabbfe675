/* docker_system.c: the whole engine's disk usage and prunes
 * (docker_objects.h), and what the volume and network calls share. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker_objects.h"
#include "backends/docker/docker_internal.h"

struct docker *docker_need(struct backend *b, struct berr *err)
{
	struct docker *d = docker_of(b);

	if (!d)
		berr_set(err, BERR_USAGE, "%s: not a Docker engine", b && b->name ? b->name : "host");
	return d;
}

int docker_prune_call(struct backend *b, const char *path, const char *const *filters,
		      size_t nfilters, json_t **report, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	char *full;
	int ret;

	*report = NULL;
	if (!d || !(full = docker_filtered_path(d, path, filters, nfilters, err)))
		return -1;
	/* deleting many takes the engine a while */
	ret = docker_call(d, "POST", full, NULL, report, DOCKER_LONG, err);
	free(full);
	if (ret == 0 && !json_is_object(*report)) {
		json_decref(*report);
		*report = NULL;
		return docker_malformed(d, path, err, "not a JSON object");
	}
	return ret;
}

int docker_system_df(struct backend *b, json_t **df, struct berr *err)
{
	struct docker *d = docker_need(b, err);

	*df = NULL;
	if (!d || docker_call(d, "GET", "/system/df", NULL, df, 0, err) < 0)
		return -1;
	if (!json_is_object(*df)) {
		json_decref(*df);
		*df = NULL;
		return docker_malformed(d, "GET /system/df", err, "not a JSON object");
	}
	return 0;
}

int docker_container_prune(struct backend *b, const char *const *filters, size_t nfilters,
			   json_t **report, struct berr *err)
{
	return docker_prune_call(b, "/containers/prune", filters, nfilters, report, err);
}

/* filters plus one more ("dangling=false", "all=true"), for the prunes
 * whose flag is a filter; NULL when out of memory. */
static const char **filters_plus(const char *const *filters, size_t n, const char *extra)
{
	const char **v = calloc(n + 1, sizeof(*v));

	if (v) {
		if (n)
			memcpy(v, filters, n * sizeof(*v));
		v[n] = extra;
	}
	return v;
}

int docker_prune_with(struct backend *b, const char *path, const char *extra,
		      const char *const *filters, size_t nfilters, json_t **report, struct berr *err)
{
	const char **v;
	int ret;

	if (!extra)
		return docker_prune_call(b, path, filters, nfilters, report, err);
	*report = NULL;
	if (!(v = filters_plus(filters, nfilters, extra)))
		return berr_set(err, BERR_LOCAL, "out of memory");
	ret = docker_prune_call(b, path, v, nfilters + 1, report, err);
	free(v);
	return ret;
}

int docker_image_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
		       json_t **report, struct berr *err)
{
	/* as the docker CLI says -a: not only the dangling ones */
	return docker_prune_with(b, "/images/prune", all ? "dangling=false" : NULL, filters, nfilters,
			  report, err);
}

int docker_build_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
		       json_t **report, struct berr *err)
{
	return docker_prune_call(b, all ? "/build/prune?all=1" : "/build/prune", filters, nfilters,
				 report, err);
}
