#!/bin/bash
# t3000-fanout: the pool's backend machinery against three private dockerds
# (two on unix sockets, one over mutual TLS), driven by tests/fanout-driver:
# listings, info, pings and parallel creates fanned out in one curl multi
# loop; a SIGSTOP'd engine (accepts, never answers) costs its own timeout
# and no more, a SIGKILL'd one fails at once, Ctrl-C ends the loop; images
# copied engine to engine and from a `docker save | gzip` file into several
# engines at once, with failures naming the side that failed, stalls caught
# mid-stream, and memory bounded while a 100 MB image streams through.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

DRIVER=${FANOUT_DRIVER:-$TOP_BUILDDIR/tests/fanout-driver}
[ -x "$DRIVER" ] || BAIL_OUT "no fan-out driver at $DRIVER (make tests/fanout-driver)"
command -v openssl >/dev/null || skip_all "openssl is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

IP=127.0.0.$((20 + RANDOM % 200))
PORT=$(free_port "$IP")
CERTS=$TEST_DIR/certs
make_tls_certs "$CERTS" "$IP"

engine_start one
engine_start two
engine_start three -H "tcp://$IP:$PORT" --tlsverify \
	--tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" --tlskey "$CERTS/server-key.pem"
busybox_image "$(engine_sock one)"

H1="one=$(engine_url one)"
H2="two=$(engine_url two)"
H3="three=tcp://$IP:$PORT,tls=$CERTS"
GONE="gone=unix://$TEST_DIR/gone.sock"

# fan ARGS...: the driver through run, with its wall time in $WALL (ms).
fan() {
	local t0=$(date +%s%N)
	run "$DRIVER" "$@"
	WALL=$((($(date +%s%N) - t0) / 1000000))
}

# line HOST: the driver's JSON line for HOST; jq-like field access with
# field HOST EXPR (a Python expression over the line bound to d).
line() { grep -F "\"host\":\"$1\"" "$OUTF" | head -n 1; }
field() { line "$1" | pyjson "$2"; }
total() { grep -F '"total_ms"' "$OUTF" | tail -n 1 | pyjson 'd["total_ms"]'; }

pid_of() { cat "$(engine_dir "$1")/pid"; }
answers() { [ "$(curl -s --max-time 2 --unix-socket "$(engine_sock "$1")" http://e/_ping)" = OK ]; }

# --- every engine answering -------------------------------------------------------------

dk one create --label pre=1 busybox true >/dev/null
dk one create --label pre=1 busybox true >/dev/null

fan --timeout 2000 list "$H1" "$H2" "$H3"
is "$RC" 0 "list over three engines: exit 0"
is "$(grep -c '"ok":true' "$OUTF")" 3 "... three results, all ok"
is "$(field one 'd["count"]')" 2 "... one lists its two containers (all=1)"
is "$(field two 'd["count"]'):$(field three 'd["count"]')" "0:0" "... two and three none"

fan --timeout 2000 --twice list "$H1" "$H2" "$H3"
is "$(grep -c '"ok":true' "$OUTF")" 6 "a second fan-out on the same backends (API known, no negotiation) works too"

fan info "$H1" "$H2" "$H3"
is "$RC" 0 "info over three engines: exit 0"
like "$(field three 'd["api"]')" '^1\.[0-9]+$' "... info carries the negotiated ApiVersion (TLS host too)"
is "$(field three 'd["api"]')" "$(field one 'd["api"]')" "... the same version on every engine"

fan ping "$H1" "$H2" "$H3"
is "$RC:$(grep -c '"ok":true' "$OUTF")" "0:3" "ping over three engines"

fan images "$H1" "$H2" "$H3"
is "$(field one 'd["count"]'):$(field two 'd["count"]'):$(field three 'd["count"]')" "1:0:0" \
	"image list: busybox on one only"

