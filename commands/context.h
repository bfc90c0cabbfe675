/* context.h: the context every command runs in (struct shell), and what a
 * command may ask of it. The front (shell/) implements it; commands see
 * the shell through this header, commands/cmd.h, args.h and output.h only.
 *
 * One struct shell lives for the whole process, in every mode (one-shot,
 * batch, interactive). It knows where errors go and how to label them:
 * "FILE:LINE: ..." in a batch file, "berth: ..." elsewhere on stderr.
 */
#ifndef BERTH_CONTEXT_H
#define BERTH_CONTEXT_H

#include <stdio.h>
#include "commands/cmd.h"
#include "lib/berr.h"
#include "backends/pool/settings.h"

struct backend;
struct store;
struct host_ref;
struct berr;

enum shell_mode {
	SHELL_ONESHOT,     /* berth container list / berth -c '...' */
	SHELL_BATCH,       /* berth -f FILE, or a script on stdin */
	SHELL_INTERACTIVE, /* libedit at a terminal */
};

struct shell_backend_slot {
	char *host;               /* owned host name */
	struct backend *backend;  /* owned */
};

struct shell {
	enum shell_mode mode;
	const char *source;       /* batch file name ("-" for stdin) or "-c"; borrowed */
	unsigned long lineno;     /* line of source being run (batch), 0 otherwise */
	int keep_going;           /* batch: run on after a failing line */
	int insecure;             /* --insecure: plain HTTP to an engine given by its URL
				   * (-H URL, host use URL) is allowed, and DOCKER_HOST's
				   * is no warning */
	int plain_warned;         /* the warning about DOCKER_HOST's plain HTTP was given */
	int out_tty;              /* stdout is a terminal: colour/progress allowed */
	int in_tty;               /* stdin is a terminal */
	int out_closed;           /* stdout hit EPIPE (1: end quietly) or another write error (2): stop writing */
	int quit;                 /* exit/quit was run */
	int quit_status;

	struct settings settings;     /* owned; the defaults when the load failed: */
	int settings_failed;      /* a settings file could not be read or is wrong: */
	struct berr settings_err; /* why, naming the file and line; every command but
				   * the CMD_F_NO_SETTINGS ones reports it */
	char *current_host;       /* owned; the pinned host (-H, default_host, host use
				   * NAME), or NULL in pool mode (backends/pool/pool.h) */
	struct shell_backend_slot *backends; /* opened lazily, one per host used */
	size_t nbackends;

	struct store *store;      /* owned; opened by shell_store() on first use */
	int cache_warned;         /* shell_cache_warn() already spoke */
	int store_failed;         /* the store could not be opened or reached: */
	struct berr store_err;    /* why; shell_store() answers with it */
	int hosts_warned;         /* "registered hosts are unavailable" was said */
	struct args *args;        /* the running command's arguments (borrowed; NULL
				   * between commands): pool_targets reads --host */
};

/* Report an error through the context; return CMD_ERROR (-1), so that
 * commands can write "return error(sh, "...", ...);". */
int error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same for a usage problem; returns CMD_USAGE (-2). */
int usage_error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning: same labelling, no status change. */
void warning(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The backend of the one host the running command acts on (--host, the
 * pinned host, or a pool of one): pool_single()'s answer. NULL after an
 * error was reported through sh (several targets: "this command acts on
 * one host ..."). Borrowed. */
struct backend *shell_backend(struct shell *sh);
/* The backend for a named host; NULL after reporting an error. Borrowed. */
struct backend *shell_backend_for(struct shell *sh, const char *host);
/* The same for a host already looked up, reporting nothing but, once a
 * run, the warning that DOCKER_HOST asks for plain HTTP: NULL with err
 * filled when the client cannot be set up. Borrowed. */
struct backend *shell_backend_ref(struct shell *sh, const struct host_ref *h, struct berr *err);
/* Pins name as the current host (-H, host use NAME). A URL (unix://,
 * tcp://) becomes an ad-hoc host named by that URL: TLS with
 * DOCKER_TLS_VERIFY (certificates from DOCKER_CERT_PATH, default
 * ~/.docker), plain HTTP only with sh->insecure. An unknown name is
 * reported ("unknown host: x (known: local, lab)") and returns CMD_ERROR. */
int shell_set_host(struct shell *sh, const char *name);
/* Back to pool mode (host use --pool): no pinned host. */
void shell_use_pool(struct shell *sh);

/* The store (hosts, cached images and containers), opened on first use:
 * commands that need none (help, version) never open it. NULL with err
 * filled when it cannot be opened, or when a call already found it out of
 * reach (see shell_store_failed). Borrowed. */
struct store *shell_store(struct shell *sh, struct berr *err);
/* A store call failed with err. When the store is out of reach
 * (BERR_CONNECT, BERR_TIMEOUT) shell_store() gives up on it: for the rest
 * of the run in one-shot and batch mode, until the next command at the
 * prompt; so a dead MongoDB costs one timeout, not one per row. Other
 * kinds (a corrupt file is one collection's trouble) change nothing. */
void shell_store_failed(struct shell *sh, const struct berr *err);
/* Write-through failed (store down, corrupt cache file): says so once
 * ("warning: the cache was not updated: ...") per run, or per command at
 * the prompt; the command itself still succeeds. Calls
 * shell_store_failed() too. */
void shell_cache_warn(struct shell *sh, const struct berr *err);

/* Writes to stdout, noticing a closed pipe (sets out_closed, returns -1). */
int out_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int out_write(struct shell *sh, const char *buf, size_t len);

#endif
