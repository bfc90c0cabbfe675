#!/bin/bash
# t0020-docker0: the engines the tests start leave the machine's docker0
# alone (issue 9, item 11). A dockerd started with --bridge=none deletes
# the link named docker0; every extra engine gets a bridge of its own
# instead (tests/lib-dockerd.sh), which goes when the engine stops. When
# the machine has no docker0, the test makes a bare bridge of that name
# to stand for another daemon's, and removes it at the end; one that was
# there before is only looked at.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
command -v dockerd >/dev/null || skip_all "dockerd is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "a private dockerd needs root"
command -v ip >/dev/null || skip_all "ip (iproute2) is not installed"

# ours only while its alias says so: a daemon that took the name over
# meanwhile keeps it
DOCKER0_ALIAS="berth-test t0020 $$"
DOCKER0_MADE=0
_t0020_cleanup() {
	local status=$?
	_lib_forked && exit "$status" # a child before its exec: not the script's to clean up
	if [ "$DOCKER0_MADE" -eq 1 ] &&
		[ "$(cat /sys/class/net/docker0/ifalias 2>/dev/null)" = "$DOCKER0_ALIAS" ]; then
		ip link del docker0 2>/dev/null
	fi
	(exit "$status")
	_lib_cleanup
}
trap _t0020_cleanup EXIT

if [ ! -e /sys/class/net/docker0 ]; then
	ip link add name docker0 type bridge &&
		ip link set dev docker0 alias "$DOCKER0_ALIAS" ||
		BAIL_OUT "cannot create a bridge named docker0"
	DOCKER0_MADE=1
	diag "no docker0 on this machine: a bare bridge stands for one"
fi
DOCKER0_IF=$(cat /sys/class/net/docker0/ifindex)

# docker0 is the same link as at the start (not deleted and made again)
docker0_kept() {
	[ "$(cat /sys/class/net/docker0/ifindex 2>/dev/null)" = "$DOCKER0_IF" ]
}

engine_start one
docker0_kept
ok $? "docker0 is still there after an extra engine started"
B1=${ENGINE_BRIDGE[one]:-}
like "$B1" '^berth-[0-9]+$' "the engine got a bridge of its own ($B1)"
run "$DOCKER_CLI" -H "$(engine_url one)" network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' bridge
is "$OUT" "$B1" "... which is its default network's bridge"
contains "$(tr '\0' ' ' </proc/"$(cat "$(engine_dir one)/pid")"/cmdline 2>/dev/null)" \
	"--bridge $B1 --iptables=false" "... given with --iptables=false, and no --bridge=none"

engine_start two
docker0_kept
ok $? "docker0 is still there after a second one started"
B2=${ENGINE_BRIDGE[two]:-}
isnt "$B2" "$B1" "the second engine's bridge is another one ($B2)"
isnt "$(ip -4 -o addr show dev "$B1" | awk '{print $4}')" \
	"$(ip -4 -o addr show dev "$B2" | awk '{print $4}')" "... on another subnet"

busybox_image "$(engine_sock one)"
run "$DOCKER_CLI" -H "$(engine_url one)" run --rm busybox cat /proc/net/dev
is "$RC" 0 "a container runs on the engine's bridge"
contains "$OUT" "eth0" "... attached to it"
docker0_kept
ok $? "docker0 is still there after a container ran"

engine_stop one
[ ! -e "/sys/class/net/$B1" ]
ok $? "the bridge goes when its engine stops"
docker0_kept
ok $? "docker0 is still there after an engine stopped"

# a crashed run's bridge: named like ours, its owner gone
sleep 0 &
DEAD=$!
wait "$DEAD"
LEFT=
for n in 255 254 253; do
	if [ ! -e "/sys/class/net/berth-$n" ] &&
		ip link add name "berth-$n" type bridge 2>/dev/null; then
		ip link set dev "berth-$n" alias "berth-test $DEAD 1"
		LEFT=berth-$n
		break
	fi
done
engine_start three
if [ -n "$LEFT" ]; then
	[ ! -e "/sys/class/net/$LEFT" ]
	ok $? "a crashed run's leftover bridge ($LEFT) is deleted by the next one made"
else
	skip 1 "berth-253..255 are all taken"
fi
docker0_kept
ok $? "docker0 is still there after the third engine started"

engine_stop two
[ ! -e "/sys/class/net/$B2" ]
ok $? "the second engine's bridge went with it"
engine_stop three
docker0_kept
ok $? "docker0 is still there when every engine stopped"

done_testing
