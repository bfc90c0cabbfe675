# lib-openstack.sh: a private OpenStack for the cloud tests: a real Keystone
# v3 (Debian's python3-keystone) on SQLite in WAL mode, served on a loopback
# port, with the project's own Nova v2.1 + Neutron v2.0
# (tests/fake-openstack.py) in its catalog. Sourced after tests/lib.sh.
#
#   . "$TOP_SRCDIR/tests/lib-openstack.sh"
#   openstack_start [--build-delay SECONDS]
#   "$TOP_BUILDDIR/tests/cloud-driver" -p driver=openstack -p cloud=berth-test check
#   os_ctl POST /error-next '{"message": "No valid host was found."}'
#   os_count servers                  # security_groups, floatingips, engines
#   os_token_issues                   # tokens Keystone issued so far
#
# It sets up, in $HOME/.config/openstack/clouds.yaml (0600):
#   berth-test  password auth: user berth, project berth, region RegionOne
#   berth-ac    the same user's application credential (v3applicationcredential)
#   berth-bad   user berth with a wrong password
# and exports OST_KEYSTONE_URL (…/v3), OST_API_URL (the fake's Nova at
# /v2.1 and Neutron at /v2.0), OST_CONTROL_URL (its test controls; see the
# top of tests/fake-openstack.py), OST_DIR, OST_PROJECT_ID.
# Fixtures: flavors m1.tiny, m1.small; image debian-12-docker; networks
# private (fixed 127.0.1.N from .10) and public (external, floating
# 127.0.2.N); key pair ops. Servers whose user_data is #cloud-config get a
# dockerd from tests/vmboot.py on their fixed address.
#
# Keystone's database is made once (db_sync + bootstrap take ~30 s) as a
# template in the cache ($BERTH_CACHE, default /var/cache/berth), then
# copied for each run. Everything started here stops on exit, dockerds too.

. "$TOP_SRCDIR/tests/lib-ferretdb.sh" # berth_cache (tests/lib-venv.sh)

OST_KS_PID=
OST_FAKE_PID=
OST_DIR=
KEYSTONE_PYTHON=

# True when python $1 has Keystone (found, not imported: that takes seconds).
_has_keystone() {
	"$1" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("keystone") is None)' 2>/dev/null
}

# Sets KEYSTONE_PYTHON to a python3 that has Keystone, installing
# Debian's python3-keystone when missing (not "keystone": that one starts
# a service when installed).
keystone_python() {
	local c
	for c in "${KEYSTONE_PYTHON:-}" /usr/bin/python3; do
		if [ -n "$c" ] && [ -x "$c" ] && _has_keystone "$c"; then
			KEYSTONE_PYTHON=$c
			return 0
		fi
	done
	command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ] || return 1
	echo "# installing python3-keystone" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		python3-keystone >&2 || return 1
	_has_keystone /usr/bin/python3 || return 1
	KEYSTONE_PYTHON=/usr/bin/python3
}

# keystone.conf for database DB and key dir KEYS into FILE.
_keystone_conf() {
	cat >"$3" <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = sqlite:///$1
[fernet_tokens]
key_repository = $2/fernet
max_active_keys = 3
[fernet_receipts]
key_repository = $2/fernet
[credential]
key_repository = $2/credential
[identity]
password_hash_rounds = 4
[token]
expiration = 3600
EOF
}

# Fernet keys as keystone-manage fernet_setup writes them (0 staged, 1
# primary), without its five seconds of start-up.
_keystone_keys() {
	"$KEYSTONE_PYTHON" - "$1" <<'EOF'
import base64, os, sys
for sub in ("fernet", "credential"):
    d = os.path.join(sys.argv[1], sub)
    os.makedirs(d, mode=0o700, exist_ok=True)
    for n in ("0", "1"):
        fd = os.open(os.path.join(d, n), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, base64.urlsafe_b64encode(os.urandom(32)))
        os.close(fd)
EOF
}

_keystone_wal() {
	"$KEYSTONE_PYTHON" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.close()' "$1"
}

