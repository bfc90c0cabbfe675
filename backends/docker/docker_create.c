/* docker_create.c: what POST /containers/create's body says of the
 * create options after the first ones: volumes and mounts, the process's
 * settings, networking, security, limits and the health check, with the
 * field names and shapes the docker CLI sends. */
#include "config.h"

#include <string.h>
#include "backends/docker/docker_internal.h"

/* s[0..n) as a JSON array of strings; NULL when a string is not UTF-8. */
static json_t *strings(const char *const *s, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(s[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

/* obj[key] = v (taken) unless v is NULL; -1 then. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

static int put_list(json_t *obj, const char *key, const char *const *s, size_t n)
{
	return n ? put(obj, key, strings(s, n)) : 0;
}

static int put_str(json_t *obj, const char *key, const char *s)
{
	return s ? put(obj, key, json_string(s)) : 0;
}

/* HostConfig.Mounts: [{"Type", "Source", "Target", "ReadOnly", "TmpfsOptions"}] */
static json_t *mounts_array(const struct mount_spec *m, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:b}", "Type", m[i].type, "Target", m[i].target,
				      "ReadOnly", m[i].read_only);

		int bad = !o;

		if (o && m[i].source && *m[i].source)
			bad = put(o, "Source", json_string(m[i].source)) < 0;
		if (o && !bad && (m[i].tmpfs_size || m[i].tmpfs_mode)) {
			json_t *t = json_object();
			if (t && m[i].tmpfs_size)
				json_object_set_new(t, "SizeBytes", json_integer(m[i].tmpfs_size));
			if (t && m[i].tmpfs_mode)
				json_object_set_new(t, "Mode", json_integer(m[i].tmpfs_mode));
			bad = put(o, "TmpfsOptions", t) < 0;
		}
		if (bad) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/* HostConfig.Tmpfs: {"/run": "size=64m"} */
static json_t *tmpfs_object(const char *const *t, size_t n)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && i < n; i++) {
		const char *colon = strchr(t[i], ':');
		char *path = colon ? strndup(t[i], (size_t)(colon - t[i])) : strdup(t[i]);

		if (!path || json_object_set_new(obj, path, json_string(colon ? colon + 1 : "")) < 0) {
			json_decref(obj);
			obj = NULL;
		}
		free(path);
	}
	return obj;
}

static json_t *ulimits_array(const struct ulimit_spec *u, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "Name", u[i].name,
							 "Soft", (json_int_t)u[i].soft,
							 "Hard", (json_int_t)u[i].hard)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

/* Healthcheck, as the CLI builds it: Test ["CMD-SHELL", cmd] or ["NONE"],
 * durations in nanoseconds. NULL in *out when none was asked for. */
static int healthcheck(const struct container_spec *s, json_t **out)
{
	json_t *h;

	*out = NULL;
	if (!s->health_cmd && !s->no_healthcheck && !s->health_interval_ns &&
	    !s->health_timeout_ns && !s->health_start_period_ns && !s->health_retries)
		return 0;
	if (!(h = json_object()))
		return -1;
	*out = h;
	if (s->no_healthcheck)
		return put(h, "Test", json_pack("[s]", "NONE"));
	if (s->health_cmd && put(h, "Test", json_pack("[s, s]", "CMD-SHELL", s->health_cmd)) < 0)
		return -1;
	if (s->health_interval_ns)
		json_object_set_new(h, "Interval", json_integer(s->health_interval_ns));
	if (s->health_timeout_ns)
		json_object_set_new(h, "Timeout", json_integer(s->health_timeout_ns));
	if (s->health_start_period_ns)
		json_object_set_new(h, "StartPeriod", json_integer(s->health_start_period_ns));
	if (s->health_retries)
		json_object_set_new(h, "Retries", json_integer(s->health_retries));
	return 0;
}

/* NetworkingConfig: the aliases in the network's endpoint. */
static json_t *networking(const struct container_spec *s)
{
	return json_pack("{s:{s:{s:o}}}", "EndpointsConfig", s->network, "Aliases",
			 strings(s->network_aliases, s->naliases));
}

static int process_fields(const struct container_spec *s, json_t *body)
{
	json_t *health = NULL;

	if (put_str(body, "WorkingDir", s->workdir) < 0 || put_str(body, "User", s->user) < 0 ||
	    put_str(body, "Hostname", s->hostname) < 0 ||
	    put_str(body, "StopSignal", s->stop_signal) < 0)
		return -1;
	/* the CLI's --entrypoint "" is [""]: the image's entrypoint dropped */
	if (s->entrypoint && put(body, "Entrypoint", json_pack("[s]", s->entrypoint)) < 0)
		return -1;
	if (s->has_stop_timeout && put(body, "StopTimeout", json_integer(s->stop_timeout)) < 0)
		return -1;
	if (healthcheck(s, &health) < 0) {
		json_decref(health);
		return -1;
	}
	if (health && put(body, "Healthcheck", health) < 0)
		return -1;
	if (s->network && s->naliases && put(body, "NetworkingConfig", networking(s)) < 0)
		return -1;
	return 0;
}

static int host_fields(const struct container_spec *s, json_t *host)
{
	if (put_list(host, "Binds", s->binds, s->nbinds) < 0 ||
	    (s->nmounts && put(host, "Mounts", mounts_array(s->mounts, s->nmounts)) < 0) ||
	    (s->ntmpfs && put(host, "Tmpfs", tmpfs_object(s->tmpfs, s->ntmpfs)) < 0) ||
	    put_str(host, "NetworkMode", s->network) < 0 ||
	    put_list(host, "CapAdd", s->cap_add, s->ncap_add) < 0 ||
	    put_list(host, "CapDrop", s->cap_drop, s->ncap_drop) < 0 ||
	    put_list(host, "SecurityOpt", s->security_opt, s->nsecurity_opt) < 0 ||
	    (s->nulimits && put(host, "Ulimits", ulimits_array(s->ulimits, s->nulimits)) < 0) ||
	    put_list(host, "ExtraHosts", s->extra_hosts, s->nextra_hosts) < 0 ||
	    put_list(host, "Dns", s->dns, s->ndns) < 0 ||
	    put_str(host, "CpusetCpus", s->cpuset_cpus) < 0)
		return -1;
	if ((s->init && put(host, "Init", json_true()) < 0) ||
	    (s->read_only && put(host, "ReadonlyRootfs", json_true()) < 0) ||
	    (s->shm_size && put(host, "ShmSize", json_integer(s->shm_size)) < 0) ||
	    (s->pids_limit && put(host, "PidsLimit", json_integer(s->pids_limit)) < 0) ||
	    (s->memory_swap && put(host, "MemorySwap", json_integer(s->memory_swap)) < 0))
		return -1;
	return 0;
}

int docker_create_more(const struct container_spec *spec, json_t *body, json_t *host)
{
	if (process_fields(spec, body) < 0 || host_fields(spec, host) < 0)
		return -1;
	return 0;
}
