/* docker_fanout.h: requests on many Docker engines at once; the Docker
 * kind's batch entry point (backend_ops.fanout) for backends/fanout.h.
 *
 * Internal to backends/docker/ (and tests/fanout-driver.c): everyone else
 * fans out through backends/fanout.h with typed jobs, which
 * docker_fanout() turns into the requests below.
 *
 * Every job's transfer runs in ONE curl multi loop, at most max_inflight
 * at a time, each under its own host's connect and request timeouts, so a
 * host that accepts connections and never answers (a stopped engine) or
 * refuses them (a dead one) costs only its own job: the call returns once
 * every job has an answer or an error, never later than the slowest
 * host's own timeout (when max_inflight covers the jobs). Hosts whose API
 * version is not known yet negotiate it (GET /_ping, then GET /version if
 * need be) in the same loop first; a host's failed negotiation fails its
 * jobs with that error. Ctrl-C (berth_interrupted) ends the loop within
 * ~0.1s, the unfinished jobs failing with BERR_INTERRUPTED.
 *
 * Results are per job: never all-or-nothing. Error lines are the
 * synchronous client's ("HOST: cannot connect to the engine at URL: ...",
 * "HOST: the engine at URL did not answer within 5s (GET /containers/json)").
 *
 * Jobs take docker backends (docker_backend_new()); any other kind fails
 * its job with BERR_USAGE.
 */
#ifndef BERTH_DOCKER_FANOUT_H
#define BERTH_DOCKER_FANOUT_H

#include <stddef.h>
#include <jansson.h>
#include "backends/fanout.h"
#include "backends/docker/docker_internal.h"

/* A job's flags: DOCKER_OK304, DOCKER_NOJSON, DOCKER_NEEDJSON
 * (docker_internal.h), and: */
#define DOCKER_JOB_RAW 0x8 /* keep the 2xx body as it came in job->raw, unparsed
			    * (jobs without a then callback only) */

struct docker_job;

/*
 * Called after each successful step of a job with that step's parsed
 * reply (borrowed; NULL for an empty body). Return 0: the job is done
 * (set job->reply to what it should hold, e.g. json_incref(reply));
 * 1: run the request now in job->method/path/body/flags as the job's next
 * step, on the same host, in the same loop (keep what you need of reply
 * in job->reply or job->ud first); -1: the job failed, job->err filled.
 */
typedef int (*docker_then_fn)(struct docker_job *job, json_t *reply);

struct docker_job {
	/* in */
	struct backend *b;   /* a docker backend (borrowed) */
	const char *method;  /* "GET", "POST", "DELETE" */
	const char *path;    /* unversioned, escaped, with its query: "/containers/json?all=1" */
	json_t *body;        /* JSON request body or NULL (borrowed) */
	unsigned flags;      /* see above */
	docker_then_fn then; /* NULL: job->reply gets the reply */
	void *ud;            /* for then */
	int ping;            /* GET /_ping whose answer a fresh negotiation already is */

	/* out */
	int status;          /* 0 ok, -1 failed (err) */
	struct berr err;
	json_t *reply;       /* the parsed reply (owned); NULL for an empty body. A
			      * failed later step leaves the one before's. */
	long elapsed_ms;     /* from the job's first transfer (or its host's
			      * negotiation) to its end */
	int step;            /* steps finished (then's count) */
	char *raw;           /* DOCKER_JOB_RAW: the body, NUL-terminated (owned) */
	size_t raw_len;
	/* docker_fanout()'s: the typed job whose answer this is. With
	 * opts->done the answer moves there as the job ends, and done is
	 * called; origin is then NULL. */
	struct fanout_job *origin;

	/* Owned by the job and freed by docker_job_release(): for path and
	 * body strings a then callback or docker_fanout() built. */
	char *path_owned;
	json_t *body_owned;
};

/* Runs jobs[0..n) (zeroed, then b, method, path and the rest filled in;
 * out fields are set here, a reply from an earlier run released). Jobs
 * start in array order as slots free up; put hosts side by side to spread
 * them. Returns the number of failed jobs. */
size_t docker_jobs_run(struct docker_job *jobs, size_t n, const struct fanout_opts *opts);

/* Frees a job's reply and owned strings; the job may be run again. */
void docker_job_release(struct docker_job *job);
void docker_jobs_release(struct docker_job *jobs, size_t n);

/* backend_ops.fanout of the docker kind: each typed job as its request
 * (the same paths, checks and replies as the synchronous ops), all in one
 * docker_jobs_run(); the replies and raw bodies move into the jobs. */
size_t docker_fanout(struct fanout_job *const *jobs, size_t n, const struct fanout_opts *opts);

#endif
