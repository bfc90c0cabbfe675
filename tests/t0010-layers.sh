#!/bin/bash
# t0010-layers: the arrows between the source folders point one way.
#
# Every #include "..." of every .c and .h under shell/, commands/,
# backends/ and lib/ may name a header of its own layer or of one below,
# never one above. Bottom to top:
#
#   0  lib/                        what everything shares; includes nothing
#   1  backends/*.h, *.c           the backend vtable (backend.h) and the
#                                  other files directly in backends/
#   2  backends/docker/, store/,   one backend kind each: they include
#      cloud/ (any backends/KIND/) lib/ and backends/, never each other
#   3  backends/pool/              the fleet
#   4  commands/                   one file per noun, the command interface
#   5  shell/                      the program's front
#
# A file that breaks the rule is one "not ok" naming it and the headers.
# "config.h" is autoconf's and allowed everywhere; a header of the
# project named config.h would shadow it for every quoted include beside
# it, so one in these folders is a failure too (so is one at the top that
# is not autoconf's). tests/ and bench/ are not held to this.
# The last tests run the same check over a small tree with known faults,
# so that this script is seen to fail when it should.
#
# No engine is needed.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

# rank_of PATH (relative to the tree): RANK and GROUP for a file of the
# layers, RANK empty for one outside them.
rank_of() {
	RANK= GROUP=
	case $1 in
	lib/*) RANK=0 GROUP=lib ;;
	backends/pool/*) RANK=3 GROUP=pool ;;
	backends/*/*) RANK=2 GROUP=${1#backends/} GROUP=${GROUP%%/*} ;;
	backends/*) RANK=1 GROUP=backends ;;
	commands/*) RANK=4 GROUP=commands ;;
	shell/*) RANK=5 GROUP=shell ;;
	esac
}

# check_includes ROOT: one line "FILE: HEADER..." per file under ROOT
# that includes a header from above its own layer (or, at rank 2, from
# another backend kind), in file name order.
check_includes() {
	local root=$1 f rel dir h target bad fr fg
	local -a files
	mapfile -t files < <(cd "$root" && find shell commands backends lib \
		-name '*.[ch]' -type f 2>/dev/null | LC_ALL=C sort)
	for rel in "${files[@]}"; do
		rank_of "$rel"
		fr=$RANK fg=$GROUP
		[ -n "$fr" ] || continue
		dir=$(dirname "$rel")
		bad=
		while IFS= read -r h; do
			[ "$h" = config.h ] && continue
			# as the compiler looks: beside the file, then from the top
			# (-I$(top_srcdir)); a header in neither is not the project's
			if [ -e "$root/$dir/$h" ]; then
				target=$(realpath -m --relative-to="$root" "$root/$dir/$h")
			elif [ -e "$root/$h" ]; then
				target=$(realpath -m --relative-to="$root" "$root/$h")
			else
				continue
			fi
			rank_of "$target"
			[ -n "$RANK" ] || continue
			if [ "$RANK" -gt "$fr" ] ||
			   { [ "$RANK" -eq 2 ] && [ "$fr" -eq 2 ] && [ "$GROUP" != "$fg" ]; }; then
				bad="$bad $h"
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' \
			"$root/$rel")
		[ -z "$bad" ] || printf '%s:%s\n' "$rel" "$bad"
	done
}

# check_config_h ROOT: every file named config.h in the layers' folders,
# and one at the top without config.status beside it (autoconf's, of a
# build in the source tree, has one).
check_config_h() {
	local root=$1
	{
		(cd "$root" && find shell commands backends lib -name config.h -type f 2>/dev/null)
		[ -f "$root/config.h" ] && [ ! -e "$root/config.status" ] && echo config.h
	} | LC_ALL=C sort
}

report() { # ROOT
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		fail "${line%%:*} includes from a layer above its own:${line#*:}"
	done < <(check_includes "$1")
	[ "$n" -gt 0 ] || pass "every #include points down the layers (or across one)"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		fail "$line: a header of the project named config.h shadows autoconf's"
	done < <(check_config_h "$1")
	[ "$n" -gt 0 ] || pass "no header of the project is named config.h"
}

for d in shell commands backends lib; do
	[ -d "$TOP_SRCDIR/$d" ] || BAIL_OUT "no $d/ in $TOP_SRCDIR"
done
report "$TOP_SRCDIR"

# --- the check itself: a tree with known faults ---------------------------

T="$TEST_DIR/tree"
mkdir -p "$T/lib" "$T/backends/docker" "$T/backends/store" "$T/backends/pool" \
	"$T/commands" "$T/shell"
put() { # FILE INCLUDE...
	local f=$1 h
	shift
	for h in "$@"; do printf '#include "%s"\n' "$h"; done > "$T/$f"
}
put lib/ok.h
put lib/a.c config.h lib/ok.h commands/cmd.h         # lib up to commands
put backends/backend.h lib/ok.h backends/pool/p.h    # 1 up to 3
put backends/docker/d.h backends/backend.h
put backends/docker/d.c d.h backends/store/s.h        # across to another kind
put backends/store/s.h lib/ok.h backends/backend.h
put backends/pool/p.h backends/docker/d.h backends/store/s.h
put backends/pool/rel.c p.h ../../commands/cmd.h      # up, by a relative path
put commands/cmd.h backends/pool/p.h shell/front.h    # 4 up to 5
put shell/front.h commands/cmd.h lib/ok.h stdio-like-but-quoted.h
put shell/config.h                                    # shadows autoconf's
printf '#include <commands/cmd.h>\n' > "$T/lib/angle.c" # not a quoted include
: > "$T/config.h" && : > "$T/config.status"                # autoconf's

expected='backends/backend.h: backends/pool/p.h
backends/docker/d.c: backends/store/s.h
backends/pool/rel.c: ../../commands/cmd.h
commands/cmd.h: shell/front.h
lib/a.c: commands/cmd.h'
is "$(check_includes "$T")" "$expected" \
	"the check finds each include from above, and only those"
is "$(check_config_h "$T")" "shell/config.h" \
	"the check finds a project config.h, not autoconf's beside config.status"
rm "$T/config.status"
is "$(check_config_h "$T")" "config.h
shell/config.h" "a config.h at the top without config.status is not autoconf's"
rm "$T/lib/a.c" "$T/backends/backend.h" "$T/backends/docker/d.c" \
	"$T/backends/pool/rel.c" "$T/commands/cmd.h" "$T/shell/config.h" "$T/config.h"
is "$(check_includes "$T"; check_config_h "$T")" "" "a tree without them passes"

done_testing
