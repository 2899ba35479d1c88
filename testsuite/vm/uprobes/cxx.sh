# A C++ program: functions by their qualified names (shop::Cart::add,
# Cart::add, shop::*), $this and members, .return, the destructor; and
# the static build of the C program (no shared libc at all).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog cxx || exit 1
uprog static || exit 1
X=$UDIR/uprog-cxx
echo "== -l"
for f in 'shop::Cart::add' 'Cart::add' 'shop::*' 'Cart::~Cart' 'add'; do
	"$STAP" -l 'process("'"$X"'").function("'"$f"'")' 2>&1 |
		sed "s|$UDIR|UDIR|g; s|$TOP/||g"
done
echo "== probes"
ustap -c "$X" -e '
probe process("'"$X"'").function("shop::Cart::add") {
	printf("%s: add(%d) to %d items\n", ppfunc(), $n, $this->items)
}
probe process("'"$X"'").function("shop::total").return {
	printf("total returns %d\n", $return)
}
probe process("'"$X"'").function("Cart::~Cart") { println("destructor") }' >out
echo "status=$?"
progfirst out '^(total [0-9]+$|cart )'
echo "== static C program"
ustap -c "$UDIR/uprog-static chain 2" -e '
probe process("'"$UDIR/uprog-static"'").function("level*").return {
	printf("%s(%d) = %d\n", ppfunc(), @entry($x), $return)
}' >out
echo "status=$?"
progfirst out '^chain '
rm -f out
