#!/bin/bash
# t1010-create-options: container create's docker options (volumes,
# mounts, workdir, entrypoint, user, hostname, networks, security, limits,
# health check, env and label files) against a real engine. The judge is
# the docker CLI: the same options given to `docker create` on the same
# engine, and both containers' `docker inspect` compared field by field;
# a named volume written by one container is read by a second; a bind
# mount in a pool of two needs --host; templates keep every option.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
export BERTH_STORE_DIR=$TEST_DIR/store

insp() { dk main inspect "$1" | pyjson "d[0]$2"; }
insp_sorted() { dk main inspect "$1" | pyjson "sorted(d[0]$2)"; }
expect_err() { # STATUS SUBSTRING WORDS...
	local want=$1 sub=$2
	shift 2
	berth "$@"
	is "$RC" "$want" "$* exits $want"
	one_line "$ERR" "... one line on stderr"
	contains "$ERR" "$sub" "... says \"$sub\""
}

mkdir -p "$TEST_DIR/bindsrc"
echo "from the host" >"$TEST_DIR/bindsrc/f"
printf '# a comment\n\nFROM_FILE=yes\n  SPACED_KEY=v w\nOVER=file\n' >"$TEST_DIR/env.list"
printf 'team=data\nflag\n' >"$TEST_DIR/labels.list"

# --- every option, berth's and docker's ----------------------------------------------

OPTS=(-v data:/data -v "$TEST_DIR/bindsrc:/mnt/b:ro"
	--mount type=tmpfs,target=/scratch,tmpfs-size=1m
	--mount type=volume,source=vol2,target=/v2,readonly
	--tmpfs /run:size=2m -w /data --entrypoint /bin/sh -u 1000:1000 -h myhost
	--init --read-only --cap-add NET_ADMIN --cap-drop CHOWN
	--security-opt no-new-privileges --ulimit nofile=1024:2048 --ulimit nproc=64
	--shm-size 64m --stop-signal SIGQUIT --stop-timeout 7
	--health-cmd 'test -d /data' --health-interval 5s --health-timeout 2s
	--health-retries 4 --health-start-period 1s
	--pids-limit 50 --memory 64m --memory-swap 128m --cpuset-cpus 0
	--add-host db:10.0.0.5 --add-host gw:host-gateway --dns 10.0.0.53
	--env-file "$TEST_DIR/env.list" --label-file "$TEST_DIR/labels.list"
	-e OVER=cli --network bridge)

berth container create --name b-all "${OPTS[@]}" busybox -c 'sleep 600'
is "$RC" 0 "container create with every option exits 0"
is "$ERR" "" "... nothing on stderr"
dk main create --name d-all "${OPTS[@]}" busybox -c 'sleep 600' >/dev/null
ok $? "docker create takes the same options"

# field path (into docker inspect's object) | what it should be ("" when
# only docker's is the judge)
while IFS='|' read -r path want; do
	[ -n "$path" ] || continue
	# docker's CLI collects -v binds in a Go map: their order is random
	case $path in
	*Binds*) b=$(insp_sorted b-all "$path"); d=$(insp_sorted d-all "$path") ;;
	*) b=$(insp b-all "$path"); d=$(insp d-all "$path") ;;
	esac
	is "$b" "$d" "$path is what docker create makes of it"
	[ -z "$want" ] || is "$b" "$want" "... $want"
done <<'EOF'
["HostConfig"]["Binds"]|
["HostConfig"]["Mounts"]|
["HostConfig"]["Tmpfs"]|{"/run": "size=2m"}
["Config"]["WorkingDir"]|/data
["Config"]["Entrypoint"]|["/bin/sh"]
["Config"]["Cmd"]|["-c", "sleep 600"]
["Config"]["User"]|1000:1000
["Config"]["Hostname"]|myhost
["HostConfig"]["NetworkMode"]|bridge
["HostConfig"]["Init"]|true
["HostConfig"]["ReadonlyRootfs"]|true
["HostConfig"]["CapAdd"]|["NET_ADMIN"]
["HostConfig"]["CapDrop"]|["CHOWN"]
["HostConfig"]["SecurityOpt"]|["no-new-privileges"]
["HostConfig"]["Ulimits"]|
["HostConfig"]["ShmSize"]|67108864
["Config"]["StopSignal"]|SIGQUIT
["Config"]["StopTimeout"]|7
["Config"]["Healthcheck"]|
["HostConfig"]["PidsLimit"]|50
["HostConfig"]["Memory"]|67108864
["HostConfig"]["MemorySwap"]|134217728
["HostConfig"]["CpusetCpus"]|0
["HostConfig"]["ExtraHosts"]|["db:10.0.0.5", "gw:host-gateway"]
["HostConfig"]["Dns"]|["10.0.0.53"]
EOF
is "$(insp b-all '["Config"]["Healthcheck"]')" \
	'{"Interval": 5000000000, "Retries": 4, "StartPeriod": 1000000000, "Test": ["CMD-SHELL", "test -d /data"], "Timeout": 2000000000}' \
	"the health check as given"
