# lib.sh: what the benchmarks share: their prerequisites, and a berth built
# without sanitizers (ASan would measure itself, not berth). Sourced after
# the script has set here, top, die and say.

# A key and a bridge of its own for every dockerd (dockerd_config,
# bridge_new), as the tests do: a daemon started with --bridge=none would
# delete the machine's docker0, and daemons sharing /etc/docker/key.json
# share an engine ID.
. "$top/tests/lib-dockerd.sh"

# Root, dockerd, curl, tar, a python3 and a static busybox; sets PYTHON.
bench_require() {
	(($(id -u) == 0)) || die "a private dockerd needs root"
	for tool in dockerd curl tar; do
		command -v "$tool" >/dev/null || die "$tool is not installed (build-aux/install-deps installs it)"
	done
	# Debian's python3, not a pyenv shim that would want the real $HOME.
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3 || true); fi
	[ -n "$PYTHON" ] || die "python3 is not installed"
	[ -x /bin/busybox ] && ! readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter' ||
		die "/bin/busybox is missing or not static (install busybox-static)"
}

# A VPATH build in bench/build; when the source tree itself is configured
# (configure then refuses VPATH builds), a build of a copy of the sources
# in bench/build/src. Either way make only rebuilds what changed. The
# MongoDB module is built too: berth loads it from beside the binary.
build_berth() {
	local b="$here/build"
	if [ ! -x "$top/configure" ]; then
		say "no configure script: running autoreconf -fi in $top"
		(cd "$top" && autoreconf -fi) >&2 || die "autoreconf failed"
	fi
	mkdir -p "$b"
	if [ -f "$top/config.status" ]; then
		# The sources go to a staging copy first, and from there into
		# $b/src only the files whose content changed, stamped now:
		# copied mtimes would let make keep an object built from an
		# older version of a file that changed while it was compiled
		# (others edit the tree as the bench builds it).
		rm -rf "$b/stage"
		mkdir -p "$b/src" "$b/stage"
		tar -C "$top" --exclude=./.git --exclude=./bench/build --exclude=./build-ci \
			--exclude=./autom4te.cache --exclude=./config.status --exclude=./config.log \
			--exclude=./config.h --exclude=./stamp-h1 --exclude=./Makefile --exclude=./berth \
			--exclude=.deps --exclude=.dirstamp --exclude='*.o' --exclude='*.a' --exclude='*.so' \
			--exclude='*.log' --exclude='*.trs' --exclude='./tests/unit/test-*[!.][!c]' \
			-cf - . | tar -C "$b/stage" -xf - || die "cannot copy the sources to $b/stage"
		(cd "$b/stage" && find . \( -type f -o -type l \) -print0) |
			while IFS= read -r -d '' f; do
				cmp -s "$b/stage/$f" "$b/src/$f" && continue
				mkdir -p "$(dirname "$b/src/$f")" &&
					cp -P --remove-destination "$b/stage/$f" "$b/src/$f" ||
					die "cannot copy $f to $b/src"
			done || die "cannot copy the sources to $b/src"
		rm -rf "$b/stage"
		b="$b/src"
		if [ ! -f "$b/config.status" ]; then
			say "configuring a build without sanitizers in $b"
			(cd "$b" && ./configure -q CFLAGS="${BENCH_CFLAGS:--O2 -g}") >&2 ||
				die "configure failed in $b (see $b/config.log)"
		fi
	elif [ ! -f "$b/config.status" ]; then
		say "configuring a build without sanitizers in $b"
		(cd "$b" && "$top/configure" -q CFLAGS="${BENCH_CFLAGS:--O2 -g}") >&2 ||
			die "configure failed in $b (see $b/config.log)"
	fi
	say "building $b/berth and its MongoDB module"
	make -C "$b" -s -j"$(nproc)" berth berth-mongo.so >&2 || die "building berth failed in $b"
	BERTH="$b/berth"
}

