/* image.c: the image commands. */
#include "config.h"

#include "commands/commands.h"
#include "commands/tarball.h"
#include "commands/inspect.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "backends/pool/cache.h"
#include "backends/pool/pool.h"
#include "backends/pool/listing.h"
#include "backends/pool/resolve.h"
#include "backends/backend.h"
#include "lib/fdsource.h"
#include "lib/jsonval.h"
#include "lib/strbuf.h"
#include "lib/timefmt.h"
#include "lib/text.h"

static int exec_list(struct shell *sh, struct args *a);
static int exec_inspect(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);
static int exec_load(struct shell *sh, struct args *a);
static int exec_save(struct shell *sh, struct args *a);
static int exec_pull(struct shell *sh, struct args *a);

static const struct opt_spec list_opts[] = {
	{ .short_name = 'a', .long_name = "all", .type = OPT_FLAG,
	  .help = "include intermediate images" },
	{ .long_name = "cached", .type = OPT_FLAG,
	  .help = "answer from the store without asking any engine" },
	OPT_END
};

static const struct opt_spec delete_opts[] = {
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "delete even if tagged in several repositories or used by stopped containers" },
	OPT_END
};

const struct cmd_entry cmd_image_list_entry = {
	.noun = "image",
	.verb = "list",
	.alias = "ls",
	.options = list_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list images",
	.flags = CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE,
	.exec = exec_list,
};
const struct cmd_entry cmd_image_inspect_entry = {
	.noun = "image",
	.verb = "inspect",
	.args_min = 1,
	.args_max = -1,
	.usage = "IMAGE...",
	.summary = "show the details of images",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_inspect,
};
const struct cmd_entry cmd_image_delete_entry = {
	.noun = "image",
	.verb = "delete",
	.alias = "rm",
	.options = delete_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "IMAGE...",
	.summary = "delete images",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_delete,
};
const struct cmd_entry cmd_image_load_entry = {
	.noun = "image",
	.verb = "load",
	.args_min = 1,
	.args_max = 1,
	.usage = "FILE",
	.summary = "load images from a tarball written by docker save (plain or gzip; - for stdin)",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_FILE,
	.exec = exec_load,
};
const struct cmd_entry cmd_image_save_entry = {
	.noun = "image",
	.verb = "save",
	.args_min = 2,
	.args_max = 2,
	.usage = "IMAGE FILE",
	.summary = "save an image to a tarball (- for stdout when it is not a terminal)",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_save,
};
const struct cmd_entry cmd_image_pull_entry = {
	.noun = "image",
	.verb = "pull",
	.args_min = 1,
	.args_max = 1,
	.usage = "IMAGE",
	.summary = "pull an image from its registry",
	.flags = CMD_F_ENGINE,
	.exec = exec_pull,
};

/* --- exec bodies ------------------------------------------------------- */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The engine's message, which for some calls does not say which image it
 * is about ("reference does not exist" for a tag that is not there): then
 * the ref is added, so that a run over several names says which failed. */
static int image_error(struct shell *sh, const struct berr *err, const char *ref)
{
	if (strstr(err->msg, ref) || err->kind == BERR_CONNECT || err->kind == BERR_TIMEOUT ||
	    err->kind == BERR_TLS || err->kind == BERR_INTERRUPTED)
		return error(sh, "%s", err->msg);
	return error(sh, "%s: %s", err->msg, CUT(ref));
}

/* --- list --------------------------------------------------------------- */

/* "reg:5000/app:1.2" -> "reg:5000/app" and "1.2": the tag follows the
 * last ':' after the last '/'. */
static void split_repo_tag(const char *rt, char *repo, size_t rlen, const char **tag)
{
	const char *slash = strrchr(rt, '/'), *colon = strrchr(rt, ':');
	size_t n;

	if (colon && (!slash || colon > slash)) {
		n = (size_t)(colon - rt);
		*tag = colon + 1;
	} else {
		n = strlen(rt);
		*tag = "<none>";
	}
	if (n >= rlen)
		n = rlen - 1;
	memcpy(repo, rt, n);
	repo[n] = '\0';
}

