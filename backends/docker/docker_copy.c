/* docker_copy.c: an image tarball from one engine (or a file) into others,
 * streamed in one curl multi loop.
 *
 * The bytes pass through one ring buffer: the source's write callback
 * fills it, each target's read callback drains it at its own position.
 * A callback that finds no room (source) or nothing new (target) pauses
 * its transfer; the loop resumes it when that changes. So memory stays
 * at RING bytes whatever the image's size, and the fastest side waits
 * for the slowest instead of buffering ahead of it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "backends/docker/docker_internal.h"
#include "backends/fanout.h"
#include "backends/docker/http.h"

#define RING (2u << 20)
/* Reads from a source callback, and curl's receive buffer: each fits the
 * ring many times over, so a paused chunk always fits once drained. */
#define CHUNK (128u << 10)
#define POLL_MS 100

struct side;

/* CURLOPT_PRIVATE of every transfer: whose, and which of its two. */
struct tag {
	struct side *side;
	int probe;
};

/*
 * The source or one target. How long an engine may take is not bounded:
 * an export writes the whole image to disk before its first byte, a load
 * registers the layers after the last one. So a side that has work and
 * has been quiet for its host's idle timeout gets a liveness probe on a connection
 * of its own, under its host's request timeout: a busy engine answers it
 * at once and the copy waits on; a stopped one does not, and its side
 * fails with the probe's timeout.
 */
struct side {
	struct copy *cp;
	struct docker *d;
	struct berr *err;   /* where its failure goes */
	struct http_xfer *x;
	struct http_request req;
	struct http_response resp;
	struct tag tag;
	int running;        /* in the multi handle */
	int paused;         /* by its callback: no room (source) or no data (target) */
	long last;          /* when it last moved (ms) */
	struct http_xfer *px;
	struct http_request preq;
	struct http_response presp;
	struct tag ptag;
	int probing;
};

struct sink {
	struct side s;
	struct image_copy_target *t;
	struct docker_load_reply *lr;
	uint64_t r;        /* bytes taken from the ring */
	int sent_all;      /* it got the end of the data */
};

struct copy {
	CURLM *m;
	char *ring;
	uint64_t w;        /* bytes put in the ring */
	/* the source: an engine's GET ... */
	struct side src;
	char *spath;
	size_t s_want;     /* the paused chunk's size */
	/* ... or a callback */
	backend_source_fn fn;
	void *ud;
	int s_end;         /* all bytes are in the ring */
	int s_failed;      /* serr */
	struct berr serr;
	struct sink *sinks;
	size_t n;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How far the slowest target still going has read. */
static uint64_t ring_tail(struct copy *cp)
{
	uint64_t tail = cp->w;
	size_t i;

	for (i = 0; i < cp->n; i++)
		if (cp->sinks[i].s.running && cp->sinks[i].r < tail)
			tail = cp->sinks[i].r;
	return tail;
}

static size_t ring_room(struct copy *cp)
{
	return RING - (size_t)(cp->w - ring_tail(cp));
}

static void ring_put(struct copy *cp, const char *buf, size_t len)
{
	size_t at = (size_t)(cp->w % RING);
	size_t first = len < RING - at ? len : RING - at;

	memcpy(cp->ring + at, buf, first);
	memcpy(cp->ring, buf + first, len - first);
	cp->w += len;
}

static int source_write(void *ud, const char *buf, size_t len)
{
	struct copy *cp = ud;

	if (len > ring_room(cp)) {
		cp->src.paused = 1;
		cp->s_want = len;
		return HTTP_WRITE_PAUSE;
	}
	ring_put(cp, buf, len);
	cp->src.last = now_ms();
	return 0;
}

static size_t sink_read(void *ud, char *buf, size_t len)
{
	struct sink *k = ud;
	struct copy *cp = k->s.cp;
	size_t avail = (size_t)(cp->w - k->r);
	size_t at = (size_t)(k->r % RING), first;

	if (!avail) {
		if (cp->s_failed)
			return (size_t)-1;
		if (cp->s_end) {
			k->sent_all = 1;
			return 0;
		}
		k->s.paused = 1;
		return HTTP_READ_PAUSE;
	}
	if (len > avail)
		len = avail;
	first = len < RING - at ? len : RING - at;
	memcpy(buf, cp->ring + at, first);
	memcpy(buf + first, cp->ring, len - first);
	k->r += len;
	k->s.last = now_ms();
	return len;
}

/* The load reply's bytes are the target moving too. */
static int sink_reply(void *ud, const char *buf, size_t len)
{
	struct sink *k = ud;

	k->s.last = now_ms();
	return docker_load_reply_write(k->lr, buf, len);
}

static int side_go(struct side *sd, struct http_xfer *x, struct tag *tag, int probe)
{
	CURL *h = http_xfer_handle(x);

	tag->side = sd;
	tag->probe = probe;
	curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)tag);
	if (curl_multi_add_handle(sd->cp->m, h) != CURLM_OK)
		return berr_set(sd->err, BERR_LOCAL, "%s: cannot add a transfer to the loop",
				sd->d->base.name);
	return 0;
}

