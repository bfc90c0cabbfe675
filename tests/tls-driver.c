/* tls-driver: the store's CA, certificates and user-data
 * (backends/pool/pki.h, userdata.h) from the command line, for the TLS
 * tests (tests/t6040-vmboot.sh, tests/t6050-pinned-tls.sh).
 *
 *   tls-driver ca STOREID                     the CA's directory on stdout
 *   tls-driver client STOREID CN DIR          ca.pem cert.pem key.pem in DIR
 *   tls-driver userdata STOREID DNS-NAME [-p PORT] [-e EXTRA-FILE]
 *                                             a server certificate for DNS-NAME
 *                                             and the user-data carrying it
 *
 * The CA lives under $XDG_DATA_HOME/berth/ca/STOREID as berth's own.
 * Exit 0, or 1 with one line on stderr; 2 on bad usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/pki.h"
#include "backends/pool/userdata.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static int userdata(struct pki_ca *ca, int argc, char **argv, struct berr *err)
{
	struct userdata_in in = { .ca_pem = pki_ca_pem(ca) };
	char *cert = NULL, *key = NULL, *extra = NULL, *out = NULL;
	size_t len;
	int i, ret = -1;

	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-p")) {
			in.port = atoi(argv[i + 1]);
		} else if (!strcmp(argv[i], "-e")) {
			free(extra);
			extra = slurp(argv[i + 1]);
			if (!extra) {
				berr_set(err, BERR_LOCAL, "cannot read %s", argv[i + 1]);
				goto cleanup;
			}
		}
	}
	in.extra = extra;
	if (pki_server_cert(ca, argv[3], &cert, &key, err) < 0)
		goto cleanup;
	in.cert_pem = cert;
	in.key_pem = key;
	if (userdata_build(&in, &out, &len, err) < 0)
		goto cleanup;
	fwrite(out, 1, len, stdout);
	ret = 0;
cleanup:
	free(out);
	free(extra);
	free(cert);
	free(key);
	return ret;
}

int main(int argc, char **argv)
{
	struct pki_ca *ca = NULL;
	struct berr err = { 0 };
	int r = -1;

	if (argc < 3 || (!strcmp(argv[1], "client") && argc != 5) ||
	    (!strcmp(argv[1], "userdata") && argc < 4)) {
		fprintf(stderr, "tls-driver: bad usage (see the comment in tests/tls-driver.c)\n");
		return 2;
	}
	if (pki_ca_open(argv[2], &ca, &err) < 0)
		goto cleanup;
	if (!strcmp(argv[1], "ca")) {
		puts(pki_ca_dir(ca));
		r = 0;
	} else if (!strcmp(argv[1], "client")) {
		r = pki_client_dir(ca, argv[3], argv[4], &err);
	} else if (!strcmp(argv[1], "userdata")) {
		r = userdata(ca, argc, argv, &err);
	} else {
		fprintf(stderr, "tls-driver: unknown operation %s\n", argv[1]);
		pki_ca_free(ca);
		return 2;
	}
cleanup:
	if (r < 0)
		fprintf(stderr, "tls-driver: %s\n", err.msg);
	pki_ca_free(ca);
	return r < 0 ? 1 : 0;
}
