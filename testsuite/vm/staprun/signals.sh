# SIGINT, SIGTERM, SIGHUP (sent to staprun with kill) and the end of the
# -c command all end a session the same way: end probes run, the output
# drains, the module is removed, the exit status says how it went.  A
# second SIGINT while the session ends (here: the output cannot drain,
# nobody reads it) gives up waiting and the module is removed.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m sg -e 'probe begin { println("begin") }
probe timer.ms(100) { }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAP" -r "$KVER" -p4 -m sgerr -e 'probe begin { println("begin") }
probe end { error("at the end") }' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAP" -r "$KVER" -p4 -m flood -e 'probe timer.ms(1) {
	for (i = 0; i < 4; i++) printf("%0250d\n", 0)
}
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
for m in sg sgerr flood; do
	"$STAPVM" put $m.ko /tmp/$m.ko || exit 1
done
for sig in INT TERM HUP; do
	echo "== SIG$sig"
	vm "cd /tmp; : >out; staprun /tmp/sg.ko >out 2>&1 & p=\$!
		while ! grep -q begin out; do sleep 0.1; done
		kill -$sig \$p; wait \$p; echo status=\$?; cat out
		grep -c '^sg ' /proc/modules; rm -f out"
done
echo "== -c CMD ends with the command, whose status does not matter"
vm 'staprun -c "sh -c \"sleep 1; exit 3\"" /tmp/sg.ko; echo status=$?
	grep -c "^sg " /proc/modules'
echo "== an error in the end probe: status 1"
vm 'cd /tmp; : >out; staprun /tmp/sgerr.ko >out 2>&1 & p=$!
	while ! grep -q begin out; do sleep 0.1; done
	kill -INT $p; wait $p; echo status=$?; cat out; grep -c "^sgerr " /proc/modules
	rm -f out'
echo "== output nobody reads: the first SIGINT stops, the second gives up"
vm 'cd /tmp; rm -f ff; mkfifo ff; sleep 60 <ff & s=$!
	staprun /tmp/flood.ko >ff 2>err & p=$!
	sleep 2; kill -INT $p; sleep 2; grep -c "^flood " /proc/modules
	kill -INT $p; wait $p; echo status=$?; cat err; grep -c "^flood " /proc/modules
	kill $s; rm -f ff err'
vm 'grep -c "^sg \|^sgerr \|^flood " /proc/modules; rm -f /tmp/sg.ko /tmp/sgerr.ko'
