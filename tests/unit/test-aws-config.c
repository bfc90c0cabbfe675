/* test-aws-config: ~/.aws files and AWS_* variables resolved in the AWS
 * CLI's order (backends/cloud/aws_config.h), in a private HOME. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "backends/cloud/aws_config.h"
#include "tap.h"

static char home[64];

static const char *const vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE",
};

static void clear_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void write_file(const char *leaf, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/.aws/%s", home, leaf);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static const char credentials[] =
	"# keys\n"
	"[default]\n"
	"aws_access_key_id = AKIDEFAULT\n"
	"aws_secret_access_key = secret-default\n"
	"\n"
	"[lab]\n"
	"AWS_ACCESS_KEY_ID=AKILAB\n"
	"aws_secret_access_key=secret-lab\n"
	"aws_session_token = token-lab\n"
	"[halfway]\n"
	"aws_access_key_id = AKIHALF\n";

static const char config[] =
	"[default]\n"
	"region = eu-west-1\n"
	"s3 =\n"
	"    region = nested-not-this\n"
	"[profile lab]\n"
	"region = us-west-2\n"
	"endpoint_url = http://127.0.0.1:5000/\n"
	"ca_bundle = ~/lab-ca.pem\n"
	"[lab]\n"
	"region = not-without-profile-prefix\n"
	"[profile  cfgkeys ]\n"
	"region = ap-south-1\n"
	"aws_access_key_id = AKICFG\n"
	"aws_secret_access_key = secret-cfg\n"
	"[profile noregion]\n";

static int load(const char *profile, const char *region, struct aws_config *c, struct berr *err)
{
	struct cloud_profile p = { .name = "lab-ec2", .aws_profile = (char *)profile,
				   .region = (char *)region };

	berr_clear(err);
	return aws_config_load(&p, c, err);
}

static void test_ini(void)
{
	char *v = NULL;

	ok(aws_ini_get(config, "default", "region", &v) && !strcmp(v, "eu-west-1"),
	   "ini: a key of [default]");
	free(v);
	ok(aws_ini_get(config, "profile cfgkeys", "region", &v) && !strcmp(v, "ap-south-1"),
	   "ini: [profile  NAME ] with extra blanks");
	free(v);
	ok(!aws_ini_get(config, "default", "nope", &v) && !v, "ini: a missing key is NULL");
	ok(aws_ini_has_section(config, "profile noregion"), "ini: an empty section exists");
	ok(!aws_ini_has_section(config, "profile nothere"), "ini: a missing section does not");
}

static void test_env_first(void)
{
	struct aws_config c;
	struct berr err;

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-env", 1);
	setenv("AWS_SESSION_TOKEN", "token-env", 1);
	ok(load(NULL, NULL, &c, &err) == 0, "keys from the environment");
	is_str(c.access_key_id, "AKIENV", "the environment's key comes first");
	is_str(c.session_token, "token-env", "AWS_SESSION_TOKEN is taken");
	is_str(c.source, "the environment", "the source says so");
	is_str(c.region, "eu-west-1", "region from [default] in the config file");
	is_str(c.endpoint, "https://ec2.eu-west-1.amazonaws.com", "AWS's endpoint by default");
	aws_config_release(&c);

	setenv("AWS_PROFILE", "lab", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.access_key_id, "AKIENV"),
	   "AWS_PROFILE does not pass over the environment's keys");
	is_str(c.region, "us-west-2", "but gives the profile's region");
	aws_config_release(&c);

	ok(load("lab", NULL, &c, &err) == 0 && !strcmp(c.access_key_id, "AKILAB"),
	   "a profile named in the settings passes over them (as --profile)");
	is_str(c.session_token, "token-lab", "with the profile's session token");
	aws_config_release(&c);

	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_PROFILE");
	ok(load(NULL, NULL, &c, &err) < 0 && err.kind == BERR_USAGE &&
		   strstr(err.msg, "AWS_SECRET_ACCESS_KEY is not"),
	   "a key ID without its secret is refused");
	ok(!strstr(err.msg, "AKIENV"), "the message shows no key");
}

static void test_files(void)
{
	struct aws_config c;
	struct berr err;
	char expect[128];

	clear_env();
	ok(load(NULL, NULL, &c, &err) == 0, "default profile from the files: %s", err.msg);
	is_str(c.access_key_id, "AKIDEFAULT", "[default]'s key ID");
	is_str(c.secret_access_key, "secret-default", "[default]'s secret");
	ok(c.session_token == NULL, "no session token");
	ok(c.ca_bundle == NULL, "the system's CA certificates");
	aws_config_release(&c);

	setenv("AWS_PROFILE", "lab", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.access_key_id, "AKILAB"),
	   "AWS_PROFILE picks the credentials section (key names in any case)");
	is_str(c.endpoint, "http://127.0.0.1:5000", "endpoint_url from the config, no slash");
	snprintf(expect, sizeof(expect), "%s/lab-ca.pem", home);
	is_str(c.ca_bundle, expect, "ca_bundle from the config, ~ expanded");
	aws_config_release(&c);

	setenv("AWS_REGION", "ca-central-1", 1);
	setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.region, "ca-central-1"),
	   "AWS_REGION over AWS_DEFAULT_REGION and the file");
	aws_config_release(&c);
	unsetenv("AWS_REGION");
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.region, "sa-east-1"),
	   "AWS_DEFAULT_REGION over the file");
	aws_config_release(&c);
	ok(load(NULL, "us-east-2", &c, &err) == 0 && !strcmp(c.region, "us-east-2"),
	   "the settings' region over everything");
	aws_config_release(&c);
	unsetenv("AWS_DEFAULT_REGION");

	setenv("AWS_ENDPOINT_URL", "http://generic:1", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.endpoint, "http://generic:1"),
	   "AWS_ENDPOINT_URL over the config file");
	aws_config_release(&c);
	setenv("AWS_ENDPOINT_URL_EC2", "http://ec2only:2", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.endpoint, "http://ec2only:2"),
	   "AWS_ENDPOINT_URL_EC2 over AWS_ENDPOINT_URL");
	aws_config_release(&c);
	setenv("AWS_CA_BUNDLE", "/etc/x.pem", 1);
	ok(load(NULL, NULL, &c, &err) == 0 && !strcmp(c.ca_bundle, "/etc/x.pem"),
	   "AWS_CA_BUNDLE over the config's ca_bundle");
	aws_config_release(&c);
	clear_env();

	ok(load("cfgkeys", NULL, &c, &err) < 0 && strstr(err.msg, "config holds credentials"),
	   "keys in a 0644 config file are refused too: %s", err.msg);
	write_file("config", config, 0600);
	ok(load("cfgkeys", NULL, &c, &err) == 0 && !strcmp(c.access_key_id, "AKICFG"),
	   "keys in the config file's [profile NAME]");
	is_str(c.region, "ap-south-1", "and its region");
	aws_config_release(&c);
}

static void test_refusals(void)
{
	struct aws_config c;
	struct berr err;
	char path[128];

	clear_env();
	ok(load("nothere", NULL, &c, &err) < 0 && err.kind == BERR_USAGE &&
		   strstr(err.msg, "nothere is in neither"),
	   "a missing profile: %s", err.msg);
	ok(load("halfway", NULL, &c, &err) < 0 && strstr(err.msg, "no aws_secret_access_key"),
	   "a key ID without secret in the file: %s", err.msg);
	setenv("AWS_PROFILE", "noregion", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-env", 1);
	ok(load(NULL, NULL, &c, &err) < 0 && strstr(err.msg, "no AWS region"),
	   "no region anywhere: %s", err.msg);
	clear_env();

	write_file("credentials", credentials, 0644);
	snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	ok(load(NULL, NULL, &c, &err) < 0 && err.kind == BERR_USAGE, "a 0644 credentials file is refused");
	ok(strstr(err.msg, path) && strstr(err.msg, "chmod 600"), "naming it and the fix: %s",
	   err.msg);
	ok(!strchr(err.msg, '\n') && !strstr(err.msg, "secret-default"), "in one line, no secret");
	write_file("credentials", credentials, 0600);

	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	ok(load(NULL, NULL, &c, &err) < 0 && strstr(err.msg, "no AWS credentials for profile default"),
	   "AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are where it looks: %s", err.msg);
	setenv("AWS_ACCESS_KEY_ID", "AKIENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-env", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL_EC2", "ftp://x", 1);
	ok(load(NULL, NULL, &c, &err) < 0 && strstr(err.msg, "not an http(s) URL"),
	   "an endpoint that is not http(s) is refused");
	clear_env();
}

int main(void)
{
	static const char *const leaves[] = { ".aws/credentials", ".aws/config", ".aws" };
	char dir[128];
	size_t i;

	snprintf(home, sizeof(home), "/tmp/test-aws-config.XXXXXX");
	if (!mkdtemp(home))
		return 1;
	setenv("HOME", home, 1);
	snprintf(dir, sizeof(dir), "%s/.aws", home);
	mkdir(dir, 0700);
	write_file("credentials", credentials, 0600);
	write_file("config", config, 0644);

	test_ini();
	test_env_first();
	test_files();
	test_refusals();

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", home, leaves[i]);
		(i + 1 < sizeof(leaves) / sizeof(leaves[0]) ? unlink : rmdir)(dir);
	}
	rmdir(home);
	return done_testing();
}
