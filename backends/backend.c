/* backend.c: what all backends share. */
#include "config.h"

#include "backends/backend.h"

int backend_image_copy(struct backend *src, const char *ref, backend_source_fn fn, void *ud,
		       struct image_copy_target *targets, size_t n, struct berr *err)
{
	struct backend *by = src ? src : n ? targets[0].b : NULL;
	struct berr e;
	size_t i;

	if (by && by->ops && by->ops->image_copy)
		return by->ops->image_copy(src, ref, fn, ud, targets, n, err);
	berr_set(&e, BERR_USAGE, "%s: a %s backend cannot copy images",
		 by && by->name ? by->name : "(no host)",
		 by && by->ops && by->ops->kind ? by->ops->kind : "(nameless)");
	for (i = 0; i < n; i++) {
		targets[i].status = -1;
		targets[i].err = e;
		targets[i].loaded = NULL;
		targets[i].bytes = 0;
		targets[i].by_source = src != NULL;
	}
	if (err)
		*err = e;
	return -1;
}

void image_copy_targets_release(struct image_copy_target *targets, size_t n)
{
	size_t i;

	for (i = 0; targets && i < n; i++) {
		json_decref(targets[i].loaded);
		targets[i].loaded = NULL;
	}
}

void backend_free(struct backend *b)
{
	if (b && b->ops && b->ops->free)
		b->ops->free(b);
}
