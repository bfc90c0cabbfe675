/* docker_objects.h: the Docker Engine's volumes, networks and disk usage.
 *
 * Calls on a backend of the docker kind (docker_backend_new()); another
 * kind fails with BERR_USAGE. As the backend ops (backends/backend.h):
 * 0, or -1 with err filled ("HOST: message", BERR_NOT_FOUND for a 404,
 * BERR_CONFLICT for a 409); json_t results are the caller's. Filters are
 * "KEY=VALUE" strings as docker's --filter takes them ("label=a=b",
 * "dangling=true", "until=24h"), sent as the engine's filters query.
 *
 * Implemented in docker_volume.c, docker_network.c and docker_system.c.
 */
#ifndef BERTH_DOCKER_OBJECTS_H
#define BERTH_DOCKER_OBJECTS_H

#include <stddef.h>
#include <jansson.h>
#include "backends/backend.h"

/* --- volumes (docker_volume.c) ------------------------------------------ */

struct volume_spec {
	const char *name;                          /* NULL or "": the engine picks one */
	const char *driver;                        /* NULL: "local" */
	const char *const *labels; size_t nlabels; /* "K=V" ("K" alone: empty value) */
	const char *const *opts;   size_t nopts;   /* driver options "K=V" */
};

/* POST /volumes/create: *vol (may be NULL) gets the volume's object
 * ("Name", "Driver", "Mountpoint", "Labels", ...). An existing volume of
 * that name is no error: the engine returns it as it is. */
int docker_volume_create(struct backend *b, const struct volume_spec *spec, json_t **vol,
			 struct berr *err);
/* GET /volumes: *list gets the "Volumes" array (never NULL on success). */
int docker_volume_list(struct backend *b, const char *const *filters, size_t nfilters,
		       json_t **list, struct berr *err);
int docker_volume_inspect(struct backend *b, const char *name, json_t **vol, struct berr *err);
/* DELETE /volumes/NAME (force: even when in use by a stopped container). */
int docker_volume_delete(struct backend *b, const char *name, int force, struct berr *err);
/* POST /volumes/prune: *report gets {"VolumesDeleted": [...], "SpaceReclaimed": N}.
 * Since API 1.42 the engine prunes anonymous volumes only unless all (the
 * filter all=true, as docker volume prune -a sends); before, it prunes
 * every unused volume whatever all says. */
int docker_volume_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
			json_t **report, struct berr *err);

/* --- networks (docker_network.c) ---------------------------------------- */

struct network_spec {
	const char *name;
	const char *driver;                        /* NULL: the engine's default (bridge) */
	const char *subnet;                        /* "10.9.0.0/24" or NULL */
	const char *gateway;                       /* NULL: the engine picks (needs subnet) */
	const char *const *labels; size_t nlabels; /* "K=V" */
	const char *const *opts;   size_t nopts;   /* driver options "K=V" */
};

/* POST /networks/create: *id (may be NULL) gets the new network's ID
 * (caller frees). A network of that name already there is BERR_CONFLICT. */
int docker_network_create(struct backend *b, const struct network_spec *spec, char **id,
			  struct berr *err);
/* GET /networks: the engine's array. */
int docker_network_list(struct backend *b, const char *const *filters, size_t nfilters,
			json_t **list, struct berr *err);
/* GET /networks/REF (ID, prefix or name). */
int docker_network_inspect(struct backend *b, const char *ref, json_t **net, struct berr *err);
int docker_network_delete(struct backend *b, const char *ref, struct berr *err);
/* POST /networks/REF/connect: container joins with the aliases given. */
int docker_network_connect(struct backend *b, const char *ref, const char *container,
			   const char *const *aliases, size_t naliases, struct berr *err);
/* POST /networks/REF/disconnect. */
int docker_network_disconnect(struct backend *b, const char *ref, const char *container,
			      int force, struct berr *err);
/* POST /networks/prune: *report gets {"NetworksDeleted": [...]}. */
int docker_network_prune(struct backend *b, const char *const *filters, size_t nfilters,
			 json_t **report, struct berr *err);

/* --- the whole engine (docker_system.c) --------------------------------- */

/* GET /system/df: {"LayersSize", "Images", "Containers", "Volumes", "BuildCache"}. */
int docker_system_df(struct backend *b, json_t **df, struct berr *err);
/* POST /containers/prune: {"ContainersDeleted": [...], "SpaceReclaimed": N}. */
int docker_container_prune(struct backend *b, const char *const *filters, size_t nfilters,
			   json_t **report, struct berr *err);
/* POST /images/prune: dangling images, or with all every unused one:
 * {"ImagesDeleted": [{"Untagged"|"Deleted": ...}], "SpaceReclaimed": N}. */
int docker_image_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
		       json_t **report, struct berr *err);
/* POST /build/prune: {"CachesDeleted": [...], "SpaceReclaimed": N}. */
int docker_build_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
		       json_t **report, struct berr *err);

#endif
