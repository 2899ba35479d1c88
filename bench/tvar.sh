#!/bin/bash
# bench/tvar.sh - what $variables cost in pass 2: the pass-2 time (from
# -v) and the whole run's wall time and max RSS, for a few scripts:
#   new dir    -p2 with an empty $SYSTEMTAP_DIR (the function index is built)
#   uncached   -p2 with the index cached (what a new script costs)
#   cached -p4 -p4 with the module cached (what a rerun costs before pass 5)
# Usage: bench/tvar.sh [KVER]   (default: the test VM's kernel)
# STAP=PATH times another stap (e.g. a build of an older commit).
# BENCH_DROP_CACHE=1 evicts the kernel's debuginfo from the page cache
# before each uncached and cached run (dd iflag=nocache), as after a long
# build or test run: the figures then include reading what is touched of
# the 600 MB file (the new-dir runs read all of it anyway).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/scripts/fetch-kernel" --print-kver)}
stap=${STAP:-$top/stap/stap}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR="$work/sysdir"
export SYSTEMTAP_TAPSET="$top/tapset" SYSTEMTAP_RUNTIME="$top/runtime"
vmlinux=$(SYSTEMTAP_DIR="$work/probe" "$stap" -r "$kver" -p2 -vv \
	-e 'probe kernel.function("vfs_read") {}' 2>&1 >/dev/null |
	sed -n 's/^Found debuginfo for the kernel: "\(.*\)"$/\1/p')

drop() {
	[ -n "${BENCH_DROP_CACHE:-}" ] && [ -n "$vmlinux" ] &&
		dd if="$vmlinux" iflag=nocache count=0 status=none
	return 0
}

run() {         # run LABEL ARGS...: "LABEL  pass2 N ms  wall N.NN s  N MB"
	local label=$1; shift
	case $label in *"new dir") ;; *) drop ;; esac
	/usr/bin/time -f "%e %M" -o "$work/t" "$stap" -r "$kver" -v "$@" \
		>/dev/null 2>"$work/err"
	read -r secs kb <"$work/t"
	local p2
	p2=$(sed -n 's/^Pass 2: .* in [0-9]*usr\/[0-9]*sys\/\([0-9]*\)real ms.*/\1/p' "$work/err")
	printf "%-34s pass2 %5s ms  wall %5.2f s %5d MB\n" "$label" "${p2:-?}" "$secs" $((kb / 1024))
}

cases=(
	'no $var|probe kernel.function("vfs_read") { printf("%d\n", 1) }'
	'$count|probe kernel.function("vfs_read") { printf("%d\n", $count) }'
	'members|probe kernel.function("vfs_read") { printf("%s %d\n", kernel_string($file->f_path->dentry->d_name->name), $file->f_pos) }'
	'.return @entry|probe kernel.function("vfs_read").return { printf("%d %d\n", $return, @entry($count)) }'
	'$$parms$ on vfs_*|probe kernel.function("vfs_*") { println($$parms$) }'
)
echo "kernel $kver${BENCH_DROP_CACHE:+, debuginfo evicted from the page cache before each run}"
echo "stap $stap"
for c in "${cases[@]}"; do
	label=${c%%|*} script=${c#*|}
	rm -rf "$SYSTEMTAP_DIR"
	run "$label: new dir" -p2 -e "$script"
	run "$label: uncached" -p2 -e "$script"
	"$stap" -r "$kver" -p4 -e "$script" >/dev/null 2>&1
	run "$label: cached -p4" -p4 -e "$script"
done
