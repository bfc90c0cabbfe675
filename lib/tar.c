/* tar.c: a streaming tar writer (a tree walked as it is read) and reader
 * (an archive unpacked as it is fed). See tar.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/strbuf.h"
#include "lib/tar.h"
#include "lib/xalloc.h"

#define BLOCK 512
#define OCTAL_SIZE_MAX 077777777777ULL /* 8 GiB - 1: more needs a pax size */

/* ---- the header -------------------------------------------------------- */

struct tar_hdr {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char devmajor[8], devminor[8], prefix[155], pad[12];
};

/* v in width - 1 octal digits, zero-padded, then NUL (the digits that do
 * not fit are dropped: callers keep v in range). */
static void octal(char *field, size_t width, unsigned long long v)
{
	size_t i = width - 1;

	field[i] = '\0';
	while (i-- > 0) {
		field[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

static void checksum(struct tar_hdr *h)
{
	const unsigned char *p = (const unsigned char *)h;
	unsigned sum = 0;
	size_t i;

	memset(h->chksum, ' ', sizeof(h->chksum));
	for (i = 0; i < BLOCK; i++)
		sum += p[i];
	snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
	h->chksum[7] = ' ';
}

/* ---- the writer -------------------------------------------------------- */

struct tw_dir {
	DIR *d;
	size_t path_len, name_len; /* of the directory's own path and name */
};

/* A file with several links, by the name its first one got. */
struct tw_link {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct tar_writer {
	struct tw_link *links;
	size_t nlinks;
	struct strbuf path;   /* local path of the entry being walked */
	struct strbuf name;   /* its name in the archive */
	struct tw_dir *stack;
	size_t depth;
	int fd;               /* the regular file being copied, or -1 */
	unsigned long long left;
	size_t pad;
	struct strbuf out;    /* headers and padding not yet read */
	size_t out_off;
	int started, ended, failed;
	struct berr err;
};

static int tw_fail(struct tar_writer *tw, const char *what, const char *path)
{
	berr_set(&tw->err, BERR_LOCAL, "cannot %s %s: %s", what, path, strerror(errno));
	tw->failed = 1;
	return -1;
}

/* A pax record "LEN key=value\n" (LEN counts itself). */
static void pax_record(struct strbuf *sb, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, len = body + 1;

	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	strbuf_addf(sb, "%zu %s=%s\n", len, key, value);
}

static void add_header(struct strbuf *out, const char *name, const struct stat *st, char type,
		       const char *link, unsigned long long size)
{
	struct tar_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.name, name, strnlen(name, sizeof(h.name)));
	octal(h.mode, sizeof(h.mode), st->st_mode & 07777);
	octal(h.uid, sizeof(h.uid), st->st_uid & 07777777);
	octal(h.gid, sizeof(h.gid), st->st_gid & 07777777);
	octal(h.size, sizeof(h.size), size > OCTAL_SIZE_MAX ? 0 : size);
	octal(h.mtime, sizeof(h.mtime), st->st_mtime > 0 ? (unsigned long long)st->st_mtime : 0);
	h.typeflag = type;
	if (link)
		memcpy(h.linkname, link, strnlen(link, sizeof(h.linkname)));
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	if (type == '3' || type == '4') {
		octal(h.devmajor, sizeof(h.devmajor), major(st->st_rdev));
		octal(h.devminor, sizeof(h.devminor), minor(st->st_rdev));
	}
	checksum(&h);
	strbuf_add(out, &h, BLOCK);
}

static void add_padding(struct strbuf *out, unsigned long long size)
{
	static const char zeros[BLOCK];

	if (size % BLOCK)
		strbuf_add(out, zeros, BLOCK - size % BLOCK);
}

/* The header(s) of one entry: a pax header first when the name, the
 * link or the size do not fit ustar's fields. */
static void entry_header(struct tar_writer *tw, const struct stat *st, char type,
			 const char *link, unsigned long long size)
{
	const char *name = tw->name.buf;

	if (strlen(name) >= 100 || (link && strlen(link) >= 100) || size > OCTAL_SIZE_MAX) {
		struct strbuf pax = STRBUF_INIT;
		struct stat pst = *st;
		char num[32];

		if (strlen(name) >= 100)
			pax_record(&pax, "path", name);
		if (link && strlen(link) >= 100)
			pax_record(&pax, "linkpath", link);
		if (size > OCTAL_SIZE_MAX) {
			snprintf(num, sizeof(num), "%llu", size);
			pax_record(&pax, "size", num);
		}
		pst.st_mode = 0644;
		add_header(&tw->out, "././@PaxHeader", &pst, 'x', NULL, pax.len);
		strbuf_add(&tw->out, pax.buf, pax.len);
		add_padding(&tw->out, pax.len);
		strbuf_release(&pax);
	}
	add_header(&tw->out, name, st, type, link, size);
}

/* The name an earlier link to st's file got in the archive, or NULL (then
 * this one is remembered as its first). */
static const char *seen_link(struct tar_writer *tw, const struct stat *st)
{
	size_t i;

	for (i = 0; i < tw->nlinks; i++)
		if (tw->links[i].dev == st->st_dev && tw->links[i].ino == st->st_ino)
			return tw->links[i].name;
	tw->links = xgrow(tw->links, tw->nlinks, tw->nlinks + 1, sizeof(*tw->links));
	tw->links[tw->nlinks++] = (struct tw_link){ .dev = st->st_dev, .ino = st->st_ino,
						     .name = xstrdup(tw->name.buf) };
	return NULL;
}

/* The entry at tw->path (named tw->name): its header, and its contents
 * or its children set up to follow. */
static int emit_entry(struct tar_writer *tw, int top)
{
	struct stat st;
	const char *link_to;
	char link[4096];
	ssize_t n;

	if (lstat(tw->path.buf, &st) < 0)
		return tw_fail(tw, "read", tw->path.buf);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(tw->path.buf);

		if (!d)
			return tw_fail(tw, "read the directory", tw->path.buf);
		if (!(top && !tw->name.len)) {
			strbuf_addch(&tw->name, '/');
			entry_header(tw, &st, '5', NULL, 0);
			tw->name.buf[--tw->name.len] = '\0';
		}
		tw->stack = xgrow(tw->stack, tw->depth, tw->depth + 1, sizeof(*tw->stack));
		tw->stack[tw->depth++] = (struct tw_dir){ .d = d, .path_len = tw->path.len,
							   .name_len = tw->name.len };
	} else if (S_ISREG(st.st_mode) && st.st_nlink > 1 && (link_to = seen_link(tw, &st))) {
		entry_header(tw, &st, '1', link_to, 0);
	} else if (S_ISREG(st.st_mode)) {
		tw->fd = open(tw->path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (tw->fd < 0)
			return tw_fail(tw, "read", tw->path.buf);
		entry_header(tw, &st, '0', NULL, (unsigned long long)st.st_size);
		tw->left = (unsigned long long)st.st_size;
		tw->pad = (size_t)((BLOCK - tw->left % BLOCK) % BLOCK);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlink(tw->path.buf, link, sizeof(link) - 1);
		if (n < 0)
			return tw_fail(tw, "read the link", tw->path.buf);
		link[n] = '\0';
		entry_header(tw, &st, '2', link, 0);
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		entry_header(tw, &st, S_ISFIFO(st.st_mode) ? '6' : S_ISCHR(st.st_mode) ? '3' : '4',
			     NULL, 0);
	}
	/* sockets: nothing, as tar and docker cp */
	return 0;
}

struct tar_writer *tar_writer_new(const char *path, const char *name, struct berr *err)
{
	struct tar_writer *tw = xcalloc(1, sizeof(*tw));
	struct stat st;

	if (lstat(path, &st) < 0) {
		berr_set(err, BERR_LOCAL, "cannot read %s: %s", path, strerror(errno));
		free(tw);
		return NULL;
	}
	strbuf_init(&tw->path);
	strbuf_init(&tw->name);
	strbuf_init(&tw->out);
	strbuf_addstr(&tw->path, path);
	strbuf_addstr(&tw->name, name);
	tw->fd = -1;
	return tw;
}

/* The next entry of the walk, or the end of the archive. */
static int next_entry(struct tar_writer *tw)
{
	static const char zeros[2 * BLOCK];

	if (!tw->started) {
		tw->started = 1;
		return emit_entry(tw, 1);
	}
	while (tw->depth) {
		struct tw_dir *top = &tw->stack[tw->depth - 1];
		struct dirent *de;

		errno = 0;
		de = readdir(top->d);
		tw->path.len = top->path_len;
		tw->path.buf[tw->path.len] = '\0';
		tw->name.len = top->name_len;
		tw->name.buf[tw->name.len] = '\0';
		if (!de) {
			if (errno)
				return tw_fail(tw, "read the directory", tw->path.buf);
			closedir(top->d);
			tw->depth--;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addch(&tw->path, '/');
		strbuf_addstr(&tw->path, de->d_name);
		if (tw->name.len)
			strbuf_addch(&tw->name, '/');
		strbuf_addstr(&tw->name, de->d_name);
		return emit_entry(tw, 0);
	}
	if (!tw->ended) {
		tw->ended = 1;
		strbuf_add(&tw->out, zeros, sizeof(zeros));
	}
	return 0;
}

size_t tar_writer_read(void *ud, char *buf, size_t len)
{
	struct tar_writer *tw = ud;
	size_t done = 0;

	while (done < len && !tw->failed) {
		if (tw->out_off < tw->out.len) {
			size_t n = tw->out.len - tw->out_off;

			if (n > len - done)
				n = len - done;
			memcpy(buf + done, tw->out.buf + tw->out_off, n);
			tw->out_off += n;
			done += n;
			continue;
		}
		strbuf_reset(&tw->out);
		tw->out_off = 0;
		if (tw->fd >= 0 && tw->left) {
			size_t want = len - done < tw->left ? len - done : (size_t)tw->left;
			ssize_t n = read(tw->fd, buf + done, want);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (!n)
					errno = EIO;
				tw_fail(tw, "read", tw->path.buf);
				break;
			}
			tw->left -= (unsigned long long)n;
			done += (size_t)n;
		} else if (tw->fd >= 0) {
			static const char zeros[BLOCK];

			close(tw->fd);
			tw->fd = -1;
			strbuf_add(&tw->out, zeros, tw->pad);
		} else if (tw->ended) {
			break;
		} else if (next_entry(tw) < 0) {
			break;
		}
	}
	return tw->failed ? (size_t)-1 : done;
}

int tar_writer_failed(const struct tar_writer *tw, struct berr *err)
{
	if (!tw->failed)
		return 0;
	if (err)
		*err = tw->err;
	return 1;
}

void tar_writer_free(struct tar_writer *tw)
{
	if (!tw)
		return;
	while (tw->depth)
		closedir(tw->stack[--tw->depth].d);
	if (tw->fd >= 0)
		close(tw->fd);
	free(tw->stack);
	while (tw->nlinks)
		free(tw->links[--tw->nlinks].name);
	free(tw->links);
	strbuf_release(&tw->path);
	strbuf_release(&tw->name);
	strbuf_release(&tw->out);
	free(tw);
}

/* ---- the reader -------------------------------------------------------- */

enum tr_state { TR_HEADER, TR_DATA, TR_META, TR_SKIP, TR_END };

struct tr_dir {
	char *path;    /* relative to the root */
	mode_t mode;
	time_t mtime;
};

struct tar_reader {
	int root;             /* the destination directory */
	char *from, *to;
	enum tr_state state;
	char hdr[BLOCK];
	size_t hdr_len;
	unsigned long long left; /* of the current entry's data */
	size_t pad;
	char meta_type;       /* TR_META: 'x', 'L' or 'K' */
	struct strbuf meta;
	char *next_path, *next_link; /* from a pax or GNU header, for the next entry */
	unsigned long long next_size;
	int has_next_size;
	int fd;               /* TR_DATA: the file being written, or -1 */
	mode_t mode;          /* its mode and time, set when it is complete */
	time_t mtime;
	char *cur;            /* its name, for messages */
	struct tr_dir *dirs;
	size_t ndirs;
	size_t entries;
	unsigned long long bytes;
	int failed;
	struct berr err;
};

static int tr_fail(struct tar_reader *tr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int tr_fail(struct tar_reader *tr, const char *fmt, ...)
{
	va_list ap;

	if (!tr->failed) {
		va_start(ap, fmt);
		vsnprintf(tr->err.msg, sizeof(tr->err.msg), fmt, ap);
		va_end(ap);
		tr->err.kind = BERR_LOCAL;
		tr->failed = 1;
	}
	return -1;
}

struct tar_reader *tar_reader_new(const char *dir, const char *from, const char *to,
				  struct berr *err)
{
	struct tar_reader *tr;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		berr_set(err, BERR_LOCAL, "cannot write into %s: %s", dir, strerror(errno));
		return NULL;
	}
	tr = xcalloc(1, sizeof(*tr));
	tr->root = fd;
	tr->fd = -1;
	tr->from = from ? xstrdup(from) : NULL;
	tr->to = xstrdup(to ? to : "");
	strbuf_init(&tr->meta);
	return tr;
}

/* A numeric field: octal, or base-256 (GNU, for big values). */
static unsigned long long field_num(const char *f, size_t width)
{
	unsigned long long v = 0;
	size_t i = 0;

	if ((unsigned char)f[0] & 0x80) {
		v = (unsigned char)f[0] & 0x7f;
		for (i = 1; i < width; i++)
			v = (v << 8) | (unsigned char)f[i];
		return v;
	}
	while (i < width && (f[i] == ' ' || f[i] == '0'))
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned)(f[i] - '0');
	return v;
}

static int checksum_ok(const char *hdr)
{
	const unsigned char *p = (const unsigned char *)hdr;
	unsigned long long want = field_num(hdr + 148, 8);
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : p[i];
	return sum == want;
}

/* The entry's path below the root, renamed (from -> to), checked: NULL
 * (after tr_fail) when it would leave the root; "" for the root itself. */
static char *entry_path(struct tar_reader *tr, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = name;
	int first = 1;

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && !strncmp(p, "..", 2)) {
			strbuf_release(&sb);
			tr_fail(tr, "the archive names a path outside the destination: %s", name);
			return NULL;
		}
		if (!(n == 1 && *p == '.')) {
			if (first && tr->from && strlen(tr->from) == n && !strncmp(p, tr->from, n)) {
				strbuf_addstr(&sb, tr->to);
			} else {
				if (sb.len)
					strbuf_addch(&sb, '/');
				strbuf_add(&sb, p, n);
			}
			first = 0;
		}
		p += n;
	}
	return strbuf_detach(&sb);
}

