/* store_file.c: the embedded store: one file of BSON per collection.
 *
 * DIR/NAME.bson holds a header document { berth_store: 1, collection: NAME,
 * count: N } followed by exactly N documents, so a file cut short anywhere,
 * even between two documents, is noticed. A change reads the file under an
 * flock of DIR/NAME.lock, builds the whole new file in memory, writes it to
 * DIR/NAME.bson.tmp, fsyncs it, renames it over NAME.bson and fsyncs DIR:
 * a crash leaves the old file or the new one, never half of one, and two
 * processes never lose each other's writes. Readers take no lock: a
 * rename never changes a file someone has open. A file that does not parse
 * is never written over; store_drop() moves it aside.
 *
 * The cache collections (images, containers, volumes, networks) are
 * written the same way but without the fsyncs: after a crash of the machine, a cache file may be
 * the old one, the new one, or torn; a torn one is found by the count in
 * its header (or by a document that does not parse), named, never written
 * over, and moved aside by `cache reset`; the next listing or refresh
 * builds it again. The other collections (hosts above all) keep full
 * durability.
 *
 * A batch (store_batch_begin/end) holds a collection locked and in memory
 * between the two calls: the changes go to that copy (a changed document
 * replaced in place, not a new file each time) and the file is written
 * once at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "backends/store/store_internal.h"
#include "lib/strindex.h"

#define FORMAT_VERSION 1
#define LOCK_WAIT_MS 30000


/* One collection as read: the file's bytes and where each document is. */
struct docref {
	const uint8_t *data;
	uint32_t len;
};

struct coll_data {
	char *path;
	uint8_t *buf;
	size_t len;
	struct docref *docs;
	size_t n, alloc;
	int borrowed; /* a batch's copy, lent: coll_release leaves it alone */
};

/* A collection in a batch: its lock, its documents (in the file's buffer or
 * in blocks of keep), written back by batch_end when dirty. */
struct batch {
	int active;
	int lock;
	struct coll_data cd;
	void **keep; /* buffers that documents (or lent copies) may still point into */
	size_t nkeep, keep_alloc;
	int dirty;
	/* hosts, templates, leases: documents by name (keys in the
	 * documents' kept buffers), built on first use, dropped when a
	 * change may have moved one */
	struct strindex by_name;
};

struct file_store {
	struct store base;
	char *dir;
	struct batch batch[STORE_NCOLLS];
};


/* A new collection file being built. */
struct outbuf {
	uint8_t *p;
	size_t len, cap;
	int64_t count;
	int failed;
};

static char *path_of(const struct file_store *fs, enum store_coll c, const char *suffix)
{
	size_t len = strlen(fs->dir) + strlen(store_coll_name(c)) + strlen(suffix) + 2;
	char *p = malloc(len);

	if (p)
		snprintf(p, len, "%s/%s%s", fs->dir, store_coll_name(c), suffix);
	return p;
}

static int oom(struct berr *err)
{
	return berr_set(err, BERR_LOCAL, "store: out of memory");
}

/* --- reading --------------------------------------------------------------- */

static void coll_release(struct coll_data *cd)
{
	if (cd->borrowed) {
		memset(cd, 0, sizeof(*cd));
		return;
	}
	free(cd->path);
	free(cd->buf);
	free(cd->docs);
	memset(cd, 0, sizeof(*cd));
}

