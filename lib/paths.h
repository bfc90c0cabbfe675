/* paths.h: home, ~ expansion, XDG directories, mkdir -p.
 * Returned strings belong to the caller; NULL when out of memory (or, for
 * xdg_path, when no home directory can be found).
 */
#ifndef BERTH_PATHS_H
#define BERTH_PATHS_H

/* a b c concatenated. */
char *path_join3(const char *a, const char *b, const char *c);
/* "~" or "~/x" made absolute with $HOME (or the password entry's home);
 * any other path copied as it is. */
char *path_expand_tilde(const char *path);
/* $XDG_<KIND>_HOME/berth/leaf with the XDG defaults (~/.config,
 * ~/.local/state, ~/.local/share); kind is "config", "state" or "data".
 * Does not create directories. */
char *xdg_path(const char *kind, const char *leaf);
/* mkdir -p of path's parent directory, mode 0700; 0 or -1 (errno). */
int mkdir_parents(const char *path);

#endif
