/* distribute.h: images from host to host without a registry.
 *
 * An image reaches a host that lacks it from another engine that has it
 * (GET /images/{name}/get streamed straight into POST /images/load through
 * the backend's image_copy: no temporary file, bounded memory, one export
 * feeding several loads), or, when no engine has it, from a tarball in
 * the configured image_dir ("docker save | gzip" output: *.tar, *.tar.gz,
 * *.tgz; the file whose manifest.json RepoTags name the image, or, first,
 * the file named after the image: busybox:latest -> busybox_latest.tar.gz).
 */
#ifndef BERTH_DISTRIBUTE_H
#define BERTH_DISTRIBUTE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

struct fleet;
struct pool_host;

struct distribute_outcome {
	char *host;     /* the target's name (owned) */
	int status;     /* 0 copied, 1 was there already, -1 failed (err) */
	char *source;   /* owned: the source host's name or the tarball's path; NULL when not copied */
	int64_t bytes;  /* bytes streamed into the target */
	struct berr err;
};

/*
 * Makes sure image is on every one of targets[0..n): each target that
 * lacks it gets it from from_host when given, else from any active pool
 * host (targets included) that has it, else from image_dir. Targets that
 * have it already are left alone (status 1). out[0..n) is filled in the
 * targets' order; release with distribute_outcomes_release(). Returns the
 * number of failed targets. An image no source has fails every target
 * lacking it with "image busybox:latest is on no host of the pool and not
 * in image_dir (/srv/images)". Every engine request is reported to
 * pool_record().
 */
size_t distribute_image(struct fleet *fl, const char *image, const char *from_host,
			const struct pool_host *targets, size_t n, struct distribute_outcome *out);
void distribute_outcomes_release(struct distribute_outcome *out, size_t n);

struct pool_targets;

/*
 * The hosts image distribute copies to: names[0..n) whatever their state
 * (no name twice), or with n == 0 every active host of the pool, pinned
 * or not. Returns 0 with out filled (release it with
 * pool_targets_release()), or -1 with err as fleet_unknown_host() fills
 * it for a name nobody knows (BERR_USAGE) or that could not be looked up.
 * With n == 0 it never fails. A host whose client cannot be set up is
 * there with b NULL and its err saying why.
 */
int distribute_targets(struct fleet *fl, const char *const *names, size_t n,
		       struct pool_targets *out, struct berr *err);

#endif
