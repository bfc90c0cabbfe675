#!/bin/bash
# t0100-shell: the shell's modes against a real engine: one-shot, -c, -f
# FILE and a script on stdin; comments, blank lines, continuation and
# quoting; FILE:LINE in batch errors; stop at the first failure or run on
# with --keep-going; exit statuses; the `docker` prefix; a closed pipe;
# --json and -q output; no escape sequences off a terminal.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

# The engine's own view of a container: inspect FIELD-EXPRESSION NAME.
einspect() { dk main inspect "$2" | pyjson "d[0]$1"; }
# Short IDs of every container, sorted, as the engine lists them.
engine_ids() { dk main ps -aq --no-trunc | cut -c1-12 | sort; }

# --- one-shot ---------------------------------------------------------------

berth container list --all
is "$RC" 0 "one-shot container list --all exits 0"
is "$ERR" "" "one-shot list writes nothing on stderr"
like "$(head -n 1 "$OUTF")" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' \
	"an empty listing prints the header line"
is "$(wc -l <"$OUTF")" 1 "an empty listing prints only the header"

berth container list --all -q
is "$RC" 0 "-q on an empty engine exits 0"
is "$OUT" "" "-q on an empty engine prints nothing, not even a header"

dk main create --name one --label set=t0100 busybox true >/dev/null
dk main create --name two --label set=t0100 busybox true >/dev/null
dk main run -d --name three --label set=other busybox sleep 300 >/dev/null

berth container list --all -q
is "$RC" 0 "container list --all -q exits 0"
is "$(sort "$OUTF")" "$(engine_ids)" "-q prints exactly the engine's short IDs"
is "$(grep -cvE '^[0-9a-f]{12}$' "$OUTF")" 0 "-q prints nothing but 12-digit IDs"

berth container list
is "$RC" 0 "container list exits 0"
is "$(tail -n +2 "$OUTF" | wc -l)" 1 "without --all only the running container is listed"
like "$(tail -n +2 "$OUTF")" ' three$' "the running container's row ends with its name"

# --- the docker prefix, aliases and prefixes --------------------------------

berth container list --all -q
want=$(sort "$OUTF")
berth docker container list --all -q
is "$RC" 0 "docker container list exits 0"
is "$(sort "$OUTF")" "$want" "docker container list == container list"
berth docker container ls -a -q
is "$(sort "$OUTF")" "$want" "docker container ls -a -q == container list --all -q"
berth cont ls -aq
is "$RC" 0 "a unique prefix of the noun and bundled flags work"
is "$(sort "$OUTF")" "$want" "cont ls -aq == container list --all -q"

# --- -c ----------------------------------------------------------------------

berth -c 'container list -q --all; image list -q'
is "$RC" 0 "-c with two commands exits 0"
is "$(wc -l <"$OUTF")" 4 "-c ran both commands (3 container IDs, 1 image ID)"
is "$(tail -n 1 "$OUTF")" "$(dk main images -q | head -n 1)" "the second command's output comes last"

berth -c "container create --name quoted --label 'k=a b;c' busybox echo 'x;y' \"d q\" e\\ f"
is "$RC" 0 "-c with quoted words and a ';' inside quotes exits 0"
like "$OUT" '^[0-9a-f]{64}$' "create prints the full new ID"
is "$OUT" "$(einspect '["Id"]' quoted)" "the printed ID is the engine's"
is "$(einspect '["Config"]["Labels"]["k"]' quoted)" "a b;c" "a quoted label value keeps its blank and ';'"
is "$(einspect '["Config"]["Cmd"]' quoted)" '["echo", "x;y", "d q", "e f"]' \
	"single, double and backslash quoting split words as a POSIX shell does"

berth -c 'container inspect nosuch; container create --name never busybox'
is "$RC" 1 "-c stops at a failing command with status 1"
is "$ERR" "berth: local: No such container: nosuch" "-c reports the engine's error as 'berth: HOST: ...'"
dk main inspect never >/dev/null 2>&1
isnt "$?" 0 "-c did not run the command after the failing one"

berth -k -c 'container inspect nosuch; container create --name after-k busybox'
is "$RC" 1 "-k -c returns the failure's status"
dk main inspect after-k >/dev/null 2>&1
is "$?" 0 "-k -c ran on past the failing command"

# --- -f FILE -----------------------------------------------------------------

cat >good.berth <<'EOF'
# a batch file: comments, blank lines, continuation, quoting

   # an indented comment
