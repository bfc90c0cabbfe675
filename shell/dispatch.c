/* dispatch.c: finding commands in the table, suggesting near misses, and
 * generating help from the same table, so that help can never disagree
 * with what the parser accepts. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "commands/dispatch.h"
#include "lib/xalloc.h"
#include "lib/text.h"

#define MAX_OPTIONS 64
#define MAX_WORDS 64

__attribute__((format(printf, 3, 4)))
static void put(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Appends to a NUL-terminated buffer without overflowing it. */
static void append(char *buf, size_t len, const char *s)
{
	size_t used;

	if (!buf || !len)
		return;
	used = strlen(buf);
	if (used + 1 >= len)
		return;
	snprintf(buf + used, len - used, "%s", s);
}

/* --- the options of an entry --------------------------------------- */

static int common_applies(const struct cmd_entry *e, const struct opt_spec *o)
{
	if (!strcmp(o->long_name, "json"))
		return (e->flags & CMD_F_JSON) != 0;
	if (!strcmp(o->long_name, "quiet"))
		return (e->flags & CMD_F_QUIET) != 0;
	if (!strcmp(o->long_name, "host"))
		return (e->flags & CMD_F_ENGINE) != 0;
	return 1; /* --help, and whatever common option comes later */
}

/* A common option whose short name an entry's own option takes (-h is
 * --hostname in container create, as in docker's): the same option
 * without it, so that help and completion show only its long name. */
static const struct opt_spec *without_short(const struct opt_spec *o)
{
	static struct opt_spec copies[16];
	size_t i = (size_t)(o - cmd_common_options);

	if (i >= sizeof(copies) / sizeof(copies[0]))
		return o;
	copies[i] = *o;
	copies[i].short_name = 0;
	return &copies[i];
}

size_t cmd_options(const struct cmd_entry *e, const struct opt_spec **out, size_t max)
{
	const struct opt_spec *o;
	size_t n = 0, own;

	for (o = e->options; o && o->long_name; o++)
		if (n < max)
			out[n++] = o;
	own = n;
	for (o = cmd_common_options; o->long_name; o++) {
		size_t i;
		int shadowed = 0, short_taken = 0;

		if (!common_applies(e, o))
			continue;
		/* an entry's own option of the same name wins, and of the
		 * same short name takes that */
		for (i = 0; i < own; i++) {
			if (!strcmp(out[i]->long_name, o->long_name))
				shadowed = 1;
			if (o->short_name && out[i]->short_name == o->short_name)
				short_taken = 1;
		}
		if (!shadowed && n < max)
			out[n++] = short_taken ? without_short(o) : o;
	}
	return n;
}

const struct opt_spec *cmd_find_long(const struct cmd_entry *e, const char *name, size_t len)
{
	const struct opt_spec *opts[MAX_OPTIONS];
	size_t i, n = cmd_options(e, opts, MAX_OPTIONS);

	for (i = 0; i < n; i++)
		if (strlen(opts[i]->long_name) == len && !strncmp(opts[i]->long_name, name, len))
			return opts[i];
	return NULL;
}

const struct opt_spec *cmd_find_short(const struct cmd_entry *e, char c)
{
	const struct opt_spec *opts[MAX_OPTIONS];
	size_t i, n = cmd_options(e, opts, MAX_OPTIONS);

	if (!c)
		return NULL;
	for (i = 0; i < n; i++)
		if (opts[i]->short_name == c)
			return opts[i];
	return NULL;
}

int cmd_has_options(const struct cmd_entry *e)
{
	const struct opt_spec *opts[MAX_OPTIONS];
	size_t i, n = cmd_options(e, opts, MAX_OPTIONS);

	for (i = 0; i < n; i++)
		if (strcmp(opts[i]->long_name, "help"))
			return 1;
	return 0;
}

