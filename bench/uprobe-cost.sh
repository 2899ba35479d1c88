#!/bin/bash
# bench/uprobe-cost.sh - cost of a user-space probe, in the test VM, and
# pass 2 of .function("*") on a program of 10,000 functions.
#
# Time per call of f() in bench/ucall.c (-O2, a PIE) with:
#   none   no probe
#   bare   a hand-written inode uprobe module that counts hits (the floor)
#   count  stap: global c; probe process("/tmp/ucall").function("f") { c++ }
# All in one VM boot, interleaved over ROUNDS rounds; prints the median ns
# per call of each, and ours' added cost relative to the floor's.
# Then: stap -p2 of process(P).function("*") { c++ } on a generated program
# of 10,000 functions with -g, first (its index built) and again (cached).
# Usage: bench/uprobe-cost.sh [ROUNDS] [CALLS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
calls=${2:-20000}
vm="$top/vm/stapvm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$vm" start >&2
kver=$("$vm" kver)

gcc -O2 -g -o "$work/ucall" "$top/bench/ucall.c"
# the file offset of f: its address through the segment that holds it
off=$(python3 - "$work/ucall" <<'PY'
import subprocess, sys
f = sys.argv[1]
sym = [l.split() for l in subprocess.run(["nm", f], capture_output=True, text=True).stdout.splitlines()]
addr = next(int(s[0], 16) for s in sym if len(s) == 3 and s[2] == "f")
for l in subprocess.run(["readelf", "-lW", f], capture_output=True, text=True).stdout.splitlines():
    p = l.split()
    if p and p[0] == "LOAD":
        o, v, fs = int(p[1], 16), int(p[2], 16), int(p[4], 16)
        if v <= addr < v + fs:
            print(addr - v + o)
PY
)
cp -r "$top/bench/bare_uprobe" "$work/bare"
make -s -C "/lib/modules/$kver/build" M="$work/bare" modules >/dev/null 2>&1
cp "$work/ucall" /tmp/ucall
(cd "$work" &&
 "$top/run-stap" -r "$kver" -p4 -m ubench_count --no-global-var-display \
	-e "global c; probe process(\"/tmp/ucall\").function(\"f\") { c++ }" \
	>/dev/null) || { echo "build failed" >&2; exit 1; }
# (pass 2 read /tmp/ucall: the same file goes there in the VM)
"$vm" exec 'mkdir -p /tmp' >/dev/null
"$vm" put "$work/ucall" /tmp/ucall
"$vm" put "$work/bare/bare_uprobe.ko" /tmp/bare_uprobe.ko
"$vm" put "$work/ubench_count.ko" /tmp/ubench_count.ko

cat >"$work/run.sh" <<SH
#!/bin/sh
chmod +x /tmp/ucall
for r in \$(seq $rounds); do
	echo "none \$(/tmp/ucall $calls)"
	insmod /tmp/bare_uprobe.ko path=/tmp/ucall offset=$off &&
		echo "bare \$(/tmp/ucall $calls)"
	rmmod bare_uprobe
	staprun -o /dev/null /tmp/ubench_count.ko & pid=\$!
	sleep 1
	echo "count \$(/tmp/ucall $calls)"
	kill -INT \$pid; wait \$pid
done
SH
"$vm" put "$work/run.sh" /tmp/uprobe-cost.sh
"$vm" exec sh /tmp/uprobe-cost.sh >"$work/raw"

python3 - "$work/raw" "$rounds" "$calls" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 2:
        rows.setdefault(parts[0], []).append(float(parts[1]))
base = statistics.median(rows["none"])
print(f"uprobe cost on f(), {sys.argv[2]} rounds of {sys.argv[3]} calls, median ns/call")
for name, label in [("none", "no probe"), ("bare", "bare uprobe module (floor)"),
                    ("count", "stap c++")]:
    if name in rows:
        m = statistics.median(rows[name])
        print(f"{label:32s} {m:10.1f} ns  {m / base:7.1f}x")
if "bare" in rows and "count" in rows:
    floor = statistics.median(rows["bare"]) - base
    ours = statistics.median(rows["count"]) - base
    print(f"added cost: ours {ours:.0f} ns, floor {floor:.0f} ns: {ours / floor:.2f}x the floor's")
PY

# pass 2 of .function("*") on 10,000 functions
python3 - "$work/big.c" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(f"int __attribute__((noinline)) fn{i}(int a, int b) {{ int c = a * {i} + b; return c ^ (c >> 3); }}\n")
    f.write("int main(int argc, char **argv) { int v = argc;\n")
    for i in range(0, 10000, 97):
        f.write(f"  v = fn{i}(v, {i});\n")
    f.write("  return v & 1; }\n")
PY
gcc -g -O1 -o "$work/big" "$work/big.c"
export SYSTEMTAP_DIR="$work/sysdir"
for run in first again; do
	s=$(date +%s.%N)
	"$top/run-stap" -r "$kver" -p2 -e "global c; probe process(\"$work/big\").function(\"*\") { c++ }" \
		>"$work/p2.out" 2>&1 || true
	e=$(date +%s.%N)
	n=$(grep -c '^process' "$work/p2.out" || true)
	printf 'pass 2, process(10k functions).function("*"), %s: %d probes in %.2f s\n' \
		"$run" "$n" "$(echo "$e - $s" | bc)"
done
