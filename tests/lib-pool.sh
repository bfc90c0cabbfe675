# lib-pool.sh: three private engines as one berth pool, for the pool tests.
# Source after tests/lib.sh (and tests/lib-store.sh when the test runs on
# both stores). pool_start sets:
#   one    unix socket; berth's "local" (DOCKER_HOST points at it)
#   two    unix socket; configured host "two"
#   three  tcp://IP:PORT with mutual TLS (certificates in $CERTS); configured host "three"
# and writes $BERTH_CONFIG naming two and three, with short timeouts so
# that fault tests stay quick: POOL_CONNECT (1s), POOL_TIMEOUT (2s) and
# POOL_IDLE (1s).
# busybox:latest is imported into one only unless pool_start gets --images
# (then into all three).

POOL_CONNECT=${POOL_CONNECT:-1s}
POOL_TIMEOUT=${POOL_TIMEOUT:-2s}
POOL_IDLE=${POOL_IDLE:-1s}

# pool_start [--images] [extra config lines...]
pool_start() {
	local images=0 e
	if [ "${1:-}" = --images ]; then images=1; shift; fi
	command -v openssl >/dev/null || skip_all "openssl is not installed"
	POOL_IP=127.0.0.$((20 + RANDOM % 200))
	POOL_PORT=$(free_port "$POOL_IP")
	CERTS=$TEST_DIR/certs
	make_tls_certs "$CERTS" "$POOL_IP"
	engine_start one
	engine_start two
	engine_start three -H "tcp://$POOL_IP:$POOL_PORT" --tlsverify \
		--tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" \
		--tlskey "$CERTS/server-key.pem"
	busybox_image "$(engine_sock one)"
	if [ "$images" -eq 1 ]; then
		busybox_image "$(engine_sock two)"
		busybox_image "$(engine_sock three)"
	fi
	export DOCKER_HOST
	DOCKER_HOST=$(engine_url one)
	unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH BERTH_HOST
	export BERTH_CONFIG=$TEST_DIR/pool.yaml
	{
		echo "timeouts:"
		echo "  connect: $POOL_CONNECT"
		echo "  request: $POOL_TIMEOUT"
		echo "  idle: $POOL_IDLE"
		echo "hosts:"
		echo "  two:"
		echo "    url: $(engine_url two)"
		echo "  three:"
		echo "    url: tcp://$POOL_IP:$POOL_PORT"
		echo "    tls_dir: $CERTS"
		for e in "$@"; do echo "$e"; done
	} >"$BERTH_CONFIG"
}

# dk3 ARGS...: the docker CLI against engine three over TLS.
dk3() {
	"$DOCKER_CLI" -H "tcp://$POOL_IP:$POOL_PORT" --tlsverify --tlscacert "$CERTS/ca.pem" \
		--tlscert "$CERTS/cert.pem" --tlskey "$CERTS/key.pem" "$@"
}

# pool_dk NAME ARGS...: the docker CLI against pool engine NAME (one, two, three).
pool_dk() {
	local name=$1
	shift
	if [ "$name" = three ]; then dk3 "$@"; else dk "$name" "$@"; fi
}

# engine_pid NAME: the dockerd's pid.
engine_pid() { cat "$(engine_dir "$1")/pid"; }

# count_on NAME [FILTER...]: how many containers engine NAME holds (all states).
count_on() {
	local name=$1
	shift
	pool_dk "$name" ps -aq "$@" | wc -l
}

# --- faults (tests/t5000-pool-states.sh) ----------------------------------------

# Engines stopped with engine_freeze: woken before the cleanup, which
# could not stop a stopped dockerd (its SIGTERM would wait for SIGCONT).
POOL_FROZEN=()
_pool_cleanup() {
	local status=$? n
	_lib_forked && exit "$status" # a child before its exec: not the script's to clean up
	for n in "${POOL_FROZEN[@]}"; do kill -CONT "$(engine_pid "$n")" 2>/dev/null; done
	(exit "$status")
	_lib_cleanup
}

# engine_freeze NAME: SIGSTOP engine NAME's dockerd: the kernel still
# accepts connections, nobody answers them.
engine_freeze() {
	kill -STOP "$(engine_pid "$1")" || return 1
	POOL_FROZEN+=("$1")
	trap _pool_cleanup EXIT
}

# engine_thaw NAME: SIGCONT it.
engine_thaw() {
	local n keep=()
	kill -CONT "$(engine_pid "$1")" || return 1
	for n in "${POOL_FROZEN[@]}"; do [ "$n" = "$1" ] || keep+=("$n"); done
	POOL_FROZEN=("${keep[@]}")
}

# engine_kill NAME: SIGKILL engine NAME's dockerd and what it started:
# connections are refused until pool_engine_restart.
engine_kill() {
	local d pid left=()
	d=$(engine_dir "$1")
	pid=$(engine_pid "$1")
	kill -KILL "$pid" || return 1
	_wait_gone 10 "$pid"
	wait "${ENGINE_PID[$1]}" 2>/dev/null
	mapfile -t left < <(_procs_under "$d")
	if [ "${#left[@]}" -gt 0 ]; then
		kill -KILL "${left[@]}" 2>/dev/null
		_wait_gone 5 "${left[@]}"
	fi
	rm -f "$d/pid"
}

# pool_engine_restart NAME: starts killed engine NAME again on its data
# (images stay), with the arguments pool_start gave it.
pool_engine_restart() {
	local name=$1 n keep=()
	for n in "${ENGINE_NAMES[@]}"; do [ "$n" = "$name" ] || keep+=("$n"); done
	ENGINE_NAMES=("${keep[@]}")
	unset "ENGINE_DIR[$name]" "ENGINE_PID[$name]"
	if [ "$name" = three ]; then
		engine_start three -H "tcp://$POOL_IP:$POOL_PORT" --tlsverify \
			--tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" \
			--tlskey "$CERTS/server-key.pem"
	else
		engine_start "$name"
	fi
}
