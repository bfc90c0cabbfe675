/* test-fanout.c: backends/fanout.h over more than one backend kind.
 *
 * Two kinds are defined here: "mem", an in-memory engine with a few
 * synchronous ops and no batch entry, and "rec", a kind with only a batch
 * entry that records the calls it gets. With docker backends pointed at a
 * socket that does not exist (they fail at once with a connect error), a
 * mixed fan-out must give every job its own result, hand a batch kind
 * its whole group in one call in array order, and run the rest through
 * the synchronous ops in array order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "backends/backend.h"
#include "backends/fanout.h"
#include "backends/docker/docker.h"
#include "tests/unit/tap.h"

/* What the kinds were asked, in order: "m1 info|rec 2|m2 info". */
static char calls[1024];

static void called(const char *who, const char *what)
{
	size_t len = strlen(calls);

	snprintf(calls + len, sizeof(calls) - len, "%s%s %s", len ? "|" : "", who, what);
}

/* ---- mem: synchronous ops only ------------------------------------------- */

struct mem {
	struct backend base;
	json_t *containers;  /* [{"Id", "State"}] */
	json_t *images;      /* [{"RepoTags": [...]}] */
	int down;            /* every op fails to connect */
	int fail_start;
	int created;
};

static struct mem *to_mem(struct backend *b)
{
	return (struct mem *)b;
}

static int mem_down(struct mem *m, struct berr *err)
{
	return berr_set(err, BERR_CONNECT, "%s: cannot connect (down)", m->base.name);
}

static int mem_ping(struct backend *b, struct berr *err)
{
	called(b->name, "ping");
	return to_mem(b)->down ? mem_down(to_mem(b), err) : 0;
}

static int mem_info(struct backend *b, json_t **info, struct berr *err)
{
	called(b->name, "info");
	if (to_mem(b)->down)
		return mem_down(to_mem(b), err);
	*info = json_pack("{s:s, s:s, s:i}", "Name", b->name, "ApiVersion", "mem", "NCPU", 1);
	return 0;
}

static int mem_container_list(struct backend *b, const struct list_filter *filter, json_t **list,
			      struct berr *err)
{
	struct mem *m = to_mem(b);
	json_t *c;
	size_t i;

	called(b->name, "list");
	*list = NULL;
	if (m->down)
		return mem_down(m, err);
	*list = json_array();
	json_array_foreach(m->containers, i, c)
		if (filter->all || !strcmp(json_string_value(json_object_get(c, "State")), "running"))
			json_array_append(*list, c);
	return 0;
}

static int mem_image_list(struct backend *b, int all, json_t **list, struct berr *err)
{
	called(b->name, "images");
	if (to_mem(b)->down)
		return mem_down(to_mem(b), err);
	*list = json_deep_copy(to_mem(b)->images);
	return 0;
}

static int mem_image_inspect(struct backend *b, const char *ref, json_t **obj, struct berr *err)
{
	json_t *img, *tag;
	size_t i, j;

	called(b->name, "inspect");
	*obj = NULL;
	if (to_mem(b)->down)
		return mem_down(to_mem(b), err);
	json_array_foreach(to_mem(b)->images, i, img)
		json_array_foreach(json_object_get(img, "RepoTags"), j, tag)
			if (!strcmp(json_string_value(tag), ref)) {
				*obj = json_incref(img);
				return 0;
			}
	return berr_set(err, BERR_NOT_FOUND, "%s: No such image: %s", b->name, ref);
}

static int mem_container_create(struct backend *b, const struct container_spec *spec, char **id,
				struct berr *err)
{
	struct mem *m = to_mem(b);
	char buf[64];

	called(b->name, "create");
	*id = NULL;
	if (m->down)
		return mem_down(m, err);
	snprintf(buf, sizeof(buf), "%s-%d", b->name, ++m->created);
	json_array_append_new(m->containers,
			      json_pack("{s:s, s:s, s:s}", "Id", buf, "State", "created",
					"Image", spec->image));
	*id = strdup(buf);
	return 0;
}

