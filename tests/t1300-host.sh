#!/bin/bash
# t1300-host: hosts from the configuration (--config, BERTH_CONFIG,
# XDG_CONFIG_HOME), host list/use/info, -H, BERTH_HOST, DOCKER_HOST and a
# pinned DOCKER_API_VERSION, with two private engines: each engine is asked
# itself where berth's commands went.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start alpha
engine_start beta --debug # its log shows the API version of each request
busybox_image "$(engine_sock alpha)"
busybox_image "$(engine_sock beta)"
A=$(engine_url alpha)
B=$(engine_url beta)

CONF=$TEST_DIR/hosts.yaml
cat >"$CONF" <<EOF
# two private engines
default_host: alpha
hosts:
  alpha: { url: "$A" }
  beta:
    url: "$B"
EOF

on() { dk "$1" inspect "$2" >/dev/null 2>&1; }

# --- host list ---------------------------------------------------------------------

berth --config "$CONF" host list
is "$RC" 0 "host list exits 0"
like "$(head -n 1 "$OUTF")" '^NAME +URL +TLS +STATE +REASON +AGE +SLOTS +ENGINE +CONTAINERS +LAST SEEN +CURRENT$' "host list header"
rows=$(tail -n +2 "$OUTF")
like "$rows" "(^|"$'\n'")alpha +$A .* +\\*($|"$'\n'")" "alpha is listed with its URL, current"
like "$rows" "(^|"$'\n'")beta +$B [^*]*($|"$'\n'")" "beta is listed with its URL, not current"
like "$rows" "(^|"$'\n'")local +unix:///var/run/docker.sock" "local is always there (default URL)"
is "$(grep -c '\*' <<<"$rows")" 1 "exactly one current host"

berth --config "$CONF" host list -q
is "$(sort "$OUTF" | tr '\n' ' ')" "alpha beta local " "host list -q: the names"
berth --config "$CONF" host list --json
is "$RC" 0 "host list --json exits 0"
json_valid "$OUTF"
ok $? "host list --json is JSON"
contains "$OUT" "$B" "host list --json holds beta's URL"

# --- which engine commands go to ------------------------------------------------------

berth --config "$CONF" container create --name c-default busybox true
is "$RC" 0 "create on the default host exits 0"
on alpha c-default && ! on beta c-default
ok $? "default_host: alpha: the container is on alpha only"

berth --config "$CONF" -H beta container create --name c-dash-h busybox true
is "$RC" 0 "create with -H beta exits 0"
on beta c-dash-h && ! on alpha c-dash-h
ok $? "-H beta: the container is on beta only"

berth --config "$CONF" --host alpha container list -a -q
is "$OUT" "$(dk alpha ps -aq)" "--host alpha lists alpha's containers"

berth --config "$CONF" -c 'host use beta; container create --name c-use busybox true; host use alpha; container create --name c-back busybox true'
is "$RC" 0 "-c with host use exits 0"
on beta c-use && ! on alpha c-use
ok $? "host use beta sent the next command to beta"
on alpha c-back && ! on beta c-back
ok $? "host use alpha sent the one after to alpha"

cat >switch.berth <<'EOF'
host use beta
container create --name c-batch busybox true
host list -q
EOF
berth --config "$CONF" -f switch.berth
is "$RC" 0 "a batch with host use exits 0"
on beta c-batch && ! on alpha c-batch
ok $? "host use in a batch file switches for the lines after it"

berth --config "$CONF" -c 'host use beta; host list'
like "$(grep '\*' "$OUTF")" '^beta ' "after host use beta, host list marks beta current"

berth --config "$CONF" host use nosuch
is "$RC" 2 "host use of an unknown host: exit 2 (a usage error)"
is "$ERR" "berth: unknown host: nosuch (known: local, alpha, beta)" "... naming the known hosts"
berth --config "$CONF" -c 'host use nosuch; container create --name c-never busybox true'
is "$RC" 2 "a failed host use stops -c (exit 2: an unknown host)"
on alpha c-never || on beta c-never
isnt "$?" 0 "... nothing was created anywhere"

# a URL as -H: an ad-hoc host
berth -H "$B" container list -a -q
is "$RC" 0 "-H with a unix:// URL exits 0"
is "$(sort "$OUTF")" "$(dk beta ps -aq | sort)" "-H URL lists that engine's containers"

# --- where the configuration comes from ---------------------------------------------

BERTH_CONFIG=$CONF berth container list -a -q
is "$(sort "$OUTF")" "$(dk alpha ps -aq | sort)" "BERTH_CONFIG: default_host alpha"
BERTH_CONFIG=$CONF BERTH_HOST=beta berth container list -a -q
is "$(sort "$OUTF")" "$(dk beta ps -aq | sort)" "BERTH_HOST=beta"
BERTH_CONFIG=$CONF BERTH_HOST=beta berth -H alpha container list -a -q
is "$(sort "$OUTF")" "$(dk alpha ps -aq | sort)" "-H wins over BERTH_HOST"

mkdir -p "$XDG_CONFIG_HOME/berth"
sed 's/^default_host: alpha/default_host: beta/' "$CONF" >"$XDG_CONFIG_HOME/berth/config.yaml"
berth container create --name c-xdg busybox true
is "$RC" 0 "with only the XDG config file: exit 0"
on beta c-xdg && ! on alpha c-xdg
ok $? "\$XDG_CONFIG_HOME/berth/config.yaml is read (default_host: beta)"
berth --config "$CONF" container create --name c-explicit busybox true
on alpha c-explicit && ! on beta c-explicit
ok $? "--config reads only that file, not the XDG one"
rm "$XDG_CONFIG_HOME/berth/config.yaml"

