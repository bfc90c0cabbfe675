/* container_cp.c: container cp, files between a container and here.
 *
 * As docker cp: exactly one side is CONTAINER:PATH; "-" is a tar archive
 * on standard input or output. Otherwise berth tars the local side
 * itself as the engine's archive API reads or writes it (lib/tar.h): the
 * bytes stream through, with no temporary file. Where a copy lands
 * follows docker cp's rules: into an existing directory under the
 * source's name; to a path that does not exist yet under that name;
 * "SRC/." copies what the directory holds.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "lib/fdsource.h"
#include "lib/strbuf.h"
#include "lib/tar.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "backends/backend.h"
#include "backends/pool/pool.h"
#include "backends/pool/resolve.h"

static int exec_cp(struct shell *sh, struct args *a);

const struct cmd_entry cmd_container_cp_entry = {
	.noun = "container",
	.verb = "cp",
	.args_min = 2,
	.args_max = 2,
	.usage = "SRC DEST",
	.summary = "copy files between a container and here (one side CONTAINER:PATH; - for a tar on stdin or stdout)",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_FILE,
	.exec = exec_cp,
};

/* "web:/etc" -> container "web", path "/etc"; a local path has no ':'
 * before its first '/' (write ./a:b for a local file with a colon). */
static int split_remote(const char *arg, char **container, char **path)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || arg[0] == '/' || arg[0] == '.' ||
	    memchr(arg, '/', (size_t)(colon - arg)))
		return 0;
	*container = xasprintf("%.*s", (int)(colon - arg), arg);
	/* the engine takes paths from the container's root */
	*path = colon[1] == '/' ? xstrdup(colon + 1) : xasprintf("/%s", colon + 1);
	return 1;
}

/* "SRC/." or "SRC/": a trailing "/." copies a directory's contents. */
static int ends_with_dot(const char *p)
{
	size_t n = strlen(p);

	return n >= 2 && !strcmp(p + n - 2, "/.");
}

static int ends_with_slash(const char *p)
{
	size_t n = strlen(p);

	return n && p[n - 1] == '/';
}

/* The last component of p ("a/b/" -> "b"), and what holds it ("a"). */
static char *base_of(const char *p)
{
	size_t n = strlen(p);
	const char *s;

	while (n > 1 && p[n - 1] == '/')
		n--;
	for (s = p + n; s > p && s[-1] != '/'; s--)
		;
	return xasprintf("%.*s", (int)(p + n - s), s);
}

static char *dir_of(const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	while (n && p[n - 1] != '/')
		n--;
	while (n > 1 && p[n - 1] == '/')
		n--;
	return n ? xasprintf("%.*s", (int)n, p) : xstrdup(".");
}

static int to_stdout(void *ud, const char *buf, size_t len)
{
	return out_write(ud, buf, len) < 0 ? -1 : 0;
}

