/* cloud_status.h: the configured cloud profiles as they stand (cloud list):
 * whether each one's credentials work, and how many of this store's VMs
 * it holds. */
#ifndef BERTH_POOL_CLOUD_STATUS_H
#define BERTH_POOL_CLOUD_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

struct fleet;
struct cloud_profile;

struct cloud_status {
	const struct cloud_profile *profile; /* borrowed from the fleet's settings */
	char *region;   /* owned: the region the driver uses, else the profile's; may be NULL */
	int ok;         /* the driver opened and its check() passed */
	char *error;    /* owned: why not (one line), or why the VMs could not be
			 * counted; NULL when all went well */
	int64_t nvms;   /* VMs carrying this store's berth-store tag; -1: unknown */
};

/* Every profile of the settings, checked at once (one thread each, every
 * call bounded by the request timeout), in the settings' order. *out is
 * the caller's (cloud_statuses_release). A store that cannot be read only
 * leaves nvms -1 (store_err says why; NULL: it could); never fails. */
void cloud_statuses(struct fleet *fl, struct cloud_status **out, size_t *n,
		    struct berr *store_err);
void cloud_statuses_release(struct cloud_status *v, size_t n);

#endif
