#!/bin/bash
# t5000-pool-states: host states over a pool of three private engines
# (local, two, three over mutual TLS). A SIGSTOP'd engine (accepts, never
# answers) and a SIGKILL'd one cost a listing no more than its timeout and
# are reported while the healthy host's rows are shown; after
# pool.error_threshold consecutive failures they turn inactive (reason,
# history, auto_inactive, next_probe in the store) and the pool skips them;
# SIGCONT / a restart and host probe (or housekeeping, once the backoff is
# over) bring them back. host add probes once; drain, activate and
# deactivate are recorded with their reason; slots; pool mode and --host;
# the pool: settings of the configuration.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-pool.sh"

cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
pool_start --images "pool:" "  error_threshold: 3"
TIMEOUT_MS=$((${POOL_TIMEOUT%s} * 1000))

now_ms() { echo $(($(date +%s%N) / 1000000)); }
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
# faster MS DESC: the last timed run took less than MS milliseconds
faster() { [ "$WALL" -lt "$1" ]; ok $? "$2 (${WALL} ms)"; }
# timed ARGS...: berth through run, its wall time in $WALL (ms)
timed() {
	local t0
	t0=$(now_ms)
	run "$BERTH" "$@"
	WALL=$(($(now_ms) - t0))
}
# hj NAME EXPR: EXPR over host NAME's object in `host list --json`
# (d; the listing itself asks the engines in service, like any listing)
hj() {
	run "$BERTH" host list --json
	"$PYTHON" -c '
import json, sys
docs = [x for x in json.load(open(sys.argv[3])) if x.get("name") == sys.argv[1]]
d = docs[0] if len(docs) == 1 else None
r = eval(sys.argv[2]) if d is not None else "%d objects named %s" % (len(docs), sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
' "$1" "$2" "$OUTF"
}
# state NAME: host NAME's STATE column in `host list`
state() {
	run "$BERTH" host list
	awk -v h="$1" 'NR > 1 && $1 == h { print $4 }' "$OUTF"
}
# rows HOST: the container names of HOST in the last HOST-column listing
rows() { awk -v h="$1" 'NR > 1 && $1 == h { print $NF }' "$OUTF" | sort | tr '\n' ' '; }
# json_hosts: the hosts of the last --json listing's live rows (cached
# ones shown for an unreachable host are "Stale"), and of its errors
json_hosts() {
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(set(r["Host"] for r in d if "Id" in r and not r.get("Stale")))) + "|" +
      " ".join(sorted(r["Host"] for r in d if "Error" in r)))
' "$OUTF"
}

pool_dk one create --network none --name c-one busybox true >/dev/null &&
	pool_dk two create --network none --name c-two busybox true >/dev/null &&
	pool_dk three create --network none --name c-three busybox true >/dev/null ||
	BAIL_OUT "cannot create the test containers"

# --- every host in service ------------------------------------------------------------

berth host list
is "$RC:$ERR" "0:" "host list over three answering engines: exit 0, nothing on stderr"
like "$(head -n 1 "$OUTF")" '^NAME +URL +TLS +STATE +REASON +AGE +SLOTS +ENGINE +CONTAINERS +LAST SEEN +CURRENT$' \
	"... header: NAME URL TLS STATE REASON AGE SLOTS ENGINE CONTAINERS LAST SEEN CURRENT"
VERSION=$(dk one version -f '{{.Server.Version}}')
like "$(grep '^three ' "$OUTF")" "^three +tcp://[^ ]+ +yes +active +[^ ]+ .* +$(re_quote "$VERSION") " \
	"... three (TLS) is active, its engine asked in the same listing"
MEM=$(dk one info -f '{{.MemTotal}}')
is "$(hj two 'd["Slots"]["Total"]')" "$((MEM / (512 * 1024 * 1024)))" \
	"... slots derived from the engine's memory (MemTotal / 512 MiB)"
is "$(hj local '[d["state"], d["errors"], d["drained"]]')" '["active", 0, false]' \
	"--json: local active, no errors, not drained"

berth container list --all
is "$RC:$(rows local)|$(rows two)|$(rows three)" "0:c-one |c-two |c-three " \
	"pool mode: container list covers the three hosts"
