#!/bin/bash
# spawn.sh: `berth host spawn --count COUNT` (10) against one spawn, on the
# project's fake Nova/Neutron behind a real Keystone (tests/lib-openstack.sh)
# with every server kept in BUILD for BUILD_DELAY (2) seconds, and the time
# from the VM running to its engine answering over mutual TLS:
#
#   bench/spawn.sh                      # build berth in bench/build, 3 runs
#   RUNS=5 COUNT=10 BUILD_DELAY=2 bench/spawn.sh
#   BERTH=/path/to/berth bench/spawn.sh # time that binary instead
#
# Each run spawns one host, then COUNT hosts in one command, from the
# --json output: the wall time of the command, and per host RunningAfterMs
# and ActiveAfterMs (from the spawn's start); every host is destroyed
# between runs (not timed). Prints the medians side by side, the ratio
# COUNT / one (the goal: at most 1.5), and the median running -> active
# time. Needs root (the fake boots dockerds), python3 with Keystone (the
# harness finds or installs it) and busybox-static.
set -euo pipefail

RUNS=${RUNS:-3}
COUNT=${COUNT:-10}
BUILD_DELAY=${BUILD_DELAY:-2}
GOAL=1.5

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "spawn.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive number, not '$COUNT'"
. "$here/lib.sh"
bench_require
bench_berth
[ -f "$top/tests/lib-openstack.sh" ] || die "tests/lib-openstack.sh is missing"

# the tests' helpers and harness: a private HOME, Keystone, the fake
TOP_SRCDIR=$top
BERTH_BENCH=$BERTH
set +u
. "$top/tests/lib.sh"
. "$top/tests/lib-openstack.sh"
set -u
BERTH=$BERTH_BENCH
export BERTH_STORE_DIR=$TEST_DIR/store BERTH_CONFIG=$TEST_DIR/berth.yaml

openstack_start --build-delay "$BUILD_DELAY"
cat >"$BERTH_CONFIG" <<YAML
clouds:
  lab:
    driver: openstack
    cloud: berth-test
    flavor: m1.tiny
    image: debian-12-docker
    network: private
    address: fixed
    allow_cidr: 127.0.0.0/8
YAML
chmod 0600 "$BERTH_CONFIG"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# spawn_once N: one timed host spawn of N hosts; "WALL_MS RUN_TO_ACTIVE_MS..." on stdout
spawn_once() {
	local t0 t1 out names
	t0=$(now_ms)
	out=$("$BERTH" host spawn --count "$1" --json) || die "host spawn --count $1 failed"
	t1=$(now_ms)
	echo "$((t1 - t0)) $("$PYTHON" -c '
import json, sys
print(" ".join(str(h["ActiveAfterMs"] - h["RunningAfterMs"]) for h in json.load(sys.stdin)))' <<<"$out")"
	names=$("$PYTHON" -c 'import json, sys; print(" ".join(h["Name"] for h in json.load(sys.stdin)))' <<<"$out")
	# shellcheck disable=SC2086
	"$BERTH" host destroy --force $names >/dev/null || die "host destroy failed"
}

one=() many=() r2a=()
for ((run = 1; run <= RUNS; run++)); do
	# through a file: a failure in a process substitution would not stop the bench
	spawn_once 1 >"$TEST_DIR/once"
	read -r w rest <"$TEST_DIR/once"
	one+=("$w"); r2a+=($rest)
	spawn_once "$COUNT" >"$TEST_DIR/once"
	read -r w rest <"$TEST_DIR/once"
	many+=("$w"); r2a+=($rest)
	say "run $run: 1 host ${one[-1]} ms, $COUNT hosts ${many[-1]} ms"
done
m1=$(printf '%s\n' "${one[@]}" | median)
mn=$(printf '%s\n' "${many[@]}" | median)
mr=$(printf '%s\n' "${r2a[@]}" | median)
printf '%-28s %10s %10s %8s\n' "" "1 host" "$COUNT hosts" "ratio"
printf '%-28s %8s ms %8s ms %7.2fx  (goal <= %s)\n' "host spawn (BUILD ${BUILD_DELAY}s), median" \
	"$m1" "$mn" "$(echo "$mn / $m1" | bc -l)" "$GOAL"
printf '%-28s %8s ms  (median of %d hosts)\n' "VM running -> engine active" "$mr" "${#r2a[@]}"
# lib.sh's exit trap stops what the harness started; the bench is no TAP test
TAP_DONE=1
