/* docker_fanout.c: many engines' requests in one curl multi loop, the
 * Docker kind's batch entry point (backend_ops.fanout, see
 * docker_fanout.h).
 *
 * Each job is a chain of steps (usually one) on one host. A host whose
 * API version is unknown first runs its negotiation (a host-level
 * transfer its jobs wait for); the time that took is charged to those
 * jobs' first step, so ping plus request stay within the host's one
 * request timeout. Every transfer gets its own easy handle (http_xfer);
 * connections are shared through the multi handle's cache, so a host's
 * negotiation connection serves its request after it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "backends/docker/docker_internal.h"
#include "backends/docker/docker_fanout.h"
#include "backends/docker/http.h"

/* Longest wait in curl_multi_poll(): how soon Ctrl-C is noticed. */
#define POLL_MS 100

enum host_state {
	HOST_KNOWN,       /* API version known: jobs may go */
	HOST_UNKNOWN,     /* needs negotiation, not started */
	HOST_PING,        /* GET /_ping in flight */
	HOST_VERSION,     /* GET /version in flight */
	HOST_FAILED,      /* negotiation failed: err */
};

struct host {
	struct docker *d;
	enum host_state state;
	int was_unknown;  /* it negotiated in this loop (a ping job needs no more) */
	long t0;          /* negotiation start (ms) */
	long spent_ms;    /* negotiation's duration */
	struct berr err;
};

enum job_state {
	JOB_WAITING,      /* for its host's negotiation */
	JOB_READY,        /* its next step can go */
	JOB_RUNNING,
	JOB_DONE,
};

struct job_run {
	struct docker_job *job;
	struct host *host;  /* NULL: not a docker backend */
	enum job_state state;
	int started;
	long t0;
	int ping_only;      /* job->ping: a fresh negotiation is the answer */
};

/* One transfer in flight: a job's step or a host's negotiation. */
struct slot {
	struct http_xfer *x;
	struct http_request req;
	struct http_response resp;
	char *path;
	char *text;
	char what[512];
	struct job_run *jr;   /* or */
	struct host *host;
	struct slot *prev, *next; /* the loop's transfers in flight */
};

struct loop {
	const struct fanout_opts *opts;
	CURLM *m;
	struct host *hosts;
	size_t nhosts;
	struct job_run *runs;
	size_t n;
	struct slot *slots; /* in the multi handle */
	size_t inflight, max;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void job_end(struct job_run *jr, int status)
{
	struct docker_job *job = jr->job;

	job->status = status;
	job->elapsed_ms = jr->started ? now_ms() - jr->t0 : 0;
	jr->state = JOB_DONE;
}

static void job_fail(struct job_run *jr)
{
	job_end(jr, -1);
}

static void slot_free(struct slot *s)
{
	if (!s)
		return;
	http_xfer_free(s->x);
	http_response_release(&s->resp);
	free(s->path);
	free(s->text);
	free(s);
}

/* Into the multi handle with s->x, or err. */
static int slot_go(struct loop *l, struct slot *s, const char *name, struct berr *err)
{
	CURL *h = http_xfer_handle(s->x);

	curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)s);
	if (curl_multi_add_handle(l->m, h) != CURLM_OK)
		return berr_set(err, BERR_LOCAL, "%s: cannot add a transfer to the loop", name);
	s->next = l->slots;
	if (l->slots)
		l->slots->prev = s;
	l->slots = s;
	l->inflight++;
	return 0;
}

/* Out of the multi handle and the list; the caller frees it. */
static void slot_remove(struct loop *l, struct slot *s)
{
	curl_multi_remove_handle(l->m, http_xfer_handle(s->x));
	if (s->prev)
		s->prev->next = s->next;
	else
		l->slots = s->next;
	if (s->next)
		s->next->prev = s->prev;
	l->inflight--;
}

static void host_fail_jobs(struct loop *l, struct host *host)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct job_run *jr = &l->runs[i];

		if (jr->host == host && jr->state == JOB_WAITING) {
			jr->started = 1;
			jr->t0 = host->t0;
			jr->job->err = host->err;
			job_fail(jr);
		}
	}
}

