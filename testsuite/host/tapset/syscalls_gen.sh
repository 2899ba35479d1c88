# tapset/linux/syscalls.stp and nd_syscalls.stp are what scripts/gen-syscalls
# makes of tapset/linux/syscalls.tab (they are committed)
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
u=/usr/include/x86_64-linux-gnu/asm
"$TOP/scripts/gen-syscalls" "$TOP/tapset/linux/syscalls.tab" $u/unistd_64.h $u/unistd_32.h "$tmp" || exit 1
for f in syscalls.stp nd_syscalls.stp; do
	cmp "$tmp/$f" "$TOP/tapset/linux/$f" && echo "$f: up to date"
done
