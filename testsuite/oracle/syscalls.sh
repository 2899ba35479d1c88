#!/bin/bash
# testsuite/oracle/syscalls.sh [FAMILY...] - every syscall.* and
# syscall.*.return alias under testsuite/fixtures/sysc-workload, with our
# stap and with SystemTap 4.8 (../shared/oracle/stap48), then the
# differences of name, argstr and retstr and the agreement figures
# (syscalls-compare.py).  Not part of make check: it needs the oracle and
# two VMs (4.8's stapio breaks ours in the VM it uses): ours in
# $STAPVM_DIR, 4.8's in $ORACLE_VM_DIR (default $STAPVM_DIR-oracle).
# FAMILY: the workload's (default all).  Both modules have ~760 probes:
# about 3 minutes each.  Outputs are kept in $OUT (default
# /tmp/syscalls-oracle).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fams=${*:-all}
out=${OUT:-/tmp/syscalls-oracle}
ours_vm=${STAPVM_DIR:-$HOME/.cache/stapvm/run}
oracle_vm=${ORACLE_VM_DIR:-$ours_vm-oracle}
mkdir -p "$out" build/testprogs
gcc -static -O1 -Wall -o build/testprogs/sysc-workload testsuite/fixtures/sysc-workload.c
cat >"$out/trace.stp" <<'X'
function wl() { e = execname(); return e == "sysc-workload" || e == "true" }
probe syscall.* { if (wl()) printf("E %d %s %s %d|%s|\n", tid(), pp(), name, @defined($id) ? $id : -1, argstr) }
probe syscall.*.return { if (wl()) printf("R %d %s %s|%s|\n", tid(), pp(), name, retstr) }
X
for d in "$ours_vm" "$oracle_vm"; do
	STAPVM_DIR=$d vm/stapvm start >/dev/null
	STAPVM_DIR=$d vm/stapvm put build/testprogs/sysc-workload /tmp/sysc-workload
done
echo "ours..." >&2
STAPVM_DIR=$ours_vm ./run-stap --remote=vm -DSTP_NO_OVERLOAD -c "/tmp/sysc-workload $fams" \
	"$out/trace.stp" >"$out/ours.txt" 2>"$out/ours.err" || { cat "$out/ours.err"; exit 1; }
echo "SystemTap 4.8..." >&2
{ cat "$out/trace.stp"; echo "probe begin { system(\"/tmp/sysc-workload $fams\") }"; } >"$out/trace48.stp"
STAPVM_DIR=$oracle_vm ../shared/oracle/stap48 -DSTP_NO_OVERLOAD -T 240 \
	"$out/trace48.stp" >"$out/48.txt" 2>"$out/48.err" || { cat "$out/48.err"; exit 1; }
python3 testsuite/oracle/syscalls-compare.py "$out/ours.txt" "$out/48.txt"