static void probe_stop(struct side *sd)
{
	if (sd->probing)
		curl_multi_remove_handle(sd->cp->m, http_xfer_handle(sd->px));
	sd->probing = 0;
	http_xfer_free(sd->px);
	sd->px = NULL;
	http_response_release(&sd->presp);
}

static void side_stop(struct side *sd)
{
	probe_stop(sd);
	if (sd->running)
		curl_multi_remove_handle(sd->cp->m, http_xfer_handle(sd->x));
	sd->running = 0;
}

static void side_release(struct side *sd)
{
	side_stop(sd);
	http_xfer_free(sd->x);
	sd->x = NULL;
	http_response_release(&sd->resp);
}

/* The source failed (serr): every target still going fails with it. */
static void source_failed(struct copy *cp)
{
	size_t i;

	cp->s_failed = 1;
	side_stop(&cp->src);
	for (i = 0; cp->sinks && i < cp->n; i++) {
		struct sink *k = &cp->sinks[i];

		if (k->s.running) {
			side_stop(&k->s);
			k->t->status = -1;
			k->t->err = cp->serr;
			k->t->by_source = 1;
		}
	}
}

static void sink_failed(struct sink *k)
{
	side_stop(&k->s);
	k->t->status = -1;
}

static int sinks_running(struct copy *cp)
{
	size_t i;
	int n = 0;

	for (i = 0; i < cp->n; i++)
		n += cp->sinks[i].s.running;
	return n;
}

static int source_start(struct copy *cp, const char *ref)
{
	struct side *sd = &cp->src;
	struct docker *d = sd->d;

	cp->spath = docker_object_path("/images/get?names=", ref, "");
	if (cp->spath) {
		char *full = docker_api_path(d, cp->spath);

		free(cp->spath);
		cp->spath = full;
	}
	if (!cp->spath)
		return berr_set(&cp->serr, BERR_LOCAL, "%s: out of memory", d->base.name);
	sd->req.method = "GET";
	sd->req.path = cp->spath;
	sd->req.what = "GET /images/get";
	sd->req.write = source_write;
	sd->req.write_ud = cp;
	sd->req.stream = 1;
	sd->x = http_xfer_new(d->http, &sd->req, &sd->resp, &cp->serr);
	if (!sd->x)
		return -1;
	curl_easy_setopt(http_xfer_handle(sd->x), CURLOPT_BUFFERSIZE, (long)CHUNK);
	if (side_go(sd, sd->x, &sd->tag, 0) < 0)
		return -1;
	sd->running = 1;
	sd->last = now_ms();
	return 0;
}

