# staprun.insert_module, staprun.remove_module and
# staprun.send_control_message (tapset/stap_staticmarkers.stp) on the
# markers of this tree's staprun and stapio: a session's staprun, found
# on $PATH (here $UDIR/bin, the same files on both sides), and the
# stapio it runs from $UDIR/lib/systemtap, watched by another session.
set -u
. "$TOP/testsuite/fixtures/uprobe/build.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m inner -e 'probe begin { println("inner") }
probe timer.ms(200) { exit() }' >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; exit 1; }
mkdir -p "$UDIR/bin" "$UDIR/lib/systemtap"
cp "$TOP/build/vm/staprun" "$UDIR/bin/staprun"
cp "$TOP/build/vm/stapio" "$UDIR/lib/systemtap/stapio"
"$STAPVM" exec "mkdir -p $UDIR/bin $UDIR/lib/systemtap" || exit 1
for f in bin/staprun lib/systemtap/stapio; do
	"$STAPVM" put "$UDIR/$f" "$UDIR/$f" || exit 1
done
"$STAPVM" put inner.ko "$UDIR/inner.ko" || exit 1
"$STAPVM" exec "chmod 755 $UDIR/bin/staprun $UDIR/lib/systemtap/stapio"

echo "== -L"
PATH=$UDIR/bin:$PATH "$STAP" -r "$KVER" -L 'staprun.*' 2>&1
echo "== a session watched"
PATH=$UDIR/bin:$PATH ustap -c "$UDIR/bin/staprun $UDIR/inner.ko" -e '
probe staprun.insert_module { printf("insert_module %s\n", path) }
probe staprun.remove_module { printf("remove_module %s\n", name) }
probe staprun.send_control_message { printf("send_control_message type %d data %d len %d\n", type, data, len) }' >"$tmp/out"
echo "status=$?"
# the inner session's output, then the outer's
progfirst "$tmp/out" '^inner$'
