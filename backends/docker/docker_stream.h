/* docker_stream.h: the engine's multiplexed stream, decoded.
 *
 * Logs of a container without a TTY (and attach streams) come as frames:
 * an 8-byte header (stream type: 0 stdin, 1 stdout, 2 stderr, 3 an error
 * of the engine itself; three zero bytes; a big-endian uint32 payload
 * length) followed by the payload. The network cuts this anywhere, so the
 * decoder keeps state between feeds. A frame's payload is held back until
 * the frame is complete, so a stream cut inside a frame never shows half a
 * line (the docker CLI drops it too); only frames larger than the hold
 * buffer go out in pieces. It knows nothing of curl, for the unit tests.
 */
#ifndef BERTH_DOCKER_STREAM_H
#define BERTH_DOCKER_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* Gets payload bytes: stream 1 (stdout; stdin frames count as stdout) or
 * 2 (stderr). A frame larger than DOCKER_STREAM_HOLD arrives in pieces. Return 0 to go on, -1
 * to stop. */
typedef int (*docker_stream_fn)(void *ud, int stream, const char *buf, size_t len);

enum docker_stream_status {
	DOCKER_STREAM_OK = 0,
	DOCKER_STREAM_STOPPED = -1, /* the callback returned -1 */
	DOCKER_STREAM_BAD = -2,     /* not a frame header, or truncated; see error */
	DOCKER_STREAM_ENGINE = -3,  /* a type-3 frame: error holds the engine's text */
};

/* The engine splits log lines at 16 KiB, so whole frames fit here. */
#define DOCKER_STREAM_HOLD 16384

struct docker_stream {
	docker_stream_fn fn;
	void *ud;
	unsigned char hdr[8];
	size_t hdr_len;     /* header bytes gathered so far */
	uint32_t remaining; /* payload bytes still to come in this frame */
	int type;           /* type of the current frame */
	int status;         /* sticky: once not OK, feeding does nothing */
	uint64_t offset;    /* bytes consumed, for messages */
	size_t held;        /* payload bytes of the current frame in hold[] */
	char hold[DOCKER_STREAM_HOLD];
	size_t error_len;
	char error[512];    /* why the stream is BAD, or the engine's text */
};

void docker_stream_init(struct docker_stream *s, docker_stream_fn fn, void *ud);
/* Returns an enum docker_stream_status. */
int docker_stream_feed(struct docker_stream *s, const char *buf, size_t len);
/* At the end of the input: DOCKER_STREAM_BAD when it stopped inside a
 * frame, else the status so far. */
int docker_stream_finish(struct docker_stream *s);

#endif
