#!/bin/bash
# t5500-watch on the MongoDB (a private FerretDB); the test is tests/t5500-watch.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t5500-watch.sub"
