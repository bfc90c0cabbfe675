/* create_spec.h: what container create and template add both check and
 * build from the create options (--publish, --restart, ...), so that a
 * template is refused at add time for exactly what create would refuse. */
#ifndef BERTH_CREATE_SPEC_H
#define BERTH_CREATE_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include "backends/backend.h"
#include "commands/create_opts.h"

struct shell;
struct args;

/* The options container create and template add share, declared once so
 * that their names, value syntax and help stay the same in both. */
#define CREATE_SPEC_OPTIONS \
	{ .short_name = 'p', .long_name = "publish", .type = OPT_LIST, .metavar = "[IP:]HOST:CONTAINER[/PROTO]", \
	  .help = "publish a container port on the host" }, \
	{ .short_name = 'e', .long_name = "env", .type = OPT_LIST, .metavar = "KEY=VALUE", \
	  .help = "set an environment variable" }, \
	{ .short_name = 'l', .long_name = "label", .type = OPT_LIST, .metavar = "KEY=VALUE", \
	  .help = "set a label" }, \
	{ .short_name = 'm', .long_name = "memory", .type = OPT_VALUE, .metavar = "SIZE", \
	  .help = "memory limit (256m, 1g)" }, \
	{ .long_name = "cpus", .type = OPT_VALUE, .metavar = "N", .help = "CPU limit (1.5)" }, \
	{ .long_name = "restart", .type = OPT_VALUE, .metavar = "POLICY", \
	  .help = "no, always, unless-stopped or on-failure[:N]" }, \
	{ .long_name = "slots", .type = OPT_VALUE, .metavar = "N", \
	  .help = "slots of its host's capacity it takes (default 1)" }, \
	CREATE_MORE_OPTIONS

/* A list of owned strings. */
struct string_list {
	char **v;
	size_t n;
};

/* Takes s (frees it on failure; NULL counts as failure). 0 or -1. */
int sl_push(struct string_list *l, char *s);
void sl_release(struct string_list *l);

/* Published ports; every string is owned by the list (the struct's const
 * fields only say that the backend will not change them). */
struct port_list {
	struct port_binding *v;
	size_t n;
};

void ports_release(struct port_list *p);

/* [IP:]HOST:CONTAINER[/PROTO], CONTAINER[/PROTO], IP::CONTAINER; ranges
 * as docker takes them ("8000-8001:80-81"); an IPv6 address in brackets.
 * 0 ok, -1 malformed (usage), -2 out of memory, -3 more than PUBLISH_MAX
 * bindings in p (each --publish adds to the same list). */
#define PUBLISH_MAX 65535
int parse_publish(struct port_list *p, const char *spec);

/* Every --publish of a parsed into *ports (NULL: only checked). CMD_OK;
 * CMD_USAGE after saying which value is malformed and what to write
 * instead; CMD_ERROR when out of memory. */
int parse_publish_options(struct shell *sh, const struct args *a, struct port_list *ports);

/* --env and --label values: KEY=VALUE (or KEY alone), the key not empty.
 * CMD_OK, or CMD_USAGE after naming the first that is not. */
int check_key_value_options(struct shell *sh, const struct args *a);

/* A whole number from 1 to max (--slots, --count): 0, or -1 when s is
 * not one. */
int parse_positive(const char *s, int64_t max, int64_t *out);
#define SLOTS_MAX 1000000
#define COUNT_MAX 10000

/* no, always, unless-stopped, on-failure[:N]: 1 when valid. */
int valid_restart(const char *s);

/* container create --template NAME: *out becomes a's options and
 * positionals with the template's settings put first, as if they had been
 * typed before the command line's own (so lists append and scalars
 * replace); --template itself is left out. CMD_OK (release out with
 * args_release), or what the command returns (no such template, ...). */
int create_from_template(struct shell *sh, const struct args *a, struct args *out);

#endif
