/* args.c: the option parser over a command's opt_spec (see args.h).
 *
 * Options are looked up among the entry's own options plus the common ones
 * its flags give it (dispatch.c's cmd_options), so --help, --json and -q
 * need no declaration in each command.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "commands/args.h"
#include "commands/dispatch.h"
#include "lib/xalloc.h"
#include "lib/text.h"

#define MAX_OPTIONS 64

__attribute__((format(printf, 3, 4)))
static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static struct args_opt *slot(struct args *a, const struct opt_spec *spec)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		if (a->opts[i].spec == spec)
			return &a->opts[i];
	a->opts = xrealloc(a->opts, (a->nopts + 1) * sizeof(*a->opts));
	memset(&a->opts[a->nopts], 0, sizeof(a->opts[a->nopts]));
	a->opts[a->nopts].spec = spec;
	return &a->opts[a->nopts++];
}

static void add_value(struct args *a, const struct opt_spec *spec, const char *value)
{
	struct args_opt *o = slot(a, spec);

	o->count++;
	if (spec->type == OPT_FLAG)
		return;
	o->values = xgrow(o->values, o->nvalues, o->nvalues + 1, sizeof(*o->values));
	o->values[o->nvalues++] = xstrdup(value);
}

static void add_positional(struct args *a, const char *w)
{
	a->argv = xgrow(a->argv, a->argv ? (size_t)a->argc + 1 : 0, (size_t)a->argc + 2,
			sizeof(*a->argv));
	a->argv[a->argc++] = xstrdup(w);
	a->argv[a->argc] = NULL;
}

/* The long option nearest to what was typed, or NULL. */
static const char *suggest_long(const struct cmd_entry *e, const char *typed)
{
	const struct opt_spec *opts[MAX_OPTIONS];
	size_t i, n = cmd_options(e, opts, MAX_OPTIONS), bestd = (size_t)-1;
	const char *best = NULL;

	for (i = 0; i < n; i++) {
		size_t d;

		if (!close_enough(typed, opts[i]->long_name))
			continue;
		d = edit_distance(typed, opts[i]->long_name);
		if (d < bestd) {
			bestd = d;
			best = opts[i]->long_name;
		}
	}
	return best;
}

static int unknown_long(const struct cmd_entry *e, const char *word, size_t len,
			char *errbuf, size_t errlen)
{
	char name[128], *typed;
	const char *near;

	cmd_name(e, name, sizeof(name));
	typed = xrealloc(NULL, len + 1);
	memcpy(typed, word, len);
	typed[len] = '\0';
	near = suggest_long(e, typed);
	if (near)
		fail(errbuf, errlen, "unknown option --%s for %s (did you mean --%s?)", CUT(typed), name,
		     near);
	else
		fail(errbuf, errlen, "unknown option --%s for %s (see 'help %s')", CUT(typed), name, name);
	free(typed);
	return -1;
}

/* An unknown letter in "-x" or in a bundle like "-all" or "-name": when the
 * whole word reads as a long option with one dash, say so. */
static int unknown_short(const struct cmd_entry *e, const char *word, char c,
			 char *errbuf, size_t errlen)
{
	char name[128];
	const char *near = NULL;

	cmd_name(e, name, sizeof(name));
	if (strlen(word) > 2) {
		const char *w = word + 1;
		size_t len = strcspn(w, "=");

		if (cmd_find_long(e, w, len)) {
			return fail(errbuf, errlen, "unknown option -%c in %s for %s (did you mean --%s?)",
				    c, CUT(word), name, CUT_N(w, len));
		}
		near = suggest_long(e, w);
		if (near)
			return fail(errbuf, errlen, "unknown option -%c in %s for %s (did you mean --%s?)",
				    c, CUT(word), name, near);
		return fail(errbuf, errlen, "unknown option -%c in %s for %s (see 'help %s')", c, CUT(word),
			    name, name);
	}
	return fail(errbuf, errlen, "unknown option -%c for %s (see 'help %s')", c, name, name);
}

/* What the n-th positional is called in the usage synopsis, bare
 * ("CONTAINER..." -> "CONTAINER"), into buf; 0 when the synopsis names none
 * there or calls it optional. A repeated word covers every later place. */
static int usage_word(const char *usage, int n, char *buf, size_t len)
{
	const char *p = usage ? usage : "";
	int i;

	for (i = 0;; i++) {
		size_t wl;
		int optional, repeated;

		p += strspn(p, " ");
		if (!*p)
			return 0;
		wl = strcspn(p, " ");
		optional = *p == '[';
		repeated = wl >= 3 && !strncmp(p + wl - 3, "...", 3);
		if (i == n || repeated) {
			if (optional)
				return 0;
			snprintf(buf, len, "%.*s", (int)(repeated ? wl - 3 : wl), p);
			return 1;
		}
		p += wl;
	}
}

/* An option that takes one value, given more than once: which one was
 * meant is a guess, so none is taken. */
static int check_repeats(const struct args *a, char *errbuf, size_t errlen)
{
	size_t i;

	for (i = 0; i < a->nopts; i++) {
		const struct args_opt *o = &a->opts[i];

		if (o->spec->type == OPT_VALUE && o->nvalues > 1)
			return fail(errbuf, errlen, "option --%s given %zu times: give it once",
				    o->spec->long_name, o->nvalues);
	}
	return 0;
}

