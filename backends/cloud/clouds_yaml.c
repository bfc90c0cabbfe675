/* clouds_yaml.c: clouds.yaml, secure.yaml and OS_* (see clouds_yaml.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <jansson.h>
#include <yaml.h>
#include "backends/cloud/clouds_yaml.h"
#include "lib/paths.h"
#include "lib/text.h"
#include "lib/xalloc.h"

/* A YAML node as JSON: mappings become objects, sequences arrays, every
 * scalar a string (clouds.yaml's values are read as text anyway). */
static json_t *node_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	json_t *o;

	if (!n || depth > 32)
		return json_null();
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		o = json_array();
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			json_array_append_new(o, node_json(doc, yaml_document_get_node(doc, *it),
							   depth + 1));
		return o;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		o = json_object();
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			if (k && k->type == YAML_SCALAR_NODE)
				json_object_set_new(o, (const char *)k->data.scalar.value,
						    node_json(doc, yaml_document_get_node(doc, p->value),
							      depth + 1));
		}
		return o;
	}
	default:
		return json_null();
	}
}

/* One file found: its parsed content and its mode. */
struct cfile {
	char *path;
	json_t *doc;
	mode_t mode;
};

static void cfile_release(struct cfile *f)
{
	free(f->path);
	json_decref(f->doc);
	memset(f, 0, sizeof(*f));
}

/* Loads path into f: 1 when loaded, 0 when there is no such file, -1 on
 * an error (err filled). */
static int cfile_load(const char *path, struct cfile *f, struct berr *err)
{
	FILE *fp = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_document_t doc;
	struct stat st;
	int rc = -1;

	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return berr_set(err, BERR_LOCAL, "cannot read %s: %s", CUT(path), strerror(errno));
	}
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return berr_set(err, BERR_LOCAL, "cannot read %s: not a regular file", CUT(path));
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		berr_set(err, BERR_LOCAL, "%s: line %lu: %s", CUT(path),
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "not YAML");
		goto cleanup;
	}
	f->doc = node_json(&doc, yaml_document_get_root_node(&doc), 0);
	yaml_document_delete(&doc);
	f->path = xstrdup(path);
	f->mode = st.st_mode;
	rc = 1;
cleanup:
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

/* The first of the usual places holding base.yaml or base.yml (after
 * $env_var): as openstacksdk, the first file found wins. */
static int find_file(const char *base, const char *env_var, const struct clouds_search *where,
		     struct cfile *f, struct berr *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *env = getenv(env_var);
	const char *etc = where && where->etc_dir ? where->etc_dir : "/etc/openstack";
	char *home = path_expand_tilde("~"), *dirs[3];
	static const char *const exts[] = { "yaml", "yml" };
	size_t i, j;
	int rc = 0;

	if (env && *env) {
		rc = cfile_load(env, f, err);
		if (rc != 0) {
			free(home);
			return rc;
		}
	}
	dirs[0] = xstrdup(".");
	dirs[1] = xdg && *xdg ? xasprintf("%s/openstack", xdg)
			      : xasprintf("%s/.config/openstack", home ? home : "");
	dirs[2] = xstrdup(etc);
	for (i = 0; rc == 0 && i < 3; i++) {
		for (j = 0; rc == 0 && j < 2; j++) {
			char *p = xasprintf("%s/%s.%s", dirs[i], base, exts[j]);

			rc = cfile_load(p, f, err);
			free(p);
		}
	}
	for (i = 0; i < 3; i++)
		free(dirs[i]);
	free(home);
	return rc;
}

/* Values of over merged into base, mappings recursively. */
static void merge_into(json_t *base, json_t *over)
{
	const char *k;
	json_t *v;

	json_object_foreach(over, k, v) {
		json_t *b = json_object_get(base, k);

		if (json_is_object(b) && json_is_object(v))
			merge_into(b, v);
		else
			json_object_set(base, k, v);
	}
}

static int holds_secret(const json_t *entry)
{
	const json_t *auth = json_object_get(entry, "auth");

	return json_object_get(auth, "password") ||
	       json_object_get(auth, "application_credential_secret") ||
	       json_object_get(auth, "token");
}

static int check_mode(const struct cfile *f, struct berr *err)
{
	if (!(f->mode & 077))
		return 0;
	return berr_set(err, BERR_USAGE,
			"%s holds credentials and others may read it: chmod 600 %s", CUT(f->path),
			CUT(f->path));
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static char *jdup(const json_t *o, const char *key)
{
	return dup_or_null(json_string_value(json_object_get(o, key)));
}

static int is_false(const char *s)
{
	return s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off") ||
		     !strcmp(s, "0"));
}

