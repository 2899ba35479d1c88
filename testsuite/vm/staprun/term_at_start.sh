# SIGTERM to staprun at any moment of its start (every 5 ms from 0 to
# 0.3 s): it ends within 10 s and the module is removed.  A signal that
# came while stapio was being started used to be lost, and stapio ran on.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m tstart -e 'probe begin { println("begin") }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put tstart.ko /tmp/tstart.ko || exit 1
"$STAPVM" exec 'hung=0
for i in $(seq 0 5 300); do
	staprun /tmp/tstart.ko >/dev/null 2>&1 & p=$!
	sleep $(printf "0.%03d" $i)
	kill -TERM $p 2>/dev/null
	w=0
	while kill -0 $p 2>/dev/null && [ $w -lt 100 ]; do sleep 0.1; w=$((w + 1)); done
	if kill -0 $p 2>/dev/null; then
		hung=$((hung + 1))
		kill -KILL $p
		for q in /proc/[0-9]*; do
			[ "$(readlink $q/exe)" = /usr/lib/systemtap/stapio ] && kill -KILL ${q#/proc/}
		done
		wait $p
		staprun -d tstart
	fi
	wait $p
done
echo "still running 10 s after SIGTERM: $hung"
echo "loaded: $(grep -c "^tstart " /proc/modules)"
rm -f /tmp/tstart.ko'
