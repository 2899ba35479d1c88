# PLT entries and shared libraries: .plt("NAME") with $$name, library
# globs (matched among the libraries the program loads, as SystemTap),
# .plt("NAME").return, .library("libc.so.6").function("free") with its
# $mem (glibc's DWARF if libc6-dbg is installed here, else its dynamic
# symbols), only in the processes of the program named (another program
# freeing memory meanwhile does not count).
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
uprog pie || exit 1
uprog nopie || exit 1
P=$UDIR/uprog-pie
echo "== -l"
"$STAP" -l 'process("'"$P"'").plt("*printf")' 2>&1 | sed "s|$UDIR|UDIR|g"
echo "== library globs: among the libraries the program loads"
for lib in '*' 'libc*' '/usr/lib/*/libc.so*' 'libz*'; do
	echo "library(\"$lib\"):"
	"$STAP" -l 'process("'"$P"'").library("'"$lib"'").plt("*")' 2>&1 |
		sed "s|$UDIR|UDIR|g; s|\.plt(.*||" | sort -u
done
echo "== probes"
ustap -c "$P malloc 4" -e '
global frees, mallocs, puts_ret, other
probe process("'"$P"'").library("libc.so.6").function("free") {
	if ($mem) frees++
}
probe process("'"$P"'").plt("malloc") { mallocs++ }
probe process("'"$P"'").plt("puts").return { puts_ret++ }
probe process("'"$P"'").plt("snprintf") { if (mallocs == 1) println($$name) }
probe process("'"$P"'").library("libc.so.6").function("free") {
	if (execname() != "uprog-pie") other++
}
probe process("'"$P"'").library("libc.so.6").function("puts") {
	# (no $variables needed: the argument registers)
	printf("puts(\"%s\")\n", user_string(pointer_arg(1)))
}
probe begin { system("'"$UDIR"'/uprog-nopie malloc 2 >/dev/null") }
probe end { printf("free %d, malloc %d, puts returned %d, others %d\n",
		   frees, mallocs, puts_ret, other) }' >out
echo "status=$?"
progfirst out '^block '
rm -f out
