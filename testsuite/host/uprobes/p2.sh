# Pass 2 of user-space probes, as SystemTap 4.8 prints it (compared by
# hand with /usr/bin/stap -p2): PIE and non-PIE ("pc=.dynamic+" and
# ".absolute+"), prologues skipped at -O0, one-line functions' own
# lines, optional points, marks and PLT entries as statements, -L.  Addresses masked (they move with the
# compiler), the rest exact.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$TOP/testsuite/fixtures/uprobe/uprog.c
gcc -g -O0 -DHAVE_SDT -o "$tmp/pie" "$src" -lpthread || exit 1
gcc -g -O0 -DHAVE_SDT -no-pie -fno-pie -o "$tmp/nopie" "$src" -lpthread || exit 1
m() { sed -E "s|$tmp/|T/|g; s|$TOP/||g; s/0x[0-9a-f]+/ADDR/g"; }
for b in pie nopie; do
	P=$tmp/$b
	echo "== $b"
	"$STAP" -p2 -e '
probe process("'"$P"'").function("level1") { println($x) }
probe process("'"$P"'").function("deliver").return { println($return) }
probe process("'"$P"'").statement("level2@*:*") { println(1) }
probe process("'"$P"'").statement("serve@*uprog.c:*")? { println(2) }
probe process("'"$P"'").mark("deliver") { println($arg1) }
probe process("'"$P"'").plt("malloc") { println($$name) }' 2>&1 |
		sed -n '/^# probes/,$p' | m
done
echo "== -L"
for p in 'function("deliver")' 'mark("*")' 'plt("*printf")'; do
	"$STAP" -L 'process("'"$tmp/pie"'").'"$p" 2>&1 | m
done
echo "== one handler for all .plt entries using \$\$name (ltrace.stp)"
"$STAP" -p3 -e '
probe process("'"$tmp/pie"'").plt, process("'"$tmp/pie"'").plt.return { printf("%s\n", $$name) }' 2>&1 |
	awk '/^static void stp_handler_[0-9]+\(struct context \*c\)$/ { h++ }
	     /\.probe = &_stp_probes\[/ { p++ }
	     END { print (p > 4 ? "many" : p) " probes, " h " handlers" }'