static int mem_container_action(struct backend *b, const char *ref, enum container_action action,
				struct berr *err)
{
	called(b->name, "start");
	if (to_mem(b)->fail_start)
		return berr_set(err, BERR_ENGINE, "%s: cannot start %s: no room", b->name, ref);
	return 0;
}

static void mem_free(struct backend *b)
{
	struct mem *m = to_mem(b);

	json_decref(m->containers);
	json_decref(m->images);
	free(m->base.name);
	free(m);
}

static const struct backend_ops mem_ops = {
	.kind = "mem",
	.ping = mem_ping,
	.info = mem_info,
	.container_create = mem_container_create,
	.container_action = mem_container_action,
	.container_list = mem_container_list,
	.image_list = mem_image_list,
	.image_inspect = mem_image_inspect,
	.free = mem_free,
};

/* name with nrun running and nstopped exited containers and the given image */
static struct backend *mem_new(const char *name, int nrun, int nstopped, const char *image)
{
	struct mem *m = calloc(1, sizeof(*m));
	char id[64];
	int i;

	m->base.ops = &mem_ops;
	m->base.name = strdup(name);
	m->containers = json_array();
	for (i = 0; i < nrun + nstopped; i++) {
		snprintf(id, sizeof(id), "%s-c%d", name, i);
		json_array_append_new(m->containers,
				      json_pack("{s:s, s:s}", "Id", id, "State",
						i < nrun ? "running" : "exited"));
	}
	m->images = json_array();
	if (image)
		json_array_append_new(m->images, json_pack("{s:[s]}", "RepoTags", image));
	return &m->base;
}

/* ---- rec: a batch entry only ---------------------------------------------- */

#define REC_MAX 16

static struct {
	int calls;
	size_t n[REC_MAX];
	struct fanout_job *jobs[REC_MAX][32];
} rec;

static size_t rec_fanout(struct fanout_job *const *jobs, size_t n, const struct fanout_opts *opts)
{
	char what[32];
	size_t i;

	snprintf(what, sizeof(what), "batch %zu", n);
	called("rec", what);
	if (rec.calls < REC_MAX) {
		rec.n[rec.calls] = n;
		for (i = 0; i < n && i < 32; i++)
			rec.jobs[rec.calls][i] = jobs[i];
	}
	rec.calls++;
	for (i = 0; i < n; i++) {
		jobs[i]->status = 0;
		jobs[i]->reply = json_pack("{s:s, s:s}", "By", "rec", "Op", fanout_op_name(jobs[i]->op));
	}
	return 0;
}

static void rec_free(struct backend *b)
{
	free(b->name);
	free(b);
}

static const struct backend_ops rec_ops = {
	.kind = "rec",
	.fanout = rec_fanout,
	.free = rec_free,
};

/* ---- bare: a ping and nothing else ---------------------------------------- */

static int bare_ping(struct backend *b, struct berr *err)
{
	called(b->name, "ping");
	return 0;
}

static const struct backend_ops bare_ops = {
	.kind = "bare",
	.ping = bare_ping,
	.free = rec_free,
};

static struct backend *plain_new(const struct backend_ops *ops, const char *name)
{
	struct backend *b = calloc(1, sizeof(*b));

	b->ops = ops;
	b->name = strdup(name);
	return b;
}

static void reset_calls(void)
{
	calls[0] = '\0';
	memset(&rec, 0, sizeof(rec));
}

/* ---- docker, dead ---------------------------------------------------------- */

static char dead_url[128];

static struct backend *dead_new(const char *name)
{
	struct docker_endpoint ep = { .name = name, .url = dead_url, .timeout_ms = 2000,
				      .connect_timeout_ms = 2000 };
	struct berr err;
	struct backend *b = docker_backend_new(&ep, &err);

