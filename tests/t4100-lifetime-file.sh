#!/bin/bash
# t4100-lifetime on the file store; the test is tests/t4100-lifetime.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t4100-lifetime.sub"
