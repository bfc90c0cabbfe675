/* test-clouds-yaml: OpenStack credentials resolved as openstacksdk does
 * (backends/cloud/clouds_yaml.c): the files' precedence, secure.yaml merged
 * over clouds.yaml, OS_CLOUD, the OS_* variables, and files others may read. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "backends/cloud/clouds_yaml.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

static char top[256];
static struct clouds_search where;

static const char *const os_vars[] = {
	"OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_AUTH_URL",
	"OS_USERNAME", "OS_USER_ID", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_PROJECT_ID",
	"OS_TENANT_NAME", "OS_TENANT_ID", "OS_USER_DOMAIN_NAME", "OS_USER_DOMAIN_ID",
	"OS_PROJECT_DOMAIN_NAME", "OS_PROJECT_DOMAIN_ID", "OS_DEFAULT_DOMAIN_NAME",
	"OS_DEFAULT_DOMAIN_ID", "OS_DOMAIN_NAME", "OS_DOMAIN_ID", "OS_REGION_NAME",
	"OS_INTERFACE", "OS_ENDPOINT_TYPE", "OS_AUTH_TYPE", "OS_APPLICATION_CREDENTIAL_ID",
	"OS_APPLICATION_CREDENTIAL_NAME", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_TOKEN",
	"OS_CACERT", "OS_INSECURE", "XDG_CONFIG_HOME",
};

static void clear_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(os_vars) / sizeof(os_vars[0]); i++)
		unsetenv(os_vars[i]);
}

/* Writes top/rel with mode, making its directories. */
static void put(const char *rel, int mode, const char *text)
{
	char *path = xasprintf("%s/%s", top, rel), *p;
	FILE *f;

	for (p = path + strlen(top) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, (mode_t)mode);
	free(path);
}

static void drop(const char *rel)
{
	char *path = xasprintf("%s/%s", top, rel);

	unlink(path);
	free(path);
}

/* An entry "name" whose project is project, with a password. */
static char *entry(const char *name, const char *project)
{
	return xasprintf("clouds:\n  %s:\n    auth:\n      auth_url: https://ks.example/v3\n"
			 "      username: u\n      password: pw\n      project_name: %s\n"
			 "    region_name: R1\n", name, project);
}

static int resolve(const char *name, struct clouds_config *c, struct berr *err)
{
	berr_clear(err);
	return clouds_config_resolve(name, &where, c, err);
}

static void test_env(void)
{
	struct clouds_config c;
	struct berr err = { 0 };

	clear_env();
	is_int(resolve(NULL, &c, &err), -1, "no cloud and no OS_* variables: refused");
	is_int(err.kind, BERR_USAGE, "... as a usage error");
	ok(strstr(err.msg, "OS_AUTH_URL") != NULL, "... naming what to set: %s", err.msg);

	setenv("OS_AUTH_URL", "https://ks.example:5000", 1);
	setenv("OS_USERNAME", "alice", 1);
	setenv("OS_PASSWORD", "s3cret", 1);
	setenv("OS_PROJECT_NAME", "proj", 1);
	setenv("OS_USER_DOMAIN_NAME", "Users", 1);
	setenv("OS_PROJECT_DOMAIN_ID", "pd", 1);
	setenv("OS_REGION_NAME", "RegionTwo", 1);
	setenv("OS_INTERFACE", "internal", 1);
	setenv("OS_CACERT", "/etc/ssl/ca.pem", 1);
	is_int(resolve(NULL, &c, &err), 0, "the OS_* variables make a cloud");
	is_str(c.cloud, "envvars", "... named envvars");
	is_int(c.auth, OS_AUTH_PASSWORD, "... password auth by default");
	is_str(c.auth_url, "https://ks.example:5000", "... OS_AUTH_URL");
	is_str(c.username, "alice", "... OS_USERNAME");
	is_str(c.password, "s3cret", "... OS_PASSWORD");
	is_str(c.project_name, "proj", "... OS_PROJECT_NAME");
	is_str(c.user_domain_name, "Users", "... OS_USER_DOMAIN_NAME");
	is_str(c.project_domain_id, "pd", "... OS_PROJECT_DOMAIN_ID");
	is_str(c.region_name, "RegionTwo", "... OS_REGION_NAME");
	is_str(c.interface, "internal", "... OS_INTERFACE");
	is_str(c.cacert, "/etc/ssl/ca.pem", "... OS_CACERT");
	ok(!c.insecure, "... TLS verified");
	clouds_config_release(&c);

	unsetenv("OS_PASSWORD");
	is_int(resolve(NULL, &c, &err), -1, "no OS_PASSWORD: refused");
	ok(strstr(err.msg, "no password") != NULL, "... saying so: %s", err.msg);
	ok(strstr(err.msg, "s3cret") == NULL, "... never quoting a secret");

	setenv("OS_AUTH_TYPE", "v3applicationcredential", 1);
	setenv("OS_APPLICATION_CREDENTIAL_ID", "acid", 1);
	setenv("OS_APPLICATION_CREDENTIAL_SECRET", "acsecret", 1);
	is_int(resolve(NULL, &c, &err), 0, "an application credential from OS_*");
	is_int(c.auth, OS_AUTH_APPCRED, "... auth_type v3applicationcredential");
	is_str(c.app_cred_id, "acid", "... its ID");
	is_str(c.app_cred_secret, "acsecret", "... its secret");
	clouds_config_release(&c);

	setenv("OS_AUTH_TYPE", "v3token", 1);
	setenv("OS_TOKEN", "tok", 1);
	is_int(resolve(NULL, &c, &err), 0, "a token from OS_TOKEN");
	is_int(c.auth, OS_AUTH_TOKEN, "... auth_type v3token");
	clouds_config_release(&c);

	setenv("OS_AUTH_TYPE", "v3oidcpassword", 1);
	is_int(resolve(NULL, &c, &err), -1, "an auth type berth lacks: refused");
	ok(strstr(err.msg, "v3oidcpassword") != NULL, "... naming it: %s", err.msg);
	clear_env();
}