static int print_list_json(struct shell *sh, struct listing_host *hi, size_t n, int multi)
{
	json_t *all = json_array(), *img;
	size_t h, i;
	int ret;

	if (!all)
		return error(sh, "out of memory");
	for (h = 0; h < n; h++) {
		json_array_foreach(hi[h].rows, i, img) {
			if (!json_is_object(img))
				continue;
			json_object_set_new(img, "Host", json_string(hi[h].name));
			json_array_append(all, img);
		}
	}
	/* of several hosts, those that did not answer, so that a script sees
	 * what is missing; one host's stale rows are its answer, as ever */
	for (h = 0; h < n; h++)
		if (hi[h].src == LISTING_FAILED || (multi && hi[h].src == LISTING_STALE))
			json_array_append_new(all, json_pack("{s:s, s:s}", "Host", hi[h].name,
							     "Error", hi[h].err.msg));
	ret = output_result(sh, output_json(sh, all));
	json_decref(all);
	return ret;
}

/* -q: one line per image and host, however many tags it has (docker -q). */
static int print_list_ids(struct shell *sh, struct listing_host *hi, size_t n)
{
	json_t *img, *list;
	size_t h, i, j;

	for (h = 0; h < n; h++) {
		list = hi[h].rows;
		json_array_foreach(list, i, img) {
			char id[16], prev[16];
			int seen = 0;
			fmt_short_id(id, sizeof(id), jstr(img, "Id"));
			for (j = 0; j < i && !seen; j++)
				seen = !strcmp(fmt_short_id(prev, sizeof(prev),
							    jstr(json_array_get(list, j), "Id")), id);
			if (!seen && out_printf(sh, "%s\n", id) < 0)
				return output_result(sh, -1);
		}
	}
	return CMD_OK;
}

/* The table, with a HOST column first when several hosts were asked (one
 * host: docker's columns, as ever). */
