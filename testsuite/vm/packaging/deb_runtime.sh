# The runtime package in a production host: make deb's
# systemtap-c-runtime installed with dpkg -i in a VM of its own whose image
# has, besides the usual busybox and glibc, Debian's dpkg and what the
# package's scripts use (groupadd and getent: passwd and libc-bin) but no
# stap groups and no runtime side; postinst makes the groups, staprun
# root:stapusr 04754 and the module directory; a module built here by the
# systemtap-c package's stap (extracted, with its tapsets and runtime:
# stap -p4 -m NAME -r KVER) is put in /lib/modules/KVER/systemtap/ and a
# member of stapusr runs it by name with the package's staprun; then purge.
set -u
make -s -C "$TOP" deb >/dev/null 2>&1 || { make -C "$TOP" deb; exit 1; }
ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rt=$TOP/build/deb/systemtap-c-runtime_${ver}_$arch.deb
full=$TOP/build/deb/systemtap-c_${ver}_$arch.deb

# The overlay: dpkg, dpkg-deb, dpkg-split, dpkg-statoverride, GNU tar (dpkg-deb runs
# tar), ldconfig (dpkg wants it in PATH), groupadd (+ /etc/login.defs),
# getent, their libraries, and a dpkg database in which the package's
# dependencies (libc6, passwd) are installed, as they are in the image.
# The programs go to /usr/local/bin, first in PATH (busybox's applets
# dpkg, dpkg-deb and tar take their places in /usr/bin at boot), and are
# named by path (busybox sh runs its own applet for a bare "dpkg").
ov=$TOP/build/deb/vm-overlay
rm -rf "$ov"
mkdir -p "$ov/usr/local/bin" "$ov/usr/lib/x86_64-linux-gnu" \
	"$ov/var/lib/dpkg/info" "$ov/var/lib/dpkg/updates" \
	"$ov/var/lib/dpkg/triggers" "$ov/var/log" "$ov/etc/dpkg/dpkg.cfg.d"
for p in /usr/bin/dpkg /usr/bin/dpkg-deb /usr/bin/dpkg-split /usr/bin/dpkg-statoverride \
	/usr/bin/dpkg-query /usr/bin/tar /usr/bin/getent /usr/sbin/groupadd \
	/usr/sbin/ldconfig; do
	cp -L "$p" "$ov/usr/local/bin/"
	ldd "$p" 2>/dev/null | awk '$3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
	cp -L "$lib" "$ov/usr/lib/x86_64-linux-gnu/"
done
cp /etc/login.defs "$ov/etc/"
: >"$ov/var/lib/dpkg/available"
: >"$ov/var/lib/dpkg/statoverride"
: >"$ov/var/lib/dpkg/diversions"
dpkg-query -s libc6 passwd | grep -v '^Conffiles:\|^ /' >"$ov/var/lib/dpkg/status"
cp /var/lib/dpkg/info/libc6:amd64.list /var/lib/dpkg/info/passwd.list \
	"$ov/var/lib/dpkg/info/"

export STAPVM_DIR=$STAPVM_DIR-deb STAPVM_EXTRA=$ov
tmp=$(mktemp -d)
trap '"$STAPVM" stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$STAPVM" start >"$tmp/start.log" 2>&1 || { cat "$tmp/start.log"; exit 1; }
vm() { "$STAPVM" exec "export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; exec 2>&1; $*" 2>&1 |
	sed "s|$KVER|KVER|g"; }

echo "== a host without the runtime side or the stap groups"
vm "rm -f /usr/bin/staprun /usr/bin/stap-merge /usr/lib/systemtap/stapio \
	/usr/lib/systemtap/stapsh /usr/share/man/man8/staprun.8 \
	/usr/share/man/man1/stap-merge.1 /usr/lib/systemd/system/staprun@.service
	rmdir /lib/modules/$KVER/systemtap
	sed -i '/^stap\(usr\|sys\|dev\):/d' /etc/group
	ls /usr/bin/staprun /lib/modules/$KVER/systemtap
	grep -cE '^stap(usr|sys|dev):' /etc/group"
