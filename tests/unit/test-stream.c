/* test-stream.c: the multiplexed-stream decoder, fed the way a network
 * feeds it: cut at every byte, several frames at once, and broken. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/docker/docker_stream.h"
#include "tests/unit/tap.h"

struct sink {
	char out[4096], err[4096];
	size_t nout, nerr;
	int calls;
	int stop_after; /* return -1 on this call (1-based); 0 = never */
};

static int collect(void *ud, int stream, const char *buf, size_t len)
{
	struct sink *k = ud;

	k->calls++;
	if (stream == 1) {
		memcpy(k->out + k->nout, buf, len);
		k->nout += len;
	} else if (stream == 2) {
		memcpy(k->err + k->nerr, buf, len);
		k->nerr += len;
	} else {
		return -1;
	}
	if (k->stop_after && k->calls >= k->stop_after)
		return -1;
	return 0;
}

/* Appends one frame to buf at *len. */
static void frame(unsigned char *buf, size_t *len, int type, const char *payload, size_t n)
{
	unsigned char *p = buf + *len;

	p[0] = (unsigned char)type;
	p[1] = p[2] = p[3] = 0;
	p[4] = (unsigned char)(n >> 24);
	p[5] = (unsigned char)(n >> 16);
	p[6] = (unsigned char)(n >> 8);
	p[7] = (unsigned char)n;
	memcpy(p + 8, payload, n);
	*len += 8 + n;
}

static int outis(const struct sink *k, const char *out, const char *err)
{
	return k->nout == strlen(out) && !memcmp(k->out, out, k->nout) &&
	       k->nerr == strlen(err) && !memcmp(k->err, err, k->nerr);
}

static void test_whole_and_several(void)
{
	unsigned char buf[256];
	size_t len = 0;
	struct docker_stream s;
	struct sink k = { 0 };

	frame(buf, &len, 1, "hello\n", 6);
	frame(buf, &len, 2, "oops\n", 5);
	frame(buf, &len, 1, "world\n", 6);
	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_OK,
	       "three frames in one chunk decode");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_OK, "and end on a frame boundary");
	ok(outis(&k, "hello\nworld\n", "oops\n"), "stdout and stderr kept apart, in order");
	is_int(k.calls, 3, "one callback per frame when frames arrive whole");
}

/* Cut the same input into two pieces at every position, then feed it a
 * byte at a time: the output must not depend on where the cuts fall. */
static void test_every_split(void)
{
	unsigned char buf[256];
	size_t len = 0, cut;
	int bad = 0;

	frame(buf, &len, 1, "abc", 3);
	frame(buf, &len, 1, "", 0);
	frame(buf, &len, 2, "E1", 2);
	frame(buf, &len, 0, "in", 2);
	frame(buf, &len, 1, "defgh", 5);

	for (cut = 0; cut <= len; cut++) {
		struct docker_stream s;
		struct sink k = { 0 };

		docker_stream_init(&s, collect, &k);
		if (docker_stream_feed(&s, (char *)buf, cut) != DOCKER_STREAM_OK ||
		    docker_stream_feed(&s, (char *)buf + cut, len - cut) != DOCKER_STREAM_OK ||
		    docker_stream_finish(&s) != DOCKER_STREAM_OK ||
		    !outis(&k, "abcindefgh", "E1")) {
			printf("# split at %zu went wrong\n", cut);
			bad++;
		}
	}
	is_int(bad, 0, "two pieces split at each of %zu positions decode the same", len + 1);

	struct docker_stream s;
	struct sink k = { 0 };
	int st = DOCKER_STREAM_OK;

	docker_stream_init(&s, collect, &k);
	for (cut = 0; cut < len && st == DOCKER_STREAM_OK; cut++)
		st = docker_stream_feed(&s, (char *)buf + cut, 1);
	is_int(st, DOCKER_STREAM_OK, "fed a byte at a time");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_OK, "a byte at a time ends cleanly");
	ok(outis(&k, "abcindefgh", "E1"), "a byte at a time gives the same output");
}

static void test_zero_length(void)
{
	unsigned char buf[64];
	size_t len = 0;
	struct docker_stream s;
	struct sink k = { 0 };

	frame(buf, &len, 1, "", 0);
	frame(buf, &len, 2, "", 0);
	frame(buf, &len, 1, "x", 1);
	frame(buf, &len, 1, "", 0);
	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_OK, "zero-length frames are fine");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_OK, "a zero-length last frame is a clean end");
	ok(outis(&k, "x", ""), "zero-length frames add nothing");
	is_int(k.calls, 1, "and cause no callback");
}

