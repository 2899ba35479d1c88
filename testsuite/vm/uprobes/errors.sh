# Bad input, each a clear error in SystemTap's words and nothing left
# behind: a program that does not exist, a stripped one probed by source
# line or by a function it does not export, a name not in it (with the
# similar ones), a pid that is gone, a program that exists here but not
# where the module runs (a registration warning; the session goes on).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
uprog stripped || exit 1
P=$UDIR/uprog-pie S=$UDIR/uprog-stripped
for s in 'process("'"$UDIR"'/nonexist").function("main")' \
	 'process("'"$S"'").statement("main@uprog.c:10")' \
	 'process("'"$S"'").function("level1")' \
	 'process("'"$P"'").function("levle1")' \
	 'process("'"$P"'").function("main@nosuch.c")' \
	 'process.function("main")'; do
	echo "== $s" | sed "s|$UDIR|UDIR|g"
	"$STAP" -p2 -e "probe $s {}" 2>&1 | sed "s|$UDIR|UDIR|g"
	echo "status=${PIPESTATUS[0]}"
done
echo "== a pid that is gone"
"$STAP" -p2 -e 'probe process(2147483600).function("main") {}' 2>&1
echo "status=$?"
echo "== only here, not in the VM"
cp "$P" "$UDIR/uprog-hostonly"
ustap -e 'probe process("'"$UDIR"'/uprog-hostonly").function("main") { println("main") }
probe begin { println("running") } probe timer.ms(200) { exit() }' | sort
echo "status=${PIPESTATUS[0]}"
rm -f "$UDIR/uprog-hostonly"
echo "== afterwards: no module left, the program unharmed"
vmrun "grep -c '^stap_' /proc/modules; $P chain 1"
