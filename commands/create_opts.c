/* create_opts.c: docker create's further options, checked as the docker
 * CLI checks them and turned into the container_spec. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/create_opts.h"
#include "commands/create_spec.h"
#include "commands/args.h"
#include "commands/cmd.h"
#include "commands/context.h"
#include "lib/text.h"
#include "lib/units.h"
#include "lib/xalloc.h"

const struct opt_spec create_more_options[] = { CREATE_MORE_OPTIONS, OPT_END };

int create_more_option(const char *long_name)
{
	const struct opt_spec *o;

	for (o = create_more_options; o->long_name; o++)
		if (!strcmp(o->long_name, long_name))
			return 1;
	return 0;
}

void create_more_release(struct create_more *x)
{
	size_t i;

	for (i = 0; i < x->nmounts; i++) {
		free((char *)x->mounts[i].type);
		free((char *)x->mounts[i].source);
		free((char *)x->mounts[i].target);
	}
	free(x->mounts);
	for (i = 0; i < x->nulimits; i++)
		free((char *)x->ulimits[i].name);
	free(x->ulimits);
	for (i = 0; i < x->nextra_hosts; i++)
		free(x->extra_hosts[i]);
	free(x->extra_hosts);
	memset(x, 0, sizeof(*x));
}

/* --- small checks ----------------------------------------------------- */

/* A whole number, possibly negative, into *out: 0, or -1. */
static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

/* A volume's name as the engine takes it: [A-Za-z0-9][A-Za-z0-9_.-]+. */
static int volume_name(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

static int ip_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* ro, rw, z, Z, nocopy and the propagation modes, comma-separated. */
static int volume_mode(const char *s)
{
	static const char *const modes[] = {
		"ro", "rw", "z", "Z", "nocopy", "shared", "rshared", "slave", "rslave",
		"private", "rprivate", "consistent", "cached", "delegated", NULL
	};
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; modes[i] && (strlen(modes[i]) != n || strncmp(p, modes[i], n)); i++)
			;
		if (!modes[i])
			return 0;
		p += n;
		if (*p == ',' && *++p == '\0')
			return 0;
	}
	return p != s;
}

/* --- -v, --mount, --tmpfs ------------------------------------------------ */

static int check_volume(struct shell *sh, const char *v, struct create_more *x)
{
	const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *dst = c1 ? c1 + 1 : v;
	size_t dlen = c2 ? (size_t)(c2 - dst) : strlen(dst);

	if (c2 && strchr(c2 + 1, ':'))
		goto bad;
	if (dlen < 1 || dst[0] != '/')
		goto bad;
	if (c2 && !volume_mode(c2 + 1))
		return usage_error(sh, "invalid mode '%s' in --volume %s: use ro or rw (and z, Z, "
				   "nocopy, a propagation mode)", CUT(c2 + 1), CUT(v));
	if (c1 && v[0] == '/')
		x->binds++;
	else if (c1 && !volume_name(v, (size_t)(c1 - v)))
		return usage_error(sh, "invalid source '%.*s' in --volume: use a volume name or an "
				   "absolute path on the engine's machine", (int)(c1 - v), v);
	return CMD_OK;
bad:
	return usage_error(sh, "invalid --volume '%s': use SRC:DST[:ro] with DST an absolute path "
			   "(data:/data, /srv/www:/usr/share/nginx/html:ro)", CUT(v));
}

/* "readonly", "readonly=true|false|1|0": 0 or 1 into *out, -1 bad. */
static int bool_value(const char *v, int *out)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* One key=value of a --mount into m (strings duplicated). 0, -1 bad value,
 * -2 unknown key, -3 out of memory. */
