/* pki.c: the store's CA and the certificates it signs (see pki.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "backends/pool/pki.h"
#include "lib/names.h"
#include "lib/paths.h"
#include "lib/xalloc.h"

#define CA_DAYS (10 * 365)
#define LEAF_DAYS (3 * 365)

struct pki_ca {
	EVP_PKEY *key;
	X509 *cert;
	char *pem; /* the certificate */
	char *dir;
};

/* err filled with what and OpenSSL's last error. */
static int ssl_fail(struct berr *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return berr_set(err, BERR_LOCAL, "%s: %s", what, buf);
}

static EVP_PKEY *key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* One extension from its openssl.cnf text ("critical,CA:TRUE"). */
static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ret = -1;

	/* 127 random bits: positive and at most 16 bytes, as RFC 5280 wants */
	if (bn && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		ret = 0;
	BN_free(bn);
	return ret;
}

/* What a certificate is for: its extensions past the key identifiers. */
struct cert_kind {
	const char *basic, *usage, *eku, *san_prefix;
	long days;
};

static const struct cert_kind kind_ca = {
	.basic = "critical,CA:TRUE", .usage = "critical,keyCertSign,cRLSign", .days = CA_DAYS,
};
static const struct cert_kind kind_server = {
	.basic = "critical,CA:FALSE", .usage = "critical,digitalSignature,keyEncipherment",
	.eku = "serverAuth", .san_prefix = "DNS:", .days = LEAF_DAYS,
};
static const struct cert_kind kind_client = {
	.basic = "critical,CA:FALSE", .usage = "critical,digitalSignature,keyEncipherment",
	.eku = "clientAuth", .days = LEAF_DAYS,
};

/* A certificate for key with CN cn, signed by ca (NULL: self-signed with key). */
static X509 *cert_make(const struct pki_ca *ca, EVP_PKEY *key, const char *cn,
		       const struct cert_kind *kind)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	char *san = NULL;
	int ok = 0;

	if (!x || !name || !X509_set_version(x, X509_VERSION_3) || set_serial(x) < 0)
		goto cleanup;
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, ca ? X509_get_subject_name(ca->cert) : name))
		goto cleanup;
	/* an hour back: a VM whose clock lags a little still accepts it */
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), kind->days, 0, NULL) ||
	    !X509_set_pubkey(x, key))
		goto cleanup;
	X509V3_set_ctx(&ctx, ca ? ca->cert : x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, kind->basic) < 0 ||
	    add_ext(x, &ctx, NID_key_usage, kind->usage) < 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid") < 0 ||
	    (kind->eku && add_ext(x, &ctx, NID_ext_key_usage, kind->eku) < 0))
		goto cleanup;
	if (kind->san_prefix) {
		san = xasprintf("%s%s", kind->san_prefix, cn);
		if (add_ext(x, &ctx, NID_subject_alt_name, san) < 0)
			goto cleanup;
	}
	ok = X509_sign(x, ca ? ca->key : key, EVP_sha256()) > 0;
cleanup:
	free(san);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* A string holding a private key, wiped before it is freed (NULL is fine). */
static void free_secret(char *s)
{
	if (s)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* A memory BIO's contents as a string, the caller's. */
static char *bio_string(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s = xcalloc(1, (size_t)n + 1);

	memcpy(s, data, (size_t)n);
	return s;
}

static char *key_pem(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		s = bio_string(b);
	BIO_free(b);
	return s;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_X509(b, x))
		s = bio_string(b);
	BIO_free(b);
	return s;
}

/* data written to a new temporary file beside path (mode), its name the
 * caller's; NULL with err filled. */
