/* distribute.c: images from host to host without a registry.
 *
 * One fan-out asks every host concerned (the targets, then --from or the
 * other active hosts) whether it has the image; the targets that lack it
 * are then fed from ONE export of a host that has it, all at once
 * (the backend's image_copy). A source that fails mid-way leaves its
 * targets to the next host that has the image, and the last resort is a
 * tarball in image_dir, streamed as it is (the engine unpacks gzip
 * itself); only its manifest.json is read here, through zlib, to find
 * which file holds the image.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "backends/backend.h"
#include "backends/fanout.h"
#include "backends/store/store_docs.h"
#include "backends/pool/cache.h"
#include "backends/pool/distribute.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/pool/fleet.h"
#include "backends/pool/settings.h"
#include "lib/fdsource.h"
#include "lib/xalloc.h"
#include "lib/text.h"

/* A manifest.json bigger than this is not docker save's. */
#define MANIFEST_MAX (16u << 20)
#define TAR_BLOCK 512

/* --- image references ---------------------------------------------------- */

/* The form docker save writes in RepoTags: "busybox" -> "busybox:latest",
 * "docker.io/library/busybox" -> "busybox:latest"; digests and IDs as
 * they are. Caller frees. */
static char *ref_normal(const char *ref)
{
	const char *slash, *colon;
	char *out;

	if (!strncmp(ref, "sha256:", 7) || strchr(ref, '@'))
		return xstrdup(ref);
	if (!strncmp(ref, "docker.io/", 10))
		ref += 10;
	if (!strncmp(ref, "library/", 8) && strchr(ref + 8, '/') == NULL)
		ref += 8;
	slash = strrchr(ref, '/');
	colon = strrchr(ref, ':');
	if (colon && (!slash || colon > slash))
		return xstrdup(ref);
	if (asprintf(&out, "%s:latest", ref) < 0)
		return NULL;
	return out;
}

static int ref_is_id(const char *normal)
{
	return !strncmp(normal, "sha256:", 7);
}

/* "reg:5000/app:1.2" -> "reg_5000_app_1.2": the file name an image's
 * tarball goes by in image_dir, before its extension. */
static char *ref_file_stem(const char *normal)
{
	char *s = xstrdup(normal), *p;

	for (p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == '@')
			*p = '_';
	return s;
}

/* A manifest entry (or an image load's answer) names the image. */
static int names_image(const char *normal, const char *tag)
{
	char *t;
	int same;

	if (!tag || !(t = ref_normal(tag)))
		return 0;
	same = !strcmp(t, normal);
	free(t);
	return same;
}

/* Config is "HEX.json" (docker save) or "blobs/sha256/HEX" (OCI layout). */
static int config_is_id(const char *config, const char *normal)
{
	const char *hex = normal + 7, *base;
	size_t n = strlen(hex);

	if (!config || n < 12)
		return 0;
	base = strrchr(config, '/');
	base = base ? base + 1 : config;
	return !strncmp(base, hex, n);
}

static int manifest_has(const json_t *manifest, const char *normal)
{
	const json_t *entry, *tag;
	size_t i, j;

	json_array_foreach(manifest, i, entry) {
		if (ref_is_id(normal)) {
			if (config_is_id(json_string_value(json_object_get(entry, "Config")), normal))
				return 1;
			continue;
		}
		json_array_foreach(json_object_get(entry, "RepoTags"), j, tag)
			if (names_image(normal, json_string_value(tag)))
				return 1;
	}
	return 0;
}

/* --- tarballs -------------------------------------------------------------- */

