/* store_id.c: the store's ID (fleet.h's fleet_store_id).
 *
 * Kept in the leases collection as a document named "store-id" that never
 * expires, so that no collection is added for one document: leases are
 * unique on name on both stores, and a unique insert is atomic on both
 * (FerretDB included, whose updates are not), so of two processes making
 * the ID at once one inserts and the other reads the winner's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <bson/bson.h>
#include "backends/pool/fleet.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"

#define STORE_ID_LEASE "store-id"
#define STORE_ID_LEN 16
/* 9999-12-31T23:59:59Z: a lease nobody ever takes over */
#define NEVER_MS 253402300799000LL

/* The ID in a store-id document, or NULL when it holds none. Borrowed. */
static const char *doc_id(const bson_t *doc)
{
	bson_iter_t it;
	const char *s;
	size_t i;

	if (!bson_iter_init_find(&it, doc, "id") || !BSON_ITER_HOLDS_UTF8(&it))
		return NULL;
	s = bson_iter_utf8(&it, NULL);
	if (strlen(s) != STORE_ID_LEN)
		return NULL;
	for (i = 0; i < STORE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return NULL;
	return s;
}

/* *id from the store's document: 1 found, 0 none, -1 error. */
static int read_id(struct store *s, char **id, struct berr *err)
{
	bson_t *sel = BCON_NEW("name", BCON_UTF8(STORE_ID_LEASE));
	bson_t doc;
	int found = 0, ret;

	ret = store_find_one(s, STORE_LEASES, sel, &doc, &found, err);
	bson_destroy(sel);
	if (ret < 0)
		return -1;
	if (!found)
		return 0;
	if (doc_id(&doc)) {
		*id = xstrdup(doc_id(&doc));
		ret = 1;
	} else {
		ret = berr_set(err, BERR_PROTOCOL,
			       "store: the leases document \"" STORE_ID_LEASE "\" holds no store ID");
	}
	bson_destroy(&doc);
	return ret;
}

/* A new random ID inserted; 1 when another process's was there first. */
static int insert_id(struct store *s, struct berr *err)
{
	unsigned char raw[STORE_ID_LEN / 2];
	char hex[STORE_ID_LEN + 1];
	bson_t *doc;
	size_t i;
	int ret;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return berr_set(err, BERR_LOCAL, "cannot make the store's ID: no random bytes");
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	doc = BCON_NEW("name", BCON_UTF8(STORE_ID_LEASE), "id", BCON_UTF8(hex),
		       "holder", BCON_UTF8("berth"), "acquired", BCON_DATE_TIME(store_now_ms()),
		       "expires", BCON_DATE_TIME(NEVER_MS));
	ret = store_insert(s, STORE_LEASES, doc, err);
	bson_destroy(doc);
	if (ret < 0 && err->kind == BERR_CONFLICT)
		return 1;
	return ret;
}

int fleet_store_id(struct fleet *fl, char **id, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	int r;

	*id = NULL;
	if (!s)
		return -1;
	r = read_id(s, id, err);
	if (r == 0) {
		r = insert_id(s, err);
		if (r >= 0) /* ours, or the one that won */
			r = read_id(s, id, err);
		if (r == 0)
			r = berr_set(err, BERR_PROTOCOL, "store: the store's ID was written but "
				     "cannot be read back");
	}
	if (r < 0) {
		fleet_store_failed(fl, err);
		return -1;
	}
	return 0;
}
