# stap-exporter on a host with no translator: a module built here with
# stap -p4 -m reads, the script beside it in the VM; GET /reads.stp
# starts it through staprun and answers with its __prometheus file,
# which promtool accepts; GET / lists it; an unknown script is a 404;
# -k stops a script nobody asks about, the next request starts it
# again; SIGINT stops the exporter and unloads the module.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
promtool=$(command -v promtool || echo /usr/local/bin/promtool)
[ -x "$promtool" ] || { echo "no promtool (scripts/install-deps installs it)"; exit 1; }
cat >reads.stp <<'EOF'
global reads, bytes
probe kernel.function("vfs_read") {
	reads[execname()]++
	bytes[execname(), cpu()] += $count
}
probe prometheus {
	$value .= "# HELP stap_reads_total vfs_read() calls, by command\n"
	$value .= "# TYPE stap_reads_total counter\n"
	@prometheus_dump_array1(reads, "stap_reads_total", "comm")
	$value .= "# HELP stap_read_bytes_total bytes asked of vfs_read(), by command and CPU\n"
	$value .= "# TYPE stap_read_bytes_total counter\n"
	@prometheus_dump_array2(bytes, "stap_read_bytes_total", "comm", "cpu")
}
EOF
"$STAP" -r "$KVER" -p4 -m reads reads.stp >build.log 2>&1 || { cat build.log; exit 1; }
vm() {	# vm CMD: CMD in the VM, stderr merged there (in order)
	"$STAPVM" exec "exec 2>&1; $*" 2>&1
}
vm 'rm -rf /tmp/exp && mkdir /tmp/exp' || exit 1
"$STAPVM" put reads.stp /tmp/exp/reads.stp || exit 1
"$STAPVM" put reads.ko /tmp/exp/reads.ko || exit 1
vm 'cat >/tmp/get <<"EOF"
# get PATH [TRIES]: GET it from the exporter, retrying on errors (503
# while the script starts) TRIES times (default 1), a second apart
for i in $(seq ${2:-1}); do
	wget -q -O /tmp/body "http://127.0.0.1:9900/$1" 2>/tmp/err && exit 0
	sleep 1
done
sed "s/^wget: //" /tmp/err
exit 1
EOF'
echo "== start the exporter"
vm 'stap-exporter -p 9900 -s /tmp/exp -k 4 -v >/tmp/exporter.log 2>&1 &
echo $! >/tmp/exporter.pid; sleep 1; sh /tmp/get "" && cat /tmp/body'
echo "== GET /reads.stp"
vm 'sh /tmp/get reads.stp 15 || cat /tmp/exporter.log
for i in 1 2 3; do dd if=/dev/zero of=/dev/null bs=1 count=100 2>/dev/null; done
sh /tmp/get reads.stp && cp /tmp/body /tmp/metrics
grep -c "^stap_reads_total{comm=\"dd\"} [0-9]*$" /tmp/metrics
grep -q "^stap_read_bytes_total{comm=\"dd\",cpu=\"[0-9]*\"} [0-9]*$" /tmp/metrics && echo "dd bytes by cpu"
sh /tmp/get "" && cat /tmp/body
lsmod | grep -c "^reads "'
vm 'cat /tmp/metrics' >metrics.txt
echo "== promtool check metrics"
"$promtool" check metrics <metrics.txt
echo "promtool status=$?"
echo "== an unknown script"
vm 'sh /tmp/get nosuch.stp'
echo "== -k 4: stopped when nobody asks, started again at the next request"
vm 'sleep 7; lsmod | grep -c "^reads "; sh /tmp/get "" && cat /tmp/body
sh /tmp/get reads.stp 15 && grep -c "^# TYPE stap_reads_total counter$" /tmp/body'
echo "== SIGINT"
vm 'kill -INT $(cat /tmp/exporter.pid); sleep 3
kill -0 $(cat /tmp/exporter.pid) 2>/dev/null && echo "still running"
lsmod | grep -c "^reads "
grep -c "started reads.stp as /tmp/exp/reads.ko" /tmp/exporter.log
rm -rf /tmp/exp /tmp/get /tmp/body /tmp/err /tmp/metrics /tmp/exporter.*'
