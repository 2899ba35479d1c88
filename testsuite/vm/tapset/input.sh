# input.char and input.line: stap's stdin reaches the module (through
# --remote: "stdin" frames to stapsh, staprun's stdin, stapio, the
# module's /proc/systemtap/MOD/__stdin, one byte per write).  A char is
# a byte; a line ends with its "\n" and an unterminated last line is
# never one (as in SystemTap 4.8).  Also: a 20000-line input, plain
# staprun with a redirected stdin, and -c, whose command gets /dev/null.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
R="--remote=unix:$("$STAPVM" socket)"
printf 'ab\n\nh\303\251 \342\202\254\nlast' >small
echo "== a few lines"
"$STAP" -r "$KVER" "$R" -e '
global nc, nl
probe input.char { nc++; printf("char %d: %s\n", nc, text_str(char)) }
probe input.line { nl++; printf("line %d: %s", nl, line) }
probe timer.s(2) { exit() }
probe end { printf("chars %d lines %d\n", nc, nl) }' <small 2>&1
echo "rc=$?"

echo "== 20000 lines"
i=0
while [ $i -lt 20000 ]; do i=$((i + 1)); echo "line $i"; done >big
wc -c <big
"$STAP" -r "$KVER" "$R" -e '
global nc, nl, sum, bad
probe input.char { nc++ }
probe input.line {
	nl++
	if (line != sprintf("line %d\n", nl)) bad++
	sum += strtol(substr(line, 5, strlen(line) - 6), 10)
	if (nl == 20000) exit()
}
probe end { printf("chars %d lines %d sum %d bad %d\n", nc, nl, sum, bad) }' <big 2>&1
echo "rc=$?"

echo "== plain staprun MODULE < FILE in the VM"
"$STAP" -r "$KVER" -p4 -m inp -e '
global nl
probe input.line { nl++; printf("%d: %s", nl, line); if (nl == 3) exit() }' \
	>build.log 2>&1 || { cat build.log; exit 1; }
"$STAPVM" put inp.ko /tmp/inp.ko || exit 1
"$STAPVM" exec --user=root 'exec 2>&1; printf "one\ntwo\nthree\nfour\n" >/tmp/inp.txt
	staprun /tmp/inp.ko </tmp/inp.txt; echo rc=$?
	echo "-- from a pipe, as stapdevuser"; chmod 644 /tmp/inp.ko
	printf "x\ny\nz\n" | su -s /bin/sh stapdevuser -c "staprun /tmp/inp.ko"
	echo rc=$?; rm -f /tmp/inp.ko /tmp/inp.txt' 2>&1 | sed "s|$KVER|KVER|g"

echo "== -c: the command reads /dev/null, the module the input"
printf 'in1\nin2\n' | "$STAP" -r "$KVER" "$R" -c 'sh -c "wc -c; sleep 1"' -e '
probe input.line { printf("module: %s", line) }' >out 2>&1
echo "rc=$?"
sort out