static int print_list(struct shell *sh, struct args *a, struct listing_host *hi, size_t n,
		      int multi, int cached)
{
	const char *headers[8];
	struct table t;
	json_t *img;
	size_t h, i, j, k = 0, base;
	time_t now = time(NULL);
	int ret;

	if (args_has(a, "json"))
		return print_list_json(sh, hi, n, multi);
	if (args_has(a, "quiet"))
		return print_list_ids(sh, hi, n);

	if (multi)
		headers[k++] = "HOST";
	base = k;
	headers[k++] = "REPOSITORY";
	headers[k++] = "TAG";
	headers[k++] = "IMAGE ID";
	headers[k++] = "CREATED";
	headers[k++] = "SIZE";
	if (cached)
		headers[k++] = "LAST SEEN";
	headers[k] = NULL;
	table_initv(&t, headers);
	for (h = 0; h < n; h++) {
		json_array_foreach(hi[h].rows, i, img) {
			json_t *tags = json_object_get(img, "RepoTags");
			json_t *digests = json_object_get(img, "RepoDigests");
			char id[16], created[64], size[32], repo[512], seen[64];
			const char *tag;
			const char *cells[8];
			size_t ntags = 0;

			fmt_short_id(id, sizeof(id), jstr(img, "Id"));
			fmt_ago(created, sizeof(created),
				(time_t)json_integer_value(json_object_get(img, "Created")), now);
			fmt_size(size, sizeof(size), (int64_t)json_integer_value(json_object_get(img, "Size")));
			/* a stale row says so where a glance at the table goes: the
			 * size column, images having no status */
			if (hi[h].src == LISTING_STALE) {
				size_t len = strlen(size);
				snprintf(size + len, sizeof(size) - len, " (stale)");
			}
			if (multi)
				cells[0] = hi[h].name;
			cells[base + 2] = id;
			cells[base + 3] = created;
			cells[base + 4] = size;
			if (cached)
				cells[base + 5] = cache_row_seen(img)
					? fmt_ago(seen, sizeof(seen), cache_row_seen(img), now) : "";
			for (j = 0; j < json_array_size(tags); j++) {
				const char *rt = json_string_value(json_array_get(tags, j));
				if (!rt || !strcmp(rt, "<none>:<none>"))
					continue;
				split_repo_tag(rt, repo, sizeof(repo), &tag);
				cells[base] = repo;
				cells[base + 1] = tag;
				table_add_rowv(&t, cells);
				ntags++;
			}
			if (ntags)
				continue;
			/* Untagged: the repository from a digest if there is one. */
			tag = json_string_value(json_array_get(digests, 0));
			if (tag && strchr(tag, '@') && strncmp(tag, "<none>@", 7)) {
				size_t len = (size_t)(strchr(tag, '@') - tag);
				if (len >= sizeof(repo))
					len = sizeof(repo) - 1;
				memcpy(repo, tag, len);
				repo[len] = '\0';
				cells[base] = repo;
			} else {
				cells[base] = "<none>";
			}
			cells[base + 1] = "<none>";
			table_add_rowv(&t, cells);
		}
	}
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
	return ret;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct listing_result res;
	struct pool_want want;
	struct berr err;
	int ret, cached = args_has(a, "cached");

	/* --cached: the cache holds what the last listing showed; whether
	 * that was an --all one, it cannot tell, so all of it is shown */
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (listing_gather(&sh->fleet, &want, LISTING_IMAGES, NULL, NULL, args_has(a, "all"),
			   cached, &res, &err) != 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	ret = print_list(sh, a, res.v, res.n, res.multi, cached);
	if (ret == CMD_OK && !res.answered)
		ret = CMD_ERROR;
	/* After printing, as for containers; with or without --all this is
	 * the host's whole set of images as far as the listing goes. */
	listing_record(&sh->fleet, &res, 1);
cleanup:
	listing_result_release(&res);
	return ret;
}

/* --- inspect ------------------------------------------------------------ */

static char *labels_lines(const json_t *labels)
{
	struct strbuf out = STRBUF_INIT;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)labels, k, v) {
		const char *s = json_string_value(v);
		strbuf_addf(&out, "%s%s=%s", out.len ? "\n" : "", k, s ? s : "");
	}
	return strbuf_detach(&out);
}

static int print_image_summary(struct shell *sh, const json_t *img)
{
	const json_t *cfg = json_object_get(img, "Config");
	struct table kv;
	char *tags = NULL, *cmd = NULL, *entry = NULL, *env = NULL, *labels = NULL;
	char size[32], platform[128], created[160], ago[64];
	const char *c = jstr(img, "Created");
	time_t t;
	int ret;

	table_init(&kv, "KEY", "VALUE", NULL);
	tags = json_join(json_object_get(img, "RepoTags"), "\n");
	cmd = json_join(json_object_get(cfg, "Cmd"), " ");
	entry = json_join(json_object_get(cfg, "Entrypoint"), " ");
	env = json_join(json_object_get(cfg, "Env"), "\n");
	labels = labels_lines(json_object_get(cfg, "Labels"));
	fmt_size(size, sizeof(size), (int64_t)json_integer_value(json_object_get(img, "Size")));
	snprintf(platform, sizeof(platform), "%s/%s", jstr(img, "Os"), jstr(img, "Architecture"));
	if (parse_rfc3339(c, &t) == 0)
		snprintf(created, sizeof(created), "%.19s (%s)", c,
			 fmt_ago(ago, sizeof(ago), t, time(NULL)));
	else
		snprintf(created, sizeof(created), "%s", c);

	table_add_row(&kv, "ID", jstr(img, "Id"));
	table_add_row(&kv, "Tags", tags);
	table_add_row(&kv, "Created", created);
	table_add_row(&kv, "Size", size);
	table_add_row(&kv, "Platform", platform);
	table_add_row(&kv, "Entrypoint", entry);
	table_add_row(&kv, "Command", cmd);
	table_add_row(&kv, "Env", env);
	table_add_row(&kv, "Labels", labels);
	ret = kv_print(sh, &kv);
	table_release(&kv);
	free(tags);
	free(cmd);
	free(entry);
	free(env);
	free(labels);
	return ret;
}

