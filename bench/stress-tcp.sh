#!/bin/bash
# bench/stress-tcp.sh - issue 13's stress run, in the test VM: every
# kernel.function("tcp_*") (inline instances included) counted for a
# minute under a loopback HTTP workload (busybox httpd and nc), then the
# same module stopped with SIGINT half a second into registration, five
# times.  Prints the probes armed, the hits, how long each stop took,
# and the kernel's complaints (Oops, BUG, WARNING, lockup, RCU stall)
# from dmesg: there must be none.
# Usage: bench/stress-tcp.sh [SECONDS]
# STRESS_POINT='kernel.function("tcp_*").return' stresses return probes
# (batched through rethook) instead.
set -eu
point=${STRESS_POINT:-'kernel.function("tcp_*")'}
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
vm="$top/vm/stapvm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$vm" start >&2
kver=$("$vm" kver)
(cd "$work" && "$top/run-stap" -r "$kver" -p4 -w -m tcpstress -e '
global n
probe '"$point"' { n++ }
probe end { printf("hits %d\n", n) }' >/dev/null)
"$vm" put "$work/tcpstress.ko" /tmp/tcpstress.ko
"$vm" exec --user=root "dmesg -c >/dev/null"
"$vm" exec --user=root "mkdir -p /tmp/www && head -c 20000 /dev/urandom >/tmp/www/f &&
	(httpd -p 8080 -h /tmp/www || true) &&
	(end=\$((\$(date +%s) + $secs + 30)); while [ \$(date +%s) -lt \$end ]; do
		printf 'GET /f HTTP/1.0\r\n\r\n' | nc 127.0.0.1 8080 >/dev/null; done) >/dev/null 2>&1 &
	echo workload started"
echo "== $secs s under the workload"
"$vm" exec --user=root "cd /tmp && timeout -s INT $secs staprun -v tcpstress.ko 2>&1 |
	grep -E 'probes registered|^hits|^ERROR|skipped|transport'"
echo "== SIGINT 0.5 s into registration, 5 times"
for i in 1 2 3 4 5; do
	"$vm" exec --user=root "cd /tmp && staprun tcpstress.ko >/dev/null 2>&1 & p=\$!
		sleep 0.5; t0=\$(cut -d' ' -f1 /proc/uptime); kill -INT \$p; wait \$p
		while grep -q '^tcpstress ' /proc/modules; do sleep 0.01; done
		t1=\$(cut -d' ' -f1 /proc/uptime)
		echo \"\$t0 \$t1\" | awk '{ printf(\"stopped in %.2f s\\n\", \$2 - \$1) }'"
done
echo "== kernel complaints"
"$vm" exec --user=root "dmesg | grep -cE 'Oops|BUG|WARNING|lockup|rcu.*stall|Call Trace' || true"
"$vm" exec --user=root "killall httpd 2>/dev/null; rm -rf /tmp/www /tmp/tcpstress.ko" || true
