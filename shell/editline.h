/* editline.h: libedit, loaded when the interactive shell starts.
 *
 * Only a terminal session edits lines, yet a binary linked with libedit
 * loads it, libtinfo, libbsd and libmd at every start: about 2 ms of each
 * one-shot and batch run (bench/container-list.sh). So berth is not linked
 * with it; repl.c calls libedit through this table, filled by dlopen() of
 * the shared object configure found (BERTH_LIBEDIT_SONAME). The header
 * and so the ABI are those berth was built against.
 */
#ifndef BERTH_EDITLINE_H
#define BERTH_EDITLINE_H

#include <stdio.h>
#include <histedit.h>

struct editline {
	EditLine *(*el_init)(const char *prog, FILE *in, FILE *out, FILE *err);
	void (*el_end)(EditLine *el);
	int (*el_set)(EditLine *el, int op, ...);
	int (*el_wset)(EditLine *el, int op, ...);
	int (*el_get)(EditLine *el, int op, ...);
	const char *(*el_gets)(EditLine *el, int *count);
	const LineInfo *(*el_line)(EditLine *el);
	void (*el_deletestr)(EditLine *el, int n);
	int (*el_insertstr)(EditLine *el, const char *s);
	int (*el_source)(EditLine *el, const char *file);
	History *(*history_init)(void);
	void (*history_end)(History *h);
	int (*history)(History *h, HistEvent *ev, int op, ...);
};

/* libedit's functions, loaded on the first call (the table is borrowed and
 * lives as long as the process); NULL when it cannot be loaded, with
 * *why (borrowed) saying what dlopen() or dlsym() said. */
const struct editline *editline_load(const char **why);

#endif
