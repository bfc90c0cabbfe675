/* aws_config.c: ~/.aws and AWS_* as the AWS CLI reads them (aws_config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "backends/cloud/aws_config.h"
#include "lib/paths.h"
#include "lib/text.h"
#include "lib/xalloc.h"

/* --- the INI files ------------------------------------------------------- */

/* s[0..n) with blanks cut at both ends. */
static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A header's name against want: "profile  x" is "profile x". */
static int section_is(const char *name, size_t n, const char *want)
{
	size_t lw = strlen(want);

	if (n > 8 && !strncmp(name, "profile", 7) && isspace((unsigned char)name[7]) &&
	    !strncmp(want, "profile ", 8)) {
		const char *rest = name + 7;
		size_t rn = n - 7;

		trim(&rest, &rn);
		return rn == lw - 8 && !memcmp(rest, want + 8, rn);
	}
	return n == lw && !memcmp(name, want, n);
}

/* Walks text line by line. In section (or every section when NULL)
 * calls back for each top-level key; stops at a non-zero return. Returns
 * 1 when the section was seen, 0 when not, or the callback's value. */
typedef int (*ini_fn)(const char *key, size_t klen, const char *val, size_t vlen, void *data);

static int ini_walk(const char *text, const char *section, ini_fn fn, void *data)
{
	const char *p = text;
	int in = 0, seen = 0;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p, *eq;
		int indented = n && isspace((unsigned char)line[0]);

		p = eol ? eol + 1 : NULL;
		trim(&line, &n);
		if (!n || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[' && !indented) {
			const char *name = line + 1;
			size_t nn = n > 1 && line[n - 1] == ']' ? n - 2 : n - 1;

			trim(&name, &nn);
			in = section_is(name, nn, section);
			seen |= in;
			continue;
		}
		/* an indented line belongs to a nested block (s3 = ...) */
		if (!in || indented)
			continue;
		eq = memchr(line, '=', n);
		if (eq) {
			const char *k = line, *v = eq + 1;
			size_t kl = (size_t)(eq - line), vl = n - kl - 1;
			int rc;

			trim(&k, &kl);
			trim(&v, &vl);
			rc = fn(k, kl, v, vl, data);
			if (rc)
				return rc;
		}
	}
	return seen;
}

struct ini_get {
	const char *key;
	char *value;
};

static int get_cb(const char *key, size_t klen, const char *val, size_t vlen, void *data)
{
	struct ini_get *g = data;

	if (strlen(g->key) != klen || strncasecmp(key, g->key, klen))
		return 0;
	g->value = xcalloc(vlen + 1, 1);
	memcpy(g->value, val, vlen);
	return 2;
}

static int none_cb(const char *key, size_t klen, const char *val, size_t vlen, void *data)
{
	(void)key, (void)klen, (void)val, (void)vlen, (void)data;
	return 0;
}

int aws_ini_get(const char *text, const char *section, const char *key, char **out)
{
	struct ini_get g = { .key = key };

	*out = NULL;
	if (ini_walk(text, section, get_cb, &g) != 2)
		return 0;
	*out = g.value;
	return 1;
}

int aws_ini_has_section(const char *text, const char *section)
{
	return ini_walk(text, section, none_cb, NULL) == 1;
}

/* --- files ----------------------------------------------------------------- */

/* One of the two files: its path and text (NULL when it does not exist). */
struct aws_file {
	char *path;
	char *text;
	unsigned mode;
};

static void file_release(struct aws_file *f)
{
	free(f->path);
	free(f->text);
}

static int file_load(const char *pname, const char *env, const char *dflt, struct aws_file *f,
		     struct berr *err)
{
	const char *v = getenv(env);
	struct stat st;
	FILE *fp;
	size_t cap = 0, n = 0, got;

