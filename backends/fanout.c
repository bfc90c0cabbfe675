/* fanout.c: a fan-out's jobs handed to their backends' kinds (see fanout.h).
 *
 * Only the vtable: a kind with a batch entry (ops->fanout) gets all its
 * jobs in one call; the jobs of any other kind go through its synchronous
 * ops here, one at a time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/fanout.h"
#include "lib/berr.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *host_name(const struct fanout_job *job)
{
	return job->b && job->b->name ? job->b->name : "(no host)";
}

static const char *const op_names[] = {
	[FANOUT_PING] = "ping",
	[FANOUT_INFO] = "info",
	[FANOUT_CONTAINER_LIST] = "container list",
	[FANOUT_IMAGE_LIST] = "image list",
	[FANOUT_IMAGE_INSPECT] = "image inspect",
	[FANOUT_CONTAINER_CREATE] = "container create",
};

const char *fanout_op_name(enum fanout_op op)
{
	if ((size_t)op < sizeof(op_names) / sizeof(op_names[0]) && op_names[op])
		return op_names[op];
	return "an unknown operation";
}

/* ---- one job through the synchronous ops ---------------------------------- */

static int lacks(struct fanout_job *job)
{
	return berr_set(&job->err, BERR_USAGE, "%s: a %s backend cannot do %s", host_name(job),
			job->b->ops->kind ? job->b->ops->kind : "(nameless)", fanout_op_name(job->op));
}

/* FANOUT_RAW: the listing as text, as a batch kind would keep its body. */
static int to_raw(struct fanout_job *job)
{
	char *text = json_dumps(job->reply, JSON_COMPACT);

	if (!text)
		return berr_set(&job->err, BERR_LOCAL, "%s: out of memory", host_name(job));
	json_decref(job->reply);
	job->reply = NULL;
	job->raw = text;
	job->raw_len = strlen(text);
	return 0;
}

static int create_one(struct fanout_job *job)
{
	const struct backend_ops *ops = job->b->ops;
	char *id = NULL;
	int ret = -1;

	if (!ops->container_create || (job->start && !ops->container_action))
		return lacks(job);
	if (!job->spec)
		return berr_set(&job->err, BERR_USAGE, "%s: no container to create", host_name(job));
	if (ops->container_create(job->b, job->spec, &id, &job->err) < 0)
		return -1;
	job->reply = json_pack("{s:s, s:[], s:b}", "Id", id, "Warnings", "Started", 0);
	if (!job->reply) {
		berr_set(&job->err, BERR_LOCAL, "%s: out of memory", host_name(job));
		goto cleanup;
	}
	if (job->start && ops->container_action(job->b, id, CONTAINER_START, &job->err) < 0)
		goto cleanup; /* the reply still names the container */
	if (job->start)
		json_object_set_new(job->reply, "Started", json_true());
	ret = 0;
cleanup:
	free(id);
	return ret;
}

static int op_one(struct fanout_job *job)
{
	const struct backend_ops *ops = job->b->ops;
	struct backend *b = job->b;
	struct list_filter running;

	switch (job->op) {
	case FANOUT_PING:
		return ops->ping ? ops->ping(b, &job->err) : lacks(job);
	case FANOUT_INFO:
		return ops->info ? ops->info(b, &job->reply, &job->err) : lacks(job);
	case FANOUT_CONTAINER_LIST:
		if (!ops->container_list)
			return lacks(job);
		memset(&running, 0, sizeof(running));
		if (ops->container_list(b, job->filter ? job->filter : &running, &job->reply,
					&job->err) < 0)
			return -1;
		return job->flags & FANOUT_RAW ? to_raw(job) : 0;
	case FANOUT_IMAGE_LIST:
		if (!ops->image_list)
			return lacks(job);
		if (ops->image_list(b, job->all, &job->reply, &job->err) < 0)
			return -1;
		return job->flags & FANOUT_RAW ? to_raw(job) : 0;
	case FANOUT_IMAGE_INSPECT:
		if (!ops->image_inspect)
			return lacks(job);
		if (!job->ref)
			return berr_set(&job->err, BERR_USAGE, "%s: no image to inspect", host_name(job));
		return ops->image_inspect(b, job->ref, &job->reply, &job->err);
	case FANOUT_CONTAINER_CREATE:
		return create_one(job);
	}
	return lacks(job);
}

static void run_one(struct fanout_job *job)
{
	long t0 = now_ms();

	job->status = op_one(job) < 0 ? -1 : 0;
	if (job->status < 0 && job->op != FANOUT_CONTAINER_CREATE) {
		json_decref(job->reply); /* a failed op leaves no half answer */
		job->reply = NULL;
	}
	job->elapsed_ms = now_ms() - t0;
}

/* ---- the run -------------------------------------------------------------- */

/* The out fields, fresh. */
static void job_reset(struct fanout_job *job)
{
	json_decref(job->reply);
	job->reply = NULL;
	free(job->raw);
	job->raw = NULL;
	job->raw_len = 0;
	job->status = -1;
	job->elapsed_ms = 0;
	job->reported = 0;
	berr_clear(&job->err);
}

static void interrupted(struct fanout_job *job)
{
	berr_set(&job->err, BERR_INTERRUPTED, "%s: interrupted", host_name(job));
}

