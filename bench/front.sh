#!/bin/bash
# bench/front.sh - the front end's cost: passes 1-2 (-p2) over the whole
# tapset library plus a 200-line script, best of N runs, with the maximum
# resident set size.  Goal: under 50 ms and 64 MB.
#   with our tapset; with Debian's tapset directory as well (-I), when it
#   is installed; and SystemTap's own figures (/usr/bin/stap) for scale.
# Usage: bench/front.sh [RUNS]   (default 5; each after one untimed run
# that fills the caches)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
kver=${KVER:-$("$top/scripts/fetch-kernel" --print-kver)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR="$work/sysdir"

# a 200-line script of the common forms: globals, arrays, stats,
# functions, foreach with sorts, strings, timers
script="$work/front.stp"
{
	echo "global counts, totals, names%[100], lat"
	for i in $(seq 1 26); do
		cat <<EOS
function f$i:long(a:long, s:string) {
	if (a > $i) { counts[s, a] += a; return a * $i }
	totals[s] <<< strlen(s) + a
	return strlen(sprintf("%s-%d", s, a))
}
EOS
	done
	for i in $(seq 1 8); do
		cat <<EOS
probe timer.ms($((i * 10))) {
	x = f$i($i, "p$i") + f$((i + 8))(x, "q")
	names[x % 7] = sprintf("%d", x); lat <<< x
	foreach ([s, a] in counts- limit 3) printf("%s %d %d\n", s, a, counts[s, a])
	foreach (k in totals @sum -) printf("%s %d\n", k, @sum(totals[k]))
	if (@count(lat) > 10) print(@hist_log(lat))
	try { y = f$((i + 16))(x / (i - $i + 1), names[1]) } catch (e) { println(e) }
	printf("%d %s\n", y, x > 5 ? "big" : "small")
}
EOS
	done
	echo "probe end { foreach (k+ in names) println(k, \" \", names[k]) }"
} > "$script"
lines=$(wc -l < "$script")

measure() {     # measure LABEL CMD...: best wall ms of $runs, max RSS MB
	local label=$1; shift
	python3 - "$runs" "$label" "$@" <<'PY'
import os, subprocess, sys, time
runs, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = rss = None
rc = 0
err = ""
# one untimed run first: it fills $SYSTEMTAP_DIR's caches (kernel names)
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = (time.monotonic() - t) * 1000
    rc = os.waitstatus_to_exitcode(status)
    best = dt if best is None else min(best, dt)
    rss = max(rss or 0, ru.ru_maxrss / 1024.0)
print("%-52s %7.1f ms %7.1f MB max RSS%s" % (label, best, rss,
      "" if rc == 0 else "  (rc=%d: %s)" % (rc, err.decode(errors="replace").strip().split("\n")[0][:70])))
PY
}

echo "script: $lines lines; best of $runs runs; passes 1-2 (-p2)"
ours="$top/stap/stap"
n=$(SYSTEMTAP_TAPSET="$top/tapset" "$ours" -v -p1 "$script" 2>&1 >/dev/null | sed -n 's/.*user script and \([0-9]*\) library.*/\1/p')
export SYSTEMTAP_TAPSET="$top/tapset"
measure "ours, our tapset ($n files)" "$ours" -r "$kver" -p2 "$script"
if [ -d /usr/share/systemtap/tapset ]; then
	n=$(SYSTEMTAP_TAPSET="$top/tapset" "$ours" -v -p1 -I /usr/share/systemtap/tapset "$script" 2>&1 >/dev/null | sed -n 's/.*user script and \([0-9]*\) library.*/\1/p')
	measure "ours, pass 1 with Debian's tapset too (${n:-?} files)" "$ours" -r "$kver" -p1 -I /usr/share/systemtap/tapset "$script"
	SYSTEMTAP_TAPSET=/usr/share/systemtap/tapset \
	measure "ours, passes 1-2, Debian's tapset only" "$ours" -r "$kver" -p2 "$script"
fi
if [ -x /usr/bin/stap ]; then
	unset SYSTEMTAP_TAPSET
	measure "SystemTap 4.8 (/usr/bin/stap), pass 1" /usr/bin/stap -r "$kver" -p1 "$script"
	measure "SystemTap 4.8 (/usr/bin/stap), passes 1-2" /usr/bin/stap -r "$kver" -p2 "$script"
fi
