/* lexer.h: splits a command line into words as a POSIX shell does.
 *
 * Blanks separate words; single quotes keep everything literally; double
 * quotes keep everything but \" \\ \$ \` and backslash-newline; a backslash
 * outside quotes escapes the next character. A '#' at the start of a word
 * starts a comment. A ';' outside quotes separates commands on one line.
 * No expansion of any kind is done.
 */
#ifndef BERTH_LEXER_H
#define BERTH_LEXER_H

#include <stddef.h>

struct wordlist {
	char **words; /* owned, NULL-terminated */
	size_t n;
};

struct cmdline {
	struct wordlist *cmds; /* owned: one word list per ';'-separated command */
	size_t n;
};

enum lex_status {
	LEX_OK = 0,
	LEX_UNTERMINATED_SQUOTE,
	LEX_UNTERMINATED_DQUOTE,
	LEX_TRAILING_BACKSLASH, /* the line ends in a backslash: continuation */
};

/* Splits line into commands; empty commands (blank, comment-only) are
 * dropped. On anything but LEX_OK, out is left empty. */
enum lex_status lex_line(const char *line, struct cmdline *out);
void cmdline_release(struct cmdline *c);
void wordlist_release(struct wordlist *w);
/* One line for the user: "unterminated single quote: close it with '". */
const char *lex_strerror(enum lex_status st);

/* A command read in pieces (the lines of a batch file or of the prompt,
 * joined by backslash-newline): where the text so far ends, so that each
 * line is scanned once and a long continued command costs linear time. */
struct lex_cont {
	char quote;  /* '"' when the text so far ends inside double quotes */
	int in_word; /* ... or inside a word (a '#' there starts no comment) */
};
/* piece is the next line (without its newline), st where the lines before
 * it left off ({0} for the first). LEX_TRAILING_BACKSLASH: it ends in a
 * continuation, st is updated, read another line. Anything else: the text
 * is complete (LEX_OK) or wrong as lex_line would say; lex it whole once. */
enum lex_status lex_piece(const char *piece, struct lex_cont *st);

/* For completion: the last ';'-separated command of a line being typed.
 * An open quote or a trailing backslash is not an error here. */
struct lex_partial {
	struct wordlist words; /* owned: the finished words of the last command */
	char *word;            /* owned: the word being typed, unquoted ("" after a blank) */
	size_t word_start;     /* offset in line where that word starts */
	char quote;            /* '\'' or '"' when the line ends inside quotes, else 0 */
	int in_comment;        /* the line ends in a comment: nothing to complete */
};
void lex_partial(const char *line, struct lex_partial *out);
void lex_partial_release(struct lex_partial *p);

#endif
