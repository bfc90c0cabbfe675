/* aws_config.h: an EC2 profile's credentials, region and endpoint, found
 * as the AWS CLI (botocore) finds them, so a user's files work unchanged.
 *
 * Profile: the settings' `profile:`, else AWS_PROFILE, else "default".
 * Keys: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
 *   unless the settings name a profile (as the CLI's --profile, which
 *   passes over the environment's keys); then the profile's section of
 *   the credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials,
 *   `[NAME]`), then of the config file (AWS_CONFIG_FILE, ~/.aws/config,
 *   `[profile NAME]`, or `[default]`).
 * Region: the settings' `region:`, AWS_REGION, AWS_DEFAULT_REGION, the
 *   config file's `region`.
 * Endpoint: the settings' `endpoint_url:`, AWS_ENDPOINT_URL_EC2,
 *   AWS_ENDPOINT_URL, the config file's `endpoint_url`, else
 *   https://ec2.REGION.amazonaws.com.
 * CA bundle: AWS_CA_BUNDLE, the config file's `ca_bundle`; else the
 *   system's.
 *
 * A file that holds keys and is readable by group or others is refused
 * (BERR_USAGE), as berth's own settings file is.
 */
#ifndef BERTH_AWS_CONFIG_H
#define BERTH_AWS_CONFIG_H

#include "backends/cloud/cloud.h"
#include "lib/berr.h"

struct aws_config {
	char *profile;           /* the profile looked up */
	char *access_key_id;
	char *secret_access_key;
	char *session_token;     /* NULL: none */
	char *region;
	char *endpoint;          /* a URL, no trailing slash */
	char *ca_bundle;         /* NULL: the system's CA certificates */
	char *source;            /* where the keys came from: "the environment" or a path */
};

/* Fills *out (owned; aws_config_release). Messages start with the
 * profile's name (p->name) and never quote a key. */
int aws_config_load(const struct cloud_profile *p, struct aws_config *out, struct berr *err);
void aws_config_release(struct aws_config *c);

/* One section of an INI file as the AWS files have them: the value of
 * key in section (key compared ignoring case; nested, indented lines are
 * skipped), or NULL. *out owned by the caller. Exposed for the tests. */
int aws_ini_get(const char *text, const char *section, const char *key, char **out);
/* Whether section exists in text. */
int aws_ini_has_section(const char *text, const char *section);

#endif
