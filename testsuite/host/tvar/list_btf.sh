# -L without the kernel's DWARF: a kernel function's $parameters (and a
# .return's $return) come from the BTF, with the types as the DWARF
# listing spells them; .call stays in the point's name.  The DWARF
# listing of the same points has the same variables (it has
# FUNC@FILE:LINE in the name).
set -u
for p in 'kernel.function("vfs_read")' 'kernel.function("vfs_read").return' \
	'kernel.function("tcp_sendmsg").call' 'kernel.function("do_sys_open")'; do
	btf=$(SYSTEMTAP_DEBUGINFO_PATH=/nonexistent "$STAP" -r "$KVER" -L "$p" 2>&1)
	dw=$("$STAP" -r "$KVER" -L "$p" 2>&1 | sed -E 's/@[^"]*"/"/')
	echo "$btf"
	[ "$btf" = "$dw" ] && echo "  as with DWARF" || echo "  with DWARF: $dw"
done
