/* container_io.c: a session's streams, and the local terminal lent to it.
 *
 * One poll loop over the engine's connection, berth's stdin and a
 * self-pipe that the signal handlers write to: SIGWINCH resizes the
 * remote TTY, SIGINT, SIGTERM and SIGHUP end the session. Input is copied
 * only while the connection has taken the last piece (so a process that
 * does not read cannot make berth stop reading its output), and at the
 * end of stdin the connection is half-closed. The terminal goes raw after
 * the handlers are in place and is restored before they are taken away,
 * so no way out leaves it raw.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands/container_io.h"
#include "commands/context.h"
#include "commands/cmd.h"
#include "lib/text.h"
#include "lib/tty.h"

#define IO_BUF 65536

int container_io_check(struct shell *sh, int tty, int stdin_open)
{
	if (tty && stdin_open && !isatty(STDIN_FILENO))
		return usage_error(sh, "the input device is not a TTY");
	return CMD_OK;
}

int container_io_check_detach_keys(struct shell *sh, const char *keys)
{
	unsigned char codes[64];
	const char *bad;
	size_t badlen;

	if (!keys || tty_detach_keys(keys, codes, sizeof(codes), &bad, &badlen) >= 0)
		return CMD_OK;
	return usage_error(sh, "invalid detach keys '%s' for --detach-keys: '%s' is not a key "
			   "(use a character, ctrl-a ... ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], "
			   "ctrl-^, ctrl-_ or DEL, separated by commas: ctrl-p,ctrl-q)",
			   CUT(keys), text_cut_n(bad, badlen, (char[TEXT_CUT_SIZE]){ 0 }));
}

/* --- signals ------------------------------------------------------------- */

static const int session_signals[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof(session_signals) / sizeof(session_signals[0]))

static volatile sig_atomic_t sig_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (sig == SIGINT)
		berth_interrupted = 1;
	if (sig_fd >= 0 && write(sig_fd, &c, 1) < 0) {
		/* the pipe is full: the loop has signals enough to read */
	}
	errno = saved;
}

struct session {
	struct shell *sh;
	struct backend_stream *s;
	struct container_io *io;
	int pipe[2];
	struct sigaction old[NSIGNALS];
	int handlers;          /* old[] holds what to put back */
	struct termios saved;
	int raw;               /* the terminal is raw: saved to restore */
	char *in;              /* stdin bytes the connection has not taken */
	size_t in_len, in_off;
	int in_eof;            /* stdin ended and the connection was half-closed */
	int out_failed;        /* stdout or stderr is gone */
	unsigned char keys[64]; /* the detach keys, when watched for */
	size_t nkeys;
	size_t matched;        /* of them, typed so far (held back) */
};

