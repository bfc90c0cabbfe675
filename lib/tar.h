/* tar.h: tar archives made and unpacked a buffer at a time, for container cp.
 *
 * The writer walks a local file or directory tree as the archive is read
 * out of it (tar_writer_read has the shape of backends/backend.h's
 * backend_source_fn); the reader unpacks an archive as its bytes are fed
 * in (tar_reader_write has backend_sink_fn's shape). Neither holds more
 * than a buffer: a file of any size streams straight through.
 *
 * Both keep what docker cp keeps: regular files with their contents,
 * directories, symbolic links, hard links (reader), FIFOs; the permission
 * bits (setuid, setgid and sticky included) and modification times. The
 * owner is not set (the engine sets it inside a container; on the local
 * side files belong to whoever runs berth, as with docker cp). Archives
 * written are POSIX ustar with pax records for long names and big sizes;
 * the reader takes ustar, pax and GNU long names, as engines write them.
 *
 *	struct tar_writer *tw = tar_writer_new("src/dir", "dir", &err);
 *	b->ops->archive_put(b, id, "/tmp", 1, tar_writer_read, tw, &e);
 *	tar_writer_failed(tw, &err) ... says why the tree could not be read
 */
#ifndef BERTH_TAR_H
#define BERTH_TAR_H

#include <stddef.h>
#include "lib/berr.h"

struct tar_writer;

/* The archive of path (not followed when a symbolic link), its top entry
 * named name in the archive; name "" and path a directory: only what the
 * directory holds, at the archive's top (docker cp's "DIR/."). NULL with
 * err when path cannot be read. */
struct tar_writer *tar_writer_new(const char *path, const char *name, struct berr *err);
/* Up to len bytes of the archive: the count, 0 at its end, (size_t)-1 when
 * a file could not be read (tar_writer_failed says which). */
size_t tar_writer_read(void *ud, char *buf, size_t len);
/* 1 with err filled when the walk failed, else 0. */
int tar_writer_failed(const struct tar_writer *tw, struct berr *err);
void tar_writer_free(struct tar_writer *tw);

struct tar_reader;

/* Unpacks into the directory dir (it must exist). Entries whose first
 * path component is from have it replaced by to ("" drops it: what was
 * under it lands in dir itself); from NULL renames nothing. Names that
 * would leave dir ("..", absolute, through a symbolic link) are refused. */
struct tar_reader *tar_reader_new(const char *dir, const char *from, const char *to,
				  struct berr *err);
/* backend_sink_fn: 0, or -1 when the archive is malformed or a file could
 * not be written (tar_reader_finish then says why). */
int tar_reader_write(void *ud, const char *buf, size_t len);
/* After the last byte: directory modes and times set. 0, or -1 with err
 * (also for an archive cut short). */
int tar_reader_finish(struct tar_reader *tr, struct berr *err);
/* Entries and bytes of file contents unpacked so far. */
void tar_reader_counts(const struct tar_reader *tr, size_t *entries, unsigned long long *bytes);
void tar_reader_free(struct tar_reader *tr);

#endif
