/* test-json-bson: backends/store/json_bson.c, JSON text to BSON, against
 * jansson (tests/json-bson-diff.h): valid and invalid texts of every kind
 * RFC 8259 and UTF-8 have, every truncation of a listing, deep nesting,
 * big numbers; then what the BSON holds (types, repeated keys, "$" keys)
 * and the messages. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tests/unit/tap.h"
#include "tests/json-bson-diff.h"

/* Texts read both as an object and as a listing; most are wrong for one
 * of the two, which is checked too. */
static const char *const texts[] = {
	/* shapes and whitespace */
	"{}", "[]", " \t\r\n{ } \n", "[ ]", "[{}]", "[{},{}]", "[ {} , { } ]", "{\"a\":1}",
	"{ \"a\" : [ 1 , 2 ] , \"b\" : { } }", "[{\"a\":{\"b\":{\"c\":[[],[{}]]}}}]",
	"", " ", "{", "}", "[", "]", "{]", "[}", "{}}", "[]]", "{} {}", "[] x", "{}x",
	"{,}", "[,]", "[{},]", "{\"a\":1,}", "{\"a\":1,,\"b\":2}", "[{}{}]", "{\"a\" 1}",
	"{\"a\":}", "{a:1}", "{'a':1}", "{\"a\":1 \"b\":2}", "{1:2}", "{\"a\"}", "\xef\xbb\xbf{}",
	"{}\v", "\f{}", "{} /* c */", "// c\n{}", "{\"a\":1}#", "[{}]\x00",
	/* values */
	"{\"t\":true,\"f\":false,\"n\":null}", "{\"t\":tru}", "{\"t\":True}", "{\"n\":nul}",
	"{\"n\":NULL}", "{\"t\":truex}", "{\"x\":undefined}", "{\"x\":NaN}", "{\"x\":-Infinity}",
	"{\"x\":Infinity}", "{\"x\":nan}",
	/* numbers */
	"{\"a\":0,\"b\":-0,\"c\":1,\"d\":-1,\"e\":123456789}", "{\"a\":2147483647}",
	"{\"a\":2147483648}", "{\"a\":-2147483648}", "{\"a\":-2147483649}",
	"{\"a\":9223372036854775807}", "{\"a\":-9223372036854775808}",
	"{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}",
	"{\"a\":18446744073709551616}", "{\"a\":99999999999999999999999999999}",
	"{\"a\":1.5,\"b\":-0.0,\"c\":1e2,\"d\":1E+2,\"e\":1e-2,\"f\":-1.25e-300}",
	"{\"a\":0.1,\"b\":3.141592653589793,\"c\":1.7976931348623157e308}",
	"{\"a\":4.9e-324,\"b\":1e-400,\"c\":123456789012345678901234567890.5}",
	"{\"a\":1e400}", "{\"a\":-1e400}", "{\"a\":1.0e309}",
	"{\"a\":01}", "{\"a\":-01}", "{\"a\":00}", "{\"a\":1.}", "{\"a\":.1}", "{\"a\":-}",
	"{\"a\":+1}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":1.e1}", "{\"a\":0x10}", "{\"a\":1_0}",
	"{\"a\":--1}", "{\"a\":1.5.5}", "{\"a\":1e5e5}", "{\"a\":-0.0e-0}", "{\"a\":0e0}",
	/* a number longer than the copy on the stack, ending the text (fuzz) */
	"[{\"a\":3590693499999999999999999999999999999999999999999999999999999999999999.5",
	"{\"a\":1 2}", "[1]", "[-1.5]", "[\"s\"]", "[true]", "[null]", "[[]]", "[{},1]",
	"[{}, [{}]]", "[{},{\"a\":1},\"x\"]",
	/* escapes */
	"{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "{\"s\":\"\\u0041\\u00e9\\u20AC\\uFFFF\"}",
	"{\"s\":\"\\ud83d\\ude00\",\"\\uD834\\uDD1E\":1}", "{\"s\":\"\\u0001\\u001f\\u007f\"}",
	"{\"s\":\"\\ud800\"}", "{\"s\":\"\\udc00\"}", "{\"s\":\"\\ud800\\u0041\"}",
	"{\"s\":\"\\ud800\\ud800\"}", "{\"s\":\"\\ude00\\ud83d\"}", "{\"s\":\"\\ud800x\"}",
	"{\"s\":\"\\u0000\"}", "{\"\\u0000\":1}", "{\"s\":\"a\\u0000b\"}", "{\"s\":\"\\u00\"}",
	"{\"s\":\"\\u00g0\"}", "{\"s\":\"\\x41\"}", "{\"s\":\"\\a\"}", "{\"s\":\"\\'\"}",
	"{\"s\":\"\\U0041\"}", "{\"s\":\"\\\"}", "{\"s\":\"\\", "{\"s\":\"\\u", "{\"s\":\"\\ud83d\\u",
	"{\"s\":\"\\ud83d\\ude0\"}", "{\"s\":\"a\\/b\\\\\\\\\"}", "{\"k\\n\\\"\":\"\\t\"}",
	/* raw characters */
	"{\"s\":\"tab\there\"}", "{\"s\":\"nl\nhere\"}", "{\"s\":\"\x01\"}", "{\"s\":\"\x1f\"}",
	"{\"s\":\"\x7f\"}", "{\"s\":\" \"}", "{\"s\":\"unterminated}",
	/* UTF-8 */
	"{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\"}",
	"{\"s\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\"}",
	"{\"\xc3\xa9\":\"\xe6\x97\xa5\xe6\x9c\xac\"}",
	"{\"s\":\"\x80\"}", "{\"s\":\"\xbf\"}", "{\"s\":\"\xc0\x80\"}", "{\"s\":\"\xc1\xbf\"}",
	"{\"s\":\"\xe0\x80\x80\"}", "{\"s\":\"\xe0\x9f\xbf\"}", "{\"s\":\"\xf0\x80\x80\x80\"}",
	"{\"s\":\"\xf0\x8f\xbf\xbf\"}", "{\"s\":\"\xed\xa0\x80\"}", "{\"s\":\"\xed\xbf\xbf\"}",
	"{\"s\":\"\xed\xa0\xbd\xed\xb8\x80\"}", "{\"s\":\"\xf4\x90\x80\x80\"}",
	"{\"s\":\"\xf5\x80\x80\x80\"}", "{\"s\":\"\xf8\x88\x80\x80\x80\"}", "{\"s\":\"\xfe\"}",
	"{\"s\":\"\xff\"}", "{\"s\":\"\xc3\"}", "{\"s\":\"\xe2\x82\"}", "{\"s\":\"\xf0\x9f\x98\"}",
	"{\"s\":\"\xc3x\"}", "{\"s\":\"\xe2\x82x\"}", "{\"s\":\"\xf0\x9f\x98x\"}",
	"{\"s\":\"\xe2\xc3\xa9\"}", "{\"\xff\":1}", "{\"a\":1,\"\xc3\":2}", "{\"s\":\"\xc3",
	"\xc3\xa9", "{\"s\":1}\xc3\xa9",
	/* repeated keys, and keys libbson would read as extended JSON */
	"{\"a\":1,\"a\":2}", "{\"a\":{\"x\":1},\"a\":[2]}", "[{\"Id\":\"x\",\"Id\":\"y\"}]",
	"{\"$oid\":\"5f0000000000000000000001\"}", "{\"$date\":1,\"$numberLong\":\"2\"}",
	"[{\"Labels\":{\"$oid\":\"1\",\"$regex\":\"a\",\"$options\":\"\"}}]",
	"{\"\":\"\",\"a.b\":\"\",\" \":1}",
};

static void check(const char *text, size_t len, int array, const char *what)
{
	char why[512] = "";
	int agree = jbd_check(text, len, array, why, sizeof(why));

	ok(agree, "%s as %s: %s", what, array ? "a listing" : "an object",
	   agree ? "agree" : why);
}

static void test_texts(void)
{
	char what[64];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (int array = 0; array < 2; array++) {
			snprintf(what, sizeof(what), "text %zu", i);
			check(texts[i], strlen(texts[i]), array, what);
		}
	/* a NUL byte, in a string and between values */
	check("{\"s\":\"a\0b\"}", 11, 0, "a raw NUL in a string");
	check("[{}\0]", 5, 1, "a NUL between elements");
}

/* text nested depth deep (objects or arrays), around one value */
static char *nested(int depth, int arrays, const char *top)
{
	size_t len = strlen(top);
	char *s = malloc((size_t)depth * 6 + len + 8), *p = s;

	p += sprintf(p, "%s", top);
	for (int i = 1; i < depth; i++)
		p += sprintf(p, arrays ? "[" : "{\"k\":");
	*p++ = '1';
	for (int i = 1; i < depth; i++)
		*p++ = arrays ? ']' : '}';
	p += sprintf(p, "%s", top[0] == '[' ? "}]" : "}");
	*p = '\0';
	return s;
}

static void test_depth(void)
{
	static const int depths[] = { 2, 100, 511, 512, 513, 600, 2047, 2048, 2049, 5000 };
	char what[64];

	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++)
		for (int arrays = 0; arrays < 2; arrays++) {
			char *obj = nested(depths[i], arrays, "{\"k\":");
			char *list = nested(depths[i] - 1, arrays, "[{\"k\":");
			bson_t b;
			struct berr err;
			int want = depths[i] <= JSON_BSON_MAX_DEPTH;

			snprintf(what, sizeof(what), "%s nested %d deep", arrays ? "arrays" : "objects",
				 depths[i]);
			check(obj, strlen(obj), 0, what);
			check(list, strlen(list), 1, what);
			is_int(json_bson_object(obj, strlen(obj), &b, &err) == 0, want,
			       "%s: %s", what, want ? "read" : "refused");
			if (want)
				bson_destroy(&b);
			free(obj);
			free(list);
		}
}

