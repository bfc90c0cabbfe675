/* userdata.c: the #cloud-config a spawned host boots with (see userdata.h).
 * Built as a libyaml document and emitted, so that the profile's extra
 * cloud_init merges in node by node and nothing needs quoting by hand. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <openssl/evp.h>
#include "backends/pool/userdata.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define CERT_DIR "/etc/docker/certs"
#define MAX_DEPTH 64 /* an extra nested deeper (or an alias to itself) is refused */

/* Docker's own unit starts dockerd with -H fd://, and dockerd refuses
 * hosts given both as a flag and in daemon.json. */
static const char dropin[] =
	"# berth: the daemon's hosts and TLS come from /etc/docker/daemon.json\n"
	"[Service]\n"
	"ExecStart=\n"
	"ExecStart=/usr/bin/env dockerd\n";

static const char *const runcmd[] = {
	"command -v dockerd >/dev/null 2>&1 || (apt-get update && apt-get install -y docker.io)"
	" || (curl -fsSL https://get.docker.com | sh)",
	"systemctl daemon-reload",
	"systemctl enable docker",
	"systemctl restart docker",
};

static int scalar(yaml_document_t *d, const char *s, yaml_scalar_style_t style)
{
	return yaml_document_add_scalar(d, NULL, (yaml_char_t *)s, (int)strlen(s), style);
}

static int pair(yaml_document_t *d, int map, const char *key, int value)
{
	int k = scalar(d, key, YAML_PLAIN_SCALAR_STYLE);

	return k && value && yaml_document_append_mapping_pair(d, map, k, value) ? 0 : -1;
}

static char *base64(const char *s)
{
	size_t n = strlen(s);
	char *out = xcalloc(1, 4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

/* One write_files entry: b64 for the PEMs, a literal block otherwise. */
static int write_file(yaml_document_t *d, int seq, const char *path, const char *perm,
		      const char *content, int b64)
{
	int f = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
	char *enc = b64 ? base64(content) : NULL;
	int ret = -1;

	if (!f || pair(d, f, "path", scalar(d, path, YAML_PLAIN_SCALAR_STYLE)) < 0 ||
	    pair(d, f, "permissions", scalar(d, perm, YAML_SINGLE_QUOTED_SCALAR_STYLE)) < 0)
		goto cleanup;
	if (b64 && pair(d, f, "encoding", scalar(d, "b64", YAML_PLAIN_SCALAR_STYLE)) < 0)
		goto cleanup;
	if (pair(d, f, "content",
		 scalar(d, b64 ? enc : content,
			b64 ? YAML_PLAIN_SCALAR_STYLE : YAML_LITERAL_SCALAR_STYLE)) < 0)
		goto cleanup;
	ret = yaml_document_append_sequence_item(d, seq, f) ? 0 : -1;
cleanup:
	free(enc);
	return ret;
}

static int berth_files(yaml_document_t *d, int seq, const struct userdata_in *in)
{
	char *daemon = xasprintf(
		"{\n"
		"  \"tlsverify\": true,\n"
		"  \"tlscacert\": \"" CERT_DIR "/ca.pem\",\n"
		"  \"tlscert\": \"" CERT_DIR "/server-cert.pem\",\n"
		"  \"tlskey\": \"" CERT_DIR "/server-key.pem\",\n"
		"  \"hosts\": [\"tcp://0.0.0.0:%d\", \"unix:///var/run/docker.sock\"]\n"
		"}\n",
		in->port ? in->port : USERDATA_DEFAULT_PORT);
	int ret = -1;

	if (write_file(d, seq, CERT_DIR "/ca.pem", "0644", in->ca_pem, 1) < 0 ||
	    write_file(d, seq, CERT_DIR "/server-cert.pem", "0644", in->cert_pem, 1) < 0 ||
	    write_file(d, seq, CERT_DIR "/server-key.pem", "0600", in->key_pem, 1) < 0 ||
	    write_file(d, seq, "/etc/docker/daemon.json", "0644", daemon, 0) < 0 ||
	    write_file(d, seq, "/etc/systemd/system/docker.service.d/berth.conf", "0644", dropin,
		       0) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(daemon);
	return ret;
}

/* Node id of src copied into dst with all below it; 0 on failure. */
static int copy_node(yaml_document_t *dst, yaml_document_t *src, int id, int depth)
{
	yaml_node_t *n = yaml_document_get_node(src, id);
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	int out, k, v;

	if (!n || depth > MAX_DEPTH)
		return 0;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return yaml_document_add_scalar(dst, n->tag, n->data.scalar.value,
						(int)n->data.scalar.length, n->data.scalar.style);
	case YAML_SEQUENCE_NODE:
		out = yaml_document_add_sequence(dst, n->tag, n->data.sequence.style);
		for (it = n->data.sequence.items.start; out && it < n->data.sequence.items.top; it++) {
			v = copy_node(dst, src, *it, depth + 1);
			if (!v || !yaml_document_append_sequence_item(dst, out, v))
				return 0;
		}
		return out;
	case YAML_MAPPING_NODE:
		out = yaml_document_add_mapping(dst, n->tag, n->data.mapping.style);
		for (p = n->data.mapping.pairs.start; out && p < n->data.mapping.pairs.top; p++) {
			k = copy_node(dst, src, p->key, depth + 1);
			v = k ? copy_node(dst, src, p->value, depth + 1) : 0;
			if (!v || !yaml_document_append_mapping_pair(dst, out, k, v))
				return 0;
		}
		return out;
	default:
		return 0;
	}
}

/* Every item of the extra's list under key (a sequence node) appended to seq. */
static int append_items(yaml_document_t *d, int seq, yaml_document_t *x, yaml_node_t *list,
			const char *key, struct berr *err)
{
	yaml_node_item_t *it;

	if (list->type != YAML_SEQUENCE_NODE)
		return berr_set(err, BERR_USAGE, "cloud_init: line %lu: %s is not a list",
				(unsigned long)list->start_mark.line + 1, key);
	for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		int v = copy_node(d, x, *it, 1);
		if (!v || !yaml_document_append_sequence_item(d, seq, v))
			return berr_set(err, BERR_USAGE,
					"cloud_init: line %lu: %s: nested too deeply",
					(unsigned long)list->start_mark.line + 1, key);
	}
	return 0;
}

/* The extra's keys merged into d (root, files, cmds); x is the extra. */
static int merge_extra(yaml_document_t *d, int root, int files, int cmds, yaml_document_t *x,
		       struct berr *err)
{
	yaml_node_t *top = yaml_document_get_root_node(x);
	yaml_node_pair_t *p;

	if (!top) /* empty */
		return 0;
	if (top->type != YAML_MAPPING_NODE)
		return berr_set(err, BERR_USAGE,
				"cloud_init: not a YAML mapping of cloud-config keys "
				"(write_files:, runcmd:, packages: ...)");
	for (p = top->data.mapping.pairs.start; p < top->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(x, p->key);
		yaml_node_t *v = yaml_document_get_node(x, p->value);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value
								  : NULL;
		int kk, vv;

		if (key && (!strcmp(key, "write_files") || !strcmp(key, "runcmd"))) {
			if (append_items(d, !strcmp(key, "runcmd") ? cmds : files, x, v, key, err) < 0)
				return -1;
			continue;
		}
		kk = copy_node(d, x, p->key, 1);
		vv = kk ? copy_node(d, x, p->value, 1) : 0;
		if (!vv || !yaml_document_append_mapping_pair(d, root, kk, vv))
			return berr_set(err, BERR_USAGE, "cloud_init: line %lu: nested too deeply",
					(unsigned long)k->start_mark.line + 1);
	}
	return 0;
}

/* The extra text parsed into x (initialised); -1 with err when it is not YAML. */
static int load_extra(const char *text, yaml_document_t *x, struct berr *err)
{
	yaml_parser_t p;
	int ret = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, x)) {
		ret = berr_set(err, BERR_USAGE, "cloud_init: line %lu: %s",
			       (unsigned long)p.problem_mark.line + 1,
			       p.problem ? p.problem : "not YAML");
		memset(x, 0, sizeof(*x));
	}
	yaml_parser_delete(&p);
	return ret;
}