/* GET /_ping (or /version) unversioned, for the host's negotiation. */
static void host_start(struct loop *l, struct host *host, const char *path, const char *what)
{
	struct slot *s = calloc(1, sizeof(*s));

	if (!s) {
		berr_set(&host->err, BERR_LOCAL, "%s: out of memory", host->d->base.name);
		goto fail;
	}
	s->host = host;
	snprintf(s->what, sizeof(s->what), "%s", what);
	s->req.method = "GET";
	s->req.path = path;
	s->req.what = s->what;
	s->x = http_xfer_new(host->d->http, &s->req, &s->resp, &host->err);
	if (!s->x || slot_go(l, s, host->d->base.name, &host->err) < 0)
		goto fail;
	host->state = !strcmp(path, "/_ping") ? HOST_PING : HOST_VERSION;
	return;

fail:
	slot_free(s);
	host->state = HOST_FAILED;
	host_fail_jobs(l, host);
}

static void host_done(struct loop *l, struct slot *s, CURLcode rc)
{
	struct host *host = s->host;
	struct docker *d = host->d;
	int st = -1;
	size_t i;

	if (http_xfer_finish(s->x, rc, &host->err) == 0)
		st = host->state == HOST_PING ? docker_negotiate_ping(d, &s->resp, &host->err) :
			docker_negotiate_version(d, &s->resp, &host->err);
	if (st == 1) {
		host_start(l, host, "/version", "GET /version");
		return;
	}
	if (st < 0) {
		host->state = HOST_FAILED;
		host_fail_jobs(l, host);
		return;
	}
	host->state = HOST_KNOWN;
	host->spent_ms = now_ms() - host->t0;
	for (i = 0; i < l->n; i++) {
		struct job_run *jr = &l->runs[i];

		if (jr->host != host || jr->state != JOB_WAITING)
			continue;
		if (jr->ping_only) {
			jr->started = 1;
			jr->t0 = host->t0;
			json_decref(jr->job->reply);
			jr->job->reply = NULL;
			jr->job->step = 1;
			job_end(jr, 0);
		} else {
			jr->state = JOB_READY;
		}
	}
}

/* Its first step shares the host's timeout with the negotiation before it. */
static int job_budget(struct job_run *jr, struct slot *s)
{
	struct host *host = jr->host;
	long limit = http_conn_timeout_ms(host->d->http);
	long left = limit - host->spent_ms;
	char shown[32];

	if (jr->job->step || !host->was_unknown || host->spent_ms <= 0)
		return 0;
	if (left <= 0) {
		http_format_ms(shown, sizeof(shown), limit);
		return berr_set(&jr->job->err, BERR_TIMEOUT,
				"%s: the engine at %s did not answer within %s (%s)",
				host->d->base.name, host->d->display_url, shown, s->what);
	}
	http_xfer_set_timeout(s->x, left);
	return 0;
}

static void job_start(struct loop *l, struct job_run *jr)
{
	struct docker_job *job = jr->job;
	struct docker *d = jr->host->d;
	struct slot *s = calloc(1, sizeof(*s));

	if (!jr->started) {
		jr->started = 1;
		jr->t0 = jr->host->was_unknown ? jr->host->t0 : now_ms();
	}
	if (!s)
		goto oom;
	s->jr = jr;
	s->req.method = job->method;
	docker_describe(s->what, sizeof(s->what), job->method, job->path);
	s->req.what = s->what;
	s->path = docker_api_path(d, job->path);
	if (!s->path)
		goto oom;
	s->req.path = s->path;
	if (job->body) {
		s->text = json_dumps(job->body, JSON_COMPACT);
		if (!s->text) {
			berr_set(&job->err, BERR_USAGE,
				 "%s: the request for %s has text that is not valid UTF-8",
				 d->base.name, job->path);
			goto fail;
		}
		s->req.body = s->text;
		s->req.body_len = strlen(s->text);
		s->req.content_type = "application/json";
	}
	s->x = http_xfer_new(d->http, &s->req, &s->resp, &job->err);
	if (!s->x || job_budget(jr, s) < 0 || slot_go(l, s, d->base.name, &job->err) < 0)
		goto fail;
	jr->state = JOB_RUNNING;
	return;

oom:
	berr_set(&job->err, BERR_LOCAL, "%s: out of memory", d->base.name);
fail:
	slot_free(s);
	job_fail(jr);
}

