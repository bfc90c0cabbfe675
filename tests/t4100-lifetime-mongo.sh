#!/bin/bash
# t4100-lifetime on the MongoDB (a private FerretDB); the test is tests/t4100-lifetime.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t4100-lifetime.sub"
