/* test-settings.c: YAML config files, the environment, and their errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/tap.h"
#include "shell/settings.h"
#include "lib/paths.h"

static char dir[] = "/tmp/berth-test-config-XXXXXX";

/* Writes text to dir/name with mode; returns the path (static buffer). */
static const char *put(const char *name, mode_t mode, const char *text)
{
	static char path[4][512];
	static int slot;
	char *p = path[slot++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		printf("# cannot write %s\n", p);
	chmod(p, mode);
	return p;
}

static void clear_env(void)
{
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	unsetenv("DOCKER_API_VERSION");
	unsetenv("BERTH_MONGODB_URI");
	unsetenv("BERTH_CONFIG");
}

/* Loads text as an explicit config file; returns settings_load's result
 * with the message in err. */
static int load_text(struct settings *cfg, mode_t mode, const char *text, struct berr *err,
		     const char **pathp)
{
	const char *p = put("c.yaml", mode, text);

	if (pathp)
		*pathp = p;
	berr_clear(err);
	return settings_load(cfg, p, err);
}

/* text must fail with "FILE" + suffix. */
static void fails_with(const char *text, const char *suffix, const char *what)
{
	struct settings cfg;
	struct berr err;
	const char *path;
	char want[1024];
	int r = load_text(&cfg, 0600, text, &err, &path);

	snprintf(want, sizeof(want), "%s%s", path, suffix);
	ok(r < 0, "%s: refused", what);
	is_str(err.msg, want, "%s: message", what);
	settings_release(&cfg);
}

static void test_defaults(void)
{
	struct settings cfg;
	const struct host_settings *h;

	settings_init(&cfg);
	is_int(cfg.nhosts, 1, "defaults: one host");
	h = settings_find_host(&cfg, "local");
	ok(h != NULL, "defaults: local exists");
	is_str(h ? h->url : NULL, "unix:///var/run/docker.sock", "defaults: local's URL");
	ok(h && !h->tls_dir && !h->tls_verify && !h->insecure, "defaults: no TLS, not insecure");
	is_str(cfg.default_host, "local", "defaults: default_host local");
	is_int(cfg.connect_timeout_ms, 5000, "defaults: connect 5s");
	is_int(cfg.request_timeout_ms, 10000, "defaults: request 10s");
	is_int(cfg.idle_timeout_ms, 10000, "defaults: idle 10s");
	ok(cfg.mongodb_database == NULL, "defaults: no database named (the URI's, else berth)");
	ok(cfg.mongodb_uri == NULL && cfg.api_version == NULL, "defaults: no mongodb uri, no pinned API");
	ok(settings_find_host(&cfg, "nosuch") == NULL, "settings_find_host: unknown is NULL");
	ok(settings_find_host(&cfg, NULL) == NULL, "settings_find_host: NULL is NULL");
	settings_release(&cfg);
	settings_release(&cfg);
	ok(cfg.hosts == NULL && cfg.nhosts == 0, "settings_release twice is harmless");
}

static void test_full_file(void)
{
	struct settings cfg;
	struct berr err;
	const struct host_settings *h;
	const char *path;
	char want[600];
	int r;

	r = load_text(&cfg, 0644,
		      "# a comment\n"
		      "default_host: lab\n"
		      "timeouts:\n"
		      "  connect: 2s\n"
		      "  request: 1m30s\n"
		      "  idle: 2m\n"
		      "hosts:\n"
		      "  local: { url: unix:///tmp/other.sock }\n"
		      "  lab:\n"
		      "    url: tcp://10.0.0.5:2376\n"
		      "    tls_dir: ~/.docker/lab\n"
		      "  dev:\n"
		      "    url: tcp://127.0.0.1:2375\n"
		      "    insecure: true\n"
		      "  web-1.x: { url: https://h:2376, insecure: no }\n"
		      "mongodb:\n"
		      "  uri: mongodb://db.example.net:27017\n"
		      "  database: fleet\n",
		      &err, &path);
	is_int(r, 0, "full file loads (%s)", err.msg);
	is_str(cfg.default_host, "lab", "default_host");
	is_int(cfg.connect_timeout_ms, 2000, "timeouts.connect 2s");
	is_int(cfg.request_timeout_ms, 90000, "timeouts.request 1m30s");
	is_int(cfg.idle_timeout_ms, 120000, "timeouts.idle 2m");
	is_int(cfg.nhosts, 4, "four hosts");
	h = settings_find_host(&cfg, "local");
	is_str(h ? h->url : NULL, "unix:///tmp/other.sock", "local's url from the file");
	h = settings_find_host(&cfg, "lab");
	is_str(h ? h->url : NULL, "tcp://10.0.0.5:2376", "lab's url");
	snprintf(want, sizeof(want), "%s/.docker/lab", getenv("HOME"));
	is_str(h ? h->tls_dir : NULL, want, "'~/' in tls_dir is the home directory");
	ok(h && h->tls_verify && !h->insecure, "lab verifies TLS");
	h = settings_find_host(&cfg, "dev");
	ok(h && h->insecure && !h->tls_dir && !h->tls_verify, "dev is insecure, no TLS");
	h = settings_find_host(&cfg, "web-1.x");
	ok(h && !h->insecure, "'no' is false");
	is_str(cfg.mongodb_uri, "mongodb://db.example.net:27017", "mongodb.uri");
	is_str(cfg.mongodb_database, "fleet", "mongodb.database");
	is_int(cfg.nloaded, 1, "one file loaded");
	is_str(cfg.nloaded ? cfg.loaded_files[0] : NULL, path, "and it is named");
	settings_release(&cfg);

	/* an empty file, and one of comments only, are fine */
	r = load_text(&cfg, 0644, "", &err, NULL);
	ok(r == 0 && cfg.nhosts == 1 && !strcmp(cfg.default_host, "local"), "an empty file gives the defaults");
	settings_release(&cfg);
	r = load_text(&cfg, 0644, "# nothing\n\n# here\n", &err, NULL);
	ok(r == 0 && cfg.nhosts == 1, "a file of comments gives the defaults");
	settings_release(&cfg);
	r = load_text(&cfg, 0644, "hosts:\n", &err, NULL);
	ok(r == 0 && cfg.nhosts == 1, "an empty hosts: is no hosts");
	settings_release(&cfg);
}

static void test_merge(void)
{
	struct settings cfg;
	struct berr err;
	const struct host_settings *h;
	const char *a = put("a.yaml", 0644,
			    "timeouts: { connect: 1s }\n"
			    "hosts:\n  lab: { url: tcp://a:2376, tls_dir: /a }\n  one: { url: unix:///one }\n");
	const char *b = put("b.yaml", 0644,
			    "timeouts: { request: 10s }\n"
			    "hosts:\n  lab: { url: tcp://b:2375, insecure: true }\n");

	settings_init(&cfg);
	berr_clear(&err);
	ok(settings_load_file(&cfg, a, &err) == 0, "first file");
	ok(settings_load_file(&cfg, b, &err) == 0, "second file");
	is_int(cfg.connect_timeout_ms, 1000, "a setting only the first file makes stays");
	is_int(cfg.request_timeout_ms, 10000, "the second file adds its own");
	h = settings_find_host(&cfg, "lab");
	ok(h && !strcmp(h->url, "tcp://b:2375") && !h->tls_dir && h->insecure,
	   "a host in a later file replaces the earlier entry whole");
	ok(settings_find_host(&cfg, "one") != NULL, "hosts only the first file names stay");
	is_int(cfg.nhosts, 3, "local, lab, one");
	is_int(cfg.nloaded, 2, "both files recorded");
	settings_release(&cfg);

	settings_init(&cfg);
	ok(settings_load_file(&cfg, "/nonexistent/berth.yaml", &err) < 0, "settings_load_file: a missing file is an error");
	is_str(err.msg, "cannot read config file /nonexistent/berth.yaml: No such file or directory",
	       "and says so");
	settings_release(&cfg);
}

static void test_errors(void)
{
	fails_with("default_host: local\n"
		   "hots:\n"
		   "  lab: { url: tcp://x:2376 }\n",
		   ":2: unknown key 'hots' (did you mean hosts?)", "top-level typo");
	fails_with("\n\n\n\n\n\nfrobnicate: 1\n",
		   ":7: unknown key 'frobnicate' (known keys: default_host, timeouts, hosts, mongodb, owner, pool, image_dir, clouds, default_cloud)",
		   "unknown key with nothing near");
	fails_with("hosts:\n  lab:\n    ur: tcp://x:2376\n",
		   ":3: unknown key 'ur' in hosts.lab (did you mean url?)", "host key typo");
	fails_with("timeouts:\n  conect: 5s\n",
		   ":2: unknown key 'conect' in timeouts (did you mean connect?)", "timeouts typo");
	fails_with("default_host: local\ntimeouts:\n  connect: x\n",
		   ":3: timeouts.connect: invalid duration 'x': use 5s, 500ms, 1m", "bad duration");
	fails_with("timeouts: { request: -1s }\n",
		   ":1: timeouts.request: invalid duration '-1s': use 5s, 500ms, 1m", "negative duration");
	fails_with("timeouts: { request: 0s }\n",
		   ":1: timeouts.request: invalid duration '0s': use 5s, 500ms, 1m", "zero duration");
	fails_with("timeouts: { idle: forever }\n",
		   ":1: timeouts.idle: invalid duration 'forever': use 5s, 500ms, 1m", "bad idle duration");
	fails_with("timeouts: 5s\n",
		   ":1: timeouts must be a mapping (timeouts: { connect: 5s, request: 10s, idle: 10s })",
		   "timeouts not a mapping");
	fails_with("hosts:\n  lab: { tls_dir: /x }\n",
		   ":2: host 'lab' needs a url (unix:///PATH or tcp://HOST:PORT)", "host without url");
	fails_with("hosts:\n  lab:\n    url: ftp://x\n",
		   ":3: hosts.lab.url: unsupported URL 'ftp://x': use unix:///PATH or tcp://HOST:PORT",
		   "bad URL scheme");
	fails_with("hosts:\n  'my lab': { url: tcp://x:1 }\n",
		   ":2: invalid host name 'my lab': use letters, digits, '-', '_' and '.'", "bad host name");
	fails_with("hosts:\n  dev: { url: tcp://x:1, insecure: maybe }\n",
		   ":2: hosts.dev.insecure: invalid value 'maybe': use true or false", "bad boolean");
	fails_with("hosts:\n  - local\n",
		   ":2: hosts must be a mapping of names to hosts (hosts: { lab: { url: tcp://HOST:2376 } })",
		   "hosts as a list");
	fails_with("hosts:\n  lab: { url: [a, b] }\n",
		   ":2: hosts.lab.url must be a single value, not a list or mapping", "url as a list");
	fails_with("default_host:\n", ":1: default_host needs a value", "empty default_host");
	fails_with("default_host: nosuch\nhosts:\n  lab: { url: tcp://x:2376 }\n",
		   ":1: default_host 'nosuch' is not a configured host (known: local, lab)",
		   "default_host naming no host");
	fails_with("hosts:\n  lab: { url: tcp://x:1 }\nhosts:\n  dev: { url: tcp://y:1 }\n",
		   ":3: duplicate key 'hosts' (first on line 1)", "duplicate key");
	fails_with("hosts:\n  lab: { url: tcp://x:1\n",
		   ":3: YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping",
		   "YAML syntax error");
	fails_with("- a\n- b\n",
		   ":1: the file must be a mapping of settings (default_host:, timeouts:, hosts:, mongodb:)",
		   "a list at the top");
	fails_with("default_host: local\n---\ndefault_host: lab\n",
		   ":3: a second YAML document ('---'): keep one", "two documents");
	fails_with("default_host: local\n---\n[\n",
		   ":4: YAML syntax error: did not find expected node content while parsing a flow node",
		   "a syntax error in a second document");
	fails_with("mongodb: { uri: http://x }\n",
		   ":1: mongodb.uri: 'http://x' is not a MongoDB URI: use mongodb://HOST[:PORT]",
		   "mongodb uri not mongodb");
}

static void test_credentials(void)
{
	struct settings cfg;
	struct berr err;
	const char *path;
	char want[1200];
	int r;

	r = load_text(&cfg, 0644, "mongodb:\n  uri: mongodb://berth:s3cret@db:27017/berth\n", &err, &path);
	snprintf(want, sizeof(want),
		 "%s holds credentials and is readable by others (mode 0644): chmod 600 %s", path, path);
	ok(r < 0, "a URI with a password in a 0644 file is refused");
	is_str(err.msg, want, "naming the file, its mode and the fix");
	ok(strstr(err.msg, "s3cret") == NULL, "the message does not repeat the password");
	settings_release(&cfg);

	r = load_text(&cfg, 0640, "mongodb:\n  uri: mongodb://berth:s3cret@db:27017/berth\n", &err, &path);
	snprintf(want, sizeof(want),
		 "%s holds credentials and is readable by others (mode 0640): chmod 600 %s", path, path);
	ok(r < 0, "readable by the group is refused too");
	is_str(err.msg, want, "with mode 0640 named");
	settings_release(&cfg);

	r = load_text(&cfg, 0600, "mongodb:\n  uri: mongodb://berth:s3cret@db:27017/berth\n", &err, NULL);
	ok(r == 0, "the same file at 0600 is accepted (%s)", err.msg);
	is_str(cfg.mongodb_uri, "mongodb://berth:s3cret@db:27017/berth", "and its uri is used");
	settings_release(&cfg);

	r = load_text(&cfg, 0644, "mongodb:\n  uri: mongodb://berth@db:27017/berth\n", &err, NULL);
	ok(r == 0, "a user name without a password is no credential");
	settings_release(&cfg);
	r = load_text(&cfg, 0644, "mongodb:\n  uri: mongodb://db:27017/?user=a:b\n", &err, NULL);
	ok(r == 0, "a colon outside the userinfo is no password");
	settings_release(&cfg);

	/* Secret-looking keys, wherever they are, even unknown ones. */
	r = load_text(&cfg, 0604, "clouds:\n  aws:\n    secret_access_key: abc\n", &err, &path);
	snprintf(want, sizeof(want),
		 "%s holds credentials and is readable by others (mode 0604): chmod 600 %s", path, path);
	is_str(err.msg, want, "a nested *_access_key key makes a file secret");
	settings_release(&cfg);
	r = load_text(&cfg, 0644, "token: abc\n", &err, NULL);
	ok(r < 0 && strstr(err.msg, "holds credentials"), "a token key");
	settings_release(&cfg);
	r = load_text(&cfg, 0644, "x:\n  - { Password: abc }\n", &err, NULL);
	ok(r < 0 && strstr(err.msg, "holds credentials"), "a Password key in a list, any case");
	settings_release(&cfg);
	r = load_text(&cfg, 0600, "token: abc\n", &err, &path);
	snprintf(want, sizeof(want),
		 "%s:1: unknown key 'token' (known keys: default_host, timeouts, hosts, mongodb, owner, pool, image_dir, clouds, default_cloud)",
		 path);
	is_str(err.msg, want, "at 0600 the file is read, and its content judged");
	settings_release(&cfg);
}

static void test_environment(void)
{
	struct settings cfg;
	struct berr err;
	const struct host_settings *h;
	char want[600];
	const char *text = "hosts:\n  local: { url: unix:///from/file.sock, tls_dir: /file/certs }\n";
	int r;

	clear_env();
	r = load_text(&cfg, 0644, text, &err, NULL);
	h = settings_find_host(&cfg, "local");
	ok(r == 0 && h && !strcmp(h->url, "unix:///from/file.sock") && !strcmp(h->tls_dir, "/file/certs"),
	   "no environment: local as the file has it");
	settings_release(&cfg);

	setenv("DOCKER_HOST", "tcp://10.1.1.1:2376", 1);
	r = load_text(&cfg, 0644, text, &err, NULL);
	h = settings_find_host(&cfg, "local");
	ok(r == 0 && h && !strcmp(h->url, "tcp://10.1.1.1:2376"), "DOCKER_HOST overrides local's url");
	ok(h && !h->tls_dir && !h->tls_verify, "and the file's TLS settings for another URL are dropped");
	ok(h && h->from_env && h->insecure,
	   "DOCKER_HOST=tcp:// without DOCKER_TLS_VERIFY is plain HTTP, as for the docker CLI");
	settings_release(&cfg);

	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", "/env/certs", 1);
	setenv("DOCKER_API_VERSION", "1.41", 1);
	setenv("BERTH_MONGODB_URI", "mongodb://envdb:27017", 1);
	r = load_text(&cfg, 0644, text, &err, NULL);
	h = settings_find_host(&cfg, "local");
	ok(r == 0 && h && h->tls_verify, "DOCKER_TLS_VERIFY turns TLS verification on");
	ok(h && h->from_env && !h->insecure, "... and plain HTTP stays off");
	is_str(h ? h->tls_dir : NULL, "/env/certs", "certificates from DOCKER_CERT_PATH");
	is_str(cfg.api_version, "1.41", "DOCKER_API_VERSION pins the API");
	is_str(cfg.mongodb_uri, "mongodb://envdb:27017", "BERTH_MONGODB_URI");
	settings_release(&cfg);

	unsetenv("DOCKER_CERT_PATH");
	r = load_text(&cfg, 0644, text, &err, NULL);
	h = settings_find_host(&cfg, "local");
	snprintf(want, sizeof(want), "%s/.docker", getenv("HOME"));
	is_str(h ? h->tls_dir : NULL, want, "DOCKER_CERT_PATH defaults to ~/.docker");
	settings_release(&cfg);

	unsetenv("DOCKER_HOST");
	setenv("DOCKER_TLS_VERIFY", "", 1);
	r = load_text(&cfg, 0644, "", &err, NULL);
	h = settings_find_host(&cfg, "local");
	ok(r == 0 && h && !h->tls_verify && !h->tls_dir, "an empty DOCKER_TLS_VERIFY means no TLS, as for docker");
	settings_release(&cfg);

	setenv("DOCKER_HOST", "ftp://nope", 1);
	r = load_text(&cfg, 0644, "", &err, NULL);
	ok(r < 0, "a DOCKER_HOST berth cannot use is refused");
	is_str(err.msg, "DOCKER_HOST: unsupported URL 'ftp://nope': use unix:///PATH or tcp://HOST:PORT",
	       "naming the variable");
	settings_release(&cfg);
	clear_env();

	/* BERTH_CONFIG names the file when --config does not. */
	setenv("BERTH_CONFIG", put("env.yaml", 0644, "default_host: e\nhosts: { e: { url: tcp://e:1, insecure: yes } }\n"), 1);
	berr_clear(&err);
	r = settings_load(&cfg, NULL, &err);
	ok(r == 0 && !strcmp(cfg.default_host, "e"), "BERTH_CONFIG is read (%s)", err.msg);
	settings_release(&cfg);
	setenv("BERTH_CONFIG", "/nonexistent/x.yaml", 1);
	r = settings_load(&cfg, NULL, &err);
	ok(r < 0 && strstr(err.msg, "cannot read config file /nonexistent/x.yaml"),
	   "a missing explicit file is an error");
	settings_release(&cfg);
	clear_env();

	r = settings_load(&cfg, dir, &err);
	ok(r < 0 && strstr(err.msg, "it is a directory"), "a directory as config: %s", err.msg);
	settings_release(&cfg);

	if (geteuid() != 0) {
		const char *p = put("unreadable.yaml", 0000, "default_host: local\n");
		r = settings_load(&cfg, p, &err);
		ok(r < 0 && strstr(err.msg, "Permission denied"), "an unreadable explicit file is an error");
		settings_release(&cfg);
	} else {
		ok(1, "# SKIP unreadable files are readable by root");
	}
}

static void test_xdg(void)
{
	struct settings cfg;
	struct berr err;
	char want[1200], sub[600], *p;
	struct stat st;
	int r;

	setenv("XDG_STATE_HOME", "/x/state", 1);
	p = xdg_path("state", "history");
	is_str(p, "/x/state/berth/history", "XDG_STATE_HOME");
	free(p);
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	p = xdg_path("state", "history");
	snprintf(want, sizeof(want), "%s/.local/state/berth/history", getenv("HOME"));
	is_str(p, want, "a relative XDG_STATE_HOME is ignored");
	free(p);
	unsetenv("XDG_STATE_HOME");
	p = xdg_path("state", "history");
	is_str(p, want, "default ~/.local/state");
	free(p);
	unsetenv("XDG_DATA_HOME");
	p = xdg_path("data", "store");
	snprintf(want, sizeof(want), "%s/.local/share/berth/store", getenv("HOME"));
	is_str(p, want, "default ~/.local/share");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = xdg_path("config", "config.yaml");
	snprintf(want, sizeof(want), "%s/.config/berth/config.yaml", getenv("HOME"));
	is_str(p, want, "default ~/.config");
	free(p);
	ok(xdg_path("cache", "x") == NULL, "an unknown kind is NULL");

	snprintf(sub, sizeof(sub), "%s/m/n/o/file", dir);
	ok(mkdir_parents(sub) == 0, "mkdir_parents");
	snprintf(want, sizeof(want), "%s/m/n/o", dir);
	ok(stat(want, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	   "made the parents, private");
	ok(stat(sub, &st) < 0 && errno == ENOENT, "but not the file itself");
	ok(mkdir_parents(sub) == 0, "again: they exist, fine");
	put("plainfile", 0644, "x");
	snprintf(sub, sizeof(sub), "%s/plainfile/x", dir);
	ok(mkdir_parents(sub) < 0, "a file in the way is an error");

	/* The user's file under XDG_CONFIG_HOME is read when no file is named. */
	snprintf(sub, sizeof(sub), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", sub, 1);
	clear_env();
	r = settings_load(&cfg, NULL, &err);
	ok(r == 0, "no user file: fine (%s)", err.msg);
	settings_release(&cfg);
	snprintf(sub, sizeof(sub), "%s/xdg/berth/config.yaml", dir);
	mkdir_parents(sub);
	put("xdg/berth/config.yaml", 0600, "hosts:\n  mine: { url: unix:///mine.sock }\n");
	r = settings_load(&cfg, NULL, &err);
	ok(r == 0 && settings_find_host(&cfg, "mine"), "the XDG user file is read (%s)", err.msg);
	ok(cfg.nloaded >= 1 && !strcmp(cfg.loaded_files[cfg.nloaded - 1], sub), "and recorded last");
	settings_release(&cfg);
	put("xdg/berth/config.yaml", 0600, "hots: {}\n");
	r = settings_load(&cfg, NULL, &err);
	snprintf(want, sizeof(want), "%s:1: unknown key 'hots' (did you mean hosts?)", sub);
	is_str(err.msg, want, "errors in the user file name it");
	settings_release(&cfg);
	unsetenv("XDG_CONFIG_HOME");
}

/* The pool keys and image_dir (issue 4): defaults, values, and one line
 * for each kind of mistake. */
static void test_pool(void)
{
	struct settings cfg;
	struct berr err;
	const char *path;
	char want[1200], *slash;
	int r;

	settings_init(&cfg);
	is_int(cfg.pool_error_threshold, 3, "pool defaults: error_threshold 3");
	is_str(cfg.pool_policy, "least-loaded", "pool defaults: least-loaded");
	ok(cfg.pool_slot_memory == (int64_t)512 << 20, "pool defaults: slot_memory 512 MiB");
	ok(cfg.image_dir == NULL, "no image_dir by default");
	settings_release(&cfg);

	r = load_text(&cfg, 0644,
		      "pool:\n"
		      "  error_threshold: 5\n"
		      "  policy: round-robin\n"
		      "  slot_memory: 1g\n"
		      "image_dir: images\n",
		      &err, &path);
	is_int(r, 0, "pool keys load (%s)", err.msg);
	is_int(cfg.pool_error_threshold, 5, "pool.error_threshold");
	is_str(cfg.pool_policy, "round-robin", "pool.policy");
	ok(cfg.pool_slot_memory == (int64_t)1 << 30, "pool.slot_memory 1g");
	snprintf(want, sizeof(want), "%s", path);
	if ((slash = strrchr(want, '/')))
		snprintf(slash + 1, sizeof(want) - (size_t)(slash + 1 - want), "images");
	is_str(cfg.image_dir, want, "a relative image_dir is taken from the file's directory");
	settings_release(&cfg);

	fails_with("pool:\n  error_threshold: 0\n",
		   ":2: pool.error_threshold: invalid value '0': use a whole number of consecutive errors from 1 to 1000",
		   "error_threshold 0");
	fails_with("pool:\n  policy: fastest\n",
		   ":2: pool.policy: unknown policy 'fastest': use least-loaded, round-robin or random",
		   "unknown policy");
	fails_with("pool:\n  slot_memory: 512\n",
		   ":2: pool.slot_memory: invalid size '512': use a size of at least 1m, like 512m or 2g",
		   "slot_memory without a unit");
	fails_with("pool:\n  polcy: random\n", ":2: unknown key 'polcy' in pool (did you mean policy?)",
		   "pool key typo");
}

static const char two_clouds[] =
	"clouds:\n"
	"  lab-os:\n"
	"    driver: openstack\n"
	"    cloud: berth-test\n"
	"    region: RegionOne\n"
	"    interface: internal\n"
	"    flavor: m1.small\n"
	"    image: debian-12-docker\n"
	"    network: private\n"
	"    address: floating\n"
	"    floating_network: public\n"
	"    allow_cidr: 127.0.0.0/8\n"
	"    spawn_timeout: 2m\n"
	"    engine_timeout: 90s\n"
	"    slots: 4\n"
	"    key_name: ops\n"
	"    cloud_init: |\n"
	"      packages: [htop]\n"
	"  lab-ec2:\n"
	"    driver: ec2\n"
	"    profile: default\n"
	"    region: us-east-1\n"
	"    endpoint_url: http://127.0.0.1:5000\n"
	"    instance_type: t3.micro\n"
	"    image: ami-12c6146b\n"
	"    subnet: subnet-1234\n"
	"    address: private\n"
	"default_cloud: lab-os\n";

static void test_clouds(void)
{
	struct settings cfg;
	struct berr err;
	const struct cloud_profile *os, *ec2;
	const char *path;
	char want[1024];
	int r;

	clear_env();
	r = load_text(&cfg, 0600, two_clouds, &err, NULL);
	ok(r == 0, "two cloud profiles load (%s)", err.msg);
	is_int(cfg.nclouds, 2, "... both of them");
	if (r == 0 && cfg.nclouds == 2) {
		os = &cfg.clouds[0];
		ec2 = &cfg.clouds[1];
		is_str(os->name, "lab-os", "in the file's order");
		is_str(os->driver, "openstack", "driver");
		is_str(os->os_cloud, "berth-test", "cloud: the clouds.yaml entry");
		is_str(os->region, "RegionOne", "region");
		is_str(os->interface, "internal", "interface");
		is_str(os->flavor, "m1.small", "flavor");
		is_str(os->network, "private", "network");
		ok(os->address == CLOUD_ADDR_FLOATING, "address floating");
		is_str(os->floating_network, "public", "floating_network");
		is_str(os->allow_cidr, "127.0.0.0/8", "allow_cidr");
		is_int(os->spawn_timeout_ms, 120000, "spawn_timeout as a duration");
		is_int(os->engine_timeout_ms, 90000, "engine_timeout as a duration");
		is_int(os->slots, 4, "slots");
		is_str(os->key_name, "ops", "key_name");
		is_str(os->cloud_init, "packages: [htop]\n", "cloud_init, the text as written");
		is_str(ec2->aws_profile, "default", "profile: the ~/.aws profile");
		is_str(ec2->endpoint_url, "http://127.0.0.1:5000", "endpoint_url");
		is_str(ec2->flavor, "t3.micro", "instance_type is stored as the flavor");
		is_str(ec2->network, "subnet-1234", "subnet is stored as the network");
		ok(ec2->address == CLOUD_ADDR_FIXED, "address private is the fixed address");
		is_int(ec2->spawn_timeout_ms, 600000, "the spawn timeout defaults to 10 minutes");
		is_int(ec2->engine_timeout_ms, 600000, "the engine timeout too");
		is_int(ec2->slots, 0, "slots default to 0: derived");
		ok(!ec2->os_cloud && !ec2->cloud_init, "unset settings are NULL");
	}
	is_str(cfg.default_cloud, "lab-os", "default_cloud");
	settings_release(&cfg);
	ok(cfg.clouds == NULL && cfg.nclouds == 0 && cfg.default_cloud == NULL,
	   "settings_release releases the profiles");

	/* a later file's profile replaces the earlier one of the same name */
	r = load_text(&cfg, 0600, two_clouds, &err, NULL);
	path = put("later.yaml", 0600,
		   "clouds:\n  lab-ec2: { driver: ec2, region: eu-west-1 }\n  more: { driver: ec2 }\n");
	ok(r == 0 && settings_load_file(&cfg, path, &err) == 0, "a second file loads over the first (%s)",
	   err.msg);
	is_int(cfg.nclouds, 3, "... adding its new profile");
	if (cfg.nclouds == 3) {
		is_str(cfg.clouds[1].name, "lab-ec2", "... in place of the one of the same name");
		is_str(cfg.clouds[1].region, "eu-west-1", "... whose settings are the later file's");
		ok(cfg.clouds[1].image == NULL, "... and only those");
		is_str(cfg.clouds[2].name, "more", "... the new one last");
	}
	settings_release(&cfg);

	fails_with("clouds:\n  a:\n    driver: ec2\n    instance_typ: t3.micro\n",
		   ":4: unknown key 'instance_typ' in clouds.a (did you mean instance_type?)",
		   "a misspelt profile key");
	fails_with("clouds:\n  a:\n    region: x\n", ":2: clouds.a needs a driver (driver: openstack or driver: ec2)",
		   "a profile without a driver");
	fails_with("clouds:\n  a: { driver: azure }\n", ":2: clouds.a.driver: unknown driver 'azure': use openstack or ec2",
		   "an unknown driver");
	fails_with("clouds:\n  a: { driver: ec2, address: elastic }\n",
		   ":2: clouds.a.address: unknown address 'elastic': use fixed, private, floating or public",
		   "an unknown address word");
	fails_with("clouds:\n  a: { driver: ec2, spawn_timeout: soon }\n",
		   ":2: clouds.a.spawn_timeout: invalid duration 'soon': use 5s, 500ms, 1m",
		   "a bad duration");
	fails_with("clouds:\n  a: { driver: ec2, slots: 0 }\n",
		   ":2: clouds.a.slots: invalid value '0': use a whole number of slots from 1 to 1000000",
		   "zero slots");
	fails_with("clouds:\n  a: { driver: ec2, allow_cidr: 10.0.0.0 }\n",
		   ":2: clouds.a.allow_cidr: invalid CIDR '10.0.0.0': use an address and a prefix length, like 203.0.113.0/24",
		   "a CIDR without a prefix");
	fails_with("clouds:\n  a:\n    driver: ec2\n    flavor: t3.micro\n    instance_type: t3.small\n",
		   ":5: clouds.a.instance_type: flavor was given on line 4 already: give one of them",
		   "flavor and instance_type both");
	fails_with("clouds:\n  a:\n    driver: ec2\n    cloud: x\n",
		   ":4: clouds.a.cloud is a setting of the openstack driver, not of ec2",
		   "an OpenStack setting on an EC2 profile");
	fails_with("clouds:\n  a:\n    driver: ec2\n    address: floating\n",
		   ":2: clouds.a.address: floating addresses are OpenStack's (use private or public)",
		   "floating on EC2");
	fails_with("clouds:\n  a:\n    driver: ec2\n    cloud_init: |\n      - one\n      - two\n",
		   ":4: clouds.a.cloud_init: not a YAML mapping of cloud-config keys (write_files:, runcmd:, packages: ...)",
		   "a cloud_init that is not a mapping");
	fails_with("clouds:\n  a:\n    driver: ec2\n    password: hunter2\n",
		   ":4: clouds.a.password: credentials do not go into berth's settings: they belong in "
		   "clouds.yaml or secure.yaml (OpenStack) and ~/.aws/credentials (EC2), where the "
		   "official tools find them", "a password in a profile");
	fails_with("clouds:\n  a:\n    driver: ec2\n    aws_secret_access_key: x\n",
		   ":4: clouds.a.aws_secret_access_key: credentials do not go into berth's settings: they "
		   "belong in clouds.yaml or secure.yaml (OpenStack) and ~/.aws/credentials (EC2), where "
		   "the official tools find them", "an AWS secret in a profile");
	fails_with("clouds:\n  a b: { driver: ec2 }\n",
		   ":2: invalid cloud profile name 'a b': use letters, digits, '-', '_' and '.'",
		   "a profile name with a space");
	fails_with("clouds: [a]\n",
		   ":1: clouds must be a mapping of profile names to profiles (clouds: { lab: { driver: openstack, cloud: NAME } })",
		   "clouds as a list");
	fails_with("clouds:\n  a: { driver: ec2 }\ndefault_cloud: b\n",
		   ":3: default_cloud 'b' is not a profile of clouds: (known: a)",
		   "default_cloud naming no profile");
	fails_with("default_cloud: b\n", ":1: default_cloud 'b' is not a profile of clouds: (there are none)",
		   "default_cloud without clouds");
	r = load_text(&cfg, 0644, "clouds:\n  a:\n    driver: ec2\n    token: x\n", &err, &path);
	snprintf(want, sizeof(want),
		 "%s holds credentials and is readable by others (mode 0644): chmod 600 %s", path, path);
	is_str(err.msg, want, "a readable file with a token in a profile: the mode is said first");
	settings_release(&cfg);
}

static void test_sample(void)
{
	struct settings cfg;
	struct berr err;
	char path[1024];
	const char *top = getenv("TOP_SRCDIR");
	int r;

	snprintf(path, sizeof(path), "%s/etc/berth.yaml", top && *top ? top : ".");
	clear_env();
	berr_clear(&err);
	r = settings_load(&cfg, path, &err);
	ok(r == 0, "the sample etc/berth.yaml loads (%s)", err.msg);
	is_int(cfg.nhosts, 1, "it defines only local (the others are commented out)");
	is_str(cfg.default_host, "local", "its default host is local");
	settings_release(&cfg);
}

int main(void)
{
	char home[600];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* A home of our own: '~' expansion and XDG defaults are checked
	 * against it, and nothing of the real user's is read. */
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	clear_env();

	test_defaults();
	test_full_file();
	test_merge();
	test_errors();
	test_credentials();
	test_environment();
	test_xdg();
	test_pool();
	test_clouds();
	test_sample();

	{
		/* leave nothing behind */
		char *argv_rm[] = { "rm", "-rf", dir, NULL };
		pid_t pid = fork();
		if (pid == 0) {
			execvp("rm", argv_rm);
			_exit(127);
		}
		if (pid > 0) {
			int st;
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		}
	}
	return done_testing();
}
