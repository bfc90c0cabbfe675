#!/usr/bin/env bash
# t6100-openstack: the OpenStack driver (backends/cloud/openstack.c) one
# operation at a time through tests/cloud-driver, against a real Keystone
# v3 and the project's own Nova/Neutron (tests/lib-openstack.sh).
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-openstack.sh"

openstack_start --build-delay 3

DRIVER="$TOP_BUILDDIR/tests/cloud-driver"
PROFILE=(-p driver=openstack -p flavor=m1.small -p image=debian-12-docker -p network=private
	-p floating_network=public)
# cd CLOUD OP ARGS: one driver operation on clouds.yaml entry CLOUD.
cdrv() {
	local cloud=$1
	shift
	run "$DRIVER" "${PROFILE[@]}" -p cloud="$cloud" "$@"
}
field() { printf '%s' "$OUT" | head -n 1 | pyjson "d.get('$1')"; }

# wait_state ID STATE SECONDS: polls get until the VM is in STATE.
wait_state() {
	local deadline=$((SECONDS + $3)) st
	while :; do
		cdrv berth-test get "$1"
		st=$( [ "$RC" -eq 0 ] && field state || printf '%s' "$OUT" | pyjson 'd["error"]')
		[ "$st" = "$2" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && { diag "state: $st, wanted $2"; return 1; }
		sleep 0.3
	done
}

# --- credentials ---------------------------------------------------------------

cdrv berth-test check
is "$RC" 0 "check: password auth, catalog, an authenticated Nova call"
is "$OUT" '{"ok":true}' "... answers ok"

cdrv berth-ac check
is "$RC" 0 "check with an application credential (v3applicationcredential)"

cdrv berth-bad check
is "$RC" 1 "a wrong password: exit 1"
one_line "$OUT" "... one line"
like "$OUT" '"error":"engine".*Keystone at http://127\.0\.0\.1:[0-9]+/v3: .*requires authentication.*HTTP 401' \
	"... Keystone's own message"
unlike "$OUT" "$(sed -n 's/^ *password: "\(not-.*\)"$/\1/p' "$HOME/.config/openstack/clouds.yaml")" \
	"... never the password"

cdrv berth-test -p region=RegionTwo check
is "$RC" 1 "a region the catalog lacks: exit 1"
like "$OUT" 'no compute endpoint for interface public in region RegionTwo' "... says which"
cdrv berth-test -p interface=admin check
like "$OUT" 'no compute endpoint for interface admin' "the interface chooses the endpoint"

# The OS_* variables when no cloud is named.
PW=$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["clouds"]["berth-test"]["auth"]["password"])' \
	"$HOME/.config/openstack/clouds.yaml")
run env OS_AUTH_URL="$OST_KEYSTONE_URL" OS_USERNAME=berth OS_PASSWORD="$PW" \
	OS_PROJECT_NAME=berth OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
	OS_REGION_NAME=RegionOne "$DRIVER" -p driver=openstack check
is "$RC" 0 "the OS_* variables without a cloud name"
run env OS_CLOUD=berth-test "$DRIVER" -p driver=openstack check
is "$RC" 0 "OS_CLOUD names the clouds.yaml entry"

chmod 0644 "$HOME/.config/openstack/clouds.yaml"
cdrv berth-test check
is "$RC" 1 "a clouds.yaml others may read: refused"
like "$OUT" '"error":"usage".*chmod 600 .*/\.config/openstack/clouds\.yaml' "... saying what to do"
chmod 0600 "$HOME/.config/openstack/clouds.yaml"

# --- servers ------------------------------------------------------------------------

cdrv berth-test -p flavor=m1.huge create bad1 berth-store=S1
is "$RC" 1 "an unknown flavor: exit 1"
one_line "$OUT" "... one line"
like "$OUT" 'no flavor m1\.huge \(there are: m1\.tiny, m1\.small\)' "... naming the flavors there are"
cdrv berth-test -p image=no-such-image create bad2 berth-store=S1
is "$RC" 1 "an unknown image: exit 1"
like "$OUT" 'no image no-such-image' "... saying so"
is "$(os_count servers)" 0 "... and nothing was created"

