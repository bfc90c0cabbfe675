#!/bin/bash
# t0200-errors: bad input and failing engines, each with the message and
# exit status of contracts.md: one line on stderr, nothing on stdout,
# 2 for usage errors, 1 for failed operations. A real engine answers the
# "No such container" cases; tests/fake-engine.py serves what a real one
# cannot: garbage, a truncated body, a hang.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

PLAIN_PORT=$(free_port)
engine_start main -H "tcp://127.0.0.1:$PLAIN_PORT"
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)

# usage_err WANT-STATUS SUBSTRING WORDS...: the command fails with that
# status, one line "berth: ..." holding SUBSTRING, nothing on stdout.
expect_err() {
	local want=$1 sub=$2
	shift 2
	berth "$@"
	is "$RC" "$want" "$* exits $want"
	one_line "$ERR" "$*: one line on stderr"
	contains "$ERR" "$sub" "$*: says \"$sub\""
	like "$ERR" '^berth: ' "$*: the line starts with 'berth: '"
	is "$OUT" "" "$*: nothing on stdout"
}

# --- usage errors (exit 2) -----------------------------------------------------

expect_err 2 "unknown command: contaner (did you mean container?)" contaner list
expect_err 2 "unknown command: imgae (did you mean image?)" imgae list
expect_err 2 "unknown command: container crate (did you mean create?)" container crate busybox
expect_err 2 "unknown command: container lsit (did you mean list?)" container lsit
expect_err 2 "container needs a verb: create, start" container
expect_err 2 "(see 'help container')" container
expect_err 2 "ambiguous command: h could be" h
like "$ERR" 'host' "the ambiguous 'h' names host"
like "$ERR" 'help' "the ambiguous 'h' names help"
expect_err 2 "container create needs IMAGE (usage: container create [OPTIONS] IMAGE [CMD...])" container create
expect_err 2 "container logs takes at most 1 argument" container logs one two
expect_err 2 "unknown option --nmae for container create (did you mean --name?)" container create --nmae web busybox
expect_err 2 "unknown option --foce for container delete (did you mean --force?)" container delete --foce web
expect_err 2 "option --name needs a value" container create --name
expect_err 2 "invalid size '12q' for --memory: use a number with k, m or g (256m, 1g)" \
	container create --memory 12q busybox
expect_err 2 "invalid size '-5m' for --memory" container create -m -5m busybox
expect_err 2 "unterminated single quote: close it with '" -c "container list --filter 'label=a"
expect_err 2 'unterminated double quote: close it with "' -c 'container list --filter "label=a'

# A usage error is found before any engine is contacted.
DOCKER_HOST="unix://$TEST_DIR/nothing-here.sock" berth container create --memory 12q busybox
is "$RC" 2 "a bad size is a usage error even with no engine"
contains "$ERR" "invalid size '12q'" "... and says so, not that the engine is down"
is "$(dk main ps -aq | wc -l)" 0 "no container was created by any failed create"

# In a batch the same messages carry FILE:LINE; quotes do not span lines.
printf 'container list -q\ncontainer list --filter "label=a\n' >quote.berth
berth -f quote.berth
is "$RC" 2 "an unterminated quote stops a batch with 2"
is "$ERR" 'quote.berth:2: unterminated double quote: close it with "' "... naming FILE:LINE"

# --- the user's words in messages are cut ---------------------------------------------

