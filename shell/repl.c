/* repl.c: the interactive loop on libedit (loaded by editline.c).
 *
 * Signals: the loop installs a SIGINT handler without SA_RESTART that sets
 * berth_interrupted. At the prompt that makes libedit's read() fail with
 * EINTR, so el_gets() returns NULL and we start a fresh line; while a
 * command runs (the terminal is back in cooked mode) the same flag cancels
 * the command, and the loop goes on. libedit's own signal handling stays
 * off: it would re-raise SIGINT to the whole process group.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <wchar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "shell/repl.h"
#include "shell/editline.h"
#include "shell/complete.h"
#include "shell/lexer.h"
#include "lib/strbuf.h"
#include "shell/settings.h"
#include "lib/berr.h"
#include "lib/paths.h"
#include "lib/xalloc.h"

#define HISTORY_SIZE 1000

struct repl {
	struct shell *sh;
	const struct complete_source *extra;
	struct complete_source source;
	EditLine *el;
	History *hist;
	FILE *out;
	char *histfile;         /* owned; NULL when there is no home for it */
	int history_warned;
	int continuing;         /* the previous line ended in a backslash */
	char prompt[512];
};

/* While a command runs the terminal echoes ^C where the output stopped;
 * the handler ends that line at once, before any message about the
 * cancelled command is printed. */
/* libedit (editline.c): set by repl_run before anything else here runs */
static const struct editline *ed;

static volatile sig_atomic_t command_running;
static int terminal_fd = -1;

static void on_sigint(int sig)
{
	berth_interrupted = 1;
	if (command_running && terminal_fd >= 0) {
		ssize_t rc = write(terminal_fd, "\n", 1);

		(void)rc;
	}
}

/* libedit's own reader only notices Ctrl-C when it lands inside read();
 * one that comes just before (while the prompt is drawn, or typed ahead)
 * would be lost and the line kept. So characters are read here: SIGINT is
 * blocked except inside ppoll(), which lets it in atomically, and the flag
 * is checked before each wait. Returns 1 with a character, 0 at end of
 * input, -1 with errno EINTR on Ctrl-C. */
static int read_char(EditLine *el, wchar_t *wc)
{
	sigset_t block, orig;
	char buf[MB_LEN_MAX];
	size_t n = 0;
	int fd = STDIN_FILENO, ret = -1;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		mbstate_t mbs;
		ssize_t got;
		size_t conv;

		if (berth_interrupted) {
			errno = EINTR;
			ret = -1;
			break;
		}
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue; /* Ctrl-C is seen at the top; others are no matter */
			ret = -1;
			break;
		}
		got = read(fd, buf + n, 1);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -1;
			break;
		}
		if (got == 0) {
			ret = 0;
			break;
		}
		n++;
		memset(&mbs, 0, sizeof(mbs));
		conv = mbrtowc(wc, buf, n, &mbs);
		if (conv == (size_t)-2 && n < sizeof(buf))
			continue; /* the rest of a multibyte character */
		if (conv == (size_t)-1 || conv == (size_t)-2) {
			n = 0;    /* not a character in this locale: dropped */
			continue;
		}
		if (conv == 0)
			*wc = L'\0';
		ret = 1;
		break;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	(void)el;
	return ret;
}

static struct repl *repl_of(EditLine *el)
{
	void *r = NULL;

	ed->el_get(el, EL_CLIENTDATA, &r);
	return r;
}

static char *prompt_fn(EditLine *el)
{
	struct repl *r = repl_of(el);

	if (r->continuing)
		snprintf(r->prompt, sizeof(r->prompt), "> ");
	else
		snprintf(r->prompt, sizeof(r->prompt), "berth %s> ",
			 r->sh->current_host ? r->sh->current_host : "pool");
	return r->prompt;
}

/* Hosts from the configuration, then whatever the caller's source adds. */
static void names_fn(void *ud, enum arg_kind kind, const char *prefix, struct complete_list *out)
{
	struct repl *r = ud;
	size_t i;

	if (kind == ARG_HOST)
		for (i = 0; i < r->sh->settings.nhosts; i++)
			if (!strncmp(r->sh->settings.hosts[i].name, prefix, strlen(prefix)))
				complete_list_add(out, r->sh->settings.hosts[i].name);
	if (r->extra && r->extra->names)
		r->extra->names(r->extra->ud, kind, prefix, out);
}

