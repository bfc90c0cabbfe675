#!/bin/bash
# pool-list.sh: one listing over a pool of slow engines. HOSTS (8) private
# dockerds, each behind a proxy that holds every request back DELAY_MS
# (50) ms, as a slow link would; berth knows all of them as its pool.
# Times, one-shot, from spawn to exit:
#
#   berth container list --all                 the pool: every host at once
#   for each host: docker -H unix://PROXY ps -a   a shell loop, one after another
#   berth -H NAME container list --all         each host alone
#
#   bench/pool-list.sh                          # build berth in bench/build, 11 runs
#   RUNS=21 HOSTS=8 CONTAINERS=4 DELAY_MS=50 bench/pool-list.sh
#   BERTH=/path/to/berth bench/pool-list.sh    # time that binary instead
#
# The commands run alternately, in a rotating order, so drift in the
# machine's load hits them alike. Prints the median, the 90th percentile
# and the minimum of each, the slowest single host (the largest of the
# single hosts' medians), and the ratios: berth's pool listing to the
# slowest single host (the goal: at most 1.3) and the docker loop to
# berth's pool listing. Needs root (dockerd), dockerd, the docker CLI,
# curl, python3 and busybox-static.
set -euo pipefail

RUNS=${RUNS:-11}
WARMUP=${WARMUP:-1}
HOSTS=${HOSTS:-8}
CONTAINERS=${CONTAINERS:-4} # per host
RUNNING=${RUNNING:-1}       # of them, how many are started
DELAY_MS=${DELAY_MS:-50}
STORE_IN=${STORE_IN:-}      # where berth's file store goes (default: the work dir, in /tmp)
GOAL=1.3

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "pool-list.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number, not '$WARMUP'"
[[ $HOSTS =~ ^[1-8]$ ]] || die "HOSTS must be a number from 1 to 8 (at most 8 daemons at once), not '$HOSTS'"
[[ $CONTAINERS =~ ^[1-9][0-9]*$ ]] || die "CONTAINERS must be a positive number, not '$CONTAINERS'"
[[ $RUNNING =~ ^[0-9]+$ ]] && ((RUNNING <= CONTAINERS)) ||
	die "RUNNING must be a number no larger than CONTAINERS ($CONTAINERS), not '$RUNNING'"
[[ $DELAY_MS =~ ^[0-9]+$ ]] || die "DELAY_MS must be a number of milliseconds, not '$DELAY_MS'"
[ -z "$STORE_IN" ] || [ -d "$STORE_IN" ] || die "STORE_IN=$STORE_IN is not a directory"
. "$here/lib.sh"
bench_require
bench_docker_cli

# --- a berth without sanitizers ----------------------------------------------

bench_berth

# --- engines and their proxies -------------------------------------------------

bench_workdir bpl
proxy_pid=
store=

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [ -n "$proxy_pid" ]; then
		kill -TERM "$proxy_pid" 2>/dev/null || true
		wait "$proxy_pid" 2>/dev/null || true
	fi
	bench_engines_stop
	[ -z "$store" ] || rm -rf "$store" 2>/dev/null || say "could not remove all of $store"
	rm -rf "$work" 2>/dev/null || say "could not remove all of $work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_engines_start "$HOSTS"

bench_private_env
if [ -n "$STORE_IN" ]; then
	store=$(mktemp -d "$STORE_IN/bpl-store.XXXXXX")
else
	store=$work/store
fi
export LC_ALL=C.UTF-8 BERTH_STORE_DIR="$store"

say "importing busybox and creating $CONTAINERS containers ($RUNNING running) on each engine"
bench_busybox_tar
for ((i = 1; i <= HOSTS; i++)); do
	(
		dk() { "$DOCKER_CLI" -H "unix://$work/e$i/docker.sock" "$@"; }
		dk import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" busybox:latest >/dev/null
		for ((c = 1; c <= CONTAINERS; c++)); do
			id=$(dk create --network none --name "e$i-c$c" --label bench=pool-list \
				busybox:latest sleep 86400)
			if ((c <= RUNNING)); then dk start "$id" >/dev/null; fi
		done
	) || die "cannot set up engine e$i"
done

# The proxies: one process, socket $work/pI.sock in front of engine I.
pairs=()
for ((i = 1; i <= HOSTS; i++)); do pairs+=("$work/p$i.sock=$work/e$i/docker.sock"); done
delay=$("$PYTHON" -c 'import sys; print(int(sys.argv[1]) / 1000)' "$DELAY_MS")
coproc PROXY { exec "$PYTHON" "$here/delay-proxy.py" --delay "$delay" "${pairs[@]}" 2>"$work/proxy.log"; }
proxy_pid=$PROXY_PID
read -r -t 30 line <&"${PROXY[0]}" && [ "$line" = ready ] ||
	{ cat "$work/proxy.log" >&2; die "the delaying proxy did not start"; }

# berth's pool: the host "local" is engine 1, h2..hN the others; no
# default_host, so a command without -H/--host acts on the whole pool.
name_of() { if (($1 == 1)); then echo local; else echo "h$1"; fi; }
export BERTH_CONFIG="$work/berth.yaml"
{
	echo "hosts:"
	for ((i = 1; i <= HOSTS; i++)); do
		echo "  $(name_of "$i"):"
		echo "    url: unix://$work/p$i.sock"
	done
} >"$BERTH_CONFIG"

# --- sanity: the delay is there; everyone sees the same containers ---------------