static char *write_temp(const char *path, const char *data, mode_t mode, struct berr *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	size_t len = strlen(data), off = 0;
	int fd = mkstemp(tmp);

	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return tmp;
fail:
	berr_set(err, BERR_LOCAL, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return NULL;
}

/* data put in place at path atomically (a temporary file renamed). */
static int write_file(const char *path, const char *data, mode_t mode, struct berr *err)
{
	char *tmp = write_temp(path, data, mode, err);
	int ret = 0;

	if (!tmp)
		return -1;
	if (rename(tmp, path) < 0) {
		ret = berr_set(err, BERR_LOCAL, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

/* ca->key and ca->cert from the PEM file at path; 1 when it does not exist. */
static int ca_load(struct pki_ca *ca, const char *path, struct berr *err)
{
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f) {
		if (errno == ENOENT)
			return 1;
		return berr_set(err, BERR_LOCAL, "cannot read %s: %s", path, strerror(errno));
	}
	ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	ca->cert = ca->key ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (!ca->cert || X509_check_private_key(ca->cert, ca->key) != 1) {
		ssl_fail(err, path);
		goto cleanup;
	}
	ca->pem = cert_pem(ca->cert);
	if (!ca->pem) {
		ssl_fail(err, path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	fclose(f);
	return ret;
}

/* A new CA in memory; written as path (key then certificate) unless
 * another process wrote one first: then 1, and nothing changed. */
static int ca_create(struct pki_ca *ca, const char *path, const char *store_id, struct berr *err)
{
	char *cn = xasprintf("berth CA %s", store_id);
	char *kp = NULL, *cp = NULL, *both = NULL, *tmp = NULL;
	int ret = -1;

	ca->key = key_new();
	ca->cert = ca->key ? cert_make(NULL, ca->key, cn, &kind_ca) : NULL;
	kp = ca->cert ? key_pem(ca->key) : NULL;
	cp = kp ? cert_pem(ca->cert) : NULL;
	if (!cp) {
		ssl_fail(err, "cannot make the store's CA");
		goto cleanup;
	}
	both = xasprintf("%s%s", kp, cp);
	tmp = write_temp(path, both, 0600, err);
	if (!tmp)
		goto cleanup;
	/* link, not rename: the first process's CA stays, the others load it */
	if (link(tmp, path) < 0) {
		if (errno == EEXIST)
			ret = 1;
		else
			berr_set(err, BERR_LOCAL, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	ca->pem = cp;
	cp = NULL;
	ret = 0;
cleanup:
	if (tmp)
		unlink(tmp);
	free(tmp);
	free_secret(both);
	free_secret(kp);
	free(cp);
	free(cn);
	return ret;
}

/* A store ID names a directory: a host name's characters, and no "..". */
static int valid_store_id(const char *id)
{
	return valid_host_name(id) && *id != '.' && strlen(id) <= 64;
}

static void ca_clear(struct pki_ca *ca)
{
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->pem);
	ca->key = NULL;
	ca->cert = NULL;
	ca->pem = NULL;
}

int pki_ca_open(const char *store_id, struct pki_ca **out, struct berr *err)
{
	struct pki_ca *ca;
	char *leaf, *path = NULL, *pub = NULL;
	int r, ret = -1;

	*out = NULL;
	if (!valid_store_id(store_id))
		return berr_set(err, BERR_USAGE, "not a store ID: \"%s\"", store_id ? store_id : "");
	ca = xcalloc(1, sizeof(*ca));
	leaf = xasprintf("ca/%s", store_id);
	ca->dir = xdg_path("data", leaf);
	free(leaf);
	if (!ca->dir) {
		berr_set(err, BERR_LOCAL, "cannot find the data directory: no home directory");
		goto cleanup;
	}
	path = xasprintf("%s/ca-key.pem", ca->dir);
	if (mkdir_parents(path) < 0) {
		berr_set(err, BERR_LOCAL, "cannot create %s: %s", ca->dir, strerror(errno));
		goto cleanup;
	}
	r = ca_load(ca, path, err);
	if (r == 1) {
		r = ca_create(ca, path, store_id, err);
		if (r == 1) { /* another process made it meanwhile: theirs */
			ca_clear(ca);
			r = ca_load(ca, path, err);
		}
	}
	if (r != 0)
		goto cleanup;
	pub = xasprintf("%s/ca.pem", ca->dir);
	if (access(pub, R_OK) < 0 && write_file(pub, ca->pem, 0644, err) < 0)
		goto cleanup;
	*out = ca;
	ca = NULL;
	ret = 0;
cleanup:
	free(pub);
	free(path);
	pki_ca_free(ca);
	return ret;
}

void pki_ca_free(struct pki_ca *ca)
{
	if (!ca)
		return;
	ca_clear(ca);
	free(ca->dir);
	free(ca);
}

const char *pki_ca_pem(const struct pki_ca *ca)
{
	return ca->pem;
}

const char *pki_ca_dir(const struct pki_ca *ca)
{
	return ca->dir;
}

/* A new key and its certificate signed by ca, both PEM. */
static int leaf_make(struct pki_ca *ca, const char *cn, const struct cert_kind *kind,
		     char **cert_out, char **key_out, struct berr *err)
{
	EVP_PKEY *key = key_new();
	X509 *x = key ? cert_make(ca, key, cn, kind) : NULL;
	char *c = x ? cert_pem(x) : NULL;
	char *k = c ? key_pem(key) : NULL;

	X509_free(x);
	EVP_PKEY_free(key);
	if (!k) {
		free(c);
		return ssl_fail(err, "cannot make a certificate");
	}
	*cert_out = c;
	*key_out = k;
	return 0;
}

int pki_server_cert(struct pki_ca *ca, const char *dns_name, char **cert_out, char **key_out,
		    struct berr *err)
{
	*cert_out = *key_out = NULL;
	if (!valid_dns_name(dns_name))
		return berr_set(err, BERR_USAGE, "not a DNS name: \"%s\"", dns_name ? dns_name : "");
	return leaf_make(ca, dns_name, &kind_server, cert_out, key_out, err);
}

int pki_client_dir(struct pki_ca *ca, const char *cn, const char *dir, struct berr *err)
{
	char *cert = NULL, *key = NULL, *path = NULL;
	int ret = -1;

	path = xasprintf("%s/key.pem", dir);
	if (mkdir_parents(path) < 0 || chmod(dir, 0700) < 0) {
		berr_set(err, BERR_LOCAL, "cannot create %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	if (leaf_make(ca, cn, &kind_client, &cert, &key, err) < 0 ||
	    write_file(path, key, 0600, err) < 0)
		goto cleanup;
	free(path);
	path = xasprintf("%s/cert.pem", dir);
	if (write_file(path, cert, 0644, err) < 0)
		goto cleanup;
	free(path);
	path = xasprintf("%s/ca.pem", dir);
	if (write_file(path, ca->pem, 0644, err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free_secret(key);
	free(cert);
	free(path);
	return ret;
}
