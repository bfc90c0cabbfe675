/* test-tar.c: lib/tar.h, a tree through the streaming writer and back
 * through the reader in odd-sized pieces: types, modes, links, long names,
 * times; the renames container cp relies on; and the names and archives
 * the reader refuses. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/tap.h"
#include "lib/strbuf.h"
#include "lib/tar.h"
#include "lib/xalloc.h"

static char *root;

static char *at(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void put_file(const char *rel, const char *text, mode_t mode)
{
	char *p = at(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	chmod(p, mode);
	free(p);
}

static void make_dir(const char *rel, mode_t mode)
{
	char *p = at(rel);

	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		abort();
	free(p);
	(void)mode;
}

/* The whole archive of path (named name) into sb, read in pieces of step. */
static int archive(const char *path, const char *name, size_t step, struct strbuf *sb)
{
	struct berr err;
	struct tar_writer *tw = tar_writer_new(path, name, &err);
	char buf[4096];
	size_t n;

	if (!tw)
		return -1;
	while ((n = tar_writer_read(tw, buf, step)) > 0 && n != (size_t)-1)
		strbuf_add(sb, buf, n);
	tar_writer_free(tw);
	return n == (size_t)-1 ? -1 : 0;
}

/* Feeds sb to a reader into dir in pieces of step; 0, or -1 with err. */
static int unpack(const struct strbuf *sb, size_t len, const char *dir, const char *from,
		  const char *to, size_t step, struct berr *err)
{
	struct tar_reader *tr;
	size_t off;
	int ret = 0;

	berr_clear(err);
	tr = tar_reader_new(dir, from, to, err);
	if (!tr)
		return -1;
	for (off = 0; off < len && ret == 0; off += step)
		ret = tar_reader_write(tr, sb->buf + off, len - off < step ? len - off : step);
	if (tar_reader_finish(tr, err) < 0)
		ret = -1;
	tar_reader_free(tr);
	return ret;
}

static mode_t mode_of(const char *rel, struct stat *st)
{
	char *p = at(rel);

	memset(st, 0, sizeof(*st));
	lstat(p, st);
	free(p);
	return st->st_mode;
}