static uint64_t tar_octal(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (p[0] & 0x80) { /* GNU base-256 for sizes past 8 GiB */
		v = p[0] & 0x3f;
		for (i = 1; i < n; i++)
			v = v << 8 | p[i];
		return v;
	}
	for (i = 0; i < n && p[i] == ' '; i++)
		;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static int tar_header_ok(const unsigned char *h)
{
	uint64_t sum = 0, want = tar_octal(h + 148, 8);
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static int all_zero(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return 0;
	return 1;
}

/* Reads exactly n bytes; 0, or -1 with err. */
static int gz_full(gzFile gz, void *buf, size_t n, const char *path, struct berr *err)
{
	int got = gzread(gz, buf, (unsigned)n);
	int e;

	if (got == (int)n)
		return 0;
	if (got < 0) {
		const char *msg = gzerror(gz, &e);
		return berr_set(err, BERR_LOCAL, "cannot read %s: %s", path,
				e == Z_ERRNO ? strerror(errno) : msg);
	}
	return berr_set(err, BERR_LOCAL, "cannot read %s: it ends in the middle of the tarball", path);
}

/* A pax header's "path=" record, if any (the next entry's real name). */
static char *pax_path(const char *data, size_t len)
{
	size_t at = 0;

	while (at < len) {
		char *end;
		unsigned long rec = strtoul(data + at, &end, 10);
		const char *kv = end + 1, *stop = data + at + rec;

		if (!rec || end == data + at || *end != ' ' || at + rec > len)
			return NULL;
		if (stop - kv > 5 && !strncmp(kv, "path=", 5))
			return strndup(kv + 5, (size_t)(stop - kv - 5 - 1)); /* drop the '\n' */
		at += rec;
	}
	return NULL;
}

/* The tarball's manifest.json, parsed (docker save writes it last, so a
 * gzip file is read to its end; a plain one is seeked through). */
static json_t *tar_manifest(const char *path, struct berr *err)
{
	unsigned char h[TAR_BLOCK];
	char *longname = NULL, *data = NULL;
	json_t *manifest = NULL;
	gzFile gz;
	int e;

	if (!(gz = gzopen(path, "rb"))) {
		berr_set(err, BERR_LOCAL, "cannot open %s: %s", path,
			 errno ? strerror(errno) : "out of memory");
		return NULL;
	}
	gzbuffer(gz, 128u << 10);
	for (;;) {
		uint64_t size, padded;
		char name[256 + 2];
		char type;

		if (gz_full(gz, h, sizeof(h), path, err) < 0)
			goto cleanup;
		if (all_zero(h)) {
			berr_set(err, BERR_LOCAL, "%s holds no manifest.json: not written by docker save", path);
			goto cleanup;
		}
		if (!tar_header_ok(h)) {
			berr_set(err, BERR_LOCAL, "%s is not a tarball (or it is damaged)", path);
			goto cleanup;
		}
		size = tar_octal(h + 124, 12);
		padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		type = (char)h[156];
		if (longname) {
			snprintf(name, sizeof(name), "%s", longname);
			free(longname);
			longname = NULL;
		} else if (!memcmp(h + 257, "ustar", 5) && h[345]) {
			snprintf(name, sizeof(name), "%.155s/%.100s", (const char *)h + 345, (const char *)h);
		} else {
			snprintf(name, sizeof(name), "%.100s", (const char *)h);
		}
		if (type == 'L' || type == 'x' || (type != '5' && (!strcmp(name, "manifest.json") ||
								    !strcmp(name, "./manifest.json")))) {
			if (size > MANIFEST_MAX) {
				berr_set(err, BERR_LOCAL, "%s: %s is too big for docker save's", path, name);
				goto cleanup;
			}
			data = xrealloc(NULL, (size_t)padded + 1);
			if (gz_full(gz, data, (size_t)padded, path, err) < 0)
				goto cleanup;
			data[size] = '\0';
			if (type == 'L') {
				longname = strndup(data, (size_t)size);
			} else if (type == 'x') {
				longname = pax_path(data, (size_t)size);
			} else {
				json_error_t jerr;

				manifest = json_loadb(data, (size_t)size, 0, &jerr);
				if (!json_is_array(manifest)) {
					json_decref(manifest);
					manifest = NULL;
					berr_set(err, BERR_LOCAL, "%s: manifest.json is not docker save's (%s)",
						 path, jerr.text[0] ? jerr.text : "not an array");
				}
				goto cleanup;
			}
			free(data);
			data = NULL;
			continue;
		}
		if (padded && gzseek(gz, (z_off_t)padded, SEEK_CUR) < 0) {
			const char *msg = gzerror(gz, &e);
			berr_set(err, BERR_LOCAL, "cannot read %s: %s", path,
				 e == Z_ERRNO ? strerror(errno) : msg);
			goto cleanup;
		}
	}
cleanup:
	free(longname);
	free(data);
	gzclose(gz);
	return manifest;
}

static int tarball_holds(const char *path, const char *normal, struct berr *err)
{
	json_t *manifest = tar_manifest(path, err);
	int has;

	if (!manifest)
		return -1;
	has = manifest_has(manifest, normal);
	json_decref(manifest);
	return has;
}

static int is_tarball_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && !strcmp(name + n - 4, ".tar")) ||
	       (n > 7 && !strcmp(name + n - 7, ".tar.gz")) ||
	       (n > 4 && !strcmp(name + n - 4, ".tgz"));
}

