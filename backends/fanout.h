/* fanout.h: one operation on each of many backends at once.
 *
 * A fan-out is a way of calling the backend vtable (backends/backend.h)
 * over many backends: each job names a backend and a typed operation with
 * its arguments, and gets its own result. fanout_run() groups the jobs by
 * their backend's kind (their ops table):
 *
 *   - a kind whose ops have a fanout entry gets its whole group in ONE
 *     call, the jobs in array order (the Docker kind runs them in one curl
 *     multi loop: see backends/docker/docker_fanout.h for its timeouts,
 *     its concurrency and its negotiation);
 *   - any other kind gets each of its jobs run through its synchronous
 *     ops, one after the other, in array order.
 *
 * The calls are made one after another, each when its first job comes up
 * in the array (a batch kind's whole group then, a synchronous job by
 * itself); jobs of a single batch kind are a single call, no more than a
 * direct call into that kind's loop. Results are per job, never
 * all-or-nothing: a job of a kind that lacks the operation fails with
 * BERR_USAGE, a job without a backend too, and once Ctrl-C is seen
 * (berth_interrupted) every job not yet finished fails with
 * BERR_INTERRUPTED ("NAME: interrupted").
 */
#ifndef BERTH_FANOUT_H
#define BERTH_FANOUT_H

#include <stddef.h>
#include <jansson.h>
#include "backends/backend.h"

/* What a job does; reply is what the matching backend op returns. */
enum fanout_op {
	FANOUT_PING,             /* ping(): reply NULL */
	FANOUT_INFO,             /* info(): the object, "ApiVersion" included */
	FANOUT_CONTAINER_LIST,   /* container_list(filter): the array */
	FANOUT_IMAGE_LIST,       /* image_list(all): the array */
	FANOUT_IMAGE_INSPECT,    /* image_inspect(ref): the object; a missing
				  * image fails with BERR_NOT_FOUND */
	/* container_create(spec), then with start container_action(START):
	 * {"Id": ..., "Warnings": [...], "Started": bool}. When the create
	 * worked and the start did not, the job failed (err is the start's)
	 * and reply still names the Id. */
	FANOUT_CONTAINER_CREATE,
};

/* FANOUT_CONTAINER_LIST and FANOUT_IMAGE_LIST only: raw gets the listing
 * as JSON text, and reply may stay NULL (the Docker kind keeps the
 * engine's body as it came, unparsed: big listings are parsed by the
 * store's own parser). */
#define FANOUT_RAW 0x1

struct fanout_job {
	/* in (the helpers below fill all but b) */
	struct backend *b;                  /* borrowed */
	enum fanout_op op;
	const struct list_filter *filter;   /* CONTAINER_LIST; NULL: running ones (borrowed) */
	int all;                            /* IMAGE_LIST: intermediate images too */
	const char *ref;                    /* IMAGE_INSPECT (borrowed) */
	const struct container_spec *spec;  /* CONTAINER_CREATE (borrowed) */
	int start;                          /* CONTAINER_CREATE: start it as well */
	unsigned flags;                     /* FANOUT_RAW */

	/* out: set by fanout_run(); what an earlier run left is released */
	int status;          /* 0 ok, -1 failed (err) */
	struct berr err;
	json_t *reply;       /* as the op's (owned); see enum fanout_op */
	char *raw;           /* FANOUT_RAW: the listing, NUL-terminated (owned) */
	size_t raw_len;
	long elapsed_ms;     /* from the job's start (or its host's negotiation) to its end */
	int reported;        /* opts->done was called for it */
};

struct fanout_opts {
	size_t max_inflight; /* a batch kind's requests at once; 0 = FANOUT_MAX_INFLIGHT */
	/* NULL, or called once for every job as it ends (as it ends in a
	 * batch kind's loop, else after it ran), status, err and reply or
	 * raw set: it may take the reply or raw (fanout_job_release()), so
	 * that big answers need not all be held at once. */
	void (*done)(struct fanout_job *job, void *ud);
	void *done_ud;
};

#define FANOUT_MAX_INFLIGHT 32

/* What max_inflight 0 (or opts NULL) means for this process from now on:
 * n, or FANOUT_MAX_INFLIGHT for 0 (pool.concurrency sets it). */
void fanout_set_max_inflight(size_t n);
size_t fanout_max_inflight(void);

/* Runs jobs[0..n) (b, op and the op's arguments filled in). Returns the
 * number of failed jobs. */
size_t fanout_run(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);

/* The helpers: set each job's b (and nothing else); they fill in the op
 * and its arguments, and run. */

/* FANOUT_CONTAINER_LIST on every job (filter may be NULL) */
size_t fanout_container_list(struct fanout_job *jobs, size_t n, const struct list_filter *filter,
			     const struct fanout_opts *opts);
/* FANOUT_IMAGE_LIST */
size_t fanout_image_list(struct fanout_job *jobs, size_t n, int all,
			 const struct fanout_opts *opts);
/* FANOUT_INFO */
size_t fanout_info(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);
/* FANOUT_PING */
size_t fanout_ping(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);
/* FANOUT_IMAGE_INSPECT of ref on every job */
size_t fanout_image_inspect(struct fanout_job *jobs, size_t n, const char *ref,
			    const struct fanout_opts *opts);
/* FANOUT_CONTAINER_CREATE of specs[i] on jobs[i].b (specs borrowed for
 * the call) */
size_t fanout_container_create(struct fanout_job *jobs, const struct container_spec *const *specs,
			       size_t n, int start, const struct fanout_opts *opts);

/*
 * What a cache refresh reads of each of n hosts, in one run: for bs[i],
 * jobs[3i] is the container list with all=1 and jobs[3i+1] the image
 * list, both FANOUT_RAW, and jobs[3i+2] FANOUT_INFO. jobs holds 3n jobs.
 */
size_t fanout_refresh(struct fanout_job *jobs, struct backend *const *bs, size_t n,
		      const struct fanout_opts *opts);

/* A job's op as messages name it ("container list"). */
const char *fanout_op_name(enum fanout_op op);

/* Frees a job's reply and raw body; the job may be run again. */
void fanout_job_release(struct fanout_job *job);
void fanout_jobs_release(struct fanout_job *jobs, size_t n);

#endif