container create --name from-file \
	--label "origin=batch file" \
	-e 'GREETING=hello world' busybox echo "a b" c\ d   # a trailing comment

container list --all -q --filter label=origin="batch file"
EOF
berth -f good.berth
is "$RC" 0 "-f FILE exits 0"
is "$ERR" "" "-f FILE writes nothing on stderr"
id=$(dk main inspect -f '{{.Id}}' from-file 2>/dev/null)
is "$(head -n 1 "$OUTF")" "$id" "the continued create line ran and printed the ID"
is "$(sed -n 2p "$OUTF")" "${id:0:12}" "the filtered list found it by its quoted label"
is "$(wc -l <"$OUTF")" 2 "comments and blank lines produce nothing"
is "$(einspect '["Config"]["Labels"]["origin"]' from-file)" "batch file" "a double-quoted label value across a continuation"
is "$(einspect '["Config"]["Env"]' from-file | "$PYTHON" -c 'import json,sys; print("GREETING=hello world" in json.load(sys.stdin))')" \
	True "a single-quoted env value keeps its blank"
is "$(einspect '["Config"]["Cmd"]' from-file)" '["echo", "a b", "c d"]' "a trailing comment is not part of the command"

# --- a script on stdin ----------------------------------------------------------

printf 'container list --all -q \\\n  --filter label=set=t0100\n' >stdin.berth
RUN_STDIN=stdin.berth berth
is "$RC" 0 "a script on stdin (no command, stdin not a terminal) exits 0"
is "$(sort "$OUTF")" "$(dk main ps -aq --filter label=set=t0100 | sort)" "the stdin script ran"
RUN_STDIN=stdin.berth berth -f -
is "$RC" 0 "-f - reads stdin"
is "$(sort "$OUTF")" "$(dk main ps -aq --filter label=set=t0100 | sort)" "-f - ran the script"

# --- batch errors: FILE:LINE, stop, --keep-going -------------------------------

cat >bad.berth <<'EOF'
container list -q
container list \
	--all -q

container inspect nosuch
container create --name not-reached busybox
EOF
berth -f bad.berth
is "$RC" 1 "a batch stops with status 1 at a failing operation"
is "$ERR" "bad.berth:5: local: No such container: nosuch" \
	"the error names FILE:LINE (counting continued and blank lines)"
dk main inspect not-reached >/dev/null 2>&1
isnt "$?" 0 "the line after the failing one did not run"

berth --keep-going -f bad.berth
is "$RC" 1 "--keep-going: the status of the failing line"
is "$ERR" "bad.berth:5: local: No such container: nosuch" "--keep-going still reports the failure"
dk main inspect not-reached >/dev/null 2>&1
is "$?" 0 "--keep-going ran the line after the failure"

cat >usage.berth <<'EOF'
container list -q
contaner list
container create --name not-reached-2 busybox
EOF
berth -f usage.berth
is "$RC" 2 "a usage error stops a batch with status 2"
is "$ERR" "usage.berth:2: unknown command: contaner (did you mean container?)" "a usage error names FILE:LINE"
dk main inspect not-reached-2 >/dev/null 2>&1
isnt "$?" 0 "nothing ran after the usage error"

cat >mixed.berth <<'EOF'
contaner list
container create --name mixed-ran busybox
container start nosuch
container list -q
EOF
berth -k -f mixed.berth
is "$RC" 1 "-k: the status of the last failing line (1 after an earlier 2)"
is "$(grep -c '' "$ERRF")" 2 "-k: one error line per failing line"
like "$(sed -n 1p "$ERRF")" '^mixed\.berth:1: unknown command: contaner' "-k: first error names line 1"
is "$(sed -n 2p "$ERRF")" "mixed.berth:3: local: No such container: nosuch" "-k: second error names line 3"

RUN_STDIN=bad.berth berth
is "$RC" 1 "a failing stdin script exits 1"
is "$ERR" "stdin:5: local: No such container: nosuch" "stdin errors are labelled stdin:LINE"

# --- exit statuses ----------------------------------------------------------------

berth container inspect one
is "$RC" 0 "exit 0 on success"
berth container start nosuch
is "$RC" 1 "exit 1 when the operation fails"
is "$ERR" "berth: local: No such container: nosuch" "one-shot errors are 'berth: MESSAGE'"
berth container bogus
is "$RC" 2 "exit 2 on a usage error"
one_line "$ERR" "a usage error is one line"