fan raw GET /containers/nosuch/json "$H1" "$H2" "$H3"
is "$RC" 1 "a generic request that fails everywhere: exit 1"
is "$(field two 'd["error"]')" "two: No such container: nosuch" "... each host's own engine error line"
is "$(field three 'd["kind"]')" "not_found" "... of kind not_found"

fan raw GET /version "$H1" "$H2" "$H3"
is "$RC:$(grep -c '"ok":true' "$OUTF")" "0:3" "a generic GET /version on three engines"

fan --max 1 list "$H1" "$H2" "$H3"
is "$RC:$(grep -c '"ok":true' "$OUTF")" "0:3" "one transfer at a time (--max 1) still answers for all"

# Creates: three per host, hosts side by side, started in the same loop.
fan create --start --count 3 busybox "$H1" "$H2" "$H3"
is "$RC" 1 "create where two hosts lack the image: exit 1"
is "$(grep -c '"host":"one","id":"[0-9a-f]\{64\}","ok":true,"started":true' "$OUTF")" 3 \
	"... one created and started three containers"
is "$(grep -c '"error":"two: No such image: busybox:latest"' "$OUTF")" 3 \
	"... two says No such image three times"
# busybox's sh exits at once without a terminal: running or exited, what
# tells a started container is its start time.
is "$(dk one inspect -f '{{.State.StartedAt}}' $(dk one ps -aq --filter label=berth.test=fanout) |
	grep -vc '^0001-01-01')" 3 "... the docker CLI sees three started on one"
id=$(line one | pyjson 'd["id"]')
isnt "$(dk one inspect -f '{{.State.StartedAt}}' "$id")" "0001-01-01T00:00:00Z" \
	"... the ID reported is a container that was started"

# --- images without a registry ----------------------------------------------------------

fan copy "$H1" busybox:latest "$H2"
is "$RC" 0 "copy busybox one -> two: exit 0"
is "$(field two 'd["loaded"]')" '["busybox:latest"]' "... two reports loading busybox:latest"
is "$(dk two image inspect -f '{{.Id}}' busybox:latest 2>&1)" \
	"$(dk one image inspect -f '{{.Id}}' busybox:latest)" "... the docker CLI finds the same image ID on two"

fan copy "$H1" nosuch:latest "$H2"
is "$RC" 1 "copy of an image the source lacks: exit 1"
like "$(field two 'd["error"]')" '^one: ' "... the error names the source host"
is "$(field two 'd["kind"]')" "not_found" "... as not found"
dk two image inspect nosuch:latest >/dev/null 2>&1
isnt "$?" 0 "... and nothing appeared on two"

fan copy "$H1" busybox:latest "$GONE"
is "$RC" 1 "copy to a target whose socket is gone: exit 1"
like "$(field gone 'd["error"]')" "^gone: cannot connect to the engine at unix://$TEST_DIR/gone.sock: no such socket" \
	"... the error names the target host"
ok "$([ "$WALL" -lt 1000 ] && echo 0 || echo 1)" "... at once (${WALL}ms)"

# One read, several uploads: a `docker save | gzip` file into two and three.
dk one save busybox:latest | gzip >busybox.tar.gz
dk two rmi busybox:latest >/dev/null
fan copy-file busybox.tar.gz "$H2" "$H3"
is "$RC" 0 "a gzipped tarball into two and three at once: exit 0"
is "$(field two 'd["loaded"]'):$(field three 'd["loaded"]')" '["busybox:latest"]:["busybox:latest"]' \
	"... both report loading it"
dk two image inspect busybox:latest >/dev/null 2>&1 && dk three image inspect busybox:latest >/dev/null 2>&1
ok $? "... the docker CLI finds it on both"

fan copy-file busybox.tar.gz "$H2" "$GONE"
is "$RC" 1 "one target of two gone: exit 1"
is "$(field two 'd["ok"]')" true "... the other target still loads"
like "$(field gone 'd["error"]')" '^gone: cannot connect' "... the gone one says why"

