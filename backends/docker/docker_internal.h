/* docker_internal.h: the Docker backend's parts that its multi-host
 * machinery (backends/docker/docker_fanout.c, backends/docker/docker_copy.c) drives
 * itself.
 *
 * Those files run many requests at once in one curl multi loop, so they
 * cannot call the backend's blocking ops; they build the same requests and
 * judge the same replies with these, which is what keeps their paths,
 * version negotiation and error lines identical to the synchronous
 * client's. Not for commands: they see struct backend only.
 */
#ifndef BERTH_DOCKER_INTERNAL_H
#define BERTH_DOCKER_INTERNAL_H

#include <jansson.h>
#include "backends/docker/docker.h"
#include "backends/docker/http.h"

struct docker {
	struct backend base;
	struct http_conn *http;
	char *display_url;
	char api[16];   /* "1.41" once known; "" before negotiation */
};

/* b as a Docker backend, or NULL when it is another kind. */
struct docker *docker_of(struct backend *b);

/* "GET /containers/abc/json": the path as messages show it, without the
 * version prefix and the query. */
void docker_describe(char *buf, size_t size, const char *method, const char *path);
/* "/v1.41" + path (caller frees), NULL when out of memory. */
char *docker_api_path(struct docker *d, const char *path);
/* prefix + escaped ref + suffix (caller frees). */
char *docker_object_path(const char *prefix, const char *ref, const char *suffix);

/* Negotiation without the blocking calls: the caller sends GET /_ping
 * (unversioned) and hands the response here. 0: d->api is set; 1: the
 * engine did not say (send GET /version and call
 * docker_negotiate_version()); -1: err. */
int docker_negotiate_ping(struct docker *d, const struct http_response *resp, struct berr *err);
int docker_negotiate_version(struct docker *d, const struct http_response *resp,
			     struct berr *err);

#define DOCKER_OK304 0x1  /* 304 Not Modified is success (already started/stopped) */
#define DOCKER_NOJSON 0x2 /* a 2xx body is not JSON (GET /_ping's "OK"): ignore it */
#define DOCKER_NEEDJSON 0x4 /* an empty 2xx body is malformed */

/* What docker_call() makes of a response to what ("POST /containers/create"):
 * an engine error line for a non-2xx status, else *out (may be NULL)
 * gets the parsed body (NULL for an empty one unless DOCKER_NEEDJSON). */
int docker_reply(struct docker *d, const char *what, const struct http_response *resp,
		 unsigned flags, json_t **out, struct berr *err);

#define DOCKER_LONG 0x100 /* no whole-request limit; a quiet engine gets a liveness ping */

/* A buffered call: method, path (with query, unversioned), optional JSON
 * body; on 2xx *out (if not NULL) gets the parsed reply. flags: DOCKER_*. */
int docker_call(struct docker *d, const char *method, const char *path, json_t *body,
		json_t **out, unsigned flags, struct berr *err);
/* d->api set (GET /_ping, or /version), once per backend. */
int docker_negotiate(struct docker *d, struct berr *err);
/* A JSON array of the n strings (NULL when one is not UTF-8). */
json_t *docker_string_array(const char *const *s, size_t n);
struct strbuf;
/* "?key=value" or "&key=value", the value escaped. */
void docker_param(struct strbuf *sb, const char *key, const char *value);

/* A request body read from a backend_source_fn (image load, import):
 * docker_source_read is the HTTP reader; failed is set when src failed. */
struct docker_source {
	backend_source_fn src;
	void *ud;
	int failed;
};
size_t docker_source_read(void *ud, char *buf, size_t len);

