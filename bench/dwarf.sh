#!/bin/bash
# bench/dwarf.sh - pass 2 and listing through DWARF: wall time and max RSS
# of ours, cold (no function index yet: it is built) and warm (the index
# is mmapped from $SYSTEMTAP_DIR/cache/dwidx), next to SystemTap's
# /usr/bin/stap on the same kernel when it is installed.
# Usage: bench/dwarf.sh [KVER]   (default: the test VM's kernel)
# BENCH_ORACLE_ALL=1 also times SystemTap's -l 'kernel.function("*")'.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/scripts/fetch-kernel" --print-kver)}
stap="$top/stap/stap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR="$work/sysdir"
export SYSTEMTAP_TAPSET="$top/tapset" SYSTEMTAP_RUNTIME="$top/runtime"

measure() {     # measure LABEL CMD...: "LABEL  N.NN s  N MB"
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
	read -r secs kb <"$work/t"
	printf "%-44s %6.2f s %6d MB\n" "$label" "$secs" $((kb / 1024))
}

cases=(
	"-p2|probe kernel.function(\"vfs_read\") {print(1)}|p2 vfs_read"
	"-p2|probe kernel.function(\"vfs_*\") {print(1)}|p2 vfs_*"
	"-l|kernel.function(\"*\")|-l *"
	"-L|kernel.function(\"vfs_*\")|-L vfs_*"
)
echo "kernel $kver"
rm -rf "$SYSTEMTAP_DIR"
for c in "${cases[@]}"; do
	IFS='|' read -r opt arg label <<<"$c"
	for run in cold warm; do
		[ $run = cold ] && rm -rf "$SYSTEMTAP_DIR/cache/dwidx"
		if [ "$opt" = -p2 ]; then
			measure "ours   $label ($run)" "$stap" -r "$kver" -p2 -e "$arg"
		else
			measure "ours   $label ($run)" "$stap" -r "$kver" "$opt" "$arg"
		fi
	done
	# SystemTap's -l '*' takes ten minutes: only on request
	if [ -x /usr/bin/stap ] && { [ "$label" != "-l *" ] || [ -n "${BENCH_ORACLE_ALL:-}" ]; }; then
		if [ "$opt" = -p2 ]; then
			measure "stap   $label" /usr/bin/stap -r "$kver" -p2 -e "$arg"
		else
			measure "stap   $label" /usr/bin/stap -r "$kver" "$opt" "$arg"
		fi
	fi
done
