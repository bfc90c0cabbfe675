#!/bin/bash
# t6300-spawn-openstack: host spawn, host destroy and cloud reconcile on
# OpenStack: a real Keystone and the project's fake Nova/Neutron
# (tests/lib-openstack.sh), which boots each server as a private dockerd
# on 127.0.1.N from its user-data and can keep servers in BUILD, put one
# in ERROR and keep engines from answering. The cases are
# tests/spawn.sub's, plus BUILD and ERROR.
#
# The hooks below use the harness's controls as the briefing declares
# them (openstack_start DIR; openstack_control KEY VALUE; the fake's pid
# in OPENSTACK_FAKE_PID; openstack_api GET PATH for a check that is not
# berth's).

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
	openstack_start "$TEST_DIR/openstack"
	write_config berth-test
}

# a clouds.yaml entry with the wrong password beside the good one
cloud_config_bad_creds() {
	"$PYTHON" - "$HOME/.config/openstack/clouds.yaml" <<'PY'
import sys, yaml
p = sys.argv[1]
d = yaml.safe_load(open(p))
bad = dict(d["clouds"]["berth-test"])
bad["auth"] = dict(bad["auth"], password="not-the-password")
d["clouds"]["berth-bad"] = bad
open(p, "w").write(yaml.safe_dump(d))
PY
	write_config berth-bad
}

# servers, security groups and floating IPs whose metadata or description
# carry berth-store, asked of the fake's API with the harness's token
cloud_leftovers() {
	local s g f
	s=$(openstack_api GET /compute/v2.1/servers/detail | pyjson \
		'sum(1 for x in d["servers"] if "berth-store" in (x.get("metadata") or {}))')
	g=$(openstack_api GET /network/v2.0/security-groups | pyjson \
		'sum(1 for x in d["security_groups"] if "berth-store=" in (x.get("description") or ""))')
	f=$(openstack_api GET /network/v2.0/floatingips | pyjson \
		'sum(1 for x in d["floatingips"] if "berth-store=" in (x.get("description") or ""))')
	echo "$s $g $f"
}

cloud_api_stop() { kill -STOP "$OPENSTACK_FAKE_PID"; }
cloud_api_cont() { kill -CONT "$OPENSTACK_FAKE_PID"; }
cloud_engines_off() { openstack_control engine_never 1; }
cloud_engines_on() { openstack_control engine_never 0; }
cloud_build_delay() { openstack_control build_delay "$1"; }
cloud_error_next() { openstack_control error_next "$1"; }
BAD_FLAVOR="--flavor m9.nonesuch"
BAD_IMAGE="--image no-such-image"

spawn_cases
done_testing
