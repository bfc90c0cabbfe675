#!/bin/bash
# t6300-spawn-openstack: host spawn, host destroy and cloud reconcile on
# OpenStack: a real Keystone and the project's fake Nova/Neutron
# (tests/lib-openstack.sh), which boots each server as a private dockerd
# on 127.0.1.N from its user-data and can keep servers in BUILD, put one
# in ERROR and keep engines from answering. The cases are
# tests/spawn.sub's, plus BUILD and ERROR.
# The hooks are tests/openstack-hooks.sh's.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=file
. "$TOP_SRCDIR/tests/lib-store.sh"
[ -f "$TOP_SRCDIR/tests/lib-openstack.sh" ] || skip_all "tests/lib-openstack.sh has not landed"
. "$TOP_SRCDIR/tests/lib-openstack.sh"
. "$TOP_SRCDIR/tests/spawn.sub"

. "$TOP_SRCDIR/tests/openstack-hooks.sh"

spawn_cases
done_testing