/* CONTAINER:SRC -> dest (a local path or "-"). */
static int copy_out(struct shell *sh, struct backend *b, const char *ref, const char *src,
		    const char *dest)
{
	struct archive_stat st;
	struct tar_reader *tr = NULL;
	struct berr err, terr;
	struct stat lst;
	char *dir = NULL, *to = NULL, *path = xstrdup(src);
	int contents = ends_with_dot(src), ret = CMD_ERROR, dest_exists;

	berr_clear(&err);
	memset(&st, 0, sizeof(st));
	if (contents)
		path[strlen(path) - 2] = '\0';
	if (!strcmp(dest, "-") && sh->out_tty) {
		ret = usage_error(sh, "refusing to write a tar archive to a terminal: redirect "
				  "standard output (container cp %s:%s - > FILE.tar)", ref, src);
		goto cleanup;
	}
	if (!strcmp(dest, "-")) {
		if (b->ops->archive_get(b, ref, path, to_stdout, sh, &err) < 0 && !sh->out_closed)
			ret = error(sh, "%s", err.msg);
		else
			ret = CMD_OK;
		goto cleanup;
	}
	if (b->ops->archive_stat(b, ref, *path ? path : "/", &st, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (contents && !st.is_dir) {
		ret = error(sh, "%s:%s is not a directory: drop the trailing '/.'", ref, src);
		goto cleanup;
	}
	dest_exists = stat(dest, &lst) == 0;
	if (dest_exists && S_ISDIR(lst.st_mode)) {
		dir = xstrdup(dest);
		to = contents ? xstrdup("") : xstrdup(st.name);
	} else if (dest_exists && st.is_dir) {
		ret = error(sh, "cannot copy the directory %s:%s onto the file %s", ref, src, dest);
		goto cleanup;
	} else if (!dest_exists && ends_with_slash(dest)) {
		ret = error(sh, "no such directory: %s", dest);
		goto cleanup;
	} else {
		dir = dir_of(dest);
		to = base_of(dest);
	}
	tr = tar_reader_new(dir, st.name, to, &terr);
	if (!tr) {
		ret = error(sh, "%s", terr.msg);
		goto cleanup;
	}
	if (b->ops->archive_get(b, ref, path, tar_reader_write, tr, &err) < 0) {
		if (tar_reader_finish(tr, &terr) < 0)
			err = terr;
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (tar_reader_finish(tr, &terr) < 0) {
		ret = error(sh, "%s", terr.msg);
		goto cleanup;
	}
	ret = CMD_OK;
cleanup:
	tar_reader_free(tr);
	archive_stat_release(&st);
	free(path);
	free(dir);
	free(to);
	return ret;
}

/* Where src goes in the container: the directory the archive is put in
 * (*dir) and the name its top entry gets (*name, "" for a "DIR/." copy
 * into a directory). */
static int place_in(struct shell *sh, struct backend *b, const char *ref, const char *src,
		    int src_dir, const char *dest, char **dir, char **name)
{
	struct archive_stat st;
	struct berr err;
	int ret = CMD_OK;

	berr_clear(&err);
	if (b->ops->archive_stat(b, ref, dest, &st, &err) == 0) {
		if (st.is_dir) {
			*dir = xstrdup(dest);
			*name = ends_with_dot(src) ? xstrdup("") : base_of(src);
		} else if (src_dir) {
			ret = error(sh, "cannot copy the directory %s onto the file %s:%s", src, ref, dest);
		} else {
			*dir = dir_of(dest);
			*name = base_of(dest);
		}
		archive_stat_release(&st);
	} else if (err.kind != BERR_NOT_FOUND) {
		ret = cmd_fail(sh, &err);
	} else if (ends_with_slash(dest)) {
		ret = error(sh, "no such directory: %s:%s", ref, dest);
	} else {
		*dir = dir_of(dest);
		*name = base_of(dest);
	}
	return ret;
}

/* src (a local path or "-") -> CONTAINER:DEST. */
static int copy_in(struct shell *sh, struct backend *b, const char *ref, const char *src,
		   const char *dest)
{
	struct fd_source in = FD_SOURCE_INIT(0);
	struct tar_writer *tw = NULL;
	struct berr err, terr;
	struct stat lst;
	char *dir = NULL, *name = NULL, *local = xstrdup(src);
	int ret;

	berr_clear(&err);
	if (!strcmp(src, "-")) {
		ret = CMD_OK;
		if (b->ops->archive_put(b, ref, dest, 1, fd_source_read, &in, &err) < 0)
			ret = in.err ? error(sh, "cannot read standard input: %s", strerror(in.err)) :
				       error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (ends_with_dot(local))
		local[strlen(local) - 2] = '\0';
	if (lstat(*local ? local : "/", &lst) < 0) {
		ret = error(sh, "cannot read %s: %s", src, strerror(errno));
		goto cleanup;
	}
	if (ends_with_dot(src) && !S_ISDIR(lst.st_mode)) {
		ret = error(sh, "%s is not a directory: drop the trailing '/.'", src);
		goto cleanup;
	}
	ret = place_in(sh, b, ref, src, S_ISDIR(lst.st_mode), dest, &dir, &name);
	if (ret != CMD_OK)
		goto cleanup;
	tw = tar_writer_new(*local ? local : "/", name, &terr);
	if (!tw) {
		ret = error(sh, "%s", terr.msg);
		goto cleanup;
	}
	if (b->ops->archive_put(b, ref, dir, 1, tar_writer_read, tw, &err) < 0) {
		if (tar_writer_failed(tw, &terr))
			err = terr;
		ret = error(sh, "%s", err.msg);
	}
cleanup:
	tar_writer_free(tw);
	free(local);
	free(dir);
	free(name);
	return ret;
}

static int exec_cp(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct resolver res;
	struct backend *b;
	struct berr err;
	char *c1 = NULL, *p1 = NULL, *c2 = NULL, *p2 = NULL;
	int r1 = split_remote(a->argv[0], &c1, &p1);
	int r2 = split_remote(a->argv[1], &c2, &p2);
	int ret;

	memset(&res, 0, sizeof(res));
	if (r1 == r2) {
		ret = usage_error(sh, r1 ? "copying between containers is not supported: copy to "
				  "a local path, then from it" :
				  "one of SRC and DEST must be CONTAINER:PATH");
		goto cleanup;
	}
	if ((r1 && !*p1) || (r2 && !*p2)) {
		ret = usage_error(sh, "a path in the container is needed after ':'");
		goto cleanup;
	}
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(&res, r1 ? c1 : c2, &b, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (!b->ops->archive_get) {
		ret = error(sh, "%s: a %s host cannot copy files", b->name, b->ops->kind);
		goto cleanup;
	}
	ret = r1 ? copy_out(sh, b, c1, p1, a->argv[1]) : copy_in(sh, b, c2, a->argv[0], p2);
cleanup:
	resolver_release(&res);
	free(c1);
	free(p1);
	free(c2);
	free(p2);
	return ret;
}
