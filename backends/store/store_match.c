/* store_match.c: MongoDB's query, sort and update semantics for the subset
 * berth uses, so the file store answers exactly as MongoDB would; plus the
 * unique keys and argument checks both stores share. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "backends/store/store_internal.h"

/* --- unique keys --------------------------------------------------------- */

static const char *const key_name[] = { "name", NULL };
static const char *const key_host_id[] = { "host", "id", NULL };

const char *const *store_unique_key(enum store_coll c)
{
	return store_coll_is_cache(c) ? key_host_id : key_name;
}

/* --- comparing values ---------------------------------------------------- */

static int type_class(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_MINKEY:     return 1;
	case BSON_TYPE_EOD:        /* missing: sorts and matches as null */
	case BSON_TYPE_UNDEFINED:
	case BSON_TYPE_NULL:       return 5;
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_DECIMAL128: return 10;
	case BSON_TYPE_UTF8:
	case BSON_TYPE_SYMBOL:     return 15;
	case BSON_TYPE_DOCUMENT:   return 20;
	case BSON_TYPE_ARRAY:      return 25;
	case BSON_TYPE_BINARY:     return 30;
	case BSON_TYPE_OID:        return 35;
	case BSON_TYPE_BOOL:       return 40;
	case BSON_TYPE_DATE_TIME:  return 45;
	case BSON_TYPE_TIMESTAMP:  return 47;
	case BSON_TYPE_REGEX:      return 50;
	case BSON_TYPE_MAXKEY:     return 100;
	default:                   return 60;
	}
}

static int is_number(bson_type_t t)
{
	return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_DOUBLE;
}

static int64_t as_int64(const bson_value_t *v)
{
	return v->value_type == BSON_TYPE_INT32 ? v->value.v_int32 : v->value.v_int64;
}

static double as_double(const bson_value_t *v)
{
	switch (v->value_type) {
	case BSON_TYPE_DOUBLE: return v->value.v_double;
	case BSON_TYPE_INT32:  return v->value.v_int32;
	case BSON_TYPE_INT64:  return (double)v->value.v_int64;
	default:               return 0; /* decimal128: not used by berth */
	}
}

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

static int num_cmp(const bson_value_t *a, const bson_value_t *b)
{
	double x, y;

	if (a->value_type != BSON_TYPE_DOUBLE && b->value_type != BSON_TYPE_DOUBLE &&
	    is_number(a->value_type) && is_number(b->value_type))
		return CMP(as_int64(a), as_int64(b));
	x = as_double(a);
	y = as_double(b);
	if (isnan(x) || isnan(y)) /* NaN sorts before every number */
		return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
	return CMP(x, y);
}

static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	return r ? (r > 0) - (r < 0) : CMP(alen, blen);
}

static int doc_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	bson_t da, db;
	bson_iter_t ia, ib;

	if (!bson_init_static(&da, a, alen) || !bson_init_static(&db, b, blen) ||
	    !bson_iter_init(&ia, &da) || !bson_iter_init(&ib, &db))
		return bytes_cmp(a, alen, b, blen);
	for (;;) {
		int na = bson_iter_next(&ia), nb = bson_iter_next(&ib), r;

		if (!na || !nb)
			return na - nb;
		r = CMP(type_class(bson_iter_type(&ia)), type_class(bson_iter_type(&ib)));
		if (r)
			return r;
		r = strcmp(bson_iter_key(&ia), bson_iter_key(&ib));
		if (r)
			return (r > 0) - (r < 0);
		r = store_value_cmp(bson_iter_value(&ia), bson_iter_value(&ib));
		if (r)
			return r;
	}
}

int store_value_cmp(const bson_value_t *a, const bson_value_t *b)
{
	int ca = type_class(a->value_type), cb = type_class(b->value_type);

	if (ca != cb)
		return CMP(ca, cb);
	switch (ca) {
	case 10:
		return num_cmp(a, b);
	case 15:
		return bytes_cmp((const uint8_t *)a->value.v_utf8.str, a->value.v_utf8.len,
				 (const uint8_t *)b->value.v_utf8.str, b->value.v_utf8.len);
	case 20:
	case 25:
		return doc_cmp(a->value.v_doc.data, a->value.v_doc.data_len,
			       b->value.v_doc.data, b->value.v_doc.data_len);
	case 30:
		return bytes_cmp(a->value.v_binary.data, a->value.v_binary.data_len,
				 b->value.v_binary.data, b->value.v_binary.data_len);
	case 35:
		return bson_oid_compare(&a->value.v_oid, &b->value.v_oid) > 0 ? 1 :
		       bson_oid_compare(&a->value.v_oid, &b->value.v_oid) < 0 ? -1 : 0;
	case 40:
		return CMP(a->value.v_bool, b->value.v_bool);
	case 45:
		return CMP(a->value.v_datetime, b->value.v_datetime);
	case 47:
		if (a->value.v_timestamp.timestamp != b->value.v_timestamp.timestamp)
			return CMP(a->value.v_timestamp.timestamp, b->value.v_timestamp.timestamp);
		return CMP(a->value.v_timestamp.increment, b->value.v_timestamp.increment);
	default:
		return 0;
	}
}