direct_ms=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$work/e1/docker.sock" http://localhost/_ping)
proxied_ms=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$work/p1.sock" http://localhost/_ping)
say "GET /_ping: ${direct_ms}s straight to engine 1, ${proxied_ms}s through its proxy"
"$PYTHON" -c 'import sys; sys.exit(float(sys.argv[2]) - float(sys.argv[1]) < float(sys.argv[3]) / 1000 * 0.9)' \
	"$direct_ms" "$proxied_ms" "$DELAY_MS" || die "the proxy does not delay GET /_ping by ${DELAY_MS} ms"

want=$(for ((i = 1; i <= HOSTS; i++)); do
	"$DOCKER_CLI" -H "unix://$work/p$i.sock" ps -aq --no-trunc
done | cut -c1-12 | sort)
[ "$(echo "$want" | wc -l)" -eq $((HOSTS * CONTAINERS)) ] ||
	die "the docker CLI lists $(echo "$want" | wc -l) containers through the proxies, not $((HOSTS * CONTAINERS))"
for ((i = 1; i <= HOSTS; i++)); do
	n=$("$BERTH" -H "$(name_of "$i")" container list --all -q | wc -l) ||
		die "berth -H $(name_of "$i") container list --all -q failed"
	[ "$n" -eq "$CONTAINERS" ] || die "berth -H $(name_of "$i") lists $n containers, not $CONTAINERS"
done
pool_ok=1
got=$("$BERTH" container list --all -q 2>"$work/pool.err" | cut -c1-12 | sort) || pool_ok=0
if [ "$pool_ok" -eq 1 ] && [ "$got" != "$want" ]; then pool_ok=0; fi
if [ "$pool_ok" -eq 0 ]; then
	say "WARNING: 'berth container list --all' does not list the pool's $((HOSTS * CONTAINERS)) containers"
	say "(it listed $(printf '%s' "$got" | grep -c '') of them; stderr: $(head -c 300 "$work/pool.err"))"
	say "timing the docker loop and the single hosts only"
fi

# --- the race ---------------------------------------------------------------------

socks=()
for ((i = 1; i <= HOSTS; i++)); do socks+=("unix://$work/p$i.sock"); done
cmds=()
if [ "$pool_ok" -eq 1 ]; then
	pool_cmd=("$BERTH" container list --all)
	cmds+=("berth, pool of $HOSTS" "${#pool_cmd[@]}" "${pool_cmd[@]}")
fi
loop_cmd=(bash -c 'for h in "${@:2}"; do "$1" -H "$h" ps -a || exit 1; done' loop "$DOCKER_CLI" "${socks[@]}")
cmds+=("docker ps -a loop, $HOSTS" "${#loop_cmd[@]}" "${loop_cmd[@]}")
for ((i = 1; i <= HOSTS; i++)); do
	one=("$BERTH" -H "$(name_of "$i")" container list --all)
	cmds+=("berth -H $(name_of "$i")" "${#one[@]}" "${one[@]}")
done

say "timing $RUNS runs (after $WARMUP warm-up) of $((HOSTS + 1 + pool_ok)) commands, ${DELAY_MS} ms added per request"
engine_version=$(curl -s --unix-socket "$work/e1/docker.sock" http://localhost/version |
	"$PYTHON" -c 'import json,sys; v=json.load(sys.stdin); print(v["Version"], "API", v["ApiVersion"])')
docker_version=$("$DOCKER_CLI" -H "unix://$work/e1/docker.sock" version --format '{{.Client.Version}}' 2>/dev/null || echo "?")

"$PYTHON" - "$RUNS" "$WARMUP" "$GOAL" "${cmds[@]}" <<'EOF'
import subprocess, sys, time

runs, warmup, goal = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rest, cmds = sys.argv[4:], []
while rest:
    name, n = rest[0], int(rest[1])
    cmds.append((name, rest[2:2 + n]))
    rest = rest[2 + n:]

times = {name: [] for name, _ in cmds}
for r in range(warmup + runs):
    k = r % len(cmds)
    for name, argv in cmds[k:] + cmds[:k]:  # rotate who goes first
        t0 = time.perf_counter_ns()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t1 = time.perf_counter_ns()
        if p.returncode != 0 or p.stderr:
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

med = {n: pct(t, 50) for n, t in times.items()}
print("%-28s %10s %10s %10s" % ("", "median ms", "p90 ms", "min ms"))
for name, _ in cmds:
    t = times[name]
    print("%-28s %10.1f %10.1f %10.1f" % (name, med[name], pct(t, 90), min(t)))
singles = [n for n, _ in cmds if n.startswith("berth -H ")]
slowest = max(singles, key=lambda n: med[n])
print("%-28s %10.1f   (%s)" % ("slowest single host", med[slowest], slowest))
pool = [n for n, _ in cmds if n.startswith("berth, pool")]
loop = [n for n, _ in cmds if n.startswith("docker ps -a loop")][0]
if pool:
    r = med[pool[0]] / med[slowest]
    print("berth pool / slowest single host: %.2fx (goal <= %.1fx: %s)"
          % (r, goal, "met" if r <= goal else "NOT met"))
    print("docker loop / berth pool:         %.2fx" % (med[loop] / med[pool[0]]))
else:
    print("berth pool: not timed (the pool listing is not there yet)")
    print("docker loop / slowest single host: %.2fx" % (med[loop] / med[slowest]))
EOF
say "runs $RUNS, $HOSTS hosts, $CONTAINERS containers each ($RUNNING running), ${DELAY_MS} ms per request"
say "berth's file store in $(df --output=fstype "$store" | tail -n 1) ($store)"
say "engine $engine_version; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "berth: $BERTH"
say "docker CLI $docker_version: $DOCKER_CLI"
