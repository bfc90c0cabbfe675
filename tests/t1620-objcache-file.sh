#!/bin/bash
# t1620-objcache on the file store; the test is tests/t1620-objcache.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t1620-objcache.sub"
