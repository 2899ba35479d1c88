# .label("PAT") probes of a function (testsuite/fixtures/uprobe/ulabel.c)
# and pnlabel(): pp() names the function at the label's line, pn() adds
# .label("NAME") (with NAME matched, not the pattern), as in 4.8; the
# same resolution in the kernel (-p2: do_dentry_open's two labels).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
P=$UDIR/ulabel
gcc -g -O0 -o "$P" "$TOP/testsuite/fixtures/uprobe/ulabel.c" || exit 1
"$STAPVM" put "$P" "$P" && "$STAPVM" exec "chmod 755 $P" || exit 1
echo "== -p2"
"$STAP" -p2 -e 'probe process("'"$P"'").function("main").label("*") { println(pnlabel()) }' 2>&1 |
	sed "s|$UDIR|UDIR|g; s|$TOP/||g; s|pc=.dynamic+0x[0-9a-f]*|pc=ADDR|" | grep -A2 '^# probes'
"$STAP" -r "$KVER" -p2 -e 'probe kernel.function("do_dentry_open").label("cleanup*") { println(pnlabel()) }' 2>&1 |
	sed -E 's/:[0-9]+"/:LINE"/g; s/_stext\+0x[0-9a-f]+/_stext+ADDR/' | grep -A2 '^# probes'
echo "== run"
ustap -c "$P" -e '
probe process("'"$P"'").function("main").label("again") { printf("[%s] [%s] [%s]\n", pnlabel(), pn(), pp()) }
probe process("'"$P"'").function("ma*").label("o*") { printf("w [%s] [%s]\n", pnlabel(), pn()) }
probe process("'"$P"'").function("main") { printf("function [%s]\n", pnlabel()) }' >out
echo "status=$?"
progfirst out '^i='
rm -f out
