/* fanout.h: one request on each of many Docker engines at once.
 *
 * The pool's listings and parallel creates go through here: every job's
 * transfer runs in ONE curl multi loop, at most max_inflight at a time,
 * each under its own host's connect and request timeouts, so a host that
 * accepts connections and never answers (a stopped engine) or refuses
 * them (a dead one) costs only its own job: the call returns once every
 * job has an answer or an error, never later than the slowest host's own
 * timeout (when max_inflight covers the jobs). Hosts whose API version is
 * not known yet negotiate it (GET /_ping, then GET /version if need be)
 * in the same loop first; a host's failed negotiation fails its jobs with
 * that error. Ctrl-C (berth_interrupted) ends the loop within ~0.1s, the
 * unfinished jobs failing with BERR_INTERRUPTED.
 *
 * Results are per job: never all-or-nothing. Error lines are the
 * synchronous client's ("HOST: cannot connect to the engine at URL: ...",
 * "HOST: the engine at URL did not answer within 5s (GET /containers/json)").
 *
 * Jobs take docker backends (docker_backend_new()); any other kind fails
 * its job with BERR_USAGE.
 */
#ifndef BERTH_FANOUT_H
#define BERTH_FANOUT_H

#include <stddef.h>
#include <jansson.h>
#include "backends/backend.h"

#define FANOUT_OK304  0x1 /* 304 Not Modified is success (start/stop) */
#define FANOUT_NOJSON 0x2 /* the 2xx body is not JSON: don't parse it */
#define FANOUT_NEEDJSON 0x4 /* an empty 2xx body is a malformed reply */
#define FANOUT_RAW    0x8 /* keep the 2xx body as it came in job->raw, unparsed
			   * (jobs without a then callback only) */

struct fanout_job;

/*
 * Called after each successful step of a job with that step's parsed
 * reply (borrowed; NULL for an empty body). Return 0: the job is done
 * (set job->reply to what it should hold, e.g. json_incref(reply));
 * 1: run the request now in job->method/path/body/flags as the job's next
 * step, on the same host, in the same loop (keep what you need of reply
 * in job->reply or job->ud first); -1: the job failed, job->err filled.
 */
typedef int (*fanout_then_fn)(struct fanout_job *job, json_t *reply);

struct fanout_job {
	/* in */
	struct backend *b;   /* a docker backend (borrowed) */
	const char *method;  /* "GET", "POST", "DELETE" */
	const char *path;    /* unversioned, escaped, with its query: "/containers/json?all=1" */
	json_t *body;        /* JSON request body or NULL (borrowed) */
	unsigned flags;      /* FANOUT_OK304, FANOUT_NOJSON */
	fanout_then_fn then; /* NULL: job->reply gets the reply */
	void *ud;            /* for then */

	/* out */
	int status;          /* 0 ok, -1 failed (err) */
	struct berr err;
	json_t *reply;       /* the parsed reply (owned); NULL for an empty body. A
			      * failed later step leaves the one before's. */
	long elapsed_ms;     /* from the job's first transfer (or its host's
			      * negotiation) to its end */
	int step;            /* steps finished (then's count) */
	char *raw;           /* FANOUT_RAW: the body, NUL-terminated (owned) */
	size_t raw_len;

	/* Owned by the job and freed by fanout_job_release(): for path and
	 * body strings a then callback or a helper built. */
	char *path_owned;
	json_t *body_owned;
};

struct fanout_opts {
	size_t max_inflight; /* transfers at once; 0 = FANOUT_MAX_INFLIGHT */
};

#define FANOUT_MAX_INFLIGHT 32

/* Runs jobs[0..n) (zeroed, then b, method, path and the rest filled in;
 * out fields are set here, a reply from an earlier run released). Jobs start in array order as slots free up; put hosts
 * side by side to spread them. Returns the number of failed jobs. */
size_t fanout_run(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);

/* The helpers: set each job's b (and nothing else), they fill in the
 * request and run. job->reply is then what the matching backend op
 * returns: */

/* the engine's array of GET /containers/json (filter may be NULL) */
size_t fanout_container_list(struct fanout_job *jobs, size_t n, const struct list_filter *filter,
			     const struct fanout_opts *opts);
/* the engine's array of GET /images/json */
size_t fanout_image_list(struct fanout_job *jobs, size_t n, int all,
			 const struct fanout_opts *opts);
/* GET /info's object with "ApiVersion" added, as backend info() */
size_t fanout_info(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);
/* NULL: reachability only (a host still negotiating needs just its ping) */
size_t fanout_ping(struct fanout_job *jobs, size_t n, const struct fanout_opts *opts);
/*
 * POST /containers/create of specs[i] on jobs[i].b, then with start
 * POST /containers/ID/start, in one loop: reply {"Id": ..., "Warnings":
 * [...], "Started": bool}. When the create worked and the start did not,
 * the job failed (err is the start's) and reply still names the Id.
 */
size_t fanout_container_create(struct fanout_job *jobs, const struct container_spec *const *specs,
			       size_t n, int start, const struct fanout_opts *opts);

/*
 * What a cache refresh reads of each of n hosts, in one loop: for bs[i],
 * jobs[3i] is GET /containers/json?all=1 and jobs[3i+1] GET /images/json,
 * both FANOUT_RAW (big listings are parsed by the store's own parser), and
 * jobs[3i+2] GET /info as fanout_info. jobs holds 3n zeroed jobs.
 */
size_t fanout_refresh(struct fanout_job *jobs, struct backend *const *bs, size_t n,
		      const struct fanout_opts *opts);

/* Frees a job's reply and owned strings; the job may be run again. */
void fanout_job_release(struct fanout_job *job);
void fanout_jobs_release(struct fanout_job *jobs, size_t n);

#endif