/* The directory that holds path (created when missing), opened without
 * following a symbolic link; *leaf gets path's last component. -1 after
 * tr_fail. */
static int open_parent(struct tar_reader *tr, char *path, const char **leaf)
{
	int fd = dup(tr->root);
	char *p = path, *slash;

	while (fd >= 0 && (slash = strchr(p, '/'))) {
		int next;

		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && mkdirat(fd, p, 0755) == 0)
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			tr_fail(tr, "cannot write %s: %s%s", path, strerror(errno),
				errno == ELOOP || errno == ENOTDIR ? " (a symbolic link or a file is in the way)" : "");
		*slash = '/';
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (fd < 0 && !tr->failed)
		tr_fail(tr, "cannot write %s: %s", path, strerror(errno));
	*leaf = p;
	return fd;
}

/* Makes room for a non-directory at leaf: a file, link or FIFO there goes. */
static int clear_leaf(struct tar_reader *tr, int dfd, const char *leaf, const char *path)
{
	struct stat st;

	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return tr_fail(tr, "cannot overwrite the directory %s with a non-directory", path);
	if (unlinkat(dfd, leaf, 0) < 0)
		return tr_fail(tr, "cannot replace %s: %s", path, strerror(errno));
	return 0;
}

static void set_time(int dfd, const char *leaf, time_t t, int flags)
{
	struct timespec ts[2] = { { .tv_sec = t }, { .tv_sec = t } };

	utimensat(dfd, leaf, ts, flags);
}

