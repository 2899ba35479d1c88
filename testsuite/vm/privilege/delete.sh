# staprun -d NAME removes a module left behind by a staprun killed with
# SIGKILL (root and stapdev only); -d '*' all modules without a stapio; a module whose vermagic names another
# kernel release is refused, naming both releases.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m h4 -e 'probe end { println("end") }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
"$STAP" -r "$KVER" -p4 -m h6 -e 'probe end { println("end") }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm [--user=NAME] CMD: CMD in the VM, stderr merged there (in order)
	local u=--user=root
	case "$1" in --user=*) u=$1; shift ;; esac
	"$STAPVM" exec "$u" "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
# make install-runtime installs staprun setuid root: a VM without that
# fails here (it is no reason to skip)
echo "== the VM's staprun"
vm 'ls -l /usr/bin/staprun' | awk '{ print $1, $3 }'
# the same module with a same-length, different release in its vermagic
other=$(echo "$KVER" | sed 's/[0-9]/9/g')
[ "$other" = "$KVER" ] && other=$(echo "$KVER" | sed 's/[0-9]/8/g')
python3 - "$KVER" "$other" <<'PY'
import sys
d = open("h4.ko", "rb").read()
a, b = (("vermagic=" + s + " ").encode() for s in sys.argv[1:3])
assert d.count(a) == 1
open("h5.ko", "wb").write(d.replace(a, b))
PY
"$STAPVM" put h4.ko /tmp/h4.ko || exit 1
"$STAPVM" put h5.ko /tmp/h5.ko || exit 1
"$STAPVM" put h6.ko /tmp/h6.ko || exit 1
# start staprun, wait until h4 is loaded, kill -9 staprun
cat >kill.sh <<'SH'
# kill.sh MOD [all]: start staprun MOD, wait until MOD is loaded, kill -9
# staprun (and with "all" its stapio too)
m=$1
staprun /tmp/$m.ko >/dev/null 2>&1 &
p=$!
i=0
while ! grep -q "^$m " /proc/modules && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
kids=
while [ "${2:-}" = all ] && [ -z "$kids" ] && [ $i -lt 150 ]; do
	for d in /proc/[0-9]*; do
		[ "$(cut -d' ' -f4 $d/stat 2>/dev/null)" = "$p" ] &&
			kids="$kids ${d#/proc/}"
	done
	sleep 0.2
	i=$((i + 1))
done
sleep 0.2
kill -9 $p $kids
wait $p
echo status=$?
SH
"$STAPVM" put kill.sh /tmp/h4-kill.sh || exit 1
echo "== staprun killed with SIGKILL leaves h4 loaded"
vm 'sh /tmp/h4-kill.sh h4 2>/dev/null; grep -c "^h4 " /proc/modules'
echo "== stapuser may not remove it, nobody1 neither"
vm --user=stapuser 'staprun -d h4; echo status=$?'
vm --user=nobody1 'staprun -d h4; echo status=$?'
echo "== root removes it"
vm 'staprun -d h4; echo status=$?; grep -c "^h4 " /proc/modules'
echo "== stapdevuser removes one"
vm 'sh /tmp/h4-kill.sh h4 2>/dev/null'
vm --user=stapdevuser 'staprun -d h4; echo status=$?'
vm 'grep -c "^h4 " /proc/modules; staprun -d h4; echo status=$?'
echo "== -d '*' removes h6 (staprun and stapio killed), keeps h4 (stapio left)"
vm 'sh /tmp/h4-kill.sh h4 2>/dev/null; sh /tmp/h4-kill.sh h6 all 2>/dev/null'
vm --user=stapuser "staprun -d '*'; echo status=\$?"
vm "staprun -d '*'; echo status=\$?; grep -c '^h6 ' /proc/modules
	grep -c '^h4 ' /proc/modules; staprun -d h4; echo status=\$?"
echo "== a module for another release"
vm "staprun /tmp/h5.ko; echo status=\$?" | sed "s|$other|OTHER|g"
vm 'grep -c "^h[456] " /proc/modules; rm -f /tmp/h4.ko /tmp/h5.ko /tmp/h6.ko /tmp/h4-kill.sh'
