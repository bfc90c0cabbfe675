/* docker_volume.c: the engine's volumes (docker_objects.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker_objects.h"
#include "backends/docker/docker_internal.h"

int docker_volume_create(struct backend *b, const struct volume_spec *spec, json_t **vol,
			 struct berr *err)
{
	struct docker *d = docker_need(b, err);
	json_t *body = NULL, *reply = NULL;
	int ret = -1;

	if (vol)
		*vol = NULL;
	if (!d)
		return -1;
	body = json_pack("{s:s, s:o, s:o}", "Driver", spec->driver && *spec->driver ? spec->driver : "local",
			 "Labels", docker_kv_object(spec->labels, spec->nlabels),
			 "DriverOpts", docker_kv_object(spec->opts, spec->nopts));
	if (body && spec->name && *spec->name &&
	    json_object_set_new(body, "Name", json_string(spec->name)) < 0) {
		json_decref(body);
		body = NULL;
	}
	if (!body)
		return berr_set(err, BERR_USAGE, "%s: the volume's name, labels or options are not "
				"valid UTF-8", d->base.name);
	if (docker_call(d, "POST", "/volumes/create", body, &reply, 0, err) < 0)
		goto cleanup;
	if (!json_is_string(json_object_get(reply, "Name"))) {
		docker_malformed(d, "POST /volumes/create", err, "no volume name");
		goto cleanup;
	}
	if (vol) {
		*vol = reply;
		reply = NULL;
	}
	ret = 0;
cleanup:
	json_decref(body);
	json_decref(reply);
	return ret;
}

int docker_volume_list(struct backend *b, const char *const *filters, size_t nfilters,
		       json_t **list, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	json_t *reply = NULL, *vols;
	char *path;
	int ret = -1;

	*list = NULL;
	if (!d || !(path = docker_filtered_path(d, "/volumes", filters, nfilters, err)))
		return -1;
	if (docker_call(d, "GET", path, NULL, &reply, 0, err) < 0)
		goto cleanup;
	vols = json_object_get(reply, "Volumes");
	/* an engine with none may say null */
	if (json_is_null(vols) || !vols) {
		*list = json_array();
	} else if (json_is_array(vols)) {
		*list = json_incref(vols);
	} else {
		docker_malformed(d, "GET /volumes", err, "Volumes is not an array");
		goto cleanup;
	}
	ret = *list ? 0 : berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
cleanup:
	json_decref(reply);
	free(path);
	return ret;
}

/* GET or DELETE /volumes/NAME */
static int volume_call(struct backend *b, const char *method, const char *name, const char *query,
		       json_t **out, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	char *path;
	int ret;

	if (!d)
		return -1;
	if (!(path = docker_object_path("/volumes/", name, query)))
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	ret = docker_call(d, method, path, NULL, out, 0, err);
	free(path);
	return ret;
}

int docker_volume_inspect(struct backend *b, const char *name, json_t **vol, struct berr *err)
{
	*vol = NULL;
	return volume_call(b, "GET", name, "", vol, err);
}

int docker_volume_delete(struct backend *b, const char *name, int force, struct berr *err)
{
	return volume_call(b, "DELETE", name, force ? "?force=1" : "", NULL, err);
}

int docker_volume_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
			json_t **report, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	int rc;

	*report = NULL;
	if (!d || (rc = all ? docker_api_at_least(d, "1.42", err) : 0) < 0)
		return -1;
	return docker_prune_with(b, "/volumes/prune", rc ? "all=true" : NULL, filters, nfilters,
				 report, err);
}