static int mount_key(struct mount_spec *m, const char *key, const char *val)
{
	const char **slot = NULL;
	int64_t n;
	char *end;

	if (!strcmp(key, "type"))
		slot = &m->type;
	else if (!strcmp(key, "source") || !strcmp(key, "src"))
		slot = &m->source;
	else if (!strcmp(key, "target") || !strcmp(key, "destination") || !strcmp(key, "dst"))
		slot = &m->target;
	else if (!strcmp(key, "readonly") || !strcmp(key, "ro"))
		return bool_value(val, &m->read_only);
	else if (!strcmp(key, "tmpfs-size"))
		return val && parse_size(val, &n) == 0 && n > 0 ? (m->tmpfs_size = n, 0) : -1;
	else if (!strcmp(key, "tmpfs-mode")) {
		long mode = val && *val ? strtol(val, &end, 8) : -1;
		if (mode < 0 || mode > 07777 || *end)
			return -1;
		m->tmpfs_mode = (int)mode;
		return 0;
	} else
		return -2;
	if (!val)
		return -1;
	free((char *)*slot);
	return (*slot = strdup(val)) ? 0 : -3;
}

/* The last mount of x, as its word says, checked as the CLI does. */
static int parse_mount(struct shell *sh, const char *word, struct mount_spec *m,
		       struct create_more *x)
{
	char *copy = strdup(word), *p, *next;
	int ret = CMD_OK, r = 0;

	if (!copy)
		return error(sh, "out of memory");
	for (p = copy; p && ret == CMD_OK; p = next) {
		char *eq;

		if ((next = strchr(p, ',')))
			*next++ = '\0';
		if ((eq = strchr(p, '=')))
			*eq++ = '\0';
		r = mount_key(m, p, eq);
		if (r == -3)
			ret = error(sh, "out of memory");
		else if (r == -2)
			ret = usage_error(sh, "unknown key '%s' in --mount: use type, source, target, "
					  "readonly, tmpfs-size or tmpfs-mode", CUT(p));
		else if (r < 0)
			ret = usage_error(sh, "invalid value for %s in --mount %s", CUT(p), CUT(word));
	}
	free(copy);
	if (ret != CMD_OK)
		return ret;
	if (!m->type && !(m->type = strdup("volume")))
		return error(sh, "out of memory");
	if (strcmp(m->type, "bind") && strcmp(m->type, "volume") && strcmp(m->type, "tmpfs"))
		return usage_error(sh, "invalid type '%s' in --mount: use bind, volume or tmpfs",
				   CUT(m->type));
	if (!m->target || m->target[0] != '/')
		return usage_error(sh, "--mount %s needs target=PATH, an absolute path", CUT(word));
	if (!strcmp(m->type, "bind")) {
		if (!m->source || m->source[0] != '/')
			return usage_error(sh, "--mount type=bind needs source=PATH, an absolute path on "
					   "the engine's machine");
		x->binds++;
	} else if (!strcmp(m->type, "volume")) {
		if (m->source && !volume_name(m->source, strlen(m->source)))
			return usage_error(sh, "invalid volume name '%s' in --mount", CUT(m->source));
	} else if (m->source) {
		return usage_error(sh, "--mount type=tmpfs takes no source");
	}
	if (strcmp(m->type, "tmpfs") && (m->tmpfs_size || m->tmpfs_mode))
		return usage_error(sh, "tmpfs-size and tmpfs-mode are for --mount type=tmpfs");
	return CMD_OK;
}

static int parse_mounts(struct shell *sh, const struct args *a, struct create_more *x)
{
	const char *const *v;
	size_t n, i;
	int ret;

	v = args_list(a, "volume", &n);
	for (i = 0; i < n; i++)
		if ((ret = check_volume(sh, v[i], x)) != CMD_OK)
			return ret;
	v = args_list(a, "tmpfs", &n);
	for (i = 0; i < n; i++)
		if (v[i][0] != '/')
			return usage_error(sh, "invalid --tmpfs '%s': use PATH[:OPTIONS] with PATH "
					   "absolute (/run:size=64m)", CUT(v[i]));
	v = args_list(a, "mount", &n);
	if (n && !(x->mounts = calloc(n, sizeof(*x->mounts))))
		return error(sh, "out of memory");
	for (i = 0; i < n; i++) {
		x->nmounts++;
		if ((ret = parse_mount(sh, v[i], &x->mounts[i], x)) != CMD_OK)
			return ret;
	}
	return CMD_OK;
}

