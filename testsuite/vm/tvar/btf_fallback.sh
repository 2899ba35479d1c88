# Without the kernel's DWARF (SYSTEMTAP_DEBUGINFO_PATH naming an empty
# directory), function parameters at entry and struct members come from
# the BTF in the kernel image; -v names the source; locals are DWARF-only.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMTAP_DEBUGINFO_PATH="$tmp"
sock=$("$STAPVM" socket)
run() {
	"$STAP" -r "$KVER" --remote="unix:$sock" "$@" 2>&1
}
run -v -c 'dd if=/etc/passwd of=/dev/null bs=123 count=1 2>/dev/null' -e '
probe kernel.function("vfs_read") {
	if (pid() == target() && !done) {
		printf("%s %d %d %s\n", execname(), $count, $file->f_pos,
		       kernel_string($file->f_path->dentry->d_iname))
		done = 1
	}
}
probe kernel.function("vfs_read").return {
	if (pid() == target() && !rdone) {
		printf("ret=%d count=%d pos=%d\n", $return, @entry($count), $pos[0])
		rdone = 1
	}
}
global done, rdone' | grep -v '^Pass\|^Reading'
echo "rc=$?"
"$STAP" -r "$KVER" -p2 -e 'probe kernel.function("vfs_read") { print($ret) }' 2>&1 |
	sed -n 1p
