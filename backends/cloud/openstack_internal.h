/* openstack_internal.h: what openstack.c (Nova, Neutron) and
 * openstack_http.c (HTTP, Keystone, the catalog) share. */
#ifndef BERTH_OPENSTACK_INTERNAL_H
#define BERTH_OPENSTACK_INTERNAL_H

#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include "backends/cloud/cloud.h"
#include "backends/cloud/clouds_yaml.h"

enum os_service { OS_IDENTITY, OS_COMPUTE, OS_NETWORK };

struct openstack {
	struct cloud base;
	struct clouds_config cfg;  /* the credentials: never in a message */
	char *auth_url;            /* Keystone's, ending in /v3 */
	char *interface;           /* catalog interface: "public" by default */
	char *floating_network;    /* name or ID; NULL: the first external one */
	enum cloud_address address;
	long connect_timeout_ms, request_timeout_ms;
	CURL *curl;                /* one handle: its connections are reused */
	char *token;               /* X-Subject-Token of the last authentication */
	time_t token_until;        /* reused until then (its expiry minus a margin) */
	char *compute_url, *network_url; /* from the token's catalog */
};

/* One request to service svc: path is appended to the service's URL
 * (from the catalog; "/v2.0" added for Neutron). Authenticates when there
 * is no valid token, and once more on a 401 (then retries once). A 2xx
 * reply's JSON body goes to *out (when out is not NULL; NULL for an empty
 * body). Failures: one line naming the cloud, method and path, with the
 * API's own message: 404 BERR_NOT_FOUND, 409 BERR_CONFLICT, other statuses
 * BERR_ENGINE, curl failures BERR_CONNECT, BERR_TIMEOUT, BERR_TLS. */
int os_api(struct openstack *o, enum os_service svc, const char *method, const char *path,
	   json_t *body, json_t **out, struct berr *err);

/* s escaped for a URL's query or path (owned by the caller). */
char *os_escape(struct openstack *o, const char *s);

/* to (holding no token yet) takes from's token and catalog URLs while the
 * token is valid; to re-authenticates on its own once it expires. */
void os_http_share(struct openstack *to, const struct openstack *from);
/* Internal, exposed for tests/fuzz: what the transport makes of a reply
 * once it has arrived. Keystone's answer to POST /auth/tokens (the token
 * and the endpoints into o), and an API's answer (*out, NULL for an empty
 * body), each 0, or -1 with err as os_api() says. */
int os_reply_keystone(struct openstack *o, long status, const char *body, size_t len,
		      const char *subject_token, struct berr *err);
int os_reply_api(struct openstack *o, long status, const char *body, size_t len, json_t **out,
		 struct berr *err);
/* The VMs of GET /servers/detail's servers (openstack.c), the deleted
 * ones and those without match's tags left out: *out owned, *n of them. */
void os_vms_from_json(struct openstack *o, const json_t *servers, const struct cloud_tag *match,
		      size_t nmatch, struct cloud_vm **out, size_t *n);

void os_http_release(struct openstack *o);

#endif