static int session_signals_on(struct session *ss)
{
	struct sigaction sa;
	size_t i;

	if (pipe(ss->pipe) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(ss->pipe[i], F_SETFL, fcntl(ss->pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(ss->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sig_fd = ss->pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < NSIGNALS; i++)
		sigaction(session_signals[i], &sa, &ss->old[i]);
	ss->handlers = 1;
	return 0;
}

static void session_signals_off(struct session *ss)
{
	size_t i;

	if (ss->handlers)
		for (i = 0; i < NSIGNALS; i++)
			sigaction(session_signals[i], &ss->old[i], NULL);
	ss->handlers = 0;
	sig_fd = -1;
	if (ss->pipe[0] >= 0)
		close(ss->pipe[0]);
	if (ss->pipe[1] >= 0)
		close(ss->pipe[1]);
	ss->pipe[0] = ss->pipe[1] = -1;
}

void container_io_reraise(int sig)
{
	if (sig != SIGTERM && sig != SIGHUP)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* --- the loop ----------------------------------------------------------- */

static void send_size(struct session *ss)
{
	int rows, cols;

	if (!ss->io->tty || !ss->io->resize)
		return;
	if (tty_size(STDOUT_FILENO, &rows, &cols) < 0 && tty_size(STDIN_FILENO, &rows, &cols) < 0)
		return;
	ss->io->resize(ss->io->ud, rows, cols);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int on_output(void *ud, int stream, const char *buf, size_t len)
{
	struct session *ss = ud;

	if (write_all(stream == 2 ? STDERR_FILENO : STDOUT_FILENO, buf, len) < 0) {
		ss->out_failed = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Hands the connection what stdin gave that it has not taken yet.
 * -1 with err when the connection broke. */
static int push_input(struct session *ss, struct berr *err)
{
	while (ss->in_off < ss->in_len) {
		long n = ss->s->ops->write(ss->s, ss->in + ss->in_off, ss->in_len - ss->in_off, err);

		if (n < 0)
			return -1;
		if (n == 0)
			return 0; /* POLLOUT will say when */
		ss->in_off += (size_t)n;
	}
	ss->in_off = ss->in_len = 0;
	return 0;
}

/* The typed bytes in ss->in[0..n) with the detach keys taken out, as the
 * docker CLI does: a partial sequence is held back until the next byte
 * shows it was not one, then passed on. 1 when the whole sequence came. */
static int watch_keys(struct session *ss, size_t *n)
{
	unsigned char typed[IO_BUF];
	size_t i, out = 0, len = *n;

	memcpy(typed, ss->in, len);
	for (i = 0; i < len; i++) {
		if (typed[i] == ss->keys[ss->matched]) {
			if (++ss->matched == ss->nkeys)
				return 1;
			continue;
		}
		memcpy(ss->in + out, ss->keys, ss->matched);
		out += ss->matched;
		ss->matched = 0;
		if (typed[i] == ss->keys[0]) {
			ss->matched = 1;
			continue;
		}
		ss->in[out++] = (char)typed[i];
	}
	*n = out;
	return 0;
}

/* stdin is readable: its bytes on to the connection, or at its end the
 * half-close. */
static int pull_input(struct session *ss, struct berr *err)
{
	ssize_t n = read(STDIN_FILENO, ss->in, IO_BUF - sizeof(ss->keys));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		/* the end, or stdin unreadable: the process sees the end */
		ss->in_eof = 1;
		return ss->s->ops->close_write(ss->s, err);
	}
	ss->in_len = (size_t)n;
	ss->in_off = 0;
	if (ss->nkeys && watch_keys(ss, &ss->in_len)) {
		ss->io->detached = 1;
		return 0;
	}
	return push_input(ss, err);
}

/* Reads the connection dry: 1 when the output ended, 0 to go on, -1 err. */
static int pull_output(struct session *ss, struct berr *err)
{
	for (;;) {
		int st = ss->s->ops->read(ss->s, on_output, ss, err);

		if (st == BACKEND_STREAM_AGAIN)
			return 0;
		if (st == BACKEND_STREAM_EOF)
			return 1;
		if (st < 0)
			return -1;
	}
}

/* The signals that came: 1 when one ends the session. */
static int take_signals(struct session *ss)
{
	unsigned char sigs[16];
	ssize_t n, i;
	int end = 0;

	while ((n = read(ss->pipe[0], sigs, sizeof(sigs))) > 0)
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGWINCH) {
				send_size(ss);
			} else {
				ss->io->signal = sigs[i];
				end = 1;
			}
		}
	return end;
}

static int pump(struct session *ss, struct berr *err)
{
	int fd = ss->s->ops->fd(ss->s);

	/* what arrived with the reply's head, before any poll */
	if (pull_output(ss, err) != 0)
		return err->kind == BERR_NONE ? 0 : -1;
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = ss->pipe[0], .events = POLLIN },
			{ .fd = -1 },
		};
		int rc;

		if (ss->in_off < ss->in_len)
			p[0].events |= POLLOUT;
		else if (ss->io->stdin_open && !ss->in_eof)
			p[2] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		rc = poll(p, 3, -1);
		if (rc < 0 && errno != EINTR)
			return berr_set(err, BERR_LOCAL, "poll: %s", strerror(errno));
		if (rc <= 0)
			continue;
		if ((p[1].revents & POLLIN) && take_signals(ss))
			return 0;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = pull_output(ss, err);
			if (rc)
				return rc < 0 ? -1 : 0;
		}
		if ((p[0].revents & POLLOUT) && push_input(ss, err) < 0)
			return -1;
		if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && pull_input(ss, err) < 0)
			return -1;
		if (ss->io->detached)
			return 0;
	}
}

int container_io_run(struct shell *sh, struct backend_stream *s, struct container_io *io)
{
	struct session ss = { .sh = sh, .s = s, .io = io, .pipe = { -1, -1 } };
	struct berr err;
	int ret = CMD_OK, failed = 0;

	berr_clear(&err);
	io->signal = 0;
	io->detached = 0;
	if (io->tty && io->stdin_open) {
		const char *bad;
		size_t badlen;
		int n = tty_detach_keys(io->detach_keys ? io->detach_keys : "ctrl-p,ctrl-q", ss.keys,
					sizeof(ss.keys), &bad, &badlen);
		ss.nkeys = n > 0 ? (size_t)n : 0;
	}
	fflush(stdout);
	if (!(ss.in = malloc(IO_BUF)))
		return error(sh, "out of memory");
	if (session_signals_on(&ss) < 0) {
		ret = error(sh, "cannot set up the session: %s", strerror(errno));
		goto cleanup;
	}
	if (io->tty && io->stdin_open && isatty(STDIN_FILENO)) {
		if (tty_raw(STDIN_FILENO, &ss.saved) < 0) {
			ret = error(sh, "cannot put the terminal in raw mode: %s", strerror(errno));
			goto cleanup;
		}
		ss.raw = 1;
	}
	send_size(&ss);
	/* a Ctrl-C before the handlers were in place */
	if (berth_interrupted)
		io->signal = SIGINT;
	else if (pump(&ss, &err) < 0 && !ss.out_failed)
		failed = 1;
	/* the terminal back before any message, so it reads as a line */
	if (ss.raw)
		tty_restore(STDIN_FILENO, &ss.saved);
	ss.raw = 0;
	if (failed)
		ret = error(sh, "%s", err.msg);
	if (ss.out_failed && ss.out_failed != EPIPE)
		ret = error(sh, "cannot write the output: %s", strerror(ss.out_failed));
	if (ss.out_failed)
		sh->out_closed = ss.out_failed == EPIPE ? 1 : 2;
cleanup:
	if (ss.raw)
		tty_restore(STDIN_FILENO, &ss.saved);
	session_signals_off(&ss);
	free(ss.in);
	return ret;
}
