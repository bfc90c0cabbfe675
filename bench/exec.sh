#!/bin/bash
# exec.sh: how long `berth container exec C true` takes, one-shot, next to
# `docker exec C true` and the raw API sequence with curl (exec create,
# start, inspect); and how many bytes a second go through
# `container exec -i C cat` next to `docker exec -i C cat`. One private
# engine, one running busybox container.
#
#   bench/exec.sh                          # build berth in bench/build, 100 rounds
#   ROUNDS=300 MIB=512 bench/exec.sh
#   BERTH=/path/to/berth bench/exec.sh     # time that binary instead
#
# The commands of each race run alternately, in a rotating order, so drift
# in the machine's load hits them alike; each run is timed with a
# monotonic clock around the process, from spawn to exit. Printed: median,
# 90th percentile and minimum of each, and the ratio of the medians to
# docker's (below 1: faster than the docker CLI) and, for exec true, to
# curl's. Needs root (dockerd), dockerd, the docker CLI, curl, python3 and
# busybox-static.
set -euo pipefail

ROUNDS=${ROUNDS:-100}
WARMUP=${WARMUP:-5}
MIB=${MIB:-256}           # the stream through cat, in MiB
STREAM_ROUNDS=${STREAM_ROUNDS:-5}
API=${API:-v1.41}

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "exec.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number, not '$WARMUP'"
[[ $MIB =~ ^[1-9][0-9]*$ ]] || die "MIB must be a positive number, not '$MIB'"
[[ $STREAM_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "STREAM_ROUNDS must be a positive number, not '$STREAM_ROUNDS'"
. "$here/lib.sh"
bench_require
bench_docker_cli
bench_berth

bench_workdir bexec
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

say "importing busybox and starting the container"
root="$work/busybox-root"
mkdir -p "$root/bin" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in sh sleep true cat wc; do ln -s busybox "$root/bin/$a"; done
tar -C "$root" -cf "$work/busybox.tar" .
"$DOCKER_CLI" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" busybox:latest >/dev/null
"$DOCKER_CLI" run -d --network none --name bexec busybox:latest sleep 86400 >/dev/null

# The raw sequence: what an exec is to the API, each step one curl.
cat >"$work/curl-exec.sh" <<EOF
#!/bin/sh
set -e
c="curl -s --fail --unix-socket $sock"
id=\$(\$c -X POST -H 'Content-Type: application/json' \\
	-d '{"AttachStdout":true,"AttachStderr":true,"Cmd":["true"]}' \\
	http://localhost/$API/containers/bexec/exec | sed 's/.*"Id":"\\([0-9a-f]*\\)".*/\\1/')
\$c -X POST -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":false}' \\
	http://localhost/$API/exec/\$id/start >/dev/null
\$c http://localhost/$API/exec/\$id/json | grep -q '"ExitCode":0'
EOF
chmod +x "$work/curl-exec.sh"

berth_exec=("$BERTH" container exec bexec true)
docker_exec=("$DOCKER_CLI" exec bexec true)
curl_exec=("$work/curl-exec.sh")
berth_cat=("$BERTH" container exec -i bexec cat)
docker_cat=("$DOCKER_CLI" exec -i bexec cat)
for c in berth_exec docker_exec curl_exec; do
	eval "\"\${$c[@]}\"" || die "$c failed"
done

say "writing $MIB MiB to stream through cat"
head -c $((MIB << 20)) /dev/urandom >"$work/stream.bin"

engine_version=$(curl -s --unix-socket "$sock" http://localhost/version |
	"$PYTHON" -c 'import json,sys; v=json.load(sys.stdin); print(v["Version"], "API", v["ApiVersion"])')
docker_version=$("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null || echo "?")
say "timing $ROUNDS rounds of exec (after $WARMUP warm-up rounds), $STREAM_ROUNDS of the stream"

"$PYTHON" - "$ROUNDS" "$WARMUP" "$STREAM_ROUNDS" "$work/stream.bin" \
	"berth container exec C true" "${#berth_exec[@]}" "${berth_exec[@]}" \
	"docker exec C true" "${#docker_exec[@]}" "${docker_exec[@]}" \
	"curl create+start+inspect" "${#curl_exec[@]}" "${curl_exec[@]}" \
	"berth container exec -i C cat" "${#berth_cat[@]}" "${berth_cat[@]}" \
	"docker exec -i C cat" "${#docker_cat[@]}" "${docker_cat[@]}" <<'EOF'
import os, subprocess, sys, time

rounds, warmup, srounds, stream = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rest, cmds = sys.argv[5:], []
while rest:
    name, n = rest[0], int(rest[1])
    cmds.append((name, rest[2:2 + n]))
    rest = rest[2 + n:]
latency, throughput = cmds[:3], cmds[3:]

def pct(xs, q):
    xs = sorted(xs)
    if len(xs) % 2 == 1 or q != 50:
        i = max(0, -(-len(xs) * q // 100) - 1)  # nearest rank
        return xs[i]
    return (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

def race(group, n, warm, once):
    times = {name: [] for name, _ in group}
    for r in range(warm + n):
        k = r % len(group)
        for name, argv in group[k:] + group[:k]:  # rotate who goes first
            t = once(name, argv)
            if r >= warm:
                times[name].append(t)
    return times

def exec_once(name, argv):
    t0 = time.perf_counter_ns()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    if p.returncode != 0:
        sys.exit("%s failed (exit %d): %s" % (name, p.returncode,
                                              p.stderr.decode(errors="replace").strip()))
    return (t1 - t0) / 1e6

size = os.path.getsize(stream)

def stream_once(name, argv):
    with open(stream, "rb") as f:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(argv, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        got = 0
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            got += len(b)
        err = p.stderr.read()
        rc = p.wait()
        t1 = time.perf_counter_ns()
    if rc != 0 or got != size:
        sys.exit("%s failed (exit %d, %d of %d bytes back): %s" % (
            name, rc, got, size, err.decode(errors="replace").strip()))
    return size / ((t1 - t0) / 1e9) / (1 << 20)  # MiB/s

times = race(latency, rounds, warmup, exec_once)
med = {n: pct(t, 50) for n, t in times.items()}
base, curl = "docker exec C true", "curl create+start+inspect"
print("%-32s %10s %10s %10s %16s %14s" % ("", "median ms", "p90 ms", "min ms", "median / docker",
                                          "median / curl"))
for name, _ in latency:
    t = times[name]
    print("%-32s %10.2f %10.2f %10.2f %15.2fx %13.2fx" % (name, med[name], pct(t, 90), min(t),
                                                           med[name] / med[base],
                                                           med[name] / med[curl]))
print()
rates = race(throughput, srounds, 1, stream_once)
med = {n: pct(t, 50) for n, t in rates.items()}
base = "docker exec -i C cat"
print("%-32s %10s %10s %16s" % ("%d MiB through cat" % (size >> 20), "median MiB/s", "max MiB/s",
                                "median / docker"))
for name, _ in throughput:
    t = rates[name]
    print("%-32s %12.1f %10.1f %15.2fx" % (name, med[name], max(t), med[name] / med[base]))
EOF
say "engine $engine_version; berth: $BERTH; docker CLI $docker_version: $DOCKER_CLI"
