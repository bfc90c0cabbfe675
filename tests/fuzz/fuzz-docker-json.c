/* fuzz-docker-json: what berth makes of the Docker engine's JSON replies
 * (backends/docker/docker.c, backends/store/store_docs.c,
 * commands/container_show.c): a reply judged as docker_call judges it,
 * then a listing of containers and of images turned into the store's
 * documents (from the jansson tree and from the text), an inspect reply
 * shown as container inspect's summary, the /_ping and /version
 * negotiation, and the JSON lines of an image load.
 *
 * Input: one byte choosing the HTTP status, then the body; for the ping,
 * the body also stands as the header block. */
#include "tests/fuzz/fuzz.h"
#include <jansson.h>
#include "backends/docker/docker_internal.h"
#include "backends/store/store_docs.h"
#include "commands/container_show.h"
#include "commands/context.h"

static const long statuses[] = { 200, 200, 200, 200, 201, 204, 304, 400, 404, 409, 500 };

static void docs(enum store_coll c, const json_t *list, const char *text, size_t len)
{
	struct store_docset set = { 0 };
	struct berr err;
	size_t i;

	if (store_docset_from_list(&set, c, "fuzz", list, 1700000000000, &err) < 0)
		fuzz_message(err.msg);
	for (i = 0; i < set.n; i++)
		json_decref(store_doc_to_json(set.docs[i]));
	store_docset_release(&set);
	memset(&set, 0, sizeof(set));
	if (store_docset_from_text(&set, c, "fuzz", text, len, 1700000000000, &err) < 0)
		fuzz_message(err.msg);
	store_docset_release(&set);
}

static void one(struct shell *sh, const json_t *obj)
{
	struct berr err;
	bson_t b;

	bson_init(&b);
	if (store_doc_container(&b, "fuzz", obj, 0, &err) < 0)
		fuzz_message(err.msg);
	bson_destroy(&b);
	bson_init(&b);
	if (store_doc_image(&b, "fuzz", obj, 0, &err) < 0)
		fuzz_message(err.msg);
	bson_destroy(&b);
	container_print_summary(sh, obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct shell sh;
	static int null_out;
	struct docker d = { .base = { .name = "fuzz", .url = "unix:///fuzz.sock" },
			    .display_url = "unix:///fuzz.sock" };
	struct http_response resp = { 0 };
	struct docker_load_reply *lr;
	struct berr err;
	json_t *j = NULL, *v;
	char *body;
	size_t i;

	if (!size)
		return 0;
	/* the summary prints: to /dev/null, reopened once, not at each run */
	if (!null_out) {
		if (!freopen("/dev/null", "w", stdout))
			abort();
		null_out = 1;
	}
	body = fuzz_str(data + 1, size - 1);
	resp.status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	resp.body = body;
	resp.len = size - 1;
	resp.headers = body;
	resp.headers_len = size - 1;

	if (docker_reply(&d, "GET /containers/json", &resp, DOCKER_OK304 | DOCKER_NEEDJSON, &j,
			 &err) < 0) {
		fuzz_message(err.msg);
	} else if (json_is_array(j)) {
		docs(STORE_CONTAINERS, j, body, size - 1);
		docs(STORE_IMAGES, j, body, size - 1);
		json_array_foreach(j, i, v)
			one(&sh, v);
	} else if (j) {
		one(&sh, j);
	}
	json_decref(j);

	if (docker_negotiate_ping(&d, &resp, &err) < 0)
		fuzz_message(err.msg);
	d.api[0] = '\0';
	if (docker_negotiate_version(&d, &resp, &err) < 0)
		fuzz_message(err.msg);

	lr = docker_load_reply_new();
	j = NULL;
	docker_load_reply_write(lr, body, (size - 1) / 2);
	docker_load_reply_write(lr, body + (size - 1) / 2, size - 1 - (size - 1) / 2);
	if (docker_load_reply_finish(&d, &resp, lr, &j, &err) < 0)
		fuzz_message(err.msg);
	json_decref(j);
	docker_load_reply_free(lr);
	free(body);
	return 0;
}
