#!/bin/bash
# t2310-fault-matrix: every engine fault of issue 14's matrix, over a unix
# socket, plain TCP and mutual TLS alike, each in a pool listing beside a
# healthy host:
#
#   hang       a real dockerd, SIGSTOP'd: accepts connections, never answers
#   die        dies mid-body: headers and half the body, then SIGKILL
#   garbage    a 200 whose body is not JSON
#   truncated  a whole 200 reply whose JSON stops in the middle
#   endless    a 200 whose chunked body never ends (cut off at 64 MiB, or
#              at the timeout: berth buffers no more of a reply)
#   latency    2 s before every reply (ping and GET /info: 4 s, over the budget)
#   wrongca    (TLS only) a real dockerd whose certificate another CA signed
#
# Real engines where they produce the fault (hang, wrongca); the canned
# server tests/fake-engine.py, whose own process dies by SIGKILL for die,
# where they cannot (answering GET /info as a healthy engine, so that the
# fault hits the listing). Every cell has its own faulty host,
# configuration and file store; the cells of one fault run at once. For
# each cell: `container list --all` ends within the request timeout (3 s)
# plus 10 % (plus, as the one allowance for a loaded machine, the wall time
# of the same listing without the faulty host, taken at the same moment),
# exits 0 with the healthy host's row (as berth(1) says: there are rows to
# show), and says one line naming the faulty host; after
# pool.error_threshold (2) such runs the host is inactive and later
# listings skip it; once the fault is cleared `host probe NAME` makes it
# active and it is listed again. The measured table is printed
# as diagnostics (tests/fault-matrix.txt keeps one run's, and why).

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$TOP_SRCDIR/tests/lib-pool.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
command -v openssl >/dev/null || skip_all "openssl is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

FAKE=$TOP_SRCDIR/tests/fake-engine.py
TIMEOUT_S=3
LIMIT_MS=$((TIMEOUT_S * 1100)) # the timeout plus 10 %
THRESHOLD=2
TRANSPORTS="unix tcp tls"
FAULTS="hang die garbage truncated endless latency wrongca"

IP=127.0.0.$((20 + RANDOM % 200))
CERTS=$TEST_DIR/certs
make_tls_certs "$CERTS" "$IP"
# the wrong CA's server certificate: the right name, signed by the unrelated CA
(cd "$CERTS" && openssl x509 -req -in server.csr -CA other/ca.pem -CAkey other/ca-key.pem \
	-CAcreateserial -out other/server-cert.pem -days 2 -extfile server.ext) >>"$CERTS/openssl.log" 2>&1 ||
	BAIL_OUT "openssl: the wrong CA's server certificate"
TLS_ARGS=(--tlsverify --tlscacert "$CERTS/ca.pem" --tlskey "$CERTS/server-key.pem")

# The healthy host (berth's local), with one container to show.
engine_start good
busybox_image "$(engine_sock good)"
dk good create --network none --name c-good busybox true >/dev/null ||
	BAIL_OUT "cannot create c-good"
export DOCKER_HOST
DOCKER_HOST=$(engine_url good)
unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH BERTH_HOST BERTH_CONFIG BERTH_STORE_DIR

# Real engines: plain (unix and plain TCP, SIGSTOP'd for unix-hang and
# tcp-hang), tlsd (SIGSTOP'd for tls-hang) and wrongca.
P_PLAIN=$(free_port "$IP")
P_TLS=$(free_port "$IP")
P_WRONG=$(free_port "$IP")
engine_start plain -H "tcp://$IP:$P_PLAIN"
engine_start tlsd -H "tcp://$IP:$P_TLS" "${TLS_ARGS[@]}" --tlscert "$CERTS/server-cert.pem"
engine_start wrongca -H "tcp://$IP:$P_WRONG" "${TLS_ARGS[@]}" --tlscert "$CERTS/other/server-cert.pem"

# --- the cells ------------------------------------------------------------------------

