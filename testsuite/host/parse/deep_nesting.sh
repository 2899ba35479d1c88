# Nesting is bounded: 10,000 parentheses, unary minuses or braces are a
# parse error, not a stack overflow (SystemTap 4.8 crashes on them);
# 400 levels and an else-if chain of 900 are fine.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
deep() {
	python3 -c "print($1)" >d.stp
	"$STAP" -p1 d.stp >/dev/null 2>err
	echo "rc=$?"
	grep -v '^ *source:\|^ *\^' err | cut -c1-80
}
deep "'probe begin { x = ' + '('*10000 + '1' + ')'*10000 + ' }'"
deep "'probe begin { x = ' + '- '*10000 + '1 }'"
deep "'probe begin ' + '{'*10000 + '}'*10000"
deep "'probe begin { println(' + '('*400 + '1' + ')'*400 + ') }'"
deep "'probe begin { x = 1; ' + 'if (x == 0) x = 1 else '*900 + 'x = 2 }'"
