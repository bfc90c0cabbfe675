#!/bin/bash
# t2320-fleet: a pool of 200 hosts, each a replayed engine
# (tests/replay-engine: 200 real engines cannot run here), keeps the
# fleet-scale rules honest: a pool listing and a cache refresh write each
# collection of the file store once (not once per host), and no more
# requests are in flight at once than pool.concurrency allows.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
REPLAY=$TOP_BUILDDIR/tests/replay-engine
[ -x "$REPLAY" ] || BAIL_OUT "no replay engine at $REPLAY (make tests/replay-engine)"
command -v strace >/dev/null || skip_all "strace is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

N=200
PER=20
CONC=8
mkdir -p "$TEST_DIR/r"
"$REPLAY" --containers "$PER" --delay 0.02 \
	"$TEST_DIR/r" "$N" >"$TEST_DIR/replay.out" 2>&1 &
bg_track $!
wait_for 60 grep -q ready "$TEST_DIR/replay.out" || BAIL_OUT "the replay engine did not start: $(cat "$TEST_DIR/replay.out")"
stats() { curl -s --unix-socket "$TEST_DIR/r/e1.sock" "http://x/_replay/$1"; }

export BERTH_STORE_DIR=$TEST_DIR/store
export BERTH_CONFIG=$TEST_DIR/berth.yaml
{
	printf 'pool:\n  concurrency: %d\nhosts:\n  local:\n    url: unix://%s/r/e1.sock\n' "$CONC" "$TEST_DIR"
	for ((i = 2; i <= N; i++)); do printf '  h%d:\n    url: unix://%s/r/e%d.sock\n' "$i" "$TEST_DIR" "$i"; done
} >"$BERTH_CONFIG"

RUN_TIMEOUT=300 berth container list --all
is "$RC:$ERR" "0:" "container list --all over $N hosts: exit 0, nothing on stderr"
is "$(tail -n +2 "$OUTF" | wc -l)" $((N * PER)) "... $((N * PER)) rows"

# the rows come host by host as the engines answer, in any order, and are
# shown in the hosts' order (the settings'), each host's in its engine's
expect_hosts() { echo local; for ((i = 2; i <= N; i++)); do echo "h$i"; done; }
is "$(tail -n +2 "$OUTF" | awk '{print $1}' | uniq)" "$(expect_hosts)" \
	"... in the hosts' order, each host's rows together"
is "$(awk 'NR > 1 && $1 == "h7" {print $NF}' "$OUTF" | head -3 | tr '\n' ' ')" \
	"h00000000007-c1 h00000000007-c2 h00000000007-c3 " "... and in its engine's order"

# rewrites: the renames of NAME.bson.tmp over NAME.bson, one per collection
# traced ARGS: berth ARGS under strace, its renames in trace (no leak
# check: LeakSanitizer cannot run under ptrace)
traced() {
	RUN_TIMEOUT=300 run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o "$TEST_DIR/trace" -e trace=rename,renameat,renameat2 "$BERTH" "$@"
}
max_pending() { stats stats | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["max_pending"])'; }
renames() { grep -c "rename.*\"$BERTH_STORE_DIR/$1.bson\"" "$TEST_DIR/trace" || true; }
stats reset >/dev/null
traced container list --all
is "$RC" 0 "again, under strace: exit 0"
# hosts.bson: at most once (none when only last_seen, seen moments ago,
# would change: backends/pool/pool.c)
h=$(renames hosts)
[ "$(renames containers)" = 1 ] && [ "$h" -le 1 ]
ok $? "... one rewrite of containers.bson and at most one of hosts.bson for $N hosts (hosts: $h)"
max=$(max_pending)
[ "$max" -le "$CONC" ] && [ "$max" -ge 2 ]
ok $? "... at most pool.concurrency ($CONC) requests at once, and more than one ($max)"

stats reset >/dev/null
traced cache refresh
is "$RC" 0 "cache refresh over $N hosts: exit 0"
is "$(renames containers):$(renames images):$(renames hosts)" "1:1:1" \
	"... one rewrite each of containers, images and hosts"
max=$(max_pending)
[ "$max" -le "$CONC" ] && [ "$max" -ge 2 ]
ok $? "... at most $CONC requests at once ($max)"

berth container list --cached --all -q
is "$RC:$(wc -l <"$OUTF")" "0:$((N * PER))" "the store holds every host's containers"
is "$(sort -u "$OUTF" | wc -l)" $((N * PER)) "... each once"

# two engines gone (their sockets elsewhere): their rows are the store's,
# marked stale, and the store keeps them (the listing's write copies the
# other hosts' documents over)
sed -e "s|/r/e3.sock|/r/gone3.sock|; s|/r/e9.sock|/r/gone9.sock|" "$BERTH_CONFIG" >"$TEST_DIR/gone.yaml"
BERTH_CONFIG=$TEST_DIR/gone.yaml RUN_TIMEOUT=300 berth container list --all
is "$RC" 0 "two hosts gone: exit 0 (the others answered)"
is "$(grep -c 'cannot connect' "$ERRF")" 2 "... one error line for each: $(head -1 "$ERRF")"
like "$(head -1 "$ERRF")" "h3: .*showing cached rows from" "... naming the host and the cached rows"
is "$(tail -n +2 "$OUTF" | wc -l)" $((N * PER)) "... every row still shown"
is "$(grep -c '(stale)' "$OUTF")" $((2 * PER)) "... theirs marked stale"
is "$(awk 'NR > 1 && $1 == "h3"' "$OUTF" | wc -l)" "$PER" "... in their place"
berth container list --cached --all -q
is "$RC:$(wc -l <"$OUTF")" "0:$((N * PER))" "... and the store still holds their containers"

done_testing
