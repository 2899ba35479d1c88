# symfileline, symfile, symline and print_backtrace_fileline in vfs_read
# (the kernel's line table in the module): each address's FILE:LINE is
# what eu-addr2line finds for it in the kernel's debuginfo, the run-time
# address turned into the link-time one by vfs_read's load offset; and
# addresses without a line (0, beyond the kernel's text) in hexadecimal,
# as 4.8 prints every address (it carries no kernel line table).  A
# script asking only for its probes' lines (symfileline(addr())) gets a
# module with those lines only: the same answers.
set -u
vmlinux=/usr/lib/debug/boot/vmlinux-$KVER
link=0x$(nm "$vmlinux" | awk '$3 == "vfs_read" { print $1; exit }')
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" \
	-c 'dd if=/etc/passwd of=/dev/null bs=10 count=1' -e '
probe kernel.function("vfs_read") {
	if (pid() != target()) next
	printf("addr 0x%x\n", addr())
	printf("symfileline %s\n", symfileline(addr()))
	printf("symfile %s symline %s\n", symfile(addr()), symline(addr()))
	printf("same %d\n", symfileline(addr()) == symfile(addr()) . ":" . symline(addr()))
	printf("zero %s %s %s\n", symfileline(0), symfile(0), symline(0))
	printf("beyond %d\n", symfileline(addr() + 0x40000000) == sprintf("0x%x", addr() + 0x40000000))
	print_backtrace_fileline()
	exit()
}' >"$out" 2>&1
echo "status=$?"
# (line numbers as LINE: they move with the kernel's sources)
lines() { sed -E 's/(\.[cS]):[0-9]+/\1:LINE/; s/symline [0-9]+$/symline LINE/'; }
grep -v '^ 0x\|^addr ' "$out" | lines
# each frame: ADDRESS : SYMBOL [kernel] at FILE:LINE, checked with eu-addr2line
off=$(( $(awk '/^addr /{ print $2 }' "$out") - link ))
grep '^ 0x' "$out" | while read -r a _ sym mod at fl; do
	l=$(printf '0x%x' $(( a - off )))
	want=$(eu-addr2line -e "$vmlinux" "$l" | sed -E 's/(:[0-9]+):[0-9]+$/\1/')
	case $want in
	*"/${fl#/build/*/}"|"${fl}") echo "frame ${sym%%+*} $mod $at ${fl##*/}: as eu-addr2line" ;;
	*) echo "frame ${sym%%+*}: $fl, eu-addr2line says $want" ;;
	esac
done | lines
echo "== the probes' lines only"
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" \
	-c 'dd if=/etc/passwd of=/dev/null bs=10 count=1' -e '
probe kernel.function("vfs_read") {
	if (pid() != target()) next
	printf("symfileline %s\n", symfileline(addr()))
	exit()
}' >"$out.2" 2>&1
echo "status=$?"
grep -x "$(grep '^symfileline ' "$out")" "$out.2" >/dev/null && echo "as with the whole table"
rm -f "$out.2"