static void test_truncated(void)
{
	unsigned char buf[64];
	size_t len = 0;
	struct docker_stream s;
	struct sink k = { 0 };

	frame(buf, &len, 1, "full", 4);
	frame(buf, &len, 1, "partial", 7);
	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, len - 3), DOCKER_STREAM_OK,
	       "a frame cut short is fine while more may come");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_BAD, "but an end inside a payload is detected");
	ok(strstr(s.error, "3 bytes short") != NULL, "and says how much is missing (%s)", s.error);
	ok(outis(&k, "full", ""), "whole frames were delivered, the cut one was not");

	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, 5), DOCKER_STREAM_OK, "half a header");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_BAD, "an end inside a header is detected");
	ok(strstr(s.error, "inside a frame header") != NULL, "and named (%s)", s.error);

	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_finish(&s), DOCKER_STREAM_OK, "an empty stream is a clean end");
}

static void test_bad_header(void)
{
	unsigned char buf[64];
	size_t len = 0;
	struct docker_stream s;
	struct sink k = { 0 };

	frame(buf, &len, 1, "ok", 2);
	frame(buf, &len, 7, "??", 2);
	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_BAD, "stream type 7 is refused");
	ok(strstr(s.error, "bad frame header 07 00 00 00 at byte 10") != NULL,
	   "the message names the header and where it was (%s)", s.error);
	ok(outis(&k, "ok", ""), "frames before the bad one were delivered");
	is_int(docker_stream_feed(&s, "more", 4), DOCKER_STREAM_BAD, "the error sticks");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_BAD, "through the end");

	/* A TTY container's raw output fed to the decoder by mistake. */
	struct sink k2 = { 0 };

	docker_stream_init(&s, collect, &k2);
	is_int(docker_stream_feed(&s, "hello world\n", 12), DOCKER_STREAM_BAD,
	       "raw text is not taken for frames");
	is_int(k2.calls, 0, "and nothing of it is delivered");

	len = 0;
	frame(buf, &len, 1, "x", 1);
	buf[2] = 1; /* one of the three zero bytes */
	struct sink k3 = { 0 };

	docker_stream_init(&s, collect, &k3);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_BAD,
	       "a header whose padding is not zero is refused");
}

static void test_engine_error_and_stop(void)
{
	unsigned char buf[128];
	size_t len = 0;
	struct docker_stream s;
	struct sink k = { 0 };

	frame(buf, &len, 1, "before", 6);
	frame(buf, &len, 3, "log driver failed", 17);
	frame(buf, &len, 1, "after", 5);
	docker_stream_init(&s, collect, &k);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_ENGINE,
	       "a type-3 frame is the engine's error");
	is_str(s.error, "log driver failed", "its text is kept");
	ok(outis(&k, "before", ""), "nothing after it is delivered");

	len = 0;
	frame(buf, &len, 1, "one", 3);
	frame(buf, &len, 1, "two", 3);
	frame(buf, &len, 1, "three", 5);
	struct sink k2 = { .stop_after = 2 };

	docker_stream_init(&s, collect, &k2);
	is_int(docker_stream_feed(&s, (char *)buf, len), DOCKER_STREAM_STOPPED,
	       "a callback returning -1 stops the decoder");
	ok(outis(&k2, "onetwo", ""), "no callback after the stop");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_STOPPED, "finish reports the stop");
}

/* Counts stderr bytes; a 100 kB payload does not fit struct sink. */
static int count(void *ud, int stream, const char *b, size_t l)
{
	size_t *got = ud;

	(void)b;
	if (stream != 2)
		return -1;
	*got += l;
	return 0;
}

static void test_big_frame(void)
{
	size_t n = 100000, len = 0, off, got = 0;
	unsigned char *buf = malloc(n + 8);
	char *payload = malloc(n);
	struct docker_stream s;
	int st = DOCKER_STREAM_OK;

	for (off = 0; off < n; off++)
		payload[off] = (char)('a' + off % 26);
	frame(buf, &len, 2, payload, n);
	docker_stream_init(&s, count, &got);
	for (off = 0; off < len && st == DOCKER_STREAM_OK; off += 4093) {
		size_t piece = len - off < 4093 ? len - off : 4093;

		st = docker_stream_feed(&s, (char *)buf + off, piece);
	}
	is_int(st, DOCKER_STREAM_OK, "a 100 kB frame in odd-sized pieces");
	is_int(docker_stream_finish(&s), DOCKER_STREAM_OK, "ends cleanly");
	is_int(got, n, "every payload byte delivered (length above 16 bits decoded)");
	free(buf);
	free(payload);
}

int main(void)
{
	test_whole_and_several();
	test_every_split();
	test_zero_length();
	test_truncated();
	test_bad_header();
	test_engine_error_and_stop();
	test_big_frame();
	return done_testing();
}