berth container list --all --host two --host three -q
is "$RC:$(sort "$OUTF" | tr '\n' ' ')" "0:$( (pool_dk two ps -aq; pool_dk three ps -aq) | sort | tr '\n' ' ')" \
	"--host two --host three narrows the listing to them"
berth container list --host nosuch
is "$RC" 2 "--host naming no host: exit 2"
is "$ERR" "berth: unknown host: nosuch (known: local, two, three)" "... one line naming the known hosts"
berth host info
is "$RC" 1 "host info without NAME in a pool of three: exit 1"
is "$ERR" "berth: this command acts on one host and the pool has 3 (local, two, three): add --host NAME or run 'host use NAME'" \
	"... says why and what to do"
berth -c "host use two; container list --all -q; host use --pool; container list --all -q"
is "$RC:$(wc -l <"$OUTF")" "0:4" "host use two pins (1 row), host use --pool unpins (3 rows)"
berth host use
is "$RC" 2 "host use without NAME or --pool: exit 2"

# --- one engine stopped, one killed ----------------------------------------------------

engine_freeze two
engine_kill three

timed container list --all
is "$RC" 0 "two stopped, three killed: container list still exits 0"
faster $((TIMEOUT_MS + 2500)) "... within the timeout (${TIMEOUT_MS} ms) plus a margin"
is "$(rows local)" "c-one " "... with local's row"
like "$(grep '^berth: two: ' "$ERRF")" 'did not answer within' "... two reported on stderr (a timeout)"
like "$(grep '^berth: three: ' "$ERRF")" 'cannot connect' "... three reported on stderr (refused)"
timed container list --all --json
is "$RC:$(json_hosts)" "0:local|three two" "--json: local's rows and error entries for two and three"
unlike "$ERR" 'now inactive' "two failures of three (the threshold): still in service"
# the third failure (this host list: it asks the engines in service) takes them out
berth host list
is "$RC" 0 "host list with two failing hosts: exit 0"
like "$ERR" 'warning: two is now inactive: 3 consecutive errors: ' "... says two went inactive"
like "$ERR" 'warning: three is now inactive: 3 consecutive errors: ' "... and three"
like "$(grep '^two ' "$OUTF")" '^two +[^ ]+ +[^ ]+ +inactive +3 consecutive errors' \
	"host list shows two inactive with the reason"
is "$(hj three '[d["state"], d["auto_inactive"], d["errors"], d["history"][-1]["state"]]')" \
	'["inactive", true, 3, "inactive"]' "three's document: inactive, auto_inactive, 3 errors, in its history"
like "$(hj three 'd["state_reason"]')" '^3 consecutive errors: cannot connect' \
	"... the reason names the last error"
is "$(hj two 'bool(d["next_probe"]) and bool(d["state_changed"])')" true \
	"... next_probe and state_changed are set"

timed container list --all --json
is "$RC:$ERR:$(json_hosts)" "0::local|" "inactive hosts are skipped: container list is local's, nothing on stderr"
faster 1500 "... and does not wait for them"
berth container list --all --host two
like "$ERR" "two: " "--host two (inactive, but named) is still asked"

berth host probe
is "$RC:$OUT:$ERR" "0::" "host probe before the backoff is over: nothing due, silent"
berth host probe --json
is "$(pyjson 'len(d)' <"$OUTF")" 0 "... --json: no host probed"
timed host probe two three
is "$RC" 1 "host probe two three while they are down: exit 1"
faster 3000 "... a probe waits no longer than the connect timeout (1s)"
is "$(grep -c '^berth: ' "$ERRF")" 2 "... one line each"
is "$(hj two '[d["state"], d["probe_backoff"]]')" '["inactive", 60000]' \
	"... two stays inactive, its probe backoff doubled to 60s"

# --- back -------------------------------------------------------------------------------

