# The VM is a production host: it has exactly what `make install-runtime`
# installs (vm/mkinitramfs runs it), and no translator, tapsets, runtime
# sources, compiler or kernel headers; modules built here run there.
set -u
vm() { "$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"; }
echo "== installed"
vm 'for f in /usr/bin/staprun /usr/bin/stap-exporter /usr/lib/systemtap/* /usr/share/man/man8/*; do
	ls -l $f | awk "{ print \$1, \$3, \$NF }"; done'
echo "== not installed"
vm 'for p in stap gcc cc make ld; do command -v $p || echo "no $p"; done'
vm "for d in /usr/share/systemtap /usr/src /lib/modules/$KVER/build; do
	[ -e \$d ] && echo \"\$d exists\"; done; true"
echo "== a module built here runs there"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m ro -e 'probe begin { println("hello"); exit() }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put ro.ko /tmp/ro.ko || exit 1
vm 'staprun /tmp/ro.ko; echo status=$?; rm -f /tmp/ro.ko'
