/* docker.h: the Docker Engine REST client, a struct backend implementation. */
#ifndef BERTH_DOCKER_H
#define BERTH_DOCKER_H

#include "backend.h"

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
	long timeout_ms;        /* whole request, 0 = default (60000); streams
				 * (logs --follow, load, save) are exempt */
	const char *api_version; /* pinned ("1.41", from DOCKER_API_VERSION) or NULL to negotiate */
};

/* Checks the endpoint (scheme, TLS files present, tcp without TLS refused
 * unless insecure) without connecting. The API version is negotiated on
 * the first request (GET /_ping's Api-Version header). */
struct backend *docker_backend_new(const struct docker_endpoint *ep, struct berr *err);

/* The API version in use after negotiation ("1.41"), or NULL before. */
const char *docker_api_version(struct backend *b);

#endif
