/* test-host-doc.c: the hosts collection's document (backends/pool/host_doc.c):
 * each builder's BSON, field for field with its type and in its order
 * (what the stores keep byte for byte), the history's cap, an update
 * applied by a real file store, and the view of a document. */
#include "config.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "backends/pool/host_doc.h"
#include "backends/pool/settings.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "tests/unit/tap.h"

#define NOW 1700000000000LL

/* doc as {key:value,...} with each value's type: s"str" i32:N i64:N dN
 * (datetime) true false null {..} [..]: two documents that dump the same
 * are the same BSON. */
static void dump_into(char *out, size_t len, size_t *at, bson_iter_t *it, int array);

static void put(char *out, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *out, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

static void dump_value(char *out, size_t len, size_t *at, bson_iter_t *it)
{
	bson_iter_t sub;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:      put(out, len, at, "s\"%s\"", bson_iter_utf8(it, NULL)); break;
	case BSON_TYPE_INT32:     put(out, len, at, "i32:%d", bson_iter_int32(it)); break;
	case BSON_TYPE_INT64:     put(out, len, at, "i64:%lld", (long long)bson_iter_int64(it)); break;
	case BSON_TYPE_DATE_TIME: put(out, len, at, "d%lld", (long long)bson_iter_date_time(it)); break;
	case BSON_TYPE_BOOL:      put(out, len, at, "%s", bson_iter_bool(it) ? "true" : "false"); break;
	case BSON_TYPE_NULL:      put(out, len, at, "null"); break;
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		if (bson_iter_recurse(it, &sub))
			dump_into(out, len, at, &sub, BSON_ITER_HOLDS_ARRAY(it));
		break;
	default:                  put(out, len, at, "?%d", (int)bson_iter_type(it)); break;
	}
}

static void dump_into(char *out, size_t len, size_t *at, bson_iter_t *it, int array)
{
	int first = 1;

	put(out, len, at, "%c", array ? '[' : '{');
	while (bson_iter_next(it)) {
		put(out, len, at, "%s", first ? "" : ",");
		first = 0;
		if (!array)
			put(out, len, at, "%s:", bson_iter_key(it));
		dump_value(out, len, at, it);
	}
	put(out, len, at, "%c", array ? ']' : '}');
}

static const char *dump(const bson_t *doc)
{
	static char buf[16384];
	bson_iter_t it;
	size_t at = 0;

	buf[0] = '\0';
	if (bson_iter_init(&it, doc))
		dump_into(buf, sizeof(buf), &at, &it, 0);
	return buf;
}

static json_t *engine_info(void)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s}", "ID", "ABCD:EFGH", "ServerVersion",
			 "24.0.7", "ApiVersion", "1.43", "NCPU", 4, "MemTotal", (json_int_t)8 << 30,
			 "OperatingSystem", "Debian GNU/Linux 12", "KernelVersion", "6.1");
}

/* --- a new document ------------------------------------------------------ */

static void test_build(void)
{
	struct host_doc_new h = { .name = "lab", .url = "tcp://10.0.0.5:2376",
				  .tls_dir = "/etc/berth/lab", .state = "spawned",
				  .state_reason = "registered with host add", .added_ms = NOW - 5 };
	json_t *info = engine_info();
	struct berr err;
	bson_t doc;

	bson_init(&doc);
	ok(host_doc_build(&doc, &h, NULL, NOW, &err) == 0, "a new host's document");
	is_str(dump(&doc),
	       "{name:s\"lab\",url:s\"tcp://10.0.0.5:2376\",tls_dir:s\"/etc/berth/lab\",insecure:false,"
	       "state:s\"spawned\",state_changed:d1700000000000,state_reason:s\"registered with host add\","
	       "errors:i32:0,last_error:null,last_seen:null,engine:null,added:d1699999999995}",
	       "... every field, typed, in its order; engine and last_seen null when not asked");
	bson_destroy(&doc);

	h.tls_dir = NULL;
	h.insecure = 1;
	h.state = NULL;
	h.state_reason = NULL;
	h.added_ms = 0;
	bson_init(&doc);
	ok(host_doc_build(&doc, &h, info, NOW, &err) == 0, "one with the engine's facts");
	is_str(dump(&doc),
	       "{name:s\"lab\",url:s\"tcp://10.0.0.5:2376\",tls_dir:null,insecure:true,"
	       "state:s\"active\",state_changed:d1700000000000,state_reason:null,"
	       "errors:i32:0,last_error:null,last_seen:d1700000000000,"
	       "engine:{id:s\"ABCD:EFGH\",version:s\"24.0.7\",api_version:s\"1.43\",ncpu:i64:4,memory:i64:8589934592,"
	       "os:s\"Debian GNU/Linux 12\"}}",
	       "... active by default, seen now, no added date when none is given");
	bson_destroy(&doc);

	h.url = "";
	bson_init(&doc);
	berr_clear(&err);
	ok(host_doc_build(&doc, &h, NULL, NOW, &err) < 0 && err.kind == BERR_USAGE,
	   "a host without a URL is refused: %s", err.msg);
	bson_destroy(&doc);
	json_decref(info);
}