/* Characters, not bytes: el_deletestr counts what the user sees. */
static int char_count(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);

	return n == (size_t)-1 ? (int)strlen(s) : (int)n;
}

static void replace_word(EditLine *el, const char *typed, const struct completion *c,
			 const char *word, int final)
{
	size_t len = strlen(word);
	int dir = final && len && word[len - 1] == '/';
	char *q = complete_quote(word, c->quote, final && !dir);

	ed->el_deletestr(el, char_count(typed + c->start));
	ed->el_insertstr(el, q);
	if (final && !dir)
		ed->el_insertstr(el, " ");
	free(q);
}

static int term_columns(struct repl *r)
{
	struct winsize ws;

	if (ioctl(fileno(r->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* The candidates in columns under the line, as ls lays them out. What
 * they all share up to the last '/' typed (a directory) is left out. */
static void list_candidates(struct repl *r, const struct completion *c)
{
	const char *slash = strrchr(c->prefix, '/');
	size_t skip = slash ? (size_t)(slash - c->prefix) + 1 : 0;
	size_t i, width = 0, cols, rows, row, col;

	for (i = 0; i < c->cands.n; i++)
		if (strlen(c->cands.items[i] + skip) > width)
			width = strlen(c->cands.items[i] + skip);
	width += 2;
	cols = (size_t)term_columns(r) / width;
	if (cols < 1)
		cols = 1;
	rows = (c->cands.n + cols - 1) / cols;
	fputc('\n', r->out);
	for (row = 0; row < rows; row++) {
		for (col = 0; col < cols; col++) {
			i = col * rows + row;
			if (i >= c->cands.n)
				break;
			if (col + 1 < cols && i + rows < c->cands.n)
				fprintf(r->out, "%-*s", (int)width, c->cands.items[i] + skip);
			else
				fputs(c->cands.items[i] + skip, r->out);
		}
		fputc('\n', r->out);
	}
	fflush(r->out);
}

static unsigned char complete_fn(EditLine *el, int ch)
{
	struct repl *r = repl_of(el);
	const LineInfo *li = ed->el_line(el);
	size_t len = (size_t)(li->cursor - li->buffer);
	struct completion c;
	unsigned char ret = CC_ERROR;
	char *typed, *common;

	typed = xrealloc(NULL, len + 1);
	memcpy(typed, li->buffer, len);
	typed[len] = '\0';
	complete_line(cmd_table, typed, &r->source, &c);
	if (c.cands.n == 1) {
		replace_word(el, typed, &c, c.cands.items[0], 1);
		ret = CC_REFRESH;
	} else if (c.cands.n > 1) {
		common = complete_common(&c);
		if (strlen(common) > strlen(c.prefix)) {
			replace_word(el, typed, &c, common, 0);
			ret = CC_REFRESH;
		} else {
			list_candidates(r, &c);
			ret = CC_REDISPLAY;
		}
		free(common);
	}
	completion_release(&c);
	free(typed);
	return ret;
}

static void history_add(struct repl *r, const char *text)
{
	HistEvent ev;
	char *flat, *p;
	const char *s;

	/* a continued command is kept as the one line it means */
	flat = xrealloc(NULL, strlen(text) + 1);
	for (s = text, p = flat; *s; s++) {
		if (s[0] == '\\' && s[1] == '\n') {
			s++;
			continue;
		}
		*p++ = *s;
	}
	*p = '\0';
	ed->history(r->hist, &ev, H_ENTER, flat);
	free(flat);
	if (!r->histfile)
		return;
	/* saved after every line: a crash or a kill loses nothing */
	if ((mkdir_parents(r->histfile) < 0 || ed->history(r->hist, &ev, H_SAVE, r->histfile) < 0) &&
	    !r->history_warned) {
		warning(r->sh, "cannot save history to %s: %s", r->histfile, strerror(errno));
		r->history_warned = 1;
	}
}

static int repl_setup(struct repl *r)
{
	HistEvent ev;

	r->out = isatty(STDOUT_FILENO) ? stdout : stderr;
	r->el = ed->el_init("berth", stdin, r->out, stderr);
	if (!r->el)
		return error(r->sh, "cannot set up line editing on this terminal");
	r->hist = ed->history_init();
	if (!r->hist)
		return error(r->sh, "cannot set up the command history");
	ed->history(r->hist, &ev, H_SETSIZE, HISTORY_SIZE);
	ed->history(r->hist, &ev, H_SETUNIQUE, 1);
	r->histfile = xdg_path("state", "history");
	if (r->histfile)
		ed->history(r->hist, &ev, H_LOAD, r->histfile); /* none yet is fine */

	ed->el_set(r->el, EL_CLIENTDATA, r);
	ed->el_set(r->el, EL_EDITOR, "emacs");
	ed->el_set(r->el, EL_PROMPT, prompt_fn);
	ed->el_set(r->el, EL_HIST, ed->history, r->hist);
	ed->el_set(r->el, EL_SIGNAL, 0);
	ed->el_set(r->el, EL_GETCFN, read_char);
	/* the wide call: the narrow one copies both strings and never frees them */
	ed->el_wset(r->el, EL_ADDFN, L"berth-complete", L"complete a berth command word, option or name",
		complete_fn);
	ed->el_set(r->el, EL_BIND, "^I", "berth-complete", NULL);
	ed->el_source(r->el, NULL); /* the user's ~/.editrc may rebind keys */
	return 0;
}

static void repl_teardown(struct repl *r)
{
	if (r->el)
		ed->el_end(r->el);
	if (r->hist)
		ed->history_end(r->hist);
	free(r->histfile);
}

int repl_run(struct shell *sh, const struct complete_source *src)
{
	struct repl r;
	struct strbuf text = STRBUF_INIT;
	struct lex_cont cont = { 0 };
	int status = 0, sigint_set = 0;
	struct sigaction sa, old_sa;
	const char *why;

	if (!ed && !(ed = editline_load(&why))) {
		/* the commands still run, one per line, as from a pipe */
		warning(sh, "line editing is off (%s): install libedit", why);
		return shell_run_stream(sh, stdin, "-");
	}
	memset(&r, 0, sizeof(r));
	r.sh = sh;
	r.extra = src;
	r.source.names = names_fn;
	r.source.ud = &r;
	if (repl_setup(&r) < 0) {
		status = 1;
		goto cleanup;
	}
	terminal_fd = fileno(r.out);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the prompt's read() must return */
	sigaction(SIGINT, &sa, &old_sa);
	sigint_set = 1;

	while (!sh->quit) {
		const char *line;
		struct cmdline cl;
		enum lex_status st;
		size_t len;
		int count = 0;

		berth_interrupted = 0;
		r.continuing = text.len > 0;
		/* the terminal goes raw before the prompt is drawn: a key typed
		 * as soon as the prompt shows must not meet the cooked line
		 * discipline (a ^D there turns into a NUL byte, not an EOF) */
		ed->el_set(r.el, EL_PREP_TERM, 1);
		line = ed->el_gets(r.el, &count);
		if (!line) {
			if (berth_interrupted || (count < 0 && errno == EINTR)) {
				/* Ctrl-C at the prompt: drop the line, start afresh */
				fputc('\n', r.out);
				fflush(r.out);
				strbuf_reset(&text);
				memset(&cont, 0, sizeof(cont));
				continue;
			}
			fputc('\n', r.out); /* Ctrl-D: leave the terminal on a new line */
			break;
		}
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			len--;
		if (text.len)
			strbuf_addch(&text, '\n');
		strbuf_add(&text, line, len);
		/* each line is scanned once: a long continued command stays linear */
		if (lex_piece(text.buf + text.len - len, &cont) == LEX_TRAILING_BACKSLASH)
			continue; /* more to come on a "> " line */
		memset(&cont, 0, sizeof(cont));
		st = lex_line(text.buf, &cl);
		if (st == LEX_OK && cl.n == 0) {
			strbuf_reset(&text); /* blank or a comment: nothing to run or keep */
			continue;
		}
		cmdline_release(&cl);
		history_add(&r, text.buf);
		command_running = 1;
		shell_run_line(sh, text.buf);
		command_running = 0;
		strbuf_reset(&text);
		if (sh->out_closed)
			break;
	}
	if (sh->quit)
		status = sh->quit_status;

cleanup:
	if (sigint_set)
		sigaction(SIGINT, &old_sa, NULL);
	strbuf_release(&text);
	repl_teardown(&r);
	return status;
}