static char *slurp(const char *leaf, size_t *len)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[4096];
	FILE *f;
	char *s;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", leaf);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		if (f)
			fclose(f);
		return NULL;
	}
	s = malloc((size_t)n + 1);
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* The recorded listing whole, then cut at every byte, as both. */
static void test_truncations(void)
{
	size_t len = 0, bad = 0, first = 0;
	char *text = slurp("engine-containers.json", &len);
	char why[512];

	ok(text && len > 1000, "tests/data/engine-containers.json read (%zu bytes)", len);
	if (!text)
		return;
	check(text, len, 1, "engine-containers.json");
	check(text, len, 0, "engine-containers.json");
	for (size_t n = 0; n < len; n++)
		for (int array = 0; array < 2; array++)
			if (!jbd_check(text, n, array, why, sizeof(why)) && !bad++)
				first = n;
	is_int(bad, 0, "every truncation of the listing (%zu of them, both ways) agrees%s", len,
	       bad ? "; see the first" : "");
	if (bad)
		check(text, first, 1, "the first disagreeing truncation");
	free(text);
}

static int count(void *ud, const bson_t *doc, struct berr *err)
{
	(void)doc;
	(void)err;
	++*(int *)ud;
	return 0;
}

static int refuse_second(void *ud, const bson_t *doc, struct berr *err)
{
	(void)doc;
	if (++*(int *)ud == 2)
		return berr_set(err, BERR_LOCAL, "mine");
	return 0;
}

