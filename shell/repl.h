/* repl.h: the interactive shell at a terminal (libedit).
 *
 * Prompt "berth HOST> ", history kept in $XDG_STATE_HOME/berth/history,
 * Tab completion through complete.c, Ctrl-C clearing the line at the
 * prompt and cancelling a running command (not the shell), Ctrl-D or
 * `exit` to leave.
 */
#ifndef BERTH_REPL_H
#define BERTH_REPL_H

#include "shell/complete.h"
#include "shell/shell.h"

/* Runs the interactive loop until Ctrl-D or `exit`; returns the exit
 * status (exit's STATUS, 0 on Ctrl-D). Host names for completion come
 * from sh's configuration; src (may be NULL) adds further names, e.g.
 * containers and images from a store; it is borrowed for the call. */
int repl_run(struct shell *sh, const struct complete_source *src);

#endif
