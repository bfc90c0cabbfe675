/* fuzz-store: the file store's document reader (backends/store/store_file.c,
 * store_match.c, store_docs.c): the input is a collection file; it is
 * read back whole, filtered, sorted and counted as commands read it, and
 * each document is turned into JSON.
 *
 * Input: one byte choosing the collection, then the file. */
#include "tests/fuzz/fuzz.h"
#include <bson/bson.h>
#include <jansson.h>
#include "backends/store/store.h"
#include "backends/store/store_docs.h"

static int each(void *ud, const bson_t *doc, struct berr *err)
{
	size_t *n = ud;

	(void)err;
	json_decref(store_doc_to_json(doc));
	store_doc_str(doc, "host");
	store_doc_str(doc, "engine.version");
	store_doc_int(doc, "slots", 1);
	store_doc_date(doc, "last_seen");
	store_doc_bool(doc, "active", 1);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store *s;
	enum store_coll c;
	char name[64], path[512];
	struct berr err;
	bson_t *sel, *sort;
	struct store_find_opts opts = { 0 };
	size_t n = 0;
	int64_t count;

	if (!size)
		return 0;
	if (!s && store_file_open(fuzz_dir(), &s, &err) < 0)
		abort();
	c = (enum store_coll)(data[0] % STORE_NCOLLS);
	snprintf(name, sizeof(name), "%s.bson", store_coll_name(c));
	fuzz_write(path, sizeof(path), name, data + 1, size - 1, 0600);

	if (store_find(s, c, NULL, NULL, each, &n, &err) < 0)
		fuzz_message(err.msg);
	sel = BCON_NEW("host", "lab");
	sort = BCON_NEW("name", BCON_INT32(1), "created", BCON_INT32(-1));
	opts.sort = sort;
	opts.limit = 10;
	if (store_find(s, c, sel, &opts, each, &n, &err) < 0)
		fuzz_message(err.msg);
	if (store_count(s, c, sel, &count, &err) < 0)
		fuzz_message(err.msg);
	bson_destroy(sel);
	bson_destroy(sort);
	return 0;
}
