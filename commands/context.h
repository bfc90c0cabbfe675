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
#include "backends/pool/fleet.h"


enum shell_mode {
	SHELL_ONESHOT,     /* berth container list / berth -c '...' */
	SHELL_BATCH,       /* berth -f FILE, or a script on stdin */
	SHELL_INTERACTIVE, /* libedit at a terminal */
};

struct shell {
	enum shell_mode mode;
	const char *source;       /* batch file name ("-" for stdin) or "-c"; borrowed */
	unsigned long lineno;     /* line of source being run (batch), 0 otherwise */
	int keep_going;           /* batch: run on after a failing line */
	int out_tty;              /* stdout is a terminal: colour/progress allowed */
	int in_tty;               /* stdin is a terminal */
	int out_closed;           /* stdout hit EPIPE (1: end quietly) or another write error (2): stop writing */
	int quit;                 /* exit/quit was run */
	int quit_status;
	int cmd_status;           /* a command's own exit status (exec, run, wait: the
				   * process's), used when it returns CMD_OK; the
				   * shell clears it before each command */

	struct settings settings;     /* owned; the defaults when the load failed: */
	int settings_failed;      /* a settings file could not be read or is wrong: */
	struct berr settings_err; /* why, naming the file and line; every command but
				   * the CMD_F_NO_SETTINGS ones reports it */
	char *current_host;       /* owned; the pinned host (-H, default_host, host use
				   * NAME), or NULL in pool mode (backends/pool/pool.h) */
	struct fleet fleet;       /* owned: the store and the engine clients; borrows
				   * settings and reports its notices through sh */
};

/* Report an error through the context; return CMD_ERROR (-1), so that
 * commands can write "return error(sh, "...", ...);". */
int error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same for a usage problem; returns CMD_USAGE (-2). */
int usage_error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning: same labelling, no status change. */
void warning(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Pins name as the current host (-H, host use NAME). A URL (unix://,
 * tcp://) becomes an ad-hoc host named by that URL: TLS with
 * DOCKER_TLS_VERIFY (certificates from DOCKER_CERT_PATH, default
 * ~/.docker), plain HTTP only with --insecure. An unknown name is
 * reported ("unknown host: x (known: local, lab)") and returns CMD_USAGE;
 * CMD_ERROR when the store that would know it cannot be read. */
int shell_set_host(struct shell *sh, const char *name);
/* Back to pool mode (host use --pool): no pinned host. */
void shell_use_pool(struct shell *sh);

/* Pins name as the current host (-H, host use NAME). A URL (unix://,
 * tcp://) becomes an ad-hoc host named by that URL. An unknown name is
 * reported ("unknown host: x (known: local, lab)") and returns CMD_USAGE;
 * CMD_ERROR when the store that would know it cannot be read. */
int shell_set_host(struct shell *sh, const char *name);
/* Back to pool mode (host use --pool): no pinned host. */
void shell_use_pool(struct shell *sh);

/* Writes to stdout, noticing a closed pipe (sets out_closed, returns -1). */
int out_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int out_write(struct shell *sh, const char *buf, size_t len);

#endif
