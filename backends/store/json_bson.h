/* json_bson.h: JSON text to BSON (TEMPORARY SHIM over libbson; replaced by branch jbson). */
#ifndef BERTH_JSON_BSON_H
#define BERTH_JSON_BSON_H

#include <stddef.h>
#include <bson/bson.h>
#include "lib/berr.h"

typedef int (*json_bson_fn)(void *ud, const bson_t *doc, struct berr *err);
long json_bson_array_each(const char *text, size_t len, json_bson_fn fn, void *ud,
			  struct berr *err);
int json_bson_object(const char *text, size_t len, bson_t *out, struct berr *err);

#endif
