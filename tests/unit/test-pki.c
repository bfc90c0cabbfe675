/* test-pki.c: the store's CA and its certificates (backends/pool/pki.c):
 * made once and loaded again, made by several processes at once with one
 * result, server and client certificates that OpenSSL's own chain check
 * accepts for their purpose, a server name and no address in the SAN,
 * file modes. The data directory is a temporary one. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "backends/pool/pki.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	return x;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xcalloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return s;
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

/* 1 when cert chains to ca_pem for purpose (X509_PURPOSE_SSL_SERVER...). */
static int verifies(const char *ca_pem, X509 *cert, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *ca = pem_cert(ca_pem);
	int ok = 0;

	if (store && ctx && ca && X509_STORE_add_cert(store, ca) &&
	    X509_STORE_CTX_init(ctx, store, cert, NULL)) {
		X509_STORE_CTX_set_purpose(ctx, purpose);
		ok = X509_verify_cert(ctx) == 1;
		if (!ok)
			printf("# verify: %s\n",
			       X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	}
	X509_free(ca);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

/* The SAN's DNS names joined with ',' and the number of IP entries. */
static void san_of(X509 *x, char *dns, size_t len, int *nip)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i;

	dns[0] = '\0';
	*nip = 0;
	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if (g->type == GEN_IPADD)
			(*nip)++;
		if (g->type == GEN_DNS) {
			if (dns[0])
				strncat(dns, ",", len - strlen(dns) - 1);
			strncat(dns, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
				len - strlen(dns) - 1);
		}
	}
	GENERAL_NAMES_free(names);
}

static void test_ca(const char *data)
{
	struct pki_ca *ca = NULL, *again = NULL;
	struct berr err = { 0 };
	char *path, *pem;
	X509 *x;

	ok(pki_ca_open("0123456789abcdef", &ca, &err) == 0, "the CA is made on first use (%s)",
	   err.msg);
	if (!ca)
		return;
	path = xasprintf("%s/berth/ca/0123456789abcdef", data);
	is_str(pki_ca_dir(ca), path, "it lives under the data dir's berth/ca/STOREID");
	is_int(mode_of(path), 0700, "its directory is 0700");
	free(path);
	path = xasprintf("%s/berth/ca/0123456789abcdef/ca-key.pem", data);
	is_int(mode_of(path), 0600, "its key file is 0600");
	pem = slurp(path);
	ok(pem && strstr(pem, "PRIVATE KEY") && strstr(pem, pki_ca_pem(ca)),
	   "the key file holds the key and the certificate");
	free(pem);
	free(path);
	path = xasprintf("%s/berth/ca/0123456789abcdef/ca.pem", data);
	pem = slurp(path);
	is_str(pem, pki_ca_pem(ca), "ca.pem beside it is the certificate");
	ok(pem && !strstr(pem, "PRIVATE"), "... with no key");
	free(pem);
	free(path);

	x = pem_cert(pki_ca_pem(ca));
	ok(x && X509_check_ca(x) == 1, "the CA certificate is a CA (basicConstraints, keyUsage)");
	ok(x && X509_get_version(x) == X509_VERSION_3, "... X.509 v3");
	ok(x && (X509_get_key_usage(x) & KU_KEY_CERT_SIGN), "... keyUsage keyCertSign");
	X509_free(x);

	ok(pki_ca_open("0123456789abcdef", &again, &err) == 0, "a second open works");
	ok(again && !strcmp(pki_ca_pem(again), pki_ca_pem(ca)), "... and loads the same CA");
	pki_ca_free(again);
	pki_ca_free(ca);

	ok(pki_ca_open("../x", &ca, &err) < 0 && err.kind == BERR_USAGE,
	   "a store ID with a slash is refused");
	ok(pki_ca_open("", &ca, &err) < 0, "an empty store ID is refused");
}

