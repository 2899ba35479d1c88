# stap --remote over ssh, to several targets at once: two VMs of this
# test's own with an ssh server (STAPVM_SSH_PORT; dropbear in the VM, the
# system ssh here with a key made for the test), a port where nobody
# listens, and the suite's VM through its unix socket.  One command:
# each reachable target runs the module (passes 1-4 once, as they all
# have the same kernel) and its lines come back after "N: ", N the
# index of its --remote; the unreachable one is one clear error, and
# the exit status is 1.  Then a Ctrl-C (SIGINT to stap) during a run on
# the two ssh targets ends both cleanly (their end probes run).
set -u
tmp=$(mktemp -d)
dirs=("$STAPVM_DIR-ssh1" "$STAPVM_DIR-ssh2")
cleanup() {
	for d in "${dirs[@]}"; do
		STAPVM_DIR=$d "$STAPVM" stop >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# A port of 127.0.0.1 where nobody listens (now).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo "$p"
}

# Boot both VMs at once (one CPU each, so that the two share this
# machine's cores), each with its port forwarded to its sshd; qemu fails
# at once if the port was taken meanwhile: then another one.
boot() {	# boot DIR LOG
	local i port
	for i in 1 2 3; do
		port=$(free_port)
		STAPVM_DIR=$1 STAPVM_SSH_PORT=$port STAPVM_SMP=1 STAPVM_MEM=512 \
			"$STAPVM" start >"$2" 2>&1 && { echo "$port" >"$2.port"; return 0; }
	done
	cat "$2"
	return 1
}
t0=$(date +%s)
boot "${dirs[0]}" "$tmp/boot1" & b1=$!
boot "${dirs[1]}" "$tmp/boot2" & b2=$!
wait $b1 || exit 1
wait $b2 || exit 1
port1=$(cat "$tmp/boot1.port") port2=$(cat "$tmp/boot2.port")

# The client's key, authorized for root in both VMs.
ssh-keygen -q -t ed25519 -N '' -C stap-test -f "$tmp/key" || exit 1
cp "$tmp/key.pub" "$tmp/authorized_keys"
chmod 600 "$tmp/authorized_keys"
for d in "${dirs[@]}"; do
	STAPVM_DIR=$d "$STAPVM" exec 'mkdir -p /root/.ssh && chmod 700 /root/.ssh' &&
	STAPVM_DIR=$d "$STAPVM" put "$tmp/authorized_keys" /root/.ssh/ || exit 1
done
export STAP_SSH_OPTS="-i $tmp/key -o UserKnownHostsFile=$tmp/known_hosts -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR"
# Each sshd answers before the test starts: dropbear makes its host key
# at the first connection, which a loaded machine's emulated VM may take
# longer for than stap's 10 s connection timeout.
for port in "$port1" "$port2"; do
	for i in 1 2 3 4 5 6; do
		# shellcheck disable=SC2086
		ssh $STAP_SSH_OPTS -o BatchMode=yes -o ConnectTimeout=30 -p "$port" \
			root@127.0.0.1 true </dev/null && break
		sleep 1
	done
done
dead=$(free_port)
sock=$("$STAPVM" socket)
t1=$(date +%s)

echo "== two ssh VMs, a closed port, the suite's VM"
"$STAP" -v --remote-prefix \
	--remote "ssh://root@127.0.0.1:$port1" \
	--remote "root@127.0.0.1:$port2" \
	--remote "ssh://root@127.0.0.1:$dead" \
	--remote "unix:$sock" \
	-e 'probe begin { println("hello") println("second line") exit() }' \
	>"$tmp/out" 2>"$tmp/err"
echo "rc=$?"
LC_ALL=C sort "$tmp/out"
echo "-- stderr"
grep -v '^Pass [1-5]:' "$tmp/err" |
	sed -e "s/port $dead:/port PORT:/" -e "s/:$dead'/:PORT'/"
echo "Pass 4 lines: $(grep -c '^Pass 4:' "$tmp/err")"
t2=$(date +%s)

echo "== Ctrl-C reaches both ssh targets"
"$STAP" --remote-prefix --remote "ssh://root@127.0.0.1:$port1" \
	--remote "root@127.0.0.1:$port2" \
	-e 'probe begin { println("begin") } probe end { println("end") }' \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
for i in $(seq 300); do
	[ "$(grep -c begin "$tmp/out")" = 2 ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid
echo "rc=$?"
LC_ALL=C sort "$tmp/out"
cat "$tmp/err"
t3=$(date +%s)
# the times, for whoever looks at the test's log
echo "boot $((t1 - t0)) s, 4 targets $((t2 - t1)) s, Ctrl-C $((t3 - t2)) s" >"$STAPVM_DIR-ssh.times"
