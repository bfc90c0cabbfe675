# lib.sh: the TAP helpers and engine management every tests/tNNNN-*.sh
# sources. Bash only (SH_LOG_COMPILER = bash).
#
#   . "$TOP_SRCDIR/tests/lib.sh"
#   engine_start [--bridge] main      # private dockerd, socket in $TEST_DIR
#   busybox_image "$(engine_sock main)"
#   run "$BERTH" -H "$(engine_url main)" container list --all
#   is "$RC" 0 "list works"; like "$OUT" 'CONTAINER ID' "header"
#   done_testing
#
# TAP: pass, fail, ok STATUS, is, isnt, like/unlike (ERE), contains,
# one_line, diag, skip, skip_all, BAIL_OUT, done_testing (prints the plan).
# Running: run CMD (-> $OUT $ERR $RC, $OUTF $ERRF; $RUN_STDIN, $RUN_TIMEOUT),
# berth ARGS (run "$BERTH" ARGS), pyjson EXPR, json_valid FILE, has_ansi,
# free_port [ADDR], wait_for SECS CMD, bg_track PID.
# Engines: engine_start [--bridge] NAME [dockerd args], engine_stop NAME,
# engine_stop_all, engine_dir/engine_sock/engine_url NAME, dk NAME ARGS
# (the docker CLI), eapi NAME METHOD PATH (curl), busybox_image SOCK,
# make_tls_certs DIR IP.
#
# Every daemon, background process, bridge and mount this script made is
# removed on EXIT, INT and TERM, also when an assertion failed or the
# script died.
# Set BERTH_TEST_KEEP=1 to keep $TEST_DIR for a look afterwards.

set -u

TEST_NAME=$(basename "$0" .sh)
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
: "${BERTH:=$TOP_BUILDDIR/berth}"
export TOP_SRCDIR TOP_BUILDDIR BERTH

# A short directory: unix socket paths are limited to 107 bytes and the
# engine's containerd socket lives two levels below the engine's dir.
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/b${TEST_NAME%%-*}.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"; exit 1; }
chmod 0755 "$TEST_DIR"

# The python3 that has json and nothing else: a pyenv shim would need the
# real $HOME, which the next lines change.
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3); fi
export PYTHON

# berth must not pick up the user's files or engine by accident.
export HOME="$TEST_DIR/home"
export XDG_CONFIG_HOME="$TEST_DIR/home/.config"
export XDG_STATE_HOME="$TEST_DIR/home/.local/state"
export XDG_DATA_HOME="$TEST_DIR/home/.local/share"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME"
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION \
	DOCKER_CONTEXT BERTH_CONFIG BERTH_HOST BERTH_MONGODB_URI BERTH_OWNER
export LC_ALL=C.UTF-8 TERM=${TERM:-dumb}

# The Debian docker CLI checks engine state independently of berth.
if [ -x /usr/bin/docker ]; then
	DOCKER_CLI=/usr/bin/docker
else
	DOCKER_CLI=$(command -v docker || true)
fi
# The CLI wants its own config dir; keep it out of $HOME/.docker, which
# is DOCKER_CERT_PATH's default and the TLS tests fill on purpose.
export DOCKER_CONFIG="$TEST_DIR/docker-cli"

# --- TAP -------------------------------------------------------------------

TAP_N=0
TAP_FAILED=0
TAP_DONE=0

_tap_result() { # STATUS DESC
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$TAP_N" "$2"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_N" "$2"
		local caller="${BASH_SOURCE[2]:-$0}:${BASH_LINENO[1]:-?}"
		printf '#   failed at %s\n' "${caller##*/}"
	fi
	return "$1"
}

diag() { # LINE... (each line gets "# ")
	printf '%s\n' "$@" | sed 's/^/# /'
}

