#!/bin/bash
# vm-smoke.sh: end-to-end check of the test VM, staprun/stapio/stapsh and
# stap --remote's remote_run(), using the hand-written transport fixture
# testsuite/fixtures/hello (no translator needed).  It uses a VM of its
# own (STAPVM_DIR, default ~/.cache/stapvm/smoke), so that other users of
# the default VM neither disturb nor are disturbed by it (it checks that
# no stap_ module is left loaded), and stops it at the end unless --keep.
# Last line: "N passed, N failed"; exit status 1 if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
stop_after=1
[ "${1:-}" = "--keep" ] && stop_after=0
export STAPVM_DIR=${STAPVM_DIR:-$HOME/.cache/stapvm/smoke}

stapvm=$top/vm/stapvm
export STAPVM=$stapvm		# remote_run("vm") finds stapvm here
client=$top/build/vm/stapvm-client
fixture=$top/testsuite/fixtures/hello
ko=$fixture/stap_hello.ko
tmp=$(mktemp -d /tmp/vm-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "PASS: $1"; }
ko_() { fail=$((fail + 1)); echo "FAIL: $1${2:+: $2}"; }
check() {	# check NAME CONDITION-COMMAND...
	local name=$1; shift
	if "$@"; then ok "$name"; else ko_ "$name"; fi
}
ms() { date +%s%3N; }
T=120	# timeout of one remote command, seconds

# Kernel log lines that mean trouble.
oops_re='Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic|RIP:'
oops_seen=0
check_dmesg() {	# after each run: no new oops/BUG/WARNING, module gone
	local n mods
	n=$("$stapvm" dmesg 2>/dev/null | grep -cE "$oops_re")
	mods=$("$stapvm" exec 'cat /proc/modules' 2>/dev/null | grep -c '^stap_')
	if [ "$n" -ne "$oops_seen" ]; then
		ko_ "$1: kernel log clean" "$("$stapvm" dmesg | grep -E "$oops_re" | tail -n 3)"
		oops_seen=$n
	elif [ "$mods" -ne 0 ]; then
		ko_ "$1: module removed" "still in /proc/modules"
	else
		ok "$1: module removed, kernel log clean"
	fi
}

# --- build ---------------------------------------------------------------
kver=$("$stapvm" kver) || { echo "cannot resolve the VM kernel"; echo "0 passed, 1 failed"; exit 1; }
make -s -f vm/vm.mk vm-progs || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
if ! make -s -C "$fixture" KVER="$kver" >"$tmp/kbuild.log" 2>&1; then
	cat "$tmp/kbuild.log"
	echo "0 passed, 1 failed"; exit 1
fi

# --- the VM ----------------------------------------------------------------
t0=$(ms)
if "$stapvm" start; then ok "stapvm start ($(( $(ms) - t0 )) ms)"; else
	ko_ "stapvm start"; echo "$pass passed, $fail failed"; exit 1; fi
check "stapvm status" "$stapvm" status
sock=$("$stapvm" socket)
check "stapvm socket is a socket" test -S "$sock"
oops_seen=$("$stapvm" dmesg | grep -cE "$oops_re")
[ "$oops_seen" -eq 0 ] || ko_ "kernel log clean after boot" "$oops_seen lines"

vk=$("$stapvm" exec uname -r)
check "stapvm kver ($kver) = the VM's uname -r ($vk)" test "$kver" = "$vk"

# --- exec ------------------------------------------------------------------
timeout $T "$stapvm" exec 'echo out; echo err >&2; exit 3' >"$tmp/o" 2>"$tmp/e"
rc=$?
check "exec: exit status 3" test $rc -eq 3
check "exec: stdout exact" test "$(cat "$tmp/o")" = out
check "exec: stderr exact" test "$(cat "$tmp/e")" = err
timeout $T "$stapvm" exec 'kill -9 $$'
check "exec: killed by signal -> 137" test $? -eq 137
check "exec: args joined like ssh" test "$("$stapvm" exec echo a  b 'c  d')" = "a b c d"
check "exec --user=stapuser" test "$("$stapvm" exec --user=stapuser 'id -un; id -Gn')" = "$(printf 'stapuser\nstapuser stapusr')"
check "exec --user=stapdevuser in stapdev" sh -c "'$stapvm' exec --user=stapdevuser id -Gn | grep -qw stapdev"
check "exec --user=nobody1 in no stap group" test "$("$stapvm" exec --user=nobody1 id -Gn)" = nobody1
timeout $T "$stapvm" exec --user=nosuchuser true 2>"$tmp/e"
check "exec --user=nosuchuser fails" grep -q "unknown user" "$tmp/e"
check "exec: /lib/modules/KVER/systemtap exists" "$stapvm" exec "test -d /lib/modules/\$(uname -r)/systemtap"