/* --- --ulimit, --add-host, --dns ------------------------------------------ */

static int parse_ulimits(struct shell *sh, const struct args *a, struct create_more *x)
{
	static const char *const names[] = {
		"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
		"nproc", "rss", "rtprio", "rttime", "sigpending", "stack", NULL
	};
	const char *const *v;
	size_t n, i, k;

	v = args_list(a, "ulimit", &n);
	if (n && !(x->ulimits = calloc(n, sizeof(*x->ulimits))))
		return error(sh, "out of memory");
	for (i = 0; i < n; i++) {
		struct ulimit_spec *u = &x->ulimits[x->nulimits];
		const char *eq = strchr(v[i], '='), *colon;
		char soft[32];

		for (k = 0; eq && names[k] && (strlen(names[k]) != (size_t)(eq - v[i]) ||
					       strncmp(names[k], v[i], (size_t)(eq - v[i]))); k++)
			;
		if (!eq || !names[k])
			return usage_error(sh, "invalid --ulimit '%s': use NAME=SOFT[:HARD] with NAME one "
					   "of nofile, nproc, core, memlock, stack, ...", CUT(v[i]));
		colon = strchr(eq + 1, ':');
		snprintf(soft, sizeof(soft), "%.*s", colon ? (int)(colon - eq - 1) : 31, eq + 1);
		if (parse_int(soft, &u->soft) < 0 || (colon && parse_int(colon + 1, &u->hard) < 0) ||
		    u->soft < -1 || (colon && (u->hard < -1 || (u->hard >= 0 && u->soft > u->hard))))
			return usage_error(sh, "invalid --ulimit '%s': SOFT and HARD are whole numbers, "
					   "SOFT no more than HARD", CUT(v[i]));
		if (!colon)
			u->hard = u->soft;
		if (!(u->name = strndup(v[i], (size_t)(eq - v[i]))))
			return error(sh, "out of memory");
		x->nulimits++;
	}
	return CMD_OK;
}

static int parse_hosts_dns(struct shell *sh, const struct args *a, struct create_more *x)
{
	const char *const *v;
	size_t n, i;

	v = args_list(a, "add-host", &n);
	if (n && !(x->extra_hosts = calloc(n, sizeof(*x->extra_hosts))))
		return error(sh, "out of memory");
	for (i = 0; i < n; i++) {
		/* docker's HOST:IP, or HOST=IP (an IPv6 address has colons) */
		size_t k = strcspn(v[i], "=:");
		const char *ip = v[i] + k + (v[i][k] != '\0');

		if (!k || !v[i][k] || (!ip_address(ip) && strcmp(ip, "host-gateway")))
			return usage_error(sh, "invalid --add-host '%s': use HOST:IP (db:10.0.0.5, "
					   "gw:host-gateway)", CUT(v[i]));
		if (!(x->extra_hosts[x->nextra_hosts] = xasprintf("%.*s:%s", (int)k, v[i], ip)))
			return error(sh, "out of memory");
		x->nextra_hosts++;
	}
	v = args_list(a, "dns", &n);
	for (i = 0; i < n; i++)
		if (!ip_address(v[i]))
			return usage_error(sh, "invalid --dns '%s': use an IP address", CUT(v[i]));
	return CMD_OK;
}

/* --- sizes, numbers and durations -------------------------------------- */

/* A --health-* duration into nanoseconds (0: not given). */
static int duration_ns(struct shell *sh, const struct args *a, const char *opt, int64_t *ns)
{
	const char *s = args_get(a, opt);
	int64_t ms;

	*ns = 0;
	if (!s)
		return CMD_OK;
	if (parse_duration_ms(s, &ms) < 0 || ms <= 0)
		return usage_error(sh, "invalid duration '%s' for --%s: use a number with ms, s, m or h "
				   "(500ms, 30s, 1m)", CUT(s), opt);
	*ns = ms * 1000000;
	return CMD_OK;
}