static void test_precedence(void)
{
	struct clouds_config c;
	struct berr err = { 0 };
	char *e;

	clear_env();
	is_int(resolve("lab", &c, &err), -1, "a named cloud without any clouds.yaml: refused");
	ok(strstr(err.msg, "no cloud lab") != NULL, "... saying so: %s", err.msg);

	e = entry("lab", "from-etc");
	put("etc/clouds.yaml", 0600, e);
	free(e);
	is_int(resolve("lab", &c, &err), 0, "/etc/openstack/clouds.yaml is read");
	is_str(c.project_name, "from-etc", "... its entry");
	is_str(c.region_name, "R1", "... region_name");
	clouds_config_release(&c);

	e = entry("lab", "from-home");
	put("home/.config/openstack/clouds.yaml", 0600, e);
	free(e);
	is_int(resolve("lab", &c, &err), 0, "~/.config/openstack/clouds.yaml");
	is_str(c.project_name, "from-home", "... wins over /etc/openstack");
	clouds_config_release(&c);

	e = entry("other", "x");
	put("home/.config/openstack/clouds.yaml", 0600, e);
	free(e);
	is_int(resolve("lab", &c, &err), -1, "the first file found wins, even without the entry");
	ok(strstr(err.msg, "home/.config/openstack/clouds.yaml") != NULL, "... naming it: %s",
	   err.msg);

	e = entry("lab", "from-xdg");
	put("xdg/openstack/clouds.yml", 0600, e);
	free(e);
	setenv("XDG_CONFIG_HOME", "xdg", 1);
	is_int(resolve("lab", &c, &err), 0, "XDG_CONFIG_HOME/openstack, clouds.yml");
	is_str(c.project_name, "from-xdg", "... read instead of ~/.config");
	clouds_config_release(&c);

	e = entry("lab", "from-cwd");
	put("clouds.yaml", 0600, e);
	free(e);
	is_int(resolve("lab", &c, &err), 0, "./clouds.yaml");
	is_str(c.project_name, "from-cwd", "... wins over the user's");
	clouds_config_release(&c);

	e = entry("lab", "from-env-file");
	put("elsewhere/my-clouds.yaml", 0600, e);
	free(e);
	setenv("OS_CLIENT_CONFIG_FILE", "elsewhere/my-clouds.yaml", 1);
	is_int(resolve("lab", &c, &err), 0, "OS_CLIENT_CONFIG_FILE");
	is_str(c.project_name, "from-env-file", "... comes first");
	clouds_config_release(&c);

	setenv("OS_CLOUD", "lab", 1);
	setenv("OS_AUTH_URL", "https://env.example/v3", 1);
	setenv("OS_USERNAME", "env-user", 1);
	is_int(resolve(NULL, &c, &err), 0, "OS_CLOUD names the entry");
	is_str(c.cloud, "lab", "... lab");
	is_str(c.username, "u", "... whose values win over OS_* variables");
	is_str(c.auth_url, "https://ks.example/v3", "... auth_url too");
	clouds_config_release(&c);
	setenv("OS_CLOUD", "nope", 1);
	is_int(resolve("lab", &c, &err), 0, "the profile's cloud: wins over OS_CLOUD");
	clouds_config_release(&c);
	clear_env();
	drop("clouds.yaml");
	drop("xdg/openstack/clouds.yml");
}

