# .return probes batched with the entry probes (one ftrace_ops, the
# kernel's rethook for the returns): the same calls, returns, $return,
# probefunc() and caller as with one kretprobe each
# (-DSTP_FTRACE_MIN=0); a .return saving @entry values stays a
# kretprobe beside them; -vv says how many went through the ftrace_ops.
set -u
script='global c, r, bytes, ent, caller = "?"
probe kernel.function("vfs_*").call { if (pid() == target()) c[probefunc()]++ }
probe kernel.function("vfs_*").return { if (pid() == target()) r[probefunc()]++ }
probe kernel.function("vfs_read").return {
	if (pid() != target()) next
	if ($return > 0) bytes += $return
	if (caller == "?") caller = symname(caller_addr())
}
probe kernel.function("vfs_write").return { if (pid() == target()) ent += @entry($count) }
probe end {
	foreach (f in c) if (c[f] != r[f]) printf("%s: %d calls, %d returns\n", f, c[f], r[f])
	printf("read %d/%d, write %d/%d, open %d/%d, bytes %d, @entry %d, back in %s\n",
	       c["vfs_read"], r["vfs_read"], c["vfs_write"], r["vfs_write"],
	       c["vfs_open"], r["vfs_open"], bytes, ent, caller)
}'
for min in 8 0; do
	echo "== STP_FTRACE_MIN=$min"
	"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -vv -DSTP_FTRACE_MIN=$min \
		-c 'dd if=/dev/zero bs=100 count=300 of=/dev/null status=none' -e "$script" 2>&1 |
		grep -E "probes registered|^read |calls" |
		sed -E 's/^stapio: ([0-9]+) probes registered \(([0-9]+) as one ftrace_ops in [0-9]+ ms\) in [0-9]+ ms, 0 failed/\1 \2/' |
		awk 'NF == 2 && $1 ~ /^[0-9]+$/ { print ($2 == 0 ? "batched: none" : ($1 - $2 <= 12 ? "batched: all but a few" : "batched: " $2 " of " $1)); next } { print }'
done
