#!/bin/bash
# bench/probe-cost.sh - cost of a probe on vfs_read, in the test VM.
#
# Time per one-byte read() on /dev/zero (bench/readloop.c) with:
#   none   no probe
#   bare   a hand-written kprobe module that counts hits (the floor)
#   count  stap: global c; probe kernel.function("vfs_read") { c++ }
#   stat   stap: global m; probe kernel.function("vfs_read") { m[execname()] <<< 1 }
# All in one VM boot, interleaved over ROUNDS rounds; prints the median ns
# per read of each and its ratio to "none".  Then, when SystemTap 4.8 and
# its oracle (../shared/oracle/stap48) are here, 4.8's modules of the
# same two scripts, run by its own staprun, in a block with its own
# "none" baseline.
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

# In the VM: wait until vfs_read's kprobe is armed (at most 30 s), or gone.
waits='armed() {
	i=0
	while ! grep -q vfs_read /sys/kernel/debug/kprobes/list 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 600 ] && return 1; sleep 0.05
	done
}
disarmed() {
	while grep -q vfs_read /sys/kernel/debug/kprobes/list 2>/dev/null; do sleep 0.05; done
}'

cat >"$work/run.sh" <<SH
#!/bin/sh
$waits
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

# SystemTap 4.8 side by side, when its oracle is here (../shared/oracle:
# Debian's stap, its runtime patched to build for this kernel, its
# staprun and stapio copied into the VM), the same scripts, in a block
# of its own with its own no-probe baseline.
oracle="$top/../shared/oracle/stap48"
if [ -x /usr/bin/stap ] && [ -x "$oracle" ]; then
	(cd "$top" && "$oracle" -e 'probe begin { exit() }' >/dev/null 2>&1) || true
	if (cd "$work" &&
	    /usr/bin/stap -r "$kver" -p4 -m b48_count \
		-e 'global c; probe kernel.function("vfs_read") { c++ }' >/dev/null 2>&1 &&
	    /usr/bin/stap -r "$kver" -p4 -m b48_stat \
		-e 'global m; probe kernel.function("vfs_read") { m[execname()] <<< 1 }' >/dev/null 2>&1); then
		"$vm" put "$work/b48_count.ko" /tmp/b48_count.ko
		"$vm" put "$work/b48_stat.ko" /tmp/b48_stat.ko
		cat >"$work/run48.sh" <<SH
#!/bin/sh
$waits
for r in \$(seq $rounds); do
	echo "none48 \$(/tmp/readloop $reads)"
	for m in count stat; do
		/opt48/bin/staprun -o /dev/null /tmp/b48_\$m.ko & pid=\$!
		armed && echo "48\$m \$(/tmp/readloop $reads)"
		kill -INT \$pid; wait \$pid; disarmed
		# (4.8's staprun cannot unload with busybox's rmmod: ours does)
		rmmod b48_\$m 2>/dev/null
	done
done
SH
		"$vm" put "$work/run48.sh" /tmp/probe-cost48.sh
		"$vm" exec sh /tmp/probe-cost48.sh >>"$work/raw" || true
	else
		echo "(SystemTap 4.8's modules did not build: run $oracle setup)" >&2
	fi
fi

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
if "none48" in rows:
    b48 = statistics.median(rows["none48"])
    print(f"SystemTap 4.8, same VM boot, its own block (no probe {b48:.1f} ns):")
    for name, label in [("48count", "stap 4.8 c++"), ("48stat", "stap 4.8 m[execname()] <<< 1")]:
        if name in rows:
            m = statistics.median(rows[name])
            print(f"{label:32s} {m:8.1f} ns  {m / b48:5.2f}x")
PY