/* One entry whose header was read: created, or its data set to follow. */
static int make_entry(struct tar_reader *tr, char type, const char *name, const char *link,
		      mode_t mode, time_t mtime, unsigned long long dev)
{
	char *path = entry_path(tr, name);
	const char *leaf;
	int dfd = -1, ret = -1;

	if (!path)
		return -1;
	tr->entries++;
	if (!*path) {
		/* the root itself (a "DIR/." copy): its mode is the copied one's */
		if (type == '5') {
			tr->dirs = xgrow(tr->dirs, tr->ndirs, tr->ndirs + 1, sizeof(*tr->dirs));
			tr->dirs[tr->ndirs++] = (struct tr_dir){ .path = path, .mode = mode,
								 .mtime = mtime };
			return 0;
		}
		free(path);
		return tr_fail(tr, "the archive has a file entry without a name");
	}
	dfd = open_parent(tr, path, &leaf);
	if (dfd < 0)
		goto cleanup;
	switch (type) {
	case '5':
		if (mkdirat(dfd, leaf, 0700) < 0) {
			struct stat st;

			if (errno != EEXIST || fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				tr_fail(tr, "cannot make the directory %s: %s", path,
					errno == EEXIST ? "a file is in the way" : strerror(errno));
				goto cleanup;
			}
		}
		tr->dirs = xgrow(tr->dirs, tr->ndirs, tr->ndirs + 1, sizeof(*tr->dirs));
		tr->dirs[tr->ndirs++] = (struct tr_dir){ .path = path, .mode = mode, .mtime = mtime };
		path = NULL;
		break;
	case '2':
		if (clear_leaf(tr, dfd, leaf, path) < 0)
			goto cleanup;
		if (symlinkat(link, dfd, leaf) < 0) {
			tr_fail(tr, "cannot make the link %s: %s", path, strerror(errno));
			goto cleanup;
		}
		set_time(dfd, leaf, mtime, AT_SYMLINK_NOFOLLOW);
		break;
	case '1': {
		char *target = entry_path(tr, link);
		const char *tleaf;
		int tfd = target ? open_parent(tr, target, &tleaf) : -1;

		if (tfd >= 0 && clear_leaf(tr, dfd, leaf, path) == 0 &&
		    linkat(tfd, tleaf, dfd, leaf, 0) < 0)
			tr_fail(tr, "cannot link %s to %s: %s", path, link, strerror(errno));
		if (tfd >= 0)
			close(tfd);
		free(target);
		if (tr->failed)
			goto cleanup;
		break;
	}
	case '3': case '4': case '6':
		if (clear_leaf(tr, dfd, leaf, path) < 0)
			goto cleanup;
		/* devices need privileges; without them they are left out */
		if (mknodat(dfd, leaf, (type == '6' ? S_IFIFO : type == '3' ? S_IFCHR : S_IFBLK) |
			    (mode & 07777), (dev_t)dev) < 0 && type == '6') {
			tr_fail(tr, "cannot make the FIFO %s: %s", path, strerror(errno));
			goto cleanup;
		}
		fchmodat(dfd, leaf, mode & 07777, 0);
		break;
	default: /* '0', '\0', '7': a regular file */
		if (clear_leaf(tr, dfd, leaf, path) < 0)
			goto cleanup;
		tr->fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tr->fd < 0) {
			tr_fail(tr, "cannot write %s: %s", path, strerror(errno));
			goto cleanup;
		}
		tr->mode = mode;
		tr->mtime = mtime;
		free(tr->cur);
		tr->cur = path;
		path = NULL;
	}
	ret = 0;
