#!/bin/bash
# t1210-image-verbs: image tag, history, import and prune against real
# engines, judged by docker inspect and by the docker CLI: import's image
# against docker import's of the same tarball, history against docker
# history, prune against docker's prune on a second engine given the same
# images.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
engine_start two
busybox_image "$(engine_sock main)"
busybox_image "$(engine_sock two)"
export DOCKER_HOST=$(engine_url main)
export BERTH_STORE_DIR=$TEST_DIR/store
iid() { dk "$1" image inspect -f '{{.Id}}' "$2" 2>/dev/null; }

# --- import ----------------------------------------------------------------------------

berth image import -c 'CMD ["/bin/echo", "imported"]' -c 'ENV STAGE=one' -m "from berth" \
	"$BUSYBOX_TAR" imp:1
is "$RC" 0 "image import FILE NAME:TAG exits 0"
like "$OUT" '^sha256:[0-9a-f]{64}$' "... prints the new image's ID"
is "$OUT" "$(iid main imp:1)" "... the ID of imp:1"
dk two import -c 'CMD ["/bin/echo", "imported"]' -c 'ENV STAGE=one' -m "from berth" \
	"$BUSYBOX_TAR" imp:1 >/dev/null
for f in '["Config"]["Cmd"]' '["Config"]["Env"]' '["Comment"]' '["RootFS"]["Layers"]'; do
	is "$(dk main image inspect imp:1 | pyjson "d[0]$f")" "$(dk two image inspect imp:1 | pyjson "d[0]$f")" \
		"$f as docker import makes it"
done
is "$(dk main run --rm imp:1)" imported "a container of the imported image runs its CMD"
RUN_STDIN=$BUSYBOX_TAR berth image import --json - imp:stdin
is "$RC" 0 "image import - (standard input) exits 0"
is "$(pyjson '[d["Id"], d["Host"]]' <"$OUTF")" "[\"$(iid main imp:stdin)\", \"local\"]" "--json: Id and Host"
berth image import "$TEST_DIR/nope.tar"
is "$RC" 1 "importing a file that is not there: exit 1"
one_line "$ERR" "... one line"
echo "not a tarball" >"$TEST_DIR/junk.tar"
berth image import "$TEST_DIR/junk.tar" junk
is "$RC" 1 "importing what is not a tarball: exit 1"
one_line "$ERR" "... one line"
like "$ERR" '^berth: local: ' "... the engine's refusal"

# --- tag ---------------------------------------------------------------------------------

berth image tag imp:1 retag:v2
is "$RC" 0 "image tag exits 0"
is "$OUT" "" "... prints nothing, as docker tag"
is "$(iid main retag:v2)" "$(iid main imp:1)" "the new name is the same image"
berth image tag imp:1 retag
is "$(iid main retag:latest)" "$(iid main imp:1)" "no tag: latest"
berth image tag nosuch:image x:y
is "$RC" 1 "tagging an image that is not there: exit 1"
one_line "$ERR" "... one line"

# --- history ---------------------------------------------------------------------------------

dk main run --name layer busybox sh -c 'echo data > /layerfile' >/dev/null
dk main commit -m "the second layer" -c 'CMD ["cat", "/layerfile"]' layer layered:1 >/dev/null
berth image history --json layered:1
is "$RC" 0 "image history --json exits 0"
is "$(pyjson '"\n".join("%s|%s|%s" % (r["Id"], r["CreatedBy"], r["Comment"]) for r in d)' <"$OUTF")" \
	"$(dk main history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' layered:1)" \
	"the layers, what made them and their comments, as docker history"
berth image history layered:1
is "$RC" 0 "image history exits 0"
like "$(head -n 1 "$OUTF")" '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$' "docker history's header"
is "$(($(wc -l <"$OUTF") - 1))" "$(dk main history -q layered:1 | wc -l)" "one row per layer"
contains "$OUT" "the second layer" "the commit's comment"
berth image history -q layered:1
is "$OUT" "$(dk main history -q layered:1)" "-q: the IDs docker history -q prints"

# --- prune: berth on main, docker on two, the same images -----------------------------------

images() { dk "$1" images -a --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '; }
state() { # ENGINE: a dangling image, an unused one, a used one, a labelled dangling one
	local e=$1
	dk "$e" rm -f $(dk "$e" ps -aq) >/dev/null 2>&1
	dk "$e" rmi -f $(dk "$e" images -aq) >/dev/null 2>&1
	dk "$e" import -m one "$BUSYBOX_TAR" x:dangle >/dev/null
	dk "$e" import -m two "$BUSYBOX_TAR" x:dangle >/dev/null
	dk "$e" import -c 'LABEL keep=yes' -m three "$BUSYBOX_TAR" x:dangle-keep >/dev/null
	dk "$e" import -c 'LABEL keep=yes' -m four "$BUSYBOX_TAR" x:dangle-keep >/dev/null
	dk "$e" import "$BUSYBOX_TAR" x:unused >/dev/null
	dk "$e" import -c 'CMD ["/bin/sh"]' "$BUSYBOX_TAR" busybox:latest >/dev/null
	dk "$e" create --name user busybox true >/dev/null
}
state main
state two
is "$(images main)" "$(images two)" "both engines hold the same images: $(images two)"
berth image prune
is "$RC" 2 "image prune without --force, not from a terminal: exit 2"
one_line "$ERR" "... one line"

berth image prune -f --filter label=keep=yes
is "$RC" 0 "image prune --filter label=keep=yes exits 0"
dk two image prune -f --filter label=keep=yes >/dev/null
is "$(images main)" "$(images two)" "it removed what docker's prune --filter removes"
berth image prune --force
is "$RC" 0 "image prune exits 0"
like "$(head -n 1 "$OUTF")" '^Deleted Images:$' "... docker's heading"
contains "$OUT" "deleted: sha256:" "... deleted: lines"
like "$(tail -n 1 "$OUTF")" '^Total reclaimed space: ' "... and its total"
dk two image prune -f >/dev/null
is "$(images main)" "$(images two)" "it removed exactly what docker's prune removes"
berth image prune -a -f --json
is "$RC" 0 "image prune -a exits 0"
contains "$(pyjson '[list(x) for r in d for x in r["ImagesDeleted"]]' <"$OUTF")" Untagged "--json: the engine's report"
dk two image prune -a -f >/dev/null
is "$(images main)" "$(images two)" "-a removed exactly what docker's prune -a removes"
is "$(images main)" "busybox:latest " "... only the image a container uses is left"

done_testing
