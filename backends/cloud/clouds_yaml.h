/* clouds_yaml.h: OpenStack credentials found as openstacksdk finds them.
 *
 * A cloud named by the profile (`cloud:`), else by OS_CLOUD, is an entry
 * of clouds.yaml: the first file found of $OS_CLIENT_CONFIG_FILE,
 * ./clouds.yaml, $XDG_CONFIG_HOME/openstack/clouds.yaml (~/.config),
 * /etc/openstack/clouds.yaml (each also as .yml), with the same entry of
 * secure.yaml (found the same way, $OS_CLIENT_SECURE_FILE first) merged
 * over it. Without a cloud name, the OS_* variables make the cloud
 * ("envvars", as openstacksdk calls it).
 *
 * A file that holds a password, secret or token and that group or others
 * may read is refused: BERR_USAGE naming the file and `chmod 600 FILE`.
 */
#ifndef BERTH_CLOUDS_YAML_H
#define BERTH_CLOUDS_YAML_H

#include "lib/berr.h"

enum os_auth_kind {
	OS_AUTH_PASSWORD = 1,   /* password, v3password */
	OS_AUTH_APPCRED,        /* v3applicationcredential */
	OS_AUTH_TOKEN,          /* token, v3token */
};

/* Every string owned (clouds_config_release); NULL when unset. */
struct clouds_config {
	char *cloud;            /* the entry's name, or "envvars" */
	char *source;           /* where it came from, for messages: a file, "OS_* variables" */
	enum os_auth_kind auth;
	char *auth_url;         /* as given: the driver adds /v3 when missing */
	char *username, *user_id, *password;
	char *project_name, *project_id;
	char *user_domain_name, *user_domain_id;
	char *project_domain_name, *project_domain_id;
	char *domain_name, *domain_id; /* the default for both of the above */
	char *app_cred_id, *app_cred_name, *app_cred_secret;
	char *token;
	char *region_name;
	char *interface;        /* "public", "internal", "admin" */
	char *cacert;           /* a CA bundle file */
	int insecure;           /* verify: false (TLS not verified: worth a warning) */
};

/* Where the files are looked for; NULL members take the defaults above
 * (the unit test points etc_dir elsewhere). */
struct clouds_search {
	const char *etc_dir;    /* default "/etc/openstack" */
};

/* Resolves cloud name (NULL: OS_CLOUD, else the OS_* variables) into
 * *out. 0, or -1 with BERR_USAGE (no such cloud, no credentials, a file
 * others may read) or BERR_LOCAL (a file that cannot be read or parsed). */
int clouds_config_resolve(const char *name, const struct clouds_search *where,
			  struct clouds_config *out, struct berr *err);
void clouds_config_release(struct clouds_config *c);

#endif