/* A spawn's document: no URL yet, the cloud sub-document; read back. */
static void test_cloud(void)
{
	struct host_doc_cloud c = {
		.profile = "lab-os", .driver = "openstack", .spawn_id = "5f1e", .vm_id = NULL,
		.flavor = "m1.small", .image = "debian-12-docker", .network = "private",
		.phase = HOST_DOC_PHASE_INTENT, .deadline_ms = NOW + 600000, .machine = "m1", .pid = 42,
	};
	struct host_doc_new h = { .name = "lab-os-1", .state = "spawned",
				  .state_reason = "host spawn", .added_ms = NOW, .cloud = &c };
	struct host_doc v;
	struct berr err;
	bson_t doc, f;

	bson_init(&doc);
	ok(host_doc_build(&doc, &h, NULL, NOW, &err) == 0, "a spawn's intent document");
	is_str(dump(&doc),
	       "{name:s\"lab-os-1\",url:null,tls_dir:null,insecure:false,"
	       "state:s\"spawned\",state_changed:d1700000000000,state_reason:s\"host spawn\","
	       "errors:i32:0,last_error:null,last_seen:null,engine:null,added:d1700000000000,"
	       "cloud:{profile:s\"lab-os\",driver:s\"openstack\",spawn_id:s\"5f1e\",vm_id:null,"
	       "secgroup_id:null,address_id:null,address:null,request:{flavor:s\"m1.small\","
	       "image:s\"debian-12-docker\",network:s\"private\"},phase:s\"intent\","
	       "deadline:d1700000600000,machine:s\"m1\",pid:i64:42}}",
	       "... url null until the VM has an address, the request and phase kept");
	host_doc_read(&doc, &v);
	ok(v.cloud.present && !strcmp(v.cloud.profile, "lab-os") && !v.cloud.vm_id &&
	   !strcmp(v.cloud.phase, "intent") && !strcmp(v.cloud.flavor, "m1.small") &&
	   !strcmp(v.cloud.network, "private") && v.cloud.deadline == NOW + 600000 &&
	   v.cloud.pid == 42 && !v.url, "... read back");
	bson_destroy(&doc);

	c.vm_id = "i-0abc";
	c.phase = HOST_DOC_PHASE_RUNNING;
	bson_init(&f);
	host_doc_set_cloud(&f, &c);
	host_doc_set_endpoint(&f, "tcp://127.0.1.10:2376", "/d/hosts/lab-os-1",
			      "lab-os-1.berth.internal");
	host_doc_read(&f, &v);
	ok(!strcmp(v.cloud.vm_id, "i-0abc") && !strcmp(v.cloud.phase, "running") &&
	   !strcmp(v.url, "tcp://127.0.1.10:2376"), "the fields a spawn sets as it goes");
	bson_destroy(&f);

	h.cloud = NULL;
	bson_init(&doc);
	ok(host_doc_build(&doc, &h, NULL, NOW, &err) < 0, "no URL and no cloud: refused");
	bson_destroy(&doc);
	host_doc_read(NULL, &v);
	ok(!v.cloud.present, "no document: no cloud");
}

/* --- updates ------------------------------------------------------------- */