# VM1 builds until the "get while building" below has seen it (a loaded
# machine's steps up to it take seconds); 3 s again after that
os_ctl POST /build-delay '{"seconds": 120}' >/dev/null
before=$(os_token_issues)
cdrv berth-test create vm1 -t spawn-1 berth-store=S1 berth-host=vm1 berth-spawn=spawn-1
is "$RC" 0 "create with tags and a client token"
VM1=$(field id)
like "$VM1" '^[0-9a-f-]{36}$' "... a server ID"
is "$(field state)" pending "... pending (BUILD)"
is "$(printf '%s' "$OUT" | pyjson 'd["tags"]')" \
	'{"berth-host": "vm1", "berth-spawn": "spawn-1", "berth-store": "S1"}' "... tagged"
is "$(($(os_token_issues) - before))" 1 "one token for the lookups and the create (token reused)"
is "$(os_ctl GET /state | pyjson 'd["servers"][0]["metadata"]')" \
	'{"berth-host": "vm1", "berth-spawn": "spawn-1", "berth-store": "S1"}' \
	"... as Nova metadata, in the create call"

cdrv berth-test create vm1 -t spawn-1 berth-store=S1 berth-host=vm1 berth-spawn=spawn-1
is "$RC" 0 "the same create again (a retried spawn)"
is "$(field id)" "$VM1" "... finds the server of that token"
is "$(os_count servers)" 1 "... and makes no second one"

cdrv berth-test get "$VM1"
is "$(field state_text)" BUILD "get while building: BUILD"
os_ctl POST /build-delay '{"seconds": 3, "building_too": true}' >/dev/null
wait_state "$VM1" running 30
ok $? "... then running (ACTIVE)"
like "$(field address)" '^127\.0\.1\.[0-9]+$' "... with its fixed address"
is "$(field private_address)" "$(field address)" "... which is also the private one"
ADDR1=$(field address)

cdrv berth-test list berth-store=S1
is "$(printf '%s' "$OUT" | pyjson 'd["id"]')" "$VM1" "list by tag finds it"
cdrv berth-test list berth-store=S2
is "$OUT" "" "list by another store's tag: none"
cdrv berth-test list berth-host
is "$(printf '%s\n' "$OUT" | grep -c "$VM1")" 1 "list by a key alone (any value)"

out=$(os_ctl POST "/servers/$VM1/address")
NEW=$(printf '%s' "$out" | pyjson 'd["address"]')
cdrv berth-test get "$VM1"
is "$(field address)" "$NEW" "an address change shows in get"
isnt "$NEW" "$ADDR1" "... a new one"

os_ctl POST /error-next '{"message": "No valid host was found. There are not enough hosts available."}' >/dev/null
cdrv berth-test create vmerr berth-store=S1 berth-host=vmerr
VMERR=$(field id)
wait_state "$VMERR" error 30
ok $? "a server Nova gives up on: error"
is "$(field state_text)" "ERROR: No valid host was found. There are not enough hosts available." \
	"... with Nova's fault message"

cdrv berth-test get-many "$VMERR" 00000000-0000-0000-0000-000000000000 "$VM1"
is "$RC" 0 "get-many: one listing for several"
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
print(" ".join(d.get("state") or "unknown" for d in map(json.loads, sys.stdin)))')" \
	"error unknown running" "... each in the order asked, the unknown one said"

# --- security groups -----------------------------------------------------------------

