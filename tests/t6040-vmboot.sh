#!/bin/bash
# t6040-vmboot: tests/vmboot.py, the test "VM" of the cloud tests, booted
# from user-data berth makes (tests/tls-driver: the store's CA, a server
# certificate for NAME.berth.internal, userdata_build). Two VMs at once get
# bridges of their own; each answers over mutual TLS with its name pinned
# to its address; a VM killed -9 is swept by the next start of its name
# and comes back on another address with its data; stop leaves nothing.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-vm.sh"

DRIVER=$TOP_BUILDDIR/tests/tls-driver
[ -x "$DRIVER" ] || BAIL_OUT "no $DRIVER (make check builds it)"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

B=$((20 + RANDOM % 200))
A1=127.0.0.$B A2=127.0.0.$((B + 1)) A3=127.0.0.$((B + 2))
PORT=$(free_port "$A1")

"$DRIVER" userdata vmtest one.berth.internal -p "$PORT" >one.yaml &&
	"$DRIVER" userdata vmtest two.berth.internal -p "$PORT" >two.yaml &&
	"$DRIVER" client vmtest berth client
ok $? "the driver makes user-data and a client directory"

# ping NAME ADDRESS [CERTDIR]: /_ping over mutual TLS, NAME pinned to ADDRESS
ping() {
	local c=${3:-client}
	curl -sS --max-time 10 --cacert client/ca.pem --cert "$c/cert.pem" --key "$c/key.pem" \
		--connect-to "$1.berth.internal:$PORT:$2:$PORT" "https://$1.berth.internal:$PORT/_ping"
}

# bridges of ours: "NAME ALIAS" lines
our_bridges() {
	local n
	for n in /sys/class/net/bvm*; do
		[ -e "$n" ] || continue
		grep -H "$TEST_DIR" "$n/ifalias" 2>/dev/null
	done
}

vm_start one "$A1" one.yaml &
p1=$!
vm_start two "$A2" two.yaml &
p2=$!
wait "$p1" && wait "$p2"
ok $? "two VMs start at once"
vm_wait one "$A1"
vm_wait two "$A2"
is "$(ping one "$A1")" OK "VM one answers over mutual TLS, its name pinned to its address"
is "$(ping two "$A2")" OK "VM two too"
is "$(our_bridges | wc -l)" 2 "each has a bridge"
is "$(our_bridges | cut -d: -f1 | sort -u | wc -l)" 2 "... of its own"
like "$(cat "$(vm_dir one)/bridge")" '^bvm[0-9]+$' "the bridge's name is bvmN"
br=$(cat "$(vm_dir one)/bridge")
like "$(ip -4 -o addr show dev "$br")" "10\.214\.${br#bvm}\.1/24" "... with 10.214.N.1/24"

curl -sS --max-time 10 --cacert client/ca.pem \
	--connect-to "one.berth.internal:$PORT:$A1:$PORT" "https://one.berth.internal:$PORT/_ping" >/dev/null 2>&1
isnt $? 0 "without a client certificate the VM refuses"
curl -sS --max-time 10 --cacert client/ca.pem --cert client/cert.pem --key client/key.pem \
	"https://$A1:$PORT/_ping" >/dev/null 2>&1
isnt $? 0 "by address the server certificate does not match (no IP in it)"

"$DOCKER_CLI" -H "unix://$(vm_sock one)" network create kept >/dev/null
ok $? "the VM's own unix socket works (a network made on it)"

# a crash: dockerd killed -9, then the same VM started on another address
kill -9 "$(cat "$(vm_dir one)/pid")"
vm_start one "$A3" one.yaml
ok $? "VM one starts again after a kill -9"
vm_wait one "$A3"
is "$(ping one "$A3")" OK "... answers on its new address, same certificate"
"$DOCKER_CLI" -H "unix://$(vm_sock one)" network inspect kept >/dev/null 2>&1
ok $? "... and kept its data"
is "$(our_bridges | wc -l)" 2 "the crashed run's bridge was swept: still two"

vm_stop one
vm_stop two
ok $? "stop works"
is "$(our_bridges | wc -l)" 0 "no bridge of ours is left"
is "$(pgrep -f -- "$TEST_DIR/" | wc -l)" 0 "no process of the VMs is left"
is "$(grep -c -- "$TEST_DIR/" /proc/mounts)" 0 "no mount is left"
vm_stop one
ok $? "stopping a stopped VM is fine"

done_testing