# --- --json ----------------------------------------------------------------------

berth container list --all --json
is "$RC" 0 "container list --json exits 0"
json_valid "$OUTF"
ok $? "container list --json is one valid JSON document"
is "$(pyjson 'sorted(c["Id"][:12] for c in d)' <"$OUTF")" \
	"$(engine_ids | "$PYTHON" -c 'import json,sys; print(json.dumps(sys.stdin.read().split(), sort_keys=True))')" \
	"container list --json holds the engine's containers"
is "$(pyjson 'sorted(set(c["Host"] for c in d))' <"$OUTF")" '["local"]' "each object carries \"Host\": \"local\""

for cmd in "image list" "host list" "container inspect one two" "host info" "version"; do
	read -r -a words <<<"$cmd"
	berth "${words[@]}" --json
	is "$RC" 0 "$cmd --json exits 0"
	json_valid "$OUTF"
	ok $? "$cmd --json is one valid JSON document" || diag "$(head -c 500 "$OUTF")"
done
berth container inspect one two --json
is "$(pyjson '[o["Name"] for o in d]' <"$OUTF")" '["/one", "/two"]' "inspect --json: the engine's objects, in order"

berth container create --json --name json-made busybox
is "$RC" 0 "create --json exits 0"
is "$(pyjson '[d["Id"], d["Host"], d["Started"]]' <"$OUTF")" \
	"[\"$(dk main inspect -f '{{.Id}}' json-made)\", \"local\", false]" "create --json: Id, Host, Started"
like "$(pyjson 'd["Name"]' <"$OUTF")" '^/?json-made$' "create --json: Name"

# --- no escape sequences off a terminal --------------------------------------------

for cmd in "container list --all" "image list" "host list" "help" "container create --help"; do
	read -r -a words <<<"$cmd"
	berth "${words[@]}"
	has_ansi "$OUTF"
	isnt "$?" 0 "$cmd: no escape sequences when stdout is not a terminal"
done
berth contaner
has_ansi "$ERRF"
isnt "$?" 0 "error messages carry no escape sequences"

# --- a closed pipe -------------------------------------------------------------------

# Enough containers that the JSON listing is far over a pipe's 64 KiB.
seq 1 70 | xargs -P 4 -I{} "$DOCKER_CLI" -H "$DOCKER_HOST" create \
	--label bulk=yes --label "padding=$(printf 'x%.0s' {1..1000})" \
	--name bulk{} busybox true >/dev/null
is "$(dk main ps -aq --filter label=bulk=yes | wc -l)" 70 "70 more containers made"

timeout 60 "$BERTH" container list --all --json 2>"$TEST_DIR/pipe.err" </dev/null | head -c 100 >/dev/null
st=${PIPESTATUS[0]}
is "$st" 0 "list --json into a pipe closed after 100 bytes exits 0"
is "$(cat "$TEST_DIR/pipe.err")" "" "... and writes nothing on stderr"

timeout 60 "$BERTH" container list --all 2>"$TEST_DIR/pipe.err" </dev/null | head -n 1 >"$TEST_DIR/pipe.out"
st=${PIPESTATUS[0]}
is "$st" 0 "container list --all | head -1 exits 0"
is "$(cat "$TEST_DIR/pipe.err")" "" "container list --all | head -1: nothing on stderr"
like "$(cat "$TEST_DIR/pipe.out")" '^CONTAINER ID' "head got the header"

# A reader that is gone before berth writes at all.
timeout 60 "$BERTH" container list --all 2>"$TEST_DIR/pipe.err" </dev/null | { exec <&-; sleep 0.5; }
st=${PIPESTATUS[0]}
is "$st" 0 "a pipe closed before the first write: exit 0"
is "$(cat "$TEST_DIR/pipe.err")" "" "a pipe closed before the first write: nothing on stderr"

cat >pipe.berth <<'EOF'
container list --all --json
container create --name after-pipe busybox
EOF
timeout 60 "$BERTH" -f pipe.berth 2>"$TEST_DIR/pipe.err" </dev/null | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
is "$st" 0 "a batch writing into a closed pipe ends with 0"
is "$(cat "$TEST_DIR/pipe.err")" "" "... quietly"
dk main inspect after-pipe >/dev/null 2>&1
isnt "$?" 0 "... and stops: the next line did not run"

done_testing
