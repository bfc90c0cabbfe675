/* replay-engine: many Docker Engines in one process, for scale tests.
 *
 *   replay-engine [--containers N] [--delay S] DIR COUNT
 *
 * A thousand real engines cannot run on one machine; this stands in for
 * them, and only for that. It listens on DIR/e1.sock .. DIR/eCOUNT.sock,
 * each one "engine" answering from the replies a real dockerd gave
 * (tests/data/engine-*.json): /_ping; /version; /info with the engine's
 * own ID and Name; /containers/json, N containers (the recorded ones
 * repeated), newest first, IDs and names (/hI-cJ) unique to the engine;
 * /images/json; /volumes (none); /networks (bridge, host, none); a 404
 * {"message"} otherwise. A version prefix (/v1.41/) and a query are
 * ignored; HEAD gets the headers alone. Connections are kept alive, their
 * requests answered in order, each after S seconds (default 0) so that
 * transfers overlap and the client's concurrency shows. GET
 * /_replay/stats on any socket answers (uncounted) the connections and
 * requests so far, and the most connections open (max_open) and requests
 * waiting for their answer (max_pending) at one time; /_replay/reset
 * zeroes them. "ready" on stdout once every socket listens; SIGTERM or
 * SIGINT ends it (exit 0), the sockets left in DIR.
 *
 * One thread, epoll; each engine's answer to each path made once and
 * kept (a listing asks again and again; this shares the machine with the
 * client it measures). The bodies are what tests/replay-engine.py's
 * json.dumps wrote, byte for byte for the recorded (ASCII) files.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <jansson.h>
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#ifndef REPLAY_DATA
#define REPLAY_DATA "tests/data"
#endif

/* The first member of what epoll's data.ptr points at. */
enum kind { K_ENGINE, K_CONN, K_SIGNAL };

enum page { P_PING, P_VERSION, P_INFO, P_CONTAINERS, P_IMAGES, P_VOLUMES, P_NETWORKS, NPAGES };
static const char *const pages[NPAGES] = {
	[P_PING] = "/_ping", [P_VERSION] = "/version", [P_INFO] = "/info",
	[P_CONTAINERS] = "/containers/json", [P_IMAGES] = "/images/json",
	[P_VOLUMES] = "/volumes", [P_NETWORKS] = "/networks",
};

/* A whole response; HEAD's is its first head bytes. */
struct reply {
	char *buf;
	size_t len, head;
};

struct engine {
	enum kind kind;
	int fd;
	long i;
	struct reply cache[NPAGES];
};

struct conn {
	enum kind kind;
	int fd;             /* -1 once closed (its delayed answer still due) */
	uint32_t events;    /* what epoll waits for */
	struct engine *engine;
	struct strbuf in;   /* what came, read from in_off on */
	size_t in_off;
	struct strbuf out;  /* what the socket did not take yet, from out_off */
	size_t out_off;
	int closing;        /* the peer is done, or sent garbage: close once out is sent */
	int failed;         /* close now */
	int busy;           /* an answer is delayed: the request head, path, due */
	int head;
	struct strbuf path;
	int64_t due;
	struct conn *tnext; /* the timer queue */
	struct conn *prev, *next;
};

static struct {
	long connections, requests, open, max_open, pending, max_pending;
} st;

static int epfd;
static int64_t delay_ns;
static int delayed;                /* --delay was not 0 */
static json_t *info;
static char *containers;           /* with HOSTTAG____ and HOSTID for the engine's number */
static char *version, *images;
static struct conn *conns;         /* every conn not yet freed */
static struct conn *thead, *ttail; /* delayed answers, due in order (one delay for all) */
static struct strbuf scratch, response; /* the answers not kept (stats, 404) */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "replay-engine: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static json_t *load(const char *name)
{
	char *path = xasprintf("%s/%s", REPLAY_DATA, name);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		die(err.text, path);
	free(path);
	return j;
}

/* The body of /containers/json, HOSTTAG____ (in names) and HOSTID (in
 * IDs) where each engine's number goes. */