static int is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * The tarball of image_dir that holds the image: first the one named
 * after it (busybox:latest -> busybox_latest.tar.gz, .tgz, .tar), then
 * any *.tar, *.tar.gz, *.tgz (in name order) whose manifest.json names
 * it. Returns the path (caller frees), or NULL with err: BERR_NOT_FOUND
 * when no file holds it (err then says which files could not be read).
 */
static char *image_dir_find(const char *dir, const char *normal, struct berr *err)
{
	static const char *const exts[] = { ".tar.gz", ".tgz", ".tar" };
	struct dirent **ents = NULL;
	struct berr ferr;
	char *stem = ref_file_stem(normal), *path = NULL, *found = NULL;
	char unreadable[1030] = "";
	size_t i;
	int n = 0, k;

	if (!ref_is_id(normal)) {
		for (i = 0; i < sizeof(exts) / sizeof(exts[0]) && !found; i++) {
			if (asprintf(&path, "%s/%s%s", dir, stem, exts[i]) < 0) {
				path = NULL;
				break;
			}
			if (is_regular(path)) {
				found = path;
				path = NULL;
			}
			free(path);
			path = NULL;
		}
	}
	if (found)
		goto cleanup;
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		berr_set(err, BERR_LOCAL, "image_dir %s cannot be read: %s", dir, strerror(errno));
		goto cleanup;
	}
	for (k = 0; k < n && !found; k++) {
		const char *name = ents[k]->d_name;

		if (name[0] == '.' || !is_tarball_name(name))
			continue;
		if (asprintf(&path, "%s/%s", dir, name) < 0) {
			path = NULL;
			break;
		}
		berr_clear(&ferr);
		if (is_regular(path)) {
			int has = tarball_holds(path, normal, &ferr);

			if (has > 0) {
				found = path;
				path = NULL;
			} else if (has < 0 && !unreadable[0]) {
				snprintf(unreadable, sizeof(unreadable), "; %s", ferr.msg);
			}
		}
		free(path);
		path = NULL;
	}
	if (!found)
		berr_set(err, BERR_NOT_FOUND, "not in image_dir (%s)%s", dir, unreadable);
cleanup:
	for (k = 0; ents && k < n; k++)
		free(ents[k]);
	free(ents);
	free(stem);
	return found;
}

/* --- hosts -------------------------------------------------------------- */

/* One host asked whether it has the image. */
struct probe {
	const char *name;   /* borrowed */
	struct backend *b;  /* borrowed */
	int target;         /* index in targets, -1 for a source candidate only */
	int has;            /* 1 has it, 0 lacks it, -1 did not answer (err) */
	struct berr err;
};

