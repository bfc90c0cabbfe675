/* store_docs.h: the cached documents of berth-store(5), made from what an
 * engine lists (the jansson values the Docker backend returns, or the
 * listing's text), and any document turned back into JSON for output or
 * read field by field. The hosts collection's document is the fleet's
 * (backends/pool/host_doc.h).
 *
 *   images     { host, id, tags [], size, created, labels {}, label_kv [],
 *                last_seen }
 *   containers { host, id, name, image, image_id, command, state, status,
 *                ports [ { ip, private_port, public_port, type } ],
 *                labels {}, label_kv [], created, last_seen }
 *   volumes    { host, id (the volume's name: a volume has no ID), name,
 *                driver, scope, mountpoint, labels {}, label_kv [], created,
 *                last_seen }
 *   networks   { host, id, name, driver, scope, labels {}, label_kv [],
 *                created, last_seen }
 *
 * Times are BSON datetimes (milliseconds since the epoch, UTC). label_kv
 * repeats labels as "KEY=VALUE" strings so that label filters can use an
 * index ({ label_kv: "app=web" }).
 */
#ifndef BERTH_STORE_DOCS_H
#define BERTH_STORE_DOCS_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include <jansson.h>
#include "backends/store/store.h"

/* One entry of GET /containers/json (or /images/json) of host, seen at
 * now_ms, appended to out (which the caller initialised and destroys, also
 * on failure). An entry without an "Id" is refused naming the field. */
int store_doc_container(bson_t *out, const char *host, const json_t *entry,
			int64_t now_ms, struct berr *err);
int store_doc_image(bson_t *out, const char *host, const json_t *entry,
		    int64_t now_ms, struct berr *err);
/* The same for an entry of any cache collection c: GET /volumes's
 * "Volumes" (refused without a "Name"), GET /networks (without an "Id"),
 * or as above. */
int store_doc_object(bson_t *out, enum store_coll c, const char *host, const json_t *entry,
		     int64_t now_ms, struct berr *err);

/* The same for an entry already in BSON (json_bson.h's), of cache
 * collection c. */
int store_doc_from_entry(bson_t *out, enum store_coll c, const char *host, const bson_t *entry,
			 int64_t now_ms, struct berr *err);

/* A whole listing, ready for store_replace_host_set. */
struct store_docset {
	bson_t **docs; /* owned */
	size_t n;
};
int store_docset_from_list(struct store_docset *set, enum store_coll c, const char *host,
			   const json_t *list, int64_t now_ms, struct berr *err);
/* The same from the listing's JSON text as the engine sent it: turned
 * into BSON entry by entry (json_bson.h), much cheaper than a jansson
 * tree for big listings. */
int store_docset_from_text(struct store_docset *set, enum store_coll c, const char *host,
			   const char *text, size_t len, int64_t now_ms, struct berr *err);
void store_docset_release(struct store_docset *set);

/* A document as JSON, for --json output and messages: dates become
 * "2024-05-01T10:00:00Z" (".123Z" when there are milliseconds), ObjectIds
 * hex strings, the top-level _id is left out. New reference. */
json_t *store_doc_to_json(const bson_t *doc);
/* A JSON object as a document (for templates and other documents commands
 * build): objects, arrays, strings, integers, reals, true/false, null;
 * appended to out, as above. */
int store_doc_from_json(const json_t *obj, bson_t *out, struct berr *err);
/* "2024-05-01T10:00:00Z" for a datetime, into buf; returns buf. */
char *store_fmt_date(char *buf, size_t len, int64_t ms);

/* Reading one field ("engine.version" descends): a borrowed string or NULL;
 * an integer (int32, int64 or integral double) or dflt; a datetime in ms or
 * 0; a bool or dflt. */
const char *store_doc_str(const bson_t *doc, const char *path);
int64_t store_doc_int(const bson_t *doc, const char *path, int64_t dflt);
int64_t store_doc_date(const bson_t *doc, const char *path);
int store_doc_bool(const bson_t *doc, const char *path, int dflt);

#endif
