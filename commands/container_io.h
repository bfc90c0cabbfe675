/* container_io.h: what exec, attach and run share: a container's (or a
 * command's) streams joined to berth's own stdin, stdout and stderr, with
 * the local terminal handed over and given back; and create's work for
 * run. */
#ifndef BERTH_CONTAINER_IO_H
#define BERTH_CONTAINER_IO_H

#include "backends/backend.h"

struct shell;
struct args;

/* -i and --rm, as container create and run take them. */
#define CONTAINER_STDIN_OPTIONS \
	{ .short_name = 'i', .long_name = "interactive", .type = OPT_FLAG, \
	  .help = "keep stdin open for an attach" }, \
	{ .long_name = "rm", .type = OPT_FLAG, .help = "delete the container when it exits" }

/* container create's work without its output, for run: the create
 * options of a (IMAGE [CMD...] its positionals) into a container on the
 * host the pool picks (or the one asked for), recorded in the store. *b
 * gets that host's backend (borrowed), *id the container's ID (the
 * caller's). CMD_OK, or the status after the failure was reported. */
int container_create_one(struct shell *sh, struct args *a, struct backend **b, char **id);

struct container_io {
	int tty;         /* the remote side has a TTY: one raw stream */
	int stdin_open;  /* copy berth's stdin in, then half-close */
	/* with tty and stdin_open: the keys (docker's spelling, checked)
	 * that end the session leaving the process running; NULL:
	 * ctrl-p,ctrl-q */
	const char *detach_keys;
	/* the TTY's new size (at the start and on SIGWINCH), or NULL */
	int (*resize)(void *ud, int rows, int cols);
	void *ud;
	/* out: the signal that ended the session (SIGINT, SIGTERM, SIGHUP),
	 * or 0; container_io_reraise() it once cleaned up */
	int signal;
	int detached;    /* out: the detach keys ended it */
};

/*
 * The docker CLI's checks before a session: -t with -i needs a terminal
 * on stdin ("the input device is not a TTY": CMD_USAGE, reported).
 */
int container_io_check(struct shell *sh, int tty, int stdin_open);

/* Parses --detach-keys as docker does ("ctrl-p,ctrl-q", "a,ctrl-@,DEL"):
 * CMD_OK, or CMD_USAGE after saying what is wrong. */
int container_io_check_detach_keys(struct shell *sh, const char *keys);

/*
 * Pumps s until the engine ends the output (the process exited, or the
 * detach keys), the connection breaks, or a signal: the local terminal
 * raw meanwhile when io->tty and stdin is a terminal and copied in, and
 * restored on every way out. CMD_OK, or CMD_ERROR after reporting.
 */
int container_io_run(struct shell *sh, struct backend_stream *s, struct container_io *io);

/* After a session that a SIGTERM or SIGHUP ended: dies of it, as an
 * unhandled one would have. Returns for 0 and SIGINT. */
void container_io_reraise(int sig);

#endif