static int values_equal(const bson_value_t *a, const bson_value_t *b)
{
	return type_class(a->value_type) == type_class(b->value_type) &&
	       store_value_cmp(a, b) == 0;
}

/* --- reaching values by path ------------------------------------------- */

typedef int (*leaf_fn)(void *ud, const bson_value_t *v);

/* Calls fn on every value at path ("a.b": b of subdocument a, or of each
 * subdocument in array a); returns 1 as soon as fn does. *found tells
 * whether any value was there. */
static int visit(const uint8_t *data, uint32_t len, const char *path,
		 leaf_fn fn, void *ud, int *found)
{
	const char *dot = strchr(path, '.');
	size_t klen = dot ? (size_t)(dot - path) : strlen(path);
	bson_t d;
	bson_iter_t it, ai;
	const uint8_t *sub;
	uint32_t sublen;

	if (!bson_init_static(&d, data, len) || !bson_iter_init(&it, &d))
		return 0;
	while (bson_iter_next(&it)) {
		if (bson_iter_key_len(&it) != klen || memcmp(bson_iter_key(&it), path, klen))
			continue;
		if (!dot) {
			*found = 1;
			return fn(ud, bson_iter_value(&it));
		}
		if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
			bson_iter_document(&it, &sublen, &sub);
			return visit(sub, sublen, dot + 1, fn, ud, found);
		}
		if (BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &ai)) {
			while (bson_iter_next(&ai)) {
				if (!BSON_ITER_HOLDS_DOCUMENT(&ai))
					continue;
				bson_iter_document(&ai, &sublen, &sub);
				if (visit(sub, sublen, dot + 1, fn, ud, found))
					return 1;
			}
		}
		return 0;
	}
	return 0;
}

/* Calls fn on v, or when v is an array on each element and (for
 * equality against an array) on v itself. */
static int each_element(const bson_value_t *v, leaf_fn fn, void *ud, int whole_too)
{
	bson_t a;
	bson_iter_t it;

	if (v->value_type != BSON_TYPE_ARRAY)
		return fn(ud, v);
	if (whole_too && fn(ud, v))
		return 1;
	if (!bson_init_static(&a, v->value.v_doc.data, v->value.v_doc.data_len) ||
	    !bson_iter_init(&it, &a))
		return 0;
	while (bson_iter_next(&it))
		if (fn(ud, bson_iter_value(&it)))
			return 1;
	return 0;
}

/* --- matching ------------------------------------------------------------ */

enum op { OP_EQ, OP_NE, OP_IN, OP_NIN, OP_LT, OP_LTE, OP_GT, OP_GTE, OP_EXISTS, OP_BAD };

