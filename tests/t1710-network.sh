#!/bin/bash
# t1710-network: network create, list, inspect, connect, delete and prune
# and system df / system prune against a real engine, checked with the
# docker CLI on the same engine; two containers on a user network reach
# each other by name (made by docker, then by berth's container run
# --network, --network-alias); network prune leaves what docker's leaves on a
# second engine given the same state.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start --bridge main
engine_start twin
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)

nets_on() { dk "$1" network ls --format '{{.Name}}' | sort | tr '\n' ' '; }

berth network create --subnet 10.231.7.0/24 --gateway 10.231.7.1 --label team=a appnet
is "$RC" 0 "network create exits 0"
is "$OUT" "$(dk main network inspect -f '{{.Id}}' appnet)" "... printing the network's ID"
is "$(dk main network inspect -f '{{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{json .Labels}}' appnet)" \
	'bridge 10.231.7.0/24 10.231.7.1 {"team":"a"}' "docker sees the driver, subnet, gateway and label"

berth network list
is "$RC" 0 "network list exits 0"
like "$(head -n 1 "$OUTF")" '^NETWORK ID +NAME +DRIVER +SCOPE$' "docker's header"
is "$(tail -n +2 "$OUTF" | awk '{ print $1 " " $2 " " $3 }' | sort | tr '\n' ' ')" \
	"$(dk main network ls --format '{{.ID}} {{.Name}} {{.Driver}}' | sort | tr '\n' ' ')" \
	"the rows are docker network ls's"

berth network inspect --json appnet
is "$(pyjson 'd[0]["Id"]' <"$OUTF")" "$(dk main network inspect -f '{{.Id}}' appnet)" \
	"network inspect --json: the engine's document"

# two containers on the network, the second reaching the first by name
dk main run -d --name srv --network appnet busybox httpd -f -p 8080 -h /www >/dev/null &&
	dk main create --name cli busybox sleep 600 >/dev/null &&
	dk main start cli >/dev/null || BAIL_OUT "cannot start the containers"
berth network connect --alias client appnet cli
is "$RC" 0 "network connect exits 0"
like "$(dk main inspect -f '{{json .NetworkSettings.Networks.appnet.Aliases}}' cli)" '"client"' \
	"... docker sees cli on appnet with its alias"
# (busybox-static's wget crashes here; its nslookup asks the engine's
# DNS itself, and ping goes to the address it gave)
SRVIP=$(dk main inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' srv)
run "$DOCKER_CLI" -H "$(engine_url main)" exec cli /bin/busybox nslookup srv
like "$OUT" "Address:? +$SRVIP" "cli resolves srv by name on appnet"
run "$DOCKER_CLI" -H "$(engine_url main)" exec cli /bin/busybox ping -c 1 -W 10 "$SRVIP"
is "$RC" 0 "... and reaches it there (ping)"

# the same with containers berth made: --network and --network-alias
berth container run -d --name web --network appnet --network-alias www busybox httpd -f -p 8080 -h /www
is "$RC" 0 "container run -d --network appnet --network-alias www exits 0"
WEBIP=$(dk main inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' web)
like "$WEBIP" '^[0-9.]+$' "... docker sees web on appnet ($WEBIP)"
berth container run --rm --network appnet busybox sh -c 'nslookup www && ping -c 1 -W 10 www'
is "$RC" 0 "container run --rm --network appnet: a second container resolves web's alias and pings it by name"
like "$OUT" "Address:? +$WEBIP" "... at web's address"
berth container delete --force web
is "$RC" 0 "container delete --force web"

berth network disconnect appnet cli
is "$RC" 0 "network disconnect exits 0"
is "$(dk main inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' cli)" "bridge " \
	"... cli left appnet"
dk main rm -f srv cli >/dev/null

# --- prune, the same as docker's ---------------------------------------------------
for e in main twin; do
	dk $e network create unused1 >/dev/null && dk $e network create --label keep=1 kept >/dev/null ||
		BAIL_OUT "cannot set up the prune state"
done
dk twin network create appnet >/dev/null
berth network prune
is "$RC" 2 "network prune without --force, not on a terminal, is a usage error"
dk twin network prune -f --filter label!=keep >/dev/null
berth network prune -f --filter label!=keep
is "$RC" 0 "network prune --filter exits 0"
like "$OUT" '^Deleted Networks:' "... listing what it deleted"
is "$(nets_on main)" "$(nets_on twin)" "... leaving what docker network prune leaves"
is "$(nets_on main)" "bridge host kept none " "... the engine's own and the kept one"

berth network delete kept
is "$RC" 0 "network delete exits 0"
is "$(nets_on main)" "bridge host none " "... and docker has it no more"

# --- system df, system prune ------------------------------------------------------
dk main create --name stopped busybox true >/dev/null
berth system df
is "$RC" 0 "system df exits 0"
like "$(head -n 1 "$OUTF")" '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$' "docker's header"
like "$OUT" 'Containers +1 +0' "... one container, none running"
berth system df --json
is "$(pyjson '[r["TotalCount"] for r in d if r["Type"] == "Images"]' <"$OUTF")" \
	"[$(dk main image ls -q | wc -l)]" "--json: the images docker counts"

berth system prune --force
is "$RC" 0 "system prune --force exits 0"
like "$OUT" "Deleted Containers:
$(dk main ps -aq --no-trunc 2>/dev/null)?[0-9a-f]{64}" "... naming the stopped container"
like "$OUT" 'Total reclaimed space:' "... and the space"
is "$(dk main ps -aq | wc -l)" 0 "docker has no container left"

done_testing
