# switch_file() (logging.stp): with -o FILE the output until the end of
# the handler that calls it stays in FILE, what follows goes to FILE.1,
# then FILE.2
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -m swf -e 'probe begin {
	println("one"); switch_file(); println("two")
}
probe timer.ms(300) { println("three"); switch_file(); println("four"); exit() }' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put swf.ko /tmp/swf.ko || exit 1
"$STAPVM" exec 'cd /tmp && rm -f swo swo.*; staprun -o swo /tmp/swf.ko; echo status=$?; for f in swo swo.1 swo.2; do echo "== $f"; cat $f; done; rm -f swo swo.* /tmp/swf.ko'
echo "== without -o"
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -e 'probe begin { println("a"); switch_file(); println("b"); exit() }'
