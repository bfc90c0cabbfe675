#!/bin/bash
# t5400-events: events over a pool of three private dockerds (two on unix
# sockets, one over mutual TLS): a container the docker CLI creates on
# each host appears in `events --json` within a second, with its host; a
# host whose daemon is killed is reported, retried with backoff and
# followed again once it is back; --since/--until replay a window and
# end; filters; Ctrl-C ends it without an error line.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-pool.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

pool_start --images
HOSTS="local two three"
dkh() { # HOST ARGS...: the docker CLI on berth's host HOST
	local h=$1
	shift
	case $h in local) pool_dk one "$@" ;; *) pool_dk "$h" "$@" ;; esac
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# seen PATTERN FILE: the pattern is in the file (fixed string)
seen() { grep -qF -- "$1" "$2"; }

# --- live events from three hosts -----------------------------------------------------

T0=$(date +%s)
"$BERTH" events --json >ev.out 2>ev.err &
EV=$!
bg_track "$EV"
# the streams open at once; give them a moment, --since covers the rest
sleep 2
lat=()
for h in $HOSTS; do
	dkh "$h" create --name "ev-$h" busybox true >/dev/null || BAIL_OUT "docker create on $h"
	t=$(ms)
	until seen "\"name\":\"ev-$h\"" ev.out || [ $(($(ms) - t)) -gt 10000 ]; do sleep 0.02; done
	lat+=($(($(ms) - t)))
done
diag "events latency (ms, docker create returned -> berth printed): ${lat[*]}"
for h in $HOSTS; do
	is "$("$PYTHON" -c '
import json, sys
for l in open("ev.out"):
    e = json.loads(l)
    if e.get("Action") == "create" and e["Actor"]["Attributes"].get("name") == "ev-" + sys.argv[1]:
        print(e["Host"], e["Type"])
' "$h")" "$h container" "the create on $h arrives as a JSON line naming its host"
done
slow=0
for l in "${lat[@]}"; do [ "$l" -le 1000 ] || slow=1; done
is "$slow" 0 "each within a second (${lat[*]} ms)"
json_lines_ok=$("$PYTHON" -c '
import json
n = 0
for l in open("ev.out"):
    json.loads(l); n += 1
print(n > 0)')
is "$json_lines_ok" True "--json: every line is one JSON document"

# --- a host that drops and comes back -------------------------------------------------------

engine_kill two
wait_for 20 grep -q '^berth: warning: two: .*retrying in' ev.err
ok $? "a killed host is reported, with the retry"
one=$(grep -c 'two: ' ev.err)
sleep 2
more=$(grep -c 'two: ' ev.err)
ok "$([ "$more" -gt "$one" ]; echo $?)" "... and retried with backoff ($one, then $more lines)"
kill -0 "$EV" 2>/dev/null
ok $? "the other hosts' streams go on"
dkh local create --name ev-during busybox true >/dev/null
wait_for 10 seen '"name":"ev-during"' ev.out
ok $? "... an event on another host still arrives"
pool_engine_restart two
wait_for 30 grep -q 'two: event stream back' ev.err
ok $? "the host is followed again once it is back"
dkh two create --name ev-back busybox true >/dev/null
wait_for 10 seen '"name":"ev-back"' ev.out
ok $? "... with its events"

# --- Ctrl-C -----------------------------------------------------------------------------------

kill -INT "$EV"
t=$(ms)
wait "$EV"
rc=$?
is "$rc" 130 "Ctrl-C ends events (status 130, as for an interrupted command)"
ok "$([ $(($(ms) - t)) -lt 3000 ]; echo $?)" "... at once"
is "$(grep -v 'warning: two' ev.err)" "" "... without an error line"

# --- a window: --since and --until -----------------------------------------------------------

T1=$(($(date +%s) + 1))
berth events --since "$T0" --until "$T1" --filter type=container --filter event=create
is "$RC" 0 "--since/--until: the replay ends by itself"
# (two's daemon was killed and restarted: it remembers events since)
for c in local:ev-local three:ev-three two:ev-back; do
	like "$OUT" "(^|
)${c%%:*} +[0-9T:.-]+Z container create [0-9a-f]{64} \([^
]*name=${c#*:}[,)]" "the table line of ${c#*:}: HOST TIME TYPE ACTION ID (ATTRS)"
done
unlike "$OUT" " start " "--filter event=create leaves other events out"
berth events --since 10m --until "$T1" --host two --json --filter event=create
is "$("$PYTHON" -c '
import json
print(sorted({json.loads(l)["Host"] for l in open("'"$OUTF"'")}))')" "['two']" "--host two: only two's events; --since takes a duration"
berth events --since yesterday
is "$RC" 2 "a time that is none of the three forms: usage error"
one_line "$ERR" "... in one line"
berth events --filter nokey --until "$T1"
is "$RC" 2 "a filter without '=': usage error"
done_testing