static enum op op_by_name(const char *name)
{
	static const char *const names[] = {
		"$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte", "$exists",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (enum op)i;
	return OP_BAD;
}

struct leaf {
	enum op op;
	const bson_value_t *q;
};

static int leaf_elem(void *ud, const bson_value_t *v)
{
	const struct leaf *l = ud;
	int r;

	if (l->op == OP_EQ)
		return values_equal(v, l->q);
	/* range operators never compare across kinds, as MongoDB does */
	if (type_class(v->value_type) != type_class(l->q->value_type))
		return 0;
	r = store_value_cmp(v, l->q);
	switch (l->op) {
	case OP_LT:  return r < 0;
	case OP_LTE: return r <= 0;
	case OP_GT:  return r > 0;
	case OP_GTE: return r >= 0;
	default:     return 0;
	}
}

static int leaf_value(void *ud, const bson_value_t *v)
{
	const struct leaf *l = ud;

	return each_element(v, leaf_elem, ud,
			    l->op == OP_EQ && l->q->value_type == BSON_TYPE_ARRAY);
}

static int eq_matches(const bson_t *doc, const char *path, const bson_value_t *q)
{
	struct leaf l = { OP_EQ, q };
	int found = 0;

	if (visit(bson_get_data(doc), doc->len, path, leaf_value, &l, &found))
		return 1;
	/* { f: null } also matches a missing f */
	return !found && type_class(q->value_type) == 5;
}

static int in_matches(const bson_t *doc, const char *path, const bson_value_t *list)
{
	bson_t a;
	bson_iter_t it;

	if (!bson_init_static(&a, list->value.v_doc.data, list->value.v_doc.data_len) ||
	    !bson_iter_init(&it, &a))
		return 0;
	while (bson_iter_next(&it))
		if (eq_matches(doc, path, bson_iter_value(&it)))
			return 1;
	return 0;
}

static int op_matches(const bson_t *doc, const char *path, enum op op, const bson_value_t *q)
{
	struct leaf l = { op, q };
	int found = 0;

	switch (op) {
	case OP_EQ:
		return eq_matches(doc, path, q);
	case OP_NE:
		return !eq_matches(doc, path, q);
	case OP_IN:
		return in_matches(doc, path, q);
	case OP_NIN:
		return !in_matches(doc, path, q);
	case OP_EXISTS:
		visit(bson_get_data(doc), doc->len, path, leaf_value, &l, &found);
		return found == (q->value_type == BSON_TYPE_BOOL ? q->value.v_bool :
				 is_number(q->value_type) ? as_double(q) != 0 :
				 q->value_type != BSON_TYPE_NULL);
	default:
		return visit(bson_get_data(doc), doc->len, path, leaf_value, &l, &found);
	}
}

static int is_operator_doc(const bson_iter_t *it)
{
	bson_iter_t sub;

	return BSON_ITER_HOLDS_DOCUMENT(it) && bson_iter_recurse(it, &sub) &&
	       bson_iter_next(&sub) && bson_iter_key(&sub)[0] == '$';
}

static int field_matches(const bson_t *doc, const char *path, const bson_iter_t *qit)
{
	bson_iter_t ops;

	if (!is_operator_doc(qit))
		return eq_matches(doc, path, bson_iter_value((bson_iter_t *)qit));
	bson_iter_recurse(qit, &ops);
	while (bson_iter_next(&ops))
		if (!op_matches(doc, path, op_by_name(bson_iter_key(&ops)), bson_iter_value(&ops)))
			return 0;
	return 1;
}

static int list_matches(const bson_t *doc, const bson_iter_t *lit, int any)
{
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;
	bson_t sub;

	bson_iter_recurse(lit, &it);
	while (bson_iter_next(&it)) {
		bson_iter_document(&it, &len, &data);
		if (!bson_init_static(&sub, data, len))
			continue;
		if (store_match(doc, &sub) == any)
			return any;
	}
	return !any;
}

int store_match(const bson_t *doc, const bson_t *sel)
{
	bson_iter_t it;

	if (!sel || !bson_iter_init(&it, sel))
		return 1;
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);
		int ok;

		if (!strcmp(key, "$or"))
			ok = list_matches(doc, &it, 1);
		else if (!strcmp(key, "$and"))
			ok = list_matches(doc, &it, 0);
		else
			ok = field_matches(doc, key, &it);
		if (!ok)
			return 0;
	}
	return 1;
}

static int check_list(const bson_iter_t *lit, const char *key, struct berr *err)
{
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;
	bson_t sub;
	int n = 0;

	if (!BSON_ITER_HOLDS_ARRAY(lit) || !bson_iter_recurse(lit, &it))
		return berr_set(err, BERR_USAGE, "store: %s needs an array of selectors", key);
	while (bson_iter_next(&it)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			return berr_set(err, BERR_USAGE, "store: %s needs an array of selectors", key);
		bson_iter_document(&it, &len, &data);
		if (!bson_init_static(&sub, data, len) || store_match_check(&sub, err) < 0)
			return -1;
		n++;
	}
	if (!n)
		return berr_set(err, BERR_USAGE, "store: %s needs at least one selector", key);
	return 0;
}

