/* tty.c: raw mode, window size, detach keys. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "lib/tty.h"

int tty_raw(int fd, struct termios *saved)
{
	struct termios raw;

	if (tcgetattr(fd, saved) < 0)
		return -1;
	raw = *saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &raw);
}

int tty_restore(int fd, const struct termios *saved)
{
	int rc;

	do
		rc = tcsetattr(fd, TCSADRAIN, saved);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int tty_size(int fd, int *rows, int *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

/* ctrl-@ is 0, ctrl-a 1 ... ctrl-z 26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ */
static int ctrl_code(const char *k, size_t n)
{
	static const char after_z[] = "[\\]^_";
	const char *p;
	char c;

	if (n != 6 || strncmp(k, "ctrl-", 5))
		return -1;
	c = k[5];
	if (c == '@')
		return 0;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	if (c && (p = strchr(after_z, c)))
		return 27 + (int)(p - after_z);
	return -1;
}

int tty_detach_keys(const char *keys, unsigned char *out, size_t size, const char **bad,
		    size_t *badlen)
{
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(keys, ",");
		int code;

		if (len == 1)
			code = (unsigned char)keys[0];
		else if (len == 3 && !strncmp(keys, "DEL", 3))
			code = 127;
		else
			code = ctrl_code(keys, len);
		if (code < 0 || n == size) {
			*bad = keys;
			*badlen = len;
			return -1;
		}
		out[n++] = (unsigned char)code;
		if (!keys[len])
			return (int)n;
		keys += len + 1;
	}
}
