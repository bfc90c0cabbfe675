#!/bin/bash
# t6410-pool-once-mongo: 20 housekeeping runs at once sharing a MongoDB
# store (a private FerretDB) spawn each needed host once and destroy each
# idle host once, on EC2 (moto); tests/pool.sub's once_cases, which
# tests/t6400-pool-ec2.sh runs on the file store.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
BERTH_TEST_STORE=mongo
. "$TOP_SRCDIR/tests/lib-store.sh"
. "$TOP_SRCDIR/tests/lib-moto.sh"
. "$TOP_SRCDIR/tests/spawn.sub"
. "$TOP_SRCDIR/tests/ec2-hooks.sh"
. "$TOP_SRCDIR/tests/pool.sub"

pool_start
once_cases
done_testing
