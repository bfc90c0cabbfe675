#!/bin/bash
# t5200-placement: container create in pool mode over three private
# engines (local, two, three over mutual TLS). --count 30 spread by
# least-loaded (10/10/10 and 20/5/5 slots: the exact split), round-robin
# (its cursor kept in the store between runs) and random; a drained host
# gets nothing, nor one whose memory is taken; a full pool is one clear
# error and nothing half-created; --slots and the berth.slots /
# berth.memory labels; templates with --slots; an image only one engine
# has reaches the others on placement (or, with --no-distribute, a clear
# error). Every count comes from the docker CLI on each engine.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
# starting ten containers at once on one engine can take a few seconds
POOL_TIMEOUT=30s
. "$TOP_SRCDIR/tests/lib-pool.sh"

cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
pool_start --images
BASE_CONFIG=$TEST_DIR/pool-base.yaml
cp "$BERTH_CONFIG" "$BASE_CONFIG"

# policy NAME: pool.policy for the next commands
policy() {
	{ cat "$BASE_CONFIG"; echo "pool:"; echo "  policy: $1"; } >"$BERTH_CONFIG"
}

# slots N1 N2 N3: host slots of local, two, three
slots() {
	berth host slots local "$1" && [ "$RC" -eq 0 ] &&
		berth host slots two "$2" && [ "$RC" -eq 0 ] &&
		berth host slots three "$3" && [ "$RC" -eq 0 ] ||
		fail "host slots $*" "$ERR"
}

# clear: no container left on any engine
clear() {
	local e ids
	for e in one two three; do
		ids=$(pool_dk "$e" ps -aq)
		[ -z "$ids" ] || pool_dk "$e" rm -f $ids >/dev/null
	done
}

# split: "N1 N2 N3", the containers on one, two, three
split() { echo "$(count_on one) $(count_on two) $(count_on three)"; }

lines() { printf '%s' "$1" | grep -c .; }

# label_of ENGINE LABEL: LABEL of every container on ENGINE, one per line
label_of() {
	local ids
	ids=$(pool_dk "$1" ps -aq)
	[ -z "$ids" ] || pool_dk "$1" inspect -f "{{index .Config.Labels \"$2\"}}" $ids
}

# --- least-loaded -------------------------------------------------------------------

policy least-loaded
slots 10 10 10
berth container create --count 30 --name ll --start busybox sleep 3600
is "$RC" 0 "least-loaded, 10/10/10 slots: --count 30 exits 0"
is "$(lines "$OUT")" 30 "... prints 30 IDs, one per line"
is "$ERR" "" "... nothing on stderr"
is "$(split)" "10 10 10" "... 10 containers on each engine"
is "$(pool_dk two ps -q --filter status=running | wc -l)" 10 "... started (--start): two runs its 10"
is "$(pool_dk three ps -a --format '{{.Names}}' | grep -c '^ll-[0-9]*$')" 10 "... named ll-N"
is "$(for e in one two three; do pool_dk $e ps -a --format '{{.Names}}'; done | sort -t- -k2n | tr '\n' ' ')" \
	"$(for i in $(seq 1 30); do printf 'll-%d ' "$i"; done)" "... ll-1 to ll-30, each once"
is "$(pool_dk one inspect -f '{{index .Config.Labels "berth.slots"}} {{index .Config.Labels "berth.memory"}}' ll-1)" \
	"1 0" "... labels berth.slots=1 and berth.memory=0"
clear

slots 20 5 5
berth container create --count 30 --start busybox sleep 3600
is "$RC" 0 "least-loaded, 20/5/5 slots: --count 30 exits 0"
is "$(split)" "20 5 5" "... 20 on local, 5 on two, 5 on three"

# the pool is full now: one more is refused, naming every host and why
berth container create busybox sleep 3600
is "$RC" 1 "full pool: one more container exits 1"
is "$ERR" "berth: no host can take this container: local is full (20 of 20 slots used), two is full (5 of 5 slots used), three is full (5 of 5 slots used)" \
	"... one line naming each host and why"
is "$(split)" "20 5 5" "... and nothing was created"
clear

slots 2 2 2
berth container create --count 7 --name big busybox sleep 3600
is "$RC" 1 "--count 7 over 6 free slots exits 1"
is "$ERR" "berth: no host can take 7 containers (room for 6): local is full (2 of 2 slots used), two is full (2 of 2 slots used), three is full (2 of 2 slots used)" \
	"... one line: room for 6, and each host's state"