size_t fanout_run(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts)
{
	struct fanout_job **group = NULL;
	unsigned char *taken = NULL;
	size_t i, j, m, failed = 0;

	for (i = 0; i < n; i++)
		job_reset(&jobs[i]);
	if (!n)
		return 0;
	group = malloc(n * sizeof(*group));
	taken = calloc(n, 1);
	if (!group || !taken) {
		for (i = 0; i < n; i++)
			berr_set(&jobs[i].err, BERR_LOCAL, "%s: out of memory", host_name(&jobs[i]));
		goto cleanup;
	}
	/* Each call in the order of its first job: a batch kind's whole
	 * group when its first job comes up, a synchronous job by itself. */
	for (i = 0; i < n; i++) {
		const struct backend_ops *ops;

		if (taken[i])
			continue;
		taken[i] = 1;
		if (!jobs[i].b || !jobs[i].b->ops) {
			berr_set(&jobs[i].err, BERR_USAGE, "%s: no backend to run %s on",
				 host_name(&jobs[i]), fanout_op_name(jobs[i].op));
			continue;
		}
		ops = jobs[i].b->ops;
		m = 0;
		group[m++] = &jobs[i];
		if (ops->fanout)
			for (j = i + 1; j < n; j++)
				if (!taken[j] && jobs[j].b && jobs[j].b->ops == ops) {
					taken[j] = 1;
					group[m++] = &jobs[j];
				}
		if (berth_interrupted) {
			for (j = 0; j < m; j++)
				interrupted(group[j]);
		} else if (ops->fanout) {
			ops->fanout(group, m, opts);
		} else {
			run_one(&jobs[i]);
			if (opts && opts->done) {
				jobs[i].reported = 1;
				opts->done(&jobs[i], opts->done_ud);
			}
		}
	}

cleanup:
	for (i = 0; i < n; i++) {
		if (opts && opts->done && !jobs[i].reported) {
			jobs[i].reported = 1;
			opts->done(&jobs[i], opts->done_ud);
		}
		if (jobs[i].status < 0)
			failed++;
	}
	free(group);
	free(taken);
	return failed;
}

/* ---- the process's concurrency ------------------------------------------- */

static size_t max_inflight = FANOUT_MAX_INFLIGHT;

void fanout_set_max_inflight(size_t n)
{
	max_inflight = n ? n : FANOUT_MAX_INFLIGHT;
}

size_t fanout_max_inflight(void)
{
	return max_inflight;
}

/* ---- helpers -------------------------------------------------------------- */

/* A fresh job but for b. */
static void job_prepare(struct fanout_job *job, enum fanout_op op)
{
	struct backend *b = job->b;

	fanout_job_release(job);
	memset(job, 0, sizeof(*job));
	job->b = b;
	job->op = op;
}

size_t fanout_container_list(struct fanout_job *jobs, size_t n, const struct list_filter *filter,
			     const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		job_prepare(&jobs[i], FANOUT_CONTAINER_LIST);
		jobs[i].filter = filter;
	}
	return fanout_run(jobs, n, opts);
}

size_t fanout_image_list(struct fanout_job *jobs, size_t n, int all,
			 const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		job_prepare(&jobs[i], FANOUT_IMAGE_LIST);
		jobs[i].all = all;
	}
	return fanout_run(jobs, n, opts);
}

size_t fanout_info(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++)
		job_prepare(&jobs[i], FANOUT_INFO);
	return fanout_run(jobs, n, opts);
}

size_t fanout_ping(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++)
		job_prepare(&jobs[i], FANOUT_PING);
	return fanout_run(jobs, n, opts);
}

size_t fanout_image_inspect(struct fanout_job *jobs, size_t n, const char *ref,
			    const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		job_prepare(&jobs[i], FANOUT_IMAGE_INSPECT);
		jobs[i].ref = ref;
	}
	return fanout_run(jobs, n, opts);
}

size_t fanout_container_create(struct fanout_job *jobs, const struct container_spec *const *specs,
			       size_t n, int start, const struct fanout_opts *opts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		job_prepare(&jobs[i], FANOUT_CONTAINER_CREATE);
		jobs[i].spec = specs[i];
		jobs[i].start = start;
	}
	return fanout_run(jobs, n, opts);
}

size_t fanout_refresh(struct fanout_job *jobs, struct backend *const *bs, size_t n,
		      const struct fanout_opts *opts)
{
	static const struct list_filter all = { .all = 1 };
	size_t i;

	for (i = 0; i < n; i++) {
		jobs[3 * i].b = jobs[3 * i + 1].b = jobs[3 * i + 2].b = bs[i];
		job_prepare(&jobs[3 * i], FANOUT_CONTAINER_LIST);
		jobs[3 * i].filter = &all;
		jobs[3 * i].flags = FANOUT_RAW;
		job_prepare(&jobs[3 * i + 1], FANOUT_IMAGE_LIST);
		jobs[3 * i + 1].flags = FANOUT_RAW;
		job_prepare(&jobs[3 * i + 2], FANOUT_INFO);
	}
	return fanout_run(jobs, 3 * n, opts);
}

void fanout_job_release(struct fanout_job *job)
{
	if (!job)
		return;
	json_decref(job->reply);
	job->reply = NULL;
	free(job->raw);
	job->raw = NULL;
	job->raw_len = 0;
}

void fanout_jobs_release(struct fanout_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; jobs && i < n; i++)
		fanout_job_release(&jobs[i]);
}
