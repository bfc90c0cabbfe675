#!/bin/bash
# t2300-faults on MongoDB (a private FerretDB); the test is tests/t2300-faults.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2300-faults.sub"
