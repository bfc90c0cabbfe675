#!/bin/bash
# t6300-spawn-openstack: host spawn, host destroy and cloud reconcile on
# OpenStack: a real Keystone and the project's fake Nova/Neutron
# (tests/lib-openstack.sh), which boots each server as a private dockerd
# on 127.0.1.N from its user-data and can keep servers in BUILD, put one
# in ERROR and keep engines from answering. The cases are
# tests/spawn.sub's, plus BUILD and ERROR.
#
# The hooks below use tests/lib-openstack.sh's controls: openstack_start,
# os_ctl METHOD PATH [JSON] on the fake's control port, its pid in
# OST_FAKE_PID, clouds.yaml's berth-test and berth-bad entries.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=file
. "$TOP_SRCDIR/tests/lib-store.sh"
[ -f "$TOP_SRCDIR/tests/lib-openstack.sh" ] || skip_all "tests/lib-openstack.sh has not landed"
. "$TOP_SRCDIR/tests/lib-openstack.sh"
. "$TOP_SRCDIR/tests/spawn.sub"

export BERTH_CONFIG=$TEST_DIR/berth.yaml

write_config() { # CLOUD-ENTRY
	cat >"$BERTH_CONFIG" <<YAML
clouds:
  lab:
    driver: openstack
    cloud: $1
    flavor: m1.small
    image: debian-12-docker
    network: private
    address: floating
    floating_network: public
    allow_cidr: 127.0.0.0/8
    spawn_timeout: 60s
    engine_timeout: 60s
YAML
	chmod 0600 "$BERTH_CONFIG"
}

cloud_start() {
	store_setup
	openstack_start
	write_config berth-test
}

# the harness's clouds.yaml entry with the wrong password
cloud_config_bad_creds() { write_config berth-bad; }

# servers, security groups and floating IPs whose metadata or description
# carry berth-store, from the fake's own state (not berth's view)
cloud_leftovers() {
	os_ctl GET /state | pyjson '"%d %d %d" % (
	sum(1 for x in d["servers"] if "berth-store" in (x.get("metadata") or {})),
	sum(1 for x in d["security_groups"] if "berth-store=" in (x.get("description") or "")),
	sum(1 for x in d["floatingips"] if "berth-store=" in (x.get("description") or "")))'
}

cloud_api_stop() { kill -STOP "$OST_FAKE_PID"; }
cloud_api_cont() { kill -CONT "$OST_FAKE_PID"; }
cloud_engines_off() { os_ctl POST /engine '{"answer": false}' >/dev/null; }
cloud_engines_on() { os_ctl POST /engine '{"answer": true}' >/dev/null; }
# engines on, and the running VMs that booted none boot theirs now
cloud_engines_boot() { os_ctl POST /engine '{"answer": true, "boot_waiting": true}' >/dev/null; }
cloud_build_delay() { os_ctl POST /build-delay "{\"seconds\": $1}" >/dev/null; }
cloud_error_next() {
	os_ctl POST /error-next "$("$PYTHON" -c 'import json, sys; print(json.dumps({"message": sys.argv[1]}))' "$1")" >/dev/null
}
BAD_FLAVOR="--flavor m9.nonesuch"
BAD_IMAGE="--image no-such-image"

spawn_cases
done_testing
