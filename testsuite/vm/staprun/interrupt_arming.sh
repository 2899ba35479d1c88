# Registering hundreds of kprobes takes seconds under emulation (each
# looks its symbol up); it runs in stapio's STP_START write, which a stop
# signal interrupts: the module removes the probes it registered, the
# session ends (begin and end probes ran), the module is gone within 2 s,
# and -v says how far registration got.  SIGKILL of stapio interrupts it
# too, and staprun -d removes a module whose staprun was killed while it
# registered.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -w -m tcpreg -e 'global n
probe kernel.function("tcp_*") { n++ }
probe begin { println("begin") }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put tcpreg.ko /tmp/tcpreg.ko || exit 1
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
# in the VM: start staprun, wait until the module arms for 2 s
start='cd /tmp; : >out; staprun -v tcpreg.ko >out 2>&1 & p=$!
	while [ ! -e /proc/systemtap/tcpreg/.cmd ]; do sleep 0.05; done
	sleep 2'
# ... then report whether it is gone within 2 s of T0
gone='u() { cut -d" " -f1 /proc/uptime; }
	n=0; while grep -q "^tcpreg " /proc/modules && [ $n -lt 200 ]; do
		sleep 0.01; n=$((n + 1)); done
	t1=$(u); echo "$t0 $t1" | awk "{ print (\$2 - \$1 < 2) ? \"gone within 2 s\" : \
		\"still loaded \" \$2 - \$1 \" s after the signal\" }"'
echo "== SIGINT to staprun while the probes are registered"
vm "$start"'; t0=$(cut -d" " -f1 /proc/uptime); kill -INT $p; '"$gone"'
	wait $p; echo status=$?
	for l in "^begin" "^end" "registration interrupted" "^ERROR" \
		"^staprun: removed"; do
		grep -m1 "$l" out || echo "no line $l"; done |
	sed -E "s/[0-9]+ probes registered \\([0-9]+ as one ftrace_ops in [0-9]+ ms\\) in [0-9]+ ms, [0-9]+ failed/N probes registered (B as one ftrace_ops in T ms) in T ms, M failed/"
	echo "other warnings: $(grep "^WARNING" out | grep -vc "registration error")"'
echo "== SIGKILL to stapio"
vm "$start"'; t0=$(cut -d" " -f1 /proc/uptime); kill -9 $(pidof stapio); '"$gone"'
	wait $p; echo status=$?; grep "^staprun: \(stapio died\|removed\)" out'
echo "== staprun killed: staprun -d removes the module"
vm "$start"'; kill -9 $p; sleep 0.5; t0=$(cut -d" " -f1 /proc/uptime)
	staprun -d tcpreg; echo status=$?; '"$gone"
vm 'sleep 1; grep -c "^tcpreg " /proc/modules; rm -f /tmp/tcpreg.ko /tmp/out'
