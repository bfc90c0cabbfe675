#!/usr/bin/env bash
# fleet-scale.sh: berth over 10, 100 and 1,000 hosts of 100 containers each:
# `container list --all` and `cache refresh`, wall time and peak RSS.
# The hosts are one replaying engine (tests/replay-engine, built beside
# berth): a thousand real engines cannot run on one machine. See bench/README.
set -euo pipefail

RUNS=${RUNS:-5}
SIZES=${SIZES:-"10 100 1000"}
CONTAINERS=${CONTAINERS:-100} # per host
CONCURRENCY=${CONCURRENCY:-}  # pool.concurrency; empty: berth's default
OLD_BERTH=${OLD_BERTH:-}      # a second berth to time side by side (e.g. main's)
REPLAY=${REPLAY:-}            # the replay engine; empty: tests/replay-engine beside BERTH

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "fleet-scale.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $CONTAINERS =~ ^[1-9][0-9]*$ ]] || die "CONTAINERS must be a positive number, not '$CONTAINERS'"
[[ -z $CONCURRENCY || $CONCURRENCY =~ ^[1-9][0-9]*$ ]] || die "CONCURRENCY must be a positive number"
max=0
for n in $SIZES; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES must be positive numbers, not '$n'"
	((n > max)) && max=$n
done
. "$here/lib.sh"
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3 || true); fi
[ -n "$PYTHON" ] || die "python3 is not installed"
built=${BERTH:+given}
bench_berth
# the replay engine of BERTH's build (a check program: make builds it on
# demand), or of the source tree's own
if [ -z "$REPLAY" ]; then
	b=$(dirname "$BERTH")
	[ -n "$built" ] || make -C "$b" -s tests/replay-engine >&2 || die "building the replay engine failed in $b"
	REPLAY=$b/tests/replay-engine
	[ -x "$REPLAY" ] || REPLAY=$top/tests/replay-engine
fi
[ -x "$REPLAY" ] || die "no replay engine beside $BERTH: run 'make check' or 'make tests/replay-engine' in its build directory (or set REPLAY)"
! ldd "$REPLAY" 2>/dev/null | grep -qE 'lib(a|ub|t)san' || die "$REPLAY is built with sanitizers"
if [ -n "$OLD_BERTH" ]; then
	[ -x "$OLD_BERTH" ] || die "OLD_BERTH=$OLD_BERTH is not an executable"
	! ldd "$OLD_BERTH" 2>/dev/null | grep -qE 'lib(a|ub|t)san' || die "$OLD_BERTH is built with sanitizers"
fi

bench_workdir bfs
replay_pid=
cleanup() {
	if [ -n "$replay_pid" ]; then
		kill "$replay_pid" 2>/dev/null || true
		wait "$replay_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_private_env
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
((max + 64 <= $(ulimit -n))) || die "$max hosts need more open files than ulimit -n ($(ulimit -n)) allows"

mkdir -p "$work/r"
coproc ENGINE { exec "$REPLAY" --containers "$CONTAINERS" "$work/r" "$max" 2>&1; }
replay_pid=$ENGINE_PID
read -r -t 120 line <&"${ENGINE[0]}" && [ "$line" = ready ] || die "the replay engine did not start: $line"
say "replay engine: $max hosts of $CONTAINERS containers under $work/r"

# one configuration per size: local is engine 1, h2..hN the others, no
# default_host: every command acts on the pool
for n in $SIZES; do
	{
		[ -z "$CONCURRENCY" ] || printf 'pool:\n  concurrency: %s\n' "$CONCURRENCY"
		printf 'hosts:\n  local:\n    url: unix://%s/r/e1.sock\n' "$work"
		for ((i = 2; i <= n; i++)); do
			printf '  h%d:\n    url: unix://%s/r/e%d.sock\n' "$i" "$work" "$i"
		done
	} >"$work/cfg$n.yaml"
done

"$PYTHON" - "$RUNS" "$CONTAINERS" "$work" "$SIZES" "$BERTH" "$OLD_BERTH" <<'EOF'
import os, subprocess, sys, time

runs, per = int(sys.argv[1]), int(sys.argv[2])
work, sizes = sys.argv[3], [int(x) for x in sys.argv[4].split()]
berths = [("new", sys.argv[5])] + ([("old", sys.argv[6])] if sys.argv[6] else [])
cmds = [("list", ["container", "list", "--all"]), ("refresh", ["cache", "refresh"])]

def run(berth, n, store, args):
    env = dict(os.environ, BERTH_CONFIG="%s/cfg%d.yaml" % (work, n), BERTH_STORE_DIR=store)
    out = open("%s/out" % work, "wb")
    t0 = time.perf_counter()
    p = subprocess.Popen([berth] + args, env=env, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out.close()
    if status != 0 or err:
        sys.exit("%s %s on %d hosts: exit %d: %s" % (berth, " ".join(args), n,
                 os.waitstatus_to_exitcode(status), err.decode(errors="replace").strip()))
    return wall, ru.ru_maxrss / 1024.0  # MiB

res = {}
for name, berth in berths:
    for n in sizes:
        store = "%s/store-%s-%d" % (work, name, n)
        run(berth, n, store, ["container", "list", "--all"])  # warm-up: host records made
        lines = sum(1 for _ in open("%s/out" % work))
        if lines != n * per + 1:
            sys.exit("%s: the listing of %d hosts has %d lines, not %d" % (name, n, lines, n * per + 1))
for r in range(runs):
    for n in sizes:
        order = berths[r % len(berths):] + berths[:r % len(berths)]
        for name, berth in order:
            store = "%s/store-%s-%d" % (work, name, n)
            for cname, args in cmds:
                res.setdefault((name, n, cname), []).append(run(berth, n, store, args))

def med(xs):
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2

print("%-6s %6s %9s  %10s %10s  %12s %12s" % ("berth", "hosts", "rows", "list s", "list MiB",
                                             "refresh s", "refresh MiB"))
for n in sizes:
    for name, _ in berths:
        l, f = res[(name, n, "list")], res[(name, n, "refresh")]
        print("%-6s %6d %9d  %10.3f %10.1f  %12.3f %12.1f" % (
            name, n, n * per, med([x[0] for x in l]), med([x[1] for x in l]),
            med([x[0] for x in f]), med([x[1] for x in f])))
if len(berths) > 1:
    print()
    print("old / new (medians)   list wall  list RSS  refresh wall  refresh RSS")
    for n in sizes:
        o = [med([x[k] for x in res[("old", n, c)]]) for c in ("list", "refresh") for k in (0, 1)]
        w = [med([x[k] for x in res[("new", n, c)]]) for c in ("list", "refresh") for k in (0, 1)]
        print("%5d hosts           %8.2fx %8.2fx %12.2fx %11.2fx" % (
            n, o[0] / w[0], o[1] / w[1], o[2] / w[2], o[3] / w[3]))
EOF
say "runs $RUNS (medians), $CONTAINERS containers per host, concurrency ${CONCURRENCY:-default}"
say "new: $BERTH"
say "replay engine: $REPLAY"
[ -z "$OLD_BERTH" ] || say "old: $OLD_BERTH"
