# openstack-hooks.sh: the cloud hooks of tests/spawn.sub and tests/pool.sub
# (see there) for OpenStack: a real Keystone and the project's fake
# Nova/Neutron (tests/lib-openstack.sh), profile "lab" in $BERTH_CONFIG.
# Uses tests/lib-openstack.sh's controls: openstack_start, os_ctl METHOD
# PATH [JSON] on the fake's control port, its pid in OST_FAKE_PID,
# clouds.yaml's berth-test and berth-bad entries.
# Sourced after tests/lib-store.sh and tests/lib-openstack.sh.

export BERTH_CONFIG=$TEST_DIR/berth.yaml
OS_CLOUD_ENTRY=berth-test

write_config() { # PROFILE-LINES...
	{
		echo "clouds:"
		echo "  lab:"
		echo "    driver: openstack"
		echo "    cloud: $OS_CLOUD_ENTRY"
		echo "    flavor: m1.small"
		echo "    image: debian-12-docker"
		echo "    network: private"
		echo "    address: floating"
		echo "    floating_network: public"
		echo "    allow_cidr: 127.0.0.0/8"
		echo "    spawn_timeout: 60s"
		echo "    engine_timeout: 60s"
		printf '    %s\n' "$@"
	} >"$BERTH_CONFIG"
	chmod 0600 "$BERTH_CONFIG"
}

cloud_start() {
	store_setup
	openstack_start
	write_config
}

# the harness's clouds.yaml entry with the wrong password
cloud_config_bad_creds() { OS_CLOUD_ENTRY=berth-bad write_config; }

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
