/* docker.h: the Docker Engine REST client, a struct backend implementation. */
#ifndef BERTH_DOCKER_H
#define BERTH_DOCKER_H

#include "backends/backend.h"

/* Everything needed to reach one engine. Strings are borrowed for the
 * duration of docker_backend_new(), which copies what it keeps. */
struct docker_endpoint {
	const char *name;       /* host name for messages: "local" */
	const char *url;        /* unix:///path, tcp://host:port (http:// and https:// are
				 * accepted as synonyms of tcp:// without/with TLS) */
	const char *tls_dir;    /* directory with ca.pem, cert.pem, key.pem; NULL = no TLS */
	int tls_verify;         /* use TLS with tls_dir's certificates (DOCKER_TLS_VERIFY) */
	int insecure;           /* allow plain HTTP to a tcp:// URL */
	long connect_timeout_ms; /* 0 = default (5000) */
	long timeout_ms;        /* a whole short request (ping, list, inspect, create,
				 * start, delete), 0 = default (10000) */
	long idle_ms;           /* long transfers (logs, image load, save, pull, copy,
				 * a stop's grace period) have no total limit: quiet
				 * this long, the engine gets a GET /_ping that must
				 * answer within timeout_ms. 0 = default (10000) */
	const char *api_version; /* pinned ("1.41", from DOCKER_API_VERSION) or NULL to negotiate */
};

/* Checks the endpoint (scheme, TLS files present, tcp without TLS refused
 * unless insecure) without connecting. The API version is negotiated on
 * the first request (GET /_ping's Api-Version header). */
struct backend *docker_backend_new(const struct docker_endpoint *ep, struct berr *err);

/* The API version in use after negotiation ("1.41"), or NULL before. */
const char *docker_api_version(struct backend *b);

/*
 * Engine to engine, no registry: streams GET /images/get?names=REF from
 * src into POST /images/load on dst at once, through a bounded buffer
 * (no temporary file, never the whole tarball in memory). *loaded (may be
 * NULL) gets what dst reported loading, as image_load(). A failure on
 * either side ends both; err's line names the host that failed. Both
 * hosts are pinged first, so a dead target costs no export. An engine
 * may take as long as it needs (an export writes the image to disk
 * before its first byte), but a side quiet for its host's idle timeout
 * gets a GET /_ping on a connection of its own: one that does not answer
 * it within its host's request timeout (a stopped engine) fails the copy
 * as a timeout.
 * Ctrl-C (berth_interrupted) ends it within ~0.1s. Implemented in
 * backends/docker/docker_copy.c.
 */
int docker_image_copy(struct backend *src, const char *ref, struct backend *dst,
		      json_t **loaded, struct berr *err);

struct image_copy_target {
	struct backend *b; /* in: a docker backend */
	int status;        /* out: 0 loaded, -1 failed (err) */
	struct berr err;
	json_t *loaded;    /* out: as image_load()'s (owned) */
	int64_t bytes;     /* out: bytes of the tarball it took */
	int by_source;     /* out: it failed because the source did (err is the
			    * source's): another source may still serve it */
};

/*
 * One read, n uploads: the tarball of REF from engine src, or (src NULL)
 * the bytes fn supplies (a `docker save | gzip` file), streamed into every
 * target at once. A target that fails drops out and the rest go on; the
 * buffer moves at the pace of the slowest target still going. Returns 0
 * when every target loaded, else -1 with err the source's failure (then
 * every unfinished target carries it too) or the first target's.
 */
int docker_image_copy_many(struct backend *src, const char *ref,
			   backend_source_fn fn, void *ud,
			   struct image_copy_target *targets, size_t n, struct berr *err);
void image_copy_targets_release(struct image_copy_target *targets, size_t n);

#endif
