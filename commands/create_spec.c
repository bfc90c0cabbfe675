/* create_spec.c: parsing shared by container create and template add. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/create_spec.h"
#include "commands/args.h"
#include "commands/cmd.h"
#include "commands/context.h"
#include "lib/text.h"

int sl_push(struct string_list *l, char *s)
{
	char **nv;

	if (!s)
		return -1;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

void sl_release(struct string_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void ports_release(struct port_list *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free((char *)p->v[i].host_ip);
		free((char *)p->v[i].host_port);
		free((char *)p->v[i].container_port);
		free((char *)p->v[i].proto);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* "80" or "8000-8010" into [*lo, *hi]; ports are 1..65535. */
static int parse_port_range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	unsigned v[2] = { 0, 0 };
	size_t i;
	int part = 0, digits = 0;

	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			v[part] = v[part] * 10 + (unsigned)(s[i] - '0');
			if (v[part] > 65535)
				return -1;
			digits++;
		} else if (s[i] == '-' && part == 0 && digits) {
			part = 1;
			digits = 0;
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	if (part == 0)
		v[1] = v[0];
	if (v[0] == 0 || v[1] < v[0])
		return -1;
	*lo = v[0];
	*hi = v[1];
	return 0;
}

static int ports_add(struct port_list *p, const char *ip, const char *hport, unsigned cport,
		     const char *proto)
{
	struct port_binding *b;
	char num[16];

	if (p->n >= PUBLISH_MAX)
		return -3;
	/* 0, 1, 2, 4, ...: grown by doubling (a range is thousands) */
	if ((p->n & (p->n - 1)) == 0) {
		struct port_binding *nv = realloc(p->v, (p->n ? 2 * p->n : 1) * sizeof(*nv));

		if (!nv)
			return -2;
		p->v = nv;
	}
	b = &p->v[p->n];
	memset(b, 0, sizeof(*b));
	snprintf(num, sizeof(num), "%u", cport);
	b->host_ip = strdup(ip);
	b->host_port = strdup(hport);
	b->container_port = strdup(num);
	b->proto = strdup(proto);
	p->n++; /* counted even when a strdup failed, so release frees it */
	if (!b->host_ip || !b->host_port || !b->container_port || !b->proto)
		return -2;
	return 0;
}

/* [IP:]HOST:CONTAINER[/PROTO], CONTAINER[/PROTO], IP::CONTAINER; ranges
 * as docker takes them ("8000-8001:80-81"); an IPv6 address in brackets.
 * 0 ok, -1 malformed (usage), -2 out of memory. */
int parse_publish(struct port_list *p, const char *spec)
{
	char ip[64] = "", proto[8] = "tcp";
	const char *main = spec, *slash, *end, *c1, *c2, *hs = "", *cs;
	size_t hlen = 0, clen;
	unsigned clo, chi, hlo = 0, hhi = 0, i;
	unsigned char addr[16];

	slash = strrchr(spec, '/');
	end = slash ? slash : spec + strlen(spec);
	if (slash) {
		if (strlen(slash + 1) >= sizeof(proto))
			return -1;
		strcpy(proto, slash + 1);
		for (i = 0; proto[i]; i++)
			proto[i] = (char)tolower((unsigned char)proto[i]);
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			return -1;
	}
	if (*main == '[') {
		const char *close = memchr(main, ']', (size_t)(end - main));
		size_t n;
		if (!close || close[1] != ':' || (n = (size_t)(close - main - 1)) >= sizeof(ip))
			return -1;
		memcpy(ip, main + 1, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET6, ip, addr) != 1)
			return -1;
		main = close + 2;
		c1 = memchr(main, ':', (size_t)(end - main));
		if (!c1)
			return -1; /* [IP]:CONTAINER says nothing about the host port */
		hs = main;
		hlen = (size_t)(c1 - main);
		cs = c1 + 1;
	} else {
		c1 = memchr(main, ':', (size_t)(end - main));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 && memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
			return -1; /* an IPv6 address needs brackets */
		if (c2) {
			size_t n = (size_t)(c1 - main);
			if (n == 0 || n >= sizeof(ip))
				return -1;
			memcpy(ip, main, n);
			ip[n] = '\0';
			if (inet_pton(AF_INET, ip, addr) != 1)
				return -1;
			hs = c1 + 1;
			hlen = (size_t)(c2 - c1 - 1);
			cs = c2 + 1;
		} else if (c1) {
			hs = main;
			hlen = (size_t)(c1 - main);
			if (hlen == 0)
				return -1; /* ":80" */
			cs = c1 + 1;
		} else {
			cs = main;
		}
	}
	clen = (size_t)(end - cs);
	if (parse_port_range(cs, clen, &clo, &chi) < 0)
		return -1;
	if (hlen) {
		if (parse_port_range(hs, hlen, &hlo, &hhi) < 0)
			return -1;
		if (hhi - hlo != chi - clo)
			return -1;
	}
	for (i = 0; i <= chi - clo; i++) {
		char hport[16] = "";
		if (hlen)
			snprintf(hport, sizeof(hport), "%u", hlo + i);
		int r = ports_add(p, ip, hport, clo + i, proto);

		if (r < 0)
			return r;
	}
	return 0;
}

int parse_positive(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	if (v < 1)
		return -1;
	*out = v;
	return 0;
}

int valid_restart(const char *s)
{
	const char *n;

	if (!strcmp(s, "no") || !strcmp(s, "always") || !strcmp(s, "unless-stopped") ||
	    !strcmp(s, "on-failure"))
		return 1;
	if (strncmp(s, "on-failure:", 11) != 0)
		return 0;
	n = s + 11;
	if (!*n || strlen(n) > 9)
		return 0;
	for (; *n; n++)
		if (!isdigit((unsigned char)*n))
			return 0;
	return 1;
}

int parse_publish_options(struct shell *sh, const struct args *a, struct port_list *ports)
{
	struct port_list scratch = { NULL, 0 };
	const char *const *list;
	size_t n, i;

	list = args_list(a, "publish", &n);
	for (i = 0; i < n; i++) {
		int r = parse_publish(ports ? ports : &scratch, list[i]);

		ports_release(&scratch);
		if (r == -2)
			return error(sh, "out of memory");
		if (r == -3)
			return usage_error(sh, "too many published ports at '%s': at most %d in all; "
					   "publish fewer or smaller ranges", CUT(list[i]), PUBLISH_MAX);
		if (r < 0)
			return usage_error(sh, "invalid port '%s' for --publish: use "
					   "[IP:]HOST:CONTAINER[/PROTO] (8080:80, 127.0.0.1:8080:80/udp, 80)",
					   list[i]);
	}
	return CMD_OK;
}

int check_key_value_options(struct shell *sh, const struct args *a)
{
	static const struct {
		const char *option, *what;
	} kv[] = { { "env", "environment variable" }, { "label", "label" } };
	const char *const *list;
	size_t k, n, i;

	for (k = 0; k < sizeof(kv) / sizeof(kv[0]); k++) {
		list = args_list(a, kv[k].option, &n);
		for (i = 0; i < n; i++)
			if (list[i][0] == '=' || !list[i][0])
				return usage_error(sh, "invalid %s '%s' for --%s: use KEY=VALUE", kv[k].what,
						   list[i], kv[k].option);
	}
	return CMD_OK;
}