static int sink_start(struct sink *k)
{
	struct side *sd = &k->s;
	struct docker *d = sd->d;
	char *path = docker_api_path(d, "/images/load?quiet=1");

	k->lr = docker_load_reply_new();
	if (!path || !k->lr) {
		free(path);
		return berr_set(sd->err, BERR_LOCAL, "%s: out of memory", d->base.name);
	}
	sd->req.method = "POST";
	sd->req.path = path;
	sd->req.what = "POST /images/load";
	sd->req.content_type = "application/x-tar";
	sd->req.read = sink_read;
	sd->req.read_ud = k;
	sd->req.write = sink_reply;
	sd->req.write_ud = k;
	sd->req.stream = 1;
	sd->x = http_xfer_new(d->http, &sd->req, &sd->resp, sd->err);
	free(path); /* the handle copied the URL */
	sd->req.path = NULL;
	if (!sd->x)
		return -1;
	curl_easy_setopt(http_xfer_handle(sd->x), CURLOPT_UPLOAD_BUFFERSIZE, (long)CHUNK);
	if (side_go(sd, sd->x, &sd->tag, 0) < 0)
		return -1;
	sd->running = 1;
	sd->last = now_ms();
	return 0;
}

/* A callback source: top the ring up. Local reads; they do not block long. */
static void fill(struct copy *cp)
{
	while (!cp->s_end && !cp->s_failed) {
		size_t room = ring_room(cp);
		size_t at = (size_t)(cp->w % RING);
		size_t want = room < RING - at ? room : RING - at;
		size_t got;

		if (want > CHUNK)
			want = CHUNK;
		if (!want)
			return;
		got = cp->fn(cp->ud, cp->ring + at, want);
		if (got == (size_t)-1) {
			berr_set(&cp->serr, BERR_LOCAL, "image copy: reading the tarball failed");
			source_failed(cp);
			return;
		}
		if (!got)
			cp->s_end = 1;
		cp->w += got;
	}
}

static void unpause(struct side *sd)
{
	sd->paused = 0;
	sd->last = now_ms();
	curl_easy_pause(http_xfer_handle(sd->x), CURLPAUSE_CONT);
}

/* Resume what was waiting for room or data that is there now. */
static void resume(struct copy *cp)
{
	size_t i;

	if (cp->src.running && cp->src.paused && ring_room(cp) >= cp->s_want)
		unpause(&cp->src);
	for (i = 0; i < cp->n; i++) {
		struct sink *k = &cp->sinks[i];

		if (k->s.running && k->s.paused && (cp->w > k->r || cp->s_end || cp->s_failed))
			unpause(&k->s);
	}
}

static void probe_start(struct side *sd)
{
	sd->preq.method = "GET";
	sd->preq.path = "/_ping";
	sd->preq.what = "GET /_ping";
	sd->px = http_xfer_new(sd->d->http, &sd->preq, &sd->presp, sd->err);
	if (sd->px && side_go(sd, sd->px, &sd->ptag, 1) == 0)
		sd->probing = 1;
	else
		probe_stop(sd); /* no probe this time; the next idle spell tries again */
	sd->last = now_ms();
}

/* Probes the sides that have work and have been quiet. */
static void watch(struct copy *cp)
{
	long now = now_ms();
	size_t i;

	if (cp->src.running && !cp->src.paused && !cp->src.probing &&
	    now - cp->src.last >= http_conn_idle_ms(cp->src.d->http))
		probe_start(&cp->src);
	for (i = 0; i < cp->n; i++) {
		struct side *sd = &cp->sinks[i].s;

		if (sd->running && !sd->paused && !sd->probing &&
		    now - sd->last >= http_conn_idle_ms(sd->d->http))
			probe_start(sd);
	}
}

static void probe_done(struct side *sd, CURLcode rc)
{
	struct berr err = { 0 };
	int alive;

	sd->probing = 0;
	/* Any answer, whatever its status, shows the engine is there. */
	alive = http_xfer_finish(sd->px, rc, &err) == 0;
	probe_stop(sd);
	sd->last = now_ms();
	if (alive)
		return;
	*sd->err = err;
	if (sd == &sd->cp->src)
		source_failed(sd->cp);
	else
		sink_failed((struct sink *)sd);
}