static void test_secure_and_modes(void)
{
	struct clouds_config c;
	struct berr err = { 0 };

	clear_env();
	put("clouds.yaml", 0644,
	    "clouds:\n  lab:\n    auth:\n      auth_url: https://ks.example\n"
	    "      username: u\n      project_id: p1\n    region_name: R1\n"
	    "    verify: false\n  appc:\n    auth_type: v3applicationcredential\n"
	    "    auth:\n      auth_url: https://ks.example\n"
	    "      application_credential_id: ac1\n"
	    "    regions:\n      - name: R7\n      - R8\n    cacert: /x/ca.pem\n");
	is_int(resolve("lab", &c, &err), -1, "no password anywhere: refused");
	ok(strstr(err.msg, "no password") != NULL, "... saying so: %s", err.msg);

	put("secure.yaml", 0600,
	    "clouds:\n  lab:\n    auth:\n      password: from-secure\n    region_name: R2\n"
	    "  appc:\n    auth:\n      application_credential_secret: acs\n");
	is_int(resolve("lab", &c, &err), 0, "secure.yaml supplies the password");
	is_str(c.password, "from-secure", "... merged into the entry's auth");
	is_str(c.username, "u", "... keeping clouds.yaml's other auth values");
	is_str(c.project_id, "p1", "... project_id");
	is_str(c.region_name, "R2", "... and secure.yaml's values win");
	ok(c.insecure, "verify: false is kept (for a warning)");
	clouds_config_release(&c);

	is_int(resolve("appc", &c, &err), 0, "an application credential, secret in secure.yaml");
	is_int(c.auth, OS_AUTH_APPCRED, "... auth_type v3applicationcredential");
	is_str(c.app_cred_secret, "acs", "... the secret");
	is_str(c.region_name, "R7", "... region from regions:");
	is_str(c.cacert, "/x/ca.pem", "... cacert");
	ok(!c.insecure, "... verified");
	clouds_config_release(&c);

	chmod("secure.yaml", 0640);
	is_int(resolve("lab", &c, &err), -1, "a secure.yaml the group may read: refused");
	is_int(err.kind, BERR_USAGE, "... a usage error");
	ok(strstr(err.msg, "chmod 600 ./secure.yaml") != NULL, "... saying what to do: %s",
	   err.msg);
	ok(strstr(err.msg, "from-secure") == NULL, "... without the secret");
	drop("secure.yaml");

	put("clouds.yaml", 0604,
	    "clouds:\n  lab:\n    auth:\n      auth_url: https://ks.example\n"
	    "      username: u\n      password: pw\n      project_name: p\n");
	is_int(resolve("lab", &c, &err), -1, "a clouds.yaml with a password others may read");
	ok(strstr(err.msg, "chmod 600 ./clouds.yaml") != NULL, "... refused: %s", err.msg);
	chmod("clouds.yaml", 0600);
	is_int(resolve("lab", &c, &err), 0, "... fine once 0600");
	clouds_config_release(&c);

	put("clouds.yaml", 0600, "clouds:\n  lab:\n    auth: [unclosed\n");
	is_int(resolve("lab", &c, &err), -1, "a clouds.yaml that is not YAML");
	is_int(err.kind, BERR_LOCAL, "... BERR_LOCAL");
	ok(strstr(err.msg, "./clouds.yaml: line") != NULL, "... with the line: %s", err.msg);
	drop("clouds.yaml");
}

int main(void)
{
	char *etc, home[300];

	snprintf(top, sizeof(top), "/tmp/test-clouds-yaml.XXXXXX");
	if (!mkdtemp(top) || chdir(top) < 0) {
		printf("Bail out! cannot make a directory\n");
		return 1;
	}
	snprintf(home, sizeof(home), "%s/home", top);
	setenv("HOME", home, 1);
	etc = xasprintf("%s/etc", top);
	where.etc_dir = etc;
	test_env();
	test_precedence();
	test_secure_and_modes();
	free(etc);
	{
		char *cmd[] = { "rm", "-rf", top, NULL };
		pid_t pid = fork();

		if (pid == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return done_testing();
}
