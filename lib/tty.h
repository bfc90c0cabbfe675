/* tty.h: the local terminal, for a session that hands it to a container:
 * raw mode and back, its size, and the detach keys as docker spells them. */
#ifndef BERTH_TTY_H
#define BERTH_TTY_H

#include <stddef.h>
#include <termios.h>

/* fd's settings into *saved, then raw (cfmakeraw: no echo, no line
 * editing, no signals from keys, no output processing). 0, or -1 with
 * errno. */
int tty_raw(int fd, struct termios *saved);
/* Back to *saved, after the output already written has gone out. */
int tty_restore(int fd, const struct termios *saved);
/* The window size of fd: 0 with *rows and *cols, -1 when fd is not a
 * terminal or has no size. */
int tty_size(int fd, int *rows, int *cols);

/* Docker's detach keys: comma-separated, each one character, ctrl-@,
 * ctrl-a ... ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_, or DEL.
 * The bytes into out (at most size); returns how many, or -1 with *bad
 * pointing at the key that is none of those (its length in *badlen). */
int tty_detach_keys(const char *keys, unsigned char *out, size_t size, const char **bad,
		    size_t *badlen);

#endif