static char *container_template(long n)
{
	json_t *rec = load("engine-containers.json"), *out = json_array();
	size_t nrec = json_array_size(rec);
	char *s;

	if (n > 0 && !nrec)
		die("no containers in", "engine-containers.json");
	for (long j = 0; j < n; j++) {
		json_t *c = json_deep_copy(json_array_get(rec, j % nrec));

		/* the short ID (12 characters) unique too: the container, then the host */
		json_object_set_new(c, "Id", json_sprintf("%06lxHOSTID%052lx", j + 1, j + 1));
		json_object_set_new(c, "Names", json_pack("[o]", json_sprintf("/hHOSTTAG____-c%ld", j + 1)));
		json_object_set_new(c, "Created", json_integer(1795346743 - j));
		json_object_set_new(c, "Labels", json_pack("{s:s, s:o}", "replay", "yes",
							   "index", json_sprintf("%ld", j + 1)));
		json_array_append_new(out, c);
	}
	s = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(out);
	json_decref(rec);
	return s;
}

static void replace(struct strbuf *out, const char *s, size_t n, const char *from, const char *to)
{
	size_t flen = strlen(from);
	const char *hit;

	while ((hit = memmem(s, n, from, flen))) {
		strbuf_add(out, s, hit - s);
		strbuf_addstr(out, to);
		n -= hit - s + flen;
		s = hit + flen;
	}
	strbuf_add(out, s, n);
}

/* Page pg's body for engine e in body; its Content-Type, NULL for JSON. */
static const char *page_body(struct engine *e, enum page pg, struct strbuf *body)
{
	static const char *const nets[][2] = { { "bridge", "bridge" }, { "host", "host" }, { "none", "null" } };
	const char *fixed[NPAGES] = {
		[P_PING] = "OK", [P_VERSION] = version, [P_IMAGES] = images,
		[P_VOLUMES] = "{\"Volumes\": [], \"Warnings\": null}",
	};
	struct strbuf tmp = STRBUF_INIT;
	char num[32], *s;

	if (fixed[pg]) {
		strbuf_addstr(body, fixed[pg]);
	} else if (pg == P_CONTAINERS) {
		snprintf(num, sizeof(num), "%011ld", e->i); /* the width of HOSTTAG____ */
		replace(&tmp, containers, strlen(containers), "HOSTTAG____", num);
		snprintf(num, sizeof(num), "%06ld", e->i);
		replace(body, tmp.buf, tmp.len, "HOSTID", num);
		strbuf_release(&tmp);
	} else if (pg == P_INFO) {
		json_object_set_new(info, "ID", json_sprintf("REPLAY:%ld", e->i));
		json_object_set_new(info, "Name", json_sprintf("replay-%ld", e->i));
		s = json_dumps(info, JSON_ENSURE_ASCII);
		strbuf_addstr(body, s);
		free(s);
	} else {
		for (int k = 0; k < 3; k++)
			strbuf_addf(body, "%s{\"Name\": \"%s\", \"Id\": \"%064lx\", \"Driver\": \"%s\", "
				    "\"Scope\": \"local\", \"Created\": \"2024-05-01T10:00:00.000000000Z\", "
				    "\"Labels\": {}}%s", k ? ", " : "[", nets[k][0], e->i * 3 + k,
				    nets[k][1], k == 2 ? "]" : "");
	}
	return pg == P_PING ? "text/plain" : NULL;
}

/* The response in sb; returns the length of its headers. */
static size_t reply_make(struct strbuf *sb, int status, const char *ctype, const char *body, size_t len)
{
	size_t head;

	strbuf_addf(sb, "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\n\r\n", status, status == 200 ? "OK" : "Not Found",
		    ctype ? ctype : "application/json", len);
	head = sb->len;
	strbuf_add(sb, body, len);
	return head;
}

static const struct reply *cached(struct engine *e, enum page pg)
{
	struct reply *r = &e->cache[pg];

	if (!r->buf) {
		struct strbuf body = STRBUF_INIT, sb = STRBUF_INIT;
		const char *ctype = page_body(e, pg, &body);

		r->head = reply_make(&sb, 200, ctype, body.buf, body.len);
		r->len = sb.len;
		r->buf = strbuf_detach(&sb);
		strbuf_release(&body);
	}
	return r;
}

/* Sends what the socket takes now, keeps the rest for EPOLLOUT. */
static void conn_send(struct conn *c, const char *data, size_t n)
{
	if (c->failed)
		return;
	if (c->out_off == c->out.len) {
		ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->failed = 1;
			return;
		}
		if (w > 0) {
			data += w;
			n -= w;
		}
		strbuf_reset(&c->out);
		c->out_off = 0;
	}
	if (n)
		strbuf_add(&c->out, data, n);
}

