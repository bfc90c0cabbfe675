/* fuzz-aws-config: ~/.aws/credentials and ~/.aws/config as the EC2
 * driver reads them (backends/cloud/aws_config.c), for the profile
 * "default" or "dev", and the INI reader on its own.
 *
 * Input: one byte (bit 0: profile dev; bit 1: the files are readable by
 * others), then the credentials file, a NUL byte, the config file. */
#include "tests/fuzz/fuzz.h"
#include "backends/cloud/aws_config.h"

static void clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
		"AWS_CA_BUNDLE", NULL,
	};

	for (size_t i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cloud_profile p = { .name = "fuzz" };
	struct aws_config c;
	struct berr err;
	char creds[512], config[512], *text, *v = NULL;
	const uint8_t *nul;
	size_t n1;
	mode_t mode;

	if (!size)
		return 0;
	clear_env();
	p.aws_profile = data[0] & 1 ? "dev" : NULL;
	mode = data[0] & 2 ? 0644 : 0600;
	data++;
	size--;
	nul = memchr(data, 0, size);
	n1 = nul ? (size_t)(nul - data) : size;
	fuzz_write(creds, sizeof(creds), "credentials", data, n1, mode);
	fuzz_write(config, sizeof(config), "config", nul ? nul + 1 : data,
		   nul ? size - n1 - 1 : 0, mode);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
	setenv("AWS_CONFIG_FILE", config, 1);
	if (aws_config_load(&p, &c, &err) < 0)
		fuzz_message(err.msg);
	else
		aws_config_release(&c);

	text = fuzz_str(data, size);
	aws_ini_get(text, "default", "region", &v);
	free(v);
	v = NULL;
	aws_ini_get(text, "profile dev", "aws_access_key_id", &v);
	free(v);
	aws_ini_has_section(text, "dev");
	free(text);
	return 0;
}
