# lib-moto.sh: a private EC2 for the cloud tests: moto's server on a
# loopback port, with signature checking on, an IAM user the harness makes,
# a VPC with a subnet 127.0.0.0/24 (instances get loopback addresses), and
# the VM watcher that boots berth's instances as private dockerds
# (tests/moto-vms.py with tests/vmboot.py). Sourced after tests/lib.sh,
# whose helpers it uses (moto_python alone needs nothing); its EXIT trap stops the watcher, every VM it
# booted and moto, then runs lib.sh's cleanup.
#
#   . "$TOP_SRCDIR/tests/lib-moto.sh"
#   moto_start "$TEST_DIR/moto"     # moto + user + VPC; the exports below
#   moto_watch_start                # boot instances tagged berth-store
#   moto_booted                     # "INSTANCE-ID ADDRESS" per VM running
#   moto_wait_booted ID [SECS]      # until the watcher booted instance ID
#   moto_ec2 ARGS...                # a signed Query API call (curl), XML out
#   moto_watch_stop; moto_stop      # optional: at exit anyway
#
# moto_start exports:
#   MOTO_URL            http://127.0.0.1:PORT (the endpoint_url)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the IAM user's key
#   AWS_REGION, AWS_DEFAULT_REGION             us-east-1
#   MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY the same key, kept
#   MOTO_ROLE_ACCESS_KEY_ID, MOTO_ROLE_SECRET_ACCESS_KEY,
#   MOTO_ROLE_SESSION_TOKEN                    an assumed role's session
#   MOTO_VPC, MOTO_SUBNET, MOTO_AMI (one of moto's built-in AMIs)
#   MOTO_INSTANCE_TYPE  t3.micro
# and writes the key as [default] into $HOME/.aws/credentials (0600), the
# region into $HOME/.aws/config. Signatures count from the fourth call
# on (INITIAL_NO_AUTH_ACTION_COUNT=3: the user, its policy, its key), so a
# wrong secret is refused as AWS would. AMI validation is on
# (MOTO_ENABLE_AMI_VALIDATION): an unknown AMI fails RunInstances; so does
# instance-type validation (MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION): an
# unknown instance type fails it too.
#
# moto is looked for in $MOTO_PYTHON, $PYTHON, python3, then a virtualenv
# in the cache ($BERTH_CACHE, default /var/cache/berth, else
# ~/.cache/berth) with moto[server] from PyPI, made once (build-aux/ci-check
# makes it before the tests run).

MOTO_PID=
MOTO_DIR=
MOTO_WATCH_PID=
MOTO_WATCH_DIR=
MOTO_INSTANCE_TYPE=t3.micro
export MOTO_INSTANCE_TYPE

# The user's AWS settings must not leak into the tests.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
	AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2 AWS_CA_BUNDLE AWS_ACCESS_KEY_ID \
	AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION

. "$(dirname "${BASH_SOURCE[0]}")/lib-venv.sh"

# Sets MOTO_PYTHON to a python3 that can run moto's server and the watcher
# (boto3; yaml for tests/vmboot.py), else a venv in the cache with
# moto[server] from PyPI (once; tests/lib-venv.sh).
moto_python() {
	venv_python MOTO_PYTHON 'import moto.server, boto3, yaml, flask, flask_cors' moto-venv \
		'moto[server]'
}

# At exit: the watcher first (it stops its VMs' daemons, which takes a
# few seconds each: lib.sh's cleanup would not wait for them), then moto,
# then lib.sh's own cleanup with the script's status.
_moto_cleanup() {
	moto_watch_stop
	moto_stop
}
_moto_exit() {
	local status=$?
	_lib_forked && exit "$status" # a child before its exec: not the script's to clean up
	_moto_cleanup
	if declare -F _lib_cleanup >/dev/null; then
		(exit "$status")
		_lib_cleanup
	fi
	exit "$status"
}
trap _moto_exit EXIT

_moto_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/"; }
_moto_up_or_dead() { _moto_up "$1" || ! kill -0 "$MOTO_PID" 2>/dev/null; }

