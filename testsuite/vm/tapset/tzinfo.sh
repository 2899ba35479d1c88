# tzinfo.stp and ctime.stp: staprun passes its local time zone (TZ here)
# to the module; tz_ctime() is ctime() shifted by it, with its name.
# ctime() covers the signed 32-bit times, as SystemTap's, and refuses
# others with 4.8's errors (values checked against 4.8 in the VM).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m tzt -e '
function t(x) {
	try { printf("%d %s\n", x, ctime(x)) }
	catch (e) { printf("%d ERR %s\n", x, e) }
}
probe begin {
	printf("%s %d [%s] [%s]\n", tz_name(), tz_gmtoff(), tz_ctime(0), tz_ctime(1700000000))
	t(0); t(-1); t(2147483647); t(-2147483648); t(2147483648); t(-2147483649)
	t(1700000000); t(951782400); t(-9223372036854775808); t(9223372036854775807)
	exit()
}' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put tzt.ko /tmp/tzt.ko || exit 1
for tz in "" UTC XYZ-5:30 ABC+11; do
	echo "== TZ=$tz"
	"$STAPVM" exec "exec 2>&1; ${tz:+TZ=$tz }staprun /tmp/tzt.ko" 2>&1 | sed -n '1,/^0 /p'
done
echo "== the rest"
"$STAPVM" exec "exec 2>&1; staprun /tmp/tzt.ko" 2>&1 | sed '1,/^0 /d'
"$STAPVM" exec 'rm -f /tmp/tzt.ko'
