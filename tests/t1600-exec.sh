#!/bin/bash
# t1600-exec: container exec, attach, run and wait, on a local engine (unix
# socket) and on a TLS engine (127.0.0.N:PORT, --tlsverify): a real
# pseudo-terminal through expect (tests/exec.exp) for -it (typed commands,
# stty size and a resize, exit status, Ctrl-P Ctrl-Q, the terminal's
# settings after an exit, after SIGTERM and after the engine was killed,
# the interactive berth shell),
# pipes for -i (stdin to EOF, then the half-close), stdout and stderr kept
# apart, the status of a command that cannot run as docker exec gives it,
# run --rm (also interrupted) and wait.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
command -v expect >/dev/null || skip_all "expect is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

IP=127.0.0.$((20 + RANDOM % 200))
PORT=$(free_port "$IP")
CERTS=$TEST_DIR/certs
make_tls_certs "$CERTS" "$IP"

engine_start main
engine_start lab -H "tcp://$IP:$PORT" --tlsverify \
	--tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" --tlskey "$CERTS/server-key.pem"
busybox_image "$(engine_sock main)"
busybox_image "$(engine_sock lab)"
for e in main lab; do
	dk "$e" run -d --name c1 busybox sleep 86400 >/dev/null || BAIL_OUT "cannot start c1 on $e"
done

cat >hosts.yaml <<EOF
hosts:
  main: { url: "$(engine_url main)" }
  lab: { url: "tcp://$IP:$PORT", tls_dir: "$CERTS" }
EOF
export BERTH_CONFIG=$TEST_DIR/hosts.yaml
export TERM=xterm
export EXP_DIR=$TEST_DIR
printf 'a\nb\n' >ab.txt
echo hi >hi.txt
echo piped >piped.txt

# scenario NAME HOST [CONTAINER]: runs exec.exp NAME, one TAP line per check.
scenario() {
	local name=$1 host=$2 ctr=${3:-c1} line n=0
	export EXP_LOG=$TEST_DIR/expect-$name-$host.log BERTH_ARGS="-H $host"
	: >"$EXP_LOG"
	RUN_TIMEOUT=120 run expect -f "$TOP_SRCDIR/tests/exec.exp" "$name" "$ctr"
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "$host: $name: ${line#PASS }"; n=$((n + 1)) ;;
		FAIL\ *) fail "$host: $name: ${line#FAIL }"; n=$((n + 1))
			diag "transcript (cat -v) of $name:" "$(tail -c 3000 "$EXP_LOG" | cat -v)" ;;
		esac
	done <<<"$OUT"
	[ "$n" -gt 0 ] || fail "$host: $name: the expect script reported nothing (status $RC)" "$ERR"
	[ "$RC" -eq 0 ] || fail "$host: $name: the expect script exited $RC" "$ERR"
}

running() { dk "$1" inspect -f '{{.State.Running}}' "$2" 2>/dev/null; }
is_running() { [ "$(running "$1" "$2")" = true ]; }
execs_running() { # HOST CTR: how many of C's execs still run
	local id n=0
	for id in $(dk "$1" inspect -f '{{range .ExecIDs}}{{println .}}{{end}}' "$2" 2>/dev/null); do
		eapi "$1" GET "/exec/$id/json" | grep -q '"Running":true' && n=$((n + 1))
	done
	echo "$n"
}

for host in main lab; do
	scenario tty "$host"
	scenario detach "$host"
	is "$(running "$host" c1)" true "$host: after the detach the container still runs"
	is "$(execs_running "$host" c1)" 1 "$host: ... and so does the detached shell"

	# pipes: stdin to its end, then the half-close
	RUN_STDIN=ab.txt berth -H "$host" container exec -i c1 wc -l
	is "$OUT" 2 "$host: printf 'a\\nb\\n' | exec -i C wc -l prints 2"
	is "$RC" 0 "$host: ... and exits 0"
	RUN_STDIN=hi.txt berth -H "$host" container exec -i c1 cat
	is "$OUT/$RC" "hi/0" "$host: echo hi | exec -i C cat prints hi and exits 0"

	berth -H "$host" container exec c1 sh -c 'echo to-out; echo to-err >&2; exit 5'
	is "$OUT" to-out "$host: without -t stdout is the command's stdout"
	is "$ERR" to-err "$host: ... and stderr its stderr"
	is "$RC" 5 "$host: the command's exit status (5)"

	berth -H "$host" container exec c1 no-such-command
	brc=$RC
	dk "$host" exec c1 no-such-command >/dev/null 2>&1
	is "$brc" "$?" "$host: a command that cannot run: the status docker exec gives ($brc)"

	berth -H "$host" container exec -it c1 sh
	is "$RC/$ERR" "2/berth: the input device is not a TTY" \
		"$host: -it with stdin not a terminal: docker's message, status 2"

	berth -H "$host" container run --rm --name "rm-$host" busybox sh -c 'echo from-run; exit 6'
	is "$OUT/$RC" "from-run/6" "$host: run --rm: the output and the container's exit status"
	is "$(dk "$host" ps -aq --filter "name=rm-$host")" "" "$host: run --rm leaves no container"

	dk "$host" run -d --name "w7-$host" busybox sh -c 'sleep 1; exit 7' >/dev/null
	dk "$host" run -d --name "w0-$host" busybox true >/dev/null
	berth -H "$host" container wait "w7-$host" "w0-$host"
	is "$OUT" $'7\n0' "$host: wait prints each exit code"
done

# run --rm interrupted: Ctrl-C (SIGINT) while the container runs
"$BERTH" -H main container run --rm --name rm-int busybox sleep 600 >/dev/null 2>&1 &
rpid=$!
wait_for 30 is_running main rm-int
ok $? "run --rm: the container runs"
kill -INT "$rpid"
wait "$rpid"
rc=$?
is "$rc" 130 "run --rm interrupted: status 130"
is "$(dk main ps -aq --filter name=rm-int)" "" "run --rm interrupted: no container left"

RUN_STDIN=piped.txt berth -H main container run -i --rm busybox cat
is "$OUT/$RC" "piped/0" "run -i --rm: stdin to the container, then its end"

# stty_scenario NAME HOST: the local terminal's settings are the same
# before and after
stty_scenario() {
	rm -f before after
	scenario "$1" "$2"
	[ -s before ] && cmp -s before after
	ok $? "$2: $1: stty -g is the same before and after ($(cat before 2>/dev/null) / $(cat after 2>/dev/null))"
}

# the local terminal's settings, after an exit and after SIGTERM
for host in main lab; do
	for sc in stty sigterm; do stty_scenario "$sc" "$host"; done
done

dk main run -dit --name att busybox sh >/dev/null
scenario attach main att
is "$(running main att)" true "attach: after the detach the container still runs"

scenario shell main
is "$(running main c1)" true "the container is still there after the shell's session"

# the engine vanishing under exec -it (SIGKILL to this script's own
# dockerd): one line, exit 1, the terminal as it was. Last: it ends them.
# (stderr: bash's own "Killed" notice for its dockerd job; TAP is stdout.)
for host in lab main; do
	EXP_ENGINE_PID=${ENGINE_PID[$host]} stty_scenario vanish "$host" 2>/dev/null
done

done_testing
