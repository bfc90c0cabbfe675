/* docker_network.c: the engine's networks (docker_objects.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker_objects.h"
#include "backends/docker/docker_internal.h"

/* {"Driver": "default", "Config": [{"Subnet": ..., "Gateway": ...}]} */
static json_t *ipam_object(const struct network_spec *spec)
{
	json_t *cfg = json_object(), *ipam;

	if (cfg && spec->subnet)
		json_object_set_new(cfg, "Subnet", json_string(spec->subnet));
	if (cfg && spec->gateway)
		json_object_set_new(cfg, "Gateway", json_string(spec->gateway));
	ipam = json_pack("{s:s, s:[o]}", "Driver", "default", "Config", cfg);
	if (ipam && !spec->subnet && !spec->gateway)
		json_object_set_new(ipam, "Config", json_array());
	return ipam;
}

int docker_network_create(struct backend *b, const struct network_spec *spec, char **id,
			  struct berr *err)
{
	struct docker *d = docker_need(b, err);
	json_t *body, *reply = NULL;
	const char *nid;
	int ret = -1;

	if (id)
		*id = NULL;
	if (!d)
		return -1;
	body = json_pack("{s:s?, s:s, s:b, s:o, s:o, s:o}", "Name", spec->name,
			 "Driver", spec->driver && *spec->driver ? spec->driver : "bridge",
			 "CheckDuplicate", 1, "IPAM", ipam_object(spec),
			 "Labels", docker_kv_object(spec->labels, spec->nlabels),
			 "Options", docker_kv_object(spec->opts, spec->nopts));
	if (!body)
		return berr_set(err, BERR_USAGE, "%s: the network's name, labels or options are "
				"not valid UTF-8", d->base.name);
	if (docker_call(d, "POST", "/networks/create", body, &reply, 0, err) < 0)
		goto cleanup;
	if (!(nid = json_string_value(json_object_get(reply, "Id")))) {
		docker_malformed(d, "POST /networks/create", err, "no network ID");
		goto cleanup;
	}
	if (id && !(*id = strdup(nid))) {
		berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	json_decref(body);
	json_decref(reply);
	return ret;
}

int docker_network_list(struct backend *b, const char *const *filters, size_t nfilters,
			json_t **list, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	char *path;
	int ret;

	*list = NULL;
	if (!d || !(path = docker_filtered_path(d, "/networks", filters, nfilters, err)))
		return -1;
	ret = docker_call(d, "GET", path, NULL, list, 0, err);
	free(path);
	if (ret == 0 && !json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		return docker_malformed(d, "GET /networks", err, "not a JSON array");
	}
	return ret;
}

/* method /networks/REF[suffix] with body */
static int network_call(struct backend *b, const char *method, const char *ref, const char *suffix,
			json_t *body, json_t **out, struct berr *err)
{
	struct docker *d = docker_need(b, err);
	char *path;
	int ret;

	if (!d)
		return -1;
	if (!(path = docker_object_path("/networks/", ref, suffix)))
		return berr_set(err, BERR_LOCAL, "%s: out of memory", d->base.name);
	ret = docker_call(d, method, path, body, out, 0, err);
	free(path);
	return ret;
}

int docker_network_inspect(struct backend *b, const char *ref, json_t **net, struct berr *err)
{
	*net = NULL;
	return network_call(b, "GET", ref, "", NULL, net, err);
}

int docker_network_delete(struct backend *b, const char *ref, struct berr *err)
{
	return network_call(b, "DELETE", ref, "", NULL, NULL, err);
}

int docker_network_connect(struct backend *b, const char *ref, const char *container,
			   const char *const *aliases, size_t naliases, struct berr *err)
{
	json_t *body = json_pack("{s:s, s:{s:o}}", "Container", container, "EndpointConfig",
				 "Aliases", docker_string_array(aliases, naliases));
	int ret;

	if (!body)
		return berr_set(err, BERR_USAGE, "%s: the container or an alias is not valid UTF-8",
				b->name);
	ret = network_call(b, "POST", ref, "/connect", body, NULL, err);
	json_decref(body);
	return ret;
}

int docker_network_disconnect(struct backend *b, const char *ref, const char *container,
			      int force, struct berr *err)
{
	json_t *body = json_pack("{s:s, s:b}", "Container", container, "Force", force);
	int ret;

	if (!body)
		return berr_set(err, BERR_USAGE, "%s: the container is not valid UTF-8", b->name);
	ret = network_call(b, "POST", ref, "/disconnect", body, NULL, err);
	json_decref(body);
	return ret;
}

int docker_network_prune(struct backend *b, const char *const *filters, size_t nfilters,
			 json_t **report, struct berr *err)
{
	return docker_prune_call(b, "/networks/prune", filters, nfilters, report, err);
}
