# The index of the modules' tracepoints ($SYSTEMTAP_DIR/cache/
# tracepoints-KVER.idx): written by the first look-up that needs the
# modules, read by the next; a pattern the kernel image matches without
# globs does not look at the modules at all.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMTAP_DIR=$tmp
lines() { sed -n 's/^\([0-9]*\) tracepoints in \([0-9]*\) module files (\(.*\)) in .*/modules: \3/p'; }
echo "== kernel.trace(\"sched:sched_switch\"): the kernel's"
"$STAP" -r "$KVER" -vv -l 'kernel.trace("sched:sched_switch")' 2>&1 | lines
echo "== kernel.trace(\"scsi:*\"): indexed"
"$STAP" -r "$KVER" -vv -l 'kernel.trace("scsi:*")' 2>&1 | lines
ls "$tmp/cache" | grep tracepoints | sed "s/$KVER/KVER/"
echo "== again: from the index"
"$STAP" -r "$KVER" -vv -l 'kernel.trace("scsi:*")' 2>&1 | lines
echo "== a module file changed: indexed again"
sed -i '1s/^F \([^ ]*\) [0-9]*/F \1 0/' "$tmp/cache/tracepoints-$KVER.idx"
"$STAP" -r "$KVER" -vv -l 'kernel.trace("scsi:*")' 2>&1 | lines
"$STAP" -r "$KVER" -l 'kernel.trace("scsi:*")'
