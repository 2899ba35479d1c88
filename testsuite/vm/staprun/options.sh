# staprun -D (background, prints its pid), -T MS (reader wait), -u
# (uprobes are built into the kernel: nothing to load), -w, -v; stap -T
# SECS (a timer probe that exits).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m op -e 'global n
probe begin { println("begin"); warn("a warning") }
probe timer.ms(10) { if (++n == 100) exit(); println(n) }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put op.ko /tmp/op.ko || exit 1
echo "== -D -o: in the background"
vm 'rm -f /tmp/op.out; staprun -D -o /tmp/op.out /tmp/op.ko >/tmp/op.pid; echo status=$?
	p=$(cat /tmp/op.pid); [ -d /proc/$p ] && echo "running in the background"
	i=0; while grep -q "^op " /proc/modules && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	grep -c "^op " /proc/modules; head -n 1 /tmp/op.out; tail -n 1 /tmp/op.out; wc -l </tmp/op.out
	rm -f /tmp/op.out /tmp/op.pid'
echo "== -T 500: all the output, in fewer reads"
vm 'staprun -T 500 /tmp/op.ko | wc -l; staprun -T 0 /tmp/op.ko; echo status=$?'
echo "== -w"
vm 'staprun -w /tmp/op.ko >/dev/null; echo status=$?'
echo "== -u"
vm 'staprun -u -v -w /tmp/op.ko 2>&1 >/dev/null | grep uprobes; echo status=$?'
echo "== stap -T 1"
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -T 1 \
	-e 'probe end { println("end after the timeout") }' 2>&1
echo "status=$?"
"$STAP" -T 0 -e 'probe end { }' 2>&1
echo "status=$?"
vm 'grep -c "^op " /proc/modules; rm -f /tmp/op.ko'
