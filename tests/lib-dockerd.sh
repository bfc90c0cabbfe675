# lib-dockerd.sh: what every private dockerd of the test scripts
# (tests/lib.sh) and the benchmarks (bench/lib.sh) gets of its own so
# that it touches nothing of the machine's: a daemon.json naming a trust
# key of its own (dockerd_config), and for every extra daemon a bridge of
# its own. Bash.
#
# The key: dockerd 20.10 keeps the key its engine ID ("ID" in GET /info)
# comes from in /etc/docker/key.json, the same for every daemon on the
# machine unless deprecated-key-path names another. berth takes two hosts
# with one ID for one engine (issue 9, item 12), so each private daemon
# has its own key, in its own directory. Later dockerds keep the ID in the
# data root and know no such setting: they get an empty daemon.json.
#
#   dockerd_config FILE DIR   writes daemon.json FILE, the key in DIR
#
# The bridge:
#
# Why: a dockerd started with --bridge=none deletes the link named docker0
# as it starts (moby's removeDefaultBridgeInterface), and a restart over a
# data root that has a default network does too when --default-address-pool
# is given. Another daemon's docker0 on the machine would go, and its next
# `container start` would fail with "could not find bridge docker0". A
# daemon given a bridge of its own (--bridge NAME --iptables=false) leaves
# docker0 alone and writes no iptables rule.
#
#   bridge_new           creates one and sets BRIDGE_NEW to its name, or
#                        fails with a line on stderr
#   bridge_del NAME      deletes one this script made
#   bridge_del_all       deletes every one this script made (EXIT traps)
#
# Names and subnets: berth-N with 10.216.N.1/24, N from 0 to 255, taken
# under a lock that every script on the machine shares, so that scripts
# running at once (make -j2 check, a bench beside the suite) never take
# the same one. Each bridge's alias names its owner, "berth-test PID
# STARTTIME" (the script's shell); one whose owner is gone is a crashed
# run's, and the next bridge_new deletes it. The first, bridged daemon of
# a test script keeps its own berth0 (tests/lib.sh); bridges of other
# tools (any name without the berth- prefix and its alias) are never
# touched, and a /24 that already has an address on the machine is
# skipped.

dockerd_config() {
	local major
	major=$(dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
	if [ -n "$major" ] && [ "$major" -lt 23 ]; then
		printf '{ "deprecated-key-path": "%s/key.json" }\n' "$2" >"$1"
	else
		echo '{}' >"$1"
	fi
}

BRIDGE_PREFIX=berth-
BRIDGE_NET=10.216
BRIDGE_ALLOC_LOCK=/tmp/berth-bridges.lock
BRIDGES_MADE=()

# "PID STARTTIME" of a running process, or nothing.
_bridge_owner() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)
	[ -n "$st" ] && echo "$1 $st"
}

# The owner recorded in bridge NAME's alias, or nothing: not one of ours.
_bridge_alias_owner() {
	local alias
	alias=$(cat "/sys/class/net/$1/ifalias" 2>/dev/null) || return 0
	case $alias in
	"berth-test "*) echo "${alias#berth-test }" ;;
	esac
}

# Deletes the bridges of ours whose owner is gone (under the lock).
_bridge_sweep() {
	local name owner
	for name in $(ls /sys/class/net 2>/dev/null); do
		[[ $name =~ ^${BRIDGE_PREFIX}[0-9]+$ ]] || continue
		owner=$(_bridge_alias_owner "$name")
		[ -n "$owner" ] || continue
		[ "$(_bridge_owner "${owner%% *}")" = "$owner" ] && continue
		ip link del "$name" 2>/dev/null
	done
	return 0
}

bridge_new() {
	local fd n name me ok=1
	BRIDGE_NEW=
	command -v ip >/dev/null || { echo "ip (iproute2) is not installed" >&2; return 1; }
	me=$(_bridge_owner $$)
	exec {fd}>>"$BRIDGE_ALLOC_LOCK" || return 1
	if ! flock -w 120 "$fd"; then
		exec {fd}>&-
		echo "waited 2 minutes for $BRIDGE_ALLOC_LOCK" >&2
		return 1
	fi
	_bridge_sweep
	for ((n = 0; n < 256; n++)); do
		name=$BRIDGE_PREFIX$n
		[ -e "/sys/class/net/$name" ] && continue
		[ -z "$(ip -4 -o addr show to "$BRIDGE_NET.$n.0/24" 2>/dev/null)" ] || continue
		ok=0
		ip link add name "$name" type bridge &&
			ip link set dev "$name" alias "berth-test $me" &&
			ip addr add "$BRIDGE_NET.$n.1/24" dev "$name" &&
			ip link set dev "$name" up || ok=1
		break
	done
	if [ "$ok" -eq 0 ]; then
		BRIDGE_NEW=$name
		BRIDGES_MADE+=("$name")
	elif [ "$n" -ge 256 ]; then
		echo "no free bridge: $BRIDGE_PREFIX""0..255 are all in use" >&2
	else
		echo "cannot create the bridge $name" >&2
		ip link del "$name" 2>/dev/null
	fi
	exec {fd}>&-
	return "$ok"
}

bridge_del() {
	local n keep=()
	# ours only: a name this script made and whose alias still says so
	[ "$(_bridge_alias_owner "$1")" = "$(_bridge_owner $$)" ] &&
		ip link del "$1" 2>/dev/null
	for n in "${BRIDGES_MADE[@]}"; do [ "$n" = "$1" ] || keep+=("$n"); done
	BRIDGES_MADE=("${keep[@]}")
	return 0
}

bridge_del_all() {
	local n
	for n in "${BRIDGES_MADE[@]}"; do bridge_del "$n"; done
	BRIDGES_MADE=()
}
