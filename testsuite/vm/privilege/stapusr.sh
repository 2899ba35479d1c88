# The privilege model of the setuid staprun in the VM: stapuser (group
# stapusr) may run only root-owned, non-writable modules from
# /lib/modules/KVER/systemtap/ without symlinks; stapdevuser (stapdev) may
# run any module; nobody1 may run none.  Nothing stays loaded.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m h2 -e 'probe begin { println("hello"); exit() }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
"$STAP" -r "$KVER" -p4 -m h3 -e 'probe end { println("end") }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
D=/lib/modules/$KVER/systemtap
vm() {	# vm [--user=NAME] CMD: CMD in the VM, stderr merged there (in order)
	local u=--user=root
	case "$1" in --user=*) u=$1; shift ;; esac
	"$STAPVM" exec "$u" "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
run() {	# run USER ARGS...: staprun as USER in the VM
	local u=$1; shift
	echo "== $u: staprun $*" | sed "s|$KVER|KVER|g"
	vm --user="$u" "staprun $*; echo status=\$?"
}
# make install-runtime installs staprun setuid root: a VM without that
# fails here (it is no reason to skip)
echo "== the VM's staprun"
vm 'ls -l /usr/bin/staprun' | awk '{ print $1, $3 }'
"$STAPVM" put h2.ko "$D/h2.ko" || exit 1
"$STAPVM" put h3.ko "$D/h3.ko" || exit 1
vm "cd $D && chown root:root h2.ko && chmod 644 h2.ko &&
	cp h2.ko /tmp/h2.ko && chmod 644 /tmp/h2.ko &&
	rm -f /tmp/h2-link.ko h2-out.ko &&
	ln -s $D/h2.ko /tmp/h2-link.ko && ln -s /tmp/h2.ko h2-out.ko"
run stapuser -v "$D/h2.ko" | grep -v '^staprun: .*inserting\|^stapio:'
run stapuser h2
# the -c command (and stapio) run with the real uid/gid
vm "chown root:root $D/h3.ko; chmod 644 $D/h3.ko"
run stapuser -c "'id -u; id -g'" h3
run stapuser /tmp/h2.ko
run stapuser /tmp/h2-link.ko
run stapuser "$D/h2-out.ko"
run stapuser "$D/../systemtap/h2.ko"
run stapuser h2 _stp_uid=0
vm "chmod 664 $D/h2.ko"
run stapuser h2
vm "chmod 646 $D/h2.ko"
run stapuser h2
vm "chmod 644 $D/h2.ko; chown 1000 $D/h2.ko"
run stapuser h2
vm "chown 0 $D/h2.ko; chmod 757 $D"
run stapuser h2
vm "chmod 755 $D"
run nobody1 h2
run nobody1 /tmp/h2.ko
run stapdevuser /tmp/h2.ko
run stapdevuser /tmp/h2-link.ko
# /lib is a root-owned symbolic link to usr/lib in the VM as on Debian 12;
# root's symbolic links above systemtap/ are followed, only if they sit
# in directories that only root may write
echo "== /lib and a symbolic link for the release directory"
vm 'ls -ld /lib' | awk '{ print $1, $3, $(NF-2), $(NF-1), $NF }'
vm "cd /usr/lib/modules && mv $KVER real-$KVER && ln -s real-$KVER $KVER"
run stapuser h2
vm "chown -h 1000 /usr/lib/modules/$KVER"
run stapuser h2
vm "chown -h 0 /usr/lib/modules/$KVER; chmod 775 /usr/lib/modules"
run stapuser h2
vm "chmod 755 /usr/lib/modules; cd /usr/lib/modules && rm $KVER && mv real-$KVER $KVER"
run stapuser h2
echo "== loaded modules"
vm "grep -c '^h[23] ' /proc/modules"
vm "rm -f $D/h2.ko $D/h3.ko $D/h2-out.ko /tmp/h2.ko /tmp/h2-link.ko"
