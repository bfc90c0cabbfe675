/* test-userdata.c: the cloud-init user-data (backends/pool/userdata.c),
 * parsed back with libyaml: the certificates intact through base64,
 * daemon.json, the systemd drop-in, the install commands, and the
 * profile's extra cloud_init merged in (or refused with one line). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>
#include <openssl/evp.h>
#include "backends/pool/userdata.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

static const char ca[] = "-----BEGIN CERTIFICATE-----\nQ0EgY2VydA==\n-----END CERTIFICATE-----\n";
static const char cert[] = "-----BEGIN CERTIFICATE-----\nc2VydmVy\n-----END CERTIFICATE-----\n";
static const char keypem[] = "-----BEGIN PRIVATE KEY-----\na2V5IGtleQ==\n-----END PRIVATE KEY-----\n";

struct parsed {
	yaml_document_t doc;
	int loaded;
};

static int parse(struct parsed *p, const char *text)
{
	yaml_parser_t y;

	memset(p, 0, sizeof(*p));
	yaml_parser_initialize(&y);
	yaml_parser_set_input_string(&y, (const unsigned char *)text, strlen(text));
	p->loaded = yaml_parser_load(&y, &p->doc);
	yaml_parser_delete(&y);
	return p->loaded && yaml_document_get_root_node(&p->doc) ? 0 : -1;
}

static void parsed_free(struct parsed *p)
{
	if (p->loaded)
		yaml_document_delete(&p->doc);
}

static yaml_node_t *get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *str(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int count(yaml_node_t *seq)
{
	return seq && seq->type == YAML_SEQUENCE_NODE
		       ? (int)(seq->data.sequence.items.top - seq->data.sequence.items.start)
		       : -1;
}

static yaml_node_t *item(yaml_document_t *d, yaml_node_t *seq, int i)
{
	return yaml_document_get_node(d, seq->data.sequence.items.start[i]);
}

/* write_files' entry for path, or NULL. */
static yaml_node_t *file(yaml_document_t *d, const char *path)
{
	yaml_node_t *files = get(d, yaml_document_get_root_node(d), "write_files");
	int i;

	for (i = 0; i < count(files); i++)
		if (str(get(d, item(d, files, i), "path")) &&
		    !strcmp(str(get(d, item(d, files, i), "path")), path))
			return item(d, files, i);
	return NULL;
}

/* The content of write_files' path, decoded; the caller's. */
static char *content(yaml_document_t *d, const char *path)
{
	yaml_node_t *f = file(d, path);
	const char *c = str(get(d, f, "content")), *enc = str(get(d, f, "encoding"));
	char *out;
	int n;

	if (!c)
		return NULL;
	if (!enc)
		return xstrdup(c);
	if (strcmp(enc, "b64"))
		return NULL;
	out = xcalloc(1, strlen(c) + 1);
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)c, (int)strlen(c));
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (n > 0 && out[n - 1] == '\0')
		n--;
	out[n] = '\0';
	return out;
}

static void test_plain(void)
{
	struct userdata_in in = { .ca_pem = ca, .cert_pem = cert, .key_pem = keypem };
	struct berr err = { 0 };
	struct parsed p;
	char *out = NULL, *s;
	size_t len = 0;
	json_t *daemon;
	yaml_node_t *f, *cmds;

	ok(userdata_build(&in, &out, &len, &err) == 0, "user-data is built (%s)", err.msg);
	if (!out)
		return;
	is_int(len, strlen(out), "its length is the text's");
	ok(!strncmp(out, "#cloud-config\n", 14), "it starts with #cloud-config");
	ok(parse(&p, out) == 0, "it parses back as YAML");

	s = content(&p.doc, "/etc/docker/certs/ca.pem");
	is_str(s, ca, "ca.pem comes back intact through base64");
	free(s);
	s = content(&p.doc, "/etc/docker/certs/server-cert.pem");
	is_str(s, cert, "server-cert.pem too");
	free(s);
	s = content(&p.doc, "/etc/docker/certs/server-key.pem");
	is_str(s, keypem, "server-key.pem too");
	free(s);
	f = file(&p.doc, "/etc/docker/certs/server-key.pem");
	is_str(str(get(&p.doc, f, "permissions")), "0600", "the key is written 0600");
	ok(f && get(&p.doc, f, "permissions")->data.scalar.style != YAML_PLAIN_SCALAR_STYLE,
	   "... the mode quoted, a string and not an octal number");
	is_str(str(get(&p.doc, f, "encoding")), "b64", "... base64-encoded");

	s = content(&p.doc, "/etc/docker/daemon.json");
	daemon = s ? json_loads(s, 0, NULL) : NULL;
	ok(daemon != NULL, "daemon.json is JSON");
	ok(json_is_true(json_object_get(daemon, "tlsverify")), "... with tlsverify");
	is_str(json_string_value(json_object_get(daemon, "tlskey")), "/etc/docker/certs/server-key.pem",
	       "... tlskey where the key is written");
	is_str(json_string_value(json_array_get(json_object_get(daemon, "hosts"), 0)),
	       "tcp://0.0.0.0:2376", "... listening on 2376");
	is_str(json_string_value(json_array_get(json_object_get(daemon, "hosts"), 1)),
	       "unix:///var/run/docker.sock", "... and the unix socket");
	json_decref(daemon);
	free(s);

	s = content(&p.doc, "/etc/systemd/system/docker.service.d/berth.conf");
	ok(s && strstr(s, "ExecStart=\n") && !strstr(s, "fd://"),
	   "the systemd drop-in clears ExecStart and drops -H fd://");
	free(s);

	cmds = get(&p.doc, yaml_document_get_root_node(&p.doc), "runcmd");
	ok(count(cmds) >= 2, "runcmd has commands");
	ok(count(cmds) >= 2 && strstr(str(item(&p.doc, cmds, 0)), "command -v dockerd") &&
		   strstr(str(item(&p.doc, cmds, 0)), "apt-get install -y docker.io"),
	   "... the first installs Docker when missing");
	is_str(str(item(&p.doc, cmds, count(cmds) - 1)), "systemctl restart docker",
	       "... the last restarts it");
	parsed_free(&p);
	free(out);

	in.port = 2400;
	ok(userdata_build(&in, &out, &len, &err) == 0 && strstr(out, "tcp://0.0.0.0:2400"),
	   "another port goes into daemon.json");
	free(out);
}

