# Function probes in a program built four ways (PIE and not, -O0 with
# its prologue skipped, -O2 without frame pointers): call counts of
# .function("level*"), .return with $return and @entry, recursion.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
for v in pie nopie o2 nofp; do
	uprog $v || exit 1
	echo "== $v"
	ustap -c "$UDIR/uprog-$v chain 3" -e '
global calls
probe process("'"$UDIR/uprog-$v"'").function("level*").call { calls[ppfunc(), $x]++ }
probe process("'"$UDIR/uprog-$v"'").function("level*").return {
	printf("%s(%d) = %d\n", ppfunc(), @entry($x), $return)
}
probe end { foreach ([f, x] in calls) printf("%s %d: %d\n", f, x, calls[f, x]) }' >out
	echo "status=$?"
	progfirst out "^chain "
done
echo "== recursion: fact(5), every level's @entry and \$return"
ustap -c "$UDIR/uprog-pie fact 5" -e '
probe process("'"$UDIR/uprog-pie"'").function("fact").return {
	printf("fact(%d) = %d\n", @entry($n), $return)
}' >out
echo "status=$?"
progfirst out "^fact "
rm -f out
echo "== .statement(...).nearest: a blank line goes to the next line with code"
blank=$(grep -n 'int classes = 0;' "$TOP/testsuite/fixtures/uprobe/uprog.c" | cut -d: -f1)
blank=$((blank + 1))
ustap -c "$UDIR/uprog-pie serve 2" -e '
global hits
probe process("'"$UDIR/uprog-pie"'").statement("serve@*uprog.c:'"$blank"'").nearest {
	if (!hits++) println(pp() =~ ":'"$((blank + 1))"'\"\\)$" ? "at the next line" : pp())
}' >out
echo "status=$?"
grep -v '^request\|^classes' out
rm -f out
echo "== .function(\"*\"): every function of the program, counted"
ustap -c "$UDIR/uprog-pie chain 1" -e '
global n
probe process("'"$UDIR/uprog-pie"'").function("*").call { n[ppfunc()]++ }
probe end { foreach (f+ in n) printf("%s %d\n", f, n[f]) }' >out
echo "status=$?"
progfirst out '^chain '
rm -f out
