#!/bin/bash
# create-count.sh: COUNT (100) containers over a pool of HOSTS (3) private
# engines, started, in one berth command against a shell loop of the
# docker CLI:
#
#   berth container create --count 100 --start busybox sleep 3600
#       berth places them by the pool's policy (least-loaded: most free
#       slots) and creates and starts them in parallel across the hosts
#   for i in 1..100: docker -H unix://ENGINE(i mod 3) run -d busybox sleep 3600
#       the same 100, round-robin over the three engines, one at a time
#
#   bench/create-count.sh                       # build berth in bench/build, 3 runs
#   RUNS=5 COUNT=100 bench/create-count.sh
#   BERTH=/path/to/berth bench/create-count.sh  # time that binary instead
#
# `container create` only creates unless --start is given, so berth runs
# with --start and docker with `run -d` (create, then start): like with
# like. Every container is deleted between runs (not timed); the two sides
# alternate which goes first. Each run is checked: COUNT containers, all
# running, and how berth spread them. Prints the median of each side and
# the ratio docker loop / berth (the goal: at least 2). Needs root
# (dockerd), dockerd, the docker CLI, curl, python3 and busybox-static.
set -euo pipefail

RUNS=${RUNS:-3}
COUNT=${COUNT:-100}
HOSTS=${HOSTS:-3}
GOAL=2

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "create-count.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive number, not '$COUNT'"
[[ $HOSTS =~ ^[1-8]$ ]] || die "HOSTS must be a number from 1 to 8 (at most 8 daemons at once), not '$HOSTS'"
. "$here/lib.sh"
bench_require
bench_docker_cli

# --- a berth without sanitizers ----------------------------------------------

bench_berth

# --- the engines -------------------------------------------------------------

bench_workdir bcc

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	bench_engines_stop
	rm -rf "$work" 2>/dev/null || say "could not remove all of $work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_engines_start "$HOSTS"

bench_private_env
export BERTH_STORE_DIR="$work/store"

socks=()
for ((i = 1; i <= HOSTS; i++)); do socks+=("unix://$work/e$i/docker.sock"); done
dk() { local i=$1; shift; "$DOCKER_CLI" -H "${socks[i - 1]}" "$@"; }

# berth's pool: the host "local" is engine 1, h2..hN the others; no
# default_host, so a command without -H/--host acts on the whole pool.
name_of() { if (($1 == 1)); then echo local; else echo "h$1"; fi; }
export BERTH_CONFIG="$work/berth.yaml"
{
	echo "hosts:"
	for ((i = 1; i <= HOSTS; i++)); do
		echo "  $(name_of "$i"):"
		echo "    url: ${socks[i - 1]}"
	done
} >"$BERTH_CONFIG"

say "importing busybox into each engine, and a first container on each (not timed)"
bench_busybox_tar
for ((i = 1; i <= HOSTS; i++)); do
	dk "$i" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" busybox:latest >/dev/null ||
		die "cannot import busybox into engine e$i"
	# The first container on a fresh engine pays for setting things up.
	id=$(dk "$i" run -d busybox:latest sleep 3600) || die "docker run -d fails on engine e$i"
	dk "$i" rm -f "$id" >/dev/null
done

# --- what each side runs, and the checks after it ---------------------------------

# Deletes every container on every engine, the engines in parallel.
delete_all() {
	local i pids=()
	for ((i = 1; i <= HOSTS; i++)); do
		(
			mapfile -t ids < <(dk "$i" ps -aq)
			[ "${#ids[@]}" -eq 0 ] || dk "$i" rm -f "${ids[@]}" >/dev/null
		) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || die "cannot delete the containers of a run"; done
}

# spread: how many containers each engine holds, running ones, as "a/b/c";
# checks that there are COUNT in all, all running.
spread() {
	local i n r total=0 out=
	for ((i = 1; i <= HOSTS; i++)); do
		n=$(dk "$i" ps -aq | wc -l)
		r=$(dk "$i" ps -q | wc -l)
		[ "$n" -eq "$r" ] || die "$1: engine e$i holds $n containers of which only $r run"
		total=$((total + n))
		out+="${out:+/}$n"
	done
	[ "$total" -eq "$COUNT" ] || die "$1: the engines hold $total containers, not $COUNT"
	echo "$out"
}

berth_cmd=("$BERTH" container create --count "$COUNT" --start busybox:latest sleep 3600)
run_berth() {
	local n
	"${berth_cmd[@]}" >"$work/berth.out" 2>"$work/berth.err" ||
		die "${berth_cmd[*]} failed: $(head -c 500 "$work/berth.err")"
	n=$(grep -c . "$work/berth.out" || true)
	[ "$n" -eq "$COUNT" ] || die "berth printed $n IDs, not $COUNT"
}

run_docker() {
	local i
	for ((i = 0; i < COUNT; i++)); do
		"$DOCKER_CLI" -H "${socks[i % HOSTS]}" run -d busybox:latest sleep 3600 >/dev/null ||
			die "docker run -d failed on ${socks[i % HOSTS]}"
	done
}

# timed NAME FUNCTION: runs it, appends its seconds to $work/NAME.times.
timed() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$2"
	t1=$EPOCHREALTIME
	"$PYTHON" -c 'import sys; print("%.3f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1" \
		>>"$work/$1.times"
}

count_ok=1
if ! "$BERTH" container create --help 2>&1 | grep -q -- '--count'; then
	count_ok=0
	say "WARNING: berth container create has no --count yet: timing the docker loop only"
fi

# --- the race ---------------------------------------------------------------------

engine_version=$(curl -s --unix-socket "$work/e1/docker.sock" http://localhost/version |
	"$PYTHON" -c 'import json,sys; v=json.load(sys.stdin); print(v["Version"], "API", v["ApiVersion"])')
docker_version=$("$DOCKER_CLI" -H "${socks[0]}" version --format '{{.Client.Version}}' 2>/dev/null || echo "?")

say "timing $RUNS runs: $COUNT containers over $HOSTS engines, each side in turn"
for ((r = 1; r <= RUNS; r++)); do
	order=(docker berth)
	((r % 2 == 1)) && order=(berth docker)
	for side in "${order[@]}"; do
		[ "$side" = berth ] && [ "$count_ok" -eq 0 ] && continue
		timed "$side" "run_$side"
		s=$(spread "$side")
		say "run $r: $side $(tail -n 1 "$work/$side.times")s, per engine $s"
		delete_all
	done
done

"$PYTHON" - "$work" "$GOAL" "$count_ok" "$COUNT" "$HOSTS" <<'EOF'
import statistics, sys

work, goal, count_ok, count, hosts = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
def load(name):
    with open("%s/%s.times" % (work, name)) as f:
        return [float(l) for l in f if l.strip()]
sides = [("berth create --count %s --start" % count, "berth")] if count_ok else []
sides.append(("docker run -d loop x%s" % count, "docker"))
med = {}
print("%-36s %10s %10s %10s" % ("", "median s", "min s", "max s"))
for label, name in sides:
    t = load(name)
    med[name] = statistics.median(t)
    print("%-36s %10.2f %10.2f %10.2f" % (label, med[name], min(t), max(t)))
if count_ok:
    r = med["docker"] / med["berth"]
    print("docker loop / berth: %.2fx (goal >= %.0fx: %s)" % (r, goal, "met" if r >= goal else "NOT met"))
else:
    print("berth: not timed (container create --count is not there yet)")
EOF
say "runs $RUNS, $COUNT containers over $HOSTS engines"
say "engine $engine_version; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "berth: $BERTH"
say "docker CLI $docker_version: $DOCKER_CLI"
