/* main.c: berth's command line, the choice of mode, and process-wide
 * set-up (signals, libcurl). Everything else happens in the shell context;
 * nothing below main() calls exit(). */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include "shell/shell.h"
#include "commands/dispatch.h"
#include "shell/repl.h"
#include "shell/complete_store.h"
#include "lib/berr.h"
#include "lib/text.h"

struct globals {
	const char *host;    /* -H */
	const char *config;  /* --config */
	const char *cmds;    /* -c */
	const char *file;    /* -f */
	int keep_going;
	int insecure;        /* --insecure */
	int version;
	int help;
	int first_word;      /* argv index of the one-shot command, or argc */
};

/* Outside the interactive shell a second Ctrl-C, while the first is still
 * being acted on, ends berth at once: a stuck command cannot trap the user. */
static volatile sig_atomic_t second_sigint_kills;

static void on_sigint(int sig)
{
	if (berth_interrupted && second_sigint_kills) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	berth_interrupted = 1;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	/* no SA_RESTART: a blocking read (the prompt, a batch on stdin)
	 * must return so that the interruption is noticed */
	sa.sa_handler = on_sigint;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
}

static const char *const global_longs[] = { "host", "config", "keep-going", "insecure", "version", "help",
					    NULL };

__attribute__((format(printf, 1, 2)))
static int bad_global(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	usage_error(NULL, "%s", msg);
	return 2;
}

static int unknown_long(const char *name)
{
	char typed[128];
	const char *near = NULL;
	size_t i, bestd = (size_t)-1;

	snprintf(typed, sizeof(typed), "%.*s", (int)strcspn(name, "="), name);
	for (i = 0; global_longs[i]; i++) {
		size_t d;

		if (!close_enough(typed, global_longs[i]))
			continue;
		d = edit_distance(typed, global_longs[i]);
		if (d < bestd) {
			bestd = d;
			near = global_longs[i];
		}
	}
	if (near) {
		usage_error(NULL, "unknown option --%s (did you mean --%s?)", CUT(typed), near);
		return 2;
	}
	usage_error(NULL, "unknown option --%s (see 'berth --help')", CUT(typed));
	return 2;
}

/* berth's own options, before the command words. Returns 0, or 2 after
 * reporting a usage problem. */
static int parse_globals(int argc, char **argv, struct globals *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "--")) {
			i++;
			break;
		}
		if (w[0] != '-' || !w[1])
			break;
		if (w[1] == '-') {
			const char *name = w + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const char **dest = NULL;

			if (len == 4 && !strncmp(name, "host", 4))
				dest = &g->host;
			else if (len == 6 && !strncmp(name, "config", 6))
				dest = &g->config;
			if (dest) {
				if (eq)
					*dest = eq + 1;
				else if (i + 1 < argc)
					*dest = argv[++i];
				else
					return bad_global("option --%s needs a value", len == 4 ? "host" : "config");
				continue;
			}
			if (eq && (!strncmp(name, "keep-going=", 11) || !strncmp(name, "version=", 8) ||
				   !strncmp(name, "help=", 5) || !strncmp(name, "insecure=", 9))) {
				char flag[32];

				snprintf(flag, sizeof(flag), "%.*s", (int)len, name);
				return bad_global("option --%s takes no value", flag);
			}
			if (!strcmp(name, "keep-going"))
				g->keep_going = 1;
			else if (!strcmp(name, "insecure"))
				g->insecure = 1;
			else if (!strcmp(name, "version"))
				g->version = 1;
			else if (!strcmp(name, "help"))
				g->help = 1;
			else
				return unknown_long(name);
			continue;
		}
		for (const char *c = w + 1; *c; c++) {
			const char **dest = NULL;

			switch (*c) {
			case 'k':
				g->keep_going = 1;
				continue;
			case 'V':
				g->version = 1;
				continue;
			case 'h':
				g->help = 1;
				continue;
			case 'H':
				dest = &g->host;
				break;
			case 'c':
				dest = &g->cmds;
				break;
			case 'f':
				dest = &g->file;
				break;
			default: {
				char opt[3] = { '-', *c, '\0' };

				return bad_global("unknown option %s (see 'berth --help')", opt);
			}
			}
			if (c[1]) {
				*dest = c + 1;
			} else if (i + 1 < argc) {
				*dest = argv[++i];
			} else {
				char opt[3] = { '-', *c, '\0' };

				return bad_global("option %s needs a value", opt);
			}
			break;
		}
	}
	g->first_word = i;
	if (g->cmds && g->file)
		return bad_global("%s", "use either -c 'COMMANDS' or -f FILE, not both");
	if ((g->cmds || g->file) && i < argc)
		return bad_global("unexpected '%s' after -c or -f: put every command in the -c string or the file",
				  CUT(argv[i]));
	return 0;
}