static int obj(const char *text, bson_t *b, struct berr *err)
{
	return json_bson_object(text, strlen(text), b, err);
}

static long each(const char *text, json_bson_fn fn, int *n, struct berr *err)
{
	return json_bson_array_each(text, strlen(text), fn, n, err);
}

static void test_bson(void)
{
	bson_t b;
	bson_iter_t it;
	struct berr err;
	int n = 0;
	uint32_t keys = 0;

	ok(obj("{\"a\":1,\"b\":2147483648,\"c\":9223372036854775808,\"d\":1.0}",
			    &b, &err) == 0, "numbers read");
	ok(bson_iter_init_find(&it, &b, "a") && BSON_ITER_HOLDS_INT32(&it), "1 is an int32");
	ok(bson_iter_init_find(&it, &b, "b") && BSON_ITER_HOLDS_INT64(&it) &&
	   bson_iter_int64(&it) == 2147483648LL, "2^31 an int64");
	ok(bson_iter_init_find(&it, &b, "c") && BSON_ITER_HOLDS_DOUBLE(&it) &&
	   bson_iter_double(&it) == 9223372036854775808.0,
	   "2^63 a double (jansson refuses it: \"too big integer\")");
	ok(bson_iter_init_find(&it, &b, "d") && BSON_ITER_HOLDS_DOUBLE(&it), "1.0 a double");
	bson_destroy(&b);
	ok(obj("{\"a\":1,\"a\":\"x\"}", &b, &err) == 0 &&
	   bson_iter_init(&it, &b), "repeated keys read");
	while (bson_iter_next(&it))
		keys += !strcmp(bson_iter_key(&it), "a");
	is_int(keys, 2, "both kept, as libbson keeps them");
	bson_destroy(&b);
	ok(obj("{\"$oid\":\"5f0000000000000000000001\"}", &b, &err) == 0 &&
	   bson_iter_init_find(&it, &b, "$oid") && BSON_ITER_HOLDS_UTF8(&it),
	   "{\"$oid\": ...} stays a field named $oid (no extended JSON)");
	bson_destroy(&b);
	ok(obj("{\"s\":\"\\ud83d\\ude00\"}", &b, &err) == 0 &&
	   bson_iter_init_find(&it, &b, "s") && !strcmp(bson_iter_utf8(&it, NULL), "\xf0\x9f\x98\x80"),
	   "a surrogate pair as one code point");
	bson_destroy(&b);

	is_int(each(" [{},{\"a\":[1]},{}] ", count, &n, &err), 3,
	       "a listing's element count");
	is_int(n, 3, "each element given once");
	n = 0;
	is_int(each("[{},{},{}]", refuse_second, &n, &err), -1,
	       "the callback's refusal stops the walk");
	ok(n == 2 && err.kind == BERR_LOCAL && !strcmp(err.msg, "mine"), "its error kept: %s",
	   err.msg);
	ok(each("[{}, {\"a\":tru}]", count, &n, &err) < 0 &&
	   !strcmp(err.msg, "not JSON: invalid literal at byte 10"), "message: %s", err.msg);
	ok(each("{}", count, &n, &err) < 0 && !strcmp(err.msg, "not an array"),
	   "message: %s", err.msg);
	ok(each("[{},3]", count, &n, &err) < 0 &&
	   !strcmp(err.msg, "element 1 is not an object"), "message: %s", err.msg);
	ok(obj("{\"s\":\"\xc0\x80\"}", &b, &err) < 0 &&
	   !strcmp(err.msg, "not JSON: invalid UTF-8 at byte 6"), "message: %s", err.msg);
	ok(obj("[]", &b, &err) < 0 && !strcmp(err.msg, "not an object"),
	   "message: %s", err.msg);
	/* a NUL byte after a number: JSON has none outside strings (jansson
	 * swallows it; the fuzzer found the difference) */
	berr_clear(&err);
	ok(json_bson_object("{\"s\":35909\0,\"n\":1}", 21, &b, &err) < 0 &&
	   !strcmp(err.msg, "not JSON: expected ',' or '}' at byte 10"), "message: %s", err.msg);
}

int main(void)
{
	test_texts();
	test_depth();
	test_truncations();
	test_bson();
	return done_testing();
}