static int parse_health(struct shell *sh, const struct args *a, struct container_spec *s)
{
	const char *v;
	int ret;

	if ((ret = duration_ns(sh, a, "health-interval", &s->health_interval_ns)) != CMD_OK ||
	    (ret = duration_ns(sh, a, "health-timeout", &s->health_timeout_ns)) != CMD_OK ||
	    (ret = duration_ns(sh, a, "health-start-period", &s->health_start_period_ns)) != CMD_OK)
		return ret;
	if ((v = args_get(a, "health-retries")) &&
	    (parse_int(v, &s->health_retries) < 0 || s->health_retries < 1))
		return usage_error(sh, "invalid value '%s' for --health-retries: use a whole number "
				   "from 1", CUT(v));
	s->health_cmd = args_get(a, "health-cmd");
	s->no_healthcheck = args_has(a, "no-healthcheck");
	if (s->no_healthcheck && (s->health_cmd || s->health_interval_ns || s->health_timeout_ns ||
				  s->health_start_period_ns || s->health_retries))
		return usage_error(sh, "--no-healthcheck conflicts with the --health-* options");
	return CMD_OK;
}

static int parse_limits(struct shell *sh, const struct args *a, struct container_spec *s)
{
	const char *v;
	size_t i;

	if ((v = args_get(a, "shm-size")) && (parse_size(v, &s->shm_size) < 0 || s->shm_size <= 0))
		return usage_error(sh, "invalid size '%s' for --shm-size: use a number with k, m or g "
				   "(64m)", CUT(v));
	if ((v = args_get(a, "pids-limit")) &&
	    (parse_int(v, &s->pids_limit) < 0 || s->pids_limit < -1 || s->pids_limit == 0))
		return usage_error(sh, "invalid value '%s' for --pids-limit: use a whole number from 1, "
				   "or -1 for no limit", CUT(v));
	if ((v = args_get(a, "memory-swap"))) {
		if (!strcmp(v, "-1"))
			s->memory_swap = -1;
		else if (parse_size(v, &s->memory_swap) < 0 || s->memory_swap <= 0)
			return usage_error(sh, "invalid size '%s' for --memory-swap: use a number with "
					   "k, m or g, or -1 for unlimited swap", CUT(v));
	}
	if ((v = args_get(a, "cpuset-cpus"))) {
		for (i = 0; v[i] && (isdigit((unsigned char)v[i]) || v[i] == ',' || v[i] == '-'); i++)
			;
		if (!*v || v[i] || !isdigit((unsigned char)v[0]))
			return usage_error(sh, "invalid value '%s' for --cpuset-cpus: use CPU numbers "
					   "and ranges (0-3, 0,2)", CUT(v));
		s->cpuset_cpus = v;
	}
	if ((v = args_get(a, "stop-timeout"))) {
		if (parse_int(v, &s->stop_timeout) < 0 || s->stop_timeout < -1 ||
		    s->stop_timeout > 1000000000)
			return usage_error(sh, "invalid value '%s' for --stop-timeout: use a number of "
					   "seconds (-1: wait for ever)", CUT(v));
		s->has_stop_timeout = 1;
	}
	if ((v = args_get(a, "stop-signal"))) {
		for (i = 0; v[i] && (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-'); i++)
			;
		if (!*v || v[i])
			return usage_error(sh, "invalid signal '%s' for --stop-signal: use a name or "
					   "number (SIGTERM, SIGQUIT, 3)", CUT(v));
		s->stop_signal = v;
	}
	return CMD_OK;
}

/* --- all of them ---------------------------------------------------------- */

int create_more_parse(struct shell *sh, const struct args *a, struct container_spec *spec,
		      struct create_more *x)
{
	struct container_spec scratch;
	struct container_spec *s = spec ? spec : &scratch;
	const char *v;
	int ret;

	memset(x, 0, sizeof(*x));
	if (!spec)
		memset(&scratch, 0, sizeof(scratch));
	if ((ret = parse_mounts(sh, a, x)) != CMD_OK || (ret = parse_ulimits(sh, a, x)) != CMD_OK ||
	    (ret = parse_hosts_dns(sh, a, x)) != CMD_OK || (ret = parse_health(sh, a, s)) != CMD_OK ||
	    (ret = parse_limits(sh, a, s)) != CMD_OK)
		return ret;
	if ((v = args_get(a, "workdir")) && v[0] != '/')
		return usage_error(sh, "invalid --workdir '%s': use an absolute path", CUT(v));
	s->workdir = v;
	s->network = args_get(a, "network");
	s->network_aliases = args_list(a, "network-alias", &s->naliases);
	if (s->naliases && !s->network)
		return usage_error(sh, "--network-alias needs --network NAME (a user network)");
	if (s->network && !*s->network)
		return usage_error(sh, "--network needs a NAME (bridge, host, none or a user network)");
	s->binds = args_list(a, "volume", &s->nbinds);
	s->mounts = x->mounts;
	s->nmounts = x->nmounts;
	s->tmpfs = args_list(a, "tmpfs", &s->ntmpfs);
	s->entrypoint = args_get(a, "entrypoint");
	s->user = args_get(a, "user");
	s->hostname = args_get(a, "hostname");
	s->init = args_has(a, "init");
	s->read_only = args_has(a, "read-only");
	s->cap_add = args_list(a, "cap-add", &s->ncap_add);
	s->cap_drop = args_list(a, "cap-drop", &s->ncap_drop);
	s->security_opt = args_list(a, "security-opt", &s->nsecurity_opt);
	s->ulimits = x->ulimits;
	s->nulimits = x->nulimits;
	s->extra_hosts = (const char *const *)x->extra_hosts;
	s->nextra_hosts = x->nextra_hosts;
	s->dns = args_list(a, "dns", &s->ndns);
	return CMD_OK;
}

/* --- --env-file, --label-file ------------------------------------------- */

/* One file's lines onto l (NULL: only checked); env: a KEY alone takes
 * berth's own value when it has one. */
static int read_kv_file(struct shell *sh, const char *opt, const char *path, int env,
			struct string_list *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int ret = CMD_OK;

	if (!f)
		return usage_error(sh, "cannot read %s for --%s: %s", CUT(path), opt, strerror(errno));
	while (ret == CMD_OK && (len = getline(&line, &cap, f)) >= 0) {
		char *p = line, *eq;
		const char *val;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (eq == p || strcspn(p, " \t") < (eq ? (size_t)(eq - p) : strlen(p))) {
			ret = usage_error(sh, "%s:%zu: invalid line for --%s: use KEY=VALUE, the key "
					  "without spaces", CUT(path), lineno, opt);
			break;
		}
		if (!l)
			continue;
		if (eq)
			ret = sl_push(l, strdup(p)) < 0 ? error(sh, "out of memory") : CMD_OK;
		else if (env && (val = getenv(p)))
			ret = sl_push(l, xasprintf("%s=%s", p, val)) < 0 ? error(sh, "out of memory") : CMD_OK;
		else if (env)
			ret = sl_push(l, strdup(p)) < 0 ? error(sh, "out of memory") : CMD_OK;
		/* a label file's KEY alone is dropped, as the docker CLI drops it */
	}
	free(line);
	fclose(f);
	return ret;
}

int create_more_files(struct shell *sh, const struct args *a, struct string_list *env,
		      struct string_list *labels)
{
	const char *const *v;
	size_t n, i;
	int ret;

	v = args_list(a, "env-file", &n);
	for (i = 0; i < n; i++)
		if ((ret = read_kv_file(sh, "env-file", v[i], 1, env)) != CMD_OK)
			return ret;
	v = args_list(a, "label-file", &n);
	for (i = 0; i < n; i++)
		if ((ret = read_kv_file(sh, "label-file", v[i], 0, labels)) != CMD_OK)
			return ret;
	return CMD_OK;
}
