#!/bin/bash
# t6200-spawn-ec2: host spawn, host destroy and cloud reconcile on EC2:
# moto's server with signature checking (tests/lib-moto.sh) and its VM
# watcher, which boots each instance berth launches as a private dockerd
# from its user-data (tests/vmboot.py), reached over mutual TLS. The cases
# are tests/spawn.sub's.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=file
. "$TOP_SRCDIR/tests/lib-store.sh"
[ -f "$TOP_SRCDIR/tests/lib-moto.sh" ] || skip_all "tests/lib-moto.sh has not landed"
. "$TOP_SRCDIR/tests/lib-moto.sh"
. "$TOP_SRCDIR/tests/spawn.sub"
. "$TOP_SRCDIR/tests/ec2-hooks.sh"

spawn_cases
done_testing