cleanup:
	if (dfd >= 0)
		close(dfd);
	free(path);
	return ret;
}

/* A pax block's records: path, linkpath and size are kept for the next entry. */
static void take_pax(struct tar_reader *tr)
{
	const char *p = tr->meta.buf, *end = p + tr->meta.len;

	while (p < end) {
		char *sp;
		unsigned long len = strtoul(p, &sp, 10);
		const char *rec = sp + 1, *eq, *stop = p + len;

		if (*sp != ' ' || !len || stop > end)
			break;
		eq = memchr(rec, '=', (size_t)(stop - rec));
		if (eq && stop[-1] == '\n') {
			size_t klen = (size_t)(eq - rec), vlen = (size_t)(stop - 1 - eq - 1);

			if (klen == 4 && !strncmp(rec, "path", 4)) {
				free(tr->next_path);
				tr->next_path = strndup(eq + 1, vlen);
			} else if (klen == 8 && !strncmp(rec, "linkpath", 8)) {
				free(tr->next_link);
				tr->next_link = strndup(eq + 1, vlen);
			} else if (klen == 4 && !strncmp(rec, "size", 4)) {
				tr->next_size = strtoull(eq + 1, NULL, 10);
				tr->has_next_size = 1;
			}
		}
		p = stop;
	}
}

