/* strindex.h: names to positions in a hash table, for arrays looked up by
 * name many times (the settings' hosts, the fleet's engine clients): a
 * linear search per lookup makes 100,000 hosts quadratic.
 *
 * The keys are borrowed: each must outlive the index (or the index be
 * cleared first). Of equal keys the first added is kept.
 */
#ifndef BERTH_STRINDEX_H
#define BERTH_STRINDEX_H

#include <stddef.h>

struct strindex_slot {
	const char *key; /* NULL: empty */
	size_t value;
};

struct strindex {
	struct strindex_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* Adds key -> value unless key is there already. Aborts when out of
 * memory, as xmalloc does. */
void strindex_add(struct strindex *ix, const char *key, size_t value);
/* 1 and *value when key is there, else 0. */
int strindex_find(const struct strindex *ix, const char *key, size_t *value);
void strindex_clear(struct strindex *ix);

#endif
