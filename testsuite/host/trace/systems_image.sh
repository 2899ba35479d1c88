# Without debuginfo, the tracepoints' systems (the "sched" of
# sched:sched_switch) come from the kernel image's data, as they do from
# the DWARF vmlinux with it: the two lists of the kernel's tracepoints
# are the same but for those that have no event (DECLARE_TRACE), whose
# system only the DWARF knows (their header's name).  The result is
# cached as tpsys-KVER-..., and read back.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMTAP_DIR=$tmp
"$STAP" -r "$KVER" -l 'kernel.trace("*")' | grep -v '"[a-z0-9_]*:[a-z0-9_]*:' >"$tmp/dwarf"
for run in first cached; do
	SYSTEMTAP_DEBUGINFO_PATH=/nonexistent "$STAP" -r "$KVER" -vv -l 'kernel.trace("*")' \
		2>"$tmp/err" >"$tmp/image"
	echo "== $run run: $(grep -c "Reading the tracepoints' systems" "$tmp/err") image read"
	ls "$tmp/cache" | grep -c '^tpsys-'
	n=$(wc -l <"$tmp/image")
	[ "$(wc -l <"$tmp/dwarf")" = "$n" ] && [ "$n" -gt 500 ] && echo "the same number of tracepoints"
	nosys=$(grep -vc '"[a-z0-9_]*:' "$tmp/image")
	[ "$nosys" -lt 20 ] && echo "without a system without DWARF: a few (DECLARE_TRACE)"
	# what differs: only tracepoints without an event (no system without DWARF)
	diff "$tmp/dwarf" "$tmp/image" | sed -n 's/^[<>] //p' |
		sed -E 's/kernel.trace\("([a-z0-9_]*:)?/kernel.trace("/' | sort | uniq -c |
		awk '$1 != 2 { print "differs: " $0 }'
	diff "$tmp/dwarf" "$tmp/image" | grep '^>' | grep ':' | sed 's/^/has a system only without DWARF: /'
done
SYSTEMTAP_DEBUGINFO_PATH=/nonexistent "$STAP" -r "$KVER" -l 'kernel.trace("raw_syscalls:*")'
