/* complete.c: what the word under the cursor may become.
 *
 * The line is split with the lexer's partial mode, the command found with
 * dispatch_find() and the words after it walked the way args_parse() walks
 * them, so completion agrees with what the shell will accept.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "shell/complete.h"
#include "commands/dispatch.h"
#include "shell/lexer.h"
#include "lib/xalloc.h"

#define MAX_OPTIONS 64

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

void complete_list_add(struct complete_list *l, const char *s)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
	}
	l->items[l->n++] = xstrdup(s);
}

void complete_list_release(struct complete_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void completion_release(struct completion *c)
{
	if (!c)
		return;
	complete_list_release(&c->cands);
	free(c->prefix);
	c->prefix = NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drops what does not start with prefix, sorts, removes duplicates. */
static void tidy(struct complete_list *l, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (starts_with(l->items[i], prefix))
			l->items[n++] = l->items[i];
		else
			free(l->items[i]);
	}
	l->n = n;
	if (!n)
		return;
	qsort(l->items, l->n, sizeof(*l->items), cmp_str);
	for (i = 1, n = 1; i < l->n; i++) {
		if (!strcmp(l->items[i], l->items[n - 1]))
			free(l->items[i]);
		else
			l->items[n++] = l->items[i];
	}
	l->n = n;
}

void complete_files(const char *prefix, struct complete_list *out)
{
	const char *slash = strrchr(prefix, '/');
	const char *base = slash ? slash + 1 : prefix;
	size_t dirlen = slash ? (size_t)(slash - prefix) + 1 : 0;
	char *dir;
	DIR *d;
	struct dirent *de;

	/* "dir/fi" lists "dir/", "/fi" lists "/", "fi" lists "." */
	dir = xrealloc(NULL, dirlen + 2);
	if (slash) {
		memcpy(dir, prefix, dirlen);
		dir[dirlen] = '\0';
	} else {
		strcpy(dir, ".");
	}
	d = opendir(dir);
	if (!d)
		goto cleanup;
	while ((de = readdir(d))) {
		size_t len;
		char *cand;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		if (!starts_with(de->d_name, base))
			continue;
		len = dirlen + strlen(de->d_name) + 2;
		cand = xrealloc(NULL, len);
		snprintf(cand, len, "%.*s%s", (int)dirlen, prefix, de->d_name);
		/* stat, not d_type: a link to a directory completes as one */
		if (stat(slash ? cand : de->d_name, &st) == 0 && S_ISDIR(st.st_mode))
			strcat(cand, "/");
		complete_list_add(out, cand);
		free(cand);
	}
	closedir(d);
cleanup:
	free(dir);
}

/* Nouns and single-word commands; "docker" too when it may still come. */
static void command_words(const struct cmd_entry *const *table, int with_docker,
			  struct complete_list *out)
{
	size_t i;

	for (i = 0; table[i]; i++)
		if (!(table[i]->flags & CMD_F_HIDDEN))
			complete_list_add(out, table[i]->noun);
	if (with_docker)
		complete_list_add(out, "docker");
}

static void verbs_of(const struct cmd_entry *const *table, const char *noun,
		     struct complete_list *out)
{
	size_t i;

	for (i = 0; table[i]; i++)
		if (table[i]->verb && !(table[i]->flags & CMD_F_HIDDEN) &&
		    !strcmp(table[i]->noun, noun))
			complete_list_add(out, table[i]->verb);
}

/* Values of a kind, each with lead put in front ("--name=" + value). */
static void values(const struct cmd_entry *const *table, enum arg_kind kind, const char *prefix,
		   const char *lead, const struct complete_source *src,
		   struct complete_list *out)
{
	struct complete_list got;
	size_t i;

	memset(&got, 0, sizeof(got));
	switch (kind) {
	case ARG_FILE:
		complete_files(prefix, &got);
		break;
	case ARG_CONTAINER:
	case ARG_IMAGE:
	case ARG_HOST:
	case ARG_VOLUME:
	case ARG_NETWORK:
		if (src && src->names)
			src->names(src->ud, kind, prefix, &got);
		break;
	case ARG_COMMAND:
		command_words(table, 0, &got);
		break;
	case ARG_NONE:
		break;
	}
	for (i = 0; i < got.n; i++) {
		size_t len = strlen(lead) + strlen(got.items[i]) + 1;
		char *s = xrealloc(NULL, len);

		snprintf(s, len, "%s%s", lead, got.items[i]);
		complete_list_add(out, s);
		free(s);
	}
	complete_list_release(&got);
}