static void test_selectors(void)
{
	bson_t b;

	host_doc_selector(&b, "lab");
	is_str(dump(&b), "{name:s\"lab\"}", "the selector by name");
	bson_destroy(&b);
	host_doc_sort_by_name(&b);
	is_str(dump(&b), "{name:i32:1}", "the sort by name");
	bson_destroy(&b);
}

static void test_transition(void)
{
	struct host_settings hc = { .name = "local", .url = "unix:///run/docker.sock" };
	bson_t update, extra;

	bson_init(&extra);
	host_doc_set_no_errors(&extra, 0);
	host_doc_set_no_probes(&extra);
	host_doc_update_transition(&update, NULL, "active", "host activate", &extra, NOW, NULL);
	is_str(dump(&update),
	       "{$set:{state:s\"active\",state_changed:d1700000000000,state_reason:s\"host activate\","
	       "history:[{state:s\"active\",at:d1700000000000,reason:s\"host activate\"}],"
	       "errors:i32:0,auto_inactive:false,next_probe:null,probe_backoff:null}}",
	       "a transition: state, date, reason, a first history entry, then extra's fields");
	bson_destroy(&update);
	bson_destroy(&extra);

	bson_init(&extra);
	host_doc_set_auto_inactive(&extra, NOW + 30000, 30000);
	host_doc_update_transition(&update, NULL, "inactive", NULL, &extra, NOW, &hc);
	is_str(dump(&update),
	       "{$set:{state:s\"inactive\",state_changed:d1700000000000,state_reason:null,"
	       "history:[{state:s\"inactive\",at:d1700000000000,reason:null}],"
	       "auto_inactive:true,next_probe:d1700000030000,probe_backoff:i64:30000},"
	       "$setOnInsert:{url:s\"unix:///run/docker.sock\",tls_dir:null,insecure:false,"
	       "added:d1700000000000,configured:true,engine:null}}",
	       "... without a reason, for a configured host with its first document");
	bson_destroy(&update);
	bson_destroy(&extra);
}

/* A document holding the $set of update (enough for history). */
static void set_of(const bson_t *update, bson_t *doc)
{
	bson_iter_t it, set;

	bson_init(doc);
	if (bson_iter_init_find(&it, update, "$set") && bson_iter_recurse(&it, &set))
		while (bson_iter_next(&set))
			bson_append_iter(doc, bson_iter_key(&set), -1, &set);
}

static void test_history_cap(void)
{
	struct host_doc_change ch[HOST_DOC_HISTORY_MAX + 2];
	char reason[32];
	bson_t doc, update;
	size_t n;
	int i, in_order = 1;

	bson_init(&doc);
	for (i = 0; i < 25; i++) {
		snprintf(reason, sizeof(reason), "change %d", i);
		host_doc_update_transition(&update, &doc, i % 2 ? "inactive" : "active", reason, NULL,
					   NOW + i, NULL);
		bson_destroy(&doc);
		set_of(&update, &doc);
		bson_destroy(&update);
	}
	n = host_doc_history(&doc, ch, sizeof(ch) / sizeof(ch[0]));
	is_int(n, HOST_DOC_HISTORY_MAX, "25 transitions keep the last %d", HOST_DOC_HISTORY_MAX);
	is_str(ch[0].reason, "change 5", "... the oldest ones dropped");
	is_str(ch[n - 1].reason, "change 24", "... the newest last");
	is_str(ch[n - 1].state, "active", "... with its state");
	is_int(ch[n - 1].at, NOW + 24, "... and its date");
	for (i = 1; i < (int)n; i++)
		in_order &= ch[i].at == ch[i - 1].at + 1;
	ok(in_order, "... oldest first, none skipped");
	is_int(host_doc_history(&doc, ch, 2), HOST_DOC_HISTORY_MAX,
	       "host_doc_history counts beyond what it fills");
	bson_destroy(&doc);

	/* entries that are no documents are neither kept nor counted */
	bson_init(&doc);
	{
		bson_t arr, e;

		BSON_APPEND_ARRAY_BEGIN(&doc, "history", &arr);
		BSON_APPEND_UTF8(&arr, "0", "junk");
		BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &e);
		BSON_APPEND_UTF8(&e, "state", "spawned");
		BSON_APPEND_DATE_TIME(&e, "at", 5);
		BSON_APPEND_NULL(&e, "reason");
		bson_append_document_end(&arr, &e);
		bson_append_array_end(&doc, &arr);
	}
	host_doc_update_transition(&update, &doc, "active", "probe answered", NULL, NOW, NULL);
	is_str(dump(&update),
	       "{$set:{state:s\"active\",state_changed:d1700000000000,state_reason:s\"probe answered\","
	       "history:[{state:s\"spawned\",at:d5,reason:null},"
	       "{state:s\"active\",at:d1700000000000,reason:s\"probe answered\"}]}}",
	       "a history's stray non-document entry is dropped, the rest renumbered");
	bson_destroy(&update);
	bson_destroy(&doc);
}

