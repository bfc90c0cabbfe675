# lib.sh: what the benchmarks share: their prerequisites, and a berth built
# without sanitizers (ASan would measure itself, not berth). Sourced after
# the script has set here, top, die and say.

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
		mkdir -p "$b/src"
		tar -C "$top" --exclude=./.git --exclude=./bench/build --exclude=./build-ci \
			--exclude=./autom4te.cache --exclude=./config.status --exclude=./config.log \
			--exclude=./config.h --exclude=./stamp-h1 --exclude=./Makefile --exclude=./berth \
			--exclude=.deps --exclude=.dirstamp --exclude='*.o' --exclude='*.a' --exclude='*.so' \
			--exclude='*.log' --exclude='*.trs' --exclude='./tests/unit/test-*[!.][!c]' \
			-cf - . | tar -C "$b/src" -xf - || die "cannot copy the sources to $b/src"
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

# A private dockerd for the script ($work, $sock; sets engine_pid), with
# no bridge and no iptables rules: nothing outside $work is touched.
bench_engine_start() {
	local i
	echo '{}' >"$work/daemon.json"
	say "starting dockerd on $sock"
	dockerd --config-file "$work/daemon.json" --data-root "$work/data" --exec-root "$work/exec" \
		--pidfile "$work/pid" -H "unix://$sock" --bridge=none --iptables=false \
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
}
