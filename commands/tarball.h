/* tarball.h: the tarball a command reads (image load, image import): a
 * FILE, or "-" for standard input, streamed a buffer at a time. */
#ifndef BERTH_COMMANDS_TARBALL_H
#define BERTH_COMMANDS_TARBALL_H

#include "lib/fdsource.h"

struct shell;
struct args;
struct berr;

/* src->fd open on the command's FILE argument, or standard input for
 * "-" (refused when it is a terminal or holds the batch script itself);
 * CMD_OK, else the command's status after one line. Close with
 * tarball_close. */
int tarball_open(struct shell *sh, const struct args *a, const char *file,
		 struct fd_source *src);
/* The command's status after the backend failed on it: the read error
 * when reading file failed, else the backend's. */
int tarball_failed(struct shell *sh, const char *file, const struct fd_source *src,
		   const struct berr *err);
void tarball_close(struct fd_source *src);

#endif
