/* fuzz-settings: the settings YAML reader (shell/settings.c and the host
 * table of backends/pool/settings.c), through settings_load_file as berth
 * reads a --config file: the input is written to a file of mode 0600 and
 * read twice into one settings (a second file overriding the first). */
#include "tests/fuzz/fuzz.h"
#include "backends/pool/settings.h"
#include "shell/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings cfg;
	struct berr err;
	char path[512];

	fuzz_write(path, sizeof(path), "config.yaml", data, size, 0600);
	settings_init(&cfg);
	if (settings_load_file(&cfg, path, &err) < 0) {
		fuzz_message(err.msg);
	} else {
		settings_find_host(&cfg, "local");
		if (settings_load_file(&cfg, path, &err) < 0)
			fuzz_message(err.msg);
	}
	settings_release(&cfg);
	return 0;
}