static void source_done(struct copy *cp, CURLcode rc)
{
	struct side *sd = &cp->src;

	sd->running = 0;
	probe_stop(sd);
	if (http_xfer_finish(sd->x, rc, &cp->serr) < 0 ||
	    docker_reply(sd->d, "GET /images/get", &sd->resp, DOCKER_NOJSON, NULL, &cp->serr) < 0) {
		source_failed(cp);
		return;
	}
	cp->s_end = 1;
}

static void sink_done(struct sink *k, CURLcode rc)
{
	struct copy *cp = k->s.cp;

	k->s.running = 0;
	probe_stop(&k->s);
	k->t->status = -1;
	if (cp->s_failed) {
		/* It saw the source's end through its read callback. */
		k->t->err = cp->serr;
		k->t->by_source = 1;
		return;
	}
	if (http_xfer_finish(k->s.x, rc, &k->t->err) < 0 ||
	    docker_load_reply_finish(k->s.d, &k->s.resp, k->lr, &k->t->loaded, &k->t->err) < 0)
		return;
	if (!k->sent_all) {
		/* An engine that answered before it had the whole tarball. */
		json_decref(k->t->loaded);
		k->t->loaded = NULL;
		docker_malformed(k->s.d, "POST /images/load", &k->t->err,
				 "it answered before the tarball was complete");
		return;
	}
	k->t->status = 0;
}

static void finished(struct copy *cp)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cp->m, &left))) {
		struct tag *tag = NULL;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&tag);
		curl_multi_remove_handle(cp->m, msg->easy_handle);
		if (tag->probe)
			probe_done(tag->side, rc);
		else if (tag->side == &cp->src)
			source_done(cp, rc);
		else
			sink_done((struct sink *)tag->side, rc);
	}
}

static void interrupted(struct copy *cp)
{
	if (cp->src.d)
		berr_set(&cp->serr, BERR_INTERRUPTED, "%s: interrupted", cp->src.d->base.name);
	else
		berr_set(&cp->serr, BERR_INTERRUPTED, "image copy: interrupted");
	source_failed(cp);
}

static void loop(struct copy *cp)
{
	for (;;) {
		if (berth_interrupted) {
			interrupted(cp);
			return;
		}
		if (cp->fn)
			fill(cp);
		resume(cp);
		watch(cp);
		if (!sinks_running(cp)) {
			/* Nobody left to take the bytes. */
			side_stop(&cp->src);
			return;
		}
		curl_multi_poll(cp->m, NULL, 0, POLL_MS, NULL);
		curl_multi_perform(cp->m, &(int){ 0 });
		finished(cp);
	}
}

/* Pings source and targets at once: a dead one fails before any byte moves. */
static int reach(struct copy *cp, struct backend *src, struct image_copy_target *targets,
		 size_t n)
{
	struct fanout_job *jobs = calloc(n + 1, sizeof(*jobs));
	size_t i, j = 0;
	int ret = 0;

	if (!jobs)
		return berr_set(&cp->serr, BERR_LOCAL, "image copy: out of memory");
	if (src)
		jobs[j++].b = src;
	for (i = 0; i < n; i++)
		jobs[j++].b = targets[i].b;
	fanout_ping(jobs, j, NULL);
	j = 0;
	if (src && jobs[j++].status < 0) {
		cp->serr = jobs[0].err;
		ret = -1;
	}
	for (i = 0; i < n; i++, j++) {
		if (jobs[j].status < 0) {
			targets[i].status = -1;
			targets[i].err = ret < 0 ? cp->serr : jobs[j].err;
			targets[i].by_source = ret < 0;
		}
	}
	fanout_jobs_release(jobs, j);
	free(jobs);
	return ret;
}

