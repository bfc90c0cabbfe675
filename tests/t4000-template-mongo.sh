#!/bin/bash
# t4000-template on MongoDB (a private FerretDB); the test is tests/t4000-template.sub.
export BERTH_TEST_STORE=mongo
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t4000-template.sub"