static void test_answer_error(void)
{
	struct host_settings hc = { .name = "local", .url = "tcp://127.0.0.1:2375", .tls_dir = "/tls", .tls_verify = 1, .insecure = 1 };
	json_t *info = engine_info();
	bson_t update;

	host_doc_update_answer(&update, info, NOW, NULL);
	is_str(dump(&update),
	       "{$set:{last_seen:d1700000000000,errors:i32:0,last_error:null,"
	       "engine:{id:s\"ABCD:EFGH\",version:s\"24.0.7\",api_version:s\"1.43\",ncpu:i64:4,memory:i64:8589934592,"
	       "os:s\"Debian GNU/Linux 12\"}}}",
	       "an answer: seen now, errors cleared, the engine's facts");
	bson_destroy(&update);

	host_doc_update_answer(&update, NULL, NOW, &hc);
	is_str(dump(&update),
	       "{$set:{last_seen:d1700000000000,errors:i32:0,last_error:null},"
	       "$setOnInsert:{url:s\"tcp://127.0.0.1:2375\",tls_dir:s\"/tls\",insecure:true,"
	       "added:d1700000000000,configured:true,state:s\"active\",state_changed:d1700000000000,"
	       "state_reason:s\"configured\",engine:null}}",
	       "... without facts, for a configured host: its first document is active");
	bson_destroy(&update);

	host_doc_update_answer(&update, info, NOW, &hc);
	ok(strstr(dump(&update), "state_reason:s\"configured\"}}") != NULL,
	   "... with facts, the first document takes them from $set, not engine: null");
	bson_destroy(&update);

	host_doc_update_error(&update, "cannot connect", NOW, NULL);
	is_str(dump(&update),
	       "{$inc:{errors:i32:1},$set:{last_error:s\"cannot connect\",last_error_at:d1700000000000}}",
	       "an error: counted, the message and its date");
	bson_destroy(&update);

	host_doc_update_backoff(&update, NOW + 60000, 60000, "timed out", NOW);
	is_str(dump(&update),
	       "{$set:{next_probe:d1700000060000,probe_backoff:i64:60000,last_error:s\"timed out\","
	       "last_error_at:d1700000000000},$inc:{errors:i32:1}}",
	       "an unanswered probe: the next one's date and wait, the error counted");
	bson_destroy(&update);

	host_doc_update_moved(&update, "unix:///other.sock", NULL);
	is_str(dump(&update),
	       "{$set:{url:s\"unix:///other.sock\",tls_dir:null,errors:i32:0,last_error:null,"
	       "auto_inactive:false,next_probe:null,probe_backoff:null,engine:null,last_seen:null}}",
	       "a moved URL: errors, probes and the old engine's facts cleared");
	bson_destroy(&update);

	host_doc_update_placed(&update, NOW);
	is_str(dump(&update), "{$set:{last_placed:d1700000000000}}", "a placement's date");
	bson_destroy(&update);
	json_decref(info);
}

static void test_fields(void)
{
	bson_t f, update;

	bson_init(&f);
	host_doc_set_drained(&f, 1);
	host_doc_set_slots(&f, 8);
	host_doc_set_slots(&f, 0);
	host_doc_set_seen(&f, NOW);
	host_doc_set_seen(&f, 0);
	host_doc_update_fields(&update, &f, NOW, NULL);
	is_str(dump(&update),
	       "{$set:{drained:true,slots:i64:8,slots:null,last_seen:d1700000000000,last_seen:null}}",
	       "fields set by hand, in the order given (slots and last_seen null for 0)");
	bson_destroy(&update);
	bson_destroy(&f);
}