# --- put: binary-exact both ways -----------------------------------------
head -c 300000 /dev/urandom >"$tmp/rand"
timeout $T "$stapvm" put "$tmp/rand" /tmp/
check "put into a directory" test $? -eq 0
timeout $T "$stapvm" exec 'cat /tmp/rand' >"$tmp/rand.back"
check "put + exec cat: binary round trip" cmp -s "$tmp/rand" "$tmp/rand.back"
timeout $T "$stapvm" put "$ko" /tmp/hello.ko
check "put to a file name" test "$("$stapvm" exec md5sum /tmp/hello.ko | cut -d' ' -f1)" = "$(md5sum <"$ko" | cut -d' ' -f1)"
timeout $T "$stapvm" put "$tmp/rand" /nonexistent/dir/x 2>"$tmp/e"
check "put to a missing directory fails" test $? -ne 0

# --- staprun inside the VM -------------------------------------------------
out=$(timeout $T "$stapvm" exec 'staprun /tmp/hello.ko' 2>"$tmp/e"); rc=$?
check "staprun in the VM: output and status 0" test "$out" = hello -a $rc -eq 0
check_dmesg "staprun in the VM"
out=$(timeout $T "$stapvm" exec 'staprun -o /tmp/o.txt /tmp/hello.ko && cat /tmp/o.txt')
check "staprun -o FILE" test "$out" = hello
out=$(timeout $T "$stapvm" exec 'staprun /tmp/nosuch.ko' 2>&1); rc=$?
check "staprun: missing module" test $rc -eq 1 -a "$out" = "staprun: cannot open module '/tmp/nosuch.ko': No such file or directory"
out=$(timeout $T "$stapvm" exec 'staprun -w /tmp/hello.ko mode=1 & sleep 2; kill -TERM $!; wait $!' 2>&1); rc=$?
check "staprun: SIGTERM stops, -w hides warnings" test $rc -eq 0 -a "$out" = "$(printf 'hello\nbye')"
check_dmesg "staprun SIGTERM"

# --- remote_run over unix: -------------------------------------------------
out=$(timeout $T "$client" run "unix:$sock" "$ko" 2>"$tmp/e"); rc=$?
check "remote_run unix: output" test "$out" = hello
check "remote_run unix: status 0, quiet stderr" test $rc -eq 0 -a ! -s "$tmp/e"
check_dmesg "remote_run unix"
out=$(timeout $T "$client" run "unix:$sock" "$ko" mode=2 2>"$tmp/e"); rc=$?
check "remote_run: ERROR -> status 1" test $rc -eq 1 -a "$out" = hello
check "remote_run: ERROR line on stderr" grep -qx "ERROR: fixture error" "$tmp/e"
out=$(timeout $T "$client" run "unix:$sock" "$ko" mode=1 2>"$tmp/e"); rc=$?
check "remote_run: WARNING deduplicated" test "$(grep -c 'fixture warning' "$tmp/e")" -eq 1
out=$(timeout $T "$client" run "unix:$sock" "$ko" -c 'echo cmd-ran' mode=1 2>/dev/null); rc=$?
check "remote_run -c: target pid, command output, end probe" sh -c "printf '%s\n' '$out' | head -1 | grep -qx hello && printf '%s\n' '$out' | grep -q '^target=[1-9]' && printf '%s\n' '$out' | grep -qx cmd-ran && printf '%s\n' '$out' | tail -1 | grep -qx bye"
check "remote_run -c: status 0" test $rc -eq 0
out=$(timeout $T "$client" run "unix:$sock" "$ko" mode=3 count=20000 2>/dev/null); rc=$?
check "remote_run: 20000 lines in order" test "$(printf '%s\n' "$out" | sed -n '2p;$p' | tr '\n' ' ')" = "line 1 line 20000 " -a "$(printf '%s\n' "$out" | wc -l)" -eq 20001
check_dmesg "remote_run unix, several runs"