static void job_done(struct loop *l, struct slot *s, CURLcode rc)
{
	struct job_run *jr = s->jr;
	struct docker_job *job = jr->job;
	struct docker *d = jr->host->d;
	json_t *reply = NULL;
	unsigned flags = (job->flags & (DOCKER_OK304 | DOCKER_NOJSON | DOCKER_NEEDJSON)) |
			 (job->flags & DOCKER_JOB_RAW ? DOCKER_NOJSON : 0);
	int st;

	if (http_xfer_finish(s->x, rc, &job->err) < 0 ||
	    docker_reply(d, s->what, &s->resp, flags, &reply, &job->err) < 0) {
		job_fail(jr);
		return;
	}
	job->step++;
	if ((job->flags & DOCKER_JOB_RAW) && !job->then) {
		if (!s->resp.body) {
			berr_set(&job->err, BERR_PROTOCOL,
				 "%s: the engine's answer to %s has an empty body", d->base.name, s->what);
			job_fail(jr);
			return;
		}
		free(job->raw);
		job->raw = s->resp.body; /* taken over */
		job->raw_len = s->resp.len;
		s->resp.body = NULL;
		s->resp.body_cap = 0;
		s->resp.len = 0;
	}
	if (!job->then) {
		json_decref(job->reply);
		job->reply = reply;
		job_end(jr, 0);
		return;
	}
	st = job->then(job, reply);
	json_decref(reply);
	if (st == 1)
		jr->state = JOB_READY;
	else
		job_end(jr, st < 0 ? -1 : 0);
}

/* Starts what may start: negotiations first, since jobs wait for them. */
static void launch(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->nhosts && l->inflight < l->max; i++) {
		struct host *host = &l->hosts[i];

		if (host->state == HOST_UNKNOWN) {
			host->t0 = now_ms();
			host_start(l, host, "/_ping", "GET /_ping");
		}
	}
	for (i = 0; i < l->n && l->inflight < l->max; i++)
		if (l->runs[i].state == JOB_READY)
			job_start(l, &l->runs[i]);
}

static void finished(struct loop *l)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(l->m, &left))) {
		struct slot *s = NULL;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		slot_remove(l, s);
		if (s->host)
			host_done(l, s, rc);
		else
			job_done(l, s, rc);
		slot_free(s);
	}
}

/* The typed job gets what its request's job holds. */
static void move_answer(struct docker_job *dj, struct fanout_job *job)
{
	job->status = dj->status;
	job->err = dj->err;
	job->elapsed_ms = dj->elapsed_ms;
	job->reply = dj->reply;
	dj->reply = NULL;
	job->raw = dj->raw;
	job->raw_len = dj->raw_len;
	dj->raw = NULL;
	dj->raw_len = 0;
}

/* Jobs that ended since the last call handed to opts->done. */
static void report(struct loop *l)
{
	size_t i;

	if (!l->opts || !l->opts->done)
		return;
	for (i = 0; i < l->n; i++) {
		struct docker_job *dj = l->runs[i].job;
		struct fanout_job *job = dj ? dj->origin : NULL;

		if (!job || l->runs[i].state != JOB_DONE)
			continue;
		dj->origin = NULL;
		move_answer(dj, job);
		job->reported = 1;
		l->opts->done(job, l->opts->done_ud);
	}
}

/* Ctrl-C: everything unfinished fails at once. */
static void interrupt_all(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct job_run *jr = &l->runs[i];

		if (jr->state == JOB_DONE)
			continue;
		berr_set(&jr->job->err, BERR_INTERRUPTED, "%s: interrupted", jr->job->b->name);
		job_fail(jr);
	}
}

static void abandon_transfers(struct loop *l)
{
	while (l->slots) {
		struct slot *s = l->slots;

		slot_remove(l, s);
		slot_free(s);
	}
}

static struct host *host_of(struct loop *l, struct docker *d)
{
	size_t i;

	for (i = 0; i < l->nhosts; i++)
		if (l->hosts[i].d == d)
			return &l->hosts[i];
	l->hosts[l->nhosts].d = d;
	l->hosts[l->nhosts].state = d->api[0] ? HOST_KNOWN : HOST_UNKNOWN;
	l->hosts[l->nhosts].was_unknown = !d->api[0];
	return &l->hosts[l->nhosts++];
}