static int corrupt(const struct coll_data *cd, struct berr *err, const char *what, size_t at)
{
	return berr_set(err, BERR_PROTOCOL,
			"store: %s is corrupt (%s at byte %zu of %zu); it was left as it is",
			cd->path, what, at, cd->len);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int check_header(const struct coll_data *cd, enum store_coll c, const bson_t *h,
			int64_t *count, struct berr *err)
{
	bson_iter_t it;

	if (!bson_iter_init_find(&it, h, "berth_store") || !BSON_ITER_HOLDS_INT32(&it))
		return corrupt(cd, err, "no berth store header", 0);
	if (bson_iter_int32(&it) != FORMAT_VERSION)
		return berr_set(err, BERR_PROTOCOL,
				"store: %s is in store format %d; this berth reads format %d",
				cd->path, bson_iter_int32(&it), FORMAT_VERSION);
	if (!bson_iter_init_find(&it, h, "collection") || !BSON_ITER_HOLDS_UTF8(&it) ||
	    strcmp(bson_iter_utf8(&it, NULL), store_coll_name(c)))
		return corrupt(cd, err, "header names another collection", 0);
	if (!bson_iter_init_find(&it, h, "count") || !BSON_ITER_HOLDS_INT64(&it) ||
	    bson_iter_int64(&it) < 0)
		return corrupt(cd, err, "header without a count", 0);
	*count = bson_iter_int64(&it);
	return 0;
}

static int parse(struct coll_data *cd, enum store_coll c, struct berr *err)
{
	size_t off = 0;
	int64_t count = -1;
	bson_error_t e;
	char what[256];

	if (!cd->len)
		return corrupt(cd, err, "empty file, not even a header", 0);
	while (off < cd->len) {
		uint32_t dlen;
		bson_t b;

		if (cd->len - off < 5)
			return corrupt(cd, err, "stray bytes after the last document", off);
		dlen = le32(cd->buf + off);
		if (dlen < 5 || dlen > cd->len - off) {
			snprintf(what, sizeof(what), "document %zu runs past the end of the file: truncated",
				 cd->n);
			return corrupt(cd, err, what, off);
		}
		if (!bson_init_static(&b, cd->buf + off, dlen) ||
		    !bson_validate_with_error(&b, BSON_VALIDATE_NONE, &e)) {
			snprintf(what, sizeof(what), "document %zu is not valid BSON", cd->n);
			return corrupt(cd, err, what, off);
		}
		if (count < 0) {
			if (check_header(cd, c, &b, &count, err) < 0)
				return -1;
			if ((uint64_t)count > cd->len / 5)
				return corrupt(cd, err, "header count larger than the file", 0);
			cd->alloc = (size_t)count + 1;
			cd->docs = malloc(cd->alloc * sizeof(*cd->docs));
			if (!cd->docs)
				return oom(err);
		} else {
			if (cd->n == cd->alloc)
				return corrupt(cd, err, "more documents than the header says", off);
			cd->docs[cd->n].data = cd->buf + off;
			cd->docs[cd->n].len = dlen;
			cd->n++;
		}
		off += dlen;
	}
	if ((int64_t)cd->n != count) {
		snprintf(what, sizeof(what), "%zu documents where the header says %lld: truncated",
			 cd->n, (long long)count);
		return corrupt(cd, err, what, cd->len);
	}
	return 0;
}

/* Reads collection c. A missing file is an empty collection. */
static int load(const struct file_store *fs, enum store_coll c, struct coll_data *cd,
		struct berr *err)
{
	struct stat st;
	size_t got = 0;
	int fd = -1, ret = -1;

	memset(cd, 0, sizeof(*cd));
	if (fs->batch[c].active) {
		*cd = fs->batch[c].cd;
		cd->borrowed = 1;
		return 0;
	}
	cd->path = path_of(fs, c, ".bson");
	if (!cd->path)
		return oom(err);
	fd = open(cd->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		berr_set(err, BERR_LOCAL, "store: cannot read %s: %s", cd->path, strerror(errno));
		goto cleanup;
	}
	if (fstat(fd, &st) < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot read %s: %s", cd->path, strerror(errno));
		goto cleanup;
	}
	cd->len = (size_t)st.st_size;
	cd->buf = malloc(cd->len ? cd->len : 1);
	if (!cd->buf) {
		oom(err);
		goto cleanup;
	}
	while (got < cd->len) {
		ssize_t r = read(fd, cd->buf + got, cd->len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			berr_set(err, BERR_LOCAL, "store: cannot read %s: %s", cd->path,
				 r < 0 ? strerror(errno) : "the file shrank while being read");
			goto cleanup;
		}
		got += (size_t)r;
	}
	ret = parse(cd, c, err);
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void doc_of(const struct coll_data *cd, size_t i, bson_t *b)
{
	/* parse() validated every document: this cannot fail */
	bson_init_static(b, cd->docs[i].data, cd->docs[i].len);
}

/* --- locking and writing --------------------------------------------------- */

static int lock_coll(const struct file_store *fs, enum store_coll c, int *fdp, struct berr *err)
{
	char *path = path_of(fs, c, ".lock");
	long waited = 0, nap = 1;
	int fd = -1, ret = -1;

	*fdp = -1;
	if (fs->batch[c].active) {
		free(path); /* the batch holds the lock */
		return 0;
	}
	if (!path)
		return oom(err);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot open %s: %s", path, strerror(errno));
		goto cleanup;
	}
	/* Polling rather than a blocking flock: Ctrl-C must get through and a
	 * stuck process must not hang us forever. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts;

		if (errno != EWOULDBLOCK && errno != EINTR) {
			berr_set(err, BERR_LOCAL, "store: cannot lock %s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (berth_interrupted) {
			berr_set(err, BERR_INTERRUPTED, "store: interrupted waiting for %s", path);
			goto cleanup;
		}
		if (waited >= LOCK_WAIT_MS) {
			berr_set(err, BERR_TIMEOUT,
				 "store: %s has been locked by another process for %d s; is a berth stuck?",
				 path, LOCK_WAIT_MS / 1000);
			goto cleanup;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = nap * 1000000L;
		nanosleep(&ts, NULL);
		waited += nap;
		if (nap < 16)
			nap *= 2;
	}
	*fdp = fd;
	fd = -1;
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

static void unlock_coll(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static void ob_reserve(struct outbuf *ob, size_t more)
{
	size_t cap = ob->cap ? ob->cap : 4096;
	uint8_t *p;

	if (ob->failed || ob->len + more <= ob->cap)
		return;
	while (cap < ob->len + more)
		cap *= 2;
	p = realloc(ob->p, cap);
	if (!p) {
		ob->failed = 1;
		return;
	}
	ob->p = p;
	ob->cap = cap;
}

static void header(enum store_coll c, int64_t count, bson_t *h)
{
	bson_init(h);
	BSON_APPEND_INT32(h, "berth_store", FORMAT_VERSION);
	BSON_APPEND_UTF8(h, "collection", store_coll_name(c));
	BSON_APPEND_INT64(h, "count", count);
}

/* The header goes first with count 0 and is rewritten by ob_finish: an
 * int64 keeps its size whatever the count. */
static void ob_begin(struct outbuf *ob, enum store_coll c, size_t expect)
{
	bson_t h;

	memset(ob, 0, sizeof(*ob));
	header(c, 0, &h);
	ob_reserve(ob, h.len + expect);
	if (!ob->failed) {
		memcpy(ob->p, bson_get_data(&h), h.len);
		ob->len = h.len;
	}
	bson_destroy(&h);
}

static void ob_add(struct outbuf *ob, const uint8_t *data, uint32_t len)
{
	ob_reserve(ob, len);
	if (ob->failed)
		return;
	memcpy(ob->p + ob->len, data, len);
	ob->len += len;
	ob->count++;
}

/* Adds doc (which has no _id) with a new ObjectId _id in front, without
 * building a bson_t: a 17-byte element spliced after the length. */
static void ob_add_with_id(struct outbuf *ob, const bson_t *doc)
{
	const uint8_t *d = bson_get_data(doc);
	uint32_t len = doc->len + 17;
	bson_oid_t oid;
	uint8_t *p;

	ob_reserve(ob, len);
	if (ob->failed)
		return;
	bson_oid_init(&oid, NULL);
	p = ob->p + ob->len;
	p[0] = (uint8_t)len;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)(len >> 16);
	p[3] = (uint8_t)(len >> 24);
	p[4] = BSON_TYPE_OID;
	memcpy(p + 5, "_id", 4);
	memcpy(p + 9, oid.bytes, 12);
	memcpy(p + 21, d + 4, doc->len - 4);
	ob->len += len;
	ob->count++;
}

static void ob_finish(struct outbuf *ob, enum store_coll c)
{
	bson_t h;

	header(c, ob->count, &h);
	if (!ob->failed)
		memcpy(ob->p, bson_get_data(&h), h.len);
	bson_destroy(&h);
}

static int fsync_dir(const char *dir, struct berr *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd) < 0)
		ret = berr_set(err, BERR_LOCAL, "store: cannot sync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Every document of cd except skip ((size_t)-1: none) into ob. */
static void ob_add_all(struct outbuf *ob, const struct coll_data *cd, size_t skip)
{
	for (size_t i = 0; i < cd->n; i++)
		if (i != skip)
			ob_add(ob, cd->docs[i].data, cd->docs[i].len);
}

/* --- batches ---------------------------------------------------------------- */

/* p stays alive until the batch ends: lent copies may point into it. */
static int batch_keep(struct batch *b, void *p, struct berr *err)
{
	if (b->nkeep == b->keep_alloc) {
		size_t na = b->keep_alloc ? 2 * b->keep_alloc : 16;
		void **nv = realloc(b->keep, na * sizeof(*nv));

		if (!nv) {
			free(p);
			return oom(err);
		}
		b->keep = nv;
		b->keep_alloc = na;
	}
	b->keep[b->nkeep++] = p;
	return 0;
}

/* Document m of the batch's copy becomes doc (m (size_t)-1: doc added). */
static int batch_put(struct batch *b, size_t m, const bson_t *doc, struct berr *err)
{
	uint8_t *data = malloc(doc->len);

	if (!data || batch_keep(b, data, err) < 0)
		return data ? -1 : oom(err);
	memcpy(data, bson_get_data(doc), doc->len);
	if (m == (size_t)-1) {
		if (b->cd.n == b->cd.alloc) {
			size_t na = b->cd.alloc ? 2 * b->cd.alloc : 16;
			struct docref *nv = malloc(na * sizeof(*nv));

			if (!nv || batch_keep(b, b->cd.docs, err) < 0) {
				free(nv);
				return oom(err);
			}
			if (b->cd.n)
				memcpy(nv, b->cd.docs, b->cd.n * sizeof(*nv));
			b->cd.docs = nv;
			b->cd.alloc = na;
		}
		m = b->cd.n++;
	}
	b->cd.docs[m].data = data;
	b->cd.docs[m].len = doc->len;
	b->dirty = 1;
	return 0;
}

/* The one document after ob's header (ob_add_with_id made its _id) added
 * to the batch's copy. */
static int batch_put_raw(struct batch *b, struct outbuf *ob, struct berr *err)
{
	uint32_t hlen;
	bson_t d;

	if (ob->failed)
		return oom(err);
	hlen = le32(ob->p);
	if (!bson_init_static(&d, ob->p + hlen, ob->len - hlen))
		return berr_set(err, BERR_LOCAL, "store: a document could not be built");
	return batch_put(b, (size_t)-1, &d, err);
}

/* A whole new file built in ob becomes the batch's copy (ob's buffer is
 * taken). The old copy's memory is kept: a caller may still read it. */
static int batch_take(struct batch *b, enum store_coll c, struct outbuf *ob, struct berr *err)
{
	struct coll_data nd = { 0 };

	nd.path = b->cd.path;
	nd.buf = ob->p;
	nd.len = ob->len;
	ob->p = NULL;
	if (batch_keep(b, b->cd.buf, err) < 0 || batch_keep(b, b->cd.docs, err) < 0) {
		free(nd.buf);
		return -1;
	}
	b->cd.buf = NULL;
	b->cd.docs = NULL;
	b->cd.n = b->cd.alloc = 0;
	if (parse(&nd, c, err) < 0) {
		free(nd.buf);
		free(nd.docs);
		return -1;
	}
	b->cd = nd;
	b->dirty = 1;
	strindex_clear(&b->by_name);
	return 0;
}

static int commit(struct file_store *fs, enum store_coll c, const struct coll_data *cd,
		  struct outbuf *ob, struct berr *err);

static int file_batch_begin(struct store *s, enum store_coll c, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct batch *b = &fs->batch[c];
	int lock;

	if (b->active)
		return berr_set(err, BERR_USAGE, "store: a batch on %s is already open",
				store_coll_name(c));
	if (lock_coll(fs, c, &lock, err) < 0)
		return -1;
	memset(b, 0, sizeof(*b));
	if (load(fs, c, &b->cd, err) < 0) {
		coll_release(&b->cd);
		unlock_coll(lock);
		return -1;
	}
	if (!b->cd.path && !(b->cd.path = path_of(fs, c, ".bson"))) {
		unlock_coll(lock);
		return oom(err);
	}
	b->lock = lock;
	b->active = 1;
	return 0;
}

static int file_batch_end(struct store *s, enum store_coll c, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct batch *b = &fs->batch[c];
	struct outbuf ob = { 0 };
	size_t i, total = 0;
	int ret = 0;

	if (!b->active)
		return 0;
	b->active = 0;
	if (b->dirty) {
		for (i = 0; i < b->cd.n; i++)
			total += b->cd.docs[i].len;
		ob_begin(&ob, c, total);
		ob_add_all(&ob, &b->cd, (size_t)-1);
		ret = commit(fs, c, &b->cd, &ob, err);
		free(ob.p);
	}
	for (i = 0; i < b->nkeep; i++)
		free(b->keep[i]);
	free(b->keep);
	strindex_clear(&b->by_name);
	coll_release(&b->cd);
	unlock_coll(b->lock);
	memset(b, 0, sizeof(*b));
	return ret;
}

/* --- committing -------------------------------------------------------------- */

/* Replaces collection c's file by ob's bytes, atomically, and durably for
 * all but the cache collections (see the top); in a batch, the batch's
 * copy instead. */
static int commit(struct file_store *fs, enum store_coll c, const struct coll_data *cd,
		  struct outbuf *ob, struct berr *err)
{
	char *tmp = NULL;
	size_t off = 0;
	int fd = -1, ret = -1, durable = !store_coll_is_cache(c);

	if (ob->failed)
		return oom(err);
	ob_finish(ob, c);
	if (fs->batch[c].active)
		return batch_take(&fs->batch[c], c, ob, err);
	tmp = path_of(fs, c, ".bson.tmp");
	if (!tmp)
		return oom(err);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	while (off < ob->len) {
		ssize_t w = write(fd, ob->p + off, ob->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", tmp, strerror(errno));
			goto cleanup;
		}
		off += (size_t)w;
	}
	if (durable && fsync(fd) < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot sync %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (close(fd) < 0) {
		fd = -1;
		berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, cd->path) < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot replace %s: %s", cd->path, strerror(errno));
		goto cleanup;
	}
	ret = durable ? fsync_dir(fs->dir, err) : 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int same_id(const bson_t *a, const bson_t *b)
{
	bson_iter_t ia, ib;

	return bson_iter_init_find(&ia, a, "_id") && bson_iter_init_find(&ib, b, "_id") &&
	       bson_iter_type(&ia) == bson_iter_type(&ib) &&
	       store_value_cmp(bson_iter_value(&ia), bson_iter_value(&ib)) == 0;
}

/* BERR_CONFLICT when doc's _id or unique key is taken by a document of
 * cd other than skip. */
static int check_unique(enum store_coll c, const struct coll_data *cd, const bson_t *doc,
			size_t skip, struct berr *err)
{
	int has_id = bson_has_field(doc, "_id");
	bson_t other;

	for (size_t i = 0; i < cd->n; i++) {
		if (i == skip)
			continue;
		doc_of(cd, i, &other);
		if (has_id && same_id(&other, doc))
			return berr_set(err, BERR_CONFLICT, "store: %s: that _id already exists",
					store_coll_name(c));
		if (store_same_key(c, &other, doc))
			return store_conflict(c, doc, err);
	}
	return 0;
}

static size_t first_match(const struct coll_data *cd, const bson_t *sel)
{
	bson_t d;

	for (size_t i = 0; i < cd->n; i++) {
		doc_of(cd, i, &d);
		if (store_match(&d, sel))
			return i;
	}
	return (size_t)-1;
}

/* --- operations ------------------------------------------------------------- */

static int file_insert(struct store *s, enum store_coll c, const bson_t *doc, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	struct outbuf ob = { 0 };
	int lock = -1, ret = -1;

	if (lock_coll(fs, c, &lock, err) < 0)
		goto cleanup;
	if (load(fs, c, &cd, err) < 0 || check_unique(c, &cd, doc, (size_t)-1, err) < 0)
		goto cleanup;
	if (fs->batch[c].active) {
		/* the document alone, not a new copy of all */
		ob_begin(&ob, c, doc->len + 17);
		if (bson_has_field(doc, "_id"))
			ob_add(&ob, bson_get_data(doc), doc->len);
		else
			ob_add_with_id(&ob, doc);
		ret = batch_put_raw(&fs->batch[c], &ob, err);
		goto cleanup;
	}
	ob_begin(&ob, c, cd.len + doc->len + 17);
	ob_add_all(&ob, &cd, (size_t)-1);
	if (bson_has_field(doc, "_id"))
		ob_add(&ob, bson_get_data(doc), doc->len);
	else
		ob_add_with_id(&ob, doc);
	ret = commit(fs, c, &cd, &ob, err);
cleanup:
	unlock_coll(lock);
	coll_release(&cd);
	free(ob.p);
	return ret;
}

/* --- a batch's lookups by name ------------------------------------------------ */

static const char *name_of(const bson_t *d)
{
	bson_iter_t it;

	return bson_iter_init_find(&it, d, "name") && BSON_ITER_HOLDS_UTF8(&it) ?
	       bson_iter_utf8(&it, NULL) : NULL;
}

/* sel is { name: "..." } and nothing else, in a collection keyed by name. */
static const char *name_selector(enum store_coll c, const bson_t *sel)
{
	return !store_coll_is_cache(c) && sel && bson_count_keys(sel) == 1 ? name_of(sel) : NULL;
}

/* The batch's document named name, or (size_t)-1. */
static size_t batch_by_name(struct batch *b, const char *name)
{
	const char *k;
	size_t i;
	bson_t d;

	if (!b->by_name.n)
		for (i = 0; i < b->cd.n; i++) {
			doc_of(&b->cd, i, &d);
			if ((k = name_of(&d)))
				strindex_add(&b->by_name, k, i);
		}
	return strindex_find(&b->by_name, name, &i) ? i : (size_t)-1;
}

/* check_unique in a batch, by the index: new (which replaces m, or is
 * added) may not take another document's name; its _id is m's own or
 * one just made when sel names none. Anything else: the full check. */
static int batch_check_unique(struct batch *b, enum store_coll c, const bson_t *sel,
			      const bson_t *new, size_t m, struct berr *err)
{
	const char *name = name_of(new);
	size_t other;
	bson_t old;

	if (!name || bson_has_field(sel, "_id"))
		return check_unique(c, &b->cd, new, m, err);
	if (m != (size_t)-1) {
		doc_of(&b->cd, m, &old);
		if (!same_id(&old, new))
			return check_unique(c, &b->cd, new, m, err);
	}
	other = batch_by_name(b, name);
	if (other != (size_t)-1 && other != m)
		return store_conflict(c, new, err);
	return 0;
}

/* After batch_put of new at m ((size_t)-1: added at the end). */
static void batch_index_put(struct batch *b, const bson_t *new, const bson_t *old, size_t m)
{
	const char *name = name_of(new), *was = old ? name_of(old) : NULL;

	if (!b->by_name.n)
		return;
	if (m == (size_t)-1 && name) {
		bson_t d;

		doc_of(&b->cd, b->cd.n - 1, &d); /* the kept copy: a key that lasts */
		strindex_add(&b->by_name, name_of(&d), b->cd.n - 1);
	} else if (m != (size_t)-1 && (!name || !was || strcmp(name, was))) {
		strindex_clear(&b->by_name); /* renamed: built again when needed */
	}
}

/* Applies update to the first match of sel (or inserts, with upsert):
 * the core of both upsert and modify. */
static int change_one(struct file_store *fs, enum store_coll c, const bson_t *sel,
		      const bson_t *update, int upsert, bson_t *before, bson_t *after,
		      int *found, struct berr *err)
{
	struct coll_data cd = { 0 };
	struct outbuf ob = { 0 };
	struct batch *b = fs->batch[c].active ? &fs->batch[c] : NULL;
	bson_t old, new;
	size_t m;
	int lock = -1, ret = -1, have_new = 0;

	*found = 0;
	if (store_match_check(sel, err) < 0 || store_update_check(update, err) < 0)
		return -1;
	if (lock_coll(fs, c, &lock, err) < 0)
		goto cleanup;
	if (load(fs, c, &cd, err) < 0)
		goto cleanup;
	if (b && name_selector(c, sel))
		m = batch_by_name(b, name_selector(c, sel));
	else
		m = first_match(&cd, sel);
	if (m == (size_t)-1 && !upsert) {
		ret = 0;
		goto cleanup;
	}
	if (m != (size_t)-1)
		doc_of(&cd, m, &old);
	if (store_update_apply(m != (size_t)-1 ? &old : NULL, sel, update, &new, err) < 0)
		goto cleanup;
	have_new = 1;
	if ((b ? batch_check_unique(b, c, sel, &new, m, err) : check_unique(c, &cd, &new, m, err)) < 0)
		goto cleanup;
	if (b) {
		if (m == (size_t)-1 || new.len != old.len ||
		    memcmp(bson_get_data(&new), bson_get_data(&old), new.len)) {
			if (batch_put(b, m, &new, err) < 0)
				goto cleanup;
			batch_index_put(b, &new, m != (size_t)-1 ? &old : NULL, m);
		}
	} else if (m == (size_t)-1 || new.len != old.len ||
	    memcmp(bson_get_data(&new), bson_get_data(&old), new.len)) {
		ob_begin(&ob, c, cd.len + new.len);
		ob_add_all(&ob, &cd, m);
		ob_add(&ob, bson_get_data(&new), new.len);
		if (commit(fs, c, &cd, &ob, err) < 0)
			goto cleanup;
	}
	*found = 1;
	if (before && m != (size_t)-1)
		bson_copy_to(&old, before);
	else if (before)
		bson_init(before);
	if (after)
		bson_copy_to(&new, after);
	ret = 0;
cleanup:
	if (have_new)
		bson_destroy(&new);
	unlock_coll(lock);
	coll_release(&cd);
	free(ob.p);
	return ret;
}

static int file_upsert(struct store *s, enum store_coll c, const bson_t *selector,
		       const bson_t *doc, struct berr *err)
{
	bson_iter_t it;
	int found;

	if (bson_iter_init(&it, doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$')
		return berr_set(err, BERR_USAGE, "store: upsert takes a whole document, not operators");
	return change_one((struct file_store *)s, c, selector, doc, 1, NULL, NULL, &found, err);
}

static int file_modify(struct store *s, enum store_coll c, const bson_t *selector,
		       const bson_t *update, int flags, bson_t *result, int *found,
		       struct berr *err)
{
	int f = 0, ret;

	ret = change_one((struct file_store *)s, c, selector, update, flags & STORE_UPSERT,
			 (flags & STORE_RETURN_NEW) ? NULL : result,
			 (flags & STORE_RETURN_NEW) ? result : NULL, &f, err);
	if (found)
		*found = ret == 0 && f;
	return ret;
}

static int file_remove(struct store *s, enum store_coll c, const bson_t *selector,
		       int64_t *nremoved, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	struct outbuf ob = { 0 };
	int64_t removed = 0;
	int lock = -1, ret = -1;
	bson_t d;

	if (nremoved)
		*nremoved = 0;
	if (store_match_check(selector, err) < 0)
		return -1;
	if (lock_coll(fs, c, &lock, err) < 0 || load(fs, c, &cd, err) < 0)
		goto cleanup;
	ob_begin(&ob, c, cd.len);
	for (size_t i = 0; i < cd.n; i++) {
		doc_of(&cd, i, &d);
		if (store_match(&d, selector))
			removed++;
		else
			ob_add(&ob, cd.docs[i].data, cd.docs[i].len);
	}
	if (removed && commit(fs, c, &cd, &ob, err) < 0)
		goto cleanup;
	if (nremoved)
		*nremoved = removed;
	ret = 0;
cleanup:
	unlock_coll(lock);
	coll_release(&cd);
	free(ob.p);
	return ret;
}

struct sort_ctx {
	const struct coll_data *cd;
	const bson_t *sort;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *ctx = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	bson_t da, db;
	int r;

	doc_of(ctx->cd, ia, &da);
	doc_of(ctx->cd, ib, &db);
	r = store_sort_cmp(&da, &db, ctx->sort);
	/* ties keep file order: a stable sort, as callers expect */
	return r ? r : (ia > ib) - (ia < ib);
}

static int file_find(struct store *s, enum store_coll c, const bson_t *selector,
		     const struct store_find_opts *opts, store_doc_fn fn, void *ud,
		     struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	const bson_t *sort = opts ? opts->sort : NULL;
	int64_t limit = opts ? opts->limit : 0;
	size_t *hits = NULL, nhits = 0;
	int ret = -1;
	bson_t d;

	if (store_match_check(selector, err) < 0 || store_sort_check(sort, err) < 0)
		return -1;
	if (load(fs, c, &cd, err) < 0)
		goto cleanup;
	hits = malloc((cd.n ? cd.n : 1) * sizeof(*hits));
	if (!hits) {
		oom(err);
		goto cleanup;
	}
	for (size_t i = 0; i < cd.n; i++) {
		doc_of(&cd, i, &d);
		if (store_match(&d, selector))
			hits[nhits++] = i;
	}
	if (sort && nhits > 1) {
		struct sort_ctx ctx = { &cd, sort };

		qsort_r(hits, nhits, sizeof(*hits), sort_cmp, &ctx);
	}
	if (limit > 0 && (uint64_t)limit < nhits)
		nhits = (size_t)limit;
	for (size_t i = 0; i < nhits; i++) {
		int r;

		if (berth_interrupted) {
			berr_set(err, BERR_INTERRUPTED, "store: interrupted");
			goto cleanup;
		}
		doc_of(&cd, hits[i], &d);
		r = fn(ud, &d, err);
		if (r < 0)
			goto cleanup;
		if (r > 0)
			break;
	}
	ret = 0;
cleanup:
	free(hits);
	coll_release(&cd);
	return ret;
}

static int file_count(struct store *s, enum store_coll c, const bson_t *selector,
		      int64_t *n, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	int ret = -1;
	bson_t d;

	*n = 0;
	if (store_match_check(selector, err) < 0 || load(fs, c, &cd, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < cd.n; i++) {
		doc_of(&cd, i, &d);
		*n += store_match(&d, selector);
	}
	ret = 0;
cleanup:
	coll_release(&cd);
	return ret;
}

static int of_host(const bson_t *d, const char *host, size_t hlen)
{
	bson_iter_t it;
	uint32_t len;
	const char *s;

	if (!bson_iter_init_find(&it, d, "host") || !BSON_ITER_HOLDS_UTF8(&it))
		return 0;
	s = bson_iter_utf8(&it, &len);
	return len == hlen && !memcmp(s, host, hlen);
}

static int file_replace_host_set(struct store *s, enum store_coll c, const char *host,
				 const bson_t *const *docs, size_t ndocs,
				 struct store_set_stats *stats, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	struct outbuf ob = { 0 };
	size_t hlen = strlen(host), extra = 0;
	int64_t removed = 0;
	int lock = -1, ret = -1;
	bson_t d;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (store_check_host_set(c, host, docs, ndocs, err) < 0)
		return -1;
	if (lock_coll(fs, c, &lock, err) < 0 || load(fs, c, &cd, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < ndocs; i++)
		extra += docs[i]->len + 17;
	ob_begin(&ob, c, cd.len + extra);
	for (size_t i = 0; i < cd.n; i++) {
		doc_of(&cd, i, &d);
		if (of_host(&d, host, hlen))
			removed++;
		else
			ob_add(&ob, cd.docs[i].data, cd.docs[i].len);
	}
	for (size_t i = 0; i < ndocs; i++)
		ob_add_with_id(&ob, docs[i]);
	if (commit(fs, c, &cd, &ob, err) < 0)
		goto cleanup;
	if (stats) {
		stats->written = (int64_t)ndocs;
		stats->removed = removed;
	}
	ret = 0;
cleanup:
	unlock_coll(lock);
	coll_release(&cd);
	free(ob.p);
	return ret;
}

static int cmp_set_host(const void *a, const void *b)
{
	return strcmp((*(struct store_host_set *const *)a)->host,
		      (*(struct store_host_set *const *)b)->host);
}

/* The set of d's host among by (sorted by host), or NULL. */
static struct store_host_set *set_of(const bson_t *d, struct store_host_set **by, size_t n)
{
	struct store_host_set key, *kp = &key, **hit;
	bson_iter_t it;

	if (!bson_iter_init_find(&it, d, "host") || !BSON_ITER_HOLDS_UTF8(&it))
		return NULL;
	key.host = bson_iter_utf8(&it, NULL);
	hit = bsearch(&kp, by, n, sizeof(*by), cmp_set_host);
	return hit ? *hit : NULL;
}

static int file_replace_host_sets(struct store *s, enum store_coll c,
				  struct store_host_set *sets, size_t n, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct store_host_set **by = NULL, *hs;
	struct coll_data cd = { 0 };
	struct outbuf ob = { 0 };
	size_t i, j, extra = 0;
	int lock = -1, ret = -1;
	bson_t d;

	for (i = 0; i < n; i++) {
		memset(&sets[i].stats, 0, sizeof(sets[i].stats));
		if (store_check_host_set(c, sets[i].host, sets[i].docs, sets[i].ndocs, err) < 0)
			return -1;
		for (j = 0; j < sets[i].ndocs; j++)
			extra += sets[i].docs[j]->len + 17;
	}
	if (!(by = malloc((n ? n : 1) * sizeof(*by))))
		return oom(err);
	for (i = 0; i < n; i++)
		by[i] = &sets[i];
	qsort(by, n, sizeof(*by), cmp_set_host);
	for (i = 1; i < n; i++)
		if (!strcmp(by[i - 1]->host, by[i]->host)) {
			berr_set(err, BERR_USAGE, "store: host %s given twice", by[i]->host);
			goto cleanup;
		}
	if (lock_coll(fs, c, &lock, err) < 0 || load(fs, c, &cd, err) < 0)
		goto cleanup;
	ob_begin(&ob, c, cd.len + extra);
	for (i = 0; i < cd.n; i++) {
		doc_of(&cd, i, &d);
		if ((hs = set_of(&d, by, n)))
			hs->stats.removed++;
		else
			ob_add(&ob, cd.docs[i].data, cd.docs[i].len);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < sets[i].ndocs; j++)
			ob_add_with_id(&ob, sets[i].docs[j]);
		sets[i].stats.written = (int64_t)sets[i].ndocs;
	}
	ret = commit(fs, c, &cd, &ob, err);
cleanup:
	unlock_coll(lock);
	coll_release(&cd);
	free(ob.p);
	free(by);
	return ret;
}

static int file_drop(struct store *s, enum store_coll c, char **kept_aside, struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct coll_data cd = { 0 };
	struct berr why;
	char *aside = NULL;
	int lock = -1, ret = -1;

	berr_clear(&why);
	if (lock_coll(fs, c, &lock, err) < 0)
		goto cleanup;
	if (load(fs, c, &cd, &why) == 0) {
		if (cd.buf && unlink(cd.path) < 0) {
			berr_set(err, BERR_LOCAL, "store: cannot remove %s: %s", cd.path, strerror(errno));
			goto cleanup;
		}
	} else if (why.kind == BERR_PROTOCOL) {
		/* never destroy what could not be read: keep it for a human */
		size_t len = strlen(cd.path) + 64;
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		aside = malloc(len);
		if (!aside) {
			oom(err);
			goto cleanup;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(aside, len, "%s.corrupt-%s-%ld", cd.path, stamp, (long)getpid());
		if (rename(cd.path, aside) < 0) {
			berr_set(err, BERR_LOCAL, "store: cannot move %s aside: %s", cd.path,
				 strerror(errno));
			goto cleanup;
		}
	} else {
		*err = why;
		goto cleanup;
	}
	if (fsync_dir(fs->dir, err) < 0)
		goto cleanup;
	if (kept_aside) {
		*kept_aside = aside;
		aside = NULL;
	}
	ret = 0;
cleanup:
	free(aside);
	unlock_coll(lock);
	coll_release(&cd);
	return ret;
}

static void file_free(struct store *s)
{
	struct file_store *fs = (struct file_store *)s;
	struct berr err;

	for (int c = 0; c < STORE_NCOLLS; c++)
		file_batch_end(s, (enum store_coll)c, &err); /* none is left open */

	free(fs->dir);
	free(fs->base.where);
	free(fs);
}

/* --- a writer of host sets (store_sets_begin) -------------------------------- */

#define SETS_FLUSH (1u << 20) /* bytes gathered before a write */
#define SETS_DOC_MAX (16u << 20) /* BSON's own limit on a document */

struct file_sets {
	struct store_sets_writer base; /* first */
	struct file_store *fs;
	int lock, fd;
	char *tmp, *path;
	struct outbuf ob;         /* the bytes not written yet; ob.count: every document */
};

static int sets_flush(struct file_sets *w, struct berr *err)
{
	size_t off = 0;

	if (w->ob.failed)
		return oom(err);
	while (off < w->ob.len) {
		ssize_t n = write(w->fd, w->ob.p + off, w->ob.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", w->tmp,
					strerror(errno));
		off += (size_t)n;
	}
	w->ob.len = 0;
	return 0;
}

/* The file store's part of w (store.c frees the rest). */
static void sets_release(struct file_sets *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp);
	}
	w->fd = -1;
	unlock_coll(w->lock);
	w->lock = -1;
	free(w->ob.p);
	free(w->tmp);
	free(w->path);
	memset(&w->ob, 0, sizeof(w->ob));
	w->tmp = w->path = NULL;
}

static int sets_add(struct store_sets_writer *base, const char *host, const bson_t *const *docs,
		    size_t ndocs, struct berr *err)
{
	struct file_sets *w = (struct file_sets *)base;
	size_t i;

	for (i = 0; i < ndocs; i++) {
		ob_add_with_id(&w->ob, docs[i]);
		if (w->ob.len >= SETS_FLUSH && sets_flush(w, err) < 0)
			return -1;
	}
	return w->ob.failed ? oom(err) : 0;
}

/* The old file read a document at a time: at most one in memory. */
struct sets_reader {
	int fd;
	uint8_t *buf;
	size_t len, pos, cap;
};

/* n bytes at r->buf + r->pos: 0, or 1 at the end of the file (*got what
 * was left), or -1 (err). */
static int rd_need(struct sets_reader *r, size_t n, size_t *got, const char *path,
		   struct berr *err)
{
	if (r->len - r->pos >= n)
		return 0;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	if (n > r->cap) {
		uint8_t *nb = realloc(r->buf, n);

		if (!nb)
			return oom(err);
		r->buf = nb;
		r->cap = n;
	}
	while (r->len < n) {
		ssize_t got_now = read(r->fd, r->buf + r->len, r->cap - r->len);

		if (got_now < 0 && errno == EINTR)
			continue;
		if (got_now < 0)
			return berr_set(err, BERR_LOCAL, "store: cannot read %s: %s", path,
					strerror(errno));
		if (!got_now) {
			*got = r->len;
			return 1;
		}
		r->len += (size_t)got_now;
	}
	return 0;
}

/* b parses: every element's type and length, nested ones too (what
 * bson_validate checks but the UTF-8 of the strings, which a document
 * gets when it is made: this reads a file of 100,000 documents twice as
 * fast). */
static int doc_sound(const bson_t *b, int depth)
{
	bson_iter_t it;

	if (depth > 100 || !bson_iter_init(&it, b))
		return 0;
	while (bson_iter_next(&it)) {
		if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
			const uint8_t *data;
			uint32_t len;
			bson_t child;

			if (BSON_ITER_HOLDS_DOCUMENT(&it))
				bson_iter_document(&it, &len, &data);
			else
				bson_iter_array(&it, &len, &data);
			if (!bson_init_static(&child, data, len) || !doc_sound(&child, depth + 1))
				return 0;
		}
	}
	return it.err_off == 0;
}

/* b is a document of a host added. */
static int added(const struct file_sets *w, const bson_t *b)
{
	bson_iter_t it;

	return bson_iter_init_find(&it, b, "host") && BSON_ITER_HOLDS_UTF8(&it) &&
	       store_sets_added(&w->base, bson_iter_utf8(&it, NULL));
}

/* The old file's documents of hosts not added, after the new ones (the
 * collection locked). A
 * file that does not parse fails the commit (and is left as it is). */
static int sets_copy_old(struct file_sets *w, struct berr *err)
{
	struct sets_reader r = { .fd = -1 };
	struct coll_data cd = { .path = w->path };
	struct stat st;
	int64_t count = -1, n = 0;
	size_t off = 0, got = 0;
	char what[256];
	int ret = -1, rc;

	r.fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return errno == ENOENT ? 0 : berr_set(err, BERR_LOCAL, "store: cannot read %s: %s",
						      w->path, strerror(errno));
	if (fstat(r.fd, &st) < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot read %s: %s", w->path, strerror(errno));
		goto cleanup;
	}
	cd.len = (size_t)st.st_size;
	r.cap = SETS_FLUSH;
	if (!(r.buf = malloc(r.cap))) {
		oom(err);
		goto cleanup;
	}
	for (;; n++) {
		uint32_t dlen;
		bson_t b;

		if ((rc = rd_need(&r, 4, &got, w->path, err)) < 0)
			goto cleanup;
		if (rc == 1 && got == 0 && count >= 0)
			break; /* the end, between two documents */
		if (rc == 1) {
			corrupt(&cd, err, count < 0 ? "empty file, not even a header"
				: "stray bytes after the last document", off);
			goto cleanup;
		}
		dlen = le32(r.buf + r.pos);
		if (dlen < 5 || dlen > SETS_DOC_MAX || (rc = rd_need(&r, dlen, &got, w->path, err)) == 1) {
			snprintf(what, sizeof(what), "document %lld runs past the end of the file: truncated",
				 (long long)(count < 0 ? 0 : n - 1));
			corrupt(&cd, err, what, off);
			goto cleanup;
		}
		if (rc < 0)
			goto cleanup;
		/* every document sound, those dropped too: a file that does
		 * not parse is never written over */
		if (!bson_init_static(&b, r.buf + r.pos, dlen) || !doc_sound(&b, 0)) {
			snprintf(what, sizeof(what), "document %lld is not valid BSON",
				 (long long)(count < 0 ? 0 : n - 1));
			corrupt(&cd, err, what, off);
			goto cleanup;
		}
		if (count < 0) {
			if (check_header(&cd, w->base.c, &b, &count, err) < 0)
				goto cleanup;
		} else if (n > count) {
			corrupt(&cd, err, "more documents than the header says", off);
			goto cleanup;
		} else if (!added(w, &b)) {
			ob_add(&w->ob, r.buf + r.pos, dlen);
			if (w->ob.len >= SETS_FLUSH && sets_flush(w, err) < 0)
				goto cleanup;
		}
		r.pos += dlen;
		off += dlen;
	}
	if (n - 1 != count) {
		snprintf(what, sizeof(what), "%lld documents where the header says %lld: truncated",
			 (long long)(n - 1), (long long)count);
		corrupt(&cd, err, what, cd.len);
		goto cleanup;
	}
	ret = 0;
cleanup:
	close(r.fd);
	free(r.buf);
	return ret;
}

static int sets_commit(struct store_sets_writer *base, struct berr *err)
{
	struct file_sets *w = (struct file_sets *)base;
	int durable = !store_coll_is_cache(base->c), ret = -1;
	bson_t h;

	/* locked only now: the engines' answers came in without holding
	 * anyone up */
	if (lock_coll(w->fs, base->c, &w->lock, err) < 0 || sets_copy_old(w, err) < 0 ||
	    sets_flush(w, err) < 0)
		goto cleanup;
	/* the count, in the header's place (an int64: the same size) */
	header(base->c, w->ob.count, &h);
	if (pwrite(w->fd, bson_get_data(&h), h.len, 0) != (ssize_t)h.len) {
		bson_destroy(&h);
		berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", w->tmp, strerror(errno));
		goto cleanup;
	}
	bson_destroy(&h);
	if (durable && fsync(w->fd) < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot sync %s: %s", w->tmp, strerror(errno));
		goto cleanup;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		unlink(w->tmp);
		berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", w->tmp, strerror(errno));
		goto cleanup;
	}
	w->fd = -1;
	if (rename(w->tmp, w->path) < 0) {
		unlink(w->tmp);
		berr_set(err, BERR_LOCAL, "store: cannot replace %s: %s", w->path, strerror(errno));
		goto cleanup;
	}
	ret = durable ? fsync_dir(w->fs->dir, err) : 0;
cleanup:
	sets_release(w);
	return ret;
}

static void sets_abort(struct store_sets_writer *base)
{
	sets_release((struct file_sets *)base);
}

static const struct store_sets_ops file_sets_ops = {
	.add = sets_add,
	.commit = sets_commit,
	.abort = sets_abort,
};

static int file_sets_begin(struct store *s, enum store_coll c, struct store_sets_writer **out,
			   struct berr *err)
{
	struct file_store *fs = (struct file_store *)s;
	struct file_sets *w;

	if (fs->batch[c].active)
		return 1; /* the batch's copy takes each set as it comes */
	if (!(w = calloc(1, sizeof(*w))))
		return oom(err);
	w->base.ops = &file_sets_ops;
	w->base.s = s;
	w->base.c = c;
	w->fs = fs;
	w->fd = -1;
	w->lock = -1;
	/* a name of its own: the collection is not locked until commit */
	if (!(w->path = path_of(fs, c, ".bson")) || !(w->tmp = path_of(fs, c, ".bson.tmp-XXXXXX"))) {
		oom(err);
		goto fail;
	}
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		berr_set(err, BERR_LOCAL, "store: cannot write %s: %s", w->tmp, strerror(errno));
		goto fail;
	}
	ob_begin(&w->ob, c, SETS_FLUSH);
	if (w->ob.failed) {
		oom(err);
		goto fail;
	}
	*out = &w->base;
	return 0;
fail:
	sets_release(w);
	free(w);
	return -1;
}

static const struct store_ops file_ops = {
	.kind = "file",
	.insert = file_insert,
	.upsert = file_upsert,
	.remove = file_remove,
	.find = file_find,
	.count = file_count,
	.replace_host_set = file_replace_host_set,
	.replace_host_sets = file_replace_host_sets,
	.sets_begin = file_sets_begin,
	.modify = file_modify,
	.drop = file_drop,
	.batch_begin = file_batch_begin,
	.batch_end = file_batch_end,
	.free = file_free,
};

/* mkdir -p, private: the store says which containers run where. */
static int make_dirs(char *path, struct berr *err)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char save = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			berr_set(err, BERR_LOCAL, "store: cannot create %s: %s", path, strerror(errno));
			*p = save;
			return -1;
		}
		*p = save;
		if (!save)
			return 0;
	}
}

int store_file_open(const char *dir, struct store **out, struct berr *err)
{
	struct file_store *fs = NULL;
	struct stat st;
	int ret = -1;

	*out = NULL;
	if (!dir || !*dir)
		return berr_set(err, BERR_USAGE, "store: no directory given for the file store");
	fs = calloc(1, sizeof(*fs));
	if (!fs || !(fs->dir = strdup(dir)) || !(fs->base.where = strdup(dir))) {
		oom(err);
		goto cleanup;
	}
	fs->base.ops = &file_ops;
	if (make_dirs(fs->dir, err) < 0)
		goto cleanup;
	if (stat(fs->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		berr_set(err, BERR_LOCAL, "store: %s is not a directory", fs->dir);
		goto cleanup;
	}
	*out = &fs->base;
	fs = NULL;
	ret = 0;
cleanup:
	if (fs)
		file_free(&fs->base);
	return ret;
}
