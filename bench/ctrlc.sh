#!/bin/bash
# bench/ctrlc.sh - how long a SIGINT takes to stop a wide probe set, in
# the test VM: the module of `probe POINT { n++ }` (default
# kernel.function("*").call) is started with staprun -v and sent SIGINT
# after each of the given times (seconds after staprun starts, or
# "armed": once registration is over).  Prints, per stop: when it was
# sent, the probes registered by then and how long registering took
# (stapio -v's "N probes registered ... in T ms"), how long the module's
# disarming took (its own clock, stapio -v's "probes disarmed in"), and
# the time from the signal to the module gone from /proc/modules; then the
# kernel's complaints (Oops, BUG, WARNING, lockup, RCU stall): none.
# Usage: bench/ctrlc.sh [-p POINT] [WHEN...]   (default: 2 20 armed)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
point='kernel.function("*").call'
if [ "${1:-}" = -p ]; then point=$2; shift 2; fi
[ $# -gt 0 ] || set -- 2 20 armed
vm="$top/vm/stapvm"
# one host thread for both vCPUs: threaded, qemu misses some of the
# kernel's text patching (doc/stapsh.md)
export STAPVM_TCG_THREAD=single
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$vm" start >&2
kver=$("$vm" kver)
(cd "$work" && "$top/run-stap" -r "$kver" -p4 -w -m ctrlc \
	-DMAXSKIPPED=100000000 -DSTP_NO_OVERLOAD -e "global n
probe $point { n++ }" >/dev/null)
"$vm" put "$work/ctrlc.ko" /tmp/ctrlc.ko
cat >"$work/run.sh" <<'EOF'
when=$1
cd /tmp && staprun -v ctrlc.ko >/tmp/ctrlc.out 2>&1 & p=$!
if [ "$when" = armed ]; then
	while ! grep -q 'probes registered' /tmp/ctrlc.out 2>/dev/null; do sleep 1; done
else
	sleep "$when"
fi
t0=$(cut -d' ' -f1 /proc/uptime)
kill -INT $p
wait $p || true
while grep -q '^ctrlc ' /proc/modules; do sleep 0.01; done
t1=$(cut -d' ' -f1 /proc/uptime)
reg=$(sed -n 's/^stapio: \([0-9]*\) probes registered.*/\1/p' /tmp/ctrlc.out)
arm=$(sed -n 's/^stapio: [0-9]* probes registered.* in \([0-9]*\) ms, .*/\1/p' /tmp/ctrlc.out)
dis=$(sed -n 's/.*probes disarmed in \([0-9]*\) ms.*/\1/p' /tmp/ctrlc.out)
echo "$when ${reg:-?} ${arm:--} ${dis:-?} $t0 $t1" |
	awk '{ printf("%-8s %10s %10s %12s %10.2f\n", $1, $2, $3, $4, $6 - $5) }'
EOF
"$vm" put "$work/run.sh" /tmp/ctrlc.sh
"$vm" exec --user=root "dmesg -c >/dev/null; echo 8 >/proc/sys/kernel/printk"
echo "point: $point"
printf "%-8s %10s %10s %12s %10s\n" sigint registered arm_ms disarm_ms stop_s
for when in "$@"; do
	"$vm" exec --user=root "sh /tmp/ctrlc.sh $when"
done
echo "kernel complaints: $("$vm" exec --user=root \
	"dmesg | grep -cE 'Oops|BUG|WARNING|lockup|rcu.*stall|Call Trace' || true")"
"$vm" exec --user=root "rm -f /tmp/ctrlc.ko /tmp/ctrlc.sh /tmp/ctrlc.out"
