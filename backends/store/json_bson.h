/* json_bson.h: JSON text straight to BSON, for the engine's listings.
 *
 * Strict RFC 8259: no comments, trailing commas, NaN or leading zeros,
 * nothing after the top value but whitespace; strings valid UTF-8 with no
 * raw control characters, "\u0000" refused (BSON strings and keys are C
 * strings here). Numbers without fraction or exponent become int32 when
 * they fit, else int64, else double; the others double (one that does not
 * fit a double is refused). Arrays are documents keyed "0", "1", ...; an
 * object's repeated keys are all kept, in order. Nesting deeper than
 * JSON_BSON_MAX_DEPTH is refused. Unlike libbson's reader, no key is
 * extended JSON: {"$oid": "1"} is a document with a field "$oid". */
#ifndef BERTH_JSON_BSON_H
#define BERTH_JSON_BSON_H

#include <stddef.h>
#include <bson/bson.h>
#include "lib/berr.h"

#define JSON_BSON_MAX_DEPTH 512

/* Calls fn with each element of the JSON array text, each as a BSON
 * document valid only for the call (fn sees the elements before the whole
 * text is checked). Returns the number of elements, or -1: err
 * BERR_PROTOCOL "not JSON: WHAT at byte N" / "not an array" / "element N
 * is not an object", or fn's own -1 (its err kept). */
typedef int (*json_bson_fn)(void *ud, const bson_t *doc, struct berr *err);
long json_bson_array_each(const char *text, size_t len, json_bson_fn fn, void *ud,
			  struct berr *err);

/* One JSON object text as a BSON document (out initialised by the call;
 * bson_destroy it on success). -1 as above ("not an object"). */
int json_bson_object(const char *text, size_t len, bson_t *out, struct berr *err);

#endif
