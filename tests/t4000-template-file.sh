#!/bin/bash
# t4000-template on the file store; the test is tests/t4000-template.sub.
export BERTH_TEST_STORE=file
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/t4000-template.sub"
