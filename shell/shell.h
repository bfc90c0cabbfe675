/* shell.h: the front's own entry points: setting the context up, and
 * running lines, words and batch streams through the command table. What
 * commands may call is commands/context.h.
 */
#ifndef BERTH_SHELL_H
#define BERTH_SHELL_H

#include <stdio.h>
#include "commands/context.h"

/* Set up from config; current host = config's default. A configuration
 * that cannot be loaded is no failure here: sh->settings_failed says so,
 * and the commands that need the settings report it. */
int shell_init(struct shell *sh, enum shell_mode mode);
void shell_release(struct shell *sh);

/* Runs one line (possibly several ';'-separated commands). Returns an exit
 * status: 0, 1 (operation failed) or 2 (usage). */
int shell_run_line(struct shell *sh, const char *line);
/* Runs pre-split words as one command (one-shot mode). */
int shell_run_words(struct shell *sh, int argc, char *const *argv);
/* Runs a batch stream: comments, blank lines, backslash continuation;
 * stops at the first failing line unless keep_going. Returns the exit
 * status of the run. */
int shell_run_stream(struct shell *sh, FILE *in, const char *name);

#endif
