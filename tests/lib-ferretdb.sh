# lib-ferretdb.sh: a private MongoDB-wire server for the store tests:
# FerretDB 1.24 on its SQLite handler, in its own directory, on a loopback
# port; plus a Python with pymongo, the second client that reads what berth
# wrote. Sourced after tests/lib.sh (its cleanup then stops FerretDB too),
# or alone (then an EXIT trap does).
#
#   . "$TOP_SRCDIR/tests/lib-ferretdb.sh"
#   ferretdb_start "$TEST_DIR/ferretdb"  # exports BERTH_TEST_MONGODB_URI
#   pymongo_python                       # sets PYMONGO_PYTHON
#   ferretdb_stop                        # optional: at exit anyway
#
# The binary is looked for in $FERRETDB, PATH, the Go bin dir and the cache
# ($BERTH_CACHE, default /var/cache/berth, else ~/.cache/berth); when none
# is v1.24.0 it is built from the Go module proxy into the cache (a few
# minutes, once). Not with `go install ...@v1.24.0`: that asks the proxy for
# the module's version list (refused with 403 behind some proxies) and
# builds a binary that panics for want of build/version/version.txt, which
# FerretDB's own build generates. So: go mod download, write version.txt,
# go build.

FERRETDB_VERSION=v1.24.0
# The toolchain FerretDB 1.24's go.mod asks for, itself a module on the
# proxy, for when the local go is older than 1.21 (Debian 12 has 1.19).
FERRETDB_GO_TOOLCHAIN=go1.22.6
FERRETDB_PID=
FERRETDB_DIR=

. "$(dirname "${BASH_SOURCE[0]}")/lib-venv.sh"

_ferretdb_ok() { # BIN: is it FerretDB v1.24.0?
	[ -x "$1" ] && "$1" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"
}

_go_env() { # the Go dirs of the real home, whatever HOME says now
	local h
	h=$(real_home)
	export GOPATH="${GOPATH:-$h/go}" GOCACHE="${GOCACHE:-$h/.cache/go-build}"
	export GOFLAGS="${GOFLAGS:-} -modcacherw"
}

# Prints the path of a go able to build FerretDB 1.24 (>= 1.21: it fetches
# the toolchain go.mod names by itself), installing one if needed.
_ferretdb_go() {
	local go minor dir json
	go=$(command -v go || true)
	[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
	if [ -z "$go" ]; then
		echo "# installing golang-go to build FerretDB" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go >&2 || return 1
		go=$(command -v go) || return 1
	fi
	minor=$("$go" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
	if [ -n "$minor" ] && [ "$minor" -ge 21 ]; then
		echo "$go"
		return 0
	fi
	# An older go: fetch the newer toolchain as the module it is.
	json=$(cd / && "$go" mod download -json \
		"golang.org/toolchain@v0.0.1-$FERRETDB_GO_TOOLCHAIN.linux-$("$go" env GOARCH)") || return 1
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || return 1
	chmod -R u+x "$dir/bin" "$dir/pkg/tool" 2>/dev/null
	echo "$dir/bin/go"
}

# Builds FerretDB into $1 (a path ending in /ferretdb).
_ferretdb_build() {
	local out=$1 go json src tmp rc
	_go_env
	go=$(_ferretdb_go) || { echo "# no usable go to build FerretDB" >&2; return 1; }
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX") || return 1
	echo "# building FerretDB $FERRETDB_VERSION with $go (once; cached as $out)" >&2
	(
		set -e
		cd "$tmp"
		json=$(GOTOOLCHAIN=auto "$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION")
		src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		[ -n "$src" ]
		cp -r "$src" "$tmp/src"
		chmod -R u+w "$tmp/src"
		echo "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
		cd "$tmp/src"
		GOTOOLCHAIN=auto "$go" build -trimpath -o "$out.tmp" ./cmd/ferretdb
		mv "$out.tmp" "$out"
	) >&2
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# Prints the path of a FerretDB v1.24.0 binary, building it when needed.
ferretdb_binary() {
	local c gobin cache lockfd
	for c in "${FERRETDB:-}" "$(command -v ferretdb 2>/dev/null)"; do
		[ -n "$c" ] && _ferretdb_ok "$c" && { echo "$c"; return 0; }
	done
	gobin="${GOPATH:-$(real_home)/go}/bin/ferretdb"
	_ferretdb_ok "$gobin" && { echo "$gobin"; return 0; }
	cache=$(berth_cache)/ferretdb-$FERRETDB_VERSION
	mkdir -p "$cache" || return 1
	_ferretdb_ok "$cache/ferretdb" && { echo "$cache/ferretdb"; return 0; }
	# One build at a time: parallel test runs wait for the first.
	exec {lockfd}>"$cache/.build.lock"
	flock "$lockfd"
	if ! _ferretdb_ok "$cache/ferretdb"; then
		_ferretdb_build "$cache/ferretdb" || { exec {lockfd}>&-; return 1; }
	fi
	exec {lockfd}>&-
	_ferretdb_ok "$cache/ferretdb" && echo "$cache/ferretdb"
}

_ferretdb_port() {
	local py=${PYTHON:-python3}
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ferretdb_start DIR: FerretDB with its data in DIR, on a free loopback
# port; exports BERTH_TEST_MONGODB_URI once it accepts connections.
ferretdb_start() {
	local dir=$1 bin port try i
	[ -z "$FERRETDB_PID" ] || { echo "Bail out! ferretdb_start called twice"; exit 1; }
	bin=$(ferretdb_binary) || { echo "Bail out! cannot find or build FerretDB $FERRETDB_VERSION"; exit 1; }
	mkdir -p "$dir/data" "$dir/state"
	FERRETDB_DIR=$dir
	for try in 1 2 3; do
		port=$(_ferretdb_port)
		"$bin" --handler=sqlite --sqlite-url="file:$dir/data/" \
			--listen-addr="127.0.0.1:$port" --debug-addr=- --telemetry=disable \
			--state-dir="$dir/state" --log-level=error \
			</dev/null >"$dir/log" 2>&1 &
		FERRETDB_PID=$!
		if declare -F bg_track >/dev/null; then
			bg_track "$FERRETDB_PID"
		else
			trap ferretdb_stop EXIT
		fi
		for ((i = 0; i < 150; i++)); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				export BERTH_TEST_MONGODB_URI="mongodb://127.0.0.1:$port/"
				return 0
			fi
			kill -0 "$FERRETDB_PID" 2>/dev/null || break
			sleep 0.2
		done
		ferretdb_stop
		# the port was taken between choosing and binding: another one
		grep -q 'address already in use' "$dir/log" 2>/dev/null || break
	done
	echo "# FerretDB did not start:"
	sed 's/^/#   /' "$dir/log" 2>/dev/null | tail -n 20
	echo "Bail out! cannot start FerretDB"
	exit 1
}

# Stops the FerretDB ferretdb_start started, and nothing else.
ferretdb_stop() {
	local pid=$FERRETDB_PID i
	[ -n "$pid" ] || return 0
	FERRETDB_PID=
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Sets PYMONGO_PYTHON to a python3 that can import pymongo: $PYTHON or
# python3 when they can, else a virtualenv in the cache with pymongo
# installed from PyPI (once; tests/lib-venv.sh).
pymongo_python() {
	venv_python PYMONGO_PYTHON 'import pymongo' pymongo-venv pymongo
}