/* A whole header block arrived. */
static int take_header(struct tar_reader *tr)
{
	const char *h = tr->hdr;
	char name[257], link[101];
	char type = h[156];
	unsigned long long size;
	size_t n;
	int ret;

	if (!memcmp(h, (char[BLOCK]){ 0 }, BLOCK)) {
		tr->state = TR_END; /* the end-of-archive blocks: the rest is padding */
		return 0;
	}
	if (!checksum_ok(h))
		return tr_fail(tr, "the archive is malformed (a header's checksum is wrong)");
	size = tr->has_next_size ? tr->next_size : field_num(h + 124, 12);
	name[0] = '\0';
	if (!memcmp(h + 257, "ustar", 5) && h[345]) {
		n = strnlen(h + 345, 155);
		memcpy(name, h + 345, n);
		name[n++] = '/';
		name[n] = '\0';
	}
	n = strlen(name);
	memcpy(name + n, h, strnlen(h, 100));
	name[n + strnlen(h, 100)] = '\0';
	memcpy(link, h + 157, strnlen(h + 157, 100));
	link[strnlen(h + 157, 100)] = '\0';
	tr->left = size;
	tr->pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);
	if (type == 'x' || type == 'L' || type == 'K') {
		if (size > 1024 * 1024)
			return tr_fail(tr, "the archive is malformed (a %llu-byte extended header)", size);
		tr->meta_type = type;
		strbuf_reset(&tr->meta);
		tr->state = TR_META;
		return 0;
	}
	tr->state = TR_SKIP;
	if (type == 'g' || type == 'V' || type == 'M')
		return 0;
	ret = make_entry(tr, type, tr->next_path ? tr->next_path : name,
			 tr->next_link ? tr->next_link : link, (mode_t)field_num(h + 100, 8),
			 (time_t)field_num(h + 136, 12),
			 makedev(field_num(h + 329, 8), field_num(h + 337, 8)));
	if (tr->fd >= 0)
		tr->state = TR_DATA;
	free(tr->next_path);
	free(tr->next_link);
	tr->next_path = tr->next_link = NULL;
	tr->has_next_size = 0;
	return ret;
}

