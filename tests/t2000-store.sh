#!/bin/bash
# t2000-store: the store layer on both stores from one test source
# (tests/unit/test-store, run once on the file store and once on a private
# FerretDB), and a second client that is not berth (pymongo, through
# tests/check-store.py) reading what it wrote and checking it against what
# a live engine reported.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-ferretdb.sh"

UNIT=$TOP_BUILDDIR/tests/unit/test-store
CHECK=$TOP_SRCDIR/tests/check-store.py
[ -x "$UNIT" ] || BAIL_OUT "no $UNIT (make check builds it)"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

pymongo_python || BAIL_OUT "cannot install pymongo"
ferretdb_start "$TEST_DIR/ferretdb"
MONGO_DB=berth_t2000

# --- a live engine's listings: what the stores are checked against ------
engine_start --bridge live
busybox_image "$(engine_sock live)"
dk live create --name web -p 127.0.0.1::80 -l app=web -l tier=front busybox:latest \
	httpd -f -p 80 >/dev/null || BAIL_OUT "cannot create web"
dk live create --name idle -l app=idle busybox:latest true >/dev/null
dk live start web >/dev/null || BAIL_OUT "cannot start web"
dk live run --name done busybox:latest true >/dev/null
LIVE=$TEST_DIR/live
mkdir -p "$LIVE"
eapi live GET '/containers/json?all=1' >"$LIVE/engine-containers.json"
eapi live GET /images/json >"$LIVE/engine-images.json"
eapi live GET /info >"$TEST_DIR/info.json"
eapi live GET /version >"$TEST_DIR/version.json"
# what backends/docker/docker.c's info() hands over: /info plus ApiVersion
"$PYTHON" - "$LIVE" "$TEST_DIR" <<'EOF' || BAIL_OUT "cannot record the engine"
import json, sys
live, tmp = sys.argv[1], sys.argv[2]
c = json.load(open(live + "/engine-containers.json"))
assert len(c) == 3 and any(x["Ports"] for x in c), c
json.load(open(live + "/engine-images.json"))
info = json.load(open(tmp + "/info.json"))
info["ApiVersion"] = json.load(open(tmp + "/version.json"))["ApiVersion"]
json.dump(info, open(live + "/engine-info.json", "w"))
EOF
export BERTH_TEST_DATA_DIR=$LIVE

# --- the unit test, once per store -------------------------------------------
# unit LABEL ENV...: runs it with env ENV..., passes when its TAP plan was
# met with no failure but TODOs; shows the timing lines it printed.
unit() {
	local label=$1 plan n bad
	shift
	RUN_TIMEOUT=900 run env "$@" "$UNIT"
	plan=$(printf '%s\n' "$OUT" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
	n=$(printf '%s\n' "$OUT" | grep -cE '^(not )?ok ')
	bad=$(printf '%s\n' "$OUT" | grep -E '^not ok ' | grep -v '# TODO')
	if [ "$RC" -eq 0 ] && [ -n "$plan" ] && [ "$plan" -eq "$n" ] && [ -z "$bad" ]; then
		pass "$label: all $n store tests pass"
	else
		fail "$label: store tests (exit $RC, plan ${plan:-none}, ran $n)" \
			"$bad" "$(printf '%s\n' "$ERR" | tail -n 20)"
	fi
	diag "$(printf '%s\n' "$OUT" | grep -E '^# .*(replace-set|kills|TODO)|# TODO' || true)"
}

FILE_DIR=$TEST_DIR/filestore
unit "file store" -u BERTH_TEST_MONGODB_URI BERTH_TEST_STORE_DIR="$FILE_DIR"
unit "FerretDB" BERTH_TEST_MONGODB_URI="$BERTH_TEST_MONGODB_URI" BERTH_TEST_MONGODB_DB="$MONGO_DB"

# --- a second client reads what was written ------------------------------------
check() { run "$PYMONGO_PYTHON" "$CHECK" "$@"; }
compare_args=(compare --host fixture --containers "$LIVE/engine-containers.json"
	--images "$LIVE/engine-images.json" --info "$LIVE/engine-info.json")

check --dir "$FILE_DIR" "${compare_args[@]}"
is "$RC:$OUT" "0:store matches the engine for host fixture" \
	"the file store's documents (read with pymongo's bson) match the engine"
check --uri "$BERTH_TEST_MONGODB_URI" --db "$MONGO_DB" "${compare_args[@]}"
is "$RC:$OUT" "0:store matches the engine for host fixture" \
	"FerretDB's documents (read with pymongo) match the engine"

# The check can fail: an engine that changed since is noticed.
"$PYTHON" - "$LIVE" "$TEST_DIR/changed.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1] + "/engine-containers.json"))
c = [x for x in c if x["Names"] != ["/idle"]]
for x in c:
    if x["Names"] == ["/web"]:
        x["Status"] = "Exited (137) 1 second ago"
json.dump(c, open(sys.argv[2], "w"))
EOF
check --uri "$BERTH_TEST_MONGODB_URI" --db "$MONGO_DB" compare --host fixture \
	--containers "$TEST_DIR/changed.json"
is "$RC" 1 "a store that does not match the engine fails the check"
contains "$OUT" "container ids of fixture" "naming the vanished container"
contains "$OUT" "status: store has 'Up" "and the changed status"

# One document model: both stores hold the same documents (times aside).
check --dir "$FILE_DIR" dump hosts images containers
FILE_DUMP=$OUT
check --uri "$BERTH_TEST_MONGODB_URI" --db "$MONGO_DB" dump hosts images containers
MONGO_DUMP=$OUT
same=$(printf '%s\n%s\n' "$FILE_DUMP" "$MONGO_DUMP" | "$PYTHON" -c '
import json, sys
text = sys.stdin.read()
dec = json.JSONDecoder()
a, end = dec.raw_decode(text)
b, _ = dec.raw_decode(text[end:].lstrip())
def strip(d):
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in ("last_seen", "state_changed")}
    if isinstance(d, list):
        return [strip(v) for v in d]
    return d
print("same" if strip(a) == strip(b) and a["containers"] else "different")
')
is "$same" same "the file store and FerretDB hold the same documents"
like "$FILE_DUMP" '"name": "web"' "the dump shows the engine's containers"

done_testing
