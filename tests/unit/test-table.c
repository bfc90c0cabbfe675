/* test-table.c: walks the command table, then holds the man page and the
 * README to it.
 *
 * The table (commands/table.c) is the source of truth. Docs behind it (a
 * command or option missing) and docs ahead of it (a command or option the
 * table does not have) both fail, so neither can drift quietly.
 *
 * What is read:
 *   $TOP_SRCDIR/man/berth.1  - the .SS subsections of the COMMANDS section:
 *                              heading "noun verb", the usage line, the
 *                              summary line, an alias mention, and one .TP
 *                              head per option ("-p, --publish METAVAR").
 *   $TOP_SRCDIR/README       - the first ``` block after the "Commands"
 *                              heading (underlined, or "## Commands"):
 *                              one line per command, as help prints it
 *                              ("usage  summary").
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd.h"
#include "tests/unit/tap.h"

/* --- small helpers ----------------------------------------------------- */

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		perror("strdup");
		abort();
	}
	return p;
}

/* Appends s and a newline to *buf (a growing string the caller owns). */
static void append_line(char **buf, const char *s)
{
	size_t old = *buf ? strlen(*buf) : 0, add = strlen(s);
	char *p = realloc(*buf, old + add + 2);

	if (!p) {
		perror("realloc");
		abort();
	}
	memcpy(p + old, s, add);
	p[old + add] = '\n';
	p[old + add + 1] = '\0';
	*buf = p;
}

/* Is line (a '\n'-separated list) holding a line equal to want? */
static int has_line(const char *lines, const char *want)
{
	size_t n = strlen(want);
	const char *p = lines;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, want, n) == 0)
			return 1;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Does text contain word, not as part of a longer word? */
static int has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p = text;

	while (text && (p = strstr(p, word))) {
		int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '-');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '-');

		if (before && after)
			return 1;
		p++;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, alloc = 0, got;

	if (!f)
		return NULL;
	do {
		if (alloc - len < 4096) {
			char *p = realloc(buf, alloc + 65536);

			if (!p) {
				perror("realloc");
				abort();
			}
			buf = p;
			alloc += 65536;
		}
		got = fread(buf + len, 1, alloc - len - 1, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static char *cmd_name(const struct cmd_entry *e)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%s%s", e->noun, e->verb ? " " : "", e->verb ? e->verb : "");
	return xstrdup(buf);
}

static const struct opt_spec *common_opt(const char *long_name)
{
	const struct opt_spec *o;

	for (o = cmd_common_options; o->long_name; o++)
		if (strcmp(o->long_name, long_name) == 0)
			return o;
	return NULL;
}

/* The common options an entry gets by its flags. */
static int entry_gets_common(const struct cmd_entry *e, const struct opt_spec *o)
{
	if (strcmp(o->long_name, "json") == 0)
		return !!(e->flags & CMD_F_JSON);
	if (strcmp(o->long_name, "quiet") == 0)
		return !!(e->flags & CMD_F_QUIET);
	if (strcmp(o->long_name, "host") == 0)
		return !!(e->flags & CMD_F_ENGINE); /* as shell/dispatch.c gives it */
	return 1; /* help, and whatever is added later: everyone */
}

/* Has the entry an option besides --help (its own, or --json or -q by
 * its flags)? Then its usage line says [OPTIONS]. */
static int entry_has_options(const struct cmd_entry *e)
{
	const struct opt_spec *o;

	if (e->options && e->options[0].long_name)
		return 1;
	for (o = cmd_common_options; o->long_name; o++)
		if (strcmp(o->long_name, "help") != 0 && entry_gets_common(e, o))
			return 1;
	return 0;
}

/* "container create [OPTIONS] IMAGE [CMD...]", as help, the man page and
 * the README show it. */
static char *usage_line(const struct cmd_entry *e)
{
	char buf[512];
	char *name = cmd_name(e);

	snprintf(buf, sizeof(buf), "%s%s%s%s", name, entry_has_options(e) ? " [OPTIONS]" : "",
		 e->usage && *e->usage ? " " : "", e->usage ? e->usage : "");
	free(name);
	return xstrdup(buf);
}

/* "-p, --publish [IP:]HOST:CONTAINER[/PROTO]", a man page .TP head. */
static char *opt_head(const struct opt_spec *o)
{
	char buf[512];
	int n = 0;

	if (o->short_name)
		n = snprintf(buf, sizeof(buf), "-%c, ", o->short_name);
	snprintf(buf + n, sizeof(buf) - n, "--%s%s%s", o->long_name,
		 o->type != OPT_FLAG && o->metavar ? " " : "",
		 o->type != OPT_FLAG && o->metavar ? o->metavar : "");
	return xstrdup(buf);
}

/* A common option's head for e: without its short name when one of e's
 * own options takes it (container create's -h, --hostname). */
static char *common_head(const struct cmd_entry *e, const struct opt_spec *c)
{
	const struct opt_spec *o;
	struct opt_spec bare = *c;

	for (o = e->options; c->short_name && o && o->long_name; o++)
		if (o->short_name == c->short_name)
			bare.short_name = 0;
	return opt_head(&bare);
}

static size_t table_len(void)
{
	size_t n = 0;

	while (cmd_table[n])
		n++;
	return n;
}

/* Index of the entry called name ("container create", "help"), or -1. */
static int find_entry(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i]; i++) {
		char *n = cmd_name(cmd_table[i]);
		int same = strcmp(n, name) == 0;

		free(n);
		if (same)
			return (int)i;
	}
	return -1;
}