/* What a job is before the loop: ready, waiting for its host, or failed. */
static void job_setup(struct loop *l, struct job_run *jr, struct docker_job *job)
{
	const char *name = job->b && job->b->name ? job->b->name : "(no host)";
	struct docker *d = docker_of(job->b);

	jr->job = job;
	json_decref(job->reply);
	job->reply = NULL;
	free(job->raw);
	job->raw = NULL;
	job->raw_len = 0;
	job->status = -1;
	job->elapsed_ms = 0;
	job->step = 0;
	jr->state = JOB_DONE;
	/* A helper that could not build the request left why. */
	if (!job->method && job->err.kind != BERR_NONE)
		return;
	berr_clear(&job->err);
	if (!d) {
		berr_set(&job->err, BERR_USAGE, "%s: not a Docker engine", name);
	} else if (!job->method || !job->path) {
		berr_set(&job->err, BERR_USAGE, "%s: no request to send", name);
	} else {
		jr->host = host_of(l, d);
		jr->ping_only = job->ping;
		jr->state = jr->host->state == HOST_KNOWN ? JOB_READY : JOB_WAITING;
	}
}

size_t docker_jobs_run(struct docker_job *jobs, size_t n, const struct fanout_opts *opts)
{
	struct loop l = { .n = n, .opts = opts };
	size_t i, failed = 0;

	l.max = opts && opts->max_inflight ? opts->max_inflight : fanout_max_inflight();
	l.runs = calloc(n ? n : 1, sizeof(*l.runs));
	l.hosts = calloc(n ? n : 1, sizeof(*l.hosts));
	l.m = curl_multi_init();
	if (!l.runs || !l.hosts || !l.m) {
		for (i = 0; i < n; i++) {
			json_decref(jobs[i].reply);
			jobs[i].reply = NULL;
			jobs[i].status = -1;
			berr_set(&jobs[i].err, BERR_LOCAL, "%s: out of memory",
				 jobs[i].b && jobs[i].b->name ? jobs[i].b->name : "(no host)");
		}
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		job_setup(&l, &l.runs[i], &jobs[i]);

	for (;;) {
		report(&l);
		if (berth_interrupted) {
			interrupt_all(&l);
			break;
		}
		launch(&l);
		if (!l.inflight)
			break;
		curl_multi_poll(l.m, NULL, 0, POLL_MS, NULL);
		curl_multi_perform(l.m, &(int){ 0 });
		finished(&l);
	}
	report(&l);

cleanup:
	if (l.m) {
		abandon_transfers(&l);
		curl_multi_cleanup(l.m);
	}
	for (i = 0; i < n; i++)
		if (jobs[i].status < 0)
			failed++;
	free(l.runs);
	free(l.hosts);
	return failed;
}

/* ---- helpers ------------------------------------------------------------ */

static int take_array(struct docker_job *job, json_t *reply)
{
	char what[128];

	if (!json_is_array(reply)) {
		docker_describe(what, sizeof(what), job->method, job->path);
		return docker_malformed(docker_of(job->b), what, &job->err, "not a JSON array");
	}
	job->reply = json_incref(reply);
	return 0;
}

static int take_info(struct docker_job *job, json_t *reply)
{
	struct docker *d = docker_of(job->b);

	if (!json_is_object(reply))
		return docker_malformed(d, "GET /info", &job->err, "not a JSON object");
	job->reply = json_incref(reply);
	json_object_set_new(job->reply, "ApiVersion", json_string(d->api));
	return 0;
}

/* Create's reply, then (start) the start of the container it named. */
static int created(struct docker_job *job, json_t *reply)
{
	struct docker *d = docker_of(job->b);
	const char *id;

	if (job->step == 2) {
		json_object_set_new(job->reply, "Started", json_true());
		return 0;
	}
	id = docker_created_id(d, reply, &job->err);
	if (!id)
		return -1;
	job->reply = json_deep_copy(reply);
	if (!job->reply || json_object_set_new(job->reply, "Started", json_false()) < 0)
		return berr_set(&job->err, BERR_LOCAL, "%s: out of memory", d->base.name);
	if (!job->ud)
		return 0;
	free(job->path_owned);
	job->path_owned = docker_object_path("/containers/", id, "/start");
	if (!job->path_owned)
		return berr_set(&job->err, BERR_LOCAL, "%s: out of memory", d->base.name);
	job->method = "POST";
	job->path = job->path_owned;
	job->body = NULL;
	job->flags = DOCKER_OK304;
	return 1;
}


void docker_job_release(struct docker_job *job)
{
	if (!job)
		return;
	json_decref(job->reply);
	job->reply = NULL;
	free(job->path_owned);
	job->path_owned = NULL;
	json_decref(job->body_owned);
	job->body_owned = NULL;
	free(job->raw);
	job->raw = NULL;
	job->raw_len = 0;
}

void docker_jobs_release(struct docker_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; jobs && i < n; i++)
		docker_job_release(&jobs[i]);
}

