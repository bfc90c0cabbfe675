#!/bin/bash
# t0000-table: help, the man page and the README agree on the commands.
#
# tests/unit/test-table holds man/berth.1 and the README to the command
# table; this script holds the running program to the man page: `help`
# lists exactly the commands the man page documents, in the same order and
# with the README's usage lines and summaries; `NOUN VERB --help`,
# `help NOUN VERB` and `docker NOUN VERB --help` succeed, agree, and show
# every option the man page gives the command; `help NOUN` lists exactly
# NOUN's commands; and every command that talks to an engine has --host
# or is one the README names as having none. Together the two tests hold
# help to the table.
#
# No engine is needed, and none may be contacted: DOCKER_HOST points at a
# socket that does not exist, so a help path that connects fails here.

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

MAN="$TOP_SRCDIR/man/berth.1"
README="$TOP_SRCDIR/README"
[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
[ -r "$MAN" ] || BAIL_OUT "cannot read $MAN"
[ -r "$README" ] || BAIL_OUT "cannot read $README"

export DOCKER_HOST="unix://$TEST_DIR/no-engine-here.sock"

# "  container create [OPTIONS] IMAGE [CMD...]   create a ..." -> the same
# with the indent dropped and every run of blanks between usage and
# summary made two: alignment is help's business, content is ours.
normalize() {
	sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's/   */  /g'
}

# The command's name in a usage line: the first word, and the second when
# it is a verb (lower case) and not an argument ("[STATUS]").
cmd_of() {
	local usage=${1%%  *} w1 w2
	read -r w1 w2 _ <<<"$usage"
	if [[ $w2 =~ ^[a-z][a-z-]*$ ]]; then echo "$w1 $w2"; else echo "$w1"; fi
}

# --- the man page: its commands and their option heads ----------------------

declare -a MAN_CMDS=()
declare -A MAN_HEADS=() # "noun verb" -> the .TP heads, one per line
MAN_GLOBAL_HEADS=       # the .TP heads of GLOBAL OPTIONS
in_cmds=0 in_global=0 cur= after_tp=0
while IFS= read -r line; do
	case $line in
	.SH*)
		[[ $line =~ ^\.SH\ +\"?COMMANDS\"?$ ]] && in_cmds=1 || in_cmds=0
		[[ $line =~ ^\.SH\ +\"?GLOBAL\ OPTIONS\"?$ ]] && in_global=1 || in_global=0
		cur=
		continue ;;
	esac
	if ((in_global)); then
		case $line in
		.TP*) after_tp=1 ;;
		.* | \'*) ;;
		*)
			if ((after_tp)); then
				MAN_GLOBAL_HEADS+=$(printf '%s\n' "$line" | sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g')$'\n'
			fi
			after_tp=0 ;;
		esac
		continue
	fi
	((in_cmds)) || continue
	case $line in
	.SS*)
		cur=${line#.SS}
		cur=${cur# }
		cur=${cur//\"/}
		MAN_CMDS+=("$cur")
		MAN_HEADS[$cur]=
		after_tp=0
		continue ;;
	.TP*)
		after_tp=1
		continue ;;
	.* | \'*)
		continue ;;
	esac
	[ -n "$cur" ] || continue
	if ((after_tp)); then
		head=$(printf '%s\n' "$line" | sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g')
		[[ $head == -* ]] && MAN_HEADS[$cur]+="$head"$'\n'
	fi
	after_tp=0
done <"$MAN"
[ "${#MAN_CMDS[@]}" -gt 0 ] || BAIL_OUT "no .SS subsections in the COMMANDS section of $MAN"
[ -n "$MAN_GLOBAL_HEADS" ] || BAIL_OUT "no .TP items in the GLOBAL OPTIONS section of $MAN"

# --- the README's command block --------------------------------------------

readme_block=$(awk '
	state == 0 { t = $0; sub(/^[# ]*/, "", t); if (t == "Commands") state = 1; next }
	state == 1 { if (/^```/) state = 2; next }
	state == 2 { if (/^```/) exit; if (NF) print }
' "$README" | normalize)

# --- help ----------------------------------------------------------------------

berth help
is "$RC" 0 "help exits 0 without an engine"
is "$ERR" "" "help writes nothing on stderr"
HELP_OUT=$OUT
like "$HELP_OUT" '(^|'$'\n'')Usage:' "help starts with a Usage: line"

# help's command lines: indented, and starting with a word (global
# options, indented too, start with a dash).
command_lines() {
	printf '%s\n' "$1" | grep -E '^[[:space:]]+[a-z]' | normalize
}
help_lines=$(command_lines "$HELP_OUT")

# berth --help may add the global options; its commands are help's.
berth --help
is "$RC" 0 "berth --help exits 0 without an engine"
like "$OUT" '(^|'$'\n'')Usage:' "berth --help starts with a Usage: line"
is "$(command_lines "$OUT")" "$help_lines" "berth --help lists the commands help lists"
# The global options: the man page's and --help's are the same.
while IFS= read -r head; do
	[ -n "$head" ] || continue
	contains "$OUT" "$head" "berth --help shows the global option \"$head\""
done <<<"$MAN_GLOBAL_HEADS"
while IFS= read -r optline; do
	optline=$(printf '%s\n' "$optline" | normalize)
	optline=${optline%%  *}
	[[ $'\n'$MAN_GLOBAL_HEADS == *$'\n'"$optline"$'\n'* ]]
	ok $? "the man page documents the global option \"$optline\" of berth --help"
done < <(printf '%s\n' "$OUT" | grep -E '^[[:space:]]+-')
declare -a HELP_CMDS=()
while IFS= read -r l; do
	[ -n "$l" ] && HELP_CMDS+=("$(cmd_of "$l")")
done <<<"$help_lines"

for c in "${MAN_CMDS[@]}"; do
	found=0
	for h in "${HELP_CMDS[@]}"; do [ "$h" = "$c" ] && found=1 && break; done
	ok $((!found)) "help lists $c, which the man page documents"
done
for h in "${HELP_CMDS[@]}"; do
	found=0
	for c in "${MAN_CMDS[@]}"; do [ "$h" = "$c" ] && found=1 && break; done
	ok $((!found)) "the man page documents $h, which help lists"
done
is "${HELP_CMDS[*]}" "${MAN_CMDS[*]}" "help and the man page list the commands in the same order"
is "$help_lines" "$readme_block" "help's command lines are the README's, usage and summary"

# --- help NOUN -----------------------------------------------------------------

declare -A NOUNS=()
for c in "${MAN_CMDS[@]}"; do
	[[ $c == *" "* ]] && NOUNS[${c%% *}]+="$c"$'\n'
done
for noun in $(printf '%s\n' "${!NOUNS[@]}" | sort); do
	berth help "$noun"
	is "$RC" 0 "help $noun exits 0"
	got=$(command_lines "$OUT" | while IFS= read -r l; do cmd_of "$l"; done)
	is "$got" "$(printf '%s' "${NOUNS[$noun]}")" "help $noun lists exactly the $noun commands"
done

# --- each command's help ---------------------------------------------------------

while IFS= read -r l; do
	[ -n "$l" ] || continue
	c=$(cmd_of "$l")
	usage=${l%%  *}
	summary=${l#*  }
	read -r -a words <<<"$c"

	berth "${words[@]}" --help
	is "$RC" 0 "$c --help exits 0 without an engine" || continue
	is "$ERR" "" "$c --help writes nothing on stderr"
	own=$OUT
	contains "$own" "$usage" "$c --help shows the usage line"
	contains "$own" "$summary" "$c --help shows the summary"

	berth help "${words[@]}"
	is "$RC" 0 "help $c exits 0"
	is "$OUT" "$own" "help $c prints what $c --help prints"

	berth docker "${words[@]}" --help
	is "$RC" 0 "docker $c --help exits 0"
	is "$OUT" "$own" "docker $c --help prints what $c --help prints"

	heads=${MAN_HEADS[$c]-}
	[ -n "$heads" ] || { fail "the man page gives $c no options (not even --help)"; continue; }
	while IFS= read -r head; do
		[ -n "$head" ] || continue
		contains "$own" "$head" "$c --help shows \"$head\""
	done <<<"$heads"
	# And nothing more: every option line of the output is in the man page.
	while IFS= read -r optline; do
		optline=$(printf '%s\n' "$optline" | normalize)
		optline=${optline%%  *}
		[[ $'\n'$heads == *$'\n'"$optline"$'\n'* ]]
		ok $? "the man page documents \"$optline\" of $c --help"
	done < <(printf '%s\n' "$own" | grep -E '^[[:space:]]+-')
done <<<"$help_lines"

# --- --host, as the README says --------------------------------------------------
#
# README's "Common options": --host on every command that acts on the
# pinned host or the pool; the commands that talk to engines without it
# are named after "have no `--host`". Each command runs once with "x" for
# every argument its usage requires; with DOCKER_HOST at a socket nobody
# listens on, one that talks to an engine says it cannot connect. Such a
# command has --host (and then --host NAME is honoured) or is named as an
# exception; an exception has no --host.

readme_common=$(awk '/^Common options:/ { p = 1 } p && /^$/ { exit } p' "$README")
[[ $readme_common == *'have no `--host`'* ]] ||
	BAIL_OUT "README's Common options paragraph names no commands that \"have no \`--host\`\""
readme_except=${readme_common#*'have no `--host`'}
while IFS= read -r l; do
	[ -n "$l" ] || continue
	c=$(cmd_of "$l")
	usage=${l%%  *}
	read -r -a words <<<"$c"
	read -r -a uwords <<<"${usage#"$c"}"
	args=()
	for w in "${uwords[@]}"; do [[ $w == \[* ]] || args+=(x); done

	berth "${words[@]}" --help
	has_host=0
	[[ $OUT == *"--host NAME"* ]] && has_host=1
	named=0
	[[ $readme_except == *"\`$c\`"* ]] && named=1
	berth "${words[@]}" "${args[@]}"
	talks=0
	[[ $ERR == *"cannot connect to the engine at $DOCKER_HOST"* ]] && talks=1
	if ((talks)); then
		ok $((!(has_host || named))) "$c talks to an engine: it has --host, or the README says it has none"
	fi
	if ((has_host)); then
		ok $((named)) "$c has --host: the README does not say it has none"
		berth "${words[@]}" --host nosuch-host "${args[@]}"
		if ((talks)); then
			contains "$ERR" "unknown host: nosuch-host" "$c --host NAME picks the host it talks to"
		else
			# stopped before any engine (x is no file, no image): at
			# least the option is taken
			unlike "$ERR" "unknown option" "$c takes --host NAME"
		fi
	elif ((named)); then
		pass "$c has no --host, as the README says"
	fi
done <<<"$help_lines"

done_testing