/* What positional number pos names, from the usage synopsis: "FILE" is a
 * file, "CMD" free text, anything else what the entry says. */
static enum arg_kind positional_kind(const struct cmd_entry *e, int pos)
{
	const char *p = e->usage ? e->usage : "";
	int i;

	for (i = 0;; i++) {
		size_t wl;
		const char *w;
		int repeated;

		p += strspn(p, " ");
		if (!*p)
			return ARG_NONE;
		wl = strcspn(p, " ");
		repeated = wl >= 3 && !strncmp(p + wl - (p[wl - 1] == ']' ? 4 : 3), "...", 3);
		if (i == pos || repeated) {
			w = p + (*p == '[');
			if (!strncmp(w, "FILE", 4))
				return ARG_FILE;
			if (!strncmp(w, "CMD", 3))
				return ARG_NONE;
			return e->arg_kind;
		}
		p += wl;
	}
}

struct walked {
	const struct opt_spec *pending; /* an option whose value is being typed */
	int options_done;
	int npos;
	char **pos;                     /* borrowed positionals */
	const struct opt_spec *given[MAX_OPTIONS];
	size_t ngiven;
};

static void mark(struct walked *w, const struct opt_spec *spec)
{
	if (w->ngiven < MAX_OPTIONS)
		w->given[w->ngiven++] = spec;
}

/* Walks finished words as args_parse() does, without judging them. */
static void walk(const struct cmd_entry *e, char *const *words, int n, struct walked *w)
{
	int k;

	memset(w, 0, sizeof(*w));
	w->pos = xrealloc(NULL, ((size_t)n + 1) * sizeof(*w->pos));
	for (k = 0; k < n; k++) {
		const char *x = words[k];
		const struct opt_spec *spec;

		if (w->pending) {
			w->pending = NULL;
			continue;
		}
		if (w->options_done || x[0] != '-' || !x[1]) {
			w->pos[w->npos++] = (char *)x;
			if (e->flags & CMD_F_ARGS_STOP)
				w->options_done = 1;
			continue;
		}
		if (!strcmp(x, "--")) {
			w->options_done = 1;
			continue;
		}
		if (x[1] == '-') {
			const char *eq = strchr(x + 2, '=');

			spec = cmd_find_long(e, x + 2, eq ? (size_t)(eq - x - 2) : strlen(x + 2));
			if (!spec)
				continue;
			mark(w, spec);
			if (spec->type != OPT_FLAG && !eq)
				w->pending = spec;
			continue;
		}
		for (const char *c = x + 1; *c; c++) {
			spec = cmd_find_short(e, *c);
			if (!spec)
				break;
			mark(w, spec);
			if (spec->type != OPT_FLAG) {
				if (!c[1])
					w->pending = spec;
				break;
			}
		}
	}
}

static int was_given(const struct walked *w, const struct opt_spec *spec)
{
	size_t i;

	for (i = 0; i < w->ngiven; i++)
		if (w->given[i] == spec)
			return 1;
	return 0;
}

