/* docker_events.c: GET /events of many engines at once, in one curl multi
 * loop, with reconnection.
 *
 * Each host's stream is one transfer without a time limit. The engine
 * writes one JSON object per line; lines are split as they arrive and
 * queued, and handed to the caller's function from the loop (never from
 * inside a curl callback, so the caller may make requests of its own).
 * A stream that ends without --until, or fails, is reported and started
 * again after a backoff (first wait, doubling to the most), from just
 * after its last event so none is seen twice. An engine that refuses the
 * request itself (a bad filter: HTTP 4xx) is not asked again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/docker/docker.h"
#include "backends/docker/docker_internal.h"
#include "backends/docker/http.h"
#include "lib/strbuf.h"

#define POLL_MS 100
#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS 10000
#define MAX_LINE (1024 * 1024)

enum stream_state { ST_WAITING, ST_RUNNING, ST_DONE };

struct stream {
	struct docker *d;
	size_t index;
	enum stream_state state;
	struct http_request req;
	struct http_response resp;
	struct http_xfer *x;
	char *path;
	struct strbuf line;   /* a partial line */
	json_t *queue;        /* parsed events not yet handed on */
	int connected;        /* said CONNECTED for this transfer */
	int too_long;
	long next_ms;         /* ST_WAITING: when to start */
	long quiet_since;     /* ST_RUNNING: the last byte (or the start) */
	long backoff_ms;
	int64_t last_nano;    /* the last event's timeNano, 0 none */
};

struct loop {
	CURLM *m;
	struct stream *s;
	size_t n;
	const struct event_opts *opts;
	backend_event_fn fn;
	void *ud;
	int stop;
};

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void take_line(struct stream *s, const char *line, size_t n)
{
	json_t *obj;
	json_int_t nano;

	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	if (!n)
		return;
	obj = json_loadb(line, n, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return;
	}
	nano = json_integer_value(json_object_get(obj, "timeNano"));
	if (!nano)
		nano = json_integer_value(json_object_get(obj, "time")) * 1000000000;
	if (nano > s->last_nano)
		s->last_nano = nano;
	json_array_append_new(s->queue, obj);
}

