/* strindex.c: open addressing with linear probing, FNV-1a (see strindex.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/strindex.h"
#include "lib/xalloc.h"

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static void put(struct strindex_slot *slots, size_t cap, const char *key, size_t value)
{
	size_t i = hash(key) & (cap - 1);

	while (slots[i].key)
		i = (i + 1) & (cap - 1);
	slots[i].key = key;
	slots[i].value = value;
}

void strindex_add(struct strindex *ix, const char *key, size_t value)
{
	size_t i, old;

	if (!key || strindex_find(ix, key, &old))
		return;
	if (2 * (ix->n + 1) > ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 64;
		struct strindex_slot *slots = xcalloc(cap, sizeof(*slots));

		for (i = 0; i < ix->cap; i++)
			if (ix->slots[i].key)
				put(slots, cap, ix->slots[i].key, ix->slots[i].value);
		free(ix->slots);
		ix->slots = slots;
		ix->cap = cap;
	}
	put(ix->slots, ix->cap, key, value);
	ix->n++;
}

int strindex_find(const struct strindex *ix, const char *key, size_t *value)
{
	size_t i;

	if (!ix->cap || !key)
		return 0;
	for (i = hash(key) & (ix->cap - 1); ix->slots[i].key; i = (i + 1) & (ix->cap - 1))
		if (!strcmp(ix->slots[i].key, key)) {
			*value = ix->slots[i].value;
			return 1;
		}
	return 0;
}

void strindex_clear(struct strindex *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}
