#!/bin/bash
# t1620-objcache on MongoDB (a private FerretDB); the test is tests/t1620-objcache.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t1620-objcache.sub"
