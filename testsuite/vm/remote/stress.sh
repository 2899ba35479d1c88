# The remote protocol under the reconnections that broke version 1
# (doc/stapsh.md): bench/remote-stress.sh, short: 5 runs through
# --remote=vm, 2 of them from a stopped VM, the others right after a
# client that sent its hello and left, one that left in the middle of a
# file transfer, and one killed during its run.  In a VM of its own
# (stopped at the end), so that the suite's VM keeps running.
set -u
export STAPVM_DIR=$STAPVM_DIR-stress
trap '"$STAPVM" stop >/dev/null 2>&1' EXIT
STRESS_COLD=2 STRESS_KINDS="hello transfer killed" \
	"$(dirname "$0")/../../../bench/remote-stress.sh" 5