static char *slurp(const char *rel)
{
	char *p = at(rel), buf[256];
	int fd = open(p, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	free(p);
	buf[n > 0 ? n : 0] = '\0';
	return xstrdup(buf);
}

static void check_tree(const char *top, const char *what)
{
	struct stat st, st2;
	char rel[512], *s;
	char longname[130];

	memset(longname, 'n', 120);
	longname[120] = '\0';
	snprintf(rel, sizeof(rel), "%s/a.txt", top);
	ok(S_ISREG(mode_of(rel, &st)) && (st.st_mode & 07777) == 0640, "%s: a file, mode 0640", what);
	ok(st.st_mtime == 1580702706, "%s: its time", what);
	s = slurp(rel);
	is_str(s, "hello\n", "%s: its contents", what);
	free(s);
	snprintf(rel, sizeof(rel), "%s/sub", top);
	ok(S_ISDIR(mode_of(rel, &st)) && (st.st_mode & 07777) == 02750, "%s: a setgid directory, 2750", what);
	snprintf(rel, sizeof(rel), "%s/sub/run.sh", top);
	ok((mode_of(rel, &st) & 07777) == 0755, "%s: an executable, 0755", what);
	snprintf(rel, sizeof(rel), "%s/sub/%s", top, longname);
	s = slurp(rel);
	is_str(s, "long\n", "%s: a 124-character name (pax)", what);
	free(s);
	snprintf(rel, sizeof(rel), "%s/link", top);
	ok(S_ISLNK(mode_of(rel, &st)), "%s: a symbolic link", what);
	snprintf(rel, sizeof(rel), "%s/hard", top);
	mode_of(rel, &st);
	snprintf(rel, sizeof(rel), "%s/a.txt", top);
	mode_of(rel, &st2);
	ok(st.st_ino == st2.st_ino && st.st_nlink == 2, "%s: a hard link is one file", what);
	snprintf(rel, sizeof(rel), "%s/locked", top);
	ok((mode_of(rel, &st) & 07777) == 0555, "%s: a read-only directory, set after its contents", what);
	snprintf(rel, sizeof(rel), "%s/locked/secret", top);
	ok(S_ISREG(mode_of(rel, &st)), "%s: ... which holds its file", what);
	snprintf(rel, sizeof(rel), "%s/empty-file", top);
	ok(S_ISREG(mode_of(rel, &st)) && st.st_size == 0, "%s: an empty file", what);
	snprintf(rel, sizeof(rel), "%s/big", top);
	ok(mode_of(rel, &st) && st.st_size == 300001, "%s: a 300001-byte file", what);
}

static void build_tree(void)
{
	char longname[200];
	char *p, *q;
	struct strbuf big = STRBUF_INIT;
	int i;

	make_dir("src", 0755);
	make_dir("src/sub", 0);
	make_dir("src/locked", 0);
	put_file("src/a.txt", "hello\n", 0640);
	put_file("src/sub/run.sh", "#!/bin/sh\n", 0755);
	memset(longname, 0, sizeof(longname));
	strcpy(longname, "src/sub/");
	memset(longname + 8, 'n', 120);
	put_file(longname, "long\n", 0644);
	put_file("src/empty-file", "", 0644);
	put_file("src/locked/secret", "s\n", 0600);
	for (i = 0; i < 300001; i++)
		strbuf_addch(&big, (char)('a' + i % 26));
	put_file("src/big", big.buf, 0644);
	strbuf_release(&big);
	p = at("src/link");
	if (symlink("a.txt", p) < 0)
		abort();
	free(p);
	p = at("src/a.txt");
	q = at("src/hard");
	if (link(p, q) < 0)
		abort();
	{
		struct timespec ts[2] = { { .tv_sec = 1580702706 }, { .tv_sec = 1580702706 } };

		utimensat(AT_FDCWD, p, ts, 0);
	}
	free(p);
	free(q);
	p = at("src/sub");
	chmod(p, 02750);
	free(p);
	p = at("src/locked");
	chmod(p, 0555);
	free(p);
}

static void test_round_trip(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct berr err;
	char *src = at("src"), *out = at("out"), *flat = at("flat");
	size_t steps[] = { 1, 511, 512, 513, 4096 };
	size_t i;

	mkdir(out, 0755);
	mkdir(flat, 0755);
	ok(archive(src, "src", 777, &sb) == 0, "the writer reads the tree");
	ok(sb.len % 512 == 0 && sb.len >= 1024, "the archive is whole blocks (%zu bytes)", sb.len);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *dir = xasprintf("%s/s%zu", out, steps[i]);
		char top[64];

		mkdir(dir, 0755);
		ok(unpack(&sb, sb.len, dir, "src", "copy", steps[i], &err) == 0,
		   "fed %zu bytes at a time, the reader unpacks it (%s)", steps[i], err.msg);
		snprintf(top, sizeof(top), "out/s%zu/copy", steps[i]);
		if (steps[i] == 1 || steps[i] == 4096)
			check_tree(top, top);
		free(dir);
	}
	strbuf_reset(&sb);
	ok(archive(src, "", 4096, &sb) == 0, "name \"\": what the directory holds");
	ok(unpack(&sb, sb.len, flat, NULL, NULL, 1000, &err) == 0, "... unpacks (%s)", err.msg);
	check_tree("flat", "DIR/. into a directory");
	strbuf_reset(&sb);
	/* a cut archive is an error */
	ok(archive(src, "src", 4096, &sb) == 0, "archive again");
	ok(unpack(&sb, sb.len - 1024 - 700, out, "src", "cut", 100, &err) < 0,
	   "an archive cut short is refused");
	ok(strstr(err.msg, "ends in the middle") != NULL, "... saying so: %s", err.msg);
	strbuf_release(&sb);
	free(src);
	free(out);
	free(flat);
}

static void test_refused(void)
{
	struct strbuf sb = STRBUF_INIT, two = STRBUF_INIT;
	struct berr err;
	char *f = at("src/a.txt"), *dest = at("evil"), *lnk = at("lnk"), *esc = NULL;
	struct stat st;

	mkdir(dest, 0755);
	ok(archive(f, "../up.txt", 4096, &sb) == 0, "an archive naming ../up.txt");
	ok(unpack(&sb, sb.len, dest, NULL, NULL, 4096, &err) < 0, "... is refused");
	ok(strstr(err.msg, "outside") != NULL, "... as outside the destination: %s", err.msg);
	esc = at("up.txt");
	ok(lstat(esc, &st) < 0, "... and nothing is written there");
	free(esc);

	/* a link to elsewhere, then a file through it */
	if (symlink("/", lnk) < 0)
		abort();
	strbuf_reset(&sb);
	ok(archive(lnk, "l", 4096, &sb) == 0 && archive(f, "l/escaped", 4096, &two) == 0,
	   "an archive with a link l -> / and then l/escaped");
	sb.len -= 1024; /* the first one's end blocks */
	strbuf_add(&sb, two.buf, two.len);
	ok(unpack(&sb, sb.len, dest, NULL, NULL, 4096, &err) < 0, "... is refused");
	ok(lstat("/escaped", &st) < 0, "... and nothing lands outside");
	strbuf_release(&sb);
	strbuf_release(&two);
	free(f);
	free(dest);
	free(lnk);
}

static int writable(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_D)
		chmod(p, (st->st_mode & 07777) | 0700);
	return 0;
}

static int removed(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

int main(void)
{
	char tmpl[] = "/tmp/test-tar.XXXXXX";

	root = mkdtemp(tmpl);
	if (!root)
		return 1;
	umask(022);
	build_tree();
	test_round_trip();
	test_refused();
	/* clean up: directories writable first, then everything, deepest first */
	nftw(root, writable, 16, FTW_PHYS);
	nftw(root, removed, 16, FTW_PHYS | FTW_DEPTH);
	return done_testing();
}
