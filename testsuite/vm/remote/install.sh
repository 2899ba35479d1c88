# make install (DESTDIR, prefix) installs what stap --remote=vm needs: the
# installed stap finds the installed stapvm (../lib/systemtap/vm/ from its
# bindir), which boots a VM of its own from what was installed (stopped
# at the end) and runs the script there; staprun is setuid root in the
# VM only.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
d=$(mktemp -d /tmp/stap-install.XXXXXX)
vmdir=$d/usr/local/lib/systemtap/vm
export STAPVM_DIR=$STAPVM_DIR-install
trap '"$vmdir/stapvm" stop >/dev/null 2>&1; rm -rf "$d"' EXIT
make -s -C "$top" install DESTDIR="$d" prefix=/usr/local >"$d/make.log" 2>&1 ||
	{ cat "$d/make.log"; exit 1; }
unset STAPVM SYSTEMTAP_TAPSET SYSTEMTAP_RUNTIME SYSTEMTAP_STAPRUN
cd "$d" || exit 1
"$d/usr/local/bin/stap" --remote=vm -e 'probe syscall.read { printf("syscall %s\n", name); exit() }' 2>&1
echo "rc=$?"
find "$d" -perm -4000 | sed "s|$d||"
"$vmdir/stapvm" exec 'ls -l /usr/bin/staprun' | awk '{ print $1, $3, $NF }'
