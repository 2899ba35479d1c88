# staprun -o FILE -S SIZE[,N]: FILE.0, FILE.1, ... of at most SIZE MB,
# switched at line ends, the oldest removed beyond N; nothing is lost in
# the files kept.  strftime patterns in FILE; SIGUSR2 switches files.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# 50000 lines of 101 bytes: 5050000 bytes, a little over 4.8 MB
"$STAP" -r "$KVER" -p4 -m rot -e 'global n
probe timer.ms(1) {
	for (i = 0; i < 100 && n < 50000; i++)
		printf("%0100d\n", n++)
	if (n >= 50000) exit()
}' >build.log 2>&1 || { cat build.log; exit 1; }
"$STAP" -r "$KVER" -p4 -m usr2 -e 'global n, m	# m, never read, is printed at the end
probe timer.ms(100) { m++; printf("%d\n", ++n) }' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put rot.ko /tmp/rot.ko || exit 1
"$STAPVM" put usr2.ko /tmp/usr2.ko || exit 1
echo "== -S 1,3: at most three files of at most 1 MB"
vm 'rm -rf /tmp/rot && mkdir /tmp/rot && cd /tmp/rot &&
	staprun -o out -S 1,3 /tmp/rot.ko; echo status=$?
	ls; for f in out.*; do [ $(wc -c <$f) -le 1048576 ] || echo "$f too big"; done
	cat out.* | tail -n 1
	# whole lines, consecutive numbers across the files kept
	cat out.* | sed "s/^0*//" | awk "NR > 1 && \$0 != prev + 1 { print \"gap at \" NR; exit }
		{ prev = \$0 }"
	cat out.* | awk "length(\$0) != 100 { print \"bad line\" NR; exit }"'
echo "== -S 1: all files kept; strftime in the name"
vm 'rm -rf /tmp/rot && mkdir /tmp/rot && cd /tmp/rot &&
	staprun -o "out-%Y" -S 1 /tmp/rot.ko; echo status=$?
	ls | sed "s/-[0-9]\{4\}\./-YYYY./"; cat out-* | wc -l; rm -rf /tmp/rot'
echo "== SIGUSR2 switches to the next file"
vm 'rm -rf /tmp/rot; mkdir /tmp/rot; cd /tmp/rot || exit
	staprun -o out /tmp/usr2.ko & p=$!
	while [ ! -s out ]; do sleep 0.1; done
	kill -USR2 $p
	while [ ! -s out.1 ]; do sleep 0.1; done
	kill -INT $p; wait $p; echo status=$?; ls; cat out out.1 | grep -v "^m=" | awk "\$0 != NR { print \"gap\" }"; grep -c "^m=" out.1
	rm -rf /tmp/rot'
echo "== usage errors"
vm 'staprun -S 1 /tmp/rot.ko; echo status=$?; staprun -o x -S 0 /tmp/rot.ko; echo status=$?
	staprun -o x -S 1,x /tmp/rot.ko; echo status=$?'
vm 'grep -c "^rot \|^usr2 " /proc/modules; rm -f /tmp/rot.ko /tmp/usr2.ko'
