# lib-store.sh: the store for a store test, chosen by BERTH_TEST_STORE, so
# that one test source (tests/tNNNN-NAME.sub) runs once on each store
# through two two-line wrappers (tests/tNNNN-NAME-file.sh and -mongo.sh).
# Sourced after tests/lib.sh.
#
#   BERTH_TEST_STORE=file   the file store in $TEST_DIR/store
#                           (BERTH_STORE_DIR)
#   BERTH_TEST_STORE=mongo  a private FerretDB (tests/lib-ferretdb.sh) in
#                           $TEST_DIR/ferretdb (BERTH_MONGODB_URI)
#
#   store_setup             starts it; sets STORE (file|mongo), STORE_LABEL
#                           ("file store"|"FerretDB"), CHECK_ARGS (where
#                           tests/check-store.py reads it) and
#                           PYMONGO_PYTHON
#   sdump COLL...           the collections as JSON, read by a client that
#                           is not berth (tests/check-store.py: pymongo, or
#                           pymongo's bson for the files)
#   sq COLL EXPR            EXPR over that dump (d = {coll: [docs]}), e.g.
#                           sq containers 'sorted(x["name"] for x in d["containers"])'
#   names_of COLL HOST      the sorted names (containers) / first tags
#                           (images) of HOST's documents, one per line
#   store_stop / store_restart   (mongo) FerretDB down / up again on its
#                           data, at a new port; BERTH_MONGODB_URI follows
#   conn_listener unix:PATH|tcp:PORT LOG   a listener that records every
#                           connection in LOG and answers nothing: proof
#                           that something was never contacted

: "${BERTH_TEST_STORE:?set BERTH_TEST_STORE=file or mongo (see tests/lib-store.sh)}"
. "$TOP_SRCDIR/tests/lib-ferretdb.sh"
CHECK_STORE=$TOP_SRCDIR/tests/check-store.py

STORE=$BERTH_TEST_STORE
STORE_LABEL=
CHECK_ARGS=()

store_setup() {
	pymongo_python || BAIL_OUT "cannot install pymongo"
	case $STORE in
	file)
		STORE_LABEL="file store"
		export BERTH_STORE_DIR=$TEST_DIR/store
		unset BERTH_MONGODB_URI BERTH_MONGODB_DATABASE
		CHECK_ARGS=(--dir "$BERTH_STORE_DIR")
		;;
	mongo)
		STORE_LABEL="FerretDB"
		unset BERTH_STORE_DIR BERTH_MONGODB_DATABASE
		ferretdb_start "$TEST_DIR/ferretdb"
		export BERTH_MONGODB_URI=$BERTH_TEST_MONGODB_URI
		CHECK_ARGS=(--uri "$BERTH_MONGODB_URI")
		;;
	*) BAIL_OUT "BERTH_TEST_STORE=$STORE: want file or mongo" ;;
	esac
	diag "store: $STORE_LABEL (${BERTH_STORE_DIR:-${BERTH_MONGODB_URI:-}})"
}

store_stop() {
	[ "$STORE" = mongo ] || BAIL_OUT "store_stop: only FerretDB is stopped"
	ferretdb_stop
}

store_restart() {
	[ "$STORE" = mongo ] || BAIL_OUT "store_restart: only FerretDB is restarted"
	ferretdb_start "$TEST_DIR/ferretdb"
	export BERTH_MONGODB_URI=$BERTH_TEST_MONGODB_URI
	CHECK_ARGS=(--uri "$BERTH_MONGODB_URI")
}

# sdump COLL...: what a second client reads; bails out when it cannot
# (a store it cannot read is a failure the caller sees as an empty dump).
# check-store.py is run in-process and left with os._exit: pymongo's
# shutdown (joining its monitor threads) costs ~0.8 s per run otherwise,
# and these tests read the store some hundred times.
check_store() {
	"$PYMONGO_PYTHON" -c '
import os, runpy, sys
sys.argv = sys.argv[1:]
code = 0
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as e:
    code = e.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code or 0)
' "$CHECK_STORE" "$@"
}

sdump() {
	check_store "${CHECK_ARGS[@]}" dump "$@"
}

sq() { # COLL EXPR
	sdump "$1" | pyjson "$2"
}

names_of() { # COLL HOST
	local key=name
	[ "$1" = images ] && key=tags
	sdump "$1" | "$PYTHON" -c '
import json, sys
coll, host, key = sys.argv[1:4]
out = []
for x in json.load(sys.stdin)[coll]:
    if x.get("host") != host:
        continue
    v = x.get(key)
    if isinstance(v, list):
        v = v[0] if v else "<none>"
    out.append(str(v))
print("\n".join(sorted(out)))
' "$1" "$2" "$key"
}

# count_of COLL HOST: how many documents of COLL belong to HOST ("*": all).
count_of() {
	sdump "$1" | "$PYTHON" -c '
import json, sys
coll, host = sys.argv[1:3]
print(sum(1 for x in json.load(sys.stdin)[coll] if host == "*" or x.get("host") == host))
' "$1" "$2"
}

# conn_listener unix:PATH|tcp:PORT LOG: accepts connections, writes one
# line per connection to LOG and closes them. Sets LISTENER_PID.
LISTENER_PID=
conn_listener() {
	local where=$1 log=$2
	: >"$log"
	"$PYTHON" -c '
import os, socket, sys
where, log = sys.argv[1], sys.argv[2]
kind, _, addr = where.partition(":")
if kind == "unix":
    s = socket.socket(socket.AF_UNIX)
    try:
        os.unlink(addr)
    except FileNotFoundError:
        pass
    s.bind(addr)
else:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(addr)))
s.listen(64)
open(log + ".ready", "w").close()
while True:
    c, _ = s.accept()
    with open(log, "a") as f:
        f.write("connection\n")
    c.close()
' "$where" "$log" </dev/null >/dev/null 2>&1 &
	LISTENER_PID=$!
	bg_track "$LISTENER_PID"
	wait_for 10 test -e "$log.ready" || BAIL_OUT "the listener on $where did not start"
}

listener_stop() {
	[ -n "$LISTENER_PID" ] || return 0
	kill -TERM "$LISTENER_PID" 2>/dev/null
	wait "$LISTENER_PID" 2>/dev/null
	LISTENER_PID=
}

# checksum FILE: its sha256, or "absent".
checksum() {
	if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi
}

# pty NAME ARGS...: runs tests/store.exp NAME ARGS... (berth's interactive
# shell through a pseudo-terminal), one TAP line per check it reports.
pty() {
	local name=$1 line n=0
	export EXP_LOG=$TEST_DIR/expect-$name.log
	: >"$EXP_LOG"
	TERM=xterm RUN_TIMEOUT=120 run expect -f "$TOP_SRCDIR/tests/store.exp" "$@"
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "pty $name: ${line#PASS }"; n=$((n + 1)) ;;
		FAIL\ *) fail "pty $name: ${line#FAIL }"; n=$((n + 1))
			diag "transcript (cat -v) of $name:" "$(tail -c 3000 "$EXP_LOG" | cat -v)" ;;
		esac
	done <<<"$OUT"
	[ "$n" -gt 0 ] || fail "pty $name: the expect script reported nothing (status $RC)" "$ERR"
	[ "$RC" -eq 0 ] || fail "pty $name: the expect script exited $RC" "$ERR"
}

# re_quote TEXT: TEXT as an ERE matching itself (for like).
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
