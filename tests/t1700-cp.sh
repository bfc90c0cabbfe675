#!/bin/bash
# t1700-cp: container cp, top and stats against a real engine. cp round-
# trips a 100 MB file and a directory tree (modes, setgid, an empty
# directory, a symbolic link, a hard link, a long name, times), checked
# against what `docker cp` gives on the same engine, both ways; follows
# docker cp's placement rules (into a directory, to a new name, DIR/.);
# '-' for a tar on stdin or stdout; errors in one line. top and stats
# show a HOST column and have --json. The throughput against docker cp is
# reported as a diagnostic.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
dk main run -d --name box busybox sleep 600 >/dev/null || BAIL_OUT "cannot run a container"

# listing DIR: what a copy must keep of each entry below DIR, sorted: the
# path, type, mode, size, link target, and for files the mtime.
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %s %l %n\n' \
		-a \( -type f -printf 'mtime %P %TY%Tm%Td%TH%TM%TS\n' -o -true \) | cut -c1-200 |
		sed 's/\.[0-9]*$//' | LC_ALL=C sort)
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- a 100 MB file ---------------------------------------------------------------------

head -c 100M /dev/urandom >big
t0=$(ms); berth container cp big box:/tmp/big; t_in=$(($(ms) - t0))
is "$RC" 0 "cp FILE CONTAINER:/tmp/big exits 0"
is "$OUT$ERR" "" "... silently"
t0=$(ms); dk main cp big box:/tmp/dbig; d_in=$(($(ms) - t0))
rm -f viadocker; dk main cp box:/tmp/big viadocker
cmp -s big viadocker
ok $? "docker cp gives back the 100 MB berth copied in, byte for byte"
t0=$(ms); berth container cp box:/tmp/dbig back; t_out=$(($(ms) - t0))
is "$RC" 0 "cp CONTAINER:/tmp/dbig FILE exits 0"
cmp -s big back
ok $? "berth gives back the 100 MB docker cp copied in, byte for byte"
t0=$(ms); dk main cp box:/tmp/dbig dback; d_out=$(($(ms) - t0))
is "$(stat -c %a back)" "$(stat -c %a dback)" "the file's mode is docker cp's"
diag "100 MB in: berth ${t_in} ms, docker cp ${d_in} ms; out: berth ${t_out} ms, docker cp ${d_out} ms"
rm -f big back dback viadocker

# --- a tree ------------------------------------------------------------------------------------

long=$(printf 'n%.0s' $(seq 1 120))
mkdir -p tree/sub/deeper tree/empty tree/locked "tree/with space"
echo hello >tree/a.txt
printf '#!/bin/sh\necho hi\n' >tree/sub/run.sh
head -c 70000 /dev/urandom >tree/sub/deeper/blob
echo long >"tree/sub/$long"
echo spaced >"tree/with space/f"
: >tree/empty-file
ln -s a.txt tree/link
ln -s /nowhere tree/dangling
ln tree/a.txt tree/hard
echo private >tree/locked/secret
chmod 0640 tree/a.txt
chmod 0755 tree/sub/run.sh
chmod 2750 tree/sub
chmod 0700 tree/empty
chmod 0555 tree/locked
touch -d '2020-02-03 04:05:06' tree/sub/deeper/blob

berth container cp tree box:/tmp
is "$RC" 0 "cp DIR CONTAINER:/tmp exits 0"
rm -rf dtree; dk main cp box:/tmp/tree dtree
is "$(listing dtree)" "$(listing tree)" "docker cp finds the tree berth copied in: names, types, modes, sizes, links, times"
diff -r --no-dereference tree dtree >/dev/null
ok $? "... and the same contents"

dk main cp tree box:/tmp/dtree
berth container cp box:/tmp/dtree btree
is "$RC" 0 "cp CONTAINER:DIR NEW exits 0"
rm -rf ddtree; dk main cp box:/tmp/dtree ddtree
is "$(listing btree)" "$(listing ddtree)" "berth unpacks the tree as docker cp does"
diff -r --no-dereference tree btree >/dev/null
ok $? "... with the same contents"

