/* store_mongo_load.c: MongoDB support is a module, berth-mongo.so, loaded
 * the first time a MongoDB store is opened.
 *
 * Why: libmongoc brings TLS, SASL, ICU and compression libraries with it,
 * and loading them doubled the start-up time of every one-shot, store or
 * not (bench/container-list.sh: 1.9x raw curl with it linked in, 1.13x
 * without). The module calls back into berth for the helpers listed in
 * backends/store_mongo.dyn, which berth exports for it.
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/store/store.h"

#define MODULE_NAME "berth-mongo.so"

typedef int (*mongo_open_fn)(const char *uri, const char *database, struct store **out,
			     struct berr *err);
typedef void (*mongo_shutdown_fn)(void);

static void *module;
static mongo_open_fn module_open;
static mongo_shutdown_fn module_shutdown;

/* The directory berth runs from: an uninstalled build keeps the module
 * next to the binary. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return -1;
	*slash = '\0';
	return 0;
}

/* dlopen with stderr pointed at /dev/null: libmongoc initialises itself in
 * a constructor, before berth can install its log handler, and warns there
 * on stderr when it cannot map its shared-memory counters (many berth
 * processes at once). Failures still come back through dlerror(). */
static void *dlopen_quietly(const char *path)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	void *handle;

	fflush(stderr);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (null >= 0)
		close(null);
	return handle;
}

static int load_module(struct berr *err)
{
	char here[PATH_MAX], path[PATH_MAX + sizeof(MODULE_NAME) + 1];
	const char *dirs[3];
	size_t ndirs = 0, i;
	const char *env = getenv("BERTH_MODULE_DIR");

	if (module)
		return 0;
	if (env && *env)
		dirs[ndirs++] = env;
	if (!exe_dir(here, sizeof(here)))
		dirs[ndirs++] = here;
	dirs[ndirs++] = BERTH_MODULEDIR;

	for (i = 0; i < ndirs; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], MODULE_NAME);
		if (access(path, R_OK))
			continue;
		if (!(module = dlopen_quietly(path)))
			return berr_set(err, BERR_LOCAL,
					"store: cannot load MongoDB support from %s: %s",
					path, dlerror());
		module_open = (mongo_open_fn)dlsym(module, "berth_store_mongo_open");
		module_shutdown = (mongo_shutdown_fn)dlsym(module, "berth_store_mongo_shutdown");
		if (!module_open || !module_shutdown) {
			dlclose(module);
			module = NULL;
			return berr_set(err, BERR_LOCAL,
					"store: %s is not a berth MongoDB module (reinstall berth)",
					path);
		}
		return 0;
	}
	return berr_set(err, BERR_LOCAL,
			"store: MongoDB support is not installed (no %s in %s): reinstall berth, "
			"or set BERTH_MODULE_DIR, or drop the MongoDB URI to use the file store",
			MODULE_NAME, BERTH_MODULEDIR);
}

int store_mongo_open(const char *uri, const char *database, struct store **out,
		     struct berr *err)
{
	*out = NULL;
	if (load_module(err))
		return -1;
	return module_open(uri, database, out, err);
}

void store_shutdown(void)
{
	if (!module)
		return;
	module_shutdown();
	dlclose(module);
	module = NULL;
	module_open = NULL;
	module_shutdown = NULL;
}