static int print_help(void)
{
	help_overview(stdout, cmd_table, 1);
	return fflush(stdout) == EOF && errno != EPIPE ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct globals g;
	struct shell sh;
	enum shell_mode mode;
	int status, rc, interactive = 0;
	const char *host;

	/* characters for libedit and display widths; numbers stay "C" so
	 * that "1.5" means the same everywhere */
	setlocale(LC_CTYPE, "");
	setvbuf(stdout, NULL, _IOLBF, 0); /* logs --follow | grep sees lines as they come */

	status = parse_globals(argc, argv, &g);
	if (status)
		return status;
	if (g.help)
		return print_help();

	setup_signals();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		error(NULL, "cannot initialise libcurl");
		return 1;
	}

	if (g.version) {
		/* no configuration needed to say what berth is */
		char *words[] = { "version", NULL };

		memset(&sh, 0, sizeof(sh));
		sh.mode = SHELL_ONESHOT;
		sh.out_tty = isatty(STDOUT_FILENO);
		status = shell_run_words(&sh, 1, words);
		goto done;
	}

	if (g.config)
		setenv("BERTH_CONFIG", g.config, 1); /* --config is BERTH_CONFIG */
	host = g.host;
	if (!host) {
		host = getenv("BERTH_HOST");
		if (host && !*host)
			host = NULL;
	}

	if (g.cmds || g.first_word < argc) {
		mode = SHELL_ONESHOT;
	} else if (g.file) {
		mode = SHELL_BATCH;
	} else if (isatty(STDIN_FILENO)) {
		mode = SHELL_INTERACTIVE;
		interactive = 1;
	} else {
		mode = SHELL_BATCH;
	}
	second_sigint_kills = !interactive;

	if (shell_init(&sh, mode) < 0) {
		status = 1;
		goto done;
	}
	sh.keep_going = g.keep_going;
	sh.fleet.insecure = g.insecure;
	/* pinning needs the settings; without them every command that could
	 * use the pin reports what is wrong with them */
	if (host && !sh.settings_failed && (rc = shell_set_host(&sh, host)) < 0) {
		status = rc == CMD_USAGE ? 2 : 1;
		goto release;
	}

	if (g.cmds) {
		sh.source = "-c";
		status = shell_run_line(&sh, g.cmds);
	} else if (g.first_word < argc) {
		status = shell_run_words(&sh, argc - g.first_word, argv + g.first_word);
	} else if (g.file && strcmp(g.file, "-")) {
		FILE *f = fopen(g.file, "r");

		if (!f) {
			error(&sh, "cannot open %s: %s", g.file, strerror(errno));
			status = 1;
			goto release;
		}
		status = shell_run_stream(&sh, f, g.file);
		fclose(f);
	} else if (interactive) {
		/* containers, images and registered hosts complete from the
		 * store, which works with every engine down */
		struct complete_store cs;
		struct complete_source src;

		complete_store_init(&cs, &sh, &src);
		status = repl_run(&sh, &src);
	} else {
		status = shell_run_stream(&sh, stdin, "-");
	}
	if (sh.quit)
		status = sh.quit_status;
	if (!interactive && berth_interrupted)
		status = 130;

release:
	shell_release(&sh);
done:
	curl_global_cleanup();
	/* a reader that went away is no error; anything else still ends quietly
	 * here because each command already flushed and reported */
	fflush(stdout);
	return status;
}