static int image_fetch(struct backend *b, const char *ref, json_t **obj, struct berr *err)
{
	return b->ops->image_inspect(b, ref, obj, err);
}

static int exec_inspect(struct shell *sh, struct args *a)
{
	return inspect_each(sh, a, RESOLVE_IMAGE, image_fetch, image_error, print_image_summary);
}

/* --- delete ------------------------------------------------------------- */

struct image_delete_run {
	int force, json;
	json_t *all;               /* --json: the engine's answers */
	struct backend **changed;  /* the hosts an image left, each once */
	size_t nchanged;
};

static int delete_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	struct image_delete_run *run = ud;
	struct berr err;
	json_t *res_list = NULL, *item;
	size_t j;

	berr_clear(&err);
	if (b->ops->image_delete(b, ref, run->force, &res_list, &err) < 0) {
		image_error(sh, &err, ref);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	json_array_foreach(res_list, j, item) {
		const char *u = json_string_value(json_object_get(item, "Untagged"));
		const char *d = json_string_value(json_object_get(item, "Deleted"));
		if (run->json)
			json_array_append(run->all, item);
		else if (u)
			out_printf(sh, "Untagged: %s\n", u);
		else if (d)
			out_printf(sh, "Deleted: %s\n", d);
	}
	json_decref(res_list);
	for (j = 0; j < run->nchanged && run->changed[j] != b; j++)
		;
	if (j == run->nchanged)
		run->changed[run->nchanged++] = b;
	return REF_DONE;
}

