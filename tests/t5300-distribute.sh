#!/bin/bash
# t5300-distribute: image distribute over three private engines (one as
# berth's "local", two, three over mutual TLS), busybox only on one.
# Copies engine to engine (checked with the docker CLI on the target: same
# image ID), --all skipping the hosts that have it, --from, --json, a
# target that cannot be reached failing alone (and counting against its
# host until it turns inactive), image_dir tarballs (`docker save | gzip`
# named after the image, others found by their manifest.json, plain and
# gzip) when no engine has the image, clear errors for an image no one has
# and for bad hosts, berth's peak memory while a 100 MB image streams
# through, and a source stalling mid-stream handing over to another.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-pool.sh"

cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
IMAGES=$TEST_DIR/images
mkdir -p "$IMAGES"
pool_start "image_dir: $IMAGES"

id_on() { pool_dk "$1" image inspect -f '{{.Id}}' "$2" 2>/dev/null; }
ONE_ID=$(id_on one busybox:latest)
[ -n "$ONE_ID" ] || BAIL_OUT "busybox is not on engine one"

# --- engine to engine ----------------------------------------------------------

isnt "$(id_on two busybox:latest)" "$ONE_ID" "two has no busybox to begin with"
berth image distribute busybox:latest --to two
is "$RC" 0 "distribute --to two: exit 0"
like "$OUT" '^two: copied busybox:latest from local \([0-9.]+ [kM]B\)$' "... one line: copied from local, with its size"
is "$ERR" "" "... nothing on stderr"
is "$(id_on two busybox:latest)" "$ONE_ID" "... two's engine has busybox:latest with one's image ID"
like "$(pool_dk two images --format '{{.Repository}}:{{.Tag}}')" 'busybox:latest' "... docker images on two lists it"

berth image distribute busybox --all
is "$RC" 0 "distribute --all: exit 0"
contains "$OUT" "three: copied busybox from" "... three (TLS) gets it"
contains "$OUT" "two: already has busybox" "... two already has it"
contains "$OUT" "local: already has busybox" "... local already has it"
is "$(printf '%s\n' "$OUT" | grep -c '')" 3 "... one line per target"
is "$(id_on three busybox:latest)" "$ONE_ID" "... three's engine has it with the same ID"

berth image distribute busybox:latest --all --json
is "$RC" 0 "--json when all have it: exit 0"
json_valid "$OUTF" && pass "... valid JSON" || fail "... valid JSON" "$OUT"
is "$(pyjson '",".join(sorted(r["Host"] + "=" + r["Status"] for r in d))' <"$OUTF")" \
	"local=present,three=present,two=present" "... every host present"
is "$(pyjson 'sorted(d[0].keys())' <"$OUTF")" '["Bytes", "Error", "Host", "Source", "Status"]' \
	"... rows carry Host, Status, Source, Bytes, Error"

# --from: the named source only; a target's line names it.
pool_dk two tag busybox:latest only-two:1
berth image distribute only-two:1 --to three --from two --json
is "$RC" 0 "--from two: exit 0"
is "$(pyjson 'd[0]["Host"] + " " + d[0]["Status"] + " " + d[0]["Source"]' <"$OUTF")" "three copied two" \
	"... three copied it from two"
is "$(pyjson 'd[0]["Bytes"] > 1000000 and d[0]["Error"] is None' <"$OUTF")" true \
	"... Bytes counts the tarball (busybox's 2 MB), Error is null"
pool_dk three image inspect only-two:1 >/dev/null 2>&1
ok $? "... three's engine has only-two:1"
berth image distribute busybox:latest --to three --from two
is "$RC:$OUT" "0:three: already has busybox:latest" "--from with a target that has it: already has"
berth image distribute only-two:1 --to local --from three
is "$RC" 0 "--from three (TLS) as the source: exit 0"
like "$OUT" '^local: copied only-two:1 from three ' "... copied from three"
pool_dk one rmi only-two:1 >/dev/null
berth image distribute only-two:1 --to two --from local
is "$RC:$OUT" "0:two: already has only-two:1" "a target that has it needs no source"

# --- failures --------------------------------------------------------------------

berth image distribute nosuch:v9 --to two
is "$RC" 1 "an image no host and no tarball has: exit 1"
one_line "$ERR" "... one line"
like "$ERR" "two: image nosuch:v9 is on no host of the pool and not in image_dir \($IMAGES\)" \
	"... saying where berth looked"
