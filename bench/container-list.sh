#!/bin/bash
# container-list.sh: how long `berth container list --all` takes, one-shot,
# next to `docker ps -a` and a raw `curl --unix-socket` of the same
# endpoint, on one private engine holding $CONTAINERS containers.
#
#   bench/container-list.sh                 # build berth in bench/build, 200 rounds
#   ROUNDS=500 CONTAINERS=50 RUNNING=10 bench/container-list.sh
#   BERTH=/path/to/berth bench/container-list.sh   # time that binary instead
#
# The three commands run alternately, in a rotating order, so drift in the
# machine's load hits them alike; each run is timed with a monotonic clock
# (python3's perf_counter_ns around the process, from spawn to exit). The
# script prints the median and the 90th percentile of each, and the ratio
# of each to curl. It needs root (dockerd), dockerd, the docker CLI, curl,
# python3 and busybox-static; strace, when present, is used to check that
# berth's help and version paths connect nowhere and that a listing
# connects to the engine once.
set -euo pipefail

ROUNDS=${ROUNDS:-200}
WARMUP=${WARMUP:-10}
CONTAINERS=${CONTAINERS:-50}
RUNNING=${RUNNING:-10}  # of the containers, how many are started
API=${API:-v1.41}       # the version curl asks for; dockerd 20.10 speaks 1.41

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "container-list.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number, not '$WARMUP'"
[[ $CONTAINERS =~ ^[1-9][0-9]*$ ]] || die "CONTAINERS must be a positive number, not '$CONTAINERS'"
[[ $RUNNING =~ ^[0-9]+$ ]] && ((RUNNING <= CONTAINERS)) ||
	die "RUNNING must be a number no larger than CONTAINERS ($CONTAINERS), not '$RUNNING'"
. "$here/lib.sh"
bench_require
bench_docker_cli

# --- a berth without sanitizers ----------------------------------------------

bench_berth

# --- the private engine ------------------------------------------------------

bench_workdir bbench
sock="$work/docker.sock"
engine_pid=

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	bench_engine_stop
	rm -rf "$work" 2>/dev/null || say "could not remove all of $work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_engine_start

bench_private_env
export DOCKER_HOST="unix://$sock"

dk() { "$DOCKER_CLI" "$@"; }

say "importing busybox and creating $CONTAINERS containers ($RUNNING running)"
root="$work/busybox-root"
mkdir -p "$root/bin" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in sh sleep echo cat; do ln -s busybox "$root/bin/$a"; done
tar -C "$root" -cf "$work/busybox.tar" .
dk import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" busybox:latest >/dev/null
for ((i = 1; i <= CONTAINERS; i++)); do
	id=$(dk create --network none --name "bench-$i" --label bench=container-list \
		--label "index=$i" -e "INDEX=$i" busybox:latest sleep 86400)
	if ((i <= RUNNING)); then dk start "$id" >/dev/null; fi
done

# --- sanity: the three see the same containers; berth connects once -------------

berth_list=("$BERTH" container list --all)
docker_list=("$DOCKER_CLI" ps -a)
curl_list=(curl -s --fail --unix-socket "$sock" "http://localhost/$API/containers/json?all=1")

n=$("$BERTH" container list --all -q | wc -l) || die "berth container list --all -q failed"
[ "$n" -eq "$CONTAINERS" ] || die "berth lists $n containers, not $CONTAINERS"
n=$("${berth_list[@]}" | wc -l)
[ "$n" -eq $((CONTAINERS + 1)) ] || die "berth container list --all printed $n lines, not $((CONTAINERS + 1))"
n=$("${docker_list[@]}" | wc -l)
[ "$n" -eq $((CONTAINERS + 1)) ] || die "docker ps -a printed $n lines, not $((CONTAINERS + 1))"
n=$("${curl_list[@]}" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -eq "$CONTAINERS" ] || die "the engine lists $n containers, not $CONTAINERS"

# connects CMD...: how many times CMD connect()s to an engine: a docker
# socket or anything over TCP (not nscd's socket, which libc may try).
connects() {
	strace -f -qq -e trace=connect -o "$work/strace" "$@" >/dev/null 2>&1 || true
	grep -cE 'connect\(.*(sun_path="[^"]*docker\.sock"|AF_INET)' "$work/strace" || true
}
if command -v strace >/dev/null; then
	c_version=$(connects "$BERTH" --version)
	c_help=$(connects "$BERTH" container list --help)
	c_list=$(connects "${berth_list[@]}")
	say "berth connects: --version $c_version, container list --help $c_help, container list --all $c_list"
	[ "$c_version" -eq 0 ] || say "WARNING: berth --version connects ($c_version): it should not"
	[ "$c_help" -eq 0 ] || say "WARNING: berth container list --help connects ($c_help): it should not"
	[ "$c_list" -eq 1 ] || say "WARNING: berth container list --all connects $c_list times, not once"
else
	say "strace not installed: not checking berth's connections"
fi

# --- the race ---------------------------------------------------------------------

say "timing $ROUNDS rounds (after $WARMUP warm-up rounds)"
engine_version=$(curl -s --unix-socket "$sock" http://localhost/version |
	"$PYTHON" -c 'import json,sys; v=json.load(sys.stdin); print(v["Version"], "API", v["ApiVersion"])')
docker_version=$("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null || echo "?")

"$PYTHON" - "$ROUNDS" "$WARMUP" \
	"berth container list --all" "${#berth_list[@]}" "${berth_list[@]}" \
	"docker ps -a" "${#docker_list[@]}" "${docker_list[@]}" \
	"curl --unix-socket" "${#curl_list[@]}" "${curl_list[@]}" <<'EOF'
import subprocess, sys, time

rounds, warmup = int(sys.argv[1]), int(sys.argv[2])
rest, cmds = sys.argv[3:], []
while rest:
    name, n = rest[0], int(rest[1])
    cmds.append((name, rest[2:2 + n]))
    rest = rest[2 + n:]

times = {name: [] for name, _ in cmds}
for r in range(warmup + rounds):
    k = r % len(cmds)
    for name, argv in cmds[k:] + cmds[:k]:  # rotate who goes first
        t0 = time.perf_counter_ns()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t1 = time.perf_counter_ns()
        if p.returncode != 0:
            sys.exit("%s failed (exit %d): %s" % (name, p.returncode,
                                                  p.stderr.decode(errors="replace").strip()))
        if r >= warmup:
            times[name].append((t1 - t0) / 1e6)

def pct(xs, q):
    xs = sorted(xs)
    if len(xs) % 2 == 1 or q != 50:
        i = max(0, -(-len(xs) * q // 100) - 1)  # nearest rank
        return xs[i]
    return (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

base = "curl --unix-socket"
med = {n: pct(t, 50) for n, t in times.items()}
print("%-28s %10s %10s %10s %14s" % ("", "median ms", "p90 ms", "min ms", "median / curl"))
for name, _ in cmds:
    t = times[name]
    print("%-28s %10.2f %10.2f %10.2f %13.2fx" % (name, med[name], pct(t, 90), min(t),
                                                  med[name] / med[base]))
EOF
say "rounds $ROUNDS, containers $CONTAINERS ($RUNNING running), engine $engine_version"
say "berth: $BERTH"
say "docker CLI $docker_version: $DOCKER_CLI"
