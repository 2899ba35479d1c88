# upstream's finloop2, our own scripts: an endless loop in a handler ends
# at MAXACTION with 4.8's error (the end probe does not run after it, as
# in 4.8), and the module is gone after the run; an empty endless loop
# is counted too (kept, not optimized away; 4.8 spins in it for ever)
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat >"$d/loop.stp" <<'S'
global count
probe kernel.function("vfs_read") { while (1) count++ }
probe end { printf("end: count %d\n", count) }
S
cat >"$d/empty.stp" <<'S'
probe begin { println("begin"); for (;;) { } }
probe end { println("end") }
S
run() {
	echo "== $*"
	(cd "$d" && "$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" "$@" >"$d/out" 2>"$d/err")
	echo "rc=$?"
	cat "$d/err" "$d/out"
	echo "modules left: $("$STAPVM" exec 'lsmod | grep -c "^stap_"' 2>&1)"
}
run loop.stp -c 'read l </etc/hostname'
run -DMAXACTION_INTERRUPTIBLE=5000 empty.stp