fan create --start busybox "$H1" "$H2" "$H3"
is "$RC:$(grep -c '"started":true' "$OUTF")" "0:3" "after distribution, a create on every host works"

# A 100 MB image: streamed, not held. ASan's quarantine keeps up to 256 MB
# of freed blocks resident (curl frees a buffer at every pause), which
# would measure ASan rather than the copy; a small quarantine does not.
mkdir -p big/data && head -c 100M /dev/urandom >big/data/blob && tar -C big -cf big.tar . &&
	rm -rf big && dk one import big.tar big:latest >/dev/null && rm -f big.tar ||
	BAIL_OUT "cannot build the 100 MB image"
if [ -x /usr/bin/time ]; then
	t0=$(date +%s%N)
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" run /usr/bin/time -f 'maxrss %M' \
		"$DRIVER" copy "$H1" big:latest "$H2"
	WALL=$((($(date +%s%N) - t0) / 1000000))
	is "$RC" 0 "copy of a 100 MB image one -> two: exit 0"
	rss=$(sed -n 's/^maxrss //p' "$ERRF")
	ok "$([ -n "$rss" ] && [ "$rss" -lt 65536 ] && echo 0 || echo 1)" \
		"... the copier's peak RSS stays under 64 MB (${rss:-?} KB for 105 MB)"
	diag "100 MB copy: ${WALL}ms, peak RSS ${rss:-?} KB"
else
	fan copy "$H1" big:latest "$H2"
	is "$RC" 0 "copy of a 100 MB image one -> two: exit 0"
	skip 1 "/usr/bin/time is not installed: no RSS measurement"
fi
is "$(dk two image inspect -f '{{.Id}}' big:latest 2>&1)" "$(dk one image inspect -f '{{.Id}}' big:latest)" \
	"... the docker CLI finds the same image ID on two"

fan --interrupt-after 300 copy "$H1" big:latest "$H3"
is "$RC" 1 "Ctrl-C during a copy: exit 1"
is "$(field three 'd["kind"]')" interrupted "... reported as interrupted"
ok "$([ "$WALL" -lt 1500 ] && echo 0 || echo 1)" "... promptly (${WALL}ms)"

# --- stalls mid-stream: the engine stopped once bytes flow ----------------------------------

# The bytes engine two's dockerd has read (its socket reads count).
rchar_two() { sed -n 's/^rchar: //p' "/proc/$(pid_of two)/io"; }

