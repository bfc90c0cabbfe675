/* fuzz.h: what the libFuzzer harnesses of tests/fuzz share (see README).
 *
 * Each harness is one LLVMFuzzerTestOneInput over one parser of berth,
 * linked against berth's own sources built with clang by run.sh. Parsers
 * that read a file get the input written to a scratch directory made once
 * per process (under $TMPDIR, removed at exit).
 */
#ifndef BERTH_FUZZ_H
#define BERTH_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (caller frees). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char fuzz_dir_path[256];

static void fuzz_dir_remove(void)
{
	/* no shell: unlink what the harnesses make, then the directory */
	if (!fuzz_dir_path[0])
		return;
	{
		static const char *const names[] = {
			"config.yaml", "clouds.yaml", "secure.yaml", "credentials", "config",
			"hosts.bson", "images.bson", "containers.bson", "templates.bson",
			"leases.bson", "intents.bson", NULL,
		};
		char p[512];
		size_t i;

		for (i = 0; names[i]; i++) {
			snprintf(p, sizeof(p), "%s/%s", fuzz_dir_path, names[i]);
			unlink(p);
		}
		rmdir(fuzz_dir_path);
	}
}

/* The scratch directory, made on first use. */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		/* memory, not a disk: ext4 flushes a file truncated and
		 * written again at its close, thousands of times a second */
		const char *t = getenv("TMPDIR");

		if (access("/dev/shm", W_OK) == 0)
			t = "/dev/shm";
		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/berth-fuzz.XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(fuzz_dir_path))
			abort();
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* Writes data to name in the scratch directory with mode; returns the
 * path (static buffer: one per call site is enough for the harnesses). */
static inline void fuzz_write(char *path, size_t pathlen, const char *name, const void *data,
			      size_t size, mode_t mode)
{
	int fd;

	snprintf(path, pathlen, "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

/* A refusal says what was wrong: its message is not empty. (That it is
 * one line is the printer's part, shell/shell.c's report(), which folds
 * what a message quotes; tests/t0210-malformed.sh checks the output.) */
static inline void fuzz_message(const char *msg)
{
	if (!msg[0]) {
		fprintf(stderr, "fuzz: a refusal without a message\n");
		abort();
	}
}

#endif