int docker_malformed(struct docker *d, const char *what, struct berr *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* path + "?filters=" of filters[0..n) ("label=K=V", "dangling=true",
 * as GET /containers/json takes them); path alone for none (caller frees). */
char *docker_filtered_path(struct docker *d, const char *path, const char *const *filters,
			   size_t n, struct berr *err);

/* 1 when the API in use (negotiated first) is version or newer, 0 when
 * older, -1 with err when the negotiation failed. */
int docker_api_at_least(struct docker *d, const char *version, struct berr *err);
/* "K=V" strings as {"K": "V"} ("K" alone: ""), as labels and options go. */
json_t *docker_kv_object(const char *const *kv, size_t n);
/* b as a Docker backend, else NULL with BERR_USAGE in err. */
struct docker *docker_need(struct backend *b, struct berr *err);
/* POST path (a prune) with filters: *report gets the engine's reply. */
int docker_prune_call(struct backend *b, const char *path, const char *const *filters,
		      size_t nfilters, json_t **report, struct berr *err);

/* The same with one filter more (extra, "all=true"), NULL for none. */
int docker_prune_with(struct backend *b, const char *path, const char *extra,
		      const char *const *filters, size_t nfilters, json_t **report,
		      struct berr *err);

/* GET /containers/json with filter (may be NULL), unversioned (caller frees). */
char *docker_list_path(struct docker *d, const struct list_filter *filter, struct berr *err);
/* The body and path (with ?name=) of POST /containers/create for spec. */
int docker_create_request(struct docker *d, const struct container_spec *spec,
			  json_t **body, char **path, struct berr *err);
/* What create's body says of the options after the first ones (binds,
 * mounts, workdir, health check, ...): into body and its HostConfig
 * host (backends/docker/docker_create.c). -1 when out of memory or a
 * string is not valid UTF-8. */
int docker_create_more(const struct container_spec *spec, json_t *body, json_t *host);

/* The verbs after create (backends/docker/docker_verbs.c): backend_ops'. */
int docker_container_kill(struct backend *b, const char *ref, const char *signal,
			  struct berr *err);
int docker_container_rename(struct backend *b, const char *ref, const char *name,
			    struct berr *err);
int docker_container_stop_after(struct backend *b, const char *ref,
				enum container_action action, int64_t seconds, struct berr *err);
int docker_container_update(struct backend *b, const char *ref, const struct container_update *u,
			    json_t **warnings, struct berr *err);
int docker_container_prune(struct backend *b, const char *const *filters, size_t nfilters,
			   json_t **report, struct berr *err);
int docker_image_tag(struct backend *b, const char *ref, const char *target, struct berr *err);
int docker_image_history(struct backend *b, const char *ref, json_t **list, struct berr *err);
int docker_image_prune(struct backend *b, int all, const char *const *filters, size_t nfilters,
		       json_t **report, struct berr *err);
int docker_image_import(struct backend *b, backend_source_fn src, void *ud,
			const struct image_import_opts *opts, char **id, struct berr *err);
/* restart_policy's JSON for update (NULL with err when malformed). */
json_t *docker_restart_policy(struct docker *d, const char *restart, struct berr *err);

/* ["label=a=b", "until=24h"] -> {"label": ["a=b"], "until": ["24h"]};
 * NULL with err when one is not KEY=VALUE. */
json_t *docker_filters_object(struct docker *d, const struct list_filter *f, struct berr *err);

/* The new container's ID from create's reply (borrowed from reply). */
const char *docker_created_id(struct docker *d, json_t *reply, struct berr *err);

/* The JSON-lines reply of POST /images/load, fed as it arrives. */
struct docker_load_reply;
struct docker_load_reply *docker_load_reply_new(void);
void docker_load_reply_free(struct docker_load_reply *lr);
/* An http_write_fn. */
int docker_load_reply_write(void *ud, const char *buf, size_t len);
/* After the transfer: the names the engine loaded in *loaded, or err
 * (an engine error status or line, a malformed reply). */
int docker_load_reply_finish(struct docker *d, const struct http_response *resp,
			     struct docker_load_reply *lr, json_t **loaded, struct berr *err);

/* backend_ops.image_copy (backends/docker/docker_copy.c): what
 * docker_image_copy() does, into every target at once; the buffer moves
 * at the pace of the slowest target still going. */
int docker_image_copy_many(struct backend *src, const char *ref,
			   backend_source_fn fn, void *ud,
			   struct image_copy_target *targets, size_t n, struct berr *err);

/* The exec, attach, resize and wait calls (backends/docker/docker_exec.c);
 * backends/backend.h says what each does. */
int docker_exec_create(struct backend *b, const char *ref, const struct exec_spec *spec,
		       char **exec_id, struct berr *err);
int docker_exec_start(struct backend *b, const char *exec_id, int tty, int detach,
		      struct backend_stream **s, struct berr *err);
int docker_exec_inspect(struct backend *b, const char *exec_id, json_t **obj, struct berr *err);
int docker_exec_resize(struct backend *b, const char *exec_id, int rows, int cols,
		       struct berr *err);
int docker_container_attach(struct backend *b, const char *ref, const struct attach_opts *opts,
			    struct backend_stream **s, struct berr *err);
int docker_container_resize(struct backend *b, const char *ref, int rows, int cols,
			    struct berr *err);
int docker_container_wait(struct backend *b, const char *ref, int64_t *code, struct berr *err);
/* A request on d's connection with the API version negotiated first and
 * "/vX.Y" put before path; resp as http_request()'s (release it). */
int docker_request(struct docker *d, struct http_request *req, const char *path,
		   struct http_response *resp, struct berr *err);

/* backends/docker/docker_archive.c: the ops of backends/backend.h of the
 * same names (archive, top, stats). */
int docker_archive_stat(struct backend *b, const char *ref, const char *path,
			struct archive_stat *st, struct berr *err);
int docker_archive_get(struct backend *b, const char *ref, const char *path,
		       backend_sink_fn sink, void *ud, struct berr *err);
int docker_archive_put(struct backend *b, const char *ref, const char *path,
		       int no_overwrite_dir, backend_source_fn src, void *ud, struct berr *err);
int docker_container_top(struct backend *b, const char *ref, const char *ps_args, json_t **out,
			 struct berr *err);
int docker_container_stats(struct backend *b, const char *ref, json_t **out, struct berr *err);

/* backends/docker/docker_events.c: backend_ops.events. */
int docker_events(struct backend *const *bs, size_t n, const struct event_opts *opts,
		  backend_event_fn fn, void *ud, struct berr *err);

#endif