# stop_when_moved DRIVER-PID ENGINE BASE: SIGSTOPs ENGINE's dockerd once
# two has read 8 MB more than BASE: the tarball is flowing.
stop_when_moved() {
	local pid=$1 engine=$2 base=$3 i n
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		n=$(rchar_two)
		if [ "$((n - base))" -gt 8388608 ]; then
			kill -STOP "$(pid_of "$engine")"
			date +%s%N >"$TEST_DIR/stopped"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# copy_with_stall ENGINE: the big copy one -> two, ENGINE stopped once the
# bytes flow; sets RC, OUTF and STALL_MS (from the stop to the driver's end).
copy_with_stall() {
	local engine=$1 pid base
	rm -f "$TEST_DIR/stopped"
	base=$(rchar_two)
	"$DRIVER" --timeout 2000 --idle 1000 copy "$H1" big:latest "$H2" >"$OUTF" 2>"$ERRF" &
	pid=$!
	stop_when_moved "$pid" "$engine" "$base"
	wait "$pid"
	RC=$?
	local end=$(date +%s%N)
	kill -CONT "$(pid_of "$engine")"
	STALL_MS=-1
	[ -f "$TEST_DIR/stopped" ] && STALL_MS=$(((end - $(cat "$TEST_DIR/stopped")) / 1000000))
	wait_for 30 answers "$engine" || BAIL_OUT "$engine does not answer after SIGCONT"
}

dk two rmi big:latest >/dev/null
copy_with_stall two
is "$RC" 1 "the target stopped mid-upload: exit 1"
like "$(field two 'd["error"]')" "^two: the engine at unix://.*/docker.sock did not answer within 2s" \
	"... the error names the target, as a timeout"
ok "$([ "$STALL_MS" -ge 0 ] && [ "$STALL_MS" -lt 4500 ] && echo 0 || echo 1)" \
	"... noticed within 1s idle + 2s probe + margin (${STALL_MS}ms after the stop)"
dk two image inspect big:latest >/dev/null 2>&1
isnt "$?" 0 "... and two has no half-loaded image"

copy_with_stall one
is "$RC" 1 "the source stopped mid-export: exit 1"
like "$(field two 'd["error"]')" "^one: the engine at unix://.*/docker.sock did not answer within 2s" \
	"... the error names the source, as a timeout"
ok "$([ "$STALL_MS" -ge 0 ] && [ "$STALL_MS" -lt 4500 ] && echo 0 || echo 1)" \
	"... noticed within 1s idle + 2s probe + margin (${STALL_MS}ms after the stop)"
dk two image inspect big:latest >/dev/null 2>&1
isnt "$?" 0 "... and two has no half-loaded image"

# --- one engine stopped: accepts connections, never answers ----------------------------------

kill -STOP "$(pid_of two)"

fan --timeout 2000 list "$H1" "$H2" "$H3"
is "$RC" 1 "list with two stopped: exit 1"
is "$(field one 'd["ok"]'):$(field three 'd["ok"]')" "true:true" "... one and three answered"
is "$(field one 'd["count"]')" "$(dk one ps -aq | wc -l)" "... with their rows (as many as the docker CLI counts)"
like "$(field two 'd["error"]')" "^two: the engine at unix://$TEST_DIR/two/docker.sock did not answer within 2s \(GET /_ping\)$" \
	"... two: a timeout during negotiation"
is "$(field two 'd["kind"]')" timeout "... of kind timeout"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... the whole call returned within 2s + 1s (${WALL}ms)"
diag "stopped engine, 2s timeout: call took ${WALL}ms, two's result after $(field two 'd["elapsed_ms"]')ms"

fan --timeout 2000 list "$H1" "$H2,api=1.41" "$H3"
like "$(field two 'd["error"]')" "^two: .* did not answer within 2s \(GET /containers/json\)$" \
	"a pinned API version (no negotiation): the request itself times out"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... within 2s + 1s (${WALL}ms)"
is "$(field three 'd["count"]')" 1 "... three's rows are there"

fan --timeout 2000 info "$H1" "$H2" "$H3" "$H2" "$H2"
is "$(grep -c '"kind":"timeout"' "$OUTF")" 3 "three jobs on the stopped host: three timeouts"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... sharing one negotiation, within 2s + 1s (${WALL}ms)"

fan --timeout 2000 --max 2 ping "$H2" "$H1" "$H3"
is "$RC:$(field one 'd["ok"]'):$(field three 'd["ok"]')" "1:true:true" \
	"two transfers at a time, the stopped host holding one: the others still answer"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... within 2s + 1s (${WALL}ms)"

fan --timeout 10000 --interrupt-after 400 list "$H1" "$H2" "$H3"
is "$(field two 'd["error"]')" "two: interrupted" "Ctrl-C (berth_interrupted) during the wait: two is interrupted"
is "$(field one 'd["ok"]'):$(field three 'd["ok"]')" "true:true" "... the hosts that had answered keep their rows"
ok "$([ "$WALL" -lt 1400 ] && echo 0 || echo 1)" "... the loop ended at once, not after 10s (${WALL}ms)"

fan --timeout 2000 copy "$H1" busybox:latest "$H2"
is "$RC" 1 "copy to the stopped engine: exit 1"
like "$(field two 'd["error"]')" '^two: .* did not answer within 2s' "... the error names the target"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... within 2s + 1s (${WALL}ms)"

fan --timeout 2000 copy "$H2" busybox:latest "$H1"
like "$(field one 'd["error"]')" '^two: .* did not answer within 2s' "copy from the stopped engine: the error names the source"

kill -CONT "$(pid_of two)"
wait_for 30 answers two || BAIL_OUT "two does not answer after SIGCONT"
fan --timeout 2000 list "$H1" "$H2" "$H3"
is "$RC:$(grep -c '"ok":true' "$OUTF")" "0:3" "after SIGCONT all three answer again"

# --- one engine killed: connections refused ----------------------------------------------------

kill -KILL "$(pid_of three)"
wait_for 10 bash -c "! curl -s --max-time 1 http://$IP:$PORT/ >/dev/null 2>&1"

fan --timeout 2000 list "$H1" "$H2" "$H3" "$GONE"
is "$RC" 1 "list with three killed and a socket gone: exit 1"
is "$(field one 'd["ok"]'):$(field two 'd["ok"]')" "true:true" "... one and two answered"
is "$(field three 'd["error"]')" \
	"three: cannot connect to the engine at https://$IP:$PORT: connection refused (is the engine running and listening on that address?)" \
	"... three: connection refused, naming the URL"
is "$(field three 'd["kind"]')" connect "... of kind connect"
like "$(field gone 'd["error"]')" "^gone: cannot connect to the engine at unix://$TEST_DIR/gone.sock: no such socket" \
	"... gone: no such socket"
ok "$([ "$WALL" -lt 1000 ] && echo 0 || echo 1)" "... at once, not after a timeout (${WALL}ms)"

fan --timeout 2000 copy "$H1" busybox:latest "$H3"
like "$(field three 'd["error"]')" '^three: cannot connect' "copy to the killed engine: the error names the target"
ok "$([ "$WALL" -lt 1000 ] && echo 0 || echo 1)" "... at once (${WALL}ms)"

# --- what a real engine cannot produce on demand: tests/fake-engine.py ----------------------

FAKE="$TOP_SRCDIR/tests/fake-engine.py"
fake_n=0
# fake_start MODE [ARGS]: a fake engine on a unix socket; sets FAKE_SOCK.
fake_start() {
	fake_n=$((fake_n + 1))
	FAKE_SOCK="$TEST_DIR/fake$fake_n.sock"
	"$PYTHON" "$FAKE" --mode "$@" "$FAKE_SOCK" >"$TEST_DIR/fake$fake_n.log" 2>&1 &
	bg_track $!
	wait_for 10 grep -qx ready "$TEST_DIR/fake$fake_n.log" ||
		BAIL_OUT "fake engine ($1) did not start: $(cat "$TEST_DIR/fake$fake_n.log")"
}

fake_start garbage --api-version none
fan ping "$H1" "old=unix://$FAKE_SOCK"
is "$(field old 'd["error"]')" \
	"old: the engine at unix://$FAKE_SOCK speaks API 1.23, older than 1.24, the oldest berth supports: upgrade the engine" \
	"an engine without Api-Version: negotiated through GET /version in the loop, and refused"
is "$(field one 'd["ok"]')" true "... the other host unaffected"

fake_start garbage
fan list "$H1" "junk=unix://$FAKE_SOCK"
like "$(field junk 'd["error"]')" '^junk: the engine sent a malformed reply to GET /containers/json: ' \
	"a body that is not JSON: the synchronous client's malformed-reply line"

fake_start hang
fan --timeout 2000 list "$H1" "hang=unix://$FAKE_SOCK"
is "$(field hang 'd["error"]')" "hang: the engine at unix://$FAKE_SOCK did not answer within 2s (GET /containers/json: the reply had not ended after 40B)" \
	"an engine that hangs mid-body after a quick negotiation: the request's timeout"
ok "$([ "$WALL" -lt 3000 ] && echo 0 || echo 1)" "... ping and request together within 2s + 1s (${WALL}ms)"

done_testing
