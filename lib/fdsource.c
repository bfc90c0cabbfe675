/* fdsource.c: a file read a buffer at a time; see fdsource.h. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include "lib/berr.h"
#include "lib/fdsource.h"

size_t fd_source_read(void *ud, char *buf, size_t len)
{
	struct fd_source *src = ud;
	ssize_t n;

	for (;;) {
		n = read(src->fd, buf, len);
		if (n >= 0)
			return (size_t)n;
		if (errno == EINTR && !berth_interrupted)
			continue;
		src->err = errno;
		return (size_t)-1;
	}
}
