/* editline.c: libedit through dlopen() (editline.h says why). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include "shell/editline.h"

/* The dlsym(3) idiom: the function pointer's storage gets the void *. */
#define LOAD(f)                                               \
	do {                                                  \
		if (!(*(void **)&api.f = dlsym(handle, #f)))  \
			goto missing;                         \
	} while (0)

const struct editline *editline_load(const char **why)
{
	static struct editline api;
	static void *handle;
	static char failed[256];
	const char *msg;

	if (handle) {
		*why = NULL;
		return &api;
	}
	if (*failed)
		goto fail;
	if (!(handle = dlopen(BERTH_LIBEDIT_SONAME, RTLD_NOW | RTLD_LOCAL)))
		goto missing;
	LOAD(el_init);
	LOAD(el_end);
	LOAD(el_set);
	LOAD(el_wset);
	LOAD(el_get);
	LOAD(el_gets);
	LOAD(el_line);
	LOAD(el_deletestr);
	LOAD(el_insertstr);
	LOAD(el_source);
	LOAD(history_init);
	LOAD(history_end);
	LOAD(history);
	*why = NULL;
	return &api;

missing:
	msg = dlerror();
	snprintf(failed, sizeof(failed), "%s", msg ? msg : "cannot load " BERTH_LIBEDIT_SONAME);
	if (handle)
		dlclose(handle);
	handle = NULL;
fail:
	*why = failed;
	return NULL;
}
