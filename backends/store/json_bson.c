/* TEMPORARY SHIM */
#include "config.h"
#include "backends/store/json_bson.h"

long json_bson_array_each(const char *text, size_t len, json_bson_fn fn, void *ud,
			  struct berr *err)
{
	bson_error_t e;
	bson_t *list = bson_new_from_json((const uint8_t *)text, (ssize_t)len, &e);
	bson_iter_t it;
	long n = 0;

	if (!list)
		return berr_set(err, BERR_PROTOCOL, "not JSON: %s", e.message);
	bson_iter_init(&it, list);
	while (bson_iter_next(&it)) {
		const uint8_t *data;
		uint32_t dlen;
		bson_t d;

		if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
			bson_destroy(list);
			return berr_set(err, BERR_PROTOCOL, "element %ld is not an object", n);
		}
		bson_iter_document(&it, &dlen, &data);
		bson_init_static(&d, data, dlen);
		if (fn(ud, &d, err) < 0) {
			bson_destroy(list);
			return -1;
		}
		n++;
	}
	bson_destroy(list);
	return n;
}

int json_bson_object(const char *text, size_t len, bson_t *out, struct berr *err)
{
	bson_error_t e;

	if (!bson_init_from_json(out, text, (ssize_t)len, &e))
		return berr_set(err, BERR_PROTOCOL, "not JSON: %s", e.message);
	return 0;
}
