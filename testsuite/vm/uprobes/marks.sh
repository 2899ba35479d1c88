# SDT markers (<sys/sdt.h>, with dtrace-style semaphores): arguments,
# $$name/$$provider/$$parms, listing, and the guard the program tests:
# enabled only while a probe is on the marker.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
P=$UDIR/uprog-pie
echo "== -L"
"$STAP" -L 'process("'"$P"'").mark("*")' 2>&1 | sed "s|$UDIR|UDIR|g"
echo "== arguments"
ustap -c "$P serve 3" -e '
probe process("'"$P"'").provider("uprog").mark("deliver") {
	printf("%s/%s: id %d code %d url %s\n", $$provider, $$name, $arg1, $arg2,
	       user_string($arg3))
}
probe process("'"$P"'").mark("deliver") { println(pp()) }' >out
echo "status=$?"
# (pp() is the marker's address: as SystemTap, a statement probe)
sed -i 's/statement(0x[0-9a-f]*)/statement(ADDR)/' out
progfirst out '^(request|classes) '
echo "== \$\$parms"
ustap -c "$P chain 1" -e 'probe process("'"$P"'").mark("bottom") { println($$parms) }' >out
echo "status=$?"
progfirst out '^chain '

echo "== the guard: off without a probe, on with one"
vmrun "$P guard 1"
ustap -c "$P guard 2" -e '
probe process("'"$P"'").mark("guarded") { printf("guarded %d: %d\n", $arg1, $arg2) }' >out
echo "status=$?"
progfirst out '^guard '
vmrun "$P guard 1"
echo "== no such marker"
ustap -p2 -e 'probe process("'"$P"'").mark("nosuch") { }'
echo "status=$?"
rm -f out
