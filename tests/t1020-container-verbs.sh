#!/bin/bash
# t1020-container-verbs: container kill, rename, port, update, prune and
# stop/restart -t against real engines, each judged by docker inspect or by
# the docker CLI doing the same on a twin (prune: a second engine given the
# same state, pruned by docker's own prune), then prune over a pool of two.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
engine_start two
busybox_image "$(engine_sock main)"
busybox_image "$(engine_sock two)"
export DOCKER_HOST=$(engine_url main)
export BERTH_STORE_DIR=$TEST_DIR/store

insp() { dk main inspect "$1" | pyjson "d[0]$2"; }
names() { dk "$1" ps -a --format '{{.Names}}' | sort | tr '\n' ' '; }
HUPPY='trap "exit 7" HUP; while true; do sleep 1; done'
STUBBORN='trap "" TERM; while true; do sleep 1; done'

# --- kill ----------------------------------------------------------------------------

dk main run -d --name k1 busybox sh -c "$HUPPY" >/dev/null
dk main run -d --name k2 busybox sh -c "$HUPPY" >/dev/null
dk main run -d --name k3 busybox sleep 600 >/dev/null
berth container kill -s HUP k1
is "$RC" 0 "container kill -s HUP exits 0"
is "$OUT" k1 "... prints the container"
dk main kill -s HUP k2 >/dev/null
dk main wait k1 >/dev/null
dk main wait k2 >/dev/null
is "$(insp k1 '["State"]["ExitCode"]')" 7 "the container got SIGHUP (its trap exited 7)"
is "$(insp k1 '["State"]["ExitCode"]')" "$(insp k2 '["State"]["ExitCode"]')" "... as with docker kill -s HUP"
berth container kill k3
is "$RC" 0 "container kill (SIGKILL) exits 0"
dk main wait k3 >/dev/null
is "$(insp k3 '["State"]["ExitCode"]')" 137 "... it died of SIGKILL"
berth container kill k3
is "$RC" 1 "killing a stopped container fails (exit 1)"
one_line "$ERR" "... one line"
berth container kill -s 'no such' k3
is "$RC" 2 "a malformed signal is a usage error"

# --- rename ----------------------------------------------------------------------------

berth container rename k1 renamed
is "$RC" 0 "container rename exits 0"
is "$OUT" "" "... prints nothing, as docker rename"
is "$(insp renamed '["Name"]')" /renamed "the engine has the new name"
! dk main inspect k1 >/dev/null 2>&1
ok $? "... and not the old one"
berth container rename renamed k2
is "$RC" 1 "renaming to a name in use fails"
one_line "$ERR" "... one line"

# --- port ------------------------------------------------------------------------------------

HP=$(free_port)
dk main run -d --name p1 -p "127.0.0.1:$HP:80" -p 8081 -p 53/udp -p 90 busybox sleep 600 >/dev/null
berth container port p1
is "$RC" 0 "container port exits 0"
is "$(sort <"$OUTF")" "$(dk main port p1 | sort)" "the lines of docker port"
berth container port p1 80
is "$OUT" "$(dk main port p1 80)" "one port: as docker port CONTAINER 80"
is "$OUT" "127.0.0.1:$HP" "... 127.0.0.1:$HP"
berth container port p1 53/udp
is "$OUT" "$(dk main port p1 53/udp)" "53/udp: as docker port"
berth container port --json p1 80
is "$(pyjson '[[p["Port"], p["HostIp"], p["HostPort"]] for p in d]' <"$OUTF")" \
	"[[\"80/tcp\", \"127.0.0.1\", \"$HP\"]]" "--json: Port, HostIp, HostPort"
berth container port p1 81
is "$RC" 1 "a port not published: exit 1"
one_line "$ERR" "... one line"
berth container port p1 http
is "$RC" 2 "a malformed port: exit 2"

# --- stop -t, restart -t -----------------------------------------------------------------------

