/* lexer.c: POSIX-style word splitting for berth command lines.
 *
 * One pass over the line builds words into a growing buffer. The same pass
 * serves completion (lex_partial): there an open quote or a trailing
 * backslash is not an error but the state the user is typing in, and the
 * word under the cursor is handed back unfinished.
 */
#include <stdlib.h>
#include <string.h>
#include "shell/lexer.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static void wl_push(struct wordlist *w, char *word)
{
	w->words = xgrow(w->words, w->words ? w->n + 1 : 0, w->n + 2, sizeof(*w->words));
	w->words[w->n++] = word;
	w->words[w->n] = NULL;
}

void wordlist_release(struct wordlist *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		free(w->words[i]);
	free(w->words);
	w->words = NULL;
	w->n = 0;
}

void cmdline_release(struct cmdline *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		wordlist_release(&c->cmds[i]);
	free(c->cmds);
	c->cmds = NULL;
	c->n = 0;
}

struct lexer {
	const char *line;
	struct strbuf word;
	int in_word;          /* a word has started (even an empty '' one) */
	size_t word_start;
	struct wordlist cur;  /* the command being built */
	struct cmdline *out;  /* NULL in partial mode: only the last command is kept */
	char start_quote;     /* '"': the text starts inside double quotes (lex_piece) */
};

static void end_word(struct lexer *lx)
{
	if (!lx->in_word)
		return;
	wl_push(&lx->cur, strbuf_detach(&lx->word));
	lx->in_word = 0;
}

static void end_command(struct lexer *lx)
{
	end_word(lx);
	if (lx->cur.n == 0)
		return; /* blank or comment-only: dropped */
	if (lx->out) {
		struct cmdline *c = lx->out;

		c->cmds = xgrow(c->cmds, c->n, c->n + 1, sizeof(*c->cmds));
		c->cmds[c->n++] = lx->cur;
	} else {
		wordlist_release(&lx->cur);
	}
	lx->cur.words = NULL;
	lx->cur.n = 0;
}

/* Result of a run: where the line ended, for lex_partial. */
struct lex_end {
	enum lex_status status;
	char quote;
	int in_comment;
};

/* Inside double quotes from *pp to the closing one (consumed): 0, or -1
 * with end's status set when the text ends first. */
static int lex_dquote(struct lexer *lx, const char **pp, struct lex_end *end)
{
	const char *p = *pp;

	for (;;) {
		if (!*p) {
			end->status = LEX_UNTERMINATED_DQUOTE;
			end->quote = '"';
			return -1;
		}
		if (*p == '"') {
			*pp = p + 1;
			return 0;
		}
		if (*p == '\\') {
			char n = p[1];

			if (!n) {
				end->status = LEX_TRAILING_BACKSLASH;
				end->quote = '"';
				return -1;
			}
			if (n == '\n') {
				p += 2;
				continue;
			}
			if (strchr("\"\\$`", n)) {
				strbuf_addch(&lx->word, n);
				p += 2;
				continue;
			}
			/* any other backslash is kept, as POSIX says */
			strbuf_addch(&lx->word, '\\');
			p++;
			continue;
		}
		strbuf_addch(&lx->word, *p++);
	}
}

static struct lex_end lex_run(struct lexer *lx)
{
	const char *p = lx->line;
	struct lex_end end = { LEX_OK, 0, 0 };

	/* a piece that goes on inside double quotes (lex_piece) */
	if (lx->start_quote == '"' && lex_dquote(lx, &p, &end) < 0)
		return end;

	while (*p) {
		char c = *p;

		if (c == '\\' && p[1] == '\n') {
			/* a continuation joins lines; it neither starts nor ends a word */
			p += 2;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			end_word(lx);
			p++;
			continue;
		}
		if (c == '\n' || c == ';') {
			end_command(lx);
			p++;
			continue;
		}
		if (c == '#' && !lx->in_word) {
			while (*p && *p != '\n')
				p++;
			if (!*p)
				end.in_comment = 1;
			continue;
		}
		if (!lx->in_word) {
			lx->in_word = 1;
			lx->word_start = (size_t)(p - lx->line);
		}
		if (c == '\'') {
			p++;
			while (*p && *p != '\'')
				strbuf_addch(&lx->word, *p++);
			if (!*p) {
				end.status = LEX_UNTERMINATED_SQUOTE;
				end.quote = '\'';
				return end;
			}
			p++;
			continue;
		}
		if (c == '"') {
			p++;
			if (lex_dquote(lx, &p, &end) < 0)
				return end;
			continue;
		}
		if (c == '\\') {
			if (!p[1]) {
				end.status = LEX_TRAILING_BACKSLASH;
				return end;
			}
			strbuf_addch(&lx->word, p[1]);
			p += 2;
			continue;
		}
		strbuf_addch(&lx->word, c);
		p++;
	}
	return end;
}

static void lexer_release(struct lexer *lx)
{
	strbuf_release(&lx->word);
	wordlist_release(&lx->cur);
}

enum lex_status lex_line(const char *line, struct cmdline *out)
{
	struct lexer lx;
	struct lex_end end;

	memset(out, 0, sizeof(*out));
	memset(&lx, 0, sizeof(lx));
	strbuf_init(&lx.word);
	lx.line = line ? line : "";
	lx.out = out;
	end = lex_run(&lx);
	if (end.status == LEX_OK)
		end_command(&lx);
	lexer_release(&lx);
	if (end.status != LEX_OK)
		cmdline_release(out);
	return end.status;
}

enum lex_status lex_piece(const char *piece, struct lex_cont *st)
{
	struct lexer lx;
	struct lex_end end;

	memset(&lx, 0, sizeof(lx));
	strbuf_init(&lx.word);
	lx.line = piece ? piece : "";
	lx.in_word = st->in_word;
	lx.start_quote = st->quote;
	end = lex_run(&lx);
	if (end.status == LEX_TRAILING_BACKSLASH) {
		st->quote = end.quote;
		st->in_word = lx.in_word;
	}
	lexer_release(&lx);
	return end.status;
}

void lex_partial(const char *line, struct lex_partial *out)
{
	struct lexer lx;
	struct lex_end end;

	memset(out, 0, sizeof(*out));
	memset(&lx, 0, sizeof(lx));
	strbuf_init(&lx.word);
	lx.line = line ? line : "";
	lx.out = NULL;
	end = lex_run(&lx);
	out->quote = end.quote;
	out->in_comment = end.in_comment;
	/* sb_take gives "" when the line ends between words */
	out->word = strbuf_detach(&lx.word);
	out->word_start = lx.in_word ? lx.word_start : strlen(lx.line);
	out->words = lx.cur;
	lx.cur.words = NULL;
	lx.cur.n = 0;
	lexer_release(&lx);
	if (!out->words.words) {
		out->words.words = xrealloc(NULL, sizeof(char *));
		out->words.words[0] = NULL;
	}
}

void lex_partial_release(struct lex_partial *p)
{
	if (!p)
		return;
	wordlist_release(&p->words);
	free(p->word);
	p->word = NULL;
}

const char *lex_strerror(enum lex_status st)
{
	switch (st) {
	case LEX_OK:
		return "no error";
	case LEX_UNTERMINATED_SQUOTE:
		return "unterminated single quote: close it with '";
	case LEX_UNTERMINATED_DQUOTE:
		return "unterminated double quote: close it with \"";
	case LEX_TRAILING_BACKSLASH:
		return "the line ends with a backslash: remove it or continue the command on the next line";
	}
	return "unknown lexer error";
}
