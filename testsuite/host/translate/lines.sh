# What line tables pass 3 puts in a module (stap -vvv: "lines: ..."):
# none without a line function; the kernel's whole table, or, when the
# script asks only for the lines of its probes' addresses
# (symline(addr()) & co.), those lines alone; the blob is assembled with
# .incbin (no C for it).
set -u
t() {
	"$STAP" -r "$KVER" -p3 -vvv "$@" 2>&1 >"$c" | grep '^lines: kernel: [tn]' |
		sed -E 's/[0-9]+ bytes/N bytes/'
	echo "rc=${PIPESTATUS[0]}"
}
c=$(mktemp)
trap 'rm -f "$c"' EXIT
echo "== symfileline(addr()) in kernel.function probes: their lines only"
t -e 'probe kernel.function("vfs_read"), kernel.function("vfs_write").return {
	println(symfileline(addr()), symline(addr()))
}'
grep -c '^asm(".pushsection .rodata.*\.incbin \\"stp_lines_[0-9a-f]*\.bin\\"' "$c"
grep -c '^static const struct stp_klines _stp_klines = ' "$c"
echo "== symline(addr() + 1): the whole table"
t -e 'probe kernel.function("vfs_read") { println(symline(addr() + 1)) }'
echo "== print_backtrace_fileline(): the whole table"
t -e 'probe kernel.function("vfs_read") { print_backtrace_fileline() }'
echo "== timer.profile, whose addr() is any instruction: the whole table"
t -e 'probe timer.profile { println(symline(addr())) }'
echo "== through a function: the whole table"
t -e 'function f(a) { return symfile(a) }
probe kernel.function("vfs_read") { println(f(addr())) }'
echo "== no line function: no table"
t -e 'probe kernel.function("vfs_read") { println(symname(addr())) }'
grep -c stp_lines "$c" || :
