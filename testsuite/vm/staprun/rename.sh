# staprun -R loads a module under the name NAME_PID (its struct module
# patched in a private copy of the checked file, loaded with
# init_module), so that two copies of one module run at once, each with
# its own /proc/systemtap/NAME_PID; a stapusr user may, for a module the
# privilege rules allow.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m rn -e 'probe begin { printf("begin %s\n", module_name()) }
probe timer.ms(100) { }
probe end { println("end") }' >build.log 2>&1 || { cat build.log; exit 1; }
D=/lib/modules/$KVER/systemtap
vm() {	# vm [--user=NAME] CMD: CMD in the VM, stderr merged there (in order)
	local u=--user=root
	case "$1" in --user=*) u=$1; shift ;; esac
	"$STAPVM" exec "$u" "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put rn.ko /tmp/rn.ko || exit 1
echo "== two copies at once"
vm 'cd /tmp; : >o1; : >o2; staprun -R /tmp/rn.ko >o1 2>&1 & p1=$!
	staprun -R /tmp/rn.ko >o2 2>&1 & p2=$!
	while ! grep -q begin o1 || ! grep -q begin o2; do sleep 0.1; done
	grep -cx "begin rn_$p1" o1; grep -cx "begin rn_$p2" o2
	ls /proc/systemtap | sed "s/_[0-9]*$/_PID/"; grep -c "^rn_[0-9]* " /proc/modules
	grep -c "^rn " /proc/modules
	kill -INT $p1 $p2; wait $p1; echo status=$?; wait $p2; echo status=$?
	cat o1 o2 | grep -v begin; grep -c "^rn" /proc/modules; rm -f o1 o2'
echo "== the original name still loads while a renamed copy runs"
vm 'cd /tmp; : >o1; : >o2; staprun -R /tmp/rn.ko >o1 2>&1 & p1=$!
	while ! grep -q begin o1; do sleep 0.1; done
	staprun -c true /tmp/rn.ko; echo status=$?
	kill -INT $p1; wait $p1; echo status=$?; grep -c "^rn" /proc/modules; rm -f o1'
echo "== stapuser, a module of $D" | sed "s|$KVER|KVER|"
vm "cp /tmp/rn.ko $D/rn.ko; chmod 644 $D/rn.ko"
vm --user=stapuser 'staprun -R -c true rn 2>&1 | sed "s/_[0-9]*$/_PID/"; echo status=$?'
vm --user=stapuser 'staprun -R -c true /tmp/rn.ko; echo status=$?'
vm "grep -c '^rn' /proc/modules; rm -f /tmp/rn.ko $D/rn.ko"