static const char extra[] =
	"#cloud-config\n"
	"packages: [htop, jq]\n"
	"write_files:\n"
	"  - path: /etc/motd\n"
	"    content: |\n"
	"      spawned by berth\n"
	"runcmd:\n"
	"  - [touch, /tmp/ran]\n"
	"  - echo done\n"
	"timezone: &tz Europe/Paris\n"
	"ntp: {enabled: true, servers: [*tz]}\n";

static void test_extra(void)
{
	struct userdata_in in = { .ca_pem = ca, .cert_pem = cert, .key_pem = keypem, .extra = extra };
	struct berr err = { 0 };
	struct parsed p;
	char *out = NULL, *s;
	size_t len;
	yaml_node_t *root, *files, *cmds, *n;

	ok(userdata_build(&in, &out, &len, &err) == 0, "an extra cloud_init merges (%s)", err.msg);
	if (!out || parse(&p, out) < 0)
		return;
	root = yaml_document_get_root_node(&p.doc);
	files = get(&p.doc, root, "write_files");
	cmds = get(&p.doc, root, "runcmd");
	is_int(count(files), 6, "its write_files entry joins berth's five");
	is_str(str(get(&p.doc, item(&p.doc, files, 5), "path")), "/etc/motd", "... after them");
	s = content(&p.doc, "/etc/motd");
	is_str(s, "spawned by berth\n", "... with its content");
	free(s);
	s = content(&p.doc, "/etc/docker/certs/ca.pem");
	is_str(s, ca, "berth's files are still there");
	free(s);
	is_int(count(cmds), 6, "its runcmd entries join berth's four");
	n = item(&p.doc, cmds, 4);
	ok(count(n) == 2 && !strcmp(str(item(&p.doc, n, 0)), "touch"),
	   "... a list-form command kept as a list");
	is_str(str(item(&p.doc, cmds, 5)), "echo done", "... in their order, after berth's");
	ok(strstr(str(item(&p.doc, cmds, 0)), "dockerd") != NULL, "berth's install command is first");
	is_int(count(get(&p.doc, root, "packages")), 2, "another key (packages) is copied");
	is_str(str(get(&p.doc, root, "timezone")), "Europe/Paris", "... and timezone");
	n = get(&p.doc, get(&p.doc, root, "ntp"), "servers");
	is_str(count(n) == 1 ? str(item(&p.doc, n, 0)) : NULL, "Europe/Paris",
	       "an alias is copied as its value");
	parsed_free(&p);
	free(out);
}

/* extra refused: -1, BERR_USAGE, one line starting "cloud_init: " containing want. */
static void refused(const char *text, const char *want, const char *desc)
{
	struct userdata_in in = { .ca_pem = ca, .cert_pem = cert, .key_pem = keypem, .extra = text };
	struct berr err = { 0 };
	char *out = (char *)"x";
	size_t len = 1;

	ok(userdata_build(&in, &out, &len, &err) < 0 && err.kind == BERR_USAGE, "%s: refused", desc);
	ok(!strncmp(err.msg, "cloud_init: ", 12) && strstr(err.msg, want) && !strchr(err.msg, '\n'),
	   "%s: one line saying so (%s)", desc, err.msg);
	ok(out == NULL && len == 0, "%s: no output", desc);
}

int main(void)
{
	struct userdata_in in = { .ca_pem = ca, .cert_pem = cert, .key_pem = keypem, .extra = "" };
	struct berr err;
	char *out;
	size_t len;

	test_plain();
	test_extra();
	ok(userdata_build(&in, &out, &len, &err) == 0, "an empty extra is nothing to merge");
	free(out);
	in.extra = "# only a comment\n";
	ok(userdata_build(&in, &out, &len, &err) == 0, "an extra of comments too");
	free(out);
	refused("- a\n- b\n", "not a YAML mapping", "a list");
	refused("just words\n", "not a YAML mapping", "a scalar");
	refused("runcmd: [a\n", "line", "broken YAML");
	refused("write_files: /etc/motd\n", "write_files is not a list", "write_files not a list");
	refused("runcmd:\n  x: y\n", "runcmd is not a list", "runcmd not a list");
	refused("bootcmd: &a [*a]\n", "nested too deeply", "an alias to itself");
	return done_testing();
}
