#!/bin/bash
# t1610-volume: volume create, list, inspect, delete and prune against a
# real engine, each checked with the docker CLI on the same engine; a
# named volume written by one container is read by a second; prune
# removes what docker's prune removes from the same state on a second
# engine; with both engines in the pool the listing has a HOST column.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
engine_start twin
busybox_image "$(engine_sock main)"
busybox_image "$(engine_sock twin)"
export DOCKER_HOST=$(engine_url main)

# the volume names engine E has, sorted, anonymous ones (64 hex digits) as "anon"
vols_on() {
	dk "$1" volume ls -q | sed -E 's/^[0-9a-f]{64}$/anon/' | sort | tr '\n' ' '
}

# --- create, inspect -------------------------------------------------------------

berth volume create --label owner=ann --label tier=db --opt type=tmpfs --opt device=tmpfs data1
is "$RC" 0 "volume create exits 0"
is "$OUT" "data1" "... and prints the volume's name, as docker does"
is "$(dk main volume inspect -f '{{.Driver}} {{json .Labels}} {{json .Options}}' data1)" \
	'local {"owner":"ann","tier":"db"} {"device":"tmpfs","type":"tmpfs"}' \
	"docker sees the driver, the labels and the options"

berth volume create --json
is "$RC" 0 "volume create without a name exits 0"
ANON=$(pyjson 'd["Name"]' <"$OUTF")
dk main volume inspect "$ANON" >/dev/null 2>&1
ok $? "... the engine named it ($ANON) and has it"

berth volume create 'bad name!'
is "$RC" 1 "volume create with a name the engine refuses exits 1"
like "$ERR" '^berth: local: .*bad name!' "... with the engine's reason, naming the host"

berth volume inspect --json data1
is "$RC" 0 "volume inspect --json exits 0"
is "$(pyjson 'd' <"$OUTF")" "$(dk main volume inspect data1 | pyjson 'd')" \
	"volume inspect --json is docker volume inspect's document"

berth volume inspect data1
is "$RC" 0 "volume inspect exits 0"
like "$OUT" "Mountpoint: +$(dk main volume inspect -f '{{.Mountpoint}}' data1)" "... shows the mountpoint"
like "$OUT" "owner=ann" "... and the labels"

berth volume inspect nosuch data1
is "$RC" 1 "volume inspect of a missing volume exits 1"
like "$ERR" 'nosuch' "... naming it"
like "$OUT" 'Name: +data1' "... and still shows the one that exists"

# --- list --------------------------------------------------------------------------

berth volume list
is "$RC" 0 "volume list exits 0"
like "$(head -n 1 "$OUTF")" '^DRIVER +VOLUME NAME$' "docker's header"
is "$(tail -n +2 "$OUTF" | awk '{ print $1 " " $2 }' | sort | tr '\n' ' ')" \
	"$(dk main volume ls --format '{{.Driver}} {{.Name}}' | sort | tr '\n' ' ')" \
	"the rows are docker volume ls's"

berth volume ls -q --filter label=owner=ann
is "$RC" 0 "volume ls -q --filter exits 0"
is "$OUT" "$(dk main volume ls -q --filter label=owner=ann)" "--filter as docker's"

berth volume list --json
is "$(pyjson 'sorted((v["Name"], v["Host"]) for v in d)' <"$OUTF")" \
	"$(dk main volume ls -q | "$PYTHON" -c 'import sys, json; print(json.dumps(sorted([l.strip(), "local"] for l in sys.stdin)))')" \
	"--json: docker's objects, each with Host"

berth volume list --filter nonsense
is "$RC" 2 "a filter that is not KEY=VALUE is a usage error"

# --- a volume outlives its container -------------------------------------------

berth volume create notes
is "$RC" 0 "volume create notes (the local driver, no options) exits 0"
dk main run --rm --network none -v notes:/data busybox sh -c 'echo kept > /data/note' >/dev/null 2>&1
ok $? "a first container writes into notes"
run "$DOCKER_CLI" -H "$(engine_url main)" run --rm --network none -v notes:/data busybox cat /data/note
is "$OUT" "kept" "a second container reads what the first wrote"
berth container run --rm --network none -v notes:/data busybox sh -c 'echo again >> /data/note'
is "$RC" 0 "container run --rm -v notes:/data: a container berth made writes into notes"
berth container run --rm --network none --mount type=volume,source=notes,target=/in,readonly busybox cat /in/note
is "$RC:$OUT" "0:kept
again" "... and a second one, mounting it read-only with --mount, reads both lines"

# --- delete ------------------------------------------------------------------------

