/* json-bson-diff.h: backends/store/json_bson.c against jansson, for
 * tests/unit/test-json-bson.c and tests/fuzz/fuzz-json-bson.c.
 *
 * jbd_check(text, len, array, why) runs json_bson_object (array: 0) or
 * json_bson_array_each (1) and json_loadb(text, 0) and says whether they
 * agree: both refuse, or both accept the same values (json_bson's
 * documents turned back into JSON: int32/int64 as integers, doubles as
 * reals; of repeated keys the last, as jansson keeps). jansson's accepting
 * an array or object json_bson must refuse (the wrong top, an element
 * that is no object) needs json_bson's message to say which.
 *
 * Two differences are expected:
 *  - an integer beyond int64: jansson refuses ("too big integer"),
 *    json_bson makes it a double; whatever follows the first such number
 *    is not compared;
 *  - nesting: json_bson refuses deeper than JSON_BSON_MAX_DEPTH (512),
 *    jansson than 2048.
 */
#ifndef BERTH_JSON_BSON_DIFF_H
#define BERTH_JSON_BSON_DIFF_H

#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "backends/store/json_bson.h"

static json_t *jbd_to_json(bson_iter_t *it, int *bad);

/* A document or array's children; *bad set when an array's keys are not
 * "0", "1", ... */
static json_t *jbd_children(bson_iter_t *it, int array, int *bad)
{
	json_t *out = array ? json_array() : json_object();
	uint32_t i = 0;

	while (bson_iter_next(it)) {
		json_t *v = jbd_to_json(it, bad);
		char num[16];

		if (array) {
			snprintf(num, sizeof(num), "%u", i++);
			if (strcmp(bson_iter_key(it), num))
				*bad = 1;
			json_array_append_new(out, v);
		} else {
			json_object_set_new(out, bson_iter_key(it), v);
		}
	}
	return out;
}

static json_t *jbd_to_json(bson_iter_t *it, int *bad)
{
	bson_iter_t sub;
	uint32_t len;
	const char *s;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &len);
		return json_stringn(s, len);
	case BSON_TYPE_INT32:  return json_integer(bson_iter_int32(it));
	case BSON_TYPE_INT64:  return json_integer(bson_iter_int64(it));
	case BSON_TYPE_DOUBLE: return json_real(bson_iter_double(it));
	case BSON_TYPE_BOOL:   return json_boolean(bson_iter_bool(it));
	case BSON_TYPE_NULL:   return json_null();
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		if (!bson_iter_recurse(it, &sub))
			break;
		return jbd_children(&sub, bson_iter_type(it) == BSON_TYPE_ARRAY, bad);
	default:
		break;
	}
	*bad = 1;
	return json_null();
}

/* A whole document as a JSON object (NULL when it is not valid BSON). */
static json_t *jbd_doc(const bson_t *doc, int *bad)
{
	bson_iter_t it;
	size_t off;

	if (!bson_validate(doc, BSON_VALIDATE_UTF8, &off) || !bson_iter_init(&it, doc)) {
		*bad = 1;
		return NULL;
	}
	return jbd_children(&it, 0, bad);
}

struct jbd_collect {
	json_t *list;
	int bad;
};

static int jbd_collect(void *ud, const bson_t *doc, struct berr *err)
{
	struct jbd_collect *c = ud;
	json_t *j = jbd_doc(doc, &c->bad);

	(void)err;
	if (j)
		json_array_append_new(c->list, j);
	return 0;
}

/* The deepest nesting of text outside its strings (the top value: 1). */
static int jbd_depth(const char *text, size_t len)
{
	int d = 0, max = 0, in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++d > max)
				max = d;
		} else if (c == ']' || c == '}') {
			d--;
		}
	}
	return max;
}

/* The message json_bson must give for a value jansson read whose shape it
 * refuses, or NULL when it must accept it. */
static const char *jbd_refusal(const json_t *j, int array, char *buf, size_t len)
{
	size_t i;
	json_t *v;

	if (!array)
		return json_is_object(j) ? NULL : "not an object";
	if (!json_is_array(j))
		return "not an array";
	json_array_foreach(j, i, v)
		if (!json_is_object(v)) {
			snprintf(buf, len, "element %zu is not an object", i);
			return buf;
		}
	return NULL;
}

/* 1 when json_bson and jansson agree on text, else 0 and why. */
static int jbd_check(const char *text, size_t len, int array, char *why, size_t wlen)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je), *mine = NULL;
	struct jbd_collect c = { .list = NULL };
	struct berr err;
	const char *want;
	char buf[64];
	int accepted, agree = 0;

	berr_clear(&err);
	if (array) {
		long n;

		c.list = json_array();
		n = json_bson_array_each(text, len, jbd_collect, &c, &err);
		accepted = n >= 0;
		if (accepted && (size_t)n != json_array_size(c.list))
			c.bad = 1;
		mine = c.list;
	} else {
		bson_t b;

		accepted = json_bson_object(text, len, &b, &err) == 0;
		if (accepted) {
			mine = jbd_doc(&b, &c.bad);
			bson_destroy(&b);
		}
	}
	if (!accepted && (!err.msg[0] || err.kind != BERR_PROTOCOL)) {
		snprintf(why, wlen, "a refusal without a message or of kind %d", (int)err.kind);
	} else if (c.bad) {
		snprintf(why, wlen, "invalid BSON, array keys or element count");
	} else if (!j && strstr(je.text, "too big")) {
		agree = 1; /* an integer beyond int64: json_bson's double */
	} else if (!j) {
		agree = !accepted;
		snprintf(why, wlen, "jansson refused (%.200s), json_bson accepted", je.text);
	} else if (!accepted && memchr(text, '\0', len) && !strncmp(err.msg, "not JSON:", 9)) {
		agree = 1; /* jansson swallows a NUL byte right after a number or a
			    * literal ("[1\0]"); JSON has none outside strings */
	} else if (!accepted && strstr(err.msg, "nested too deep")) {
		agree = jbd_depth(text, len) > JSON_BSON_MAX_DEPTH;
		snprintf(why, wlen, "nested too deep at depth %d", jbd_depth(text, len));
	} else if ((want = jbd_refusal(j, array, buf, sizeof(buf)))) {
		agree = !accepted && !strcmp(err.msg, want);
		snprintf(why, wlen, "want \"%.200s\", got %.200s", want, accepted ? "accepted" : err.msg);
	} else if (!accepted) {
		snprintf(why, wlen, "jansson accepted, json_bson refused: %.400s", err.msg);
	} else {
		agree = json_equal(j, mine);
		snprintf(why, wlen, "different values");
	}
	json_decref(j);
	json_decref(mine);
	return agree;
}

#endif