/* ---- the batch entry point: typed jobs as requests ------------------------ */

/* What the request is; a request that cannot be built leaves method NULL
 * and err set, which docker_jobs_run() reports as the job's failure. */
static void job_from(struct docker_job *dj, const struct fanout_job *job)
{
	/* created()'s "and start it" flag: any non-NULL pointer */
	static int start_too;
	struct docker *d = docker_of(job->b);
	int raw = (job->flags & FANOUT_RAW) != 0;

	dj->b = job->b;
	dj->method = "GET";
	dj->flags = DOCKER_NEEDJSON;
	switch (job->op) {
	case FANOUT_PING:
		dj->path = "/_ping";
		dj->flags = DOCKER_NOJSON;
		dj->ping = 1;
		return;
	case FANOUT_INFO:
		dj->path = "/info";
		dj->then = take_info;
		return;
	case FANOUT_CONTAINER_LIST:
		dj->path = dj->path_owned = docker_list_path(d, job->filter, &dj->err);
		break;
	case FANOUT_IMAGE_LIST:
		dj->path = job->all ? "/images/json?all=1" : "/images/json";
		break;
	case FANOUT_IMAGE_INSPECT:
		if (!job->ref) {
			berr_set(&dj->err, BERR_USAGE, "%s: no image to inspect", d->base.name);
			dj->method = NULL;
			return;
		}
		dj->path = dj->path_owned = docker_object_path("/images/", job->ref, "/json");
		if (!dj->path)
			berr_set(&dj->err, BERR_LOCAL, "%s: out of memory", d->base.name);
		break;
	case FANOUT_CONTAINER_CREATE:
		dj->method = "POST";
		dj->then = created;
		dj->ud = job->start ? &start_too : NULL;
		if (!job->spec) {
			berr_set(&dj->err, BERR_USAGE, "%s: no container to create", d->base.name);
			dj->method = NULL;
			return;
		}
		if (docker_create_request(d, job->spec, &dj->body_owned, &dj->path_owned,
					  &dj->err) < 0) {
			dj->method = NULL;
			return;
		}
		dj->path = dj->path_owned;
		dj->body = dj->body_owned;
		return;
	default:
		berr_set(&dj->err, BERR_USAGE, "%s: a docker backend cannot do %s", d->base.name,
			 fanout_op_name(job->op));
		dj->method = NULL;
		return;
	}
	if (!dj->path) {
		dj->method = NULL; /* err says why: a bad filter, out of memory */
		return;
	}
	/* the listings: parsed and checked, or as they came */
	if (raw && (job->op == FANOUT_CONTAINER_LIST || job->op == FANOUT_IMAGE_LIST))
		dj->flags = DOCKER_JOB_RAW;
	else if (job->op != FANOUT_IMAGE_INSPECT)
		dj->then = take_array;
}

size_t docker_fanout(struct fanout_job *const *jobs, size_t n, const struct fanout_opts *opts)
{
	struct docker_job *dj = calloc(n ? n : 1, sizeof(*dj));
	size_t i, failed = 0;

	if (!dj) {
		for (i = 0; i < n; i++) {
			jobs[i]->status = -1;
			berr_set(&jobs[i]->err, BERR_LOCAL, "%s: out of memory", jobs[i]->b->name);
		}
		return n;
	}
	for (i = 0; i < n; i++) {
		job_from(&dj[i], jobs[i]);
		dj[i].origin = jobs[i];
	}
	docker_jobs_run(dj, n, opts);
	/* the answers move over (those opts->done had moved already): no
	 * body is copied */
	for (i = 0; i < n; i++) {
		if (dj[i].origin)
			move_answer(&dj[i], jobs[i]);
		if (jobs[i]->status < 0)
			failed++;
	}
	docker_jobs_release(dj, n);
	free(dj);
	return failed;
}