/* Several processes open a new store's CA at once: they all get one CA. */
static void test_race(void)
{
	enum { N = 6 };
	int fds[N][2], i, same = 1, all_ok = 1;
	pid_t pids[N];
	char *first = NULL;

	for (i = 0; i < N; i++) {
		if (pipe(fds[i]) < 0)
			return;
		pids[i] = fork();
		if (pids[i] == 0) {
			struct pki_ca *ca;
			struct berr err;
			int r;

			close(fds[i][0]);
			r = pki_ca_open("feedfacecafebeef", &ca, &err);
			if (r == 0 && write(fds[i][1], pki_ca_pem(ca), strlen(pki_ca_pem(ca))) < 0)
				r = -1;
			if (r < 0 && write(fds[i][1], err.msg, strlen(err.msg)) < 0)
				r = -1;
			pki_ca_free(ca);
			_exit(r == 0 ? 0 : 1);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < N; i++) {
		char buf[8192];
		ssize_t n, at = 0;
		int st;

		while ((n = read(fds[i][0], buf + at, sizeof(buf) - 1 - (size_t)at)) > 0)
			at += n;
		buf[at] = '\0';
		close(fds[i][0]);
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("# child %d: %s\n", i, buf);
			all_ok = 0;
		}
		if (!first)
			first = xstrdup(buf);
		else if (strcmp(first, buf))
			same = 0;
	}
	ok(all_ok, "%d processes opening a new CA at once all succeed", N);
	ok(same, "... and all got the same CA");
	free(first);
}

static void test_server(struct pki_ca *ca)
{
	struct berr err = { 0 };
	char *cert = NULL, *key = NULL, dns[256];
	X509 *x;
	int nip = -1;

	ok(pki_server_cert(ca, "web-1." BERTH_TLS_DOMAIN, &cert, &key, &err) == 0,
	   "a server certificate (%s)", err.msg);
	if (!cert)
		return;
	ok(key && strstr(key, "PRIVATE KEY"), "... with its key");
	x = pem_cert(cert);
	ok(x && verifies(pki_ca_pem(ca), x, X509_PURPOSE_SSL_SERVER),
	   "it verifies against the CA as a TLS server (X509_verify_cert)");
	ok(x && !verifies(pki_ca_pem(ca), x, X509_PURPOSE_SSL_CLIENT), "... not as a client");
	san_of(x, dns, sizeof(dns), &nip);
	is_str(dns, "web-1.berth.internal", "its SAN is the DNS name");
	is_int(nip, 0, "... and no IP address");
	ok(X509_check_host(x, "web-1.berth.internal", 0, 0, NULL) == 1, "it matches its name");
	ok(X509_check_ip_asc(x, "127.0.0.1", 0) != 1, "... and no address");
	X509_free(x);
	free(cert);
	free(key);

	ok(pki_server_cert(ca, "a b", &cert, &key, &err) < 0 && err.kind == BERR_USAGE,
	   "a name with a space is refused");
}

static void test_client(struct pki_ca *ca, const char *tmp)
{
	struct berr err = { 0 };
	char *dir = xasprintf("%s/client/certs", tmp), *path, *pem;
	X509 *x;

	ok(pki_client_dir(ca, "berth", dir, &err) == 0, "a client directory (%s)", err.msg);
	is_int(mode_of(dir), 0700, "... made 0700");
	path = xasprintf("%s/key.pem", dir);
	is_int(mode_of(path), 0600, "key.pem is 0600");
	free(path);
	path = xasprintf("%s/ca.pem", dir);
	pem = slurp(path);
	is_str(pem, pki_ca_pem(ca), "ca.pem is the CA's certificate");
	free(pem);
	free(path);
	path = xasprintf("%s/cert.pem", dir);
	pem = slurp(path);
	x = pem ? pem_cert(pem) : NULL;
	ok(x && verifies(pki_ca_pem(ca), x, X509_PURPOSE_SSL_CLIENT),
	   "cert.pem verifies against the CA as a TLS client");
	ok(x && !verifies(pki_ca_pem(ca), x, X509_PURPOSE_SSL_SERVER), "... not as a server");
	X509_free(x);
	free(pem);
	free(path);
	free(dir);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int main(void)
{
	char tmp[] = "/tmp/test-pki.XXXXXX";
	struct pki_ca *ca = NULL;
	struct berr err;
	char *data;

	if (!mkdtemp(tmp))
		return 1;
	data = xasprintf("%s/data", tmp);
	setenv("XDG_DATA_HOME", data, 1);

	test_ca(data);
	test_race();
	if (pki_ca_open("0123456789abcdef", &ca, &err) == 0) {
		test_server(ca);
		test_client(ca, tmp);
	}
	pki_ca_free(ca);

	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(data);
	return done_testing();
}
