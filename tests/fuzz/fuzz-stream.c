/* fuzz-stream: the demultiplexer of the engine's log and attach streams
 * (backends/docker/docker_stream.c), fed in pieces as the network cuts
 * them.
 *
 * Input: one byte of piece sizes' seed and of when the callback stops,
 * then the stream. */
#include "tests/fuzz/fuzz.h"
#include "backends/docker/docker_stream.h"

struct seen {
	size_t bytes, calls, stop_at;
};

static int on_payload(void *ud, int stream, const char *buf, size_t len)
{
	struct seen *s = ud;

	if ((stream != 1 && stream != 2) || (len && !buf))
		abort();
	s->bytes += len;
	return ++s->calls == s->stop_at ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_stream *st;
	struct seen seen = { 0 };
	size_t off = 1, piece;
	int rc = DOCKER_STREAM_OK;

	if (!size)
		return 0;
	st = malloc(sizeof(*st));
	if (!st)
		abort();
	seen.stop_at = data[0] >> 4; /* 0: never */
	piece = (data[0] & 15) + 1;
	docker_stream_init(st, on_payload, &seen);
	while (off < size && rc == DOCKER_STREAM_OK) {
		size_t n = size - off < piece ? size - off : piece;

		rc = docker_stream_feed(st, (const char *)data + off, n);
		off += n;
		piece = piece * 3 % 4099 + 1;
	}
	rc = docker_stream_finish(st);
	if (seen.bytes > size)
		abort(); /* payload out of nowhere */
	if (rc == DOCKER_STREAM_BAD || rc == DOCKER_STREAM_ENGINE) {
		if (st->error_len >= sizeof(st->error))
			abort();
	}
	free(st);
	return 0;
}
