/* shell.c: the shell context: where errors go, which engine commands talk
 * to, and running lines, words and whole batch streams.
 *
 * Every mode ends up in shell_run_words(), so dispatch, option parsing,
 * --help and exit statuses behave the same in one-shot, batch and
 * interactive use.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "shell/shell.h"
#include "shell/settings.h"
#include "commands/args.h"
#include "commands/dispatch.h"
#include "shell/lexer.h"
#include "lib/strbuf.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/backend.h"
#include "lib/berr.h"
#include "commands/commands.h"
#include "commands/targets.h"
#include "lib/names.h"
#include "lib/xalloc.h"
#include "lib/text.h"

/* --- reporting ------------------------------------------------------ */

/* One line on stderr, labelled for where the shell is: "FILE:LINE: " while
 * a batch runs, "berth: " everywhere else. Messages from engines may hold
 * newlines; they are folded so that each report stays one line, and other
 * control characters (a word's or an engine's) are shown as '?'. */
static void report(struct shell *sh, const char *kind, const char *fmt, va_list ap)
{
	char *msg = NULL, *p;
	size_t len;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (msg) {
		for (p = msg; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
			else if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?'; /* \v, \f, ESC: no line feed, no terminal escape */
		/* the user's words are cut where they are quoted (CUT); this
		 * catches whatever else would make the line huge */
		text_cut_words(msg);
		len = strlen(msg);
		while (len && msg[len - 1] == ' ')
			msg[--len] = '\0';
	}
	/* what the command already printed comes first on a shared terminal */
	if (!sh || !sh->out_closed)
		fflush(stdout);
	if (sh && sh->source && sh->lineno)
		fprintf(stderr, "%s:%lu: ", strcmp(sh->source, "-") ? sh->source : "stdin",
			sh->lineno);
	else
		fputs("berth: ", stderr);
	fprintf(stderr, "%s%s\n", kind ? kind : "", msg ? msg : "out of memory");
	fflush(stderr);
	free(msg);
}

int error(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sh, NULL, fmt, ap);
	va_end(ap);
	return CMD_ERROR;
}

int usage_error(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sh, NULL, fmt, ap);
	va_end(ap);
	return CMD_USAGE;
}

void warning(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sh, "warning: ", fmt, ap);
	va_end(ap);
}

/* --- output --------------------------------------------------------- */

static int out_failed(struct shell *sh, int e)
{
	if (sh && !sh->out_closed) {
		/* a reader that went away (berth ... | head) is no error: 1;
		 * a full disk or a bad descriptor is: 2 */
		sh->out_closed = e == EPIPE ? 1 : 2;
		if (e != EPIPE)
			error(sh, "cannot write to standard output: %s", strerror(e));
	}
	return -1;
}

int out_write(struct shell *sh, const char *buf, size_t len)
{
	if (sh && sh->out_closed)
		return -1;
	if (!len)
		return 0;
	errno = 0;
	/* a line-buffered stdout may report a failed flush of a full line
	 * as a successful fwrite: only ferror() tells */
	if (fwrite(buf, 1, len, stdout) != len || ferror(stdout))
		return out_failed(sh, errno ? errno : EIO);
	return 0;
}

int out_printf(struct shell *sh, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sh && sh->out_closed)
		return -1;
	errno = 0;
	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	if (n < 0 || ferror(stdout))
		return out_failed(sh, errno ? errno : EIO);
	return n;
}

static int out_flush(struct shell *sh)
{
	if (sh->out_closed)
		return -1;
	errno = 0;
	if (fflush(stdout) == EOF)
		return out_failed(sh, errno ? errno : EIO);
	return 0;
}

static void shell_note(void *ud, enum fleet_note kind, const char *msg);

/* --- set-up --------------------------------------------------------- */

int shell_init(struct shell *sh, enum shell_mode mode)
{
	struct berr err;

	memset(sh, 0, sizeof(*sh));
	sh->mode = mode;
	sh->in_tty = isatty(STDIN_FILENO);
	sh->out_tty = isatty(STDOUT_FILENO);
	berr_clear(&err);
	/* settings_load reads BERTH_CONFIG, which main sets from --config. A
	 * file that cannot be read or is wrong stops only the commands that
	 * need the settings (shell_run_words): help and version never do. */
	if (settings_load(&sh->settings, NULL, &err) < 0) {
		settings_release(&sh->settings);
		settings_init(&sh->settings);
		if (!err.msg[0])
			berr_set(&err, BERR_LOCAL, "cannot load the configuration");
		sh->settings_failed = 1;
		sh->settings_err = err;
		fleet_init(&sh->fleet, &sh->settings, shell_note, sh);
		return 0;
	}
	fleet_init(&sh->fleet, &sh->settings, shell_note, sh);
	/* default_host pins; without it a session acts on the pool */
	if (sh->settings.default_host_set && sh->settings.default_host)
		sh->current_host = xstrdup(sh->settings.default_host);
	return 0;
}

void shell_release(struct shell *sh)
{
	fleet_release(&sh->fleet);
	free(sh->current_host);
	sh->current_host = NULL;
	settings_release(&sh->settings);
}

