# lib-vm.sh: "VMs" booted from berth's user-data by tests/vmboot.py, for
# the scripts that need an engine set up the way a spawned host is
# (tests/t6040-vmboot.sh, tests/t6050-pinned-tls.sh). Source after
# tests/lib.sh; every VM started here is stopped on exit.
#
#   vm_start NAME ADDRESS USERDATA-FILE   boots VM NAME (dir $TEST_DIR/vm-NAME)
#   vm_wait NAME ADDRESS [SECONDS]        until its TLS port accepts (BAIL_OUT if not)
#   vm_stop NAME                          stops it (its data dir stays)
#   vm_dir NAME, vm_sock NAME             its directory; its daemon's unix socket
#
# vmboot.py's VM names are machine-wide (a second start of a name sweeps
# the first), so each is prefixed with this script's $TEST_DIR.

VMBOOT="$TOP_SRCDIR/tests/vmboot.py"

"$PYTHON" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml (PyYAML) is not installed"
command -v dockerd >/dev/null || skip_all "dockerd is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "a private dockerd needs root"

vm_dir() { echo "$TEST_DIR/vm-$1"; }
vm_sock() { "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1]); import vmboot; print(vmboot.sock(sys.argv[2]))' "$TOP_SRCDIR/tests" "$(vm_dir "$1")"; }

vm_start() {
	local d
	d=$(vm_dir "$1")
	"$PYTHON" "$VMBOOT" start --address "$2" --dir "$d" \
		--name "$(basename "$TEST_DIR")-$1" <"$3" >/dev/null
}

vm_wait() {
	"$PYTHON" "$VMBOOT" wait --address "$2" --dir "$(vm_dir "$1")" --timeout "${3:-90}" ||
		BAIL_OUT "VM $1 did not come up on $2"
}

vm_stop() {
	"$PYTHON" "$VMBOOT" stop --dir "$(vm_dir "$1")"
}

_vm_exit() {
	local status=$? d
	_lib_forked && exit "$status" # a child before its exec: not the script's to clean up
	# every VM dir, also of VMs started in a subshell (vm_start ... &)
	for d in "$TEST_DIR"/vm-*/; do
		[ -d "$d" ] && "$PYTHON" "$VMBOOT" stop --dir "$d" 2>/dev/null
	done
	(exit "$status")
	_lib_cleanup
}
trap _vm_exit EXIT