static void complete_args(const struct cmd_entry *const *table, const struct cmd_entry *e,
			  char *const *words, int n, const char *prefix,
			  const struct complete_source *src, struct complete_list *out)
{
	struct walked w;
	enum arg_kind kind;

	walk(e, words, n, &w);
	if (w.pending) {
		values(table, w.pending->kind, prefix, "", src, out);
		goto cleanup;
	}
	if (!w.options_done && prefix[0] == '-') {
		const struct opt_spec *opts[MAX_OPTIONS];
		size_t i, nopts;
		const char *eq = strchr(prefix, '=');

		if (starts_with(prefix, "--") && eq) {
			const struct opt_spec *spec = cmd_find_long(e, prefix + 2,
								    (size_t)(eq - prefix - 2));
			char *lead;

			if (!spec || spec->type == OPT_FLAG)
				goto cleanup;
			lead = xrealloc(NULL, (size_t)(eq - prefix) + 2);
			memcpy(lead, prefix, (size_t)(eq - prefix) + 1);
			lead[eq - prefix + 1] = '\0';
			values(table, spec->kind, eq + 1, lead, src, out);
			free(lead);
			goto cleanup;
		}
		nopts = cmd_options(e, opts, MAX_OPTIONS);
		for (i = 0; i < nopts; i++) {
			char name[128];

			/* a flag or a single value given once needs no second time */
			if (opts[i]->type != OPT_LIST && was_given(&w, opts[i]))
				continue;
			snprintf(name, sizeof(name), "--%s", opts[i]->long_name);
			complete_list_add(out, name);
		}
		goto cleanup;
	}
	if (e->args_max >= 0 && w.npos >= e->args_max)
		goto cleanup;
	if (e->arg_kind == ARG_COMMAND) {
		struct dispatch d;

		/* help's own words: a command word, then that noun's verbs */
		if (w.npos == 0)
			values(table, ARG_COMMAND, prefix, "", src, out);
		else if (dispatch_find(table, w.npos, w.pos, &d, NULL, 0) == DISPATCH_INCOMPLETE &&
			 d.noun && d.consumed == w.npos)
			verbs_of(table, d.noun, out);
		goto cleanup;
	}
	kind = positional_kind(e, w.npos);
	values(table, kind, prefix, "", src, out);

cleanup:
	free(w.pos);
}

void complete_line(const struct cmd_entry *const *table, const char *line,
		   const struct complete_source *src, struct completion *out)
{
	struct lex_partial lp;
	struct dispatch d;
	enum dispatch_status st;
	char **words;
	int n, first = 0;

	memset(out, 0, sizeof(*out));
	lex_partial(line, &lp);
	out->prefix = xstrdup(lp.word);
	out->start = lp.word_start;
	out->quote = lp.quote;
	if (lp.in_comment)
		goto cleanup;
	words = lp.words.words;
	n = (int)lp.words.n;
	if (n > 0 && !strcmp(words[0], "docker"))
		first = 1;
	if (n == first) {
		command_words(table, n == 0, &out->cands);
		goto cleanup;
	}
	st = dispatch_find(table, n, words, &d, NULL, 0);
	if (st == DISPATCH_INCOMPLETE && d.noun && d.consumed == n) {
		verbs_of(table, d.noun, &out->cands);
		goto cleanup;
	}
	if (st != DISPATCH_OK)
		goto cleanup;
	complete_args(table, d.entry, words + d.consumed, n - d.consumed, out->prefix, src,
		      &out->cands);

cleanup:
	tidy(&out->cands, out->prefix);
	lex_partial_release(&lp);
}

char *complete_common(const struct completion *c)
{
	size_t len, i;
	char *s;

	if (!c->cands.n)
		return xstrdup(c->prefix ? c->prefix : "");
	len = strlen(c->cands.items[0]);
	for (i = 1; i < c->cands.n; i++) {
		size_t k = 0;

		while (k < len && c->cands.items[i][k] == c->cands.items[0][k])
			k++;
		len = k;
	}
	s = xrealloc(NULL, len + 1);
	memcpy(s, c->cands.items[0], len);
	s[len] = '\0';
	return s;
}

char *complete_quote(const char *word, char quote, int close)
{
	size_t len = strlen(word), cap = len * 4 + 4, n = 0;
	char *s = xrealloc(NULL, cap);
	const char *p;

	if (quote)
		s[n++] = quote;
	for (p = word; *p; p++) {
		if (quote == '\'') {
			if (*p == '\'') {
				/* close, an escaped quote, open again */
				memcpy(s + n, "'\\''", 4);
				n += 4;
				continue;
			}
		} else if (quote == '"') {
			if (strchr("\"\\$`", *p))
				s[n++] = '\\';
		} else if (strchr(" \t\r\n'\"\\;#", *p)) {
			s[n++] = '\\';
		}
		s[n++] = *p;
	}
	if (quote && close)
		s[n++] = quote;
	s[n] = '\0';
	return s;
}
