#!/bin/bash
# t1500-interactive: the interactive shell through a pseudo-terminal
# (tests/interactive.exp, run by expect): the prompt shows the pinned host
# or "pool", a command and its output, history recalled after a restart,
# tab completion, Ctrl-C at the prompt and during a command, exit.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
command -v expect >/dev/null || skip_all "expect is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
dk main create --name ttyname busybox true >/dev/null
dk main run -d --name forever busybox sh -c 'echo begin; while true; do sleep 1; echo more; done' >/dev/null

# "second" is the same engine under another name, to watch the prompt
# (and the pool counting that engine once).
cat >hosts.yaml <<EOF
hosts:
  second: { url: "$(engine_url main)" }
EOF
export BERTH_CONFIG=$TEST_DIR/hosts.yaml
export TERM=xterm
HISTFILE=$XDG_STATE_HOME/berth/history

# scenario NAME: runs interactive.exp NAME, one TAP line per check.
scenario() {
	local name=$1 line n=0
	export EXP_LOG=$TEST_DIR/expect-$name.log
	: >"$EXP_LOG"
	RUN_TIMEOUT=120 run expect -f "$TOP_SRCDIR/tests/interactive.exp" "$name"
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "$name: ${line#PASS }"; n=$((n + 1)) ;;
		FAIL\ *) fail "$name: ${line#FAIL }"; n=$((n + 1))
			diag "transcript (cat -v) of $name:" "$(tail -c 3000 "$EXP_LOG" | cat -v)" ;;
		esac
	done <<<"$OUT"
	[ "$n" -gt 0 ] || fail "$name: the expect script reported nothing (status $RC)" "$ERR"
	[ "$RC" -eq 0 ] || fail "$name: the expect script exited $RC" "$ERR"
}

# libedit's history file holds words vis(3)-encoded ("\040" for a blank).
history_lines() {
	"$PYTHON" -c '
import re, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("_HiStOrY_V2_"):
        continue
    print(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line))
' "$1"
}

scenario session
[ -f "$HISTFILE" ]
ok $? "the history is saved under \$XDG_STATE_HOME/berth/history"
is "$(history_lines "$HISTFILE" 2>/dev/null | tail -n 1)" "container list -q --all" \
	"the history file ends with the session's last command"
is "$(stat -c %a "$XDG_STATE_HOME/berth" 2>/dev/null)" 700 "the state directory is private"

scenario history

scenario complete
# the scenario's three lines: the completed list, the completed host use, exit
tail3=$(history_lines "$HISTFILE" 2>/dev/null | tail -n 3 | sed 's/ *$//')
is "$tail3" $'container list --all\nhost use second\nexit' \
	"the history holds the completed lines (container list --all, host use second)"

scenario ctrlc
unlike "$(history_lines "$HISTFILE" 2>/dev/null)" 'lisXYZ' "a line dropped with Ctrl-C is not in the history"
is "$(dk main inspect -f '{{.State.Status}}' forever)" running "the followed container still runs"

# berth is not linked with libedit; the interactive shell loads it
# (shell/editline.c). A one-shot never does; one that cannot be loaded
# leaves the shell without line editing, not without commands.
if command -v strace >/dev/null; then
	strace -f -e trace=openat -o "$TEST_DIR/oneshot.strace" "$BERTH" version >/dev/null 2>&1
	unlike "$(grep -v ENOENT "$TEST_DIR/oneshot.strace")" 'libedit' "a one-shot command does not load libedit"
else
	skip 1 "strace is not installed"
fi
mkdir -p "$TEST_DIR/noedit"
: >"$TEST_DIR/noedit/libedit.so.2"
LD_LIBRARY_PATH=$TEST_DIR/noedit${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} scenario noedit

done_testing
