#!/bin/bash
# t6400-pool-ec2: pool.autoscale from housekeeping, pool status, pool
# shutdown (busy hosts left, --force, kill -9 then a second run) and pool
# resume, then 20 concurrent housekeeping runs, on EC2 (moto and its VM
# watcher: its hosts spawn fastest) with the file store. The cases are
# tests/pool.sub's; tests/t6410-pool-once-mongo.sh runs the concurrent
# ones on FerretDB.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=file
. "$TOP_SRCDIR/tests/lib-store.sh"
. "$TOP_SRCDIR/tests/lib-moto.sh"
. "$TOP_SRCDIR/tests/spawn.sub"
. "$TOP_SRCDIR/tests/ec2-hooks.sh"
. "$TOP_SRCDIR/tests/pool.sub"

pool_start
autoscale_cases
shutdown_cases
once_cases
done_testing
