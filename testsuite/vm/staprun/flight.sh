# Detached sessions: staprun -L loads and detaches (begin output shown
# first), -A attaches (the output kept meanwhile comes out), SIGQUIT
# detaches again, -d removes; -F keeps the newest output in the kernel
# buffer while detached (the oldest is overwritten, nothing counted as
# dropped); -F -o runs in the background; stap -F passes through; who may
# attach.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m tick -e 'global n
probe begin { println("begin") }
probe timer.ms(100) { printf("%d\n", ++n) }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
# 5 MB of output, about 1 KB per ms, for a 1 MB buffer
"$STAP" -r "$KVER" -p4 -m fl -e 'global n
probe timer.ms(1) {
	for (i = 0; i < 4 && n < 20000; i++) printf("%d %0240d\n", ++n, 0)
}
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm [--user=NAME] CMD: CMD in the VM, stderr merged there (in order)
	local u=--user=root
	case "$1" in --user=*) u=$1; shift ;; esac
	"$STAPVM" exec "$u" "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put tick.ko /tmp/tick.ko || exit 1
"$STAPVM" put fl.ko /tmp/fl.ko || exit 1
vm 'chmod 644 /tmp/tick.ko /tmp/fl.ko'
echo "== -L: begin, then detached"
vm 'staprun -L /tmp/tick.ko >/tmp/o 2>/tmp/e; echo status=$?; head -n 1 /tmp/o; cat /tmp/e
	grep -c "^tick " /proc/modules; rm -f /tmp/o /tmp/e'
echo "== -A: the ticks kept meanwhile, from the first; SIGQUIT detaches again"
vm 'sleep 1; cd /tmp; staprun -A tick >out 2>err & p=$!
	sleep 1; kill -QUIT $p; wait $p; echo status=$?; cat err
	[ "$(head -n 1 out)" -le 2 ] && echo "from the first ticks"; [ $(wc -l <out) -ge 10 ] && echo "10 ticks or more"
	awk "NR > 1 && \$0 != prev + 1 { print \"gap at \" NR; exit } { prev = \$0 }" out
	grep -c "^tick " /proc/modules'
echo "== -A again, SIGINT ends the session (end probe), module removed"
vm 'cd /tmp; staprun -A tick >out 2>err & p=$!
	sleep 1; kill -INT $p; wait $p; echo status=$?; cat err; grep -x end out
	grep -c "^tick " /proc/modules'
echo "== -L, then -d removes the detached module"
vm 'staprun -L /tmp/tick.ko >/dev/null 2>&1; grep -c "^tick " /proc/modules
	staprun -d tick; echo status=$?; grep -c "^tick " /proc/modules'
echo "== -F -b 1: the newest output stays; no drops reported"
vm 'staprun -F -b 1 /tmp/fl.ko >/dev/null; echo status=$?; sleep 8
	cd /tmp; staprun -A fl >out 2>err & p=$!
	sleep 1; kill -INT $p; wait $p; echo status=$?; cat err
	first=$(head -n 1 out | cut -d" " -f1)
	[ "$first" -gt 1000 ] && echo "the oldest output was overwritten"
	grep "^20000 " out | cut -c1-10; tail -n 1 out; grep -c "^fl " /proc/modules; rm -f out err'
echo "== -F -o: in the background, writing the file"
vm 'rm -rf /tmp/fo; mkdir /tmp/fo; staprun -F -o /tmp/fo/out /tmp/tick.ko >/tmp/fo/pid
	echo status=$?; p=$(cat /tmp/fo/pid); sleep 1
	grep -c "^tick " /proc/modules; kill -INT $p
	i=0; while grep -q "^tick " /proc/modules && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -c "^tick " /proc/modules; head -n 2 /tmp/fo/out; grep -x end /tmp/fo/out; rm -rf /tmp/fo'
echo "== who may attach"
vm 'staprun -A nosuch; echo status=$?
	staprun -L /tmp/tick.ko >/dev/null 2>&1
	staprun -A tick >/dev/null 2>&1 & p=$!; sleep 1
	staprun -A tick; echo status=$?; kill -QUIT $p; wait $p'
vm --user=stapuser 'staprun -A tick; echo status=$?'
vm --user=nobody1 'staprun -A tick; echo status=$?'
vm 'grep -c "^tick " /proc/modules; staprun -d tick'
echo "== stapuser: -L, then -d removes their own detached module"
D=/lib/modules/$KVER/systemtap
vm "cp /tmp/tick.ko $D/tick.ko; chmod 644 $D/tick.ko"
vm --user=stapuser 'staprun -L tick >/dev/null 2>&1; grep -c "^tick " /proc/modules
	staprun -d tick; echo status=$?; grep -c "^tick " /proc/modules'
vm 'staprun -L tick >/dev/null 2>&1'
vm --user=stapuser 'staprun -d tick; echo status=$?'
vm "staprun -d tick; rm -f $D/tick.ko"
echo "== usage errors"
vm 'staprun -D /tmp/tick.ko; echo status=$?; staprun -L -c true /tmp/tick.ko; echo status=$?
	staprun -A -x 1 tick; echo status=$?; staprun -A tick x=1; echo status=$?'
echo "== stap -F (through --remote): detached; staprun -A then SIGINT"
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -F -G g=5 -m sf -e '
global g = 1
probe begin { printf("begin %d\n", g) } probe end { println("end") }' 2>&1
echo "status=$?"
vm 'staprun -A sf & p=$!; sleep 1; kill -INT $p; wait $p; echo status=$?'
vm 'grep -c "^tick \|^fl \|^sf " /proc/modules; rm -f /tmp/tick.ko /tmp/fl.ko /tmp/out /tmp/err'
