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
	const char *tls_name;   /* with TLS to tcp://ADDRESS:PORT: the name the server's
				 * certificate holds (a spawned host's NAME.berth.internal);
				 * requests go to https://TLS_NAME:PORT with the name
				 * pinned to ADDRESS (CURLOPT_CONNECT_TO), so the
				 * certificate is checked against the name, not the
				 * address, which may change. NULL: the URL's host. */
	long connect_timeout_ms; /* 0 = default (5000) */
	long timeout_ms;        /* a whole short request (ping, list, inspect, create,
				 * start, delete), 0 = default (10000) */
	long idle_ms;           /* long transfers (logs, image load, save, pull, copy,
				 * a stop's grace period) have no total limit: quiet
				 * this long, the engine gets a GET /_ping that must
				 * answer within timeout_ms. 0 = default (10000) */
	const char *api_version; /* pinned ("1.41", from DOCKER_API_VERSION) or NULL to negotiate */
	/* What the user can do, in the words of where the host comes from
	 * (a configuration, the store, -H URL, DOCKER_HOST), for the refusals
	 * and for TLS that does not match the port; NULL: the configuration's
	 * (DOCKER_ADVICE_*). */
	const char *advice_tls;      /* give the host TLS */
	const char *advice_plain;    /* allow plain HTTP to it */
	const char *advice_to_plain; /* turn its TLS off for plain HTTP */
};
#define DOCKER_ADVICE_TLS "give the host a tls_dir with ca.pem, cert.pem and key.pem"
#define DOCKER_ADVICE_PLAIN "mark it insecure: true in the config"
#define DOCKER_ADVICE_TO_PLAIN "drop its tls_dir and mark it insecure: true in the config"

/* Checks the endpoint (scheme, TLS files present, tcp without TLS refused
 * unless insecure) without connecting; a refusal suggests only what the
 * endpoint's advice says will work. The API version is negotiated on
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

/* Several targets, or a tarball as the source: the docker kind's
 * image_copy (backends/backend.h), through backend_image_copy(). */

#endif