declare -A URL=() EXTRA=() FAKE_ADDR=() FAKE_PID=() FAKE_MODE=()
CELLS=()
fake_mode() { # FAULT -> the fake's mode
	case $1 in
	truncated) echo truncated-json ;;
	*) echo "$1" ;;
	esac
}
for f in $FAULTS; do
	for t in $TRANSPORTS; do
		[ "$f" = wrongca ] && [ "$t" != tls ] && continue
		c=$t-$f
		CELLS+=("$c")
		mkdir -p "$TEST_DIR/c/$c"
		case $t in
		tcp) EXTRA[$c]="insecure: true" ;;
		tls) EXTRA[$c]="tls_dir: \"$CERTS\"" ;;
		*) EXTRA[$c]= ;;
		esac
		case $c in
		unix-hang) URL[$c]=$(engine_url plain) ;;
		tcp-hang) URL[$c]=tcp://$IP:$P_PLAIN ;;
		tls-hang) URL[$c]=tcp://$IP:$P_TLS ;;
		tls-wrongca) URL[$c]=tcp://$IP:$P_WRONG ;;
		unix-*)
			FAKE_ADDR[$c]=$TEST_DIR/c/$c/engine.sock
			URL[$c]=unix://${FAKE_ADDR[$c]} ;;
		*)
			FAKE_ADDR[$c]=$IP:$(free_port "$IP")
			URL[$c]=tcp://${FAKE_ADDR[$c]} ;;
		esac
		[ -n "${FAKE_ADDR[$c]:-}" ] && FAKE_MODE[$c]=$(fake_mode "$f")
		cat >"$TEST_DIR/c/$c/config.yaml" <<-EOF
		timeouts: { connect: ${TIMEOUT_S}s, request: ${TIMEOUT_S}s, idle: 1s }
		pool: { error_threshold: $THRESHOLD }
		hosts:
		  $c: { url: "${URL[$c]}"${EXTRA[$c]:+, ${EXTRA[$c]}} }
		EOF
	done
done

# One control per fault: the same listing with the healthy host alone, run
# beside that fault's cells (see the rounds below).
for f in $FAULTS; do
	mkdir -p "$TEST_DIR/c/ctl-$f"
	printf 'timeouts: { connect: %ss, request: %ss, idle: 1s }\n' "$TIMEOUT_S" "$TIMEOUT_S" \
		>"$TEST_DIR/c/ctl-$f/config.yaml"
done

# fake_start CELL MODE...: the cell's canned engine in MODE (the cell's own
# transport), started for each CELL at once, each waited for.
fake_start() {
	local mode=$1 c
	shift
	for c in "$@"; do
		local tls=()
		[[ $c == tls-* ]] && tls=(--tls-cert "$CERTS/server-cert.pem"
			--tls-key "$CERTS/server-key.pem" --tls-ca "$CERTS/ca.pem")
		if [ -n "${FAKE_PID[$c]:-}" ] && _alive "${FAKE_PID[$c]}"; then
			kill -TERM "${FAKE_PID[$c]}"
			_wait_gone 5 "${FAKE_PID[$c]}" || kill -KILL "${FAKE_PID[$c]}"
		fi
		rm -f "$TEST_DIR/c/$c/fake.log"
		# /info answered: the fault hits the listing itself (the first
		# listing asks /info for the engine's ID, later ones do not)
		"$PYTHON" "$FAKE" --mode "$mode" --healthy-info "${tls[@]}" "${FAKE_ADDR[$c]}" \
			>"$TEST_DIR/c/$c/fake.log" 2>&1 &
		FAKE_PID[$c]=$!
		bg_track $!
		disown $! # "die" kills itself: no job notice from the shell
	done
	for c in "$@"; do
		wait_for 20 grep -qx ready "$TEST_DIR/c/$c/fake.log" ||
			BAIL_OUT "fake engine for $c ($mode) did not start: $(cat "$TEST_DIR/c/$c/fake.log")"
	done
}

