/* docker_stream.c: decoding the engine's multiplexed stream. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include "backends/docker/docker_stream.h"

enum { TYPE_STDIN = 0, TYPE_STDOUT = 1, TYPE_STDERR = 2, TYPE_SYSERR = 3 };

void docker_stream_init(struct docker_stream *s, docker_stream_fn fn, void *ud)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->ud = ud;
}

static int bad(struct docker_stream *s, const char *what)
{
	snprintf(s->error, sizeof(s->error), "%s at byte %llu of the stream",
		 what, (unsigned long long)s->offset);
	s->status = DOCKER_STREAM_BAD;
	return s->status;
}

static int take_header(struct docker_stream *s)
{
	const unsigned char *h = s->hdr;

	/* Anything else here means we are not looking at a frame boundary
	 * (a raw TTY stream, or lost sync), and guessing would print junk. */
	if (h[0] > TYPE_SYSERR || h[1] || h[2] || h[3]) {
		char what[96];

		snprintf(what, sizeof(what),
			 "bad frame header %02x %02x %02x %02x",
			 h[0], h[1], h[2], h[3]);
		return bad(s, what);
	}
	s->type = h[0];
	s->remaining = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		       (uint32_t)h[6] << 8 | (uint32_t)h[7];
	s->hdr_len = 0;
	if (s->type == TYPE_SYSERR)
		s->error_len = 0;
	return DOCKER_STREAM_OK;
}

/* Payload of a type-3 frame: the engine's own error text. Keep what fits. */
static void take_syserr(struct docker_stream *s, const char *buf, size_t n)
{
	size_t room = sizeof(s->error) - 1 - s->error_len;

	if (n > room)
		n = room;
	memcpy(s->error + s->error_len, buf, n);
	s->error_len += n;
	s->error[s->error_len] = '\0';
}

/* Hands the held payload to the callback: at the end of a frame, or when
 * a frame is too large to hold whole. */
static int release_held(struct docker_stream *s)
{
	size_t n = s->held;

	s->held = 0;
	if (!n)
		return 0;
	return s->fn(s->ud, s->type == TYPE_STDERR ? 2 : 1, s->hold, n);
}

int docker_stream_feed(struct docker_stream *s, const char *buf, size_t len)
{
	while (len && s->status == DOCKER_STREAM_OK) {
		if (!s->remaining) {
			size_t n = sizeof(s->hdr) - s->hdr_len;

			if (n > len)
				n = len;
			memcpy(s->hdr + s->hdr_len, buf, n);
			s->hdr_len += n;
			buf += n;
			len -= n;
			if (s->hdr_len < sizeof(s->hdr))
				break;
			if (take_header(s) != DOCKER_STREAM_OK)
				break;
			s->offset += sizeof(s->hdr);
			if (s->type == TYPE_SYSERR && !s->remaining)
				s->status = DOCKER_STREAM_ENGINE;
			continue;
		}

		size_t n = len < s->remaining ? len : s->remaining;

		if (s->type == TYPE_SYSERR) {
			take_syserr(s, buf, n);
		} else {
			size_t room = sizeof(s->hold) - s->held;

			if (n > room)
				n = room;
			memcpy(s->hold + s->held, buf, n);
			s->held += n;
			if ((s->held == sizeof(s->hold) || n == s->remaining) &&
			    release_held(s) < 0)
				s->status = DOCKER_STREAM_STOPPED;
		}
		s->remaining -= (uint32_t)n;
		s->offset += n;
		buf += n;
		len -= n;
		if (!s->remaining && s->type == TYPE_SYSERR)
			s->status = DOCKER_STREAM_ENGINE;
	}
	return s->status;
}

int docker_stream_finish(struct docker_stream *s)
{
	if (s->status != DOCKER_STREAM_OK)
		return s->status;
	if (s->hdr_len)
		return bad(s, "the stream ended inside a frame header");
	if (s->remaining) {
		char what[96];

		snprintf(what, sizeof(what),
			 "the stream ended %lu bytes short of the end of a frame",
			 (unsigned long)s->remaining);
		return bad(s, what);
	}
	return DOCKER_STREAM_OK;
}
