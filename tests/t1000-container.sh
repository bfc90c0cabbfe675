#!/bin/bash
# t1000-container: the container commands against a real engine, with the
# engine's own state (docker inspect, its API) as the judge: limits, ports,
# labels and env really set; a published port really serving; lifecycle
# verbs really applied; listings and filters; delete really deleting.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

# Bridged, so that published ports can be reached from the host.
engine_start --bridge main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)

insp() { dk main inspect "$1" | pyjson "d[0]$2"; }
state() { dk main inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }
gone() { ! dk main inspect "$1" >/dev/null 2>&1; }
fetch() { curl -s --max-time 5 "http://127.0.0.1:$1/"; }

# --- create with everything --------------------------------------------------------

HP=$(free_port)
berth container create --name web --memory 256m --cpus 1.5 \
	-p "127.0.0.1:$HP:80" -p 8081 -e MODE=test -e 'SPACED=a b' \
	--label team=web --label tier=front --restart unless-stopped \
	busybox httpd -f -p 80 -h /www
is "$RC" 0 "container create exits 0"
is "$ERR" "" "container create writes nothing on stderr"
like "$OUT" '^[0-9a-f]{64}$' "container create prints the full ID"
is "$OUT" "$(insp web '["Id"]')" "the printed ID is the engine's container"
is "$(state web)" created "the container is created, not started"
is "$(insp web '["HostConfig"]["Memory"]')" 268435456 "--memory 256m: HostConfig.Memory is 268435456"
is "$(insp web '["HostConfig"]["NanoCpus"]')" 1500000000 "--cpus 1.5: HostConfig.NanoCpus is 1.5e9"
is "$(insp web '["HostConfig"]["PortBindings"]["80/tcp"]')" \
	"[{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"$HP\"}]" "-p 127.0.0.1:$HP:80 is bound as given"
like "$(insp web '["HostConfig"]["PortBindings"]["8081/tcp"]')" \
	'^\[\{"HostIp": "(0\.0\.0\.0)?", "HostPort": ""\}\]$' "-p 8081: published on a port the engine picks"
is "$(insp web '["Config"]["ExposedPorts"]')" '{"80/tcp": {}, "8081/tcp": {}}' "both ports are exposed"
is "$(insp web '["Config"]["Labels"]')" \
	"{\"berth.memory\": \"268435456\", \"berth.owner\": \"$(id -un)@$(hostname)\", \"berth.slots\": \"1\", \"team\": \"web\", \"tier\": \"front\"}" \
	"--label: both labels, berth's owner (user@hostname), slots (1) and memory (256m in bytes), nothing else"
is "$(dk main inspect web | pyjson '[x for x in d[0]["Config"]["Env"] if x.startswith(("MODE=", "SPACED="))]')" \
	'["MODE=test", "SPACED=a b"]' "-e: both variables, in order"
is "$(insp web '["HostConfig"]["RestartPolicy"]["Name"]')" unless-stopped "--restart unless-stopped"
is "$(insp web '["Config"]["Cmd"]')" '["httpd", "-f", "-p", "80", "-h", "/www"]' "the command after the image"
is "$(insp web '["Name"]')" /web "--name web"
is "$(insp web '["Config"]["Image"]')" busybox "the image as given"

# --- start: the published port serves ------------------------------------------------

berth container start web
is "$RC" 0 "container start exits 0"
is "$OUT" web "container start prints the ref it started"
is "$(state web)" running "the engine has it running"
wait_for 10 fetch "$HP"
is "$(fetch "$HP")" "hello from berth" "httpd answers through the published host port"
other=$(insp web '["NetworkSettings"]["Ports"]["8081/tcp"][0]["HostPort"]')
like "$other" '^[0-9]+$' "-p 8081 got a host port from the engine ($other)"

HP2=$(free_port)
berth container create --start --name web2 -p "127.0.0.1:$HP2:80" --label team=web \
	busybox httpd -f -p 80 -h /www
is "$RC" 0 "create --start exits 0"
is "$(state web2)" running "create --start: running"
wait_for 10 fetch "$HP2"
is "$(fetch "$HP2")" "hello from berth" "create --start: its port serves"