/* http_write_fn: split into lines. */
static int on_bytes(void *ud, const char *buf, size_t len)
{
	struct stream *s = ud;

	s->quiet_since = mono_ms();
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (s->line.len + n > MAX_LINE) {
			s->too_long = 1;
			return -1;
		}
		strbuf_add(&s->line, buf, n);
		if (!nl)
			break;
		take_line(s, s->line.buf, s->line.len);
		strbuf_reset(&s->line);
		buf += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* The engine's filters: {"type": ["container"], ...}. */
static int filters_text(struct docker *d, const struct event_opts *o, char **out,
			struct berr *err)
{
	json_t *obj = json_object();
	size_t i;

	*out = NULL;
	for (i = 0; i < o->nfilters; i++) {
		const char *f = o->filters[i];
		const char *eq = strchr(f, '=');
		char *key;
		json_t *list;

		if (!eq || eq == f) {
			json_decref(obj);
			return berr_set(err, BERR_USAGE, "%s: invalid filter '%s': use KEY=VALUE "
					"(type=container, event=start, container=NAME, label=K=V)",
					d->base.name, f);
		}
		key = strndup(f, (size_t)(eq - f));
		list = json_object_get(obj, key);
		if (!list) {
			list = json_array();
			json_object_set_new(obj, key, list);
		}
		json_array_append_new(list, json_string(eq + 1));
		free(key);
	}
	*out = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return 0;
}

/* The stream's path: versioned once the API is known (unversioned is the
 * engine's newest, for an engine not reached yet: events look the same),
 * since = just after the last event seen, or the caller's. */
static char *events_path(struct stream *s, const struct event_opts *o, const char *filters)
{
	struct strbuf sb = STRBUF_INIT;
	char *tail;

	if (s->d->api[0])
		strbuf_addf(&sb, "/v%s", s->d->api);
	strbuf_addstr(&sb, "/events?");
	if (s->last_nano)
		strbuf_addf(&sb, "since=%lld.%09lld&", (long long)((s->last_nano + 1) / 1000000000),
			    (long long)((s->last_nano + 1) % 1000000000));
	else if (o->since)
		strbuf_addf(&sb, "since=%s&", o->since);
	if (o->until)
		strbuf_addf(&sb, "until=%s&", o->until);
	if (filters) {
		strbuf_addstr(&sb, "filters=");
		tail = docker_object_path(sb.buf, filters, "");
		strbuf_release(&sb);
		return tail;
	}
	sb.buf[--sb.len] = '\0'; /* the last '&' or '?' */
	return strbuf_detach(&sb);
}

static int stream_start(struct loop *l, struct stream *s, const char *filters, struct berr *err)
{
	free(s->path);
	s->path = events_path(s, l->opts, filters);
	s->req = (struct http_request){ .method = "GET", .path = s->path, .what = "GET /events",
					.write = on_bytes, .write_ud = s, .stream = 1 };
	s->x = http_xfer_new(s->d->http, &s->req, &s->resp, err);
	if (!s->x)
		return -1;
	curl_easy_setopt(http_xfer_handle(s->x), CURLOPT_PRIVATE, s);
	if (curl_multi_add_handle(l->m, http_xfer_handle(s->x)) != CURLM_OK) {
		http_xfer_free(s->x);
		s->x = NULL;
		return berr_set(err, BERR_LOCAL, "%s: cannot start GET /events", s->d->base.name);
	}
	s->state = ST_RUNNING;
	s->quiet_since = mono_ms();
	s->connected = 0;
	s->too_long = 0;
	strbuf_reset(&s->line);
	return 0;
}

static void say(struct loop *l, struct stream *s, enum backend_event_kind kind,
		const json_t *msg, const struct berr *err, long retry_ms)
{
	struct backend_event ev = { .kind = kind, .host = s->index, .msg = msg, .err = err,
				    .retry_ms = retry_ms };

	if (!l->stop && l->fn(l->ud, &ev) < 0)
		l->stop = 1;
}

/* Hands on what the stream queued, and CONNECTED once its 200 came. */
static void deliver(struct loop *l, struct stream *s)
{
	size_t i;
	long status = 0;

	if (s->state == ST_RUNNING && s->x && !s->connected) {
		curl_easy_getinfo(http_xfer_handle(s->x), CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			s->connected = 1;
			s->backoff_ms = 0;
			say(l, s, BACKEND_EVENT_CONNECTED, NULL, NULL, 0);
		}
	}
	for (i = 0; i < json_array_size(s->queue); i++)
		say(l, s, BACKEND_EVENT_MESSAGE, json_array_get(s->queue, i), NULL, 0);
	json_array_clear(s->queue);
}

/* A transfer ended with rc (or was ended for stall, its reason): done
 * (until), refused, or lost and retried. */
static void stream_ended(struct loop *l, struct stream *s, CURLcode rc, const struct berr *stall)
{
	struct berr err;
	long first = l->opts->retry_first_ms > 0 ? l->opts->retry_first_ms : RETRY_FIRST_MS;
	long most = l->opts->retry_max_ms > 0 ? l->opts->retry_max_ms : RETRY_MAX_MS;
	int ret;

	berr_clear(&err);
	curl_multi_remove_handle(l->m, http_xfer_handle(s->x));
	ret = stall ? -1 : http_xfer_finish(s->x, rc, &err);
	if (stall)
		err = *stall;
	if (!s->resp.stopped && s->line.len)
		take_line(s, s->line.buf, s->line.len);
	deliver(l, s);
	http_xfer_free(s->x);
	s->x = NULL;
	if (ret == 0 && s->too_long)
		ret = docker_malformed(s->d, "GET /events", &err, "a line longer than %d bytes",
				       MAX_LINE);
	else if (ret == 0 && (s->resp.status < 200 || s->resp.status >= 300))
		ret = docker_reply(s->d, "GET /events", &s->resp, 0, NULL, &err);
	http_response_release(&s->resp);
	if (ret == 0 && l->opts->until) {
		s->state = ST_DONE;
		say(l, s, BACKEND_EVENT_ENDED, NULL, NULL, 0);
		return;
	}
	if (ret == 0)
		berr_set(&err, BERR_CONNECT, "%s: the engine ended its event stream",
			 s->d->base.name);
	if (err.kind == BERR_INTERRUPTED) {
		s->state = ST_DONE;
		return;
	}
	/* a refusal, or a window that closed while the host was away */
	if ((err.http_status >= 400 && err.http_status < 500) ||
	    (l->opts->until && strtod(l->opts->until, NULL) <= (double)time(NULL))) {
		s->state = ST_DONE;
		say(l, s, BACKEND_EVENT_FAILED, NULL, &err, 0);
		return;
	}
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : first;
	if (s->backoff_ms > most)
		s->backoff_ms = most;
	s->state = ST_WAITING;
	s->next_ms = mono_ms() + s->backoff_ms;
	say(l, s, BACKEND_EVENT_LOST, NULL, &err, s->backoff_ms);
}

static void loop_finished(struct loop *l)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(l->m, &left))) {
		struct stream *s = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (s)
			stream_ended(l, s, msg->data.result, NULL);
	}
}