# Prints the directory of the template database (template.db, the admin
# password in admin-password), making it once.
keystone_template() {
	local ver cache lockfd tmp
	keystone_python || return 1
	ver=$("$KEYSTONE_PYTHON" -c 'import importlib.metadata as m; print(m.version("keystone"))') || return 1
	cache=$(berth_cache)/keystone-$ver
	mkdir -p "$cache" || return 1
	if [ ! -s "$cache/template.db" ]; then
		exec {lockfd}>"$cache/.build.lock"
		flock "$lockfd"
		if [ ! -s "$cache/template.db" ]; then
			echo "# making Keystone $ver's template database (once; cached in $cache)" >&2
			tmp=$(mktemp -d "$cache/tmp.XXXXXX") || return 1
			(
				set -e
				umask 077
				_keystone_conf "$tmp/keystone.db" "$tmp" "$tmp/keystone.conf"
				_keystone_keys "$tmp"
				head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$tmp/admin-password"
				keystone-manage --config-file "$tmp/keystone.conf" db_sync
				_keystone_wal "$tmp/keystone.db"
				keystone-manage --config-file "$tmp/keystone.conf" bootstrap \
					--bootstrap-password "$(cat "$tmp/admin-password")" \
					--bootstrap-admin-url http://127.0.0.1:5000/v3 \
					--bootstrap-public-url http://127.0.0.1:5000/v3 \
					--bootstrap-internal-url http://127.0.0.1:5000/v3 \
					--bootstrap-region-id RegionOne
				_keystone_wal "$tmp/keystone.db"
				mv "$tmp/admin-password" "$cache/admin-password"
				mv "$tmp/keystone.db" "$cache/template.db"
			) >"$cache/build.log" 2>&1
			rm -rf "$tmp"
		fi
		exec {lockfd}>&-
	fi
	[ -s "$cache/template.db" ] || { tail -n 20 "$cache/build.log" >&2; return 1; }
	echo "$cache"
}

