#!/bin/bash
# bench/passes.sh - time the translator on the acceptance scripts:
#   passes 1-3 (-p3), pass 4 with an empty cache, and a rerun that hits the
#   module cache (-p4).  Prints one line per figure.
# Usage: bench/passes.sh [KVER]   (default: the test VM's kernel)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/vm/stapvm" kver)}
stap="$top/run-stap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR="$work/sysdir"

scripts=(
'probe syscall.read {printf("syscall %s arguments %s \n", name, argstr); exit()}'
'global reads; probe syscall.read { reads[execname()] <<< count } probe timer.s(2) { foreach (e in reads- limit 3) printf("%s %d %d %d\n", e, @count(reads[e]), @sum(reads[e]), @avg(reads[e])); exit() }'
'global c; probe kernel.function("vfs_read") { c++ }'
'probe begin { while (1) {} }'
)

ms() { date +%s%N; }
best_of() {     # best_of N CMD...: the fastest of N runs, in ms
	local n=$1 best=999999999; shift
	for ((i = 0; i < n; i++)); do
		local a b
		a=$(ms); "$@" >/dev/null 2>&1; b=$(ms)
		local t=$(( (b - a) / 1000000 ))
		[ $t -lt $best ] && best=$t
	done
	echo $best
}

echo "kernel $kver"
# a first run on a fresh machine: empty cache, kernel names read from the image
fresh="$work/fresh"
a=$(ms); SYSTEMTAP_DIR="$fresh" "$stap" -r "$kver" -p4 -e "${scripts[2]}" >/dev/null 2>&1; b=$(ms)
printf 'first run, empty caches (script 3): passes 1-4 %d ms\n' $(( (b - a) / 1000000 ))
for i in "${!scripts[@]}"; do
	s=${scripts[$i]}
	p3=$(best_of 10 "$stap" -r "$kver" -p3 -e "$s")
	a=$(ms); "$stap" -r "$kver" -p4 --disable-cache -e "$s" >/dev/null 2>&1; b=$(ms)
	p4=$(( (b - a) / 1000000 ))
	"$stap" -r "$kver" -p4 -e "$s" >/dev/null 2>&1    # fill the cache
	hit=$(best_of 5 "$stap" -r "$kver" -p4 -e "$s")
	printf 'script %d: passes 1-3 %d ms, passes 1-4 cold %d ms, cached rerun %d ms\n' \
		"$((i + 1))" "$p3" "$p4" "$hit"
done