is "$OUT" "" "... nothing on stdout"

pool_dk three rmi only-two:1 >/dev/null
berth image distribute only-two:1 --to three --from local
is "$RC" 1 "--from a host that lacks it: exit 1"
like "$ERR" 'only-two:1 is not on local \(--from\)' "... says so"

berth image distribute busybox:latest --to nope
is "$RC" 2 "--to an unknown host: exit 2"
one_line "$ERR" "... one line"
like "$ERR" 'unknown host: nope \(known: local, two, three' "... naming the known hosts"

berth image distribute busybox:latest --to two --from nope
is "$RC" 2 "--from an unknown host: exit 2"
like "$ERR" 'unknown host: nope' "... says which"

berth image distribute busybox:latest
is "$RC" 2 "neither --to nor --all: exit 2"
one_line "$ERR" "... one line"
like "$ERR" '--to HOST.*--all' "... naming both"
berth image distribute busybox:latest --to two --all
is "$RC" 2 "--to and --all together: exit 2"

# A target that cannot be reached fails alone; the others are served.
sed 's/^hosts:$/hosts:\n  gone:\n    url: unix:\/\/'"${TEST_DIR//\//\\/}"'\/gone.sock/' "$BERTH_CONFIG" >"$TEST_DIR/gone.yaml"
pool_dk three rmi busybox:latest >/dev/null
BERTH_CONFIG=$TEST_DIR/gone.yaml berth image distribute busybox:latest --to gone --to three
is "$RC" 1 "a dead target among live ones: exit 1"
is "$OUT" "three: copied busybox:latest from local ($(printf '%s' "$OUT" | sed -n 's/.*(\(.*\))$/\1/p'))" \
	"... three is served"
one_line "$ERR" "... one error line"
like "$ERR" '^berth: gone: cannot connect' "... naming the dead host and why"
is "$(id_on three busybox:latest)" "$ONE_ID" "... three's engine has it"
# Each failure counts against the host (pool.error_threshold, 3): the
# third turns it inactive, and --all leaves it out from then on.
BERTH_CONFIG=$TEST_DIR/gone.yaml berth image distribute busybox:latest --to gone
BERTH_CONFIG=$TEST_DIR/gone.yaml berth image distribute busybox:latest --to gone
like "$ERR" 'gone is now inactive' "the third failed distribute to gone makes it inactive"
BERTH_CONFIG=$TEST_DIR/gone.yaml berth image distribute busybox:latest --all
is "$RC" 0 "--all then: exit 0"
unlike "$OUT$ERR" 'gone' "... gone is not a target any more"

# --- image_dir -----------------------------------------------------------------

# Tarballs as `docker save | gzip` writes them: one named after its image,
# one named otherwise (found by its manifest), one plain tar.
pool_dk one tag busybox:latest bundled:2
pool_dk one tag busybox:latest plain/app:3
pool_dk one save busybox:latest | gzip >"$IMAGES/busybox_latest.tar.gz"
pool_dk one save bundled:2 | gzip >"$IMAGES/misc.tgz"
pool_dk one save plain/app:3 >"$IMAGES/zz-plain.tar"
echo "not a tarball" >"$IMAGES/broken.tar"
for e in one two three; do
	pool_dk "$e" rmi busybox:latest bundled:2 plain/app:3 >/dev/null 2>&1
done
pool_dk one image inspect busybox:latest >/dev/null 2>&1
isnt "$?" 0 "busybox is gone from every engine"

berth image distribute busybox:latest --to two --to three
is "$RC" 0 "from image_dir: exit 0"
like "$OUT" "two: copied busybox:latest from $IMAGES/busybox_latest.tar.gz \([0-9.]+ [kM]B\)" \
	"... two from the tarball named after the image"
like "$OUT" "three: copied busybox:latest from $IMAGES/busybox_latest.tar.gz" "... three from the same"
is "$(id_on two busybox:latest):$(id_on three busybox:latest)" "$ONE_ID:$ONE_ID" \
	"... both engines have the very image that was saved"

