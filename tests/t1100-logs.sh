#!/bin/bash
# t1100-logs: container logs against a real engine: stdout and stderr kept
# apart, --tail, --timestamps, a TTY container's raw stream, --follow that
# ends with the container or with SIGINT (as the docker CLI's does), and
# 1 MB arriving intact.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)

# run_done NAME CMD...: a container that ran to its end.
run_done() {
	local name=$1
	shift
	dk main run --name "$name" "$@" >/dev/null 2>&1
	[ "$(dk main inspect -f '{{.State.Status}}' "$name")" = exited ] ||
		BAIL_OUT "container $name did not run"
}

# --- stdout and stderr --------------------------------------------------------------

run_done mixed busybox sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf "no newline"'
berth container logs mixed
is "$RC" 0 "logs exits 0"
is "$OUT" $'out1\nout2\nno newline' "the container's stdout goes to stdout"
is "$ERR" $'err1\nerr2' "the container's stderr goes to stderr"
cmp -s "$OUTF" <(dk main logs mixed 2>/dev/null)
ok $? "stdout is byte for byte what the engine holds"

# --- --tail -----------------------------------------------------------------------------

run_done counted busybox seq 1 10
berth container logs --tail 3 counted
is "$RC" 0 "logs --tail 3 exits 0"
is "$OUT" $'8\n9\n10' "--tail 3: the last three lines"
berth container logs -n 1 counted
is "$OUT" 10 "-n 1: the last line"
berth container logs --tail 0 counted
is "$OUT" "" "--tail 0: nothing"
berth container logs --tail all counted
is "$OUT" "$(seq 1 10)" "--tail all: everything"
berth container logs --tail many counted
is "$RC" 2 "--tail with a non-number is a usage error"
one_line "$ERR" "... in one line"

# --- --timestamps --------------------------------------------------------------------------

berth container logs --timestamps counted
is "$RC" 0 "logs --timestamps exits 0"
is "$(wc -l <"$OUTF")" 10 "--timestamps: one line per line"
is "$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z [0-9]+$' "$OUTF")" 0 \
	"--timestamps: each line starts with an RFC 3339 timestamp"
is "$(sed 's/^[^ ]* //' "$OUTF")" "$(seq 1 10)" "--timestamps: the text follows the stamp"
berth container logs -t -n 2 counted
is "$(sed 's/^[^ ]* //' "$OUTF")" $'9\n10' "-t with -n 2"

# --- a TTY container ---------------------------------------------------------------------

berth container create -t --name tty1 busybox sh -c 'echo tty-one; echo tty-two >&2; echo tty-three'
is "$RC" 0 "create -t exits 0"
is "$(dk main inspect -f '{{.Config.Tty}}' tty1)" true "the engine has Tty set"
dk main start -a tty1 >/dev/null 2>&1
berth container logs tty1
is "$RC" 0 "logs of a TTY container exits 0"
is "$(tr -d '\r' <"$OUTF")" $'tty-one\ntty-two\ntty-three' "a TTY's raw stream, all on stdout, no frame headers"
is "$ERR" "" "a TTY container has nothing on stderr"

# --- --follow until the container stops --------------------------------------------------

dk main run -d --name ticker busybox sh -c 'for i in 1 2 3; do echo tick$i; sleep 1; done' >/dev/null
start=$SECONDS
RUN_TIMEOUT=30 berth container logs --follow ticker
elapsed=$((SECONDS - start))
is "$RC" 0 "--follow ends with status 0 when the container stops"
is "$OUT" $'tick1\ntick2\ntick3' "--follow got every line"
ok $((elapsed < 2)) "--follow waited for the container (${elapsed}s)"
ok $((elapsed > 20)) "--follow ended when the container did (${elapsed}s)"

berth container logs -f counted
is "$RC" 0 "--follow of an exited container returns at once"
is "$OUT" "$(seq 1 10)" "... with its whole output"

# --- --follow ended by SIGINT --------------------------------------------------------------