/* GET /images/IMAGE/json on every probe at once. */
static void probe_all(struct fleet *fl, const char *image, struct probe *p, size_t n)
{
	struct fanout_job *jobs;
	size_t i;

	jobs = xrealloc(NULL, (n ? n : 1) * sizeof(*jobs));
	memset(jobs, 0, (n ? n : 1) * sizeof(*jobs));
	for (i = 0; i < n; i++)
		jobs[i].b = p[i].b;
	fanout_image_inspect(jobs, n, image, NULL);
	for (i = 0; i < n; i++) {
		if (jobs[i].status == 0) {
			p[i].has = 1;
		} else if (jobs[i].err.kind == BERR_NOT_FOUND) {
			p[i].has = 0;
		} else {
			p[i].has = -1;
			p[i].err = jobs[i].err;
		}
		pool_record(fl, p[i].name, jobs[i].status == 0 ? NULL : &jobs[i].err);
	}
	fanout_jobs_release(jobs, n);
	free(jobs);
}

int distribute_targets(struct fleet *fl, const char *const *names, size_t n,
		       struct pool_targets *out, struct berr *err)
{
	struct host_list l;
	struct host_ref ref;
	struct berr why;
	size_t i, j;
	int rc, dup;

	memset(out, 0, sizeof(*out));
	out->explicit_hosts = n > 0;
	for (i = 0; i < n; i++) {
		for (j = 0, dup = 0; j < out->n && !dup; j++)
			dup = !strcmp(out->v[j].name, names[i]);
		if (dup)
			continue;
		berr_clear(&why);
		rc = hosts_find(fl, names[i], HOSTS_WITH_DOC, &ref, &why);
		if (rc <= 0) {
			fleet_unknown_host(fl, names[i], rc < 0 ? &why : NULL, err);
			pool_targets_release(out);
			return -1;
		}
		pool_targets_push(fl, out, &ref);
	}
	if (n)
		return 0;
	hosts_list(fl, HOSTS_WITH_DOC, &l);
	for (i = 0; i < l.n; i++) {
		if (strcmp(pool_host_state(l.v[i].doc), "active"))
			continue;
		pool_targets_push(fl, out, &l.v[i]);
		memset(&l.v[i], 0, sizeof(l.v[i])); /* taken over */
	}
	host_list_release(&l);
	return 0;
}

/* --- copying -------------------------------------------------------------- */

/* The image load's answer names the image (a tarball found by its file
 * name may hold another one). */
static int loaded_image(const json_t *loaded, const char *normal)
{
	const json_t *s;
	size_t i;

	if (ref_is_id(normal))
		return 1; /* found by its manifest's Config: it is that image */
	json_array_foreach(loaded, i, s)
		if (names_image(normal, json_string_value(s)))
			return 1;
	return 0;
}

/*
 * One source (an engine, or the tarball path when src is NULL) into the
 * targets still waiting (out[i].status == -1 and want[i]). Copied ones get
 * status 0; those that failed on their own side keep -1 with their error
 * and leave want; those the source failed stay wanted for the next
 * source, with its error. Returns -1 when Ctrl-C ended it.
 */
