/* userdata.h: the cloud-init user-data of a spawned host (issue 10,
 * "Mutual TLS without SSH").
 *
 * One #cloud-config document that:
 *   - writes the CA certificate, the server certificate and its key to
 *     /etc/docker/certs/ (ca.pem, server-cert.pem, server-key.pem 0600;
 *     base64, `encoding: b64`);
 *   - writes /etc/docker/daemon.json: tlsverify with those three files,
 *     hosts tcp://0.0.0.0:PORT and the unix socket;
 *   - writes a systemd drop-in (docker.service.d/berth.conf) that starts
 *     dockerd without -H fd://, which daemon.json's hosts would clash with;
 *   - runs: Docker installed when the image lacks it (the distribution's
 *     docker.io, else get.docker.com), then daemon-reload and a restart.
 * tests/vmboot.py reads the same document to boot the test "VMs".
 *
 * The profile's extra cloud_init (a YAML mapping of cloud-config keys) is
 * merged in: its write_files and runcmd entries come after berth's, its
 * other keys are copied as they are.
 *
 * The document carries the server's private key: whoever can read the
 * instance's user-data in that cloud account can read it (berth(1), CLOUDS).
 */
#ifndef BERTH_POOL_USERDATA_H
#define BERTH_POOL_USERDATA_H

#include <stddef.h>
#include "lib/berr.h"

/* The engine's TLS port unless userdata_in.port says otherwise. */
#define USERDATA_DEFAULT_PORT 2376

struct userdata_in {
	const char *ca_pem, *cert_pem, *key_pem; /* PEM texts (pki.h) */
	const char *extra; /* the profile's cloud_init (YAML text), or NULL */
	int port;          /* the engine's TLS port; 0: 2376 */
};

/* The user-data text in *out (the caller's, NUL-terminated; *len bytes
 * without the NUL). An extra that is not YAML, not a mapping, or whose
 * write_files/runcmd is not a list is BERR_USAGE, one line starting
 * "cloud_init: ". */
int userdata_build(const struct userdata_in *in, char **out, size_t *len, struct berr *err);

#endif
