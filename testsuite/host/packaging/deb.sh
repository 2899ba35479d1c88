# make deb: the packages systemtap-c and systemtap-c-runtime in build/deb/,
# their control fields (versions of library dependencies cut), the runtime
# package's files with their modes, the full package's main parts, and
# lintian: none of its errors or warnings for the runtime package; for the
# full package (2,400 manual pages: 4 min) only with LINTIAN_FULL=1, or
# make deb-lintian
set -u
cd "$TOP" || exit 1
make -s deb >"$TOP/build/deb.log" 2>&1 || { cat "$TOP/build/deb.log"; exit 1; }
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ver=$(dpkg-parsechangelog -S Version)
full=build/deb/systemtap-c_${ver}_$arch.deb
rt=build/deb/systemtap-c-runtime_${ver}_$arch.deb
for d in "$rt" "$full"; do
	echo "== $(basename "$d" | sed "s/_${ver}_$arch/_VER_ARCH/")"
	for f in Package Architecture Depends Suggests Conflicts Provides; do
		echo "$f: $(dpkg-deb -f "$d" "$f" | sed 's/ ([^)]*)//g')"
	done
done
echo "== runtime files"
dpkg-deb -c "$rt" | awk '$6 !~ /\/$/ { print $1, $2, $6 }'
echo "== runtime scripts"
dpkg-deb --ctrl-tarfile "$rt" | tar -t | sort
echo "== staprun@.service"
# systemd-analyze checks the unit's syntax, its specifiers and that the
# ExecStart program exists: the package's staprun, extracted here.
x=$(mktemp -d)
dpkg-deb -x "$rt" "$x"
sed "s|/usr/bin/staprun|$x/usr/bin/staprun|" "$x/lib/systemd/system/staprun@.service" \
	>"$x/staprun@.service"
ln -s staprun@.service "$x/staprun@hello.service"
grep -E '^(ExecStart|ConditionPathExists|KillMode)=' "$x/lib/systemd/system/staprun@.service"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify "$x/staprun@hello.service" 2>&1)
	rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | sed "s|$x|DIR|g"
	echo "staprun@hello.service: verify rc=$rc"
else
	echo "staprun@hello.service: no systemd-analyze here"
fi
rm -rf "$x"
echo "== full package"
dpkg-deb -c "$full" | awk '{ print $6 }' | grep -E \
	'^\./usr/bin/|/tapset/linux/syscalls.stp$|/runtime/stp_module.h$|/man1/|/function::strlen.3stap|/error::pass5|/doc/systemtap-c/README' |
	sort
echo "$(dpkg-deb -c "$full" | grep -c '\.3stap\.gz$') pages in man3" |
	sed 's/^[0-9]\{4\} /N /'
lint() {
	lintian --pedantic -I "$@" 2>&1 | grep -v 'running with root privileges' >build/lintian.log
	grep -E '^[EW]: ' build/lintian.log
	echo "lintian: $(grep -c '^E: ' build/lintian.log) errors, $(grep -c '^W: ' build/lintian.log) warnings"
}
echo "== lintian $(basename "$rt" | sed "s/_${ver}_$arch/_VER_ARCH/")"
lint "$rt"
if [ "${LINTIAN_FULL:-0}" = 1 ]; then
	echo "== lintian full package"
	lint "$full"
fi
