/* fuzz-json-bson: backends/store/json_bson.c, JSON text straight to BSON,
 * against jansson (tests/json-bson-diff.h says how they may differ):
 * abort() when they disagree on accepting the text or on its values.
 *
 * Input: the text, read both as one object and as a listing. */
#include "tests/fuzz/fuzz.h"
#include "tests/json-bson-diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	for (int array = 0; array < 2; array++)
		if (!jbd_check((const char *)data, size, array, why, sizeof(why))) {
			fprintf(stderr, "fuzz-json-bson: as %s: %s\n",
				array ? "a listing" : "an object", why);
			abort();
		}
	return 0;
}