# Ctrl-C: SIGINT to the host side stops the session cleanly.
intr() {	# intr URL SIG: run mode=4 (ticks until stopped), signal it
	rm -f "$tmp/ticks" "$tmp/ticks.e"
	"$client" run "$1" "$ko" mode=4 >"$tmp/ticks" 2>"$tmp/ticks.e" &
	local pid=$! i
	for i in $(seq 100); do
		grep -q '^tick 3$' "$tmp/ticks" 2>/dev/null && break
		sleep 0.2
	done
	kill -"$2" $pid
	wait $pid
}
intr "unix:$sock" INT; rc=$?
check "Ctrl-C (unix:): status 0" test $rc -eq 0
check "Ctrl-C (unix:): end probe ran" test "$(tail -n 1 "$tmp/ticks")" = bye
check "Ctrl-C (unix:): nothing on stderr" test ! -s "$tmp/ticks.e"
check_dmesg "Ctrl-C unix"
intr "unix:$sock" TERM; rc=$?
check "SIGTERM (unix:): status 0 ($rc), end probe ran" test $rc -eq 0 -a "$(tail -n 1 "$tmp/ticks")" = bye
check_dmesg "SIGTERM unix"

# A client that vanishes mid-run: stapsh stops the session by itself.
"$client" run "unix:$sock" "$ko" mode=4 >/dev/null 2>&1 &
pid=$!; sleep 3; kill -9 $pid; wait $pid 2>/dev/null
for i in $(seq 50); do
	"$stapvm" exec 'grep -q ^stap_ /proc/modules' || break
	sleep 0.2
done
check_dmesg "client killed mid-run"
out=$(timeout $T "$client" run "unix:$sock" "$ko" 2>&1)
check "next run after a vanished client" test "$out" = hello

# --- remote_run vm ----------------------------------------------------------
out=$(timeout $T "$client" run vm "$ko" 2>"$tmp/e"); rc=$?
check "remote_run vm: output and status" test "$out" = hello -a $rc -eq 0
check "remote_kernel_release vm" test "$("$client" kver vm)" = "$kver"
check "remote_kernel_release unix:" test "$("$client" kver "unix:$sock")" = "$kver"
intr vm INT; rc=$?
check "Ctrl-C (vm): status 0, end probe ran" test $rc -eq 0 -a "$(tail -n 1 "$tmp/ticks")" = bye
check_dmesg "remote_run vm"

# --- refusals ----------------------------------------------------------------
python3 - "$ko" "$tmp" <<'EOF'
import sys
ko, tmp = sys.argv[1], sys.argv[2]
d = open(ko, 'rb').read()
# another release in vermagic (staprun checks it)
i = d.find(b'vermagic=') + len(b'vermagic=')
j = d.find(b'-', d.find(b'.', i))
bad = d[:i] + d[i:j].replace(d[i:j], b'0' * (j - i)) + d[j:]
open(tmp + '/badrel.ko', 'wb').write(bad)
# a wrong symbol CRC (what the kernel checks with modversions)
k = d.find(b'module_layout\0')
crc = k - 8
bad = d[:crc] + bytes(x ^ 0xff for x in d[crc:crc + 4]) + d[crc + 4:]
open(tmp + '/badcrc.ko', 'wb').write(bad)
EOF
out=$(timeout $T "$client" run "unix:$sock" "$tmp/badrel.ko" 2>&1); rc=$?
check "module for another release refused" sh -c "test $rc -eq 1 && printf '%s' '$out' | grep -q 'was built for kernel'"
out=$(timeout $T "$client" run "unix:$sock" "$tmp/badcrc.ko" 2>&1); rc=$?
check "module with bad symbol versions refused by the kernel" sh -c "test $rc -eq 1 && printf '%s' '$out' | grep -q 'cannot insert module.*Exec format error'"
"$client" run "unix:$sock" "$ko" mode=4 >/dev/null 2>&1 &
pid=$!
for i in $(seq 100); do
	"$stapvm" exec 'test -d /proc/systemtap/stap_hello' && break
	sleep 0.2
done
"$stapvm" put "$ko" /tmp/hello.ko
out=$(timeout $T "$stapvm" exec 'staprun /tmp/hello.ko' 2>&1); rc=$?
check "second instance refused (already loaded)" sh -c "test $rc -eq 1 && printf '%s' '$out' | grep -q 'File exists'"
kill -INT $pid; wait $pid
check_dmesg "refusals"

# --- exec round trips ----------------------------------------------------------
n=100 t0=$(ms) bad=0
for i in $(seq $n); do
	[ "$("$stapvm" exec "echo $i")" = "$i" ] || bad=$((bad + 1))
done
t=$(( $(ms) - t0 ))
check "$n exec round trips (avg $((t / n)) ms)" test $bad -eq 0

[ $stop_after -eq 1 ] && "$stapvm" stop
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
