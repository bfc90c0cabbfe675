#!/bin/bash
# run.sh: builds berth's libFuzzer harnesses with clang and runs each.
#
#   tests/fuzz/run.sh [--build-only] [--tap] [NAME...]
#
# NAME is a harness (tests/fuzz/fuzz-NAME.c); none: all of them, one at a
# time. Each runs for FUZZ_SECONDS (default 60) over its seed corpus
# tests/fuzz/corpus/NAME (the regression inputs among them), new inputs
# going to $FUZZ_OUT/corpus/NAME, a crash to $FUZZ_OUT/crash-NAME-*.
# One line per harness: "NAME: N executions, K crashes". Exit status 1
# when a harness crashed (or leaked, or hung past -timeout), 77 when
# clang or its fuzzer runtime is missing.
#
# Environment: TOP_SRCDIR (default: this script's ../..), TOP_BUILDDIR (a
# configured build directory, for config.h; default TOP_SRCDIR), FUZZ_OUT
# (default TOP_BUILDDIR/fuzz), CLANG (default clang), FUZZ_JOBS (make -j,
# default 2), FUZZ_RUNS (stop a harness after that many executions too),
# FUZZ_TIMEOUT (seconds one input may take, default 20; more for a long run
# that is paused with SIGSTOP now and then: the pause counts).
# --tap prints TAP instead (tests/t0300-fuzz.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
FUZZ_OUT=${FUZZ_OUT:-$TOP_BUILDDIR/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
ALL="lexer args settings docker-json stream store clouds-yaml aws-config ec2-xml openstack-json json-bson"

build_only=0 tap=0 names=()
for a in "$@"; do
	case $a in
	--build-only) build_only=1 ;;
	--tap) tap=1 ;;
	-h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $a (see --help)" >&2; exit 2 ;;
	*)
		[ -f "$TOP_SRCDIR/tests/fuzz/fuzz-$a.c" ] ||
			{ echo "run.sh: no harness $a (known: $ALL)" >&2; exit 2; }
		names+=("$a") ;;
	esac
done
[ ${#names[@]} -gt 0 ] || read -r -a names <<<"$ALL"

skip() {
	if [ "$tap" = 1 ]; then echo "1..0 # SKIP $1"; exit 0; fi
	echo "run.sh: $1" >&2
	exit 77
}
command -v "$CLANG" >/dev/null 2>&1 || skip "no $CLANG (install clang and libclang-rt-dev)"
[ -f "$TOP_BUILDDIR/config.h" ] ||
	skip "no config.h in $TOP_BUILDDIR: configure first (or set TOP_BUILDDIR)"
mkdir -p "$FUZZ_OUT" || exit 1
probe=$FUZZ_OUT/probe
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' >"$probe.c"
"$CLANG" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >/dev/null 2>&1 ||
	skip "$CLANG cannot link -fsanitize=fuzzer (install libclang-rt-dev)"

# libberth.a's sources, as Makefile.am lists them
sources=$(sed -n '/^libberth_a_SOURCES/,/^$/p' "$TOP_SRCDIR/Makefile.am" |
	tr ' \t\\' '\n\n\n' | grep '\.c$' | tr '\n' ' ')
pkgs="libedit libcurl jansson libmongoc-1.0 libbson-1.0 yaml-0.1 zlib libcrypto"
log=$FUZZ_OUT/build.log
if ! make -s -C "$FUZZ_OUT" -f "$TOP_SRCDIR/tests/fuzz/fuzz.mk" -j"${FUZZ_JOBS:-2}" \
	SRCDIR="$TOP_SRCDIR" BUILDDIR="$TOP_BUILDDIR" CC="$CLANG" SOURCES="$sources" \
	NAMES="${names[*]}" PKG_CFLAGS="$(pkg-config --cflags $pkgs)" \
	PKG_LIBS="$(pkg-config --libs $pkgs)" >"$log" 2>&1; then
	if [ "$tap" = 1 ]; then
		echo "1..1"; echo "not ok 1 - the harnesses build"; sed 's/^/# /' "$log" | tail -40
	else
		echo "run.sh: the build failed:" >&2; tail -40 "$log" >&2
	fi
	exit 1
fi
[ "$build_only" = 1 ] && { echo "run.sh: built ${names[*]} in $FUZZ_OUT/bin"; exit 0; }

[ "$tap" = 1 ] && echo "1..${#names[@]}"
# ASan's quarantine of freed blocks (256 MB by default) is far more than
# one run frees: 64 MB keeps every use after free within a run caught and
# halves the harnesses' RSS and page faults (sys time).
export ASAN_OPTIONS="quarantine_size_mb=64${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
failed=0 i=0
for n in "${names[@]}"; do
	i=$((i + 1))
	mkdir -p "$FUZZ_OUT/corpus/$n"
	out=$FUZZ_OUT/fuzz-$n.log
	# Leaks are looked for at exit; ASAN_OPTIONS from the test harness apply.
	# The lexer's and the option parser's inputs are one command line: 4 kB
	# (libFuzzer's default) is long enough; at 16 kB the long runs' inputs
	# grew to lines of thousands of words, 30 ms a run for the lexer (three
	# lexes, every word allocated under ASan).
	case $n in lexer|args) max_len=4096 ;; *) max_len=16384 ;; esac
	"$FUZZ_OUT/bin/fuzz-$n" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-runs="${FUZZ_RUNS:--1}" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=2048 -max_len=$max_len \
		-artifact_prefix="$FUZZ_OUT/crash-$n-" \
		"$FUZZ_OUT/corpus/$n" "$TOP_SRCDIR/tests/fuzz/corpus/$n" >"$out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
	crashes=0
	[ "$rc" = 0 ] || { crashes=1; failed=1; }
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out" | tail -1)
	line="$n: ${execs:-0} executions in ${secs:-$FUZZ_SECONDS} s, $crashes crashes"
	if [ "$tap" = 1 ]; then
		if [ "$rc" = 0 ]; then echo "ok $i - $line"; else
			echo "not ok $i - $line (exit $rc; log $out)"
			grep -m1 -A30 'ERROR\|runtime error\|deadly signal' "$out" | sed 's/^/# /'
		fi
	else
		echo "$line"
		[ "$rc" = 0 ] || { echo "run.sh: $n failed (exit $rc):" >&2; grep -m1 -A30 'ERROR\|runtime error\|deadly signal' "$out" >&2; }
	fi
done
exit $failed
