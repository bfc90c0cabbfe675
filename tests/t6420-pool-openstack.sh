#!/bin/bash
# t6420-pool-openstack: pool.autoscale from housekeeping, pool status and
# pool shutdown (busy hosts left, --force, kill -9 then a second run) on
# OpenStack: a real Keystone and the project's fake Nova/Neutron, whose
# hosts also get floating IPs that must go with them. The cases are
# tests/pool.sub's, as tests/t6400-pool-ec2.sh runs them on EC2.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=file
. "$TOP_SRCDIR/tests/lib-store.sh"
[ -f "$TOP_SRCDIR/tests/lib-openstack.sh" ] || skip_all "tests/lib-openstack.sh has not landed"
. "$TOP_SRCDIR/tests/lib-openstack.sh"
. "$TOP_SRCDIR/tests/spawn.sub"
. "$TOP_SRCDIR/tests/openstack-hooks.sh"
. "$TOP_SRCDIR/tests/pool.sub"

pool_start
autoscale_cases
shutdown_cases
done_testing