static int emit_out(void *data, unsigned char *buf, size_t n)
{
	strbuf_add(data, buf, n);
	return 1;
}

/* d written after the #cloud-config line into sb (d is consumed). */
static int emit(yaml_document_t *d, struct strbuf *sb, struct berr *err)
{
	yaml_emitter_t em;
	int ok;

	strbuf_addstr(sb, "#cloud-config\n");
	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, emit_out, sb);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_unicode(&em, 1);
	ok = yaml_emitter_open(&em);
	if (!ok)
		yaml_document_delete(d);
	ok = ok && yaml_emitter_dump(&em, d) && yaml_emitter_close(&em) && yaml_emitter_flush(&em);
	if (!ok)
		berr_set(err, BERR_LOCAL, "cannot write the user-data: %s",
			 em.problem ? em.problem : "YAML emitter failed");
	yaml_emitter_delete(&em);
	return ok ? 0 : -1;
}

/* berth's own part of the document: the root mapping with write_files and
 * runcmd; their node ids in *files and *cmds. */
static int berth_doc(yaml_document_t *d, const struct userdata_in *in, int *root, int *files,
		     int *cmds)
{
	size_t i;

	*root = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
	*files = yaml_document_add_sequence(d, NULL, YAML_BLOCK_SEQUENCE_STYLE);
	*cmds = yaml_document_add_sequence(d, NULL, YAML_BLOCK_SEQUENCE_STYLE);
	if (!*root || pair(d, *root, "write_files", *files) < 0 ||
	    pair(d, *root, "runcmd", *cmds) < 0 || berth_files(d, *files, in) < 0)
		return -1;
	for (i = 0; i < sizeof(runcmd) / sizeof(runcmd[0]); i++)
		if (!yaml_document_append_sequence_item(d, *cmds,
							scalar(d, runcmd[i], YAML_PLAIN_SCALAR_STYLE)))
			return -1;
	return 0;
}

int userdata_build(const struct userdata_in *in, char **out, size_t *len, struct berr *err)
{
	yaml_document_t d, x = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int root, files, cmds, have_x = 0, dumped = 0, ret = -1;

	*out = NULL;
	*len = 0;
	if (!in->ca_pem || !in->cert_pem || !in->key_pem)
		return berr_set(err, BERR_USAGE, "user-data: the certificates are missing");
	if (in->extra) {
		if (load_extra(in->extra, &x, err) < 0)
			return -1;
		have_x = 1;
	}
	yaml_document_initialize(&d, NULL, NULL, NULL, 1, 1);
	if (berth_doc(&d, in, &root, &files, &cmds) < 0) {
		berr_set(err, BERR_LOCAL, "cannot build the user-data: out of memory");
		goto cleanup;
	}
	if (have_x && merge_extra(&d, root, files, cmds, &x, err) < 0)
		goto cleanup;
	dumped = 1; /* yaml_emitter_dump consumes d, also when it fails */
	if (emit(&d, &sb, err) < 0)
		goto cleanup;
	*len = sb.len;
	*out = strbuf_detach(&sb);
	ret = 0;
cleanup:
	if (!dumped)
		yaml_document_delete(&d);
	if (have_x)
		yaml_document_delete(&x);
	strbuf_release(&sb);
	return ret;
}
