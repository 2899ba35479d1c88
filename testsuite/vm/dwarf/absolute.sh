# kernel.statement(ADDR).absolute (guru): a kprobe at the run-time
# address as given (here vfs_read's, from the VM's /proc/kallsyms: KASLR
# moved it from the link address)
set -u
addr=$("$STAPVM" exec --user=root "grep ' vfs_read\$' /proc/kallsyms" | cut -d' ' -f1)
[ -n "$addr" ] || { echo "no vfs_read in kallsyms"; exit 1; }
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -g -c 'grep -q root /etc/passwd' \
	-e "global n; probe kernel.statement(0x$addr).absolute { if (pid() == target()) n++ }
	    probe end { printf(\"%d\\n\", n > 0) }" 2>&1
echo "rc=$?"
echo "== without -g"
"$STAP" -r "$KVER" -p2 -e "probe kernel.statement(0x$addr).absolute { }" 2>&1 |
	sed "s/$addr/ADDR/g"