dk main create --network none --name user -v data1:/data busybox true >/dev/null
berth volume delete data1
is "$RC" 1 "volume delete of a volume in use exits 1"
like "$ERR" 'local: .*in use' "... with the engine's reason"
dk main rm user >/dev/null
berth volume rm data1 "$ANON" nosuch notes
is "$RC" 1 "volume rm of three volumes and a missing one exits 1"
is "$OUT" "data1
$ANON
notes" "... printing the three it deleted"
is "$(vols_on main)" "" "docker has no volumes left"

# --- prune: the same as docker's on the same state ---------------------------------

# on each engine: a named unused volume, a labelled one, one in use by a
# stopped container, and an anonymous one whose container is gone
setup_state() {
	dk "$1" volume create unused >/dev/null &&
		dk "$1" volume create --label keep=yes labelled >/dev/null &&
		dk "$1" volume create inuse >/dev/null &&
		dk "$1" create --network none --name holder -v inuse:/x busybox true >/dev/null &&
		dk "$1" create --network none --name anonholder -v /y busybox true >/dev/null &&
		dk "$1" rm anonholder >/dev/null
}
setup_state main && setup_state twin || BAIL_OUT "cannot set up the prune state"
is "$(vols_on main)" "$(vols_on twin)" "both engines hold the same volumes"

berth volume prune
is "$RC" 2 "volume prune without --force, not on a terminal, is a usage error"
like "$ERR" 'needs --force' "... saying --force"
is "$(vols_on main)" "$(vols_on twin)" "... and prunes nothing"

dk twin volume prune -f --filter label!=keep >/dev/null
berth volume prune --force --filter label!=keep
is "$RC" 0 "volume prune --force --filter exits 0"
like "$OUT" '^Deleted Volumes:
(unused
)?[0-9a-f]{64}' "... listing what it deleted"
like "$OUT" 'Total reclaimed space: [0-9.]+k?B$' "... and saying what it reclaimed"
is "$(vols_on main)" "$(vols_on twin)" "... leaving what docker volume prune --filter leaves"
like "$(vols_on main)" '^inuse labelled ' "... the volume in use and the one the filter keeps stay"
unlike "$(vols_on main)" 'anon' "... the anonymous one went"

dk twin volume prune -f >/dev/null
berth volume prune --force --json
is "$RC" 0 "volume prune --force --json exits 0"
is "$(pyjson '[r["Host"] for r in d]' <"$OUTF")" '["local"]' "... one report per host"
is "$(vols_on main)" "$(vols_on twin)" "berth prune leaves what docker volume prune leaves"
berth volume prune --force -a
is "$RC" 0 "volume prune -a exits 0"
is "$(vols_on main)" "inuse " "... and leaves the volume in use only"
dk main volume create labelled >/dev/null
dk twin volume prune -f -a >/dev/null 2>&1 || dk twin volume prune -f >/dev/null
is "$(vols_on twin)" "inuse " "(docker volume prune -a leaves the same on twin)"
dk twin volume create labelled >/dev/null

# --- the pool: two hosts -------------------------------------------------------------

export BERTH_CONFIG=$TEST_DIR/pool.yaml
printf 'hosts:\n  twin:\n    url: %s\n' "$(engine_url twin)" >"$BERTH_CONFIG"
berth volume list
is "$RC" 0 "volume list over two hosts exits 0"
like "$(head -n 1 "$OUTF")" '^HOST +DRIVER +VOLUME NAME$' "a HOST column first"
is "$(tail -n +2 "$OUTF" | awk '{ print $1 ":" $3 }' | sort | tr '\n' ' ')" \
	"local:inuse local:labelled twin:inuse twin:labelled " "... each host's volumes"

berth volume create pooled
is "$RC" 1 "volume create over two hosts needs --host"
like "$ERR" '--host' "... and says so"
berth volume create --host twin pooled
is "$RC" 0 "volume create --host twin exits 0"
dk twin volume inspect pooled >/dev/null 2>&1
ok $? "... and the volume is on twin"
dk main volume inspect pooled >/dev/null 2>&1
isnt "$?" 0 "... and not on local"

berth volume inspect pooled --json
is "$RC" 0 "volume inspect finds a volume on the host that has it"
is "$(pyjson 'd[0]["Name"]' <"$OUTF")" pooled "... its document"
berth volume inspect inuse
is "$RC" 1 "a name on both hosts is ambiguous"
like "$ERR" "ambiguous volume 'inuse': on local, twin; add --host NAME" "... naming both"
berth volume delete pooled
is "$RC" 0 "volume delete finds the host"
is "$(vols_on twin)" "inuse labelled " "... and deletes it there"

done_testing