static int check_counts(const struct args *a, char *errbuf, size_t errlen)
{
	const struct cmd_entry *e = a->entry;
	char name[128], what[64];
	char *usage;
	int rc = 0;

	if (a->argc >= e->args_min && (e->args_max < 0 || a->argc <= e->args_max))
		return 0;
	cmd_name(e, name, sizeof(name));
	usage = help_usage_line(e);
	if (a->argc < e->args_min) {
		if (usage_word(e->usage, a->argc, what, sizeof(what)))
			rc = fail(errbuf, errlen, "%s needs %s (usage: %s)", name, what, usage);
		else
			rc = fail(errbuf, errlen, "%s needs at least %d argument%s (usage: %s)", name,
				  e->args_min, e->args_min == 1 ? "" : "s", usage);
	} else if (e->args_max == 0) {
		rc = fail(errbuf, errlen, "%s takes no arguments (usage: %s)", name, usage);
	} else {
		rc = fail(errbuf, errlen, "%s takes at most %d argument%s (usage: %s)", name,
			  e->args_max, e->args_max == 1 ? "" : "s", usage);
	}
	free(usage);
	return rc;
}

int args_parse(struct args *a, const struct cmd_entry *entry, int argc, char *const *argv,
	       char *errbuf, size_t errlen)
{
	int i, options_done = 0;

	memset(a, 0, sizeof(*a));
	a->entry = entry;
	if (errbuf && errlen)
		errbuf[0] = '\0';

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const struct opt_spec *spec;

		if (options_done || w[0] != '-' || w[1] == '\0') {
			/* "-" alone is a positional: stdin or stdout for files */
			add_positional(a, w);
			/* the required positionals may be mixed with options
			 * ("template add NAME --image x"); what follows them is
			 * the command's own argv */
			if ((entry->flags & CMD_F_ARGS_STOP) && a->argc > entry->args_min)
				options_done = 1;
			continue;
		}
		if (!strcmp(w, "--")) {
			options_done = 1;
			continue;
		}
		if (w[1] == '-') {
			const char *name = w + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			spec = cmd_find_long(entry, name, len);
			if (!spec) {
				unknown_long(entry, name, len, errbuf, errlen);
				goto fail;
			}
			if (spec->type == OPT_FLAG) {
				if (eq) {
					fail(errbuf, errlen, "option --%s takes no value", spec->long_name);
					goto fail;
				}
				add_value(a, spec, NULL);
			} else if (eq) {
				add_value(a, spec, eq + 1);
			} else if (i + 1 < argc) {
				add_value(a, spec, argv[++i]);
			} else {
				fail(errbuf, errlen, "option --%s needs a value", spec->long_name);
				goto fail;
			}
			continue;
		}
		/* a bundle of short options: -af, -p80:80, -e A=1 */
		for (const char *c = w + 1; *c; c++) {
			spec = cmd_find_short(entry, *c);
			if (!spec) {
				unknown_short(entry, w, *c, errbuf, errlen);
				goto fail;
			}
			if (spec->type == OPT_FLAG) {
				add_value(a, spec, NULL);
				continue;
			}
			if (c[1]) {
				add_value(a, spec, c + 1);
			} else if (i + 1 < argc) {
				add_value(a, spec, argv[++i]);
			} else {
				fail(errbuf, errlen, "option -%c (--%s) needs a value", *c,
				     spec->long_name);
				goto fail;
			}
			break;
		}
	}
	/* "--help" asks for usage: what else is missing does not matter */
	if (!args_has(a, "help") &&
	    (check_repeats(a, errbuf, errlen) < 0 || check_counts(a, errbuf, errlen) < 0))
		goto fail;
	return 0;

fail:
	args_release(a);
	return -1;
}

void args_release(struct args *a)
{
	size_t i, j;
	int k;

	if (!a)
		return;
	for (i = 0; i < a->nopts; i++) {
		for (j = 0; j < a->opts[i].nvalues; j++)
			free(a->opts[i].values[j]);
		free(a->opts[i].values);
	}
	free(a->opts);
	for (k = 0; k < a->argc; k++)
		free(a->argv[k]);
	free(a->argv);
	memset(a, 0, sizeof(*a));
}

static const struct args_opt *find(const struct args *a, const char *long_name)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		if (!strcmp(a->opts[i].spec->long_name, long_name))
			return &a->opts[i];
	return NULL;
}

int args_has(const struct args *a, const char *long_name)
{
	const struct args_opt *o = find(a, long_name);

	return o ? o->count : 0;
}

const char *args_get(const struct args *a, const char *long_name)
{
	const struct args_opt *o = find(a, long_name);

	if (!o || !o->nvalues)
		return NULL;
	return o->values[o->nvalues - 1];
}

const char *const *args_list(const struct args *a, const char *long_name, size_t *n)
{
	const struct args_opt *o = find(a, long_name);

	if (n)
		*n = o ? o->nvalues : 0;
	if (!o || !o->nvalues)
		return NULL;
	return (const char *const *)o->values;
}