static int is_true(const char *s)
{
	return s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
		     !strcmp(s, "1"));
}

/* auth_type's words (NULL: password, or what the fields given imply). */
static int auth_kind(const char *type, const struct clouds_config *c, struct berr *err)
{
	if (!type || !*type) {
		if (c->app_cred_secret)
			return OS_AUTH_APPCRED;
		if (c->token && !c->password)
			return OS_AUTH_TOKEN;
		return OS_AUTH_PASSWORD;
	}
	if (!strcmp(type, "password") || !strcmp(type, "v3password"))
		return OS_AUTH_PASSWORD;
	if (!strcmp(type, "v3applicationcredential") || !strcmp(type, "applicationcredential"))
		return OS_AUTH_APPCRED;
	if (!strcmp(type, "token") || !strcmp(type, "v3token"))
		return OS_AUTH_TOKEN;
	return berr_set(err, BERR_USAGE,
			"%s: auth_type %s is not supported (password, v3password, "
			"v3applicationcredential, token, v3token)", CUT(c->source), CUT(type));
}

/* What an entry (or the OS_* variables) must hold for its auth type. */
static int check_complete(struct clouds_config *c, const char *type, struct berr *err)
{
	const char *missing = NULL;
	int kind = auth_kind(type, c, err);

	if (kind < 0)
		return -1;
	c->auth = (enum os_auth_kind)kind;
	if (!c->auth_url)
		missing = "auth_url";
	else if (c->auth == OS_AUTH_PASSWORD && !c->username && !c->user_id)
		missing = "username";
	else if (c->auth == OS_AUTH_PASSWORD && !c->password)
		missing = "password";
	else if (c->auth == OS_AUTH_APPCRED && !c->app_cred_id && !c->app_cred_name)
		missing = "application_credential_id";
	else if (c->auth == OS_AUTH_APPCRED && !c->app_cred_secret)
		missing = "application_credential_secret";
	else if (c->auth == OS_AUTH_APPCRED && !c->app_cred_id && !c->username && !c->user_id)
		missing = "username (an application credential by name needs its user)";
	else if (c->auth == OS_AUTH_TOKEN && !c->token)
		missing = "token";
	if (missing)
		return berr_set(err, BERR_USAGE, "%s: no %s for cloud %s", CUT(c->source), missing,
				CUT(c->cloud));
	return 0;
}

/* The string fields: where clouds.yaml has them (under auth:, else at
 * the entry's top) and which OS_* variables give them. */
#define F(m) offsetof(struct clouds_config, m)
static const struct field {
	size_t off;
	int top;                   /* at the entry's top, not under auth: */
	const char *key, *alt_key; /* clouds.yaml's names */
	const char *var, *alt_var; /* the variables' */
} fields[] = {
	{ F(auth_url), 0, "auth_url", NULL, "OS_AUTH_URL", NULL },
	{ F(username), 0, "username", NULL, "OS_USERNAME", NULL },
	{ F(user_id), 0, "user_id", NULL, "OS_USER_ID", NULL },
	{ F(password), 0, "password", NULL, "OS_PASSWORD", NULL },
	{ F(project_name), 0, "project_name", "tenant_name", "OS_PROJECT_NAME", "OS_TENANT_NAME" },
	{ F(project_id), 0, "project_id", "tenant_id", "OS_PROJECT_ID", "OS_TENANT_ID" },
	{ F(user_domain_name), 0, "user_domain_name", NULL, "OS_USER_DOMAIN_NAME", NULL },
	{ F(user_domain_id), 0, "user_domain_id", NULL, "OS_USER_DOMAIN_ID", NULL },
	{ F(project_domain_name), 0, "project_domain_name", NULL, "OS_PROJECT_DOMAIN_NAME", NULL },
	{ F(project_domain_id), 0, "project_domain_id", NULL, "OS_PROJECT_DOMAIN_ID", NULL },
	{ F(domain_name), 0, "domain_name", NULL, "OS_DEFAULT_DOMAIN_NAME", "OS_DOMAIN_NAME" },
	{ F(domain_id), 0, "domain_id", NULL, "OS_DEFAULT_DOMAIN_ID", "OS_DOMAIN_ID" },
	{ F(app_cred_id), 0, "application_credential_id", NULL, "OS_APPLICATION_CREDENTIAL_ID", NULL },
	{ F(app_cred_name), 0, "application_credential_name", NULL,
	  "OS_APPLICATION_CREDENTIAL_NAME", NULL },
	{ F(app_cred_secret), 0, "application_credential_secret", NULL,
	  "OS_APPLICATION_CREDENTIAL_SECRET", NULL },
	{ F(token), 0, "token", NULL, "OS_TOKEN", NULL },
	{ F(region_name), 1, "region_name", NULL, "OS_REGION_NAME", NULL },
	{ F(interface), 1, "interface", NULL, "OS_INTERFACE", "OS_ENDPOINT_TYPE" },
	{ F(cacert), 1, "cacert", NULL, "OS_CACERT", NULL },
};
#undef F
#define FIELD(c, i) ((char **)((char *)(c) + fields[i].off))