is "$OUT" "" "... no ID printed"
is "$(split)" "0 0 0" "... nothing half-created"

# --slots: a container of 2 slots fills a host of 2
berth container create --count 3 --slots 2 --start busybox sleep 3600
is "$RC" 0 "--count 3 --slots 2 over 2/2/2 slots exits 0"
is "$(split)" "1 1 1" "... one on each host"
is "$(label_of two berth.slots)" 2 "... labelled berth.slots=2"
berth container create busybox true
is "$RC" 1 "... then every host is full: exit 1"
contains "$ERR" "local is full (2 of 2 slots used)" "... a container of 2 slots counts 2"
clear

# a container without berth's label takes one slot; exited ones none
pool_dk one run -d busybox sleep 3600 >/dev/null
pool_dk one run busybox true >/dev/null
slots 2 5 5
berth container create --count 11 busybox sleep 3600
is "$RC" 0 "local holds a foreign running and an exited container; --count 11 over 2/5/5"
is "$(split)" "3 5 5" "... local gets one: the running one takes a slot, the exited one none"
clear

# --- drain, memory -------------------------------------------------------------------

slots 10 10 10
berth host drain two
is "$RC" 0 "host drain two"
berth container create --count 20 --start busybox sleep 3600
is "$RC" 0 "--count 20 with two drained exits 0"
is "$(split)" "10 0 10" "... two gets none, local and three 10 each"
berth container create busybox sleep 3600
is "$RC" 1 "... then no host can take one more"
like "$ERR" "two is drained" "... and the error says two is drained"
berth host activate two
clear

MEM=$(pool_dk one info -f '{{.MemTotal}}')
BIG=$((MEM - 256 * 1024 * 1024))
berth container create --host local --memory "$BIG" --start busybox sleep 3600
is "$RC" 0 "a container on local taking all but 256 MiB of its memory"
berth container create --count 6 --memory 512m --start busybox sleep 3600
is "$RC" 0 "--count 6 --memory 512m exits 0"
is "$(split)" "1 3 3" "... local gets none: its free memory is less than 512 MiB"
is "$(label_of two berth.memory | sort -u)" 536870912 "... labelled berth.memory=536870912"
berth container create --host two --host local --memory 512m busybox true
is "$RC" 0 "--host two --host local: placement among the named"
is "$(split)" "1 4 3" "... on two, where the memory is"
berth container create --host local --host three --memory "$((MEM - 1024 * 1024 * 1024))" busybox true
is "$RC" 1 "all but 1 GiB of the memory on local or three: no room"
like "$ERR" "^berth: no host can take this container: local has not enough memory \(.* asked, .* free of .*\), three has not enough memory \(.*\)$" \
	"... the error names the memory of each"
is "$(split)" "1 4 3" "... nothing created"
clear

# --- round-robin ---------------------------------------------------------------------

policy round-robin
slots 20 5 5
berth container create --count 15 --start busybox sleep 3600
is "$RC" 0 "round-robin, 20/5/5 slots: --count 15 exits 0"
is "$(split)" "5 5 5" "... 5 on each host (least-loaded would put all 15 on local)"
clear
slots 10 10 10
berth container create --count 30 busybox sleep 3600
is "$RC" 0 "round-robin, 10/10/10 slots: --count 30 exits 0"
is "$(split)" "10 10 10" "... 10 on each"
clear
for i in 1 2 3; do
	berth container create busybox sleep 3600
	[ "$RC" -eq 0 ] || fail "round-robin create $i" "$ERR"
done
is "$(split)" "1 1 1" "three separate creates: one on each host (the cursor lives in the store)"
clear

# --- random --------------------------------------------------------------------------

policy random
slots 30 30 30
berth container create --count 30 --json busybox sleep 3600
is "$RC" 0 "random: --count 30 --json exits 0"
is "$(pyjson 'len(d)' <"$OUTF")" 30 "... 30 entries"
is "$(pyjson 'sorted(set(x["Host"] for x in d) - {"local", "two", "three"})' <"$OUTF")" "[]" \
	"... every Host is one of the pool's"
is "$(pyjson 'all(len(x["Id"]) == 64 and x["Name"] for x in d)' <"$OUTF")" "true" "... each with its Id and Name"
read -r n1 n2 n3 <<<"$(split)"
is "$((n1 + n2 + n3))" 30 "... 30 containers on the engines in all"
for h in local two three; do
	e=$h; [ "$h" = local ] && e=one
	is "$(count_on "$e")" "$(pyjson "sum(1 for x in d if x['Host'] == '$h')" <"$OUTF")" "... $h holds what --json says"