char *cmd_name(const struct cmd_entry *e, char *buf, size_t len)
{
	if (e->verb)
		put(buf, len, "%s %s", e->noun, e->verb);
	else
		put(buf, len, "%s", e->noun);
	return buf;
}

/* --- near misses ---------------------------------------------------- */

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *row0, *row1, *row2, *t;

	/* three rows: the swap of neighbours looks two rows back */
	row0 = xrealloc(NULL, (lb + 1) * sizeof(size_t));
	row1 = xrealloc(NULL, (lb + 1) * sizeof(size_t));
	row2 = xrealloc(NULL, (lb + 1) * sizeof(size_t));
	for (j = 0; j <= lb; j++)
		row1[j] = j;
	for (i = 1; i <= la; i++) {
		row2[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = row1[j - 1] + cost;

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		t = row0;
		row0 = row1;
		row1 = row2;
		row2 = t;
	}
	d = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

int close_enough(const char *typed, const char *candidate)
{
	size_t lt = strlen(typed), lc = strlen(candidate), limit, d;

	if (!lt)
		return 0;
	if (lt >= 2 && lt < lc && !strncmp(typed, candidate, lt))
		return 1;
	limit = lt <= 3 ? 1 : lt <= 6 ? 2 : 3;
	/* the distance is at least the difference of the lengths: a word
	 * far longer (a pasted line, a 1 MB word) is no near miss, and its
	 * table of la * lb cells for every candidate is not worth making */
	if (lt > lc + limit || lc > lt + limit)
		return 0;
	d = edit_distance(typed, candidate);
	return d <= limit && d < lc;
}

/* The nearest of n candidates to typed, or NULL when none is close. */
static const char *nearest(const char *typed, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, bestd = (size_t)-1;

	for (i = 0; i < n; i++) {
		size_t d;

		if (!close_enough(typed, cands[i]))
			continue;
		d = edit_distance(typed, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

/* Docker's top-level habits, for suggestions only: "ps" is not a berth
 * command, but the user who typed it wants "container list". */
static const char *const docker_habits[][2] = {
	{ "ps", "container list" },
	{ "images", "image list" },
	{ "rmi", "image delete" },
	{ "rm", "container delete" },
	{ "run", "container create --start" },
	{ "create", "container create" },
	{ "start", "container start" },
	{ "stop", "container stop" },
	{ "restart", "container restart" },
	{ "pause", "container pause" },
	{ "unpause", "container unpause" },
	{ "logs", "container logs" },
	{ "inspect", "container inspect" },
	{ "pull", "image pull" },
	{ "load", "image load" },
	{ "save", "image save" },
	{ "info", "host info" },
	{ NULL, NULL }
};

/* --- words of the table --------------------------------------------- */

/* Distinct nouns in table order. */
static size_t table_nouns(const struct cmd_entry *const *table, const char **out, size_t max)
{
	size_t n = 0, i, k;

	for (i = 0; table[i]; i++) {
		int seen = 0;

		for (k = 0; k < n; k++)
			if (!strcmp(out[k], table[i]->noun))
				seen = 1;
		if (!seen && n < max)
			out[n++] = table[i]->noun;
	}
	return n;
}

static const struct cmd_entry *single_word(const struct cmd_entry *const *table, const char *noun)
{
	size_t i;

	for (i = 0; table[i]; i++)
		if (!table[i]->verb && !strcmp(table[i]->noun, noun))
			return table[i];
	return NULL;
}

static void list_words(char *buf, size_t len, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			append(buf, len, ", ");
		append(buf, len, words[i]);
	}
}

static size_t noun_verbs(const struct cmd_entry *const *table, const char *noun,
			 const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; table[i]; i++)
		if (table[i]->verb && !(table[i]->flags & CMD_F_HIDDEN) &&
		    !strcmp(table[i]->noun, noun) && n < max)
			out[n++] = table[i]->verb;
	return n;
}

static enum dispatch_status need_verb(const struct cmd_entry *const *table, const char *noun,
				      char *errbuf, size_t errlen)
{
	const char *verbs[MAX_WORDS];
	size_t n = noun_verbs(table, noun, verbs, MAX_WORDS);

	put(errbuf, errlen, "%s needs a verb: ", noun);
	list_words(errbuf, errlen, verbs, n);
	append(errbuf, errlen, " (see 'help ");
	append(errbuf, errlen, noun);
	append(errbuf, errlen, "')");
	return DISPATCH_INCOMPLETE;
}

static enum dispatch_status find_noun(const struct cmd_entry *const *table, const char *w,
				      struct dispatch *d, char *errbuf, size_t errlen)
{
	const char *nouns[MAX_WORDS], *matches[MAX_WORDS], *cands[MAX_WORDS];
	size_t nn = table_nouns(table, nouns, MAX_WORDS), nm = 0, nc = 0, i;
	const char *near;

	for (i = 0; i < nn; i++)
		if (!strcmp(nouns[i], w)) {
			d->noun = nouns[i];
			return DISPATCH_OK;
		}
	for (i = 0; table[i]; i++)
		if (!table[i]->verb && table[i]->alias && !strcmp(table[i]->alias, w)) {
			d->noun = table[i]->noun;
			return DISPATCH_OK;
		}
	if (*w) {
		for (i = 0; i < nn; i++)
			if (!strncmp(nouns[i], w, strlen(w)))
				matches[nm++] = nouns[i];
	}
	if (nm == 1) {
		d->noun = matches[0];
		return DISPATCH_OK;
	}
	if (nm > 1) {
		put(errbuf, errlen, "ambiguous command: %s could be ", CUT(w));
		list_words(errbuf, errlen, matches, nm);
		return DISPATCH_AMBIGUOUS;
	}

	for (i = 0; docker_habits[i][0]; i++)
		if (!strcmp(docker_habits[i][0], w)) {
			put(errbuf, errlen, "unknown command: %s (did you mean %s?)", CUT(w),
			    docker_habits[i][1]);
			return DISPATCH_UNKNOWN;
		}
	for (i = 0; i < nn; i++)
		cands[nc++] = nouns[i];
	for (i = 0; table[i] && nc < MAX_WORDS; i++)
		if (!table[i]->verb && table[i]->alias)
			cands[nc++] = table[i]->alias;
	near = nearest(w, cands, nc);
	if (near)
		put(errbuf, errlen, "unknown command: %s (did you mean %s?)", CUT(w), near);
	else
		put(errbuf, errlen, "unknown command: %s (see 'help')", *w ? CUT(w) : "''");
	return DISPATCH_UNKNOWN;
}

static enum dispatch_status find_verb(const struct cmd_entry *const *table, const char *noun,
				      const char *w, struct dispatch *d,
				      char *errbuf, size_t errlen)
{
	const struct cmd_entry *matches[MAX_WORDS];
	const char *names[MAX_WORDS], *cands[MAX_WORDS];
	size_t nm = 0, nc = 0, i;
	const char *near;

	for (i = 0; table[i]; i++) {
		const struct cmd_entry *e = table[i];

		if (!e->verb || strcmp(e->noun, noun))
			continue;
		if (!strcmp(e->verb, w) || (e->alias && !strcmp(e->alias, w))) {
			d->entry = e;
			return DISPATCH_OK;
		}
	}
	for (i = 0; table[i] && *w; i++) {
		const struct cmd_entry *e = table[i];

		if (e->verb && !strcmp(e->noun, noun) && !strncmp(e->verb, w, strlen(w)) &&
		    nm < MAX_WORDS) {
			names[nm] = e->verb;
			matches[nm++] = e;
		}
	}
	if (nm == 1) {
		d->entry = matches[0];
		return DISPATCH_OK;
	}
	if (nm > 1) {
		put(errbuf, errlen, "ambiguous command: %s %s could be ", noun, CUT(w));
		list_words(errbuf, errlen, names, nm);
		return DISPATCH_AMBIGUOUS;
	}
	for (i = 0; table[i]; i++) {
		const struct cmd_entry *e = table[i];

		if (!e->verb || strcmp(e->noun, noun))
			continue;
		if (nc < MAX_WORDS)
			cands[nc++] = e->verb;
		if (e->alias && nc < MAX_WORDS)
			cands[nc++] = e->alias;
	}
	near = nearest(w, cands, nc);
	if (near)
		put(errbuf, errlen, "unknown command: %s %s (did you mean %s?)", noun, CUT(w), near);
	else
		put(errbuf, errlen, "unknown command: %s %s (see 'help %s')", noun, *w ? CUT(w) : "''",
		    noun);
	return DISPATCH_UNKNOWN;
}

enum dispatch_status dispatch_find(const struct cmd_entry *const *table, int argc,
				   char *const *argv, struct dispatch *d,
				   char *errbuf, size_t errlen)
{
	enum dispatch_status st;
	int i = 0;

	memset(d, 0, sizeof(*d));
	put(errbuf, errlen, "%s", "");
	if (argc <= 0)
		return DISPATCH_EMPTY;
	if (!strcmp(argv[0], "docker")) {
		i = 1;
		d->consumed = 1;
		if (argc == 1 || argv[1][0] == '-') {
			const char *nouns[MAX_WORDS];
			size_t nn = table_nouns(table, nouns, MAX_WORDS);

			put(errbuf, errlen, "docker needs a command: ");
			list_words(errbuf, errlen, nouns, nn);
			append(errbuf, errlen, " (see 'help')");
			return DISPATCH_INCOMPLETE;
		}
	}
	st = find_noun(table, argv[i], d, errbuf, errlen);
	if (st != DISPATCH_OK)
		return st;
	d->consumed = ++i;
	d->entry = single_word(table, d->noun);
	if (d->entry)
		return DISPATCH_OK;
	/* an option where the verb belongs ("container --help") is no verb */
	if (i >= argc || argv[i][0] == '-')
		return need_verb(table, d->noun, errbuf, errlen);
	st = find_verb(table, d->noun, argv[i], d, errbuf, errlen);
	if (st != DISPATCH_OK)
		return st;
	d->consumed = ++i;
	return DISPATCH_OK;
}

/* --- help ----------------------------------------------------------- */

char *help_usage_line(const struct cmd_entry *e)
{
	char name[128];
	const char *usage = e->usage ? e->usage : "";
	size_t len;
	char *s;

	cmd_name(e, name, sizeof(name));
	len = strlen(name) + strlen(" [OPTIONS] ") + strlen(usage) + 1;
	s = xrealloc(NULL, len);
	snprintf(s, len, "%s%s%s%s", name, cmd_has_options(e) ? " [OPTIONS]" : "",
		 *usage ? " " : "", usage);
	return s;
}

/* Lines of entries, usage on the left, summaries aligned on the right. */
static void entry_lines(FILE *f, const struct cmd_entry *const *table, const char *noun)
{
	size_t i, width = 0;

	for (i = 0; table[i]; i++) {
		char *u;

		if ((table[i]->flags & CMD_F_HIDDEN) || (noun && strcmp(table[i]->noun, noun)))
			continue;
		u = help_usage_line(table[i]);
		if (strlen(u) > width)
			width = strlen(u);
		free(u);
	}
	for (i = 0; table[i]; i++) {
		char *u;

		if ((table[i]->flags & CMD_F_HIDDEN) || (noun && strcmp(table[i]->noun, noun)))
			continue;
		u = help_usage_line(table[i]);
		fprintf(f, "  %-*s  %s\n", (int)width, u, table[i]->summary ? table[i]->summary : "");
		free(u);
	}
}

static const char *const global_help[][2] = {
	{ "-H, --host HOST", "send commands to HOST: a configured name, or a unix:// or tcp:// URL" },
	{ "    --insecure", "allow plain HTTP to a tcp:// URL given with -H (TLS: DOCKER_TLS_VERIFY)" },
	{ "    --config FILE", "read this configuration file only (also BERTH_CONFIG)" },
	{ "-c CMDS", "run the ';'-separated commands in CMDS" },
	{ "-f FILE", "run the commands in FILE (- for stdin)" },
	{ "-k, --keep-going", "in a batch, run on after a failing line" },
	{ "-V, --version", "show the versions of berth and its libraries" },
	{ "-h, --help", "show this help" },
	{ NULL, NULL }
};

void help_overview(FILE *f, const struct cmd_entry *const *table, int globals)
{
	size_t i, width = 0;

	if (globals)
		fprintf(f, "Usage: berth [OPTIONS] [COMMAND [ARGS...]]\n");
	else
		fprintf(f, "Usage: [docker] COMMAND [VERB] [OPTIONS] [ARGS...]\n");
	fprintf(f, "\nCommands:\n");
	entry_lines(f, table, NULL);
	if (globals) {
		for (i = 0; global_help[i][0]; i++)
			if (strlen(global_help[i][0]) > width)
				width = strlen(global_help[i][0]);
		fprintf(f, "\nOptions:\n");
		for (i = 0; global_help[i][0]; i++)
			fprintf(f, "  %-*s  %s\n", (int)width, global_help[i][0], global_help[i][1]);
		fprintf(f, "\nWithout a command, berth reads commands from the terminal, "
			"or from stdin when it is not a terminal.\n");
	}
	fprintf(f, "\nAny command may be prefixed with 'docker'. "
		"'help COMMAND [VERB]' shows a command's options.\n");
}

int help_noun(FILE *f, const struct cmd_entry *const *table, const char *noun)
{
	size_t i;
	int found = 0, verbs = 0;

	for (i = 0; table[i]; i++)
		if (!strcmp(table[i]->noun, noun)) {
			found = 1;
			verbs += table[i]->verb != NULL;
		}
	if (!found)
		return -1;
	if (verbs)
		fprintf(f, "Usage: %s VERB [OPTIONS] [ARGS...]\n\nCommands:\n", noun);
	else
		fprintf(f, "Usage:\n");
	entry_lines(f, table, noun);
	if (verbs)
		fprintf(f, "\n'help %s VERB' shows a command's options.\n", noun);
	return 0;
}

static char *option_left(const struct opt_spec *o)
{
	size_t len = strlen(o->long_name) + (o->metavar ? strlen(o->metavar) : 0) + 16;
	char *s = xrealloc(NULL, len);

	if (o->short_name)
		snprintf(s, len, "-%c, --%s", o->short_name, o->long_name);
	else
		snprintf(s, len, "    --%s", o->long_name);
	if (o->type != OPT_FLAG && o->metavar) {
		strcat(s, " ");
		strcat(s, o->metavar);
	}
	return s;
}

void help_command(FILE *f, const struct cmd_entry *e)
{
	const struct opt_spec *opts[MAX_OPTIONS];
	size_t n = cmd_options(e, opts, MAX_OPTIONS), i, width = 0;
	char *u = help_usage_line(e);

	fprintf(f, "Usage: %s\n\n%s\n", u, e->summary ? e->summary : "");
	free(u);
	if (e->alias) {
		if (e->verb)
			fprintf(f, "Alias: %s %s\n", e->noun, e->alias);
		else
			fprintf(f, "Alias: %s\n", e->alias);
	}
	for (i = 0; i < n; i++) {
		char *l = option_left(opts[i]);

		if (strlen(l) > width)
			width = strlen(l);
		free(l);
	}
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < n; i++) {
		char *l = option_left(opts[i]);

		fprintf(f, "  %-*s  %s%s\n", (int)width, l, opts[i]->help ? opts[i]->help : "",
			opts[i]->type == OPT_LIST ? " (repeatable)" : "");
		free(l);
	}
}