/* --- the fleet's notices ---------------------------------------------- */

/* Lines the fleet says while a command goes on: an error line for a host
 * that failed, a warning, or (only for a person at a terminal) progress. */
static void shell_note(void *ud, enum fleet_note kind, const char *msg)
{
	struct shell *sh = ud;

	switch (kind) {
	case FLEET_NOTE_ERROR:
		error(sh, "%s", msg);
		break;
	case FLEET_NOTE_WARNING:
		warning(sh, "%s", msg);
		break;
	case FLEET_NOTE_PROGRESS:
		if (isatty(STDERR_FILENO))
			error(sh, "%s", msg);
		break;
	}
}

/* --- hosts ---------------------------------------------------------- */

/* A URL given where a host name goes (-H tcp://...) becomes a host of its
 * own, named by the URL, with the docker CLI's TLS variables as for local. */
static const struct host_settings *add_url_host(struct shell *sh, const char *url)
{
	struct settings *cfg = &sh->settings;
	struct host_settings *h;
	const char *verify = getenv("DOCKER_TLS_VERIFY");

	strindex_clear(&cfg->host_ix); /* built again with this one */
	cfg->hosts = xgrow(cfg->hosts, cfg->nhosts, cfg->nhosts + 1, sizeof(*cfg->hosts));
	h = &cfg->hosts[cfg->nhosts++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(url);
	h->url = xstrdup(url);
	h->insecure = sh->fleet.insecure; /* plain HTTP only when --insecure says so */
	if (verify && *verify) {
		const char *certs = getenv("DOCKER_CERT_PATH");
		const char *home = getenv("HOME");

		if (certs && *certs) {
			h->tls_dir = xstrdup(certs);
		} else {
			size_t n = strlen(home ? home : "") + sizeof("/.docker");

			h->tls_dir = xrealloc(NULL, n);
			snprintf(h->tls_dir, n, "%s/.docker", home ? home : "");
		}
		h->tls_verify = 1;
	}
	return h;
}

int shell_set_host(struct shell *sh, const char *name)
{
	struct host_ref h;
	struct berr err;
	int rc;

	if (!settings_find_host(&sh->settings, name) && host_is_adhoc(name))
		add_url_host(sh, name);
	rc = hosts_find(&sh->fleet, name, 0, &h, &err);
	if (rc <= 0) {
		struct berr uerr;

		/* a name nobody knows is a usage error; one that could not be
		 * looked up (the store is out of reach) a failure */
		fleet_unknown_host(&sh->fleet, name, rc < 0 ? &err : NULL, &uerr);
		return cmd_fail(sh, &uerr);
	}
	free(sh->current_host);
	sh->current_host = xstrdup(h.name);
	host_ref_release(&h);
	return 0;
}

void shell_use_pool(struct shell *sh)
{
	free(sh->current_host);
	sh->current_host = NULL;
}

/* --- running -------------------------------------------------------- */

static int is_help_word(const char *w)
{
	return !strcmp(w, "-h") || !strcmp(w, "--help");
}

/* "container create --help", "container --help" and "docker --help" are
 * "help container create", "help container" and "help": one generator for
 * all of them. */
static int run_help(struct shell *sh, const char *noun, const char *verb)
{
	char *words[3];
	struct args a;
	int rc;

	memset(&a, 0, sizeof(a));
	words[0] = (char *)noun;
	words[1] = (char *)verb;
	words[2] = NULL;
	a.entry = &cmd_help_entry;
	a.argv = words;
	a.argc = !noun ? 0 : verb ? 2 : 1;
	rc = cmd_help_entry.exec(sh, &a);
	return rc;
}

static int status_of(int rc)
{
	if (rc == CMD_OK)
		return 0;
	if (rc == CMD_USAGE)
		return 2;
	return 1;
}

int shell_run_words(struct shell *sh, int argc, char *const *argv)
{
	struct dispatch d;
	struct args a;
	char errbuf[1024];
	enum dispatch_status st;
	int status;

	if (argc <= 0)
		return 0;
	memset(&a, 0, sizeof(a));
	berth_interrupted = 0;
	/* at the prompt each command gets a fresh try at a store that was out
	 * of reach, and its own warnings; a one-shot or a batch remembers */
	if (sh->mode == SHELL_INTERACTIVE)
		fleet_new_command(&sh->fleet);

	st = dispatch_find(cmd_table, argc, argv, &d, errbuf, sizeof(errbuf));
	if (st == DISPATCH_INCOMPLETE && d.consumed < argc && is_help_word(argv[d.consumed])) {
		status = status_of(run_help(sh, d.noun, NULL));
		goto cleanup;
	}
	if (st != DISPATCH_OK) {
		status = status_of(usage_error(sh, "%s", errbuf));
		goto cleanup;
	}
	if (args_parse(&a, d.entry, argc - d.consumed, argv + d.consumed, errbuf,
		       sizeof(errbuf)) < 0) {
		status = status_of(usage_error(sh, "%s", errbuf));
		goto cleanup;
	}
	if (args_has(&a, "help")) {
		status = status_of(run_help(sh, d.entry->noun, d.entry->verb));
		goto cleanup;
	}
	if (sh->settings_failed && !(d.entry->flags & CMD_F_NO_SETTINGS)) {
		status = status_of(error(sh, "%s", sh->settings_err.msg));
		goto cleanup;
	}
	sh->cmd_status = 0;
	status = status_of(d.entry->exec(sh, &a));
	if (status == 0)
		status = sh->cmd_status & 255;

cleanup:
	args_release(&a);
	out_flush(sh);
	/* output into a closed pipe ends the run quietly, not as a failure;
	 * output that could not be written otherwise is one */
	if (sh->out_closed == 1 && status == 1)
		status = 0;
	else if (sh->out_closed == 2 && status == 0)
		status = 1;
	if (berth_interrupted)
		status = 130;
	return status;
}

/* Runs lexed commands in order, stopping at the first failure unless
 * keep_going; the status is that of the first failure (the last one with
 * keep_going). */
static int run_cmdline(struct shell *sh, const struct cmdline *cl)
{
	int status = 0, rc;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		rc = shell_run_words(sh, (int)cl->cmds[i].n, cl->cmds[i].words);
		if (rc) {
			status = rc;
			if (!sh->keep_going || rc == 130)
				break;
		}
		if (sh->quit || sh->out_closed)
			break;
	}
	return status;
}

