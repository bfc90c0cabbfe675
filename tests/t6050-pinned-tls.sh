#!/bin/bash
# t6050-pinned-tls: a host reached the way a spawned one is. The store's CA
# and a server certificate naming only vm1.berth.internal (no address) come
# from backends/pool/pki.c, the user-data from userdata.c (tests/tls-driver),
# and tests/vmboot.py boots a "VM" from it on a loopback address. berth
# registers it with --tls-name and works over mutual TLS with the name
# pinned to the address; without the name the same certificate fails; a
# client certificate of another CA is refused; after the VM moves to
# another address, the host's new URL reaches it with the same certificate.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-vm.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
DRIVER=$TOP_BUILDDIR/tests/tls-driver
[ -x "$DRIVER" ] || BAIL_OUT "no $DRIVER (make check builds it)"
command -v openssl >/dev/null || skip_all "openssl is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

B=$((20 + RANDOM % 200))
A1=127.0.0.$B A2=127.0.0.$((B + 1))
PORT=$(free_port "$A1")
NAME=vm1.berth.internal

"$DRIVER" userdata t6050 "$NAME" -p "$PORT" >vm1.yaml &&
	"$DRIVER" client t6050 berth "$TEST_DIR/client" &&
	"$DRIVER" client t6050other stranger "$TEST_DIR/other"
ok $? "the store's CA makes the user-data and the client certificates"

vm_start vm1 "$A1" vm1.yaml
vm_wait vm1 "$A1"
SOCK=$(vm_sock vm1)
busybox_image "$SOCK"
"$DOCKER_CLI" -H "unix://$SOCK" create --name pinned busybox true >/dev/null ||
	BAIL_OUT "cannot create a container on the VM"
IDS=$("$DOCKER_CLI" -H "unix://$SOCK" ps -aq)

CERT=$(vm_dir vm1)/certs/server-cert.pem
SAN=$(openssl x509 -in "$CERT" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
is "$SAN" "DNS:$NAME" "the server certificate's SAN is the DNS name alone"
unlike "$(openssl x509 -in "$CERT" -noout -text)" "IP Address" "... no IP address in it"
SUM=$(sha256sum <"$CERT")

# --- pinned: the name checked, the address connected to ------------------------

berth host add vm1 "tcp://$A1:$PORT" --tls-dir "$TEST_DIR/client" --tls-name "$NAME"
is "$RC" 0 "host add --tls-name exits 0"
is "$OUT" vm1 "... and prints the name"
is "$ERR" "" "... the engine answered: no warning"

berth host list --json
is "$(pyjson '[h.get("tls_name") for h in d if h["name"] == "vm1"][0]' <"$OUTF")" "$NAME" \
	"the host's document keeps tls_name"

berth -H vm1 container list -a -q
is "$RC" 0 "container list over mutual TLS with the name pinned exits 0"
is "$OUT" "$IDS" "... and lists the VM's containers"

berth -H vm1 host info --json
is "$RC" 0 "host info over the pinned name exits 0"

# --- the same certificate without the name ------------------------------------------

berth host add byaddr "tcp://$A1:$PORT" --tls-dir "$TEST_DIR/client"
berth -H byaddr container list -a -q
is "$RC" 1 "by its address alone: exit 1 (the certificate names no address)"
one_line "$ERR" "... one line"
like "$ERR" "^berth: byaddr: " "... naming the host"

# --- a client certificate from another CA ------------------------------------------

mkdir -p foreign
cp client/ca.pem foreign/ca.pem
cp other/cert.pem other/key.pem foreign/
berth host add foreign "tcp://$A1:$PORT" --tls-dir "$TEST_DIR/foreign" --tls-name "$NAME"
start=$SECONDS
berth -H foreign container list -a -q
is "$RC" 1 "a client certificate from another CA: exit 1"
one_line "$ERR" "... one line"
like "$ERR" "^berth: foreign: .*TLS" "... naming the host and TLS"
is "$OUT" "" "... nothing on stdout"
ok $((SECONDS - start > 15)) "... promptly"

# --- usage -----------------------------------------------------------------------------

berth host add noname "tcp://$A1:$PORT" --tls-name "$NAME"
is "$RC" 2 "--tls-name without --tls-dir is a usage error"
berth host add badname "tcp://$A1:$PORT" --tls-dir "$TEST_DIR/client" --tls-name "a/b:1"
is "$RC" 2 "a TLS name that is no DNS name is a usage error"

# --- the VM's address changes ------------------------------------------------------------

vm_stop vm1
vm_start vm1 "$A2" vm1.yaml
vm_wait vm1 "$A2"
is "$(sha256sum <"$CERT")" "$SUM" "the VM came back on $A2 with the same certificate"

berth -H vm1 host info
is "$RC" 1 "the old address no longer answers: exit 1"
one_line "$ERR" "... one line"

berth host remove vm1
berth host add vm1 "tcp://$A2:$PORT" --tls-dir "$TEST_DIR/client" --tls-name "$NAME"
is "$RC" 0 "the host registered again at its new address"
berth -H vm1 container list -a -q
is "$RC" 0 "container list at the new address exits 0: the certificate is still valid"
is "$OUT" "$IDS" "... the same containers"

done_testing