static int exec_delete(struct shell *sh, struct args *a)
{
	struct image_delete_run run = { args_has(a, "force"), args_has(a, "json"), NULL, NULL, 0 };
	size_t j;
	int failed = 0, ret;

	if (!(run.all = json_array()) || !(run.changed = calloc((size_t)a->argc, sizeof(*run.changed)))) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	/* each on the host that has it; on several, --host says which */
	if ((ret = for_each_ref(sh, a, RESOLVE_IMAGE, delete_one, &run, &failed)) != CMD_OK)
		goto cleanup;
	if (run.json)
		ret = output_result(sh, output_json(sh, run.all));
	/* Untagging changes an image's tags and deleting one may delete its
	 * untagged parents: a fresh listing records all of that. */
	for (j = 0; j < run.nchanged; j++)
		if (cache_put_images(&sh->fleet, run.changed[j]) < 0)
			break;
cleanup:
	json_decref(run.all);
	free(run.changed);
	if (ret != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}

/* --- load --------------------------------------------------------------- */

static int exec_load(struct shell *sh, struct args *a)
{
	const char *file = a->argv[0];
	/* the tarball goes to the backend a buffer at a time: images are
	 * large, and reading one whole into memory is what this avoids */
	struct fd_source src = FD_SOURCE_INIT(-1);
	struct backend *b;
	struct berr err;
	json_t *loaded = NULL, *name;
	size_t i;
	int ret = CMD_ERROR;

	if ((ret = tarball_open(sh, a, file, &src)) != CMD_OK)
		return ret;
	ret = CMD_ERROR;
	if (!(b = cmd_backend(sh, a)))
		goto cleanup;
	berr_clear(&err);
	if (b->ops->image_load(b, fd_source_read, &src, &loaded, &err) < 0) {
		ret = tarball_failed(sh, file, &src, &err);
		goto cleanup;
	}
	cache_put_images(&sh->fleet, b);
	if (args_has(a, "json")) {
		ret = output_result(sh, output_json(sh, loaded));
		goto cleanup;
	}
	ret = CMD_OK;
	json_array_foreach(loaded, i, name) {
		const char *s = json_string_value(name);
		if (!s)
			continue;
		if (out_printf(sh, "%s: %s\n", strncmp(s, "sha256:", 7) ? "Loaded image" : "Loaded image ID",
			       s) < 0) {
			ret = output_result(sh, -1);
			break;
		}
	}
cleanup:
	json_decref(loaded);
	tarball_close(&src);
	return ret;
}

/* --- the tarball of load and import (commands/tarball.h) ---------------- */

int tarball_open(struct shell *sh, const struct args *a, const char *file,
		 struct fd_source *src)
{
	struct stat st;

	if (!strcmp(file, "-")) {
		if (sh->in_tty)
			return usage_error(sh, "%s %s -: standard input is a terminal: "
					   "pipe a tarball in or name a FILE", a->entry->noun, a->entry->verb);
		if (sh->mode == SHELL_BATCH && sh->source && !strcmp(sh->source, "-"))
			return usage_error(sh, "%s %s -: standard input holds this script: name a FILE",
					   a->entry->noun, a->entry->verb);
		src->fd = STDIN_FILENO;
		return CMD_OK;
	}
	if ((src->fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return error(sh, "cannot open %s: %s", file, strerror(errno));
	if (fstat(src->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		tarball_close(src);
		return error(sh, "cannot open %s: %s", file, strerror(EISDIR));
	}
	return CMD_OK;
}

int tarball_failed(struct shell *sh, const char *file, const struct fd_source *src,
		   const struct berr *err)
{
	if (src->err && !berth_interrupted)
		return error(sh, "cannot read %s: %s", strcmp(file, "-") ? file : "standard input",
			     strerror(src->err));
	return error(sh, "%s", err->msg);
}

void tarball_close(struct fd_source *src)
{
	if (src->fd > STDIN_FILENO)
		close(src->fd);
	src->fd = -1;
}

/* --- save --------------------------------------------------------------- */

struct file_sink {
	struct shell *sh;
	int fd;  /* -1: standard output through out_write() */
	int err; /* errno of a failed write */
};

/* Standard output, possibly a file ("> x.tar") on a full disk: glibc's
 * fwrite() can count a failed write as done, so the error flag decides.
 * A reader that went away (EPIPE) is no error; anything else is. */
static int stdout_failed(struct file_sink *s, int rc)
{
	int e = errno;

	if (rc >= 0 && !ferror(stdout))
		return 0;
	if (!s->sh->out_closed && e && e != EPIPE)
		s->err = e;
	s->sh->out_closed = 1;
	return 1;
}

static int write_sink(void *ud, const char *buf, size_t len)
{
	struct file_sink *s = ud;

	if (s->fd < 0) {
		errno = 0;
		return stdout_failed(s, out_write(s->sh, buf, len)) ? -1 : 0;
	}
	while (len > 0) {
		ssize_t n = write(s->fd, buf, len);
		if (n < 0) {
			if (errno == EINTR && !berth_interrupted)
				continue;
			s->err = errno;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int exec_save(struct shell *sh, struct args *a)
{
	const char *image = a->argv[0], *file = a->argv[1];
	const char *refs[1];
	struct file_sink sink = { sh, -1, 0 };
	struct backend *b;
	struct berr err;
	char *tmp = NULL;
	int ret = CMD_ERROR;

	refs[0] = image;
	if (!strcmp(file, "-") && sh->out_tty)
		return usage_error(sh, "image save: refusing to write a tarball to a terminal: "
				   "name a FILE or redirect standard output");
	if (!(b = cmd_backend(sh, a)))
		return CMD_ERROR;
	if (strcmp(file, "-")) {
		/* Written beside FILE and renamed into place, so that FILE is
		 * either the old one or a whole new tarball, never half. */
		if (asprintf(&tmp, "%s.tmp-%ld", file, (long)getpid()) < 0) {
			tmp = NULL;
			return error(sh, "out of memory");
		}
		sink.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (sink.fd < 0 && errno == EEXIST)
			ret = error(sh, "cannot write %s: %s is in the way (left by an earlier "
				    "run?): remove it", file, tmp);
		else if (sink.fd < 0)
			ret = error(sh, "cannot write %s: %s", file, strerror(errno));
		if (sink.fd < 0) {
			free(tmp);
			return ret;
		}
	}
	berr_clear(&err);
	errno = 0;
	if (b->ops->image_save(b, refs, 1, write_sink, &sink, &err) < 0 ||
	    (sink.fd < 0 && stdout_failed(&sink, fflush(stdout) == EOF ? -1 : 0))) {
		if (sink.err && !berth_interrupted)
			ret = error(sh, "cannot write %s: %s", strcmp(file, "-") ? file : "standard output",
				    strerror(sink.err));
		else if (sink.fd < 0 && sh->out_closed)
			ret = CMD_ERROR; /* the reader went away: quietly */
		else
			ret = image_error(sh, &err, image);
		goto cleanup;
	}
	if (sink.fd >= 0) {
		int fd = sink.fd;
		sink.fd = -1;
		if (fsync(fd) < 0 || close(fd) < 0) {
			ret = error(sh, "cannot write %s: %s", file, strerror(errno));
			goto cleanup;
		}
		if (rename(tmp, file) < 0) {
			ret = error(sh, "cannot write %s: %s", file, strerror(errno));
			goto cleanup;
		}
		free(tmp);
		tmp = NULL;
	}
	ret = CMD_OK;
cleanup:
	if (sink.fd >= 0)
		close(sink.fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return ret;
}

/* --- pull --------------------------------------------------------------- */

static int exec_pull(struct shell *sh, struct args *a)
{
	struct backend *b = cmd_backend(sh, a);
	struct berr err;

	if (!b)
		return CMD_ERROR;
	/* The backend reports no progress; on a terminal at least say what
	 * is going on, since a pull can take minutes. */
	if (sh->out_tty && sh->mode == SHELL_INTERACTIVE)
		fprintf(stderr, "pulling %s ...\n", a->argv[0]);
	berr_clear(&err);
	if (b->ops->image_pull(b, a->argv[0], &err) < 0)
		return error(sh, "%s", err.msg); /* names the registry it could not reach */
	cache_put_images(&sh->fleet, b);
	return output_result(sh, out_printf(sh, "%s\n", a->argv[0]));
}

/* --- distribute ------------------------------------------------------- */

#include <ctype.h>
#include "backends/pool/distribute.h"
#include "backends/pool/hosts.h"

/* "5.2MB" -> "5.2 MB" */
static char *size_words(char *buf, size_t len, int64_t bytes)
{
	char raw[32];
	size_t i;

	fmt_size(raw, sizeof(raw), bytes);
	for (i = 0; raw[i] && (isdigit((unsigned char)raw[i]) || raw[i] == '.'); i++)
		;
	snprintf(buf, len, "%.*s %s", (int)i, raw, raw + i);
	return buf;
}

static const char *const distribute_status[] = { "failed", "copied", "present" };

static json_t *distribute_json(const struct distribute_outcome *o, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		json_t *row = json_pack("{s:s, s:s, s:o, s:I, s:o}", "Host", o[i].host,
					"Status", distribute_status[o[i].status + 1],
					"Source", o[i].source ? json_string(o[i].source) : json_null(),
					"Bytes", (json_int_t)o[i].bytes,
					"Error", o[i].status < 0 ? json_string(o[i].err.msg) : json_null());

		if (!row || json_array_append_new(arr, row) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int exec_distribute(struct shell *sh, struct args *a)
{
	const char *image = a->argv[0], *from = args_get(a, "from");
	size_t nto = 0, i, failed;
	const char *const *to = args_list(a, "to", &nto);
	struct pool_targets t = { 0 };
	struct distribute_outcome *out = NULL;
	struct host_ref ref;
	struct berr err;
	int ret, rc;

	if (args_has(a, "all") && nto)
		return usage_error(sh, "image distribute: give --to HOST or --all, not both");
	if (!args_has(a, "all") && !nto)
		return usage_error(sh, "image distribute needs the hosts to copy to: "
				   "--to HOST (repeatable) or --all (every active host)");
	if (from) {
		berr_clear(&err);
		rc = hosts_find(&sh->fleet, from, 0, &ref, &err);
		if (rc <= 0) {
			struct berr uerr;

			fleet_unknown_host(&sh->fleet, from, rc < 0 ? &err : NULL, &uerr);
			return cmd_fail(sh, &uerr);
		}
		host_ref_release(&ref);
	}
	berr_clear(&err);
	if (distribute_targets(&sh->fleet, to, nto, &t, &err) < 0)
		return cmd_fail(sh, &err);
	if (!t.n) {
		ret = error(sh, "image distribute --all: no active host in the pool");
		goto cleanup;
	}
	out = calloc(t.n, sizeof(*out));
	if (!out) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	failed = distribute_image(&sh->fleet, image, from, t.v, t.n, out);

	ret = CMD_OK;
	for (i = 0; i < t.n; i++) {
		const struct distribute_outcome *o = &out[i];
		size_t hl = strlen(o->host);
		char size[40];

		if (o->status == 0 && !args_has(a, "json"))
			rc = out_printf(sh, "%s: copied %s from %s (%s)\n", o->host, image, o->source,
					size_words(size, sizeof(size), o->bytes));
		else if (o->status == 1 && !args_has(a, "json"))
			rc = out_printf(sh, "%s: already has %s\n", o->host, image);
		else
			rc = 0;
		if (rc < 0) {
			ret = output_result(sh, -1);
			break;
		}
		/* Engine errors name a host already: the target's, or the
		 * source's that failed it (then both are said). */
		if (o->status < 0 && !strncmp(o->err.msg, o->host, hl) && o->err.msg[hl] == ':')
			error(sh, "%s", o->err.msg);
		else if (o->status < 0)
			error(sh, "%s: %s", o->host, o->err.msg);
	}
	if (ret == CMD_OK && args_has(a, "json")) {
		json_t *doc = distribute_json(out, t.n);

		ret = doc ? output_result(sh, output_json(sh, doc)) : error(sh, "out of memory");
		json_decref(doc);
	}
	if (ret == CMD_OK && failed)
		ret = CMD_ERROR;
cleanup:
	if (out)
		distribute_outcomes_release(out, t.n);
	free(out);
	pool_targets_release(&t);
	return ret;
}

static const struct opt_spec distribute_opts[] = {
	{ .long_name = "to", .type = OPT_LIST, .metavar = "HOST",
	  .help = "copy to this host (repeatable)", .kind = ARG_HOST },
	{ .long_name = "all", .type = OPT_FLAG, .help = "copy to every active host" },
	{ .long_name = "from", .type = OPT_VALUE, .metavar = "HOST",
	  .help = "copy from this host only (default: any host that has it, then image_dir)", .kind = ARG_HOST },
	OPT_END
};

const struct cmd_entry cmd_image_distribute_entry = {
	.noun = "image",
	.verb = "distribute",
	.options = distribute_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "IMAGE",
	.summary = "copy an image to the hosts that lack it, from a host that has it or from image_dir",
	.flags = CMD_F_JSON,
	.arg_kind = ARG_IMAGE,
	.exec = exec_distribute,
};
