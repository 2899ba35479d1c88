# A stapsh that goes away under a running stap --remote: killed (the VM's
# init starts a new one, which answers the client's ping with 'error 0'),
# or stopped (no answer to the ping within STAP_REMOTE_TIMEOUT).  Each is
# one line and exit 1, the module is removed (stapsh's SIGTERM to staprun,
# PR_SET_PDEATHSIG when it is killed), and the next run works.  And a
# socket nobody listens on.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sock=$("$STAPVM" socket)
script='probe begin { println("begin") } probe end { println("end") }'
vm() { "$STAPVM" exec "$@"; }
# The stapsh serving stap --remote (the other one serves these commands).
stapsh_pid='for p in /proc/[0-9]*; do [ "$(readlink $p/exe)" = /usr/lib/systemtap/stapsh ] && grep -q org.systemtap.stapsh $p/cmdline && echo ${p#/proc/}; done'
wait_begin() {
	local i
	for i in $(seq 300); do
		grep -q begin "$tmp/out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no 'begin' from the run"
}
modules() {	# stap modules loaded, after giving staprun time to stop
	local i n
	for i in $(seq 50); do
		n=$(vm 'grep -c "^stap_" /proc/modules')
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	echo "modules loaded: $n"
}
run_bg() {
	STAP_REMOTE_TIMEOUT=6 "$STAP" -r "$KVER" --remote="unix:$sock" -e "$script" \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_begin
}
show() {
	sed "s|$sock|SOCK|g" "$tmp/err"
	cat "$tmp/out"
}
"$STAP" -r "$KVER" -p4 -e "$script" >/dev/null || exit 1

echo "== stapsh killed"
run_bg
vm "kill -9 \$($stapsh_pid)"
wait $pid
echo "rc=$?"
show
modules

echo "== stapsh stopped"
run_bg
vm "kill -STOP \$($stapsh_pid)"
wait $pid
echo "rc=$?"
vm "kill -CONT \$($stapsh_pid)"
show
modules

echo "== the next run"
"$STAP" -r "$KVER" --remote="unix:$sock" -e 'probe begin { println("works") exit() }'
echo "rc=$?"

echo "== a socket nobody listens on"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/dead.sock"
"$STAP" -r "$KVER" --remote="unix:$tmp/dead.sock" -e 'probe begin { exit() }' 2>&1 |
	sed "s|$tmp|TMP|g"
