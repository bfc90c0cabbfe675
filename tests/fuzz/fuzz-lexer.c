/* fuzz-lexer: the word lexer (shell/lexer.c): a whole line, the partial
 * line completion reads, and the same text fed line by line as a batch
 * file's continued lines are. */
#include "tests/fuzz/fuzz.h"
#include "shell/lexer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *line, *next;
	struct cmdline c;
	struct lex_partial p;
	struct lex_cont st = { 0 };
	enum lex_status rc = lex_line(s, &c);

	if (rc == LEX_OK) {
		for (size_t i = 0; i < c.n; i++)
			if (!c.cmds[i].n || c.cmds[i].words[c.cmds[i].n])
				abort(); /* empty commands are dropped; lists end in NULL */
		cmdline_release(&c);
	} else {
		fuzz_message(lex_strerror(rc));
		if (c.n)
			abort(); /* "out is left empty" */
	}
	lex_partial(s, &p);
	if (p.word_start > strlen(s))
		abort();
	lex_partial_release(&p);

	for (line = s; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (lex_piece(line, &st) != LEX_TRAILING_BACKSLASH)
			memset(&st, 0, sizeof(st));
	}
	free(s);
	return 0;
}
