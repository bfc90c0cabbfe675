/* fanout-driver: runs the fan-out and image-copy machinery against real
 * engines for tests/t3000-fanout.sh, printing one JSON object per line.
 * list, images, info, ping and create go through backends/fanout.h's
 * typed jobs (so through the vtable into the docker kind's loop); raw
 * sends its request through the loop itself (docker_fanout.h).
 *
 *   fanout-driver [OPTIONS] list|images|info|ping HOST...
 *   fanout-driver [OPTIONS] raw METHOD PATH [BODY-JSON] HOST...
 *   fanout-driver [OPTIONS] create [--start] [--count N] IMAGE HOST...
 *   fanout-driver [OPTIONS] copy SRC-HOST REF DST-HOST
 *   fanout-driver [OPTIONS] copy-many SRC-HOST REF DST-HOST...
 *   fanout-driver [OPTIONS] copy-file FILE DST-HOST...
 *
 * HOST is NAME=URL[,tls=DIR][,api=VERSION] (api pins the version: no
 * negotiation). OPTIONS: --timeout MS, --connect-timeout MS and
 * --idle MS (every host's), --max N (transfers at once),
 * --interrupt-after MS (sets berth_interrupted then, as Ctrl-C does),
 * --twice (run the fan-out twice: the second time with the API known).
 * A line per job: {"host", "ok", "error", "kind", "elapsed_ms", and per
 * command "count" / "id" / "loaded" / ...}; last {"total_ms": N}.
 * Exit 0 when every job worked, 1 when one failed, 2 on bad usage.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <jansson.h>
#include "backends/docker/docker.h"
#include "backends/fanout.h"
#include "backends/docker/docker_fanout.h"

static long timeout_ms, connect_timeout_ms, idle_ms;

static const char *const kinds[] = {
	[BERR_NONE] = "none", [BERR_ENGINE] = "engine", [BERR_NOT_FOUND] = "not_found",
	[BERR_CONFLICT] = "conflict", [BERR_CONNECT] = "connect", [BERR_TIMEOUT] = "timeout",
	[BERR_PROTOCOL] = "protocol", [BERR_TLS] = "tls", [BERR_INTERRUPTED] = "interrupted",
	[BERR_USAGE] = "usage", [BERR_LOCAL] = "local",
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(const char *why)
{
	fprintf(stderr, "fanout-driver: %s (see the comment at the top of tests/fanout-driver.c)\n",
		why);
	return 2;
}

/* NAME=URL[,tls=DIR][,api=VERSION] */
static struct backend *host_new(const char *spec)
{
	char *copy = strdup(spec);
	char *eq = copy ? strchr(copy, '=') : NULL;
	char *opt;
	struct docker_endpoint ep = { 0 };
	struct backend *b = NULL;
	struct berr err = { 0 };

	if (!eq) {
		fprintf(stderr, "fanout-driver: host '%s' is not NAME=URL\n", spec);
		goto cleanup;
	}
	*eq = '\0';
	while ((opt = strrchr(eq + 1, ','))) {
		*opt++ = '\0';
		if (!strncmp(opt, "tls=", 4)) {
			ep.tls_dir = opt + 4;
		} else if (!strncmp(opt, "api=", 4)) {
			ep.api_version = opt + 4;
		} else {
			fprintf(stderr, "fanout-driver: unknown host option '%s'\n", opt);
			goto cleanup;
		}
	}
	ep.name = copy;
	ep.url = eq + 1;
	ep.timeout_ms = timeout_ms;
	ep.connect_timeout_ms = connect_timeout_ms;
	ep.idle_ms = idle_ms;
	b = docker_backend_new(&ep, &err);
	if (!b)
		fprintf(stderr, "fanout-driver: %s\n", err.msg);
cleanup:
	free(copy);
	return b;
}

static void print(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(obj);
	fflush(stdout);
}

/* A job's line, from its backend, status, err, reply and elapsed_ms. */
static json_t *job_line(const struct backend *b, int status, const struct berr *err,
			const json_t *reply, long elapsed_ms)
{
	json_t *o = json_pack("{s:s, s:b, s:I}", "host", b->name, "ok", status == 0,
			      "elapsed_ms", (json_int_t)elapsed_ms);

	if (status < 0) {
		json_object_set_new(o, "error", json_string(err->msg));
		json_object_set_new(o, "kind", json_string(kinds[err->kind]));
	}
	if (json_is_array(reply))
		json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(reply)));
	if (json_is_object(reply)) {
		json_t *v;

		if ((v = json_object_get(reply, "Id")))
			json_object_set(o, "id", v);
		if ((v = json_object_get(reply, "Started")))
			json_object_set(o, "started", v);
		if ((v = json_object_get(reply, "ApiVersion")))
			json_object_set(o, "api", v);
		if ((v = json_object_get(reply, "Name")))
			json_object_set(o, "name", v);
	}
	return o;
}