berth image distribute bundled:2 --to local
is "$RC" 0 "a tarball found by its manifest.json: exit 0"
like "$OUT" "local: copied bundled:2 from $IMAGES/misc.tgz" "... misc.tgz, whose RepoTags name it"
is "$(id_on one bundled:2)" "$ONE_ID" "... loaded"
berth image distribute plain/app:3 --to local
is "$RC" 0 "a plain tar found by its manifest.json: exit 0"
like "$OUT" "local: copied plain/app:3 from $IMAGES/zz-plain.tar" "... zz-plain.tar"

# A tarball named after an image it does not hold.
pool_dk one save bundled:2 | gzip >"$IMAGES/wrong_1.tar.gz"
berth image distribute wrong:1 --to two
is "$RC" 1 "a tarball named after the image that holds another: exit 1"
like "$ERR" "wrong_1.tar.gz did not hold wrong:1 \(it loaded bundled:2\)" "... says what it held"
rm -f "$IMAGES/wrong_1.tar.gz"

# An engine that has it is preferred over image_dir.
berth image distribute plain/app:3 --to two
like "$OUT" '^two: copied plain/app:3 from local ' "an engine that has it comes before image_dir"

# --- memory ----------------------------------------------------------------------

# A 100 MB image (busybox plus 100 MB of random bytes) streams through
# berth's 2 MiB buffer: peak RSS stays far below its size. ASan's
# quarantine keeps freed blocks resident (curl frees a buffer at every
# pause), which would measure ASan rather than berth; a small one does not.
mkdir -p big/bin big/data && cp /bin/busybox big/bin/ && head -c 100M /dev/urandom >big/data/blob &&
	tar -C big -cf big.tar . && rm -rf big && pool_dk one import big.tar big:latest >/dev/null &&
	rm -f big.tar || BAIL_OUT "cannot build the 100 MB image"
if [ -x /usr/bin/time ]; then
	t0=$(date +%s%N)
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" run /usr/bin/time -f 'maxrss %M' \
		"$BERTH" image distribute big:latest --to two
	wall=$((($(date +%s%N) - t0) / 1000000))
	is "$RC" 0 "a 100 MB image to two: exit 0"
	rss=$(sed -n 's/^maxrss //p' "$ERRF")
	ok "$([ -n "$rss" ] && [ "$rss" -lt 40960 ] && echo 0 || echo 1)" \
		"... berth's peak RSS stays under 40 MB (${rss:-?} KB)"
	diag "100 MB distribute: ${wall} ms, peak RSS ${rss:-?} KB, $OUT"
else
	berth image distribute big:latest --to two
	is "$RC" 0 "a 100 MB image to two: exit 0"
	skip 1 "/usr/bin/time is not installed: no RSS measurement"
fi
is "$(id_on two big:latest)" "$(id_on one big:latest)" "... two has it, same ID"

# --- a source that stalls mid-stream -----------------------------------------------

# With big on one (local) and three, two's copy starts from local (first
# in the pool's order); local's engine is SIGSTOPped once two has read
# 8 MB of it. The stall is noticed (1s quiet, then a ping that gets no
# answer within the 2s request timeout) and three takes over.
berth image distribute big:latest --to three
is "$RC" 0 "big to three as a second source: exit 0"
pool_dk two rmi big:latest >/dev/null
rchar_two() { sed -n 's/^rchar: //p' "/proc/$(engine_pid two)/io"; }
base=$(rchar_two)
timeout -k 5 120 "$BERTH" image distribute big:latest --to two >"$OUTF" 2>"$ERRF" &
bpid=$!
bg_track "$bpid"
stopped=0
for ((i = 0; i < 1500; i++)); do
	kill -0 "$bpid" 2>/dev/null || break
	if [ "$(($(rchar_two) - base))" -gt 8388608 ]; then
		kill -STOP "$(engine_pid one)" && stopped=1
		break
	fi
	sleep 0.02
done
wait "$bpid"
RC=$?
[ "$stopped" -eq 1 ] && kill -CONT "$(engine_pid one)"
OUT=$(cat "$OUTF")
ok "$([ "$stopped" -eq 1 ] && echo 0 || echo 1)" "local's engine was stopped mid-stream"
is "$RC" 0 "a source stalled mid-stream, another has the image: exit 0"
like "$OUT" '^two: copied big:latest from three \(107 MB\)$' "... two got it from three"
is "$(id_on two big:latest)" "$(id_on three big:latest)" "... whole: same ID"
wait_for 30 pool_dk one version || BAIL_OUT "engine one does not answer after SIGCONT"

done_testing
