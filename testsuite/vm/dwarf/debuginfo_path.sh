# SYSTEMTAP_DEBUGINFO_PATH: the search path for kernel and module
# debuginfo (host side only; no probe runs).  A debug root of our own with
# boot/vmlinux-KVER and lib/modules/KVER/**/NAME.ko works, leading '+'/'-'
# are ignored, and a path without it names the package to install.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMTAP_DIR="$tmp/sysdir"
l() { "$STAP" -r "$KVER" "$@" 2>&1 | sed "s|$KVER|KVER|g; s|$tmp|TMP|g"; echo "rc=${PIPESTATUS[0]}"; }
mkdir -p "$tmp/root/boot" "$tmp/root/lib/modules/$KVER/x/y"
ln -s "/usr/lib/debug/boot/vmlinux-$KVER" "$tmp/root/boot/vmlinux-$KVER"
ko=$(find "/usr/lib/debug/lib/modules/$KVER/" -name virtio_console.ko | head -n 1)
ln -s "$ko" "$tmp/root/lib/modules/$KVER/x/y/virtio-console.ko"
echo "== default path"
l -l 'kernel.function("vfs_read")'
echo "== our own root, with the CRC flag"
SYSTEMTAP_DEBUGINFO_PATH="-$tmp/root" l -l 'kernel.function("vfs_read")'
SYSTEMTAP_DEBUGINFO_PATH="/nonexistent:+$tmp/root" l -l 'module("virtio_console").function("port_fops_poll")'
echo "== nothing there"
SYSTEMTAP_DEBUGINFO_PATH="/nonexistent" l -p2 -e 'probe kernel.statement("vfs_read@fs/read_write.c:461") { print(1) }'
SYSTEMTAP_DEBUGINFO_PATH="/nonexistent" l -p2 -e 'probe module("virtio_console").function("port_fops_poll") { print(1) }'
echo "== plain kernel.function needs none (the symbol table)"
SYSTEMTAP_DEBUGINFO_PATH="/nonexistent" l -l 'kernel.function("vfs_read")'
