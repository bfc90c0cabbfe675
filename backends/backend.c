/* backend.c: what all backends share. */
#include "config.h"

#include <stdlib.h>

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

int backend_events(struct backend *const *bs, size_t n, const struct event_opts *opts,
		   backend_event_fn fn, void *ud, struct berr *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!bs[i] || bs[i]->ops != bs[0]->ops)
			return berr_set(err, BERR_USAGE, "%s: hosts of different kinds cannot be "
					"watched together", bs[i] && bs[i]->name ? bs[i]->name : "(no host)");
	}
	if (!n)
		return 0;
	if (!bs[0]->ops->events)
		return berr_set(err, BERR_USAGE, "%s: a %s backend has no event stream",
				bs[0]->name, bs[0]->ops->kind);
	return bs[0]->ops->events(bs, n, opts, fn, ud, err);
}

void archive_stat_release(struct archive_stat *st)
{
	if (!st)
		return;
	free(st->name);
	free(st->link_target);
	st->name = st->link_target = NULL;
}
