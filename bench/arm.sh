#!/bin/bash
# bench/arm.sh - how long arming wide function probe sets takes, in the
# test VM: each PATTERN's kernel.function(PATTERN).call probes with the
# batched ftrace_ops (default) and with one kprobe each
# (-DSTP_FTRACE_MIN=0).  Prints, per pattern and way: the probes armed,
# how many through the ftrace_ops and how long those took, and the whole
# arming time (the module's own clock, as stap -vv reports it).
# Usage: bench/arm.sh [-r] [PATTERN...]   (default: tcp_* *_read*)
# -r: .return probes (batched through the kernel's rethook) instead.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
suffix=.call
if [ "${1:-}" = -r ]; then suffix=.return; shift; fi
[ $# -gt 0 ] || set -- 'tcp_*' '*_read*'
"$top/vm/stapvm" start >&2
printf "%-12s %-8s %7s %8s %9s %9s\n" pattern way probes ftrace ftrace_ms arm_ms
for pat in "$@"; do
	for way in batched kprobes; do
		d=; [ $way = kprobes ] && d=-DSTP_FTRACE_MIN=0
		line=$("$top/run-stap" --remote=vm -vv -w $d -e "global n
probe kernel.function(\"$pat\")$suffix { n++ }
" -c true 2>&1 | grep "probes registered" || true)
		echo "$line" | sed -E "s/^stapio: ([0-9]+) probes registered \(([0-9]+) as one ftrace_ops in ([0-9]+) ms\) in ([0-9]+) ms.*/\1 \2 \3 \4/" |
			{ read -r n b bms ms; printf "%-12s %-8s %7s %8s %9s %9s\n" "$pat" $way "$n" "$b" "$bms" "$ms"; }
	done
done