static void on_alarm(int sig)
{
	berth_interrupted = 1;
}

struct file_source {
	FILE *f;
};

static size_t file_read(void *ud, char *buf, size_t len)
{
	struct file_source *fs = ud;
	size_t n = fread(buf, 1, len, fs->f);

	return n == 0 && ferror(fs->f) ? (size_t)-1 : n;
}

static json_t *copy_line(const char *host, int status, const struct berr *err, json_t *loaded)
{
	json_t *o = json_pack("{s:s, s:b}", "host", host, "ok", status == 0);

	if (status < 0) {
		json_object_set_new(o, "error", json_string(err->msg));
		json_object_set_new(o, "kind", json_string(kinds[err->kind]));
	}
	if (loaded)
		json_object_set(o, "loaded", loaded);
	return o;
}

int main(int argc, char **argv)
{
	struct fanout_opts opts = { 0 };
	struct backend **hosts = NULL;
	struct fanout_job *jobs = NULL;
	struct docker_job *raw = NULL;
	struct container_spec *specs = NULL;
	const struct container_spec **specp = NULL;
	json_t *body = NULL;
	const char *cmd, *method = NULL, *path = NULL, *image = NULL, *label = "berth.test=fanout";
	long interrupt_after = 0, t0;
	size_t nhosts = 0, njobs = 0, i, failed = 0, count = 1;
	int argi = 1, start = 0, twice = 0, ret = 2, round;

	for (; argi < argc && !strncmp(argv[argi], "--", 2); argi++) {
		const char *o = argv[argi];

		if (argi + 1 >= argc)
			return usage("an option needs a value");
		if (!strcmp(o, "--timeout"))
			timeout_ms = atol(argv[++argi]);
		else if (!strcmp(o, "--connect-timeout"))
			connect_timeout_ms = atol(argv[++argi]);
		else if (!strcmp(o, "--idle"))
			idle_ms = atol(argv[++argi]);
		else if (!strcmp(o, "--max"))
			opts.max_inflight = (size_t)atol(argv[++argi]);
		else if (!strcmp(o, "--interrupt-after"))
			interrupt_after = atol(argv[++argi]);
		else if (!strcmp(o, "--twice"))
			twice = 1;
		else
			return usage("unknown option");
	}
	if (argi >= argc)
		return usage("no command");
	cmd = argv[argi++];
	if (interrupt_after > 0) {
		struct itimerval it = { .it_value = { interrupt_after / 1000,
						      (interrupt_after % 1000) * 1000 } };

		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
	}

	if (!strcmp(cmd, "copy") || !strcmp(cmd, "copy-many") || !strcmp(cmd, "copy-file")) {
		struct backend *src = NULL;
		struct image_copy_target *targets = NULL;
		struct file_source fs = { 0 };
		const char *ref = NULL;
		struct berr err = { 0 };
		size_t nt;
		int st;

		if (strcmp(cmd, "copy-file")) {
			if (argc - argi < 3)
				return usage("copy needs SRC-HOST REF DST-HOST...");
			if (!(src = host_new(argv[argi++])))
				return 1;
			ref = argv[argi++];
		} else {
			if (argc - argi < 2)
				return usage("copy-file needs FILE DST-HOST...");
			fs.f = fopen(argv[argi++], "rb");
			if (!fs.f) {
				perror("fanout-driver: the tarball");
				return 1;
			}
		}
		nt = (size_t)(argc - argi);
		targets = calloc(nt, sizeof(*targets));
		for (i = 0; targets && i < nt; i++)
			if (!(targets[i].b = host_new(argv[argi + i])))
				goto copy_cleanup;
		t0 = now_ms();
		if (!strcmp(cmd, "copy")) {
			json_t *loaded = NULL;

			if (nt != 1) {
				ret = usage("copy takes one DST-HOST (copy-many takes several)");
				goto copy_cleanup;
			}
			st = docker_image_copy(src, ref, targets[0].b, &loaded, &err);
			print(copy_line(targets[0].b->name, st, &err, loaded));
			json_decref(loaded);
		} else {
			st = backend_image_copy(src, ref, src ? NULL : file_read, &fs, targets, nt,
						&err);
			for (i = 0; i < nt; i++)
				print(copy_line(targets[i].b->name, targets[i].status, &targets[i].err,
						targets[i].loaded));
			if (st < 0)
				print(json_pack("{s:s, s:s}", "error", err.msg, "kind", kinds[err.kind]));
			image_copy_targets_release(targets, nt);
		}
		print(json_pack("{s:I}", "total_ms", (json_int_t)(now_ms() - t0)));
		ret = st < 0 ? 1 : 0;
copy_cleanup:
		for (i = 0; targets && i < nt; i++)
			backend_free(targets[i].b);
		free(targets);
		backend_free(src);
		if (fs.f)
			fclose(fs.f);
		return ret;
	}

	if (!strcmp(cmd, "raw")) {
		if (argc - argi < 2)
			return usage("raw needs METHOD PATH");
		method = argv[argi++];
		path = argv[argi++];
		if (argi < argc && (argv[argi][0] == '{' || argv[argi][0] == '[')) {
			body = json_loads(argv[argi++], 0, NULL);
			if (!body)
				return usage("the body is not JSON");
		}
	} else if (!strcmp(cmd, "create")) {
		for (; argi < argc && !strncmp(argv[argi], "--", 2); argi++) {
			if (!strcmp(argv[argi], "--start"))
				start = 1;
			else if (!strcmp(argv[argi], "--count") && argi + 1 < argc)
				count = (size_t)atol(argv[++argi]);
			else
				return usage("create takes --start and --count N");
		}
		if (argi >= argc || !count)
			return usage("create needs IMAGE");
		image = argv[argi++];
	} else if (strcmp(cmd, "list") && strcmp(cmd, "images") && strcmp(cmd, "info") &&
		   strcmp(cmd, "ping")) {
		return usage("unknown command");
	}
	if (argi >= argc) {
		json_decref(body);
		return usage("no hosts");
	}
	nhosts = (size_t)(argc - argi);
	njobs = nhosts * count;
	hosts = calloc(nhosts, sizeof(*hosts));
	jobs = calloc(njobs, sizeof(*jobs));
	raw = calloc(njobs, sizeof(*raw));
	specs = calloc(njobs, sizeof(*specs));
	specp = calloc(njobs, sizeof(*specp));
	if (!hosts || !jobs || !raw || !specs || !specp)
		goto cleanup;
	for (i = 0; i < nhosts; i++) {
		if (!(hosts[i] = host_new(argv[argi + i]))) {
			ret = 1;
			goto cleanup;
		}
	}

	for (round = 0; round < (twice ? 2 : 1); round++) {
		/* Hosts side by side: job i on host i % nhosts. */
		for (i = 0; i < njobs; i++) {
			fanout_job_release(&jobs[i]);
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].b = hosts[i % nhosts];
			docker_job_release(&raw[i]);
			memset(&raw[i], 0, sizeof(raw[i]));
			raw[i].b = hosts[i % nhosts];
		}
		t0 = now_ms();
		if (!strcmp(cmd, "list")) {
			struct list_filter f = { .all = 1 };

			failed = fanout_container_list(jobs, njobs, &f, &opts);
		} else if (!strcmp(cmd, "images")) {
			failed = fanout_image_list(jobs, njobs, 0, &opts);
		} else if (!strcmp(cmd, "info")) {
			failed = fanout_info(jobs, njobs, &opts);
		} else if (!strcmp(cmd, "ping")) {
			failed = fanout_ping(jobs, njobs, &opts);
		} else if (!strcmp(cmd, "raw")) {
			for (i = 0; i < njobs; i++) {
				raw[i].method = method;
				raw[i].path = path;
				raw[i].body = body;
			}
			failed = docker_jobs_run(raw, njobs, &opts);
		} else {
			for (i = 0; i < njobs; i++) {
				specs[i].image = image;
				specs[i].labels = &label;
				specs[i].nlabels = 1;
				specp[i] = &specs[i];
			}
			failed = fanout_container_create(jobs, specp, njobs, start, &opts);
		}
		for (i = 0; i < njobs; i++)
			print(!strcmp(cmd, "raw") ?
			      job_line(raw[i].b, raw[i].status, &raw[i].err, raw[i].reply,
				       raw[i].elapsed_ms) :
			      job_line(jobs[i].b, jobs[i].status, &jobs[i].err, jobs[i].reply,
				       jobs[i].elapsed_ms));
		print(json_pack("{s:I, s:I}", "total_ms", (json_int_t)(now_ms() - t0),
				"failed", (json_int_t)failed));
	}
	ret = failed ? 1 : 0;

cleanup:
	fanout_jobs_release(jobs, jobs ? njobs : 0);
	docker_jobs_release(raw, raw ? njobs : 0);
	for (i = 0; hosts && i < nhosts; i++)
		backend_free(hosts[i]);
	free(hosts);
	free(jobs);
	free(raw);
	free(specs);
	free(specp);
	json_decref(body);
	return ret;
}