pass() { _tap_result 0 "$1"; }
fail() { _tap_result 1 "$1"; [ $# -gt 1 ] && diag "${@:2}"; return 1; }

# ok STATUS DESC: passes when STATUS is 0 (ok $? "...").
ok() { _tap_result "$([ "$1" -eq 0 ] && echo 0 || echo 1)" "$2"; }

# is GOT WANT DESC
is() {
	if [ "$1" == "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"
		diag "got:  '$1'" "want: '$2'"
		_show_last_run
		return 1
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got '$1', wanted anything else"; return 1
	fi
}

# like GOT ERE DESC: GOT matches the extended regular expression.
like() {
	if [[ $1 =~ $2 ]]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"
		diag "got:   '$1'" "match: /$2/"
		_show_last_run
		return 1
	fi
}

unlike() {
	if [[ ! $1 =~ $2 ]]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got:      '$1'" "no match: /$2/"; return 1
	fi
}

# contains GOT FIXED-STRING DESC
contains() {
	if [[ $1 == *"$2"* ]]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"
		diag "got:      '$1'" "contains: '$2'"
		_show_last_run
		return 1
	fi
}

# one_line TEXT DESC: exactly one non-empty line (an error message).
one_line() {
	local n
	n=$(printf '%s' "$1" | grep -c '')
	if [ -n "$1" ] && [ "$n" -eq 1 ]; then _tap_result 0 "$2"; else
		_tap_result 1 "$2"; diag "expected one line, got $n:" "$1"; return 1
	fi
}

skip() { # N REASON
	local i
	for ((i = 0; i < $1; i++)); do
		TAP_N=$((TAP_N + 1))
		printf 'ok %d # SKIP %s\n' "$TAP_N" "$2"
	done
}

skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	TAP_DONE=1
	exit 0
}

BAIL_OUT() {
	printf 'Bail out! %s\n' "$*"
	TAP_DONE=1
	exit 1
}

done_testing() {
	printf '1..%d\n' "$TAP_N"
	TAP_DONE=1
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

# --- running commands ----------------------------------------------------

# run CMD...: runs CMD with stdin from $RUN_STDIN (default /dev/null),
# bounded by $RUN_TIMEOUT seconds (default 60), and leaves its stdout in
# $OUT and $OUTF (the file, byte for byte), its stderr in $ERR / $ERRF
# and its exit status in $RC. A hang shows up as RC=124, never as a CI hang.
OUT= ERR= RC= LAST_RUN=
OUTF="$TEST_DIR/run.out"
ERRF="$TEST_DIR/run.err"
run() {
	LAST_RUN="$*"
	timeout -k 5 "${RUN_TIMEOUT:-60}" "$@" <"${RUN_STDIN:-/dev/null}" >"$OUTF" 2>"$ERRF"
	RC=$?
	OUT=$(tr -d '\000' <"$OUTF") # binary output (image save -) has NULs
	ERR=$(tr -d '\000' <"$ERRF")
	return 0
}

_show_last_run() {
	[ -n "$LAST_RUN" ] || return 0
	diag "last command: $LAST_RUN" "exit status: $RC"
	[ -s "$ERRF" ] && diag "stderr:" "$(head -c 2000 "$ERRF")"
	return 0
}

# berth ARGS...: run berth (through run) with no inherited configuration.
berth() { run "$BERTH" "$@"; }

# pyjson EXPR: evaluates a Python expression over the JSON document on
# stdin bound to d, prints the result (str as is, the rest as JSON).
pyjson() {
	"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
' "$1"
}

# json_valid FILE: one valid JSON document.
json_valid() {
	"$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
}

has_ansi() { grep -q $'\x1b' "$1"; }

# A free TCP port on ADDR (default 127.0.0.1).
free_port() {
	"$PYTHON" -c '
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])
' "${1:-127.0.0.1}"
}

# wait_for SECONDS CMD...: retries CMD every 0.2s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# Background processes (fake engines, berth --follow) the script started:
# killed at exit.
BG_PIDS=()
bg_track() { BG_PIDS+=("$@"); }

# --- engines ----------------------------------------------------------------

. "$TOP_SRCDIR/tests/lib-dockerd.sh"

declare -A ENGINE_DIR=() ENGINE_PID=() ENGINE_URL_EXTRA=() ENGINE_BRIDGE=()
ENGINE_NAMES=()
BRIDGE_NAME=berth0
BRIDGE_CIDR=10.213.7.1/24
BRIDGE_LOCK=/tmp/berth-test-bridge.lock
BRIDGE_LOCK_FD=
BRIDGE_OWNER=

# Rules dockerd left in iptables for our bridge (it never removes them).
_bridge_rules_remove() {
	local t rule
	command -v iptables >/dev/null || return 0
	for t in filter nat; do
		iptables -t "$t" -S 2>/dev/null | grep -w -- "$BRIDGE_NAME" |
		sed -n 's/^-A /-D /p' | while read -r -a rule; do
			iptables -t "$t" "${rule[@]}" 2>/dev/null
		done
	done
	return 0
}

_bridge_remove() {
	ip link show "$BRIDGE_NAME" >/dev/null 2>&1 &&
		ip link del "$BRIDGE_NAME" 2>/dev/null
	_bridge_rules_remove
}

# The bridged daemon gets its own bridge rather than docker0, which
# belongs to whatever daemon runs on the machine (and which a dockerd
# started with --bridge=none elsewhere deletes: tests/lib-dockerd.sh). The
# flock keeps two of our scripts from running bridged daemons (and
# fighting over dockerd's iptables chains) at the same time.
_bridge_setup() {
	exec {BRIDGE_LOCK_FD}>>"$BRIDGE_LOCK"
	if ! flock -w 900 "$BRIDGE_LOCK_FD"; then
		BAIL_OUT "waited 15 minutes for $BRIDGE_LOCK"
	fi
	_bridge_remove # a crashed run's leftovers
	ip link add name "$BRIDGE_NAME" type bridge &&
		ip addr add "$BRIDGE_CIDR" dev "$BRIDGE_NAME" &&
		ip link set "$BRIDGE_NAME" up ||
		BAIL_OUT "cannot create the test bridge $BRIDGE_NAME"
}

_bridge_teardown() {
	[ -n "$BRIDGE_LOCK_FD" ] || return 0
	_bridge_remove
	exec {BRIDGE_LOCK_FD}>&-
	BRIDGE_LOCK_FD=
}

engine_dir() { echo "${ENGINE_DIR[$1]}"; }
engine_sock() { echo "${ENGINE_DIR[$1]}/docker.sock"; }
engine_url() { echo "unix://${ENGINE_DIR[$1]}/docker.sock"; }

# dk NAME ARGS...: the docker CLI against engine NAME (its unix socket).
dk() {
	local name=$1
	shift
	"$DOCKER_CLI" -H "unix://${ENGINE_DIR[$name]}/docker.sock" "$@"
}

# eapi NAME METHOD PATH: raw API call to engine NAME, body on stdout.
eapi() {
	curl -sS --max-time 30 --unix-socket "${ENGINE_DIR[$1]}/docker.sock" \
		-X "$2" "http://engine$3"
}

# engine_start [--bridge] NAME [extra dockerd args...]
# Starts a private dockerd under $TEST_DIR/NAME, waits for /_ping. With
# --bridge (only for the first daemon of a script) containers get a
# bridged network with iptables rules so published ports work; every other
# daemon gets a bridge of its own (bridge_new: berth-N, deleted when it
# stops) with --iptables=false, never --bridge=none, which would delete
# the machine's docker0. A restart of NAME (tests/lib-pool.sh) keeps its
# bridge. --default-address-pool is refused: a restart with it deletes
# docker0 too.
engine_start() {
	local bridge=0 name d i pid
	if [ "${1:-}" = --bridge ]; then bridge=1; shift; fi
	name=$1
	shift
	command -v dockerd >/dev/null || skip_all "dockerd is not installed"
	[ -n "$DOCKER_CLI" ] || skip_all "the docker CLI is not installed"
	[ "$(id -u)" -eq 0 ] || skip_all "a private dockerd needs root"
	[ -z "${ENGINE_DIR[$name]:-}" ] || BAIL_OUT "engine $name started twice"
	case " $* " in
	*" --default-address-pool"*)
		BAIL_OUT "engine_start $name: --default-address-pool deletes the machine's docker0" ;;
	esac

	d="$TEST_DIR/$name"
	mkdir -p "$d"
	dockerd_config "$d/daemon.json" "$d"
	local args=(--config-file "$d/daemon.json" --data-root "$d/data"
		--exec-root "$d/exec" --pidfile "$d/pid"
		-H "unix://$d/docker.sock" --shutdown-timeout 2)
	if [ "$bridge" -eq 1 ]; then
		[ "${#ENGINE_NAMES[@]}" -eq 0 ] ||
			BAIL_OUT "only a script's first engine may be bridged"
		_bridge_setup
		BRIDGE_OWNER=$name
		args+=(--bridge "$BRIDGE_NAME")
	else
		if [ -z "${ENGINE_BRIDGE[$name]:-}" ] ||
			[ ! -e "/sys/class/net/${ENGINE_BRIDGE[$name]}" ]; then
			bridge_new || BAIL_OUT "cannot make a bridge for dockerd $name"
			ENGINE_BRIDGE[$name]=$BRIDGE_NEW
		fi
		args+=(--bridge "${ENGINE_BRIDGE[$name]}" --iptables=false)
	fi
	args+=("$@")

	# Not holding the bridge lock: the daemon may outlive us if killed -9.
	# Its temporary files (containerd's stack dumps) stay in its dir.
	mkdir -p "$d/tmp"
	if [ -n "$BRIDGE_LOCK_FD" ]; then
		TMPDIR="$d/tmp" dockerd "${args[@]}" </dev/null >"$d/log" 2>&1 {BRIDGE_LOCK_FD}>&- &
	else
		TMPDIR="$d/tmp" dockerd "${args[@]}" </dev/null >"$d/log" 2>&1 &
	fi
	pid=$!
	ENGINE_DIR[$name]=$d
	ENGINE_PID[$name]=$pid
	ENGINE_NAMES+=("$name")

	for ((i = 0; i < 300; i++)); do
		if [ "$(curl -s --max-time 2 --unix-socket "$d/docker.sock" http://engine/_ping 2>/dev/null)" = OK ]; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			diag "dockerd $name exited while starting:" "$(tail -n 20 "$d/log")"
			BAIL_OUT "cannot start dockerd $name"
		fi
		sleep 0.2
	done
	diag "dockerd $name did not answer /_ping within 60s:" "$(tail -n 20 "$d/log")"
	BAIL_OUT "cannot start dockerd $name"
}