dk main run -d --name forever busybox sh -c 'echo begin; while true; do sleep 1; echo more; done' >/dev/null

# follow_sigint TAG CMD...: runs CMD (a logs --follow of forever) in the
# background, sends it SIGINT once it printed a line, and leaves its exit
# status in $st, its output in TAG.out and TAG.err.
follow_sigint() {
	local tag=$1 fpid
	shift
	# A background job of a script has SIGINT ignored; give it the default.
	env --default-signal=INT "$@" >"$TEST_DIR/$tag.out" 2>"$TEST_DIR/$tag.err" </dev/null &
	fpid=$!
	bg_track "$fpid"
	wait_for 15 grep -q begin "$TEST_DIR/$tag.out"
	ok $? "$tag: --follow printed the first line"
	sleep 1.5
	kill -INT "$fpid"
	if _wait_gone 10 "$fpid"; then
		wait "$fpid"
		st=$?
		pass "$tag: ended within 10s of SIGINT"
	else
		st=timeout
		fail "$tag: did not end within 10s of SIGINT"
	fi
}

# The docker CLI (28.2) ends `docker logs -f` at Ctrl-C with status 130 and
# nothing on stderr; berth does as it does (shell/shell.c: a command
# cancelled by Ctrl-C gives status 130).
follow_sigint docker "$DOCKER_CLI" -H "unix://$(engine_sock main)" logs -f forever
docker_st=$st
follow_sigint follow "$BERTH" container logs --follow forever
is "$st" 130 "SIGINT during --follow: status 130"
is "$st" "$docker_st" "... the status the docker CLI gives docker logs -f"
is "$(cat "$TEST_DIR/follow.err")" "" "SIGINT during --follow: nothing on stderr"
is "$(cat "$TEST_DIR/docker.err")" "" "... as the docker CLI says nothing"
like "$(cat "$TEST_DIR/follow.out")" $'^begin\nmore' "the lines before SIGINT arrived"
# ... and the documentation says so: 130, with no exception for --follow
# in berth(1) and the README.
MAN="$TOP_SRCDIR/man/berth.1"
man_follow=$(sed -n '/^\\fB\\-f\\fR, \\fB\\-\\-follow\\fR$/,/^\.TP/p' "$MAN")
contains "$man_follow" "130" "berth(1): container logs --follow names status 130 for Ctrl-C"
unlike "$man_follow" "successfully" "berth(1): ... and does not call it a success"
man_exit=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH ENVIRONMENT/p' "$MAN")
unlike "$man_exit" "with status 0" "berth(1) EXIT STATUS makes no exception for --follow"
readme_exit=$(sed -n '/^Exit status$/,/^Tests$/p' "$TOP_SRCDIR/README")
contains "$readme_exit" "130" "README: exit status 130 for Ctrl-C"
unlike "$readme_exit" "ends with 0" "README: ... with no exception for --follow"
is "$(dk main inspect -f '{{.State.Status}}' forever)" running "the container runs on"

# --- 1 MB intact -------------------------------------------------------------------------------

# 8192 lines of 128 bytes; a checksum line per 1024 lines would hide
# nothing a byte comparison does not catch, so compare bytes.
line=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-=
run_done big busybox sh -c "yes '$line' | head -n 8192; yes 'to stderr' | head -n 4096 >&2"
berth container logs big
is "$RC" 0 "logs of 1 MB exits 0"
is "$(wc -c <"$OUTF")" 1048576 "1 MB on stdout"
yes "$line" | head -n 8192 | cmp -s - "$OUTF"
ok $? "the 1 MB arrived intact, byte for byte"
is "$(wc -l <"$ERRF")" 4096 "its 4096 stderr lines went to stderr"
is "$(sort -u "$ERRF")" "to stderr" "... intact"

timeout 60 "$BERTH" container logs big 2>/dev/null </dev/null | head -n 2 >/dev/null
is "${PIPESTATUS[0]}" 0 "1 MB of logs into a closed pipe: exit 0"

done_testing