is "$(insp b-all '["HostConfig"]["Ulimits"]')" \
	'[{"Hard": 2048, "Name": "nofile", "Soft": 1024}, {"Hard": 64, "Name": "nproc", "Soft": 64}]' \
	"the ulimits as given"
is "$(dk main inspect b-all | pyjson '[x for x in d[0]["Config"]["Env"] if not x.startswith("PATH=")]')" \
	'["FROM_FILE=yes", "SPACED_KEY=v w", "OVER=file", "OVER=cli"]' \
	"--env-file's lines (comments and blanks skipped) before -e, as docker sends them"
is "$(insp b-all '["Config"]["Env"]')" "$(insp d-all '["Config"]["Env"]')" "... the same Env as docker's"
is "$(dk main inspect b-all | pyjson '[{k: v for k, v in d[0]["Config"]["Labels"].items() if not k.startswith("berth.")}]')" \
	"$(dk main inspect d-all | pyjson '[d[0]["Config"]["Labels"]]')" "--label-file: the labels docker sets"
is "$(dk main inspect b-all | pyjson '[sorted((m["Type"], m.get("Name", m["Source"]), m["Destination"], m["RW"]) for m in d[0]["Mounts"])]')" \
	"$(dk main inspect d-all | pyjson '[sorted((m["Type"], m.get("Name", m["Source"]), m["Destination"], m["RW"]) for m in d[0]["Mounts"])]')" \
	"Mounts: the same volumes, binds and tmpfs as docker's"

# --- what the options do, in a running container ---------------------------------------

berth container create --name run1 -v data:/data -v "$TEST_DIR/bindsrc:/mnt/b:ro" \
	-w /data -h inside --tmpfs /scratch --start busybox \
	sh -c 'echo written > /data/note; cat /mnt/b/f; hostname; pwd; touch /mnt/b/x 2>/dev/null || echo ro; sleep 600'
is "$RC" 0 "a container with a volume, a bind mount, workdir and hostname starts"
logs_have() { dk main logs "$1" 2>&1 | grep -qx "$2"; }
wait_for 60 logs_have run1 ro
is "$(dk main logs run1 2>&1)" "from the host
inside
/data
ro" "it reads the bind mount, has its host name and workdir, and cannot write a :ro bind"
berth container create --name run2 -v data:/data --start busybox cat /data/note
is "$RC" 0 "a second container on the same named volume starts"
dk main wait run2 >/dev/null
is "$(dk main logs run2 2>&1)" "written" "the second container reads what the first wrote in the volume"

# --- networks ------------------------------------------------------------------------

dk main network create net1 >/dev/null
berth container create --name n1 --network net1 --network-alias web2 --network-alias www \
	--no-healthcheck --entrypoint '' busybox sleep 600
is "$RC" 0 "create on a user network with aliases exits 0"
dk main create --name dn1 --network net1 --network-alias web2 --network-alias www \
	--no-healthcheck --entrypoint '' busybox sleep 600 >/dev/null
for f in '["HostConfig"]["NetworkMode"]' '["Config"]["Healthcheck"]' '["Config"]["Entrypoint"]' \
	'["NetworkSettings"]["Networks"]["net1"]["Aliases"]'; do
	is "$(insp n1 "$f")" "$(insp dn1 "$f")" "$f is what docker create makes of it"
done
is "$(insp n1 '["Config"]["Healthcheck"]["Test"]')" '["NONE"]' "--no-healthcheck: Test is NONE"
contains "$(insp n1 '["NetworkSettings"]["Networks"]["net1"]["Aliases"]')" web2 "the alias is on the network"

# -h is --hostname in create, and --help still helps
berth container create -h hh --name hn busybox true
is "$(insp hn '["Config"]["Hostname"]')" hh "-h NAME is docker's --hostname"
berth help container create
contains "$OUT" "-h, --hostname NAME" "help container create: -h, --hostname"
unlike "$OUT" '-h, --help' "... and --help without -h"
berth container create --help
is "$RC" 0 "container create --help exits 0"
contains "$OUT" "--workdir" "... and lists the options"

