#!/bin/bash
# t2300-faults on the file store; the test is tests/t2300-faults.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2300-faults.sub"