/* The current entry's data and padding are through. */
static int entry_done(struct tar_reader *tr)
{
	if (tr->state == TR_META) {
		if (tr->meta_type == 'x') {
			take_pax(tr);
		} else {
			char **slot = tr->meta_type == 'L' ? &tr->next_path : &tr->next_link;

			free(*slot);
			*slot = xstrdup(tr->meta.buf);
		}
	}
	if (tr->fd >= 0) {
		struct timespec ts[2] = { { .tv_sec = tr->mtime }, { .tv_sec = tr->mtime } };

		if (fchmod(tr->fd, tr->mode & 07777) < 0 || futimens(tr->fd, ts) < 0 ||
		    close(tr->fd) < 0) {
			tr->fd = -1;
			return tr_fail(tr, "cannot write %s: %s", tr->cur, strerror(errno));
		}
		tr->fd = -1;
	}
	tr->state = TR_HEADER;
	return 0;
}

int tar_reader_write(void *ud, const char *buf, size_t len)
{
	struct tar_reader *tr = ud;

	while (len && !tr->failed) {
		size_t n;

		if (tr->state == TR_END)
			return 0;
		if (tr->state == TR_HEADER) {
			n = BLOCK - tr->hdr_len < len ? BLOCK - tr->hdr_len : len;
			memcpy(tr->hdr + tr->hdr_len, buf, n);
			tr->hdr_len += n;
			buf += n;
			len -= n;
			if (tr->hdr_len == BLOCK) {
				tr->hdr_len = 0;
				if (take_header(tr) < 0)
					break;
				if (!tr->left && !tr->pad && tr->state != TR_END && entry_done(tr) < 0)
					break;
			}
			continue;
		}
		if (tr->left) {
			n = tr->left < len ? (size_t)tr->left : len;
			if (tr->state == TR_META) {
				strbuf_add(&tr->meta, buf, n);
			} else if (tr->state == TR_DATA) {
				size_t w = 0;

				while (w < n) {
					ssize_t k = write(tr->fd, buf + w, n - w);

					if (k < 0 && errno == EINTR)
						continue;
					if (k < 0)
						return tr_fail(tr, "cannot write %s: %s", tr->cur,
							       strerror(errno));
					w += (size_t)k;
				}
				tr->bytes += n;
			}
		} else {
			n = tr->pad < len ? tr->pad : len;
			tr->pad -= n;
		}
		tr->left -= tr->left ? n : 0;
		buf += n;
		len -= n;
		if (!tr->left && !tr->pad && entry_done(tr) < 0)
			break;
	}
	return tr->failed ? -1 : 0;
}