# in_cells TAG ARGS...: berth ARGS in every cell of IN (default: all) at
# once, each with its configuration and store (@c in ARGS is the cell's
# name, that of its faulty host); each cell's stdout, stderr, status and
# wall time (ms) in c/CELL/TAG.{out,err,rc,ms}.
in_cells() {
	local tag=$1 c p
	shift
	local -a pids=()
	[ "${#IN[@]}" -gt 0 ] || IN=("${CELLS[@]}")
	for c in "${IN[@]}"; do
		(
			p=$TEST_DIR/c/$c/$tag
			t0=${EPOCHREALTIME/./}
			BERTH_CONFIG=$TEST_DIR/c/$c/config.yaml BERTH_STORE_DIR=$TEST_DIR/c/$c/store \
				timeout -k 5 60 "$BERTH" "${@//@c/$c}" </dev/null >"$p.out" 2>"$p.err"
			echo $? >"$p.rc"
			echo $(((${EPOCHREALTIME/./} - t0) / 1000)) >"$p.ms"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	IN=()
}
IN=()
cf() { cat "$TEST_DIR/c/$1/$2"; }         # CELL FILE
rows() { awk -v h="$2" 'NR > 1 && $1 == h { print $NF }' "$TEST_DIR/c/$1/$3.out" | tr '\n' ' '; }
nlines() { grep -c '' "$TEST_DIR/c/$1/$2.err"; }

# --- the faults, THRESHOLD rounds ----------------------------------------------------

for c in "${CELLS[@]}"; do
	[ -n "${FAKE_ADDR[$c]:-}" ] || continue
	case ${FAKE_MODE[$c]} in die) ;; *) fake_start "${FAKE_MODE[$c]}" "$c" ;; esac
done
engine_freeze plain
engine_freeze tlsd