static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t w = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->failed = 1;
			return;
		}
		c->out_off += w;
	}
}

/* Python's str.isdigit() and str.isspace() of a latin-1 character. */
static int pydigit(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || ch == 0xb2 || ch == 0xb3 || ch == 0xb9;
}

static int pyspace(unsigned char ch)
{
	return (ch >= 9 && ch <= 13) || (ch >= 0x1c && ch <= 0x20) || ch == 0x85 || ch == 0xa0;
}

/* The answer to path (n bytes, as sent), the headers alone for HEAD. */
static void answer(struct conn *c, int head, const char *path, size_t n)
{
	const char *p = path, *q, *slash;
	size_t len, digits = 0;

	if (n >= 9 && !memcmp(path, "/_replay/", 9)) {
		char body[256];
		int blen;

		if (n == 14 && !memcmp(path, "/_replay/reset", 14)) {
			st.connections = st.requests = st.pending = st.max_pending = 0;
			st.max_open = st.open;
		}
		blen = snprintf(body, sizeof(body), "{\"connections\": %ld, \"requests\": %ld, "
				"\"open\": %ld, \"max_open\": %ld, \"pending\": %ld, \"max_pending\": %ld}",
				st.connections, st.requests, st.open, st.max_open, st.pending,
				st.max_pending);
		strbuf_reset(&response);
		len = reply_make(&response, 200, NULL, body, blen);
		conn_send(c, response.buf, head ? len : response.len);
		return;
	}
	if ((q = memchr(path, '?', n)))
		n = q - path;
	/* a version prefix: /v1.41/containers/json */
	if (n > 2 && !memcmp(p, "/v", 2) && (slash = memchr(p + 1, '/', n - 1))) {
		for (q = p + 2; q < slash && (*q == '.' || pydigit(*q)); q++)
			digits += *q != '.';
		if (q == slash && digits) {
			n -= slash - p;
			p = slash;
		}
	}
	for (int pg = 0; pg < NPAGES; pg++) {
		if (strlen(pages[pg]) == n && !memcmp(pages[pg], p, n)) {
			const struct reply *r = cached(c->engine, pg);

			conn_send(c, r->buf, head ? r->head : r->len);
			return;
		}
	}
	/* json.dumps({"message": ...}): ensure_ascii, the path as latin-1 */
	strbuf_reset(&scratch);
	strbuf_addstr(&scratch, "{\"message\": \"page not found: ");
	for (q = p; q < p + n; q++) {
		unsigned char ch = *q;
		const char *esc = strchr("\"\\\b\f\n\r\t", ch);

		if (ch && esc)
			strbuf_addf(&scratch, "\\%c", "\"\\bfnrt"[esc - "\"\\\b\f\n\r\t"]);
		else if (ch < 0x20 || ch > 0x7e)
			strbuf_addf(&scratch, "\\u%04x", ch);
		else
			strbuf_addch(&scratch, ch);
	}
	strbuf_addstr(&scratch, "\"}");
	strbuf_reset(&response);
	len = reply_make(&response, 404, NULL, scratch.buf, scratch.len);
	conn_send(c, response.buf, head ? len : response.len);
}

/* s..e without Python's str.strip() whitespace at either end. */
static void strip(const char **s, const char **e)
{
	while (*s < *e && pyspace(**s))
		(*s)++;
	while (*e > *s && pyspace((*e)[-1]))
		(*e)--;
}

/* The Content-Length of the head s..end (0 without one), the last one
 * as Python's int() reads it; -1 when that fails (or is negative). */
static int content_length(const char *s, const char *end, unsigned long long *len)
{
	const char *line = s, *eol, *k, *ke, *v, *ve;
	int neg;

	for (*len = 0; (line = memmem(line, end - line, "\r\n", 2)); line = eol) {
		line += 2;
		if (!(eol = memmem(line, end - line, "\r\n", 2)))
			eol = end;
		k = line;
		ke = memchr(line, ':', eol - line);
		v = ke ? ke + 1 : eol;
		ke = ke ? ke : eol;
		ve = eol;
		strip(&k, &ke);
		if (ke - k != 14 || strncasecmp(k, "content-length", 14))
			continue;
		strip(&v, &ve);
		if ((neg = v < ve && *v == '-') || (v < ve && *v == '+'))
			v++;
		for (*len = 0, k = v; v < ve && *v >= '0' && *v <= '9'; v++)
			if (*len < 1ULL << 60)
				*len = *len * 10 + (*v - '0');
		if (v == k || v < ve || (neg && *len))
			return -1;
	}
	return 0;
}