	if (!b) {
		printf("Bail out! docker_backend_new: %s\n", err.msg);
		exit(1);
	}
	return b;
}

static int starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static struct backend *m1, *m2, *m3, *d1, *d2, *r1, *r2, *bare;

/* ---- the tests --------------------------------------------------------------- */

static void test_mixed_list(void)
{
	struct fanout_job jobs[5];
	struct list_filter all = { .all = 1 };
	size_t failed, i;

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = m1;
	jobs[1].b = d1;
	jobs[2].b = m2;
	jobs[3].b = d2;
	jobs[4].b = m1;
	reset_calls();
	failed = fanout_container_list(jobs, 5, &all, NULL);
	is_int(failed, 2, "mixed list: the two dead docker jobs fail, the others do not");
	is_int(jobs[0].status, 0, "mem job 0 worked");
	is_int(json_array_size(jobs[0].reply), 3, "... with m1's own rows (all=1: 2 running + 1 exited)");
	is_int(json_array_size(jobs[2].reply), 1, "mem job 2 has m2's one row");
	is_int(jobs[4].status, 0, "a second job on m1 gets a result of its own");
	ok(jobs[4].reply && jobs[4].reply != jobs[0].reply, "... its own reply");
	is_int(jobs[1].status, -1, "docker job 1 failed");
	is_int(jobs[1].err.kind, BERR_CONNECT, "... with a connect error");
	ok(starts(jobs[1].err.msg, "d1: cannot connect to the engine at "),
	   "... naming its own host: %s", jobs[1].err.msg);
	ok(starts(jobs[3].err.msg, "d2: cannot connect"), "docker job 3 names d2: %s", jobs[3].err.msg);
	ok(!jobs[1].reply && !jobs[3].reply, "... and failed jobs carry no reply");
	for (i = 0; i < 5; i++)
		ok(jobs[i].elapsed_ms >= 0 && jobs[i].elapsed_ms < 1500,
		   "job %zu finished at once (%ldms)", i, jobs[i].elapsed_ms);
	is_str(calls, "m1 list|m2 list|m1 list", "the mem jobs ran through the vtable in array order");

	/* again on the same jobs, running ones only: the old replies go */
	failed = fanout_container_list(jobs, 5, NULL, NULL);
	is_int(failed, 2, "a second run on the same jobs");
	is_int(json_array_size(jobs[0].reply), 2, "... a NULL filter lists the running ones");
	is_int(jobs[3].err.kind, BERR_CONNECT, "... the dead one fails again");
	fanout_jobs_release(jobs, 5);
}

static void test_grouping(void)
{
	struct fanout_job jobs[6];
	size_t failed;

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = m1;
	jobs[1].b = r1;
	jobs[2].b = m2;
	jobs[3].b = r2;
	jobs[4].b = d1;
	jobs[5].b = r1;
	reset_calls();
	failed = fanout_info(jobs, 6, NULL);
	is_int(failed, 1, "info over mem, rec and docker: only the dead docker job fails");
	is_int(rec.calls, 1, "the batch kind got one call");
	is_int(rec.n[0], 3, "... with its three jobs");
	ok(rec.jobs[0][0] == &jobs[1] && rec.jobs[0][1] == &jobs[3] && rec.jobs[0][2] == &jobs[5],
	   "... in array order, and none of another kind");
	is_str(calls, "m1 info|rec batch 3|m2 info",
	       "each call when its first job comes up: m1, then rec's group, then m2");
	is_str(json_string_value(json_object_get(jobs[5].reply, "By")), "rec",
	       "the batch kind's answers are its jobs'");
	is_str(json_string_value(json_object_get(jobs[5].reply, "Op")), "info", "... for the op asked");
	is_str(json_string_value(json_object_get(jobs[2].reply, "Name")), "m2",
	       "the synchronous info's object is the job's reply");
	ok(starts(jobs[4].err.msg, "d1: "), "the docker job its own error: %s", jobs[4].err.msg);
	fanout_jobs_release(jobs, 6);

	/* one kind only: one call with every job, as they lie */
	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = r1;
	jobs[1].b = r2;
	jobs[2].b = r1;
	reset_calls();
	fanout_ping(jobs, 3, NULL);
	ok(rec.calls == 1 && rec.n[0] == 3 && rec.jobs[0][0] == &jobs[0] &&
	   rec.jobs[0][1] == &jobs[1] && rec.jobs[0][2] == &jobs[2],
	   "a single batch kind: one call with all its jobs in array order");
	fanout_jobs_release(jobs, 3);
}

