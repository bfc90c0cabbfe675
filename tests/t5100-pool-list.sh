#!/bin/bash
# t5100-pool-list: listings and references across a pool of three private
# engines (local, two, three over mutual TLS). container list and image
# list are the union of every host's rows with a HOST column (one host:
# docker's columns, as ever), --json rows carry "Host", --host narrows;
# a SIGSTOP'd engine costs its own timeout and no more, and it and a
# SIGKILL'd one are reported (stderr and --json) while the others' rows
# are shown; with every engine dead the listing fails. Container names
# and IDs resolve across the pool: a name on two hosts is an error naming
# both, --host picks one, and every command acts on the right engine.
# Every count comes from the docker CLI on each engine.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-pool.sh"

cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
# Faults here must not take hosts out of the pool half-way: that is
# host states' business (error counting has its own tests).
pool_start --images "pool:" "  error_threshold: 100"

# short IDs of ENGINE's containers in docker's order (newest first)
ids_on() {
	local e=$1
	shift
	pool_dk "$e" ps -q --no-trunc "$@" | cut -c1-12
}
# the rows of HOST in a HOST-column table ($OUTF), their IDs
table_ids() { awk -v h="$1" 'NR > 1 && $1 == h { print $2 }' "$OUTF"; }
# the rows of host H in a --json listing ($OUTF), their short IDs
json_ids() {
	"$PYTHON" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r.get("Host") == sys.argv[2] and "Id" in r:
        print(r["Id"][:12])
' "$OUTF" "$1"
}
json_errors() {
	"$PYTHON" -c '
import json, sys
print(" ".join(r["Host"] for r in json.load(open(sys.argv[1])) if "Error" in r))
' "$OUTF"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
TIMEOUT_MS=$((${POOL_TIMEOUT%s} * 1000))

# --- containers on every engine ----------------------------------------------------

pool_dk one run -d --network none --name alpha busybox sleep 3600 >/dev/null &&
	pool_dk one create --network none --name shared busybox true >/dev/null &&
	pool_dk two run -d --network none --name beta busybox \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null &&
	pool_dk two create --network none --name shared busybox true >/dev/null &&
	pool_dk two create --network none --name idle busybox true >/dev/null &&
	pool_dk three run -d --network none --name gamma busybox sh -c 'echo gamma says hi; sleep 3600' \
		>/dev/null &&
	pool_dk three create --network none --name lonely busybox true >/dev/null ||
	BAIL_OUT "cannot create the test containers"

berth container list --all
is "$RC" 0 "container list --all over three hosts: exit 0"
is "$ERR" "" "... nothing on stderr"
like "$(head -n 1 "$OUTF")" '^HOST +CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' \
	"... a HOST column first"
is "$(table_ids local)" "$(ids_on one -a)" "... local's rows: docker ps -a on one, in its order"
is "$(table_ids two)" "$(ids_on two -a)" "... two's rows: docker ps -a on two, in its order"
is "$(table_ids three)" "$(ids_on three -a)" "... three's rows (TLS): docker ps -a on three, in its order"
is "$(awk 'NR > 1 { print $1 }' "$OUTF" | uniq | tr '\n' ' ')" "local two three " \
	"... hosts in pool order, each host's rows together"
is "$(($(wc -l <"$OUTF") - 1))" 7 "... 7 rows in all"

berth container list
is "$RC:$(table_ids local | wc -l):$(table_ids two | wc -l):$(table_ids three | wc -l)" "0:1:1:1" \
	"container list: the running ones (one per host)"
is "$(table_ids three)" "$(ids_on three)" "... three's is docker ps's"

berth container list --all --json
is "$RC" 0 "container list --all --json: exit 0"
json_valid "$OUTF" && pass "... one JSON document" || fail "... one JSON document" "$OUT"
is "$(pyjson 'all(r.get("Host") in ("local", "two", "three") for r in d) and len(d)' <"$OUTF")" 7 \
	"... 7 rows, each with its Host"
is "$(json_ids two)" "$(ids_on two -a)" "... two's rows"
is "$(json_errors)" "" "... no error entries"

berth container list --all -q
is "$(sort "$OUTF")" "$(for e in one two three; do ids_on "$e" -a; done | sort)" \
	"container list --all -q: every host's IDs, nothing else"

berth container list --all --host two
is "$RC" 0 "--host two: exit 0"
like "$(head -n 1 "$OUTF")" '^CONTAINER ID +IMAGE' "... one host: docker's columns, no HOST"
is "$(awk 'NR > 1 { print $1 }' "$OUTF")" "$(ids_on two -a)" "... two's containers only"

berth container list --all --host three --host two
is "$(awk 'NR > 1 { print $1 }' "$OUTF" | uniq | tr '\n' ' ')" "three two " \
	"--host three --host two: those two hosts, in the order named"
is "$(table_ids three)" "$(ids_on three -a)" "... three's rows"

berth container list --all --filter name=shared
is "$(awk 'NR > 1 { print $1 }' "$OUTF" | tr '\n' ' ')" "local two " \
	"--filter name=shared: the filter applies on every host"

berth container list --all --host nosuch
is "$RC" 2 "--host nosuch: a usage error"
one_line "$ERR" "... one line"

# berth's own containers: --mine and EXPIRES across hosts
berth container create --host two --name mine2 busybox true
is "$RC" 0 "container create --host two"
berth container create --host three --name temp3 --lifetime 1h busybox true
is "$RC" 0 "container create --host three --lifetime 1h"
berth container list --all --mine --json
is "$(pyjson 'sorted(r["Host"] + ":" + r["Names"][0] for r in d)' <"$OUTF")" '["three:/temp3", "two:/mine2"]' \
	"--mine: berth's containers, each on its host"
berth container list --all
like "$(head -n 1 "$OUTF")" ' EXPIRES$' "EXPIRES column when a container of any host can expire"
like "$(grep -w temp3 "$OUTF")" '^three .* temp3 +in ([0-9]+ minutes|about an hour)$' "... temp3's time left"

berth container list --all --cached
is "$RC" 0 "container list --cached over three hosts"
like "$(head -n 1 "$OUTF")" '^HOST +CONTAINER ID .* LAST SEEN' "... HOST and LAST SEEN columns"
is "$(table_ids two | sort)" "$(ids_on two -a | sort)" "... two's cached rows (written through)"

# --- images --------------------------------------------------------------------

berth image list
is "$RC" 0 "image list over three hosts: exit 0"
like "$(head -n 1 "$OUTF")" '^HOST +REPOSITORY +TAG +IMAGE ID' "... a HOST column first"
is "$(awk 'NR > 1 { print $1 ":" $2 ":" $3 }' "$OUTF" | tr '\n' ' ')" \
	"local:busybox:latest two:busybox:latest three:busybox:latest " "... busybox on each host"
is "$(awk '$1 == "three" { print $4 }' "$OUTF")" "$(dk3 images -q busybox)" "... three's image ID"
berth image list --json
is "$(pyjson 'sorted(r["Host"] for r in d)' <"$OUTF")" '["local", "three", "two"]' \
	"image list --json: a row per host, each with Host"
berth image list --host local
like "$(head -n 1 "$OUTF")" '^REPOSITORY +TAG' "image list --host local: docker's columns"

# --- references across the pool ---------------------------------------------------

SHARED1=$(pool_dk one ps -aq -f name=^shared$)
SHARED2=$(pool_dk two ps -aq -f name=^shared$)
berth container inspect shared
is "$RC" 1 "a name on two hosts: exit 1"
is "$ERR" "berth: ambiguous container 'shared': on local ($SHARED1), on two ($SHARED2); add --host NAME" \
	"... one line naming both candidates"
berth container start shared
is "$RC:$(pool_dk one inspect -f '{{.State.Status}}' shared)" "1:created" "container start shared: refused, nothing started"

berth container inspect --host two --json shared
is "$RC:$(pyjson 'd[0]["Id"][:12]' <"$OUTF")" "0:$SHARED2" "--host two: two's shared"

berth container delete --host two shared
is "$RC:$OUT" "0:shared" "container delete --host two shared"
is "$(pool_dk two ps -aq -f name=^shared$):$(pool_dk one ps -aq -f name=^shared$)" ":$SHARED1" \
	"... gone from two, still on one (docker ps)"
berth container delete shared
is "$RC" 0 "container delete shared: now on local only"
is "$(count_on one -f name=^shared$)" 0 "... gone from one"

berth container stop beta
is "$RC:$OUT" "0:beta" "container stop beta (on two): exit 0"
is "$(pool_dk two inspect -f '{{.State.Status}}' beta)" exited "... stopped on two"
berth container start beta gamma
is "$RC" 0 "container start beta gamma: each on its own host"
is "$(pool_dk two inspect -f '{{.State.Status}}' beta)" running "... beta runs on two"

berth container logs gamma
is "$RC:$OUT" "0:gamma says hi" "container logs gamma: from three, over TLS"

BETA=$(pool_dk two ps -q --no-trunc -f name=^beta$)
berth container inspect --json "${BETA:0:10}" lonely
is "$RC:$(pyjson '" ".join(o["Name"] for o in d)' <"$OUTF")" "0:/beta /lonely" \
	"inspect by ID prefix and by name, on two hosts at once"

berth container restart nosuch
is "$RC" 1 "a name on no host: exit 1"
is "$ERR" "berth: no such container: nosuch (looked on local, two, three)" "... one line naming every host"

berth container delete --host three idle
is "$RC" 1 "--host three idle: idle is on two"
contains "$ERR" "No such container: idle" "... three's engine says so"
is "$(count_on two -f name=^idle$)" 1 "... two's idle untouched"

berth image inspect busybox
is "$RC" 1 "image inspect busybox, on three hosts: ambiguous"
like "$ERR" "^berth: ambiguous image 'busybox': on local \([0-9a-f]{12}\), on two \([0-9a-f]{12}\), on three \([0-9a-f]{12}\); add --host NAME$" \
	"... naming the three"
berth image inspect --host three --json busybox
is "$RC:$(pyjson 'd[0]["Id"]' <"$OUTF")" "0:$(dk3 image inspect -f '{{.Id}}' busybox)" \
	"image inspect --host three: three's image"

pool_dk two tag busybox only-two:1 >/dev/null
berth image inspect --json only-two:1
is "$RC:$(pyjson 'sorted(d[0]["RepoTags"])' <"$OUTF")" '0:["busybox:latest", "only-two:1"]' \
	"image inspect only-two:1: found on two"
berth image delete only-two:1
is "$RC:$OUT" "0:Untagged: only-two:1" "image delete only-two:1: on two"
is "$(pool_dk two images -q only-two)" "" "... untagged on two (docker images)"

# --- faults ------------------------------------------------------------------------

berth container list --all
ALL_LOCAL=$(table_ids local)
ALL_THREE=$(table_ids three)
ALL_TWO=$(table_ids two)

kill -STOP "$(engine_pid two)"
t0=$(now_ms)
berth container list --all
took=$(($(now_ms) - t0))
kill -CONT "$(engine_pid two)" # at once: the other assertions do not need it stopped
is "$RC" 0 "two stopped: container list --all still exits 0"
ok "$([ "$took" -lt $((TIMEOUT_MS + 1500)) ] && echo 0 || echo 1)" \
	"... within the timeout + 1.5s (${took} ms, timeout ${TIMEOUT_MS} ms)"
is "$(table_ids local):$(table_ids three)" "$ALL_LOCAL:$ALL_THREE" "... local's and three's rows"
one_line "$ERR" "... one line on stderr"
like "$ERR" "^berth: two: the engine at .* did not answer within ${POOL_TIMEOUT}" "... naming two and why"
like "$ERR" "showing cached rows from" "... and that two's rows shown are cached ones"
is "$(grep -c '^two .*(stale)' "$OUTF")" "$(printf '%s\n' "$ALL_TWO" | grep -c .)" \
	"... two's cached rows, marked stale"

kill -STOP "$(engine_pid two)"
t0=$(now_ms)
berth container list --all --json
took=$(($(now_ms) - t0))
kill -CONT "$(engine_pid two)"
is "$RC" 0 "two stopped: --json exits 0"
ok "$([ "$took" -lt $((TIMEOUT_MS + 1500)) ] && echo 0 || echo 1)" "... within the timeout + 1.5s (${took} ms)"
is "$(json_errors)" "two" "... an error entry for two"
like "$(pyjson '[r["Error"] for r in d if "Error" in r][0]' <"$OUTF")" "^two: the engine at .* did not answer" \
	"... with the fan-out's message"
is "$(json_ids three)" "$ALL_THREE" "... three's rows"
berth container list --all -q
is "$RC" 0 "two back: -q exits 0"

# The same with the default timeouts (the settings without timeouts:):
# one stopped engine holds the listing for the 10s request timeout, not
# a minute.
grep -v -e '^timeouts:' -e '^  connect:' -e '^  request:' -e '^  idle:' "$BERTH_CONFIG" >defaults.yaml
kill -STOP "$(engine_pid two)"
t0=$(now_ms)
BERTH_CONFIG=$TEST_DIR/defaults.yaml RUN_TIMEOUT=90 berth container list --all
took=$(($(now_ms) - t0))
kill -CONT "$(engine_pid two)"
is "$RC" 0 "two stopped, default timeouts: container list --all exits 0"
ok "$([ "$took" -lt 11500 ] && echo 0 || echo 1)" "... within the default 10s request timeout + 1.5s (${took} ms)"
like "$ERR" "^berth: two: the engine at .* did not answer within 10s" "... naming the 10s"
is "$(table_ids local):$(table_ids three)" "$ALL_LOCAL:$ALL_THREE" "... local's and three's rows"

kill -STOP "$(engine_pid two)"
kill -KILL "$(engine_pid three)"
t0=$(now_ms)
berth container list --all
took=$(($(now_ms) - t0))
is "$RC" 0 "two stopped, three killed: exit 0"
ok "$([ "$took" -lt $((TIMEOUT_MS + 1500)) ] && echo 0 || echo 1)" "... within the timeout + 1.5s (${took} ms)"
is "$(table_ids local)" "$ALL_LOCAL" "... still local's rows"
is "$(grep -c '^berth: ' "$ERRF")" 2 "... a line for two and one for three"
like "$(grep '^berth: three' "$ERRF")" "^berth: three: cannot connect to the engine at https://" "... three: cannot connect"
berth container list --all -q
is "$(sort "$OUTF" | tr '\n' ' ')" "$(printf '%s\n' $ALL_LOCAL $ALL_TWO $ALL_THREE | sort | tr '\n' ' ')" \
	"-q: the IDs shown (live and cached), no error text on stdout"

berth container inspect alpha
is "$RC" 0 "resolution with two hosts down: alpha, found on local, still works"
berth container stop nosuch
is "$RC" 1 "... a name found nowhere: exit 1"
like "$ERR" "^berth: no such container: nosuch \(looked on local\); two: .*; three: cannot connect" \
	"... saying which hosts did not answer"

kill -KILL "$(engine_pid one)"
berth container list --all --json
# every engine down but their rows cached: shown, stale, as for one host
is "$RC" 0 "every engine down, their rows cached: exit 0"
is "$(json_errors)" "local two three" "... an error entry for each host"
is "$("$PYTHON" -c '
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if "Error" not in r]
print(len(rows) > 0 and all(r.get("Stale") is True for r in rows))
' "$OUTF")" True "... and the cached rows, every one \"Stale\""
berth image list
is "$RC" 0 "image list with every engine down, images cached: exit 0"
is "$(grep -c '^berth: ' "$ERRF")" 3 "... one line per host"
berth cache reset --yes
berth container list --all
is "$RC" 1 "every engine down and nothing cached: exit 1"
kill -CONT "$(engine_pid two)"

done_testing
