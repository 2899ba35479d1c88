#!/bin/bash
# remote-stress.sh [RUNS]: RUNS (default 200) runs in a row of a small
# script through stap --remote=vm, every other one from a stopped VM, the
# others right after a connection of the kinds that used to confuse the
# protocol (doc/stapsh.md):
#
#   plain     nothing
#   hello     a client that sends its hello and leaves at once
#   killed    a client killed (SIGKILL) 0-2 s into a run of its own
#   transfer  a client that leaves in the middle of a file transfer
#   busy      a second run at the same time (the socket queues one)
#   cut       a client that leaves before reading the reply to 'quit'
#
# After hello, transfer and cut the run starts within a millisecond or
# two, as the reconnection that broke protocol 1 did: it is remote_run()
# through build/vm/stapvm-client on the VM's socket (the same client code
# as stap's; stap itself takes longer to start).
# Every run must print its line and exit 0; at the end no stap module may
# be left loaded.  Prints one line per failure and the figures: runs,
# failures, time (cold and warm runs apart).  Exit status 1 on failures.
#
# Environment: STAPVM_DIR (the VM instance; default ~/.cache/stapvm/stress,
# booted and stopped here), STAP (default ./run-stap; a stap that finds
# the tree's tapsets and runtime), KVER (default: stapvm kver),
# STRESS_KINDS (the kinds of warm runs, default all of them, in turn),
# STRESS_COLD (how many runs start from a stopped VM: runs 1, 3, 5...;
# default half of them), STRESS_LOGS (where a failure's logs go, default
# /tmp/remote-stress-logs).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-200}
export STAPVM_DIR=${STAPVM_DIR:-$HOME/.cache/stapvm/stress}
export STAPVM=${STAPVM:-$top/vm/stapvm}
stap=${STAP:-$top/run-stap}
kinds=(${STRESS_KINDS:-plain hello killed transfer busy cut})
cold=${STRESS_COLD:-$(( (runs + 1) / 2 ))}
kver=${KVER:-$("$STAPVM" kver)} || exit 1
sock=$("$STAPVM" socket)
tmp=$(mktemp -d /tmp/remote-stress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ms() { date +%s%3N; }
fail=0 cold_n=0 cold_ms=0 warm_n=0 warm_ms=0 slowest=0

# The scripts: one that prints and exits, one that runs until stopped.
short='probe begin { println("stress ok") exit() }'
long='probe timer.ms(200) { println("tick") } probe end { println("end") }'
for s in "$long" "$short"; do	# build them once (the module cache)
	"$stap" -r "$kver" -p4 -e "$s" >"$tmp/build.log" 2>&1 ||
		{ cat "$tmp/build.log"; exit 1; }
done
ko=$(tail -n 1 "$tmp/build.log")	# the short one, for stapvm-client
[ -f "$ko" ] || { echo "no module: $ko"; exit 1; }
client=$top/build/vm/stapvm-client
make -s -C "$top" -f vm/vm.mk vm-progs || exit 1

# Raw connections to stapsh (python: exact control over what is sent and
# when the connection closes).
raw() {	# raw MODE CMD...: hello | transfer | cut, then exec CMD at once
	python3 - "$sock" "$@" <<'EOF'
import os, socket, sys, time
path, mode, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
tok = "stress%d" % time.time_ns()
if mode == "hello":
    s.send(("stap 2 %s\n" % tok).encode())
elif mode == "transfer":
    s.send(("stap 2 %s\n" % tok).encode())
    buf = b""
    while ("stapsh 2 " not in buf.decode(errors="replace") or
           tok not in buf.decode(errors="replace")):
        buf += s.recv(4096)
    s.send(b"file 300000 cut.ko\n" + b"\0" * 100000)
elif mode == "cut":
    s.send(("stap 2 %s\noption x\nquit\n" % tok).encode())
s.close()
os.execvp(cmd[0], cmd)
EOF
}

# After a failure: what the VM runs, its console and qemu's log, into
# $STRESS_LOGS (default /tmp/remote-stress-logs).
diagnose() {
	local d=${STRESS_LOGS:-/tmp/remote-stress-logs}/$fail
	mkdir -p "$d"
	echo "$1" >"$d/what"
	cp "$tmp/err" "$tmp/out" "$d/" 2>/dev/null
	timeout 60 "$STAPVM" exec 'ps; cat /proc/modules' >"$d/vm" 2>&1
	cp "$STAPVM_DIR/console.log" "$STAPVM_DIR/qemu.log" "$d/" 2>/dev/null
	echo "  (logs in $d)"
}

one() {	# one NAME [CMD...]: a run of the short script; counts a failure
	local name=$1 t0 t rc
	shift
	[ $# -gt 0 ] || set -- "$stap" --remote=vm -e "$short"
	t0=$(ms)
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	t=$(( $(ms) - t0 ))
	if [ $rc -ne 0 ] || [ "$(cat "$tmp/out")" != "stress ok" ]; then
		fail=$((fail + 1))
		echo "FAIL: $name (rc $rc, $t ms): $(cat "$tmp/err" "$tmp/out" | tr '\n' '|' | cut -c1-300)"
		diagnose "$name"
	fi
	[ $t -gt $slowest ] && slowest=$t
	LAST_MS=$t
}

t_all=$(ms)
for i in $(seq 1 "$runs"); do
	if [ $((i % 2)) -eq 1 ] && [ $(( (i + 1) / 2 )) -le "$cold" ]; then
		"$STAPVM" stop >/dev/null 2>&1
		one "run $i (from a stopped VM)"
		cold_n=$((cold_n + 1)) cold_ms=$((cold_ms + LAST_MS))
		continue
	fi
	kind=${kinds[$(( warm_n % ${#kinds[@]} ))]}
	cmd=()
	case $kind in
	hello|transfer|cut) cmd=(raw "$kind" "$client" run "unix:$sock" "$ko") ;;
	killed)
		"$stap" --remote=vm -e "$long" >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r % 200 / 100 }')"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null ;;
	busy)
		"$stap" --remote=vm -e "$short" >"$tmp/busy.out" 2>"$tmp/busy.err" &
		pid=$! ;;
	esac
	one "run $i (after '$kind')" "${cmd[@]}"
	warm_n=$((warm_n + 1)) warm_ms=$((warm_ms + LAST_MS))
	if [ "$kind" = busy ]; then
		wait $pid
		rc=$?
		if [ $rc -ne 0 ] || [ "$(cat "$tmp/busy.out")" != "stress ok" ]; then
			fail=$((fail + 1))
			echo "FAIL: run $i's companion (rc $rc): $(tr '\n' '|' <"$tmp/busy.err" | cut -c1-300)"
			diagnose "run $i's companion"
		fi
	fi
done
t_all=$(( $(ms) - t_all ))

# Nothing left loaded (the killed clients' runs were stopped by stapsh).
left=$("$STAPVM" exec 'grep -c "^stap_" /proc/modules' 2>&1)
if [ "$left" != 0 ]; then
	fail=$((fail + 1))
	echo "FAIL: modules left loaded: $left"
fi
"$STAPVM" stop >/dev/null 2>&1

avg() { [ "$1" -gt 0 ] && awk -v t="$2" -v n="$1" 'BEGIN { printf "%.1f", t / n / 1000 }' || echo -; }
echo "runs: $runs ($cold_n from a stopped VM, $warm_n right after: ${kinds[*]})"
echo "failures: $fail"
echo "time: $(awk -v t=$t_all 'BEGIN { printf "%.0f", t / 1000 }') s; per run: $(avg $cold_n $cold_ms) s from a stopped VM, $(avg $warm_n $warm_ms) s warm; slowest $(awk -v t=$slowest 'BEGIN { printf "%.1f", t / 1000 }') s"
[ "$fail" -eq 0 ]