cdrv berth-test sg-ensure berth-S1 127.0.0.0/8 berth-store=S1
is "$RC" 0 "security group ensure"
SG=$(field id)
cdrv berth-test sg-ensure berth-S1 127.0.0.0/8 berth-store=S1
is "$(field id)" "$SG" "... twice: the same group"
is "$(os_count security_groups)" 1 "... one group"
is "$(os_ctl GET /state | pyjson '[(r["protocol"], r["port_range_min"], r["remote_ip_prefix"]) for r in d["security_groups"][0]["security_group_rules"] if r["direction"] == "ingress"]')" \
	'[["tcp", 2376, "127.0.0.0/8"]]' "... with one ingress rule for 2376 (the duplicate's 409 is fine)"
is "$(os_ctl GET /state | pyjson 'd["security_groups"][0]["description"]')" "berth-store=S1" \
	"... tagged in its description"

cdrv berth-test create vm2 -g "$SG" berth-store=S1 berth-host=vm2 berth-spawn=spawn-2
VM2=$(field id)
is "$RC" 0 "a server in that group"
cdrv berth-test sg-delete "$SG"
is "$RC" 1 "deleting a group in use: refused"
like "$OUT" '"error":"conflict".*in use' "... as a conflict"

# --- floating IPs -------------------------------------------------------------------

wait_state "$VM2" running 30
cdrv berth-test addr-attach "$VM2" berth-store=S1 berth-host=vm2
is "$RC" 0 "floating IP attach"
FIP=$(field id)
like "$(field address)" '^127\.0\.2\.[0-9]+$' "... an address on the external network"
FADDR=$(field address)
is "$(os_ctl GET /state | pyjson 'd["floatingips"][0]["port_id"] is not None')" true \
	"... associated with the server's port"
cdrv berth-test addr-attach "$VM2" berth-store=S1 berth-host=vm2
is "$(field id)" "$FIP" "attach again: the same floating IP"
run "$DRIVER" "${PROFILE[@]}" -p cloud=berth-test get "$VM2"
is "$(field private_address)" "$(os_ctl GET /state | pyjson "[s['address'] for s in d['servers'] if s['id'] == '$VM2'][0]")" \
	"get's private address is the fixed one"

before=$(os_token_issues)
cdrv berth-test resources berth-store=S1
is "$RC" 0 "resources by tag"
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
print(" ".join(sorted(json.loads(l)["kind"] for l in sys.stdin if l.strip())))')" \
	"address security_group vm vm vm" "... servers, the group and the floating IP"
is "$(printf '%s\n' "$OUT" | grep '"kind":"address"' | pyjson 'd["attached_to"]')" "$VM2" \
	"... the floating IP attached to its server"
is "$(($(os_token_issues) - before))" 1 "several calls, one token"

cdrv berth-test addr-release "$FIP"
is "$RC" 0 "floating IP release"
is "$(os_count floatingips)" 0 "... gone"
cdrv berth-test addr-release "$FIP"
is "$RC" 0 "... releasing it again is fine"

# --- a revoked token -----------------------------------------------------------------

before=$(os_token_issues)
os_ctl POST /revoke-after '{"requests": 2}' >/dev/null
cdrv berth-test resources berth-store=S1
is "$RC" 0 "a token revoked in Keystone mid-way: the operation still works"
is "$(($(os_token_issues) - before))" 2 "... after one re-authentication"
grep -q 'revoked a token in Keystone: 204' "$OST_DIR/fake.log"
ok $? "... the token was revoked by Keystone (DELETE /v3/auth/tokens)"

# --- engines (tests/vmboot.py boots a dockerd from the user-data) -------------------

# engine_ping ADDRESS: the engine answers over mutual TLS at ADDRESS:2376.
engine_ping() {
	curl -sS --max-time 5 --cacert "$CERTS/ca.pem" --cert "$CERTS/cert.pem" \
		--key "$CERTS/key.pem" --connect-to "localhost:2376:$1:2376" \
		https://localhost:2376/_ping 2>/dev/null | grep -qx OK
}

no_engines() { [ "$(os_count engines)" = 0 ]; }