engine_thaw two
pool_engine_restart three
berth container list --all --host two -q
is "$RC:$(cat "$OUTF")" "0:$(pool_dk two ps -aq)" "two answers again: --host two lists it"
is "$(state two)" inactive "... yet an answer by the way does not bring it back (a probe does)"
berth host probe two three
is "$RC" 0 "after SIGCONT and a restart, host probe two three: exit 0"
is "$OUT" $'two: inactive -> active (probe answered)\nthree: inactive -> active (probe answered)' \
	"... one line per change of state"
is "$(hj three '[d["state"], d["errors"], d["auto_inactive"], d["next_probe"], d["state_reason"]]')" \
	'["active", 0, false, null, "probe answered"]' "three's document: active again, errors reset"
berth host probe two
is "$RC:$OUT" "0:" "probing an active host that answers: no change, no line"
berth container list --all
is "$RC:$ERR:$(rows two)|$(rows three)" "0::c-two |c-three " "two and three are listed again"

# --- drain, deactivate, activate --------------------------------------------------------

berth host drain two --reason "kernel update"
is "$RC:$OUT" "0:two: active -> active,drained (kernel update)" "host drain two --reason: one line"
is "$(state two)" "active,drained" "host list: STATE active,drained"
is "$(hj two '[d["drained"], d["state_reason"], d["history"][-1]["reason"]]')" \
	'[true, "kernel update", "kernel update"]' "... drained, the reason recorded and in the history"
berth container list --all
is "$(rows two)" "c-two " "a drained host is still listed"
berth host activate two
is "$RC:$OUT" "0:two: active,drained -> active (host activate)" "host activate two: undrained"
is "$(hj two '[d["drained"], d["state"]]')" '[false, "active"]' "... drained false, active"
berth host activate two
is "$RC:$OUT" "0:two: already active" "host activate of an active host: says so"

berth host deactivate three --reason "disk swap"
is "$RC:$OUT" "0:three: active -> inactive (disk swap)" "host deactivate three --reason"
is "$(hj three '[d["state"], d["state_reason"], d["auto_inactive"]]')" '["inactive", "disk swap", false]' \
	"... inactive by hand (auto_inactive false)"
berth container list --all --json
is "$RC:$(json_hosts)" "0:local two|" "... skipped by listings"
berth host probe --json
is "$(pyjson '[r["Host"] for r in d]' <"$OUTF")" '[]' "... and by bare probes (a hand must bring it back)"
berth housekeeping
is "$RC:$OUT:$(state three)" "0::inactive" "... and by housekeeping"
berth host deactivate three --reason ""
is "$RC" 2 "host deactivate --reason '': exit 2"
berth host activate three
is "$RC:$OUT" "0:three: inactive -> active (host activate)" "host activate three"
berth host drain nosuch
is "$RC:$ERR" "2:berth: unknown host: nosuch (known: local, two, three)" "host drain of an unknown host: exit 2 (a usage error)"

for i in $(seq 12); do
	"$BERTH" host drain local >/dev/null 2>&1 && "$BERTH" host activate local >/dev/null 2>&1 ||
		fail "drain/activate round $i"
done
is "$(hj local '[len(d["history"]), d["history"][-1]["reason"], d["history"][-2]["reason"]]')" \
	'[20, "host activate", "host drain"]' "24 transitions later the history holds the last 20"

# --- slots ------------------------------------------------------------------------------

berth host slots two 4
is "$RC:$OUT" "0:two: 4 slots" "host slots two 4"
pool_dk two run -d --network none --label berth.slots=3 --name big busybox sleep 600 >/dev/null
berth cache refresh
berth host list
like "$(grep "^two " "$OUTF")" "^two +.* 4/4 " "host list: SLOTS used/total from the cache (c-two created: 1, big running: 3, of 4)"
berth host slots two auto
is "$RC" 0 "host slots two auto"
is "$(hj two '[d["slots"], d["Slots"]["Total"]]')" "[null, $((MEM / (512 * 1024 * 1024)))]" \
	"... back to engine memory / slot_memory"
berth host slots two 0
is "$RC" 2 "host slots two 0: exit 2"
berth host slots two lots
like "$RC:$ERR" '^2:berth: invalid slots .lots. for host two' "host slots two lots: exit 2, one line"

# --- host add probes once ---------------------------------------------------------------

