/* store_internal.h: what the two store implementations share and commands
 * never need: unique keys, argument checks, and (for the file store, which
 * has no server to do it) selector matching, sorting and updates with
 * MongoDB's semantics for the subset described in store.h. */
#ifndef BERTH_STORE_INTERNAL_H
#define BERTH_STORE_INTERNAL_H

#include <stddef.h>
#include <bson/bson.h>
#include "backends/store/store.h"

/* The fields that together must be unique in collection c (besides _id),
 * NULL-terminated: hosts/templates/leases "name", images/containers
 * "host"+"id". */
const char *const *store_unique_key(enum store_coll c);
/* "hosts: name \"lab\" already exists" into err, BERR_CONFLICT; -1. */
int store_conflict(enum store_coll c, const bson_t *doc, struct berr *err);
/* 1 when a and b have equal values (missing = null) in every field of c's
 * unique key. */
int store_same_key(enum store_coll c, const bson_t *a, const bson_t *b);

/* Checks a listing for store_replace_host_set: every doc has "host" equal
 * to host, a non-empty string "id" unique within docs, and no "_id". */
int store_check_host_set(enum store_coll c, const char *host,
			 const bson_t *const *docs, size_t ndocs, struct berr *err);

/* Refuses (BERR_USAGE) a selector using anything store.h does not list;
 * after it succeeded, store_match cannot fail. NULL is the empty selector. */
int store_match_check(const bson_t *sel, struct berr *err);
int store_match(const bson_t *doc, const bson_t *sel);

/* Refuses a sort spec other than { field: 1 | -1, ... }. */
int store_sort_check(const bson_t *sort, struct berr *err);
/* <0, 0, >0 as a sorts before, with, after b under sort. */
int store_sort_cmp(const bson_t *a, const bson_t *b, const bson_t *sort);

/* Refuses an update other than a replacement or the operators in store.h. */
int store_update_check(const bson_t *update, struct berr *err);
/* *out (initialised here) gets the document that applying update makes of
 * doc; doc NULL means an upsert inserting: it starts from the equality
 * fields of sel and applies $setOnInsert too. The result keeps doc's _id
 * or, inserting, gets sel's _id or a new one. */
int store_update_apply(const bson_t *doc, const bson_t *sel, const bson_t *update,
		       bson_t *out, struct berr *err);

/* MongoDB's ordering of two values (numbers with numbers whatever their
 * BSON type, then strings, documents, arrays, ..., dates). */
int store_value_cmp(const bson_value_t *a, const bson_value_t *b);

#endif