berth container create --json --start --name json1 busybox sleep 300
is "$RC" 0 "create --json --start exits 0"
is "$(pyjson '[d["Id"], d["Host"], d["Started"]]' <"$OUTF")" \
	"[\"$(insp json1 '["Id"]')\", \"local\", true]" "create --json --start: Id, Host, Started true"
is "$(insp json1 '["Config"]["Labels"]')" \
	"{\"berth.memory\": \"0\", \"berth.owner\": \"$(id -un)@$(hostname)\", \"berth.slots\": \"1\"}" \
	"without --memory and --slots: berth.memory 0, berth.slots 1"

berth container create --memory 1g --cpus 0.5 --restart on-failure:3 --name lim busybox true
is "$RC" 0 "create with 1g and on-failure:3"
is "$(insp lim '["HostConfig"]["Memory"]')" 1073741824 "--memory 1g is 1073741824"
is "$(insp lim '["Config"]["Labels"]["berth.memory"]')" 1073741824 "... and its berth.memory label says so"
is "$(insp lim '["HostConfig"]["NanoCpus"]')" 500000000 "--cpus 0.5"
is "$(insp lim '["HostConfig"]["RestartPolicy"]')" '{"MaximumRetryCount": 3, "Name": "on-failure"}' "--restart on-failure:3"

# --- lifecycle -------------------------------------------------------------------------

started0=$(insp web '["State"]["StartedAt"]')
berth container stop web
is "$RC" 0 "container stop exits 0"
is "$OUT" web "stop prints the ref"
is "$(state web)" exited "the engine has it exited"
fetch "$HP" >/dev/null
isnt "$?" 0 "the port no longer answers"

berth container restart web
is "$RC" 0 "container restart exits 0"
is "$(state web)" running "restart: running again"
isnt "$(insp web '["State"]["StartedAt"]')" "$started0" "restart: started anew"
wait_for 10 fetch "$HP"
is "$(fetch "$HP")" "hello from berth" "restart: serving again"

berth container pause web web2
is "$RC" 0 "container pause of two exits 0"
is "$OUT" $'web\nweb2' "pause prints each ref"
is "$(state web):$(state web2)" paused:paused "the engine has both paused"
berth container unpause web web2
is "$RC" 0 "container unpause exits 0"
is "$(state web):$(state web2)" running:running "both running again"

berth container start web
is "$RC" 0 "starting a running container is no error (the engine's 304)"

berth container pause nosuch
is "$RC" 1 "pause of an unknown container: exit 1"
is "$ERR" "berth: local: No such container: nosuch" "... with the engine's message"

# --- list ------------------------------------------------------------------------------

dk main create --name idle --label team=db busybox true >/dev/null
dk main run --name done1 --label team=db busybox true >/dev/null

names() { # the NAMES column of a table on stdin (its last column)
	tail -n +2 | awk '{ print $NF }' | sort | tr '\n' ' '
}
berth container list
is "$RC" 0 "container list exits 0"
is "$(names <"$OUTF")" "json1 web web2 " "list: the running containers only"
berth container list --all
is "$(names <"$OUTF")" "done1 idle json1 lim web web2 " "list --all: every container"
hdr=$(head -n 1 "$OUTF")
like "$hdr" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' "the header in capitals"
col=${hdr%%NAMES*}
bad=0
while IFS= read -r row; do
	[ "${row:${#col}}" = "$(awk '{ print $NF }' <<<"$row")" ] || { bad=1; diag "misaligned: $row"; }
	[[ $row =~ ^[0-9a-f]{12}\ \  ]] || { bad=1; diag "no short ID first: $row"; }
done < <(tail -n +2 "$OUTF")
is "$bad" 0 "rows align with the header: NAMES starts under NAMES; IDs are 12 digits"
wrow=$(grep ' web$' "$OUTF")
contains "$wrow" "127.0.0.1:$HP->80/tcp" "the web row shows its published port"
contains "$wrow" "busybox" "the web row shows its image"

