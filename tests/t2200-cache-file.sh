#!/bin/bash
# t2200-cache on the file store; the test is tests/t2200-cache.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2200-cache.sub"
