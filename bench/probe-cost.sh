#!/bin/bash
# bench/probe-cost.sh - cost of a probe on vfs_read, in the test VM.
#
# Time per one-byte read() on /dev/zero (bench/readloop.c) with:
#   none   no probe
#   bare   a hand-written kprobe module that counts hits (the floor)
#   count  stap: global c; probe kernel.function("vfs_read") { c++ }
#   stat   stap: global m; probe kernel.function("vfs_read") { m[execname()] <<< 1 }
# All in one VM boot, interleaved over ROUNDS rounds; prints the median ns
# per read of each and its ratio to "none".
# Usage: bench/probe-cost.sh [ROUNDS] [READS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
reads=${2:-200000}
vm="$top/vm/stapvm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$vm" start >&2
kver=$("$vm" kver)

gcc -O2 -static -o "$work/readloop" "$top/bench/readloop.c"
cp -r "$top/bench/bare_kprobe" "$work/bare"
make -s -C "/lib/modules/$kver/build" M="$work/bare" modules >/dev/null 2>&1
(cd "$work" &&
 "$top/run-stap" -r "$kver" -p4 -m bench_count --no-global-var-display \
	-e 'global c; probe kernel.function("vfs_read") { c++ }' >/dev/null &&
 "$top/run-stap" -r "$kver" -p4 -m bench_stat --no-global-var-display \
	-e 'global m; probe kernel.function("vfs_read") { m[execname()] <<< 1 }' >/dev/null)

"$vm" put "$work/readloop" /tmp/readloop
"$vm" put "$work/bare/bare_kprobe.ko" /tmp/bare_kprobe.ko
"$vm" put "$work/bench_count.ko" /tmp/bench_count.ko
"$vm" put "$work/bench_stat.ko" /tmp/bench_stat.ko

cat >"$work/run.sh" <<SH
#!/bin/sh
armed() {
	i=0
	while ! grep -q 'vfs_read' /sys/kernel/debug/kprobes/list 2>/dev/null; do
		i=\$((i + 1)); [ \$i -gt 600 ] && return 1; sleep 0.05
	done
}
disarmed() {
	while grep -q 'vfs_read' /sys/kernel/debug/kprobes/list 2>/dev/null; do sleep 0.05; done
}
chmod +x /tmp/readloop
for r in \$(seq $rounds); do
	echo "none \$(/tmp/readloop $reads)"
	insmod /tmp/bare_kprobe.ko && armed && echo "bare \$(/tmp/readloop $reads)"
	rmmod bare_kprobe; disarmed
	for m in count stat; do
		staprun -o /dev/null /tmp/bench_\$m.ko & pid=\$!
		armed && echo "\$m \$(/tmp/readloop $reads)"
		kill -INT \$pid; wait \$pid; disarmed
	done
done
SH
"$vm" put "$work/run.sh" /tmp/probe-cost.sh
"$vm" exec sh /tmp/probe-cost.sh >"$work/raw"

python3 - "$work/raw" "$rounds" "$reads" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 2:
        rows.setdefault(parts[0], []).append(float(parts[1]))
base = statistics.median(rows["none"])
print(f"probe cost on vfs_read, {sys.argv[2]} rounds of {sys.argv[3]} reads, median ns/read")
for name, label in [("none", "no probe"), ("bare", "bare kprobe module (floor)"),
                    ("count", "stap c++"), ("stat", "stap m[execname()] <<< 1")]:
    if name in rows:
        m = statistics.median(rows[name])
        print(f"{label:32s} {m:8.1f} ns  {m / base:5.2f}x")
PY