done
clear

# --- one host, partial failure, an image no one has --------------------------------------

policy least-loaded
slots 10 10 10
berth host drain two
berth container create --count 3 --name solo --host two busybox sleep 3600
is "$RC" 0 "--count 3 --host two (drained, but named alone: no placement) exits 0"
is "$(split)" "0 3 0" "... all three on two"
is "$(pool_dk two ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" "solo-1 solo-2 solo-3 " "... named solo-1 to solo-3"
berth host activate two
clear

for e in one two three; do pool_dk $e create --name dup-2 busybox true >/dev/null; done
berth container create --count 3 --name dup --start busybox sleep 3600
is "$RC" 1 "--count 3 where dup-2 is taken everywhere: exit 1"
like "$ERR" '^berth: dup-2: (local|two|three): Conflict\. The container name "/dup-2" is already in use' \
	"... one line on stderr for dup-2"
is "$(lines "$ERR")" 1 "... and only that one"
is "$(lines "$OUT")" 2 "... the IDs of the two that were created"
is "$(for e in one two three; do pool_dk $e ps --format '{{.Names}}'; done | sort | tr '\n' ' ')" "dup-1 dup-3 " \
	"... dup-1 and dup-3 run"
clear

berth container create nosuch:1 true
is "$RC" 1 "an image no host has: exit 1"
contains "$ERR" "nosuch:1" "... the error names the image"
is "$(lines "$ERR")" 1 "... in one line"
berth container create --count 2 nosuch:1 true
is "$RC" 1 "--count 2 of an image no host has: exit 1"
like "$ERR" "^berth: (local|two|three): image nosuch:1 .*; 1 container was not created there" \
	"... a line per chosen host, naming it"
is "$(lines "$ERR")" 2 "... two lines: least-loaded chose two hosts"
is "$(split)" "0 0 0" "... nothing created"

# --- usage ---------------------------------------------------------------------------

policy least-loaded
berth container create --slots 0 busybox true
is "$RC" 2 "--slots 0: usage error"
is "$ERR" "berth: invalid value '0' for --slots: use a whole number of slots from 1 to 1000000" "... one line"
berth container create --count x busybox true
is "$RC" 2 "--count x: usage error"
is "$(split)" "0 0 0" "... nothing created"

# --- templates with --slots ------------------------------------------------------------

berth template add wide --image busybox --slots 3 sleep 3600
is "$RC" 0 "template add --slots 3"
berth template show wide
like "$OUT" "Slots: +3" "template show: Slots 3"
berth template show wide --json
is "$(pyjson 'd["Slots"]' <"$OUTF")" 3 "... --json: Slots 3"
berth container create --template wide --host three
is "$RC" 0 "container create --template wide --host three"
is "$(label_of three berth.slots)" 3 "... the container takes 3 slots"
berth container create --template wide --slots 1 --host two
is "$RC" 0 "container create --template wide --slots 1 --host two"
is "$(label_of two berth.slots)" 1 "... --slots on the command line overrides the template's"
clear

# --- automatic distribution ------------------------------------------------------------

pool_dk two rmi busybox:latest >/dev/null
dk3 rmi busybox:latest >/dev/null
is "$(pool_dk two images -q busybox:latest)$(dk3 images -q busybox:latest)" "" "two and three lack busybox"

berth container create --host two --host three --no-distribute busybox true
is "$RC" 1 "--no-distribute, two and three named, neither has the image: exit 1"
is "$ERR" "berth: image busybox is not on two, three; run 'image distribute busybox --to two --to three' or drop --no-distribute" \
	"... one line saying how to get it there"
berth container create --count 3 --no-distribute busybox true
is "$RC" 0 "--count 3 --no-distribute in the pool exits 0"
is "$(split)" "3 0 0" "... all three on local, the one host with the image"
is "$(pool_dk two images -q busybox:latest)" "" "... and two still lacks it"
clear

berth container create --count 3 --start busybox sleep 3600
is "$RC" 0 "--count 3 with the image only on local exits 0"
is "$ERR" "" "... silent (stderr is no terminal)"
is "$(split)" "1 1 1" "... one on each host"
isnt "$(pool_dk two images -q busybox:latest)" "" "... two's engine has busybox now"
isnt "$(dk3 images -q busybox:latest)" "" "... three's engine too"
is "$(pool_dk three ps -q --filter status=running | wc -l)" 1 "... and runs its container"
clear

done_testing
