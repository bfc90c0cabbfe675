#!/bin/bash
# t1400-tls: a second private engine on 127.0.0.N:PORT with --tlsverify and
# certificates made here with openssl. berth works through it (config host
# with tls_dir; DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH); a
# wrong CA, a missing or foreign client certificate and plain HTTP to the
# TLS port each fail in one clear line with exit 1.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
command -v openssl >/dev/null || skip_all "openssl is not installed"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

# A loopback address of our own, so parallel scripts never share one.
IP=127.0.0.$((20 + RANDOM % 200))
PORT=$(free_port "$IP")
CERTS=$TEST_DIR/certs
make_tls_certs "$CERTS" "$IP"

engine_start main
engine_start lab -H "tcp://$IP:$PORT" --tlsverify \
	--tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" --tlskey "$CERTS/server-key.pem"
busybox_image "$(engine_sock lab)"
busybox_image "$(engine_sock main)"
URL=tcp://$IP:$PORT

# The docker CLI itself gets through: the certificates are right.
"$DOCKER_CLI" -H "$URL" --tlsverify --tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/cert.pem" \
	--tlskey "$CERTS/key.pem" version >/dev/null 2>&1
ok $? "the docker CLI reaches the TLS engine with these certificates"

# tls directories for the failure cases, each holding what its name says
mkdir -p wrongca noclient foreign
cp "$CERTS/other/ca.pem" wrongca/ca.pem
cp "$CERTS/cert.pem" "$CERTS/key.pem" wrongca/
cp "$CERTS/ca.pem" noclient/ca.pem
cp "$CERTS/ca.pem" foreign/ca.pem
cp "$CERTS/other/cert.pem" "$CERTS/other/key.pem" foreign/

cat >tls.yaml <<EOF
hosts:
  main: { url: "$(engine_url main)" }
  lab: { url: "$URL", tls_dir: "$CERTS" }
  wrongca: { url: "$URL", tls_dir: "$TEST_DIR/wrongca" }
  noclient: { url: "$URL", tls_dir: "$TEST_DIR/noclient" }
  foreign: { url: "$URL", tls_dir: "$TEST_DIR/foreign" }
  plain: { url: "$URL", insecure: true }
  viahttps: { url: "https://$IP:$PORT", tls_dir: "$CERTS" }
EOF

on() { dk "$1" inspect "$2" >/dev/null 2>&1; }

# --- through TLS -------------------------------------------------------------------

berth --config tls.yaml -H lab container create --name over-tls busybox true
is "$RC" 0 "create on the TLS host exits 0"
is "$ERR" "" "... nothing on stderr"
on lab over-tls
ok $? "the TLS engine has the container"

berth --config tls.yaml -H lab container list -a -q
is "$RC" 0 "list on the TLS host exits 0"
is "$OUT" "$(dk lab ps -aq)" "list on the TLS host: that engine's containers"

berth --config tls.yaml -c 'host use main; container create --name on-main busybox true; host use lab; container create --name on-lab busybox true'
is "$RC" 0 "one session over a unix socket and TLS"
on main on-main && ! on lab on-main && on lab on-lab && ! on main on-lab
ok $? "each container went to its engine"

berth --config tls.yaml host list
like "$(grep '^lab ' "$OUTF")" "^lab +$URL +[^ ]+" "host list shows lab's URL"

berth --config tls.yaml -H viahttps container list -a -q
is "$RC" 0 "an https:// URL is TCP with TLS"
is "$OUT" "$(dk lab ps -aq)" "... and lists the TLS engine"

berth --config tls.yaml host info lab --json
is "$RC" 0 "host info over TLS exits 0"
is "$(pyjson 'd["ServerVersion"]' <"$OUTF")" "$(dk lab version -f '{{.Server.Version}}')" "host info over TLS: the engine's version"

# the docker CLI's variables
DOCKER_HOST=$URL DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CERTS berth container create --name via-env busybox true
is "$RC" 0 "DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: create exits 0"
on lab via-env
ok $? "... the TLS engine has it"
DOCKER_HOST=$URL DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CERTS berth container list -a -q
is "$(sort "$OUTF")" "$(dk lab ps -aq | sort)" "... and lists the TLS engine's containers"

mkdir -p "$HOME/.docker"
cp "$CERTS/ca.pem" "$CERTS/cert.pem" "$CERTS/key.pem" "$HOME/.docker/"
DOCKER_HOST=$URL DOCKER_TLS_VERIFY=1 berth container list -a -q
is "$RC" 0 "DOCKER_CERT_PATH defaults to ~/.docker"
is "$(sort "$OUTF")" "$(dk lab ps -aq | sort)" "... and lists the TLS engine"
rm -rf "$HOME/.docker"

DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CERTS berth -H "$URL" container list -a -q
is "$RC" 0 "-H tcp:// URL with the docker CLI's TLS variables"
is "$(sort "$OUTF")" "$(dk lab ps -aq | sort)" "... lists the TLS engine"

# --- TLS failures: one line, exit 1, promptly ---------------------------------------

# tls_fails HOST DESC SUBSTRING...
tls_fails() {
	local host=$1 desc=$2 s start=$SECONDS
	shift 2
	berth --config tls.yaml -H "$host" container list -a -q
	is "$RC" 1 "$desc: exit 1"
	one_line "$ERR" "$desc: one line"
	like "$ERR" "^berth: $host: " "$desc: names the host"
	for s in "$@"; do contains "$ERR" "$s" "$desc: says \"$s\""; done
	is "$OUT" "" "$desc: nothing on stdout"
	ok $((SECONDS - start > 15)) "$desc: fails promptly"
}

tls_fails wrongca "a CA that did not sign the server's certificate" "TLS" "$IP:$PORT"
tls_fails noclient "no client certificate" "cert.pem"
tls_fails foreign "a client certificate from a CA the engine does not trust" "TLS" "$IP:$PORT"
tls_fails plain "plain HTTP to the TLS port" "$IP:$PORT" "TLS port"

DOCKER_HOST=$URL DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TEST_DIR/wrongca berth container list
is "$RC" 1 "DOCKER_CERT_PATH with the wrong CA: exit 1"
one_line "$ERR" "... one line"
contains "$ERR" "berth: local: TLS" "... a TLS error for local"

# DOCKER_HOST=tcp:// without DOCKER_TLS_VERIFY is plain HTTP, as for the
# docker CLI: berth takes it with a warning (that --insecure silences),
# and the TLS port refuses it.
DOCKER_HOST=$URL berth --insecure container list
is "$RC" 1 "DOCKER_HOST=tcp:// to the TLS port without DOCKER_TLS_VERIFY: exit 1"
one_line "$ERR" "... one line"
contains "$ERR" "then set DOCKER_TLS_VERIFY=1" "... saying how to get TLS for DOCKER_HOST"
DOCKER_HOST=$URL berth container list
is "$RC" 1 "... and without --insecure: exit 1"
is "$(printf '%s\n' "$ERR" | grep -c '')" 2 "... the warning about plain HTTP, then the error"
like "$ERR" "^berth: warning: local: plain HTTP" "... the warning first"
DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CERTS berth -H "http://$IP:$PORT" container list
is "$RC" 1 "-H http:// with DOCKER_TLS_VERIFY: refused"
contains "$ERR" "use https:// or tcp://" "... saying which URL is TLS"

# the engine made nothing for any of them
is "$(dk lab ps -aq | wc -l)" 3 "the TLS engine holds just the three containers made through it"

done_testing
