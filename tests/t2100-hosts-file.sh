#!/bin/bash
# t2100-hosts on the file store; the test is tests/t2100-hosts.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2100-hosts.sub"
