#!/bin/bash
# t1200-image: image list, save, delete, load (plain and gzip'd docker
# save output) and a pull that cannot succeed here, against a real engine.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
dk main tag busybox:latest busybox:second
BBID=$(dk main image inspect -f '{{.Id}}' busybox:latest)
SHORT=${BBID#sha256:}
SHORT=${SHORT:0:12}

has_image() { dk main image inspect "$1" >/dev/null 2>&1; }

# --- list ---------------------------------------------------------------------------

berth image list
is "$RC" 0 "image list exits 0"
like "$(head -n 1 "$OUTF")" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "the header in capitals"
is "$(tail -n +2 "$OUTF" | awk '{ print $1 ":" $2 ":" $3 }' | sort | tr '\n' ' ')" \
	"busybox:latest:$SHORT busybox:second:$SHORT " "one row per tag, with the short ID"
hdr=$(head -n 1 "$OUTF")
col=${hdr%%IMAGE ID*}
is "$(tail -n +2 "$OUTF" | cut -c$((${#col} + 1))-$((${#col} + 12)) | sort -u)" "$SHORT" \
	"the IMAGE ID column is aligned under its header"

berth image list -q
is "$RC" 0 "image list -q exits 0"
is "$(sort -u "$OUTF")" "$SHORT" "-q: the 12-digit ID, sha256: stripped"

berth image list --json
is "$RC" 0 "image list --json exits 0"
is "$(pyjson '[[sorted(i["RepoTags"]), i["Id"], i["Host"]] for i in d]' <"$OUTF")" \
	"[[[\"busybox:latest\", \"busybox:second\"], \"$BBID\", \"local\"]]" "--json: the engine's objects with Host"

berth image inspect --json busybox
is "$RC" 0 "image inspect --json exits 0"
is "$(pyjson 'd[0]["Id"]' <"$OUTF")" "$BBID" "image inspect --json: the engine's object"

# --- save, delete, load ------------------------------------------------------------------

berth image save busybox:latest "$TEST_DIR/saved.tar"
is "$RC" 0 "image save to a file exits 0"
is "$OUT" "" "image save to a file prints nothing on stdout"
tar -tf "$TEST_DIR/saved.tar" >"$TEST_DIR/saved.list" 2>/dev/null
ok $? "the saved file is a tarball"
grep -qx manifest.json "$TEST_DIR/saved.list"
ok $? "... with docker save's manifest.json"
is "$(tar -xOf "$TEST_DIR/saved.tar" manifest.json | pyjson 'd[0]["RepoTags"]')" '["busybox:latest"]' \
	"... naming busybox:latest"

berth image save busybox:latest -
is "$RC" 0 "image save to - (stdout, not a terminal) exits 0"
cmp -s "$OUTF" "$TEST_DIR/saved.tar"
ok $? "image save - writes the same tarball to stdout"

dk main create --name user busybox true >/dev/null
berth image delete "$BBID"
is "$RC" 1 "deleting by ID an image a container uses (and two tags name): exit 1"
one_line "$ERR" "... one line"
like "$ERR" '^berth: local: .*(conflict|being used)' "... the engine's reason"
dk main rm user >/dev/null
has_image busybox:latest && has_image busybox:second
ok $? "... and both tags are still there"

berth image delete busybox:latest busybox:second
is "$RC" 0 "image delete of both tags exits 0"
has_image "$BBID"
isnt "$?" 0 "the engine no longer has the image"
berth image list -q
is "$OUT" "" "image list -q is empty"

berth image load "$TEST_DIR/saved.tar"
is "$RC" 0 "image load of a plain tarball exits 0"
contains "$OUT" "busybox:latest" "image load says what it loaded"
is "$(dk main image inspect -f '{{.Id}}' busybox:latest 2>/dev/null)" "$BBID" "the engine has busybox:latest back, same ID"

# docker save's output, gzip'd, under a second name
dk main tag busybox:latest zipped:1
dk main save zipped:1 | gzip -c >"$TEST_DIR/zipped.tar.gz"
dk main rmi zipped:1 >/dev/null
has_image zipped:1
isnt "$?" 0 "zipped:1 is not there before the load"
berth image load "$TEST_DIR/zipped.tar.gz"
is "$RC" 0 "image load of a gzip'd docker save exits 0"
contains "$OUT" "zipped:1" "... and names zipped:1"
has_image zipped:1
ok $? "the engine has zipped:1"

dk main rmi zipped:1 >/dev/null
RUN_STDIN="$TEST_DIR/zipped.tar.gz" berth image load -
is "$RC" 0 "image load - reads stdin"
has_image zipped:1
ok $? "... and loaded zipped:1"

# the loaded image runs
dk main run --rm zipped:1 echo loaded-and-running >"$TEST_DIR/ran" 2>&1
is "$(cat "$TEST_DIR/ran")" loaded-and-running "a container runs from the loaded image"

printf 'this is not a tarball\n' >"$TEST_DIR/junk.tar"
berth image load "$TEST_DIR/junk.tar"
is "$RC" 1 "loading a file that is no tarball: exit 1"
one_line "$ERR" "... one line"
like "$ERR" '^berth: local: ' "... the engine's complaint with the host name"

berth image load "$TEST_DIR/nonexistent.tar"
is "$RC" 1 "loading a missing file: exit 1"
one_line "$ERR" "... one line"
contains "$ERR" "nonexistent.tar" "... naming the file"

berth image save busybox:latest "$TEST_DIR/no/such/dir/x.tar"
is "$RC" 1 "saving into a missing directory: exit 1"
contains "$ERR" "$TEST_DIR/no/such/dir/x.tar" "... naming the file"

berth image save nosuch:image "$TEST_DIR/nosuch.tar"
is "$RC" 1 "saving an unknown image: exit 1"
one_line "$ERR" "... one line"
contains "$ERR" "nosuch" "... naming it"
[ ! -e "$TEST_DIR/nosuch.tar" ]
ok $? "... and leaves no file behind"

# --- delete ---------------------------------------------------------------------------------

berth image delete zipped:1
is "$RC" 0 "image delete of a tag exits 0"
has_image zipped:1
isnt "$?" 0 "the tag is gone"
has_image busybox:latest
ok $? "the other tag of the same image stays"

berth image delete nosuch:tag
is "$RC" 1 "deleting an unknown image: exit 1"
one_line "$ERR" "... one line"
contains "$ERR" "local: No such image: nosuch:tag" "... the engine's message with the host"

berth image rm --json busybox:latest
is "$RC" 0 "image rm --json exits 0"
json_valid "$OUTF"
ok $? "image rm --json prints JSON"
contains "$OUT" "$BBID" "... naming the deleted image"

# --- pull cannot work here ------------------------------------------------------------------

closed=$(free_port)
start=$SECONDS
berth image pull "127.0.0.1:$closed/nothing:1"
is "$RC" 1 "pull from a registry that is not there: exit 1"
one_line "$ERR" "... one line"
like "$ERR" "^berth: local: .*127\\.0\\.0\\.1:$closed" "... the engine's reason, naming the registry"
is "$OUT" "" "... nothing on stdout (no progress off a terminal)"

RUN_TIMEOUT=120 berth image pull hello-world
is "$RC" 1 "pull from Docker Hub (unreachable here): exit 1"
one_line "$ERR" "... one line"
like "$ERR" '^berth: local: ' "... the engine's reason with the host"
ok $((SECONDS - start > 90)) "both pulls failed promptly ($((SECONDS - start))s)"

done_testing
