# what --compatible changes in @cast and @var:
# - @cast(p, "T") without a module looks in the probed module, then the
#   kernel (since 4.3): errors name that module, "kernel" in a kernel
#   probe, '' elsewhere; with --compatible=4.2 always "kernel"
# - @var in a .return probe is read at the return (since 4.1); with
#   --compatible=4.0 at the entry, as @entry(@var(...))
set -u
cast='printf("%d\n", @cast(0, "struct no_such_type")->x)'
for c in "" --compatible=4.2; do
	for p in begin 'kernel.function("vfs_read")' 'module("virtio_ring").function("virtqueue_kick")'; do
		echo "== $c $p"
		"$STAP" -p2 -r "$KVER" $c -e "probe $p { $cast }" 2>&1 | head -1
	done
done
echo "== a module's own type without naming the module"
"$STAP" -p2 -r "$KVER" -e 'probe module("virtio_ring").function("virtqueue_kick") {
	printf("%d\n", @cast($vq, "struct vring_virtqueue")->vq->num_free) }' 2>&1 | sed 's/:[0-9]*")/:N")/g'
for c in "" --compatible=4.0; do
	echo "== $c @var in a .return probe: entry handlers"
	"$STAP" -p3 -r "$KVER" $c -e 'probe kernel.function("vfs_read").return { println(@var("jiffies")) }' |
		grep -c 'STP_KRETPROBE_ENTRY\|stp_entry_'
done
