#!/usr/bin/env bash
# t6000-ec2: the EC2 driver (backends/cloud/ec2.c) against moto's server
# with signature checking on, operation by operation through
# tests/cloud-driver; what the driver made is checked with separate signed
# calls (moto_ec2, curl's SigV4), not only through the driver itself. Last,
# an instance with berth's kind of user-data boots a dockerd (the VM
# watcher) reached over mutual TLS.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-moto.sh"

CD=$TOP_BUILDDIR/tests/cloud-driver
[ -x "$CD" ] || BAIL_OUT "tests/cloud-driver is not built"
moto_start "$TEST_DIR/moto"

STORE=st$$
EC2=(-p driver=ec2 -p "endpoint_url=$MOTO_URL" -p "network=$MOTO_SUBNET"
	-p "image=$MOTO_AMI" -p "flavor=$MOTO_INSTANCE_TYPE")
cd_run() { run "$CD" "${EC2[@]}" "$@"; }
field() { printf '%s\n' "$OUT" | head -n 1 | pyjson "d.get('$1')"; }
# EXPR over each JSON line of stdin (d), one result a line
each() { "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        d = json.loads(line)
        r = eval(sys.argv[1])
        print(r if isinstance(r, str) else json.dumps(r))' "$1"; }
# the count of <item> under a set in moto's XML, by a tiny XPath
xml_count() { "$PYTHON" -c '
import sys, xml.etree.ElementTree as T
r = T.fromstring(sys.stdin.read())
print(len([e for e in r.iter() if e.tag.split("}")[-1] == sys.argv[1]]))' "$1"; }
# the text of every element named $1 in moto's XML, one a line
xml_texts() { "$PYTHON" -c '
import sys, xml.etree.ElementTree as T
r = T.fromstring(sys.stdin.read())
for e in r.iter():
    if e.tag.split("}")[-1] == sys.argv[1]: print(e.text or "")' "$1"; }

# --- credentials --------------------------------------------------------------------

cd_run check
is "$RC" 0 "check: the IAM user's key from the environment works"
is "$OUT" '{"ok":true}' "check says ok"

( unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; cd_run check; echo "$RC" >"$TEST_DIR/rc" )
is "$(cat "$TEST_DIR/rc")" 0 "check: the key from ~/.aws/credentials works"

AWS_SECRET_ACCESS_KEY=wrong-secret-$$ cd_run check
is "$RC" 1 "a wrong secret key: exit 1"
one_line "$OUT" "a wrong secret key: one line"
contains "$(field message)" "credentials of profile default (from the environment) were refused" \
	"the line says the credentials were refused, and whose"
unlike "$OUT$ERR" "wrong-secret-$$|$AWS_ACCESS_KEY_ID" "it shows neither the secret nor the key ID"

AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 cd_run check
is "$RC" 1 "an unknown key ID: exit 1"
like "$(field message)" "refused.*(AuthFailure|InvalidClientTokenId)" "an unknown key ID is refused"

AWS_ACCESS_KEY_ID=$MOTO_ROLE_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_ROLE_SECRET_ACCESS_KEY \
	AWS_SESSION_TOKEN=$MOTO_ROLE_SESSION_TOKEN cd_run check
is "$RC" 0 "an assumed role's keys with AWS_SESSION_TOKEN work (X-Amz-Security-Token signed)"
AWS_ACCESS_KEY_ID=$MOTO_ROLE_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_ROLE_SECRET_ACCESS_KEY \
	AWS_SESSION_TOKEN=bad$MOTO_ROLE_SESSION_TOKEN cd_run check
is "$RC" 1 "a wrong session token is refused"

chmod 0644 "$HOME/.aws/credentials"
( unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; cd_run check
  printf '%s\n%s\n' "$RC" "$OUT" >"$TEST_DIR/out" )
is "$(head -n 1 "$TEST_DIR/out")" 1 "a credentials file others may read: exit 1"
contains "$(tail -n 1 "$TEST_DIR/out")" "chmod 600 $HOME/.aws/credentials" "the line names the fix"
chmod 0600 "$HOME/.aws/credentials"

run "$CD" -p driver=ec2 -p "endpoint_url=http://127.0.0.1:$(free_port)" check
is "$RC" 1 "an endpoint that does not answer: exit 1"
is "$(field error)" connect "... as a connection error"

# --- faults: throttling, garbage (a proxy in front of moto breaks replies) ------------------

PX=$TEST_DIR/proxy
mkdir -p "$PX"
PXPORT=$(free_port)
"$PYTHON" "$TOP_SRCDIR/tests/ec2-fault-proxy.py" --port "$PXPORT" --to "$MOTO_URL" --dir "$PX" \
	</dev/null >"$PX/log" 2>&1 &
bg_track $!
wait_for 20 test -f "$PX/port" || BAIL_OUT "the fault proxy did not start"
px_run() { # FAULTS... then the driver through the proxy
	local faults=$1
	shift
	printf '%s\n' $faults >"$PX/fault"
	echo 0 >"$PX/count"
	run "$CD" -p driver=ec2 -p "endpoint_url=http://127.0.0.1:$PXPORT" "$@"
}
px_run "" check
is "$RC" 0 "through the proxy: the signature still checks out"
px_run "throttle throttle" check
is "$RC" 0 "RequestLimitExceeded twice: retried, then it works"
is "$(cat "$PX/count")" 3 "... in three requests"
px_run "throttle throttle throttle throttle throttle" check
is "$RC" 1 "throttled every time: exit 1"
is "$(cat "$PX/count")" 5 "... after five tries"
is "$(field message)" "test: RequestLimitExceeded: Request limit exceeded." "... CODE: message"
px_run "html502" check
is "$RC" 0 "a 502 page once: retried, then it works"
px_run "html502 html502 html502 html502 html502" check
is "$RC" 1 "a 502 page every time: exit 1"
like "$(field message)" "answered HTTP 502 with no error code$" "... said in one line"
px_run "garbage" check
is "$RC" 1 "a reply that is not XML: exit 1"
is "$(field error)" protocol "... a protocol error"
one_line "$OUT" "... in one line"
px_run "truncated" list berth-store
is "$RC" 1 "a truncated reply: exit 1"
is "$(field error)" protocol "... a protocol error"

# --- instances ------------------------------------------------------------------------

printf '#cloud-config\nruncmd: [echo hello]\n' >"$TEST_DIR/ud"
TOKEN=spawn-$$-1
cd_run create h1 -u "$TEST_DIR/ud" -t "$TOKEN" "berth-store=$STORE" berth-host=h1 "berth-spawn=$TOKEN"
is "$RC" 0 "create: RunInstances works"
ID1=$(field id)
like "$ID1" '^i-[0-9a-f]+$' "an instance ID comes back"
like "$(field address)" '^127\.0\.0\.[0-9]+$' "its address is the subnet's private one"
is "$(field address)" "$(field private_address)" "address: the private one by default"

XML=$(moto_ec2 Action=DescribeInstances InstanceId.1="$ID1")
contains "$XML" "<key>berth-store</key><value>$STORE</value>" "tagged berth-store at launch"
contains "$XML" "<key>berth-spawn</key><value>$TOKEN</value>" "tagged berth-spawn at launch"
contains "$XML" "<key>Name</key><value>h1</value>" "named at launch"
XML=$(moto_ec2 Action=DescribeVolumes Filter.1.Name=attachment.instance-id Filter.1.Value.1="$ID1")
contains "$XML" "<key>berth-store</key><value>$STORE</value>" "its volume is tagged at launch too"
XML=$(moto_ec2 Action=DescribeInstanceAttribute InstanceId="$ID1" Attribute=userData)
is "$(printf '%s' "$XML" | xml_texts value | base64 -d)" "$(cat "$TEST_DIR/ud")" \
	"the user-data arrives whole (base64 in the request)"

cd_run create h1 -u "$TEST_DIR/ud" -t "$TOKEN" "berth-store=$STORE" berth-host=h1 "berth-spawn=$TOKEN"
is "$RC" 0 "create again with the same token works"
is "$(field id)" "$ID1" "... and gives the same instance"
XML=$(moto_ec2 Action=DescribeInstances Filter.1.Name=tag:berth-spawn Filter.1.Value.1="$TOKEN")
is "$(printf '%s' "$XML" | xml_count instanceId)" 1 "one instance for the token in moto"

cd_run create h2 -t spawn-$$-2 "berth-store=$STORE" berth-host=h2 "berth-spawn=spawn-$$-2"
ID2=$(field id)
cd_run create other -t spawn-$$-3 berth-store=someone-else berth-host=other
ID3=$(field id)

cd_run list "berth-store=$STORE"
is "$RC" 0 "list by tag works"
is "$(printf '%s\n' "$OUT" | each 'd["id"]' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$ID1" "$ID2" | sort | tr '\n' ' ')" "list berth-store=STORE: both of its instances"
cd_run list "berth-store=$STORE" berth-host=h2
is "$(printf '%s\n' "$OUT" | grep -c .)" 1 "list with two tags: one"
is "$(field id)" "$ID2" "... the right one"
cd_run list berth-host
is "$(printf '%s\n' "$OUT" | grep -c '"id"')" 3 "list by key alone: every instance with the key"

cd_run get "$ID1"
is "$RC" 0 "get works"
is "$(field id)" "$ID1" "get gives the instance"
like "$(field state)" '^(pending|running)$' "state pending or running"
is "$(printf '%s' "$OUT" | pyjson 'd["tags"]["berth-host"]')" h1 "get gives the tags"
is "$(field name)" h1 "and the name"

cd_run get i-0123456789abcdef0
is "$RC" 1 "get of an instance that never was: exit 1"
is "$(field error)" not_found "... not_found"

cd_run get-many "$ID2" "$ID1"
is "$RC" 0 "get-many: one DescribeInstances for several"
is "$(printf '%s\n' "$OUT" | each 'd["id"]' | tr '\n' ' ')" "$ID2 $ID1 " "... each in the order asked"
cd_run get-many "$ID1" i-0123456789abcdef0
is "$RC" 0 "get-many with an instance that never was (EC2 refuses the whole call)"
is "$(printf '%s\n' "$OUT" | each 'd.get("id") or "unknown " + d["unknown"]' | tr '\n' ' ')" \
	"$ID1 unknown i-0123456789abcdef0 " "... each alone then: the known one, the unknown one named"

cd_run delete "$ID2"
is "$RC" 0 "delete works"
cd_run get "$ID2"
is "$(field state)" gone "a terminated instance is gone"
cd_run list "berth-store=$STORE"
is "$(printf '%s\n' "$OUT" | grep -c '"id"')" 1 "list leaves it out"
cd_run delete "$ID2"
is "$RC" 0 "delete of a terminated instance is success"
cd_run delete i-0123456789abcdef0
is "$RC" 0 "delete of an unknown instance is success"

# --- errors from RunInstances ----------------------------------------------------------

run "$CD" -p driver=ec2 -p "endpoint_url=$MOTO_URL" -p "network=$MOTO_SUBNET" \
	-p image=ami-00000000deadbeef -p "flavor=$MOTO_INSTANCE_TYPE" \
	create bad -t spawn-$$-bad "berth-store=$STORE" "berth-spawn=spawn-$$-bad"
is "$RC" 1 "an unknown AMI: exit 1"
one_line "$OUT" "... one line"
like "$(field message)" '^test: InvalidAMIID\.[A-Za-z]+: ' "... CODE: message from EC2"
XML=$(moto_ec2 Action=DescribeInstances Filter.1.Name=tag:berth-spawn Filter.1.Value.1=spawn-$$-bad)
is "$(printf '%s' "$XML" | xml_count instanceId)" 0 "... and nothing was made"

head -c 20000 /dev/zero | tr '\0' x >"$TEST_DIR/big"
cd_run create big -u "$TEST_DIR/big" "berth-store=$STORE"
is "$RC" 1 "user-data over 16 KiB: exit 1"
contains "$(field message)" "EC2 takes 16384 at most" "... said before any call"

# --- security groups ---------------------------------------------------------------------

cd_run sg-ensure "berth-$STORE" 127.0.0.0/8 "berth-store=$STORE"
is "$RC" 0 "sg-ensure makes the group"
SG=$(field id)
like "$SG" '^sg-' "a group ID"
cd_run sg-ensure "berth-$STORE" 127.0.0.0/8 "berth-store=$STORE"
is "$(field id)" "$SG" "sg-ensure again: the same group"
XML=$(moto_ec2 Action=DescribeSecurityGroups GroupId.1="$SG")
contains "$XML" "<vpcId>$MOTO_VPC</vpcId>" "in the subnet's VPC"
contains "$XML" "<key>berth-store</key><value>$STORE</value>" "tagged in CreateSecurityGroup"
like "$XML" "<fromPort>2376</fromPort>.*<cidrIp>127.0.0.0/8</cidrIp>" "2376 open to the CIDR"
is "$(printf '%s' "$XML" | xml_count cidrIp)" 2 "one ingress rule (plus the default egress), not two"

cd_run create h4 -g "$SG" -t spawn-$$-4 "berth-store=$STORE" berth-host=h4 "berth-spawn=spawn-$$-4"
ID4=$(field id)
contains "$(moto_ec2 Action=DescribeInstances InstanceId.1="$ID4")" "<groupId>$SG</groupId>" \
	"an instance launched in the group"

# --- elastic IPs and the reconcile listing -----------------------------------------------------

cd_run addr-attach "$ID4" "berth-store=$STORE" berth-host=h4
is "$RC" 0 "addr-attach works"
EIP=$(field id)
ADDR=$(field address)
like "$EIP" '^eipalloc-' "an allocation ID"
XML=$(moto_ec2 Action=DescribeAddresses AllocationId.1="$EIP")
contains "$XML" "<instanceId>$ID4</instanceId>" "associated with the instance"
contains "$XML" "<key>berth-host</key><value>h4</value>" "tagged in AllocateAddress"
is "$(moto_ec2 Action=DescribeInstances InstanceId.1="$ID4" | xml_texts ipAddress)" "$ADDR" \
	"the instance's public address is the elastic IP"

cd_run resources "berth-store=$STORE"
is "$RC" 0 "resources works"
R=$OUT
kinds=$(printf '%s\n' "$R" | each '"%s %s %s" % (d["kind"], d["id"], d["attached_to"])' | sort)
contains "$kinds" "vm $ID1 None" "resources: the instance h1"
contains "$kinds" "vm $ID4 None" "resources: the instance h4"
contains "$kinds" "security_group $SG $ID4" "resources: the group, used by h4"
contains "$kinds" "address $EIP $ID4" "resources: the elastic IP, on h4"
unlike "$kinds" "$ID2|$ID3" "resources: not the terminated one, not another store's"

cd_run addr-release "$EIP"
is "$RC" 0 "addr-release works"
is "$(moto_ec2 Action=DescribeAddresses | xml_count allocationId)" 0 "the address is released"
cd_run addr-release "$EIP"
is "$RC" 0 "addr-release again is success"

cd_run delete "$ID4"
cd_run sg-delete "$SG"
is "$RC" 0 "sg-delete works"
is "$(moto_ec2 Action=DescribeSecurityGroups Filter.1.Name=group-name \
	Filter.1.Value.1="berth-$STORE" | xml_count groupId)" 0 "the group is gone"
cd_run sg-delete "$SG"
is "$RC" 0 "sg-delete of a deleted group is success"

cd_run delete "$ID1"
run "$CD" "${EC2[@]}" delete "$ID3"
cd_run resources "berth-store=$STORE"
is "$OUT" "" "resources: nothing of the store is left"

# --- a VM that boots a real engine ----------------------------------------------------------

if [ ! -f "$TOP_SRCDIR/tests/vmboot.py" ] || ! command -v dockerd >/dev/null ||
	[ "$(id -u)" -ne 0 ]; then
	skip 5 "the VM watcher needs tests/vmboot.py, dockerd and root"
	done_testing
fi

NAME=vm$$
C=$TEST_DIR/certs
mkdir -p "$C"
(
	cd "$C" || exit 1
	o() { openssl "$@" >>openssl.log 2>&1; }
	o req -x509 -new -nodes -newkey rsa:2048 -keyout ca-key.pem -out ca.pem -days 2 \
		-subj "/CN=t6000 CA" &&
	o req -new -nodes -newkey rsa:2048 -keyout server-key.pem -out server.csr -subj "/CN=$NAME" &&
	printf 'subjectAltName=DNS:%s.berth.internal\nextendedKeyUsage=serverAuth\n' "$NAME" >server.ext &&
	o x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
		-out server-cert.pem -days 2 -extfile server.ext &&
	o req -new -nodes -newkey rsa:2048 -keyout key.pem -out client.csr -subj "/CN=berth" &&
	printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
	o x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
		-out cert.pem -days 2 -extfile client.ext
) || BAIL_OUT "openssl failed: $(tail -n 5 "$C/openssl.log")"
b64() { base64 -w0 <"$C/$1"; }
cat >"$TEST_DIR/ud-real" <<EOF
#cloud-config
write_files:
  - path: /etc/docker/certs/ca.pem
    permissions: '0644'
    encoding: b64
    content: $(b64 ca.pem)
  - path: /etc/docker/certs/server-cert.pem
    permissions: '0644'
    encoding: b64
    content: $(b64 server-cert.pem)
  - path: /etc/docker/certs/server-key.pem
    permissions: '0600'
    encoding: b64
    content: $(b64 server-key.pem)
  - path: /etc/docker/daemon.json
    permissions: '0644'
    content: '{"tlsverify": true, "tlscacert": "/etc/docker/certs/ca.pem", "tlscert": "/etc/docker/certs/server-cert.pem", "tlskey": "/etc/docker/certs/server-key.pem", "hosts": ["tcp://0.0.0.0:2376", "unix:///var/run/docker.sock"]}'
runcmd:
  - [systemctl, restart, docker]
EOF

moto_watch_start
cd_run create "$NAME" -u "$TEST_DIR/ud-real" -t spawn-$$-vm "berth-store=$STORE" \
	"berth-host=$NAME" "berth-spawn=spawn-$$-vm"
VM=$(field id)
VMADDR=$(field address)
moto_wait_booted "$VM" 60
ok $? "the watcher boots the instance from its user-data"
ping_vm() {
	curl -sS --max-time 5 --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" \
		--resolve "$NAME.berth.internal:2376:$VMADDR" "https://$NAME.berth.internal:2376/_ping"
}
wait_for 120 ping_vm
is "$(ping_vm 2>&1)" OK "its engine answers over mutual TLS at the instance's address"
curl -sS --max-time 5 --cacert "$C/ca.pem" --resolve "$NAME.berth.internal:2376:$VMADDR" \
	"https://$NAME.berth.internal:2376/_ping" >/dev/null 2>&1
isnt "$?" 0 "... and refuses a client without a certificate"
cd_run delete "$VM"
wait_for 60 sh -c "! grep -q '^$VM ' '$MOTO_WATCH_DIR/booted'"
ok $? "terminating the instance stops its engine"
ping_vm >/dev/null 2>&1
isnt "$?" 0 "... which no longer answers"

done_testing
