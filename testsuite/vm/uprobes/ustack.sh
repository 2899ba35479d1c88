# User-space symbols and backtraces, in SystemTap 4.8's formats (each
# checked against 4.8 on the same programs; long addresses masked):
# print_ubacktrace at the bottom of uprog's call chain in a PIE without
# frame pointers (CFI), then with --ldd into libc down to _start; the
# -O0 PIE and the non-PIE (whose addresses are fixed: unmasked) with
# -d libc; the other forms of the stack; addresses of no object; a
# frame in a .library probe; a kernel probe's view of user space.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
for v in pie nopie nofp; do
	uprog $v || exit 1
done
LIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)

# mask run-time addresses (9 or more hex digits) and what changes with
# the compiler or glibc (the non-PIE's addresses, offsets and sizes
# outside the level* functions, build-ids); keep the level* offsets;
# the program's line first, then warnings, then the probes'
show() {
	sed -E 's/0x[0-9a-f]{9,}/0xADDR/g
		s/0x40[0-9a-f]{4}\b/0xADDR/g
		s/((main|_start|__libc_start_call_main|__libc_start_main@GLIBC_2\.2\.5)\+)0x[0-9a-f]+(\/0x[0-9a-f]+)?/\1OFF/g
		s/(libc\.so\.6)\+0x[0-9a-f]+(\/0x[0-9a-f]+)?/\1+OFF/g
		s/\b[0-9a-f]{40}\b/BUILDID/g
		s/^(ustack\(1\)) [0-9a-f]+ (umodaddr) [0-9a-f]+$/\1 ADDR \2 OFF/
		s/^umodaddr [0-9a-f]+$/umodaddr OFF/' "$1" > "$1.m"
	grep -E "$2" "$1.m"
	grep '^WARNING' "$1.m" | sort -u
	grep -vE "$2|^WARNING" "$1.m"
	rm -f "$1.m"
}

echo "== nofp, no libc tables: the stack ends in libc, with the hint"
ustap -c "$UDIR/uprog-nofp chain 3" -e '
probe process("'"$UDIR/uprog-nofp"'").function("level5") {
	print_ubacktrace()
	printf("usymname %s umodname %s\n", usymname(uaddr()), umodname(uaddr()))
	println(ucallers(-1) == ubacktrace() ? "ucallers(-1) == ubacktrace()" : "differ")
	print(sprint_ustack(ucallers(2)))
	println(usymdata(uaddr()))
	print(sprint_ubacktrace())
	print_ubacktrace_brief()
	printf("usymname(0) %s usymdata(0) %s\n", usymname(0), usymdata(0))
}' >out
echo "status=$?"
show out "^chain "

echo "== nofp --ldd: down to _start"
ustap --ldd -c "$UDIR/uprog-nofp chain 3" -e '
probe process("'"$UDIR/uprog-nofp"'").function("level5") { print_ubacktrace() }' >out
echo "status=$?"
show out "^chain "

echo "== pie (-O0, frame pointers) --ldd; print_ubacktrace(pc, sp, fp) the same"
ustap --ldd -c "$UDIR/uprog-pie chain 3" -e '
probe process("'"$UDIR/uprog-pie"'").function("level5") {
	print_ubacktrace()
	println("--")
	print_ubacktrace(uaddr(), u_register("rsp"), u_register("rbp"))
}' >out
echo "status=$?"
show out "^chain "

echo "== nopie -d libc: ucallers, ustack, print_usyms, umodaddr, umodbuildid"
ustap -d "$LIBC" -c "$UDIR/uprog-nopie chain 3" -e '
probe process("'"$UDIR/uprog-nopie"'").function("level5") {
	print_ubacktrace()
	print(sprint_ubacktrace())
	print_usyms(ucallers(1))
	print(sprint_usyms(ucallers(1)))
	printf("ustack(1) %x umodaddr %x\n", ustack(1), umodaddr(uaddr()))
	printf("%s\n", usymdata(ustack(7)))
	printf("umodaddr %x\n", umodaddr(ustack(7)))
	printf("build-ids %s\n", umodbuildid(uaddr()) . " " . umodbuildid(ustack(7)))
}' >out
echo "status=$?"
want="build-ids $(readelf -n "$UDIR/uprog-nopie" | awk "/Build ID/ {print \$3}") $(readelf -n "$LIBC" | awk "/Build ID/ {print \$3}")"
grep -qx "$want" out && echo "build-ids: those of the files (readelf)"
show out "^chain "

echo "== errors: umodname(0), umodaddr(0), ustack(100)"
for e in 'umodname(0)' 'sprint(umodaddr(0))' 'sprint(ustack(100))'; do
	ustap -c "$UDIR/uprog-nopie chain 3" -e '
probe process("'"$UDIR/uprog-nopie"'").function("level5") { println('"$e"') }' >out
	echo "status=$?"
	show out "^chain " | sed -E 's/ near .*//'
done

echo "== a frame in a library: process(...).library(\"libc.so.6\")"
ustap -c "$UDIR/uprog-pie malloc 1" -e '
probe process("'"$UDIR/uprog-pie"'").library("libc.so.6").function("__libc_malloc") {
	if (!done) { print_ubacktrace(); println(umodname(uaddr())) }
	done = 1
}
global done' >out
echo "status=$?"
show out "^block "

echo "== a kernel probe: the stack the task entered the kernel with"
ustap --ldd -c "$UDIR/uprog-nofp chain 3" -e '
probe process("'"$UDIR/uprog-nofp"'").function("level5") { println("level5") }
probe syscall.write {
	if (pid() == target()) {
		print_ubacktrace_brief()
		println(usymdata(uaddr()))
	}
}' >out
echo "status=$?"
show out "^chain "
rm -f out

echo "== through the trampolines of .return probes, in a thread"
ustap --ldd -c "$UDIR/uprog-nofp threads 1" -e '
probe process("'"$UDIR/uprog-nofp"'").function("level5") { print_ubacktrace_brief() }
probe process("'"$UDIR/uprog-nofp"'").function("level3").return,
      process("'"$UDIR/uprog-nofp"'").function("level4").return {
	printf("%s returns to %s\n", ppfunc(), usymdata(uaddr()))
	println(sprint_ubacktrace())
}' >out
echo "status=$?"
show out "^thread "
rm -f out