# A 100 KB word comes back as its first 80 characters and "…", wherever it
# is quoted: one short line. @ in each command stands for the word (which
# may carry a prefix: -a@ is cut as a whole, 78 x after the -a).
BIG=$(head -c 100000 /dev/zero | tr '\0' x)
X81=$(head -c 81 /dev/zero | tr '\0' x)
while IFS= read -r cmd; do
	[ -n "$cmd" ] || continue
	read -r -a w <<<"$cmd"
	for i in "${!w[@]}"; do w[i]=${w[i]//@/$BIG}; done
	berth "${w[@]}"
	isnt "$RC" 0 "$cmd (100 KB @): fails"
	one_line "$ERR" "$cmd (100 KB @): one line"
	ok $((${#ERR} > 400)) "$cmd (100 KB @): a short line (${#ERR} characters)"
	like "$ERR" 'x{70,80}…' "$cmd (100 KB @): the word cut at 80 characters with …"
	unlike "$ERR" "$X81" "$cmd (100 KB @): never more of it"
done <<'EOF'
@
container @
container list --@
container list -a@
--@
-H @ container list
-H tcp://@ container list
container list --host @
host info @
host use @
host add @ tcp://127.0.0.1:1
host add x tcp://@
host slots local @
container create --memory @ busybox
container create --cpus @ busybox
container create -p @ busybox
container create -e =@ busybox
container create --restart @ busybox
container create --lifetime @ busybox
container list --filter @
container list --filter status=@
container logs --tail @ x
container inspect @
container start @
template show @
template add t --image busybox --memory @
image distribute --from @ --all busybox
image inspect @
exit @
-c @
-f /dev/null @
EOF
# characters, not bytes: é is two bytes, and is never split
berth container list --filter "$(printf 'é%.0s' $(seq 1 300))"
contains "$ERR" "'$(printf 'é%.0s' $(seq 1 80))…'" "a word of two-byte characters is cut at 80 characters"

# --- engine errors (exit 1) -------------------------------------------------------

expect_err 1 "local: No such container: nosuch" container inspect nosuch
is "$ERR" "berth: local: No such container: nosuch" "the engine's message with the host name, nothing else"
expect_err 1 "local: No such container: nosuch" container start nosuch
expect_err 1 "local: No such container: nosuch" container logs nosuch
expect_err 1 "local: No such container: nosuch" container delete nosuch
expect_err 1 "No such image: nosuch" image inspect nosuch

dk main create --name taken busybox true >/dev/null
expect_err 1 'Conflict. The container name "/taken" is already in use' container create --name taken busybox
like "$ERR" '^berth: local: ' "a conflict names the host"

# -H with a URL: the host is named by its URL.
url=$(engine_url main)
expect_err 1 "$url: No such container: nosuch" -H "$url" container inspect nosuch

# unknown host
expect_err 2 "unknown host: nosuch (known: local" -H nosuch container list
BERTH_HOST=nosuch berth container list
is "$RC" 2 "BERTH_HOST=nosuch exits 2 (a name nobody knows is a usage error)"
contains "$ERR" "unknown host: nosuch" "BERTH_HOST names the host as -H does"

# --- engine down ---------------------------------------------------------------------

down="unix://$TEST_DIR/no-daemon/docker.sock"
mkdir -p "$TEST_DIR/no-daemon"
start=$SECONDS
DOCKER_HOST=$down berth container list
is "$RC" 1 "no daemon behind the socket: exit 1"
one_line "$ERR" "no daemon: one line"
contains "$ERR" "berth: local: cannot connect to the engine at $down" "no daemon: names the host and the URL"
ok $((SECONDS - start > 10)) "no daemon: the failure is prompt"
is "$OUT" "" "no daemon: nothing on stdout"

# a socket file nobody listens on
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	"$TEST_DIR/no-daemon/stale.sock"
DOCKER_HOST="unix://$TEST_DIR/no-daemon/stale.sock" berth container list
is "$RC" 1 "a stale socket: exit 1"
one_line "$ERR" "a stale socket: one line"
contains "$ERR" "cannot connect to the engine at unix://$TEST_DIR/no-daemon/stale.sock" "a stale socket: names the URL"

# help and usage errors need no engine
DOCKER_HOST=$down berth help
is "$RC" 0 "help works with the engine down"
DOCKER_HOST=$down berth contaner
is "$RC" 2 "a usage error is still 2 with the engine down"

# --- tcp:// without TLS ---------------------------------------------------------------

cat >plain.yaml <<EOF
hosts:
  dev: { url: "tcp://127.0.0.1:$PLAIN_PORT" }
  devok: { url: "tcp://127.0.0.1:$PLAIN_PORT", insecure: true }
EOF
berth --config plain.yaml -H dev container list -a -q
is "$RC" 1 "a tcp:// host without TLS is refused"
one_line "$ERR" "the refusal is one line"
contains "$ERR" "dev" "the refusal names the host"
contains "$ERR" "insecure" "the refusal says how to allow it (insecure)"
is "$OUT" "" "the refusal prints no data"

berth --config plain.yaml -H devok container list -a -q
is "$RC" 0 "a tcp:// host marked insecure: true works"
is "$OUT" "$(dk main ps -aq)" "... and lists the engine's containers"

# A URL given with -H: the advice is only what works, and following it
# works. Plain HTTP takes --insecure; DOCKER_TLS_VERIFY asks for TLS.
PLAIN_URL="tcp://127.0.0.1:$PLAIN_PORT"
berth -H ftp://x container list
is "$RC" 1 "-H ftp://x: exit 1"
one_line "$ERR" "-H ftp://x: one line"
contains "$ERR" "unsupported engine URL 'ftp://x': use unix:///PATH, or tcp://HOST:PORT and either set DOCKER_TLS_VERIFY=1" \
	"-H ftp://x: suggests unix://, or tcp:// with DOCKER_TLS_VERIFY for TLS"
contains "$ERR" "or add --insecure for plain HTTP" "... or with --insecure for plain HTTP"
unlike "$ERR" "http://HOST" "... and no http:// URL, which would be refused as well"
berth -H "$PLAIN_URL" container list -a -q
is "$RC" 1 "-H tcp://HOST:PORT without --insecure: refused"
one_line "$ERR" "... in one line"
contains "$ERR" "refusing plain HTTP to $PLAIN_URL" "... saying why"
contains "$ERR" "or add --insecure to allow it" "... and that --insecure allows it"
contains "$ERR" "set DOCKER_TLS_VERIFY=1" "... or DOCKER_TLS_VERIFY for TLS"
unlike "$ERR" "config" "... not the configuration, which has no such host"
berth --insecure -H "$PLAIN_URL" container list -a -q
is "$RC:$ERR" "0:" "--insecure -H tcp://HOST:PORT: plain HTTP, no warning"
is "$OUT" "$(dk main ps -aq)" "... listing the engine's containers"
berth --insecure -H "http://127.0.0.1:$PLAIN_PORT" container list -a -q
is "$RC:$OUT" "0:$(dk main ps -aq)" "--insecure -H http://HOST:PORT works too"
berth --insecure -c "host use $PLAIN_URL; container list -a -q"
is "$RC:$ERR" "0:" "--insecure holds for host use URL"
berth -c "host use $PLAIN_URL; container list -a -q"
is "$RC" 1 "host use URL without --insecure: refused"
contains "$ERR" "add --insecure" "... saying --insecure allows it"
berth --insecure -H ftp://x container list
contains "$ERR" "unsupported engine URL 'ftp://x': use unix:///PATH or tcp://HOST:PORT" \
	"--insecure -H ftp://x: tcp:// works now, and is all it suggests"
berth --insecure=yes container list
is "$RC" 2 "--insecure takes no value"
berth --insecure -H dev --config plain.yaml container list -a -q
is "$RC" 1 "--insecure does not open a configured host to plain HTTP"
contains "$ERR" "insecure: true in the config" "... whose refusal names the configuration's way"

# DOCKER_HOST is read as the docker CLI reads it: tcp:// without
# DOCKER_TLS_VERIFY is plain HTTP. berth takes it with one warning a run.
env DOCKER_HOST="$PLAIN_URL" "$DOCKER_CLI" ps -aq >/dev/null 2>&1
is "$?" 0 "the docker CLI takes DOCKER_HOST=$PLAIN_URL"
DOCKER_HOST=$PLAIN_URL berth container list -a -q
is "$RC" 0 "DOCKER_HOST=tcp://HOST:PORT without DOCKER_TLS_VERIFY: plain HTTP, exit 0"
is "$OUT" "$(dk main ps -aq)" "... listing the engine's containers"
one_line "$ERR" "... with one line on stderr"
like "$ERR" "^berth: warning: local: plain HTTP to $PLAIN_URL .*--insecure" "... a warning naming the URL and --insecure"
DOCKER_HOST=$PLAIN_URL berth -c 'container list -a -q; image list -q; host info'
is "$RC" 0 "several commands over DOCKER_HOST's plain HTTP"
one_line "$ERR" "... warn once a run"
DOCKER_HOST=$PLAIN_URL berth --insecure container list -a -q
is "$RC:$ERR" "0:" "DOCKER_HOST plain HTTP with --insecure: no warning"
DOCKER_HOST=$PLAIN_URL DOCKER_CERT_PATH=$TEST_DIR/no-certs berth --insecure container list -a -q
is "$RC" 0 "DOCKER_CERT_PATH alone turns no TLS on, as for the docker CLI"
DOCKER_HOST=$PLAIN_URL DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TEST_DIR/no-certs berth container list
is "$RC" 1 "DOCKER_TLS_VERIFY=1 asks for TLS: no certificates, exit 1"
contains "$ERR" "$TEST_DIR/no-certs has no ca.pem" "... naming the directory"

# TLS to the plain port: the advice is how that host gets plain HTTP.
if command -v openssl >/dev/null; then
	make_tls_certs "$TEST_DIR/certs" 127.0.0.1
	cat >tlsplain.yaml <<EOF
hosts:
  tlsdev: { url: "$PLAIN_URL", tls_dir: "$TEST_DIR/certs" }
EOF
	berth --config tlsplain.yaml -H tlsdev container list
	is "$RC" 1 "TLS to a plain HTTP port: exit 1"
	one_line "$ERR" "... one line"
	contains "$ERR" "then drop its tls_dir and mark it insecure: true in the config)" \
		"... a configured host: drop tls_dir, insecure: true"
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TEST_DIR/certs berth -H "$PLAIN_URL" container list
	contains "$ERR" "then unset DOCKER_TLS_VERIFY and add --insecure)" "... a -H URL: unset DOCKER_TLS_VERIFY, --insecure"
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TEST_DIR/certs DOCKER_HOST=$PLAIN_URL berth container list
	contains "$ERR" "then unset DOCKER_TLS_VERIFY)" "... DOCKER_HOST: unset DOCKER_TLS_VERIFY"
else
	skip 6 "openssl is not installed"
fi

# --- configuration files ------------------------------------------------------------------

cat >creds.yaml <<EOF
hosts:
  here: { url: "$(engine_url main)" }
mongodb: { uri: "mongodb://berth:s3cretpw@127.0.0.1:27017/", database: berth }
EOF
chmod 0644 creds.yaml
berth --config creds.yaml -H here container list -q
is "$RC" 1 "a config with credentials at mode 0644 is refused"
one_line "$ERR" "the refusal is one line"
contains "$ERR" "creds.yaml" "the refusal names the file"
contains "$ERR" "0644" "the refusal names the mode"
contains "$ERR" "chmod 600" "the refusal says how to fix it"
unlike "$ERR" "s3cretpw" "the refusal does not show the password"

chmod 0600 creds.yaml
berth --config creds.yaml -H here container list -q
is "$RC" 0 "the same config at mode 0600 is accepted"
# nothing listens at its MongoDB: the listing still works, and says once
# that the cache was not updated, without the password
one_line "$ERR" "... with one warning line (MongoDB is down)"
contains "$ERR" "cache was not updated" "... saying the cache was not updated"
unlike "$ERR" "s3cretpw" "... without the password"
BERTH_CONFIG=$TEST_DIR/creds.yaml berth -H here container list -q
is "$RC" 0 "BERTH_CONFIG reads the file as --config does"

chmod 0640 creds.yaml
BERTH_CONFIG=$TEST_DIR/creds.yaml berth -H here container list -q
is "$RC" 1 "mode 0640 (group-readable) is refused too"

printf 'hosts:\n  broken: [\n' >broken.yaml
berth --config broken.yaml host list
is "$RC" 1 "a malformed config file: exit 1"
one_line "$ERR" "a malformed config file: one line"
contains "$ERR" "broken.yaml" "a malformed config file: names the file"

berth --config "$TEST_DIR/missing.yaml" host list
is "$RC" 1 "--config naming a missing file: exit 1"
contains "$ERR" "missing.yaml" "... names the file"

# Help never depends on the settings: with a malformed, missing or
# refused (credentials readable by others) file, help, version and
# COMMAND --help work; a command that needs the settings names the file
# and line, and a usage error is still a usage error.
chmod 0644 creds.yaml
for cfg in broken.yaml "$TEST_DIR/missing.yaml" creds.yaml; do
	c=${cfg##*/}
	for words in "help" "help container list" "container list --help" "host info --help" \
		"docker image --help" "version" "version --json"; do
		read -r -a w <<<"$words"
		berth --config "$cfg" "${w[@]}"
		is "$RC" 0 "$c: $words exits 0"
		ok $((${#OUT} < 20)) "$c: $words prints its text"
		is "$ERR" "" "$c: $words says nothing on stderr"
	done
	berth --config "$cfg" -H nosuch help
	is "$RC" 0 "$c: -H NAME help exits 0 (the pin needs the settings; help does not)"
	berth --config "$cfg" -c 'help; exit 3'
	is "$RC" 3 "$c: exit STATUS works in -c"
	berth --config "$cfg" contaner list
	is "$RC" 2 "$c: a usage error is still 2"
	contains "$ERR" "unknown command: contaner" "$c: ... and says so"
	berth --config "$cfg" -c 'help; container list'
	is "$RC" 1 "$c: a command that needs the settings still fails after help"
	one_line "$ERR" "$c: ... with one line"
	contains "$ERR" "$c" "$c: ... naming the file"
done
like "$ERR" 'creds\.yaml.*0644' "the refused file's line names its mode"
printf 'help\ncontainer list\n' >help-then-list.berth
RUN_STDIN=help-then-list.berth berth --config broken.yaml
is "$RC" 1 "a batch on stdin with a malformed config stops at the line that needs it"
like "$ERR" '^stdin:2: .*broken\.yaml:3: ' "... naming the batch line and the file's line"
like "$OUT" '^Usage:' "... after help ran"
chmod 0600 creds.yaml

# --- an engine answering garbage, truncating, hanging -----------------------------------------

FAKE="$TOP_SRCDIR/tests/fake-engine.py"
if [ ! -r "$FAKE" ]; then
	fail "tests/fake-engine.py is missing"
	done_testing
fi

# fake_start MODE: a fake engine on a unix socket, replying in MODE.
fake_n=0
fake_start() {
	fake_n=$((fake_n + 1))
	FAKE_SOCK="$TEST_DIR/fake$fake_n.sock"
	"$PYTHON" "$FAKE" --mode "$1" "$FAKE_SOCK" >"$TEST_DIR/fake$fake_n.log" 2>&1 &
	bg_track $!
	wait_for 10 grep -qx ready "$TEST_DIR/fake$fake_n.log" ||
		BAIL_OUT "fake engine ($1) did not start: $(cat "$TEST_DIR/fake$fake_n.log")"
}

fake_start garbage
DOCKER_HOST="unix://$FAKE_SOCK" berth container list
is "$RC" 1 "garbage from the engine: exit 1"
one_line "$ERR" "garbage: one line"
contains "$ERR" "local: the engine sent a malformed reply to GET /containers/json" "garbage: says what was malformed"
is "$OUT" "" "garbage: nothing on stdout"

fake_start truncated
DOCKER_HOST="unix://$FAKE_SOCK" berth container list
is "$RC" 1 "a truncated body: exit 1"
one_line "$ERR" "truncated: one line"
contains "$ERR" "local: the engine sent a malformed reply to GET /containers/json" "truncated: a malformed reply"
is "$OUT" "" "truncated: no partial table on stdout"

fake_start garbage-error
DOCKER_HOST="unix://$FAKE_SOCK" berth container list
is "$RC" 1 "an HTML error page with status 500: exit 1"
one_line "$ERR" "HTML error page: one line"
like "$ERR" '^berth: local: ' "HTML error page: names the host"
is "$OUT" "" "HTML error page: nothing on stdout"

fake_start truncated-stream
DOCKER_HOST="unix://$FAKE_SOCK" berth container logs web
is "$RC" 1 "a log stream cut inside a frame: exit 1"
is "$OUT" "first line" "... the whole frames before the cut are printed"
one_line "$ERR" "... one line on stderr"
like "$ERR" '^berth: local: ' "... naming the host"

fake_start bad-stream
DOCKER_HOST="unix://$FAKE_SOCK" berth container logs web
is "$RC" 1 "a log stream that is not frames at all: exit 1"
one_line "$ERR" "... one line on stderr"
like "$ERR" '^berth: local: .*malformed' "... says the reply was malformed"

fake_start hang
cat >timeout.yaml <<EOF
timeouts: { connect: 2s, request: 3s }
hosts:
  hung: { url: "unix://$FAKE_SOCK" }
EOF
start=$SECONDS
berth --config timeout.yaml -H hung container list
elapsed=$((SECONDS - start))
is "$RC" 1 "an engine that hangs mid-body: exit 1"
one_line "$ERR" "hang: one line"
contains "$ERR" "berth: hung: the engine at unix://$FAKE_SOCK did not answer within 3s" "hang: the configured timeout, named"
ok $((elapsed < 3 || elapsed > 10)) "hang: gave up after about 3s (took ${elapsed}s)"

fake_start slow-ping
sed -i "s|unix://.*\"|unix://$FAKE_SOCK\"|" timeout.yaml
start=$SECONDS
berth --config timeout.yaml -H hung container list
elapsed=$((SECONDS - start))
is "$RC" 1 "an engine that accepts but never answers: exit 1"
one_line "$ERR" "silent engine: one line"
contains "$ERR" "berth: hung: the engine at unix://$FAKE_SOCK did not answer within" "silent engine: a timeout, naming the URL"
ok $((elapsed > 10)) "silent engine: gave up within the configured time (took ${elapsed}s)"

# --- long transfers: no total limit, but a hung engine is noticed --------------------------
# A log that takes 3.6s to arrive (a line every 0.3s) outlasts the 1s
# request timeout; quiet for the 2s idle timeout, the engine gets a
# GET /_ping, which a hung one does not answer within the request timeout.

trickle_config() {
	cat >trickle.yaml <<EOF
timeouts: { connect: 1s, request: 1s, idle: 2s }
hosts:
  slow: { url: "unix://$FAKE_SOCK" }
EOF
}
lines() { printf 'line %d\n' $(seq 1 12); }

fake_start trickle
trickle_config
berth --config trickle.yaml -H slow container logs web
is "$RC:$ERR" "0:" "container logs taking 3.6s with a 1s request timeout: exit 0, nothing on stderr"
is "$OUT" "$(lines)" "... all twelve lines"

fake_start trickle-quiet
trickle_config
RUN_TIMEOUT=9 berth --config trickle.yaml -H slow container logs --follow web
is "$RC:$ERR" "124:" "logs --follow, the engine alive but quiet: still following after 9s (idle 2s)"
is "$OUT" "$(lines)" "... with every line"

fake_start trickle-stall
trickle_config
start=$SECONDS
RUN_TIMEOUT=30 berth --config trickle.yaml -H slow container logs --follow web
elapsed=$((SECONDS - start))
is "$RC" 1 "logs --follow, the engine hung after 12 lines: exit 1"
is "$OUT" "$(lines)" "... every line before it"
one_line "$ERR" "... one line on stderr"
contains "$ERR" "berth: slow: the engine at unix://$FAKE_SOCK did not answer within 1s (GET /_ping, after 2s without a byte of GET /containers/web/logs" \
	"... names the idle and the request timeouts"
ok $((elapsed < 5 || elapsed > 10)) "... noticed after the lines (3.6s) + idle (2s) + ping (1s) (took ${elapsed}s)"

# --- hostile batch input (issue 14) ---------------------------------------------

# A NUL byte used to end the line silently: "help ho\0st" ran "help ho".
printf 'version\nhelp ho\0st\nversion\n' >nul.berth
berth version
one_version=$OUT
berth -f nul.berth
is "$RC" 2 "a NUL byte in a batch line is a usage error"
is "$ERR" "nul.berth:2: a NUL byte in the line: remove it" "... one line naming FILE:LINE"
is "$OUT" "$one_version" "... and the batch stops there: only the first line ran"

# Continued lines are scanned once each: 100k of them used to take minutes
# (every line re-lexed the text so far). The timeout is a guard against
# that, not a speed claim: linear takes well under a second.
"$PYTHON" -c 'import sys; sys.stdout.write("version \\\n" * 100000 + "\n")' >cont.berth
berth_t=$(date +%s)
RUN_TIMEOUT=120 berth -f cont.berth
is "$RC" 2 "100,000 continued lines: one command, lexed (too many words for version)"
like "$ERR" "^cont.berth:1: " "... its error names the command's first line"
ok "$(( $(date +%s) - berth_t < 30 ? 0 : 1 ))" "... and it took seconds, not minutes"

# A continuation inside double quotes carries on into the next line.
printf 'container list --filter "label=a\\\nb" -q --nosuch\n' >dq.berth
berth -f dq.berth
is "$RC" 2 "a double-quoted continuation joins the lines into one command"
like "$ERR" "^dq.berth:1: .*--nosuch" "... and the unknown option is reported at its first line"

# A duration too long to add to now is refused when it is parsed (UBSan
# reported a signed overflow in create before).
berth container create --lifetime 9223372036854775807ms busybox
is "$RC" 2 "--lifetime of 2^63-1 ms is a usage error"
like "$ERR" "invalid duration" "... saying the duration is invalid"

# --- hostile settings files (issue 14) ------------------------------------------

# An alias makes the document a graph: "x: &a [*a, *a]" hung the reader.
printf 'x: &a [*a, *a]\n' >alias.yaml
RUN_TIMEOUT=20 berth --config alias.yaml container list
is "$RC" 1 "a settings file with a self-referencing alias is refused, promptly"
is "$ERR" "berth: alias.yaml:1: YAML aliases (*name) are not supported here: write the value out in full" \
	"... in one line naming FILE:LINE"
cat >laughs.yaml <<'EOF2'
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
EOF2
RUN_TIMEOUT=20 berth --config laughs.yaml container list
is "$RC" 1 "a billion laughs settings file is refused"
like "$ERR" "^berth: laughs.yaml:[0-9]+: YAML aliases" "... naming FILE:LINE of an alias"

# A FIFO as the settings file: open() waited for a writer for ever.
mkfifo settings.fifo
RUN_TIMEOUT=20 berth --config settings.fifo container list
is "$RC" 1 "a FIFO named as the settings file is refused, promptly"
is "$ERR" "berth: cannot read config file settings.fifo: not a regular file" "... saying why"

# 100k hosts with a duplicate at the end: the duplicate-key check was
# quadratic (169k hosts took over two minutes), and so was the host table.
"$PYTHON" -c '
import sys
w = sys.stdout.write
w("hosts:\n")
for i in range(100000):
    w("  h%d:\n    url: unix:///tmp/h%d.sock\n" % (i, i))
w("  h7:\n    url: unix:///tmp/again.sock\n")' >many.yaml
berth_t=$(date +%s)
RUN_TIMEOUT=120 berth --config many.yaml container list
is "$RC" 1 "100,000 hosts and a duplicate: refused"
is "$ERR" "berth: many.yaml:200002: duplicate key 'h7' in hosts (first on line 16)" \
	"... naming the duplicate's line and the first's"
head -n -2 many.yaml >many-ok.yaml
RUN_TIMEOUT=120 berth --config many-ok.yaml cloud list
is "$RC" 0 "100,000 distinct hosts are read (cloud list: the settings, no engine)"
ok "$(( $(date +%s) - berth_t < 60 ? 0 : 1 ))" "... both in seconds, not minutes"

# A port range is thousands of bindings: they grow by doubling (the fuzzer
# timed out on "60-50081" ranges given five times), and at most 65,535 in
# all (tests/fuzz/corpus/args/timeout-publish-ranges).
start=$(date +%s)
run "$BERTH" container create -p 1-65535:1-65535 -p 8080:80 busybox
is "$RC" 2 "65,536 published ports: a usage error (exit 2)"
like "$ERR" "^berth: too many published ports at '8080:80': at most 65535 in all; publish fewer or smaller ranges$" \
	"... one line saying how many there may be"
took=$(( $(date +%s) - start ))
[ "$took" -lt 20 ]
ok $? "... said within 20 s, sanitizers and all ($took s)"

done_testing