static int copy_from(struct fleet *fl, struct backend *src, const char *src_name,
		     const char *path, const char *image, const char *normal,
		     const struct pool_host *targets, size_t n, struct distribute_outcome *out,
		     int *want)
{
	struct image_copy_target *ct = xrealloc(NULL, (n ? n : 1) * sizeof(*ct));
	struct fd_source fs = FD_SOURCE_INIT(-1);
	size_t *idx = xrealloc(NULL, (n ? n : 1) * sizeof(*idx));
	size_t i, m = 0;
	struct berr err;
	int ret = 0, src_failed = 0, any_ok = 0;

	for (i = 0; i < n; i++) {
		if (!want[i])
			continue;
		memset(&ct[m], 0, sizeof(ct[m]));
		ct[m].b = targets[i].b;
		idx[m++] = i;
	}
	if (!m)
		goto cleanup;
	if (path) {
		fs.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fs.fd < 0) {
			berr_set(&err, BERR_LOCAL, "cannot open %s: %s", path, strerror(errno));
			for (i = 0; i < m; i++)
				out[idx[i]].err = err;
			goto cleanup;
		}
	}
	berr_clear(&err);
	backend_image_copy(src, path ? NULL : image, path ? fd_source_read : NULL, &fs, ct, m, &err);
	for (i = 0; i < m; i++) {
		struct distribute_outcome *o = &out[idx[i]];

		o->bytes = ct[i].bytes;
		if (ct[i].status == 0 && path && !loaded_image(ct[i].loaded, normal)) {
			const char *first = json_string_value(json_array_get(ct[i].loaded, 0));

			ct[i].status = -1;
			berr_set(&ct[i].err, BERR_LOCAL, "%s: %s did not hold %s (it loaded %s)",
				 targets[idx[i]].name, path, image, first ? first : "nothing");
		}
		if (ct[i].status == 0) {
			o->status = 0;
			free(o->source);
			o->source = xstrdup(src_name);
			berr_clear(&o->err);
			want[idx[i]] = 0;
			any_ok = 1;
			pool_record(fl, o->host, NULL);
			cache_put_images(fl, targets[idx[i]].b);
			continue;
		}
		o->err = ct[i].err;
		if (ct[i].by_source) {
			if (fs.err && !berth_interrupted)
				berr_set(&o->err, BERR_LOCAL, "cannot read %s: %s", path, strerror(fs.err));
			src_failed = 1;
			if (ct[i].err.kind == BERR_INTERRUPTED)
				ret = -1;
			continue;
		}
		want[idx[i]] = 0; /* its own engine failed: no other source helps */
		pool_record(fl, o->host, &ct[i].err);
	}
	if (src) {
		if (src_failed)
			pool_record(fl, src_name, &err);
		else if (any_ok)
			pool_record(fl, src_name, NULL);
	}
cleanup:
	if (fs.fd >= 0)
		close(fs.fd);
	image_copy_targets_release(ct, m);
	free(ct);
	free(idx);
	return berth_interrupted ? -1 : ret;
}

