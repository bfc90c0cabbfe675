#!/bin/bash
# t0300-fuzz: every libFuzzer harness of tests/fuzz/ (tests/fuzz/README),
# built with clang and run for a short while (T0300_SECONDS, default 10)
# over its seed corpus, the regression inputs of crashes fixed among them.
# One test per harness, "not ok" when it crashed, leaked, hung or tripped
# a sanitizer. Skipped, with the reason, when clang or its fuzzer runtime
# is missing. `make fuzz FUZZ_SECONDS=N` runs the same for longer.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
export TOP_SRCDIR TOP_BUILDDIR
export FUZZ_SECONDS=${T0300_SECONDS:-10}
exec bash "$TOP_SRCDIR/tests/fuzz/run.sh" --tap
