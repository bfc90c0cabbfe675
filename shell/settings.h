/* settings.h: reading berth's configuration, from YAML files and the environment.
 *
 * Files read, later ones overriding earlier: SYSCONFDIR/berth.yaml, then
 * $XDG_CONFIG_HOME/berth/config.yaml (~/.config/berth/config.yaml); or
 * only the file named by --config / BERTH_CONFIG. Both are optional. A file
 * that holds credentials (a password/secret/token key, or a URI with a
 * password) must not be readable by group or others: it is refused, naming
 * the file, its mode and the chmod that fixes it.
 *
 *   default_host: local
 *   timeouts: { connect: 5s, request: 60s }
 *   hosts:
 *     local: { url: unix:///var/run/docker.sock }
 *     lab:   { url: tcp://10.0.0.5:2376, tls_dir: ~/.docker/lab }
 *     dev:   { url: tcp://127.0.0.1:2375, insecure: true }
 *   mongodb: { uri: mongodb://..., database: berth }
 *
 * The host "local" always exists: its URL is, in order, DOCKER_HOST, the
 * config's hosts.local.url, unix:///var/run/docker.sock. For local,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (default ~/.docker) apply as they
 * do for the docker CLI. DOCKER_API_VERSION pins the API version.
 */
#ifndef BERTH_SHELL_SETTINGS_H
#define BERTH_SHELL_SETTINGS_H

#include "lib/berr.h"
#include "backends/pool/settings.h"

/* Defaults, then files, then environment. explicit_path (--config) may be
 * NULL (then BERTH_CONFIG, if set, is the explicit file). On error returns
 * -1 with err naming the file (and line) at fault. cfg need not be
 * initialised first (settings_load does that); release it with
 * settings_release() whether or not the load succeeded. */
int settings_load(struct settings *cfg, const char *explicit_path, struct berr *err);
/* Merge one file into cfg (used by settings_load and the tests). */
int settings_load_file(struct settings *cfg, const char *path, struct berr *err);

#endif