# The admin's calls that make the test's project, user, role, catalog
# and application credential; prints JSON with what the clouds.yaml needs.
_keystone_setup() {
	"$KEYSTONE_PYTHON" - "$@" <<'EOF'
import json, sys, urllib.request, urllib.error
ks, api, admin_pw, user_pw = sys.argv[1:5]

def call(method, path, body=None, token=None, want=(200, 201, 204)):
    req = urllib.request.Request(ks + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
            return r.headers, json.loads(data) if data else {}
    except urllib.error.HTTPError as e:
        sys.exit("%s %s: %d %s" % (method, path, e.code, e.read()[:300]))

def token(user, pw, project):
    h, _ = call("POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": user, "domain": {"id": "default"}, "password": pw}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
    return h["X-Subject-Token"]

t = token("admin", admin_pw, "admin")
for e in call("GET", "/endpoints", token=t)[1]["endpoints"]:
    call("PATCH", "/endpoints/" + e["id"], {"endpoint": {"url": ks}}, t)
pid = call("POST", "/projects", {"project": {"name": "berth", "domain_id": "default"}},
           t)[1]["project"]["id"]
uid = call("POST", "/users", {"user": {"name": "berth", "password": user_pw,
           "domain_id": "default", "default_project_id": pid}}, t)[1]["user"]["id"]
rid = call("GET", "/roles?name=member", token=t)[1]["roles"][0]["id"]
call("PUT", "/projects/%s/users/%s/roles/%s" % (pid, uid, rid), token=t)
for typ, name, url in (("compute", "nova", api + "/v2.1"), ("network", "neutron", api + "/")):
    sid = call("POST", "/services", {"service": {"type": typ, "name": name}}, t)[1]["service"]["id"]
    for iface in ("public", "internal"):
        call("POST", "/endpoints", {"endpoint": {"service_id": sid, "interface": iface,
             "url": url, "region_id": "RegionOne"}}, t)
ut = token("berth", user_pw, "berth")
ac = call("POST", "/users/%s/application_credentials" % uid,
          {"application_credential": {"name": "berth-ac"}}, ut)[1]["application_credential"]
print(json.dumps({"project_id": pid, "ac_id": ac["id"], "ac_secret": ac["secret"]}))
EOF
}

_ost_clouds_yaml() { # KS-URL USER-PW AC-ID AC-SECRET
	local f="$HOME/.config/openstack/clouds.yaml"
	mkdir -p "$(dirname "$f")"
	(
		umask 077
		cat >"$f" <<EOF
clouds:
  berth-test:
    auth:
      auth_url: $1
      username: berth
      password: "$2"
      project_name: berth
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  berth-ac:
    auth_type: v3applicationcredential
    auth:
      auth_url: $1
      application_credential_id: "$3"
      application_credential_secret: "$4"
    region_name: RegionOne
  berth-bad:
    auth:
      auth_url: $1
      username: berth
      password: "not-$2"
      project_name: berth
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
EOF
	)
}

_ost_wait_http() { # URL SECONDS PID
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		curl -s -o /dev/null --max-time 2 "$1" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# openstack_start [--build-delay SECONDS]: Keystone and the fake, set up.
openstack_start() {
	local delay=0 tpl ks_port api_port ctl_port user_pw setup
	[ "${1:-}" = --build-delay ] && delay=$2
	[ -z "$OST_DIR" ] || BAIL_OUT "openstack_start called twice"
	keystone_python || skip_all "cannot install Keystone (python3-keystone)"
	tpl=$(keystone_template) || skip_all "cannot install or set up Keystone (python3-keystone)"
	OST_DIR=$TEST_DIR/os
	mkdir -p "$OST_DIR/vms"
	cp "$tpl/template.db" "$OST_DIR/keystone.db"
	install -m 0600 "$tpl/admin-password" "$OST_DIR/admin-password"
	_keystone_wal "$OST_DIR/keystone.db" || BAIL_OUT "cannot put Keystone's database in WAL mode"
	_keystone_conf "$OST_DIR/keystone.db" "$OST_DIR" "$OST_DIR/keystone.conf"
	_keystone_keys "$OST_DIR" || BAIL_OUT "cannot write Keystone's keys"
	ks_port=$(free_port)
	OS_KEYSTONE_CONFIG_FILES="$OST_DIR/keystone.conf" "$KEYSTONE_PYTHON" \
		"$TOP_SRCDIR/tests/keystone-wsgi.py" "$ks_port" "$OST_DIR/keystone-access.log" \
		</dev/null >"$OST_DIR/keystone.log" 2>&1 &
	OST_KS_PID=$!
	# from here on, a bail-out stops what was started (Keystone, then the fake)
	trap '_ost_status=$?; _lib_forked && exit $_ost_status; openstack_stop; (exit $_ost_status); _lib_cleanup' EXIT
	export OST_KEYSTONE_URL="http://127.0.0.1:$ks_port/v3"
	_ost_wait_http "$OST_KEYSTONE_URL" 60 "$OST_KS_PID" || {
		diag "$(tail -n 20 "$OST_DIR/keystone.log")"
		BAIL_OUT "Keystone did not start"
	}
	api_port=$(free_port)
	ctl_port=$(free_port)
	export OST_API_URL="http://127.0.0.1:$api_port"
	export OST_CONTROL_URL="http://127.0.0.1:$ctl_port"
	user_pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	setup=$(_keystone_setup "$OST_KEYSTONE_URL" "$OST_API_URL" \
		"$(cat "$OST_DIR/admin-password")" "$user_pw" 2>"$OST_DIR/setup.log") || {
		diag "$(cat "$OST_DIR/setup.log")" "$(tail -n 20 "$OST_DIR/keystone.log")"
		BAIL_OUT "cannot set up Keystone's project, user and catalog"
	}
	export OST_PROJECT_ID
	OST_PROJECT_ID=$(printf '%s' "$setup" | pyjson 'd["project_id"]')
	_ost_clouds_yaml "$OST_KEYSTONE_URL" "$user_pw" \
		"$(printf '%s' "$setup" | pyjson 'd["ac_id"]')" \
		"$(printf '%s' "$setup" | pyjson 'd["ac_secret"]')"
	"$KEYSTONE_PYTHON" "$TOP_SRCDIR/tests/fake-openstack.py" --port "$api_port" \
		--control-port "$ctl_port" --keystone "${OST_KEYSTONE_URL%/v3}" \
		--admin-password-file "$OST_DIR/admin-password" --state-dir "$OST_DIR/vms" \
		--vmboot "$TOP_SRCDIR/tests/vmboot.py" --build-delay "$delay" \
		--containerd-dir "$OST_DIR/containerd" \
		</dev/null >"$OST_DIR/fake.log" 2>&1 &
	OST_FAKE_PID=$!
	_ost_wait_http "$OST_CONTROL_URL/state" 30 "$OST_FAKE_PID" || {
		diag "$(tail -n 20 "$OST_DIR/fake.log")"
		BAIL_OUT "fake-openstack.py did not start"
	}
}

# os_ctl METHOD PATH [JSON]: one of the fake's test controls; prints its answer.
os_ctl() {
	curl -sS --max-time 60 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$OST_CONTROL_URL$2"
}

# os_count KIND: servers, security_groups (not "default"), floatingips, engines.
os_count() {
	os_ctl GET /state | pyjson "d['counts']['$1']"
}

# How many tokens Keystone issued (POST /v3/auth/tokens answered 201).
os_token_issues() {
	grep -c '^POST /v3/auth/tokens 201$' "$OST_DIR/keystone-access.log"
}

_ost_kill() { # PID SECONDS
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	_wait_gone "$2" "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# Stops the fake (it stops its dockerds), then Keystone; then any dockerd
# a killed fake left in its VM directories.
openstack_stop() {
	local d
	_ost_kill "$OST_FAKE_PID" 60
	OST_FAKE_PID=
	_ost_kill "$OST_KS_PID" 10
	OST_KS_PID=
	[ -n "$OST_DIR" ] && [ -f "$TOP_SRCDIR/tests/vmboot.py" ] || return 0
	for d in "$OST_DIR"/vms/vm*; do
		[ -f "$d/pid" ] && "$PYTHON" "$TOP_SRCDIR/tests/vmboot.py" stop --dir "$d" >/dev/null 2>&1
	done
	# the containerd the VMs shared
	[ -f "$OST_DIR/containerd/pid" ] &&
		"$PYTHON" "$TOP_SRCDIR/tests/vmboot.py" containerd-stop --dir "$OST_DIR/containerd" \
			>/dev/null 2>&1
	return 0
}