/* Answers the requests that came whole, in order, until one is delayed. */
static void conn_next(struct conn *c)
{
	while (!c->busy && !c->closing && !c->failed) {
		const char *s = c->in.buf + c->in_off, *end, *eol, *sp, *path, *pe;
		size_t n = c->in.len - c->in_off;
		unsigned long long length;
		int head;

		if (!(end = memmem(s, n, "\r\n\r\n", 4)))
			return;
		if (content_length(s, end, &length) < 0) {
			c->failed = 1;
			return;
		}
		if (n - (end + 4 - s) < length)
			return; /* the body is still coming */
		c->in_off += end + 4 - s + length;
		if (!(eol = memmem(s, end - s, "\r\n", 2)))
			eol = end;
		if (!(sp = memchr(s, ' ', eol - s))) {
			c->closing = 1;
			return;
		}
		path = sp + 1;
		if (!(pe = memchr(path, ' ', eol - path)))
			pe = eol;
		head = sp - s == 4 && !memcmp(s, "HEAD", 4);
		if (pe - path >= 9 && !memcmp(path, "/_replay/", 9)) {
			answer(c, head, path, pe - path);
			continue;
		}
		st.requests++;
		if (++st.pending > st.max_pending)
			st.max_pending = st.pending;
		if (delayed) {
			c->busy = 1;
			c->head = head;
			strbuf_reset(&c->path);
			strbuf_add(&c->path, path, pe - path);
			c->due = now_ns() + delay_ns;
			c->tnext = NULL;
			if (ttail)
				ttail->tnext = c;
			else
				thead = c;
			ttail = c;
			return;
		}
		st.pending--;
		answer(c, head, path, pe - path);
	}
}

static void conn_free(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->fd >= 0)
		close(c->fd);
	strbuf_release(&c->in);
	strbuf_release(&c->out);
	strbuf_release(&c->path);
	free(c);
}

/* After anything happened to c: closes it when it is done (freed once no
 * answer is due), or waits for what it needs next. */
static void conn_settle(struct conn *c)
{
	int unsent = c->out_off < c->out.len;

	if (c->fd >= 0 && (c->failed || (c->closing && !unsent))) {
		close(c->fd);
		c->fd = -1;
		st.open--;
	} else if (c->fd >= 0) {
		uint32_t want = (c->closing ? 0 : EPOLLIN) | (unsent ? EPOLLOUT : 0);
		struct epoll_event ev = { .events = want, .data.ptr = c };

		if (want != c->events && !epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev))
			c->events = want;
	}
	if (c->fd < 0 && !c->busy)
		conn_free(c);
}

static void conn_event(struct conn *c, uint32_t events)
{
	ssize_t n;

	if (c->out_off < c->out.len)
		conn_flush(c);
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->closing && !c->failed) {
		if (c->in_off) {
			memmove(c->in.buf, c->in.buf + c->in_off, c->in.len - c->in_off);
			c->in.len -= c->in_off;
			c->in.buf[c->in.len] = '\0';
			c->in_off = 0;
		}
		strbuf_grow(&c->in, 16384);
		n = read(c->fd, c->in.buf + c->in.len, c->in.alloc - c->in.len - 1);
		if (n > 0) {
			c->in.len += n;
			c->in.buf[c->in.len] = '\0';
			conn_next(c);
		} else if (!n) {
			c->closing = 1; /* a delayed answer is not sent then */
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->failed = 1;
		}
	}
	conn_settle(c);
}

/* The delayed answers now due. */
static void fire(void)
{
	int64_t now = thead ? now_ns() : 0;

	while (thead && thead->due <= now) {
		struct conn *c = thead;

		if (!(thead = c->tnext))
			ttail = NULL;
		st.pending--;
		c->busy = 0;
		if (c->fd >= 0 && !c->closing) {
			answer(c, c->head, c->path.buf, c->path.len);
			conn_next(c);
		}
		conn_settle(c);
	}
}

/* One connection a wakeup: epoll tells again while more wait, where a
 * loop to EAGAIN would pay a failing accept4() for nearly each one. */