"$STAPVM" put "$rt" /tmp/rt.deb || exit 1
echo "== dpkg -i"
vm '/usr/local/bin/dpkg -i /tmp/rt.deb; echo "rc=$?"' |
	sed 's/(\([0-9.]*\))/(VER)/; s/database \.\.\. [0-9]* files/database ... N files/'
echo "== installed"
vm "/usr/local/bin/dpkg-query -W -f '\${Package} \${db:Status-Abbrev}\n' systemtap-c-runtime
	grep -E '^stap(usr|sys|dev):' /etc/group | cut -d: -f1
	dpkg-statoverride --list
	for f in /usr/bin/staprun /usr/bin/stap-merge /usr/lib/systemtap/*; do
		ls -l \$f | awk '{ print \$1, \$3, \$4, \$NF }'; done
	ls -ld /lib/modules/$KVER/systemtap | awk '{ print \$1, \$3, \$NF }'
	ls /lib/systemd/system"

echo "== the administrator adds stapuser to stapusr, installs a module"
sed_add='s/^\(stapusr:[^:]*:[^:]*:\)$/\1stapuser/'
vm "sed -i '$sed_add' /etc/group; grep '^stapusr' /etc/group | cut -d: -f1,4"
cd "$tmp" || exit 1
dpkg-deb -x "$full" "$tmp/full" || exit 1
unset SYSTEMTAP_TAPSET SYSTEMTAP_RUNTIME SYSTEMTAP_STAPRUN STAP_BINARY
"$tmp/full/usr/bin/stap" -r "$KVER" -p4 -m debhello \
	-e 'probe begin { printf("hello from %s, uid %d\n", execname(), uid()); exit() }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put debhello.ko "/lib/modules/$KVER/systemtap/debhello.ko" || exit 1
vm "chmod 644 /lib/modules/$KVER/systemtap/debhello.ko"
echo "== stapuser: staprun debhello"
"$STAPVM" exec --user=stapuser 'exec 2>&1; staprun debhello; echo "rc=$?"'
echo "== nobody1 (not in stapusr)"
"$STAPVM" exec --user=nobody1 'exec 2>&1; staprun debhello; echo "rc=$?"' |
	sed 's/^.*staprun: /staprun: /'

echo "== dpkg -i again (an upgrade): the override stays, no new groups"
vm '/usr/local/bin/dpkg -i /tmp/rt.deb; echo "rc=$?"
	ls -l /usr/bin/staprun | awk "{ print \$1, \$3, \$4, \$NF }"' |
	sed 's/(\([0-9.]*\))/(VER)/g; s/database \.\.\. [0-9]* files/database ... N files/'
"$STAPVM" exec --user=stapuser 'exec 2>&1; staprun debhello; echo "rc=$?"'
echo "== dpkg -r: the override stays until the purge"
vm "/usr/local/bin/dpkg -r systemtap-c-runtime; echo \"rc=\$?\"
	dpkg-statoverride --list; ls /usr/bin/staprun" |
	sed 's/(\([0-9.]*\))/(VER)/; s/database \.\.\. [0-9]* files/database ... N files/'
echo "== dpkg --purge"
vm "rm /lib/modules/$KVER/systemtap/debhello.ko
	/usr/local/bin/dpkg --purge systemtap-c-runtime; echo \"rc=\$?\"
	dpkg-statoverride --list; ls /lib/modules/$KVER/systemtap
	grep -E '^stap(usr|sys|dev):' /etc/group | cut -d: -f1" |
	sed 's/(\([0-9.]*\))/(VER)/; s/database \.\.\. [0-9]* files/database ... N files/'
echo "== kernel log: $("$STAPVM" dmesg | grep -cE 'Oops|BUG|WARNING|Call Trace') oops, BUG or WARNING lines"
