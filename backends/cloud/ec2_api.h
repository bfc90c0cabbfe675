/* ec2_api.h: one call of EC2's Query API (ec2.c's transport).
 *
 * A call is a form-encoded POST of Action=...&Version=2016-11-15&..., signed
 * with SigV4 by libcurl (CURLOPT_AWS_SIGV4 "aws:amz:REGION:ec2"; the body's
 * hash is part of the signature), X-Amz-Security-Token added for session
 * credentials. The reply is XML, read with xml.h by local name (the
 * namespace changes between API versions and EC2-compatible clouds).
 *
 * Errors: both shapes EC2 answers with (Response/Errors/Error and
 * ErrorResponse/Error) become one line "NAME: CODE: message"; a refusal of
 * the credentials says so and which profile and file they came from, never
 * the keys. RequestLimitExceeded and its kin are retried with backoff.
 */
#ifndef BERTH_EC2_API_H
#define BERTH_EC2_API_H

#include "backends/cloud/aws_config.h"
#include "backends/cloud/cloud.h"
#include "backends/cloud/xml.h"
#include "lib/berr.h"
#include "lib/strbuf.h"

struct ec2_api;

/* Makes the transport for cfg (borrowed: it must outlive the api). */
int ec2_api_new(const char *name, const struct aws_config *cfg, const struct cloud_net *net,
		struct ec2_api **out, struct berr *err);
void ec2_api_free(struct ec2_api *api);

/* A request's parameters, form-encoded as they are added. */
struct ec2_params {
	struct strbuf body;
};
void ec2_params_init(struct ec2_params *p, const char *action);
void ec2_params_release(struct ec2_params *p);
void ec2_param(struct ec2_params *p, const char *key, const char *value);
/* The value, and the key made with printf ("Filter.%zu.Name", n). */
void ec2_paramf(struct ec2_params *p, const char *value, const char *keyfmt, ...)
	__attribute__((format(printf, 3, 4)));
/* TagSpecification.N for resource_type: tags, plus extra_key=extra_value
 * (e.g. Name) when extra_key is not NULL and not among tags. */
void ec2_param_tag_spec(struct ec2_params *p, size_t n, const char *resource_type,
			const struct cloud_tag *tags, size_t ntags, const char *extra_key,
			const char *extra_value);
/* Filter.N... for each of match (tag:KEY=VALUE, or tag-key=KEY when the
 * value is NULL), numbered from *nfilter + 1; *nfilter is advanced. */
void ec2_param_tag_filters(struct ec2_params *p, size_t *nfilter, const struct cloud_tag *match,
			   size_t nmatch);

/* Sends the request; *doc gets the parsed reply (xml_doc_free) on success.
 * On failure err->kind is BERR_NOT_FOUND for the *.NotFound codes,
 * BERR_CONFLICT for DependencyViolation, *.InUse, *.Duplicate, ..., and
 * *code (when not NULL) gets the error's code (owned). */
int ec2_call(struct ec2_api *api, struct ec2_params *p, struct xml_doc **doc, char **code,
	     struct berr *err);

/* Internal (ec2_call's second half, exposed for tests/fuzz): what a
 * reply of HTTP status with body comes to: 0 and *doc, -1 and err (and
 * *code as above), or 1 for an error worth another try (err, *code set). */
int ec2_reply(struct ec2_api *api, long status, const char *body, size_t len,
	      struct xml_doc **doc, char **code, struct berr *err);

/* Internal (ec2.c, exposed for tests/fuzz): the instances of a
 * DescribeInstances reply as the driver reads them, terminated ones left
 * out with skip_gone; *out is an array of the count returned
 * (cloud_vms_release). */
size_t ec2_reply_vms(enum cloud_address address, const struct xml_doc *doc, int skip_gone,
		     struct cloud_vm **out);

/* --- reading replies ---------------------------------------------------- */

/* The first child element of n named name (local name), or NULL. */
const struct xml_node *ec2_xml_child(const struct xml_node *n, const char *name);
/* Down a path of child names: "instanceState/name". */
const struct xml_node *ec2_xml_path(const struct xml_node *n, const char *path);
/* The text at path below n (owned), or NULL when absent. */
char *ec2_xml_text(const struct xml_node *n, const char *path);
/* The next element sibling named name after n (start: NULL means the
 * first child of set): iterates `set/item`. */
const struct xml_node *ec2_xml_next(const struct xml_node *set, const struct xml_node *n,
				    const char *name);
/* The tags of a tagSet (items of key/value), owned. */
struct cloud_tag *ec2_xml_tags(const struct xml_node *tag_set, size_t *n);

/* Base64 of data (owned). */
char *ec2_base64(const void *data, size_t len);

#endif