static void engine_accept(struct engine *e)
{
	int fd = accept4(e->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
			perror("replay-engine: accept");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	*c = (struct conn){ .kind = K_CONN, .fd = fd, .events = EPOLLIN, .engine = e,
			    .in = STRBUF_INIT, .out = STRBUF_INIT, .path = STRBUF_INIT,
			    .next = conns };
	if (conns)
		conns->prev = c;
	conns = c;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl", strerror(errno));
	st.connections++;
	if (++st.open > st.max_open)
		st.max_open = st.open;
}

static void engine_listen(struct engine *e, const char *dir, long i)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = e };
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/e%ld.sock", dir, i);

	*e = (struct engine){ .kind = K_ENGINE, .i = i };
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		die("AF_UNIX path too long", dir);
	if (unlink(sa.sun_path) < 0 && errno != ENOENT)
		die(strerror(errno), sa.sun_path);
	e->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(e->fd, 128) < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0)
		die(strerror(errno), sa.sun_path);
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "replay-engine: %s\n", why);
	fprintf(why ? stderr : stdout,
		"usage: replay-engine [--containers N] [--delay S] DIR COUNT\n");
	return why ? 2 : 0;
}

static int number(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return !*s || *end || errno ? -1 : 0;
}

/* The recorded bodies every engine shares. */
static void load_bodies(long per)
{
	json_t *v, *sv;

	info = load("engine-info.json");
	containers = container_template(per);
	sv = json_object_get(info, "ServerVersion");
	v = json_pack("{s:o, s:s, s:s, s:s, s:s}", "Version", sv ? json_incref(sv) : json_string("20.10.24"),
		      "ApiVersion", "1.41", "MinAPIVersion", "1.12", "Os", "linux", "Arch", "amd64");
	version = json_dumps(v, JSON_ENSURE_ASCII);
	json_decref(v);
	v = load("engine-images.json");
	images = json_dumps(v, JSON_ENSURE_ASCII);
	json_decref(v);
}

static void serve(void)
{
	struct epoll_event evs[256];

	for (;;) {
		int64_t wait = thead ? (thead->due - now_ns() + 999999) / 1000000 : -1;
		int n = epoll_wait(epfd, evs, 256, thead && wait < 0 ? 0 : (int)wait);

		if (n < 0 && errno != EINTR)
			die("epoll_wait", strerror(errno));
		for (int k = 0; k < n; k++) {
			enum kind *kind = evs[k].data.ptr;

			if (*kind == K_SIGNAL)
				return;
			if (*kind == K_ENGINE)
				engine_accept((struct engine *)kind);
			else
				conn_event((struct conn *)kind, evs[k].events);
		}
		fire();
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "containers", required_argument, NULL, 'c' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static enum kind sigkind = K_SIGNAL;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sigkind };
	struct engine *engines;
	struct rlimit rl;
	long per = 100, count;
	double delay = 0;
	char *end;
	sigset_t sigs;
	int o, sigfd;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'c' && number(optarg, &per) < 0)
			return usage("--containers wants a number");
		if (o == 'd' && (!*optarg || (delay = strtod(optarg, &end), *end)))
			return usage("--delay wants a number of seconds");
		if (o == 'h' || o == '?')
			return usage(o == 'h' ? NULL : "unknown option");
	}
	if (argc - optind != 2 || number(argv[optind + 1], &count) < 0)
		return usage("DIR and COUNT (a number) expected");
	delayed = delay != 0;
	delay_ns = (int64_t)(delay * 1e9);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (sigfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) < 0)
		die("epoll", strerror(errno));
	load_bodies(per);
	engines = xcalloc(count > 0 ? count : 1, sizeof(*engines));
	for (long i = 1; i <= count; i++)
		engine_listen(&engines[i - 1], argv[optind], i);
	printf("ready\n");
	fflush(stdout);

	serve();

	while (conns)
		conn_free(conns);
	for (long i = 0; i < count; i++) {
		close(engines[i].fd);
		for (int pg = 0; pg < NPAGES; pg++)
			free(engines[i].cache[pg].buf);
	}
	free(engines);
	free(containers);
	free(version);
	free(images);
	json_decref(info);
	strbuf_release(&scratch);
	strbuf_release(&response);
	close(sigfd);
	close(epfd);
	return 0;
}
