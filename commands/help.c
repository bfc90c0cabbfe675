/* help.c: help, version and exit: the commands that need no engine. */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"

static int exec_help(struct shell *sh, struct args *a);
static int exec_version(struct shell *sh, struct args *a);
static int exec_exit(struct shell *sh, struct args *a);

const struct cmd_entry cmd_help_entry = {
	.noun = "help",
	.args_min = 0,
	.args_max = 2,
	.usage = "[COMMAND [VERB]]",
	.summary = "list commands, or show one command's usage and options",
	.arg_kind = ARG_COMMAND,
	.flags = CMD_F_NO_SETTINGS,
	.exec = exec_help,
};
const struct cmd_entry cmd_version_entry = {
	.noun = "version",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "show berth's version and the versions of its libraries",
	.flags = CMD_F_JSON | CMD_F_NO_SETTINGS,
	.exec = exec_version,
};
const struct cmd_entry cmd_exit_entry = {
	.noun = "exit",
	.alias = "quit",
	.args_min = 0,
	.args_max = 1,
	.usage = "[STATUS]",
	.summary = "leave the shell",
	.flags = CMD_F_NO_SETTINGS,
	.exec = exec_exit,
};

/* --- exec bodies ------------------------------------------------------- */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <histedit.h>
#include <jansson.h>
#include <yaml.h>
#include "commands/dispatch.h"
#include "lib/text.h"

/* Help is generated into memory first so that it reaches stdout through
 * out_write(), which notices a closed pipe. */
static int print_generated(struct shell *sh, char *text, size_t len)
{
	int rc = out_write(sh, text, len) < 0 ? CMD_ERROR : CMD_OK;

	free(text);
	return rc;
}

static int exec_help(struct shell *sh, struct args *a)
{
	char errbuf[1024], *text = NULL;
	size_t len = 0;
	FILE *f;
	struct dispatch d;
	enum dispatch_status st;
	int rc = CMD_OK;

	f = open_memstream(&text, &len);
	if (!f)
		return error(sh, "help: %s", strerror(errno));
	if (a->argc == 0) {
		/* berth's own options matter where berth was started from a shell */
		help_overview(f, cmd_table, sh->mode != SHELL_INTERACTIVE);
		goto print;
	}
	st = dispatch_find(cmd_table, a->argc, a->argv, &d, errbuf, sizeof(errbuf));
	if (st == DISPATCH_INCOMPLETE && d.consumed == a->argc) {
		/* "help container", or "help docker" which is plain "help" */
		if (d.noun)
			help_noun(f, cmd_table, d.noun);
		else
			help_overview(f, cmd_table, sh->mode != SHELL_INTERACTIVE);
		goto print;
	}
	if (st != DISPATCH_OK) {
		rc = usage_error(sh, "%s", errbuf);
		goto cleanup;
	}
	if (d.consumed < a->argc) {
		char name[128];

		rc = usage_error(sh, "help: %s takes no verb (see 'help %s')",
				 cmd_name(d.entry, name, sizeof(name)), name);
		goto cleanup;
	}
	help_command(f, d.entry);
print:
	if (fclose(f) != 0) {
		f = NULL;
		rc = error(sh, "help: %s", strerror(errno));
		goto cleanup;
	}
	return print_generated(sh, text, len);
cleanup:
	if (f)
		fclose(f);
	free(text);
	return rc;
}

static int exec_version(struct shell *sh, struct args *a)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	char editline[32];
	json_t *doc;
	int rc;

	/* libedit has no run-time version call: its API version is what we
	 * were built against */
	snprintf(editline, sizeof(editline), "%d.%d", LIBEDIT_MAJOR, LIBEDIT_MINOR);
	if (args_has(a, "json")) {
		doc = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s}",
				"berth", PACKAGE_VERSION,
				"libcurl", cv->version,
				"ssl", cv->ssl_version,
				"jansson", jansson_version_str(),
				"libyaml", yaml_get_version_string(),
				"libmongoc", BERTH_LIBMONGOC_VERSION,
				"libedit", editline);
		if (!doc)
			return error(sh, "version: cannot build the JSON document");
		rc = output_json(sh, doc);
		json_decref(doc);
		return rc < 0 ? CMD_ERROR : CMD_OK;
	}
	rc = out_printf(sh, "berth %s\n"
			"  libcurl    %s%s%s\n"
			"  jansson    %s\n"
			"  libyaml    %s\n"
			"  libmongoc  %s\n"
			"  libedit    %s (API)\n",
			PACKAGE_VERSION, cv->version,
			cv->ssl_version ? ", " : "", cv->ssl_version ? cv->ssl_version : "",
			jansson_version_str(), yaml_get_version_string(), BERTH_LIBMONGOC_VERSION,
			editline);
	return rc < 0 ? CMD_ERROR : CMD_OK;
}

static int exec_exit(struct shell *sh, struct args *a)
{
	long status = 0;

	if (a->argc == 1) {
		char *end;

		errno = 0;
		status = strtol(a->argv[0], &end, 10);
		if (errno || end == a->argv[0] || *end || status < 0 || status > 255)
			return usage_error(sh, "exit status must be a number from 0 to 255, not '%s'",
					   CUT(a->argv[0]));
	}
	sh->quit = 1;
	sh->quit_status = (int)status;
	return CMD_OK;
}
