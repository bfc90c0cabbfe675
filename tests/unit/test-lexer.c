/* test-lexer.c: word splitting as a POSIX shell does it, ';' and '#'. */
#include <stdlib.h>
#include <string.h>
#include "shell/lexer.h"
#include "tests/unit/tap.h"

/* The words of a line joined as "[a][b];[c]" so one string shows it all. */
static char *show(const char *line, enum lex_status *st)
{
	static char buf[4096];
	struct cmdline cl;
	size_t i, j;

	buf[0] = '\0';
	*st = lex_line(line, &cl);
	for (i = 0; i < cl.n; i++) {
		if (i)
			strcat(buf, ";");
		for (j = 0; j < cl.cmds[i].n; j++) {
			strcat(buf, "[");
			strcat(buf, cl.cmds[i].words[j]);
			strcat(buf, "]");
		}
		/* every word list stays NULL-terminated */
		if (cl.cmds[i].words[cl.cmds[i].n] != NULL)
			strcat(buf, "<not NULL-terminated>");
	}
	cmdline_release(&cl);
	return buf;
}

#define LEX(line, want) do { \
	enum lex_status st_; \
	const char *got_ = show(line, &st_); \
	is_int(st_, LEX_OK, "lex ok: %s", #line); \
	is_str(got_, want, "words of %s", #line); \
} while (0)

#define LEX_FAILS(line, status) do { \
	enum lex_status st_; \
	const char *got_ = show(line, &st_); \
	is_int(st_, status, "status of %s", #line); \
	is_str(got_, "", "no words left after failing %s", #line); \
} while (0)

static void test_plain(void)
{
	LEX("", "");
	LEX("   \t  ", "");
	LEX("container list", "[container][list]");
	LEX("  container   list  --all ", "[container][list][--all]");
	LEX("a\tb", "[a][b]");
	LEX("a\r", "[a]");
	LEX("x=1 -p80:80 --name=web", "[x=1][-p80:80][--name=web]");
	LEX("a|b >c <d &e", "[a|b][>c][<d][&e]");
	LEX("$HOME ~ * ?", "[$HOME][~][*][?]");
}

static void test_single_quotes(void)
{
	LEX("'a b'", "[a b]");
	LEX("''", "[]");
	LEX("a '' b", "[a][][b]");
	LEX("'a\\b'", "[a\\b]");
	LEX("'a\"b'", "[a\"b]");
	LEX("'$x `y`'", "[$x `y`]");
	LEX("'a;b'", "[a;b]");
	LEX("'#x'", "[#x]");
	LEX("x'y z'w", "[xy zw]");
	LEX("'a''b'", "[ab]");
	LEX("'it'\\''s'", "[it's]");
	LEX_FAILS("'abc", LEX_UNTERMINATED_SQUOTE);
	LEX_FAILS("a 'b c", LEX_UNTERMINATED_SQUOTE);
	LEX_FAILS("ok; 'b", LEX_UNTERMINATED_SQUOTE);
	LEX_FAILS("'", LEX_UNTERMINATED_SQUOTE);
	LEX_FAILS("'abc\\", LEX_UNTERMINATED_SQUOTE);
}

static void test_double_quotes(void)
{
	LEX("\"a b\"", "[a b]");
	LEX("\"\"", "[]");
	LEX("\"a\\\"b\"", "[a\"b]");
	LEX("\"a\\\\b\"", "[a\\b]");
	LEX("\"a\\$b\"", "[a$b]");
	LEX("\"a\\`b\"", "[a`b]");
	/* any other backslash stays, as in POSIX sh */
	LEX("\"a\\nb\"", "[a\\nb]");
	LEX("\"a\\ b\"", "[a\\ b]");
	LEX("\"a\\'b\"", "[a\\'b]");
	LEX("\"it's\"", "[it's]");
	LEX("\"a;b\" c", "[a;b][c]");
	LEX("\"#x\"", "[#x]");
	LEX("\"a\\\nb\"", "[ab]");
	LEX("\"a\nb\"", "[a\nb]");
	LEX("x\"y z\"'w v'", "[xy zw v]");
	LEX_FAILS("\"abc", LEX_UNTERMINATED_DQUOTE);
	LEX_FAILS("\"a\\\"", LEX_UNTERMINATED_DQUOTE);
	LEX_FAILS("\"", LEX_UNTERMINATED_DQUOTE);
	LEX_FAILS("\"abc\\", LEX_TRAILING_BACKSLASH);
}

static void test_backslash(void)
{
	LEX("a\\ b", "[a b]");
	LEX("\\'a", "['a]");
	LEX("\\\"a", "[\"a]");
	LEX("\\\\", "[\\]");
	LEX("\\;", "[;]");
	LEX("\\#x", "[#x]");
	LEX("a\\nb", "[anb]");
	LEX("\\ ", "[ ]");
	/* backslash-newline joins lines, inside a word too */
	LEX("a \\\nb", "[a][b]");
	LEX("ab\\\ncd", "[abcd]");
	LEX("a\\\n", "[a]");
	LEX("\\\n", "");
	LEX_FAILS("a \\", LEX_TRAILING_BACKSLASH);
	LEX_FAILS("\\", LEX_TRAILING_BACKSLASH);
	LEX_FAILS("a; b\\", LEX_TRAILING_BACKSLASH);
}

static void test_separators_and_comments(void)
{
	LEX("a;b", "[a];[b]");
	LEX("a ; b c ;d", "[a];[b][c];[d]");
	LEX(";;a;;", "[a]");
	LEX(" ; ", "");
	LEX("a\nb", "[a];[b]");
	LEX("# all comment", "");
	LEX("#", "");
	LEX("a # comment; b", "[a]");
	LEX("a #comment\nb", "[a];[b]");
	LEX("a#b", "[a#b]");
	LEX("a ''#b", "[a][#b]");
	LEX("a; # c", "[a]");
	LEX("a # 'unterminated", "[a]");
	LEX("a # trailing \\", "[a]");
}

static void test_strerror(void)
{
	is_str(lex_strerror(LEX_UNTERMINATED_SQUOTE), "unterminated single quote: close it with '",
	       "single-quote message");
	is_str(lex_strerror(LEX_UNTERMINATED_DQUOTE), "unterminated double quote: close it with \"",
	       "double-quote message");
	ok(strstr(lex_strerror(LEX_TRAILING_BACKSLASH), "backslash") != NULL,
	   "trailing backslash message names the backslash");
	ok(lex_strerror(LEX_OK) != NULL, "LEX_OK has a message too");
}

static void test_partial(void)
{
	struct lex_partial p;

	lex_partial("container li", &p);
	is_int(p.words.n, 1, "partial: one finished word");
	is_str(p.words.words[0], "container", "partial: finished word");
	is_str(p.word, "li", "partial: word being typed");
	is_int(p.word_start, 10, "partial: where it starts");
	is_int(p.quote, 0, "partial: no open quote");
	lex_partial_release(&p);

	lex_partial("container ", &p);
	is_int(p.words.n, 1, "partial after a blank: one finished word");
	is_str(p.word, "", "partial after a blank: empty word");
	is_int(p.word_start, 10, "partial after a blank: starts at the end");
	lex_partial_release(&p);

	lex_partial("", &p);
	is_int(p.words.n, 0, "partial of nothing: no words");
	ok(p.words.words && p.words.words[0] == NULL, "partial of nothing: NULL-terminated list");
	is_str(p.word, "", "partial of nothing: empty word");
	lex_partial_release(&p);

	lex_partial("image load 'my fi", &p);
	is_int(p.words.n, 2, "open single quote: finished words");
	is_str(p.word, "my fi", "open single quote: unquoted word");
	is_int(p.word_start, 11, "open single quote: starts at the quote");
	is_int(p.quote, '\'', "open single quote reported");
	lex_partial_release(&p);

	lex_partial("image load \"a\\\"b", &p);
	is_str(p.word, "a\"b", "open double quote: escapes applied");
	is_int(p.quote, '"', "open double quote reported");
	lex_partial_release(&p);

	lex_partial("image load my\\ fi", &p);
	is_str(p.word, "my fi", "backslash-escaped blank stays in the word");
	is_int(p.word_start, 11, "escaped word starts at its first character");
	lex_partial_release(&p);

	lex_partial("container list; image l", &p);
	is_int(p.words.n, 1, "only the last command's words");
	is_str(p.words.words[0], "image", "last command's noun");
	is_str(p.word, "l", "last command's word being typed");
	lex_partial_release(&p);

	lex_partial("container list # comm", &p);
	ok(p.in_comment, "a comment at the end is reported");
	lex_partial_release(&p);

	lex_partial("container list --all", &p);
	ok(!p.in_comment, "no comment");
	is_str(p.word, "--all", "an option being typed");
	lex_partial_release(&p);

	lex_partial("a\\", &p);
	is_str(p.word, "a", "trailing backslash: the word so far");
	lex_partial_release(&p);
}

static void test_many_words(void)
{
	char line[8192];
	struct cmdline cl;
	size_t i;

	line[0] = '\0';
	for (i = 0; i < 1000; i++)
		strcat(line, i % 100 == 99 ? "w;" : "w ");
	is_int(lex_line(line, &cl), LEX_OK, "a long line lexes");
	is_int(cl.n, 10, "ten commands");
	is_int(cl.cmds[0].n, 100, "a hundred words each");
	cmdline_release(&cl);
	is_int(cl.n, 0, "release empties the list");
	cmdline_release(&cl); /* twice is harmless */
	ok(1, "double release is harmless");
}

int main(void)
{
	test_plain();
	test_single_quotes();
	test_double_quotes();
	test_backslash();
	test_separators_and_comments();
	test_strerror();
	test_partial();
	test_many_words();
	return done_testing();
}