berth container list --all --filter label=team=web
is "$(names <"$OUTF")" "web web2 " "--filter label=team=web"
berth container list --all --filter label=team
is "$(names <"$OUTF")" "done1 idle web web2 " "--filter label=team (any value)"
berth container list --all --filter status=exited
is "$(names <"$OUTF")" "done1 " "--filter status=exited"
berth container list --all --filter status=created
is "$(names <"$OUTF")" "idle lim " "--filter status=created"
berth container list --all --filter label=team=db --filter status=exited
is "$(names <"$OUTF")" "done1 " "two filters: both apply"
berth container list --all --filter name=web2
is "$(names <"$OUTF")" "web2 " "--filter name=web2"
berth container list --all --filter label=team=nobody
is "$RC" 0 "a filter matching nothing exits 0"
is "$(wc -l <"$OUTF")" 1 "... and prints the header only"

berth container list -q --all --filter label=team=db
is "$(sort "$OUTF")" "$(dk main ps -aq --filter label=team=db | sort)" "-q with a filter: the engine's short IDs"

berth container list --all --json
is "$RC" 0 "list --json exits 0"
is "$(pyjson 'sorted(c["Names"][0] for c in d)' <"$OUTF")" \
	'["/done1", "/idle", "/json1", "/lim", "/web", "/web2"]' "list --json: the engine's objects"
is "$(pyjson '[c["Labels"] for c in d if c["Names"] == ["/web"]][0]' <"$OUTF")" \
	"{\"berth.memory\": \"268435456\", \"berth.owner\": \"$(id -un)@$(hostname)\", \"berth.slots\": \"1\", \"team\": \"web\", \"tier\": \"front\"}" \
	"list --json: labels as the engine has them"
is "$(pyjson 'sorted(set(c["Host"] for c in d))' <"$OUTF")" '["local"]' "list --json: Host on each"

berth container list --filter bogus
is "$RC" 2 "a filter without KEY=VALUE is a usage error"
one_line "$ERR" "... one line"
contains "$ERR" "bogus" "... naming the filter"

# --- inspect ------------------------------------------------------------------------------

berth container inspect web
is "$RC" 0 "container inspect exits 0"
contains "$OUT" "$(insp web '["Id"]')" "inspect shows the full ID"
berth container inspect --json web web2
is "$RC" 0 "inspect --json of two exits 0"
is "$(pyjson '[o["Name"] for o in d]' <"$OUTF")" '["/web", "/web2"]' "inspect --json: both, in order"
is "$(pyjson 'd[0]["HostConfig"]["Memory"]' <"$OUTF")" 268435456 "inspect --json: the engine's object (Memory)"
berth container inspect "$(insp web '["Id"]' | cut -c1-8)" --json
is "$(pyjson 'd[0]["Name"]' <"$OUTF")" /web "inspect by an ID prefix"
berth container inspect web nosuch
is "$RC" 1 "inspect of a known and an unknown: exit 1"
contains "$ERR" "local: No such container: nosuch" "... naming the unknown one"

# --- delete -------------------------------------------------------------------------------

for n in del1 del2 del3; do dk main create --name "$n" busybox true >/dev/null; done
berth container delete del1 del2 del3
is "$RC" 0 "delete of three at once exits 0"
is "$OUT" $'del1\ndel2\ndel3' "delete prints each ref"
gone del1 && gone del2 && gone del3
ok $? "the engine no longer has del1, del2, del3"

berth container delete web
is "$RC" 1 "deleting a running container without --force: exit 1"
one_line "$ERR" "... one line"
like "$ERR" '^berth: local: .*(running|stop)' "... the engine's reason, with the host"
is "$(state web)" running "... and it is still there, running"

berth container delete --force web web2
is "$RC" 0 "delete --force of running containers exits 0"
gone web && gone web2
ok $? "the engine no longer has web and web2"
fetch "$HP" >/dev/null
isnt "$?" 0 "web's port is closed"

berth container rm -f json1
is "$RC" 0 "the rm alias with -f works"
gone json1
ok $? "json1 is gone"

berth container delete nosuch
is "$RC" 1 "delete of an unknown container: exit 1"
is "$ERR" "berth: local: No such container: nosuch" "... the engine's message"

berth container delete idle nosuch
is "$RC" 1 "delete of a known and an unknown container: exit 1"
contains "$ERR" "No such container: nosuch" "... names the unknown one"

berth container list --all -q
is "$(sort "$OUTF")" "$(dk main ps -aq | sort)" "what is left agrees with the engine"

done_testing