static void test_unsupported(void)
{
	struct fanout_job jobs[3];

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = bare;
	jobs[1].b = NULL;
	jobs[2].b = m1;
	reset_calls();
	is_int(fanout_info(jobs, 3, NULL), 2, "info on a kind without info and on no backend: 2 fail");
	is_int(jobs[0].err.kind, BERR_USAGE, "a kind without the op fails as usage");
	is_str(jobs[0].err.msg, "bare: a bare backend cannot do info", "... saying what it lacks");
	is_int(jobs[1].err.kind, BERR_USAGE, "a job without a backend fails as usage");
	is_int(jobs[2].status, 0, "... and the job after them still runs");
	fanout_jobs_release(jobs, 3);
}

static void test_create(void)
{
	struct fanout_job jobs[3];
	struct container_spec spec = { .image = "busybox" };
	const struct container_spec *specs[3] = { &spec, &spec, &spec };
	const char *id;

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = m1;
	jobs[1].b = d1;
	jobs[2].b = m3;
	reset_calls();
	is_int(fanout_container_create(jobs, specs, 3, 1, NULL), 2,
	       "create --start on m1, dead docker and m3 (whose starts fail): 2 fail");
	is_str(calls, "m1 create|m1 start|m3 create|m3 start", "create then start, host by host");
	id = json_string_value(json_object_get(jobs[0].reply, "Id"));
	ok(starts(id, "m1-"), "m1's reply names the container (%s)", id ? id : "none");
	ok(json_is_true(json_object_get(jobs[0].reply, "Started")), "... as started");
	ok(json_is_array(json_object_get(jobs[0].reply, "Warnings")), "... with a Warnings array");
	is_int(jobs[2].status, -1, "m3's start failed: the job failed");
	is_str(jobs[2].err.msg, "m3: cannot start m3-1: no room", "... with the start's error");
	is_str(json_string_value(json_object_get(jobs[2].reply, "Id")), "m3-1",
	       "... and its reply still names the container created");
	ok(json_is_false(json_object_get(jobs[2].reply, "Started")), "... as not started");
	is_int(jobs[1].err.kind, BERR_CONNECT, "the docker create failed to connect");
	ok(!jobs[1].reply, "... with no reply");
	fanout_jobs_release(jobs, 3);
}

static void test_inspect(void)
{
	struct fanout_job jobs[3];

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = m1;
	jobs[1].b = m2;
	jobs[2].b = d1;
	is_int(fanout_image_inspect(jobs, 3, "busybox:latest", NULL), 2, "image inspect: 2 fail");
	is_int(jobs[0].status, 0, "m1 has busybox:latest");
	is_str(json_string_value(json_array_get(json_object_get(jobs[0].reply, "RepoTags"), 0)),
	       "busybox:latest", "... its object is the reply");
	is_int(jobs[1].err.kind, BERR_NOT_FOUND, "m2 lacks it: not found");
	is_int(jobs[2].err.kind, BERR_CONNECT, "the dead docker: connect");
	fanout_jobs_release(jobs, 3);
}

