#!/bin/bash
# valgrind-smoke: berth built WITHOUT sanitizers, run under valgrind
# (memcheck) for a few commands of every kind against a private engine:
# no invalid reads or writes, no use of uninitialised values, no definite
# or indirect leaks. Not part of `make check` (the suite's binary has ASan,
# which cannot run under valgrind); build-aux/ci-check runs it with
# BERTH naming a plain build.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
if nm -D "$BERTH" 2>/dev/null | grep -q __asan_init; then
	BAIL_OUT "$BERTH is built with AddressSanitizer; valgrind needs a plain build"
fi
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"

engine_start main
busybox_image "$(engine_sock main)"
export DOCKER_HOST=$(engine_url main)
dk main run --name printer busybox sh -c 'echo to-stdout; echo to-stderr >&2' >/dev/null 2>&1

VG_N=0
# vg WANT-STATUS ARGS...: berth ARGS under valgrind; the status must be
# WANT-STATUS and valgrind must have nothing to say.
vg() {
	local want=$1 log
	shift
	VG_N=$((VG_N + 1))
	log="$TEST_DIR/vg$VG_N.log"
	RUN_TIMEOUT=180 run valgrind --quiet --error-exitcode=97 --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--track-origins=yes --log-file="$log" "$BERTH" "$@"
	is "$RC" "$want" "valgrind berth $*: exit $want"
	if [ -s "$log" ]; then
		fail "valgrind berth $*: memcheck clean" "$(head -n 60 "$log")"
	else
		pass "valgrind berth $*: memcheck clean"
	fi
}

vg 0 help
vg 0 container create --name vg1 -m 64m -p 127.0.0.1:18999:80 -e A=b --label vg=yes busybox true
is "$(dk main inspect -f '{{.HostConfig.Memory}}' vg1)" 67108864 "the create under valgrind really happened"
vg 0 container list --all --filter label=vg=yes
contains "$OUT" "vg1" "the listing under valgrind shows vg1"
vg 0 container list --all --json
vg 0 container inspect vg1 --json
vg 0 container logs printer
is "$OUT:$ERR" "to-stdout:to-stderr" "logs under valgrind: both streams"
vg 0 -c 'container start printer; container list -q --all; image list; host list; host info --json'
vg 0 image save busybox:latest "$TEST_DIR/bb.tar"
vg 0 image load "$TEST_DIR/bb.tar"
vg 0 container delete vg1
vg 1 container inspect nosuch
vg 2 contaner list
vg 2 -c "container list 'unterminated"
# (a store of its own: with the rows cached above, local would fall back to them)
BERTH_STORE_DIR=$TEST_DIR/nothing-cached DOCKER_HOST="unix://$TEST_DIR/nothing.sock" vg 1 container list
printf 'container list -q\n\ncontainer inspect nosuch\n' >batch.berth
vg 1 -k -f batch.berth

# the store (the file store): hosts, write-through, cached listings, a
# corrupt file
export BERTH_STORE_DIR=$TEST_DIR/store
engine_start vgtwo
vg 0 host add vghost "$(engine_url vgtwo)"
# vghost is a second engine (berth refuses local's under a second name):
# the listings go through the pool's fan-out, create through placement
vg 0 -c 'container list --all; image list; container create --name vg2 busybox true; container delete vg2'
vg 0 -c 'host probe vghost; host drain vghost; host activate vghost; image distribute busybox:latest --all'
vg 0 -c 'container list --cached --all --json; image list --cached; host list --json'
contains "$OUT" '"LastSeen"' "cached listings under valgrind come from the store"
vg 0 -H vghost cache refresh
vg 0 cache show
vg 2 cache reset
truncate -s 100 "$BERTH_STORE_DIR/containers.bson"
vg 1 container list --cached
vg 0 cache reset --yes
vg 0 host remove vghost

done_testing