static int from_entry(const json_t *e, struct clouds_config *c, struct berr *err)
{
	const json_t *a = json_object_get(e, "auth"), *regions = json_object_get(e, "regions");
	const char *verify = json_string_value(json_object_get(e, "verify"));
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *o = fields[i].top ? e : a;

		*FIELD(c, i) = jdup(o, fields[i].key);
		if (!*FIELD(c, i) && fields[i].alt_key)
			*FIELD(c, i) = jdup(o, fields[i].alt_key);
	}
	if (!c->region_name && json_array_size(regions) > 0) {
		const json_t *r = json_array_get(regions, 0);

		c->region_name = json_is_object(r) ? jdup(r, "name")
						   : dup_or_null(json_string_value(r));
	}
	c->insecure = is_false(verify) || is_true(json_string_value(json_object_get(e, "insecure")));
	return check_complete(c, json_string_value(json_object_get(e, "auth_type")), err);
}

static char *env(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return dup_or_null(v);
}

static int from_env(struct clouds_config *c, struct berr *err)
{
	char *type, *insecure;
	size_t i;
	int rc;

	c->cloud = xstrdup("envvars");
	c->source = xstrdup("the OS_* variables");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		*FIELD(c, i) = env(fields[i].var, fields[i].alt_var);
	if (!c->auth_url)
		return berr_set(err, BERR_USAGE,
				"no OpenStack credentials: name a clouds.yaml entry (the profile's "
				"cloud:, or OS_CLOUD), or set OS_AUTH_URL and the other OS_* variables");
	insecure = env("OS_INSECURE", NULL);
	c->insecure = is_true(insecure);
	free(insecure);
	type = env("OS_AUTH_TYPE", NULL);
	rc = check_complete(c, type, err);
	free(type);
	return rc;
}

static int from_files(const char *name, const struct clouds_search *where,
		      struct clouds_config *c, struct berr *err)
{
	struct cfile clouds = { 0 }, secure = { 0 };
	json_t *entry = NULL, *sentry;
	int rc = -1;

	c->cloud = xstrdup(name);
	if (find_file("clouds", "OS_CLIENT_CONFIG_FILE", where, &clouds, err) < 0 ||
	    find_file("secure", "OS_CLIENT_SECURE_FILE", where, &secure, err) < 0)
		goto cleanup;
	entry = json_object_get(json_object_get(clouds.doc, "clouds"), name);
	sentry = json_object_get(json_object_get(secure.doc, "clouds"), name);
	if (!json_is_object(entry) && !json_is_object(sentry)) {
		berr_set(err, BERR_USAGE, "no cloud %s in %s", CUT(name),
			 clouds.path ? clouds.path
				     : "clouds.yaml (looked in ./, ~/.config/openstack/, /etc/openstack/)");
		goto cleanup;
	}
	if (json_is_object(entry) && holds_secret(entry) && check_mode(&clouds, err) < 0)
		goto cleanup;
	if (json_is_object(sentry) && holds_secret(sentry) && check_mode(&secure, err) < 0)
		goto cleanup;
	entry = json_is_object(entry) ? json_deep_copy(entry) : json_object();
	if (json_is_object(sentry))
		merge_into(entry, sentry);
	c->source = xstrdup(clouds.path ? clouds.path : secure.path);
	rc = from_entry(entry, c, err);
	json_decref(entry);
cleanup:
	cfile_release(&clouds);
	cfile_release(&secure);
	return rc;
}

int clouds_config_resolve(const char *name, const struct clouds_search *where,
			  struct clouds_config *out, struct berr *err)
{
	const char *os_cloud = getenv("OS_CLOUD");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		name = os_cloud && *os_cloud ? os_cloud : NULL;
	rc = name ? from_files(name, where, out, err) : from_env(out, err);
	if (rc < 0)
		clouds_config_release(out);
	return rc;
}

static void release_fields(struct clouds_config *c)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char **f = FIELD(c, i);

		if (*f && (f == &c->password || f == &c->app_cred_secret || f == &c->token))
			memset(*f, 0, strlen(*f)); /* secrets leave no copy behind */
		free(*f);
	}
	free(c->cloud);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

void clouds_config_release(struct clouds_config *c)
{
	if (c)
		release_fields(c);
}
