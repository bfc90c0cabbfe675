#!/bin/bash
# t5500-watch on the file store; the test is tests/t5500-watch.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t5500-watch.sub"