static void test_refresh(void)
{
	struct fanout_job jobs[6];
	struct backend *bs[2] = { m2, d1 };
	char *want;

	memset(jobs, 0, sizeof(jobs));
	is_int(fanout_refresh(jobs, bs, 2, NULL), 3, "refresh of m2 and a dead docker: its 3 jobs fail");
	want = json_dumps(to_mem(m2)->containers, JSON_COMPACT);
	ok(jobs[0].raw && jobs[0].raw_len == strlen(jobs[0].raw) && !strcmp(jobs[0].raw, want),
	   "m2's container listing comes as text, every container (all=1)");
	free(want);
	want = json_dumps(to_mem(m2)->images, JSON_COMPACT);
	ok(jobs[1].raw && !strcmp(jobs[1].raw, want), "... its image listing too");
	free(want);
	is_str(json_string_value(json_object_get(jobs[2].reply, "Name")), "m2", "... and its info");
	ok(jobs[3].status < 0 && jobs[4].status < 0 && jobs[5].status < 0 && !jobs[3].raw,
	   "the dead docker's three jobs failed, with no body");
	fanout_jobs_release(jobs, 6);
}

static void test_interrupted(void)
{
	struct fanout_job jobs[3];

	memset(jobs, 0, sizeof(jobs));
	jobs[0].b = m1;
	jobs[1].b = d1;
	jobs[2].b = r1;
	reset_calls();
	berth_interrupted = 1;
	is_int(fanout_ping(jobs, 3, NULL), 3, "Ctrl-C seen: every job fails");
	berth_interrupted = 0;
	is_int(jobs[0].err.kind, BERR_INTERRUPTED, "... as interrupted");
	is_str(jobs[1].err.msg, "d1: interrupted", "... each naming its host");
	is_str(calls, "", "... and no backend was asked");
	fanout_jobs_release(jobs, 3);
}

static void test_copy_unsupported(void)
{
	struct image_copy_target t[2];
	struct berr err;

	memset(t, 0, sizeof(t));
	t[0].b = m2;
	t[1].b = d1;
	is_int(backend_image_copy(m1, "busybox:latest", NULL, NULL, t, 2, &err), -1,
	       "an image copy from a kind without image_copy fails");
	is_str(err.msg, "m1: a mem backend cannot copy images", "... saying so");
	ok(t[0].status == -1 && t[1].status == -1 && t[0].by_source && t[1].by_source,
	   "... every target failed by the source");
	image_copy_targets_release(t, 2);

	memset(t, 0, sizeof(t));
	t[0].b = d1;
	t[1].b = m2;
	is_int(backend_image_copy(d1, "busybox:latest", NULL, NULL, t, 2, &err), -1,
	       "a docker copy with a mem target fails");
	is_str(t[1].err.msg, "m2: not a Docker engine", "... the mem target as not a Docker engine");
	is_int(t[0].err.kind, BERR_CONNECT, "... the dead source its own way");
	image_copy_targets_release(t, 2);
}

int main(void)
{
	snprintf(dead_url, sizeof(dead_url), "unix:///tmp/berth-test-fanout-%ld-gone.sock",
		 (long)getpid());
	m1 = mem_new("m1", 2, 1, "busybox:latest");
	m2 = mem_new("m2", 1, 0, NULL);
	m3 = mem_new("m3", 0, 0, NULL);
	to_mem(m3)->fail_start = 1;
	d1 = dead_new("d1");
	d2 = dead_new("d2");
	r1 = plain_new(&rec_ops, "r1");
	r2 = plain_new(&rec_ops, "r2");
	bare = plain_new(&bare_ops, "bare");

	test_mixed_list();
	test_grouping();
	test_unsupported();
	test_create();
	test_inspect();
	test_refresh();
	test_interrupted();
	test_copy_unsupported();

	backend_free(m1);
	backend_free(m2);
	backend_free(m3);
	backend_free(d1);
	backend_free(d2);
	backend_free(r1);
	backend_free(r2);
	backend_free(bare);
	return done_testing();
}
