/* fuzz-clouds-yaml: clouds.yaml and secure.yaml as the OpenStack driver
 * reads them (backends/cloud/clouds_yaml.c), for the cloud "fuzz".
 *
 * Input: one byte (bit 0: the files are readable by others), then
 * clouds.yaml, a NUL byte, secure.yaml. */
#include "tests/fuzz/fuzz.h"
#include "backends/cloud/clouds_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clouds_search where = { .etc_dir = fuzz_dir() };
	struct clouds_config c;
	struct berr err;
	char clouds[512], secure[512];
	const uint8_t *nul;
	size_t n1;
	mode_t mode;

	if (!size)
		return 0;
	mode = data[0] & 1 ? 0644 : 0600;
	data++;
	size--;
	nul = memchr(data, 0, size);
	n1 = nul ? (size_t)(nul - data) : size;
	fuzz_write(clouds, sizeof(clouds), "clouds.yaml", data, n1, mode);
	fuzz_write(secure, sizeof(secure), "secure.yaml", nul ? nul + 1 : data,
		   nul ? size - n1 - 1 : 0, mode);
	setenv("OS_CLIENT_CONFIG_FILE", clouds, 1);
	setenv("OS_CLIENT_SECURE_FILE", secure, 1);
	setenv("XDG_CONFIG_HOME", fuzz_dir(), 1);
	if (clouds_config_resolve("fuzz", &where, &c, &err) < 0)
		fuzz_message(err.msg);
	clouds_config_release(&c);
	return 0;
}