int store_match_check(const bson_t *sel, struct berr *err)
{
	bson_iter_t it, ops;

	if (!sel)
		return 0;
	if (!bson_iter_init(&it, sel))
		return berr_set(err, BERR_USAGE, "store: the selector is not a valid document");
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);

		if (!strcmp(key, "$or") || !strcmp(key, "$and")) {
			if (check_list(&it, key, err) < 0)
				return -1;
			continue;
		}
		if (key[0] == '$')
			return berr_set(err, BERR_USAGE,
					"store: selector operator %s is not supported (use $or or $and)", key);
		if (!is_operator_doc(&it))
			continue;
		bson_iter_recurse(&it, &ops);
		while (bson_iter_next(&ops)) {
			const char *op = bson_iter_key(&ops);
			enum op o = op_by_name(op);

			if (op[0] != '$')
				return berr_set(err, BERR_USAGE,
						"store: the condition on %s mixes operators and fields", key);
			if (o == OP_BAD)
				return berr_set(err, BERR_USAGE,
						"store: operator %s (on %s) is not supported; the store knows "
						"$eq $ne $in $nin $lt $lte $gt $gte $exists", op, key);
			if ((o == OP_IN || o == OP_NIN) && !BSON_ITER_HOLDS_ARRAY(&ops))
				return berr_set(err, BERR_USAGE, "store: %s (on %s) needs an array", op, key);
		}
	}
	return 0;
}

/* --- sorting --------------------------------------------------------------- */

int store_sort_check(const bson_t *sort, struct berr *err)
{
	bson_iter_t it;

	if (!sort)
		return 0;
	if (!bson_iter_init(&it, sort))
		return berr_set(err, BERR_USAGE, "store: the sort is not a valid document");
	while (bson_iter_next(&it)) {
		const bson_value_t *v = bson_iter_value(&it);

		if (!is_number(v->value_type) || (as_double(v) != 1 && as_double(v) != -1))
			return berr_set(err, BERR_USAGE, "store: sort on %s must be 1 or -1",
					bson_iter_key(&it));
	}
	return 0;
}

static void value_at(const bson_t *doc, const char *path, bson_iter_t *holder,
		     const bson_value_t **v, const bson_value_t *missing)
{
	bson_iter_t it;

	*v = missing;
	if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, holder))
		*v = bson_iter_value(holder);
}

int store_sort_cmp(const bson_t *a, const bson_t *b, const bson_t *sort)
{
	static const bson_value_t missing = { .value_type = BSON_TYPE_NULL };
	bson_iter_t it, ha, hb;
	const bson_value_t *va, *vb;

	if (!sort || !bson_iter_init(&it, sort))
		return 0;
	while (bson_iter_next(&it)) {
		int dir = as_double(bson_iter_value(&it)) < 0 ? -1 : 1, r;

		value_at(a, bson_iter_key(&it), &ha, &va, &missing);
		value_at(b, bson_iter_key(&it), &hb, &vb, &missing);
		r = store_value_cmp(va, vb);
		if (r)
			return r * dir;
	}
	return 0;
}

/* --- updates ------------------------------------------------------------- */

static const char *const update_ops[] = { "$set", "$unset", "$inc", "$setOnInsert", NULL };

static int is_replacement(const bson_t *update)
{
	bson_iter_t it;

	return !bson_iter_init(&it, update) || !bson_iter_next(&it) ||
	       bson_iter_key(&it)[0] != '$';
}

int store_update_check(const bson_t *update, struct berr *err)
{
	bson_iter_t it, f;

	if (!update || !bson_iter_init(&it, update))
		return berr_set(err, BERR_USAGE, "store: the update is not a valid document");
	if (is_replacement(update)) {
		while (bson_iter_next(&it))
			if (bson_iter_key(&it)[0] == '$')
				return berr_set(err, BERR_USAGE,
						"store: the update mixes operators and fields");
		return 0;
	}
	while (bson_iter_next(&it)) {
		const char *op = bson_iter_key(&it);
		size_t i;

		for (i = 0; update_ops[i] && strcmp(update_ops[i], op); i++)
			;
		if (!update_ops[i])
			return berr_set(err, BERR_USAGE,
					"store: update operator %s is not supported; the store knows "
					"$set $unset $inc $setOnInsert", op);
		if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &f))
			return berr_set(err, BERR_USAGE, "store: %s needs a document", op);
		while (bson_iter_next(&f)) {
			const char *key = bson_iter_key(&f);

			if (strchr(key, '.') || key[0] == '$' || !strcmp(key, "_id"))
				return berr_set(err, BERR_USAGE,
						"store: %s of \"%s\": only top-level fields other than _id",
						op, key);
			if (!strcmp(op, "$inc") && !is_number(bson_iter_type(&f)))
				return berr_set(err, BERR_USAGE, "store: $inc of %s needs a number", key);
		}
	}
	return 0;
}

/* The equality fields of a selector: what an upsert's new document
 * starts from. */