# --- bad values: one line each, exit 2 ---------------------------------------------------

expect_err 2 "--volume" container create -v relative/path:/x busybox
expect_err 2 "--volume" container create -v data:notabs busybox
expect_err 2 "mode" container create -v data:/x:rx busybox
expect_err 2 "unknown key 'colour'" container create --mount type=volume,target=/x,colour=red busybox
expect_err 2 "--mount" container create --mount type=bind,source=rel,target=/x busybox
expect_err 2 "--ulimit" container create --ulimit bogus=1 busybox
expect_err 2 "--ulimit" container create --ulimit nofile=20:10 busybox
expect_err 2 "conflicts" container create --no-healthcheck --health-cmd true busybox
expect_err 2 "--health-interval" container create --health-interval soon busybox
expect_err 2 "--add-host" container create --add-host nohost busybox
expect_err 2 "--dns" container create --dns not-an-ip busybox
expect_err 2 "--workdir" container create -w relative busybox
expect_err 2 "--network" container create --network-alias x busybox
expect_err 2 "--pids-limit" container create --pids-limit 0 busybox
expect_err 2 "--memory-swap" container create --memory-swap lots busybox
expect_err 2 "--env-file" container create --env-file "$TEST_DIR/nope" busybox
printf 'BAD KEY=1\n' >"$TEST_DIR/bad.env"
expect_err 2 "bad.env:1" container create --env-file "$TEST_DIR/bad.env" busybox

# --- templates keep every option ------------------------------------------------------------

berth template add --image busybox -v tvol:/tv -w /tv -h tmplhost --cap-add NET_ADMIN --init \
	--ulimit nofile=512 --health-cmd true --stop-signal SIGINT --env-file "$TEST_DIR/env.list" \
	--read-only tpl sleep 600
is "$RC" 0 "template add takes the create options"
berth template show --json tpl
contains "$OUT" '"--workdir=/tv"' "template show lists them"
berth container create --template tpl --name fromtpl -w /other
is "$RC" 0 "container create --template exits 0"
is "$(insp fromtpl '["HostConfig"]["Binds"]')" '["tvol:/tv"]' "the template's volume"
is "$(insp fromtpl '["Config"]["WorkingDir"]')" /other "the command line's --workdir over the template's"
is "$(insp fromtpl '["Config"]["Hostname"]')" tmplhost "the template's hostname"
is "$(dk main inspect fromtpl | pyjson '[d[0]["HostConfig"]["CapAdd"], d[0]["HostConfig"]["Init"], d[0]["HostConfig"]["ReadonlyRootfs"], d[0]["Config"]["StopSignal"]]')" \
	'[["NET_ADMIN"], true, true, "SIGINT"]' "its capabilities, init, read-only and stop signal"
is "$(dk main inspect fromtpl | pyjson '[d[0]["HostConfig"]["Ulimits"], d[0]["Config"]["Healthcheck"]["Test"]]')" \
	'[[{"Hard": 512, "Name": "nofile", "Soft": 512}], ["CMD-SHELL", "true"]]' "its ulimit and health check"
contains "$(insp fromtpl '["Config"]["Env"]')" "FROM_FILE=yes" "its env file, read at create"
expect_err 2 "--mount" template add --image busybox --mount type=nope,target=/x badtpl

# --- placement: named volumes and bind mounts in a pool of two ----------------------------------

engine_start two
busybox_image "$(engine_sock two)"
export BERTH_CONFIG=$TEST_DIR/pool.yaml
printf 'hosts:\n  two:\n    url: %s\n' "$(engine_url two)" >"$BERTH_CONFIG"
expect_err 2 "add --host" container create -v "$TEST_DIR/bindsrc:/b" busybox true
expect_err 2 "add --host" container create --mount "type=bind,source=$TEST_DIR/bindsrc,target=/b" busybox true
berth container create --host two -v "$TEST_DIR/bindsrc:/b" --name bound busybox true
is "$RC" 0 "a bind mount with --host is created"
is "$(dk two inspect bound | pyjson 'd[0]["HostConfig"]["Binds"]')" "[\"$TEST_DIR/bindsrc:/b\"]" "... on that host"
berth container create --json -v placedvol:/pv --name pv busybox true
is "$RC" 0 "a named volume in pool mode is placed"
host=$(pyjson 'd["Host"]' <"$OUTF")
if [ "$host" = two ]; then dkh() { dk two "$@"; }; else dkh() { dk main "$@"; }; fi
dkh volume inspect placedvol >/dev/null 2>&1
ok $? "the volume was made on the host placement chose ($host)"

done_testing