/* --- an update through a real store --------------------------------------- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void test_store_roundtrip(void)
{
	char dir[] = "/tmp/berth-hostdoc-XXXXXX";
	struct host_doc_new h = { .name = "lab", .url = "unix:///run/lab.sock", .state = "spawned",
				  .state_reason = "test", .added_ms = NOW };
	struct store *s = NULL;
	struct host_doc v;
	struct berr err;
	bson_t doc, sel, update, got;
	int found = 0, i, rc = 0;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	berr_clear(&err);
	ok(store_file_open(dir, &s, &err) == 0 && s, "a file store: %s", err.msg);
	if (!s)
		goto cleanup;
	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, NOW, &err);
	ok(store_insert(s, STORE_HOSTS, &doc, &err) == 0, "a host inserted");
	bson_destroy(&doc);
	host_doc_selector(&sel, "lab");
	for (i = 0; i < 22 && rc == 0; i++) {
		bson_t before;

		rc = store_find_one(s, STORE_HOSTS, &sel, &before, &found, &err);
		if (rc < 0 || !found)
			break;
		host_doc_update_transition(&update, &before, i % 2 ? "inactive" : "active",
					   "by hand", NULL, NOW + i, NULL);
		rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, &found, &err);
		bson_destroy(&update);
		bson_destroy(&before);
	}
	ok(rc == 0 && found, "22 transitions written: %s", err.msg);
	host_doc_update_answer(&update, NULL, NOW + 100, NULL);
	ok(store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, &found, &err) == 0, "an answer written");
	bson_destroy(&update);
	ok(store_find_one(s, STORE_HOSTS, &sel, &got, &found, &err) == 0 && found, "read back");
	host_doc_read(&got, &v);
	is_int(v.nhistory, HOST_DOC_HISTORY_MAX, "the store keeps the capped history");
	is_str(v.state, "inactive", "... the last state");
	is_int(v.state_changed, NOW + 21, "... dated");
	is_int(v.last_seen, NOW + 100, "the answer's date");
	is_int(v.created, NOW, "created: the added date");
	bson_destroy(&got);
	bson_destroy(&sel);
cleanup:
	store_free(s);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- reading ----------------------------------------------------------------- */

static void test_view(void)
{
	json_t *info = engine_info();
	struct host_doc_new h = { .name = "web1", .url = "tcp://10.0.0.7:2376", .tls_dir = "/tls/web1",
				  .state = "inactive", .state_reason = "3 consecutive errors: timed out",
				  .added_ms = NOW - 1000 };
	struct host_doc v;
	struct berr err;
	bson_t doc, f, dup;
	bson_oid_t oid;

	host_doc_read(NULL, &v);
	ok(!strcmp(v.state, "active") && !v.name && !v.drained && !v.slots && !v.created &&
	   !v.engine.version && !v.nhistory, "no document: active, nothing else known");

	bson_init(&doc);
	host_doc_build(&doc, &h, info, NOW, &err);
	bson_init(&f);
	host_doc_set_auto_inactive(&f, NOW + 30000, 30000);
	host_doc_set_drained(&f, 1);
	host_doc_set_slots(&f, 6);
	bson_concat(&doc, &f);
	bson_destroy(&f);
	BSON_APPEND_UTF8(&doc, "last_error", "later key of the same name: ignored");
	BSON_APPEND_DATE_TIME(&doc, "last_placed", NOW - 7);
	BSON_APPEND_BOOL(&doc, "configured", 1);
	host_doc_read(&doc, &v);
	is_str(v.name, "web1", "view: name");
	is_str(v.url, "tcp://10.0.0.7:2376", "view: url");
	is_str(v.tls_dir, "/tls/web1", "view: tls_dir");
	ok(!v.insecure && v.configured, "view: insecure, configured");
	is_str(v.state, "inactive", "view: state");
	is_str(v.state_reason, "3 consecutive errors: timed out", "view: state_reason");
	is_int(v.state_changed, NOW, "view: state_changed");
	is_int(v.errors, 0, "view: errors");
	ok(v.last_error == NULL, "view: last_error null (the first key of a name counts)");
	ok(v.auto_inactive && v.next_probe == NOW + 30000 && v.probe_backoff == 30000,
	   "view: auto_inactive, next_probe, probe_backoff");
	ok(v.drained && v.slots == 6, "view: drained, slots");
	is_int(v.last_seen, NOW, "view: last_seen");
	is_int(v.last_placed, NOW - 7, "view: last_placed");
	is_int(v.created, NOW - 1000, "view: created from added");
	ok(v.engine.version && !strcmp(v.engine.version, "24.0.7") && v.engine.ncpu == 4 &&
	   v.engine.memory == (int64_t)8 << 30 && !strcmp(v.engine.api_version, "1.43") &&
	   !strcmp(v.engine.os, "Debian GNU/Linux 12"), "view: the engine's facts");
	is_str(v.engine.id, "ABCD:EFGH", "view: the engine's ID");
	is_str(host_doc_state(&doc), "inactive", "host_doc_state alone");
	bson_destroy(&doc);

	/* wrong types read as missing; created falls back on the ObjectId */
	bson_init(&dup);
	bson_oid_init_from_string(&oid, "65536f00aaaaaaaaaaaaaaaa"); /* 1699966720 s */
	BSON_APPEND_OID(&dup, "_id", &oid);
	BSON_APPEND_UTF8(&dup, "state", "");
	BSON_APPEND_UTF8(&dup, "errors", "3");
	BSON_APPEND_DOUBLE(&dup, "slots", 4.0);
	BSON_APPEND_INT32(&dup, "drained", 1);
	BSON_APPEND_NULL(&dup, "engine");
	host_doc_read(&dup, &v);
	is_str(v.state, "active", "an empty state reads as active");
	ok(v.errors == 0 && !v.drained && !v.engine.version, "a string count, an int flag: missing");
	is_int(v.slots, 4, "an integral double is an integer");
	is_int(v.created, 1699966720LL * 1000, "created: the ObjectId's time without added");
	bson_destroy(&dup);
	json_decref(info);
}