# --- the pool remembers: local (no engine at the default socket) is out -------------------

# Every host list above asked the active engines for their facts; local's
# (unix:///var/run/docker.sock, nothing there) failed each time. alpha and
# beta answered, so local is not the last active host: at the threshold (3)
# it went inactive, and stays so across runs (the store remembers).
berth --config "$CONF" host list --json
is "$(pyjson '[h["state"] for h in d if h["name"] == "local"][0]' <"$OUTF")" inactive \
	"local went inactive after 3 failed requests"
like "$(pyjson '[h["state_reason"] for h in d if h["name"] == "local"][0]' <"$OUTF")" \
	'^3 consecutive errors: cannot connect to the engine at unix:///var/run/docker.sock' \
	"... the reason names the errors"
is "$(pyjson 'sorted(h["name"] for h in d if h["state"] == "active")' <"$OUTF")" '["alpha", "beta"]' \
	"alpha and beta stay active"

# --- DOCKER_HOST and the host local ------------------------------------------------------

# The store above remembers local as inactive, recorded against the
# default socket. Pointed at another engine (DOCKER_HOST, hosts.local.url),
# local is another engine: its recorded state and errors start over.
DOCKER_HOST=$B berth container list -a -q
is "$(sort "$OUTF")" "$(dk beta ps -aq | sort)" "DOCKER_HOST is the host local"
DOCKER_HOST=$B berth host list --json
is "$(pyjson '[h["state"] for h in d if h["name"] == "local"][0]' <"$OUTF")" active \
	"local at another URL is active again: the inactive state was the old engine's"
like "$(pyjson '[h["state_reason"] for h in d if h["name"] == "local"][0]' <"$OUTF")" \
	'^its URL changed \(was unix:///var/run/docker.sock\)$' "... the reason says why"
DOCKER_HOST=$B berth host list
like "$(grep '^local ' "$OUTF")" "^local +$B +" "host list shows local at DOCKER_HOST"

cat >local.yaml <<EOF
hosts:
  local: { url: "$A" }
EOF
berth --config local.yaml container list -a -q
is "$(sort "$OUTF")" "$(dk alpha ps -aq | sort)" "hosts.local.url is used without DOCKER_HOST"
DOCKER_HOST=$B berth --config local.yaml container list -a -q
is "$(sort "$OUTF")" "$(dk beta ps -aq | sort)" "DOCKER_HOST wins over hosts.local.url"
export XDG_DATA_HOME=$TEST_DIR/home/.local/share

# --- host info and the API version ----------------------------------------------------------

berth --config "$CONF" host info beta --json
is "$RC" 0 "host info beta --json exits 0"
is "$(pyjson 'd["ServerVersion"]' <"$OUTF")" "$(dk beta version -f '{{.Server.Version}}')" "host info: the engine's version"
is "$(pyjson 'd["ApiVersion"]' <"$OUTF")" "$(dk beta version -f '{{.Server.APIVersion}}')" "host info: the negotiated API version is the engine's"
is "$(pyjson 'd["NCPU"]' <"$OUTF")" "$(dk beta info -f '{{.NCPU}}')" "host info: CPUs"
is "$(pyjson 'd["Containers"]' <"$OUTF")" "$(dk beta ps -aq | wc -l)" "host info: the container count"

berth --config "$CONF" host info
is "$RC" 0 "host info (current host) exits 0"
contains "$OUT" "$(dk alpha version -f '{{.Server.Version}}')" "host info shows the engine version"

# --host NAME, as on every command that acts on the pinned host or the pool
berth --config "$CONF" host info --host beta --json
is "$RC" 0 "host info --host beta exits 0"
is "$(pyjson 'd["Host"]' <"$OUTF")" beta "... and describes beta"
is "$(pyjson 'd["ServerVersion"]' <"$OUTF")" "$(dk beta version -f '{{.Server.Version}}')" "... beta's engine"
berth --config "$CONF" host info beta --host alpha
is "$RC" 2 "host info NAME --host NAME: a usage error"
contains "$ERR" "give NAME or --host NAME, not both" "... saying so"
berth --config "$CONF" host info --host alpha --host beta
isnt "$RC" 0 "host info with two --host: refused, it describes one host"
contains "$ERR" "acts on one host and --host names 2" "... saying so"

before=$(wc -l <"$(engine_dir beta)/log")
DOCKER_API_VERSION=1.40 berth --config "$CONF" host info beta --json
is "$RC" 0 "host info with DOCKER_API_VERSION=1.40 exits 0"
is "$(pyjson 'd["ApiVersion"]' <"$OUTF")" 1.40 "host info reports the pinned version 1.40"
DOCKER_API_VERSION=1.40 berth --config "$CONF" -H beta container list -a -q
is "$RC" 0 "a command with the pinned version works"
reqs=$(tail -n +"$((before + 1))" "$(engine_dir beta)/log" | grep -o 'Calling [A-Z]* /[^"]*' | grep -v '/_ping')
[ -n "$reqs" ] && ! grep -qv ' /v1\.40/' <<<"$reqs"
ok $? "every request beta saw went to /v1.40/" || diag "$reqs"

before=$(wc -l <"$(engine_dir beta)/log")
berth --config "$CONF" -H beta container list -a -q
reqs=$(tail -n +"$((before + 1))" "$(engine_dir beta)/log" | grep -o 'Calling [A-Z]* /[^"]*')
contains "$reqs" "/_ping" "without a pin the version is negotiated (/_ping)"
contains "$reqs" "/v$(dk beta version -f '{{.Server.APIVersion}}')/containers/json" \
	"... and the engine's own version is used"

done_testing