int shell_run_line(struct shell *sh, const char *line)
{
	struct cmdline cl;
	enum lex_status st;
	int status;

	st = lex_line(line, &cl);
	if (st != LEX_OK)
		return status_of(usage_error(sh, "%s", lex_strerror(st)));
	status = run_cmdline(sh, &cl);
	cmdline_release(&cl);
	return status;
}

/* The next command of in: its lines, joined by backslash-newline, into
 * text (reset first). 1 with a command in text, 0 at the end of in, -1
 * with sh->lineno on the bad line and *st LEX_OK for a NUL byte or
 * LEX_TRAILING_BACKSLASH for an end of file inside a continued command
 * (said by the caller), -2 when in cannot be read. */
static int read_command(struct shell *sh, FILE *in, char **line, size_t *cap,
			unsigned long *lineno, struct strbuf *text, enum lex_status *st)
{
	struct lex_cont cont = { 0 };

	strbuf_reset(text);
	for (;;) {
		ssize_t len;

		errno = 0;
		len = getline(line, cap, in);
		if (len < 0) {
			if (berth_interrupted || ferror(in))
				return -2;
			if (!text->len)
				return 0;
			/* a last line ending in a backslash: the file was cut
			 * short (or the rest never written), so the command is
			 * not run half */
			*st = LEX_TRAILING_BACKSLASH;
			return -1;
		}
		++*lineno;
		if (!text->len)
			sh->lineno = *lineno; /* messages name a command's first line */
		if (len && (*line)[len - 1] == '\n')
			(*line)[--len] = '\0';
		if (len && (*line)[len - 1] == '\r')
			(*line)[--len] = '\0';
		if (memchr(*line, '\0', (size_t)len)) {
			sh->lineno = *lineno;
			*st = LEX_OK;
			return -1;
		}
		if (text->len)
			strbuf_addch(text, '\n');
		strbuf_add(text, *line, (size_t)len);
		*st = lex_piece(*line, &cont);
		if (*st != LEX_TRAILING_BACKSLASH)
			return 1;
	}
}

int shell_run_stream(struct shell *sh, FILE *in, const char *name)
{
	const char *saved_source = sh->source;
	unsigned long saved_lineno = sh->lineno, lineno = 0;
	struct strbuf text = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	int status = 0, rc;

	sh->source = name;
	while (!sh->quit && !sh->out_closed) {
		struct cmdline cl;
		enum lex_status st = LEX_OK;

		rc = read_command(sh, in, &line, &cap, &lineno, &text, &st);
		if (rc == 0)
			break;
		if (rc == -2) {
			if (berth_interrupted) {
				status = 130;
				break;
			}
			sh->lineno = 0;
			status = status_of(error(sh, "cannot read %s: %s",
						 strcmp(name, "-") ? name : "stdin",
						 strerror(errno ? errno : EIO)));
			break;
		}
		if (rc == -1 && st == LEX_TRAILING_BACKSLASH) {
			rc = status_of(usage_error(sh, "the file ends inside this command (its last "
						   "line ends in a backslash): finish it"));
		} else if (rc == -1) {
			rc = status_of(usage_error(sh, "a NUL byte in the line: remove it"));
		} else {
			st = lex_line(text.buf, &cl);
			if (st != LEX_OK)
				rc = status_of(usage_error(sh, "%s", lex_strerror(st)));
			else
				rc = run_cmdline(sh, &cl);
			cmdline_release(&cl);
		}
		if (sh->quit) {
			status = sh->quit_status;
			break;
		}
		if (rc) {
			status = rc;
			if (!sh->keep_going || rc == 130)
				break;
		}
	}
	strbuf_release(&text);
	free(line);
	sh->source = saved_source;
	sh->lineno = saved_lineno;
	return status;
}