/* An engine's event stream is quiet when nothing happens, and a host that
 * vanished without closing the connection (a frozen daemon, a network
 * gone) would keep it open: a stream quiet for the host's idle timeout
 * gets the engine pinged (within its request timeout); no answer ends
 * it as lost. */
static void check_quiet(struct loop *l)
{
	long now = mono_ms();
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct stream *s = &l->s[i];
		struct berr err;

		if (s->state != ST_RUNNING || now - s->quiet_since < http_conn_idle_ms(s->d->http))
			continue;
		berr_clear(&err);
		if (s->d->base.ops->ping(&s->d->base, &err) == 0 || err.kind == BERR_INTERRUPTED) {
			s->quiet_since = mono_ms();
			continue;
		}
		stream_ended(l, s, CURLE_OK, &err);
	}
}

/* Starts the streams whose time came; how long until the next one is due. */
static long start_due(struct loop *l, const char *filters, size_t *live)
{
	long now = mono_ms(), wait = POLL_MS;
	size_t i;

	*live = 0;
	for (i = 0; i < l->n; i++) {
		struct stream *s = &l->s[i];
		struct berr err;

		if (s->state == ST_WAITING && s->next_ms <= now) {
			berr_clear(&err);
			if (stream_start(l, s, filters, &err) < 0) {
				s->state = ST_DONE;
				say(l, s, BACKEND_EVENT_FAILED, NULL, &err, 0);
			}
		}
		if (s->state == ST_WAITING && s->next_ms - now < wait)
			wait = s->next_ms - now;
		if (s->state != ST_DONE)
			(*live)++;
	}
	return wait > 0 ? wait : 0;
}

int docker_events(struct backend *const *bs, size_t n, const struct event_opts *opts,
		  backend_event_fn fn, void *ud, struct berr *err)
{
	struct loop l = { .n = n, .opts = opts, .fn = fn, .ud = ud };
	char *filters = NULL;
	size_t i, live;
	int ret = -1;

	l.s = calloc(n ? n : 1, sizeof(*l.s));
	for (i = 0; i < n; i++) {
		l.s[i].d = docker_of(bs[i]);
		l.s[i].index = i;
		l.s[i].queue = json_array();
		strbuf_init(&l.s[i].line);
	}
	if (opts->nfilters && filters_text(l.s[0].d, opts, &filters, err) < 0)
		goto cleanup;
	l.m = curl_multi_init();
	if (!l.m) {
		berr_set(err, BERR_LOCAL, "cannot set up the event streams: out of memory");
		goto cleanup;
	}
	for (;;) {
		long wait = start_due(&l, filters, &live);

		if (!live || l.stop || berth_interrupted)
			break;
		curl_multi_poll(l.m, NULL, 0, (int)wait, NULL);
		curl_multi_perform(l.m, &(int){ 0 });
		loop_finished(&l);
		for (i = 0; i < n && !l.stop; i++)
			deliver(&l, &l.s[i]);
		check_quiet(&l);
	}
	ret = 0;
cleanup:
	for (i = 0; i < n; i++) {
		if (l.s[i].x) {
			curl_multi_remove_handle(l.m, http_xfer_handle(l.s[i].x));
			http_xfer_free(l.s[i].x);
		}
		http_response_release(&l.s[i].resp);
		strbuf_release(&l.s[i].line);
		json_decref(l.s[i].queue);
		free(l.s[i].path);
	}
	if (l.m)
		curl_multi_cleanup(l.m);
	free(l.s);
	free(filters);
	return ret;
}