static void selector_equalities(const bson_t *sel, bson_t *out)
{
	bson_iter_t it, ops;

	if (!sel || !bson_iter_init(&it, sel))
		return;
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);

		if (key[0] == '$' || strchr(key, '.'))
			continue;
		if (!is_operator_doc(&it)) {
			bson_append_iter(out, key, -1, &it);
			continue;
		}
		bson_iter_recurse(&it, &ops);
		if (bson_iter_find(&ops, "$eq"))
			bson_append_value(out, key, -1, bson_iter_value(&ops));
	}
}

/* Finds field key in operator op of update; *val set when present. */
static int op_has(const bson_t *update, const char *op, const char *key, bson_iter_t *val)
{
	bson_iter_t it;

	return bson_iter_init_find(&it, update, op) && BSON_ITER_HOLDS_DOCUMENT(&it) &&
	       bson_iter_recurse(&it, val) && bson_iter_find(val, key);
}

static int append_sum(bson_t *out, const char *key, const bson_value_t *a,
		      const bson_value_t *b, struct berr *err)
{
	int64_t sum;

	if (!is_number(a->value_type))
		return berr_set(err, BERR_USAGE, "store: $inc of %s, which is not a number", key);
	if (a->value_type == BSON_TYPE_DOUBLE || b->value_type == BSON_TYPE_DOUBLE) {
		bson_append_double(out, key, -1, as_double(a) + as_double(b));
		return 0;
	}
	if (__builtin_add_overflow(as_int64(a), as_int64(b), &sum))
		return berr_set(err, BERR_USAGE, "store: $inc of %s overflows", key);
	if (a->value_type == BSON_TYPE_INT32 && b->value_type == BSON_TYPE_INT32 &&
	    sum >= INT32_MIN && sum <= INT32_MAX)
		bson_append_int32(out, key, -1, (int32_t)sum);
	else
		bson_append_int64(out, key, -1, sum);
	return 0;
}

static void append_new_id(bson_t *out)
{
	bson_oid_t oid;

	bson_oid_init(&oid, NULL);
	bson_append_oid(out, "_id", 3, &oid);
}

static void apply_replacement(const bson_t *doc, const bson_t *sel, const bson_t *update,
			      bson_t *out)
{
	bson_t eq = BSON_INITIALIZER;
	bson_iter_t it;

	/* the _id stays: the old document's, else the selector's, else the
	 * replacement's, else a new one */
	if (!doc)
		selector_equalities(sel, &eq);
	if ((doc && bson_iter_init_find(&it, doc, "_id")) ||
	    (!doc && bson_iter_init_find(&it, &eq, "_id")) ||
	    bson_iter_init_find(&it, update, "_id"))
		bson_append_iter(out, "_id", 3, &it);
	else
		append_new_id(out);
	bson_destroy(&eq);
	if (bson_iter_init(&it, update))
		while (bson_iter_next(&it))
			if (strcmp(bson_iter_key(&it), "_id"))
				bson_append_iter(out, NULL, 0, &it);
}

int store_update_apply(const bson_t *doc, const bson_t *sel, const bson_t *update,
		       bson_t *out, struct berr *err)
{
	bson_t base = BSON_INITIALIZER;
	const bson_t *src = doc ? doc : &base;
	bson_iter_t it, val, ops;
	int inserting = doc == NULL, ret = -1;

	bson_init(out);
	if (is_replacement(update)) {
		apply_replacement(doc, sel, update, out);
		ret = 0;
		goto cleanup;
	}
	if (inserting)
		selector_equalities(sel, &base);
	if (!bson_has_field(src, "_id"))
		append_new_id(out);
	/* fields of the document, changed in place (their order kept) */
	bson_iter_init(&it, src);
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);

		if (op_has(update, "$unset", key, &val))
			continue;
		if (op_has(update, "$set", key, &val) ||
		    (inserting && op_has(update, "$setOnInsert", key, &val)))
			bson_append_iter(out, key, -1, &val);
		else if (op_has(update, "$inc", key, &val)) {
			if (append_sum(out, key, bson_iter_value(&it), bson_iter_value(&val), err) < 0)
				goto cleanup;
		} else
			bson_append_iter(out, key, -1, &it);
	}
	/* then the fields the update adds */
	for (int i = 0; update_ops[i]; i++) {
		if (!strcmp(update_ops[i], "$unset") ||
		    (!inserting && !strcmp(update_ops[i], "$setOnInsert")))
			continue;
		if (!bson_iter_init_find(&ops, update, update_ops[i]) ||
		    !bson_iter_recurse(&ops, &val))
			continue;
		while (bson_iter_next(&val))
			if (!bson_has_field(out, bson_iter_key(&val)))
				bson_append_iter(out, NULL, 0, &val);
	}
	ret = 0;