	f->path = path_expand_tilde(v && *v ? v : dflt);
	if (!f->path)
		return berr_set(err, BERR_LOCAL, "%s: out of memory", pname);
	fp = fopen(f->path, "r");
	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return berr_set(err, BERR_LOCAL, "%s: cannot read %s: %s", pname, CUT(f->path),
				strerror(errno));
	}
	if (fstat(fileno(fp), &st) == 0)
		f->mode = (unsigned)st.st_mode;
	do {
		if (cap - n < 4096)
			f->text = xrealloc(f->text, cap = cap * 2 + 4096);
		got = fread(f->text + n, 1, cap - n - 1, fp);
		n += got;
	} while (got > 0 && n < (1u << 22));
	f->text[n] = '\0';
	fclose(fp);
	return 0;
}

/* key from the profile's section of the config file (`[profile NAME]`,
 * and `[default]` for "default"). */
static char *config_get(const struct aws_file *cfg, const char *profile, const char *key)
{
	char *section, *v = NULL;

	if (!cfg->text)
		return NULL;
	section = xasprintf("profile %s", profile);
	if (!aws_ini_get(cfg->text, section, key, &v) && !strcmp(profile, "default"))
		aws_ini_get(cfg->text, "default", key, &v);
	free(section);
	return v;
}

static int config_has_profile(const struct aws_file *cfg, const char *profile)
{
	char *section;
	int has;

	if (!cfg->text)
		return 0;
	section = xasprintf("profile %s", profile);
	has = aws_ini_has_section(cfg->text, section) ||
	      (!strcmp(profile, "default") && aws_ini_has_section(cfg->text, "default"));
	free(section);
	return has;
}

/* --- resolution -------------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int refuse_mode(const char *pname, const struct aws_file *f, struct berr *err)
{
	return berr_set(err, BERR_USAGE,
			"%s: %s holds credentials and is readable by others (mode %04o): chmod 600 %s",
			pname, CUT(f->path), f->mode & 07777, CUT(f->path));
}

/* The keys: the environment's (unless the settings name the profile),
 * then the credentials file's, then the config file's. */
static int find_keys(const char *pname, int explicit_profile, const struct aws_file *creds,
		     const struct aws_file *cfg, struct aws_config *c, struct berr *err)
{
	const struct aws_file *files[2] = { creds, cfg };
	size_t i;

	if (!explicit_profile && env("AWS_ACCESS_KEY_ID")) {
		if (!env("AWS_SECRET_ACCESS_KEY"))
			return berr_set(err, BERR_USAGE,
					"%s: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
					pname);
		c->access_key_id = xstrdup(env("AWS_ACCESS_KEY_ID"));
		c->secret_access_key = xstrdup(env("AWS_SECRET_ACCESS_KEY"));
		c->session_token = dup_or_null(env("AWS_SESSION_TOKEN"));
		c->source = xstrdup("the environment");
		return 0;
	}
	for (i = 0; i < 2; i++) {
		const struct aws_file *f = files[i];
		char *id = NULL, *secret = NULL;

		if (!f->text)
			continue;
		if (f == creds)
			aws_ini_get(f->text, c->profile, "aws_access_key_id", &id);
		else
			id = config_get(f, c->profile, "aws_access_key_id");
		if (!id)
			continue;
		if (f->mode & 044) {
			free(id);
			return refuse_mode(pname, f, err);
		}
		if (f == creds) {
			aws_ini_get(f->text, c->profile, "aws_secret_access_key", &secret);
			aws_ini_get(f->text, c->profile, "aws_session_token", &c->session_token);
		} else {
			secret = config_get(f, c->profile, "aws_secret_access_key");
			c->session_token = config_get(f, c->profile, "aws_session_token");
		}
		if (!secret || !*secret) {
			free(id);
			free(secret);
			return berr_set(err, BERR_USAGE,
					"%s: profile %s in %s has aws_access_key_id but no "
					"aws_secret_access_key", pname, CUT(c->profile), CUT(f->path));
		}
		c->access_key_id = id;
		c->secret_access_key = secret;
		c->source = xstrdup(f->path);
		return 0;
	}
	if ((!creds->text || !aws_ini_has_section(creds->text, c->profile)) &&
	    !config_has_profile(cfg, c->profile) && strcmp(c->profile, "default"))
		return berr_set(err, BERR_USAGE, "%s: the AWS profile %s is in neither %s nor %s",
				pname, CUT(c->profile), CUT(creds->path), CUT(cfg->path));
	return berr_set(err, BERR_USAGE,
			"%s: no AWS credentials for profile %s: set AWS_ACCESS_KEY_ID and "
			"AWS_SECRET_ACCESS_KEY, or aws_access_key_id and aws_secret_access_key in %s",
			pname, CUT(c->profile), CUT(creds->path));
}

