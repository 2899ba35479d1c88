# A wide kprobe set (64 or more, STP_KPROBE_OPTMAX) is not jump-optimized
# by the kernel: every kprobe not at an ftrace location gets an empty
# post-handler (the optimizer held kprobe_mutex after each registration,
# and an optimized kprobe takes three text patchings to remove).  Under
# the limit (-DSTP_KPROBE_OPTMAX raised), the kernel optimizes some; the
# probes fire either way.
set -u
script='global n
probe kernel.statement("vfs_*@fs/read_write.c:*") { n++ }
probe end { printf("hits: %s\n", n > 0 ? "yes" : "no") }'
cmd='sleep 3; mount -t debugfs none /sys/kernel/debug 2>/dev/null
cat /etc/passwd >/dev/null
echo "optimized: $(grep -c "OPTIMIZED" /sys/kernel/debug/kprobes/list)"'
for max in default 1000000; do
	echo "== STP_KPROBE_OPTMAX=$max"
	opt=
	[ "$max" = default ] || opt=-DSTP_KPROBE_OPTMAX=$max
	"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" $opt \
		-c "sh -c '$cmd'" -e "$script" 2>&1 |
		sed -E 's/^optimized: [1-9][0-9]*$/optimized: some/'
done
