# lib-venv.sh: the Python the test harnesses need (pymongo for the store
# tests, moto for the EC2 tests): a python3 that can already import it,
# else a virtualenv in berth's cache with it installed from PyPI, made once
# (concurrent runs wait for the first). Sourced by tests/lib-ferretdb.sh
# and tests/lib-moto.sh; build-aux/ci-check makes the venvs before the
# tests run.
#
#   venv_python VAR 'import a, b' VENV-NAME PIP-SPEC...
#       sets VAR to $VAR, $PYTHON or python3 when one runs the import, else
#       to the python of the venv $(berth_cache)/VENV-NAME
#   berth_cache    the cache dir: $BERTH_CACHE, default /var/cache/berth
#                  (else ~/.cache/berth when that is not writable)
#   real_home      the invoking user's home, whatever HOME says now
#                  (tests/lib.sh points HOME at the test dir)

real_home() {
	getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6 | grep . || echo "${HOME:-/root}"
}

berth_cache() {
	local c=${BERTH_CACHE:-/var/cache/berth}
	if mkdir -p "$c" 2>/dev/null && [ -w "$c" ]; then
		echo "$c"
	else
		c="${XDG_CACHE_HOME:-$(real_home)/.cache}/berth"
		mkdir -p "$c" && echo "$c"
	fi
}

venv_python() {
	local var=$1 imports=$2 name=$3 c venv lockfd rc=0
	shift 3
	for c in "${!var:-}" "${PYTHON:-}" "$(command -v python3 2>/dev/null)"; do
		if [ -n "$c" ] && "$c" -c "$imports" 2>/dev/null; then
			printf -v "$var" '%s' "$c"
			return 0
		fi
	done
	venv=$(berth_cache)/$name
	exec {lockfd}>>"$venv.lock"
	flock "$lockfd"
	if ! "$venv/bin/python" -c "$imports" 2>/dev/null; then
		echo "# installing $* into $venv" >&2
		c=/usr/bin/python3
		[ -x "$c" ] || c=${PYTHON:-python3}
		if ! "$c" -m venv "$venv" >&2; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 &&
				"$c" -m venv "$venv" >&2 || rc=1
		fi
		[ "$rc" -ne 0 ] || "$venv/bin/python" -m pip install -q "$@" >&2 || rc=1
	fi
	exec {lockfd}>&-
	[ "$rc" -eq 0 ] && "$venv/bin/python" -c "$imports" 2>/dev/null || return 1
	printf -v "$var" '%s' "$venv/bin/python"
}
