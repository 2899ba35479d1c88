# c ? a : b = v: since 4.0 the third operand binds tighter than '=' (an
# assignment to "c ? a : b", a pass-2 error); with --compatible=3.x it
# took the assignment, "c ? a : (b = v)"
set -u
s='global a, b, c; probe begin { a = b ? 1 : c = 2; a += b ? c : a += 2; a = 1 ? 2 : 3 ? 4 : 5; c = b ? 1 : 2 <<< 3 }'
for c in "" --compatible=3.9; do
	echo "== $c"
	"$STAP" -p1 $c -e "$s" 2>&1 | grep ' = \| += '; echo "rc=${PIPESTATUS[0]}"
done
