/* fdsource.h: a file read a buffer at a time, for image load.
 *
 * fd_source_read has the shape of backends/backend.h's backend_source_fn,
 * so a tarball (plain or gzip: the engine unpacks gzip itself, so the
 * bytes go as they are) streams from a descriptor into image_load without
 * being read whole into memory:
 *
 *	struct fd_source src = FD_SOURCE_INIT(fd);
 *	b->ops->image_load(b, fd_source_read, &src, &loaded, &err);
 *	if (src.err) ... strerror(src.err) says why the file could not be read
 */
#ifndef BERTH_FDSOURCE_H
#define BERTH_FDSOURCE_H

#include <stddef.h>

struct fd_source {
	int fd;  /* borrowed: the caller opens and closes it */
	int err; /* errno of a failed read, 0 otherwise */
};
#define FD_SOURCE_INIT(fd) { (fd), 0 }

/* Up to len bytes of the file into buf: the count (0 at its end), or
 * (size_t)-1 with src->err set when read() failed. A read interrupted by
 * a signal is retried unless Ctrl-C (berth_interrupted) ended the
 * command. ud is a struct fd_source. */
size_t fd_source_read(void *ud, char *buf, size_t len);

#endif
