#!/bin/bash
# spawn.sh: `berth host spawn --count COUNT` (10) against one spawn, on the
# project's fake Nova/Neutron behind a real Keystone (tests/lib-openstack.sh)
# with every server kept in BUILD for BUILD_DELAY (2) seconds, and the time
# from the VM running to its engine answering over mutual TLS:
#
#   bench/spawn.sh                      # build berth in bench/build, 3 runs
#   RUNS=5 COUNT=10 BUILD_DELAY=2 bench/spawn.sh
#   BERTH=/path/to/berth bench/spawn.sh # time that binary instead
#   CLOUD=ec2 bench/spawn.sh            # on moto (tests/lib-moto.sh), its VM
#                                       # watcher booting the instances
#
# Each run spawns one host, then COUNT hosts in one command, from the
# --json output: the wall time of the command, and per host RunningAfterMs
# and ActiveAfterMs (from the spawn's start); every host is destroyed
# between runs, and the next run waits until the harness has stopped its
# dockerd (not timed). Prints the medians side by side, the ratio COUNT /
# one (the goal: at most 1.5), the median time at which the run's last
# dockerd began to serve (from the dockerds' logs: the harness's share,
# which berth cannot make shorter), and the median running -> active time.
# Needs root (the fake boots dockerds), python3 with Keystone (the
# harness finds or installs it) and busybox-static.
set -euo pipefail

RUNS=${RUNS:-3}
COUNT=${COUNT:-10}
BUILD_DELAY=${BUILD_DELAY:-2}
CLOUD=${CLOUD:-openstack}
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
case $CLOUD in
openstack | ec2) ;;
*) die "CLOUD must be openstack or ec2, not '$CLOUD'" ;;
esac
[ -f "$top/tests/lib-$([ "$CLOUD" = ec2 ] && echo moto || echo openstack).sh" ] ||
	die "the harness for $CLOUD (tests/lib-*.sh) is missing"

# the tests' helpers and harness: a private HOME, then Keystone and the
# fake, or moto and its VM watcher
TOP_SRCDIR=$top
BERTH_BENCH=$BERTH
set +u
. "$top/tests/lib.sh"
if [ "$CLOUD" = ec2 ]; then . "$top/tests/lib-moto.sh"; else . "$top/tests/lib-openstack.sh"; fi
set -u
BERTH=$BERTH_BENCH
export BERTH_STORE_DIR=$TEST_DIR/store BERTH_CONFIG=$TEST_DIR/berth.yaml

if [ "$CLOUD" = ec2 ]; then
	# moto's VMs get addresses in 127.0.0.0/24: whoever boots them takes
	# turns (tests/ec2-hooks.sh)
	exec 9>"${TMPDIR:-/tmp}/berth-moto-vms.lock"
	flock 9
	moto_start "$TEST_DIR/moto"
	moto_watch_start
	VMS=$MOTO_WATCH_DIR
	cat >"$BERTH_CONFIG" <<YAML
clouds:
  lab:
    driver: ec2
    region: us-east-1
    endpoint_url: $MOTO_URL
    instance_type: $MOTO_INSTANCE_TYPE
    image: $MOTO_AMI
    subnet: $MOTO_SUBNET
    address: private
    allow_cidr: 127.0.0.0/8
YAML
else
	openstack_start --build-delay "$BUILD_DELAY"
	VMS=$OST_DIR/vms
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
fi
chmod 0600 "$BERTH_CONFIG"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# last_serving T0: when (ms after T0, epoch ms) the last dockerd the
# harness started after T0 began to serve on the TLS port, from the
# dockerds' own logs: the harness's share of a spawn's time.
last_serving() {
	"$PYTHON" - "$1" "$VMS"/*/log <<'PY'
import datetime, re, sys
t0, last = int(sys.argv[1]) / 1000, 0
for f in sys.argv[2:]:
    for line in open(f, errors="replace"):
        m = re.search(r'time="([0-9T:.-]+)', line)
        if not m or "API listen on" not in line or ":2376" not in line:
            continue
        day, frac = (m.group(1) + ".").split(".")[:2]
        t = datetime.datetime.strptime(day, "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc).timestamp() + float("0." + (frac or "0"))
        if t > t0:
            last = max(last, t - t0)
print(int(last * 1000))
PY
}

# spawn_once N: one timed host spawn of N hosts; "WALL_MS LAST_SERVING_MS
# RUN_TO_ACTIVE_MS..." on stdout
spawn_once() {
	local t0 t1 out names
	t0=$(now_ms)
	out=$("$BERTH" host spawn --count "$1" --json) || die "host spawn --count $1 failed"
	t1=$(now_ms)
	echo "$((t1 - t0)) $(last_serving "$t0") $("$PYTHON" -c '
import json, sys
print(" ".join(str(h["ActiveAfterMs"] - h["RunningAfterMs"]) for h in json.load(sys.stdin)))' <<<"$out")"
	names=$("$PYTHON" -c 'import json, sys; print(" ".join(h["Name"] for h in json.load(sys.stdin)))' <<<"$out")
	# shellcheck disable=SC2086
	"$BERTH" host destroy --force $names >/dev/null || die "host destroy failed"
	harness_quiet
}

# Until the harness has stopped the destroyed hosts' dockerds: tests/vmboot.py
# stops them one at a time under its machine-wide lock (up to a few
# seconds for ten), and a VM started meanwhile waits for that lock, which
# would count the last run's teardown in the next spawn's time.
harness_quiet() {
	local i
	for ((i = 0; i < 1200; i++)); do
		pgrep -f -- "--data-root $VMS/" >/dev/null || return 0
		sleep 0.1
	done
	die "the harness did not stop the destroyed hosts' dockerds within 120 s"
}

one=() many=() r2a=() h1=() hn=()
for ((run = 1; run <= RUNS; run++)); do
	# through a file: a failure in a process substitution would not stop the bench
	spawn_once 1 >"$TEST_DIR/once"
	read -r w h rest <"$TEST_DIR/once"
	one+=("$w"); h1+=("$h"); r2a+=($rest)
	spawn_once "$COUNT" >"$TEST_DIR/once"
	read -r w h rest <"$TEST_DIR/once"
	many+=("$w"); hn+=("$h"); r2a+=($rest)
	say "run $run: 1 host ${one[-1]} ms (last engine serving at ${h1[-1]}), $COUNT hosts ${many[-1]} ms (${hn[-1]})"
done
m1=$(printf '%s\n' "${one[@]}" | median)
mn=$(printf '%s\n' "${many[@]}" | median)
mr=$(printf '%s\n' "${r2a[@]}" | median)
e1=$(printf '%s\n' "${h1[@]}" | median)
en=$(printf '%s\n' "${hn[@]}" | median)
printf '%-28s %10s %10s %8s\n' "" "1 host" "$COUNT hosts" "ratio"
printf '%-28s %8s ms %8s ms %7.2fx  (goal <= %s)\n' \
	"host spawn ($([ "$CLOUD" = ec2 ] && echo moto || echo "BUILD ${BUILD_DELAY}s")), median" \
	"$m1" "$mn" "$(echo "$mn / $m1" | bc -l)" "$GOAL"
printf '%-28s %8s ms %8s ms %7.2fx  (the harness: dockerd start-ups)\n' "last engine serving, median" \
	"$e1" "$en" "$(echo "$en / ($e1 + ($e1 == 0))" | bc -l)"
printf '%-28s %8s ms  (median of %d hosts)\n' "VM running -> engine active" "$mr" "${#r2a[@]}"
# lib.sh's exit trap stops what the harness started; the bench is no TAP test
TAP_DONE=1
