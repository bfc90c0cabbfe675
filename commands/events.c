/* events.c: events, the engine events of every target host as they come.
 *
 * One stream per host, all at once (backend_events); each line names its
 * host. A host whose stream drops is reported on stderr and reconnected
 * with backoff, from its last event on; Ctrl-C ends the command. With
 * --until the command ends when every stream has reached it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "lib/jsonval.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/units.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "backends/backend.h"
#include "backends/pool/pool.h"

static int exec_events(struct shell *sh, struct args *a);

static const struct opt_spec events_opts[] = {
	{ .long_name = "since", .type = OPT_VALUE, .metavar = "TIME",
	  .help = "replay events from TIME (RFC 3339, Unix seconds, or 10m ago) on" },
	{ .long_name = "until", .type = OPT_VALUE, .metavar = "TIME",
	  .help = "end at TIME instead of following until Ctrl-C" },
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "KEY=VALUE",
	  .help = "only these events (type=container, event=start, container=NAME, label=K=V, ...)" },
	OPT_END
};
const struct cmd_entry cmd_events_entry = {
	.noun = "events",
	.options = events_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "stream the engine events of every host, each line with its host",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_events,
};

/* TIME as the engine takes it: "1733390000" or "1733390000.25". NULL when
 * it is none of RFC 3339, Unix seconds, or a duration (that long ago). */
static char *engine_time(const char *v)
{
	const char *p = v;
	int64_t ms;
	time_t t;

	while (isdigit((unsigned char)*p))
		p++;
	if (p > v && *p == '.' && isdigit((unsigned char)p[1]) &&
	    strspn(p + 1, "0123456789") == strlen(p + 1))
		return xstrdup(v);
	if (p > v && !*p)
		return xstrdup(v);
	if (parse_rfc3339(v, &t) == 0)
		return xasprintf("%lld", (long long)t);
	if (parse_duration_ms(v, &ms) == 0)
		return xasprintf("%lld", (long long)(time(NULL) - ms / 1000));
	return NULL;
}

struct events_out {
	struct shell *sh;
	struct pool_targets *t;
	struct backend **bs;
	size_t *idx;       /* bs[i] is t->v[idx[i]] */
	int json;
	int width;         /* of the widest host name */
	size_t failed;
	char *lost;
};

/* "2024-05-01T10:20:30.123456789Z" from the event's timeNano. */
static void event_time(const json_t *msg, char *buf, size_t size)
{
	int64_t nano = jint(msg, "timeNano");
	time_t s = nano ? (time_t)(nano / 1000000000) : (time_t)jint(msg, "time");
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lldZ", base, (long long)(nano % 1000000000));
}

/* The line docker events prints, after the host. */
static int print_event(struct events_out *o, const char *host, const json_t *msg)
{
	const json_t *actor = json_object_get(msg, "Actor");
	const json_t *attrs = json_object_get(actor, "Attributes");
	const char *key;
	json_t *v;
	char when[64];
	char *list = NULL;
	int rc;

	event_time(msg, when, sizeof(when));
	json_object_foreach((json_t *)attrs, key, v)
		xstrjoinf(&list, ", ", "%s=%s", key, json_string_value(v) ? json_string_value(v) : "");
	rc = out_printf(o->sh, "%-*s  %s %s %s %s%s%s%s\n", o->width, host, when,
			jstr(msg, "Type") ? jstr(msg, "Type") : "?",
			jstr(msg, "Action") ? jstr(msg, "Action") : "?",
			jstr(actor, "ID") ? jstr(actor, "ID") : "", list ? " (" : "",
			list ? list : "", list ? ")" : "");
	free(list);
	return rc;
}

static int on_event(void *ud, const struct backend_event *ev)
{
	struct events_out *o = ud;
	const char *host = o->bs[ev->host]->name;
	int rc = 0;

	switch (ev->kind) {
	case BACKEND_EVENT_MESSAGE:
		if (o->json) {
			json_t *doc = json_deep_copy(ev->msg);

			json_object_set_new(doc, "Host", json_string(host));
			rc = output_json(o->sh, doc);
			json_decref(doc);
		} else {
			rc = print_event(o, host, ev->msg);
		}
		/* each event as it comes: "events | grep" sees it live */
		if (rc >= 0 && fflush(stdout) == EOF) {
			o->sh->out_closed = 1;
			rc = -1;
		}
		break;
	case BACKEND_EVENT_CONNECTED:
		if (o->lost[ev->host])
			warning(o->sh, "%s: event stream back", host);
		o->lost[ev->host] = 0;
		break;
	case BACKEND_EVENT_LOST:
		o->lost[ev->host] = 1;
		warning(o->sh, "%s; retrying in %.1fs", ev->err->msg, (double)ev->retry_ms / 1000.0);
		break;
	case BACKEND_EVENT_FAILED:
		o->failed++;
		error(o->sh, "%s", ev->err->msg);
		break;
	case BACKEND_EVENT_ENDED:
		break;
	}
	return rc < 0 ? -1 : 0;
}

/* The targets' backends (a host without a client is reported and left out). */
static size_t target_backends(struct shell *sh, struct events_out *o)
{
	size_t i, n = 0;

	o->bs = xcalloc(o->t->n + 1, sizeof(*o->bs));
	for (i = 0; i < o->t->n; i++) {
		if (!o->t->v[i].b) {
			error(sh, "%s", o->t->v[i].err.msg);
			o->failed++;
			continue;
		}
		o->bs[n++] = o->t->v[i].b;
		if ((int)strlen(o->t->v[i].name) > o->width)
			o->width = (int)strlen(o->t->v[i].name);
	}
	return n;
}

static int exec_events(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct pool_targets t;
	struct event_opts opts;
	struct events_out o = { .sh = sh, .t = &t, .json = args_has(a, "json") };
	struct berr err;
	char *since = NULL, *until = NULL;
	size_t n;
	int ret = CMD_ERROR;

	memset(&t, 0, sizeof(t));
	memset(&opts, 0, sizeof(opts));
	if (args_get(a, "since") && !(since = engine_time(args_get(a, "since"))))
		return usage_error(sh, "invalid value '%s' for --since: use RFC 3339 "
				   "(2024-05-01T10:00:00Z), Unix seconds, or a duration (10m)",
				   CUT(args_get(a, "since")));
	if (args_get(a, "until") && !(until = engine_time(args_get(a, "until")))) {
		free(since);
		return usage_error(sh, "invalid value '%s' for --until: use RFC 3339 "
				   "(2024-05-01T10:00:00Z), Unix seconds, or a duration (10m)",
				   CUT(args_get(a, "until")));
	}
	opts.since = since;
	opts.until = until;
	opts.filters = args_list(a, "filter", &opts.nfilters);
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (pool_targets(&sh->fleet, &want, 0, &t, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (!t.n) {
		pool_no_host(&t, &err);
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	n = target_backends(sh, &o);
	o.lost = xcalloc(n + 1, 1);
	if (backend_events(o.bs, n, &opts, on_event, &o, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	ret = o.failed ? CMD_ERROR : CMD_OK;
cleanup:
	pool_targets_release(&t);
	free(o.bs);
	free(o.lost);
	free(since);
	free(until);
	return ret;
}
