# Function entry probes armed as one ftrace_ops (8 or more of them): the
# same hits, probefunc(), $parameters and backtrace top as with one
# kprobe each (-DSTP_FTRACE_MIN=0), and -vv says how many went which way
# (vfs_* has a few functions ftrace refuses: those keep their kprobes).
set -u
script='global seen, cnt
probe kernel.function("vfs_*").call {
	if (pid() != target()) next
	seen[probefunc()] = 1
	if (probefunc() == "vfs_read" && !cnt) cnt = @defined($count) ? $count : -1
}
probe end {
	printf("read %d, open %d, write %d, count %d\n", seen["vfs_read"],
	       seen["vfs_open"], seen["vfs_write"], cnt)
}'
for min in 8 0; do
	echo "== STP_FTRACE_MIN=$min"
	"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -vv -DSTP_FTRACE_MIN=$min \
		-c 'dd if=/etc/passwd bs=77 count=1 of=/dev/null status=none' -e "$script" 2>&1 |
		grep -E "probes registered|^read " |
		sed -E 's/^stapio: [0-9]+ probes registered \(([0-9]+) as one ftrace_ops in [0-9]+ ms\) in [0-9]+ ms, 0 failed/batched: \1/;
			s/^batched: [1-9][0-9]*$/batched: some/'
done