cleanup:
	bson_destroy(&base);
	if (ret < 0)
		bson_destroy(out);
	return ret;
}

/* --- unique keys and listings -------------------------------------------- */

int store_same_key(enum store_coll c, const bson_t *a, const bson_t *b)
{
	static const bson_value_t missing = { .value_type = BSON_TYPE_NULL };
	const char *const *key = store_unique_key(c);
	bson_iter_t ha, hb;
	const bson_value_t *va, *vb;

	for (; *key; key++) {
		value_at(a, *key, &ha, &va, &missing);
		value_at(b, *key, &hb, &vb, &missing);
		if (!values_equal(va, vb))
			return 0;
	}
	return 1;
}

int store_conflict(enum store_coll c, const bson_t *doc, struct berr *err)
{
	const char *const *key = store_unique_key(c);
	char desc[512] = "";
	size_t o = 0;
	bson_iter_t it;

	for (; *key && o < sizeof(desc); key++) {
		const char *v = "(missing)";
		char num[32];

		if (bson_iter_init_find(&it, doc, *key)) {
			if (BSON_ITER_HOLDS_UTF8(&it))
				v = bson_iter_utf8(&it, NULL);
			else if (BSON_ITER_HOLDS_INT(&it))
				snprintf(num, sizeof(num), "%lld", (long long)bson_iter_as_int64(&it)), v = num;
			else
				v = "(not a string)";
		}
		o += (size_t)snprintf(desc + o, sizeof(desc) - o, "%s%s \"%s\"",
				      o ? " " : "", *key, v);
	}
	return berr_set(err, BERR_CONFLICT, "store: %s: %s already exists",
			store_coll_name(c), desc);
}

/* A set of borrowed strings, for checking a listing's ids are unique. */
struct strset {
	const char **keys;
	uint32_t *lens;
	size_t mask;
};

static uint64_t hash_bytes(const char *s, uint32_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* 1 when added, 0 when it was there already. */
static int strset_add(struct strset *set, const char *s, uint32_t len)
{
	size_t i = (size_t)hash_bytes(s, len) & set->mask;

	while (set->keys[i]) {
		if (set->lens[i] == len && !memcmp(set->keys[i], s, len))
			return 0;
		i = (i + 1) & set->mask;
	}
	set->keys[i] = s;
	set->lens[i] = len;
	return 1;
}

int store_check_host_set(enum store_coll c, const char *host,
			 const bson_t *const *docs, size_t ndocs, struct berr *err)
{
	struct strset set = { NULL, NULL, 0 };
	size_t cap = 16;
	bson_iter_t it;
	int ret = -1;

	if (!host || !*host)
		return berr_set(err, BERR_USAGE, "store: a host set needs a host name");
	while (cap < 2 * ndocs)
		cap *= 2;
	set.keys = calloc(cap, sizeof(*set.keys));
	set.lens = calloc(cap, sizeof(*set.lens));
	set.mask = cap - 1;
	if (!set.keys || !set.lens) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < ndocs; i++) {
		const char *s;
		uint32_t len;

		if (!bson_iter_init_find(&it, docs[i], "host") || !BSON_ITER_HOLDS_UTF8(&it) ||
		    strcmp(bson_iter_utf8(&it, NULL), host)) {
			berr_set(err, BERR_USAGE, "store: %s document %zu is not of host %s",
				 store_coll_name(c), i, host);
			goto cleanup;
		}
		if (!bson_iter_init_find(&it, docs[i], "id") || !BSON_ITER_HOLDS_UTF8(&it) ||
		    !*(s = bson_iter_utf8(&it, &len))) {
			berr_set(err, BERR_USAGE, "store: %s document %zu has no id",
				 store_coll_name(c), i);
			goto cleanup;
		}
		if (!strset_add(&set, s, len)) {
			berr_set(err, BERR_USAGE, "store: %s id %s appears twice in the listing of %s",
				 store_coll_name(c), s, host);
			goto cleanup;
		}
		if (bson_has_field(docs[i], "_id")) {
			berr_set(err, BERR_USAGE, "store: %s document %zu has an _id (the store makes them)",
				 store_coll_name(c), i);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(set.keys);
	free(set.lens);
	return ret;
}