static int find_place(const char *pname, const struct cloud_profile *p,
		      const struct aws_file *cfg, struct aws_config *c, struct berr *err)
{
	const char *v;
	size_t n;

	if ((v = p->region ? p->region : env("AWS_REGION")) ||
	    (v = env("AWS_DEFAULT_REGION")))
		c->region = xstrdup(v);
	else
		c->region = config_get(cfg, c->profile, "region");
	if (!c->region || !*c->region)
		return berr_set(err, BERR_USAGE,
				"%s: no AWS region: set region: in the cloud's settings, AWS_REGION, "
				"or region in %s for profile %s", pname, CUT(cfg->path),
				CUT(c->profile));
	if ((v = p->endpoint_url) || (v = env("AWS_ENDPOINT_URL_EC2")) ||
	    (v = env("AWS_ENDPOINT_URL")))
		c->endpoint = xstrdup(v);
	else if (!(c->endpoint = config_get(cfg, c->profile, "endpoint_url")))
		c->endpoint = xasprintf("https://ec2.%s.amazonaws.com", c->region);
	n = strlen(c->endpoint);
	while (n && c->endpoint[n - 1] == '/')
		c->endpoint[--n] = '\0';
	if (strncmp(c->endpoint, "https://", 8) && strncmp(c->endpoint, "http://", 7))
		return berr_set(err, BERR_USAGE, "%s: the EC2 endpoint %s is not an http(s) URL",
				pname, CUT(c->endpoint));
	if ((v = env("AWS_CA_BUNDLE")))
		c->ca_bundle = path_expand_tilde(v);
	else if ((c->ca_bundle = config_get(cfg, c->profile, "ca_bundle"))) {
		char *x = path_expand_tilde(c->ca_bundle);

		free(c->ca_bundle);
		c->ca_bundle = x;
	}
	return 0;
}

int aws_config_load(const struct cloud_profile *p, struct aws_config *out, struct berr *err)
{
	const char *pname = p->name ? p->name : "ec2";
	struct aws_file creds = { 0 }, cfg = { 0 };
	int explicit_profile = p->aws_profile && *p->aws_profile;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (explicit_profile)
		out->profile = xstrdup(p->aws_profile);
	else
		out->profile = xstrdup(env("AWS_PROFILE") ? env("AWS_PROFILE") : "default");
	if (file_load(pname, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", &creds, err) ||
	    file_load(pname, "AWS_CONFIG_FILE", "~/.aws/config", &cfg, err))
		goto cleanup;
	if (find_keys(pname, explicit_profile, &creds, &cfg, out, err) ||
	    find_place(pname, p, &cfg, out, err))
		goto cleanup;
	rc = 0;
cleanup:
	file_release(&creds);
	file_release(&cfg);
	if (rc)
		aws_config_release(out);
	return rc;
}

void aws_config_release(struct aws_config *c)
{
	if (!c)
		return;
	free(c->profile);
	free(c->access_key_id);
	if (c->secret_access_key) {
		explicit_bzero(c->secret_access_key, strlen(c->secret_access_key));
		free(c->secret_access_key);
	}
	if (c->session_token) {
		explicit_bzero(c->session_token, strlen(c->session_token));
		free(c->session_token);
	}
	free(c->region);
	free(c->endpoint);
	free(c->ca_bundle);
	free(c->source);
	memset(c, 0, sizeof(*c));
}