static void test_json(void)
{
	struct host_doc_new h = { .name = "lab", .url = "unix:///stored.sock", .state = "spawned" };
	struct berr err;
	json_t *o;
	char *s;
	bson_t doc;

	o = host_doc_json(NULL, "local", "unix:///var/run/docker.sock", NULL, 0);
	s = json_dumps(o, JSON_COMPACT);
	is_str(s, "{\"name\":\"local\",\"url\":\"unix:///var/run/docker.sock\",\"tls_dir\":null,"
	       "\"insecure\":false,\"state\":\"active\",\"drained\":false,\"state_changed\":null,"
	       "\"state_reason\":null,\"last_seen\":null,\"engine\":null,\"slots\":null}",
	       "JSON of a host without a document: every field a reader expects");
	free(s);
	json_decref(o);

	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, NOW, &err);
	o = host_doc_json(&doc, "lab", "unix:///configured.sock", "/tls", 1);
	s = json_dumps(o, JSON_COMPACT);
	is_str(s, "{\"name\":\"lab\",\"url\":\"unix:///configured.sock\",\"tls_dir\":\"/tls\","
	       "\"insecure\":true,\"state\":\"spawned\",\"state_changed\":\"2023-11-14T22:13:20Z\","
	       "\"state_reason\":null,\"errors\":0,\"last_error\":null,\"last_seen\":null,"
	       "\"engine\":null,\"drained\":false,\"slots\":null}",
	       "... with one: its fields, the settings given, the missing ones added");
	free(s);
	json_decref(o);
	bson_destroy(&doc);

	/* a pinned TLS name: stored when given, read back */
	h.tls_dir = "/tls";
	h.tls_name = "lab.berth.internal";
	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, NOW, &err);
	{
		struct host_doc v;

		host_doc_read(&doc, &v);
		is_str(v.tls_name, "lab.berth.internal", "tls_name is stored and read back");
	}
	bson_destroy(&doc);
	h.tls_name = NULL;
	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, NOW, &err);
	ok(!bson_has_field(&doc, "tls_name"), "... and absent when not given");
	bson_destroy(&doc);
}

int main(void)
{
	unsetenv("BERTH_MONGODB_URI");
	test_build();
	test_cloud();
	test_selectors();
	test_transition();
	test_history_cap();
	test_answer_error();
	test_fields();
	test_store_roundtrip();
	test_view();
	test_json();
	return done_testing();
}