dk main run -d --name s1 busybox sh -c "$STUBBORN" >/dev/null
t0=$SECONDS
berth container stop -t 1 s1
is "$RC" 0 "container stop -t 1 exits 0"
ok $((SECONDS - t0 >= 8)) "... in less than the default 10s grace: waited $((SECONDS - t0))s"
is "$(insp s1 '["State"]["ExitCode"]')" 137 "... killed after the grace period"
dk main start s1 >/dev/null
t0=$SECONDS
berth container restart --time 1 s1
is "$RC" 0 "container restart --time 1 exits 0"
ok $((SECONDS - t0 >= 8)) "... in less than 10s: waited $((SECONDS - t0))s"
is "$(insp s1 '["State"]["Status"]')" running "... and it runs again"
berth container stop -t soon s1
is "$RC" 2 "a malformed --time is a usage error"

# --- update -----------------------------------------------------------------------------------

dk main run -d --name u1 busybox sleep 600 >/dev/null
dk main run -d --name u2 busybox sleep 600 >/dev/null
berth container update --memory 128m --memory-swap 256m --cpus 0.5 --restart on-failure:3 u1
is "$RC" 0 "container update exits 0"
is "$OUT" u1 "... prints the container"
dk main update --memory 128m --memory-swap 256m --cpus 0.5 --restart on-failure:3 u2 >/dev/null
for f in Memory MemorySwap NanoCpus RestartPolicy; do
	is "$(insp u1 "[\"HostConfig\"][\"$f\"]")" "$(insp u2 "[\"HostConfig\"][\"$f\"]")" \
		"HostConfig.$f as docker update sets it"
done
is "$(insp u1 '["HostConfig"]["Memory"]')" 134217728 "... 128m"
is "$(insp u1 '["HostConfig"]["RestartPolicy"]')" '{"MaximumRetryCount": 3, "Name": "on-failure"}' \
	"... on-failure:3"
berth container update u1
is "$RC" 2 "update with nothing to change is a usage error"

# --- prune: berth on main, docker on two, the same state ---------------------------------------

state() { # ENGINE
	dk "$1" rm -f $(dk "$1" ps -aq) >/dev/null 2>&1
	dk "$1" run -d --name up busybox sleep 600 >/dev/null
	dk "$1" run --name done1 busybox true >/dev/null
	dk "$1" run --name done2 --label keep=yes busybox true >/dev/null
	dk "$1" run --name done3 --label keep=no busybox true >/dev/null
	dk "$1" create --name fresh busybox true >/dev/null
	dk "$1" run -d --name paused busybox sleep 600 >/dev/null
	dk "$1" pause paused >/dev/null
}
state main
state two
berth container prune
is "$RC" 2 "container prune without --force, not from a terminal: exit 2"
one_line "$ERR" "... one line"
contains "$ERR" "--force" "... naming --force"
is "$(names main)" "done1 done2 done3 fresh paused up " "... and nothing was deleted"

berth container prune --force --filter label=keep=yes
is "$RC" 0 "container prune --filter label=keep=yes exits 0"
dk two container prune -f --filter label=keep=yes >/dev/null
is "$(names main)" "$(names two)" "it removed what docker's prune --filter removes"
berth container prune -f
is "$RC" 0 "container prune -f exits 0"
like "$(head -n 1 "$OUTF")" '^Deleted Containers:$' "... docker's heading"
like "$(tail -n 1 "$OUTF")" '^Total reclaimed space: ' "... and its total"
dk two container prune -f >/dev/null
is "$(names main)" "$(names two)" "it removed exactly what docker's prune removes"
is "$(names main)" "paused up " "... the running and the paused containers stay"

# --- prune over a pool of two -------------------------------------------------------------------

export BERTH_CONFIG=$TEST_DIR/pool.yaml
printf 'hosts:\n  two:\n    url: %s\n' "$(engine_url two)" >"$BERTH_CONFIG"
dk main run --name gone-main busybox true >/dev/null
dk two run --name gone-two busybox true >/dev/null
berth container prune --force --json
is "$RC" 0 "container prune over the pool exits 0"
is "$(pyjson 'sorted([r["Host"], len(r["ContainersDeleted"])] for r in d)' <"$OUTF")" \
	'[["local", 1], ["two", 1]]' "--json: one report per host, each with what it deleted"
is "$(names main)$(names two)" "paused up paused up " "both hosts' stopped containers are gone"
berth container prune --force --host two
is "$RC" 0 "container prune --host two exits 0"
is "$(tail -n 1 "$OUTF")" "Total reclaimed space: 0B" "... nothing left to reclaim"

done_testing