berth host add ghost "unix://$TEST_DIR/nothing.sock"
is "$RC:$OUT" "0:ghost" "host add of a host that does not answer: exit 0"
is "$(wc -l <"$ERRF")" 1 "... one warning line"
like "$ERR" "^berth: warning: ghost does not answer yet" "... saying it stays spawned"
is "$(hj ghost 'd["state"]')" spawned "... it is spawned"
berth container list --all
is "$RC:$ERR" "0:" "a spawned host does not disturb listings"
engine_start four
berth host add four "$(engine_url four)" --slots 2
is "$RC:$OUT:$ERR" "0:four:" "host add of a host that answers: exit 0, quiet"
is "$(hj four '[d["state"], d["state_reason"], d["slots"]]')" '["active", "host add: engine answered", 2]' \
	"... active at once, slots 2"
is "$(hj four 'd["engine"]["id"]')" "$(eapi four GET /info | pyjson 'd["ID"]')" \
	"... its engine's ID recorded"
berth host remove four
engine_stop four
berth host add bad "unix://$TEST_DIR/x.sock" --slots -1
is "$RC" 2 "host add --slots -1: exit 2"

# --- the threshold and the backoff in housekeeping ------------------------------------------

cp "$BERTH_CONFIG" one.yaml
sed -i 's/error_threshold: 3/error_threshold: 1/' one.yaml
engine_freeze two
BERTH_CONFIG=$TEST_DIR/one.yaml run "$BERTH" container list --all
like "$ERR" 'warning: two is now inactive: 1 consecutive error: ' \
	"pool.error_threshold 1 from the configuration: one failure takes two out"
engine_thaw two
berth housekeeping
is "$RC:$OUT" "0:" "housekeeping before two's next probe is due: nothing to say"
diag "waiting for the 30s probe backoff"
sleep 31
berth housekeeping
is "$RC" 0 "housekeeping after the backoff: exit 0"
is "$OUT" "two: inactive -> active (probe answered)" "... one line: two is back (ghost still silent)"
is "$(hj ghost '[d["state"], d["probe_backoff"]]')" '["spawned", 60000]' \
	"ghost was probed again: still spawned, backoff doubled"
berth housekeeping
is "$RC:$OUT:$ERR" "0::" "a housekeeping with nothing to do is silent"

# --- the pool: settings -----------------------------------------------------------------

bad_config() { # YAML-LINE... -> runs host list with that configuration
	printf '%s\n' "$@" >bad.yaml
	BERTH_CONFIG=$TEST_DIR/bad.yaml run "$BERTH" host list
}
bad_config "pool:" "  error_threshold: 0"
like "$RC:$ERR" "^1:berth: .*bad.yaml:2: pool.error_threshold: invalid value '0'" \
	"pool.error_threshold 0: exit 1, file:line"
bad_config "pool:" "  policy: fastest"
like "$RC:$ERR" "^1:berth: .*bad.yaml:2: pool.policy: unknown policy 'fastest': use least-loaded, round-robin or random" \
	"pool.policy fastest: file:line and the choices"
bad_config "pool:" "  slot_memory: 12"
like "$RC:$ERR" "^1:berth: .*bad.yaml:2: pool.slot_memory: invalid size '12'" "pool.slot_memory 12 (bytes): refused"
bad_config "pool:" "  polcy: random"
like "$ERR" "bad.yaml:2: unknown key 'polcy' in pool \(did you mean policy\?\)" "a misspelt pool key: did you mean"
bad_config "image_dir: $BERTH_CONFIG"
like "$RC:$ERR" "^1:berth: .*bad.yaml:1: image_dir: .* is not a directory" "image_dir naming a file: refused"
printf 'pool:\n  slot_memory: 1g\n  policy: random\n' >good.yaml
BERTH_CONFIG=$TEST_DIR/good.yaml run "$BERTH" host list --json
is "$RC:$(pyjson '[x["Slots"]["Total"] for x in d if x["name"] == "local"][0]' <"$OUTF")" \
	"0:$((MEM / (1024 * 1024 * 1024)))" "pool.slot_memory 1g: slots are engine memory / 1 GiB"

done_testing