# True while PID runs (a zombie counts as gone).
_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_wait_gone() { # SECONDS PID...
	local deadline=$((SECONDS + $1)) p left
	shift
	while :; do
		left=0
		for p in "$@"; do _alive "$p" && left=1; done
		[ "$left" -eq 0 ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# Every process whose command line names DIR (containerd, its shims),
# plus their descendants (container processes), deepest last.
_procs_under() {
	local dir=$1 p
	local -a roots
	mapfile -t roots < <(pgrep -f -- "${dir//./\\.}/")
	[ "${#roots[@]}" -gt 0 ] || return 0
	ps -e -o pid=,ppid= | awk -v roots="${roots[*]}" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
		{ parent[$1] = $2 }
		END {
			changed = 1
			while (changed) {
				changed = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1 }
			}
			for (p in want) print p
		}'
}

_engine_stop() {
	local name=$1 d pid
	local -a left
	d=${ENGINE_DIR[$name]}
	pid=$(cat "$d/pid" 2>/dev/null || echo "${ENGINE_PID[$name]}")
	if _alive "$pid"; then
		# dockerd gives each running container 10s on shutdown;
		# stopping them first with no grace period saves that wait.
		local -a running
		mapfile -t running < <(timeout 20 "$DOCKER_CLI" -H "unix://$d/docker.sock" ps -q 2>/dev/null)
		[ "${#running[@]}" -eq 0 ] ||
			timeout 30 "$DOCKER_CLI" -H "unix://$d/docker.sock" stop -t 0 "${running[@]}" >/dev/null 2>&1
		kill -TERM "$pid" 2>/dev/null
		if ! _wait_gone 30 "$pid"; then
			diag "dockerd $name ignored SIGTERM for 30s; killing it"
			kill -KILL "$pid" 2>/dev/null
			_wait_gone 10 "$pid"
		fi
	fi
	wait "${ENGINE_PID[$name]}" 2>/dev/null
	# containerd and shims normally leave with dockerd; make sure.
	mapfile -t left < <(_procs_under "$d")
	if [ "${#left[@]}" -gt 0 ]; then
		kill -TERM "${left[@]}" 2>/dev/null
		_wait_gone 2 "${left[@]}" || {
			kill -KILL "${left[@]}" 2>/dev/null
			_wait_gone 5 "${left[@]}"
		}
	fi
	# overlay and netns mounts a killed daemon left behind, deepest first
	awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	if [ "$name" = "$BRIDGE_OWNER" ]; then
		_bridge_teardown
		BRIDGE_OWNER=
	fi
	if [ -n "${ENGINE_BRIDGE[$name]:-}" ]; then
		bridge_del "${ENGINE_BRIDGE[$name]}"
		unset "ENGINE_BRIDGE[$name]"
	fi
}

# engine_stop NAME: stop one engine now (for "engine down" tests).
engine_stop() {
	_engine_stop "$1"
	local n keep=()
	for n in "${ENGINE_NAMES[@]}"; do [ "$n" = "$1" ] || keep+=("$n"); done
	ENGINE_NAMES=("${keep[@]}")
}

engine_stop_all() {
	local n
	for n in "${ENGINE_NAMES[@]}"; do _engine_stop "$n"; done
	ENGINE_NAMES=()
}

# --- images -----------------------------------------------------------------

# busybox_image SOCK: imports Debian's busybox-static as busybox:latest.
BUSYBOX_APPLETS="sh echo cat sleep ls env printf yes wc head tail true false nc httpd seq kill"
# busybox_tar: builds the image tarball once per script, sets BUSYBOX_TAR.
BUSYBOX_TAR=
busybox_tar() {
	local t="$TEST_DIR/busybox.tar" root="$TEST_DIR/busybox-root" a
	BUSYBOX_TAR=$t
	if [ ! -s "$t" ]; then
		[ -x /bin/busybox ] || skip_all "busybox-static is not installed"
		if readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter'; then
			skip_all "/bin/busybox is not static (install busybox-static)"
		fi
		rm -rf "$root"
		mkdir -p "$root/bin" "$root/tmp" "$root/www"
		cp /bin/busybox "$root/bin/busybox"
		for a in $BUSYBOX_APPLETS; do
			if [ "$a" = sh ] || /bin/busybox --list | grep -qx "$a"; then
				ln -s busybox "$root/bin/$a"
			fi
		done
		echo "hello from berth" >"$root/www/index.html"
		tar -C "$root" -cf "$t" . || BAIL_OUT "cannot build the busybox tarball"
	fi
}

busybox_image() {
	local sock=$1
	busybox_tar
	"$DOCKER_CLI" -H "unix://$sock" import -c 'CMD ["/bin/sh"]' \
		"$BUSYBOX_TAR" busybox:latest >/dev/null ||
		BAIL_OUT "cannot import busybox into $sock"
}

# --- TLS ----------------------------------------------------------------------

# make_tls_certs DIR IP: a CA, a server certificate for IP and a client
# certificate, laid out as DOCKER_CERT_PATH wants (ca.pem cert.pem key.pem)
# plus server-cert.pem server-key.pem for dockerd; and in DIR/other/ an
# unrelated CA (ca.pem) with a client certificate it signed.
make_tls_certs() {
	local dir=$1 ip=$2
	mkdir -p "$dir/other"
	(
		set -e
		cd "$dir"
		o() { openssl "$@" 2>>openssl.log >>openssl.log; }
		o req -x509 -new -nodes -newkey rsa:2048 -keyout ca-key.pem -out ca.pem \
			-days 2 -subj "/CN=berth test CA"
		o req -new -nodes -newkey rsa:2048 -keyout server-key.pem \
			-out server.csr -subj "/CN=$ip"
		printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$ip" >server.ext
		o x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out server-cert.pem -days 2 -extfile server.ext
		o req -new -nodes -newkey rsa:2048 -keyout key.pem -out client.csr -subj "/CN=berth client"
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		o x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out cert.pem -days 2 -extfile client.ext
		cd other
		o req -x509 -new -nodes -newkey rsa:2048 -keyout ca-key.pem -out ca.pem \
			-days 2 -subj "/CN=unrelated CA"
		o req -new -nodes -newkey rsa:2048 -keyout key.pem -out client.csr -subj "/CN=stranger"
		o x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out cert.pem -days 2 -extfile ../client.ext
		chmod 0600 ../*key.pem ./*key.pem
	) || { diag "$(cat "$dir/openssl.log" 2>/dev/null)"; BAIL_OUT "openssl failed"; }
}

# --- cleanup ------------------------------------------------------------------

_lib_cleanup() {
	local status=$? p n
	# A child forked for a background command (`cmd &`) keeps these traps
	# until it execs: a TERM sent to it in that window must not clean up
	# the script's daemons and directory from there.
	_lib_forked && exit "$status"
	trap - EXIT INT TERM
	trap '' PIPE # a reader gone away must not cut the cleanup short
	for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do
		_wait_gone 5 "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ "$TAP_FAILED" -gt 0 ] || [ "$TAP_DONE" -eq 0 ]; then
		for n in "${ENGINE_NAMES[@]}"; do
			diag "--- last lines of dockerd $n's log ---" \
				"$(grep -E 'level=(error|fatal)|panic' "${ENGINE_DIR[$n]}/log" | tail -n 15)"
		done
	fi
	engine_stop_all
	_bridge_teardown
	bridge_del_all
	if [ -n "${BERTH_TEST_KEEP:-}" ]; then
		diag "kept $TEST_DIR"
	else
		rm -rf "$TEST_DIR"
	fi
	if [ "$TAP_DONE" -eq 0 ]; then
		printf 'Bail out! %s ended early (status %d)\n' "$TEST_NAME" "$status"
		[ "$status" -eq 0 ] && status=1
	fi
	exit "$status"
}
read -r _LIB_PID _ </proc/self/stat
# True in a child the script forked (`cmd &`, before it execs): there the
# script's EXIT traps still run (bash runs them on a fatal signal), and each
# returns at once instead of stopping the script's daemons and servers.
# (the kernel's pid: $BASHPID can still be the parent's in that window)
_lib_forked() {
	local pid
	read -r pid _ </proc/self/stat
	[ "$pid" != "$_LIB_PID" ]
}
trap _lib_cleanup EXIT
# In a child forked for `cmd &` (until it execs) these traps are still
# the script's: there a signal ends the child alone, with no EXIT trap
# (lib-moto.sh's and the others' would stop the script's servers).
_lib_signal() {
	_lib_forked && trap - EXIT
	exit "$1"
}
trap '_lib_signal 130' INT
trap '_lib_signal 143' TERM
