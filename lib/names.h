/* names.h: what a host's name may be, and the line for one not known. */
#ifndef BERTH_NAMES_H
#define BERTH_NAMES_H

#include "lib/berr.h"

/* Letters, digits, '-', '_' and '.', at least one: 1 when s is one
 * (NULL is not). The settings file, host add and the store hold to it. */
int valid_host_name(const char *s);

/* A host named by its URL (-H tcp://HOST:2375): it lives in this process
 * only, has no document in the store and no state. */
int host_is_adhoc(const char *name);

/*
 * Fills err with the one line for a host name nobody knows:
 * "unknown host: NAME (known: KNOWN)", kind BERR_NOT_FOUND; when why (not
 * NULL, with a message) says the store's registered hosts could not be
 * read, "unknown host: NAME (known: KNOWN; registered hosts are
 * unavailable: WHY)" with why's kind (the failure is the store's).
 * known: "local, lab" as hosts_known_names() gives it. Returns -1.
 */
int berr_unknown_host(struct berr *err, const char *name, const char *known,
		      const struct berr *why);

#endif