# moto_start DIR: the server (log in DIR/log), the user, the VPC; see the top.
moto_start() {
	local dir=$1 port try setup
	[ -z "$MOTO_PID" ] || { echo "Bail out! moto_start called twice"; exit 1; }
	moto_python || { echo "Bail out! cannot find or install moto[server]"; exit 1; }
	mkdir -p "$dir"
	MOTO_DIR=$dir
	for try in 1 2 3; do
		port=$(free_port)
		INITIAL_NO_AUTH_ACTION_COUNT=3 MOTO_ENABLE_AMI_VALIDATION=true \
			MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION=true \
			"$MOTO_PYTHON" -m moto.server -H 127.0.0.1 -p "$port" \
			</dev/null >"$dir/log" 2>&1 &
		MOTO_PID=$!
		wait_for 30 _moto_up_or_dead "$port"
		if _moto_up "$port"; then
			export MOTO_URL="http://127.0.0.1:$port"
			break
		fi
		moto_stop
		grep -qi 'address already in use' "$dir/log" 2>/dev/null || break
	done
	if [ -z "${MOTO_URL:-}" ]; then
		echo "# moto did not start:"
		sed 's/^/#   /' "$dir/log" 2>/dev/null | tail -n 20
		echo "Bail out! cannot start moto"
		exit 1
	fi
	if ! setup=$("$MOTO_PYTHON" "$TOP_SRCDIR/tests/moto-vms.py" setup --url "$MOTO_URL" 2>"$dir/setup.err"); then
		sed 's/^/#   /' "$dir/setup.err" | tail -n 20
		echo "Bail out! cannot set up moto (IAM user, VPC, subnet)"
		exit 1
	fi
	eval "$setup"
	export MOTO_ACCESS_KEY_ID MOTO_SECRET_ACCESS_KEY MOTO_ROLE_ACCESS_KEY_ID \
		MOTO_ROLE_SECRET_ACCESS_KEY MOTO_ROLE_SESSION_TOKEN MOTO_VPC MOTO_SUBNET MOTO_AMI
	export AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY
	export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
	mkdir -p "$HOME/.aws"
	chmod 0700 "$HOME/.aws"
	(
		umask 077
		printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
			"$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" >"$HOME/.aws/credentials"
		printf '[default]\nregion = us-east-1\n' >"$HOME/.aws/config"
	)
}

# _moto_stop_var VAR SECS: stops the process whose PID VAR holds (and
# empties VAR): TERM, then KILL after SECS (lib.sh's _wait_gone).
_moto_stop_var() {
	local pid=${!1}
	[ -n "$pid" ] || return 0
	printf -v "$1" '%s' ""
	kill -TERM "$pid" 2>/dev/null
	_wait_gone "$2" "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Stops the moto moto_start started, and nothing else.
moto_stop() { _moto_stop_var MOTO_PID 10; }

# moto_watch_start [DIR]: the VM watcher (tests/moto-vms.py watch), its
# VMs' directories under DIR (default $MOTO_DIR/vms). Bails out when
# tests/vmboot.py is missing.
moto_watch_start() {
	local dir=${1:-$MOTO_DIR/vms}
	[ -n "$MOTO_URL" ] || { echo "Bail out! moto_watch_start before moto_start"; exit 1; }
	[ -f "$TOP_SRCDIR/tests/vmboot.py" ] || { echo "Bail out! tests/vmboot.py is missing"; exit 1; }
	mkdir -p "$dir"
	MOTO_WATCH_DIR=$dir
	"$MOTO_PYTHON" "$TOP_SRCDIR/tests/moto-vms.py" watch --url "$MOTO_URL" --dir "$dir" \
		</dev/null >>"$dir/watch.out" 2>&1 &
	MOTO_WATCH_PID=$!
	wait_for 30 test -f "$dir/booted" ||
		{ sed 's/^/#   /' "$dir/watch.out"; echo "Bail out! the VM watcher did not start"; exit 1; }
}

# Stops the watcher, which stops every VM it booted (a few seconds each).
moto_watch_stop() { _moto_stop_var MOTO_WATCH_PID 60; }

# moto_booted: the watcher's VMs, "INSTANCE-ID ADDRESS" per line.
moto_booted() {
	cat "$MOTO_WATCH_DIR/booted" 2>/dev/null
}

# moto_wait_booted ID [SECS]: until the watcher booted instance ID.
moto_wait_booted() {
	wait_for "${2:-60}" grep -q "^$1 " "$MOTO_WATCH_DIR/booted"
}

# moto_ec2 PARAM=VALUE...: one signed EC2 call with the IAM user's key
# (curl's SigV4), the XML reply on stdout; Action= first, Version is added.
moto_ec2() {
	local args=() kv
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	curl -sS --max-time 30 --aws-sigv4 "aws:amz:us-east-1:ec2" \
		--user "$MOTO_ACCESS_KEY_ID:$MOTO_SECRET_ACCESS_KEY" \
		"${args[@]}" --data-urlencode Version=2016-11-15 "$MOTO_URL/"
}
