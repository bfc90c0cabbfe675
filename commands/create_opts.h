/* create_opts.h: docker create's further options (volumes, mounts,
 * workdir, networking, security, limits, health check, files of env and
 * labels), shared by container create, template add and whatever else
 * takes create's options: declared once, checked once, turned into the
 * container_spec once. */
#ifndef BERTH_CREATE_OPTS_H
#define BERTH_CREATE_OPTS_H

#include <stddef.h>
#include "backends/backend.h"
#include "commands/cmd.h"

struct shell;
struct args;
struct string_list;

/* -h is --hostname here, as in docker create (--help keeps its long name). */
#define CREATE_MORE_OPTIONS \
	{ .short_name = 'v', .long_name = "volume", .type = OPT_LIST, .metavar = "SRC:DST[:ro]", \
	  .help = "mount a named volume or (absolute SRC) a path of the engine's machine" }, \
	{ .long_name = "mount", .type = OPT_LIST, .metavar = "type=bind|volume|tmpfs,...", \
	  .help = "mount as docker's --mount (source=, target=, readonly, tmpfs-size=)" }, \
	{ .long_name = "tmpfs", .type = OPT_LIST, .metavar = "PATH[:OPTIONS]", \
	  .help = "mount a tmpfs at PATH (size=64m,mode=1777)" }, \
	{ .short_name = 'w', .long_name = "workdir", .type = OPT_VALUE, .metavar = "DIR", \
	  .help = "the working directory inside the container" }, \
	{ .long_name = "entrypoint", .type = OPT_VALUE, .metavar = "CMD", \
	  .help = "run CMD instead of the image's entrypoint (\"\" clears it)" }, \
	{ .short_name = 'u', .long_name = "user", .type = OPT_VALUE, .metavar = "USER[:GROUP]", \
	  .help = "the user (name or UID) the command runs as" }, \
	{ .short_name = 'h', .long_name = "hostname", .type = OPT_VALUE, .metavar = "NAME", \
	  .help = "the container's host name" }, \
	{ .long_name = "network", .type = OPT_VALUE, .metavar = "NAME", \
	  .help = "connect to network NAME (bridge, host, none or a user network)" }, \
	{ .long_name = "network-alias", .type = OPT_LIST, .metavar = "ALIAS", \
	  .help = "another name the container has on its user network" }, \
	{ .long_name = "init", .type = OPT_FLAG, \
	  .help = "run an init process that reaps zombies and forwards signals" }, \
	{ .long_name = "read-only", .type = OPT_FLAG, \
	  .help = "mount the container's root filesystem read-only" }, \
	{ .long_name = "cap-add", .type = OPT_LIST, .metavar = "CAP", \
	  .help = "add a Linux capability (NET_ADMIN, ALL)" }, \
	{ .long_name = "cap-drop", .type = OPT_LIST, .metavar = "CAP", \
	  .help = "drop a Linux capability (CHOWN, ALL)" }, \
	{ .long_name = "security-opt", .type = OPT_LIST, .metavar = "OPTION", \
	  .help = "a security option (no-new-privileges, apparmor=PROFILE, seccomp=unconfined)" }, \
	{ .long_name = "ulimit", .type = OPT_LIST, .metavar = "NAME=SOFT[:HARD]", \
	  .help = "a resource limit (nofile=1024:2048)" }, \
	{ .long_name = "shm-size", .type = OPT_VALUE, .metavar = "SIZE", \
	  .help = "the size of /dev/shm (64m)" }, \
	{ .long_name = "pids-limit", .type = OPT_VALUE, .metavar = "N", \
	  .help = "at most N processes (-1: unlimited)" }, \
	{ .long_name = "memory-swap", .type = OPT_VALUE, .metavar = "SIZE", \
	  .help = "memory plus swap limit (-1: unlimited swap)" }, \
	{ .long_name = "cpuset-cpus", .type = OPT_VALUE, .metavar = "CPUS", \
	  .help = "the CPUs it may run on (0-3, 0,1)" }, \
	{ .long_name = "add-host", .type = OPT_LIST, .metavar = "HOST:IP", \
	  .help = "add a line to the container's /etc/hosts" }, \
	{ .long_name = "dns", .type = OPT_LIST, .metavar = "IP", \
	  .help = "a DNS server for the container" }, \
	{ .long_name = "stop-signal", .type = OPT_VALUE, .metavar = "SIGNAL", \
	  .help = "the signal that stops the container (SIGTERM)" }, \
	{ .long_name = "stop-timeout", .type = OPT_VALUE, .metavar = "SECONDS", \
	  .help = "how long stop waits before killing it" }, \
	{ .long_name = "health-cmd", .type = OPT_VALUE, .metavar = "CMD", \
	  .help = "the command that checks the container's health (a shell line)" }, \
	{ .long_name = "health-interval", .type = OPT_VALUE, .metavar = "DURATION", \
	  .help = "time between health checks (30s)" }, \
	{ .long_name = "health-timeout", .type = OPT_VALUE, .metavar = "DURATION", \
	  .help = "how long one health check may take" }, \
	{ .long_name = "health-retries", .type = OPT_VALUE, .metavar = "N", \
	  .help = "failed checks in a row that make it unhealthy" }, \
	{ .long_name = "health-start-period", .type = OPT_VALUE, .metavar = "DURATION", \
	  .help = "time to start before failed checks count" }, \
	{ .long_name = "no-healthcheck", .type = OPT_FLAG, \
	  .help = "turn off the image's health check" }, \
	{ .long_name = "env-file", .type = OPT_LIST, .metavar = "FILE", \
	  .help = "read environment variables from FILE (KEY=VALUE lines)", .kind = ARG_FILE }, \
	{ .long_name = "label-file", .type = OPT_LIST, .metavar = "FILE", \
	  .help = "read labels from FILE (KEY=VALUE lines)", .kind = ARG_FILE }

/* The same options as an array (OPT_END-terminated), for telling them
 * from the others. */
extern const struct opt_spec create_more_options[];
/* Whether long_name is one of them. */
int create_more_option(const char *long_name);

/* What spec borrows from for them; release with create_more_release. */
struct create_more {
	struct mount_spec *mounts; size_t nmounts; /* strings owned */
	struct ulimit_spec *ulimits; size_t nulimits; /* names owned */
	char **extra_hosts; size_t nextra_hosts;   /* "HOST:IP", owned */
	int binds;                                   /* bind mounts among them */
};

/*
 * Checks a's options of CREATE_MORE_OPTIONS (not the files: see
 * create_more_files) and, with spec not NULL, sets them in spec (which
 * then borrows from a and from x). CMD_OK; CMD_USAGE after one line
 * naming the bad value and what to write; CMD_ERROR out of memory.
 */
int create_more_parse(struct shell *sh, const struct args *a, struct container_spec *spec,
		      struct create_more *x);
void create_more_release(struct create_more *x);

/*
 * --env-file and --label-file: each file's KEY=VALUE lines (blank lines
 * and # comments skipped; an env KEY alone takes berth's own value when
 * it has one, a label file's is dropped, as docker does) pushed onto env and labels (NULL: only
 * checked). CMD_OK, or CMD_USAGE after naming the file and line.
 */
int create_more_files(struct shell *sh, const struct args *a, struct string_list *env,
		      struct string_list *labels);

#endif