int docker_image_copy_many(struct backend *src, const char *ref,
			   backend_source_fn fn, void *ud,
			   struct image_copy_target *targets, size_t n, struct berr *err)
{
	struct copy cp = { .fn = fn, .ud = ud, .n = n };
	size_t i;
	int ret = -1, any = 0;

	for (i = 0; i < n; i++) {
		targets[i].status = 0;
		targets[i].loaded = NULL;
		targets[i].bytes = 0;
		targets[i].by_source = 0;
		berr_clear(&targets[i].err);
		if (!docker_of(targets[i].b)) {
			targets[i].status = -1;
			berr_set(&targets[i].err, BERR_USAGE, "%s: not a Docker engine",
				 targets[i].b && targets[i].b->name ? targets[i].b->name : "(no host)");
		}
	}
	cp.src.cp = &cp;
	cp.src.err = &cp.serr;
	if (src && !(cp.src.d = docker_of(src))) {
		berr_set(&cp.serr, BERR_USAGE, "%s: not a Docker engine", src->name);
		goto failed_source;
	}
	if ((!src) == (!fn) || (src && !ref)) {
		berr_set(&cp.serr, BERR_USAGE, "image copy: give a source engine and image, or a source callback");
		goto failed_source;
	}
	if (reach(&cp, src, targets, n) < 0)
		goto failed_source;

	cp.sinks = calloc(n ? n : 1, sizeof(*cp.sinks));
	cp.ring = malloc(RING);
	cp.m = curl_multi_init();
	if (!cp.sinks || !cp.ring || !cp.m) {
		berr_set(&cp.serr, BERR_LOCAL, "image copy: out of memory");
		goto failed_source;
	}
	for (i = 0; i < n; i++) {
		struct sink *k = &cp.sinks[i];

		k->s.cp = &cp;
		k->s.err = &targets[i].err;
		k->t = &targets[i];
		k->s.d = docker_of(targets[i].b);
		if (targets[i].status < 0)
			continue;
		if (sink_start(k) < 0)
			targets[i].status = -1;
		else
			any = 1;
	}
	if (any && src && source_start(&cp, ref) < 0)
		source_failed(&cp);
	if (any && !cp.s_failed)
		loop(&cp);
	goto report;

failed_source:
	cp.s_failed = 1;
	for (i = 0; i < n; i++) {
		if (!targets[i].status) {
			targets[i].status = -1;
			targets[i].err = cp.serr;
			targets[i].by_source = 1;
		}
	}
report:
	for (i = 0; cp.sinks && i < n; i++)
		targets[i].bytes = (int64_t)cp.sinks[i].r;
	if (cp.s_failed) {
		if (err)
			*err = cp.serr;
	} else {
		ret = 0;
		for (i = 0; i < n; i++) {
			if (targets[i].status < 0 || (cp.sinks && cp.sinks[i].s.running)) {
				targets[i].status = -1;
				if (ret == 0 && err)
					*err = targets[i].err;
				ret = -1;
			}
		}
	}
	for (i = 0; cp.sinks && i < n; i++) {
		side_release(&cp.sinks[i].s);
		docker_load_reply_free(cp.sinks[i].lr);
	}
	if (cp.m)
		side_release(&cp.src);
	free(cp.spath);
	if (cp.m)
		curl_multi_cleanup(cp.m);
	free(cp.ring);
	free(cp.sinks);
	return ret;
}

int docker_image_copy(struct backend *src, const char *ref, struct backend *dst,
		      json_t **loaded, struct berr *err)
{
	struct image_copy_target t = { .b = dst };
	int ret = docker_image_copy_many(src, ref, NULL, NULL, &t, 1, err);

	if (ret == 0 && loaded)
		*loaded = t.loaded;
	else
		json_decref(t.loaded);
	if (ret < 0 && loaded)
		*loaded = NULL;
	return ret;
}
