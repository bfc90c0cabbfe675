/* paths.c: home, ~ expansion, XDG directories, mkdir -p. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "lib/paths.h"

/* --- small helpers ----------------------------------------------------- */

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

char *path_join3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* "~" and "~/x" name the home directory; anything else is kept as is. */
char *path_expand_tilde(const char *path)
{
	const char *home;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return strdup(path);
	home = home_dir();
	if (!home)
		return strdup(path);
	return path_join3(home, "", path + 1);
}

char *xdg_path(const char *kind, const char *leaf)
{
	const char *var, *fallback, *base, *home;
	char *dir, *path;

	if (strcmp(kind, "config") == 0) {
		var = "XDG_CONFIG_HOME";
		fallback = "/.config";
	} else if (strcmp(kind, "state") == 0) {
		var = "XDG_STATE_HOME";
		fallback = "/.local/state";
	} else if (strcmp(kind, "data") == 0) {
		var = "XDG_DATA_HOME";
		fallback = "/.local/share";
	} else {
		return NULL;
	}
	/* The XDG spec says a relative value is invalid and to be ignored. */
	base = getenv(var);
	if (base && base[0] == '/') {
		dir = strdup(base);
	} else {
		home = home_dir();
		if (!home)
			return NULL;
		dir = path_join3(home, fallback, "");
	}
	if (!dir)
		return NULL;
	path = path_join3(dir, "/berth/", leaf);
	free(dir);
	return path;
}

int mkdir_parents(const char *path)
{
	char *copy = strdup(path), *slash, *p;
	struct stat st;
	int ret = -1;

	if (!copy)
		return -1;
	slash = strrchr(copy, '/');
	if (!slash || slash == copy) {
		ret = 0; /* relative leaf or a file in "/": nothing to make */
		goto cleanup;
	}
	*slash = '\0';
	for (p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			/* Directories we create hold history and state: private. */
			if (mkdir(copy, 0700) < 0 && errno != EEXIST)
				goto cleanup;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	if (stat(copy, &st) < 0)
		goto cleanup;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(copy);
	return ret;
}

