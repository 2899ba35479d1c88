# stap -b (STP_BULKMODE): one /proc/systemtap/NAME/.data_N per CPU, and
# stapio writes each to its own file, FILE_N with -o, FILE_cpuN with -D,
# stpd_cpuN without -o, in stap-merge's record format; stap-merge puts
# them back in order.  The VM has two CPUs; dd runs on each in turn.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$STAP" -r "$KVER" -p4 -b -m bulk -e 'global n
probe begin { printf("begin\n") }
probe kernel.function("vfs_read") { if (execname() == "dd") printf("%d %d\n", cpu(), ++n) }
probe end { printf("end %d\n", n) }' >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1 | sed "s|$KVER|KVER|g"
}
"$STAPVM" put bulk.ko /tmp/bulk.ko || exit 1
# check FILES...: every file has only its CPU's lines; merged, the
# numbers are 1..N in order, between "begin" and "end N"
vm 'cat >/tmp/check <<"EOS"
for f in "$@"; do
	grep -q . "$f" || echo "$f: empty"
done
stap-merge "$@" >merged 2>merge.err; echo merge status=$?
cat merge.err
head -n 1 merged; tail -n 1 merged
sed "1d;\$d" merged | awk "\$2 != NR { print \"out of order at \" NR; exit }"
sed "1d;\$d" merged | awk "{ print \$1 }" | sort -u | tr "\n" " "; echo
for f in "$@"; do
	c=${f##*[!0-9]}
	stap-merge "$f" 2>/dev/null | awk -v c=$c "/^[0-9]+ [0-9]+\$/ && \$1 != c { print \"cpu \" \$1 \" in the file of cpu \" c; exit }"
done
EOS'
dd='taskset -c 0 dd if=/dev/zero of=/dev/null bs=1 count=300 2>/dev/null; taskset -c 1 dd if=/dev/zero of=/dev/null bs=1 count=300 2>/dev/null'
echo "== -o FILE: FILE_0, FILE_1"
vm "rm -rf /tmp/b && mkdir /tmp/b && cd /tmp/b && staprun -o out -c '$dd' /tmp/bulk.ko; echo status=\$?
	ls; sh /tmp/check out_0 out_1 | sed 's/end [0-9]*/end N/'
	ls /proc/systemtap 2>/dev/null | grep -c bulk"
echo "== no -o: stpd_cpuN"
vm "rm -rf /tmp/b && mkdir /tmp/b && cd /tmp/b && staprun -c '$dd' /tmp/bulk.ko; echo status=\$?
	ls; sh /tmp/check stpd_cpu0 stpd_cpu1 | sed 's/end [0-9]*/end N/'"
echo "== -D: FILE_cpuN"
vm "rm -rf /tmp/b && mkdir /tmp/b && cd /tmp/b && p=\$(staprun -D -o bg /tmp/bulk.ko); echo status=\$?
	while [ ! -e /proc/systemtap/bulk/.cmd ]; do sleep 0.1; done
	sleep 0.3; $dd; kill -INT \$p
	while grep -q '^bulk ' /proc/modules; do sleep 0.1; done
	ls; sh /tmp/check bg_cpu0 bg_cpu1 | sed 's/end [0-9]*/end N/'"
echo "== -S 1,2 rotates each file"
vm "rm -rf /tmp/b && mkdir /tmp/b && cd /tmp/b && staprun -o r -S 1,2 -c '$dd' /tmp/bulk.ko; echo status=\$?; ls"
vm 'rm -rf /tmp/b /tmp/check /tmp/bulk.ko; grep -c "^bulk " /proc/modules'