int tar_reader_finish(struct tar_reader *tr, struct berr *err)
{
	size_t i;

	if (!tr->failed && (tr->state != TR_END && (tr->state != TR_HEADER || tr->hdr_len)))
		tr_fail(tr, "the archive ends in the middle of %s",
			tr->state == TR_DATA ? tr->cur : "an entry");
	/* deepest first: a read-only directory is made so after its contents */
	for (i = tr->ndirs; i-- > 0 && !tr->failed;) {
		struct tr_dir *d = &tr->dirs[i];
		const char *p = *d->path ? d->path : ".";
		struct timespec ts[2] = { { .tv_sec = d->mtime }, { .tv_sec = d->mtime } };

		if (fchmodat(tr->root, p, d->mode & 07777, 0) < 0)
			tr_fail(tr, "cannot set the mode of %s: %s", p, strerror(errno));
		utimensat(tr->root, p, ts, 0);
	}
	if (tr->failed && err)
		*err = tr->err;
	return tr->failed ? -1 : 0;
}

void tar_reader_counts(const struct tar_reader *tr, size_t *entries, unsigned long long *bytes)
{
	*entries = tr->entries;
	*bytes = tr->bytes;
}

void tar_reader_free(struct tar_reader *tr)
{
	size_t i;

	if (!tr)
		return;
	if (tr->fd >= 0)
		close(tr->fd);
	close(tr->root);
	for (i = 0; i < tr->ndirs; i++)
		free(tr->dirs[i].path);
	free(tr->dirs);
	free(tr->from);
	free(tr->to);
	free(tr->cur);
	free(tr->next_path);
	free(tr->next_link);
	strbuf_release(&tr->meta);
	free(tr);
}