declare -A WORST=() BAD=()
DIE_CELLS=()
for c in "${CELLS[@]}"; do [ "${FAKE_MODE[$c]:-}" = die ] && DIE_CELLS+=("$c"); done
# The cells of one fault run at once, beside their control: the listing
# with the healthy host alone. On a loaded 2-core machine the command's
# own cost (start-up under ASan, settings, store, exit) can reach a
# second; the control's wall time, taken at the same moment, is that
# cost, and is the one allowance over the timeout plus 10 %.
declare -A CTL=()
for ((r = 1; r <= THRESHOLD; r++)); do
	fake_start die "${DIE_CELLS[@]}" # it died in the last round
	for f in $FAULTS; do
		for t in $TRANSPORTS; do [ -n "${URL[$t-$f]:-}" ] && IN+=("$t-$f"); done
		IN+=("ctl-$f")
		in_cells "r$r" container list --all
	done
	for c in "${CELLS[@]}"; do
		ms=$(cf "$c" "r$r.ms")
		ctl=ctl-${c#*-}
		cms=$(cf "$ctl" "r$r.ms")
		[ "$ms" -gt "${WORST[$c]:-0}" ] && { WORST[$c]=$ms; CTL[$c]=$cms; }
		why=
		[ "$(cf "$ctl" "r$r.rc"):$(cf "$ctl" "r$r.err")" = "0:" ] || why+=" the control failed: $(cf "$ctl" "r$r.err");"
		[ "$ms" -le $((LIMIT_MS + cms)) ] || why+=" took ${ms} ms (control ${cms} ms);"
		[ "$(cf "$c" "r$r.rc")" = 0 ] || why+=" exit $(cf "$c" "r$r.rc");"
		[ "$(rows "$c" local "r$r")" = "c-good " ] || why+=" local's row missing;"
		grep -q "^berth: $c: " "$TEST_DIR/c/$c/r$r.err" || why+=" no line naming $c;"
		# an endless body meets the size cap or the time limit, and says which
		[[ $c != *-endless ]] || grep -Eq "^berth: $c: .*(larger than 64 MiB, the most berth keeps|the reply had not ended after)" \
			"$TEST_DIR/c/$c/r$r.err" || why+=" no line saying the reply was too long or did not end;"
		if [ "$r" -lt "$THRESHOLD" ]; then
			[ "$(nlines "$c" "r$r")" = 1 ] || why+=" $(nlines "$c" "r$r") lines on stderr;"
		else
			[ "$(nlines "$c" "r$r")" = 2 ] || why+=" $(nlines "$c" "r$r") lines on stderr;"
			grep -q "^berth: warning: $c is now inactive: $THRESHOLD consecutive errors: " \
				"$TEST_DIR/c/$c/r$r.err" || why+=" no warning that $c is now inactive;"
		fi
		if [ -z "$why" ]; then
			pass "$c: run $r: ${ms} ms (control ${cms} ms), exit 0 with local's row, one line for $c$([ "$r" = "$THRESHOLD" ] && echo ", now inactive")"
		else
			BAD[$c]=1
			fail "$c: run $r:$why" "stderr:" "$(head -c 1000 "$TEST_DIR/c/$c/r$r.err")"
		fi
	done
done
diag "the faulty hosts' first lines:"
for c in "${CELLS[@]}"; do diag "  $(head -n 1 "$TEST_DIR/c/$c/r1.err" | cut -c 1-160)"; done

# --- inactive: skipped --------------------------------------------------------------

in_cells state host list --json
in_cells skip container list --all
for c in "${CELLS[@]}"; do
	st=$(pyjson "[x['state'] for x in d if x['name'] == '$c'][0]" <"$TEST_DIR/c/$c/state.out" 2>&1)
	# local alone is left: no HOST column
	if [ "$st" = inactive ] && [ "$(cf "$c" skip.rc):$(cf "$c" skip.err)" = "0:" ] &&
		[ "$(awk 'NR > 1 { print $NF }' "$TEST_DIR/c/$c/skip.out")" = c-good ]; then
		pass "$c: inactive, and the next listing skips it ($(cf "$c" skip.ms) ms, silent)"
	else
		BAD[$c]=1
		fail "$c: inactive and skipped" "state '$st', listing exit $(cf "$c" skip.rc): $(cf "$c" skip.err)"
	fi
done

# --- the faults cleared, host probe ---------------------------------------------------

engine_thaw plain
engine_thaw tlsd
engine_stop wrongca
unset "ENGINE_DIR[wrongca]" "ENGINE_PID[wrongca]"
engine_start wrongca -H "tcp://$IP:$P_WRONG" "${TLS_ARGS[@]}" --tlscert "$CERTS/server-cert.pem"
FAKES=()
for c in "${CELLS[@]}"; do [ -n "${FAKE_ADDR[$c]:-}" ] && FAKES+=("$c"); done
fake_start ok "${FAKES[@]}"

in_cells probe host probe @c
in_cells back container list --all
for c in "${CELLS[@]}"; do
	want=
	[ -n "${FAKE_ADDR[$c]:-}" ] && want="fake-ok "
	if [ "$(cf "$c" probe.rc):$(cf "$c" probe.out)" = "0:$c: inactive -> active (probe answered)" ] &&
		[ "$(cf "$c" back.rc):$(cf "$c" back.err)" = "0:" ] &&
		[ "$(rows "$c" local back)" = "c-good " ] && [ "$(rows "$c" "$c" back)" = "$want" ]; then
		pass "$c: cleared, host probe makes it active and it is listed again"
	else
		BAD[$c]=1
		fail "$c: back after host probe" "probe: exit $(cf "$c" probe.rc): $(cf "$c" probe.out) $(cf "$c" probe.err)" \
			"listing: exit $(cf "$c" back.rc): $(cf "$c" back.err)"
	fi
done

# --- the table ------------------------------------------------------------------------

secs() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }
diag "" "fault matrix: the slowest of $THRESHOLD runs of container list --all, in seconds," \
	"and the control's (healthy host alone, at the same moment); request timeout ${TIMEOUT_S} s," \
	"limit $(secs "$LIMIT_MS") s + the control's"
diag "$(printf '%-10s %-20s %-20s %-20s' fault unix tcp tls)"
for f in $FAULTS; do
	line=$(printf '%-10s' "$f")
	for t in $TRANSPORTS; do
		c=$t-$f
		if [ -z "${WORST[$c]:-}" ]; then
			line+=$(printf ' %-20s' -)
		else
			line+=$(printf ' %-20s' "$(secs "${WORST[$c]}") ($(secs "${CTL[$c]}")) $([ -n "${BAD[$c]:-}" ] && echo FAIL || echo ok)")
		fi
	done
	diag "$line"
done

done_testing
