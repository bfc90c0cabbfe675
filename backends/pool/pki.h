/* pki.h: the store's certificate authority and the certificates of the
 * hosts berth spawns (issue 10, "Mutual TLS without SSH").
 *
 * One CA per store, kept under the user's data directory in
 * berth/ca/STOREID/ (xdg_path("data", ...)): ca-key.pem, mode 0600, holds
 * the CA's key and certificate in one file, so that making it is one
 * link(2) and two processes making it at once end up with the same CA
 * (the loser loads the winner's); ca.pem beside it is the certificate
 * alone. The key never goes into the store.
 *
 * Keys are EC P-256. The CA's certificate is X.509 v3 with
 * basicConstraints CA:TRUE and keyUsage keyCertSign, valid 10 years; a
 * server certificate names one DNS name of berth's own (NAME.berth.internal)
 * and no address, so that it stays valid when the VM's address changes
 * (berth pins the name to whatever address the cloud reports, see
 * docker_endpoint.tls_name); a client certificate has extendedKeyUsage
 * clientAuth. Both are valid 3 years and have random 127-bit serials.
 *
 * Every call returns 0, or -1 with err filled (BERR_LOCAL: a file; BERR_USAGE:
 * a bad argument); nothing prints.
 */
#ifndef BERTH_POOL_PKI_H
#define BERTH_POOL_PKI_H

#include "lib/berr.h"

/* The domain of the names in spawned hosts' certificates: host NAME is
 * NAME.berth.internal. */
#define BERTH_TLS_DOMAIN "berth.internal"

struct pki_ca;

/* The CA of store store_id (a word of letters, digits, '-' and '_'),
 * made on first use. *out is the caller's (pki_ca_free). */
int pki_ca_open(const char *store_id, struct pki_ca **out, struct berr *err);
void pki_ca_free(struct pki_ca *ca); /* NULL is fine */
/* The CA's certificate, PEM. Borrowed. */
const char *pki_ca_pem(const struct pki_ca *ca);
/* The directory the CA lives in (berth/ca/STOREID under the data dir). Borrowed. */
const char *pki_ca_dir(const struct pki_ca *ca);

/* A new key and a server certificate for dns_name (subjectAltName
 * DNS:dns_name only, extendedKeyUsage serverAuth), both PEM, the caller's. */
int pki_server_cert(struct pki_ca *ca, const char *dns_name, char **cert_pem, char **key_pem,
		    struct berr *err);
/* A new key and a client certificate (CN cn, extendedKeyUsage clientAuth)
 * written to dir as the docker CLI wants them: ca.pem, cert.pem, key.pem.
 * dir is made (mode 0700) when missing; key.pem is 0600. */
int pki_client_dir(struct pki_ca *ca, const char *cn, const char *dir, struct berr *err);

#endif