# BERTH as given, or one built here; refuses anything built with sanitizers.
bench_berth() {
	if [ -z "${BERTH:-}" ]; then
		build_berth
	fi
	[ -x "$BERTH" ] || die "BERTH=$BERTH is not an executable"
	local f
	for f in "$BERTH" "$(dirname "$BERTH")/berth-mongo.so"; do
		if [ -e "$f" ] && ldd "$f" 2>/dev/null | grep -qE 'lib(a|ub|t)san'; then
			die "$f is built with sanitizers; unset BERTH to let the bench build a plain one"
		fi
	done
}

# A private dockerd for the script ($work, $sock; sets engine_pid and
# engine_bridge), on a bridge of its own (tests/lib-dockerd.sh: berth-N,
# 10.216.N.1/24) and with no iptables rules: nothing outside $work is
# touched but that bridge, which bench_engine_stop deletes.
engine_bridge=
bench_engine_start() {
	local i
	dockerd_config "$work/daemon.json" "$work"
	bridge_new || die "cannot make a bridge for dockerd"
	engine_bridge=$BRIDGE_NEW
	say "starting dockerd on $sock (bridge $engine_bridge)"
	dockerd --config-file "$work/daemon.json" --data-root "$work/data" --exec-root "$work/exec" \
		--pidfile "$work/pid" -H "unix://$sock" --bridge "$engine_bridge" --iptables=false \
		</dev/null >"$work/dockerd.log" 2>&1 &
	engine_pid=$!
	for ((i = 0; ; i++)); do
		[ "$(curl -s --max-time 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = OK ] && break
		kill -0 "$engine_pid" 2>/dev/null || { tail -n 20 "$work/dockerd.log" >&2; die "dockerd exited while starting"; }
		((i < 300)) || { tail -n 20 "$work/dockerd.log" >&2; die "dockerd did not answer within 60s"; }
		sleep 0.2
	done
}

# Stops what bench_engine_start started, and whatever it left behind under
# $work (shims, mounts). For the scripts' EXIT traps: never fails.
bench_engine_stop() {
	local i p left
	if [ -n "$engine_pid" ] && kill -0 "$engine_pid" 2>/dev/null; then
		kill -TERM "$engine_pid" 2>/dev/null || true
		for ((i = 0; i < 600; i++)); do
			kill -0 "$engine_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$engine_pid" 2>/dev/null && kill -KILL "$engine_pid" 2>/dev/null
		wait "$engine_pid" 2>/dev/null || true
	fi
	# containerd and its shims leave with dockerd; any that did not were
	# started by this engine (their command lines name $work): end them.
	left=$(pgrep -f -- "$work/" || true)
	for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
	awk -v d="$work/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	[ -z "$engine_bridge" ] || bridge_del "$engine_bridge"
	engine_bridge=
}

# --- several engines (pool-list.sh, create-count.sh) --------------------------

# bench_engines_start N: N private dockerds at once, engine I in $work/eI
# with its socket at $work/eI/docker.sock, each set up as
# bench_engine_start's (own roots, a bridge of its own, --iptables=false)
# and with a short shutdown timeout; waits until every one answers
# /_ping. Sets ENGINE_PIDS. Stop them with bench_engines_stop, which
# deletes their bridges too.
ENGINE_PIDS=()
bench_engines_start() {
	local n=$1 i d t
	for ((i = 1; i <= n; i++)); do
		d="$work/e$i"
		mkdir -p "$d/tmp"
		dockerd_config "$d/daemon.json" "$d"
		bridge_new || die "cannot make a bridge for dockerd e$i"
		TMPDIR="$d/tmp" dockerd --config-file "$d/daemon.json" --data-root "$d/data" \
			--exec-root "$d/exec" --pidfile "$d/pid" -H "unix://$d/docker.sock" \
			--bridge "$BRIDGE_NEW" --iptables=false --shutdown-timeout 2 \
			</dev/null >"$d/dockerd.log" 2>&1 &
		ENGINE_PIDS[i]=$!
	done
	say "started $n dockerds under $work/e1..e$n"
	for ((i = 1; i <= n; i++)); do
		d="$work/e$i"
		for ((t = 0; ; t++)); do
			[ "$(curl -s --max-time 2 --unix-socket "$d/docker.sock" http://localhost/_ping 2>/dev/null)" = OK ] && break
			kill -0 "${ENGINE_PIDS[i]}" 2>/dev/null ||
				{ tail -n 20 "$d/dockerd.log" >&2; die "dockerd e$i exited while starting"; }
			((t < 600)) || { tail -n 20 "$d/dockerd.log" >&2; die "dockerd e$i did not answer within 120s"; }
			sleep 0.2
		done
	done
}

# Stops what bench_engines_start started (all at once: SIGTERM, up to 60s,
# then SIGKILL) and whatever they left under $work/eI. Never fails.
bench_engines_stop() {
	local i p left d killers=()
	# dockerd gives each running container 10s on shutdown; killing
	# them first saves that wait.
	for i in "${!ENGINE_PIDS[@]}"; do
		kill -0 "${ENGINE_PIDS[i]}" 2>/dev/null || continue
		d="$work/e$i/docker.sock"
		curl -s --max-time 10 --unix-socket "$d" http://localhost/containers/json 2>/dev/null |
			"$PYTHON" -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null |
			while read -r id; do
				curl -s --max-time 10 --unix-socket "$d" -X POST \
					"http://localhost/containers/$id/kill" >/dev/null 2>&1 || true
			done &
		killers+=($!)
	done
	for p in "${killers[@]}"; do wait "$p" 2>/dev/null || true; done
	for i in "${!ENGINE_PIDS[@]}"; do
		kill -TERM "${ENGINE_PIDS[i]}" 2>/dev/null || true
	done
	for i in "${!ENGINE_PIDS[@]}"; do
		for ((p = 0; p < 600; p++)); do
			kill -0 "${ENGINE_PIDS[i]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "${ENGINE_PIDS[i]}" 2>/dev/null && kill -KILL "${ENGINE_PIDS[i]}" 2>/dev/null
		wait "${ENGINE_PIDS[i]}" 2>/dev/null || true
	done
	for i in "${!ENGINE_PIDS[@]}"; do
		d="$work/e$i/"
		left=$(pgrep -f -- "$d" || true)
		for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
		awk -v d="$d" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
	done
	ENGINE_PIDS=()
	bridge_del_all
}

# bench_busybox_tar: $work/busybox.tar, an image root of busybox-static
# with the applets the benches run, for `docker import`.
bench_busybox_tar() {
	local root="$work/busybox-root" a
	[ -s "$work/busybox.tar" ] && return 0
	mkdir -p "$root/bin" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh sleep echo cat; do ln -s busybox "$root/bin/$a"; done
	tar -C "$root" -cf "$work/busybox.tar" . || die "cannot build the busybox tarball"
}

# bench_docker_cli: DOCKER_CLI (as given, or the docker on PATH), or die.
bench_docker_cli() {
	DOCKER_CLI=${DOCKER_CLI:-$(command -v docker || true)}
	[ -n "$DOCKER_CLI" ] || die "the docker CLI is not installed (build-aux/install-deps installs it)"
}

# bench_workdir PREFIX: work, a new directory /tmp/PREFIX.XXXXXX. Short,
# because unix socket paths are limited to 107 bytes.
bench_workdir() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 0755 "$work"
}

# bench_private_env: private client state under $work for every tool: no
# user config, no user engine, no user store. The scripts then set the
# BERTH_* and DOCKER_HOST they want.
bench_private_env() {
	export HOME="$work/home" DOCKER_CONFIG="$work/docker-cli"
	export XDG_CONFIG_HOME="$HOME/.config" XDG_STATE_HOME="$HOME/.local/state"
	export XDG_DATA_HOME="$HOME/.local/share" LC_ALL=C.UTF-8
	mkdir -p "$HOME" "$DOCKER_CONFIG"
	unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION DOCKER_CONTEXT \
		BERTH_CONFIG BERTH_HOST BERTH_MONGODB_URI BERTH_MONGODB_DATABASE BERTH_STORE_DIR \
		BERTH_MODULE_DIR BERTH_OWNER
}