size_t distribute_image(struct fleet *fl, const char *image, const char *from_host,
			const struct pool_host *targets, size_t n, struct distribute_outcome *out)
{
	struct probe *p = xrealloc(NULL, (n + 1) * sizeof(*p));
	struct pool_targets pool = { 0 };
	size_t np = 0, i, failed = 0;
	int *want = xrealloc(NULL, (n ? n : 1) * sizeof(*want));
	char *normal = ref_normal(image);
	struct berr last, unanswered;
	int any_source = 0, lacking = 0;

	berr_clear(&last);
	berr_clear(&unanswered);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].host = xstrdup(targets[i].name);
		out[i].status = -1;
		want[i] = 0;
		if (!targets[i].b) {
			out[i].err = targets[i].err;
			if (!out[i].err.msg[0])
				berr_set(&out[i].err, BERR_LOCAL, "%s: no engine client", targets[i].name);
			continue;
		}
		memset(&p[np], 0, sizeof(p[np]));
		p[np].name = targets[i].name;
		p[np].b = targets[i].b;
		p[np].target = (int)i;
		np++;
	}
	if (!normal) {
		for (i = 0; i < n; i++)
			berr_set(&out[i].err, BERR_LOCAL, "out of memory");
		goto cleanup;
	}
	if (from_host) {
		int is_target = 0;

		for (i = 0; i < n; i++)
			is_target |= !strcmp(targets[i].name, from_host);
		if (!is_target) {
			struct backend *b = fleet_backend_for(fl, from_host, &last);

			if (!b) {
				berr_set(&last, BERR_USAGE, "cannot reach %s (--from)", from_host);
				for (i = 0; i < n; i++)
					if (targets[i].b)
						out[i].err = last;
				goto cleanup;
			}
			memset(&p[np], 0, sizeof(p[np]));
			p[np].name = from_host;
			p[np].b = b;
			p[np].target = -1;
			np++;
		}
	} else {
		/* The other active hosts: sources, never targets. */
		distribute_targets(fl, NULL, 0, &pool, &last); /* the pool: no error */
		p = xrealloc(p, (np + pool.n + 1) * sizeof(*p));
		for (i = 0; i < pool.n; i++) {
			size_t k;
			int dup = 0;

			for (k = 0; k < n && !dup; k++)
				dup = !strcmp(targets[k].name, pool.v[i].name);
			if (dup || !pool.v[i].b)
				continue;
			memset(&p[np], 0, sizeof(p[np]));
			p[np].name = pool.v[i].name;
			p[np].b = pool.v[i].b;
			p[np].target = -1;
			np++;
		}
	}
	probe_all(fl, image, p, np);

	for (i = 0; i < np; i++) {
		struct probe *q = &p[i];

		if (q->has < 0 && !unanswered.msg[0])
			unanswered = q->err;
		if (q->target < 0)
			continue;
		if (q->has == 1) {
			out[q->target].status = 1;
		} else if (q->has < 0) {
			out[q->target].err = q->err;
		} else {
			want[q->target] = 1;
			lacking = 1;
		}
	}
	if (!lacking)
		goto cleanup;

	/* The engines that have it, --from's alone when given. */
	for (i = 0; i < np && lacking; i++) {
		struct probe *q = &p[i];
		size_t k;

		if (from_host && strcmp(q->name, from_host))
			continue;
		if (q->has != 1) {
			if (from_host) {
				if (q->has < 0)
					last = q->err;
				else
					berr_set(&last, BERR_NOT_FOUND, "image %s is not on %s (--from)",
						 image, from_host);
			}
			continue;
		}
		any_source = 1;
		if (copy_from(fl, q->b, q->name, NULL, image, normal, targets, n, out, want) < 0)
			goto cleanup;
		lacking = 0;
		for (k = 0; k < n; k++)
			if (want[k]) {
				lacking = 1;
				last = out[k].err;
			}
	}

	if (lacking && !from_host) {
		char *path = NULL;
		struct berr derr;

		berr_clear(&derr);
		if (fl->settings->image_dir)
			path = image_dir_find(fl->settings->image_dir, normal, &derr);
		if (path) {
			copy_from(fl, NULL, path, path, image, normal, targets, n, out, want);
			free(path);
			goto cleanup;
		}
		/* With engines that had it and failed, theirs is the error to show. */
		if (!any_source && fl->settings->image_dir)
			berr_set(&last, BERR_NOT_FOUND, "image %s is on no host of the pool%s and %s%s%s",
				 image, unanswered.msg[0] ? " that answered" : "", derr.msg,
				 unanswered.msg[0] ? "; " : "", unanswered.msg);
		else if (!any_source)
			berr_set(&last, BERR_NOT_FOUND, "image %s is on no host of the pool%s "
				 "(and no image_dir is configured)%s%s", image,
				 unanswered.msg[0] ? " that answered" : "",
				 unanswered.msg[0] ? "; " : "", unanswered.msg);
	}
	for (i = 0; i < n; i++)
		if (want[i])
			out[i].err = last;
cleanup:
	for (i = 0; i < n; i++) {
		if (out[i].status < 0) {
			failed++;
			if (!out[i].err.msg[0])
				berr_set(&out[i].err, BERR_LOCAL, "%s: not copied", out[i].host);
		}
	}
	pool_targets_release(&pool);
	free(p);
	free(want);
	free(normal);
	return failed;
}

void distribute_outcomes_release(struct distribute_outcome *out, size_t n)
{
	size_t i;

	for (i = 0; out && i < n; i++) {
		free(out[i].host);
		free(out[i].source);
		out[i].host = out[i].source = NULL;
	}
}
