# Output is not lost silently: when the reader is slower than the probes
# and the buffer (-b 1: 1 MB per CPU; stap -s 1) is full, what does not
# fit is dropped, counted, and reported at exit in SystemTap's words.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# about 2 MB per second for 2 seconds, then exit
"$STAP" -r "$KVER" -p4 -m fld -e 'global n
probe timer.ms(1) {
	for (i = 0; i < 8; i++) printf("%d %0240d\n", ++n, 0)
	if (n >= 32000) exit()
}' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put fld.ko /tmp/fld.ko || exit 1
echo "== -b 1, a reader that sleeps 5 s first"
vm 'staprun -b 1 /tmp/fld.ko 2>/tmp/err | (sleep 5; cat >/tmp/out); echo status=$?
	cat /tmp/err; [ $(wc -l </tmp/out) -lt 32000 ] && echo "some output was dropped"'
echo "== the same read at once (default buffer): nothing dropped"
vm 'staprun /tmp/fld.ko 2>/tmp/err >/tmp/out; echo status=$?; cat /tmp/err; wc -l </tmp/out'
echo "== stap -s 1 passes the buffer size on"
"$STAP" -r "$KVER" --remote="unix:$("$STAPVM" socket)" -s 1 -vv \
	-e 'probe begin { exit() }' 2>&1 | grep -o '_stp_bufsize=[0-9]*'
echo "status=${PIPESTATUS[0]}"
vm 'rm -f /tmp/fld.ko /tmp/err /tmp/out; grep -c "^fld " /proc/modules'
