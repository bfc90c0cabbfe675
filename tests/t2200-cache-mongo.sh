#!/bin/bash
# t2200-cache on MongoDB (a private FerretDB); the test is tests/t2200-cache.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t2200-cache.sub"
