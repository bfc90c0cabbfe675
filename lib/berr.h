/* berr.h: how backends report a failure to the command that called them.
 *
 * Backends never print. A failing call fills a struct berr with one line
 * (already naming the host, e.g. "local: No such container: web") and
 * returns -1; the command passes the line on through the shell context,
 * which knows where and how to show it.
 */
#ifndef BERTH_BERR_H
#define BERTH_BERR_H

#include <signal.h>
#include <stddef.h>

enum berr_kind {
	BERR_NONE = 0,
	BERR_ENGINE,      /* the engine answered with an error status */
	BERR_NOT_FOUND,   /* the engine said 404 for the object asked for */
	BERR_CONFLICT,    /* 409: name in use, container running, ... */
	BERR_CONNECT,     /* could not reach the engine at all */
	BERR_TIMEOUT,     /* connect or request timeout */
	BERR_PROTOCOL,    /* garbage, truncated body, bad JSON */
	BERR_TLS,         /* certificate or handshake problem */
	BERR_INTERRUPTED, /* Ctrl-C cancelled the request */
	BERR_USAGE,       /* the caller passed something invalid (bad URL, ...) */
	BERR_LOCAL,       /* local I/O: a file could not be read or written */
};

struct berr {
	enum berr_kind kind;
	long http_status; /* 0 when no HTTP status was received */
	char msg[1024];
};

/* Fill err (if not NULL) and return -1, so callers can write
 * "return berr_set(err, BERR_ENGINE, "%s: %s", host, text);". */
int berr_set(struct berr *err, enum berr_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void berr_clear(struct berr *err);

/*
 * Set by the SIGINT handler while a command runs; every long operation
 * (curl transfers, log follows, batch loops) polls it and stops with
 * BERR_INTERRUPTED. The shell clears it before each command.
 */
extern volatile sig_atomic_t berth_interrupted;

#endif