mkdir into
berth container cp box:/tmp/tree into
is "$RC" 0 "cp CONTAINER:DIR EXISTING-DIR exits 0"
is "$(listing into/tree)" "$(listing tree)" "... puts it under its own name"
mkdir contents
berth container cp box:/tmp/tree/. contents
is "$(listing contents)" "$(listing tree)" "CONTAINER:DIR/. copies what the directory holds"
berth container cp box:/tmp/tree/a.txt renamed.txt
is "$(cat renamed.txt)" hello "CONTAINER:FILE NEW-NAME: the file under the new name"
berth container cp tree/a.txt box:/tmp/tree/copied.txt
is "$(dk main exec box cat /tmp/tree/copied.txt)" hello "FILE CONTAINER:NEW-NAME: under the new name"
berth container cp tree/. box:/tmp/tree/sub/deeper
is "$(dk main exec box cat /tmp/tree/sub/deeper/a.txt)" hello "DIR/. CONTAINER:DIR: the contents go in"

# --- '-' ------------------------------------------------------------------------------------------

berth container cp box:/tmp/tree -
is "$RC" 0 "cp CONTAINER:DIR - exits 0"
dk main cp box:/tmp/tree - >docker.tar
is "$(tar -tvf "$OUTF" | awk '{print $1, $3, $6}' | sort)" \
	"$(tar -tvf docker.tar | awk '{print $1, $3, $6}' | sort)" "- writes the engine's tar to stdout, as docker cp"
mkdir -p tin/emptydir
dk main cp tin/emptydir box:/tmp/in
tar -C tree -cf in.tar .
RUN_STDIN=in.tar berth container cp - box:/tmp/in
is "$RC" 0 "cp - CONTAINER:DIR exits 0"
rm -rf fromin; dk main cp box:/tmp/in fromin
is "$(listing fromin)" "$(listing tree)" "- reads a tar from stdin into the directory"

# --- errors ---------------------------------------------------------------------------------

berth container cp box:/nowhere x
is "$RC" 1 "a missing path in the container: exit 1"
one_line "$ERR" "... in one line"
like "$ERR" "nowhere" "... naming it"
berth container cp missing-local box:/tmp
is "$RC" 1 "a missing local path: exit 1"
like "$ERR" "missing-local" "... naming it"
berth container cp a b
is "$RC" 2 "neither side in a container: usage error"
one_line "$ERR" "... in one line"
berth container cp nosuch:/tmp x
is "$RC" 1 "an unknown container: exit 1"
berth container cp tree box:/tmp/tree/a.txt
is "$RC" 1 "a directory onto a file: exit 1"
like "$ERR" "directory" "... saying why"

# --- top ------------------------------------------------------------------------------------

berth container top box
is "$RC" 0 "container top exits 0"
like "$(head -n 1 "$OUTF")" '^HOST +UID +PID' "a HOST column, then the engine's titles"
like "$OUT" "local +[a-z0-9]+ +[0-9]+ .*sleep 600" "the container's process on its host"
berth container top --json box
is "$RC" 0 "top --json exits 0"
is "$(pyjson 'd["Host"]' <"$OUTF")" local "--json: Host"
like "$(pyjson 'd["Processes"]' <"$OUTF")" "sleep 600" "--json: the processes"
berth container top box -o pid,comm
is "$(head -n 1 "$OUTF" | tr -s ' ')" "HOST PID COMMAND" "ps options after the container"

# --- stats ----------------------------------------------------------------------------------

berth container stats --no-stream
is "$RC" 0 "stats --no-stream exits 0"
like "$(head -n 1 "$OUTF")" '^HOST +CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT' "docker stats' columns after HOST"
like "$OUT" "local +[0-9a-f]{12} +box +[0-9.]+%" "a row for the running container"
berth container stats --no-stream --json box
is "$RC" 0 "stats --no-stream --json exits 0"
is "$(pyjson '[r["Name"] for r in d]' <"$OUTF")" '["box"]' "--json: one object per container"
is "$(pyjson '[r["Host"] for r in d]' <"$OUTF")" '["local"]' "--json: with its host"
RUN_TIMEOUT=30 run timeout -s INT 3.6 "$BERTH" container stats box
ok "$([ "$(grep -c '^HOST' "$OUTF")" -ge 2 ]; echo $?)" "live stats: a table a second until Ctrl-C"

done_testing