if [ ! -f "$TOP_SRCDIR/tests/vmboot.py" ] || ! command -v dockerd >/dev/null ||
	[ "$(id -u)" -ne 0 ]; then
	skip 9 "needs tests/vmboot.py, dockerd and root"
else
	CERTS=$TEST_DIR/certs
	make_tls_certs "$CERTS" 127.0.0.1
	"$PYTHON" - "$CERTS" >"$TEST_DIR/user-data" <<'EOF_PY'
import base64, json, sys
d = sys.argv[1]
def b64(name):
    return base64.b64encode(open("%s/%s" % (d, name), "rb").read()).decode()
files = [{"path": "/etc/docker/certs/%s" % n, "permissions": p, "encoding": "b64",
          "content": b64(n)} for n, p in (("ca.pem", "0644"), ("server-cert.pem", "0644"),
                                          ("server-key.pem", "0600"))]
files.append({"path": "/etc/docker/daemon.json", "permissions": "0644", "content": json.dumps({
    "tlsverify": True, "tlscacert": "/etc/docker/certs/ca.pem",
    "tlscert": "/etc/docker/certs/server-cert.pem", "tlskey": "/etc/docker/certs/server-key.pem",
    "hosts": ["tcp://0.0.0.0:2376", "unix:///var/run/docker.sock"]})})
print("#cloud-config\n" + json.dumps({"write_files": files}, indent=1))
EOF_PY
	cdrv berth-test create vmtls -u "$TEST_DIR/user-data" berth-store=S1 berth-host=vmtls
	VMTLS=$(field id)
	wait_state "$VMTLS" running 30
	A=$(field address)
	wait_for 120 engine_ping "$A"
	ok $? "a server made from #cloud-config user-data runs an engine on its fixed address"
	cdrv berth-test addr-attach "$VMTLS" berth-store=S1 berth-host=vmtls
	FIP2=$(field id)
	wait_for 30 engine_ping "$(field address)"
	ok $? "... reached through its floating IP too (2376 forwarded)"
	out=$(os_ctl POST "/servers/$VMTLS/address")
	NEW=$(printf '%s' "$out" | pyjson 'd["address"]')
	wait_for 120 engine_ping "$NEW"
	ok $? "after an address change its engine answers on the new address"
	engine_ping "$A"
	isnt $? 0 "... and no longer on the old one"
	cdrv berth-test get "$VMTLS"
	is "$(field address)" "$NEW" "... which get reports"
	cdrv berth-test addr-release "$FIP2"

	os_ctl POST /engine '{"answer": false}' >/dev/null
	cdrv berth-test create vmmute -u "$TEST_DIR/user-data" berth-store=S1 berth-host=vmmute
	VMMUTE=$(field id)
	wait_state "$VMMUTE" running 30
	ok $? "with the engine switched off, a server still becomes ACTIVE"
	sleep 2
	is "$(os_count engines)" 1 "... but no engine is booted for it"
	os_ctl POST /engine '{"answer": true}' >/dev/null
	for id in "$VMTLS" "$VMMUTE"; do cdrv berth-test delete "$id"; done
	wait_for 60 no_engines
	ok $? "deleting a server stops its engine"
	wait_state "$VMTLS" not_found 30
	ok $? "... and the server is gone"
fi

# --- deletion ------------------------------------------------------------------------------

for id in "$VM1" "$VM2" "$VMERR"; do
	cdrv berth-test delete "$id"
	is "$RC" 0 "delete $id"
done
wait_state "$VM1" not_found 30
ok $? "a deleted server ends up not found"
cdrv berth-test delete "$VM1"
is "$RC" 0 "deleting it again is fine"
wait_state "$VM2" not_found 30
cdrv berth-test sg-delete "$SG"
is "$RC" 0 "the group, unused now, is deleted"
cdrv berth-test sg-delete "$SG"
is "$RC" 0 "... and deleting it again is fine"
is "$(os_count servers) $(os_count security_groups) $(os_count floatingips)" "0 0 0" \
	"nothing left in the cloud"

done_testing
