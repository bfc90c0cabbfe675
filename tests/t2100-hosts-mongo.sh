#!/bin/bash
# t2100-hosts on MongoDB (a private FerretDB); the test is tests/t2100-hosts.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2100-hosts.sub"