/* --- the table on its own ---------------------------------------------- */

static int same_word(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void check_entry(const struct cmd_entry *e, size_t idx)
{
	const char *label = e->noun ? e->noun : "(null)";
	const struct opt_spec *o, *p, *c;

	ok(e->noun && *e->noun, "entry %zu has a noun", idx);
	if (!e->noun)
		return;
	ok(strcmp(e->noun, "docker") != 0, "entry %zu: 'docker' is a prefix word, not a noun", idx);
	ok(e->summary && *e->summary, "%s %s has a summary", label, e->verb ? e->verb : "");
	if (e->summary && *e->summary) {
		size_t n = strlen(e->summary);

		ok(!isupper((unsigned char)e->summary[0]) && e->summary[n - 1] != '.'
		   && !strchr(e->summary, '\n'),
		   "%s %s: summary is one line, lower case, no full stop", label, e->verb ? e->verb : "");
	}
	ok(e->usage != NULL, "%s %s has a usage string", label, e->verb ? e->verb : "");
	ok(e->exec != NULL, "%s %s has an exec function", label, e->verb ? e->verb : "");
	ok(e->args_min >= 0 && (e->args_max == -1 || e->args_max >= e->args_min),
	   "%s %s: args_min %d, args_max %d make sense", label, e->verb ? e->verb : "",
	   e->args_min, e->args_max);
	if (e->args_min > 0)
		ok(e->usage && *e->usage, "%s %s takes arguments, so its usage names them",
		   label, e->verb ? e->verb : "");
	if (e->flags & CMD_F_QUIET)
		ok(e->flags & CMD_F_JSON, "%s %s is a listing (-q), so it shows data (--json)",
		   label, e->verb ? e->verb : "");

	for (o = e->options; o && o->long_name; o++) {
		int dup_long = 0, dup_short = 0;

		ok(o->help && *o->help, "%s %s --%s has a help line", label, e->verb ? e->verb : "",
		   o->long_name);
		ok(o->type == OPT_FLAG ? o->metavar == NULL : o->metavar && *o->metavar,
		   "%s %s --%s: a metavar exactly when it takes a value", label,
		   e->verb ? e->verb : "", o->long_name);
		for (p = e->options; p != o; p++) {
			dup_long |= strcmp(p->long_name, o->long_name) == 0;
			dup_short |= o->short_name && p->short_name == o->short_name;
		}
		ok(!dup_long, "%s %s: --%s is declared once", label, e->verb ? e->verb : "", o->long_name);
		ok(!dup_short, "%s %s: -%c is declared once", label, e->verb ? e->verb : "",
		   o->short_name ? o->short_name : '?');
		/* An own option may carry a common option's name (cache refresh's
		 * --host: not an engine command, so it has no common --host, yet
		 * it names hosts too) only when it reads the same: same type,
		 * metavar and value kind, so "--host NAME" means one thing
		 * across the table and a shadowed common option changes nothing
		 * the user sees. */
		c = common_opt(o->long_name);
		ok(!c || (c->type == o->type && c->kind == o->kind &&
			  (c->metavar == o->metavar ||
			   (c->metavar && o->metavar && !strcmp(c->metavar, o->metavar)))),
		   "%s %s: --%s does not clash with a common option", label, e->verb ? e->verb : "",
		   o->long_name);
		for (p = cmd_common_options; o->short_name && p->long_name; p++)
			if (p->short_name == o->short_name)
				break;
		/* the one exception: docker's -h for --hostname where create's
		 * options are (--help keeps its long name there) */
		ok(!o->short_name || !p->long_name ||
		   (o->short_name == 'h' && !strcmp(o->long_name, "hostname")),
		   "%s %s: -%c does not clash with a common option", label,
		   e->verb ? e->verb : "", o->short_name ? o->short_name : '?');
	}
}

static void check_table(void)
{
	size_t n = table_len(), i, j;
	const struct opt_spec *o, *p;

	ok(n > 0, "the table has %zu entries", n);
	for (i = 0; i < n; i++)
		check_entry(cmd_table[i], i);

	for (i = 0; i < n; i++) {
		const struct cmd_entry *a = cmd_table[i];

		for (j = i + 1; j < n; j++) {
			const struct cmd_entry *b = cmd_table[j];
			int clash;

			if (!a->noun || !b->noun)
				continue;
			if (strcmp(a->noun, b->noun) == 0) {
				/* Same noun: verbs and aliases must all differ, and a
				 * single-word command cannot share its word with a noun. */
				clash = (!a->verb || !b->verb)
					|| same_word(a->verb, b->verb) || same_word(a->verb, b->alias)
					|| same_word(a->alias, b->verb) || same_word(a->alias, b->alias);
				ok(!clash, "%s %s and %s %s do not share a noun+verb or noun+alias",
				   a->noun, a->verb ? a->verb : "", b->noun, b->verb ? b->verb : "");
			} else {
				/* A single-word command's alias is a first word too. */
				clash = (!a->verb && same_word(a->alias, b->noun))
					|| (!b->verb && same_word(b->alias, a->noun))
					|| (!a->verb && !b->verb && same_word(a->alias, b->alias));
				if (clash)
					ok(0, "%s and %s clash through an alias", a->noun, b->noun);
			}
		}
	}

	for (o = cmd_common_options; o->long_name; o++)
		for (p = cmd_common_options; p != o; p++)
			ok(strcmp(p->long_name, o->long_name) != 0
			   && (!o->short_name || p->short_name != o->short_name),
			   "common options --%s and --%s differ", p->long_name, o->long_name);
}

/* --- the man page ------------------------------------------------------ */

/* Plain text of a roff text line: font changes dropped, \- as -, and the
 * few named characters the page uses. */
static char *roff_plain(const char *s)
{
	char *out = malloc(strlen(s) + 1), *q = out;

	if (!out)
		abort();
	while (*s) {
		if (*s != '\\') {
			*q++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'f': /* \fB, \f(BI, \f[BI] */
			s++;
			if (*s == '(')
				s += *(s + 1) && *(s + 2) ? 3 : strlen(s);
			else if (*s == '[')
				s = strchr(s, ']') ? strchr(s, ']') + 1 : s + strlen(s);
			else if (*s)
				s++;
			break;
		case '(': /* \(aq, \(bu, \(em ... */
			if (s[1] == 'a' && s[2] == 'q')
				*q++ = '\'';
			else if (s[1] == 'd' && s[2] == 'q')
				*q++ = '"';
			else
				*q++ = '?';
			s += s[1] && s[2] ? 3 : strlen(s);
			break;
		case '-': *q++ = '-'; s++; break;
		case 'e': *q++ = '\\'; s++; break;
		case ' ': *q++ = ' '; s++; break;
		case '&': case '|': case 'c': s++; break;
		case '\0': break;
		default: *q++ = *s++; break;
		}
	}
	while (q > out && isspace((unsigned char)q[-1]))
		q--;
	*q = '\0';
	return out;
}

struct man_sub {
	char *name;   /* "container create" */
	int line;     /* of its .SS */
	char *text;   /* its text lines, plain, one per line */
	char *heads;  /* its .TP heads that name options, plain, one per line */
};

/* The argument of ".SS "x y"" or ".SS x y", unquoted. */
static char *macro_arg(const char *s)
{
	char *a, *end;

	while (*s == ' ' || *s == '\t')
		s++;
	a = roff_plain(s);
	if (a[0] == '"') {
		memmove(a, a + 1, strlen(a));
		end = strchr(a, '"');
		if (end)
			*end = '\0';
	}
	return a;
}

/* The .SS subsections of the COMMANDS section, in page order. */
static struct man_sub *parse_man(char *page, size_t *nsubs)
{
	struct man_sub *subs = NULL, *cur = NULL;
	size_t n = 0;
	int in_commands = 0, after_tp = 0, lineno = 0;
	char *line, *save = NULL;

	for (line = strtok_r(page, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (strncmp(line, ".SH", 3) == 0) {
			char *a = macro_arg(line + 3);

			in_commands = strcmp(a, "COMMANDS") == 0;
			free(a);
			cur = NULL;
			continue;
		}
		if (!in_commands)
			continue;
		if (strncmp(line, ".SS", 3) == 0) {
			struct man_sub *p = realloc(subs, (n + 1) * sizeof(*subs));

			if (!p)
				abort();
			subs = p;
			cur = &subs[n++];
			cur->name = macro_arg(line + 3);
			cur->line = lineno;
			cur->text = NULL;
			cur->heads = NULL;
			after_tp = 0;
			continue;
		}
		if (!cur)
			continue;
		if (strncmp(line, ".TP", 3) == 0) {
			after_tp = 1;
			continue;
		}
		if (line[0] == '.' || line[0] == '\'') {
			/* Font macros carry text (".B container rm"); the rest is layout. */
			if (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".I ", 3) == 0) {
				char *a = macro_arg(line + 3);

				append_line(&cur->text, a);
				free(a);
			}
			continue;
		}
		{
			char *plain = roff_plain(line);

			if (after_tp && plain[0] == '-')
				append_line(&cur->heads, plain);
			append_line(&cur->text, plain);
			free(plain);
			after_tp = 0;
		}
	}
	*nsubs = n;
	return subs;
}

static void check_man(const char *path)
{
	char *page = read_file(path);
	struct man_sub *subs;
	size_t nsubs = 0, i, n = table_len();
	int last = -1;

	ok(page != NULL, "the man page %s can be read", path);
	if (!page)
		return;
	subs = parse_man(page, &nsubs);
	ok(nsubs > 0, "the man page has a COMMANDS section with subsections");

	/* Docs ahead of the code: every subsection is a table command, once. */
	for (i = 0; i < nsubs; i++) {
		size_t j;
		int dup = 0;

		ok(find_entry(subs[i].name) >= 0,
		   "man page line %d: .SS \"%s\" is a command of the table", subs[i].line, subs[i].name);
		for (j = 0; j < i; j++)
			dup |= strcmp(subs[j].name, subs[i].name) == 0;
		ok(!dup, "man page line %d: .SS \"%s\" appears once", subs[i].line, subs[i].name);
	}

	/* Docs behind the code: every command, its usage, summary, alias and
	 * options are there, in table order. */
	for (i = 0; i < n; i++) {
		const struct cmd_entry *e = cmd_table[i];
		char *name = cmd_name(e), *usage;
		const struct man_sub *sub = NULL;
		const struct opt_spec *o;
		size_t k;
		int pos = -1;

		for (k = 0; k < nsubs; k++)
			if (strcmp(subs[k].name, name) == 0) {
				sub = &subs[k];
				pos = (int)k;
				break;
			}
		ok(sub != NULL, "man page documents %s (.SS \"%s\")", name, name);
		if (!sub) {
			free(name);
			continue;
		}
		ok(pos > last, "man page: %s comes in table order", name);
		last = pos;

		usage = usage_line(e);
		ok(has_line(sub->text, usage), "man %s: usage line \"%s\"", name, usage);
		free(usage);
		ok(has_line(sub->text, e->summary), "man %s: summary line \"%s\"", name, e->summary);
		if (e->alias) {
			char alias[256];

			snprintf(alias, sizeof(alias), "%s%s%s", e->verb ? e->noun : "",
				 e->verb ? " " : "", e->alias);
			ok(has_word(sub->text, alias), "man %s: names its alias \"%s\"", name, alias);
		}

		for (o = e->options; o && o->long_name; o++) {
			char *head = opt_head(o);

			ok(has_line(sub->heads, head), "man %s: option \"%s\"", name, head);
			free(head);
		}
		for (o = cmd_common_options; o->long_name; o++) {
			char *head;

			if (!entry_gets_common(e, o))
				continue;
			head = common_head(e, o);
			ok(has_line(sub->heads, head), "man %s: common option \"%s\"", name, head);
			free(head);
		}

		/* Every option head names an option the entry has. */
		{
			char *heads = sub->heads ? xstrdup(sub->heads) : NULL, *h, *hs = NULL;

			for (h = heads ? strtok_r(heads, "\n", &hs) : NULL; h; h = strtok_r(NULL, "\n", &hs)) {
				int known = 0;

				for (o = e->options; !known && o && o->long_name; o++) {
					char *want = opt_head(o);

					known = strcmp(want, h) == 0;
					free(want);
				}
				for (o = cmd_common_options; !known && o->long_name; o++) {
					char *want;

					if (!entry_gets_common(e, o))
						continue;
					want = common_head(e, o);
					known = strcmp(want, h) == 0;
					free(want);
				}
				ok(known, "man %s: documents \"%s\", an option the table gives it", name, h);
			}
			free(heads);
		}
		free(name);
	}

	for (i = 0; i < nsubs; i++) {
		free(subs[i].name);
		free(subs[i].text);
		free(subs[i].heads);
	}
	free(subs);
	free(page);
}

/* --- the README -------------------------------------------------------- */

static void check_readme(const char *path)
{
	char *text = read_file(path), *line, *save = NULL;
	int state = 0; /* 0: before the heading, 1: before its ```, 2: in it, 3: after */
	int lineno = 0, last = -1;
	size_t n = table_len(), i;
	int *seen = calloc(n ? n : 1, sizeof(int));

	ok(text != NULL, "the README %s can be read", path);
	if (!text || !seen) {
		free(text);
		free(seen);
		return;
	}
	/* strtok_r would skip blank lines; count them by hand. */
	for (line = text; line && *line; line = save) {
		char *nl = strchr(line, '\n'), *usage_end, *summary, *name_end;
		char name[256];
		int idx;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (state == 0) {
			/* The heading: "Commands" (underlined) or "## Commands". */
			if (strcmp(line + strspn(line, "# "), "Commands") == 0)
				state = 1;
			continue;
		}
		if (state == 1) {
			if (strncmp(line, "```", 3) == 0)
				state = 2;
			continue;
		}
		if (state == 3)
			continue;
		if (strncmp(line, "```", 3) == 0) {
			state = 3;
			continue;
		}
		line += strspn(line, " \t");
		if (!*line)
			continue;

		/* "usage  summary": the usage ends at the first run of two blanks. */
		usage_end = strstr(line, "  ");
		summary = usage_end ? usage_end + strspn(usage_end, " ") : NULL;
		if (usage_end)
			*usage_end = '\0';
		/* The command's name: the first word, and the second when it is
		 * a verb (lower case) rather than an argument ("[STATUS]"). */
		name_end = line + strcspn(line, " ");
		if (*name_end == ' ' && islower((unsigned char)name_end[1])) {
			name_end++;
			name_end += strcspn(name_end, " ");
		}
		snprintf(name, sizeof(name), "%.*s", (int)(name_end - line), line);
		idx = find_entry(name);
		ok(idx >= 0, "README line %d: \"%s\" is a command of the table", lineno, name);
		if (idx < 0)
			continue;
		{
			const struct cmd_entry *e = cmd_table[idx];
			char *usage = usage_line(e);

			ok(!seen[idx], "README line %d: %s is listed once", lineno, name);
			seen[idx] = 1;
			ok(idx > last, "README line %d: %s comes in table order", lineno, name);
			last = idx;
			is_str(line, usage, "README line %d: usage of %s", lineno, name);
			is_str(summary, e->summary, "README line %d: summary of %s", lineno, name);
			free(usage);
		}
	}
	ok(state >= 2, "the README has a ``` block of commands after its \"Commands\" heading");
	for (i = 0; i < n; i++) {
		char *name = cmd_name(cmd_table[i]);

		ok(seen[i], "README lists %s", name);
		free(name);
	}
	free(seen);
	free(text);
}

int main(void)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[4096];

	if (!top || !*top)
		top = ".";

	check_table();

	snprintf(path, sizeof(path), "%s/man/berth.1", top);
	check_man(path);

	snprintf(path, sizeof(path), "%s/README", top);
	check_readme(path);

	return done_testing();
}
